//! The one escaping helper for everything the bot writes (parse_mode HTML): names and titles with
//! `<`, `>` or `&` never break a message. `_` and `*` need no escaping in HTML mode.

/// Escapes text for Telegram's HTML parse mode.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The tags Telegram's HTML parse mode takes.
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];

/// Why Telegram would refuse this text in HTML parse mode (an unsupported tag, a tag left open or
/// closed out of order, a bare `<` or `&`), or `None` when it is valid. Author-written texts (a
/// scenario's) are checked with it before they are published.
pub fn problem(text: &str) -> Option<String> {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('&') {
            let named = ["lt;", "gt;", "amp;", "quot;"]
                .iter()
                .any(|e| after.starts_with(e));
            let numeric = after.strip_prefix('#').is_some_and(|n| {
                let (digits, hex) = match n.strip_prefix(['x', 'X']) {
                    Some(h) => (h, true),
                    None => (n, false),
                };
                digits.find(';').is_some_and(|j| {
                    j > 0
                        && digits[..j].chars().all(|c| {
                            if hex {
                                c.is_ascii_hexdigit()
                            } else {
                                c.is_ascii_digit()
                            }
                        })
                })
            });
            if !named && !numeric {
                return Some("a bare `&` (write &amp;amp;)".into());
            }
            rest = after;
            continue;
        }
        let Some(end) = tail.find('>') else {
            return Some("a bare `<` (write &amp;lt;) or a tag left unfinished".into());
        };
        let inner = &tail[1..end];
        let closing = inner.starts_with('/');
        let name = inner
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or_default();
        if !TAGS.contains(&name) {
            return Some(format!("the tag <{name}> is not one Telegram takes"));
        }
        if closing {
            match open.pop() {
                Some(o) if o == name => {}
                Some(o) => return Some(format!("</{name}> closes <{o}>")),
                None => return Some(format!("</{name}> closes nothing")),
            }
        } else {
            if name == "a" && !inner.contains("href=") {
                return Some("<a> needs an href".into());
            }
            open.push(name);
        }
        rest = &tail[end + 1..];
    }
    open.pop().map(|o| format!("<{o}> is never closed"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn telegram_html_is_checked() {
        use super::problem;
        assert_eq!(
            problem("<b>Hi</b> &amp; <a href=\"https://x\">x</a> &#39; &#x1F600;"),
            None
        );
        assert!(problem("a < b").is_some());
        assert!(problem("Tom & Jerry").is_some());
        assert!(problem("<div>x</div>").is_some());
        assert!(problem("<b>x").is_some());
        assert!(problem("<b><i>x</b></i>").is_some());
        assert!(problem("x</b>").is_some());
        assert_eq!(problem(&super::escape("<script> & \"")), None);
    }

    #[test]
    fn escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            super::escape("<b>A & B_c</b> \"q\""),
            "&lt;b&gt;A &amp; B_c&lt;/b&gt; &quot;q&quot;"
        );
        assert_eq!(super::escape("Привет *мир*"), "Привет *мир*");
    }
}
