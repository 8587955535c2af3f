//! Outbound webhooks end to end on the local stack: events from the desk, the fan-out and attempts
//! on the `events` queue, a loopback receiver that checks every signature.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use teledesk_app::api::api_keys as keys;
use teledesk_app::config::Config;
use teledesk_app::webhooks::guard::AllowList;
use teledesk_e2e::desk::*;
use teledesk_ports::queue::{EVENTS, Queue};

/// Receivers on loopback are allowed, retries come 5,000 times sooner, and attempts time out
/// after 1.5 s (an answer after 0.5 s is slow).
fn config() -> Config {
    Config {
        webhook_allowlist: AllowList::parse("127.0.0.1"),
        webhook_retry_scale: 0.0002,
        webhook_timeout: Duration::from_millis(1500),
        ..Config::default()
    }
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes, u16)>>>,
    /// Answers by request number (0-based); 200 when absent.
    script: Arc<Mutex<Vec<u16>>>,
    /// How long each answer takes at least.
    delay: Duration,
    /// Answers wait until this is open (`true`); absent, they don't wait.
    gate: Option<Arc<tokio::sync::watch::Sender<bool>>>,
    /// When each request arrived.
    arrived: Arc<Mutex<Vec<tokio::time::Instant>>>,
}

impl Receiver {
    async fn start(script: Vec<u16>) -> (Receiver, String) {
        Self::start_with(script, Duration::ZERO).await
    }

    async fn start_with(script: Vec<u16>, delay: Duration) -> (Receiver, String) {
        Self::start_gated(script, delay, None).await
    }

    /// A receiver whose answers wait for `gate` to open (and at least `delay`).
    async fn start_gated(
        script: Vec<u16>,
        delay: Duration,
        gate: Option<Arc<tokio::sync::watch::Sender<bool>>>,
    ) -> (Receiver, String) {
        let r = Receiver {
            script: Arc::new(Mutex::new(script)),
            delay,
            gate,
            ..Default::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state
                        .arrived
                        .lock()
                        .unwrap()
                        .push(tokio::time::Instant::now());
                    tokio::time::sleep(state.delay).await;
                    if let Some(gate) = &state.gate {
                        let mut open = gate.subscribe();
                        let _ = open.wait_for(|o| *o).await;
                    }
                    let mut got = state.got.lock().unwrap();
                    let n = got.len();
                    let status = state.script.lock().unwrap().get(n).copied().unwrap_or(200);
                    got.push((headers, body, status));
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }

    fn requests(&self) -> Vec<(HeaderMap, Bytes, u16)> {
        self.got.lock().unwrap().clone()
    }
}

/// Checks a request's signature as the Standard Webhooks specification says, independently of
/// Teledesk's signing code: true when one `v1,` entry matches the secret.
fn verifies(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let id = headers["webhook-id"].to_str().unwrap();
    let ts = headers["webhook-timestamp"].to_str().unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    headers["webhook-signature"]
        .to_str()
        .unwrap()
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

/// Runs the fan-out over the `events` queue until it is empty (waiting out delayed attempts).
async fn drain_events(env: &DeskEnv) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let got = env
            .emb
            .queue
            .receive(EVENTS, 10, Duration::ZERO, Duration::from_secs(30))
            .await
            .unwrap();
        if got.is_empty() {
            if env.emb.queue.depth(EVENTS).await.unwrap() == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "events did not drain"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let receipts: Vec<(String, String)> = got
            .iter()
            .map(|m| (m.message_id.clone(), m.receipt.clone()))
            .collect();
        let failed = teledesk_app::fanout::process_events(
            &env.deps,
            got.into_iter().map(Into::into).collect(),
        )
        .await;
        for (id, receipt) in receipts {
            if !failed.contains(&id) {
                env.emb.queue.ack(EVENTS, &receipt).await.unwrap();
            }
        }
    }
}

async fn admin(env: &DeskEnv) -> String {
    keys::create(&env.deps, "default", "hooks", &["admin".into()], None, None)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn a_receiver_failing_half_its_attempts_gets_every_event_once_and_signed() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    let (rx, url) = Receiver::start(vec![503, 200, 503, 200, 503, 200]).await;
    let k = admin(&env).await;
    let (s, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "event_types": ["ticket.created"]})),
    )
    .await;
    assert_eq!(s, 201, "{ep}");
    let secret = ep["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    for i in 0..3 {
        env.deliver(env.command(DESK, None, ALICE, &format!("/create_ticket Hook {i}")))
            .await;
    }
    drain_events(&env).await;
    let reqs = rx.requests();
    assert_eq!(
        reqs.len(),
        6,
        "three events, each failed once then delivered"
    );
    let mut delivered: Vec<String> = Vec::new();
    for (h, body, status) in &reqs {
        assert!(verifies(&secret, h, body), "signature verifies");
        let payload: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(payload["type"], "ticket.created");
        assert_eq!(
            h["webhook-id"].to_str().unwrap(),
            payload["id"],
            "webhook-id is the event id"
        );
        if *status == 200 {
            delivered.push(payload["id"].as_str().unwrap().to_owned());
        }
    }
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 3, "every event exactly once as a success");
    let id = ep["id"].as_str().unwrap();
    let (_, log) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    let data = log["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert!(data.iter().all(|d| d["status"] == "delivered"), "{log}");
    let attempts: i64 = data.iter().map(|d| d["attempts"].as_i64().unwrap()).sum();
    assert_eq!(
        attempts, 6,
        "each failed attempt was retried, each success ended its delivery"
    );

    // A re-delivered event (the queue's at-least-once) makes no second delivery.
    let event: Value = serde_json::from_slice(&reqs[1].1).unwrap();
    env.deps
        .queue
        .send(
            EVENTS,
            vec![teledesk_ports::queue::OutMessage::new(event.to_string())],
        )
        .await
        .unwrap();
    drain_events(&env).await;
    assert_eq!(rx.requests().len(), 6);
}

