//! End-to-end: `teledesk serve` on embedded storage against the Bot API test double.

use std::time::Duration;

use serde_json::{Value, json};
use teledesk_e2e::bot_api::{self, BotApi};
use teledesk_e2e::eventually;
use teledesk_e2e::serve::{Serve, teledesk_bin};
use teledesk_ports::Table;
use teledesk_ports::queue::{UPDATES, teledesk_queues};

const BOT_ID: i64 = 7_000_001;
const SECRET: &str = "e2e-webhook-secret_0123456789";

fn command_update(update_id: i64, chat_id: i64, text: &str) -> Value {
    let command_len = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .encode_utf16()
        .count();
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_790_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Ann <&> Lee"},
        "from": {"id": chat_id, "is_bot": false, "first_name": "Ann <&> Lee"},
        "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": command_len}]}})
}

async fn double() -> (BotApi, String) {
    let api = BotApi::start().await;
    let token = api.add_bot(BOT_ID, "teledesk_test_bot");
    (api, token)
}

fn polling_env<'a>(api: &'a BotApi, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("TELEGRAM_API_BASE", api.base_url.as_str()),
        ("TELEGRAM_BOT_TOKEN", token),
    ]
}

fn webhook_env<'a>(api: &'a BotApi, token: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut env = polling_env(api, token);
    env.push(("TELEDESK_PUBLIC_URL", "https://teledesk.example.test"));
    env.push(("TELEGRAM_WEBHOOK_SECRET", SECRET));
    env
}

async fn replies_arrive(api: &BotApi, chat: i64, n: usize) -> bool {
    eventually(Duration::from_secs(20), || async move {
        api.sent_texts(chat).len() >= n
    })
    .await
}

fn assert_no_secret_leak(output: &str, token: &str, webhook_secret: &str) {
    let secret_part = token.split_once(':').unwrap().1;
    assert!(
        !output.contains(secret_part),
        "the bot token appears in the output:\n{output}"
    );
    assert!(
        !output.contains(webhook_secret),
        "the webhook secret appears in the output:\n{output}"
    );
}

