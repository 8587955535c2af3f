//! The Queue port: SQS semantics. Queues are named logically (`updates`, `events`, `jobs` and their
//! dead-letter queues); each adapter maps a name to its real queue.

use std::time::Duration;

use async_trait::async_trait;

pub const UPDATES: &str = "updates";
pub const EVENTS: &str = "events";
pub const JOBS: &str = "jobs";
pub const UPDATES_DLQ: &str = "updates-dlq";
pub const EVENTS_DLQ: &str = "events-dlq";
pub const JOBS_DLQ: &str = "jobs-dlq";

/// How long a FIFO queue remembers a deduplication id (as SQS does).
pub const DEDUP_WINDOW: Duration = Duration::from_secs(300);
/// The longest delay SQS allows on one message.
pub const MAX_DELAY: Duration = Duration::from_secs(900);
/// SQS's largest batch.
pub const MAX_BATCH: usize = 10;

/// How a queue is set up. The AWS template and the embedded adapter use the same numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    pub name: String,
    pub fifo: bool,
    /// Where a message goes after `max_receives` receives without being acknowledged.
    pub dead_letter: Option<(String, u32)>,
    /// How long a received message stays hidden before it is handed out again.
    pub visibility_timeout: Duration,
    /// How long an unreceived message is kept.
    pub retention: Duration,
}

/// A received message reappears after this long unless acknowledged: six times the worker
/// Lambda's 60 s timeout, as AWS advises for Lambda event sources.
pub const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(360);
/// Working queues keep a message 4 days, dead-letter queues 14 (SQS's maximum).
pub const RETENTION: Duration = Duration::from_secs(4 * 86_400);
pub const DLQ_RETENTION: Duration = Duration::from_secs(14 * 86_400);

impl QueueSpec {
    pub fn new(name: &str, fifo: bool) -> Self {
        QueueSpec {
            name: name.into(),
            fifo,
            dead_letter: None,
            visibility_timeout: VISIBILITY_TIMEOUT,
            retention: if name.ends_with("-dlq") {
                DLQ_RETENTION
            } else {
                RETENTION
            },
        }
    }
    pub fn with_dead_letter(mut self, dlq: &str, max_receives: u32) -> Self {
        self.dead_letter = Some((dlq.into(), max_receives));
        self
    }
}

/// Receives before a message is parked in its dead-letter queue.
pub const MAX_RECEIVES: u32 = 5;
/// The same for the FIFO `updates` queue, which counts more receives than attempts: when a
/// conversation's head fails, the messages queued behind it in the batch come back unhandled (to
/// keep the order), and each such return is a receive. Their retry delays follow the attempts
/// counted on the update's own record instead (`worker`), so 20 receives still park a message that
/// fails every time within seconds, and ride out about four hours of Telegram failing.
pub const MAX_RECEIVES_FIFO: u32 = 20;

/// Teledesk's queues: `updates` is FIFO (one chat in order), `events` and `jobs` standard.
pub fn teledesk_queues() -> Vec<QueueSpec> {
    vec![
        QueueSpec::new(UPDATES, true).with_dead_letter(UPDATES_DLQ, MAX_RECEIVES_FIFO),
        QueueSpec::new(UPDATES_DLQ, true),
        QueueSpec::new(EVENTS, false).with_dead_letter(EVENTS_DLQ, MAX_RECEIVES),
        QueueSpec::new(EVENTS_DLQ, false),
        QueueSpec::new(JOBS, false).with_dead_letter(JOBS_DLQ, MAX_RECEIVES),
        QueueSpec::new(JOBS_DLQ, false),
    ]
}

/// The environment variable holding a logical queue's URL on AWS:
/// `updates-dlq` → `TELEDESK_UPDATES_DLQ_QUEUE_URL`.
pub fn queue_url_var(name: &str) -> String {
    format!(
        "TELEDESK_{}_QUEUE_URL",
        name.to_ascii_uppercase().replace('-', "_")
    )
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutMessage {
    pub body: String,
    /// FIFO queues: messages of one group are delivered in order, one group at a time.
    pub group_id: Option<String>,
    /// FIFO queues: a second message with the same id within [`DEDUP_WINDOW`] is accepted and dropped.
    pub dedup_id: Option<String>,
    /// Standard queues only (SQS refuses per-message delays on FIFO queues); at most [`MAX_DELAY`].
    pub delay: Duration,
}

impl OutMessage {
    pub fn new(body: impl Into<String>) -> Self {
        OutMessage {
            body: body.into(),
            ..Default::default()
        }
    }
    pub fn fifo(
        body: impl Into<String>,
        group_id: impl Into<String>,
        dedup_id: impl Into<String>,
    ) -> Self {
        OutMessage {
            body: body.into(),
            group_id: Some(group_id.into()),
            dedup_id: Some(dedup_id.into()),
            delay: Duration::ZERO,
        }
    }
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    /// Acknowledges or re-times this delivery only; a later delivery has a new receipt.
    pub receipt: String,
    pub body: String,
    pub group_id: Option<String>,
    /// 1 on the first delivery.
    pub receive_count: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    #[error("unknown queue `{0}`")]
    UnknownQueue(String),
    #[error("invalid queue request: {0}")]
    Invalid(String),
    #[error("queue backend error: {0}")]
    Backend(String),
}

impl From<String> for QueueError {
    fn from(s: String) -> Self {
        QueueError::Backend(s)
    }
}

#[async_trait]
pub trait Queue: Send + Sync {
    /// Sends messages (in batches of at most [`MAX_BATCH`] on the wire); all are accepted or an error
    /// is returned.
    async fn send(&self, queue: &str, messages: Vec<OutMessage>) -> Result<(), QueueError>;
    /// Up to `max` visible messages, waiting up to `wait` for the first; each becomes invisible for
    /// `visibility`. A message received more often than its queue's `max_receives` is moved to the
    /// dead-letter queue instead of being returned.
    async fn receive(
        &self,
        queue: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, QueueError>;
    /// Deletes a received message.
    async fn ack(&self, queue: &str, receipt: &str) -> Result<(), QueueError>;
    /// Makes a received message visible again after `timeout` (zero: at once).
    async fn set_visibility(
        &self,
        queue: &str,
        receipt: &str,
        timeout: Duration,
    ) -> Result<(), QueueError>;
}
