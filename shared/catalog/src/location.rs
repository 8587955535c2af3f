//! Locations: a labelled value (`Город: X`, `Місто: X`, `Location: X`, `📍 X`) or a known city.
//!
//! A city is returned in the spelling family it was written in, uninflected: `в Киеве` → `Киев`,
//! `у Києві` → `Київ`, `Kyiv` → `Kyiv`, `Kiev` → `Kiev`.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::text::{self, LineRegex, Words};

/// (name as returned, inflected forms). Each spelling family (Russian, Ukrainian, English/Polish)
/// is its own row.
#[rustfmt::skip]
pub(crate) const CITIES: &[(&str, &[&str])] = &[
    // Ukraine
    ("Киев", &["Киеве", "Киева", "Киеву", "Киевом"]),
    ("Київ", &["Києві", "Києва", "Києву", "Києвом"]),
    ("Kyiv", &[]), ("Kiev", &[]),
    ("Харьков", &["Харькове", "Харькова", "Харькову"]),
    ("Харків", &["Харкові", "Харкова", "Харкову"]),
    ("Kharkiv", &["Kharkov"]),
    ("Одесса", &["Одессе", "Одессы", "Одессу"]),
    ("Одеса", &["Одесі", "Одеси", "Одесу"]),
    ("Odesa", &["Odessa"]),
    ("Днепр", &["Днепре", "Днепра", "Днепропетровск", "Днепропетровске"]),
    ("Дніпро", &["Дніпрі", "Дніпра"]),
    ("Dnipro", &["Dnepr"]),
    ("Львов", &["Львове", "Львова"]),
    ("Львів", &["Львові", "Львова"]),
    ("Lviv", &["Lvov", "Lwów"]),
    ("Запорожье", &["Запорожья"]),
    ("Запоріжжя", &["Запоріжжі"]),
    ("Zaporizhzhia", &["Zaporizhia"]),
    ("Винница", &["Виннице", "Винницы"]),
    ("Вінниця", &["Вінниці"]),
    ("Vinnytsia", &[]),
    ("Полтава", &["Полтаве", "Полтаві", "Полтавы", "Полтави"]),
    ("Poltava", &[]),
    ("Чернигов", &["Чернигове", "Чернигова"]),
    ("Чернігів", &["Чернігові", "Чернігова"]),
    ("Chernihiv", &[]),
    ("Житомир", &["Житомире", "Житомирі", "Житомира"]),
    ("Zhytomyr", &[]),
    ("Ровно", &["Ровно"]),
    ("Рівне", &["Рівному", "Рівного"]),
    ("Rivne", &[]),
    ("Луцк", &["Луцке", "Луцка"]),
    ("Луцьк", &["Луцьку", "Луцька"]),
    ("Lutsk", &[]),
    ("Тернополь", &["Тернополе", "Тернополя"]),
    ("Тернопіль", &["Тернополі", "Тернополя"]),
    ("Ternopil", &[]),
    ("Ивано-Франковск", &["Ивано-Франковске", "Ивано-Франковска"]),
    ("Івано-Франківськ", &["Івано-Франківську", "Івано-Франківська"]),
    ("Ivano-Frankivsk", &[]),
    ("Ужгород", &["Ужгороде", "Ужгороді", "Ужгорода"]),
    ("Uzhhorod", &[]),
    ("Черновцы", &["Черновцах"]),
    ("Чернівці", &["Чернівцях"]),
    ("Chernivtsi", &[]),
    ("Хмельницкий", &["Хмельницком"]),
    ("Хмельницький", &["Хмельницькому"]),
    ("Khmelnytskyi", &[]),
    ("Черкассы", &["Черкассах"]),
    ("Черкаси", &["Черкасах"]),
    ("Cherkasy", &[]),
    ("Николаев", &["Николаеве", "Николаева"]),
    ("Миколаїв", &["Миколаєві", "Миколаєва"]),
    ("Mykolaiv", &[]),
    ("Херсон", &["Херсоне", "Херсоні"]),
    ("Kherson", &[]),
    ("Сумы", &["Сумах"]),
    ("Суми", &["Сумах"]),
    ("Sumy", &[]),
    ("Кривой Рог", &["Кривом Роге"]),
    ("Кривий Ріг", &["Кривому Розі"]),
    ("Kryvyi Rih", &[]),
    ("Белая Церковь", &["Белой Церкви"]),
    ("Біла Церква", &["Білій Церкві"]),
    ("Bila Tserkva", &[]),
    ("Бровары", &["Броварах"]),
    ("Бровари", &["Броварах"]),
    ("Brovary", &[]),
    ("Ирпень", &["Ирпене", "Ирпеня"]),
    ("Ірпінь", &["Ірпені", "Ірпеня"]),
    ("Irpin", &[]),
    ("Кропивницкий", &[]), ("Кропивницький", &[]), ("Kropyvnytskyi", &[]),
    // Russia
    ("Москва", &["Москве", "Москвы", "Москву"]),
    ("Moscow", &["Moskva"]),
    ("Санкт-Петербург", &["Санкт-Петербурге", "СПб", "Питер", "Питере"]),
    ("Saint Petersburg", &["St. Petersburg", "St Petersburg"]),
    ("Новосибирск", &["Новосибирске"]),
    ("Екатеринбург", &["Екатеринбурге"]),
    ("Казань", &["Казани"]),
    ("Краснодар", &["Краснодаре"]),
    ("Ростов-на-Дону", &["Ростове-на-Дону", "Ростов"]),
    ("Нижний Новгород", &["Нижнем Новгороде"]),
    // Poland
    ("Варшава", &["Варшаве", "Варшаві", "Варшавы", "Варшави"]),
    ("Warszawa", &["Warszawie"]),
    ("Warsaw", &[]),
    ("Краков", &["Кракове", "Кракова"]),
    ("Краків", &["Кракові"]),
    ("Kraków", &["Krakow", "Krakowie"]),
    ("Вроцлав", &["Вроцлаве", "Вроцлаві"]),
    ("Wrocław", &["Wroclaw", "Wrocławiu"]),
    ("Гданьск", &["Гданьске"]),
    ("Гданськ", &["Гданську"]),
    ("Gdańsk", &["Gdansk"]),
    ("Познань", &["Познани", "Познані"]),
    ("Poznań", &["Poznan"]),
    ("Лодзь", &["Лодзи", "Лодзі"]),
    ("Łódź", &["Lodz"]),
    ("Люблин", &["Люблине", "Любліні"]),
    ("Lublin", &[]),
    // Kazakhstan
    ("Алматы", &["Алма-Ата", "Алма-Ате"]),
    ("Almaty", &[]),
    ("Астана", &["Астане"]),
    ("Astana", &[]),
    ("Шымкент", &["Шымкенте"]),
    ("Shymkent", &[]),
    ("Караганда", &["Караганде"]),
    ("Karaganda", &[]),
    // Belarus, Moldova, the Caucasus, Central Asia, the EU
    ("Минск", &["Минске"]),
    ("Мінськ", &["Мінську"]),
    ("Minsk", &[]),
    ("Кишинев", &["Кишиневе", "Кишинёв"]),
    ("Chișinău", &["Chisinau"]),
    ("Тбилиси", &[]), ("Tbilisi", &[]),
    ("Ташкент", &["Ташкенте"]), ("Tashkent", &[]),
    ("Бишкек", &["Бишкеке"]), ("Bishkek", &[]),
    ("Вильнюс", &["Вильнюсе"]), ("Vilnius", &[]),
    ("Берлин", &["Берлине"]), ("Berlin", &[]),
    ("Прага", &["Праге", "Празі"]), ("Prague", &["Praha"]),
    ("Лондон", &["Лондоне", "Лондоні"]), ("London", &[]),
];

