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

/// A workspace's own items: `WS#<workspace>` / `ADMIN_CHAT` (the admin chat), …
pub fn workspace_pk(workspace: &str) -> String {
    format!("WS#{workspace}")
}

/// Per-user state of a bot's user, one partition so the router reads it with one query:
/// `USER#<bot_id>#<user_id>` / [`PROFILE_SK`] (language, choices) and
/// `USER#<bot_id>#<user_id>` / `SESSION#<chat_id>` (the active conversation session, with a TTL).
pub fn user_pk(bot_id: &str, user_id: i64) -> String {
    format!("USER#{bot_id}#{user_id}")
}
pub const PROFILE_SK: &str = "PROFILE";
pub const SESSION_SK_PREFIX: &str = "SESSION#";
pub fn session_sk(chat_id: i64) -> String {
    format!("{SESSION_SK_PREFIX}{chat_id}")
}
/// Sessions of a bot, listed for admins: GSI1 `SESSIONS#<bot_id>` / `<user_id>#<chat_id>`.
pub fn sessions_gsi(bot_id: &str) -> String {
    format!("SESSIONS#{bot_id}")
}

/// A one-time setup code, by the SHA-256 of its canonical form: `SETUP#<hash>` / `SETUP`, with a
/// TTL (`setup_codes`).
pub fn setup_code_pk(hash: &str) -> String {
    format!("SETUP#{hash}")
}
pub const SETUP_CODE_SK: &str = "SETUP";

/// Which `channel_post` source follows a channel, by the channel as its posts name it (numeric id
/// or lower-case username): `CHPOST#<workspace>#<channel>` / `SOURCE`, written with the source, so
/// a channel post finds its source with one read instead of listing the workspace's sources.
pub fn channel_post_source_pk(workspace: &str, channel: &str) -> String {
    format!("CHPOST#{workspace}#{}", channel.to_ascii_lowercase())
}
pub const CHANNEL_POST_SOURCE_SK: &str = "SOURCE";

/// Channel sources the schedule syncs: GSI1 partition.
pub const CHANNEL_SOURCES_GSI: &str = "CHANNEL_SOURCES";

// ---- The support desk -------------------------------------------------------------------------

/// A group the bot is in: `GROUP#<bot_id>#<chat_id>` / `GROUP`; listed through GSI1
/// `GROUPS#<bot_id>` / chat id.
pub fn group_pk(bot_id: &str, chat_id: i64) -> String {
    format!("GROUP#{bot_id}#{chat_id}")
}
pub const GROUP_SK: &str = "GROUP";
pub fn groups_gsi(bot_id: &str) -> String {
    format!("GROUPS#{bot_id}")
}
/// The bot's support desk (the group new private-chat tickets go to): `BOT#<bot_id>` / `DESK`.
pub const DESK_SK: &str = "DESK";

/// An internal user: `STAFF#<workspace>` / Telegram user id; by username through GSI1
/// `STAFFNAME#<workspace>` / lower-case username.
pub fn staff_pk(workspace: &str) -> String {
    format!("STAFF#{workspace}")
}
pub fn staff_name_gsi(workspace: &str) -> String {
    format!("STAFFNAME#{workspace}")
}

/// A ticket: `TICKET#<id>` / `TICKET`, its counters under `STATS`; listed through GSI1
/// `TICKETS#<workspace>` / `<created ms, 13 digits>#<id>`.
pub fn ticket_pk(ticket_id: &str) -> String {
    format!("TICKET#{ticket_id}")
}
pub const TICKET_SK: &str = "TICKET";
pub const TICKET_STATS_SK: &str = "STATS";
pub fn tickets_gsi(workspace: &str) -> String {
    format!("TICKETS#{workspace}")
}

/// A conversation endpoint (a forum topic, or a private chat with thread 0):
/// `EP#<bot_id>#<chat_id>#<thread_id>` / `EP`.
pub fn endpoint_pk(bot_id: &str, chat_id: i64, thread_id: Option<i32>) -> String {
    format!("EP#{bot_id}#{chat_id}#{}", thread_id.unwrap_or(0))
}
pub const ENDPOINT_SK: &str = "EP";

