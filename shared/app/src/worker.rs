//! The telegram-worker's work: decode each queued update and route it to the domain handlers.
//!
//! Idempotent: an update whose dedup marker says `done` is skipped, so an SQS re-delivery after a
//! crash between "handled" and "deleted" does nothing twice. An update kind the decoder does not know
//! is kept raw (`RAW#<bot>`) for inspection and acknowledged.

use std::time::Duration;

use frankenstein::types::{ChatType, Message};
use frankenstein::updates::{Update, UpdateContent};
use serde::Deserialize;
use serde_json::{Value, json};
use teledesk_ports::queue::UPDATES;
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, SK, TableError};
use teledesk_telegram::{OutgoingText, Telegram, TelegramError};

use crate::batch::{self, Outcome, Record};
use crate::bots::{self, BotRecord};
use crate::{Deps, commands, ingest, keys};

/// How long unknown raw updates are kept.
pub const RAW_UPDATE_TTL_SECS: i64 = 30 * 24 * 3600;

#[derive(Deserialize)]
struct Envelope {
    bot_id: String,
    update: Value,
}

/// Handles one batch of the `updates` queue; returns the failed message ids.
pub async fn process_updates(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    batch::run(deps.queue.as_ref(), UPDATES, records, |r| {
        handle_record(deps, r)
    })
    .await
}

fn retry_on_table(e: TableError) -> Outcome {
    tracing::warn!(error = %e, "table error; the update will be retried");
    Outcome::Retry { after: None }
}

/// Handles one queued update.
pub async fn handle_record(deps: &Deps, record: Record) -> Outcome {
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
    let outcome = match serde_json::from_value::<Update>(env.update.clone()) {
        Ok(update) => route(deps, &bot, update).await,
        Err(e) => keep_raw(deps, &bot.bot_id, update_id, &env.update, &e.to_string()).await,
    };
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

async fn route(deps: &Deps, bot: &BotRecord, update: Update) -> Outcome {
    match update.content {
        UpdateContent::Message(msg) => on_message(deps, bot, &msg).await,
        _ => Outcome::Done,
    }
}

async fn on_message(deps: &Deps, bot: &BotRecord, msg: &Message) -> Outcome {
    let Some(cmd) = msg.text.as_deref().and_then(commands::parse) else {
        return Outcome::Done;
    };
    if let Some(to) = cmd.addressee
        && !to.eq_ignore_ascii_case(&bot.username)
    {
        return Outcome::Done; // a command for another bot in the group
    }
    let private = msg.chat.type_field == ChatType::Private;
    let text = match cmd.name.as_str() {
        "start" if private => commands::start_private(
            msg.from
                .as_ref()
                .map(|u| u.first_name.as_str())
                .unwrap_or("there"),
        ),
        "start" => commands::start_group(msg.chat.title.as_deref().unwrap_or("this group")),
        "help" => commands::help(),
        other if private || cmd.addressee.is_some() => commands::unknown(other),
        _ => return Outcome::Done, // unknown and not addressed to us: maybe another bot's
    };
    let reply = OutgoingText {
        chat_id: msg.chat.id,
        thread_id: if msg.is_topic_message == Some(true) {
            msg.message_thread_id
        } else {
            None
        },
        text,
        reply_to: (!private).then_some(msg.message_id),
    };
    let tg = deps.telegram.connect(&bot.token);
    send(deps, tg.as_ref(), &bot.bot_id, reply).await
}

/// Sends a reply and turns Telegram's answer into an outcome.
async fn send(deps: &Deps, tg: &dyn Telegram, bot_id: &str, reply: OutgoingText) -> Outcome {
    match tg.send_text(&reply).await {
        Ok(_) => Outcome::Done,
        Err(TelegramError::RateLimited { retry_after }) => {
            tracing::info!(
                chat_id = reply.chat_id,
                retry_after,
                "Telegram flood control; retrying from the queue"
            );
            Outcome::Retry {
                after: Some(Duration::from_secs(retry_after.max(1))),
            }
        }
        Err(TelegramError::Forbidden { description }) => {
            mark_unreachable(deps, bot_id, reply.chat_id, &description).await;
            Outcome::Done
        }
        Err(TelegramError::ThreadNotFound) if reply.thread_id.is_some() => {
            // The topic is gone: answer in the chat itself rather than not at all.
            let general = OutgoingText {
                thread_id: None,
                reply_to: None,
                ..reply
            };
            Box::pin(send(deps, tg, bot_id, general)).await
        }
        Err(TelegramError::Migrated { to_chat_id }) if to_chat_id != reply.chat_id => {
            let moved = OutgoingText {
                chat_id: to_chat_id,
                thread_id: None,
                reply_to: None,
                ..reply
            };
            Box::pin(send(deps, tg, bot_id, moved)).await
        }
        Err(e) if e.is_transient() => {
            tracing::warn!(error = %e, "Telegram call failed; retrying from the queue");
            Outcome::Retry { after: None }
        }
        Err(e) => {
            tracing::warn!(error = %e, chat_id = reply.chat_id, "Telegram refused the reply; not retried");
            Outcome::Done
        }
    }
}

async fn mark_unreachable(deps: &Deps, bot_id: &str, chat_id: i64, why: &str) {
    let mut item = Item::new();
    item.insert(PK.into(), json!(keys::chat_pk(bot_id, chat_id)));
    item.insert(SK.into(), json!(keys::CHAT_SK));
    item.insert("unreachable".into(), json!(true));
    item.insert("unreachable_reason".into(), json!(why));
    item.insert("unreachable_at".into(), json!(teledesk_ports::now_secs()));
    tracing::info!(
        chat_id,
        reason = why,
        "chat unreachable (bot blocked or removed)"
    );
    if let Err(e) = deps.table.put(item, Condition::None).await {
        tracing::warn!(error = %e, "could not record the unreachable chat");
    }
}
