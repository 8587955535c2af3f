//! Message sync between linked endpoints: every message written in an endpoint is stored and copied
//! to each linked endpoint, once.
//!
//! Each copy is recorded — source chat/message → target chat/thread/message, with its status
//! (`sent`, `failed`, `retrying`) — and a re-run skips the targets already `sent`, so a 429 on one
//! target retries that target only. Copies are made by the bot and the bot never receives its own
//! messages, so a copy is never synced back, however many topics are linked.
//!
//! Copies into topics carry an attribution line ("Name · Group"): a text is re-sent with its
//! entities shifted, a captioned media is copied with the caption prefixed, anything else is
//! copied as is. Copies into a customer's private chat are plain copies. A message Telegram cannot
//! copy (service messages, invoices, quizzes) becomes a short text summary. Albums are collected
//! for a moment and copied together with copyMessages.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use teledesk_ports::table::{
    self, Condition, EXPIRES_AT, GSI1PK, GSI1SK, Item, PK, Query, SK, SortKey, TableError,
};
use teledesk_telegram::{CopyRequest, OutgoingText, TelegramError};

use super::endpoints::{self, Endpoint, KIND_PRIVATE, Link};
use super::msg::{Msg, Summary, prefixed, utf16_len};
use super::{Ctx, Fail, Res, attachments, support, tickets};
use crate::html::escape;
use crate::texts::{t, t_in};
use crate::{events, keys};
use teledesk_bot::i18n::Arg;

pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";
pub const STATUS_RETRYING: &str = "retrying";

/// Text that starts with this is an internal note: stored, never copied.
pub const NOTE_PREFIX: &str = "//";
/// The job that copies an album once its members have arrived.
pub const JOB_ALBUM: &str = "album.relay";
/// How long album members are collected before they are copied together.
pub const ALBUM_WAIT: Duration = Duration::from_secs(2);

/// A message in a group: synced when its topic is an endpoint.
pub async fn on_group_message(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let Some(thread) = m.thread() else {
        return Ok(()); // General is never synced
    };
    match endpoints::get(ctx, m.chat_id(), Some(thread)).await? {
        Some(ep) => relay_from(ctx, &ep, m).await,
        None => Ok(()),
    }
}

fn side(ep: &Endpoint) -> &'static str {
    if ep.kind == KIND_PRIVATE {
        "customer"
    } else {
        "staff"
    }
}

/// Stores a message of an endpoint and copies it to every linked endpoint not yet holding a copy.
pub async fn relay_from(ctx: &Ctx<'_>, ep: &Endpoint, m: &Msg<'_>) -> Res<()> {
    relay_known(ctx, ep, m, None).await
}

/// [`relay_from`] when the caller has just read the endpoint's ticket (saves reading it again).
pub async fn relay_known(
    ctx: &Ctx<'_>,
    ep: &Endpoint,
    m: &Msg<'_>,
    ticket: Option<tickets::Ticket>,
) -> Res<()> {
    if m.is_housekeeping() {
        return Ok(()); // topic events and pins are the group's own business
    }
    let newly = store(ctx, ep, m).await?;
    let note = m.text().is_some_and(|t| t.starts_with(NOTE_PREFIX));
    if newly && let Some(ticket_id) = &ep.ticket_id {
        tickets::count_message(ctx.deps, ticket_id, side(ep)).await?;
        let customer_facing = ep.kind == KIND_PRIVATE || ep.links.iter().any(|l| l.chat_id > 0);
        if customer_facing && !note {
            // Best effort: a conflicting ticket change (a concurrent /priority) must not make
            // this message wait; the next message sets the status.
            if let Err(e) = tickets::note_activity(ctx, ticket_id, side(ep), ticket).await {
                tracing::info!(error = %e, ticket_id, "ticket status not updated");
            }
        }
    }
    if m.media().is_some() {
        attachments::record(ctx, ep, m).await?;
    }
    if let Some(ticket_id) = &ep.ticket_id {
        events::emit(
            ctx.deps,
            events::MESSAGE_SENT,
            &format!("{}#{}#{}", ctx.bot_id(), m.chat_id(), m.message_id()),
            ctx.workspace(),
            ctx.bot_id(),
            json!({"ticket_id": ticket_id, "chat_id": m.chat_id(), "thread_id": m.thread(),
                   "message_id": m.message_id(), "side": side(ep),
                   "message": Value::Object(m.to_stored())}),
        )
        .await?;
    }
    if ep.links.is_empty() || note {
        return Ok(());
    }
    if let Some(group) = m.media_group_id() {
        return collect_album(ctx, ep, m, group).await;
    }
    // A message stored just now has no copies yet; only a re-run needs to look.
    let copies = if newly {
        HashMap::new()
    } else {
        copies_of(ctx, m.chat_id(), m.message_id()).await?
    };
    let mut retry = None;
    for link in &ep.links {
        if copies
            .get(&keys::copy_sk(link.chat_id, link.thread_id))
            .is_some_and(|c| table::str_attr(c, "status") == Some(STATUS_SENT))
        {
            continue;
        }
        if let Err(e) = copy_one(ctx, ep, m, link).await {
            retry.get_or_insert(e);
        }
    }
    retry.map_or(Ok(()), Err)
}