/// A stored message: `MSG#<bot_id>#<chat_id>` / message id (12 digits); its attachment under
/// `<message id>#att`. Listed per ticket through GSI1 `TMSG#<ticket>` / `<date>#<chat>#<id>` and
/// `TATT#<ticket>` / the same.
pub fn message_pk(bot_id: &str, chat_id: i64) -> String {
    format!("MSG#{bot_id}#{chat_id}")
}
pub fn message_sk(message_id: i32) -> String {
    format!("{message_id:012}")
}
pub fn attachment_sk(message_id: i32) -> String {
    format!("{message_id:012}#att")
}
pub fn ticket_messages_gsi(ticket_id: &str) -> String {
    format!("TMSG#{ticket_id}")
}
pub fn ticket_attachments_gsi(ticket_id: &str) -> String {
    format!("TATT#{ticket_id}")
}
pub fn ticket_message_order(date: i64, chat_id: i64, message_id: i32) -> String {
    format!("{date:010}#{chat_id}#{message_id:012}")
}

/// One copy of a message: `COPY#<bot_id>#<source chat>#<source message>` /
/// `<target chat>#<target thread>`; found from the copy's side through GSI1
/// `REF#<bot_id>#<target chat>#<target message>` / `COPY`.
pub fn copies_pk(bot_id: &str, chat_id: i64, message_id: i32) -> String {
    format!("COPY#{bot_id}#{chat_id}#{message_id}")
}
pub fn copy_sk(chat_id: i64, thread_id: Option<i32>) -> String {
    format!("{chat_id}#{}", thread_id.unwrap_or(0))
}
pub fn copy_ref_gsi(bot_id: &str, chat_id: i64, message_id: i32) -> String {
    format!("REF#{bot_id}#{chat_id}#{message_id}")
}
pub const COPY_REF_SK: &str = "COPY";

/// Progress of one operation's multi-step work (e.g. ticket id and topic of a /create_ticket), so
/// a re-run continues instead of repeating: `OP#<bot_id>#<op>` / step, with a TTL. `op` is an
/// update id, or the negative number of a job or an API request (`desk::op_number`).
pub fn journal_pk(bot_id: &str, op: i64) -> String {
    format!("OP#{bot_id}#{op}")
}
pub const JOURNAL_SK: &str = "OP";

/// Members of an album being collected: `ALBUM#<bot_id>#<chat_id>#<media_group_id>` / message id.
pub fn album_pk(bot_id: &str, chat_id: i64, media_group_id: &str) -> String {
    format!("ALBUM#{bot_id}#{chat_id}#{media_group_id}")
}

// ---- Listings (the vehicle catalog) ------------------------------------------------------------

/// A workspace's channel sources: `SRC#<workspace>` / source id.
pub fn sources_pk(workspace: &str) -> String {
    format!("SRC#{workspace}")
}
/// A source's raw posts: `CPOST#<source_id>` / message id.
pub fn post_pk(source_id: &str) -> String {
    format!("CPOST#{source_id}")
}
/// A listing: `LISTING#<id>`; listed through GSI1 `LISTINGS#<workspace>`.
pub fn listing_pk(id: &str) -> String {
    format!("LISTING#{id}")
}
pub fn listings_gsi(workspace: &str) -> String {
    format!("LISTINGS#{workspace}")
}
/// Duplicate keys of listings: by VIN, by fingerprint, by photo content, by perceptual-hash band.
pub fn listing_vin_pk(workspace: &str, vin: &str) -> String {
    format!("LVIN#{workspace}#{vin}")
}
pub fn listing_fingerprint_pk(workspace: &str, fingerprint: &str) -> String {
    format!("LFP#{workspace}#{fingerprint}")
}
pub fn listing_photo_pk(workspace: &str, sha256: &str) -> String {
    format!("LPHOTO#{workspace}#{sha256}")
}
pub fn listing_phash_pk(workspace: &str, band: &str) -> String {
    format!("LPHASH#{workspace}#{band}")
}
/// The members of a `channel_post` album being gathered: `CALBUM#<source_id>` / group id.
pub fn channel_album_pk(source_id: &str) -> String {
    format!("CALBUM#{source_id}")
}

