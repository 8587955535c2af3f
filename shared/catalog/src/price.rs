//! Prices: an amount with a currency (`$12 500`, `12.5k$`, `1,2 млн грн`, `Цена: 12500 долларов`).
//!
//! A number is a price only when a currency is written next to it, or when it follows a price label
//! (`Цена`, `Ціна`, `Price`, 💰). Years (`2018 р.`), mileages (`120 тыс км`), engine volumes and
//! phone numbers therefore never become prices; phones are masked out before this rule runs.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::text::{self, LineRegex, NUMBER};

/// Currencies as written after (or before) the amount: (regex fragment, ISO code, multiplier).
/// Order matters where fragments share a start: `руб…` must be tried before the bare `р`.
pub(crate) const CURRENCIES: &[(&str, &str, f64)] = &[
    (r"\$", "USD", 1.0),
    (r"usd", "USD", 1.0),
    (r"у\.? ?е\.?", "USD", 1.0),
    (r"у\.? ?о\.?", "USD", 1.0),
    (r"дол\p{L}*\.?", "USD", 1.0),
    (r"dollars?", "USD", 1.0),
    (r"бакс\p{L}*", "USD", 1.0),
    (r"€", "EUR", 1.0),
    (r"eur(?:os?)?", "EUR", 1.0),
    (r"евро", "EUR", 1.0),
    (r"євро", "EUR", 1.0),
    (r"₴", "UAH", 1.0),
    (r"грн\.?", "UAH", 1.0),
    (r"грив\p{L}*", "UAH", 1.0),
    (r"uah", "UAH", 1.0),
    (r"₽", "RUB", 1.0),
    (r"бел\.? ?руб\p{L}*\.?", "BYN", 1.0),
    (r"руб\p{L}*\.?", "RUB", 1.0),
    (r"rub", "RUB", 1.0),
    (r"т\.? ?р\.", "RUB", 1000.0),
    (AMBIGUOUS_RUBLE, "RUB", 1.0),
    (r"zł", "PLN", 1.0),
    (r"zl", "PLN", 1.0),
    (r"pln", "PLN", 1.0),
    (r"злот\p{L}*", "PLN", 1.0),
    (r"£", "GBP", 1.0),
    (r"gbp", "GBP", 1.0),
    (r"фунт\p{L}*", "GBP", 1.0),
    (r"₸", "KZT", 1.0),
    (r"kzt", "KZT", 1.0),
    (r"тенге", "KZT", 1.0),
    (r"тг\.?", "KZT", 1.0),
    (r"byn", "BYN", 1.0),
    (r"chf", "CHF", 1.0),
    (r"czk", "CZK", 1.0),
    (r"kč", "CZK", 1.0),
    (r"₾", "GEL", 1.0),
    (r"gel", "GEL", 1.0),
];

/// `р.` is Russian for rubles but Ukrainian for "year" (`2018 р.`): it is a currency only when the
/// amount is not a bare four-digit year.
const AMBIGUOUS_RUBLE: &str = r"р\.?";

/// Currency symbols and codes written before the amount (`$12 500`, `€9 900`, `USD 12 500`).
const PREFIX_CURRENCIES: &str = r"[$€£₴₽₸₾]|\b(?:usd|eur|uah|pln|gbp|kzt|byn|rub|chf)\b";

/// Multipliers after the amount: thousands (`12.5k`, `12,5 тыс`, `12 тисяч`) and millions
/// (`1,2 млн`).
const MULTIPLIERS: &str = r"(?:тысяч\p{L}*|тисяч\p{L}*|тыс|тис|thousand|k|к|млн|mln|million\p{L}*|миллион\p{L}*|мільйон\p{L}*)\b\.?";

/// Words that label the price.
const PRICE_LABELS: &str =
    r"\b(?:цена|цену|ціна|ціну|вартість|стоимость|price|asking|cost|прайс)\b|💰|💵|💲|🏷";

/// After a labelled amount without a currency, these mean it is not a price (a year, a mileage,
/// an engine volume).
const NOT_A_PRICE_AFTER: &str = r"(?i)^ {0,2}(?:км|km|mi\b|miles?|миль|л\b|l\b|см|cm|cc\b|г\.|г\b|год|р\.|р\b|рок|рік|year|yr|тыс\.? ?км|тис\.? ?км|т\. ?км|k ?km)";

