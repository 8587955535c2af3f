//! The support desk end to end on the local stack (webhook → queue → worker → Bot API double), one
//! test group per numbered section of the support-desk issue.

use serde_json::{Value, json};
use teledesk_app::desk::staff;
use teledesk_app::setup_codes;
use teledesk_e2e::bot_api;
use teledesk_e2e::desk::*;

async fn desk_is(env: &DeskEnv, chat: i64) -> bool {
    env.item(&format!("BOT#{BOT_ID}"), "DESK").await.unwrap()["chat_id"] == chat
}

/// Where a setup code is stored: under the hash of its canonical form.
fn setup_code_pk(code: &str) -> String {
    use sha2::Digest;
    let canonical = setup_codes::normalize(code);
    format!(
        "SETUP#{}",
        hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
    )
}

fn thread_of(t: &Value) -> i64 {
    t["thread_id"].as_i64().expect("ticket has a topic")
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Opens a ticket with /create_ticket by Alice in the desk; returns the ticket.
async fn create_ticket(env: &DeskEnv, args: &str) -> Value {
    let before = env.tickets().await.len();
    env.deliver(env.command(DESK, None, ALICE, &format!("/create_ticket {args}")))
        .await;
    let all = env.tickets().await;
    assert_eq!(all.len(), before + 1, "one ticket created");
    all.last().cloned().unwrap()
}

/// A customer's first message: returns the ticket it opened.
async fn customer_ticket(env: &DeskEnv, customer: i64, text: &str) -> Value {
    env.deliver(env.text(customer, None, customer, text)).await;
    let ep = env
        .endpoint(customer, None)
        .await
        .expect("customer endpoint");
    let id = ep["ticket_id"].as_str().expect("open ticket").to_owned();
    env.ticket(&id).await
}

// ---- 1. Groups, desks and staff ---------------------------------------------------------------

#[tokio::test]
async fn adding_the_bot_registers_the_group_and_says_what_is_missing_once() {
    let env = DeskEnv::start().await;
    env.deliver(env.bot_status(DESK, "member", false)).await;
    let g = env
        .item(&format!("GROUP#{BOT_ID}#{DESK}"), "GROUP")
        .await
        .expect("group registered");
    assert_eq!(g["title"], DESK_TITLE);
    assert_eq!(g["is_forum"], true);
    assert_eq!(g["bot_status"], "member");
    assert_eq!(g["active"], true);
    let warnings = env.texts_to(DESK, None);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("administrator"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("Support &lt;&amp;&gt; Desk"),
        "title escaped: {}",
        warnings[0]
    );

    // The same state again, and ordinary traffic: no second warning.
    env.deliver(env.bot_status(DESK, "member", false)).await;
    env.deliver(env.text(DESK, None, ALICE, "hello")).await;
    assert_eq!(env.texts_to(DESK, None).len(), 1);

    // Admin without the rights: a new, specific warning.
    env.deliver(env.bot_status(DESK, "administrator", false))
        .await;
    let w = env.texts_to(DESK, None);
    assert_eq!(w.len(), 2);
    assert!(
        w[1].contains("Manage topics") && w[1].contains("Delete messages"),
        "{}",
        w[1]
    );

    // Everything granted: one "ready" note.
    env.deliver(env.bot_added(DESK)).await;
    let w = env.texts_to(DESK, None);
    assert_eq!(w.len(), 3);
    assert!(w[2].contains("ready"), "{}", w[2]);
    let g = env
        .item(&format!("GROUP#{BOT_ID}#{DESK}"), "GROUP")
        .await
        .unwrap();
    assert_eq!(
        (
            g["can_manage_topics"].clone(),
            g["can_delete_messages"].clone()
        ),
        (json!(true), json!(true))
    );
    env.assert_clean();
}

#[tokio::test]
async fn start_in_a_group_rechecks_the_rights_with_telegram() {
    let env = DeskEnv::start().await;
    env.deliver(env.bot_added(DESK)).await;
    env.api.set_chat(
        DESK,
        bot_api::ChatSetup {
            can_manage_topics: false,
            ..Default::default()
        },
    );
    env.deliver(env.command(DESK, None, ALICE, "/start")).await;
    assert!(!env.api.calls_of("getChatMember").is_empty());
    let last = env.texts_to(DESK, None).pop().unwrap();
    assert!(last.contains("Manage topics"), "{last}");
    let g = env
        .item(&format!("GROUP#{BOT_ID}#{DESK}"), "GROUP")
        .await
        .unwrap();
    assert_eq!(g["can_manage_topics"], false);
    env.assert_clean();
}

#[tokio::test]
async fn a_removed_bot_makes_the_group_inactive() {
    let env = DeskEnv::ready().await;
    env.deliver(env.bot_status(OTHER, "kicked", false)).await;
    let g = env
        .item(&format!("GROUP#{BOT_ID}#{OTHER}"), "GROUP")
        .await
        .unwrap();
    assert_eq!(g["active"], false);
    env.assert_clean();
}

#[tokio::test]
async fn only_a_group_admin_sets_up_the_desk() {
    let env = DeskEnv::start().await;
    env.deliver(env.bot_added(DESK)).await;
    let code = env.setup_code(setup_codes::Purpose::Desk).await;
    env.deliver(env.command(DESK, None, ALICE, &format!("/setup_desk {code}")))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("Only an administrator")
    );
    assert!(env.item(&format!("BOT#{BOT_ID}"), "DESK").await.is_none());
    env.api.set_member(DESK, ADMIN, "administrator");
    env.deliver(env.command(DESK, None, ADMIN, &format!("/setup_desk {code}")))
        .await;
    let desk = env
        .item(&format!("BOT#{BOT_ID}"), "DESK")
        .await
        .expect("desk set");
    assert_eq!(desk["chat_id"], DESK);
    env.assert_clean();
}

