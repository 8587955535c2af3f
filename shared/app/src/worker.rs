//! The telegram-worker's work: decode each queued update and route it to the domain handlers.
//!
//! Idempotent: an update whose dedup marker says `done` is skipped, so an SQS re-delivery after a
//! crash between "handled" and "deleted" does nothing twice. An update kind the decoder does not know
//! is kept raw (`RAW#<bot>`) for inspection and acknowledged.

use serde::Deserialize;
use serde_json::{Value, json};
use teledesk_ports::queue::UPDATES;
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, SK, TableError};

use teledesk_bot::batch::{self, Outcome, Record};
use teledesk_bot::ctx::Ctx;
use teledesk_bot::router::Router;
use teledesk_bot::{Deps, bots, ingest, keys};

/// How long unknown raw updates are kept.
pub const RAW_UPDATE_TTL_SECS: i64 = 30 * 24 * 3600;

#[derive(Deserialize)]
struct Envelope {
    bot_id: String,
    update: Value,
}

/// Handles one batch of the `updates` queue; returns the failed message ids.
pub async fn process_updates(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    process_updates_with(deps, crate::wiring::router(), records).await
}

/// [`process_updates`] with a router of the caller's (tests add capabilities of their own).
pub async fn process_updates_with(
    deps: &Deps,
    router: &Router,
    records: Vec<Record>,
) -> Vec<String> {
    batch::run(deps.queue.as_ref(), UPDATES, records, |r| {
        handle_record_with(deps, router, r)
    })
    .await
}

fn retry_on_table(e: TableError) -> Outcome {
    tracing::warn!(error = %e, "table error; the update will be retried");
    Outcome::Retry { after: None }
}

/// Handles one queued update.
pub async fn handle_record(deps: &Deps, record: Record) -> Outcome {
    handle_record_with(deps, crate::wiring::router(), record).await
}

/// [`handle_record`] with a router of the caller's.
pub async fn handle_record_with(deps: &Deps, router: &Router, record: Record) -> Outcome {
    let env: Envelope = match serde_json::from_str(&record.body) {
        Ok(e) => e,
        Err(e) => return Outcome::Poison(format!("not an update envelope: {e}")),
    };
    let Some(update_id) = env.update.get("update_id").and_then(Value::as_i64) else {
        return Outcome::Poison("update without update_id".into());
    };
    let (marker_pk, marker_sk) = (keys::update_pk(&env.bot_id), keys::update_sk(update_id));
    let marker = match deps.table.get(&marker_pk, &marker_sk).await {
        Ok(m) => m,
        Err(e) => return retry_on_table(e),
    };
    if marker.as_ref().and_then(|m| table::str_attr(m, "state")) == Some("done") {
        tracing::info!(bot_id = %env.bot_id, update_id, "update already handled");
        return Outcome::Done;
    }
    let bot = match bots::get(deps, &env.bot_id).await {
        Ok(Some(b)) if b.enabled => b,
        Ok(_) => {
            tracing::warn!(bot_id = %env.bot_id, update_id, "update for an unknown or disabled bot dropped");
            return Outcome::Done;
        }
        Err(e) => return retry_on_table(e),
    };
    // The desk reads the raw JSON: a typed decoder rejects real updates whenever Telegram and the
    // decoder disagree on a field (frankenstein 0.52 requires `can_send_welcome_messages` in
    // ChatMemberAdministrator, which Bot API 10.1 does not define). Only the kind is checked.
    let outcome = match known_kind(&env.update) {
        Ok(()) => {
            let ctx = Ctx::new(deps, router, &bot, update_id);
            router.handle_update(&ctx, &env.update).await
        }
        Err(why) => keep_raw(deps, &bot.bot_id, update_id, &env.update, &why).await,
    };
    if let Outcome::Retry { after } = outcome {
        return retry_after_attempt(deps, marker, &marker_pk, &marker_sk, after).await;
    }
    if outcome == Outcome::Done {
        let mut done = marker.unwrap_or_default();
        done.insert(PK.into(), json!(marker_pk));
        done.insert(SK.into(), json!(marker_sk));
        done.insert("state".into(), json!("done"));
        done.insert("handled_at".into(), json!(teledesk_ports::now_secs()));
        done.entry(EXPIRES_AT).or_insert(json!(
            teledesk_ports::now_secs() + ingest::UPDATE_DEDUP_TTL_SECS
        ));
        if let Err(e) = deps.table.put(done, Condition::None).await {
            // Handled but not marked: a re-delivery may answer again; better than retrying now.
            tracing::warn!(error = %e, update_id, "could not mark the update handled");
        }
    }
    outcome
}