static SUFFIX_RE: LazyLock<LineRegex> = LazyLock::new(|| {
    LineRegex::new(&format!(
        r"(?i)\b(?P<num>{NUMBER}) {{0,2}}(?:(?P<mult>{MULTIPLIERS}) {{0,2}})?(?P<cur>{})",
        currency_alternation()
    ))
});

static PREFIX_RE: LazyLock<LineRegex> = LazyLock::new(|| {
    LineRegex::new(&format!(
        r"(?i)(?P<pcur>{PREFIX_CURRENCIES}) {{0,2}}(?P<num>{NUMBER})(?: {{0,2}}(?P<mult>{MULTIPLIERS}))?"
    ))
});

static LABEL_RE: LazyLock<LineRegex> = LazyLock::new(|| {
    LineRegex::new(&format!(
        r"(?i)(?:{PRICE_LABELS})[^\p{{L}}\p{{N}}\n]{{0,8}}?(?:(?P<pcur>{PREFIX_CURRENCIES}) {{0,2}})?\b(?P<num>{NUMBER})(?: {{0,2}}(?P<mult>{MULTIPLIERS}))?(?: {{0,2}}(?P<cur>{}))?",
        currency_alternation()
    ))
});

static NOT_A_PRICE_AFTER_RE: LazyLock<Regex> = LazyLock::new(|| text::compile(NOT_A_PRICE_AFTER));

/// One fragment regex per currency, anchored, to map a matched currency back to its code.
static CURRENCY_RES: LazyLock<Vec<(Regex, &'static str, f64)>> = LazyLock::new(|| {
    CURRENCIES
        .iter()
        .map(|(frag, code, mult)| (text::compile(&format!("(?i)^(?:{frag})$")), *code, *mult))
        .collect()
});

fn currency_alternation() -> String {
    CURRENCIES
        .iter()
        .map(|(frag, _, _)| *frag)
        .collect::<Vec<_>>()
        .join("|")
}

/// A price found in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PriceCandidate {
    pub span: Range<usize>,
    pub amount: f64,
    pub currency: Option<&'static str>,
    pub labelled: bool,
}

/// The chosen price and everything the rule noticed.
#[derive(Debug, Default)]
pub(crate) struct PriceResult {
    pub amount: Option<f64>,
    pub currency: Option<&'static str>,
    /// Spans of every candidate, to mask before the year and mileage rules.
    pub spans: Vec<Range<usize>>,
    pub warnings: Vec<String>,
    /// Start of the chosen price (titles are cut there).
    pub start: Option<usize>,
    /// How many distinct (amount, currency) pairs were found.
    pub distinct: usize,
}

/// Maps a matched currency to (ISO code, multiplier, ambiguous ruble).
fn currency_of(matched: &str) -> Option<(&'static str, f64, bool)> {
    let trimmed = matched.trim();
    CURRENCY_RES
        .iter()
        .zip(CURRENCIES)
        .find(|((re, _, _), _)| re.is_match(trimmed))
        .map(|((_, code, mult), (frag, _, _))| (*code, *mult, *frag == AMBIGUOUS_RUBLE))
}

fn multiplier_of(matched: &str) -> f64 {
    let lower = matched.to_lowercase();
    if lower.starts_with('т') || lower.starts_with('k') || lower.starts_with('к') {
        1_000.0
    } else {
        1_000_000.0
    }
}

/// A bare four-digit number that reads as a year.
pub(crate) fn looks_like_year(raw: &str) -> bool {
    raw.len() == 4
        && raw.chars().all(|c| c.is_ascii_digit())
        && raw.parse::<u16>().is_ok_and(|y| (1900..=2099).contains(&y))
}

/// A currency word must end where the word ends (`5 розеток` is not 5 rubles).
fn currency_ends_word(scan: &str, cur_end: usize, matched: &str) -> bool {
    if !matched.chars().last().is_some_and(char::is_alphabetic) {
        return true;
    }
    !text::char_after(scan, cur_end).is_some_and(char::is_alphanumeric)
}

