//! A zero-latency in-process Telegram for CPU benchmarks: every call succeeds at once, with no HTTP,
//! so what is measured is Teledesk's own work.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde_json::{Value, json};
use teledesk_telegram::{
    BotUser, OutgoingText, RemoteFile, SentMessage, Telegram, TelegramConnector, TelegramError,
    WebhookStatus,
};

#[derive(Default)]
pub struct NullTelegram {
    pub sent: AtomicU64,
}

#[async_trait]
impl Telegram for NullTelegram {
    async fn get_me(&self) -> Result<BotUser, TelegramError> {
        Ok(BotUser {
            id: 1,
            username: "bench_bot".into(),
            first_name: "Bench".into(),
        })
    }
    async fn send_text(&self, msg: &OutgoingText) -> Result<SentMessage, TelegramError> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        Ok(SentMessage {
            chat_id: msg.chat_id,
            message_id: n as i32,
        })
    }
    async fn get_updates(&self, _: i64, _: u32) -> Result<Vec<Value>, TelegramError> {
        Ok(Vec::new())
    }
    async fn set_webhook(&self, _: &str, _: &str) -> Result<(), TelegramError> {
        Ok(())
    }
    async fn delete_webhook(&self, _: bool) -> Result<(), TelegramError> {
        Ok(())
    }
    async fn webhook_info(&self) -> Result<WebhookStatus, TelegramError> {
        Ok(WebhookStatus::default())
    }
    async fn set_my_commands(&self, _: &[(&str, &str)]) -> Result<(), TelegramError> {
        Ok(())
    }
    async fn get_file(&self, _: &str) -> Result<RemoteFile, TelegramError> {
        Ok(RemoteFile {
            file_path: None,
            file_size: None,
        })
    }
    async fn download(&self, _: &str) -> Result<Vec<u8>, TelegramError> {
        Ok(Vec::new())
    }
    async fn send_document(
        &self,
        chat_id: i64,
        thread_id: Option<i32>,
        file: teledesk_telegram::Upload,
        caption: Option<&str>,
    ) -> Result<Value, TelegramError> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed) as i64 + 1;
        Ok(
            json!({"message_id": n, "date": 0, "chat": {"id": chat_id, "type": "supergroup"},
                  "message_thread_id": thread_id, "caption": caption,
                  "document": {"file_id": format!("f{n}"), "file_unique_id": format!("u{n}"),
                               "file_name": file.file_name, "file_size": file.bytes.len()}}),
        )
    }
    async fn call(&self, method: &str, params: Value) -> Result<Value, TelegramError> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed) as i64 + 1;
        Ok(match method {
            "createForumTopic" => {
                json!({"message_thread_id": n, "name": params["name"], "icon_color": 7322096})
            }
            "copyMessage" => json!({"message_id": n}),
            "copyMessages" => Value::Array(
                (0..params["message_ids"].as_array().map_or(0, Vec::len) as i64)
                    .map(|i| json!({"message_id": n * 100 + i}))
                    .collect(),
            ),
            "getChatMember" => json!({"status": "administrator", "can_manage_topics": true,
                                      "can_delete_messages": true,
                                      "user": {"id": params["user_id"], "is_bot": false, "first_name": "X"}}),
            _ => json!(true),
        })
    }
}

/// A connector handing out one shared [`NullTelegram`].
#[derive(Default, Clone)]
pub struct NullConnector(pub Arc<NullTelegram>);

impl TelegramConnector for NullConnector {
    fn connect(&self, _token: &str) -> Arc<dyn Telegram> {
        self.0.clone()
    }
}

/// What the CPU benchmarks run on: embedded adapters in a temporary directory, a [`NullConnector`],
/// and bot `1` registered with `secret`, on a current-thread runtime (process CPU time then counts
/// the measured work, not idle runtime workers).
pub struct BenchEnv {
    pub rt: tokio::runtime::Runtime,
    pub deps: teledesk_app::Deps,
    pub null: NullConnector,
    _storage: (tempfile::TempDir, teledesk_embedded::Embedded),
}

pub fn bench_env(secret: &str) -> BenchEnv {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let emb =
        teledesk_embedded::Embedded::open(dir.path(), teledesk_ports::queue::teledesk_queues())
            .expect("open");
    let null = NullConnector::default();
    let deps = teledesk_app::Deps::new(
        emb.table.clone(),
        emb.queue.clone(),
        emb.files.clone(),
        Arc::new(null.clone()),
        Default::default(),
    );
    rt.block_on(teledesk_app::bots::register(
        &deps,
        "1:bench-token",
        Some(secret),
    ))
    .expect("register");
    BenchEnv {
        rt,
        deps,
        null,
        _storage: (dir, emb),
    }
}
