//! `Idempotency-Key` on POST: the first request with a key runs; a retry with the same key and the
//! same request within 24 h gets the first response again (`Idempotent-Replayed: true`) without the
//! work being done twice; the same key with a different request is a 422; a retry while the first
//! is still running is a 409. Keys are scoped to the API key. A first attempt that failed with a
//! 5xx is forgotten, so that its retry runs.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use teledesk_ports::table::{Condition, EXPIRES_AT, Item, PK, SK, TableError};

use super::Caller;
use super::problem::Problem;
use crate::Deps;

pub const HEADER: &str = "idempotency-key";
pub const TTL_SECS: i64 = 24 * 3600;
/// Bodies up to this size are buffered to fingerprint the request.
pub const MAX_BODY: usize = 60 * 1024 * 1024;

fn pk(key_id: &str, idem: &str) -> String {
    format!(
        "IDEM#{key_id}#{}",
        hex::encode(Sha256::digest(idem.as_bytes()))
    )
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
        Ok(k) if (1..=255).contains(&k.len()) => k,
        _ => {
            return Problem::field(HEADER, "1-255 visible ASCII characters").into_response();
        }
    };
    let Some(caller) = req.extensions().get::<Caller>().cloned() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The body is too large",
                "bodies are limited to 60 MB",
            )
            .into_response();
        }
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(b" ");
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    let fingerprint = hex::encode(h.finalize());
    let key = pk(&caller.0.id, &idem);
    let now = teledesk_ports::now_secs();
    let mut claim = Item::new();
    claim.insert(PK.into(), json!(key));
    claim.insert(SK.into(), json!("IDEM"));
    claim.insert("state".into(), json!("running"));
    claim.insert("fingerprint".into(), json!(fingerprint));
    claim.insert("started_at".into(), json!(now));
    claim.insert(EXPIRES_AT.into(), json!(now + TTL_SECS));
    match deps.table.put(claim, Condition::Absent).await {
        Ok(()) => {}
        Err(TableError::ConditionFailed) => return earlier(&deps, &key, &fingerprint).await,
        Err(e) => return Problem::from(e).into_response(),
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if resp.status().is_server_error() {
        if let Err(e) = deps.table.delete(&key, "IDEM", Condition::None).await {
            tracing::warn!(error = %e, "idempotency record of a failed request not removed");
        }
        return resp;
    }
    let (rparts, rbody) = resp.into_parts();
    let rbytes = axum::body::to_bytes(rbody, 1 << 20)
        .await
        .unwrap_or_default();
    let mut done = Item::new();
    done.insert(PK.into(), json!(key));
    done.insert(SK.into(), json!("IDEM"));
    done.insert("state".into(), json!("done"));
    done.insert("fingerprint".into(), json!(fingerprint));
    done.insert("status".into(), json!(rparts.status.as_u16()));
    done.insert(
        "content_type".into(),
        json!(
            rparts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
        ),
    );
    done.insert(
        "location".into(),
        json!(
            rparts
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
        ),
    );
    done.insert("body".into(), json!(STANDARD.encode(&rbytes)));
    done.insert(EXPIRES_AT.into(), json!(now + TTL_SECS));
    if let Err(e) = deps.table.put(done, Condition::None).await {
        tracing::warn!(error = %e, "idempotent response not stored");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

async fn earlier(deps: &Deps, key: &str, fingerprint: &str) -> Response {
    let item = match deps.table.get(key, "IDEM").await {
        Ok(Some(i)) => i,
        Ok(None) => {
            return Problem::conflict(
                "idempotency-in-progress",
                "the first request with this Idempotency-Key just ended; retry",
            )
            .into_response();
        }
        Err(e) => return Problem::from(e).into_response(),
    };
    let s = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("fingerprint") != fingerprint {
        return Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was used with a different request in the last 24 h",
        )
        .into_response();
    }
    if s("state") != "done" {
        return Problem::conflict(
            "idempotency-in-progress",
            "the first request with this Idempotency-Key is still running; retry shortly",
        )
        .into_response();
    }
    let status = item
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|c| StatusCode::from_u16(c as u16).ok())
        .unwrap_or(StatusCode::OK);
    let body = STANDARD.decode(s("body")).unwrap_or_default();
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
