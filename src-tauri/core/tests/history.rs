//! History: what is kept, what is never kept (secrets), filters and retention, and that the
//! database survives a restart and a process killed in the middle of large writes.

use std::process::Command;
use std::time::Duration;

use waybill_core::store::history::{Filter, History, NewEntry, StatusFilter};

fn entry<'a>(
    profile: &'a str,
    url: &'a str,
    status: u16,
    headers: &'a [(String, String)],
    body: &'a [u8],
    secrets: &'a [&'a str],
) -> NewEntry<'a> {
    NewEntry {
        profile,
        profile_id: profile,
        environment: Some("sandbox"),
        method: "POST",
        url,
        request_headers: headers,
        request_body: Some(body),
        status: Some(status),
        response_headers: &[],
        response_body: Some(b"{\"id\":1}"),
        elapsed_ms: Some(12),
        error: None,
        secrets,
    }
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn secrets_are_redacted_before_they_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    let token = "tok-3f9a8b7c6d5e4f3a";
    let sent = headers(&[
        ("Authorization", &format!("Bearer {token}")),
        ("Cookie", "session=abc123secret"),
        ("X-Api-Key", "key-998877"),
        ("Accept", "application/json"),
    ]);
    let body = br#"{"user":"ann","password":"hunter2-long","nested":{"client_secret":"cs-1234"},"note":"tok-3f9a8b7c6d5e4f3a"}"#;
    let id = history
        .record(entry(
            "p",
            &format!("https://a.example/x?access={token}"),
            200,
            &sent,
            body,
            &[token],
        ))
        .unwrap();
    let form = b"grant_type=password&username=ann&password=pw-55667788&client_secret=cs-99";
    history
        .record(entry("p", "https://a.example/t", 200, &[], form, &[]))
        .unwrap();
    drop(history);

    let bytes = std::fs::read(dir.path().join("history.sqlite3")).unwrap();
    let wal = std::fs::read(dir.path().join("history.sqlite3-wal")).unwrap_or_default();
    for secret in [
        token,
        "abc123secret",
        "key-998877",
        "hunter2-long",
        "cs-1234",
        "pw-55667788",
        "cs-99",
    ] {
        for file in [&bytes, &wal] {
            assert!(
                !file.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} reached the database file"
            );
        }
    }
    let kept = History::open(dir.path()).unwrap().get(id).unwrap();
    assert_eq!(
        kept.request_headers[0],
        ("Authorization".into(), "Bearer [redacted]".into())
    );
    assert_eq!(
        kept.request_headers[3],
        ("Accept".into(), "application/json".into())
    );
    assert!(
        kept.request_body.unwrap().contains("\"user\":\"ann\""),
        "the rest is kept"
    );
    assert_eq!(kept.url, "https://a.example/x?access=[redacted]");
}

#[test]
fn entries_are_found_by_profile_status_and_url_and_retention_applies() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    for (profile, url, status) in [
        ("a", "https://x.example/shipments", 201),
        ("a", "https://x.example/labels", 404),
        ("b", "https://y.example/shipments", 422),
        ("b", "https://y.example/health", 200),
    ] {
        history
            .record(entry(profile, url, status, &[], b"", &[]))
            .unwrap();
    }
    let find = |filter: Filter| -> Vec<String> {
        history
            .list(&filter)
            .unwrap()
            .into_iter()
            .map(|e| e.url)
            .collect()
    };
    assert_eq!(
        find(Filter {
            status: Some("4xx".parse().unwrap()),
            ..Filter::default()
        }),
        ["https://y.example/shipments", "https://x.example/labels"]
    );
    assert_eq!(
        find(Filter {
            profile: Some("a".into()),
            status: Some(StatusFilter::Exact(201)),
            ..Filter::default()
        }),
        ["https://x.example/shipments"]
    );
    assert_eq!(
        find(Filter {
            url_contains: Some("shipments".into()),
            ..Filter::default()
        })
        .len(),
        2
    );
    assert!("4x".parse::<StatusFilter>().is_err() && "700".parse::<StatusFilter>().is_err());

    assert_eq!(history.keep().unwrap(), 1000, "the default");
    history.set_keep(2).unwrap();
    assert_eq!(history.keep().unwrap(), 2);
    assert_eq!(
        find(Filter::default()),
        ["https://y.example/health", "https://y.example/shipments"],
        "only the newest two are kept"
    );
    history.clear().unwrap();
    assert!(find(Filter::default()).is_empty());
}

