//! Test support for Teledesk's end-to-end tests: the Bot API test double ([`bot_api`]), the port
//! conformance suite run on both adapter sets ([`conformance`]), stores on moto and on embedded
//! storage ([`stores`]), a `teledesk serve` process under test ([`serve`]), and a local "t.me"
//! serving channel preview pages ([`pages`]).

pub mod bot_api;
pub mod conformance;
pub mod counting;
pub mod desk;
pub mod faults;
pub mod load;
pub mod pages;
pub mod serve;
pub mod spec;
pub mod stores;

/// Polls `check` every 50 ms until it returns true or `timeout` passes; returns the last answer.
pub async fn eventually<F, Fut>(timeout: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub mod null_telegram;

/// Set to `1` to let the tests that need an external tool (moto, the Python with the Standard
/// Webhooks package) skip when it is missing. Without it they fail: a test that returns early
/// shows as passed and proves nothing. `scripts/test` provides every tool and never sets it.
pub const SKIP_EXTERNAL_VAR: &str = "TELEDESK_TEST_SKIP_EXTERNAL";

/// The environment variable `var` that points a test at an external tool (`scripts/test` sets
/// them all). Missing, the test fails — unless [`SKIP_EXTERNAL_VAR`] is `1`, when the caller
/// returns early and the skip is printed.
pub fn required_tool(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var(SKIP_EXTERNAL_VAR).as_deref() == Ok("1"),
                "{var} is not set: this test needs the tool it names (scripts/test starts it); \
                 set {SKIP_EXTERNAL_VAR}=1 to skip such tests knowingly"
            );
            eprintln!("SKIPPED (not run): {var} is not set and {SKIP_EXTERNAL_VAR}=1");
            None
        }
    }
}

/// CPU time (user + system, all threads) this process has used: benchmarks report CPU per operation
/// with it, not only wall time.
pub fn process_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
