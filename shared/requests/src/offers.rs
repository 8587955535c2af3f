//! Offers: a dealer's answer to a request (`REQ#<request>` / `OFFER#<id>`, beside the request, so
//! a request's offers are read consistently with it; `OFFER#<id>` / `OFFER` points back to the
//! request for `GET /api/v1/offers/{id}`).
//!
//! Every change of an offer's liveness is one transaction with the request, conditional on both
//! versions:
//! - submitting writes the offer, the request (`offer_count` + 1, `has_offers`) and the dealer's
//!   count of live offers on it (`REQ#<request>` / `DEALER#<user>`), refused by the store past
//!   [`MAX_LIVE_PER_DEALER`] or [`MAX_LIVE_PER_REQUEST`], or when the request is closed;
//! - withdrawing or rejecting one puts all three back;
//! - selecting one closes the request, accepts it and rejects every other live offer at once, so
//!   two selections at the same time leave exactly one accepted;
//! - cancelling the request rejects its live offers with it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use teledesk_bot::record::{self, Record};
use teledesk_ports::table::{Condition, Query, SortKey, Table, TableError, TxOp};

use crate::money;
use crate::store::{REQUEST_SK, Request, request_pk};

/// Live (submitted) offers one dealer may have on one request.
pub const MAX_LIVE_PER_DEALER: i64 = 3;
/// Live offers one request may have: a selection rejects all others in one transaction (≤ 100
/// writes).
pub const MAX_LIVE_PER_REQUEST: u32 = 90;
pub const MAX_PHOTOS: usize = 10;

pub const STATUSES: &[&str] = &["submitted", "accepted", "rejected", "withdrawn"];

pub fn offer_sk(id: &str) -> String {
    format!("OFFER#{id}")
}
pub fn pointer_pk(id: &str) -> String {
    format!("OFFER#{id}")
}
pub const POINTER_SK: &str = "OFFER";
fn count_sk(dealer_user: i64) -> String {
    format!("DEALER#{dealer_user}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub file_id: String,
    pub unique_id: String,
    /// Where it is kept in the file store.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub workspace: String,
    pub request_id: String,
    pub dealer_id: String,
    pub dealer_user_id: i64,
    /// The bot the dealer spoke to (the one that tells them what happened).
    pub bot_id: String,
    /// Integer minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub year: Option<i64>,
    pub mileage: Option<i64>,
    pub description: Option<String>,
    #[serde(default)]
    pub photos: Vec<Photo>,
    /// A catalog listing it is (its id).
    pub listing_id: Option<String>,
    /// Epoch seconds after which the dealer no longer stands by it.
    pub valid_until: Option<i64>,
    pub status: String,
    #[serde(default)]
    pub history: Vec<Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl Record for Offer {
    const KIND: &'static str = "offer";
    fn key(&self) -> (String, String) {
        (request_pk(&self.request_id), offer_sk(&self.id))
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
}

impl Offer {
    pub fn is_live(&self) -> bool {
        self.status == "submitted"
    }
}

/// An offer's id, derived from what makes it (the dealer's conversation), so that submitting the
/// same conversation twice is one offer.
pub fn offer_id(seed: &str) -> String {
    teledesk_bot::setup_codes::derived_id("OFF", seed)
}

#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("changed at the same time; read it again and retry")]
    Conflict,
    #[error("request {0} is {1}: it takes no more offers")]
    Ended(String, String),
    #[error("request {0} is a draft: it takes offers once published")]
    Draft(String),
    #[error(
        "at most {MAX_LIVE_PER_DEALER} live offers per dealer on one request: withdraw one first"
    )]
    DealerLimit,
    #[error("request {0} has {MAX_LIVE_PER_REQUEST} live offers, as many as it takes")]
    RequestLimit(String),
    #[error("offer {0} is {1}")]
    NotLive(String, String),
    #[error("{0}")]
    Invalid(String),
    #[error("no offer {0}")]
    NotFound(String),
}

/// The fields an offer's body may set.
pub const FIELDS: &[&str] = &[
    "price",
    "currency",
    "year",
    "mileage",
    "description",
    "listing_id",
    "valid_until",
];

