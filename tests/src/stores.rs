//! Fresh stores for a test: embedded (a temporary data directory, with the presigned-download route
//! served on loopback) or AWS adapters on the moto server the test script started
//! (`TELEDESK_TEST_MOTO_URL`), each with its own table, queues and bucket.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use teledesk_ports::queue::teledesk_queues;
use teledesk_ports::{Files, Queue, Table};

pub struct Stores {
    pub table: Arc<dyn Table>,
    pub queue: Arc<dyn Queue>,
    pub files: Arc<dyn Files>,
    _keep: Box<dyn Any + Send + Sync>,
}

pub async fn embedded() -> Stores {
    let dir = tempfile::tempdir().expect("temp dir");
    let emb =
        teledesk_embedded::Embedded::open(dir.path(), teledesk_queues()).expect("open embedded");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    emb.files
        .set_base_url(&format!("http://{}", listener.local_addr().expect("addr")));
    let app = teledesk_embedded::files_router(emb.files.clone());
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("files route serves")
    });
    Stores {
        table: emb.table.clone(),
        queue: emb.queue.clone(),
        files: emb.files.clone(),
        _keep: Box::new((dir, emb)),
    }
}

/// The moto endpoint `scripts/test` started. Without it the test fails, unless skipping was asked
/// for ([`crate::required_tool`]).
pub fn moto_url() -> Option<String> {
    crate::required_tool("TELEDESK_TEST_MOTO_URL")
}

pub async fn moto_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

/// Creates the single table as template.yaml defines it.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attr")
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .expect("key")
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(vec![
            attr("pk"),
            attr("sk"),
            attr("gsi1pk"),
            attr("gsi1sk"),
        ]))
        .set_key_schema(Some(vec![
            key("pk", KeyType::Hash),
            key("sk", KeyType::Range),
        ]))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("gsi1")
                .set_key_schema(Some(vec![
                    key("gsi1pk", KeyType::Hash),
                    key("gsi1sk", KeyType::Range),
                ]))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("gsi"),
        )
        .send()
        .await
        .expect("create table on moto");
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
                .build()
                .expect("ttl"),
        )
        .send()
        .await
        .expect("enable TTL on moto");
}

/// Creates Teledesk's queues as template.yaml does (dead-letter queues first, with redrive; FIFO
/// deduplication per message group; the specs' visibility timeout and retention) and returns
/// logical name → URL.
pub async fn create_queues(client: &aws_sdk_sqs::Client, prefix: &str) -> HashMap<String, String> {
    let mut urls = HashMap::new();
    let mut specs = teledesk_queues();
    specs.sort_by_key(|q| q.dead_letter.is_some()); // DLQs first
    for q in specs {
        let name = if q.fifo {
            format!("{prefix}-{}.fifo", q.name)
        } else {
            format!("{prefix}-{}", q.name)
        };
        let mut req = client
            .create_queue()
            .queue_name(&name)
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                q.visibility_timeout.as_secs().to_string(),
            )
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                q.retention.as_secs().to_string(),
            );
        if q.fifo {
            req = req
                .attributes(QueueAttributeName::FifoQueue, "true")
                .attributes(QueueAttributeName::ContentBasedDeduplication, "false");
            if q.dead_letter.is_some() {
                req = req
                    .attributes(QueueAttributeName::DeduplicationScope, "messageGroup")
                    .attributes(QueueAttributeName::FifoThroughputLimit, "perMessageGroupId");
            }
        }
        if let Some((dlq, max)) = &q.dead_letter {
            let arn = client
                .get_queue_attributes()
                .queue_url(&urls[dlq])
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .expect("dlq arn")
                .attributes()
                .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
                .expect("arn");
            req = req.attributes(
                QueueAttributeName::RedrivePolicy,
                serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max.to_string()})
                    .to_string(),
            );
        }
        let url = req
            .send()
            .await
            .expect("create queue on moto")
            .queue_url()
            .expect("url")
            .to_owned();
        urls.insert(q.name.clone(), url);
    }
    urls
}

/// AWS adapters on fresh moto resources.
pub async fn moto() -> Option<Stores> {
    let url = moto_url()?;
    let config = moto_config(&url).await;
    let table = unique("teledesk");
    create_table(&aws_sdk_dynamodb::Client::new(&config), &table).await;
    let queues = create_queues(&aws_sdk_sqs::Client::new(&config), &unique("td")).await;
    let bucket = unique("teledesk-files");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket on moto");
    let aws = teledesk_aws::AwsAdapters::new(
        &config,
        teledesk_aws::AwsSettings {
            table,
            bucket,
            queues,
        },
    );
    Some(Stores {
        table: Arc::new(aws.table),
        queue: Arc::new(aws.queue),
        files: Arc::new(aws.files),
        _keep: Box::new(()),
    })
}
