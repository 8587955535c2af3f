//! `channel_post` sources: a channel where the bot is an administrator sends its posts as
//! `channel_post` / `edited_channel_post` updates through the normal webhook path. The worker hands
//! them here; a post of a channel that is a `channel_post` source of the bot's workspace is stored
//! like a synced one (the same store, parser, dedup and provenance, with the channel's numeric id),
//! its largest photo copied from Telegram into the file store. Updates of other channels are
//! ignored. The cursor follows the highest message id seen.
//!
//! Not yet: album members arrive as separate updates and are stored as separate posts.

use teledesk_catalog::preview::PreviewPost;
use teledesk_telegram::TelegramError;

use super::store::{self, Photo};
use super::{ChannelSource, SourceKind, list_sources, update_source};
use crate::desk::{Ctx, Fail, Res};

/// Handles a `channel_post` or `edited_channel_post` (`post` is the message).
pub async fn on_channel_post(ctx: &Ctx<'_>, post: &serde_json::Value) -> Res<()> {
    let Some(chat_id) = post["chat"]["id"].as_i64() else {
        return Ok(());
    };
    let username = post["chat"]["username"].as_str();
    let sources = list_sources(ctx.deps, &ctx.bot.workspace).await?;
    let Some(source) = sources.into_iter().find(|s| {
        s.kind == SourceKind::ChannelPost
            && s.enabled
            && (s.channel == chat_id.to_string()
                || username.is_some_and(|u| s.channel.eq_ignore_ascii_case(u)))
    }) else {
        return Ok(()); // a channel the catalog does not follow
    };
    let Some(message_id) = post["message_id"].as_i64() else {
        return Ok(());
    };
    let text = post["text"]
        .as_str()
        .or(post["caption"].as_str())
        .unwrap_or_default()
        .to_owned();
    let url = match username {
        Some(u) => format!("https://t.me/{u}/{message_id}"),
        None => format!(
            "https://t.me/c/{}/{message_id}",
            chat_id.to_string().trim_start_matches("-100")
        ),
    };
    let photos = copy_photo(ctx, post).await?;
    let preview = PreviewPost {
        channel: username.map_or_else(|| chat_id.to_string(), str::to_owned),
        message_id,
        member_ids: vec![message_id],
        date: post["date"].as_i64(),
        url,
        text,
        photos: photos.iter().map(|p| p.source_url.clone()).collect(),
        links: Vec::new(),
        forwarded_from: post["forward_origin"]["chat"]["title"]
            .as_str()
            .map(str::to_owned),
        views: None,
        edited: post.get("edit_date").is_some(),
    };
    let source = with_channel_id(source, chat_id);
    store::store_post(
        ctx.deps,
        &source,
        &preview,
        photos,
        teledesk_ports::now_secs(),
    )
    .await?;
    update_source(ctx.deps, &source.workspace, &source.id, |s| {
        s.cursor = s.cursor.max(message_id);
        s.last_sync_at = Some(teledesk_ports::now_secs());
        s.status = "ok".into();
    })
    .await?;
    Ok(())
}

/// Provenance wants the channel's numeric id even when the source names it by username.
fn with_channel_id(mut s: ChannelSource, chat_id: i64) -> ChannelSource {
    if s.channel.parse::<i64>().is_err() {
        s.channel = chat_id.to_string();
    }
    s
}

/// The post's largest photo, from Telegram into the file store (`tg://file/<file_unique_id>` is
/// its source URL: Telegram's file links expire, a file id belongs to one bot).
async fn copy_photo(ctx: &Ctx<'_>, post: &serde_json::Value) -> Res<Vec<Photo>> {
    let Some(largest) = post["photo"].as_array().and_then(|sizes| sizes.last()) else {
        return Ok(Vec::new());
    };
    let file_id = largest["file_id"].as_str().unwrap_or_default();
    let source_url = format!(
        "tg://file/{}",
        largest["file_unique_id"].as_str().unwrap_or(file_id)
    );
    let failed = |e: String| {
        Ok(vec![Photo {
            key: None,
            sha256: None,
            source_url: source_url.clone(),
            error: Some(e),
        }])
    };
    let remote = match ctx.tg.get_file(file_id).await {
        Ok(r) => r,
        Err(e) if e.is_transient() => return Err(e.into()),
        Err(e) => return failed(e.to_string()),
    };
    let Some(path) = remote.file_path else {
        return failed("Telegram gave no file path".into());
    };
    let bytes = match ctx.tg.download(&path).await {
        Ok(b) => b,
        Err(e @ TelegramError::RateLimited { .. }) => return Err(Fail::Telegram(e)),
        Err(e) if e.is_transient() => return Err(e.into()),
        Err(e) => return failed(e.to_string()),
    };
    Ok(vec![store::keep_photo(ctx.deps, &source_url, bytes).await])
}
