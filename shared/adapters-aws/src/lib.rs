//! AWS adapters for the ports: [`DynamoTable`], [`SqsQueue`], [`S3Files`].
//!
//! Every client honours `AWS_ENDPOINT_URL`, so the same code talks to moto in tests and to AWS in
//! production. Resource names come from the environment the SAM template sets (see [`AwsSettings`]).

mod dynamo;
mod s3;
mod sqs;

use std::collections::HashMap;

pub use dynamo::DynamoTable;
pub use s3::S3Files;
pub use sqs::SqsQueue;

pub use teledesk_ports::queue::queue_url_var;

/// One line about a failed SDK call: the service's error code and message, or the kind of transport
/// failure. Never the raw response: `Debug` of an `SdkError` prints response bodies, which can hold
/// stored secrets (a bot token in a `GetItem` answer).
pub(crate) fn sdk_error_text<E, R>(
    service: &str,
    e: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    use aws_sdk_dynamodb::error::SdkError;
    let kind = match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            return format!(
                "{}: {}",
                err.code().unwrap_or(service),
                err.message().unwrap_or_default()
            );
        }
        SdkError::ConstructionFailure(_) => "request could not be built",
        SdkError::TimeoutError(_) => "timed out",
        SdkError::DispatchFailure(_) => "could not connect",
        SdkError::ResponseError(_) => "unreadable response",
        _ => "unknown failure",
    };
    format!("{service} request failed: {kind}")
}

/// Names of the deployed resources, read from the environment.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// `TELEDESK_TABLE`
    pub table: String,
    /// `TELEDESK_BUCKET`
    pub bucket: String,
    /// Logical queue name → URL, from `TELEDESK_<NAME>_QUEUE_URL`.
    pub queues: HashMap<String, String>,
}

impl AwsSettings {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        let queues = teledesk_ports::queue::teledesk_queues()
            .into_iter()
            .filter_map(|q| {
                std::env::var(queue_url_var(&q.name))
                    .ok()
                    .map(|url| (q.name, url))
            })
            .collect();
        AwsSettings {
            table: var("TELEDESK_TABLE"),
            bucket: var("TELEDESK_BUCKET"),
            queues,
        }
    }
}

/// Loads the shared SDK configuration once (credentials, region, `AWS_ENDPOINT_URL`).
pub async fn sdk_config() -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The three AWS adapters, built once per process.
pub struct AwsAdapters {
    pub table: DynamoTable,
    pub queue: SqsQueue,
    pub files: S3Files,
}

impl AwsAdapters {
    pub async fn from_env() -> Self {
        let config = sdk_config().await;
        Self::new(&config, AwsSettings::from_env())
    }

    pub fn new(config: &aws_config::SdkConfig, settings: AwsSettings) -> Self {
        AwsAdapters {
            table: DynamoTable::new(aws_sdk_dynamodb::Client::new(config), settings.table),
            queue: SqsQueue::new(aws_sdk_sqs::Client::new(config), settings.queues),
            files: S3Files::new(config, settings.bucket),
        }
    }
}
