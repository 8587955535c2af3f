//! Requests (docs/architecture.md): a lead becomes a request — "Toyota RAV4 2018–2021, up to
//! 25 000.00 USD, Kyiv" — prefilled by its scenario's `mapping` and left as a draft to check.
//! Converted from the admin chat's *Convert to request* button on a lead's summary
//! (`rq1:cv:<lead>`), `/request LEAD-…` there, or `POST /api/v1/leads/{id}/convert`; converting
//! twice makes one request. Money is integer minor units of an ISO 4217 currency ([`money`]).
//!
//! Published to the dealer channels ([`publish`]); dealers ([`dealers`]) answer with offers
//! ([`offers`], made in Telegram by [`offering`]); selecting one closes the request and reveals
//! the contacts by the workspace's policy.

pub mod channels;
pub mod dealers;
pub mod money;
pub mod offering;
pub mod offers;
pub mod publish;
pub mod store;
pub mod texts;

use async_trait::async_trait;
use serde_json::{Value, json};
use teledesk_bot::ctx::{Ctx, Fail, Res};
use teledesk_bot::i18n::Catalog;
use teledesk_bot::msg::{Msg, display_name};
use teledesk_bot::router::{Callback, CallbackSpec, Capability, CommandSpec, Handled, Scope};
use teledesk_bot::{Deps, events};

use crate::store::{Converted, Request, StoreError};
use crate::texts::t;

pub const NAME: &str = "requests";
/// `rq1:cv:<lead id>`: *Convert to request* on a lead's summary in the admin chat.
pub const CALLBACK: CallbackSpec = CallbackSpec {
    prefix: "rq",
    version: 1,
};

pub use teledesk_bot::events::{LEAD_CONVERTED, REQUEST_CREATED};

const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "request",
    scope: Scope::AdminChat,
    listed: true,
    help: "cmd-request",
}];

pub struct Requests;

/// The request as the API and events show it.
pub fn request_json(r: &Request) -> Value {
    json!({
        "id": r.id, "status": r.status, "lead_id": r.lead_id, "make": r.make, "model": r.model,
        "year_min": r.year_min, "year_max": r.year_max, "budget_max": r.budget_max,
        "currency": r.currency, "mileage_max": r.mileage_max, "fuel": r.fuel,
        "gearbox": r.gearbox, "city": r.city, "notes": r.notes, "offer_count": r.offer_count,
        "chosen_offer_id": r.chosen_offer_id,
        "posts": r.posts.iter().map(|p| json!({"chat_id": p.chat_id, "message_id": p.message_id})).collect::<Vec<_>>(),
        "history": r.history, "created_at": r.created_at, "updated_at": r.updated_at,
    })
}

/// The years a request accepts: `2018–2021`, `2018+`, `…2021`.
pub fn years(r: &Request) -> Option<String> {
    match (r.year_min, r.year_max) {
        (Some(a), Some(b)) => Some(format!("{a}–{b}")),
        (Some(a), None) => Some(format!("{a}+")),
        (None, Some(b)) => Some(format!("…{b}")),
        (None, None) => None,
    }
}

