//! Webhook deliveries per second of one fan-out process, and its CPU per delivery: `events` queue
//! pre-filled with N domain events for E endpoints, then `serve`'s events consumer
//! (`fanout::pump`) on embedded storage delivers them, signed, to a loopback receiver that runs in
//! a child process (so that the CPU measured is the fan-out's alone: queue, table, signing, HTTP).
//!
//! cargo run --release -p teledesk-e2e --example webhook_load -- 5000 1
//! (N events, E endpoints: N × E deliveries)

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use teledesk_app::webhooks::{self, SecretEntry, WebhookEndpoint};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("receiver") {
        return receiver();
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let endpoints: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("receiver")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the receiver");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = format!("http://{}", line.trim());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let emb =
            teledesk_embedded::Embedded::open(dir.path(), teledesk_ports::queue::teledesk_queues())
                .unwrap();
        let deps = teledesk_app::Deps::new(
            emb.table.clone(),
            emb.queue.clone(),
            emb.files.clone(),
            Arc::new(teledesk_e2e::null_telegram::NullConnector::default()),
            teledesk_app::config::Config {
                webhook_allowlist: teledesk_app::webhooks::guard::AllowList::parse("127.0.0.1"),
                ..Default::default()
            }
            .shared(),
        );
        for i in 0..endpoints {
            let now = teledesk_ports::now_secs();
            let e = WebhookEndpoint {
                id: format!("whe_load{i}"),
                workspace: "default".into(),
                url: format!("{base}/hook/{i}"),
                description: String::new(),
                event_types: vec![],
                filter: None,
                template: None,
                rate_limit: None,
                enabled: true,
                secrets: vec![SecretEntry {
                    secret: webhooks::sign::new_secret(),
                    created_at: now,
                    retire_at: None,
                }],
                created_at: now,
                updated_at: now,
                failing_since: None,
                disabled_reason: None,
                version: 0,
            };
            webhooks::save_endpoint(&deps, &e).await.unwrap();
        }
        for i in 0..n {
            teledesk_app::events::emit(
                &deps,
                "message.sent",
                &format!("load-{i}"),
                "default",
                "",
                json!({"ticket_id": "TICK-LOAD", "message": {"text": "hello from the load tool", "n": i}}),
            )
            .await
            .unwrap();
        }
        let client = reqwest::Client::new();
        let count = || {
            let client = client.clone();
            let url = format!("{base}/count");
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            }
        };
        let want = n * endpoints;
        let (stop, rx) = tokio::sync::watch::channel(false);
        let cpu0 = teledesk_e2e::process_cpu_time();
        let t0 = Instant::now();
        let pump = tokio::spawn(teledesk_app::fanout::pump(
            deps.clone(),
            Duration::from_secs(30),
            teledesk_app::fanout::PUMP_IN_FLIGHT,
            rx,
        ));
        loop {
            let got = count().await;
            if got >= want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let wall = t0.elapsed();
        let cpu = teledesk_e2e::process_cpu_time() - cpu0;
        stop.send(true).unwrap();
        pump.await.unwrap();
        println!(
            "{want} deliveries ({n} events x {endpoints} endpoints) in {:.2} s: {:.0} deliveries/s, \
             CPU {:.0} us per delivery ({:.2} cores busy)",
            wall.as_secs_f64(),
            want as f64 / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / want as f64,
            cpu.as_secs_f64() / wall.as_secs_f64()
        );
    });
    let _ = child.kill();
    let _ = child.wait();
}

/// The loopback receiver: 200 to every POST, `GET /count` says how many it took.
fn receiver() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let got = Arc::new(AtomicU64::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        let g = got.clone();
        let c = got.clone();
        let app = axum::Router::new()
            .route(
                "/hook/{n}",
                axum::routing::post(move || {
                    g.fetch_add(1, Ordering::Relaxed);
                    async { "ok" }
                }),
            )
            .route(
                "/count",
                axum::routing::get(move || {
                    let v = c.load(Ordering::Relaxed).to_string();
                    async move { v }
                }),
            );
        axum::serve(listener, app).await.unwrap();
    });
}
