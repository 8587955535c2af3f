//! The REST API (`/api/v1`) in process: the api router over the local stack, with tickets made
//! through Telegram by the desk harness.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use teledesk_app::api::api_keys as keys;
use teledesk_e2e::desk::*;
use tower::ServiceExt;

struct Resp {
    status: u16,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn call(
    env: &DeskEnv,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let router = teledesk_app::http::api_router(env.deps.clone());
    let mut req = Request::builder().method(method).uri(path);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
    }
}

async fn key(env: &DeskEnv, workspace: &str, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    keys::create(&env.deps, workspace, "test", &scopes, None, None)
        .await
        .unwrap()
        .1
}

async fn ticket(env: &DeskEnv, title: &str) -> Value {
    env.deliver(env.command(DESK, None, ALICE, &format!("/create_ticket {title}")))
        .await;
    env.tickets().await.last().cloned().unwrap()
}

fn assert_problem(r: &Resp, status: u16, kind: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.headers["content-type"], "application/problem+json",
        "{}",
        r.body
    );
    assert_eq!(
        r.body["type"],
        format!("https://teledesk.dev/problems/{kind}")
    );
    assert_eq!(r.body["status"], status);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn every_way_a_key_can_be_wrong_is_a_clear_401_or_403() {
    let env = DeskEnv::ready().await;
    let t = ticket(&env, "Auth").await;
    let path = format!("/api/v1/tickets/{}", t["ticket_id"].as_str().unwrap());
    let r = call(&env, "GET", &path, None, None).await;
    assert_problem(&r, 401, "unauthorized");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    assert_problem(
        &call(&env, "GET", &path, Some("nonsense"), None).await,
        401,
        "unauthorized",
    );
    let good = key(&env, "default", &["tickets:read"]).await;
    let wrong_secret = format!("{}{}", &good[..good.len() - 4], "AAAA");
    let r = call(&env, "GET", &path, Some(&wrong_secret), None).await;
    assert_problem(&r, 401, "unauthorized");
    assert!(r.body["detail"].as_str().unwrap().contains("not valid"));

    let (expired, expired_key) = keys::create(
        &env.deps,
        "default",
        "old",
        &["tickets:read".into()],
        Some(1),
        None,
    )
    .await
    .unwrap();
    let r = call(&env, "GET", &path, Some(&expired_key), None).await;
    assert!(
        r.body["detail"].as_str().unwrap().contains("expired"),
        "{}",
        r.body
    );
    let _ = expired;

    let (revoked, revoked_key) = keys::create(
        &env.deps,
        "default",
        "gone",
        &["tickets:read".into()],
        None,
        None,
    )
    .await
    .unwrap();
    keys::revoke(&env.deps, "default", &revoked.id)
        .await
        .unwrap();
    let r = call(&env, "GET", &path, Some(&revoked_key), None).await;
    assert!(
        r.body["detail"].as_str().unwrap().contains("revoked"),
        "{}",
        r.body
    );

    let writer = key(&env, "default", &["messages:write"]).await;
    let r = call(&env, "GET", &path, Some(&writer), None).await;
    assert_problem(&r, 403, "missing-scope");
    assert!(r.body["detail"].as_str().unwrap().contains("tickets:read"));

    assert_eq!(
        call(&env, "GET", &path, Some(&good), None).await.status,
        200
    );
    // The key never shows up in a response.
    let listed = keys::list(&env.deps, "default").await.unwrap();
    assert!(
        listed
            .iter()
            .all(|k| !k.public().to_string().contains(&good[17..]))
    );
}

