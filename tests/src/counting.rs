//! A [`Table`] that counts the operations passing through it, for the cost benchmarks ("table
//! operations per synced message"). It also yields to the scheduler before each operation, as a
//! network call would: concurrent handlers then interleave between a read and the write that
//! follows it, so races (two first messages, two claims) really happen in the tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use teledesk_ports::table::Condition;
use teledesk_ports::table::{Item, Page, Query, Table, TableError, TxOp};

#[derive(Default)]
pub struct Counts {
    pub reads: AtomicU64,
    pub writes: AtomicU64,
}

impl Counts {
    /// (reads, writes) so far.
    pub fn get(&self) -> (u64, u64) {
        (
            self.reads.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }
}

/// Writes a test makes fail: a put of an item matching a rule fails (as a storage outage would)
/// while the rule has failures left.
#[derive(Default)]
pub struct Faults {
    puts: std::sync::Mutex<Vec<PutFault>>,
}

type PutFault = (Box<dyn Fn(&Item) -> bool + Send + Sync>, usize);

impl Faults {
    /// The next `times` puts of an item for which `matches` holds fail with a backend error.
    pub fn fail_puts(&self, times: usize, matches: impl Fn(&Item) -> bool + Send + Sync + 'static) {
        self.lock().push((Box::new(matches), times));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PutFault>> {
        self.puts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn put_fails(&self, item: &Item) -> bool {
        let mut rules = self.lock();
        for (matches, left) in rules.iter_mut() {
            if *left > 0 && matches(item) {
                *left -= 1;
                return true;
            }
        }
        false
    }
}

pub struct CountingTable {
    pub inner: Arc<dyn Table>,
    pub counts: Arc<Counts>,
    pub faults: Arc<Faults>,
}

impl CountingTable {
    async fn read(&self) {
        self.counts.reads.fetch_add(1, Ordering::Relaxed);
        tokio::task::yield_now().await;
    }
    async fn write(&self) {
        self.counts.writes.fetch_add(1, Ordering::Relaxed);
        tokio::task::yield_now().await;
    }
}

#[async_trait]
impl Table for CountingTable {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, TableError> {
        self.read().await;
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        self.write().await;
        if self.faults.put_fails(&item) {
            return Err(TableError::Backend("injected by the test".into()));
        }
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), TableError> {
        self.write().await;
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        self.read().await;
        self.inner.query(query).await
    }
    async fn increment(&self, pk: &str, sk: &str, attr: &str, by: i64) -> Result<i64, TableError> {
        self.write().await;
        self.inner.increment(pk, sk, attr, by).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError> {
        self.write().await;
        self.inner.transact(ops).await
    }
}
