//! The REST API for integrators, `/api/v1/...`: one axum router, served by the api Lambda and by
//! `teledesk serve`.
//!
//! Every request gets a request id (`X-Request-Id`, echoed or generated, and on every log line of
//! the request); `/api/v1` requests need `Authorization: Bearer <key>` ([`keys`]), are rate-limited
//! per key ([`ratelimit`], `X-RateLimit-*` on every response, 429 with `Retry-After`), and answer
//! errors as problem details ([`problem`]).

pub mod admin;
pub mod api_keys;
pub mod catalog;
pub mod cursor;
pub mod idempotency;
pub mod messages;
pub mod offers;
pub mod openapi;
pub mod problem;
pub mod ratelimit;
pub mod requests;
pub mod scenarios;
pub mod schema;
pub mod tickets;
pub mod uploads;
pub mod webhooks;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::Deps;
use problem::Problem;

pub const REQUEST_ID: &str = "x-request-id";
/// The largest JSON body the API reads.
pub const MAX_JSON_BODY: usize = 1 << 20;
/// The largest body of any request (a multipart file): a Lambda's synchronous event is at most
/// 6 MB and API Gateway passes a binary body base64-encoded, a third larger, so 4 MiB of bytes
/// fit with room for the rest. Larger files go through [`uploads`].
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The answer to a body over its route's limit.
pub fn too_large() -> Problem {
    Problem::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "The body is too large",
        "JSON bodies are limited to 1 MB and file uploads in a request to 4 MB; send larger \
         files (up to 50 MB) through POST /api/v1/uploads",
    )
}

/// The authenticated caller, put in the request's extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Caller(pub api_keys::ApiKey);

impl Caller {
    pub fn require(&self, scope: &str) -> Result<(), Problem> {
        if self.0.allows(scope) {
            Ok(())
        } else {
            Err(Problem::forbidden(scope))
        }
    }
    pub fn workspace(&self) -> &str {
        &self.0.workspace
    }
}

fn valid_request_id(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Gives every request an id (the caller's `X-Request-Id` when it is sensible) and a log span.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("req_{}", hex::encode(rand::random::<[u8; 10]>())));
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let mut resp = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

/// Checks the API key, applies the key's rate limit, and adds the rate-limit headers.
pub async fn authenticate(State(deps): State<Deps>, mut req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            // The scheme is case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer`, `BEARER`.
            let (scheme, rest) = v.trim_start().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(rest)
        })
        .map(str::trim)
        .map(str::to_owned);
    let Some(presented) = presented else {
        return Problem::unauthorized("send the API key as `Authorization: Bearer <key>`")
            .into_response();
    };
    let key = match api_keys::verify(&deps, &presented).await {
        Ok(Ok(k)) => k,
        Ok(Err(why)) => {
            let detail = match why {
                api_keys::Refused::Malformed => "that is not a Teledesk API key (tdk_…)",
                api_keys::Refused::Unknown => "the API key is not valid",
                api_keys::Refused::Revoked => "the API key was revoked",
                api_keys::Refused::Expired => "the API key has expired",
            };
            tracing::info!(reason = ?why, "API key refused");
            return Problem::unauthorized(detail).into_response();
        }
        Err(e) => return Problem::from(e).into_response(),
    };
    let window = match ratelimit::hit(&deps, &key).await {
        Ok(w) => w,
        Err(e) => return Problem::from(e).into_response(),
    };
    api_keys::touch(&deps, &key).await;
    let mut resp = if window.remaining < 0 {
        Problem::rate_limited(window.reset_in).into_response()
    } else {
        req.extensions_mut().insert(Caller(key));
        next.run(req).await
    };
    window.headers(resp.headers_mut());
    resp
}

/// Turns the framework's own error answers under `/api/v1` (405, 413, a rejected path or query) into
/// problem details, so every error an integrator sees has the same shape.
pub async fn problems_only(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_owned();
    let mut p = match status {
        axum::http::StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            "method-not-allowed",
            "Method not allowed",
            "this endpoint does not take that method",
        ),
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
            status,
            "unsupported-media-type",
            "Unsupported media type",
            detail.clone(),
        ),
        s if s.is_server_error() => Problem::new(
            s,
            "internal",
            "Internal error",
            "an unexpected error; it was logged",
        ),
        s => Problem::new(
            s,
            "bad-request",
            "The request could not be read",
            detail.clone(),
        ),
    };
    if p.detail.is_empty() {
        p.detail = status.canonical_reason().unwrap_or("error").to_owned();
    }
    let mut out = p.into_response();
    for (k, v) in parts.headers.iter() {
        if k == header::ALLOW || k.as_str().starts_with("x-") {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// The `/api/v1` routes (authenticated).
pub fn routes(deps: Deps) -> Router {
    // Layers run outside in: authenticate, then the Idempotency-Key check, then the handler.
    let authenticated = tickets::routes()
        .merge(messages::routes())
        .merge(admin::routes())
        .merge(webhooks::routes())
        .merge(catalog::routes())
        .merge(uploads::routes())
        .merge(scenarios::routes())
        .merge(requests::routes())
        .merge(requests::channel_routes())
        .merge(requests::publish_routes())
        .merge(offers::routes())
        .layer(middleware::from_fn_with_state(
            deps.clone(),
            idempotency::idempotency,
        ))
        .layer(middleware::from_fn_with_state(deps.clone(), authenticate))
        .with_state(deps);
    Router::new()
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(openapi::serve_document),
        )
        .route("/docs", axum::routing::get(openapi::docs_page))
        .route(
            openapi::REDOC_PATH,
            axum::routing::get(openapi::redoc_script),
        )
        .merge(authenticated)
        .route("/api/v1/{*rest}", axum::routing::any(no_such_endpoint))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(middleware::from_fn(problems_only))
}

async fn no_such_endpoint() -> Problem {
    Problem::not_found("no such endpoint; see /api/v1/openapi.json")
}
