//! The dealers' side in Telegram and what follows a request's end.
//!
//! - `/start offer_<REQ>` (the channel post's *Make an offer*): an approved dealer sees the
//!   request and makes an offer in a conversation — the built-in `_offer` flow on the scenario
//!   engine ([`teledesk_scenarios::hosted`]); anyone else is told why not, and a person who is no
//!   dealer yet is offered the built-in `_dealer` registration (name, company, phone), which an
//!   admin approves or blocks in the admin chat.
//! - Each offer goes to the admin chat with *Select* and *Reject*; the dealer can withdraw it.
//! - Selecting or cancelling ([`close`], [`cancel`]) ends the request in one transaction
//!   ([`crate::offers`]); then [`ended`] tells everyone, by the workspace's contact-reveal policy,
//!   through one `requests.tell` job per message (named after the request, the message and the
//!   chat, so that telling again sends nothing twice), and records every contact shown.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use serde_json::{Value, json};
use teledesk_bot::ctx::{Ctx, Fail, Res};
use teledesk_bot::i18n::{Arg, Lang};
use teledesk_bot::msg::Msg;
use teledesk_bot::router::Handled;
use teledesk_bot::{Deps, events};
use teledesk_ports::table::{Condition, Item, Table, TableError};
use teledesk_scenarios::engine::{Keyboard, View};
use teledesk_scenarios::hosted::{self, Host, Submit};
use teledesk_scenarios::store::Published;
use teledesk_telegram::OutgoingText;

use crate::dealers::{self, Dealer};
use crate::offers::{self, Offer, OfferError, Reveal};
use crate::store::{self, Request};
use crate::texts::{t, t_in};
use crate::{CALLBACK, describe, money, publish};

pub const FLOW_OFFER: &str = "_offer";
pub const FLOW_DEALER: &str = "_dealer";
/// One message to one chat (and the contact it reveals, recorded once it is sent).
pub const JOB_TELL: &str = "requests.tell";
/// A lead of a scenario with `creates: request` and `auto_publish`: converted and published.
pub use teledesk_scenarios::JOB_FROM_LEAD;

pub use teledesk_bot::events::{
    OFFER_ACCEPTED, OFFER_CREATED, OFFER_REJECTED, OFFER_WITHDRAWN, REQUEST_CANCELLED,
    REQUEST_CLOSED,
};

static OFFER_FLOW: LazyLock<Arc<Published>> = LazyLock::new(|| {
    Arc::new(
        hosted::builtin("offer", include_str!("../flows/offer.json"))
            .expect("the built-in offer flow is valid (a test checks it)"),
    )
});
static DEALER_FLOW: LazyLock<Arc<Published>> = LazyLock::new(|| {
    Arc::new(
        hosted::builtin("dealer", include_str!("../flows/dealer.json"))
            .expect("the built-in dealer flow is valid (a test checks it)"),
    )
});

/// Registers the built-in flows with the scenario engine (the wiring does, once per process).
pub fn register_flows() {
    hosted::register(Arc::new(OfferFlow));
    hosted::register(Arc::new(DealerFlow));
}

// ---- the contact-reveal policy -------------------------------------------------------------

pub const POLICIES: &[&str] = &["on_select", "mediated"];
const POLICY_SK: &str = "CONTACT_REVEAL";

/// The workspace's contact-reveal policy (`on_select` unless set).
pub async fn policy(table: &dyn Table, workspace: &str) -> Result<String, TableError> {
    let item = table
        .get(&teledesk_bot::keys::workspace_pk(workspace), POLICY_SK)
        .await?;
    Ok(item
        .as_ref()
        .and_then(|i| teledesk_ports::table::str_attr(i, "policy"))
        .filter(|p| POLICIES.contains(p))
        .unwrap_or("on_select")
        .to_owned())
}

pub async fn set_policy(
    table: &dyn Table,
    workspace: &str,
    policy: &str,
    by: &str,
) -> Result<(), TableError> {
    let mut item = Item::new();
    item.insert(
        "pk".into(),
        json!(teledesk_bot::keys::workspace_pk(workspace)),
    );
    item.insert("sk".into(), json!(POLICY_SK));
    item.insert("policy".into(), json!(policy));
    item.insert("set_by".into(), json!(by));
    item.insert("set_at".into(), json!(teledesk_ports::now_secs()));
    table.put(item, Condition::None).await
}

// ---- texts -----------------------------------------------------------------------------------

fn view(html: String) -> View {
    View {
        html,
        keyboard: Keyboard::None,
        photo: None,
    }
}

fn buttons(rows: Vec<Vec<(String, String)>>) -> Value {
    json!({"inline_keyboard": rows.into_iter().map(|r| r.into_iter().map(|(text, data)| {
        json!({"text": text, "callback_data": CALLBACK.data(&data).unwrap_or_default()})
    }).collect::<Vec<_>>()).collect::<Vec<_>>()})
}

