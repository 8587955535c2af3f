//! Shared setup of the load tools (examples/desk_load, examples/api_load): `teledesk serve` in webhook
//! mode against the Bot API double, with one forum group set up as the desk through real updates.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::bot_api::BotApi;
use crate::serve::Serve;

pub const SECRET: &str = "load-test-secret";
pub const ADMIN: i64 = 77;

pub struct LoadDesk {
    pub api: BotApi,
    pub serve: Serve,
    pub bot: i64,
    pub desk: i64,
    pub client: reqwest::Client,
    next_update: AtomicI64,
    _dir: tempfile::TempDir,
}

impl LoadDesk {
    pub fn desk_chat(&self) -> Value {
        json!({"id": self.desk, "type": "supergroup", "title": "Load desk", "is_forum": true})
    }

    /// Starts the double and `serve`, and makes `desk` the bot's desk.
    pub async fn start(bot: i64, desk: i64) -> LoadDesk {
        let api = BotApi::start().await;
        let token = api.add_bot(bot, "load_bot");
        api.set_member(desk, ADMIN, "administrator");
        let dir = tempfile::tempdir().unwrap();
        let serve = Serve::start(
            dir.path(),
            &[
                ("TELEGRAM_API_BASE", api.base_url.as_str()),
                ("TELEGRAM_BOT_TOKEN", token.as_str()),
                ("TELEDESK_PUBLIC_URL", "https://load.example.test"),
                ("TELEGRAM_WEBHOOK_SECRET", SECRET),
                ("RUST_LOG", "warn"),
            ],
        )
        .await;
        let d = LoadDesk {
            api,
            serve,
            bot,
            desk,
            client: reqwest::Client::new(),
            next_update: AtomicI64::new(1),
            _dir: dir,
        };
        let me = json!({"id": bot, "is_bot": true, "first_name": "b"});
        d.post("my_chat_member", json!({"chat": d.desk_chat(), "from": {"id": ADMIN, "is_bot": false, "first_name": "A"},
            "date": 1_790_000_000, "old_chat_member": {"status": "left", "user": me},
            "new_chat_member": {"status": "administrator", "user": me, "can_be_edited": false, "is_anonymous": false,
                "can_manage_chat": true, "can_delete_messages": true, "can_manage_video_chats": false,
                "can_restrict_members": false, "can_promote_members": false, "can_change_info": false,
                "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
                "can_delete_stories": false, "can_manage_topics": true}}))
            .await;
        let code = d.serve.cli(&["desks", "setup-code"]);
        d.post(
            "message",
            json!({"message_id": 1, "date": 1_790_000_000, "chat": d.desk_chat(),
                   "from": {"id": ADMIN, "is_bot": false, "first_name": "A"}, "text": format!("/setup_desk {}", code.trim()),
                   "entities": [{"type": "bot_command", "offset": 0, "length": 11}]}),
        )
        .await;
        wait("desk set up", || {
            d.api
                .sent_texts(desk)
                .iter()
                .any(|t| t.contains("support desk"))
        });
        d
    }

    /// Posts an update to the webhook; returns a future that asserts the 200.
    pub fn post(&self, kind: &str, body: Value) -> impl std::future::Future<Output = ()> + use<> {
        let id = self.next_update.fetch_add(1, Ordering::Relaxed);
        let u = json!({"update_id": id, kind: body});
        let req = self
            .client
            .post(format!("{}/telegram/{}", self.serve.base_url, self.bot))
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .body(u.to_string())
            .send();
        async move {
            let status = req.await.map(|r| r.status().as_u16()).unwrap_or(0);
            assert_eq!(status, 200, "webhook refused an update");
        }
    }
}

/// Waits (up to 5 minutes) until `done`.
pub fn wait(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `p`-quantile of sorted durations.
pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
