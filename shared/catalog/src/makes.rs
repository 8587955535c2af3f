//! Makes and their common models, with Cyrillic (Russian and Ukrainian) aliases.
//!
//! A make's `name` (unless it is listed in `cased`) and a model's `name` are also aliases. `aliases` match case-insensitively as
//! whole words; `cased` aliases match only as written (for words that are also ordinary words, such
//! as `SEAT` or the Ukrainian `шкода`, "pity").

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use crate::text::{self, Words};

pub(crate) struct Model {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
}

pub(crate) struct Make {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub cased: &'static [&'static str],
    pub models: &'static [Model],
}

const fn m(name: &'static str, aliases: &'static [&'static str]) -> Model {
    Model { name, aliases }
}

#[rustfmt::skip]
pub(crate) const MAKES: &[Make] = &[
    Make { name: "Toyota", aliases: &["тойота", "тоёта"], cased: &[], models: &[
        m("Camry", &["камри", "кемри", "камрі"]),
        m("Corolla", &["королла", "корола"]),
        m("RAV4", &["rav 4", "rav-4", "рав4", "рав 4", "рав-4"]),
        m("Land Cruiser Prado", &["prado", "прадо", "land cruiser prado", "ленд крузер прадо"]),
        m("Land Cruiser", &["ленд крузер", "lc200", "lc 200", "lc300", "крузак"]),
        m("Highlander", &["хайлендер", "хайлэндер"]),
        m("Prius", &["приус", "пріус"]),
        m("Yaris", &["ярис"]),
        m("Avensis", &["авенсис", "авенсіс"]),
        m("Auris", &["аурис", "ауріс"]),
        m("C-HR", &["chr"]),
        m("Hilux", &["хайлюкс", "хайлакс"]),
    ]},
    Make { name: "Volkswagen", aliases: &["vw", "фольксваген", "фольцваген", "volkswagon"], cased: &[], models: &[
        m("Golf", &["гольф"]),
        m("Passat", &["пассат", "пасат"]),
        m("Jetta", &["джетта", "джета"]),
        m("Polo", &["поло"]),
        m("Tiguan", &["тигуан", "тігуан"]),
        m("Touareg", &["туарег"]),
        m("Touran", &["туран"]),
        m("Caddy", &["кадди", "кадді"]),
        m("Transporter", &["транспортер", "t5", "t6"]),
        m("Arteon", &["артеон"]),
        m("ID.4", &["id4", "id 4"]),
    ]},
    Make { name: "Skoda", aliases: &["škoda"], cased: &["Шкода", "ШКОДА"], models: &[
        m("Octavia", &["октавия", "октавія", "октавиа"]),
        m("Superb", &["суперб"]),
        m("Fabia", &["фабия", "фабія"]),
        m("Rapid", &["рапид", "рапід"]),
        m("Kodiaq", &["кодиак", "кодіак"]),
        m("Karoq", &["карок"]),
        m("Yeti", &["йети", "єті"]),
    ]},
    Make { name: "BMW", aliases: &["бмв"], cased: &[], models: &[
        m("3 Series", &["3 series", "3-series", "3er", "318i", "318d", "320i", "320d", "325i", "328i", "330i", "330d", "e46", "e90", "f30", "g20"]),
        m("5 Series", &["5 series", "5-series", "5er", "520i", "520d", "523i", "525i", "525d", "528i", "530i", "530d", "535i", "e39", "e60", "f10", "g30"]),
        m("7 Series", &["7 series", "7-series", "730d", "740i", "750i"]),
        m("X1", &["х1"]),
        m("X3", &["х3"]),
        m("X5", &["х5", "e70", "f15", "g05"]),
        m("X6", &["х6"]),
        m("X7", &["х7"]),
        m("i3", &[]),
    ]},
    Make { name: "Mercedes-Benz", aliases: &["mercedes", "mercedes benz", "мерседес", "мерседес-бенц", "мерс", "benz"], cased: &[], models: &[
        m("C-Class", &["c class", "c-klasse", "c180", "c200", "c220", "c250", "c300", "w203", "w204", "w205", "с-класс"]),
        m("E-Class", &["e class", "e-klasse", "e200", "e220", "e250", "e300", "e350", "e 200", "e 220", "e 250", "e 300", "w210", "w211", "w212", "w213", "е-класс", "е-клас"]),
        m("S-Class", &["s class", "s350", "s500", "w221", "w222", "с-клас"]),
        m("GLE", &["gle 350", "gle350"]),
        m("GLC", &["glc 300", "glc300"]),
        m("ML", &["ml350", "ml 350", "w164", "w166"]),
        m("Sprinter", &["спринтер"]),
        m("Vito", &["вито", "віто"]),
        m("A-Class", &["a class", "a180", "a200"]),
    ]},
    Make { name: "Audi", aliases: &["ауди", "ауді"], cased: &[], models: &[
        m("A3", &["а3"]),
        m("A4", &["а4", "a4 allroad"]),
        m("A6", &["а6", "a6 allroad"]),
        m("A8", &["а8"]),
        m("Q3", &[]),
        m("Q5", &["ку5"]),
        m("Q7", &["ку7"]),
        m("e-tron", &["etron", "е-трон"]),
    ]},
    Make { name: "Ford", aliases: &["форд"], cased: &[], models: &[
        m("Focus", &["фокус"]),
        m("Fiesta", &["фиеста", "фієста"]),
        m("Mondeo", &["мондео"]),
        m("Fusion", &["фьюжн", "фьюжен", "фʼюжн", "ф'южн"]),
        m("Escape", &["эскейп", "ескейп"]),
        m("Kuga", &["куга"]),
        m("Explorer", &["эксплорер", "експлорер"]),
        m("Transit", &["транзит"]),
        m("Mustang", &["мустанг"]),
        m("Edge", &["эдж", "едж"]),
    ]},
    Make { name: "Honda", aliases: &["хонда"], cased: &[], models: &[
        m("Civic", &["цивик", "сівік"]),
        m("Accord", &["аккорд", "акорд"]),
        m("CR-V", &["crv", "cr v"]),
        m("HR-V", &["hrv"]),
        m("Jazz", &["джаз"]),
    ]},
    Make { name: "Hyundai", aliases: &["хюндай", "хендай", "хундай", "хюндаи", "хьюндай", "хюндаї"], cased: &[], models: &[
        m("Tucson", &["туссан", "туксон", "тусан"]),
        m("Santa Fe", &["santafe", "санта фе", "санта-фе"]),
        m("Elantra", &["элантра", "елантра"]),
        m("Sonata", &["соната"]),
        m("Accent", &["акцент"]),
        m("i30", &["і30"]),
        m("i20", &["і20"]),
        m("Creta", &["крета"]),
        m("Kona", &["кона"]),
    ]},
    Make { name: "Kia", aliases: &["киа", "кіа", "кия"], cased: &[], models: &[
        m("Sportage", &["спортейдж", "спортедж", "спортейж"]),
        m("Ceed", &["cee'd", "сид"]),
        m("Rio", &["рио", "ріо"]),
        m("Optima", &["оптима", "оптіма"]),
        m("Sorento", &["соренто"]),
        m("K5", &["к5"]),
        m("Niro", &["ниро", "ніро"]),
    ]},
    Make { name: "Nissan", aliases: &["ниссан", "нисан", "нісан", "ніссан"], cased: &[], models: &[
        m("Qashqai", &["кашкай"]),
        m("X-Trail", &["xtrail", "x trail", "икс-трейл", "х-трейл", "ікс-трейл"]),
        m("Leaf", &["лиф", "ліф"]),
        m("Juke", &["жук"]),
        m("Note", &["ноут"]),
        m("Almera", &["альмера"]),
        m("Rogue", &["рог", "роуг"]),
        m("Murano", &["мурано"]),
        m("Patrol", &["патрол"]),
    ]},
    Make { name: "Mazda", aliases: &["мазда"], cased: &[], models: &[
        m("CX-5", &["cx5", "cx 5", "сх-5", "сх5"]),
        m("CX-30", &["cx30"]),
        m("3", &[]),
        m("6", &[]),
    ]},
    Make { name: "Mitsubishi", aliases: &["мицубиси", "митсубиси", "мітсубісі", "міцубісі", "мицубиши"], cased: &[], models: &[
        m("Outlander", &["аутлендер", "аутлэндер"]),
        m("Lancer", &["лансер"]),
        m("Pajero", &["паджеро", "pajero sport"]),
        m("ASX", &[]),
    ]},
    Make { name: "Lexus", aliases: &["лексус"], cased: &[], models: &[
        m("RX", &["rx350", "rx 350", "rx300", "rx 300", "rx450h", "rx 450h"]),
        m("NX", &["nx200t", "nx 200", "nx300"]),
        m("ES", &["es250", "es 250", "es350", "es 350"]),
        m("GX", &["gx460", "gx 460"]),
        m("LX", &["lx570", "lx 570"]),
    ]},
    Make { name: "Subaru", aliases: &["субару"], cased: &[], models: &[
        m("Forester", &["форестер"]),
        m("Outback", &["аутбек", "аутбэк"]),
        m("Impreza", &["импреза", "імпреза"]),
        m("XV", &[]),
        m("Legacy", &["легаси", "легасі"]),
    ]},
    Make { name: "Renault", aliases: &["рено"], cased: &[], models: &[
        m("Logan", &["логан"]),
        m("Duster", &["дастер"]),
        m("Megane", &["mégane", "меган"]),
        m("Sandero", &["сандеро"]),
        m("Kangoo", &["кенго", "канго"]),
        m("Clio", &["клио", "кліо"]),
        m("Fluence", &["флюенс"]),
        m("Trafic", &["трафик", "трафік"]),
    ]},
    Make { name: "Peugeot", aliases: &["пежо"], cased: &[], models: &[
        m("208", &[]), m("301", &[]), m("307", &[]), m("308", &[]), m("407", &[]), m("508", &[]),
        m("2008", &[]), m("3008", &[]), m("5008", &[]),
        m("Partner", &["партнер"]),
        m("Expert", &["эксперт", "експерт"]),
    ]},
    Make { name: "Citroen", aliases: &["citroën", "ситроен", "сітроен"], cased: &[], models: &[
        m("C4", &["с4"]),
        m("C5", &["с5"]),
        m("Berlingo", &["берлинго", "берлінго"]),
        m("C-Elysee", &["c-elysée", "c elysee"]),
    ]},
    Make { name: "Opel", aliases: &["опель"], cased: &[], models: &[
        m("Astra", &["астра"]),
        m("Vectra", &["вектра"]),
        m("Insignia", &["инсигния", "інсігнія"]),
        m("Corsa", &["корса"]),
        m("Zafira", &["зафира", "зафіра"]),
        m("Vivaro", &["виваро", "віваро"]),
    ]},
    Make { name: "Chevrolet", aliases: &["chevy", "шевроле", "шевролет"], cased: &[], models: &[
        m("Aveo", &["авео"]),
        m("Lacetti", &["лачетти", "лачетті"]),
        m("Cruze", &["круз"]),
        m("Volt", &["вольт"]),
        m("Bolt", &["болт"]),
        m("Malibu", &["малибу", "малібу"]),
        m("Captiva", &["каптива", "каптіва"]),
        m("Tahoe", &["тахо"]),
    ]},
    Make { name: "Daewoo", aliases: &["дэу", "деу", "дэо"], cased: &[], models: &[
        m("Lanos", &["ланос"]),
        m("Sens", &["сенс"]),
        m("Matiz", &["матиз", "матіз"]),
        m("Nexia", &["нексия", "нексія"]),
        m("Gentra", &["джентра"]),
    ]},
    Make { name: "Lada", aliases: &["лада", "ваз", "vaz", "жигули"], cased: &[], models: &[
        m("Priora", &["приора", "пріора"]),
        m("Granta", &["гранта"]),
        m("Vesta", &["веста"]),
        m("Kalina", &["калина"]),
        m("Niva", &["нива", "нива 4x4", "niva 4x4"]),
        m("Largus", &["ларгус"]),
        m("2101", &[]), m("2106", &[]), m("2107", &[]), m("2109", &[]), m("21099", &[]), m("2110", &[]),
    ]},
    Make { name: "ZAZ", aliases: &["заз"], cased: &[], models: &[
        m("Forza", &["форза"]),
        m("Vida", &["вида", "віда"]),
        m("Tavria", &["таврия", "таврія"]),
    ]},
    Make { name: "UAZ", aliases: &["уаз"], cased: &[], models: &[
        m("Patriot", &["патриот"]),
        m("Hunter", &["хантер"]),
    ]},
    Make { name: "Tesla", aliases: &["тесла"], cased: &[], models: &[
        m("Model 3", &["model3", "модель 3"]),
        m("Model Y", &["modely", "модель y"]),
        m("Model S", &["модель s"]),
        m("Model X", &["модель x"]),
    ]},
    Make { name: "Volvo", aliases: &["вольво"], cased: &[], models: &[
        m("XC60", &["xc 60", "xc-60"]),
        m("XC90", &["xc 90", "xc-90"]),
        m("XC40", &["xc 40"]),
        m("S60", &[]),
        m("S80", &[]),
        m("V40", &[]),
        m("V60", &[]),
    ]},
    Make { name: "Land Rover", aliases: &["landrover", "ленд ровер", "ленд-ровер", "лэнд ровер"], cased: &[], models: &[
        m("Range Rover Sport", &["рендж ровер спорт", "рейндж ровер спорт"]),
        m("Range Rover Evoque", &["evoque", "эвок", "евок"]),
        m("Range Rover", &["рендж ровер", "рейндж ровер"]),
        m("Discovery", &["дискавери", "діскавері"]),
        m("Defender", &["дефендер"]),
        m("Freelander", &["фрилендер", "фрілендер"]),
    ]},
    Make { name: "Jeep", aliases: &[], cased: &[], models: &[
        m("Grand Cherokee", &["гранд чероки", "гранд черокі"]),
        m("Cherokee", &["чероки", "черокі"]),
        m("Compass", &["компас"]),
        m("Renegade", &["ренегейд", "ренегад"]),
        m("Wrangler", &["вранглер", "ранглер"]),
    ]},
    Make { name: "Porsche", aliases: &["порше"], cased: &[], models: &[
        m("Cayenne", &["кайен"]),
        m("Macan", &["макан"]),
        m("Panamera", &["панамера"]),
        m("911", &[]),
    ]},
    Make { name: "Dodge", aliases: &["додж"], cased: &[], models: &[
        m("Challenger", &["челленджер"]),
        m("Charger", &["чарджер"]),
        m("Journey", &["джорни", "джорні"]),
        m("Durango", &["дуранго"]),
    ]},
    Make { name: "Chrysler", aliases: &["крайслер"], cased: &[], models: &[
        m("300C", &["300c"]),
        m("200", &[]),
        m("Pacifica", &["пасифика"]),
    ]},
    Make { name: "Infiniti", aliases: &["инфинити", "інфініті"], cased: &[], models: &[
        m("QX50", &["qx 50"]), m("QX60", &["qx 60"]), m("QX70", &["qx 70"]), m("FX35", &["fx 35"]), m("Q50", &[]),
    ]},
    Make { name: "Acura", aliases: &["акура"], cased: &[], models: &[
        m("MDX", &[]), m("RDX", &[]), m("TLX", &[]),
    ]},
    Make { name: "Fiat", aliases: &["фиат", "фіат"], cased: &[], models: &[
        m("Doblo", &["добло"]),
        m("500", &[]),
        m("Tipo", &[]),
        m("Punto", &["пунто"]),
    ]},
    Make { name: "Dacia", aliases: &["дачия", "дачія"], cased: &[], models: &[
        m("Logan", &["логан"]), m("Duster", &["дастер"]), m("Sandero", &["сандеро"]),
    ]},
    Make { name: "SEAT", aliases: &["сеат"], cased: &["SEAT"], models: &[
        m("Leon", &["леон"]), m("Ibiza", &["ибица", "ібіца"]), m("Ateca", &[]),
    ]},
    Make { name: "Mini", aliases: &[], cased: &["MINI", "Mini"], models: &[
        m("Cooper", &["купер"]), m("Countryman", &[]),
    ]},
    Make { name: "Geely", aliases: &["джили", "джилі"], cased: &[], models: &[
        m("Emgrand", &["эмгранд", "емгранд"]), m("Coolray", &[]),
    ]},
    Make { name: "Chery", aliases: &["чери", "чері"], cased: &[], models: &[
        m("Tiggo", &["тигго", "тіго", "тиго"]), m("Amulet", &["амулет"]),
    ]},
    Make { name: "BYD", aliases: &["бид"], cased: &[], models: &[
        m("Han", &[]), m("Song Plus", &[]), m("Atto 3", &[]), m("Seal", &[]),
    ]},
    Make { name: "Haval", aliases: &["хавал"], cased: &[], models: &[
        m("H6", &[]), m("Jolion", &["джолион"]),
    ]},
    Make { name: "Great Wall", aliases: &["грейт волл", "грейт вол"], cased: &[], models: &[
        m("Hover", &["ховер"]),
    ]},
    Make { name: "SsangYong", aliases: &["ssang yong", "ссангйонг", "ссанг йонг", "санг йонг"], cased: &[], models: &[
        m("Rexton", &["рекстон"]), m("Kyron", &["кайрон"]), m("Actyon", &["актион"]),
    ]},
    Make { name: "Suzuki", aliases: &["сузуки", "сузукі"], cased: &[], models: &[
        m("Grand Vitara", &["гранд витара", "гранд вітара"]),
        m("Vitara", &["витара", "вітара"]),
        m("SX4", &[]),
        m("Swift", &["свифт"]),
        m("Jimny", &["джимни"]),
    ]},
    Make { name: "Jaguar", aliases: &["ягуар"], cased: &[], models: &[
        m("XF", &[]), m("XE", &[]), m("F-Pace", &["f pace"]), m("XJ", &[]),
    ]},
    Make { name: "Alfa Romeo", aliases: &["альфа ромео"], cased: &[], models: &[
        m("Giulietta", &["джульетта"]), m("Giulia", &[]), m("159", &[]),
    ]},
    Make { name: "Cadillac", aliases: &["кадиллак", "кадилак", "кадилак"], cased: &[], models: &[
        m("Escalade", &["эскалейд", "ескалейд"]), m("CTS", &[]), m("SRX", &[]),
    ]},
    Make { name: "Lincoln", aliases: &["линкольн", "лінкольн"], cased: &[], models: &[
        m("Navigator", &["навигатор"]), m("MKZ", &[]), m("MKX", &[]),
    ]},
    Make { name: "GMC", aliases: &[], cased: &[], models: &[
        m("Yukon", &["юкон"]), m("Sierra", &[]), m("Acadia", &[]),
    ]},
    Make { name: "Hummer", aliases: &["хаммер", "хамер"], cased: &[], models: &[
        m("H2", &[]), m("H3", &[]),
    ]},
    Make { name: "Isuzu", aliases: &["исузу", "ісузу"], cased: &[], models: &[
        m("D-Max", &["dmax"]),
    ]},
    Make { name: "Saab", aliases: &["сааб"], cased: &[], models: &[
        m("9-3", &[]), m("9-5", &[]),
    ]},
    Make { name: "Ravon", aliases: &["равон"], cased: &[], models: &[
        m("R2", &[]), m("R4", &[]),
    ]},
    Make { name: "Iveco", aliases: &["ивеко", "івеко"], cased: &[], models: &[
        m("Daily", &["дейли"]),
    ]},
    Make { name: "MG", aliases: &[], cased: &["MG"], models: &[
        m("ZS", &[]), m("HS", &[]), m("MG4", &[]),
    ]},
    Make { name: "Zeekr", aliases: &["зикр", "зікр"], cased: &[], models: &[
        m("001", &[]), m("7X", &[]),
    ]},
    Make { name: "Daihatsu", aliases: &["дайхатсу"], cased: &[], models: &[
        m("Terios", &["териос"]),
    ]},
    Make { name: "Lifan", aliases: &["лифан", "ліфан"], cased: &[], models: &[
        m("X60", &[]), m("Solano", &["солано"]),
    ]},
    Make { name: "Buick", aliases: &["бьюик"], cased: &[], models: &[
        m("Encore", &[]), m("Envision", &[]),
    ]},
];

/// Model aliases that are ordinary words (or too short); they are recognised only after their make,
/// never used alone to infer a make.
#[rustfmt::skip]
pub(crate) const NOT_INFERRED: &[&str] = &[
    "superb", "rapid", "focus", "фокус", "accord", "аккорд", "polo", "поло", "golf", "гольф",
    "leaf", "note", "rogue", "escape", "edge", "fusion", "jazz", "hunter", "patriot", "патриот",
    "volt", "bolt", "partner", "партнер", "expert", "эксперт", "compass", "компас", "journey",
    "discovery", "defender", "explorer", "transit", "транзит", "sonata", "соната", "accent",
    "акцент", "optima", "cooper", "купер", "калина", "нива", "веста", "гранта", "astra", "астра",
    "vida", "вида", "forza", "tipo", "сид", "рио", "жук", "рог", "лиф", "круз", "вольт", "болт",
    "сенс", "sens", "мустанг", "mustang", "daily", "seal", "song plus", "navigator", "навигатор",
    "encore", "envision", "sierra", "terios", "swift", "legacy", "impreza", "outback", "charger",
    "challenger", "pacifica", "leon", "леон", "amulet", "амулет", "hover", "ховер", "кона", "kona",
    "creta", "крета", "giulia", "trafic", "clio", "vivaro", "yeti", "ateca", "countryman",
    "coolray", "largus", "vitara", "model s", "model x", "model y", "tahoe", "тахо", "malibu",
    "escalade", "juke", "corsa", "корса", "matiz", "lanos", "nexia", "ноут", "акорд",
];

/// Tokens after a make that are not a model name (used when the model is not in the table).
#[rustfmt::skip]
const NOT_A_MODEL: &[&str] = &[
    "for", "sale", "in", "with", "and", "the", "is", "new", "from", "car", "used", "good", "great",
    "on", "at", "to", "a", "an", "my", "our", "of", "only", "urgent", "sold", "price",
];

/// A make's model regexes (all aliases; aliases with a letter) and the alias → model lookup.
struct ModelIndex {
    all: Words,
    lettered: Option<Words>,
    by_key: HashMap<String, usize>,
}

struct Index {
    make_re: Words,
    make_by_key: HashMap<String, usize>,
    /// Per make, `None` when the table has no models for it.
    models: Vec<Option<ModelIndex>>,
    inferred_re: Words,
    inferred_by_key: HashMap<String, (usize, usize)>,
}

fn model_aliases(model: &Model) -> impl Iterator<Item = String> + '_ {
    std::iter::once(model.name.to_lowercase()).chain(model.aliases.iter().map(|a| a.to_lowercase()))
}

