//! Teledesk's entry-point code: every Lambda's `main.rs` and `teledesk serve` build a [`Deps`] once
//! and call into this crate, so both run the same code. It composes the capabilities
//! ([`wiring`]) over the bot core (`teledesk-bot`):
//!
//! - [`worker`]: consumes `updates`, decodes, hands each update to the router;
//! - [`jobs`]: consumes `jobs`, hands each job to the capability of its kind;
//! - [`http`]: the axum routers (`/telegram/{bot_id}`, `/healthz`, `/api/v1`);
//! - [`api`]: the REST API;
//! - re-exported under their old names: the core's modules, [`desk`], [`listings`] (the vehicle
//!   catalog) and [`webhooks`].

pub mod api;
pub mod http;
pub mod jobs;
pub mod wiring;
pub mod worker;

pub use teledesk_bot::{
    Deps, admin_chat, batch, bots, commands, config, counter, events, home, html, i18n, ingest,
    keys, logging, menu, profile, record, router, secrets, session, setup_codes,
};
pub use teledesk_desk as desk;
pub use teledesk_listings as listings;
pub use teledesk_listings::schedule as sync;
pub use teledesk_requests as requests;
pub use teledesk_scenarios as scenarios;
pub use teledesk_webhooks as webhooks;
pub use teledesk_webhooks::fanout;
