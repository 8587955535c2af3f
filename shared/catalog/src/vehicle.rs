//! Vehicle rules: year, mileage, engine volume, fuel, transmission, VIN.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::text::{self, LineRegex, NUMBER, Words};

/// The oldest model year accepted.
pub(crate) const YEAR_MIN: u16 = 1950;
/// The newest model year accepted (next year's models are sold from the summer). The parser is a
/// pure function, so this is a constant: raise it (and `PARSER_VERSION`) every year.
pub(crate) const YEAR_MAX: u16 = 2027;

/// One mile in kilometres.
pub(crate) const KM_PER_MILE: f64 = 1.609344;
/// Mileages above this are typos and are dropped with a warning.
pub(crate) const MILEAGE_MAX_KM: u32 = 2_000_000;
/// Without a label or a multiplier, distances below this are not mileages (`20 км от Киева`).
pub(crate) const BARE_MILEAGE_MIN_KM: f64 = 1_000.0;

/// Engine volumes outside this range (litres) are not engines.
pub(crate) const ENGINE_L_RANGE: (f64, f64) = (0.6, 8.5);

/// A year written with a label: `Год выпуска: 2015`, `Рік: 2015`, `Year: 2015`.
const YEAR_LABELLED: &str = r"(?i)\b(?:год\s+выпуска|год|рік\s+випуску|рік|model\s+year|year|г\.\s?в|р\.\s?в)\b\.?\s*[:\-–]?\s*(?P<y>\d{4})\b";
/// A year on its own or followed by a marker: `2015`, `2015 г.`, `2015р.`, `2015 года`, `2015 р.в.`.
const YEAR_POSITIONAL: &str = r"(?i)\b(?P<y>(?:19|20)\d\d)(?P<m> ?(?:г\.? ?в|р\.? ?в|года|году|год|г|року|рік|р|year|yr)\b\.?)?";

/// Mileage: optional label, a number, an optional thousands multiplier, an optional unit.
const MILEAGE: &str = r"(?i)(?:(?P<label>\b(?:пробег|пробіг|mileage|odometer|одометр)\b)[^\p{L}\p{N}\n]{0,6}?)?\b(?P<num>NUM)(?: {0,2}(?P<mult>(?:тыс|тис|thousand|k|к)\b\.?|т\.))?(?: {0,2}(?P<unit>км|kms?|миль|miles?|mi)\b\.?)?";

/// A line without any of these has no mileage: [`MILEAGE`] matches count only with a label or unit.
const MILEAGE_LABEL_OR_UNIT: &str = r"(?i)пробег|пробіг|mileage|odometer|одометр|км|km|миль|mi";

/// Engine volume in cubic centimetres: `1600 см3`, `1998cc`, `1600 куб`.
const ENGINE_CC: &str =
    r"(?i)\b(?P<cc>\d{3,4}) ?(?:см3|см³|см\^3|cm3|cm³|куб\.? ?см|cc\b|куб\p{L}*)";
/// Engine volume in litres: `2.5`, `2,0 л`, `1.6L`, `2.0 TDI`, `1.8T`, with an optional label before.
const ENGINE_L: &str = r"(?i)(?:(?P<label>\b(?:объем|объём|обьем|об['’ʼ]?єм|двигатель|двигун|мотор|engine|двс)\b)[^\p{L}\p{N}\n]{0,6}?)?\b(?P<v>\d[.,]\d)(?: ?(?P<unit>л|l|литр\p{L}*|літр\p{L}*|lit(?:er|re)s?)\b\.?| ?(?P<tech>ENGINE_TECH)\b)?";
/// Engine technology suffixes that confirm a bare decimal is an engine volume.
#[rustfmt::skip]
const ENGINE_TECH: &[&str] = &[
    "tdi", "tsi", "tfsi", "fsi", "tdci", "crdi", "bluehdi", "hdi", "dci", "cdti", "cdi", "d4d",
    "vvt-?i", "mpi", "t-gdi", "gdi", "ecoboost", r"skyactiv\p{L}*", "turbo", "multijet", "jtd",
    "t", "i", "d",
];
/// Words after a bare decimal that confirm an engine volume (fuel and gearbox words).
#[rustfmt::skip]
const ENGINE_FOLLOWERS: &[&str] = &[
    "бензин", "дизель", "газ", "гбо", "гибрид", "гібрид", "petrol", "diesel", "hybrid", "gasoline",
    "автомат", "акпп", "механика", "механіка", "мкпп", "робот", "вариатор", "варіатор", "at", "mt",
    "cvt", "dsg", "automatic", "manual", "turbo", "lpg", "awd", "4wd", "4x4", "quattro", "xdrive",
    "v4", "v6", "v8",
];

