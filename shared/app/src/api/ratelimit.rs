//! Per-key rate limit, shared by every Lambda and process: a counter per key and minute in the
//! table (`RL#<key id>` / window start). The first hit of a window removes the previous window's
//! counter, so at most two live per key (counters carry no TTL: see docs/architecture.md).

use axum::http::{HeaderMap, HeaderValue};
use teledesk_ports::table::{Condition, TableError};

use super::keys::ApiKey;
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

fn pk(key_id: &str) -> String {
    format!("RL#{key_id}")
}

/// Counts one request of the key in the current window.
pub async fn hit(deps: &Deps, key: &ApiKey) -> Result<Window, TableError> {
    let now = teledesk_ports::now_secs();
    let start = now - now.rem_euclid(WINDOW_SECS);
    let n = deps
        .table
        .increment(&pk(&key.id), &start.to_string(), "count", 1)
        .await?;
    if n == 1 {
        let previous = (start - WINDOW_SECS).to_string();
        deps.table
            .delete(&pk(&key.id), &previous, Condition::None)
            .await?;
    }
    Ok(Window {
        limit: key.rate_limit,
        remaining: i64::from(key.rate_limit) - n,
        reset_in: (start + WINDOW_SECS - now).max(1) as u64,
    })
}
