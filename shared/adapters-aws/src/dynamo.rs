use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem,
};
use base64::Engine;
use serde_json::{Map, Number, Value};
use teledesk_ports::table::{
    self, Condition, EXPIRES_AT, GSI1PK, GSI1SK, Index, Item, PK, Page, Query, SK, SortKey,
    TableError, TxOp, VERSION,
};

/// The Table port on DynamoDB (one table, key `pk`/`sk`, index `gsi1` on `gsi1pk`/`gsi1sk`, TTL
/// attribute `expires_at`).
#[derive(Clone)]
pub struct DynamoTable {
    client: Client,
    table: String,
}

pub const GSI1_NAME: &str = "gsi1";

impl DynamoTable {
    pub fn new(client: Client, table: String) -> Self {
        DynamoTable { client, table }
    }
}

fn backend<E: ProvideErrorMetadata, R>(e: SdkError<E, R>) -> TableError {
    TableError::Backend(crate::sdk_error_text("DynamoDB", &e))
}

/// JSON → DynamoDB attribute.
pub fn to_attr(v: &Value) -> AttributeValue {
    match v {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(a) => AttributeValue::L(a.iter().map(to_attr).collect()),
        Value::Object(m) => {
            AttributeValue::M(m.iter().map(|(k, v)| (k.clone(), to_attr(v))).collect())
        }
    }
}

/// DynamoDB attribute → JSON (sets become arrays, binaries base64 text).
pub fn from_attr(a: &AttributeValue) -> Value {
    match a {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => n
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                n.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or(Value::Null),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(l) => Value::Array(l.iter().map(from_attr).collect()),
        AttributeValue::M(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), from_attr(v))).collect())
        }
        AttributeValue::Ss(s) => Value::Array(s.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(s) => Value::Array(
            s.iter()
                .map(|n| from_attr(&AttributeValue::N(n.clone())))
                .collect(),
        ),
        AttributeValue::B(b) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
        }
        _ => Value::Null,
    }
}

fn to_item(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_attr(v))).collect()
}

fn from_item(item: &HashMap<String, AttributeValue>) -> Item {
    item.iter()
        .map(|(k, v)| (k.clone(), from_attr(v)))
        .collect()
}

fn key(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.into(), AttributeValue::S(pk.into())),
        (SK.into(), AttributeValue::S(sk.into())),
    ])
}

