//! The update context every handler gets ([`Ctx`]): the process's dependencies, the bot, its
//! Telegram client, the operation it runs for, the exactly-once helpers ([`Ctx::remember`],
//! [`Ctx::once`]), sending that follows migrated groups and refusing chats, and admin checks.
//!
//! Every handler is written to run more than once: each Telegram side effect is recorded (a copy
//! record, a ticket's topic id, a journal entry) before the next, and a re-run skips what is
//! recorded. Flows are described in docs/architecture.md.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use teledesk_ports::queue::QueueError;
use teledesk_ports::table::{Condition, EXPIRES_AT, Item, PK, SK, TableError};
use teledesk_telegram::{OutgoingText, Telegram, TelegramError};

use crate::batch::Outcome;
use crate::bots::BotRecord;
use crate::i18n::Lang;
use crate::msg::Msg;
use crate::router::Router;
use crate::{Deps, keys};

/// How long a per-update journal entry is kept (Telegram re-sends for about a day).
pub const JOURNAL_TTL_SECS: i64 = 48 * 3600;
/// A step claimed by [`Ctx::once`] whose run died is taken over after this long (a send takes
/// seconds; Telegram's own timeout is well under it).
pub const ONCE_LEASE_SECS: i64 = 60;

/// The workspace every bot belongs to until workspaces arrive with the REST API.
pub const DEFAULT_WORKSPACE: &str = "default";

/// What one operation's handlers share: a Telegram update, a job, or an API request.
pub struct Ctx<'a> {
    pub deps: &'a Deps,
    /// The capabilities this process runs (chat migrations and refusals are told to each).
    pub router: &'a Router,
    pub bot: &'a BotRecord,
    pub tg: Arc<dyn Telegram>,
    /// The operation: a Telegram update's id (positive), or for a job and an API request the
    /// [`op_number`] of what identifies it (negative, so never a real update's). It keys the
    /// journal and the event ids, so a re-run of the same operation finds what it did.
    pub op: i64,
    /// The language of the person this operation answers, set by the router from their profile or
    /// Telegram's `language_code`; the workspace default until then ([`Ctx::lang`]).
    lang: std::sync::OnceLock<Lang>,
}

