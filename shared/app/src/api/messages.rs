//! A ticket's messages, attachments and mentions over HTTP:
//! `GET|POST /api/v1/tickets/{id}/messages`, `GET /api/v1/tickets/{id}/attachments`,
//! `POST /api/v1/tickets/{id}/mention`. Sending runs the desk's sync, so the message reaches the
//! customer and every linked topic exactly as a staff message written in the topic would.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::table::{self, Query as TableQuery};
use teledesk_telegram::{MAX_UPLOAD, OutgoingText, Upload};
use utoipa::ToSchema;

use super::Caller;
use super::cursor::Cursors;
use super::problem::{FieldError, Problem, unknown};
use super::schema::ProblemView;
use super::tickets::{bot_of, ctx_for, json_body, load, op_id};
use crate::desk::msg::Msg;
use crate::desk::{endpoints, mention, relay, staff, tickets};
use crate::html::escape;
use crate::{Deps, keys};

pub fn routes() -> Router<Deps> {
    Router::new()
        .route(
            "/api/v1/tickets/{id}/messages",
            get(list_messages)
                .post(send_message)
                // A file of up to 4 MB in a multipart body (larger ones through uploads).
                .layer(axum::extract::DefaultBodyLimit::max(super::MAX_BODY)),
        )
        .route("/api/v1/tickets/{id}/attachments", get(list_attachments))
        .route("/api/v1/tickets/{id}/mention", post(mention_user))
}

/// One copy of a message in another chat or topic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CopyView {
    pub chat_id: i64,
    pub thread_id: Option<i64>,
    /// The copy's message id (when sent).
    pub message_id: Option<i64>,
    /// `sent`, `failed` or `retrying`.
    #[schema(example = "sent")]
    pub status: String,
    pub error: Option<String>,
}

/// The sender of a message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SenderView {
    /// Telegram user id (0 for the API).
    pub id: i64,
    pub username: Option<String>,
    pub name: String,
    pub is_bot: bool,
}

/// Attachment metadata of a message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediaView {
    /// photo, document, video, voice, audio, animation or video_note.
    #[schema(example = "photo")]
    pub kind: String,
    pub file_size: Option<i64>,
    pub mime_type: Option<String>,
    pub file_name: Option<String>,
}

/// A message of a ticket, with its copies.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    pub chat_id: i64,
    pub thread_id: Option<i64>,
    pub message_id: i64,
    /// Seconds since the epoch.
    pub date: i64,
    pub edit_date: Option<i64>,
    /// `customer` or `staff`.
    #[schema(example = "customer")]
    pub side: String,
    pub from: SenderView,
    pub text: Option<String>,
    pub caption: Option<String>,
    /// The message this one replies to (same chat).
    pub reply_to: Option<i64>,
    pub media: Option<MediaView>,
    pub media_group_id: Option<String>,
    pub copies: Vec<CopyView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageList {
    pub data: Vec<MessageView>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// A message to send into the ticket (and so to the customer and linked topics): a text, or one
/// of the ticket's stored attachments sent again with an optional caption.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageCreate {
    /// The text (at most 4096 characters), or the attachment's caption (at most 1024).
    #[schema(
        min_length = 1,
        max_length = 4096,
        pattern = "\\S",
        nullable = false,
        example = "Your order ships today."
    )]
    pub text: Option<String>,
    #[schema(nullable = false)]
    pub attachment: Option<AttachmentRef>,
    /// A file uploaded through `POST /api/v1/uploads` (up to 50 MB), sent as a document.
    #[schema(nullable = false, pattern = "^upl_[0-9a-f]{20}$")]
    pub upload_id: Option<String>,
}

/// One of the ticket's stored attachments, as listed by `GET /api/v1/tickets/{id}/attachments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    pub chat_id: i64,
    pub message_id: i64,
}

/// A file to send into the ticket (multipart/form-data).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageUpload {
    /// The file, 1 byte to 4 MB (larger files, up to 50 MB, through `POST /api/v1/uploads`);
    /// sent as a document.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// An optional caption, at most 1024 characters.
    #[schema(min_length = 1, max_length = 1024, nullable = false)]
    pub text: Option<String>,
}

