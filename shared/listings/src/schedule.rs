//! The channel-sync schedule (EventBridge every 15 minutes on AWS, a timer under `serve`): every
//! enabled preview source whose own schedule is due (and that is not backing off after a failure or
//! a rate limit) is synced ([`crate::sync`], mode `latest`), one after another. A source
//! held by another run is skipped by its lease. A run that stops at its time budget continues as a
//! `channel.sync` job; sources not started within [`SCHEDULE_BUDGET`] wait for the next tick.

use serde_json::Value;
use teledesk_ports::table::TableError;

use teledesk_bot::Deps;

use crate as catalog;
use crate::sync;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Sources configured (every workspace).
    pub sources: usize,
    /// Sources synced by this run (whatever their outcome).
    pub synced: usize,
}

/// After this long, the schedule starts no further source (the channel-sync Lambda has 300 s; a
/// run takes at most about [`sync::RUN_BUDGET`] plus its page walk).
pub const SCHEDULE_BUDGET: std::time::Duration = std::time::Duration::from_secs(180);

pub async fn run_schedule(deps: &Deps, event: &Value) -> Result<SyncReport, TableError> {
    let fetcher = catalog::fetch::PreviewSource::of(&deps.config);
    run_schedule_with(deps, &fetcher, event).await
}

pub async fn run_schedule_with(
    deps: &Deps,
    fetcher: &dyn catalog::fetch::PostSource,
    event: &Value,
) -> Result<SyncReport, TableError> {
    let trigger = event
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or("timer");
    let sources = catalog::all_sources(deps).await?;
    let now = teledesk_ports::now_secs();
    let started = std::time::Instant::now();
    let mut synced = 0;
    for s in sources.iter().filter(|s| s.is_due(now)) {
        if started.elapsed() > SCHEDULE_BUDGET {
            // The rest stay due: the next tick takes them.
            tracing::warn!(trigger, source_id = %s.id, "schedule out of time; source left for the next run");
            continue;
        }
        let r = sync::run(deps, fetcher, s, sync::Mode::Latest, &|_, _| {}).await?;
        synced += 1;
        tracing::info!(trigger, source_id = %s.id, status = %r.status, more = r.more, "scheduled sync");
        for w in &r.warnings {
            tracing::warn!(source_id = %s.id, warning = %w, "channel sync");
        }
        if let Some(next) = &r.next
            && let Err(e) = sync::queue(deps, s, next, false).await
        {
            // The next tick continues instead.
            tracing::warn!(source_id = %s.id, error = %e, "sync continuation not queued");
        }
    }
    tracing::info!(
        trigger,
        sources = sources.len(),
        synced,
        "channel sync schedule ran"
    );
    Ok(SyncReport {
        sources: sources.len(),
        synced,
    })
}
