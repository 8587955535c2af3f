use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use teledesk_ports::files::{self, FilesError};

/// The Files port on one private S3 bucket.
#[derive(Clone)]
pub struct S3Files {
    client: Client,
    bucket: String,
}

impl S3Files {
    pub fn new(config: &aws_config::SdkConfig, bucket: String) -> Self {
        let mut builder = aws_sdk_s3::config::Builder::from(config);
        // moto and other stand-ins answer on one host: address buckets by path there.
        if config.endpoint_url().is_some() {
            builder = builder.force_path_style(true);
        }
        S3Files {
            client: Client::from_conf(builder.build()),
            bucket,
        }
    }
}

fn backend<E: ProvideErrorMetadata, R>(e: SdkError<E, R>) -> FilesError {
    FilesError::Backend(crate::sdk_error_text("S3", &e))
}

#[async_trait]
impl files::Files for S3Files {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), FilesError> {
        files::validate_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError> {
        files::validate_key(key)?;
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => {
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| FilesError::Backend(e.to_string()))?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        files::validate_key(key)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> Result<String, FilesError> {
        files::validate_key(key)?;
        let config = PresigningConfig::expires_in(expires_in)
            .map_err(|e| FilesError::Backend(e.to_string()))?;
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .presigned(config)
            .await
            .map_err(backend)?;
        Ok(req.uri().to_owned())
    }

    async fn size(&self, key: &str) -> Result<Option<u64>, FilesError> {
        files::validate_key(key)?;
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.content_length().unwrap_or(0).max(0) as u64)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, FilesError> {
        files::validate_key(key)?;
        let config = PresigningConfig::expires_in(expires_in)
            .map_err(|e| FilesError::Backend(e.to_string()))?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(backend)?;
        Ok(req.uri().to_owned())
    }
}
