//! The Files port: S3 semantics for attachments and photos.

use std::time::Duration;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilesError {
    #[error("invalid file key `{0}`")]
    InvalidKey(String),
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
