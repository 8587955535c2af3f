//! Domain events on the `events` queue (schema in docs/events.md). Each has a stable `id` derived
//! from what caused it, so a handler that runs twice emits the same id twice and consumers (the
//! webhook fan-out) deliver it once.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use teledesk_ports::queue::{EVENTS, OutMessage, QueueError};

use crate::Deps;

pub const TICKET_CREATED: &str = "ticket.created";
pub const TICKET_UPDATED: &str = "ticket.updated";
pub const TICKET_CLOSED: &str = "ticket.closed";
pub const MESSAGE_SENT: &str = "message.sent";
pub const USER_MENTIONED: &str = "user.mentioned";
pub const TOPIC_CREATED: &str = "topic.created";
pub const ERROR_OCCURRED: &str = "error.occurred";
pub const LEAD_CREATED: &str = "lead.created";
pub const LEAD_UPDATED: &str = "lead.updated";
pub const LEAD_CONVERTED: &str = "lead.converted";
pub const REQUEST_CREATED: &str = "request.created";
pub const REQUEST_PUBLISHED: &str = "request.published";
pub const REQUEST_CLOSED: &str = "request.closed";
pub const REQUEST_CANCELLED: &str = "request.cancelled";
pub const OFFER_CREATED: &str = "offer.created";
pub const OFFER_WITHDRAWN: &str = "offer.withdrawn";
pub const OFFER_ACCEPTED: &str = "offer.accepted";
pub const OFFER_REJECTED: &str = "offer.rejected";

/// Every event type this build emits.
pub const TYPES: &[&str] = &[
    TICKET_CREATED,
    TICKET_UPDATED,
    TICKET_CLOSED,
    MESSAGE_SENT,
    USER_MENTIONED,
    TOPIC_CREATED,
    ERROR_OCCURRED,
    LEAD_CREATED,
    LEAD_UPDATED,
    LEAD_CONVERTED,
    REQUEST_CREATED,
    REQUEST_PUBLISHED,
    REQUEST_CLOSED,
    REQUEST_CANCELLED,
    OFFER_CREATED,
    OFFER_WITHDRAWN,
    OFFER_ACCEPTED,
    OFFER_REJECTED,
];

/// The stable id of the event of type `kind` caused by `cause` (e.g. a ticket id and an update id).
pub fn event_id(kind: &str, cause: &str) -> String {
    let digest = Sha256::digest(format!("{kind}|{cause}").as_bytes());
    format!("evt_{}", &hex::encode(digest)[..32])
}

/// The event envelope.
pub fn envelope(kind: &str, cause: &str, workspace: &str, bot_id: &str, data: Value) -> Value {
    json!({
        "id": event_id(kind, cause),
        "type": kind,
        "created_at": teledesk_ports::now_millis(),
        "workspace": workspace,
        "bot_id": bot_id,
        "data": data,
    })
}

/// Puts an event on the `events` queue.
pub async fn emit(
    deps: &Deps,
    kind: &str,
    cause: &str,
    workspace: &str,
    bot_id: &str,
    data: Value,
) -> Result<(), QueueError> {
    let event = envelope(kind, cause, workspace, bot_id, data);
    tracing::info!(event_id = %event["id"], event_type = kind, "event emitted");
    deps.queue
        .send(EVENTS, vec![OutMessage::new(event.to_string())])
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(super::event_id("a", "1"), super::event_id("a", "1"));
        assert_ne!(super::event_id("a", "1"), super::event_id("b", "1"));
        assert_eq!(super::event_id("a", "1").len(), 36);
    }
}
