//! `/api/v1/webhooks`: integrators' webhook endpoints (scope `admin`). The secret is shown when an
//! endpoint is created, on explicit reveal, and when rotated; rotation keeps the old secret signing
//! for 24 h.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::table::{self, Query};
use utoipa::ToSchema;

use super::Caller;
use super::problem::{FieldError, Problem, unknown};
use super::schema::ProblemView;
use super::tickets::json_body;
use crate::webhooks::{self as wh, SecretEntry, WebhookEndpoint, guard, sign};
use crate::{Deps, events};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route("/api/v1/webhooks", get(list).post(create))
        .route(
            "/api/v1/webhooks/{id}",
            get(get_one).put(update).delete(remove),
        )
        .route("/api/v1/webhooks/{id}/secret", get(reveal))
        .route("/api/v1/webhooks/{id}/rotate", post(rotate))
        .route("/api/v1/webhooks/{id}/test", post(send_test))
        .route("/api/v1/webhooks/{id}/deliveries", get(deliveries))
        .route(
            "/api/v1/webhooks/{id}/deliveries/{event_id}/attempts",
            get(attempts),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries/{event_id}/resend",
            post(resend),
        )
        .route("/api/v1/webhooks/{id}/recover", post(recover))
        .route(
            "/api/v1/webhooks/{id}/recoveries/{recovery_id}",
            get(get_recovery),
        )
        .route("/api/v1/webhooks/template/preview", post(preview))
}

/// A webhook endpoint (without its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    #[schema(example = "whe_5f1c2a9e0b7d4c33")]
    pub id: String,
    #[schema(example = "https://crm.example.com/hooks/teledesk")]
    pub url: String,
    pub description: String,
    /// Event types delivered; empty means all.
    pub event_types: Vec<String>,
    /// Equality on payload fields, e.g. `{"data.priority": "urgent"}`.
    pub filter: Option<Value>,
    /// A minijinja template producing the JSON body (null: the event as is).
    pub template: Option<String>,
    /// Deliveries per second at most; null: no limit.
    pub rate_limit: Option<u32>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An endpoint with its signing secret (on creation, reveal and rotation).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookView,
    /// `whsec_…`: verify `webhook-signature` with it (Standard Webhooks).
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
}

/// The event types an endpoint can ask for (docs/events.md).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum EventTypeName {
    #[serde(rename = "ticket.created")]
    TicketCreated,
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    #[serde(rename = "ticket.closed")]
    TicketClosed,
    #[serde(rename = "message.sent")]
    MessageSent,
    #[serde(rename = "user.mentioned")]
    UserMentioned,
    #[serde(rename = "topic.created")]
    TopicCreated,
    #[serde(rename = "error.occurred")]
    ErrorOccurred,
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.updated")]
    LeadUpdated,
    #[serde(rename = "lead.converted")]
    LeadConverted,
    #[serde(rename = "request.created")]
    RequestCreated,
    #[serde(rename = "request.published")]
    RequestPublished,
    #[serde(rename = "request.closed")]
    RequestClosed,
    #[serde(rename = "request.cancelled")]
    RequestCancelled,
    #[serde(rename = "offer.created")]
    OfferCreated,
    #[serde(rename = "offer.withdrawn")]
    OfferWithdrawn,
    #[serde(rename = "offer.accepted")]
    OfferAccepted,
    #[serde(rename = "offer.rejected")]
    OfferRejected,
    #[serde(rename = "endpoint.disabled")]
    EndpointDisabled,
}

/// An endpoint to create, or changes to one (absent fields unchanged).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookWrite {
    /// https, or http for hosts on TELEDESK_WEBHOOK_ALLOWLIST. Required on creation.
    #[schema(
        nullable = false,
        example = "https://crm.example.com/hooks/teledesk",
        pattern = "^https://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/[A-Za-z0-9._~/-]*)?(\\?[A-Za-z0-9._~=&-]*)?$"
    )]
    pub url: Option<String>,
    #[schema(nullable = false, max_length = 256)]
    pub description: Option<String>,
    /// The types to deliver; empty or absent on creation: all.
    #[schema(value_type = Option<Vec<EventTypeName>>, nullable = false)]
    pub event_types: Option<Vec<String>>,
    /// Field paths to values: `{"data.priority": "urgent"}`; null removes it.
    pub filter: Option<Value>,
    /// A minijinja template whose output is the JSON body (`event` and `data` are available, and the
    /// `tojson` filter); checked by rendering a sample event; null removes it.
    #[schema(
        max_length = 16384,
        example = "{\"type\": {{ event.type | tojson }}, \"id\": {{ event.id | tojson }}}"
    )]
    pub template: Option<String>,
    /// Deliveries per second at most (1–1000); null removes the limit. Attempts over it wait
    /// their turn; they are not failures.
    #[schema(minimum = 1, maximum = 1000)]
    pub rate_limit: Option<u32>,
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
}