#[tokio::test]
async fn a_ticket_is_read_with_its_counts_and_never_across_workspaces() {
    let env = DeskEnv::ready().await;
    let t = ticket(&env, "Readable <b>").await;
    let id = t["ticket_id"].as_str().unwrap();
    let thread = t["thread_id"].as_i64().unwrap();
    env.deliver(env.text(DESK, Some(thread), ALICE, "a note"))
        .await;
    let k = key(&env, "default", &["tickets:read"]).await;
    let r = call(
        &env,
        "GET",
        &format!("/api/v1/tickets/{id}"),
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ticket_id"], id);
    assert_eq!(r.body["title"], "Readable <b>");
    assert_eq!(r.body["message_counts"]["staff"], 1);
    assert!(r.body["last_activity_at"].as_i64().is_some());
    assert!(r.headers.contains_key("x-request-id"));
    assert_eq!(r.headers["x-ratelimit-limit"], "600");

    let other = key(&env, "other", &["admin"]).await;
    let r = call(
        &env,
        "GET",
        &format!("/api/v1/tickets/{id}"),
        Some(&other),
        None,
    )
    .await;
    assert_problem(&r, 404, "not-found");
    let r = call(&env, "GET", "/api/v1/tickets", Some(&other), None).await;
    assert_eq!(r.body["data"], json!([]));
    let r = call(
        &env,
        "POST",
        &format!("/api/v1/tickets/{id}/close"),
        Some(&other),
        None,
    )
    .await;
    assert_problem(&r, 404, "not-found");
    let r = call(
        &env,
        "PUT",
        &format!("/api/v1/tickets/{id}"),
        Some(&other),
        Some(json!({"priority": "high"})),
    )
    .await;
    assert_problem(&r, 404, "not-found");
}

#[tokio::test]
async fn listing_pages_with_tamper_proof_cursors_and_validates_filters() {
    let env = DeskEnv::ready().await;
    for i in 0..3 {
        ticket(&env, &format!("L{i}")).await;
    }
    let k = key(&env, "default", &["tickets:read"]).await;
    let mut seen = Vec::new();
    let mut url = "/api/v1/tickets?limit=2".to_owned();
    loop {
        let r = call(&env, "GET", &url, Some(&k), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for t in r.body["data"].as_array().unwrap() {
            seen.push(t["title"].as_str().unwrap().to_owned());
        }
        if r.body["has_more"] != true {
            assert_eq!(r.body["next_cursor"], Value::Null);
            break;
        }
        let c = r.body["next_cursor"].as_str().unwrap();
        let tampered = format!("{}A", c);
        let bad = call(
            &env,
            "GET",
            &format!("/api/v1/tickets?limit=2&cursor={tampered}"),
            Some(&k),
            None,
        )
        .await;
        assert_problem(&bad, 422, "validation");
        let other_filter = call(
            &env,
            "GET",
            &format!("/api/v1/tickets?limit=2&status=closed&cursor={c}"),
            Some(&k),
            None,
        )
        .await;
        assert_problem(&other_filter, 422, "validation");
        url = format!("/api/v1/tickets?limit=2&cursor={c}");
    }
    assert_eq!(seen, ["L2", "L1", "L0"], "newest first, each once");

    let r = call(
        &env,
        "GET",
        "/api/v1/tickets?limit=0&status=lost&colour=red",
        Some(&k),
        None,
    )
    .await;
    assert_problem(&r, 422, "validation");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["limit", "status", "colour"] {
        assert!(fields.contains(&f), "{fields:?}");
    }
    let r = call(
        &env,
        "GET",
        "/api/v1/tickets?status=open&priority=normal",
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 3);
    let r = call(&env, "GET", "/api/v1/tickets?status=closed", Some(&k), None).await;
    assert_eq!(r.body["data"], json!([]));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_headers_on_every_response() {
    let env = DeskEnv::ready().await;
    let (_, k) = keys::create(
        &env.deps,
        "default",
        "slow",
        &["tickets:read".into()],
        None,
        Some(2),
    )
    .await
    .unwrap();
    let a = call(&env, "GET", "/api/v1/tickets", Some(&k), None).await;
    assert_eq!(
        (
            a.status,
            a.headers["x-ratelimit-remaining"].to_str().unwrap()
        ),
        (200, "1")
    );
    let b = call(&env, "GET", "/api/v1/tickets", Some(&k), None).await;
    assert_eq!(
        (
            b.status,
            b.headers["x-ratelimit-remaining"].to_str().unwrap()
        ),
        (200, "0")
    );
    let c = call(&env, "GET", "/api/v1/tickets", Some(&k), None).await;
    assert_problem(&c, 429, "rate-limited");
    let retry: u64 = c.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(c.headers["x-ratelimit-limit"], "2");
    assert!(c.headers.contains_key("x-ratelimit-reset"));
}

#[tokio::test]
async fn close_reopen_and_changes_through_the_api_run_the_desk_and_emit_events() {
    let env = DeskEnv::ready().await;
    let t = ticket(&env, "Via API").await;
    let id = t["ticket_id"].as_str().unwrap();
    let thread = t["thread_id"].as_i64().unwrap();
    env.take_events().await;
    let w = key(&env, "default", &["tickets:write"]).await;
    let r = call(
        &env,
        "POST",
        &format!("/api/v1/tickets/{id}/close"),
        Some(&w),
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("closed")),
        "{}",
        r.body
    );
    assert!(
        env.api
            .topics(DESK)
            .iter()
            .any(|tp| tp.thread_id == thread && tp.closed)
    );
    let r = call(
        &env,
        "POST",
        &format!("/api/v1/tickets/{id}/reopen"),
        Some(&w),
        None,
    )
    .await;
    assert_eq!(r.body["status"], "open");
    let r = call(
        &env,
        "PUT",
        &format!("/api/v1/tickets/{id}"),
        Some(&w),
        Some(json!({"priority": "urgent", "title": "Renamed", "assignee": ALICE})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.body["priority"].as_str(),
            r.body["title"].as_str(),
            r.body["assignee"].as_i64()
        ),
        (Some("urgent"), Some("Renamed"), Some(ALICE))
    );
    let renamed = env
        .api
        .topics(DESK)
        .into_iter()
        .find(|tp| tp.thread_id == thread)
        .unwrap();
    assert!(renamed.name.ends_with(" Renamed"), "{}", renamed.name);
    let kinds: Vec<String> = env
        .take_events()
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["ticket.closed", "ticket.updated", "ticket.updated"]);

    let r = call(
        &env,
        "PUT",
        &format!("/api/v1/tickets/{id}"),
        Some(&w),
        Some(json!({"priority": "whenever", "title": "", "assignee": 12345, "colour": 1})),
    )
    .await;
    assert_problem(&r, 422, "validation");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 4, "{}", r.body);
    assert_eq!(
        env.ticket(id).await["priority"],
        "urgent",
        "a bad request changes nothing"
    );
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_refused_clearly() {
    let env = DeskEnv::ready().await;
    let t = ticket(&env, "Bodies").await;
    let id = t["ticket_id"].as_str().unwrap();
    let w = key(&env, "default", &["tickets:write"]).await;
    let router = teledesk_app::http::api_router(env.deps.clone());
    let req = |ct: &str, body: &str| {
        Request::put(format!("/api/v1/tickets/{id}"))
            .header("authorization", format!("Bearer {w}"))
            .header("content-type", ct)
            .header("x-request-id", "client-chosen-id_1")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let r = router
        .clone()
        .oneshot(req("text/plain", "priority=high"))
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(r.headers()["x-request-id"], "client-chosen-id_1");
    let r = router
        .clone()
        .oneshot(req("application/json", "{not json"))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = router
        .oneshot(req("application/json", "[1,2]"))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let committed = std::fs::read_to_string(path).expect("docs/openapi.json");
    let generated = teledesk_app::api::openapi::document();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `cargo run --bin teledesk -- openapi > docs/openapi.json`"
    );
}

#[tokio::test]
async fn the_document_and_docs_page_are_served_without_a_key_and_unknown_paths_are_problems() {
    let env = DeskEnv::start().await;
    let r = call(&env, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.1.0");
    assert!(r.body["paths"]["/api/v1/tickets/{id}"]["get"].is_object());
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
    let router = teledesk_app::http::api_router(env.deps.clone());
    let page = router
        .clone()
        .oneshot(Request::get("/docs").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = String::from_utf8(
        axum::body::to_bytes(page.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    // Nothing is loaded from the internet: the one script is served by the binary.
    let srcs: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(srcs, [teledesk_app::api::openapi::REDOC_PATH], "{html}");
    assert!(!html.contains("https://"), "{html}");
    let script = router
        .clone()
        .oneshot(
            Request::get(teledesk_app::api::openapi::REDOC_PATH)
                .header("accept-encoding", "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["content-encoding"], "gzip");
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let gz = axum::body::to_bytes(script.into_body(), 1 << 22)
        .await
        .unwrap();
    let mut js = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut js).unwrap();
    assert_eq!(
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&js)),
        "be5c3330c8c35b8fceb29a5b7552ad45bffc2fd9494fe2e1a82fa94179eb5f8f",
        "redoc 2.1.5's bundles/redoc.standalone.js as published on npm"
    );
    let plain = router
        .oneshot(
            Request::get(teledesk_app::api::openapi::REDOC_PATH)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        plain.status(),
        406,
        "a client that takes no gzip is told so"
    );
    assert_problem(
        &call(&env, "GET", "/api/v1/nothing/here", None, None).await,
        404,
        "not-found",
    );
}

async fn post_idem(env: &DeskEnv, key: &str, idem: Option<&str>, path: &str, body: &Value) -> Resp {
    let router = teledesk_app::http::api_router(env.deps.clone());
    let mut req = Request::post(path)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json");
    if let Some(i) = idem {
        req = req.header("idempotency-key", i);
    }
    let resp = router
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn post_tickets_opens_a_topic_and_idempotency_keys_make_retries_safe() {
    let env = DeskEnv::ready().await;
    let w = key(&env, "default", &["tickets:write"]).await;
    let body =
        json!({"title": "From the CRM <x>", "description": "Order 42 & co", "priority": "high"});
    let r = post_idem(&env, &w, Some("crm-req-1"), "/api/v1/tickets", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["ticket_id"].as_str().unwrap().to_owned();
    assert_eq!(r.headers["location"], format!("/api/v1/tickets/{id}"));
    assert_eq!(
        (r.body["priority"].as_str(), r.body["status"].as_str()),
        (Some("high"), Some("open"))
    );
    let topic = env
        .api
        .topics(DESK)
        .into_iter()
        .find(|t| Some(t.thread_id) == r.body["thread_id"].as_i64())
        .unwrap();
    assert_eq!(topic.name, format!("{id} From the CRM <x>"));
    assert!(env.texts_to(DESK, r.body["thread_id"].as_i64())[0].contains("Order 42 &amp; co"));
    let kinds: Vec<String> = env
        .take_events()
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["topic.created", "ticket.created"]);

    // The same request again: the first answer, nothing done twice.
    let again = post_idem(&env, &w, Some("crm-req-1"), "/api/v1/tickets", &body).await;
    assert_eq!((again.status, again.body.clone()), (201, r.body.clone()));
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(env.api.calls_of("createForumTopic").len(), 1);
    assert!(env.take_events().await.is_empty());
    // The same key with another body.
    let other = post_idem(
        &env,
        &w,
        Some("crm-req-1"),
        "/api/v1/tickets",
        &json!({"title": "Else"}),
    )
    .await;
    assert_problem(&other, 422, "idempotency-key-reused");
    // Without a key, a second request is a second ticket.
    let second = post_idem(&env, &w, None, "/api/v1/tickets", &body).await;
    assert_eq!(second.status, 201);
    assert_ne!(second.body["ticket_id"], r.body["ticket_id"]);
}

/// The hardening issue's cross-tenant finding: the ticket id followed from the raw
/// `Idempotency-Key` or `X-Request-Id`, so two integrators sending the same value got (and
/// changed) one ticket. The operation is now the caller's own (workspace, API key, key), and a
/// request id names nothing.
#[tokio::test]
async fn the_same_idempotency_key_or_request_id_from_two_callers_makes_two_tickets() {
    let env = DeskEnv::ready().await;
    let crm = key(&env, "default", &["tickets:write", "tickets:read"]).await;
    let shop = key(&env, "default", &["tickets:write", "tickets:read"]).await;
    let body = json!({"title": "Same header, different caller"});
    let a = post_idem(&env, &crm, Some("order-1001"), "/api/v1/tickets", &body).await;
    let b = post_idem(&env, &shop, Some("order-1001"), "/api/v1/tickets", &body).await;
    assert_eq!((a.status, b.status), (201, 201), "{} {}", a.body, b.body);
    assert_ne!(a.body["ticket_id"], b.body["ticket_id"]);
    assert!(b.headers.get("idempotent-replayed").is_none());
    assert_eq!(env.api.calls_of("createForumTopic").len(), 2);

    // One caller reusing an X-Request-Id (a log correlation id) gets a new ticket each time.
    let with_request_id = |title: &'static str| {
        let router = teledesk_app::http::api_router(env.deps.clone());
        let req = Request::post("/api/v1/tickets")
            .header("authorization", format!("Bearer {crm}"))
            .header("content-type", "application/json")
            .header("x-request-id", "trace-42")
            .body(Body::from(json!({"title": title}).to_string()))
            .unwrap();
        async move {
            let resp = router.oneshot(req).await.unwrap();
            assert_eq!(resp.status(), 201);
            let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()["ticket_id"].clone()
        }
    };
    let first = with_request_id("First").await;
    let second = with_request_id("Second").await;
    assert_ne!(first, second);
    for (id, title) in [(&first, "First"), (&second, "Second")] {
        let t = call(
            &env,
            "GET",
            &format!("/api/v1/tickets/{}", id.as_str().unwrap()),
            Some(&crm),
            None,
        )
        .await;
        assert_eq!(t.body["title"], title, "each ticket keeps its own title");
    }
    env.assert_clean();
}

#[tokio::test]
async fn a_retry_while_the_first_runs_is_409_and_after_a_5xx_it_runs_again() {
    let env = DeskEnv::ready().await;
    let w = key(&env, "default", &["tickets:write"]).await;
    let body = json!({"title": "Outage"});
    env.api.fail_next(
        "createForumTopic",
        1,
        teledesk_e2e::bot_api::error(502, "Bad Gateway"),
    );
    let first = post_idem(&env, &w, Some("k-5xx"), "/api/v1/tickets", &body).await;
    assert_problem(&first, 503, "unavailable");
    let retry = post_idem(&env, &w, Some("k-5xx"), "/api/v1/tickets", &body).await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(
        env.api
            .calls_of("createForumTopic")
            .iter()
            .filter(|c| c.ok)
            .count(),
        1
    );

    // A record of a request still running (as another Lambda would leave it).
    let (k, secret) = keys::create(
        &env.deps,
        "default",
        "x",
        &["tickets:write".into()],
        None,
        None,
    )
    .await
    .unwrap();
    let body = json!({"title": "Slow"});
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut h, format!("POST /api/v1/tickets\n{body}").as_bytes());
    let fp = hex::encode(sha2::Digest::finalize(h));
    let pk = format!(
        "IDEM#{}#{}",
        k.id,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"k-running"))
    );
    let mut item = serde_json::Map::new();
    item.insert("pk".into(), json!(pk));
    item.insert("sk".into(), json!("IDEM"));
    item.insert("state".into(), json!("running"));
    item.insert("fingerprint".into(), json!(fp));
    teledesk_ports::Table::put(
        env.deps.table.as_ref(),
        item,
        teledesk_ports::table::Condition::None,
    )
    .await
    .unwrap();
    let r = post_idem(&env, &secret, Some("k-running"), "/api/v1/tickets", &body).await;
    assert_problem(&r, 409, "idempotency-in-progress");
}

/// The hardening issue: a request whose answer could not be recorded (or whose process died)
/// left its record `running` for 24 h, so every retry got 409. Now a retry after the lease takes
/// the record over and runs again, continuing the same operation (one ticket, one topic).
#[tokio::test]
async fn a_request_that_could_not_record_its_answer_is_taken_over_after_its_lease() {
    let env = DeskEnv::ready_with(teledesk_app::config::Config {
        idempotency_lease: std::time::Duration::ZERO,
        ..Default::default()
    })
    .await;
    let w = key(&env, "default", &["tickets:write"]).await;
    let body = json!({"title": "Answer lost"});
    env.faults
        .fail_puts(1, |item| item["sk"] == "IDEM" && item["state"] == "done");
    let first = post_idem(&env, &w, Some("k-lost"), "/api/v1/tickets", &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let rec = env.tickets().await;
    assert_eq!(rec.len(), 1);
    let retry = post_idem(&env, &w, Some("k-lost"), "/api/v1/tickets", &body).await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert!(
        retry.headers.get("idempotent-replayed").is_none(),
        "it ran again"
    );
    assert_eq!(
        retry.body["ticket_id"], first.body["ticket_id"],
        "the same ticket"
    );
    assert_eq!(env.tickets().await.len(), 1);
    assert_eq!(env.api.calls_of("createForumTopic").len(), 1);
    let third = post_idem(&env, &w, Some("k-lost"), "/api/v1/tickets", &body).await;
    assert_eq!(third.headers["idempotent-replayed"], "true");
    assert_eq!(third.body["ticket_id"], first.body["ticket_id"]);
    env.assert_clean();
}

/// An answer larger than a table item can hold is kept in the file store and replayed from
/// there; an answer holding a secret shown once (`Cache-Control: no-store`) is not kept at all.
#[tokio::test]
async fn large_answers_are_replayed_from_the_file_store_and_secrets_are_never_kept() {
    use axum::routing::post;
    let env = DeskEnv::ready().await;
    let (k, _) = keys::create(&env.deps, "default", "big", &["admin".into()], None, None)
        .await
        .unwrap();
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = runs.clone();
    let app = axum::Router::new()
        .route(
            "/big",
            post(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    "z".repeat(1024 * 1024)
                }
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            env.deps.clone(),
            teledesk_app::api::idempotency::idempotency,
        ))
        .layer(axum::middleware::from_fn(
            move |mut req: axum::extract::Request, next: axum::middleware::Next| {
                req.extensions_mut()
                    .insert(teledesk_app::api::Caller(k.clone()));
                next.run(req)
            },
        ));
    let call_big = || {
        let app = app.clone();
        async move {
            let resp = app
                .oneshot(
                    Request::post("/big")
                        .header("idempotency-key", "big-1")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let replayed = resp.headers().contains_key("idempotent-replayed");
            let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
                .await
                .unwrap();
            (replayed, body.len())
        }
    };
    assert_eq!(call_big().await, (false, 1024 * 1024));
    assert_eq!(call_big().await, (true, 1024 * 1024));
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);

    let admin = key(&env, "default", &["admin"]).await;
    let code = post_idem(
        &env,
        &admin,
        Some("code-1"),
        "/api/v1/desks/setup-codes",
        &json!({}),
    )
    .await;
    assert_eq!(code.status, 201, "{}", code.body);
    let secret = code.body["code"].as_str().unwrap().to_owned();
    let again = post_idem(
        &env,
        &admin,
        Some("code-1"),
        "/api/v1/desks/setup-codes",
        &json!({}),
    )
    .await;
    assert_problem(&again, 409, "idempotency-not-replayable");
    let key_id = admin.split('_').nth(1).unwrap();
    let record = env
        .item(
            &format!(
                "IDEM#{key_id}#{}",
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"code-1"))
            ),
            "IDEM",
        )
        .await
        .expect("the request is recorded");
    assert_eq!(record["replay"], "no-store");
    assert!(record.get("body").is_none() && record.get("body_file").is_none());
    assert!(!serde_json::to_string(&record).unwrap().contains(&secret));
}

