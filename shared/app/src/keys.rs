//! The single table's key layout, in one place (documented in docs/architecture.md).

/// A registered bot: `BOT#<bot_id>` / [`BOT_SK`]; listed through GSI1 `BOTS` / `<bot_id>`.
pub fn bot_pk(bot_id: &str) -> String {
    format!("BOT#{bot_id}")
}
pub const BOT_SK: &str = "BOT";
pub const BOTS_GSI: &str = "BOTS";
/// Long-polling offset of a bot under `serve`: `BOT#<bot_id>` / `POLL`.
pub const POLL_SK: &str = "POLL";

/// The dedup marker of one update: `UPD#<bot_id>` / zero-padded update_id, with a TTL.
pub fn update_pk(bot_id: &str) -> String {
    format!("UPD#{bot_id}")
}
pub fn update_sk(update_id: i64) -> String {
    format!("{update_id:015}")
}

/// An update the decoder did not understand, kept for inspection: `RAW#<bot_id>` / update_id.
pub fn raw_update_pk(bot_id: &str) -> String {
    format!("RAW#{bot_id}")
}

/// What the bot knows about a chat: `CHAT#<bot_id>#<chat_id>` / `CHAT`.
pub fn chat_pk(bot_id: &str, chat_id: i64) -> String {
    format!("CHAT#{bot_id}#{chat_id}")
}
pub const CHAT_SK: &str = "CHAT";

/// Channel sources the schedule syncs: GSI1 partition.
pub const CHANNEL_SOURCES_GSI: &str = "CHANNEL_SOURCES";
