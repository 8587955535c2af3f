//! The support desk on the local stack: embedded storage, the real webhook handler and queues, the
//! worker and job handlers, and the Bot API test double — all in one test process, so each test
//! drives updates in and drains the queues deterministically.
//!
//! Updates are built here as Telegram sends them and every one is checked against the Bot API
//! spec's `Update` before it is delivered.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use teledesk_app::batch::{Outcome, Record};
use teledesk_app::config::Config;
use teledesk_app::desk::DEFAULT_WORKSPACE;
use teledesk_app::desk::staff::{self, Staff};
use teledesk_app::{Deps, setup_codes};
use teledesk_embedded::Embedded;
use teledesk_ports::Table;
use teledesk_ports::queue::{EVENTS, JOBS, Queue, UPDATES, teledesk_queues};
use teledesk_telegram::HttpConnector;
use tower::ServiceExt;

use crate::bot_api::BotApi;
use crate::counting::{CountingTable, Counts, Faults};
use crate::spec;

pub const BOT_ID: i64 = 7_100_001;
pub const BOT_USERNAME: &str = "desk_test_bot";
pub const SECRET: &str = "desk-webhook-secret_0123456789";
/// The desk group (a forum supergroup).
pub const DESK: i64 = -1_001_000_000_001;
pub const DESK_TITLE: &str = "Support <&> Desk";
/// A second group, for links across groups.
pub const OTHER: i64 = -1_001_000_000_002;
pub const OTHER_TITLE: &str = "Sales_Team";
/// Staff.
pub const ALICE: i64 = 501;
pub const BOB: i64 = 502;
/// A group admin who is not staff.
pub const ADMIN: i64 = 503;

pub struct DeskEnv {
    /// Table operations made through `deps` (the worker's and the harness's).
    pub counts: Arc<Counts>,
    /// Table writes the test makes fail.
    pub faults: Arc<Faults>,
    pub api: BotApi,
    pub token: String,
    pub deps: Deps,
    pub emb: Embedded,
    pub dir: tempfile::TempDir,
    next_update: AtomicI64,
    next_message: AtomicI64,
    /// The capabilities the worker routes to (the build's, or with a test's own).
    pub router: Arc<teledesk_app::router::Router>,
    /// Telegram's `language_code` of users, as their updates carry it.
    languages: std::sync::Mutex<std::collections::HashMap<i64, String>>,
}

fn user(id: i64) -> Value {
    let (first, username) = match id {
        ALICE => ("Alice <A&B>", "alice_a"),
        BOB => ("Bob", "bob_b"),
        ADMIN => ("Ada", "ada_admin"),
        _ => ("Carol_<Customer>", "carol_c"),
    };
    json!({"id": id, "is_bot": false, "first_name": first, "username": username})
}

fn group_chat(chat: i64) -> Value {
    let title = if chat == DESK {
        DESK_TITLE
    } else {
        OTHER_TITLE
    };
    json!({"id": chat, "type": "supergroup", "title": title, "is_forum": true})
}

impl DeskEnv {
    /// The double, a registered bot, embedded storage; no groups yet.
    pub async fn start() -> DeskEnv {
        Self::start_with(Config::default()).await
    }

    /// [`DeskEnv::start`] with a configuration of the test's own.
    pub async fn start_with(config: Config) -> DeskEnv {
        Self::start_routed(config, teledesk_app::wiring::capabilities()).await
    }

