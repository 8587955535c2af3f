//! The dealer marketplace loop in the Bot API test double: scenario → lead → convert → publish to
//! two dealer channels → two dealers offer (one registers first) → select → the reveal messages,
//! checked word by word for who sees whose contact; and double taps, concurrent selection, the
//! per-dealer limit (embedded store and moto), edits, withdraw, cancel, offers after close, and the
//! mediated policy.

use std::sync::Arc;

use serde_json::{Value, json};
use teledesk_app::requests::{dealers, offers, store as requests};
use teledesk_app::scenarios::{read_file, store as leads, validate::validate};
use teledesk_e2e::desk::{ADMIN, DeskEnv, OTHER, api};
use teledesk_ports::Table;

const CAR: &str = include_str!("../../examples/scenarios/car_request.yaml");
const CUSTOMER: i64 = 801;
const DEALER_A: i64 = 9101;
const DEALER_B: i64 = 9102;
const CHAT_A: i64 = -1_002_000_000_021;
const CHAT_B: i64 = -1_002_000_000_022;
/// The customer's contact, as the test double's `from` and the shared contact give it.
const CUSTOMER_PHONE: &str = "380501234567";
const CUSTOMER_USERNAME: &str = "carol_c";

async fn key(env: &DeskEnv, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    teledesk_app::api::api_keys::create(&env.deps, "default", "t", &scopes, None, None)
        .await
        .unwrap()
        .1
}

fn admin_press(env: &DeskEnv, from: i64, mid: i64, data: &str) -> Value {
    json!({"update_id": env.next_update_id(), "callback_query": {
        "id": format!("cq-{}", env.next_update_id()),
        "from": {"id": from, "is_bot": false, "first_name": "Ada"},
        "chat_instance": "ci", "data": data,
        "message": {"message_id": mid, "date": 1, "chat": {"id": OTHER, "type": "supergroup", "title": "Sales"},
                    "text": "card"}}})
}

