//! The Lambda handlers fed with the recorded events in events/ (the same files serve
//! `cargo lambda invoke --data-file`), on embedded storage and the Bot API test double.

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;
use teledesk_app::batch::QueueNames;
use teledesk_app::{Deps, bots, fanout, http, sync};
use teledesk_e2e::bot_api::BotApi;
use teledesk_e2e::eventually;
use teledesk_embedded::Embedded;
use teledesk_ports::queue::{UPDATES, teledesk_queues};
use tower::ServiceExt;

const BOT_ID: i64 = 123_456;
const SECRET: &str = "events-webhook-secret";

struct Env {
    deps: Deps,
    emb: Embedded,
    api: BotApi,
    _dir: tempfile::TempDir,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let emb = Embedded::open(dir.path(), teledesk_queues()).unwrap();
    let api = BotApi::start().await;
    let token = api.add_bot(BOT_ID, "events_bot");
    let deps = Deps::new(
        emb.table.clone(),
        emb.queue.clone(),
        emb.files.clone(),
        Arc::new(teledesk_telegram::HttpConnector::new(&api.base_url)),
        Default::default(),
    );
    bots::register(&deps, &token, Some(SECRET)).await.unwrap();
    Env {
        deps,
        emb,
        api,
        _dir: dir,
    }
}

