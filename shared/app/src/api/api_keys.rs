//! API keys: `tdk_<lookup id>_<secret>`. The lookup id (12 characters) finds the record; the secret
//! (32 random bytes, base64url) is stored only as its SHA-256 and compared in constant time. A key
//! belongs to one workspace and carries scopes, an optional expiry, a per-minute rate limit and its
//! last-used time; it can be revoked. The key itself is shown once, when it is created.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use teledesk_ports::table::{Condition, Item, Query, TableError};

use crate::Deps;

pub const PREFIX: &str = "tdk_";
const ID_LEN: usize = 12;
const ID_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Every scope; `admin` includes the others.
pub const SCOPES: &[&str] = &[
    "tickets:read",
    "tickets:write",
    "messages:read",
    "messages:write",
    "catalog:read",
    "scenarios:read",
    "scenarios:write",
    "leads:read",
    "leads:write",
    "requests:read",
    "requests:write",
    "admin",
];
/// Requests per minute when a key names none.
pub const DEFAULT_RATE_LIMIT: u32 = 600;

pub use teledesk_bot::keys::{
    API_KEY_SK as KEY_SK, api_key_pk as key_pk, api_keys_gsi as keys_gsi,
};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub workspace: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
    pub created_at: i64,
    /// Not the table's TTL attribute: an expired key must still be found, to say it expired.
    pub key_expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub rate_limit: u32,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("workspace", &self.workspace)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ApiKey {
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope || s == "admin")
    }

    /// What the API and the CLI show of a key (never the hash).
    pub fn public(&self) -> Value {
        json!({"id": self.id, "name": self.name, "workspace": self.workspace, "scopes": self.scopes,
               "created_at": self.created_at, "expires_at": self.key_expires_at,
               "revoked_at": self.revoked_at, "last_used_at": self.last_used_at,
               "rate_limit_per_minute": self.rate_limit})
    }

    fn to_item(&self) -> Item {
        teledesk_bot::record::to_item(self)
    }
}

impl teledesk_bot::record::Record for ApiKey {
    const KIND: &'static str = "API key";
    fn key(&self) -> (String, String) {
        (key_pk(&self.id), KEY_SK.into())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        let sk = format!("{:010}#{}", self.created_at, self.id);
        Some((keys_gsi(&self.workspace), sk))
    }
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Splits a presented key into (lookup id, secret).
pub fn parse(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = (rest.get(..ID_LEN)?, rest.get(ID_LEN..)?.strip_prefix('_')?);
    (id.bytes().all(|b| ID_ALPHABET.contains(&b)) && secret.len() >= 43).then_some((id, secret))
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "unknown scope `{0}` (known: tickets:read, tickets:write, messages:read, messages:write, catalog:read, scenarios:read, scenarios:write, leads:read, leads:write, requests:read, requests:write, admin)"
    )]
    UnknownScope(String),
    #[error("a key needs at least one scope")]
    NoScope,
    #[error("no API key {0}")]
    NotFound(String),
    #[error(transparent)]
    Table(#[from] TableError),
}

/// A new key: returns the record and the key, which is not stored and cannot be shown again.
pub async fn create(
    deps: &Deps,
    workspace: &str,
    name: &str,
    scopes: &[String],
    expires_at: Option<i64>,
    rate_limit: Option<u32>,
) -> Result<(ApiKey, String), KeyError> {
    if scopes.is_empty() {
        return Err(KeyError::NoScope);
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(KeyError::UnknownScope(bad.clone()));
    }
    let id: String = rand::random::<[u8; ID_LEN]>()
        .iter()
        .map(|b| ID_ALPHABET[(*b as usize) % ID_ALPHABET.len()] as char)
        .collect();
    let secret =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let key = ApiKey {
        id: id.clone(),
        workspace: workspace.into(),
        name: name.into(),
        scopes: scopes.to_vec(),
        secret_hash: hash(&secret),
        created_at: teledesk_ports::now_secs(),
        key_expires_at: expires_at,
        revoked_at: None,
        last_used_at: None,
        rate_limit: rate_limit.unwrap_or(DEFAULT_RATE_LIMIT).max(1),
    };
    deps.table.put(key.to_item(), Condition::Absent).await?;
    Ok((key, format!("{PREFIX}{id}_{secret}")))
}

pub async fn get(deps: &Deps, id: &str) -> Result<Option<ApiKey>, TableError> {
    let item = deps.table.get(&key_pk(id), KEY_SK).await?;
    Ok(item.and_then(|i| teledesk_bot::record::from_item(i).ok()))
}

/// Why a presented key is refused (each is a 401 with its own detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

/// Checks a presented key. Unknown ids and wrong secrets are told apart from nothing: both are
/// `Unknown`.
pub async fn verify(deps: &Deps, presented: &str) -> Result<Result<ApiKey, Refused>, TableError> {
    let Some((id, secret)) = parse(presented) else {
        return Ok(Err(Refused::Malformed));
    };
    let Some(key) = get(deps, id).await? else {
        return Ok(Err(Refused::Unknown));
    };
    if !bool::from(hash(secret).as_bytes().ct_eq(key.secret_hash.as_bytes())) {
        return Ok(Err(Refused::Unknown));
    }
    if key.revoked_at.is_some() {
        return Ok(Err(Refused::Revoked));
    }
    if key
        .key_expires_at
        .is_some_and(|t| t <= teledesk_ports::now_secs())
    {
        return Ok(Err(Refused::Expired));
    }
    Ok(Ok(key))
}

/// Records use, at most once a minute per key (one write, not one per request).
pub async fn touch(deps: &Deps, key: &ApiKey) {
    let now = teledesk_ports::now_secs();
    if key.last_used_at.is_some_and(|t| now - t < 60) {
        return;
    }
    let mut k = key.clone();
    k.last_used_at = Some(now);
    if let Err(e) = deps.table.put(k.to_item(), Condition::Exists).await {
        tracing::debug!(error = %e, "last-used time not recorded");
    }
}

/// Keys of a workspace, oldest first.
pub async fn list(deps: &Deps, workspace: &str) -> Result<Vec<ApiKey>, TableError> {
    teledesk_bot::record::all(deps.table.as_ref(), Query::gsi1(keys_gsi(workspace))).await
}

/// Revokes a key of the workspace (idempotent).
pub async fn revoke(deps: &Deps, workspace: &str, id: &str) -> Result<ApiKey, KeyError> {
    let mut key = get(deps, id)
        .await?
        .filter(|k| k.workspace == workspace)
        .ok_or_else(|| KeyError::NotFound(id.into()))?;
    if key.revoked_at.is_none() {
        key.revoked_at = Some(teledesk_ports::now_secs());
        deps.table.put(key.to_item(), Condition::Exists).await?;
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_never_debug_print_the_hash() {
        let key = format!("tdk_abcdefghijkm_{}", "A".repeat(43));
        assert_eq!(parse(&key), Some(("abcdefghijkm", "A".repeat(43).as_str())));
        assert_eq!(parse("tdk_short_x"), None);
        assert_eq!(parse("Bearer xyz"), None);
        let k = ApiKey {
            id: "x".into(),
            workspace: "w".into(),
            name: "n".into(),
            scopes: vec![],
            secret_hash: "HASHVALUE".into(),
            created_at: 0,
            key_expires_at: None,
            revoked_at: None,
            last_used_at: None,
            rate_limit: 1,
        };
        assert!(!format!("{k:?}").contains("HASHVALUE"));
        assert!(!k.public().to_string().contains("HASHVALUE"));
    }
}