/// The webhook secret a data directory holds for the test bot (generated unless configured).
async fn stored_secret(data_dir: &std::path::Path) -> String {
    let emb = teledesk_embedded::Embedded::open(data_dir, teledesk_queues()).unwrap();
    let item = emb
        .table
        .get(&format!("BOT#{BOT_ID}"), "BOT")
        .await
        .unwrap()
        .expect("bot registered");
    let secret = item["webhook_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32);
    secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_and_help_are_answered_by_long_polling_and_secrets_stay_out_of_logs() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = polling_env(&api, &token);
    env.push(("RUST_LOG", "debug"));
    let serve = Serve::start(dir.path(), &env).await;
    let banner = serve.output();
    assert!(
        banner.contains(&serve.base_url),
        "startup names the address:\n{banner}"
    );
    assert!(
        banner.contains(&dir.path().display().to_string()),
        "startup names the data dir:\n{banner}"
    );
    assert!(
        serve.output().contains("@teledesk_test_bot"),
        "{}",
        serve.output()
    );
    assert!(serve.output().contains("long polling"));

    api.push_update(&token, command_update(100, 501, "/start"));
    assert!(
        replies_arrive(&api, 501, 1).await,
        "no reply to /start:\n{}",
        serve.output()
    );
    let start = &api.sent_texts(501)[0];
    assert!(start.contains("Hi Ann &lt;&amp;&gt; Lee!"), "{start}");

    api.push_update(&token, command_update(101, 501, "/help"));
    api.push_update(&token, command_update(102, 501, "/frobnicate"));
    assert!(replies_arrive(&api, 501, 3).await, "{}", serve.output());
    let texts = api.sent_texts(501);
    assert!(
        texts[1].contains("/start") && texts[1].contains("/help"),
        "{}",
        texts[1]
    );
    assert!(
        texts[2].contains("Unknown command /frobnicate"),
        "{}",
        texts[2]
    );

    let names = |menu: serde_json::Value| -> Vec<String> {
        menu.as_array()
            .unwrap()
            .iter()
            .map(|c| c["command"].as_str().unwrap().to_owned())
            .collect()
    };
    // Customers see the core's commands; the team's groups see the desk's.
    assert_eq!(
        names(api.commands(&token)),
        ["start", "help", "cancel", "language"]
    );
    let group = names(api.commands_in(
        &token,
        &serde_json::json!({"type": "all_group_chats"}),
        None,
    ));
    assert!(
        group.contains(&"create_ticket".to_owned()) && group.contains(&"mention".to_owned()),
        "{group:?}"
    );
    assert!(
        !group.contains(&"setup_desk".to_owned()),
        "administrators' commands only for them"
    );
    assert!(
        api.calls_of("deleteWebhook").len() == 1,
        "long polling needs the webhook removed first"
    );
    assert_eq!(api.violations(), Vec::<String>::new());
    assert_no_secret_leak(&serve.output(), &token, &stored_secret(dir.path()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_twice_is_processed_once() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &webhook_env(&api, &token)).await;
    let (url, secret) = api.webhook(&token);
    assert_eq!(
        url,
        format!("https://teledesk.example.test/telegram/{BOT_ID}")
    );
    assert_eq!(secret.as_deref(), Some(SECRET));

    let body = command_update(200, 601, "/start").to_string();
    let first = serve
        .post_update(&BOT_ID.to_string(), Some(SECRET), body.clone())
        .await;
    assert_eq!(first.status(), 200);
    let second = serve
        .post_update(&BOT_ID.to_string(), Some(SECRET), body)
        .await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.json::<Value>().await.unwrap()["duplicate"], true);
    assert!(replies_arrive(&api, 601, 1).await, "{}", serve.output());
    assert!(
        serve.settled(Duration::from_secs(20)).await,
        "{}",
        serve.output()
    );
    assert_eq!(
        api.sent_texts(601).len(),
        1,
        "a re-sent update was answered twice"
    );
    assert_eq!(api.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_handed_out_twice_by_long_polling_is_processed_once() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &polling_env(&api, &token)).await;
    api.push_update(&token, command_update(210, 603, "/help"));
    api.push_update(&token, command_update(210, 603, "/help"));
    assert!(replies_arrive(&api, 603, 1).await, "{}", serve.output());
    assert!(
        serve.settled(Duration::from_secs(20)).await,
        "{}",
        serve.output()
    );
    assert_eq!(
        api.sent_texts(603).len(),
        1,
        "a repeated update was answered twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_update_ends_in_the_dead_letter_queue() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &polling_env(&api, &token)).await;
    let emb = teledesk_embedded::Embedded::open(&serve.data_dir, teledesk_queues()).unwrap();
    let poison = teledesk_ports::queue::OutMessage::fifo(
        "{\"bot_id\": 1, \"update\": ",
        "7000001:1",
        "poison-1",
    );
    teledesk_ports::Queue::send(emb.queue.as_ref(), UPDATES, vec![poison])
        .await
        .unwrap();
    let parked = eventually(Duration::from_secs(40), || {
        let q = emb.queue.clone();
        async move { q.depth(teledesk_ports::queue::UPDATES_DLQ).await.unwrap() == 1 }
    })
    .await;
    assert!(parked, "poison update not parked:\n{}", serve.output());
    assert_eq!(emb.queue.depth(UPDATES).await.unwrap(), 0);
    assert!(
        serve.output().contains("poison message"),
        "{}",
        serve.output()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_webhook_requests_are_refused_and_change_nothing() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &webhook_env(&api, &token)).await;
    let bot = BOT_ID.to_string();
    let update = command_update(300, 701, "/start").to_string();

    assert_eq!(
        serve.post_update(&bot, None, update.clone()).await.status(),
        403
    );
    assert_eq!(
        serve
            .post_update(&bot, Some("wrong-secret"), update.clone())
            .await
            .status(),
        403
    );
    assert_eq!(
        serve
            .post_update(&bot, Some(&format!("{SECRET}x")), update.clone())
            .await
            .status(),
        403
    );
    assert_eq!(
        serve
            .post_update("7000002", Some(SECRET), update.clone())
            .await
            .status(),
        404
    );
    assert_eq!(
        serve
            .post_update("not-a-bot", Some(SECRET), update.clone())
            .await
            .status(),
        404
    );
    assert_eq!(
        serve
            .post_update(&bot, Some(SECRET), "{not json")
            .await
            .status(),
        400
    );
    assert_eq!(
        serve
            .post_update(&bot, Some(SECRET), r#"{"message": {}}"#)
            .await
            .status(),
        400
    );
    let huge = format!(
        r#"{{"update_id": 301, "pad": "{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    assert_eq!(
        serve.post_update(&bot, Some(SECRET), huge).await.status(),
        413
    );

    let emb = teledesk_embedded::Embedded::open(&serve.data_dir, teledesk_queues()).unwrap();
    assert_eq!(
        emb.queue.depth(UPDATES).await.unwrap(),
        0,
        "a refused request queued something"
    );
    assert_eq!(
        emb.table
            .get(&format!("UPD#{bot}"), "000000000000300")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        emb.table
            .get(&format!("UPD#{bot}"), "000000000000301")
            .await
            .unwrap(),
        None
    );
    assert!(
        serve.settled(Duration::from_secs(20)).await,
        "{}",
        serve.output()
    );
    assert!(api.sent_texts(701).is_empty());

    // A kind the decoder does not know is accepted (never a 4xx loop with Telegram) and kept raw.
    let future_kind = json!({"update_id": 302, "brand_new_kind": {"chat": {"id": 701}, "x": 1}});
    assert_eq!(
        serve
            .post_update(&bot, Some(SECRET), future_kind.to_string())
            .await
            .status(),
        200
    );
    let kept = eventually(Duration::from_secs(10), || {
        let t = emb.table.clone();
        let bot = bot.clone();
        async move {
            t.get(&format!("RAW#{bot}"), "000000000000302")
                .await
                .unwrap()
                .is_some()
        }
    })
    .await;
    assert!(
        kept,
        "unknown update kind not kept raw:\n{}",
        serve.output()
    );
    assert_no_secret_leak(&serve.output(), &token, SECRET);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_control_429_is_retried_after_retry_after() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &polling_env(&api, &token)).await;
    api.fail_next("sendMessage", 1, bot_api::too_many_requests(2));
    api.push_update(&token, command_update(400, 801, "/start"));
    assert!(replies_arrive(&api, 801, 1).await, "{}", serve.output());
    let sends: Vec<_> = api
        .calls_of("sendMessage")
        .into_iter()
        .filter(|c| c.params["chat_id"] == 801)
        .collect();
    assert_eq!(sends.len(), 2, "one refused, one sent");
    assert!(!sends[0].ok && sends[1].ok);
    let waited = sends[1].at.duration_since(sends[0].at);
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, before retry_after"
    );
    assert_eq!(api.sent_texts(801).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_user_marks_the_chat_unreachable_without_retrying() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &polling_env(&api, &token)).await;
    api.block_chat(901);
    api.push_update(&token, command_update(500, 901, "/start"));
    let emb = teledesk_embedded::Embedded::open(&serve.data_dir, teledesk_queues()).unwrap();
    let marked = eventually(Duration::from_secs(15), || {
        let t = emb.table.clone();
        async move {
            t.get(&format!("CHAT#{BOT_ID}#901"), "CHAT")
                .await
                .unwrap()
                .is_some_and(|c| c["unreachable"] == true)
        }
    })
    .await;
    assert!(marked, "{}", serve.output());
    assert!(
        serve.settled(Duration::from_secs(20)).await,
        "{}",
        serve.output()
    );
    let attempts = api
        .calls_of("sendMessage")
        .into_iter()
        .filter(|c| c.params["chat_id"] == 901)
        .count();
    assert_eq!(attempts, 1, "a 403 is final, not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_queued_updates_all_are_processed_once_after_restart() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let env = webhook_env(&api, &token);
    let mut serve = Serve::start(dir.path(), &env).await;
    // Telegram refuses every send for now: the updates stay queued and in flight.
    api.fail_always("sendMessage", bot_api::too_many_requests(3));
    let chats: Vec<i64> = (0..6).map(|i| 1_000 + i).collect();
    for (i, chat) in chats.iter().enumerate() {
        let body = command_update(600 + i as i64, *chat, "/start").to_string();
        assert_eq!(
            serve
                .post_update(&BOT_ID.to_string(), Some(SECRET), body)
                .await
                .status(),
            200
        );
    }
    let tried = eventually(Duration::from_secs(20), || {
        let api = api.clone();
        async move { api.calls_of("sendMessage").len() >= 6 }
    })
    .await;
    assert!(tried, "{}", serve.output());
    serve.kill();
    assert!(chats.iter().all(|c| api.sent_texts(*c).is_empty()));

    api.heal();
    let serve = Serve::start(dir.path(), &env).await;
    for chat in &chats {
        assert!(
            replies_arrive(&api, *chat, 1).await,
            "chat {chat} lost after restart:\n{}",
            serve.output()
        );
    }
    assert!(
        serve.settled(Duration::from_secs(30)).await,
        "{}",
        serve.output()
    );
    for chat in &chats {
        assert_eq!(api.sent_texts(*chat).len(), 1, "chat {chat} answered twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_drains_and_exits_cleanly() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Serve::start(dir.path(), &polling_env(&api, &token)).await;
    api.push_update(&token, command_update(700, 1101, "/start"));
    assert!(replies_arrive(&api, 1101, 1).await);
    assert!(
        serve.stop(),
        "serve did not exit cleanly:\n{}",
        serve.output()
    );
    assert!(serve.output().contains("stopped"), "{}", serve.output());
}

fn cli(dir: &std::path::Path, api: &BotApi, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(teledesk_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TELEGRAM_API_BASE", &api.base_url)
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TELEGRAM_WEBHOOK_SECRET")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_manages_bots_and_webhooks_also_while_serve_runs() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    // The webhook trusts its cache of bots for a second (30 s by default).
    let serve = Serve::start(
        dir.path(),
        &[
            ("TELEGRAM_API_BASE", api.base_url.as_str()),
            ("TELEDESK_BOT_CACHE_SECS", "1"),
        ],
    )
    .await;
    assert!(
        serve.output().contains("none (set TELEGRAM_BOT_TOKEN"),
        "{}",
        serve.output()
    );

    let (ok, out, err) = cli(dir.path(), &api, &["bots", "add", "--token", &token]);
    assert!(ok, "{err}");
    assert!(
        out.contains("registered @teledesk_test_bot") && out.contains(&BOT_ID.to_string()),
        "{out}"
    );
    let (ok, out, _) = cli(dir.path(), &api, &["bots", "list"]);
    assert!(
        ok && out.contains("7000001\t@teledesk_test_bot\tenabled"),
        "{out}"
    );

    let (ok, out, err) = cli(
        dir.path(),
        &api,
        &[
            "webhook",
            "set",
            "7000001",
            "--url",
            "https://desk.example.test/",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("https://desk.example.test/telegram/7000001"),
        "{out}"
    );
    let (url, secret) = api.webhook(&token);
    assert_eq!(url, "https://desk.example.test/telegram/7000001");
    let secret = secret.expect("setWebhook carries a secret_token");
    assert_eq!(secret.len(), 43, "a generated 32-byte secret");
    // Three scopes (private chats, groups, group administrators) × default, en, ru, uk.
    assert_eq!(api.menu_count(&token), 12);
    assert_eq!(api.commands(&token).as_array().map(Vec::len), Some(4));
    let (ok, out, _) = cli(dir.path(), &api, &["webhook", "info", "7000001"]);
    assert!(
        ok && out.contains("https://desk.example.test/telegram/7000001"),
        "{out}"
    );
    // What Telegram holds, menu by menu: every scope in every language.
    let (ok, out, err) = cli(dir.path(), &api, &["bots", "commands", "7000001"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("all_private_chats · default\n  /start — "),
        "{out}"
    );
    assert!(
        out.contains("all_private_chats · ru\n  /start — ")
            && out.contains("/help — Список команд"),
        "{out}"
    );
    assert!(
        out.contains("all_chat_administrators · uk") && out.contains("/setup_desk — "),
        "{out}"
    );
    assert_eq!(out.matches(" · ").count(), 12, "{out}");
    // Sessions: none in a build whose capabilities hold no conversations yet.
    let (ok, out, err) = cli(dir.path(), &api, &["sessions", "list"]);
    assert!(ok && out.contains("no active sessions"), "{out}{err}");
    let (ok, out, err) = cli(dir.path(), &api, &["sessions", "clear", "--user", "5"]);
    assert!(
        ok && out.contains("cleared 0 session(s) of user 5"),
        "{out}{err}"
    );

    // A new secret for a bot whose webhook is set re-points the webhook at once (no 403 loop).
    let rotated = "rotated-secret_0123456789abcdef";
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &["bots", "add", "--token", &token, "--secret", rotated],
    );
    assert!(ok, "{err}");
    let expected = (
        "https://desk.example.test/telegram/7000001".to_owned(),
        Some(rotated.to_owned()),
    );
    assert_eq!(api.webhook(&token), expected);
    let body = command_update(799, 1201, "/help").to_string();
    let old = serve
        .post_update("7000001", Some(&secret), body.clone())
        .await;
    assert_eq!(old.status(), 403, "the old secret is refused");
    assert_eq!(
        serve
            .post_update("7000001", Some(rotated), body)
            .await
            .status(),
        200
    );
    let secret = rotated.to_owned();

    // The running serve sees the bot the CLI registered in the same data directory.
    let body = command_update(800, 1201, "/start").to_string();
    assert_eq!(
        serve
            .post_update("7000001", Some(&secret), body)
            .await
            .status(),
        200
    );
    assert!(replies_arrive(&api, 1201, 2).await, "{}", serve.output());

    let (ok, _, _) = cli(dir.path(), &api, &["webhook", "delete", "7000001"]);
    assert!(ok);
    assert_eq!(api.webhook(&token).0, "");
    let (ok, _, _) = cli(dir.path(), &api, &["bots", "remove", "7000001"]);
    assert!(ok);
    // Removed in another process: unknown to serve's webhook once its cache of bots expires.
    let body = command_update(801, 1201, "/start").to_string();
    assert!(
        eventually(Duration::from_secs(5), || async {
            serve
                .post_update("7000001", Some(&secret), body.clone())
                .await
                .status()
                == 404
        })
        .await,
        "a removed bot is unknown"
    );

    let (ok, _, err) = cli(dir.path(), &api, &["bots", "remove", "7000001"]);
    assert!(!ok);
    assert_eq!(err.trim(), "error: no bot 7000001 is registered");
    let (ok, _, err) = cli(dir.path(), &api, &["bots", "add", "--token", "not-a-token"]);
    assert!(
        !ok && err.lines().count() == 1 && err.contains("not a bot token"),
        "{err}"
    );
    let (ok, _, err) = cli(dir.path(), &api, &["bots", "add", "--token", "999:wrong"]);
    assert!(!ok && err.contains("401"), "{err}");
    let (_, out, err) = cli(dir.path(), &api, &["bots", "list"]);
    assert!(!out.contains(&token) && !err.contains(&token));
    assert_no_secret_leak(&serve.output(), &token, &secret);
    assert_eq!(api.violations(), Vec::<String>::new());
}

/// The support desk through `teledesk serve` (long polling): staff added with the CLI while it
/// runs, the desk set up in a group, a customer's message opening a ticket topic, a staff answer
/// copied back, and the ticket closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_conversation_runs_through_serve() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(dir.path(), &polling_env(&api, &token)).await;
    const DESK: i64 = -1_001_234_000_001;
    const STAFF: i64 = 601;
    const CUSTOMER: i64 = 9_301;
    let (ok, out, err) = cli(
        dir.path(),
        &api,
        &[
            "staff",
            "add",
            "--user-id",
            "601",
            "--username",
            "@Alice_S",
            "--name",
            "Alice",
            "--group",
            &DESK.to_string(),
        ],
    );
    assert!(ok && out.contains("601"), "{out}{err}");
    let (ok, out, _) = cli(dir.path(), &api, &["staff", "list"]);
    assert!(
        ok && out.contains("@Alice_S") && out.contains(&DESK.to_string()),
        "{out}"
    );
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &[
            "staff",
            "add",
            "--user-id",
            "602",
            "--username",
            "not a name",
        ],
    );
    assert!(!ok && err.contains("not a Telegram username"), "{err}");

    let chat = json!({"id": DESK, "type": "supergroup", "title": "Desk", "is_forum": true});
    let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": "b"});
    api.push_update(&token, json!({"update_id": 700, "my_chat_member": {"chat": chat, "from": {"id": STAFF, "is_bot": false, "first_name": "A"},
        "date": 1_790_000_000, "old_chat_member": {"status": "left", "user": bot},
        "new_chat_member": {"status": "administrator", "user": bot, "can_be_edited": false, "is_anonymous": false,
            "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": false,
            "can_restrict_members": false, "can_promote_members": false, "can_change_info": false,
            "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
            "can_delete_stories": false, "can_manage_topics": true}}}));
    api.set_member(DESK, STAFF, "creator");
    // The operator's one-time code, from the CLI, while serve runs on the same data.
    let (ok, code, err) = cli(dir.path(), &api, &["desks", "setup-code"]);
    assert!(ok && err.contains("/setup_desk"), "{err}");
    let code = code.trim();
    assert_eq!(code.len(), 19, "{code}");
    api.push_update(
        &token,
        json!({"update_id": 701, "message": {"message_id": 1, "date": 1_790_000_000, "chat": chat,
        "from": {"id": STAFF, "is_bot": false, "first_name": "Alice"}, "text": format!("/setup_desk {code}"),
        "entities": [{"type": "bot_command", "offset": 0, "length": 11}]}}),
    );
    assert!(
        eventually(Duration::from_secs(20), || async {
            api.sent_texts(DESK)
                .iter()
                .any(|t| t.contains("support desk"))
        })
        .await,
        "{}",
        serve.output()
    );

    api.push_update(&token, json!({"update_id": 702, "message": {"message_id": 5, "date": 1_790_000_000,
        "chat": {"id": CUSTOMER, "type": "private", "first_name": "Cy"},
        "from": {"id": CUSTOMER, "is_bot": false, "first_name": "Cy"}, "text": "my parcel is late"}}));
    assert!(
        eventually(Duration::from_secs(20), || async {
            api.calls_of("sendMessage").iter().any(|c| {
                c.ok && c.params["message_thread_id"].is_i64()
                    && c.params["text"]
                        .as_str()
                        .is_some_and(|t| t.ends_with("my parcel is late"))
            })
        })
        .await,
        "{}",
        serve.output()
    );
    let thread = api.topics(DESK)[0].thread_id;
    api.push_update(
        &token,
        json!({"update_id": 703, "message": {"message_id": 50, "date": 1_790_000_000, "chat": chat,
        "message_thread_id": thread, "is_topic_message": true,
        "from": {"id": STAFF, "is_bot": false, "first_name": "Alice"}, "text": "on its way"}}),
    );
    api.push_update(
        &token,
        json!({"update_id": 704, "message": {"message_id": 51, "date": 1_790_000_000, "chat": chat,
        "message_thread_id": thread, "is_topic_message": true,
        "from": {"id": STAFF, "is_bot": false, "first_name": "Alice"}, "text": "/close_ticket",
        "entities": [{"type": "bot_command", "offset": 0, "length": 13}]}}),
    );
    assert!(
        eventually(Duration::from_secs(20), || async {
            api.sent_texts(CUSTOMER)
                .iter()
                .any(|t| t.contains("was closed"))
        })
        .await,
        "{}",
        serve.output()
    );
    let copies: Vec<_> = api
        .copies()
        .into_iter()
        .filter(|c| c.to_chat == CUSTOMER)
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].from_message_id, 50);
    assert!(api.topics(DESK)[0].closed);
    assert_eq!(api.violations(), Vec::<String>::new());
}

fn card_of(api: &BotApi, chat: i64) -> (i64, Value) {
    let mid = api
        .calls_of("sendMessage")
        .into_iter()
        .filter(|c| {
            c.ok && c.params["chat_id"].as_i64() == Some(chat)
                && c.params["reply_markup"]["inline_keyboard"].is_array()
        })
        .filter_map(|c| c.result["message_id"].as_i64())
        .max()
        .expect("a card");
    (mid, api.message(chat, mid).expect("known"))
}

fn press_update(update_id: i64, chat: i64, api: &BotApi, label: &str) -> Value {
    let (mid, msg) = card_of(api, chat);
    let data = msg["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().clone())
        .find(|b| b["text"].as_str().unwrap_or_default().contains(label))
        .unwrap_or_else(|| panic!("no `{label}` on {msg}"))["callback_data"]
        .clone();
    json!({"update_id": update_id, "callback_query": {"id": format!("cq{update_id}"),
        "from": {"id": chat, "is_bot": false, "first_name": "Ann"}, "chat_instance": "c", "data": data,
        "message": {"message_id": mid, "date": 1_790_000_000, "chat": {"id": chat, "type": "private", "first_name": "Ann"},
                    "from": {"id": BOT_ID, "is_bot": true, "first_name": "bot"}, "text": msg["text"]}}})
}

fn text_update(update_id: i64, chat: i64, text: &str) -> Value {
    json!({"update_id": update_id, "message": {"message_id": update_id, "date": 1_790_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Ann"},
        "from": {"id": chat, "is_bot": false, "first_name": "Ann"}, "text": text}})
}

async fn shows(api: &BotApi, chat: i64, what: &str) -> bool {
    eventually(Duration::from_secs(20), || async move {
        api.sent_texts(chat).iter().any(|t| t.contains(what))
            || api.edits().iter().any(|e| {
                e["chat_id"].as_i64() == Some(chat)
                    && e["text"].as_str().unwrap_or_default().contains(what)
            })
    })
    .await
}

/// A conversation survives `serve` being killed mid-flow: the session and the published version
/// are in the data directory, and the next answer continues where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_conversation_resumes_after_serve_is_killed_mid_flow() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/scenarios/car_request.yaml"
    );
    let (ok, out, err) = cli(dir.path(), &api, &["scenarios", "publish", example]);
    assert!(ok && out.contains("version 1"), "{out}{err}");
    let env = webhook_env(&api, &token);
    let bot = BOT_ID.to_string();
    let chat = 1_301;
    let mut serve = Serve::start(dir.path(), &env).await;
    async fn post(serve: &Serve, bot: &str, body: Value) {
        let status = serve
            .post_update(bot, Some(SECRET), body.to_string())
            .await
            .status();
        assert_eq!(status, 200);
    }
    post(
        &serve,
        &bot,
        command_update(900, chat, "/start s_car_request"),
    )
    .await;
    assert!(
        shows(&api, chat, "Privacy policy").await,
        "{}",
        serve.output()
    );
    post(&serve, &bot, press_update(901, chat, &api, "I agree")).await;
    assert!(shows(&api, chat, "Which make").await, "{}", serve.output());
    // Killed between two answers (an update killed mid-way is the FIFO's business: its group
    // waits out the visibility timeout, tested above).
    assert!(
        serve.settled(Duration::from_secs(30)).await,
        "{}",
        serve.output()
    );
    serve.kill();

    let serve = Serve::start(dir.path(), &env).await;
    post(&serve, &bot, press_update(902, chat, &api, "Toyota")).await;
    assert!(shows(&api, chat, "Which model").await, "{}", serve.output());
    post(&serve, &bot, text_update(903, chat, "RAV4")).await;
    assert!(shows(&api, chat, "oldest year").await, "{}", serve.output());
    assert!(
        serve.settled(Duration::from_secs(30)).await,
        "{}",
        serve.output()
    );
    let (ok, out, _) = cli(dir.path(), &api, &["sessions", "list"]);
    assert!(
        ok && out.contains("scenarios/car_request v1") && out.contains("step year_from"),
        "{out}"
    );
}

/// `teledesk scenarios`: validate (every problem with its path), try (a whole conversation from
/// standard input, ending in the lead), graph, show, stats, archive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenarios_cli_validates_tries_publishes_and_shows() {
    let (api, _token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/scenarios/car_request.yaml"
    );
    let (ok, out, _) = cli(dir.path(), &api, &["scenarios", "validate", example]);
    assert!(
        ok && out.contains("valid scenario `car_request` (11 steps"),
        "{out}"
    );
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "key: Bad\ntitle: T\nsteps:\n  - {id: a, type: teleport}\n  - {id: b, type: text}\n",
    )
    .unwrap();
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &["scenarios", "validate", broken.to_str().unwrap()],
    );
    assert!(!ok, "{err}");
    for want in [
        "done: required",
        "steps[0].type: unknown step type `teleport`",
        "steps[1].text: required",
    ] {
        assert!(err.contains(want), "{want} in {err}");
    }
    // A whole conversation typed into `try`, in Ukrainian.
    let answers = "1\n1\nRAV4\n2018\n2021\n1\n25k\nКиїв\n:contact +380501234567\n9\n";
    let mut child = std::process::Command::new(teledesk_bin())
        .args(["scenarios", "try", example, "--lang", "uk"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.contains("Яку марку ви шукаєте?"), "{out}");
    let lead = out
        .split("--- lead ---")
        .nth(1)
        .unwrap_or_else(|| panic!("no lead in {out}"));
    let lead: Value = serde_json::from_str(lead.trim()).unwrap();
    assert_eq!(lead["answers"]["make"], "toyota");
    assert_eq!(lead["answers"]["budget"], 25000);
    assert_eq!(lead["answers"]["city"]["city"], "Київ");
    assert_eq!(lead["answers"]["phone"], "+380501234567");
    assert_eq!(lead["language"], "uk");
    // Stored: publish, list, show, graph, stats, archive.
    let (ok, out, _) = cli(dir.path(), &api, &["scenarios", "publish", example]);
    assert!(
        ok && out.contains("published `car_request` version 1"),
        "{out}"
    );
    let (_, out, _) = cli(dir.path(), &api, &["scenarios", "publish", example]);
    assert!(out.contains("nothing published"), "{out}");
    let (_, out, _) = cli(dir.path(), &api, &["scenarios", "list"]);
    assert!(out.contains("car_request\tv1\tactive"), "{out}");
    let (_, out, _) = cli(dir.path(), &api, &["scenarios", "graph", "car_request"]);
    assert!(
        out.starts_with("flowchart TD") && out.contains("s10 --> submit"),
        "{out}"
    );
    let (_, out, _) = cli(dir.path(), &api, &["scenarios", "show", "car_request"]);
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["scenario"]["key"], "car_request");
    let (_, out, _) = cli(dir.path(), &api, &["scenarios", "stats", "car_request"]);
    let stats: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats["starts"], 0);
    assert_eq!(stats["steps"].as_array().unwrap().len(), 11);
    let (ok, out, _) = cli(dir.path(), &api, &["scenarios", "archive", "car_request"]);
    assert!(ok && out.contains("archived"), "{out}");
    let (ok, _, err) = cli(dir.path(), &api, &["scenarios", "show", "nope"]);
    assert!(!ok && err.contains("no scenario `nope`"), "{err}");
}

