//! The carriers and marketplaces people actually link, end to end: every built-in preset of a
//! real provider driven through the real `waybill` binary and the real OS keyring against an
//! emulator of that provider's documented dialect (`waybill_tests::carriers`: what each accepts
//! and what it refuses, with sources). A person types `profile add NAME --preset ID`, their
//! credentials on stdin, and expects `token`, `call`, renewal when a token runs out, and `check`
//! to work as the provider wants them, and the provider's own refusal in words when something is
//! off. The same flags on custom profiles without presets, the preset list and team presets, the
//! dynamic values, and the redirect rule (a credential never follows a redirect to another
//! origin, whatever header it travels in).
//!
//! The emulators answer on 127.0.0.1 with the preset's own paths; the profiles are pointed at
//! them with `--token-url`/`--refresh-url`/`--api-base` (Shopify: `--base-url`). Tokens live a
//! few seconds so that renewal is real. After every flow, every file under the test's
//! WAYBILL_HOME and everything printed are searched for each secret, token and API key.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use waybill_tests::carriers::{self, basic, fields, Account, Carrier, TRICKY};
use waybill_tests::emulator::{Emulator, Recorded, Reply};
use waybill_tests::harness::{
    browser_steps_after, chromium_browser, keyring_access_token, require_keyring,
    secret_tool_lookup, Run, Waybill,
};

// ---- helpers ----------------------------------------------------------------------------------

/// `waybill profile add NAME ARGS...` with `stdin`; it must succeed.
fn add(wb: &Waybill, name: &str, args: &[&str], stdin: &str) -> Run {
    let mut all = vec!["profile", "add", name];
    all.extend_from_slice(args);
    wb.ok(&all, stdin)
}

/// `waybill token NAME --json` (its stdout, which holds the token, stays out of the transcript).
fn token_json(wb: &Waybill, name: &str) -> Value {
    let run = wb.run_printing_token(&["token", name, "--json"], "");
    assert_eq!(run.code, 0, "waybill token {name} failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("token --json prints JSON")
}

/// `waybill call NAME METHOD PATH --json-out` that must get a 2xx.
fn call(wb: &Waybill, name: &str, method: &str, path: &str) -> Value {
    let run = wb.run(&["call", name, method, path, "--json-out"], "");
    assert_eq!(
        run.code, 0,
        "waybill call {name} {method} {path} failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    serde_json::from_str(&run.stdout).expect("call --json-out prints JSON")
}

/// `waybill call` that the provider refuses: exit 1, the provider's words on stderr.
fn refused(wb: &Waybill, name: &str, method: &str, path: &str) -> Run {
    let run = wb.run(&["call", name, method, path], "");
    assert_eq!(
        run.code, 1,
        "a refused call exits 1 (the body is still printed): {}\n{}",
        run.stdout, run.stderr
    );
    run
}

/// `waybill check NAME`: its run (exit 0 connected, 1 refused, 2 no check or error).
fn check(wb: &Waybill, name: &str) -> Run {
    wb.run(&["check", name], "")
}

/// The newest history entry, as `history --json` gives it.
fn newest_entry(wb: &Waybill) -> Value {
    let all = wb.json(&["history", "--json"]);
    all.as_array()
        .and_then(|a| a.first())
        .cloned()
        .expect("history has an entry")
}

/// The newest history entry as `history show ID --curl` prints it (credentials redacted).
fn newest_as_curl(wb: &Waybill) -> String {
    let id = newest_entry(wb)["id"].as_i64().expect("an entry id");
    wb.ok(&["history", "show", &id.to_string(), "--curl"], "")
        .stdout
}

/// The header line of a curl command, `-H 'NAME: VALUE'`, for `name` (any case).
fn curl_header<'a>(curl: &'a str, name: &str) -> Option<&'a str> {
    let lower = curl.to_ascii_lowercase();
    let at = lower.find(&format!("{}: ", name.to_ascii_lowercase()))?;
    let rest = &curl[at..];
    let end = rest.find(['\'', '"', '\n']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Nothing any emulator handed out or was given (secrets, passwords, API keys, tokens) is in
/// any file under WAYBILL_HOME or anything Waybill printed (a token printed by `waybill token`
/// on purpose aside).
fn assert_no_leaks(wb: &Waybill, carriers: &[&Carrier]) {
    for carrier in carriers {
        for needle in carrier.secrets() {
            if needle.len() < 8 {
                continue;
            }
            let found = wb.find_leaks(&needle);
            assert!(
                found.is_empty(),
                "{needle:?} (a secret, key or token) leaked outside the keyring into {found:?}"
            );
        }
    }
}

/// Sleep until tokens of `account` handed out now have run out.
async fn outlive(account: &Account) {
    tokio::time::sleep(account.lifetime + Duration::from_millis(400)).await;
}

fn assert_expires_in(token: &Value, account: &Account) {
    let at = chrono::DateTime::parse_from_rfc3339(token["expires_at"].as_str().unwrap_or(""))
        .unwrap_or_else(|_| panic!("expires_at is RFC 3339: {token}"));
    let left = at.timestamp() - chrono::Utc::now().timestamp();
    let lifetime = account.lifetime.as_secs() as i64;
    assert!(
        (lifetime - 2..=lifetime + 1).contains(&left),
        "the expiry comes from the provider's answer ({lifetime} s), so renewal happens in time: {left} s left"
    );
}

fn only<'a>(requests: &'a [Recorded], what: &str) -> &'a Recorded {
    assert_eq!(requests.len(), 1, "expected exactly one {what}");
    &requests[0]
}

fn assert_raw_basic(req: &Recorded, account: &Account) {
    assert_eq!(
        basic(req),
        Some((account.client_id.clone(), account.client_secret.clone())),
        "this provider wants HTTP Basic with the id and secret as they are (its own SDKs encode \
         them raw); a form-encoded `{TRICKY}` would be refused"
    );
}

fn secret_line(account: &Account) -> String {
    format!("{}\n", account.client_secret)
}

// ---- UPS --------------------------------------------------------------------------------------

