//! Published scenarios and their versions, and leads (keys in [`teledesk_bot::keys`]).
//!
//! Publishing writes the new version and moves the scenario's head in one transaction,
//! conditional on the head read: two publishes at once make two consecutive versions, never one
//! overwriting the other. A file published again unchanged makes no new version. Conversations
//! keep the version they started on (the session holds it), so a publish mid-flow changes
//! nothing for them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use teledesk_bot::keys;
use teledesk_bot::record::{self, Record};
use teledesk_ports::table::{Condition, Query, Table, TableError, TxOp};

use crate::model::{Scenario, Text};

/// A scenario's head: what `scenarios list` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub workspace: String,
    pub key: String,
    pub title: Text,
    /// The newest version (what new conversations start on).
    pub latest: u32,
    /// The record's revision: every publish and archive moves it (writes are conditional on it).
    pub rev: i64,
    /// `active` or `archived` (archived: no new conversations; those in flight finish).
    pub status: String,
    /// Shown on the home view (it has a `menu` label).
    pub menu: bool,
    pub sha256: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Record for Head {
    const KIND: &'static str = "scenario";
    fn key(&self) -> (String, String) {
        (keys::scenarios_pk(&self.workspace), self.key.clone())
    }
    fn version(&self) -> Option<i64> {
        Some(self.rev)
    }
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub workspace: String,
    pub key: String,
    pub version: u32,
    pub scenario: Scenario,
    pub sha256: String,
    pub published_at: i64,
    pub published_by: String,
}

