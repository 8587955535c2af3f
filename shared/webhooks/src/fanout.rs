//! The `events` queue consumer (webhook-fanout): domain events are fanned out to the workspace's
//! webhook endpoints, and `webhook.attempt` messages post one delivery ([`crate::webhooks`]). A
//! message that is neither is poison and ends in `events-dlq`.

use serde_json::Value;
use teledesk_ports::queue::EVENTS;

use crate as webhooks;
use teledesk_bot::Deps;
use teledesk_bot::batch::{self, Outcome, Record};

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
                msg["workspace"] = Value::from(teledesk_bot::DEFAULT_WORKSPACE);
            }
            webhooks::fan_out(deps, &msg).await
        }
        _ => Outcome::Poison("event needs a string id and type".into()),
    }
}

/// Messages of the `events` queue handled at once by [`pump`].
pub const PUMP_IN_FLIGHT: usize = 64;

/// A long-running consumer of the `events` queue (`serve`, tests): up to `in_flight` messages at
/// once, each acknowledged on its own as soon as it is done. A slow attempt holds one slot, not a
/// batch, so deliveries to other endpoints go on beside it (on Lambda, batches run on separate
/// instances and the per-endpoint flow control of [`webhooks::flow`] does the same job). Returns
/// when `stop` turns true, after the messages in hand are done.
pub async fn pump(
    deps: Deps,
    visibility: std::time::Duration,
    in_flight: usize,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    use std::sync::Arc;
    let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
    while !*stop.borrow() {
        let free = slots.available_permits().min(10);
        if free == 0 {
            // Wait for a slot (or the stop) before asking the queue for more.
            tokio::select! {
                p = slots.clone().acquire_owned() => drop(p),
                _ = stop.changed() => {}
            }
            continue;
        }
        let received = match deps
            .queue
            .receive(
                EVENTS,
                free,
                std::time::Duration::from_millis(500),
                visibility,
            )
            .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(queue = EVENTS, error = %e, "receive failed");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        for m in received {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let deps = deps.clone();
            tokio::spawn(async move {
                let receipt = m.receipt.clone();
                let failed = process_events(&deps, vec![Record::from(m)]).await;
                if failed.is_empty()
                    && let Err(e) = deps.queue.ack(EVENTS, &receipt).await
                {
                    tracing::warn!(queue = EVENTS, error = %e, "ack failed; the message will be seen again");
                }
                drop(permit);
            });
        }
    }
    // Let the messages in hand finish.
    let _ = slots.acquire_many(in_flight as u32).await;
}
