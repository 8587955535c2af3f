//! A Bot API test double: an HTTP server on loopback that answers like Telegram
//! (`{"ok":true,"result":…}` / `{"ok":false,"error_code":…,"description":…}`), for the methods
//! Teledesk calls. Every request is checked against the Bot API 10.1 spec, and so is every result it
//! returns; anything off is recorded in [`BotApi::violations`], which tests assert empty.
//!
//! Failures are scripted per method ([`BotApi::fail_next`], [`BotApi::fail_always`]), a chat can block
//! the bot ([`BotApi::block_chat`]), and updates are fed to long polling with [`BotApi::push_update`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::spec;

#[derive(Debug, Clone)]
pub struct Call {
    pub bot_id: i64,
    pub method: String,
    pub params: Value,
    /// The response's `ok`.
    pub ok: bool,
    pub at: Instant,
}

#[derive(Default)]
struct BotState {
    id: i64,
    username: String,
    updates: VecDeque<Value>,
    webhook_url: String,
    webhook_secret: Option<String>,
    commands: Value,
}

#[derive(Default)]
struct State_ {
    bots: HashMap<String, BotState>,
    calls: Vec<Call>,
    violations: Vec<String>,
    scripted: HashMap<String, VecDeque<Value>>,
    always: HashMap<String, Value>,
    blocked: Vec<i64>,
    next_message_id: i64,
    files: HashMap<String, (String, Vec<u8>)>,
}

#[derive(Clone)]
pub struct BotApi {
    state: Arc<Mutex<State_>>,
    pushed: Arc<Notify>,
    pub base_url: String,
}

/// An error answer as Telegram gives it.
pub fn error(code: u16, description: &str) -> Value {
    json!({"ok": false, "error_code": code, "description": description})
}

/// Telegram's flood-control answer.
pub fn too_many_requests(retry_after: u64) -> Value {
    json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {retry_after}"),
           "parameters": {"retry_after": retry_after}})
}

impl BotApi {
    /// Starts the double on a free loopback port.
    pub async fn start() -> BotApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let api = BotApi {
            state: Arc::default(),
            pushed: Arc::new(Notify::new()),
            base_url,
        };
        let app = Router::new()
            .route("/{bot}/{method}", axum::routing::any(call))
            .route("/file/{bot}/{*path}", axum::routing::get(download))
            .with_state(api.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("double serves") });
        api
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a bot; returns its token.
    pub fn add_bot(&self, id: i64, username: &str) -> String {
        let token = format!("{id}:AAH-test-{username}-secret-part");
        self.lock().bots.insert(
            token.clone(),
            BotState {
                id,
                username: username.into(),
                ..Default::default()
            },
        );
        token
    }

    /// Queues an update for getUpdates. Known kinds are checked against the spec's `Update`.
    pub fn push_update(&self, token: &str, update: Value) {
        let known = update.as_object().is_some_and(|o| {
            o.keys().all(|k| {
                k == "update_id"
                    || spec::spec()["types"]["Update"]["fields"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["name"] == k.as_str())
            })
        });
        if known {
            let problems = spec::check_value("Update", &update);
            assert!(
                problems.is_empty(),
                "test update is not a valid Update: {problems:?}"
            );
        }
        self.lock()
            .bots
            .get_mut(token)
            .expect("bot added")
            .updates
            .push_back(update);
        self.pushed.notify_waiters();
    }

    /// The next `n` calls of `method` answer `response` (e.g. [`too_many_requests`]).
    pub fn fail_next(&self, method: &str, n: usize, response: Value) {
        let mut s = self.lock();
        let q = s.scripted.entry(method.into()).or_default();
        for _ in 0..n {
            q.push_back(response.clone());
        }
    }

    /// Every call of `method` answers `response` until [`BotApi::heal`].
    pub fn fail_always(&self, method: &str, response: Value) {
        self.lock().always.insert(method.into(), response);
    }

    pub fn heal(&self) {
        let mut s = self.lock();
        s.always.clear();
        s.scripted.clear();
    }

    /// The user blocked the bot: sending to this chat answers 403.
    pub fn block_chat(&self, chat_id: i64) {
        self.lock().blocked.push(chat_id);
    }

    /// A file getFile/download can serve.
    pub fn add_file(&self, file_id: &str, path: &str, bytes: Vec<u8>) {
        self.lock()
            .files
            .insert(file_id.into(), (path.into(), bytes));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Texts successfully sent to a chat, in order.
    pub fn sent_texts(&self, chat_id: i64) -> Vec<String> {
        self.calls_of("sendMessage")
            .into_iter()
            .filter(|c| c.ok && c.params["chat_id"].as_i64() == Some(chat_id))
            .map(|c| c.params["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    pub fn webhook(&self, token: &str) -> (String, Option<String>) {
        let s = self.lock();
        let b = s.bots.get(token).expect("bot added");
        (b.webhook_url.clone(), b.webhook_secret.clone())
    }

    pub fn commands(&self, token: &str) -> Value {
        self.lock()
            .bots
            .get(token)
            .expect("bot added")
            .commands
            .clone()
    }
}

fn reply(v: Value) -> Response {
    let code = if v["ok"] == Value::Bool(true) {
        StatusCode::OK
    } else {
        StatusCode::from_u16(v["error_code"].as_u64().unwrap_or(500) as u16)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    };
    (code, axum::Json(v)).into_response()
}

async fn download(
    State(api): State<BotApi>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    let s = api.lock();
    let Some(token) = bot.strip_prefix("bot").filter(|t| s.bots.contains_key(*t)) else {
        return reply(error(401, "Unauthorized"));
    };
    let _ = token;
    match s.files.values().find(|(p, _)| *p == path) {
        Some((_, bytes)) => bytes.clone().into_response(),
        None => reply(error(404, "Not Found")),
    }
}

/// Allowed HTML of parse_mode HTML, for spotting escaping bugs as Telegram would.
pub fn html_problem(text: &str) -> Option<String> {
    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    ];
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('&') {
            let ok = ["lt;", "gt;", "amp;", "quot;"]
                .iter()
                .any(|e| after.starts_with(e))
                || after
                    .strip_prefix('#')
                    .is_some_and(|n| n.find(';').is_some_and(|j| j > 0));
            if !ok {
                return Some("can't parse entities: unsupported start of entity".into());
            }
            rest = after;
        } else {
            let Some(end) = tail.find('>') else {
                return Some("can't parse entities: unclosed start tag".into());
            };
            let name = tail[1..end]
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or_default();
            if !TAGS.contains(&name) {
                return Some(format!(
                    "can't parse entities: unsupported start tag \"{name}\""
                ));
            }
            rest = &tail[end + 1..];
        }
    }
    None
}