/// One delivery of an event to the endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub event_id: String,
    pub event_type: Option<String>,
    /// `pending`, `retrying`, `delivered`, `failed` or `skipped`.
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    pub data: Vec<DeliveryView>,
}

fn view(e: &WebhookEndpoint) -> WebhookView {
    WebhookView {
        id: e.id.clone(),
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: e.event_types.clone(),
        filter: e.filter.clone(),
        template: e.template.clone(),
        rate_limit: e.rate_limit,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason.clone(),
        failing_since: e.failing_since,
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

fn with_secret(e: &WebhookEndpoint) -> WebhookWithSecret {
    WebhookWithSecret {
        endpoint: view(e),
        secret: e
            .secrets
            .last()
            .map(|s| s.secret.clone())
            .unwrap_or_default(),
    }
}

async fn load(deps: &Deps, caller: &Caller, id: &str) -> Result<WebhookEndpoint, Problem> {
    wh::get_endpoint(deps, caller.workspace(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no webhook endpoint {id}")))
}

/// Applies a create/update body to an endpoint; field errors collected.
fn apply(
    e: &mut WebhookEndpoint,
    body: &serde_json::Map<String, Value>,
    creating: bool,
    allow: &guard::AllowList,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut err = |f: &str, m: &str| {
        errors.push(FieldError {
            field: f.into(),
            message: m.into(),
        })
    };
    for k in body.keys() {
        if ![
            "url",
            "description",
            "event_types",
            "filter",
            "template",
            "rate_limit",
            "enabled",
        ]
        .contains(&k.as_str())
        {
            err(k, "unknown field");
        }
    }
    match body.get("url") {
        Some(Value::String(u)) => match guard::check_url(u, allow) {
            None => e.url = u.clone(),
            Some(why) => err("url", &why),
        },
        None if !creating => {}
        _ => err("url", "required: an https URL"),
    }
    match body.get("description") {
        None => {}
        Some(Value::String(d)) if d.chars().count() <= 256 => e.description = d.clone(),
        Some(_) => err("description", "a string of at most 256 characters"),
    }
    match body.get("event_types") {
        None => {}
        Some(Value::Array(a))
            if a.iter().all(|t| {
                t.as_str()
                    .is_some_and(|t| events::TYPES.contains(&t) || t == "endpoint.disabled")
            }) =>
        {
            e.event_types = a
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
        }
        Some(_) => err(
            "event_types",
            &format!(
                "an array of: {}, endpoint.disabled",
                events::TYPES.join(", ")
            ),
        ),
    }
    match body.get("filter") {
        None => {}
        Some(Value::Null) => e.filter = None,
        Some(Value::Object(f)) => e.filter = Some(Value::Object(f.clone())),
        Some(_) => err("filter", "an object of field paths to values, or null"),
    }
    match body.get("template") {
        None => {}
        Some(Value::Null) => e.template = None,
        Some(Value::String(t)) => match wh::template::render(t, &wh::template::sample_event()) {
            Ok(_) => e.template = Some(t.clone()),
            Err(why) => err("template", &why),
        },
        Some(_) => err("template", "a string, or null"),
    }
    match body.get("rate_limit") {
        None => {}
        Some(Value::Null) => e.rate_limit = None,
        Some(v) => match super::problem::whole_number(v, 1..=1000) {
            Some(n) => e.rate_limit = Some(n as u32),
            None => err(
                "rate_limit",
                "deliveries per second: an integer from 1 to 1000, or null",
            ),
        },
    }
    match body.get("enabled") {
        None => {}
        Some(Value::Bool(b)) => {
            e.enabled = *b;
            if *b {
                e.disabled_reason = None;
                e.failing_since = None;
            }
        }
        Some(_) => err("enabled", "a boolean"),
    }
    errors
}

/// List the workspace's webhook endpoints.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = ["admin"])),
    responses((status = 200, description = "Endpoints (without secrets)", body = WebhookList)))]
pub async fn list(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let data = wh::list_endpoints(&deps, caller.workspace())
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(axum::Json(WebhookList { data }).into_response())
}

/// Create an endpoint; the answer carries its secret.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = ["admin"])),
    request_body(content = WebhookWrite, content_type = "application/json"),
    responses((status = 201, description = "The endpoint and its secret", body = WebhookWithSecret),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (e.g. an http URL not allow-listed), or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn create(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let now = teledesk_ports::now_secs();
    let mut e = WebhookEndpoint {
        id: format!("whe_{}", hex::encode(rand::random::<[u8; 8]>())),
        workspace: caller.workspace().into(),
        url: String::new(),
        description: String::new(),
        event_types: Vec::new(),
        filter: None,
        enabled: true,
        secrets: vec![SecretEntry {
            secret: sign::new_secret(),
            created_at: now,
            retire_at: None,
        }],
        template: None,
        rate_limit: None,
        created_at: now,
        updated_at: now,
        failing_since: None,
        disabled_reason: None,
        version: 0,
    };
    let errors = apply(&mut e, &body, true, &deps.config.webhook_allowlist);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let e = wh::save_endpoint(&deps, &e).await?;
    Ok((StatusCode::CREATED, axum::Json(with_secret(&e))).into_response())
}

/// One endpoint (without its secret).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = WebhookView),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_one(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    Ok(axum::Json(view(&load(&deps, &caller, &id).await?)).into_response())
}

/// Change an endpoint (URL, description, event types, filter, enabled — enabling clears a disable).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    request_body(content = WebhookWrite, content_type = "application/json"),
    responses((status = 200, description = "The endpoint", body = WebhookView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent change; retry", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn update(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = super::tickets::json_changes(&headers, &body)?;
    let mut e = load(&deps, &caller, &id).await?;
    let errors = apply(&mut e, &body, false, &deps.config.webhook_allowlist);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let e = save(&deps, &e).await?;
    Ok(axum::Json(view(&e)).into_response())
}

async fn save(deps: &Deps, e: &WebhookEndpoint) -> Result<WebhookEndpoint, Problem> {
    match wh::save_endpoint(deps, e).await {
        Ok(e) => Ok(e),
        Err(teledesk_ports::table::TableError::ConditionFailed) => Err(Problem::conflict(
            "busy",
            "the endpoint changed meanwhile; retry",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Delete an endpoint; its pending deliveries fail as "endpoint deleted".
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json")))]
pub async fn remove(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    if wh::delete_endpoint(&deps, caller.workspace(), &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Problem::not_found(format!("no webhook endpoint {id}")))
    }
}

/// Reveal the endpoint's current secret.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/secret", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint and its secret", body = WebhookWithSecret),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json")))]
pub async fn reveal(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let e = load(&deps, &caller, &id).await?;
    tracing::info!(endpoint_id = %e.id, key_id = %caller.0.id, "webhook secret revealed");
    Ok(axum::Json(with_secret(&e)).into_response())
}

/// Rotate the secret: a new one signs from now on, the previous one keeps signing for 24 h.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint and its new secret", body = WebhookWithSecret),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent change, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn rotate(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let mut e = load(&deps, &caller, &id).await?;
    let now = teledesk_ports::now_secs();
    e.secrets.retain(|s| s.retire_at.is_none_or(|t| t > now));
    for s in e.secrets.iter_mut().filter(|s| s.retire_at.is_none()) {
        s.retire_at = Some(now + 24 * 3600);
    }
    e.secrets.push(SecretEntry {
        secret: sign::new_secret(),
        created_at: now,
        retire_at: None,
    });
    let e = save(&deps, &e).await?;
    Ok(axum::Json(with_secret(&e)).into_response())
}

/// Send an example event to the endpoint now (delivered like any event, with retries).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 202, description = "The test delivery was queued", body = DeliveryView),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn send_test(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let e = load(&deps, &caller, &id).await?;
    if !e.enabled {
        return Err(Problem::conflict(
            "endpoint-disabled",
            "the endpoint is disabled: enable it first",
        ));
    }
    let mut event = events::envelope(
        "webhook.test",
        &format!("{}#{}", e.id, teledesk_ports::now_millis()),
        caller.workspace(),
        "",
        json!({"endpoint_id": e.id, "message": "This is a test event from Teledesk."}),
    );
    event["type"] = json!("webhook.test");
    // Only this endpoint: a test goes nowhere else.
    let mut only = e.clone();
    only.event_types.clear();
    only.filter = None;
    match wh::deliver_to(&deps, &only, &event).await {
        crate::batch::Outcome::Done => {}
        _ => {
            return Err(Problem::unavailable(
                "the test delivery could not be queued; retry",
            ));
        }
    }
    let d = deps
        .table
        .get(
            &wh::delivery_pk(&e.id),
            event["id"].as_str().unwrap_or_default(),
        )
        .await?
        .ok_or_else(|| Problem::unavailable("the test delivery was not recorded"))?;
    Ok((StatusCode::ACCEPTED, axum::Json(delivery_view(&d))).into_response())
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    pub attempt: i64,
    pub at: i64,
    /// The HTTP status, or null when no answer came (timeout, refused address, network).
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// The answer's body, at most 20 KB.
    pub response: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptList {
    pub data: Vec<AttemptView>,
}

/// Which deliveries to send again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    /// Deliveries created at or after this time (epoch seconds).
    #[schema(minimum = 0)]
    pub since: i64,
    /// Only count them.
    #[schema(nullable = false)]
    pub dry_run: Option<bool>,
}

/// A recovery and its progress: it runs in the background, page by page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryView {
    #[schema(example = "rec_5f0c2a9e1b7d4c3a")]
    pub id: String,
    pub endpoint_id: String,
    pub since: i64,
    pub dry_run: bool,
    /// `running` or `done`.
    pub status: String,
    /// Deliveries read so far.
    pub scanned: u64,
    /// Failed or skipped deliveries found since the time.
    pub found: u64,
    /// Those queued again (0 in a dry run).
    pub requeued: u64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

fn recovery_view(r: &wh::Recovery) -> RecoveryView {
    RecoveryView {
        id: r.id.clone(),
        endpoint_id: r.endpoint_id.clone(),
        since: r.since,
        dry_run: r.dry_run,
        status: r.status.clone(),
        scanned: r.scanned,
        found: r.found,
        requeued: r.requeued,
        started_at: r.started_at,
        finished_at: r.finished_at,
    }
}

/// A recovery's progress.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/recoveries/{recovery_id}", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id"), ("recovery_id" = String, Path, description = "Recovery id")),
    responses((status = 200, description = "The recovery", body = RecoveryView),
        (status = 404, description = "No such endpoint or recovery", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_recovery(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path((id, recovery_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let e = load(&deps, &caller, &id).await?;
    let r = wh::get_recovery(&deps, &e.id, &recovery_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no recovery {recovery_id}")))?;
    Ok(axum::Json(recovery_view(&r)).into_response())
}

/// The attempts of one delivery, in order.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries/{event_id}/attempts", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id"), ("event_id" = String, Path, description = "Event id")),
    responses((status = 200, description = "Attempts", body = AttemptList),
        (status = 404, description = "No such endpoint or delivery", body = ProblemView, content_type = "application/problem+json")))]
pub async fn attempts(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path((id, event_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let e = load(&deps, &caller, &id).await?;
    if deps
        .table
        .get(&wh::delivery_pk(&e.id), &event_id)
        .await?
        .is_none()
    {
        return Err(Problem::not_found(format!("no delivery of {event_id}")));
    }
    let page = deps
        .table
        .query(&Query::partition(wh::attempts_pk(&e.id, &event_id)).limit(100))
        .await?;
    let data = page
        .items
        .iter()
        .map(|a| AttemptView {
            attempt: table::str_attr(a, SK_NAME)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            at: table::int_attr(a, "at").unwrap_or(0),
            status_code: table::int_attr(a, "status_code"),
            duration_ms: table::int_attr(a, "duration_ms").unwrap_or(0),
            response: table::str_attr(a, "response")
                .unwrap_or_default()
                .to_owned(),
            error: table::str_attr(a, "error").map(str::to_owned),
        })
        .collect();
    Ok(axum::Json(AttemptList { data }).into_response())
}

const SK_NAME: &str = teledesk_ports::table::SK;

/// Send one delivery again now.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{event_id}/resend", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id"), ("event_id" = String, Path, description = "Event id")),
    responses((status = 202, description = "Queued again", body = DeliveryView),
        (status = 404, description = "No such endpoint or delivery", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn resend(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path((id, event_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let e = load(&deps, &caller, &id).await?;
    if !e.enabled {
        return Err(Problem::conflict(
            "endpoint-disabled",
            "the endpoint is disabled: enable it first",
        ));
    }
    match wh::requeue(&deps, &e, &event_id).await {
        Ok(true) => {}
        Ok(false) => return Err(Problem::not_found(format!("no delivery of {event_id}"))),
        Err(why) => return Err(Problem::unavailable(why)),
    }
    let d = deps
        .table
        .get(&wh::delivery_pk(&e.id), &event_id)
        .await?
        .ok_or_else(|| Problem::not_found("the delivery expired"))?;
    Ok((StatusCode::ACCEPTED, axum::Json(delivery_view(&d))).into_response())
}

/// Send again every failed or skipped delivery since a time; `dry_run` only counts them. The
/// recovery runs in the background, page by page: the answer is its record, and `Location` where
/// to follow its progress.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/recover", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    request_body(content = RecoverRequest, content_type = "application/json"),
    responses((status = 202, description = "The recovery, started", body = RecoveryView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn recover(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["since", "dry_run"], "field");
    let since = match body.get("since").and_then(super::problem::integer) {
        Some(t) if t >= 0 => t,
        _ => {
            errors.push(FieldError {
                field: "since".into(),
                message: "required: epoch seconds".into(),
            });
            0
        }
    };
    let dry_run = match body.get("dry_run") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError {
                field: "dry_run".into(),
                message: "a boolean".into(),
            });
            false
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let e = load(&deps, &caller, &id).await?;
    if !dry_run && !e.enabled {
        return Err(Problem::conflict(
            "endpoint-disabled",
            "the endpoint is disabled: enable it first",
        ));
    }
    let r = wh::start_recovery(&deps, &e, since, dry_run)
        .await
        .map_err(Problem::unavailable)?;
    Ok((
        StatusCode::ACCEPTED,
        [(
            axum::http::header::LOCATION,
            format!("/api/v1/webhooks/{}/recoveries/{}", e.id, r.id),
        )],
        axum::Json(recovery_view(&r)),
    )
        .into_response())
}

/// A template to try.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    #[schema(
        max_length = 16384,
        example = "{\"text\": {{ (\"New ticket: \" ~ data.title) | tojson }}}"
    )]
    pub template: String,
    /// The event to render (default: a sample ticket.created).
    pub event: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviewResult {
    /// The rendered JSON body.
    pub output: Value,
}

/// Render a payload template for an event (a sample ticket.created by default).
#[utoipa::path(post, path = "/api/v1/webhooks/template/preview", tag = "webhooks", security(("bearer" = ["admin"])),
    request_body(content = PreviewRequest, content_type = "application/json"),
    responses((status = 200, description = "The rendered body", body = PreviewResult),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "The template does not compile, fails, or its output is not JSON; or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn preview(
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    if let Some(k) = body.keys().find(|k| *k != "template" && *k != "event") {
        return Err(Problem::field(k, "unknown field"));
    }
    let Some(t) = body.get("template").and_then(Value::as_str) else {
        return Err(Problem::field("template", "required: a string"));
    };
    let event = body
        .get("event")
        .filter(|e| !e.is_null())
        .cloned()
        .unwrap_or_else(wh::template::sample_event);
    match wh::template::render(t, &event) {
        Ok(output) => Ok(axum::Json(PreviewResult { output }).into_response()),
        Err(why) => Err(Problem::field("template", why)),
    }
}

fn delivery_view(d: &table::Item) -> DeliveryView {
    DeliveryView {
        event_id: table::str_attr(d, "event_id")
            .unwrap_or_default()
            .to_owned(),
        event_type: table::str_attr(d, "event_type").map(str::to_owned),
        status: table::str_attr(d, "status").unwrap_or_default().to_owned(),
        attempts: table::int_attr(d, "attempts").unwrap_or(0),
        last_status_code: table::int_attr(d, "last_status_code"),
        last_error: table::str_attr(d, "last_error").map(str::to_owned),
        next_attempt_at: table::int_attr(d, "next_attempt_at"),
        created_at: table::int_attr(d, "created_at").unwrap_or(0),
        delivered_at: table::int_attr(d, "delivered_at"),
    }
}

/// The endpoint's deliveries (the log, kept 30 days by default).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "Deliveries", body = DeliveryList),
        (status = 404, description = "No such endpoint in the workspace", body = ProblemView, content_type = "application/problem+json")))]
pub async fn deliveries(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let e = load(&deps, &caller, &id).await?;
    let page = deps
        .table
        .query(&Query::partition(wh::delivery_pk(&e.id)).limit(100))
        .await?;
    let data = page.items.iter().map(delivery_view).collect();
    Ok(axum::Json(DeliveryList { data }).into_response())
}
