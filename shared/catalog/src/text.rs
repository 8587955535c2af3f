//! Text helpers shared by the rules: normalisation, masking, alias regexes, lines.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

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

/// A case-insensitive matcher of any of `aliases` as whole words.
pub(crate) fn words_regex<'a>(aliases: impl IntoIterator<Item = &'a str>) -> Words {
    Words::new(&format!("(?i:{})", alternation(aliases)))
}

/// A case-insensitive matcher of any of the regex `fragments` as whole words.
pub(crate) fn fragments_regex(fragments: &[&str]) -> Words {
    Words::new(&format!("(?i:{})", fragments.join("|")))
}

/// Whole-word matching of `inner` (aliases or regex fragments that all start and end with a word
/// character), giving exactly the matches of `\b(?:inner)\b`.
///
/// Why not `\b`: `regex` cannot run its fast DFA with a Unicode `\b` on non-ASCII (Cyrillic)
/// text and falls back to a backtracker that is many times slower; an ASCII `\b` would be wrong
/// next to Cyrillic letters. Because `inner` starts and ends with a word character, `\b` around it
/// only means "the neighbouring character is not a word character, or there is none", so the
/// pattern consumes that neighbour instead, `(?:^|\W)(?:inner)(?:\W|$)`, and [`Words`] trims it
/// off again. The leftmost-first choice is unchanged (the same alternatives are tried in the same
/// order at the same positions), so the spans are the same as with `\b`.
pub(crate) struct Words {
    re: Regex,
    /// Whether the pattern ends with a consumed boundary character.
    trailing: bool,
}

impl Words {
    pub(crate) fn new(inner: &str) -> Words {
        Words {
            re: compile(&format!(r"(?:^|\W)(?:{inner})(?:\W|$)")),
            trailing: true,
        }
    }

    /// Only a leading `\b`: `\b(?:inner)`, for `inner` that starts with a word character and may end
    /// with anything (`https://…`).
    pub(crate) fn leading(inner: &str) -> Words {
        Words {
            re: compile(&format!(r"(?:^|\W)(?:{inner})")),
            trailing: false,
        }
    }

    pub(crate) fn is_match(&self, hay: &str) -> bool {
        self.re.is_match(hay)
    }

    /// The first whole-word match.
    pub(crate) fn find(&self, hay: &str) -> Option<Range<usize>> {
        self.find_from(hay, 0)
    }

    /// The first whole-word match starting at `pos` or later (`\b` still sees the text before
    /// `pos`).
    pub(crate) fn find_from(&self, hay: &str, pos: usize) -> Option<Range<usize>> {
        // A match starting at `pos` consumes the non-word character before it.
        let from = match char_before(hay, pos) {
            Some(c) if !is_word_char(c) => pos - c.len_utf8(),
            _ => pos,
        };
        let m = self.re.find_at(hay, from)?;
        let mut span = m.range();
        if let Some(c) = char_after(hay, span.start).filter(|c| !is_word_char(*c)) {
            span.start += c.len_utf8();
        }
        if self.trailing
            && let Some(c) = char_before(hay, span.end).filter(|c| !is_word_char(*c))
        {
            span.end -= c.len_utf8();
        }
        Some(span)
    }

    /// All non-overlapping whole-word matches, as `Regex::find_iter` gives them.
    pub(crate) fn find_iter<'a>(&'a self, hay: &'a str) -> impl Iterator<Item = Range<usize>> + 'a {
        let mut pos = 0;
        std::iter::from_fn(move || {
            let span = self.find_from(hay, pos)?;
            pos = span.end;
            Some(span)
        })
    }
}

/// A regex whose matches never span a newline (and that uses no `^`/`$` other than `(?m)` ones),
/// run line by line, and only on the lines where a cheaper *gate* regex matches.
///
/// The gate is by default the same pattern without its `\b` assertions: it matches wherever the
/// exact pattern does (and more), but `regex` can run it with its fast DFA on Cyrillic text, which
/// a Unicode `\b` prevents (see [`Words`]). The exact pattern then runs only on the few lines the
/// gate lets through. A `\b` at the edge of a line slice sees the same thing as in the whole text
/// (a newline is not a word character), so the matches are those of the whole text, in order.
pub(crate) struct LineRegex {
    exact: Regex,
    gate: Regex,
}

impl LineRegex {
    pub(crate) fn new(pattern: &str) -> LineRegex {
        LineRegex::with_gate(pattern, &pattern.replace(r"\b", ""))
    }

    /// `gate` must match every line on which a match of `pattern` matters to the caller.
    pub(crate) fn with_gate(pattern: &str, gate: &str) -> LineRegex {
        LineRegex {
            exact: compile(pattern),
            gate: compile(gate),
        }
    }

