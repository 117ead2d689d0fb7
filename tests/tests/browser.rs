//! Browser sign-in end to end: the real `waybill login`, a real headless Chromium as the user's
//! browser (`BROWSER`), and real providers: the demo provider (implicit with the token in the
//! fragment and in the query, authorization code + PKCE) and oidc-provider (implicit
//! `id_token token`, authorization code + PKCE with a refresh token). Each ends with an API call
//! through `waybill call` and a search for the tokens outside the keyring.

use std::time::Duration;

use serde_json::Value;
use waybill_demo::{DemoConfig, DemoServer};
use waybill_tests::harness::{
    browser_steps_after, chromium_browser, keyring_access_token, require_keyring,
    secret_tool_lookup, Waybill,
};
use waybill_tests::oidc::OidcProvider;

fn user(log: &std::path::Path) -> Waybill {
    Waybill::new()
        .env("BROWSER", &chromium_browser())
        .env("SIGN_IN_TIMEOUT_MS", "30000")
        .env("SIGN_IN_LOG", &log.display().to_string())
}

/// Profile `web`: code + PKCE at the demo provider (endpoints discovered), a public client;
/// then `waybill login web` in the browser.
fn sign_in_at_demo(wb: &Waybill, server: &DemoServer) -> waybill_tests::harness::Run {
    let (issuer, api) = (server.base_url(), server.api_base());
    wb.ok(
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
            "--no-client-secret",
            "--scope",
            "shipments",
            "--api-base",
            &api,
        ],
        "",
    );
    wb.run(&["login", "web", "--timeout", "60"], "")
}