/// The takeover the hardening issue found: anyone can add a public bot to a group of their own
/// and be its administrator there. Without proof of authority over the workspace, /setup_desk in
/// that group changes nothing; the operator's code or an admin staff member's word does, once,
/// and the old desk hears that it was replaced.
#[tokio::test]
async fn a_group_admin_without_authority_over_the_workspace_cannot_take_the_desk() {
    let env = DeskEnv::ready().await;
    const EVE: i64 = 666;
    env.api.set_member(OTHER, EVE, "administrator");
    let refused = |text: &str| {
        env.texts_to(OTHER, None)
            .last()
            .is_some_and(|t| t.contains(text))
    };

    // No code, and not staff: refused, the desk stays.
    env.deliver(env.command(OTHER, None, EVE, "/setup_desk"))
        .await;
    assert!(
        refused("needs proof that you run this workspace"),
        "{:?}",
        env.texts_to(OTHER, None)
    );
    assert!(desk_is(&env, DESK).await);
    // An agent (Bob) is not enough either.
    env.api.set_member(OTHER, BOB, "administrator");
    env.deliver(env.command(OTHER, None, BOB, "/setup_desk"))
        .await;
    assert!(refused("needs proof"));
    assert!(desk_is(&env, DESK).await);
    // A made-up code, and a code for the other command.
    env.deliver(env.command(OTHER, None, EVE, "/setup_desk 7KQ2-M9XD-4HRT-PZ3W"))
        .await;
    assert!(refused("not valid"));
    let admin_code = env.setup_code(setup_codes::Purpose::AdminChat).await;
    env.deliver(env.command(OTHER, None, EVE, &format!("/setup_desk {admin_code}")))
        .await;
    assert!(
        refused("is for /setup_admin"),
        "{:?}",
        env.texts_to(OTHER, None)
    );
    assert!(desk_is(&env, DESK).await);
    // An expired code (the table hides it once its TTL passed).
    let stale = env.setup_code(setup_codes::Purpose::Desk).await;
    let pk = setup_code_pk(&stale);
    let mut item = env.item(&pk, "SETUP").await.expect("code stored");
    item.insert("expires_at".into(), json!(teledesk_ports::now_secs() - 1));
    teledesk_ports::Table::put(
        env.deps.table.as_ref(),
        item,
        teledesk_ports::table::Condition::None,
    )
    .await
    .unwrap();
    env.deliver(env.command(OTHER, None, EVE, &format!("/setup_desk {stale}")))
        .await;
    assert!(refused("not valid"));
    assert!(desk_is(&env, DESK).await);
    assert!(
        env.texts_to(DESK, None)
            .iter()
            .all(|t| !t.contains("no longer")),
        "the desk was not told anything: nothing changed"
    );

    // The operator's code, typed in lower case with spaces: the group becomes the desk, the
    // old desk is told, and the code is spent.
    let code = env.setup_code(setup_codes::Purpose::Desk).await;
    let stored = env
        .item(&setup_code_pk(&code), "SETUP")
        .await
        .expect("stored");
    assert!(
        !serde_json::to_string(&stored).unwrap().contains(&code),
        "the code is stored only as its hash"
    );
    let typed = code.to_lowercase().replace('-', " ");
    env.deliver(env.command(OTHER, None, EVE, &format!("/setup_desk {typed}")))
        .await;
    assert!(desk_is(&env, OTHER).await);
    assert!(refused("is now the support desk"));
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("no longer the support desk"),
        "{:?}",
        env.texts_to(DESK, None)
    );
    assert!(env.item(&setup_code_pk(&code), "SETUP").await.is_none());
    env.deliver(env.command(DESK, None, ADMIN, &format!("/setup_desk {code}")))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("not valid"),
        "a code works once"
    );
    assert!(desk_is(&env, OTHER).await);

    // An admin staff member needs no code; the replaced desk is told again.
    env.api.set_member(DESK, ALICE, "administrator");
    env.add_staff_with_role(ALICE, "alice_a", "Alice <A&B>", staff::Role::Admin)
        .await;
    env.deliver(env.command(DESK, None, ALICE, "/setup_desk"))
        .await;
    assert!(desk_is(&env, DESK).await);
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("no longer the support desk")
    );
    env.assert_clean();
}

/// A command with a code that Telegram's flood control interrupts is retried from the queue; the
/// retry finds the spent code in the update's journal instead of calling it invalid.
#[tokio::test]
async fn a_retried_setup_command_does_not_trip_over_its_own_spent_code() {
    let env = DeskEnv::start().await;
    env.deliver(env.bot_added(DESK)).await;
    env.api.set_member(DESK, ADMIN, "administrator");
    let code = env.setup_code(setup_codes::Purpose::Desk).await;
    env.api
        .fail_next("sendMessage", 1, bot_api::too_many_requests(1));
    env.deliver(env.command(DESK, None, ADMIN, &format!("/setup_desk {code}")))
        .await;
    let texts = env.texts_to(DESK, None);
    assert!(
        texts.last().unwrap().contains("is now the support desk"),
        "{texts:?}"
    );
    assert!(texts.iter().all(|t| !t.contains("not valid")), "{texts:?}");
    env.assert_clean();
}

/// Forged webhooks cost nothing per request: unknown bots and wrong secrets are refused from the
/// webhook's cache of bots and secret hashes, so a flood of them reads and writes nothing in the
/// table (the hardening issue: each one cost a read before).
#[tokio::test]
async fn refused_webhooks_read_and_write_nothing_per_request() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let env = DeskEnv::start().await;
    let post = |bot: String, secret: Option<&'static str>| {
        let router = teledesk_app::http::webhook_router(env.deps.clone());
        let mut req =
            Request::post(format!("/telegram/{bot}")).header("content-type", "application/json");
        if let Some(s) = secret {
            req = req.header("x-telegram-bot-api-secret-token", s);
        }
        let req = req
            .body(Body::from(r#"{"update_id": 1, "message": {}}"#))
            .unwrap();
        async move { router.oneshot(req).await.unwrap().status().as_u16() }
    };
    // One accepted update loads the cache.
    const CAROL: i64 = 9_001;
    assert_eq!(env.post(&env.text(CAROL, None, CAROL, "hi")).await, 200);
    let before = env.counts.get();
    for i in 0..100 {
        assert_eq!(post(BOT_ID.to_string(), Some("wrong-secret")).await, 403);
        assert_eq!(post(BOT_ID.to_string(), None).await, 403);
        assert_eq!(post(format!("{}", 9_000_000 + i), Some(SECRET)).await, 404);
    }
    let after = env.counts.get();
    assert_eq!(after.1, before.1, "refused requests write nothing");
    assert!(
        after.0 - before.0 <= 1,
        "300 refused requests read the table {} times",
        after.0 - before.0
    );
    // A bot registered in this process is admitted at once (the cache is invalidated).
    let token = env.api.add_bot(7_100_002, "second_bot");
    teledesk_app::bots::register(&env.deps, &token, Some("second-secret"))
        .await
        .unwrap();
    assert_eq!(post("7100002".into(), Some("second-secret")).await, 200);
    env.assert_clean();
}

/// Jobs had no journal (they ran as update 0), so a job delivered twice sent twice. A job's
/// handlers now run under its job id: the same notice job, delivered twice, posts once; another
/// job posts again.
#[tokio::test]
async fn a_job_delivered_twice_sends_once() {
    let env = DeskEnv::ready().await;
    let job = json!({"kind": "admin.notice", "bot_id": BOT_ID.to_string(), "chat_id": OTHER,
                     "text": "disk <b>full</b>", "job_id": "notice-1"});
    teledesk_app::jobs::queue(&env.deps, job.clone())
        .await
        .unwrap();
    teledesk_app::jobs::queue(&env.deps, job.clone())
        .await
        .unwrap();
    env.drain().await;
    let sent = |env: &DeskEnv| {
        env.texts_to(OTHER, None)
            .iter()
            .filter(|t| t.contains("disk <b>full</b>"))
            .count()
    };
    assert_eq!(sent(&env), 1);
    let mut other = job;
    other["job_id"] = json!("notice-2");
    teledesk_app::jobs::queue(&env.deps, other).await.unwrap();
    env.drain().await;
    assert_eq!(sent(&env), 2);
    env.assert_clean();
}

