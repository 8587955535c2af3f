//! The webhook-fanout Lambda: everything it does lives in shared code (teledesk-lambda, teledesk-app).

#[tokio::main]
async fn main() -> Result<(), teledesk_lambda::Error> {
    teledesk_lambda::run_webhook_fanout().await
}
