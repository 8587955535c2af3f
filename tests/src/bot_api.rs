//! A Bot API test double: an HTTP server on loopback that answers like Telegram
//! (`{"ok":true,"result":…}` / `{"ok":false,"error_code":…,"description":…}`), for the methods
//! Teledesk calls. Every request is checked against the Bot API 10.1 spec, and so is every result it
//! returns; anything off is recorded in [`BotApi::violations`], and a test whose double saw any
//! fails when its last handle of the double is dropped (whether or not it asserted them).
//!
//! Failures are scripted per method ([`BotApi::fail_next`], [`BotApi::fail_always`]), a chat can block
//! the bot ([`BotApi::block_chat`]), and updates are fed to long polling with [`BotApi::push_update`].
//!
//! The double keeps the state a support desk touches: the messages the bot sent (and copied) so they
//! can be edited, forum topics per chat, the bot's rights per chat ([`BotApi::set_chat`]), members
//! ([`BotApi::set_member`]), and the ways Telegram refuses: deleted topics ([`BotApi::delete_topic`]),
//! upgraded groups ([`BotApi::migrate_chat`]), uncopyable messages ([`BotApi::uncopyable`]) and files
//! too big to download ([`BotApi::add_big_file`]). A negative chat id is, unless set otherwise, a forum
//! supergroup in which the bot is an administrator allowed to manage topics and delete messages; a
//! positive one is a private chat.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::spec;

/// The largest file a bot may download (getFile answers "file is too big" above it).
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;
/// The icon colour of a topic created without one.
pub const DEFAULT_ICON_COLOR: i64 = 7322096;

#[derive(Debug, Clone)]
pub struct Call {
    pub bot_id: i64,
    pub method: String,
    pub params: Value,
    /// The response's `ok`.
    pub ok: bool,
    /// The response's `result` (null on errors).
    pub result: Value,
    pub at: Instant,
}

/// How a chat is set up for the bot. `ChatSetup::default()` is a forum supergroup in which the bot is
/// an administrator with every right the desk needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatSetup {
    pub is_forum: bool,
    pub bot_is_admin: bool,
    pub can_manage_topics: bool,
    pub can_delete_messages: bool,
}

impl Default for ChatSetup {
    fn default() -> Self {
        ChatSetup {
            is_forum: true,
            bot_is_admin: true,
            can_manage_topics: true,
            can_delete_messages: true,
        }
    }
}

/// A forum topic as the double knows it. Topics the bot never created but that were referenced (closed,
/// reopened, edited, deleted) are listed too, with an empty name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub thread_id: i64,
    pub name: String,
    pub closed: bool,
    pub deleted: bool,
}

/// One message copied by copyMessage or copyMessages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub to_chat: i64,
    pub to_thread: Option<i64>,
    /// The copy's id in `to_chat`.
    pub message_id: i64,
    pub from_chat: i64,
    pub from_message_id: i64,
    /// The new caption given to copyMessage, if any.
    pub caption: Option<String>,
    /// "copyMessage" or "copyMessages".
    pub via: String,
}

#[derive(Default)]
struct BotState {
    id: i64,
    username: String,
    updates: VecDeque<Value>,
    webhook_url: String,
    webhook_secret: Option<String>,
    /// Command menus by [`menu_key`] (scope and language), as setMyCommands left them.
    commands: HashMap<String, Value>,
}

/// The key of a command menu: the scope's type (and chat), and the language (`""` for all).
fn menu_key(scope: &Value, lang: Option<&str>) -> String {
    let kind = scope["type"].as_str().unwrap_or("default");
    let chat = scope
        .get("chat_id")
        .map(|c| c.to_string())
        .unwrap_or_default();
    format!("{kind}{chat}|{}", lang.unwrap_or_default())
}

/// What Telegram checks of a setMyCommands list: at most 100 commands, each 1–32 characters of
/// `a-z0-9_`, with a description of 1–256 characters; a language code of two letters.
fn check_commands(p: &Value) -> Result<(), String> {
    let list = p["commands"]
        .as_array()
        .ok_or("commands must be an array")?;
    if list.len() > 100 {
        return Err("too many commands".into());
    }
    for c in list {
        let name = c["command"].as_str().unwrap_or_default();
        if name.is_empty()
            || name.len() > 32
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err("BOT_COMMAND_INVALID".into());
        }
        let d = c["description"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .count();
        if d == 0 || d > 256 {
            return Err("command description is invalid".into());
        }
    }
    if let Some(l) = p.get("language_code").and_then(Value::as_str)
        && !(l.is_empty() || (l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase())))
    {
        return Err("invalid language code".into());
    }
    Ok(())
}

struct FileEntry {
    path: String,
    bytes: Vec<u8>,
    size: u64,
}

struct TopicState {
    name: String,
    closed: bool,
    deleted: bool,
    /// The bot created it, so it may close, reopen and rename it without can_manage_topics.
    by_bot: bool,
    icon_custom_emoji_id: Option<String>,
}

impl TopicState {
    /// A topic that exists in Telegram but was not created through the double.
    fn implicit() -> TopicState {
        TopicState {
            name: String::new(),
            closed: false,
            deleted: false,
            by_bot: false,
            icon_custom_emoji_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Media,
    /// A copy of a message the double never saw: text or media.
    Unknown,
    Service,
}

/// A message the double knows, with its current content.
struct Stored {
    msg: Value,
    kind: Kind,
    by_bot: bool,
    /// The parse_mode of the current text or caption (Null if none).
    parse_mode: Value,
}

#[derive(Default)]
struct State_ {
    bots: HashMap<String, BotState>,
    calls: Vec<Call>,
    violations: Vec<String>,
    scripted: HashMap<String, VecDeque<Value>>,
    always: HashMap<String, Value>,
    /// A share of calls (not the bot's setup: getMe, webhooks, getUpdates) answered with one of
    /// these errors, chosen by a seeded generator so a run can be repeated.
    flaky: Option<Flaky>,
    blocked: Vec<i64>,
    next_message_id: i64,
    files: HashMap<String, FileEntry>,
    setups: HashMap<i64, ChatSetup>,
    /// Channels: (title, the bot's status there, whether it may post).
    channels: HashMap<i64, (String, String, bool)>,
    topics: HashMap<i64, BTreeMap<i64, TopicState>>,
    members: HashMap<(i64, i64), String>,
    migrated: HashMap<i64, i64>,
    uncopyable: HashSet<(i64, i64)>,
    messages: HashMap<(i64, i64), Stored>,
    /// Messages deleted (by deleteMessage or with their topic).
    gone: HashSet<(i64, i64)>,
    copies: Vec<Copy>,
    /// Files of the multipart request being answered: field → (file name, type, bytes).
    uploads: HashMap<String, (String, String, Vec<u8>)>,
}

struct Flaky {
    share: f64,
    answers: Vec<Value>,
    rng: u64,
    /// Calls answered with an error so far.
    failed: u64,
}

impl Flaky {
    /// xorshift64*: deterministic for a seed, good enough to pick failures.
    fn next(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

const SETUP_METHODS: &[&str] = &[
    "getMe",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getUpdates",
    "setMyCommands",
    "getMyCommands",
];

#[derive(Clone)]
pub struct BotApi {
    state: Arc<Mutex<State_>>,
    pushed: Arc<Notify>,
    pub base_url: String,
    /// Held by the test's handles, not by the server: dropping the last one checks violations.
    _check: Option<Arc<ViolationCheck>>,
}

/// Fails the test when the double saw a request or result off the spec and nobody took them.
struct ViolationCheck {
    state: Arc<Mutex<State_>>,
}

impl Drop for ViolationCheck {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // the test failed already; its own message matters more
        }
        let v = std::mem::take(
            &mut self
                .state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .violations,
        );
        assert!(
            v.is_empty(),
            "the Bot API double saw calls or results that break the Bot API 10.1 spec:\n{}",
            v.join("\n")
        );
    }
}

/// An error answer as Telegram gives it.
pub fn error(code: u16, description: &str) -> Value {
    json!({"ok": false, "error_code": code, "description": description})
}

/// Telegram's flood-control answer.
pub fn too_many_requests(retry_after: u64) -> Value {
    json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {retry_after}"),
           "parameters": {"retry_after": retry_after}})
}

/// Telegram's answer for a group that became a supergroup.
pub fn chat_migrated(to_chat_id: i64) -> Value {
    json!({"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
           "parameters": {"migrate_to_chat_id": to_chat_id}})
}

fn bad(description: &str) -> Value {
    error(400, &format!("Bad Request: {description}"))
}

fn thread_not_found() -> Value {
    bad("message thread not found")
}

const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