/// A FIFO conversation's messages come back unhandled behind a failing one, and each return is a
/// receive: the retry delay follows the update's own attempts (counted on its dedup marker), so a
/// message that was held back nine times waits 5 s after its first failure, not 15 minutes.
#[tokio::test]
async fn an_update_waits_by_its_own_attempts_not_by_its_receives() {
    use teledesk_app::batch::{Outcome, Record};
    let env = DeskEnv::ready().await;
    const CAROL: i64 = 9_002;
    let update = env.text(CAROL, None, CAROL, "held back");
    let record = |n: u32| Record {
        message_id: "m-1".into(),
        receipt: None,
        group_id: Some(format!("{BOT_ID}:{CAROL}")),
        body: json!({"bot_id": BOT_ID.to_string(), "update": update}).to_string(),
        receive_count: n,
    };
    env.api
        .fail_always("createForumTopic", bot_api::error(502, "Bad Gateway"));
    let waits: Vec<Outcome> = {
        let mut v = Vec::new();
        for receives in [9, 10, 11] {
            v.push(teledesk_app::worker::handle_record(&env.deps, record(receives)).await);
        }
        v
    };
    let secs = |o: &Outcome| match o {
        Outcome::Retry { after: Some(d) } => d.as_secs(),
        other => panic!("{other:?}"),
    };
    assert_eq!(waits.iter().map(secs).collect::<Vec<_>>(), [5, 20, 80]);
    env.api.heal();
    assert_eq!(
        teledesk_app::worker::handle_record(&env.deps, record(12)).await,
        Outcome::Done
    );
    env.drain().await;
    assert_eq!(env.tickets().await.len(), 1);
    env.assert_clean();
}

// ---- 2. Tickets -------------------------------------------------------------------------------

#[tokio::test]
async fn create_ticket_opens_a_topic_named_from_id_and_title() {
    let env = DeskEnv::ready().await;
    let t = create_ticket(&env, "Printer <on> fire & smoke\nIt smokes_badly").await;
    let id = t["ticket_id"].as_str().unwrap();
    let parts: Vec<&str> = id.split('-').collect();
    assert!(
        parts.len() == 3 && parts[0] == "TICK" && parts[1].len() == 8 && parts[2].len() == 8,
        "{id}"
    );
    assert_eq!(t["status"], "open");
    assert_eq!(t["priority"], "normal");
    assert_eq!(t["title"], "Printer <on> fire & smoke");
    assert_eq!(t["description"], "It smokes_badly");
    assert_eq!(t["created_by"]["user_id"], ALICE);
    let thread = thread_of(&t);
    let topic = env
        .api
        .topics(DESK)
        .into_iter()
        .find(|tp| tp.thread_id == thread)
        .expect("topic");
    assert_eq!(topic.name, format!("{id} Printer <on> fire & smoke"));
    let ep = env
        .endpoint(DESK, Some(thread))
        .await
        .expect("topic endpoint");
    assert_eq!(ep["ticket_id"], id);
    let first = env.texts_to(DESK, Some(thread));
    assert_eq!(first.len(), 1);
    assert!(
        first[0].contains("It smokes_badly") && first[0].contains("&lt;on&gt; fire &amp; smoke"),
        "{}",
        first[0]
    );
    assert!(
        env.texts_to(DESK, None).last().unwrap().contains(id),
        "the command is answered with the id"
    );
    let events = env.take_events().await;
    assert_eq!(types(&events), ["topic.created", "ticket.created"]);
    assert_eq!(events[1]["data"]["ticket_id"], id);
    env.assert_clean();
}

#[tokio::test]
async fn create_ticket_without_a_title_or_by_non_staff_creates_nothing() {
    let env = DeskEnv::ready().await;
    env.deliver(env.command(DESK, None, ALICE, "/create_ticket"))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .starts_with("Usage: /create_ticket")
    );
    env.deliver(env.command(DESK, None, ADMIN, "/create_ticket Broken"))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("Only staff")
    );
    env.deliver(env.command(
        DESK,
        None,
        ALICE,
        &format!("/create_ticket {}", "x".repeat(129)),
    ))
    .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("too long")
    );
    assert!(env.tickets().await.is_empty());
    assert!(env.api.calls_of("createForumTopic").is_empty());
    assert!(env.take_events().await.is_empty());
    env.assert_clean();
}

#[tokio::test]
async fn close_reopen_and_priority_inside_the_topic() {
    let env = DeskEnv::ready().await;
    let t = create_ticket(&env, "Login fails").await;
    let (id, thread) = (t["ticket_id"].as_str().unwrap().to_owned(), thread_of(&t));
    env.take_events().await;

    env.deliver(env.command(DESK, Some(thread), ALICE, "/priority urgent"))
        .await;
    assert_eq!(env.ticket(&id).await["priority"], "urgent");
    env.deliver(env.command(DESK, Some(thread), ALICE, "/priority whenever"))
        .await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .starts_with("Usage: /priority")
    );

    env.deliver(env.command(DESK, Some(thread), ALICE, "/close_ticket"))
        .await;
    let closed = env.ticket(&id).await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].as_i64().is_some());
    assert!(
        env.api
            .topics(DESK)
            .iter()
            .any(|tp| tp.thread_id == thread && tp.closed)
    );
    env.deliver(env.command(DESK, Some(thread), ALICE, "/close_ticket"))
        .await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .contains("already closed")
    );

    env.deliver(env.command(DESK, Some(thread), ALICE, "/reopen_ticket"))
        .await;
    assert_eq!(env.ticket(&id).await["status"], "open");
    assert!(
        env.api
            .topics(DESK)
            .iter()
            .any(|tp| tp.thread_id == thread && !tp.closed)
    );
    assert_eq!(
        types(&env.take_events().await),
        ["ticket.updated", "ticket.closed", "ticket.updated"]
    );
    env.assert_clean();
}

#[tokio::test]
async fn closing_a_topic_telegram_already_closed_is_tolerated() {
    let env = DeskEnv::ready().await;
    let t = create_ticket(&env, "Already closed").await;
    let thread = thread_of(&t);
    env.api.fail_next(
        "closeForumTopic",
        1,
        bot_api::error(400, "Bad Request: TOPIC_NOT_MODIFIED"),
    );
    env.take_events().await;
    env.deliver(env.command(DESK, Some(thread), ALICE, "/close_ticket"))
        .await;
    assert_eq!(
        env.ticket(t["ticket_id"].as_str().unwrap()).await["status"],
        "closed"
    );
    assert_eq!(types(&env.take_events().await), ["ticket.closed"]);
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .contains("closed by"),
        "the close is announced, not retried"
    );
    assert_eq!(env.api.calls_of("closeForumTopic").len(), 1, "not retried");
    env.assert_clean();
}

