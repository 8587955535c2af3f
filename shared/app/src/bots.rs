//! The registry of bots. A bot's token and webhook secret live only here; [`BotRecord`]'s `Debug`
//! redacts both, and no API or CLI output prints them back.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::table::{self, Condition, GSI1PK, GSI1SK, Item, PK, Query, SK, TableError};
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
    crate::desk::DEFAULT_WORKSPACE.to_owned()
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

impl BotRecord {
    fn to_item(&self) -> Item {
        let mut item = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => unreachable!("a struct serializes to an object"),
        };
        item.insert(PK.into(), json!(keys::bot_pk(&self.bot_id)));
        item.insert(SK.into(), json!(keys::BOT_SK));
        item.insert(GSI1PK.into(), json!(keys::BOTS_GSI));
        item.insert(GSI1SK.into(), json!(self.bot_id));
        item
    }

    fn from_item(item: Item) -> Option<Self> {
        serde_json::from_value(Value::Object(item)).ok()
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
    Ok(bot)
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
