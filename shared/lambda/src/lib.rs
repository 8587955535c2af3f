//! What every Lambda's `main.rs` calls: set up JSON logs, build the AWS-backed [`Deps`] once per
//! execution environment, and hand events to the shared handlers of `teledesk-app`.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use teledesk_app::batch::QueueNames;
use teledesk_app::{Deps, batch, fanout, http, jobs, sync, worker};
use teledesk_ports::queue::JOBS;

pub type Error = lambda_runtime::Error;

/// The ports on DynamoDB, SQS and S3 (names from the environment the template sets), and the
/// Telegram Bot API at `TELEGRAM_API_BASE`.
pub async fn aws_deps() -> Deps {
    let aws = teledesk_aws::AwsAdapters::from_env().await;
    Deps::new(
        Arc::new(aws.table),
        Arc::new(aws.queue),
        Arc::new(aws.files),
        Arc::new(teledesk_telegram::HttpConnector::from_env()),
        teledesk_app::config::Config::from_env().shared(),
    )
}

/// telegram-webhook: `POST /telegram/{bot_id}` on the HTTP API.
pub async fn run_telegram_webhook() -> Result<(), Error> {
    teledesk_app::logging::init_json();
    lambda_http::run(http::webhook_router(aws_deps().await)).await
}

/// api: `/healthz` and `/api/v1/...` on the HTTP API.
pub async fn run_api() -> Result<(), Error> {
    teledesk_app::logging::init_json();
    lambda_http::run(http::api_router(aws_deps().await)).await
}

/// telegram-worker: the `updates` queue, and the `jobs` queue (told apart by the event source ARN).
pub async fn handle_worker_batch(
    deps: &Deps,
    queues: &QueueNames,
    event: SqsEvent,
) -> SqsBatchResponse {
    let queue = event
        .records
        .first()
        .and_then(|r| r.event_source_arn.as_deref())
        .and_then(|a| queues.of_arn(a));
    let records = batch::records_from_sqs(event);
    let failed = match queue {
        Some(JOBS) => jobs::process_jobs(deps, records).await,
        _ => worker::process_updates(deps, records).await,
    };
    batch::sqs_response(failed)
}

pub async fn run_telegram_worker() -> Result<(), Error> {
    teledesk_app::logging::init_json();
    let deps = aws_deps().await;
    let queues = QueueNames::from_env();
    lambda_runtime::run(service_fn(|ev: LambdaEvent<SqsEvent>| {
        let (deps, queues) = (deps.clone(), queues.clone());
        async move { Ok::<_, Error>(handle_worker_batch(&deps, &queues, ev.payload).await) }
    }))
    .await
}

/// webhook-fanout: the `events` queue.
pub async fn run_webhook_fanout() -> Result<(), Error> {
    teledesk_app::logging::init_json();
    let deps = aws_deps().await;
    lambda_runtime::run(service_fn(|ev: LambdaEvent<SqsEvent>| {
        let deps = deps.clone();
        async move {
            let failed = fanout::process_events(&deps, batch::records_from_sqs(ev.payload)).await;
            Ok::<_, Error>(batch::sqs_response(failed))
        }
    }))
    .await
}

/// channel-sync: the EventBridge schedule.
pub async fn run_channel_sync() -> Result<(), Error> {
    teledesk_app::logging::init_json();
    let deps = aws_deps().await;
    lambda_runtime::run(service_fn(|ev: LambdaEvent<Value>| {
        let deps = deps.clone();
        async move {
            let report = sync::run_schedule(&deps, &ev.payload).await?;
            // The tick also sweeps idle scenario conversations (through the jobs queue).
            if let Err(e) = teledesk_app::jobs::queue_sweeps(&deps).await {
                tracing::warn!(error = %e, "idle-conversation sweep not queued");
            }
            Ok::<_, Error>(serde_json::to_value(report)?)
        }
    }))
    .await
}
