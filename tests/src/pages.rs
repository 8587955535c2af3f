//! A local "t.me" for tests: an HTTP server on loopback that serves the public web preview of
//! channels (`/s/<channel>`, `/s/<channel>?before=<id>`) generated from in-memory channel contents,
//! in the markup of the real pages (the one `teledesk_catalog::preview::parse_page` reads), and the
//! posts' photos (`/file/<channel>/<id>/<n>.jpg`). Point `TELEGRAM_PREVIEW_BASE` at
//! [`ChannelPages::base_url`].
//!
//! The markup follows the real pages: `section.tgme_channel_history.js-message_history`, one
//! `.tgme_widget_message_wrap` per post holding `.tgme_widget_message[data-post="<channel>/<id>"]`,
//! the text in `.tgme_widget_message_text` (HTML-escaped, `\n` as `<br/>`, `$` as `&#036;`, the
//! space of a thousands group such as `12 500` and any no-break space as `&#160;`), the date as
//! `a.tgme_widget_message_date[href] > time[datetime]` (RFC 3339, UTC), photos as
//! `a.tgme_widget_message_photo_wrap` with `style="…background-image:url('…')"`, album members as
//! `a.tgme_widget_message_photo_wrap.grouped_media_wrap[href="https://t.me/<channel>/<member>?single"]`,
//! "Forwarded from" as `.tgme_widget_message_forwarded_from` with a
//! `a.tgme_widget_message_forwarded_from_name`, the "edited" marker as a bare text node of
//! `.tgme_widget_message_meta`, and the older page as `a.tme_messages_more[data-before]`. Post links
//! (`data-post`, the date link, `?single` member links) use `https://t.me`, as the real pages do
//! whatever mirror serves them; photo URLs point at this server. Pages carry no view counters and
//! no `data-after` cursor.
//!
//! Paging: a page holds [`ChannelPages::set_page_size`] posts (default 20; an album counts as one
//! post), ascending by id. `/s/<channel>` is the newest page; `?before=<id>` holds the posts with an
//! id below `<id>`. A page has `data-before` (= its smallest post id) exactly when older posts exist.
//! A channel never set is answered like a username without a preview (200, no history section).
//!
//! Albums: a [`FakePost`] with `photos = k > 1` is one album whose members have the ids
//! `id, id + 1, …, id + k - 1` (the page shows one `.tgme_widget_message` with `data-post = id`,
//! members linked `?single`); **the next post of the channel must use an id ≥ `id + k`.**
//!
//! Photos: `/file/<channel>/<id>/<n>.jpg` serves the `n`-th (0-based) photo of post `id` with
//! `content-type: image/jpeg`. The bytes are **not a valid JPEG**: they are the deterministic text
//! `photo <channel> <id> <n>` padded with `.` to [`PHOTO_LEN`] bytes, distinct per
//! (channel, id, n), which is all content hashing needs. [`ChannelPages::same_photo`] makes a post's
//! photos serve another post's bytes (for dedup tests).
//!
//! Text round trip: `parse_page` returns [`expected_text`] of a post's text, which equals the text
//! itself when it is already normal (no runs of spaces, no spaces at line ends or starts, no
//! no-break spaces, no leading or trailing blank lines).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Length of the bytes served for every photo.
pub const PHOTO_LEN: usize = 512;
/// Where post links point, as on the real pages.
const TME: &str = "https://t.me";

/// One post of a fake channel.
#[derive(Clone, Debug, Default)]
pub struct FakePost {
    /// The message id; for an album, the id of its first member.
    pub id: i64,
    /// Publication time, epoch seconds.
    pub date: i64,
    /// The text (caption); `\n` separates lines. Empty: the post has no text element.
    pub text: String,
    /// Number of photos. Above 1 the post is an album whose members have the ids `id, id + 1, …`;
    /// the channel's next post must then use an id ≥ `id + photos`.
    pub photos: usize,
    /// The name shown in "Forwarded from …".
    pub forwarded_from: Option<String>,
    /// Whether the footer carries the "edited" marker.
    pub edited: bool,
    /// The post of the same channel it replies to (rendered as Telegram does, with a quote).
    pub reply_to: Option<i64>,
}

