//! Parser for Telegram's public channel web preview (`https://t.me/s/<channel>`).
//!
//! The page is plain server-rendered HTML: every post is a `.tgme_widget_message` element whose
//! `data-post` attribute reads `<channel>/<message id>`. [`parse_page`] turns such a page into
//! [`PreviewPost`]s and the paging cursor; it never fails. What a page that yields nothing means
//! (an empty channel, a channel without a preview, or changed markup) is the caller's call, made
//! from [`PreviewPage::has_history_markup`] and the number of posts.
//!
//! Text normalisation (see [`PreviewPost::text`]):
//! - `<br>` becomes `\n`; block elements (`blockquote`, `pre`, `div`, `p`) start and end a line;
//! - runs of source whitespace (spaces, tabs, newlines of the HTML source) collapse to one space,
//!   and such collapsed spaces never start or end a line; `<pre>` content is kept verbatim;
//! - entities are decoded by the HTML parser (`&#036;` → `$`, `&amp;` → `&`, …);
//! - no-break spaces (U+00A0, U+2007, U+202F) become a plain space, kept where they stand;
//! - the whole text is trimmed, and trailing spaces are removed from every line.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Node, Selector};

/// Default base of the preview pages; the deployment may override it (`TELEGRAM_PREVIEW_BASE`).
pub const DEFAULT_PREVIEW_BASE: &str = "https://t.me";

/// One post of a channel preview page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PreviewPost {
    /// The channel part of `data-post`, as written there (e.g. `"army21ye"`).
    pub channel: String,
    /// The message id of `data-post`; for an album, the id of its first member.
    pub message_id: i64,
    /// Album member message ids (from the members' `…/<id>?single` links) including
    /// `message_id`, ascending and without duplicates; `[message_id]` for a single post.
    pub member_ids: Vec<i64>,
    /// Publication time in epoch seconds, from `time[datetime]` (RFC 3339); `None` if absent or
    /// unparsable.
    pub date: Option<i64>,
    /// The post's link (`a.tgme_widget_message_date[href]`), or `https://t.me/<channel>/<id>`.
    pub url: String,
    /// Plain text of `.tgme_widget_message_text` (normalised as described in the module docs);
    /// empty for a post without text.
    pub text: String,
    /// Photo URLs from the `background-image` of `.tgme_widget_message_photo_wrap`, in page
    /// order. Video thumbnails are not included.
    pub photos: Vec<String>,
    /// Absolute `http(s)` links of the text, in order, without duplicates. Relative links are
    /// resolved against `https://t.me`; hashtag searches (`?q=…`) and other schemes are dropped.
    pub links: Vec<String>,
    /// The name shown in "Forwarded from …" (its link's href when the name is empty).
    pub forwarded_from: Option<String>,
    /// The view counter as shown (`"44"`, `"1.2K"`).
    pub views: Option<String>,
    /// Whether the footer carries the "edited" marker.
    pub edited: bool,
    /// The post of the same channel this one replies to (`a.tgme_widget_message_reply[href]`).
    #[serde(default)]
    pub reply_to: Option<i64>,
}

/// One parsed preview page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreviewPage {
    /// Posts ascending by `message_id` (service messages skipped).
    pub posts: Vec<PreviewPost>,
    /// Cursor of the older page: `a.tme_messages_more[data-before]`.
    pub before: Option<i64>,
    /// Cursor of the newer page: `a.tme_messages_more[data-after]`, when the page has one.
    pub after: Option<i64>,
    /// The page has the message history container (`.tgme_channel_history` or
    /// `section.js-message_history`). With it and zero posts, the markup has probably changed.
    pub has_history_markup: bool,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

static HISTORY: LazyLock<Selector> =
    LazyLock::new(|| selector(".tgme_channel_history, section.js-message_history"));
static MESSAGE: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_widget_message[data-post]"));
static MORE: LazyLock<Selector> = LazyLock::new(|| selector("a.tme_messages_more"));
static TEXT: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_widget_message_text"));
static DATE_LINK: LazyLock<Selector> =
    LazyLock::new(|| selector("a.tgme_widget_message_date[href]"));
