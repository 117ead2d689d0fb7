//! Several Waybills at once, as users run them: the window and scripts share one profile
//! directory and one keyring. Real `waybill` processes started together (released by a barrier
//! at the same instant), the real OS keyring, and a recording token endpoint that counts what
//! reaches it. Nothing may be lost, and no token fetched twice, because two ran together.

use std::sync::Barrier;
use std::time::Duration;

use serde_json::{json, Value};
use waybill_tests::emulator::{Emulator, Recorded, Reply};
use waybill_tests::harness::{require_keyring, secret_tool_lookup, Run, Waybill};

/// Run `commands` (args, stdin) as separate processes started at the same instant.
fn together(wb: &Waybill, commands: &[(Vec<String>, String)]) -> Vec<Run> {
    let start = Barrier::new(commands.len());
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let runs: Vec<_> = commands
                .iter()
                .map(|(args, stdin)| {
                    let start = &start;
                    scope.spawn(move || {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        start.wait();
                        wb.run(&args, stdin)
                    })
                })
                .collect();
            runs.into_iter()
                .map(|r| r.join().expect("a runner thread"))
                .collect()
        })
    })
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn add_args(name: &str, token_url: &str, api_base: &str) -> Vec<String> {
    args(&[
        "profile",
        "add",
        name,
        "--grant",
        "client_credentials",
        "--token-url",
        token_url,
        "--client-id",
        "cid",
        "--api-base",
        api_base,
        "--client-secret-stdin",
    ])
}

/// Add a client-credentials profile (secret "s") and insist it worked.
fn add(wb: &Waybill, name: &str, token_url: &str, api_base: &str) {
    let args = add_args(name, token_url, api_base);
    wb.ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), "s\n");
}

fn profiles(wb: &Waybill) -> Vec<Value> {
    wb.json(&["profile", "list", "--json"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn field<'a>(profiles: &'a [Value], name: &str, key: &str) -> &'a Value {
    let profile = profiles.iter().find(|p| p["name"] == name);
    &profile.unwrap_or_else(|| panic!("no profile {name} in {profiles:?}"))[key]
}

/// A token endpoint handing out `tok-N` (N counts its requests), valid `ttl` seconds, and an
/// API that answers 200 to any of them.
async fn provider(ttl: u64) -> Emulator {
    Emulator::start(move |r: &Recorded| match r.path.as_str() {
        "/token" => Reply::json(
            200,
            json!({"access_token": format!("tok-{}", r.seq), "token_type": "Bearer", "expires_in": ttl}),
        )
        // Long enough that every process is waiting on it while the first fetch is on the wire.
        .delay(Duration::from_millis(300)),
        _ if r.bearer().is_some_and(|t| t.starts_with("tok-")) => Reply::json(200, json!({"ok": true})),
        _ => Reply::status(401),
    })
    .await
}

/// `waybill import FILE --yes` `n` times at the same instant; each must succeed. The names of
/// the profiles then in the file, sorted.
fn imports_at_once(wb: &Waybill, file: &std::path::Path, n: usize) -> Vec<String> {
    let import = (
        args(&["import", file.to_str().unwrap(), "--yes"]),
        String::new(),
    );
    for run in together(wb, &vec![import; n]) {
        assert_eq!(run.code, 0, "an import failed: {}", run.stderr);
    }
    let mut names: Vec<String> = profiles(wb)
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    names.sort_unstable();
    names
}

/// Four imports of one spec at once (a script and the window, say): each plans again under the
/// profiles lock, so four profiles come in (`name`, `name-2`...) and each keeps all its requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_imports_at_once_make_four_profiles_with_all_their_requests() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import/openapi-paypal/shipping_shipment_tracking_v1.json");
    let wb = Waybill::new();
    let names = imports_at_once(&wb, &spec, 4);
    assert_eq!(
        names,
        [
            "shipment-tracking",
            "shipment-tracking-2",
            "shipment-tracking-3",
            "shipment-tracking-4"
        ]
    );
    for name in names {
        let saved = wb.json(&["requests", &name, "--json"]);
        assert_eq!(saved.as_array().unwrap().len(), 5, "{name}: {saved}");
    }
}