const MEDIA_KEYS: &[&str] = &[
    "photo",
    "video",
    "document",
    "audio",
    "voice",
    "animation",
    "sticker",
    "video_note",
    "caption",
];
const SERVICE_KEYS: &[&str] = &[
    "forum_topic_created",
    "forum_topic_closed",
    "forum_topic_reopened",
    "forum_topic_edited",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
];
/// What a copy takes from its original.
const CONTENT_KEYS: &[&str] = &[
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "video",
    "document",
    "audio",
    "voice",
    "animation",
    "sticker",
    "video_note",
];
const BUTTON_ACTIONS: &[&str] = &[
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];
const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];
/// Update fields that carry a Message.
const MESSAGE_UPDATES: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
];

impl BotApi {
    /// Starts the double on a free loopback port.
    pub async fn start() -> BotApi {
        Self::start_at("127.0.0.1:0").await
    }

    /// Starts the double on `addr` (a standalone double: `examples/bot_api_double`).
    pub async fn start_at(addr: &str) -> BotApi {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let state: Arc<Mutex<State_>> = Arc::default();
        let api = BotApi {
            state: state.clone(),
            pushed: Arc::new(Notify::new()),
            base_url,
            _check: Some(Arc::new(ViolationCheck { state })),
        };
        let server = BotApi {
            _check: None,
            ..api.clone()
        };
        let app = Router::new()
            .route("/{bot}/{method}", axum::routing::any(call))
            .route("/file/{bot}/{*path}", axum::routing::get(download))
            // Telegram takes uploads of up to 50 MB.
            .layer(axum::extract::DefaultBodyLimit::max(
                50 * 1024 * 1024 + 64 * 1024,
            ))
            .with_state(server);
        tokio::spawn(async move { axum::serve(listener, app).await.expect("double serves") });
        api
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a bot; returns its token.
    pub fn add_bot(&self, id: i64, username: &str) -> String {
        let token = format!("{id}:AAH-test-{username}-secret-part");
        self.lock().bots.insert(
            token.clone(),
            BotState {
                id,
                username: username.into(),
                ..Default::default()
            },
        );
        token
    }

    /// Queues an update for getUpdates. Known kinds are checked against the spec's `Update`. The
    /// messages it carries become known to the double (so they can be copied, replied to, and, if the
    /// bot sent them, edited).
    pub fn push_update(&self, token: &str, update: Value) {
        let known = update.as_object().is_some_and(|o| {
            o.keys().all(|k| {
                k == "update_id"
                    || spec::spec()["types"]["Update"]["fields"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["name"] == k.as_str())
            })
        });
        if known {
            let problems = spec::check_value("Update", &update);
            assert!(
                problems.is_empty(),
                "test update is not a valid Update: {problems:?}"
            );
        }
        let mut s = self.lock();
        for key in MESSAGE_UPDATES {
            if let Some(m) = update.get(*key) {
                s.remember(m);
            }
        }
        if let Some(m) = update.pointer("/callback_query/message") {
            s.remember(m);
        }
        s.bots
            .get_mut(token)
            .expect("bot added")
            .updates
            .push_back(update);
        drop(s);
        self.pushed.notify_waiters();
    }

    /// Makes a message known to the double without an update (e.g. one delivered by webhook): it can
    /// then be copied and replied to, and edited if a bot sent it. Must be a valid `Message`.
    pub fn add_message(&self, message: Value) {
        let problems = spec::check_value("Message", &message);
        assert!(
            problems.is_empty(),
            "test message is not a valid Message: {problems:?}"
        );
        self.lock().remember(&message);
    }

    /// The next `n` calls of `method` answer `response` (e.g. [`too_many_requests`]).
    pub fn fail_next(&self, method: &str, n: usize, response: Value) {
        let mut s = self.lock();
        let q = s.scripted.entry(method.into()).or_default();
        for _ in 0..n {
            q.push_back(response.clone());
        }
    }

    /// Every call of `method` answers `response` until [`BotApi::heal`].
    pub fn fail_always(&self, method: &str, response: Value) {
        self.lock().always.insert(method.into(), response);
    }

    pub fn heal(&self) {
        let mut s = self.lock();
        s.always.clear();
        s.scripted.clear();
        s.flaky = None;
    }

    /// From now until [`BotApi::heal`], a `share` of the bot's calls (0.0–1.0) answers one of
    /// `answers` (picked by a generator seeded with `seed`) instead of being carried out.
    pub fn flaky(&self, share: f64, answers: Vec<Value>, seed: u64) {
        self.lock().flaky = Some(Flaky {
            share,
            answers,
            rng: seed.max(1),
            failed: 0,
        });
    }

    /// How many calls the flaky setting failed.
    pub fn flaky_failures(&self) -> u64 {
        self.lock().flaky.as_ref().map_or(0, |f| f.failed)
    }

    /// The user blocked the bot: sending, copying or editing into this chat answers 403.
    pub fn block_chat(&self, chat_id: i64) {
        self.lock().blocked.push(chat_id);
    }

    /// A file getFile/download can serve.
    pub fn add_file(&self, file_id: &str, path: &str, bytes: Vec<u8>) {
        let size = bytes.len() as u64;
        self.lock().files.insert(
            file_id.into(),
            FileEntry {
                path: path.into(),
                bytes,
                size,
            },
        );
    }

    /// A file of `declared_size` bytes (none stored): above [`MAX_DOWNLOAD`], getFile answers
    /// "file is too big".
    pub fn add_big_file(&self, file_id: &str, path: &str, declared_size: u64) {
        self.lock().files.insert(
            file_id.into(),
            FileEntry {
                path: path.into(),
                bytes: Vec::new(),
                size: declared_size,
            },
        );
    }

    /// How the chat is set up for the bot (forum or not, the bot's rights).
    /// A channel (`type: channel`) where the bot is `status` (`administrator`, `member`, `left`)
    /// and may post or not.
    pub fn add_channel(&self, chat_id: i64, title: &str, status: &str, can_post: bool) {
        self.lock()
            .channels
            .insert(chat_id, (title.to_owned(), status.to_owned(), can_post));
    }

    pub fn set_chat(&self, chat_id: i64, setup: ChatSetup) {
        self.lock().setups.insert(chat_id, setup);
    }

    /// A user's status in a chat: "creator", "administrator", "member", "left" or "kicked".
    /// getChatMember answers "member" for users never set.
    pub fn set_member(&self, chat_id: i64, user_id: i64, status: &str) {
        assert!(
            ["creator", "administrator", "member", "left", "kicked"].contains(&status),
            "unsupported chat member status {status:?}"
        );
        self.lock()
            .members
            .insert((chat_id, user_id), status.into());
    }

    /// The topic was deleted (e.g. by an admin in the app), with its messages: sending, copying,
    /// closing or reopening into it answers "message thread not found".
    pub fn delete_topic(&self, chat_id: i64, thread_id: i64) {
        self.lock().drop_topic(chat_id, thread_id);
    }

    /// The group became a supergroup: every call naming `old_chat_id` answers
    /// [`chat_migrated`]`(new_chat_id)`.
    pub fn migrate_chat(&self, old_chat_id: i64, new_chat_id: i64) {
        self.lock().migrated.insert(old_chat_id, new_chat_id);
    }

    /// copyMessage of this message answers "the message can't be copied" (copyMessages skips it).
    pub fn uncopyable(&self, chat_id: i64, message_id: i64) {
        self.lock().uncopyable.insert((chat_id, message_id));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Texts successfully sent to a chat, in order.
    pub fn sent_texts(&self, chat_id: i64) -> Vec<String> {
        self.calls_of("sendMessage")
            .into_iter()
            .filter(|c| c.ok && c.params["chat_id"].as_i64() == Some(chat_id))
            .map(|c| c.params["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Parameters of the successful sendMessage calls to this chat and thread (`None`: no
    /// message_thread_id given), in order.
    pub fn sent_to(&self, chat_id: i64, thread_id: Option<i64>) -> Vec<Value> {
        self.calls_of("sendMessage")
            .into_iter()
            .filter(|c| {
                c.ok && c.params["chat_id"].as_i64() == Some(chat_id)
                    && c.params["message_thread_id"].as_i64() == thread_id
            })
            .map(|c| c.params)
            .collect()
    }

    /// The chat's forum topics, by thread id.
    pub fn topics(&self, chat_id: i64) -> Vec<Topic> {
        self.lock()
            .topics
            .get(&chat_id)
            .into_iter()
            .flatten()
            .map(|(id, t)| Topic {
                thread_id: *id,
                name: t.name.clone(),
                closed: t.closed,
                deleted: t.deleted,
            })
            .collect()
    }

    /// Every message copied, in order.
    pub fn copies(&self) -> Vec<Copy> {
        self.lock().copies.clone()
    }

    /// Parameters of the successful editMessageText and editMessageCaption calls, in order.
    pub fn edits(&self) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c.ok && (c.method == "editMessageText" || c.method == "editMessageCaption"))
            .map(|c| c.params)
            .collect()
    }

    /// The current content of a message the double knows (sent, copied, edited), as a `Message`;
    /// `None` if unknown or deleted. Texts sent with a parse_mode are kept as given (markup included).
    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<Value> {
        self.lock()
            .messages
            .get(&(chat_id, message_id))
            .map(|m| m.msg.clone())
    }

    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    /// Takes the violations seen so far (a test that provokes one on purpose), so that dropping
    /// the double does not fail the test for them.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().violations)
    }

    pub fn webhook(&self, token: &str) -> (String, Option<String>) {
        let s = self.lock();
        let b = s.bots.get(token).expect("bot added");
        (b.webhook_url.clone(), b.webhook_secret.clone())
    }

    /// The customers' menu (scope `all_private_chats`, every language).
    pub fn commands(&self, token: &str) -> Value {
        self.commands_in(token, &json!({"type": "all_private_chats"}), None)
    }

    /// The menu of a scope (`{"type": "all_group_chats"}`) and language (`Some("ru")`).
    pub fn commands_in(&self, token: &str, scope: &Value, lang: Option<&str>) -> Value {
        self.lock()
            .bots
            .get(token)
            .expect("bot added")
            .commands
            .get(&menu_key(scope, lang))
            .cloned()
            .unwrap_or(json!([]))
    }

    /// How many menus are set (scope × language).
    pub fn menu_count(&self, token: &str) -> usize {
        self.lock()
            .bots
            .get(token)
            .expect("bot added")
            .commands
            .len()
    }
}

impl State_ {
    fn new_id(&mut self) -> i64 {
        self.next_message_id += 1;
        self.next_message_id
    }

    fn setup(&self, chat: i64) -> ChatSetup {
        self.setups.get(&chat).copied().unwrap_or(if chat < 0 {
            ChatSetup::default()
        } else {
            ChatSetup {
                is_forum: false,
                bot_is_admin: false,
                can_manage_topics: false,
                can_delete_messages: false,
            }
        })
    }

    fn can_manage_topics(&self, chat: i64) -> bool {
        let s = self.setup(chat);
        s.bot_is_admin && s.can_manage_topics
    }

    fn can_delete_messages(&self, chat: i64) -> bool {
        let s = self.setup(chat);
        s.bot_is_admin && s.can_delete_messages
    }

    fn chat(&self, chat: i64) -> Value {
        if let Some((title, _, _)) = self.channels.get(&chat) {
            return json!({"id": chat, "type": "channel", "title": title});
        }
        if chat > 0 {
            json!({"id": chat, "type": "private", "first_name": "User"})
        } else {
            let mut c = json!({"id": chat, "type": "supergroup", "title": "Group"});
            if self.setup(chat).is_forum {
                c["is_forum"] = json!(true);
            }
            c
        }
    }

    fn base_message(&self, chat: i64, id: i64, thread: Option<i64>, from: &Value) -> Value {
        let mut msg = json!({"message_id": id, "date": teledesk_ports::now_secs(),
                             "chat": self.chat(chat), "from": from});
        if let Some(t) = thread {
            msg["message_thread_id"] = json!(t);
            if self.setup(chat).is_forum {
                msg["is_topic_message"] = json!(true);
            }
        }
        msg
    }

    /// Whether a message may go to this chat and thread.
    fn check_target(&self, chat: i64, thread: Option<i64>) -> Result<(), Value> {
        if let Some((_, status, can_post)) = self.channels.get(&chat) {
            return match (status.as_str(), can_post) {
                ("administrator" | "creator", true) => Ok(()),
                ("administrator", false) | ("member", _) => {
                    Err(bad("need administrator rights in the channel chat"))
                }
                _ => Err(error(
                    403,
                    "Forbidden: bot is not a member of the channel chat",
                )),
            };
        }
        if self.blocked.contains(&chat) {
            return Err(error(403, "Forbidden: bot was blocked by the user"));
        }
        if let Some(to) = self.migrated.get(&chat) {
            return Err(chat_migrated(*to));
        }
        if let Some(t) = thread.and_then(|t| self.topics.get(&chat)?.get(&t)) {
            if t.deleted {
                return Err(thread_not_found());
            }
            if t.closed && !self.can_manage_topics(chat) {
                return Err(bad("TOPIC_CLOSED"));
            }
        }
        Ok(())
    }

    /// A topic that is not deleted; one never seen counts as existing and open.
    fn topic(&mut self, chat: i64, thread: i64) -> Result<&mut TopicState, Value> {
        let t = self
            .topics
            .entry(chat)
            .or_default()
            .entry(thread)
            .or_insert_with(TopicState::implicit);
        if t.deleted {
            Err(thread_not_found())
        } else {
            Ok(t)
        }
    }

    fn drop_topic(&mut self, chat: i64, thread: i64) {
        self.topics
            .entry(chat)
            .or_default()
            .entry(thread)
            .or_insert_with(TopicState::implicit)
            .deleted = true;
        let gone: Vec<(i64, i64)> = self
            .messages
            .iter()
            .filter(|((c, _), m)| *c == chat && m.msg["message_thread_id"].as_i64() == Some(thread))
            .map(|(k, _)| *k)
            .collect();
        for k in gone {
            self.messages.remove(&k);
            self.gone.insert(k);
        }
    }

    /// Records a message from an update (or [`BotApi::add_message`]).
    fn remember(&mut self, m: &Value) {
        let (Some(chat), Some(id)) = (m["chat"]["id"].as_i64(), m["message_id"].as_i64()) else {
            return;
        };
        if m["date"] == 0 {
            return; // an InaccessibleMessage
        }
        let has = |keys: &[&str]| keys.iter().any(|k| m.get(*k).is_some());
        let kind = if m.get("text").is_some() {
            Kind::Text
        } else if has(MEDIA_KEYS) {
            Kind::Media
        } else if has(SERVICE_KEYS) {
            Kind::Service
        } else {
            Kind::Unknown
        };
        let from = m["from"]["id"].as_i64();
        let by_bot = m["from"]["is_bot"] == true && self.bots.values().any(|b| Some(b.id) == from);
        self.messages.insert(
            (chat, id),
            Stored {
                msg: m.clone(),
                kind,
                by_bot,
                parse_mode: Value::Null,
            },
        );
    }

    /// The message to copy: an error if it can't be, its content if known.
    fn source(&self, chat: i64, id: i64) -> Result<Option<(Value, Kind, Value)>, Value> {
        if self.uncopyable.contains(&(chat, id)) {
            return Err(bad("the message can't be copied"));
        }
        if self.gone.contains(&(chat, id)) {
            return Err(bad("message to copy not found"));
        }
        match self.messages.get(&(chat, id)) {
            Some(m) if m.kind == Kind::Service => Err(bad("the message can't be copied")),
            Some(m) => Ok(Some((m.msg.clone(), m.kind, m.parse_mode.clone()))),
            None => Ok(None),
        }
    }

    fn copied(
        &self,
        to: i64,
        id: i64,
        thread: Option<i64>,
        source: Option<(Value, Kind, Value)>,
        from: &Value,
    ) -> Stored {
        let mut msg = self.base_message(to, id, thread, from);
        let (kind, parse_mode) = match source {
            Some((src, kind, parse_mode)) => {
                for k in CONTENT_KEYS {
                    if let Some(v) = src.get(*k) {
                        msg[*k] = v.clone();
                    }
                }
                (kind, parse_mode)
            }
            None => (Kind::Unknown, Value::Null),
        };
        Stored {
            msg,
            kind,
            by_bot: true,
            parse_mode,
        }
    }

    /// The message a reply_parameters names, to show as reply_to_message (if known, in this chat).
    fn reply_to(&self, chat: i64, p: &Value) -> Result<Option<Value>, Value> {
        let r = &p["reply_parameters"];
        let Some(id) = r["message_id"].as_i64() else {
            return Ok(None);
        };
        let in_chat = if r["chat_id"].is_null() {
            chat
        } else {
            chat_param(r, "chat_id")?
        };
        if self.gone.contains(&(in_chat, id)) && r["allow_sending_without_reply"] != true {
            return Err(bad("message to be replied not found"));
        }
        if in_chat != chat {
            return Ok(None);
        }
        Ok(self.messages.get(&(in_chat, id)).map(|m| {
            let mut m = m.msg.clone();
            if let Some(o) = m.as_object_mut() {
                o.remove("reply_to_message");
            }
            m
        }))
    }

    /// The service message that created a topic, if the double knows it.
    fn topic_root(&self, chat: i64, thread: i64) -> Option<Value> {
        self.messages
            .get(&(chat, thread))
            .filter(|m| m.msg.get("forum_topic_created").is_some())
            .map(|m| m.msg.clone())
    }

    /// A message the bot may edit.
    fn editable(&mut self, chat: i64, id: i64) -> Result<&mut Stored, Value> {
        match self.messages.get_mut(&(chat, id)) {
            None => Err(bad("message to edit not found")),
            Some(m) if !m.by_bot || m.kind == Kind::Service => Err(bad("message can't be edited")),
            Some(m) => Ok(m),
        }
    }
}

/// A chat id parameter: an integer, or an integer in a string (a @username is not a chat we know).
fn chat_param(p: &Value, key: &str) -> Result<i64, Value> {
    match &p[key] {
        Value::Number(n) => n.as_i64().ok_or_else(|| bad("chat not found")),
        Value::String(s) => s.parse().map_err(|_| bad("chat not found")),
        Value::Null => Err(bad("chat_id is empty")),
        _ => Err(bad("chat not found")),
    }
}

/// A list of entities, or Null if absent or empty (as Telegram leaves it out of a Message).
fn entities_of(v: &Value) -> Value {
    match v.as_array() {
        Some(a) if !a.is_empty() => v.clone(),
        _ => Value::Null,
    }
}

/// Telegram's complaint about a text's formatting: explicit entities must fit the text (in UTF-16
/// code units) and win over parse_mode; HTML must be Telegram's HTML.
fn format_problem(text: &str, parse_mode: &Value, entities: &Value) -> Option<Value> {
    if let Some(list) = entities.as_array() {
        let len = text.encode_utf16().count() as i64;
        let beyond = list.iter().any(|e| {
            let offset = e["offset"].as_i64().unwrap_or(-1);
            let length = e["length"].as_i64().unwrap_or(-1);
            offset < 0 || length < 0 || offset + length > len
        });
        return beyond.then(|| bad("can't parse entities: entity beyond the end of text"));
    }
    match parse_mode.as_str() {
        None | Some("MarkdownV2" | "Markdown") => None,
        Some("HTML") => html_problem(text).map(|p| bad(&p)),
        Some(_) => Some(bad("unsupported parse_mode")),
    }
}

/// The text a user sees: with parse_mode HTML, tags are dropped and each character reference is one
/// character (the 4096-character limit and the "text is empty" check apply after entity parsing).
fn visible_text(text: &str, parse_mode: &Value, entities: &Value) -> String {
    if parse_mode != "HTML" || entities.is_array() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = if tail.starts_with('<') {
            tail.find('>')
        } else {
            out.push(match tail {
                t if t.starts_with("&lt;") => '<',
                t if t.starts_with("&gt;") => '>',
                t if t.starts_with("&quot;") => '"',
                t if t.starts_with("&amp;") => '&',
                _ => '?',
            });
            tail.find(';')
        };
        rest = end.map_or("", |e| &tail[e + 1..]);
    }
    out.push_str(rest);
    out
}

/// Telegram's complaint about an inline keyboard.
fn markup_problem(markup: &Value) -> Option<Value> {
    let buttons = markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten();
    for button in buttons {
        if let Some(data) = button.get("callback_data") {
            let n = data.as_str().map_or(0, str::len);
            if !(1..=64).contains(&n) {
                return Some(bad("BUTTON_DATA_INVALID"));
            }
        }
        if !BUTTON_ACTIONS.iter().any(|a| button.get(*a).is_some()) {
            return Some(bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
    }
    None
}

/// The inline keyboard a Message shows (Null for none, or another kind of markup).
fn inline_markup(markup: &Value) -> Value {
    let has_buttons = markup["inline_keyboard"].as_array().is_some_and(|rows| {
        rows.iter()
            .any(|r| r.as_array().is_some_and(|b| !b.is_empty()))
    });
    if has_buttons {
        json!({"inline_keyboard": markup["inline_keyboard"]})
    } else {
        Value::Null
    }
}

/// Sets `key` to `v`, or removes it when `v` is Null.
fn set_or_remove(msg: &mut Value, key: &str, v: Value) {
    if let Some(o) = msg.as_object_mut() {
        if v.is_null() {
            o.remove(key);
        } else {
            o.insert(key.into(), v);
        }
    }
}

fn reply(v: Value) -> Response {
    let code = if v["ok"] == Value::Bool(true) {
        StatusCode::OK
    } else {
        StatusCode::from_u16(v["error_code"].as_u64().unwrap_or(500) as u16)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    };
    (code, axum::Json(v)).into_response()
}

async fn download(
    State(api): State<BotApi>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    let s = api.lock();
    let Some(token) = bot.strip_prefix("bot").filter(|t| s.bots.contains_key(*t)) else {
        return reply(error(401, "Unauthorized"));
    };
    let _ = token;
    match s
        .files
        .values()
        .find(|f| f.path == path && f.size <= MAX_DOWNLOAD)
    {
        Some(f) => f.bytes.clone().into_response(),
        None => reply(error(404, "Not Found")),
    }
}

/// Allowed HTML of parse_mode HTML, for spotting escaping bugs as Telegram would.
pub fn html_problem(text: &str) -> Option<String> {
    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    ];
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('&') {
            let ok = ["lt;", "gt;", "amp;", "quot;"]
                .iter()
                .any(|e| after.starts_with(e))
                || after
                    .strip_prefix('#')
                    .is_some_and(|n| n.find(';').is_some_and(|j| j > 0));
            if !ok {
                return Some("can't parse entities: unsupported start of entity".into());
            }
            rest = after;
        } else {
            let Some(end) = tail.find('>') else {
                return Some("can't parse entities: unclosed start tag".into());
            };
            let name = tail[1..end]
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or_default();
            if !TAGS.contains(&name) {
                return Some(format!(
                    "can't parse entities: unsupported start tag \"{name}\""
                ));
            }
            rest = &tail[end + 1..];
        }
    }
    None
}

/// A multipart/form-data request as Telegram reads it: text fields become parameters (numbers
/// where they parse), file fields become uploads referenced as `attach://<field>`.
async fn multipart_params(
    content_type: &str,
    body: Bytes,
) -> Result<(Value, HashMap<String, (String, String, Vec<u8>)>), String> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut params = serde_json::Map::new();
    let mut files = HashMap::new();
    while let Some(field) = mp.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let mime = field
                    .content_type()
                    .map_or_else(|| "application/octet-stream".to_owned(), |m| m.to_string());
                let bytes = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
                params.insert(name.clone(), json!(format!("attach://{name}")));
                files.insert(name, (file_name, mime, bytes));
            }
            None => {
                let text = field.text().await.map_err(|e| e.to_string())?;
                // Form fields are text; ids are numbers to the spec's types. Telegram reads
                // `chat_id=-100…` as the integer and `caption=0` as the text "0".
                let numeric = name.ends_with("_id") || name == "chat_id";
                let v = match text.parse::<i64>() {
                    Ok(n) if numeric => json!(n),
                    _ => json!(text),
                };
                params.insert(name, v);
            }
        }
    }
    Ok((Value::Object(params), files))
}

