//! Listings, the vehicle catalog: channel sources ([`ChannelSource`]), scheduled and on-demand syncs of their posts
//! ([`sync`]) through a [`fetch::PostSource`], and the listings parsed from them ([`store`]) with
//! provenance, duplicate flags and photos in the file store.
//!
//! The listing parser itself is the pure crate `teledesk-catalog` (docs/catalog-parser.md).

pub mod channel_post;
pub mod commands;
pub mod fetch;
pub mod schedule;
pub mod seed;
pub mod store;
pub mod sync;
pub mod texts;

use async_trait::async_trait;
use teledesk_bot::batch::Outcome;
use teledesk_bot::commands::Command;
use teledesk_bot::ctx::{Ctx, Res};
use teledesk_bot::i18n::Catalog;
use teledesk_bot::msg::Msg;
use teledesk_bot::router::{Capability, CommandSpec, JobSpec, Scope};
#[allow(unused_imports)]
use teledesk_bot::{admin_chat, events, html, jobs};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_catalog::Category;
use teledesk_ports::table::{self, Condition, Item, PK, Query, SK, TableError, TxOp};

use teledesk_bot::Deps;
use teledesk_bot::keys::{self, CHANNEL_SOURCES_GSI};

/// Listings, as the router sees it: the admin chat's catalog commands, channel posts, and
/// `channel.sync` jobs.
pub struct Listings;

const fn admin_cmd(name: &'static str, help: &'static str) -> CommandSpec {
    CommandSpec {
        name,
        scope: Scope::AdminChat,
        listed: true,
        help,
    }
}

const COMMANDS: &[CommandSpec] = &[
    admin_cmd("sources", "cmd-sources"),
    admin_cmd("sync", "cmd-sync"),
    admin_cmd("parse_range", "cmd-parse-range"),
    admin_cmd("dry_run", "cmd-dry-run"),
];

#[async_trait]
impl Capability for Listings {
    fn name(&self) -> &'static str {
        "listings"
    }
    fn catalog(&self) -> &'static Catalog {
        texts::catalog()
    }
    fn commands(&self) -> &'static [CommandSpec] {
        COMMANDS
    }
    async fn on_command(&self, ctx: &Ctx<'_>, m: &Msg<'_>, cmd: &Command<'_>) -> Res<()> {
        commands::on_command(ctx, m, &cmd.name, cmd.args).await
    }
    async fn on_channel_post(&self, ctx: &Ctx<'_>, post: &Value) -> Res<()> {
        channel_post::on_channel_post(ctx, post).await
    }
    fn jobs(&self) -> &'static [JobSpec] {
        &[JobSpec {
            kind: sync::JOB_SYNC,
            per_bot: false,
        }]
    }
    async fn on_workspace_job(&self, deps: &Deps, _kind: &str, job: &Value) -> Outcome {
        sync::run_job(deps, job).await
    }
}

pub use teledesk_bot::keys::sources_pk;

/// How a source's posts reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The public web preview `https://t.me/s/<channel>` (no account needed), fetched on a schedule.
    Preview,
    /// `channel_post` / `edited_channel_post` updates of a channel where the bot is an admin.
    ChannelPost,
}

/// Counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunCounts {
    pub new: u32,
    pub updated: u32,
    pub duplicate: u32,
    pub failed: u32,
    /// Posts seen that are not listings (news, greetings, sold notices).
    #[serde(default)]
    pub skipped: u32,
    #[serde(default)]
    pub pages: u32,
}

impl RunCounts {
    /// Adds another run's counts (a run continued by another).
    pub fn add(&mut self, o: &RunCounts) {
        self.new += o.new;
        self.updated += o.updated;
        self.duplicate += o.duplicate;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.pages += o.pages;
    }
}

