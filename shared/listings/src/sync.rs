//! Sync runs of a preview source:
//!
//! - **latest** (incremental, the schedule's): newest pages are fetched until one reaches the
//!   cursor; the pages are stored oldest first and the cursor advances after each page is stored,
//!   so a run that fails half-way resumes where it stopped. The newest page is read every time, so
//!   edits to recent posts are caught (a changed text is parsed again).
//! - **range** (dates from–to): pages are walked back until posts older than `from`; the posts
//!   dated within the range are stored (the cursor only ever moves forward).
//! - **dry run**: fetch and parse, store nothing, return what would be stored (at most
//!   [`DRY_RUN_MAX_PAGES`] pages).
//!
//! A lease (`SRC#<workspace>` / `<source id>#LEASE`, expiring) keeps two runs off one source. A
//! 429 sets `next_allowed_at` from Retry-After; any other failure backs off (1, 2, 4 … 60 minutes)
//! and records the error. A page with the history markup but no posts is a markup change: an
//! `error.occurred` event is emitted and the cursor stays.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_catalog::preview::{PreviewPage, PreviewPost};
use teledesk_ports::queue::QueueError;
use teledesk_ports::table::{Condition, EXPIRES_AT, Item, PK, SK, TableError};

use super::fetch::{FetchError, PostSource};
use super::store::{self, Stored};
use super::{ChannelSource, RunCounts, sources_pk, update_source};
use crate::Deps;

/// How long a run holds its source.
pub const LEASE_SECS: i64 = 15 * 60;
/// How far back a first sync reads (about 1,000 posts); older posts are read by a range run.
pub const MAX_PAGES: u32 = 50;
/// A run's time budget. Walking back through pages stops after half of it (at least one page is
/// read); storing stops after all of it (once something is stored). A run cut short reports
/// `more` and the mode that continues it (`next`): a job queues that as its own continuation, the
/// schedule queues it as a job, the CLI runs it. With a page or photo download's 20 s timeout on
/// top, a run stays inside the worker Lambda's 60 s.
pub const RUN_BUDGET: std::time::Duration = std::time::Duration::from_secs(30);
/// The most pages a dry run reads (about 200 posts): it answers an API request, whose Lambda has
/// 15 seconds.
pub const DRY_RUN_MAX_PAGES: u32 = 10;

/// How a run reads a source; also the `mode` of a `channel.sync` job (`{"kind": "latest"}`,
/// `{"kind": "range", "from": …, "to": …}`, `{"kind": "dry_run"}`, and the continuations
/// `{"kind": "resume", …}`, a range with `before`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mode {
    Latest,
    /// Posts dated from `from` to `to` (epoch seconds, inclusive).
    Range {
        from: i64,
        to: i64,
        /// Start below this message id instead of looking for `to` (a continuation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<i64>,
    },
    DryRun,
    /// A latest run whose walk back to the cursor ran out of time: the walk goes on from the page
    /// below `before` (the last page the cut walk read, read again; None: the newest page), with
    /// `depth` pages already walked above it. It reads at least two pages, so that when it
    /// reaches the cursor it has a page above it to store.
    Resume {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<i64>,
        depth: u32,
    },
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Latest | Mode::Resume { .. } => "latest",
            Mode::Range { .. } => "range",
            Mode::DryRun => "dry_run",
        }
    }

    /// A range of whole UTC days, `YYYY-MM-DD` to `YYYY-MM-DD` inclusive; None when a date is not
    /// one or the range runs backwards.
    pub fn days(from: &str, to: &str) -> Option<Mode> {
        let (from, to) = (day_start(from)?, day_start(to)? + 86_399);
        (from <= to).then_some(Mode::Range {
            from,
            to,
            before: None,
        })
    }
}

