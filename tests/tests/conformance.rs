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
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_presigned_urls_cannot_be_forged() {
    conformance::presigned_urls_cannot_be_forged(&stores::embedded().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_dedup_is_per_message_group() {
    conformance::dedup_is_per_message_group(&stores::embedded().await).await;
}