static DATE_TIME: LazyLock<Selector> =
    LazyLock::new(|| selector(".tgme_widget_message_date time[datetime]"));
static PHOTO: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_widget_message_photo_wrap"));
static ANCHOR: LazyLock<Selector> = LazyLock::new(|| selector("a[href]"));
static REPLY: LazyLock<Selector> = LazyLock::new(|| selector("a.tgme_widget_message_reply[href]"));
static FORWARDED: LazyLock<Selector> =
    LazyLock::new(|| selector(".tgme_widget_message_forwarded_from"));
static FORWARDED_NAME: LazyLock<Selector> =
    LazyLock::new(|| selector(".tgme_widget_message_forwarded_from_name"));
static VIEWS: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_widget_message_views"));
static META: LazyLock<Selector> = LazyLock::new(|| selector(".tgme_widget_message_meta"));

/// Parses one `t.me/s/<channel>` page. Never fails: what is missing is left empty.
pub fn parse_page(html: &str) -> PreviewPage {
    let doc = Html::parse_document(html);
    let has_history_markup = doc.select(&HISTORY).next().is_some();

    let mut posts: Vec<PreviewPost> = doc
        .select(&MESSAGE)
        .filter(|el| !is_service(*el))
        .filter_map(parse_post)
        .collect();
    posts.sort_by_key(|p| p.message_id);

    let mut before = None;
    let mut after = None;
    for more in doc.select(&MORE) {
        let href = more.attr("href").unwrap_or("");
        if before.is_none() {
            before = attr_i64(more, "data-before").or_else(|| query_i64(href, "before"));
        }
        if after.is_none() {
            after = attr_i64(more, "data-after").or_else(|| query_i64(href, "after"));
        }
    }

    PreviewPage {
        posts,
        before,
        after,
        has_history_markup,
    }
}

/// The URL of a preview page: `base` + `/s/<channel>` + optional `?before=<id>`.
///
/// A trailing `/` of `base` and a leading `@` of `channel` are dropped; surrounding whitespace of
/// both is ignored.
pub fn page_url(base: &str, channel: &str, before: Option<i64>) -> String {
    let base = base.trim().trim_end_matches('/');
    let channel = channel.trim().trim_start_matches('@');
    match before {
        Some(id) => format!("{base}/s/{channel}?before={id}"),
        None => format!("{base}/s/{channel}"),
    }
}

fn has_class(el: ElementRef<'_>, class: &str) -> bool {
    el.value().classes().any(|c| c == class)
}

/// A service message ("Channel created", "pinned a message", …) or something inside one.
fn is_service(el: ElementRef<'_>) -> bool {
    has_class(el, "service_message")
        || el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| has_class(a, "service_message"))
}

/// Whether `el` lies inside an element with `class` below `root`.
fn inside_class_below(el: ElementRef<'_>, root: ElementRef<'_>, class: &str) -> bool {
    for ancestor in el.ancestors() {
        if ancestor.id() == root.id() {
            return false;
        }
        if let Some(a) = ElementRef::wrap(ancestor)
            && has_class(a, class)
        {
            return true;
        }
    }
    false
}

fn attr_i64(el: ElementRef<'_>, name: &str) -> Option<i64> {
    el.attr(name)?.trim().parse().ok()
}

fn query_i64(href: &str, key: &str) -> Option<i64> {
    let query = href.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or("");
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        if k == key {
            v.trim().parse().ok()
        } else {
            None
        }
    })
}

