//! `teledesk seed`: a production-like catalog for demos and tests. Posts are written the way dealers
//! write them (three languages, several price and mileage styles), then stored through the same
//! parser and store as synced posts, from a fixed source (`src_seed`). The same posts always give
//! the same listing ids and texts, so seeding twice changes nothing.

use teledesk_catalog::Category;
use teledesk_catalog::preview::PreviewPost;
use teledesk_ports::table::TableError;

use super::store::{self, Stored};
use super::{ChannelSource, SourceKind, get_source, save_source};
use crate::Deps;

pub const SEED_SOURCE_ID: &str = "src_seed";
pub const SEED_CHANNEL: &str = "teledesk_demo_cars";

const CARS: &[(&str, &str)] = &[
    ("Toyota", "Camry"),
    ("Toyota", "RAV4"),
    ("Honda", "Civic"),
    ("Volkswagen", "Passat"),
    ("Volkswagen", "Golf"),
    ("Skoda", "Octavia"),
    ("BMW", "X5"),
    ("BMW", "320"),
    ("Mercedes-Benz", "E220"),
    ("Audi", "A4"),
    ("Audi", "Q5"),
    ("Hyundai", "Tucson"),
    ("Kia", "Sportage"),
    ("Nissan", "Qashqai"),
    ("Mazda", "CX-5"),
    ("Ford", "Focus"),
    ("Renault", "Megane"),
    ("Lexus", "RX"),
    ("Mitsubishi", "Outlander"),
    ("Subaru", "Forester"),
];
const CITIES_RU: &[&str] = &["Киев", "Одесса", "Харьков", "Днепр", "Львов"];
const CITIES_UK: &[&str] = &["Київ", "Одеса", "Вінниця", "Полтава", "Житомир"];
const CITIES_EN: &[&str] = &["Kyiv", "Lviv", "Warsaw", "Krakow", "Odesa"];
const FUEL_RU: &[&str] = &["бензин", "дизель", "газ/бензин", "гибрид"];
const FUEL_UK: &[&str] = &["бензин", "дизель", "газ/бензин", "гібрид"];
const FUEL_EN: &[&str] = &["petrol", "diesel", "hybrid", "petrol"];

/// How many posts the seed writes.
pub const SEED_POSTS: usize = 60;

/// The seed's posts (deterministic).
pub fn posts() -> Vec<PreviewPost> {
    (0..SEED_POSTS)
        .map(|i| {
            let (make, model) = CARS[i % CARS.len()];
            let year = 2008 + (i * 7 % 16) as i64;
            let price = 4_500 + (i * 1_337 % 38_000) as i64 / 100 * 100;
            let km = 30 + (i * 53 % 240) as i64;
            let thousands = format!("{} {:03}", price / 1000, price % 1000);
            let text = match i % 3 {
                0 => format!(
                    "🚗 {make} {model} {year} г.\n💰 Цена: ${thousands}, торг\n📍 {}\nПробег {km} тыс. км, {}, автомат\nТел: +38067{:07}",
                    CITIES_RU[i % CITIES_RU.len()],
                    FUEL_RU[i % FUEL_RU.len()],
                    1_000_000 + i * 7919 % 8_999_999
                ),
                1 => format!(
                    "Продаю {make} {model}, {year} рік\nЦіна {thousands} $\nПробіг {km} тис. км\n{}, механіка\nМісто: {}\n@seller_{i}",
                    FUEL_UK[i % FUEL_UK.len()],
                    CITIES_UK[i % CITIES_UK.len()]
                ),
                _ => format!(
                    "FOR SALE: {make} {model} {year}\nPrice: €{thousands}\nMileage: {km}k km, {}, automatic\nLocation: {}\nCall +48 600 {:03} {:03}",
                    FUEL_EN[i % FUEL_EN.len()],
                    CITIES_EN[i % CITIES_EN.len()],
                    100 + i % 900,
                    200 + i * 3 % 700
                ),
            };
            let id = 1000 + i as i64 * 3;
            PreviewPost {
                channel: SEED_CHANNEL.into(),
                message_id: id,
                member_ids: vec![id],
                date: Some(1_780_000_000 + i as i64 * 3_600),
                url: format!("https://t.me/{SEED_CHANNEL}/{id}"),
                text,
                photos: Vec::new(),
                links: Vec::new(),
                forwarded_from: None,
                views: None,
                edited: false,
                reply_to: None,
            }
        })
        .collect()
}

/// What a seed did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    pub new: usize,
    pub unchanged: usize,
    pub other: usize,
}

/// Seeds `workspace`'s catalog (idempotent).
pub async fn seed(deps: &Deps, workspace: &str) -> Result<Seeded, TableError> {
    let source = match get_source(deps, workspace, SEED_SOURCE_ID).await? {
        Some(s) => s,
        None => {
            let mut s = ChannelSource::new(
                workspace,
                SEED_CHANNEL,
                SourceKind::Preview,
                Category::Vehicles,
            );
            s.id = SEED_SOURCE_ID.into();
            // The demo channel does not exist: the schedule must leave it alone.
            s.enabled = false;
            save_source(deps, &s).await?
        }
    };
    let mut out = Seeded::default();
    let now = teledesk_ports::now_secs();
    for post in posts() {
        match store::store_post(deps, &source, &post, Vec::new(), now).await? {
            Stored::New { .. } => out.new += 1,
            Stored::Unchanged => out.unchanged += 1,
            _ => out.other += 1,
        }
    }
    Ok(out)
}
