//! Private-chat support: a customer writes to the bot, a ticket opens in the desk as a topic.
//!
//! The customer's private chat is an endpoint; while a ticket is open it is linked to the ticket's
//! topic, so messages go both ways through [`super::relay`]. The first message claims the endpoint
//! with a conditional write (`state = creating`); a second message racing it loses the write and is
//! retried from the queue a moment later, by which time the ticket exists. A claim left by a crashed
//! worker is taken over after [`STALE_CLAIM_SECS`].

use serde_json::json;
use teledesk_ports::table::{Condition, Item, PK, SK};

use teledesk_bot::keys;
use teledesk_bot::router::Handled;

use crate::endpoints::{self, Endpoint, KIND_PRIVATE};
use crate::msg::Msg;
use crate::texts::t;
use crate::tickets::{self, NewTicket, Person, Ticket};
use crate::{Ctx, Fail, Res, groups, relay};

pub const STATE_CREATING: &str = "creating";
pub const STATE_OPEN: &str = "open";
/// A `creating` claim older than this is taken over (its worker is gone).
pub const STALE_CLAIM_SECS: i64 = 120;

/// `/start t_<ticket id>` (a link to a ticket): its customer is told the ticket continues here;
/// anyone else gets the home view.
pub async fn on_start_ticket(ctx: &Ctx<'_>, m: &Msg<'_>, payload: &str) -> Res<Handled> {
    let Some(id) = payload
        .strip_prefix("t_")
        .filter(|id| tickets::is_ticket_id(id))
    else {
        return Ok(Handled::No);
    };
    let Some(ticket) = tickets::get(ctx.deps, id).await? else {
        return Ok(Handled::No);
    };
    let theirs = ticket.workspace == ctx.workspace()
        && ticket
            .customer
            .as_ref()
            .is_some_and(|c| c.user_id == m.from_id());
    if !theirs {
        return Ok(Handled::No);
    }
    let key = if ticket.status == tickets::STATUS_CLOSED {
        "ticket-link-closed"
    } else {
        "ticket-link-open"
    };
    ctx.reply(
        m,
        t(
            ctx,
            key,
            &[
                ("ticket", (&ticket.ticket_id).into()),
                ("title", (&ticket.title).into()),
            ],
        ),
    )
    .await?;
    Ok(Handled::Yes)
}

/// A message (not a command) in a private chat. Not taken ([`Handled::No`]: the home view)
/// when the customer has no open ticket and the workspace has no desk.
pub async fn on_private_message(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<Handled> {
    let chat = m.chat_id();
    let known = endpoints::get(ctx, chat, None).await?;
    let open = known.as_ref().is_some_and(|ep| !ep.state.is_empty());
    if !open && groups::desk(ctx.deps, ctx.bot_id()).await?.is_none() {
        return Ok(Handled::No);
    }
    handle_private(ctx, m, known).await.map(|()| Handled::Yes)
}

async fn handle_private(ctx: &Ctx<'_>, m: &Msg<'_>, known: Option<Endpoint>) -> Res<()> {
    let chat = m.chat_id();
    let mut ep = known.unwrap_or_else(|| {
        let mut ep = Endpoint::new(ctx.bot_id(), chat, None, KIND_PRIVATE);
        ep.user_id = Some(m.from_id());
        ep.label = "customer".into();
        ep
    });
    if ep.unreachable {
        ep.unreachable = false; // they wrote, so they unblocked the bot
        ep = endpoints::save(ctx, &ep).await?;
    }
    if ep.state == STATE_OPEN
        && let Some(id) = ep.ticket_id.clone()
    {
        match tickets::get(ctx.deps, &id).await? {
            // Closed while this message waited (the desk's topic and this chat are separate
            // queues): it starts the next ticket instead of vanishing into the closed one.
            Some(t) if t.status == tickets::STATUS_CLOSED => {
                ep.state.clear();
                ep.ticket_id = None;
                ep.last_ticket_id = Some(id);
                ep.links.clear();
            }
            other => return relay::relay_known(ctx, &ep, m, other).await,
        }
    }
    let now = teledesk_ports::now_secs();
    if ep.state == STATE_CREATING {
        let mine = ep.claim == Some(ctx.op);
        if !mine && now - ep.claimed_at < STALE_CLAIM_SECS {
            return Err(Fail::Busy); // the first message is opening the ticket; this one follows it
        }
        if !mine {
            ep.claim = Some(ctx.op);
            ep.claimed_at = now;
            ep = endpoints::save(ctx, &ep).await?;
        }
    } else {
        let desk = match groups::desk(ctx.deps, ctx.bot_id()).await? {
            Some(d)
                if groups::get(ctx.deps, ctx.bot_id(), d)
                    .await?
                    .is_some_and(|g| g.active) =>
            {
                d
            }
            _ => {
                return ctx.reply(m, t(ctx, "support-not-set-up", &[])).await;
            }
        };
        ep.state = STATE_CREATING.into();
        ep.claim = Some(ctx.op);
        ep.claimed_at = now;
        ep.ticket_id = Some(tickets::new_ticket_id());
        ep.links.clear();
        ep.user_id = Some(m.from_id());
        // Remember the desk the claim was made for.
        ep.title = desk.to_string();
        ep = endpoints::save(ctx, &ep).await?;
    }
    open_ticket(ctx, m, ep).await
}

fn title_of(m: &Msg<'_>) -> String {
    let what = m
        .text()
        .or(m.caption())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| match m.media() {
            Some((kind, _)) => format!("[{kind}]"),
            None => "[message]".into(),
        });
    let mut title = format!("{}: {what}", m.from_name());
    if title.chars().count() > 60 {
        title = title.chars().take(59).collect::<String>() + "…";
    }
    title
}