fn parse_post(el: ElementRef<'_>) -> Option<PreviewPost> {
    let (channel, id) = el.attr("data-post")?.trim().rsplit_once('/')?;
    let message_id: i64 = id.parse().ok()?;
    if channel.is_empty() {
        return None;
    }
    let channel = channel.to_string();

    let url = el
        .select(&DATE_LINK)
        .next()
        .and_then(|a| a.attr("href"))
        .map(|h| absolute(h.trim()).unwrap_or_else(|| h.trim().to_string()))
        .unwrap_or_else(|| format!("{DEFAULT_PREVIEW_BASE}/{channel}/{message_id}"));

    let date = el
        .select(&DATE_TIME)
        .next()
        .and_then(|t| t.attr("datetime"))
        .and_then(parse_rfc3339);

    // The post's own text: not the quoted text of a replied-to message.
    let text_el = el
        .select(&TEXT)
        .find(|t| !inside_class_below(*t, el, "tgme_widget_message_reply"));
    let text = text_el.map(extract_text).unwrap_or_default();
    let mut links: Vec<String> = Vec::new();
    if let Some(t) = text_el {
        for a in t.select(&ANCHOR) {
            if let Some(link) = a.attr("href").and_then(|h| absolute(h.trim()))
                && !links.contains(&link)
            {
                links.push(link);
            }
        }
    }

    let photos: Vec<String> = el
        .select(&PHOTO)
        .filter(|p| !inside_class_below(*p, el, "tgme_widget_message_reply"))
        .filter_map(|p| p.attr("style").and_then(background_image_url))
        .collect();

    let mut member_ids = vec![message_id];
    for a in el.select(&ANCHOR) {
        let href = a.attr("href").unwrap_or("");
        let single = href
            .split_once('?')
            .is_some_and(|(_, q)| q.split(['&', '#']).any(|p| p == "single"));
        if !(single || has_class(a, "grouped_media_wrap")) {
            continue;
        }
        if let Some(member) = member_id(href, &channel) {
            member_ids.push(member);
        }
    }
    member_ids.sort_unstable();
    member_ids.dedup();

    let forwarded_from = el.select(&FORWARDED).next().and_then(|f| {
        let name_el = f.select(&FORWARDED_NAME).next();
        let name = match name_el {
            Some(n) => collapse(&n.text().collect::<String>()),
            None => {
                let all = collapse(&f.text().collect::<String>());
                all.strip_prefix("Forwarded from")
                    .map(|s| s.trim().to_string())
                    .unwrap_or(all)
            }
        };
        if !name.is_empty() {
            return Some(name);
        }
        let href = name_el
            .and_then(|n| n.attr("href"))
            .or_else(|| f.select(&ANCHOR).next().and_then(|a| a.attr("href")))?;
        Some(href.trim().to_string()).filter(|h| !h.is_empty())
    });

    let views = el
        .select(&VIEWS)
        .next()
        .map(|v| collapse(&v.text().collect::<String>()))
        .filter(|v| !v.is_empty());

    // "edited" is a bare text node of the meta span (`edited &nbsp;<a …><time …>`); the author
    // signature, also inside the meta span, is an element and is not looked at.
    let edited = el.select(&META).any(|m| {
        m.children().any(|c| match c.value() {
            Node::Text(t) => t.to_ascii_lowercase().contains("edited"),
            _ => false,
        })
    });

    let reply_to = el
        .select(&REPLY)
        .next()
        .and_then(|a| member_id(a.attr("href")?, &channel));

    Some(PreviewPost {
        channel,
        message_id,
        member_ids,
        date,
        url,
        text,
        photos,
        links,
        forwarded_from,
        views,
        edited,
        reply_to,
    })
}

/// `https://t.me/<channel>/<id>?single` (or `/<channel>/<id>`) → `id`, when the channel matches.
fn member_id(href: &str, channel: &str) -> Option<i64> {
    let path = href.split(['?', '#']).next()?;
    let mut segments = path.trim_end_matches('/').rsplit('/');
    let id: i64 = segments.next()?.parse().ok()?;
    let ch = segments.next()?;
    ch.eq_ignore_ascii_case(channel).then_some(id)
}

/// Absolute `http(s)` URL of an href, or `None` for other schemes and in-page searches.
fn absolute(href: &str) -> Option<String> {
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Some(href.to_string())
    } else if href.starts_with("//") {
        Some(format!("https:{href}"))
    } else if href.starts_with('/') {
        Some(format!("{DEFAULT_PREVIEW_BASE}{href}"))
    } else {
        None
    }
}

