//! Lead-capture scenarios in Telegram: the shipped car_request driven through the worker,
//! embedded storage and the Bot API double in en, ru and uk, to a lead, the admin chat's summary
//! and a `lead.created` event; double taps and re-delivered updates; a version published
//! mid-flow; /cancel, Decline, "continue or start over"; unknown and archived scenarios.

use serde_json::{Value, json};
use teledesk_app::scenarios::{read_file, store, validate::validate};
use teledesk_e2e::desk::{ADMIN, DeskEnv, OTHER};

const CAR: &str = include_str!("../../examples/scenarios/car_request.yaml");

async fn publish(env: &DeskEnv, text: &str) -> u32 {
    let sc = validate(&read_file(text).unwrap()).expect("valid scenario");
    store::publish(env.deps.table.as_ref(), "default", &sc, "test")
        .await
        .expect("publish")
        .version
}

/// The desk, an admin chat (OTHER), and car_request published.
async fn env() -> DeskEnv {
    let env = DeskEnv::ready().await;
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.setup_admin_with_code(OTHER, ADMIN).await;
    assert!(
        env.texts_to(OTHER, None)
            .iter()
            .any(|t| t.contains("admin chat")),
        "{:?}",
        env.texts_to(OTHER, None)
    );
    publish(&env, CAR).await;
    env.take_events().await;
    env
}

/// The newest message with inline buttons sent to the chat: (message id, its current content).
fn card(env: &DeskEnv, chat: i64) -> (i64, Value) {
    let mid = env
        .api
        .calls_of("sendMessage")
        .into_iter()
        .filter(|c| {
            c.ok && c.params["chat_id"].as_i64() == Some(chat)
                && c.params["reply_markup"]["inline_keyboard"].is_array()
        })
        .filter_map(|c| c.result["message_id"].as_i64())
        .max()
        .expect("a card");
    (mid, env.api.message(chat, mid).expect("card known"))
}

