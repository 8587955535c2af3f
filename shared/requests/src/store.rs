//! Requests: the record (`REQ#<id>` / `REQ`, listed newest first through GSI1
//! `REQUESTS#<workspace>`), its changes (conditional on its version, each recorded in `history`
//! with who, how and when), and the conversion of a lead by its scenario's `mapping`.
//!
//! Converting is idempotent: the request's id is derived from the lead's, the request is written
//! only if absent, and the lead is then marked `converted` with the request's id; converting
//! again finds both and answers the same request.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use teledesk_bot::record::{self, Record};
use teledesk_ports::table::{Condition, Query, Table, TableError};
use teledesk_scenarios::model::{Kind, Scenario};
use teledesk_scenarios::store::{self as leads, Lead};

use crate::money;

pub fn request_pk(id: &str) -> String {
    format!("REQ#{id}")
}
pub const REQUEST_SK: &str = "REQ";
pub fn requests_gsi(workspace: &str) -> String {
    format!("REQUESTS#{workspace}")
}

pub const STATUSES: &[&str] = &["draft", "published", "has_offers", "closed", "cancelled"];

/// A channel post a published request lives in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub chat_id: i64,
    pub message_id: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub workspace: String,
    pub status: String,
    pub lead_id: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year_min: Option<i64>,
    pub year_max: Option<i64>,
    /// Integer minor units of `currency`.
    pub budget_max: Option<i64>,
    pub currency: Option<String>,
    pub mileage_max: Option<i64>,
    pub fuel: Option<String>,
    pub gearbox: Option<String>,
    pub city: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub offer_count: u32,
    pub chosen_offer_id: Option<String>,
    #[serde(default)]
    pub posts: Vec<Post>,
    #[serde(default)]
    pub history: Vec<Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl Record for Request {
    const KIND: &'static str = "request";
    fn key(&self) -> (String, String) {
        (request_pk(&self.id), REQUEST_SK.into())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        Some((
            requests_gsi(&self.workspace),
            format!("{:012}#{}", self.created_at, self.id),
        ))
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
}

/// The fields a request's body or a mapping may set.
pub const FIELDS: &[&str] = &[
    "make",
    "model",
    "year_min",
    "year_max",
    "budget_max",
    "currency",
    "mileage_max",
    "fuel",
    "gearbox",
    "city",
    "notes",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("changed at the same time; read it again and retry")]
    Conflict,
    #[error("{0}")]
    Invalid(String),
}

/// A request id derived from what it is made of (a lead's id), or random.
pub fn request_id(from: &str) -> String {
    teledesk_bot::setup_codes::derived_id("REQ", from)
}

