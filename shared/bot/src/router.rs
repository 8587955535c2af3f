//! The dispatcher. It knows no capability: each one (the desk, listings, and the ones to come)
//! implements [`Capability`] and says what it handles — commands with their scope, a callback-data
//! prefix, message handlers with a predicate, deep-link payload prefixes, job kinds — and the
//! worker's wiring composes the list ([`Router::new`]). The core answers `/start`, `/help`,
//! `/cancel` and `/language` itself, and the admin chat's `/setup_admin` ([`crate::admin_chat`]).
//!
//! Private chats are arbitrated in one order (docs/architecture.md): a command; then the user's
//! active session; then `/start <payload>` by prefix; then the capabilities' message handlers (the
//! desk takes free text when the workspace has a desk); else the home view.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::batch::Outcome;
use crate::commands::{self, Command};
use crate::ctx::{Ctx, Fail, Res, outcome};
use crate::i18n::{Catalog, Lang};
use crate::msg::Msg;
use crate::session::Session;
use crate::{Deps, profile};

/// Where a command may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Private chats with the bot (customers).
    Private,
    /// Any group the bot is in (the team's groups).
    Group,
    /// The workspace's admin chat (a group).
    AdminChat,
    /// Groups, by internal users (staff).
    Staff,
    /// Groups, by their administrators (`setMyCommands` scope `all_chat_administrators`).
    GroupAdmin,
    /// Everywhere.
    Any,
}

impl Scope {
    /// Whether a command of this scope is handled in a chat of this kind.
    pub fn allows(self, private: bool) -> bool {
        match self {
            Scope::Any => true,
            Scope::Private => private,
            Scope::Group | Scope::AdminChat | Scope::Staff | Scope::GroupAdmin => !private,
        }
    }
}

/// A command a capability handles. `help` is the key of its description in the text catalog.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    pub scope: Scope,
    /// Shown by `/help` and registered with `setMyCommands`.
    pub listed: bool,
    pub help: &'static str,
}

/// Which chats a message handler sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chats {
    Private,
    Groups,
}

/// A message handler: the router offers a message to the first handler whose predicate holds;
/// the handler may still decline it ([`Handled::No`]) and the next one is asked.
#[derive(Clone, Copy)]
pub struct MessageHandler {
    pub name: &'static str,
    pub chats: Chats,
    pub when: fn(&Msg<'_>) -> bool,
}

/// Whether a handler took the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Yes,
    No,
}

/// A job kind a capability runs from the `jobs` queue: per bot (with a [`Ctx`]), or for the
/// workspace (with the dependencies only).
#[derive(Debug, Clone, Copy)]
pub struct JobSpec {
    pub kind: &'static str,
    pub per_bot: bool,
}

/// Callback data: `<prefix><version>:<rest>`, at most 64 bytes (Telegram's limit). The prefix is
/// the capability's (lowercase letters), the version changes when the layout of `rest` does, so an
/// old button is recognised as expired rather than misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackSpec {
    pub prefix: &'static str,
    pub version: u8,
}

/// Telegram's limit on callback data.
pub const MAX_CALLBACK_BYTES: usize = 64;
/// Telegram's limit on a deep-link `/start` payload (`[A-Za-z0-9_-]`).
pub const MAX_START_PAYLOAD: usize = 64;

impl CallbackSpec {
    /// The callback data for `rest`; `None` when it would exceed 64 bytes.
    pub fn data(&self, rest: &str) -> Option<String> {
        let d = format!("{}{}:{rest}", self.prefix, self.version);
        (d.len() <= MAX_CALLBACK_BYTES).then_some(d)
    }
}

/// Splits callback data into (prefix, version, rest); `None` when it is not of our form.
pub fn parse_callback(data: &str) -> Option<(&str, u8, &str)> {
    if data.len() > MAX_CALLBACK_BYTES {
        return None;
    }
    let (head, rest) = data.split_once(':')?;
    let digits = head.find(|c: char| c.is_ascii_digit())?;
    let (prefix, version) = head.split_at(digits);
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some((prefix, version.parse().ok()?, rest))
}

/// A `/start` payload from a deep link, when it is well-formed (1..=64 of `[A-Za-z0-9_-]`).
pub fn start_payload(args: &str) -> Option<&str> {
    let p = args.trim();
    let ok = !p.is_empty()
        && p.len() <= MAX_START_PAYLOAD
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then_some(p)
}