#[tokio::test]
async fn ticket_commands_outside_a_topic_or_by_non_staff_get_one_line() {
    let env = DeskEnv::ready().await;
    let t = create_ticket(&env, "Scope").await;
    let thread = thread_of(&t);
    env.deliver(env.command(DESK, None, ALICE, "/close_ticket"))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("inside a ticket's topic")
    );
    env.deliver(env.command(DESK, Some(thread), ADMIN, "/close_ticket"))
        .await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .contains("Only staff")
    );
    env.deliver(env.command(DESK, None, ALICE, "/no_such_command@desk_test_bot"))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("Unknown command")
    );
    env.deliver(env.command(555, None, 555, "/close_ticket"))
        .await;
    assert!(
        env.texts_to(555, None)
            .last()
            .unwrap()
            .contains("works in the team's group")
    );
    assert_eq!(
        env.ticket(t["ticket_id"].as_str().unwrap()).await["status"],
        "open"
    );
    env.assert_clean();
}

// ---- 3. Private-chat support --------------------------------------------------------------------

const CAROL: i64 = 9_001;

#[tokio::test]
async fn a_private_message_opens_a_ticket_and_staff_answers_go_back() {
    let env = DeskEnv::ready().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start")).await;
    assert_eq!(env.texts_to(CAROL, None).len(), 1, "a greeting");
    assert!(env.tickets().await.is_empty(), "/start opens no ticket");

    let t = customer_ticket(&env, CAROL, "My <order> never came").await;
    let thread = thread_of(&t);
    assert_eq!(t["chat_id"], DESK);
    assert_eq!(t["customer"]["user_id"], CAROL);
    let in_topic = env.texts_to(DESK, Some(thread));
    assert_eq!(
        in_topic.len(),
        2,
        "header and the customer's message: {in_topic:?}"
    );
    assert!(
        in_topic[1].ends_with("My <order> never came"),
        "{}",
        in_topic[1]
    );
    assert!(
        in_topic[1].starts_with("Carol_<Customer> · customer"),
        "{}",
        in_topic[1]
    );
    assert!(env.texts_to(CAROL, None)[1].contains(t["ticket_id"].as_str().unwrap()));

    env.deliver(env.text(CAROL, None, CAROL, "any news?")).await;
    assert_eq!(
        env.tickets().await.len(),
        1,
        "later messages join the open ticket"
    );
    assert_eq!(env.texts_to(DESK, Some(thread)).len(), 3);

    let staff_msg = env.text(DESK, Some(thread), ALICE, "On its way!");
    let staff_id = staff_msg["message"]["message_id"].as_i64().unwrap();
    env.deliver(staff_msg).await;
    let to_customer: Vec<_> = env
        .api
        .copies()
        .into_iter()
        .filter(|c| c.to_chat == CAROL)
        .collect();
    assert_eq!(to_customer.len(), 1);
    assert_eq!(
        (to_customer[0].from_chat, to_customer[0].from_message_id),
        (DESK, staff_id)
    );
    assert_eq!(to_customer[0].caption, None, "customers get plain copies");
    let id = t["ticket_id"].as_str().unwrap();
    assert_eq!(
        env.ticket(id).await["status"],
        "pending",
        "waiting for the customer"
    );
    env.deliver(env.text(CAROL, None, CAROL, "thanks, still waiting"))
        .await;
    assert_eq!(
        env.ticket(id).await["status"],
        "open",
        "the customer wrote again"
    );

    let note = env.text(
        DESK,
        Some(thread),
        ALICE,
        "// internal: check the warehouse",
    );
    env.deliver(note).await;
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        1,
        "notes stay internal"
    );
    env.assert_clean();
}

#[tokio::test]
async fn closing_tells_the_customer_and_the_next_message_opens_a_new_ticket() {
    let env = DeskEnv::ready().await;
    let first = customer_ticket(&env, CAROL, "first problem").await;
    let first_id = first["ticket_id"].as_str().unwrap().to_owned();
    env.deliver(env.command(DESK, Some(thread_of(&first)), ALICE, "/close_ticket"))
        .await;
    assert!(
        env.texts_to(CAROL, None)
            .last()
            .unwrap()
            .contains("was closed")
    );
    let staff_after = env.text(DESK, Some(thread_of(&first)), ALICE, "after close");
    env.deliver(staff_after).await;
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        0,
        "a closed ticket no longer reaches the customer"
    );

    let second = customer_ticket(&env, CAROL, "second problem").await;
    assert_ne!(second["ticket_id"], first_id.as_str());
    assert_eq!(second["previous_ticket_id"], first_id.as_str());
    assert_ne!(
        thread_of(&second),
        thread_of(&first),
        "a new topic, not a reopen"
    );
    assert_eq!(env.ticket(&first_id).await["status"], "closed");
    assert!(
        env.texts_to(DESK, Some(thread_of(&second)))[0].contains(&first_id),
        "header links the previous ticket"
    );
    env.assert_clean();
}

#[tokio::test]
async fn two_quick_first_messages_on_two_workers_open_one_topic() {
    let env = DeskEnv::ready().await;
    let a = env.text(CAROL, None, CAROL, "hello?");
    let b = env.text(CAROL, None, CAROL, "anyone there?");
    env.deliver_concurrently(vec![a, b]).await;
    assert_eq!(env.tickets().await.len(), 1);
    assert_eq!(
        env.api
            .calls_of("createForumTopic")
            .iter()
            .filter(|c| c.ok)
            .count(),
        1
    );
    let t = &env.tickets().await[0];
    let texts = env.texts_to(DESK, Some(thread_of(t)));
    assert_eq!(texts.len(), 3, "header + both messages: {texts:?}");
    env.assert_clean();
}

#[tokio::test]
async fn without_a_desk_the_customer_gets_the_home_view_and_nothing_is_created() {
    let env = DeskEnv::start().await;
    env.deliver(env.text(CAROL, None, CAROL, "help")).await;
    // No desk: free text is not support; the home view offers what there is (nothing yet).
    let texts = env.texts_to(CAROL, None);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("nothing I can do here yet"), "{texts:?}");
    assert!(env.tickets().await.is_empty());
    env.assert_clean();
}

// ---- 4. Messages: storage, edits, replies ---------------------------------------------------------