/// Fuel keywords (regex fragments, whole words) per normalised value. The decision order is in
/// [`fuel`].
pub(crate) const FUEL_GAS_PETROL: &[&str] = &[
    r"газ\s*[/+,\-и]\s*бенз\p{L}*",
    r"бенз\p{L}*\s*[/+,\-]\s*газ",
    r"бензин\s+(?:и|і|та|\+)\s+газ",
    "гбо",
    "lpg",
    "пропан",
];
pub(crate) const FUEL_HYBRID: &[&str] =
    &[r"гибрид\p{L}*", r"гібрид\p{L}*", r"hybrid", "phev", "hev"];
pub(crate) const FUEL_ELECTRIC: &[&str] = &[
    "электро",
    "електро",
    r"электромобил\p{L}*",
    r"електромобіл\p{L}*",
    r"электрокар\p{L}*",
    r"електрокар\p{L}*",
    "electric",
    "ev",
    "bev",
];
pub(crate) const FUEL_DIESEL: &[&str] = &[
    r"дизел\p{L}*",
    "diesel",
    "tdi",
    "tdci",
    "crdi",
    "hdi",
    "bluehdi",
    "dci",
    "cdti",
    "d4d",
];
pub(crate) const FUEL_GAS: &[&str] = &["газ", "газу", "газом", "метан", "cng"];
/// Petrol, including petrol-only engine families (`1.8 TSI`, `1.5 EcoBoost`, `1.6 MPI`).
pub(crate) const FUEL_PETROL: &[&str] = &[
    r"бензин\p{L}*",
    "бенз",
    "petrol",
    "gasoline",
    "benzin",
    "tsi",
    "tfsi",
    "fsi",
    "mpi",
    "ecoboost",
    "vvt-?i",
];

/// Transmission keywords per normalised value; specific kinds (cvt, robot) win over generic ones.
pub(crate) const TRANS_CVT: &[&str] = &[r"вариатор\p{L}*", r"варіатор\p{L}*", "cvt", "variator"];
pub(crate) const TRANS_ROBOT: &[&str] = &[r"робот\p{L}*", "dsg", "amt", "powershift"];
pub(crate) const TRANS_AUTOMATIC: &[&str] = &[
    "автомат",
    "автомата",
    "автоматом",
    "автоматическая",
    "автоматична",
    "акпп",
    "automatic",
    "tiptronic",
    "типтроник",
];
pub(crate) const TRANS_MANUAL: &[&str] = &[
    "механика",
    "механіка",
    "механике",
    "механіці",
    "механическая",
    "механічна",
    "мкпп",
    "manual",
    "stick",
];

/// A VIN candidate: 17 letters and digits as one word (matched with [`Words`], which adds the word
/// boundaries).
const VIN: &str = r"[A-Za-z0-9]{17}";
/// A VIN has at least this many digits (the serial number is numeric); it keeps hashtags out.
const VIN_MIN_DIGITS: usize = 3;

static YEAR_LABELLED_RE: LazyLock<Regex> = LazyLock::new(|| text::compile(YEAR_LABELLED));
/// [`YEAR_LABELLED`] without `\b`: a fast check that spares the exact pattern on most posts.
static YEAR_LABELLED_GATE: LazyLock<Regex> =
    LazyLock::new(|| text::compile(&YEAR_LABELLED.replace(r"\b", "")));
static YEAR_POSITIONAL_RE: LazyLock<LineRegex> = LazyLock::new(|| LineRegex::new(YEAR_POSITIONAL));
static MILEAGE_RE: LazyLock<LineRegex> =
    LazyLock::new(|| LineRegex::with_gate(&MILEAGE.replace("NUM", NUMBER), MILEAGE_LABEL_OR_UNIT));
static ENGINE_CC_RE: LazyLock<LineRegex> = LazyLock::new(|| LineRegex::new(ENGINE_CC));
static ENGINE_L_RE: LazyLock<LineRegex> =
    LazyLock::new(|| LineRegex::new(&ENGINE_L.replace("ENGINE_TECH", &ENGINE_TECH.join("|"))));
static ENGINE_FOLLOWERS_RE: LazyLock<Regex> = LazyLock::new(|| {
    text::compile(&format!(
        r"(?i)^ *(?:$|[,;:|/)(\n•—–-]|(?:19|20)\d\d\b|(?:{})\b)",
        ENGINE_FOLLOWERS.join("|")
    ))
});
static VIN_RE: LazyLock<Words> = LazyLock::new(|| Words::new(VIN));