/// Creates the claimed ticket (or finishes it), links chat and topic, relays the message.
async fn open_ticket(ctx: &Ctx<'_>, m: &Msg<'_>, mut ep: Endpoint) -> Res<()> {
    let desk: i64 = match ep.title.parse() {
        Ok(d) => d,
        Err(_) => groups::desk(ctx.deps, ctx.bot_id())
            .await?
            .ok_or_else(|| Fail::Poison("desk unset while a ticket was being opened".into()))?,
    };
    let ticket_id = ep.ticket_id.clone().unwrap_or_default();
    let customer = Person::of(m);
    let t = match tickets::create(
        ctx,
        NewTicket {
            ticket_id: ticket_id.clone(),
            chat_id: desk,
            title: title_of(m),
            description: None,
            created_by: customer.clone(),
            customer: Some(customer),
            previous_ticket_id: ep.last_ticket_id.clone(),
        },
    )
    .await
    {
        Ok(t) => t,
        Err(Fail::Telegram(e)) if !e.is_transient() => {
            // The desk lost its rights, its topics or the bot: release the claim, mark the ticket
            // failed, tell the desk (once per distinct problem) and the customer.
            tracing::warn!(error = %e, "could not open a ticket topic in the desk");
            tickets::abandon(ctx, &ticket_id).await?;
            ep.state.clear();
            ep.claim = None;
            ep.ticket_id = None;
            endpoints::save(ctx, &ep).await?;
            groups::warn_group(
                ctx,
                desk,
                crate::texts::t_in(
                    ctx.workspace_lang(),
                    "desk-cannot-open",
                    &[("error", e.to_string().into())],
                ),
            )
            .await?;
            return ctx.reply(m, t(ctx, "support-open-failed", &[])).await;
        }
        Err(e) => return Err(e),
    };
    let Some(mut topic) = endpoints::get(ctx, t.chat_id, t.thread_id).await? else {
        return Err(Fail::Busy);
    };
    ep.state = STATE_OPEN.into();
    ep.claim = None;
    ep.title.clear();
    endpoints::link(ctx, &mut ep, &mut topic, endpoints::VIA_TICKET).await?;
    let greeting = match &t.previous_ticket_id {
        None => crate::texts::t(
            ctx,
            "support-ticket-opened",
            &[
                ("name", m.from_first_name().into()),
                ("ticket", (&t.ticket_id).into()),
            ],
        ),
        Some(p) => crate::texts::t(
            ctx,
            "support-ticket-opened-again",
            &[
                ("name", m.from_first_name().into()),
                ("ticket", (&t.ticket_id).into()),
                ("previous", p.into()),
            ],
        ),
    };
    ctx.once(&format!("greeting#{}", t.ticket_id), || {
        ctx.notify(m.chat_id(), None, greeting)
    })
    .await?;
    relay::relay_known(ctx, &ep, m, Some(t)).await
}

