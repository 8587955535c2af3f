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

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            super::escape("<b>A & B_c</b> \"q\""),
            "&lt;b&gt;A &amp; B_c&lt;/b&gt; &quot;q&quot;"
        );
        assert_eq!(super::escape("Привет *мир*"), "Привет *мир*");
    }
}