/// Applies fields (the API's JSON names; `price` in minor units) to an offer; every problem by
/// field name.
pub fn apply(o: &mut Offer, body: &Map<String, Value>) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    for (k, v) in body {
        let int = |lo: i64, hi: i64, nullable: bool| match v {
            Value::Null if nullable => Ok(None),
            v => match v.as_i64() {
                Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
                _ => Err(format!(
                    "a whole number from {lo} to {hi}{}",
                    if nullable { ", or null" } else { "" }
                )),
            },
        };
        let r = match k.as_str() {
            "price" => int(1, 9_000_000_000_000_000, false).map(|x| o.price = x.unwrap_or(o.price)),
            "year" => int(1900, 2100, true).map(|x| o.year = x),
            "mileage" => int(0, 10_000_000, true).map(|x| o.mileage = x),
            "valid_until" => int(0, 4_102_444_800, true).map(|x| o.valid_until = x),
            "currency" => match v.as_str() {
                Some(c) if money::exponent(c).is_some() => {
                    o.currency = c.to_ascii_uppercase();
                    Ok(())
                }
                _ => Err("an ISO 4217 code".to_owned()),
            },
            "description" => match v {
                Value::Null => {
                    o.description = None;
                    Ok(())
                }
                Value::String(s) if s.chars().count() <= 2000 => {
                    o.description = Some(s.trim().to_owned()).filter(|s| !s.is_empty());
                    Ok(())
                }
                _ => Err("a text of at most 2000 characters, or null".to_owned()),
            },
            "listing_id" => match v {
                Value::Null => {
                    o.listing_id = None;
                    Ok(())
                }
                Value::String(s) if (1..=80).contains(&s.len()) => {
                    o.listing_id = Some(s.clone());
                    Ok(())
                }
                _ => Err("a listing id, or null".to_owned()),
            },
            other => Err(format!(
                "unknown field `{other}`; expected one of {}",
                FIELDS.join(", ")
            )),
        };
        if let Err(m) = r {
            errors.push((k.clone(), m));
        }
    }
    errors
}

/// The offer as the API and events show it.
pub fn offer_json(o: &Offer) -> Value {
    json!({"id": o.id, "request_id": o.request_id, "dealer_id": o.dealer_id,
           "price": o.price, "currency": o.currency, "year": o.year, "mileage": o.mileage,
           "description": o.description, "listing_id": o.listing_id,
           "valid_until": o.valid_until, "status": o.status,
           "photos": o.photos.iter().map(|p| json!({"unique_id": p.unique_id, "key": p.key})).collect::<Vec<_>>(),
           "history": o.history, "created_at": o.created_at, "updated_at": o.updated_at})
}

/// Every offer on a request (consistent with the request: the same partition).
pub async fn of_request(table: &dyn Table, request_id: &str) -> Result<Vec<Offer>, TableError> {
    record::all(
        table,
        Query::partition(request_pk(request_id)).sort(SortKey::BeginsWith("OFFER#".into())),
    )
    .await
}

pub async fn get_on(
    table: &dyn Table,
    request_id: &str,
    id: &str,
) -> Result<Option<Offer>, TableError> {
    let item = table.get(&request_pk(request_id), &offer_sk(id)).await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

/// An offer by its id alone (through its pointer), in the workspace.
pub async fn get(
    table: &dyn Table,
    workspace: &str,
    id: &str,
) -> Result<Option<Offer>, TableError> {
    let Some(p) = table.get(&pointer_pk(id), POINTER_SK).await? else {
        return Ok(None);
    };
    let Some(req) = teledesk_ports::table::str_attr(&p, "request_id") else {
        return Ok(None);
    };
    Ok(get_on(table, req, id)
        .await?
        .filter(|o| o.workspace == workspace))
}

fn put(item: Map<String, Value>, condition: Condition) -> TxOp {
    TxOp::Put { item, condition }
}

fn changed(r: &Request, after: &mut Request, by: &str, via: &str, note: Value) {
    let now = teledesk_ports::now_secs();
    let mut c = Map::new();
    if r.status != after.status {
        c.insert("status".into(), json!(after.status));
    }
    if r.offer_count != after.offer_count {
        c.insert("offer_count".into(), json!(after.offer_count));
    }
    if r.chosen_offer_id != after.chosen_offer_id {
        c.insert("chosen_offer_id".into(), json!(after.chosen_offer_id));
    }
    let mut entry = json!({"at": now, "by": by, "via": via, "changed": c});
    if let (Value::Object(e), Value::Object(n)) = (&mut entry, note) {
        e.extend(n);
    }
    after.history.push(entry);
    after.updated_at = now;
    after.version = r.version + 1;
}

async fn dealer_count(
    table: &dyn Table,
    request_id: &str,
    user: i64,
) -> Result<(i64, Option<i64>), TableError> {
    let item = table.get(&request_pk(request_id), &count_sk(user)).await?;
    Ok(match item {
        Some(i) => (
            teledesk_ports::table::int_attr(&i, "live").unwrap_or(0),
            teledesk_ports::table::int_attr(&i, "version"),
        ),
        None => (0, None),
    })
}

fn count_item(request_id: &str, user: i64, live: i64, version: i64) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("pk".into(), json!(request_pk(request_id)));
    item.insert("sk".into(), json!(count_sk(user)));
    item.insert("live".into(), json!(live));
    item.insert("version".into(), json!(version));
    item
}

