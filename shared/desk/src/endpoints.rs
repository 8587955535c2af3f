//! Conversation endpoints and the links between them.
//!
//! An endpoint is a place messages are written and copied to: a forum topic (a ticket's topic, a
//! `/mention` topic, any topic linked with `/link`) or a customer's private chat. Its `links` say
//! where its messages go. Links are symmetric: linking A and B writes both records in one
//! transaction, each guarded by its version.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use teledesk_ports::table::{Condition, Item, TableError, TxOp};

use super::msg::Msg;
use super::{Ctx, Fail, Res, groups, staff, tickets};
use crate::html::escape;
use crate::keys;
use crate::texts::t;
use teledesk_bot::i18n::Arg;

pub const KIND_TICKET: &str = "ticket";
pub const KIND_MENTION: &str = "mention";
pub const KIND_TOPIC: &str = "topic";
pub const KIND_PRIVATE: &str = "private";

/// Why two endpoints are linked.
pub const VIA_TICKET: &str = "ticket";
pub const VIA_MENTION: &str = "mention";
pub const VIA_LINK: &str = "link";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub via: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub bot_id: String,
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub kind: String,
    /// The ticket this endpoint belongs to (a ticket topic, a mention topic, a customer's chat
    /// while a ticket is open).
    pub ticket_id: Option<String>,
    /// The customer (private) or the mentioned internal user (mention).
    pub user_id: Option<i64>,
    /// Attribution of copies made from here: the group's title, or "customer".
    pub label: String,
    /// The topic's name (to recreate it if it is deleted).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub links: Vec<Link>,
    /// Private chats: `creating` while the first message's ticket is being opened.
    #[serde(default)]
    pub state: String,
    /// The update holding the `creating` claim, and since when.
    #[serde(default)]
    pub claim: Option<i64>,
    #[serde(default)]
    pub claimed_at: i64,
    /// Private chats: the last ticket, for the "previous ticket" link of the next one.
    #[serde(default)]
    pub last_ticket_id: Option<String>,
    #[serde(default)]
    pub unreachable: bool,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub updated_at: i64,
}

impl teledesk_bot::record::Record for Endpoint {
    const KIND: &'static str = "endpoint";
    fn key(&self) -> (String, String) {
        (self.pk(), keys::ENDPOINT_SK.into())
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
}

impl Endpoint {
    pub fn new(bot_id: &str, chat_id: i64, thread_id: Option<i32>, kind: &str) -> Self {
        Endpoint {
            bot_id: bot_id.into(),
            chat_id,
            thread_id,
            kind: kind.into(),
            ..Default::default()
        }
    }

    pub fn pk(&self) -> String {
        keys::endpoint_pk(&self.bot_id, self.chat_id, self.thread_id)
    }

    pub fn link_to(&self, chat_id: i64, thread_id: Option<i32>) -> Option<&Link> {
        self.links
            .iter()
            .find(|l| l.chat_id == chat_id && l.thread_id == thread_id)
    }

