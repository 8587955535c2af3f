//! `/api/v1/tickets`: list (filters, cursor pagination), get, change, close and reopen. Changes run
//! the same desk code as the Telegram commands, so they emit the same events.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Caller;
use super::cursor::{self, Cursors};
use super::problem::{FieldError, Problem, unknown};
use super::schema::{
    MessageCounts, ProblemView, TicketCreate, TicketList, TicketUpdate, TicketView,
};
use crate::desk::tickets::{self, PRIORITIES, STATUS_CLOSED, STATUS_OPEN, STATUS_PENDING, Ticket};
use crate::desk::{Ctx, staff};
use crate::{Deps, bots, keys};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route("/api/v1/tickets", get(list).post(create))
        .route("/api/v1/tickets/{id}", get(get_one).put(update))
        .route("/api/v1/tickets/{id}/close", post(close))
        .route("/api/v1/tickets/{id}/reopen", post(reopen))
}

/// The ticket as the API shows it.
pub fn view(t: &Ticket) -> TicketView {
    TicketView::from(t)
}

/// A ticket of the caller's workspace, or 404 (another workspace's ticket does not exist for it).
pub(crate) async fn load(deps: &Deps, caller: &Caller, id: &str) -> Result<Ticket, Problem> {
    match tickets::get(deps, id).await? {
        Some(t) if t.workspace == caller.workspace() && t.status != tickets::STATUS_CREATING => {
            Ok(t)
        }
        _ => Err(Problem::not_found(format!("no ticket {id}"))),
    }
}

