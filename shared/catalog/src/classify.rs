//! Is the post a listing? Keyword sets and the listing score.

use std::ops::Range;
use std::sync::LazyLock;

use crate::text::{self, Words};

/// Words that offer something (sell, rent out, urgent).
#[rustfmt::skip]
pub(crate) const OFFER: &[&str] = &[
    "продам", "продаю", "продаётся", "продается", "продається", "продаж", "продажа", r"в\s+продаже",
    "продаємо", "продаем", "сдам", "сдаю", "сдается", "здам", "здаю", "здається", "аренда",
    "оренда", "отдам", "віддам", "срочно", "терміново", r"в\s+наличии", r"в\s+наявності",
    r"for\s+sale", "selling", "sell", "sale", r"for\s+rent", "rent", "urgent", "urgently",
    "available",
];

/// Markers of posts that are not listings: greetings, news, giveaways, selling ad space, and
/// wanted ads.
#[rustfmt::skip]
pub(crate) const NOT_LISTING: &[&str] = &[
    // greetings
    r"поздравля\p{L}*", r"с\s+праздник\p{L}*", r"с\s+новым\s+годом", r"с\s+рождеством",
    r"вітаємо", r"вітаю", r"зі?\s+святом", r"з\s+новим\s+роком", r"з\s+різдвом",
    r"з\s+днем\s+\p{L}+", r"с\s+днем\s+\p{L}+", r"happy\s+new\s+year", r"merry\s+christmas",
    r"happy\s+holidays", r"congratulations",
    // news
    "новости", "новини", "news", r"представил\p{L}*", r"презентувал\p{L}*", r"презентовал\p{L}*",
    r"подорожа\p{L}*", r"подешев\p{L}*", r"unveil\p{L}*", "announced", "recall", "статистика",
    r"відклика\p{L}*", r"отзывает", r"дайджест",
    // giveaways
    r"розыгрыш\p{L}*", r"розіграш\p{L}*", "giveaway", r"конкурс\p{L}*",
    // ad space on the channel
    r"реклама\s+(?:в|на|у)\s+(?:нашем\s+|нашому\s+)?канал\p{L}*", r"размещение\s+рекламы",
    r"розміщення\s+реклами", r"advertise\s+(?:in|with)", "advertising",
    // wanted ads
    "куплю", r"ищу\s+авто", r"шукаю\s+авто", r"looking\s+for", "wanted", r"want\s+to\s+buy",
];

/// Sold notices: a listing that is no longer available.
#[rustfmt::skip]
pub(crate) const SOLD: &[&str] = &["продано", "продан", "продана", "sold"];
/// The same, written in capitals anywhere in the post (whole words, case-sensitive).
pub(crate) const SOLD_CAPS: &str = "ПРОДАНО|ПРОДАН|ПРОДАНА|SOLD";

/// Channel boilerplate lines (subscribe, contact the admin, suggest a post): ignored for contacts
/// and titles.
#[rustfmt::skip]
pub(crate) const BOILERPLATE: &[&str] = &[
    r"подпис\p{L}*", r"підпис\p{L}*", r"subscribe\p{L}*", r"наш\p{L}*\s+канал\p{L}*",
    r"our\s+channel", "join", r"присоединяйтесь", r"приєднуйтесь", r"долучайтесь",
    r"по\s+вопросам\s+рекламы", r"з\s+питань\s+реклами", r"реклама\s*:\s*@?\w+", r"for\s+ads",
    r"предложить\s+\p{L}+", r"запропонувати\s+\p{L}+",
];

/// Negotiable: `торг`, `торг уместен`, `торг є`, `negotiable`, `OBO`; refused by `без торга`.
#[rustfmt::skip]
pub(crate) const NEGOTIABLE: &[&str] = &[
    "торг", "торгуюсь", "торгуемся", "торгуємось", r"торг\p{L}*\s+(?:уместен|возможен|можливий|є)",
    "negotiable", "obo", "ono", r"or\s+best\s+offer", "договорная", "договірна", "договорна",
];
#[rustfmt::skip]
pub(crate) const NOT_NEGOTIABLE: &[&str] = &[
    r"без\s+торг\p{L}*", r"торгу\s+нема\p{L}*", r"торга\s+нет", r"no\s+bargaining", r"not\s+negotiable", r"price\s+is\s+final",
    r"цена\s+окончательная", r"ціна\s+остаточна", "firm",
];

/// Listing score: a post is a listing when its score reaches [`LISTING_MIN_SCORE`].
pub(crate) const OFFER_SCORE: i32 = 2;
pub(crate) const PRICE_SCORE: i32 = 2;
pub(crate) const MAKE_SCORE: i32 = 2;
/// Each of: year, mileage, a spec (fuel, gearbox, engine, VIN), a contact, photos.
pub(crate) const DETAIL_SCORE: i32 = 1;
pub(crate) const NOT_LISTING_PENALTY: i32 = 3;
pub(crate) const LISTING_MIN_SCORE: i32 = 4;

