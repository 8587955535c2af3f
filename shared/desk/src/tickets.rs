//! Tickets: one forum topic per ticket.
//!
//! Creation is a sequence of recorded steps, so that a re-run (Telegram re-sending, SQS
//! re-delivering, a retry after 429) continues where the last run stopped: the ticket is written
//! first as `creating`, then its topic is created and its id recorded, then the topic's endpoint and
//! first message, and last the status `open` and the events.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::table::{Condition, Item, TableError, VERSION};
use teledesk_telegram::TelegramError;

use super::endpoints::{self, Endpoint, KIND_TICKET, Link, VIA_TICKET};
use super::msg::Msg;
use super::{Ctx, Fail, Res, groups, staff};
use crate::html::escape;
use crate::texts::{t, t_in};
use crate::{Deps, events, keys};
use teledesk_bot::i18n::Arg;

pub const STATUS_CREATING: &str = "creating";
pub const STATUS_OPEN: &str = "open";
pub const STATUS_PENDING: &str = "pending";
pub const STATUS_CLOSED: &str = "closed";
/// Telegram refused to make the ticket's topic (rights, topics off): nothing to answer in.
pub const STATUS_FAILED: &str = "failed";
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
/// Telegram's limit on a topic name; titles are limited to the same.
pub const MAX_TITLE: usize = 128;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: i64,
    pub username: Option<String>,
    pub name: String,
    /// A customer's private chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
}

impl Person {
    pub fn of(m: &Msg<'_>) -> Person {
        Person {
            user_id: m.from_id(),
            username: m.from_username().map(str::to_owned),
            name: m.from_name(),
            chat_id: m.is_private().then(|| m.chat_id()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub ticket_id: String,
    pub workspace: String,
    pub bot_id: String,
    /// The group holding the ticket's topic.
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub priority: String,
    pub created_by: Person,
    pub customer: Option<Person>,
    pub previous_ticket_id: Option<String>,
    /// The internal user (Telegram user id) responsible for it.
    #[serde(default)]
    pub assignee: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// The update that last closed / reopened it: a re-run of that update finishes its steps.
    #[serde(default)]
    pub closed_by_op: Option<i64>,
    #[serde(default)]
    pub reopened_by_op: Option<i64>,
    #[serde(default)]
    pub version: i64,
}

impl teledesk_bot::record::Record for Ticket {
    const KIND: &'static str = "ticket";
    fn key(&self) -> (String, String) {
        (keys::ticket_pk(&self.ticket_id), keys::TICKET_SK.into())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        let sk = format!("{:013}#{}", self.created_at, self.ticket_id);
        Some((keys::tickets_gsi(&self.workspace), sk))
    }
}

impl Ticket {
    fn to_item(&self) -> Item {
        teledesk_bot::record::to_item(self)
    }

    /// The topic's name: id and title, within Telegram's 128 characters.
    pub fn topic_name(&self) -> String {
        let name = format!("{} {}", self.ticket_id, self.title);
        name.chars().take(MAX_TITLE).collect()
    }

    /// A link to the ticket's topic (HTML).
    pub fn link_html(&self) -> String {
        match self.thread_id {
            Some(t) => format!(
                "<a href=\"{}\">{}</a>",
                endpoints::topic_url(self.chat_id, t),
                escape(&self.ticket_id)
            ),
            None => format!("<b>{}</b>", escape(&self.ticket_id)),
        }
    }

    /// The event payload.
    pub fn to_json(&self) -> Value {
        json!({
            "ticket_id": self.ticket_id, "title": self.title, "description": self.description,
            "status": self.status, "priority": self.priority, "chat_id": self.chat_id,
            "thread_id": self.thread_id, "created_by": self.created_by, "customer": self.customer,
            "previous_ticket_id": self.previous_ticket_id, "assignee": self.assignee,
            "created_at": self.created_at,
            "updated_at": self.updated_at, "closed_at": self.closed_at,
        })
    }
}

/// A new ticket id like `TICK-MFUVZYDY-35975E9E`: creation time (ms, base 36) and 32 random bits.
pub fn new_ticket_id() -> String {
    let mut n = teledesk_ports::now_millis().max(0) as u64;
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n % 36) as usize]);
        n /= 36;
    }
    digits.reverse();
    format!(
        "TICK-{}-{:08X}",
        String::from_utf8_lossy(&digits),
        rand::random::<u32>()
    )
}