/// A UPS shipper links their own app: HTTP Basic raw, a form body, the account number as
/// x-merchant-id; every call carries a fresh 32-character transId and transactionSrc; a token
/// that runs out is fetched again. A customer's account linked by a refresh token renews at
/// /refresh (UPS's /token refuses refresh grants), each refresh token once. A form-encoded Basic
/// is refused in UPS's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ups_client_credentials_and_refresh_at_its_own_url() {
    use carriers::ups;
    require_keyring();
    let account = Account::new("ups", 3);
    let ups = ups::start(account.clone()).await;
    let wb = Waybill::new();
    let urls = [
        "--token-url",
        &ups.url(ups::TOKEN),
        "--refresh-url",
        &ups.url(ups::REFRESH),
        "--api-base",
        &ups.url(ups::API),
    ];
    let mut args = vec!["--preset", "ups", "--client-id", &account.client_id];
    args.extend_from_slice(&urls);
    args.extend([
        "--token-request-header",
        "x-merchant-id: 123456",
        "--client-secret-stdin",
    ]);
    add(&wb, "ups", &args, &secret_line(&account));
    let shown = wb.json(&["profile", "show", "ups", "--json"]);
    assert_eq!(shown["client_auth"], "basic");
    assert_eq!(shown["basic_encoding"], "raw");
    assert_eq!(shown["environment"], "sandbox", "UPS's default: CIE");
    assert_eq!(shown["token_request_headers"]["x-merchant-id"], "123456");
    assert_eq!(
        shown["headers"]["transId"], "{{$hex32}}",
        "drawn afresh per call, kept as the template"
    );

    let token = token_json(&wb, "ups");
    assert_eq!(token["source"], "fetched");
    assert_eq!(token["token_type"], "Bearer");
    assert_expires_in(&token, &account);
    let requests = ups.requests_to(ups::TOKEN);
    let req = only(&requests, "token request");
    assert_raw_basic(req, &account);
    assert_eq!(
        fields(req).into_iter().collect::<Vec<_>>(),
        vec![("grant_type".to_string(), "client_credentials".to_string())],
        "UPS's form body is grant_type alone: the client is in the Basic header"
    );
    assert_eq!(
        req.header("x-merchant-id"),
        Some("123456"),
        "the account number goes to the token request as x-merchant-id"
    );

    let tracked = call(&wb, "ups", "GET", "/track/v1/details/1Z12345E0205271688");
    assert_eq!(tracked["status"], 200);
    call(&wb, "ups", "GET", "/track/v1/details/1Z12345E0205271688");
    let api = ups.requests_to(ups::TRACK);
    let ids: Vec<&str> = api.iter().filter_map(|r| r.header("transid")).collect();
    assert_eq!(ids.len(), 2, "every call carries transId");
    assert!(
        ids.iter().all(|id| id.len() == 32) && ids[0] != ids[1],
        "transId is 32 characters and new for each request: {ids:?}"
    );
    assert_eq!(api[0].header("transactionsrc"), Some("waybill"));
    assert_eq!(ups.count(ups::TOKEN), 1, "the token is reused while valid");

    // A customer's account, linked by the refresh token their authorization gave.
    let refresh = ups
        .book
        .add_refresh(format!("ups-rt-{}", carriers::hex(24)));
    let mut args = vec!["--preset", "ups", "--client-id", &account.client_id];
    args.extend_from_slice(&urls);
    args.extend(["--client-secret-stdin", "--refresh-token-stdin"]);
    add(
        &wb,
        "ups-linked",
        &args,
        &format!("{}{refresh}\n", secret_line(&account)),
    );
    let linked = token_json(&wb, "ups-linked");
    assert_eq!(linked["source"], "refreshed");
    assert_eq!(ups.count(ups::REFRESH), 1, "refresh goes to /refresh");
    assert_eq!(ups.count(ups::TOKEN), 1, "not to /token");
    let req = &ups.requests_to(ups::REFRESH)[0];
    assert_raw_basic(req, &account);
    assert_eq!(fields(req).get("refresh_token"), Some(&refresh));

    // Both run out: the client-credentials one is fetched again, the linked one refreshed.
    outlive(&account).await;
    call(&wb, "ups", "GET", "/track/v1/details/1Z12345E0205271688");
    assert_eq!(
        ups.count(ups::TOKEN),
        2,
        "an expired token is fetched again"
    );
    let curl = newest_as_curl(&wb);
    assert_eq!(
        curl_header(&curl, "Authorization"),
        Some("Authorization: Bearer [redacted]"),
        "{curl}"
    );
    let no_check = check(&wb, "ups");
    assert_eq!(no_check.code, 2);
    assert!(
        no_check.stderr.contains("has no check request"),
        "UPS has no endpoint that names an account: {}",
        no_check.stderr
    );

    call(
        &wb,
        "ups-linked",
        "GET",
        "/track/v1/details/1Z12345E0205271688",
    );
    let refreshes = ups.requests_to(ups::REFRESH);
    assert_eq!(refreshes.len(), 2, "renewed with the refresh token");
    assert_ne!(
        fields(&refreshes[1]).get("refresh_token"),
        Some(&refresh),
        "UPS's refresh tokens work once: the new one from the first refresh is used"
    );
    assert_eq!(ups.count(ups::TOKEN), 2, "never at /token");
    let id = wb.keyring_id("ups-linked");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/refresh_token")).as_ref(),
        ups.book.refresh_tokens().last(),
        "the keyring holds the newest refresh token"
    );

    // Refresh sent to /token, as a profile without the refresh URL would: UPS refuses it.
    let stale = ups
        .book
        .add_refresh(format!("ups-rt-{}", carriers::hex(24)));
    let mut args = vec!["--preset", "ups", "--client-id", &account.client_id];
    args.extend_from_slice(&urls);
    args.retain(|a| !a.ends_with(ups::REFRESH) && *a != "--refresh-url");
    args.extend(["--client-secret-stdin", "--refresh-token-stdin"]);
    add(
        &wb,
        "ups-no-refresh-url",
        &args,
        &format!("{}{stale}\n", secret_line(&account)),
    );
    let wrong = wb.run_printing_token(&["token", "ups-no-refresh-url"], "");
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("10400") && wrong.stderr.contains("Invalid/Unsupported grant_type"),
        "UPS's refusal in its words: {}",
        wrong.stderr
    );
    assert!(wrong.stdout.is_empty());

    // RFC 6749's form-encoded Basic is not what UPS takes.
    let mut args = vec!["--preset", "ups", "--client-id", &account.client_id];
    args.extend_from_slice(&urls);
    args.extend(["--basic-encoding", "form", "--client-secret-stdin"]);
    add(&wb, "ups-form", &args, &secret_line(&account));
    let form = wb.run_printing_token(&["token", "ups-form"], "");
    assert_eq!(form.code, 2);
    assert!(
        form.stderr.contains("10401") && form.stderr.contains("ClientId is Invalid"),
        "{}",
        form.stderr
    );
    assert_no_leaks(&wb, &[&ups]);
}

// ---- FedEx ------------------------------------------------------------------------------------

/// FedEx: client id and secret in a form body (no Basic), a one-hour JWT with "bearer"; its
/// expiry is the JWT's. A wrong secret is refused with FedEx's code and sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedex_form_body_and_a_jwt() {
    use carriers::fedex;
    require_keyring();
    let account = Account::new("fedex", 3);
    let fx = fedex::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, base) = (fx.url(fedex::TOKEN), fx.base());
    let args = [
        "--preset",
        "fedex",
        "--client-id",
        &account.client_id,
        "--token-url",
        &token_url,
        "--api-base",
        &base,
        "--client-secret-stdin",
    ];
    add(&wb, "fedex", &args, &secret_line(&account));
    let token = token_json(&wb, "fedex");
    assert!(
        token["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
        "FedEx's \"bearer\": {token}"
    );
    assert_expires_in(&token, &account);
    let requests = fx.requests_to(fedex::TOKEN);
    let req = only(&requests, "token request");
    assert_eq!(req.media_type(), Some("application/x-www-form-urlencoded"));
    assert_eq!(req.header("authorization"), None, "FedEx takes no Basic");
    let form = fields(req);
    assert_eq!(form.get("client_secret"), Some(&account.client_secret));
    let inspected = wb.json(&["inspect", "fedex", "--json", "--no-verify"]);
    assert!(
        inspected["jwt"]["claims"]["exp"].is_i64(),
        "the token is a JWT whose claims the inspector shows: {inspected}"
    );

    let resolve = wb.run(
        &[
            "call",
            "fedex",
            "POST",
            fedex::RESOLVE,
            "-d",
            r#"{"addressesToValidate":[{"address":{"postalCode":"38125","countryCode":"US"}}]}"#,
            "--json-out",
        ],
        "",
    );
    assert_eq!(resolve.code, 0, "{}", resolve.stderr);
    let sent = &fx.requests_to(fedex::RESOLVE)[0];
    assert_eq!(sent.media_type(), Some("application/json"));
    assert!(sent.bearer().is_some());
    outlive(&account).await;
    let again = wb.run(&["call", "fedex", "POST", fedex::RESOLVE, "-d", "{}"], "");
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        fx.count(fedex::TOKEN),
        2,
        "renewed when the JWT's exp passed"
    );
    assert!(check(&wb, "fedex").stderr.contains("has no check request"));
    let curl = newest_as_curl(&wb);
    assert_eq!(
        curl_header(&curl, "Authorization"),
        Some("Authorization: Bearer [redacted]")
    );

    add(&wb, "fedex-wrong", &args, "not-the-secret-at-all\n");
    let wrong = wb.run_printing_token(&["token", "fedex-wrong"], "");
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("NOT.AUTHORIZED.ERROR")
            && wrong
                .stderr
                .contains("The given client credentials were not valid"),
        "FedEx's refusal in its words: {}",
        wrong.stderr
    );
    assert_no_leaks(&wb, &[&fx]);
}

// ---- USPS -------------------------------------------------------------------------------------

/// USPS: a JSON body (the only form it documents), an answer whose numbers are strings; the
/// check request (city and state of a ZIP code) proves the connection. A form body is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usps_json_body_and_string_numbers() {
    use carriers::usps;
    require_keyring();
    let account = Account::new("usps", 3);
    let us = usps::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, base) = (us.url(usps::TOKEN), us.base());
    let args = [
        "--preset",
        "usps",
        "--client-id",
        &account.client_id,
        "--token-url",
        &token_url,
        "--api-base",
        &base,
        "--client-secret-stdin",
    ];
    add(&wb, "usps", &args, &secret_line(&account));
    let token = token_json(&wb, "usps");
    assert_expires_in(&token, &account);
    assert_eq!(
        token["extra"]["application_name"],
        usps::APPLICATION,
        "the answer's other fields are kept (in the keyring, with the token)"
    );
    let requests = us.requests_to(usps::TOKEN);
    let req = only(&requests, "token request");
    assert_eq!(req.media_type(), Some("application/json"));
    assert_eq!(
        req.json().unwrap(),
        json!({"grant_type": "client_credentials", "client_id": account.client_id,
               "client_secret": account.client_secret}),
        "USPS's JSON body, the secret as it is"
    );

    let checked = check(&wb, "usps");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stdout.contains(&format!(
            "Connected (HTTP 200 from {base}/addresses/v3/city-state?ZIPCode=30022)"
        )),
        "no USPS answer names the account: the check says what answered: {}",
        checked.stdout
    );
    let city = call(&wb, "usps", "GET", "/addresses/v3/city-state?ZIPCode=30022");
    assert_eq!(city["body"]["city"], "ALPHARETTA");
    outlive(&account).await;
    call(&wb, "usps", "GET", "/addresses/v3/city-state?ZIPCode=30022");
    assert_eq!(us.count(usps::TOKEN), 2, "renewed after it ran out");
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "Authorization"),
        Some("Authorization: Bearer [redacted]")
    );

    let mut form = args.to_vec();
    form.extend(["--client-auth", "form"]);
    add(&wb, "usps-form", &form, &secret_line(&account));
    let refused = wb.run_printing_token(&["token", "usps-form"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("Content-Type must be application/json"),
        "{}",
        refused.stderr
    );
    assert_no_leaks(&wb, &[&us]);
}