fn count_op(request_id: &str, user: i64, (live, version): (i64, Option<i64>), by: i64) -> TxOp {
    let v = version.unwrap_or(0);
    put(
        count_item(request_id, user, live + by, v + 1),
        match version {
            Some(v) => Condition::VersionEquals(v),
            None => Condition::Absent,
        },
    )
}

fn pointer(o: &Offer) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("pk".into(), json!(pointer_pk(&o.id)));
    item.insert("sk".into(), json!(POINTER_SK));
    item.insert("request_id".into(), json!(o.request_id));
    item.insert("workspace".into(), json!(o.workspace));
    item
}

/// Whether a request takes offers (and changes to them) now.
pub fn open_for_offers(r: &Request) -> Result<(), OfferError> {
    match r.status.as_str() {
        "published" | "has_offers" => Ok(()),
        "draft" => Err(OfferError::Draft(r.id.clone())),
        s => Err(OfferError::Ended(r.id.clone(), s.to_owned())),
    }
}

/// What submitting did.
pub struct Submitted {
    pub offer: Offer,
    pub request: Request,
    /// False when this offer was there already (the same conversation submitted again).
    pub created: bool,
}

/// Submits a new offer: one transaction with the request and the dealer's count (module docs).
pub async fn submit(
    table: &dyn Table,
    r: &Request,
    offer: Offer,
    by: &str,
    via: &str,
) -> Result<Submitted, OfferError> {
    if let Some(o) = get_on(table, &r.id, &offer.id).await? {
        return Ok(Submitted {
            offer: o,
            request: r.clone(),
            created: false,
        });
    }
    open_for_offers(r)?;
    if r.offer_count >= MAX_LIVE_PER_REQUEST {
        return Err(OfferError::RequestLimit(r.id.clone()));
    }
    let count = dealer_count(table, &r.id, offer.dealer_user_id).await?;
    if count.0 >= MAX_LIVE_PER_DEALER {
        return Err(OfferError::DealerLimit);
    }
    let mut after = r.clone();
    after.offer_count += 1;
    after.status = "has_offers".into();
    changed(r, &mut after, by, via, json!({"offer": offer.id}));
    let ops = vec![
        put(record::to_item(&offer), Condition::Absent),
        put(pointer(&offer), Condition::None),
        put(record::to_item(&after), Condition::VersionEquals(r.version)),
        count_op(&r.id, offer.dealer_user_id, count, 1),
    ];
    match table.transact(ops).await {
        Ok(()) => Ok(Submitted {
            offer,
            request: after,
            created: true,
        }),
        Err(TableError::TransactionCanceled) => match get_on(table, &r.id, &offer.id).await? {
            Some(o) => Ok(Submitted {
                offer: o,
                request: r.clone(),
                created: false,
            }),
            None => Err(OfferError::Conflict),
        },
        Err(e) => Err(e.into()),
    }
}