#[tokio::test]
async fn gone_disables_the_endpoint_and_later_events_are_skipped() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    // The other group becomes the workspace's admin chat; only a group administrator may say so.
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.deliver(env.command(OTHER, None, BOB, "/setup_admin"))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("Only an administrator"),
        "{:?}",
        env.texts_to(OTHER, None)
    );
    assert!(
        teledesk_app::admin_chat::get(&env.deps, "default")
            .await
            .unwrap()
            .is_none()
    );
    // A group administrator without a setup code (and not admin staff) is refused too.
    env.deliver(env.command(OTHER, None, ADMIN, "/setup_admin"))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("needs proof")
    );
    env.setup_admin_with_code(OTHER, ADMIN).await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("is now the admin chat")
    );
    // Moving the admin chat needs the same proof, and the old one is told.
    env.api.set_member(DESK, ADMIN, "administrator");
    env.deliver(env.command(DESK, None, ADMIN, "/setup_admin"))
        .await;
    assert_eq!(
        teledesk_app::admin_chat::get(&env.deps, "default")
            .await
            .unwrap()
            .map(|c| c.chat_id),
        Some(OTHER)
    );
    env.setup_admin_with_code(DESK, ADMIN).await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("no longer the admin chat"),
        "{:?}",
        env.texts_to(OTHER, None)
    );
    env.setup_admin_with_code(OTHER, ADMIN).await;
    let (rx, url) = Receiver::start(vec![410]).await;
    let k = admin(&env).await;
    let (_, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    env.deliver(env.command(DESK, None, ALICE, "/create_ticket Gone"))
        .await;
    drain_events(&env).await;
    let (_, e) = api(&env, &k, "GET", &format!("/api/v1/webhooks/{id}"), None).await;
    assert_eq!(e["enabled"], false);
    assert!(e["disabled_reason"].as_str().unwrap().contains("410"));
    // The admin chat is told (through the jobs queue), and endpoint.disabled was fanned out.
    env.drain().await;
    let notice = env.texts_to(OTHER, None).last().unwrap().clone();
    assert!(
        notice.contains(&id) && notice.contains("410") && notice.contains("recover"),
        "{notice}"
    );
    let sent_before = rx.requests().len();
    env.deliver(env.command(DESK, None, ALICE, "/create_ticket After"))
        .await;
    drain_events(&env).await;
    assert_eq!(
        rx.requests().len(),
        sent_before,
        "a disabled endpoint gets nothing"
    );
    let (_, log) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    assert!(
        log["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["status"] == "skipped"),
        "{log}"
    );
}

#[tokio::test]
async fn urls_and_addresses_are_guarded() {
    let env = DeskEnv::ready_with(config()).await;
    let k = admin(&env).await;
    let (s, p) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": "http://example.com/hook"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TELEDESK_WEBHOOK_ALLOWLIST")
    );
    let (s, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": "https://10.20.30.40/hook"})),
    )
    .await;
    assert_eq!(s, 201);
    let id = ep["id"].as_str().unwrap();
    let (s, _) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/webhooks/{id}/test"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    drain_events(&env).await;
    let (_, log) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    let d = &log["data"][0];
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .contains("internal address"),
        "{d}"
    );
    assert_eq!(d["last_status_code"], Value::Null, "nothing was sent");
}