/// `logout --revoke` on a USPS profile: USPS revokes with the token as bearer and a JSON body
/// (its README), not with RFC 7009's client authentication, so its preset names no revocation
/// URL: Waybill forgets the tokens here and says they stay valid at USPS until they expire,
/// rather than send USPS a request it refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usps_logout_revoke_says_the_token_stays_valid_at_usps() {
    use carriers::usps;
    require_keyring();
    let account = Account::new("usps-revoke", 300);
    let us = usps::start(account.clone()).await;
    let wb = Waybill::new();
    add(
        &wb,
        "usps",
        &[
            "--preset",
            "usps",
            "--client-id",
            &account.client_id,
            "--token-url",
            &us.url(usps::TOKEN),
            "--api-base",
            &us.base(),
            "--client-secret-stdin",
        ],
        &secret_line(&account),
    );
    token_json(&wb, "usps");
    let revoked = wb.run(&["logout", "usps", "--revoke"], "");
    assert_eq!(revoked.code, 2, "{}", revoked.stderr);
    assert!(
        revoked.stderr.contains("no revocation endpoint")
            && revoked.stderr.contains("stay valid at the provider"),
        "{}",
        revoked.stderr
    );
    assert!(
        us.requests_to(usps::REVOKE).is_empty(),
        "no request USPS would refuse"
    );
    let state = wb.json(&["inspect", "usps", "--json", "--no-verify"]);
    assert_eq!(state["state"], "signed_out", "forgotten here: {state}");
    assert_no_leaks(&wb, &[&us]);
}

// ---- DHL Parcel DE ----------------------------------------------------------------------------

/// DHL Parcel Germany: the password grant with the business portal user, all in a form body;
/// signed in at `profile add`, renewed with the remembered password, and the check names the
/// portal user. A wrong password is refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dhl_parcel_de_password_grant_with_the_business_user() {
    use carriers::dhl;
    require_keyring();
    let account = Account::new("dhl", 3);
    let dh = dhl::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, api) = (dh.url(dhl::TOKEN), dh.url(dhl::API_BASE));
    let args = [
        "--preset",
        "dhl-parcel-de",
        "--client-id",
        &account.client_id,
        "--username",
        &account.username,
        "--token-url",
        &token_url,
        "--api-base",
        &api,
        "--client-secret-stdin",
        "--password-stdin",
        "--remember-password",
    ];
    let added = add(
        &wb,
        "dhl",
        &args,
        &format!("{}{}\n", secret_line(&account), account.password),
    );
    assert!(
        added
            .stdout
            .contains(&format!("Signed in as {}", account.username)),
        "{}",
        added.stdout
    );
    let requests = dh.requests_to(dhl::TOKEN);
    let req = only(&requests, "token request");
    assert_eq!(req.media_type(), Some("application/x-www-form-urlencoded"));
    let form = fields(req);
    for (field, value) in [
        ("grant_type", "password"),
        ("client_id", &account.client_id),
        ("client_secret", &account.client_secret),
        ("username", &account.username),
        ("password", &account.password),
    ] {
        assert_eq!(form.get(field).map(String::as_str), Some(value), "{field}");
    }

    let checked = check(&wb, "dhl");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", account.username)
    );
    outlive(&account).await;
    call(&wb, "dhl", "GET", "/account/auth/ropc/v1/hello");
    assert_eq!(
        dh.count(dhl::TOKEN),
        2,
        "renewed with the remembered password"
    );
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "Authorization"),
        Some("Authorization: Bearer [redacted]")
    );

    let mut wrong = args.to_vec();
    wrong.retain(|a| *a != "--remember-password");
    let refused = wb.run(
        &[&["profile", "add", "dhl-wrong"][..], &wrong[..]].concat(),
        &format!("{}not-the-password\n", secret_line(&account)),
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("invalid_grant"),
        "{}",
        refused.stderr
    );
    assert_no_leaks(&wb, &[&dh]);
}

// ---- Sendcloud --------------------------------------------------------------------------------

/// Sendcloud: HTTP Basic raw with `scope=api` in the form; the check names the user id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sendcloud_basic_raw_with_scope_api() {
    use carriers::sendcloud;
    require_keyring();
    let account = Account::new("sendcloud", 3);
    let sc = sendcloud::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, api) = (sc.url(sendcloud::TOKEN), sc.url(sendcloud::API_BASE));
    let args = [
        "--preset",
        "sendcloud",
        "--client-id",
        &account.client_id,
        "--token-url",
        &token_url,
        "--api-base",
        &api,
        "--client-secret-stdin",
    ];
    add(&wb, "sendcloud", &args, &secret_line(&account));
    let checked = check(&wb, "sendcloud");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", sendcloud::USER_ID)
    );
    let requests = sc.requests_to(sendcloud::TOKEN);
    let req = only(&requests, "token request");
    assert_raw_basic(req, &account);
    assert_eq!(fields(req).get("scope").map(String::as_str), Some("api"));
    call(&wb, "sendcloud", "GET", "/user/auth/metadata");
    assert_eq!(sc.count(sendcloud::TOKEN), 1);
    outlive(&account).await;
    call(&wb, "sendcloud", "GET", "/user/auth/metadata");
    assert_eq!(sc.count(sendcloud::TOKEN), 2, "renewed");

    let mut form = args.to_vec();
    form.extend(["--basic-encoding", "form"]);
    add(&wb, "sendcloud-form", &form, &secret_line(&account));
    let refused = wb.run_printing_token(&["token", "sendcloud-form"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    assert_no_leaks(&wb, &[&sc]);
}

// ---- Shopify ----------------------------------------------------------------------------------

/// Shopify: every URL from the shop's address; a JSON body; the token in X-Shopify-Access-Token
/// with no scheme (its answers have no token_type); the check names the shop. The same profile
/// sending `Authorization: Bearer` is refused in Shopify's words, and no credential follows a
/// redirect to another origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_access_token_header_and_the_shop_name() {
    use carriers::shopify;
    require_keyring();
    let account = Account::new("shopify", 3);
    let sh = shopify::start(account.clone()).await;
    let wb = Waybill::new();
    let base = sh.base();
    add(
        &wb,
        "shop",
        &[
            "--preset",
            "shopify",
            "--base-url",
            &base,
            "--client-id",
            &account.client_id,
            "--client-secret-stdin",
        ],
        &secret_line(&account),
    );
    let shown = wb.json(&["profile", "show", "shop", "--json"]);
    assert_eq!(shown["token_url"], format!("{base}{}", shopify::TOKEN));
    assert_eq!(shown["api_base"], format!("{base}{}", shopify::API_BASE));

    let token = token_json(&wb, "shop");
    assert_eq!(
        token["token_type"], "Bearer",
        "no token_type in Shopify's answer"
    );
    assert_expires_in(&token, &account);
    let requests = sh.requests_to(shopify::TOKEN);
    let req = only(&requests, "token request");
    assert_eq!(req.media_type(), Some("application/json"));
    assert_eq!(
        req.json().unwrap(),
        json!({"grant_type": "client_credentials", "client_id": account.client_id,
               "client_secret": account.client_secret})
    );

    let checked = check(&wb, "shop");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", shopify::SHOP_NAME)
    );
    let connected = wb.json(&["check", "shop", "--json"]);
    assert_eq!(
        (
            &connected["connected"],
            &connected["status"],
            &connected["names"]
        ),
        (&json!(true), &json!(200), &json!(shopify::SHOP_NAME)),
        "{connected}"
    );
    assert_eq!(connected["url"], sh.url(shopify::SHOP));
    let sent = &sh.requests_to(shopify::SHOP)[0];
    assert_eq!(
        sent.header("x-shopify-access-token"),
        token["access_token"].as_str()
    );
    assert_eq!(sent.header("authorization"), None, "no bearer beside it");
    let curl = newest_as_curl(&wb);
    assert_eq!(
        curl_header(&curl, "X-Shopify-Access-Token"),
        Some("X-Shopify-Access-Token: [redacted]"),
        "{curl}"
    );
    outlive(&account).await;
    call(&wb, "shop", "GET", "/products/count.json");
    assert_eq!(sh.count(shopify::TOKEN), 2, "renewed after it ran out");

    // The token as a bearer, which Shopify does not read.
    wb.ok(
        &[
            "profile",
            "edit",
            "shop",
            "--auth-header",
            "Authorization: Bearer {token}",
        ],
        "",
    );
    let bearer = refused(&wb, "shop", "GET", "/shop.json");
    assert!(
        bearer.stderr.contains("HTTP 401") && bearer.stderr.contains(shopify::REFUSAL),
        "Shopify's refusal in its words: {}",
        bearer.stderr
    );
    let not = check(&wb, "shop");
    assert_eq!(not.code, 1);
    assert!(not.stderr.contains(shopify::REFUSAL), "{}", not.stderr);
    let not = wb.run(&["check", "shop", "--json"], "");
    assert_eq!(not.code, 1);
    let not: Value = serde_json::from_str(&not.stdout).expect("check --json prints JSON");
    assert_eq!(not["connected"], false);
    assert_eq!(not["status"], 401);
    assert_eq!(
        not["message"],
        shopify::REFUSAL,
        "the provider's words: {not}"
    );
    let last = sh.emulator.requests().pop().unwrap();
    assert!(last.bearer().is_some() && last.header("x-shopify-access-token").is_none());
    assert_no_leaks(&wb, &[&sh]);
}

