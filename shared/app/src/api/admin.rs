//! Workspace administration over HTTP (scope `admin`): desks (the groups the workspace's bots are
//! in), internal users, bots and API keys. Tokens, webhook secrets and key hashes are never
//! returned; a new API key is shown once, in the answer that creates it.

use axum::Router;
use axum::body::Bytes;
use std::collections::HashMap;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Caller;
use super::api_keys as keys;
use super::problem::{FieldError, Problem, unknown};
use super::schema::ProblemView;
use super::tickets::json_body;
use crate::desk::groups::{self, Group};
use crate::desk::staff::{self, Staff};
use crate::{Deps, bots, setup_codes};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route("/api/v1/desks", get(list_desks))
        .route("/api/v1/desks/setup-codes", post(create_setup_code))
        .route("/api/v1/desks/{chat_id}", get(get_desk))
        .route("/api/v1/desks/{chat_id}/setup", post(setup_desk))
        .route("/api/v1/staff", get(list_staff).post(put_staff))
        .route(
            "/api/v1/staff/{user_id}",
            get(get_staff).delete(delete_staff),
        )
        .route("/api/v1/bots", get(list_bots).post(register_bot))
        .route("/api/v1/bots/{bot_id}", get(get_bot))
        .route("/api/v1/bots/{bot_id}/webhook", post(set_webhook))
        .route("/api/v1/keys", get(list_keys).post(create_key))
        .route("/api/v1/keys/{id}", axum::routing::delete(revoke_key))
}

/// A numeric id from the path; anything else names nothing (404).
fn int_id(raw: &str, what: &str) -> Result<i64, Problem> {
    raw.parse()
        .map_err(|_| Problem::not_found(format!("no {what} {raw}")))
}

// ---- desks ------------------------------------------------------------------------------------

/// A group a bot of the workspace is in, and whether it can hold ticket topics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeskView {
    pub bot_id: String,
    pub chat_id: i64,
    pub title: String,
    /// `group` or `supergroup`.
    #[serde(rename = "type")]
    pub kind: String,
    pub is_forum: bool,
    pub can_manage_topics: bool,
    pub can_delete_messages: bool,
    pub active: bool,
    /// The bot's desk: private conversations open tickets here.
    pub is_desk: bool,
    /// What must change before the group can hold ticket topics (empty when ready).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeskList {
    pub data: Vec<DeskView>,
}

fn plain(html: &str) -> String {
    html.replace("<b>", "")
        .replace("</b>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn desk_view(g: &Group, bot_username: &str) -> DeskView {
    DeskView {
        bot_id: g.bot_id.clone(),
        chat_id: g.chat_id,
        title: g.title.clone(),
        kind: g.kind.clone(),
        is_forum: g.is_forum,
        can_manage_topics: g.can_manage_topics,
        can_delete_messages: g.can_delete_messages,
        active: g.active,
        is_desk: g.is_desk,
        problems: g.problems(bot_username).iter().map(|p| plain(p)).collect(),
    }
}

async fn workspace_bots(deps: &Deps, caller: &Caller) -> Result<Vec<bots::BotRecord>, Problem> {
    Ok(bots::list(deps)
        .await?
        .into_iter()
        .filter(|b| b.workspace == caller.workspace())
        .collect())
}

/// The group `chat_id` as one of the workspace's bots knows it.
async fn find_desk(
    deps: &Deps,
    caller: &Caller,
    chat_id: i64,
) -> Result<(Group, bots::BotRecord), Problem> {
    for b in workspace_bots(deps, caller).await? {
        if let Some(g) = groups::get(deps, &b.bot_id, chat_id).await? {
            return Ok((g, b));
        }
    }
    Err(Problem::not_found(format!(
        "no bot of this workspace is in group {chat_id}"
    )))
}

/// The groups the workspace's bots are in.
#[utoipa::path(get, path = "/api/v1/desks", tag = "admin",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The groups", body = DeskList),
    ))]
pub async fn list_desks(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let mut data = Vec::new();
    for b in workspace_bots(&deps, &caller).await? {
        for g in groups::list(&deps, &b.bot_id).await? {
            data.push(desk_view(&g, &b.username));
        }
    }
    Ok(axum::Json(DeskList { data }).into_response())
}