#[tokio::test]
async fn after_rotation_both_secrets_sign_for_a_day() {
    let env = DeskEnv::ready_with(config()).await;
    let (rx, url) = Receiver::start(vec![]).await;
    let k = admin(&env).await;
    let (_, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    let old = ep["secret"].as_str().unwrap().to_owned();
    let (s, rotated) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/webhooks/{id}/rotate"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    let (_, revealed) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/secret"),
        None,
    )
    .await;
    assert_eq!(revealed["secret"], new.as_str());
    let (_, listed) = api(&env, &k, "GET", "/api/v1/webhooks", None).await;
    assert!(
        !listed.to_string().contains("whsec_"),
        "lists never show secrets"
    );
    api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/webhooks/{id}/test"),
        None,
    )
    .await;
    drain_events(&env).await;
    let (h, body, _) = rx.requests().pop().unwrap();
    assert_eq!(
        h["webhook-signature"].to_str().unwrap().split(' ').count(),
        2
    );
    assert!(verifies(&old, &h, &body) && verifies(&new, &h, &body));
}

/// The official verifier (Python `standardwebhooks`) accepts what we send. Runs when
/// TELEDESK_TEST_PYTHON names a Python with the package (scripts/test sets it).
#[tokio::test]
async fn the_official_standard_webhooks_verifier_accepts_our_requests() {
    let Some(python) = teledesk_e2e::required_tool("TELEDESK_TEST_PYTHON") else {
        return;
    };
    let env = DeskEnv::ready_with(config()).await;
    let (rx, url) = Receiver::start(vec![]).await;
    let k = admin(&env).await;
    let (_, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/webhooks/{id}/rotate"),
        None,
    )
    .await;
    let (_, revealed) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/secret"),
        None,
    )
    .await;
    env.deliver(env.command(
        DESK,
        None,
        ALICE,
        "/create_ticket Verified <by> Python & co",
    ))
    .await;
    drain_events(&env).await;
    let reqs = rx.requests();
    assert!(reqs.len() >= 2);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/verify-webhook.py");
    for secret in [
        ep["secret"].as_str().unwrap(),
        revealed["secret"].as_str().unwrap(),
    ] {
        for (h, body, _) in &reqs {
            let headers = json!({
                "webhook-id": h["webhook-id"].to_str().unwrap(),
                "webhook-timestamp": h["webhook-timestamp"].to_str().unwrap(),
                "webhook-signature": h["webhook-signature"].to_str().unwrap(),
            });
            let f = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(f.path(), body).unwrap();
            let out = std::process::Command::new(&python)
                .arg(script)
                .arg(secret)
                .arg(headers.to_string())
                .arg(f.path())
                .output()
                .expect("run python");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // A wrong secret is refused by the same verifier (the check can fail).
    let (h, body, _) = &reqs[0];
    let headers = json!({"webhook-id": h["webhook-id"].to_str().unwrap(),
        "webhook-timestamp": h["webhook-timestamp"].to_str().unwrap(),
        "webhook-signature": h["webhook-signature"].to_str().unwrap()});
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), body).unwrap();
    let out = std::process::Command::new(&python)
        .arg(script)
        .arg(teledesk_app::webhooks::sign::new_secret())
        .arg(headers.to_string())
        .arg(f.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_and_skipped_events_are_recovered() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    // Down for its first five requests, then up.
    let (rx, url) = Receiver::start(vec![503, 503, 503, 503, 503]).await;
    let k = admin(&env).await;
    let (_, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "event_types": ["ticket.created"]})),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    for i in 0..2 {
        env.deliver(env.command(DESK, None, ALICE, &format!("/create_ticket Outage {i}")))
            .await;
    }
    drain_events(&env).await;
    let ok: Vec<_> = rx.requests().into_iter().filter(|r| r.2 == 200).collect();
    assert_eq!(ok.len(), 2, "both delivered once the receiver came back");
    let (_, log) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    let first = log["data"][0]["event_id"].as_str().unwrap().to_owned();
    let (s, attempts) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries/{first}/attempts"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let codes: Vec<i64> = attempts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes.last(), Some(&200));
    assert!(
        codes[..codes.len() - 1].iter().all(|c| *c == 503),
        "{codes:?}"
    );

    // Disabled for a while: events are kept as skipped, then recovered.
    api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/webhooks/{id}"),
        Some(json!({"enabled": false})),
    )
    .await;
    for i in 0..2 {
        env.deliver(env.command(DESK, None, ALICE, &format!("/create_ticket While off {i}")))
            .await;
    }
    drain_events(&env).await;
    let before = rx.requests().len();
    api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/webhooks/{id}"),
        Some(json!({"enabled": true})),
    )
    .await;
    // A recovery runs as a job, not in the request: the answer is its record, and its progress
    // is read back.
    let recover = |dry_run: bool| {
        let (env, k, id) = (&env, &k, &id);
        async move {
            let (s, started) = api(
                env,
                k,
                "POST",
                &format!("/api/v1/webhooks/{id}/recover"),
                Some(json!({"since": 0, "dry_run": dry_run})),
            )
            .await;
            assert_eq!(s, 202, "{started}");
            assert_eq!(started["status"], "running");
            env.drain().await;
            let (s, r) = api(
                env,
                k,
                "GET",
                &format!(
                    "/api/v1/webhooks/{id}/recoveries/{}",
                    started["id"].as_str().unwrap()
                ),
                None,
            )
            .await;
            assert_eq!(s, 200, "{r}");
            r
        }
    };
    let dry = recover(true).await;
    assert_eq!(
        (
            dry["status"].as_str(),
            dry["found"].as_u64(),
            dry["requeued"].as_u64()
        ),
        (Some("done"), Some(2), Some(0))
    );
    drain_events(&env).await;
    assert_eq!(rx.requests().len(), before, "a dry run sends nothing");
    let done = recover(false).await;
    assert_eq!(
        (done["found"].as_u64(), done["requeued"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(done["scanned"].as_u64().unwrap() >= 2);
    drain_events(&env).await;
    assert_eq!(rx.requests().len(), before + 2);
    let (s, _) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/recoveries/rec_nope"),
        None,
    )
    .await;
    assert_eq!(s, 404);

    // Resend one delivered event: the same webhook-id again.
    let (s, _) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/webhooks/{id}/deliveries/{first}/resend"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    drain_events(&env).await;
    let last = rx.requests().pop().unwrap();
    assert_eq!(last.0["webhook-id"].to_str().unwrap(), first);
    let (s, _) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/webhooks/{id}/deliveries/evt_nope/resend"),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_payload_template_reshapes_the_body_and_bad_templates_are_refused_at_save() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    let (rx, url) = Receiver::start(vec![]).await;
    let k = admin(&env).await;
    let (s, p) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "template": "{{ event.id }} is not json"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "template");
    let (s, p) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "template": "{% for %}"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");

    let template =
        r#"{"text": {{ ("New ticket: " ~ data.title) | tojson }}, "ref": {{ event.id | tojson }}}"#;
    let (s, preview) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks/template/preview",
        Some(json!({"template": template})),
    )
    .await;
    assert_eq!(
        (s, preview["output"]["text"].as_str()),
        (200, Some("New ticket: Printer on fire"))
    );
    let (s, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "template": template, "event_types": ["ticket.created"]})),
    )
    .await;
    assert_eq!(s, 201, "{ep}");
    let secret = ep["secret"].as_str().unwrap().to_owned();
    env.deliver(env.command(DESK, None, ALICE, "/create_ticket \"Quotes\" and </tags>"))
        .await;
    drain_events(&env).await;
    let (h, body, _) = rx.requests().pop().unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["text"], "New ticket: Quotes", "the quoted title");
    assert_eq!(v["ref"], h["webhook-id"].to_str().unwrap());
    assert!(
        verifies(&secret, &h, &body),
        "the rendered body is what is signed"
    );
}