fn has_letter(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut make_by_key = HashMap::new();
    let mut insensitive: Vec<String> = Vec::new();
    let mut cased: Vec<&str> = Vec::new();
    for (i, make) in MAKES.iter().enumerate() {
        // A name that is also an ordinary word (`Seat`, `Mini`) is listed in `cased` only.
        let name = (!make.cased.contains(&make.name)).then_some(&make.name);
        for alias in name.into_iter().chain(make.aliases.iter()) {
            let lower = alias.to_lowercase();
            make_by_key.entry(lower.clone()).or_insert(i);
            insensitive.push(lower);
        }
        for alias in make.cased {
            make_by_key.entry(alias.to_lowercase()).or_insert(i);
            cased.push(alias);
        }
    }
    // Whole words: the case-insensitive aliases first, then the cased ones.
    let mut make_pattern = format!(
        "(?i:{})",
        text::alternation(insensitive.iter().map(String::as_str))
    );
    if !cased.is_empty() {
        make_pattern = format!(
            "{make_pattern}|(?-i:{})",
            text::alternation(cased.iter().copied())
        );
    }
    let mut models = Vec::new();
    let mut inferred_by_key = HashMap::new();
    for (mi, make) in MAKES.iter().enumerate() {
        if make.models.is_empty() {
            models.push(None);
            continue;
        }
        let mut by_key = HashMap::new();
        let mut all = Vec::new();
        for (ki, model) in make.models.iter().enumerate() {
            for alias in model_aliases(model) {
                by_key.entry(alias.clone()).or_insert(ki);
                let inferable = alias.chars().count() >= 4
                    && has_letter(&alias)
                    && !NOT_INFERRED.contains(&alias.as_str());
                if inferable {
                    inferred_by_key.entry(alias.clone()).or_insert((mi, ki));
                }
                all.push(alias);
            }
        }
        let lettered: Vec<&str> = all
            .iter()
            .map(String::as_str)
            .filter(|a| has_letter(a))
            .collect();
        let lettered_re = (!lettered.is_empty()).then(|| text::words_regex(lettered));
        models.push(Some(ModelIndex {
            all: text::words_regex(all.iter().map(String::as_str)),
            lettered: lettered_re,
            by_key,
        }));
    }
    let inferred_re = text::words_regex(inferred_by_key.keys().map(String::as_str));
    Index {
        make_re: Words::new(&make_pattern),
        make_by_key,
        models,
        inferred_re,
        inferred_by_key,
    }
});

