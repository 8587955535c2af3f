//! `/api/v1/scenarios` (scopes `scenarios:read`, `scenarios:write`): publish, read, archive and
//! measure lead-capture scenarios; `/api/v1/leads` (scopes `leads:read`, `leads:write`): the
//! leads they make, and leads from other channels checked against a scenario's steps.

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
use super::tickets::{json_body, json_changes};
use crate::Deps;
use crate::scenarios::store::{self, Head, Lead};
use crate::scenarios::{external, stats, validate};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route(
            "/api/v1/scenarios",
            get(list_scenarios).post(create_scenario),
        )
        .route("/api/v1/scenarios/{key}", get(get_scenario))
        .route("/api/v1/scenarios/{key}/publish", post(publish_scenario))
        .route("/api/v1/scenarios/{key}/archive", post(archive_scenario))
        .route("/api/v1/scenarios/{key}/stats", get(scenario_stats))
        .route("/api/v1/leads", get(list_leads).post(create_lead))
        .route("/api/v1/leads/{id}", get(get_lead).put(update_lead))
}

/// A scenario: its newest version and status (with the scenario itself on a single read).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScenarioView {
    #[schema(example = "car_request")]
    pub key: String,
    /// A string, or one per language.
    #[schema(value_type = Object)]
    pub title: Value,
    /// The newest version.
    pub version: u32,
    /// `active` or `archived`.
    pub status: String,
    /// Shown on the bot's home view.
    pub menu: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The scenario as published (docs/scenario.schema.json); on single reads.
    #[schema(value_type = Option<Object>)]
    pub scenario: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScenarioList {
    pub data: Vec<ScenarioView>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// What a publish did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishResult {
    pub key: String,
    pub version: u32,
    /// False when the body was the newest version already (nothing published).
    pub created: bool,
}

/// One step's funnel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StepStatsView {
    pub id: String,
    pub reached: u64,
    pub answered: u64,
    pub dropped: u64,
}

/// A scenario's funnel (all versions, or one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatsView {
    pub scenario: String,
    pub version: Option<u32>,
    pub starts: u64,
    pub submits: u64,
    pub abandoned: u64,
    pub declined: u64,
    pub in_flight: u64,
    /// submits / starts.
    pub conversion: f64,
    pub median_seconds_to_submit: Option<i64>,
    pub steps: Vec<StepStatsView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub name: Option<String>,
    /// E.164.
    pub phone: Option<String>,
}

/// A lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeadView {
    #[schema(example = "LEAD-7KQ2M9XA4B")]
    pub id: String,
    /// `new`, `in_progress`, `converted`, `rejected` or `spam`.
    pub status: String,
    pub scenario: String,
    pub scenario_version: u32,
    /// Typed values keyed by step id.
    #[schema(value_type = Object)]
    pub answers: Value,
    /// Each answer's label, in the lead's language.
    #[schema(value_type = Object)]
    pub questions: Value,
    pub contact: ContactView,
    pub language: String,
    pub source: Option<String>,
    pub consent_at: Option<i64>,
    pub consent_version: Option<String>,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeadList {
    pub data: Vec<LeadView>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// A lead from another channel (a website form), checked against the scenario's steps.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadCreate {
    /// The scenario's key; its newest version checks the answers.
    pub scenario: String,
    /// Answers by step id, as the steps take them (a choice's value, a number, `+380…`).
    #[schema(value_type = Object)]
    pub answers: Value,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub contact: Option<Value>,
    #[schema(nullable = false, pattern = "^(en|ru|uk)$")]
    pub language: Option<String>,
    #[schema(nullable = false, max_length = 64)]
    pub source: Option<String>,
    /// Required when the scenario asks for consent: when it was given (epoch seconds).
    #[schema(nullable = false, minimum = 1)]
    pub consent_at: Option<i64>,
    #[schema(nullable = false, max_length = 64)]
    pub consent_version: Option<String>,
    #[schema(nullable = false, max_length = 2000)]
    pub note: Option<String>,
}

