//! Tests of the `t.me/s/<channel>` preview parser on the shared sample and on fixture pages in
//! `tests/pages/` modelled on the real markup.

use teledesk_catalog::preview::{PreviewPage, PreviewPost, page_url, parse_page};

// A copy of ../shared/data/tme-s-channel-preview-sample.html (beside the repository), kept in the
// repository so that a checkout alone builds its tests.
const SAMPLE: &str = include_str!("pages/tme-s-channel-preview-sample.html");
const CHANNEL: &str = include_str!("pages/channel.html");
const HISTORY_WITHOUT_POSTS: &str = include_str!("pages/history_without_posts.html");
const NO_PREVIEW: &str = include_str!("pages/no_preview.html");
const ENTITIES: &str = include_str!("pages/entities.html");

fn post(channel: &str, id: i64) -> PreviewPost {
    PreviewPost {
        channel: channel.to_string(),
        message_id: id,
        member_ids: vec![id],
        date: None,
        url: format!("https://t.me/{channel}/{id}"),
        text: String::new(),
        photos: vec![],
        links: vec![],
        forwarded_from: None,
        views: None,
        edited: false,
        reply_to: None,
    }
}

fn ids(page: &PreviewPage) -> Vec<i64> {
    page.posts.iter().map(|p| p.message_id).collect()
}

#[test]
fn shared_sample() {
    let page = parse_page(SAMPLE);
    assert!(page.has_history_markup);
    assert_eq!(page.before, Some(208_634));
    assert_eq!(page.after, None);
    assert_eq!(ids(&page), [3765, 208_649]);

    let camry = &page.posts[0];
    assert_eq!(
        camry,
        &PreviewPost {
            member_ids: vec![3765, 3766],
            date: Some(1_758_708_000),
            text: "Toyota Camry 2015 г.в.\nПробег 120 тыс. км\nЦена: $12 500, торг".to_string(),
            photos: vec![
                "https://cdn4.telesco.pe/file/one.jpg".to_string(),
                "https://cdn4.telesco.pe/file/two.jpg".to_string(),
            ],
            ..post("army21ye", 3765)
        }
    );

    // A `text_not_supported_wrap` post keeps its text; source line breaks and indentation
    // collapse to single spaces, `<br>` gives line breaks.
    let pair = &page.posts[1];
    assert_eq!(
        pair,
        &PreviewPost {
            date: Some(1_699_551_320),
            text: "New pair at Uniswap v2\n\nYUMMY (YUMMY/WETH)\n\nInitial Liquidity: $3,027\n\n\
                   Token contract:\n0xb86fe55c407d4c07968e999879f78caeb0be53a8"
                .to_string(),
            views: Some("44".to_string()),
            ..post("DEXTNewPairsBot", 208_649)
        }
    );
}

#[test]
fn posts_serialise_and_read_back() {
    let page = parse_page(SAMPLE);
    let json = serde_json::to_string(&page.posts).expect("serialise");
    let back: Vec<PreviewPost> = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, page.posts);
}

#[test]
fn channel_page_kinds_of_posts() {
    let page = parse_page(CHANNEL);
    assert!(page.has_history_markup);
    assert_eq!(page.before, Some(101));
    assert_eq!(page.after, Some(110));
    // 101 is a service message ("Channel created"): skipped.
    assert_eq!(ids(&page), [102, 103, 104, 105, 107, 110]);
    let by_id = |id: i64| page.posts.iter().find(|p| p.message_id == id).unwrap();

    // Single photo post; the avatar and the emoji images are not photos; the author signature
    // containing "edited" does not mark the post edited.
    assert_eq!(
        by_id(102),
        &PreviewPost {
            date: Some(1_759_305_600),
            text: "🚗 Продам Skoda Octavia 2018\nЦена: 14 200$".to_string(),
            photos: vec!["https://cdn4.telesco.pe/file/photo-102.jpg".to_string()],
            views: Some("1.2K".to_string()),
            ..post("demo_market", 102)
        }
    );

    // Text only: whitespace runs collapse, a blockquote is its own line, hashtag searches are
    // not links.
    assert_eq!(
        by_id(103),
        &PreviewPost {
            date: Some(1_759_310_130),
            text: "Ищу поставщика шин #wanted\nТолько зимние, R16\nПишите в личку".to_string(),
            views: Some("987".to_string()),
            ..post("demo_market", 103)
        }
    );

    // Forwarded, and a reply: the replied-to text is not this post's text.
    assert_eq!(
        by_id(104),
        &PreviewPost {
            date: Some(1_759_406_400),
            text: "Шины Nokian R16, 4 шт.\nЦена: 8 000 грн".to_string(),
            forwarded_from: Some("Cars Source".to_string()),
            views: Some("15".to_string()),
            reply_to: Some(103),
            ..post("demo_market", 104)
        }
    );

    // Edited, with links: deduplicated, in order, `mailto:` dropped; the link preview's image
    // is not a photo.
    assert_eq!(
        by_id(105),
        &PreviewPost {
            date: Some(1_759_430_700),
            text: "BMW X5 2014 — подробности: example.com/car\nПродавец: @seller_bob\n\
                   Ещё раз: ссылка, почта bob@example.com"
                .to_string(),
            links: vec![
                "https://example.com/car?id=1&ref=tg".to_string(),
                "https://t.me/seller_bob".to_string(),
            ],
            views: Some("2.05K".to_string()),
            edited: true,
            ..post("demo_market", 105)
        }
    );

    // Album of photo, video, photo: members from the `?single` links, ascending; video
    // thumbnails are not photos; narrow NBSP becomes a space.
    assert_eq!(
        by_id(107),
        &PreviewPost {
            member_ids: vec![107, 108, 109],
            date: Some(1_759_475_100),
            text: "Audi A4 2012\nЦена: 9 900 €".to_string(),
            photos: vec![
                "https://cdn4.telesco.pe/file/photo-107.jpg".to_string(),
                "https://cdn4.telesco.pe/file/photo-108.jpg".to_string(),
            ],
            views: Some("640".to_string()),
            ..post("demo_market", 107)
        }
    );

    // A sticker: no text, no photo; a +03:00 offset is honoured.
    assert_eq!(
        by_id(110),
        &PreviewPost {
            date: Some(1_759_633_200),
            views: Some("12".to_string()),
            ..post("demo_market", 110)
        }
    );
}

