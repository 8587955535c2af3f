//! The port conformance suite: the same cases run on the embedded adapters and on the AWS adapters
//! against moto (tests/tests/conformance.rs), so that domain code behaves the same on both.

use std::collections::HashSet;

use std::time::Duration;

use serde_json::{Value, json};
use teledesk_ports::queue::{JOBS, JOBS_DLQ, OutMessage, UPDATES};
use teledesk_ports::table::{Condition, Item, Query, SortKey, TableError, TxOp};

use crate::stores::Stores;

fn item(pk: &str, sk: &str, extra: Value) -> Item {
    let mut m = match extra {
        Value::Object(m) => m,
        _ => Item::new(),
    };
    m.insert("pk".into(), json!(pk));
    m.insert("sk".into(), json!(sk));
    m
}

fn sks(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["sk"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub async fn put_get_roundtrip(s: &Stores) {
    let it = item(
        "P#1",
        "A",
        json!({"n": 42, "neg": -7, "f": 1.5, "b": true, "null": null, "s": "x",
                                      "list": [1, "two", {"three": 3}], "map": {"deep": {"er": [true]}}}),
    );
    s.table.put(it.clone(), Condition::None).await.unwrap();
    assert_eq!(s.table.get("P#1", "A").await.unwrap(), Some(it));
    assert_eq!(s.table.get("P#1", "B").await.unwrap(), None);
    s.table.delete("P#1", "A", Condition::None).await.unwrap();
    assert_eq!(s.table.get("P#1", "A").await.unwrap(), None);
    assert!(matches!(
        s.table
            .put(
                json!({"pk": "x"}).as_object().unwrap().clone(),
                Condition::None
            )
            .await,
        Err(TableError::Invalid(_))
    ));
}

/// DynamoDB's 400 KB item limit holds on both adapters: a larger item is refused as `TooLarge`,
/// in a put and in a transaction, and nothing is written; an item just under it is kept.
pub async fn items_over_400_kb_are_refused(s: &Stores) {
    let t = &s.table;
    let fits = item("BIG", "fits", json!({"blob": "x".repeat(390 * 1024)}));
    t.put(fits.clone(), Condition::None).await.unwrap();
    assert_eq!(t.get("BIG", "fits").await.unwrap(), Some(fits));
    let over = item("BIG", "over", json!({"blob": "y".repeat(401 * 1024)}));
    assert!(matches!(
        t.put(over.clone(), Condition::None).await,
        Err(TableError::TooLarge(n)) if n > 400 * 1024
    ));
    assert!(matches!(
        t.transact(vec![
            TxOp::Put {
                item: item("BIG", "small", json!({})),
                condition: Condition::None
            },
            TxOp::Put {
                item: over,
                condition: Condition::None
            },
        ])
        .await,
        Err(TableError::TooLarge(_))
    ));
    assert_eq!(t.get("BIG", "over").await.unwrap(), None);
    assert_eq!(t.get("BIG", "small").await.unwrap(), None);
}

pub async fn conditional_writes(s: &Stores) {
    let t = &s.table;
    t.put(item("C", "1", json!({"version": 1})), Condition::Absent)
        .await
        .unwrap();
    assert_eq!(
        t.put(item("C", "1", json!({"version": 9})), Condition::Absent)
            .await,
        Err(TableError::ConditionFailed)
    );
    assert_eq!(
        t.put(
            item("C", "1", json!({"version": 2})),
            Condition::VersionEquals(5)
        )
        .await,
        Err(TableError::ConditionFailed)
    );
    t.put(
        item("C", "1", json!({"version": 2})),
        Condition::VersionEquals(1),
    )
    .await
    .unwrap();
    assert_eq!(t.get("C", "1").await.unwrap().unwrap()["version"], json!(2));
    assert_eq!(
        t.put(item("C", "2", json!({})), Condition::Exists).await,
        Err(TableError::ConditionFailed)
    );
    assert_eq!(
        t.put(
            item("C", "2", json!({"version": 1})),
            Condition::VersionEquals(0)
        )
        .await,
        Err(TableError::ConditionFailed)
    );
    assert_eq!(
        t.delete("C", "2", Condition::Exists).await,
        Err(TableError::ConditionFailed)
    );
    assert_eq!(
        t.delete("C", "1", Condition::VersionEquals(1)).await,
        Err(TableError::ConditionFailed)
    );
    t.delete("C", "1", Condition::VersionEquals(2))
        .await
        .unwrap();
    assert_eq!(t.get("C", "1").await.unwrap(), None);
}

pub async fn concurrent_absent_puts_have_one_winner(s: &Stores) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let t = s.table.clone();
        tasks.push(tokio::spawn(async move {
            t.put(item("RACE", "1", json!({"who": i})), Condition::Absent)
                .await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(TableError::ConditionFailed) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(wins, 1);
}

/// Put `T/a` if absent, delete `T/existing` (at `existing_version` if given), check `T/<check_sk>`.
fn three_ops(existing_version: Option<i64>, check_sk: &str, check_version: i64) -> Vec<TxOp> {
    vec![
        TxOp::Put {
            item: item("T", "a", json!({})),
            condition: Condition::Absent,
        },
        TxOp::Delete {
            pk: "T".into(),
            sk: "existing".into(),
            condition: existing_version.map_or(Condition::None, Condition::VersionEquals),
        },
        TxOp::Check {
            pk: "T".into(),
            sk: check_sk.into(),
            condition: Condition::VersionEquals(check_version),
        },
    ]
}

pub async fn transactions_are_all_or_nothing(s: &Stores) {
    let t = &s.table;
    t.put(
        item("T", "existing", json!({"version": 3})),
        Condition::None,
    )
    .await
    .unwrap();
    // DynamoDB refuses two operations on one item in a transaction (here a delete and a check).
    assert!(matches!(
        t.transact(three_ops(None, "existing", 4)).await,
        Err(TableError::Invalid(_))
    ));
    t.put(item("T", "guard", json!({"version": 1})), Condition::None)
        .await
        .unwrap();
    assert_eq!(
        t.transact(three_ops(None, "guard", 2)).await,
        Err(TableError::TransactionCanceled)
    );
    assert_eq!(t.get("T", "a").await.unwrap(), None, "nothing written");
    assert!(
        t.get("T", "existing").await.unwrap().is_some(),
        "nothing deleted"
    );
    t.transact(three_ops(Some(3), "guard", 1)).await.unwrap();
    assert!(t.get("T", "a").await.unwrap().is_some());
    assert_eq!(t.get("T", "existing").await.unwrap(), None);
}

pub async fn gsi_queries(s: &Stores) {
    let t = &s.table;
    for (pk, g, gs) in [
        ("U#1", "ORG", "b"),
        ("U#2", "ORG", "a"),
        ("U#3", "ORG", "c"),
        ("U#4", "OTHER", "a"),
    ] {
        t.put(
            item(pk, "PROFILE", json!({"gsi1pk": g, "gsi1sk": gs})),
            Condition::None,
        )
        .await
        .unwrap();
    }
    t.put(item("U#5", "PROFILE", json!({})), Condition::None)
        .await
        .unwrap(); // not in the index
    let page = t.query(&Query::gsi1("ORG")).await.unwrap();
    let pks: Vec<&str> = page
        .items
        .iter()
        .map(|i| i["pk"].as_str().unwrap())
        .collect();
    assert_eq!(pks, ["U#2", "U#1", "U#3"]);
    let page = t
        .query(
            &Query::gsi1("ORG")
                .sort(SortKey::BeginsWith("c".into()))
                .backward(),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // GSI paging
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = t
            .query(&Query::gsi1("ORG").limit(2).after(cursor))
            .await
            .unwrap();
        seen.extend(
            page.items
                .iter()
                .map(|i| i["pk"].as_str().unwrap().to_owned()),
        );
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["U#2", "U#1", "U#3"]);
}

async fn all_pages(s: &Stores, q: Query) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..100 {
        let page = s.table.query(&q.clone().after(cursor)).await.unwrap();
        assert!(page.items.len() <= q.limit);
        out.extend(sks(&page.items));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
    panic!("paging did not end");
}

pub async fn cursor_paging_both_directions(s: &Stores) {
    let want: Vec<String> = (0..25).map(|i| format!("MSG#{i:03}")).collect();
    for sk in &want {
        s.table
            .put(item("PAGE", sk, json!({})), Condition::None)
            .await
            .unwrap();
    }
    s.table
        .put(item("PAGE", "OTHER#1", json!({})), Condition::None)
        .await
        .unwrap();
    let fwd = all_pages(
        s,
        Query::partition("PAGE")
            .sort(SortKey::BeginsWith("MSG#".into()))
            .limit(7),
    )
    .await;
    assert_eq!(fwd, want);
    let back = all_pages(
        s,
        Query::partition("PAGE")
            .sort(SortKey::BeginsWith("MSG#".into()))
            .limit(7)
            .backward(),
    )
    .await;
    let mut rev = want.clone();
    rev.reverse();
    assert_eq!(back, rev);
    let range = all_pages(
        s,
        Query::partition("PAGE")
            .sort(SortKey::Between("MSG#005".into(), "MSG#009".into()))
            .limit(2),
    )
    .await;
    assert_eq!(range, want[5..=9]);
    let bad = s
        .table
        .query(&Query::partition("PAGE").after(Some("not a cursor!".into())))
        .await;
    assert!(matches!(bad, Err(TableError::Invalid(_))));
}

pub async fn counters_under_concurrency(s: &Stores) {
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let t = s.table.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                t.increment("COUNTER", "hits", "n", 1).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        s.table.increment("COUNTER", "hits", "n", 0).await.unwrap(),
        100
    );
    assert_eq!(
        s.table
            .increment("COUNTER", "hits", "n", -30)
            .await
            .unwrap(),
        70
    );
}

pub async fn expired_items_are_invisible(s: &Stores) {
    let past = teledesk_ports::now_secs() - 10;
    let future = teledesk_ports::now_secs() + 3600;
    s.table
        .put(
            item("TTL", "old", json!({"expires_at": past})),
            Condition::None,
        )
        .await
        .unwrap();
    s.table
        .put(
            item("TTL", "new", json!({"expires_at": future})),
            Condition::None,
        )
        .await
        .unwrap();
    assert_eq!(s.table.get("TTL", "old").await.unwrap(), None);
    assert!(s.table.get("TTL", "new").await.unwrap().is_some());
    assert_eq!(
        sks(&s.table.query(&Query::partition("TTL")).await.unwrap().items),
        ["new"]
    );
    // An expired item counts as absent for conditions: a re-sent update after expiry is new again.
    s.table
        .put(
            item("TTL", "old", json!({"again": true})),
            Condition::Absent,
        )
        .await
        .unwrap();
    assert_eq!(
        s.table
            .put(item("TTL", "new", json!({})), Condition::Absent)
            .await,
        Err(TableError::ConditionFailed)
    );
}

async fn drain(s: &Stores, queue: &str, until: usize, timeout: Duration) -> Vec<String> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while got.len() < until && tokio::time::Instant::now() < deadline {
        for m in s
            .queue
            .receive(queue, 10, Duration::from_secs(1), Duration::from_secs(30))
            .await
            .unwrap()
        {
            got.push(m.body.clone());
            s.queue.ack(queue, &m.receipt).await.unwrap();
        }
    }
    got
}

pub async fn fifo_order_per_group(s: &Stores) {
    let mut msgs = Vec::new();
    for i in 0..5 {
        msgs.push(OutMessage::fifo(format!("a{i}"), "chat-a", format!("a{i}")));
        msgs.push(OutMessage::fifo(format!("b{i}"), "chat-b", format!("b{i}")));
    }
    s.queue.send(UPDATES, msgs).await.unwrap();
    // While one message of a group is in flight, no later message of that group is handed out.
    let first = s
        .queue
        .receive(UPDATES, 1, Duration::from_secs(1), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let held = first[0]
        .group_id
        .clone()
        .expect("FIFO messages carry their group");
    let others = s
        .queue
        .receive(UPDATES, 10, Duration::from_secs(1), Duration::from_secs(30))
        .await
        .unwrap();
    assert!(
        others.iter().all(|m| m.group_id.as_ref() != Some(&held)),
        "group {held} was handed out twice at once"
    );
    for m in others {
        s.queue
            .set_visibility(UPDATES, &m.receipt, Duration::ZERO)
            .await
            .unwrap();
    }
    s.queue
        .set_visibility(UPDATES, &first[0].receipt, Duration::ZERO)
        .await
        .unwrap();
    let got = drain(s, UPDATES, 10, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 10, "got {got:?}");
    for g in ["a", "b"] {
        let order: Vec<&String> = got.iter().filter(|b| b.starts_with(g)).collect();
        let want: Vec<String> = (0..5).map(|i| format!("{g}{i}")).collect();
        assert_eq!(
            order,
            want.iter().collect::<Vec<_>>(),
            "group {g} out of order"
        );
    }
}

pub async fn dedup_ids(s: &Stores) {
    s.queue
        .send(UPDATES, vec![OutMessage::fifo("first", "g", "same-id")])
        .await
        .unwrap();
    s.queue
        .send(UPDATES, vec![OutMessage::fifo("second", "g", "same-id")])
        .await
        .unwrap();
    s.queue
        .send(UPDATES, vec![OutMessage::fifo("third", "g", "other-id")])
        .await
        .unwrap();
    let got = drain(s, UPDATES, 3, Duration::from_secs(4)).await;
    assert_eq!(got, ["first", "third"]);
}

/// Embedded only: deduplication is per message group, as SQS does with the template's
/// `DeduplicationScope: messageGroup`. (moto deduplicates per queue whatever the scope, so this case
/// cannot run there; Teledesk's dedup ids, `<bot>:<update_id>`, never repeat across groups anyway.)
pub async fn dedup_is_per_message_group(s: &Stores) {
    s.queue
        .send(UPDATES, vec![OutMessage::fifo("in g", "g", "same-id")])
        .await
        .unwrap();
    s.queue
        .send(UPDATES, vec![OutMessage::fifo("in h", "h", "same-id")])
        .await
        .unwrap();
    s.queue
        .send(
            UPDATES,
            vec![OutMessage::fifo("again in g", "g", "same-id")],
        )
        .await
        .unwrap();
    let mut got = drain(s, UPDATES, 3, Duration::from_secs(3)).await;
    got.sort();
    assert_eq!(got, ["in g", "in h"]);
}

pub async fn delays(s: &Stores) {
    s.queue
        .send(
            JOBS,
            vec![OutMessage::new("later").delayed(Duration::from_secs(3))],
        )
        .await
        .unwrap();
    s.queue
        .send(JOBS, vec![OutMessage::new("now")])
        .await
        .unwrap();
    let first = s
        .queue
        .receive(JOBS, 10, Duration::from_secs(1), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["now"]
    );
    let later = drain(s, JOBS, 1, Duration::from_secs(10)).await;
    assert_eq!(later, ["later"]);
    let fifo_delay = s
        .queue
        .send(
            UPDATES,
            vec![OutMessage::fifo("x", "g", "d").delayed(Duration::from_secs(1))],
        )
        .await;
    assert!(fifo_delay.is_err(), "FIFO queues take no per-message delay");
}

pub async fn visibility_and_redelivery(s: &Stores) {
    s.queue
        .send(JOBS, vec![OutMessage::new("job")])
        .await
        .unwrap();
    let a = s
        .queue
        .receive(JOBS, 1, Duration::from_secs(1), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].receive_count, 1);
    let hidden = s
        .queue
        .receive(JOBS, 1, Duration::ZERO, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(hidden.is_empty(), "an in-flight message is invisible");
    s.queue
        .set_visibility(JOBS, &a[0].receipt, Duration::ZERO)
        .await
        .unwrap();
    let b = s
        .queue
        .receive(JOBS, 1, Duration::from_secs(2), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].receive_count, 2);
    assert_eq!(b[0].body, "job");
    s.queue.ack(JOBS, &b[0].receipt).await.unwrap();
    assert!(
        s.queue
            .receive(JOBS, 1, Duration::ZERO, Duration::ZERO)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn redrive_to_dead_letter_queue(s: &Stores) {
    s.queue
        .send(JOBS, vec![OutMessage::new("poison")])
        .await
        .unwrap();
    let mut receives = 0;
    for _ in 0..12 {
        let got = s
            .queue
            .receive(JOBS, 1, Duration::from_secs(1), Duration::ZERO)
            .await
            .unwrap();
        receives += got.len();
        if got.is_empty() && receives >= 5 {
            break;
        }
    }
    assert_eq!(
        receives,
        teledesk_ports::queue::MAX_RECEIVES as usize,
        "received as often as the redrive allows"
    );
    let parked = drain(s, JOBS_DLQ, 1, Duration::from_secs(5)).await;
    assert_eq!(parked, ["poison"]);
}

pub async fn batches_over_ten_are_split(s: &Stores) {
    let msgs: Vec<OutMessage> = (0..23).map(|i| OutMessage::new(format!("m{i}"))).collect();
    s.queue.send(JOBS, msgs).await.unwrap();
    let got: HashSet<String> = drain(s, JOBS, 23, Duration::from_secs(15))
        .await
        .into_iter()
        .collect();
    assert_eq!(got.len(), 23);
}

pub async fn files_and_presigned_urls(s: &Stores) {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s.files
        .put(
            "attachments/ab/cd.bin",
            bytes.clone(),
            "application/octet-stream",
        )
        .await
        .unwrap();
    assert_eq!(
        s.files.get("attachments/ab/cd.bin").await.unwrap(),
        Some(bytes.clone())
    );
    assert_eq!(s.files.get("attachments/none").await.unwrap(), None);
    let url = s
        .files
        .presign_get("attachments/ab/cd.bin", Duration::from_secs(300))
        .await
        .unwrap();
    let resp = reqwest::get(&url).await.unwrap();
    assert!(resp.status().is_success(), "{} from {url}", resp.status());
    assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);
    assert!(s.files.put("../escape", vec![1], "x").await.is_err());
    s.files.delete("attachments/ab/cd.bin").await.unwrap();
    assert_eq!(s.files.get("attachments/ab/cd.bin").await.unwrap(), None);
}

/// A presigned PUT stores the request's body; the size is known without reading the bytes, and a
/// read of at most N bytes refuses a larger file before reading it.
pub async fn presigned_uploads_and_sizes(s: &Stores) {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let url = s
        .files
        .presign_put("uploads/upl_1", "application/pdf", Duration::from_secs(300))
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .put(&url)
        .header("content-type", "application/pdf")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{} from {url}", resp.status());
    assert_eq!(s.files.size("uploads/upl_1").await.unwrap(), Some(300_000));
    assert_eq!(s.files.size("uploads/none").await.unwrap(), None);
    assert_eq!(
        s.files.get_at_most("uploads/upl_1", 300_000).await.unwrap(),
        Some(bytes)
    );
    assert_eq!(
        s.files.get_at_most("uploads/upl_1", 299_999).await,
        Err(teledesk_ports::files::FilesError::TooLarge {
            size: 300_000,
            limit: 299_999
        })
    );
}

/// For the embedded adapter only: a tampered or expired signature downloads nothing.
pub async fn presigned_urls_cannot_be_forged(s: &Stores) {
    s.files.put("a/b", vec![1, 2, 3], "x").await.unwrap();
    let url = s
        .files
        .presign_get("a/b", Duration::from_secs(300))
        .await
        .unwrap();
    let forged = url.replace("a/b?", "a/c?");
    assert_eq!(reqwest::get(&forged).await.unwrap().status(), 403);
    let expired = s.files.presign_get("a/b", Duration::ZERO).await.unwrap();
    assert_eq!(reqwest::get(&expired).await.unwrap().status(), 403);
    // A download link does not upload, and an upload link needs its content type.
    let client = reqwest::Client::new();
    assert_eq!(
        client.put(&url).body("x").send().await.unwrap().status(),
        403
    );
    let put = s
        .files
        .presign_put("a/b", "text/plain", Duration::from_secs(300))
        .await
        .unwrap();
    let wrong = client
        .put(&put)
        .header("content-type", "application/pdf")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert_eq!(s.files.get("a/b").await.unwrap(), Some(vec![1, 2, 3]));
}
