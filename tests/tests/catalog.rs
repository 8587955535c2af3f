//! Channel sync into the catalog, end to end on the local stack: preview pages served by a local
//! t.me double ([`ChannelPages`]), the sync runs, the store (embedded table and files), the API.

use serde_json::{Value, json};
use teledesk_app::api::api_keys as keys;
use teledesk_app::listings::fetch::PreviewSource;
use teledesk_app::listings::store::{self, StoredListing};
use teledesk_app::listings::sync::{self, Mode};
use teledesk_app::listings::{self as catalog, ChannelSource, SourceKind};
use teledesk_catalog::Category;
use teledesk_catalog::photo::testing;
use teledesk_e2e::desk::{DeskEnv, api};
use teledesk_e2e::pages::{ChannelPages, FakePost};
use teledesk_ports::files::Files;

const CHANNEL: &str = "cars_test_channel";
const T0: i64 = 1_780_000_000;

fn car(id: i64, text: &str, photos: usize) -> FakePost {
    FakePost {
        id,
        date: T0 + id * 60,
        text: text.into(),
        photos,
        ..Default::default()
    }
}

/// 45 posts: cars in three styles, a few that are not listings, and an album of three at 30.
fn channel_posts() -> Vec<FakePost> {
    let mut out = Vec::new();
    let mut id = 1;
    while out.len() < 45 {
        let n = out.len();
        let p = match n % 9 {
            8 => car(id, "Подписывайтесь на канал! Лучшие авто каждый день", 0),
            _ if id == 30 => car(
                id,
                "Toyota Camry 2015 г.в.\nПробег 120 тыс. км\nЦена: $12 500, торг\nКиев",
                3,
            ),
            _ => car(
                id,
                &format!(
                    "Volkswagen Passat {}\nЦена: ${} 500\nПробег {} тыс км\nОдесса\nТел: +38067{:07}",
                    2005 + n % 15,
                    5 + n,
                    90 + n,
                    1_234_000 + n
                ),
                usize::from(n % 4 == 0),
            ),
        };
        id += p.photos.max(1) as i64;
        out.push(p);
    }
    out
}

async fn env_with_source(pages: &ChannelPages) -> (DeskEnv, ChannelSource) {
    let env = DeskEnv::start().await;
    pages.set_posts(CHANNEL, channel_posts());
    let s = ChannelSource::new("default", CHANNEL, SourceKind::Preview, Category::Vehicles);
    let s = catalog::save_source(&env.deps, &s).await.unwrap();
    (env, s)
}

async fn listings(env: &DeskEnv) -> Vec<StoredListing> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = env
            .deps
            .table
            .query(
                &teledesk_ports::table::Query::gsi1(store::listings_gsi("default")).after(cursor),
            )
            .await
            .unwrap();
        out.extend(
            page.items
                .into_iter()
                .map(|i| serde_json::from_value(Value::Object(i)).unwrap()),
        );
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// One incremental run of the source as stored now.
async fn latest(env: &DeskEnv, fetcher: &PreviewSource, id: &str) -> sync::RunReport {
    sync::run(
        &env.deps,
        fetcher,
        &source(env, id).await,
        Mode::Latest,
        &|_, _| {},
    )
    .await
    .unwrap()
}