/// A condition expression with its names and values. Expired items count as absent.
struct Expr {
    text: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

fn condition_expr(condition: &Condition) -> Expr {
    let mut names = HashMap::from([("#exp".to_owned(), EXPIRES_AT.to_owned())]);
    let mut values = HashMap::from([(
        ":now".to_owned(),
        AttributeValue::N(teledesk_ports::now_secs().to_string()),
    )]);
    let live = "(attribute_not_exists(#exp) OR #exp > :now)";
    let text = match condition {
        Condition::None => {
            return Expr {
                text: None,
                names: HashMap::new(),
                values: HashMap::new(),
            };
        }
        Condition::Absent => {
            names.insert("#pk".into(), PK.into());
            "(attribute_not_exists(#pk) OR #exp <= :now)".to_owned()
        }
        Condition::Exists => {
            names.insert("#pk".into(), PK.into());
            format!("attribute_exists(#pk) AND {live}")
        }
        Condition::VersionEquals(v) => {
            names.insert("#ver".into(), VERSION.into());
            values.insert(":ver".into(), AttributeValue::N(v.to_string()));
            format!("#ver = :ver AND {live}")
        }
    };
    Expr {
        text: Some(text),
        names,
        values,
    }
}

fn opt<T: Clone>(m: &HashMap<String, T>) -> Option<HashMap<String, T>> {
    if m.is_empty() { None } else { Some(m.clone()) }
}

#[async_trait]
impl table::Table for DynamoTable {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, TableError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        let now = teledesk_ports::now_secs();
        Ok(out
            .item()
            .map(from_item)
            .filter(|i| !table::is_expired(i, now)))
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        table::validate_item(&item)?;
        let e = condition_expr(&condition);
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)))
            .set_condition_expression(e.text)
            .set_expression_attribute_names(opt(&e.names))
            .set_expression_attribute_values(opt(&e.values))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(TableError::ConditionFailed)
            }
            Err(err) => Err(backend(err)),
        }
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), TableError> {
        let e = condition_expr(&condition);
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .set_condition_expression(e.text)
            .set_expression_attribute_names(opt(&e.names))
            .set_expression_attribute_values(opt(&e.values))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(TableError::ConditionFailed)
            }
            Err(err) => Err(backend(err)),
        }
    }

    async fn query(&self, q: &Query) -> Result<Page, TableError> {
        if q.limit == 0 {
            return Err(TableError::Invalid("limit must be at least 1".into()));
        }
        let (pcol, scol) = q.index.keys();
        let mut names = HashMap::from([
            ("#p".to_owned(), pcol.to_owned()),
            ("#exp".to_owned(), EXPIRES_AT.to_owned()),
        ]);
        let mut values = HashMap::from([
            (":p".to_owned(), AttributeValue::S(q.partition.clone())),
            (
                ":now".to_owned(),
                AttributeValue::N(teledesk_ports::now_secs().to_string()),
            ),
        ]);
        let mut key_expr = "#p = :p".to_owned();
        let mut sort_name = || {
            names.insert("#s".into(), scol.into());
        };
        match &q.sort {
            SortKey::All => {}
            SortKey::Equals(v) => {
                sort_name();
                key_expr.push_str(" AND #s = :s");
                values.insert(":s".into(), AttributeValue::S(v.clone()));
            }
            SortKey::BeginsWith(p) => {
                sort_name();
                key_expr.push_str(" AND begins_with(#s, :s)");
                values.insert(":s".into(), AttributeValue::S(p.clone()));
            }
            SortKey::Between(lo, hi) => {
                sort_name();
                key_expr.push_str(" AND #s BETWEEN :lo AND :hi");
                values.insert(":lo".into(), AttributeValue::S(lo.clone()));
                values.insert(":hi".into(), AttributeValue::S(hi.clone()));
            }
        }
        let mut start = match &q.cursor {
            None => None,
            Some(c) => {
                let key = table::decode_cursor(c)?;
                let needed: &[&str] = match q.index {
                    Index::Primary => &[PK, SK],
                    Index::Gsi1 => &[PK, SK, GSI1PK, GSI1SK],
                };
                if needed
                    .iter()
                    .any(|k| !key.get(*k).is_some_and(Value::is_string))
                {
                    return Err(TableError::Invalid(
                        "cursor does not belong to this query".into(),
                    ));
                }
                Some(
                    key.iter()
                        .map(|(k, v)| (k.clone(), to_attr(v)))
                        .collect::<HashMap<_, _>>(),
                )
            }
        };
        // DynamoDB applies Limit before the expiry filter: read on until the page is full or the
        // partition ends, so that pages are as full as the embedded adapter's.
        let mut items = Vec::new();
        loop {
            let mut req = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(&key_expr)
                .filter_expression("attribute_not_exists(#exp) OR #exp > :now")
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(q.forward)
                .limit((q.limit - items.len()) as i32)
                .set_exclusive_start_key(start.take());
            if q.index == Index::Gsi1 {
                req = req.index_name(GSI1_NAME);
            } else {
                req = req.consistent_read(true);
            }
            let out = req.send().await.map_err(backend)?;
            items.extend(out.items().iter().map(from_item));
            start = out.last_evaluated_key().cloned();
            if start.is_none() || items.len() >= q.limit {
                break;
            }
        }
        let cursor = start.map(|k| {
            let m: Map<String, Value> = k.iter().map(|(k, v)| (k.clone(), from_attr(v))).collect();
            table::encode_cursor(&m)
        });
        Ok(Page { items, cursor })
    }

    async fn increment(&self, pk: &str, sk: &str, attr: &str, by: i64) -> Result<i64, TableError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression("ADD #a :by")
            .expression_attribute_names("#a", attr)
            .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(backend)?;
        out.attributes()
            .and_then(|a| a.get(attr))
            .map(from_attr)
            .and_then(|v| v.as_i64())
            .ok_or_else(|| TableError::Backend("counter update returned no number".into()))
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), TableError> {
        if ops.is_empty() || ops.len() > 100 {
            return Err(TableError::Invalid(
                "a transaction holds 1 to 100 writes".into(),
            ));
        }
        let mut keys = std::collections::HashSet::new();
        let mut items = Vec::with_capacity(ops.len());
        for op in &ops {
            if !keys.insert(op.key()) {
                return Err(TableError::Invalid(
                    "a transaction cannot touch one item twice".into(),
                ));
            }
            let invalid =
                |e: aws_sdk_dynamodb::error::BuildError| TableError::Invalid(e.to_string());
            let item = match op {
                TxOp::Put { item, condition } => {
                    table::validate_item(item)?;
                    let e = condition_expr(condition);
                    TransactWriteItem::builder()
                        .put(
                            Put::builder()
                                .table_name(&self.table)
                                .set_item(Some(to_item(item)))
                                .set_condition_expression(e.text)
                                .set_expression_attribute_names(opt(&e.names))
                                .set_expression_attribute_values(opt(&e.values))
                                .build()
                                .map_err(invalid)?,
                        )
                        .build()
                }
                TxOp::Delete { pk, sk, condition } => {
                    let e = condition_expr(condition);
                    TransactWriteItem::builder()
                        .delete(
                            Delete::builder()
                                .table_name(&self.table)
                                .set_key(Some(key(pk, sk)))
                                .set_condition_expression(e.text)
                                .set_expression_attribute_names(opt(&e.names))
                                .set_expression_attribute_values(opt(&e.values))
                                .build()
                                .map_err(invalid)?,
                        )
                        .build()
                }
                TxOp::Check { pk, sk, condition } => {
                    let e = condition_expr(condition);
                    let Some(text) = e.text else { continue };
                    TransactWriteItem::builder()
                        .condition_check(
                            ConditionCheck::builder()
                                .table_name(&self.table)
                                .set_key(Some(key(pk, sk)))
                                .condition_expression(text)
                                .set_expression_attribute_names(opt(&e.names))
                                .set_expression_attribute_values(opt(&e.values))
                                .build()
                                .map_err(invalid)?,
                        )
                        .build()
                }
            };
            items.push(item);
        }
        let res = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|s| s.is_transaction_canceled_exception()) =>
            {
                Err(TableError::TransactionCanceled)
            }
            Err(err) => Err(backend(err)),
        }
    }
}