/// What [`identify`] found.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Identified {
    pub make: Option<&'static str>,
    pub model: Option<String>,
    /// Where the make and model were written (masked before the year rule: `Peugeot 2008`).
    pub spans: Vec<Range<usize>>,
}

/// Finds the make and model. The first make written wins. Its model is looked for on the rest of
/// that line, then anywhere (lettered aliases only), then taken as the next Latin token after the
/// make (`Toyota Sequoia`). With no make, a distinctive model alias (`Camry`, `Камри`) names both.
pub(crate) fn identify(scan: &str) -> Identified {
    let index = &*INDEX;
    let mut out = Identified::default();
    let Some(make_match) = index.make_re.find(scan) else {
        if let Some(m) = index.inferred_re.find(scan)
            && let Some(&(mi, ki)) = index.inferred_by_key.get(&text::key(&scan[m.clone()]))
        {
            out.make = Some(MAKES[mi].name);
            out.model = Some(MAKES[mi].models[ki].name.to_string());
            out.spans.push(m);
        }
        return out;
    };
    let Some(&mi) = index.make_by_key.get(&text::key(&scan[make_match.clone()])) else {
        return out;
    };
    let make = &MAKES[mi];
    out.make = Some(make.name);
    out.spans.push(make_match.clone());
    let line_end = text::line_at(scan, make_match.start).end;
    if let Some(ModelIndex {
        all,
        lettered,
        by_key,
    }) = &index.models[mi]
    {
        let rest = &scan[make_match.end..line_end];
        let on_line = all.find(rest).map(|m| {
            (
                &rest[m.clone()],
                make_match.end + m.start..make_match.end + m.end,
            )
        });
        let anywhere = || {
            lettered
                .as_ref()
                .and_then(|re| re.find(scan))
                .map(|m| (&scan[m.clone()], m))
        };
        if let Some((matched, span)) = on_line.or_else(anywhere)
            && let Some(&ki) = by_key.get(&text::key(matched))
        {
            out.model = Some(make.models[ki].name.to_string());
            out.spans.push(span);
            return out;
        }
    }
    if let Some((token, span)) = next_token(scan, make_match.end, line_end) {
        out.model = Some(token);
        out.spans.push(span);
    }
    out
}

