//! `channel_post` sources: a channel where the bot is an administrator sends its posts as
//! `channel_post` / `edited_channel_post` updates through the normal webhook path. The worker hands
//! them here; a post of a channel that is a `channel_post` source of the bot's workspace is stored
//! like a synced one (the same store, parser, dedup and provenance, with the channel's numeric id),
//! its largest photo copied from Telegram into the file store. Updates of other channels are
//! ignored. The cursor follows the highest message id seen.
//!
//! An album arrives as one update per member, sharing a `media_group_id`, the caption on one of
//! them. The members are gathered in `CALBUM#<source>` / `<media_group_id>` (written under its
//! version, so members handled at once never lose each other) and stored as one post under the
//! first member seen (its anchor): one listing with every member id and photo, whatever order
//! they came in and however often one is re-delivered or edited.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_catalog::preview::PreviewPost;
use teledesk_ports::table::{self, Condition, PK, SK, TableError, VERSION};
use teledesk_telegram::TelegramError;

use super::store::{self, Photo};
use super::{ChannelSource, channel_post_source, update_source};
use teledesk_bot::ctx::{Ctx, Fail, Res};

/// Handles a `channel_post` or `edited_channel_post` (`post` is the message).
pub async fn on_channel_post(ctx: &Ctx<'_>, post: &serde_json::Value) -> Res<()> {
    let Some(chat_id) = post["chat"]["id"].as_i64() else {
        return Ok(());
    };
    let username = post["chat"]["username"].as_str();
    let Some(source) = channel_post_source(ctx.deps, &ctx.bot.workspace, chat_id, username).await?
    else {
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
    let mut preview = PreviewPost {
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
        reply_to: post["reply_to_message"]["message_id"].as_i64(),
    };
    let source = with_channel_id(source, chat_id);
    let now = teledesk_ports::now_secs();
    match post["media_group_id"].as_str() {
        Some(group) => {
            let mut album = join_album(ctx.deps, &source, group, &preview, photos).await?;
            // A member handled at the same time may have joined after this one read the album:
            // store again until the stored listing has the album's latest version.
            for _ in 0..4 {
                let photos = album.merge_into(&mut preview);
                let prior = store::prior(ctx.deps, &source, &preview).await?;
                store::save(ctx.deps, &source, &preview, prior, photos, now).await?;
                match read_album(ctx.deps, &source, group).await? {
                    Some(latest) if latest.version != album.version => album = latest,
                    _ => break,
                }
            }
        }
        None => {
            store::store_post(ctx.deps, &source, &preview, photos, now).await?;
        }
    }
    update_source(ctx.deps, &source.workspace, &source.id, |s| {
        s.cursor = s.cursor.max(message_id);
        s.last_sync_at = Some(teledesk_ports::now_secs());
        s.status = "ok".into();
    })
    .await?;
    Ok(())
}

/// One album member as it arrived.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Member {
    message_id: i64,
    text: String,
    date: Option<i64>,
    edited: bool,
    forwarded_from: Option<String>,
    photos: Vec<Photo>,
}

/// An album's members so far; stored as one post under `anchor`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Album {
    anchor: i64,
    members: Vec<Member>,
    #[serde(default)]
    version: i64,
}

impl Album {
    /// Makes `post` the whole album (under the anchor's id) and returns its photos.
    fn merge_into(&self, post: &mut PreviewPost) -> Vec<Photo> {
        let m = &self.members;
        post.message_id = self.anchor;
        post.member_ids = m.iter().map(|m| m.message_id).collect();
        post.text = m
            .iter()
            .map(|m| m.text.as_str())
            .find(|t| !t.trim().is_empty())
            .unwrap_or_default()
            .to_owned();
        post.date = m.iter().filter_map(|m| m.date).min();
        post.edited = m.iter().any(|m| m.edited);
        post.forwarded_from = m.iter().find_map(|m| m.forwarded_from.clone());
        if let Some(base) = post.url.rsplit_once('/').map(|(b, _)| b.to_owned()) {
            post.url = format!("{base}/{}", self.anchor);
        }
        let photos: Vec<Photo> = m.iter().flat_map(|m| m.photos.clone()).collect();
        post.photos = photos.iter().map(|p| p.source_url.clone()).collect();
        photos
    }
}

fn album_pk(source: &ChannelSource) -> String {
    teledesk_bot::keys::channel_album_pk(&source.id)
}

async fn read_album(
    deps: &crate::Deps,
    source: &ChannelSource,
    group: &str,
) -> Result<Option<Album>, TableError> {
    Ok(deps
        .table
        .get(&album_pk(source), group)
        .await?
        .and_then(|i| serde_json::from_value::<Album>(Value::Object(i)).ok()))
}

/// Adds (or replaces, for an edit or a re-delivery) `post` as a member of album `group`.
async fn join_album(
    deps: &crate::Deps,
    source: &ChannelSource,
    group: &str,
    post: &PreviewPost,
    photos: Vec<Photo>,
) -> Result<Album, TableError> {
    let pk = album_pk(source);
    let member = Member {
        message_id: post.message_id,
        text: post.text.clone(),
        date: post.date,
        edited: post.edited,
        forwarded_from: post.forwarded_from.clone(),
        photos,
    };
    for _ in 0..8 {
        let mut album = read_album(deps, source, group)
            .await?
            .unwrap_or_else(|| Album {
                anchor: post.message_id,
                ..Album::default()
            });
        let cond = match album.version {
            0 => Condition::Absent,
            v => Condition::VersionEquals(v),
        };
        album.members.retain(|m| m.message_id != post.message_id);
        album.members.push(member.clone());
        album.members.sort_by_key(|m| m.message_id);
        album.version += 1;
        let mut item = match serde_json::to_value(&album) {
            Ok(Value::Object(m)) => m,
            _ => table::Item::new(),
        };
        item.insert(PK.into(), json!(pk));
        item.insert(SK.into(), json!(group));
        item.insert(VERSION.into(), json!(album.version));
        match deps.table.put(item, cond).await {
            Ok(()) => return Ok(album),
            Err(TableError::ConditionFailed) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(TableError::ConditionFailed)
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
    let failed = |e: String| Ok(vec![Photo::failed(&source_url, e)]);
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
