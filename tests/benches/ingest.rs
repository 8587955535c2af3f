//! Webhook ingest CPU per update on the embedded adapters: secret check, bot lookup, conditional put
//! of the dedup marker, enqueue on the FIFO queue. Target ≤ 50 µs. `cargo bench -p teledesk-e2e --bench ingest`

use std::sync::atomic::{AtomicI64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use teledesk_app::ingest;
use teledesk_e2e::null_telegram::bench_env;

fn update(id: i64) -> Vec<u8> {
    format!(
        r#"{{"update_id":{id},"message":{{"message_id":{id},"date":1790000000,"chat":{{"id":{chat},"type":"private","first_name":"Ann"}},"from":{{"id":{chat},"is_bot":false,"first_name":"Ann"}},"text":"/start","entities":[{{"type":"bot_command","offset":0,"length":6}}]}}}}"#,
        chat = 1000 + id % 50
    )
    .into_bytes()
}

/// Ingests one update never seen before; every call uses the next update id.
async fn one_new_update(deps: &teledesk_app::Deps, secret: &str, next: &AtomicI64) {
    let body = update(next.fetch_add(1, Ordering::Relaxed));
    let r = ingest::handle_webhook(deps, "1", Some(secret.as_bytes()), &body).await;
    assert_eq!(r, Ok(ingest::Accepted::New));
}

fn bench(c: &mut Criterion) {
    let secret = "bench-secret-0123456789";
    let env = bench_env(secret);
    let (rt, deps) = (&env.rt, &env.deps);
    let next = AtomicI64::new(1);
    c.bench_function("webhook ingest: new update (embedded)", |b| {
        b.to_async(rt).iter(|| one_new_update(deps, secret, &next))
    });
    c.bench_function("webhook ingest: new update, CPU time (embedded)", |b| {
        b.to_async(rt).iter_custom(|iters| {
            let next = &next;
            async move {
                let cpu = teledesk_e2e::process_cpu_time();
                for _ in 0..iters {
                    one_new_update(deps, secret, next).await;
                }
                teledesk_e2e::process_cpu_time() - cpu
            }
        })
    });
    let dup = update(1);
    c.bench_function("webhook ingest: duplicate update (embedded)", |b| {
        b.to_async(rt).iter(|| async {
            let r = ingest::handle_webhook(deps, "1", Some(secret.as_bytes()), &dup).await;
            assert_eq!(r, Ok(ingest::Accepted::Duplicate));
        })
    });
    c.bench_function("webhook ingest: wrong secret", |b| {
        b.to_async(rt).iter(|| async {
            let r = ingest::handle_webhook(deps, "1", Some(b"wrong"), &dup).await;
            assert_eq!(r, Err(ingest::IngestError::Forbidden));
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