/// A one-line description of what a request asks for (plain text; the caller escapes it).
pub fn describe(r: &Request, lang: teledesk_bot::i18n::Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    let car = [r.make.as_deref(), r.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !car.is_empty() {
        parts.push(car);
    }
    if let Some(y) = years(r) {
        parts.push(y);
    }
    if let (Some(b), Some(c)) = (r.budget_max, r.currency.as_deref()) {
        parts.push(texts::t_in(
            lang,
            "rq-budget",
            &[("amount", money::display(b, c).into())],
        ));
    }
    if let Some(c) = &r.city {
        parts.push(c.clone());
    }
    teledesk_scenarios::engine::strip_tags(&parts.join(" · "))
}

/// Converts a lead for someone in the admin chat, and says so there (with what was left out).
/// Each effect once: the conversion itself is idempotent, its events and notice are in the
/// operation's journal. With `quiet` (a button), what would repeat a message already in the chat
/// — a lead converted before, a double tap — is answered as the button's toast instead (`Some`).
pub async fn convert_and_tell(
    ctx: &Ctx<'_>,
    chat: i64,
    lead_id: &str,
    by: &str,
    quiet: bool,
) -> Res<Option<String>> {
    let table = ctx.deps.table.as_ref();
    let say = |html: String| async move {
        ctx.once(&format!("rq-said#{chat}"), || async {
            ctx.send(teledesk_telegram::OutgoingText::html(chat, None, html))
                .await
                .map(|_| ())
        })
        .await
    };
    let Some(lead) = teledesk_scenarios::store::get(table, lead_id)
        .await?
        .filter(|l| l.workspace == ctx.workspace() && l.is_lead())
    else {
        let html = t(ctx, "rq-no-lead", &[("lead", lead_id.to_owned().into())]);
        if quiet {
            return Ok(Some(teledesk_scenarios::engine::strip_tags(&html)));
        }
        say(html).await?;
        return Ok(None);
    };
    let sc = teledesk_scenarios::store::version(
        table,
        ctx.workspace(),
        &lead.scenario,
        lead.scenario_version,
    )
    .await?;
    let c = match store::convert(
        table,
        &lead,
        sc.as_ref().map(|p| &p.scenario),
        by,
        "telegram",
    )
    .await
    {
        Ok(c) => c,
        Err(StoreError::Conflict) => return Err(Fail::Busy),
        Err(StoreError::Table(e)) => return Err(e.into()),
        Err(StoreError::Invalid(m)) => return Ok(Some(m)),
    };
    announce(ctx.deps, &c, ctx.bot_id()).await?;
    let key = if c.created {
        "rq-converted"
    } else {
        "rq-converted-again"
    };
    let head = t(
        ctx,
        key,
        &[
            ("request", c.request.id.clone().into()),
            ("lead", lead_id.to_owned().into()),
        ],
    );
    if quiet && !c.created {
        return Ok(Some(teledesk_scenarios::engine::strip_tags(&head)));
    }
    let mut html = head;
    html.push('\n');
    html.push_str(&t(
        ctx,
        "rq-card",
        &[
            ("what", describe(&c.request, ctx.lang()).into()),
            (
                "status",
                t(ctx, &format!("rq-status-{}", c.request.status), &[]).into(),
            ),
        ],
    ));
    if !c.notes.is_empty() {
        html.push('\n');
        html.push_str(&t(
            ctx,
            "rq-left-out",
            &[("notes", c.notes.join("; ").into())],
        ));
    }
    let publish = CALLBACK
        .data(&format!("pb:{}", c.request.id))
        .zip(CALLBACK.data(&format!("cn:{}", c.request.id)))
        .map(|(data, cancel)| json!({"inline_keyboard": [[{"text": t(ctx, "rq-publish", &[]), "callback_data": data},
                                                          {"text": t(ctx, "rq-cancel", &[]), "callback_data": cancel}]]}));
    ctx.once(&format!("rq-said#{chat}"), || async {
        ctx.send(teledesk_telegram::OutgoingText {
            reply_markup: publish.clone(),
            ..teledesk_telegram::OutgoingText::html(chat, None, html.clone())
        })
        .await
        .map(|_| ())
    })
    .await?;
    Ok(None)
}

/// `lead.converted` and `request.created`, with ids named after the lead and the request: a re-run
/// (or a second conversion) emits the same ids, which consumers deliver once.
pub async fn announce(deps: &Deps, c: &Converted, bot_id: &str) -> Result<(), Fail> {
    let ws = &c.request.workspace;
    events::emit(
        deps,
        REQUEST_CREATED,
        &c.request.id,
        ws,
        bot_id,
        request_json(&c.request),
    )
    .await?;
    events::emit(
        deps,
        LEAD_CONVERTED,
        &c.lead.id,
        ws,
        bot_id,
        json!({"lead": teledesk_scenarios::lead_json(&c.lead), "request_id": c.request.id}),
    )
    .await?;
    Ok(())
}

#[async_trait]
impl Capability for Requests {
    fn name(&self) -> &'static str {
        NAME
    }
    fn catalog(&self) -> &'static Catalog {
        texts::catalog()
    }
    fn commands(&self) -> &'static [CommandSpec] {
        COMMANDS
    }
    async fn on_command(
        &self,
        ctx: &Ctx<'_>,
        m: &Msg<'_>,
        cmd: &teledesk_bot::commands::Command<'_>,
    ) -> Res<()> {
        // `/request LEAD-…` in the admin chat.
        if !teledesk_bot::admin_chat::is_admin_chat(ctx.deps, ctx.workspace(), m.chat_id()).await? {
            return Ok(());
        }
        if !ctx.is_staff_or_chat_admin(m.chat_id(), m.from_id()).await? {
            return ctx.reply(m, t(ctx, "rq-not-allowed", &[])).await;
        }
        let lead = cmd.args.trim();
        if !lead.starts_with("LEAD-") || lead.len() > 40 || lead.contains(char::is_whitespace) {
            return ctx.reply(m, t(ctx, "rq-usage", &[])).await;
        }
        let by = m.from_name();
        convert_and_tell(ctx, m.chat_id(), lead, &by, false)
            .await
            .map(|_| ())
    }

    fn callback(&self) -> Option<CallbackSpec> {
        Some(CALLBACK)
    }

    fn jobs(&self) -> &'static [teledesk_bot::router::JobSpec] {
        &[
            teledesk_bot::router::JobSpec {
                kind: publish::JOB_POST,
                per_bot: true,
            },
            teledesk_bot::router::JobSpec {
                kind: publish::JOB_EDIT,
                per_bot: true,
            },
            teledesk_bot::router::JobSpec {
                kind: offering::JOB_TELL,
                per_bot: true,
            },
            teledesk_bot::router::JobSpec {
                kind: offering::JOB_FROM_LEAD,
                per_bot: true,
            },
        ]
    }
    fn start_prefixes(&self) -> &'static [&'static str] {
        &["offer_"]
    }
    async fn on_start(&self, ctx: &Ctx<'_>, m: &Msg<'_>, payload: &str) -> Res<Handled> {
        offering::on_offer_link(ctx, m, payload).await
    }
    async fn on_job(&self, ctx: &Ctx<'_>, kind: &str, job: &Value) -> Res<()> {
        match kind {
            publish::JOB_POST => publish::run_post(ctx, job).await,
            publish::JOB_EDIT => publish::run_edit(ctx, job).await,
            offering::JOB_TELL => offering::run_tell(ctx, job).await,
            offering::JOB_FROM_LEAD => offering::run_from_lead(ctx, job).await,
            other => Err(Fail::Poison(format!("no handler for job kind `{other}`"))),
        }
    }
    async fn on_callback(&self, ctx: &Ctx<'_>, cb: &Callback<'_>) -> Res<Option<String>> {
        let expired = || Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[]));
        let Some(msg) = cb.message() else {
            return Ok(expired());
        };
        let Some((code, arg)) = cb.rest.split_once(':') else {
            return Ok(expired());
        };
        // The dealer's buttons, in the private chat.
        match code {
            "rg" if msg.is_private() => {
                return offering::register(
                    ctx,
                    msg.chat_id(),
                    &cb.query["from"],
                    arg,
                    msg.message_id(),
                )
                .await;
            }
            "wd" if msg.is_private() => return withdraw(ctx, cb, arg).await,
            "ed" if msg.is_private() => {
                return offering::change(
                    ctx,
                    msg.chat_id(),
                    &cb.query["from"],
                    arg,
                    msg.message_id(),
                )
                .await;
            }
            "cv" | "pb" | "sl" | "rj" | "cn" | "da" | "db" => {}
            _ => return Ok(expired()),
        }
        let (convert, publish_id) = ((code == "cv").then_some(arg), (code == "pb").then_some(arg));
        if !teledesk_bot::admin_chat::is_admin_chat(ctx.deps, ctx.workspace(), msg.chat_id())
            .await?
        {
            return Ok(expired());
        }
        if !ctx
            .is_staff_or_chat_admin(msg.chat_id(), cb.from_id())
            .await?
        {
            return Ok(Some(t(ctx, "rq-not-allowed", &[])));
        }
        let by = display_name(&cb.query["from"]);
        match code {
            "sl" | "rj" | "cn" => return admin_decides(ctx, code, arg, &by).await,
            "da" | "db" => {
                let status = if code == "da" { "approved" } else { "blocked" };
                let Ok(user) = arg.parse::<i64>() else {
                    return Ok(expired());
                };
                return match offering::set_dealer_status(
                    ctx.deps,
                    ctx.workspace(),
                    user,
                    status,
                    &by,
                    "telegram",
                )
                .await
                {
                    Ok(d) => Ok(Some(t(
                        ctx,
                        &format!("rq-dealer-{status}-admin"),
                        &[("name", d.name.into())],
                    ))),
                    Err(dealers::DealerError::Conflict) => Err(Fail::Busy),
                    Err(dealers::DealerError::Table(e)) => Err(e.into()),
                    Err(dealers::DealerError::NotFound(_)) => Ok(expired()),
                    Err(dealers::DealerError::Invalid(m)) => Ok(Some(m)),
                };
            }
            _ => {}
        }
        if let Some(id) = publish_id {
            let Some(r) = store::get(ctx.deps.table.as_ref(), ctx.workspace(), id).await? else {
                return Ok(expired());
            };
            let by = display_name(&cb.query["from"]);
            return Ok(Some(
                match publish::publish(ctx.deps, &r, &by, "telegram").await {
                    Ok(n) => t(ctx, "rq-published", &[("count", (n as i64).into())]),
                    Err(publish::PublishError::NoChannels) => t(ctx, "rq-no-channels", &[]),
                    Err(publish::PublishError::Ended(_, status)) => t(
                        ctx,
                        "rq-ended",
                        &[("status", t(ctx, &format!("rq-status-{status}"), &[]).into())],
                    ),
                    Err(publish::PublishError::Store(StoreError::Conflict)) => {
                        return Err(Fail::Busy);
                    }
                    Err(publish::PublishError::Store(StoreError::Table(e)))
                    | Err(publish::PublishError::Table(e)) => return Err(e.into()),
                    Err(publish::PublishError::Store(StoreError::Invalid(m))) => m,
                    Err(publish::PublishError::Queue(e)) => return Err(e.into()),
                },
            ));
        }
        let Some(lead) = convert else {
            return Ok(expired());
        };
        convert_and_tell(ctx, msg.chat_id(), lead, &by, true).await
    }
}

