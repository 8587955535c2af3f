//! The local "t.me" ([`teledesk_e2e::pages`]) round-trips through the real preview parser: what
//! it serves, `teledesk_catalog::preview::parse_page` reads back exactly, page by page.

use teledesk_catalog::preview::{PreviewPage, PreviewPost, page_url, parse_page};
use teledesk_e2e::pages::{ChannelPages, FakePost, PHOTO_LEN, expected_text, photo_bytes};

const CHANNEL: &str = "demo_cars";
const T0: i64 = 1_758_708_000; // 2025-09-24T10:00:00Z

/// 45 posts from id 100: an album of 3 at 110 (members 110..=112, next id 113), single photos,
/// a forwarded post, an edited one, and texts with `$12 500`, `<`, `&`.
fn channel_posts() -> Vec<FakePost> {
    let mut posts = Vec::new();
    let mut id = 100;
    for i in 0..45 {
        let mut p = FakePost {
            id,
            date: T0 + i * 3_600 + 17,
            text: format!("Post {i}\nsecond line of {i}"),
            ..Default::default()
        };
        match i {
            3 => p.text = "Toyota Camry 2015 г.в.\nЦена: $12 500, торг".into(),
            5 => p.text = "a < b && c > d; \"quoted\" 'single' #tag @user".into(),
            7 => p.photos = 1,
            10 => {
                p.photos = 3;
                p.text = "Audi A4 2012\nЦена: 9 900 €".into();
            }
            12 => p.forwarded_from = Some("Cars Source".into()),
            15 => p.edited = true,
            16 => p.reply_to = Some(p.id - 2),
            20 => p.text = String::new(),
            21 => {
                p.text = String::new();
                p.photos = 1;
            }
            30 => p.text = "price 1 000 000 $ and 12345 and 1 2345".into(),
            _ => {}
        }
        id += p.photos.max(1) as i64;
        posts.push(p);
    }
    posts
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("request")
}

async fn fetch(pages: &ChannelPages, channel: &str, before: Option<i64>) -> PreviewPage {
    let resp = get(&page_url(&pages.base_url, channel, before)).await;
    assert_eq!(resp.status(), 200);
    parse_page(&resp.text().await.expect("body"))
}

fn check_post(pages: &ChannelPages, got: &PreviewPost, want: &FakePost) {
    let id = want.id;
    assert_eq!(got.channel, CHANNEL);
    assert_eq!(got.message_id, id);
    let members: Vec<i64> = if want.photos > 1 {
        (id..id + want.photos as i64).collect()
    } else {
        vec![id]
    };
    assert_eq!(got.member_ids, members, "post {id}");
    assert_eq!(got.date, Some(want.date), "post {id}");
    assert_eq!(got.url, format!("https://t.me/{CHANNEL}/{id}"));
    assert_eq!(got.text, want.text, "post {id}");
    assert_eq!(got.text, expected_text(&want.text), "post {id}");
    let photos: Vec<String> = (0..want.photos)
        .map(|n| pages.photo_url(CHANNEL, id, n))
        .collect();
    assert_eq!(got.photos, photos, "post {id}");
    assert_eq!(got.forwarded_from, want.forwarded_from, "post {id}");
    assert_eq!(got.edited, want.edited, "post {id}");
    assert_eq!(got.reply_to, want.reply_to, "post {id}");
    assert_eq!(got.views, None);
}

#[tokio::test]
async fn pages_round_trip_through_the_parser() {
    let pages = ChannelPages::start().await;
    let posts = channel_posts();
    pages.set_posts(CHANNEL, posts.clone());

    // Newest page: the last 20 posts, ascending, with the cursor to older posts.
    let newest = fetch(&pages, CHANNEL, None).await;
    assert!(newest.has_history_markup);
    assert_eq!(newest.posts.len(), 20);
    assert_eq!(newest.before, Some(posts[25].id));
    assert_eq!(newest.after, None);
    for (got, want) in newest.posts.iter().zip(&posts[25..]) {
        check_post(&pages, got, want);
    }

    // Following `before` walks back to the first post; the oldest page has no cursor.
    let mut all: Vec<PreviewPost> = Vec::new();
    let mut cursor = None;
    let mut sizes = Vec::new();
    loop {
        let page = fetch(&pages, CHANNEL, cursor).await;
        assert!(page.has_history_markup);
        sizes.push(page.posts.len());
        if let Some(b) = page.before {
            assert_eq!(b, page.posts[0].message_id);
        }
        let mut older = page.posts;
        older.append(&mut all);
        all = older;
        match page.before {
            Some(b) => cursor = Some(b),
            None => break,
        }
    }
    assert_eq!(sizes, [20, 20, 5]);
    assert_eq!(all.len(), posts.len());
    for (got, want) in all.iter().zip(&posts) {
        check_post(&pages, got, want);
    }
    let album = all.iter().find(|p| p.message_id == 110).expect("album");
    assert_eq!(album.member_ids, [110, 111, 112]);
    assert_eq!(album.text, "Audi A4 2012\nЦена: 9 900 €");
    let camry = all.iter().find(|p| p.message_id == 103).expect("camry");
    assert_eq!(camry.text, "Toyota Camry 2015 г.в.\nЦена: $12 500, торг");
    let escaped = all.iter().find(|p| p.message_id == 105).expect("escaped");
    assert_eq!(
        escaped.text,
        "a < b && c > d; \"quoted\" 'single' #tag @user"
    );

    // A cursor in the middle of an album and one below every id.
    let mid = fetch(&pages, CHANNEL, Some(111)).await;
    assert_eq!(
        mid.posts.iter().map(|p| p.message_id).collect::<Vec<_>>(),
        (100..=110).collect::<Vec<_>>()
    );
    assert_eq!(mid.before, None);
    let none = fetch(&pages, CHANNEL, Some(100)).await;
    assert!(none.has_history_markup);
    assert!(none.posts.is_empty());

    // The served HTML carries Telegram's escapes.
    let html = get(&page_url(&pages.base_url, CHANNEL, Some(104)))
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("Цена: &#036;12&#160;500, торг"), "{html}");
    // The oldest page: no older-page link at all.
    assert!(!html.contains("tme_messages_more"), "{html}");

    let requests = pages.requests();
    assert_eq!(requests[0], format!("/s/{CHANNEL}"));
    assert_eq!(requests[2], format!("/s/{CHANNEL}?before={}", posts[25].id));
}

