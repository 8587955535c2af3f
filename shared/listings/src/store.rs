//! Raw posts and the listings parsed from them.
//!
//! - A raw post is kept as fetched (`CPOST#<source>` / `<message id:012>`), so that it can be parsed
//!   again after a parser upgrade, and so that a re-read page tells an edit (the text changed) from
//!   a post already stored.
//! - One listing per post (an album is one post with all its member ids): `LISTING#<id>` /
//!   `LISTING`, its id derived from the source and the post's first message id, so writing it again
//!   is idempotent. Listed newest first through GSI1 `LISTINGS#<workspace>` / `<date:010>#<id>`.
//! - Duplicates are flagged, never merged: the same VIN (`LVIN#<workspace>#<vin>` / listing id), the
//!   same make/model/year/price/mileage within 30 days (`LFP#<workspace>#<fingerprint>` / listing
//!   id), the same photo bytes (`LPHOTO#<workspace>#<sha256>` / listing id), or a near-duplicate
//!   photo (`LPHASH#<workspace>#<band>` / `<listing id>#<phash>`, one per band of its perceptual
//!   hash: every near hash shares a band). When an edit changes a listing, the keys it lost are
//!   deleted.
//! - Photos are copied into the file store at sync time under their content hash
//!   (`photos/<sha256[..2]>/<sha256>`): the preview's CDN links expire.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use teledesk_catalog::photo;
use teledesk_catalog::preview::PreviewPost;
use teledesk_catalog::{Category, Listing, Post};
use teledesk_ports::table::{
    self, Condition, GSI1PK, GSI1SK, Item, PK, Query, SK, SortKey, TableError,
};

use super::{ChannelSource, SourceKind};
use crate::Deps;

pub const LISTING_SK: &str = "LISTING";
/// Same make/model/year/price/mileage within this many seconds: a probable duplicate.
pub const DUPLICATE_WINDOW_SECS: i64 = 30 * 86_400;

pub use teledesk_bot::keys::{listing_pk, listings_gsi, post_pk};

/// A listing's stable id: from its source and the post's first message id.
pub fn listing_id(source_id: &str, message_id: i64) -> String {
    let h = Sha256::digest(format!("{source_id}#{message_id}").as_bytes());
    format!("lst_{}", &hex::encode(h)[..16])
}

/// Where a listing came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Provenance {
    pub source_id: String,
    pub source_kind: SourceKind,
    /// The channel's numeric id when known (channel_post sources).
    pub channel_id: Option<i64>,
    pub channel_username: Option<String>,
    /// The post's message ids (every album member).
    pub message_ids: Vec<i64>,
    pub post_url: String,
    pub fetched_at: i64,
    pub parsed_at: i64,
    pub parser_version: u32,
}

/// A photo of a listing, copied into the file store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Photo {
    /// The file store key (`photos/<sha256[..2]>/<sha256>`); absent when the copy failed.
    pub key: Option<String>,
    pub sha256: Option<String>,
    /// Where it was fetched from (the preview's CDN link, which expires).
    pub source_url: String,
    /// The perceptual hash (16 hex digits; `teledesk_catalog::photo`) that finds near-duplicate
    /// photos; absent when the bytes could not be decoded as a picture.
    #[serde(default)]
    pub phash: Option<String>,
    pub error: Option<String>,
}

impl Photo {
    /// A photo that could not be fetched or kept.
    pub fn failed(source_url: &str, error: String) -> Photo {
        Photo {
            key: None,
            sha256: None,
            source_url: source_url.to_owned(),
            phash: None,
            error: Some(error),
        }
    }
}

/// A stored listing: the parser's fields, status, duplicate flags, photos and provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredListing {
    pub id: String,
    pub workspace: String,
    /// `active`, `draft` (low confidence: for review), `sold`.
    pub status: String,
    pub category: Category,
    #[serde(flatten)]
    pub fields: Listing,
    pub duplicate: bool,
    /// Why it looks like a duplicate: `vin:<id>`, `fingerprint:<id>`, `photo:<id>` (the same
    /// bytes), `similar_photo:<id>` (a near-duplicate picture).
    pub duplicate_of: Vec<String>,
    /// The post (URL) that closed it by replying with a sold notice; it stays sold when its own
    /// post is edited.
    #[serde(default)]
    pub sold_by: Option<String>,
    pub photos: Vec<Photo>,
    pub provenance: Provenance,
    /// The post's date (epoch s).
    pub posted_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a store did with one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new listing; `duplicate` when it looks like one already stored.
    New {
        duplicate: bool,
    },
    Updated,
    /// Stored already with the same text: nothing changed.
    Unchanged,
    /// Not a listing (or a sold notice): kept as a raw post only.
    NotListing,
}