    /// [`DeskEnv::start`] routing to these capabilities.
    pub async fn start_routed(config: Config, router: teledesk_app::router::Router) -> DeskEnv {
        if std::env::var_os("TELEDESK_TEST_LOG").is_some() {
            teledesk_app::logging::init_text();
        }
        let api = BotApi::start().await;
        let token = api.add_bot(BOT_ID, BOT_USERNAME);
        let dir = tempfile::tempdir().expect("temp dir");
        let emb = Embedded::open(dir.path(), teledesk_queues()).expect("open storage");
        // Presigned URLs work: the files route is served on loopback, as `serve` serves it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        emb.files
            .set_base_url(&format!("http://{}", listener.local_addr().expect("addr")));
        let files = teledesk_embedded::files_router(emb.files.clone());
        tokio::spawn(async move { axum::serve(listener, files).await.expect("files route") });
        let counts = Arc::new(Counts::default());
        let faults = Arc::new(Faults::default());
        let deps = Deps::new(
            Arc::new(CountingTable {
                inner: emb.table.clone(),
                counts: counts.clone(),
                faults: faults.clone(),
            }),
            emb.queue.clone(),
            emb.files.clone(),
            Arc::new(HttpConnector::new(&api.base_url)),
            config.shared(),
        );
        teledesk_app::bots::register(&deps, &token, Some(SECRET))
            .await
            .expect("register bot");
        DeskEnv {
            counts,
            faults,
            api,
            token,
            deps,
            emb,
            dir,
            next_update: AtomicI64::new(1),
            next_message: AtomicI64::new(1_000_000),
            router: Arc::new(router),
            languages: Default::default(),
        }
    }

    /// From now on, `user`'s updates say their Telegram interface language is `code`.
    pub fn speaks(&self, user: i64, code: &str) {
        self.languages.lock().unwrap().insert(user, code.to_owned());
    }

    fn user(&self, id: i64) -> Value {
        let mut u = user(id);
        if let Some(code) = self.languages.lock().unwrap().get(&id) {
            u["language_code"] = json!(code);
        }
        u
    }

    /// A button press on message `message_id` of the private chat with `from`.
    pub fn private_callback(&self, from: i64, message_id: i64, data: &str) -> Value {
        let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": BOT_USERNAME, "username": BOT_USERNAME});
        let chat = json!({"id": from, "type": "private", "first_name": user(from)["first_name"]});
        self.update(
            "callback_query",
            json!({"id": format!("cq-{}", self.next_update_id()), "from": self.user(from),
                   "chat_instance": "ci-p", "data": data,
                   "message": {"message_id": message_id, "date": 1_790_000_000, "chat": chat,
                               "from": bot, "text": "menu"}}),
        )
    }

    /// [`DeskEnv::start`], plus the bot added to two forum groups, the first set up as the desk
    /// (by an admin), and Alice and Bob as staff (Bob working in the other group).
    pub async fn ready() -> DeskEnv {
        Self::ready_with(Config::default()).await
    }

    /// [`DeskEnv::ready`] with a configuration of the test's own.
    pub async fn ready_with(config: Config) -> DeskEnv {
        let env = DeskEnv::start_with(config).await;
        env.api.set_member(DESK, ADMIN, "administrator");
        env.deliver(env.bot_added(DESK)).await;
        env.deliver(env.bot_added(OTHER)).await;
        env.add_staff(ALICE, "alice_a", "Alice <A&B>", &[]).await;
        env.add_staff(BOB, "bob_b", "Bob", &[OTHER]).await;
        let code = env.setup_code(setup_codes::Purpose::Desk).await;
        env.deliver(env.command(DESK, None, ADMIN, &format!("/setup_desk {code}")))
            .await;
        env.take_events().await;
        env
    }

    /// `/setup_admin <code>` in `chat` by `from`, with a fresh admin-chat setup code.
    pub async fn setup_admin_with_code(&self, chat: i64, from: i64) {
        let code = self.setup_code(setup_codes::Purpose::AdminChat).await;
        self.deliver(self.command(chat, None, from, &format!("/setup_admin {code}")))
            .await;
    }

    /// A one-time setup code for the default workspace, as the operator makes one.
    pub async fn setup_code(&self, purpose: setup_codes::Purpose) -> String {
        setup_codes::issue(&self.deps, DEFAULT_WORKSPACE, purpose, None, "test")
            .await
            .expect("setup code")
            .code
    }