async fn call(
    State(api): State<BotApi>,
    Path((bot, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut uploads = HashMap::new();
    let params: Value = if body.is_empty() {
        json!({})
    } else if content_type.starts_with("multipart/form-data") {
        match multipart_params(&content_type, body).await {
            Ok((p, files)) => {
                uploads = files;
                p
            }
            Err(e) => return reply(error(400, &format!("Bad Request: {e}"))),
        }
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return reply(error(400, "Bad Request: invalid JSON")),
        }
    };
    let Some(token) = bot.strip_prefix("bot").map(str::to_owned) else {
        return reply(error(404, "Not Found"));
    };
    if !api.lock().bots.contains_key(&token) {
        return reply(error(401, "Unauthorized"));
    }
    if method == "getUpdates" {
        // Long polling: wait for an update up to `timeout` seconds (capped for tests).
        let wait = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(30));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = api.pushed.notified();
            {
                let mut s = api.lock();
                let offset = params["offset"].as_i64().unwrap_or(0);
                let b = s.bots.get_mut(&token).expect("checked");
                b.updates
                    .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                if !b.updates.is_empty() || tokio::time::Instant::now() >= deadline {
                    break;
                }
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
    let (response, returns) = {
        let mut s = api.lock();
        let problems = spec::check_params(&method, &params);
        let response = if !problems.is_empty() {
            s.violations.extend(problems.iter().cloned());
            if spec::spec()["methods"].get(&method).is_none() {
                error(404, "Not Found")
            } else {
                error(400, &format!("Bad Request: {}", problems[0]))
            }
        } else if let Some(r) = s.scripted.get_mut(&method).and_then(VecDeque::pop_front) {
            r
        } else if let Some(r) = s.always.get(&method) {
            r.clone()
        } else if let Some(r) = s.flaky.as_mut().and_then(|f| {
            if SETUP_METHODS.contains(&method.as_str())
                || f.answers.is_empty()
                || f.next() >= f.share
            {
                return None;
            }
            f.failed += 1;
            let i = (f.next() * f.answers.len() as f64) as usize;
            Some(f.answers[i.min(f.answers.len() - 1)].clone())
        }) {
            r
        } else {
            s.uploads = std::mem::take(&mut uploads);
            let r = answer(&mut s, &token, &method, &params);
            s.uploads.clear();
            r
        };
        let returns = spec::spec()["methods"][&method]["returns"][0]
            .as_str()
            .unwrap_or("Boolean")
            .to_owned();
        let bot_id = s.bots[&token].id;
        s.calls.push(Call {
            bot_id,
            method: method.clone(),
            params: params.clone(),
            ok: response["ok"] == true,
            result: response["result"].clone(),
            at: Instant::now(),
        });
        (response, returns)
    };
    if response["ok"] == true {
        let problems = spec::check_value(&returns, &response["result"]);
        if !problems.is_empty() {
            api.lock().violations.extend(
                problems
                    .into_iter()
                    .map(|p| format!("double answered {method} badly: {p}")),
            );
        }
    }
    reply(response)
}

fn ok(result: Value) -> Value {
    json!({"ok": true, "result": result})
}

fn answer(s: &mut State_, token: &str, method: &str, p: &Value) -> Value {
    // Whatever the method, naming a group that became a supergroup gets the migration answer.
    if let Ok(chat) = chat_param(p, "chat_id")
        && let Some(to) = s.migrated.get(&chat)
    {
        return chat_migrated(*to);
    }
    match answer_method(s, token, method, p) {
        Ok(v) | Err(v) => v,
    }
}

fn answer_method(s: &mut State_, token: &str, method: &str, p: &Value) -> Result<Value, Value> {
    let (bot_id, username) = {
        let b = &s.bots[token];
        (b.id, b.username.clone())
    };
    let me = json!({"id": bot_id, "is_bot": true, "first_name": username, "username": username});
    let thread = p["message_thread_id"].as_i64();
    Ok(match method {
        "getMe" => ok(
            json!({"id": bot_id, "is_bot": true, "first_name": username, "username": username,
                              "can_join_groups": true, "can_read_all_group_messages": false,
                              "supports_inline_queries": false}),
        ),
        "sendMessage" => {
            let chat = chat_param(p, "chat_id")?;
            s.check_target(chat, thread)?;
            let text = p["text"].as_str().unwrap_or_default();
            if let Some(e) = format_problem(text, &p["parse_mode"], &p["entities"]) {
                return Err(e);
            }
            let visible = visible_text(text, &p["parse_mode"], &p["entities"]);
            if visible.trim().is_empty() {
                return Err(bad("message text is empty"));
            }
            if visible.chars().count() > 4096 {
                return Err(bad("message is too long"));
            }
            if let Some(e) = markup_problem(&p["reply_markup"]) {
                return Err(e);
            }
            // In a topic, a message that answers nothing answers the topic's creation message.
            let reply_to = match s.reply_to(chat, p)? {
                None if p["reply_parameters"].is_null() => {
                    thread.and_then(|t| s.topic_root(chat, t))
                }
                other => other,
            };
            let id = s.new_id();
            let mut msg = s.base_message(chat, id, thread, &me);
            msg["text"] = json!(text);
            set_or_remove(&mut msg, "entities", entities_of(&p["entities"]));
            set_or_remove(&mut msg, "reply_markup", inline_markup(&p["reply_markup"]));
            set_or_remove(&mut msg, "reply_to_message", reply_to.unwrap_or_default());
            s.messages.insert(
                (chat, id),
                Stored {
                    msg: msg.clone(),
                    kind: Kind::Text,
                    by_bot: true,
                    parse_mode: p["parse_mode"].clone(),
                },
            );
            ok(msg)
        }
        "sendPhoto" => {
            // A photo by file id the double knows, by an HTTP(S) URL (Telegram fetches it; the
            // double takes any), or uploaded.
            let chat = chat_param(p, "chat_id")?;
            s.check_target(chat, thread)?;
            let caption = p["caption"].as_str().unwrap_or_default();
            if let Some(e) = format_problem(caption, &p["parse_mode"], &p["caption_entities"]) {
                return Err(e);
            }
            if visible_text(caption, &p["parse_mode"], &p["caption_entities"])
                .chars()
                .count()
                > 1024
            {
                return Err(bad("message caption is too long"));
            }
            if let Some(e) = markup_problem(&p["reply_markup"]) {
                return Err(e);
            }
            match p["photo"].as_str() {
                Some(a) if a.starts_with("attach://") => {
                    s.uploads
                        .remove(&a["attach://".len()..])
                        .ok_or_else(|| bad("wrong HTTP URL specified"))?;
                }
                Some(u) if u.starts_with("https://") || u.starts_with("http://") => {}
                Some(file_id) if s.files.contains_key(file_id) => {}
                Some(_) => return Err(bad("wrong file identifier/HTTP URL specified")),
                None => return Err(bad("there is no photo in the request")),
            }
            let id = s.new_id();
            let mut msg = s.base_message(chat, id, thread, &me);
            msg["photo"] = json!([{"file_id": format!("photo-{chat}-{id}"),
                                   "file_unique_id": format!("uphoto-{chat}-{id}"),
                                   "width": 1280, "height": 960}]);
            if !caption.is_empty() {
                msg["caption"] = json!(caption);
            }
            set_or_remove(&mut msg, "reply_markup", inline_markup(&p["reply_markup"]));
            s.messages.insert(
                (chat, id),
                Stored {
                    msg: msg.clone(),
                    kind: Kind::Media,
                    by_bot: true,
                    parse_mode: p["parse_mode"].clone(),
                },
            );
            ok(msg)
        }
        "sendDocument" => {
            let chat = chat_param(p, "chat_id")?;
            s.check_target(chat, thread)?;
            if let Some(c) = p["caption"].as_str()
                && c.chars().count() > 1024
            {
                return Err(bad("message caption is too long"));
            }
            let (file_name, mime, bytes) = match p["document"].as_str() {
                Some(a) if a.starts_with("attach://") => s
                    .uploads
                    .remove(&a["attach://".len()..])
                    .ok_or_else(|| bad("wrong HTTP URL specified"))?,
                Some(file_id) => {
                    let f = s
                        .files
                        .get(file_id)
                        .ok_or_else(|| bad("wrong file identifier/HTTP URL specified"))?;
                    (
                        "file".to_owned(),
                        "application/octet-stream".to_owned(),
                        f.bytes.clone(),
                    )
                }
                None => return Err(bad("there is no document in the request")),
            };
            if bytes.is_empty() {
                return Err(bad("file must be non-empty"));
            }
            if bytes.len() > 50 * 1024 * 1024 {
                return Err(
                    json!({"ok": false, "error_code": 413, "description": "Request Entity Too Large"}),
                );
            }
            let id = s.new_id();
            let file_id = format!("doc-{chat}-{id}");
            let size = bytes.len();
            s.files.insert(
                file_id.clone(),
                FileEntry {
                    path: format!("documents/file_{id}"),
                    bytes,
                    size: size as u64,
                },
            );
            let mut msg = s.base_message(chat, id, thread, &me);
            msg["document"] = json!({"file_id": file_id, "file_unique_id": format!("u{file_id}"),
                                     "file_name": file_name, "mime_type": mime, "file_size": size});
            if let Some(c) = p["caption"].as_str() {
                msg["caption"] = json!(c);
            }
            if let Some(root) = thread.and_then(|t| s.topic_root(chat, t)) {
                msg["reply_to_message"] = root;
            }
            s.messages.insert(
                (chat, id),
                Stored {
                    msg: msg.clone(),
                    kind: Kind::Media,
                    by_bot: true,
                    parse_mode: Value::Null,
                },
            );
            ok(msg)
        }
        "copyMessage" => {
            let to = chat_param(p, "chat_id")?;
            let from = chat_param(p, "from_chat_id")?;
            let source_id = p["message_id"].as_i64().unwrap_or_default();
            s.check_target(to, thread)?;
            let source = s.source(from, source_id)?;
            let caption = p["caption"].as_str();
            if let Some(c) = caption {
                if let Some(e) = format_problem(c, &p["parse_mode"], &p["caption_entities"]) {
                    return Err(e);
                }
                let visible = visible_text(c, &p["parse_mode"], &p["caption_entities"]);
                if visible.chars().count() > 1024 {
                    return Err(bad("message caption is too long"));
                }
            }
            if let Some(e) = markup_problem(&p["reply_markup"]) {
                return Err(e);
            }
            let reply_to = s.reply_to(to, p)?;
            let id = s.new_id();
            let mut copy = s.copied(to, id, thread, source, &me);
            if let Some(c) = caption
                && copy.kind != Kind::Text
            {
                copy.msg["caption"] = json!(c);
                set_or_remove(
                    &mut copy.msg,
                    "caption_entities",
                    entities_of(&p["caption_entities"]),
                );
                copy.parse_mode = p["parse_mode"].clone();
            }
            set_or_remove(
                &mut copy.msg,
                "reply_markup",
                inline_markup(&p["reply_markup"]),
            );
            set_or_remove(
                &mut copy.msg,
                "reply_to_message",
                reply_to.unwrap_or_default(),
            );
            s.messages.insert((to, id), copy);
            s.copies.push(Copy {
                to_chat: to,
                to_thread: thread,
                message_id: id,
                from_chat: from,
                from_message_id: source_id,
                caption: caption.map(str::to_owned),
                via: "copyMessage".into(),
            });
            ok(json!({"message_id": id}))
        }
        "copyMessages" => {
            let to = chat_param(p, "chat_id")?;
            let from = chat_param(p, "from_chat_id")?;
            s.check_target(to, thread)?;
            let ids: Vec<i64> = p["message_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect();
            if ids.is_empty() {
                return Err(bad("message identifiers are not specified"));
            }
            if ids.len() > 100 {
                return Err(bad("too many messages to copy"));
            }
            if ids.windows(2).any(|w| w[0] >= w[1]) {
                return Err(bad("message identifiers must be in increasing order"));
            }
            // Messages that can't be found or copied are skipped, as the docs say.
            let mut out = Vec::new();
            let mut refused = None;
            for source_id in ids {
                let source = match s.source(from, source_id) {
                    Ok(source) => source,
                    Err(e) => {
                        refused.get_or_insert(e);
                        continue;
                    }
                };
                let id = s.new_id();
                let mut copy = s.copied(to, id, thread, source, &me);
                if p["remove_caption"] == true {
                    set_or_remove(&mut copy.msg, "caption", Value::Null);
                    set_or_remove(&mut copy.msg, "caption_entities", Value::Null);
                }
                s.messages.insert((to, id), copy);
                s.copies.push(Copy {
                    to_chat: to,
                    to_thread: thread,
                    message_id: id,
                    from_chat: from,
                    from_message_id: source_id,
                    caption: None,
                    via: "copyMessages".into(),
                });
                out.push(json!({"message_id": id}));
            }
            if out.is_empty() {
                return Err(refused.unwrap_or_else(|| bad("the message can't be copied")));
            }
            ok(Value::Array(out))
        }
        "editMessageText" | "editMessageCaption" => {
            let caption = method == "editMessageCaption";
            if p.get("inline_message_id").is_some() {
                s.violations.push(format!(
                    "the test double does not implement {method} of inline messages"
                ));
                return Err(bad("MESSAGE_ID_INVALID"));
            }
            let chat = chat_param(p, "chat_id")?;
            let Some(id) = p["message_id"].as_i64() else {
                return Err(bad("message identifier is not specified"));
            };
            if s.blocked.contains(&chat) {
                return Err(error(403, "Forbidden: bot was blocked by the user"));
            }
            let (text_key, entities_key) = if caption {
                ("caption", "caption_entities")
            } else {
                ("text", "entities")
            };
            let text = p[text_key].as_str().unwrap_or_default();
            if let Some(e) = format_problem(text, &p["parse_mode"], &p[entities_key]) {
                return Err(e);
            }
            let visible = visible_text(text, &p["parse_mode"], &p[entities_key]);
            if caption && visible.chars().count() > 1024 {
                return Err(bad("message caption is too long"));
            }
            if !caption && visible.trim().is_empty() {
                return Err(bad("message text is empty"));
            }
            if !caption && visible.chars().count() > 4096 {
                return Err(bad("message is too long"));
            }
            if let Some(e) = markup_problem(&p["reply_markup"]) {
                return Err(e);
            }
            let new_text = if text.is_empty() {
                Value::Null
            } else {
                json!(text)
            };
            let new_entities = entities_of(&p[entities_key]);
            let new_markup = inline_markup(&p["reply_markup"]);
            let m = s.editable(chat, id)?;
            match (m.kind, caption) {
                (Kind::Media, false) => return Err(bad("there is no text in the message to edit")),
                (Kind::Text, true) => {
                    return Err(bad("there is no caption in the message to edit"));
                }
                _ => {}
            }
            if m.kind != Kind::Unknown
                && m.msg[text_key] == new_text
                && m.msg[entities_key] == new_entities
                && m.parse_mode == p["parse_mode"]
                && m.msg["reply_markup"] == new_markup
            {
                return Err(bad(NOT_MODIFIED));
            }
            if m.kind == Kind::Unknown {
                m.kind = if caption { Kind::Media } else { Kind::Text };
                let other = if caption {
                    ["text", "entities"]
                } else {
                    ["caption", "caption_entities"]
                };
                for k in other {
                    set_or_remove(&mut m.msg, k, Value::Null);
                }
            }
            set_or_remove(&mut m.msg, text_key, new_text);
            set_or_remove(&mut m.msg, entities_key, new_entities);
            set_or_remove(&mut m.msg, "reply_markup", new_markup);
            m.msg["edit_date"] = json!(teledesk_ports::now_secs());
            m.parse_mode = p["parse_mode"].clone();
            ok(m.msg.clone())
        }
        "deleteMessage" => {
            let chat = chat_param(p, "chat_id")?;
            let key = (chat, p["message_id"].as_i64().unwrap_or_default());
            if s.gone.contains(&key) {
                return Err(bad("message to delete not found"));
            }
            let allowed = match s.messages.get(&key) {
                Some(m) if m.msg.get("forum_topic_created").is_some() => false,
                Some(m) if m.by_bot => true,
                _ => chat > 0 || s.can_delete_messages(chat),
            };
            if !allowed {
                return Err(bad("message can't be deleted"));
            }
            s.messages.remove(&key);
            s.gone.insert(key);
            ok(json!(true))
        }
        "createForumTopic" => {
            let chat = chat_param(p, "chat_id")?;
            if !s.setup(chat).is_forum {
                return Err(bad("the chat is not a forum"));
            }
            if chat < 0 && !s.can_manage_topics(chat) {
                return Err(bad("not enough rights to create a topic"));
            }
            let name = p["name"].as_str().unwrap_or_default();
            if !(1..=128).contains(&name.chars().count()) {
                return Err(bad("TOPIC_NAME_INVALID"));
            }
            let color = p["icon_color"].as_i64().unwrap_or(DEFAULT_ICON_COLOR);
            let emoji = p["icon_custom_emoji_id"]
                .as_str()
                .filter(|e| !e.is_empty())
                .map(str::to_owned);
            let id = s.new_id();
            let mut created = json!({"name": name, "icon_color": color});
            let mut topic = json!({"message_thread_id": id, "name": name, "icon_color": color});
            if let Some(e) = &emoji {
                created["icon_custom_emoji_id"] = json!(e);
                topic["icon_custom_emoji_id"] = json!(e);
            }
            let mut msg = s.base_message(chat, id, Some(id), &me);
            msg["forum_topic_created"] = created;
            s.messages.insert(
                (chat, id),
                Stored {
                    msg,
                    kind: Kind::Service,
                    by_bot: true,
                    parse_mode: Value::Null,
                },
            );
            s.topics.entry(chat).or_default().insert(
                id,
                TopicState {
                    name: name.into(),
                    closed: false,
                    deleted: false,
                    by_bot: true,
                    icon_custom_emoji_id: emoji,
                },
            );
            ok(topic)
        }
        "closeForumTopic" | "reopenForumTopic" | "editForumTopic" | "deleteForumTopic" => {
            let chat = chat_param(p, "chat_id")?;
            let thread = thread.unwrap_or_default();
            if !s.setup(chat).is_forum {
                return Err(bad("the chat is not a forum"));
            }
            let can_manage = chat > 0 || s.can_manage_topics(chat);
            let can_delete = chat > 0 || s.can_delete_messages(chat);
            let name = p["name"].as_str().unwrap_or_default();
            if name.chars().count() > 128 {
                return Err(bad("TOPIC_NAME_INVALID"));
            }
            let t = s.topic(chat, thread)?;
            let service = match method {
                "deleteForumTopic" => {
                    if !can_delete {
                        return Err(bad("not enough rights to delete the topic"));
                    }
                    s.drop_topic(chat, thread);
                    return Ok(ok(json!(true)));
                }
                "editForumTopic" => {
                    if !can_manage && !t.by_bot {
                        return Err(bad("not enough rights to edit the topic"));
                    }
                    let mut edited = json!({});
                    if !name.is_empty() && name != t.name {
                        t.name = name.into();
                        edited["name"] = json!(name);
                    }
                    if let Some(e) = p["icon_custom_emoji_id"].as_str() {
                        let e = (!e.is_empty()).then(|| e.to_owned());
                        if e != t.icon_custom_emoji_id {
                            edited["icon_custom_emoji_id"] = json!(e.clone().unwrap_or_default());
                            t.icon_custom_emoji_id = e;
                        }
                    }
                    if edited == json!({}) {
                        return Err(bad("TOPIC_NOT_MODIFIED"));
                    }
                    json!({"forum_topic_edited": edited})
                }
                _ => {
                    if !can_manage && !t.by_bot {
                        return Err(bad("not enough rights to close or open the topic"));
                    }
                    let close = method == "closeForumTopic";
                    if t.closed == close {
                        return Err(bad("TOPIC_NOT_MODIFIED"));
                    }
                    t.closed = close;
                    if close {
                        json!({"forum_topic_closed": {}})
                    } else {
                        json!({"forum_topic_reopened": {}})
                    }
                }
            };
            // Telegram posts a service message into the topic.
            let id = s.new_id();
            let mut msg = s.base_message(chat, id, Some(thread), &me);
            for (k, v) in service.as_object().into_iter().flatten() {
                msg[k] = v.clone();
            }
            s.messages.insert(
                (chat, id),
                Stored {
                    msg,
                    kind: Kind::Service,
                    by_bot: true,
                    parse_mode: Value::Null,
                },
            );
            ok(json!(true))
        }
        "answerCallbackQuery" => ok(json!(true)),
        "getChatMember" => {
            let chat = chat_param(p, "chat_id")?;
            let user_id = p["user_id"].as_i64().unwrap_or_default();
            let setup = s.setup(chat);
            if user_id == bot_id
                && let Some((_, status, can_post)) = s.channels.get(&chat).cloned()
            {
                return Ok(match status.as_str() {
                    "administrator" => ok(json!({"status": "administrator", "user": me,
                        "can_be_edited": false, "is_anonymous": false, "can_manage_chat": true,
                        "can_delete_messages": false, "can_manage_video_chats": false,
                        "can_restrict_members": false, "can_promote_members": false,
                        "can_change_info": false, "can_invite_users": false,
                        "can_post_stories": false, "can_edit_stories": false,
                        "can_delete_stories": false, "can_post_messages": can_post,
                        "can_edit_messages": can_post})),
                    "left" => ok(json!({"status": "left", "user": me})),
                    other => ok(json!({"status": other, "user": me})),
                });
            }
            if user_id == bot_id {
                if chat < 0 && setup.bot_is_admin {
                    ok(
                        json!({"status": "administrator", "user": me, "can_be_edited": false,
                              "is_anonymous": false, "can_manage_chat": true,
                              "can_delete_messages": setup.can_delete_messages,
                              "can_manage_video_chats": false, "can_restrict_members": false,
                              "can_promote_members": false, "can_change_info": false,
                              "can_invite_users": true, "can_post_stories": false,
                              "can_edit_stories": false, "can_delete_stories": false,
                              "can_pin_messages": true, "can_manage_topics": setup.can_manage_topics}),
                    )
                } else {
                    ok(json!({"status": "member", "user": me}))
                }
            } else {
                let user = json!({"id": user_id, "is_bot": false, "first_name": "User"});
                let status = s
                    .members
                    .get(&(chat, user_id))
                    .map_or("member", String::as_str);
                ok(match status {
                    "creator" => json!({"status": "creator", "user": user, "is_anonymous": false}),
                    "administrator" => {
                        json!({"status": "administrator", "user": user, "can_be_edited": false,
                               "is_anonymous": false, "can_manage_chat": true,
                               "can_delete_messages": true, "can_manage_video_chats": false,
                               "can_restrict_members": false, "can_promote_members": false,
                               "can_change_info": false, "can_invite_users": true,
                               "can_post_stories": false, "can_edit_stories": false,
                               "can_delete_stories": false, "can_pin_messages": true,
                               "can_manage_topics": true})
                    }
                    "kicked" => json!({"status": "kicked", "user": user, "until_date": 0}),
                    other => json!({"status": other, "user": user}),
                })
            }
        }
        "getChat" => {
            let chat = chat_param(p, "chat_id")?;
            let mut info = s.chat(chat);
            info["accent_color_id"] = json!(0);
            info["max_reaction_count"] = json!(11);
            info["accepted_gift_types"] = json!({"unlimited_gifts": false, "limited_gifts": false,
                "unique_gifts": false, "premium_subscription": false, "gifts_from_channels": false});
            ok(info)
        }
        "sendChatAction" => {
            let chat = chat_param(p, "chat_id")?;
            s.check_target(chat, thread)?;
            if !CHAT_ACTIONS.contains(&p["action"].as_str().unwrap_or_default()) {
                return Err(bad("wrong parameter action in request"));
            }
            ok(json!(true))
        }
        "getUpdates" => {
            let b = s.bots.get_mut(token).expect("checked");
            if !b.webhook_url.is_empty() {
                return Err(error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                ));
            }
            let limit = p["limit"].as_u64().unwrap_or(100) as usize;
            ok(Value::Array(
                b.updates.iter().take(limit).cloned().collect(),
            ))
        }
        "setWebhook" => {
            let b = s.bots.get_mut(token).expect("checked");
            if let Some(secret) = p["secret_token"].as_str()
                && !(1..=256).contains(&secret.len())
            {
                return Err(bad("secret token is invalid"));
            }
            b.webhook_url = p["url"].as_str().unwrap_or_default().to_owned();
            b.webhook_secret = p["secret_token"].as_str().map(str::to_owned);
            json!({"ok": true, "result": true, "description": "Webhook was set"})
        }
        "deleteWebhook" => {
            let b = s.bots.get_mut(token).expect("checked");
            b.webhook_url.clear();
            b.webhook_secret = None;
            if p["drop_pending_updates"] == true {
                b.updates.clear();
            }
            json!({"ok": true, "result": true, "description": "Webhook was deleted"})
        }
        "getWebhookInfo" => {
            let b = &s.bots[token];
            let mut info = json!({"url": b.webhook_url, "has_custom_certificate": false,
                                  "pending_update_count": b.updates.len()});
            if !b.webhook_url.is_empty() {
                info["max_connections"] = json!(40);
                info["allowed_updates"] = json!(teledesk_telegram::ALLOWED_UPDATES);
            }
            ok(info)
        }
        "setMyCommands" => {
            check_commands(p).map_err(|e| bad(&e))?;
            let key = menu_key(&p["scope"], p["language_code"].as_str());
            s.bots
                .get_mut(token)
                .expect("checked")
                .commands
                .insert(key, p["commands"].clone());
            ok(json!(true))
        }
        "getMyCommands" => {
            let key = menu_key(&p["scope"], p["language_code"].as_str());
            let b = s.bots.get(token).expect("checked");
            ok(b.commands.get(&key).cloned().unwrap_or(json!([])))
        }
        "getFile" => {
            let id = p["file_id"].as_str().unwrap_or_default();
            match s.files.get(id) {
                Some(f) if f.size > MAX_DOWNLOAD => return Err(bad("file is too big")),
                Some(f) => ok(json!({"file_id": id, "file_unique_id": format!("u-{id}"),
                                     "file_size": f.size, "file_path": f.path})),
                None => return Err(bad("invalid file_id")),
            }
        }
        other => {
            s.violations
                .push(format!("the test double does not implement {other}"));
            return Err(bad(&format!(
                "{other} is not implemented by the test double"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{BotApi, ChatSetup, html_problem};

    const GROUP: i64 = -1001234567890;

    async fn double() -> (BotApi, String) {
        let api = BotApi::start().await;
        let token = api.add_bot(77, "desk_bot");
        (api, token)
    }

    async fn post(api: &BotApi, token: &str, method: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}/bot{token}/{method}", api.base_url))
            .json(&body)
            .send()
            .await
            .expect("double answers")
            .json()
            .await
            .expect("JSON answer")
    }

    fn refused(answer: &Value, description: &str) {
        assert_eq!(answer["ok"], false, "{answer}");
        assert_eq!(answer["description"], description, "{answer}");
    }

    #[test]
    fn html_is_checked_like_telegram() {
        assert_eq!(html_problem("<b>Hi</b> &lt;3 &amp; &#36;"), None);
        assert!(html_problem("Ann <&> Lee").is_some());
        assert!(html_problem("a < b").is_some());
        assert!(html_problem("<script>x</script>").is_some());
        assert!(html_problem("R&D").is_some());
    }

    #[tokio::test]
    async fn topics_are_created_used_closed_and_deleted() {
        let (api, token) = double().await;
        let created = post(
            &api,
            &token,
            "createForumTopic",
            json!({"chat_id": GROUP, "name": "Ann #1"}),
        )
        .await;
        assert_eq!(created["ok"], true, "{created}");
        assert_eq!(created["result"]["icon_color"], 7322096);
        let thread = created["result"]["message_thread_id"].as_i64().unwrap();
        let sent = post(
            &api,
            &token,
            "sendMessage",
            json!({"chat_id": GROUP, "message_thread_id": thread, "text": "hello"}),
        )
        .await;
        assert_eq!(sent["result"]["message_thread_id"], thread, "{sent}");
        assert_eq!(sent["result"]["is_topic_message"], true);
        assert_eq!(
            sent["result"]["reply_to_message"]["forum_topic_created"]["name"],
            "Ann #1"
        );
        assert_eq!(api.sent_to(GROUP, Some(thread)).len(), 1);
        assert!(api.sent_to(GROUP, None).is_empty());

        let close = json!({"chat_id": GROUP, "message_thread_id": thread});
        assert_eq!(
            post(&api, &token, "closeForumTopic", close.clone()).await["result"],
            true
        );
        let again = post(&api, &token, "closeForumTopic", close.clone()).await;
        refused(&again, "Bad Request: TOPIC_NOT_MODIFIED");
        assert_eq!(
            post(&api, &token, "reopenForumTopic", close.clone()).await["result"],
            true
        );

        api.delete_topic(GROUP, thread);
        let gone = post(
            &api,
            &token,
            "sendMessage",
            json!({"chat_id": GROUP, "message_thread_id": thread, "text": "still there?"}),
        )
        .await;
        refused(&gone, "Bad Request: message thread not found");
        refused(
            &post(&api, &token, "closeForumTopic", close).await,
            "Bad Request: message thread not found",
        );
        // A thread the double never saw counts as an existing topic.
        let other = post(
            &api,
            &token,
            "sendMessage",
            json!({"chat_id": GROUP, "message_thread_id": 4242, "text": "hi"}),
        )
        .await;
        assert_eq!(other["ok"], true, "{other}");
        let topics = api.topics(GROUP);
        assert_eq!(topics.len(), 1);
        assert_eq!(
            (topics[0].name.as_str(), topics[0].deleted),
            ("Ann #1", true)
        );
        assert_eq!(api.violations(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn topics_need_a_forum_rights_and_a_name() {
        let (api, token) = double().await;
        api.set_chat(
            GROUP,
            ChatSetup {
                can_manage_topics: false,
                ..ChatSetup::default()
            },
        );
        let create = |name: &str| json!({"chat_id": GROUP, "name": name});
        refused(
            &post(&api, &token, "createForumTopic", create("x")).await,
            "Bad Request: not enough rights to create a topic",
        );
        api.set_chat(GROUP, ChatSetup::default());
        refused(
            &post(&api, &token, "createForumTopic", create("")).await,
            "Bad Request: TOPIC_NAME_INVALID",
        );
        refused(
            &post(
                &api,
                &token,
                "createForumTopic",
                json!({"chat_id": 5, "name": "x"}),
            )
            .await,
            "Bad Request: the chat is not a forum",
        );
        assert_eq!(api.violations(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn copy_message_answers_a_message_id_or_refuses() {
        let (api, token) = double().await;
        let copy = json!({"chat_id": GROUP, "message_thread_id": 9, "from_chat_id": 501, "message_id": 31});
        let copied = post(&api, &token, "copyMessage", copy.clone()).await;
        let id = copied["result"]["message_id"]
            .as_i64()
            .expect("a MessageId");
        let copies = api.copies();
        assert_eq!(copies.len(), 1);
        assert_eq!(
            (
                copies[0].to_thread,
                copies[0].message_id,
                copies[0].from_message_id
            ),
            (Some(9), id, 31)
        );
        assert_eq!(copies[0].via, "copyMessage");
        // The copy can be captioned by the bot afterwards.
        let edited = post(
            &api,
            &token,
            "editMessageCaption",
            json!({"chat_id": GROUP, "message_id": id, "caption": "from Ann"}),
        )
        .await;
        assert_eq!(edited["result"]["caption"], "from Ann", "{edited}");

        api.uncopyable(501, 32);
        let mut uncopyable = copy.clone();
        uncopyable["message_id"] = json!(32);
        refused(
            &post(&api, &token, "copyMessage", uncopyable).await,
            "Bad Request: the message can't be copied",
        );
        api.block_chat(501);
        let back = json!({"chat_id": 501, "from_chat_id": GROUP, "message_id": id});
        let blocked = post(&api, &token, "copyMessage", back).await;
        assert_eq!(blocked["error_code"], 403);
        refused(&blocked, "Forbidden: bot was blocked by the user");
        api.migrate_chat(-77, GROUP);
        let migrated = post(
            &api,
            &token,
            "copyMessage",
            json!({"chat_id": -77, "from_chat_id": 501, "message_id": 31}),
        )
        .await;
        refused(
            &migrated,
            "Bad Request: group chat was upgraded to a supergroup chat",
        );
        assert_eq!(migrated["parameters"]["migrate_to_chat_id"], GROUP);
        assert_eq!(api.copies().len(), 1);
        assert_eq!(api.violations(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn copy_messages_wants_increasing_ids_and_skips_the_uncopyable() {
        let (api, token) = double().await;
        let copy = |ids: Value| json!({"chat_id": GROUP, "from_chat_id": 501, "message_ids": ids});
        refused(
            &post(&api, &token, "copyMessages", copy(json!([3, 2]))).await,
            "Bad Request: message identifiers must be in increasing order",
        );
        api.uncopyable(501, 2);
        let copied = post(&api, &token, "copyMessages", copy(json!([1, 2, 3]))).await;
        assert_eq!(
            copied["result"].as_array().map(Vec::len),
            Some(2),
            "{copied}"
        );
        let from: Vec<i64> = api.copies().iter().map(|c| c.from_message_id).collect();
        assert_eq!(from, [1, 3]);
        assert_eq!(api.violations(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn edit_message_text_finds_the_message_and_wants_a_change() {
        let (api, token) = double().await;
        let keyboard =
            json!({"inline_keyboard": [[{"text": "Close", "callback_data": "close:7"}]]});
        let sent = post(
            &api,
            &token,
            "sendMessage",
            json!({"chat_id": GROUP, "text": "<b>Ticket</b> open", "parse_mode": "HTML",
                   "reply_markup": keyboard}),
        )
        .await;
        assert_eq!(sent["result"]["reply_markup"], keyboard, "{sent}");
        let id = sent["result"]["message_id"].as_i64().unwrap();
        let edit = |text: &str| {
            json!({"chat_id": GROUP, "message_id": id, "text": text, "parse_mode": "HTML",
                   "reply_markup": keyboard})
        };
        let same = post(&api, &token, "editMessageText", edit("<b>Ticket</b> open")).await;
        refused(&same, &format!("Bad Request: {}", super::NOT_MODIFIED));
        let changed = post(
            &api,
            &token,
            "editMessageText",
            edit("<b>Ticket</b> closed"),
        )
        .await;
        assert!(changed["result"]["edit_date"].is_i64(), "{changed}");
        assert_eq!(
            api.message(GROUP, id).unwrap()["text"],
            "<b>Ticket</b> closed"
        );
        assert_eq!(api.edits().len(), 1);
        let mut unknown = edit("x");
        unknown["message_id"] = json!(999);
        refused(
            &post(&api, &token, "editMessageText", unknown).await,
            "Bad Request: message to edit not found",
        );
        let long_button =
            json!({"inline_keyboard": [[{"text": "x", "callback_data": "x".repeat(65)}]]});
        refused(
            &post(
                &api,
                &token,
                "sendMessage",
                json!({"chat_id": 5, "text": "a", "reply_markup": long_button}),
            )
            .await,
            "Bad Request: BUTTON_DATA_INVALID",
        );
        let long_html = format!("<b>{}</b>", "&lt;".repeat(4096));
        let sent = post(
            &api,
            &token,
            "sendMessage",
            json!({"chat_id": 5, "text": long_html, "parse_mode": "HTML"}),
        )
        .await;
        assert_eq!(sent["ok"], true, "4096 characters after parsing fit");
        let entity = json!([{"type": "bold", "offset": 0, "length": 3}]);
        refused(
            &post(
                &api,
                &token,
                "sendMessage",
                json!({"chat_id": 5, "text": "ab", "entities": entity}),
            )
            .await,
            "Bad Request: can't parse entities: entity beyond the end of text",
        );
        assert_eq!(api.violations(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn get_chat_member_and_get_chat_answer_per_the_spec() {
        let (api, token) = double().await;
        let bot = post(
            &api,
            &token,
            "getChatMember",
            json!({"chat_id": GROUP, "user_id": 77}),
        )
        .await;
        assert_eq!(bot["result"]["status"], "administrator", "{bot}");
        assert_eq!(bot["result"]["can_manage_topics"], true);
        assert_eq!(bot["result"]["can_delete_messages"], true);
        api.set_chat(
            GROUP,
            ChatSetup {
                bot_is_admin: false,
                ..ChatSetup::default()
            },
        );
        let bot = post(
            &api,
            &token,
            "getChatMember",
            json!({"chat_id": GROUP, "user_id": 77}),
        )
        .await;
        assert_eq!(bot["result"]["status"], "member", "{bot}");
        api.set_member(GROUP, 501, "creator");
        let owner = post(
            &api,
            &token,
            "getChatMember",
            json!({"chat_id": GROUP, "user_id": 501}),
        )
        .await;
        assert_eq!(owner["result"]["status"], "creator", "{owner}");
        let someone = post(
            &api,
            &token,
            "getChatMember",
            json!({"chat_id": GROUP, "user_id": 502}),
        )
        .await;
        assert_eq!(someone["result"]["status"], "member", "{someone}");
        let chat = post(&api, &token, "getChat", json!({"chat_id": GROUP})).await;
        assert_eq!(chat["result"]["is_forum"], true, "{chat}");
        api.add_big_file("big", "documents/big.zip", 21 * 1024 * 1024);
        refused(
            &post(&api, &token, "getFile", json!({"file_id": "big"})).await,
            "Bad Request: file is too big",
        );
        assert_eq!(api.violations(), Vec::<String>::new());
    }
}
