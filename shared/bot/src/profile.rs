//! A user's chat profile, per bot: the language they chose (`/language`), the `language_code`
//! Telegram last gave, and choices capabilities keep for them (`USER#<bot>#<user>` / `PROFILE`,
//! beside their sessions, so the router reads both with one query: [`chat_state`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use teledesk_ports::table::{Condition, Query, SK, SortKey};

use crate::ctx::{Ctx, Res};
use crate::i18n::{Lang, text};
use crate::msg::Msg;
use crate::router::CallbackSpec;
use crate::session::Session;
use crate::{Deps, keys, record};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub bot_id: String,
    pub user_id: i64,
    /// The language the user chose (`en`, `ru`, `uk`); none until they do.
    #[serde(default)]
    pub language: Option<String>,
    /// What Telegram last said of the user's interface language.
    #[serde(default)]
    pub language_code: Option<String>,
    /// Capabilities' per-user choices (`{"listings.currency": "USD"}`).
    #[serde(default)]
    pub choices: Map<String, Value>,
    #[serde(default)]
    pub updated_at: i64,
}

impl Profile {
    /// Their choice, else their Telegram language, else the workspace's.
    pub fn lang_or(&self, workspace: Lang) -> Lang {
        Lang::resolve_or(
            self.language.as_deref(),
            self.language_code.as_deref(),
            workspace,
        )
    }
}

impl record::Record for Profile {
    const KIND: &'static str = "profile";
    fn key(&self) -> (String, String) {
        (
            keys::user_pk(&self.bot_id, self.user_id),
            keys::PROFILE_SK.into(),
        )
    }
}

/// A private chat's state: the user's profile and active session, read with one query.
#[derive(Debug, Default)]
pub struct ChatState {
    pub profile: Option<Profile>,
    pub session: Option<Session>,
}

/// The profile and the session in `chat_id` of a user (one table query).
pub async fn chat_state(deps: &Deps, bot_id: &str, user_id: i64, chat_id: i64) -> Res<ChatState> {
    let page = deps
        .table
        .query(
            &Query::partition(keys::user_pk(bot_id, user_id))
                .sort(SortKey::All)
                .limit(20),
        )
        .await?;
    let mut st = ChatState::default();
    let session_sk = keys::session_sk(chat_id);
    for item in page.items {
        match item.get(SK).and_then(Value::as_str) {
            Some(keys::PROFILE_SK) => st.profile = record::from_item(item).ok(),
            Some(sk) if sk == session_sk => st.session = record::from_item(item).ok(),
            _ => {}
        }
    }
    Ok(st)
}

pub async fn get(deps: &Deps, bot_id: &str, user_id: i64) -> Res<Option<Profile>> {
    let item = deps
        .table
        .get(&keys::user_pk(bot_id, user_id), keys::PROFILE_SK)
        .await?;
    Ok(item.and_then(|i| record::from_item(i).ok()))
}

pub async fn put(deps: &Deps, p: &Profile) -> Res<()> {
    let mut p = p.clone();
    p.updated_at = teledesk_ports::now_secs();
    deps.table.put(record::to_item(&p), Condition::None).await?;
    Ok(())
}

/// The language to write to a user in: their profile's, else the default. For a user other than
/// the update's sender (a customer told of a staff action).
pub async fn lang_of(deps: &Deps, bot_id: &str, user_id: i64) -> Lang {
    match get(deps, bot_id, user_id).await {
        Ok(Some(p)) => p.lang_or(deps.config.language),
        Ok(None) => deps.config.language,
        Err(e) => {
            tracing::warn!(error = %e, "profile not read; the workspace's language");
            deps.config.language
        }
    }
}

/// Keeps Telegram's `language_code` on the profile when it is new or changed (a write only then),
/// so texts to this user from elsewhere (a staff reply's notice) use it.
pub async fn note_language_code(
    ctx: &Ctx<'_>,
    st: &mut ChatState,
    user_id: i64,
    code: Option<&str>,
) -> Res<()> {
    let Some(code) = code else { return Ok(()) };
    if st.profile.as_ref().and_then(|p| p.language_code.as_deref()) == Some(code) {
        return Ok(());
    }
    let mut p = st.profile.clone().unwrap_or_else(|| Profile {
        bot_id: ctx.bot_id().to_owned(),
        user_id,
        ..Profile::default()
    });
    p.language_code = Some(code.to_owned());
    put(ctx.deps, &p).await?;
    st.profile = Some(p);
    Ok(())
}

/// The language buttons: `lang1:<code>`.
pub const CALLBACK: CallbackSpec = CallbackSpec {
    prefix: "lang",
    version: 1,
};

/// `/language` shows a button per language; `/language <code>` sets it at once.
pub async fn on_language(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    let arg = args.trim();
    if arg.is_empty() {
        let buttons: Vec<Value> = Lang::ALL
            .iter()
            .map(|l| {
                json!({"text": text(ctx, &format!("language-name-{}", l.code()), &[]),
                            "callback_data": CALLBACK.data(l.code()).unwrap_or_default()})
            })
            .collect();
        let out = teledesk_telegram::OutgoingText {
            reply_markup: Some(json!({"inline_keyboard": [buttons]})),
            ..teledesk_telegram::OutgoingText::html(
                m.chat_id(),
                None,
                text(ctx, "language-choose", &[]),
            )
        };
        return ctx.send(out).await.map(|_| ());
    }
    let Some(lang) = Lang::from_code(arg).filter(|l| l.code() == arg.to_ascii_lowercase()) else {
        return ctx
            .reply(m, text(ctx, "language-unknown", &[("code", arg.into())]))
            .await;
    };
    set(ctx, m.from_id(), lang).await?;
    ctx.reply(m, crate::i18n::core().format(lang, "language-set", &[]))
        .await
}

/// A language button.
pub async fn on_callback(ctx: &Ctx<'_>, user_id: i64, rest: &str) -> Res<Option<String>> {
    let Some(lang) = Lang::from_code(rest).filter(|l| l.code() == rest) else {
        return Ok(Some(text(ctx, "callback-expired", &[])));
    };
    set(ctx, user_id, lang).await?;
    Ok(Some(crate::i18n::core().format(lang, "language-set", &[])))
}

async fn set(ctx: &Ctx<'_>, user_id: i64, lang: Lang) -> Res<()> {
    let mut p = get(ctx.deps, ctx.bot_id(), user_id)
        .await?
        .unwrap_or_else(|| Profile {
            bot_id: ctx.bot_id().to_owned(),
            user_id,
            ..Profile::default()
        });
    p.language = Some(lang.code().to_owned());
    put(ctx.deps, &p).await?;
    ctx.set_lang(lang);
    Ok(())
}
