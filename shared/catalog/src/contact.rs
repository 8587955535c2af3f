//! Contacts: phone numbers and Telegram @usernames; links and e-mails (masked, never contacts).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::text::{self, Words};

/// Links and e-mail addresses: masked before any other rule (`t.me/...`, `https://...`). Matched
/// as the alternation `\b(?:LINK)|EMAIL`, with the `\b` done by [`Words::leading`].
const LINK: &str = r"(?i:https?://|www\.|t\.me/)\S+";
const EMAIL: &str = r"[\w.+\-]+@[\w\-]+\.[\w.]+";
/// `@username`: 4–32 characters, starting with a Latin letter, not inside a word or an e-mail. The
/// name ends before a non-word character: `(?:\W|$)` stands for `\b` (see [`Words`]), and the
/// search resumes right after the name.
const USERNAME: &str = r"(?:^|[^\w@./])(?P<u>@[A-Za-z][A-Za-z0-9_]{3,31})(?:\W|$)";
/// A run of digits with the separators phones are written with.
const PHONE_RUN: &str = r"\+?\(?\d[\d \-().]{7,20}\d";
/// Words or emoji on a line that make a bare digit run a phone (`Tel: 601 234 567`).
const PHONE_LABELS: &str = r"(?i)тел|tel|phone|📞|☎|📱|call|звон|дзвон|телефон|контакт|contact|viber|вайбер|whatsapp|ватсап";
/// A label counts only before the number, at most this many bytes before it.
const PHONE_LABEL_MAX_GAP: usize = 40;
/// Phone lengths (digits) accepted: with a `+` country code, a Ukrainian `0XX…`, a Russian
/// `8…`, and a labelled local number.
const INTERNATIONAL_DIGITS: (usize, usize) = (10, 13);
const UA_LOCAL_DIGITS: usize = 10;
const RU_LOCAL_DIGITS: usize = 11;
const LABELLED_DIGITS: (usize, usize) = (9, 12);
/// Country codes written without `+` (`380 67…`, `7 912…`, `48 601…`) and their lengths.
const BARE_COUNTRY_CODES: &[(&str, usize)] = &[("380", 12), ("375", 12), ("48", 11), ("7", 11)];

static LINK_RE: LazyLock<Words> = LazyLock::new(|| Words::leading(LINK));
static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| text::compile(EMAIL));
static USERNAME_RE: LazyLock<Regex> = LazyLock::new(|| text::compile(USERNAME));
static PHONE_RUN_RE: LazyLock<Regex> = LazyLock::new(|| text::compile(PHONE_RUN));
static PHONE_LABELS_RE: LazyLock<Regex> = LazyLock::new(|| text::compile(PHONE_LABELS));

/// Spans of links and e-mail addresses.
pub(crate) fn links(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    // Leftmost match first; at the same position a link wins over an e-mail.
    while pos <= text.len() {
        let link = LINK_RE.find_from(text, pos);
        let email = EMAIL_RE.find_at(text, pos).map(|m| m.range());
        let next = match (link, email) {
            (Some(l), Some(e)) => {
                if e.start < l.start {
                    e
                } else {
                    l
                }
            }
            (Some(m), None) | (None, Some(m)) => m,
            (None, None) => break,
        };
        pos = next.end;
        out.push(next);
    }
    out
}