async fn call(
    State(api): State<BotApi>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let params: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return reply(error(400, "Bad Request: invalid JSON")),
        }
    };
    let Some(token) = bot.strip_prefix("bot").map(str::to_owned) else {
        return reply(error(404, "Not Found"));
    };
    if !api.lock().bots.contains_key(&token) {
        return reply(error(401, "Unauthorized"));
    }
    if method == "getUpdates" {
        // Long polling: wait for an update up to `timeout` seconds (capped for tests).
        let wait = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(30));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = api.pushed.notified();
            {
                let mut s = api.lock();
                let offset = params["offset"].as_i64().unwrap_or(0);
                let b = s.bots.get_mut(&token).expect("checked");
                b.updates
                    .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                if !b.updates.is_empty() || tokio::time::Instant::now() >= deadline {
                    break;
                }
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
    let (response, returns) = {
        let mut s = api.lock();
        let problems = spec::check_params(&method, &params);
        let response = if !problems.is_empty() {
            s.violations.extend(problems.iter().cloned());
            if spec::spec()["methods"].get(&method).is_none() {
                error(404, "Not Found")
            } else {
                error(400, &format!("Bad Request: {}", problems[0]))
            }
        } else if let Some(r) = s.scripted.get_mut(&method).and_then(VecDeque::pop_front) {
            r
        } else if let Some(r) = s.always.get(&method) {
            r.clone()
        } else {
            answer(&mut s, &token, &method, &params)
        };
        let returns = spec::spec()["methods"][&method]["returns"][0]
            .as_str()
            .unwrap_or("Boolean")
            .to_owned();
        let bot_id = s.bots[&token].id;
        s.calls.push(Call {
            bot_id,
            method: method.clone(),
            params: params.clone(),
            ok: response["ok"] == true,
            at: Instant::now(),
        });
        (response, returns)
    };
    if response["ok"] == true {
        let problems = spec::check_value(&returns, &response["result"]);
        if !problems.is_empty() {
            api.lock().violations.extend(
                problems
                    .into_iter()
                    .map(|p| format!("double answered {method} badly: {p}")),
            );
        }
    }
    reply(response)
}

fn ok(result: Value) -> Value {
    json!({"ok": true, "result": result})
}