/// Epoch seconds → `YYYY-MM-DD` (UTC).
pub fn day_of(epoch: i64) -> String {
    // Civil from days, H. Hinnant's algorithm.
    let z = epoch.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` → epoch seconds at 00:00 UTC.
pub fn day_start(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let (y, m, d): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (proleptic Gregorian), H. Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

/// The `jobs` message that runs a sync in the background (the worker consumes it).
pub const JOB_SYNC: &str = "channel.sync";

/// Queues a run of `source` as a `channel.sync` job; with `notify`, the job posts its summary to
/// the workspace's admin chat.
pub async fn queue(
    deps: &Deps,
    source: &ChannelSource,
    mode: &Mode,
    notify: bool,
) -> Result<(), QueueError> {
    queue_continuation(deps, source, mode, notify, &SoFar::default()).await
}

/// What the runs of one job chain have done so far (a continuation carries it, so the summary at
/// the end covers the whole chain).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SoFar {
    #[serde(default)]
    pub counts: RunCounts,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub notes: Vec<Note>,
}

impl SoFar {
    /// Adds a run's counts and (new) warnings.
    pub fn add(&mut self, r: &RunReport) {
        self.counts.add(&r.counts);
        for w in &r.warnings {
            if !self.warnings.contains(w) {
                self.warnings.push(w.clone());
            }
        }
        for n in &r.notes {
            if !self.notes.contains(n) {
                self.notes.push(n.clone());
            }
        }
    }
}

/// Queues a run that continues a chain, with what the chain has done so far.
pub async fn queue_continuation(
    deps: &Deps,
    source: &ChannelSource,
    mode: &Mode,
    notify: bool,
    so_far: &SoFar,
) -> Result<(), QueueError> {
    let job = json!({"kind": JOB_SYNC, "workspace": source.workspace, "source_id": source.id,
                     "mode": mode, "notify": notify, "so_far": so_far});
    crate::jobs::queue(deps, job).await
}

/// What a run did (or, dry, would do).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    pub source_id: String,
    pub mode: String,
    /// `ok`, `failed`, `rate_limited`, `busy` (another run holds the source).
    pub status: String,
    pub counts: RunCounts,
    pub cursor: i64,
    pub error: Option<String>,
    /// The run stopped at its time budget before it was done: `next` continues it (a job queues
    /// that by itself).
    pub more: bool,
    /// The mode that continues this run, when `more`.
    #[schema(value_type = Option<Object>)]
    pub next: Option<Mode>,
    /// What the run could not do although it succeeded (a first sync's depth, a dry run's pages).
    pub warnings: Vec<String>,
    /// The warnings and the error as data, for texts in the reader's language (the admin chat's
    /// summary); `warnings` and `error` are their English form, as the API gives them.
    #[serde(skip)]
    #[schema(ignore)]
    pub notes: Vec<Note>,
    /// Dry runs: the listings that would be stored.
    #[schema(value_type = Vec<Object>)]
    pub would_store: Vec<serde_json::Value>,
}

/// A warning or error of a run, as data: [`Note::english`] is what `warnings` / `error` say,
/// [`Note::key`] and [`Note::args`] its text in the catalog (`run-note-*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// A dry run stopped at its page limit.
    DryRunLimit {
        pages: u32,
        before: i64,
        day: String,
    },
    /// A first sync stopped at its page limit.
    FirstSyncLimit {
        pages: u32,
        before: i64,
        day: String,
    },
    /// Another run holds the source.
    Busy,
    /// The preview pages asked us to wait.
    RateLimited { retry_after: u64 },
}

impl Note {
    pub fn english(&self) -> String {
        match self {
            Note::DryRunLimit { pages, before, day } => format!(
                "a dry run reads at most {pages} pages: posts before #{before} ({day}) were not read"
            ),
            Note::FirstSyncLimit { pages, before, day } => format!(
                "a first sync reads the newest {pages} pages: posts before #{before} ({day}) were not read; a range run reads them"
            ),
            Note::Busy => "another run is syncing this source".into(),
            Note::RateLimited { retry_after } => {
                format!("rate limited: retry after {retry_after} s")
            }
        }
    }

    pub fn key(&self) -> &'static str {
        match self {
            Note::DryRunLimit { .. } => "run-note-dry-run-limit",
            Note::FirstSyncLimit { .. } => "run-note-first-sync-limit",
            Note::Busy => "run-note-busy",
            Note::RateLimited { .. } => "run-note-rate-limited",
        }
    }

    pub fn args(&self) -> Vec<(&'static str, teledesk_bot::i18n::Arg<'_>)> {
        match self {
            Note::DryRunLimit { pages, before, day }
            | Note::FirstSyncLimit { pages, before, day } => vec![
                ("pages", i64::from(*pages).into()),
                ("before", (*before).into()),
                ("day", day.into()),
            ],
            Note::Busy => vec![],
            Note::RateLimited { retry_after } => vec![("seconds", (*retry_after as i64).into())],
        }
    }
}