// ---- eBay -------------------------------------------------------------------------------------

/// eBay: Basic raw, a form body with the scope URL; its type "Application Access Token" is kept
/// as it came, and calls still say `Bearer`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ebay_application_token_with_basic_raw() {
    use carriers::ebay;
    require_keyring();
    let account = Account::new("ebay", 3);
    let eb = ebay::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, base) = (eb.url(ebay::TOKEN), eb.base());
    let args = [
        "--preset",
        "ebay",
        "--client-id",
        &account.client_id,
        "--token-url",
        &token_url,
        "--api-base",
        &base,
        "--client-secret-stdin",
    ];
    add(&wb, "ebay", &args, &secret_line(&account));
    let token = token_json(&wb, "ebay");
    assert!(
        token["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("Application Access Token")),
        "eBay's own token type is kept (its case aside): {token}"
    );
    let requests = eb.requests_to(ebay::TOKEN);
    let req = only(&requests, "token request");
    assert_raw_basic(req, &account);
    assert_eq!(
        fields(req).get("scope").map(String::as_str),
        Some(ebay::SCOPE)
    );
    let found = call(
        &wb,
        "ebay",
        "GET",
        "/buy/browse/v1/item_summary/search?q=drone",
    );
    assert_eq!(found["body"]["total"], 1);
    let sent = &eb.requests_to(ebay::SEARCH)[0];
    assert_eq!(
        sent.bearer(),
        token["access_token"].as_str(),
        "the scheme is Bearer whatever the token's type says"
    );
    outlive(&account).await;
    call(
        &wb,
        "ebay",
        "GET",
        "/buy/browse/v1/item_summary/search?q=drone",
    );
    assert_eq!(eb.count(ebay::TOKEN), 2);
    assert!(check(&wb, "ebay").stderr.contains("has no check request"));

    let mut form = args.to_vec();
    form.extend(["--basic-encoding", "form"]);
    add(&wb, "ebay-form", &form, &secret_line(&account));
    let refused = wb.run_printing_token(&["token", "ebay-form"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("invalid_client")
            && refused.stderr.contains("client authentication failed"),
        "{}",
        refused.stderr
    );
    assert_no_leaks(&wb, &[&eb]);
}

// ---- Amazon SP-API ----------------------------------------------------------------------------

/// Amazon: a seller's refresh token (from stdin) traded at LWA in a JSON body, the token in
/// x-amz-access-token, the check naming the store. Sent as a bearer it is refused with 403 and
/// Amazon's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_refresh_token_and_the_amz_access_token_header() {
    use carriers::amazon;
    require_keyring();
    let account = Account::new("amazon", 3);
    let amz = amazon::start(account.clone()).await;
    let refresh = amazon::authorize(&amz);
    let wb = Waybill::new();
    let (token_url, base) = (amz.url(amazon::TOKEN), amz.base());
    add(
        &wb,
        "amazon",
        &[
            "--preset",
            "amazon-sp-api",
            "--client-id",
            &account.client_id,
            "--token-url",
            &token_url,
            "--api-base",
            &base,
            "--client-secret-stdin",
            "--refresh-token-stdin",
        ],
        &format!("{}{refresh}\n", secret_line(&account)),
    );
    assert_eq!(
        wb.json(&["profile", "show", "amazon", "--json"])["grant"],
        "refresh_token"
    );
    let id = wb.keyring_id("amazon");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/refresh_token")).as_deref(),
        Some(refresh.as_str()),
        "the refresh token is in the keyring"
    );
    let checked = check(&wb, "amazon");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", amazon::STORE)
    );
    let requests = amz.requests_to(amazon::TOKEN);
    let req = only(&requests, "token request");
    assert_eq!(req.media_type(), Some("application/json"));
    assert_eq!(
        req.json().unwrap(),
        json!({"grant_type": "refresh_token", "refresh_token": refresh,
               "client_id": account.client_id, "client_secret": account.client_secret})
    );
    let sent = &amz.requests_to(amazon::PARTICIPATIONS)[0];
    assert!(sent.header("x-amz-access-token").is_some() && sent.header("authorization").is_none());
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "x-amz-access-token"),
        Some("x-amz-access-token: [redacted]")
    );
    outlive(&account).await;
    call(&wb, "amazon", "GET", amazon::PARTICIPATIONS);
    assert_eq!(
        amz.count(amazon::TOKEN),
        2,
        "renewed before Amazon's 403 (which, unlike a 401, triggers no retry)"
    );

    wb.ok(
        &[
            "profile",
            "edit",
            "amazon",
            "--auth-header",
            "Authorization: Bearer {token}",
        ],
        "",
    );
    let bearer = refused(&wb, "amazon", "GET", amazon::PARTICIPATIONS);
    assert!(
        bearer.stderr.contains("HTTP 403")
            && bearer
                .stderr
                .contains("Unauthorized: Access to requested resource is denied."),
        "Amazon's refusal in its words: {}",
        bearer.stderr
    );
    assert_no_leaks(&wb, &[&amz]);
}

// ---- Walmart ----------------------------------------------------------------------------------

/// Walmart: Basic raw, WM_SVC.NAME and a fresh GUID WM_QOS.CORRELATION_ID on the token request
/// and every call, Accept: application/json (else Walmart answers XML), the token in
/// WM_SEC.ACCESS_TOKEN. Without Accept the XML answer is reported as what it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walmart_headers_on_every_request() {
    use carriers::walmart;
    require_keyring();
    let account = Account::new("walmart", 3);
    let wm = walmart::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, base) = (wm.url(walmart::TOKEN), wm.base());
    let args = [
        "--preset",
        "walmart",
        "--client-id",
        &account.client_id,
        "--token-url",
        &token_url,
        "--api-base",
        &base,
        "--env",
        "live",
        "--client-secret-stdin",
    ];
    add(&wb, "walmart", &args, &secret_line(&account));
    let shown = wb.json(&["profile", "show", "walmart", "--json"]);
    assert_eq!(shown["environment"], "live");
    assert_eq!(shown["auth_header"], "WM_SEC.ACCESS_TOKEN: {token}");
    let checked = check(&wb, "walmart");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stdout.contains("Connected (HTTP 200 from"),
        "{}",
        checked.stdout
    );
    call(&wb, "walmart", "GET", walmart::ORDERS);
    let requests = wm.requests_to(walmart::TOKEN);
    let req = only(&requests, "token request");
    assert_raw_basic(req, &account);
    assert_eq!(req.header("wm_svc.name"), Some("Walmart Marketplace"));
    assert_eq!(req.header("accept"), Some("application/json"));
    let api = wm.requests_to(walmart::ORDERS);
    assert!(api[0].header("wm_sec.access_token").is_some());
    assert_eq!(api[0].header("authorization"), None);
    let correlation: Vec<String> = wm
        .emulator
        .requests()
        .iter()
        .filter_map(|r| r.header("wm_qos.correlation_id").map(str::to_string))
        .collect();
    assert_eq!(correlation.len(), 3);
    assert!(
        correlation.iter().all(|c| carriers::is_guid(c)),
        "fresh GUIDs, one per request: {correlation:?}"
    );
    let curl = newest_as_curl(&wb);
    assert_eq!(
        curl_header(&curl, "WM_SEC.ACCESS_TOKEN"),
        Some("WM_SEC.ACCESS_TOKEN: [redacted]"),
        "{curl}"
    );
    let kept = newest_entry(&wb)["request_headers"].to_string();
    assert!(
        correlation.iter().any(|c| kept.contains(c.as_str())),
        "history keeps the correlation id that was sent: {kept}"
    );
    outlive(&account).await;
    call(&wb, "walmart", "GET", walmart::ORDERS);
    assert_eq!(
        wm.count(walmart::TOKEN),
        2,
        "renewed (15-minute tokens in real life)"
    );

    // Without Accept: application/json, Walmart's token answer is XML.
    wb.ok(
        &[
            "profile",
            "edit",
            "walmart",
            "--token-request-header",
            "Accept: application/xml",
        ],
        "",
    );
    wb.ok(&["logout", "walmart"], "");
    let xml = wb.run_printing_token(&["token", "walmart"], "");
    assert_eq!(xml.code, 2);
    assert!(
        xml.stderr.contains("application/xml") && xml.stderr.contains("instead of a token"),
        "{}",
        xml.stderr
    );
    assert_no_leaks(&wb, &[&wm]);
}

