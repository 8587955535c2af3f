//! The bot core: the router's arbitration in private chats, deep links, conversation sessions
//! (concurrent and re-delivered steps, expiry, /cancel), callbacks (stale, forged, failing), the
//! home view, languages, /help and the command menus — through the worker, embedded storage and
//! the Bot API double, with a test capability (`Form`) plugged into the router beside the build's.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};
use teledesk_app::router::{Capability, Handled};
use teledesk_app::session::{self, Session, Start};
use teledesk_app::{Deps, config::Config, i18n::Catalog};
use teledesk_bot::ctx::{Ctx, Res};
use teledesk_bot::msg::Msg;
use teledesk_e2e::desk::{ADMIN, ALICE, BOT_ID, DESK, DeskEnv, OTHER};
use teledesk_ports::Table;
use teledesk_telegram::OutgoingText;

const CAROL: i64 = 601;
const DAN: i64 = 602;

/// A conversation that logs every message it gets, one step each: `/start f_<anything>` starts it.
struct Form;

#[async_trait]
impl Capability for Form {
    fn name(&self) -> &'static str {
        "form"
    }
    fn catalog(&self) -> &'static Catalog {
        teledesk_app::i18n::core()
    }
    fn start_prefixes(&self) -> &'static [&'static str] {
        &["f_"]
    }
    async fn on_start(&self, ctx: &Ctx<'_>, m: &Msg<'_>, payload: &str) -> Res<Handled> {
        let current = session::get(ctx.deps, ctx.bot_id(), m.chat_id(), m.from_id()).await?;
        let start = Start {
            capability: "form",
            flow: "log",
            flow_version: 1,
            step: "n0",
            data: json!({"log": [], "payload": payload}),
            ttl_secs: None,
        };
        session::start(ctx, m.chat_id(), m.from_id(), current.as_ref(), start).await?;
        say(
            ctx,
            m.chat_id(),
            "form-start",
            &format!("form started: {payload}"),
        )
        .await?;
        Ok(Handled::Yes)
    }
    async fn on_session(&self, ctx: &Ctx<'_>, s: &Session, m: &Msg<'_>) -> Res<Handled> {
        let s = if s.moved_by(ctx) {
            s.clone() // re-delivered: the transition is made; only what follows it is redone
        } else {
            let mut data = s.data.clone();
            data["log"]
                .as_array_mut()
                .expect("log")
                .push(json!(m.text().unwrap_or_default()));
            let n = data["log"].as_array().map_or(0, Vec::len);
            session::advance(ctx, s, &format!("n{n}"), data).await?
        };
        let text = format!("form got: {}", m.text().unwrap_or_default());
        say(ctx, m.chat_id(), &format!("form-ack#{}", s.version), &text).await?;
        Ok(Handled::Yes)
    }
    async fn on_session_cancelled(&self, ctx: &Ctx<'_>, s: &Session) -> Res<()> {
        say(
            ctx,
            s.chat_id,
            "form-abandoned",
            &format!("form abandoned at {}", s.step),
        )
        .await
    }
}

async fn say(ctx: &Ctx<'_>, chat: i64, step: &str, text: &str) -> Res<()> {
    let html = teledesk_app::html::escape(text);
    ctx.once(step, || async {
        ctx.send(OutgoingText::html(chat, None, html.clone()))
            .await
            .map(|_| ())
    })
    .await
}

async fn env_with_form() -> DeskEnv {
    let router = teledesk_app::wiring::capabilities_with(vec![Arc::new(Form)]);
    DeskEnv::start_routed(Config::default(), router).await
}

/// [`env_with_form`] with the desk set up (as [`DeskEnv::ready`]).
async fn ready_with_form() -> DeskEnv {
    let env = env_with_form().await;
    env.api.set_member(DESK, ADMIN, "administrator");
    env.deliver(env.bot_added(DESK)).await;
    env.deliver(env.bot_added(OTHER)).await;
    env.add_staff(ALICE, "alice_a", "Alice <A&B>", &[]).await;
    let code = env
        .setup_code(teledesk_app::setup_codes::Purpose::Desk)
        .await;
    env.deliver(env.command(DESK, None, ADMIN, &format!("/setup_desk {code}")))
        .await;
    env.take_events().await;
    env
}