/// One group.
#[utoipa::path(get, path = "/api/v1/desks/{chat_id}", tag = "admin",
    params(("chat_id" = String, Path, description = "Group chat id (an integer, e.g. -1001234567890)")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The group", body = DeskView),
        (status = 404, description = "No bot of the workspace is in that group", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn get_desk(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let chat_id = int_id(&chat_id, "group")?;
    let (g, b) = find_desk(&deps, &caller, chat_id).await?;
    Ok(axum::Json(desk_view(&g, &b.username)).into_response())
}

/// Make the group its bot's desk (as `/setup_desk` does). Refused while the group can't hold
/// ticket topics.
#[utoipa::path(post, path = "/api/v1/desks/{chat_id}/setup", tag = "admin",
    params(("chat_id" = String, Path, description = "Group chat id (an integer, e.g. -1001234567890)")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The group, now the desk", body = DeskView),
        (status = 404, description = "No bot of the workspace is in that group", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The group can't hold ticket topics yet", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn setup_desk(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let chat_id = int_id(&chat_id, "group")?;
    let (g, b) = find_desk(&deps, &caller, chat_id).await?;
    let problems = g.problems(&b.username);
    if !g.active || !problems.is_empty() {
        let why = if g.active {
            problems
                .iter()
                .map(|p| plain(p))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            "the bot is no longer in the group".into()
        };
        return Err(Problem::conflict(
            "desk-not-ready",
            format!("the group can't be the desk yet: {why}"),
        ));
    }
    let title = g.title.clone();
    if let Some(old) = groups::make_desk(&deps, &b.bot_id, g, 0).await? {
        groups::tell_old_desk(&deps, &b.bot_id, old, &title).await?;
    }
    let (g, b) = find_desk(&deps, &caller, chat_id).await?;
    Ok(axum::Json(desk_view(&g, &b.username)).into_response())
}

// ---- setup codes -----------------------------------------------------------------------------

/// A setup code to make.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupCodeRequest {
    /// `desk` (for `/setup_desk`, the default) or `admin_chat` (for `/setup_admin`).
    #[schema(nullable = false)]
    pub purpose: Option<setup_codes::Purpose>,
    /// Only this bot of the workspace may redeem it (default: any).
    #[schema(nullable = false, pattern = "^[0-9]{1,20}$")]
    pub bot_id: Option<String>,
}

/// A one-time setup code, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetupCodeView {
    /// Send it in the group after the command: `/setup_desk <code>`.
    #[schema(example = "7KQ2-M9XD-4HRT-PZ3W")]
    pub code: String,
    pub purpose: setup_codes::Purpose,
    pub bot_id: Option<String>,
    /// The code is refused after this time (epoch seconds; 15 minutes from now).
    pub expires_at: i64,
    /// What to send in the group.
    #[schema(example = "/setup_desk 7KQ2-M9XD-4HRT-PZ3W")]
    pub command: String,
}

/// Make a one-time setup code: proof of authority over the workspace for `/setup_desk` or
/// `/setup_admin` in a group. Valid 15 minutes, used once, stored only as a hash. The answer is
/// not kept for Idempotency-Key replays (it holds the code).
#[utoipa::path(post, path = "/api/v1/desks/setup-codes", tag = "admin",
    request_body(content = SetupCodeRequest, content_type = "application/json",
        description = "Optional: without a body, a code for /setup_desk and any bot"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, description = "The code, shown once", body = SetupCodeView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request with this Idempotency-Key is still running, or its answer (a secret) is not replayed", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn create_setup_code(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["purpose", "bot_id"], "field");
    let purpose = match body.get("purpose") {
        None => Some(setup_codes::Purpose::Desk),
        Some(Value::String(p)) if setup_codes::Purpose::parse(p).is_some() => {
            setup_codes::Purpose::parse(p)
        }
        Some(_) => {
            errors.push(FieldError {
                field: "purpose".into(),
                message: "desk or admin_chat".into(),
            });
            None
        }
    };
    let bot_id = match body.get("bot_id") {
        None => None,
        Some(Value::String(b)) => {
            let mine = bots::get(&deps, b)
                .await?
                .is_some_and(|r| r.workspace == caller.workspace());
            if !mine {
                errors.push(FieldError {
                    field: "bot_id".into(),
                    message: "a bot of this workspace".into(),
                });
            }
            Some(b.clone())
        }
        Some(_) => {
            errors.push(FieldError {
                field: "bot_id".into(),
                message: "a bot id (a string of digits)".into(),
            });
            None
        }
    };
    let Some(purpose) = purpose.filter(|_| errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let issued = setup_codes::issue(
        &deps,
        caller.workspace(),
        purpose,
        bot_id.as_deref(),
        &format!("api:{}", caller.0.id),
    )
    .await?;
    let view = SetupCodeView {
        command: format!("{} {}", purpose.command(), issued.code),
        code: issued.code,
        purpose,
        bot_id: issued.bot_id,
        expires_at: issued.expires_at,
    };
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(view),
    )
        .into_response())
}