/// Progress callback: pages read so far, posts stored so far.
pub type Progress<'a> = &'a (dyn Fn(u32, u32) + Send + Sync);

/// Runs one sync of `source` with `mode`, within [`run_budget`].
pub async fn run(
    deps: &Deps,
    fetcher: &dyn PostSource,
    source: &ChannelSource,
    mode: Mode,
    progress: Progress<'_>,
) -> Result<RunReport, TableError> {
    run_within(
        deps,
        fetcher,
        source,
        mode,
        progress,
        deps.config.sync_run_budget,
    )
    .await
}

/// [`run`] with another time budget.
pub async fn run_within(
    deps: &Deps,
    fetcher: &dyn PostSource,
    source: &ChannelSource,
    mode: Mode,
    progress: Progress<'_>,
    budget: std::time::Duration,
) -> Result<RunReport, TableError> {
    let mode_name = mode.name();
    let mut report = RunReport {
        source_id: source.id.clone(),
        mode: mode_name.into(),
        cursor: source.cursor,
        ..Default::default()
    };
    let dry = mode == Mode::DryRun;
    let lease = if dry {
        None
    } else {
        match take_lease(deps, source).await? {
            Some(l) => Some(l),
            None => {
                report.status = "busy".into();
                report.error = Some(Note::Busy.english());
                report.notes.push(Note::Busy);
                return Ok(report);
            }
        }
    };
    let clock = Clock {
        started: std::time::Instant::now(),
        budget,
    };
    let outcome = walk(deps, fetcher, source, &mode, &mut report, progress, clock).await;
    if let Some(nonce) = lease {
        release_lease(deps, source, nonce).await?;
    }
    let now = teledesk_ports::now_secs();
    let mut retry_after = 60;
    match outcome {
        Ok(()) => report.status = "ok".into(),
        Err(Walk::Table(e)) => return Err(e),
        Err(Walk::Fetch(FetchError::RateLimited(after))) => {
            report.status = "rate_limited".into();
            let note = Note::RateLimited { retry_after: after };
            report.error = Some(note.english());
            report.notes.push(note);
            retry_after = after as i64;
        }
        Err(Walk::Fetch(FetchError::Failed(why))) | Err(Walk::Markup(why)) => {
            report.status = "failed".into();
            report.error = Some(why);
        }
    }
    if !dry {
        let r = report.clone();
        update_source(deps, &source.workspace, &source.id, |s| {
            s.last_run = r.counts.clone();
            s.status = r.status.clone();
            s.last_error = r.error.clone();
            s.cursor = s.cursor.max(r.cursor);
            match r.status.as_str() {
                "ok" => {
                    s.failures = 0;
                    s.next_allowed_at = None;
                    s.last_sync_at = Some(now);
                }
                "rate_limited" => s.next_allowed_at = Some(now + retry_after),
                _ => {
                    s.failures += 1;
                    s.next_allowed_at = Some(now + backoff_secs(s.failures));
                    s.last_sync_at = Some(now);
                }
            }
        })
        .await?;
        tracing::info!(source_id = %source.id, mode = mode_name, status = %report.status,
            new = report.counts.new, updated = report.counts.updated, cursor = report.cursor, "channel sync run");
    }
    Ok(report)
}

/// 1, 2, 4 … minutes after failed runs in a row, at most an hour.
pub fn backoff_secs(failures: u32) -> i64 {
    (60i64 << failures.saturating_sub(1).min(6)).min(3600)
}

enum Walk {
    Table(TableError),
    Fetch(FetchError),
    Markup(String),
}

impl From<TableError> for Walk {
    fn from(e: TableError) -> Self {
        Walk::Table(e)
    }
}

