//! The catalog's bot commands, answered only in the workspace's admin chat ([`crate::admin_chat`])
//! and only for its administrators: `/sources`, `/sync <id>`, `/parse_range <id> <from> <to>`,
//! `/dry_run <id>`. Runs are `channel.sync` jobs; the job tells the admin chat how it went.

use super::sync::{self, Mode};
use super::{SourceKind, get_source, sources_page};

/// How many sources `/sources` lists in one message.
const SOURCES_SHOWN: usize = 20;
use crate::html::escape;
use teledesk_bot::ctx::{Ctx, Res};
use teledesk_bot::msg::Msg;

pub async fn on_command(ctx: &Ctx<'_>, m: &Msg<'_>, name: &str, args: &str) -> Res<()> {
    let workspace = ctx.bot.workspace.clone();
    let admin_chat = crate::admin_chat::get(ctx.deps, &workspace).await?;
    if admin_chat.is_none_or(|a| a.chat_id != m.chat_id() || a.bot_id != ctx.bot_id()) {
        return ctx
            .reply(
                m,
                format!(
                    "/{} works in the admin chat only (a group administrator sets it with /setup_admin).",
                    escape(name)
                ),
            )
            .await;
    }
    if !ctx.is_group_admin(m).await? {
        return ctx
            .reply(
                m,
                "Only an administrator of this group can run catalog commands.".into(),
            )
            .await;
    }
    let mut words = args.split_whitespace();
    if name == "sources" {
        let (list, more) = sources_page(ctx.deps, &workspace, SOURCES_SHOWN, None).await?;
        let text = if list.is_empty() {
            "No channel sources yet: add one with <code>teledesk channel-sources add</code> or POST /api/v1/channel-sources.".to_owned()
        } else {
            let mut t = String::from("<b>Channel sources</b>\n");
            for s in list {
                t.push_str(&format!(
                    "<code>{}</code> @{} · {} · cursor {} · {}{}\n",
                    escape(&s.id),
                    escape(&s.channel),
                    if s.enabled { "on" } else { "off" },
                    s.cursor,
                    escape(&s.status),
                    s.last_error
                        .map(|e| format!(" ({})", escape(&e)))
                        .unwrap_or_default()
                ));
            }
            if more.is_some() {
                t.push_str("… and more: <code>teledesk channel-sources list</code> or GET /api/v1/channel-sources.\n");
            }
            t
        };
        return ctx.reply(m, text).await;
    }
    let Some(id) = words.next() else {
        return ctx
            .reply(
                m,
                format!("Usage: /{} &lt;source id&gt; (see /sources)", escape(name)),
            )
            .await;
    };
    let Some(source) = get_source(ctx.deps, &workspace, id).await? else {
        return ctx
            .reply(
                m,
                format!(
                    "No channel source <code>{}</code> (see /sources).",
                    escape(id)
                ),
            )
            .await;
    };
    if source.kind != SourceKind::Preview {
        return ctx
            .reply(
                m,
                "That source is fed by the bot's channel posts; there is nothing to sync.".into(),
            )
            .await;
    }
    let mode = match name {
        "sync" => Mode::Latest,
        "dry_run" => Mode::DryRun,
        _ => {
            let (from, to) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let Some(range) = Mode::days(from, to) else {
                return ctx
                    .reply(
                        m,
                        "Usage: /parse_range &lt;source id&gt; &lt;YYYY-MM-DD&gt; &lt;YYYY-MM-DD&gt; (from, then to)".into(),
                    )
                    .await;
            };
            range
        }
    };
    sync::queue(ctx.deps, &source, &mode, true).await?;
    ctx.reply(
        m,
        format!(
            "Queued: {} of @{}. I will post the result here.",
            escape(name),
            escape(&source.channel)
        ),
    )
    .await
}

/// What a run did, for the admin chat.
pub fn summary(source: &super::ChannelSource, r: &super::sync::RunReport) -> String {
    let c = &r.counts;
    let mut t = format!(
        "<b>{}</b> of @{}: {}. New {}, updated {}, duplicates {}, not listings {}, failed {}, pages {}, cursor {}.",
        escape(&r.mode),
        escape(&source.channel),
        escape(&r.status),
        c.new,
        c.updated,
        c.duplicate,
        c.skipped,
        c.failed,
        c.pages,
        r.cursor
    );
    if let Some(e) = &r.error {
        t.push_str(&format!("\n{}", escape(e)));
    }
    for w in &r.warnings {
        t.push_str(&format!("\n⚠️ {}", escape(w)));
    }
    if r.more {
        t.push_str("\nOut of time for this run: it continues in the background.");
    }
    for w in r.would_store.iter().take(5) {
        let l = &w["listing"];
        t.push_str(&format!(
            "\n• {} — {} {}",
            escape(l["title"].as_str().unwrap_or("(no title)")),
            l["price"]
                .as_f64()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            escape(l["currency"].as_str().unwrap_or_default())
        ));
    }
    t
}