async fn session_of(deps: &Deps, user: i64) -> Option<Session> {
    session::get(deps, &BOT_ID.to_string(), user, user)
        .await
        .expect("read session")
}

fn log_of(s: &Session) -> Vec<String> {
    s.data["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn last_text(env: &DeskEnv, chat: i64) -> String {
    env.texts_to(chat, None).last().cloned().unwrap_or_default()
}

/// The answers given to callback queries, in order: (query id, text).
fn answers(env: &DeskEnv) -> Vec<(String, Option<String>)> {
    env.api
        .calls_of("answerCallbackQuery")
        .into_iter()
        .map(|c| {
            (
                c.params["callback_query_id"].as_str().unwrap().to_owned(),
                c.params["text"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

// ---- Arbitration, case by case ---------------------------------------------------------------------

#[tokio::test]
async fn a_command_comes_before_the_active_session() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_a"))
        .await;
    assert_eq!(last_text(&env, CAROL), "form started: f_a");
    env.deliver(env.command(CAROL, None, CAROL, "/help")).await;
    assert!(
        last_text(&env, CAROL).contains("/cancel"),
        "{}",
        last_text(&env, CAROL)
    );
    let s = session_of(&env.deps, CAROL).await.expect("session kept");
    assert!(log_of(&s).is_empty(), "the command was not a step: {s:?}");
    env.deliver(env.text(CAROL, None, CAROL, "hello")).await;
    assert_eq!(last_text(&env, CAROL), "form got: hello");
    assert_eq!(
        log_of(&session_of(&env.deps, CAROL).await.unwrap()),
        ["hello"]
    );
    env.assert_clean();
}

#[tokio::test]
async fn the_active_session_comes_before_the_desk_and_cancel_hands_back_to_it() {
    let env = ready_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_b"))
        .await;
    env.deliver(env.text(CAROL, None, CAROL, "my answer")).await;
    assert!(
        env.tickets().await.is_empty(),
        "the session took the message, not the desk"
    );
    env.deliver(env.command(CAROL, None, CAROL, "/cancel"))
        .await;
    let texts = env.texts_to(CAROL, None);
    assert_eq!(texts[texts.len() - 2], "form abandoned at n1", "{texts:?}");
    assert!(
        texts[texts.len() - 1].starts_with("Cancelled."),
        "{texts:?}"
    );
    assert!(session_of(&env.deps, CAROL).await.is_none());
    // 4. Without a session, free text goes to the desk.
    env.deliver(env.text(CAROL, None, CAROL, "now a question"))
        .await;
    assert_eq!(env.tickets().await.len(), 1);
    env.assert_clean();
}

#[tokio::test]
async fn cancel_without_a_session_says_there_is_nothing_to_cancel() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/cancel"))
        .await;
    assert_eq!(last_text(&env, CAROL), "There is nothing to cancel.");
    env.assert_clean();
}

#[tokio::test]
async fn deep_links_pick_a_flow_by_prefix_and_anything_else_gets_the_home_view() {
    let env = ready_with_form().await;
    // Carol's own ticket, for `t_`.
    env.deliver(env.text(CAROL, None, CAROL, "printer on fire"))
        .await;
    let ticket = env.tickets().await[0]["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let longest = format!("f_{}", "x".repeat(62));
    assert_eq!(longest.len(), 64);
    let cases: Vec<(String, &str)> = vec![
        (longest.clone(), "form"),
        (format!("f_{}", "x".repeat(63)), "home"), // 65: over Telegram's limit
        (format!("t_{ticket}"), "ticket"),
        ("t_TICK-NOPE-00000000".into(), "home"), // no such ticket
        ("t_garbage".into(), "home"),
        ("zz_abc".into(), "home"),
        ("s_car".into(), "home"), // scenarios: no capability yet
        ("p_1".into(), "home"),
        ("offer_REQ-1".into(), "offer"), // requests: no such request, said so
        ("offer_LEAD-1".into(), "home"), // malformed: not a request id
        ("link_abc".into(), "home"),
        ("f_a b".into(), "home"), // malformed: a space
        ("f_<x>".into(), "home"), // malformed: not [A-Za-z0-9_-]
    ];
    for (payload, want) in cases {
        env.deliver(env.command(DAN, None, DAN, "/cancel")).await;
        let who = if want == "ticket" { CAROL } else { DAN };
        env.deliver(env.command(who, None, who, &format!("/start {payload}")))
            .await;
        let got = last_text(&env, who);
        match want {
            "form" => assert_eq!(got, format!("form started: {payload}")),
            "ticket" => assert!(got.contains(&ticket) && got.contains("is open"), "{got}"),
            "offer" => assert!(got.contains("not open for offers"), "{got}"),
            _ => assert!(got.starts_with("Hi "), "{payload}: {got}"),
        }
    }
    // Someone else's ticket is not theirs to see.
    env.deliver(env.command(DAN, None, DAN, &format!("/start t_{ticket}")))
        .await;
    let got = last_text(&env, DAN);
    assert!(got.starts_with("Hi ") && !got.contains(&ticket), "{got}");
    env.assert_clean();
}

// ---- Sessions: concurrency, re-delivery, expiry ---------------------------------------------------

#[tokio::test]
async fn two_steps_on_two_workers_at_once_are_each_one_transition() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_c"))
        .await;
    let v0 = session_of(&env.deps, CAROL).await.unwrap().version;
    let (a, b) = (
        env.text(CAROL, None, CAROL, "first"),
        env.text(CAROL, None, CAROL, "second"),
    );
    env.deliver_concurrently(vec![a, b]).await;
    let s = session_of(&env.deps, CAROL).await.unwrap();
    let mut log = log_of(&s);
    log.sort();
    assert_eq!(log, ["first", "second"], "neither lost nor doubled");
    assert_eq!(s.version, v0 + 2);
    let acks = env
        .texts_to(CAROL, None)
        .iter()
        .filter(|t| t.starts_with("form got"))
        .count();
    assert_eq!(acks, 2);
    env.assert_clean();
}

#[tokio::test]
async fn a_redelivered_step_makes_no_second_transition() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_d"))
        .await;
    let update = env.text(CAROL, None, CAROL, "only once");
    env.deliver(update.clone()).await;
    // As if the worker died after the step and before marking the update handled: the marker
    // is gone and the update comes again.
    let id = update["update_id"].as_i64().unwrap();
    env.emb
        .table
        .delete(
            &format!("UPD#{BOT_ID}"),
            &format!("{id:015}"),
            teledesk_ports::table::Condition::None,
        )
        .await
        .unwrap();
    env.deliver(update).await;
    let s = session_of(&env.deps, CAROL).await.unwrap();
    assert_eq!(log_of(&s), ["only once"]);
    let acks = env
        .texts_to(CAROL, None)
        .iter()
        .filter(|t| t.starts_with("form got"))
        .count();
    assert_eq!(acks, 1, "the acknowledgement is sent once too");
    env.assert_clean();
}

#[tokio::test]
async fn a_session_step_costs_two_table_operations_besides_the_capability_s_own() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_e"))
        .await;
    let update = env.text(CAROL, None, CAROL, "counted");
    let deps = env.deps.clone();
    let bot = teledesk_app::bots::get(&deps, &BOT_ID.to_string())
        .await
        .unwrap()
        .unwrap();
    let ctx = Ctx::new(
        &deps,
        &env.router,
        &bot,
        update["update_id"].as_i64().unwrap(),
    );
    let (r0, w0) = env.counts.get();
    let outcome = env.router.handle_update(&ctx, &update).await;
    assert_eq!(outcome, teledesk_app::batch::Outcome::Done);
    let (r1, w1) = env.counts.get();
    // The step: the router's read of profile and session (one query) and the conditional write.
    // The rest is the form's own choice, its exactly-once acknowledgement (journal get, claim,
    // done).
    assert_eq!((r1 - r0, w1 - w0), (1 + 1, 1 + 2));
    env.assert_clean();
}

#[tokio::test]
async fn an_expired_session_is_gone_and_the_message_handled_as_if_none_existed() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_e"))
        .await;
    let mut item = env
        .item(
            &format!("USER#{BOT_ID}#{CAROL}"),
            &format!("SESSION#{CAROL}"),
        )
        .await
        .expect("session item");
    item.insert("expires_at".into(), json!(teledesk_ports::now_secs() - 1));
    env.emb
        .table
        .put(item, teledesk_ports::table::Condition::None)
        .await
        .unwrap();
    env.deliver(env.text(CAROL, None, CAROL, "anyone?")).await;
    assert!(
        last_text(&env, CAROL).starts_with("Hi "),
        "home view: {}",
        last_text(&env, CAROL)
    );
    assert!(session_of(&env.deps, CAROL).await.is_none());
    env.assert_clean();
}

#[tokio::test]
async fn sessions_are_listed_and_cleared_for_admins() {
    let env = env_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start f_g"))
        .await;
    env.deliver(env.command(DAN, None, DAN, "/start f_h")).await;
    let bot = BOT_ID.to_string();
    assert_eq!(session::list(&env.deps, &bot, None).await.unwrap().len(), 2);
    let carol = session::list(&env.deps, &bot, Some(CAROL)).await.unwrap();
    assert_eq!(carol.len(), 1);
    assert_eq!(
        (carol[0].capability.as_str(), carol[0].step.as_str()),
        ("form", "n0")
    );
    assert_eq!(session::clear(&env.deps, &bot, CAROL).await.unwrap(), 1);
    assert!(session_of(&env.deps, CAROL).await.is_none());
    assert!(session_of(&env.deps, DAN).await.is_some());
    env.assert_clean();
}

// ---- Callbacks -------------------------------------------------------------------------------------

#[tokio::test]
async fn stale_unknown_and_forged_callbacks_are_answered_as_expired_and_change_nothing() {
    let env = ready_with_form().await;
    let sends_before = env.api.calls_of("sendMessage").len();
    let forged = [
        "zz1:x",        // no such capability
        "mention:501",  // the layout before versions
        "mention2:501", // a version this build does not have
        "mention1:abc", // not a user id
        "home1:o:nope", // no such capability on the home view
        "home1:o:form", // a capability without a home entry
        "lang1:de",     // a language we do not speak
        "",             // nothing
    ];
    for data in forged {
        let q = env.private_callback(CAROL, 77, data);
        let id = q["callback_query"]["id"].as_str().unwrap().to_owned();
        env.deliver(q).await;
        let (last_id, text) = answers(&env).last().cloned().expect("answered");
        assert_eq!(last_id, id, "{data}");
        assert_eq!(text.as_deref(), Some("This button has expired."), "{data}");
    }
    assert_eq!(answers(&env).len(), forged.len());
    assert_eq!(
        env.api.calls_of("sendMessage").len(),
        sends_before,
        "nothing sent"
    );
    assert!(env.api.edits().is_empty(), "nothing edited");
    assert!(session_of(&env.deps, CAROL).await.is_none());
    env.assert_clean();
}

#[tokio::test]
async fn a_callback_whose_handler_fails_is_still_answered_then_retried() {
    let env = ready_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start")).await;
    let home = env.api.calls_of("sendMessage").last().unwrap().result["message_id"]
        .as_i64()
        .unwrap();
    env.api.fail_next(
        "editMessageText",
        1,
        json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}),
    );
    env.deliver(env.private_callback(CAROL, home, "home1:o:desk"))
        .await;
    let a = answers(&env);
    assert_eq!(
        a[0].1.as_deref(),
        Some("Something went wrong; please try again in a moment.")
    );
    // The retry opened the view (its own answer to the same query is refused by Telegram).
    let edits = env.api.edits();
    assert_eq!(edits.len(), 1);
    assert!(
        edits[0]["text"]
            .as_str()
            .unwrap()
            .contains("Write your question")
    );
    env.api.take_violations();
}