// ---- staff ------------------------------------------------------------------------------------

/// An internal user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffView {
    /// Telegram user id.
    pub user_id: i64,
    /// Without the `@`.
    pub username: Option<String>,
    pub name: String,
    /// Group chat ids they work in; their mention topics open in the first.
    pub groups: Vec<i64>,
    /// `agent` (works tickets) or `admin` (may also set up the desk and admin chat from Telegram).
    pub role: staff::Role,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffList {
    pub data: Vec<StaffView>,
    pub has_more: bool,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// An internal user to add or update (by user id).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffWrite {
    pub user_id: i64,
    #[schema(nullable = false, pattern = "^@?[A-Za-z0-9_]{3,32}$")]
    pub username: Option<String>,
    #[schema(min_length = 1, max_length = 128, pattern = "\\S")]
    pub name: String,
    /// Group chat ids (negative, as Telegram numbers groups).
    #[schema(nullable = false)]
    pub groups: Option<Vec<i64>>,
    /// `agent` (the default) or `admin`.
    #[schema(nullable = false)]
    pub role: Option<staff::Role>,
}

fn staff_view(s: &Staff) -> StaffView {
    StaffView {
        user_id: s.user_id,
        username: s.username.clone(),
        name: s.name.clone(),
        groups: s.groups.clone(),
        role: s.role,
        created_at: s.created_at,
    }
}

