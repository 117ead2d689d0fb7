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
