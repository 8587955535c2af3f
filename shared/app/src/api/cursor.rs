//! Opaque, tamper-proof pagination cursors: the table's cursor and a fingerprint of the query
//! (so a cursor of one listing is refused by another), signed with HMAC-SHA256 under a secret kept
//! in the table (created on first use, shared by every Lambda).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use teledesk_ports::table::{Condition, Item, PK, Query, SK, TableError};

use super::problem::FieldError;
use crate::Deps;

const SECRET_PK: &str = "CONFIG";
const SECRET_SK: &str = "CURSOR_SECRET";

async fn secret(deps: &Deps) -> Result<Vec<u8>, TableError> {
    if let Some(item) = deps.table.get(SECRET_PK, SECRET_SK).await?
        && let Some(s) = item.get("secret").and_then(|v| v.as_str())
    {
        return Ok(URL_SAFE_NO_PAD.decode(s).unwrap_or_default());
    }
    let fresh = rand::random::<[u8; 32]>();
    let mut item = Item::new();
    item.insert(PK.into(), json!(SECRET_PK));
    item.insert(SK.into(), json!(SECRET_SK));
    item.insert("secret".into(), json!(URL_SAFE_NO_PAD.encode(fresh)));
    match deps.table.put(item, Condition::Absent).await {
        Ok(()) => Ok(fresh.to_vec()),
        // Another process made it first: use theirs.
        Err(TableError::ConditionFailed) => Box::pin(secret(deps)).await,
        Err(e) => Err(e),
    }
}

fn mac(secret: &[u8], scope: &str, inner: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(scope.as_bytes());
    m.update(b"\0");
    m.update(inner.as_bytes());
    m.finalize().into_bytes()[..16].to_vec()
}

/// What a listing's cursor is bound to: the listing, the workspace and every filter (not `limit`
/// and `cursor` themselves), so a cursor of other filters is refused.
pub fn scope(
    listing: &str,
    workspace: &str,
    q: &std::collections::HashMap<String, String>,
) -> String {
    let mut filters: Vec<(&String, &String)> = q
        .iter()
        .filter(|(k, _)| *k != "cursor" && *k != "limit")
        .collect();
    filters.sort();
    format!("{listing}|{workspace}|{filters:?}")
}

/// Seals and opens the cursors of one request; the secret is read from the table at most once.
pub struct Cursors<'a> {
    deps: &'a Deps,
    secret: tokio::sync::OnceCell<Vec<u8>>,
}

impl<'a> Cursors<'a> {
    pub fn new(deps: &'a Deps) -> Self {
        Cursors {
            deps,
            secret: tokio::sync::OnceCell::new(),
        }
    }

    async fn key(&self) -> Result<&[u8], TableError> {
        self.secret
            .get_or_try_init(|| secret(self.deps))
            .await
            .map(Vec::as_slice)
    }

    /// A listing's `limit` (1-100, else `default`) and the table cursor inside its `cursor`
    /// parameter; what is wrong goes into `errors`.
    pub async fn page(
        &self,
        q: &std::collections::HashMap<String, String>,
        scope: &str,
        default: usize,
        errors: &mut Vec<FieldError>,
    ) -> Result<(usize, Option<String>), TableError> {
        let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
            None => default,
            Some(Ok(n)) if (1..=100).contains(&n) => n,
            Some(_) => {
                errors.push(FieldError {
                    field: "limit".into(),
                    message: "an integer from 1 to 100".into(),
                });
                default
            }
        };
        let mut after = None;
        if let Some(c) = q.get("cursor").filter(|c| !c.is_empty()) {
            match self.open(scope, c).await? {
                Some(inner) => after = Some(inner),
                None => errors.push(FieldError {
                    field: "cursor".into(),
                    message: "not a cursor of this listing (altered, or from other filters)".into(),
                }),
            }
        }
        Ok((limit, after))
    }

    /// A filtered listing's page, newest first: reads the GSI1 `partition` backwards and keeps
    /// what `keep` makes something of, until `limit` are kept or `budget` items were read. Each
    /// table page asks for no more than still needed, so the returned cursor (sealed for `scope`)
    /// is exactly where the listing stopped: nothing is skipped between pages.
    pub async fn scan_newest<T>(
        &self,
        scope: &str,
        partition: String,
        limit: usize,
        mut after: Option<String>,
        budget: usize,
        mut keep: impl FnMut(Item) -> Option<T>,
    ) -> Result<(Vec<T>, Option<String>), TableError> {
        let mut out = Vec::new();
        let mut scanned = 0;
        let next = loop {
            let page = self
                .deps
                .table
                .query(
                    &Query::gsi1(partition.clone())
                        .backward()
                        .limit(limit - out.len())
                        .after(after.take()),
                )
                .await?;
            scanned += page.items.len();
            out.extend(page.items.into_iter().filter_map(&mut keep));
            match page.cursor {
                None => break None,
                Some(c) if out.len() >= limit || scanned >= budget => break Some(c),
                Some(c) => after = Some(c),
            }
        };
        let sealed = match next {
            Some(c) => Some(self.seal(scope, &c).await?),
            None => None,
        };
        Ok((out, sealed))
    }

    /// Wraps a table cursor for the listing identified by `scope`.
    pub async fn seal(&self, scope: &str, inner: &str) -> Result<String, TableError> {
        let key = self.key().await?;
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(inner),
            URL_SAFE_NO_PAD.encode(mac(key, scope, inner))
        ))
    }

    /// The table cursor inside a cursor given back by a client; None when it was altered or
    /// belongs to another listing.
    pub async fn open(&self, scope: &str, cursor: &str) -> Result<Option<String>, TableError> {
        let Some((body, tag)) = cursor.split_once('.') else {
            return Ok(None);
        };
        let (Ok(inner), Ok(tag)) = (URL_SAFE_NO_PAD.decode(body), URL_SAFE_NO_PAD.decode(tag))
        else {
            return Ok(None);
        };
        let Ok(inner) = String::from_utf8(inner) else {
            return Ok(None);
        };
        let key = self.key().await?;
        let ok = subtle::ConstantTimeEq::ct_eq(mac(key, scope, &inner).as_slice(), tag.as_slice());
        Ok(bool::from(ok).then_some(inner))
    }
}

/// One page of a listing that takes only `limit` (default 50) and `cursor`: the parameters checked,
/// `fetch` called with the page size and the table cursor to continue from, and its next table
/// cursor sealed for the caller. Returns the items and the sealed `next_cursor`.
pub async fn simple_page<T, E, Fut>(
    deps: &Deps,
    q: &std::collections::HashMap<String, String>,
    listing: &str,
    workspace: &str,
    fetch: impl FnOnce(usize, Option<String>) -> Fut,
) -> Result<(Vec<T>, Option<String>), super::problem::Problem>
where
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), E>>,
    super::problem::Problem: From<E>,
{
    let mut errors = super::problem::unknown(q.keys(), &["limit", "cursor"], "parameter");
    let scope = scope(listing, workspace, q);
    let cursors = Cursors::new(deps);
    let (limit, after) = cursors.page(q, &scope, 50, &mut errors).await?;
    if !errors.is_empty() {
        return Err(super::problem::Problem::validation(errors));
    }
    let (items, next) = fetch(limit, after).await?;
    let next_cursor = match next {
        Some(c) => Some(cursors.seal(&scope, &c).await?),
        None => None,
    };
    Ok((items, next_cursor))
}
