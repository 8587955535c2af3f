//! Outbound webhooks: integrators' endpoints receive the domain events, signed per Standard
//! Webhooks ([`sign`]), over https only (or allow-listed http), never to internal addresses
//! ([`guard`]), with retries over more than a day.
//!
//! The webhook-fanout function reads the `events` queue. A domain event is fanned out: one delivery
//! per matching enabled endpoint, written conditionally on the event's stable id (a re-delivered
//! event makes no second delivery), and one `webhook.attempt` message per delivery on the same
//! queue. An attempt posts the event; on failure the next attempt is queued with the schedule's
//! delay (delays over SQS's 15 minutes are chained: the message carries its due time and is put back
//! until then). Queue messages that cannot be read are poison (the DLQ); deliveries that run out of
//! retries are `failed` in the table: the two never mix.

pub mod fanout;
pub mod flow;
pub mod sign;
pub mod template;
pub mod texts;

pub use teledesk_bot::guard;
use teledesk_bot::guard::refuse_internal;
#[allow(unused_imports)]
use teledesk_bot::{admin_chat, batch, config, counter, events, html, jobs};

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::queue::{EVENTS, MAX_DELAY, OutMessage};
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, Query, SK, TableError};

use teledesk_bot::Deps;
use teledesk_bot::batch::Outcome;

/// Webhooks, as the router sees it: the `webhook.recover` job.
pub struct Webhooks;

#[async_trait::async_trait]
impl teledesk_bot::router::Capability for Webhooks {
    fn name(&self) -> &'static str {
        "webhooks"
    }
    fn catalog(&self) -> &'static teledesk_bot::i18n::Catalog {
        texts::catalog()
    }
    fn jobs(&self) -> &'static [teledesk_bot::router::JobSpec] {
        &[teledesk_bot::router::JobSpec {
            kind: JOB_RECOVER,
            per_bot: false,
        }]
    }
    async fn on_workspace_job(&self, deps: &Deps, _kind: &str, job: &Value) -> Outcome {
        run_recovery(deps, job).await
    }
}

pub const ATTEMPT_KIND: &str = "webhook.attempt";
/// Seconds between attempts: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 3 days).
pub const SCHEDULE: &[u64] = &[5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];
/// An endpoint failing for this long is disabled.
pub const DISABLE_AFTER_SECS: i64 = 5 * 24 * 3600;
/// How long an attempt may take: 15 s (`TELEDESK_WEBHOOK_TIMEOUT_MS`, [`crate::config`]).
pub const TIMEOUT: Duration = teledesk_bot::config::WEBHOOK_TIMEOUT;
pub const MAX_RESPONSE_BYTES: usize = 20 * 1024;

