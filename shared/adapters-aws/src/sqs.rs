use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{MessageSystemAttributeName, SendMessageBatchRequestEntry};
use teledesk_ports::queue::{self, OutMessage, QueueError, Received};

/// The Queue port on SQS. Logical names map to queue URLs; a URL ending in `.fifo` is a FIFO queue.
#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    urls: HashMap<String, String>,
}

impl SqsQueue {
    pub fn new(client: Client, urls: HashMap<String, String>) -> Self {
        SqsQueue { client, urls }
    }

    fn url(&self, name: &str) -> Result<&str, QueueError> {
        self.urls
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| QueueError::UnknownQueue(name.into()))
    }
}

fn backend<E: ProvideErrorMetadata, R>(e: SdkError<E, R>) -> QueueError {
    QueueError::Backend(crate::sdk_error_text("SQS", &e))
}

#[async_trait]
impl queue::Queue for SqsQueue {
    async fn send(&self, queue: &str, messages: Vec<OutMessage>) -> Result<(), QueueError> {
        let url = self.url(queue)?;
        let fifo = url.ends_with(".fifo");
        for chunk in messages.chunks(queue::MAX_BATCH) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, m) in chunk.iter().enumerate() {
                if fifo && !m.delay.is_zero() {
                    return Err(QueueError::Invalid(
                        "a FIFO queue takes no per-message delay".into(),
                    ));
                }
                if m.delay > queue::MAX_DELAY {
                    return Err(QueueError::Invalid("a delay is at most 15 minutes".into()));
                }
                let mut e = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(&m.body);
                if fifo {
                    e = e
                        .set_message_group_id(m.group_id.clone())
                        .set_message_deduplication_id(m.dedup_id.clone());
                } else {
                    e = e.delay_seconds(m.delay.as_secs() as i32);
                }
                entries.push(e.build().map_err(|e| QueueError::Invalid(e.to_string()))?);
            }
            let out = self
                .client
                .send_message_batch()
                .queue_url(url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(backend)?;
            if let Some(f) = out.failed().first() {
                return Err(QueueError::Backend(format!(
                    "SQS refused a message: {} {}",
                    f.code(),
                    f.message().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }

    async fn receive(
        &self,
        queue: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(self.url(queue)?)
            .max_number_of_messages(max.clamp(1, queue::MAX_BATCH) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .visibility_timeout(visibility.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .send()
            .await
            .map_err(backend)?;
        Ok(out
            .messages()
            .iter()
            .map(|m| {
                let attr =
                    |a: MessageSystemAttributeName| m.attributes().and_then(|x| x.get(&a)).cloned();
                Received {
                    message_id: m.message_id().unwrap_or_default().to_owned(),
                    receipt: m.receipt_handle().unwrap_or_default().to_owned(),
                    body: m.body().unwrap_or_default().to_owned(),
                    group_id: attr(MessageSystemAttributeName::MessageGroupId),
                    receive_count: attr(MessageSystemAttributeName::ApproximateReceiveCount)
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(1),
                }
            })
            .collect())
    }

    async fn ack(&self, queue: &str, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(self.url(queue)?)
            .receipt_handle(receipt)
            .send()
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn set_visibility(
        &self,
        queue: &str,
        receipt: &str,
        timeout: Duration,
    ) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(self.url(queue)?)
            .receipt_handle(receipt)
            .visibility_timeout(timeout.as_secs().min(43_200) as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(backend)
    }
}