/// Whether `s` has the shape of a ticket id (`TICK-` and base-36/hex parts).
pub fn is_ticket_id(s: &str) -> bool {
    s.strip_prefix("TICK-").is_some_and(|rest| {
        let mut parts = rest.split('-');
        matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
            if !a.is_empty() && !b.is_empty()
                && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
    })
}

/// A ticket id in the same shape, determined by a number (an API operation): the same operation
/// always names the same ticket.
pub fn ticket_id_from(n: u64) -> String {
    let mut x = (n >> 22) % 36u64.pow(8);
    let mut digits = [b'0'; 8];
    for d in digits.iter_mut().rev() {
        *d = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(x % 36) as usize];
        x /= 36;
    }
    format!(
        "TICK-{}-{:08X}",
        String::from_utf8_lossy(&digits),
        (n & 0xFFFF_FFFF) as u32
    )
}

pub async fn get(deps: &Deps, ticket_id: &str) -> Res<Option<Ticket>> {
    let item = deps
        .table
        .get(&keys::ticket_pk(ticket_id), keys::TICKET_SK)
        .await?;
    match item {
        None => Ok(None),
        Some(i) => serde_json::from_value(Value::Object(i))
            .map(Some)
            .map_err(|e| Fail::Poison(format!("ticket {ticket_id} is unreadable: {e}"))),
    }
}

/// Writes a ticket guarded by its version (absent when version 0); returns it with the new version.
pub async fn save(deps: &Deps, t: &Ticket) -> Res<Ticket> {
    let mut next = t.clone();
    next.version = t.version + 1;
    next.updated_at = teledesk_ports::now_secs();
    let mut item = next.to_item();
    item.insert(VERSION.into(), json!(next.version));
    let cond = if t.version == 0 {
        Condition::Absent
    } else {
        Condition::VersionEquals(t.version)
    };
    match deps.table.put(item, cond).await {
        Ok(()) => Ok(next),
        Err(TableError::ConditionFailed) => Err(Fail::Busy),
        Err(e) => Err(e.into()),
    }
}

/// Counts a message of the ticket (`customer`, `staff`) and returns the new count.
pub async fn count_message(deps: &Deps, ticket_id: &str, side: &str) -> Res<i64> {
    Ok(deps
        .table
        .increment(
            &keys::ticket_pk(ticket_id),
            keys::TICKET_STATS_SK,
            &format!("messages_{side}"),
            1,
        )
        .await?)
}

/// A customer ticket's status follows the conversation: `pending` (waiting for the customer) after
/// staff write to the customer, `open` again when the customer writes. Closed tickets stay closed.
pub async fn note_activity(
    ctx: &Ctx<'_>,
    ticket_id: &str,
    side: &str,
    known: Option<Ticket>,
) -> Res<()> {
    let t = match known.filter(|t| t.ticket_id == ticket_id) {
        Some(t) => t,
        None => match get(ctx.deps, ticket_id).await? {
            Some(t) => t,
            None => return Ok(()),
        },
    };
    let want = if side == "customer" {
        STATUS_OPEN
    } else {
        STATUS_PENDING
    };
    if t.customer.is_none()
        || t.status == want
        || !(t.status == STATUS_OPEN || t.status == STATUS_PENDING)
    {
        return Ok(());
    }
    let mut next = t.clone();
    next.status = want.into();
    let next = save(ctx.deps, &next).await?;
    events::emit(
        ctx.deps,
        events::TICKET_UPDATED,
        &format!("{}#status#{}#{}", next.ticket_id, want, next.version),
        ctx.workspace(),
        ctx.bot_id(),
        json!({"ticket": next.to_json(), "changes": {"status": want}}),
    )
    .await?;
    Ok(())
}

/// When the ticket last saw a message (seconds), from its newest stored message.
pub async fn last_activity(deps: &Deps, ticket_id: &str) -> Res<Option<i64>> {
    let page = deps
        .table
        .query(
            &teledesk_ports::table::Query::gsi1(keys::ticket_messages_gsi(ticket_id))
                .backward()
                .limit(1),
        )
        .await?;
    Ok(page
        .items
        .first()
        .and_then(|m| m.get("date"))
        .and_then(Value::as_i64))
}

