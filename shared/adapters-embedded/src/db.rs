use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Notify;

const SCHEMA: &str = r#"
PRAGMA page_size = 1024;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA wal_autocheckpoint = 8000;
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    expires_at INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    group_id TEXT,
    body TEXT NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_messages_by_queue ON queue_messages (queue, seq);
-- A standard queue hands out visible messages by visibility time; the redrive looks only at messages
-- received before. Without these, both scanned the whole queue on every receive.
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at);
CREATE INDEX IF NOT EXISTS queue_messages_receives ON queue_messages (queue, receive_count, visible_at);
CREATE TABLE IF NOT EXISTS queue_dedup (
    queue TEXT NOT NULL,
    dedup_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue, dedup_id)
) WITHOUT ROWID;
"#;

/// One SQLite connection per process, used from blocking tasks; other processes on the same file are
/// kept consistent by SQLite's locking (busy timeout below).
pub(crate) struct Db {
    conn: Mutex<Connection>,
    /// Wakes long-polling receivers of this process when a message is sent.
    pub(crate) sent: Notify,
}

impl Db {
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            conn: Mutex::new(conn),
            sent: Notify::new(),
        })
    }

    /// Runs `f` on the connection, on the calling task. Statements here take microseconds: a
    /// hand-off to a blocking thread cost more than the work (ingest went from 208 to 94 µs per
    /// update, docs/benchmarks.md). Only a write lock held by another process (the CLI) can make a
    /// call wait, for at most the busy timeout.
    pub(crate) async fn run<T, E, F>(self: &Arc<Self>, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<String> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut conn)
    }

    pub(crate) async fn sweep_expired(self: &Arc<Self>) -> Result<usize, String> {
        self.run(|conn| {
            let now_s = teledesk_ports::now_secs();
            let now_ms = teledesk_ports::now_millis();
            let items = conn
                .execute(
                    "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                    [now_s],
                )
                .map_err(|e| e.to_string())?;
            let dedup = conn
                .execute("DELETE FROM queue_dedup WHERE expires_at <= ?1", [now_ms])
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(items + dedup)
        })
        .await
    }
}