/// Changes to a lead (absent fields unchanged).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadUpdate {
    #[schema(
        nullable = false,
        pattern = "^(new|in_progress|converted|rejected|spam)$"
    )]
    pub status: Option<String>,
    #[schema(nullable = false, max_length = 2000)]
    pub note: Option<String>,
}

fn head_view(h: &Head, scenario: Option<Value>) -> ScenarioView {
    ScenarioView {
        key: h.key.clone(),
        title: serde_json::to_value(&h.title).unwrap_or_default(),
        version: h.latest,
        status: h.status.clone(),
        menu: h.menu,
        created_at: h.created_at,
        updated_at: h.updated_at,
        scenario,
    }
}

pub fn lead_view(l: &Lead) -> LeadView {
    LeadView {
        id: l.id.clone(),
        status: l.status.clone(),
        scenario: l.scenario.clone(),
        scenario_version: l.scenario_version,
        answers: Value::Object(l.answers.clone()),
        questions: Value::Object(l.questions.clone()),
        contact: ContactView {
            user_id: l.contact.user_id,
            username: l.contact.username.clone(),
            name: l.contact.name.clone(),
            phone: l.contact.phone.clone(),
        },
        language: l.language.clone(),
        source: l.source.clone(),
        consent_at: l.consent_at,
        consent_version: l.consent_version.clone(),
        note: l.note.clone(),
        created_at: l.created_at,
        updated_at: l.updated_at,
    }
}

fn problems(ps: Vec<validate::Problem>) -> Problem {
    Problem::validation(
        ps.into_iter()
            .map(|p| FieldError {
                field: if p.path.is_empty() {
                    "body".into()
                } else {
                    p.path
                },
                message: p.message,
            })
            .collect(),
    )
}

impl From<store::StoreError> for Problem {
    fn from(e: store::StoreError) -> Problem {
        match e {
            store::StoreError::Table(t) => t.into(),
            store::StoreError::NotFound(k) => Problem::not_found(format!("no scenario {k}")),
            store::StoreError::Conflict(k) => Problem::conflict(
                "conflict",
                format!("`{k}` was changed at the same time; read it again and retry"),
            ),
        }
    }
}

async fn publish_body(
    deps: &Deps,
    caller: &Caller,
    body: serde_json::Map<String, Value>,
    key: Option<&str>,
) -> Result<Response, Problem> {
    let sc = validate::validate(&Value::Object(body)).map_err(problems)?;
    if let Some(k) = key
        && sc.key != k
    {
        return Err(Problem::field(
            "key",
            format!("the body's key must be `{k}`, as in the path"),
        ));
    }
    let by = format!("api:{}", caller.0.id);
    let out = store::publish(deps.table.as_ref(), caller.workspace(), &sc, &by).await?;
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(PublishResult {
            key: out.key,
            version: out.version,
            created: out.created,
        }),
    )
        .into_response())
}

