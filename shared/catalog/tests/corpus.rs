//! The realistic corpus: `tests/corpus/*.json`, one array of entries per file.
//!
//! An entry is `{ "id", "lang", "category", "photo_count", "is_repost", "text", "expect" }` (and an
//! optional `note`). `expect` names only the fields it asserts; `null` means the field must be
//! absent. Besides the `Listing` fields, `expect` understands `draft` (`Listing::is_draft`) and
//! `warnings_contain` (each string must be a substring of some warning). Numbers compare with a
//! small tolerance. Every mismatch of every entry is reported before the test fails.
//!
//! Sold notices (`ПРОДАНО`, `SOLD`, `Продано!` on the first line) are not listings: `is_listing` is
//! false and the confidence 0, but the fields are still filled so a caller can find and close the
//! earlier listing of the same car.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use teledesk_catalog::{Category, Listing, PARSER_VERSION, Post, parse};

const CORPUS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
/// Tolerance for numbers (prices are exact; mileages are rounded integers; confidence is f32).
const EPSILON: f64 = 1e-4;

struct Entry {
    file: String,
    id: String,
    lang: String,
    category: Category,
    post: Post,
    expect: serde_json::Map<String, Value>,
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(CORPUS_DIR)
        .expect("tests/corpus exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn str_field(v: &Value, key: &str, file: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{file}: an entry lacks the string {key:?}: {v}"))
        .to_string()
}

fn load() -> Vec<Entry> {
    let mut out = Vec::new();
    for path in corpus_files() {
        let file = file_name(&path);
        let raw = std::fs::read_to_string(&path).expect("readable corpus file");
        let entries: Vec<Value> =
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{file}: invalid JSON: {e}"));
        for v in entries {
            let id = str_field(&v, "id", &file);
            let category: Category = serde_json::from_value(v["category"].clone())
                .unwrap_or_else(|e| panic!("{file}:{id}: bad category: {e}"));
            let post = Post {
                text: str_field(&v, "text", &file),
                photo_count: v["photo_count"].as_u64().unwrap_or(0) as usize,
                is_repost: v["is_repost"].as_bool().unwrap_or(false),
            };
            let expect = v["expect"]
                .as_object()
                .unwrap_or_else(|| panic!("{file}:{id}: no expect object"))
                .clone();
            out.push(Entry {
                lang: str_field(&v, "lang", &file),
                file: file.clone(),
                id,
                category,
                post,
                expect,
            });
        }
    }
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn same(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() <= EPSILON * a.abs().max(1.0),
            _ => false,
        },
        _ => expected == got,
    }
}

/// Every mismatch of one entry, as `file:id field: expected X, got Y`.
fn check(entry: &Entry, listing: &Listing) -> Vec<String> {
    let got = serde_json::to_value(listing).expect("a listing serialises");
    let mut problems = Vec::new();
    let mut report = |field: &str, expected: &Value, actual: &Value| {
        problems.push(format!(
            "{}:{} {field}: expected {expected}, got {actual}",
            entry.file, entry.id
        ));
    };
    for (field, expected) in &entry.expect {
        match field.as_str() {
            "draft" => {
                let actual = Value::Bool(listing.is_draft());
                if !same(expected, &actual) {
                    report(field, expected, &actual);
                }
            }
            "warnings_contain" => {
                for needle in expected.as_array().into_iter().flatten() {
                    let needle = needle.as_str().unwrap_or_default();
                    if !listing.warnings.iter().any(|w| w.contains(needle)) {
                        report(field, &Value::String(needle.to_string()), &got["warnings"]);
                    }
                }
            }
            _ => match got.get(field) {
                Some(actual) if same(expected, actual) => {}
                Some(actual) => report(field, expected, actual),
                None => report(field, expected, &Value::String("<no such field>".into())),
            },
        }
    }
    problems
}

#[test]
fn corpus_matches_expectations() {
    let entries = load();
    let mut problems = Vec::new();
    for entry in &entries {
        let listing = parse(&entry.post, entry.category);
        assert_eq!(listing.parser_version, PARSER_VERSION);
        assert_eq!(listing.description, entry.post.text.trim());
        assert!((0.0..=1.0).contains(&listing.confidence));
        problems.extend(check(entry, &listing));
    }
    assert!(
        problems.is_empty(),
        "{} mismatches in {} corpus entries:\n{}",
        problems.len(),
        entries.len(),
        problems.join("\n")
    );
}

#[test]
fn corpus_covers_what_the_issue_asks_for() {
    let entries = load();
    assert!(entries.len() >= 60, "{} entries", entries.len());
    let mut per_lang: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &entries {
        *per_lang.entry(e.lang.as_str()).or_default() += 1;
    }
    for lang in ["ru", "uk", "en"] {
        let n = per_lang.get(lang).copied().unwrap_or(0);
        assert!(n >= 12, "{n} entries in {lang}");
    }
    let expects = |e: &Entry, key: &str, v: Value| e.expect.get(key) == Some(&v);
    let non_listings = entries
        .iter()
        .filter(|e| expects(e, "is_listing", Value::Bool(false)))
        .count();
    assert!(non_listings >= 8, "{non_listings} non-listings");
    let generic = entries
        .iter()
        .filter(|e| e.category == Category::Generic)
        .count();
    assert!(generic >= 6, "{generic} generic listings");
    assert!(entries.iter().filter(|e| e.post.photo_count > 1).count() >= 10);
    assert!(entries.iter().filter(|e| e.post.is_repost).count() >= 3);
    let ids: std::collections::BTreeSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), entries.len(), "corpus ids are unique");
}

#[test]
fn reparsing_is_deterministic() {
    for entry in load() {
        let a = parse(&entry.post, entry.category);
        let b = parse(&entry.post, entry.category);
        assert_eq!(a, b, "{}:{}", entry.file, entry.id);
    }
}
