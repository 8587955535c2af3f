//! `/api/v1/channel-sources` (scope `admin`): the channels that feed the catalog, and their runs;
//! `/api/v1/listings` (scope `catalog:read`): the catalog.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use teledesk_catalog::Category;
use utoipa::ToSchema;

use super::Caller;
use super::cursor::{self, Cursors};
use super::problem::{FieldError, Problem, unknown};
use super::schema::ProblemView;
use super::tickets::json_body;
use crate::Deps;
use crate::listings::store::{self, Photo, Provenance, StoredListing};
use crate::listings::sync::{self, RunReport};
use crate::listings::{self as cat, ChannelSource, RunCounts, SourceKind};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route(
            "/api/v1/channel-sources",
            get(list_sources).post(create_source),
        )
        .route(
            "/api/v1/channel-sources/{id}",
            get(get_source).put(update_source).delete(delete_source),
        )
        .route("/api/v1/channel-sources/{id}/sync", post(sync_source))
        .route(
            "/api/v1/channel-sources/{id}/parse-range",
            post(parse_range),
        )
        .route("/api/v1/channel-sources/{id}/dry-run", post(dry_run))
        .route("/api/v1/listings", get(list_listings))
        .route("/api/v1/listings/{id}", get(get_listing))
}

/// A channel source and its sync state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceView {
    #[schema(example = "src_5f1c2a9e0b7d")]
    pub id: String,
    /// The channel's username (without `@`), or its numeric id for `channel_post` sources.
    #[schema(example = "cars_kyiv")]
    pub channel: String,
    pub kind: SourceKind,
    #[schema(value_type = String, example = "vehicles")]
    pub category: Category,
    pub schedule_minutes: u32,
    pub enabled: bool,
    /// The highest message id stored.
    pub cursor: i64,
    pub last_sync_at: Option<i64>,
    /// `new`, `ok`, `failed`, `rate_limited`.
    pub status: String,
    pub last_run: RunCounts,
    pub last_error: Option<String>,
    pub next_allowed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceList {
    pub data: Vec<SourceView>,
    pub has_more: bool,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// A source to create, or changes to one (absent fields unchanged).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceWrite {
    /// A channel username (5-32 letters, digits, `_`) or a numeric id (`-100…`). Required on
    /// creation; fixed afterwards.
    #[schema(
        nullable = false,
        example = "cars_kyiv",
        pattern = "^@?([A-Za-z][A-Za-z0-9_]{4,31}|-[0-9]{1,20})$"
    )]
    pub channel: Option<String>,
    #[schema(nullable = false)]
    pub kind: Option<SourceKind>,
    /// `vehicles` or `generic`.
    #[schema(nullable = false, value_type = Option<String>, pattern = "^(vehicles|generic)$")]
    pub category: Option<String>,
    /// Minutes between scheduled syncs (5-1440; default 15).
    #[schema(nullable = false, minimum = 5, maximum = 1440)]
    pub schedule_minutes: Option<u32>,
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
}

/// Changes to a source (absent fields unchanged); its channel and kind are fixed once created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceUpdate {
    /// `vehicles` or `generic`.
    #[schema(nullable = false, value_type = Option<String>, pattern = "^(vehicles|generic)$")]
    pub category: Option<String>,
    /// Minutes between scheduled syncs (5-1440).
    #[schema(nullable = false, minimum = 5, maximum = 1440)]
    pub schedule_minutes: Option<u32>,
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
}

/// Dates of a parse-range run (epoch seconds, inclusive).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeWrite {
    #[schema(minimum = 0)]
    pub from: i64,
    #[schema(minimum = 0)]
    pub to: i64,
}

/// A run queued in the background.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunQueued {
    pub source_id: String,
    pub mode: String,
    pub queued: bool,
}

