//! Requests from leads: the admin chat's *Convert to request* button and `/request LEAD-…`, the
//! API's convert (once), money in minor units from the scenario's mapping, direct requests and
//! their changes.

use serde_json::{Value, json};
use teledesk_app::scenarios::{read_file, store as leads, validate::validate};
use teledesk_e2e::desk::{ADMIN, DeskEnv, OTHER, api};

const CAR: &str = include_str!("../../examples/scenarios/car_request.yaml");

async fn env_with_lead() -> (DeskEnv, String) {
    let env = DeskEnv::ready().await;
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.setup_admin_with_code(OTHER, ADMIN).await;
    let sc = validate(&read_file(CAR).unwrap()).unwrap();
    leads::publish(env.deps.table.as_ref(), "default", &sc, "test")
        .await
        .unwrap();
    let key = key(&env, &["leads:write", "requests:write", "requests:read"]).await;
    let form = json!({"scenario": "car_request", "consent_at": 1_790_000_000,
        "answers": {"make": "toyota", "model": "RAV4", "year_from": 2018, "year_to": 2021,
                    "currency": "USD", "budget": "25 000", "city": {"city": "Kyiv"}, "phone": "+380501234567"}});
    let (s, lead) = api(&env, &key, "POST", "/api/v1/leads", Some(form)).await;
    assert_eq!(s, 201, "{lead}");
    env.take_events().await;
    (env, lead["id"].as_str().unwrap().to_owned())
}

