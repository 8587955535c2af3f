//! `Idempotency-Key` on POST: the first request with a key runs; a retry with the same key and the
//! same request within 24 h gets the first response again (`Idempotent-Replayed: true`) without the
//! work being done twice; the same key with a different request is a 422; a retry while the first
//! is still running is a 409. Keys are scoped to the API key. A first attempt that failed with a
//! 5xx is forgotten, so that its retry runs.
//!
//! A request holds its record (`running`) under a lease ([`crate::config::Config::idempotency_lease`]):
//! when the process dies mid-request, or cannot write its answer, a retry after the lease takes the
//! record over (a versioned write: one retry wins) and runs. The work is safe to run again: the
//! operation number of the request ([`super::tickets::op_id`]) follows from the same key, so a
//! second run continues what the first did. An answer too large for a table item (400 KB) is kept
//! in the file store and the record points at it; an answer marked `Cache-Control: no-store`
//! (it holds a secret shown once: a new API key, a setup code) is not kept at all, and a retry is
//! told so (409) instead of getting the secret again from storage.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use sha2::{Digest, Sha256};
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, SK, TableError, VERSION};

use super::Caller;
use super::problem::Problem;
use crate::Deps;

pub const HEADER: &str = "idempotency-key";
pub const TTL_SECS: i64 = 24 * 3600;
const SK_IDEM: &str = "IDEM";
/// Answers up to this size are stored in the record itself (base64 grows them by a third; a table
/// item holds at most 400 KB); larger ones go to the file store.
pub const INLINE_ANSWER_BYTES: usize = 256 * 1024;
/// The largest answer kept for replay: a Lambda answers at most 6 MB.
pub const MAX_ANSWER_BYTES: usize = 6 * 1024 * 1024;

fn pk(key_id: &str, idem: &str) -> String {
    teledesk_bot::keys::idempotency_pk(key_id, &hex::encode(Sha256::digest(idem.as_bytes())))
}

/// Where an answer too large for the record is kept.
fn answer_file(pk: &str) -> String {
    format!("idempotency/{}", hex::encode(Sha256::digest(pk.as_bytes())))
}