fn text_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..12])
}

/// Parses one preview post for a source (pure: what a dry run shows).
pub fn parse_post(source: &ChannelSource, post: &PreviewPost) -> Listing {
    teledesk_catalog::parse(
        &Post {
            text: post.text.clone(),
            photo_count: post.photos.len(),
            is_repost: post.forwarded_from.is_some(),
        },
        source.category,
    )
}

/// The stored raw post of `post`, if any.
pub async fn prior(
    deps: &Deps,
    source: &ChannelSource,
    post: &PreviewPost,
) -> Result<Option<Item>, TableError> {
    deps.table
        .get(&post_pk(&source.id), &format!("{:012}", post.message_id))
        .await
}

/// Whether `post` is stored already with this very text: nothing to parse, fetch or write.
pub fn unchanged(prior: Option<&Item>, post: &PreviewPost) -> bool {
    prior.is_some_and(|p| table::str_attr(p, "text_hash") == Some(text_hash(&post.text).as_str()))
}

/// Stores one post and its listing unless it is stored with the same text already; idempotent.
/// `photos` are the post's photos, already copied.
pub async fn store_post(
    deps: &Deps,
    source: &ChannelSource,
    post: &PreviewPost,
    photos: Vec<Photo>,
    fetched_at: i64,
) -> Result<Stored, TableError> {
    let prior = prior(deps, source, post).await?;
    if unchanged(prior.as_ref(), post) {
        return Ok(Stored::Unchanged);
    }
    save(deps, source, post, prior, photos, fetched_at).await
}

/// Parses `post` and writes it and its listing over `prior` (its stored raw post, if any), whatever
/// the text: a caller that has checked [`unchanged`] itself (a sync, before fetching photos) or
/// wants the post parsed again (after a parser upgrade).
pub async fn save(
    deps: &Deps,
    source: &ChannelSource,
    post: &PreviewPost,
    prior: Option<Item>,
    photos: Vec<Photo>,
    fetched_at: i64,
) -> Result<Stored, TableError> {
    let hash = text_hash(&post.text);
    let pk = post_pk(&source.id);
    let sk = format!("{:012}", post.message_id);
    let parsed = parse_post(source, post);
    let now = teledesk_ports::now_secs();
    // The raw post is the fetched post as is, so that it can be parsed again later.
    let mut raw = match serde_json::to_value(post) {
        Ok(Value::Object(m)) => m,
        _ => Item::new(),
    };
    raw.insert(PK.into(), json!(pk));
    raw.insert(SK.into(), json!(sk));
    raw.insert("text_hash".into(), json!(hash));
    raw.insert("fetched_at".into(), json!(fetched_at));
    raw.insert("parser_version".into(), json!(parsed.parser_version));
    let sold = parsed.warnings.iter().any(|w| w.contains("sold"));
    let id = listing_id(&source.id, post.message_id);
    if !parsed.is_listing {
        raw.insert("listing_id".into(), Value::Null);
        deps.table.put(raw, Condition::None).await?;
        if !sold {
            return Ok(Stored::NotListing);
        }
        // A sold notice closes a listing, never deletes it: its own post's (the post was edited
        // into the notice), else the one of the post it replies to (`sold_by` says which post).
        let (target, by) = match deps.table.get(&listing_pk(&id), LISTING_SK).await? {
            Some(own) => (Some(own), None),
            None => match post.reply_to {
                Some(to) => match listing_of_message(deps, source, to).await? {
                    Some(target) => (
                        deps.table.get(&listing_pk(&target), LISTING_SK).await?,
                        Some(post.url.clone()),
                    ),
                    None => (None, None),
                },
                None => (None, None),
            },
        };
        if let Some(mut l) = target {
            l.insert("status".into(), json!("sold"));
            if let Some(by) = by {
                l.insert("sold_by".into(), json!(by));
            }
            l.insert("updated_at".into(), json!(now));
            deps.table.put(l, Condition::None).await?;
            return Ok(Stored::Updated);
        }
        return Ok(Stored::NotListing);
    }
    raw.insert("listing_id".into(), json!(id));
    let posted_at = post.date.unwrap_or(fetched_at);
    let mut listing = StoredListing {
        id: id.clone(),
        workspace: source.workspace.clone(),
        status: if parsed.is_draft() { "draft" } else { "active" }.into(),
        category: source.category,
        duplicate: false,
        duplicate_of: Vec::new(),
        sold_by: None,
        photos,
        provenance: Provenance {
            source_id: source.id.clone(),
            source_kind: source.kind,
            channel_id: source.channel.parse().ok(),
            channel_username: (!source.channel.starts_with('-')).then(|| source.channel.clone()),
            message_ids: post.member_ids.clone(),
            post_url: post.url.clone(),
            fetched_at,
            parsed_at: now,
            parser_version: parsed.parser_version,
        },
        fields: parsed,
        posted_at,
        created_at: now,
        updated_at: now,
    };
    // A post stored before may have its listing: keep when that was made, and drop the duplicate
    // keys it no longer has. A new post has none.
    let old = match prior {
        Some(_) => get_listing(deps, &source.workspace, &id).await?,
        None => None,
    };
    if let Some(old) = &old {
        listing.created_at = old.created_at;
        // Closed by a sold notice replying to it: an edit of its own post does not reopen it.
        if old.sold_by.is_some() {
            listing.sold_by = old.sold_by.clone();
            listing.status = "sold".into();
        }
    }
    flag_duplicates(deps, &mut listing, old.as_ref()).await?;
    deps.table
        .put(listing_item(&listing), Condition::None)
        .await?;
    deps.table.put(raw, Condition::None).await?;
    Ok(if prior.is_some() {
        Stored::Updated
    } else {
        Stored::New {
            duplicate: listing.duplicate,
        }
    })
}