// ---- The home view ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_home_view_opens_and_closes_a_capability_in_the_same_message() {
    let env = ready_with_form().await;
    env.deliver(env.command(CAROL, None, CAROL, "/start")).await;
    let sent = env.api.calls_of("sendMessage").last().cloned().unwrap();
    assert!(
        sent.params["text"]
            .as_str()
            .unwrap()
            .starts_with("Hi Carol_&lt;Customer&gt;!")
    );
    let buttons = sent.params["reply_markup"]["inline_keyboard"].clone();
    assert_eq!(buttons[0][0]["text"], "💬 Contact support");
    assert_eq!(buttons[0][0]["callback_data"], "home1:o:desk");
    assert_eq!(
        buttons.as_array().unwrap().len(),
        1,
        "the form has no home entry: {buttons}"
    );
    let home = sent.result["message_id"].as_i64().unwrap();
    let sends = env.api.calls_of("sendMessage").len();

    env.deliver(env.private_callback(CAROL, home, "home1:o:desk"))
        .await;
    env.deliver(env.private_callback(CAROL, home, "home1:b"))
        .await;
    let edits = env.api.edits();
    assert_eq!(edits.len(), 2);
    for e in &edits {
        assert_eq!(e["message_id"].as_i64(), Some(home), "edited in place");
    }
    assert!(
        edits[0]["text"]
            .as_str()
            .unwrap()
            .contains("Write your question")
    );
    assert_eq!(
        edits[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "home1:b"
    );
    assert!(edits[1]["text"].as_str().unwrap().starts_with("Hi "));
    assert_eq!(
        env.api.calls_of("sendMessage").len(),
        sends,
        "no new messages"
    );
    assert_eq!(answers(&env).len(), 2, "both presses answered");
    env.assert_clean();
}

