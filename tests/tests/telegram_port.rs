//! The Telegram port over real HTTP against the Bot API test double: typed errors, file downloads,
//! raw updates of unknown kinds, and no token in any error text.

use serde_json::json;
use teledesk_e2e::bot_api::{self, BotApi};
use teledesk_telegram::{HttpConnector, OutgoingText, TelegramConnector, TelegramError};

async fn setup() -> (
    BotApi,
    String,
    std::sync::Arc<dyn teledesk_telegram::Telegram>,
) {
    let api = BotApi::start().await;
    let token = api.add_bot(55, "port_bot");
    let tg = HttpConnector::new(&api.base_url).connect(&token);
    (api, token, tg)
}

fn text(chat_id: i64) -> OutgoingText {
    OutgoingText {
        chat_id,
        text: "hello".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn typed_errors_from_the_wire() {
    let (api, token, tg) = setup().await;
    api.fail_next("sendMessage", 1, bot_api::too_many_requests(9));
    assert_eq!(
        tg.send_text(&text(1)).await,
        Err(TelegramError::RateLimited { retry_after: 9 })
    );
    api.block_chat(2);
    assert!(matches!(
        tg.send_text(&text(2)).await,
        Err(TelegramError::Forbidden { .. })
    ));
    api.fail_next(
        "sendMessage",
        1,
        bot_api::error(400, "Bad Request: message thread not found"),
    );
    assert_eq!(
        tg.send_text(&text(3)).await,
        Err(TelegramError::ThreadNotFound)
    );
    api.fail_next(
        "sendMessage",
        1,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
               "parameters": {"migrate_to_chat_id": -1001234567890_i64}}),
    );
    assert_eq!(
        tg.send_text(&text(-4)).await,
        Err(TelegramError::Migrated {
            to_chat_id: -1001234567890
        })
    );
    api.fail_next("sendMessage", 1, bot_api::error(502, "Bad Gateway"));
    let e = tg.send_text(&text(5)).await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    let sent = tg.send_text(&text(6)).await.unwrap();
    assert_eq!(sent.chat_id, 6);

    let wrong = HttpConnector::new(&api.base_url).connect("55:not-the-token");
    let e = wrong.get_me().await.unwrap_err();
    assert!(matches!(e, TelegramError::Api { code: 401, .. }), "{e:?}");
    let unreachable = HttpConnector::new("http://127.0.0.1:9").connect(&token);
    let e = unreachable.get_me().await.unwrap_err();
    assert!(matches!(e, TelegramError::Transport(_)));
    assert!(
        !e.to_string().contains(&token),
        "the token leaked into an error: {e}"
    );
    assert!(!format!("{e:?}").contains(token.split_once(':').unwrap().1));
    assert_eq!(api.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn file_download_through_get_file() {
    let (api, _token, tg) = setup().await;
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    api.add_file("AgAD-file", "photos/file_1.jpg", bytes.clone());
    let f = tg.get_file("AgAD-file").await.unwrap();
    assert_eq!(f.file_size, Some(50_000));
    assert_eq!(
        tg.download(f.file_path.as_deref().unwrap()).await.unwrap(),
        bytes
    );
    assert!(matches!(
        tg.get_file("nope").await,
        Err(TelegramError::Api { code: 400, .. })
    ));
    assert!(matches!(
        tg.download("photos/none.jpg").await,
        Err(TelegramError::Api { code: 404, .. })
    ));
}

#[tokio::test]
async fn get_updates_keeps_unknown_kinds_raw() {
    let (api, token, tg) = setup().await;
    api.push_update(
        &token,
        json!({"update_id": 10, "a_kind_from_the_future": {"x": 1}}),
    );
    let got = tg.get_updates(0, 0).await.unwrap();
    assert_eq!(
        got,
        vec![json!({"update_id": 10, "a_kind_from_the_future": {"x": 1}})]
    );
    assert!(
        tg.get_updates(11, 0).await.unwrap().is_empty(),
        "confirmed by the offset"
    );
    tg.set_webhook("https://x.example/telegram/55", "s3cret")
        .await
        .unwrap();
    assert!(matches!(
        tg.get_updates(11, 0).await,
        Err(TelegramError::Api { code: 409, .. })
    ));
    let info = tg.webhook_info().await.unwrap();
    assert_eq!(info.url, "https://x.example/telegram/55");
    tg.delete_webhook(false).await.unwrap();
    assert_eq!(tg.webhook_info().await.unwrap().url, "");
    // The update kind from the future is off the 10.1 spec on purpose: the double says so.
    let off_spec = api.take_violations();
    assert_eq!(off_spec.len(), 1, "{off_spec:?}");
    assert!(
        off_spec[0].contains("a_kind_from_the_future"),
        "{off_spec:?}"
    );
}
