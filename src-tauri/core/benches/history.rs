//! History benchmarks: recording one call (redaction, insert, retention in one transaction) into
//! a database already at its 1000-entry limit, and the history list's queries over it (list rows,
//! and whole entries for comparison).
//!
//! A year of history (`year_*`): 100,000 entries (the 1000 recorded above, copied in turn by
//! `waybill_tests::history::fill`, spread over 365 days, every tenth a 404), with the window's
//! questions: a page of the newest 100 with the counts (`History::page`), each filter, a page deep
//! in the list; opening it (and the first open of a database from before the list index);
//! recording at a 100,000-entry limit; retention from 100,000 down to 1000; clearing it.
//!
//! The database is a real file (tempdir) in WAL mode with `synchronous=NORMAL`, as Waybill uses it.
//!
//! Run: `cargo bench -p waybill-core --bench history` (`-- year_` for the 100,000-entry ones)

use std::path::Path;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use waybill_core::store::history::{Filter, History, NewEntry, StatusFilter};

const YEAR: u32 = 100_000;

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

/// 100,000 entries in `dir`: 1000 recorded calls, copied in turn.
fn year_of_history(dir: &Path) {
    let history = History::open(dir).expect("open");
    for n in 0..1000 {
        record_one(&history, n);
    }
    drop(history);
    waybill_tests::history::fill(dir, YEAR).expect("fill");
}

/// A copy of the database in `from`, to spend (retention, clear).
fn copy_of(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().expect("tempdir");
    let name = "history.sqlite3";
    std::fs::copy(from.join(name), to.path().join(name)).expect("copy");
    to
}

fn year_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    year_of_history(dir.path());
    let history = History::open(dir.path()).expect("open");
    let page = |filter: Filter| Filter {
        limit: Some(100),
        ..filter
    };
    let mut list = c.benchmark_group("year_list");
    for (name, filter) in [
        ("newest_100", Filter::default()),
        (
            "profile",
            Filter {
                profile: Some("sandbox".into()),
                ..Filter::default()
            },
        ),
        (
            "status_4xx",
            Filter {
                status: Some(StatusFilter::Class(4)),
                ..Filter::default()
            },
        ),
        (
            "url_contains_common",
            Filter {
                url_contains: Some("shipments".into()),
                ..Filter::default()
            },
        ),
        (
            // One entry of 100,000: the whole index is read.
            "url_contains_rare",
            Filter {
                url_contains: Some("n=54321&".into()),
                ..Filter::default()
            },
        ),
        (
            "since_7_days",
            Filter {
                since: Some(
                    (chrono::Utc::now() - chrono::Duration::days(7))
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
                ..Filter::default()
            },
        ),
        (
            "offset_50000",
            Filter {
                offset: Some(50_000),
                ..Filter::default()
            },
        ),
        (
            "all_four",
            Filter {
                profile: Some("sandbox".into()),
                status: Some(StatusFilter::Class(4)),
                url_contains: Some("shipments".into()),
                since: Some("2026-01-01".into()),
                ..Filter::default()
            },
        ),
    ] {
        let filter = page(filter);
        list.bench_function(name, |b| {
            b.iter(|| black_box(history.page(&filter).expect("page").rows.len()))
        });
    }
    list.finish();

    c.bench_function("year_open", |b| {
        b.iter(|| black_box(History::open(dir.path()).expect("open")))
    });
    let mut once = c.benchmark_group("year_once");
    once.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(30));
    // A database from before the list index: its first open makes it.
    once.bench_function("open_adding_the_list_index", |b| {
        b.iter_batched(
            || {
                let copy = copy_of(dir.path());
                let conn = rusqlite::Connection::open(copy.path().join("history.sqlite3"));
                (conn.expect("db").execute_batch("DROP INDEX entries_list;")).expect("drop");
                copy
            },
            |copy| black_box(History::open(copy.path()).expect("open")),
            BatchSize::PerIteration,
        )
    });
    once.bench_function("keep_1000", |b| {
        b.iter_batched(
            || {
                let copy = copy_of(dir.path());
                (History::open(copy.path()).expect("open"), copy)
            },
            |(history, copy)| {
                history.set_keep(1000).expect("keep");
                (history, copy)
            },
            BatchSize::PerIteration,
        )
    });
    once.bench_function("clear", |b| {
        b.iter_batched(
            || {
                let copy = copy_of(dir.path());
                (History::open(copy.path()).expect("open"), copy)
            },
            |(history, copy)| {
                history.clear().expect("clear");
                (history, copy)
            },
            BatchSize::PerIteration,
        )
    });
    once.finish();

    // At a 100,000-entry limit each record also drops the oldest (last: it changes the data).
    let mut n = 2_000_000;
    c.bench_function("year_record_at_100000_limit", |b| {
        b.iter(|| {
            n += 1;
            black_box(record_one(&history, n))
        })
    });
}

criterion_group!(benches, history_benches, year_benches);
criterion_main!(benches);