#[tokio::test]
async fn post_tickets_validates_and_says_when_the_desk_is_not_ready() {
    let env = DeskEnv::start().await;
    let w = key(&env, "default", &["tickets:write"]).await;
    let r = post_idem(
        &env,
        &w,
        None,
        "/api/v1/tickets",
        &json!({"description": 5, "priority": "x"}),
    )
    .await;
    assert_problem(&r, 422, "validation");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3, "{}", r.body);
    let r = post_idem(
        &env,
        &w,
        None,
        "/api/v1/tickets",
        &json!({"title": "No desk"}),
    )
    .await;
    assert_problem(&r, 409, "desk-not-ready");
    env.deliver(env.bot_status(DESK, "administrator", false))
        .await;
    let r = post_idem(
        &env,
        &w,
        None,
        "/api/v1/tickets",
        &json!({"title": "No rights", "chat_id": DESK}),
    )
    .await;
    assert_problem(&r, 409, "desk-not-ready");
    assert!(
        r.body["detail"].as_str().unwrap().contains("Manage topics"),
        "{}",
        r.body
    );
    assert!(env.tickets().await.is_empty());
}

#[tokio::test]
async fn messages_are_listed_with_their_copies_and_sent_through_the_desk() {
    let env = DeskEnv::ready().await;
    const CAROL: i64 = 9_401;
    env.deliver(env.text(CAROL, None, CAROL, "where is my order"))
        .await;
    let t = env.tickets().await.pop().unwrap();
    let id = t["ticket_id"].as_str().unwrap().to_owned();
    let thread = t["thread_id"].as_i64().unwrap();
    env.deliver(env.text(DESK, Some(thread), ALICE, "checking"))
        .await;
    env.take_events().await;

    let r = call(
        &env,
        "GET",
        &format!("/api/v1/tickets/{id}/messages?limit=1"),
        Some(&key(&env, "default", &["messages:read"]).await),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let first = &r.body["data"][0];
    assert_eq!(
        (first["side"].as_str(), first["text"].as_str()),
        (Some("customer"), Some("where is my order"))
    );
    assert_eq!(first["copies"][0]["status"], "sent");
    assert_eq!(first["copies"][0]["chat_id"], DESK);
    assert_eq!(r.body["has_more"], true);

    let w = key(&env, "default", &["messages:write"]).await;
    let sent = post_idem(
        &env,
        &w,
        Some("m-1"),
        &format!("/api/v1/tickets/{id}/messages"),
        &json!({"text": "Ships <today> & tomorrow"}),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["side"], "staff");
    assert_eq!(sent.body["copies"][0]["chat_id"], CAROL);
    assert_eq!(sent.body["copies"][0]["status"], "sent");
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .contains("Ships &lt;today&gt; &amp; tomorrow")
    );
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        2,
        "the staff message and the API's"
    );
    assert_eq!(env.ticket(&id).await["status"], "pending");
    let kinds: Vec<String> = env
        .take_events()
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"message.sent".to_owned()), "{kinds:?}");
    // A retry is answered from the first attempt: no second message.
    let again = post_idem(
        &env,
        &w,
        Some("m-1"),
        &format!("/api/v1/tickets/{id}/messages"),
        &json!({"text": "Ships <today> & tomorrow"}),
    )
    .await;
    assert_eq!(again.body, sent.body);
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        2
    );

    let bad = post_idem(
        &env,
        &w,
        None,
        &format!("/api/v1/tickets/{id}/messages"),
        &json!({"text": ""}),
    )
    .await;
    assert_problem(&bad, 422, "validation");
    env.deliver(env.command(DESK, Some(thread), ALICE, "/close_ticket"))
        .await;
    let closed = post_idem(
        &env,
        &w,
        None,
        &format!("/api/v1/tickets/{id}/messages"),
        &json!({"text": "late"}),
    )
    .await;
    assert_problem(&closed, 409, "ticket-closed");
}