async fn key(env: &DeskEnv, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    teledesk_app::api::api_keys::create(&env.deps, "default", "t", &scopes, None, None)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn converting_a_lead_through_the_api_makes_one_draft_in_minor_units() {
    let (env, lead) = env_with_lead().await;
    let k = key(&env, &["requests:write", "requests:read"]).await;
    let path = format!("/api/v1/leads/{lead}/convert");
    let (s, r) = api(&env, &k, "POST", &path, None).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["status"], "draft");
    assert_eq!(r["lead_id"], json!(lead));
    assert_eq!(r["make"], "Toyota", "a choice reads as its label");
    assert_eq!(r["model"], "RAV4");
    assert_eq!(
        (r["year_min"].as_i64(), r["year_max"].as_i64()),
        (Some(2018), Some(2021))
    );
    assert_eq!(r["budget_max"], 2_500_000, "25 000 USD in cents");
    assert_eq!(r["currency"], "USD");
    assert_eq!(r["city"], "Kyiv");
    let events = env.take_events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"request.created") && kinds.contains(&"lead.converted"),
        "{kinds:?}"
    );
    // Twice: the same request, 200.
    let (s, again) = api(&env, &k, "POST", &path, None).await;
    assert_eq!((s, &again["id"]), (200, &r["id"]));
    let (_, list) = api(&env, &k, "GET", "/api/v1/requests", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let lead_now = leads::get(env.deps.table.as_ref(), &lead)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lead_now.status, "converted");
    // Changes are recorded; a bad one changes nothing.
    let id = r["id"].as_str().unwrap();
    let (s, p) = api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/requests/{id}"),
        Some(json!({"budget_max": 2_600_000, "currency": "XYZ"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/requests/{id}"),
        Some(json!({"mileage_max": 80_000, "notes": "no accidents"})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["mileage_max"], 80_000);
    assert_eq!(p["budget_max"], 2_500_000);
    let last = p["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["via"], "api");
    assert_eq!(last["changed"]["mileage_max"], 80_000);
    let (s, _) = api(&env, &k, "GET", "/api/v1/requests?status=closed", None).await;
    assert_eq!(s, 200);
    let (s, _) = api(&env, &k, "POST", "/api/v1/leads/LEAD-NOPE/convert", None).await;
    assert_eq!(s, 404);
    let r_only = key(&env, &["requests:read"]).await;
    let (s, _) = api(&env, &r_only, "POST", &path, None).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn a_direct_request_needs_a_currency_with_its_budget() {
    let (env, _) = env_with_lead().await;
    let k = key(&env, &["requests:write", "requests:read"]).await;
    let (s, p) = api(
        &env,
        &k,
        "POST",
        "/api/v1/requests",
        Some(json!({"make": "BMW", "budget_max": 3_000_000})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "currency");
    let (s, p) = api(&env, &k, "POST", "/api/v1/requests", Some(json!({"make": "BMW", "budget_max": 300_000_000, "currency": "jpy", "year_min": 2020, "year_max": 2019}))).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "year_min");
    let (s, p) = api(
        &env,
        &k,
        "POST",
        "/api/v1/requests",
        Some(json!({"make": "BMW", "budget_max": 3_000_000, "currency": "jpy"})),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        (p["currency"].as_str(), p["lead_id"].as_str()),
        (Some("JPY"), None)
    );
}

fn admin_press(env: &DeskEnv, from: i64, mid: i64, data: &str, text: &Value) -> Value {
    json!({"update_id": env.next_update_id(), "callback_query": {
        "id": format!("cq-{}", env.next_update_id()),
        "from": {"id": from, "is_bot": false, "first_name": "Ada"},
        "chat_instance": "ci", "data": data,
        "message": {"message_id": mid, "date": 1, "chat": {"id": OTHER, "type": "supergroup", "title": "Sales"},
                    "text": text}}})
}

#[tokio::test]
async fn the_admin_chat_converts_by_button_and_by_command_once() {
    let env = DeskEnv::ready().await;
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.setup_admin_with_code(OTHER, ADMIN).await;
    let sc = validate(&read_file(CAR).unwrap()).unwrap();
    leads::publish(env.deps.table.as_ref(), "default", &sc, "test")
        .await
        .unwrap();
    // A customer's conversation to a lead, through Telegram.
    let user = 801;
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    let press = |label: &'static str| {
        let env = &env;
        async move {
            let call = env
                .api
                .calls_of("sendMessage")
                .into_iter()
                .rfind(|c| {
                    c.ok && c.params["chat_id"].as_i64() == Some(user)
                        && c.params["reply_markup"]["inline_keyboard"].is_array()
                })
                .unwrap();
            let mid = call.result["message_id"].as_i64().unwrap();
            let msg = env.api.message(user, mid).unwrap();
            let data = msg["reply_markup"]["inline_keyboard"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|r| r.as_array().unwrap().clone())
                .find(|b| b["text"].as_str().unwrap().contains(label))
                .unwrap()["callback_data"]
                .as_str()
                .unwrap()
                .to_owned();
            env.deliver(env.private_callback(user, mid, &data)).await;
        }
    };
    press("I agree").await;
    press("Škoda").await;
    for a in ["Octavia", "2017", "2020"] {
        env.deliver(env.text(user, None, user, a)).await;
    }
    press("EUR").await;
    for a in ["18k", "Lviv", "+48 601 234 567"] {
        env.deliver(env.text(user, None, user, a)).await;
    }
    press("Submit").await;
    let lead = leads::page(env.deps.table.as_ref(), "default", 10, None)
        .await
        .unwrap()
        .0
        .pop()
        .unwrap();
    // The summary's Convert button belongs to the requests capability.
    let summary = env
        .api
        .sent_to(OTHER, None)
        .into_iter()
        .rev()
        .find(|m| m["text"].as_str().unwrap_or_default().contains(&lead.id))
        .unwrap();
    let convert = summary["reply_markup"]["inline_keyboard"][0][0].clone();
    assert!(
        convert["text"].as_str().unwrap().contains("Convert"),
        "{summary}"
    );
    let data = convert["callback_data"].as_str().unwrap().to_owned();
    assert_eq!(data, format!("rq1:cv:{}", lead.id));
    let mid = env
        .api
        .calls_of("sendMessage")
        .into_iter()
        .rev()
        .find(|c| {
            c.params["chat_id"].as_i64() == Some(OTHER)
                && c.params["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(&lead.id)
        })
        .unwrap()
        .result["message_id"]
        .as_i64()
        .unwrap();
    // A member who may not: refused, nothing made.
    env.api.set_member(OTHER, 999, "member");
    env.deliver(admin_press(&env, 999, mid, &data, &summary["text"]))
        .await;
    let k = key(&env, &["requests:read"]).await;
    let (_, list) = api(&env, &k, "GET", "/api/v1/requests", None).await;
    assert!(list["data"].as_array().unwrap().is_empty());
    // The admin, twice (a double tap), and the command: one request.
    let a = admin_press(&env, ADMIN, mid, &data, &summary["text"]);
    let b = admin_press(&env, ADMIN, mid, &data, &summary["text"]);
    env.deliver_concurrently(vec![a, b]).await;
    env.deliver(env.command(OTHER, None, ADMIN, &format!("/request {}", lead.id)))
        .await;
    let (_, list) = api(&env, &k, "GET", "/api/v1/requests", None).await;
    let reqs = list["data"].as_array().unwrap();
    assert_eq!(reqs.len(), 1, "{list}");
    assert_eq!(reqs[0]["budget_max"], 1_800_000, "18k EUR in cents");
    assert_eq!(reqs[0]["make"], "Škoda");
    assert_eq!(reqs[0]["city"], "Lviv");
    let texts = env.texts_to(OTHER, None);
    let made = texts
        .iter()
        .filter(|t| t.contains("made from lead"))
        .count();
    let again = texts
        .iter()
        .filter(|t| t.contains("converted before"))
        .count();
    assert_eq!(
        (made, again),
        (1, 1),
        "the double tap is a toast, the command a message: {texts:?}"
    );
    let toasts = env.api.calls_of("answerCallbackQuery");
    assert!(
        toasts.iter().any(|c| c.params["text"]
            .as_str()
            .unwrap_or_default()
            .contains("converted before")),
        "{toasts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("up to 18 000.00 EUR")),
        "{texts:?}"
    );
    // The notice's Publish button: without dealer channels, a toast says what to do.
    let notice = env
        .api
        .calls_of("sendMessage")
        .into_iter()
        .find(|c| {
            c.params["chat_id"].as_i64() == Some(OTHER)
                && c.params["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("made from lead")
        })
        .unwrap();
    let publish = notice.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(publish.starts_with("rq1:pb:REQ-"), "{publish}");
    let nmid = notice.result["message_id"].as_i64().unwrap();
    env.deliver(admin_press(
        &env,
        ADMIN,
        nmid,
        &publish,
        &notice.params["text"],
    ))
    .await;
    let toasts = env.api.calls_of("answerCallbackQuery");
    assert!(
        toasts.last().unwrap().params["text"]
            .as_str()
            .unwrap_or_default()
            .contains("no dealer channels"),
        "{:?}",
        toasts.last()
    );
    // The command without a lead, or with someone else's.
    env.deliver(env.command(OTHER, None, ADMIN, "/request"))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("/request LEAD-")
    );
    env.deliver(env.command(OTHER, None, ADMIN, "/request LEAD-NOPE"))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("There is no lead")
    );
    assert_eq!(env.api.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn dealer_channels_are_added_only_where_the_bot_can_post() {
    let env = DeskEnv::ready().await;
    let admin = key(&env, &["admin"]).await;
    let reader = key(&env, &["requests:read"]).await;
    env.api
        .add_channel(-1_002_000_000_001, "Dealers <Kyiv>", "administrator", true);
    env.api.add_channel(
        -1_002_000_000_002,
        "Read-only dealers",
        "administrator",
        false,
    );
    env.api
        .add_channel(-1_002_000_000_003, "Dealers without the bot", "left", false);
    let add = |chat: i64| json!({"chat_id": chat});
    let (s, _) = api(
        &env,
        &reader,
        "POST",
        "/api/v1/dealer-channels",
        Some(add(-1_002_000_000_001)),
    )
    .await;
    assert_eq!(s, 403);
    let (s, c) = api(
        &env,
        &admin,
        "POST",
        "/api/v1/dealer-channels",
        Some(add(-1_002_000_000_001)),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["title"], "Dealers <Kyiv>");
    for (chat, why) in [
        (-1_002_000_000_002, "may not post messages"),
        (-1_002_000_000_003, "is left in"),
        (teledesk_e2e::desk::DESK, "not a channel"),
    ] {
        let (s, p) = api(
            &env,
            &admin,
            "POST",
            "/api/v1/dealer-channels",
            Some(add(chat)),
        )
        .await;
        assert_eq!(s, 422, "{p}");
        let m = p["errors"][0]["message"].as_str().unwrap();
        assert!(m.contains(why), "{chat}: {m}");
    }
    let (s, p) = api(
        &env,
        &admin,
        "POST",
        "/api/v1/dealer-channels",
        Some(json!({"chat_id": 5})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (422, Some("chat_id"))
    );
    let (_, list) = api(&env, &admin, "GET", "/api/v1/dealer-channels", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let (s, _) = api(
        &env,
        &admin,
        "DELETE",
        "/api/v1/dealer-channels/-1002000000001",
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = api(
        &env,
        &admin,
        "DELETE",
        "/api/v1/dealer-channels/-1002000000001",
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(env.api.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn publishing_posts_a_card_without_the_customer_to_each_channel_once() {
    let (env, lead) = env_with_lead().await;
    let admin = key(&env, &["admin"]).await;
    let k = key(&env, &["requests:write", "requests:read"]).await;
    let (_, r) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/leads/{lead}/convert"),
        None,
    )
    .await;
    let id = r["id"].as_str().unwrap().to_owned();
    let publish = format!("/api/v1/requests/{id}/publish");
    // No channel yet: said so, nothing changes.
    let (s, p) = api(&env, &k, "POST", &publish, None).await;
    assert_eq!(s, 422, "{p}");
    let (chat_a, chat_b) = (-1_002_000_000_011, -1_002_000_000_012);
    env.api
        .add_channel(chat_a, "Dealers A", "administrator", true);
    env.api
        .add_channel(chat_b, "Dealers B", "administrator", true);
    for c in [chat_a, chat_b] {
        let (s, p) = api(
            &env,
            &admin,
            "POST",
            "/api/v1/dealer-channels",
            Some(json!({"chat_id": c})),
        )
        .await;
        assert_eq!(s, 201, "{p}");
    }
    // Twice, before the jobs run, and once after: each channel gets one post.
    let (s, p) = api(&env, &k, "POST", &publish, None).await;
    assert_eq!((s, p["queued"].as_u64()), (202, Some(2)), "{p}");
    let (s, _) = api(&env, &k, "POST", &publish, None).await;
    assert_eq!(s, 202);
    env.drain().await;
    let (s, p) = api(&env, &k, "POST", &publish, None).await;
    assert_eq!((s, p["queued"].as_u64()), (202, Some(0)), "{p}");
    env.drain().await;
    for c in [chat_a, chat_b] {
        let posts = env.api.sent_to(c, None);
        assert_eq!(posts.len(), 1, "one post in {c}: {posts:?}");
        let text = posts[0]["text"].as_str().unwrap();
        assert!(
            text.contains("Toyota RAV4")
                && text.contains("up to 25 000.00 USD")
                && text.contains(&id),
            "{text}"
        );
        // Never the customer's contact.
        assert!(
            !text.contains("+380") && !text.contains("380501234567"),
            "{text}"
        );
        let button = &posts[0]["reply_markup"]["inline_keyboard"][0][0];
        assert_eq!(
            button["url"],
            format!("https://t.me/desk_test_bot?start=offer_{id}")
        );
    }
    let (_, r) = api(&env, &k, "GET", &format!("/api/v1/requests/{id}"), None).await;
    assert_eq!(r["status"], "published");
    let mut posted: Vec<i64> = r["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["chat_id"].as_i64().unwrap())
        .collect();
    posted.sort();
    assert_eq!(posted, vec![chat_b, chat_a], "both channels, by id");
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "request.published")
            .count(),
        1
    );
    // A change of the request edits its posts, once each, and posts nothing new.
    let edits_before = env.api.edits().len();
    let (s, p) = api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/requests/{id}"),
        Some(json!({"budget_max": 2_700_000})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    env.drain().await;
    let edits: Vec<Value> = env.api.edits()[edits_before..].to_vec();
    assert_eq!(edits.len(), 2, "{edits:?}");
    for c in [chat_a, chat_b] {
        let e = edits
            .iter()
            .find(|e| e["chat_id"].as_i64() == Some(c))
            .expect("edited");
        assert!(
            e["text"].as_str().unwrap().contains("up to 27 000.00 USD"),
            "{e}"
        );
        assert_eq!(
            env.api.sent_to(c, None).len(),
            1,
            "edited, not posted again"
        );
    }
    assert_eq!(env.api.violations(), Vec::<String>::new());
}