#[tokio::test]
async fn messages_are_stored_and_edits_and_replies_follow_the_copies() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "where is it").await;
    let thread = thread_of(&t);
    let id = t["ticket_id"].as_str().unwrap();

    let fmt = env.with(CAROL, None, CAROL, json!({"text": "see ORDER-1 now",
        "entities": [{"type": "bold", "offset": 4, "length": 7}],
        "forward_origin": {"type": "hidden_user", "date": 1_789_000_000, "sender_user_name": "Dan"}}));
    let fmt_id = fmt["message"]["message_id"].as_i64().unwrap();
    env.deliver(fmt.clone()).await;
    let stored = env
        .item(&format!("MSG#{BOT_ID}#{CAROL}"), &format!("{fmt_id:012}"))
        .await
        .expect("stored");
    assert_eq!(stored["ticket_id"], id);
    assert_eq!(stored["from"]["id"], CAROL);
    assert_eq!(stored["text"], "see ORDER-1 now");
    assert_eq!(stored["entities"][0]["type"], "bold");
    assert_eq!(stored["forward_origin"]["sender_user_name"], "Dan");
    let copy = env
        .item(
            &format!("COPY#{BOT_ID}#{CAROL}#{fmt_id}"),
            &format!("{DESK}#{thread}"),
        )
        .await
        .expect("copy recorded");
    assert_eq!(copy["status"], "sent");
    let sent = env.api.sent_to(DESK, Some(thread)).pop().unwrap();
    let prefix = "Carol_<Customer> · customer\n".encode_utf16().count() as i64;
    assert_eq!(
        sent["entities"][1]["offset"],
        4 + prefix,
        "entities shifted past the attribution"
    );

    // An edit reaches the copy.
    env.deliver(env.edited(&fmt, "see ORDER-2 now")).await;
    let edits = env.api.edits();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["message_id"], copy["target_message_id"]);
    assert!(
        edits[0]["text"]
            .as_str()
            .unwrap()
            .ends_with("see ORDER-2 now")
    );
    let stored = env
        .item(&format!("MSG#{BOT_ID}#{CAROL}"), &format!("{fmt_id:012}"))
        .await
        .unwrap();
    assert_eq!(stored["text"], "see ORDER-2 now");
    assert_eq!(stored["edits"][0]["text"], "see ORDER-1 now");

    // Staff reply to the copy in the topic → the customer's copy replies to the original.
    let staff = env.reply(
        DESK,
        Some(thread),
        ALICE,
        copy["target_message_id"].as_i64().unwrap(),
        "got it",
    );
    let staff_id = staff["message"]["message_id"].as_i64().unwrap();
    env.deliver(staff).await;
    let c = env
        .api
        .calls_of("copyMessage")
        .into_iter()
        .rfind(|c| c.params["chat_id"] == CAROL)
        .unwrap();
    assert_eq!(c.params["reply_parameters"]["message_id"], fmt_id);
    // Customer replies to that copy → the topic copy replies to the staff's original.
    let staff_copy_id = env
        .api
        .copies()
        .into_iter()
        .rfind(|c| c.to_chat == CAROL)
        .unwrap()
        .message_id;
    let back = env.reply(CAROL, None, CAROL, staff_copy_id, "thanks");
    env.deliver(back).await;
    let last = env.api.sent_to(DESK, Some(thread)).pop().unwrap();
    assert_eq!(last["reply_parameters"]["message_id"], staff_id);
    let counts = env.item(&format!("TICKET#{id}"), "STATS").await.unwrap();
    assert_eq!(
        (
            counts["messages_customer"].as_i64(),
            counts["messages_staff"].as_i64()
        ),
        (Some(3), Some(1))
    );
    env.assert_clean();
}

// ---- 5. /mention ----------------------------------------------------------------------------------

#[tokio::test]
async fn mention_opens_a_linked_topic_for_the_internal_user_and_reuses_it() {
    let env = DeskEnv::ready().await;
    let t = create_ticket(&env, "Needs Bob").await;
    let thread = thread_of(&t);
    env.take_events().await;
    env.deliver(env.command(DESK, Some(thread), ALICE, "/mention @Bob_B"))
        .await;
    let bob_topics = env.api.topics(OTHER);
    assert_eq!(bob_topics.len(), 1, "a topic in Bob's group");
    let bob_thread = bob_topics[0].thread_id as i64;
    assert!(
        bob_topics[0].name.starts_with("@bob_b · TICK-"),
        "{}",
        bob_topics[0].name
    );
    let call = env.texts_to(OTHER, Some(bob_thread));
    assert!(call[0].contains(&format!("tg://user?id={BOB}")), "{call:?}");
    assert!(types(&env.take_events().await).contains(&"user.mentioned".to_owned()));

    // The two talk through the bot.
    env.deliver(env.text(OTHER, Some(bob_thread), BOB, "I'm on it"))
        .await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .ends_with("I'm on it")
    );
    env.deliver(env.text(DESK, Some(thread), ALICE, "great"))
        .await;
    assert!(
        env.texts_to(OTHER, Some(bob_thread))
            .last()
            .unwrap()
            .ends_with("great")
    );

    // Again: the same topic.
    env.deliver(env.command(DESK, Some(thread), ALICE, "/mention bob_b"))
        .await;
    assert_eq!(env.api.topics(OTHER).len(), 1);
    env.assert_clean();
}

#[tokio::test]
async fn mention_without_a_name_offers_a_keyboard_and_the_button_works() {
    let env = DeskEnv::ready().await;
    let t = create_ticket(&env, "Keyboard").await;
    let thread = thread_of(&t);
    env.deliver(env.command(DESK, Some(thread), ALICE, "/mention"))
        .await;
    let kb = env.api.sent_to(DESK, Some(thread)).pop().unwrap();
    let buttons: Vec<Value> = kb["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().clone())
        .collect();
    assert_eq!(buttons.len(), 2);
    let bob = buttons.iter().find(|b| b["text"] == "@bob_b").unwrap();
    env.deliver(env.callback(
        DESK,
        thread,
        ALICE,
        1,
        bob["callback_data"].as_str().unwrap(),
    ))
    .await;
    let answers = env.api.calls_of("answerCallbackQuery");
    assert_eq!(answers.len(), 1);
    assert!(
        answers[0].params["text"]
            .as_str()
            .unwrap()
            .contains("@bob_b")
    );
    assert_eq!(env.api.topics(OTHER).len(), 1);

    env.deliver(env.command(DESK, Some(thread), ALICE, "/mention @nobody_here"))
        .await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .contains("is not an internal user")
    );
    env.assert_clean();
}

// ---- 6. Topic links and two-way sync ----------------------------------------------------------------

#[tokio::test]
async fn linked_topics_sync_both_ways_with_attribution_and_never_loop() {
    let env = DeskEnv::ready().await;
    let a = thread_of(&create_ticket(&env, "A").await);
    let b = thread_of(&create_ticket(&env, "B").await);
    let c = 777_i64; // a topic of the other group the bot never created
    env.deliver(env.command(DESK, Some(a), ALICE, &format!("/link {DESK}:{b}")))
        .await;
    env.deliver(env.command(
        DESK,
        Some(b),
        ALICE,
        &format!("/link https://t.me/c/1000000002/{c}"),
    ))
    .await;
    env.deliver(env.command(DESK, Some(a), ALICE, &format!("/link {OTHER}:{c}")))
        .await;
    let ep_b = env.endpoint(DESK, Some(b)).await.unwrap();
    assert_eq!(
        ep_b["links"].as_array().unwrap().len(),
        2,
        "links are symmetric: {ep_b}"
    );

    let before = env.api.calls().len();
    env.deliver(env.text(OTHER, Some(c), BOB, "from C")).await;
    let sends: Vec<_> = env.api.calls()[before..].to_vec();
    assert_eq!(
        sends.len(),
        2,
        "one call per linked topic and nothing else: {sends:?}"
    );
    let to_a = env.texts_to(DESK, Some(a)).pop().unwrap();
    assert_eq!(to_a, format!("Bob · {OTHER_TITLE}\nfrom C"));
    assert!(
        env.texts_to(DESK, Some(b))
            .last()
            .unwrap()
            .ends_with("from C")
    );
    assert!(
        env.texts_to(OTHER, Some(c))
            .iter()
            .all(|t| !t.ends_with("from C")),
        "never synced back"
    );

    env.deliver(env.command(DESK, Some(a), ALICE, &format!("/unlink {OTHER}:{c}")))
        .await;
    let before = env.api.calls().len();
    env.deliver(env.text(OTHER, Some(c), BOB, "after unlink"))
        .await;
    let sends = env.api.calls()[before..].to_vec();
    assert_eq!(sends.len(), 1, "only B is still linked to C");
    env.assert_clean();
}