/// A channel whose posts feed the catalog, and its sync state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelSource {
    pub id: String,
    pub workspace: String,
    /// The channel's username (without `@`), or its numeric id for `channel_post` sources.
    pub channel: String,
    pub kind: SourceKind,
    pub category: Category,
    /// Minutes between scheduled syncs.
    pub schedule_minutes: u32,
    pub enabled: bool,
    /// The highest message id stored.
    pub cursor: i64,
    pub last_sync_at: Option<i64>,
    /// `new`, `ok`, `failed`, `rate_limited`.
    pub status: String,
    pub last_run: RunCounts,
    pub last_error: Option<String>,
    /// No sync before this time (epoch s): after a rate limit or a failure (backoff).
    pub next_allowed_at: Option<i64>,
    /// Failed runs in a row (the backoff grows with it).
    #[serde(default)]
    pub failures: u32,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub version: i64,
}

pub const DEFAULT_SCHEDULE_MINUTES: u32 = 15;

impl ChannelSource {
    pub fn new(workspace: &str, channel: &str, kind: SourceKind, category: Category) -> Self {
        let now = teledesk_ports::now_secs();
        ChannelSource {
            id: format!("src_{}", hex::encode(rand::random::<[u8; 6]>())),
            workspace: workspace.into(),
            channel: channel.trim_start_matches('@').into(),
            kind,
            category,
            schedule_minutes: DEFAULT_SCHEDULE_MINUTES,
            enabled: true,
            cursor: 0,
            last_sync_at: None,
            status: "new".into(),
            last_run: RunCounts::default(),
            last_error: None,
            next_allowed_at: None,
            failures: 0,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// Whether the schedule should sync it now.
    pub fn is_due(&self, now: i64) -> bool {
        self.enabled
            && self.kind == SourceKind::Preview
            && self.next_allowed_at.is_none_or(|t| now >= t)
            && self
                .last_sync_at
                .is_none_or(|t| now >= t + i64::from(self.schedule_minutes) * 60)
    }

    fn to_item(&self) -> Item {
        teledesk_bot::record::to_item(self)
    }
}

/// A valid channel username (5–32 of letters, digits and `_`, starting with a letter) or a numeric
/// channel id (`-100…`).
pub fn valid_channel(c: &str) -> bool {
    let c = c.trim_start_matches('@');
    let username = (5..=32).contains(&c.len())
        && c.starts_with(|ch: char| ch.is_ascii_alphabetic())
        && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let id = c
        .strip_prefix('-')
        .is_some_and(|d| !d.is_empty() && d.len() <= 20 && d.bytes().all(|b| b.is_ascii_digit()));
    username || id
}

fn from_item(item: Item) -> Option<ChannelSource> {
    teledesk_bot::record::from_item(item).ok()
}

impl teledesk_bot::record::Record for ChannelSource {
    const KIND: &'static str = "channel source";
    fn key(&self) -> (String, String) {
        (sources_pk(&self.workspace), self.id.clone())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        Some((
            CHANNEL_SOURCES_GSI.into(),
            format!("{}#{}", self.workspace, self.id),
        ))
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
}

pub async fn get_source(
    deps: &Deps,
    workspace: &str,
    id: &str,
) -> Result<Option<ChannelSource>, TableError> {
    Ok(deps
        .table
        .get(&sources_pk(workspace), id)
        .await?
        .and_then(from_item))
}

/// One page of a workspace's sources (at most `limit` items of the partition read, by id; the
/// partition also holds their leases, which are left out) and the table cursor of the next page.
pub async fn sources_page(
    deps: &Deps,
    workspace: &str,
    limit: usize,
    after: Option<String>,
) -> Result<(Vec<ChannelSource>, Option<String>), TableError> {
    let page = deps
        .table
        .query(
            &Query::partition(sources_pk(workspace))
                .limit(limit.max(1))
                .after(after),
        )
        .await?;
    let sources = page
        .items
        .into_iter()
        .filter(|i| table::str_attr(i, SK).is_some_and(|sk| !sk.contains('#')))
        .filter_map(from_item)
        .collect();
    Ok((sources, page.cursor))
}

/// Every source of every workspace (the schedule's view).
pub async fn all_sources(deps: &Deps) -> Result<Vec<ChannelSource>, TableError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = deps
            .table
            .query(&Query::gsi1(CHANNEL_SOURCES_GSI).after(cursor))
            .await?;
        out.extend(page.items.into_iter().filter_map(from_item));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

fn channel_index(s: &ChannelSource) -> Item {
    let mut i = Item::new();
    i.insert(
        PK.into(),
        json!(keys::channel_post_source_pk(&s.workspace, &s.channel)),
    );
    i.insert(SK.into(), json!(keys::CHANNEL_POST_SOURCE_SK));
    i.insert("source_id".into(), json!(s.id));
    i
}

/// Writes a source guarded by its version (absent when 0); returns it with the new version. A new
/// `channel_post` source is written together with its channel index, in one transaction.
pub async fn save_source(deps: &Deps, s: &ChannelSource) -> Result<ChannelSource, TableError> {
    let mut next = s.clone();
    next.version = s.version + 1;
    next.updated_at = teledesk_ports::now_secs();
    if s.version == 0 && s.kind == SourceKind::ChannelPost {
        deps.table
            .transact(vec![
                TxOp::Put {
                    item: next.to_item(),
                    condition: Condition::Absent,
                },
                TxOp::Put {
                    item: channel_index(&next),
                    condition: Condition::None,
                },
            ])
            .await
            .map_err(|e| match e {
                TableError::TransactionCanceled => TableError::ConditionFailed,
                e => e,
            })?;
        return Ok(next);
    }
    let cond = if s.version == 0 {
        Condition::Absent
    } else {
        Condition::VersionEquals(s.version)
    };
    deps.table.put(next.to_item(), cond).await?;
    Ok(next)
}

/// The enabled `channel_post` source of the workspace that follows the channel a post came from
/// (by its numeric id, else its username): at most two reads, whatever the number of sources.
pub async fn channel_post_source(
    deps: &Deps,
    workspace: &str,
    chat_id: i64,
    username: Option<&str>,
) -> Result<Option<ChannelSource>, TableError> {
    let id = chat_id.to_string();
    for channel in std::iter::once(id.as_str()).chain(username) {
        let Some(index) = deps
            .table
            .get(
                &keys::channel_post_source_pk(workspace, channel),
                keys::CHANNEL_POST_SOURCE_SK,
            )
            .await?
        else {
            continue;
        };
        let Some(source_id) = table::str_attr(&index, "source_id") else {
            continue;
        };
        // The index may outlive a source removed meanwhile: the source itself decides.
        if let Some(s) = get_source(deps, workspace, source_id).await?
            && s.kind == SourceKind::ChannelPost
            && s.enabled
            && s.channel.eq_ignore_ascii_case(channel)
        {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// Applies `change` to the stored source, re-reading it when another writer got there first.
pub async fn update_source(
    deps: &Deps,
    workspace: &str,
    id: &str,
    change: impl Fn(&mut ChannelSource),
) -> Result<Option<ChannelSource>, TableError> {
    for _ in 0..5 {
        let Some(mut s) = get_source(deps, workspace, id).await? else {
            return Ok(None);
        };
        change(&mut s);
        match save_source(deps, &s).await {
            Ok(saved) => return Ok(Some(saved)),
            Err(TableError::ConditionFailed) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(TableError::ConditionFailed)
}

pub async fn delete_source(deps: &Deps, workspace: &str, id: &str) -> Result<bool, TableError> {
    if let Some(s) = get_source(deps, workspace, id).await?
        && s.kind == SourceKind::ChannelPost
    {
        let index = keys::channel_post_source_pk(workspace, &s.channel);
        if deps
            .table
            .get(&index, keys::CHANNEL_POST_SOURCE_SK)
            .await?
            .is_some_and(|i| table::str_attr(&i, "source_id") == Some(id))
        {
            deps.table
                .delete(&index, keys::CHANNEL_POST_SOURCE_SK, Condition::None)
                .await?;
        }
    }
    match deps
        .table
        .delete(&sources_pk(workspace), id, Condition::Exists)
        .await
    {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}
