//! Scenario steps through `teledesk serve` (release build) against a zero-latency Bot API double:
//! `users` customers each start a conversation and answer `answers` questions (a text step that
//! loops until "stop"), all customers at once. Reports the steps per second and the CPU the
//! `serve` process spent per step (from /proc), and the table operations per step are counted in
//! tests/tests/scenarios.rs.
//!
//! cargo build --release -p teledesk-cli
//! TELEDESK_BIN=target/release/teledesk cargo run --release -p teledesk-e2e --example scenario_load -- 50 40

use std::time::Instant;

use futures::StreamExt;
use serde_json::{Value, json};
use teledesk_e2e::load::{self, LoadDesk};

const BOT: i64 = 9_200_001;
const DESK: i64 = -1_009_200_000_001;

const LOOP: &str = r#"{"key": "bench", "title": "Bench", "done": "Done",
  "steps": [{"id": "note", "type": "text", "text": "Anything else? (stop to end)",
             "next": [{"when": {"step": "note", "equals": "stop"}, "goto": "submit"}, {"goto": "note"}]}]}"#;

fn private(user: i64, id: i64, text: &str) -> Value {
    let mut m = json!({"message_id": id, "date": 1_790_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Cust"},
        "from": {"id": user, "is_bot": false, "first_name": "Cust"}, "text": text});
    if text.starts_with('/') {
        m["entities"] = json!([{"type": "bot_command", "offset": 0, "length": 6}]);
    }
    m
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let users: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let answers: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(40);
    let d = LoadDesk::start(BOT, DESK).await;
    let file = std::env::temp_dir().join(format!("scenario-load-{}.json", std::process::id()));
    std::fs::write(&file, LOOP).unwrap();
    d.serve
        .cli(&["scenarios", "publish", file.to_str().unwrap()]);
    let customers: Vec<i64> = (0..users).map(|i| 700_000 + i).collect();
    let to_customers = |api: &teledesk_e2e::bot_api::BotApi| {
        api.calls_of("sendMessage")
            .iter()
            .filter(|c| c.ok && c.params["chat_id"].as_i64().is_some_and(|c| c >= 700_000))
            .count() as i64
    };
    futures::stream::iter(
        customers
            .iter()
            .map(|c| d.post("message", private(*c, 1, "/start s_bench"))),
    )
    .buffer_unordered(40)
    .collect::<Vec<()>>()
    .await;
    load::wait("every conversation started", || {
        to_customers(&d.api) >= users
    });
    let cpu0 = d.serve.cpu_time();
    let start = Instant::now();
    let mut posts = Vec::new();
    for n in 0..answers {
        for c in &customers {
            posts.push(d.post("message", private(*c, 2 + n, &format!("answer {n}"))));
        }
    }
    futures::stream::iter(posts)
        .buffer_unordered(40)
        .collect::<Vec<()>>()
        .await;
    let steps = users * answers;
    load::wait("every step answered", || {
        to_customers(&d.api) >= users + steps
    });
    let elapsed = start.elapsed();
    let cpu = d.serve.cpu_time() - cpu0;
    println!(
        "users {users}, answers each {answers}: {steps} steps in {:.2} s ({:.0} steps/s)",
        elapsed.as_secs_f64(),
        steps as f64 / elapsed.as_secs_f64()
    );
    println!(
        "serve CPU: {:.2} s in all, {:.0} µs per step (webhook ingest + queue + worker + session + send)",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / steps as f64
    );
    assert!(d.api.violations().is_empty(), "{:?}", d.api.violations());
    let _ = std::fs::remove_file(&file);
}