// ---- 7. Attachments ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_photo_is_copied_with_attribution_and_archived_by_content_hash() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "photo follows").await;
    let thread = thread_of(&t);
    env.api
        .add_file("ph-big", "photos/big.jpg", b"JPEG-BIG-BYTES".to_vec());
    env.api
        .add_file("ph-small", "photos/small.jpg", b"JPEG-S".to_vec());
    let photo = env.with(CAROL, None, CAROL, json!({"caption": "broken box",
        "photo": [{"file_id": "ph-small", "file_unique_id": "us", "width": 90, "height": 60, "file_size": 6},
                  {"file_id": "ph-big", "file_unique_id": "ub", "width": 1280, "height": 960, "file_size": 14}]}));
    let mid = photo["message"]["message_id"].as_i64().unwrap();
    env.deliver(photo).await;
    let copy = env
        .api
        .copies()
        .into_iter()
        .find(|c| c.from_message_id == mid)
        .expect("copied");
    assert_eq!(copy.to_thread, Some(thread));
    assert_eq!(
        copy.caption.as_deref(),
        Some("Carol_<Customer> · customer\nbroken box")
    );
    let att = env
        .item(&format!("MSG#{BOT_ID}#{CAROL}"), &format!("{mid:012}#att"))
        .await
        .expect("attachment");
    assert_eq!(att["status"], "stored");
    assert_eq!(att["media"]["kind"], "photo");
    assert_eq!(att["media"]["file_id"], "ph-big");
    let key = att["key"].as_str().unwrap();
    let (expected, _) = teledesk_app::desk::attachments::content_key(b"JPEG-BIG-BYTES");
    assert_eq!(key, expected);
    assert_eq!(
        env.deps.files.get(key).await.unwrap().unwrap(),
        b"JPEG-BIG-BYTES"
    );
    let thumb = att["thumbnail_key"].as_str().expect("thumbnail kept");
    assert_eq!(env.deps.files.get(thumb).await.unwrap().unwrap(), b"JPEG-S");
    env.assert_clean();
}

#[tokio::test]
async fn a_file_over_20_mb_is_recorded_too_large_and_the_sender_told() {
    let env = DeskEnv::ready().await;
    customer_ticket(&env, CAROL, "big file follows").await;
    env.api
        .add_big_file("doc-big", "docs/big.pdf", 25 * 1024 * 1024);
    let doc = env.with(CAROL, None, CAROL, json!({"document": {"file_id": "doc-big", "file_unique_id": "udb",
        "file_name": "scan<1>.pdf", "mime_type": "application/pdf", "file_size": 25 * 1024 * 1024}}));
    let mid = doc["message"]["message_id"].as_i64().unwrap();
    env.deliver(doc).await;
    let att = env
        .item(&format!("MSG#{BOT_ID}#{CAROL}"), &format!("{mid:012}#att"))
        .await
        .unwrap();
    assert_eq!(att["status"], "too_large");
    let told = env.texts_to(CAROL, None).pop().unwrap();
    assert!(
        told.contains("scan&lt;1&gt;.pdf") && told.contains("20 MB"),
        "{told}"
    );
    env.assert_clean();
}

#[tokio::test]
async fn an_album_is_copied_together_with_copy_messages() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "album follows").await;
    let thread = thread_of(&t);
    let mut ids = Vec::new();
    for (i, f) in ["al-1", "al-2", "al-3"].iter().enumerate() {
        env.api
            .add_file(f, &format!("photos/{f}.jpg"), vec![i as u8; 10]);
        let u = env.with(CAROL, None, CAROL, json!({"media_group_id": "grp-1",
            "photo": [{"file_id": f, "file_unique_id": format!("u{f}"), "width": 800, "height": 600, "file_size": 10}]}));
        ids.push(u["message"]["message_id"].as_i64().unwrap());
        assert_eq!(env.post(&u).await, 200);
    }
    env.drain().await;
    let calls = env.api.calls_of("copyMessages");
    assert_eq!(calls.len(), 1, "one call for the album");
    assert_eq!(calls[0].params["message_ids"], json!(ids));
    assert_eq!(calls[0].params["message_thread_id"], thread);
    env.assert_clean();
}

// ---- 8. Failure modes ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_deleted_topic_is_recreated_and_the_ticket_kept() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "first").await;
    let (id, old) = (t["ticket_id"].as_str().unwrap().to_owned(), thread_of(&t));
    env.api.delete_topic(DESK, old);
    env.deliver(env.text(CAROL, None, CAROL, "are you there?"))
        .await;
    let t2 = env.ticket(&id).await;
    let new = thread_of(&t2);
    assert_ne!(new, old);
    assert_eq!(t2["status"], "open");
    let texts = env.texts_to(DESK, Some(new));
    assert!(
        texts[0].contains("deleted") && texts[0].contains(&id),
        "staff told: {texts:?}"
    );
    assert!(texts.last().unwrap().ends_with("are you there?"));
    // Staff in the new topic still reach the customer.
    env.deliver(env.text(DESK, Some(new), ALICE, "yes")).await;
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        1
    );
    env.assert_clean();
}

#[tokio::test]
async fn a_customer_who_blocked_the_bot_is_marked_and_staff_told_once() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "hi").await;
    let thread = thread_of(&t);
    env.api.block_chat(CAROL);
    env.deliver(env.text(DESK, Some(thread), ALICE, "answer 1"))
        .await;
    env.deliver(env.text(DESK, Some(thread), ALICE, "answer 2"))
        .await;
    let ep = env.endpoint(CAROL, None).await.unwrap();
    assert_eq!(ep["unreachable"], true);
    let warnings: Vec<_> = env
        .texts_to(DESK, Some(thread))
        .into_iter()
        .filter(|t| t.contains("blocked the bot"))
        .collect();
    assert_eq!(warnings.len(), 1);
    env.assert_clean();
}

#[tokio::test]
async fn flood_control_is_retried_after_retry_after_and_nothing_doubles() {
    let env = DeskEnv::ready().await;
    let a = thread_of(&create_ticket(&env, "A").await);
    let b = thread_of(&create_ticket(&env, "B").await);
    env.deliver(env.command(DESK, Some(a), ALICE, &format!("/link {OTHER}:900")))
        .await;
    env.deliver(env.command(DESK, Some(b), ALICE, &format!("/link {OTHER}:900")))
        .await;
    // The second target answers 429 once: the first must not be copied twice.
    env.api
        .fail_next("sendMessage", 1, bot_api::too_many_requests(1));
    env.deliver(env.text(OTHER, Some(900), BOB, "hello both"))
        .await;
    assert_eq!(
        env.texts_to(DESK, Some(a))
            .iter()
            .filter(|t| t.ends_with("hello both"))
            .count(),
        1
    );
    assert_eq!(
        env.texts_to(DESK, Some(b))
            .iter()
            .filter(|t| t.ends_with("hello both"))
            .count(),
        1
    );
    env.assert_clean();
}