static OFFER_RE: LazyLock<Words> = LazyLock::new(|| text::fragments_regex(OFFER));
static NOT_LISTING_RE: LazyLock<Words> = LazyLock::new(|| text::fragments_regex(NOT_LISTING));
static SOLD_RE: LazyLock<Words> = LazyLock::new(|| text::fragments_regex(SOLD));
static SOLD_CAPS_RE: LazyLock<Words> = LazyLock::new(|| Words::new(SOLD_CAPS));
static BOILERPLATE_RE: LazyLock<Words> = LazyLock::new(|| text::fragments_regex(BOILERPLATE));
static NEGOTIABLE_RE: LazyLock<Words> = LazyLock::new(|| text::fragments_regex(NEGOTIABLE));
static NOT_NEGOTIABLE_RE: LazyLock<Words> = LazyLock::new(|| text::fragments_regex(NOT_NEGOTIABLE));

pub(crate) fn offers(scan: &str) -> bool {
    OFFER_RE.is_match(scan)
}

/// Whether a line holds nothing but offer words (`🔥 СРОЧНО ПРОДАМ 🔥`): not a title.
pub(crate) fn only_offer_words(line: &str) -> bool {
    let mut rest = 0;
    for m in OFFER_RE.find_iter(line) {
        if line[rest..m.start].chars().any(char::is_alphanumeric) {
            return false;
        }
        rest = m.end;
    }
    !line[rest..].chars().any(char::is_alphanumeric)
}

pub(crate) fn not_listing_marker(scan: &str) -> Option<String> {
    NOT_LISTING_RE.find(scan).map(|m| text::key(&scan[m]))
}

/// A sold notice: a sold word on the first non-empty line, or in capitals anywhere.
pub(crate) fn sold(scan: &str) -> bool {
    if SOLD_CAPS_RE.is_match(scan) {
        return true;
    }
    scan.lines()
        .find(|l| l.chars().any(char::is_alphanumeric))
        .is_some_and(|first| SOLD_RE.is_match(first))
}

/// Spans of boilerplate lines.
pub(crate) fn boilerplate_lines(scan: &str) -> Vec<Range<usize>> {
    text::lines(scan)
        .into_iter()
        .filter(|l| BOILERPLATE_RE.is_match(&scan[l.clone()]))
        .collect()
}

pub(crate) fn negotiable(scan: &str) -> bool {
    NEGOTIABLE_RE.is_match(scan) && !NOT_NEGOTIABLE_RE.is_match(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiable_words() {
        assert!(negotiable("торг"));
        assert!(negotiable("Торг уместен"));
        assert!(negotiable("торг є"));
        assert!(negotiable("$8,900 OBO"));
        assert!(negotiable("Price negotiable"));
        assert!(negotiable("Цена: договорная"));
        assert!(!negotiable("без торга"));
        assert!(!negotiable("ТЦ торговый центр"));
        assert!(!negotiable("$8,900 firm"));
        assert!(!negotiable("Торгу немає"));
    }

    #[test]
    fn sold_notices() {
        assert!(sold("ПРОДАНО ✅\nToyota Camry"));
        assert!(sold("✅ Продано!\nДякуємо"));
        assert!(sold("Toyota Camry — SOLD"));
        assert!(!sold("Toyota Camry\nSold with full service history"));
    }

    #[test]
    fn keyword_sets_match_as_whole_words() {
        let hays = text::tests::corpus_texts();
        for (table, flags) in [
            (OFFER, "(?i:"),
            (NOT_LISTING, "(?i:"),
            (SOLD, "(?i:"),
            (BOILERPLATE, "(?i:"),
            (NEGOTIABLE, "(?i:"),
            (NOT_NEGOTIABLE, "(?i:"),
            (&[SOLD_CAPS][..], "(?:"),
        ] {
            text::tests::assert_words_like_word_boundaries(
                &format!("{flags}{})", table.join("|")),
                &hays,
            );
        }
    }

    #[test]
    fn keyword_sets_compile() {
        for re in [
            &OFFER_RE,
            &NOT_LISTING_RE,
            &SOLD_RE,
            &SOLD_CAPS_RE,
            &BOILERPLATE_RE,
            &NEGOTIABLE_RE,
            &NOT_NEGOTIABLE_RE,
        ] {
            LazyLock::force(re);
        }
        assert!(offers("Продам"));
        assert_eq!(
            not_listing_marker("З Новим роком!").as_deref(),
            Some("з новим роком")
        );
        assert_eq!(boilerplate_lines("a\nПодписывайтесь @x\nb"), vec![2..33]);
        assert_eq!(
            boilerplate_lines("Цена 1$\nРеклама: @ad_admin"),
            vec![12..37]
        );
    }
}
