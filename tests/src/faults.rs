//! The fault-injection suite (docs/reliability.md): `teledesk serve` processes and the Bot API
//! double under faults, counting what goes in and what comes out. Each scenario sends private
//! messages from customers (every text unique) and counts, at the double, the tickets opened
//! (forum topics) and the copies of each message in its ticket's topic; a message with no copy is
//! lost, a second copy is doubled. The same code runs quick in `cargo test` (tests/tests/faults.rs)
//! and long as the soak (`examples/faults`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::bot_api::{self, BotApi};
use crate::serve::Serve;

pub const BOT: i64 = 7_300_001;
pub const DESK: i64 = -1_001_300_000_001;
pub const ADMIN: i64 = 7_301;
pub const SECRET: &str = "fault-suite-secret";
/// Customers are users 8_000_000 + n.
const CUSTOMER0: i64 = 8_000_000;

/// How much each scenario sends.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub customers: usize,
    pub messages: usize,
}

/// Quick enough for every `scripts/test`.
pub const QUICK: Scale = Scale {
    customers: 6,
    messages: 5,
};

/// The soak (`cargo run --release -p teledesk-e2e --example faults`).
pub const SOAK: Scale = Scale {
    customers: 40,
    messages: 25,
};

/// What one scenario measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub scenario: &'static str,
    /// What went in: messages, deliveries or requests.
    pub input: u64,
    /// What came out: copies and tickets, deliveries, or (for refused input) state changes.
    pub effects: u64,
    pub lost: u64,
    pub doubled: u64,
    /// Refused input: answers other than the expected refusal, and effects it had (both must be
    /// 0). Zero for the scenarios that count messages.
    pub wrong: u64,
    /// Doubles that cannot be ruled out: 0, except where a process is killed (below).
    pub doubled_bound: u64,
    /// What else the run saw (faults injected, refusals).
    pub note: String,
}

impl Report {
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.doubled <= self.doubled_bound && self.wrong == 0
    }

    pub fn header() -> &'static str {
        "| scenario | in | effects out | lost | doubled | wrong | notes |\n|---|---:|---:|---:|---:|---:|---|"
    }

    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            self.scenario, self.input, self.effects, self.lost, self.doubled, self.wrong, self.note
        )
    }
}

/// A desk on `serve` (one process or more on one data directory) and the double.
pub struct Stack {
    pub api: BotApi,
    pub token: String,
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    next_update: std::sync::atomic::AtomicI64,
}

fn desk_chat() -> Value {
    json!({"id": DESK, "type": "supergroup", "title": "Fault desk", "is_forum": true})
}

