//! `/mention <username>`: brings an internal user into a ticket through a topic of their own (in
//! their first group, else the ticket's group), linked to the ticket's topic so the two talk through
//! the bot. The same user on the same ticket reuses the topic. Without a name the bot answers with
//! a keyboard of internal users; a button press does the same and is answered.

use serde_json::{Value, json};
use teledesk_telegram::OutgoingText;

use super::endpoints::{self, Endpoint, KIND_MENTION, KIND_TICKET, VIA_MENTION};
use super::msg::Msg;
use super::staff::{self, Staff};
use super::tickets::{self, Ticket};
use super::{Ctx, Fail, Res, groups};
use crate::events;
use crate::html::escape;
use crate::texts::t;
use teledesk_bot::i18n::Arg;

/// Callback data of a keyboard button: `mention1:<user id>` (Telegram allows 64 bytes).
pub const CALLBACK: teledesk_bot::router::CallbackSpec = teledesk_bot::router::CallbackSpec {
    prefix: "mention",
    version: 1,
};
/// At most this many users on the keyboard.
const KEYBOARD_MAX: usize = 48;

/// The ticket whose topic this is, and its endpoint; None when it is not a ticket topic.
async fn ticket_topic(
    ctx: &Ctx<'_>,
    chat_id: i64,
    thread: Option<i32>,
) -> Res<Option<(Ticket, Endpoint)>> {
    let Some(ep) = endpoints::get(ctx, chat_id, thread).await? else {
        return Ok(None);
    };
    if ep.kind != KIND_TICKET {
        return Ok(None);
    }
    let Some(id) = ep.ticket_id.clone() else {
        return Ok(None);
    };
    Ok(tickets::get(ctx.deps, &id).await?.map(|t| (t, ep)))
}

/// `/mention [username]` inside a ticket's topic.
pub async fn on_mention(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    let Some((ticket, mut ep)) = ticket_topic(ctx, m.chat_id(), m.thread()).await? else {
        return ctx.reply(m, t(ctx, "mention-outside-topic", &[])).await;
    };
    if !staff::is_staff(ctx.deps, ctx.workspace(), m.from_id()).await? {
        return ctx
            .reply(m, tickets::not_staff(ctx, "action-mention-people"))
            .await;
    }
    let name = args.split_whitespace().next().unwrap_or_default();
    if name.is_empty() {
        return keyboard(ctx, m).await;
    }
    let Some(user) = staff::by_username(ctx.deps, ctx.workspace(), name).await? else {
        let known: Vec<String> = staff::page(ctx.deps, ctx.workspace(), 10, None)
            .await?
            .0
            .iter()
            .map(|s| escape(&s.handle()))
            .collect();
        let hint = if known.is_empty() {
            t(ctx, "mention-no-staff-yet", &[])
        } else {
            t(
                ctx,
                "mention-staff-list",
                &[("users", Arg::Html(known.join(", ")))],
            )
        };
        let text = t(
            ctx,
            "mention-not-staff",
            &[("name", name.into()), ("hint", Arg::Html(hint))],
        );
        return ctx.reply(m, text).await;
    };
    let (chat, thread) = mention_user(ctx, &ticket, &mut ep, &user, &m.from_name()).await?;
    let text = t(
        ctx,
        "mention-done",
        &[
            ("user", user.handle().into()),
            ("url", endpoints::topic_url(chat, thread).into()),
        ],
    );
    ctx.reply(m, text).await
}

async fn keyboard(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let (users, _) = staff::page(ctx.deps, ctx.workspace(), KEYBOARD_MAX, None).await?;
    if users.is_empty() {
        return ctx.reply(m, t(ctx, "mention-no-staff-keyboard", &[])).await;
    }
    let buttons: Vec<Value> = users
        .iter()
        .filter_map(|u| {
            let data = CALLBACK.data(&u.user_id.to_string())?;
            Some(json!({"text": u.handle(), "callback_data": data}))
        })
        .collect();
    let rows: Vec<Value> = buttons.chunks(2).map(|c| json!(c)).collect();
    let out = OutgoingText {
        reply_to: Some(m.message_id()),
        reply_markup: Some(json!({"inline_keyboard": rows})),
        ..OutgoingText::html(m.chat_id(), m.thread(), t(ctx, "mention-whom", &[]))
    };
    ctx.send(out).await.map(|_| ())
}

/// A keyboard button press; the answer's text. A button whose data is not a user id (forged)
/// is answered as expired.
pub async fn on_callback(
    ctx: &Ctx<'_>,
    cb: &teledesk_bot::router::Callback<'_>,
) -> Res<Option<String>> {
    let Ok(user_id) = cb.rest.parse::<i64>() else {
        return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    };
    let q = cb.query;
    let from = cb.from_id();
    if !staff::is_staff(ctx.deps, ctx.workspace(), from).await? {
        return Ok(Some(t(ctx, "mention-only-staff", &[])));
    }
    let Some(m) = cb.message() else {
        return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    };
    let Some((ticket, mut ep)) = ticket_topic(ctx, m.chat_id(), m.thread()).await? else {
        return Ok(Some(t(ctx, "mention-not-ticket-topic", &[])));
    };
    let Some(user) = staff::get(ctx.deps, ctx.workspace(), user_id).await? else {
        return Ok(Some(t(ctx, "mention-user-gone", &[])));
    };
    let by = super::msg::display_name(&q["from"]);
    mention_user(ctx, &ticket, &mut ep, &user, &by).await?;
    Ok(Some(t(
        ctx,
        "mention-toast-done",
        &[("user", user.handle().into())],
    )))
}