/// Where a range run starts: below the id whose page holds the range's newest post, found by
/// bisection over message ids (ids grow with dates), so that a range deep in a channel's history
/// costs a few page reads to find instead of a walk from the newest page. `Err(newest page)`:
/// start at the newest page, which is handed back so that it is not fetched twice.
async fn find_start(
    fetcher: &dyn PostSource,
    source: &ChannelSource,
    to: i64,
    report: &mut RunReport,
) -> Result<Result<i64, PreviewPage>, Walk> {
    let newest = fetcher
        .page(&source.channel, None)
        .await
        .map_err(Walk::Fetch)?;
    report.counts.pages += 1;
    let Some(min) = newest.posts.iter().map(|p| p.message_id).min() else {
        return Ok(Err(newest)); // the walk reports what is wrong with the page
    };
    if newest
        .posts
        .iter()
        .filter_map(|p| p.date)
        .min()
        .is_none_or(|d| d <= to)
    {
        return Ok(Err(newest));
    }
    // Invariant: the posts just below `lo` are dated within `to` (or there are none); the post
    // just below `hi` is newer than `to`.
    let (mut lo, mut hi) = (1i64, min);
    while hi - lo > 20 {
        let mid = lo + (hi - lo) / 2;
        let page = fetcher
            .page(&source.channel, Some(mid))
            .await
            .map_err(Walk::Fetch)?;
        report.counts.pages += 1;
        match page.posts.iter().max_by_key(|p| p.message_id) {
            Some(top) if top.date.is_some_and(|d| d > to) => hi = mid,
            _ => lo = mid,
        }
    }
    Ok(Ok(hi))
}

/// A run's time: walking back stops after half of the budget, storing after all of it.
#[derive(Clone, Copy)]
struct Clock {
    started: std::time::Instant,
    budget: std::time::Duration,
}

impl Clock {
    fn walk_over(&self) -> bool {
        self.started.elapsed() >= self.budget / 2
    }
    fn over(&self) -> bool {
        self.started.elapsed() >= self.budget
    }
}

