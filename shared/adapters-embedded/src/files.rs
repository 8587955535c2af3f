use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use teledesk_ports::files::{self, FilesError};

/// The Files port on a local folder. Presigned URLs point at [`files_router`] (mounted by
/// `teledesk serve`) and carry an HMAC of key and expiry made with a per-data-dir secret.
pub struct LocalFiles {
    root: PathBuf,
    secret: Vec<u8>,
    base_url: RwLock<String>,
}

fn io(e: std::io::Error) -> FilesError {
    FilesError::Backend(e.to_string())
}

impl LocalFiles {
    pub fn open(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        let key_path = root.join(".presign-key");
        let secret = match std::fs::read(&key_path) {
            Ok(k) if k.len() == 32 => k,
            _ => {
                let k: [u8; 32] = rand::random();
                std::fs::write(&key_path, k)?;
                k.to_vec()
            }
        };
        Ok(LocalFiles {
            root: root.to_path_buf(),
            secret,
            base_url: RwLock::new("http://127.0.0.1:8080".into()),
        })
    }

    /// Where presigned URLs point: the address `teledesk serve` listens on.
    pub fn set_base_url(&self, url: &str) {
        *self.base_url.write().unwrap_or_else(|p| p.into_inner()) =
            url.trim_end_matches('/').to_owned();
    }

    fn path(&self, key: &str) -> Result<PathBuf, FilesError> {
        files::validate_key(key)?;
        Ok(self.root.join("objects").join(key))
    }

    /// An HMAC over the operation (a GET signs the key and expiry as before; a PUT signs `put`,
    /// the content type, key and expiry), so a download link cannot be used to upload.
    fn signature(&self, op: Option<&str>, key: &str, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        if let Some(op) = op {
            mac.update(format!("{op}\n").as_bytes());
        }
        mac.update(format!("{key}\n{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn verify(&self, op: Option<&str>, key: &str, expires: i64, signature: &str) -> bool {
        use subtle::ConstantTimeEq;
        expires > teledesk_ports::now_secs()
            && bool::from(
                self.signature(op, key, expires)
                    .as_bytes()
                    .ct_eq(signature.as_bytes()),
            )
    }

    fn base(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[async_trait]
impl files::Files for LocalFiles {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), FilesError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        // Write aside and rename, so a reader never sees half a file.
        let tmp = path.with_extension(format!("tmp-{}", rand::random::<u64>()));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, FilesError> {
        files::validate_key(key)?;
        let expires = teledesk_ports::now_secs() + expires_in.as_secs() as i64;
        Ok(format!(
            "{}/files/{key}?expires={expires}&signature={}",
            self.base(),
            self.signature(None, key, expires)
        ))
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, FilesError> {
        files::validate_key(key)?;
        let expires = teledesk_ports::now_secs() + expires_in.as_secs() as i64;
        let op = format!("put\n{content_type}");
        Ok(format!(
            "{}/files/{key}?expires={expires}&signature={}",
            self.base(),
            self.signature(Some(&op), key, expires)
        ))
    }

    async fn size(&self, key: &str) -> Result<Option<u64>, FilesError> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }
}

/// The largest body a presigned PUT takes (a bot uploads at most 50 MB).
pub const MAX_PUT_BYTES: usize = 50 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct Presigned {
    expires: i64,
    signature: String,
}

async fn download(
    State(files): State<Arc<LocalFiles>>,
    UrlPath(key): UrlPath<String>,
    Query(q): Query<Presigned>,
) -> Response {
    if files::validate_key(&key).is_err() || !files.verify(None, &key, q.expires, &q.signature) {
        return (StatusCode::FORBIDDEN, "invalid or expired signature").into_response();
    }
    match files::Files::get(files.as_ref(), &key).await {
        Ok(Some(bytes)) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such file").into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "storage error").into_response(),
    }
}

/// A presigned PUT: the signature covers the content type the URL was made for.
async fn upload(
    State(files): State<Arc<LocalFiles>>,
    UrlPath(key): UrlPath<String>,
    Query(q): Query<Presigned>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let op = format!("put\n{ct}");
    if files::validate_key(&key).is_err() || !files.verify(Some(&op), &key, q.expires, &q.signature)
    {
        return (StatusCode::FORBIDDEN, "invalid or expired signature").into_response();
    }
    match files::Files::put(files.as_ref(), &key, body.to_vec(), ct).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "storage error").into_response(),
    }
}

/// `GET /files/{*key}?expires=…&signature=…` and `PUT` the same: what presigned URLs of
/// [`LocalFiles`] download from and upload to.
pub fn files_router(files: Arc<LocalFiles>) -> axum::Router {
    axum::Router::new()
        .route("/files/{*key}", axum::routing::get(download).put(upload))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_PUT_BYTES))
        .with_state(files)
}