/// A pressed inline button, with its data already split.
pub struct Callback<'a> {
    pub query: &'a Value,
    /// The callback data after `<prefix><version>:`.
    pub rest: &'a str,
}

impl Callback<'_> {
    pub fn from_id(&self) -> i64 {
        self.query["from"]["id"].as_i64().unwrap_or_default()
    }
    /// The message the button is on (absent for inline-mode messages).
    pub fn message(&self) -> Option<Msg<'_>> {
        self.query.get("message").map(Msg)
    }
}

/// What a capability handles. Every method has a default that handles nothing, so a capability
/// implements only what it uses.
#[async_trait]
pub trait Capability: Send + Sync {
    /// A short name for logs and docs (`desk`, `listings`).
    fn name(&self) -> &'static str;

    /// The capability's texts (command descriptions are looked up here).
    fn catalog(&self) -> &'static Catalog;

    fn commands(&self) -> &'static [CommandSpec] {
        &[]
    }
    async fn on_command(&self, _ctx: &Ctx<'_>, _m: &Msg<'_>, _cmd: &Command<'_>) -> Res<()> {
        Ok(())
    }

    fn callback(&self) -> Option<CallbackSpec> {
        None
    }
    /// A button of this capability was pressed; the answer's text (a short toast), or none. The
    /// router answers the query, also when this fails.
    async fn on_callback(&self, _ctx: &Ctx<'_>, _cb: &Callback<'_>) -> Res<Option<String>> {
        Ok(None)
    }

    fn message_handlers(&self) -> &'static [MessageHandler] {
        &[]
    }
    async fn on_message(&self, _ctx: &Ctx<'_>, _handler: &str, _m: &Msg<'_>) -> Res<Handled> {
        Ok(Handled::No)
    }

    /// Deep-link payload prefixes (`t_`, `s_`) this capability answers.
    fn start_prefixes(&self) -> &'static [&'static str] {
        &[]
    }
    /// `/start <prefix><rest>`; [`Handled::No`] shows the home view instead.
    async fn on_start(&self, _ctx: &Ctx<'_>, _m: &Msg<'_>, _payload: &str) -> Res<Handled> {
        Ok(Handled::No)
    }

    /// A message in a conversation session this capability owns. `session.moved_by(ctx)` means
    /// this update already made its transition (it was re-delivered): make none again.
    /// [`Handled::No`] (a finished conversation kept only to recognise re-deliveries) hands the
    /// message on to the rest of the arbitration.
    async fn on_session(&self, _ctx: &Ctx<'_>, _session: &Session, _m: &Msg<'_>) -> Res<Handled> {
        Ok(Handled::Yes)
    }
    /// The user sent `/cancel` during a session of this capability (it is ended after this).
    async fn on_session_cancelled(&self, _ctx: &Ctx<'_>, _session: &Session) -> Res<()> {
        Ok(())
    }

    /// The label of this capability's button on the home view, when the workspace has it enabled.
    async fn home_entry(&self, _ctx: &Ctx<'_>) -> Res<Option<String>> {
        Ok(None)
    }
    /// Its home-view button was pressed: edit that message in place ([`crate::home::edit`]), with
    /// [`crate::home::back_button`] to return.
    async fn on_home_open(&self, _ctx: &Ctx<'_>, _cb: &Callback<'_>) -> Res<Option<String>> {
        Ok(None)
    }

    /// An edited message (every capability is told).
    async fn on_edit(&self, _ctx: &Ctx<'_>, _m: &Msg<'_>) -> Res<()> {
        Ok(())
    }
    /// The bot's own membership changed (`my_chat_member`).
    async fn on_my_chat_member(&self, _ctx: &Ctx<'_>, _change: &Value) -> Res<()> {
        Ok(())
    }
    /// A channel post, new or edited.
    async fn on_channel_post(&self, _ctx: &Ctx<'_>, _post: &Value) -> Res<()> {
        Ok(())
    }
    /// A group became a supergroup: records keyed by the old chat id move.
    async fn on_chat_migrated(&self, _ctx: &Ctx<'_>, _old: i64, _new: i64) -> Res<()> {
        Ok(())
    }
    /// A chat refused the bot (blocked, kicked).
    async fn on_chat_refused(&self, _ctx: &Ctx<'_>, _chat_id: i64, _why: &str) -> Res<()> {
        Ok(())
    }

    fn jobs(&self) -> &'static [JobSpec] {
        &[]
    }
    async fn on_job(&self, _ctx: &Ctx<'_>, kind: &str, _job: &Value) -> Res<()> {
        Err(Fail::Poison(format!("no handler for job kind `{kind}`")))
    }
    async fn on_workspace_job(&self, _deps: &Deps, kind: &str, _job: &Value) -> Outcome {
        Outcome::Poison(format!("no handler for job kind `{kind}`"))
    }
}

