//! The Bot API test double as a server of its own, for runs that drive `teledesk serve` from
//! outside (scripts/test's schemathesis run seeds a desk and a ticket through it). It answers on
//! the given loopback port exactly as in the tests, with one bot (`BOT_ID`, token printed), a forum
//! group `GROUP` where that bot and user `ADMIN` are administrators, and every other token refused
//! as Telegram refuses it (401). It runs until killed.
//!
//! `cargo run -p teledesk-e2e --example bot_api_double -- PORT` prints `base_url token` on one line.

use teledesk_e2e::bot_api::BotApi;

pub const BOT_ID: i64 = 7_200_001;
pub const GROUP: i64 = -1_001_200_000_001;
pub const ADMIN: i64 = 7_201;

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: bot_api_double PORT");
    let api = BotApi::start_at(&format!("127.0.0.1:{port}")).await;
    let token = api.add_bot(BOT_ID, "fuzz_desk_bot");
    api.set_member(GROUP, ADMIN, "administrator");
    println!("{} {token}", api.base_url);
    // Spec violations are the tests' concern; this double only answers.
    std::future::pending::<()>().await;
}
