//! The `teledesk` CLI with `--aws`: resource names from the environment, as `scripts/stack-env` exports
//! them for a deployed stack, here pointing at moto.

use teledesk_e2e::bot_api::BotApi;
use teledesk_e2e::serve::teledesk_bin;
use teledesk_e2e::stores;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_and_webhooks_on_the_deployed_stack() {
    let Some(url) = stores::moto_url() else {
        return;
    };
    let config = stores::moto_config(&url).await;
    let table = format!("cli-aws-{}", std::process::id());
    stores::create_table(&aws_sdk_dynamodb::Client::new(&config), &table).await;
    let queues = stores::create_queues(
        &aws_sdk_sqs::Client::new(&config),
        &format!("cli{}", std::process::id()),
    )
    .await;
    let api = BotApi::start().await;
    let token = api.add_bot(8_000_001, "stack_bot");
    let dir = tempfile::tempdir().unwrap();

    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(teledesk_bin());
        cmd.arg("--aws")
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env("AWS_ENDPOINT_URL", &url)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("TELEDESK_TABLE", &table)
            .env("TELEDESK_BUCKET", "unused-here")
            .env("TELEGRAM_API_BASE", &api.base_url)
            .env_remove("TELEGRAM_BOT_TOKEN");
        for (name, queue_url) in &queues {
            cmd.env(teledesk_ports::queue::queue_url_var(name), queue_url);
        }
        let out = cmd.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (ok, out, err) = run(&["bots", "add", "--token", &token]);
    assert!(ok, "{err}");
    assert!(out.contains("registered @stack_bot"), "{out}");
    let (ok, out, _) = run(&["bots", "list"]);
    assert!(ok && out.contains("8000001\t@stack_bot\tenabled"), "{out}");
    let (ok, _, err) = run(&[
        "webhook",
        "set",
        "8000001",
        "--url",
        "https://abc.execute-api.eu-central-1.amazonaws.com",
    ]);
    assert!(ok, "{err}");
    let (hook, secret) = api.webhook(&token);
    assert_eq!(
        hook,
        "https://abc.execute-api.eu-central-1.amazonaws.com/telegram/8000001"
    );
    assert!(secret.is_some());

    // The bot went to DynamoDB (moto), not to the local data directory.
    let item = aws_sdk_dynamodb::Client::new(&config)
        .get_item()
        .table_name(&table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("BOT#8000001".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("BOT".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(item.item().is_some());
    assert!(
        !dir.path().join("teledesk.db").exists(),
        "--aws must not touch the local data directory"
    );

    let (ok, _, _) = run(&["bots", "remove", "8000001"]);
    assert!(ok);
    let (ok, _, err) = run(&["bots", "remove", "8000001"]);
    assert!(
        !ok && err.trim() == "error: no bot 8000001 is registered",
        "{err}"
    );
    for output in [out, err] {
        assert!(!output.contains(token.split_once(':').unwrap().1));
    }
}

#[test]
fn aws_mode_without_stack_names_is_one_clear_error() {
    let out = std::process::Command::new(teledesk_bin())
        .args(["--aws", "bots", "list"])
        .env_remove("TELEDESK_TABLE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("TELEDESK_TABLE"), "{err}");
}