impl Stack {
    /// The double and a data directory; `serve` is started with [`Stack::serve`].
    pub async fn new(extra_env: &[(&str, &str)]) -> Stack {
        let api = BotApi::start().await;
        let token = api.add_bot(BOT, "fault_bot");
        api.set_member(DESK, ADMIN, "administrator");
        let mut env: Vec<(String, String)> = vec![
            ("TELEGRAM_API_BASE".into(), api.base_url.clone()),
            ("TELEGRAM_BOT_TOKEN".into(), token.clone()),
            (
                "TELEDESK_PUBLIC_URL".into(),
                "https://faults.example.test".into(),
            ),
            ("TELEGRAM_WEBHOOK_SECRET".into(), SECRET.into()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        Stack {
            api,
            token,
            dir: tempfile::tempdir().expect("temp dir"),
            env,
            next_update: std::sync::atomic::AtomicI64::new(1),
        }
    }

    /// A `serve` process on the stack's data directory (several may run at once).
    pub async fn serve(&self) -> Serve {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Serve::start(self.dir.path(), &env).await
    }

    pub fn update(&self, kind: &str, body: Value) -> Value {
        let id = self
            .next_update
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        json!({"update_id": id, kind: body})
    }

    /// Makes the forum group the desk, with an operator's setup code, through `serve`.
    pub async fn set_up_desk(&self, serve: &Serve) {
        let me = json!({"id": BOT, "is_bot": true, "first_name": "b"});
        let admin = json!({"id": ADMIN, "is_bot": false, "first_name": "A"});
        let added = self.update(
            "my_chat_member",
            json!({"chat": desk_chat(), "from": admin, "date": 1_790_000_000,
                "old_chat_member": {"status": "left", "user": me},
                "new_chat_member": {"status": "administrator", "user": me, "can_be_edited": false,
                    "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
                    "can_manage_video_chats": false, "can_restrict_members": false,
                    "can_promote_members": false, "can_change_info": false, "can_invite_users": true,
                    "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
                    "can_manage_topics": true}}),
        );
        assert_eq!(post(serve, &added).await, 200);
        let code = serve.cli(&["desks", "setup-code"]);
        let setup = self.update(
            "message",
            json!({"message_id": 1, "date": 1_790_000_000, "chat": desk_chat(), "from": admin,
                   "text": format!("/setup_desk {}", code.trim()),
                   "entities": [{"type": "bot_command", "offset": 0, "length": 11}]}),
        );
        assert_eq!(post(serve, &setup).await, 200);
        let api = self.api.clone();
        assert!(
            crate::eventually(Duration::from_secs(30), || {
                let api = api.clone();
                async move {
                    api.sent_texts(DESK)
                        .iter()
                        .any(|t| t.contains("is now the support desk"))
                }
            })
            .await,
            "the desk was not set up:\n{}",
            serve.output()
        );
    }

    /// The customers' messages, as updates (each text unique: `c<customer>-m<n>`).
    pub fn messages(&self, scale: Scale) -> Vec<Value> {
        let mut out = Vec::new();
        for n in 0..scale.messages {
            for c in 0..scale.customers {
                let user = CUSTOMER0 + c as i64;
                out.push(self.update(
                    "message",
                    json!({"message_id": 10 + n, "date": 1_790_000_000,
                        "chat": {"id": user, "type": "private", "first_name": "C"},
                        "from": {"id": user, "is_bot": false, "first_name": "C"},
                        "text": text(c, n)}),
                ));
            }
        }
        out
    }

    /// Messages parked in the dead-letter queues (a parked update is counted as lost too: its
    /// copy was never made).
    pub async fn parked(&self) -> i64 {
        use teledesk_ports::queue::{EVENTS_DLQ, JOBS_DLQ, UPDATES_DLQ, teledesk_queues};
        let emb = teledesk_embedded::Embedded::open(self.dir.path(), teledesk_queues()).unwrap();
        let mut n = 0;
        for q in [UPDATES_DLQ, JOBS_DLQ, EVENTS_DLQ] {
            n += emb.queue.depth(q).await.unwrap();
        }
        n
    }

    /// Tickets opened and copies of each message in the desk, against what was sent.
    pub fn count(&self, scenario: &'static str, scale: Scale, note: String) -> Report {
        let topics = self
            .api
            .calls_of("createForumTopic")
            .iter()
            .filter(|c| c.ok && c.params["chat_id"] == DESK)
            .count() as u64;
        let mut copies: HashMap<String, u64> = HashMap::new();
        for c in self.api.calls_of("sendMessage") {
            if c.ok
                && c.params["chat_id"] == DESK
                && c.params["message_thread_id"].is_i64()
                && let Some(t) = c.params["text"].as_str()
                && let Some(m) = t.split_whitespace().last()
                && m.starts_with('c')
                && m.contains("-m")
            {
                *copies.entry(m.to_owned()).or_default() += 1;
            }
        }
        let expected: Vec<String> = (0..scale.customers)
            .flat_map(|c| (0..scale.messages).map(move |n| text(c, n)))
            .collect();
        let lost = expected.iter().filter(|t| !copies.contains_key(*t)).count() as u64
            + (scale.customers as u64).saturating_sub(topics);
        let doubled = copies.values().map(|n| n.saturating_sub(1)).sum::<u64>()
            + topics.saturating_sub(scale.customers as u64);
        Report {
            scenario,
            input: expected.len() as u64,
            effects: copies.values().sum::<u64>() + topics,
            lost,
            doubled,
            wrong: 0,
            doubled_bound: 0,
            note: format!("{topics} tickets; {note}"),
        }
    }
}

fn text(customer: usize, n: usize) -> String {
    format!("c{customer}-m{n}")
}

/// Posts an update to a server's webhook; the status (0 when the request failed).
pub async fn post(serve: &Serve, update: &Value) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/telegram/{BOT}", serve.base_url))
        .header("content-type", "application/json")
        .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
        .body(update.to_string())
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn settle(serve: &Serve, what: &str) {
    // Long enough for the longest retry delay a message can reach in these scenarios (a third
    // failed attempt waits 80 s, a fourth 320 s).
    assert!(
        serve.settled(Duration::from_secs(420)).await,
        "{what}: serve did not finish its queues:\n{}",
        serve.output()
    );
}

/// Every update delivered 2–3 times (as Telegram re-sends), to two `serve` processes working on
/// one data directory (two workers taking the same queues), some copies at the same moment.
pub async fn duplicates_and_two_workers(scale: Scale) -> Report {
    let stack = Stack::new(&[]).await;
    let a = stack.serve().await;
    stack.set_up_desk(&a).await;
    let b = stack.serve().await;
    let updates = stack.messages(scale);
    let mut posts = 0u64;
    for (i, u) in updates.iter().enumerate() {
        let first = if i % 2 == 0 { &a } else { &b };
        let second = if i % 2 == 0 { &b } else { &a };
        // Two at once, then (for every other update) a late third.
        let (x, y) = tokio::join!(post(first, u), post(second, u));
        assert_eq!((x, y), (200, 200));
        posts += 2;
        if i % 2 == 0 {
            assert_eq!(post(second, u).await, 200);
            posts += 1;
        }
    }
    settle(&a, "duplicates").await;
    settle(&b, "duplicates").await;
    let parked = stack.parked().await;
    stack.count(
        "every update delivered 2–3 times, to two workers on one data directory",
        scale,
        format!(
            "{posts} webhook posts of {} updates; {parked} parked in DLQs",
            updates.len()
        ),
    )
}

/// `serve` killed (SIGKILL) in the middle of its work, then started again on the same data.
pub async fn killed_mid_batch(scale: Scale) -> Report {
    let stack = Stack::new(&[]).await;
    let mut a = stack.serve().await;
    stack.set_up_desk(&a).await;
    let updates = stack.messages(scale);
    // Everything queued first (Telegram holds every send back meanwhile), so the kill falls in the
    // middle of the work: once a third of the copies went out.
    stack
        .api
        .fail_always("sendMessage", bot_api::too_many_requests(1));
    post_all(&a, &updates).await;
    stack.api.heal();
    let third = (updates.len() / 3).max(1);
    let copies = |api: &BotApi| {
        api.calls_of("sendMessage")
            .iter()
            .filter(|c| {
                c.ok && c.params["chat_id"] == DESK && c.params["message_thread_id"].is_i64()
            })
            .count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while copies(&stack.api) < third && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    a.kill();
    let before = copies(&stack.api);
    let b = stack.serve().await;
    settle(&b, "after the restart").await;
    let parked = stack.parked().await;
    let mut r = stack.count(
        "serve killed with SIGKILL mid-batch, restarted on the same data",
        scale,
        format!(
            "killed after {before} of {} copies; {parked} parked in DLQs",
            updates.len()
        ),
    );
    // A send Telegram received but whose answer the killed process never recorded is made again
    // when its update comes back: Telegram has no idempotency key. Each update in flight has one
    // send in flight at most, and `serve` handles one batch of at most 10 updates at a time.
    r.doubled_bound = IN_FLIGHT_UPDATES;
    r
}

/// The most updates `serve` has in flight at once (one batch of its `updates` consumer).
pub const IN_FLIGHT_UPDATES: u64 = 10;

/// Posts updates to a server, 16 at a time (as Telegram delivers to a webhook in parallel).
async fn post_all(serve: &Serve, updates: &[Value]) {
    use futures::StreamExt;
    let statuses: Vec<u16> = futures::stream::iter(updates)
        .map(|u| post(serve, u))
        .buffered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

/// Telegram answering 429 (retry_after 1) or a 5xx to 30 % of the calls for 5 seconds while the
/// messages arrive, then healthy.
pub async fn flaky_telegram(scale: Scale) -> Report {
    let stack = Stack::new(&[]).await;
    let a = stack.serve().await;
    stack.set_up_desk(&a).await;
    stack.api.flaky(
        0.3,
        vec![
            bot_api::too_many_requests(1),
            bot_api::error(500, "Internal Server Error"),
            bot_api::error(502, "Bad Gateway"),
        ],
        42,
    );
    // Healthy again 5 s after the fault began, however long the messages take to arrive.
    let api = stack.api.clone();
    let healer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let failed = api.flaky_failures();
        api.heal();
        failed
    });
    post_all(&a, &stack.messages(scale)).await;
    let failed = healer.await.unwrap();
    settle(&a, "flaky Telegram").await;
    let parked = stack.parked().await;
    stack.count(
        "Telegram answers 429 or 5xx to 30 % of calls for 5 s",
        scale,
        format!("{failed} calls failed by the double; {parked} parked in DLQs"),
    )
}

/// A webhook receiver on loopback that fails half of the deliveries (500, chosen by a seeded
/// generator) for its first 20 seconds, and counts the events it acknowledged.
#[derive(Clone, Default)]
struct FlakyReceiver {
    /// webhook-id → how often it was answered 2xx; and every message text seen answered 2xx.
    acked: Arc<Mutex<HashMap<String, u64>>>,
    texts: Arc<Mutex<HashMap<String, u64>>>,
    requests: Arc<Mutex<u64>>,
    rng: Arc<Mutex<u64>>,
    fail_until: Option<tokio::time::Instant>,
}

impl FlakyReceiver {
    async fn start() -> (FlakyReceiver, String) {
        let r = FlakyReceiver {
            rng: Arc::new(Mutex::new(0x9E37_79B9_7F4A_7C15)),
            fail_until: Some(tokio::time::Instant::now() + Duration::from_secs(20)),
            ..Default::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let state = state.clone();
                    async move {
                        *state.requests.lock().unwrap() += 1;
                        let failing = state
                            .fail_until
                            .is_some_and(|t| tokio::time::Instant::now() < t);
                        let fail = failing && {
                            let mut x = state.rng.lock().unwrap();
                            *x ^= *x << 13;
                            *x ^= *x >> 7;
                            *x ^= *x << 17;
                            (*x).is_multiple_of(2)
                        };
                        if fail {
                            return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                        }
                        let id = headers["webhook-id"]
                            .to_str()
                            .unwrap_or_default()
                            .to_owned();
                        *state.acked.lock().unwrap().entry(id).or_default() += 1;
                        let event: Value = serde_json::from_slice(&body).unwrap_or_default();
                        if event["type"] == "message.sent"
                            && let Some(t) = event["data"]["message"]["text"].as_str()
                        {
                            *state.texts.lock().unwrap().entry(t.to_owned()).or_default() += 1;
                        }
                        axum::http::StatusCode::OK
                    }
                },
            ),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }
}

/// Every customer message's `message.sent` event delivered to a receiver that fails half of the
/// deliveries for 20 s: each event acknowledged once. (A receiver failing half of the deliveries
/// for good would see about one delivery in a thousand fail all ten attempts of the ~3-day
/// schedule: `failed`, kept in the log for `POST …/recover`.)
pub async fn flaky_receiver(scale: Scale) -> Report {
    let stack = Stack::new(&[
        ("TELEDESK_WEBHOOK_ALLOWLIST", "127.0.0.1"),
        // Retries 1,000 times sooner: 5 ms, 0.3 s, 1.8 s, …
        ("TELEDESK_WEBHOOK_RETRY_SCALE", "0.001"),
    ])
    .await;
    let a = stack.serve().await;
    stack.set_up_desk(&a).await;
    let (rx, url) = FlakyReceiver::start().await;
    let key = a.cli(&["api-keys", "create", "--scopes", "admin"]);
    let created = reqwest::Client::new()
        .post(format!("{}/api/v1/webhooks", a.base_url))
        .bearer_auth(key.trim())
        .json(&json!({"url": url, "event_types": ["message.sent"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    post_all(&a, &stack.messages(scale)).await;
    settle(&a, "flaky receiver").await;
    let texts = rx.texts.lock().unwrap().clone();
    let acked = rx.acked.lock().unwrap().clone();
    let expected: Vec<String> = (0..scale.customers)
        .flat_map(|c| (0..scale.messages).map(move |n| text(c, n)))
        .collect();
    let customer_texts: Vec<&String> = texts.keys().filter(|t| expected.contains(t)).collect();
    let lost = expected.iter().filter(|t| !texts.contains_key(*t)).count() as u64;
    let doubled = acked.values().map(|n| n.saturating_sub(1)).sum::<u64>()
        + customer_texts
            .iter()
            .map(|t| texts[*t].saturating_sub(1))
            .sum::<u64>();
    let requests = *rx.requests.lock().unwrap();
    Report {
        scenario: "a webhook receiver fails 50 % of deliveries for 20 s",
        input: expected.len() as u64,
        effects: customer_texts.iter().map(|t| texts[*t]).sum(),
        lost,
        doubled,
        wrong: 0,
        doubled_bound: 0,
        note: format!(
            "{requests} POSTs to the receiver, {} answered 2xx",
            acked.values().sum::<u64>()
        ),
    }
}

/// Malformed, oversized, unsigned, wrongly signed and unknown-bot webhooks: each refused with a
/// 4xx, and none changes anything (no queued update, no Telegram call, no state).
pub async fn bad_webhooks(scale: Scale) -> Report {
    let stack = Stack::new(&[]).await;
    let a = stack.serve().await;
    stack.set_up_desk(&a).await;
    assert!(a.settled(Duration::from_secs(30)).await);
    let calls_before = stack.api.calls().len();
    let client = reqwest::Client::new();
    let valid = stack.messages(Scale {
        customers: 1,
        messages: 1,
    })[0]
        .to_string();
    let big = format!(
        r#"{{"update_id": 9, "message": {{"text": "{}"}}}}"#,
        "x".repeat(1024 * 1024 + 10)
    );
    let cases: Vec<(String, Option<&str>, String, u16)> = vec![
        (BOT.to_string(), Some(SECRET), "{not json".into(), 400),
        (
            BOT.to_string(),
            Some(SECRET),
            r#"{"no_update_id": 1}"#.into(),
            400,
        ),
        (BOT.to_string(), Some(SECRET), big, 413),
        (BOT.to_string(), Some("wrong-secret"), valid.clone(), 403),
        (BOT.to_string(), None, valid.clone(), 403),
        ("7300002".into(), Some(SECRET), valid.clone(), 404),
        ("not-a-bot".into(), Some(SECRET), valid.clone(), 404),
    ];
    let rounds = (scale.customers * scale.messages / cases.len()).max(3);
    let (mut sent, mut refused_as_expected) = (0u64, 0u64);
    for _ in 0..rounds {
        for (bot, secret, body, want) in &cases {
            let mut req = client
                .post(format!("{}/telegram/{bot}", a.base_url))
                .header("content-type", "application/json")
                .body(body.clone());
            if let Some(s) = secret {
                req = req.header("X-Telegram-Bot-Api-Secret-Token", *s);
            }
            let status = req.send().await.map(|r| r.status().as_u16()).unwrap_or(0);
            sent += 1;
            if status == *want {
                refused_as_expected += 1;
            }
        }
    }
    assert!(a.settled(Duration::from_secs(30)).await);
    let emb =
        teledesk_embedded::Embedded::open(&a.data_dir, teledesk_ports::queue::teledesk_queues())
            .unwrap();
    let marker = teledesk_ports::Table::get(
        emb.table.as_ref(),
        &format!("UPD#{BOT}"),
        &format!("{:015}", 9),
    )
    .await
    .unwrap();
    let changes = (stack.api.calls().len() - calls_before) as u64 + u64::from(marker.is_some());
    Report {
        scenario: "malformed, oversized, unsigned, wrong-secret and unknown-bot webhooks",
        input: sent,
        effects: changes,
        lost: 0,
        doubled: 0,
        wrong: (sent - refused_as_expected) + changes,
        doubled_bound: 0,
        note: format!(
            "{refused_as_expected} of {sent} refused with the expected 400/403/404/413; effects: Telegram calls and stored updates after them"
        ),
    }
}

/// Another workspace's admin key on every API route, with this workspace's ids in the path: each
/// is a 404, no listing shows this workspace's data, and nothing of it changes. In process, on the
/// router `serve` and the api Lambda serve (`http::api_router`).
pub async fn foreign_workspace_ids() -> Report {
    use crate::desk::{ALICE, BOT_ID, DESK, DeskEnv, api};
    let env = DeskEnv::ready().await;
    let own = teledesk_app::api::api_keys::create(
        &env.deps,
        "default",
        "own",
        &["admin".into()],
        None,
        None,
    )
    .await
    .unwrap()
    .1;
    let spare = teledesk_app::api::api_keys::create(
        &env.deps,
        "default",
        "spare",
        &["tickets:read".into()],
        None,
        None,
    )
    .await
    .unwrap()
    .0;
    let stranger = teledesk_app::api::api_keys::create(
        &env.deps,
        "acme",
        "stranger",
        &["admin".into()],
        None,
        None,
    )
    .await
    .unwrap()
    .1;
    // This workspace's resources, one of each.
    env.deliver(env.command(DESK, None, ALICE, "/create_ticket Private matter"))
        .await;
    let ticket = env.tickets().await.pop().unwrap();
    let ticket_id = ticket["ticket_id"].as_str().unwrap().to_owned();
    let (_, hook) = api(
        &env,
        &own,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": "https://hooks.example.com/own", "description": "own"})),
    )
    .await;
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    teledesk_app::webhooks::deliver_to(
        &env.deps,
        &teledesk_app::webhooks::get_endpoint(&env.deps, "default", &hook_id)
            .await
            .unwrap()
            .unwrap(),
        &json!({"id": "evt_own", "type": "ticket.created", "workspace": "default", "data": {}}),
    )
    .await;
    let (_, recovery) = api(
        &env,
        &own,
        "POST",
        &format!("/api/v1/webhooks/{hook_id}/recover"),
        Some(json!({"since": 0, "dry_run": true})),
    )
    .await;
    let (_, source) = api(
        &env,
        &own,
        "POST",
        "/api/v1/channel-sources",
        Some(json!({"channel": "own_channel", "schedule_minutes": 15})),
    )
    .await;
    let source_id = source["id"].as_str().unwrap().to_owned();
    teledesk_app::listings::seed::seed(&env.deps, "default")
        .await
        .unwrap();
    let (_, listings) = api(&env, &own, "GET", "/api/v1/listings?limit=1", None).await;
    let listing_id = listings["data"][0]["id"].as_str().unwrap().to_owned();
    let car = teledesk_app::scenarios::read_file(include_str!(
        "../../examples/scenarios/car_request.yaml"
    ))
    .unwrap();
    let (s, _) = api(&env, &own, "POST", "/api/v1/scenarios", Some(car)).await;
    assert_eq!(s, 201);
    let form = json!({"scenario": "car_request", "consent_at": 1_790_000_000,
        "answers": {"make": "bmw", "model": "X5", "year_from": 2019, "year_to": 2022,
                    "currency": "EUR", "budget": 40_000, "city": {"city": "Lviv"}, "phone": "+48601234567"}});
    let (s, lead) = api(&env, &own, "POST", "/api/v1/leads", Some(form)).await;
    assert_eq!(s, 201, "{lead}");
    let lead_id = lead["id"].as_str().unwrap().to_owned();
    let (s, request) = api(
        &env,
        &own,
        "POST",
        "/api/v1/requests",
        Some(json!({"make": "Audi", "city": "Kyiv"})),
    )
    .await;
    assert_eq!(s, 201, "{request}");
    let request_id = request["id"].as_str().unwrap().to_owned();
    // A dealer, and an offer of theirs on the request (published through the store).
    let (s, dealer) = api(
        &env,
        &own,
        "POST",
        "/api/v1/dealers",
        Some(json!({"user_id": 4242, "name": "Dana"})),
    )
    .await;
    assert_eq!(s, 201, "{dealer}");
    let dealer_id = dealer["id"].as_str().unwrap().to_owned();
    let offer_id = {
        use teledesk_app::requests::{offers, store};
        let table = env.deps.table.as_ref();
        let r = store::get(table, "default", &request_id)
            .await
            .unwrap()
            .unwrap();
        let mut p = r.clone();
        p.status = "published".into();
        let r = store::save(table, &r, p, "test", "test").await.unwrap();
        let o = offers::Offer {
            id: offers::offer_id("isolation"),
            workspace: "default".into(),
            request_id: request_id.clone(),
            dealer_id: dealer_id.clone(),
            dealer_user_id: 4242,
            bot_id: BOT_ID.to_string(),
            price: 100,
            currency: "EUR".into(),
            year: None,
            mileage: None,
            description: None,
            photos: Vec::new(),
            listing_id: None,
            valid_until: None,
            status: "submitted".into(),
            history: Vec::new(),
            created_at: 1,
            updated_at: 1,
            version: 1,
        };
        offers::submit(table, &r, o, "test", "test")
            .await
            .unwrap()
            .offer
            .id
    };
    let ids: Vec<String> = vec![
        offer_id.clone(),
        dealer_id.clone(),
        request_id.clone(),
        lead_id.clone(),
        "car_request".into(),
        ticket_id.clone(),
        hook_id.clone(),
        source_id.clone(),
        listing_id.clone(),
        spare.id.clone(),
    ];

    let doc: Value = serde_json::from_str(&teledesk_app::api::openapi::document()).unwrap();
    let (mut requests, mut wrong, mut notes) = (0u64, 0u64, Vec::new());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            if !path.contains('{') {
                // A listing of the other workspace shows none of this one.
                if m == "GET" && path.starts_with("/api/v1/") {
                    requests += 1;
                    let (s, body) = api(&env, &stranger, "GET", path, None).await;
                    let text = body.to_string();
                    if s != 200 || ids.iter().any(|id| text.contains(id.as_str())) {
                        wrong += 1;
                        notes.push(format!("GET {path}: {s}"));
                    }
                }
                continue;
            }
            let kind = path.split('/').nth(3).unwrap_or_default();
            let concrete = path
                .replace("{bot_id}", &BOT_ID.to_string())
                .replace("{chat_id}", &DESK.to_string())
                .replace("{user_id}", &ALICE.to_string())
                .replace("{event_id}", "evt_own")
                .replace("{recovery_id}", recovery["id"].as_str().unwrap_or("rec"))
                .replace("{key}", "car_request")
                .replace(
                    "{id}",
                    match kind {
                        "tickets" => &ticket_id,
                        "webhooks" => &hook_id,
                        "channel-sources" => &source_id,
                        "listings" => &listing_id,
                        "keys" => &spare.id,
                        "leads" => &lead_id,
                        "requests" => &request_id,
                        "offers" => &offer_id,
                        "dealers" => &dealer_id,
                        other if path.contains("{id}") => {
                            panic!("no id for the resource kind `{other}` of {path}")
                        }
                        _ => "",
                    },
                );
            assert!(!concrete.contains('{'), "no id for {path}");
            // A body the route would take, so that only the ownership check can refuse it.
            let body = match (m.as_str(), path.as_str()) {
                ("PUT", "/api/v1/tickets/{id}") => Some(json!({"priority": "urgent"})),
                ("POST", "/api/v1/tickets/{id}/messages") => Some(json!({"text": "leak?"})),
                ("POST", "/api/v1/tickets/{id}/mention") => Some(json!({"username": "alice_a"})),
                ("PUT", "/api/v1/webhooks/{id}") => Some(json!({"description": "taken"})),
                ("PUT", "/api/v1/leads/{id}") => Some(json!({"status": "spam"})),
                ("PUT", "/api/v1/requests/{id}") => Some(json!({"city": "Lviv"})),
                ("POST", "/api/v1/requests/{id}/close") => Some(json!({"offer_id": offer_id})),
                ("PUT", "/api/v1/offers/{id}") => Some(json!({"price": 1})),
                ("PUT", "/api/v1/dealers/{id}") => Some(json!({"status": "blocked"})),
                ("POST", "/api/v1/webhooks/{id}/recover") => Some(json!({"since": 0})),
                ("PUT", "/api/v1/channel-sources/{id}") => Some(json!({"schedule_minutes": 999})),
                ("POST", "/api/v1/channel-sources/{id}/parse-range") => {
                    Some(json!({"from": 0, "to": 86_400}))
                }
                ("POST", "/api/v1/bots/{bot_id}/webhook") => {
                    Some(json!({"url": "https://evil.example.com"}))
                }
                ("POST", _) => Some(json!({})),
                _ => None,
            };
            requests += 1;
            let (s, answer) = api(&env, &stranger, &m, &concrete, body).await;
            if s != 404 {
                wrong += 1;
                notes.push(format!("{m} {path}: {s} {answer}"));
            }
        }
    }
    // Nothing of this workspace changed.
    let t = env.ticket(&ticket_id).await;
    let (_, h) = api(
        &env,
        &own,
        "GET",
        &format!("/api/v1/webhooks/{hook_id}"),
        None,
    )
    .await;
    let (_, src) = api(
        &env,
        &own,
        "GET",
        &format!("/api/v1/channel-sources/{source_id}"),
        None,
    )
    .await;
    let (_, own_lead) = api(&env, &own, "GET", &format!("/api/v1/leads/{lead_id}"), None).await;
    let (_, own_scenario) = api(&env, &own, "GET", "/api/v1/scenarios/car_request", None).await;
    let (_, own_request) = api(
        &env,
        &own,
        "GET",
        &format!("/api/v1/requests/{request_id}"),
        None,
    )
    .await;
    let (_, own_offer) = api(
        &env,
        &own,
        "GET",
        &format!("/api/v1/offers/{offer_id}"),
        None,
    )
    .await;
    let (_, own_dealer) = api(
        &env,
        &own,
        "GET",
        &format!("/api/v1/dealers/{dealer_id}"),
        None,
    )
    .await;
    let (_, keys) = api(&env, &own, "GET", "/api/v1/keys", None).await;
    let spare_revoked = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["id"] == spare.id.as_str() && !k["revoked_at"].is_null());
    let changes = [
        t["priority"] != "normal" || t["status"] != "open",
        h["description"] != "own",
        src["schedule_minutes"] != 15,
        own_lead["status"] != "new",
        own_scenario["status"] != "active",
        own_request["city"] != "Kyiv",
        own_request["status"] != "has_offers",
        own_offer["status"] != "submitted" || own_offer["price"] != 100,
        own_dealer["status"] != "approved",
        // Nothing converted the lead.
        own_lead["status"] != "new",
        spare_revoked,
        env.api.webhook(&env.token).0.contains("evil"),
        env.item("STAFF#default", &ALICE.to_string())
            .await
            .is_none(),
    ]
    .iter()
    .filter(|c| **c)
    .count() as u64;
    if changes > 0 {
        notes.push(format!("{changes} of this workspace's resources changed"));
    }
    Report {
        scenario: "another workspace's key with this workspace's ids, on every API route",
        input: requests,
        effects: changes,
        lost: 0,
        doubled: 0,
        wrong: wrong + changes,
        doubled_bound: 0,
        note: if notes.is_empty() {
            "every id route 404, no listing shows this workspace's data, nothing changed".into()
        } else {
            notes.join("; ")
        },
    }
}
