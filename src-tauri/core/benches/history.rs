//! History benchmarks: recording one call (redaction, insert, retention in one transaction) into
//! a database already at its 1000-entry limit, and the history list's queries over it (list rows,
//! and whole entries for comparison).
//!
//! The database is a real file (tempdir) in WAL mode with `synchronous=NORMAL`, as Waybill uses it.
//!
//! Run: `cargo bench -p waybill-core --bench history`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use waybill_core::store::history::{Filter, History, NewEntry, StatusFilter};

/// A typical API call: a ~1 KB JSON request with one secret-looking field, a ~2 KB JSON answer.
fn record_one(history: &History, n: u64) -> i64 {
    let headers = vec![
        ("Authorization".to_string(), "Bearer tok-123".to_string()),
        ("Accept".to_string(), "application/json".to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    let parcels: Vec<String> = (0..12)
        .map(|i| format!("{{\"weight\": {i}.5, \"ref\": \"parcel-{i}\"}}"))
        .collect();
    let request = format!(
        "{{\"to\": \"Oslo\", \"api_key\": \"k-1\", \"parcels\": [{}]}}",
        parcels.join(", ")
    );
    let response = format!(
        "{{\"id\": \"shp_{n}\", \"echo\": {request}, \"pad\": \"{}\"}}",
        "x".repeat(800)
    );
    let status = if n.is_multiple_of(10) { 404 } else { 201 };
    let url = format!("https://api.example/v1/shipments?n={n}");
    history
        .record(NewEntry {
            profile: if n.is_multiple_of(2) {
                "sandbox"
            } else {
                "live"
            },
            profile_id: "p-1",
            environment: Some("sandbox"),
            method: "POST",
            url: &url,
            request_headers: &headers,
            request_body: Some(request.as_bytes()),
            status: Some(status),
            response_headers: &[],
            response_body: Some(response.as_bytes()),
            elapsed_ms: Some(40),
            error: None,
            secrets: &["tok-123"],
        })
        .expect("record")
}

fn history_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = History::open(dir.path()).expect("open");
    for n in 0..1000 {
        record_one(&history, n);
    }
    let mut n = 1000;
    c.bench_function("record_at_1000_limit", |b| {
        b.iter(|| {
            n += 1;
            black_box(record_one(&history, n))
        })
    });
    let newest = Filter {
        limit: Some(200),
        ..Filter::default()
    };
    c.bench_function("list_newest_200", |b| {
        b.iter(|| black_box(history.list(&newest).expect("list").len()))
    });
    // The same rows whole, with headers and bodies, as the list read them before it had its own
    // query (and as `history --json` and case files still do).
    c.bench_function("entries_newest_200", |b| {
        b.iter(|| black_box(history.entries(&newest).expect("entries").len()))
    });
    let failed = Filter {
        status: Some(StatusFilter::Class(4)),
        url_contains: Some("shipments".into()),
        profile: Some("sandbox".into()),
        limit: Some(200),
        ..Filter::default()
    };
    c.bench_function("list_4xx_by_profile_and_url", |b| {
        b.iter(|| black_box(history.list(&failed).expect("list").len()))
    });
}

criterion_group!(benches, history_benches);
criterion_main!(benches);