    /// An internal user with a role (staff added by [`DeskEnv::add_staff`] are agents).
    pub async fn add_staff_with_role(
        &self,
        user_id: i64,
        username: &str,
        name: &str,
        role: staff::Role,
    ) {
        staff::upsert(
            &self.deps,
            &Staff {
                workspace: DEFAULT_WORKSPACE.into(),
                user_id,
                username: Some(username.into()),
                name: name.into(),
                role,
                ..Default::default()
            },
        )
        .await
        .expect("add staff");
    }

    pub async fn add_staff(&self, user_id: i64, username: &str, name: &str, groups: &[i64]) {
        staff::upsert(
            &self.deps,
            &Staff {
                workspace: DEFAULT_WORKSPACE.into(),
                user_id,
                username: Some(username.into()),
                name: name.into(),
                groups: groups.to_vec(),
                created_at: 0,
                ..Default::default()
            },
        )
        .await
        .expect("add staff");
    }

    pub fn next_update_id(&self) -> i64 {
        self.next_update.fetch_add(1, Ordering::Relaxed)
    }

    pub fn next_message_id(&self) -> i64 {
        self.next_message.fetch_add(1, Ordering::Relaxed)
    }

    fn update(&self, kind: &str, body: Value) -> Value {
        let u = json!({"update_id": self.next_update_id(), kind: body});
        let problems = spec::check_value("Update", &u);
        assert!(
            problems.is_empty(),
            "test update is not valid: {problems:?}\n{u}"
        );
        u
    }

    /// A message as Telegram sends it: private when `chat > 0`, else in a forum group (in topic
    /// `thread` when given).
    pub fn message_body(&self, chat: i64, thread: Option<i64>, from: i64, extra: Value) -> Value {
        let id = self.next_message_id();
        let chat_v = if chat > 0 {
            json!({"id": chat, "type": "private", "first_name": user(from)["first_name"]})
        } else {
            group_chat(chat)
        };
        let mut m = json!({"message_id": id, "date": 1_790_000_000 + id % 100_000, "chat": chat_v, "from": self.user(from)});
        if let Some(t) = thread {
            m["message_thread_id"] = json!(t);
            m["is_topic_message"] = json!(true);
            m["reply_to_message"] = json!({"message_id": t, "date": 1_790_000_000, "chat": group_chat(chat),
                "forum_topic_created": {"name": "topic", "icon_color": 7322096}});
        }
        for (k, v) in extra.as_object().into_iter().flatten() {
            m[k] = v.clone();
        }
        m
    }

    pub fn text(&self, chat: i64, thread: Option<i64>, from: i64, text: &str) -> Value {
        let body = self.message_body(chat, thread, from, json!({"text": text}));
        self.update("message", body)
    }

    /// A reply to message `to` (in the same chat).
    pub fn reply(&self, chat: i64, thread: Option<i64>, from: i64, to: i64, text: &str) -> Value {
        let chat_v = if chat > 0 {
            json!({"id": chat, "type": "private", "first_name": "x"})
        } else {
            group_chat(chat)
        };
        let body = self.message_body(
            chat,
            thread,
            from,
            json!({"text": text, "reply_to_message": {"message_id": to, "date": 1_790_000_000, "chat": chat_v}}),
        );
        self.update("message", body)
    }