async fn source(env: &DeskEnv, id: &str) -> ChannelSource {
    catalog::get_source(&env.deps, "default", id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn an_incremental_sync_stores_every_post_once_then_only_what_is_new_or_edited() {
    let pages = ChannelPages::start().await;
    let (env, s) = env_with_source(&pages).await;
    let fetcher = PreviewSource::new(&pages.base_url);
    let r = sync::run(&env.deps, &fetcher, &s, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(r.status, "ok", "{r:?}");
    assert_eq!(r.counts.pages, 3, "45 posts at 20 a page");
    let posts = channel_posts();
    let not_listings = posts
        .iter()
        .filter(|p| p.text.starts_with("Подпис"))
        .count() as u32;
    assert_eq!(
        (r.counts.new, r.counts.skipped),
        (45 - not_listings, not_listings)
    );
    let last = posts.last().unwrap();
    let max_id = last.id + last.photos.max(1) as i64 - 1;
    assert_eq!(r.cursor, max_id);
    assert_eq!(source(&env, &s.id).await.cursor, max_id);
    let stored = listings(&env).await;
    assert_eq!(stored.len() as u32, r.counts.new);

    // The album is one listing with every member id, its photos copied under their content hash.
    let album = stored
        .iter()
        .find(|l| l.provenance.message_ids == vec![30, 31, 32])
        .expect("the album's listing");
    assert_eq!(
        (
            album.fields.make.as_deref(),
            album.fields.price,
            album.fields.year
        ),
        (Some("Toyota"), Some(12_500.0), Some(2015))
    );
    assert_eq!(album.photos.len(), 3);
    for (n, p) in album.photos.iter().enumerate() {
        let key = p.key.as_deref().expect("copied");
        let bytes = env
            .emb
            .files
            .get(key)
            .await
            .unwrap()
            .expect("in the file store");
        assert_eq!(bytes, teledesk_e2e::pages::photo_bytes(CHANNEL, 30, n));
        assert!(key.ends_with(p.sha256.as_deref().unwrap()));
    }
    // Provenance on every listing.
    for l in &stored {
        let p = &l.provenance;
        assert_eq!(p.source_id, s.id);
        assert_eq!(p.channel_username.as_deref(), Some(CHANNEL));
        assert_eq!(p.source_kind, SourceKind::Preview);
        assert!(
            p.post_url
                .ends_with(&format!("/{CHANNEL}/{}", p.message_ids[0]))
        );
        assert_eq!(p.parser_version, teledesk_catalog::PARSER_VERSION);
        assert!(p.fetched_at > 0 && p.parsed_at > 0);
    }

    // Nothing new: one page read (the newest, for edits), nothing stored.
    let before = pages.requests().len();
    let again = latest(&env, &fetcher, &s.id).await;
    assert_eq!((again.counts.new, again.counts.updated), (0, 0));
    let page_requests = pages.requests()[before..]
        .iter()
        .filter(|r| r.starts_with("/s/"))
        .count();
    assert_eq!(page_requests, 1, "{:?}", &pages.requests()[before..]);
    assert_eq!(
        pages.requests().len() - before,
        1,
        "the newest page's photos are not fetched again: {:?}",
        &pages.requests()[before..]
    );

    // Two new posts and an edit of a recent one.
    pages.add_post(
        CHANNEL,
        car(max_id + 1, "Skoda Octavia 2019\nЦена: $14 900\nЛьвов", 0),
    );
    pages.add_post(
        CHANNEL,
        car(max_id + 2, "BMW X5 2017\nPrice: €31 000\nWarsaw", 0),
    );
    let edited = posts[posts.len() - 2].id;
    pages.edit_post(
        CHANNEL,
        edited,
        "Volkswagen Passat 2011\nЦена: $6 900 (снижена)\nОдесса",
    );
    let third = latest(&env, &fetcher, &s.id).await;
    assert_eq!(
        (third.counts.new, third.counts.updated),
        (2, 1),
        "{third:?}"
    );
    assert_eq!(third.cursor, max_id + 2);
    let l = store::get_listing(&env.deps, "default", &store::listing_id(&s.id, edited))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.fields.price, Some(6_900.0), "the edit was parsed again");
    assert_eq!(listings(&env).await.len() as u32, r.counts.new + 2);
}

#[tokio::test]
async fn a_run_out_of_time_continues_where_it_stopped_and_a_cut_walk_says_what_it_missed() {
    let pages = ChannelPages::start().await;
    pages.set_page_size(10);
    let (env, s) = env_with_source(&pages).await;
    let fetcher = PreviewSource::new(&pages.base_url);
    // No time at all: every run walks one page, or stores one page, then says how to continue.
    // A walk that has not reached the cursor stores nothing (that would leave posts unread below
    // the cursor): it resumes lower down; storing starts at the bottom.
    let mut runs = Vec::new();
    let mut mode = Mode::Latest;
    loop {
        let r = sync::run_within(
            &env.deps,
            &fetcher,
            &source(&env, &s.id).await,
            mode,
            &|_, _| {},
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
        assert_eq!(r.status, "ok", "{r:?}");
        assert_eq!(r.more, r.next.is_some());
        let next = r.next.clone();
        runs.push(r);
        match next {
            Some(m) => mode = m,
            None => break,
        }
        assert!(runs.len() < 40, "no progress: {runs:#?}");
    }
    let cursors: Vec<i64> = runs.iter().map(|r| r.cursor).collect();
    assert!(cursors.windows(2).all(|w| w[0] <= w[1]), "{cursors:?}");
    assert_eq!(*cursors.last().unwrap(), 47, "{cursors:?}");
    let stored: u32 = runs.iter().map(|r| r.counts.new + r.counts.skipped).sum();
    assert_eq!(stored, 45, "every post once: {runs:#?}");
    assert!(
        runs.len() > 5,
        "five pages could not have been read a page a run: {runs:#?}"
    );
    assert_eq!(
        listings(&env).await.len() as u32,
        runs.iter().map(|r| r.counts.new).sum::<u32>()
    );
    assert!(runs.iter().all(|r| r.warnings.is_empty()), "{runs:#?}");

    // A first sync reads the newest 50 pages and says which posts it left for a range run.
    let long = ChannelPages::start().await;
    long.set_page_size(1);
    long.set_posts(
        "long_channel",
        (1..=60)
            .map(|id| car(id, &format!("Opel Astra 2010\nЦена: ${} 000\nКиев", id), 0))
            .collect(),
    );
    let ls = ChannelSource::new(
        "default",
        "long_channel",
        SourceKind::Preview,
        Category::Vehicles,
    );
    let ls = catalog::save_source(&env.deps, &ls).await.unwrap();
    let r = sync::run_within(
        &env.deps,
        &PreviewSource::new(&long.base_url),
        &ls,
        Mode::Latest,
        &|_, _| {},
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.status.as_str(), r.counts.pages, r.counts.new),
        ("ok", 50, 50)
    );
    assert_eq!(r.warnings.len(), 1, "{r:?}");
    assert!(
        r.warnings[0].contains("posts before #11"),
        "{:?}",
        r.warnings
    );
}

#[tokio::test]
async fn a_range_deep_in_history_is_found_by_bisection_and_continues_when_cut() {
    let pages = ChannelPages::start().await;
    pages.set_page_size(5);
    let env = DeskEnv::start().await;
    // 400 posts, an hour apart: 80 pages.
    pages.set_posts(
        "deep_channel",
        (1..=400)
            .map(|id| FakePost {
                id,
                date: T0 + id * 3600,
                text: format!("Nissan Leaf 2018\nЦена: ${id} 100\nКиев"),
                ..Default::default()
            })
            .collect(),
    );
    let s = ChannelSource::new(
        "default",
        "deep_channel",
        SourceKind::Preview,
        Category::Vehicles,
    );
    let s = catalog::save_source(&env.deps, &s).await.unwrap();
    let fetcher = PreviewSource::new(&pages.base_url);
    let range = |a: i64, b: i64| Mode::Range {
        from: T0 + a * 3600,
        to: T0 + b * 3600,
        before: None,
    };
    let stored_ids = |ls: Vec<StoredListing>| {
        let mut ids: Vec<i64> = ls.iter().map(|l| l.provenance.message_ids[0]).collect();
        ids.sort();
        ids
    };
    let r = sync::run_within(
        &env.deps,
        &fetcher,
        &s,
        range(20, 30),
        &|_, _| {},
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.status.as_str(), r.counts.new, r.more),
        ("ok", 11, false),
        "{r:?}"
    );
    assert_eq!(
        stored_ids(listings(&env).await),
        (20..=30).collect::<Vec<_>>()
    );
    // Walking from the newest page would have read 77 pages.
    assert!(r.counts.pages <= 12, "{} pages read", r.counts.pages);
    assert_eq!(
        source(&env, &s.id).await.cursor,
        0,
        "a range never moves the cursor"
    );
    // A range on the newest page reads that page once.
    let r = sync::run_within(
        &env.deps,
        &fetcher,
        &s,
        range(397, 400),
        &|_, _| {},
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert_eq!((r.counts.new, r.counts.pages), (4, 1), "{r:?}");

    // No time at all: each run reads a page below the last; the range ends up stored once.
    let mut mode = range(100, 140);
    let mut runs = 0;
    let mut new = 0;
    loop {
        let r = sync::run_within(
            &env.deps,
            &fetcher,
            &s,
            mode,
            &|_, _| {},
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
        assert_eq!(r.status, "ok", "{r:?}");
        new += r.counts.new;
        runs += 1;
        assert!(runs < 40, "no progress: {r:?}");
        match r.next {
            Some(m) => mode = m,
            None => break,
        }
    }
    assert_eq!(new, 41);
    let mut want: Vec<i64> = (20..=30).chain(100..=140).chain(397..=400).collect();
    want.sort();
    assert_eq!(stored_ids(listings(&env).await), want);
}

#[tokio::test]
async fn a_dry_run_stores_nothing_and_a_range_stores_only_its_dates() {
    let pages = ChannelPages::start().await;
    let (env, s) = env_with_source(&pages).await;
    let fetcher = PreviewSource::new(&pages.base_url);
    let dry = sync::run(&env.deps, &fetcher, &s, Mode::DryRun, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(dry.status, "ok");
    assert_eq!(dry.would_store.len(), 45);
    assert_eq!(
        dry.would_store[0]["listing"]["make"], "Volkswagen",
        "parsed: {}",
        dry.would_store[0]
    );
    assert!(listings(&env).await.is_empty(), "a dry run stores nothing");
    assert_eq!(source(&env, &s.id).await.cursor, 0);

    // Posts 10..=20 by date.
    let (from, to) = (T0 + 10 * 60, T0 + 20 * 60);
    let r = sync::run(
        &env.deps,
        &fetcher,
        &s,
        Mode::Range {
            from,
            to,
            before: None,
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r.status, "ok", "{r:?}");
    let stored = listings(&env).await;
    assert!(!stored.is_empty());
    assert!(
        stored.iter().all(|l| (from..=to).contains(&l.posted_at)),
        "only the range"
    );
    let in_range = channel_posts()
        .iter()
        .filter(|p| (from..=to).contains(&p.date) && !p.text.starts_with("Подпис"))
        .count();
    assert_eq!(stored.len(), in_range);
}

#[tokio::test]
async fn a_markup_change_alerts_and_leaves_the_cursor_and_a_rate_limit_backs_off() {
    let pages = ChannelPages::start().await;
    let (env, s) = env_with_source(&pages).await;
    env.take_events().await;
    let fetcher = PreviewSource::new(&pages.base_url);
    pages.break_markup(CHANNEL, true);
    let r = sync::run(&env.deps, &fetcher, &s, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(r.status, "failed");
    assert!(r.error.as_deref().unwrap().contains("markup"), "{r:?}");
    let after = source(&env, &s.id).await;
    assert_eq!((after.cursor, after.status.as_str()), (0, "failed"));
    assert!(
        after.next_allowed_at.is_some(),
        "a failing source backs off"
    );
    assert!(!after.is_due(teledesk_ports::now_secs()));
    let events = env.take_events().await;
    let alert = events
        .iter()
        .find(|e| e["type"] == "error.occurred")
        .expect("an error.occurred event");
    assert_eq!(alert["data"]["error"], "channel_markup_changed");
    assert_eq!(alert["data"]["source_id"], s.id.as_str());

    // Rate limited: the source waits as long as Telegram says, and stores nothing meanwhile.
    pages.break_markup(CHANNEL, false);
    pages.rate_limit_next(1, 120);
    let r = sync::run(&env.deps, &fetcher, &after, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(r.status, "rate_limited");
    let limited = source(&env, &s.id).await;
    let wait = limited.next_allowed_at.unwrap() - teledesk_ports::now_secs();
    assert!((110..=120).contains(&wait), "{wait}");
    assert!(listings(&env).await.is_empty());

    // An unknown channel is a clear error, not a markup change.
    let mut missing = ChannelSource::new(
        "default",
        "no_such_channel",
        SourceKind::Preview,
        Category::Vehicles,
    );
    missing = catalog::save_source(&env.deps, &missing).await.unwrap();
    let r = sync::run(&env.deps, &fetcher, &missing, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert!(r.error.unwrap().contains("no public web preview"));
}

#[tokio::test]
async fn the_lease_keeps_two_runs_off_one_source() {
    let pages = ChannelPages::start().await;
    let (env, s) = env_with_source(&pages).await;
    let fetcher = PreviewSource::new(&pages.base_url);
    let (a, b) = tokio::join!(
        sync::run(&env.deps, &fetcher, &s, Mode::Latest, &|_, _| {}),
        sync::run(&env.deps, &fetcher, &s, Mode::Latest, &|_, _| {})
    );
    let mut statuses = [a.unwrap().status, b.unwrap().status];
    statuses.sort();
    assert_eq!(statuses, ["busy".to_string(), "ok".to_string()]);
    // Released after the run: the next one runs.
    let r = latest(&env, &fetcher, &s.id).await;
    assert_eq!(r.status, "ok");
}

#[tokio::test]
async fn duplicates_are_flagged_by_vin_fingerprint_and_photo_never_merged() {
    let pages = ChannelPages::start().await;
    let env = DeskEnv::start().await;
    let vin = "WVWZZZ3CZ9E123456";
    pages.set_posts(
        CHANNEL,
        vec![
            car(
                1,
                &format!("Volkswagen Passat 2009\nЦена: $7 500\nVIN {vin}\nКиев"),
                0,
            ),
            car(
                2,
                &format!("VW Passat B6 2009 год\nЦена $7 400\nVIN: {vin}\nОдесса"),
                0,
            ),
            car(
                3,
                "Toyota RAV4 2018\nЦена: $21 000\nПробег 80 тыс км\nХарьков",
                0,
            ),
            car(
                4,
                "Toyota RAV4 2018 года\nЦена: $21 000\nПробег 80 тыс. км\nХарьков, срочно",
                0,
            ),
            car(5, "Honda Civic 2012\nЦена: $8 000\nДнепр", 1),
            car(6, "Mazda 6 2013\nЦена: $9 000\nЛьвов", 1),
            car(7, "Skoda Octavia 2016\nЦена: $11 000\nЛуцк", 1),
            car(8, "Skoda Octavia A7 2016\nЦена: $10 800\nРовно", 1),
            car(9, "Renault Megane 2014\nЦена: $6 900\nЖитомир", 1),
        ],
    );
    // 5 and 6: the same bytes. 7, and 8 resized and re-compressed: the same picture. 9: another.
    let scene = |seed| testing::scene(seed, 480, 360);
    pages.set_photo(CHANNEL, 5, 0, testing::jpeg(&scene(5), 85));
    pages.same_photo(CHANNEL, 6, CHANNEL, 5);
    pages.set_photo(CHANNEL, 7, 0, testing::jpeg(&scene(7), 85));
    let (_, repost) = testing::reposts(&scene(7)).swap_remove(1);
    pages.set_photo(CHANNEL, 8, 0, repost);
    pages.set_photo(CHANNEL, 9, 0, testing::jpeg(&scene(9), 85));
    let s = ChannelSource::new("default", CHANNEL, SourceKind::Preview, Category::Vehicles);
    let s = catalog::save_source(&env.deps, &s).await.unwrap();
    let r = sync::run(
        &env.deps,
        &PreviewSource::new(&pages.base_url),
        &s,
        Mode::Latest,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.counts.new, r.counts.duplicate), (9, 4), "{r:?}");
    let get = |id: i64| {
        let deps = env.deps.clone();
        let sid = s.id.clone();
        async move {
            store::get_listing(&deps, "default", &store::listing_id(&sid, id))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let first = get(1).await;
    assert!(!first.duplicate, "the first one is the original");
    let second = get(2).await;
    assert_eq!(second.duplicate_of, vec![format!("vin:{}", first.id)]);
    assert!(
        get(4)
            .await
            .duplicate_of
            .iter()
            .any(|d| d.starts_with("fingerprint:"))
    );
    // The same bytes are said once (not also as a similar picture).
    assert_eq!(
        get(6).await.duplicate_of,
        vec![format!("photo:{}", get(5).await.id)]
    );
    let original = get(7).await;
    let hash = original.photos[0].phash.clone();
    assert_eq!(
        hash.as_deref().map(str::len),
        Some(16),
        "{:?}",
        original.photos
    );
    assert!(!original.duplicate);
    let resized = get(8).await;
    assert_eq!(
        resized.duplicate_of,
        vec![format!("similar_photo:{}", original.id)]
    );
    assert_ne!(resized.photos[0].sha256, original.photos[0].sha256);
    let other = get(9).await;
    assert!(
        !other.duplicate,
        "another picture: {:?}",
        other.duplicate_of
    );
    assert_eq!(listings(&env).await.len(), 9, "flagged, never merged");

    // An edit that changes the price drops the listing's old fingerprint: a later post with the
    // old fields matches only the listing that still has them.
    pages.edit_post(
        CHANNEL,
        3,
        "Toyota RAV4 2018\nЦена: $19 500\nПробег 80 тыс км\nХарьков",
    );
    pages.add_post(
        CHANNEL,
        car(
            10,
            "Toyota RAV4 2018\nЦена: $21 000\nПробег 80 тыс км\nХарьков",
            0,
        ),
    );
    let r = sync::run(
        &env.deps,
        &PreviewSource::new(&pages.base_url),
        &catalog::get_source(&env.deps, "default", &s.id)
            .await
            .unwrap()
            .unwrap(),
        Mode::Latest,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.counts.new, r.counts.updated), (1, 1), "{r:?}");
    assert_eq!(get(3).await.fields.price, Some(19_500.0));
    assert_eq!(
        get(10).await.duplicate_of,
        vec![format!("fingerprint:{}", get(4).await.id)]
    );
}

#[tokio::test]
async fn the_api_manages_sources_runs_syncs_and_serves_the_catalog() {
    let pages = ChannelPages::start().await;
    let env = DeskEnv::ready_with(teledesk_app::config::Config {
        preview_base: pages.base_url.clone(),
        ..Default::default()
    })
    .await;
    pages.set_posts(CHANNEL, channel_posts());
    let admin = keys::create(&env.deps, "default", "ops", &["admin".into()], None, None)
        .await
        .unwrap()
        .1;
    let reader = keys::create(
        &env.deps,
        "default",
        "shop",
        &["catalog:read".into()],
        None,
        None,
    )
    .await
    .unwrap()
    .1;
    for (body, field) in [
        (json!({"channel": "x"}), "channel"),
        (json!({"channel": CHANNEL, "category": "boats"}), "category"),
        (
            json!({"channel": CHANNEL, "schedule_minutes": 1}),
            "schedule_minutes",
        ),
        (
            json!({"channel": CHANNEL, "schedule_minutes": 30.5}),
            "schedule_minutes",
        ),
        (json!({"channel": CHANNEL, "colour": "red"}), "colour"),
    ] {
        let (s, p) = api(&env, &admin, "POST", "/api/v1/channel-sources", Some(body)).await;
        assert_eq!(
            (s, p["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{p}"
        );
    }
    let (s, _) = api(
        &env,
        &reader,
        "POST",
        "/api/v1/channel-sources",
        Some(json!({"channel": CHANNEL})),
    )
    .await;
    assert_eq!(s, 403, "sources need the admin scope");
    let (s, src) = api(
        &env,
        &admin,
        "POST",
        "/api/v1/channel-sources",
        // 30.0 is an integer to JSON Schema (and to clients that hold every number as a float).
        Some(json!({"channel": format!("@{CHANNEL}"), "schedule_minutes": 30.0})),
    )
    .await;
    assert_eq!(s, 201, "{src}");
    assert_eq!(src["schedule_minutes"], json!(30));
    let id = src["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (src["channel"].as_str(), src["status"].as_str()),
        (Some(CHANNEL), Some("new"))
    );

    let (s, dry) = api(
        &env,
        &admin,
        "POST",
        &format!("/api/v1/channel-sources/{id}/dry-run"),
        None,
    )
    .await;
    assert_eq!((s, dry["status"].as_str()), (200, Some("ok")), "{dry}");
    assert_eq!(dry["would_store"].as_array().unwrap().len(), 45);

    let (s, q) = api(
        &env,
        &admin,
        "POST",
        &format!("/api/v1/channel-sources/{id}/sync"),
        None,
    )
    .await;
    assert_eq!((s, q["queued"].as_bool()), (202, Some(true)), "{q}");
    env.drain().await; // the jobs queue runs the sync
    let (_, src) = api(
        &env,
        &admin,
        "GET",
        &format!("/api/v1/channel-sources/{id}"),
        None,
    )
    .await;
    assert_eq!(src["status"], "ok", "{src}");
    let new = src["last_run"]["new"].as_u64().unwrap();
    assert!(new >= 40, "{src}");

    // The catalog: filters, pages, one listing with presigned photo links.
    let (s, all) = api(&env, &reader, "GET", "/api/v1/listings?limit=100", None).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["data"].as_array().unwrap().len() as u64, new);
    let (_, toyota) = api(&env, &reader, "GET", "/api/v1/listings?make=toyota", None).await;
    assert_eq!(toyota["data"].as_array().unwrap().len(), 1);
    let (_, cheap) = api(
        &env,
        &reader,
        "GET",
        "/api/v1/listings?price_max=10000&currency=USD&limit=100",
        None,
    )
    .await;
    assert!(
        cheap["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["price"].as_f64().unwrap() <= 10_000.0)
    );
    assert!(!cheap["data"].as_array().unwrap().is_empty());
    let (_, page1) = api(&env, &reader, "GET", "/api/v1/listings?limit=10", None).await;
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = api(
        &env,
        &reader,
        "GET",
        &format!("/api/v1/listings?limit=10&cursor={cursor}"),
        None,
    )
    .await;
    assert_ne!(page1["data"][0]["id"], page2["data"][0]["id"]);
    let (s, _) = api(
        &env,
        &reader,
        "GET",
        &format!("/api/v1/listings?limit=10&make=bmw&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(s, 422, "a cursor belongs to its filters");
    let (s, _) = api(&env, &reader, "GET", "/api/v1/listings?year_min=old", None).await;
    assert_eq!(s, 422);
    let (s, _) = api(
        &env,
        &reader,
        "GET",
        "/api/v1/listings?currency=dollars",
        None,
    )
    .await;
    assert_eq!(s, 422);
    let album = toyota["data"][0]["id"].as_str().unwrap();
    let (s, one) = api(
        &env,
        &reader,
        "GET",
        &format!("/api/v1/listings/{album}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let photos = one["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 3);
    assert!(
        photos.iter().all(|p| p["url"]
            .as_str()
            .is_some_and(|u| u.contains("sig") || u.starts_with("http"))),
        "{one}"
    );
    let (s, _) = api(&env, &reader, "GET", "/api/v1/listings/lst_nope", None).await;
    assert_eq!(s, 404);

    // Range: 202, validated.
    let (s, p) = api(
        &env,
        &admin,
        "POST",
        &format!("/api/v1/channel-sources/{id}/parse-range"),
        Some(json!({"from": 200, "to": 100})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let (s, _) = api(
        &env,
        &admin,
        "POST",
        &format!("/api/v1/channel-sources/{id}/parse-range"),
        // Integers may come as floats with no fraction (JSON Schema's `integer` allows them).
        Some(json!({"from": T0 as f64, "to": (T0 + 3600) as f64})),
    )
    .await;
    assert_eq!(s, 202);
    env.drain().await;

    // The same runs from the admin chat, for its administrators only.
    use teledesk_e2e::desk::{ADMIN, BOB, DESK, OTHER};
    env.api.set_member(OTHER, ADMIN, "administrator");
    env.deliver(env.command(OTHER, None, ADMIN, "/sources"))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("admin chat only"),
        "{:?}",
        env.texts_to(OTHER, None)
    );
    env.setup_admin_with_code(OTHER, ADMIN).await;
    env.deliver(env.command(OTHER, None, BOB, &format!("/sync {id}")))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("Only an administrator")
    );
    env.deliver(env.command(OTHER, None, ADMIN, "/sources"))
        .await;
    assert!(env.texts_to(OTHER, None).last().unwrap().contains(&id));
    env.deliver(env.command(OTHER, None, ADMIN, "/sync src_nope"))
        .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .contains("No channel source")
    );
    env.deliver(env.command(
        OTHER,
        None,
        ADMIN,
        &format!("/parse_range {id} 2026-02-30x"),
    ))
    .await;
    assert!(
        env.texts_to(OTHER, None)
            .last()
            .unwrap()
            .starts_with("Usage")
    );
    pages.add_post(CHANNEL, car(500, "Lexus RX 2016\nЦена: $29 000\nКиев", 0));
    env.deliver(env.command(OTHER, None, ADMIN, &format!("/dry_run {id}")))
        .await;
    let texts = env.texts_to(OTHER, None);
    let result = texts.last().unwrap();
    assert!(
        result.contains("dry_run") && result.contains("New 1") && result.contains("Lexus"),
        "{texts:?}"
    );
    env.deliver(env.command(OTHER, None, ADMIN, &format!("/sync {id}")))
        .await;
    let result = env.texts_to(OTHER, None).last().unwrap().clone();
    assert!(
        result.contains("latest") && result.contains(": ok") && result.contains("New 1"),
        "{result}"
    );
    env.deliver(env.command(DESK, None, ADMIN, "/sources"))
        .await;
    assert!(
        env.texts_to(DESK, None)
            .last()
            .unwrap()
            .contains("admin chat only")
    );

    let (s, _) = api(
        &env,
        &admin,
        "DELETE",
        &format!("/api/v1/channel-sources/{id}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = api(
        &env,
        &admin,
        "GET",
        &format!("/api/v1/channel-sources/{id}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_schedule_syncs_due_sources_only() {
    let pages = ChannelPages::start().await;
    let (env, s) = env_with_source(&pages).await;
    let mut off = ChannelSource::new(
        "default",
        "other_channel",
        SourceKind::Preview,
        Category::Generic,
    );
    off.enabled = false;
    catalog::save_source(&env.deps, &off).await.unwrap();
    let fetcher = PreviewSource::new(&pages.base_url);
    let ev = json!({"source": "aws.events"});
    let r = teledesk_app::sync::run_schedule_with(&env.deps, &fetcher, &ev)
        .await
        .unwrap();
    assert_eq!((r.sources, r.synced), (2, 1));
    assert!(source(&env, &s.id).await.cursor > 0);
    // Synced a moment ago: not due until its schedule comes round.
    let r = teledesk_app::sync::run_schedule_with(&env.deps, &fetcher, &ev)
        .await
        .unwrap();
    assert_eq!(r.synced, 0);
}

#[tokio::test]
async fn seeding_is_idempotent_and_production_like() {
    let env = DeskEnv::start().await;
    let first = teledesk_app::listings::seed::seed(&env.deps, "default")
        .await
        .unwrap();
    assert!(first.new >= 50, "{first:?}");
    let again = teledesk_app::listings::seed::seed(&env.deps, "default")
        .await
        .unwrap();
    assert_eq!((again.new, again.unchanged), (0, first.new));
    let stored = listings(&env).await;
    let makes: std::collections::BTreeSet<_> = stored
        .iter()
        .filter_map(|l| l.fields.make.clone())
        .collect();
    let cities: std::collections::BTreeSet<_> = stored
        .iter()
        .filter_map(|l| l.fields.location.clone())
        .collect();
    let currencies: std::collections::BTreeSet<_> = stored
        .iter()
        .filter_map(|l| l.fields.currency.clone())
        .collect();
    assert!(makes.len() >= 15, "{makes:?}");
    assert!(cities.len() >= 10, "{cities:?}");
    assert!(currencies.len() >= 2, "{currencies:?}");
    assert!(
        stored.iter().all(|l| l.fields.price.is_some()),
        "every seeded listing has a price"
    );
}

#[tokio::test]
async fn stored_raw_posts_are_parsed_again_after_a_parser_upgrade() {
    let pages = ChannelPages::start().await;
    let (env, s) = env_with_source(&pages).await;
    pages.set_photo(
        CHANNEL,
        30,
        0,
        testing::jpeg(&testing::scene(30, 320, 240), 85),
    );
    let fetcher = PreviewSource::new(&pages.base_url);
    sync::run(&env.deps, &fetcher, &s, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        store::reparse_source(&env.deps, &s, false).await.unwrap(),
        0,
        "all parsed by this version"
    );
    let id = store::listing_id(&s.id, 30);
    let hash = store::get_listing(&env.deps, "default", &id)
        .await
        .unwrap()
        .unwrap()
        .photos[0]
        .phash
        .clone();
    assert!(hash.is_some(), "a real picture has a perceptual hash");
    // Post 30 as an older version left it: no price, photos without perceptual hashes, an old
    // parser version on the raw post.
    let mut l = env
        .item(&store::listing_pk(&id), store::LISTING_SK)
        .await
        .unwrap();
    l.insert("price".into(), Value::Null);
    for p in l["photos"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("phash");
    }
    env.deps
        .table
        .put(l, teledesk_ports::table::Condition::None)
        .await
        .unwrap();
    let mut raw = env
        .item(&store::post_pk(&s.id), &format!("{:012}", 30))
        .await
        .unwrap();
    raw.insert("parser_version".into(), json!(0));
    env.deps
        .table
        .put(raw, teledesk_ports::table::Condition::None)
        .await
        .unwrap();
    assert_eq!(
        store::reparse_source(&env.deps, &s, false).await.unwrap(),
        1
    );
    let l = store::get_listing(&env.deps, "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.fields.price, Some(12_500.0));
    assert_eq!(l.photos.len(), 3, "the copied photos are kept");
    assert_eq!(
        l.photos[0].phash, hash,
        "and get their perceptual hash back"
    );
    assert_eq!(
        store::reparse_source(&env.deps, &s, true).await.unwrap(),
        45,
        "--all parses every stored post"
    );
}

#[tokio::test]
async fn channel_posts_of_a_followed_channel_become_listings_through_the_webhook() {
    let env = DeskEnv::start().await;
    const CHAN: i64 = -1_009_876_543_210;
    let mut s = ChannelSource::new(
        "default",
        &CHAN.to_string(),
        SourceKind::ChannelPost,
        Category::Vehicles,
    );
    s = catalog::save_source(&env.deps, &s).await.unwrap();
    env.api
        .add_file("photo-big", "photos/big.jpg", b"a channel photo".to_vec());
    let chat = json!({"id": CHAN, "type": "channel", "title": "Cars channel", "username": "cars_channel_test"});
    let post = |update_id: i64, kind: &str, extra: Value| {
        let mut body = json!({"message_id": 77, "date": T0, "chat": chat});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let u = json!({"update_id": update_id, kind: body});
        let problems = teledesk_e2e::spec::check_value("Update", &u);
        assert!(problems.is_empty(), "{problems:?}");
        u
    };
    env.deliver(post(
        9_001,
        "channel_post",
        json!({
            "caption": "Toyota Camry 2015\nЦена: $12 500\nКиев",
            "photo": [
                {"file_id": "photo-small", "file_unique_id": "u-small", "width": 90, "height": 60},
                {"file_id": "photo-big", "file_unique_id": "u-big", "width": 1280, "height": 853}
            ]
        }),
    ))
    .await;
    let id = store::listing_id(&s.id, 77);
    let l = store::get_listing(&env.deps, "default", &id)
        .await
        .unwrap()
        .expect("a listing");
    assert_eq!(
        (l.fields.make.as_deref(), l.fields.price),
        (Some("Toyota"), Some(12_500.0))
    );
    assert_eq!(l.provenance.source_kind, SourceKind::ChannelPost);
    assert_eq!(l.provenance.channel_id, Some(CHAN));
    assert_eq!(l.provenance.post_url, "https://t.me/cars_channel_test/77");
    let key = l.photos[0]
        .key
        .as_deref()
        .expect("the largest photo copied");
    assert_eq!(
        env.emb.files.get(key).await.unwrap().unwrap(),
        b"a channel photo"
    );
    assert_eq!(source(&env, &s.id).await.cursor, 77);

    // An edit is parsed again; a channel nobody follows is ignored.
    env.deliver(post(9_002, "edited_channel_post", json!({
        "edit_date": T0 + 60, "caption": "Toyota Camry 2015\nЦена: $11 900\nКиев",
        "photo": [{"file_id": "photo-big", "file_unique_id": "u-big", "width": 1280, "height": 853}]
    })))
    .await;
    let l = store::get_listing(&env.deps, "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.fields.price, Some(11_900.0));
    let other = json!({"update_id": 9_003, "channel_post": {"message_id": 5, "date": T0,
        "chat": {"id": -1_001_111_111_111i64, "type": "channel", "title": "Other"}, "text": "BMW X5 2017, $30 000"}});
    env.deliver(other).await;
    assert_eq!(listings(&env).await.len(), 1);

    // An album: one update per member, the caption on the second. However they arrive (here out
    // of order, one member twice), it is one listing with every member and photo.
    let member = |update_id: i64, message_id: i64, kind: &str, caption: Option<&str>| {
        let file = format!("album-{message_id}");
        env.api.add_file(
            &file,
            &format!("photos/{file}.jpg"),
            file.clone().into_bytes(),
        );
        let mut u = post(
            update_id,
            kind,
            json!({
                "media_group_id": "13579",
                "photo": [{"file_id": file, "file_unique_id": format!("u-{file}"), "width": 1280, "height": 853}]
            }),
        );
        u[kind]["message_id"] = json!(message_id);
        if let Some(c) = caption {
            u[kind]["caption"] = json!(c);
        }
        u
    };
    let caption = "Mazda CX-5 2019\nЦена: $21 000\nПробег 60 тыс км\nЛьвов";
    env.deliver(member(9_010, 80, "channel_post", None)).await;
    env.deliver(member(9_011, 82, "channel_post", None)).await;
    env.deliver(member(9_012, 81, "channel_post", Some(caption)))
        .await;
    env.deliver(member(9_013, 82, "channel_post", None)).await;
    let all = listings(&env).await;
    assert_eq!(all.len(), 2, "{all:#?}");
    let album = store::get_listing(&env.deps, "default", &store::listing_id(&s.id, 80))
        .await
        .unwrap()
        .expect("the album's listing, under its first member");
    assert_eq!(album.provenance.message_ids, vec![80, 81, 82]);
    assert_eq!(
        album.provenance.post_url,
        "https://t.me/cars_channel_test/80"
    );
    assert_eq!(
        (
            album.fields.make.as_deref(),
            album.fields.price,
            album.fields.mileage_km
        ),
        (Some("Mazda"), Some(21_000.0), Some(60_000))
    );
    let mut stored = Vec::new();
    for p in &album.photos {
        stored.push(
            env.emb
                .files
                .get(p.key.as_deref().unwrap())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(
        stored,
        vec![
            b"album-80".to_vec(),
            b"album-81".to_vec(),
            b"album-82".to_vec()
        ]
    );
    // An edit of the captioned member changes the one listing.
    let mut edit = member(
        9_014,
        81,
        "edited_channel_post",
        Some(&caption.replace("21 000", "19 900")),
    );
    edit["edited_channel_post"]["edit_date"] = json!(T0 + 120);
    env.deliver(edit).await;
    let album = store::get_listing(&env.deps, "default", &store::listing_id(&s.id, 80))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (album.fields.price, album.photos.len()),
        (Some(19_900.0), 3)
    );
    assert_eq!(listings(&env).await.len(), 2);
    assert_eq!(source(&env, &s.id).await.cursor, 82);

    // A sold notice replying to one of the album's photos closes its listing.
    let mut notice = post(
        9_015,
        "channel_post",
        json!({
            "text": "SOLD",
            "reply_to_message": {"message_id": 82, "date": T0, "chat": chat}
        }),
    );
    notice["channel_post"]["message_id"] = json!(83);
    env.deliver(notice).await;
    let album = store::get_listing(&env.deps, "default", &store::listing_id(&s.id, 80))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (album.status.as_str(), album.sold_by.as_deref()),
        ("sold", Some("https://t.me/cars_channel_test/83"))
    );

    // Album members handled at the same time (as two workers would, out of the FIFO order):
    // still one listing with every member and photo.
    let members: Vec<Value> = (90..=92)
        .map(|m| {
            let mut u = member(
                9_100 + m,
                m,
                "channel_post",
                (m == 90).then_some("Opel Astra 2012\nЦена: $6 500\nКиев"),
            );
            u["channel_post"]["media_group_id"] = json!("24680");
            u
        })
        .collect();
    env.deliver_concurrently(members).await;
    let all = listings(&env).await;
    let astra: Vec<&StoredListing> = all
        .iter()
        .filter(|l| l.provenance.message_ids.contains(&90))
        .collect();
    assert_eq!(astra.len(), 1, "{all:#?}");
    assert_eq!(astra[0].provenance.message_ids, vec![90, 91, 92]);
    assert_eq!(astra[0].photos.len(), 3);
    assert_eq!(all.len(), 3);
    env.assert_clean();
}

#[tokio::test]
async fn a_listing_without_a_price_is_a_draft_and_a_sold_notice_closes_its_listing() {
    let pages = ChannelPages::start().await;
    let env = DeskEnv::start().await;
    pages.set_posts(
        CHANNEL,
        vec![
            car(
                1,
                "Toyota Camry 2015\nЦена: $12 500\nКиев\nТел: +380671234567",
                0,
            ),
            car(
                2,
                "Продаю Honda Civic 2012, пробег 150 тыс км, Днепр, пишите @civic_owner",
                0,
            ),
        ],
    );
    let s = ChannelSource::new("default", CHANNEL, SourceKind::Preview, Category::Vehicles);
    let s = catalog::save_source(&env.deps, &s).await.unwrap();
    let fetcher = PreviewSource::new(&pages.base_url);
    sync::run(&env.deps, &fetcher, &s, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    let get = |id: i64| {
        let deps = env.deps.clone();
        let sid = s.id.clone();
        async move {
            store::get_listing(&deps, "default", &store::listing_id(&sid, id))
                .await
                .unwrap()
                .unwrap()
        }
    };
    assert_eq!(get(1).await.status, "active");
    let civic = get(2).await;
    assert_eq!(civic.status, "draft", "no price: {:?}", civic.fields);
    assert!(civic.fields.warnings.iter().any(|w| w.contains("price")));

    pages.edit_post(CHANNEL, 1, "ПРОДАНО! Toyota Camry 2015");
    let r = latest(&env, &fetcher, &s.id).await;
    assert_eq!(r.counts.updated, 1, "{r:?}");
    let sold = get(1).await;
    assert_eq!(sold.status, "sold");
    assert_eq!(sold.fields.price, Some(12_500.0), "closed, not rewritten");

    // A sold notice of its own, replying to the listing's post, closes that listing; an edit of
    // the listing's post afterwards does not reopen it.
    pages.add_post(CHANNEL, car(3, "Mazda 6 2013\nЦена: $9 000\nЛьвов", 0));
    latest(&env, &fetcher, &s.id).await;
    assert_eq!(get(3).await.status, "active");
    pages.add_post(
        CHANNEL,
        FakePost {
            reply_to: Some(3),
            ..car(4, "ПРОДАНО!", 0)
        },
    );
    let r = latest(&env, &fetcher, &s.id).await;
    assert_eq!(r.counts.updated, 1, "{r:?}");
    let mazda = get(3).await;
    assert_eq!(
        (mazda.status.as_str(), mazda.sold_by.as_deref()),
        ("sold", Some(format!("https://t.me/{CHANNEL}/4").as_str()))
    );
    pages.edit_post(CHANNEL, 3, "Mazda 6 2013\nЦена: $8 500\nЛьвов");
    latest(&env, &fetcher, &s.id).await;
    let mazda = get(3).await;
    assert_eq!(
        (mazda.status.as_str(), mazda.fields.price),
        ("sold", Some(8_500.0))
    );
    assert_eq!(listings(&env).await.len(), 3, "the notice is no listing");

    // A reply to an album's second photo closes the album's listing.
    pages.add_post(CHANNEL, car(5, "Kia Rio 2017\nЦена: $8 000\nОдесса", 2));
    pages.add_post(
        CHANNEL,
        FakePost {
            reply_to: Some(6),
            ..car(7, "Продано", 0)
        },
    );
    latest(&env, &fetcher, &s.id).await;
    let kia = get(5).await;
    assert_eq!(
        (kia.provenance.message_ids.clone(), kia.status.as_str()),
        (vec![5, 6], "sold")
    );
}

/// The CLI on a data directory: `listings parse`, `seed`, and `channel-sources` against the local
/// t.me double (its base given to the child process only). The double needs a worker of its own
/// while the test waits for each command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_parses_seeds_and_runs_channel_sources() {
    let pages = ChannelPages::start().await;
    pages.set_posts(CHANNEL, channel_posts());
    let dir = tempfile::tempdir().unwrap();
    let bin = teledesk_e2e::serve::teledesk_bin();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = std::process::Command::new(&bin);
        cmd.arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env("TELEGRAM_PREVIEW_BASE", &pages.base_url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, _) = run(
        &["listings", "parse"],
        Some("Toyota Camry 2015, 120 тыс км, $12 500, Киев"),
    );
    assert!(ok);
    let parsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            parsed["make"].as_str(),
            parsed["price"].as_f64(),
            parsed["mileage_km"].as_u64()
        ),
        (Some("Toyota"), Some(12_500.0), Some(120_000))
    );
    let (ok, _, err) = run(&["listings", "parse", "--category", "boats"], Some("x"));
    assert!(!ok && err.contains("vehicles or generic"), "{err}");

    let (ok, out, _) = run(&["seed"], None);
    assert!(ok && out.contains("60 new"), "{out}");
    let (ok, out, _) = run(&["seed"], None);
    assert!(
        ok && out.contains("0 new") && out.contains("60 already"),
        "{out}"
    );

    let (ok, _, err) = run(&["channel-sources", "add", "--channel", "x"], None);
    assert!(!ok && err.contains("--channel"), "{err}");
    let (ok, out, _) = run(&["channel-sources", "add", "--channel", CHANNEL], None);
    assert!(ok, "{out}");
    let id = out.split_whitespace().nth(1).unwrap().to_owned();
    let (_, list, _) = run(&["channel-sources", "list"], None);
    assert!(list.contains(&id) && list.contains(CHANNEL), "{list}");
    let (ok, out, _) = run(&["channel-sources", "dry-run", &id], None);
    assert!(
        ok && out.contains("dry_run") && out.contains("new 45"),
        "{out}"
    );
    let (ok, out, err) = run(&["channel-sources", "sync", &id], None);
    assert!(
        ok && out.contains(": ok") && out.contains("new 40"),
        "{out}"
    );
    assert!(err.contains("pages 3"), "the progress line: {err}");
    let (ok, _, err) = run(
        &[
            "channel-sources",
            "parse-range",
            &id,
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        ],
        None,
    );
    assert!(!ok && err.contains("--from"), "{err}");
    let (ok, out, _) = run(&["channel-sources", "remove", &id], None);
    assert!(ok && out.contains(&id));
}

/// The same sync on the AWS adapters, against the moto server `scripts/test` runs: the catalog's
/// items (nested photo lists, the listings index, versioned sources, the lease, duplicate keys and
/// their deletion) on DynamoDB's wire protocol, and the photos in S3.
#[tokio::test]
async fn a_sync_on_dynamodb_and_s3_stores_the_same_catalog() {
    let Some(stores) = teledesk_e2e::stores::moto().await else {
        return;
    };
    let deps = teledesk_app::Deps::new(
        stores.table.clone(),
        stores.queue.clone(),
        stores.files.clone(),
        std::sync::Arc::new(teledesk_telegram::HttpConnector::new("http://127.0.0.1:9")),
        Default::default(),
    );
    let pages = ChannelPages::start().await;
    let mut posts = channel_posts();
    posts.push(car(
        60,
        "Skoda Octavia 2016\nЦена: $11 000\nПробег 90 тыс км\nЛуцк",
        1,
    ));
    let repost_text = "Skoda Octavia A7 2016\nЦена: $10 800\nПробег 95 тыс км\nРовно";
    posts.push(car(61, repost_text, 1));
    pages.set_posts(CHANNEL, posts);
    let scene = testing::scene(60, 320, 240);
    pages.set_photo(CHANNEL, 60, 0, testing::jpeg(&scene, 85));
    let (_, repost) = testing::reposts(&scene).swap_remove(0);
    pages.set_photo(CHANNEL, 61, 0, repost);
    let s = ChannelSource::new("default", CHANNEL, SourceKind::Preview, Category::Vehicles);
    let s = catalog::save_source(&deps, &s).await.unwrap();
    let fetcher = PreviewSource::new(&pages.base_url);
    let r = sync::run(&deps, &fetcher, &s, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(r.status, "ok", "{r:?}");
    assert_eq!(r.counts.new + r.counts.skipped, 47);
    let stored = catalog::get_source(&deps, "default", &s.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cursor, 61);
    let album = store::get_listing(&deps, "default", &store::listing_id(&s.id, 30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(album.provenance.message_ids, vec![30, 31, 32]);
    for (n, p) in album.photos.iter().enumerate() {
        let bytes = deps.files.get(p.key.as_deref().unwrap()).await.unwrap();
        assert_eq!(
            bytes,
            Some(teledesk_e2e::pages::photo_bytes(CHANNEL, 30, n)),
            "in S3"
        );
    }
    let original = store::get_listing(&deps, "default", &store::listing_id(&s.id, 60))
        .await
        .unwrap()
        .unwrap();
    let repost = store::get_listing(&deps, "default", &store::listing_id(&s.id, 61))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        repost.duplicate_of,
        vec![format!("similar_photo:{}", original.id)]
    );
    // Again: nothing new; then an edit.
    let again = sync::run(&deps, &fetcher, &stored, Mode::Latest, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (again.counts.new, again.counts.updated),
        (0, 0),
        "{again:?}"
    );
    // An edit changes 61's fingerprint; a new post with 61's old fields then matches nothing:
    // the old fingerprint key was deleted on DynamoDB.
    pages.edit_post(
        CHANNEL,
        61,
        "Skoda Octavia A7 2016\nЦена: $9 900\nПробег 95 тыс км\nРовно",
    );
    pages.add_post(CHANNEL, car(62, repost_text, 0));
    let third = sync::run(
        &deps,
        &fetcher,
        &catalog::get_source(&deps, "default", &s.id)
            .await
            .unwrap()
            .unwrap(),
        Mode::Latest,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (third.counts.updated, third.counts.new),
        (1, 1),
        "{third:?}"
    );
    let late = store::get_listing(&deps, "default", &store::listing_id(&s.id, 62))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        late.duplicate_of,
        Vec::<String>::new(),
        "a stale key matched"
    );
    let repost = store::get_listing(&deps, "default", &store::listing_id(&s.id, 61))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(repost.fields.price, Some(9_900.0));
    assert_eq!(
        repost.duplicate_of,
        vec![format!("similar_photo:{}", original.id)],
        "its photo, and so its flag, kept"
    );
}
