//! Worker CPU per scenario step on the embedded adapters with a zero-latency in-process Telegram:
//! a typed answer in a conversation (decode, dedup marker, route, the session read, the engine,
//! the session's conditional write, the exactly-once send of the next question).
//! `cargo bench -p teledesk-e2e --bench scenarios`

use std::sync::atomic::{AtomicI64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use teledesk_app::batch::{Outcome, Record};
use teledesk_app::scenarios::{store, validate::validate};
use teledesk_app::worker;
use teledesk_e2e::null_telegram::bench_env;

/// A text question that loops until the answer is `stop`: every other answer is one step.
const LOOP: &str = r#"{"key": "bench", "title": "Bench", "done": "Done",
  "steps": [{"id": "note", "type": "text", "text": "Anything else? (stop to end)",
             "next": [{"when": {"step": "note", "equals": "stop"}, "goto": "submit"}, {"goto": "note"}]}]}"#;

fn envelope(id: i64, text: &str) -> String {
    let entities = if text.starts_with('/') {
        format!(
            r#","entities":[{{"type":"bot_command","offset":0,"length":{}}}]"#,
            text.find(' ').unwrap_or(text.len())
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"bot_id":"1","update":{{"update_id":{id},"message":{{"message_id":{id},"date":1790000000,"chat":{{"id":42,"type":"private","first_name":"Ann"}},"from":{{"id":42,"is_bot":false,"first_name":"Ann","language_code":"uk"}},"text":"{text}"{entities}}}}}}}"#
    )
}

async fn send(deps: &teledesk_app::Deps, next: &AtomicI64, text: &str) {
    let id = next.fetch_add(1, Ordering::Relaxed);
    let record = Record {
        message_id: id.to_string(),
        body: envelope(id, text),
        ..Default::default()
    };
    assert_eq!(worker::handle_record(deps, record).await, Outcome::Done);
}

fn bench(c: &mut Criterion) {
    let env = bench_env("bench-secret-0123456789");
    let (rt, deps, null) = (&env.rt, &env.deps, &env.null);
    let sc = validate(&serde_json::from_str(LOOP).unwrap()).expect("valid");
    rt.block_on(store::publish(deps.table.as_ref(), "default", &sc, "bench"))
        .expect("publish");
    let next = AtomicI64::new(1);
    rt.block_on(send(deps, &next, "/start s_bench"));
    c.bench_function(
        "worker: scenario step, typed answer (embedded, null Telegram)",
        |b| b.to_async(rt).iter(|| send(deps, &next, "more")),
    );
    c.bench_function(
        "worker: scenario step, CPU time (embedded, null Telegram)",
        |b| {
            b.to_async(rt).iter_custom(|iters| {
                let next = &next;
                async move {
                    let cpu = teledesk_e2e::process_cpu_time();
                    for _ in 0..iters {
                        send(deps, next, "more").await;
                    }
                    teledesk_e2e::process_cpu_time() - cpu
                }
            })
        },
    );
    let s = rt
        .block_on(teledesk_app::session::get(deps, "1", 42, 42))
        .expect("read")
        .expect("the conversation is still on");
    // `cargo test --all-targets` runs each benchmark once: at least one step each.
    assert!(
        s.version >= 3,
        "the benchmark made transitions: {}",
        s.version
    );
    assert!(
        null.0.sent.load(Ordering::Relaxed) >= 3,
        "and sent the questions"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
