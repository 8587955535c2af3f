//! The Files port: S3 semantics for attachments and photos.

use std::time::Duration;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilesError {
    #[error("invalid file key `{0}`")]
    InvalidKey(String),
    #[error("the file is {size} bytes, over the {limit} bytes allowed")]
    TooLarge { size: u64, limit: u64 },
    #[error("files backend error: {0}")]
    Backend(String),
}

#[async_trait]
pub trait Files: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), FilesError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError>;
    async fn delete(&self, key: &str) -> Result<(), FilesError>;
    /// A URL that downloads the bytes with a plain GET until it expires.
    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, FilesError>;
    /// A URL that stores a request's body under `key` with a plain PUT (sent with
    /// `Content-Type: content_type`) until it expires.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, FilesError>;
    /// The size of the stored bytes, without reading them.
    async fn size(&self, key: &str) -> Result<Option<u64>, FilesError>;

    /// [`Files::get`] of at most `limit` bytes: the size is checked before anything is read.
    async fn get_at_most(&self, key: &str, limit: u64) -> Result<Option<Vec<u8>>, FilesError> {
        match self.size(key).await? {
            None => Ok(None),
            Some(size) if size > limit => Err(FilesError::TooLarge { size, limit }),
            Some(_) => self.get(key).await,
        }
    }
}

/// Keys are relative paths of `[A-Za-z0-9._/-]` without `..` segments, safe as S3 keys and file paths.
pub fn validate_key(key: &str) -> Result<(), FilesError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(FilesError::InvalidKey(key.into()))
    }
}
