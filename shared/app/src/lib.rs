//! Teledesk's domain and entry-point code. Every Lambda's `main.rs` and `teledesk serve` build a
//! [`Deps`] once and call into this crate, so both run the same code.
//!
//! - [`ingest`]: the Telegram webhook (secret check, update_id dedup, enqueue on `updates`);
//! - [`worker`]: consumes `updates`, decodes, routes to the domain handlers;
//! - [`batch`]: SQS batch semantics shared by Lambdas and `serve` (partial failures, FIFO groups);
//! - [`http`]: the axum routers (`/telegram/{bot_id}`, `/healthz`, `/api/v1`);
//! - [`bots`]: the registry of bots (token, webhook secret);
//! - [`desk`]: the support desk (groups, staff, tickets, private-chat support, links, sync);
//! - [`events`]: domain events on the `events` queue;
//! - [`jobs`], [`fanout`], [`sync`]: the `jobs` and `events` consumers and the channel-sync schedule.

pub mod admin_chat;
pub mod api;
pub mod batch;
pub mod bots;
pub mod catalog;
pub mod commands;
pub mod config;
pub mod counter;
pub mod desk;
pub mod events;
pub mod fanout;
pub mod html;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod keys;
pub mod logging;
pub mod secrets;
pub mod setup_codes;
pub mod sync;
pub mod webhooks;
pub mod worker;

use std::sync::Arc;

use teledesk_ports::{Files, Queue, Table};
use teledesk_telegram::TelegramConnector;

/// Everything a handler needs, built once per process.
#[derive(Clone)]
pub struct Deps {
    pub table: Arc<dyn Table>,
    pub queue: Arc<dyn Queue>,
    pub files: Arc<dyn Files>,
    pub telegram: Arc<dyn TelegramConnector>,
    /// Read once from the environment ([`config::Config::from_env`]).
    pub config: Arc<config::Config>,
    /// Enabled bots and their secret hashes, for the webhook ([`bots::BotCache`]).
    pub bot_cache: Arc<bots::BotCache>,
}

impl Deps {
    pub fn new(
        table: Arc<dyn Table>,
        queue: Arc<dyn Queue>,
        files: Arc<dyn Files>,
        telegram: Arc<dyn TelegramConnector>,
        config: Arc<config::Config>,
    ) -> Deps {
        Deps {
            table,
            queue,
            files,
            telegram,
            config,
            bot_cache: Arc::default(),
        }
    }
}
