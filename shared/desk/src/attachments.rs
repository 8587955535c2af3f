//! Attachments: metadata is stored with the message at once; a job on the `jobs` queue downloads the
//! file with getFile and keeps the bytes in the Files store (S3) under a content-addressed key
//! (`attachments/<sha256[..2]>/<sha256>`), with Telegram's own thumbnail beside it. Files over
//! Telegram's 20 MB download limit are recorded as `too_large` and the sender is told.
//!
//! The job is idempotent: the attachment record's status says what is done, and a key named by the
//! content's hash is the same however often it is written.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use teledesk_ports::table::{self, Condition, GSI1PK, GSI1SK, Item, PK, SK, TableError};
use teledesk_telegram::{OutgoingText, TelegramError};

use super::endpoints::Endpoint;
use super::msg::{MEDIA_KINDS, Msg, media_meta};
use super::{Ctx, Fail, Res};
use crate::keys;

pub const JOB_FETCH: &str = "attachment.fetch";
/// getFile's limit: bots download files up to 20 MB.
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_STORED: &str = "stored";
pub const STATUS_TOO_LARGE: &str = "too_large";
pub const STATUS_FAILED: &str = "failed";

/// Records a message's attachment and queues its download (both idempotent).
pub async fn record(ctx: &Ctx<'_>, ep: &Endpoint, m: &Msg<'_>) -> Res<()> {
    let Some((kind, file)) = m.media() else {
        return Ok(());
    };
    let job = json!({"kind": JOB_FETCH, "bot_id": ctx.bot_id(), "chat_id": m.chat_id(),
                     "message_id": m.message_id(),
                     "job_id": format!("fetch:{}:{}:{}", ctx.bot_id(), m.chat_id(), m.message_id())});
    // Queued first: a crash after it leaves a job that finds the record on its retry, never a
    // record without a job.
    crate::jobs::queue(ctx.deps, job).await?;
    let mut item = Item::new();
    item.insert(
        PK.into(),
        json!(keys::message_pk(ctx.bot_id(), m.chat_id())),
    );
    item.insert(SK.into(), json!(keys::attachment_sk(m.message_id())));
    item.insert("chat_id".into(), json!(m.chat_id()));
    item.insert("thread_id".into(), json!(m.thread()));
    item.insert("message_id".into(), json!(m.message_id()));
    item.insert("from_id".into(), json!(m.from_id()));
    item.insert("media".into(), media_meta(kind, file));
    if let Some(thumb) = m.thumbnail() {
        item.insert("thumbnail".into(), media_meta("thumbnail", thumb));
    }
    item.insert("status".into(), json!(STATUS_PENDING));
    item.insert("created_at".into(), json!(teledesk_ports::now_secs()));
    if let Some(t) = &ep.ticket_id {
        item.insert("ticket_id".into(), json!(t));
        item.insert(GSI1PK.into(), json!(keys::ticket_attachments_gsi(t)));
        item.insert(
            GSI1SK.into(),
            json!(keys::ticket_message_order(
                m.date(),
                m.chat_id(),
                m.message_id()
            )),
        );
    }
    match ctx.deps.table.put(item, Condition::Absent).await {
        Ok(()) | Err(TableError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The content-addressed key of some bytes.
pub fn content_key(bytes: &[u8]) -> (String, String) {
    let sha = hex::encode(Sha256::digest(bytes));
    (format!("attachments/{}/{sha}", &sha[..2]), sha)
}

/// Downloads a file (≤ 20 MB, of the size Telegram announced) and stores it; returns (key, sha256,
/// size).
async fn fetch(ctx: &Ctx<'_>, meta: &Value) -> Res<Result<(String, String, usize), String>> {
    let file_id = meta["file_id"].as_str().unwrap_or_default();
    let remote = match ctx.tg.get_file(file_id).await {
        Ok(r) => r,
        Err(TelegramError::FileTooBig) => return Ok(Err(STATUS_TOO_LARGE.into())),
        Err(e) if e.is_transient() => return Err(e.into()),
        Err(e) => return Ok(Err(e.to_string())),
    };
    if remote.file_size.unwrap_or(0) > MAX_DOWNLOAD {
        return Ok(Err(STATUS_TOO_LARGE.into()));
    }
    let Some(path) = remote.file_path else {
        return Ok(Err("Telegram gave no file path".into()));
    };
    let bytes = ctx.tg.download(&path).await?;
    if bytes.len() as u64 > MAX_DOWNLOAD {
        return Ok(Err(STATUS_TOO_LARGE.into()));
    }
    let expected = remote.file_size.or(meta["file_size"].as_u64());
    if let Some(n) = expected
        && n != bytes.len() as u64
    {
        // A cut-off download: try again.
        return Err(Fail::Telegram(TelegramError::Transport(format!(
            "downloaded {} bytes of {n}",
            bytes.len()
        ))));
    }
    let (key, sha) = content_key(&bytes);
    let size = bytes.len();
    let mime = meta["mime_type"]
        .as_str()
        .unwrap_or("application/octet-stream");
    ctx.deps
        .files
        .put(&key, bytes, mime)
        .await
        .map_err(|e| Fail::Table(TableError::Backend(format!("file store: {e}"))))?;
    Ok(Ok((key, sha, size)))
}

/// The `attachment.fetch` job.
pub async fn run_fetch(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let chat_id = job["chat_id"].as_i64().unwrap_or_default();
    let message_id = job["message_id"].as_i64().unwrap_or_default() as i32;
    let pk = keys::message_pk(ctx.bot_id(), chat_id);
    let sk = keys::attachment_sk(message_id);
    let Some(mut att) = ctx.deps.table.get(&pk, &sk).await? else {
        // The record is written right after the job is queued: it may not be there yet.
        return Err(Fail::Busy);
    };
    if table::str_attr(&att, "status") != Some(STATUS_PENDING) {
        return Ok(());
    }
    let meta = att.get("media").cloned().unwrap_or_default();
    let kind = meta["kind"].as_str().unwrap_or_default();
    if !MEDIA_KINDS.contains(&kind) {
        att.insert("status".into(), json!(STATUS_FAILED));
        att.insert("error".into(), json!(format!("unsupported kind `{kind}`")));
        return Ok(ctx.deps.table.put(att, Condition::None).await?);
    }
    let declared = meta["file_size"].as_u64().unwrap_or(0);
    let outcome = if declared > MAX_DOWNLOAD {
        Err(STATUS_TOO_LARGE.to_owned())
    } else {
        fetch(ctx, &meta).await?
    };
    match outcome {
        Ok((key, sha, size)) => {
            att.insert("status".into(), json!(STATUS_STORED));
            att.insert("key".into(), json!(key));
            att.insert("sha256".into(), json!(sha));
            att.insert("stored_size".into(), json!(size));
            if let Some(thumb) = att.get("thumbnail").cloned() {
                match fetch(ctx, &thumb).await {
                    Ok(Ok((tkey, _, _))) => {
                        att.insert("thumbnail_key".into(), json!(tkey));
                    }
                    Ok(Err(why)) => tracing::info!(why, "thumbnail not stored"),
                    Err(e) => return Err(e),
                }
            }
            tracing::info!(chat_id, message_id, size, "attachment stored");
        }
        Err(why) if why == STATUS_TOO_LARGE => {
            tell_too_large(ctx, &att, &meta).await?;
            att.insert("status".into(), json!(STATUS_TOO_LARGE));
        }
        Err(why) => {
            tracing::warn!(chat_id, message_id, error = %why, "attachment could not be fetched");
            att.insert("status".into(), json!(STATUS_FAILED));
            att.insert("error".into(), json!(why));
        }
    }
    att.insert("updated_at".into(), json!(teledesk_ports::now_secs()));
    Ok(ctx.deps.table.put(att, Condition::None).await?)
}

async fn tell_too_large(ctx: &Ctx<'_>, att: &Item, meta: &Value) -> Res<()> {
    let chat = table::int_attr(att, "chat_id").unwrap_or_default();
    let thread = table::int_attr(att, "thread_id").map(|t| t as i32);
    let message_id = table::int_attr(att, "message_id").unwrap_or_default() as i32;
    let name = meta["file_name"]
        .as_str()
        .unwrap_or_else(|| meta["kind"].as_str().unwrap_or("file"));
    let mb = meta["file_size"].as_u64().unwrap_or(0) as f64 / (1024.0 * 1024.0);
    let text = if mb > 0.0 {
        let mb = format!("{mb:.1}");
        crate::texts::t(
            ctx,
            "attachment-too-large-size",
            &[("name", name.into()), ("mb", mb.into())],
        )
    } else {
        crate::texts::t(ctx, "attachment-too-large", &[("name", name.into())])
    };
    let out = OutgoingText {
        reply_to: Some(message_id),
        ..OutgoingText::html(chat, thread, text)
    };
    match ctx.send(out).await {
        Ok(_) | Err(Fail::Telegram(TelegramError::ThreadNotFound)) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_content_addressed() {
        let (k1, sha) = super::content_key(b"hello");
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(k1, format!("attachments/2c/{sha}"));
        assert_eq!(super::content_key(b"hello").0, k1);
    }
}
