//! Every hop, failures diagnosed in words, and `waybill doctor`, end to end with the real binary
//! and keyring:
//! - `--trace` and `--trace-json` of a browser sign-in (code + PKCE at oidc-provider, Chromium as
//!   the user), a device sign-in and a client-credentials token: every hop, in order, and no
//!   secret, token, code, verifier or assertion in what was printed or written;
//! - a provider emulated to fail in each usual way (the client in the wrong place, a page where
//!   the token endpoint should be, scopes and grants it does not offer, a clock off by minutes, a
//!   redirect URI or implicit grant it refuses, a token the API refuses): each failure's
//!   diagnosis and what to do;
//! - `doctor` on a healthy profile and on broken ones, `--probe-client-auth` naming the client
//!   authentication oidc-provider accepts, and its JSON free of secrets.

use serde_json::Value;
use waybill_demo::{DemoConfig, DemoServer};
use waybill_tests::emulator::Emulator;
use waybill_tests::harness::{
    chromium_browser, keyring_access_token, random_secret, require_keyring, secret_tool_lookup,
    Waybill,
};
use waybill_tests::oidc::OidcProvider;
use waybill_tests::picky::{picky_provider, SECRET};

fn read_trace(file: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file).expect("the trace file is written");
    serde_json::from_str(&text).expect("the trace file is a JSON list")
}

fn steps(hops: &[Value]) -> Vec<String> {
    hops.iter()
        .map(|h| h["step"].as_str().unwrap().to_string())
        .collect()
}

fn position(steps: &[String], step: &str) -> usize {
    steps
        .iter()
        .position(|s| s == step)
        .unwrap_or_else(|| panic!("no {step:?} hop in {steps:?}"))
}

