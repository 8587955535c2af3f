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
use teledesk_e2e::load::{self, LoadDesk, pct};

const BOT: i64 = 9_100_001;
const DESK: i64 = -1_009_000_000_001;

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

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tickets: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let per_ticket: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10);
    let round_ms: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);

    let d = LoadDesk::start(BOT, DESK).await;
    let api = &d.api;
    let post = |kind: &str, body: Value| d.post(kind, body);
    let wait = |what: &'static str, done: &dyn Fn() -> bool| load::wait(what, done);

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
    drop(d);
}
