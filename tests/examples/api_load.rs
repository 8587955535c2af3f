//! REST API latency and throughput through `teledesk serve` (release build) against a zero-latency
//! Bot API double: `GET /api/v1/tickets/{id}` and `POST /api/v1/tickets/{id}/messages`, each for a
//! number of requests at a fixed concurrency. Latency is the client's, request sent to response read.
//!
//! cargo build --release -p teledesk-cli
//! TELEDESK_BIN=target/release/teledesk cargo run --release -p teledesk-e2e --example api_load -- 5000 8 500

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use teledesk_e2e::load::{LoadDesk, pct};
use teledesk_e2e::serve::teledesk_bin;

const BOT: i64 = 9_200_001;
const DESK: i64 = -1_009_200_000_001;

async fn measure<F, Fut>(name: &str, n: usize, concurrency: usize, one: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let start = Instant::now();
    let results: Vec<(u16, Duration)> = futures::stream::iter(0..n)
        .map(|i| {
            let f = one(i);
            async move {
                let t = Instant::now();
                let status = f.await;
                (status, t.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = start.elapsed();
    let bad: Vec<u16> = results
        .iter()
        .map(|r| r.0)
        .filter(|s| !(200..300).contains(s))
        .collect();
    assert!(
        bad.is_empty(),
        "{name}: {} non-2xx answers, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    let mut lat: Vec<Duration> = results.into_iter().map(|r| r.1).collect();
    lat.sort();
    println!(
        "{name}: {n} requests, concurrency {concurrency}: {:.0} req/s; p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        n as f64 / elapsed.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        lat[lat.len() - 1]
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let gets: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let posts: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(500);

    let d = LoadDesk::start(BOT, DESK).await;
    let out = std::process::Command::new(teledesk_bin())
        .args(["--data-dir"])
        .arg(&d.serve.data_dir)
        .args([
            "api-keys",
            "create",
            "--scopes",
            "admin",
            "--name",
            "load",
            "--rate-limit",
            "100000000",
        ])
        .output()
        .expect("teledesk api-keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let base = d.serve.base_url.clone();
    let client = d.client.clone();

    // 20 tickets made through the API.
    let mut ids = Vec::new();
    for i in 0..20 {
        let r = client
            .post(format!("{base}/api/v1/tickets"))
            .bearer_auth(&key)
            .json(&json!({"title": format!("Load {i}"), "description": "made by api_load"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        ids.push(v["ticket_id"].as_str().unwrap().to_owned());
    }

    let get = |i: usize| {
        let req = client
            .get(format!("{base}/api/v1/tickets/{}", ids[i % ids.len()]))
            .bearer_auth(&key)
            .send();
        async move {
            let r = req.await.unwrap();
            let s = r.status().as_u16();
            let _ = r.bytes().await;
            s
        }
    };
    measure("warm-up GET", 500, concurrency, get).await;
    measure("GET /api/v1/tickets/{id}", gets, concurrency, get).await;
    measure(
        "POST /api/v1/tickets/{id}/messages",
        posts,
        concurrency,
        |i| {
            let req = client
                .post(format!(
                    "{base}/api/v1/tickets/{}/messages",
                    ids[i % ids.len()]
                ))
                .bearer_auth(&key)
                .json(&json!({"text": format!("update {i}")}))
                .send();
            async move {
                let r = req.await.unwrap();
                let s = r.status().as_u16();
                let _ = r.bytes().await;
                s
            }
        },
    )
    .await;
    assert!(d.api.violations().is_empty(), "{:?}", d.api.violations());
}