/// The composed capabilities, in the order they are asked.
#[derive(Clone, Default)]
pub struct Router {
    caps: Vec<Arc<dyn Capability>>,
}

impl Router {
    /// The router over these capabilities (the core's own, [`crate::admin_chat::AdminChatCapability`],
    /// first). Panics on a clash — two capabilities claiming one command in one scope, one callback
    /// prefix, one deep-link prefix or one job kind — since that is a wiring mistake.
    pub fn new(caps: Vec<Arc<dyn Capability>>) -> Router {
        let mut all: Vec<Arc<dyn Capability>> =
            vec![Arc::new(crate::admin_chat::AdminChatCapability)];
        all.extend(caps);
        let r = Router { caps: all };
        r.check();
        r
    }

    fn check(&self) {
        let mut seen = std::collections::HashSet::new();
        for (cmd, _) in self.described() {
            for private in [true, false] {
                if cmd.scope.allows(private) {
                    assert!(
                        seen.insert(format!("cmd:{}:{private}", cmd.name)),
                        "command /{} claimed twice in one kind of chat",
                        cmd.name
                    );
                }
            }
        }
        for c in &self.caps {
            if let Some(cb) = c.callback() {
                assert!(
                    ![
                        crate::home::CALLBACK.prefix,
                        crate::profile::CALLBACK.prefix
                    ]
                    .contains(&cb.prefix)
                        && seen.insert(format!("cb:{}", cb.prefix)),
                    "callback prefix {} claimed twice",
                    cb.prefix
                );
            }
            for p in c.start_prefixes() {
                assert!(
                    seen.insert(format!("start:{p}")),
                    "start prefix {p} claimed twice"
                );
            }
            for j in c.jobs() {
                assert!(
                    seen.insert(format!("job:{}", j.kind)),
                    "job kind {} claimed twice",
                    j.kind
                );
            }
        }
    }

    pub fn capabilities(&self) -> &[Arc<dyn Capability>] {
        &self.caps
    }

    /// The capability of this name.
    pub fn capability(&self, name: &str) -> Option<&Arc<dyn Capability>> {
        self.caps.iter().find(|c| c.name() == name)
    }

    /// Every command: the core's, then each capability's.
    pub fn commands(&self) -> Vec<CommandSpec> {
        self.described().into_iter().map(|(c, _)| c).collect()
    }