pub fn new_request(workspace: &str, id: String, lead_id: Option<String>) -> Request {
    let now = teledesk_ports::now_secs();
    Request {
        id,
        workspace: workspace.to_owned(),
        status: "draft".into(),
        lead_id,
        make: None,
        model: None,
        year_min: None,
        year_max: None,
        budget_max: None,
        currency: None,
        mileage_max: None,
        fuel: None,
        gearbox: None,
        city: None,
        notes: None,
        offer_count: 0,
        chosen_offer_id: None,
        posts: Vec::new(),
        history: Vec::new(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Applies fields (as the API's JSON names them; `budget_max` in minor units) to a request;
/// every problem by field name, the fields' own and then how they go together.
pub fn apply(r: &mut Request, body: &Map<String, Value>) -> Vec<(String, String)> {
    let mut errors = apply_fields(r, body);
    errors.extend(check(r));
    errors
}

/// How the fields go together.
pub fn check(r: &Request) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    if let (Some(a), Some(b)) = (r.year_min, r.year_max)
        && a > b
    {
        errors.push(("year_min".into(), "after year_max".into()));
    }
    if r.budget_max.is_some() && r.currency.is_none() {
        errors.push(("currency".into(), "required with budget_max".into()));
    }
    errors
}

/// Each field on its own; a field in error is left as it was.
fn apply_fields(r: &mut Request, body: &Map<String, Value>) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    for (k, v) in body {
        let text = |max: usize| match v {
            Value::Null => Ok(None),
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= max => {
                Ok(Some(s.trim().to_owned()))
            }
            _ => Err(format!("a text of 1 to {max} characters, or null")),
        };
        let int = |lo: i64, hi: i64| match v {
            Value::Null => Ok(None),
            v => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (lo as f64..=hi as f64).contains(&n) => {
                    Ok(Some(n as i64))
                }
                _ => Err(format!("a whole number from {lo} to {hi}, or null")),
            },
        };
        let r2 = match k.as_str() {
            "make" => text(60).map(|x| r.make = x),
            "model" => text(60).map(|x| r.model = x),
            "fuel" => text(30).map(|x| r.fuel = x),
            "gearbox" => text(30).map(|x| r.gearbox = x),
            "city" => text(100).map(|x| r.city = x),
            "notes" => text(2000).map(|x| r.notes = x),
            "year_min" => int(1900, 2100).map(|x| r.year_min = x),
            "year_max" => int(1900, 2100).map(|x| r.year_max = x),
            "mileage_max" => int(0, 10_000_000).map(|x| r.mileage_max = x),
            "budget_max" => int(1, 9_000_000_000_000_000).map(|x| r.budget_max = x),
            "currency" => match v {
                Value::Null => {
                    r.currency = None;
                    Ok(())
                }
                Value::String(c) if money::exponent(c).is_some() => {
                    r.currency = Some(c.to_ascii_uppercase());
                    Ok(())
                }
                _ => Err(format!(
                    "an ISO 4217 code: {}",
                    money::CURRENCIES
                        .iter()
                        .map(|(c, _)| *c)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
            other => Err(format!(
                "unknown field `{other}`; expected one of {}",
                FIELDS.join(", ")
            )),
        };
        if let Err(m) = r2 {
            errors.push((k.clone(), m));
        }
    }
    errors
}

/// The request's fields from a lead's answers, by the scenario's `mapping` (request field ←
/// step id): choices give their value, locations their city (or coordinates), the budget is
/// turned into minor units of the mapped currency. What cannot be read is left empty and said.
pub fn from_lead(sc: &Scenario, lead: &Lead) -> (Map<String, Value>, Vec<String>) {
    let mut out = Map::new();
    let mut notes = Vec::new();
    for (field, step_id) in &sc.mapping {
        let Some(v) = lead.answers.get(step_id) else {
            continue;
        };
        let step = sc.steps.iter().find(|s| &s.id == step_id);
        let value = match (field.as_str(), step.map(|s| s.kind)) {
            (_, Some(Kind::Location)) => match v.get("city") {
                Some(c) => c.clone(),
                None => json!(format!(
                    "{:.5}, {:.5}",
                    v["lat"].as_f64().unwrap_or_default(),
                    v["lon"].as_f64().unwrap_or_default()
                )),
            },
            (_, Some(Kind::MultiChoice)) => json!(
                v.as_array()
                    .map(|xs| xs
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
            ("currency", _) => json!(v.as_str().unwrap_or_default().to_ascii_uppercase()),
            // A choice reads as its label ("Škoda"), in the scenario's first language.
            (_, Some(Kind::Choice)) => {
                let label = step
                    .and_then(|s| s.options.as_ref())
                    .and_then(|os| os.iter().find(|o| Some(o.value.as_str()) == v.as_str()))
                    .map(|o| {
                        teledesk_scenarios::engine::strip_tags(
                            sc.text(&o.label, sc.first_language()),
                        )
                    });
                label.map_or_else(|| v.clone(), |l| json!(l))
            }
            _ => v.clone(),
        };
        out.insert(field.clone(), value);
    }
    // The budget is an amount in major units of the currency: minor units here.
    if let Some(b) = out.remove("budget_max") {
        let currency = out
            .get("currency")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (b.as_f64(), currency) {
            (Some(amount), Some(c)) => match money::to_minor(amount, &c) {
                Some(minor) => {
                    out.insert("budget_max".into(), json!(minor));
                }
                None => notes.push(format!("budget {amount} in {c}: not a known currency")),
            },
            (Some(amount), None) => notes.push(format!("budget {amount} without a currency")),
            _ => notes.push("the budget is not a number".into()),
        }
    }
    for k in ["year_min", "year_max", "mileage_max"] {
        if let Some(v) = out.get(k)
            && v.as_f64().is_some_and(|n| n.fract() != 0.0)
        {
            out.insert(
                k.into(),
                json!(v.as_f64().unwrap_or_default().round() as i64),
            );
        }
    }
    (out, notes)
}

pub async fn get(
    table: &dyn Table,
    workspace: &str,
    id: &str,
) -> Result<Option<Request>, TableError> {
    let item = table.get(&request_pk(id), REQUEST_SK).await?;
    Ok(item
        .and_then(|i| record::from_item::<Request>(i).ok())
        .filter(|r| r.workspace == workspace))
}

/// Writes a new request once; false when it was there already.
pub async fn create(table: &dyn Table, r: &Request) -> Result<bool, TableError> {
    match table.put(record::to_item(r), Condition::Absent).await {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes a changed request (conditional on the version read), recording the change.
pub async fn save(
    table: &dyn Table,
    before: &Request,
    mut after: Request,
    by: &str,
    via: &str,
) -> Result<Request, StoreError> {
    let old = serde_json::to_value(before).unwrap_or_default();
    let new = serde_json::to_value(&after).unwrap_or_default();
    let mut changed = Map::new();
    for k in FIELDS.iter().chain(["status"].iter()) {
        if old[k] != new[k] {
            changed.insert((*k).into(), new[k].clone());
        }
    }
    if changed.is_empty() {
        return Ok(before.clone());
    }
    let now = teledesk_ports::now_secs();
    after
        .history
        .push(json!({"at": now, "by": by, "via": via, "changed": changed}));
    after.updated_at = now;
    after.version = before.version + 1;
    match table
        .put(
            record::to_item(&after),
            Condition::VersionEquals(before.version),
        )
        .await
    {
        Ok(()) => Ok(after),
        Err(TableError::ConditionFailed) => Err(StoreError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// A page of the workspace's requests, newest first.
pub async fn page(
    table: &dyn Table,
    workspace: &str,
    limit: usize,
    cursor: Option<String>,
) -> Result<(Vec<Request>, Option<String>), TableError> {
    let p = table
        .query(
            &Query::gsi1(requests_gsi(workspace))
                .backward()
                .limit(limit)
                .after(cursor),
        )
        .await?;
    Ok((
        p.items
            .into_iter()
            .filter_map(|i| record::from_item(i).ok())
            .collect(),
        p.cursor,
    ))
}

/// What converting a lead did.
pub struct Converted {
    pub request: Request,
    /// False when the lead was converted before (the same request is answered).
    pub created: bool,
    /// What the mapping could not fill (said in the request's history and to the admin).
    pub notes: Vec<String>,
    pub lead: Lead,
}

/// Converts a lead into a draft request, prefilled by its scenario's mapping; once.
pub async fn convert(
    table: &dyn Table,
    lead: &Lead,
    sc: Option<&Scenario>,
    by: &str,
    via: &str,
) -> Result<Converted, StoreError> {
    if !lead.is_lead() {
        return Err(StoreError::Invalid(format!("{} is not a lead", lead.id)));
    }
    let id = request_id(&format!("lead|{}", lead.id));
    let (fields, notes) = sc.map_or((Map::new(), Vec::new()), |sc| from_lead(sc, lead));
    let mut r = new_request(&lead.workspace, id.clone(), Some(lead.id.clone()));
    // A mapped answer that does not fit a request is left out, and said.
    let mut notes = notes;
    for (field, why) in apply_fields(&mut r, &fields) {
        notes.push(format!("{field}: {why}"));
    }
    for (field, why) in check(&r) {
        notes.push(format!("{field}: {why}"));
        match field.as_str() {
            "currency" => r.budget_max = None, // a budget without its currency means nothing
            _ => r.year_min = None,
        }
    }
    r.history
        .push(json!({"at": r.created_at, "by": by, "via": via,
                          "changed": {"status": "draft"}, "from_lead": lead.id, "notes": notes}));
    let created = create(table, &r).await?;
    let request = if created {
        r
    } else {
        get(table, &lead.workspace, &id).await?.unwrap_or(r)
    };
    // The lead, marked converted (once; a lead marked before keeps its history as it is).
    let lead = if lead.status == "converted" {
        lead.clone()
    } else {
        match leads::update(table, lead, Some("converted"), None, by, via).await {
            Ok(l) => l,
            Err(leads::StoreError::Conflict(_)) => return Err(StoreError::Conflict),
            Err(leads::StoreError::Table(e)) => return Err(e.into()),
            Err(leads::StoreError::NotFound(k)) => return Err(StoreError::Invalid(k)),
        }
    };
    Ok(Converted {
        request,
        created,
        notes,
        lead,
    })
}

/// Writes a request whose posts changed (conditional on the version read; not a change of its
/// fields, so not in its history).
pub async fn save_posts(
    table: &dyn Table,
    before: &Request,
    mut after: Request,
) -> Result<Request, StoreError> {
    after.version = before.version + 1;
    after.updated_at = teledesk_ports::now_secs();
    match table
        .put(
            record::to_item(&after),
            Condition::VersionEquals(before.version),
        )
        .await
    {
        Ok(()) => Ok(after),
        Err(TableError::ConditionFailed) => Err(StoreError::Conflict),
        Err(e) => Err(e.into()),
    }
}