// ---- Zalando ----------------------------------------------------------------------------------

/// Zalando zDirect: Basic raw, a form body without scope, a JWT whose exp decides renewal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zalando_basic_raw_and_a_jwt() {
    use carriers::zalando;
    require_keyring();
    let account = Account::new("zalando", 3);
    let za = zalando::start(account.clone()).await;
    let wb = Waybill::new();
    let (token_url, base) = (za.url(zalando::TOKEN), za.base());
    add(
        &wb,
        "zalando",
        &[
            "--preset",
            "zalando",
            "--client-id",
            &account.client_id,
            "--token-url",
            &token_url,
            "--api-base",
            &base,
            "--client-secret-stdin",
        ],
        &secret_line(&account),
    );
    let token = token_json(&wb, "zalando");
    assert_expires_in(&token, &account);
    let requests = za.requests_to(zalando::TOKEN);
    let req = only(&requests, "token request");
    assert_raw_basic(req, &account);
    assert_eq!(
        fields(req).into_iter().collect::<Vec<_>>(),
        vec![("grant_type".to_string(), "client_credentials".to_string())]
    );
    let checked = check(&wb, "zalando");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(checked
        .stdout
        .contains(&format!("Connected (HTTP 200 from {base}/auth/me)")));
    outlive(&account).await;
    call(&wb, "zalando", "GET", zalando::ME);
    assert_eq!(za.count(zalando::TOKEN), 2);
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "Authorization"),
        Some("Authorization: Bearer [redacted]")
    );
    assert_no_leaks(&wb, &[&za]);
}

// ---- API-key platforms ------------------------------------------------------------------------

/// ShipEngine: the API key from stdin in API-Key on every call, the check naming the carrier
/// account; as a bearer it is refused in ShipEngine's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipengine_api_key_header() {
    use carriers::shipengine;
    require_keyring();
    let account = Account::new("shipengine", 3);
    let se = shipengine::start(account.clone()).await;
    let wb = Waybill::new();
    add(
        &wb,
        "se",
        &[
            "--preset",
            "shipengine",
            "--api-base",
            &se.base(),
            "--api-key-stdin",
        ],
        &format!("{}\n", account.api_key),
    );
    let checked = check(&wb, "se");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", shipengine::NICKNAME)
    );
    let sent = &se.requests_to(shipengine::CARRIERS)[0];
    assert_eq!(sent.header("api-key"), Some(account.api_key.as_str()));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "API-Key"),
        Some("API-Key: [redacted]")
    );
    let no_token = wb.run_printing_token(&["token", "se"], "");
    assert_ne!(
        no_token.code, 0,
        "an API-key profile has no access token to print"
    );
    assert!(!no_token.stdout.contains(&account.api_key));

    wb.ok(
        &[
            "profile",
            "edit",
            "se",
            "--auth-header",
            "Authorization: Bearer {api_key}",
        ],
        "",
    );
    let bearer = refused(&wb, "se", "GET", shipengine::CARRIERS);
    assert!(
        bearer.stderr.contains("unauthorized") && bearer.stderr.contains("The API key is invalid"),
        "{}",
        bearer.stderr
    );
    assert_no_leaks(&wb, &[&se]);
}

/// EasyPost: the key as HTTP Basic's user name with an empty password, as its docs say; the
/// check names the user; the record shows `Basic [redacted]`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn easypost_key_as_basic_user() {
    use carriers::easypost;
    require_keyring();
    let account = Account::new("easypost", 3);
    let ep = easypost::start(account.clone()).await;
    let wb = Waybill::new();
    add(
        &wb,
        "easypost",
        &[
            "--preset",
            "easypost",
            "--api-base",
            &ep.url(easypost::API_BASE),
            "--api-key-stdin",
        ],
        &format!("{}\n", account.api_key),
    );
    let checked = check(&wb, "easypost");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", easypost::NAME)
    );
    let sent = &ep.requests_to(easypost::USERS)[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Basic {}", STANDARD.encode(format!("{}:", account.api_key))).as_str()),
        "the documented form: Basic with the key as user and no password"
    );
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "Authorization"),
        Some("Authorization: Basic [redacted]")
    );
    call(&wb, "easypost", "GET", "/users");
    assert_no_leaks(&wb, &[&ep]);
}

/// Shippo: `Authorization: ShippoToken <key>`; the check names nothing (no endpoint does); a
/// key Shippo does not know is refused in its words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shippo_token_scheme() {
    use carriers::shippo;
    require_keyring();
    let account = Account::new("shippo", 3);
    let sp = shippo::start(account.clone()).await;
    let wb = Waybill::new();
    add(
        &wb,
        "shippo",
        &[
            "--preset",
            "shippo",
            "--api-base",
            &sp.base(),
            "--api-key-stdin",
        ],
        &format!("{}\n", account.api_key),
    );
    let checked = check(&wb, "shippo");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stdout.contains("Connected (HTTP 200 from"),
        "{}",
        checked.stdout
    );
    let sent = &sp.requests_to(shippo::CARRIER_ACCOUNTS)[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("ShippoToken {}", account.api_key).as_str())
    );
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "Authorization"),
        Some("Authorization: ShippoToken [redacted]"),
        "the scheme is kept, the key redacted"
    );
    let stale = format!("shippo_test_{}", carriers::hex(20));
    wb.ok(
        &["profile", "edit", "shippo", "--api-key-stdin"],
        &format!("{stale}\n"),
    );
    let wrong = refused(&wb, "shippo", "GET", shippo::CARRIER_ACCOUNTS);
    assert!(
        wrong.stderr.contains("Token does not exist"),
        "{}",
        wrong.stderr
    );
    assert!(wb.find_leaks(&stale).is_empty());
    assert_no_leaks(&wb, &[&sp]);
}

// ---- Etsy -------------------------------------------------------------------------------------