/// Not a test by itself: the child process of the crash test, writing large entries until killed.
#[test]
#[ignore]
fn child_writes_large_entries_until_killed() {
    let Some(dir) = std::env::var_os("WAYBILL_HISTORY_CHILD_DIR") else {
        return;
    };
    let history = History::open(std::path::Path::new(&dir)).unwrap();
    let big = vec![b'x'; 200 * 1024];
    for i in 0..2000 {
        history
            .record(entry(
                "child",
                &format!("https://c.example/{i}"),
                200,
                &[],
                &big,
                &[],
            ))
            .unwrap();
    }
}

#[test]
fn history_survives_a_restart_and_a_crash_in_the_middle_of_large_writes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let history = History::open(dir.path()).unwrap();
        for i in 0..5 {
            history
                .record(entry(
                    "before",
                    &format!("https://b.example/{i}"),
                    200,
                    &[],
                    b"{}",
                    &[],
                ))
                .unwrap();
        }
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_writes_large_entries_until_killed",
        ])
        .env("WAYBILL_HISTORY_CHILD_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let it write for a while, then kill it without warning (SIGKILL), mid-write.
    let history = History::open(dir.path()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while history
        .list(&Filter {
            profile: Some("child".into()),
            ..Filter::default()
        })
        .unwrap()
        .len()
        < 5
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the child wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(history);

    let reopened = History::open(dir.path()).unwrap();
    let before = reopened
        .entries(&Filter {
            profile: Some("before".into()),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(before.len(), 5, "earlier entries intact");
    assert!(before
        .iter()
        .all(|e| e.response_body.as_deref() == Some("{\"id\":1}")));
    let written = reopened
        .entries(&Filter {
            profile: Some("child".into()),
            ..Filter::default()
        })
        .unwrap();
    assert!(written.len() >= 5);
    assert!(
        written.iter().all(|e| e
            .request_body
            .as_ref()
            .is_some_and(|b| b.len() == 200 * 1024)),
        "no half entry"
    );
    let conn = rusqlite::Connection::open(dir.path().join("history.sqlite3")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // And it takes new entries.
    reopened
        .record(entry("after", "https://a.example/", 200, &[], b"{}", &[]))
        .unwrap();
}

/// A renamed profile keeps its history: entries follow its keyring id, not the name they were
/// recorded under; entries of a database made before identities were kept are tied to the profile
/// of their name once, then follow it too.
#[test]
fn entries_follow_a_profile_through_a_rename() {
    let dir = tempfile::tempdir().unwrap();
    {
        // An older database: no profile_id column.
        let conn = rusqlite::Connection::open(dir.path().join("history.sqlite3")).unwrap();
        conn.execute_batch(
            "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
               profile TEXT NOT NULL, environment TEXT, method TEXT NOT NULL, url TEXT NOT NULL,
               request_headers TEXT NOT NULL, request_body TEXT, status INTEGER,
               response_headers TEXT NOT NULL, response_body TEXT, truncated INTEGER NOT NULL,
               elapsed_ms INTEGER, error TEXT);
             INSERT INTO entries (at, profile, method, url, request_headers, response_headers,
               truncated) VALUES ('2026-11-01T00:00:00Z', 'old', 'GET', 'https://a/x', '[]', '[]', 0);",
        )
        .unwrap();
    }
    let history = History::open(dir.path()).unwrap();
    history.adopt_profile_ids(&[("old", "old-1234")]).unwrap();
    let new = NewEntry {
        profile_id: "old-1234",
        ..entry("old", "https://a/y", 200, &[], b"", &[])
    };
    history.record(new).unwrap();
    // Renamed to "new": the workspace asks by the name and the keyring id it has now.
    let renamed = Filter {
        profile: Some("new".into()),
        profile_id: Some("old-1234".into()),
        ..Filter::default()
    };
    let urls: Vec<String> = history
        .list(&renamed)
        .unwrap()
        .into_iter()
        .map(|e| e.url)
        .collect();
    assert_eq!(
        urls,
        ["https://a/y", "https://a/x"],
        "both the old entry (tied by its name once) and the new one follow the profile"
    );
    // Tying happens once: a profile made later under an old name does not take old entries.
    history.adopt_profile_ids(&[("other", "other-1")]).unwrap();
    let other = Filter {
        profile: Some("other".into()),
        profile_id: Some("other-1".into()),
        ..Filter::default()
    };
    assert!(history.list(&other).unwrap().is_empty());
}

/// Several Waybills opening one history at once (the window and scripts), new or from before
/// identities were kept: each opens it, none fails on the others' schema change.
#[test]
fn many_processes_open_one_history_at_once() {
    for old in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        if old {
            let conn = rusqlite::Connection::open(dir.path().join("history.sqlite3")).unwrap();
            conn.execute_batch(
                "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
                   profile TEXT NOT NULL, environment TEXT, method TEXT NOT NULL, url TEXT NOT NULL,
                   request_headers TEXT NOT NULL, request_body TEXT, status INTEGER,
                   response_headers TEXT NOT NULL, response_body TEXT, truncated INTEGER NOT NULL,
                   elapsed_ms INTEGER, error TEXT);",
            )
            .unwrap();
        }
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let opened: Vec<_> = (0..8)
            .map(|_| {
                let (dir, barrier) = (dir.path().to_path_buf(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let history = History::open(&dir)?;
                    history.adopt_profile_ids(&[("p", "p-1")])
                })
            })
            .collect();
        for thread in opened {
            let result = thread.join().unwrap();
            assert!(result.is_ok(), "old={old}: {:?}", result.err());
        }
    }
}

/// A long history comes in pages: each page's rows, how many the filter finds and how many there
/// are; later pages held still (`until_id`) while new entries come in; each filter at once.
#[test]
fn a_long_history_comes_in_pages_with_its_counts() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    for (profile, url, status) in [
        ("a", "https://x.example/shipments", 201),
        ("b", "https://y.example/labels", 404),
        ("a", "https://x.example/rates", 500),
    ] {
        history
            .record(entry(profile, url, status, &[], b"{}", &[]))
            .unwrap();
    }
    drop(history);
    waybill_tests::history::fill(dir.path(), 3000).unwrap();
    let history = History::open(dir.path()).unwrap();
    assert!(history.keep().unwrap() >= 3000, "the fill raised retention");

    let first = history
        .page(&Filter {
            limit: Some(100),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(
        (first.matching, first.total, first.rows.len()),
        (3000, 3000, 100)
    );
    assert!(
        first.rows[0].url.ends_with("n=3000"),
        "{}",
        first.rows[0].url
    );
    let newest = first.rows[0].id;
    // An entry arrives (room kept for it); the list's next page is still the one after the first.
    history.set_keep(5000).unwrap();
    history
        .record(entry("a", "https://x.example/new", 201, &[], b"{}", &[]))
        .unwrap();
    let second = history
        .page(&Filter {
            limit: Some(100),
            offset: Some(100),
            until_id: Some(newest),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!((second.matching, second.total), (3000, 3001));
    assert!(
        second.rows[0].url.ends_with("n=2900"),
        "{}",
        second.rows[0].url
    );
    let last = history
        .page(&Filter {
            limit: Some(100),
            offset: Some(2950),
            until_id: Some(newest),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(last.rows.len(), 50);
    assert!(last.rows[49].url.ends_with("n=1"));

    // Every third is a 404 of profile b (its URL: labels).
    let count = |filter: Filter| history.page(&filter).unwrap().matching;
    let b_4xx = Filter {
        profile: Some("b".into()),
        status: Some(StatusFilter::Class(4)),
        ..Filter::default()
    };
    assert_eq!(count(b_4xx.clone()), 1000);
    assert_eq!(
        count(Filter {
            url_contains: Some("labels?n=12".into()),
            ..b_4xx.clone()
        }),
        // n=12, 120…129, 1200…1299 that are labels (n = 2 mod 3).
        [12].into_iter()
            .chain(120..130)
            .chain(1200..1300)
            .filter(|n| n % 3 == 2)
            .count() as u64
    );
    let recent = Filter {
        since: Some(
            (chrono::Utc::now() - chrono::Duration::days(1))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
        ..Filter::default()
    };
    // 3000 spread over 365 days: about 8 a day, and the one recorded just now.
    let day = count(recent);
    assert!((8..=11).contains(&day), "{day}");
    let rows = history
        .page(&Filter {
            limit: Some(10),
            ..b_4xx
        })
        .unwrap()
        .rows;
    assert!(rows
        .iter()
        .all(|r| r.status == Some(404) && r.profile == "b"));
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
}

/// Retention counts and drops only the oldest, at any limit; trimming to less than half, and
/// clearing, give the file's space back.
#[test]
fn retention_and_clear_give_the_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    let body = vec![b'x'; 20 * 1024];
    for i in 0..10 {
        history
            .record(entry(
                "a",
                &format!("https://x.example/{i}"),
                200,
                &[],
                &body,
                &[],
            ))
            .unwrap();
    }
    drop(history);
    waybill_tests::history::fill(dir.path(), 2000).unwrap();
    let file = dir.path().join("history.sqlite3");
    let size = || {
        let wal = dir.path().join("history.sqlite3-wal");
        std::fs::metadata(&file).unwrap().len() + std::fs::metadata(wal).map_or(0, |m| m.len())
    };
    assert!(size() > 40_000_000, "2000 entries of 20 KB: {}", size());
    let history = History::open(dir.path()).unwrap();
    history.set_keep(200_000).unwrap();
    assert_eq!(
        history.keep().unwrap(),
        200_000,
        "a year and more can be kept"
    );
    history.set_keep(1500).unwrap();
    let left = history.page(&Filter::default()).unwrap();
    assert_eq!(left.total, 1500);
    assert!(
        left.rows.last().unwrap().url.ends_with("n=501"),
        "the oldest went"
    );
    assert!(
        size() > 30_000_000,
        "a quarter free: the file stays: {}",
        size()
    );
    history.set_keep(100).unwrap();
    assert_eq!(history.page(&Filter::default()).unwrap().total, 100);
    assert!(
        size() < 4_000_000,
        "the file shrank to what is left: {}",
        size()
    );
    history
        .record(entry("a", "https://x.example/after", 200, &[], b"{}", &[]))
        .unwrap();
    let rows = history.list(&Filter::default()).unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0].url, "https://x.example/after");
    history.clear().unwrap();
    assert_eq!(history.page(&Filter::default()).unwrap().total, 0);
    assert!(size() < 100_000, "cleared: {}", size());
}

/// A database from before the list's index gets it when first opened, and lists as before.
#[test]
fn a_database_from_before_the_list_index_gets_it() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    history
        .record(entry("a", "https://x.example/1", 200, &[], b"{}", &[]))
        .unwrap();
    drop(history);
    let conn = rusqlite::Connection::open(dir.path().join("history.sqlite3")).unwrap();
    conn.execute_batch("DROP INDEX entries_list;").unwrap();
    let history = History::open(dir.path()).unwrap();
    let has: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'entries_list'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(has);
    assert_eq!(history.list(&Filter::default()).unwrap().len(), 1);
}

/// History holds customer data: its file and SQLite's log files are the owner's alone (0600),
/// under the usual umask (022) too, and a file an older Waybill left readable to all is narrowed.
#[cfg(unix)]
#[test]
fn history_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path()).unwrap();
    history
        .record(entry("a", "https://x.example/1", 200, &[], b"{}", &[]))
        .unwrap();
    for name in [
        "history.sqlite3",
        "history.sqlite3-wal",
        "history.sqlite3-shm",
    ] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
    drop(history);

    for name in [
        "history.sqlite3",
        "history.sqlite3-wal",
        "history.sqlite3-shm",
    ] {
        let path = dir.path().join(name);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let history = History::open(dir.path()).unwrap();
    assert_eq!(mode(&dir.path().join("history.sqlite3")), 0o600, "narrowed");
    assert_eq!(
        history.page(&Filter::default()).unwrap().total,
        1,
        "nothing lost"
    );
}