/// The dealer's *Withdraw* under an offer's confirmation.
async fn withdraw(ctx: &Ctx<'_>, cb: &Callback<'_>, id: &str) -> Res<Option<String>> {
    let table = ctx.deps.table.as_ref();
    let Some(o) = offers::get(table, ctx.workspace(), id)
        .await?
        .filter(|o| o.dealer_user_id == cb.from_id())
    else {
        return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    };
    let by = display_name(&cb.query["from"]);
    Ok(Some(
        match offering::retire(ctx.deps, &o, "withdrawn", &by, "telegram").await {
            Ok(o) => t(ctx, "rq-withdrawn", &[("offer", o.id.into())]),
            Err(e) => return refusal(ctx, e),
        },
    ))
}

/// An offer's or a request's end refused: what to tell the one who pressed, or a retry.
fn refusal(ctx: &Ctx<'_>, e: offers::OfferError) -> Res<Option<String>> {
    use offers::OfferError as E;
    let text = match e {
        E::Conflict => return Err(Fail::Busy),
        E::Table(e) => return Err(e.into()),
        E::Ended(id, status) => t(
            ctx,
            "rq-offer-closed",
            &[
                ("request", id.into()),
                ("status", t(ctx, &format!("rq-status-{status}"), &[]).into()),
            ],
        ),
        E::NotLive(id, status) => t(
            ctx,
            "rq-offer-not-live",
            &[
                ("offer", id.into()),
                (
                    "status",
                    t(ctx, &format!("rq-offer-status-{status}"), &[]).into(),
                ),
            ],
        ),
        other => other.to_string(),
    };
    Ok(Some(teledesk_scenarios::engine::strip_tags(&text)))
}