async fn walk(
    deps: &Deps,
    fetcher: &dyn PostSource,
    source: &ChannelSource,
    mode: &Mode,
    report: &mut RunReport,
    progress: Progress<'_>,
    clock: Clock,
) -> Result<(), Walk> {
    let dry = mode == &Mode::DryRun;
    let range = match mode {
        Mode::Range { from, to, .. } => Some((*from, *to)),
        _ => None,
    };
    // The newest page, when looking for a range's start read it already.
    let mut prefetched = None;
    let (start, depth) = match mode {
        Mode::Resume { before, depth } => (*before, *depth),
        Mode::Range {
            to, before: None, ..
        } => match find_start(fetcher, source, *to, report).await? {
            Ok(before) => (Some(before), 0),
            Err(newest) => {
                prefetched = Some(newest);
                (None, 0)
            }
        },
        Mode::Range { before, .. } => (*before, 0),
        _ => (None, 0),
    };
    let first_sync = range.is_none() && !dry && source.cursor == 0;
    let limit = if dry {
        Some(DRY_RUN_MAX_PAGES)
    } else if first_sync {
        Some(MAX_PAGES)
    } else {
        None
    };
    // Pages newest first, until the cursor (latest, dry run) or the range's start is reached.
    let mut pages: Vec<Vec<PreviewPost>> = Vec::new();
    let mut before = start;
    let mut last_before = start;
    let min_pages = if matches!(mode, Mode::Resume { .. }) {
        2
    } else {
        1
    };
    let mut walked = 0u32;
    // The cursor, the range's start or the channel's first post was reached.
    let mut reached = false;
    let mut oldest_read: Option<(i64, Option<i64>)> = None;
    loop {
        if limit.is_some_and(|l| depth + walked >= l) || (walked >= min_pages && clock.walk_over())
        {
            break;
        }
        let page = match prefetched.take() {
            Some(page) => page,
            None => {
                report.counts.pages += 1;
                fetcher
                    .page(&source.channel, before)
                    .await
                    .map_err(Walk::Fetch)?
            }
        };
        last_before = before;
        walked += 1;
        progress(
            report.counts.pages,
            report.counts.new + report.counts.updated,
        );
        if !page.has_history_markup {
            return Err(Walk::Fetch(FetchError::Failed(format!(
                "@{} has no public web preview (or does not exist)",
                source.channel
            ))));
        }
        if page.posts.is_empty() {
            if start.is_none() && walked == 1 {
                return Err(markup_changed(deps, source, dry).await);
            }
            reached = true; // past the channel's first post
            break;
        }
        let oldest = page.posts.iter().map(|p| p.message_id).min().unwrap_or(0);
        let oldest_date = page.posts.iter().filter_map(|p| p.date).min();
        let next = page.before;
        pages.push(page.posts);
        oldest_read = Some((oldest, oldest_date));
        reached = match range {
            None => oldest <= source.cursor,
            Some((from, _)) => oldest_date.is_some_and(|d| d < from),
        };
        match next {
            Some(b) if !reached => before = Some(b),
            Some(_) => break,
            // No older page: the channel's beginning.
            None => {
                reached = true;
                break;
            }
        }
    }
    let limit_hit = !reached && limit.is_some_and(|l| depth + walked >= l);
    if let (false, Some((id, date))) = (reached, oldest_read) {
        let day = date.map(day_of).unwrap_or_default();
        if dry && limit_hit {
            let note = Note::DryRunLimit {
                pages: DRY_RUN_MAX_PAGES,
                before: id,
                day,
            };
            report.warnings.push(note.english());
            report.notes.push(note);
        } else if limit_hit {
            let note = Note::FirstSyncLimit {
                pages: MAX_PAGES,
                before: id,
                day,
            };
            report.warnings.push(note.english());
            report.notes.push(note);
        } else if range.is_none() && !dry {
            // Out of time before the cursor: storing these newer pages now would leave the posts
            // below them unread behind the cursor. The next run walks on from here.
            report.more = true;
            report.next = Some(Mode::Resume {
                before: last_before,
                depth: depth + walked - 1,
            });
            return Ok(());
        }
    }
    // Oldest page first; within a page, oldest post first.
    let now = teledesk_ports::now_secs();
    let fetched = pages.len();
    // Whether this run has stored anything yet: a run out of time stops only after it has, so
    // that its continuation (which walks the pages again) always gets further.
    let mut stored_any = false;
    let mut stored_all = true;
    for (i, posts) in pages.into_iter().rev().enumerate() {
        if stored_any && !dry && clock.over() {
            stored_all = false;
            break;
        }
        let newest_page = start.is_none() && i + 1 == fetched;
        let mut page_max = report.cursor;
        // A page's posts come oldest first (`parse_page`).
        for post in posts {
            let id = post.message_id;
            let wanted = match range {
                // Old posts are read again only on the newest page (to catch edits).
                None => id > source.cursor || newest_page,
                Some((from, to)) => post.date.is_some_and(|d| d >= from && d <= to),
            };
            if !wanted {
                continue;
            }
            if dry {
                if id > source.cursor {
                    let listing = store::parse_post(source, &post);
                    report
                        .would_store
                        .push(json!({"message_ids": post.member_ids,
                        "url": post.url, "listing": listing}));
                    report.counts.new += 1;
                }
                continue;
            }
            stored_any |= store_one(deps, fetcher, source, &post, report, now).await?;
            page_max = page_max.max(post.member_ids.iter().copied().max().unwrap_or(id));
        }
        // A range never moves the cursor: the posts between the cursor and the range may be
        // unread.
        if range.is_none() && !dry && page_max > report.cursor {
            // The page is stored, and everything below it: the cursor may move past it.
            report.cursor = page_max;
            let cursor = page_max;
            update_source(deps, &source.workspace, &source.id, |s| {
                s.cursor = s.cursor.max(cursor);
            })
            .await?;
        }
        progress(
            report.counts.pages,
            report.counts.new + report.counts.updated,
        );
    }
    if dry {
        return Ok(());
    }
    report.next = match (range, mode) {
        // Out of time while storing: walk the same way again (what is stored is skipped).
        (Some((from, to)), _) if !stored_all => Some(Mode::Range {
            from,
            to,
            before: start,
        }),
        // Stored all it read, but the range goes on below.
        (Some((from, to)), _) if !reached => Some(Mode::Range {
            from,
            to,
            before: oldest_read.map(|(id, _)| id),
        }),
        (Some(_), _) => None,
        // A resumed walk stored the posts above the cursor up to where it resumed; the newer
        // ones are read by a latest run.
        (None, Mode::Resume { .. }) => Some(Mode::Latest),
        (None, _) if !stored_all => Some(Mode::Latest),
        (None, _) => None,
    };
    report.more = report.next.is_some();
    Ok(())
}