#[derive(Default)]
struct Channel {
    /// The name as given to `set_posts`/`add_post` (lookups ignore case).
    name: String,
    /// Ascending by id.
    posts: Vec<FakePost>,
    broken: bool,
}

struct Inner {
    /// Keyed by the lowercased channel name.
    channels: HashMap<String, Channel>,
    page_size: usize,
    rate_limited: usize,
    retry_after: u64,
    requests: Vec<String>,
    /// (channel lowercased, post id) → the post whose photo bytes it serves.
    same_photo: HashMap<(String, i64), (String, i64)>,
    /// (channel lowercased, post id, n) → the bytes served instead (real pictures).
    photo_bytes: HashMap<(String, i64, usize), Vec<u8>>,
}

/// The fake "t.me". Clones share the state.
#[derive(Clone)]
pub struct ChannelPages {
    /// `http://127.0.0.1:PORT`, without a trailing `/`.
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl ChannelPages {
    /// Starts the server on a free loopback port.
    pub async fn start() -> ChannelPages {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let pages = ChannelPages {
            base_url,
            inner: Arc::new(Mutex::new(Inner {
                channels: HashMap::new(),
                page_size: 20,
                rate_limited: 0,
                retry_after: 0,
                requests: Vec::new(),
                same_photo: HashMap::new(),
                photo_bytes: HashMap::new(),
            })),
        };
        let app = Router::new()
            .route("/s/{channel}", axum::routing::get(page))
            .route("/file/{channel}/{id}/{file}", axum::routing::get(photo))
            .fallback(not_found)
            .with_state(pages.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("t.me double serves")
        });
        pages
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the channel's posts (created if new; any order, kept sorted by id).
    pub fn set_posts(&self, channel: &str, mut posts: Vec<FakePost>) {
        posts.sort_by_key(|p| p.id);
        let mut inner = self.lock();
        let ch = channel_entry(&mut inner, channel);
        ch.posts = posts;
    }

    /// Adds a post (or replaces the one with the same id); creates the channel if new.
    pub fn add_post(&self, channel: &str, post: FakePost) {
        let mut inner = self.lock();
        let ch = channel_entry(&mut inner, channel);
        match ch.posts.binary_search_by_key(&post.id, |p| p.id) {
            Ok(i) => ch.posts[i] = post,
            Err(i) => ch.posts.insert(i, post),
        }
    }

    /// Sets a post's text and marks it edited. Panics if the post does not exist.
    pub fn edit_post(&self, channel: &str, id: i64, text: &str) {
        let mut inner = self.lock();
        let post = inner
            .channels
            .get_mut(&key(channel))
            .and_then(|c| c.posts.iter_mut().find(|p| p.id == id))
            .unwrap_or_else(|| panic!("edit_post: no post {channel}/{id}"));
        post.text = text.to_string();
        post.edited = true;
    }

    /// Posts per page, for every channel (default 20).
    pub fn set_page_size(&self, n: usize) {
        assert!(n > 0, "page size must be positive");
        self.lock().page_size = n;
    }

    /// While on, the channel's pages keep the history section (and the older-page link) but
    /// render the posts under class names the parser does not know, like a markup change.
    pub fn break_markup(&self, channel: &str, on: bool) {
        let mut inner = self.lock();
        channel_entry(&mut inner, channel).broken = on;
    }

    /// The next `n` page requests (`/s/…`, any channel) answer 429 with `Retry-After:
    /// <retry_after>`. Photo requests are not limited.
    pub fn rate_limit_next(&self, n: usize, retry_after: u64) {
        let mut inner = self.lock();
        inner.rate_limited = n;
        inner.retry_after = retry_after;
    }

    /// Path and query of every request received (pages, photos, unknown paths, including those
    /// answered 429), in order.
    pub fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    /// The URL of the `n`-th (0-based) photo of post `id`; for an album, photo `n` is member
    /// `id + n`.
    pub fn photo_url(&self, channel: &str, id: i64, n: usize) -> String {
        photo_url(&self.base_url, channel, id, n)
    }

    /// The photos of post `channel/id` serve the same bytes as the photos of post
    /// `as_channel/as_id` (photo `n` as photo `n`); their URLs stay distinct.
    pub fn same_photo(&self, channel: &str, id: i64, as_channel: &str, as_id: i64) {
        self.lock()
            .same_photo
            .insert((key(channel), id), (key(as_channel), as_id));
    }
}

impl ChannelPages {
    /// Photo `n` of post `channel/id` serves these bytes (a real picture, for perceptual hashes);
    /// a `same_photo` link to this post serves them too.
    pub fn set_photo(&self, channel: &str, id: i64, n: usize, bytes: Vec<u8>) {
        self.lock().photo_bytes.insert((key(channel), id, n), bytes);
    }
}

fn key(channel: &str) -> String {
    channel.trim().trim_start_matches('@').to_ascii_lowercase()
}

fn channel_entry<'a>(inner: &'a mut Inner, channel: &str) -> &'a mut Channel {
    let name = channel.trim().trim_start_matches('@').to_string();
    inner
        .channels
        .entry(key(channel))
        .or_insert_with(|| Channel {
            name,
            ..Default::default()
        })
}

