//! The catalog's bot commands, answered only in the workspace's admin chat ([`crate::admin_chat`])
//! and only for its administrators: `/sources`, `/sync <id>`, `/parse_range <id> <from> <to>`,
//! `/dry_run <id>`. Runs are `channel.sync` jobs; the job tells the admin chat how it went.

use super::sync::{self, Mode, Note};
use super::{SourceKind, get_source, sources_page};

/// How many sources `/sources` lists in one message.
const SOURCES_SHOWN: usize = 20;
use crate::html::escape;
use crate::texts::{t, t_in};
use teledesk_bot::ctx::{Ctx, Res};
use teledesk_bot::i18n::{Arg, Lang};
use teledesk_bot::msg::Msg;

pub async fn on_command(ctx: &Ctx<'_>, m: &Msg<'_>, name: &str, args: &str) -> Res<()> {
    let workspace = ctx.bot.workspace.clone();
    let admin_chat = crate::admin_chat::get(ctx.deps, &workspace).await?;
    if admin_chat.is_none_or(|a| a.chat_id != m.chat_id() || a.bot_id != ctx.bot_id()) {
        return ctx
            .reply(m, t(ctx, "admin-chat-only", &[("command", name.into())]))
            .await;
    }
    if !ctx.is_group_admin(m).await? {
        return ctx.reply(m, t(ctx, "admins-only", &[])).await;
    }
    let mut words = args.split_whitespace();
    if name == "sources" {
        let (list, more) = sources_page(ctx.deps, &workspace, SOURCES_SHOWN, None).await?;
        let text = if list.is_empty() {
            t(ctx, "sources-none", &[])
        } else {
            let mut text = t(ctx, "sources-title", &[]);
            text.push('\n');
            for s in list {
                let mut args: Vec<(&str, Arg<'_>)> = vec![
                    ("id", s.id.into()),
                    ("channel", s.channel.into()),
                    ("enabled", if s.enabled { "on" } else { "off" }.into()),
                    ("cursor", s.cursor.into()),
                    ("status", s.status.into()),
                ];
                let key = match s.last_error {
                    Some(e) => {
                        args.push(("error", e.into()));
                        "sources-line-error"
                    }
                    None => "sources-line",
                };
                text.push_str(&t(ctx, key, &args));
                text.push('\n');
            }
            if more.is_some() {
                text.push_str(&t(ctx, "sources-more", &[]));
                text.push('\n');
            }
            text
        };
        return ctx.reply(m, text).await;
    }
    let Some(id) = words.next() else {
        return ctx
            .reply(m, t(ctx, "usage-source", &[("command", name.into())]))
            .await;
    };
    let Some(source) = get_source(ctx.deps, &workspace, id).await? else {
        return ctx
            .reply(m, t(ctx, "source-unknown", &[("id", id.into())]))
            .await;
    };
    if source.kind != SourceKind::Preview {
        return ctx.reply(m, t(ctx, "source-not-synced", &[])).await;
    }
    let mode = match name {
        "sync" => Mode::Latest,
        "dry_run" => Mode::DryRun,
        _ => {
            let (from, to) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let Some(range) = Mode::days(from, to) else {
                return ctx.reply(m, t(ctx, "usage-parse-range", &[])).await;
            };
            range
        }
    };
    sync::queue(ctx.deps, &source, &mode, true).await?;
    ctx.reply(
        m,
        t(
            ctx,
            "sync-queued",
            &[
                ("command", name.into()),
                ("channel", (&source.channel).into()),
            ],
        ),
    )
    .await
}

