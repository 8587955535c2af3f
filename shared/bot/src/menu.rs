//! The bot's command menus (`setMyCommands`), derived from the registered commands: customer
//! commands for `all_private_chats`, the team's for `all_group_chats`, group administrators' for
//! `all_chat_administrators`, and the admin chat's for that chat (`chat` scope), each in en, ru and
//! uk (`language_code`) plus the default (English). Set by `serve` at start and by
//! `teledesk webhook set`; [`get`] reads back what Telegram holds (`teledesk bots commands`).

use serde_json::{Value, json};
use teledesk_telegram::{Telegram, TelegramError};

use crate::i18n::Lang;
use crate::router::{Router, Scope};

/// Telegram's limits: 100 commands, 1..=256 characters of description.
const MAX_COMMANDS: usize = 100;
const MAX_DESCRIPTION: usize = 256;

/// The menu scopes: (Bot API `BotCommandScope`, the command scopes listed there).
pub fn scopes(admin_chat: Option<i64>) -> Vec<(Value, Vec<Scope>)> {
    let mut v = vec![
        (
            json!({"type": "all_private_chats"}),
            vec![Scope::Any, Scope::Private],
        ),
        (
            json!({"type": "all_group_chats"}),
            vec![Scope::Any, Scope::Group, Scope::Staff],
        ),
        (
            json!({"type": "all_chat_administrators"}),
            vec![Scope::Any, Scope::Group, Scope::Staff, Scope::GroupAdmin],
        ),
    ];
    if let Some(chat) = admin_chat {
        v.push((
            json!({"type": "chat", "chat_id": chat}),
            vec![
                Scope::Any,
                Scope::Group,
                Scope::Staff,
                Scope::GroupAdmin,
                Scope::AdminChat,
            ],
        ));
    }
    v
}

/// The languages menus are set in: `None` is the default (English) for every other language.
pub const LANGUAGES: [Option<Lang>; 4] = [None, Some(Lang::En), Some(Lang::Ru), Some(Lang::Uk)];

/// The `commands` of one menu.
pub fn commands_for(router: &Router, scopes: &[Scope], lang: Lang) -> Vec<Value> {
    router
        .described()
        .into_iter()
        .filter(|(c, _)| c.listed && scopes.contains(&c.scope))
        .map(|(c, cat)| {
            let d: String = cat
                .format(lang, c.help, &[])
                .chars()
                .take(MAX_DESCRIPTION)
                .collect();
            json!({"command": c.name, "description": d})
        })
        .take(MAX_COMMANDS)
        .collect()
}

/// Sets every menu (3 scopes, or 4 with an admin chat, × 4 languages); the default menus (for
/// users of other languages) in the workspace's language.
pub async fn set(
    tg: &dyn Telegram,
    router: &Router,
    admin_chat: Option<i64>,
    workspace: Lang,
) -> Result<usize, TelegramError> {
    let mut n = 0;
    for (scope, listed) in scopes(admin_chat) {
        for lang in LANGUAGES {
            let mut p = json!({"commands": commands_for(router, &listed, lang.unwrap_or(workspace)), "scope": scope});
            if let Some(l) = lang {
                p["language_code"] = json!(l.code());
            }
            tg.call("setMyCommands", p).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// What Telegram holds, menu by menu: `[{scope, language_code, commands}]`.
pub async fn get(tg: &dyn Telegram, admin_chat: Option<i64>) -> Result<Vec<Value>, TelegramError> {
    let mut out = Vec::new();
    for (scope, _) in scopes(admin_chat) {
        for lang in LANGUAGES {
            let mut p = json!({"scope": scope});
            if let Some(l) = lang {
                p["language_code"] = json!(l.code());
            }
            let commands = tg.call("getMyCommands", p).await?;
            out.push(json!({"scope": scope, "language_code": lang.map(Lang::code), "commands": commands}));
        }
    }
    Ok(out)
}