/// An empty newest page with the history markup: the markup has probably changed. Alerts with an
/// `error.occurred` event (not for a dry run) and returns the run's error.
async fn markup_changed(deps: &Deps, source: &ChannelSource, dry: bool) -> Walk {
    let why = format!(
        "the preview page of @{} has the history markup but no posts: its markup may have changed",
        source.channel
    );
    if !dry
        && let Err(e) = crate::events::emit(
            deps,
            "error.occurred",
            &format!("markup#{}#{}", source.id, teledesk_ports::now_secs() / 3600),
            &source.workspace,
            "",
            json!({"error": "channel_markup_changed", "detail": why,
                   "source_id": source.id, "channel": source.channel}),
        )
        .await
    {
        // The source records the error too; the alert itself is not retried.
        tracing::warn!(source_id = %source.id, error = %e, "markup alert not queued");
    }
    Walk::Markup(why)
}

/// Stores one post with its photos and counts it; false when it is stored already with the same
/// text (the newest page is read every run): then nothing is done and no photo fetched again.
async fn store_one(
    deps: &Deps,
    fetcher: &dyn PostSource,
    source: &ChannelSource,
    post: &PreviewPost,
    report: &mut RunReport,
    now: i64,
) -> Result<bool, TableError> {
    let prior = store::prior(deps, source, post).await?;
    if store::unchanged(prior.as_ref(), post) {
        return Ok(false);
    }
    let photos = copy_photos(deps, fetcher, post, report).await;
    match store::save(deps, source, post, prior, photos, now).await? {
        Stored::New { duplicate } => {
            report.counts.new += 1;
            report.counts.duplicate += u32::from(duplicate);
        }
        Stored::Updated => report.counts.updated += 1,
        Stored::Unchanged => {}
        Stored::NotListing => report.counts.skipped += 1,
    }
    Ok(true)
}

/// Copies a post's photos into the file store (the caller skips posts stored already unchanged).
async fn copy_photos(
    deps: &Deps,
    fetcher: &dyn PostSource,
    post: &PreviewPost,
    report: &mut RunReport,
) -> Vec<store::Photo> {
    let mut out = Vec::new();
    for url in &post.photos {
        match fetcher.photo(url).await {
            Ok(bytes) => {
                let p = store::keep_photo(deps, url, bytes).await;
                if p.error.is_some() {
                    report.counts.failed += 1;
                }
                out.push(p);
            }
            Err(e) => {
                report.counts.failed += 1;
                out.push(store::Photo::failed(url, e.to_string()));
            }
        }
    }
    out
}