/// The workspace's internal users, by user id, a page at a time.
#[utoipa::path(get, path = "/api/v1/staff", tag = "admin",
    params(
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 50)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "A page of internal users", body = StaffList),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn list_staff(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let ws = caller.workspace();
    let (list, next_cursor) = super::cursor::simple_page(&deps, &q, "staff", ws, |limit, after| {
        staff::page(&deps, ws, limit, after)
    })
    .await?;
    Ok(axum::Json(StaffList {
        data: list.iter().map(staff_view).collect(),
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// One internal user.
#[utoipa::path(get, path = "/api/v1/staff/{user_id}", tag = "admin",
    params(("user_id" = String, Path, description = "Telegram user id (an integer)")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The internal user", body = StaffView),
        (status = 404, description = "No such internal user", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn get_staff(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let user_id = int_id(&user_id, "internal user")?;
    let s = staff::get(&deps, caller.workspace(), user_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no internal user {user_id}")))?;
    Ok(axum::Json(staff_view(&s)).into_response())
}

/// Add an internal user, or update the one with this user id.
#[utoipa::path(post, path = "/api/v1/staff", tag = "admin",
    request_body(content = StaffWrite, content_type = "application/json"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The internal user as stored", body = StaffView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The username belongs to another user, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn put_staff(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(
        body.keys(),
        &["user_id", "username", "name", "groups", "role"],
        "field",
    );
    let user_id = body.get("user_id").and_then(super::problem::integer);
    if user_id.is_none() {
        errors.push(FieldError {
            field: "user_id".into(),
            message: "required: the Telegram user id (integer)".into(),
        });
    }
    let username = match body.get("username") {
        None => None,
        Some(Value::String(u)) => match staff::clean_username(u) {
            Some(c) => Some(c.to_owned()),
            None => {
                errors.push(FieldError {
                    field: "username".into(),
                    message: "3-32 letters, digits or _ (an @ is allowed)".into(),
                });
                None
            }
        },
        Some(_) => {
            errors.push(FieldError {
                field: "username".into(),
                message: "a string".into(),
            });
            None
        }
    };
    let name = match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 128 => {
            n.trim().to_owned()
        }
        _ => {
            errors.push(FieldError {
                field: "name".into(),
                message: "required: a non-empty string of at most 128 characters".into(),
            });
            String::new()
        }
    };
    let groups = match body.get("groups") {
        None => Vec::new(),
        Some(Value::Array(a))
            if a.iter()
                .all(|g| super::problem::integer(g).is_some_and(|id| id < 0)) =>
        {
            a.iter().filter_map(super::problem::integer).collect()
        }
        Some(_) => {
            errors.push(FieldError {
                field: "groups".into(),
                message: "an array of group chat ids (negative integers)".into(),
            });
            Vec::new()
        }
    };
    let role = match body.get("role") {
        None => None,
        Some(Value::String(r)) if staff::Role::parse(r).is_some() => staff::Role::parse(r),
        Some(_) => {
            errors.push(FieldError {
                field: "role".into(),
                message: "agent or admin".into(),
            });
            None
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let user_id = user_id.unwrap_or_default();
    let existing = staff::get(&deps, caller.workspace(), user_id).await?;
    let s = Staff {
        workspace: caller.workspace().into(),
        user_id,
        username,
        name,
        groups,
        // An update that does not name the role keeps it.
        role: role.unwrap_or_else(|| existing.as_ref().map(|s| s.role).unwrap_or_default()),
        created_at: existing.map_or_else(teledesk_ports::now_secs, |s| s.created_at),
    };
    match staff::upsert(&deps, &s).await {
        Ok(()) => Ok(axum::Json(staff_view(&s)).into_response()),
        Err(crate::desk::Fail::Poison(why)) => Err(Problem::conflict("username-taken", why)),
        Err(e) => Err(e.into()),
    }
}

/// Remove an internal user.
#[utoipa::path(delete, path = "/api/v1/staff/{user_id}", tag = "admin",
    params(("user_id" = String, Path, description = "Telegram user id (an integer)")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such internal user", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn delete_staff(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let user_id = int_id(&user_id, "internal user")?;
    if staff::remove(&deps, caller.workspace(), user_id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Problem::not_found(format!("no internal user {user_id}")))
    }
}

// ---- bots -------------------------------------------------------------------------------------

/// A bot (its token and webhook secret are never shown).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BotView {
    #[schema(example = "7100001")]
    pub bot_id: String,
    pub username: String,
    pub enabled: bool,
    pub created_at: i64,
    /// Telegram's view of the webhook (only on `GET /api/v1/bots/{bot_id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<TelegramWebhookView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TelegramWebhookView {
    /// Empty when the bot is long-polled.
    pub url: String,
    pub pending_update_count: u32,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BotList {
    pub data: Vec<BotView>,
}

/// A bot to register: its token from @BotFather (checked with getMe, stored, never returned).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotRegister {
    #[schema(
        example = "123456:ABC-DEF…",
        pattern = "^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$"
    )]
    pub token: String,
    /// The webhook secret to use (default: keep the bot's, or generate one).
    #[schema(nullable = false, pattern = "^[A-Za-z0-9_-]{1,256}$")]
    pub webhook_secret: Option<String>,
}

/// Where Telegram should send the bot's updates.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSet {
    /// The public base URL (e.g. the stack's ApiUrl); `/telegram/<bot_id>` is appended.
    #[schema(
        example = "https://abc.execute-api.eu-central-1.amazonaws.com",
        pattern = "^https://[!-~]+$"
    )]
    pub url: String,
}

fn bot_view(b: &bots::BotRecord) -> BotView {
    BotView {
        bot_id: b.bot_id.clone(),
        username: b.username.clone(),
        enabled: b.enabled,
        created_at: b.created_at,
        webhook: None,
    }
}

async fn workspace_bot(
    deps: &Deps,
    caller: &Caller,
    bot_id: &str,
) -> Result<bots::BotRecord, Problem> {
    bots::get(deps, bot_id)
        .await?
        .filter(|b| b.workspace == caller.workspace())
        .ok_or_else(|| Problem::not_found(format!("no bot {bot_id}")))
}

/// The workspace's bots.
#[utoipa::path(get, path = "/api/v1/bots", tag = "admin",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Bots", body = BotList),
    ))]
pub async fn list_bots(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let data = workspace_bots(&deps, &caller)
        .await?
        .iter()
        .map(bot_view)
        .collect();
    Ok(axum::Json(BotList { data }).into_response())
}

