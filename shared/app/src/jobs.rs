//! The `jobs` queue: slow or retried work (attachment downloads, slow sends). A job is JSON with a
//! `kind`; the kinds arrive with the issues that need them. A job of a kind this build does not know
//! is a poison message: it fails until the redrive parks it in `jobs-dlq`, never silently dropped.

use serde_json::Value;
use teledesk_ports::queue::JOBS;

use crate::Deps;
use crate::batch::{self, Outcome, Record};

pub async fn process_jobs(deps: &Deps, records: Vec<Record>) -> Vec<String> {
    batch::run(deps.queue.as_ref(), JOBS, records, |r| async move {
        handle_job(&r)
    })
    .await
}

fn handle_job(record: &Record) -> Outcome {
    let job: Value = match serde_json::from_str(&record.body) {
        Ok(v) => v,
        Err(e) => return Outcome::Poison(format!("job is not JSON: {e}")),
    };
    match job.get("kind").and_then(Value::as_str) {
        Some(kind) => Outcome::Poison(format!("no handler for job kind `{kind}`")),
        None => Outcome::Poison("job without a kind".into()),
    }
}
