//! Worker CPU per /start on the embedded adapters with a zero-latency in-process Telegram: decode the
//! envelope, check the dedup marker, load the bot, decode the update, route, send, mark done.
//! `cargo bench -p teledesk-e2e --bench worker`

use std::sync::atomic::{AtomicI64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use teledesk_app::batch::{Outcome, Record};
use teledesk_app::worker;
use teledesk_e2e::null_telegram::bench_env;

fn start_envelope(id: i64) -> String {
    format!(
        r#"{{"bot_id":"1","update":{{"update_id":{id},"message":{{"message_id":{id},"date":1790000000,"chat":{{"id":42,"type":"private","first_name":"Ann"}},"from":{{"id":42,"is_bot":false,"first_name":"Ann"}},"text":"/start","entities":[{{"type":"bot_command","offset":0,"length":6}}]}}}}}}"#
    )
}

/// Handles one new /start update; every call uses the next update id.
async fn one_start(deps: &teledesk_app::Deps, next: &AtomicI64) {
    let id = next.fetch_add(1, Ordering::Relaxed);
    let record = Record {
        message_id: id.to_string(),
        body: start_envelope(id),
        ..Default::default()
    };
    assert_eq!(worker::handle_record(deps, record).await, Outcome::Done);
}

fn bench(c: &mut Criterion) {
    let env = bench_env("bench-secret-0123456789");
    let (rt, deps, null) = (&env.rt, &env.deps, &env.null);
    let next = AtomicI64::new(1);
    c.bench_function(
        "worker: /start in a private chat (embedded, null Telegram)",
        |b| b.to_async(rt).iter(|| one_start(deps, &next)),
    );
    c.bench_function("worker: /start, CPU time (embedded, null Telegram)", |b| {
        b.to_async(rt).iter_custom(|iters| {
            let next = &next;
            async move {
                let cpu = teledesk_e2e::process_cpu_time();
                for _ in 0..iters {
                    one_start(deps, next).await;
                }
                teledesk_e2e::process_cpu_time() - cpu
            }
        })
    });
    assert!(
        null.0.sent.load(Ordering::Relaxed) > 0,
        "the benchmark sent replies"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
