//! The support desk: groups and desks ([`groups`]), tickets on forum topics ([`tickets`]),
//! private-chat support ([`support`]), conversation endpoints and their links ([`endpoints`]),
//! message sync across linked endpoints ([`relay`]), `/mention` ([`mention`]) and attachments
//! ([`attachments`]). [`Desk`] is what it registers with the router.
//!
//! Every handler is written to run more than once: each Telegram side effect is recorded (a copy
//! record, a ticket's topic id, a journal entry) before the next, and a re-run skips what is
//! recorded. Flows are described in docs/architecture.md.

pub mod attachments;
pub mod endpoints;
pub mod groups;
pub mod mention;
pub mod relay;
pub mod support;
pub mod texts;
pub mod tickets;

use async_trait::async_trait;
use serde_json::Value;
use teledesk_bot::commands::Command;
use teledesk_bot::i18n::Catalog;
use teledesk_bot::msg::Msg;
use teledesk_bot::router::{
    Callback, CallbackSpec, Capability, Chats, CommandSpec, Handled, JobSpec, MessageHandler, Scope,
};

pub use teledesk_bot::ctx::{
    Ctx, DEFAULT_WORKSPACE, Fail, JOURNAL_TTL_SECS, ONCE_LEASE_SECS, Res, op_number, outcome,
};
#[allow(unused_imports)]
use teledesk_bot::{Deps, admin_chat, events, html, jobs, keys, setup_codes};
pub use teledesk_bot::{msg, staff};

/// The support desk, as the router sees it.
pub struct Desk;

const fn cmd(name: &'static str, scope: Scope, help: &'static str) -> CommandSpec {
    CommandSpec {
        name,
        scope,
        listed: true,
        help,
    }
}

const COMMANDS: &[CommandSpec] = &[
    cmd("start", Scope::Group, "cmd-start-group"),
    cmd("setup_desk", Scope::GroupAdmin, "cmd-setup-desk"),
    cmd("create_ticket", Scope::Group, "cmd-create-ticket"),
    cmd("close_ticket", Scope::Group, "cmd-close-ticket"),
    cmd("reopen_ticket", Scope::Group, "cmd-reopen-ticket"),
    cmd("priority", Scope::Group, "cmd-priority"),
    cmd("mention", Scope::Staff, "cmd-mention"),
    cmd("link", Scope::Group, "cmd-link"),
    cmd("unlink", Scope::Group, "cmd-unlink"),
    cmd("links", Scope::Group, "cmd-links"),
];

fn any_message(_: &Msg<'_>) -> bool {
    true
}

const HANDLERS: &[MessageHandler] = &[
    MessageHandler {
        name: "support",
        chats: Chats::Private,
        when: any_message,
    },
    MessageHandler {
        name: "relay",
        chats: Chats::Groups,
        when: any_message,
    },
];

#[async_trait]
impl Capability for Desk {
    fn name(&self) -> &'static str {
        "desk"
    }
    fn catalog(&self) -> &'static Catalog {
        texts::catalog()
    }
    fn commands(&self) -> &'static [CommandSpec] {
        COMMANDS
    }
    async fn on_command(&self, ctx: &Ctx<'_>, m: &Msg<'_>, cmd: &Command<'_>) -> Res<()> {
        match cmd.name.as_str() {
            "start" => groups::on_start(ctx, m).await,
            "setup_desk" => groups::on_setup_desk(ctx, m, cmd.args).await,
            "create_ticket" => tickets::on_create(ctx, m, cmd.args).await,
            "close_ticket" => tickets::on_close(ctx, m).await,
            "reopen_ticket" => tickets::on_reopen(ctx, m).await,
            "priority" => tickets::on_priority(ctx, m, cmd.args).await,
            "mention" => mention::on_mention(ctx, m, cmd.args).await,
            "link" => endpoints::on_link(ctx, m, cmd.args).await,
            "unlink" => endpoints::on_unlink(ctx, m, cmd.args).await,
            "links" => endpoints::on_links(ctx, m).await,
            _ => Ok(()),
        }
    }
    fn callback(&self) -> Option<CallbackSpec> {
        Some(mention::CALLBACK)
    }
    async fn on_callback(&self, ctx: &Ctx<'_>, cb: &Callback<'_>) -> Res<Option<String>> {
        mention::on_callback(ctx, cb).await
    }
    fn message_handlers(&self) -> &'static [MessageHandler] {
        HANDLERS
    }
    async fn on_message(&self, ctx: &Ctx<'_>, handler: &str, m: &Msg<'_>) -> Res<Handled> {
        match handler {
            // Free text in private chat is support when the workspace has a desk.
            "support" => support::on_private_message(ctx, m).await,
            _ => {
                relay::on_group_message(ctx, m).await?;
                Ok(Handled::Yes)
            }
        }
    }
    fn start_prefixes(&self) -> &'static [&'static str] {
        &["t_"]
    }
    async fn on_start(&self, ctx: &Ctx<'_>, m: &Msg<'_>, payload: &str) -> Res<Handled> {
        support::on_start_ticket(ctx, m, payload).await
    }
    async fn home_entry(&self, ctx: &Ctx<'_>) -> Res<Option<String>> {
        Ok(groups::desk(ctx.deps, ctx.bot_id())
            .await?
            .map(|_| texts::t(ctx, "home-contact-support", &[])))
    }
    async fn on_home_open(&self, ctx: &Ctx<'_>, cb: &Callback<'_>) -> Res<Option<String>> {
        if let Some(m) = cb.message() {
            let keyboard =
                serde_json::json!({"inline_keyboard": [[teledesk_bot::home::back_button(ctx)]]});
            teledesk_bot::home::edit(
                ctx,
                m.chat_id(),
                m.message_id(),
                &texts::t(ctx, "support-prompt", &[]),
                keyboard,
            )
            .await?;
        }
        Ok(None)
    }
    async fn on_edit(&self, ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
        relay::on_edit(ctx, m).await
    }
    async fn on_my_chat_member(&self, ctx: &Ctx<'_>, change: &Value) -> Res<()> {
        groups::on_my_chat_member(ctx, change).await
    }
    async fn on_chat_migrated(&self, ctx: &Ctx<'_>, old: i64, new: i64) -> Res<()> {
        groups::migrate(ctx, old, new).await
    }
    async fn on_chat_refused(&self, ctx: &Ctx<'_>, chat_id: i64, why: &str) -> Res<()> {
        groups::chat_refused(ctx, chat_id, why).await
    }
    fn jobs(&self) -> &'static [JobSpec] {
        &[
            JobSpec {
                kind: attachments::JOB_FETCH,
                per_bot: true,
            },
            JobSpec {
                kind: relay::JOB_ALBUM,
                per_bot: true,
            },
        ]
    }
    async fn on_job(&self, ctx: &Ctx<'_>, kind: &str, job: &Value) -> Res<()> {
        match kind {
            attachments::JOB_FETCH => attachments::run_fetch(ctx, job).await,
            _ => relay::run_album_job(ctx, job).await,
        }
    }
}