/// What a new ticket starts with.
pub struct NewTicket {
    pub ticket_id: String,
    pub chat_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub created_by: Person,
    pub customer: Option<Person>,
    pub previous_ticket_id: Option<String>,
}

/// Creates (or finishes creating) a ticket and its topic. Safe to run again with the same id.
pub async fn create(ctx: &Ctx<'_>, new: NewTicket) -> Res<Ticket> {
    let mut t = match get(ctx.deps, &new.ticket_id).await? {
        // A ticket id belongs to the workspace and bot that made it: never continue another's.
        Some(t) if t.workspace != ctx.workspace() || t.bot_id != ctx.bot_id() => {
            return Err(Fail::Poison(format!(
                "ticket id {} belongs to another workspace or bot",
                new.ticket_id
            )));
        }
        Some(t) => t,
        None => {
            let now = teledesk_ports::now_secs();
            let t = Ticket {
                ticket_id: new.ticket_id.clone(),
                workspace: ctx.workspace().into(),
                bot_id: ctx.bot_id().into(),
                chat_id: new.chat_id,
                thread_id: None,
                title: new.title,
                description: new.description,
                status: STATUS_CREATING.into(),
                priority: "normal".into(),
                created_by: new.created_by,
                customer: new.customer,
                previous_ticket_id: new.previous_ticket_id,
                created_at: teledesk_ports::now_millis(),
                updated_at: now,
                ..Default::default()
            };
            save(ctx.deps, &t).await?
        }
    };
    if t.status != STATUS_CREATING {
        return Ok(t);
    }
    if t.thread_id.is_none() {
        let thread = ctx
            .tg
            .create_forum_topic(t.chat_id, &t.topic_name())
            .await?;
        t.thread_id = Some(thread);
        t = save(ctx.deps, &t).await?;
        tracing::info!(ticket_id = %t.ticket_id, thread, "ticket topic created");
    }
    let thread = t.thread_id;
    let mut ep = endpoints::get(ctx, t.chat_id, thread)
        .await?
        .unwrap_or_else(|| Endpoint::new(ctx.bot_id(), t.chat_id, thread, KIND_TICKET));
    ep.kind = KIND_TICKET.into();
    ep.ticket_id = Some(t.ticket_id.clone());
    ep.title = t.topic_name();
    ep.label = groups::get(ctx.deps, ctx.bot_id(), t.chat_id)
        .await?
        .map(|g| g.title)
        .unwrap_or_else(|| "desk".into());
    if let Some(c) = t.customer.as_ref().and_then(|c| c.chat_id)
        && ep.link_to(c, None).is_none()
    {
        ep.links.push(Link {
            chat_id: c,
            thread_id: None,
            via: VIA_TICKET.into(),
        });
    }
    endpoints::save(ctx, &ep).await?;
    ctx.once(&format!("header#{}", t.ticket_id), || {
        ctx.notify(t.chat_id, thread, header(ctx.workspace_lang(), &t))
    })
    .await?;
    // Events before `open`: a re-run only continues while the ticket is `creating`, so events
    // emitted after it could be lost; their ids are stable, so emitting twice is harmless.
    t.status = STATUS_OPEN.into();
    let cause = t.ticket_id.clone();
    events::emit(
        ctx.deps,
        events::TOPIC_CREATED,
        &cause,
        ctx.workspace(),
        ctx.bot_id(),
        json!({"chat_id": t.chat_id, "thread_id": t.thread_id, "name": t.topic_name(),
               "kind": KIND_TICKET, "ticket_id": t.ticket_id}),
    )
    .await?;
    events::emit(
        ctx.deps,
        events::TICKET_CREATED,
        &cause,
        ctx.workspace(),
        ctx.bot_id(),
        t.to_json(),
    )
    .await?;
    save(ctx.deps, &t).await
}

/// Telegram refused for good to make or use the ticket's topic: the ticket is marked `failed`.
pub async fn abandon(ctx: &Ctx<'_>, ticket_id: &str) -> Res<()> {
    if let Some(mut t) = get(ctx.deps, ticket_id).await?
        && t.status == STATUS_CREATING
    {
        t.status = STATUS_FAILED.into();
        save(ctx.deps, &t).await?;
    }
    Ok(())
}