#[tokio::test]
async fn a_migrated_group_takes_its_records_along() {
    let env = DeskEnv::start().await;
    let old = -4_242_i64;
    let group = json!({"id": old, "type": "group", "title": "Old group"});
    let added = json!({"update_id": env.next_update_id(), "my_chat_member": {"chat": group, "from": {"id": ADMIN, "is_bot": false, "first_name": "Ada"},
        "date": 1_790_000_000, "old_chat_member": {"status": "left", "user": {"id": BOT_ID, "is_bot": true, "first_name": "b"}},
        "new_chat_member": {"status": "member", "user": {"id": BOT_ID, "is_bot": true, "first_name": "b"}}}});
    env.deliver(added).await;
    let migrate = json!({"update_id": env.next_update_id(), "message": {"message_id": 5, "date": 1_790_000_000, "chat": group,
        "from": {"id": ADMIN, "is_bot": false, "first_name": "Ada"}, "migrate_to_chat_id": DESK}});
    env.deliver(migrate).await;
    let moved = env
        .item(&format!("GROUP#{BOT_ID}#{DESK}"), "GROUP")
        .await
        .expect("moved");
    assert_eq!(moved["type"], "supergroup");
    let old_g = env
        .item(&format!("GROUP#{BOT_ID}#{old}"), "GROUP")
        .await
        .unwrap();
    assert_eq!(
        (old_g["active"].clone(), old_g["migrated_to"].clone()),
        (json!(false), json!(DESK))
    );
    env.assert_clean();
}

#[tokio::test]
async fn a_message_telegram_cannot_copy_becomes_a_summary() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "quiz follows").await;
    let thread = thread_of(&t);
    let quiz = env.with(CAROL, None, CAROL, json!({"poll": {"id": "p1", "question": "2+2?", "options": [
        {"text": "4", "voter_count": 0, "persistent_id": "a"}, {"text": "5", "voter_count": 0, "persistent_id": "b"}],
        "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "quiz", "allows_multiple_answers": false,
        "allows_revoting": false, "members_only": false}}));
    env.deliver(quiz).await;
    let last = env.texts_to(DESK, Some(thread)).pop().unwrap();
    assert!(last.contains("a quiz: 2+2?"), "{last}");
    // A message copyMessage refuses at the last moment also ends as a summary.
    let sticker = env.with(
        CAROL,
        None,
        CAROL,
        json!({"sticker": {"file_id": "st", "file_unique_id": "ust", "type": "regular",
        "width": 512, "height": 512, "is_animated": false, "is_video": false}}),
    );
    env.api
        .uncopyable(CAROL, sticker["message"]["message_id"].as_i64().unwrap());
    env.deliver(sticker).await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .pop()
            .unwrap()
            .contains("cannot be copied")
    );
    env.assert_clean();
}

// ---- 9. Events ---------------------------------------------------------------------------------------

#[tokio::test]
async fn events_have_stable_ids_and_the_documented_shape() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "event me").await;
    let events = env.take_events().await;
    assert_eq!(
        types(&events),
        ["topic.created", "ticket.created", "message.sent"]
    );
    for e in &events {
        assert!(e["id"].as_str().unwrap().starts_with("evt_"));
        assert_eq!(e["workspace"], "default");
        assert_eq!(e["bot_id"], BOT_ID.to_string());
        assert!(e["created_at"].as_i64().is_some());
    }
    assert_eq!(events[1]["data"]["ticket_id"], t["ticket_id"]);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events.md"))
        .expect("docs/events.md");
    for kind in teledesk_app::events::TYPES {
        assert!(doc.contains(&format!("`{kind}`")), "{kind} is documented");
    }
    env.assert_clean();
}

// ---- 10. Cost of a synced message (counted, not timed) -------------------------------------------

/// Table operations (reads, writes) and Telegram calls the worker makes for one message in a topic
/// linked to `targets` topics.
async fn sync_cost(targets: usize) -> ((u64, u64), usize) {
    let env = DeskEnv::ready().await;
    for i in 0..targets {
        let t = thread_of(&create_ticket(&env, &format!("T{i}")).await);
        env.deliver(env.command(DESK, Some(t), ALICE, &format!("/link {OTHER}:900")))
            .await;
    }
    // One message first, so that both runs measure the steady state.
    env.deliver(env.text(OTHER, Some(900), BOB, "warm-up"))
        .await;
    let update = env.text(OTHER, Some(900), BOB, "measured");
    assert_eq!(env.post(&update).await, 200);
    let (calls, (r0, w0)) = (env.api.calls().len(), env.counts.get());
    env.drain().await;
    let (r1, w1) = env.counts.get();
    let telegram = env.api.calls().len() - calls;
    env.assert_clean();
    ((r1 - r0, w1 - w0), telegram)
}

#[tokio::test]
async fn a_synced_message_costs_one_table_write_and_one_telegram_call_per_target() {
    let ((r1, w1), tg1) = sync_cost(1).await;
    let ((r3, w3), tg3) = sync_cost(3).await;
    println!(
        "1 target: {r1} reads + {w1} writes, {tg1} Telegram calls; 3 targets: {r3} reads + {w3} writes, {tg3} Telegram calls"
    );
    assert_eq!(
        (tg1, tg3),
        (1, 3),
        "exactly one Telegram call per target topic"
    );
    let per_target = ((r3 + w3) - (r1 + w1)) / 2;
    assert!(per_target <= 3, "{per_target} table operations per target");
    assert_eq!(r3, r1, "no reads per target");
}

#[tokio::test]
async fn a_re_run_after_a_failure_emits_the_same_event_ids_and_no_second_topic() {
    let env = DeskEnv::ready().await;
    // The topic's first post meets flood control: the update is retried from the queue.
    env.api
        .fail_next("sendMessage", 1, bot_api::too_many_requests(1));
    create_ticket(&env, "Retried").await;
    assert_eq!(
        env.api.calls_of("createForumTopic").len(),
        1,
        "no second topic"
    );
    let events = env.take_events().await;
    let ids: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        2,
        "topic.created and ticket.created, however often emitted: {events:?}"
    );
    env.assert_clean();
}

