//! Flow control per endpoint, so that one dead, slow or busy endpoint never holds up deliveries to
//! the others. Before an attempt posts, [`admit`] asks three gates; an attempt that may not go now
//! waits on the queue until a given time. Waiting is not an attempt: it uses none of the retry
//! schedule, and nothing is dropped.
//!
//! - **In flight per process**: at most [`MAX_IN_FLIGHT`] attempts to one endpoint at once in one
//!   process (a Lambda instance, `serve`); an attempt waits up to [`SLOT_WAIT`] for a slot, then
//!   goes back to the queue. A busy fast endpoint frees slots within milliseconds and keeps its pace;
//!   a slow one cannot keep workers for longer than that before its breaker trips.
//! - **Rate limit** (`rate_limit` on the endpoint, deliveries per second): a [`crate::counter`]
//!   per endpoint and second, shared by every process (`WHR#<endpoint>` / second).
//! - **Circuit breaker** (`WHB#<endpoint>` / `BREAKER`): after [`TRIP_AFTER`] attempts in a row
//!   that failed or were slow (over a third of the timeout), the circuit opens for a cool-down that
//!   doubles with every further failure (from 5 s up to 1 h, scaled like the retry schedule). When
//!   the cool-down ends, one attempt at a time is let through as a probe (a lease written with a
//!   version check); a fast success closes the circuit, a slow one lets the next probe go at once,
//!   a failure opens it again. A dead endpoint thus gets one request per cool-down, a slow one one
//!   request at a time, and neither holds more than one worker anywhere. A healthy endpoint has no
//!   breaker record; a process trusts an absent one for [`CLOSED_FOR_MS`] before reading it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use serde_json::json;
use teledesk_ports::table::{self, Condition, Item, PK, SK, TableError};

use crate::Deps;

/// Attempts to one endpoint in flight at once in one process.
pub const MAX_IN_FLIGHT: usize = 16;
/// How long an attempt waits for a slot before it goes back to the queue.
pub const SLOT_WAIT: Duration = Duration::from_millis(250);
/// Failed or slow attempts in a row that open the circuit.
pub const TRIP_AFTER: i64 = 3;
/// The first cool-down of an open circuit; it doubles with each failed probe.
pub const COOL_DOWN_MS: i64 = 5_000;
/// The longest cool-down.
pub const MAX_COOL_DOWN_MS: i64 = 3_600_000;
/// The shortest wait on the queue (SQS delays are whole seconds; a shorter wait would spin).
pub const MIN_WAIT_MS: i64 = 1_000;

const BREAKER_SK: &str = "BREAKER";

pub use teledesk_bot::keys::{webhook_breaker_pk as breaker_pk, webhook_rate_pk as rate_pk};

/// What the gates say about an attempt.
#[derive(Debug)]
pub enum Gate {
    /// Post now; the slot is released when the pass is dropped.
    Go(Pass),
    /// Wait on the queue until this time (epoch ms).
    Wait { until_ms: i64, why: &'static str },
}

/// A slot among the endpoint's in-flight attempts in this process, released when dropped.
#[derive(Debug)]
pub struct Pass {
    endpoint_id: String,
    /// Whether the endpoint had a breaker record when admitted (a fast success then clears it).
    breaker: bool,
    _slot: OwnedSemaphorePermit,
}

/// Per endpoint in this process: its in-flight slots.
#[derive(Clone)]
struct Slots {
    free: Arc<Semaphore>,
}

fn slots(endpoint_id: &str) -> Slots {
    static M: std::sync::OnceLock<Mutex<HashMap<String, Slots>>> = std::sync::OnceLock::new();
    let mut m = M
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    m.entry(endpoint_id.to_owned())
        .or_insert_with(|| Slots {
            free: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        })
        .clone()
}

/// A slot now, or after a short wait when the endpoint is busy (a fast endpoint frees one within
/// milliseconds); None when none frees within [`SLOT_WAIT`]: the endpoint is slow, and the attempt
/// goes back to the queue instead of holding a worker.
async fn take_slot(endpoint_id: &str) -> Option<Pass> {
    let free = slots(endpoint_id).free;
    let slot = match free.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => tokio::time::timeout(SLOT_WAIT, free.acquire_owned())
            .await
            .ok()?
            .ok()?,
    };
    Some(Pass {
        endpoint_id: endpoint_id.to_owned(),
        breaker: false,
        _slot: slot,
    })
}