struct KeywordSet {
    value: &'static str,
    re: Words,
}

fn keyword_sets(sets: &[(&'static str, &[&str])]) -> Vec<KeywordSet> {
    sets.iter()
        .map(|(value, frags)| KeywordSet {
            value,
            re: text::fragments_regex(frags),
        })
        .collect()
}

static FUEL_SETS: LazyLock<Vec<KeywordSet>> = LazyLock::new(|| {
    keyword_sets(&[
        ("gas_petrol", FUEL_GAS_PETROL),
        ("hybrid", FUEL_HYBRID),
        ("electric", FUEL_ELECTRIC),
        ("diesel", FUEL_DIESEL),
        ("gas", FUEL_GAS),
        ("petrol", FUEL_PETROL),
    ])
});

static TRANS_SETS: LazyLock<Vec<KeywordSet>> = LazyLock::new(|| {
    keyword_sets(&[
        ("cvt", TRANS_CVT),
        ("robot", TRANS_ROBOT),
        ("automatic", TRANS_AUTOMATIC),
        ("manual", TRANS_MANUAL),
    ])
});

/// A value found at a span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found<T> {
    pub value: T,
    pub span: Range<usize>,
}

/// The model year: a labelled year first, else the first year-like number (masked text: prices,
/// mileages, phones and model names are already blanked). Years outside
/// [`YEAR_MIN`]..=[`YEAR_MAX`] are reported, not returned.
pub(crate) fn year(scan: &str, warnings: &mut Vec<String>) -> Option<Found<u16>> {
    let mut candidates: Vec<(u16, Range<usize>)> = Vec::new();
    if YEAR_LABELLED_GATE.is_match(scan)
        && let Some(c) = YEAR_LABELLED_RE.captures(scan)
        && let Some(y) = c.name("y")
        && let Ok(v) = y.as_str().parse::<u16>()
    {
        candidates.push((v, y.range()));
    }
    YEAR_POSITIONAL_RE.for_each(scan, |base, c| {
        let Some(y) = c.name("y") else { return };
        let span = base + y.start()..base + y.end();
        let marked = c.name("m").is_some();
        if !marked && text::char_after(scan, span.end).is_some_and(char::is_alphanumeric) {
            return;
        }
        if text::char_before(scan, span.start).is_some_and(|ch| matches!(ch, '.' | ',' | '-')) {
            return; // part of a date or a decimal
        }
        let Ok(v) = y.as_str().parse::<u16>() else {
            return;
        };
        if !marked && !(YEAR_MIN..=2049).contains(&v) {
            return;
        }
        candidates.push((v, span));
    });
    if let Some((v, span)) = candidates
        .iter()
        .find(|(v, _)| (YEAR_MIN..=YEAR_MAX).contains(v))
    {
        return Some(Found {
            value: *v,
            span: span.clone(),
        });
    }
    if let Some((v, _)) = candidates.first() {
        warnings.push(format!("year {v} out of range"));
    }
    None
}

/// The mileage in km: `120 тыс км`, `120 тис. км`, `120000 km`, `пробег 95 т.км`, `85k miles`
/// (converted), `Пробег: 120 тыс`.
pub(crate) fn mileage(scan: &str, warnings: &mut Vec<String>) -> Option<Found<u32>> {
    MILEAGE_RE.find_map(scan, |base, c| {
        let (num, all) = (c.name("num")?, c.get(0)?);
        let labelled = c.name("label").is_some();
        let mult = c.name("mult");
        let unit = c.name("unit").map(|u| u.as_str().to_lowercase());
        if unit.is_none() && !labelled {
            return None;
        }
        let mut value = text::parse_number(num.as_str(), mult.is_some())?;
        if mult.is_some() {
            value *= 1_000.0;
        } else if unit.is_none() && value < 1_000.0 {
            value *= 1_000.0;
            warnings.push("mileage unit missing; assumed thousands of km".to_string());
        } else if unit.is_some() && !labelled && value < BARE_MILEAGE_MIN_KM {
            return None;
        }
        if unit
            .as_deref()
            .is_some_and(|u| u.starts_with('m') || u.starts_with("ми"))
        {
            value *= KM_PER_MILE;
        }
        let km = value.round();
        if km > f64::from(MILEAGE_MAX_KM) {
            warnings.push(format!("mileage {km} km out of range"));
            return None;
        }
        Some(Found {
            // In range by the check above.
            value: km as u32,
            span: base + all.start()..base + all.end(),
        })
    })
}

/// Engine volumes in cubic centimetres (`1600 см3` → 1.6), to read before years are looked for.
pub(crate) fn engine_cc(scan: &str) -> Option<Found<f64>> {
    ENGINE_CC_RE.find_map(scan, |base, c| {
        let cc: f64 = c.name("cc")?.as_str().parse().ok()?;
        let litres = (cc / 100.0).round() / 10.0;
        let all = c.get(0)?;
        let span = base + all.start()..base + all.end();
        in_engine_range(litres).then_some(Found {
            value: litres,
            span,
        })
    })
}

/// Engine volumes in litres. A bare decimal counts only with a unit, a technology suffix, a label
/// before it, or a fuel/gearbox word, a year or punctuation after it (`Camry 2.5, 2015`).
pub(crate) fn engine_litres(scan: &str) -> Option<Found<f64>> {
    ENGINE_L_RE.find_map(scan, |base, c| {
        let v = c.name("v")?;
        let all = c.get(0)?;
        let v_end = base + v.end();
        let confirmed = c.name("unit").is_some()
            || c.name("tech").is_some()
            || c.name("label").is_some()
            || (!text::char_after(scan, v_end).is_some_and(char::is_alphanumeric)
                && ENGINE_FOLLOWERS_RE.is_match(&scan[v_end..]));
        if !confirmed {
            return None;
        }
        let litres = text::parse_number(v.as_str(), true)?;
        in_engine_range(litres).then(|| Found {
            value: litres,
            span: base + all.start()..base + all.end(),
        })
    })
}

fn in_engine_range(litres: f64) -> bool {
    (ENGINE_L_RANGE.0..=ENGINE_L_RANGE.1).contains(&litres)
}

/// The fuel: explicit gas+petrol first, then hybrid, electric, diesel; petrol and gas mentioned
/// separately mean gas_petrol.
pub(crate) fn fuel(scan: &str) -> Option<&'static str> {
    let found: Vec<&'static str> = FUEL_SETS
        .iter()
        .filter(|s| s.re.is_match(scan))
        .map(|s| s.value)
        .collect();
    let has = |v: &str| found.contains(&v);
    if has("gas") && has("petrol") {
        return Some("gas_petrol");
    }
    found.first().copied()
}

