//! Support-desk latency through `teledesk serve` (release build) against a zero-latency Bot API
//! double: 100 customers open tickets, then every ticket gets 10 messages (customer → topic and
//! staff → customer, staff being members of a 1,000-member desk group), all tickets at once. For each
//! message it reports the time from the webhook request to the copy reaching the Bot API.
//!
//! cargo build --release -p teledesk-cli
//! TELEDESK_BIN=target/release/teledesk cargo run --release -p teledesk-e2e --example desk_load -- 100 10 1000
//! (tickets, messages per ticket, ms per round in which every ticket sends one message)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use teledesk_e2e::bot_api::BotApi;
use teledesk_e2e::serve::Serve;

const SECRET: &str = "desk-load-secret";
const BOT: i64 = 9_100_001;
const DESK: i64 = -1_009_000_000_001;
const ADMIN: i64 = 77;

fn desk_chat() -> Value {
    json!({"id": DESK, "type": "supergroup", "title": "Load desk", "is_forum": true})
}

fn private(user: i64, id: i64, text: &str) -> Value {
    json!({"message_id": id, "date": 1_790_000_000, "chat": {"id": user, "type": "private", "first_name": "Cust"},
           "from": {"id": user, "is_bot": false, "first_name": "Cust"}, "text": text})
}

