//! The `events` queue consumer (webhook-fanout). Domain events are JSON objects with a stable `id`
//! and a `type`; delivery to integrator endpoints arrives with the outbound-webhooks issue. For now
//! each well-formed event is logged and acknowledged; a malformed one is parked in `events-dlq`.

use serde_json::Value;
use teledesk_ports::queue::EVENTS;

use crate::Deps;
use crate::batch::{self, Outcome, Record};

pub async fn process_events(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    batch::run(deps.queue.as_ref(), EVENTS, records, |r| async move {
        handle_event(&r)
    })
    .await
}

fn handle_event(record: &Record) -> Outcome {
    let event: Value = match serde_json::from_str(&record.body) {
        Ok(v) => v,
        Err(e) => return Outcome::Poison(format!("event is not JSON: {e}")),
    };
    match (
        event.get("id").and_then(Value::as_str),
        event.get("type").and_then(Value::as_str),
    ) {
        (Some(id), Some(kind)) => {
            tracing::info!(
                event_id = id,
                event_type = kind,
                "event received; no webhook endpoints yet"
            );
            Outcome::Done
        }
        _ => Outcome::Poison("event needs a string id and type".into()),
    }
}