/// Get a ticket, with its message counts and last activity.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id", example = "TICK-MFUVZYDY-35975E9E")),
    security(("bearer" = ["tickets:read"])),
    responses(
        (status = 200, description = "The ticket", body = TicketView),
        (status = 404, description = "No such ticket in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn get_one(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("tickets:read")?;
    let t = load(&deps, &caller, &id).await?;
    let mut v = view(&t);
    let stats = deps
        .table
        .get(&keys::ticket_pk(&t.ticket_id), keys::TICKET_STATS_SK)
        .await?;
    let count = |side: &str| {
        stats
            .as_ref()
            .and_then(|s| s.get(&format!("messages_{side}")))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    v.message_counts = Some(MessageCounts {
        customer: count("customer"),
        staff: count("staff"),
    });
    v.last_activity_at = Some(tickets::last_activity(&deps, &t.ticket_id).await?);
    Ok(axum::Json(v).into_response())
}

/// An epoch-seconds query parameter (`created_after`, `created_from`, …); a bad one is a field
/// error.
pub fn parse_time(
    q: &HashMap<String, String>,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let v = q.get(name)?;
    match v.parse::<i64>() {
        Ok(t) if t >= 0 => Some(t),
        _ => {
            errors.push(FieldError {
                field: name.into(),
                message: "must be epoch seconds (a non-negative integer)".into(),
            });
            None
        }
    }
}

const LIST_PARAMS: &[&str] = &[
    "status",
    "priority",
    "desk",
    "customer",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "limit",
    "cursor",
];

/// How many stored tickets one list request reads at most while filtering.
const SCAN_BUDGET: usize = 1000;

/// List the workspace's tickets, newest first, with filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets",
    params(
        ("status" = Option<String>, Query, description = "open, pending or closed", pattern = "^(open|pending|closed)$"),
        ("priority" = Option<String>, Query, description = "low, normal, high or urgent", pattern = "^(low|normal|high|urgent)$"),
        ("desk" = Option<i64>, Query, description = "Group chat id holding the tickets' topics"),
        ("customer" = Option<i64>, Query, description = "Customer's Telegram user id"),
        ("created_after" = Option<i64>, Query, description = "Created at or after (epoch seconds)", minimum = 0),
        ("created_before" = Option<i64>, Query, description = "Created before (epoch seconds)", minimum = 0),
        ("updated_after" = Option<i64>, Query, description = "Updated at or after (epoch seconds)", minimum = 0),
        ("updated_before" = Option<i64>, Query, description = "Updated before (epoch seconds)", minimum = 0),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page (same filters)"),
    ),
    security(("bearer" = ["tickets:read"])),
    responses(
        (status = 200, description = "A page of tickets", body = TicketList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("tickets:read")?;
    let mut errors = unknown(q.keys(), LIST_PARAMS, "parameter");
    let status = q.get("status").cloned();
    if let Some(s) = &status
        && ![STATUS_OPEN, STATUS_PENDING, STATUS_CLOSED].contains(&s.as_str())
    {
        errors.push(FieldError {
            field: "status".into(),
            message: "one of open, pending, closed".into(),
        });
    }
    let priority = q.get("priority").cloned();
    if let Some(p) = &priority
        && !PRIORITIES.contains(&p.as_str())
    {
        errors.push(FieldError {
            field: "priority".into(),
            message: "one of low, normal, high, urgent".into(),
        });
    }
    let int = |name: &str, errors: &mut Vec<FieldError>| {
        q.get(name).and_then(|v| match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError {
                    field: name.into(),
                    message: "must be an integer".into(),
                });
                None
            }
        })
    };
    let desk = int("desk", &mut errors);
    let customer = int("customer", &mut errors);
    let created_after = parse_time(&q, "created_after", &mut errors);
    let created_before = parse_time(&q, "created_before", &mut errors);
    let updated_after = parse_time(&q, "updated_after", &mut errors);
    let updated_before = parse_time(&q, "updated_before", &mut errors);

    // The cursor is bound to the filters: a cursor of another listing is refused.
    let scope = cursor::scope("tickets", caller.workspace(), &q);
    let cursors = Cursors::new(&deps);
    let (limit, table_cursor) = cursors.page(&q, &scope, 20, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let matches = |t: &Ticket| {
        t.status != tickets::STATUS_CREATING
            && t.status != tickets::STATUS_FAILED
            && status.as_ref().is_none_or(|s| &t.status == s)
            && priority.as_ref().is_none_or(|p| &t.priority == p)
            && desk.is_none_or(|d| t.chat_id == d)
            && customer.is_none_or(|c| t.customer.as_ref().is_some_and(|p| p.user_id == c))
            && created_after.is_none_or(|a| t.created_at / 1000 >= a)
            && created_before.is_none_or(|b| t.created_at / 1000 < b)
            && updated_after.is_none_or(|a| t.updated_at >= a)
            && updated_before.is_none_or(|b| t.updated_at < b)
    };
    let (out, next_cursor) = cursors
        .scan_newest(
            &scope,
            keys::tickets_gsi(caller.workspace()),
            limit,
            table_cursor,
            SCAN_BUDGET,
            |item| {
                serde_json::from_value::<Ticket>(Value::Object(item))
                    .ok()
                    .filter(|t| matches(t))
                    .map(|t| view(&t))
            },
        )
        .await?;
    Ok(axum::Json(TicketList {
        data: out,
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// A JSON object body, or the problem saying why not.
/// The body of a PUT: the changes, as a JSON object; an empty body changes nothing and is refused
/// (the request needs one).
pub fn json_changes(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<serde_json::Map<String, Value>, Problem> {
    if body.is_empty() {
        return Err(Problem::bad_request(
            "send the changes as a JSON object (an empty body changes nothing)",
        ));
    }
    json_body(headers, body)
}

pub fn json_body(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<serde_json::Map<String, Value>, Problem> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !body.is_empty() && !ct.starts_with("application/json") {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as application/json",
        ));
    }
    if body.is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Problem::bad_request("the body must be a JSON object")),
        Err(e) => Err(Problem::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// Open a ticket: a forum topic in the bot's desk (or the given group), with the description as its
/// first message. Send an `Idempotency-Key` to retry safely.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets",
    request_body(content = TicketCreate, content_type = "application/json"),
    security(("bearer" = ["tickets:write"])),
    responses(
        (status = 201, description = "The new ticket", body = TicketView,
            headers(("Location" = String, description = "The ticket's URL"))),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such bot or group in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The desk is not ready (topics, rights), the request is still running, or no bot was named", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or the Idempotency-Key was used with another request", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("tickets:write")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(
        body.keys(),
        &["title", "description", "priority", "bot_id", "chat_id"],
        "field",
    );
    let title = match body.get("title") {
        Some(Value::String(s))
            if !s.trim().is_empty() && s.chars().count() <= tickets::MAX_TITLE =>
        {
            s.trim().to_owned()
        }
        _ => {
            errors.push(FieldError {
                field: "title".into(),
                message: "required: a non-empty string of at most 128 characters".into(),
            });
            String::new()
        }
    };
    let description = match body.get("description") {
        None => None,
        Some(Value::String(d)) if d.chars().count() <= 3000 => {
            Some(d.clone()).filter(|d| !d.trim().is_empty())
        }
        Some(_) => {
            errors.push(FieldError {
                field: "description".into(),
                message: "a string of at most 3000 characters".into(),
            });
            None
        }
    };
    let priority = match body.get("priority") {
        None => "normal".to_owned(),
        Some(Value::String(p)) if PRIORITIES.contains(&p.as_str()) => p.clone(),
        Some(_) => {
            errors.push(FieldError {
                field: "priority".into(),
                message: "one of low, normal, high, urgent".into(),
            });
            "normal".into()
        }
    };
    let bot_id = match body.get("bot_id") {
        None => None,
        Some(Value::String(b)) => Some(b.clone()),
        Some(_) => {
            errors.push(FieldError {
                field: "bot_id".into(),
                message: "a string".into(),
            });
            None
        }
    };
    let chat_id = match body.get("chat_id") {
        None => None,
        Some(v) => match super::problem::integer(v) {
            Some(c) => Some(c),
            None => {
                errors.push(FieldError {
                    field: "chat_id".into(),
                    message: "an integer (a group chat id)".into(),
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let workspace_bots: Vec<bots::BotRecord> = bots::list(&deps)
        .await?
        .into_iter()
        .filter(|b| b.workspace == caller.workspace() && b.enabled)
        .collect();
    let bot = match bot_id {
        Some(id) => workspace_bots
            .into_iter()
            .find(|b| b.bot_id == id)
            .ok_or_else(|| Problem::not_found(format!("no bot {id} in this workspace")))?,
        None => {
            let mut it = workspace_bots.into_iter();
            match (it.next(), it.next()) {
                (Some(b), None) => b,
                (None, _) => {
                    return Err(Problem::conflict(
                        "no-bot",
                        "the workspace has no bot; register one first",
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(Problem::field(
                        "bot_id",
                        "the workspace has several bots: name one",
                    ));
                }
            }
        }
    };
    let chat = match chat_id {
        Some(c) => c,
        None => crate::desk::groups::desk(&deps, &bot.bot_id)
            .await?
            .ok_or_else(|| {
                Problem::conflict(
                    "desk-not-ready",
                    "the bot has no desk: send /setup_desk in a group, or give chat_id",
                )
            })?,
    };
    let group = crate::desk::groups::get(&deps, &bot.bot_id, chat)
        .await?
        .filter(|g| g.active)
        .ok_or_else(|| Problem::not_found(format!("the bot is not in group {chat}")))?;
    let problems = group.problems(&bot.username);
    if !problems.is_empty() {
        let plain: Vec<String> = problems
            .iter()
            .map(|p| p.replace("<b>", "").replace("</b>", ""))
            .collect();
        return Err(Problem::conflict(
            "desk-not-ready",
            format!(
                "the group can't hold ticket topics yet: {}",
                plain.join(" ")
            ),
        ));
    }
    let op = op_id(&caller, &headers);
    let ctx = ctx_for(&deps, &bot, op).await;
    // The id follows from the operation: a retry of the same request (same Idempotency-Key) that
    // got past the idempotency record continues the same ticket.
    let ticket_id = tickets::ticket_id_from(op as u64);
    let new = tickets::NewTicket {
        ticket_id,
        chat_id: chat,
        title,
        description,
        created_by: tickets::Person {
            user_id: 0,
            username: None,
            name: format!("API ({})", caller.0.name),
            chat_id: None,
        },
        customer: None,
        previous_ticket_id: None,
    };
    let mut t = tickets::create(&ctx, new).await?;
    if t.priority != priority {
        t.priority = priority;
        t = tickets::save(&deps, &t).await?;
    }
    let location = format!("/api/v1/tickets/{}", t.ticket_id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        axum::Json(view(&t)),
    )
        .into_response())
}

/// A desk context for a change made through the API on a bot's ticket. `op` is the request's
/// operation number ([`op_id`]), standing in for Telegram's update id in event ids and journals.
pub(crate) async fn ctx_for<'a>(deps: &'a Deps, bot: &'a bots::BotRecord, op: i64) -> Ctx<'a> {
    Ctx::new(deps, crate::wiring::router(), bot, op)
}

/// The operation number of a request: from (workspace, API key, `Idempotency-Key`) when the
/// header is there, so a retry of the request continues the same operation and no other caller's
/// header value can name it; a fresh random number otherwise. `X-Request-Id` is a log correlation
/// id the caller chooses freely: it names nothing.
pub(crate) fn op_id(caller: &Caller, headers: &HeaderMap) -> i64 {
    match headers
        .get(super::idempotency::HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(key) => crate::desk::op_number("api", &[caller.workspace(), &caller.0.id, key]),
        None => -(rand::random::<i64>() & i64::MAX).max(1),
    }
}

pub(crate) async fn bot_of(deps: &Deps, t: &Ticket) -> Result<bots::BotRecord, Problem> {
    bots::get(deps, &t.bot_id)
        .await?
        .filter(|b| b.enabled)
        .ok_or_else(|| {
            Problem::conflict(
                "bot-unavailable",
                format!(
                    "the ticket's bot {} is not registered or disabled",
                    t.bot_id
                ),
            )
        })
}

/// Close a ticket: its topic is closed and the customer told. Closing a closed ticket changes nothing.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id")),
    security(("bearer" = ["tickets:write"])),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The ticket's bot is unavailable, or a concurrent change", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn close(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    caller.require("tickets:write")?;
    let t = load(&deps, &caller, &id).await?;
    if t.status != STATUS_CLOSED {
        let bot = bot_of(&deps, &t).await?;
        let ctx = ctx_for(&deps, &bot, op_id(&caller, &headers)).await;
        tickets::close(&ctx, t, &format!("the API ({})", caller.0.name)).await?;
    }
    let t = load(&deps, &caller, &id).await?;
    Ok(axum::Json(view(&t)).into_response())
}

/// Reopen a ticket: its topic is reopened and the customer's chat re-attached unless they have a newer ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/reopen", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id")),
    security(("bearer" = ["tickets:write"])),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 404, description = "No such ticket in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The ticket's bot is unavailable, or a concurrent change", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn reopen(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    caller.require("tickets:write")?;
    let t = load(&deps, &caller, &id).await?;
    if t.status == STATUS_CLOSED {
        let bot = bot_of(&deps, &t).await?;
        let ctx = ctx_for(&deps, &bot, op_id(&caller, &headers)).await;
        tickets::reopen(&ctx, t).await?;
    }
    let t = load(&deps, &caller, &id).await?;
    Ok(axum::Json(view(&t)).into_response())
}

/// Change a ticket's title (renames its topic), priority, status or assignee.
#[utoipa::path(put, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id")),
    request_body(content = TicketUpdate, content_type = "application/json"),
    security(("bearer" = ["tickets:write"])),
    responses(
        (status = 200, description = "The ticket after the change", body = TicketView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The ticket's bot is unavailable, or a concurrent change", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("tickets:write")?;
    let body = json_changes(&headers, &body)?;
    let mut errors = unknown(
        body.keys(),
        &["title", "priority", "status", "assignee"],
        "field",
    );
    let title = match body.get("title") {
        None => None,
        Some(Value::String(s))
            if !s.trim().is_empty() && s.chars().count() <= tickets::MAX_TITLE =>
        {
            Some(s.trim().to_owned())
        }
        Some(_) => {
            errors.push(FieldError {
                field: "title".into(),
                message: "a non-empty string of at most 128 characters".into(),
            });
            None
        }
    };
    let priority = match body.get("priority") {
        None => None,
        Some(Value::String(p)) if PRIORITIES.contains(&p.as_str()) => Some(p.clone()),
        Some(_) => {
            errors.push(FieldError {
                field: "priority".into(),
                message: "one of low, normal, high, urgent".into(),
            });
            None
        }
    };
    let status = match body.get("status") {
        None => None,
        Some(Value::String(s))
            if [STATUS_OPEN, STATUS_PENDING, STATUS_CLOSED].contains(&s.as_str()) =>
        {
            Some(s.clone())
        }
        Some(_) => {
            errors.push(FieldError {
                field: "status".into(),
                message: "one of open, pending, closed".into(),
            });
            None
        }
    };
    // 404 before anything that needs the workspace's data.
    load(&deps, &caller, &id).await?;
    let assignee = match body.get("assignee") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => match super::problem::integer(v) {
            Some(uid) if staff::get(&deps, caller.workspace(), uid).await?.is_some() => {
                Some(Some(uid))
            }
            _ => {
                errors.push(FieldError {
                    field: "assignee".into(),
                    message: "the user id of an internal user, or null".into(),
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let mut t = load(&deps, &caller, &id).await?;
    let bot = bot_of(&deps, &t).await?;
    let ctx = ctx_for(&deps, &bot, op_id(&caller, &headers)).await;
    // Status first: closing and reopening have their own steps (topic, customer, events).
    match status.as_deref() {
        Some(STATUS_CLOSED) if t.status != STATUS_CLOSED => {
            tickets::close(&ctx, t, &format!("the API ({})", caller.0.name)).await?;
        }
        Some(s @ (STATUS_OPEN | STATUS_PENDING)) if t.status == STATUS_CLOSED => {
            let (mut r, _) = tickets::reopen(&ctx, t).await?;
            if s == STATUS_PENDING {
                r.status = STATUS_PENDING.into();
                tickets::save(&deps, &r).await?;
            }
        }
        Some(s) if t.status != s => {
            t.status = s.into();
            tickets::save(&deps, &t).await?;
        }
        _ => {}
    }
    let mut t = load(&deps, &caller, &id).await?;
    let mut changes = serde_json::Map::new();
    if let Some(p) = priority.filter(|p| *p != t.priority) {
        t.priority = p.clone();
        changes.insert("priority".into(), json!(p));
    }
    if let Some(a) = assignee.filter(|a| *a != t.assignee) {
        t.assignee = a;
        changes.insert("assignee".into(), json!(a));
    }
    if let Some(title) = title.filter(|n| *n != t.title) {
        t.title = title.clone();
        if let Some(thread) = t.thread_id {
            ctx.tg
                .edit_forum_topic(t.chat_id, thread, &t.topic_name())
                .await
                .map_err(crate::desk::Fail::from)?;
        }
        changes.insert("title".into(), json!(title));
    }
    if !changes.is_empty() {
        let saved = tickets::save(&deps, &t).await?;
        crate::events::emit(
            &deps,
            crate::events::TICKET_UPDATED,
            &format!("{}#api#{}", saved.ticket_id, ctx.op),
            &saved.workspace,
            &saved.bot_id,
            json!({"ticket": saved.to_json(), "changes": changes}),
        )
        .await
        .map_err(crate::desk::Fail::from)?;
    }
    let t = load(&deps, &caller, &id).await?;
    Ok(axum::Json(view(&t)).into_response())
}
