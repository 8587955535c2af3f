//! A pure parser from a Telegram channel post to a catalog listing.
//!
//! [`parse`] reads one [`Post`] (an album is one post: its caption and a photo count) of a source
//! whose [`Category`] is `vehicles` or `generic`, and returns a [`Listing`] with the fields it found,
//! a confidence, warnings and the [`PARSER_VERSION`]. It reads no clock, file or network: the same
//! post and version always give the same listing, so stored raw posts can be parsed again after a
//! parser upgrade ([`needs_reparse`]).
//!
//! # Rules, in the order they run
//! 1. Space-like characters (NBSP, narrow NBSP, thin space, tab) become plain spaces.
//! 2. Links and e-mails are masked; `@usernames` are collected and masked. Lines that advertise the
//!    channel (subscribe, join, ad contacts) are *boilerplate*: no contact is taken from them.
//! 3. VIN (vehicles): a 17-character word with at least 3 digits; one with I, O or Q is rejected
//!    with a warning.
//! 4. Phones: `+` and 10–13 digits, `0XX…` with 10, `8…` with 11, a bare country code, or 9–12
//!    digits shortly after a label (`тел`, `tel`, 📞). The contact is the first phone, else the
//!    first username, outside boilerplate.
//! 5. Price: a number with a currency beside it (`$12 500`, `12.5k$`, `1,2 млн грн`, `12 500 у.е.`)
//!    or after a price label (`Цена:`, `Ціна`, `Price`, 💰). A labelled price wins over an earlier
//!    unlabelled one; several distinct prices give a warning. Years (`2018 р.`), mileages and
//!    engine volumes never become prices: a currency or label is required, and the ambiguous `р.`
//!    (rubles in Russian, "year" in Ukrainian) is refused after a bare four-digit year.
//! 6. Vehicles only: mileage (`120 тыс км`, `пробег 95 т.км`, `85k miles` × 1.609344), engine
//!    (`1600 см3`, `2,0 л`, `2.0 TDI`), make and model from a table of 50+ makes with Cyrillic
//!    aliases (a distinctive model such as `Камри` implies its make), then the year (labelled, else
//!    the first 19xx/20xx not already read as something else; outside 1950..=2027 → warning),
//!    fuel and gearbox keywords.
//! 7. Location: a labelled value (`Город:`, `Місто:`, `Location:`, 📍), else the first known city
//!    written with a capital, skipping origins (`з Варшави`).
//! 8. Listing or not: offer words (+2), price (+2), make (+2), and +1 each for year, mileage, a
//!    spec, a contact and photos; a greeting/news/giveaway/wanted marker costs 3. A score of 4 or
//!    more is a listing. A sold notice (`ПРОДАНО`, `SOLD`, or a sold word on the first line) is never
//!    a listing, but its fields are still filled so the caller can close the earlier listing.
//!
//! # Confidence
//! Points out of 100 for the fields found. Vehicles: price 45 (25 without a currency), make 20,
//! model 10, year 10, mileage 5, location 5, contact 5. Generic: price 50 (30 without a currency),
//! title 20, contact 15, location 15. Several prices cost 5. A post that is not a listing scores 0.
//! Each missing key field (vehicles: make, model, year, price; generic: title, price) adds a
//! warning. A listing below [`DRAFT_BELOW`] is a draft for review: with these weights, every
//! vehicle listing without a price is a draft.

mod classify;
mod contact;
mod location;
mod makes;
pub mod photo;
pub mod preview;
mod price;
mod text;
mod vehicle;

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use vehicle::is_valid_vin;

/// Bump whenever any output can change for the same input, so stored raw posts are parsed again.
pub const PARSER_VERSION: u32 = 1;

/// Listings with a lower confidence are drafts for review.
pub const DRAFT_BELOW: f32 = 0.6;

/// What a source sells: vehicle fields are extracted only for `Vehicles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Vehicles,
    Generic,
}