/// Runs `serve`'s consumer of the `events` queue ([`teledesk_app::fanout::pump`]) until dropped.
struct Pump {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Pump {
    fn start(env: &DeskEnv) -> Pump {
        let (stop, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(teledesk_app::fanout::pump(
            env.deps.clone(),
            Duration::from_secs(30),
            teledesk_app::fanout::PUMP_IN_FLIGHT,
            rx,
        ));
        Pump { stop, task }
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}

/// Emits `n` ticket.created events straight onto the `events` queue.
async fn emit_events(env: &DeskEnv, n: usize, tag: &str) {
    for i in 0..n {
        teledesk_app::events::emit(
            &env.deps,
            "ticket.created",
            &format!("{tag}-{i}"),
            "default",
            "",
            json!({"ticket": {"id": format!("TICK-{tag}-{i}")}}),
        )
        .await
        .unwrap();
    }
}

/// Waits (up to 60 s) until `rx` has answered 2xx to `n` distinct events; returns their ids.
async fn until_delivered(rx: &Receiver, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut ids: Vec<String> = rx
            .requests()
            .iter()
            .filter(|r| r.2 == 200)
            .map(|r| r.0["webhook-id"].to_str().unwrap().to_owned())
            .collect();
        let all = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(all, ids.len(), "no event delivered twice");
        if ids.len() >= n {
            return ids;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {n} delivered",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn attempts_per_delivery(env: &DeskEnv, k: &str, id: &str) -> Vec<i64> {
    let (_, log) = api(
        env,
        k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempts"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_slow_endpoint_does_not_delay_a_fast_one() {
    // Attempts time out after 3 s, so an answer after 1 s is slow: the fast endpoint (loopback,
    // milliseconds) is never slow, and the slow one is slow by construction.
    let env = DeskEnv::ready_with(Config {
        webhook_timeout: Duration::from_secs(3),
        ..config()
    })
    .await;
    env.take_events().await;
    // Slow: every answer takes 1.2 s, and none is given before the fast endpoint has everything
    // (the gate), so what the test compares does not depend on how fast this machine is.
    let gate = Arc::new(tokio::sync::watch::Sender::new(false));
    let (slow, slow_url) =
        Receiver::start_gated(vec![], Duration::from_millis(1200), Some(gate.clone())).await;
    let (fast, fast_url) = Receiver::start(vec![]).await;
    let k = admin(&env).await;
    let mut ids = Vec::new();
    for url in [&slow_url, &fast_url] {
        let (s, ep) = api(
            &env,
            &k,
            "POST",
            "/api/v1/webhooks",
            Some(json!({"url": url})),
        )
        .await;
        assert_eq!(s, 201, "{ep}");
        ids.push(ep["id"].as_str().unwrap().to_owned());
    }
    const N: usize = 20;
    emit_events(&env, N, "slowfast").await;
    let pump = Pump::start(&env);
    until_delivered(&fast, N).await;
    // The fast endpoint has everything while the slow one has answered nothing and holds at
    // most its in-flight share of the process.
    assert!(slow.requests().is_empty());
    let slow_so_far = slow.arrived.lock().unwrap().len();
    assert!(
        slow_so_far <= teledesk_app::webhooks::flow::MAX_IN_FLIGHT,
        "the slow endpoint held at most its in-flight share: {slow_so_far}"
    );
    gate.send_replace(true);
    // The slow endpoint still gets every event, once, and waiting cost it no attempts.
    until_delivered(&slow, N).await;
    pump.stop().await;
    assert_eq!(slow.requests().len(), N);
    assert_eq!(attempts_per_delivery(&env, &k, &ids[0]).await, vec![1; N]);
    assert_eq!(attempts_per_delivery(&env, &k, &ids[1]).await, vec![1; N]);
    // The breaker remembers the endpoint as slow; the fast one has no record at all.
    assert!(
        env.item(&format!("WHB#{}", ids[0]), "BREAKER")
            .await
            .is_some()
    );
    assert!(
        env.item(&format!("WHB#{}", ids[1]), "BREAKER")
            .await
            .is_none()
    );
}

#[tokio::test]
async fn a_dead_endpoint_trips_its_circuit_and_recovers_when_back() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    // Down (503) for its first 6 requests, then up.
    let (rx, url) = Receiver::start(vec![503; 6]).await;
    let k = admin(&env).await;
    let (_, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    const N: usize = 10;
    emit_events(&env, N, "dead").await;
    let pump = Pump::start(&env);
    until_delivered(&rx, N).await;
    pump.stop().await;
    let failed = rx.requests().iter().filter(|r| r.2 == 503).count();
    assert_eq!(failed, 6);
    assert_eq!(
        rx.requests().len(),
        N + 6,
        "every event once, after the failures"
    );
    let attempts: i64 = attempts_per_delivery(&env, &k, &id).await.iter().sum();
    assert_eq!(
        attempts,
        (N + 6) as i64,
        "only real requests count as attempts, not the waits of an open circuit"
    );
    assert!(
        env.item(&format!("WHB#{id}"), "BREAKER").await.is_none(),
        "a fast success closed the circuit"
    );
}

#[tokio::test]
async fn a_rate_limited_endpoint_gets_everything_spread_over_seconds() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    let (rx, url) = Receiver::start(vec![]).await;
    let k = admin(&env).await;
    for bad in [json!(0), json!(1001), json!("5"), json!(2.5)] {
        let (s, p) = api(
            &env,
            &k,
            "POST",
            "/api/v1/webhooks",
            Some(json!({"url": url, "rate_limit": bad})),
        )
        .await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (422, Some("rate_limit")),
            "{p}"
        );
    }
    let (s, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "rate_limit": 4.0})),
    )
    .await;
    assert_eq!((s, ep["rate_limit"].as_u64()), (201, Some(4)), "{ep}");
    let id = ep["id"].as_str().unwrap().to_owned();
    const N: usize = 12;
    emit_events(&env, N, "limited").await;
    let pump = Pump::start(&env);
    until_delivered(&rx, N).await;
    pump.stop().await;
    let arrived = rx.arrived.lock().unwrap().clone();
    let span = *arrived.last().unwrap() - arrived[0];
    // 12 at 4 a second need at least three one-second windows: more than one second apart.
    assert!(span >= Duration::from_secs(1), "all {N} within {span:?}");
    assert_eq!(attempts_per_delivery(&env, &k, &id).await, vec![1; N]);
    // null removes the limit.
    let (s, ep) = api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/webhooks/{id}"),
        Some(json!({"rate_limit": null})),
    )
    .await;
    assert_eq!((s, &ep["rate_limit"]), (200, &Value::Null), "{ep}");
}