impl<'a> Ctx<'a> {
    pub fn new(deps: &'a Deps, router: &'a Router, bot: &'a BotRecord, op: i64) -> Ctx<'a> {
        Ctx {
            deps,
            router,
            bot,
            tg: deps.telegram.connect(&bot.token),
            op,
            lang: std::sync::OnceLock::new(),
        }
    }

    /// The language texts of this operation are written in: the person's, once the router knows
    /// who is speaking; the workspace's until then.
    pub fn lang(&self) -> Lang {
        self.lang
            .get()
            .copied()
            .unwrap_or(self.deps.config.language)
    }

    /// The workspace's language: for texts the whole team reads (a ticket's header, the admin
    /// chat's notices) and users whose Telegram language is none of ours.
    pub fn workspace_lang(&self) -> Lang {
        self.deps.config.language
    }

    /// Sets the language (once; the router does it when it knows who is speaking).
    pub fn set_lang(&self, lang: Lang) {
        let _ = self.lang.set(lang);
    }
}

/// The operation number of a job (its id) or an API request (workspace, API key and
/// Idempotency-Key): negative, from SHA-256 over the parts, so distinct parts give distinct
/// numbers and the same parts the same one.
pub fn op_number(kind: &str, parts: &[&str]) -> i64 {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(kind.as_bytes());
    for p in parts {
        h.update([0u8]);
        h.update(p.len().to_be_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut n = [0u8; 8];
    n.copy_from_slice(&d[..8]);
    -(i64::from_be_bytes(n) & i64::MAX).max(1)
}

impl Ctx<'_> {
    pub fn bot_id(&self) -> &str {
        &self.bot.bot_id
    }

    /// Whether the sender is an administrator of the message's group (or the group itself,
    /// writing anonymously), as Telegram says now.
    pub async fn is_group_admin(&self, m: &Msg<'_>) -> Res<bool> {
        if m.is_anonymous_admin() {
            return Ok(true);
        }
        self.is_chat_admin(m.chat_id(), m.from_id()).await
    }

    /// Whether `user` is an administrator (or the creator) of `chat`, as Telegram says now.
    pub async fn is_chat_admin(&self, chat: i64, user: i64) -> Res<bool> {
        let member = self.tg.get_chat_member(chat, user).await?;
        Ok(matches!(
            member["status"].as_str(),
            Some("creator" | "administrator")
        ))
    }

    /// Whether `user` may act on the team's buttons in `chat`: staff of the workspace, or an
    /// administrator of the chat.
    pub async fn is_staff_or_chat_admin(&self, chat: i64, user: i64) -> Res<bool> {
        Ok(
            crate::staff::is_staff(self.deps, self.workspace(), user).await?
                || self.is_chat_admin(chat, user).await?,
        )
    }

    pub fn workspace(&self) -> &str {
        &self.bot.workspace
    }

    /// Sends an HTML notice; flood control and outages are retried from the queue, a chat that
    /// refuses the bot is not (the caller's state is already written).
    pub async fn notify(&self, chat_id: i64, thread_id: Option<i32>, html: String) -> Res<()> {
        self.send(OutgoingText::html(chat_id, thread_id, html))
            .await
            .map(|_| ())
    }

    /// Sends a message, following a migrated group once.
    pub async fn send(&self, out: OutgoingText) -> Res<Option<i32>> {
        match self.tg.send_text(&out).await {
            Ok(sent) => Ok(Some(sent.message_id)),
            Err(TelegramError::Migrated { to_chat_id }) if to_chat_id != out.chat_id => {
                self.router
                    .chat_migrated(self, out.chat_id, to_chat_id)
                    .await?;
                let moved = OutgoingText {
                    chat_id: to_chat_id,
                    ..out
                };
                Ok(self
                    .tg
                    .send_text(&moved)
                    .await
                    .map(|s| Some(s.message_id))?)
            }
            Err(TelegramError::Forbidden { description }) => {
                self.router
                    .chat_refused(self, out.chat_id, &description)
                    .await?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The value this operation recorded for `step` in its journal (`OP#<bot>#<op>`), made and
    /// recorded the first time. Recorded after `make` succeeds, so a failure (429) makes it again on
    /// the re-run; two runs racing keep the first record. Steps name the entity they belong to
    /// (`closed-notice#<ticket>`), so one operation touching two entities keeps them apart.
    pub async fn remember<F, Fut>(&self, step: &str, make: F) -> Res<Value>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Res<Value>>,
    {
        let pk = keys::journal_pk(self.bot_id(), self.op);
        let recorded = |item: Option<Item>| item.and_then(|mut i| i.remove("value"));
        if let Some(v) = recorded(self.deps.table.get(&pk, step).await?) {
            return Ok(v);
        }
        let value = make().await?;
        let mut item = Item::new();
        item.insert(PK.into(), json!(pk));
        item.insert(SK.into(), json!(step));
        item.insert("value".into(), value.clone());
        item.insert(
            EXPIRES_AT.into(),
            json!(teledesk_ports::now_secs() + JOURNAL_TTL_SECS),
        );
        match self.deps.table.put(item, Condition::Absent).await {
            Ok(()) => Ok(value),
            Err(TableError::ConditionFailed) => {
                recorded(self.deps.table.get(&pk, step).await?).ok_or(Fail::Busy)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Runs a side effect (a notice) once per operation, also when two runs of the operation race
    /// (a job delivered twice, two workers): the step is claimed in the journal before `f` runs
    /// (a conditional write; the loser is `Busy` and retried, and then finds it done), and marked
    /// done after. A failed `f` releases the claim, so a retry runs it; a claim whose holder died
    /// is taken over after [`ONCE_LEASE_SECS`]. Only a crash between the effect and its mark
    /// repeats it.
    pub async fn once<F, Fut>(&self, step: &str, f: F) -> Res<()>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Res<()>>,
    {
        let pk = keys::journal_pk(self.bot_id(), self.op);
        let now = teledesk_ports::now_secs();
        let current = self.deps.table.get(&pk, step).await?;
        let version = match &current {
            // Done (older records hold `value: true` without a state).
            Some(i) if i.get("state").is_none_or(|s| s == "done") => return Ok(()),
            Some(i) => {
                let claimed = i.get("claimed_at").and_then(Value::as_i64).unwrap_or(0);
                if now - claimed < ONCE_LEASE_SECS {
                    return Err(Fail::Busy);
                }
                i.get(teledesk_ports::table::VERSION)
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
            }
            None => 0,
        };
        let entry = |state: &str, v: i64| {
            let mut item = Item::new();
            item.insert(PK.into(), json!(pk));
            item.insert(SK.into(), json!(step));
            item.insert("state".into(), json!(state));
            item.insert("claimed_at".into(), json!(now));
            item.insert(teledesk_ports::table::VERSION.into(), json!(v));
            item.insert(
                EXPIRES_AT.into(),
                json!(teledesk_ports::now_secs() + JOURNAL_TTL_SECS),
            );
            item
        };
        let claim = if version == 0 {
            Condition::Absent
        } else {
            Condition::VersionEquals(version)
        };
        match self
            .deps
            .table
            .put(entry("running", version + 1), claim)
            .await
        {
            Ok(()) => {}
            Err(TableError::ConditionFailed) => return Err(Fail::Busy),
            Err(e) => return Err(e.into()),
        }
        if let Err(e) = f().await {
            let release = self
                .deps
                .table
                .delete(&pk, step, Condition::VersionEquals(version + 1))
                .await;
            if let Err(r) = release {
                tracing::warn!(error = %r, step, "claim of a failed step not released; it expires");
            }
            return Err(e);
        }
        self.deps
            .table
            .put(entry("done", version + 2), Condition::None)
            .await?;
        Ok(())
    }

    /// A one-line reply to a command message.
    pub async fn reply(&self, m: &Msg<'_>, html: String) -> Res<()> {
        let out = OutgoingText {
            reply_to: (!m.is_private()).then_some(m.message_id()),
            ..OutgoingText::html(m.chat_id(), m.thread(), html)
        };
        match self.send(out.clone()).await {
            Err(Fail::Telegram(TelegramError::ThreadNotFound)) => {
                let general = OutgoingText {
                    thread_id: None,
                    reply_to: None,
                    ..out
                };
                self.send(general).await.map(|_| ())
            }
            r => r.map(|_| ()),
        }
    }
}

/// Why a handler stopped early.
#[derive(Debug)]
pub enum Fail {
    Table(TableError),
    Telegram(TelegramError),
    Queue(QueueError),
    /// Another worker holds what this update needs (e.g. a ticket being created): try again soon.
    Busy,
    /// Not recoverable by retrying.
    Poison(String),
}

impl From<TableError> for Fail {
    fn from(e: TableError) -> Self {
        Fail::Table(e)
    }
}

impl From<QueueError> for Fail {
    fn from(e: QueueError) -> Self {
        Fail::Queue(e)
    }
}

impl From<TelegramError> for Fail {
    fn from(e: TelegramError) -> Self {
        Fail::Telegram(e)
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Table(e) => write!(f, "{e}"),
            Fail::Telegram(e) => write!(f, "{e}"),
            Fail::Queue(e) => write!(f, "{e}"),
            Fail::Busy => f.write_str("busy: another worker holds the record; try again"),
            Fail::Poison(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Fail {}

pub type Res<T> = Result<T, Fail>;

/// What the queue does with an update whose handler ended so.
pub fn outcome(r: Res<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Done,
        Err(Fail::Table(e)) => {
            tracing::warn!(error = %e, "table error; the update will be retried");
            Outcome::Retry { after: None }
        }
        Err(Fail::Queue(e)) => {
            tracing::warn!(error = %e, "queue error; the update will be retried");
            Outcome::Retry { after: None }
        }
        Err(Fail::Busy) => Outcome::Retry {
            after: Some(Duration::from_secs(2)),
        },
        Err(Fail::Poison(why)) => Outcome::Poison(why),
        Err(Fail::Telegram(TelegramError::RateLimited { retry_after })) => {
            tracing::info!(
                retry_after,
                "Telegram flood control; retrying from the queue"
            );
            Outcome::Retry {
                after: Some(Duration::from_secs(retry_after.max(1))),
            }
        }
        Err(Fail::Telegram(e)) if e.is_transient() => {
            tracing::warn!(error = %e, "Telegram call failed; retrying from the queue");
            Outcome::Retry { after: None }
        }
        Err(Fail::Telegram(e)) => {
            tracing::warn!(error = %e, "Telegram refused a call; not retried");
            Outcome::Done
        }
    }
}
