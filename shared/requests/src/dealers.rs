//! Dealers: the people who answer requests with offers (`DEALER#<workspace>` / `<user id>`).
//! A dealer is `pending` (registered through the bot, waiting for an admin), `approved` (may
//! offer) or `blocked`. The id (`DLR-…`) is derived from the workspace and the Telegram user, so
//! registering twice, or adding one who registered, is one dealer.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_bot::record::{self, Record};
use teledesk_ports::table::{Condition, Query, Table, TableError};

pub fn dealers_pk(workspace: &str) -> String {
    format!("DEALER#{workspace}")
}

pub const STATUSES: &[&str] = &["pending", "approved", "blocked"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dealer {
    pub id: String,
    pub workspace: String,
    pub user_id: i64,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub username: Option<String>,
    pub status: String,
    /// The request the person came from when registering (offered again once approved).
    #[serde(default)]
    pub came_for: Option<String>,
    /// The language the dealer speaks to the bot in (en, ru, uk).
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub history: Vec<Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl Record for Dealer {
    const KIND: &'static str = "dealer";
    fn key(&self) -> (String, String) {
        (dealers_pk(&self.workspace), self.user_id.to_string())
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
}

pub fn dealer_id(workspace: &str, user_id: i64) -> String {
    teledesk_bot::setup_codes::derived_id("DLR", &format!("dealer|{workspace}|{user_id}"))
}

pub fn new_dealer(workspace: &str, user_id: i64, name: &str, status: &str) -> Dealer {
    let now = teledesk_ports::now_secs();
    Dealer {
        id: dealer_id(workspace, user_id),
        workspace: workspace.to_owned(),
        user_id,
        name: name.to_owned(),
        company: None,
        phone: None,
        username: None,
        status: status.to_owned(),
        came_for: None,
        language: None,
        history: Vec::new(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DealerError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("changed at the same time; read it again and retry")]
    Conflict,
    #[error("{0}")]
    Invalid(String),
    #[error("no dealer {0}")]
    NotFound(String),
}

/// Checks a dealer's fields: a name of 1..=100 characters, a company ≤ 100, a phone of 7..=15
/// digits (an optional leading `+`).
pub fn check(d: &Dealer) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let len = d.name.trim().chars().count();
    if !(1..=100).contains(&len) {
        errors.push(("name".into(), "a name of 1 to 100 characters".into()));
    }
    if d.company.as_ref().is_some_and(|c| {
        let n = c.trim().chars().count();
        n == 0 || n > 100
    }) {
        errors.push((
            "company".into(),
            "a company of 1 to 100 characters, or null".into(),
        ));
    }
    if let Some(p) = &d.phone
        && !phone_ok(p)
    {
        errors.push((
            "phone".into(),
            "a phone number of 7 to 15 digits, optionally starting with +".into(),
        ));
    }
    if !STATUSES.contains(&d.status.as_str()) {
        errors.push(("status".into(), format!("one of {}", STATUSES.join(", "))));
    }
    errors
}

fn phone_ok(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or(p);
    let digits: String = digits.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

pub async fn get(
    table: &dyn Table,
    workspace: &str,
    user_id: i64,
) -> Result<Option<Dealer>, TableError> {
    let item = table
        .get(&dealers_pk(workspace), &user_id.to_string())
        .await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

/// Every dealer of the workspace (a workspace has hundreds at most: one partition).
pub async fn list(table: &dyn Table, workspace: &str) -> Result<Vec<Dealer>, TableError> {
    record::all(table, Query::partition(dealers_pk(workspace))).await
}

/// The dealer whose id is `id`.
pub async fn by_id(
    table: &dyn Table,
    workspace: &str,
    id: &str,
) -> Result<Option<Dealer>, TableError> {
    Ok(list(table, workspace)
        .await?
        .into_iter()
        .find(|d| d.id == id))
}

/// Writes a new dealer once; an existing one is answered as it is (false).
pub async fn create(table: &dyn Table, d: &Dealer) -> Result<(Dealer, bool), DealerError> {
    match table.put(record::to_item(d), Condition::Absent).await {
        Ok(()) => Ok((d.clone(), true)),
        Err(TableError::ConditionFailed) => get(table, &d.workspace, d.user_id)
            .await?
            .map(|d| (d, false))
            .ok_or(DealerError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Writes a changed dealer (conditional on the version read), recording what changed.
pub async fn save(
    table: &dyn Table,
    before: &Dealer,
    mut after: Dealer,
    by: &str,
    via: &str,
) -> Result<Dealer, DealerError> {
    let errors = check(&after);
    if let Some((f, m)) = errors.first() {
        return Err(DealerError::Invalid(format!("{f}: {m}")));
    }
    let old = serde_json::to_value(before).unwrap_or_default();
    let new = serde_json::to_value(&after).unwrap_or_default();
    let mut changed = serde_json::Map::new();
    for k in ["name", "company", "phone", "status"] {
        if old[k] != new[k] {
            changed.insert(k.into(), new[k].clone());
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
        Err(TableError::ConditionFailed) => Err(DealerError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Sets a dealer's status (`approved`, `blocked`); the dealer as it is after.
pub async fn set_status(
    table: &dyn Table,
    workspace: &str,
    user_id: i64,
    status: &str,
    by: &str,
    via: &str,
) -> Result<Dealer, DealerError> {
    let before = get(table, workspace, user_id)
        .await?
        .ok_or_else(|| DealerError::NotFound(user_id.to_string()))?;
    let mut after = before.clone();
    after.status = status.to_owned();
    save(table, &before, after, by, via).await
}

/// The dealer as the API shows it.
pub fn dealer_json(d: &Dealer) -> Value {
    json!({"id": d.id, "user_id": d.user_id, "name": d.name, "company": d.company,
           "phone": d.phone, "username": d.username, "status": d.status,
           "history": d.history, "created_at": d.created_at, "updated_at": d.updated_at})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dealer_is_checked_field_by_field() {
        let mut d = new_dealer("ws", 5, "Ann", "approved");
        assert!(check(&d).is_empty());
        d.name = " ".into();
        d.phone = Some("12ab".into());
        d.status = "maybe".into();
        let fields: Vec<String> = check(&d).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "phone", "status"]);
        d.name = "Ann".into();
        d.status = "pending".into();
        d.phone = Some("+380 67 123-45-67".into());
        assert!(check(&d).is_empty());
    }

    #[test]
    fn the_id_is_the_workspace_and_the_user() {
        assert_eq!(dealer_id("ws", 5), dealer_id("ws", 5));
        assert_ne!(dealer_id("ws", 5), dealer_id("ws", 6));
        assert_ne!(dealer_id("ws", 5), dealer_id("other", 5));
        assert!(dealer_id("ws", 5).starts_with("DLR-"));
    }
}
