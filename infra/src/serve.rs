//! `teledesk serve`: every function in one process on the embedded adapters.
//!
//! - HTTP on `--listen`: `/telegram/{bot_id}`, `/healthz`, the API, and presigned file downloads;
//! - one consumer per queue (`updates`, `jobs`, `events`) calling the same batch handlers as the
//!   Lambdas, acknowledging what succeeded and leaving failures to the visibility timeout and redrive;
//! - the schedules on timers (channel sync; the TTL sweep DynamoDB does by itself);
//! - with `TELEGRAM_BOT_TOKEN`: the bot registered, then long polling into the ingest path, or a
//!   webhook when a public URL is given.
//!
//! Ctrl-C or SIGTERM stops taking work, lets in-flight batches finish, and exits.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teledesk_app::batch::Record;
use teledesk_app::{Deps, bots, fanout, http, ingest, jobs, sync, worker};
use teledesk_embedded::{Embedded, files_router};
use teledesk_ports::queue::{JOBS, UPDATES, teledesk_queues};
use teledesk_telegram::{Telegram, TelegramError};
use tokio::sync::watch;
use tokio::task::JoinSet;

pub struct Options {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub public_url: Option<String>,
    pub token: Option<String>,
    pub webhook_secret: Option<String>,
}

/// Seconds a received message stays invisible before it is retried (`TELEDESK_VISIBILITY_TIMEOUT`).
fn visibility_timeout() -> Duration {
    Duration::from_secs(env_secs("TELEDESK_VISIBILITY_TIMEOUT", 30))
}

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const LONG_POLL_SECS: u32 = 25;