/// Etsy: the browser sign-in (authorization code with PKCE, a public client: the keystring and a
/// code verifier, no secret) in headless Chromium; every call carries x-api-key
/// "keystring:shared secret" beside the bearer; the refresh token renews and rotates; the check
/// names the shop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etsy_browser_sign_in_with_pkce_and_the_api_key_header() {
    use carriers::etsy;
    require_keyring();
    let account = Account::new("etsy", 3);
    let et = etsy::start(account.clone()).await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let wb = Waybill::new()
        .env("BROWSER", &chromium_browser())
        .env("SIGN_IN_TIMEOUT_MS", "30000")
        .env("SIGN_IN_LOG", &log.path().display().to_string());
    add(
        &wb,
        "etsy",
        &[
            "--preset",
            "etsy",
            "--client-id",
            &account.client_id,
            "--authorize-url",
            &et.url(etsy::AUTHORIZE),
            "--token-url",
            &et.url(etsy::TOKEN),
            "--api-base",
            &et.url(etsy::API_BASE),
            "--api-key-stdin",
        ],
        &format!("{}\n", account.api_key),
    );
    let login = wb.run(&["login", "etsy", "--timeout", "60"], "");
    assert_eq!(login.code, 0, "login failed: {}", login.stderr);
    let steps = browser_steps_after(log.path(), "done");
    assert!(
        steps.contains("approve"),
        "the browser granted access like a person: {steps}"
    );
    let requests = et.requests_to(etsy::TOKEN);
    let req = only(&requests, "code exchange");
    let form = fields(req);
    assert_eq!(
        form.get("grant_type").map(String::as_str),
        Some("authorization_code")
    );
    assert!(form.contains_key("code_verifier"), "PKCE: {form:?}");
    assert!(!form.contains_key("client_secret") && req.header("authorization").is_none());

    let checked = check(&wb, "etsy");
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout.trim(),
        format!("Connected to {}.", etsy::SHOP_ID)
    );
    let sent = &et.requests_to(etsy::ME)[0];
    assert_eq!(
        sent.header("x-api-key"),
        Some(format!("{}:{}", account.client_id, account.api_key).as_str())
    );
    assert!(sent
        .bearer()
        .is_some_and(|t| t.starts_with(&format!("{}.", etsy::USER_ID))));
    let curl = newest_as_curl(&wb);
    assert_eq!(
        curl_header(&curl, "x-api-key"),
        Some("x-api-key: [redacted]"),
        "{curl}"
    );
    assert_eq!(
        curl_header(&curl, "Authorization"),
        Some("Authorization: Bearer [redacted]")
    );
    outlive(&account).await;
    call(&wb, "etsy", "GET", "/application/users/me");
    let requests = et.requests_to(etsy::TOKEN);
    assert_eq!(
        requests.len(),
        2,
        "renewed with the refresh token, no new sign-in"
    );
    let refresh = fields(&requests[1]);
    assert_eq!(
        refresh.get("grant_type").map(String::as_str),
        Some("refresh_token")
    );
    assert!(!refresh.contains_key("client_secret"));
    let id = wb.keyring_id("etsy");
    let kept = secret_tool_lookup(&format!("{id}/refresh_token")).unwrap_or_default();
    assert_eq!(
        Some(&kept),
        et.book.refresh_tokens().last(),
        "the rotated refresh token replaced the spent one"
    );
    assert!(keyring_access_token(&id).is_some());
    assert_no_leaks(&wb, &[&et]);
}

// ---- the same flags, without presets -----------------------------------------------------------

/// Every dialect a preset uses can be written by hand: an API key in a header of its own
/// (`--grant api_key --auth-header ... --api-key-stdin`), Basic raw with token-request headers
/// and dynamic default headers (Walmart's), a refresh URL of its own (UPS's), a token in a
/// header of its own from a JSON body (Shopify's), the key as a Basic user (EasyPost's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_profiles_speak_the_same_dialects_with_flags() {
    use carriers::{easypost, shipengine, shopify, ups, walmart};
    require_keyring();
    let wb = Waybill::new();

    let se_account = Account::new("custom-se", 3);
    let se = shipengine::start(se_account.clone()).await;
    add(
        &wb,
        "key",
        &[
            "--grant",
            "api_key",
            "--auth-header",
            "API-Key: {api_key}",
            "--api-base",
            &se.base(),
            "--api-key-stdin",
        ],
        &format!("{}\n", se_account.api_key),
    );
    let carriers_listed = call(&wb, "key", "GET", shipengine::CARRIERS);
    assert_eq!(
        carriers_listed["body"]["carriers"][0]["nickname"],
        shipengine::NICKNAME
    );
    let no_check = check(&wb, "key");
    assert_eq!(no_check.code, 2, "a custom profile has no check request");

    let wm_account = Account::new("custom-wm", 3);
    let wm = walmart::start(wm_account.clone()).await;
    add(
        &wb,
        "wm",
        &[
            "--grant",
            "client_credentials",
            "--client-id",
            &wm_account.client_id,
            "--client-auth",
            "basic",
            "--basic-encoding",
            "raw",
            "--token-url",
            &wm.url(walmart::TOKEN),
            "--api-base",
            &wm.base(),
            "--token-request-header",
            "WM_SVC.NAME: Acme Seller",
            "--token-request-header",
            "WM_QOS.CORRELATION_ID: {{$guid}}",
            "--token-request-header",
            "Accept: application/json",
            "--auth-header",
            "WM_SEC.ACCESS_TOKEN: {token}",
            "--header",
            "WM_SVC.NAME: Acme Seller",
            "--header",
            "WM_QOS.CORRELATION_ID: {{$uuid}}",
            "--header",
            "Accept: application/json",
            "--client-secret-stdin",
        ],
        &secret_line(&wm_account),
    );
    call(&wb, "wm", "GET", walmart::ORDERS);
    call(&wb, "wm", "GET", walmart::DETAIL);
    assert_eq!(wm.count(walmart::TOKEN), 1);
    assert_raw_basic(&wm.requests_to(walmart::TOKEN)[0], &wm_account);
    // The same without its token-request headers: Walmart says which one is missing.
    add(
        &wb,
        "wm-bare",
        &[
            "--grant",
            "client_credentials",
            "--client-id",
            &wm_account.client_id,
            "--client-auth",
            "basic",
            "--basic-encoding",
            "raw",
            "--token-url",
            &wm.url(walmart::TOKEN),
            "--api-base",
            &wm.base(),
            "--client-secret-stdin",
        ],
        &secret_line(&wm_account),
    );
    let bare = wb.run_printing_token(&["token", "wm-bare"], "");
    assert_eq!(bare.code, 2);
    assert!(
        bare.stderr.contains("MISSING_REQUEST_HEADER") && bare.stderr.contains("WM_SVC.NAME"),
        "Walmart's 400 in its words: {}",
        bare.stderr
    );

    let ups_account = Account::new("custom-ups", 3);
    let up = ups::start(ups_account.clone()).await;
    let refresh = up.book.add_refresh(format!("ups-rt-{}", carriers::hex(24)));
    add(
        &wb,
        "linked",
        &[
            "--grant",
            "refresh_token",
            "--client-id",
            &ups_account.client_id,
            "--client-auth",
            "basic",
            "--basic-encoding",
            "raw",
            "--token-url",
            &up.url(ups::TOKEN),
            "--refresh-url",
            &up.url(ups::REFRESH),
            "--api-base",
            &up.url(ups::API),
            "--header",
            "transId: {{$hex32}}",
            "--header",
            "transactionSrc: acme",
            "--client-secret-stdin",
            "--refresh-token-stdin",
        ],
        &format!("{}{refresh}\n", secret_line(&ups_account)),
    );
    call(&wb, "linked", "GET", "/track/v1/details/1Z12345E0205271688");
    outlive(&ups_account).await;
    call(&wb, "linked", "GET", "/track/v1/details/1Z12345E0205271688");
    assert_eq!(
        up.count(ups::REFRESH),
        2,
        "refreshed at --refresh-url, twice"
    );
    assert_eq!(up.count(ups::TOKEN), 0, "never at the token URL");

    let sh_account = Account::new("custom-shop", 3);
    let sh = shopify::start(sh_account.clone()).await;
    add(
        &wb,
        "shop",
        &[
            "--grant",
            "client_credentials",
            "--client-id",
            &sh_account.client_id,
            "--client-auth",
            "json",
            "--token-url",
            &sh.url(shopify::TOKEN),
            "--api-base",
            &sh.url(shopify::API_BASE),
            "--auth-header",
            "X-Shopify-Access-Token: {token}",
            "--client-secret-stdin",
        ],
        &secret_line(&sh_account),
    );
    let shop = call(&wb, "shop", "GET", "/shop.json");
    assert_eq!(shop["body"]["shop"]["name"], shopify::SHOP_NAME);

    let ep_account = Account::new("custom-ep", 3);
    let ep = easypost::start(ep_account.clone()).await;
    add(
        &wb,
        "ep",
        &[
            "--grant",
            "api_key",
            "--auth-header",
            "Authorization: Basic {base64:{api_key}:}",
            "--api-base",
            &ep.url(easypost::API_BASE),
            "--api-key-stdin",
        ],
        &format!("{}\n", ep_account.api_key),
    );
    call(&wb, "ep", "GET", "/users");
    assert_eq!(
        curl_header(&newest_as_curl(&wb), "Authorization"),
        Some("Authorization: Basic [redacted]")
    );
    assert_no_leaks(&wb, &[&se, &wm, &up, &sh, &ep]);
}

// ---- dynamic values -----------------------------------------------------------------------------