// ---- Outbound webhooks -------------------------------------------------------------------------

/// A workspace's webhook endpoints: `WHE#<workspace>` / endpoint id.
pub fn webhook_endpoints_pk(workspace: &str) -> String {
    format!("WHE#{workspace}")
}
/// An endpoint's deliveries: `WHD#<endpoint_id>` / event id.
pub fn webhook_delivery_pk(endpoint_id: &str) -> String {
    format!("WHD#{endpoint_id}")
}
/// A delivery's attempts: `WHA#<endpoint_id>#<event_id>` / attempt number.
pub fn webhook_attempts_pk(endpoint_id: &str, event_id: &str) -> String {
    format!("WHA#{endpoint_id}#{event_id}")
}
/// An endpoint's recoveries: `WHRC#<endpoint_id>` / recovery id.
pub fn webhook_recovery_pk(endpoint_id: &str) -> String {
    format!("WHRC#{endpoint_id}")
}
/// An endpoint's circuit breaker: `WHB#<endpoint_id>` / `BREAKER`.
pub fn webhook_breaker_pk(endpoint_id: &str) -> String {
    format!("WHB#{endpoint_id}")
}
/// An endpoint's rate-limit windows: `WHR#<endpoint_id>` / window.
pub fn webhook_rate_pk(endpoint_id: &str) -> String {
    format!("WHR#{endpoint_id}")
}

// ---- The REST API ------------------------------------------------------------------------------

/// An API key: `APIKEY#<id>` / `KEY`; listed through GSI1 `APIKEYS#<workspace>`.
pub fn api_key_pk(id: &str) -> String {
    format!("APIKEY#{id}")
}
pub const API_KEY_SK: &str = "KEY";
pub fn api_keys_gsi(workspace: &str) -> String {
    format!("APIKEYS#{workspace}")
}
/// An API key's rate-limit windows: `RL#<key_id>` / window.
pub fn api_rate_pk(key_id: &str) -> String {
    format!("RL#{key_id}")
}
/// A presigned upload: `UPLOAD#<id>`.
pub fn upload_pk(id: &str) -> String {
    format!("UPLOAD#{id}")
}
/// An `Idempotency-Key` request's record: `IDEM#<key_id>#<sha256 of the header>`.
pub fn idempotency_pk(key_id: &str, header_sha256: &str) -> String {
    format!("IDEM#{key_id}#{header_sha256}")
}

/// A workspace's scenarios, one item each (the latest version, status, title):
/// `SCENARIOS#<workspace>` / `<key>`.
pub fn scenarios_pk(workspace: &str) -> String {
    format!("SCENARIOS#{workspace}")
}
/// Every published version of a scenario: `SCENARIO#<workspace>#<key>` / `V#<version, 8 digits>`.
pub fn scenario_pk(workspace: &str, key: &str) -> String {
    format!("SCENARIO#{workspace}#{key}")
}
pub fn scenario_version_sk(version: u32) -> String {
    format!("V#{version:08}")
}

/// A lead: `LEAD#<id>` / `LEAD`; listed newest first through GSI1 `LEADS#<workspace>` /
/// `<created_at, 12 digits>#<id>`. Declined and abandoned conversations are kept the same way
/// (without personal data) for the funnel, under GSI1 `RUNS#<workspace>` instead.
pub fn lead_pk(id: &str) -> String {
    format!("LEAD#{id}")
}
pub const LEAD_SK: &str = "LEAD";
pub fn leads_gsi(workspace: &str) -> String {
    format!("LEADS#{workspace}")
}
pub fn runs_gsi(workspace: &str) -> String {
    format!("RUNS#{workspace}")
}