/// An update that will be retried: its attempts are counted on its dedup marker, and its delay
/// grows with that count — not with the queue's receive count, which also counts the times the
/// update came back unhandled behind a failing one of its conversation (FIFO order), so a message
/// held back in a long outage is neither made to wait nor parked for its neighbours' failures.
/// A retry without a delay of its own (a 5xx, a network or storage error) waits
/// [`batch::retry_backoff`]; one with a delay (Telegram's `retry_after`, 2 s while another worker
/// holds a claim) waits at least that, and at least 1 s doubled per attempt (2 s, 4 s … 15 min), so
/// that a claim left by a dead worker (taken over after 60–120 s) is waited out within a handful
/// of receives, far from the queue's limit.
async fn retry_after_attempt(
    deps: &Deps,
    marker: Option<Item>,
    pk: &str,
    sk: &str,
    after: Option<std::time::Duration>,
) -> Outcome {
    let mut m = marker.unwrap_or_default();
    let attempts = table::int_attr(&m, "attempts").unwrap_or(0) + 1;
    m.insert(PK.into(), json!(pk));
    m.insert(SK.into(), json!(sk));
    m.insert("attempts".into(), json!(attempts));
    m.entry("state").or_insert(json!("queued"));
    m.entry(EXPIRES_AT).or_insert(json!(
        teledesk_ports::now_secs() + ingest::UPDATE_DEDUP_TTL_SECS
    ));
    if let Err(e) = deps.table.put(m, Condition::None).await {
        tracing::warn!(error = %e, "could not count the update's attempt");
    }
    let attempts = attempts.max(1) as u32;
    let wait = match after {
        None => batch::retry_backoff(attempts),
        Some(asked) => {
            let doubling = std::time::Duration::from_secs(1u64 << attempts.min(10))
                .min(teledesk_ports::queue::MAX_DELAY);
            asked.max(doubling)
        }
    };
    Outcome::Retry { after: Some(wait) }
}

/// The update kinds the worker understands, with the object each must carry.
const KNOWN_KINDS: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
];

fn known_kind(update: &Value) -> Result<(), String> {
    let kind = update
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "update_id"))
        .ok_or("an update without content")?;
    if !KNOWN_KINDS.contains(&kind.as_str()) {
        return Err(format!("update kind `{kind}` is not handled"));
    }
    let body = &update[kind.as_str()];
    let chat_ok = kind == "callback_query" || body["chat"]["id"].is_i64();
    if !body.is_object() || !chat_ok {
        return Err(format!("`{kind}` is not an object with a chat"));
    }
    Ok(())
}

async fn keep_raw(deps: &Deps, bot_id: &str, update_id: i64, update: &Value, why: &str) -> Outcome {
    let mut item = Item::new();
    item.insert(PK.into(), json!(keys::raw_update_pk(bot_id)));
    item.insert(SK.into(), json!(keys::update_sk(update_id)));
    item.insert("update".into(), update.clone());
    item.insert("decode_error".into(), json!(why));
    item.insert(
        EXPIRES_AT.into(),
        json!(teledesk_ports::now_secs() + RAW_UPDATE_TTL_SECS),
    );
    match deps.table.put(item, Condition::None).await {
        Ok(()) => {
            tracing::info!(bot_id, update_id, "update kind not understood; kept raw");
            Outcome::Done
        }
        Err(e) => retry_on_table(e),
    }
}
