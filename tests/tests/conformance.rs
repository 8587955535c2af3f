//! One conformance suite, two adapter sets: every case runs on the embedded adapters and on the AWS
//! adapters against moto.

use teledesk_e2e::{conformance, stores};

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    conformance::$case(&stores::embedded().await).await;
                }
            )*
        }
        mod aws_on_moto {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(s) = stores::moto().await {
                        conformance::$case(&s).await;
                    }
                }
            )*
        }
    };
}

suite!(
    put_get_roundtrip,
    items_over_400_kb_are_refused,
    conditional_writes,
    concurrent_absent_puts_have_one_winner,
    transactions_are_all_or_nothing,
    gsi_queries,
    cursor_paging_both_directions,
    counters_under_concurrency,
    expired_items_are_invisible,
    fifo_order_per_group,
    dedup_ids,
    delays,
    visibility_and_redelivery,
    redrive_to_dead_letter_queue,
    batches_over_ten_are_split,
    files_and_presigned_urls,
    presigned_uploads_and_sizes,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_presigned_urls_cannot_be_forged() {
    conformance::presigned_urls_cannot_be_forged(&stores::embedded().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_dedup_is_per_message_group() {
    conformance::dedup_is_per_message_group(&stores::embedded().await).await;
}

/// The queues the AWS tests create on moto are the template's: each queue's visibility timeout,
/// retention, FIFO settings and redrive in template.yaml are the numbers in `teledesk_queues()`.
#[test]
fn the_template_defines_the_queues_the_specs_describe() {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml"))
            .expect("template.yaml");
    // A resource's block: its line at two spaces' indentation and the deeper lines after it.
    let resource = |name: &str| -> String {
        let head = format!("  {name}:");
        let mut lines = template.lines().skip_while(|l| *l != head);
        assert!(lines.next().is_some(), "{name} is not in template.yaml");
        lines
            .take_while(|l| l.is_empty() || l.starts_with("    "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for q in teledesk_ports::queue::teledesk_queues() {
        let logical: String = q
            .name
            .replace("-dlq", "-dead-letter")
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
            })
            .collect();
        let block = resource(&format!("{logical}Queue"));
        let has = |line: &str| block.lines().any(|l| l.trim() == line);
        assert!(
            has(&format!(
                "MessageRetentionPeriod: {}",
                q.retention.as_secs()
            )),
            "{logical}: {block}"
        );
        if q.dead_letter.is_some() {
            assert!(
                has(&format!(
                    "VisibilityTimeout: {}",
                    q.visibility_timeout.as_secs()
                )),
                "{logical}: {block}"
            );
        }
        assert_eq!(has("FifoQueue: true"), q.fifo, "{logical}: {block}");
        if let Some((_, max)) = &q.dead_letter {
            assert!(
                has(&format!("maxReceiveCount: {max}")),
                "{logical}: {block}"
            );
            if q.fifo {
                assert!(
                    has("DeduplicationScope: messageGroup"),
                    "{logical}: {block}"
                );
                assert!(
                    has("FifoThroughputLimit: perMessageGroupId"),
                    "{logical}: {block}"
                );
                assert!(
                    has("ContentBasedDeduplication: false"),
                    "{logical}: {block}"
                );
            }
        }
    }
}
