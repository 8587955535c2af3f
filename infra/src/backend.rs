//! Which storage a CLI command works on: the local data directory (also while `serve` runs on it:
//! SQLite's locking keeps both consistent) or the deployed stack.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use teledesk_app::Deps;
use teledesk_embedded::Embedded;
use teledesk_ports::queue::teledesk_queues;
use teledesk_telegram::HttpConnector;

pub fn embedded_deps(emb: &Embedded) -> Deps {
    Deps::new(
        emb.table.clone(),
        emb.queue.clone(),
        emb.files.clone(),
        Arc::new(HttpConnector::from_env()),
        teledesk_app::config::Config::from_env().shared(),
    )
}

pub async fn open(aws: bool, data_dir: &Path) -> anyhow::Result<Deps> {
    if aws {
        if std::env::var("TELEDESK_TABLE")
            .unwrap_or_default()
            .is_empty()
        {
            anyhow::bail!(
                "--aws needs TELEDESK_TABLE (and TELEDESK_BUCKET, TELEDESK_*_QUEUE_URL) from the stack outputs; see README"
            );
        }
        return Ok(teledesk_lambda::aws_deps().await);
    }
    let emb = Embedded::open(data_dir, teledesk_queues())
        .with_context(|| format!("cannot open the data directory {}", data_dir.display()))?;
    Ok(embedded_deps(&emb))
}
