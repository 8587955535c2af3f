//! The fault-injection suite, quick (docs/reliability.md has the soak and its table): every
//! scenario ends with nothing lost and nothing doubled — except that a process killed mid-send may
//! repeat the sends it had in flight (Telegram has no idempotency key), at most one per update in
//! flight, which the kill scenario bounds.

use teledesk_e2e::faults::{self, QUICK, Report};

fn assert_clean(r: Report) {
    println!("{}\n{}", Report::header(), r.row());
    assert!(r.clean(), "{r:#?}");
    assert!(r.input > 0, "the scenario sent nothing: {r:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicated_updates_and_two_workers_lose_and_double_nothing() {
    assert_clean(faults::duplicates_and_two_workers(QUICK).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_server_restarted_on_its_data_loses_and_doubles_nothing() {
    assert_clean(faults::killed_mid_batch(QUICK).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn telegram_failing_30_percent_loses_and_doubles_nothing() {
    assert_clean(faults::flaky_telegram(QUICK).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_receiver_failing_half_the_deliveries_gets_each_event_once() {
    assert_clean(faults::flaky_receiver(QUICK).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_webhooks_are_refused_and_change_nothing() {
    assert_clean(faults::bad_webhooks(QUICK).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_workspace_reaches_nothing_by_id_on_any_route() {
    assert_clean(faults::foreign_workspace_ids().await);
}
