//! `teledesk channel-sources …` and `teledesk listings parse`.

use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, bail};
use teledesk_app::Deps;
use teledesk_app::listings::{self as catalog, ChannelSource, SourceKind, sync};
use teledesk_catalog::Category;

use crate::SourcesCommand;

fn category(s: &str) -> anyhow::Result<Category> {
    match s {
        "vehicles" => Ok(Category::Vehicles),
        "generic" => Ok(Category::Generic),
        _ => bail!("--category must be vehicles or generic"),
    }
}

/// `teledesk listings parse`: one post's text on stdin, the listing as JSON on stdout.
pub fn parse_stdin(cat: &str, photos: usize) -> anyhow::Result<()> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read standard input")?;
    let listing = teledesk_catalog::parse(
        &teledesk_catalog::Post {
            text,
            photo_count: photos,
            is_repost: false,
        },
        category(cat)?,
    );
    println!("{}", serde_json::to_string_pretty(&listing)?);
    Ok(())
}

/// A progress line on stderr, redrawn in place on a terminal.
fn progress_bar() -> impl Fn(u32, u32) + Send + Sync {
    let tty = std::io::stderr().is_terminal();
    move |pages: u32, stored: u32| {
        let filled = (pages as usize).min(sync::MAX_PAGES as usize) * 20 / sync::MAX_PAGES as usize;
        let bar = format!(
            "[{}{}] pages {pages} · posts stored {stored}",
            "#".repeat(filled),
            " ".repeat(20 - filled)
        );
        let mut err = std::io::stderr();
        if tty {
            let _ = write!(err, "\r{bar}");
        } else {
            let _ = writeln!(err, "{bar}");
        }
        let _ = err.flush();
    }
}

async fn source(deps: &Deps, workspace: &str, id: &str) -> anyhow::Result<ChannelSource> {
    catalog::get_source(deps, workspace, id)
        .await?
        .with_context(|| format!("no channel source {id} (teledesk channel-sources list)"))
}

async fn run(deps: &Deps, s: &ChannelSource, mode: sync::Mode) -> anyhow::Result<()> {
    let preview = catalog::fetch::PreviewSource::of(&deps.config);
    let fetcher = &preview;
    let bar = progress_bar();
    // A run stops at its time budget (`more`); the command runs what continues it until done.
    let mut r = sync::run(deps, fetcher, s, mode, &bar).await?;
    let mut so_far = sync::SoFar::default();
    so_far.add(&r);
    while let Some(next) = r.next.take() {
        let fresh = source(deps, &s.workspace, &s.id).await?;
        r = sync::run(deps, fetcher, &fresh, next, &bar).await?;
        so_far.add(&r);
    }
    (r.counts, r.warnings) = (so_far.counts, so_far.warnings);
    eprintln!();
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    if !r.would_store.is_empty() {
        println!("{}", serde_json::to_string_pretty(&r.would_store)?);
    }
    println!(
        "{} {}: {} · new {} · updated {} · duplicate {} · not listings {} · failed {} · pages {} · cursor {}",
        r.mode,
        s.id,
        r.status,
        r.counts.new,
        r.counts.updated,
        r.counts.duplicate,
        r.counts.skipped,
        r.counts.failed,
        r.counts.pages,
        r.cursor
    );
    match r.error {
        Some(e) if r.status != "ok" => bail!("{e}"),
        _ => Ok(()),
    }
}

pub async fn sources_command(deps: &Deps, command: SourcesCommand) -> anyhow::Result<()> {
    match command {
        SourcesCommand::Add {
            channel,
            kind,
            category: cat,
            schedule_minutes,
            workspace,
        } => {
            if !catalog::valid_channel(&channel) {
                bail!("--channel: a channel username (5-32 letters, digits, _) or a numeric id");
            }
            let kind = match kind.as_str() {
                "preview" => SourceKind::Preview,
                "channel_post" => SourceKind::ChannelPost,
                _ => bail!("--kind must be preview or channel_post"),
            };
            if !(5..=1440).contains(&schedule_minutes) {
                bail!("--schedule-minutes must be from 5 to 1440");
            }
            let mut s = ChannelSource::new(&workspace, &channel, kind, category(&cat)?);
            s.schedule_minutes = schedule_minutes;
            let s = catalog::save_source(deps, &s).await?;
            println!(
                "added {} (@{}, every {} min)",
                s.id, s.channel, s.schedule_minutes
            );
        }
        SourcesCommand::List { workspace } => {
            // A page at a time: printed as read, never the whole partition in memory.
            let (mut cursor, mut any) = (None, false);
            loop {
                let (page, next) = catalog::sources_page(deps, &workspace, 100, cursor).await?;
                any |= !page.is_empty();
                for s in page {
                    println!(
                        "{}\t@{}\t{:?}\t{}\tcursor {}\t{}{}",
                        s.id,
                        s.channel,
                        s.kind,
                        if s.enabled { "enabled" } else { "disabled" },
                        s.cursor,
                        s.status,
                        s.last_error.map(|e| format!(" ({e})")).unwrap_or_default()
                    );
                }
                match next {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if !any {
                println!(
                    "no channel sources (add one with: teledesk channel-sources add --channel NAME)"
                );
            }
        }
        SourcesCommand::Remove { id, workspace } => {
            if !catalog::delete_source(deps, &workspace, &id).await? {
                bail!("no channel source {id}");
            }
            println!("removed {id}");
        }
        SourcesCommand::Sync { id, workspace } => {
            let s = source(deps, &workspace, &id).await?;
            run(deps, &s, sync::Mode::Latest).await?;
        }
        SourcesCommand::ParseRange {
            id,
            from,
            to,
            workspace,
        } => {
            let Some(range) = sync::Mode::days(&from, &to) else {
                bail!("--from and --to: YYYY-MM-DD dates, --to not before --from");
            };
            let s = source(deps, &workspace, &id).await?;
            run(deps, &s, range).await?;
        }
        SourcesCommand::DryRun { id, workspace } => {
            let s = source(deps, &workspace, &id).await?;
            run(deps, &s, sync::Mode::DryRun).await?;
        }
    }
    Ok(())
}

/// `teledesk listings reparse`.
pub async fn reparse(
    deps: &Deps,
    workspace: &str,
    source_id: Option<&str>,
    all: bool,
) -> anyhow::Result<()> {
    let mut cursor = None;
    loop {
        let (sources, next) = match source_id {
            Some(id) => (vec![source(deps, workspace, id).await?], None),
            None => catalog::sources_page(deps, workspace, 100, cursor).await?,
        };
        for s in sources {
            let n = catalog::store::reparse_source(deps, &s, all).await?;
            println!(
                "{}: {n} posts parsed again (parser version {})",
                s.id,
                teledesk_catalog::PARSER_VERSION
            );
        }
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}