/// The input: one post (an album is one post whose text is the caption; photo_count counts members).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Post {
    pub text: String,
    pub photo_count: usize,
    /// Forwarded from another channel.
    pub is_repost: bool,
}

/// The parser's output for one post.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// False for posts that are not listings (news, ads for the channel, greetings, sold notices).
    pub is_listing: bool,
    /// "Toyota Camry 2015" for vehicles; the first meaningful line otherwise.
    pub title: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<u16>,
    pub price: Option<f64>,
    /// ISO 4217: USD EUR UAH RUB PLN GBP KZT BYN …; "у.е." is USD.
    pub currency: Option<String>,
    pub negotiable: bool,
    /// Kilometres; miles are converted (× 1.609344, rounded).
    pub mileage_km: Option<u32>,
    /// petrol, diesel, gas, gas_petrol, hybrid, electric.
    pub fuel: Option<String>,
    /// automatic, manual, robot, cvt.
    pub transmission: Option<String>,
    pub engine_l: Option<f64>,
    /// A city as written, uninflected ("Киев", "Київ", "Kyiv"), or a labelled place.
    pub location: Option<String>,
    /// Exactly 17 of `[A-HJ-NPR-Z0-9]`, uppercase.
    pub vin: Option<String>,
    /// A phone (`+380…`, `0XX…`, digits only) or an `@username`.
    pub contact: Option<String>,
    /// The post text, trimmed.
    pub description: String,
    /// 0..=1; 0 for posts that are not listings.
    pub confidence: f32,
    pub warnings: Vec<String>,
    pub parser_version: u32,
}

impl Listing {
    /// A listing to review before publishing.
    pub fn is_draft(&self) -> bool {
        self.confidence < DRAFT_BELOW
    }
}

/// Whether a listing stored with `stored_parser_version` should be parsed again from its raw post.
pub fn needs_reparse(stored_parser_version: u32) -> bool {
    stored_parser_version != PARSER_VERSION
}

/// Confidence points (out of 100) per field found; see the crate documentation.
mod points {
    pub const VEHICLE_PRICE: u32 = 45;
    pub const VEHICLE_PRICE_NO_CURRENCY: u32 = 25;
    pub const VEHICLE_MAKE: u32 = 20;
    pub const VEHICLE_MODEL: u32 = 10;
    pub const VEHICLE_YEAR: u32 = 10;
    pub const VEHICLE_MILEAGE: u32 = 5;
    pub const VEHICLE_LOCATION: u32 = 5;
    pub const VEHICLE_CONTACT: u32 = 5;
    pub const GENERIC_PRICE: u32 = 50;
    pub const GENERIC_PRICE_NO_CURRENCY: u32 = 30;
    pub const GENERIC_TITLE: u32 = 20;
    pub const GENERIC_CONTACT: u32 = 15;
    pub const GENERIC_LOCATION: u32 = 15;
    pub const MULTIPLE_PRICES_PENALTY: u32 = 5;
}

/// Titles longer than this are cut at a word boundary.
const TITLE_MAX_CHARS: usize = 80;
/// Trimmed from the end of a title, with emoji and other non-ASCII symbols (`Продам диван —`).
const TITLE_TRAILING_SEPARATORS: &[char] = &['-', ':', '|', ',', ';', '.', '/', '\\', '=', '*'];

