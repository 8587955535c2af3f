//! The `events` queue consumer (webhook-fanout): domain events are fanned out to the workspace's
//! webhook endpoints, and `webhook.attempt` messages post one delivery ([`crate::webhooks`]). A
//! message that is neither is poison and ends in `events-dlq`.

use serde_json::Value;
use teledesk_ports::queue::EVENTS;

use crate::batch::{self, Outcome, Record};
use crate::{Deps, webhooks};

pub async fn process_events(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    batch::run(deps.queue.as_ref(), EVENTS, records, |r| handle(deps, r)).await
}

async fn handle(deps: &Deps, record: Record) -> Outcome {
    let mut msg: Value = match serde_json::from_str(&record.body) {
        Ok(v) => v,
        Err(e) => return Outcome::Poison(format!("event is not JSON: {e}")),
    };
    if msg["kind"] == webhooks::ATTEMPT_KIND {
        return webhooks::attempt(deps, &msg).await;
    }
    match (msg["id"].as_str(), msg["type"].as_str()) {
        (Some(id), Some(kind)) => {
            tracing::info!(event_id = id, event_type = kind, "event received");
            if msg.get("workspace").is_none() {
                msg["workspace"] = Value::from(crate::desk::DEFAULT_WORKSPACE);
            }
            webhooks::fan_out(deps, &msg).await
        }
        _ => Outcome::Poison("event needs a string id and type".into()),
    }
}