/// An attachment with a download link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentView {
    pub chat_id: i64,
    pub message_id: i64,
    pub media: MediaView,
    /// `pending`, `stored`, `too_large` or `failed`.
    #[schema(example = "stored")]
    pub status: String,
    pub sha256: Option<String>,
    /// A presigned link, valid for an hour (stored attachments only).
    pub download_url: Option<String>,
    pub thumbnail_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentList {
    pub data: Vec<AttachmentView>,
}

/// Whom to mention: an internal user by username or by Telegram user id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MentionCreate {
    #[schema(nullable = false, example = "bob")]
    pub username: Option<String>,
    #[schema(nullable = false)]
    pub user_id: Option<i64>,
}

/// The mentioned user's topic, linked to the ticket.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MentionView {
    pub user_id: i64,
    pub chat_id: i64,
    pub thread_id: i64,
}

fn media_view(v: &Value) -> MediaView {
    MediaView {
        kind: v["kind"].as_str().unwrap_or_default().to_owned(),
        file_size: v["file_size"].as_i64(),
        mime_type: v["mime_type"].as_str().map(str::to_owned),
        file_name: v["file_name"].as_str().map(str::to_owned),
    }
}

async fn message_view(deps: &Deps, bot_id: &str, m: &table::Item) -> Result<MessageView, Problem> {
    let chat_id = table::int_attr(m, "chat_id").unwrap_or_default();
    let message_id = table::int_attr(m, "message_id").unwrap_or_default();
    let copies = deps
        .table
        .query(&TableQuery::partition(keys::copies_pk(
            bot_id,
            chat_id,
            message_id as i32,
        )))
        .await?;
    let from = m.get("from").cloned().unwrap_or_default();
    Ok(MessageView {
        chat_id,
        thread_id: table::int_attr(m, "thread_id"),
        message_id,
        date: table::int_attr(m, "date").unwrap_or_default(),
        edit_date: table::int_attr(m, "edit_date"),
        side: table::str_attr(m, "side").unwrap_or("staff").to_owned(),
        from: SenderView {
            id: from["id"].as_i64().unwrap_or_default(),
            username: from["username"].as_str().map(str::to_owned),
            name: from["name"].as_str().unwrap_or_default().to_owned(),
            is_bot: from["is_bot"] == true,
        },
        text: table::str_attr(m, "text").map(str::to_owned),
        caption: table::str_attr(m, "caption").map(str::to_owned),
        reply_to: table::int_attr(m, "reply_to"),
        media: m.get("media").map(media_view),
        media_group_id: table::str_attr(m, "media_group_id").map(str::to_owned),
        copies: copies
            .items
            .iter()
            .map(|c| CopyView {
                chat_id: table::int_attr(c, "target_chat").unwrap_or_default(),
                thread_id: table::int_attr(c, "target_thread"),
                message_id: table::int_attr(c, "target_message_id"),
                status: table::str_attr(c, "status").unwrap_or_default().to_owned(),
                error: table::str_attr(c, "error").map(str::to_owned),
            })
            .collect(),
    })
}