    /// Calls `f(line_start, captures)` for each match, in text order; capture offsets are relative
    /// to the line, which starts at byte `line_start`. Stops when `f` returns `Some`.
    pub(crate) fn find_map<T>(
        &self,
        text: &str,
        mut f: impl FnMut(usize, &Captures<'_>) -> Option<T>,
    ) -> Option<T> {
        let mut pos = 0;
        while pos <= text.len() {
            let Some(m) = self.gate.find_at(text, pos) else {
                break;
            };
            let line = line_at(text, m.start());
            for caps in self.exact.captures_iter(&text[line.clone()]) {
                if let Some(found) = f(line.start, &caps) {
                    return Some(found);
                }
            }
            pos = line.end + 1;
        }
        None
    }

    /// Calls `f(line_start, captures)` for each match, in text order.
    pub(crate) fn for_each(&self, text: &str, mut f: impl FnMut(usize, &Captures<'_>)) {
        self.find_map(text, |offset, caps| {
            f(offset, caps);
            None::<()>
        });
    }
}

static WORD_CHAR_RE: LazyLock<Regex> = LazyLock::new(|| compile(r"\A\w\z"));

/// A word character as `regex` defines it for `\b` and `\w` (letters, marks, decimal digits,
/// connector punctuation and joiners), with a fast path for ASCII.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        WORD_CHAR_RE.is_match(c.encode_utf8(&mut [0; 4]))
    }
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
pub(crate) mod tests {
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

    /// Corpus texts and their lines, for the equivalence tests of [`Words`] and [`LineRegex`].
    pub(crate) fn corpus_texts() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("tests/corpus") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let raw = std::fs::read_to_string(&path).expect("readable corpus file");
            let entries: Vec<serde_json::Value> = serde_json::from_str(&raw).expect("JSON");
            for e in entries {
                let text = normalize(e["text"].as_str().expect("text"));
                out.extend(text.lines().map(str::to_string));
                out.push(text.replace('_', " "));
            }
        }
        out
    }

    /// [`Words`] built from `inner` finds what `\b(?:inner)\b` finds.
    pub(crate) fn assert_words_like_word_boundaries(inner: &str, hays: &[String]) {
        let exact = compile(&format!(r"\b(?:{inner})\b"));
        let words = Words::new(inner);
        for hay in hays {
            let want: Vec<Range<usize>> = exact.find_iter(hay).map(|m| m.range()).collect();
            let got: Vec<Range<usize>> = words.find_iter(hay).collect();
            assert_eq!(got, want, "{inner} on {hay:?}");
            assert_eq!(words.is_match(hay), exact.is_match(hay), "{hay:?}");
        }
    }

    #[test]
    fn words_are_unicode_word_boundaries() {
        let hays: Vec<String> = [
            "Камри",
            "камри2 Камри",
            "Land Cruiser Prado",
            "Land  Cruiser Pradox, land cruiser",
            "торговля, торг. торг_у",
            "a a_a a-a aa a",
            "\u{200d}камри ё камри ёж камри\u{301}",
            "x",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(corpus_texts())
        .collect();
        let inner = r"(?i:land\s+cruiser\s+prado|land\s+cruiser|камри|торг\p{L}*|a)";
        assert_words_like_word_boundaries(inner, &hays);
        assert_words_like_word_boundaries("[A-Za-z0-9]{17}", &hays);
        let leading = Words::leading(r"(?i:https?://)\S+");
        let exact = compile(r"\b(?:(?i:https?://)\S+)");
        for hay in [
            "https://a b",
            "xhttps://a",
            ".https://a https://b",
            "ёhttps://a",
        ] {
            let want: Vec<Range<usize>> = exact.find_iter(hay).map(|m| m.range()).collect();
            assert_eq!(leading.find_iter(hay).collect::<Vec<_>>(), want, "{hay:?}");
        }
    }

    #[test]
    fn line_regex_finds_what_the_whole_text_regex_finds() {
        let pattern = r"(?i)\b(?P<n>\d+) ?(?:км|km)\b";
        let exact = compile(pattern);
        let lines = LineRegex::new(pattern);
        let hays = [
            "120 км\n5км, 7 km\n\n3kmx 4 км",
            "нет\nпробег 90км",
            "Б7 км 8 км",
            "",
        ];
        for hay in hays.iter().map(|s| s.to_string()).chain(corpus_texts()) {
            let want: Vec<Range<usize>> = exact
                .captures_iter(&hay)
                .map(|c| c.name("n").expect("n").range())
                .collect();
            let mut got = Vec::new();
            lines.for_each(&hay, |base, c| {
                let n = c.name("n").expect("n");
                got.push(base + n.start()..base + n.end());
            });
            assert_eq!(got, want, "{hay:?}");
        }
    }

    #[test]
    fn lines_and_line_at() {
        let t = "ab\ncd\n\nef";
        assert_eq!(lines(t), vec![0..2, 3..5, 6..6, 7..9]);
        assert_eq!(line_at(t, 4), 3..5);
        assert_eq!(&t[line_at(t, 8)], "ef");
    }
}
