//! The registry of bots. A bot's token and webhook secret live only here; [`BotRecord`]'s `Debug`
//! redacts both, and no API or CLI output prints them back.

use serde::{Deserialize, Serialize};
use serde_json::json;
use teledesk_ports::table::{self, Condition, Item, PK, Query, SK, TableError};
use teledesk_telegram::{TelegramError, bot_id_of};

use crate::{Deps, keys, secrets};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotRecord {
    pub bot_id: String,
    pub username: String,
    pub token: String,
    pub webhook_secret: String,
    pub enabled: bool,
    pub created_at: i64,
    /// The tenant the bot, its desks and tickets belong to.
    #[serde(default = "default_workspace")]
    pub workspace: String,
}

fn default_workspace() -> String {
    crate::ctx::DEFAULT_WORKSPACE.to_owned()
}

impl std::fmt::Debug for BotRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRecord")
            .field("bot_id", &self.bot_id)
            .field("username", &self.username)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("that is not a bot token (expected <digits>:<secret> from @BotFather)")]
    MalformedToken,
    #[error("the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")]
    InvalidSecret,
    #[error("Telegram rejected the token: {0}")]
    Telegram(#[from] TelegramError),
    #[error("the bot is registered in another workspace")]
    OtherWorkspace,
    #[error("no bot {0} is registered")]
    NotFound(String),
    #[error(transparent)]
    Table(#[from] TableError),
}

impl crate::record::Record for BotRecord {
    const KIND: &'static str = "bot";
    fn key(&self) -> (String, String) {
        (keys::bot_pk(&self.bot_id), keys::BOT_SK.into())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        Some((keys::BOTS_GSI.into(), self.bot_id.clone()))
    }
}

impl BotRecord {
    fn to_item(&self) -> Item {
        crate::record::to_item(self)
    }

    fn from_item(item: Item) -> Option<Self> {
        crate::record::from_item(item).ok()
    }
}

/// Registers (or re-registers) a bot: checks the token with getMe, keeps an existing webhook secret
/// unless a new one is given, generates one otherwise. A new bot joins the default workspace.
pub async fn register(
    deps: &Deps,
    token: &str,
    secret: Option<&str>,
) -> Result<BotRecord, BotError> {
    register_in(deps, token, secret, None).await
}

/// [`register`] into a workspace: a bot already registered in another workspace is refused.
pub async fn register_in(
    deps: &Deps,
    token: &str,
    secret: Option<&str>,
    workspace: Option<&str>,
) -> Result<BotRecord, BotError> {
    let token = token.trim();
    let bot_id = bot_id_of(token).ok_or(BotError::MalformedToken)?.to_owned();
    if let Some(s) = secret
        && !secrets::is_valid_webhook_secret(s)
    {
        return Err(BotError::InvalidSecret);
    }
    let tg = deps.telegram.connect(token);
    let me = tg.get_me().await?;
    let existing = get(deps, &bot_id).await?;
    if let (Some(w), Some(e)) = (workspace, existing.as_ref())
        && e.workspace != w
    {
        return Err(BotError::OtherWorkspace);
    }
    let record = BotRecord {
        username: me.username,
        token: token.to_owned(),
        webhook_secret: secret
            .map(str::to_owned)
            .or_else(|| existing.as_ref().map(|b| b.webhook_secret.clone()))
            .unwrap_or_else(secrets::new_webhook_secret),
        enabled: true,
        created_at: existing
            .as_ref()
            .map_or_else(teledesk_ports::now_secs, |b| b.created_at),
        workspace: existing.as_ref().map_or_else(
            || workspace.map_or_else(default_workspace, str::to_owned),
            |b| b.workspace.clone(),
        ),
        bot_id,
    };
    // A new secret on a bot whose webhook is set: tell Telegram first, or every update would be
    // refused with 403 until `webhook set` runs again.
    if existing
        .as_ref()
        .is_some_and(|b| b.webhook_secret != record.webhook_secret)
    {
        let info = tg.webhook_info().await?;
        if !info.url.is_empty() {
            tg.set_webhook(&info.url, &record.webhook_secret).await?;
        }
    }
    deps.table.put(record.to_item(), Condition::None).await?;
    deps.bot_cache.invalidate();
    Ok(record)
}

pub async fn get(deps: &Deps, bot_id: &str) -> Result<Option<BotRecord>, TableError> {
    Ok(deps
        .table
        .get(&keys::bot_pk(bot_id), keys::BOT_SK)
        .await?
        .and_then(BotRecord::from_item))
}

pub async fn list(deps: &Deps) -> Result<Vec<BotRecord>, TableError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = deps
            .table
            .query(&Query::gsi1(keys::BOTS_GSI).limit(100).after(cursor))
            .await?;
        out.extend(page.items.into_iter().filter_map(BotRecord::from_item));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

pub async fn remove(deps: &Deps, bot_id: &str) -> Result<(), BotError> {
    match deps
        .table
        .delete(&keys::bot_pk(bot_id), keys::BOT_SK, Condition::Exists)
        .await
    {
        Ok(()) => {
            deps.bot_cache.invalidate();
            deps.table
                .delete(&keys::bot_pk(bot_id), keys::POLL_SK, Condition::None)
                .await?;
            Ok(())
        }
        Err(TableError::ConditionFailed) => Err(BotError::NotFound(bot_id.into())),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_enabled(deps: &Deps, bot_id: &str, enabled: bool) -> Result<BotRecord, BotError> {
    let mut bot = get(deps, bot_id)
        .await?
        .ok_or_else(|| BotError::NotFound(bot_id.into()))?;
    bot.enabled = enabled;
    deps.table.put(bot.to_item(), Condition::Exists).await?;
    deps.bot_cache.invalidate();
    Ok(bot)
}

/// What the webhook may know of a request before reading anything: whether the bot is enabled
/// and the presented secret is its secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    UnknownBot,
    WrongSecret,
}

/// The webhook's view of the registry: the enabled bots and the SHA-256 of their webhook secrets,
/// loaded with one query and trusted for [`crate::config::Config::bot_cache_ttl`]. A request for a
/// bot the cache does not know, or with a secret it does not match, reloads it at most once per
/// [`BotCache::MIN_RELOAD`] (a bot registered or a secret changed in another process is seen
/// within seconds), so refused requests cost no table read each: a flood of forged webhooks costs
/// one query per few seconds per process. Changes made in this process invalidate it at once.
#[derive(Default)]
pub struct BotCache {
    state: std::sync::Mutex<CacheState>,
    reload: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct CacheState {
    loaded_at: Option<std::time::Instant>,
    secrets: std::collections::HashMap<String, [u8; 32]>,
}

fn secret_hash(secret: &[u8]) -> [u8; 32] {
    <sha2::Sha256 as sha2::Digest>::digest(secret).into()
}

impl BotCache {
    /// The least time between two reloads caused by a refused request.
    pub const MIN_RELOAD: std::time::Duration = std::time::Duration::from_secs(5);

    pub fn invalidate(&self) {
        self.lock().loaded_at = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `bot_id` is enabled and `presented` is its webhook secret.
    pub async fn admit(
        &self,
        deps: &Deps,
        bot_id: &str,
        presented: Option<&[u8]>,
    ) -> Result<Admission, TableError> {
        let ttl = deps.config.bot_cache_ttl;
        let judge = |st: &CacheState| match st.secrets.get(bot_id) {
            None => Admission::UnknownBot,
            Some(h) => match presented {
                Some(p) if secrets::constant_time_eq(&secret_hash(p), h) => Admission::Admitted,
                _ => Admission::WrongSecret,
            },
        };
        let age = |st: &CacheState| st.loaded_at.map(|t| t.elapsed());
        {
            let st = self.lock();
            if let Some(a) = age(&st)
                && a < ttl
            {
                let verdict = judge(&st);
                if verdict == Admission::Admitted || a < Self::MIN_RELOAD {
                    return Ok(verdict);
                }
            }
        }
        // One reload at a time; whoever waited finds it fresh.
        let _one = self.reload.lock().await;
        {
            let st = self.lock();
            if age(&st).is_some_and(|a| a < Self::MIN_RELOAD) {
                return Ok(judge(&st));
            }
        }
        let bots = list(deps).await?;
        let mut st = self.lock();
        st.secrets = bots
            .into_iter()
            .filter(|b| b.enabled)
            .map(|b| (b.bot_id, secret_hash(b.webhook_secret.as_bytes())))
            .collect();
        st.loaded_at = Some(std::time::Instant::now());
        Ok(judge(&st))
    }
}

/// The getUpdates offset `serve` continues from.
pub async fn poll_offset(deps: &Deps, bot_id: &str) -> Result<i64, TableError> {
    Ok(deps
        .table
        .get(&keys::bot_pk(bot_id), keys::POLL_SK)
        .await?
        .and_then(|i| table::int_attr(&i, "offset"))
        .unwrap_or(0))
}

pub async fn save_poll_offset(deps: &Deps, bot_id: &str, offset: i64) -> Result<(), TableError> {
    let mut item = Item::new();
    item.insert(PK.into(), json!(keys::bot_pk(bot_id)));
    item.insert(SK.into(), json!(keys::POLL_SK));
    item.insert("offset".into(), json!(offset));
    deps.table.put(item, Condition::None).await
}
