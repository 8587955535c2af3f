//! The Telegram port: [`Telegram`] is our object-safe trait over frankenstein's async client
//! (frankenstein's own `AsyncTelegramApi` is generic and cannot be a trait object).
//!
//! Errors are typed where the domain acts on them: [`TelegramError::RateLimited`] (wait
//! `retry_after`), [`TelegramError::Forbidden`] (blocked or kicked), [`TelegramError::ThreadNotFound`]
//! (deleted topic), [`TelegramError::Migrated`] (group became a supergroup).
//!
//! The bot token is part of every request path; it never appears in a `Debug` output, an error, or a
//! log line of this crate.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::response::{ErrorResponse, MethodResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Telegram's public Bot API.
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";

/// The numeric bot id: the part of a token before the colon.
pub fn bot_id_of(token: &str) -> Option<&str> {
    let (id, secret) = token.split_once(':')?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !secret.is_empty()).then_some(id)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelegramError {
    #[error("Telegram flood control: retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("Telegram refused access (403): {description}")]
    Forbidden { description: String },
    #[error("the forum topic no longer exists (message thread not found)")]
    ThreadNotFound,
    #[error("the group migrated to supergroup {to_chat_id}")]
    Migrated { to_chat_id: i64 },
    /// TOPIC_NOT_MODIFIED or "message is not modified": the state asked for is already there.
    #[error("nothing to change (Telegram answered not modified)")]
    NotModified,
    /// Service messages, invoices and quizzes cannot be copied.
    #[error("Telegram cannot copy this message")]
    CannotCopy,
    /// getFile refuses files over 20 MB.
    #[error("the file is too big for a bot to download (over 20 MB)")]
    FileTooBig,
    #[error("Telegram answered {code}: {description}")]
    Api { code: u16, description: String },
    #[error("Telegram could not be reached: {0}")]
    Transport(String),
}

impl TelegramError {
    /// True when the same call may succeed later (flood control, 5xx, network).
    pub fn is_transient(&self) -> bool {
        match self {
            TelegramError::RateLimited { .. } | TelegramError::Transport(_) => true,
            TelegramError::Api { code, .. } => *code >= 500,
            _ => false,
        }
    }

    fn from_response(e: ErrorResponse) -> Self {
        let params = e.parameters.as_ref();
        if let Some(retry_after) = params.and_then(|p| p.retry_after) {
            return TelegramError::RateLimited {
                retry_after: u64::from(retry_after),
            };
        }
        if let Some(to_chat_id) = params.and_then(|p| p.migrate_to_chat_id) {
            return TelegramError::Migrated { to_chat_id };
        }
        let code = u16::try_from(e.error_code).unwrap_or(500);
        if code == 429 {
            return TelegramError::RateLimited { retry_after: 1 };
        }
        if code == 403 {
            return TelegramError::Forbidden {
                description: e.description,
            };
        }
        if code == 400 {
            let d = e.description.to_ascii_lowercase();
            if d.contains("message thread not found") {
                return TelegramError::ThreadNotFound;
            }
            if d.contains("topic_not_modified") || d.contains("message is not modified") {
                return TelegramError::NotModified;
            }
            if d.contains("can't be copied") {
                return TelegramError::CannotCopy;
            }
            if d.contains("file is too big") {
                return TelegramError::FileTooBig;
            }
        }
        TelegramError::Api {
            code,
            description: e.description,
        }
    }
}

