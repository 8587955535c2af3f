//! The fault-injection soak: every scenario of `teledesk_e2e::faults` at the soak scale, printed
//! as the table in docs/reliability.md.
//!
//! `cargo build --release -p teledesk-cli && TELEDESK_BIN=target/release/teledesk \
//!  cargo run --release -p teledesk-e2e --example faults [-- CUSTOMERS MESSAGES]`

use teledesk_e2e::faults::{self, Report, SOAK, Scale};

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let scale = match args.as_slice() {
        [c, m] => Scale {
            customers: *c,
            messages: *m,
        },
        _ => SOAK,
    };
    eprintln!(
        "soak: {} customers x {} messages per scenario",
        scale.customers, scale.messages
    );
    let reports = vec![
        faults::duplicates_and_two_workers(scale).await,
        faults::killed_mid_batch(scale).await,
        faults::flaky_telegram(scale).await,
        faults::flaky_receiver(scale).await,
        faults::bad_webhooks(scale).await,
        faults::foreign_workspace_ids().await,
    ];
    println!("{}", Report::header());
    for r in &reports {
        println!("{}", r.row());
    }
    if reports.iter().any(|r| !r.clean()) {
        std::process::exit(1);
    }
}
