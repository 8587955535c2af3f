//! Teledesk's configuration: read from the environment once per process ([`Config::from_env`], by
//! each Lambda's `main.rs` and by `serve`), then carried in [`crate::Deps`]. The domain reads no
//! environment variable; a test builds the `Config` it needs instead of changing the process's
//! environment under tests running beside it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::guard::{ALLOWLIST_VAR, AllowList};

/// `TELEGRAM_PREVIEW_BASE`: where channel preview pages are read (default https://t.me).
pub const PREVIEW_BASE_VAR: &str = "TELEGRAM_PREVIEW_BASE";
pub const DEFAULT_PREVIEW_BASE: &str = "https://t.me";
/// A webhook attempt's default timeout.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);
/// A sync run's default time budget (it walks pages for at most half of it).
pub const SYNC_RUN_BUDGET: Duration = Duration::from_secs(30);
/// Timeout of the plain HTTP client (preview pages, photos).
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// `TELEDESK_WEBHOOK_RETRY_SCALE`: multiplies the webhook retry schedule and breaker cool-downs
/// (tests shrink them).
pub const WEBHOOK_SCALE_VAR: &str = "TELEDESK_WEBHOOK_RETRY_SCALE";
/// `TELEDESK_WEBHOOK_LOG_TTL_DAYS`: how long deliveries and attempts are kept (default 30).
pub const WEBHOOK_LOG_TTL_VAR: &str = "TELEDESK_WEBHOOK_LOG_TTL_DAYS";
/// `TELEDESK_WEBHOOK_TIMEOUT_MS`: one attempt's timeout (default 15000).
pub const WEBHOOK_TIMEOUT_VAR: &str = "TELEDESK_WEBHOOK_TIMEOUT_MS";
/// `TELEDESK_SYNC_RUN_SECS`: a sync run's time budget in whole seconds (default 30; 0 stores one
/// page a run).
pub const SYNC_RUN_VAR: &str = "TELEDESK_SYNC_RUN_SECS";
/// `TELEDESK_EMF=1`: write CloudWatch embedded-metric lines outside Lambda too.
pub const EMF_VAR: &str = "TELEDESK_EMF";
/// `TELEDESK_BOT_CACHE_SECS`: how long the webhook trusts its cache of bots (default 30).
pub const BOT_CACHE_VAR: &str = "TELEDESK_BOT_CACHE_SECS";
/// `TELEDESK_DEFAULT_LANGUAGE`: the workspace's language (`en`, `ru` or `uk`; default `en`): for
/// users whose Telegram language is none of the three, and for what the whole team reads.
pub const LANGUAGE_VAR: &str = "TELEDESK_DEFAULT_LANGUAGE";

pub struct Config {
    /// Webhook hosts and networks allowed although internal (`TELEDESK_WEBHOOK_ALLOWLIST`).
    pub webhook_allowlist: AllowList,
    pub webhook_timeout: Duration,
    pub webhook_retry_scale: f64,
    pub webhook_log_ttl_days: i64,
    /// Metric lines on stdout: on Lambda (CloudWatch reads them from the log), or when asked.
    pub emf: bool,
    pub sync_run_budget: Duration,
    /// Where channel preview pages are read (`TELEGRAM_PREVIEW_BASE`, default https://t.me).
    pub preview_base: String,
    /// How long an `Idempotency-Key` request may stay `running` before a retry takes it over (the
    /// first one died, or could not record its answer). Longer than any request runs: API
    /// Gateway gives up after 30 s.
    pub idempotency_lease: Duration,
    /// How long the webhook trusts its cache of enabled bots and their secret hashes: a bot
    /// removed, disabled or given a new secret in another process is seen within this time (the
    /// worker drops updates of a removed bot meanwhile).
    pub bot_cache_ttl: Duration,
    /// The workspace's language ([`LANGUAGE_VAR`]).
    pub language: crate::i18n::Lang,
    /// HTTP clients built on first use from the values above.
    pub clients: Clients,
}

/// The HTTP clients a configuration builds once (connection pools, TLS setup).
#[derive(Default)]
pub struct Clients {
    webhook: OnceLock<reqwest::Client>,
    http: OnceLock<reqwest::Client>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            webhook_allowlist: AllowList::default(),
            webhook_timeout: WEBHOOK_TIMEOUT,
            webhook_retry_scale: 1.0,
            webhook_log_ttl_days: 30,
            emf: false,
            sync_run_budget: SYNC_RUN_BUDGET,
            preview_base: DEFAULT_PREVIEW_BASE.to_owned(),
            idempotency_lease: Duration::from_secs(60),
            bot_cache_ttl: Duration::from_secs(30),
            language: crate::i18n::Lang::DEFAULT,
            clients: Clients::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("webhook_allowlist", &self.webhook_allowlist)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("webhook_retry_scale", &self.webhook_retry_scale)
            .field("webhook_log_ttl_days", &self.webhook_log_ttl_days)
            .field("emf", &self.emf)
            .field("sync_run_budget", &self.sync_run_budget)
            .field("preview_base", &self.preview_base)
            .field("idempotency_lease", &self.idempotency_lease)
            .field("bot_cache_ttl", &self.bot_cache_ttl)
            .field("language", &self.language)
            .finish()
    }
}