// ---- Languages -------------------------------------------------------------------------------------

#[tokio::test]
async fn telegram_language_is_used_until_the_user_chooses_one() {
    let env = env_with_form().await;
    env.speaks(CAROL, "ru");
    env.deliver(env.command(CAROL, None, CAROL, "/cancel"))
        .await;
    assert_eq!(last_text(&env, CAROL), "Отменять нечего.");
    env.deliver(env.command(CAROL, None, CAROL, "/language"))
        .await;
    let sent = env.api.calls_of("sendMessage").last().cloned().unwrap();
    let row = sent.params["reply_markup"]["inline_keyboard"][0].clone();
    let labels: Vec<&str> = row
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["English", "Русский", "Українська"]);
    let menu = sent.result["message_id"].as_i64().unwrap();
    env.deliver(env.private_callback(CAROL, menu, "lang1:uk"))
        .await;
    assert_eq!(
        answers(&env)[0].1.as_deref(),
        Some("Говоритиму з вами українською.")
    );
    env.deliver(env.command(CAROL, None, CAROL, "/cancel"))
        .await;
    assert_eq!(last_text(&env, CAROL), "Немає чого скасовувати.");
    env.deliver(env.command(CAROL, None, CAROL, "/language en"))
        .await;
    assert_eq!(last_text(&env, CAROL), "I will speak English with you.");
    env.deliver(env.command(CAROL, None, CAROL, "/cancel"))
        .await;
    assert_eq!(last_text(&env, CAROL), "There is nothing to cancel.");
    // A language we do not have falls back to the default.
    env.speaks(DAN, "de");
    env.deliver(env.command(DAN, None, DAN, "/cancel")).await;
    assert_eq!(last_text(&env, DAN), "There is nothing to cancel.");
    env.deliver(env.command(DAN, None, DAN, "/language de"))
        .await;
    assert!(last_text(&env, DAN).contains("I don't speak “de”"));
    env.assert_clean();
}