/// What an offer is, in one line: `23 500.00 USD · 2019 · 64 000 km`.
pub fn offer_what(o: &Offer) -> String {
    let mut parts = vec![money::display(o.price, &o.currency)];
    if let Some(y) = o.year {
        parts.push(y.to_string());
    }
    if let Some(m) = o.mileage {
        parts.push(format!(
            "{} km",
            teledesk_scenarios::engine::fmt_number(m as f64)
        ));
    }
    parts.join(" · ")
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

fn dealer_lang(deps: &Deps, d: &Dealer) -> Lang {
    d.language
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(deps.config.language)
}

// ---- the offer link -----------------------------------------------------------------------------

/// `offer_<REQ id>`.
pub fn parse_payload(payload: &str) -> Option<&str> {
    let id = payload.strip_prefix("offer_")?;
    (id.starts_with("REQ-")
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    .then_some(id)
}

/// Says `html` once in this operation (a re-delivered `/start` says nothing twice).
async fn say(ctx: &Ctx<'_>, chat: i64, step: &str, html: String, markup: Option<Value>) -> Res<()> {
    ctx.once(&format!("{step}#{chat}"), || async {
        ctx.send(OutgoingText {
            reply_markup: markup.clone(),
            ..OutgoingText::html(chat, None, html.clone())
        })
        .await
        .map(|_| ())
    })
    .await
}

/// `/start offer_<REQ>`.
pub async fn on_offer_link(ctx: &Ctx<'_>, m: &Msg<'_>, payload: &str) -> Res<Handled> {
    let Some(id) = parse_payload(payload) else {
        return Ok(Handled::No);
    };
    let chat = m.chat_id();
    let table = ctx.deps.table.as_ref();
    let r = store::get(table, ctx.workspace(), id)
        .await?
        .filter(|r| r.status != "draft");
    let Some(r) = r else {
        say(
            ctx,
            chat,
            "rq-offer-link",
            t(ctx, "rq-offer-unknown", &[]),
            None,
        )
        .await?;
        return Ok(Handled::Yes);
    };
    let dealer = dealers::get(table, ctx.workspace(), m.from_id()).await?;
    match dealer.as_ref().map(|d| d.status.as_str()) {
        Some("approved") => {}
        Some("pending") => {
            say(
                ctx,
                chat,
                "rq-offer-link",
                t(ctx, "rq-dealer-pending", &[]),
                None,
            )
            .await?;
            return Ok(Handled::Yes);
        }
        Some(_) => {
            say(
                ctx,
                chat,
                "rq-offer-link",
                t(ctx, "rq-dealer-blocked", &[]),
                None,
            )
            .await?;
            return Ok(Handled::Yes);
        }
        None => {
            let markup = buttons(vec![vec![(
                t(ctx, "rq-register", &[]),
                format!("rg:{}", r.id),
            )]]);
            say(
                ctx,
                chat,
                "rq-offer-link",
                t(ctx, "rq-not-dealer", &[]),
                Some(markup),
            )
            .await?;
            return Ok(Handled::Yes);
        }
    }
    if let Err(e) = offers::open_for_offers(&r) {
        say(ctx, chat, "rq-offer-link", ended_text(ctx, &e), None).await?;
        return Ok(Handled::Yes);
    }
    let intro = t(
        ctx,
        "rq-offer-intro",
        &[("card", Arg::Html(publish::card(&r, ctx.lang())))],
    );
    say(ctx, chat, "rq-offer-link", intro, None).await?;
    hosted::start(
        ctx,
        chat,
        m.from_id(),
        &m.0["from"],
        FLOW_OFFER,
        &r.id,
        None,
    )
    .await?;
    Ok(Handled::Yes)
}

/// Why an offer (or a change of one) is refused, for the dealer.
fn ended_text(ctx: &Ctx<'_>, e: &OfferError) -> String {
    match e {
        OfferError::Ended(id, status) => t(
            ctx,
            "rq-offer-closed",
            &[
                ("request", id.clone().into()),
                ("status", t(ctx, &format!("rq-status-{status}"), &[]).into()),
            ],
        ),
        OfferError::Draft(_) | OfferError::NotFound(_) => t(ctx, "rq-offer-unknown", &[]),
        OfferError::DealerLimit => t(
            ctx,
            "rq-offer-limit",
            &[("max", offers::MAX_LIVE_PER_DEALER.into())],
        ),
        OfferError::RequestLimit(_) => t(ctx, "rq-offer-full", &[]),
        OfferError::NotLive(id, status) => t(
            ctx,
            "rq-offer-not-live",
            &[
                ("offer", id.clone().into()),
                (
                    "status",
                    t(ctx, &format!("rq-offer-status-{status}"), &[]).into(),
                ),
            ],
        ),
        other => other.to_string(),
    }
}

// ---- the built-in flows ---------------------------------------------------------------------

struct OfferFlow;

#[async_trait]
impl Host for OfferFlow {
    fn flow(&self) -> Arc<Published> {
        OFFER_FLOW.clone()
    }

    async fn submit(&self, ctx: &Ctx<'_>, s: &Submit<'_>) -> Res<Vec<View>> {
        let table = ctx.deps.table.as_ref();
        let ws = ctx.workspace();
        let Some(dealer) = dealers::get(table, ws, s.user)
            .await?
            .filter(|d| d.status == "approved")
        else {
            return Ok(vec![view(t(ctx, "rq-dealer-blocked", &[]))]);
        };
        // `REQ-…`, or `REQ-…|OFF-…` when the dealer changes an offer of theirs.
        let (req_id, editing) = match s.source.unwrap_or_default().split_once('|') {
            Some((r, o)) => (r, Some(o)),
            None => (s.source.unwrap_or_default(), None),
        };
        let Some(r) = store::get(table, ws, req_id).await? else {
            return Ok(vec![view(t(ctx, "rq-offer-unknown", &[]))]);
        };
        // As a value: a skipped step has no answer (and reads as null).
        let a = &Value::Object(s.answers.clone());
        let currency = a["currency"].as_str().unwrap_or("USD").to_owned();
        let Some(price) = a["price"]
            .as_f64()
            .and_then(|p| money::to_minor(p, &currency))
        else {
            return Ok(vec![view(t(ctx, "rq-offer-unknown", &[]))]);
        };
        let id = match editing {
            Some(o) => o.to_owned(),
            None => offers::offer_id(&format!("offer|{}", s.run_id)),
        };
        let photos = match a.get("photos") {
            Some(v) => teledesk_scenarios::keep_photos(ctx, &format!("offers/{id}"), v.clone())
                .await?
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| serde_json::from_value(p).ok())
                .take(offers::MAX_PHOTOS)
                .collect(),
            None => Vec::new(),
        };
        let now = teledesk_ports::now_secs();
        let offer = Offer {
            id: id.clone(),
            workspace: ws.to_owned(),
            request_id: r.id.clone(),
            dealer_id: dealer.id.clone(),
            dealer_user_id: dealer.user_id,
            bot_id: ctx.bot_id().to_owned(),
            price,
            currency,
            year: a["year"].as_f64().map(|y| y as i64),
            mileage: a["mileage"].as_f64().map(|m| m as i64),
            description: a["description"].as_str().map(str::to_owned),
            photos,
            listing_id: a["listing"].as_str().map(str::to_owned),
            valid_until: a["valid_days"].as_f64().map(|d| now + (d as i64) * 86_400),
            status: "submitted".into(),
            history: vec![json!({"at": now, "by": dealer.name, "via": "telegram",
                                 "changed": {"status": "submitted"}})],
            created_at: now,
            updated_at: now,
            version: 1,
        };
        if editing.is_some() {
            return edited(ctx, &r, offer, &dealer).await;
        }
        let sub = match offers::submit(table, &r, offer, &dealer.name, "telegram").await {
            Ok(sub) => sub,
            Err(OfferError::Conflict) => return Err(Fail::Busy),
            Err(OfferError::Table(e)) => return Err(e.into()),
            Err(e) => return Ok(vec![view(ended_text(ctx, &e))]),
        };
        submitted(ctx.deps, &sub.offer, &dealer).await?;
        let html = t(
            ctx,
            "rq-offer-sent",
            &[
                ("offer", sub.offer.id.clone().into()),
                ("what", offer_what(&sub.offer).into()),
            ],
        );
        Ok(vec![View {
            html,
            keyboard: Keyboard::Markup(offer_buttons(ctx, &sub.offer.id)),
            photo: None,
        }])
    }
}

/// Under an offer's confirmation: withdraw it, or change it.
fn offer_buttons(ctx: &Ctx<'_>, id: &str) -> Value {
    buttons(vec![vec![
        (t(ctx, "rq-withdraw", &[]), format!("wd:{id}")),
        (t(ctx, "rq-change", &[]), format!("ed:{id}")),
    ]])
}

/// The offer conversation run again to change an offer: its fields (and photos, when new ones were
/// sent) replace the offer's, conditional on its version and on the request still being open.
async fn edited(ctx: &Ctx<'_>, r: &Request, new: Offer, dealer: &Dealer) -> Res<Vec<View>> {
    let table = ctx.deps.table.as_ref();
    let Some(before) = offers::get_on(table, &r.id, &new.id)
        .await?
        .filter(|o| o.dealer_user_id == dealer.user_id)
    else {
        return Ok(vec![view(t(ctx, "rq-offer-unknown", &[]))]);
    };
    let body: serde_json::Map<String, Value> = [
        ("price", json!(new.price)),
        ("currency", json!(new.currency)),
        ("year", json!(new.year)),
        ("mileage", json!(new.mileage)),
        ("description", json!(new.description)),
        ("listing_id", json!(new.listing_id)),
        ("valid_until", json!(new.valid_until)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let photos = (!new.photos.is_empty()).then_some(new.photos);
    let after = match offers::edit(table, r, &before, &body, photos, &dealer.name, "telegram").await
    {
        Ok(o) => o,
        Err(OfferError::Conflict) => return Err(Fail::Busy),
        Err(OfferError::Table(e)) => return Err(e.into()),
        Err(e) => return Ok(vec![view(ended_text(ctx, &e))]),
    };
    if after.version != before.version
        && let Some(a) = teledesk_bot::admin_chat::get(ctx.deps, &after.workspace).await?
    {
        let lang = ctx.workspace_lang();
        let html = t_in(
            lang,
            "rq-admin-changed",
            &[
                ("offer", after.id.clone().into()),
                ("request", r.id.clone().into()),
                ("offer_what", offer_what(&after).into()),
            ],
        );
        tell(
            ctx.deps,
            &a.bot_id,
            a.chat_id,
            &format!("changed:{}:{}", after.id, after.version),
            html,
            None,
            None,
        )
        .await?;
    }
    Ok(vec![View {
        html: t(
            ctx,
            "rq-offer-changed",
            &[
                ("offer", after.id.clone().into()),
                ("what", offer_what(&after).into()),
            ],
        ),
        keyboard: Keyboard::Markup(offer_buttons(ctx, &after.id)),
        photo: None,
    }])
}

/// *Change* under an offer's confirmation: the offer conversation again, about this offer.
pub async fn change(
    ctx: &Ctx<'_>,
    chat: i64,
    from: &Value,
    id: &str,
    card: i32,
) -> Res<Option<String>> {
    let table = ctx.deps.table.as_ref();
    let user = from["id"].as_i64().unwrap_or_default();
    let Some(o) = offers::get(table, ctx.workspace(), id)
        .await?
        .filter(|o| o.dealer_user_id == user)
    else {
        return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    };
    let r = store::get(table, ctx.workspace(), &o.request_id).await?;
    let refused = match &r {
        None => Some(t(ctx, "rq-offer-unknown", &[])),
        Some(r) => offers::open_for_offers(r)
            .err()
            .or_else(|| (!o.is_live()).then(|| OfferError::NotLive(o.id.clone(), o.status.clone())))
            .map(|e| ended_text(ctx, &e)),
    };
    if let Some(why) = refused {
        return Ok(Some(teledesk_scenarios::engine::strip_tags(&why)));
    }
    hosted::start(
        ctx,
        chat,
        user,
        from,
        FLOW_OFFER,
        &format!("{}|{}", o.request_id, o.id),
        Some(card),
    )
    .await?;
    Ok(None)
}

/// After an offer is in: `offer.created`, the admin chat's card with Select and Reject, and the
/// channel posts' count. Each once (event ids and job ids are the offer's).
pub async fn submitted(deps: &Deps, o: &Offer, dealer: &Dealer) -> Res<()> {
    events::emit(
        deps,
        OFFER_CREATED,
        &o.id,
        &o.workspace,
        &o.bot_id,
        offers::offer_json(o),
    )
    .await?;
    let table = deps.table.as_ref();
    let Some(r) = store::get(table, &o.workspace, &o.request_id).await? else {
        return Ok(());
    };
    if let Some(admin) = teledesk_bot::admin_chat::get(deps, &o.workspace).await? {
        let lang = deps.config.language;
        let html = t_in(
            lang,
            "rq-admin-offer",
            &[
                ("offer", o.id.clone().into()),
                ("request", r.id.clone().into()),
                ("what", describe(&r, lang).into()),
                ("count", i64::from(r.offer_count).into()),
                ("offer_what", offer_what(o).into()),
                (
                    "dealer",
                    format!(
                        "{} ({}, {})",
                        dealer.name,
                        dash(&dealer.company),
                        dash(&dealer.phone)
                    )
                    .into(),
                ),
                ("description", dash(&o.description).into()),
            ],
        );
        let markup = buttons(vec![vec![
            (t_in(lang, "rq-select", &[]), format!("sl:{}", o.id)),
            (t_in(lang, "rq-reject", &[]), format!("rj:{}", o.id)),
        ]]);
        tell(
            deps,
            &admin.bot_id,
            admin.chat_id,
            &format!("offer:{}", o.id),
            html,
            Some(markup),
            None,
        )
        .await?;
    }
    publish::queue_edits(deps, &r).await.map_err(publish_fail)?;
    Ok(())
}

fn publish_fail(e: publish::PublishError) -> Fail {
    match e {
        publish::PublishError::Table(e) => e.into(),
        publish::PublishError::Queue(e) => e.into(),
        other => Fail::Poison(other.to_string()),
    }
}

struct DealerFlow;

#[async_trait]
impl Host for DealerFlow {
    fn flow(&self) -> Arc<Published> {
        DEALER_FLOW.clone()
    }

    async fn submit(&self, ctx: &Ctx<'_>, s: &Submit<'_>) -> Res<Vec<View>> {
        let table = ctx.deps.table.as_ref();
        let ws = ctx.workspace();
        // As a value: a skipped step has no answer (and reads as null).
        let a = &Value::Object(s.answers.clone());
        let name = a["name"].as_str().unwrap_or_default().trim().to_owned();
        let mut d = dealers::new_dealer(ws, s.user, &name, "pending");
        d.company = a["company"].as_str().map(str::to_owned);
        d.phone = a["phone"].as_str().map(str::to_owned);
        d.username = s.from["username"].as_str().map(str::to_owned);
        d.came_for = s.source.map(str::to_owned);
        d.language = Some(s.lang.to_owned());
        d.history = vec![json!({"at": d.created_at, "by": name, "via": "telegram",
                                "changed": {"status": "pending"}})];
        let (d, _) = match dealers::create(table, &d).await {
            Ok(x) => x,
            Err(dealers::DealerError::Table(e)) => return Err(e.into()),
            Err(_) => return Err(Fail::Busy),
        };
        if d.status != "pending" {
            // Added meanwhile (by an admin): nothing to approve.
            let key = if d.status == "approved" {
                "rq-dealer-approved"
            } else {
                "rq-dealer-blocked"
            };
            return Ok(vec![view(t(ctx, key, &[]))]);
        }
        if let Some(admin) = teledesk_bot::admin_chat::get(ctx.deps, ws).await? {
            let lang = ctx.workspace_lang();
            let html = t_in(
                lang,
                "rq-admin-dealer",
                &[
                    ("name", d.name.clone().into()),
                    ("company", dash(&d.company).into()),
                    ("phone", dash(&d.phone).into()),
                    (
                        "username",
                        d.username
                            .as_ref()
                            .map_or_else(|| d.user_id.to_string(), |u| format!("@{u}"))
                            .into(),
                    ),
                ],
            );
            let markup = buttons(vec![vec![
                (t_in(lang, "rq-approve", &[]), format!("da:{}", d.user_id)),
                (t_in(lang, "rq-block", &[]), format!("db:{}", d.user_id)),
            ]]);
            tell(
                ctx.deps,
                &admin.bot_id,
                admin.chat_id,
                &format!("dealer:{}", d.id),
                html,
                Some(markup),
                None,
            )
            .await?;
        }
        Ok(vec![view(t(
            ctx,
            "rq-dealer-registered",
            &[("name", d.name.clone().into())],
        ))])
    }
}

/// The registration button: the `_dealer` flow, about the request the person came for.
pub async fn register(
    ctx: &Ctx<'_>,
    chat: i64,
    from: &Value,
    request: &str,
    card: i32,
) -> Res<Option<String>> {
    let user = from["id"].as_i64().unwrap_or_default();
    if let Some(d) = dealers::get(ctx.deps.table.as_ref(), ctx.workspace(), user).await? {
        let key = match d.status.as_str() {
            "approved" => "rq-dealer-approved",
            "pending" => "rq-dealer-pending",
            _ => "rq-dealer-blocked",
        };
        return Ok(Some(teledesk_scenarios::engine::strip_tags(&t(
            ctx,
            key,
            &[],
        ))));
    }
    hosted::start(ctx, chat, user, from, FLOW_DEALER, request, Some(card)).await?;
    Ok(None)
}

/// Adds a dealer (the API, the CLI), or changes the one there — registered through the bot — to
/// what `d` says; an approval tells them.
pub async fn add_dealer(
    deps: &Deps,
    mut d: Dealer,
    by: &str,
    via: &str,
) -> Result<(Dealer, bool), dealers::DealerError> {
    if let Some((f, m)) = dealers::check(&d).first() {
        return Err(dealers::DealerError::Invalid(format!("{f}: {m}")));
    }
    d.history = vec![json!({"at": d.created_at, "by": by, "via": via,
                            "changed": {"status": d.status}})];
    let table = deps.table.as_ref();
    let (there, created) = dealers::create(table, &d).await?;
    if created {
        return Ok((there, true));
    }
    let mut after = there.clone();
    after.name = d.name;
    after.company = d.company.or(after.company);
    after.phone = d.phone.or(after.phone);
    after.status = d.status.clone();
    let saved = dealers::save(table, &there, after, by, via).await?;
    if there.status != "approved" && saved.status == "approved" {
        dealer_approved(deps, &saved)
            .await
            .map_err(|e| dealers::DealerError::Invalid(format!("{e:?}")))?;
    }
    Ok((saved, false))
}

/// An admin approves or blocks a dealer; an approved one is told (and offered the request they
/// came for).
pub async fn set_dealer_status(
    deps: &Deps,
    workspace: &str,
    user_id: i64,
    status: &str,
    by: &str,
    via: &str,
) -> Result<Dealer, dealers::DealerError> {
    let d = dealers::set_status(deps.table.as_ref(), workspace, user_id, status, by, via).await?;
    if status == "approved" {
        dealer_approved(deps, &d)
            .await
            .map_err(|e| dealers::DealerError::Invalid(format!("{e:?}")))?;
    }
    Ok(d)
}

async fn dealer_approved(deps: &Deps, d: &Dealer) -> Res<()> {
    // The bot the dealer spoke to: the one of the request's channel, else the admin chat's.
    let bot = match teledesk_bot::admin_chat::get(deps, &d.workspace).await? {
        Some(a) => a.bot_id,
        None => match teledesk_bot::bots::list(deps)
            .await?
            .into_iter()
            .find(|b| b.workspace == d.workspace)
        {
            Some(b) => b.bot_id,
            None => return Ok(()),
        },
    };
    let lang = dealer_lang(deps, d);
    let markup = match &d.came_for {
        Some(req) => match teledesk_bot::bots::get(deps, &bot).await? {
            Some(b) => Some(
                json!({"inline_keyboard": [[{"text": t_in(lang, "rq-continue-offer", &[]),
                "url": format!("https://t.me/{}?start=offer_{req}", b.username)}]]}),
            ),
            None => None,
        },
        None => None,
    };
    tell(
        deps,
        &bot,
        d.user_id,
        &format!("approved:{}:{}", d.id, d.version),
        t_in(lang, "rq-dealer-approved", &[]),
        markup,
        None,
    )
    .await
}

// ---- telling -----------------------------------------------------------------------------

/// Queues one message to one chat; `what` names it (with the chat, the job's id).
pub async fn tell(
    deps: &Deps,
    bot_id: &str,
    chat_id: i64,
    what: &str,
    html: String,
    markup: Option<Value>,
    reveal: Option<&Reveal>,
) -> Res<()> {
    let job = json!({"kind": JOB_TELL, "bot_id": bot_id, "chat_id": chat_id, "text": html,
                     "markup": markup, "reveal": reveal,
                     "job_id": format!("tell:{what}:{chat_id}")});
    teledesk_bot::jobs::queue(deps, job).await?;
    Ok(())
}

/// The `requests.tell` job: the message, once; then the reveal it makes, recorded.
pub async fn run_tell(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let (Some(chat), Some(text)) = (job["chat_id"].as_i64(), job["text"].as_str()) else {
        return Err(Fail::Poison("requests.tell needs chat_id and text".into()));
    };
    let markup = job.get("markup").filter(|m| !m.is_null()).cloned();
    ctx.once(&format!("tell#{chat}"), || async {
        ctx.send(OutgoingText {
            reply_markup: markup.clone(),
            ..OutgoingText::html(chat, None, text)
        })
        .await
        .map(|_| ())
    })
    .await?;
    if let Some(r) = job.get("reveal").filter(|r| !r.is_null()) {
        let mut rv: Reveal = serde_json::from_value(r.clone())
            .map_err(|e| Fail::Poison(format!("a reveal that is not one: {e}")))?;
        rv.at = teledesk_ports::now_secs();
        offers::record_reveal(ctx.deps.table.as_ref(), &rv).await?;
    }
    Ok(())
}

// ---- the end of a request --------------------------------------------------------------------

/// Selects an offer (closing the request), then tells everyone ([`ended`]).
pub async fn close(
    deps: &Deps,
    r: &Request,
    offer_id: &str,
    by: &str,
    via: &str,
) -> Result<offers::Ended, OfferError> {
    let e = offers::select(deps.table.as_ref(), r, offer_id, by, via).await?;
    ended(deps, &e.request)
        .await
        .map_err(|f| OfferError::Invalid(format!("{f:?}")))?;
    Ok(e)
}

/// Cancels a request, then tells the dealers with live offers ([`ended`]).
pub async fn cancel(
    deps: &Deps,
    r: &Request,
    by: &str,
    via: &str,
) -> Result<offers::Ended, OfferError> {
    let e = offers::cancel(deps.table.as_ref(), r, by, via).await?;
    ended(deps, &e.request)
        .await
        .map_err(|f| OfferError::Invalid(format!("{f:?}")))?;
    Ok(e)
}

/// Everything that follows a request's end, from what is stored (so running it again — a double
/// tap, a retried call — queues the same jobs and events, each delivered once): the events, the
/// reveal messages by policy, the dealers not chosen, and the posts edited to "Closed".
pub async fn ended(deps: &Deps, r: &Request) -> Res<()> {
    let table = deps.table.as_ref();
    let ws = &r.workspace;
    let all = offers::of_request(table, &r.id).await?;
    let kind = if r.status == "closed" {
        REQUEST_CLOSED
    } else {
        REQUEST_CANCELLED
    };
    events::emit(deps, kind, &r.id, ws, "", crate::request_json(r)).await?;
    // The offers this end retired (live until it): marked in their history.
    let ended_here = |o: &&Offer| o.history.last().is_some_and(|h| h.get("request").is_some());
    let lang = deps.config.language;
    let admin = teledesk_bot::admin_chat::get(deps, ws).await?;
    let chosen = all.iter().find(|o| o.status == "accepted");
    for o in all.iter().filter(ended_here) {
        let kind = if o.status == "accepted" {
            OFFER_ACCEPTED
        } else {
            OFFER_REJECTED
        };
        events::emit(deps, kind, &o.id, ws, &o.bot_id, offers::offer_json(o)).await?;
        if o.status == "accepted" {
            continue;
        }
        let Some(d) = dealers::get(table, ws, o.dealer_user_id).await? else {
            continue;
        };
        let dl = dealer_lang(deps, &d);
        let key = if r.status == "closed" {
            "rq-tell-not-chosen"
        } else {
            "rq-tell-cancelled"
        };
        let html = t_in(
            dl,
            key,
            &[
                ("request", r.id.clone().into()),
                ("offer", o.id.clone().into()),
                ("what", describe(r, dl).into()),
            ],
        );
        tell(
            deps,
            &o.bot_id,
            d.user_id,
            &format!("end:{}:{}", r.id, o.id),
            html,
            None,
            None,
        )
        .await?;
    }
    if let Some(o) = chosen {
        reveal(deps, r, o, admin.as_ref()).await?;
    } else if let Some(a) = &admin {
        let html = t_in(
            lang,
            "rq-tell-admin-cancelled",
            &[("request", r.id.clone().into())],
        );
        tell(
            deps,
            &a.bot_id,
            a.chat_id,
            &format!("end:{}", r.id),
            html,
            None,
            None,
        )
        .await?;
    }
    publish::queue_edits(deps, r).await.map_err(publish_fail)?;
    Ok(())
}

/// The selection's messages by the workspace's policy, each with the reveal it makes.
async fn reveal(
    deps: &Deps,
    r: &Request,
    o: &Offer,
    admin: Option<&teledesk_bot::admin_chat::AdminChat>,
) -> Res<()> {
    let table = deps.table.as_ref();
    let ws = &r.workspace;
    let policy = policy(table, ws).await?;
    let dealer = dealers::get(table, ws, o.dealer_user_id).await?;
    let lead = match &r.lead_id {
        Some(l) => teledesk_scenarios::store::get(table, l).await?,
        None => None,
    };
    let customer = lead
        .as_ref()
        .and_then(|l| Some((l.contact.user_id?, l.bot_id.clone()?, l)));
    let lang = deps.config.language;
    let why = format!("offer {} selected for {}", o.id, r.id);
    let rv = |to: String, whose: String, fields: &[&str]| Reveal {
        request_id: r.id.clone(),
        workspace: ws.clone(),
        offer_id: Some(o.id.clone()),
        to,
        whose,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        policy: policy.clone(),
        why: why.clone(),
        at: 0,
    };
    let dealer_contact = |lang: Lang| -> Vec<(&'static str, Arg<'static>)> {
        let d = dealer.as_ref();
        vec![
            (
                "dealer_name",
                d.map_or("—".to_owned(), |d| d.name.clone()).into(),
            ),
            (
                "company",
                d.map_or("—".to_owned(), |d| dash(&d.company)).into(),
            ),
            (
                "dealer_phone",
                d.map_or("—".to_owned(), |d| dash(&d.phone)).into(),
            ),
            ("offer_what", offer_what(o).into()),
            ("what", describe(r, lang).into()),
            ("request", r.id.clone().into()),
            ("offer", o.id.clone().into()),
        ]
    };
    let customer_contact =
        |l: &teledesk_scenarios::store::Lead| -> Vec<(&'static str, Arg<'static>)> {
            vec![
                ("customer_name", dash(&l.contact.name).into()),
                (
                    "username",
                    l.contact
                        .username
                        .as_ref()
                        .map_or("—".to_owned(), |u| format!("@{u}"))
                        .into(),
                ),
                ("customer_phone", dash(&l.contact.phone).into()),
            ]
        };
    let dealer_ref = format!("dealer:{}", o.dealer_id);
    match policy.as_str() {
        "mediated" => {
            if let Some((uid, bot, l)) = &customer {
                let cl = Lang::from_code(&l.language).unwrap_or(lang);
                let html = t_in(cl, "rq-tell-customer-mediated", &dealer_contact(cl)[3..]);
                tell(
                    deps,
                    bot,
                    *uid,
                    &format!("chosen:{}", r.id),
                    html,
                    None,
                    None,
                )
                .await?;
            }
            if let Some(d) = &dealer {
                let dl = dealer_lang(deps, d);
                let html = t_in(dl, "rq-tell-dealer-mediated", &dealer_contact(dl)[3..]);
                tell(
                    deps,
                    &o.bot_id,
                    d.user_id,
                    &format!("chosen:{}", r.id),
                    html,
                    None,
                    None,
                )
                .await?;
            }
            if let Some(a) = admin {
                let mut args = dealer_contact(lang);
                match &customer {
                    Some((_, _, l)) => args.extend(customer_contact(l)),
                    None => args.extend([
                        ("customer_name", Arg::from("—".to_owned())),
                        ("username", "—".to_owned().into()),
                        ("customer_phone", "—".to_owned().into()),
                    ]),
                }
                let html = t_in(lang, "rq-tell-admin-mediated", &args);
                // One message shows both; the reveal recorded is the customer's (the dealer's
                // contact is the dealer's own registration, shown to the admins all along).
                let to = format!("admin_chat:{}", a.chat_id);
                let rec = customer.as_ref().map(|(uid, _, _)| {
                    rv(
                        to.clone(),
                        format!("customer:{uid}"),
                        &["name", "username", "phone"],
                    )
                });
                tell(
                    deps,
                    &a.bot_id,
                    a.chat_id,
                    &format!("chosen:{}", r.id),
                    html,
                    None,
                    rec.as_ref(),
                )
                .await?;
                if customer.is_some() {
                    offers::record_reveal(
                        table,
                        &Reveal {
                            at: teledesk_ports::now_secs(),
                            ..rv(to, dealer_ref.clone(), &["name", "company", "phone"])
                        },
                    )
                    .await?;
                }
            }
        }
        _ => {
            // on_select: the customer sees the dealer, the dealer sees the customer.
            if let Some((uid, bot, l)) = &customer {
                let cl = Lang::from_code(&l.language).unwrap_or(lang);
                let html = t_in(cl, "rq-tell-customer", &dealer_contact(cl));
                let rec = rv(
                    format!("customer:{uid}"),
                    dealer_ref.clone(),
                    &["name", "company", "phone"],
                );
                tell(
                    deps,
                    bot,
                    *uid,
                    &format!("chosen:{}", r.id),
                    html,
                    None,
                    Some(&rec),
                )
                .await?;
            }
            if let Some(d) = &dealer {
                let dl = dealer_lang(deps, d);
                let (html, rec) = match &customer {
                    Some((uid, _, l)) => {
                        let mut args = dealer_contact(dl);
                        args.extend(customer_contact(l));
                        (
                            t_in(dl, "rq-tell-dealer", &args),
                            Some(rv(
                                dealer_ref.clone(),
                                format!("customer:{uid}"),
                                &["name", "username", "phone"],
                            )),
                        )
                    }
                    None => (
                        t_in(dl, "rq-tell-dealer-mediated", &dealer_contact(dl)[3..]),
                        None,
                    ),
                };
                tell(
                    deps,
                    &o.bot_id,
                    d.user_id,
                    &format!("chosen:{}", r.id),
                    html,
                    None,
                    rec.as_ref(),
                )
                .await?;
            }
            if let Some(a) = admin {
                let html = t_in(lang, "rq-tell-admin-closed", &dealer_contact(lang));
                tell(
                    deps,
                    &a.bot_id,
                    a.chat_id,
                    &format!("chosen:{}", r.id),
                    html,
                    None,
                    None,
                )
                .await?;
            }
        }
    }
    Ok(())
}

// ---- a dealer withdraws, an admin rejects -------------------------------------------------------

/// Withdraws (`withdrawn`, the dealer) or rejects (`rejected`, an admin) one live offer, and says
/// so: the event, the posts' count, and the other side told.
pub async fn retire(
    deps: &Deps,
    o: &Offer,
    status: &str,
    by: &str,
    via: &str,
) -> Result<Offer, OfferError> {
    let table = deps.table.as_ref();
    let r = store::get(table, &o.workspace, &o.request_id)
        .await?
        .ok_or_else(|| OfferError::NotFound(o.request_id.clone()))?;
    let (r, after) = offers::retire(table, &r, o, status, by, via).await?;
    let effects = async {
        let kind = if status == "withdrawn" {
            OFFER_WITHDRAWN
        } else {
            OFFER_REJECTED
        };
        events::emit(
            deps,
            kind,
            &after.id,
            &after.workspace,
            &after.bot_id,
            offers::offer_json(&after),
        )
        .await?;
        let lang = deps.config.language;
        if status == "withdrawn" {
            if let Some(a) = teledesk_bot::admin_chat::get(deps, &o.workspace).await? {
                let html = t_in(
                    lang,
                    "rq-admin-withdrawn",
                    &[
                        ("offer", o.id.clone().into()),
                        ("request", r.id.clone().into()),
                    ],
                );
                tell(
                    deps,
                    &a.bot_id,
                    a.chat_id,
                    &format!("withdrawn:{}", o.id),
                    html,
                    None,
                    None,
                )
                .await?;
            }
        } else if let Some(d) = dealers::get(table, &o.workspace, o.dealer_user_id).await? {
            let dl = dealer_lang(deps, &d);
            let html = t_in(
                dl,
                "rq-tell-rejected",
                &[
                    ("offer", o.id.clone().into()),
                    ("request", r.id.clone().into()),
                ],
            );
            tell(
                deps,
                &o.bot_id,
                d.user_id,
                &format!("rejected:{}", o.id),
                html,
                None,
                None,
            )
            .await?;
        }
        publish::queue_edits(deps, &r).await.map_err(publish_fail)?;
        Ok::<(), Fail>(())
    };
    effects
        .await
        .map_err(|f| OfferError::Invalid(format!("{f:?}")))?;
    Ok(after)
}

// ---- a scenario's `creates: request` with `auto_publish` -------------------------------------

/// The `requests.from_lead` job: the lead converted (once) and published.
pub async fn run_from_lead(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let Some(lead_id) = job["lead_id"].as_str() else {
        return Err(Fail::Poison("requests.from_lead needs lead_id".into()));
    };
    let table = ctx.deps.table.as_ref();
    let Some(lead) = teledesk_scenarios::store::get(table, lead_id)
        .await?
        .filter(|l| l.is_lead())
    else {
        return Ok(());
    };
    let sc = teledesk_scenarios::store::version(
        table,
        &lead.workspace,
        &lead.scenario,
        lead.scenario_version,
    )
    .await?;
    let c = match store::convert(
        table,
        &lead,
        sc.as_ref().map(|p| &p.scenario),
        "scenario",
        "telegram",
    )
    .await
    {
        Ok(c) => c,
        Err(store::StoreError::Conflict) => return Err(Fail::Busy),
        Err(store::StoreError::Table(e)) => return Err(e.into()),
        Err(store::StoreError::Invalid(m)) => return Err(Fail::Poison(m)),
    };
    crate::announce(ctx.deps, &c, ctx.bot_id()).await?;
    if sc.as_ref().is_some_and(|p| p.scenario.auto_publish) {
        match publish::publish(ctx.deps, &c.request, "scenario", "telegram").await {
            Ok(_) => {}
            Err(publish::PublishError::NoChannels) => {
                tracing::warn!(request = %c.request.id, "auto_publish: there are no dealer channels; left a draft");
            }
            Err(publish::PublishError::Ended(..)) => {}
            Err(publish::PublishError::Store(store::StoreError::Conflict)) => {
                return Err(Fail::Busy);
            }
            Err(e) => return Err(publish_fail(e)),
        }
    }
    Ok(())
}

/// The offer flow's answers as an offer's fields, for tests and the docs.
pub fn offer_flow() -> Arc<Published> {
    OFFER_FLOW.clone()
}

pub fn dealer_flow() -> Arc<Published> {
    DEALER_FLOW.clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_flows_are_valid() {
        assert_eq!(super::offer_flow().scenario.key, "_offer");
        assert_eq!(super::dealer_flow().scenario.key, "_dealer");
        assert_eq!(super::offer_flow().scenario.steps.len(), 9);
    }

    #[test]
    fn an_offer_link_names_a_request() {
        assert_eq!(super::parse_payload("offer_REQ-ABC123"), Some("REQ-ABC123"));
        assert_eq!(super::parse_payload("offer_LEAD-1"), None);
        assert_eq!(super::parse_payload("offer_REQ-a b"), None);
        assert_eq!(super::parse_payload("s_car"), None);
    }
}
