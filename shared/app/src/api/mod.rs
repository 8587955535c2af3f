//! The REST API for integrators, `/api/v1/...`: one axum router, served by the api Lambda and by
//! `teledesk serve`.
//!
//! Every request gets a request id (`X-Request-Id`, echoed or generated, and on every log line of
//! the request); `/api/v1` requests need `Authorization: Bearer <key>` ([`keys`]), are rate-limited
//! per key ([`ratelimit`], `X-RateLimit-*` on every response, 429 with `Retry-After`), and answer
//! errors as problem details ([`problem`]).

pub mod admin;
pub mod cursor;
pub mod idempotency;
pub mod keys;
pub mod messages;
pub mod openapi;
pub mod problem;
pub mod ratelimit;
pub mod schema;
pub mod tickets;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::Deps;
use problem::Problem;

pub const REQUEST_ID: &str = "x-request-id";

/// The authenticated caller, put in the request's extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Caller(pub keys::ApiKey);

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
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_owned);
    let Some(presented) = presented else {
        return Problem::unauthorized("send the API key as `Authorization: Bearer <key>`")
            .into_response();
    };
    let key = match keys::verify(&deps, &presented).await {
        Ok(Ok(k)) => k,
        Ok(Err(why)) => {
            let detail = match why {
                keys::Refused::Malformed => "that is not a Teledesk API key (tdk_…)",
                keys::Refused::Unknown => "the API key is not valid",
                keys::Refused::Revoked => "the API key was revoked",
                keys::Refused::Expired => "the API key has expired",
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
    keys::touch(&deps, &key).await;
    let mut resp = if window.remaining < 0 {
        Problem::rate_limited(window.reset_in).into_response()
    } else {
        req.extensions_mut().insert(Caller(key));
        next.run(req).await
    };
    window.headers(resp.headers_mut());
    resp
}

/// The `/api/v1` routes (authenticated).
pub fn routes(deps: Deps) -> Router {
    // Layers run outside in: authenticate, then the Idempotency-Key check, then the handler.
    let authenticated = tickets::routes()
        .merge(messages::routes())
        .merge(admin::routes())
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
        .merge(authenticated)
        .route("/api/v1/{*rest}", axum::routing::any(no_such_endpoint))
}

async fn no_such_endpoint() -> Problem {
    Problem::not_found("no such endpoint; see /api/v1/openapi.json")
}