/// One bot, with Telegram's view of its webhook.
#[utoipa::path(get, path = "/api/v1/bots/{bot_id}", tag = "admin",
    params(("bot_id" = String, Path, description = "The bot's id (the number before the token's colon)")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The bot", body = BotView),
        (status = 404, description = "No such bot in the workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn get_bot(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(bot_id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let b = workspace_bot(&deps, &caller, &bot_id).await?;
    let info = deps
        .telegram
        .connect(&b.token)
        .webhook_info()
        .await
        .map_err(crate::desk::Fail::from)?;
    let mut v = bot_view(&b);
    v.webhook = Some(TelegramWebhookView {
        url: info.url,
        pending_update_count: info.pending_update_count,
        last_error_date: info.last_error_date,
        last_error_message: info.last_error_message,
    });
    Ok(axum::Json(v).into_response())
}

/// Register a bot in the workspace by its token (checked with getMe; never returned).
#[utoipa::path(post, path = "/api/v1/bots", tag = "admin",
    request_body(content = BotRegister, content_type = "application/json"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The bot as registered", body = BotView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The bot belongs to another workspace, or the request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not a bot token, a bad secret, a token Telegram refused, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn register_bot(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    if let Some(k) = body
        .keys()
        .find(|k| *k != "token" && *k != "webhook_secret")
    {
        return Err(Problem::field(k, "unknown field"));
    }
    let Some(token) = body.get("token").and_then(Value::as_str) else {
        return Err(Problem::field(
            "token",
            "required: the bot token from @BotFather",
        ));
    };
    let secret = match body.get("webhook_secret") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(Problem::field("webhook_secret", "a string")),
    };
    match bots::register_in(&deps, token, secret, Some(caller.workspace())).await {
        Ok(b) => Ok(axum::Json(bot_view(&b)).into_response()),
        Err(bots::BotError::MalformedToken) => Err(Problem::field(
            "token",
            "not a bot token (<digits>:<secret>)",
        )),
        Err(bots::BotError::InvalidSecret) => Err(Problem::field(
            "webhook_secret",
            "1-256 of A-Z, a-z, 0-9, _ and -",
        )),
        Err(bots::BotError::OtherWorkspace) => Err(Problem::conflict(
            "bot-in-other-workspace",
            "the bot is registered in another workspace",
        )),
        Err(bots::BotError::Telegram(e)) if !e.is_transient() => {
            Err(Problem::field("token", "Telegram refused the token"))
        }
        Err(bots::BotError::Telegram(_)) => {
            Err(Problem::unavailable("Telegram could not be reached; retry"))
        }
        Err(bots::BotError::Table(e)) => Err(e.into()),
        Err(bots::BotError::NotFound(id)) => Err(Problem::not_found(format!("no bot {id}"))),
    }
}

/// Point Telegram at the webhook (with the bot's secret and the update kinds Teledesk handles),
/// then set the bot's command list.
#[utoipa::path(post, path = "/api/v1/bots/{bot_id}/webhook", tag = "admin",
    params(("bot_id" = String, Path, description = "The bot's id")),
    request_body(content = WebhookSet, content_type = "application/json"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The bot, with its webhook", body = BotView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such bot in the workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Not an https URL, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn set_webhook(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(bot_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    if let Some(k) = body.keys().find(|k| *k != "url") {
        return Err(Problem::field(k, "unknown field"));
    }
    let url = match body.get("url").and_then(Value::as_str) {
        Some(u)
            if u.starts_with("https://")
                && u.len() > 8
                && u.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            u.trim_end_matches('/').to_owned()
        }
        _ => return Err(Problem::field("url", "required: the public https base URL")),
    };
    let b = workspace_bot(&deps, &caller, &bot_id).await?;
    let full = format!("{url}/telegram/{}", b.bot_id);
    let tg = deps.telegram.connect(&b.token);
    tg.set_webhook(&full, &b.webhook_secret)
        .await
        .map_err(crate::desk::Fail::from)?;
    crate::wiring::set_menus(&deps, &b).await?;
    get_bot(State(deps), Extension(caller), Path(bot_id)).await
}

// ---- API keys ---------------------------------------------------------------------------------

/// An API key's record (the key itself is shown only when created).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyView {
    #[schema(example = "dmkn2p4qrstu")]
    pub id: String,
    pub name: String,
    pub workspace: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub rate_limit_per_minute: u32,
}

/// A new key: `key` is shown this once and cannot be retrieved later.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewKeyView {
    #[schema(example = "tdk_dmkn2p4qrstu_…")]
    pub key: String,
    #[serde(flatten)]
    pub record: KeyView,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyList {
    pub data: Vec<KeyView>,
}