/// Stores the message; false when it was stored before (a re-run).
async fn store(ctx: &Ctx<'_>, ep: &Endpoint, m: &Msg<'_>) -> Res<bool> {
    let mut item = m.to_stored();
    item.insert(
        PK.into(),
        json!(keys::message_pk(ctx.bot_id(), m.chat_id())),
    );
    item.insert(SK.into(), json!(keys::message_sk(m.message_id())));
    item.insert("side".into(), json!(side(ep)));
    if let Some(t) = &ep.ticket_id {
        item.insert("ticket_id".into(), json!(t));
        item.insert(GSI1PK.into(), json!(keys::ticket_messages_gsi(t)));
        item.insert(
            GSI1SK.into(),
            json!(keys::ticket_message_order(
                m.date(),
                m.chat_id(),
                m.message_id()
            )),
        );
    }
    match ctx.deps.table.put(item, Condition::Absent).await {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The copy records of a source message, by target key.
async fn copies_of(ctx: &Ctx<'_>, chat_id: i64, message_id: i32) -> Res<HashMap<String, Item>> {
    let page = ctx
        .deps
        .table
        .query(&Query::partition(keys::copies_pk(
            ctx.bot_id(),
            chat_id,
            message_id,
        )))
        .await?;
    Ok(page
        .items
        .into_iter()
        .filter_map(|i| Some((table::str_attr(&i, SK)?.to_owned(), i)))
        .collect())
}

/// "Name · Group" and the length of its bold part.
fn attribution(ep: &Endpoint, m: &Msg<'_>) -> (String, i64) {
    let name = m.from_name();
    let bold = utf16_len(&name);
    (format!("{name} · {}\n", ep.label), bold)
}

/// How a copy was made (so an edit can follow it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// sendMessage of header + text.
    Text,
    /// copyMessage with header + caption.
    Caption,
    /// copyMessage as is.
    Copy,
    /// A text summary of a message that cannot be copied.
    Summary,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Text => "text",
            Mode::Caption => "caption",
            Mode::Copy => "copy",
            Mode::Summary => "summary",
        }
    }
}

async fn send_summary(
    ctx: &Ctx<'_>,
    m: &Msg<'_>,
    to: (i64, Option<i32>),
    header: Option<&(String, i64)>,
    reply_to: Option<i32>,
    what: &str, // HTML: a catalog text with its values escaped
) -> Res<i32> {
    let head = header
        .map(|(h, b)| {
            let units: Vec<u16> = h.encode_utf16().collect();
            let name = String::from_utf16_lossy(&units[..*b as usize]);
            let rest = String::from_utf16_lossy(&units[*b as usize..]);
            format!("<b>{}</b>{}", escape(&name), escape(&rest))
        })
        .unwrap_or_default();
    let out = OutgoingText {
        reply_to,
        ..OutgoingText::html(
            to.0,
            to.1,
            format!(
                "{head}{}",
                t(
                    ctx,
                    "relay-sent",
                    &[
                        ("name", m.from_name().into()),
                        ("what", Arg::Html(what.to_owned()))
                    ]
                )
            ),
        )
    };
    Ok(ctx.tg.send_text(&out).await?.message_id)
}