fn buttons(msg: &Value) -> Vec<(String, String)> {
    msg["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r.as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["text"].as_str().unwrap_or_default().to_owned(),
                b["callback_data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The callback data of the card's button whose label contains `label`.
fn button(env: &DeskEnv, chat: i64, label: &str) -> (i64, String) {
    let (mid, msg) = card(env, chat);
    let data = buttons(&msg)
        .into_iter()
        .find(|(l, _)| l.contains(label))
        .unwrap_or_else(|| panic!("no button `{label}` on {msg}"))
        .1;
    (mid, data)
}

async fn press(env: &DeskEnv, chat: i64, label: &str) {
    let (mid, data) = button(env, chat, label);
    env.deliver(env.private_callback(chat, mid, &data)).await;
}

async fn say(env: &DeskEnv, chat: i64, text: &str) {
    env.deliver(env.text(chat, None, chat, text)).await;
}

fn last_text(env: &DeskEnv, chat: i64) -> String {
    env.texts_to(chat, None).last().cloned().unwrap_or_default()
}

/// The text of the card or of the last message, whichever was written last (edits included).
fn shown(env: &DeskEnv, chat: i64) -> String {
    let (_, msg) = card(env, chat);
    let card_text = msg["text"].as_str().unwrap_or_default().to_owned();
    let sent = last_text(env, chat);
    let last_call = env
        .api
        .calls()
        .into_iter()
        .rev()
        .find(|c| c.ok && c.params["chat_id"].as_i64() == Some(chat));
    match last_call {
        Some(c) if c.method == "editMessageText" => card_text,
        _ => sent,
    }
}

async fn leads(env: &DeskEnv) -> Vec<store::Lead> {
    let (l, _) = store::page(env.deps.table.as_ref(), "default", 100, None)
        .await
        .unwrap();
    l
}

async fn run_to_summary(env: &DeskEnv, user: i64, labels: [&str; 3]) {
    let [accept, usd, _] = labels;
    env.deliver(env.command(user, None, user, "/start s_car_request__ads"))
        .await;
    press(env, user, accept).await;
    press(env, user, "Toyota").await;
    say(env, user, "RAV4").await;
    say(env, user, "2018").await;
    say(env, user, "2021").await;
    press(env, user, usd).await;
    say(env, user, "25k").await;
    say(env, user, "Kyiv").await;
    let contact =
        json!({"contact": {"phone_number": "380501234567", "first_name": "C", "user_id": user}});
    env.deliver(env.with(user, None, user, contact)).await;
}

#[tokio::test]
async fn car_request_runs_end_to_end_in_english_russian_and_ukrainian() {
    let env = env().await;
    let cases = [
        (
            611,
            "en",
            ["I agree", "USD", "Submit"],
            "Which make",
            "Thank you!",
            "New lead",
        ),
        (
            612,
            "ru",
            ["Согласен", "USD", "Отправить"],
            "Какую марку",
            "Спасибо!",
            "New lead",
        ),
        (
            613,
            "uk",
            ["Погоджуюсь", "USD", "Надіслати"],
            "Яку марку",
            "Дякуємо!",
            "New lead",
        ),
    ];
    for (user, code, labels, question, done, admin) in cases {
        env.speaks(user, code);
        env.deliver(env.command(user, None, user, "/start s_car_request__ads"))
            .await;
        let texts = env.texts_to(user, None);
        assert_eq!(texts.len(), 2, "welcome, then the consent card: {texts:?}");
        press(&env, user, labels[0]).await;
        assert!(
            shown(&env, user).contains(question),
            "{code}: {}",
            shown(&env, user)
        );
        // The answer to a button edits the card in place.
        let edits_before = env.api.edits().len();
        press(&env, user, "Toyota").await;
        assert_eq!(
            env.api.edits().len(),
            edits_before + 1,
            "{code}: the card is edited"
        );
        env.api.take_violations();
        say(&env, user, "RAV4").await;
        say(&env, user, "2018").await;
        say(&env, user, "2021").await;
        press(&env, user, labels[1]).await;
        say(&env, user, "25k").await;
        // The location step's reply keyboard.
        let sent = env.api.sent_to(user, None);
        assert!(
            sent.last().unwrap()["reply_markup"]["keyboard"][0][0]["request_location"]
                == json!(true),
            "{:?}",
            sent.last()
        );
        say(&env, user, "Kyiv").await;
        let sent = env.api.sent_to(user, None);
        assert!(
            sent.last().unwrap()["reply_markup"]["keyboard"][0][0]["request_contact"]
                == json!(true),
            "{:?}",
            sent.last()
        );
        let contact = json!({"contact": {"phone_number": "380501234567", "first_name": "C", "user_id": user}});
        env.deliver(env.with(user, None, user, contact)).await;
        let sent = env.api.sent_to(user, None);
        assert!(
            sent.iter()
                .any(|m| m["reply_markup"]["remove_keyboard"] == json!(true)),
            "the phone keyboard is removed"
        );
        press(&env, user, labels[2]).await;
        assert!(
            shown(&env, user).contains(done),
            "{code}: {}",
            shown(&env, user)
        );
        let all = leads(&env).await;
        let lead = all
            .iter()
            .find(|l| l.contact.user_id == Some(user))
            .expect("one lead");
        assert_eq!(
            all.iter()
                .filter(|l| l.contact.user_id == Some(user))
                .count(),
            1
        );
        assert_eq!(lead.status, "new");
        assert_eq!(lead.language, code);
        assert_eq!(lead.source.as_deref(), Some("ads"));
        assert_eq!(lead.scenario, "car_request");
        assert_eq!(lead.answers["make"], json!("toyota"));
        assert_eq!(lead.answers["budget"], json!(25000));
        assert_eq!(lead.answers["currency"], json!("USD"));
        assert_eq!(lead.contact.phone.as_deref(), Some("+380501234567"));
        assert_eq!(lead.consent_version.as_deref(), Some("2026-01"));
        assert!(lead.consent_at.is_some());
        assert!(lead.id.starts_with("LEAD-"));
        // The admin chat's summary, with its buttons and the customer's link.
        let summary = env.api.sent_to(OTHER, None);
        let s = summary
            .iter()
            .rev()
            .find(|m| m["text"].as_str().unwrap_or_default().contains(&lead.id))
            .expect("a summary in the admin chat");
        assert!(s["text"].as_str().unwrap().contains(admin));
        assert!(
            s["text"]
                .as_str()
                .unwrap()
                .contains(&format!("tg://user?id={user}"))
        );
        assert_eq!(buttons(s).len(), 3, "{s}");
        let events = env.take_events().await;
        let created: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "lead.created")
            .collect();
        assert_eq!(created.len(), 1, "{events:?}");
        assert_eq!(created[0]["data"]["id"], json!(lead.id));
        assert_eq!(created[0]["data"]["answers"]["model"], json!("RAV4"));
    }
    assert_eq!(env.api.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_double_tap_and_a_redelivered_update_make_one_transition_and_one_lead() {
    let env = env().await;
    let user = 621;
    run_to_summary(&env, user, ["I agree", "USD", "Submit"]).await;
    let (mid, submit) = button(&env, user, "Submit");
    // Two taps handled at once, by two workers.
    let a = env.private_callback(user, mid, &submit);
    let b = env.private_callback(user, mid, &submit);
    env.deliver_concurrently(vec![a.clone(), b]).await;
    // And the first one delivered again.
    env.deliver(a).await;
    let mine: Vec<_> = leads(&env)
        .await
        .into_iter()
        .filter(|l| l.contact.user_id == Some(user))
        .collect();
    assert_eq!(mine.len(), 1, "one lead");
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "lead.created")
            .count(),
        1
    );
    let done = env
        .texts_to(user, None)
        .iter()
        .filter(|t| t.contains("Thank you!"))
        .count()
        + env
            .api
            .edits()
            .iter()
            .filter(|e| {
                e["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Thank you!")
            })
            .count();
    assert_eq!(done, 1, "the confirmation once");
    let expired = env
        .api
        .calls_of("answerCallbackQuery")
        .iter()
        .filter(|c| {
            c.params["text"]
                .as_str()
                .is_some_and(|t| t.contains("expired"))
        })
        .count();
    assert!(expired >= 1, "the second tap is answered as expired");

    // A text step re-delivered: one transition.
    let user = 622;
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    press(&env, user, "I agree").await;
    press(&env, user, "BMW").await;
    let model = env.text(user, None, user, "X5");
    env.deliver(model.clone()).await;
    let before = env.texts_to(user, None).len();
    env.deliver(model).await;
    assert_eq!(env.texts_to(user, None).len(), before, "nothing said twice");
    let s = teledesk_app::session::get(
        &env.deps,
        &teledesk_e2e::desk::BOT_ID.to_string(),
        user,
        user,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(s.step, "year_from", "one step on, not two");
    let state: Value = s.data.clone();
    assert_eq!(state["answers"]["model"], json!("X5"));
}

#[tokio::test]
async fn a_version_published_mid_flow_leaves_conversations_on_theirs() {
    let env = env().await;
    let (old, new) = (631, 632);
    env.deliver(env.command(old, None, old, "/start s_car_request"))
        .await;
    press(&env, old, "I agree").await;
    let v2 = CAR.replace("Which make are you looking for?", "Pick a brand, please?");
    assert_eq!(publish(&env, &v2).await, 2);
    press(&env, old, "Škoda").await;
    press(&env, old, "Back").await;
    assert!(
        shown(&env, old).contains("Which make"),
        "still version 1: {}",
        shown(&env, old)
    );
    env.deliver(env.command(new, None, new, "/start s_car_request"))
        .await;
    press(&env, new, "I agree").await;
    assert!(
        shown(&env, new).contains("Pick a brand"),
        "{}",
        shown(&env, new)
    );
}

#[tokio::test]
async fn invalid_input_cancel_decline_and_start_during_a_flow() {
    let env = env().await;
    let user = 641;
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    press(&env, user, "I agree").await;
    press(&env, user, "Volkswagen").await;
    say(&env, user, "Golf").await;
    // A sticker and a bad number: the question again with the reason; nothing moves.
    let sticker = json!({"sticker": {"file_id": "st", "file_unique_id": "stu", "type": "regular",
                                     "width": 512, "height": 512, "is_animated": false, "is_video": false}});
    env.deliver(env.with(user, None, user, sticker)).await;
    assert!(
        last_text(&env, user).contains("Please send a number"),
        "{}",
        last_text(&env, user)
    );
    say(&env, user, "1950").await;
    assert!(
        last_text(&env, user).contains("from 1990 to 2027"),
        "{}",
        last_text(&env, user)
    );
    // /start of the scenario again: continue or start over.
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    assert!(last_text(&env, user).contains("Continue where you left off"));
    press(&env, user, "Continue").await;
    assert!(
        shown(&env, user).contains("oldest year"),
        "{}",
        shown(&env, user)
    );
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    let consents = |env: &DeskEnv| {
        env.texts_to(user, None)
            .iter()
            .filter(|t| t.contains("Privacy policy"))
            .count()
    };
    let before = consents(&env);
    press(&env, user, "Start over").await;
    assert_eq!(
        consents(&env),
        before + 1,
        "started over: the consent again"
    );
    // /cancel ends it; the run is kept without personal data.
    env.deliver(env.command(user, None, user, "/cancel")).await;
    assert!(
        last_text(&env, user).contains("ancel"),
        "{}",
        last_text(&env, user)
    );
    // Free text now goes to the desk, as without a conversation.
    let tickets_before = env.tickets().await.len();
    say(&env, user, "hello?").await;
    assert_eq!(env.tickets().await.len(), tickets_before + 1);

    // Decline: nothing personal kept, the funnel counts it.
    let other = 642;
    env.deliver(env.command(other, None, other, "/start s_car_request"))
        .await;
    press(&env, other, "Decline").await;
    assert!(
        shown(&env, other).contains("nothing was saved"),
        "{}",
        shown(&env, other)
    );
    let runs = store::runs_of(env.deps.table.as_ref(), "default", "car_request")
        .await
        .unwrap();
    let declined = runs
        .iter()
        .find(|r| r.status == "declined")
        .expect("declined run");
    assert!(declined.answers.is_empty() && declined.contact.user_id.is_none());
    assert!(
        runs.iter().any(|r| r.status == "abandoned"),
        "the cancelled one: {runs:?}"
    );
    assert!(leads(&env).await.is_empty(), "neither is a lead");

    // Unknown and archived scenarios: the home view.
    env.deliver(env.command(other, None, other, "/start s_nope"))
        .await;
    let home = env.api.sent_to(other, None);
    assert!(
        buttons(home.last().unwrap())
            .iter()
            .any(|(_, d)| d.starts_with("home1:"))
    );
    store::archive(env.deps.table.as_ref(), "default", "car_request")
        .await
        .unwrap();
    let n = env.texts_to(other, None).len();
    env.deliver(env.command(other, None, other, "/start s_car_request"))
        .await;
    assert_eq!(env.texts_to(other, None).len(), n + 1);
    let home = env.api.sent_to(other, None);
    assert!(
        buttons(home.last().unwrap())
            .iter()
            .any(|(_, d)| d.starts_with("home1:"))
    );
    assert_eq!(env.api.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn the_home_view_offers_the_scenario_and_admins_mark_leads() {
    let env = env().await;
    let user = 651;
    env.deliver(env.command(user, None, user, "/start")).await;
    let (mid, data) = button(&env, user, "Request a car");
    env.deliver(env.private_callback(user, mid, &data)).await;
    let (mid2, data2) = button(&env, user, "Request a car");
    assert_eq!(mid, mid2, "the home view was edited into the list of forms");
    env.deliver(env.private_callback(user, mid2, &data2)).await;
    assert!(
        env.texts_to(user, None)
            .iter()
            .any(|t| t.contains("Privacy policy"))
    );
    // To a lead, then Reject in the admin chat.
    press(&env, user, "I agree").await;
    press(&env, user, "Hyundai").await;
    for a in ["Tucson", "2019", "2023"] {
        say(&env, user, a).await;
    }
    press(&env, user, "EUR").await;
    say(&env, user, "30 000").await;
    say(&env, user, "Lviv").await;
    say(&env, user, "+48 601 234 567").await;
    press(&env, user, "Submit").await;
    let lead = leads(&env).await.pop().expect("a lead");
    env.take_events().await;
    let summary = env.api.sent_to(OTHER, None).pop().unwrap();
    let reject = buttons(&summary)
        .into_iter()
        .find(|(l, _)| l.contains("Reject"))
        .unwrap()
        .1;
    let mid = env
        .api
        .calls_of("sendMessage")
        .into_iter()
        .rev()
        .find(|c| c.params["chat_id"].as_i64() == Some(OTHER))
        .unwrap()
        .result["message_id"]
        .as_i64()
        .unwrap();
    let cb = |from: i64| {
        json!({"update_id": env.next_update_id(), "callback_query": {
            "id": format!("cq-{}", env.next_update_id()),
            "from": {"id": from, "is_bot": false, "first_name": "Ada"},
            "chat_instance": "ci", "data": reject,
            "message": {"message_id": mid, "date": 1, "chat": {"id": OTHER, "type": "supergroup", "title": "Sales"},
                        "text": summary["text"]}}})
    };
    // A member who is neither staff nor an admin: refused, nothing changes.
    env.api.set_member(OTHER, 999, "member");
    env.deliver(cb(999)).await;
    assert_eq!(
        store::get(env.deps.table.as_ref(), &lead.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        "new"
    );
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.deliver(cb(ADMIN)).await;
    let after = store::get(env.deps.table.as_ref(), &lead.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "rejected");
    assert_eq!(after.history.len(), 1);
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "lead.updated")
            .count(),
        1
    );
    // /leads in the admin chat: the rejected lead is not open any more.
    env.deliver(env.command(OTHER, None, ADMIN, "/leads")).await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("No open leads")
    );
}

/// docs/scenario.schema.json accepts the shipped example and refuses what the validator
/// refuses by shape (an unknown type, a field of another type, a missing `done`), checked with
/// the reference implementation (Python `jsonschema`, installed by scripts/test).
#[test]
fn the_published_schema_accepts_the_example_and_refuses_broken_shapes() {
    let Some(python) = teledesk_e2e::required_tool("TELEDESK_TEST_PYTHON") else {
        return;
    };
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenario.schema.json");
    let good = read_file(CAR).unwrap();
    let mut unknown_type = good.clone();
    unknown_type["steps"][2]["type"] = json!("teleport");
    let mut wrong_field = good.clone();
    wrong_field["steps"][3]["options"] = json!([{"value": "a", "label": "A"}]);
    let mut no_done = good.clone();
    no_done.as_object_mut().unwrap().remove("done");
    let docs = json!([good, unknown_type, wrong_field, no_done]);
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
print(json.dumps([v.is_valid(d) for d in json.load(sys.stdin)]))
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script, schema])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(docs.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdicts, json!([true, false, false, false]));
}

/// A step costs the router's one query (profile and session) and the session's conditional
/// write; the published version is cached (versions never change). The rest is the
/// exactly-once send of its views (journal get, claim, done).
#[tokio::test]
async fn a_scenario_step_costs_two_table_operations_besides_its_exactly_once_send() {
    let env = env().await;
    let user = 661;
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    press(&env, user, "I agree").await;
    press(&env, user, "BMW").await;
    let update = env.text(user, None, user, "X5");
    let bot = teledesk_app::bots::get(&env.deps, &teledesk_e2e::desk::BOT_ID.to_string())
        .await
        .unwrap()
        .unwrap();
    let ctx = teledesk_bot::ctx::Ctx::new(
        &env.deps,
        &env.router,
        &bot,
        update["update_id"].as_i64().unwrap(),
    );
    let (r0, w0) = env.counts.get();
    let outcome = env.router.handle_update(&ctx, &update).await;
    assert_eq!(outcome, teledesk_app::batch::Outcome::Done);
    let (r1, w1) = env.counts.get();
    assert_eq!((r1 - r0, w1 - w0), (1 + 1, 1 + 2));
    assert!(last_text(&env, user).contains("oldest year"));
}

async fn key(env: &DeskEnv, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    teledesk_app::api::api_keys::create(&env.deps, "default", "t", &scopes, None, None)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn the_api_publishes_validates_archives_and_measures_scenarios() {
    use teledesk_e2e::desk::api;
    let env = DeskEnv::ready().await;
    let w = key(&env, &["scenarios:write", "scenarios:read"]).await;
    let r = key(&env, &["scenarios:read"]).await;
    let car = read_file(CAR).unwrap();
    // Scopes.
    let (s, p) = api(&env, &r, "POST", "/api/v1/scenarios", Some(car.clone())).await;
    assert_eq!(s, 403, "{p}");
    // Publish; again unchanged; a broken one gets every problem with its path.
    let (s, p) = api(&env, &w, "POST", "/api/v1/scenarios", Some(car.clone())).await;
    assert_eq!(
        (s, p["version"].as_u64(), p["created"].as_bool()),
        (201, Some(1), Some(true)),
        "{p}"
    );
    let (s, p) = api(&env, &w, "POST", "/api/v1/scenarios", Some(car.clone())).await;
    assert_eq!((s, p["created"].as_bool()), (200, Some(false)), "{p}");
    let mut broken = car.clone();
    broken["steps"][2]["type"] = json!("teleport");
    broken["steps"][3]["options"] = json!([]);
    broken["colour"] = json!("blue");
    let (s, p) = api(&env, &w, "POST", "/api/v1/scenarios", Some(broken)).await;
    assert_eq!(s, 422, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["colour", "steps[2].type", "steps[3].options"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let mut dangling = car.clone();
    dangling["steps"][4]["next"] =
        json!([{"when": {"step": "make", "equals": "bmw"}, "goto": "ghost"}]);
    let (s, p) = api(&env, &w, "POST", "/api/v1/scenarios", Some(dangling)).await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "steps[4].next[0].goto", "{p}");
    // A new version through /publish; the key must match the path.
    let mut v2 = car.clone();
    v2["done"] = json!("Thanks!");
    let (s, p) = api(
        &env,
        &w,
        "POST",
        "/api/v1/scenarios/other/publish",
        Some(v2.clone()),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = api(
        &env,
        &w,
        "POST",
        "/api/v1/scenarios/car_request/publish",
        Some(v2),
    )
    .await;
    assert_eq!((s, p["version"].as_u64()), (201, Some(2)), "{p}");
    let (s, p) = api(
        &env,
        &r,
        "GET",
        "/api/v1/scenarios/car_request?version=1",
        None,
    )
    .await;
    assert_eq!((s, p["version"].as_u64()), (200, Some(1)));
    assert_eq!(p["scenario"]["done"]["en"], car["done"]["en"]);
    let (s, p) = api(&env, &r, "GET", "/api/v1/scenarios", None).await;
    assert_eq!(s, 200);
    assert_eq!(p["data"][0]["key"], "car_request");
    assert_eq!(p["data"][0]["version"], 2);
    // Archive: no new conversations (the deep link shows the home view); publish reactivates.
    let (s, p) = api(
        &env,
        &w,
        "POST",
        "/api/v1/scenarios/car_request/archive",
        None,
    )
    .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("archived")), "{p}");
    env.deliver(env.command(671, None, 671, "/start s_car_request"))
        .await;
    assert!(
        !env.texts_to(671, None)
            .iter()
            .any(|t| t.contains("find your next car"))
    );
    let (s, _) = api(
        &env,
        &w,
        "POST",
        "/api/v1/scenarios/car_request/publish",
        None,
    )
    .await;
    assert_eq!(s, 200);
    env.deliver(env.command(671, None, 671, "/start s_car_request"))
        .await;
    assert!(
        env.texts_to(671, None)
            .iter()
            .any(|t| t.contains("find your next car"))
    );
    press(&env, 671, "Decline").await;
    let (s, p) = api(&env, &r, "GET", "/api/v1/scenarios/car_request/stats", None).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (
            p["starts"].as_u64(),
            p["declined"].as_u64(),
            p["submits"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{p}"
    );
    let consent = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "consent")
        .unwrap()
        .clone();
    assert_eq!(
        (consent["reached"].as_u64(), consent["dropped"].as_u64()),
        (Some(1), Some(1)),
        "{p}"
    );
    let (s, _) = api(&env, &r, "GET", "/api/v1/scenarios/nope", None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_api_lists_reads_updates_and_creates_leads() {
    use teledesk_e2e::desk::api;
    let env = env().await;
    let user = 681;
    run_to_summary(&env, user, ["I agree", "USD", "Submit"]).await;
    press(&env, user, "Submit").await;
    env.take_events().await;
    let r = key(&env, &["leads:read"]).await;
    let w = key(&env, &["leads:write", "leads:read"]).await;
    let (s, p) = api(
        &env,
        &r,
        "GET",
        "/api/v1/leads?scenario=car_request&status=new",
        None,
    )
    .await;
    assert_eq!(s, 200, "{p}");
    let lead = p["data"][0].clone();
    assert_eq!(lead["contact"]["user_id"], user);
    assert_eq!(lead["answers"]["year_from"], 2018);
    assert_eq!(lead["source"], "ads");
    let id = lead["id"].as_str().unwrap().to_owned();
    let (s, p) = api(&env, &r, "GET", "/api/v1/leads?status=rejected", None).await;
    assert_eq!((s, p["data"].as_array().unwrap().len()), (200, 0));
    let (s, _) = api(&env, &r, "GET", "/api/v1/leads?status=lost", None).await;
    assert_eq!(s, 422);
    // Update: status and note, one lead.updated; a bad status changes nothing.
    let (s, _) = api(
        &env,
        &r,
        "PUT",
        &format!("/api/v1/leads/{id}"),
        Some(json!({"status": "in_progress"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, p) = api(
        &env,
        &w,
        "PUT",
        &format!("/api/v1/leads/{id}"),
        Some(json!({"status": "won"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = api(
        &env,
        &w,
        "PUT",
        &format!("/api/v1/leads/{id}"),
        Some(json!({"status": "in_progress", "note": "called"})),
    )
    .await;
    assert_eq!(
        (s, p["status"].as_str(), p["note"].as_str()),
        (200, Some("in_progress"), Some("called")),
        "{p}"
    );
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "lead.updated")
            .count(),
        1
    );
    // From a website form: checked against the steps.
    let form = json!({"scenario": "car_request", "source": "website", "consent_at": 1_790_000_000,
        "contact": {"name": "Olena"},
        "answers": {"make": "skoda", "model": "Octavia", "year_from": 2017, "year_to": "2020",
                    "currency": "EUR", "budget": "18 000", "city": {"city": "Odesa"}, "phone": "+380 67 000 11 22"}});
    let mut bad = form.clone();
    bad["answers"]["make"] = json!("tesla");
    bad["answers"]["year_from"] = json!(1970);
    bad["answers"]["colour"] = json!("red");
    bad["answers"].as_object_mut().unwrap().remove("phone");
    bad.as_object_mut().unwrap().remove("consent_at");
    let (s, p) = api(&env, &w, "POST", "/api/v1/leads", Some(bad)).await;
    assert_eq!(s, 422, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "answers.colour",
        "answers.year_from",
        "answers.phone",
        "consent_at",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(
        !fields.contains(&"answers.make"),
        "make: `other` takes a typed answer: {fields:?}"
    );
    assert_eq!(env.take_events().await.len(), 0, "nothing was created");
    let (s, p) = api(&env, &w, "POST", "/api/v1/leads", Some(form)).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["answers"]["budget"], 18000);
    assert_eq!(p["answers"]["year_to"], 2020);
    assert_eq!(p["contact"]["phone"], "+380670001122");
    assert_eq!(p["consent_version"], "2026-01");
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "lead.created")
            .count(),
        1
    );
    // The created range: the API lead was made now, so a range in the past finds none of them.
    let (s, p) = api(&env, &r, "GET", "/api/v1/leads?created_to=1000000", None).await;
    assert_eq!((s, p["data"].as_array().unwrap().len()), (200, 0), "{p}");
    let now = teledesk_ports::now_secs();
    let path = format!("/api/v1/leads?created_from={}&source=website", now - 3600);
    let (s, p) = api(&env, &r, "GET", &path, None).await;
    assert_eq!((s, p["data"].as_array().unwrap().len()), (200, 1), "{p}");
    let (s, _) = api(
        &env,
        &r,
        "GET",
        "/api/v1/leads?created_from=yesterday",
        None,
    )
    .await;
    assert_eq!(s, 422);
    let (s, p) = api(&env, &r, "GET", "/api/v1/leads?source=website", None).await;
    assert_eq!((s, p["data"].as_array().unwrap().len()), (200, 1));
    let (s, _) = api(&env, &r, "GET", "/api/v1/leads/LEAD-NOPE", None).await;
    assert_eq!(s, 404);
}

/// Moves a conversation `secs` into the past, as if the customer had been idle that long.
async fn age(env: &DeskEnv, user: i64, secs: i64) {
    let pk = teledesk_app::keys::user_pk(&teledesk_e2e::desk::BOT_ID.to_string(), user);
    let sk = teledesk_app::keys::session_sk(user);
    let mut item = env.item(&pk, &sk).await.expect("a session");
    let at = item["updated_at"].as_i64().unwrap() - secs;
    item.insert("updated_at".into(), json!(at));
    if let Some(since) = item["data"]["idle_since"].as_i64() {
        item["data"]["idle_since"] = json!(since - secs);
    }
    env.deps
        .table
        .put(item, teledesk_ports::table::Condition::None)
        .await
        .unwrap();
}

async fn sweep(env: &DeskEnv) {
    teledesk_app::jobs::queue_sweeps(&env.deps).await.unwrap();
    env.drain().await;
}

#[tokio::test]
async fn an_idle_conversation_is_reminded_once_then_kept_as_abandoned() {
    let env = env().await; // car_request: a reminder after 4 h, expiry after 48 h
    let user = 691;
    env.deliver(env.command(user, None, user, "/start s_car_request__ig"))
        .await;
    press(&env, user, "I agree").await;
    press(&env, user, "BMW").await;
    sweep(&env).await;
    let reminders = |env: &DeskEnv| {
        env.texts_to(user, None)
            .iter()
            .filter(|t| t.contains("haven't finished"))
            .count()
    };
    assert_eq!(reminders(&env), 0, "not idle yet");
    age(&env, user, 5 * 3600).await;
    sweep(&env).await;
    assert_eq!(reminders(&env), 1);
    assert!(
        last_text(&env, user).contains("Which model"),
        "{}",
        last_text(&env, user)
    );
    age(&env, user, 3600).await;
    sweep(&env).await;
    assert_eq!(reminders(&env), 1, "one reminder only");
    // Past the timeout (counted from the last answer, not the reminder): kept as abandoned.
    age(&env, user, 43 * 3600).await;
    sweep(&env).await;
    let s = teledesk_app::session::get(
        &env.deps,
        &teledesk_e2e::desk::BOT_ID.to_string(),
        user,
        user,
    )
    .await
    .unwrap();
    assert!(s.is_none(), "the session is ended");
    let runs = store::runs_of(env.deps.table.as_ref(), "default", "car_request")
        .await
        .unwrap();
    let run = runs
        .iter()
        .find(|r| r.status == "abandoned")
        .expect("an abandoned run");
    assert_eq!(run.reached.last().map(String::as_str), Some("model"));
    assert_eq!(run.source.as_deref(), Some("ig"));
    assert!(run.answers.is_empty() && run.contact.user_id.is_none());
    assert!(leads(&env).await.is_empty(), "not a lead");

    // Expired before any sweep saw it: the next message is kept as abandoned and handled as if
    // there were no conversation (the desk opens a ticket).
    let other = 692;
    env.deliver(env.command(other, None, other, "/start s_car_request"))
        .await;
    press(&env, other, "I agree").await;
    age(&env, other, 49 * 3600).await;
    let tickets = env.tickets().await.len();
    say(&env, other, "Is anyone there?").await;
    assert_eq!(env.tickets().await.len(), tickets + 1);
    let runs = store::runs_of(env.deps.table.as_ref(), "default", "car_request")
        .await
        .unwrap();
    assert_eq!(runs.iter().filter(|r| r.status == "abandoned").count(), 2);
}

const EXTRAS: &str = r#"
key: extras
title: { en: Extras, uk: Додатки }
languages: [en, uk]
steps:
  - id: hello
    type: message
    text: { en: "<b>Hello!</b>" }
    photo: https://example.com/showroom.jpg
  - id: extras
    type: multi_choice
    text: { en: Which extras?, uk: Які додатки? }
    options:
      - { value: ac, label: { en: A/C, uk: Кондиціонер } }
      - { value: nav, label: { en: Navigation, uk: Навігація } }
      - { value: tow, label: { en: Tow bar } }
    max_count: 2
  - id: pics
    type: photo
    text: Photos of your car, please (up to 2).
    max_count: 2
  - id: email
    type: email
    text: Your email?
    optional: true
  - id: when
    type: date
    text: When do you need it?
  - id: summary
    type: summary
done: { en: Thanks!, uk: Дякуємо! }
"#;

#[tokio::test]
async fn multi_choice_photos_email_dates_and_fallbacks_through_telegram() {
    let env = env().await;
    publish(&env, EXTRAS).await;
    let user = 701;
    env.speaks(user, "uk");
    env.deliver(env.command(user, None, user, "/start s_extras"))
        .await;
    // The message step's photo, then the first question; a text missing in uk falls back to en.
    let photos = env.api.calls_of("sendPhoto");
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].params["caption"], "<b>Hello!</b>");
    assert!(shown(&env, user).contains("Які додатки?"));
    press(&env, user, "Кондиціонер").await;
    let (_, card) = card(&env, user);
    assert!(
        buttons(&card).iter().any(|(l, _)| l == "✅ Кондиціонер"),
        "{card}"
    );
    // An edit Telegram refuses: the card is sent anew instead.
    env.api.fail_next(
        "editMessageText",
        1,
        teledesk_e2e::bot_api::error(400, "Bad Request: message to edit not found"),
    );
    let sent_before = env.api.sent_to(user, None).len();
    press(&env, user, "Tow bar").await;
    assert_eq!(
        env.api.sent_to(user, None).len(),
        sent_before + 1,
        "a new card"
    );
    press(&env, user, "Навігація").await;
    assert!(
        last_text(&env, user).contains("не більше 2"),
        "at most 2: {}",
        last_text(&env, user)
    );
    press(&env, user, "Tow bar").await; // off again
    press(&env, user, "Навігація").await;
    press(&env, user, "Готово").await;
    // Photos: kept in the file store at submit.
    env.api
        .add_file("ph1", "photos/1.jpg", b"first-photo".to_vec());
    env.api
        .add_file("ph2", "photos/2.jpg", b"second-photo".to_vec());
    let photo = |id: &str| json!({"photo": [{"file_id": id, "file_unique_id": format!("u{id}"), "width": 800, "height": 600}]});
    say(&env, user, "no photo").await;
    assert!(
        last_text(&env, user).contains("надішліть фото"),
        "{}",
        last_text(&env, user)
    );
    env.deliver(env.with(user, None, user, photo("ph1"))).await;
    assert!(
        last_text(&env, user).contains("1 з 2"),
        "{}",
        last_text(&env, user)
    );
    env.deliver(env.with(user, None, user, photo("ph2"))).await;
    say(&env, user, "not an email").await;
    assert!(
        last_text(&env, user).contains("name@example.com"),
        "{}",
        last_text(&env, user)
    );
    press(&env, user, "Пропустити").await;
    say(&env, user, "31.02.2027").await;
    assert!(
        last_text(&env, user).contains("24.12.2026"),
        "{}",
        last_text(&env, user)
    );
    say(&env, user, "01.03.2027").await;
    press(&env, user, "Надіслати").await;
    assert!(shown(&env, user).contains("Дякуємо!"));
    let lead = leads(&env)
        .await
        .into_iter()
        .find(|l| l.scenario == "extras")
        .expect("lead");
    assert_eq!(lead.answers["extras"], json!(["ac", "nav"]));
    assert!(!lead.answers.contains_key("email"), "skipped");
    assert_eq!(lead.answers["when"], json!("2027-03-01"));
    let pics = lead.answers["pics"].as_array().unwrap();
    assert_eq!(pics.len(), 2);
    let key = pics[0]["key"].as_str().unwrap();
    assert!(key.starts_with(&format!("leads/{}/", lead.id)), "{key}");
    assert_eq!(
        env.deps.files.get(key).await.unwrap().unwrap(),
        b"first-photo"
    );
    assert_eq!(env.api.violations(), Vec::<String>::new());
}

/// Telegram refuses the admin chat's summary for a while (flood control): the update is retried,
/// and the retry sends what was left — the summary — once; the customer heard once, one lead.
#[tokio::test]
async fn a_submit_retried_after_flood_control_finishes_once() {
    let env = env().await;
    let user = 711;
    run_to_summary(&env, user, ["I agree", "USD", "Submit"]).await;
    let summaries_before = env.api.sent_to(OTHER, None).len();
    env.api.fail_next(
        "sendMessage",
        1,
        teledesk_e2e::bot_api::too_many_requests(1),
    );
    press(&env, user, "Submit").await;
    let mine: Vec<_> = leads(&env)
        .await
        .into_iter()
        .filter(|l| l.contact.user_id == Some(user))
        .collect();
    assert_eq!(mine.len(), 1);
    let summaries: Vec<Value> = env.api.sent_to(OTHER, None)[summaries_before..].to_vec();
    assert_eq!(
        summaries.len(),
        1,
        "the summary once, after the retry: {summaries:?}"
    );
    assert!(summaries[0]["text"].as_str().unwrap().contains(&mine[0].id));
    let thanks = env
        .api
        .edits()
        .iter()
        .filter(|e| {
            e["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Thank you!")
        })
        .count()
        + env
            .texts_to(user, None)
            .iter()
            .filter(|t| t.contains("Thank you!"))
            .count();
    assert_eq!(thanks, 1);
    let events = env.take_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "lead.created")
            .count(),
        1
    );
}

/// The home view's button during a conversation asks before starting over.
#[tokio::test]
async fn the_home_view_asks_before_replacing_a_conversation() {
    let env = env().await;
    let user = 721;
    env.deliver(env.command(user, None, user, "/start s_car_request"))
        .await;
    press(&env, user, "I agree").await;
    press(&env, user, "BMW").await;
    env.deliver(env.command(user, None, user, "/start")).await;
    let (mid, data) = button(&env, user, "Request a car");
    env.deliver(env.private_callback(user, mid, &data)).await;
    let (mid, data) = button(&env, user, "Request a car");
    env.deliver(env.private_callback(user, mid, &data)).await;
    assert!(
        last_text(&env, user).contains("Continue where you left off"),
        "{}",
        last_text(&env, user)
    );
    let s = teledesk_app::session::get(
        &env.deps,
        &teledesk_e2e::desk::BOT_ID.to_string(),
        user,
        user,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(s.step, "model", "nothing lost");
}