/// A candidate from one match; `base` is where the matched line starts in `scan`.
fn candidate(
    scan: &str,
    base: usize,
    caps: &Captures<'_>,
    labelled: bool,
) -> Option<PriceCandidate> {
    let num = caps.name("num")?;
    let mult = caps.name("mult");
    let mut currency = None;
    let mut factor = 1.0;
    let mut end = base + mult.map_or(num.end(), |m| m.end());
    if let Some(p) = caps.name("pcur") {
        currency = currency_of(p.as_str()).map(|(code, _, _)| code);
    }
    if let Some(c) = caps.name("cur")
        && currency_ends_word(scan, base + c.end(), c.as_str())
        && let Some((code, cur_mult, ambiguous)) = currency_of(c.as_str())
    {
        if ambiguous && looks_like_year(num.as_str()) && mult.is_none() {
            // `2018 р.`: a Ukrainian year, not rubles.
            return None;
        }
        currency = currency.or(Some(code));
        factor = cur_mult;
        end = base + c.end();
    }
    if currency.is_none() {
        if !labelled {
            return None;
        }
        // A labelled number with no currency: refuse it when a year or unit follows.
        if NOT_A_PRICE_AFTER_RE.is_match(&scan[end..]) {
            return None;
        }
    }
    if let Some(m) = mult {
        factor *= multiplier_of(m.as_str());
    }
    let value = text::parse_number(num.as_str(), mult.is_some())?;
    let amount = text::round2(value * factor);
    if amount <= 0.0 {
        return None;
    }
    let start = base + caps.get(0).map_or(num.start(), |m| m.start());
    Some(PriceCandidate {
        span: start..end,
        amount,
        currency,
        labelled,
    })
}

/// All price candidates, in text order, overlapping ones merged (the one with a currency, then the
/// labelled one, then the longer one wins).
pub(crate) fn candidates(scan: &str) -> Vec<PriceCandidate> {
    let mut all: Vec<PriceCandidate> = Vec::new();
    LABEL_RE.for_each(scan, |base, caps| {
        all.extend(candidate(scan, base, caps, true))
    });
    SUFFIX_RE.for_each(scan, |base, caps| {
        all.extend(candidate(scan, base, caps, false))
    });
    PREFIX_RE.for_each(scan, |base, caps| {
        all.extend(candidate(scan, base, caps, false))
    });
    all.sort_by_key(|c| (c.span.start, std::cmp::Reverse(c.span.end)));
    let mut merged: Vec<PriceCandidate> = Vec::new();
    for c in all {
        match merged.last_mut() {
            Some(last) if text::overlaps(&last.span, &c.span) => {
                let rank = |p: &PriceCandidate| (p.currency.is_some(), p.labelled, p.span.len());
                let labelled = last.labelled || c.labelled;
                let span = last.span.start.min(c.span.start)..last.span.end.max(c.span.end);
                if rank(&c) > rank(last) {
                    *last = c;
                }
                last.labelled = labelled;
                last.span = span;
            }
            _ => merged.push(c),
        }
    }
    merged
}

