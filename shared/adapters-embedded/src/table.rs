use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{
    Connection, OptionalExtension, TransactionBehavior, params_from_iter, types::Value as Sql,
};
use serde_json::{Map, Value};
use teledesk_ports::table::{
    self, Condition, EXPIRES_AT, GSI1PK, GSI1SK, Index, Item, PK, Page, Query, SK, SortKey,
    TableError, TxOp,
};

use crate::db::Db;

/// The Table port on SQLite.
pub struct EmbeddedTable {
    db: Arc<Db>,
}

impl EmbeddedTable {
    pub(crate) fn new(db: Arc<Db>) -> Self {
        EmbeddedTable { db }
    }
}

fn backend(e: rusqlite::Error) -> TableError {
    TableError::Backend(e.to_string())
}

fn parse_body(body: String) -> Result<Item, TableError> {
    match serde_json::from_str(&body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(TableError::Backend(
            "stored item is not a JSON object".into(),
        )),
    }
}

/// The live item under a key, inside the caller's transaction.
fn live(conn: &Connection, pk: &str, sk: &str, now: i64) -> Result<Option<Item>, TableError> {
    let body: Option<String> = conn.prepare_cached("SELECT body FROM items WHERE pk = ?1 AND sk = ?2 AND (expires_at IS NULL OR expires_at > ?3)").map_err(backend)?.query_row(
            rusqlite::params![pk, sk, now],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    body.map(parse_body).transpose()
}

fn write(conn: &Connection, item: &Item) -> Result<(), TableError> {
    let s = |k: &str| table::str_attr(item, k).map(str::to_owned);
    conn.prepare_cached("INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").map_err(backend)?.execute(
        rusqlite::params![
            s(PK),
            s(SK),
            s(GSI1PK),
            s(GSI1SK),
            table::int_attr(item, EXPIRES_AT),
            Value::Object(item.clone()).to_string()
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn remove(conn: &Connection, pk: &str, sk: &str) -> Result<(), TableError> {
    conn.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .map_err(backend)?
        .execute([pk, sk])
        .map_err(backend)?;
    Ok(())
}

fn check(
    conn: &Connection,
    pk: &str,
    sk: &str,
    condition: &Condition,
    now: i64,
) -> Result<bool, TableError> {
    if *condition == Condition::None {
        return Ok(true);
    }
    Ok(table::condition_holds(
        condition,
        live(conn, pk, sk, now)?.as_ref(),
    ))
}

fn query_sync(conn: &Connection, q: &Query) -> Result<Page, TableError> {
    if q.limit == 0 {
        return Err(TableError::Invalid("limit must be at least 1".into()));
    }
    let (pcol, scol) = q.index.keys();
    let now = teledesk_ports::now_secs();
    let mut sql = format!(
        "SELECT body FROM items WHERE {pcol} = ? AND (expires_at IS NULL OR expires_at > ?)"
    );
    let mut args: Vec<Sql> = vec![Sql::Text(q.partition.clone()), Sql::Integer(now)];
    match &q.sort {
        SortKey::All => {}
        SortKey::Equals(v) => {
            sql.push_str(&format!(" AND {scol} = ?"));
            args.push(Sql::Text(v.clone()));
        }
        SortKey::BeginsWith(p) => {
            sql.push_str(&format!(" AND substr({scol}, 1, length(?)) = ?"));
            args.push(Sql::Text(p.clone()));
            args.push(Sql::Text(p.clone()));
        }
        SortKey::Between(lo, hi) => {
            sql.push_str(&format!(" AND {scol} BETWEEN ? AND ?"));
            args.push(Sql::Text(lo.clone()));
            args.push(Sql::Text(hi.clone()));
        }
    }
    let cmp = if q.forward { ">" } else { "<" };
    let dir = if q.forward { "ASC" } else { "DESC" };
    if let Some(cursor) = &q.cursor {
        let key = table::decode_cursor(cursor)?;
        let get = |k: &str| -> Result<Sql, TableError> {
            key.get(k)
                .and_then(Value::as_str)
                .map(|s| Sql::Text(s.to_owned()))
                .ok_or_else(|| TableError::Invalid("cursor does not belong to this query".into()))
        };
        match q.index {
            Index::Primary => {
                sql.push_str(&format!(" AND sk {cmp} ?"));
                args.push(get(SK)?);
            }
            Index::Gsi1 => {
                sql.push_str(&format!(" AND (gsi1sk, pk, sk) {cmp} (?, ?, ?)"));
                args.extend([get(GSI1SK)?, get(PK)?, get(SK)?]);
            }
        }
    }
    match q.index {
        Index::Primary => sql.push_str(&format!(" ORDER BY sk {dir}")),
        Index::Gsi1 => sql.push_str(&format!(" ORDER BY gsi1sk {dir}, pk {dir}, sk {dir}")),
    }
    sql.push_str(" LIMIT ?");
    args.push(Sql::Integer(q.limit as i64 + 1));
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let more = rows.len() > q.limit;
    let mut items = rows
        .into_iter()
        .take(q.limit)
        .map(parse_body)
        .collect::<Result<Vec<_>, _>>()?;
    let cursor = if more {
        let last = items.last_mut().expect("limit >= 1");
        let mut key = Map::new();
        for k in [PK, SK, GSI1PK, GSI1SK] {
            if let Some(v) = last.get(k) {
                key.insert(k.into(), v.clone());
            }
        }
        if q.index == Index::Primary {
            key.remove(GSI1PK);
            key.remove(GSI1SK);
        }
        Some(table::encode_cursor(&key))
    } else {
        None
    };
    items.shrink_to_fit();
    Ok(Page { items, cursor })
}

#[async_trait]
impl table::Table for EmbeddedTable {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, TableError> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.db
            .run(move |conn| live(conn, &pk, &sk, teledesk_ports::now_secs()))
            .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        table::validate_item(&item)?;
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(backend)?;
                let (pk, sk) = (
                    table::str_attr(&item, PK).unwrap_or(""),
                    table::str_attr(&item, SK).unwrap_or(""),
                );
                if !check(&tx, pk, sk, &condition, teledesk_ports::now_secs())? {
                    return Err(TableError::ConditionFailed);
                }
                write(&tx, &item)?;
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), TableError> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(backend)?;
                if !check(&tx, &pk, &sk, &condition, teledesk_ports::now_secs())? {
                    return Err(TableError::ConditionFailed);
                }
                remove(&tx, &pk, &sk)?;
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        let q = query.clone();
        self.db.run(move |conn| query_sync(conn, &q)).await
    }

    async fn increment(&self, pk: &str, sk: &str, attr: &str, by: i64) -> Result<i64, TableError> {
        let (pk, sk, attr) = (pk.to_owned(), sk.to_owned(), attr.to_owned());
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(backend)?;
                let mut item =
                    live(&tx, &pk, &sk, teledesk_ports::now_secs())?.unwrap_or_else(|| {
                        let mut m = Map::new();
                        m.insert(PK.into(), Value::String(pk.clone()));
                        m.insert(SK.into(), Value::String(sk.clone()));
                        m
                    });
                let current = match item.get(&attr) {
                    None => 0,
                    Some(v) => v
                        .as_i64()
                        .ok_or_else(|| TableError::Invalid(format!("`{attr}` is not a number")))?,
                };
                let next = current + by;
                item.insert(attr.clone(), Value::from(next));
                write(&tx, &item)?;
                tx.commit().map_err(backend)?;
                Ok(next)
            })
            .await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError> {
        if ops.is_empty() || ops.len() > 100 {
            return Err(TableError::Invalid(
                "a transaction holds 1 to 100 writes".into(),
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for op in &ops {
            if let TxOp::Put { item, .. } = op {
                table::validate_item(item)?;
            }
            if !keys.insert(op.key()) {
                return Err(TableError::Invalid(
                    "a transaction cannot touch one item twice".into(),
                ));
            }
        }
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(backend)?;
                let now = teledesk_ports::now_secs();
                for op in &ops {
                    let (pk, sk) = op.key();
                    let cond = match op {
                        TxOp::Put { condition, .. }
                        | TxOp::Delete { condition, .. }
                        | TxOp::Check { condition, .. } => condition,
                    };
                    if !check(&tx, pk, sk, cond, now)? {
                        return Err(TableError::TransactionCanceled);
                    }
                }
                for op in &ops {
                    match op {
                        TxOp::Put { item, .. } => write(&tx, item)?,
                        TxOp::Delete { pk, sk, .. } => remove(&tx, pk, sk)?,
                        TxOp::Check { .. } => {}
                    }
                }
                tx.commit().map_err(backend)
            })
            .await
    }
}
