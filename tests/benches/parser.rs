//! Catalog parser throughput in posts per second, on one core: `teledesk_catalog::parse` over the
//! realistic corpus (`shared/catalog/tests/corpus/*.json`: vehicles in en/ru/uk, generic goods, posts
//! that are not listings), and `preview::parse_page` on a 20-post `t.me/s/` page generated from the
//! same texts by the test double's renderer; and the perceptual hash of a photo
//! (`teledesk_catalog::photo::perceptual_hash`: JPEG decode, thumbnail, dHash) at the sizes the
//! preview serves.
//! `cargo bench -p teledesk-e2e --bench parser`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;
use teledesk_catalog::photo::{perceptual_hash, testing};
use teledesk_catalog::preview::parse_page;
use teledesk_catalog::{Category, Post, parse};
use teledesk_e2e::pages::{FakePost, render_page};

/// The fields of a corpus entry the bench needs (`expect` and the rest are ignored).
#[derive(Deserialize)]
struct Entry {
    category: Category,
    photo_count: usize,
    is_repost: bool,
    text: String,
}

fn corpus() -> Vec<(Post, Category)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/catalog/tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let raw = std::fs::read_to_string(&path).expect("readable corpus file");
        let entries: Vec<Entry> =
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.extend(entries.into_iter().map(|e| {
            let post = Post {
                text: e.text,
                photo_count: e.photo_count,
                is_repost: e.is_repost,
            };
            (post, e.category)
        }));
    }
    assert!(!out.is_empty(), "empty corpus in {}", dir.display());
    out
}

/// 20 posts with the corpus texts (every third with a photo, one album of 3, one forwarded).
fn preview_posts(corpus: &[(Post, Category)]) -> Vec<FakePost> {
    let mut posts = Vec::new();
    let mut id = 5_000;
    for (i, (post, _)) in corpus.iter().cycle().take(20).enumerate() {
        let photos = match i {
            4 => 3,
            i if i % 3 == 0 => 1,
            _ => 0,
        };
        posts.push(FakePost {
            id,
            date: 1_758_708_000 + i as i64 * 600,
            text: post.text.clone(),
            photos,
            forwarded_from: (i == 7).then(|| "Cars Source".to_string()),
            edited: i == 9,
            reply_to: (i == 11).then_some(id - 1),
        });
        id += photos.max(1) as i64;
    }
    posts
}

fn bench(c: &mut Criterion) {
    let corpus = corpus();
    let mut group = c.benchmark_group("catalog parse");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function(format!("corpus mix ({} posts)", corpus.len()), |b| {
        b.iter(|| {
            for (post, category) in &corpus {
                black_box(parse(black_box(post), *category));
            }
        })
    });
    group.finish();

    let posts = preview_posts(&corpus);
    let html = render_page("bench_channel", &posts, Some(4_000), "http://127.0.0.1:1");
    let parsed = parse_page(&html);
    assert_eq!(parsed.posts.len(), posts.len(), "the page round-trips");
    let mut group = c.benchmark_group("preview parse_page");
    group.throughput(Throughput::Elements(posts.len() as u64));
    group.bench_function(
        format!("{} posts, {} KiB page", posts.len(), html.len() / 1024),
        |b| b.iter(|| black_box(parse_page(black_box(&html)))),
    );
    group.finish();

    let mut group = c.benchmark_group("photo perceptual_hash");
    group.throughput(Throughput::Elements(1));
    for (w, h) in [(800, 600), (1280, 960)] {
        let jpeg = testing::jpeg(&testing::scene(3, w, h), 85);
        assert!(perceptual_hash(&jpeg).is_some());
        group.bench_function(format!("{w}x{h} JPEG, {} KiB", jpeg.len() / 1024), |b| {
            b.iter(|| black_box(perceptual_hash(black_box(&jpeg))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