fn photo_url(base: &str, channel: &str, id: i64, n: usize) -> String {
    format!("{}/file/{channel}/{id}/{n}.jpg", base.trim_end_matches('/'))
}

/// The bytes served for photo `n` of post `channel/id` (channel as written in the URL's case
/// folded): `photo <channel> <id> <n>` padded with `.` to [`PHOTO_LEN`].
pub fn photo_bytes(channel: &str, id: i64, n: usize) -> Vec<u8> {
    let mut bytes = format!("photo {} {id} {n}", key(channel)).into_bytes();
    bytes.resize(bytes.len().max(PHOTO_LEN), b'.');
    bytes
}

fn record<'a>(pages: &'a ChannelPages, uri: &Uri) -> MutexGuard<'a, Inner> {
    let mut inner = pages.lock();
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    inner.requests.push(path);
    inner
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn page(
    State(pages): State<ChannelPages>,
    Path(channel): Path<String>,
    uri: Uri,
) -> Response {
    let mut inner = record(&pages, &uri);
    if inner.rate_limited > 0 {
        inner.rate_limited -= 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [
                (header::RETRY_AFTER, inner.retry_after.to_string()),
                (header::CONTENT_TYPE, "text/plain".to_string()),
            ],
            "Too Many Requests",
        )
            .into_response();
    }
    let before = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "before")
            .and_then(|(_, v)| v.parse::<i64>().ok())
    });
    let page_size = inner.page_size;
    let Some(ch) = inner.channels.get(&key(&channel)) else {
        return html(render_no_preview(&channel));
    };
    let older: &[FakePost] = match before {
        Some(b) => &ch.posts[..ch.posts.partition_point(|p| p.id < b)],
        None => &ch.posts,
    };
    let start = older.len().saturating_sub(page_size);
    let shown = &older[start..];
    let cursor = (start > 0).then(|| shown[0].id);
    let body = if ch.broken {
        render_broken_page(&ch.name, shown, cursor)
    } else {
        render_page(&ch.name, shown, cursor, &pages.base_url)
    };
    html(body)
}