fn in_topic(member: i64, id: i64, thread: i64, text: &str) -> Value {
    json!({"message_id": id, "date": 1_790_000_000, "chat": desk_chat(), "message_thread_id": thread,
           "is_topic_message": true, "from": {"id": member, "is_bot": false, "first_name": "Staff"}, "text": text})
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tickets: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let per_ticket: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10);
    let round_ms: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);

    let api = BotApi::start().await;
    let token = api.add_bot(BOT, "desk_load_bot");
    api.set_member(DESK, ADMIN, "administrator");
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(
        dir.path(),
        &[
            ("TELEGRAM_API_BASE", api.base_url.as_str()),
            ("TELEGRAM_BOT_TOKEN", token.as_str()),
            ("TELEDESK_PUBLIC_URL", "https://load.example.test"),
            ("TELEGRAM_WEBHOOK_SECRET", SECRET),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    let url = format!("{}/telegram/{BOT}", serve.base_url);
    let client = reqwest::Client::new();
    let next_update = std::sync::atomic::AtomicI64::new(1);
    let post = |kind: &str, body: Value| {
        let id = next_update.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let u = json!({"update_id": id, kind: body});
        let req = client
            .post(&url)
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .body(u.to_string())
            .send();
        async move {
            let status = req.await.map(|r| r.status().as_u16()).unwrap_or(0);
            assert_eq!(status, 200, "webhook refused an update");
        }
    };
    let wait = |what: &'static str, done: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "timed out: {what}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    // The desk.
    let bot = json!({"id": BOT, "is_bot": true, "first_name": "b"});
    post("my_chat_member", json!({"chat": desk_chat(), "from": {"id": ADMIN, "is_bot": false, "first_name": "A"},
        "date": 1_790_000_000, "old_chat_member": {"status": "left", "user": bot},
        "new_chat_member": {"status": "administrator", "user": bot, "can_be_edited": false, "is_anonymous": false,
            "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": false,
            "can_restrict_members": false, "can_promote_members": false, "can_change_info": false,
            "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
            "can_delete_stories": false, "can_manage_topics": true}})).await;
    post(
        "message",
        json!({"message_id": 1, "date": 1_790_000_000, "chat": desk_chat(),
        "from": {"id": ADMIN, "is_bot": false, "first_name": "A"}, "text": "/setup_desk",
        "entities": [{"type": "bot_command", "offset": 0, "length": 11}]}),
    )
    .await;
    wait("desk set up", &|| {
        api.sent_texts(DESK)
            .iter()
            .any(|t| t.contains("support desk"))
    });

    // 100 customers open tickets; find each ticket's topic from the copy of the first message.
    let customers: Vec<i64> = (0..tickets).map(|i| 500_000 + i).collect();
    futures::stream::iter(
        customers
            .iter()
            .map(|c| post("message", private(*c, 1, &format!("open {c}")))),
    )
    .buffer_unordered(32)
    .collect::<Vec<()>>()
    .await;
    let opened = || {
        let mut thread_of: HashMap<i64, i64> = HashMap::new();
        for call in api.calls_of("sendMessage") {
            if let (true, Some(text), Some(thread)) = (
                call.ok,
                call.params["text"].as_str(),
                call.params["message_thread_id"].as_i64(),
            ) && let Some((_, c)) = text.split_once("\nopen ")
                && let Ok(c) = c.parse::<i64>()
            {
                thread_of.insert(c, thread);
            }
        }
        thread_of
    };
    wait("tickets opened", &|| opened().len() >= tickets as usize);
    let thread_of = opened();
    assert_eq!(
        thread_of.len(),
        tickets as usize,
        "every customer has a ticket topic"
    );

    // The load: every ticket at once, its messages in order; half from the customer, half from
    // one of 1,000 group members.
    let start = Instant::now();
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let mut message_ids: HashMap<i64, String> = HashMap::new();
    let mut posts = Vec::new();
    for (n, c) in customers.iter().enumerate() {
        let thread = thread_of[c];
        for k in 0..per_ticket {
            let marker = format!("m-{c}-{k}");
            if k % 2 == 0 {
                posts.push((
                    marker,
                    "message",
                    private(*c, 10 + k, &format!("customer says m-{c}-{k}")),
                    None,
                ));
            } else {
                let id = 2_000_000 + n as i64 * 100 + k;
                let member = 1_000 + (n as i64 * 7 + k * 13) % 1_000;
                message_ids.insert(id, marker.clone());
                posts.push((
                    marker,
                    "message",
                    in_topic(member, id, thread, &format!("staff says m-{c}-{k}")),
                    Some(id),
                ));
            }
        }
    }
    // Interleave tickets: round k of every ticket before round k+1.
    posts.sort_by_key(|(m, ..)| m.rsplit('-').next().unwrap().parse::<i64>().unwrap());
    // Paced: each round every ticket sends one message, spread evenly over `round_ms`, so each
    // ticket writes once per round (a brisk human conversation) and the desk sees
    // tickets / round_ms messages per millisecond.
    let gap = Duration::from_micros(round_ms * 1000 / tickets as u64);
    let mut pending = Vec::new();
    for (marker, kind, body, _) in posts {
        let at = Instant::now();
        let f = post(kind, body);
        pending.push(tokio::spawn(async move {
            f.await;
            (marker, at)
        }));
        tokio::time::sleep(gap).await;
    }
    let mut stamped = Vec::new();
    for p in pending {
        stamped.push(p.await.expect("post task"));
    }
    sent_at.extend(stamped);
    let total = (tickets * per_ticket) as usize;
    let delivered = || -> HashMap<String, Instant> {
        let mut seen = HashMap::new();
        for call in api.calls() {
            if !call.ok {
                continue;
            }
            let marker = match call.method.as_str() {
                "sendMessage" => call.params["text"]
                    .as_str()
                    .and_then(|t| t.rsplit(' ').next())
                    .map(str::to_owned),
                "copyMessage" => call.params["message_id"]
                    .as_i64()
                    .and_then(|id| message_ids.get(&id).cloned()),
                _ => None,
            };
            if let Some(m) = marker.filter(|m| sent_at.contains_key(m)) {
                seen.entry(m).or_insert(call.at);
            }
        }
        seen
    };
    wait("all copies sent", &|| delivered().len() >= total);
    let elapsed = start.elapsed();
    let seen = delivered();
    let mut lat: Vec<Duration> = sent_at
        .iter()
        .map(|(m, at)| seen[m].saturating_duration_since(*at))
        .collect();
    lat.sort();
    println!(
        "tickets {tickets}, messages per ticket {per_ticket}, total {total} in {:.2} s ({:.0} msg/s)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "update received -> copy sent: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        lat[lat.len() - 1]
    );
    assert!(api.violations().is_empty(), "{:?}", api.violations());
    drop(serve);
}