/// Takes the source's lease; None when another run holds it. Returns the lease's nonce.
async fn take_lease(deps: &Deps, source: &ChannelSource) -> Result<Option<i64>, TableError> {
    let nonce = (rand::random::<u32>() as i64) + 1;
    let mut item = Item::new();
    item.insert(PK.into(), json!(sources_pk(&source.workspace)));
    item.insert(SK.into(), json!(format!("{}#LEASE", source.id)));
    item.insert(teledesk_ports::table::VERSION.into(), json!(nonce));
    item.insert(
        EXPIRES_AT.into(),
        json!(teledesk_ports::now_secs() + LEASE_SECS),
    );
    match deps.table.put(item, Condition::Absent).await {
        Ok(()) => Ok(Some(nonce)),
        Err(TableError::ConditionFailed) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn release_lease(deps: &Deps, source: &ChannelSource, nonce: i64) -> Result<(), TableError> {
    match deps
        .table
        .delete(
            &sources_pk(&source.workspace),
            &format!("{}#LEASE", source.id),
            Condition::VersionEquals(nonce),
        )
        .await
    {
        Ok(()) | Err(TableError::ConditionFailed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// `channel.sync` (`workspace`, `source_id`, `mode`: a [`Mode`], `notify`).
/// The run's outcome is recorded on the source; a source held by another run is retried shortly; a
/// source that is gone ends the job.
pub async fn run_job(deps: &Deps, job: &Value) -> teledesk_bot::batch::Outcome {
    use crate as catalog;
    let (Some(workspace), Some(source_id)) = (job["workspace"].as_str(), job["source_id"].as_str())
    else {
        return teledesk_bot::batch::Outcome::Poison(
            "channel.sync needs workspace and source_id".into(),
        );
    };
    let mode: Mode = match serde_json::from_value(job["mode"].clone()) {
        Ok(m) => m,
        Err(e) => {
            return teledesk_bot::batch::Outcome::Poison(format!(
                "channel.sync has no valid mode: {e}"
            ));
        }
    };
    let source = match catalog::get_source(deps, workspace, source_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return teledesk_bot::batch::Outcome::Done,
        Err(e) => {
            tracing::warn!(error = %e, "table error; the sync job will be retried");
            return teledesk_bot::batch::Outcome::Retry { after: None };
        }
    };
    let fetcher = catalog::fetch::PreviewSource::of(&deps.config);
    match run(deps, &fetcher, &source, mode.clone(), &|_, _| {}).await {
        Ok(r) if r.status == "busy" => teledesk_bot::batch::Outcome::Retry {
            after: Some(std::time::Duration::from_secs(30)),
        },
        Ok(r) => {
            let notify = job["notify"].as_bool() == Some(true);
            let mut so_far: SoFar =
                serde_json::from_value(job["so_far"].clone()).unwrap_or_default();
            so_far.add(&r);
            for w in &r.warnings {
                tracing::warn!(source_id = %source.id, warning = %w, "channel sync");
            }
            if let Some(next) = &r.next {
                // Out of time: a new job continues (and tells the admin chat at the end).
                if let Err(e) = queue_continuation(deps, &source, next, notify, &so_far).await {
                    tracing::warn!(error = %e, "continuation not queued; the job will be retried");
                    return teledesk_bot::batch::Outcome::Retry { after: None };
                }
                return teledesk_bot::batch::Outcome::Done;
            }
            if notify {
                // The summary covers the whole chain of runs.
                let mut whole = r.clone();
                whole.counts = so_far.counts;
                whole.warnings = so_far.warnings;
                whole.notes = so_far.notes;
                let text = crate::commands::summary(deps.config.language, &source, &whole);
                if let Err(e) = teledesk_bot::admin_chat::notify(deps, workspace, &text).await {
                    tracing::warn!(error = %e, "sync result not posted to the admin chat");
                }
            }
            teledesk_bot::batch::Outcome::Done
        }
        Err(e) => {
            tracing::warn!(error = %e, "table error; the sync job will be retried");
            teledesk_bot::batch::Outcome::Retry { after: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_whole_utc_days() {
        assert_eq!(day_start("1970-01-01"), Some(0));
        assert_eq!(day_start("2025-09-24"), Some(1_758_672_000));
        assert_eq!(day_start("2025-13-01"), None);
        assert_eq!(day_start("2025-01-01-01"), None);
        assert_eq!(
            Mode::days("2025-09-24", "2025-09-24"),
            Some(Mode::Range {
                from: 1_758_672_000,
                to: 1_758_672_000 + 86_399,
                before: None,
            })
        );
        assert_eq!(Mode::days("2025-09-25", "2025-09-24"), None);
        for day in [
            "1970-01-01",
            "2000-02-29",
            "2025-09-24",
            "2026-12-31",
            "2100-03-01",
        ] {
            let start = day_start(day).unwrap();
            assert_eq!(
                (day_of(start), day_of(start + 86_399)),
                (day.into(), day.into())
            );
        }
    }

    #[test]
    fn a_mode_is_the_job_s_json() {
        let m = Mode::Range {
            from: 1,
            to: 2,
            before: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v, json!({"kind": "range", "from": 1, "to": 2}));
        assert_eq!(serde_json::from_value::<Mode>(v).unwrap(), m);
        assert_eq!(
            serde_json::from_value::<Mode>(json!({"kind": "dry_run"})).unwrap(),
            Mode::DryRun
        );
    }
}