async fn photo(
    State(pages): State<ChannelPages>,
    Path((channel, id, file)): Path<(String, String, String)>,
    uri: Uri,
) -> Response {
    let inner = record(&pages, &uri);
    let found = (|| {
        let id: i64 = id.parse().ok()?;
        let n: usize = file.strip_suffix(".jpg")?.parse().ok()?;
        let ch = inner.channels.get(&key(&channel))?;
        let post = ch.posts.iter().find(|p| p.id == id)?;
        if n >= post.photos {
            return None;
        }
        // Follow `same_photo` links (bounded, in case they form a cycle).
        let mut at = (key(&channel), id);
        for _ in 0..16 {
            match inner.same_photo.get(&at) {
                Some(next) => at = next.clone(),
                None => break,
            }
        }
        Some(
            inner
                .photo_bytes
                .get(&(at.0.clone(), at.1, n))
                .cloned()
                .unwrap_or_else(|| photo_bytes(&at.0, at.1, n)),
        )
    })();
    match found {
        Some(bytes) => ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

async fn not_found(State(pages): State<ChannelPages>, uri: Uri) -> Response {
    drop(record(&pages, &uri));
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// Escapes text content the way Telegram does: `&`, `<`, `>`, `"`, `$` as `&#036;`, a no-break
/// space as `&#160;`, `\n` as `<br/>`, and the space of a thousands group (a digit, one space,
/// exactly three digits) as `&#160;`.
pub fn escape_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '$' => out.push_str("&#036;"),
            '\u{a0}' => out.push_str("&#160;"),
            '\n' => out.push_str("<br/>"),
            ' ' if is_thousands_space(&chars, i) => out.push_str("&#160;"),
            c => out.push(c),
        }
    }
    out
}

fn is_thousands_space(chars: &[char], i: usize) -> bool {
    let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    i > 0 && digit(i - 1) && digit(i + 1) && digit(i + 2) && digit(i + 3) && !digit(i + 4)
}

/// Escapes an attribute value or a name.
fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
}

/// What `parse_page` returns as the text of a post whose text is `text`: the parser's
/// normalisation (runs of ASCII whitespace become one space that never starts or ends a line,
/// no-break spaces become spaces, trailing spaces of lines and surrounding whitespace go).
pub fn expected_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending = false;
    for c in text.chars() {
        if c == '\n' {
            pending = false;
            out.push('\n');
        } else if c.is_ascii_whitespace() {
            pending = true;
        } else {
            if pending && !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            pending = false;
            out.push(if matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}') {
                ' '
            } else {
                c
            });
        }
    }
    let lines: Vec<&str> = out.split('\n').map(|l| l.trim_end_matches(' ')).collect();
    lines.join("\n").trim().to_string()
}

/// `2025-09-24T10:00:00+00:00` for epoch seconds.
pub fn rfc3339(epoch: i64) -> String {
    let secs = epoch.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}+00:00",
        teledesk_app::listings::sync::day_of(epoch),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn page_head(channel: &str) -> String {
    let ch = escape_attr(channel);
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <title>{ch} – Telegram</title>\n    <meta property=\"og:title\" content=\"{ch}\">\n  \
         </head>\n  <body class=\"widget_frame_base tgme_webpreview_body\">\n    \
         <main class=\"tgme_main\" data-url=\"/{ch}\">\n      <div class=\"tgme_container\">\n        \
         <section class=\"tgme_right_column\"><div class=\"tgme_channel_info\">\
         <div class=\"tgme_channel_info_header_title\"><span dir=\"auto\">{ch}</span></div>\
         </div></section>\n        <section class=\"tgme_channel_history js-message_history\">\n"
    )
}

const PAGE_TAIL: &str = "        </section>\n      </div>\n    </main>\n  </body>\n</html>\n";

fn more_link(out: &mut String, channel: &str, before: Option<i64>, with_data: bool) {
    if let Some(b) = before {
        let ch = escape_attr(channel);
        let data = if with_data {
            format!(" data-before=\"{b}\"")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "          <div class=\"tgme_widget_message_centered js-messages_more_wrap\">\
             <a href=\"/s/{ch}?before={b}\" class=\"tme_messages_more js-messages_more\"{data}></a></div>"
        );
    }
}

/// A channel preview page with `posts` (rendered in the given order; pass them ascending) and,
/// when `before` is set, the older-page link `a.tme_messages_more[data-before]`. Photo URLs are
/// `<photo_base>/file/<channel>/<id>/<n>.jpg`.
pub fn render_page(
    channel: &str,
    posts: &[FakePost],
    before: Option<i64>,
    photo_base: &str,
) -> String {
    let mut out = page_head(channel);
    more_link(&mut out, channel, before, true);
    for post in posts {
        render_post(&mut out, channel, post, photo_base);
    }
    out.push_str(PAGE_TAIL);
    out
}

