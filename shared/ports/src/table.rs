//! The Table port: DynamoDB semantics over one single table.
//!
//! Items are JSON objects. Every item has the string keys [`PK`] and [`SK`]; an item that also has
//! [`GSI1PK`] and [`GSI1SK`] appears in the one secondary index ([`Index::Gsi1`]). An item whose
//! [`EXPIRES_AT`] (epoch seconds) is in the past is never returned and counts as absent for
//! conditions, even before DynamoDB's TTL sweeper has removed it.

use async_trait::async_trait;
use base64::Engine;
use serde_json::{Map, Value};

pub type Item = Map<String, Value>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
/// The TTL attribute (epoch seconds), configured as the table's TimeToLiveSpecification.
pub const EXPIRES_AT: &str = "expires_at";
/// The attribute [`Condition::VersionEquals`] compares.
pub const VERSION: &str = "version";

/// A write condition on the item currently stored under the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    None,
    /// No live item exists (an expired one counts as absent).
    Absent,
    /// A live item exists.
    Exists,
    /// A live item exists and its [`VERSION`] equals this number.
    VersionEquals(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Primary,
    Gsi1,
}

impl Index {
    /// The (partition, sort) attribute names of this index.
    pub fn keys(self) -> (&'static str, &'static str) {
        match self {
            Index::Primary => (PK, SK),
            Index::Gsi1 => (GSI1PK, GSI1SK),
        }
    }
}

/// Which sort keys of the partition a query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    All,
    Equals(String),
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
}

#[derive(Debug, Clone)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub sort: SortKey,
    /// Ascending sort key order when true.
    pub forward: bool,
    pub limit: usize,
    /// A cursor from a previous [`Page`] of the same query.
    pub cursor: Option<String>,
}

impl Query {
    pub fn partition(partition: impl Into<String>) -> Self {
        Query {
            index: Index::Primary,
            partition: partition.into(),
            sort: SortKey::All,
            forward: true,
            limit: 100,
            cursor: None,
        }
    }
    pub fn gsi1(partition: impl Into<String>) -> Self {
        Query {
            index: Index::Gsi1,
            ..Query::partition(partition)
        }
    }
    pub fn sort(mut self, sort: SortKey) -> Self {
        self.sort = sort;
        self
    }
    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// One page of a query. `cursor` is `None` when nothing follows; a page may hold fewer than `limit`
/// items (expired items are filtered after the limit is applied, as DynamoDB does) and still have a
/// cursor, and the last page may be empty.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub cursor: Option<String>,
}

/// One write of an all-or-nothing transaction.
#[derive(Debug, Clone)]
pub enum TxOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    Check {
        pk: String,
        sk: String,
        condition: Condition,
    },
}

impl TxOp {
    pub fn key(&self) -> (&str, &str) {
        match self {
            TxOp::Put { item, .. } => (
                str_attr(item, PK).unwrap_or(""),
                str_attr(item, SK).unwrap_or(""),
            ),
            TxOp::Delete { pk, sk, .. } | TxOp::Check { pk, sk, .. } => (pk, sk),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    #[error("the condition on the write was not met")]
    ConditionFailed,
    /// A transaction was cancelled: a condition failed or two writes contended; nothing was written.
    #[error("the transaction was cancelled; nothing was written")]
    TransactionCanceled,
    #[error("invalid table request: {0}")]
    Invalid(String),
    /// DynamoDB holds at most 400 KB in one item; both adapters refuse a larger one the same way.
    #[error("the item is {0} bytes, over the 400 KB an item may hold")]
    TooLarge(usize),
    #[error("table backend error: {0}")]
    Backend(String),
}

impl From<String> for TableError {
    fn from(s: String) -> Self {
        TableError::Backend(s)
    }
}

#[async_trait]
pub trait Table: Send + Sync {
    /// The live item under (pk, sk).
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, TableError>;
    /// Writes the whole item (it must carry [`PK`] and [`SK`] strings).
    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError>;
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), TableError>;
    async fn query(&self, query: &Query) -> Result<Page, TableError>;
    /// Atomically adds `by` to the number `attr` of (pk, sk), creating item and attribute at 0, and
    /// returns the new value.
    async fn increment(&self, pk: &str, sk: &str, attr: &str, by: i64) -> Result<i64, TableError>;
    /// All writes or none (at most 100, each on a distinct key).
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError>;
}

/// A string attribute of an item.
pub fn str_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(Value::as_str)
}

/// A number attribute of an item.
pub fn int_attr(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(Value::as_i64)
}

/// True when the item carries an [`EXPIRES_AT`] at or before `now` (epoch seconds).
pub fn is_expired(item: &Item, now: i64) -> bool {
    int_attr(item, EXPIRES_AT).is_some_and(|t| t <= now)
}

/// Checks a condition against the item currently stored (already filtered for expiry).
pub fn condition_holds(condition: &Condition, current: Option<&Item>) -> bool {
    match condition {
        Condition::None => true,
        Condition::Absent => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::VersionEquals(v) => current.and_then(|i| int_attr(i, VERSION)) == Some(*v),
    }
}

/// DynamoDB's limit on one item (names and values), 400 KB.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// An item's size as [`validate_item`] counts it: its JSON text, which counts every name and
/// value (and a few quotes and commas more than DynamoDB does, so an item that passes here fits
/// there).
pub fn item_size(item: &Item) -> usize {
    serde_json::to_vec(item).map_or(usize::MAX, |v| v.len())
}

/// Checks that an item to write has string keys, string GSI keys when present, and fits in
/// [`MAX_ITEM_BYTES`].
pub fn validate_item(item: &Item) -> Result<(), TableError> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(TableError::TooLarge(size));
    }
    for key in [PK, SK] {
        match item.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => {
                return Err(TableError::Invalid(format!(
                    "item needs a non-empty string `{key}`"
                )));
            }
        }
    }
    let gsi = (item.get(GSI1PK), item.get(GSI1SK));
    match gsi {
        (None, None) | (Some(Value::String(_)), Some(Value::String(_))) => Ok(()),
        _ => Err(TableError::Invalid(format!(
            "`{GSI1PK}` and `{GSI1SK}` must both be strings or both absent"
        ))),
    }
}

/// Encodes a cursor: the key attributes of the last item read, as opaque url-safe text.
pub fn encode_cursor(key: &Map<String, Value>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Value::Object(key.clone()).to_string())
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<Map<String, Value>, TableError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| TableError::Invalid("malformed cursor".into()))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(TableError::Invalid("malformed cursor".into())),
    }
}