/// The workspace's scenarios, by key.
#[utoipa::path(get, path = "/api/v1/scenarios", tag = "scenarios", security(("bearer" = ["scenarios:read"])),
    params(
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 50)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses((status = 200, description = "A page of scenarios", body = ScenarioList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn list_scenarios(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("scenarios:read")?;
    let ws = caller.workspace();
    let (list, next_cursor) = cursor::simple_page(&deps, &q, "scenarios", ws, |limit, after| {
        store::page_heads(deps.table.as_ref(), ws, limit, after)
    })
    .await?;
    Ok(axum::Json(ScenarioList {
        data: list.iter().map(|h| head_view(h, None)).collect(),
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// Publish a scenario (JSON, as docs/scenario.schema.json) as its next version; an unchanged
/// body publishes nothing (200). The validator's problems are field errors with their paths.
#[utoipa::path(post, path = "/api/v1/scenarios", tag = "scenarios", security(("bearer" = ["scenarios:write"])),
    request_body(content = Object, content_type = "application/json", description = "A scenario (docs/scenario.schema.json)"),
    responses((status = 201, description = "Published as a new version", body = PublishResult),
        (status = 200, description = "The newest version already: nothing published", body = PublishResult),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Published at the same time by another request, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "The scenario is not valid (every problem, with its path), or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn create_scenario(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("scenarios:write")?;
    let body = json_changes(&headers, &body)?;
    publish_body(&deps, &caller, body, None).await
}

/// A scenario with its newest version (or `version`).
#[utoipa::path(get, path = "/api/v1/scenarios/{key}", tag = "scenarios", security(("bearer" = ["scenarios:read"])),
    params(("key" = String, Path, description = "Scenario key"),
        ("version" = Option<i64>, Query, description = "A published version (default: the newest)", minimum = 1, maximum = 4294967295i64)),
    responses((status = 200, description = "The scenario", body = ScenarioView),
        (status = 404, description = "No such scenario or version", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_scenario(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("scenarios:read")?;
    let version = version_param(&q)?;
    let h = load_head(&deps, &caller, &key).await?;
    let v = version.unwrap_or(h.latest);
    let p = store::version(deps.table.as_ref(), caller.workspace(), &key, v)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no version {v} of {key}")))?;
    let sc = serde_json::to_value(&p.scenario).unwrap_or_default();
    let mut view = head_view(&h, Some(sc));
    view.version = p.version;
    Ok(axum::Json(view).into_response())
}

fn version_param(q: &HashMap<String, String>) -> Result<Option<u32>, Problem> {
    let errors = unknown(q.keys(), &["version"], "parameter");
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    match q.get("version") {
        None => Ok(None),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(Problem::field("version", "a version number, 1 or more")),
        },
    }
}

async fn load_head(deps: &Deps, caller: &Caller, key: &str) -> Result<Head, Problem> {
    store::head(deps.table.as_ref(), caller.workspace(), key)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no scenario {key}")))
}

/// Publish a new version of this scenario (the body, whose key must match), or, with no body,
/// make an archived scenario active again on its newest version.
#[utoipa::path(post, path = "/api/v1/scenarios/{key}/publish", tag = "scenarios", security(("bearer" = ["scenarios:write"])),
    params(("key" = String, Path, description = "Scenario key")),
    request_body(content = Object, content_type = "application/json", description = "A scenario (docs/scenario.schema.json), or nothing"),
    responses((status = 201, description = "Published as a new version", body = PublishResult),
        (status = 200, description = "Nothing new to publish, or reactivated", body = PublishResult),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such scenario (without a body)", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Published at the same time by another request, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "The scenario is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn publish_scenario(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("scenarios:write")?;
    let body = json_body(&headers, &body)?;
    if !body.is_empty() {
        return publish_body(&deps, &caller, body, Some(&key)).await;
    }
    load_head(&deps, &caller, &key).await?;
    let h = store::reactivate(deps.table.as_ref(), caller.workspace(), &key).await?;
    Ok(axum::Json(PublishResult {
        key: h.key,
        version: h.latest,
        created: false,
    })
    .into_response())
}

/// Stop new conversations on a scenario; those in flight finish.
#[utoipa::path(post, path = "/api/v1/scenarios/{key}/archive", tag = "scenarios", security(("bearer" = ["scenarios:write"])),
    params(("key" = String, Path, description = "Scenario key")),
    responses((status = 200, description = "The scenario, archived", body = ScenarioView),
        (status = 404, description = "No such scenario", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same time, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn archive_scenario(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    caller.require("scenarios:write")?;
    load_head(&deps, &caller, &key).await?;
    let h = store::archive(deps.table.as_ref(), caller.workspace(), &key).await?;
    Ok(axum::Json(head_view(&h, None)).into_response())
}

/// The funnel: starts, per-step reached/answered/dropped, submits, abandoned, conversion.
#[utoipa::path(get, path = "/api/v1/scenarios/{key}/stats", tag = "scenarios", security(("bearer" = ["scenarios:read"])),
    params(("key" = String, Path, description = "Scenario key"),
        ("version" = Option<i64>, Query, description = "One version (default: all)", minimum = 1, maximum = 4294967295i64)),
    responses((status = 200, description = "The funnel", body = StatsView),
        (status = 404, description = "No such scenario", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn scenario_stats(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("scenarios:read")?;
    let version = version_param(&q)?;
    let h = load_head(&deps, &caller, &key).await?;
    let p = store::version(
        deps.table.as_ref(),
        caller.workspace(),
        &key,
        version.unwrap_or(h.latest),
    )
    .await?
    .ok_or_else(|| Problem::not_found(format!("no such version of {key}")))?;
    let runs = store::runs_of(deps.table.as_ref(), caller.workspace(), &key).await?;
    let in_flight = crate::scenarios::in_flight(&deps, caller.workspace(), &key, version)
        .await
        .map_err(Problem::from)?;
    let s = stats::compute(&p.scenario, version, &runs, in_flight);
    Ok(axum::Json(StatsView {
        scenario: s.scenario,
        version: s.version,
        starts: s.starts,
        submits: s.submits,
        abandoned: s.abandoned,
        declined: s.declined,
        in_flight: s.in_flight,
        conversion: s.conversion,
        median_seconds_to_submit: s.median_seconds_to_submit,
        steps: s
            .steps
            .into_iter()
            .map(|x| StepStatsView {
                id: x.id,
                reached: x.reached,
                answered: x.answered,
                dropped: x.dropped,
            })
            .collect(),
    })
    .into_response())
}

const LEAD_PARAMS: &[&str] = &[
    "status",
    "scenario",
    "source",
    "created_from",
    "created_to",
    "limit",
    "cursor",
];
/// Items a filtered leads page reads at most before it returns what it has (with a cursor).
const SCAN_BUDGET: usize = 1000;

/// Leads, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", security(("bearer" = ["leads:read"])),
    params(
        ("status" = Option<String>, Query, description = "new, in_progress, converted, rejected or spam", pattern = "^(new|in_progress|converted|rejected|spam)$"),
        ("scenario" = Option<String>, Query, description = "Scenario key"),
        ("source" = Option<String>, Query, description = "Attribution (`s_<key>__<source>`)"),
        ("created_from" = Option<i64>, Query, description = "Epoch seconds, inclusive", minimum = 0),
        ("created_to" = Option<i64>, Query, description = "Epoch seconds, inclusive", minimum = 0),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page (same filters)"),
    ),
    responses((status = 200, description = "A page of leads", body = LeadList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn list_leads(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("leads:read")?;
    let mut errors = unknown(q.keys(), LEAD_PARAMS, "parameter");
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
    let (scenario, source) = (q.get("scenario").cloned(), q.get("source").cloned());
    let scope = cursor::scope("leads", caller.workspace(), &q);
    let cursors = Cursors::new(&deps);
    let (limit, after) = cursors.page(&q, &scope, 20, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let (data, next_cursor) = cursors
        .scan_newest(
            &scope,
            crate::keys::leads_gsi(caller.workspace()),
            limit,
            after,
            SCAN_BUDGET,
            |item| {
                let l: Lead = crate::record::from_item(item).ok()?;
                let keep = status.as_ref().is_none_or(|s| &l.status == s)
                    && scenario.as_ref().is_none_or(|s| &l.scenario == s)
                    && source.as_ref().is_none_or(|s| l.source.as_ref() == Some(s))
                    && from.is_none_or(|f| l.created_at >= f)
                    && to.is_none_or(|t| l.created_at <= t);
                keep.then(|| lead_view(&l))
            },
        )
        .await?;
    Ok(axum::Json(LeadList {
        data,
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

async fn load_lead(deps: &Deps, caller: &Caller, id: &str) -> Result<Lead, Problem> {
    store::get(deps.table.as_ref(), id)
        .await?
        .filter(|l| l.workspace == caller.workspace() && l.is_lead())
        .ok_or_else(|| Problem::not_found(format!("no lead {id}")))
}

/// A lead.
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads", security(("bearer" = ["leads:read"])),
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 200, description = "The lead", body = LeadView),
        (status = 404, description = "No such lead", body = ProblemView, content_type = "application/problem+json")))]
pub async fn get_lead(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("leads:read")?;
    Ok(axum::Json(lead_view(&load_lead(&deps, &caller, &id).await?)).into_response())
}

/// Change a lead's status or note (`lead.updated`).
#[utoipa::path(put, path = "/api/v1/leads/{id}", tag = "leads", security(("bearer" = ["leads:write"])),
    params(("id" = String, Path, description = "Lead id")),
    request_body(content = LeadUpdate, content_type = "application/json"),
    responses((status = 200, description = "The lead", body = LeadView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such lead", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same time; read it again", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = ProblemView, content_type = "application/problem+json")))]
pub async fn update_lead(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("leads:write")?;
    let body = json_changes(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["status", "note"], "field");
    let status = match body.get("status") {
        None => None,
        Some(Value::String(s)) if store::STATUSES.contains(&s.as_str()) => Some(s.clone()),
        Some(_) => {
            errors.push(FieldError {
                field: "status".into(),
                message: format!("one of {}", store::STATUSES.join(", ")),
            });
            None
        }
    };
    let note = match body.get("note") {
        None => None,
        Some(Value::String(s)) if s.chars().count() <= 2000 => Some(s.clone()),
        Some(_) => {
            errors.push(FieldError {
                field: "note".into(),
                message: "a string of at most 2000 characters".into(),
            });
            None
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let lead = load_lead(&deps, &caller, &id).await?;
    let by = format!("api:{}", caller.0.id);
    let updated = store::update(
        deps.table.as_ref(),
        &lead,
        status.as_deref(),
        note.as_deref(),
        &by,
        "api",
    )
    .await?;
    // Emitted also when a retry finds the change made: its id names the change.
    crate::scenarios::announce_updated(&deps, &updated)
        .await
        .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok(axum::Json(lead_view(&updated)).into_response())
}

/// A lead from another channel (e.g. a website form): its answers are checked against the
/// scenario's newest version as the conversation checks them (`lead.created`).
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", security(("bearer" = ["leads:write"])),
    request_body(content = LeadCreate, content_type = "application/json"),
    responses((status = 201, description = "The lead", body = LeadView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such scenario", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "An answer or field is not valid (each with its path), or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json")))]
pub async fn create_lead(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("leads:write")?;
    let body = json_changes(&headers, &body)?;
    let key = match body.get("scenario") {
        Some(Value::String(k)) => k.clone(),
        _ => return Err(Problem::field("scenario", "required: a scenario's key")),
    };
    let p = store::active(deps.table.as_ref(), caller.workspace(), &key)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no active scenario {key}")))?;
    let now = teledesk_ports::now_secs();
    // Retried with its Idempotency-Key, the request writes the same lead, never a second one.
    let nonce = match headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        Some(k) => format!("{}|{k}", caller.0.id),
        None => hex::encode(rand::random::<[u8; 12]>()),
    };
    let id = store::lead_id(&[caller.workspace(), "api", &nonce]);
    let lead = external::lead(&p, caller.workspace(), &body, id, now).map_err(problems)?;
    let lead = if store::create(deps.table.as_ref(), &lead).await? {
        lead
    } else {
        store::get(deps.table.as_ref(), &lead.id)
            .await?
            .unwrap_or(lead)
    };
    crate::scenarios::announce_created(&deps, &lead)
        .await
        .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok((StatusCode::CREATED, axum::Json(lead_view(&lead))).into_response())
}
