//! The catalog's bot commands, answered only in the workspace's admin chat ([`crate::admin_chat`])
//! and only for its administrators: `/sources`, `/sync <id>`, `/parse_range <id> <from> <to>`,
//! `/dry_run <id>`. Runs are `channel.sync` jobs; the job tells the admin chat how it went.

use serde_json::json;
use teledesk_ports::queue::{JOBS, OutMessage};

use super::{SourceKind, get_source, list_sources};
use crate::desk::msg::Msg;
use crate::desk::{Ctx, Res};
use crate::html::escape;

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
        let list = list_sources(ctx.deps, &workspace).await?;
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
        "sync" => json!({"kind": "latest"}),
        "dry_run" => json!({"kind": "dry_run"}),
        _ => {
            let dates: Vec<Option<i64>> = words.take(2).map(parse_date).collect();
            match dates.as_slice() {
                [Some(from), Some(to)] if from <= to => {
                    json!({"kind": "range", "from": from, "to": to + 86_399})
                }
                _ => {
                    return ctx
                        .reply(
                            m,
                            "Usage: /parse_range &lt;source id&gt; &lt;YYYY-MM-DD&gt; &lt;YYYY-MM-DD&gt; (from, then to)".into(),
                        )
                        .await;
                }
            }
        }
    };
    let job = json!({"kind": crate::api::catalog::JOB_SYNC, "workspace": workspace,
                     "source_id": source.id, "mode": mode, "notify": true});
    ctx.deps
        .queue
        .send(JOBS, vec![OutMessage::new(job.to_string())])
        .await?;
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

/// `YYYY-MM-DD` → epoch seconds at 00:00 UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let (y, m, d): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_utc_midnights() {
        assert_eq!(super::parse_date("1970-01-01"), Some(0));
        assert_eq!(super::parse_date("2025-09-24"), Some(1_758_672_000));
        assert_eq!(super::parse_date("2025-13-01"), None);
        assert_eq!(super::parse_date("2025-01-01-01"), None);
    }
}
