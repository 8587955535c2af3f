//! Queueing work on the `jobs` queue (slow or retried work). A job is JSON with a `kind` and the
//! `bot_id` it works for; a capability declares the kinds it runs ([`crate::router::JobSpec`]) and
//! the jobs consumer (in the app's wiring) hands each job to its capability.
//!
//! Every job has a `job_id` ([`queue`] gives one), and its handlers run with the operation number
//! of that id ([`job_op`]): the journal (`Ctx::remember`, `Ctx::once`) and the event ids are the
//! job's, so a re-delivered job finds what its first run did and sends nothing twice.

use std::time::Duration;

use serde_json::{Value, json};
use teledesk_ports::queue::{JOBS, OutMessage, QueueError};

use crate::Deps;
use crate::batch::Record;

/// Queues a job, giving it a random `job_id` unless it carries one.
pub async fn queue(deps: &Deps, job: Value) -> Result<(), QueueError> {
    queue_after(deps, job, Duration::ZERO).await
}

/// [`queue`] with a delivery delay (at most 15 minutes).
pub async fn queue_after(deps: &Deps, mut job: Value, delay: Duration) -> Result<(), QueueError> {
    if job.get("job_id").and_then(Value::as_str).is_none() {
        job["job_id"] = json!(format!("job_{}", hex::encode(rand::random::<[u8; 12]>())));
    }
    let mut m = OutMessage::new(job.to_string());
    if !delay.is_zero() {
        m = m.delayed(delay);
    }
    deps.queue.send(JOBS, vec![m]).await
}

/// The operation number a job's handlers run under: from its `job_id`, or for a job queued
/// without one, its queue message id (kept across re-deliveries).
pub fn job_op(job: &Value, record: &Record) -> i64 {
    let id = job["job_id"].as_str().unwrap_or(&record.message_id);
    crate::ctx::op_number("job", &[id])
}
