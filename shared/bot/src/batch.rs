//! SQS batch semantics, shared by the Lambdas (SqsEvent in, SqsBatchResponse out) and by `serve`'s
//! in-process consumers, so that both behave alike:
//! - each record is handled on its own; a failure is reported for that record only;
//! - records of one FIFO group run in order, and after a failure the rest of that group fails too
//!   (the queue hands them back in order); groups run concurrently;
//! - a record that cannot be handled now is retried: after `retry_after` when Telegram asked for it,
//!   else with exponential backoff; the records held back behind it in its group are re-timed to the
//!   same moment, so a group waits as long as its head and no longer;
//! - a poison record fails every time and is parked in the dead-letter queue by the queue's redrive;
//! - a handler that panics (a decoder meeting a photo it cannot handle) fails its record as poison,
//!   and the rest of the batch goes on: release builds unwind, and each record is caught.

use std::future::Future;
use std::time::Duration;

use futures::FutureExt;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use teledesk_ports::queue::{Queue, Received};

/// One queue message to handle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub message_id: String,
    /// Absent only in tests: without it a retry delay cannot be set.
    pub receipt: Option<String>,
    pub group_id: Option<String>,
    pub body: String,
    pub receive_count: u32,
}

impl From<Received> for Record {
    fn from(r: Received) -> Self {
        Record {
            message_id: r.message_id,
            receipt: Some(r.receipt),
            group_id: r.group_id,
            body: r.body,
            receive_count: r.receive_count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Try again later: after `after` if given (Telegram's `retry_after`), else after
    /// [`retry_backoff`] of the receive count.
    Retry {
        after: Option<Duration>,
    },
    /// Will never succeed: fail it until the redrive parks it in the dead-letter queue.
    Poison(String),
}

/// Runs `handle` over a batch from `queue` and returns the message ids that failed.
pub async fn run<F, Fut>(
    queue: &dyn Queue,
    queue_name: &str,
    records: Vec<Record>,
    handle: F,
) -> Vec<String>
where
    F: Fn(Record) -> Fut,
    Fut: Future<Output = Outcome>,
{
    // Group records, keeping the order of first appearance and the order within each group.
    let mut groups: Vec<(Option<String>, Vec<Record>)> = Vec::new();
    for r in records {
        let key = r.group_id.clone();
        match groups.iter_mut().find(|(g, _)| key.is_some() && *g == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let handle = &handle;
    let runs = groups.into_iter().map(|(_, recs)| async move {
        let mut failed = Vec::new();
        let mut skipped = Vec::new();
        // Once a record of the group fails, the rest wait for it: when it becomes visible again.
        let mut blocked: Option<Duration> = None;
        for r in recs {
            if let Some(after) = blocked {
                skipped.push((r.message_id.clone(), r.receipt.clone(), after));
                failed.push(r.message_id);
                continue;
            }
            let (id, receipt, count) = (r.message_id.clone(), r.receipt.clone(), r.receive_count);
            let outcome = std::panic::AssertUnwindSafe(handle(r))
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic".into());
                    Outcome::Poison(format!("the handler panicked: {what}"))
                });
            let after = match outcome {
                Outcome::Done => continue,
                Outcome::Retry { after } => after.unwrap_or_else(|| retry_backoff(count)),
                Outcome::Poison(reason) => {
                    tracing::error!(message_id = %id, queue = queue_name, %reason, "poison message; it will be parked in the dead-letter queue");
                    Duration::ZERO
                }
            };
            retime(queue, queue_name, &id, receipt.as_deref(), after).await;
            failed.push(id);
            blocked = Some(after);
        }
        for (id, receipt, after) in skipped {
            retime(queue, queue_name, &id, receipt.as_deref(), after).await;
        }
        failed
    });
    futures::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// How long a record that failed for a passing reason (Telegram 5xx, network, storage) waits before
/// its next try, by the number of receives so far: 5 s, 20 s, 80 s, 320 s, then 15 min. With five
/// receives before the dead-letter queue, an outage of about 7 minutes is ridden out; a longer one
/// parks the updates in the DLQ (alarmed, and redriven after the outage), never drops them.
pub fn retry_backoff(receive_count: u32) -> Duration {
    let exp = receive_count.saturating_sub(1).min(8);
    Duration::from_secs(5u64.saturating_mul(4u64.saturating_pow(exp)))
        .min(teledesk_ports::queue::MAX_DELAY)
}

async fn retime(
    queue: &dyn Queue,
    queue_name: &str,
    id: &str,
    receipt: Option<&str>,
    after: Duration,
) {
    if let Some(receipt) = receipt
        && let Err(e) = queue.set_visibility(queue_name, receipt, after).await
    {
        tracing::warn!(error = %e, message_id = %id, "could not re-time the retry; the visibility timeout applies");
    }
}

/// The records of a Lambda SQS event.
pub fn records_from_sqs(event: SqsEvent) -> Vec<Record> {
    event
        .records
        .into_iter()
        .map(|m| Record {
            message_id: m.message_id.unwrap_or_default(),
            receipt: m.receipt_handle,
            group_id: m.attributes.get("MessageGroupId").cloned(),
            body: m.body.unwrap_or_default(),
            receive_count: m
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1),
        })
        .collect()
}

/// Which logical queue an event source ARN is: a queue's ARN and URL end in the same queue name.
#[derive(Debug, Clone, Default)]
pub struct QueueNames {
    by_name: std::collections::HashMap<String, String>,
}

impl QueueNames {
    /// From logical name → queue URL pairs.
    pub fn new<'a>(urls: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let by_name = urls
            .into_iter()
            .filter_map(|(logical, url)| {
                Some((url.rsplit('/').next()?.to_owned(), logical.to_owned()))
            })
            .collect();
        QueueNames { by_name }
    }

    /// From the `TELEDESK_<NAME>_QUEUE_URL` variables the template sets, read once at start.
    pub fn from_env() -> Self {
        let pairs: Vec<(String, String)> = teledesk_ports::queue::teledesk_queues()
            .into_iter()
            .filter_map(|q| {
                std::env::var(teledesk_ports::queue::queue_url_var(&q.name))
                    .ok()
                    .map(|u| (q.name, u))
            })
            .collect();
        Self::new(pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    }

    pub fn of_arn(&self, arn: &str) -> Option<&str> {
        self.by_name
            .get(arn.rsplit(':').next()?)
            .map(String::as_str)
    }
}

/// A Lambda partial-batch response naming the failed records.
pub fn sqs_response(failed: Vec<String>) -> SqsBatchResponse {
    let mut resp = SqsBatchResponse::default();
    resp.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records without receipts are never re-timed: the queue is not called.
    struct Untouched;

    #[async_trait::async_trait]
    impl Queue for Untouched {
        async fn send(
            &self,
            _: &str,
            _: Vec<teledesk_ports::queue::OutMessage>,
        ) -> Result<(), teledesk_ports::queue::QueueError> {
            unreachable!()
        }
        async fn receive(
            &self,
            _: &str,
            _: usize,
            _: Duration,
            _: Duration,
        ) -> Result<Vec<Received>, teledesk_ports::queue::QueueError> {
            unreachable!()
        }
        async fn ack(&self, _: &str, _: &str) -> Result<(), teledesk_ports::queue::QueueError> {
            unreachable!()
        }
        async fn set_visibility(
            &self,
            _: &str,
            _: &str,
            _: Duration,
        ) -> Result<(), teledesk_ports::queue::QueueError> {
            unreachable!()
        }
    }

    fn record(id: &str, group: Option<&str>) -> Record {
        Record {
            message_id: id.into(),
            group_id: group.map(str::to_owned),
            body: id.into(),
            ..Default::default()
        }
    }

    /// One record whose handler panics fails alone: the others of the batch are handled, the
    /// records behind it in its FIFO group wait for it, and the process goes on.
    #[tokio::test]
    async fn a_panic_fails_its_record_and_not_the_batch() {
        let handled = std::sync::Mutex::new(Vec::new());
        let failed = run(
            &Untouched,
            "jobs",
            vec![
                record("a", Some("g1")),
                record("boom", Some("g1")),
                record("c", Some("g1")),
                record("d", Some("g2")),
                record("e", None),
            ],
            |r| {
                let handled = &handled;
                async move {
                    if r.body == "boom" {
                        panic!("a decoder met a bad photo");
                    }
                    handled.lock().unwrap().push(r.body);
                    Outcome::Done
                }
            },
        )
        .await;
        assert_eq!(failed, ["boom", "c"]);
        let mut done = handled.into_inner().unwrap();
        done.sort();
        assert_eq!(done, ["a", "d", "e"]);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let secs: Vec<u64> = (1..=7).map(|n| retry_backoff(n).as_secs()).collect();
        assert_eq!(secs, [5, 20, 80, 320, 900, 900, 900]);
        assert_eq!(retry_backoff(0).as_secs(), 5);
        assert_eq!(retry_backoff(u32::MAX).as_secs(), 900);
    }
}
