//! Built-in flows other capabilities run on the scenario engine: a dealer's offer, a dealer's
//! registration. A flow is a scenario shipped in the binary (validated like a published one) whose
//! key starts with `_` (no published scenario may); the conversation is the scenarios
//! capability's own (sessions, buttons, edits, re-deliveries, idle timeouts), and only what a
//! submit makes is the host's: [`Host::submit`] instead of a lead.
//!
//! The capability that owns the entry point (a deep link) starts it with [`start`]; the
//! conversation's `source` carries what it is about (a request's id).

use std::sync::{Arc, LazyLock, RwLock};

use async_trait::async_trait;
use serde_json::{Map, Value};
use teledesk_bot::ctx::{Ctx, Res};

use crate::engine::View;
use crate::store::Published;

/// A submitted built-in conversation.
pub struct Submit<'a> {
    pub chat: i64,
    pub user: i64,
    /// Telegram's `from` of the person.
    pub from: &'a Value,
    /// What the conversation was started about.
    pub source: Option<&'a str>,
    /// The answers on the path taken, by step id.
    pub answers: &'a Map<String, Value>,
    /// The conversation's id (stable across re-deliveries): what the host's record is named after.
    pub run_id: &'a str,
    pub lang: &'a str,
}

#[async_trait]
pub trait Host: Send + Sync {
    /// The flow (its scenario's key starts with `_`).
    fn flow(&self) -> Arc<Published>;
    /// Makes what the conversation was for; what to say after the turn's views. Runs again on a
    /// re-delivery of the submitting update: each effect must be once (its records by
    /// `run_id`, its messages in the operation's journal).
    async fn submit(&self, ctx: &Ctx<'_>, s: &Submit<'_>) -> Res<Vec<View>>;
}

type Hosts = RwLock<Vec<Arc<dyn Host>>>;

fn hosts() -> &'static Hosts {
    static H: LazyLock<Hosts> = LazyLock::new(Default::default);
    &H
}

/// Registers a built-in flow (again: replaced).
pub fn register(h: Arc<dyn Host>) {
    let key = h.flow().key.clone();
    if let Ok(mut hs) = hosts().write() {
        hs.retain(|x| x.flow().key != key);
        hs.push(h);
    }
}

pub fn host(key: &str) -> Option<Arc<dyn Host>> {
    if !key.starts_with('_') {
        return None;
    }
    hosts()
        .read()
        .ok()?
        .iter()
        .find(|h| h.flow().key == key)
        .cloned()
}

/// A built-in flow from its scenario (JSON): validated as a published one would be (under its name
/// without the leading `_`), then keyed `_<name>`.
pub fn builtin(name: &str, scenario: &str) -> Result<Published, String> {
    let mut v: Value = serde_json::from_str(scenario).map_err(|e| e.to_string())?;
    v["key"] = Value::String(name.to_owned());
    let mut sc = crate::validate::validate(&v).map_err(|ps| {
        ps.iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    sc.key = format!("_{name}");
    Ok(Published {
        workspace: String::new(),
        key: sc.key.clone(),
        version: 1,
        scenario: sc,
        sha256: String::new(),
        published_at: 0,
        published_by: "built in".into(),
    })
}

/// Starts the built-in flow `key` for the person in `chat` (over any conversation they are in,
/// which is cancelled). `card`: a message of the bot to edit into the first question.
pub async fn start(
    ctx: &Ctx<'_>,
    chat: i64,
    user: i64,
    from: &Value,
    key: &str,
    source: &str,
    card: Option<i32>,
) -> Res<()> {
    let Some(h) = host(key) else {
        return Err(teledesk_bot::ctx::Fail::Poison(format!(
            "no built-in flow {key}"
        )));
    };
    crate::begin_hosted(ctx, chat, user, from, &h.flow(), source, card).await
}
