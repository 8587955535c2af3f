//! Worker CPU per synced message: a message in a topic linked to one other topic is stored, copied
//! (sendMessage with the attribution line) and recorded, on the embedded adapters with a
//! zero-latency in-process Telegram.
//! `cargo bench -p teledesk-e2e --bench desk`

use std::sync::atomic::{AtomicI64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use teledesk_app::batch::{Outcome, Record};
use teledesk_app::desk::staff::{self, Staff};
use teledesk_app::{Deps, worker};
use teledesk_e2e::null_telegram::bench_env;
use teledesk_ports::table::Query;

const DESK: i64 = -1_001_000_000_001;
const OTHER: i64 = -1_001_000_000_002;
const ALICE: i64 = 501;

fn group(chat: i64) -> Value {
    json!({"id": chat, "type": "supergroup", "title": "Bench group", "is_forum": true})
}

fn message(id: i64, chat: i64, thread: Option<i64>, text: &str) -> Value {
    let mut m = json!({"message_id": id, "date": 1_790_000_000, "chat": group(chat),
        "from": {"id": ALICE, "is_bot": false, "first_name": "Alice"}, "text": text});
    if text.starts_with('/') {
        let len = text.split_whitespace().next().unwrap_or_default().len();
        m["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
    }
    if let Some(t) = thread {
        m["message_thread_id"] = json!(t);
        m["is_topic_message"] = json!(true);
    }
    json!({"message": m})
}

async fn handle(deps: &Deps, id: i64, mut update: Value) {
    update["update_id"] = json!(id);
    let record = Record {
        message_id: id.to_string(),
        body: json!({"bot_id": "1", "update": update}).to_string(),
        ..Default::default()
    };
    assert_eq!(worker::handle_record(deps, record).await, Outcome::Done);
}

/// Two forum groups, the desk, Alice as staff, a ticket whose topic is linked to OTHER's topic 900.
async fn setup(deps: &Deps, next: &AtomicI64) {
    let bot = json!({"id": 1, "is_bot": true, "first_name": "bench_bot"});
    for chat in [DESK, OTHER] {
        let admin = json!({"status": "administrator", "user": bot, "can_be_edited": false,
            "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
            "can_manage_video_chats": false, "can_restrict_members": false, "can_promote_members": false,
            "can_change_info": false, "can_invite_users": true, "can_post_stories": false,
            "can_edit_stories": false, "can_delete_stories": false, "can_manage_topics": true});
        let u = json!({"my_chat_member": {"chat": group(chat), "from": {"id": ALICE, "is_bot": false, "first_name": "A"},
            "date": 1_790_000_000, "old_chat_member": {"status": "left", "user": bot}, "new_chat_member": admin}});
        handle(deps, next.fetch_add(1, Ordering::Relaxed), u).await;
    }
    staff::upsert(
        deps,
        &Staff {
            workspace: "default".into(),
            user_id: ALICE,
            username: Some("alice".into()),
            name: "Alice".into(),
            groups: vec![],
            created_at: 0,
            ..Default::default()
        },
    )
    .await
    .expect("staff");
    let id = next.fetch_add(1, Ordering::Relaxed);
    handle(deps, id, message(id, DESK, None, "/create_ticket Bench")).await;
    let tickets = deps
        .table
        .query(&Query::gsi1("TICKETS#default"))
        .await
        .expect("tickets");
    let thread = tickets.items[0]["thread_id"].as_i64().expect("topic");
    let id = next.fetch_add(1, Ordering::Relaxed);
    let link = format!("/link {OTHER}:900");
    handle(deps, id, message(id, DESK, Some(thread), &link)).await;
}

async fn one_synced(deps: &Deps, next: &AtomicI64) {
    let id = next.fetch_add(1, Ordering::Relaxed);
    handle(
        deps,
        id,
        message(id, OTHER, Some(900), "the part arrives on Tuesday"),
    )
    .await;
}

fn bench(c: &mut Criterion) {
    let env = bench_env("bench-secret-0123456789");
    let (rt, deps, null) = (&env.rt, &env.deps, &env.null);
    let next = AtomicI64::new(1);
    rt.block_on(setup(deps, &next));
    let before = null.0.sent.load(Ordering::Relaxed);
    rt.block_on(one_synced(deps, &next));
    assert_eq!(
        null.0.sent.load(Ordering::Relaxed) - before,
        1,
        "one Telegram call per synced message with one target"
    );
    c.bench_function(
        "worker: synced message, 1 target (embedded, null Telegram)",
        |b| b.to_async(rt).iter(|| one_synced(deps, &next)),
    );
    c.bench_function("worker: synced message, 1 target, CPU time", |b| {
        b.to_async(rt).iter_custom(|iters| {
            let next = &next;
            async move {
                let cpu = teledesk_e2e::process_cpu_time();
                for _ in 0..iters {
                    one_synced(deps, next).await;
                }
                teledesk_e2e::process_cpu_time() - cpu
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
