//! Conversation sessions: one record per (bot, chat, user) holding the capability and flow that
//! own the conversation, the current step and the data collected so far
//! (`USER#<bot>#<user>` / `SESSION#<chat>`, listed through GSI1 `SESSIONS#<bot>`).
//!
//! - Every step is a write conditional on the version read ([`advance`]): two updates of one user
//!   handled by two workers at once make one transition; the other finds the version moved, is
//!   retried (`Busy`) and then handles its message against the new step.
//! - The session records the operation (update) that made its last transition (`last_op`): a
//!   re-delivered update finds it ([`Session::moved_by`]) and makes no second transition.
//! - Each flow sets its idle timeout (default 24 h) as the record's TTL: an expired session is
//!   gone, and the next message is handled as if none existed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use teledesk_ports::table::{Condition, Query, SortKey, TableError};

use crate::ctx::{Ctx, Fail, Res};
use crate::i18n::text;
use crate::msg::Msg;
use crate::record::{self, Record};
use crate::{Deps, keys};

/// A flow's idle timeout unless it sets its own.
pub const DEFAULT_TTL_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub bot_id: String,
    pub chat_id: i64,
    pub user_id: i64,
    /// The capability that owns the conversation (its [`crate::router::Capability::name`]).
    pub capability: String,
    pub flow: String,
    pub flow_version: u32,
    pub step: String,
    #[serde(default)]
    pub data: Value,
    pub version: i64,
    /// The operation (update id) that made the last transition.
    pub last_op: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    /// The idle timeout each step renews.
    pub ttl_secs: i64,
}

impl Record for Session {
    const KIND: &'static str = "session";
    fn key(&self) -> (String, String) {
        (
            keys::user_pk(&self.bot_id, self.user_id),
            keys::session_sk(self.chat_id),
        )
    }
    fn gsi1(&self) -> Option<(String, String)> {
        Some((
            keys::sessions_gsi(&self.bot_id),
            format!("{}#{}", self.user_id, self.chat_id),
        ))
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at)
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
}

impl Session {
    /// Whether this operation made the session's last transition (a re-delivered update).
    pub fn moved_by(&self, ctx: &Ctx<'_>) -> bool {
        self.last_op == ctx.op
    }
}

/// What a flow starts: the owner, the flow, its first step and data, and its idle timeout.
pub struct Start<'a> {
    pub capability: &'a str,
    pub flow: &'a str,
    pub flow_version: u32,
    pub step: &'a str,
    pub data: Value,
    pub ttl_secs: Option<i64>,
}

/// Starts a session in `chat_id` for `user_id`, replacing one the user had there (`replaced`,
/// read by the caller, or none). One conditional write.
pub async fn start(
    ctx: &Ctx<'_>,
    chat_id: i64,
    user_id: i64,
    replaced: Option<&Session>,
    s: Start<'_>,
) -> Res<Session> {
    let now = teledesk_ports::now_secs();
    let ttl = s.ttl_secs.unwrap_or(DEFAULT_TTL_SECS).max(60);
    let new = Session {
        bot_id: ctx.bot_id().to_owned(),
        chat_id,
        user_id,
        capability: s.capability.to_owned(),
        flow: s.flow.to_owned(),
        flow_version: s.flow_version,
        step: s.step.to_owned(),
        data: s.data,
        version: replaced.map_or(1, |r| r.version + 1),
        last_op: ctx.op,
        created_at: now,
        updated_at: now,
        expires_at: now + ttl,
        ttl_secs: ttl,
    };
    let cond = replaced.map_or(Condition::Absent, |r| Condition::VersionEquals(r.version));
    write(ctx.deps, &new, cond).await?;
    Ok(new)
}

/// Moves the session to `step` with `data`, renewing its timeout: one write, conditional on the
/// version read. A session another worker moved meanwhile is `Busy` (retried, then re-read).
pub async fn advance(ctx: &Ctx<'_>, s: &Session, step: &str, data: Value) -> Res<Session> {
    let now = teledesk_ports::now_secs();
    let next = Session {
        step: step.to_owned(),
        data,
        version: s.version + 1,
        last_op: ctx.op,
        updated_at: now,
        expires_at: now + s.ttl_secs,
        ..s.clone()
    };
    write(ctx.deps, &next, Condition::VersionEquals(s.version)).await?;
    Ok(next)
}

/// Ends the session (the flow finished, or was cancelled): deleted if still at the version read.
pub async fn end(deps: &Deps, s: &Session) -> Res<()> {
    let (pk, sk) = s.key();
    match deps
        .table
        .delete(&pk, &sk, Condition::VersionEquals(s.version))
        .await
    {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed) => Err(Fail::Busy),
        Err(e) => Err(e.into()),
    }
}

async fn write(deps: &Deps, s: &Session, cond: Condition) -> Res<()> {
    match deps.table.put(record::to_item(s), cond).await {
        Ok(()) => Ok(()),
        Err(TableError::ConditionFailed) => Err(Fail::Busy),
        Err(e) => Err(e.into()),
    }
}

/// The user's session in a chat, if one is active.
pub async fn get(deps: &Deps, bot_id: &str, chat_id: i64, user_id: i64) -> Res<Option<Session>> {
    let item = deps
        .table
        .get(&keys::user_pk(bot_id, user_id), &keys::session_sk(chat_id))
        .await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

/// `/cancel`: ends the active session and says so; with none, says there is nothing to cancel.
pub async fn cancel(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    match get(ctx.deps, ctx.bot_id(), m.chat_id(), m.from_id()).await? {
        Some(s) => {
            if let Some(cap) = ctx.router.capability(&s.capability) {
                cap.on_session_cancelled(ctx, &s).await?;
            }
            match end(ctx.deps, &s).await {
                Ok(()) | Err(Fail::Busy) => {}
                Err(e) => return Err(e),
            }
            tracing::info!(flow = %s.flow, step = %s.step, "session cancelled");
            ctx.reply(m, text(ctx, "cancel-done", &[])).await
        }
        None => ctx.reply(m, text(ctx, "cancel-nothing", &[])).await,
    }
}

/// Active sessions of a bot, of one user or all (for admins: `teledesk sessions list`).
pub async fn list(deps: &Deps, bot_id: &str, user_id: Option<i64>) -> Res<Vec<Session>> {
    let q = match user_id {
        Some(u) => Query::partition(keys::user_pk(bot_id, u))
            .sort(SortKey::BeginsWith(keys::SESSION_SK_PREFIX.into())),
        None => Query::gsi1(keys::sessions_gsi(bot_id)),
    };
    Ok(record::all(deps.table.as_ref(), q.limit(100)).await?)
}

/// Ends every session of a user with a bot (`teledesk sessions clear --user ID`); how many.
pub async fn clear(deps: &Deps, bot_id: &str, user_id: i64) -> Res<usize> {
    let sessions = list(deps, bot_id, Some(user_id)).await?;
    for s in &sessions {
        let (pk, sk) = s.key();
        deps.table.delete(&pk, &sk, Condition::None).await?;
    }
    Ok(sessions.len())
}
