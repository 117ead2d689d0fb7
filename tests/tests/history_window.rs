//! A year of history in the real window: 100,000 entries (written straight into the history
//! database before the app starts, `waybill_tests::history::fill`), listed newest first with
//! their number, a screenful at a time; moved through by keyboard and by scrolling; filtered in
//! the core; one opened; retention down to 1000 and `Clear history` from there. Behaviour only:
//! the time each takes is measured by `bench/history-memory.sh` and the core's benches.

use waybill_core::store::history::{History, NewEntry};
use waybill_tests::harness::require_keyring;
use waybill_tests::window::Window;

const PROFILES: &str = r#"version = 1

[[profile]]
name = "shop"
keyring_id = "shop-9ba893c1"
grant = "authorization_code"
client_id = "demo"
client_auth = "form"
token_url = "http://127.0.0.1:9/token"
api_base = "http://127.0.0.1:9/api"
authorize_url = "http://127.0.0.1:9/auth"
"#;

/// Ten kinds of call, copied in turn to 100,000: every tenth a 404, every tenth a 422, one in ten
/// failed before an answer.
fn year_of_history(config: &std::path::Path) {
    std::fs::create_dir_all(config).unwrap();
    std::fs::write(config.join("profiles.toml"), PROFILES).unwrap();
    let history = History::open(config).unwrap();
    for i in 0..10 {
        let (method, path, status, error) = match i {
            7 => ("GET", "labels/7".to_string(), Some(404), None),
            8 => ("POST", "rates".to_string(), Some(422), None),
            9 => (
                "GET",
                "track/9".to_string(),
                None,
                Some("timed out after 30 s"),
            ),
            _ => ("GET", format!("shipments/{i}"), Some(200), None),
        };
        let url = format!("http://127.0.0.1:9/api/{path}");
        history
            .record(NewEntry {
                profile: "shop",
                profile_id: "shop-9ba893c1",
                environment: None,
                method,
                url: &url,
                request_headers: &[("Accept".into(), "application/json".into())],
                request_body: None,
                status,
                response_headers: &[],
                response_body: status
                    .map(|_| br#"{"id": "shp_1", "state": "in transit"}"#.as_slice()),
                elapsed_ms: Some(40),
                error,
                secrets: &[],
            })
            .unwrap();
    }
    drop(history);
    waybill_tests::history::fill(config, 100_000).unwrap();
}

/// `(aria-rowindex, URL)` of the row holding focus, once `until` holds for it.
async fn focused_row(window: &Window, until: impl Fn(u64, &str) -> bool) -> (u64, String) {
    let started = std::time::Instant::now();
    loop {
        let found = window
            .client
            .execute(
                "const row = document.activeElement?.closest('#history-list tr[data-entry]'); \
                 return row ? [Number(row.getAttribute('aria-rowindex')), row.querySelector('button.url').textContent] : null;",
                vec![],
            )
            .await
            .unwrap();
        let (index, url) = (
            found[0].as_u64().unwrap_or(0),
            found[1].as_str().unwrap_or(""),
        );
        if until(index, url) {
            return (index, url.to_string());
        }
        assert!(
            started.elapsed() < waybill_tests::window::WAIT,
            "focus is on row {index} ({url:?}), {}",
            window.focused().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Every row in the page: `(aria-rowindex, URL, status)`.
async fn rows(window: &Window) -> Vec<(u64, String, String)> {
    let found = window
        .client
        .execute(
            "return [...document.querySelectorAll('#history-list tr[data-entry]')].map(r => \
               [Number(r.getAttribute('aria-rowindex')), r.querySelector('button.url').textContent, \
                r.querySelector('[data-status]').dataset.status]);",
            vec![],
        )
        .await
        .unwrap();
    (found.as_array().unwrap().iter())
        .map(|r| {
            let text = |i: usize| r[i].as_str().unwrap_or_default().to_string();
            (r[0].as_u64().unwrap(), text(1), text(2))
        })
        .collect()
}

/// The entry number `n` at the end of a URL made by the fill (`…?n=N`).
fn n_of(url: &str) -> u64 {
    url.rsplit("n=").next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_history_lists_scrolls_filters_and_opens_in_the_window() {
    require_keyring();
    let window = Window::open_prepared(&[], &[], year_of_history).await;
    window.click("[data-profile='shop']").await;
    window.click("#tab-history").await;

    // The newest first, and how many there are, in words a person reads.
    window
        .wait_for_text("#history-count", "100,000 requests")
        .await;
    let table = window.find("#history-list").await;
    assert_eq!(
        table.attr("aria-rowcount").await.unwrap().as_deref(),
        Some("100001"),
        "a screen reader is told the list's size (its header row too)"
    );
    let shown = rows(&window).await;
    assert_eq!(
        shown[0].0, 2,
        "the newest is the first row under the header"
    );
    assert!(shown[0].1.ends_with("?n=100000"), "{shown:?}");
    assert!(
        shown.len() < 80,
        "only the rows in view (and a few more) are in the page: {}",
        shown.len()
    );
    let seen = window.text("#history-list").await;
    assert!(seen.contains("?n=100000"), "what a person sees: {seen:?}");
    window.screenshot("history-a-year").await;
    window.assert_accessible("history-a-year").await;

    // By keyboard: from the newest URL down a row, a screenful, to the oldest and back.
    window
        .tab_to("#history-list tr[data-entry] button.url")
        .await;
    focused_row(&window, |i, _| i == 2).await;
    window.press("\u{e015}\u{e015}\u{e015}").await; // ArrowDown ×3
    let (_, url) = focused_row(&window, |i, _| i == 5).await;
    assert_eq!(n_of(&url), 99_997);
    window.press("\u{e00f}").await; // PageDown
    let (index, url) = focused_row(&window, |i, _| i > 6).await;
    assert_eq!(n_of(&url), 100_002 - index, "row {index} is entry {url}");
    window.press("\u{e010}").await; // End
    let (index, url) = focused_row(&window, |i, _| i == 100_001).await;
    assert!(url.ends_with("?n=1"), "the oldest last: {index} {url}");
    window.press("\u{e011}").await; // Home
    focused_row(&window, |i, _| i == 2).await;

    // By scrolling: halfway down, the rows there come from the core.
    window
        .client
        .execute(
            "const box = document.querySelector('.history-list'); box.scrollTop = box.scrollHeight / 2;",
            vec![],
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let middle = loop {
        let shown = rows(&window).await;
        if shown.iter().any(|r| r.0 > 40_000) {
            break shown;
        }
        assert!(started.elapsed() < waybill_tests::window::WAIT, "{shown:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let deep: Vec<_> = middle.iter().filter(|r| r.0 > 40_000).collect();
    assert!(
        deep.iter().all(|r| n_of(&r.1) == 100_002 - r.0),
        "each row where it belongs: {deep:?}"
    );

    // Filters apply in the core: every 4xx (two kinds in ten), then a URL text.
    window.fill("#hist-status", "4xx").await;
    window.click("#hist-refresh").await;
    window
        .wait_for_text("#history-count", "20,000 of 100,000 requests match")
        .await;
    let found = rows(&window).await;
    assert!(
        !found.is_empty() && found.iter().all(|r| r.2.starts_with('4')),
        "{found:?}"
    );
    assert!(found[0].1.ends_with("rates?n=99999"), "{found:?}");
    // A blank filter is none (WebDriver types no empty text).
    window.fill("#hist-status", " ").await;
    window.fill("#hist-url", "track/9?n=4242").await;
    window.click("#hist-refresh").await;
    // Only the tenth kind of call goes to track/9 (n ending in 0): of n = 4242 and 42420 … 42429,
    // that is 42420.
    window
        .wait_for_text("#history-count", "1 of 100,000 requests match")
        .await;
    let found = rows(&window).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.ends_with("track/9?n=42420"), "{found:?}");
    assert_eq!(found[0].2, "error");

    // One opened: its request and why it failed.
    window
        .click("#history-list tr[data-entry] button.url")
        .await;
    window
        .wait_for_text("#history-entry", "track/9?n=42420")
        .await;
    window
        .wait_for_text("#entry-error", "timed out after 30 s")
        .await;

    // More than a year can be kept; retention down to 1000 and clearing take the window moments.
    window.fill("#hist-url", " ").await;
    window.click("#hist-refresh").await;
    window
        .wait_for_text("#history-count", "100,000 requests")
        .await;
    window.fill("#history-keep", "150000").await;
    window.click("#set-history-keep").await;
    window
        .wait_for_text("#history-keep-note", "newest 150000")
        .await;
    window.fill("#history-keep", "1000").await;
    window.click("#set-history-keep").await;
    window
        .wait_for_text("#history-count", "1,000 requests")
        .await;
    assert!(rows(&window).await[0].1.ends_with("?n=100000"));
    window.click("#clear-history").await;
    window.click("#confirm-clear-history").await;
    window.find("#history-empty").await;
    let db = window.home.path().join("config/history.sqlite3");
    let size = std::fs::metadata(&db).unwrap().len();
    assert!(
        size < 1_000_000,
        "cleared, the file gives its space back: {size} bytes"
    );
    window.close().await;
}