/// `teledesk dealer-channels`: added only where the bot can post, said why otherwise; listed;
/// removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dealer_channels_cli_checks_the_bot_can_post() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = cli(dir.path(), &api, &["bots", "add", "--token", &token]);
    assert!(ok, "{err}");
    api.add_channel(-1_003_000_000_001, "Dealers", "administrator", true);
    api.add_channel(-1_003_000_000_002, "Muted", "member", false);
    let (ok, out, err) = cli(
        dir.path(),
        &api,
        &["dealer-channels", "add", "--chat", "-1003000000001"],
    );
    assert!(
        ok && out.contains("dealer channel -1003000000001 (Dealers) added"),
        "{out}{err}"
    );
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &["dealer-channels", "add", "--chat", "-1003000000002"],
    );
    assert!(
        !ok && err.contains("is member in Muted: make it an administrator"),
        "{err}"
    );
    let (_, out, _) = cli(dir.path(), &api, &["dealer-channels", "list"]);
    assert!(
        out.contains("-1003000000001\tDealers") && !out.contains("Muted"),
        "{out}"
    );
    let (ok, _, _) = cli(
        dir.path(),
        &api,
        &["dealer-channels", "remove", "--chat", "-1003000000001"],
    );
    assert!(ok);
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &["dealer-channels", "remove", "--chat", "-1003000000001"],
    );
    assert!(!ok && err.contains("no dealer channel"), "{err}");
}