/// Makes one copy of `m` in `to`; returns the copy's message id and how it was made.
async fn send_copy(
    ctx: &Ctx<'_>,
    m: &Msg<'_>,
    to: (i64, Option<i32>),
    header: Option<&(String, i64)>,
    reply_to: Option<i32>,
) -> Res<(i32, Mode)> {
    if let Some(summary) = m.summary_only() {
        let what = match summary {
            Summary::Quiz(q) => t(ctx, "relay-what-quiz", &[("question", q.into())]),
            Summary::NotCopyable(kind) => {
                t(ctx, "relay-what-not-copyable", &[("kind", kind.into())])
            }
            Summary::Service => t(ctx, "relay-what-service", &[]),
        };
        let id = send_summary(ctx, m, to, header, reply_to, &what).await?;
        return Ok((id, Mode::Summary));
    }
    if let (Some(text), Some((h, bold))) = (m.text(), header) {
        let (text, entities) = prefixed(h, *bold, text, m.0.get("entities"));
        if utf16_len(&text) <= 4096 {
            let out = OutgoingText {
                chat_id: to.0,
                thread_id: to.1,
                text,
                reply_to,
                entities: Some(entities),
                reply_markup: None,
            };
            return Ok((ctx.tg.send_text(&out).await?.message_id, Mode::Text));
        }
    }
    let mut req = CopyRequest {
        chat_id: to.0,
        thread_id: to.1,
        from_chat_id: m.chat_id(),
        message_id: m.message_id(),
        reply_to,
        ..Default::default()
    };
    let mut mode = Mode::Copy;
    if let (true, Some((h, bold))) = (m.takes_caption(), header) {
        let caption = m.caption().unwrap_or_default();
        let h = if caption.is_empty() { h.trim_end() } else { h };
        let (c, e) = prefixed(h, *bold, caption, m.0.get("caption_entities"));
        if utf16_len(&c) <= 1024 {
            req.caption = Some(c);
            req.caption_entities = Some(e);
            mode = Mode::Caption;
        }
    }
    match ctx.tg.copy_message(&req).await {
        Ok(id) => Ok((id, mode)),
        Err(TelegramError::CannotCopy) => {
            let id = send_summary(
                ctx,
                m,
                to,
                header,
                reply_to,
                &t(ctx, "relay-uncopyable", &[]),
            )
            .await?;
            Ok((id, Mode::Summary))
        }
        Err(e) => Err(e.into()),
    }
}

/// The message id in `to` that a reply in the source should point at: the copy (in `to`) of the
/// message replied to, or its original when that lives in `to`.
async fn map_reply(ctx: &Ctx<'_>, m: &Msg<'_>, to: (i64, Option<i32>)) -> Res<Option<i32>> {
    let Some(r) = m.reply_to() else {
        return Ok(None);
    };
    let target_sk = keys::copy_sk(to.0, to.1);
    let copy_in_target = |item: Option<Item>| {
        item.filter(|c| table::str_attr(c, "status") == Some(STATUS_SENT))
            .and_then(|c| table::int_attr(&c, "target_message_id"))
            .map(|id| id as i32)
    };
    let direct = ctx
        .deps
        .table
        .get(&keys::copies_pk(ctx.bot_id(), m.chat_id(), r), &target_sk)
        .await?;
    if let Some(id) = copy_in_target(direct) {
        return Ok(Some(id));
    }
    // The message replied to is itself a copy: find its original.
    let page = ctx
        .deps
        .table
        .query(
            &Query::gsi1(keys::copy_ref_gsi(ctx.bot_id(), m.chat_id(), r))
                .sort(SortKey::Equals(keys::COPY_REF_SK.into()))
                .limit(1),
        )
        .await?;
    let Some(origin) = page.items.into_iter().next() else {
        return Ok(None);
    };
    let (Some(src_chat), Some(src_msg)) = (
        table::int_attr(&origin, "src_chat"),
        table::int_attr(&origin, "src_message_id"),
    ) else {
        return Ok(None);
    };
    let src_thread = table::int_attr(&origin, "src_thread").map(|t| t as i32);
    if (src_chat, src_thread) == to {
        return Ok(Some(src_msg as i32));
    }
    let other = ctx
        .deps
        .table
        .get(
            &keys::copies_pk(ctx.bot_id(), src_chat, src_msg as i32),
            &target_sk,
        )
        .await?;
    Ok(copy_in_target(other))
}