/// The listing a message of the source belongs to: its own post's, or the album's whose members
/// include it (the stored raw post with the highest id at or below it).
async fn listing_of_message(
    deps: &Deps,
    source: &ChannelSource,
    message_id: i64,
) -> Result<Option<String>, TableError> {
    let page = deps
        .table
        .query(
            &Query::partition(post_pk(&source.id))
                .sort(SortKey::Between(
                    format!("{:012}", 0),
                    format!("{message_id:012}"),
                ))
                .backward()
                .limit(1),
        )
        .await?;
    Ok(page.items.first().and_then(|raw| {
        let members = raw.get("member_ids").and_then(Value::as_array)?;
        members
            .iter()
            .any(|m| m.as_i64() == Some(message_id))
            .then(|| table::str_attr(raw, "listing_id").map(str::to_owned))?
    }))
}

fn listing_item(l: &StoredListing) -> Item {
    let mut item = match serde_json::to_value(l) {
        Ok(Value::Object(m)) => m,
        _ => Item::new(),
    };
    item.insert(PK.into(), json!(listing_pk(&l.id)));
    item.insert(SK.into(), json!(LISTING_SK));
    item.insert(GSI1PK.into(), json!(listings_gsi(&l.workspace)));
    item.insert(
        GSI1SK.into(),
        json!(format!("{:010}#{}", l.posted_at.max(0), l.id)),
    );
    item
}

/// The make/model/year/price/mileage a probable duplicate shares, when all are known.
fn fingerprint(l: &Listing) -> Option<String> {
    Some(
        format!(
            "{}|{}|{}|{}{}|{}",
            l.make.as_deref()?,
            l.model.as_deref()?,
            l.year?,
            l.price?.round() as i64,
            l.currency.as_deref()?,
            l.mileage_km? / 1000
        )
        .to_lowercase(),
    )
}