/// Labels whose value is taken even when it is not a known city.
const LABELS: &str = r"(?im)(?:\b(?:город|місто|city|location|локация|локація|местоположение|місцезнаходження|розташування|расположение)\b|📍|🏙|🌆)[ \t]*[:\-–—]?[ \t]*(?P<v>[^\n]+)";
/// Prefixes stripped from a labelled value (`📍 г. Киев`, `📍 м. Київ`, `📍 в Києві`).
const VALUE_PREFIXES: &[&str] = &[
    "г. ",
    "г.",
    "м. ",
    "м.",
    "город ",
    "місто ",
    "в ",
    "у ",
    "in ",
];
/// A labelled value ends at the first of these.
const VALUE_END: &[char] = &[',', ';', '|', '(', '/', '•', '.', '!', '—', '–'];
/// An unknown labelled value longer than this (in characters or words) is not a place name.
const VALUE_MAX_CHARS: usize = 40;
const VALUE_MAX_WORDS: usize = 4;
/// A city mentioned right after these words is where the car came from, not where it is.
const ORIGIN_WORDS: &[&str] = &["из", "з", "із", "from", "со", "зі"];

struct Index {
    re: Words,
    by_key: HashMap<String, &'static str>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut by_key = HashMap::new();
    let mut forms: Vec<&str> = Vec::new();
    for (name, inflected) in CITIES {
        for form in std::iter::once(name).chain(inflected.iter()) {
            by_key.entry(text::key(form)).or_insert(*name);
            forms.push(form);
        }
    }
    Index {
        re: text::words_regex(forms),
        by_key,
    }
});