/// Records a copy's state.
#[allow(clippy::too_many_arguments)]
async fn record_copy(
    ctx: &Ctx<'_>,
    m: &Msg<'_>,
    to: (i64, Option<i32>),
    status: &str,
    sent: Option<(i32, Mode)>,
    header: Option<&(String, i64)>,
    error: Option<String>,
) -> Res<()> {
    let mut item = Item::new();
    item.insert(
        PK.into(),
        json!(keys::copies_pk(ctx.bot_id(), m.chat_id(), m.message_id())),
    );
    item.insert(SK.into(), json!(keys::copy_sk(to.0, to.1)));
    item.insert("src_chat".into(), json!(m.chat_id()));
    item.insert("src_thread".into(), json!(m.thread()));
    item.insert("src_message_id".into(), json!(m.message_id()));
    item.insert("target_chat".into(), json!(to.0));
    item.insert("target_thread".into(), json!(to.1));
    item.insert("status".into(), json!(status));
    item.insert("updated_at".into(), json!(teledesk_ports::now_secs()));
    if let Some((id, mode)) = sent {
        item.insert("target_message_id".into(), json!(id));
        item.insert("mode".into(), json!(mode.as_str()));
        item.insert(
            GSI1PK.into(),
            json!(keys::copy_ref_gsi(ctx.bot_id(), to.0, id)),
        );
        item.insert(GSI1SK.into(), json!(keys::COPY_REF_SK));
    }
    if let Some((h, b)) = header {
        item.insert("header".into(), json!(h));
        item.insert("header_bold".into(), json!(b));
    }
    if let Some(e) = error {
        item.insert("error".into(), json!(e));
    }
    Ok(ctx.deps.table.put(item, Condition::None).await?)
}

