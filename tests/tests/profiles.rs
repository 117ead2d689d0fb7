//! What the CLI does with profiles, as the window does: edit one (only what is given), public
//! browser clients, remove one with its saved requests, and untrusted case files refused or
//! repaired so the profiles file always loads back. The real binary, the real keyring, the demo
//! provider, and an emulator where a provider must send something the demo does not.

use serde_json::{json, Value};
use waybill_tests::demo::{self, add_client_credentials};
use waybill_tests::harness::{
    keyring_access_token, random_secret, require_keyring, secret_tool_lookup, Waybill,
};

fn show(wb: &Waybill, name: &str) -> Value {
    wb.json(&["profile", "show", name, "--json"])
}

fn state(wb: &Waybill, name: &str) -> String {
    let status = wb.json(&["inspect", name, "--json", "--no-verify"]);
    status["state"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_edit_changes_only_what_is_given_and_keeps_the_keyring_entries() {
    require_keyring();
    let secret = random_secret("edit-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "acme", &server, "form", &secret);
    let before = show(&wb, "acme");
    let id = before["keyring_id"].as_str().unwrap().to_string();
    wb.ok(&["call", "acme", "GET", "/services"], "");
    assert_eq!(state(&wb, "acme"), "valid");

    // A default header and the API base: nothing about tokens changes, so the token stays.
    let api_v2 = format!("{}/", server.api_base());
    wb.ok(
        &[
            "profile",
            "edit",
            "acme",
            "--api-base",
            &api_v2,
            "--header",
            "X-Tenant: t1",
        ],
        "",
    );
    let after = show(&wb, "acme");
    assert_eq!(after["api_base"], json!(api_v2));
    assert_eq!(after["headers"]["X-Tenant"], json!("t1"));
    for kept in ["token_url", "client_id", "scope", "keyring_id", "grant"] {
        assert_eq!(
            after[kept], before[kept],
            "{kept} was not given, so it is as it was"
        );
    }
    assert_eq!(
        state(&wb, "acme"),
        "valid",
        "the token is still the right one"
    );

    // The scope decides the token: it is forgotten, and the kept secret fetches a new one.
    wb.ok(
        &["profile", "edit", "acme", "--scope", "shipments labels"],
        "",
    );
    assert_eq!(state(&wb, "acme"), "signed_out");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some(secret.as_str()),
        "an edit without --client-secret-stdin keeps the secret"
    );
    let requests = server.token_requests();
    wb.ok(&["call", "acme", "GET", "/services"], "");
    assert_eq!(server.token_requests(), requests + 1);

    // A new secret only through stdin; the tokens from the old one go.
    let rotated = random_secret("rotated-secret");
    let run = wb.run(
        &["profile", "edit", "acme", "--client-secret-stdin"],
        &format!("{rotated}\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some(rotated.as_str())
    );
    assert_eq!(state(&wb, "acme"), "signed_out");

    // A rename keeps the keyring entries (they are keyed by id, not name), and its history:
    // what it sent as acme is found and replayed as acme-eu.
    let sent: Value = wb.json(&["history", "--profile", "acme", "--json"]);
    let first = sent[0]["id"].as_i64().expect("acme's calls are in history");
    wb.ok(&["profile", "edit", "acme", "--rename", "acme-eu"], "");
    assert_eq!(show(&wb, "acme-eu")["keyring_id"], json!(id));
    let renamed: Value = wb.json(&["history", "--profile", "acme-eu", "--json"]);
    assert_eq!(
        renamed.as_array().map(Vec::len),
        sent.as_array().map(Vec::len),
        "history follows the profile through its rename: {renamed}"
    );
    assert_eq!(
        renamed[0]["profile"], "acme-eu",
        "shown under its current name"
    );
    // (The demo provider knows the first secret only.)
    let restore = ["profile", "edit", "acme-eu", "--client-secret-stdin"];
    wb.ok(&restore, &format!("{secret}\n"));
    let replayed = wb.run(&["replay", &first.to_string()], "");
    assert_eq!(
        replayed.code, 0,
        "an entry made before the rename replays: {}",
        replayed.stderr
    );
    let gone = wb.run(&["profile", "show", "acme"], "");
    assert_eq!(gone.code, 2);
    let missing = wb.run(&["profile", "edit", "nobody", "--scope", "x"], "");
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no profile named \"nobody\""),
        "{}",
        missing.stderr
    );

    // A preset profile follows its preset when its environment changes.
    let run = wb.run(
        &[
            "profile",
            "add",
            "mp",
            "--preset",
            "myparcel",
            "--env",
            "sandbox",
            "--client-id",
            "x",
            "--client-secret-stdin",
        ],
        "s\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    wb.ok(&["profile", "edit", "mp", "--env", "live"], "");
    let live = show(&wb, "mp");
    assert_eq!(
        live["token_url"],
        json!("https://auth.myparcel.com/access-token")
    );
    assert_eq!(live["environment"], json!("live"));
    for secret in [&rotated, &secret] {
        let leaks = wb.find_leaks(secret);
        assert!(leaks.is_empty(), "a secret leaked into {leaks:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_profile_without_a_secret_flag_is_a_public_client() {
    require_keyring();
    let server = demo::start("unused-secret", "unused-password").await;
    let wb = Waybill::new();
    // The browser sign-in issue's contract, exactly: no secret flag, stdin not a terminal.
    let issuer = server.base_url();
    let run = wb.run(
        &[
            "profile",
            "add",
            "web",
            "--grant",
            "authorization_code",
            "--issuer",
            &issuer,
            "--client-id",
            "demo-browser",
            "--scope",
            "shipments",
        ],
        "",
    );
    assert_eq!(
        run.code, 0,
        "a public client needs no secret: {}",
        run.stderr
    );
    let id = wb.keyring_id("web");
    assert_eq!(secret_tool_lookup(&format!("{id}/client_secret")), None);
    assert!(
        show(&wb, "web")["authorize_url"].as_str().is_some(),
        "discovered from the issuer"
    );

    // A confidential one says so.
    let run = wb.run(
        &[
            "profile",
            "add",
            "web2",
            "--grant",
            "authorization_code",
            "--issuer",
            &issuer,
            "--client-id",
            "demo-browser",
            "--client-secret-stdin",
        ],
        "confidential-secret\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = wb.keyring_id("web2");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some("confidential-secret")
    );

    // Machine grants still need theirs, and say how to give it.
    let run = wb.run(
        &[
            "profile",
            "add",
            "m",
            "--grant",
            "client_credentials",
            "--token-url",
            &server.token_url(),
            "--client-id",
            "c",
        ],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no client secret given"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_profile_removes_its_saved_requests_and_keyring_entries() {
    require_keyring();
    let secret = random_secret("rm-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "gone", &server, "form", &secret);
    let id = wb.keyring_id("gone");
    // Saved requests come with a case file: export one call, import it back as another profile.
    wb.ok(&["call", "gone", "GET", "/services"], "");
    let case = wb.home.path().join("case.json");
    wb.ok(
        &[
            "case",
            "export",
            case.to_str().unwrap(),
            "--profile",
            "gone",
        ],
        "",
    );
    wb.ok(&["requests", "gone"], "");
    let requests = wb.home.path().join("requests.toml");
    wb.ok(&["case", "import", case.to_str().unwrap(), "--yes"], "");
    let listed = wb.json(&["requests", "gone", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert!(std::fs::read_to_string(&requests).unwrap().contains(&id));

    wb.ok(&["profile", "remove", "gone"], "");
    let left = std::fs::read_to_string(&requests).unwrap_or_default();
    assert!(
        !left.contains(&id),
        "the profile's saved requests went with it: {left}"
    );
    assert_eq!(secret_tool_lookup(&format!("{id}/client_secret")), None);
    assert_eq!(keyring_access_token(&id), None);
}

/// A case file whose one profile is `profile` (any JSON: this is what an attacker controls).
fn case_with(profile: Value) -> String {
    json!({
        "waybill_case": 1,
        "exported_at": "2026-11-29T10:00:00Z",
        "profiles": [profile],
        "requests": [],
    })
    .to_string()
}

fn shape(name: &str) -> Value {
    json!({
        "name": name, "keyring_id": "", "grant": "client_credentials",
        "token_url": "https://auth.example/token", "client_id": "cid",
    })
}

fn with(mut profile: Value, key: &str, value: impl Into<Value>) -> Value {
    profile[key] = value.into();
    profile
}

#[test]
fn hostile_case_files_are_refused_or_repaired_and_the_profiles_file_still_loads() {
    require_keyring();
    let wb = Waybill::new();
    let long = "n".repeat(64);
    let add = [
        "profile",
        "add",
        &long,
        "--grant",
        "client_credentials",
        "--token-url",
    ];
    wb.ok(
        &[
            &add[..],
            &[
                "https://auth.example/token",
                "--client-id",
                "mine",
                "--client-secret-stdin",
            ],
        ]
        .concat(),
        "s\n",
    );
    let refused = [
        ("a 300-character name", shape(&"x".repeat(300))),
        ("control characters", shape("bell\u{7}name")),
        (
            "a newline in the client id",
            with(shape("a"), "client_id", "cid\r\nX-Evil: 1"),
        ),
        (
            "a javascript: token URL",
            with(shape("b"), "token_url", "javascript:alert(1)"),
        ),
        (
            "a header that is no header",
            with(shape("c"), "headers", json!({"X-Evil\nInjected": "1"})),
        ),
    ];
    for (what, profile) in refused {
        let file = wb.home.path().join("hostile.json");
        std::fs::write(&file, case_with(profile)).unwrap();
        for args in [
            vec!["case", "import", file.to_str().unwrap()],
            vec!["case", "import", file.to_str().unwrap(), "--yes"],
        ] {
            let run = wb.run(&args, "");
            assert_eq!(run.code, 2, "{what}: refused, not imported: {}", run.stdout);
            assert!(
                run.stderr.contains("cannot be imported"),
                "{what}: one sentence: {}",
                run.stderr
            );
        }
    }

    // Repaired: a clash whose rename would pass the name limit is shortened; the file's own
    // keyring id is not taken (it would point into someone else's keyring entries).
    let file = wb.home.path().join("clash.json");
    let clash = with(
        with(shape(&long), "client_id", "theirs"),
        "keyring_id",
        "n-0000",
    );
    std::fs::write(&file, case_with(clash)).unwrap();
    let run = wb.run(&["case", "import", file.to_str().unwrap(), "--yes"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let profiles = wb.json(&["profile", "list", "--json"]);
    let names: Vec<&str> = profiles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let renamed = names.iter().find(|n| **n != long).unwrap();
    assert!(
        renamed.len() <= 64 && renamed.ends_with("-case"),
        "{renamed}"
    );
    assert_ne!(wb.keyring_id(renamed), "n-0000");
    let corrupt = std::fs::read_dir(wb.home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .count();
    assert_eq!(
        corrupt, 0,
        "nothing was moved aside: every import loads back"
    );
}
