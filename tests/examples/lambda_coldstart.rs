//! Time from exec of a Lambda bootstrap to its first Runtime API poll
//! (`GET /2018-06-01/runtime/invocation/next`), against a local Runtime API stand-in.
//!
//! cargo run --release -p teledesk-e2e --example lambda_coldstart -- target/release/telegram-webhook 30

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use tokio::sync::Notify;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bootstrap = args
        .get(1)
        .expect("usage: lambda_coldstart <bootstrap> [runs]")
        .clone();
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20);

    let polled = Arc::new(Notify::new());
    let app = axum::Router::new().route(
        "/2018-06-01/runtime/invocation/next",
        get({
            let polled = polled.clone();
            move || async move {
                polled.notify_one();
                // Hold the poll open, as the Runtime API does while no event is waiting.
                tokio::time::sleep(Duration::from_secs(30)).await;
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let mut child = Command::new(&bootstrap)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", &api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "coldstart")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "s")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "g")
            .env("AWS_REGION", "eu-central-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("TELEDESK_TABLE", "teledesk-table")
            .env("TELEDESK_BUCKET", "teledesk-files")
            .env(
                "TELEDESK_UPDATES_QUEUE_URL",
                "https://sqs.eu-central-1.amazonaws.com/1/updates.fifo",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn bootstrap");
        tokio::time::timeout(Duration::from_secs(10), polled.notified())
            .await
            .expect("no Runtime API poll within 10 s");
        times.push(start.elapsed());
        let _ = child.kill();
        let _ = child.wait();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{bootstrap}: {runs} runs, exec → first poll: min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[runs / 2]),
        ms(times[(runs * 95 / 100).min(runs - 1)]),
        ms(times[runs - 1])
    );
}