/// The topic's first message: id, title, who opened it, the description. In the workspace's
/// language: the whole team reads it.
fn header(lang: teledesk_bot::i18n::Lang, t: &Ticket) -> String {
    let mut s = t_in(
        lang,
        "ticket-header",
        &[
            ("ticket", (&t.ticket_id).into()),
            ("title", (&t.title).into()),
            ("priority", (&t.priority).into()),
            ("by", (&t.created_by.name).into()),
        ],
    );
    if let Some(c) = &t.customer {
        s.push('\n');
        s.push_str(&t_in(
            lang,
            "ticket-header-customer",
            &[("user", c.user_id.into()), ("name", (&c.name).into())],
        ));
        if let Some(u) = &c.username {
            s.push_str(&format!(" (@{})", escape(u)));
        }
    }
    if let Some(p) = &t.previous_ticket_id {
        s.push('\n');
        s.push_str(&t_in(
            lang,
            "ticket-header-previous",
            &[("ticket", p.into())],
        ));
    }
    if let Some(d) = &t.description {
        // The whole message must stay under Telegram's 4096 characters.
        let d: String = if d.chars().count() > 3000 {
            d.chars().take(3000).collect::<String>() + "…"
        } else {
            d.clone()
        };
        s.push_str(&format!("\n\n{}", escape(&d)));
    }
    s
}

/// Splits `/create_ticket` arguments into title and description: a quoted title, or the first
/// line, or `title | description`, or all of it as the title.
pub fn split_title(args: &str) -> (String, Option<String>) {
    let args = args.trim();
    let (title, rest) = if let Some(q) = args.strip_prefix('"')
        && let Some(end) = q.find('"')
    {
        (&q[..end], &q[end + 1..])
    } else if let Some((t, d)) = args.split_once('\n') {
        (t, d)
    } else if let Some((t, d)) = args.split_once(" | ") {
        (t, d)
    } else {
        (args, "")
    };
    let rest = rest.trim();
    (
        title.trim().to_owned(),
        (!rest.is_empty()).then(|| rest.to_owned()),
    )
}

/// "Only staff can <action>…", the action a text of the catalog (`action-close-tickets`).
pub fn not_staff(ctx: &Ctx<'_>, action: &str) -> String {
    let action = Arg::Html(t(ctx, action, &[]));
    t(ctx, "not-staff", &[("action", action)])
}

/// `/create_ticket <title> [description]` in a group.
pub async fn on_create(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    let (title, description) = split_title(args);
    if title.is_empty() {
        return ctx.reply(m, t(ctx, "create-usage", &[])).await;
    }
    if title.chars().count() > MAX_TITLE {
        return ctx
            .reply(m, t(ctx, "title-too-long", &[("max", MAX_TITLE.into())]))
            .await;
    }
    if !staff::is_staff(ctx.deps, ctx.workspace(), m.from_id()).await? {
        return ctx.reply(m, not_staff(ctx, "action-create-tickets")).await;
    }
    let group = groups::get(ctx.deps, ctx.bot_id(), m.chat_id()).await?;
    let problems = group
        .as_ref()
        .map(|g| g.problems_in(ctx.lang(), &ctx.bot.username))
        .unwrap_or_default();
    if group.is_none() || !problems.is_empty() {
        let text = if group.is_none() {
            t(ctx, "group-not-registered", &[])
        } else {
            t(
                ctx,
                "group-cannot-open",
                &[("problems", Arg::Html(problems.join("\n• ")))],
            )
        };
        return ctx.reply(m, text).await;
    }
    // The ticket id this update uses, recorded so a re-run finishes the same ticket.
    let ticket_id = journal_ticket_id(ctx).await?;
    let new = NewTicket {
        ticket_id,
        chat_id: m.chat_id(),
        title,
        description,
        created_by: Person::of(m),
        customer: None,
        previous_ticket_id: None,
    };
    let ticket_id = new.ticket_id.clone();
    let t = match create(ctx, new).await {
        Ok(t) => t,
        Err(Fail::Telegram(e)) if !e.is_transient() => {
            abandon(ctx, &ticket_id).await?;
            return ctx
                .reply(
                    m,
                    t(ctx, "topic-refused", &[("error", e.to_string().into())]),
                )
                .await;
        }
        Err(e) => return Err(e),
    };
    let text = crate::texts::t(
        ctx,
        "ticket-opened",
        &[
            ("link", Arg::Html(t.link_html())),
            ("title", (&t.title).into()),
        ],
    );
    ctx.reply(m, text).await
}