#[tokio::test]
async fn edits_additions_and_page_size() {
    let pages = ChannelPages::start().await;
    pages.set_posts(CHANNEL, channel_posts());
    pages.set_page_size(5);
    let page = fetch(&pages, CHANNEL, None).await;
    assert_eq!(page.posts.len(), 5);

    let last = page.posts[4].message_id;
    pages.edit_post(CHANNEL, last, "New text: $9 999");
    pages.add_post(
        CHANNEL,
        FakePost {
            id: last + 1,
            date: T0 + 1_000_000,
            text: "fresh".into(),
            ..Default::default()
        },
    );
    let page = fetch(&pages, CHANNEL, None).await;
    let ids: Vec<i64> = page.posts.iter().map(|p| p.message_id).collect();
    assert_eq!(ids, (last - 3..=last + 1).collect::<Vec<_>>());
    assert_eq!(page.posts[3].text, "New text: $9 999");
    assert!(page.posts[3].edited);
    assert!(!page.posts[4].edited);
    assert_eq!(page.posts[4].date, Some(T0 + 1_000_000));

    // Channel names are case-insensitive, as on t.me; data-post keeps the name as set.
    let page = fetch(&pages, "@Demo_Cars", None).await;
    assert_eq!(page.posts.len(), 5);
    assert_eq!(page.posts[0].channel, CHANNEL);

    // An empty channel: the history section without posts or cursor.
    pages.set_posts("empty", vec![]);
    let empty = fetch(&pages, "empty", None).await;
    assert!(empty.has_history_markup);
    assert_eq!(
        empty,
        PreviewPage {
            has_history_markup: true,
            ..Default::default()
        }
    );
}

#[tokio::test]
async fn rate_limits_broken_markup_and_unknown_channels() {
    let pages = ChannelPages::start().await;
    pages.set_posts(CHANNEL, channel_posts());

    pages.rate_limit_next(2, 7);
    for _ in 0..2 {
        let resp = get(&page_url(&pages.base_url, CHANNEL, None)).await;
        assert_eq!(resp.status(), 429);
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
    }
    assert_eq!(fetch(&pages, CHANNEL, None).await.posts.len(), 20);
    assert_eq!(pages.requests().len(), 3);

    pages.break_markup(CHANNEL, true);
    let broken = fetch(&pages, CHANNEL, None).await;
    assert!(broken.has_history_markup);
    assert!(broken.posts.is_empty());
    pages.break_markup(CHANNEL, false);
    assert_eq!(fetch(&pages, CHANNEL, None).await.posts.len(), 20);

    let unknown = fetch(&pages, "no_such_channel_here", None).await;
    assert!(!unknown.has_history_markup);
    assert_eq!(unknown, PreviewPage::default());
}

#[tokio::test]
async fn photos_are_served_with_deterministic_bytes() {
    let pages = ChannelPages::start().await;
    let posts = channel_posts();
    pages.set_posts(CHANNEL, posts.clone());
    pages.set_posts(
        "other",
        vec![FakePost {
            id: 5,
            date: T0,
            text: "repost".into(),
            photos: 2,
            ..Default::default()
        }],
    );

    let resp = get(&pages.photo_url(CHANNEL, 110, 2)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    let album2 = resp.bytes().await.expect("bytes").to_vec();
    assert_eq!(album2.len(), PHOTO_LEN);
    assert_eq!(album2, photo_bytes(CHANNEL, 110, 2));
    let album0 = get(&pages.photo_url(CHANNEL, 110, 0))
        .await
        .bytes()
        .await
        .expect("bytes");
    assert_ne!(album0.to_vec(), album2);

    // Beyond the post's photos, and unknown posts: 404.
    assert_eq!(get(&pages.photo_url(CHANNEL, 110, 3)).await.status(), 404);
    assert_eq!(get(&pages.photo_url(CHANNEL, 111, 0)).await.status(), 404);
    assert_eq!(get(&pages.photo_url(CHANNEL, 101, 0)).await.status(), 404);

    // The same photo under another post: same bytes, distinct URLs.
    pages.same_photo("other", 5, CHANNEL, 110);
    for n in 0..2 {
        let other = get(&pages.photo_url("other", 5, n))
            .await
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(other.to_vec(), photo_bytes(CHANNEL, 110, n));
    }
    assert_ne!(
        pages.photo_url("other", 5, 0),
        pages.photo_url(CHANNEL, 110, 0)
    );

    // The parsed photo URLs are the served ones.
    let page = fetch(&pages, "other", None).await;
    assert_eq!(
        page.posts[0].photos,
        [
            pages.photo_url("other", 5, 0),
            pages.photo_url("other", 5, 1)
        ]
    );
    assert!(pages.requests().iter().any(|r| r == "/file/other/5/1.jpg"));
}
