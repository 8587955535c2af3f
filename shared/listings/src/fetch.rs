//! Where a channel's posts come from. [`PostSource`] is the seam: the public web preview
//! ([`PreviewSource`], `https://t.me/s/<channel>`, base URL `TELEGRAM_PREVIEW_BASE`) today; the
//! bot's own `channel_post` updates arrive through the webhook path instead; an MTProto user
//! client could implement the same trait later.

use std::time::Duration;

use async_trait::async_trait;
use teledesk_catalog::preview::{self, PreviewPage};

/// `TELEGRAM_PREVIEW_BASE`: where preview pages are read (tests and mirrors serve them locally).
pub use teledesk_bot::config::{DEFAULT_PREVIEW_BASE, PREVIEW_BASE_VAR};
/// The largest photo downloaded.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// 429: come back after this many seconds.
    #[error("rate limited: retry after {0} s")]
    RateLimited(u64),
    #[error("{0}")]
    Failed(String),
}

/// A page of a channel's posts, newest page when `before` is None, else the posts older than it.
#[async_trait]
pub trait PostSource: Send + Sync {
    async fn page(&self, channel: &str, before: Option<i64>) -> Result<PreviewPage, FetchError>;
    /// A photo's bytes (the preview's CDN links expire: photos are copied at sync time).
    async fn photo(&self, url: &str) -> Result<Vec<u8>, FetchError>;
}

/// The public web preview over HTTP.
pub struct PreviewSource {
    base: String,
    client: reqwest::Client,
}

impl PreviewSource {
    /// The preview pages of a configuration (its base URL, its one HTTP client).
    pub fn of(config: &teledesk_bot::config::Config) -> Self {
        PreviewSource {
            base: config.preview_base.trim_end_matches('/').to_owned(),
            client: config.http_client().clone(),
        }
    }

    pub fn new(base: &str) -> Self {
        PreviewSource {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .user_agent(concat!("Teledesk/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("a TLS backend is compiled in"),
        }
    }

    async fn get(&self, url: &str, limit: usize) -> Result<Vec<u8>, FetchError> {
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| FetchError::Failed(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status == 429 {
            let after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(60);
            return Err(FetchError::RateLimited(after));
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Failed(format!("HTTP {status}")));
        }
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::Failed(e.without_url().to_string()))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > limit {
                return Err(FetchError::Failed(format!("larger than {limit} bytes")));
            }
        }
        Ok(body)
    }
}

#[async_trait]
impl PostSource for PreviewSource {
    async fn page(&self, channel: &str, before: Option<i64>) -> Result<PreviewPage, FetchError> {
        let url = preview::page_url(&self.base, channel, before);
        let body = self.get(&url, 8 * 1024 * 1024).await?;
        Ok(preview::parse_page(&String::from_utf8_lossy(&body)))
    }

    async fn photo(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(FetchError::Failed("not an http(s) URL".into()));
        }
        self.get(url, MAX_PHOTO_BYTES).await
    }
}