#[tokio::test]
async fn russian_and_ukrainian_customers_get_the_desk_in_their_language() {
    let env = ready_with_form().await;
    env.speaks(CAROL, "ru");
    env.speaks(DAN, "uk");
    env.deliver(env.text(CAROL, None, CAROL, "принтер горит"))
        .await;
    env.deliver(env.text(DAN, None, DAN, "принтер горить"))
        .await;
    let carol = env.texts_to(CAROL, None);
    assert!(
        carol[0].starts_with("Спасибо, Carol_&lt;Customer&gt;! Ваше обращение — заявка"),
        "{carol:?}"
    );
    let dan = env.texts_to(DAN, None);
    assert!(dan[0].starts_with("Дякуємо,"), "{dan:?}");
    // Staff (English) close Carol's ticket: she is told in Russian.
    let tickets = env.tickets().await;
    let t = tickets
        .iter()
        .find(|t| t["customer"]["user_id"] == CAROL)
        .unwrap();
    let thread = t["thread_id"].as_i64().unwrap();
    env.deliver(env.command(DESK, Some(thread), ALICE, "/close_ticket"))
        .await;
    assert!(
        last_text(&env, CAROL).starts_with("Ваша заявка"),
        "{}",
        last_text(&env, CAROL)
    );
    assert!(last_text(&env, CAROL).contains("закрыта"));
    // /language en switches her.
    env.deliver(env.command(CAROL, None, CAROL, "/language en"))
        .await;
    env.deliver(env.text(CAROL, None, CAROL, "again")).await;
    assert!(
        last_text(&env, CAROL).starts_with("Thanks, Carol"),
        "{}",
        last_text(&env, CAROL)
    );
    env.assert_clean();
}