impl Record for Published {
    const KIND: &'static str = "scenario version";
    fn key(&self) -> (String, String) {
        (
            keys::scenario_pk(&self.workspace, &self.key),
            keys::scenario_version_sk(self.version),
        )
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishOutcome {
    pub key: String,
    pub version: u32,
    /// False when the file was the published version already.
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("no scenario `{0}`")]
    NotFound(String),
    #[error("another publish of `{0}` happened at the same time; try again")]
    Conflict(String),
}

/// The content hash of a scenario (its canonical JSON).
pub fn sha256(sc: &Scenario) -> String {
    let json = serde_json::to_vec(sc).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

pub async fn head(
    table: &dyn Table,
    workspace: &str,
    key: &str,
) -> Result<Option<Head>, TableError> {
    let item = table.get(&keys::scenarios_pk(workspace), key).await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

pub async fn list(table: &dyn Table, workspace: &str) -> Result<Vec<Head>, TableError> {
    record::all(table, Query::partition(keys::scenarios_pk(workspace))).await
}

pub async fn version(
    table: &dyn Table,
    workspace: &str,
    key: &str,
    version: u32,
) -> Result<Option<Published>, TableError> {
    let item = table
        .get(
            &keys::scenario_pk(workspace, key),
            &keys::scenario_version_sk(version),
        )
        .await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

/// The newest version, when the scenario is active.
pub async fn active(
    table: &dyn Table,
    workspace: &str,
    key: &str,
) -> Result<Option<Published>, TableError> {
    match head(table, workspace, key).await? {
        Some(h) if h.status == "active" => version(table, workspace, key, h.latest).await,
        _ => Ok(None),
    }
}

/// Publishes a (validated) scenario as its next version.
pub async fn publish(
    table: &dyn Table,
    workspace: &str,
    sc: &Scenario,
    by: &str,
) -> Result<PublishOutcome, StoreError> {
    let sha = sha256(sc);
    let now = teledesk_ports::now_secs();
    let current = head(table, workspace, &sc.key).await?;
    if let Some(h) = &current
        && h.sha256 == sha
        && h.status == "active"
    {
        return Ok(PublishOutcome {
            key: sc.key.clone(),
            version: h.latest,
            created: false,
        });
    }
    let version = current.as_ref().map_or(1, |h| h.latest + 1);
    let new_head = Head {
        workspace: workspace.to_owned(),
        key: sc.key.clone(),
        title: sc.title.clone(),
        latest: version,
        rev: current.as_ref().map_or(1, |h| h.rev + 1),
        status: "active".into(),
        menu: sc.menu.is_some(),
        sha256: sha.clone(),
        created_at: current.as_ref().map_or(now, |h| h.created_at),
        updated_at: now,
    };
    let published = Published {
        workspace: workspace.to_owned(),
        key: sc.key.clone(),
        version,
        scenario: sc.clone(),
        sha256: sha,
        published_at: now,
        published_by: by.to_owned(),
    };
    let head_cond = match &current {
        Some(h) => Condition::VersionEquals(h.rev),
        None => Condition::Absent,
    };
    let ops = vec![
        TxOp::Put {
            item: record::to_item(&published),
            condition: Condition::Absent,
        },
        TxOp::Put {
            item: record::to_item(&new_head),
            condition: head_cond,
        },
    ];
    match table.transact(ops).await {
        Ok(()) => Ok(PublishOutcome {
            key: sc.key.clone(),
            version,
            created: true,
        }),
        Err(TableError::ConditionFailed) => Err(StoreError::Conflict(sc.key.clone())),
        Err(e) => Err(e.into()),
    }
}

/// Archives a scenario: no new conversations start on it; those in flight finish.
pub async fn archive(table: &dyn Table, workspace: &str, key: &str) -> Result<Head, StoreError> {
    let Some(h) = head(table, workspace, key).await? else {
        return Err(StoreError::NotFound(key.to_owned()));
    };
    if h.status == "archived" {
        return Ok(h);
    }
    let cond = Condition::VersionEquals(h.rev);
    let archived = Head {
        status: "archived".into(),
        rev: h.rev + 1,
        updated_at: teledesk_ports::now_secs(),
        ..h
    };
    match table.put(record::to_item(&archived), cond).await {
        Ok(()) => Ok(archived),
        Err(TableError::ConditionFailed) => Err(StoreError::Conflict(key.to_owned())),
        Err(e) => Err(e.into()),
    }
}

/// A lead's contact: who the customer is in Telegram, and the phone when the scenario asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Contact {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// A lead: a submitted conversation (statuses `new` → `in_progress` → `converted` | `rejected` |
/// `spam`). A declined or abandoned conversation is kept as a run of status `declined` or
/// `abandoned`, without answers or contact, for the funnel only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: String,
    pub workspace: String,
    pub status: String,
    pub scenario: String,
    pub scenario_version: u32,
    /// Typed values by step id.
    pub answers: Map<String, Value>,
    /// The question of each answer, in the lead's language.
    #[serde(default)]
    pub questions: Map<String, Value>,
    pub contact: Contact,
    pub language: String,
    pub source: Option<String>,
    pub consent_at: Option<i64>,
    pub consent_version: Option<String>,
    pub note: Option<String>,
    /// The bot the conversation was held with (absent for leads from the API).
    pub bot_id: Option<String>,
    /// The steps reached, in order (the funnel).
    #[serde(default)]
    pub reached: Vec<String>,
    pub started_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub history: Vec<Value>,
    /// The operation (update) that wrote it: only that one tells about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_op: Option<i64>,
}

pub const OPEN: &[&str] = &["new", "in_progress"];
pub const STATUSES: &[&str] = &["new", "in_progress", "converted", "rejected", "spam"];

impl Lead {
    /// A submitted lead (and not a declined or abandoned run).
    pub fn is_lead(&self) -> bool {
        STATUSES.contains(&self.status.as_str())
    }
}

impl Record for Lead {
    const KIND: &'static str = "lead";
    fn key(&self) -> (String, String) {
        (keys::lead_pk(&self.id), keys::LEAD_SK.into())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        let pk = if self.is_lead() {
            keys::leads_gsi(&self.workspace)
        } else {
            keys::runs_gsi(&self.workspace)
        };
        Some((pk, format!("{:012}#{}", self.created_at, self.id)))
    }
    fn version(&self) -> Option<i64> {
        Some(self.updated_at * 1000 + self.history.len() as i64)
    }
}

/// A lead id derived from what identifies the conversation: a re-run writes the same lead.
pub fn lead_id(parts: &[&str]) -> String {
    teledesk_bot::setup_codes::derived_id("LEAD", &parts.join("|"))
}

/// Writes a new lead (or run) once: a second write of the same id finds it and keeps the first.
/// Whether this call wrote it.
pub async fn create(table: &dyn Table, lead: &Lead) -> Result<bool, TableError> {
    match table.put(record::to_item(lead), Condition::Absent).await {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn get(table: &dyn Table, id: &str) -> Result<Option<Lead>, TableError> {
    let item = table.get(&keys::lead_pk(id), keys::LEAD_SK).await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

/// Changes a lead's status and note (conditional on the lead read), recording who and how.
pub async fn update(
    table: &dyn Table,
    lead: &Lead,
    status: Option<&str>,
    note: Option<&str>,
    by: &str,
    via: &str,
) -> Result<Lead, StoreError> {
    let now = teledesk_ports::now_secs();
    let mut next = lead.clone();
    let mut change = Map::new();
    if let Some(s) = status
        && s != lead.status
    {
        change.insert("status".into(), Value::from(s));
        next.status = s.to_owned();
    }
    if let Some(n) = note
        && Some(n) != lead.note.as_deref()
    {
        change.insert("note".into(), Value::from(n));
        next.note = Some(n.to_owned());
    }
    if change.is_empty() {
        return Ok(lead.clone());
    }
    change.insert("by".into(), Value::from(by));
    change.insert("via".into(), Value::from(via));
    change.insert("at".into(), Value::from(now));
    next.history.push(Value::Object(change));
    next.updated_at = now;
    let cond = Condition::VersionEquals(lead.version().unwrap_or_default());
    match table.put(record::to_item(&next), cond).await {
        Ok(()) => Ok(next),
        Err(TableError::ConditionFailed) => Err(StoreError::Conflict(lead.id.clone())),
        Err(e) => Err(e.into()),
    }
}

/// Leads of a workspace, newest first, one page.
pub async fn page(
    table: &dyn Table,
    workspace: &str,
    limit: usize,
    cursor: Option<String>,
) -> Result<(Vec<Lead>, Option<String>), TableError> {
    let q = Query::gsi1(keys::leads_gsi(workspace))
        .backward()
        .limit(limit)
        .after(cursor);
    let p = table.query(&q).await?;
    let leads = p
        .items
        .into_iter()
        .filter_map(|i| record::from_item(i).ok())
        .collect();
    Ok((leads, p.cursor))
}

/// Every lead and run of a scenario (for its stats).
pub async fn runs_of(
    table: &dyn Table,
    workspace: &str,
    key: &str,
) -> Result<Vec<Lead>, TableError> {
    let mut all: Vec<Lead> = record::all(table, Query::gsi1(keys::leads_gsi(workspace))).await?;
    all.extend(record::all::<Lead>(table, Query::gsi1(keys::runs_gsi(workspace))).await?);
    all.retain(|l| l.scenario == key);
    Ok(all)
}

/// One page of a workspace's scenarios, by key.
pub async fn page_heads(
    table: &dyn Table,
    workspace: &str,
    limit: usize,
    cursor: Option<String>,
) -> Result<(Vec<Head>, Option<String>), TableError> {
    let p = table
        .query(
            &Query::partition(keys::scenarios_pk(workspace))
                .limit(limit)
                .after(cursor),
        )
        .await?;
    let heads = p
        .items
        .into_iter()
        .filter_map(|i| record::from_item(i).ok())
        .collect();
    Ok((heads, p.cursor))
}

/// Makes an archived scenario active again, on its newest version.
pub async fn reactivate(table: &dyn Table, workspace: &str, key: &str) -> Result<Head, StoreError> {
    let Some(h) = head(table, workspace, key).await? else {
        return Err(StoreError::NotFound(key.to_owned()));
    };
    if h.status == "active" {
        return Ok(h);
    }
    let cond = Condition::VersionEquals(h.rev);
    let active = Head {
        status: "active".into(),
        rev: h.rev + 1,
        updated_at: teledesk_ports::now_secs(),
        ..h
    };
    match table.put(record::to_item(&active), cond).await {
        Ok(()) => Ok(active),
        Err(TableError::ConditionFailed) => Err(StoreError::Conflict(key.to_owned())),
        Err(e) => Err(e.into()),
    }
}
