//! The composition of capabilities: the one place that lists them. Adding a capability is a line
//! here and its own crate; nothing else changes.

use std::sync::{Arc, LazyLock};

use teledesk_bot::router::{Capability, Router};

/// The capabilities this build runs, in the order the router asks them.
pub fn capabilities() -> Router {
    capabilities_with(Vec::new())
}

/// [`capabilities`] and more after them (tests plug in capabilities of their own).
pub fn capabilities_with(more: Vec<Arc<dyn Capability>>) -> Router {
    // The flows other capabilities run on the scenario engine.
    teledesk_requests::offering::register_flows();
    let mut caps: Vec<Arc<dyn Capability>> = vec![
        Arc::new(teledesk_desk::Desk),
        Arc::new(teledesk_listings::Listings),
        Arc::new(teledesk_webhooks::Webhooks),
        Arc::new(teledesk_scenarios::Scenarios),
        Arc::new(teledesk_requests::Requests),
    ];
    caps.extend(more);
    Router::new(caps)
}

/// The process's router, composed once.
pub fn router() -> &'static Router {
    static R: LazyLock<Router> = LazyLock::new(capabilities);
    &R
}

/// Sets the bot's command menus from the registered commands ([`teledesk_bot::menu`]): every
/// scope × language, and the workspace's admin chat when this bot speaks there. How many menus.
pub async fn set_menus(
    deps: &teledesk_bot::Deps,
    bot: &teledesk_bot::bots::BotRecord,
) -> Result<usize, teledesk_bot::Fail> {
    let tg = deps.telegram.connect(&bot.token);
    let admin_chat = admin_chat_of(deps, bot).await?;
    let lang = deps.config.language;
    Ok(teledesk_bot::menu::set(tg.as_ref(), router(), admin_chat, lang).await?)
}

/// What Telegram holds as the bot's menus (`teledesk bots commands BOT_ID`).
pub async fn menus(
    deps: &teledesk_bot::Deps,
    bot: &teledesk_bot::bots::BotRecord,
) -> Result<Vec<serde_json::Value>, teledesk_bot::Fail> {
    let tg = deps.telegram.connect(&bot.token);
    let admin_chat = admin_chat_of(deps, bot).await?;
    Ok(teledesk_bot::menu::get(tg.as_ref(), admin_chat).await?)
}

async fn admin_chat_of(
    deps: &teledesk_bot::Deps,
    bot: &teledesk_bot::bots::BotRecord,
) -> Result<Option<i64>, teledesk_bot::Fail> {
    Ok(teledesk_bot::admin_chat::get(deps, &bot.workspace)
        .await?
        .filter(|a| a.bot_id == bot.bot_id)
        .map(|a| a.chat_id))
}
