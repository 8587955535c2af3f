//! A `channel.sync` job that runs out of time queues its own continuation, until the whole channel
//! is stored.

use teledesk_app::config::Config;
use teledesk_app::listings::sync::{self, Mode};
use teledesk_app::listings::{self as catalog, ChannelSource, SourceKind};
use teledesk_catalog::Category;
use teledesk_e2e::desk::DeskEnv;
use teledesk_e2e::pages::{ChannelPages, FakePost};

#[tokio::test]
async fn a_job_out_of_time_continues_until_the_channel_is_stored() {
    let pages = ChannelPages::start().await;
    pages.set_page_size(10);
    let posts: Vec<FakePost> = (1..=45)
        .map(|id| FakePost {
            id,
            date: 1_780_000_000 + id * 60,
            text: format!("Ford Focus {}\nЦена: ${} 900\nОдесса", 2005 + id % 15, id),
            ..Default::default()
        })
        .collect();
    pages.set_posts("focus_channel", posts);
    // A zero budget: every run stores one page and queues the rest.
    let env = DeskEnv::start_with(Config {
        sync_run_budget: std::time::Duration::ZERO,
        preview_base: pages.base_url.clone(),
        ..Config::default()
    })
    .await;
    let s = ChannelSource::new(
        "default",
        "focus_channel",
        SourceKind::Preview,
        Category::Vehicles,
    );
    let s = catalog::save_source(&env.deps, &s).await.unwrap();
    sync::queue(&env.deps, &s, &Mode::Latest, false)
        .await
        .unwrap();

    // The worker takes the job and every continuation it queues.
    env.drain().await;
    let stored = catalog::get_source(&env.deps, "default", &s.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.cursor, stored.status.as_str()),
        (45, "ok"),
        "{stored:?}"
    );
    let listings = env
        .deps
        .table
        .query(&teledesk_ports::table::Query::gsi1(
            teledesk_app::listings::store::listings_gsi("default"),
        ))
        .await
        .unwrap();
    assert_eq!(listings.items.len(), 45, "every post once");
}
