//! Runs without a person, end to end with the real binary: profiles kept in a team's folder
//! (`--home`, `WAYBILL_HOME`) with each person's secrets in their own keyring, and a CI job's
//! secrets from the environment with `--session-only`, for each kind of secret, written nowhere.

use serde_json::json;
use waybill_tests::demo;
use waybill_tests::emulator::{Emulator, Recorded, Reply};
use waybill_tests::harness::{random_secret, require_keyring, secret_tool_lookup, Waybill};

/// Every file under `dir` that holds `needle`.
fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_folder_holds_profiles_and_requests_but_no_secret() {
    require_keyring();
    let secret = random_secret("team-secret");
    let server = demo::start(&secret, "unused-password").await;
    let repo = tempfile::tempdir().unwrap();
    let home = repo.path().to_str().unwrap();
    let ann = Waybill::new();
    let mut args = demo::add_profile_args("ups", &server.base_url(), &["--client-secret-stdin"]);
    args.splice(0..0, ["--home".to_string(), home.to_string()]);
    ann.ok(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &format!("{secret}\n"),
    );
    ann.ok(&["--home", home, "call", "ups", "GET", "/whoami"], "");
    for file in ["profiles.toml", "history.sqlite3"] {
        assert!(
            repo.path().join(file).exists(),
            "{file} is kept in the team's folder"
        );
    }
    assert!(
        std::fs::read_dir(ann.home.path()).unwrap().next().is_none(),
        "nothing in the person's own directory when --home names another"
    );
    // WAYBILL_HOME names the same folder: a colleague's Waybill sees the profile, and its
    // secret is in the keyring of whoever stored it, never in the folder.
    let bob = Waybill::new().env("WAYBILL_HOME", home);
    assert_eq!(bob.json(&["profile", "list", "--json"])[0]["name"], "ups");
    let id = bob.keyring_id("ups");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")),
        Some(secret.clone())
    );
    assert!(files_holding(repo.path(), &secret).is_empty());
}

/// A CI job: the team's profiles, `--session-only`, and each secret from its variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ci_secrets_come_from_the_environment_for_each_kind_and_are_written_nowhere() {
    require_keyring();
    let (secret, password) = (random_secret("ci-secret"), random_secret("ci-password"));
    let server = demo::start(&secret, &password).await;
    let key = random_secret("ci-api-key");
    let wanted = key.clone();
    let api = Emulator::start(move |r: &Recorded| match r.header("x-api-key") {
        Some(k) if k == wanted => Reply::json(200, json!({"account": "acme"})),
        _ => Reply::json(401, json!({"message": "Invalid API key"})),
    })
    .await;
    let repo = tempfile::tempdir().unwrap();
    let home = repo.path().to_str().unwrap();
    // A person sets the profiles up (with placeholders where the CI job brings its own).
    let person = Waybill::new().env("WAYBILL_HOME", home);
    let base = server.base_url();
    demo::add_profile(
        &person,
        "cc-live",
        &base,
        &["--client-secret-stdin"],
        "placeholder\n",
    );
    let (token_url, demo_api) = (format!("{base}/oauth/token"), format!("{base}/api"));
    let add = |name: &str, extra: &[&str], stdin: &str| {
        let mut args = vec!["profile", "add", name, "--token-url", &token_url];
        args.extend(["--client-id", "demo-client", "--api-base", &demo_api]);
        args.extend_from_slice(extra);
        person.ok(&args, stdin);
    };
    let user = [
        "--grant",
        "password",
        "--client-auth",
        "json",
        "--username",
        "demo",
        "--client-secret-stdin",
        "--password-stdin",
    ];
    add("user", &user, &format!("{secret}\n{password}\n"));
    let refresh = secret_tool_lookup(&format!("{}/refresh_token", person.keyring_id("user")))
        .expect("the sign-in kept a refresh token");
    let rt = [
        "--grant",
        "refresh_token",
        "--client-secret-stdin",
        "--refresh-token-stdin",
    ];
    add("rt", &rt, &format!("placeholder\n{refresh}\n"));
    let api_base = api.url("/api");
    person.ok(
        &[
            "profile",
            "add",
            "keyed",
            "--grant",
            "api_key",
            "--api-base",
            &api_base,
            "--auth-header",
            "X-Api-Key: {api_key}",
            "--api-key-stdin",
        ],
        "placeholder-key\n",
    );

    let ci = Waybill::new()
        .env("WAYBILL_CC_LIVE_CLIENT_SECRET", &secret)
        .env("WAYBILL_USER_CLIENT_SECRET", &secret)
        .env("WAYBILL_USER_PASSWORD", &password)
        .env("WAYBILL_RT_CLIENT_SECRET", &secret)
        .env("WAYBILL_RT_REFRESH_TOKEN", &refresh)
        .env("WAYBILL_KEYED_API_KEY", &key);
    for (profile, path) in [
        ("cc-live", "/whoami"),
        ("user", "/whoami"),
        ("rt", "/whoami"),
    ] {
        let run = ci.run(
            &[
                "--home",
                home,
                "--session-only",
                "call",
                profile,
                "GET",
                path,
            ],
            "",
        );
        assert_eq!(run.code, 0, "{profile}: {}", run.stderr);
    }
    let whoami = ci.run(
        &[
            "--home",
            home,
            "--session-only",
            "call",
            "user",
            "GET",
            "/whoami",
        ],
        "",
    );
    assert!(
        whoami.stdout.contains("\"username\":\"demo\""),
        "{}",
        whoami.stdout
    );
    let keyed = ci.run(
        &[
            "--home",
            home,
            "--session-only",
            "call",
            "keyed",
            "GET",
            "/me",
        ],
        "",
    );
    assert_eq!(keyed.code, 0, "{}", keyed.stderr);
    assert!(keyed.stdout.contains("acme"));

    // Without its variable, a secret is asked for on stdin as before: none given, one sentence.
    let bare = Waybill::new();
    let missing = bare.run(
        &[
            "--home",
            home,
            "--session-only",
            "call",
            "cc-live",
            "GET",
            "/whoami",
        ],
        "",
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("hint: or set WAYBILL_CC_LIVE_CLIENT_SECRET"),
        "{}",
        missing.stderr
    );

    for value in [&secret, &password, &refresh, &key] {
        assert!(
            files_holding(repo.path(), value).is_empty(),
            "a CI secret was written to the folder"
        );
        assert!(
            ci.find_leaks(value).is_empty(),
            "a CI secret was printed or written"
        );
    }
    // The keyring still holds the person's placeholders: the CI run wrote nothing there.
    let id = person.keyring_id("cc-live");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some("placeholder")
    );
    let id = person.keyring_id("keyed");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/api_key")).as_deref(),
        Some("placeholder-key")
    );
}

