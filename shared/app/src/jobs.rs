//! The `jobs` queue: slow or retried work. A job is JSON with a `kind` and the `bot_id` it works
//! for:
//! - `attachment.fetch`: download a message's attachment into the file store;
//! - `album.relay`: copy a collected album to the linked endpoints;
//! - `admin.notice`: tell the workspace's admin chat something ([`crate::admin_chat`]);
//! - `channel.sync`: a sync run of a channel source asked for through the API ([`crate::listings`]);
//! - `webhook.recover`: a page-by-page recovery of an endpoint's failed deliveries
//!   ([`crate::webhooks::run_recovery`]).
//!
//! Each kind belongs to the capability that declares it ([`teledesk_bot::router::JobSpec`]); the
//! consumer finds it through the router.
//!
//! A job of a kind this build does not know, or for an unknown bot, is a poison message: it fails
//! until the redrive parks it in `jobs-dlq`, never silently dropped.
//!
//! Every job has a `job_id` ([`queue`] gives one), and its handlers run with the operation number
//! of that id: the journal (`Ctx::remember`, `Ctx::once`) and the event ids are the job's, so a
//! re-delivered job finds what its first run did and sends nothing twice. A job whose cause has a
//! natural id (the message an attachment belongs to) is queued under it, so even the same job
//! queued twice has one effect.

use serde_json::Value;
use teledesk_bot::batch::{self, Outcome, Record};
use teledesk_bot::ctx::{Ctx, outcome};
use teledesk_bot::router::Router;
use teledesk_bot::{Deps, bots};
use teledesk_ports::queue::JOBS;

pub use teledesk_bot::jobs::{job_op, queue, queue_after};

pub async fn process_jobs(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    process_jobs_with(deps, crate::wiring::router(), records).await
}

/// [`process_jobs`] with a router of the caller's (tests add capabilities of their own).
pub async fn process_jobs_with(deps: &Deps, router: &Router, records: Vec<Record>) -> Vec<String> {
    batch::run(deps.queue.as_ref(), JOBS, records, |r| {
        handle_job(deps, router, r)
    })
    .await
}

async fn handle_job(deps: &Deps, router: &Router, record: Record) -> Outcome {
    let job: Value = match serde_json::from_str(&record.body) {
        Ok(v) => v,
        Err(e) => return Outcome::Poison(format!("job is not JSON: {e}")),
    };
    let Some(kind) = job.get("kind").and_then(Value::as_str) else {
        return Outcome::Poison("job without a kind".into());
    };
    let Some((cap, spec)) = router.job(kind) else {
        return Outcome::Poison(format!("no handler for job kind `{kind}`"));
    };
    if !spec.per_bot {
        return cap.on_workspace_job(deps, kind, &job).await;
    }
    let bot_id = job["bot_id"].as_str().unwrap_or_default();
    let bot = match bots::get(deps, bot_id).await {
        Ok(Some(b)) => b,
        Ok(None) => return Outcome::Poison(format!("job for unknown bot `{bot_id}`")),
        Err(e) => {
            tracing::warn!(error = %e, "table error; the job will be retried");
            return Outcome::Retry { after: None };
        }
    };
    let ctx = Ctx::new(deps, router, &bot, job_op(&job, &record));
    outcome(cap.on_job(&ctx, kind, &job).await)
}

/// Queues the periodic sweeps of the capabilities (idle scenario conversations), from the
/// schedule. The job id names the minute, so two ticks in one minute sweep once.
pub async fn queue_sweeps(deps: &Deps) -> Result<(), teledesk_ports::queue::QueueError> {
    let minute = teledesk_ports::now_secs() / 60;
    queue(
        deps,
        serde_json::json!({"kind": crate::scenarios::JOB_SWEEP, "job_id": format!("sweep:{minute}")}),
    )
    .await
}
