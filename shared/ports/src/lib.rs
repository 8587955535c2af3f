//! The ports Teledesk's domain talks to. Nothing here names an AWS crate: the same domain code runs on
//! the AWS adapters (`teledesk-aws`) and on the embedded adapters (`teledesk-embedded`), and one
//! conformance suite (in `tests/`) proves the two behave alike.

pub mod files;
pub mod queue;
pub mod table;

pub use files::{Files, FilesError};
pub use queue::{OutMessage, Queue, QueueError, QueueSpec, Received};
pub use table::{Condition, Index, Item, Page, Query, SortKey, Table, TableError, TxOp};

/// Seconds since the Unix epoch, the unit of every TTL attribute.
pub fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
