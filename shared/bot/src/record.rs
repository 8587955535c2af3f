//! One record type per item kind, with its conversion to and from a table item written once: a
//! type says its key (and optionally its GSI1 key, expiry and version) and serde does the rest.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use teledesk_ports::table::{
    EXPIRES_AT, GSI1PK, GSI1SK, Item, PK, Query, SK, Table, TableError, VERSION,
};

pub trait Record: Serialize + DeserializeOwned {
    /// What the item is, for errors and logs (`profile`, `session`).
    const KIND: &'static str;
    /// (partition key, sort key).
    fn key(&self) -> (String, String);
    fn gsi1(&self) -> Option<(String, String)> {
        None
    }
    /// Epoch seconds after which the table drops the item.
    fn expires_at(&self) -> Option<i64> {
        None
    }
    /// The number [`teledesk_ports::table::Condition::VersionEquals`] compares.
    fn version(&self) -> Option<i64> {
        None
    }
}

/// The item of a record: its fields, its keys, and the table's own attributes.
pub fn to_item<R: Record>(r: &R) -> Item {
    let mut item = match serde_json::to_value(r) {
        Ok(Value::Object(m)) => m,
        _ => Item::new(),
    };
    let (pk, sk) = r.key();
    item.insert(PK.into(), json!(pk));
    item.insert(SK.into(), json!(sk));
    if let Some((p, s)) = r.gsi1() {
        item.insert(GSI1PK.into(), json!(p));
        item.insert(GSI1SK.into(), json!(s));
    }
    if let Some(t) = r.expires_at() {
        item.insert(EXPIRES_AT.into(), json!(t));
    }
    if let Some(v) = r.version() {
        item.insert(VERSION.into(), json!(v));
    }
    item
}

/// The record an item holds (the key attributes are ignored unless the type has such fields).
pub fn from_item<R: Record>(item: Item) -> Result<R, TableError> {
    serde_json::from_value(Value::Object(item))
        .map_err(|e| TableError::Invalid(format!("not a {} record: {e}", R::KIND)))
}

/// Every record a query finds, page after page (items that are not such a record are skipped).
pub async fn all<R: Record>(table: &dyn Table, query: Query) -> Result<Vec<R>, TableError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = table.query(&query.clone().after(cursor)).await?;
        out.extend(page.items.into_iter().filter_map(|i| from_item(i).ok()));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}