/// The `Idempotency-Key` rule: 1–255 visible ASCII characters.
pub fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn idempotency(State(deps): State<Deps>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(idem) = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.run(req).await;
    };
    let idem = match idem {
        Ok(k) if valid_key(&k) => k,
        _ => {
            return Problem::field(HEADER, "1-255 visible ASCII characters").into_response();
        }
    };
    let Some(caller) = req.extensions().get::<Caller>().cloned() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, super::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return super::too_large().into_response(),
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(b" ");
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    let fingerprint = hex::encode(h.finalize());
    let key = pk(&caller.0.id, &idem);
    let version = match claim(&deps, &key, &fingerprint).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if resp.status().is_server_error() {
        // Forgotten, so the retry runs (unless a takeover holds the record now).
        if let Err(e) = deps
            .table
            .delete(&key, SK_IDEM, Condition::VersionEquals(version))
            .await
            && e != TableError::ConditionFailed
        {
            tracing::warn!(error = %e, "idempotency record of a failed request not removed");
        }
        return resp;
    }
    let (rparts, rbody) = resp.into_parts();
    let rbytes = match axum::body::to_bytes(rbody, MAX_ANSWER_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            tracing::error!("an answer over 6 MB cannot be replayed; the request ran");
            return Problem::unavailable("the answer was too large to send").into_response();
        }
    };
    let header_str = |name: header::HeaderName| {
        rparts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut done = Item::new();
    done.insert(PK.into(), json!(key));
    done.insert(SK.into(), json!(SK_IDEM));
    done.insert("state".into(), json!("done"));
    done.insert("fingerprint".into(), json!(fingerprint));
    done.insert("status".into(), json!(rparts.status.as_u16()));
    done.insert(
        "content_type".into(),
        json!(header_str(header::CONTENT_TYPE)),
    );
    done.insert("location".into(), json!(header_str(header::LOCATION)));
    done.insert(VERSION.into(), json!(version + 1));
    let secret = header_str(header::CACHE_CONTROL).is_some_and(|c| c.contains("no-store"));
    if secret {
        done.insert("replay".into(), json!("no-store"));
    } else if rbytes.len() <= INLINE_ANSWER_BYTES {
        done.insert("body".into(), json!(STANDARD.encode(&rbytes)));
    } else {
        let file = answer_file(&key);
        let ct = header_str(header::CONTENT_TYPE).unwrap_or_else(|| "application/json".into());
        match deps.files.put(&file, rbytes.to_vec(), &ct).await {
            Ok(()) => {
                done.insert("body_file".into(), json!(file));
            }
            Err(e) => {
                tracing::warn!(error = %e, "a large answer could not be kept for replay");
                done.insert("replay".into(), json!("not-stored"));
            }
        }
    }
    done.insert(
        EXPIRES_AT.into(),
        json!(teledesk_ports::now_secs() + TTL_SECS),
    );
    if let Err(e) = deps
        .table
        .put(done, Condition::VersionEquals(version))
        .await
    {
        // The record stays `running` until its lease ends; then a retry takes it over.
        tracing::warn!(error = %e, "idempotent answer not recorded");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

/// Claims the record for this request (absent, or a `running` one whose lease has ended); returns
/// the version this request holds it at, or the answer for a retry.
async fn claim(deps: &Deps, key: &str, fingerprint: &str) -> Result<i64, Response> {
    let now = teledesk_ports::now_secs();
    let lease = deps.config.idempotency_lease.as_secs() as i64;
    let record = |version: i64| {
        let mut c = Item::new();
        c.insert(PK.into(), json!(key));
        c.insert(SK.into(), json!(SK_IDEM));
        c.insert("state".into(), json!("running"));
        c.insert("fingerprint".into(), json!(fingerprint));
        c.insert("started_at".into(), json!(now));
        c.insert("lease_until".into(), json!(now + lease));
        c.insert(VERSION.into(), json!(version));
        c.insert(EXPIRES_AT.into(), json!(now + TTL_SECS));
        c
    };
    match deps.table.put(record(1), Condition::Absent).await {
        Ok(()) => return Ok(1),
        Err(TableError::ConditionFailed) => {}
        Err(e) => return Err(Problem::from(e).into_response()),
    }
    let item = match deps.table.get(key, SK_IDEM).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            return Err(Problem::conflict(
                "idempotency-in-progress",
                "the first request with this Idempotency-Key just ended; retry",
            )
            .into_response());
        }
        Err(e) => return Err(Problem::from(e).into_response()),
    };
    let s = |k: &str| table::str_attr(&item, k).unwrap_or_default();
    if s("fingerprint") != fingerprint {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was used with a different request in the last 24 h",
        )
        .into_response());
    }
    if s("state") == "done" {
        return Err(replay(deps, &item).await);
    }
    // Running: still within its lease (a record without one is another process's, running), or
    // abandoned and taken over by exactly one retry.
    let lease_until = table::int_attr(&item, "lease_until").unwrap_or(i64::MAX);
    let version = table::int_attr(&item, VERSION).unwrap_or(0);
    if now < lease_until {
        return Err(Problem::conflict(
            "idempotency-in-progress",
            "the first request with this Idempotency-Key is still running; retry shortly",
        )
        .into_response());
    }
    match deps
        .table
        .put(record(version + 1), Condition::VersionEquals(version))
        .await
    {
        Ok(()) => {
            tracing::info!(
                started_at = table::int_attr(&item, "started_at"),
                "an abandoned Idempotency-Key request is taken over"
            );
            Ok(version + 1)
        }
        Err(TableError::ConditionFailed) => Err(Problem::conflict(
            "idempotency-in-progress",
            "another retry with this Idempotency-Key took it over; retry shortly",
        )
        .into_response()),
        Err(e) => Err(Problem::from(e).into_response()),
    }
}

/// The recorded answer of a finished request.
async fn replay(deps: &Deps, item: &Item) -> Response {
    let s = |k: &str| table::str_attr(item, k).unwrap_or_default();
    match s("replay") {
        "no-store" => {
            return Problem::conflict(
                "idempotency-not-replayable",
                "the first request with this Idempotency-Key succeeded, and its answer held a \
                 secret that is shown once and not stored: make a new request (with a new key)",
            )
            .into_response();
        }
        "not-stored" => {
            return Problem::conflict(
                "idempotency-not-replayable",
                "the first request with this Idempotency-Key succeeded, but its answer could \
                 not be kept; read the resource instead",
            )
            .into_response();
        }
        _ => {}
    }
    let body = match table::str_attr(item, "body_file") {
        Some(file) => match deps.files.get(file).await {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Problem::conflict(
                    "idempotency-not-replayable",
                    "the stored answer of the first request is gone; read the resource instead",
                )
                .into_response();
            }
            Err(e) => {
                tracing::warn!(error = %e, "stored idempotent answer not read");
                return Problem::unavailable("storage is unavailable; retry shortly")
                    .into_response();
            }
        },
        None => STANDARD.decode(s("body")).unwrap_or_default(),
    };
    let status = table::int_attr(item, "status")
        .and_then(|c| StatusCode::from_u16(c as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(s("content_type")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(s("location"))
        && !s("location").is_empty()
    {
        h.insert(header::LOCATION, v);
    }
    h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_visible_ascii() {
        assert!(super::valid_key("order-1001"));
        assert!(!super::valid_key(""));
        assert!(!super::valid_key("with space"));
        assert!(!super::valid_key(&"k".repeat(256)));
        assert!(!super::valid_key("ключ"));
    }
}