// ---- /help and command menus -----------------------------------------------------------------------

#[tokio::test]
async fn help_lists_the_commands_of_the_place_and_the_reader_s_language() {
    let env = ready_with_form().await;
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.setup_admin_with_code(OTHER, ADMIN).await;
    env.deliver(env.command(CAROL, None, CAROL, "/help")).await;
    let private = last_text(&env, CAROL);
    assert!(
        private.contains("/cancel") && private.contains("/language"),
        "{private}"
    );
    assert!(
        !private.contains("/create_ticket") && !private.contains("/sources"),
        "{private}"
    );
    env.deliver(env.command(DESK, None, ALICE, "/help")).await;
    let desk = last_text(&env, DESK);
    assert!(
        desk.contains("/create_ticket") && desk.contains("&lt;title&gt;"),
        "{desk}"
    );
    assert!(
        !desk.contains("/cancel") && !desk.contains("/sources"),
        "{desk}"
    );
    env.deliver(env.command(OTHER, None, ADMIN, "/help")).await;
    assert!(
        last_text(&env, OTHER).contains("/sources"),
        "the admin chat's commands there"
    );
    env.speaks(DAN, "uk");
    env.deliver(env.command(DAN, None, DAN, "/help")).await;
    assert!(
        last_text(&env, DAN).contains("Перервати поточну дію"),
        "{}",
        last_text(&env, DAN)
    );
    env.assert_clean();
}

