//! `UpdateIngest`: the Telegram webhook's work. Answer fast, store nothing on bad input, accept a
//! re-sent update once, and put every valid update on the FIFO `updates` queue in chat order.

use serde_json::{Value, json};
use teledesk_ports::queue::{OutMessage, UPDATES};
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, SK, TableError};

use crate::{Deps, bots, keys};

/// Telegram's header carrying the webhook secret.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Larger bodies are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Telegram re-sends an update for up to a day; its dedup marker lives twice as long.
pub const UPDATE_DEDUP_TTL_SECS: i64 = 48 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Recorded and queued.
    New,
    /// Seen before: answered 200. Queued again only if it was not yet handled (the FIFO dedup id and
    /// the worker's `done` marker make that copy harmless).
    Duplicate,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IngestError {
    #[error("missing or wrong secret token")]
    Forbidden,
    #[error("unknown or disabled bot")]
    UnknownBot,
    #[error("body larger than 1 MiB")]
    TooLarge,
    #[error("{0}")]
    BadRequest(String),
    /// Storage or queue failed: Telegram should retry (5xx).
    #[error("temporarily unavailable")]
    Unavailable,
}

impl IngestError {
    pub fn status(&self) -> u16 {
        match self {
            IngestError::Forbidden => 403,
            IngestError::UnknownBot => 404,
            IngestError::TooLarge => 413,
            IngestError::BadRequest(_) => 400,
            IngestError::Unavailable => 503,
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> IngestError {
    tracing::error!(error = %e, "update ingest failed");
    IngestError::Unavailable
}

/// A webhook request for `bot_id`, with the secret header's value (if any) and the raw body.
pub async fn handle_webhook(
    deps: &Deps,
    bot_id: &str,
    secret: Option<&[u8]>,
    body: &[u8],
) -> Result<Accepted, IngestError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(IngestError::TooLarge);
    }
    if bot_id.is_empty() || bot_id.len() > 20 || !bot_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IngestError::UnknownBot);
    }
    // Refused requests read nothing per request: the cache of bots and secret hashes answers.
    match deps
        .bot_cache
        .admit(deps, bot_id, secret)
        .await
        .map_err(unavailable)?
    {
        bots::Admission::Admitted => accept(deps, bot_id, body).await,
        bots::Admission::UnknownBot => Err(IngestError::UnknownBot),
        bots::Admission::WrongSecret => Err(IngestError::Forbidden),
    }
}

/// Records and queues one raw update of a bot (the webhook after its checks, and long polling).
pub async fn accept(deps: &Deps, bot_id: &str, raw: &[u8]) -> Result<Accepted, IngestError> {
    let update: Value = serde_json::from_slice(raw)
        .map_err(|e| IngestError::BadRequest(format!("body is not JSON: {e}")))?;
    let update_id = update
        .get("update_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| IngestError::BadRequest("an update needs an integer update_id".into()))?;
    let chat = chat_key(&update);
    let raw = std::str::from_utf8(raw)
        .map_err(|_| IngestError::BadRequest("body is not UTF-8".into()))?;

    let (marker_pk, marker_sk) = (keys::update_pk(bot_id), keys::update_sk(update_id));
    let mut marker = Item::new();
    marker.insert(PK.into(), json!(marker_pk));
    marker.insert(SK.into(), json!(marker_sk));
    marker.insert("state".into(), json!("queued"));
    marker.insert("received_at".into(), json!(teledesk_ports::now_secs()));
    marker.insert(
        EXPIRES_AT.into(),
        json!(teledesk_ports::now_secs() + UPDATE_DEDUP_TTL_SECS),
    );
    let accepted = match deps.table.put(marker, Condition::Absent).await {
        Ok(()) => Accepted::New,
        Err(TableError::ConditionFailed) => {
            // Seen before. Handled: nothing to do. Not yet handled: an earlier attempt may have died
            // between marker and enqueue (or its enqueue failed), so enqueue again; the FIFO dedup id
            // and the worker's `done` check make a second copy harmless, and a lost update impossible.
            let marker = deps
                .table
                .get(&marker_pk, &marker_sk)
                .await
                .map_err(unavailable)?;
            if marker.as_ref().and_then(|m| table::str_attr(m, "state")) == Some("done") {
                tracing::info!(
                    bot_id,
                    update_id,
                    "duplicate update ignored: already handled"
                );
                return Ok(Accepted::Duplicate);
            }
            Accepted::Duplicate
        }
        Err(e) => return Err(unavailable(e)),
    };

    // The raw update is embedded as it came: no re-serialisation, unknown fields kept.
    let body = format!(r#"{{"bot_id":"{bot_id}","update":{raw}}}"#);
    let message = OutMessage::fifo(
        body,
        format!("{bot_id}:{chat}"),
        format!("{bot_id}:{update_id}"),
    );
    // On failure, Telegram's retry finds the marker not `done` and enqueues again (above).
    deps.queue
        .send(UPDATES, vec![message])
        .await
        .map_err(unavailable)?;
    tracing::info!(
        bot_id,
        update_id,
        duplicate = accepted == Accepted::Duplicate,
        "update queued"
    );
    Ok(accepted)
}

/// The conversation an update belongs to, for FIFO ordering: one chat — or, in a forum, one topic
/// — in order, the others in parallel. Topics of a desk are independent conversations: a message
/// held back by flood control in one ticket must not hold back (and use up the receive count of)
/// every other ticket of the desk. Works on any update kind, known or not.
pub fn chat_key(update: &Value) -> String {
    let Some(obj) = update.as_object() else {
        return "none".into();
    };
    for (kind, v) in obj {
        if kind == "update_id" {
            continue;
        }
        let m = if v.get("chat").is_some() {
            v
        } else {
            &v["message"]
        };
        let id = m["chat"]["id"]
            .as_i64()
            .or_else(|| v["from"]["id"].as_i64())
            .or_else(|| v["user"]["id"].as_i64());
        if let Some(id) = id {
            return match m["message_thread_id"].as_i64() {
                Some(t) if m["is_topic_message"] == true => format!("{id}:{t}"),
                _ => id.to_string(),
            };
        }
    }
    "none".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_key_of_known_and_unknown_kinds() {
        assert_eq!(
            chat_key(&json!({"update_id": 1, "message": {"chat": {"id": -100}}})),
            "-100"
        );
        assert_eq!(
            chat_key(
                &json!({"update_id": 1, "callback_query": {"from": {"id": 5}, "message": {"chat": {"id": 7}}}})
            ),
            "7"
        );
        assert_eq!(
            chat_key(&json!({"update_id": 1, "future_kind": {"user": {"id": 9}}})),
            "9"
        );
        assert_eq!(
            chat_key(&json!({"update_id": 1, "future_kind": {"x": 1}})),
            "none"
        );
        assert_eq!(
            chat_key(&json!({"update_id": 1, "message": {"chat": {"id": -100},
                "message_thread_id": 7, "is_topic_message": true}})),
            "-100:7"
        );
        assert_eq!(
            chat_key(&json!({"update_id": 1, "message": {"chat": {"id": -100},
                "message_thread_id": 7}})),
            "-100",
            "a reply thread outside a forum is not a topic"
        );
        assert_eq!(
            chat_key(&json!({"update_id": 1, "future_kind": {"x": 1}})),
            "none"
        );
    }
}
