//! A scenario's funnel, from its runs: submitted leads, and the declined and abandoned
//! conversations kept without personal data (plus the ones in flight, counted by the caller).
//! A step is reached when a run showed it, answered when the run went past it, and dropped when
//! a run that did not submit ended there.

use serde::Serialize;

use crate::model::Scenario;
use crate::store::Lead;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStats {
    pub id: String,
    pub reached: u64,
    pub answered: u64,
    pub dropped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub scenario: String,
    /// All versions when `None`.
    pub version: Option<u32>,
    pub starts: u64,
    pub submits: u64,
    pub abandoned: u64,
    pub declined: u64,
    pub in_flight: u64,
    /// submits / starts (0 when nothing started).
    pub conversion: f64,
    pub median_seconds_to_submit: Option<i64>,
    pub steps: Vec<StepStats>,
}

/// The funnel of `sc`'s steps over these runs (already filtered to the scenario, and to one
/// version when `version` is given).
pub fn compute(sc: &Scenario, version: Option<u32>, runs: &[Lead], in_flight: u64) -> Stats {
    let runs: Vec<&Lead> = runs
        .iter()
        .filter(|r| version.is_none_or(|v| r.scenario_version == v))
        .collect();
    let submitted: Vec<&&Lead> = runs.iter().filter(|r| r.is_lead()).collect();
    let count = |s: &str| runs.iter().filter(|r| r.status == s).count() as u64;
    let starts = runs.len() as u64 + in_flight;
    let submits = submitted.len() as u64;
    let mut times: Vec<i64> = submitted
        .iter()
        .map(|r| (r.created_at - r.started_at).max(0))
        .collect();
    times.sort_unstable();
    let median = (!times.is_empty()).then(|| times[times.len() / 2]);
    let steps = sc
        .steps
        .iter()
        .map(|s| {
            let mut st = StepStats {
                id: s.id.clone(),
                reached: 0,
                answered: 0,
                dropped: 0,
            };
            for r in &runs {
                let Some(at) = r.reached.iter().position(|x| *x == s.id) else {
                    continue;
                };
                st.reached += 1;
                let last = at + 1 == r.reached.len();
                if r.is_lead() || !last {
                    st.answered += 1;
                } else {
                    st.dropped += 1;
                }
            }
            st
        })
        .collect();
    Stats {
        scenario: sc.key.clone(),
        version,
        starts,
        submits,
        abandoned: count("abandoned"),
        declined: count("declined"),
        in_flight,
        conversion: if starts == 0 {
            0.0
        } else {
            (submits as f64 / starts as f64 * 1000.0).round() / 1000.0
        },
        median_seconds_to_submit: median,
        steps,
    }
}