static LABEL_RE: LazyLock<LineRegex> = LazyLock::new(|| LineRegex::new(LABELS));

/// The known city at the start of `value`, if any.
fn city_at_start(value: &str) -> Option<&'static str> {
    let index = &*INDEX;
    let m = index.re.find(value)?;
    (m.start == 0)
        .then(|| index.by_key.get(&text::key(&value[m])).copied())
        .flatten()
}

fn clean_value(raw: &str) -> String {
    let mut v = raw.trim_start_matches(|c: char| !c.is_alphanumeric());
    for prefix in VALUE_PREFIXES {
        if let Some(rest) = v.strip_prefix(prefix) {
            v = rest.trim_start();
            break;
        }
    }
    let end = v.find(VALUE_END).unwrap_or(v.len());
    v[..end]
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .trim()
        .to_string()
}

/// The location: a labelled value first (a known city in it is normalised), else the first known
/// city written with a capital letter that is not an origin (`из Польши`, `з Варшави`).
pub(crate) fn location(scan: &str) -> Option<String> {
    let labelled = LABEL_RE.find_map(scan, |_, c| {
        let value = clean_value(c.name("v")?.as_str());
        if value.is_empty() {
            return None;
        }
        if let Some(city) = city_at_start(&value) {
            return Some(city.to_string());
        }
        let plausible = value.chars().next().is_some_and(char::is_alphabetic)
            && value.chars().count() <= VALUE_MAX_CHARS
            && value.split_whitespace().count() <= VALUE_MAX_WORDS;
        plausible.then_some(value)
    });
    if labelled.is_some() {
        return labelled;
    }
    let index = &*INDEX;
    for m in index.re.find_iter(scan) {
        let matched = &scan[m.clone()];
        if !matched.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        let before = scan[..m.start].trim_end();
        let previous_word = before
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_lowercase();
        if ORIGIN_WORDS.contains(&previous_word.as_str()) {
            continue;
        }
        if let Some(name) = index.by_key.get(&text::key(matched)) {
            return Some((*name).to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_and_labels() {
        let l = |s: &str| location(s);
        assert_eq!(
            l("Toyota Camry 2015, 120 тыс км, $12 500, Киев").as_deref(),
            Some("Киев")
        );
        assert_eq!(l("Авто в Киеве").as_deref(), Some("Киев"));
        assert_eq!(l("📍 Київ, Оболонь").as_deref(), Some("Київ"));
        assert_eq!(l("📍м. Львів").as_deref(), Some("Львів"));
        assert_eq!(l("Location: Kyiv").as_deref(), Some("Kyiv"));
        assert_eq!(l("Город: Бровары").as_deref(), Some("Бровары"));
        assert_eq!(l("Місто: Біла Церква").as_deref(), Some("Біла Церква"));
        assert_eq!(
            l("Пригнана з Варшави, зараз у Львові").as_deref(),
            Some("Львів")
        );
        assert_eq!(l("Located in Warsaw").as_deref(), Some("Warsaw"));
        assert_eq!(l("Алматы, 3 500 000 тг").as_deref(), Some("Алматы"));
        assert_eq!(l("ровно 3 года").as_deref(), None);
        assert_eq!(l("суми коштів").as_deref(), None);
    }

    #[test]
    fn every_form_is_a_word() {
        for (name, forms) in CITIES {
            for f in std::iter::once(name).chain(forms.iter()) {
                assert!(f.chars().next().is_some_and(char::is_alphanumeric), "{f}");
                assert!(f.chars().last().is_some_and(char::is_alphanumeric), "{f}");
            }
        }
        assert!(CITIES.len() >= 60);
    }
}
