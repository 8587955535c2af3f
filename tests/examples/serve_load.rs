//! Sustained updates per second through `teledesk serve` (release build) against a zero-latency Bot
//! API double: webhook POSTs from many chats at a fixed concurrency, until every update is answered.
//!
//! cargo build --release -p teledesk-cli
//! TELEDESK_BIN=target/release/teledesk cargo run --release -p teledesk-e2e --example serve_load -- 5000 32

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use teledesk_e2e::bot_api::BotApi;
use teledesk_e2e::serve::Serve;

const SECRET: &str = "load-test-secret";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let updates: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(32);
    let chats: i64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(500);

    let api = BotApi::start().await;
    let token = api.add_bot(9_000_001, "load_bot");
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
    let url = format!("{}/telegram/9000001", serve.base_url);
    let client = reqwest::Client::new();

    let start = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(1..=updates)
        .map(|id| {
            let chat = 10_000 + id % chats;
            let body = json!({"update_id": id, "message": {"message_id": id, "date": 1_790_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "Load"},
                "from": {"id": chat, "is_bot": false, "first_name": "Load"},
                "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})
            .to_string();
            let req = client
                .post(&url)
                .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                .body(body)
                .send();
            async move { req.await.map(|r| r.status().as_u16()).unwrap_or(0) }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let ingested = start.elapsed();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "some webhook requests failed"
    );

    let want = updates as usize;
    let mut last = 0;
    loop {
        let sent = api.calls_of("sendMessage").iter().filter(|c| c.ok).count();
        if sent >= want {
            break;
        }
        if start.elapsed() > Duration::from_secs(600) {
            panic!("only {sent} of {want} answered after 10 minutes");
        }
        if sent != last {
            last = sent;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = start.elapsed();
    println!("updates {updates}, concurrency {concurrency}, chats {chats}");
    println!(
        "ingest (webhook 200s): {:.2} s = {:.0} updates/s",
        ingested.as_secs_f64(),
        updates as f64 / ingested.as_secs_f64()
    );
    println!(
        "end to end (all answered): {:.2} s = {:.0} updates/s",
        done.as_secs_f64(),
        updates as f64 / done.as_secs_f64()
    );
    assert!(api.violations().is_empty(), "{:?}", api.violations());
}