/// The URL of `background-image:url('…')` in an inline style.
fn background_image_url(style: &str) -> Option<String> {
    let lower = style.to_ascii_lowercase();
    let start = lower.find("background-image")?;
    let rest = &style[start..];
    let open = rest.to_ascii_lowercase().find("url(")? + "url(".len();
    let rest = rest[open..].trim_start();
    let url = match rest.chars().next()? {
        q @ ('\'' | '"') => &rest[1..][..rest[1..].find(q)?],
        _ => rest[..rest.find(')')?].trim_end(),
    };
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    Some(absolute(url).unwrap_or_else(|| url.to_string()))
}

/// Collapses whitespace runs to one space and trims; no-break spaces count as spaces.
fn collapse(s: &str) -> String {
    s.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_nbsp(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}')
}

struct TextBuilder {
    out: String,
    pending_space: bool,
}

impl TextBuilder {
    fn newline(&mut self) {
        self.pending_space = false;
        self.out.push('\n');
    }

    /// Ends the current line unless already at the start of one.
    fn block_boundary(&mut self) {
        self.pending_space = false;
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn push_char(&mut self, c: char) {
        if self.pending_space {
            self.pending_space = false;
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
        }
        self.out.push(if is_nbsp(c) { ' ' } else { c });
    }

    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if c.is_ascii_whitespace() {
                self.pending_space = true;
            } else {
                self.push_char(c);
            }
        }
    }

    fn verbatim(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.newline();
            } else {
                self.push_char(c);
            }
        }
    }

    fn walk(&mut self, el: ElementRef<'_>, pre: bool) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) if pre => self.verbatim(t),
                Node::Text(t) => self.text(t),
                Node::Element(e) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    match e.name() {
                        "br" => self.newline(),
                        "script" | "style" | "template" => {}
                        name @ ("blockquote" | "pre" | "div" | "p") => {
                            self.block_boundary();
                            self.walk(child_el, pre || name == "pre");
                            self.block_boundary();
                        }
                        _ => self.walk(child_el, pre),
                    }
                }
                _ => {}
            }
        }
    }
}

fn extract_text(el: ElementRef<'_>) -> String {
    let mut b = TextBuilder {
        out: String::new(),
        pending_space: false,
    };
    b.walk(el, false);
    let lines: Vec<&str> = b.out.split('\n').map(|l| l.trim_end_matches(' ')).collect();
    lines.join("\n").trim().to_string()
}

/// RFC 3339 (`2025-09-24T10:00:00+00:00`, `…Z`, fractional seconds allowed) → epoch seconds.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += digits;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2025-09-24T10:00:00+00:00"),
            Some(1_758_708_000)
        );
        assert_eq!(
            parse_rfc3339("2025-09-24T13:00:00.123+03:00"),
            Some(1_758_708_000)
        );
        assert_eq!(
            parse_rfc3339("2025-09-24T05:30:00-04:30"),
            Some(1_758_708_000)
        );
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2025-09-24"), None);
        assert_eq!(parse_rfc3339("2025-09-24T10:00:00"), None);
        assert_eq!(parse_rfc3339("garbage-garbage-garbage"), None);
    }

    #[test]
    fn background_url() {
        assert_eq!(
            background_image_url("width:1px;background-image:url('https://a/b.jpg')").as_deref(),
            Some("https://a/b.jpg")
        );
        assert_eq!(
            background_image_url("background-image: url(\"//cdn/x.jpg\")").as_deref(),
            Some("https://cdn/x.jpg")
        );
        assert_eq!(
            background_image_url("background-image:url(https://a/c.jpg)").as_deref(),
            Some("https://a/c.jpg")
        );
        assert_eq!(background_image_url("width:10px"), None);
    }

    #[test]
    fn member_ids_from_href() {
        assert_eq!(
            member_id("https://t.me/army21ye/3766?single", "army21ye"),
            Some(3766)
        );
        assert_eq!(
            member_id("https://t.me/other/3766?single", "army21ye"),
            None
        );
        assert_eq!(member_id("/Army21ye/7?single", "army21ye"), Some(7));
    }
}