#[tokio::test]
async fn a_desk_that_cannot_open_topics_fails_the_ticket_and_tells_both_sides_once() {
    let env = DeskEnv::ready().await;
    env.api.fail_always(
        "createForumTopic",
        bot_api::error(400, "Bad Request: not enough rights to create a topic"),
    );
    env.deliver(env.text(CAROL, None, CAROL, "help me")).await;
    env.deliver(env.text(CAROL, None, CAROL, "hello??")).await;
    let told = env.texts_to(CAROL, None);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told.iter()
            .all(|t| t.contains("couldn't open your request"))
    );
    let warnings: Vec<_> = env
        .texts_to(DESK, None)
        .into_iter()
        .filter(|t| t.contains("can't be opened"))
        .collect();
    assert_eq!(warnings.len(), 1, "the desk is warned once: {warnings:?}");
    let all = env.tickets().await;
    assert!(all.iter().all(|t| t["status"] == "failed"), "{all:?}");
    let ep = env.endpoint(CAROL, None).await.unwrap();
    assert_eq!(ep["state"], "", "the claim is released");
    // Fixed: the next message opens a ticket.
    env.api.heal();
    let t = customer_ticket(&env, CAROL, "third try").await;
    assert_eq!(t["status"], "open");
    env.assert_clean();
}

#[tokio::test]
async fn a_telegram_outage_while_opening_is_retried_not_failed() {
    let env = DeskEnv::ready().await;
    env.api
        .fail_next("createForumTopic", 1, bot_api::error(502, "Bad Gateway"));
    let t = customer_ticket(&env, CAROL, "during an outage").await;
    assert_eq!(t["status"], "open");
    assert!(
        env.texts_to(DESK, Some(thread_of(&t)))
            .last()
            .unwrap()
            .ends_with("during an outage")
    );
    env.assert_clean();
}

#[tokio::test]
async fn reopening_a_customer_ticket_reconnects_the_customer_and_links_are_listed() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "reopen me").await;
    let thread = thread_of(&t);
    env.deliver(env.command(DESK, Some(thread), ALICE, "/close_ticket"))
        .await;
    env.deliver(env.command(DESK, Some(thread), ALICE, "/reopen_ticket"))
        .await;
    assert!(
        env.texts_to(CAROL, None)
            .last()
            .unwrap()
            .contains("reopened")
    );
    env.deliver(env.text(DESK, Some(thread), ALICE, "back again"))
        .await;
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        1
    );
    env.deliver(env.command(DESK, Some(thread), ALICE, "/links"))
        .await;
    assert!(
        env.texts_to(DESK, Some(thread))
            .last()
            .unwrap()
            .contains("private chat")
    );
    env.assert_clean();
}

#[tokio::test]
async fn a_slash_word_that_is_not_a_command_is_synced_as_text() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "reset?").await;
    let thread = thread_of(&t);
    env.deliver(env.text(
        DESK,
        Some(thread),
        ALICE,
        "/reset your password in settings",
    ))
    .await;
    assert_eq!(
        env.api
            .copies()
            .iter()
            .filter(|c| c.to_chat == CAROL)
            .count(),
        1
    );
    env.assert_clean();
}

#[tokio::test]
async fn a_reply_to_a_group_that_migrated_follows_it() {
    let env = DeskEnv::start().await;
    let (old, new) = (-4_343_i64, -1_004_343_000_000_i64);
    let group = json!({"id": old, "type": "group", "title": "Basic"});
    let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": "b"});
    env.deliver(json!({"update_id": env.next_update_id(), "my_chat_member": {"chat": group,
        "from": {"id": ADMIN, "is_bot": false, "first_name": "Ada"}, "date": 1_790_000_000,
        "old_chat_member": {"status": "left", "user": bot}, "new_chat_member": {"status": "member", "user": bot}}}))
        .await;
    env.api.migrate_chat(old, new);
    env.deliver(json!({"update_id": env.next_update_id(), "message": {"message_id": 9, "date": 1_790_000_000,
        "chat": group, "from": {"id": ADMIN, "is_bot": false, "first_name": "Ada"}, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}))
        .await;
    assert!(
        env.texts_to(new, None)
            .last()
            .unwrap()
            .contains("/create_ticket")
    );
    let moved = env
        .item(&format!("GROUP#{BOT_ID}#{new}"), "GROUP")
        .await
        .expect("moved");
    assert_eq!(moved["type"], "supergroup");
    env.assert_clean();
}

#[tokio::test]
async fn a_caption_edit_reaches_the_copy_with_its_attribution() {
    let env = DeskEnv::ready().await;
    customer_ticket(&env, CAROL, "photo next").await;
    env.api.add_file("cap-1", "photos/cap.jpg", b"IMG".to_vec());
    let photo = env.with(CAROL, None, CAROL, json!({"caption": "dent on the left",
        "photo": [{"file_id": "cap-1", "file_unique_id": "ucap", "width": 640, "height": 480, "file_size": 3}]}));
    env.deliver(photo.clone()).await;
    env.deliver(env.edited(&photo, "dent on the right")).await;
    let edits = env.api.edits();
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(
        edits[0]["caption"],
        "Carol_<Customer> · customer\ndent on the right"
    );
    env.assert_clean();
}

#[tokio::test]
async fn every_media_kind_is_recorded_archived_and_copied() {
    let env = DeskEnv::ready().await;
    let t = customer_ticket(&env, CAROL, "files follow").await;
    let thread = thread_of(&t);
    let kinds = [
        (
            "video",
            json!({"file_id": "k-video", "file_unique_id": "uv", "width": 640, "height": 360, "duration": 3, "file_size": 5}),
            true,
        ),
        (
            "voice",
            json!({"file_id": "k-voice", "file_unique_id": "uvo", "duration": 2, "file_size": 5}),
            true,
        ),
        (
            "audio",
            json!({"file_id": "k-audio", "file_unique_id": "ua", "duration": 60, "file_size": 5}),
            true,
        ),
        (
            "animation",
            json!({"file_id": "k-animation", "file_unique_id": "uan", "width": 320, "height": 240, "duration": 1, "file_size": 5}),
            true,
        ),
        (
            "video_note",
            json!({"file_id": "k-video_note", "file_unique_id": "uvn", "length": 240, "duration": 4, "file_size": 5}),
            false,
        ),
    ];
    for (kind, file, captioned) in kinds {
        env.api.add_file(
            file["file_id"].as_str().unwrap(),
            &format!("media/{kind}"),
            kind.as_bytes()[..5].to_vec(),
        );
        let u = env.with(CAROL, None, CAROL, json!({ kind: file }));
        let mid = u["message"]["message_id"].as_i64().unwrap();
        env.deliver(u).await;
        let att = env
            .item(&format!("MSG#{BOT_ID}#{CAROL}"), &format!("{mid:012}#att"))
            .await
            .unwrap_or_else(|| panic!("{kind} recorded"));
        assert_eq!(
            (att["media"]["kind"].as_str(), att["status"].as_str()),
            (Some(kind), Some("stored")),
            "{kind}"
        );
        let copy = env
            .api
            .copies()
            .into_iter()
            .find(|c| c.from_message_id == mid)
            .unwrap_or_else(|| panic!("{kind} copied"));
        assert_eq!(copy.to_thread, Some(thread));
        assert_eq!(
            copy.caption.is_some(),
            captioned,
            "{kind}: attribution in the caption only where Telegram allows one"
        );
    }
    env.assert_clean();
}
