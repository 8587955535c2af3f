//! Per-key rate limit, shared by every Lambda and process: a counter per key and minute in the
//! table (`RL#<key id>` / window start), counted by [`crate::counter`].

use axum::http::{HeaderMap, HeaderValue};
use teledesk_ports::table::TableError;

use super::api_keys::ApiKey;
use crate::Deps;

pub const WINDOW_SECS: i64 = 60;

pub struct Window {
    pub limit: u32,
    /// Negative when this request is over the limit.
    pub remaining: i64,
    /// Seconds until the window resets.
    pub reset_in: u64,
}

impl Window {
    pub fn headers(&self, h: &mut HeaderMap) {
        h.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        h.insert(
            "x-ratelimit-remaining",
            HeaderValue::from(self.remaining.max(0)),
        );
        h.insert("x-ratelimit-reset", HeaderValue::from(self.reset_in));
    }
}

use teledesk_bot::keys::api_rate_pk as pk;

/// Counts one request of the key in the current window.
pub async fn hit(deps: &Deps, key: &ApiKey) -> Result<Window, TableError> {
    let now = teledesk_ports::now_secs();
    let (n, start) =
        crate::counter::hit(deps.table.as_ref(), &pk(&key.id), WINDOW_SECS, now).await?;
    Ok(Window {
        limit: key.rate_limit,
        remaining: i64::from(key.rate_limit) - n,
        reset_in: (start + WINDOW_SECS - now).max(1) as u64,
    })
}