#[tokio::test]
async fn attachments_come_with_download_links_and_mentions_open_topics() {
    let env = DeskEnv::ready().await;
    const CAROL: i64 = 9_402;
    env.deliver(env.text(CAROL, None, CAROL, "photo next"))
        .await;
    let t = env.tickets().await.pop().unwrap();
    let id = t["ticket_id"].as_str().unwrap().to_owned();
    env.api
        .add_file("api-ph", "photos/api.jpg", b"API-PHOTO".to_vec());
    env.deliver(env.with(CAROL, None, CAROL, json!({"photo": [{"file_id": "api-ph", "file_unique_id": "uap", "width": 10, "height": 10, "file_size": 9}]}))).await;
    let r = call(
        &env,
        "GET",
        &format!("/api/v1/tickets/{id}/attachments"),
        Some(&key(&env, "default", &["messages:read"]).await),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = &r.body["data"][0];
    assert_eq!(
        (a["status"].as_str(), a["media"]["kind"].as_str()),
        (Some("stored"), Some("photo"))
    );
    let (k, sha) = teledesk_app::desk::attachments::content_key(b"API-PHOTO");
    assert_eq!(a["sha256"], sha);
    assert!(
        a["download_url"].as_str().unwrap().contains(&k),
        "{}",
        a["download_url"]
    );

    let w = key(&env, "default", &["tickets:write"]).await;
    let m = post_idem(
        &env,
        &w,
        None,
        &format!("/api/v1/tickets/{id}/mention"),
        &json!({"username": "@bob_b"}),
    )
    .await;
    assert_eq!(m.status, 200, "{}", m.body);
    assert_eq!(
        (m.body["user_id"].as_i64(), m.body["chat_id"].as_i64()),
        (Some(BOB), Some(OTHER))
    );
    assert_eq!(env.api.topics(OTHER).len(), 1);
    let none = post_idem(
        &env,
        &w,
        None,
        &format!("/api/v1/tickets/{id}/mention"),
        &json!({"username": "nobody_x"}),
    )
    .await;
    assert_problem(&none, 404, "not-found");
    let both = post_idem(
        &env,
        &w,
        None,
        &format!("/api/v1/tickets/{id}/mention"),
        &json!({"username": "bob_b", "user_id": BOB}),
    )
    .await;
    assert_problem(&both, 422, "validation");
}

#[tokio::test]
async fn desks_and_staff_are_managed_per_workspace() {
    let env = DeskEnv::ready().await;
    let admin = key(&env, "default", &["admin"]).await;
    let other = key(&env, "other", &["admin"]).await;
    let r = call(&env, "GET", "/api/v1/desks", Some(&admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let desks = r.body["data"].as_array().unwrap();
    assert_eq!(desks.len(), 2);
    assert!(
        desks
            .iter()
            .any(|d| d["chat_id"] == DESK && d["is_desk"] == true && d["problems"] == json!([]))
    );
    assert_eq!(
        call(&env, "GET", "/api/v1/desks", Some(&other), None)
            .await
            .body["data"],
        json!([])
    );
    assert_problem(
        &call(
            &env,
            "GET",
            &format!("/api/v1/desks/{DESK}"),
            Some(&other),
            None,
        )
        .await,
        404,
        "not-found",
    );
    let r = call(
        &env,
        "POST",
        &format!("/api/v1/desks/{OTHER}/setup"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["is_desk"].as_bool()),
        (200, Some(true)),
        "{}",
        r.body
    );
    let r = call(
        &env,
        "GET",
        &format!("/api/v1/desks/{DESK}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.body["is_desk"], false, "one desk per bot");
    assert_problem(
        &call(
            &env,
            "POST",
            &format!("/api/v1/desks/{DESK}/setup"),
            Some(&key(&env, "default", &["tickets:write"]).await),
            None,
        )
        .await,
        403,
        "missing-scope",
    );

    let r = call(&env, "GET", "/api/v1/staff", Some(&admin), None).await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    let r = call(
        &env,
        "POST",
        "/api/v1/staff",
        Some(&admin),
        Some(json!({"user_id": 777, "username": "@Dana_D", "name": "Dana", "groups": [DESK]})),
    )
    .await;
    assert_eq!(
        (r.status, r.body["username"].as_str()),
        (200, Some("Dana_D")),
        "{}",
        r.body
    );
    let r = call(
        &env,
        "POST",
        "/api/v1/staff",
        Some(&admin),
        Some(json!({"user_id": 778, "username": "dana_d", "name": "Impostor"})),
    )
    .await;
    assert_problem(&r, 409, "username-taken");
    let r = call(
        &env,
        "POST",
        "/api/v1/staff",
        Some(&admin),
        Some(json!({"username": "x"})),
    )
    .await;
    assert_problem(&r, 422, "validation");
    assert_problem(
        &call(&env, "GET", "/api/v1/staff/777", Some(&other), None).await,
        404,
        "not-found",
    );
    assert_eq!(
        call(&env, "DELETE", "/api/v1/staff/777", Some(&other), None)
            .await
            .status,
        404
    );
    assert_eq!(
        call(&env, "DELETE", "/api/v1/staff/777", Some(&admin), None)
            .await
            .status,
        204
    );
    assert_eq!(
        call(&env, "GET", "/api/v1/staff/777", Some(&admin), None)
            .await
            .status,
        404
    );
}

/// Partition reads are bounded: staff and channel sources are listed a page at a time, with the
/// same tamper-proof cursors as tickets.
#[tokio::test]
async fn staff_and_channel_sources_are_listed_a_page_at_a_time() {
    let env = DeskEnv::start().await;
    let admin = key(&env, "default", &["admin"]).await;
    for i in 0..5 {
        env.add_staff(600 + i, &format!("user_{i}"), "U", &[]).await;
        let r = call(
            &env,
            "POST",
            "/api/v1/channel-sources",
            Some(&admin),
            Some(json!({"channel": format!("channel_{i}")})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for listing in ["/api/v1/staff", "/api/v1/channel-sources"] {
        let mut seen = 0;
        let mut url = format!("{listing}?limit=2");
        let mut pages = 0;
        loop {
            let r = call(&env, "GET", &url, Some(&admin), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let n = r.body["data"].as_array().unwrap().len();
            assert!(n <= 2);
            seen += n;
            pages += 1;
            match r.body["next_cursor"].as_str() {
                Some(c) => {
                    assert_eq!(r.body["has_more"], true);
                    url = format!("{listing}?limit=2&cursor={c}");
                }
                None => break,
            }
        }
        assert_eq!((seen, pages >= 3), (5, true), "{listing}");
        let bad = call(
            &env,
            "GET",
            &format!("{listing}?cursor=forged"),
            Some(&admin),
            None,
        )
        .await;
        assert_problem(&bad, 422, "validation");
    }
}

#[tokio::test]
async fn bots_and_keys_are_managed_without_ever_showing_a_secret() {
    let env = DeskEnv::ready().await;
    let admin = key(&env, "default", &["admin"]).await;
    let other = key(&env, "other", &["admin"]).await;
    let secret_part = env.token.split_once(':').unwrap().1.to_owned();
    let r = call(&env, "GET", "/api/v1/bots", Some(&admin), None).await;
    assert_eq!(r.body["data"][0]["bot_id"], BOT_ID.to_string());
    let r = call(
        &env,
        "GET",
        &format!("/api/v1/bots/{BOT_ID}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["webhook"]["url"].is_string());
    let text = r.body.to_string();
    assert!(
        !text.contains(&secret_part) && !text.contains(SECRET),
        "{text}"
    );
    assert_problem(
        &call(
            &env,
            "GET",
            &format!("/api/v1/bots/{BOT_ID}"),
            Some(&other),
            None,
        )
        .await,
        404,
        "not-found",
    );
    let r = call(
        &env,
        "POST",
        "/api/v1/bots",
        Some(&other),
        Some(json!({"token": env.token})),
    )
    .await;
    assert_problem(&r, 409, "bot-in-other-workspace");
    assert!(!r.body.to_string().contains(&secret_part));
    let r = call(
        &env,
        "POST",
        "/api/v1/bots",
        Some(&admin),
        Some(json!({"token": "not-a-token"})),
    )
    .await;
    assert_problem(&r, 422, "validation");
    let r = call(
        &env,
        "POST",
        &format!("/api/v1/bots/{BOT_ID}/webhook"),
        Some(&admin),
        Some(json!({"url": "https://desk.example.test/"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        env.api.webhook(&env.token).0,
        format!("https://desk.example.test/telegram/{BOT_ID}")
    );
    assert_eq!(env.api.webhook(&env.token).1.as_deref(), Some(SECRET));
    // Not https, nothing after the scheme, a space, a NEL (U+0085, which the
    // schema's old `\S` let through) and a non-ASCII host are all refused,
    // and the webhook set above stays.
    for bad in [
        "http://plain.example",
        "https://",
        "https://a b.example",
        "https://a\u{85}b.example",
        "https://пример.example",
    ] {
        let r = call(
            &env,
            "POST",
            &format!("/api/v1/bots/{BOT_ID}/webhook"),
            Some(&admin),
            Some(json!({ "url": bad })),
        )
        .await;
        assert_problem(&r, 422, "validation");
        assert_eq!(
            env.api.webhook(&env.token).0,
            format!("https://desk.example.test/telegram/{BOT_ID}"),
            "{bad:?}"
        );
    }

    let r = call(
        &env,
        "POST",
        "/api/v1/keys",
        Some(&admin),
        Some(json!({"name": "crm", "scopes": ["tickets:read"], "rate_limit_per_minute": 50})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let new_key = r.body["key"].as_str().unwrap().to_owned();
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&env, "GET", "/api/v1/tickets", Some(&new_key), None)
            .await
            .status,
        200
    );
    let listed = call(&env, "GET", "/api/v1/keys", Some(&admin), None).await;
    assert!(
        !listed.body.to_string().contains(&new_key[17..]),
        "a listed key never shows its secret"
    );
    assert!(
        listed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["id"] == id.as_str())
    );
    let r = call(
        &env,
        "POST",
        "/api/v1/keys",
        Some(&admin),
        Some(json!({"name": "", "scopes": ["root"], "expires_at": 5})),
    )
    .await;
    assert_problem(&r, 422, "validation");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3);
    assert_problem(
        &call(
            &env,
            "DELETE",
            &format!("/api/v1/keys/{id}"),
            Some(&other),
            None,
        )
        .await,
        404,
        "not-found",
    );
    let r = call(
        &env,
        "DELETE",
        &format!("/api/v1/keys/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert!(r.body["revoked_at"].as_i64().is_some());
    assert_problem(
        &call(&env, "GET", "/api/v1/tickets", Some(&new_key), None).await,
        401,
        "unauthorized",
    );
}

#[tokio::test]
async fn framework_errors_are_problems_too_and_message_endpoints_respect_tenancy() {
    let env = DeskEnv::ready().await;
    let admin = key(&env, "default", &["admin"]).await;
    let r = call(&env, "DELETE", "/api/v1/tickets", Some(&admin), None).await;
    assert_problem(&r, 405, "method-not-allowed");
    let big = json!({"title": "x".repeat(2 << 20)});
    let r = call(&env, "POST", "/api/v1/tickets", Some(&admin), Some(big)).await;
    assert_problem(&r, 413, "too-large");
    assert!(env.tickets().await.is_empty());

    let t = ticket(&env, "Tenancy").await;
    let id = t["ticket_id"].as_str().unwrap();
    let other = key(&env, "other", &["admin"]).await;
    for (method, path, body) in [
        ("GET", format!("/api/v1/tickets/{id}/messages"), None),
        (
            "POST",
            format!("/api/v1/tickets/{id}/messages"),
            Some(json!({"text": "hi"})),
        ),
        ("GET", format!("/api/v1/tickets/{id}/attachments"), None),
        (
            "POST",
            format!("/api/v1/tickets/{id}/mention"),
            Some(json!({"username": "bob_b"})),
        ),
        ("POST", format!("/api/v1/tickets/{id}/reopen"), None),
    ] {
        let r = call(&env, method, &path, Some(&other), body).await;
        assert_problem(&r, 404, "not-found");
    }
    assert!(
        env.api.topics(OTHER).is_empty(),
        "nothing was done for the other workspace"
    );
}

/// A multipart field: name, (file name, content type) for a file, and the bytes.
type Field<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

fn multipart(parts: &[Field<'_>]) -> (String, Vec<u8>) {
    let boundary = "teledesk-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((file_name, mime)) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_raw(env: &DeskEnv, key: &str, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
    let router = teledesk_app::http::api_router(env.deps.clone());
    let req = Request::post(path)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn files_are_sent_by_upload_or_from_a_stored_attachment() {
    let env = DeskEnv::ready().await;
    const CAROL: i64 = 9_403;
    env.deliver(env.text(CAROL, None, CAROL, "send me the invoice"))
        .await;
    let t = env.tickets().await.pop().unwrap();
    let id = t["ticket_id"].as_str().unwrap().to_owned();
    let w = key(&env, "default", &["messages:write"]).await;
    let path = format!("/api/v1/tickets/{id}/messages");

    let (ct, body) = multipart(&[
        ("text", None, "Invoice <42>".as_bytes()),
        (
            "file",
            Some(("invoice.pdf", "application/pdf")),
            b"%PDF-1.7 invoice",
        ),
    ]);
    let r = post_raw(&env, &w, &path, &ct, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["media"]["kind"].as_str(), r.body["caption"].as_str()),
        (Some("document"), Some("Invoice <42>"))
    );
    assert_eq!(r.body["copies"][0]["chat_id"], CAROL);
    let docs = env.api.calls_of("sendDocument");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].params["message_thread_id"], t["thread_id"]);
    env.drain().await;
    let sent_id = r.body["message_id"].as_i64().unwrap();
    let att = env
        .item(
            &format!("MSG#{BOT_ID}#{DESK}"),
            &format!("{sent_id:012}#att"),
        )
        .await
        .expect("recorded");
    assert_eq!(att["status"], "stored", "{att:?}");
    assert_eq!(
        att["key"],
        teledesk_app::desk::attachments::content_key(b"%PDF-1.7 invoice").0
    );

    // The stored attachment sent again, by reference.
    let again = post_idem(
        &env,
        &w,
        None,
        &path,
        &json!({"attachment": {"chat_id": DESK, "message_id": sent_id}, "text": "again"}),
    )
    .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(env.api.calls_of("sendDocument").len(), 2);

    let (ct, body) = multipart(&[("text", None, b"no file")]);
    assert_problem(
        &post_raw(&env, &w, &path, &ct, body).await,
        422,
        "validation",
    );
    let long = "x".repeat(1025);
    let (ct, body) = multipart(&[
        ("text", None, long.as_bytes()),
        ("file", Some(("a.txt", "text/plain")), b"a"),
    ]);
    assert_problem(
        &post_raw(&env, &w, &path, &ct, body).await,
        422,
        "validation",
    );
    let r = post_idem(
        &env,
        &w,
        None,
        &path,
        &json!({"attachment": {"chat_id": DESK, "message_id": 1}}),
    )
    .await;
    assert_problem(&r, 404, "not-found");
    // A body over 4 MB is refused (a Lambda takes at most 6 MB, base64-encoded): it is sent
    // through an upload instead.
    let big: Vec<u8> = (0..=255u8).cycle().take(6 * 1024 * 1024).collect();
    let (ct, body) = multipart(&[("file", Some(("big.bin", "application/octet-stream")), &big)]);
    let refused = post_raw(&env, &w, &path, &ct, body).await;
    assert_problem(&refused, 413, "too-large");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/uploads")
    );
    assert_eq!(
        env.api.calls_of("sendDocument").len(),
        2,
        "refused uploads send nothing"
    );
    let up = post_idem(
        &env,
        &w,
        None,
        "/api/v1/uploads",
        &json!({"file_name": "big.bin", "content_type": "application/octet-stream", "size": big.len()}),
    )
    .await;
    assert_eq!(up.status, 201, "{}", up.body);
    assert_eq!(up.headers["cache-control"], "no-store");
    let upload_id = up.body["upload_id"].as_str().unwrap().to_owned();
    // Referenced before anything was PUT: nothing to send yet.
    let early = post_idem(&env, &w, None, &path, &json!({"upload_id": upload_id})).await;
    assert_problem(&early, 409, "upload-missing");
    let put = reqwest::Client::new()
        .put(up.body["url"].as_str().unwrap())
        .header("content-type", "application/octet-stream")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    // Another workspace cannot use it.
    let stranger = key(&env, "acme", &["messages:write", "tickets:read"]).await;
    let r = post_idem(
        &env,
        &stranger,
        None,
        &path,
        &json!({"upload_id": upload_id}),
    )
    .await;
    assert_problem(&r, 404, "not-found");
    let sent = post_idem(
        &env,
        &w,
        None,
        &path,
        &json!({"upload_id": upload_id, "text": "the 6 MB file"}),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["caption"], "the 6 MB file");
    let docs = env.api.calls_of("sendDocument");
    assert_eq!(docs.len(), 3);
    // Bad upload requests are clear 422s.
    for bad in [
        json!({"file_name": "x", "content_type": "pdf", "size": 1}),
        json!({"file_name": "", "content_type": "application/pdf", "size": 1}),
        json!({"file_name": "x", "content_type": "application/pdf", "size": 52_428_801}),
        json!({"file_name": "x", "content_type": "application/pdf", "size": 0}),
        json!({"file_name": "x", "content_type": "application/pdf", "size": 1, "extra": 1}),
    ] {
        let r = post_idem(&env, &w, None, "/api/v1/uploads", &bad).await;
        assert_problem(&r, 422, "validation");
    }
    env.assert_clean();
}

/// Every operation of the OpenAPI document: no key, a revoked key and an expired key are 401; a key
/// without the operation's scope is 403; nothing runs.
#[tokio::test]
async fn every_endpoint_refuses_missing_revoked_expired_and_unscoped_keys() {
    let env = DeskEnv::ready().await;
    let doc: Value = serde_json::from_str(&teledesk_app::api::openapi::document()).unwrap();
    let (revoked, revoked_key) =
        keys::create(&env.deps, "default", "r", &["admin".into()], None, None)
            .await
            .unwrap();
    keys::revoke(&env.deps, "default", &revoked.id)
        .await
        .unwrap();
    let (_, expired_key) =
        keys::create(&env.deps, "default", "e", &["admin".into()], Some(1), None)
            .await
            .unwrap();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(scope) = op["security"][0]["bearer"][0].as_str() else {
                continue; // /healthz
            };
            let concrete = path
                .replace("{id}", "TICK-NOPE0000-00000000")
                .replace("{chat_id}", &DESK.to_string())
                .replace("{user_id}", &ALICE.to_string())
                .replace("{bot_id}", &BOT_ID.to_string());
            let method = method.to_uppercase();
            let body = (method == "POST" || method == "PUT").then(|| json!({}));
            for k in [None, Some(revoked_key.as_str()), Some(expired_key.as_str())] {
                let r = call(&env, &method, &concrete, k, body.clone()).await;
                assert_problem(&r, 401, "unauthorized");
            }
            let other_scope = [
                "tickets:read",
                "messages:read",
                "messages:write",
                "tickets:write",
            ]
            .into_iter()
            .find(|s| *s != scope)
            .unwrap();
            let unscoped = key(&env, "default", &[other_scope]).await;
            let r = call(&env, &method, &concrete, Some(&unscoped), body.clone()).await;
            assert_problem(&r, 403, "missing-scope");
            assert!(
                r.body["detail"].as_str().unwrap().contains(scope),
                "{method} {path}: {}",
                r.body
            );
            checked += 1;
        }
    }
    let all: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        checked,
        all - 1,
        "every operation but /healthz needs a key and was checked"
    );
    assert!(checked >= 33);
    assert_eq!(env.api.calls_of("createForumTopic").len(), 0);
    assert_eq!(env.api.calls_of("setWebhook").len(), 0);
}

#[tokio::test]
async fn another_workspace_sees_and_changes_none_of_this_workspace() {
    let env = DeskEnv::ready().await;
    let other = key(&env, "other", &["admin"]).await;
    let mine = key(&env, "default", &["admin"]).await;
    let r = post_idem(
        &env,
        &other,
        None,
        "/api/v1/tickets",
        &json!({"title": "Steal", "bot_id": BOT_ID.to_string()}),
    )
    .await;
    assert_problem(&r, 404, "not-found");
    let r = post_idem(
        &env,
        &other,
        None,
        "/api/v1/tickets",
        &json!({"title": "No bot here"}),
    )
    .await;
    assert_problem(&r, 409, "no-bot");
    for path in ["/api/v1/bots", "/api/v1/staff", "/api/v1/desks"] {
        assert_eq!(
            call(&env, "GET", path, Some(&other), None).await.body["data"],
            json!([]),
            "{path}"
        );
    }
    let keys_seen = call(&env, "GET", "/api/v1/keys", Some(&other), None).await;
    assert!(
        keys_seen.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["workspace"] == "other")
    );
    assert_problem(
        &call(
            &env,
            "POST",
            &format!("/api/v1/desks/{DESK}/setup"),
            Some(&other),
            None,
        )
        .await,
        404,
        "not-found",
    );
    let r = call(
        &env,
        "POST",
        &format!("/api/v1/bots/{BOT_ID}/webhook"),
        Some(&other),
        Some(json!({"url": "https://evil.example"})),
    )
    .await;
    assert_problem(&r, 404, "not-found");
    assert_eq!(
        env.api.webhook(&env.token).0,
        "",
        "the webhook was not touched"
    );
    let my_key_id = keys::list(&env.deps, "default").await.unwrap()[0]
        .id
        .clone();
    assert_problem(
        &call(
            &env,
            "DELETE",
            &format!("/api/v1/keys/{my_key_id}"),
            Some(&other),
            None,
        )
        .await,
        404,
        "not-found",
    );
    assert_eq!(
        call(&env, "GET", "/api/v1/tickets", Some(&mine), None)
            .await
            .status,
        200,
        "the key still works"
    );
    assert!(env.tickets().await.is_empty());
}

#[tokio::test]
async fn a_key_records_when_it_was_last_used() {
    let env = DeskEnv::ready().await;
    let (k, secret) = keys::create(
        &env.deps,
        "default",
        "used",
        &["tickets:read".into()],
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        keys::get(&env.deps, &k.id)
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        None
    );
    assert_eq!(
        call(&env, "GET", "/api/v1/tickets", Some(&secret), None)
            .await
            .status,
        200
    );
    let used = keys::get(&env.deps, &k.id)
        .await
        .unwrap()
        .unwrap()
        .last_used_at;
    assert!(
        used.is_some_and(|t| (teledesk_ports::now_secs() - t).abs() < 60),
        "{used:?}"
    );
    let admin = key(&env, "default", &["admin"]).await;
    let listed = call(&env, "GET", "/api/v1/keys", Some(&admin), None).await;
    let row = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == k.id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["last_used_at"].as_i64(), used);
}
