//! The workspace's admin chat: where operators are told what needs them (a webhook endpoint
//! disabled, and later a channel source failing). A group administrator sends `/setup_admin` in a
//! group to make it the admin chat of the bot's workspace (`WS#<workspace>` / `ADMIN_CHAT`).
//!
//! Notices go through the `jobs` queue (`admin.notice`), so that Telegram's flood control and
//! outages are retried from the queue like any other send, never dropped.

use serde_json::{Value, json};
use teledesk_ports::queue::QueueError;
use teledesk_ports::table::{self, Condition, Item, PK, SK, TableError};

use async_trait::async_trait;

use crate::commands::Command;
use crate::ctx::{Ctx, Fail, Res};
use crate::i18n::{Catalog, text};
use crate::msg::Msg;
use crate::router::{Capability, CommandSpec, JobSpec, Scope};
use crate::{Deps, setup_codes};

pub const JOB_NOTICE: &str = "admin.notice";
const ADMIN_CHAT_SK: &str = "ADMIN_CHAT";

use crate::keys::workspace_pk;

/// The core's own capability: `/setup_admin` and the `admin.notice` job.
pub struct AdminChatCapability;

#[async_trait]
impl Capability for AdminChatCapability {
    fn name(&self) -> &'static str {
        "admin_chat"
    }
    fn catalog(&self) -> &'static Catalog {
        crate::i18n::core()
    }
    fn commands(&self) -> &'static [CommandSpec] {
        &[CommandSpec {
            name: "setup_admin",
            scope: Scope::GroupAdmin,
            listed: true,
            help: "cmd-setup-admin",
        }]
    }
    async fn on_command(&self, ctx: &Ctx<'_>, m: &Msg<'_>, cmd: &Command<'_>) -> Res<()> {
        on_setup_admin(ctx, m, cmd.args).await
    }
    fn jobs(&self) -> &'static [JobSpec] {
        &[JobSpec {
            kind: JOB_NOTICE,
            per_bot: true,
        }]
    }
    async fn on_job(&self, ctx: &Ctx<'_>, _kind: &str, job: &Value) -> Res<()> {
        run_notice(ctx, job).await
    }
}

/// The admin chat of a workspace: the bot that speaks there and the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminChat {
    pub bot_id: String,
    pub chat_id: i64,
}

pub async fn get(deps: &Deps, workspace: &str) -> Result<Option<AdminChat>, TableError> {
    let item = deps
        .table
        .get(&workspace_pk(workspace), ADMIN_CHAT_SK)
        .await?;
    Ok(item.and_then(|i| {
        Some(AdminChat {
            bot_id: table::str_attr(&i, "bot_id")?.to_owned(),
            chat_id: table::int_attr(&i, "chat_id")?,
        })
    }))
}

pub async fn set(
    deps: &Deps,
    workspace: &str,
    chat: &AdminChat,
    set_by: i64,
) -> Result<(), TableError> {
    let mut item = Item::new();
    item.insert(PK.into(), json!(workspace_pk(workspace)));
    item.insert(SK.into(), json!(ADMIN_CHAT_SK));
    item.insert("bot_id".into(), json!(chat.bot_id));
    item.insert("chat_id".into(), json!(chat.chat_id));
    item.insert("set_by".into(), json!(set_by));
    item.insert("set_at".into(), json!(teledesk_ports::now_secs()));
    deps.table.put(item, Condition::None).await
}

/// Whether `chat` is the workspace's admin chat.
pub async fn is_admin_chat(deps: &Deps, workspace: &str, chat: i64) -> Result<bool, TableError> {
    Ok(get(deps, workspace)
        .await?
        .is_some_and(|a| a.chat_id == chat))
}

/// Queues a notice (HTML) to the workspace's admin chat; false when none is set. The `jobs` queue
/// delivers at least once; the job's journal sends it once.
pub async fn notify(deps: &Deps, workspace: &str, html: &str) -> Result<bool, NotifyError> {
    let Some(chat) = get(deps, workspace).await? else {
        return Ok(false);
    };
    queue_notice(deps, &chat.bot_id, chat.chat_id, html).await?;
    Ok(true)
}

/// Queues an HTML notice to any chat of a bot (an `admin.notice` job).
pub async fn queue_notice(
    deps: &Deps,
    bot_id: &str,
    chat_id: i64,
    html: &str,
) -> Result<(), QueueError> {
    let job = json!({"kind": JOB_NOTICE, "bot_id": bot_id, "chat_id": chat_id, "text": html});
    crate::jobs::queue(deps, job).await
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// The `admin.notice` job: send the text to the chat.
pub async fn run_notice(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let (Some(chat_id), Some(text)) = (job["chat_id"].as_i64(), job["text"].as_str()) else {
        return Err(Fail::Poison("admin.notice needs chat_id and text".into()));
    };
    // Once per job: a re-delivered job does not post again.
    ctx.once(&format!("notice#{chat_id}"), || async {
        ctx.send(teledesk_telegram::OutgoingText::html(chat_id, None, text))
            .await
            .map(|_| ())
    })
    .await
}

/// `/setup_admin [code]`: a group administrator with authority over the workspace (an admin staff
/// member, or the operator's one-time setup code) makes this group the workspace's admin chat. An
/// admin chat it replaces is told.
pub async fn on_setup_admin(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    if !ctx.is_group_admin(m).await? {
        return ctx.reply(m, text(ctx, "admin-chat-not-admin", &[])).await;
    }
    let how = match setup_codes::authorize(ctx, m, setup_codes::Purpose::AdminChat, args).await? {
        Ok(how) => how,
        Err(refusal) => return ctx.reply(m, refusal).await,
    };
    let chat = AdminChat {
        bot_id: ctx.bot_id().to_owned(),
        chat_id: m.chat_id(),
    };
    if let Some(old) = get(ctx.deps, &ctx.bot.workspace).await?
        && old != chat
    {
        let notice = crate::i18n::core().format(
            ctx.workspace_lang(),
            "admin-chat-replaced",
            &[
                ("workspace", ctx.workspace().into()),
                ("title", m.chat_title().into()),
            ],
        );
        ctx.once(&format!("old-admin-chat#{}", old.chat_id), || async {
            queue_notice(ctx.deps, &old.bot_id, old.chat_id, &notice).await?;
            Ok(())
        })
        .await?;
    }
    set(ctx.deps, &ctx.bot.workspace, &chat, m.from_id()).await?;
    tracing::info!(chat_id = chat.chat_id, authority = ?how, "admin chat set");
    ctx.reply(
        m,
        text(
            ctx,
            "admin-chat-set",
            &[("workspace", ctx.workspace().into())],
        ),
    )
    .await
}