fn token_json(wb: &Waybill, name: &str) -> Value {
    let run = wb.run_printing_token(&["token", name, "--json"], "");
    assert_eq!(run.code, 0, "token {name}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn call_json(wb: &Waybill, name: &str, target: &str) -> Value {
    let run = wb.run(&["call", name, "GET", target, "--json-out"], "");
    assert_eq!(
        run.code, 0,
        "call {name} {target}: {}\n{}",
        run.stdout, run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap()
}

fn assert_no_leaks(wb: &Waybill, tokens: &[String]) {
    for token in tokens {
        let leaks = wb.find_leaks(token);
        assert!(
            leaks.is_empty(),
            "a token leaked outside the keyring into {leaks:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_provider_authorization_code_with_pkce_in_chromium() {
    require_keyring();
    let server = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = user(log.path());
    let (issuer, api) = (server.base_url(), server.api_base());
    let login = sign_in_at_demo(&wb, &server);
    assert_eq!(login.code, 0, "login failed: {}", login.stderr);
    assert!(
        login.stdout.contains("Signed in to web"),
        "{}",
        login.stdout
    );
    let steps = browser_steps_after(log.path(), "done");
    assert!(
        steps.contains("approve") && steps.contains("done"),
        "the browser signed in like a user: {steps}"
    );

    let token = token_json(&wb, "web");
    let inspected = wb.json(&["inspect", "web", "--json"]);
    assert_eq!(
        inspected["meta"]["obtained_by"], "browser",
        "a later process still knows it came from a sign-in"
    );
    assert_eq!(
        token["source"], "cache",
        "the signed-in token is kept in the keyring for the next command"
    );
    let id = wb.keyring_id("web");
    let refresh = secret_tool_lookup(&format!("{id}/refresh_token"))
        .expect("the code flow's refresh token is kept");
    let whoami = call_json(&wb, "web", "/whoami");
    assert_eq!(whoami["body"]["grant_type"], "authorization_code");

    // Expired at the provider: the refresh token renews it without the browser.
    reqwest::Client::new()
        .post(format!("{issuer}/demo/expire-tokens"))
        .send()
        .await
        .unwrap();
    let again = call_json(&wb, "web", "/whoami");
    assert_eq!(
        again["retried_after_401"], true,
        "renewed with the refresh token after a 401"
    );

    let access = token_json(&wb, "web")["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    wb.ok(&["logout", "web", "--revoke"], "");
    assert_eq!(keyring_access_token(&id), None);
    let revoked = reqwest::Client::new()
        .get(format!("{api}/whoami"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        revoked.status(),
        401,
        "logout --revoke revoked the token at the provider"
    );
    assert_no_leaks(
        &wb,
        &[
            access,
            refresh,
            token["access_token"].as_str().unwrap().to_string(),
        ],
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_provider_implicit_in_fragment_and_in_query() {
    require_keyring();
    let server = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = user(log.path());
    let authorize = server.authorize_url();
    let api = server.api_base();
    let mut tokens = Vec::new();
    for (name, extra) in [("fragment", None), ("query", Some("response_mode=query"))] {
        let mut args = vec![
            "profile",
            "add",
            name,
            "--grant",
            "implicit",
            "--authorize-url",
            &authorize,
            "--client-id",
            "demo-browser",
            "--scope",
            "shipments",
            "--api-base",
            &api,
        ];
        if let Some(extra) = extra {
            args.extend(["--authorize-param", extra]);
        }
        wb.ok(&args, ""); // an implicit profile asks for no client secret
        let login = wb.run(&["login", name, "--timeout", "60"], "");
        assert_eq!(login.code, 0, "{name}: {}", login.stderr);
        let token = token_json(&wb, name);
        assert_eq!(
            token["source"], "cache",
            "the signed-in token is kept in the keyring for the next command"
        );
        assert_eq!(
            call_json(&wb, name, "/whoami")["body"]["grant_type"],
            "implicit",
            "{name}"
        );
        tokens.push(token["access_token"].as_str().unwrap().to_string());
    }
    // No refresh for implicit: once the provider expires it, the user is asked to sign in again.
    reqwest::Client::new()
        .post(format!("{}/demo/expire-tokens", server.base_url()))
        .send()
        .await
        .unwrap();
    let expired = wb.run(&["call", "fragment", "GET", "/whoami"], "");
    assert_eq!(expired.code, 2);
    assert!(
        expired.stderr.contains("sign in again")
            && expired.stderr.contains("waybill login fragment"),
        "{}",
        expired.stderr
    );
    assert_no_leaks(&wb, &tokens);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_sign_in_reports_the_providers_words() {
    require_keyring();
    let server = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = user(log.path()).env("SIGN_IN_ACTION", "deny");
    let issuer = server.base_url();
    wb.ok(
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
            "--no-client-secret",
        ],
        "",
    );
    let denied = wb.run(&["login", "web", "--timeout", "60"], "");
    assert_eq!(denied.code, 2, "{}", denied.stdout);
    assert!(
        denied.stderr.contains("access_denied")
            && denied.stderr.contains("The user denied the request"),
        "{}",
        denied.stderr
    );
    let token = wb.run(&["token", "web"], "");
    assert_eq!(token.code, 2, "a denied sign-in leaves no token");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_implicit_id_token_token() {
    require_keyring();
    let oidc = OidcProvider::start("unused-secret-value", 60);
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = user(log.path()).env("SIGN_IN_LOGIN", "ada");
    wb.ok(
        &[
            "profile",
            "add",
            "op",
            "--grant",
            "implicit",
            "--issuer",
            &oidc.issuer,
            "--client-id",
            "native-implicit",
            "--no-client-secret",
            "--scope",
            "openid api:read",
            "--authorize-param",
            "response_type=id_token token",
        ],
        "",
    );
    let login = wb.run(&["login", "op", "--timeout", "60"], "");
    assert_eq!(login.code, 0, "{}", login.stderr);
    let steps = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        steps.contains("login-form") && steps.contains("consent"),
        "signed in at oidc-provider's own pages: {steps}"
    );
    let token = token_json(&wb, "op");
    assert_eq!(
        token["source"], "cache",
        "the signed-in token is kept in the keyring for the next command"
    );
    assert!(
        token["extra"]["id_token"].is_string(),
        "the id_token is kept with the token: {token}"
    );
    let me = call_json(&wb, "op", &format!("{}/me", oidc.issuer));
    assert_eq!(
        me["body"]["sub"], "ada",
        "the provider's userinfo accepts the token for the user who signed in"
    );
    assert_no_leaks(&wb, &[token["access_token"].as_str().unwrap().to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_authorization_code_with_pkce_and_refresh() {
    require_keyring();
    let oidc = OidcProvider::start("unused-secret-value", 4);
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = user(log.path()).env("SIGN_IN_LOGIN", "grace");
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
    let login = wb.run(&["login", "op", "--timeout", "60"], "");
    assert_eq!(login.code, 0, "{}", login.stderr);
    let first = token_json(&wb, "op");
    assert_eq!(
        first["source"], "cache",
        "the signed-in token is kept in the keyring for the next command"
    );
    assert_eq!(
        call_json(&wb, "op", &format!("{}/me", oidc.issuer))["body"]["sub"],
        "grace"
    );
    // The inspector asks the provider: introspection (the issuer's, discovered) and userinfo.
    let checked = wb.json(&["inspect", "op", "--introspect", "--json"]);
    assert_eq!(checked["introspection"]["active"], true, "{checked}");
    assert_eq!(checked["userinfo"]["sub"], "grace", "{checked}");
    let id = wb.keyring_id("op");
    let refresh = secret_tool_lookup(&format!("{id}/refresh_token"))
        .expect("offline_access gives a refresh token");

    // The 4 s token runs out; the next call renews it with the refresh token, no browser.
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let renewed = token_json(&wb, "op");
    assert_eq!(renewed["source"], "refreshed");
    assert_eq!(
        call_json(&wb, "op", &format!("{}/me", oidc.issuer))["body"]["sub"],
        "grace"
    );
    let rotated = secret_tool_lookup(&format!("{id}/refresh_token")).unwrap();
    assert_no_leaks(
        &wb,
        &[
            first["access_token"].as_str().unwrap().into(),
            renewed["access_token"].as_str().unwrap().into(),
            refresh,
            rotated,
        ],
    );
}

/// The device grant (RFC 8628) at oidc-provider: `waybill login` prints the address and the code
/// and opens the address; Chromium, playing the user, confirms the code, signs in and consents
/// while Waybill polls; the token (and a refresh token) is kept and calls the API. A denied code
/// and an expired one end with a sentence, exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_device_grant_confirmed_denied_and_expired() {
    require_keyring();
    let oidc = OidcProvider::start("unused-secret-value", 60);
    let log = tempfile::NamedTempFile::new().unwrap();
    let add = |wb: &Waybill, name: &str, issuer: &str| {
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--grant",
                "device_code",
                "--issuer",
                issuer,
                "--client-id",
                "device-public",
                "--scope",
                "openid offline_access api:read",
                "--authorize-param",
                "prompt=consent",
            ],
            "",
        );
    };
    let wb = user(log.path()).env("SIGN_IN_LOGIN", "lin");
    add(&wb, "tv", &oidc.issuer);
    let shown = wb.json(&["profile", "show", "tv", "--json"]);
    assert_eq!(
        shown["device_authorization_url"],
        format!("{}/device/auth", oidc.issuer),
        "discovered: {shown}"
    );
    let login = wb.run(&["login", "tv"], "");
    assert_eq!(login.code, 0, "{}\n{}", login.stdout, login.stderr);
    let line = login.stdout.lines().next().unwrap_or_default();
    assert!(
        line.starts_with(&format!(
            "To sign in to tv, open {}/device and enter the code ",
            oidc.issuer
        )),
        "{}",
        login.stdout
    );
    let user_code = line.rsplit(' ').next().unwrap();
    assert_eq!(user_code.len(), 9, "oidc-provider's XXXX-XXXX: {user_code}");
    assert!(
        login.stdout.contains(&format!("user_code={user_code}")),
        "the address that holds the code: {}",
        login.stdout
    );
    assert!(
        login.stderr.contains("Opened your browser"),
        "{}",
        login.stderr
    );
    assert!(browser_steps_after(log.path(), "open").contains("device-confirm"));
    let status = wb.json(&["inspect", "tv", "--json"]);
    assert_eq!(status["meta"]["obtained_by"], "device", "{status}");
    assert_eq!(status["has_refresh_token"], true, "{status}");
    assert_eq!(
        call_json(&wb, "tv", &format!("{}/me", oidc.issuer))["body"]["sub"],
        "lin"
    );
    let access = token_json(&wb, "tv")["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_no_leaks(&wb, &[access]);

    // The user aborts on the confirmation page.
    let denier = user(log.path()).env("SIGN_IN_ACTION", "deny");
    add(&denier, "tv-denied", &oidc.issuer);
    let denied = denier.run(&["login", "tv-denied"], "");
    assert_eq!(denied.code, 2, "{}", denied.stderr);
    assert!(
        denied
            .stderr
            .contains("the sign-in was denied at the provider"),
        "{}",
        denied.stderr
    );

    // Nobody confirms a code that lives 2 s.
    let short = OidcProvider::start_with("unused-secret-value", 60, &[("OIDC_DEVICE_TTL", "2")]);
    let idle = Waybill::new();
    add(&idle, "tv-late", &short.issuer);
    let expired = idle.run(&["login", "tv-late", "--no-browser"], "");
    assert_eq!(expired.code, 2, "{}", expired.stderr);
    assert!(
        expired
            .stderr
            .contains("the code expired before the sign-in was confirmed"),
        "{}",
        expired.stderr
    );
}

/// RFC 9126 at oidc-provider, for a client that must push its authorization requests: the
/// browser's address carries only `client_id` and `request_uri`, and the sign-in completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_pushed_authorization_request() {
    require_keyring();
    let oidc = OidcProvider::start("unused-secret-value", 60);
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = user(log.path()).env("SIGN_IN_LOGIN", "ada");
    wb.ok(
        &[
            "profile",
            "add",
            "op-par",
            "--grant",
            "authorization_code",
            "--issuer",
            &oidc.issuer,
            "--client-id",
            "native-par",
            "--no-client-secret",
            "--scope",
            "openid api:read",
            "--par",
        ],
        "",
    );
    let shown = wb.json(&["profile", "show", "op-par", "--json"]);
    assert_eq!(
        shown["par_url"],
        format!("{}/request", oidc.issuer),
        "{shown}"
    );
    // Printed, not opened: the address holds a reference to the pushed request, nothing else.
    let printed = wb.run(&["login", "op-par", "--no-browser", "--timeout", "1"], "");
    let url = url::Url::parse(printed.stdout.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {}", printed.stdout));
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["client_id", "request_uri"], "{url}");
    assert!(url
        .query()
        .unwrap()
        .contains("urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri"));

    let login = wb.run(&["login", "op-par", "--timeout", "60"], "");
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert_eq!(
        call_json(&wb, "op-par", &format!("{}/me", oidc.issuer))["body"]["sub"],
        "ada"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_sign_in_works_and_only_waybills_own_requests_go_through_it() {
    require_keyring();
    let server = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let proxy = waybill_tests::proxy::Tinyproxy::start(None);
    let log = tempfile::NamedTempFile::new().unwrap();
    // Everything of this user's goes through the proxy, as in a company network.
    let wb = user(log.path())
        .env("HTTP_PROXY", &proxy.url())
        .env("http_proxy", &proxy.url());
    let login = sign_in_at_demo(&wb, &server);
    assert_eq!(login.code, 0, "login failed: {}", login.stderr);
    let seen = proxy.log();
    assert!(
        seen.contains(&format!("POST {}/oauth/token", server.base_url())),
        "Waybill's own requests use the proxy: {seen}"
    );
    // The browser reaches the provider on loopback and the loopback listener directly (Chromium
    // never proxies loopback; Waybill also adds loopback to the NO_PROXY of the browser it starts,
    // for browsers that read it).
    assert!(
        !seen.contains("/callback"),
        "the redirect went through the proxy: {seen}"
    );
    assert!(!seen.contains("/oauth/authorize"), "{seen}");
    assert_eq!(call_json(&wb, "web", "/whoami")["status"], 200);
}
