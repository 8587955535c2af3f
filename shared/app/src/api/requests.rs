//! `/api/v1/requests` (scopes `requests:read`, `requests:write`): requests made from leads or
//! directly; `POST /api/v1/leads/{id}/convert` makes one from a lead (once).

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Caller;
use super::cursor::{self, Cursors};
use super::problem::{FieldError, Problem, unknown};
use super::schema::ProblemView;
use super::tickets::json_changes;
use crate::Deps;
use crate::requests::store::{self, Request, StoreError};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route("/api/v1/requests", get(list_requests).post(create_request))
        .route(
            "/api/v1/requests/{id}",
            get(get_request).put(update_request),
        )
        .route("/api/v1/leads/{id}/convert", post(convert_lead))
}

/// A channel post a published request lives in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PostView {
    pub chat_id: i64,
    pub message_id: i32,
}

/// A request: what a customer wants, for dealers to offer on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestView {
    #[schema(example = "REQ-7KQ2M9XA4B")]
    pub id: String,
    /// `draft`, `published`, `has_offers`, `closed` or `cancelled`.
    pub status: String,
    pub lead_id: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year_min: Option<i64>,
    pub year_max: Option<i64>,
    /// Integer minor units of `currency` (2500000 is 25 000.00 USD).
    pub budget_max: Option<i64>,
    /// ISO 4217.
    pub currency: Option<String>,
    pub mileage_max: Option<i64>,
    pub fuel: Option<String>,
    pub gearbox: Option<String>,
    pub city: Option<String>,
    pub notes: Option<String>,
    pub offer_count: u32,
    pub chosen_offer_id: Option<String>,
    pub posts: Vec<PostView>,
    /// Who changed what, when, and how (`telegram`, `api`, `cli`).
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestList {
    pub data: Vec<RequestView>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// A request's fields (absent fields unchanged; null clears one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestWrite {
    #[schema(max_length = 60, min_length = 1)]
    pub make: Option<String>,
    #[schema(max_length = 60, min_length = 1)]
    pub model: Option<String>,
    #[schema(minimum = 1900, maximum = 2100)]
    pub year_min: Option<i64>,
    #[schema(minimum = 1900, maximum = 2100)]
    pub year_max: Option<i64>,
    /// Integer minor units of `currency`; needs `currency`.
    #[schema(minimum = 1, maximum = 9_000_000_000_000_000i64)]
    pub budget_max: Option<i64>,
    /// ISO 4217 (USD, EUR, UAH, PLN, JPY, …).
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency: Option<String>,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub mileage_max: Option<i64>,
    #[schema(max_length = 30, min_length = 1)]
    pub fuel: Option<String>,
    #[schema(max_length = 30, min_length = 1)]
    pub gearbox: Option<String>,
    #[schema(max_length = 100, min_length = 1)]
    pub city: Option<String>,
    #[schema(max_length = 2000, min_length = 1)]
    pub notes: Option<String>,
}

pub fn view(r: &Request) -> RequestView {
    RequestView {
        id: r.id.clone(),
        status: r.status.clone(),
        lead_id: r.lead_id.clone(),
        make: r.make.clone(),
        model: r.model.clone(),
        year_min: r.year_min,
        year_max: r.year_max,
        budget_max: r.budget_max,
        currency: r.currency.clone(),
        mileage_max: r.mileage_max,
        fuel: r.fuel.clone(),
        gearbox: r.gearbox.clone(),
        city: r.city.clone(),
        notes: r.notes.clone(),
        offer_count: r.offer_count,
        chosen_offer_id: r.chosen_offer_id.clone(),
        posts: r
            .posts
            .iter()
            .map(|p| PostView {
                chat_id: p.chat_id,
                message_id: p.message_id,
            })
            .collect(),
        history: r.history.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::Table(t) => t.into(),
            StoreError::Conflict => Problem::conflict(
                "conflict",
                "changed at the same time; read it again and retry",
            ),
            StoreError::Invalid(m) => Problem::bad_request(m),
        }
    }
}

pub(super) fn field_errors(errors: Vec<(String, String)>) -> Problem {
    Problem::validation(
        errors
            .into_iter()
            .map(|(field, message)| FieldError { field, message })
            .collect(),
    )
}

const REQUEST_PARAMS: &[&str] = &[
    "status",
    "make",
    "city",
    "created_from",
    "created_to",
    "has_offers",
    "limit",
    "cursor",
];