/// `@usernames` with their spans.
pub(crate) fn usernames(text: &str) -> Vec<(String, Range<usize>)> {
    if !text.contains('@') {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(u) = USERNAME_RE.captures_at(text, pos).and_then(|c| c.name("u")) {
        out.push((u.as_str().to_string(), u.range()));
        pos = u.end();
    }
    out
}

/// A phone normalised to `+` and digits, if `candidate` is one.
fn phone_value(candidate: &str, labelled: bool) -> Option<String> {
    let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    let plus = candidate.trim_start().starts_with('+');
    let ok = if plus {
        (INTERNATIONAL_DIGITS.0..=INTERNATIONAL_DIGITS.1).contains(&n)
    } else if digits.starts_with('0') {
        n == UA_LOCAL_DIGITS
    } else {
        let russian = digits.starts_with('8') && n == RU_LOCAL_DIGITS;
        let bare_country_code = BARE_COUNTRY_CODES
            .iter()
            .any(|(code, len)| digits.starts_with(code) && n == *len);
        russian
            || bare_country_code
            || (labelled && (LABELLED_DIGITS.0..=LABELLED_DIGITS.1).contains(&n))
    };
    ok.then(|| if plus { format!("+{digits}") } else { digits })
}

/// Phones with their spans. A run of digits that is not a phone as a whole (`2015 0671234567`) is
/// tried piecewise: the leftmost, longest run of whole space-separated pieces that is a phone.
pub(crate) fn phones(scan: &str) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    for m in PHONE_RUN_RE.find_iter(scan) {
        if text::char_before(scan, m.start()).is_some_and(char::is_alphanumeric) {
            continue;
        }
        let line = text::line_at(scan, m.start());
        let labelled = PHONE_LABELS_RE
            .find_iter(&scan[line.start..m.start()])
            .any(|l| m.start() - (line.start + l.end()) <= PHONE_LABEL_MAX_GAP);
        let run = m.as_str();
        let trimmed = run.trim_end_matches([')', '(', '.', '-', ' ']);
        // Piece boundaries: the start, and each position after a space.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(trimmed.match_indices(' ').map(|(i, _)| i + 1))
            .collect();
        let ends: Vec<usize> = trimmed
            .match_indices(' ')
            .map(|(i, _)| i)
            .chain(std::iter::once(trimmed.len()))
            .collect();
        'outer: for &s in &starts {
            for &e in ends.iter().rev() {
                if e <= s {
                    break;
                }
                let piece = trimmed[s..e].trim();
                if let Some(value) = phone_value(piece, labelled) {
                    out.push((value, m.start() + s..m.start() + e));
                    break 'outer;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(s: &str) -> Option<String> {
        phones(s).into_iter().next().map(|(p, _)| p)
    }

    #[test]
    fn phone_formats() {
        assert_eq!(phone("+380 67 123 45 67").as_deref(), Some("+380671234567"));
        assert_eq!(
            phone("+38 (067) 123-45-67").as_deref(),
            Some("+380671234567")
        );
        assert_eq!(phone("067 123 45 67").as_deref(), Some("0671234567"));
        assert_eq!(phone("(067) 123-45-67").as_deref(), Some("0671234567"));
        assert_eq!(phone("0671234567").as_deref(), Some("0671234567"));
        assert_eq!(phone("+7 (912) 345-67-89").as_deref(), Some("+79123456789"));
        assert_eq!(phone("8 (912) 345-67-89").as_deref(), Some("89123456789"));
        assert_eq!(phone("+48 601 234 567").as_deref(), Some("+48601234567"));
        assert_eq!(phone("Tel: 601 234 567").as_deref(), Some("601234567"));
        assert_eq!(phone("380671234567").as_deref(), Some("380671234567"));
        assert_eq!(
            phone("Camry 2015 0671234567").as_deref(),
            Some("0671234567")
        );
        assert_eq!(
            phone("+380671234567 12 500$").as_deref(),
            Some("+380671234567")
        );
    }

    #[test]
    fn not_phones() {
        assert_eq!(phone("2015 120 000 км"), None);
        assert_eq!(phone("1 200 000 грн"), None);
        assert_eq!(phone("12.05.2023"), None);
        assert_eq!(
            phone("ВАЗ 21099 1999р. Тел 0671112233").as_deref(),
            Some("0671112233")
        );
        assert_eq!(phone("VIN 1HGCM82633A004352"), None);
    }

    #[test]
    fn usernames_and_links() {
        let u = usernames("Пишіть @ivan_auto або mail@gmail.com, t.me/channel");
        assert_eq!(
            u.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            vec!["@ivan_auto"]
        );
        assert_eq!(links("see https://t.me/x and a@b.com").len(), 2);
    }
}