/// The word after the make, if it looks like a model name: Latin letters and digits with a letter,
/// capitalised or holding a digit (`Sequoia`, `xDrive30d`), not a common word.
fn next_token(scan: &str, from: usize, line_end: usize) -> Option<(String, Range<usize>)> {
    let rest = &scan[from..line_end];
    let skipped = rest.len() - rest.trim_start_matches([' ', '-', ',']).len();
    let start = from + skipped;
    let token: String = scan[start..line_end]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let token = token.trim_end_matches('-').to_string();
    let ok = (2..=20).contains(&token.len())
        && token.chars().any(|c| c.is_ascii_alphabetic())
        && (token.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            || token.chars().any(|c| c.is_ascii_digit()))
        && !text::char_after(scan, start + token.len()).is_some_and(char::is_alphabetic)
        && !NOT_A_MODEL.contains(&token.to_lowercase().as_str());
    ok.then(|| {
        let span = start..start + token.len();
        (token, span)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> (Option<&'static str>, Option<String>) {
        let r = identify(s);
        (r.make, r.model)
    }

    #[test]
    fn table_is_usable() {
        assert!(MAKES.len() >= 40, "{} makes", MAKES.len());
        let word = |c: char| c.is_alphanumeric() || c == '_';
        for make in MAKES {
            for alias in std::iter::once(&make.name)
                .chain(make.aliases)
                .chain(make.cased)
            {
                let first = alias.chars().next().is_some_and(word);
                let last = alias.chars().last().is_some_and(word);
                assert!(
                    first && last,
                    "make alias {alias:?} must start and end with a letter or digit"
                );
            }
            for model in make.models {
                for alias in model_aliases(model) {
                    let first = alias.chars().next().is_some_and(word);
                    let last = alias.chars().last().is_some_and(word);
                    assert!(first && last, "model alias {alias:?} of {}", make.name);
                }
            }
        }
        LazyLock::force(&INDEX);
    }

    #[test]
    fn makes_and_models() {
        assert_eq!(
            id("Toyota Camry 2015"),
            (Some("Toyota"), Some("Camry".into()))
        );
        assert_eq!(
            id("Тойота Камри 2015"),
            (Some("Toyota"), Some("Camry".into()))
        );
        assert_eq!(
            id("Камри 3.5, 2015"),
            (Some("Toyota"), Some("Camry".into()))
        );
        assert_eq!(id("#toyota #camry"), (Some("Toyota"), Some("Camry".into())));
        assert_eq!(
            id("Фольксваген Пассат Б7"),
            (Some("Volkswagen"), Some("Passat".into()))
        );
        assert_eq!(
            id("Шкода Октавія А7"),
            (Some("Skoda"), Some("Octavia".into()))
        );
        assert_eq!(id("Шкода, що продаю"), (Some("Skoda"), None));
        assert_eq!(id("шкода, що продаю"), (None, None));
        assert_eq!(id("БМВ Х5 e70"), (Some("BMW"), Some("X5".into())));
        assert_eq!(
            id("Мерседес E220 W211"),
            (Some("Mercedes-Benz"), Some("E-Class".into()))
        );
        assert_eq!(id("ВАЗ 2107"), (Some("Lada"), Some("2107".into())));
        assert_eq!(
            id("Land Cruiser Prado 150"),
            (Some("Toyota"), Some("Land Cruiser Prado".into()))
        );
        assert_eq!(
            id("Toyota Sequoia 2012"),
            (Some("Toyota"), Some("Sequoia".into()))
        );
        assert_eq!(
            id("Peugeot 2008 2016"),
            (Some("Peugeot"), Some("2008".into()))
        );
        assert_eq!(id("Mazda 6, 2.5"), (Some("Mazda"), Some("6".into())));
        assert_eq!(id("Superb condition"), (None, None));
        assert_eq!(id("Seat belts"), (None, None));
        assert_eq!(id("Tesla announced a recall"), (Some("Tesla"), None));
    }
}