/// The newest message with inline buttons sent to `chat` whose text contains `having`:
/// (message id, the button data whose label contains `label`).
fn button_in(env: &DeskEnv, chat: i64, having: &str, label: &str) -> (i64, String) {
    let call = env
        .api
        .calls_of("sendMessage")
        .into_iter()
        .rfind(|c| {
            c.ok && c.params["chat_id"].as_i64() == Some(chat)
                && c.params["reply_markup"]["inline_keyboard"].is_array()
                && c.params["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(having)
        })
        .unwrap_or_else(|| panic!("no card with `{having}` in {chat}"));
    let mid = call.result["message_id"].as_i64().unwrap();
    let msg = env.api.message(chat, mid).unwrap_or(call.params.clone());
    let data = msg["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap_or_else(|| panic!("no buttons on {msg}"))
        .iter()
        .flat_map(|r| r.as_array().unwrap().clone())
        .find(|b| b["text"].as_str().unwrap().contains(label))
        .unwrap_or_else(|| panic!("no button `{label}` on {msg}"))["callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    (mid, data)
}

async fn press(env: &DeskEnv, user: i64, label: &str) {
    let (mid, data) = button_in(env, user, "", label);
    env.deliver(env.private_callback(user, mid, &data)).await;
}

async fn say(env: &DeskEnv, user: i64, text: &str) {
    env.deliver(env.text(user, None, user, text)).await;
}

/// The last text the chat was sent or a message of it edited to.
fn last_text(env: &DeskEnv, chat: i64) -> String {
    all_texts(env, chat).last().cloned().unwrap_or_default()
}

/// Every text a chat was sent or edited to (captions included).
fn all_texts(env: &DeskEnv, chat: i64) -> Vec<String> {
    env.api
        .calls()
        .into_iter()
        .filter(|c| c.ok && c.params["chat_id"].as_i64() == Some(chat))
        .map(|c| {
            format!(
                "{} {}",
                c.params["text"].as_str().unwrap_or_default(),
                c.params["caption"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// The desk, the admin chat, car_request published, two dealer channels.
async fn env() -> DeskEnv {
    let env = DeskEnv::ready().await;
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.setup_admin_with_code(OTHER, ADMIN).await;
    let sc = validate(&read_file(CAR).unwrap()).unwrap();
    leads::publish(env.deps.table.as_ref(), "default", &sc, "test")
        .await
        .unwrap();
    let admin = key(&env, &["admin"]).await;
    for (c, title) in [(CHAT_A, "Dealers A"), (CHAT_B, "Dealers B")] {
        env.api.add_channel(c, title, "administrator", true);
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
    env.take_events().await;
    env
}

/// The customer's conversation, through Telegram, to a lead.
async fn customer_lead(env: &DeskEnv) -> leads::Lead {
    let user = CUSTOMER;
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    press(env, user, "I agree").await;
    press(env, user, "Toyota").await;
    for a in ["RAV4", "2018", "2021"] {
        say(env, user, a).await;
    }
    press(env, user, "USD").await;
    for a in ["25k", "Kyiv"] {
        say(env, user, a).await;
    }
    let contact = json!({"contact": {"phone_number": CUSTOMER_PHONE, "first_name": "Carol", "user_id": user}});
    env.deliver(env.with(user, None, user, contact)).await;
    press(env, user, "Submit").await;
    leads::page(env.deps.table.as_ref(), "default", 10, None)
        .await
        .unwrap()
        .0
        .into_iter()
        .find(|l| l.is_lead())
        .expect("a lead")
}

/// A dealer's offer conversation from the channel post's link to Submit.
async fn make_offer(env: &DeskEnv, dealer: i64, req: &str, price: &str, year: &str) {
    env.deliver(env.command(dealer, None, dealer, &format!("/start offer_{req}")))
        .await;
    assert!(
        last_text(env, dealer).contains("Your price"),
        "{:?}",
        env.texts_to(dealer, None)
    );
    say(env, dealer, price).await;
    press(env, dealer, "USD").await;
    say(env, dealer, year).await;
    say(env, dealer, "64000").await;
    say(env, dealer, "One owner, full service history").await;
    for _ in 0..3 {
        press(env, dealer, "Skip").await; // photos, listing, validity
    }
    press(env, dealer, "Submit").await;
}

/// A published request made from the customer's lead: (lead, request id).
async fn published(env: &DeskEnv) -> (leads::Lead, String) {
    let lead = customer_lead(env).await;
    let (mid, data) = button_in(env, OTHER, &lead.id, "Convert");
    env.deliver(admin_press(env, ADMIN, mid, &data)).await;
    let (mid, data) = button_in(env, OTHER, "made from lead", "Publish");
    env.deliver(admin_press(env, ADMIN, mid, &data)).await;
    let r = requests::page(env.deps.table.as_ref(), "default", 10, None)
        .await
        .unwrap()
        .0
        .pop()
        .expect("a request");
    assert_eq!(r.status, "published");
    assert_eq!(r.posts.len(), 2, "posted to both channels");
    (lead, r.id)
}

async fn approve(env: &DeskEnv, user: i64, name: &str, company: &str, phone: &str) {
    let k = key(env, &["requests:write"]).await;
    let (s, d) = api(
        env,
        &k,
        "POST",
        "/api/v1/dealers",
        Some(json!({"user_id": user, "name": name, "company": company, "phone": phone})),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "approved");
}

#[tokio::test]
async fn the_whole_loop_reveals_each_contact_only_to_whom_it_should_after_selection() {
    let env = env().await;
    let (lead, req) = published(&env).await;
    assert_eq!(lead.contact.phone, Some(format!("+{CUSTOMER_PHONE}")));
    // Dealer A is approved beforehand.
    approve(&env, DEALER_A, "Anton", "Kyiv Motors", "+380671111111").await;
    make_offer(&env, DEALER_A, &req, "23500", "2019").await;
    let sent = last_text(&env, DEALER_A);
    assert!(
        sent.contains("sent") && sent.contains("23 500.00 USD"),
        "{sent}"
    );
    // Dealer B is no dealer yet: told so, registers, nothing else happens until approved.
    env.deliver(env.command(DEALER_B, None, DEALER_B, &format!("/start offer_{req}")))
        .await;
    assert!(
        last_text(&env, DEALER_B).contains("Only approved dealers"),
        "{}",
        last_text(&env, DEALER_B)
    );
    press(&env, DEALER_B, "Register").await;
    say(&env, DEALER_B, "Bogdan").await;
    say(&env, DEALER_B, "Lviv Auto").await;
    let contact = json!({"contact": {"phone_number": "380672222222", "first_name": "Bogdan", "user_id": DEALER_B}});
    env.deliver(env.with(DEALER_B, None, DEALER_B, contact))
        .await;
    press(&env, DEALER_B, "Submit").await;
    assert!(
        last_text(&env, DEALER_B).contains("an admin will review"),
        "{:?}",
        env.texts_to(DEALER_B, None)
    );
    let table = env.deps.table.as_ref();
    let b = dealers::get(table, "default", DEALER_B)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (b.status.as_str(), b.company.as_deref(), b.phone.as_deref()),
        ("pending", Some("Lviv Auto"), Some("+380672222222"))
    );
    // Pending: the link still refuses.
    env.deliver(env.command(DEALER_B, None, DEALER_B, &format!("/start offer_{req}")))
        .await;
    assert!(last_text(&env, DEALER_B).contains("waiting for an admin"));
    // The admin approves in the admin chat; B is told, with a button back to the request.
    let (mid, data) = button_in(&env, OTHER, "Dealer registration", "Approve");
    env.deliver(admin_press(&env, ADMIN, mid, &data)).await;
    let approved = env
        .api
        .sent_to(DEALER_B, None)
        .into_iter()
        .rfind(|m| m["text"].as_str().unwrap_or_default().contains("approved"))
        .expect("B told");
    assert_eq!(
        approved["reply_markup"]["inline_keyboard"][0][0]["url"],
        format!("https://t.me/desk_test_bot?start=offer_{req}")
    );
    make_offer(&env, DEALER_B, &req, "22900", "2018").await;
    // Two offers: has_offers, the posts say so, the admin chat has a card per offer.
    let r = requests::get(table, "default", &req)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.status.as_str(), r.offer_count), ("has_offers", 2));
    for c in [CHAT_A, CHAT_B] {
        let post = env
            .api
            .message(
                c,
                i64::from(r.posts.iter().find(|p| p.chat_id == c).unwrap().message_id),
            )
            .unwrap();
        assert!(
            post["text"].as_str().unwrap().contains("Offers: 2"),
            "{post}"
        );
        assert!(post["reply_markup"]["inline_keyboard"].is_array());
    }
    let cards: Vec<String> = env
        .texts_to(OTHER, None)
        .into_iter()
        .filter(|t| t.contains("Offer <b>OFF-"))
        .collect();
    assert_eq!(cards.len(), 2, "{cards:?}");
    assert!(cards[1].contains("2 offers so far"), "{cards:?}");
    // Before selection: nothing a dealer can read holds the customer's contact — no call to the
    // dealers' chats or the channels, and no offer through the API.
    let dealer_chats = [DEALER_A, DEALER_B, CHAT_A, CHAT_B];
    for chat in dealer_chats {
        for t in all_texts(&env, chat) {
            assert!(
                !t.contains(CUSTOMER_PHONE)
                    && !t.contains(CUSTOMER_USERNAME)
                    && !t.contains("Carol"),
                "{chat} saw the customer before selection: {t}"
            );
        }
    }
    let k = key(&env, &["requests:read", "requests:write"]).await;
    let (_, list) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/requests/{req}/offers"),
        None,
    )
    .await;
    let offers_json = list.to_string();
    assert!(!offers_json.contains(CUSTOMER_PHONE) && !offers_json.contains(CUSTOMER_USERNAME));
    let offer_a = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["price"] == 2_350_000)
        .expect("A's offer in minor units")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Select A by its button — a double tap, at the same time.
    let (mid, data) = button_in(&env, OTHER, &offer_a, "Select");
    assert_eq!(data, format!("rq1:sl:{offer_a}"));
    env.deliver_concurrently(vec![
        admin_press(&env, ADMIN, mid, &data),
        admin_press(&env, ADMIN, mid, &data),
    ])
    .await;
    env.drain().await;
    let r = requests::get(table, "default", &req)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, "closed");
    assert_eq!(r.chosen_offer_id.as_deref(), Some(offer_a.as_str()));
    let all = offers::of_request(table, &req).await.unwrap();
    let statuses: Vec<(&str, &str)> = all
        .iter()
        .map(|o| (o.dealer_id.as_str(), o.status.as_str()))
        .collect();
    assert_eq!(
        all.iter().filter(|o| o.status == "accepted").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(all.iter().filter(|o| o.status == "rejected").count(), 1);
    // The customer sees A's name, company and phone — once — and nothing of B.
    let to_customer: Vec<String> = env
        .texts_to(CUSTOMER, None)
        .into_iter()
        .filter(|t| t.contains("An offer was chosen"))
        .collect();
    assert_eq!(to_customer.len(), 1, "{to_customer:?}");
    let c = &to_customer[0];
    for word in ["Anton", "Kyiv Motors", "+380671111111", "23 500.00 USD"] {
        assert!(c.contains(word), "the customer misses {word}: {c}");
    }
    for word in ["Bogdan", "Lviv Auto", "380672222222"] {
        assert!(!c.contains(word), "the customer sees {word}: {c}");
    }
    // A sees the customer's name, username and phone, once.
    let to_a: Vec<String> = env
        .texts_to(DEALER_A, None)
        .into_iter()
        .filter(|t| t.contains("was selected"))
        .collect();
    assert_eq!(to_a.len(), 1, "{to_a:?}");
    for word in ["Carol", "@carol_c", CUSTOMER_PHONE] {
        assert!(to_a[0].contains(word), "A misses {word}: {}", to_a[0]);
    }
    // B hears it closed, and sees no one.
    let to_b = last_text(&env, DEALER_B);
    assert!(to_b.contains("was not selected"), "{to_b}");
    for t in all_texts(&env, DEALER_B) {
        assert!(
            !t.contains(CUSTOMER_PHONE) && !t.contains(CUSTOMER_USERNAME) && !t.contains("Carol")
        );
        assert!(!t.contains("+380671111111"), "B sees A: {t}");
    }
    // The channels: still no customer, and the posts say Closed without their button.
    for chat in [CHAT_A, CHAT_B] {
        for t in all_texts(&env, chat) {
            assert!(!t.contains(CUSTOMER_PHONE) && !t.contains("Carol"), "{t}");
        }
        let p = r.posts.iter().find(|p| p.chat_id == chat).unwrap();
        let post = env.api.message(chat, i64::from(p.message_id)).unwrap();
        assert!(post["text"].as_str().unwrap().contains("Closed"), "{post}");
        assert!(
            post["reply_markup"].is_null()
                || post["reply_markup"]["inline_keyboard"]
                    .as_array()
                    .is_none_or(|k| k.is_empty()),
            "{post}"
        );
    }
    // Every reveal is recorded: the customer saw A, A saw the customer.
    let (_, rv) = api(
        &env,
        &k,
        "GET",
        &format!("/api/v1/requests/{req}/reveals"),
        None,
    )
    .await;
    let mut pairs: Vec<(String, String)> = rv["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["to"].as_str().unwrap().to_owned(),
                r["whose"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    let a_id = dealers::dealer_id("default", DEALER_A);
    let mut want = vec![
        (format!("customer:{CUSTOMER}"), format!("dealer:{a_id}")),
        (format!("dealer:{a_id}"), format!("customer:{CUSTOMER}")),
    ];
    want.sort();
    assert_eq!(pairs, want, "{rv}");
    assert!(rv["data"][0]["why"].as_str().unwrap().contains(&offer_a));
    // The events, each once.
    // The double tap may emit an event twice, with the same id: consumers deliver each id once.
    let events = env.take_events().await;
    let count = |k: &str| {
        events
            .iter()
            .filter(|e| e["type"] == k)
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(
        (
            count("offer.created"),
            count("offer.accepted"),
            count("offer.rejected"),
            count("request.closed")
        ),
        (2, 1, 1, 1),
        "{:?}",
        events.iter().map(|e| e["type"].clone()).collect::<Vec<_>>()
    );
    // An offer after close: refused in words, nothing stored.
    env.deliver(env.command(DEALER_B, None, DEALER_B, &format!("/start offer_{req}")))
        .await;
    assert!(
        last_text(&env, DEALER_B).contains("takes no more offers"),
        "{}",
        last_text(&env, DEALER_B)
    );
    assert_eq!(offers::of_request(table, &req).await.unwrap().len(), 2);
    // Closing again through the API with the other offer: 409; with the same: the same request.
    let other = all.iter().find(|o| o.id != offer_a).unwrap().id.clone();
    let close = format!("/api/v1/requests/{req}/close");
    let (s, p) = api(&env, &k, "POST", &close, Some(json!({"offer_id": other}))).await;
    assert_eq!(s, 409, "{p}");
    let (s, p) = api(&env, &k, "POST", &close, Some(json!({"offer_id": offer_a}))).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("closed")), "{p}");
    env.drain().await;
    assert_eq!(
        env.texts_to(CUSTOMER, None)
            .iter()
            .filter(|t| t.contains("An offer was chosen"))
            .count(),
        1,
        "closing again tells no one twice"
    );
    env.assert_clean();
}

/// A request made through the API, published, with an offer from each of two approved dealers
/// written through the store: (request id, offer ids).
async fn api_request_with_offers(env: &DeskEnv) -> (String, Vec<String>) {
    let k = key(env, &["requests:write", "requests:read"]).await;
    let (s, r) = api(
        env,
        &k,
        "POST",
        "/api/v1/requests",
        Some(json!({"make": "BMW", "model": "X3", "budget_max": 3_000_000, "currency": "EUR"})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_owned();
    let (s, _) = api(
        env,
        &k,
        "POST",
        &format!("/api/v1/requests/{id}/publish"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    env.drain().await;
    approve(env, DEALER_A, "Anton", "Kyiv Motors", "+380671111111").await;
    approve(env, DEALER_B, "Bogdan", "Lviv Auto", "+380672222222").await;
    let table = env.deps.table.as_ref();
    let mut ids = Vec::new();
    for (user, price) in [(DEALER_A, 2_900_000), (DEALER_B, 2_800_000)] {
        let r = requests::get(table, "default", &id).await.unwrap().unwrap();
        let o = offer(&r, user, price, &format!("api-{user}"));
        let sub = offers::submit(table, &r, o, "test", "test").await.unwrap();
        ids.push(sub.offer.id);
    }
    (id, ids)
}

fn offer(r: &requests::Request, user: i64, price: i64, seed: &str) -> offers::Offer {
    offers::Offer {
        id: offers::offer_id(seed),
        workspace: r.workspace.clone(),
        request_id: r.id.clone(),
        dealer_id: dealers::dealer_id(&r.workspace, user),
        dealer_user_id: user,
        bot_id: teledesk_e2e::desk::BOT_ID.to_string(),
        price,
        currency: "EUR".into(),
        year: Some(2020),
        mileage: Some(50_000),
        description: None,
        photos: Vec::new(),
        listing_id: None,
        valid_until: None,
        status: "submitted".into(),
        history: Vec::new(),
        created_at: 1,
        updated_at: 1,
        version: 1,
    }
}

#[tokio::test]
async fn two_selections_at_the_same_time_accept_exactly_one_offer() {
    let env = env().await;
    let (id, ids) = api_request_with_offers(&env).await;
    let k = key(&env, &["requests:write", "requests:read"]).await;
    let close = format!("/api/v1/requests/{id}/close");
    let (a, b) = tokio::join!(
        api(&env, &k, "POST", &close, Some(json!({"offer_id": ids[0]}))),
        api(&env, &k, "POST", &close, Some(json!({"offer_id": ids[1]}))),
    );
    let mut codes = [a.0, b.0];
    codes.sort();
    assert_eq!(codes, [200, 409], "{a:?} {b:?}");
    env.drain().await;
    let all = offers::of_request(env.deps.table.as_ref(), &id)
        .await
        .unwrap();
    let accepted: Vec<&str> = all
        .iter()
        .filter(|o| o.status == "accepted")
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(all.iter().filter(|o| o.status == "rejected").count(), 1);
    let r = requests::get(env.deps.table.as_ref(), "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.chosen_offer_id.as_deref(), Some(accepted[0]));
    // No lead: no customer to tell; the admin chat hears it, the dealers each once.
    let not_chosen: usize = [DEALER_A, DEALER_B]
        .iter()
        .map(|d| {
            env.texts_to(*d, None)
                .iter()
                .filter(|t| t.contains("was not selected"))
                .count()
        })
        .sum();
    assert_eq!(not_chosen, 1);
}

#[tokio::test]
async fn edits_withdrawals_and_cancel_keep_to_the_rules_and_tell_the_dealers() {
    let env = env().await;
    let (id, ids) = api_request_with_offers(&env).await;
    let k = key(&env, &["requests:write", "requests:read"]).await;
    // An edit of a live offer: recorded; a bad field: 422, nothing changes.
    let path = format!("/api/v1/offers/{}", ids[0]);
    let (s, o) = api(
        &env,
        &k,
        "PUT",
        &path,
        Some(json!({"price": 2_850_000, "valid_until": 4_000_000_000_i64})),
    )
    .await;
    assert_eq!((s, &o["price"]), (200, &json!(2_850_000)), "{o}");
    assert_eq!(o["history"].as_array().unwrap().len(), 1);
    let (s, p) = api(
        &env,
        &k,
        "PUT",
        &path,
        Some(json!({"price": -5, "colour": "red"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"price") && fields.contains(&"colour"),
        "{p}"
    );
    let (_, o) = api(&env, &k, "GET", &path, None).await;
    assert_eq!(o["price"], 2_850_000);
    // The dealer withdraws B's offer by its button: the count goes down, the admin chat hears.
    let b_offer = ids[1].clone();
    let (mid, data) = (1, format!("rq1:wd:{b_offer}"));
    env.deliver(env.private_callback(DEALER_A, mid, &data))
        .await;
    let o = offers::get(env.deps.table.as_ref(), "default", &b_offer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        o.status, "submitted",
        "only its own dealer withdraws an offer"
    );
    env.deliver(env.private_callback(DEALER_B, mid, &data))
        .await;
    let o = offers::get(env.deps.table.as_ref(), "default", &b_offer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status, "withdrawn");
    assert!(
        env.texts_to(OTHER, None)
            .iter()
            .any(|t| t.contains("withdrawn by its dealer"))
    );
    let r = requests::get(env.deps.table.as_ref(), "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.offer_count, 1);
    // Cancel: A's live offer is rejected with it and A is told; B (withdrawn) hears nothing more.
    let b_before = env.texts_to(DEALER_B, None).len();
    let (s, p) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/requests/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("cancelled")), "{p}");
    env.drain().await;
    assert!(
        last_text(&env, DEALER_A).contains("was cancelled"),
        "{}",
        last_text(&env, DEALER_A)
    );
    assert_eq!(env.texts_to(DEALER_B, None).len(), b_before);
    for p in &r.posts {
        let post = env.api.message(p.chat_id, i64::from(p.message_id)).unwrap();
        assert!(
            post["text"].as_str().unwrap().contains("Cancelled"),
            "{post}"
        );
    }
    // After the end: no edit, no offer, no close.
    let (s, p) = api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/offers/{}", ids[0]),
        Some(json!({"price": 1})),
    )
    .await;
    assert_eq!(s, 409, "{p}");
    let r = requests::get(env.deps.table.as_ref(), "default", &id)
        .await
        .unwrap()
        .unwrap();
    let late = offer(&r, DEALER_A, 100, "late");
    assert!(matches!(
        offers::submit(env.deps.table.as_ref(), &r, late, "t", "t").await,
        Err(offers::OfferError::Ended(..))
    ));
    let (s, _) = api(
        &env,
        &k,
        "POST",
        &format!("/api/v1/requests/{id}/close"),
        Some(json!({"offer_id": ids[0]})),
    )
    .await;
    assert_eq!(s, 409);
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "request.cancelled")
            .count(),
        1
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "offer.withdrawn")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_mediated_policy_shows_both_contacts_to_the_admin_chat_only() {
    let env = env().await;
    teledesk_app::requests::offering::set_policy(
        env.deps.table.as_ref(),
        "default",
        "mediated",
        "test",
    )
    .await
    .unwrap();
    let (_, req) = published(&env).await;
    approve(&env, DEALER_A, "Anton", "Kyiv Motors", "+380671111111").await;
    make_offer(&env, DEALER_A, &req, "23500", "2019").await;
    let offer = offers::of_request(env.deps.table.as_ref(), &req)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let (mid, data) = button_in(&env, OTHER, &offer.id, "Select");
    env.deliver(admin_press(&env, ADMIN, mid, &data)).await;
    let customer = all_texts(&env, CUSTOMER).join("\n");
    assert!(
        customer.contains("Our manager will connect you"),
        "{customer}"
    );
    assert!(!customer.contains("+380671111111") && !customer.contains("Kyiv Motors"));
    for t in all_texts(&env, DEALER_A) {
        assert!(
            !t.contains(CUSTOMER_PHONE) && !t.contains(CUSTOMER_USERNAME) && !t.contains("Carol"),
            "{t}"
        );
    }
    let admin = env
        .texts_to(OTHER, None)
        .into_iter()
        .find(|t| t.contains("Connect them"))
        .expect("the admin chat gets both");
    for word in [
        "Carol",
        "@carol_c",
        CUSTOMER_PHONE,
        "Anton",
        "Kyiv Motors",
        "+380671111111",
    ] {
        assert!(admin.contains(word), "{word}: {admin}");
    }
    let reveals = offers::reveals(env.deps.table.as_ref(), &req)
        .await
        .unwrap();
    assert!(
        reveals
            .iter()
            .all(|r| r.to == format!("admin_chat:{OTHER}") && r.policy == "mediated"),
        "{reveals:?}"
    );
    assert_eq!(reveals.len(), 2);
}

/// Five offers from one dealer (at once when `concurrent`): the store keeps three live, and a
/// withdrawal frees a place.
async fn dealer_limit_on(table: Arc<dyn Table>, concurrent: bool) {
    let mut r = requests::new_request("default", requests::request_id("limit"), None);
    r.status = "published".into();
    assert!(requests::create(table.as_ref(), &r).await.unwrap());
    let runs = (0..5).map(|i| {
        let table = table.clone();
        async move {
            loop {
                let r = requests::get(table.as_ref(), "default", &requests::request_id("limit"))
                    .await
                    .unwrap()
                    .unwrap();
                let o = offer(&r, DEALER_A, 1000 + i, &format!("limit-{i}"));
                match offers::submit(table.as_ref(), &r, o, "t", "t").await {
                    Err(offers::OfferError::Conflict) => continue,
                    other => return other.map(|s| s.offer),
                }
            }
        }
    });
    let results = if concurrent {
        futures::future::join_all(runs).await
    } else {
        let mut out = Vec::new();
        for run in runs {
            out.push(run.await);
        }
        out
    };
    let ok: Vec<&offers::Offer> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        ok.len(),
        3,
        "{:?}",
        results
            .iter()
            .map(|r| r.as_ref().map(|o| o.id.clone()).map_err(|e| e.to_string()))
            .collect::<Vec<_>>()
    );
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, offers::OfferError::DealerLimit))
    );
    let r = requests::get(table.as_ref(), "default", &requests::request_id("limit"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.offer_count, r.status.as_str()), (3, "has_offers"));
    let (r, _) = offers::retire(table.as_ref(), &r, ok[0], "withdrawn", "t", "t")
        .await
        .unwrap();
    let again = offer(&r, DEALER_A, 2000, "limit-again");
    assert!(
        offers::submit(table.as_ref(), &r, again, "t", "t")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_dealer_has_at_most_three_live_offers_on_a_request_in_the_embedded_store() {
    let stores = teledesk_e2e::stores::embedded().await;
    dealer_limit_on(stores.table.clone(), true).await;
}

/// One after another: moto's TransactWriteItems is not atomic under concurrent requests (five
/// transactions conditional on one version all succeeded there in one run of two), which real
/// DynamoDB guarantees; the conditions themselves are checked here.
#[tokio::test]
async fn a_dealer_has_at_most_three_live_offers_on_a_request_in_dynamodb() {
    let Some(stores) = teledesk_e2e::stores::moto().await else {
        eprintln!("TELEDESK_TEST_MOTO_URL is not set: the DynamoDB half runs in the test script");
        return;
    };
    dealer_limit_on(stores.table.clone(), false).await;
}

#[tokio::test]
async fn dealers_through_the_api_are_checked_and_blocked_ones_cannot_offer() {
    let env = env().await;
    let (_, req) = published(&env).await;
    let k = key(&env, &["requests:write", "requests:read"]).await;
    let (s, p) = api(
        &env,
        &k,
        "POST",
        "/api/v1/dealers",
        Some(json!({"user_id": 5, "name": "", "phone": "abc", "fax": 1})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let (_, list) = api(&env, &k, "GET", "/api/v1/dealers", None).await;
    assert!(
        list["data"].as_array().unwrap().is_empty(),
        "nothing stored: {list}"
    );
    approve(&env, DEALER_A, "Anton", "Kyiv Motors", "+380671111111").await;
    let id = dealers::dealer_id("default", DEALER_A);
    let (s, d) = api(
        &env,
        &k,
        "PUT",
        &format!("/api/v1/dealers/{id}"),
        Some(json!({"status": "blocked"})),
    )
    .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("blocked")), "{d}");
    env.deliver(env.command(DEALER_A, None, DEALER_A, &format!("/start offer_{req}")))
        .await;
    assert!(last_text(&env, DEALER_A).contains("cannot make offers"));
    assert!(
        offers::of_request(env.deps.table.as_ref(), &req)
            .await
            .unwrap()
            .is_empty()
    );
    // An unknown request in the link: said, nothing else.
    env.deliver(env.command(DEALER_A, None, DEALER_A, "/start offer_REQ-NOPE"))
        .await;
    assert!(last_text(&env, DEALER_A).contains("not open for offers"));
}

#[tokio::test]
async fn a_dealer_changes_an_offer_in_telegram_and_a_double_tap_on_submit_makes_one_offer() {
    let env = env().await;
    let (_, req) = published(&env).await;
    approve(&env, DEALER_A, "Anton", "Kyiv Motors", "+380671111111").await;
    // The offer conversation up to its summary, then Submit twice at the same time.
    env.deliver(env.command(DEALER_A, None, DEALER_A, &format!("/start offer_{req}")))
        .await;
    say(&env, DEALER_A, "23500").await;
    press(&env, DEALER_A, "USD").await;
    say(&env, DEALER_A, "2019").await;
    say(&env, DEALER_A, "64000").await;
    say(&env, DEALER_A, "One owner").await;
    for _ in 0..3 {
        press(&env, DEALER_A, "Skip").await;
    }
    let (mid, data) = button_in(&env, DEALER_A, "", "Submit");
    env.deliver_concurrently(vec![
        env.private_callback(DEALER_A, mid, &data),
        env.private_callback(DEALER_A, mid, &data),
    ])
    .await;
    env.drain().await;
    let table = env.deps.table.as_ref();
    let all = offers::of_request(table, &req).await.unwrap();
    assert_eq!(all.len(), 1, "one offer");
    let r = requests::get(table, "default", &req)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.offer_count, 1);
    assert_eq!(
        env.texts_to(OTHER, None)
            .iter()
            .filter(|t| t.contains("Offer <b>OFF-"))
            .count(),
        1,
        "one card in the admin chat"
    );
    // Change it: the conversation again, about this offer; the offer changes, no new one.
    let (mid, data) = button_in(&env, DEALER_A, "", "Change");
    assert_eq!(data, format!("rq1:ed:{}", all[0].id));
    env.deliver(env.private_callback(DEALER_A, mid, &data))
        .await;
    say(&env, DEALER_A, "22999.50").await;
    press(&env, DEALER_A, "EUR").await;
    say(&env, DEALER_A, "2019").await;
    say(&env, DEALER_A, "64000").await;
    say(&env, DEALER_A, "One owner, new tyres").await;
    // A photo this time (then Done), kept in the file store under the offer.
    env.api
        .add_file("car1", "photos/car1.jpg", b"car-photo".to_vec());
    let photo = json!({"photo": [{"file_id": "car1", "file_unique_id": "ucar1", "width": 800, "height": 600}]});
    env.deliver(env.with(DEALER_A, None, DEALER_A, photo)).await;
    press(&env, DEALER_A, "Done").await;
    for _ in 0..2 {
        press(&env, DEALER_A, "Skip").await;
    }
    press(&env, DEALER_A, "Submit").await;
    assert!(
        last_text(&env, DEALER_A).contains("changed"),
        "{}",
        last_text(&env, DEALER_A)
    );
    let all = offers::of_request(table, &req).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].price, all[0].currency.as_str()), (2_299_950, "EUR"));
    assert_eq!(all[0].description.as_deref(), Some("One owner, new tyres"));
    let key = format!("offers/{}/ucar1.jpg", all[0].id);
    assert_eq!(
        all[0]
            .photos
            .iter()
            .map(|p| p.key.clone())
            .collect::<Vec<_>>(),
        vec![Some(key.clone())]
    );
    assert_eq!(env.deps.files.size(&key).await.unwrap(), Some(9));
    assert!(
        env.texts_to(OTHER, None)
            .iter()
            .any(|t| t.contains("was changed by its dealer"))
    );
    // Another person's Change button changes nothing of it.
    env.deliver(env.private_callback(DEALER_B, mid, &data))
        .await;
    assert_eq!(
        offers::of_request(table, &req).await.unwrap()[0].version,
        all[0].version
    );
}

#[tokio::test]
async fn a_scenario_with_auto_publish_makes_and_publishes_the_request_itself() {
    let env = env().await;
    let auto = CAR.replacen(
        "creates: request",
        "creates: request\nauto_publish: true",
        1,
    );
    let sc = validate(&read_file(&auto).unwrap()).unwrap();
    assert!(sc.auto_publish);
    leads::publish(env.deps.table.as_ref(), "default", &sc, "test")
        .await
        .unwrap();
    let lead = customer_lead(&env).await;
    env.drain().await;
    let table = env.deps.table.as_ref();
    let lead = leads::get(table, &lead.id).await.unwrap().unwrap();
    assert_eq!(lead.status, "converted");
    let list = requests::page(table, "default", 10, None).await.unwrap().0;
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(r.lead_id.as_deref(), Some(lead.id.as_str()));
    assert_eq!((r.status.as_str(), r.posts.len()), ("published", 2));
    assert_eq!(r.budget_max, Some(2_500_000));
    let events = env.take_events().await;
    for kind in [
        "lead.created",
        "lead.converted",
        "request.created",
        "request.published",
    ] {
        assert!(events.iter().any(|e| e["type"] == kind), "{kind}");
    }
}

#[tokio::test]
async fn a_dealer_channel_that_took_the_bots_rights_is_told_to_the_admin_and_posted_once_fixed() {
    let env = env().await;
    // B took the bot's right to post after it was added.
    env.api
        .add_channel(CHAT_B, "Dealers B", "administrator", false);
    let k = key(&env, &["requests:write", "requests:read"]).await;
    let (_, r) = api(
        &env,
        &k,
        "POST",
        "/api/v1/requests",
        Some(json!({"make": "Kia"})),
    )
    .await;
    let id = r["id"].as_str().unwrap().to_owned();
    let publish = format!("/api/v1/requests/{id}/publish");
    let (s, _) = api(&env, &k, "POST", &publish, None).await;
    assert_eq!(s, 202);
    env.drain().await;
    let r = requests::get(env.deps.table.as_ref(), "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        r.posts.iter().map(|p| p.chat_id).collect::<Vec<_>>(),
        vec![CHAT_A]
    );
    let notice = env
        .texts_to(OTHER, None)
        .into_iter()
        .find(|t| t.contains("was not posted to Dealers B"))
        .expect("the admin chat is told");
    assert!(
        notice.contains("administrator") && notice.contains(&id),
        "{notice}"
    );
    // Fixed, published again: B gets its post, A none more.
    env.api
        .add_channel(CHAT_B, "Dealers B", "administrator", true);
    let (s, p) = api(&env, &k, "POST", &publish, None).await;
    assert_eq!((s, p["queued"].as_u64()), (202, Some(1)), "{p}");
    env.drain().await;
    assert_eq!(env.api.sent_to(CHAT_A, None).len(), 1);
    assert_eq!(env.api.sent_to(CHAT_B, None).len(), 1);
}
