//! Text helpers shared by the rules: normalisation, masking, alias regexes, lines.

use std::ops::Range;

use regex::Regex;

/// Characters that sellers (and Telegram clients) use as spaces, including as thousand separators:
/// NBSP, narrow NBSP, figure space, thin and hair spaces; tabs and carriage returns too.
const SPACE_LIKE: &[char] = &[
    '\u{00A0}', '\u{202F}', '\u{2007}', '\u{2009}', '\u{200A}', '\t', '\r',
];

/// A number as sellers write it: `12 500`, `12'500`, `12.500`, `12,500`, `12.5`, `1,2`, `12500`.
/// The meaning of `.` and `,` is decided later by [`parse_number`].
pub(crate) const NUMBER: &str = r"\d{1,3}(?:[ '’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)*";

/// Replaces space-like characters with a plain space, so every rule sees one kind of space.
pub(crate) fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| if SPACE_LIKE.contains(&c) { ' ' } else { c })
        .collect()
}

/// Overwrites `span` with spaces (byte length preserved), so later rules cannot read it again.
pub(crate) fn mask(text: &mut String, span: Range<usize>) {
    let spaces = " ".repeat(span.len());
    text.replace_range(span, &spaces);
}

/// A regex alternation of literal aliases, longest first (so `land cruiser prado` beats
/// `land cruiser`); a space in an alias matches any run of whitespace.
pub(crate) fn alternation<'a>(aliases: impl IntoIterator<Item = &'a str>) -> String {
    let mut all: Vec<&str> = aliases.into_iter().collect();
    all.sort_by(|a, b| {
        b.chars()
            .count()
            .cmp(&a.chars().count())
            .then_with(|| a.cmp(b))
    });
    all.dedup();
    all.iter()
        .map(|a| regex::escape(a).replace(' ', r"\s+"))
        .collect::<Vec<_>>()
        .join("|")
}

/// A case-insensitive regex matching any of `aliases` as whole words.
pub(crate) fn words_regex<'a>(aliases: impl IntoIterator<Item = &'a str>) -> Regex {
    compile(&format!(r"(?i)\b(?:{})\b", alternation(aliases)))
}

/// A case-insensitive regex matching any of the regex `fragments` as whole words.
pub(crate) fn fragments_regex(fragments: &[&str]) -> Regex {
    compile(&format!(r"(?i)\b(?:{})\b", fragments.join("|")))
}

/// Compiles one of the crate's own patterns; they are constants, so a failure is a bug caught by
/// the unit tests.
pub(crate) fn compile(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(re) => re,
        Err(e) => panic!("invalid built-in pattern {pattern:?}: {e}"),
    }
}

/// The lookup key of a matched alias: lowercase, whitespace collapsed.
pub(crate) fn key(matched: &str) -> String {
    matched
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The byte range of the line holding `pos` (without the newline).
pub(crate) fn line_at(text: &str, pos: usize) -> Range<usize> {
    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    start..end
}

/// The byte ranges of all lines (without newlines).
pub(crate) fn lines(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            out.push(start..i);
            start = i + 1;
        }
    }
    out.push(start..text.len());
    out
}

pub(crate) fn char_after(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

pub(crate) fn char_before(text: &str, pos: usize) -> Option<char> {
    text[..pos].chars().next_back()
}

/// Whether two byte ranges overlap.
pub(crate) fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Interprets a [`NUMBER`]. Spaces and apostrophes group thousands. With both `.` and `,`, the
/// last one is the decimal point. A single kind repeated (`1.200.000`) groups thousands. A single
/// separator followed by exactly three digits groups thousands (`12,500`, `12.500`), unless a
/// multiplier follows (`1,500 млн` is 1.5 million); any other single separator is a decimal point.
pub(crate) fn parse_number(raw: &str, has_multiplier: bool) -> Option<f64> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '\'' | '’'))
        .collect();
    let seps: Vec<(usize, char)> = compact
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | ','))
        .collect();
    let decimal_at = match seps.as_slice() {
        [] => None,
        [(i, _)] => {
            let after = compact.len() - i - 1;
            if after == 3 && !has_multiplier {
                None
            } else {
                Some(*i)
            }
        }
        many => {
            let last = many[many.len() - 1];
            if many.iter().all(|(_, c)| *c == last.1) {
                None
            } else {
                Some(last.0)
            }
        }
    };
    let (int_part, frac_part) = match decimal_at {
        Some(i) => (&compact[..i], &compact[i + 1..]),
        None => (compact.as_str(), ""),
    };
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    let text = if frac_part.is_empty() {
        int_digits
    } else {
        format!("{int_digits}.{frac_part}")
    };
    text.parse::<f64>().ok()
}

/// Rounds to cents, so `1.2 × 1 000 000` is exactly `1 200 000`.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("12 500", false), Some(12500.0));
        assert_eq!(parse_number("12'500", false), Some(12500.0));
        assert_eq!(parse_number("12,500", false), Some(12500.0));
        assert_eq!(parse_number("12.500", false), Some(12500.0));
        assert_eq!(parse_number("1.200.000", false), Some(1_200_000.0));
        assert_eq!(parse_number("1.234,56", false), Some(1234.56));
        assert_eq!(parse_number("12.5", true), Some(12.5));
        assert_eq!(parse_number("1,2", true), Some(1.2));
        assert_eq!(parse_number("1,500", true), Some(1.5));
        assert_eq!(parse_number("2,0", false), Some(2.0));
    }

    #[test]
    fn normalisation_and_masking() {
        let mut s = normalize("12\u{00A0}500\u{202F}$\tok");
        assert_eq!(s, "12 500 $ ok");
        mask(&mut s, 0..6);
        assert_eq!(s, "       $ ok");
    }

    #[test]
    fn lines_and_line_at() {
        let t = "ab\ncd\n\nef";
        assert_eq!(lines(t), vec![0..2, 3..5, 6..6, 7..9]);
        assert_eq!(line_at(t, 4), 3..5);
        assert_eq!(&t[line_at(t, 8)], "ef");
    }
}