/// The ticket closed: tell the customer and detach their chat, so the next message opens a new
/// ticket (linked to this one as its previous).
pub async fn detach(ctx: &Ctx<'_>, chat_id: i64, t: &Ticket) -> Res<()> {
    let Some(mut ep) = endpoints::get(ctx, chat_id, None).await? else {
        return Ok(());
    };
    if ep.ticket_id.as_deref() != Some(&t.ticket_id) {
        return Ok(()); // already detached (a re-run) or attached to a newer ticket
    }
    let lang = teledesk_bot::profile::lang_of(ctx.deps, ctx.bot_id(), chat_id).await;
    let notice = crate::texts::t_in(
        lang,
        "support-ticket-closed",
        &[("ticket", (&t.ticket_id).into())],
    );
    ctx.once(&format!("customer-closed#{}", t.ticket_id), || {
        ctx.notify(chat_id, None, notice)
    })
    .await?;
    ep.state.clear();
    ep.ticket_id = None;
    ep.last_ticket_id = Some(t.ticket_id.clone());
    match endpoints::get(ctx, t.chat_id, t.thread_id).await? {
        Some(mut topic) => endpoints::unlink(ctx, &mut ep, &mut topic).await,
        None => {
            ep.links.clear();
            endpoints::save(ctx, &ep).await.map(|_| ())
        }
    }
}

/// The ticket reopened: re-attach the customer's chat unless they have a newer ticket open.
/// Returns false when they do.
pub async fn reattach(ctx: &Ctx<'_>, chat_id: i64, t: &Ticket) -> Res<bool> {
    let mut ep = endpoints::get(ctx, chat_id, None)
        .await?
        .unwrap_or_else(|| Endpoint::new(ctx.bot_id(), chat_id, None, KIND_PRIVATE));
    match ep.ticket_id.as_deref() {
        Some(id) if id == t.ticket_id => return Ok(true),
        Some(_) => return Ok(false),
        None if ep.state == STATE_CREATING => return Ok(false),
        None => {}
    }
    ep.state = STATE_OPEN.into();
    ep.ticket_id = Some(t.ticket_id.clone());
    ep.label = "customer".into();
    let Some(mut topic) = endpoints::get(ctx, t.chat_id, t.thread_id).await? else {
        return Ok(false);
    };
    endpoints::link(ctx, &mut ep, &mut topic, endpoints::VIA_TICKET).await?;
    let lang = teledesk_bot::profile::lang_of(ctx.deps, ctx.bot_id(), chat_id).await;
    let notice = crate::texts::t_in(
        lang,
        "support-ticket-reopened",
        &[("ticket", (&t.ticket_id).into())],
    );
    ctx.once(&format!("customer-reopened#{}", t.ticket_id), || {
        ctx.notify(chat_id, None, notice)
    })
    .await?;
    Ok(true)
}

/// The customer blocked the bot (403): recorded on the chat and its endpoint.
pub async fn mark_unreachable(ctx: &Ctx<'_>, chat_id: i64, why: &str) -> Res<()> {
    mark(ctx, chat_id, why).await.map(|_| ())
}

/// As [`mark_unreachable`]; true when this is news (so staff are told once).
pub async fn mark(ctx: &Ctx<'_>, chat_id: i64, why: &str) -> Res<bool> {
    let mut item = Item::new();
    item.insert(PK.into(), json!(keys::chat_pk(ctx.bot_id(), chat_id)));
    item.insert(SK.into(), json!(keys::CHAT_SK));
    item.insert("unreachable".into(), json!(true));
    item.insert("unreachable_reason".into(), json!(why));
    item.insert("unreachable_at".into(), json!(teledesk_ports::now_secs()));
    ctx.deps.table.put(item, Condition::None).await?;
    tracing::info!(chat_id, reason = why, "chat unreachable (bot blocked)");
    match endpoints::get(ctx, chat_id, None).await? {
        Some(mut ep) if !ep.unreachable => {
            ep.unreachable = true;
            endpoints::save(ctx, &ep).await?;
            Ok(true)
        }
        Some(_) => Ok(false),
        None => Ok(true),
    }
}
