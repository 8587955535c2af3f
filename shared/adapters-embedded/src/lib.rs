//! Embedded adapters: the whole of Teledesk's storage in one data directory, durable across a kill.
//!
//! - [`EmbeddedTable`] and [`EmbeddedQueue`] share one SQLite database (`teledesk.db`, WAL mode):
//!   every write is an immediate transaction, so `teledesk serve` and the `teledesk` CLI can use the
//!   same data directory at once, and queued, in-flight and delayed messages survive a restart.
//! - [`LocalFiles`] keeps files under `files/` and serves presigned URLs through [`files_router`].
//!
//! SQLite was picked over redb because redb allows one process per database, and the CLI must work on
//! the data directory while `serve` runs.

mod db;
mod files;
mod queue;
mod table;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use files::{LocalFiles, files_router};
pub use queue::EmbeddedQueue;
pub use table::EmbeddedTable;

use teledesk_ports::QueueSpec;

/// All embedded adapters of one data directory.
pub struct Embedded {
    pub table: Arc<EmbeddedTable>,
    pub queue: Arc<EmbeddedQueue>,
    pub files: Arc<LocalFiles>,
    pub data_dir: PathBuf,
    db: Arc<db::Db>,
}

impl Embedded {
    /// Opens (creating if needed) the data directory with the given queues.
    pub fn open(data_dir: &Path, queues: Vec<QueueSpec>) -> std::io::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let db =
            Arc::new(db::Db::open(&data_dir.join("teledesk.db")).map_err(std::io::Error::other)?);
        Ok(Embedded {
            table: Arc::new(EmbeddedTable::new(db.clone())),
            queue: Arc::new(EmbeddedQueue::new(db.clone(), queues)),
            files: Arc::new(LocalFiles::open(&data_dir.join("files"))?),
            data_dir: data_dir.to_path_buf(),
            db,
        })
    }

    /// Deletes expired items and stale deduplication ids, as DynamoDB's TTL sweeper and SQS do.
    /// Reads never see expired items whether or not this has run.
    pub async fn sweep_expired(&self) -> Result<usize, String> {
        self.db.sweep_expired().await
    }
}