impl Config {
    /// The configuration from the process's environment; unset or unreadable values keep their
    /// defaults.
    pub fn from_env() -> Config {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The configuration from any source of variables (tests, or a map).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Config {
        let d = Config::default();
        let num = |k: &str| var(k).and_then(|v| v.trim().parse::<f64>().ok());
        Config {
            webhook_allowlist: AllowList::parse(&var(ALLOWLIST_VAR).unwrap_or_default()),
            webhook_timeout: num(WEBHOOK_TIMEOUT_VAR)
                .filter(|ms| *ms >= 1.0)
                .map_or(d.webhook_timeout, |ms| Duration::from_millis(ms as u64)),
            webhook_retry_scale: num(WEBHOOK_SCALE_VAR)
                .filter(|s| *s > 0.0)
                .unwrap_or(d.webhook_retry_scale),
            webhook_log_ttl_days: num(WEBHOOK_LOG_TTL_VAR)
                .filter(|d| *d >= 1.0)
                .map_or(d.webhook_log_ttl_days, |d| d as i64),
            emf: var("AWS_LAMBDA_FUNCTION_NAME").is_some() || var(EMF_VAR).as_deref() == Some("1"),
            sync_run_budget: num(SYNC_RUN_VAR)
                .filter(|s| *s >= 0.0)
                .map_or(d.sync_run_budget, |s| Duration::from_secs(s as u64)),
            preview_base: var(PREVIEW_BASE_VAR)
                .filter(|b| !b.trim().is_empty())
                .unwrap_or(d.preview_base),
            bot_cache_ttl: num(BOT_CACHE_VAR)
                .filter(|s| *s >= 0.0)
                .map_or(d.bot_cache_ttl, Duration::from_secs_f64),
            language: var(LANGUAGE_VAR)
                .and_then(|l| crate::i18n::Lang::from_code(l.trim()))
                .unwrap_or(d.language),
            ..Config::default()
        }
    }

    /// Shared, for [`crate::Deps`].
    pub fn shared(self) -> Arc<Config> {
        Arc::new(self)
    }

    /// The fan-out's one HTTP client (connection pool, TLS): no redirects, the attempt timeout,
    /// the guarded DNS resolver with this configuration's allow-list.
    pub fn webhook_client(&self) -> &reqwest::Client {
        self.clients
            .webhook
            .get_or_init(|| crate::guard::build_client(self))
    }

    /// The plain HTTP client (public pages: channel previews and their photos), built once.
    pub fn http_client(&self) -> &reqwest::Client {
        self.clients.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(HTTP_TIMEOUT)
                .user_agent(concat!("Teledesk/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("a TLS backend is compiled in")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_and_bad_ones_keep_defaults() {
        let c = Config::from_lookup(|k| match k {
            WEBHOOK_TIMEOUT_VAR => Some("1500".into()),
            WEBHOOK_SCALE_VAR => Some("0.5".into()),
            SYNC_RUN_VAR => Some("0".into()),
            WEBHOOK_LOG_TTL_VAR => Some("-3".into()),
            ALLOWLIST_VAR => Some("127.0.0.1, hooks.internal".into()),
            LANGUAGE_VAR => Some("uk".into()),
            _ => None,
        });
        assert_eq!(c.webhook_timeout, Duration::from_millis(1500));
        assert_eq!(c.webhook_retry_scale, 0.5);
        assert_eq!(c.sync_run_budget, Duration::ZERO);
        assert_eq!(c.webhook_log_ttl_days, 30);
        assert!(c.webhook_allowlist.names_host("hooks.internal"));
        assert!(!c.emf);
        assert_eq!(c.preview_base, DEFAULT_PREVIEW_BASE);
        assert_eq!(c.language, crate::i18n::Lang::Uk);
        let de = Config::from_lookup(|k| (k == LANGUAGE_VAR).then(|| "de".into()));
        assert_eq!(
            de.language,
            crate::i18n::Lang::En,
            "an unknown language keeps the default"
        );
    }
}