    /// Every command with the catalog its description is in.
    pub fn described(&self) -> Vec<(CommandSpec, &'static Catalog)> {
        let mut v: Vec<(CommandSpec, &'static Catalog)> = commands::CORE
            .iter()
            .map(|c| (*c, crate::i18n::core()))
            .collect();
        for c in &self.caps {
            v.extend(c.commands().iter().map(|s| (*s, c.catalog())));
        }
        v
    }

    /// Whether `name` is a command of any capability (in a group, `/word` that is not ours is
    /// text, synced like any message).
    pub fn is_command(&self, name: &str) -> bool {
        self.commands().iter().any(|c| c.name == name)
    }

    /// Routes one update (raw JSON; the worker has checked its kind).
    pub async fn handle_update(&self, ctx: &Ctx<'_>, update: &Value) -> Outcome {
        let r = if let Some(m) = update.get("message") {
            self.on_message(ctx, &Msg(m)).await
        } else if let Some(m) = update.get("edited_message") {
            let m = Msg(m);
            let mut r = Ok(());
            for c in &self.caps {
                r = c.on_edit(ctx, &m).await;
                if r.is_err() {
                    break;
                }
            }
            r
        } else if let Some(q) = update.get("callback_query") {
            return self.on_callback(ctx, q).await;
        } else if let Some(change) = update.get("my_chat_member") {
            let mut r = Ok(());
            for c in &self.caps {
                r = c.on_my_chat_member(ctx, change).await;
                if r.is_err() {
                    break;
                }
            }
            r
        } else if let Some(p) = update
            .get("channel_post")
            .or(update.get("edited_channel_post"))
        {
            let mut r = Ok(());
            for c in &self.caps {
                r = c.on_channel_post(ctx, p).await;
                if r.is_err() {
                    break;
                }
            }
            r
        } else {
            Ok(())
        };
        outcome(r)
    }

    /// A group became a supergroup: every capability moves its records.
    pub async fn chat_migrated(&self, ctx: &Ctx<'_>, old: i64, new: i64) -> Res<()> {
        for c in &self.caps {
            c.on_chat_migrated(ctx, old, new).await?;
        }
        Ok(())
    }

    /// A chat refused the bot: every capability is told.
    pub async fn chat_refused(&self, ctx: &Ctx<'_>, chat_id: i64, why: &str) -> Res<()> {
        for c in &self.caps {
            c.on_chat_refused(ctx, chat_id, why).await?;
        }
        Ok(())
    }

    async fn on_message(&self, ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
        if let Some(to) = m.migrate_to_chat_id() {
            return self.chat_migrated(ctx, m.chat_id(), to).await;
        }
        if m.from_is_bot() && !m.is_anonymous_admin() {
            return Ok(());
        }
        // A private chat: the user's profile (language) and session, one query.
        let mut session = None;
        if m.is_private() {
            let mut st =
                profile::chat_state(ctx.deps, ctx.bot_id(), m.from_id(), m.chat_id()).await?;
            profile::note_language_code(ctx, &mut st, m.from_id(), m.from_language_code()).await?;
            ctx.set_lang(
                st.profile
                    .as_ref()
                    .map_or(ctx.workspace_lang(), |p| p.lang_or(ctx.workspace_lang())),
            );
            session = st.session;
        } else {
            ctx.set_lang(Lang::resolve_or(
                None,
                m.from_language_code(),
                ctx.workspace_lang(),
            ));
        }
        // 1. A command.
        if let Some(cmd) = m.text().and_then(commands::parse) {
            if let Some(to) = cmd.addressee
                && !to.eq_ignore_ascii_case(&ctx.bot.username)
            {
                return Ok(()); // a command for another bot in the group
            }
            // In a group, `/word` that is not ours and not addressed to us is just text ("/reset
            // your password…"): it is synced like any message.
            if m.is_private() || cmd.addressee.is_some() || self.is_command(&cmd.name) {
                return self.on_command(ctx, m, &cmd).await;
            }
        }
        // 2. The active session.
        if let Some(s) = session {
            match self.capability(&s.capability) {
                Some(c) => {
                    if c.on_session(ctx, &s, m).await? == Handled::Yes {
                        return Ok(());
                    }
                }
                None => {
                    tracing::warn!(capability = %s.capability, "session of a capability this build lacks; ended");
                    crate::session::end(ctx.deps, &s).await?;
                }
            }
        }
        // 3. (`/start <payload>` is a command, above.) 4. The capabilities' message handlers.
        let chats = if m.is_private() {
            Chats::Private
        } else {
            Chats::Groups
        };
        for c in &self.caps {
            for h in c.message_handlers() {
                if h.chats == chats
                    && (h.when)(m)
                    && c.on_message(ctx, h.name, m).await? == Handled::Yes
                {
                    return Ok(());
                }
            }
        }
        if m.is_private() {
            return crate::home::show(ctx, self, m).await;
        }
        Ok(())
    }

    async fn on_command(&self, ctx: &Ctx<'_>, m: &Msg<'_>, cmd: &Command<'_>) -> Res<()> {
        let private = m.is_private();
        if let Some(core) = commands::CORE.iter().find(|c| c.name == cmd.name)
            && core.scope.allows(private)
        {
            return self.core_command(ctx, m, cmd).await;
        }
        for c in &self.caps {
            if let Some(spec) = c
                .commands()
                .iter()
                .find(|s| s.name == cmd.name && s.scope.allows(private))
            {
                tracing::debug!(capability = c.name(), command = spec.name, "command");
                return c.on_command(ctx, m, cmd).await;
            }
        }
        let elsewhere = self.commands().into_iter().find(|s| s.name == cmd.name);
        match elsewhere {
            Some(_) if private => ctx.reply(m, commands::group_only(ctx, &cmd.name)).await,
            Some(_) if cmd.addressee.is_some() => {
                ctx.reply(m, commands::private_only(ctx, &cmd.name)).await
            }
            Some(_) => Ok(()),
            None if private || cmd.addressee.is_some() => {
                ctx.reply(m, commands::unknown(ctx, &cmd.name)).await
            }
            None => Ok(()), // unknown and not addressed to us: maybe another bot's
        }
    }

    async fn core_command(&self, ctx: &Ctx<'_>, m: &Msg<'_>, cmd: &Command<'_>) -> Res<()> {
        match cmd.name.as_str() {
            "start" => {
                if let Some(payload) = start_payload(cmd.args) {
                    for c in &self.caps {
                        if c.start_prefixes().iter().any(|p| payload.starts_with(p))
                            && c.on_start(ctx, m, payload).await? == Handled::Yes
                        {
                            return Ok(());
                        }
                    }
                }
                crate::home::show(ctx, self, m).await
            }
            "help" => ctx.reply(m, crate::home::help(ctx, self, m).await?).await,
            "cancel" => crate::session::cancel(ctx, m).await,
            "language" => crate::profile::on_language(ctx, m, cmd.args).await,
            _ => Ok(()),
        }
    }

    async fn on_callback(&self, ctx: &Ctx<'_>, q: &Value) -> Outcome {
        let id = q["id"].as_str().unwrap_or_default();
        let data = q["data"].as_str().unwrap_or_default();
        let parsed = parse_callback(data);
        let found = parsed.and_then(|(prefix, version, rest)| {
            self.caps
                .iter()
                .find(|c| {
                    c.callback()
                        .is_some_and(|s| s.prefix == prefix && s.version == version)
                })
                .map(|c| (c, rest))
        });
        let core = |spec: CallbackSpec| {
            parsed
                .filter(|(p, v, _)| *p == spec.prefix && *v == spec.version)
                .map(|(_, _, r)| r)
        };
        let user = q["from"]["id"].as_i64().unwrap_or_default();
        let private = q["message"]["chat"]["type"] == "private";
        let code = q["from"]["language_code"].as_str();
        if private {
            let lang = match profile::get(ctx.deps, ctx.bot_id(), user).await {
                Ok(p) => p.map_or(Lang::resolve(None, code), |p| {
                    Lang::resolve(p.language.as_deref(), p.language_code.as_deref().or(code))
                }),
                Err(_) => Lang::resolve(None, code),
            };
            ctx.set_lang(lang);
        } else {
            ctx.set_lang(Lang::resolve(None, code));
        }
        let r = match (found, core(crate::home::CALLBACK), core(profile::CALLBACK)) {
            (Some((c, rest)), _, _) => c.on_callback(ctx, &Callback { query: q, rest }).await,
            (None, Some(rest), _) => {
                crate::home::on_callback(ctx, self, &Callback { query: q, rest }).await
            }
            (None, None, Some(rest)) => profile::on_callback(ctx, user, rest).await,
            (None, None, None) => {
                tracing::info!("stale, unknown or forged callback answered as expired");
                Ok(Some(crate::i18n::text(ctx, "callback-expired", &[])))
            }
        };
        // Every query is answered, on errors too, so the client never spins. A retried update
        // answers again: Telegram refuses that answer (the query is old), which is ignored.
        let text = match &r {
            Ok(t) => t.clone(),
            Err(_) => Some(crate::i18n::text(ctx, "callback-failed", &[])),
        };
        if let Err(e) = ctx.tg.answer_callback_query(id, text.as_deref()).await {
            tracing::info!(error = %e, "callback query not answered (answered before, or too old)");
        }
        outcome(r.map(|_| ()))
    }

    /// Runs a job of the `jobs` queue by its kind, or `None` when no capability has that kind.
    pub fn job(&self, kind: &str) -> Option<(&Arc<dyn Capability>, JobSpec)> {
        self.caps
            .iter()
            .find_map(|c| c.jobs().iter().find(|j| j.kind == kind).map(|j| (c, *j)))
    }
}