/// Copies `m` to one linked endpoint and records the outcome. Errors worth retrying are returned
/// (after recording `retrying`); final ones are recorded as `failed` and staff are told.
async fn copy_one(ctx: &Ctx<'_>, ep: &Endpoint, m: &Msg<'_>, link: &Link) -> Res<()> {
    let to_private = link.chat_id > 0;
    let header = (!to_private).then(|| attribution(ep, m));
    let mut to = (link.chat_id, link.thread_id);
    let reply_to = map_reply(ctx, m, to).await?;
    let mut result = send_copy(ctx, m, to, header.as_ref(), reply_to).await;
    if let Err(Fail::Telegram(TelegramError::ThreadNotFound)) = result
        && let Some(thread) = to.1
        && let Some(new_thread) = recreate_topic(ctx, to.0, thread).await?
    {
        to.1 = Some(new_thread);
        result = send_copy(ctx, m, to, header.as_ref(), None).await;
    }
    match result {
        Ok(sent) => record_copy(ctx, m, to, STATUS_SENT, Some(sent), header.as_ref(), None).await,
        Err(Fail::Telegram(TelegramError::Forbidden { description })) => {
            record_copy(
                ctx,
                m,
                to,
                STATUS_FAILED,
                None,
                header.as_ref(),
                Some(description.clone()),
            )
            .await?;
            if to_private {
                if support::mark(ctx, to.0, &description).await? {
                    tell_source(
                        ctx,
                        ep,
                        "⚠️ The customer has blocked the bot: messages here can't reach them until they \
                         write again.",
                    )
                    .await?;
                }
            } else {
                super::groups::chat_refused(ctx, to.0, &description).await?;
                tell_source(ctx, ep, &t(ctx, "relay-group-gone", &[])).await?;
            }
            Ok(())
        }
        Err(Fail::Telegram(e)) if e.is_transient() => {
            record_copy(
                ctx,
                m,
                to,
                STATUS_RETRYING,
                None,
                header.as_ref(),
                Some(e.to_string()),
            )
            .await?;
            Err(e.into())
        }
        Err(Fail::Telegram(e)) => {
            tracing::warn!(error = %e, target_chat = to.0, "copy refused by Telegram");
            record_copy(
                ctx,
                m,
                to,
                STATUS_FAILED,
                None,
                header.as_ref(),
                Some(e.to_string()),
            )
            .await?;
            events::emit(
                ctx.deps,
                events::ERROR_OCCURRED,
                &format!("copy#{}#{}#{}", m.chat_id(), m.message_id(), to.0),
                ctx.workspace(),
                ctx.bot_id(),
                json!({"error": "copy_failed", "detail": e.to_string(), "chat_id": m.chat_id(),
                       "message_id": m.message_id(), "target_chat_id": to.0, "target_thread_id": to.1}),
            )
            .await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A notice in the endpoint a message came from (a topic; nothing for private chats).
async fn tell_source(ctx: &Ctx<'_>, ep: &Endpoint, text: &str) -> Res<()> {
    if ep.kind == KIND_PRIVATE {
        return Ok(());
    }
    ctx.notify(ep.chat_id, ep.thread_id, text.into()).await
}

/// A linked topic was deleted: create it again under the same name, move its endpoint, links and
/// ticket to the new thread, and tell staff there. Returns the new thread, or None when there was
/// nothing to recreate.
pub async fn recreate_topic(ctx: &Ctx<'_>, chat_id: i64, thread_id: i32) -> Res<Option<i32>> {
    let Some(mut old) = endpoints::get(ctx, chat_id, Some(thread_id)).await? else {
        return Ok(None);
    };
    let now = teledesk_ports::now_secs();
    let name = if old.title.is_empty() {
        t_in(
            ctx.workspace_lang(),
            "topic-default-title",
            &[("thread", thread_id.into())],
        )
    } else {
        old.title.clone()
    };
    // The move is claimed on the old endpoint (`moving`), and the new thread recorded there as soon
    // as Telegram made it (`claim`), so a re-run after any failure continues instead of making a
    // second topic. A claim without a thread older than a minute is taken over.
    let new_thread = match (old.state.as_str(), old.claim) {
        ("moving", Some(t)) => t as i32,
        ("moving", None) if now - old.claimed_at < 60 => return Err(Fail::Busy),
        _ => {
            old.state = "moving".into();
            old.claim = None;
            old.claimed_at = now;
            old = endpoints::save(ctx, &old).await?;
            let t = ctx.tg.create_forum_topic(chat_id, &name).await?;
            old.claim = Some(i64::from(t));
            old = endpoints::save(ctx, &old).await?;
            t
        }
    };
    let mut moved = old.clone();
    moved.thread_id = Some(new_thread);
    moved.state.clear();
    moved.claim = None;
    moved.version = endpoints::get(ctx, chat_id, Some(new_thread))
        .await?
        .map_or(0, |e| e.version);
    endpoints::save(ctx, &moved).await?;
    for l in &old.links {
        if let Some(mut other) = endpoints::get(ctx, l.chat_id, l.thread_id).await? {
            for ol in other.links.iter_mut() {
                if ol.chat_id == chat_id && ol.thread_id == Some(thread_id) {
                    ol.thread_id = Some(new_thread);
                }
            }
            endpoints::save(ctx, &other).await?;
        }
    }
    let mut history = String::new();
    if let Some(id) = &old.ticket_id
        && let Some(mut t) = tickets::get(ctx.deps, id).await?
        && t.chat_id == chat_id
        && t.thread_id == Some(thread_id)
    {
        t.thread_id = Some(new_thread);
        tickets::save(ctx.deps, &t).await?;
        history = t_in(
            ctx.workspace_lang(),
            "topic-recreated-history",
            &[("ticket", (&t.ticket_id).into())],
        );
    }
    ctx.deps
        .table
        .delete(&old.pk(), keys::ENDPOINT_SK, Condition::None)
        .await?;
    tracing::warn!(
        chat_id,
        thread_id,
        new_thread,
        "topic was deleted; recreated"
    );
    let notice = t_in(
        ctx.workspace_lang(),
        "topic-recreated",
        &[("name", (&name).into()), ("history", Arg::Html(history))],
    );
    ctx.once(&format!("recreated#{chat_id}#{thread_id}"), || {
        ctx.notify(chat_id, Some(new_thread), notice)
    })
    .await?;
    events::emit(
        ctx.deps,
        events::TOPIC_CREATED,
        &format!("{chat_id}#{new_thread}"),
        ctx.workspace(),
        ctx.bot_id(),
        json!({"chat_id": chat_id, "thread_id": new_thread, "name": name, "kind": old.kind,
               "ticket_id": old.ticket_id, "replaces_thread_id": thread_id}),
    )
    .await?;
    Ok(Some(new_thread))
}

/// An album member: kept until the album is complete, then copied with copyMessages by a job.
async fn collect_album(ctx: &Ctx<'_>, ep: &Endpoint, m: &Msg<'_>, group: &str) -> Res<()> {
    let mut item = Item::new();
    item.insert(
        PK.into(),
        json!(keys::album_pk(ctx.bot_id(), m.chat_id(), group)),
    );
    item.insert(SK.into(), json!(keys::message_sk(m.message_id())));
    item.insert("message".into(), m.0.clone());
    item.insert(
        EXPIRES_AT.into(),
        json!(teledesk_ports::now_secs() + 24 * 3600),
    );
    ctx.deps.table.put(item, Condition::None).await?;
    // One job per member (each copies whatever is not yet copied), named after the member.
    let job = json!({"kind": JOB_ALBUM, "bot_id": ctx.bot_id(), "chat_id": ep.chat_id,
                     "thread_id": ep.thread_id, "media_group_id": group,
                     "job_id": format!("album:{}:{}:{}", ctx.bot_id(), m.chat_id(), m.message_id())});
    crate::jobs::queue_after(ctx.deps, job, ALBUM_WAIT).await?;
    Ok(())
}

/// The album job: copies the album's members not yet copied to each linked endpoint, together.
pub async fn run_album_job(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let chat_id = job["chat_id"].as_i64().unwrap_or_default();
    let thread_id = job["thread_id"].as_i64().map(|t| t as i32);
    let group = job["media_group_id"].as_str().unwrap_or_default();
    let Some(ep) = endpoints::get(ctx, chat_id, thread_id).await? else {
        return Ok(());
    };
    // Every member queues this job; one runs at a time (a lease that expires if its worker dies),
    // the others find the copies made and do nothing.
    let album = keys::album_pk(ctx.bot_id(), chat_id, group);
    let mut lease = Item::new();
    lease.insert(PK.into(), json!(album));
    lease.insert(SK.into(), json!("LEASE"));
    lease.insert(EXPIRES_AT.into(), json!(teledesk_ports::now_secs() + 60));
    match ctx.deps.table.put(lease, Condition::Absent).await {
        Ok(()) => {}
        Err(TableError::ConditionFailed) => return Err(Fail::Busy),
        Err(e) => return Err(e.into()),
    }
    let r = copy_album(ctx, &ep, chat_id, &album).await;
    ctx.deps
        .table
        .delete(&album, "LEASE", Condition::None)
        .await?;
    r
}

async fn copy_album(ctx: &Ctx<'_>, ep: &Endpoint, chat_id: i64, album: &str) -> Res<()> {
    let page = ctx
        .deps
        .table
        .query(&Query::partition(album).sort(SortKey::BeginsWith("0".into())))
        .await?;
    let members: Vec<Value> = page
        .items
        .into_iter()
        .filter_map(|mut i| i.remove("message"))
        .collect();
    let mut retry = None;
    for link in &ep.links {
        let to = (link.chat_id, link.thread_id);
        let mut pending = Vec::new();
        for v in &members {
            let m = Msg(v);
            let done = ctx
                .deps
                .table
                .get(
                    &keys::copies_pk(ctx.bot_id(), chat_id, m.message_id()),
                    &keys::copy_sk(to.0, to.1),
                )
                .await?
                .is_some_and(|c| table::str_attr(&c, "status") == Some(STATUS_SENT));
            if !done {
                pending.push(m);
            }
        }
        if pending.is_empty() {
            continue;
        }
        pending.sort_by_key(|m| m.message_id());
        let ids: Vec<i32> = pending.iter().map(|m| m.message_id()).collect();
        let mut result = ctx.tg.copy_messages(to.0, to.1, chat_id, &ids).await;
        let mut target = to;
        if let Err(TelegramError::ThreadNotFound) = result
            && let Some(t) = to.1
            && let Some(new_thread) = recreate_topic(ctx, to.0, t).await?
        {
            target.1 = Some(new_thread);
            result = ctx.tg.copy_messages(to.0, target.1, chat_id, &ids).await;
        }
        match result {
            Ok(new_ids) if new_ids.len() == pending.len() => {
                for (m, id) in pending.iter().zip(new_ids) {
                    record_copy(
                        ctx,
                        m,
                        target,
                        STATUS_SENT,
                        Some((id, Mode::Copy)),
                        None,
                        None,
                    )
                    .await?;
                }
            }
            Ok(new_ids) => {
                // Telegram skipped members it could not copy: which copy is which is unknown, so
                // none is mapped (edits and replies will not follow), but none is sent again.
                tracing::warn!(
                    sent = pending.len(),
                    copied = new_ids.len(),
                    "album partly copied"
                );
                for m in &pending {
                    record_copy(
                        ctx,
                        m,
                        target,
                        STATUS_SENT,
                        None,
                        None,
                        Some("album partly copied".into()),
                    )
                    .await?;
                }
            }
            Err(e) if e.is_transient() => {
                retry.get_or_insert(Fail::Telegram(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, target_chat = to.0, "album copy refused by Telegram");
                for m in &pending {
                    record_copy(
                        ctx,
                        m,
                        target,
                        STATUS_FAILED,
                        None,
                        None,
                        Some(e.to_string()),
                    )
                    .await?;
                }
            }
        }
    }
    retry.map_or(Ok(()), Err)
}

/// An edited message: the stored copy is updated and every copy edited (text or caption).
pub async fn on_edit(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let pk = keys::message_pk(ctx.bot_id(), m.chat_id());
    let sk = keys::message_sk(m.message_id());
    let Some(mut stored) = ctx.deps.table.get(&pk, &sk).await? else {
        return Ok(()); // not a synced message
    };
    let mut history = stored
        .get("edits")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    history.push(
        json!({"text": stored.get("text"), "caption": stored.get("caption"),
                        "edit_date": stored.get("edit_date")}),
    );
    for (k, v) in m.to_stored() {
        stored.insert(k, v);
    }
    stored.insert("edits".into(), Value::Array(history));
    ctx.deps.table.put(stored, Condition::None).await?;
    let copies = copies_of(ctx, m.chat_id(), m.message_id()).await?;
    let mut retry = None;
    for c in copies.values() {
        if table::str_attr(c, "status") != Some(STATUS_SENT) {
            continue;
        }
        let (Some(chat), Some(id)) = (
            table::int_attr(c, "target_chat"),
            table::int_attr(c, "target_message_id"),
        ) else {
            continue;
        };
        let id = id as i32;
        let header = table::str_attr(c, "header").unwrap_or_default();
        let bold = table::int_attr(c, "header_bold").unwrap_or_default();
        let r = match table::str_attr(c, "mode") {
            Some("text") => {
                let (t, e) = prefixed(
                    header,
                    bold,
                    m.text().unwrap_or_default(),
                    m.0.get("entities"),
                );
                ctx.tg.edit_message_text(chat, id, &t, Some(&e)).await
            }
            Some("caption") => {
                let caption = m.caption().unwrap_or_default();
                let h = if caption.is_empty() {
                    header.trim_end()
                } else {
                    header
                };
                let (t, e) = prefixed(h, bold, caption, m.0.get("caption_entities"));
                ctx.tg.edit_message_caption(chat, id, &t, Some(&e)).await
            }
            Some("copy") if m.text().is_some() => {
                let (t, e) = prefixed("", 0, m.text().unwrap_or_default(), m.0.get("entities"));
                ctx.tg.edit_message_text(chat, id, &t, Some(&e)).await
            }
            Some("copy") if m.takes_caption() => {
                let (t, e) = prefixed(
                    "",
                    0,
                    m.caption().unwrap_or_default(),
                    m.0.get("caption_entities"),
                );
                ctx.tg.edit_message_caption(chat, id, &t, Some(&e)).await
            }
            _ => Ok(()),
        };
        match r {
            Ok(()) => {}
            Err(e) if e.is_transient() => {
                retry.get_or_insert(Fail::Telegram(e));
            }
            Err(e) => tracing::warn!(error = %e, chat, "edit of a copy refused by Telegram"),
        }
    }
    retry.map_or(Ok(()), Err)
}