    pub fn command(&self, chat: i64, thread: Option<i64>, from: i64, text: &str) -> Value {
        let len = text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .encode_utf16()
            .count();
        let body = self.message_body(
            chat,
            thread,
            from,
            json!({"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len}]}),
        );
        self.update("message", body)
    }

    pub fn with(&self, chat: i64, thread: Option<i64>, from: i64, extra: Value) -> Value {
        let body = self.message_body(chat, thread, from, extra);
        self.update("message", body)
    }

    /// The same message, edited.
    pub fn edited(&self, original: &Value, text: &str) -> Value {
        let mut m = original["message"].clone();
        if m.get("caption").is_some() {
            m["caption"] = json!(text);
        } else {
            m["text"] = json!(text);
        }
        m["edit_date"] = json!(1_790_100_000);
        self.update("edited_message", m)
    }

    /// my_chat_member: the bot became an administrator of a forum group.
    pub fn bot_added(&self, chat: i64) -> Value {
        self.bot_status(chat, "administrator", true)
    }

    pub fn bot_status(&self, chat: i64, status: &str, rights: bool) -> Value {
        let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": BOT_USERNAME, "username": BOT_USERNAME});
        let new = if status == "administrator" {
            json!({"status": "administrator", "user": bot, "can_be_edited": false, "is_anonymous": false,
                   "can_manage_chat": true, "can_delete_messages": rights, "can_manage_video_chats": false,
                   "can_restrict_members": false, "can_promote_members": false, "can_change_info": false,
                   "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
                   "can_delete_stories": false, "can_manage_topics": rights})
        } else if status == "kicked" {
            json!({"status": "kicked", "user": bot, "until_date": 0})
        } else {
            json!({"status": status, "user": bot})
        };
        self.update(
            "my_chat_member",
            json!({"chat": group_chat(chat), "from": user(ADMIN), "date": 1_790_000_000,
                   "old_chat_member": {"status": "left", "user": bot}, "new_chat_member": new}),
        )
    }

    /// A button press on message `message_id` in a topic.
    pub fn callback(
        &self,
        chat: i64,
        thread: i64,
        from: i64,
        message_id: i64,
        data: &str,
    ) -> Value {
        let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": BOT_USERNAME, "username": BOT_USERNAME});
        self.update(
            "callback_query",
            json!({"id": format!("cq-{}", self.next_update_id()), "from": self.user(from),
                   "chat_instance": "ci-1", "data": data,
                   "message": {"message_id": message_id, "date": 1_790_000_000, "chat": group_chat(chat),
                               "from": bot, "text": "Whom should I mention?",
                               "message_thread_id": thread, "is_topic_message": true}}),
        )
    }

    /// Posts an update to the webhook like Telegram does; returns the HTTP status.
    pub async fn post(&self, update: &Value) -> u16 {
        let router = teledesk_app::http::webhook_router(self.deps.clone());
        let req = Request::post(format!("/telegram/{BOT_ID}"))
            .header("content-type", "application/json")
            .header("x-telegram-bot-api-secret-token", SECRET)
            .body(Body::from(update.to_string()))
            .expect("request");
        router.oneshot(req).await.expect("router").status().as_u16()
    }

    /// Posts an update and drains the queues.
    pub async fn deliver(&self, update: Value) {
        assert_eq!(self.post(&update).await, 200, "webhook refused {update}");
        self.drain().await;
    }

    /// Runs the worker on `updates` and `jobs` until both are empty (waiting out retries and
    /// delayed messages, up to 30 s).
    pub async fn drain(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut busy = false;
            for (queue, is_jobs) in [(UPDATES, false), (JOBS, true)] {
                let got = self
                    .emb
                    .queue
                    .receive(queue, 10, Duration::ZERO, Duration::from_secs(30))
                    .await
                    .expect("receive");
                if got.is_empty() {
                    continue;
                }
                busy = true;
                let receipts: Vec<(String, String)> = got
                    .iter()
                    .map(|m| (m.message_id.clone(), m.receipt.clone()))
                    .collect();
                let records: Vec<Record> = got.into_iter().map(Record::from).collect();
                let failed = if is_jobs {
                    teledesk_app::jobs::process_jobs_with(&self.deps, &self.router, records).await
                } else {
                    teledesk_app::worker::process_updates_with(&self.deps, &self.router, records)
                        .await
                };
                // As SQS does for a Lambda (and `serve` does itself): successes are deleted.
                for (id, receipt) in receipts {
                    if !failed.contains(&id) {
                        self.emb.queue.ack(queue, &receipt).await.expect("ack");
                    }
                }
            }
            if busy {
                continue;
            }
            let left = self.emb.queue.depth(UPDATES).await.expect("depth")
                + self.emb.queue.depth(JOBS).await.expect("depth");
            if left == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "queues did not drain: {left} messages left"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Handles updates concurrently, as two Lambda workers would (bypassing the FIFO order), then
    /// retries what asked for a retry until everything is done.
    pub async fn deliver_concurrently(&self, updates: Vec<Value>) {
        let mut pending: Vec<Value> = updates;
        for _round in 0..20 {
            let runs = pending.iter().map(|u| {
                let record = Record {
                    message_id: format!("m-{}", u["update_id"]),
                    receipt: None,
                    group_id: None,
                    body: json!({"bot_id": BOT_ID.to_string(), "update": u}).to_string(),
                    receive_count: 1,
                };
                teledesk_app::worker::handle_record_with(&self.deps, &self.router, record)
            });
            let outcomes = futures::future::join_all(runs).await;
            let mut again = Vec::new();
            for (u, o) in pending.iter().zip(outcomes) {
                match o {
                    Outcome::Done => {}
                    Outcome::Retry { .. } => again.push(u.clone()),
                    Outcome::Poison(why) => panic!("poison: {why}"),
                }
            }
            if again.is_empty() {
                self.drain().await;
                return;
            }
            pending = again;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("updates never completed");
    }

    /// Takes every event on the `events` queue.
    pub async fn take_events(&self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let got = self
                .emb
                .queue
                .receive(EVENTS, 10, Duration::ZERO, Duration::from_secs(30))
                .await
                .expect("receive");
            if got.is_empty() {
                return out;
            }
            for r in got {
                out.push(serde_json::from_str(&r.body).expect("event JSON"));
                self.emb.queue.ack(EVENTS, &r.receipt).await.expect("ack");
            }
        }
    }

    pub async fn item(&self, pk: &str, sk: &str) -> Option<serde_json::Map<String, Value>> {
        self.emb.table.get(pk, sk).await.expect("get")
    }

    /// The endpoint record of a chat/topic.
    pub async fn endpoint(&self, chat: i64, thread: Option<i64>) -> Option<Value> {
        self.item(&format!("EP#{BOT_ID}#{chat}#{}", thread.unwrap_or(0)), "EP")
            .await
            .map(Value::Object)
    }

    pub async fn ticket(&self, id: &str) -> Value {
        Value::Object(
            self.item(&format!("TICKET#{id}"), "TICKET")
                .await
                .unwrap_or_else(|| panic!("ticket {id} stored")),
        )
    }

    /// Every ticket, oldest first.
    pub async fn tickets(&self) -> Vec<Value> {
        let page = self
            .emb
            .table
            .query(&teledesk_ports::table::Query::gsi1(format!(
                "TICKETS#{DEFAULT_WORKSPACE}"
            )))
            .await
            .expect("query");
        page.items.into_iter().map(Value::Object).collect()
    }

    /// Texts the bot sent to a chat/topic (sendMessage), in order.
    pub fn texts_to(&self, chat: i64, thread: Option<i64>) -> Vec<String> {
        self.api
            .sent_to(chat, thread)
            .iter()
            .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Asserts the double saw no spec violations.
    pub fn assert_clean(&self) {
        assert_eq!(self.api.violations(), Vec::<String>::new());
    }
}

/// One REST API request through the api router, as the given key; the status and the JSON body
/// (Null when the body is not JSON).
pub async fn api(
    env: &DeskEnv,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let router = teledesk_app::http::api_router(env.deps.clone());
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {key}"));
    let req = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            req.body(Body::from(b.to_string())).unwrap()
        }
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