/// A listing of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingView {
    #[schema(example = "lst_0a1b2c3d4e5f6a7b")]
    pub id: String,
    /// `active`, `draft` (low confidence: for review) or `sold`.
    pub status: String,
    #[schema(value_type = String)]
    pub category: Category,
    pub title: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<u16>,
    pub price: Option<f64>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    pub negotiable: bool,
    pub mileage_km: Option<u32>,
    pub fuel: Option<String>,
    pub transmission: Option<String>,
    pub engine_l: Option<f64>,
    pub location: Option<String>,
    pub vin: Option<String>,
    pub contact: Option<String>,
    pub description: String,
    pub confidence: f32,
    pub warnings: Vec<String>,
    pub duplicate: bool,
    /// Why it looks like a duplicate: `vin:<id>`, `fingerprint:<id>`, `photo:<id>` (the same
    /// photo bytes), `similar_photo:<id>` (a near-duplicate picture).
    pub duplicate_of: Vec<String>,
    /// The URL of the post that marked it sold by replying to it (a sold notice of its own).
    pub sold_by: Option<String>,
    pub photos: Vec<PhotoView>,
    pub provenance: Provenance,
    pub posted_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PhotoView {
    pub sha256: Option<String>,
    /// A presigned download link (one hour), on `GET /api/v1/listings/{id}` only.
    pub url: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingList {
    pub data: Vec<ListingView>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

fn source_view(s: &ChannelSource) -> SourceView {
    SourceView {
        id: s.id.clone(),
        channel: s.channel.clone(),
        kind: s.kind,
        category: s.category,
        schedule_minutes: s.schedule_minutes,
        enabled: s.enabled,
        cursor: s.cursor,
        last_sync_at: s.last_sync_at,
        status: s.status.clone(),
        last_run: s.last_run.clone(),
        last_error: s.last_error.clone(),
        next_allowed_at: s.next_allowed_at,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

fn listing_view(l: &StoredListing, photos: Vec<PhotoView>) -> ListingView {
    let f = &l.fields;
    ListingView {
        id: l.id.clone(),
        status: l.status.clone(),
        category: l.category,
        title: f.title.clone(),
        make: f.make.clone(),
        model: f.model.clone(),
        year: f.year,
        price: f.price,
        currency: f.currency.clone(),
        negotiable: f.negotiable,
        mileage_km: f.mileage_km,
        fuel: f.fuel.clone(),
        transmission: f.transmission.clone(),
        engine_l: f.engine_l,
        location: f.location.clone(),
        vin: f.vin.clone(),
        contact: f.contact.clone(),
        description: f.description.clone(),
        confidence: f.confidence,
        warnings: f.warnings.clone(),
        duplicate: l.duplicate,
        duplicate_of: l.duplicate_of.clone(),
        sold_by: l.sold_by.clone(),
        photos,
        provenance: l.provenance.clone(),
        posted_at: l.posted_at,
        created_at: l.created_at,
        updated_at: l.updated_at,
    }
}

fn photo_view(p: &Photo, url: Option<String>) -> PhotoView {
    PhotoView {
        sha256: p.sha256.clone(),
        url,
        error: p.error.clone(),
    }
}

async fn load(deps: &Deps, caller: &Caller, id: &str) -> Result<ChannelSource, Problem> {
    cat::get_source(deps, caller.workspace(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no channel source {id}")))
}

/// Applies a create/update body; field errors collected.
fn apply(
    s: &mut ChannelSource,
    body: &serde_json::Map<String, Value>,
    creating: bool,
) -> Vec<FieldError> {
    let fields: &[&str] = if creating {
        &["channel", "kind", "category", "schedule_minutes", "enabled"]
    } else {
        &["category", "schedule_minutes", "enabled"]
    };
    let mut errors = unknown(body.keys(), fields, "field");
    let mut err = |f: &str, m: &str| {
        errors.push(FieldError {
            field: f.into(),
            message: m.into(),
        })
    };
    match body.get("channel") {
        Some(Value::String(c)) if creating && cat::valid_channel(c) => {
            s.channel = c.trim_start_matches('@').to_owned();
        }
        Some(Value::String(_)) if creating => err(
            "channel",
            "a channel username (5-32 letters, digits, _) or a numeric id (-100…)",
        ),
        _ if !creating => {}
        _ => err("channel", "required: the channel's username or id"),
    }
    match body
        .get("kind")
        .filter(|_| creating)
        .map(|k| serde_json::from_value::<SourceKind>(k.clone()))
    {
        None => {}
        Some(Ok(k)) => s.kind = k,
        Some(Err(_)) => err("kind", "preview or channel_post"),
    }
    match body.get("category").and_then(Value::as_str) {
        None if body.get("category").is_none() => {}
        Some("vehicles") => s.category = Category::Vehicles,
        Some("generic") => s.category = Category::Generic,
        _ => err("category", "vehicles or generic"),
    }
    match body.get("schedule_minutes") {
        None => {}
        Some(v) => match super::problem::whole_number(v, 5..=1440) {
            Some(m) => s.schedule_minutes = m as u32,
            None => err(
                "schedule_minutes",
                "minutes between syncs: an integer from 5 to 1440",
            ),
        },
    }
    match body.get("enabled") {
        None => {}
        Some(Value::Bool(b)) => s.enabled = *b,
        Some(_) => err("enabled", "a boolean"),
    }
    if s.kind == SourceKind::ChannelPost && !s.channel.starts_with('-') && creating {
        err(
            "channel",
            "a channel_post source is the channel's numeric id (-100…), where the bot is an admin",
        );
    }
    errors
}

/// List the workspace's channel sources, by id, a page at a time.
#[utoipa::path(get, path = "/api/v1/channel-sources", tag = "catalog", security(("bearer" = ["admin"])),
    params(
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 50)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses((status = 200, description = "A page of channel sources", body = SourceList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn list_sources(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let ws = caller.workspace();
    let (list, next_cursor) =
        cursor::simple_page(&deps, &q, "channel-sources", ws, |limit, after| {
            cat::sources_page(&deps, ws, limit, after)
        })
        .await?;
    Ok(axum::Json(SourceList {
        data: list.iter().map(source_view).collect(),
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// Add a channel source.
#[utoipa::path(post, path = "/api/v1/channel-sources", tag = "catalog", security(("bearer" = ["admin"])),
    request_body(content = SourceWrite, content_type = "application/json"),
    responses((status = 201, description = "The source", body = SourceView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn create_source(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let mut s = ChannelSource::new(
        caller.workspace(),
        "",
        SourceKind::Preview,
        Category::Vehicles,
    );
    let errors = apply(&mut s, &body, true);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let s = cat::save_source(&deps, &s).await?;
    Ok((StatusCode::CREATED, axum::Json(source_view(&s))).into_response())
}

/// A channel source with its sync state.
#[utoipa::path(get, path = "/api/v1/channel-sources/{id}", tag = "catalog", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, description = "The source", body = SourceView),
        (status = 404, description = "No such source", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_source(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    Ok(axum::Json(source_view(&load(&deps, &caller, &id).await?)).into_response())
}

/// Change a channel source (schedule, category, enabled).
#[utoipa::path(put, path = "/api/v1/channel-sources/{id}", tag = "catalog", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Source id")),
    request_body(content = SourceUpdate, content_type = "application/json"),
    responses((status = 200, description = "The source", body = SourceView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn update_source(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = super::tickets::json_changes(&headers, &body)?;
    let mut s = load(&deps, &caller, &id).await?;
    let errors = apply(&mut s, &body, false);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let s = cat::save_source(&deps, &s).await.map_err(|e| match e {
        teledesk_ports::table::TableError::ConditionFailed => Problem::conflict(
            "changed-meanwhile",
            "the source changed meanwhile (a sync ran): send the change again",
        ),
        e => e.into(),
    })?;
    Ok(axum::Json(source_view(&s)).into_response())
}

/// Remove a channel source (its listings stay).
#[utoipa::path(delete, path = "/api/v1/channel-sources/{id}", tag = "catalog", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No such source", body = ProblemView, content_type = "application/problem+json")))]
pub async fn delete_source(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    if cat::delete_source(&deps, caller.workspace(), &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Problem::not_found(format!("no channel source {id}")))
    }
}

/// Only preview sources are synced: a channel_post source is fed by the bot's updates.
fn syncable(s: &ChannelSource) -> Result<(), Problem> {
    if s.kind == SourceKind::Preview {
        return Ok(());
    }
    Err(Problem::validation(vec![FieldError {
        field: "id".into(),
        message: "a channel_post source is fed by the bot's updates, not synced".into(),
    }]))
}

async fn queue_run(deps: &Deps, s: &ChannelSource, mode: sync::Mode) -> Result<Response, Problem> {
    syncable(s)?;
    sync::queue(deps, s, &mode, false)
        .await
        .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(RunQueued {
            source_id: s.id.clone(),
            mode: mode.name().into(),
            queued: true,
        }),
    )
        .into_response())
}

/// Sync the newest posts now (in the background; the source's status and counts tell how it went).
#[utoipa::path(post, path = "/api/v1/channel-sources/{id}/sync", tag = "catalog", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 202, description = "Queued", body = RunQueued),
        (status = 404, description = "No such source", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not a preview source, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn sync_source(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let s = load(&deps, &caller, &id).await?;
    queue_run(&deps, &s, sync::Mode::Latest).await
}

/// Sync the posts dated within a range (in the background).
#[utoipa::path(post, path = "/api/v1/channel-sources/{id}/parse-range", tag = "catalog", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Source id")),
    request_body(content = RangeWrite, content_type = "application/json"),
    responses((status = 202, description = "Queued", body = RunQueued),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Dates not valid, not a preview source, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn parse_range(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["from", "to"], "field");
    let date = |name: &str, errors: &mut Vec<FieldError>| match body
        .get(name)
        .and_then(super::problem::integer)
    {
        Some(t) if t >= 0 => Some(t),
        _ => {
            errors.push(FieldError {
                field: name.into(),
                message: "required: epoch seconds".into(),
            });
            None
        }
    };
    let (from, to) = (date("from", &mut errors), date("to", &mut errors));
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push(FieldError {
            field: "to".into(),
            message: "must not be before `from`".into(),
        });
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Problem::validation(errors));
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let s = load(&deps, &caller, &id).await?;
    queue_run(
        &deps,
        &s,
        sync::Mode::Range {
            from,
            to,
            before: None,
        },
    )
    .await
}

/// Fetch and parse the posts a sync would store, and store nothing.
#[utoipa::path(post, path = "/api/v1/channel-sources/{id}/dry-run", tag = "catalog", security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, description = "What a sync would store (or why it could not fetch)", body = RunReport),
        (status = 404, description = "No such source", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not a preview source, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn dry_run(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let s = load(&deps, &caller, &id).await?;
    syncable(&s)?;
    let fetcher = crate::listings::fetch::PreviewSource::of(&deps.config);
    let report = sync::run(&deps, &fetcher, &s, sync::Mode::DryRun, &|_, _| {}).await?;
    Ok(axum::Json(report).into_response())
}

const LISTING_PARAMS: &[&str] = &[
    "make",
    "model",
    "year_min",
    "year_max",
    "price_min",
    "price_max",
    "currency",
    "mileage_min",
    "mileage_max",
    "location",
    "source",
    "status",
    "duplicate",
    "limit",
    "cursor",
];

/// How many stored listings one list request reads at most while filtering.
const SCAN_BUDGET: usize = 2000;

/// The catalog, newest post first, with filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/listings", tag = "catalog",
    params(
        ("make" = Option<String>, Query, description = "Make (case-insensitive)"),
        ("model" = Option<String>, Query, description = "Model (case-insensitive)"),
        ("year_min" = Option<i64>, Query, minimum = 0, maximum = 9999), ("year_max" = Option<i64>, Query, minimum = 0, maximum = 9999),
        ("price_min" = Option<i64>, Query, description = "In `currency` units", minimum = 0, maximum = 1_000_000_000_000i64), ("price_max" = Option<i64>, Query, description = "In `currency` units", minimum = 0, maximum = 1_000_000_000_000i64),
        ("currency" = Option<String>, Query, description = "ISO 4217 code the price filters apply to", pattern = "^[A-Za-z]{3}$"),
        ("mileage_min" = Option<i64>, Query, description = "km", minimum = 0, maximum = 100_000_000), ("mileage_max" = Option<i64>, Query, description = "km", minimum = 0, maximum = 100_000_000),
        ("location" = Option<String>, Query, description = "Location (case-insensitive)"),
        ("source" = Option<String>, Query, description = "Channel source id"),
        ("status" = Option<String>, Query, description = "active, draft or sold", pattern = "^(active|draft|sold)$"),
        ("duplicate" = Option<bool>, Query, description = "Only (true) or no (false) probable duplicates"),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page (same filters)"),
    ),
    security(("bearer" = ["catalog:read"])),
    responses(
        (status = 200, description = "A page of listings", body = ListingList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn list_listings(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("catalog:read")?;
    let mut errors = unknown(q.keys(), LISTING_PARAMS, "parameter");
    let num = |name: &str, max: i64, errors: &mut Vec<FieldError>| {
        q.get(name).and_then(|v| match v.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => Some(n as f64),
            _ => {
                errors.push(FieldError {
                    field: name.into(),
                    message: format!("an integer from 0 to {max}"),
                });
                None
            }
        })
    };
    let year_min = num("year_min", 9999, &mut errors);
    let year_max = num("year_max", 9999, &mut errors);
    let price_min = num("price_min", 1_000_000_000_000, &mut errors);
    let price_max = num("price_max", 1_000_000_000_000, &mut errors);
    let mileage_min = num("mileage_min", 100_000_000, &mut errors);
    let mileage_max = num("mileage_max", 100_000_000, &mut errors);
    let text = |name: &str| q.get(name).map(|v| v.to_lowercase());
    let (make, model, location) = (text("make"), text("model"), text("location"));
    let currency = q.get("currency").map(|c| c.to_uppercase());
    if currency
        .as_ref()
        .is_some_and(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        errors.push(FieldError {
            field: "currency".into(),
            message: "an ISO 4217 code, three letters (USD, EUR, UAH…)".into(),
        });
    }
    let source = q.get("source").cloned();
    let status = q.get("status").cloned();
    if let Some(s) = &status
        && !["active", "draft", "sold"].contains(&s.as_str())
    {
        errors.push(FieldError {
            field: "status".into(),
            message: "one of active, draft, sold".into(),
        });
    }
    let duplicate = match q.get("duplicate").map(String::as_str) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push(FieldError {
                field: "duplicate".into(),
                message: "true or false".into(),
            });
            None
        }
    };
    let scope = cursor::scope("listings", caller.workspace(), &q);
    let cursors = Cursors::new(&deps);
    let (limit, table_cursor) = cursors.page(&q, &scope, 20, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let eq = |want: &Option<String>, got: &Option<String>| {
        want.as_ref()
            .is_none_or(|w| got.as_ref().is_some_and(|g| g.to_lowercase() == *w))
    };
    let within = |min: Option<f64>, max: Option<f64>, v: Option<f64>| {
        (min.is_none() && max.is_none())
            || v.is_some_and(|v| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m))
    };
    let matches = |l: &StoredListing| {
        let f = &l.fields;
        eq(&make, &f.make)
            && eq(&model, &f.model)
            && eq(&location, &f.location)
            && within(year_min, year_max, f.year.map(f64::from))
            && within(mileage_min, mileage_max, f.mileage_km.map(f64::from))
            && within(price_min, price_max, f.price)
            && currency
                .as_ref()
                .is_none_or(|c| f.currency.as_deref() == Some(c.as_str()))
            && source.as_ref().is_none_or(|s| &l.provenance.source_id == s)
            && status.as_ref().is_none_or(|s| &l.status == s)
            && duplicate.is_none_or(|d| l.duplicate == d)
    };
    let (out, next_cursor) = cursors
        .scan_newest(
            &scope,
            store::listings_gsi(caller.workspace()),
            limit,
            table_cursor,
            SCAN_BUDGET,
            |item| {
                let l = serde_json::from_value::<StoredListing>(Value::Object(item)).ok()?;
                matches(&l).then(|| {
                    let photos = l.photos.iter().map(|p| photo_view(p, None)).collect();
                    listing_view(&l, photos)
                })
            },
        )
        .await?;
    Ok(axum::Json(ListingList {
        data: out,
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// One listing, with presigned links to its photos.
#[utoipa::path(get, path = "/api/v1/listings/{id}", tag = "catalog", security(("bearer" = ["catalog:read"])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "The listing", body = ListingView),
        (status = 404, description = "No such listing", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_listing(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("catalog:read")?;
    let l = store::get_listing(&deps, caller.workspace(), &id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no listing {id}")))?;
    let mut photos = Vec::new();
    for p in &l.photos {
        let url = match &p.key {
            Some(k) => deps
                .files
                .presign_get(k, Duration::from_secs(3600))
                .await
                .ok(),
            None => None,
        };
        photos.push(photo_view(p, url));
    }
    Ok(axum::Json(listing_view(&l, photos)).into_response())
}