/// The ticket id chosen by this update (journaled, so a re-run finishes the same ticket).
async fn journal_ticket_id(ctx: &Ctx<'_>) -> Res<String> {
    let id = ctx
        .remember("ticket", || async { Ok(json!(new_ticket_id())) })
        .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// The ticket whose topic the command was sent in, after the staff check; replies and returns
/// None otherwise.
async fn ticket_here(ctx: &Ctx<'_>, m: &Msg<'_>, action: &str) -> Res<Option<Ticket>> {
    let ep = match m.thread() {
        Some(t) => endpoints::get(ctx, m.chat_id(), Some(t)).await?,
        None => None,
    };
    let Some(ticket_id) = ep.and_then(|e| e.ticket_id) else {
        let what = Arg::Html(t(ctx, action, &[]));
        ctx.reply(m, t(ctx, "inside-ticket-topic", &[("action", what)]))
            .await?;
        return Ok(None);
    };
    if !staff::is_staff(ctx.deps, ctx.workspace(), m.from_id()).await? {
        ctx.reply(m, not_staff(ctx, action)).await?;
        return Ok(None);
    }
    match get(ctx.deps, &ticket_id).await? {
        Some(t) => Ok(Some(t)),
        None => {
            ctx.reply(m, t(ctx, "ticket-gone", &[("ticket", (&ticket_id).into())]))
                .await?;
            Ok(None)
        }
    }
}

/// `/close_ticket` inside the ticket's topic.
pub async fn on_close(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let Some(t) = ticket_here(ctx, m, "action-close-tickets").await? else {
        return Ok(());
    };
    if t.status == STATUS_CLOSED && t.closed_by_op != Some(ctx.op) {
        let text = crate::texts::t(
            ctx,
            "ticket-already-closed",
            &[("link", Arg::Html(t.link_html()))],
        );
        return ctx.reply(m, text).await;
    }
    close(ctx, t, &m.from_name()).await
}

/// Closes a ticket: status, topic, the customer's chat (told, and detached so their next message
/// opens a new ticket), and the event. Each step is skipped when already done.
pub async fn close(ctx: &Ctx<'_>, mut t: Ticket, by: &str) -> Res<()> {
    if t.status != STATUS_CLOSED {
        t.status = STATUS_CLOSED.into();
        t.closed_at = Some(teledesk_ports::now_secs());
        t.closed_by_op = Some(ctx.op);
        t = save(ctx.deps, &t).await?;
    }
    if let Some(c) = t.customer.as_ref().and_then(|c| c.chat_id) {
        super::support::detach(ctx, c, &t).await?;
    }
    if let Some(thread) = t.thread_id {
        let notice = crate::texts::t(
            ctx,
            "ticket-closed-notice",
            &[("ticket", (&t.ticket_id).into()), ("by", by.into())],
        );
        ctx.once(&format!("closed-notice#{}", t.ticket_id), || async {
            ctx.notify(t.chat_id, Some(thread), notice)
                .await
                .or_else(ignore_missing_topic)
        })
        .await?;
        match ctx.tg.close_forum_topic(t.chat_id, thread).await {
            Ok(()) | Err(TelegramError::ThreadNotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    events::emit(
        ctx.deps,
        events::TICKET_CLOSED,
        &format!("{}#{}", t.ticket_id, t.closed_at.unwrap_or_default()),
        ctx.workspace(),
        ctx.bot_id(),
        t.to_json(),
    )
    .await?;
    Ok(())
}

fn ignore_missing_topic(e: Fail) -> Res<()> {
    match e {
        Fail::Telegram(TelegramError::ThreadNotFound) => Ok(()),
        e => Err(e),
    }
}

/// `/reopen_ticket` inside the ticket's topic.
pub async fn on_reopen(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let Some(t) = ticket_here(ctx, m, "action-reopen-tickets").await? else {
        return Ok(());
    };
    if t.status != STATUS_CLOSED && t.reopened_by_op != Some(ctx.op) {
        let text = crate::texts::t(
            ctx,
            "ticket-not-closed",
            &[("link", Arg::Html(t.link_html()))],
        );
        return ctx.reply(m, text).await;
    }
    let (tk, moved_on) = reopen(ctx, t).await?;
    let key = if moved_on {
        "ticket-reopened-moved-on"
    } else {
        "ticket-reopened"
    };
    ctx.reply(
        m,
        crate::texts::t(ctx, key, &[("ticket", (&tk.ticket_id).into())]),
    )
    .await
}

/// Reopens a ticket: status, topic, the customer's chat (re-attached unless they have a newer
/// ticket), the event. Returns the ticket and whether the customer had moved on to a newer ticket.
pub async fn reopen(ctx: &Ctx<'_>, mut t: Ticket) -> Res<(Ticket, bool)> {
    if t.status == STATUS_CLOSED {
        t.status = STATUS_OPEN.into();
        t.closed_at = None;
        t.reopened_by_op = Some(ctx.op);
        t = save(ctx.deps, &t).await?;
    }
    if let Some(thread) = t.thread_id {
        match ctx.tg.reopen_forum_topic(t.chat_id, thread).await {
            Ok(()) | Err(TelegramError::ThreadNotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut moved_on = false;
    if let Some(c) = t.customer.as_ref().and_then(|c| c.chat_id)
        && !super::support::reattach(ctx, c, &t).await?
    {
        moved_on = true;
    }
    events::emit(
        ctx.deps,
        events::TICKET_UPDATED,
        &format!("{}#reopen#{}", t.ticket_id, ctx.op),
        ctx.workspace(),
        ctx.bot_id(),
        json!({"ticket": t.to_json(), "changes": {"status": STATUS_OPEN}}),
    )
    .await?;
    Ok((t, moved_on))
}

/// `/priority low|normal|high|urgent` inside the ticket's topic.
pub async fn on_priority(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    let p = args.trim().to_ascii_lowercase();
    if !PRIORITIES.contains(&p.as_str()) {
        return ctx.reply(m, t(ctx, "priority-usage", &[])).await;
    }
    let Some(mut t) = ticket_here(ctx, m, "action-set-priorities").await? else {
        return Ok(());
    };
    if t.priority != p {
        t.priority = p.clone();
        t = save(ctx.deps, &t).await?;
    }
    events::emit(
        ctx.deps,
        events::TICKET_UPDATED,
        &format!("{}#priority#{}", t.ticket_id, ctx.op),
        ctx.workspace(),
        ctx.bot_id(),
        json!({"ticket": t.to_json(), "changes": {"priority": p}}),
    )
    .await?;
    let text = crate::texts::t(
        ctx,
        "priority-set",
        &[("ticket", (&t.ticket_id).into()), ("priority", (&p).into())],
    );
    ctx.reply(m, text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_the_seed() {
        let id = new_ticket_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert_eq!(parts[0], "TICK");
        assert_eq!(parts[1].len(), 8, "{id}");
        assert_eq!(parts[2].len(), 8, "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        );
        assert_ne!(new_ticket_id(), new_ticket_id());
    }

    #[test]
    fn titles_and_descriptions() {
        assert_eq!(split_title("Printer down"), ("Printer down".into(), None));
        assert_eq!(
            split_title("\"Printer down\" it smokes"),
            ("Printer down".into(), Some("it smokes".into()))
        );
        assert_eq!(
            split_title("Printer down\nit smokes\nbadly"),
            ("Printer down".into(), Some("it smokes\nbadly".into()))
        );
        assert_eq!(
            split_title("Printer down | it smokes"),
            ("Printer down".into(), Some("it smokes".into()))
        );
        assert_eq!(split_title("  "), (String::new(), None));
    }

    #[test]
    fn topic_names_fit_telegram() {
        let t = Ticket {
            ticket_id: "TICK-MFUVZYDY-35975E9E".into(),
            title: "x".repeat(200),
            ..Default::default()
        };
        assert_eq!(t.topic_name().chars().count(), 128);
    }
}
