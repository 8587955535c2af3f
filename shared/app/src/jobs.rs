//! The `jobs` queue: slow or retried work. A job is JSON with a `kind` and the `bot_id` it works
//! for:
//! - `attachment.fetch`: download a message's attachment into the file store;
//! - `album.relay`: copy a collected album to the linked endpoints;
//! - `admin.notice`: tell the workspace's admin chat something ([`crate::admin_chat`]);
//! - `channel.sync`: a sync run of a channel source asked for through the API ([`crate::catalog`]);
//! - `webhook.recover`: a page-by-page recovery of an endpoint's failed deliveries
//!   ([`crate::webhooks::run_recovery`]).
//!
//! A job of a kind this build does not know, or for an unknown bot, is a poison message: it fails
//! until the redrive parks it in `jobs-dlq`, never silently dropped.
//!
//! Every job has a `job_id` ([`queue`] gives one), and its handlers run with the operation number
//! of that id: the journal (`Ctx::remember`, `Ctx::once`) and the event ids are the job's, so a
//! re-delivered job finds what its first run did and sends nothing twice. A job whose cause has a
//! natural id (the message an attachment belongs to) is queued under it, so even the same job
//! queued twice has one effect.

use std::time::Duration;

use serde_json::{Value, json};
use teledesk_ports::queue::{JOBS, OutMessage, QueueError};

use crate::batch::{self, Outcome, Record};
use crate::desk::{self, Ctx, attachments, relay};
use crate::{Deps, admin_chat, bots};

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
    desk::op_number("job", &[id])
}

pub async fn process_jobs(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    batch::run(deps.queue.as_ref(), JOBS, records, |r| handle_job(deps, r)).await
}

async fn handle_job(deps: &Deps, record: Record) -> Outcome {
    let job: Value = match serde_json::from_str(&record.body) {
        Ok(v) => v,
        Err(e) => return Outcome::Poison(format!("job is not JSON: {e}")),
    };
    let Some(kind) = job.get("kind").and_then(Value::as_str) else {
        return Outcome::Poison("job without a kind".into());
    };
    if kind == crate::catalog::sync::JOB_SYNC {
        return run_sync_job(deps, &job).await;
    }
    if kind == crate::webhooks::JOB_RECOVER {
        return crate::webhooks::run_recovery(deps, &job).await;
    }
    if ![
        attachments::JOB_FETCH,
        relay::JOB_ALBUM,
        admin_chat::JOB_NOTICE,
    ]
    .contains(&kind)
    {
        return Outcome::Poison(format!("no handler for job kind `{kind}`"));
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
    let ctx = Ctx {
        deps,
        bot: &bot,
        tg: deps.telegram.connect(&bot.token),
        op: job_op(&job, &record),
    };
    let r = match kind {
        attachments::JOB_FETCH => attachments::run_fetch(&ctx, &job).await,
        admin_chat::JOB_NOTICE => admin_chat::run_notice(&ctx, &job).await,
        _ => relay::run_album_job(&ctx, &job).await,
    };
    desk::outcome(r)
}

/// `channel.sync` (`workspace`, `source_id`, `mode`: a [`crate::catalog::sync::Mode`], `notify`).
/// The run's outcome is recorded on the source; a source held by another run is retried shortly; a
/// source that is gone ends the job.
async fn run_sync_job(deps: &Deps, job: &Value) -> Outcome {
    use crate::catalog::{self, sync};
    let (Some(workspace), Some(source_id)) = (job["workspace"].as_str(), job["source_id"].as_str())
    else {
        return Outcome::Poison("channel.sync needs workspace and source_id".into());
    };
    let mode: sync::Mode = match serde_json::from_value(job["mode"].clone()) {
        Ok(m) => m,
        Err(e) => return Outcome::Poison(format!("channel.sync has no valid mode: {e}")),
    };
    let source = match catalog::get_source(deps, workspace, source_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Outcome::Done,
        Err(e) => {
            tracing::warn!(error = %e, "table error; the sync job will be retried");
            return Outcome::Retry { after: None };
        }
    };
    let fetcher = deps.config.preview();
    match sync::run(deps, fetcher, &source, mode.clone(), &|_, _| {}).await {
        Ok(r) if r.status == "busy" => Outcome::Retry {
            after: Some(std::time::Duration::from_secs(30)),
        },
        Ok(r) => {
            let notify = job["notify"].as_bool() == Some(true);
            let mut so_far: sync::SoFar =
                serde_json::from_value(job["so_far"].clone()).unwrap_or_default();
            so_far.add(&r);
            for w in &r.warnings {
                tracing::warn!(source_id = %source.id, warning = %w, "channel sync");
            }
            if let Some(next) = &r.next {
                // Out of time: a new job continues (and tells the admin chat at the end).
                if let Err(e) = sync::queue_continuation(deps, &source, next, notify, &so_far).await
                {
                    tracing::warn!(error = %e, "continuation not queued; the job will be retried");
                    return Outcome::Retry { after: None };
                }
                return Outcome::Done;
            }
            if notify {
                // The summary covers the whole chain of runs.
                let mut whole = r.clone();
                whole.counts = so_far.counts;
                whole.warnings = so_far.warnings;
                let text = crate::catalog::commands::summary(&source, &whole);
                if let Err(e) = crate::admin_chat::notify(deps, workspace, &text).await {
                    tracing::warn!(error = %e, "sync result not posted to the admin chat");
                }
            }
            Outcome::Done
        }
        Err(e) => {
            tracing::warn!(error = %e, "table error; the sync job will be retried");
            Outcome::Retry { after: None }
        }
    }
}