pub use teledesk_bot::keys::{
    webhook_attempts_pk as attempts_pk, webhook_delivery_pk as delivery_pk,
    webhook_endpoints_pk as endpoints_pk,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretEntry {
    pub secret: String,
    pub created_at: i64,
    /// A rotated-out secret keeps signing until then.
    pub retire_at: Option<i64>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub workspace: String,
    pub url: String,
    pub description: String,
    /// Empty: every event type.
    pub event_types: Vec<String>,
    /// Equality on payload fields: `{"data.priority": "urgent"}`.
    pub filter: Option<Value>,
    /// A minijinja template reshaping the payload ([`template`]); its output must be JSON.
    #[serde(default)]
    pub template: Option<String>,
    /// Deliveries per second at most (None: no limit); see [`flow`].
    #[serde(default)]
    pub rate_limit: Option<u32>,
    pub enabled: bool,
    pub secrets: Vec<SecretEntry>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Since when every attempt has failed (cleared by a success).
    pub failing_since: Option<i64>,
    pub disabled_reason: Option<String>,
    #[serde(default)]
    pub version: i64,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl WebhookEndpoint {
    /// The secrets that sign now (the current one, and a rotated-out one for its last 24 h).
    pub fn signing_secrets(&self, now: i64) -> Vec<&str> {
        self.secrets
            .iter()
            .filter(|s| s.retire_at.is_none_or(|t| t > now))
            .map(|s| s.secret.as_str())
            .collect()
    }

    pub fn wants(&self, event: &Value) -> bool {
        let kind = event["type"].as_str().unwrap_or_default();
        (self.event_types.is_empty() || self.event_types.iter().any(|t| t == kind))
            && self
                .filter
                .as_ref()
                .is_none_or(|f| matches_filter(f, event))
    }

    fn to_item(&self) -> Item {
        teledesk_bot::record::to_item(self)
    }
}

impl teledesk_bot::record::Record for WebhookEndpoint {
    const KIND: &'static str = "webhook endpoint";
    fn key(&self) -> (String, String) {
        (endpoints_pk(&self.workspace), self.id.clone())
    }
}

/// `{"data.priority": "urgent", "type": "ticket.updated"}`: every path equals its value.
pub fn matches_filter(filter: &Value, event: &Value) -> bool {
    filter.as_object().is_none_or(|f| {
        f.iter().all(|(path, want)| {
            let got = path.split('.').try_fold(event, |v, k| v.get(k));
            got == Some(want)
        })
    })
}

pub async fn get_endpoint(
    deps: &Deps,
    workspace: &str,
    id: &str,
) -> Result<Option<WebhookEndpoint>, TableError> {
    let item = deps.table.get(&endpoints_pk(workspace), id).await?;
    Ok(item.and_then(|i| teledesk_bot::record::from_item(i).ok()))
}

pub async fn list_endpoints(
    deps: &Deps,
    workspace: &str,
) -> Result<Vec<WebhookEndpoint>, TableError> {
    teledesk_bot::record::all(
        deps.table.as_ref(),
        Query::partition(endpoints_pk(workspace)),
    )
    .await
}

/// Writes an endpoint guarded by its version (absent when 0); returns it with the new version.
pub async fn save_endpoint(
    deps: &Deps,
    e: &WebhookEndpoint,
) -> Result<WebhookEndpoint, TableError> {
    let mut next = e.clone();
    next.version = e.version + 1;
    next.updated_at = teledesk_ports::now_secs();
    let mut item = next.to_item();
    item.insert(table::VERSION.into(), json!(next.version));
    let cond = if e.version == 0 {
        Condition::Absent
    } else {
        Condition::VersionEquals(e.version)
    };
    deps.table.put(item, cond).await?;
    Ok(next)
}

pub async fn delete_endpoint(deps: &Deps, workspace: &str, id: &str) -> Result<bool, TableError> {
    match deps
        .table
        .delete(&endpoints_pk(workspace), id, Condition::Exists)
        .await
    {
        Ok(()) => Ok(true),
        Err(TableError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A CloudWatch embedded-metric-format line for one delivery outcome (`delivered`, `retrying`,
/// `failed`, `disabled`), with the delivery's latency from its creation when it is delivered.
pub fn emf_line(outcome: &str, latency_ms: Option<i64>, at_ms: i64) -> String {
    let mut metrics = vec![json!({"Name": "Deliveries", "Unit": "Count"})];
    let mut line = json!({"Outcome": outcome, "Deliveries": 1});
    if let Some(l) = latency_ms {
        metrics.push(json!({"Name": "DeliveryLatency", "Unit": "Milliseconds"}));
        line["DeliveryLatency"] = json!(l);
    }
    line["_aws"] = json!({"Timestamp": at_ms, "CloudWatchMetrics": [{
        "Namespace": "Teledesk/Webhooks", "Dimensions": [["Outcome"]], "Metrics": metrics}]});
    line.to_string()
}

/// Writes the metric line to stdout when the configuration asks for metric lines (on Lambda
/// CloudWatch reads them from the log).
fn metric(deps: &Deps, outcome: &str, latency_ms: Option<i64>) {
    if deps.config.emf {
        println!(
            "{}",
            emf_line(outcome, latency_ms, teledesk_ports::now_millis())
        );
    }
}

fn log_ttl(deps: &Deps) -> i64 {
    deps.config.webhook_log_ttl_days * 86_400
}

/// The delay before attempt `n + 1` after `n` failed attempts (with ±10 % jitter), or None when
/// the schedule is used up.
pub fn next_delay(failed_attempts: usize, scale: f64) -> Option<Duration> {
    let base = *SCHEDULE.get(failed_attempts.checked_sub(1)?)? as f64 * scale;
    let jitter = 0.9 + rand::random::<f64>() * 0.2;
    Some(Duration::from_secs_f64(base * jitter))
}

/// Sends a delivery again now (resend, recovery): it becomes `pending` and an attempt is queued.
/// Returns false when the delivery does not exist.
pub async fn requeue(deps: &Deps, ep: &WebhookEndpoint, event_id: &str) -> Result<bool, String> {
    let Some(mut d) = deps
        .table
        .get(&delivery_pk(&ep.id), event_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(false);
    };
    d.insert("status".into(), json!("pending"));
    d.remove("next_attempt_at");
    let done = table::int_attr(&d, "attempts").unwrap_or(0);
    deps.table
        .put(d, Condition::Exists)
        .await
        .map_err(|e| e.to_string())?;
    queue_attempt(deps, &ep.workspace, &ep.id, event_id, 0, done)
        .await
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// A recovery: an endpoint's `failed` and `skipped` deliveries since a time sent again (or, dry,
/// only counted), page by page in `webhook.recover` jobs with its progress on the record
/// (`WHRC#<endpoint>` / `<recovery id>`), not inside the request that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    pub id: String,
    pub workspace: String,
    pub endpoint_id: String,
    pub since: i64,
    pub dry_run: bool,
    /// `running` or `done`.
    pub status: String,
    /// Deliveries read so far.
    pub scanned: u64,
    /// Failed or skipped ones since the time.
    pub found: u64,
    /// Those queued again.
    pub requeued: u64,
    /// Where the next page starts (the table's cursor).
    #[serde(default)]
    pub cursor: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    #[serde(default)]
    pub version: i64,
}

pub const JOB_RECOVER: &str = "webhook.recover";
/// Deliveries read per page of a recovery.
const RECOVER_PAGE: usize = 200;
/// A recovery job stops after this long and queues its continuation.
const RECOVER_BUDGET: Duration = Duration::from_secs(20);
/// How long a recovery's record is kept.
const RECOVERY_TTL_SECS: i64 = 7 * 86_400;

pub use teledesk_bot::keys::webhook_recovery_pk as recovery_pk;

fn recovery_item(r: &Recovery) -> Item {
    let mut i = match serde_json::to_value(r) {
        Ok(Value::Object(m)) => m,
        _ => Item::new(),
    };
    i.insert(PK.into(), json!(recovery_pk(&r.endpoint_id)));
    i.insert(SK.into(), json!(r.id));
    i.insert(EXPIRES_AT.into(), json!(r.started_at + RECOVERY_TTL_SECS));
    i
}

pub async fn get_recovery(
    deps: &Deps,
    endpoint_id: &str,
    id: &str,
) -> Result<Option<Recovery>, TableError> {
    Ok(deps
        .table
        .get(&recovery_pk(endpoint_id), id)
        .await?
        .and_then(|i| serde_json::from_value(Value::Object(i)).ok()))
}

/// Records a recovery and queues its first job.
pub async fn start_recovery(
    deps: &Deps,
    ep: &WebhookEndpoint,
    since: i64,
    dry_run: bool,
) -> Result<Recovery, String> {
    let r = Recovery {
        id: format!("rec_{}", hex::encode(rand::random::<[u8; 8]>())),
        workspace: ep.workspace.clone(),
        endpoint_id: ep.id.clone(),
        since,
        dry_run,
        status: "running".into(),
        scanned: 0,
        found: 0,
        requeued: 0,
        cursor: None,
        started_at: teledesk_ports::now_secs(),
        finished_at: None,
        version: 1,
    };
    deps.table
        .put(recovery_item(&r), Condition::Absent)
        .await
        .map_err(|e| e.to_string())?;
    queue_recovery(deps, &r).await?;
    Ok(r)
}

async fn queue_recovery(deps: &Deps, r: &Recovery) -> Result<(), String> {
    crate::jobs::queue(
        deps,
        json!({"kind": JOB_RECOVER, "workspace": r.workspace, "endpoint_id": r.endpoint_id,
               "recovery_id": r.id}),
    )
    .await
    .map_err(|e| e.to_string())
}

/// A `webhook.recover` job: pages of the endpoint's deliveries from where the recovery stands,
/// each page's progress saved under the record's version (of two jobs racing on one recovery,
/// the one that saves second stops), until the partition is read or the time budget is spent
/// (then a continuation is queued). Requeueing a delivery twice posts it once (an attempt names
/// the attempt count it follows).
pub async fn run_recovery(deps: &Deps, job: &Value) -> Outcome {
    let (Some(endpoint_id), Some(id)) = (job["endpoint_id"].as_str(), job["recovery_id"].as_str())
    else {
        return Outcome::Poison("webhook.recover needs endpoint_id and recovery_id".into());
    };
    let started = std::time::Instant::now();
    loop {
        let mut r = match get_recovery(deps, endpoint_id, id).await {
            Ok(Some(r)) if r.status == "running" => r,
            Ok(_) => return Outcome::Done,
            Err(e) => return retry(e),
        };
        let ep = match get_endpoint(deps, &r.workspace, endpoint_id).await {
            Ok(Some(ep)) => ep,
            Ok(None) => return Outcome::Done, // the endpoint was deleted
            Err(e) => return retry(e),
        };
        let page = match deps
            .table
            .query(
                &Query::partition(delivery_pk(endpoint_id))
                    .limit(RECOVER_PAGE)
                    .after(r.cursor.clone()),
            )
            .await
        {
            Ok(p) => p,
            Err(e) => return retry(e),
        };
        for d in &page.items {
            r.scanned += 1;
            let Some(event_id) = table::str_attr(d, "event_id") else {
                continue;
            };
            if !matches!(table::str_attr(d, "status"), Some("failed" | "skipped"))
                || table::int_attr(d, "created_at").unwrap_or(0) < r.since
            {
                continue;
            }
            r.found += 1;
            if !r.dry_run && ep.enabled {
                if let Err(e) = requeue(deps, &ep, event_id).await {
                    tracing::warn!(error = %e, "recovery paused; the job will be retried");
                    return Outcome::Retry { after: None };
                }
                r.requeued += 1;
            }
        }
        r.cursor = page.cursor;
        if r.cursor.is_none() {
            r.status = "done".into();
            r.finished_at = Some(teledesk_ports::now_secs());
        }
        let version = r.version;
        r.version += 1;
        match deps
            .table
            .put(recovery_item(&r), Condition::VersionEquals(version))
            .await
        {
            Ok(()) => {}
            // Another run of this recovery saved first: it carries on.
            Err(TableError::ConditionFailed) => return Outcome::Done,
            Err(e) => return retry(e),
        }
        if r.status == "done" {
            tracing::info!(recovery = %r.id, found = r.found, requeued = r.requeued, "recovery done");
            return Outcome::Done;
        }
        if started.elapsed() >= RECOVER_BUDGET {
            return match queue_recovery(deps, &r).await {
                Ok(()) => Outcome::Done,
                Err(_) => Outcome::Retry { after: None },
            };
        }
    }
}

/// Queues an attempt message due at `due_at` (ms); delays over 15 minutes are chained.
///
/// `after` is the number of attempts the delivery will have made when this one runs: the message
/// runs only against exactly that state, so a duplicate or stale message never posts twice.
async fn queue_attempt(
    deps: &Deps,
    workspace: &str,
    endpoint_id: &str,
    event_id: &str,
    due_at_ms: i64,
    after: i64,
) -> Result<(), teledesk_ports::queue::QueueError> {
    let wait_ms = (due_at_ms - teledesk_ports::now_millis()).max(0) as u64;
    let delay = Duration::from_millis(wait_ms).min(MAX_DELAY);
    let body = json!({"kind": ATTEMPT_KIND, "workspace": workspace, "endpoint_id": endpoint_id,
                      "event_id": event_id, "due_at": due_at_ms, "after": after});
    let mut msg = OutMessage::new(body.to_string());
    if delay >= Duration::from_secs(1) {
        msg = msg.delayed(delay);
    }
    deps.queue.send(EVENTS, vec![msg]).await
}

/// Fans a domain event out: one delivery per matching enabled endpoint (idempotent on the event id),
/// `skipped` for matching disabled ones.
pub async fn fan_out(deps: &Deps, event: &Value) -> Outcome {
    let (Some(_), Some(workspace)) = (event["id"].as_str(), event["workspace"].as_str()) else {
        return Outcome::Poison("event needs a string id and workspace".into());
    };
    let endpoints = match list_endpoints(deps, workspace).await {
        Ok(e) => e,
        Err(e) => return retry(e),
    };
    // Side by side: a slow endpoint does not hold up the first attempts to the others.
    let outcomes = futures::future::join_all(
        endpoints
            .iter()
            .filter(|e| e.wants(event))
            .map(|ep| deliver_to(deps, ep, event)),
    )
    .await;
    // A poison event fails as poison; anything else that did not finish retries the event, whose
    // finished deliveries are found and left alone.
    outcomes
        .into_iter()
        .find(|o| *o != Outcome::Done)
        .unwrap_or(Outcome::Done)
}

/// One delivery of `event` to `ep` (idempotent on the event's id) and its first attempt queued;
/// `skipped` when the endpoint is disabled.
pub async fn deliver_to(deps: &Deps, ep: &WebhookEndpoint, event: &Value) -> Outcome {
    let Some(event_id) = event["id"].as_str() else {
        return Outcome::Poison("event needs a string id".into());
    };
    let now = teledesk_ports::now_secs();
    let status = if ep.enabled { "pending" } else { "skipped" };
    let mut d = Item::new();
    d.insert(PK.into(), json!(delivery_pk(&ep.id)));
    d.insert(SK.into(), json!(event_id));
    d.insert("endpoint_id".into(), json!(ep.id));
    d.insert("event_id".into(), json!(event_id));
    d.insert("event_type".into(), event["type"].clone());
    d.insert("payload".into(), json!(event.to_string()));
    d.insert("status".into(), json!(status));
    d.insert("attempts".into(), json!(0));
    d.insert("created_at".into(), json!(now));
    d.insert(EXPIRES_AT.into(), json!(now + log_ttl(deps)));
    let fresh = match deps.table.put(d.clone(), Condition::Absent).await {
        Ok(()) => true,
        Err(TableError::ConditionFailed) => false,
        Err(e) => return retry(e),
    };
    // A re-delivered event whose delivery exists but never ran queues its attempt again: an attempt
    // finds the delivery's state and never posts twice.
    let never_ran = !fresh
        && matches!(
            deps.table.get(&delivery_pk(&ep.id), event_id).await,
            Ok(Some(ref d)) if table::str_attr(d, "status") == Some("pending") && table::int_attr(d, "attempts") == Some(0)
        );
    if ep.enabled && fresh {
        // The first attempt at once, here: no round trip through the queue. What follows (a retry,
        // a wait for the endpoint) is queued by the attempt itself.
        // This run wrote the delivery, so it alone owns attempt 1: no claim needed.
        return send(deps, ep.clone(), d, false).await;
    }
    if ep.enabled
        && never_ran
        && let Err(e) = queue_attempt(deps, &ep.workspace, &ep.id, event_id, 0, 0).await
    {
        tracing::warn!(error = %e, "attempt not queued; the event will be retried");
        return Outcome::Retry { after: None };
    }
    Outcome::Done
}

fn retry(e: TableError) -> Outcome {
    tracing::warn!(error = %e, "table error in the fan-out; retried");
    Outcome::Retry { after: None }
}

/// What one HTTP attempt gave.
struct Attempted {
    status: Option<u16>,
    retry_after: Option<u64>,
    body: String,
    error: Option<String>,
    duration_ms: u64,
}

/// Posts a webhook: the URL is checked, an address literal against the guard here, a name by the
/// resolver.
async fn post(deps: &Deps, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Attempted {
    let allow = &deps.config.webhook_allowlist;
    let started = std::time::Instant::now();
    let fail = |error: String| Attempted {
        status: None,
        retry_after: None,
        body: String::new(),
        error: Some(error),
        duration_ms: started.elapsed().as_millis() as u64,
    };
    let Ok(u) = reqwest::Url::parse(url) else {
        return fail("not a URL".into());
    };
    if let Some(why) = guard::check_url(url, allow) {
        return fail(format!("refused: {why}"));
    }
    let host = u
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    if let Ok(ip) = host.parse::<std::net::IpAddr>()
        && let Err(why) = refuse_internal(allow, &host, std::iter::once(ip))
    {
        return fail(why);
    }
    let mut req = deps
        .config
        .webhook_client()
        .post(u)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let mut body = Vec::new();
            let mut resp = resp;
            while body.len() < MAX_RESPONSE_BYTES {
                match resp.chunk().await {
                    Ok(Some(c)) => body.extend_from_slice(&c),
                    _ => break,
                }
            }
            body.truncate(MAX_RESPONSE_BYTES);
            Attempted {
                status: Some(status),
                retry_after,
                body: String::from_utf8_lossy(&body).into_owned(),
                error: None,
                duration_ms: started.elapsed().as_millis() as u64,
            }
        }
        Err(e) => {
            // A refusal by the resolver is reported as such, not as a network error.
            let mut source: Option<&dyn std::error::Error> = Some(&e);
            while let Some(s) = source {
                if s.to_string().starts_with("refused:") {
                    return fail(s.to_string());
                }
                source = s.source();
            }
            let what = if e.is_timeout() {
                format!(
                    "timed out after {} ms",
                    deps.config.webhook_timeout.as_millis()
                )
            } else {
                e.without_url().to_string()
            };
            fail(what)
        }
    }
}

/// One `webhook.attempt` message.
pub async fn attempt(deps: &Deps, msg: &Value) -> Outcome {
    let (Some(workspace), Some(endpoint_id), Some(event_id)) = (
        msg["workspace"].as_str(),
        msg["endpoint_id"].as_str(),
        msg["event_id"].as_str(),
    ) else {
        return Outcome::Poison("attempt message needs workspace, endpoint_id and event_id".into());
    };
    let due_at = msg["due_at"].as_i64().unwrap_or(0);
    let after = msg["after"].as_i64();
    if due_at > teledesk_ports::now_millis() + 1000 {
        // Not yet: a chained delay (the queue delays at most 15 minutes at a time).
        let after = after.unwrap_or(0);
        return match queue_attempt(deps, workspace, endpoint_id, event_id, due_at, after).await {
            Ok(()) => Outcome::Done,
            Err(_) => Outcome::Retry { after: None },
        };
    }
    let dpk = delivery_pk(endpoint_id);
    let mut d = match deps.table.get(&dpk, event_id).await {
        Ok(Some(d)) => d,
        Ok(None) => return Outcome::Done, // expired from the log or never made: nothing to send
        Err(e) => return retry(e),
    };
    if !matches!(table::str_attr(&d, "status"), Some("pending" | "retrying")) {
        return Outcome::Done; // delivered, failed or skipped already (a re-delivered message)
    }
    let done = table::int_attr(&d, "attempts").unwrap_or(0);
    match after {
        // Another message made this attempt already (a duplicate, or one queued twice).
        Some(n) if n < done => return Outcome::Done,
        // The attempt before this one has not recorded itself yet: come back shortly.
        Some(n) if n > done => {
            return Outcome::Retry {
                after: Some(Duration::from_secs(1)),
            };
        }
        _ => {}
    }
    let ep = match get_endpoint(deps, workspace, endpoint_id).await {
        Ok(Some(e)) => e,
        Ok(None) => {
            d.insert("status".into(), json!("failed"));
            d.insert("last_error".into(), json!("the endpoint was deleted"));
            return store(deps, d).await;
        }
        Err(e) => return retry(e),
    };
    if !ep.enabled {
        d.insert("status".into(), json!("skipped"));
        return store(deps, d).await;
    }
    send(deps, ep, d, true).await
}

/// Posts one delivery `d` (pending or retrying) to its enabled endpoint `ep`, records the attempt
/// and decides what follows: delivered, retried later, failed, or the endpoint disabled.
///
/// With `claim`, the attempt's log entry is first written on condition that it is absent, so that
/// two copies of one attempt message (the queue delivers at least once) never both post; the claim
/// expires after the timeout and a minute, so a run that died mid-attempt is taken over.
async fn send(deps: &Deps, mut ep: WebhookEndpoint, mut d: Item, claim: bool) -> Outcome {
    let (workspace, endpoint_id) = (ep.workspace.clone(), ep.id.clone());
    let (workspace, endpoint_id) = (workspace.as_str(), endpoint_id.as_str());
    let Some(event_id) = table::str_attr(&d, "event_id").map(str::to_owned) else {
        return Outcome::Poison("a delivery without its event id".into());
    };
    let event_id = event_id.as_str();
    let done = table::int_attr(&d, "attempts").unwrap_or(0);
    // Flow control: an endpoint that is busy, rate-limited or whose circuit is open makes this
    // attempt wait on the queue; waiting is not an attempt.
    let now_ms = teledesk_ports::now_millis();
    let pass = match flow::admit(deps, endpoint_id, ep.rate_limit, now_ms).await {
        Ok(flow::Gate::Go(pass)) => pass,
        Ok(flow::Gate::Wait { until_ms, why }) => {
            tracing::debug!(endpoint_id, event_id, why, "webhook attempt waits");
            return match queue_attempt(deps, workspace, endpoint_id, event_id, until_ms, done).await
            {
                Ok(()) => Outcome::Done,
                Err(_) => Outcome::Retry { after: None },
            };
        }
        Err(e) => return retry(e),
    };
    let now = now_ms / 1000;
    let n = done + 1;
    let mut log = Item::new();
    log.insert(PK.into(), json!(attempts_pk(endpoint_id, event_id)));
    log.insert(SK.into(), json!(format!("{n:03}")));
    log.insert("at".into(), json!(now));
    if claim {
        let mut claimed = log.clone();
        claimed.insert("error".into(), json!("in progress"));
        claimed.insert(
            EXPIRES_AT.into(),
            json!(now + deps.config.webhook_timeout.as_secs() as i64 + 60),
        );
        match deps.table.put(claimed, Condition::Absent).await {
            Ok(()) => {}
            Err(TableError::ConditionFailed) => return Outcome::Done, // another copy runs it
            Err(e) => return retry(e),
        }
    }
    let mut payload = table::str_attr(&d, "payload").unwrap_or("{}").to_owned();
    if let Some(t) = &ep.template {
        let event: Value = serde_json::from_str(&payload).unwrap_or_default();
        match template::render(t, &event) {
            Ok(v) => payload = v.to_string(),
            Err(why) => {
                // The template was valid at save time but not for this event: nothing to send.
                d.insert("status".into(), json!("failed"));
                d.insert("last_error".into(), json!(format!("template: {why}")));
                tracing::warn!(endpoint_id, event_id, error = %why, "webhook template failed");
                return store(deps, d).await;
            }
        }
    }
    let signature =
        sign::signature_header(&ep.signing_secrets(now), event_id, now, payload.as_bytes());
    let headers = [
        ("webhook-id", event_id.to_owned()),
        ("webhook-timestamp", now.to_string()),
        ("webhook-signature", signature),
        (
            "user-agent",
            format!("Teledesk-Webhooks/{}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    let a = post(deps, &ep.url, &headers, payload.into_bytes()).await;
    let answer = match a.status {
        Some(200..=299)
            if flow::is_slow(
                Duration::from_millis(a.duration_ms),
                deps.config.webhook_timeout,
            ) =>
        {
            flow::Answer::Slow
        }
        Some(200..=299) => flow::Answer::Fast,
        _ => flow::Answer::Failed,
    };
    if let Err(e) = flow::record(deps, &pass, answer, teledesk_ports::now_millis()).await {
        tracing::warn!(endpoint_id, error = %e, "circuit breaker not updated");
    }
    log.insert("status_code".into(), json!(a.status));
    log.insert("duration_ms".into(), json!(a.duration_ms));
    log.insert("response".into(), json!(a.body));
    log.insert("error".into(), json!(a.error));
    log.insert(EXPIRES_AT.into(), json!(now + log_ttl(deps)));
    // The attempt's log entry is written with the delivery's new state, in one transaction.
    d.insert("attempts".into(), json!(n));
    d.insert("last_status_code".into(), json!(a.status));
    d.insert("last_error".into(), json!(a.error));
    let delivered = a.status.is_some_and(|s| (200..300).contains(&s));
    let gone = a.status == Some(410);
    if delivered {
        d.insert("status".into(), json!("delivered"));
        d.insert("delivered_at".into(), json!(now));
        d.remove("next_attempt_at");
        if ep.failing_since.is_some() {
            ep.failing_since = None;
            let _ = save_endpoint(deps, &ep).await;
        }
        tracing::info!(endpoint_id, event_id, attempt = n, "webhook delivered");
        let created = table::int_attr(&d, "created_at").unwrap_or(now);
        metric(deps, "delivered", Some((now - created) * 1000));
        return store_with_log(deps, d, log).await;
    }
    if a.error
        .as_deref()
        .is_some_and(|e| e.starts_with("refused:"))
    {
        // The guard refused the address: retrying cannot help; the delivery fails and says why.
        d.insert("status".into(), json!("failed"));
        tracing::warn!(
            endpoint_id,
            event_id,
            error = a.error.as_deref(),
            "webhook refused by the address guard"
        );
        return store_with_log(deps, d, log).await;
    }
    let since = *ep.failing_since.get_or_insert(now);
    if gone || now - since >= DISABLE_AFTER_SECS {
        ep.enabled = false;
        ep.disabled_reason = Some(if gone {
            "the endpoint answered 410 Gone".into()
        } else {
            "every attempt failed for 5 days".into()
        });
        // The admin chat and the event first, the endpoint last: a failure here retries the whole
        // step (the event's id is stable; the notice may repeat once), while an endpoint already
        // disabled would never come back to tell anyone.
        // The admin chat's language is the workspace's; the stored reason stays the API's English.
        let lang = deps.config.language;
        let reason = if gone {
            texts::t_in(lang, "endpoint-disabled-gone", &[])
        } else {
            texts::t_in(
                lang,
                "endpoint-disabled-failing",
                &[("days", (DISABLE_AFTER_SECS / 86_400).into())],
            )
        };
        let notice = texts::t_in(
            lang,
            "endpoint-disabled",
            &[
                ("endpoint", endpoint_id.into()),
                ("url", (&ep.url).into()),
                ("reason", teledesk_bot::i18n::Arg::Html(reason)),
            ],
        );
        if let Err(e) = crate::admin_chat::notify(deps, workspace, &notice).await {
            tracing::warn!(endpoint_id, error = %e, "admin chat not told yet; retried");
            return Outcome::Retry { after: None };
        }
        if let Err(e) = crate::events::emit(
            deps,
            "endpoint.disabled",
            &format!("{endpoint_id}#{since}"),
            workspace,
            "",
            json!({"endpoint_id": endpoint_id, "url": ep.url, "reason": ep.disabled_reason}),
        )
        .await
        {
            tracing::warn!(endpoint_id, error = %e, "endpoint.disabled not emitted yet; retried");
            return Outcome::Retry { after: None };
        }
        if let Err(e) = save_endpoint(deps, &ep).await {
            return retry(e);
        }
        tracing::warn!(
            endpoint_id,
            reason = ep.disabled_reason.as_deref(),
            "webhook endpoint disabled"
        );
        metric(deps, "disabled", None);
        d.insert("status".into(), json!("failed"));
        return store_with_log(deps, d, log).await;
    } else if ep.failing_since == Some(now) {
        let _ = save_endpoint(deps, &ep).await;
    }
    match next_delay(n as usize, deps.config.webhook_retry_scale) {
        Some(delay) => {
            let delay = a
                .retry_after
                .map_or(delay, |r| delay.max(Duration::from_secs(r)));
            let due = teledesk_ports::now_millis() + delay.as_millis() as i64;
            metric(deps, "retrying", None);
            d.insert("status".into(), json!("retrying"));
            d.insert("next_attempt_at".into(), json!(due / 1000));
            // The next attempt is queued before the delivery says `retrying`: if queueing fails,
            // the delivery is as it was and whatever brought us here (the event, or this attempt's
            // message) runs again; a `retrying` delivery always has its attempt on the queue. The
            // message names attempt n + 1, so it waits for this record and never posts twice.
            if queue_attempt(deps, workspace, endpoint_id, event_id, due, n)
                .await
                .is_err()
            {
                return Outcome::Retry { after: None };
            }
            store_with_log(deps, d, log).await
        }
        None => {
            d.insert("status".into(), json!("failed"));
            d.remove("next_attempt_at");
            tracing::warn!(
                endpoint_id,
                event_id,
                attempts = n,
                "webhook retries used up; delivery failed"
            );
            metric(deps, "failed", None);
            store_with_log(deps, d, log).await
        }
    }
}

async fn store(deps: &Deps, d: Item) -> Outcome {
    match deps.table.put(d, Condition::None).await {
        Ok(()) => Outcome::Done,
        Err(e) => retry(e),
    }
}

async fn store_with_log(deps: &Deps, d: Item, log: Item) -> Outcome {
    let ops = vec![
        table::TxOp::Put {
            item: log,
            condition: Condition::None,
        },
        table::TxOp::Put {
            item: d,
            condition: Condition::None,
        },
    ];
    match deps.table.transact(ops).await {
        Ok(()) => Outcome::Done,
        Err(e) => retry(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lines_are_embedded_metric_format() {
        let v: Value =
            serde_json::from_str(&emf_line("delivered", Some(1234), 1_795_000_000_000)).unwrap();
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "Teledesk/Webhooks"
        );
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Outcome"]])
        );
        assert_eq!(
            (
                v["Outcome"].as_str(),
                v["Deliveries"].as_i64(),
                v["DeliveryLatency"].as_i64()
            ),
            (Some("delivered"), Some(1), Some(1234))
        );
        let r: Value = serde_json::from_str(&emf_line("retrying", None, 0)).unwrap();
        assert_eq!(
            r["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn the_schedule_spans_more_than_a_day_with_jitter() {
        let total: u64 = SCHEDULE.iter().sum();
        assert!(total > 24 * 3600);
        assert_eq!(next_delay(0, 1.0), None);
        let d = next_delay(1, 1.0).unwrap().as_secs_f64();
        assert!((4.5..=5.5).contains(&d), "{d}");
        assert!(next_delay(SCHEDULE.len() + 1, 1.0).is_none());
    }

    #[test]
    fn internal_addresses_of_a_name_are_refused() {
        let none = guard::AllowList::default();
        let e = refuse_internal(
            &none,
            "db.internal",
            ["8.8.8.8", "10.0.0.7"].iter().map(|i| i.parse().unwrap()),
        )
        .unwrap_err();
        assert!(e.starts_with("refused:") && e.contains("10.0.0.7"), "{e}");
        assert!(
            refuse_internal(
                &none,
                "example.com",
                std::iter::once("93.184.216.34".parse().unwrap())
            )
            .is_ok()
        );
    }

    #[test]
    fn filters_match_paths() {
        let ev = json!({"type": "ticket.updated", "data": {"ticket": {"priority": "urgent"}}});
        assert!(matches_filter(
            &json!({"data.ticket.priority": "urgent"}),
            &ev
        ));
        assert!(!matches_filter(
            &json!({"data.ticket.priority": "low"}),
            &ev
        ));
        assert!(!matches_filter(&json!({"data.missing": 1}), &ev));
    }
}
