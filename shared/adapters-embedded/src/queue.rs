use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use teledesk_ports::queue::{self, OutMessage, QueueError, QueueSpec, Received};

use crate::db::Db;

/// The Queue port on SQLite, with SQS semantics: visibility timeouts, FIFO groups (one in-flight group
/// at a time, in order), deduplication ids for five minutes per message group (the template's
/// `DeduplicationScope: messageGroup`), delays, and redrive to a dead-letter queue.
pub struct EmbeddedQueue {
    db: Arc<Db>,
    specs: Arc<HashMap<String, QueueSpec>>,
}

impl EmbeddedQueue {
    pub(crate) fn new(db: Arc<Db>, queues: Vec<QueueSpec>) -> Self {
        let specs = queues.into_iter().map(|q| (q.name.clone(), q)).collect();
        EmbeddedQueue {
            db,
            specs: Arc::new(specs),
        }
    }

    fn spec(&self, name: &str) -> Result<QueueSpec, QueueError> {
        self.specs
            .get(name)
            .cloned()
            .ok_or_else(|| QueueError::UnknownQueue(name.into()))
    }

    /// How many messages a queue holds (visible, in flight or delayed).
    pub async fn depth(&self, queue: &str) -> Result<i64, QueueError> {
        let queue = self.spec(queue)?.name;
        self.db
            .run(move |conn| {
                conn.prepare_cached("SELECT COUNT(*) FROM queue_messages WHERE queue = ?1")
                    .map_err(backend)?
                    .query_row([queue], |r| r.get(0))
                    .map_err(backend)
            })
            .await
    }
}

fn backend(e: rusqlite::Error) -> QueueError {
    QueueError::Backend(e.to_string())
}

fn parse_receipt(receipt: &str) -> Result<(i64, i64), QueueError> {
    let bad = || QueueError::Invalid("malformed receipt handle".into());
    let (seq, count) = receipt.split_once('.').ok_or_else(bad)?;
    Ok((
        seq.parse().map_err(|_| bad())?,
        count.parse().map_err(|_| bad())?,
    ))
}

fn receive_sync(
    conn: &mut Connection,
    spec: &QueueSpec,
    max: usize,
    visibility: Duration,
) -> Result<Vec<Received>, QueueError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let now = teledesk_ports::now_millis();
    if let Some((dlq, max_receives)) = &spec.dead_letter {
        // A visible message that has already been received max_receives times is parked, not delivered.
        tx.prepare_cached(
            "UPDATE queue_messages SET queue = ?1, receive_count = 0, visible_at = ?2
             WHERE queue = ?3 AND visible_at <= ?2 AND receive_count >= ?4",
        )
        .map_err(backend)?
        .execute(rusqlite::params![dlq, now, spec.name, max_receives])
        .map_err(backend)?;
    }
    let mut blocked: HashSet<String> = HashSet::new();
    if spec.fifo {
        let mut stmt = tx
            .prepare_cached(
                "SELECT DISTINCT group_id FROM queue_messages
                 WHERE queue = ?1 AND visible_at > ?2 AND receive_count > 0",
            )
            .map_err(backend)?;
        for g in stmt
            .query_map(rusqlite::params![spec.name, now], |r| r.get(0))
            .map_err(backend)?
        {
            blocked.insert(g.map_err(backend)?);
        }
    }
    let mut picked = Vec::new();
    if !spec.fifo {
        // No order to keep: the visible messages, oldest visibility first, straight from the index.
        let mut stmt = tx
            .prepare_cached(
                "SELECT seq, group_id, body, receive_count FROM queue_messages
                 WHERE queue = ?1 AND visible_at <= ?2 ORDER BY visible_at, seq LIMIT ?3",
            )
            .map_err(backend)?;
        let mut rows = stmt
            .query(rusqlite::params![spec.name, now, max as i64])
            .map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            let (seq, group, body, count): (i64, Option<String>, String, i64) = (
                row.get(0).map_err(backend)?,
                row.get(1).map_err(backend)?,
                row.get(2).map_err(backend)?,
                row.get(3).map_err(backend)?,
            );
            picked.push((seq, group, body, count + 1));
        }
    } else {
        let mut stmt = tx
            .prepare_cached(
                "SELECT seq, group_id, body, receive_count, visible_at FROM queue_messages
                 WHERE queue = ?1 ORDER BY seq",
            )
            .map_err(backend)?;
        let mut rows = stmt.query([&spec.name]).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            if picked.len() >= max {
                break;
            }
            let (seq, group, body, count, visible_at): (i64, Option<String>, String, i64, i64) = (
                row.get(0).map_err(backend)?,
                row.get(1).map_err(backend)?,
                row.get(2).map_err(backend)?,
                row.get(3).map_err(backend)?,
                row.get(4).map_err(backend)?,
            );
            let g = group.clone().unwrap_or_default();
            if blocked.contains(&g) {
                continue;
            }
            if visible_at > now {
                // Whatever follows in this group waits behind it.
                blocked.insert(g);
                continue;
            }
            picked.push((seq, group, body, count + 1));
        }
    }
    let until = now + visibility.as_millis() as i64;
    let mut out = Vec::with_capacity(picked.len());
    for (seq, group_id, body, count) in picked {
        tx.prepare_cached(
            "UPDATE queue_messages SET receive_count = ?1, visible_at = ?2 WHERE seq = ?3",
        )
        .map_err(backend)?
        .execute(rusqlite::params![count, until, seq])
        .map_err(backend)?;
        out.push(Received {
            message_id: seq.to_string(),
            receipt: format!("{seq}.{count}"),
            body,
            group_id,
            receive_count: count as u32,
        });
    }
    tx.commit().map_err(backend)?;
    Ok(out)
}