/// `teledesk dealers` and `teledesk requests close|cancel|offers|reveal-policy`: the same rules as
/// the API, said in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dealers_and_requests_cli_keep_the_rules() {
    let (api, token) = double().await;
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = cli(dir.path(), &api, &["bots", "add", "--token", &token]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(
        dir.path(),
        &api,
        &[
            "dealers",
            "add",
            "--user-id",
            "9101",
            "--name",
            "Anton",
            "--company",
            "Kyiv Motors",
            "--phone",
            "+380671111111",
        ],
    );
    assert!(ok && out.contains("added: approved"), "{out}{err}");
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &[
            "dealers",
            "add",
            "--user-id",
            "9102",
            "--name",
            "B",
            "--phone",
            "call me",
        ],
    );
    assert!(!ok && err.contains("phone"), "{err}");
    let (_, out, _) = cli(dir.path(), &api, &["dealers", "list"]);
    assert!(
        out.contains("9101\tapproved\tAnton\tKyiv Motors") && !out.contains("9102"),
        "{out}"
    );
    let (ok, out, _) = cli(dir.path(), &api, &["dealers", "block", "9101"]);
    assert!(ok && out.contains("blocked"), "{out}");
    let id = out.split_whitespace().nth(1).unwrap().to_owned();
    let (ok, out, _) = cli(dir.path(), &api, &["dealers", "approve", &id]);
    assert!(ok && out.contains("approved"), "{out}");
    let (ok, _, err) = cli(dir.path(), &api, &["dealers", "approve", "DLR-NOPE"]);
    assert!(!ok && err.contains("no dealer DLR-NOPE"), "{err}");
    // The policy: on_select by default; mediated set; anything else refused.
    let (_, out, _) = cli(dir.path(), &api, &["requests", "reveal-policy"]);
    assert_eq!(out.trim(), "on_select");
    let (ok, _, _) = cli(dir.path(), &api, &["requests", "reveal-policy", "mediated"]);
    assert!(ok);
    let (_, out, _) = cli(dir.path(), &api, &["requests", "reveal-policy"]);
    assert_eq!(out.trim(), "mediated");
    let (ok, _, err) = cli(dir.path(), &api, &["requests", "reveal-policy", "everyone"]);
    assert!(!ok && err.contains("on_select or mediated"), "{err}");
    // Closing or cancelling what is not there.
    let (ok, _, err) = cli(
        dir.path(),
        &api,
        &["requests", "close", "REQ-NOPE", "--offer", "OFF-NOPE"],
    );
    assert!(!ok && err.contains("no request REQ-NOPE"), "{err}");
    let (ok, _, err) = cli(dir.path(), &api, &["requests", "cancel", "REQ-NOPE"]);
    assert!(!ok && err.contains("no request REQ-NOPE"), "{err}");
}