/// One key a listing is filed under to find its probable duplicates.
#[derive(Debug, Clone, PartialEq)]
struct DupKey {
    pk: String,
    sk: String,
    /// The reason a match gives (`vin`, `fingerprint`, `photo`, `similar_photo`).
    why: &'static str,
    /// Only listings posted within this many seconds match.
    window: Option<i64>,
    /// For a perceptual-hash band: the whole hash, which must be near too.
    phash: Option<u64>,
}

/// Every key `l` is filed under.
fn dup_keys(l: &StoredListing) -> Vec<DupKey> {
    let ws = &l.workspace;
    let key = |pk: String, why, window| DupKey {
        pk,
        sk: l.id.clone(),
        why,
        window,
        phash: None,
    };
    let mut keys = Vec::new();
    if let Some(vin) = &l.fields.vin {
        keys.push(key(
            teledesk_bot::keys::listing_vin_pk(ws, vin),
            "vin",
            None,
        ));
    }
    if let Some(fp) = fingerprint(&l.fields) {
        keys.push(key(
            teledesk_bot::keys::listing_fingerprint_pk(ws, &fp),
            "fingerprint",
            Some(DUPLICATE_WINDOW_SECS),
        ));
    }
    for p in &l.photos {
        if let Some(h) = &p.sha256 {
            keys.push(key(
                teledesk_bot::keys::listing_photo_pk(ws, h),
                "photo",
                None,
            ));
        }
        // Near-duplicate photos: filed under each band of the perceptual hash (see
        // teledesk_catalog::photo); the sort key carries the whole hash.
        if let Some(hash) = p.phash.as_deref().and_then(photo::from_hex) {
            for band in photo::bands(hash) {
                keys.push(DupKey {
                    pk: teledesk_bot::keys::listing_phash_pk(ws, &band.to_string()),
                    sk: format!("{}#{}", l.id, photo::to_hex(hash)),
                    why: "similar_photo",
                    window: None,
                    phash: Some(hash),
                });
            }
        }
    }
    keys.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
    keys.dedup_by(|a, b| a.pk == b.pk && a.sk == b.sk);
    keys
}

/// The most entries read from one duplicate key's partition.
const MAX_KEY_ENTRIES: usize = 1_000;

/// Finds the other listings that share a key with this one, writes this one's keys (and deletes
/// the keys of `old`, its stored version, that it no longer has: an edited price must not keep
/// matching the old one), and flags it.
async fn flag_duplicates(
    deps: &Deps,
    l: &mut StoredListing,
    old: Option<&StoredListing>,
) -> Result<(), TableError> {
    let keys = dup_keys(l);
    let mut found = Vec::new();
    for k in &keys {
        let mut cursor = None;
        let mut read = 0;
        loop {
            let page = deps
                .table
                .query(&Query::partition(k.pk.clone()).after(cursor).limit(200))
                .await?;
            read += page.items.len();
            for other in page.items {
                let Some(other_id) =
                    table::str_attr(&other, "listing_id").or_else(|| table::str_attr(&other, SK))
                else {
                    continue;
                };
                let at = table::int_attr(&other, "posted_at").unwrap_or(0);
                let near = match k.phash {
                    None => true,
                    Some(mine) => table::str_attr(&other, "phash")
                        .and_then(photo::from_hex)
                        .is_some_and(|theirs| photo::near_duplicate(mine, theirs)),
                };
                if other_id != l.id
                    && near
                    && k.window.is_none_or(|w| (at - l.posted_at).abs() <= w)
                {
                    found.push(format!("{}:{other_id}", k.why));
                }
            }
            match page.cursor {
                Some(c) if read < MAX_KEY_ENTRIES => cursor = Some(c),
                _ => break,
            }
        }
        let mut mine = Item::new();
        mine.insert(PK.into(), json!(k.pk));
        mine.insert(SK.into(), json!(k.sk));
        mine.insert("listing_id".into(), json!(l.id));
        mine.insert("posted_at".into(), json!(l.posted_at));
        if let Some(h) = k.phash {
            mine.insert("phash".into(), json!(photo::to_hex(h)));
        }
        deps.table.put(mine, Condition::None).await?;
    }
    if let Some(old) = old {
        for k in dup_keys(old) {
            if !keys.iter().any(|n| n.pk == k.pk && n.sk == k.sk) {
                deps.table.delete(&k.pk, &k.sk, Condition::None).await?;
            }
        }
    }
    found.sort();
    found.dedup();
    // The same bytes are also a similar picture: say it once.
    let same: Vec<String> = found
        .iter()
        .filter_map(|f| {
            f.strip_prefix("photo:")
                .map(|id| format!("similar_photo:{id}"))
        })
        .collect();
    found.retain(|f| !same.contains(f));
    l.duplicate = !found.is_empty();
    l.duplicate_of = found;
    Ok(())
}

