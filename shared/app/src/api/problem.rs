//! RFC 9457 problem details (`application/problem+json`): every API error has a stable `type`, a
//! `title`, the `status`, a human `detail`, and field-level `errors` where input was wrong.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// The base of every problem `type` URI.
pub const TYPE_BASE: &str = "https://teledesk.dev/problems/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer-ish path of the field (`title`, `limit`…).
    pub field: String,
    pub message: String,
}

/// One error per name (a body field, a query parameter) that is not among `allowed`.
pub fn unknown<'a>(
    names: impl IntoIterator<Item = &'a String>,
    allowed: &[&str],
    what: &str,
) -> Vec<FieldError> {
    names
        .into_iter()
        .filter(|n| !allowed.contains(&n.as_str()))
        .map(|n| FieldError {
            field: n.clone(),
            message: format!("unknown {what}"),
        })
        .collect()
}

/// A JSON number that is an integer: `772` or `772.0`. JSON Schema's `integer` includes numbers
/// with a zero fraction, and clients that hold every number as a float send them; a float is taken
/// only where it is exact (within ±2^53).
pub fn integer(v: &serde_json::Value) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= EXACT)
            .map(|f| f as i64)
    })
}

/// An [`integer`] within `range`.
pub fn whole_number(v: &serde_json::Value, range: std::ops::RangeInclusive<u64>) -> Option<u64> {
    integer(v)
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| range.contains(n))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    /// The last segment of the `type` URI, e.g. `not-found`.
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            kind,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing or invalid API key",
            detail,
        )
    }
    pub fn forbidden(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "missing-scope",
            "The API key lacks a scope",
            format!("this request needs the `{scope}` scope"),
        )
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", what)
    }
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Problem {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request is not valid",
                detail,
            )
        }
    }
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request could not be read",
            detail,
        )
    }
    pub fn conflict(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, kind, "Conflict", detail)
    }
    pub fn rate_limited(retry_after: u64) -> Self {
        Problem {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!("the key's rate limit is used up; retry after {retry_after} s"),
            )
        }
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
            detail,
        )
    }
    pub fn upstream(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "telegram-refused",
            "Telegram refused the request",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": format!("{TYPE_BASE}{}", self.kind),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if !self.errors.is_empty() {
            body["errors"] = json!(self.errors);
        }
        let mut resp = (self.status, body.to_string()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<teledesk_ports::table::TableError> for Problem {
    fn from(e: teledesk_ports::table::TableError) -> Self {
        tracing::warn!(error = %e, "table error in an API request");
        Problem::unavailable("storage is unavailable; retry shortly")
    }
}

impl From<crate::desk::Fail> for Problem {
    fn from(e: crate::desk::Fail) -> Self {
        use crate::desk::Fail;
        match e {
            Fail::Telegram(t) if !t.is_transient() => Problem::upstream(t.to_string()),
            Fail::Busy => Problem::conflict(
                "busy",
                "the resource is being changed by another request; retry",
            ),
            Fail::Poison(why) => {
                tracing::warn!(error = %why, "unreadable record in an API request");
                Problem::unavailable("a stored record could not be read")
            }
            other => {
                tracing::warn!(error = %other, "dependency failed in an API request");
                Problem::unavailable("a dependency is unavailable; retry shortly")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integers_may_be_written_as_floats_with_no_fraction() {
        assert_eq!(integer(&json!(772)), Some(772));
        assert_eq!(integer(&json!(772.0)), Some(772));
        assert_eq!(
            integer(&json!(-1_001_234_567_890.0)),
            Some(-1_001_234_567_890)
        );
        assert_eq!(integer(&json!(-5)), Some(-5));
        for bad in [
            json!(2.5),
            json!("5"),
            json!(null),
            json!(1e300),
            json!(true),
        ] {
            assert_eq!(integer(&bad), None, "{bad}");
        }
        assert_eq!(whole_number(&json!(5.0), 5..=1440), Some(5));
        assert_eq!(whole_number(&json!(4), 5..=1440), None);
        assert_eq!(whole_number(&json!(-1.0), 0..=10), None);
    }
}
