//! Dealer channels: the Telegram channels requests are published to (`DCHAN#<workspace>` /
//! `<chat id>`). A channel is added only when the bot can post there — Telegram is asked
//! (`getChat`, `getChatMember`), and what is missing is said in words an operator can act on.

use serde::{Deserialize, Serialize};
use serde_json::json;
use teledesk_bot::Deps;
use teledesk_bot::bots::BotRecord;
use teledesk_bot::record::{self, Record};
use teledesk_ports::table::{Condition, Query, TableError};
use teledesk_telegram::TelegramError;

pub fn channels_pk(workspace: &str) -> String {
    format!("DCHAN#{workspace}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealerChannel {
    pub workspace: String,
    pub chat_id: i64,
    pub title: String,
    /// The bot that posts there.
    pub bot_id: String,
    pub added_by: String,
    pub added_at: i64,
}

impl Record for DealerChannel {
    const KIND: &'static str = "dealer channel";
    fn key(&self) -> (String, String) {
        (channels_pk(&self.workspace), self.chat_id.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// Why the bot cannot post there, for the operator.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("Telegram is unavailable: {0}")]
    Unavailable(String),
}

/// Whether the bot can post in `chat_id`: the channel's title, or why not.
pub async fn check(deps: &Deps, bot: &BotRecord, chat_id: i64) -> Result<String, AddError> {
    let tg = deps.telegram.connect(&bot.token);
    let bot_user: i64 = bot.bot_id.parse().unwrap_or_default();
    let chat = match tg.call("getChat", json!({"chat_id": chat_id})).await {
        Ok(c) => c,
        Err(e) if e.is_transient() => return Err(AddError::Unavailable(e.to_string())),
        Err(e) => {
            return Err(AddError::Refused(format!(
                "the bot cannot see chat {chat_id} ({e}): add @{} to the channel as an administrator that can post messages",
                bot.username
            )));
        }
    };
    let title = chat["title"].as_str().unwrap_or_default().to_owned();
    if chat["type"] != "channel" {
        return Err(AddError::Refused(format!(
            "{chat_id} ({title}) is a {}, not a channel",
            chat["type"].as_str().unwrap_or("chat")
        )));
    }
    let member = match tg.get_chat_member(chat_id, bot_user).await {
        Ok(m) => m,
        Err(e) if e.is_transient() => return Err(AddError::Unavailable(e.to_string())),
        Err(TelegramError::Forbidden { description })
        | Err(TelegramError::Api { description, .. }) => {
            return Err(AddError::Refused(format!(
                "Telegram did not say what the bot may do in {title}: {description}"
            )));
        }
        Err(e) => return Err(AddError::Refused(e.to_string())),
    };
    let status = member["status"].as_str().unwrap_or("unknown");
    if status != "administrator" && status != "creator" {
        return Err(AddError::Refused(format!(
            "@{} is {status} in {title}: make it an administrator that can post messages",
            bot.username
        )));
    }
    if status == "administrator" && member["can_post_messages"] != json!(true) {
        return Err(AddError::Refused(format!(
            "@{} is an administrator of {title} but may not post messages: give it that right",
            bot.username
        )));
    }
    Ok(title)
}

/// Adds (or updates) a dealer channel after checking the bot can post there.
pub async fn add(
    deps: &Deps,
    workspace: &str,
    bot: &BotRecord,
    chat_id: i64,
    by: &str,
) -> Result<DealerChannel, AddError> {
    let title = check(deps, bot, chat_id).await?;
    let c = DealerChannel {
        workspace: workspace.to_owned(),
        chat_id,
        title,
        bot_id: bot.bot_id.clone(),
        added_by: by.to_owned(),
        added_at: teledesk_ports::now_secs(),
    };
    deps.table.put(record::to_item(&c), Condition::None).await?;
    Ok(c)
}

pub async fn list(deps: &Deps, workspace: &str) -> Result<Vec<DealerChannel>, TableError> {
    record::all(
        deps.table.as_ref(),
        Query::partition(channels_pk(workspace)),
    )
    .await
}

pub async fn get(
    deps: &Deps,
    workspace: &str,
    chat_id: i64,
) -> Result<Option<DealerChannel>, TableError> {
    let item = deps
        .table
        .get(&channels_pk(workspace), &chat_id.to_string())
        .await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

/// Removes a dealer channel; whether there was one.
pub async fn remove(deps: &Deps, workspace: &str, chat_id: i64) -> Result<bool, TableError> {
    let existed = get(deps, workspace, chat_id).await?.is_some();
    if existed {
        deps.table
            .delete(
                &channels_pk(workspace),
                &chat_id.to_string(),
                Condition::None,
            )
            .await?;
    }
    Ok(existed)
}