pub async fn get_listing(
    deps: &Deps,
    workspace: &str,
    id: &str,
) -> Result<Option<StoredListing>, TableError> {
    let item = deps.table.get(&listing_pk(id), LISTING_SK).await?;
    Ok(item
        .and_then(|i| serde_json::from_value::<StoredListing>(Value::Object(i)).ok())
        .filter(|l| l.workspace == workspace))
}

/// The photo's perceptual hash (hex), computed on the blocking pool: decoding takes milliseconds
/// of CPU, which must not hold up the async workers.
async fn perceptual_hash(bytes: &[u8]) -> Option<String> {
    // A copy goes to the blocking pool (a photo is at most a few MB; the decode costs far more).
    let owned = bytes.to_vec();
    match tokio::task::spawn_blocking(move || photo::perceptual_hash(&owned).map(photo::to_hex))
        .await
    {
        Ok(hash) => hash,
        // The decoder failed hard (in a build that unwinds): the photo is kept without a hash.
        Err(e) => {
            tracing::warn!(error = %e, bytes = bytes.len(), "perceptual hash failed; photo kept without it");
            None
        }
    }
}

/// Copies a photo into the file store under its content hash, with its perceptual hash.
pub async fn keep_photo(deps: &Deps, url: &str, bytes: Vec<u8>) -> Photo {
    let sha = hex::encode(Sha256::digest(&bytes));
    let phash = perceptual_hash(&bytes).await;
    let key = format!("photos/{}/{}", &sha[..2], sha);
    let content_type = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else if bytes.starts_with(b"RIFF") {
        "image/webp"
    } else {
        "image/jpeg"
    };
    match deps.files.put(&key, bytes, content_type).await {
        Ok(()) => Photo {
            key: Some(key),
            sha256: Some(sha),
            source_url: url.to_owned(),
            phash,
            error: None,
        },
        Err(e) => Photo {
            key: None,
            sha256: Some(sha),
            source_url: url.to_owned(),
            phash,
            error: Some(e.to_string()),
        },
    }
}

/// Parses a source's stored raw posts again when the parser's version changed since (or always,
/// with `all`); photos already copied are kept (those without a perceptual hash get one from the
/// file store). Returns how many listings were rewritten.
pub async fn reparse_source(
    deps: &Deps,
    source: &ChannelSource,
    all: bool,
) -> Result<usize, TableError> {
    let mut done = 0;
    let mut cursor = None;
    loop {
        let page = deps
            .table
            .query(&Query::partition(post_pk(&source.id)).after(cursor))
            .await?;
        for raw in page.items {
            let version = table::int_attr(&raw, "parser_version").unwrap_or(0) as u32;
            if !all && !teledesk_catalog::needs_reparse(version) {
                continue;
            }
            let Ok(post) = serde_json::from_value::<PreviewPost>(Value::Object(raw.clone())) else {
                tracing::warn!(source_id = %source.id, "a stored raw post does not read back; skipped");
                continue;
            };
            let id = listing_id(&source.id, post.message_id);
            let mut photos: Vec<Photo> = match deps.table.get(&listing_pk(&id), LISTING_SK).await? {
                Some(l) => serde_json::from_value(l.get("photos").cloned().unwrap_or_default())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            // Photos kept before perceptual hashes existed get theirs from the file store.
            for p in photos.iter_mut().filter(|p| p.phash.is_none()) {
                if let Some(key) = &p.key
                    && let Ok(Some(bytes)) = deps.files.get(key).await
                {
                    p.phash = perceptual_hash(&bytes).await;
                }
            }
            let fetched_at = table::int_attr(&raw, "fetched_at").unwrap_or(0);
            save(deps, source, &post, Some(raw), photos, fetched_at).await?;
            done += 1;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(done),
        }
    }
}
