//! The HTTP entry points as axum routers: the same routers run on Lambda (lambda_http) and under
//! `teledesk serve`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::Deps;
use crate::ingest::{self, IngestError};

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn telegram_webhook(
    State(deps): State<Deps>,
    Path(bot_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secret = headers.get(ingest::SECRET_HEADER).map(|v| v.as_bytes());
    match ingest::handle_webhook(&deps, &bot_id, secret, &body).await {
        Ok(accepted) => json_response(
            StatusCode::OK,
            json!({"ok": true, "duplicate": accepted == ingest::Accepted::Duplicate}),
        ),
        Err(e) => {
            if e != IngestError::Unavailable {
                tracing::info!(bot_id, status = e.status(), error = %e, "webhook request refused");
            }
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json_response(status, json!({"ok": false, "error": e.to_string()}))
        }
    }
}

async fn too_large_as_413(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Bytes, Response> {
    body.map_err(|rej| {
        let status = rej.status();
        let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
            IngestError::TooLarge.to_string()
        } else {
            rej.body_text()
        };
        json_response(status, json!({"ok": false, "error": msg}))
    })
}

async fn telegram_webhook_checked(
    state: State<Deps>,
    path: Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    match too_large_as_413(body).await {
        Ok(body) => telegram_webhook(state, path, headers, body).await,
        Err(resp) => resp,
    }
}

/// Liveness: answers without authentication.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The service is up", body = crate::api::schema::Health)))]
pub async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}),
    )
}

async fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, json!({"error": "no such endpoint"}))
}

fn webhook_routes(deps: Deps) -> Router {
    Router::new()
        .route("/telegram/{bot_id}", post(telegram_webhook_checked))
        // One byte over the limit is enough to refuse; the handler checks the exact size again.
        .layer(DefaultBodyLimit::max(ingest::MAX_BODY_BYTES + 1))
        .with_state(deps)
}

fn api_routes(deps: Deps) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(deps.clone())
        .merge(crate::api::routes(deps))
        .layer(axum::middleware::from_fn(crate::api::request_id))
}

/// `POST /telegram/{bot_id}`: the telegram-webhook Lambda.
pub fn webhook_router(deps: Deps) -> Router {
    webhook_routes(deps).fallback(not_found)
}

/// `GET /healthz` and, as the REST API issue lands, `/api/v1/...`: the api Lambda.
pub fn api_router(deps: Deps) -> Router {
    api_routes(deps).fallback(not_found)
}

/// Everything `teledesk serve` answers on HTTP.
pub fn serve_router(deps: Deps) -> Router {
    webhook_routes(deps.clone())
        .merge(api_routes(deps))
        .fallback(not_found)
}
