//! A zero-latency in-process Telegram for CPU benchmarks: every call succeeds at once, with no HTTP,
//! so what is measured is Teledesk's own work.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde_json::Value;
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
}

/// A connector handing out one shared [`NullTelegram`].
#[derive(Default, Clone)]
pub struct NullConnector(pub Arc<NullTelegram>);

impl TelegramConnector for NullConnector {
    fn connect(&self, _token: &str) -> Arc<dyn Telegram> {
        self.0.clone()
    }
}
