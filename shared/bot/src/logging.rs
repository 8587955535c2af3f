//! Log setup: JSON lines on Lambda (CloudWatch Logs Insights reads the fields), human lines on a
//! terminal. `RUST_LOG` filters (`info`, `warn,teledesk_app=debug`, …); the default is `info`.
//! `Targets` reads the usual `target=level` directives without the regex engine `EnvFilter` needs,
//! which keeps the Lambda bootstraps smaller.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn filter() -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
}

pub fn init_json() {
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_target(false)
        .without_time();
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter())
        .try_init();
}

pub fn init_text() {
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter())
        .try_init();
}