fn render_post(out: &mut String, channel: &str, post: &FakePost, photo_base: &str) {
    let ch = escape_attr(channel);
    let id = post.id;
    let album = post.photos > 1;
    let extra = if album {
        " text_not_supported_wrap"
    } else {
        ""
    };
    let _ = write!(
        out,
        "          <div class=\"tgme_widget_message_wrap js-widget_message_wrap\">\n            \
         <div class=\"tgme_widget_message{extra} js-widget_message\" data-post=\"{ch}/{id}\" \
         data-view=\"eyJjIjoxfQ\">\n              <div class=\"tgme_widget_message_user\">\
         <a href=\"{TME}/{ch}\"><i class=\"tgme_widget_message_user_photo bgcolor1\" data-content=\"T\">\
         </i></a></div>\n              <div class=\"tgme_widget_message_bubble\">\n                \
         <i class=\"tgme_widget_message_bubble_tail\"></i>\n                \
         <div class=\"tgme_widget_message_author accent_color\"><a class=\"tgme_widget_message_owner_name\" \
         href=\"{TME}/{ch}\"><span dir=\"auto\">{ch}</span></a></div>\n"
    );
    if let Some(from) = &post.forwarded_from {
        let slug: String = from
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '_')
            .map(|c| {
                if c == ' ' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "                <div class=\"tgme_widget_message_forwarded_from accent_color\">Forwarded \
             from&nbsp;<a class=\"tgme_widget_message_forwarded_from_name\" href=\"{TME}/{}\">\
             <span dir=\"auto\">{}</span></a></div>",
            escape_attr(&slug),
            escape_attr(from)
        );
    }
    if let Some(to) = post.reply_to {
        let _ = writeln!(
            out,
            "                <a class=\"tgme_widget_message_reply\" href=\"{TME}/{ch}/{to}\">\
             <div class=\"tgme_widget_message_author accent_color\"><span class=\"tgme_widget_message_author_name\" \
             dir=\"auto\">{ch}</span></div><div class=\"tgme_widget_message_metatext js-message_reply_text\" \
             dir=\"auto\">The replied-to post</div></a>"
        );
    }
    if album {
        out.push_str(
            "                <div class=\"tgme_widget_message_grouped_wrap js-message_grouped_wrap\" \
             style=\"width:453px;\"><div class=\"tgme_widget_message_grouped\" style=\"padding-top:90.728%\">\
             <div class=\"tgme_widget_message_grouped_layer\" style=\"width:453px;height:411px\">",
        );
        for n in 0..post.photos {
            let member = id + n as i64;
            let url = escape_attr(&photo_url(photo_base, channel, id, n));
            let _ = write!(
                out,
                "<a class=\"tgme_widget_message_photo_wrap grouped_media_wrap blured js-message_photo\" \
                 style=\"left:{left}px;top:0px;width:200px;height:411px;background-image:url('{url}')\" \
                 data-ratio=\"0.48625\" href=\"{TME}/{ch}/{member}?single\"><div class=\"grouped_media_helper\">\
                 <div class=\"tgme_widget_message_photo grouped_media\"></div></div></a>",
                left = n * 202
            );
        }
        out.push_str("</div></div></div>\n");
        let _ = writeln!(
            out,
            "                <div class=\"message_media_not_supported_wrap\"><div class=\"message_media_not_supported\">\
             <div class=\"message_media_not_supported_label\">Please open Telegram to view this post</div>\
             <a href=\"{TME}/{ch}/{id}?single\" class=\"message_media_view_in_telegram\">VIEW IN TELEGRAM</a></div></div>"
        );
    } else if post.photos == 1 {
        let url = escape_attr(&photo_url(photo_base, channel, id, 0));
        let _ = writeln!(
            out,
            "                <a class=\"tgme_widget_message_photo_wrap 5346133224617934560 6217735402431557726\" \
             href=\"{TME}/{ch}/{id}\" style=\"width:800px;background-image:url('{url}')\">\
             <div class=\"tgme_widget_message_photo\" style=\"padding-top:75%\"></div></a>"
        );
    }
    if !post.text.is_empty() {
        let _ = writeln!(
            out,
            "                <div class=\"tgme_widget_message_text js-message_text\" dir=\"auto\">{}</div>",
            escape_text(&post.text)
        );
    }
    let edited = if post.edited { "edited &nbsp;" } else { "" };
    let datetime = rfc3339(post.date);
    let hhmm = &datetime[11..16];
    let _ = writeln!(
        out,
        "                <div class=\"tgme_widget_message_footer compact js-message_footer\">\
         <div class=\"tgme_widget_message_info short js-message_info\">\
         <span class=\"tgme_widget_message_meta\">{edited}<a class=\"tgme_widget_message_date\" \
         href=\"{TME}/{ch}/{id}\"><time datetime=\"{datetime}\" class=\"time\">{hhmm}</time></a></span>\
         </div></div>\n              </div>\n            </div>\n          </div>"
    );
}