/// A key to create in the caller's workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyCreate {
    #[schema(min_length = 1, max_length = 64, pattern = "\\S", example = "crm")]
    pub name: String,
    /// tickets:read, tickets:write, messages:read, messages:write, catalog:read, scenarios:read, scenarios:write, leads:read, leads:write, requests:read, requests:write, admin.
    #[schema(min_items = 1, example = json!(["tickets:read"]))]
    pub scopes: Vec<String>,
    /// Epoch seconds; must be in the future.
    #[schema(nullable = false, example = 4_102_444_800_i64)]
    pub expires_at: Option<i64>,
    /// Requests per minute (default 600).
    #[schema(nullable = false, minimum = 1)]
    pub rate_limit_per_minute: Option<u32>,
}

fn key_view(k: &keys::ApiKey) -> KeyView {
    KeyView {
        id: k.id.clone(),
        name: k.name.clone(),
        workspace: k.workspace.clone(),
        scopes: k.scopes.clone(),
        created_at: k.created_at,
        expires_at: k.key_expires_at,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
        rate_limit_per_minute: k.rate_limit,
    }
}

/// The workspace's API keys.
#[utoipa::path(get, path = "/api/v1/keys", tag = "admin",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Keys (never the keys themselves)", body = KeyList),
    ))]
pub async fn list_keys(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let data = keys::list(&deps, caller.workspace())
        .await?
        .iter()
        .map(key_view)
        .collect();
    Ok(axum::Json(KeyList { data }).into_response())
}

/// Create an API key in the caller's workspace; the answer is the only time the key is shown.
#[utoipa::path(post, path = "/api/v1/keys", tag = "admin",
    request_body(content = KeyCreate, content_type = "application/json"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, description = "The new key, shown once", body = NewKeyView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request is still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn create_key(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(
        body.keys(),
        &["name", "scopes", "expires_at", "rate_limit_per_minute"],
        "field",
    );
    let name = match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 64 => {
            n.trim().to_owned()
        }
        _ => {
            errors.push(FieldError {
                field: "name".into(),
                message: "required: a non-empty string of at most 64 characters".into(),
            });
            String::new()
        }
    };
    let scopes: Vec<String> = match body.get("scopes") {
        Some(Value::Array(a))
            if !a.is_empty()
                && a.iter()
                    .all(|s| s.as_str().is_some_and(|s| keys::SCOPES.contains(&s))) =>
        {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        }
        _ => {
            errors.push(FieldError {
                field: "scopes".into(),
                message: format!("required: a non-empty array of {}", keys::SCOPES.join(", ")),
            });
            Vec::new()
        }
    };
    let now = teledesk_ports::now_secs();
    let expires_at = match body.get("expires_at") {
        None => None,
        Some(v) => match super::problem::integer(v) {
            Some(t) if t > now => Some(t),
            _ => {
                errors.push(FieldError {
                    field: "expires_at".into(),
                    message: "epoch seconds in the future".into(),
                });
                None
            }
        },
    };
    let rate = match body.get("rate_limit_per_minute") {
        None => None,
        Some(v) => match super::problem::whole_number(v, 1..=i32::MAX as u64) {
            Some(n) => Some(n as u32),
            _ => {
                errors.push(FieldError {
                    field: "rate_limit_per_minute".into(),
                    message: "an integer from 1 to 2147483647".into(),
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let (k, secret) = keys::create(&deps, caller.workspace(), &name, &scopes, expires_at, rate)
        .await
        .map_err(|e| match e {
            keys::KeyError::Table(t) => Problem::from(t),
            other => Problem::field("scopes", other.to_string()),
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewKeyView {
            key: secret,
            record: key_view(&k),
        }),
    )
        .into_response())
}

/// Revoke an API key of the workspace (idempotent).
#[utoipa::path(delete, path = "/api/v1/keys/{id}", tag = "admin",
    params(("id" = String, Path, description = "The key's id (after `tdk_`, before the second `_`)")),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The revoked key's record", body = KeyView),
        (status = 404, description = "No such key in the workspace", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn revoke_key(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("admin")?;
    match keys::revoke(&deps, caller.workspace(), &id).await {
        Ok(k) => Ok(axum::Json(key_view(&k)).into_response()),
        Err(keys::KeyError::NotFound(_)) => Err(Problem::not_found(format!("no API key {id}"))),
        Err(keys::KeyError::Table(t)) => Err(t.into()),
        Err(e) => Err(Problem::bad_request(e.to_string())),
    }
}