/// The gearbox: cvt and robot win over automatic; otherwise the first of automatic/manual written.
pub(crate) fn transmission(scan: &str) -> Option<&'static str> {
    let mut generic: Option<(usize, &'static str)> = None;
    for set in TRANS_SETS.iter() {
        let Some(m) = set.re.find(scan) else { continue };
        if matches!(set.value, "cvt" | "robot") {
            return Some(set.value);
        }
        if generic.is_none_or(|(pos, _)| m.start < pos) {
            generic = Some((m.start, set.value));
        }
    }
    generic.map(|(_, v)| v)
}

/// Whether `vin` is a valid VIN: 17 of `[A-HJ-NPR-Z0-9]`, uppercase.
pub fn is_valid_vin(vin: &str) -> bool {
    vin.len() == 17
        && vin.chars().all(|c| {
            c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, 'I' | 'O' | 'Q'))
        })
}

/// The first VIN in the text, uppercased. 17-character words with I, O or Q are reported.
pub(crate) fn vin(scan: &str, warnings: &mut Vec<String>) -> Option<Found<String>> {
    for m in VIN_RE.find_iter(scan) {
        if text::char_before(scan, m.start) == Some('#') {
            continue;
        }
        let upper = scan[m.clone()].to_ascii_uppercase();
        let digits = upper.chars().filter(char::is_ascii_digit).count();
        if digits < VIN_MIN_DIGITS || digits == upper.len() {
            continue;
        }
        if is_valid_vin(&upper) {
            return Some(Found {
                value: upper,
                span: m,
            });
        }
        warnings.push(format!("VIN {upper} rejected: contains I, O or Q"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn y(s: &str) -> (Option<u16>, Vec<String>) {
        let mut w = Vec::new();
        (year(&normalize(s), &mut w).map(|f| f.value), w)
    }

    fn km(s: &str) -> Option<u32> {
        mileage(&normalize(s), &mut Vec::new()).map(|f| f.value)
    }

    #[test]
    fn years() {
        assert_eq!(y("Toyota Camry 2015").0, Some(2015));
        assert_eq!(y("2018 р.").0, Some(2018));
        assert_eq!(y("2018р., пробіг").0, Some(2018));
        assert_eq!(y("2012 г.в.").0, Some(2012));
        assert_eq!(y("Год выпуска: 2011").0, Some(2011));
        assert_eq!(y("Year: 2016").0, Some(2016));
        assert_eq!(y("20150 and 12.2015").0, None);
        let (v, w) = y("Camry 2031");
        assert_eq!(v, None);
        assert_eq!(w, vec!["year 2031 out of range"]);
        assert_eq!(y("Рік випуску: 1948").1, vec!["year 1948 out of range"]);
    }

    #[test]
    fn mileages() {
        assert_eq!(km("120 тыс км"), Some(120_000));
        assert_eq!(km("120 тис. км"), Some(120_000));
        assert_eq!(km("120000 km"), Some(120_000));
        assert_eq!(km("120 000 км"), Some(120_000));
        assert_eq!(km("пробег 95 т.км"), Some(95_000));
        assert_eq!(km("120к км"), Some(120_000));
        assert_eq!(km("Пробег: 120 тыс."), Some(120_000));
        assert_eq!(km("Mileage: 62,000 km"), Some(62_000));
        assert_eq!(km("20 км от Киева"), None);
        assert_eq!(km("Camry 2015, $12 500"), None);
    }

    #[test]
    fn miles_are_converted() {
        assert_eq!(km("85k miles"), Some(136_794));
        assert_eq!(km("62,000 miles"), Some(99_779));
        assert_eq!(km("Mileage: 40k mi"), Some(64_374));
    }

    #[test]
    fn engines() {
        let l = |s: &str| {
            let s = normalize(s);
            engine_cc(&s).or_else(|| engine_litres(&s)).map(|f| f.value)
        };
        assert_eq!(l("Camry 2.5"), Some(2.5));
        assert_eq!(l("2,0 л"), Some(2.0));
        assert_eq!(l("1600 см3"), Some(1.6));
        assert_eq!(l("1998cc"), Some(2.0));
        assert_eq!(l("Passat 2.0TDI"), Some(2.0));
        assert_eq!(l("Passat 2.0 TDI"), Some(2.0));
        assert_eq!(l("Golf 1.4 TSI 2016"), Some(1.4));
        assert_eq!(l("Camry 2.5 2015"), Some(2.5));
        assert_eq!(l("Двигатель: 3.5"), Some(3.5));
        assert_eq!(l("1.5 года в Украине"), None);
        assert_eq!(l("рейтинг 4.5 звезды"), None);
    }

    #[test]
    fn fuels_and_gearboxes() {
        assert_eq!(fuel("Бензин"), Some("petrol"));
        assert_eq!(fuel("газ/бензин"), Some("gas_petrol"));
        assert_eq!(fuel("бензин, ГБО 4 поколения"), Some("gas_petrol"));
        assert_eq!(fuel("Дизель"), Some("diesel"));
        assert_eq!(fuel("Гібрид"), Some("hybrid"));
        assert_eq!(fuel("Електро, запас ходу 400 км"), Some("electric"));
        assert_eq!(fuel("EV, 75 kWh"), Some("electric"));
        assert_eq!(fuel("Fuel: Gasoline"), Some("petrol"));
        assert_eq!(fuel("1.4 TSI, DSG"), Some("petrol"));
        assert_eq!(fuel("1.4 TSI, ГБО"), Some("gas_petrol"));
        assert_eq!(fuel("электропакет, климат"), None);
        assert_eq!(transmission("АКПП"), Some("automatic"));
        assert_eq!(transmission("коробка автомат"), Some("automatic"));
        assert_eq!(transmission("Механіка"), Some("manual"));
        assert_eq!(transmission("МКПП"), Some("manual"));
        assert_eq!(transmission("робот DSG"), Some("robot"));
        assert_eq!(transmission("АКПП (вариатор)"), Some("cvt"));
        assert_eq!(transmission("CVT"), Some("cvt"));
        assert_eq!(transmission("6-speed manual"), Some("manual"));
    }

    #[test]
    fn vins() {
        let mut w = Vec::new();
        let v = vin("VIN: 4t1bf1fk5fu123456", &mut w).map(|f| f.value);
        assert_eq!(v.as_deref(), Some("4T1BF1FK5FU123456"));
        assert!(w.is_empty());
        assert_eq!(vin("VIN WVWZZZ1KZOW123456", &mut w), None);
        assert_eq!(
            w,
            vec!["VIN WVWZZZ1KZOW123456 rejected: contains I, O or Q"]
        );
        assert_eq!(vin("#toyotacamry2015kyiv", &mut Vec::new()), None);
        assert_eq!(vin("12345678901234567", &mut Vec::new()), None);
        assert!(is_valid_vin("WAUZZZ8K9BA123456"));
        assert!(!is_valid_vin("WAUZZZ8K9BA12345"));
        assert!(!is_valid_vin("WAUZZZ8K9BA12345I"));
        assert!(!is_valid_vin("wauzzz8k9ba123456"));
    }
}