/// Changes a live offer's fields (and, with `photos`, its photos) while its request is open (a
/// check of the request's version in the same transaction: an edit racing a close loses).
pub async fn edit(
    table: &dyn Table,
    r: &Request,
    before: &Offer,
    body: &Map<String, Value>,
    photos: Option<Vec<Photo>>,
    by: &str,
    via: &str,
) -> Result<Offer, OfferError> {
    open_for_offers(r)?;
    if !before.is_live() {
        return Err(OfferError::NotLive(
            before.id.clone(),
            before.status.clone(),
        ));
    }
    let mut after = before.clone();
    let errors = apply(&mut after, body);
    if !errors.is_empty() {
        return Err(OfferError::Invalid(
            errors
                .iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    let old = serde_json::to_value(before).unwrap_or_default();
    let new = serde_json::to_value(&after).unwrap_or_default();
    let mut c = Map::new();
    for k in FIELDS {
        if old[k] != new[k] {
            c.insert((*k).into(), new[k].clone());
        }
    }
    if let Some(ps) = photos
        && ps != before.photos
    {
        c.insert("photos".into(), json!(ps.len()));
        after.photos = ps;
    }
    if c.is_empty() {
        return Ok(before.clone());
    }
    let now = teledesk_ports::now_secs();
    after
        .history
        .push(json!({"at": now, "by": by, "via": via, "changed": c}));
    after.updated_at = now;
    after.version = before.version + 1;
    let ops = vec![
        put(
            record::to_item(&after),
            Condition::VersionEquals(before.version),
        ),
        TxOp::Check {
            pk: request_pk(&r.id),
            sk: REQUEST_SK.into(),
            condition: Condition::VersionEquals(r.version),
        },
    ];
    match table.transact(ops).await {
        Ok(()) => Ok(after),
        Err(TableError::TransactionCanceled) => Err(OfferError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Withdraws (the dealer) or rejects (an admin) one live offer; the request's count and the
/// dealer's go down with it, in one transaction. The request and the offer after.
pub async fn retire(
    table: &dyn Table,
    r: &Request,
    before: &Offer,
    status: &str,
    by: &str,
    via: &str,
) -> Result<(Request, Offer), OfferError> {
    if !before.is_live() {
        return Err(OfferError::NotLive(
            before.id.clone(),
            before.status.clone(),
        ));
    }
    open_for_offers(r)?;
    let now = teledesk_ports::now_secs();
    let mut after = before.clone();
    after.status = status.to_owned();
    after
        .history
        .push(json!({"at": now, "by": by, "via": via, "changed": {"status": status}}));
    after.updated_at = now;
    after.version = before.version + 1;
    let mut req = r.clone();
    req.offer_count = r.offer_count.saturating_sub(1);
    if req.offer_count == 0 {
        req.status = "published".into();
    }
    changed(r, &mut req, by, via, json!({"offer": before.id}));
    let count = dealer_count(table, &r.id, before.dealer_user_id).await?;
    let ops = vec![
        put(
            record::to_item(&after),
            Condition::VersionEquals(before.version),
        ),
        put(record::to_item(&req), Condition::VersionEquals(r.version)),
        count_op(&r.id, before.dealer_user_id, count, -1),
    ];
    match table.transact(ops).await {
        Ok(()) => Ok((req, after)),
        Err(TableError::TransactionCanceled) => Err(OfferError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// What a selection or a cancel did.
pub struct Ended {
    pub request: Request,
    /// The accepted offer (a selection).
    pub chosen: Option<Offer>,
    /// The offers this rejected (live until now).
    pub rejected: Vec<Offer>,
}

/// Selects a live offer: the request closes with it, it is accepted and every other live offer
/// rejected — one transaction, conditional on every version read. A selection that finds the
/// request closed with this same offer answers that (a double tap); with another one, `Ended`.
pub async fn select(
    table: &dyn Table,
    r: &Request,
    offer_id: &str,
    by: &str,
    via: &str,
) -> Result<Ended, OfferError> {
    if r.status == "closed" && r.chosen_offer_id.as_deref() == Some(offer_id) {
        let chosen = get_on(table, &r.id, offer_id).await?;
        return Ok(Ended {
            request: r.clone(),
            chosen,
            rejected: Vec::new(),
        });
    }
    open_for_offers(r)?;
    let offers = of_request(table, &r.id).await?;
    let Some(chosen) = offers.iter().find(|o| o.id == offer_id) else {
        return Err(OfferError::NotFound(offer_id.to_owned()));
    };
    if !chosen.is_live() {
        return Err(OfferError::NotLive(
            chosen.id.clone(),
            chosen.status.clone(),
        ));
    }
    if chosen
        .valid_until
        .is_some_and(|t| t < teledesk_ports::now_secs())
    {
        return Err(OfferError::Invalid(format!(
            "offer {offer_id} was valid until {}: ask the dealer to renew it",
            chosen.valid_until.unwrap_or_default()
        )));
    }
    end(table, r, &offers, Some(offer_id), "closed", by, via).await
}

/// Cancels a request: it ends `cancelled` and its live offers are rejected, in one transaction.
pub async fn cancel(
    table: &dyn Table,
    r: &Request,
    by: &str,
    via: &str,
) -> Result<Ended, OfferError> {
    if r.status == "cancelled" {
        return Ok(Ended {
            request: r.clone(),
            chosen: None,
            rejected: Vec::new(),
        });
    }
    if r.status == "closed" {
        return Err(OfferError::Ended(r.id.clone(), r.status.clone()));
    }
    let offers = of_request(table, &r.id).await?;
    end(table, r, &offers, None, "cancelled", by, via).await
}

async fn end(
    table: &dyn Table,
    r: &Request,
    offers: &[Offer],
    chosen: Option<&str>,
    status: &str,
    by: &str,
    via: &str,
) -> Result<Ended, OfferError> {
    let now = teledesk_ports::now_secs();
    let mut req = r.clone();
    req.status = status.to_owned();
    req.chosen_offer_id = chosen.map(str::to_owned);
    changed(r, &mut req, by, via, json!({}));
    let mut ops = vec![put(
        record::to_item(&req),
        Condition::VersionEquals(r.version),
    )];
    let mut accepted = None;
    let mut rejected = Vec::new();
    for o in offers.iter().filter(|o| o.is_live()) {
        let mut after = o.clone();
        after.status = if Some(o.id.as_str()) == chosen {
            "accepted"
        } else {
            "rejected"
        }
        .into();
        after.history.push(json!({"at": now, "by": by, "via": via,
                                  "changed": {"status": after.status}, "request": status}));
        after.updated_at = now;
        after.version = o.version + 1;
        ops.push(put(
            record::to_item(&after),
            Condition::VersionEquals(o.version),
        ));
        if after.status == "accepted" {
            accepted = Some(after);
        } else {
            rejected.push(after);
        }
    }
    match table.transact(ops).await {
        Ok(()) => Ok(Ended {
            request: req,
            chosen: accepted,
            rejected,
        }),
        Err(TableError::TransactionCanceled) => Err(OfferError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// A recorded reveal: who was shown whose contact, when and why (`REQ#<request>` /
/// `REVEAL#<to>#<whose>`; written once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reveal {
    pub request_id: String,
    pub workspace: String,
    pub offer_id: Option<String>,
    /// `customer:<user id>`, `dealer:<dealer id>` or `admin_chat:<chat id>`.
    pub to: String,
    /// `customer:<user id>` or `dealer:<dealer id>`.
    pub whose: String,
    /// The contact fields shown (`name`, `company`, `phone`, `username`).
    pub fields: Vec<String>,
    /// `on_select` or `mediated`.
    pub policy: String,
    pub why: String,
    pub at: i64,
}

impl Record for Reveal {
    const KIND: &'static str = "reveal";
    fn key(&self) -> (String, String) {
        (
            request_pk(&self.request_id),
            format!("REVEAL#{}#{}", self.to, self.whose),
        )
    }
}

/// Records a reveal (the first record stays).
pub async fn record_reveal(table: &dyn Table, rv: &Reveal) -> Result<(), TableError> {
    match table.put(record::to_item(rv), Condition::Absent).await {
        Ok(()) | Err(TableError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn reveals(table: &dyn Table, request_id: &str) -> Result<Vec<Reveal>, TableError> {
    record::all(
        table,
        Query::partition(request_pk(request_id)).sort(SortKey::BeginsWith("REVEAL#".into())),
    )
    .await
}
