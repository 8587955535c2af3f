//! `POST /api/v1/uploads`: files larger than a request body may be go to the file store directly.
//! A Lambda takes at most 6 MB in one request (and API Gateway passes a binary body base64-encoded,
//! a third larger), so the API reads bodies of at most [`super::MAX_BODY`]; a file of up to 50 MB
//! (a bot's upload limit) is uploaded with a plain `PUT` to a presigned URL, then sent by
//! reference: `POST /api/v1/tickets/{id}/messages` with `{"upload_id": …}`. The upload record
//! (`UPLOAD#<id>` / `UPLOAD`) belongs to the caller's workspace and expires after a day; its bytes
//! live under `uploads/<id>` in the file store, and their size is checked before they are read.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::files::FilesError;
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, SK};
use teledesk_telegram::{MAX_UPLOAD, Upload};
use utoipa::ToSchema;

use super::Caller;
use super::problem::{FieldError, Problem, unknown};
use super::schema::ProblemView;
use super::tickets::json_body;
use crate::Deps;

/// How long the upload URL works.
pub const URL_TTL: Duration = Duration::from_secs(15 * 60);
/// How long an upload can be referenced.
pub const RECORD_TTL_SECS: i64 = 24 * 3600;
const SK_UPLOAD: &str = "UPLOAD";

pub fn routes() -> Router<Deps> {
    Router::new().route("/api/v1/uploads", post(create_upload))
}

pub use teledesk_bot::keys::upload_pk;

fn file_key(id: &str) -> String {
    format!("uploads/{id}")
}

/// A file to upload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadCreate {
    /// The name the file is sent under.
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = "\\S",
        example = "invoice-42.pdf"
    )]
    pub file_name: String,
    /// Its media type; the PUT must send the same `Content-Type`.
    #[schema(
        min_length = 3,
        max_length = 127,
        pattern = "^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$",
        example = "application/pdf"
    )]
    pub content_type: String,
    /// Its size in bytes: 1 to 52428800 (50 MB).
    #[schema(minimum = 1, maximum = 52428800)]
    pub size: u64,
}

/// Where to send the bytes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UploadView {
    /// Reference it as `upload_id` when sending a message.
    #[schema(example = "upl_5f0c2a9e1b7d4c3a8e6f")]
    pub upload_id: String,
    /// Always `PUT`.
    pub method: String,
    /// A presigned URL, valid for 15 minutes: PUT the file's bytes there.
    pub url: String,
    /// Headers the PUT must carry.
    pub headers: std::collections::BTreeMap<String, String>,
    pub file_name: String,
    pub size: u64,
    /// The URL stops working at this time (epoch seconds).
    pub url_expires_at: i64,
    /// The upload can be referenced until this time (epoch seconds).
    pub expires_at: i64,
}

fn valid_media_type(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    s.len() <= 127 && s.split_once('/').is_some_and(|(a, b)| token(a) && token(b))
}

/// Start an upload of a file up to 50 MB: answers a presigned URL to PUT the bytes to, and the
/// `upload_id` to send it by. The answer is not kept for Idempotency-Key replays (the URL is a
/// credential).
#[utoipa::path(post, path = "/api/v1/uploads", tag = "messages",
    request_body(content = UploadCreate, content_type = "application/json"),
    security(("bearer" = ["messages:write"])),
    responses(
        (status = 201, description = "Where to PUT the bytes", body = UploadView),
        (status = 400, description = "The body is not a JSON object", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "The request with this Idempotency-Key is still running, or its answer is not replayed", body = ProblemView, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, or a reused Idempotency-Key", body = ProblemView, content_type = "application/problem+json"),
    ))]
pub async fn create_upload(
    State(deps): State<Deps>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require("messages:write")?;
    let body = json_body(&headers, &body)?;
    let mut errors = unknown(body.keys(), &["file_name", "content_type", "size"], "field");
    let mut field = |f: &str, m: &str| {
        errors.push(FieldError {
            field: f.into(),
            message: m.into(),
        })
    };
    let file_name = match body.get("file_name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 255 => {
            n.trim().to_owned()
        }
        _ => {
            field("file_name", "required: 1 to 255 characters");
            String::new()
        }
    };
    let content_type = match body.get("content_type") {
        Some(Value::String(c)) if valid_media_type(c) => c.clone(),
        _ => {
            field(
                "content_type",
                "required: a media type such as application/pdf",
            );
            String::new()
        }
    };
    let size = match body
        .get("size")
        .and_then(|v| super::problem::whole_number(v, 1..=MAX_UPLOAD as u64))
    {
        Some(n) => n,
        None => {
            field(
                "size",
                "required: the file's size in bytes, 1 to 52428800 (bots upload at most 50 MB)",
            );
            0
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let id = format!("upl_{}", hex::encode(rand::random::<[u8; 10]>()));
    let now = teledesk_ports::now_secs();
    let url = deps
        .files
        .presign_put(&file_key(&id), &content_type, URL_TTL)
        .await
        .map_err(|e| Problem::unavailable(format!("file store: {e}")))?;
    let mut item = Item::new();
    item.insert(PK.into(), json!(upload_pk(&id)));
    item.insert(SK.into(), json!(SK_UPLOAD));
    item.insert("workspace".into(), json!(caller.workspace()));
    item.insert("key_id".into(), json!(caller.0.id));
    item.insert("file_name".into(), json!(file_name));
    item.insert("content_type".into(), json!(content_type));
    item.insert("size".into(), json!(size));
    item.insert("created_at".into(), json!(now));
    item.insert(EXPIRES_AT.into(), json!(now + RECORD_TTL_SECS));
    deps.table.put(item, Condition::Absent).await?;
    let view = UploadView {
        upload_id: id,
        method: "PUT".into(),
        url,
        headers: [("content-type".to_owned(), content_type)].into(),
        file_name,
        size,
        url_expires_at: now + URL_TTL.as_secs() as i64,
        expires_at: now + RECORD_TTL_SECS,
    };
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(view),
    )
        .into_response())
}

/// The uploaded file `id` of the caller's workspace, read after its size is checked.
pub async fn take(deps: &Deps, caller: &Caller, id: &str) -> Result<Upload, Problem> {
    let rec = deps
        .table
        .get(&upload_pk(id), SK_UPLOAD)
        .await?
        .filter(|r| table::str_attr(r, "workspace") == Some(caller.workspace()))
        .ok_or_else(|| Problem::not_found(format!("no upload {id}")))?;
    let bytes = match deps
        .files
        .get_at_most(&file_key(id), MAX_UPLOAD as u64)
        .await
    {
        Ok(Some(b)) if !b.is_empty() => b,
        Ok(_) => {
            return Err(Problem::conflict(
                "upload-missing",
                "nothing was uploaded to this upload's URL (yet)",
            ));
        }
        Err(FilesError::TooLarge { .. }) => {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The file is too large",
                "bots can upload files up to 50 MB",
            ));
        }
        Err(e) => return Err(Problem::unavailable(format!("file store: {e}"))),
    };
    let s = |k: &str| table::str_attr(&rec, k).unwrap_or_default().to_owned();
    Ok(Upload {
        file_name: s("file_name"),
        mime_type: s("content_type"),
        bytes,
    })
}