/// A wait of at least [`MIN_WAIT_MS`], spread by up to a second so that waiting attempts do not
/// all come back at the same instant.
fn spread(until_ms: i64, now_ms: i64) -> i64 {
    until_ms.max(now_ms + MIN_WAIT_MS) + (rand::random::<u64>() % 1000) as i64
}

/// Asks the gates whether an attempt to the endpoint may post now.
pub async fn admit(
    deps: &Deps,
    endpoint_id: &str,
    rate_limit: Option<u32>,
    now_ms: i64,
) -> Result<Gate, TableError> {
    let Some(mut pass) = take_slot(endpoint_id).await else {
        return Ok(Gate::Wait {
            until_ms: spread(now_ms, now_ms),
            why: "in flight",
        });
    };
    match breaker_wait(deps, endpoint_id, now_ms).await? {
        Breaker::Closed => {}
        Breaker::Through => pass.breaker = true,
        Breaker::Wait(until) => {
            return Ok(Gate::Wait {
                until_ms: spread(until, now_ms),
                why: "circuit open",
            });
        }
    }
    if let Some(limit) = rate_limit.filter(|l| *l > 0) {
        let (n, second) =
            crate::counter::hit(deps.table.as_ref(), &rate_pk(endpoint_id), 1, now_ms / 1000)
                .await?;
        if n > i64::from(limit) {
            // Over the limit: come back in the second where this one's turn falls.
            let ahead = (n - 1) / i64::from(limit);
            return Ok(Gate::Wait {
                until_ms: spread((second + ahead) * 1000, now_ms),
                why: "rate limit",
            });
        }
    }
    Ok(Gate::Go(pass))
}

enum Breaker {
    /// No record: all is well.
    Closed,
    /// A record (failures below the trip count, or this attempt won the probe): go.
    Through,
    /// Come back then (epoch ms).
    Wait(i64),
}

/// Endpoints whose breaker this process found absent, and when (epoch ms): trusted for
/// [`CLOSED_FOR_MS`], so that a healthy endpoint's attempts do not each read the table. This
/// process's own failures clear the entry at once; another process's are seen within that time.
fn known_closed() -> &'static Mutex<HashMap<String, i64>> {
    static M: std::sync::OnceLock<Mutex<HashMap<String, i64>>> = std::sync::OnceLock::new();
    M.get_or_init(Default::default)
}

/// How long an absent breaker is trusted without reading it again.
pub const CLOSED_FOR_MS: i64 = 1_000;

fn closed_mark(endpoint_id: &str, at_ms: Option<i64>) {
    let mut m = known_closed().lock().unwrap_or_else(|e| e.into_inner());
    match at_ms {
        Some(t) => {
            m.insert(endpoint_id.to_owned(), t);
        }
        None => {
            m.remove(endpoint_id);
        }
    }
}

async fn breaker_wait(deps: &Deps, endpoint_id: &str, now_ms: i64) -> Result<Breaker, TableError> {
    let trusted = known_closed()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(endpoint_id)
        .is_some_and(|t| now_ms - t < CLOSED_FOR_MS);
    if trusted {
        return Ok(Breaker::Closed);
    }
    let Some(mut b) = deps.table.get(&breaker_pk(endpoint_id), BREAKER_SK).await? else {
        closed_mark(endpoint_id, Some(now_ms));
        return Ok(Breaker::Closed);
    };
    closed_mark(endpoint_id, None);
    let open_until = table::int_attr(&b, "open_until").unwrap_or(0);
    if table::int_attr(&b, "failures").unwrap_or(0) < TRIP_AFTER {
        return Ok(Breaker::Through);
    }
    if now_ms < open_until {
        return Ok(Breaker::Wait(open_until));
    }
    // Half open: one probe at a time. The probe holds the circuit for as long as a request may
    // take; whoever writes first probes, the others wait.
    let lease = now_ms + deps.config.webhook_timeout.as_millis() as i64 + MIN_WAIT_MS;
    let version = table::int_attr(&b, table::VERSION).unwrap_or(0);
    b.insert("open_until".into(), json!(lease));
    b.insert(table::VERSION.into(), json!(version + 1));
    match deps.table.put(b, Condition::VersionEquals(version)).await {
        Ok(()) => Ok(Breaker::Through),
        Err(TableError::ConditionFailed) => Ok(Breaker::Wait(lease)),
        Err(e) => Err(e),
    }
}