#[tokio::test]
async fn a_duplicated_attempt_message_posts_once() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    let (rx, url) = Receiver::start(vec![503]).await;
    let k = admin(&env).await;
    api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    emit_events(&env, 1, "dup").await;
    // The event: its first attempt (503) runs inline and queues attempt 2.
    let got = env
        .emb
        .queue
        .receive(EVENTS, 10, Duration::ZERO, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    let receipt = got[0].receipt.clone();
    let failed =
        teledesk_app::fanout::process_events(&env.deps, got.into_iter().map(Into::into).collect())
            .await;
    assert!(failed.is_empty());
    env.emb.queue.ack(EVENTS, &receipt).await.unwrap();
    assert_eq!(rx.requests().len(), 1);
    // The queue hands the retry out twice (at-least-once): both copies run. It is due after a
    // moment (the compressed schedule); wait for it rather than for a guessed time.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let retry = loop {
        let got = env
            .emb
            .queue
            .receive(EVENTS, 10, Duration::ZERO, Duration::from_secs(30))
            .await
            .unwrap();
        if !got.is_empty() || tokio::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(retry.len(), 1, "one retry queued");
    let body: Value = serde_json::from_str(&retry[0].body).unwrap();
    assert_eq!(body["after"], 1, "it names the attempt it follows");
    env.emb.queue.ack(EVENTS, &retry[0].receipt).await.unwrap();
    for _ in 0..2 {
        env.deps
            .queue
            .send(
                EVENTS,
                vec![teledesk_ports::queue::OutMessage::new(body.to_string())],
            )
            .await
            .unwrap();
    }
    drain_events(&env).await;
    let codes: Vec<u16> = rx.requests().iter().map(|r| r.2).collect();
    assert_eq!(
        codes,
        vec![503, 200],
        "the second copy found the attempt made"
    );
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_says_so() {
    let env = DeskEnv::ready_with(config()).await;
    env.take_events().await;
    let (rx, url) = Receiver::start(vec![503; 10]).await;
    let k = admin(&env).await;
    let (_, ep) = api(
        &env,
        &k,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url})),
    )
    .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    // Every attempt has failed since five days and a minute ago.
    let mut stored = teledesk_app::webhooks::get_endpoint(&env.deps, "default", &id)
        .await
        .unwrap()
        .unwrap();
    stored.failing_since =
        Some(teledesk_ports::now_secs() - teledesk_app::webhooks::DISABLE_AFTER_SECS - 60);
    teledesk_app::webhooks::save_endpoint(&env.deps, &stored)
        .await
        .unwrap();
    emit_events(&env, 1, "five-days").await;
    drain_events(&env).await;
    assert_eq!(rx.requests().len(), 1, "one more failure, then no retry");
    let (_, e) = api(&env, &k, "GET", &format!("/api/v1/webhooks/{id}"), None).await;
    assert_eq!(e["enabled"], false, "{e}");
    assert!(
        e["disabled_reason"].as_str().unwrap().contains("5 days"),
        "{e}"
    );
    let (_, log) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/webhooks/{id}/deliveries"),
        None,
    )
    .await;
    let statuses: Vec<(&str, &str)> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["event_type"].as_str().unwrap(),
                d["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("ticket.created", "failed")),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("endpoint.disabled", "skipped")),
        "endpoint.disabled was emitted (and kept for the disabled endpoint): {statuses:?}"
    );
}