    /// The item for a versioned write, and its condition: absent when new, else the version read.
    pub fn write(&self) -> (Item, Condition) {
        let mut next = self.clone();
        next.version = self.version + 1;
        next.updated_at = teledesk_ports::now_secs();
        let item = teledesk_bot::record::to_item(&next);
        let cond = if self.version == 0 {
            Condition::Absent
        } else {
            Condition::VersionEquals(self.version)
        };
        (item, cond)
    }
}

pub async fn get(ctx: &Ctx<'_>, chat_id: i64, thread_id: Option<i32>) -> Res<Option<Endpoint>> {
    let item = ctx
        .deps
        .table
        .get(
            &keys::endpoint_pk(ctx.bot_id(), chat_id, thread_id),
            keys::ENDPOINT_SK,
        )
        .await?;
    match item {
        None => Ok(None),
        Some(i) => serde_json::from_value(Value::Object(i))
            .map(Some)
            .map_err(|e| {
                Fail::Poison(format!(
                    "endpoint {chat_id}/{thread_id:?} is unreadable: {e}"
                ))
            }),
    }
}

/// Writes an endpoint guarded by its version; a concurrent change makes the caller retry.
pub async fn save(ctx: &Ctx<'_>, ep: &Endpoint) -> Res<Endpoint> {
    let (item, cond) = ep.write();
    match ctx.deps.table.put(item, cond).await {
        Ok(()) => Ok(Endpoint {
            version: ep.version + 1,
            ..ep.clone()
        }),
        Err(TableError::ConditionFailed) => Err(Fail::Busy),
        Err(e) => Err(e.into()),
    }
}

/// Links two endpoints both ways and stores both (with any other change made to them) in one
/// transaction.
pub async fn link(ctx: &Ctx<'_>, a: &mut Endpoint, b: &mut Endpoint, via: &str) -> Res<()> {
    if a.link_to(b.chat_id, b.thread_id).is_none() {
        a.links.push(Link {
            chat_id: b.chat_id,
            thread_id: b.thread_id,
            via: via.into(),
        });
    }
    if b.link_to(a.chat_id, a.thread_id).is_none() {
        b.links.push(Link {
            chat_id: a.chat_id,
            thread_id: a.thread_id,
            via: via.into(),
        });
    }
    write_pair(ctx, a, b).await
}

/// Removes the link between two endpoints both ways and stores both in one transaction.
pub async fn unlink(ctx: &Ctx<'_>, a: &mut Endpoint, b: &mut Endpoint) -> Res<()> {
    a.links
        .retain(|l| !(l.chat_id == b.chat_id && l.thread_id == b.thread_id));
    b.links
        .retain(|l| !(l.chat_id == a.chat_id && l.thread_id == a.thread_id));
    write_pair(ctx, a, b).await
}

async fn write_pair(ctx: &Ctx<'_>, a: &mut Endpoint, b: &mut Endpoint) -> Res<()> {
    let (ia, ca) = a.write();
    let (ib, cb) = b.write();
    match ctx
        .deps
        .table
        .transact(vec![
            TxOp::Put {
                item: ia,
                condition: ca,
            },
            TxOp::Put {
                item: ib,
                condition: cb,
            },
        ])
        .await
    {
        Ok(()) => {
            a.version += 1;
            b.version += 1;
            Ok(())
        }
        Err(TableError::TransactionCanceled | TableError::ConditionFailed) => Err(Fail::Busy),
        Err(e) => Err(e.into()),
    }
}

/// The endpoint of a topic, made a plain linkable `topic` if it is not one yet.
async fn topic_endpoint(ctx: &Ctx<'_>, chat_id: i64, thread_id: i32) -> Res<Endpoint> {
    if let Some(ep) = get(ctx, chat_id, Some(thread_id)).await? {
        return Ok(ep);
    }
    let mut ep = Endpoint::new(ctx.bot_id(), chat_id, Some(thread_id), KIND_TOPIC);
    ep.label = groups::get(ctx.deps, ctx.bot_id(), chat_id)
        .await?
        .map(|g| g.title)
        .unwrap_or_default();
    ep.title = crate::texts::t_in(
        ctx.workspace_lang(),
        "topic-default-title",
        &[("thread", thread_id.into())],
    );
    Ok(ep)
}

/// Where `/link` and `/unlink` point: a ticket id, a topic link `https://t.me/c/<id>/<thread>`,
/// or `<chat_id>:<thread_id>`.
pub fn parse_target(arg: &str) -> Option<TargetRef> {
    let arg = arg.trim();
    if arg.starts_with("TICK-") {
        return Some(TargetRef::Ticket(arg.to_owned()));
    }
    if let Some(rest) = arg
        .strip_prefix("https://t.me/c/")
        .or_else(|| arg.strip_prefix("t.me/c/"))
    {
        let mut parts = rest.split('/');
        let internal: i64 = parts.next()?.parse().ok()?;
        let thread: i32 = parts.next()?.parse().ok()?;
        return Some(TargetRef::Topic(-1_000_000_000_000 - internal, thread));
    }
    let (c, t) = arg.split_once(':')?;
    Some(TargetRef::Topic(c.parse().ok()?, t.parse().ok()?))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    Ticket(String),
    Topic(i64, i32),
}

/// The `https://t.me/c/…` link of a topic in a supergroup.
pub fn topic_url(chat_id: i64, thread_id: i32) -> String {
    let internal = -chat_id - 1_000_000_000_000;
    format!("https://t.me/c/{internal}/{thread_id}")
}

/// Checks the sender is staff and the command is inside a topic; else replies and returns None.
async fn staff_in_topic(ctx: &Ctx<'_>, m: &Msg<'_>, action: &str) -> Res<Option<i32>> {
    if !staff::is_staff(ctx.deps, ctx.workspace(), m.from_id()).await? {
        ctx.reply(m, super::tickets::not_staff(ctx, action)).await?;
        return Ok(None);
    }
    match m.thread() {
        Some(t) => Ok(Some(t)),
        None => {
            let action = Arg::Html(t(ctx, action, &[]));
            ctx.reply(m, t(ctx, "inside-topic", &[("action", action)]))
                .await?;
            Ok(None)
        }
    }
}

async fn resolve(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<Option<(i64, i32)>> {
    match parse_target(args) {
        None => {
            ctx.reply(m, t(ctx, "link-usage", &[])).await?;
            Ok(None)
        }
        Some(TargetRef::Ticket(id)) => match tickets::get(ctx.deps, &id).await? {
            Some(tk) if tk.bot_id == ctx.bot_id() && tk.thread_id.is_some() => {
                Ok(Some((tk.chat_id, tk.thread_id.unwrap_or_default())))
            }
            _ => {
                ctx.reply(m, t(ctx, "no-ticket", &[("ticket", (&id).into())]))
                    .await?;
                Ok(None)
            }
        },
        Some(TargetRef::Topic(chat, thread)) => {
            match groups::get(ctx.deps, ctx.bot_id(), chat).await? {
                Some(g) if g.active => Ok(Some((chat, thread))),
                _ => {
                    ctx.reply(m, t(ctx, "link-not-in-group", &[])).await?;
                    Ok(None)
                }
            }
        }
    }
}

/// `/link <target>` inside a topic.
pub async fn on_link(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    let Some(here) = staff_in_topic(ctx, m, "action-link-topics").await? else {
        return Ok(());
    };
    let Some((chat, thread)) = resolve(ctx, m, args).await? else {
        return Ok(());
    };
    if chat == m.chat_id() && thread == here {
        return ctx.reply(m, t(ctx, "link-self", &[])).await;
    }
    let mut a = topic_endpoint(ctx, m.chat_id(), here).await?;
    if a.label.is_empty() {
        a.label = m.chat_title().to_owned();
    }
    let mut b = topic_endpoint(ctx, chat, thread).await?;
    if a.link_to(chat, Some(thread)).is_some() {
        return ctx.reply(m, t(ctx, "link-already", &[])).await;
    }
    link(ctx, &mut a, &mut b, VIA_LINK).await?;
    let there = format!(
        "<a href=\"{}\">{}</a>",
        topic_url(chat, thread),
        escape(&b.label)
    );
    ctx.reply(m, t(ctx, "link-done", &[("there", Arg::Html(there))]))
        .await?;
    let here_html = format!(
        "<a href=\"{}\">{}</a>",
        topic_url(m.chat_id(), here),
        escape(&a.label)
    );
    let notice = t(
        ctx,
        "link-notice",
        &[("here", Arg::Html(here_html)), ("by", m.from_name().into())],
    );
    ctx.notify(chat, Some(thread), notice).await
}

/// `/unlink <target>` inside a topic.
pub async fn on_unlink(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    let Some(here) = staff_in_topic(ctx, m, "action-unlink-topics").await? else {
        return Ok(());
    };
    let Some((chat, thread)) = resolve(ctx, m, args).await? else {
        return Ok(());
    };
    let (Some(mut a), Some(mut b)) = (
        get(ctx, m.chat_id(), Some(here)).await?,
        get(ctx, chat, Some(thread)).await?,
    ) else {
        return ctx.reply(m, t(ctx, "unlink-not-linked", &[])).await;
    };
    if a.link_to(chat, Some(thread)).is_none() {
        return ctx.reply(m, t(ctx, "unlink-not-linked", &[])).await;
    }
    unlink(ctx, &mut a, &mut b).await?;
    ctx.reply(m, t(ctx, "unlink-done", &[])).await?;
    let notice = t(
        ctx,
        "unlink-notice",
        &[("label", (&a.label).into()), ("by", m.from_name().into())],
    );
    ctx.notify(chat, Some(thread), notice).await
}

/// `/links`: where this topic's messages go.
pub async fn on_links(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let ep = get(ctx, m.chat_id(), m.thread()).await?;
    let links = ep.map(|e| e.links).unwrap_or_default();
    if links.is_empty() {
        return ctx.reply(m, t(ctx, "links-none", &[])).await;
    }
    let mut text = t(ctx, "links-title", &[]);
    for l in links {
        let place = match (l.thread_id, l.chat_id > 0) {
            (_, true) => t(ctx, "links-private-chat", &[]),
            (Some(th), false) => t(
                ctx,
                "links-topic",
                &[
                    ("url", topic_url(l.chat_id, th).into()),
                    ("thread", th.into()),
                ],
            ),
            (None, false) => t(ctx, "links-chat", &[("chat", l.chat_id.into())]),
        };
        text.push_str(&format!("\n• {place} ({})", escape(&l.via)));
    }
    ctx.reply(m, text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("https://t.me/c/1234567890/55"),
            Some(TargetRef::Topic(-1001234567890, 55))
        );
        assert_eq!(
            parse_target("https://t.me/c/1234567890/55/77"),
            Some(TargetRef::Topic(-1001234567890, 55))
        );
        assert_eq!(parse_target("-1009:12"), Some(TargetRef::Topic(-1009, 12)));
        assert_eq!(
            parse_target("TICK-ABC-12"),
            Some(TargetRef::Ticket("TICK-ABC-12".into()))
        );
        assert_eq!(parse_target("nonsense"), None);
        assert_eq!(
            topic_url(-1001234567890, 55),
            "https://t.me/c/1234567890/55"
        );
    }
}