/// Three imports at once of a collection holding a client secret: three profiles, each with the
/// secret in its own keyring entry, and the secret in no file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_collection_imports_at_once_each_keep_their_secret_in_the_keyring() {
    require_keyring();
    let secret = waybill_tests::harness::random_secret("collection-secret");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("carrier.postman_collection.json");
    let collection = json!({
        "info": {"name": "Carrier", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "auth": {"type": "oauth2", "oauth2": [
            {"key": "grant_type", "value": "client_credentials"},
            {"key": "accessTokenUrl", "value": "https://auth.example/token"},
            {"key": "clientId", "value": "carrier-app"},
            {"key": "clientSecret", "value": secret}]},
        "item": [{"name": "Track", "request": {"method": "GET", "url": "https://api.example/track"}}]
    });
    std::fs::write(&path, collection.to_string()).unwrap();
    let wb = Waybill::new();
    let names = imports_at_once(&wb, &path, 3);
    assert_eq!(names, ["carrier", "carrier-2", "carrier-3"]);
    let all = profiles(&wb);
    for name in names {
        let id = field(&all, &name, "keyring_id").as_str().unwrap();
        let kept = secret_tool_lookup(&format!("{id}/client_secret"));
        assert_eq!(kept.as_deref(), Some(secret.as_str()), "{name}");
        assert_eq!(
            wb.json(&["requests", &name, "--json"])
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    assert_eq!(wb.find_leaks(&secret), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_profile_adds_at_once_keep_all_eight() {
    require_keyring();
    let wb = Waybill::new();
    let adds: Vec<_> = (0..8)
        .map(|i| {
            let add = add_args(
                &format!("p{i}"),
                "https://auth.example/token",
                "https://api.example",
            );
            (add, format!("secret-{i}\n"))
        })
        .collect();
    for run in together(&wb, &adds) {
        assert_eq!(run.code, 0, "an add failed: {}", run.stderr);
    }
    let all = profiles(&wb);
    let mut names: Vec<&str> = all.iter().filter_map(|p| p["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"],
        "every add is kept"
    );
    for i in 0..8 {
        let id = field(&all, &format!("p{i}"), "keyring_id")
            .as_str()
            .unwrap();
        let secret = secret_tool_lookup(&format!("{id}/client_secret"));
        assert_eq!(secret.as_deref(), Some(format!("secret-{i}").as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adds_and_edits_racing_lose_nothing() {
    require_keyring();
    let wb = Waybill::new();
    for name in ["e0", "e1", "e2", "shared"] {
        add(
            &wb,
            name,
            "https://auth.example/token",
            "https://api.example",
        );
    }
    let mut commands: Vec<(Vec<String>, String)> = (0..3)
        .map(|i| {
            (
                args(&[
                    "profile",
                    "edit",
                    &format!("e{i}"),
                    "--scope",
                    &format!("scope-{i}"),
                ]),
                String::new(),
            )
        })
        .collect();
    commands.extend((0..4).map(|i| {
        (
            add_args(
                &format!("a{i}"),
                "https://auth.example/token",
                "https://api.example",
            ),
            "s\n".into(),
        )
    }));
    // Three edits of different fields of the same profile: all must land.
    commands.push((
        args(&["profile", "edit", "shared", "--scope", "both"]),
        String::new(),
    ));
    commands.push((
        args(&[
            "profile",
            "edit",
            "shared",
            "--api-base",
            "https://api.example/v2",
        ]),
        String::new(),
    ));
    commands.push((
        args(&["profile", "edit", "shared", "--header", "X-Tenant: t1"]),
        String::new(),
    ));
    for run in together(&wb, &commands) {
        assert_eq!(run.code, 0, "a command failed: {}", run.stderr);
    }
    let all = profiles(&wb);
    assert_eq!(all.len(), 8, "4 profiles + 4 added: {all:?}");
    for i in 0..3 {
        assert_eq!(
            field(&all, &format!("e{i}"), "scope"),
            &json!(format!("scope-{i}"))
        );
    }
    assert_eq!(field(&all, "shared", "scope"), &json!("both"));
    assert_eq!(
        field(&all, "shared", "api_base"),
        &json!("https://api.example/v2")
    );
    assert_eq!(field(&all, "shared", "headers")["X-Tenant"], json!("t1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_calls_with_an_empty_cache_make_one_token_request() {
    require_keyring();
    let api = provider(3600).await;
    let wb = Waybill::new();
    add(&wb, "p", &api.url("/token"), &api.url("/api"));
    let calls = vec![(args(&["call", "p", "GET", "/shipments"]), String::new()); 12];
    for run in together(&wb, &calls) {
        assert_eq!(run.code, 0, "a call failed: {}", run.stderr);
    }
    assert_eq!(
        api.count("/token"),
        1,
        "twelve processes with nothing cached share one token request"
    );
    assert_eq!(api.count("/api/shipments"), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_calls_just_after_expiry_make_one_token_request() {
    require_keyring();
    let api = provider(2).await;
    let wb = Waybill::new();
    add(&wb, "p", &api.url("/token"), &api.url("/api"));
    wb.ok(&["call", "p", "GET", "/first"], "");
    assert_eq!(api.count("/token"), 1);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let calls = vec![(args(&["call", "p", "GET", "/shipments"]), String::new()); 12];
    for run in together(&wb, &calls) {
        assert_eq!(run.code, 0, "a call failed: {}", run.stderr);
    }
    assert_eq!(
        api.count("/token"),
        2,
        "the expired token is renewed once for all twelve"
    );
    let bearers: Vec<String> = api
        .requests_to("/api/shipments")
        .iter()
        .filter_map(|r| r.bearer().map(str::to_string))
        .collect();
    assert!(
        bearers.iter().all(|b| b == "tok-1"),
        "all use the one new token: {bearers:?}"
    );
}