fn names(menu: &Value) -> Vec<String> {
    menu.as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn command_menus_are_set_per_scope_and_language() {
    let env = ready_with_form().await;
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.setup_admin_with_code(OTHER, ADMIN).await;
    let bot = teledesk_app::bots::get(&env.deps, &BOT_ID.to_string())
        .await
        .unwrap()
        .unwrap();
    let n = teledesk_app::wiring::set_menus(&env.deps, &bot)
        .await
        .unwrap();
    assert_eq!(
        n, 16,
        "4 scopes (with the admin chat) × default, en, ru, uk"
    );
    assert_eq!(env.api.menu_count(&env.token), 16);
    let private = json!({"type": "all_private_chats"});
    let groups = json!({"type": "all_group_chats"});
    let admins = json!({"type": "all_chat_administrators"});
    let admin_chat = json!({"type": "chat", "chat_id": OTHER});
    assert_eq!(
        names(&env.api.commands_in(&env.token, &private, None)),
        ["start", "help", "cancel", "language"]
    );
    let g = names(&env.api.commands_in(&env.token, &groups, Some("ru")));
    assert!(
        g.contains(&"create_ticket".into()) && !g.contains(&"setup_desk".into()),
        "{g:?}"
    );
    let a = names(&env.api.commands_in(&env.token, &admins, Some("uk")));
    assert!(
        a.contains(&"setup_desk".into()) && a.contains(&"setup_admin".into()),
        "{a:?}"
    );
    assert!(!a.contains(&"sources".into()), "{a:?}");
    let c = names(&env.api.commands_in(&env.token, &admin_chat, Some("en")));
    assert!(
        c.contains(&"sources".into()) && c.contains(&"dry_run".into()),
        "{c:?}"
    );
    let ru = env.api.commands_in(&env.token, &private, Some("ru"));
    assert_eq!(ru[1]["description"], "Список команд");
    let uk = env.api.commands_in(&env.token, &private, Some("uk"));
    assert_eq!(uk[1]["description"], "Список команд");
    assert_eq!(uk[2]["description"], "Перервати поточну дію");
    let en = env.api.commands_in(&env.token, &private, None);
    assert_eq!(en[1]["description"], "List the commands");
    // What `teledesk bots commands` prints is read back from Telegram.
    let read = teledesk_app::wiring::menus(&env.deps, &bot).await.unwrap();
    assert_eq!(read.len(), 16);
    assert_eq!(read[2]["language_code"], "ru");
    assert_eq!(read[2]["commands"], ru);
    env.assert_clean();
}

#[test]
fn every_catalog_is_complete() {
    let router = teledesk_app::wiring::capabilities();
    let mut problems = teledesk_app::i18n::core().problems();
    for c in router.capabilities() {
        problems.extend(c.catalog().problems());
        // Every command's description exists.
        for spec in c.commands() {
            assert!(
                c.catalog().has(spec.help),
                "{}: no text {}",
                c.name(),
                spec.help
            );
        }
    }
    assert_eq!(problems, Vec::<String>::new());
}

#[tokio::test]
async fn staff_are_answered_in_their_language_and_the_team_s_notices_in_the_workspace_s() {
    let env = ready_with_form().await;
    env.speaks(ALICE, "uk");
    env.deliver(env.command(DESK, None, ALICE, "/close_ticket"))
        .await;
    assert_eq!(
        last_text(&env, DESK),
        "Надішліть це в темі заявки, щоб закривати заявки."
    );
    env.speaks(ADMIN, "ru");
    env.deliver(env.command(DESK, None, ADMIN, "/create_ticket Printer"))
        .await;
    assert!(
        last_text(&env, DESK).starts_with("Только сотрудники могут создавать заявки."),
        "{}",
        last_text(&env, DESK)
    );
    // A ticket's header is read by the whole team: in the workspace's language, whoever opened it.
    env.speaks(CAROL, "ru");
    env.deliver(env.text(CAROL, None, CAROL, "помогите")).await;
    let t = &env.tickets().await[0];
    let header = env.texts_to(DESK, Some(t["thread_id"].as_i64().unwrap()))[0].clone();
    assert!(header.contains("Priority: normal · opened by"), "{header}");
    env.assert_clean();
}

#[tokio::test]
async fn the_workspace_language_is_the_default_for_other_languages_and_the_team() {
    // TELEDESK_DEFAULT_LANGUAGE=ru
    let config = Config::from_lookup(|k| (k == "TELEDESK_DEFAULT_LANGUAGE").then(|| "ru".into()));
    let env = DeskEnv::start_routed(config, teledesk_app::wiring::capabilities()).await;
    env.api.set_member(DESK, ADMIN, "administrator");
    env.deliver(env.bot_added(DESK)).await;
    let code = env
        .setup_code(teledesk_app::setup_codes::Purpose::Desk)
        .await;
    env.deliver(env.command(DESK, None, ADMIN, &format!("/setup_desk {code}")))
        .await;
    env.speaks(CAROL, "de");
    env.speaks(DAN, "en");
    env.deliver(env.text(CAROL, None, CAROL, "Hallo")).await;
    env.deliver(env.text(DAN, None, DAN, "Hello")).await;
    assert!(
        last_text(&env, CAROL).starts_with("Спасибо,"),
        "{}",
        last_text(&env, CAROL)
    );
    assert!(
        last_text(&env, DAN).starts_with("Thanks,"),
        "{}",
        last_text(&env, DAN)
    );
    let t = &env.tickets().await[0];
    let header = env.texts_to(DESK, Some(t["thread_id"].as_i64().unwrap()))[0].clone();
    assert!(header.contains("Приоритет: normal"), "{header}");
    env.assert_clean();
}