/// The history section with the older-page link (href only, no `data-before`) and the posts
/// under class names the parser does not know.
fn render_broken_page(channel: &str, posts: &[FakePost], before: Option<i64>) -> String {
    let ch = escape_attr(channel);
    let mut out = page_head(channel);
    more_link(&mut out, channel, before, false);
    for post in posts {
        let _ = writeln!(
            out,
            "          <div class=\"tgme_post_wrap\"><article class=\"tgme_post\" data-post-id=\"{ch}/{}\">\
             <div class=\"tgme_post_text\">{}</div><time datetime=\"{}\">{}</time></article></div>",
            post.id,
            escape_text(&post.text),
            rfc3339(post.date),
            &rfc3339(post.date)[11..16]
        );
    }
    out.push_str(PAGE_TAIL);
    out
}

/// What t.me answers for a username without a channel preview: a contact page.
fn render_no_preview(channel: &str) -> String {
    let ch = escape_attr(channel);
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <title>Telegram: Contact @{ch}</title>\n  </head>\n  <body class=\"no_transition\">\n    \
         <div class=\"tgme_page_wrap\"><div class=\"tgme_body_wrap\"><div class=\"tgme_page\">\
         <div class=\"tgme_page_extra\">If you have <strong>Telegram</strong>, you can contact \
         <br/><strong>@{ch}</strong> right away.</div><div class=\"tgme_page_action\">\
         <a class=\"tgme_action_button_new shine\" href=\"tg://resolve?domain={ch}\">Send Message</a>\
         </div></div></div></div>\n  </body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use teledesk_catalog::preview::parse_page;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(rfc3339(1_758_708_000), "2025-09-24T10:00:00+00:00");
        assert_eq!(rfc3339(1_709_164_800), "2024-02-29T00:00:00+00:00");
        assert_eq!(rfc3339(1_759_615_199), "2025-10-04T21:59:59+00:00");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59+00:00");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_text("Цена: $12 500, 1 2345 <b> & \"x\"\nnext\u{a0}line"),
            "Цена: &#036;12&#160;500, 1 2345 &lt;b&gt; &amp; &quot;x&quot;<br/>next&#160;line"
        );
    }

    #[test]
    fn expected_text_is_the_parsers_normalisation() {
        let texts = [
            "plain",
            "  two   spaces \n\n  indented line  \n",
            "nbsp\u{a0}here\n\u{a0}lead",
            "tab\tand\r\nwindows",
            "$12 500 & <tag>",
        ];
        for text in texts {
            let post = FakePost {
                id: 1,
                date: 1,
                text: text.to_string(),
                ..Default::default()
            };
            let page = parse_page(&render_page("c", &[post], None, "http://x"));
            assert_eq!(page.posts[0].text, expected_text(text), "{text:?}");
        }
    }

    #[test]
    fn photo_bytes_are_distinct_and_fixed_length() {
        let a = photo_bytes("Chan", 1, 0);
        assert_eq!(a.len(), PHOTO_LEN);
        assert!(a.starts_with(b"photo chan 1 0."));
        assert_ne!(a, photo_bytes("chan", 1, 1));
        assert_ne!(a, photo_bytes("chan", 2, 0));
        assert_ne!(a, photo_bytes("other", 1, 0));
    }
}