pub async fn serve(opts: Options) -> anyhow::Result<()> {
    let emb = Embedded::open(&opts.data_dir, teledesk_queues())
        .with_context(|| format!("cannot open the data directory {}", opts.data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    emb.files.set_base_url(&format!("http://{addr}"));
    let deps = crate::backend::embedded_deps(&emb);
    let emb = Arc::new(emb);

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();

    let bot_line = match &opts.token {
        None => "none (set TELEGRAM_BOT_TOKEN to connect a bot)".to_owned(),
        Some(token) => {
            let bot = bots::register(&deps, token, opts.webhook_secret.as_deref())
                .await
                .context("cannot register the bot from TELEGRAM_BOT_TOKEN")?;
            let tg = deps.telegram.connect(&bot.token);
            if let Err(e) = teledesk_app::wiring::set_menus(&deps, &bot).await {
                tracing::warn!(error = %e, "setMyCommands failed");
            }
            match &opts.public_url {
                Some(base) => {
                    let url = format!("{}/telegram/{}", base.trim_end_matches('/'), bot.bot_id);
                    tg.set_webhook(&url, &bot.webhook_secret)
                        .await
                        .context("setWebhook failed")?;
                    format!("@{} (id {}), webhook at {url}", bot.username, bot.bot_id)
                }
                None => {
                    tg.delete_webhook(false)
                        .await
                        .context("deleteWebhook failed (needed for long polling)")?;
                    tasks.spawn(poll(deps.clone(), bot.bot_id.clone(), tg, stop_rx.clone()));
                    format!("@{} (id {}), long polling", bot.username, bot.bot_id)
                }
            }
        }
    };

    let visibility = visibility_timeout();
    tasks.spawn(consume(
        deps.clone(),
        UPDATES,
        visibility,
        stop_rx.clone(),
        |d, r| async move { worker::process_updates(&d, r).await },
    ));
    tasks.spawn(consume(
        deps.clone(),
        JOBS,
        visibility,
        stop_rx.clone(),
        |d, r| async move { jobs::process_jobs(&d, r).await },
    ));
    // The events queue is not FIFO: its messages run side by side, each acknowledged when done,
    // so that a slow webhook endpoint holds one slot and not a whole batch.
    tasks.spawn(fanout::pump(
        deps.clone(),
        visibility,
        fanout::PUMP_IN_FLIGHT,
        stop_rx.clone(),
    ));
    let sync_every = Duration::from_secs(env_secs("TELEDESK_SYNC_INTERVAL", 900).max(1));
    tasks.spawn(every(sync_every, stop_rx.clone(), {
        let deps = deps.clone();
        move || {
            let deps = deps.clone();
            async move {
                if let Err(e) =
                    sync::run_schedule(&deps, &serde_json::json!({"source": "serve.timer"})).await
                {
                    tracing::warn!(error = %e, "channel sync run failed");
                }
            }
        }
    }));
    tasks.spawn(every(Duration::from_secs(60), stop_rx.clone(), {
        let emb = emb.clone();
        let deps = deps.clone();
        move || {
            let emb = emb.clone();
            let sweep_deps = deps.clone();
            async move {
                if let Err(e) = emb.sweep_expired().await {
                    tracing::warn!(error = %e, "expiry sweep failed");
                }
                if let Err(e) = jobs::queue_sweeps(&sweep_deps).await {
                    tracing::warn!(error = %e, "idle-conversation sweep not queued");
                }
            }
        }
    }));

    println!("teledesk serve");
    println!("  listening  http://{addr}  (POST /telegram/{{bot_id}}, GET /healthz)");
    println!("  data dir   {}", opts.data_dir.display());
    println!("  bot        {bot_line}");
    println!("  Ctrl-C stops: in-flight work is finished first");

    let app = http::serve_router(deps).merge(files_router(emb.files.clone()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;

    println!("shutting down: finishing in-flight work");
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    println!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// One queue's consumer: receive a batch, run the handler, acknowledge the successes.
async fn consume<F, Fut>(
    deps: Deps,
    queue: &'static str,
    visibility: Duration,
    stop: watch::Receiver<bool>,
    handler: F,
) where
    F: Fn(Deps, Vec<Record>) -> Fut,
    Fut: Future<Output = Vec<String>>,
{
    while !*stop.borrow() {
        let received = match deps
            .queue
            .receive(queue, 10, Duration::from_millis(500), visibility)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(queue, error = %e, "receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if received.is_empty() {
            continue;
        }
        let receipts: Vec<(String, String)> = received
            .iter()
            .map(|m| (m.message_id.clone(), m.receipt.clone()))
            .collect();
        let failed = handler(
            deps.clone(),
            received.into_iter().map(Record::from).collect(),
        )
        .await;
        for (id, receipt) in receipts {
            if !failed.contains(&id)
                && let Err(e) = deps.queue.ack(queue, &receipt).await
            {
                tracing::warn!(queue, error = %e, "ack failed; the message will be seen again");
            }
        }
    }
}

/// Runs `job` every `period` until stopped.
async fn every<F, Fut>(period: Duration, mut stop: watch::Receiver<bool>, job: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => job().await,
            _ = stop.changed() => return,
        }
    }
}

/// Long polling: getUpdates into the same ingest path as the webhook. The offset advances only past
/// updates that were stored and queued, and is kept in the table across restarts.
async fn poll(deps: Deps, bot_id: String, tg: Arc<dyn Telegram>, mut stop: watch::Receiver<bool>) {
    let mut offset = bots::poll_offset(&deps, &bot_id).await.unwrap_or(0);
    let mut backoff = Duration::from_secs(1);
    loop {
        let got = tokio::select! {
            r = tg.get_updates(offset, LONG_POLL_SECS) => r,
            _ = stop.changed() => return,
        };
        let updates = match got {
            Ok(u) => {
                backoff = Duration::from_secs(1);
                u
            }
            Err(e) => {
                let wait = match e {
                    TelegramError::RateLimited { retry_after } => Duration::from_secs(retry_after),
                    _ => backoff,
                };
                tracing::warn!(error = %e, wait_secs = wait.as_secs(), "getUpdates failed");
                backoff = (backoff * 2).min(Duration::from_secs(60));
                tokio::select! { _ = tokio::time::sleep(wait) => continue, _ = stop.changed() => return }
            }
        };
        let before = offset;
        for update in updates {
            let Some(id) = update.get("update_id").and_then(serde_json::Value::as_i64) else {
                continue;
            };
            let raw = update.to_string();
            match ingest::accept(&deps, &bot_id, raw.as_bytes()).await {
                Ok(_) | Err(ingest::IngestError::BadRequest(_)) => offset = offset.max(id + 1),
                Err(e) => {
                    tracing::warn!(error = %e, update_id = id, "could not queue a polled update; will poll it again");
                    break;
                }
            }
        }
        if offset != before
            && let Err(e) = bots::save_poll_offset(&deps, &bot_id, offset).await
        {
            tracing::warn!(error = %e, "could not save the polling offset");
        }
    }
}