/// Requests, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", security(("bearer" = ["requests:read"])),
    params(
        ("status" = Option<String>, Query, description = "draft, published, has_offers, closed or cancelled", pattern = "^(draft|published|has_offers|closed|cancelled)$"),
        ("make" = Option<String>, Query, description = "Make (case-insensitive)"),
        ("city" = Option<String>, Query, description = "City (case-insensitive)"),
        ("created_from" = Option<i64>, Query, description = "Epoch seconds, inclusive", minimum = 0),
        ("created_to" = Option<i64>, Query, description = "Epoch seconds, inclusive", minimum = 0),
        ("has_offers" = Option<bool>, Query, description = "Only (true) or no (false) requests with offers"),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page (same filters)"),
    ),
    responses((status = 200, description = "A page of requests", body = RequestList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn list_requests(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    let mut errors = unknown(q.keys(), REQUEST_PARAMS, "parameter");
    let status = q.get("status").cloned();
    if status
        .as_deref()
        .is_some_and(|s| !store::STATUSES.contains(&s))
    {
        errors.push(FieldError {
            field: "status".into(),
            message: format!("one of {}", store::STATUSES.join(", ")),
        });
    }
    let from = super::tickets::parse_time(&q, "created_from", &mut errors);
    let to = super::tickets::parse_time(&q, "created_to", &mut errors);
    let has_offers = match q.get("has_offers").map(String::as_str) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push(FieldError {
                field: "has_offers".into(),
                message: "true or false".into(),
            });
            None
        }
    };
    let make = q.get("make").map(|s| s.to_lowercase());
    let city = q.get("city").map(|s| s.to_lowercase());
    let scope = cursor::scope("requests", caller.workspace(), &q);
    let cursors = Cursors::new(&deps);
    let (limit, after) = cursors.page(&q, &scope, 20, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let eq = |want: &Option<String>, got: &Option<String>| {
        want.as_ref()
            .is_none_or(|w| got.as_ref().is_some_and(|g| g.to_lowercase() == *w))
    };
    let (data, next_cursor) = cursors
        .scan_newest(
            &scope,
            store::requests_gsi(caller.workspace()),
            limit,
            after,
            1000,
            |item| {
                let r: Request = crate::record::from_item(item).ok()?;
                let keep = status.as_ref().is_none_or(|s| &r.status == s)
                    && eq(&make, &r.make)
                    && eq(&city, &r.city)
                    && from.is_none_or(|f| r.created_at >= f)
                    && to.is_none_or(|t| r.created_at <= t)
                    && has_offers.is_none_or(|h| (r.offer_count > 0) == h);
                keep.then(|| view(&r))
            },
        )
        .await?;
    Ok(axum::Json(RequestList {
        data,
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// Create a draft request directly (`request.created`).
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", security(("bearer" = ["requests:write"])),
    request_body(content = RequestWrite, content_type = "application/json"),
    responses((status = 201, description = "The request, a draft", body = RequestView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn create_request(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let body = json_changes(&headers, &body)?;
    // Retried with its Idempotency-Key, the call makes the same request, never a second one.
    let from = match headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        Some(k) => format!("api|{}|{}|{k}", caller.workspace(), caller.0.id),
        None => format!("api|{}", hex::encode(rand::random::<[u8; 12]>())),
    };
    let mut r = store::new_request(caller.workspace(), store::request_id(&from), None);
    let errors = store::apply(&mut r, &body);
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    r.history.push(
        serde_json::json!({"at": r.created_at, "by": format!("api:{}", caller.0.id),
                                       "via": "api", "changed": {"status": "draft"}}),
    );
    let r = if store::create(deps.table.as_ref(), &r).await? {
        r
    } else {
        store::get(deps.table.as_ref(), caller.workspace(), &r.id)
            .await?
            .unwrap_or(r)
    };
    crate::events::emit(
        &deps,
        crate::requests::REQUEST_CREATED,
        &r.id,
        caller.workspace(),
        "",
        crate::requests::request_json(&r),
    )
    .await
    .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok((StatusCode::CREATED, axum::Json(view(&r))).into_response())
}

async fn load(deps: &Deps, caller: &Caller, id: &str) -> Result<Request, Problem> {
    store::get(deps.table.as_ref(), caller.workspace(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no request {id}")))
}

/// A request.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests", security(("bearer" = ["requests:read"])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_request(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:read")?;
    Ok(axum::Json(view(&load(&deps, &caller, &id).await?)).into_response())
}

/// Change a request's fields (recorded in its history).
#[utoipa::path(put, path = "/api/v1/requests/{id}", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Request id")),
    request_body(content = RequestWrite, content_type = "application/json"),
    responses((status = 200, description = "The request", body = RequestView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same time, or closed or cancelled", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn update_request(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let body = json_changes(&headers, &body)?;
    let before = load(&deps, &caller, &id).await?;
    if matches!(before.status.as_str(), "closed" | "cancelled") {
        return Err(Problem::conflict(
            "request-ended",
            format!("request {id} is {}: it cannot change", before.status),
        ));
    }
    let mut after = before.clone();
    let errors = store::apply(&mut after, &body);
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    let by = format!("api:{}", caller.0.id);
    let saved = store::save(deps.table.as_ref(), &before, after, &by, "api").await?;
    // The channel posts follow the change (a retry finds the request unchanged and queues the
    // same jobs again: an edit to the same text is "not modified").
    crate::requests::publish::queue_edits(&deps, &saved)
        .await
        .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok(axum::Json(view(&saved)).into_response())
}

/// Make a draft request from a lead, prefilled by its scenario's mapping; the lead becomes
/// `converted`. Converting again answers the same request (200).
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 201, description = "The request, a draft", body = RequestView),
        (status = 200, description = "Converted before: the same request", body = RequestView),
        (status = 404, description = "No such lead", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn convert_lead(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("requests:write")?;
    let table = deps.table.as_ref();
    let lead = crate::scenarios::store::get(table, &id)
        .await?
        .filter(|l| l.workspace == caller.workspace() && l.is_lead())
        .ok_or_else(|| Problem::not_found(format!("no lead {id}")))?;
    let sc = crate::scenarios::store::version(
        table,
        caller.workspace(),
        &lead.scenario,
        lead.scenario_version,
    )
    .await?;
    let by = format!("api:{}", caller.0.id);
    let c = store::convert(table, &lead, sc.as_ref().map(|p| &p.scenario), &by, "api").await?;
    crate::requests::announce(&deps, &c, lead.bot_id.as_deref().unwrap_or(""))
        .await
        .map_err(|e| Problem::unavailable(format!("{e:?}")))?;
    let status = if c.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(view(&c.request))).into_response())
}

/// A channel requests are published to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealerChannelView {
    pub chat_id: i64,
    pub title: String,
    pub bot_id: String,
    pub added_by: String,
    pub added_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DealerChannelList {
    pub data: Vec<DealerChannelView>,
}

/// A channel to add: the bot must be an administrator there that can post messages.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerChannelWrite {
    /// The channel's id (`-100…`).
    #[schema(maximum = -1)]
    pub chat_id: i64,
    /// The bot that posts there (default: the workspace's only bot).
    #[schema(nullable = false, pattern = "^[0-9]{1,20}$")]
    pub bot_id: Option<String>,
}

fn channel_view(c: &crate::requests::channels::DealerChannel) -> DealerChannelView {
    DealerChannelView {
        chat_id: c.chat_id,
        title: c.title.clone(),
        bot_id: c.bot_id.clone(),
        added_by: c.added_by.clone(),
        added_at: c.added_at,
    }
}

pub fn channel_routes() -> Router<Deps> {
    Router::new()
        .route(
            "/api/v1/dealer-channels",
            get(list_channels).post(add_channel),
        )
        .route(
            "/api/v1/dealer-channels/{chat_id}",
            axum::routing::delete(remove_channel),
        )
}

/// The workspace's dealer channels.
#[utoipa::path(get, path = "/api/v1/dealer-channels", tag = "requests", security(("bearer" = ["admin"])),
    responses((status = 200, description = "The dealer channels", body = DealerChannelList)))]
pub async fn list_channels(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let list = crate::requests::channels::list(&deps, caller.workspace()).await?;
    Ok(axum::Json(DealerChannelList {
        data: list.iter().map(channel_view).collect(),
    })
    .into_response())
}

/// Add a dealer channel, after asking Telegram that the bot can post there.
#[utoipa::path(post, path = "/api/v1/dealer-channels", tag = "requests", security(("bearer" = ["admin"])),
    request_body(content = DealerChannelWrite, content_type = "application/json"),
    responses((status = 201, description = "The channel", body = DealerChannelView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not a channel the bot can post in (said why), no such bot, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn add_channel(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_changes(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["chat_id", "bot_id"], "field");
    let chat_id = match body.get("chat_id").and_then(super::problem::integer) {
        Some(c) if c < 0 => Some(c),
        _ => {
            errors.push(FieldError {
                field: "chat_id".into(),
                message: "required: the channel's id (-100…)".into(),
            });
            None
        }
    };
    let bot_id = match body.get("bot_id") {
        None => None,
        Some(Value::String(b)) => Some(b.clone()),
        Some(_) => {
            errors.push(FieldError {
                field: "bot_id".into(),
                message: "a bot id".into(),
            });
            None
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let chat_id = chat_id.unwrap_or_default();
    let bots: Vec<_> = crate::bots::list(&deps)
        .await?
        .into_iter()
        .filter(|b| b.workspace == caller.workspace())
        .collect();
    let bot = match &bot_id {
        Some(id) => bots.iter().find(|b| &b.bot_id == id),
        None if bots.len() == 1 => bots.first(),
        None => None,
    }
    .ok_or_else(|| {
        Problem::field(
            "bot_id",
            "name the bot that posts there (the workspace has none, or more than one)",
        )
    })?;
    let by = format!("api:{}", caller.0.id);
    match crate::requests::channels::add(&deps, caller.workspace(), bot, chat_id, &by).await {
        Ok(c) => Ok((StatusCode::CREATED, axum::Json(channel_view(&c))).into_response()),
        Err(crate::requests::channels::AddError::Refused(why)) => {
            Err(Problem::field("chat_id", why))
        }
        Err(crate::requests::channels::AddError::Table(e)) => Err(e.into()),
        Err(crate::requests::channels::AddError::Unavailable(e)) => Err(Problem::unavailable(e)),
    }
}

/// Remove a dealer channel (its posts stay in the channel).
#[utoipa::path(delete, path = "/api/v1/dealer-channels/{chat_id}", tag = "requests", security(("bearer" = ["admin"])),
    params(("chat_id" = String, Path, description = "The channel's id (an integer, e.g. -1001234567890)")),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No such dealer channel", body = ProblemView, content_type = "application/problem+json")))]
pub async fn remove_channel(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let Ok(chat_id) = chat_id.parse::<i64>() else {
        return Err(Problem::not_found(format!("no dealer channel {chat_id}")));
    };
    if crate::requests::channels::remove(&deps, caller.workspace(), chat_id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Problem::not_found(format!("no dealer channel {chat_id}")))
    }
}

/// What a publish queued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishQueued {
    pub request_id: String,
    /// Channels the request is being posted to now (0: it is in every channel already).
    pub queued: usize,
}

pub fn publish_routes() -> Router<Deps> {
    Router::new().route("/api/v1/requests/{id}/publish", post(publish_request))
}

/// Publish a request to every dealer channel it is not in yet (in the background: 202).
/// Publishing again posts nothing twice.
#[utoipa::path(post, path = "/api/v1/requests/{id}/publish", tag = "requests", security(("bearer" = ["requests:write"])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 202, description = "Queued", body = PublishQueued),
        (status = 404, description = "No such request", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Closed or cancelled, changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "There are no dealer channels, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn publish_request(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    use crate::requests::publish::{self, PublishError};
    caller.require("requests:write")?;
    let r = load(&deps, &caller, &id).await?;
    let by = format!("api:{}", caller.0.id);
    match publish::publish(&deps, &r, &by, "api").await {
        Ok(queued) => Ok((
            StatusCode::ACCEPTED,
            axum::Json(PublishQueued {
                request_id: id,
                queued,
            }),
        )
            .into_response()),
        Err(PublishError::NoChannels) => Err(Problem::field(
            "request",
            "there are no dealer channels: add one first (POST /api/v1/dealer-channels)",
        )),
        Err(e @ PublishError::Ended(..)) => Err(Problem::conflict("request-ended", e.to_string())),
        Err(PublishError::Store(e)) => Err(e.into()),
        Err(PublishError::Table(e)) => Err(e.into()),
        Err(PublishError::Queue(e)) => Err(Problem::unavailable(e.to_string())),
    }
}