/// Finds the price: the first labelled candidate, else the first one. Distinct amounts beyond the
/// chosen one produce a warning.
pub(crate) fn extract(scan: &str) -> PriceResult {
    let found = candidates(scan);
    let mut result = PriceResult {
        spans: found.iter().map(|c| c.span.clone()).collect(),
        ..PriceResult::default()
    };
    let Some(chosen) = found.iter().find(|c| c.labelled).or_else(|| found.first()) else {
        return result;
    };
    let mut distinct: Vec<(f64, Option<&str>)> = Vec::new();
    for c in &found {
        if !distinct
            .iter()
            .any(|(a, cur)| *a == c.amount && *cur == c.currency)
        {
            distinct.push((c.amount, c.currency));
        }
    }
    result.distinct = distinct.len();
    if distinct.len() > 1 {
        let count = match distinct.len() {
            2 => "two".to_string(),
            3 => "three".to_string(),
            n => n.to_string(),
        };
        let which = if chosen.labelled && found.first().is_some_and(|f| !f.labelled) {
            "the labelled one"
        } else {
            "the first"
        };
        result
            .warnings
            .push(format!("{count} prices found; took {which}"));
    }
    if chosen.currency.is_none() {
        result.warnings.push("price without currency".to_string());
    }
    result.amount = Some(chosen.amount);
    result.currency = chosen.currency;
    result.start = Some(chosen.span.start);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn price(s: &str) -> (Option<f64>, Option<&'static str>) {
        let r = extract(&normalize(s));
        (r.amount, r.currency)
    }

    #[test]
    fn all_listed_formats() {
        let usd = |x: f64| (Some(x), Some("USD"));
        assert_eq!(price("$12 500"), usd(12500.0));
        assert_eq!(price("12 500$"), usd(12500.0));
        assert_eq!(price("12.5k$"), usd(12500.0));
        assert_eq!(price("12,5 тыс $"), usd(12500.0));
        assert_eq!(price("12 500 у.е."), usd(12500.0));
        assert_eq!(price("€9 900"), (Some(9900.0), Some("EUR")));
        assert_eq!(price("9900 EUR"), (Some(9900.0), Some("EUR")));
        assert_eq!(price("1,2 млн грн"), (Some(1_200_000.0), Some("UAH")));
        assert_eq!(price("350 000 грн"), (Some(350_000.0), Some("UAH")));
        assert_eq!(price("450 000 ₽"), (Some(450_000.0), Some("RUB")));
        assert_eq!(price("45 000 zł"), (Some(45_000.0), Some("PLN")));
        assert_eq!(price("Цена: 12500 долларов"), usd(12500.0));
        assert_eq!(price("Ціна 12 500 дол."), usd(12500.0));
        assert_eq!(price("$12,500 OBO"), usd(12500.0));
        assert_eq!(price("£7,495"), (Some(7495.0), Some("GBP")));
        assert_eq!(price("USD 12 500"), usd(12500.0));
        assert_eq!(price("450 т.р."), (Some(450_000.0), Some("RUB")));
        assert_eq!(price("12 тысяч долларов"), usd(12000.0));
        assert_eq!(price("3 500 000 тг"), (Some(3_500_000.0), Some("KZT")));
        assert_eq!(price("Цена: 💰 $12 500"), usd(12500.0));
    }

    #[test]
    fn nbsp_and_narrow_nbsp_group_thousands() {
        assert_eq!(price("$12\u{00A0}500"), (Some(12500.0), Some("USD")));
        assert_eq!(price("12\u{202F}500 €"), (Some(12500.0), Some("EUR")));
        assert_eq!(
            price("1\u{00A0}200\u{00A0}000 грн"),
            (Some(1_200_000.0), Some("UAH"))
        );
    }

    #[test]
    fn years_are_never_prices() {
        assert_eq!(price("Toyota Camry 2018 р."), (None, None));
        assert_eq!(price("Toyota Camry 2018 г."), (None, None));
        assert_eq!(price("2018 года выпуска"), (None, None));
        assert_eq!(price("2018 year"), (None, None));
        assert_eq!(price("Ціна: 2018 р."), (None, None));
        assert_eq!(
            price("Camry 2018 р. 12 500 $"),
            (Some(12500.0), Some("USD"))
        );
        assert_eq!(price("2015 12 500$"), (Some(12500.0), Some("USD")));
        // A formatted number with `р.` is rubles.
        assert_eq!(price("450 000 р."), (Some(450_000.0), Some("RUB")));
    }

    #[test]
    fn mileage_and_engine_are_never_prices() {
        assert_eq!(price("120 тыс км"), (None, None));
        assert_eq!(price("пробег 95 т.км, 2.0 л, 1600 см3"), (None, None));
        assert_eq!(price("Ціна: 120 тис. км"), (None, None));
        assert_eq!(price("5 розеток"), (None, None));
    }

    #[test]
    fn labelled_without_currency() {
        let r = extract("Цена: 12 500, торг");
        assert_eq!(r.amount, Some(12500.0));
        assert_eq!(r.currency, None);
        assert!(r.warnings.contains(&"price without currency".to_string()));
    }

    #[test]
    fn multiple_prices_warn() {
        let r = extract("$12 500 (≈ 500 000 грн)");
        assert_eq!(r.amount, Some(12500.0));
        assert_eq!(r.warnings, vec!["two prices found; took the first"]);
        let same = extract("$12 500 ... 12 500$");
        assert!(same.warnings.is_empty());
        let labelled = extract("Растаможка 1500$ включена\nЦена: 9 900$");
        assert_eq!(labelled.amount, Some(9900.0));
        assert_eq!(
            labelled.warnings,
            vec!["two prices found; took the labelled one"]
        );
    }

    #[test]
    fn every_currency_fragment_compiles() {
        for (frag, code, _) in CURRENCIES {
            assert_eq!(code.len(), 3, "{frag}");
        }
        assert!(!CURRENCY_RES.is_empty());
        LazyLock::force(&SUFFIX_RE);
        LazyLock::force(&PREFIX_RE);
        LazyLock::force(&LABEL_RE);
    }
}