/// How an attempt went, for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 2xx within a third of the timeout.
    Fast,
    /// 2xx, but slowly.
    Slow,
    /// Anything that will be retried.
    Failed,
}

/// Whether an attempt of this duration counts as slow (a third of the attempt timeout).
pub fn is_slow(duration: Duration, timeout: Duration) -> bool {
    duration >= timeout / 3
}

/// Records an attempt's result in the breaker. A fast success closes the circuit; a failure or a
/// slow answer counts toward opening it. Best effort against concurrent writers (a lost count
/// only delays the trip by one attempt).
pub async fn record(
    deps: &Deps,
    pass: &Pass,
    result: Answer,
    now_ms: i64,
) -> Result<(), TableError> {
    let pk = breaker_pk(&pass.endpoint_id);
    if result == Answer::Fast {
        // Closes the circuit; the usual case (no record when admitted) writes nothing.
        if !pass.breaker {
            return Ok(());
        }
        return deps.table.delete(&pk, BREAKER_SK, Condition::None).await;
    }
    closed_mark(&pass.endpoint_id, None);
    for _ in 0..3 {
        let (mut b, version) = match deps.table.get(&pk, BREAKER_SK).await? {
            Some(b) => {
                let v = table::int_attr(&b, table::VERSION).unwrap_or(0);
                (b, v)
            }
            None => {
                let mut b = Item::new();
                b.insert(PK.into(), json!(pk));
                b.insert(SK.into(), json!(BREAKER_SK));
                (b, 0)
            }
        };
        let failures = table::int_attr(&b, "failures").unwrap_or(0) + 1;
        b.insert("failures".into(), json!(failures));
        b.insert(table::VERSION.into(), json!(version + 1));
        let open_until = match result {
            // A slow answer: the next probe may go as soon as this one is back.
            Answer::Slow => now_ms,
            _ => now_ms + cool_down_ms(failures, deps.config.webhook_retry_scale),
        };
        b.insert("open_until".into(), json!(open_until));
        let cond = if version == 0 {
            Condition::Absent
        } else {
            Condition::VersionEquals(version)
        };
        match deps.table.put(b, cond).await {
            Ok(()) => return Ok(()),
            Err(TableError::ConditionFailed) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The cool-down after `failures` failed or slow attempts in a row (0 below the trip count).
pub fn cool_down_ms(failures: i64, scale: f64) -> i64 {
    if failures < TRIP_AFTER {
        return 0;
    }
    let doublings = (failures - TRIP_AFTER).min(20) as u32;
    let ms = COOL_DOWN_MS
        .saturating_mul(1 << doublings)
        .min(MAX_COOL_DOWN_MS);
    (ms as f64 * scale) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cool_downs_double_up_to_an_hour() {
        assert_eq!(cool_down_ms(TRIP_AFTER - 1, 1.0), 0);
        assert_eq!(cool_down_ms(TRIP_AFTER, 1.0), 5_000);
        assert_eq!(cool_down_ms(TRIP_AFTER + 1, 1.0), 10_000);
        assert_eq!(cool_down_ms(TRIP_AFTER + 40, 1.0), MAX_COOL_DOWN_MS);
    }

    #[tokio::test]
    async fn a_process_holds_at_most_the_limit_in_flight_per_endpoint() {
        let mut passes = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            passes.push(take_slot("whe_unit").await.expect("a slot"));
        }
        // Busy: a waiter gets a slot as soon as one frees…
        let waiter = tokio::spawn(take_slot("whe_unit"));
        tokio::task::yield_now().await;
        passes.pop();
        let got = waiter.await.unwrap();
        assert!(got.is_some(), "a freed slot goes to the waiter");
        passes.extend(got);
        // …and none when nothing frees within the wait.
        assert!(take_slot("whe_unit").await.is_none());
        assert!(
            take_slot("whe_other").await.is_some(),
            "other endpoints unaffected"
        );
        drop(passes);
        assert!(take_slot("whe_unit").await.is_some(), "slots come back");
    }

    #[test]
    fn waits_are_at_least_a_second_and_spread() {
        let w = spread(0, 10_000);
        assert!((11_000..12_000).contains(&w), "{w}");
        assert!(spread(50_000, 10_000) >= 50_000);
    }
}