/// The ticket's messages, oldest first, with their copies and delivery status.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "messages",
    params(
        ("id" = String, Path, description = "Ticket id"),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 50)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    security(("bearer" = ["messages:read"])),
    responses(
        (status = 200, description = "A page of messages", body = MessageList),
        (status = 404, description = "No such ticket in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is not valid", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn list_messages(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    caller.require("messages:read")?;
    let mut errors = unknown(q.keys(), &["limit", "cursor"], "parameter");

    let scope = format!("messages|{id}");
    let cursors = Cursors::new(&deps);
    let (limit, after) = cursors.page(&q, &scope, 50, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let t = load(&deps, &caller, &id).await?;
    let page = deps
        .table
        .query(
            &TableQuery::gsi1(keys::ticket_messages_gsi(&t.ticket_id))
                .limit(limit)
                .after(after),
        )
        .await?;
    let mut data = Vec::with_capacity(page.items.len());
    for m in &page.items {
        data.push(message_view(&deps, &t.bot_id, m).await?);
    }
    let next_cursor = match page.cursor {
        Some(c) => Some(cursors.seal(&scope, &c).await?),
        None => None,
    };
    Ok(axum::Json(MessageList {
        data,
        has_more: next_cursor.is_some(),
        next_cursor,
    })
    .into_response())
}

/// Send a message into the ticket — a text (JSON), a file (multipart: `file` up to 4 MB and an
/// optional `text` caption; or JSON `upload_id` of a file up to 50 MB uploaded through
/// `POST /api/v1/uploads`), or one of its stored attachments again (JSON `attachment`). It is posted in the ticket's topic and synced like a staff
/// message (to the customer, plain; to linked topics, attributed). Send an `Idempotency-Key` to
/// retry safely.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "messages",
    params(
        ("id" = String, Path, description = "Ticket id"),
    ),
    request_body(content(
        (MessageCreate = "application/json"),
        (MessageUpload = "multipart/form-data"),
    )),
    security(("bearer" = ["messages:write"])),
    responses(
        (status = 201, description = "The message as posted in the topic, with its copies", body = MessageView),
        (status = 400, description = "The body is not a JSON object or a readable multipart body", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket in the key's workspace, or no such attachment on it", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The ticket is closed, its bot unavailable, the attachment not stored, or the request still running", body = ProblemView, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 4 MB (send larger files through POST /api/v1/uploads), or the upload over 50 MB", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or the Idempotency-Key was used with another request", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn send_message(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("messages:write")?;
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // What to send: a text, or a file with an optional caption (uploaded, or a stored attachment).
    let (text, upload, stored_attachment) = if ct.starts_with("multipart/form-data") {
        let (text, file) = read_multipart(&ct, body).await?;
        (text, Some(file), None)
    } else {
        let body = json_body(&headers, &body)?;
        let mut errors = unknown(body.keys(), &["text", "attachment", "upload_id"], "field");
        let upload_id = match body.get("upload_id") {
            None => None,
            Some(Value::String(u)) => Some(u.clone()),
            Some(_) => {
                errors.push(FieldError {
                    field: "upload_id".into(),
                    message: "the upload_id of POST /api/v1/uploads".into(),
                });
                None
            }
        };
        let attachment = match body.get("attachment") {
            None => None,
            Some(a) => match (
                super::problem::integer(&a["chat_id"]),
                super::problem::integer(&a["message_id"]),
                a.as_object().map(|o| o.len()),
            ) {
                (Some(c), Some(m), Some(2)) => Some((c, m)),
                _ => {
                    errors.push(FieldError {
                        field: "attachment".into(),
                        message: "{chat_id, message_id} of one of the ticket's stored attachments"
                            .into(),
                    });
                    None
                }
            },
        };
        if attachment.is_some() && upload_id.is_some() {
            errors.push(FieldError {
                field: "upload_id".into(),
                message: "send either an attachment or an upload, not both".into(),
            });
        }
        let with_file = attachment.is_some() || upload_id.is_some();
        let limit = if with_file { 1024 } else { 4096 };
        let text = match body.get("text") {
            None if with_file => None,
            Some(Value::String(t)) if !t.trim().is_empty() && t.chars().count() <= limit => {
                Some(t.clone())
            }
            _ => {
                errors.push(FieldError {
                    field: "text".into(),
                    message: format!("a non-empty string of at most {limit} characters (required without an attachment; a caption of at most 1024 with one)"),
                });
                None
            }
        };
        if !errors.is_empty() {
            return Err(Problem::validation(errors));
        }
        let upload = match upload_id {
            Some(u) => Some(super::uploads::take(&deps, &caller, &u).await?),
            None => None,
        };
        (text, upload, attachment)
    };
    let t = load(&deps, &caller, &id).await?;
    if t.status == tickets::STATUS_CLOSED {
        return Err(Problem::conflict(
            "ticket-closed",
            "the ticket is closed: reopen it first",
        ));
    }
    let Some(thread) = t.thread_id else {
        return Err(Problem::conflict(
            "ticket-not-ready",
            "the ticket has no topic yet",
        ));
    };
    let upload = match (upload, stored_attachment) {
        (Some(u), _) => Some(u),
        (None, Some((chat, message))) => Some(stored_file(&deps, &t, chat, message).await?),
        (None, None) => None,
    };
    let bot = bot_of(&deps, &t).await?;
    let ctx = ctx_for(&deps, &bot, op_id(&caller, &headers)).await;
    let ep = endpoints::get(&ctx, t.chat_id, Some(thread))
        .await?
        .ok_or_else(|| {
            Problem::conflict("ticket-not-ready", "the ticket's topic is not registered")
        })?;
    let author = format!("API ({})", caller.0.name);
    let mut synthetic = json!({
        "date": teledesk_ports::now_secs(),
        "chat": {"id": t.chat_id, "type": "supergroup"},
        "message_thread_id": thread, "is_topic_message": true,
        "from": {"id": 0, "is_bot": false, "first_name": author},
    });
    let sent = match upload {
        Some(file) => {
            let m = ctx
                .tg
                .send_document(t.chat_id, Some(thread), file, text.as_deref())
                .await
                .map_err(crate::desk::Fail::from)?;
            synthetic["document"] = m["document"].clone();
            if let Some(c) = &text {
                synthetic["caption"] = json!(c);
            }
            m["message_id"].as_i64().unwrap_or_default() as i32
        }
        None => {
            let text = text.unwrap_or_default();
            synthetic["text"] = json!(text);
            ctx.send(OutgoingText::html(t.chat_id, Some(thread), escape(&text)))
                .await?
                .ok_or_else(|| Problem::upstream("the bot can no longer write in the desk group"))?
        }
    };
    synthetic["message_id"] = json!(sent);
    // The message as the desk sees it: written in the topic by the API on the key's behalf.
    relay::relay_from(&ctx, &ep, &Msg(&synthetic)).await?;
    let stored = deps
        .table
        .get(
            &keys::message_pk(&bot.bot_id, t.chat_id),
            &keys::message_sk(sent),
        )
        .await?
        .ok_or_else(|| Problem::unavailable("the message was sent but not yet stored"))?;
    let view = message_view(&deps, &bot.bot_id, &stored).await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// Reads a multipart message: `file` (required, 1 byte to 50 MB) and `text` (optional caption, at
/// most 1024 characters).
async fn read_multipart(
    content_type: &str,
    body: Bytes,
) -> Result<(Option<String>, Upload), Problem> {
    let unreadable = |e: multer::Error| {
        Problem::bad_request(format!("the multipart body could not be read: {e}"))
    };
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    // The route's body limit bounds the whole body already.
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let (mut text, mut file) = (None, None);
    let mut errors = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "text" => {
                let t = field.text().await.map_err(unreadable)?;
                if t.trim().is_empty() || t.chars().count() > 1024 {
                    errors.push(FieldError {
                        field: "text".into(),
                        message: "a caption of 1 to 1024 characters".into(),
                    });
                }
                text = Some(t);
            }
            "file" => {
                let file_name = field
                    .file_name()
                    .unwrap_or("file")
                    .chars()
                    .take(255)
                    .collect::<String>();
                let mime_type = field
                    .content_type()
                    .map_or_else(|| "application/octet-stream".to_owned(), |m| m.to_string());
                let bytes = field.bytes().await.map_err(unreadable)?.to_vec();
                if bytes.is_empty() {
                    errors.push(FieldError {
                        field: "file".into(),
                        message: "the file is empty".into(),
                    });
                }
                if bytes.len() > super::MAX_BODY {
                    return Err(super::too_large());
                }
                file = Some(Upload {
                    file_name,
                    mime_type,
                    bytes,
                });
            }
            other => errors.push(FieldError {
                field: other.into(),
                message: "unknown field".into(),
            }),
        }
    }
    if file.is_none() {
        errors.push(FieldError {
            field: "file".into(),
            message: "required in a multipart message".into(),
        });
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok((text, file.expect("checked above")))
}

/// The bytes of one of the ticket's stored attachments, to send again.
async fn stored_file(
    deps: &Deps,
    t: &tickets::Ticket,
    chat: i64,
    message: i64,
) -> Result<Upload, Problem> {
    let att = deps
        .table
        .get(
            &keys::message_pk(&t.bot_id, chat),
            &keys::attachment_sk(message as i32),
        )
        .await?
        .filter(|a| table::str_attr(a, "ticket_id") == Some(t.ticket_id.as_str()))
        .ok_or_else(|| Problem::not_found("no such attachment on this ticket"))?;
    let key = match (
        table::str_attr(&att, "status"),
        table::str_attr(&att, "key"),
    ) {
        (Some("stored"), Some(k)) => k.to_owned(),
        _ => {
            return Err(Problem::conflict(
                "attachment-not-stored",
                "that attachment is not stored (yet, or too large)",
            ));
        }
    };
    let bytes = deps
        .files
        .get_at_most(&key, MAX_UPLOAD as u64)
        .await
        .map_err(|e| Problem::unavailable(format!("file store: {e}")))?
        .ok_or_else(|| Problem::unavailable("the stored file is missing"))?;
    let media = att.get("media").cloned().unwrap_or_default();
    Ok(Upload {
        file_name: media["file_name"].as_str().unwrap_or("file").to_owned(),
        mime_type: media["mime_type"]
            .as_str()
            .unwrap_or("application/octet-stream")
            .to_owned(),
        bytes,
    })
}

/// The ticket's attachments, with presigned download links for those stored.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "messages",
    params(("id" = String, Path, description = "Ticket id")),
    security(("bearer" = ["messages:read"])),
    responses(
        (status = 200, description = "The attachments, oldest first", body = AttachmentList),
        (status = 404, description = "No such ticket in the key's workspace", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn list_attachments(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require("messages:read")?;
    let t = load(&deps, &caller, &id).await?;
    let page = deps
        .table
        .query(&TableQuery::gsi1(keys::ticket_attachments_gsi(&t.ticket_id)).limit(1000))
        .await?;
    let presign = |key: Option<&str>| {
        let deps = deps.clone();
        let key = key.map(str::to_owned);
        async move {
            match key {
                Some(k) => deps
                    .files
                    .presign_get(&k, Duration::from_secs(3600))
                    .await
                    .map(Some)
                    .map_err(|e| Problem::unavailable(format!("file store: {e}"))),
                None => Ok(None),
            }
        }
    };
    let mut data = Vec::new();
    for a in &page.items {
        data.push(AttachmentView {
            chat_id: table::int_attr(a, "chat_id").unwrap_or_default(),
            message_id: table::int_attr(a, "message_id").unwrap_or_default(),
            media: media_view(a.get("media").unwrap_or(&Value::Null)),
            status: table::str_attr(a, "status").unwrap_or_default().to_owned(),
            sha256: table::str_attr(a, "sha256").map(str::to_owned),
            download_url: presign(table::str_attr(a, "key")).await?,
            thumbnail_url: presign(table::str_attr(a, "thumbnail_key")).await?,
        });
    }
    Ok(axum::Json(AttachmentList { data }).into_response())
}

/// Bring an internal user into the ticket: their topic (opened or reused) is linked to the
/// ticket's topic and they are called there.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/mention", tag = "messages",
    params(
        ("id" = String, Path, description = "Ticket id"),
    ),
    request_body(content = MentionCreate, content_type = "application/json"),
    security(("bearer" = ["tickets:write"])),
    responses(
        (status = 200, description = "The user's topic for this ticket", body = MentionView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket, or no such internal user", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The ticket's bot is unavailable, or a concurrent change", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of username and user_id, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
        (status = 502, description = "Telegram refused", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn mention_user(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("tickets:write")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["username", "user_id"], "field");
    let who = match (body.get("username"), body.get("user_id")) {
        (Some(Value::String(u)), None) => Some(Err(u.clone())),
        (None, Some(v)) if super::problem::integer(v).is_some() => {
            super::problem::integer(v).map(Ok)
        }
        _ => {
            errors.push(FieldError {
                field: "username".into(),
                message: "give exactly one of username (string) and user_id (integer)".into(),
            });
            None
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let t = load(&deps, &caller, &id).await?;
    let user = match who {
        Some(Ok(uid)) => staff::get(&deps, caller.workspace(), uid).await?,
        Some(Err(name)) => staff::by_username(&deps, caller.workspace(), &name).await?,
        None => None,
    }
    .ok_or_else(|| Problem::not_found("no such internal user in this workspace"))?;
    let bot = bot_of(&deps, &t).await?;
    let ctx = ctx_for(&deps, &bot, op_id(&caller, &headers)).await;
    let mut ep = endpoints::get(&ctx, t.chat_id, t.thread_id)
        .await?
        .ok_or_else(|| {
            Problem::conflict("ticket-not-ready", "the ticket's topic is not registered")
        })?;
    let (chat_id, thread) = mention::mention_user(
        &ctx,
        &t,
        &mut ep,
        &user,
        &format!("API ({})", caller.0.name),
    )
    .await?;
    Ok(axum::Json(MentionView {
        user_id: user.user_id,
        chat_id,
        thread_id: i64::from(thread),
    })
    .into_response())
}