/// *Select*, *Reject* (an offer) and *Cancel* (a request) in the admin chat.
async fn admin_decides(ctx: &Ctx<'_>, code: &str, id: &str, by: &str) -> Res<Option<String>> {
    let table = ctx.deps.table.as_ref();
    let expired = || Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    if code == "cn" {
        let Some(r) = store::get(table, ctx.workspace(), id).await? else {
            return expired();
        };
        return match offering::cancel(ctx.deps, &r, by, "telegram").await {
            Ok(e) => Ok(Some(t(
                ctx,
                "rq-cancelled",
                &[("request", e.request.id.into())],
            ))),
            Err(e) => refusal(ctx, e),
        };
    }
    let Some(o) = offers::get(table, ctx.workspace(), id).await? else {
        return expired();
    };
    if code == "rj" {
        return match offering::retire(ctx.deps, &o, "rejected", by, "telegram").await {
            Ok(o) => Ok(Some(t(ctx, "rq-rejected", &[("offer", o.id.into())]))),
            Err(e) => refusal(ctx, e),
        };
    }
    let Some(r) = store::get(table, ctx.workspace(), &o.request_id).await? else {
        return expired();
    };
    match offering::close(ctx.deps, &r, &o.id, by, "telegram").await {
        Ok(e) => Ok(Some(t(
            ctx,
            "rq-selected",
            &[("request", e.request.id.into()), ("offer", o.id.into())],
        ))),
        Err(offers::OfferError::Ended(_, status)) if status == "closed" => {
            // Closed meanwhile with another offer (a selection at the same time).
            let chosen = store::get(table, ctx.workspace(), &r.id)
                .await?
                .and_then(|r| r.chosen_offer_id)
                .unwrap_or_default();
            Ok(Some(t(
                ctx,
                "rq-closed-with",
                &[("request", r.id.into()), ("offer", chosen.into())],
            )))
        }
        Err(e) => refusal(ctx, e),
    }
}