fn event(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn sqs(name: &str) -> SqsEvent {
    serde_json::from_str(&event(name)).unwrap()
}

fn queue_names() -> QueueNames {
    QueueNames::new([
        (
            "updates",
            "https://sqs.eu-central-1.amazonaws.com/123456789012/teledesk-UpdatesQueue-AbC123.fifo",
        ),
        (
            "jobs",
            "https://sqs.eu-central-1.amazonaws.com/123456789012/teledesk-JobsQueue-XyZ789",
        ),
    ])
}

fn failed_ids(resp: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<String> {
    resp.batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test]
async fn webhook_event_with_the_secret_is_queued() {
    let e = env().await;
    let req = lambda_http::request::from_str(&event("telegram-webhook-start.json")).unwrap();
    let resp = http::webhook_router(e.deps.clone())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(e.emb.queue.depth(UPDATES).await.unwrap(), 1);
    // Telegram re-sends the same event: accepted, not queued again.
    let req = lambda_http::request::from_str(&event("telegram-webhook-start.json")).unwrap();
    assert_eq!(
        http::webhook_router(e.deps.clone())
            .oneshot(req)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(e.emb.queue.depth(UPDATES).await.unwrap(), 1);
}

#[tokio::test]
async fn an_update_whose_marker_was_written_but_never_queued_is_queued_on_resend() {
    let e = env().await;
    // An earlier attempt died between the marker and the enqueue.
    let mut marker = teledesk_ports::table::Item::new();
    marker.insert("pk".into(), serde_json::json!("UPD#123456"));
    marker.insert("sk".into(), serde_json::json!("000000000900001"));
    marker.insert("state".into(), serde_json::json!("queued"));
    e.deps
        .table
        .put(marker, teledesk_ports::table::Condition::None)
        .await
        .unwrap();
    let req = lambda_http::request::from_str(&event("telegram-webhook-start.json")).unwrap();
    assert_eq!(
        http::webhook_router(e.deps.clone())
            .oneshot(req)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        e.emb.queue.depth(UPDATES).await.unwrap(),
        1,
        "Telegram's re-send was not lost"
    );
    // Once handled, a re-send is not queued again.
    let failed =
        teledesk_lambda::handle_worker_batch(&e.deps, &queue_names(), sqs("sqs-updates.json"))
            .await;
    assert_eq!(failed_ids(&failed), ["7d1c1a6e-0002"]);
    let before = e.emb.queue.depth(UPDATES).await.unwrap();
    let req = lambda_http::request::from_str(&event("telegram-webhook-start.json")).unwrap();
    assert_eq!(
        http::webhook_router(e.deps.clone())
            .oneshot(req)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(e.emb.queue.depth(UPDATES).await.unwrap(), before);
}

#[tokio::test]
async fn webhook_event_with_a_wrong_secret_is_refused_and_stores_nothing() {
    let e = env().await;
    let req = lambda_http::request::from_str(&event("telegram-webhook-wrong-secret.json")).unwrap();
    let resp = http::webhook_router(e.deps.clone())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(e.emb.queue.depth(UPDATES).await.unwrap(), 0);
    assert!(
        e.deps
            .table
            .get("UPD#123456", "000000000900001")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_disabled_bot_is_refused_with_404_and_nothing_stored() {
    let e = env().await;
    bots::set_enabled(&e.deps, "123456", false).await.unwrap();
    let req = lambda_http::request::from_str(&event("telegram-webhook-start.json")).unwrap();
    assert_eq!(
        http::webhook_router(e.deps.clone())
            .oneshot(req)
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(e.emb.queue.depth(UPDATES).await.unwrap(), 0);
    bots::set_enabled(&e.deps, "123456", true).await.unwrap();
    let req = lambda_http::request::from_str(&event("telegram-webhook-start.json")).unwrap();
    assert_eq!(
        http::webhook_router(e.deps.clone())
            .oneshot(req)
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn healthz_event_answers() {
    let e = env().await;
    let req = lambda_http::request::from_str(&event("api-healthz.json")).unwrap();
    let resp = http::api_router(e.deps.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn worker_answers_start_and_reports_the_poison_record_only() {
    let e = env().await;
    let resp =
        teledesk_lambda::handle_worker_batch(&e.deps, &queue_names(), sqs("sqs-updates.json"))
            .await;
    assert_eq!(
        failed_ids(&resp),
        ["7d1c1a6e-0002"],
        "only the malformed envelope fails"
    );
    assert_eq!(e.api.sent_texts(424242).len(), 1);
    assert!(e.api.sent_texts(424242)[0].contains("Hi Eve!"));
    // SQS delivers the batch again: the handled update is not answered twice.
    let resp =
        teledesk_lambda::handle_worker_batch(&e.deps, &queue_names(), sqs("sqs-updates.json"))
            .await;
    assert_eq!(failed_ids(&resp), ["7d1c1a6e-0002"]);
    assert_eq!(e.api.sent_texts(424242).len(), 1);
    assert_eq!(e.api.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn worker_routes_jobs_by_event_source_and_fails_unknown_kinds() {
    let e = env().await;
    let resp =
        teledesk_lambda::handle_worker_batch(&e.deps, &queue_names(), sqs("sqs-jobs-unknown.json"))
            .await;
    assert_eq!(failed_ids(&resp), ["5e2b-0001"]);
    assert!(
        e.api.calls_of("sendMessage").is_empty(),
        "a job was not mistaken for an update"
    );
}

#[tokio::test]
async fn fanout_logs_events_and_fails_malformed_ones() {
    let e = env().await;
    let records = teledesk_app::batch::records_from_sqs(sqs("sqs-events.json"));
    assert_eq!(
        fanout::process_events(&e.deps, records).await,
        ["9f00-0002"]
    );
}

#[tokio::test]
async fn channel_sync_runs_on_the_schedule_event() {
    let e = env().await;
    let ev: Value = serde_json::from_str(&event("schedule-channel-sync.json")).unwrap();
    let report = sync::run_schedule(&e.deps, &ev).await.unwrap();
    assert_eq!(
        report,
        sync::SyncReport {
            sources: 0,
            synced: 0
        }
    );
}

#[tokio::test]
async fn eventually_gives_up() {
    assert!(!eventually(std::time::Duration::from_millis(100), || async { false }).await);
}

/// An API Gateway v2 event with the API key put in place of the placeholder.
fn api_event(name: &str, key: &str) -> lambda_http::Request {
    let raw = event(name).replace("API_KEY_PLACEHOLDER", key);
    lambda_http::request::from_str(&raw).unwrap()
}

#[tokio::test]
async fn api_events_are_authenticated_and_answered_with_problems_or_data() {
    let e = env().await;
    let (_, key) = teledesk_app::api::api_keys::create(
        &e.deps,
        "default",
        "events",
        &["tickets:read".into(), "tickets:write".into()],
        None,
        None,
    )
    .await
    .unwrap();
    let resp = http::api_router(e.deps.clone())
        .oneshot(api_event("api-tickets-list.json", &key))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-request-id"], "evt-req-1");
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["data"], serde_json::json!([]));

    let resp = http::api_router(e.deps.clone())
        .oneshot(api_event("api-tickets-list.json", "tdk_wrong"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");

    // A POST from an event: the bot has no desk here, so the answer is a clear 409.
    let resp = http::api_router(e.deps.clone())
        .oneshot(api_event("api-tickets-create.json", &key))
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
}
