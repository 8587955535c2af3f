//! The home view: `/start` without payload (and any private message no one takes) shows a
//! greeting with a button per capability the workspace has enabled. Opening a capability edits
//! that same message in place, and its Back button edits it back, so the chat does not fill with
//! menus. Also `/help`: the commands the person may use where they are, in their language.

use serde_json::{Value, json};
use teledesk_telegram::{OutgoingText, TelegramError};

use crate::ctx::{Ctx, Res};
use crate::i18n::text;
use crate::msg::Msg;
use crate::router::{Callback, CallbackSpec, Router, Scope};

/// Home-view buttons: `home1:o:<capability>` opens one, `home1:b` comes back.
pub const CALLBACK: CallbackSpec = CallbackSpec {
    prefix: "home",
    version: 1,
};

/// The home view's text and keyboard.
pub async fn view(ctx: &Ctx<'_>, router: &Router, first_name: &str) -> Res<(String, Value)> {
    let mut rows = Vec::new();
    for c in router.capabilities() {
        if let Some(label) = c.home_entry(ctx).await?
            && let Some(data) = CALLBACK.data(&format!("o:{}", c.name()))
        {
            rows.push(json!([{"text": label, "callback_data": data}]));
        }
    }
    let key = if rows.is_empty() {
        "home-empty"
    } else {
        "home-greeting"
    };
    Ok((
        text(ctx, key, &[("name", first_name.into())]),
        json!({"inline_keyboard": rows}),
    ))
}

/// Sends the home view as a new message.
pub async fn show(ctx: &Ctx<'_>, router: &Router, m: &Msg<'_>) -> Res<()> {
    let (html, keyboard) = view(ctx, router, m.from_first_name()).await?;
    let out = OutgoingText {
        reply_markup: Some(keyboard),
        ..OutgoingText::html(m.chat_id(), None, html)
    };
    ctx.send(out).await.map(|_| ())
}

/// A home-view button.
pub async fn on_callback(ctx: &Ctx<'_>, router: &Router, cb: &Callback<'_>) -> Res<Option<String>> {
    let Some(msg) = cb.message() else {
        return Ok(Some(text(ctx, "callback-expired", &[])));
    };
    if cb.rest == "b" {
        let first = cb.query["from"]["first_name"].as_str().unwrap_or_default();
        let (html, keyboard) = view(ctx, router, first).await?;
        edit(ctx, msg.chat_id(), msg.message_id(), &html, keyboard).await?;
        return Ok(None);
    }
    let cap = cb
        .rest
        .strip_prefix("o:")
        .and_then(|n| router.capability(n));
    match cap {
        Some(c) if c.home_entry(ctx).await?.is_some() => c.on_home_open(ctx, cb).await,
        _ => Ok(Some(text(ctx, "callback-expired", &[]))),
    }
}

/// The Back button of a view opened from the home view.
pub fn back_button(ctx: &Ctx<'_>) -> Value {
    json!({"text": text(ctx, "home-back", &[]), "callback_data": CALLBACK.data("b").unwrap_or_default()})
}

/// Edits a message in place (HTML), with a keyboard; the same content counts as done.
pub async fn edit(
    ctx: &Ctx<'_>,
    chat_id: i64,
    message_id: i32,
    html: &str,
    keyboard: Value,
) -> Res<()> {
    let params = json!({"chat_id": chat_id, "message_id": message_id, "text": html,
                        "parse_mode": "HTML", "reply_markup": keyboard,
                        "link_preview_options": {"is_disabled": true}});
    match ctx.tg.call("editMessageText", params).await {
        Ok(_) | Err(TelegramError::NotModified) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Which scopes' commands a person sees where they are.
pub fn scopes_for(private: bool, admin_chat: bool) -> Vec<Scope> {
    if private {
        vec![Scope::Any, Scope::Private]
    } else {
        let mut v = vec![Scope::Any, Scope::Group, Scope::GroupAdmin, Scope::Staff];
        if admin_chat {
            v.push(Scope::AdminChat);
        }
        v
    }
}

/// `/help`: the listed commands usable in this chat, with their descriptions in the reader's
/// language.
pub async fn help(ctx: &Ctx<'_>, router: &Router, m: &Msg<'_>) -> Res<String> {
    let admin_chat = !m.is_private()
        && crate::admin_chat::is_admin_chat(ctx.deps, ctx.workspace(), m.chat_id()).await?;
    let scopes = scopes_for(m.is_private(), admin_chat);
    let mut s = text(ctx, "help-title", &[]);
    s.push('\n');
    for (c, catalog) in router.described() {
        if c.listed && scopes.contains(&c.scope) {
            // Descriptions are plain text (setMyCommands takes them so too): escaped here.
            let d = crate::html::escape(&catalog.format(ctx.lang(), c.help, &[]));
            s.push_str(&format!("/{} — {d}\n", c.name));
        }
    }
    Ok(s)
}