/// What a run did, for the admin chat (in `lang`, the workspace's language).
pub fn summary(lang: Lang, source: &super::ChannelSource, r: &super::sync::RunReport) -> String {
    let c = &r.counts;
    let n = |v: u32| Arg::Num(v.into());
    let mut text = t_in(
        lang,
        "run-summary",
        &[
            ("mode", (&r.mode).into()),
            ("channel", (&source.channel).into()),
            ("status", (&r.status).into()),
            ("new", n(c.new)),
            ("updated", n(c.updated)),
            ("duplicate", n(c.duplicate)),
            ("skipped", n(c.skipped)),
            ("failed", n(c.failed)),
            ("pages", n(c.pages)),
            ("cursor", r.cursor.into()),
        ],
    );
    // The run's error and warnings: in the reader's language when the run gave them as data,
    // else as the report says them (a fetch failure's diagnostics).
    let said: Vec<String> = r.notes.iter().map(|n| n.english()).collect();
    let noted = |line: &str| said.iter().any(|s| s == line);
    let error_note = r
        .notes
        .iter()
        .find(|n| matches!(n, Note::Busy | Note::RateLimited { .. }));
    match (&r.error, error_note) {
        (_, Some(n)) => {
            text.push('\n');
            text.push_str(&t_in(lang, n.key(), &n.args()));
        }
        (Some(e), None) => text.push_str(&format!("\n{}", escape(e))),
        (None, None) => {}
    }
    for n in r
        .notes
        .iter()
        .filter(|n| !matches!(n, Note::Busy | Note::RateLimited { .. }))
    {
        text.push_str("\n⚠️ ");
        text.push_str(&t_in(lang, n.key(), &n.args()));
    }
    for w in r.warnings.iter().filter(|w| !noted(w)) {
        text.push_str(&format!("\n⚠️ {}", escape(w)));
    }
    if r.more {
        text.push('\n');
        text.push_str(&t_in(lang, "run-more", &[]));
    }
    for w in r.would_store.iter().take(5) {
        let l = &w["listing"];
        let title = match l["title"].as_str() {
            Some(title) => title.into(),
            None => Arg::Html(t_in(lang, "listing-no-title", &[])),
        };
        let price = l["price"]
            .as_f64()
            .map(|p| p.to_string())
            .unwrap_or_default();
        text.push('\n');
        text.push_str(&t_in(
            lang,
            "run-would-store",
            &[
                ("title", title),
                ("price", price.into()),
                (
                    "currency",
                    l["currency"].as_str().unwrap_or_default().into(),
                ),
            ],
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::RunReport;
    use serde_json::json;

    #[test]
    fn a_summary_escapes_what_it_shows_once_in_every_language() {
        let source = crate::ChannelSource::new(
            "default",
            "cars<&>",
            SourceKind::Preview,
            teledesk_catalog::Category::Vehicles,
        );
        let report = RunReport {
            mode: "dry_run".into(),
            status: "ok".into(),
            counts: crate::RunCounts {
                new: 40,
                pages: 3,
                ..Default::default()
            },
            cursor: 11,
            more: true,
            warnings: vec!["posts before #11 <x>".into()],
            would_store: vec![
                json!({"listing": {"title": "Lexus <RX>", "price": 29000.0, "currency": "USD"}}),
                json!({"listing": {}}),
            ],
            ..Default::default()
        };
        let en = summary(Lang::En, &source, &report);
        assert!(
            en.starts_with("<b>dry_run</b> of @cars&lt;&amp;&gt;: ok. New 40,")
                && en.contains("pages 3, cursor 11.")
                && en.contains("\n⚠️ posts before #11 &lt;x&gt;")
                && en.contains("\nOut of time")
                && en.contains("\n• Lexus &lt;RX&gt; — 29000 USD")
                && en.contains("\n• (no title) — "),
            "{en}"
        );
        for lang in [Lang::Ru, Lang::Uk] {
            let s = summary(lang, &source, &report);
            assert!(
                s.contains("@cars&lt;&amp;&gt;")
                    && s.contains(": 40,")
                    && s.contains("Lexus &lt;RX&gt;")
                    && !s.contains("&amp;lt;"),
                "{s}"
            );
        }
    }

    #[test]
    fn a_run_s_warnings_and_errors_are_in_the_reader_s_language() {
        let source = crate::ChannelSource::new(
            "default",
            "cars",
            SourceKind::Preview,
            teledesk_catalog::Category::Vehicles,
        );
        let limit = Note::FirstSyncLimit {
            pages: 50,
            before: 11,
            day: "2026-01-02".into(),
        };
        let report = RunReport {
            mode: "latest".into(),
            status: "ok".into(),
            warnings: vec![limit.english(), "something else".into()],
            notes: vec![limit],
            ..Default::default()
        };
        let en = summary(Lang::En, &source, &report);
        assert!(
            en.contains(
                "\n⚠️ a first sync reads the newest 50 pages: posts before #11 (2026-01-02)"
            ),
            "{en}"
        );
        assert_eq!(
            en.matches("a first sync").count(),
            1,
            "once, not also as the English warning: {en}"
        );
        assert!(
            en.contains("\n⚠️ something else"),
            "a warning without data is shown as it is: {en}"
        );
        let ru = summary(Lang::Ru, &source, &report);
        assert!(
            ru.contains("первая синхронизация читает 50 последних страниц: посты до #11"),
            "{ru}"
        );
        assert!(!ru.contains("a first sync"), "{ru}");
        let busy = RunReport {
            status: "busy".into(),
            error: Some(Note::Busy.english()),
            notes: vec![Note::Busy],
            ..Default::default()
        };
        let uk = summary(Lang::Uk, &source, &busy);
        assert!(
            uk.contains("це джерело зараз синхронізує інший запуск"),
            "{uk}"
        );
        assert!(!uk.contains("another run"), "{uk}");
    }
}