/// None of `secrets` in the trace file, the command output or any file of the profile.
fn assert_hidden(wb: &Waybill, trace: &std::path::Path, secrets: &[&str]) {
    let text = std::fs::read_to_string(trace).unwrap();
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} is in the trace file");
        let leaks = wb.find_leaks(secret);
        assert!(leaks.is_empty(), "{secret} leaked into {leaks:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_credentials_token_traced_shows_each_hop_and_no_secret() {
    require_keyring();
    let server = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let wb = Waybill::new();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    wb.ok(
        &[
            "profile",
            "add",
            "demo",
            "--grant",
            "client_credentials",
            "--token-url",
            &server.token_url(),
            "--client-id",
            "demo-client",
            "--client-auth",
            "basic",
            "--api-base",
            &server.api_base(),
            "--client-secret-stdin",
        ],
        "demo-secret\n",
    );
    let traced = [
        "call",
        "demo",
        "GET",
        "/whoami",
        "--trace",
        "--trace-json",
        trace.to_str().unwrap(),
    ];
    let run = wb.run(&traced, "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hops = read_trace(&trace);
    assert_eq!(steps(&hops), ["token", "call"]);
    let token = &hops[0];
    assert_eq!(token["method"], "POST");
    assert_eq!(token["url"], server.token_url());
    assert_eq!(token["status"], 200);
    assert!(token["elapsed_ms"].is_u64());
    assert_eq!(
        token["request"]["headers"]["authorization"],
        "Basic [redacted]"
    );
    assert_eq!(token["request"]["body"], "grant_type=client_credentials");
    let answer = token["response"]["body"].as_str().unwrap();
    assert!(
        answer.contains(r#""access_token":"[redacted]""#),
        "{answer}"
    );
    assert_eq!(
        hops[1]["request"]["headers"]["authorization"],
        "Bearer [redacted]"
    );
    assert_eq!(
        hops[1]["response"]["headers"]["content-type"],
        "application/json"
    );
    // Printed as it happened, one block per hop.
    assert!(
        run.stderr
            .contains(&format!("* token POST {} -> 200", server.token_url())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("> authorization: Basic [redacted]"));
    assert!(run
        .stderr
        .contains(&format!("* call GET {}/whoami -> 200", server.api_base())));
    let access = keyring_access_token(&wb.keyring_id("demo")).expect("the token is kept");
    assert_hidden(
        &wb,
        &trace,
        &["demo-secret", &access, "ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_sign_in_traced_from_authorize_to_the_api_hides_code_verifier_and_tokens() {
    require_keyring();
    let oidc = OidcProvider::start("unused-secret-value", 60);
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = Waybill::new()
        .env("BROWSER", &chromium_browser())
        .env("SIGN_IN_TIMEOUT_MS", "30000")
        .env("SIGN_IN_LOG", &log.path().display().to_string())
        .env("SIGN_IN_LOGIN", "grace");
    wb.ok(
        &[
            "profile",
            "add",
            "op",
            "--grant",
            "authorization_code",
            "--issuer",
            &oidc.issuer,
            "--client-id",
            "native-pkce",
            "--no-client-secret",
            "--scope",
            "openid offline_access api:read",
            "--authorize-param",
            "prompt=consent",
        ],
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("login.json");
    let login = wb.run(
        &[
            "login",
            "op",
            "--timeout",
            "60",
            "--trace-json",
            trace.to_str().unwrap(),
            "--trace",
        ],
        "",
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    let hops = read_trace(&trace);
    let names = steps(&hops);
    let (authorize, redirect, token) = (
        position(&names, "authorize"),
        position(&names, "redirect"),
        position(&names, "token"),
    );
    assert!(authorize < redirect && redirect < token, "{names:?}");
    let sent = hops[authorize]["url"].as_str().unwrap();
    assert!(
        sent.starts_with(&format!("{}/auth?", oidc.issuer)),
        "{sent}"
    );
    assert!(
        sent.contains("code_challenge="),
        "the challenge is no secret: {sent}"
    );
    let back = hops[redirect]["url"].as_str().unwrap();
    assert!(back.contains("code=%5Bredacted%5D"), "{back}");
    let exchange = hops[token]["request"]["body"].as_str().unwrap();
    for hidden in ["code=%5Bredacted%5D", "code_verifier=%5Bredacted%5D"] {
        assert!(exchange.contains(hidden), "{exchange}");
    }
    let answer = hops[token]["response"]["body"].as_str().unwrap();
    for field in ["access_token", "refresh_token", "id_token"] {
        assert!(
            answer.contains(&format!(r#""{field}":"[redacted]""#)),
            "{answer}"
        );
    }
    assert!(
        login.stderr.contains("* redirect GET http://127.0.0.1:"),
        "{}",
        login.stderr
    );

    let call_trace = dir.path().join("call.json");
    let call = wb.run(
        &[
            "call",
            "op",
            "GET",
            &format!("{}/me", oidc.issuer),
            "--trace-json",
            call_trace.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(call.code, 0, "{}", call.stderr);
    assert_eq!(steps(&read_trace(&call_trace)), ["call"]);
    let id = wb.keyring_id("op");
    let access = keyring_access_token(&id).unwrap();
    let refresh = secret_tool_lookup(&format!("{id}/refresh_token")).unwrap();
    assert_hidden(&wb, &trace, &[&access, &refresh]);
    assert_hidden(&wb, &call_trace, &[&access]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_sign_in_traced_shows_the_code_request_and_each_poll() {
    require_keyring();
    let oidc = OidcProvider::start("unused-secret-value", 60);
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = Waybill::new()
        .env("BROWSER", &chromium_browser())
        .env("SIGN_IN_TIMEOUT_MS", "30000")
        .env("SIGN_IN_LOG", &log.path().display().to_string())
        .env("SIGN_IN_LOGIN", "lin");
    wb.ok(
        &[
            "profile",
            "add",
            "tv",
            "--grant",
            "device_code",
            "--issuer",
            &oidc.issuer,
            "--client-id",
            "device-public",
            "--scope",
            "openid offline_access api:read",
            "--authorize-param",
            "prompt=consent",
        ],
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("device.json");
    let login = wb.run(
        &["login", "tv", "--trace-json", trace.to_str().unwrap()],
        "",
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    let hops = read_trace(&trace);
    let names = steps(&hops);
    assert_eq!(names[0], "device authorization", "{names:?}");
    assert!(names[1..].iter().all(|s| s == "device poll"), "{names:?}");
    let last = hops.last().unwrap();
    assert_eq!(last["status"], 200, "the poll that got the token");
    let code = hops[0]["response"]["body"].as_str().unwrap();
    assert!(code.contains(r#""device_code":"[redacted]""#), "{code}");
    assert!(
        code.contains(r#""user_code":""#),
        "the code the person types is shown: {code}"
    );
    let polled = hops[1]["request"]["body"].as_str().unwrap();
    assert!(polled.contains("device_code=%5Bredacted%5D"), "{polled}");
    let access = keyring_access_token(&wb.keyring_id("tv")).unwrap();
    assert_hidden(&wb, &trace, &[&access]);
}

fn add_picky(wb: &Waybill, emulator: &Emulator, name: &str, extra: &[&str], secret: &str) {
    let issuer = emulator.base();
    let token_url = emulator.url("/oauth2/token");
    let api = emulator.url("/api");
    let mut args = vec![
        "profile",
        "add",
        name,
        "--grant",
        "client_credentials",
        "--issuer",
        &issuer,
        "--token-url",
        &token_url,
        "--api-base",
        &api,
    ];
    if !extra.contains(&"--client-id") {
        args.extend(["--client-id", "app"]);
    }

    args.extend_from_slice(extra);
    if !secret.is_empty() {
        args.push("--client-secret-stdin");
    }
    wb.ok(&args, &format!("{secret}\n"));
}

/// `why:` and `fix:` lines under the error.
fn why_and_fix(stderr: &str) -> (String, String) {
    let pick = |mark: &str| {
        let lines: Vec<&str> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix(mark))
            .collect();
        lines.join("\n")
    };
    (pick("why: "), pick("fix: "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_usual_refusal_is_diagnosed_with_what_to_do() {
    require_keyring();
    let emulator = picky_provider().await;
    let wb = Waybill::new();

    add_picky(&wb, &emulator, "basic", &["--client-auth", "basic"], SECRET);
    let run = wb.run(&["token", "basic"], "");
    assert_eq!(run.code, 2);
    let (why, fix) = why_and_fix(&run.stderr);
    assert!(
        why.contains("refused client app, sent in HTTP Basic (client_secret_basic)"),
        "{why}"
    );
    assert!(
        why.contains("lists these client authentications: client_secret_post"),
        "{why}"
    );
    assert!(
        fix.contains("`waybill doctor basic --probe-client-auth`"),
        "{fix}"
    );

    add_picky(
        &wb,
        &emulator,
        "admin",
        &["--scope", "orders admin"],
        SECRET,
    );
    let (why, fix) = why_and_fix(&wb.run(&["token", "admin"], "").stderr);
    assert!(
        why.contains("refused the scopes asked for: orders admin"),
        "{why}"
    );
    assert!(
        why.contains("lists these scopes: orders, shipping"),
        "{why}"
    );
    assert!(fix.contains("--scope"), "{fix}");

    let password = [
        "--grant",
        "password",
        "--username",
        "ann",
        "--remember-password",
        "--password-stdin",
    ];
    // A password profile signs in as it is added: the refusal comes then.
    let (issuer, token_url) = (emulator.base(), emulator.url("/oauth2/token"));
    let mut args = vec![
        "profile",
        "add",
        "pw",
        "--issuer",
        &issuer,
        "--token-url",
        &token_url,
    ];
    args.extend(["--client-id", "app", "--client-secret-stdin"]);
    args.extend_from_slice(&password);
    let added = wb.run(&args, &format!("{SECRET}\nann-password\n"));
    let (why, _) = why_and_fix(&added.stderr);
    assert!(why.contains("does not allow the password grant"), "{why}");
    assert!(
        why.contains("lists these grants: client_credentials"),
        "{why}"
    );

    add_picky(&wb, &emulator, "skewed", &["--client-id", "skewed"], SECRET);
    let (why, fix) = why_and_fix(&wb.run(&["token", "skewed"], "").stderr);
    assert!(why.contains(" s ahead of the provider's"), "{why}");
    assert!(fix.contains("timedatectl set-ntp true"), "{fix}");

    for (path, answered) in [
        ("/login", "a web page (HTTP 200"),
        ("/missing", "HTTP 404 (not found)"),
        ("/get-only", "HTTP 405 (method not allowed)"),
    ] {
        let name = &path[1..];
        add_picky(&wb, &emulator, name, &[], SECRET);
        let wrong = emulator.url(path);
        wb.ok(&["profile", "edit", name, "--token-url", &wrong], "");
        let (why, fix) = why_and_fix(&wb.run(&["token", name], "").stderr);
        assert!(
            why.contains(&format!(
                "{wrong} is not a token endpoint: it answered {answered}"
            )),
            "{why}"
        );
        let named = emulator.url("/oauth2/token");
        assert!(
            fix.contains(&format!("`--token-url {named}`")),
            "discovery names it: {fix}"
        );
    }

    add_picky(&wb, &emulator, "good", &["--scope", "orders"], SECRET);
    let refused = wb.run(&["call", "good", "GET", "/orders"], "");
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let (why, fix) = why_and_fix(&refused.stderr);
    assert!(
        why.contains(
            "The API answered HTTP 403 to the token sent as `authorization: Bearer [redacted]`"
        ),
        "{why}"
    );
    assert!(why.contains("it said: needs orders:write"), "{why}");
    assert!(
        why.contains("It asks for scope orders:write; the token has orders"),
        "{why}"
    );
    assert!(fix.contains("--auth-header"), "{fix}");
    wb.ok(
        &[
            "profile",
            "edit",
            "good",
            "--auth-header",
            "X-Token: {token}",
        ],
        "",
    );
    wb.ok(&["call", "good", "GET", "/orders"], "");
    assert!(wb.find_leaks(SECRET).is_empty());
    assert!(wb.find_leaks("picky-access-token-123456").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_uri_or_implicit_grant_refused_in_the_browser_is_diagnosed() {
    require_keyring();
    let emulator = picky_provider().await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = Waybill::new()
        .env("BROWSER", &chromium_browser())
        .env("SIGN_IN_TIMEOUT_MS", "8000")
        .env("SIGN_IN_LOG", &log.path().display().to_string());
    let authorize = emulator.url("/authorize");
    let token_url = emulator.url("/oauth2/token");
    let add = |name: &str, grant: &str| {
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--grant",
                grant,
                "--authorize-url",
                &authorize,
                "--token-url",
                &token_url,
                "--client-id",
                "app",
                "--no-client-secret",
            ],
            "",
        )
    };
    // The provider shows its error page and never sends the browser back.
    add("code", "authorization_code");
    let run = wb.run(&["login", "code", "--timeout", "4"], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let (why, fix) = why_and_fix(&run.stderr);
    assert!(
        why.contains("The browser never came back to http://127.0.0.1:"),
        "{why}"
    );
    assert!(why.contains("does not accept this redirect URI"), "{why}");
    assert!(
        fix.contains("--redirect-uri http://127.0.0.1:PORT/callback"),
        "{fix}"
    );

    // The provider sends the browser back with its refusal: it wants PKCE.
    add("implicit", "implicit");
    let run = wb.run(&["login", "implicit", "--timeout", "20"], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let (why, fix) = why_and_fix(&run.stderr);
    assert!(
        why.contains("PKCE check failed (it said: PKCE is required for public clients)"),
        "{why}"
    );
    assert!(fix.contains("--grant authorization_code"), "{fix}");

    // The code comes back, and its exchange without a secret is refused: the client is
    // confidential at the provider.
    wb.ok(
        &[
            "profile",
            "add",
            "public",
            "--grant",
            "authorization_code",
            "--authorize-url",
            &authorize,
            "--token-url",
            &token_url,
            "--client-id",
            "public-app",
            "--no-client-secret",
        ],
        "",
    );
    let run = wb.run(&["login", "public", "--timeout", "20"], "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let (why, fix) = why_and_fix(&run.stderr);
    assert!(
        why.contains("refused client public-app, sent without a secret as a public client"),
        "{why}"
    );
    assert!(
        fix.contains("registered as confidential") && fix.contains("set-secret public"),
        "{fix}"
    );
    assert!(
        wb.find_leaks("picky-code-0123456789").is_empty(),
        "the code is never shown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_a_healthy_profile_and_names_what_is_wrong_with_a_broken_one() {
    require_keyring();
    let secret = random_secret("oidc");
    let oidc = OidcProvider::start(&secret, 60);
    let wb = Waybill::new();
    let token_url = format!("{}/token", oidc.issuer);
    let add = |name: &str, auth: &str| {
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--grant",
                "client_credentials",
                "--issuer",
                &oidc.issuer,
                "--token-url",
                &token_url,
                "--client-id",
                "cc-post",
                "--client-auth",
                auth,
                "--scope",
                "api:read",
                "--api-base",
                &oidc.issuer,
                "--client-secret-stdin",
            ],
            &format!("{secret}\n"),
        )
    };
    add("healthy", "form");
    let run = wb.run(&["doctor", "healthy"], "");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for line in [
        "pass  dns ",
        "pass  discovery ",
        "pass  token endpoint ",
        "pass  token ",
        "pass  claims ",
        "pass  api ",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in {}", run.stdout);
    }

    let access = keyring_access_token(&wb.keyring_id("healthy")).unwrap();

    // A provider that takes the client in the form body only (its documented dialect), asked
    // with HTTP Basic.
    let picky = picky_provider().await;
    add_picky(
        &wb,
        &picky,
        "wrong-way",
        &["--client-auth", "basic", "--scope", "orders"],
        SECRET,
    );
    let run = wb.run(&["doctor", "wrong-way", "--probe-client-auth"], "");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("FAIL  token "), "{}", run.stdout);
    assert!(
        run.stdout.contains("FAIL  client authentication  the provider accepts the client in the form body, not the way this profile sends it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("fix: `waybill profile edit wrong-way --client-auth form`"),
        "{}",
        run.stdout
    );
    let report = wb.run(
        &["doctor", "wrong-way", "--json", "--probe-client-auth"],
        "",
    );
    assert_eq!(report.code, 1);
    let json: Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(json["passed"], false);
    let failed: Vec<&str> = (json["steps"].as_array().unwrap().iter())
        .filter(|s| s["outcome"] == "failed")
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["token", "client authentication"], "{json}");
    // Followed, the fix works.
    wb.ok(
        &["profile", "edit", "wrong-way", "--client-auth", "form"],
        "",
    );
    wb.ok(&["doctor", "wrong-way"], "");
    for secret in [
        secret.as_str(),
        SECRET,
        access.as_str(),
        "picky-access-token-123456",
    ] {
        assert!(!report.stdout.contains(secret), "no secret in the report");
        assert!(wb.find_leaks(secret).is_empty(), "{secret} leaked");
    }

    let wb_missing = Waybill::new();
    wb_missing.ok(
        &[
            "profile",
            "add",
            "gone",
            "--grant",
            "client_credentials",
            "--token-url",
            &format!("{}/nowhere", oidc.issuer),
            "--client-id",
            "cc-post",
            "--client-auth",
            "form",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let run = wb_missing.run(&["doctor", "gone"], "");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("FAIL  token endpoint "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("is not a token endpoint"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_client_assertion_is_traced_redacted() {
    require_keyring();
    let secret = random_secret("jwt-secret");
    let oidc = OidcProvider::start(&secret, 60);
    let wb = Waybill::new();
    wb.ok(
        &[
            "profile",
            "add",
            "jwt",
            "--grant",
            "client_credentials",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "cc-jwt",
            "--client-auth",
            "client_secret_jwt",
            "--scope",
            "api:read",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("jwt.json");
    // `token` prints the token: its job, so its stdout is not searched.
    let args = ["token", "jwt", "--trace-json", trace.to_str().unwrap()];
    let run = wb.run_printing_token(&args, "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hops = read_trace(&trace);
    assert_eq!(steps(&hops), ["token"]);
    let body = hops[0]["request"]["body"].as_str().unwrap();
    assert!(body.contains("client_assertion=%5Bredacted%5D"), "{body}");
    assert!(
        body.contains("client_assertion_type=urn"),
        "the type is no secret: {body}"
    );
    let access = keyring_access_token(&wb.keyring_id("jwt")).unwrap();
    // An assertion is a JWT: its header is the same for every one HS256 signs, so no part of
    // one may be in the file (the secret itself never goes on the wire).
    assert!(!std::fs::read_to_string(&trace).unwrap().contains("eyJ"));
    assert_hidden(&wb, &trace, &[&secret, &access]);
}