#[test]
fn history_markup_without_posts_is_reported_not_judged() {
    let page = parse_page(HISTORY_WITHOUT_POSTS);
    assert!(page.has_history_markup);
    assert!(page.posts.is_empty());
    // No `data-before`: the cursor is read from the link's `?before=`.
    assert_eq!(page.before, Some(500));
}

#[test]
fn page_without_history_markup() {
    let page = parse_page(NO_PREVIEW);
    assert_eq!(page, PreviewPage::default());

    for html in [
        "",
        "<html><body>Not Found</body></html>",
        "not html at all <<<",
    ] {
        assert_eq!(parse_page(html), PreviewPage::default(), "{html:?}");
    }
}

#[test]
fn entities_and_text_normalisation() {
    let page = parse_page(ENTITIES);
    assert_eq!(page.posts.len(), 1);
    let p = &page.posts[0];
    assert_eq!(p.channel, "ent_test");
    assert_eq!(p.date, Some(1_759_615_199));
    assert_eq!(
        p.text,
        "Tom & Jerry <b>not bold</b> \"quoted\" 'single'\n\
         Price: $1 000 · 900 € €5\n\
         Emoji: 🔥👍 🇺🇦\n\
         hidden words old under a<b\n\
         fn main() {\n    println!(\"hi\");\n}\n\
         after code\n\n\n\
         three breaks above"
    );
    assert!(!p.text.contains(['\u{a0}', '\u{202f}']));
}

#[test]
fn posts_sorted_ascending_and_broken_ids_skipped() {
    let html = r#"<section class="tgme_channel_history js-message_history">
        <div class="tgme_widget_message" data-post="chan/30"><div class="tgme_widget_message_text">c</div></div>
        <div class="tgme_widget_message" data-post="chan/x"><div class="tgme_widget_message_text">bad id</div></div>
        <div class="tgme_widget_message" data-post="/5"><div class="tgme_widget_message_text">no channel</div></div>
        <div class="tgme_widget_message" data-post="chan/10"><div class="tgme_widget_message_text">a</div></div>
        <div class="tgme_widget_message" data-post="chan/20"><div class="tgme_widget_message_text">b</div></div>
        </section>"#;
    let page = parse_page(html);
    assert!(page.has_history_markup);
    assert_eq!(ids(&page), [10, 20, 30]);
    let texts: Vec<&str> = page.posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["a", "b", "c"]);
    // Without a date link the URL is built from data-post.
    assert_eq!(page.posts[0].url, "https://t.me/chan/10");
    assert_eq!(page.posts[0].date, None);
}

#[test]
fn forwarded_from_without_a_link() {
    let html = r#"<div class="tgme_widget_message" data-post="chan/1">
        <div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;<span class="tgme_widget_message_forwarded_from_name"><span dir="auto">Hidden   Author</span></span></div>
        <div class="tgme_widget_message_text">text</div></div>"#;
    let page = parse_page(html);
    assert!(!page.has_history_markup);
    assert_eq!(
        page.posts[0].forwarded_from.as_deref(),
        Some("Hidden Author")
    );
}

#[test]
fn page_urls() {
    assert_eq!(
        page_url("https://t.me", "army21ye", None),
        "https://t.me/s/army21ye"
    );
    assert_eq!(
        page_url("https://t.me", "army21ye", Some(3765)),
        "https://t.me/s/army21ye?before=3765"
    );
    assert_eq!(
        page_url("https://t.me/", "@army21ye", Some(1)),
        "https://t.me/s/army21ye?before=1"
    );
    assert_eq!(
        page_url("http://127.0.0.1:8080/", "chan", None),
        "http://127.0.0.1:8080/s/chan"
    );
    assert_eq!(
        page_url("http://127.0.0.1:8080/mirror", " chan ", Some(208_634)),
        "http://127.0.0.1:8080/mirror/s/chan?before=208634"
    );
}
