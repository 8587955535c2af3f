//! Teledesk's bot core. It owns the update context ([`ctx::Ctx`]), the router every capability
//! plugs into ([`router`]), conversation sessions ([`session`]), per-user profiles
//! ([`profile`]), the text catalog ([`i18n`]), the home view and `/help` ([`home`]), command
//! menus ([`menu`]), and what every capability shares: the process's dependencies ([`Deps`]), its
//! configuration, the table's key layout ([`keys`]), the bot registry ([`bots`]), webhook ingest
//! ([`ingest`]), the SQS batch semantics ([`batch`]), domain events ([`events`]), queued jobs
//! ([`jobs`]), internal users ([`staff`]), setup codes and the workspace's admin chat.
//!
//! It knows no capability: the desk, listings and the rest depend on it, never the reverse
//! (cargo forbids the cycle).

pub mod admin_chat;
pub mod batch;
pub mod bots;
pub mod commands;
pub mod config;
pub mod counter;
pub mod ctx;
pub mod events;
pub mod guard;
pub mod home;
pub mod html;
pub mod i18n;
pub mod ingest;
pub mod jobs;
pub mod keys;
pub mod logging;
pub mod menu;
pub mod msg;
pub mod profile;
pub mod record;
pub mod router;
pub mod secrets;
pub mod session;
pub mod setup_codes;
pub mod staff;

use std::sync::Arc;

use teledesk_ports::{Files, Queue, Table};
use teledesk_telegram::TelegramConnector;

pub use ctx::{Ctx, DEFAULT_WORKSPACE, Fail, Res};

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