/// The saved requests of a shipping check, by hand in `requests.toml` (its documented form):
/// the services listed, every token expired at the provider in the middle, a shipment created
/// and its id captured, then read back by that id; and two that fail.
fn shipping_requests(profile_id: &str, base: &str) -> String {
    format!(
        r#"[[saved]]
profile = "{profile_id}"
folder = "shipping"
name = "services"

[saved.request]
method = "GET"
url = "/services"

[saved.expect]
status = 200
max_ms = 5000
headers = ["content-type"]
json = [
  {{ pointer = "/0/id", equals = "standard" }},
  {{ pointer = "/1/name", matches = "^Express" }},
]

[[saved]]
profile = "{profile_id}"
folder = "shipping"
name = "expire every token"

[saved.request]
method = "POST"
url = "{base}/demo/expire-tokens"

[[saved]]
profile = "{profile_id}"
folder = "shipping"
name = "create"

[saved.request]
method = "POST"
url = "/shipments"
body = {{ kind = "json", value = '{{"to": "Oslo"}}' }}

[saved.expect]
status = "2xx"
json = [{{ pointer = "/status", equals = "created" }}]

[[saved.capture]]
name = "shipment"
json = "/id"

[[saved]]
profile = "{profile_id}"
folder = "shipping"
name = "read back"

[saved.request]
method = "GET"
url = "/shipments/{{{{shipment}}}}"

[saved.expect]
json = [{{ pointer = "/to", equals = "Oslo" }}]

[[saved]]
profile = "{profile_id}"
folder = "broken"
name = "missing shipment"

[saved.request]
method = "GET"
url = "/shipments/nope"

[[saved]]
profile = "{profile_id}"
folder = "broken"
name = "wrong city"

[saved.request]
method = "GET"
url = "/services"

[saved.expect]
json = [{{ pointer = "/0/id", equals = "overnight" }}]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_checks_expectations_carries_captures_renews_once_and_reports_for_ci() {
    require_keyring();
    let secret = random_secret("run-secret");
    let server = demo::start(&secret, "unused").await;
    let wb = Waybill::new();
    demo::add_profile(
        &wb,
        "ship",
        &server.base_url(),
        &["--client-secret-stdin"],
        &format!("{secret}\n"),
    );
    let id = wb.keyring_id("ship");
    std::fs::write(
        wb.home.path().join("requests.toml"),
        shipping_requests(&id, &server.base_url()),
    )
    .unwrap();
    let listed = wb.ok(&["requests", "ship"], "");
    assert!(
        listed.stdout.contains("shipping/read back"),
        "{}",
        listed.stdout
    );

    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let run = wb.run(
        &[
            "run",
            "ship",
            "shipping",
            "--junit",
            junit.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("pass  shipping/services"),
        "{}",
        run.stdout
    );
    assert!(
        lines[3].starts_with("pass  shipping/read back"),
        "the capture was used: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("4 passed, 0 failed (4 requests"),
        "{}",
        run.stdout
    );
    assert_eq!(
        server.token_requests(),
        2,
        "one token for the run, renewed once after the expiry"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="ship/shipping" tests="4" failures="0" errors="0""#),
        "{xml}"
    );
    validate_junit(&junit);

    // The broken folder: exit 1, the first unmet expectation in words, JSON and JUnit say which.
    let run = wb.run(
        &[
            "run",
            "ship",
            "broken",
            "--json",
            "--junit",
            junit.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(0), Some(2))
    );
    let results = report["results"].as_array().unwrap();
    assert_eq!(results[0]["name"], "missing shipment");
    assert_eq!(results[0]["folder"], "broken");
    assert_eq!(results[0]["status"], 404);
    assert_eq!(results[0]["failures"][0], "status 404, expected 2xx");
    assert_eq!(
        results[1]["failures"][0],
        r#"/0/id is "standard", expected "overnight""#
    );
    assert!(
        run.stderr.contains("FAIL  broken/wrong city"),
        "the lines go to stderr with --json: {}",
        run.stderr
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<failure type="expectation" message="status 404, expected 2xx">"#),
        "{xml}"
    );
    validate_junit(&junit);

    // --bail stops at the first failure; a name that is no request or folder is a usage error.
    let bailed = wb.run(&["run", "ship", "broken", "--bail", "--json"], "");
    assert_eq!(bailed.code, 1);
    let report: serde_json::Value = serde_json::from_str(&bailed.stdout).unwrap();
    assert_eq!(report["results"].as_array().unwrap().len(), 1, "{report}");
    let unknown = wb.run(&["run", "ship", "nowhere"], "");
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains(r#"has no saved request or folder named "nowhere""#),
        "{}",
        unknown.stderr
    );
    assert!(wb.find_leaks(&secret).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_run_makes_one_token_request() {
    require_keyring();
    let secret = random_secret("par-secret");
    let server = demo::start(&secret, "unused").await;
    let wb = Waybill::new();
    demo::add_profile(
        &wb,
        "ship",
        &server.base_url(),
        &["--client-secret-stdin"],
        &format!("{secret}\n"),
    );
    let id = wb.keyring_id("ship");
    let many: String = (0..16)
        .map(|n| format!("[[saved]]\nprofile = \"{id}\"\nname = \"services {n}\"\n\n[saved.request]\nmethod = \"GET\"\nurl = \"/services\"\n\n"))
        .collect();
    std::fs::write(wb.home.path().join("requests.toml"), many).unwrap();
    let run = wb.run(&["run", "ship", "--parallel", "8", "--json"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["passed"], 16);
    let names: Vec<&str> = (report["results"].as_array().unwrap().iter())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "services 0", "results in their saved order");
    assert_eq!(names[15], "services 15");
    assert_eq!(
        server.token_requests(),
        1,
        "eight at once share one token request"
    );
}

/// `xmllint --schema` against the JUnit schema Jenkins' xUnit plugin reads reports with.
fn validate_junit(file: &std::path::Path) {
    let schema =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/junit/junit-10.xsd");
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(file)
        .output()
        .expect("xmllint (Debian's libxml2-utils; scripts/test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Support's "is it fixed?": a customer's failing call, kept as a case file, sent again after
/// the fix with the team's own profile; the run says what changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_replayed_after_a_fix_says_what_changed() {
    require_keyring();
    let fixed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let now_fixed = fixed.clone();
    let api = Emulator::start(move |r: &Recorded| {
        if r.header("x-api-key") != Some("support-key-123") {
            return Reply::json(401, json!({"message": "Invalid API key"}));
        }
        match now_fixed.load(std::sync::atomic::Ordering::SeqCst) {
            false => Reply::json(
                500,
                json!({"errors": [{"code": "9150", "message": "internal error"}]}),
            ),
            true => Reply::json(
                200,
                json!({"trackingNumber": "1Z999", "events": [{"status": "delivered"}]}),
            ),
        }
    })
    .await;
    let wb = Waybill::new();
    let api_base = api.url("/api");
    let add = |name: &str| {
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--grant",
                "api_key",
                "--api-base",
                &api_base,
                "--auth-header",
                "X-Api-Key: {api_key}",
                "--api-key-stdin",
            ],
            "support-key-123\n",
        )
    };
    add("customer");
    add("support");
    let call = wb.run(&["call", "customer", "GET", "/track/1Z999"], "");
    assert_eq!(call.code, 1, "the customer's call fails: {}", call.stderr);
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("ticket-4711.json");
    wb.ok(&["case", "export", case.to_str().unwrap()], "");

    let unchanged = wb.run(
        &[
            "run",
            "--case",
            case.to_str().unwrap(),
            "--profile",
            "support",
        ],
        "",
    );
    assert_eq!(
        unchanged.code, 0,
        "still failing as recorded: {}\n{}",
        unchanged.stdout, unchanged.stderr
    );
    assert!(
        unchanged.stdout.contains("1 passed, 0 failed"),
        "{}",
        unchanged.stdout
    );

    fixed.store(true, std::sync::atomic::Ordering::SeqCst);
    let junit = dir.path().join("case.xml");
    let args = [
        "run",
        "--case",
        case.to_str().unwrap(),
        "--profile",
        "support",
        "--json",
        "--junit",
        junit.to_str().unwrap(),
    ];
    let after = wb.run(&args, "");
    assert_eq!(after.code, 1, "{}", after.stderr);
    let report: serde_json::Value = serde_json::from_str(&after.stdout).unwrap();
    let result = &report["results"][0];
    assert_eq!(result["status"], 200);
    let changes: Vec<&str> = (result["failures"].as_array().unwrap().iter())
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "status 200 (recorded: 500)",
            "/errors is gone (was a list)",
            "/events is new (a list)",
            "/trackingNumber is new (a string)"
        ],
    );
    assert!(
        result["name"]
            .as_str()
            .unwrap()
            .ends_with("GET /api/track/1Z999"),
        "{result}"
    );
    validate_junit(&junit);
    assert!(wb.find_leaks("support-key-123").is_empty());
    assert!(!std::fs::read_to_string(&case)
        .unwrap()
        .contains("support-key-123"));
}

/// The HAR a customer attaches to a ticket (made by Chromium: `src-tauri/core/tests/fixtures/har`),
/// imported: its API calls planned by host as saved requests, everything that carried a
/// credential listed by name as taken out, and none of its secrets in any file or output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_har_from_chromium_is_imported_by_host_with_its_credentials_taken_out() {
    require_keyring();
    let har = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../src-tauri/core/tests/fixtures/har/carrier.har");
    let har = har.to_str().unwrap();
    let wb = Waybill::new();
    let plan = wb.json(&["import", har, "--json"]);
    assert_eq!(plan["applied"], false, "without --yes, the plan only");
    let folders: Vec<&str> = (plan["requests"].as_array().unwrap().iter())
        .map(|r| r["folder"].as_str().unwrap())
        .collect();
    assert_eq!(folders.len(), 5, "{plan}");
    assert!(
        folders[0].starts_with("127.0.0.1:") && folders[4].starts_with("localhost:"),
        "{folders:?}"
    );
    let removed: Vec<(String, String)> = (plan["removed"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (kind, name) in [
        ("header", "Authorization"),
        ("header", "Cookie"),
        ("header", "DHL-API-Key"),
        ("header", "X-Shopify-Access-Token"),
        ("cookie", "session_id"),
        ("query", "access_token"),
        ("body", "client_secret"),
        ("body", "account_password"),
    ] {
        assert!(
            removed.contains(&(kind.into(), name.into())),
            "{kind} {name} not listed: {removed:?}"
        );
    }
    let added = wb.json(&["import", har, "--yes", "--json"]);
    assert_eq!(added["applied"], true);
    let profile = added["profile"]["name"].as_str().unwrap();
    let saved = wb.json(&["requests", profile, "--json"]);
    assert_eq!(saved.as_array().unwrap().len(), 5, "{saved}");
    let text = wb.ok(&["import", har], "").stdout;
    assert!(
        text.contains("Taken out (credentials; never kept, never shown):"),
        "{text}"
    );
    for secret in [
        "har-page-token-Tq4Wz8Lm",
        "har-session-cookie-Lp5Tg2Hd",
        "har-client-secret-7Qm2xV9p",
        "har-access-token-Zk81wQ3r",
        "har-query-token-Vb6Nc4Ks",
        "har-body-password-Ry7Ue1Wo",
        "har-dhl-key-Hs3Jd8Fq",
        "shpat_har-shopify-Mn4Bv7Cx",
    ] {
        assert!(
            std::fs::read_to_string(har).unwrap().contains(secret),
            "the HAR holds {secret}"
        );
        assert!(wb.find_leaks(secret).is_empty(), "{secret} leaked");
    }
}