/// `{{$uuid}}`, `{{$guid}}`, `{{$hex32}}`, `{{$timestamp}}`, `{{$isoTimestamp}}` and
/// `{{$randomInt}}` are drawn afresh for every request, in the URL, a header, the body, a default
/// header and a token-request header; history keeps the values that were sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_values_are_fresh_on_every_request_and_kept_as_sent() {
    require_keyring();
    let secret = format!("dyn-secret-{}{TRICKY}", carriers::hex(8));
    let token = format!("dyn-token-{}", carriers::hex(12));
    let (s, t) = (secret.clone(), token.clone());
    let provider = Emulator::start(move |req: &Recorded| match req.path.as_str() {
        "/token" if fields(req).get("client_secret") == Some(&s) => Reply::json(
            200,
            json!({"access_token": t, "token_type": "Bearer", "expires_in": 3600}),
        ),
        "/token" => Reply::json(401, json!({"error": "invalid_client"})),
        _ if req.bearer() == Some(t.as_str()) => Reply::json(200, json!({"ok": true})),
        _ => Reply::json(401, json!({"error": "invalid_token"})),
    })
    .await;
    let wb = Waybill::new();
    add(
        &wb,
        "dyn",
        &[
            "--grant",
            "client_credentials",
            "--client-id",
            "dyn-client",
            "--client-auth",
            "form",
            "--token-url",
            &provider.url("/token"),
            "--api-base",
            &provider.base(),
            "--token-request-header",
            "X-Request-Id: {{$uuid}}",
            "--header",
            "X-Trace: {{$hex32}}",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let send = || {
        wb.run(
            &[
                "call",
                "dyn",
                "POST",
                "/things/{{$uuid}}?n={{$randomInt}}",
                "-H",
                "X-Sent-At: {{$timestamp}}",
                "-d",
                r#"{"id":"{{$guid}}","at":"{{$isoTimestamp}}"}"#,
            ],
            "",
        )
    };
    for _ in 0..2 {
        assert_eq!(send().code, 0);
    }
    wb.ok(&["logout", "dyn"], "");
    assert_eq!(send().code, 0);

    let tokens = provider.requests_to("/token");
    let ids: Vec<&str> = tokens
        .iter()
        .filter_map(|r| r.header("x-request-id"))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(
        ids.iter().all(|id| carriers::is_guid(id)) && ids[0] != ids[1],
        "{ids:?}"
    );
    let calls: Vec<Recorded> = provider
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/things/"))
        .collect();
    assert_eq!(calls.len(), 3);
    let seen = |f: &dyn Fn(&Recorded) -> String| calls.iter().map(f).collect::<Vec<_>>();
    let paths = seen(&|r| r.path.clone());
    let queries = seen(&|r| r.query.clone().unwrap_or_default());
    let traces = seen(&|r| r.header("x-trace").unwrap_or("").to_string());
    let bodies = seen(&|r| r.body_text());
    for (what, values) in [
        ("URL path", &paths),
        ("default header", &traces),
        ("body", &bodies),
    ] {
        assert!(
            values[0] != values[1] && values[1] != values[2],
            "the {what} gets fresh values each time: {values:?}"
        );
        assert!(
            !values.iter().any(|v| v.contains("{{$")),
            "filled: {values:?}"
        );
    }
    assert!(is_uuid_path(&paths[0]), "{paths:?}");
    assert!(traces
        .iter()
        .all(|t| t.len() == 32 && t.chars().all(|c| c.is_ascii_hexdigit())));
    assert!(queries.iter().all(|q| q
        .strip_prefix("n=")
        .is_some_and(|n| n.parse::<u64>().is_ok())));
    let stamp: i64 = calls[0]
        .header("x-sent-at")
        .unwrap()
        .parse()
        .expect("seconds");
    assert!((stamp - chrono::Utc::now().timestamp()).abs() < 60);
    let body: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert!(carriers::is_guid(body["id"].as_str().unwrap()));
    assert!(chrono::DateTime::parse_from_rfc3339(body["at"].as_str().unwrap()).is_ok());

    let history = wb.json(&["history", "--json"]);
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    for entry in entries {
        let url = entry["url"].as_str().unwrap();
        let matching = calls
            .iter()
            .find(|c| url.contains(&c.path))
            .expect("history keeps the URL as sent");
        assert_eq!(
            entry["request_body"].as_str(),
            Some(matching.body_text().as_str())
        );
        assert!(entry["request_headers"]
            .to_string()
            .contains(matching.header("x-trace").unwrap()));
    }
    for needle in [secret.trim_end_matches(TRICKY), token.as_str()] {
        assert!(
            wb.find_leaks(needle).is_empty(),
            "{needle} leaked: {:?}",
            wb.find_leaks(needle)
        );
    }
}

fn is_uuid_path(path: &str) -> bool {
    path.strip_prefix("/things/").is_some_and(carriers::is_guid)
}

// ---- presets ----------------------------------------------------------------------------------

/// `waybill presets --json` lists every preset with what a person and a script need: grants,
/// environments with their URLs, the inputs in the provider's words (secret or not, and where
/// each goes), the check request and the documentation.
#[test]
fn presets_json_lists_every_preset_with_what_it_needs() {
    let wb = Waybill::new();
    let all = wb.json(&["presets", "--json"]);
    let all = all.as_array().expect("a list");
    let ids: Vec<&str> = all.iter().filter_map(|p| p["id"].as_str()).collect();
    for id in [
        "amazon-sp-api",
        "bindeo",
        "dhl-parcel-de",
        "easypost",
        "ebay",
        "etsy",
        "fedex",
        "myparcel",
        "oro",
        "packly",
        "parcel2go",
        "sendcloud",
        "shipengine",
        "shippo",
        "shopify",
        "ups",
        "usps",
        "walmart",
        "zalando",
    ] {
        assert!(ids.contains(&id), "{id} is listed: {ids:?}");
    }
    for p in all {
        let id = p["id"].as_str().unwrap();
        assert!(
            p["grants"].as_array().is_some_and(|g| !g.is_empty()),
            "{id}: grants"
        );
        let default_env = p["default_env"].as_str().unwrap();
        assert!(
            p["environments"][default_env]["api_base"].is_string(),
            "{id}: its default environment's URLs"
        );
        assert!(
            p["docs"]
                .as_str()
                .is_some_and(|d| d.starts_with("https://")),
            "{id}: its docs"
        );
        assert!(p["inputs"].is_array(), "{id}: inputs");
        assert_eq!(p["built_in"], true);
    }
    let find = |id: &str| all.iter().find(|p| p["id"] == id).unwrap().clone();
    let amazon = find("amazon-sp-api");
    assert_eq!(amazon["inputs"][0]["into"], "refresh_token");
    assert_eq!(
        amazon["inputs"][0]["secret"], true,
        "a refresh token is a secret"
    );
    assert_eq!(amazon["check"]["names"], "/payload/0/storeName");
    let ups = find("ups");
    assert_eq!(
        ups["inputs"][0]["into"],
        "token_request_headers.x-merchant-id"
    );
    assert_eq!(ups["inputs"][0]["secret"], false);
    assert_eq!(
        ups["environments"]["sandbox"]["refresh_url"],
        "https://wwwcie.ups.com/security/v1/oauth/refresh"
    );
    assert_eq!(find("shopify")["needs_base_url"], true);
    assert_eq!(find("shipengine")["grants"], json!(["api_key"]));
    assert_eq!(find("dhl-parcel-de")["grants"], json!(["password"]));
    let text = wb.ok(&["presets"], "").stdout;
    assert!(text.lines().any(|l| l.starts_with("walmart ")), "{text}");
}

/// A team's preset file is checked in words before anyone uses it; in `presets/` beside the
/// profiles it is listed as the team's own and `profile add --preset` uses it like a built-in
/// one (its check request too). A file taking a built-in id is not used, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_own_preset_is_checked_listed_and_used() {
    use carriers::shipengine;
    require_keyring();
    let account = Account::new("acme", 3);
    let se = shipengine::start(account.clone()).await;
    let wb = Waybill::new();
    let good = r#"
name = "Acme Freight"
kind = "carrier"
docs = "https://developer.acme.example/auth"
credentials = "Ask your Acme account manager for an API key."
grants = ["api_key"]
auth_header = "API-Key: {api_key}"
default_env = "live"

[env.live]
api_base = "https://api.acme.example"

[[inputs]]
id = "api_key"
label = "Acme key"
required = true
into = "api_key"

[check]
path = "/v1/carriers"
names = "/carriers/0/nickname"
"#;
    let scratch = tempfile::tempdir().unwrap();
    let good_file = scratch.path().join("acme.toml");
    std::fs::write(&good_file, good).unwrap();
    let checked = wb.ok(&["presets", "check", good_file.to_str().unwrap()], "");
    assert!(
        checked
            .stdout
            .contains("is a usable preset: \"acme\" (Acme Freight)"),
        "{}",
        checked.stdout
    );
    let bad_file = scratch.path().join("broken.toml");
    std::fs::write(&bad_file, good.replace("{api_key}", "{apikey}")).unwrap();
    let bad = wb.run(&["presets", "check", bad_file.to_str().unwrap()], "");
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("broken.toml") && bad.stderr.contains("not a placeholder"),
        "what is wrong, in words: {}",
        bad.stderr
    );

    let presets = wb.home.path().join("presets");
    std::fs::create_dir_all(&presets).unwrap();
    std::fs::write(presets.join("acme.toml"), good).unwrap();
    std::fs::write(presets.join("ups.toml"), good).unwrap();
    let listed = wb.run(&["presets"], "");
    assert_eq!(listed.code, 0);
    assert!(
        listed
            .stdout
            .lines()
            .any(|l| l.starts_with("acme") && l.ends_with("(your own)")),
        "{}",
        listed.stdout
    );
    assert!(
        listed.stderr.contains("ups.toml is not used") && listed.stderr.contains("built-in preset"),
        "{}",
        listed.stderr
    );
    let json = wb.json(&["presets", "--json"]);
    let acme = json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "acme")
        .unwrap();
    assert_eq!(acme["built_in"], false);

    add(
        &wb,
        "acme",
        &[
            "--preset",
            "acme",
            "--api-base",
            &se.base(),
            "--api-key-stdin",
        ],
        &format!("{}\n", account.api_key),
    );
    let connected = check(&wb, "acme");
    assert_eq!(connected.code, 0, "{}", connected.stderr);
    assert_eq!(
        connected.stdout.trim(),
        format!("Connected to {}.", shipengine::NICKNAME)
    );
    assert_no_leaks(&wb, &[&se]);
}