#[async_trait]
impl queue::Queue for EmbeddedQueue {
    async fn send(&self, queue: &str, messages: Vec<OutMessage>) -> Result<(), QueueError> {
        let spec = self.spec(queue)?;
        for m in &messages {
            if spec.fifo {
                if m.group_id.is_none() || m.dedup_id.is_none() {
                    return Err(QueueError::Invalid(
                        "a FIFO queue needs a group id and a deduplication id".into(),
                    ));
                }
                if !m.delay.is_zero() {
                    return Err(QueueError::Invalid(
                        "a FIFO queue takes no per-message delay".into(),
                    ));
                }
            } else if m.delay > queue::MAX_DELAY {
                return Err(QueueError::Invalid("a delay is at most 15 minutes".into()));
            }
        }
        self.db
            .run(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
                let now = teledesk_ports::now_millis();
                for m in &messages {
                    if spec.fifo {
                        // Deduplication per message group, as the template's DeduplicationScope.
                        let dedup = format!(
                            "{}\u{1f}{}",
                            m.group_id.as_deref().unwrap_or_default(),
                            m.dedup_id.as_deref().unwrap_or_default()
                        );
                        let seen: Option<i64> = tx.prepare_cached("SELECT expires_at FROM queue_dedup WHERE queue = ?1 AND dedup_id = ?2 AND expires_at > ?3").map_err(backend)?.query_row(
                                rusqlite::params![spec.name, dedup, now],
                                |r| r.get(0),
                            )
                            .optional()
                            .map_err(backend)?;
                        if seen.is_some() {
                            continue;
                        }
                        tx.prepare_cached("INSERT OR REPLACE INTO queue_dedup (queue, dedup_id, expires_at) VALUES (?1, ?2, ?3)").map_err(backend)?.execute(
                            rusqlite::params![spec.name, dedup, now + queue::DEDUP_WINDOW.as_millis() as i64],
                        )
                        .map_err(backend)?;
                    }
                    tx.prepare_cached("INSERT INTO queue_messages (queue, group_id, body, visible_at, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)").map_err(backend)?.execute(
                        rusqlite::params![
                            spec.name,
                            if spec.fifo { m.group_id.clone() } else { None },
                            m.body,
                            now + m.delay.as_millis() as i64,
                            now
                        ],
                    )
                    .map_err(backend)?;
                }
                tx.commit().map_err(backend)
            })
            .await?;
        self.db.sent.notify_waiters();
        Ok(())
    }

    async fn receive(
        &self,
        queue: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, QueueError> {
        let spec = self.spec(queue)?;
        let max = max.clamp(1, queue::MAX_BATCH);
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.db.sent.notified();
            let s = spec.clone();
            let got = self
                .db
                .run(move |conn| receive_sync(conn, &s, max, visibility))
                .await?;
            let now = Instant::now();
            if !got.is_empty() || now >= deadline {
                return Ok(got);
            }
            // Woken by a send in this process; polled for sends of other processes and for delays.
            let nap = (deadline - now).min(Duration::from_millis(100));
            let _ = tokio::time::timeout(nap, notified).await;
        }
    }

    async fn ack(&self, queue: &str, receipt: &str) -> Result<(), QueueError> {
        let name = self.spec(queue)?.name;
        let (seq, count) = parse_receipt(receipt)?;
        self.db
            .run(move |conn| {
                conn.prepare_cached("DELETE FROM queue_messages WHERE seq = ?1 AND receive_count = ?2 AND queue = ?3").map_err(backend)?.execute(
                    rusqlite::params![seq, count, name],
                )
                .map(|_| ())
                .map_err(backend)
            })
            .await
    }

    async fn set_visibility(
        &self,
        queue: &str,
        receipt: &str,
        timeout: Duration,
    ) -> Result<(), QueueError> {
        let name = self.spec(queue)?.name;
        let (seq, count) = parse_receipt(receipt)?;
        let changed = self
            .db
            .run(move |conn| {
                conn.prepare_cached("UPDATE queue_messages SET visible_at = ?1 WHERE seq = ?2 AND receive_count = ?3 AND queue = ?4").map_err(backend)?.execute(
                    rusqlite::params![teledesk_ports::now_millis() + timeout.as_millis() as i64, seq, count, name],
                )
                .map_err(backend)
            })
            .await?;
        if changed == 0 {
            return Err(QueueError::Invalid(
                "the receipt handle is no longer valid".into(),
            ));
        }
        self.db.sent.notify_waiters();
        Ok(())
    }
}