/// Opens (or reuses) the user's topic for the ticket, linked to the ticket's topic, and calls them
/// there. Returns the topic.
pub async fn mention_user(
    ctx: &Ctx<'_>,
    ticket: &Ticket,
    ticket_ep: &mut Endpoint,
    user: &Staff,
    by: &str,
) -> Res<(i64, i32)> {
    let mut existing = None;
    for l in ticket_ep.links.iter().filter(|l| l.via == VIA_MENTION) {
        if let Some(ep) = endpoints::get(ctx, l.chat_id, l.thread_id).await?
            && ep.user_id == Some(user.user_id)
        {
            existing = Some(ep);
            break;
        }
    }
    let (chat, thread, fresh) = match existing {
        Some(ep) => {
            let thread = ep.thread_id.unwrap_or_default();
            match ctx.tg.reopen_forum_topic(ep.chat_id, thread).await {
                Ok(()) => {}
                Err(teledesk_telegram::TelegramError::ThreadNotFound) => {
                    match super::relay::recreate_topic(ctx, ep.chat_id, thread).await? {
                        Some(t) => {
                            return Box::pin(reuse_done(ctx, ticket, user, by, ep.chat_id, t))
                                .await;
                        }
                        None => return Err(Fail::Busy),
                    }
                }
                Err(e) => return Err(e.into()),
            }
            (ep.chat_id, thread, false)
        }
        None => {
            let chat = user.groups.first().copied().unwrap_or(ticket.chat_id);
            let name: String = format!("{} · {} {}", user.handle(), ticket.ticket_id, ticket.title)
                .chars()
                .take(tickets::MAX_TITLE)
                .collect();
            let thread = journal_topic(ctx, chat, &name, user.user_id).await?;
            let mut ep = endpoints::get(ctx, chat, Some(thread))
                .await?
                .unwrap_or_else(|| Endpoint::new(ctx.bot_id(), chat, Some(thread), KIND_MENTION));
            ep.kind = KIND_MENTION.into();
            ep.ticket_id = Some(ticket.ticket_id.clone());
            ep.user_id = Some(user.user_id);
            ep.title = name.clone();
            ep.label = groups::get(ctx.deps, ctx.bot_id(), chat)
                .await?
                .map(|g| g.title)
                .unwrap_or_default();
            endpoints::link(ctx, ticket_ep, &mut ep, VIA_MENTION).await?;
            events::emit(
                ctx.deps,
                events::TOPIC_CREATED,
                &format!("{chat}#{thread}"),
                ctx.workspace(),
                ctx.bot_id(),
                json!({"chat_id": chat, "thread_id": thread, "name": name, "kind": KIND_MENTION,
                       "ticket_id": ticket.ticket_id, "user_id": user.user_id}),
            )
            .await?;
            (chat, thread, true)
        }
    };
    call_user(ctx, ticket, user, by, chat, thread, fresh).await?;
    Ok((chat, thread))
}

async fn reuse_done(
    ctx: &Ctx<'_>,
    ticket: &Ticket,
    user: &Staff,
    by: &str,
    chat: i64,
    thread: i32,
) -> Res<(i64, i32)> {
    call_user(ctx, ticket, user, by, chat, thread, false).await?;
    Ok((chat, thread))
}

async fn call_user(
    ctx: &Ctx<'_>,
    ticket: &Ticket,
    user: &Staff,
    by: &str,
    chat: i64,
    thread: i32,
    fresh: bool,
) -> Res<()> {
    let key = if fresh {
        "mention-call"
    } else {
        "mention-call-again"
    };
    let text = t(
        ctx,
        key,
        &[
            ("user", user.user_id.into()),
            ("name", (&user.name).into()),
            ("by", by.into()),
            ("ticket", Arg::Html(ticket.link_html())),
            ("title", (&ticket.title).into()),
        ],
    );
    ctx.once(&format!("mention#{}", user.user_id), || {
        ctx.notify(chat, Some(thread), text)
    })
    .await?;
    events::emit(
        ctx.deps,
        events::USER_MENTIONED,
        &format!("{}#{}#{}", ticket.ticket_id, user.user_id, ctx.op),
        ctx.workspace(),
        ctx.bot_id(),
        json!({"ticket_id": ticket.ticket_id, "user_id": user.user_id, "username": user.username,
               "chat_id": chat, "thread_id": thread, "mentioned_by": by}),
    )
    .await?;
    Ok(())
}

/// The mention topic this update created for the user (journaled, so a re-run reuses it).
async fn journal_topic(ctx: &Ctx<'_>, chat: i64, name: &str, user_id: i64) -> Res<i32> {
    let thread = ctx
        .remember(&format!("mention-topic#{user_id}"), || async {
            Ok(json!(ctx.tg.create_forum_topic(chat, name).await?))
        })
        .await?;
    thread
        .as_i64()
        .map(|t| t as i32)
        .ok_or_else(|| Fail::Poison("journaled topic is not a number".into()))
}