// ---- redirects ----------------------------------------------------------------------------------

/// A redirect to another origin never carries the token or an API key, whatever header they
/// travel in (Authorization, X-Shopify-Access-Token, API-Key, a default header holding the key);
/// a redirect on the same origin keeps them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    use carriers::{shipengine, shopify};
    require_keyring();
    let elsewhere = Emulator::start(|_: &Recorded| Reply::json(200, json!({"landed": true}))).await;
    let wb = Waybill::new();

    let sh_account = Account::new("redirect-shop", 300);
    let sh = shopify::start(sh_account.clone()).await;
    add(
        &wb,
        "shop",
        &[
            "--preset",
            "shopify",
            "--base-url",
            &sh.base(),
            "--client-id",
            &sh_account.client_id,
            "--client-secret-stdin",
        ],
        &secret_line(&sh_account),
    );
    let se_account = Account::new("redirect-se", 300);
    let se = shipengine::start(se_account.clone()).await;
    add(
        &wb,
        "se",
        &[
            "--preset",
            "shipengine",
            "--api-base",
            &se.base(),
            "--api-key-stdin",
        ],
        &format!("{}\n", se_account.api_key),
    );
    // A bearer token and an API key in a default header of its own, on one custom profile.
    let partner = Partner::start().await;
    partner.add(&wb, "partner");
    let away = |to: &str| {
        format!(
            "?redirect_to={}",
            url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
        )
    };
    for (name, path, same_origin) in [
        ("shop", "/shop.json", sh.url(shopify::SHOP)),
        ("se", shipengine::CARRIERS, se.url(shipengine::CARRIERS)),
        ("partner", "/orders", partner.emulator.url("/orders")),
    ] {
        let before = elsewhere.requests().len();
        let landed = call(
            &wb,
            name,
            "GET",
            &format!("{path}{}", away(&elsewhere.url("/landing"))),
        );
        assert_eq!(
            landed["body"]["landed"], true,
            "{name}: the redirect was followed"
        );
        let arrived = elsewhere.requests();
        assert_eq!(arrived.len(), before + 1);
        let there = arrived.last().unwrap();
        for header in [
            "authorization",
            "x-shopify-access-token",
            "api-key",
            "x-partner-key",
            "cookie",
        ] {
            assert_eq!(
                there.header(header),
                None,
                "{name}: {header} must not follow a redirect to another origin"
            );
        }
        // Same origin: the credential goes along, and the provider accepts it.
        let kept = call(&wb, name, "GET", &format!("{path}{}", away(&same_origin)));
        assert_eq!(
            kept["status"], 200,
            "{name}: a same-origin redirect keeps the credential: {kept}"
        );
    }
    assert!(
        sh.requests_to(shopify::SHOP)
            .iter()
            .any(|r| r.query.is_none() && r.header("x-shopify-access-token").is_some()),
        "the token arrived after the same-origin redirect"
    );
    assert_no_leaks(&wb, &[&sh, &se]);
    partner.assert_no_leaks(&wb);
}

/// A custom API whose key travels in a default header of the profile's own
/// (`X-Partner-Key: {client_id}:{api_key}`), beside a bearer token.
struct Partner {
    emulator: Emulator,
    key: String,
    token: String,
    secret: String,
}

impl Partner {
    async fn start() -> Partner {
        let key = format!("partner-key-{}", carriers::hex(12));
        let token = format!("partner-token-{}", carriers::hex(12));
        let (k, t) = (key.clone(), token.clone());
        let emulator = Emulator::start(move |req: &Recorded| {
            if let Some(to) = carriers::query_param(req, "redirect_to") {
                return Reply::status(302).header("location", &to);
            }
            match req.path.as_str() {
                "/token" => Reply::json(
                    200,
                    json!({"access_token": t, "token_type": "Bearer", "expires_in": 300}),
                ),
                _ if req.bearer() == Some(t.as_str())
                    && req.header("x-partner-key") == Some(format!("partner-app:{k}").as_str()) =>
                {
                    Reply::json(200, json!({"ok": true}))
                }
                _ => Reply::json(401, json!({"error": "invalid_token"})),
            }
        })
        .await;
        let secret = format!("partner-secret-{}", carriers::hex(8));
        Partner {
            emulator,
            key,
            token,
            secret,
        }
    }

    fn add(&self, wb: &Waybill, name: &str) {
        add(
            wb,
            name,
            &[
                "--grant",
                "client_credentials",
                "--client-id",
                "partner-app",
                "--token-url",
                &self.emulator.url("/token"),
                "--api-base",
                &self.emulator.base(),
                "--header",
                "X-Partner-Key: {client_id}:{api_key}",
                "--client-secret-stdin",
                "--api-key-stdin",
            ],
            &format!("{}\n{}\n", self.secret, self.key),
        );
    }

    fn assert_no_leaks(&self, wb: &Waybill) {
        for needle in [&self.key, &self.token, &self.secret] {
            let found = wb.find_leaks(needle);
            assert!(found.is_empty(), "{needle} leaked into {found:?}");
        }
    }
}

/// A call whose API key went in a default header of the profile's own is kept redacted, copied
/// as curl with that header (redacted, or with the key when asked) and replayed with the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_in_a_default_header_is_redacted_in_history_copied_and_replayed() {
    require_keyring();
    let partner = Partner::start().await;
    let wb = Waybill::new();
    partner.add(&wb, "partner");
    call(&wb, "partner", "GET", "/orders");
    let entry = newest_entry(&wb);
    let kept = entry["request_headers"].to_string();
    assert!(
        kept.contains("X-Partner-Key") && kept.contains("[redacted]"),
        "history keeps the header, its key redacted: {kept}"
    );
    let id = entry["id"].as_i64().unwrap().to_string();
    let curl = wb.ok(&["history", "show", &id, "--curl"], "").stdout;
    let header = curl_header(&curl, "X-Partner-Key");
    assert!(
        header.is_some_and(|h| h.contains("[redacted]")),
        "copy as curl shows where the key goes, redacted: {curl}"
    );
    let with_key = wb.run_printing_token(&["history", "show", &id, "--curl", "--with-token"], "");
    assert_eq!(with_key.code, 0, "{}", with_key.stderr);
    assert_eq!(
        curl_header(&with_key.stdout, "X-Partner-Key"),
        Some(format!("X-Partner-Key: partner-app:{}", partner.key).as_str()),
        "--with-token puts the key where it goes: {}",
        with_key.stdout
    );
    let replayed = wb.run(&["replay", &id, "--json-out"], "");
    assert_eq!(
        replayed.code, 0,
        "a replay sends the key again, not the record's [redacted]: {}\n{}",
        replayed.stdout, replayed.stderr
    );
    let last = partner.emulator.requests().pop().unwrap();
    assert_eq!(
        last.header_all("x-partner-key"),
        vec![format!("partner-app:{}", partner.key).as_str()]
    );
    partner.assert_no_leaks(&wb);
}