/// Parses one post. Pure: no clock, no I/O.
pub fn parse(post: &Post, category: Category) -> Listing {
    let vehicles = category == Category::Vehicles;
    let norm = text::normalize(&post.text);
    let mut scan = norm.clone();
    let mut warnings: Vec<String> = Vec::new();

    for span in contact::links(&scan) {
        text::mask(&mut scan, span);
    }
    let boilerplate = classify::boilerplate_lines(&norm);
    let outside_boilerplate =
        |span: &Range<usize>| !boilerplate.iter().any(|b| b.contains(&span.start));
    let usernames = contact::usernames(&scan);
    for (_, span) in &usernames {
        text::mask(&mut scan, span.clone());
    }
    // `#тойота_камри`: underscores separate words for the keyword rules.
    let mut scan = scan.replace('_', " ");

    let vin = if vehicles {
        vehicle::vin(&scan, &mut warnings)
    } else {
        None
    };
    if let Some(v) = &vin {
        text::mask(&mut scan, v.span.clone());
    }

    let phones = contact::phones(&scan);
    for (_, span) in &phones {
        text::mask(&mut scan, span.clone());
    }
    // Titles are read without links, usernames and phones.
    let mut title_src = norm.clone();
    for (_, span) in usernames.iter().chain(phones.iter()) {
        text::mask(&mut title_src, span.clone());
    }
    for span in contact::links(&norm) {
        text::mask(&mut title_src, span);
    }
    let contact = phones
        .iter()
        .chain(usernames.iter())
        .find(|(_, span)| outside_boilerplate(span))
        .map(|(value, _)| value.clone());

    let price = price::extract(&scan);
    for span in &price.spans {
        text::mask(&mut scan, span.clone());
    }
    let several_prices = price.distinct > 1;
    warnings.extend(price.warnings.iter().cloned());

    let mut v = VehicleFields::default();
    if vehicles {
        v = vehicle_fields(&mut scan, &mut warnings);
    }
    let negotiable = classify::negotiable(&scan);
    let location = location::location(&scan);
    let sold = classify::sold(&scan);

    let title = if let Some(make) = v.make {
        let parts: Vec<String> = [
            Some(make.to_string()),
            v.model.clone(),
            v.year.map(|y| y.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        Some(parts.join(" "))
    } else {
        first_line_title(&title_src, &boilerplate, price.start)
    };

    // Is it a listing?
    let mut score = 0;
    if classify::offers(&scan) {
        score += classify::OFFER_SCORE;
    }
    if price.amount.is_some() {
        score += classify::PRICE_SCORE;
    }
    if v.make.is_some() {
        score += classify::MAKE_SCORE;
    }
    let details = [
        v.year.is_some(),
        v.mileage_km.is_some(),
        v.fuel.is_some() || v.transmission.is_some() || v.engine_l.is_some() || vin.is_some(),
        contact.is_some(),
        post.photo_count > 0,
    ];
    score += classify::DETAIL_SCORE * details.iter().filter(|d| **d).count() as i32;
    let marker = classify::not_listing_marker(&scan);
    if marker.is_some() {
        score -= classify::NOT_LISTING_PENALTY;
    }
    let is_listing = !sold && score >= classify::LISTING_MIN_SCORE;

    if post.is_repost {
        warnings.push("repost from another channel".to_string());
    }
    let confidence = if is_listing {
        let mut earned = 0;
        let mut add = |found: bool, pts: u32, missing: Option<&str>| {
            if found {
                earned += pts;
            } else if let Some(field) = missing {
                warnings.push(format!("no {field}"));
            }
        };
        let price_points = |with, without| {
            if price.currency.is_some() {
                with
            } else {
                without
            }
        };
        if vehicles {
            add(v.make.is_some(), points::VEHICLE_MAKE, Some("make"));
            add(v.model.is_some(), points::VEHICLE_MODEL, Some("model"));
            add(v.year.is_some(), points::VEHICLE_YEAR, Some("year"));
            add(
                price.amount.is_some(),
                price_points(points::VEHICLE_PRICE, points::VEHICLE_PRICE_NO_CURRENCY),
                Some("price"),
            );
            add(v.mileage_km.is_some(), points::VEHICLE_MILEAGE, None);
            add(location.is_some(), points::VEHICLE_LOCATION, None);
            add(contact.is_some(), points::VEHICLE_CONTACT, None);
        } else {
            add(title.is_some(), points::GENERIC_TITLE, Some("title"));
            add(
                price.amount.is_some(),
                price_points(points::GENERIC_PRICE, points::GENERIC_PRICE_NO_CURRENCY),
                Some("price"),
            );
            add(contact.is_some(), points::GENERIC_CONTACT, None);
            add(location.is_some(), points::GENERIC_LOCATION, None);
        }
        if several_prices {
            earned = earned.saturating_sub(points::MULTIPLE_PRICES_PENALTY);
        }
        earned.min(100) as f32 / 100.0
    } else {
        if sold {
            warnings.push("marked as sold".to_string());
            warnings.push("not a listing (sold notice)".to_string());
        } else {
            if let Some(m) = &marker {
                warnings.push(format!("non-listing marker: {m}"));
            }
            warnings.push(format!(
                "not a listing (score {score} < {})",
                classify::LISTING_MIN_SCORE
            ));
        }
        0.0
    };

    Listing {
        is_listing,
        title,
        make: v.make.map(str::to_string),
        model: v.model,
        year: v.year,
        price: price.amount,
        currency: price.currency.map(str::to_string),
        negotiable,
        mileage_km: v.mileage_km,
        fuel: v.fuel.map(str::to_string),
        transmission: v.transmission.map(str::to_string),
        engine_l: v.engine_l,
        location,
        vin: vin.map(|f| f.value),
        contact,
        description: post.text.trim().to_string(),
        confidence,
        warnings,
        parser_version: PARSER_VERSION,
    }
}

#[derive(Default)]
struct VehicleFields {
    make: Option<&'static str>,
    model: Option<String>,
    year: Option<u16>,
    mileage_km: Option<u32>,
    fuel: Option<&'static str>,
    transmission: Option<&'static str>,
    engine_l: Option<f64>,
}

/// The vehicle rules, in an order where each masks what it read so later rules cannot misread it
/// (an engine `1998 см3` or a model `Peugeot 2008` is not a year).
fn vehicle_fields(scan: &mut String, warnings: &mut Vec<String>) -> VehicleFields {
    let mileage = vehicle::mileage(scan, warnings);
    if let Some(m) = &mileage {
        text::mask(scan, m.span.clone());
    }
    let cc = vehicle::engine_cc(scan);
    if let Some(e) = &cc {
        text::mask(scan, e.span.clone());
    }
    let id = makes::identify(scan);
    let fuel = vehicle::fuel(scan);
    let transmission = vehicle::transmission(scan);
    let mut year_scan = scan.clone();
    for span in &id.spans {
        text::mask(&mut year_scan, span.clone());
    }
    let year = vehicle::year(&year_scan, warnings);
    if let Some(y) = &year {
        text::mask(&mut year_scan, y.span.clone());
    }
    let engine_l = cc
        .map(|e| e.value)
        .or_else(|| vehicle::engine_litres(&year_scan).map(|e| e.value));
    VehicleFields {
        make: id.make,
        model: id.model,
        year: year.map(|y| y.value),
        mileage_km: mileage.map(|m| m.value),
        fuel,
        transmission,
        engine_l,
    }
}

/// The first meaningful line: not boilerplate, not only hashtags, emoji or offer words; cut where
/// the price starts; at most [`TITLE_MAX_CHARS`].
fn first_line_title(
    norm: &str,
    boilerplate: &[Range<usize>],
    price_start: Option<usize>,
) -> Option<String> {
    for line in text::lines(norm) {
        if boilerplate.contains(&line) {
            continue;
        }
        let mut end = line.end;
        if let Some(p) = price_start
            && line.contains(&p)
        {
            end = p;
        }
        let raw = &norm[line.start..end];
        let words: Vec<&str> = raw
            .split_whitespace()
            .filter(|w| !w.starts_with('#'))
            .collect();
        let joined = words.join(" ");
        let cleaned = joined
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .trim_end_matches(|c: char| {
                c.is_whitespace()
                    || TITLE_TRAILING_SEPARATORS.contains(&c)
                    || (!c.is_ascii() && !c.is_alphanumeric())
            });
        let letters: String = cleaned.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.chars().count() < 2 || classify::only_offer_words(cleaned) {
            continue;
        }
        return Some(truncate_words(cleaned, TITLE_MAX_CHARS));
    }
    None
}

fn truncate_words(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out = String::new();
    for word in s.split_whitespace() {
        let next = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if next.chars().count() > max_chars {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        s.chars().take(max_chars).collect()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car(text: &str) -> Listing {
        parse(
            &Post {
                text: text.to_string(),
                photo_count: 3,
                is_repost: false,
            },
            Category::Vehicles,
        )
    }

    #[test]
    fn the_issue_example() {
        let l = car("Toyota Camry 2015, 120 тыс км, $12 500, Киев");
        assert!(l.is_listing);
        assert_eq!(l.title.as_deref(), Some("Toyota Camry 2015"));
        assert_eq!(l.make.as_deref(), Some("Toyota"));
        assert_eq!(l.model.as_deref(), Some("Camry"));
        assert_eq!(l.year, Some(2015));
        assert_eq!(l.price, Some(12500.0));
        assert_eq!(l.currency.as_deref(), Some("USD"));
        assert_eq!(l.mileage_km, Some(120_000));
        assert_eq!(l.location.as_deref(), Some("Киев"));
        assert_eq!(l.confidence, 0.95);
        assert!(!l.is_draft());
        assert_eq!(l.parser_version, PARSER_VERSION);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn year_is_not_price_in_ukrainian() {
        let l = car("Шкода Октавія 2018 р., 95 тис. км, ціна 14 200 $");
        assert_eq!(l.year, Some(2018));
        assert_eq!(l.price, Some(14200.0));
        assert_eq!(l.currency.as_deref(), Some("USD"));
        assert_eq!(l.mileage_km, Some(95_000));
    }

    #[test]
    fn missing_price_makes_a_draft() {
        let l = car("Продам Toyota Camry 2015, 120 тыс км, Киев, 0671234567");
        assert!(l.is_listing);
        assert_eq!(l.price, None);
        assert!(l.is_draft());
        assert!(l.warnings.contains(&"no price".to_string()));
    }

    #[test]
    fn generic_skips_vehicle_fields() {
        let l = parse(
            &Post {
                text: "Продам iPhone 13 128GB — 18 000 грн\n📍 Київ\n📞 067 123 45 67".into(),
                photo_count: 2,
                is_repost: false,
            },
            Category::Generic,
        );
        assert!(l.is_listing);
        assert_eq!(l.title.as_deref(), Some("Продам iPhone 13 128GB"));
        assert_eq!(l.price, Some(18000.0));
        assert_eq!(l.currency.as_deref(), Some("UAH"));
        assert_eq!(l.make, None);
        assert_eq!(l.year, None);
        assert_eq!(l.location.as_deref(), Some("Київ"));
        assert_eq!(l.contact.as_deref(), Some("0671234567"));
        assert_eq!(l.confidence, 1.0);
    }

    #[test]
    fn not_a_listing_scores_zero() {
        let l = car("Подписывайтесь на наш канал @auto_kiev! Каждый день новые авто.");
        assert!(!l.is_listing);
        assert_eq!(l.confidence, 0.0);
        assert_eq!(l.contact, None);
    }

    #[test]
    fn pure_and_serialisable() {
        let post = Post {
            text: "BMW X5 2014, 3.0d, $23 000".into(),
            photo_count: 10,
            is_repost: true,
        };
        let a = parse(&post, Category::Vehicles);
        assert_eq!(a, parse(&post, Category::Vehicles));
        assert!(
            a.warnings
                .contains(&"repost from another channel".to_string())
        );
        assert!(needs_reparse(0));
        assert!(!needs_reparse(PARSER_VERSION));
        assert_eq!(
            serde_json_roundtrip(&a),
            a,
            "a stored listing reads back the same"
        );
    }

    fn serde_json_roundtrip(l: &Listing) -> Listing {
        let json = serde_json::to_string(l).expect("serialise");
        serde_json::from_str(&json).expect("deserialise")
    }
}