impl From<frankenstein::Error> for TelegramError {
    fn from(e: frankenstein::Error) -> Self {
        match e {
            frankenstein::Error::Api(resp) => TelegramError::from_response(resp),
            // frankenstein strips the URL (and so the token) from transport errors.
            frankenstein::Error::HttpReqwest(e) => TelegramError::Transport(e.to_string()),
            other => TelegramError::Transport(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotUser {
    pub id: i64,
    pub username: String,
    pub first_name: String,
}

/// A text message to send. Without `entities` the text is HTML (build it with an escaping helper);
/// with `entities` it is plain text formatted by those entities (as received from Telegram).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingText {
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub text: String,
    pub reply_to: Option<i32>,
    pub entities: Option<Value>,
    /// e.g. an `InlineKeyboardMarkup`.
    pub reply_markup: Option<Value>,
}

impl OutgoingText {
    /// An HTML message to a chat (and topic).
    pub fn html(chat_id: i64, thread_id: Option<i32>, text: impl Into<String>) -> Self {
        OutgoingText {
            chat_id,
            thread_id,
            text: text.into(),
            ..Default::default()
        }
    }

    fn params(&self) -> Value {
        let mut params = json!({
            "chat_id": self.chat_id,
            "text": self.text,
            "link_preview_options": {"is_disabled": true},
        });
        match &self.entities {
            Some(e) => params["entities"] = e.clone(),
            None => params["parse_mode"] = json!("HTML"),
        }
        if let Some(t) = self.thread_id {
            params["message_thread_id"] = json!(t);
        }
        if let Some(r) = self.reply_to {
            params["reply_parameters"] =
                json!({"message_id": r, "allow_sending_without_reply": true});
        }
        if let Some(m) = &self.reply_markup {
            params["reply_markup"] = m.clone();
        }
        params
    }
}

/// A file to upload (Telegram takes up to 50 MB from bots).
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    pub file_name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Bots may upload files up to this size.
pub const MAX_UPLOAD: usize = 50 * 1024 * 1024;
/// The largest file a bot may download (getFile's limit).
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;

/// A copyMessage call: the content of `from_chat_id`/`message_id` sent again without "forwarded
/// from"; `caption` (plain, formatted by `caption_entities`) replaces a media message's caption.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyRequest {
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub from_chat_id: i64,
    pub message_id: i32,
    pub caption: Option<String>,
    pub caption_entities: Option<Value>,
    pub reply_to: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub chat_id: i64,
    pub message_id: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookStatus {
    pub url: String,
    pub pending_update_count: u32,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
    pub allowed_updates: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub file_path: Option<String>,
    pub file_size: Option<u64>,
}

/// The update kinds Teledesk asks for (setWebhook / getUpdates `allowed_updates`).
pub const ALLOWED_UPDATES: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
];

#[async_trait]
pub trait Telegram: Send + Sync {
    async fn get_me(&self) -> Result<BotUser, TelegramError>;
    async fn send_text(&self, msg: &OutgoingText) -> Result<SentMessage, TelegramError>;
    /// Raw updates: a kind frankenstein does not know must not fail the whole batch.
    async fn get_updates(
        &self,
        offset: i64,
        timeout_secs: u32,
    ) -> Result<Vec<Value>, TelegramError>;
    async fn set_webhook(&self, url: &str, secret_token: &str) -> Result<(), TelegramError>;
    async fn delete_webhook(&self, drop_pending_updates: bool) -> Result<(), TelegramError>;
    async fn webhook_info(&self) -> Result<WebhookStatus, TelegramError>;
    async fn set_my_commands(&self, commands: &[(&str, &str)]) -> Result<(), TelegramError>;
    async fn get_file(&self, file_id: &str) -> Result<RemoteFile, TelegramError>;
    /// Downloads a file by the `file_path` from [`Telegram::get_file`].
    async fn download(&self, file_path: &str) -> Result<Vec<u8>, TelegramError>;
    /// Any Bot API method with JSON parameters; the typed calls below are built on it.
    async fn call(&self, method: &str, params: Value) -> Result<Value, TelegramError>;
    /// Uploads a file as a document (sendDocument, multipart); returns the sent `Message`.
    async fn send_document(
        &self,
        chat_id: i64,
        thread_id: Option<i32>,
        file: Upload,
        caption: Option<&str>,
    ) -> Result<Value, TelegramError>;

    /// Creates a forum topic; returns its `message_thread_id`.
    async fn create_forum_topic(&self, chat_id: i64, name: &str) -> Result<i32, TelegramError> {
        let t = self
            .call(
                "createForumTopic",
                json!({"chat_id": chat_id, "name": name}),
            )
            .await?;
        message_id_field(&t, "message_thread_id")
    }

    /// Closes a topic; one already closed counts as done.
    async fn close_forum_topic(&self, chat_id: i64, thread_id: i32) -> Result<(), TelegramError> {
        let params = json!({"chat_id": chat_id, "message_thread_id": thread_id});
        not_modified_is_ok(self.call("closeForumTopic", params).await)
    }

    /// Reopens a topic; one already open counts as done.
    async fn reopen_forum_topic(&self, chat_id: i64, thread_id: i32) -> Result<(), TelegramError> {
        let params = json!({"chat_id": chat_id, "message_thread_id": thread_id});
        not_modified_is_ok(self.call("reopenForumTopic", params).await)
    }

    /// Renames a topic; the same name counts as done.
    async fn edit_forum_topic(
        &self,
        chat_id: i64,
        thread_id: i32,
        name: &str,
    ) -> Result<(), TelegramError> {
        let params = json!({"chat_id": chat_id, "message_thread_id": thread_id, "name": name});
        not_modified_is_ok(self.call("editForumTopic", params).await)
    }

    /// Copies one message; returns the copy's message id.
    async fn copy_message(&self, req: &CopyRequest) -> Result<i32, TelegramError> {
        let mut params = json!({"chat_id": req.chat_id, "from_chat_id": req.from_chat_id,
                                "message_id": req.message_id});
        if let Some(t) = req.thread_id {
            params["message_thread_id"] = json!(t);
        }
        if let Some(c) = &req.caption {
            params["caption"] = json!(c);
            if let Some(e) = &req.caption_entities {
                params["caption_entities"] = e.clone();
            }
        }
        if let Some(r) = req.reply_to {
            params["reply_parameters"] =
                json!({"message_id": r, "allow_sending_without_reply": true});
        }
        let id = self.call("copyMessage", params).await?;
        message_id_field(&id, "message_id")
    }

    /// Copies several messages of one chat (an album stays an album); returns the copies' ids in
    /// the order of `message_ids` (which must increase).
    async fn copy_messages(
        &self,
        chat_id: i64,
        thread_id: Option<i32>,
        from_chat_id: i64,
        message_ids: &[i32],
    ) -> Result<Vec<i32>, TelegramError> {
        let mut params =
            json!({"chat_id": chat_id, "from_chat_id": from_chat_id, "message_ids": message_ids});
        if let Some(t) = thread_id {
            params["message_thread_id"] = json!(t);
        }
        let ids = self.call("copyMessages", params).await?;
        ids.as_array()
            .map(|a| {
                a.iter()
                    .map(|v| message_id_field(v, "message_id"))
                    .collect()
            })
            .unwrap_or_else(|| Err(unexpected("copyMessages")))
    }

    /// Edits a text message; the same text counts as done. `entities` as in [`OutgoingText`].
    async fn edit_message_text(
        &self,
        chat_id: i64,
        message_id: i32,
        text: &str,
        entities: Option<&Value>,
    ) -> Result<(), TelegramError> {
        let mut params = json!({"chat_id": chat_id, "message_id": message_id, "text": text,
                                "link_preview_options": {"is_disabled": true}});
        match entities {
            Some(e) => params["entities"] = e.clone(),
            None => params["parse_mode"] = json!("HTML"),
        }
        not_modified_is_ok(self.call("editMessageText", params).await)
    }

    /// Edits a media message's caption; the same caption counts as done.
    async fn edit_message_caption(
        &self,
        chat_id: i64,
        message_id: i32,
        caption: &str,
        entities: Option<&Value>,
    ) -> Result<(), TelegramError> {
        let mut params = json!({"chat_id": chat_id, "message_id": message_id, "caption": caption});
        match entities {
            Some(e) => params["caption_entities"] = e.clone(),
            None => params["parse_mode"] = json!("HTML"),
        }
        not_modified_is_ok(self.call("editMessageCaption", params).await)
    }

    /// Answers a button press (stops the client's spinner), with an optional toast.
    async fn answer_callback_query(
        &self,
        callback_query_id: &str,
        text: Option<&str>,
    ) -> Result<(), TelegramError> {
        let mut params = json!({"callback_query_id": callback_query_id});
        if let Some(t) = text {
            params["text"] = json!(t);
        }
        self.call("answerCallbackQuery", params).await.map(|_| ())
    }

    /// A chat member as Telegram describes it (`status`, and the rights of an administrator).
    async fn get_chat_member(&self, chat_id: i64, user_id: i64) -> Result<Value, TelegramError> {
        self.call(
            "getChatMember",
            json!({"chat_id": chat_id, "user_id": user_id}),
        )
        .await
    }
}

fn unexpected(method: &str) -> TelegramError {
    TelegramError::Api {
        code: 500,
        description: format!("unexpected {method} result"),
    }
}

fn message_id_field(v: &Value, field: &str) -> Result<i32, TelegramError> {
    v[field]
        .as_i64()
        .and_then(|m| i32::try_from(m).ok())
        .ok_or_else(|| unexpected(field))
}

fn not_modified_is_ok(r: Result<Value, TelegramError>) -> Result<(), TelegramError> {
    match r {
        Ok(_) | Err(TelegramError::NotModified) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Makes a [`Telegram`] for a bot token; one per process, sharing one HTTP connection pool.
pub trait TelegramConnector: Send + Sync {
    fn connect(&self, token: &str) -> Arc<dyn Telegram>;
}

/// The Bot API over HTTP at a base URL (`TELEGRAM_API_BASE`, default [`DEFAULT_API_BASE`]).
#[derive(Clone)]
pub struct HttpConnector {
    base: String,
    client: reqwest::Client,
}

impl HttpConnector {
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Long polls wait up to 50 s on Telegram's side.
            .timeout(Duration::from_secs(75))
            .build()
            .expect("a TLS backend is compiled in");
        HttpConnector {
            base: base.trim_end_matches('/').to_owned(),
            client,
        }
    }

    /// From `TELEGRAM_API_BASE`, or Telegram's public API.
    pub fn from_env() -> Self {
        Self::new(&std::env::var("TELEGRAM_API_BASE").unwrap_or_else(|_| DEFAULT_API_BASE.into()))
    }

    pub fn bot(&self, token: &str) -> HttpTelegram {
        HttpTelegram {
            bot: Bot::builder()
                .api_url(format!("{}/bot{token}", self.base))
                .client(self.client.clone())
                .build(),
            file_base: format!("{}/file/bot{token}", self.base),
            api_base: format!("{}/bot{token}", self.base),
            client: self.client.clone(),
        }
    }
}

impl TelegramConnector for HttpConnector {
    fn connect(&self, token: &str) -> Arc<dyn Telegram> {
        Arc::new(self.bot(token))
    }
}

/// One bot's client. `Debug` is written by hand: the derived one would print the token.
pub struct HttpTelegram {
    bot: Bot,
    file_base: String,
    api_base: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpTelegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpTelegram { token: <redacted> }")
    }
}

impl HttpTelegram {
    async fn request<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, TelegramError> {
        let resp: MethodResponse<T> = self.bot.request(method, Some(params)).await?;
        Ok(resp.result)
    }
}

#[async_trait]
impl Telegram for HttpTelegram {
    async fn get_me(&self) -> Result<BotUser, TelegramError> {
        let me = self.bot.get_me().await?.result;
        Ok(BotUser {
            id: i64::try_from(me.id).unwrap_or_default(),
            username: me.username.unwrap_or_default(),
            first_name: me.first_name,
        })
    }

    async fn send_text(&self, msg: &OutgoingText) -> Result<SentMessage, TelegramError> {
        let sent: Value = self.request("sendMessage", msg.params()).await?;
        Ok(SentMessage {
            chat_id: sent["chat"]["id"].as_i64().unwrap_or(msg.chat_id),
            message_id: sent["message_id"]
                .as_i64()
                .and_then(|m| i32::try_from(m).ok())
                .unwrap_or_default(),
        })
    }

    async fn get_updates(
        &self,
        offset: i64,
        timeout_secs: u32,
    ) -> Result<Vec<Value>, TelegramError> {
        self.request(
            "getUpdates",
            json!({"offset": offset, "timeout": timeout_secs, "limit": 100, "allowed_updates": ALLOWED_UPDATES}),
        )
        .await
    }

    async fn set_webhook(&self, url: &str, secret_token: &str) -> Result<(), TelegramError> {
        let _: bool = self
            .request(
                "setWebhook",
                json!({"url": url, "secret_token": secret_token, "allowed_updates": ALLOWED_UPDATES, "max_connections": 40}),
            )
            .await?;
        Ok(())
    }

    async fn delete_webhook(&self, drop_pending_updates: bool) -> Result<(), TelegramError> {
        let _: bool = self
            .request(
                "deleteWebhook",
                json!({"drop_pending_updates": drop_pending_updates}),
            )
            .await?;
        Ok(())
    }

    async fn webhook_info(&self) -> Result<WebhookStatus, TelegramError> {
        self.request("getWebhookInfo", json!({})).await
    }

    async fn set_my_commands(&self, commands: &[(&str, &str)]) -> Result<(), TelegramError> {
        let commands: Vec<Value> = commands
            .iter()
            .map(|(c, d)| json!({"command": c, "description": d}))
            .collect();
        let _: bool = self
            .request("setMyCommands", json!({"commands": commands}))
            .await?;
        Ok(())
    }

    async fn get_file(&self, file_id: &str) -> Result<RemoteFile, TelegramError> {
        let f: Value = self.request("getFile", json!({"file_id": file_id})).await?;
        Ok(RemoteFile {
            file_path: f["file_path"].as_str().map(str::to_owned),
            file_size: f["file_size"].as_u64(),
        })
    }

    async fn download(&self, file_path: &str) -> Result<Vec<u8>, TelegramError> {
        let transport = |e: reqwest::Error| TelegramError::Transport(e.without_url().to_string());
        let resp = self
            .client
            .get(format!("{}/{file_path}", self.file_base))
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(TelegramError::Api {
                code: status.as_u16(),
                description: "file download failed".into(),
            });
        }
        // The size is checked before reading (what the server announces) and while reading (what
        // it sends): a bot can download at most 20 MB, and nothing larger is ever held in memory.
        if resp.content_length().is_some_and(|n| n > MAX_DOWNLOAD) {
            return Err(TelegramError::FileTooBig);
        }
        let mut resp = resp;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            if (bytes.len() + chunk.len()) as u64 > MAX_DOWNLOAD {
                return Err(TelegramError::FileTooBig);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, TelegramError> {
        self.request(method, params).await
    }

    async fn send_document(
        &self,
        chat_id: i64,
        thread_id: Option<i32>,
        file: Upload,
        caption: Option<&str>,
    ) -> Result<Value, TelegramError> {
        let transport = |e: reqwest::Error| TelegramError::Transport(e.without_url().to_string());
        let part = reqwest::multipart::Part::bytes(file.bytes)
            .file_name(file.file_name)
            .mime_str(&file.mime_type)
            .map_err(transport)?;
        let mut form = reqwest::multipart::Form::new()
            .text("chat_id", chat_id.to_string())
            .part("document", part);
        if let Some(t) = thread_id {
            form = form.text("message_thread_id", t.to_string());
        }
        if let Some(c) = caption {
            form = form.text("caption", c.to_owned());
        }
        let resp = self
            .client
            .post(format!("{}/sendDocument", self.api_base))
            .multipart(form)
            .send()
            .await
            .map_err(transport)?;
        let v: Value = resp.json().await.map_err(transport)?;
        if v["ok"] == true {
            return Ok(v["result"].clone());
        }
        match serde_json::from_value::<ErrorResponse>(v) {
            Ok(e) => Err(TelegramError::from_response(e)),
            Err(e) => Err(TelegramError::Transport(format!("unreadable answer: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_id_is_the_number_before_the_colon() {
        assert_eq!(bot_id_of("123456:ABC-def"), Some("123456"));
        assert_eq!(bot_id_of("abc:def"), None);
        assert_eq!(bot_id_of("123456"), None);
        assert_eq!(bot_id_of("123456:"), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = HttpConnector::new("http://127.0.0.1:9").bot("42:SECRET-TOKEN");
        assert!(!format!("{t:?}").contains("SECRET"));
    }

    fn err(code: u64, description: &str, parameters: Option<Value>) -> TelegramError {
        let v = json!({"ok": false, "error_code": code, "description": description, "parameters": parameters});
        TelegramError::from_response(serde_json::from_value(v).unwrap())
    }

    #[test]
    fn typed_errors() {
        assert_eq!(
            err(
                429,
                "Too Many Requests: retry after 7",
                Some(json!({"retry_after": 7}))
            ),
            TelegramError::RateLimited { retry_after: 7 }
        );
        assert!(matches!(
            err(403, "Forbidden: bot was blocked by the user", None),
            TelegramError::Forbidden { .. }
        ));
        assert_eq!(
            err(400, "Bad Request: message thread not found", None),
            TelegramError::ThreadNotFound
        );
        assert_eq!(
            err(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                Some(json!({"migrate_to_chat_id": -1001234}))
            ),
            TelegramError::Migrated {
                to_chat_id: -1001234
            }
        );
        assert!(matches!(
            err(400, "Bad Request: chat not found", None),
            TelegramError::Api { code: 400, .. }
        ));
        assert!(err(502, "Bad Gateway", None).is_transient());
        assert!(!err(400, "Bad Request", None).is_transient());
    }
}