fn answer(s: &mut State_, token: &str, method: &str, p: &Value) -> Value {
    let (bot_id, username) = {
        let b = &s.bots[token];
        (b.id, b.username.clone())
    };
    let me = json!({"id": bot_id, "is_bot": true, "first_name": username, "username": username});
    match method {
        "getMe" => ok(
            json!({"id": bot_id, "is_bot": true, "first_name": username, "username": username,
                              "can_join_groups": true, "can_read_all_group_messages": false,
                              "supports_inline_queries": false}),
        ),
        "sendMessage" => {
            let chat_id = p["chat_id"].as_i64().unwrap_or_default();
            let text = p["text"].as_str().unwrap_or_default();
            if s.blocked.contains(&chat_id) {
                return error(403, "Forbidden: bot was blocked by the user");
            }
            if text.trim().is_empty() {
                return error(400, "Bad Request: message text is empty");
            }
            if text.chars().count() > 4096 {
                return error(400, "Bad Request: message is too long");
            }
            if p["parse_mode"] == "HTML"
                && let Some(problem) = html_problem(text)
            {
                return error(400, &format!("Bad Request: {problem}"));
            }
            s.next_message_id += 1;
            let chat = if chat_id > 0 {
                json!({"id": chat_id, "type": "private", "first_name": "User"})
            } else {
                json!({"id": chat_id, "type": "supergroup", "title": "Group", "is_forum": true})
            };
            let mut msg = json!({"message_id": s.next_message_id, "date": teledesk_ports::now_secs(),
                                 "chat": chat, "from": me, "text": text});
            if let Some(t) = p["message_thread_id"].as_i64() {
                msg["message_thread_id"] = json!(t);
                msg["is_topic_message"] = json!(true);
            }
            ok(msg)
        }
        "getUpdates" => {
            let b = s.bots.get_mut(token).expect("checked");
            if !b.webhook_url.is_empty() {
                return error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                );
            }
            let limit = p["limit"].as_u64().unwrap_or(100) as usize;
            ok(Value::Array(
                b.updates.iter().take(limit).cloned().collect(),
            ))
        }
        "setWebhook" => {
            let b = s.bots.get_mut(token).expect("checked");
            if let Some(secret) = p["secret_token"].as_str()
                && !(1..=256).contains(&secret.len())
            {
                return error(400, "Bad Request: secret token is invalid");
            }
            b.webhook_url = p["url"].as_str().unwrap_or_default().to_owned();
            b.webhook_secret = p["secret_token"].as_str().map(str::to_owned);
            json!({"ok": true, "result": true, "description": "Webhook was set"})
        }
        "deleteWebhook" => {
            let b = s.bots.get_mut(token).expect("checked");
            b.webhook_url.clear();
            b.webhook_secret = None;
            if p["drop_pending_updates"] == true {
                b.updates.clear();
            }
            json!({"ok": true, "result": true, "description": "Webhook was deleted"})
        }
        "getWebhookInfo" => {
            let b = &s.bots[token];
            let mut info = json!({"url": b.webhook_url, "has_custom_certificate": false,
                                  "pending_update_count": b.updates.len()});
            if !b.webhook_url.is_empty() {
                info["max_connections"] = json!(40);
                info["allowed_updates"] = json!(teledesk_telegram::ALLOWED_UPDATES);
            }
            ok(info)
        }
        "setMyCommands" => {
            s.bots.get_mut(token).expect("checked").commands = p["commands"].clone();
            ok(json!(true))
        }
        "getFile" => {
            let id = p["file_id"].as_str().unwrap_or_default();
            match s.files.get(id) {
                Some((path, bytes)) => {
                    ok(json!({"file_id": id, "file_unique_id": format!("u-{id}"),
                                                  "file_size": bytes.len(), "file_path": path}))
                }
                None => error(400, "Bad Request: invalid file_id"),
            }
        }
        other => {
            s.violations
                .push(format!("the test double does not implement {other}"));
            error(
                400,
                &format!("Bad Request: {other} is not implemented by the test double"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::html_problem;

    #[test]
    fn html_is_checked_like_telegram() {
        assert_eq!(html_problem("<b>Hi</b> &lt;3 &amp; &#36;"), None);
        assert!(html_problem("Ann <&> Lee").is_some());
        assert!(html_problem("a < b").is_some());
        assert!(html_problem("<script>x</script>").is_some());
        assert!(html_problem("R&D").is_some());
    }
}
