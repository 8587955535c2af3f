//! A channel sync end to end through `teledesk serve`: a local t.me double serves N posts (20 a page,
//! every fifth with a photo: a distinct 800×600 JPEG, which is decoded for its perceptual hash), a source is added and synced through the API (the `channel.sync` job
//! runs in serve's jobs consumer), and the time from `POST …/sync` to the source reporting `ok` is
//! measured, with the listings counted through the API afterwards.
//!
//! cargo build --release -p teledesk-cli
//! TELEDESK_BIN=target/release/teledesk cargo run --release -p teledesk-e2e --example sync_load -- 1000

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use teledesk_e2e::pages::{ChannelPages, FakePost};
use teledesk_e2e::serve::{Serve, teledesk_bin};

const CHANNEL: &str = "load_cars_channel";
const MAKES: &[&str] = &[
    "Toyota Camry",
    "Volkswagen Passat",
    "Skoda Octavia",
    "BMW X5",
    "Audi A4",
    "Honda Civic",
    "Kia Sportage",
    "Hyundai Tucson",
];
const CITIES: &[&str] = &["Киев", "Одесса", "Львов", "Харьков", "Днепр"];

#[tokio::main]
async fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let pages = ChannelPages::start().await;
    let posts: Vec<FakePost> = (0..n)
        .map(|i| FakePost {
            id: 10 + i,
            date: 1_780_000_000 + i * 600,
            text: format!(
                "{} {}\nЦена: ${} {:03}, торг\nПробег {} тыс. км\n{}\nТел: +38067{:07}",
                MAKES[i as usize % MAKES.len()],
                2006 + i % 18,
                4 + i % 40,
                (i * 37) % 1000 / 100 * 100,
                40 + i % 200,
                CITIES[i as usize % CITIES.len()],
                1_000_000 + i
            ),
            photos: usize::from(i % 5 == 0),
            ..Default::default()
        })
        .collect();
    for p in posts.iter().filter(|p| p.photos > 0) {
        let scene = teledesk_catalog::photo::testing::scene(p.id as u64, 800, 600);
        pages.set_photo(
            CHANNEL,
            p.id,
            0,
            teledesk_catalog::photo::testing::jpeg(&scene, 85),
        );
    }
    pages.set_posts(CHANNEL, posts);

    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(teledesk_bin())
        .args([
            "api-keys",
            "create",
            "--scopes",
            "admin,catalog:read",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("teledesk api-keys create");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let serve = Serve::start(
        dir.path(),
        &[
            ("TELEGRAM_PREVIEW_BASE", pages.base_url.as_str()),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut req = client
            .request(method, format!("{}{path}", serve.base_url))
            .bearer_auth(&key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, src) = call(
        reqwest::Method::POST,
        "/api/v1/channel-sources".into(),
        Some(json!({"channel": CHANNEL})),
    )
    .await;
    assert_eq!(s, 201, "{src}");
    let id = src["id"].as_str().unwrap().to_owned();
    let start = Instant::now();
    let (s, _) = call(
        reqwest::Method::POST,
        format!("/api/v1/channel-sources/{id}/sync"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    let src = loop {
        let (_, src) = call(
            reqwest::Method::GET,
            format!("/api/v1/channel-sources/{id}"),
            None,
        )
        .await;
        if src["status"] != "new" {
            break src;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "no result in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = start.elapsed();
    assert_eq!(src["status"], "ok", "{src}");
    let mut listed = 0;
    let mut cursor = String::new();
    loop {
        let (_, page) = call(
            reqwest::Method::GET,
            format!("/api/v1/listings?limit=100&cursor={cursor}"),
            None,
        )
        .await;
        listed += page["data"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let run = &src["last_run"];
    println!(
        "{n} posts ({} pages, {} photos) synced through serve in {:.2} s: {:.0} posts/s; new {}, duplicate {}, failed {}; {listed} listings listed",
        run["pages"],
        n / 5,
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        run["new"],
        run["duplicate"],
        run["failed"]
    );
}
