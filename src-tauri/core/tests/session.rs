//! `Session` behaviour against a recording emulator, with a `ManualClock` so expiry is decided
//! without sleeping: token reuse, renewal before expiry, refresh and its fallback, single flight
//! under concurrency, the 401 retry, and the error sentences a user reads.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use waybill_core::auth::dialect::EndpointError;
use waybill_core::auth::grant::GrantError;
use waybill_core::net::NetError;
use waybill_core::store::vault::{SecretStore, StoredAccount};
use waybill_core::{
    ApiRequest, ClientAuth, ClientSecret, Grant, ManualClock, Net, Profile, Session, SessionError,
    TokenSource, Vault, VaultError,
};
use waybill_tests::emulator::{Emulator, Recorded, Reply};

const T0: i64 = 1_900_000_000;
const SECRET: &str = "sEcReT-9f3b1c-DoNotLeak";
const TOKEN_PATH: &str = "/token";

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(T0 + secs, 0).unwrap()
}

/// A plain client-credentials profile (form body) whose token endpoint and API are the emulator.
fn profile(emulator: &Emulator) -> Profile {
    profile_at(emulator.url(TOKEN_PATH), emulator.url("/api"))
}

fn profile_at(token_url: String, api_base: String) -> Profile {
    Profile {
        name: "carrier".into(),
        keyring_id: "carrier-0001".into(),
        grant: Grant::ClientCredentials,
        token_url: Some(token_url),
        client_id: "client-1".into(),
        client_auth: ClientAuth::Form,
        scope: Some("api".into()),
        params: Default::default(),
        api_base: Some(api_base),
        headers: Default::default(),
        username: None,
        remember_password: false,
        preset: None,
        environment: None,
        ..Profile::default()
    }
}

async fn session_with(profile: &Profile, net: Net) -> (Arc<Session>, Arc<ManualClock>) {
    let vault = Vault::in_memory();
    vault
        .set_client_secret(&profile.keyring_id, &ClientSecret::new(SECRET))
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(at(0)));
    (Arc::new(Session::new(vault, net, clock.clone())), clock)
}

async fn session(profile: &Profile) -> (Arc<Session>, Arc<ManualClock>) {
    session_with(profile, Net::default()).await
}

fn grant_type(req: &Recorded) -> String {
    req.form()
        .into_iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v)
        .unwrap_or_default()
}

fn field(req: &Recorded, name: &str) -> Option<String> {
    req.form()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// An hour-long token `t1`, `t2`, ... numbered by token request.
fn numbered_token(req: &Recorded) -> Reply {
    Reply::json(
        200,
        json!({"access_token": format!("t{}", req.seq + 1), "token_type": "Bearer", "expires_in": 3600}),
    )
}

fn api_requests_with(emulator: &Emulator, path: &str, token: &str) -> usize {
    emulator
        .requests_to(path)
        .iter()
        .filter(|r| r.bearer() == Some(token))
        .count()
}

/// A user reads these messages and pastes them into tickets: the client secret must never be in
/// them, in `Display` or `Debug`.
fn assert_no_secret(err: &SessionError) {
    let encoded: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains(SECRET) && !text.contains(&encoded) && !text.contains("DoNotLeak"),
            "the client secret leaked into an error message: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_token_is_reused() {
    let emulator = Emulator::start(|req: &Recorded| numbered_token(req)).await;
    let profile = profile(&emulator);
    let (session, clock) = session(&profile).await;

    let first = session.token(&profile).await.unwrap();
    assert_eq!(first.source, TokenSource::Fetched);
    for _ in 0..5 {
        clock.advance(Duration::seconds(60));
        let again = session.token(&profile).await.unwrap();
        assert_eq!(again.access_token.expose(), "t1");
        assert_eq!(again.source, TokenSource::Cache);
    }
    assert_eq!(
        emulator.count(TOKEN_PATH),
        1,
        "a valid token must be reused: providers rate-limit token requests and every fetch adds latency"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_renewed_once_the_clock_passes_expiry_minus_the_margin() {
    let emulator = Emulator::start(|req: &Recorded| numbered_token(req)).await;
    let profile = profile(&emulator);
    let (session, clock) = session(&profile).await;

    session.token(&profile).await.unwrap();
    // 3600 s token: the margin is min(60 s, 360 s) = 60 s, so it is good until 3540 s.
    clock.advance(Duration::seconds(3539));
    let token = session.token(&profile).await.unwrap();
    assert_eq!(
        (token.access_token.expose(), token.source),
        ("t1", TokenSource::Cache),
        "61 s before expiry the token is still used"
    );
    assert_eq!(emulator.count(TOKEN_PATH), 1);

    clock.advance(Duration::seconds(1));
    let token = session.token(&profile).await.unwrap();
    assert_eq!(
        (token.access_token.expose(), token.source),
        ("t2", TokenSource::Fetched),
        "60 s before expiry a new token is fetched, so no request goes out with a token about to die"
    );
    assert_eq!(token.meta.expires_at, Some(at(3540 + 3600)));
    assert_eq!(emulator.count(TOKEN_PATH), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_is_used_when_there_is_one() {
    let emulator = Emulator::start(|req: &Recorded| match grant_type(req).as_str() {
        "client_credentials" => Reply::json(
            200,
            json!({"access_token": "a1", "refresh_token": "r1", "expires_in": 3600}),
        ),
        "refresh_token" => Reply::json(200, json!({"access_token": "a2", "expires_in": 3600})),
        _ => Reply::json(400, json!({"error": "unsupported_grant_type"})),
    })
    .await;
    let profile = profile(&emulator);
    let (session, clock) = session(&profile).await;

    assert!(session.token(&profile).await.unwrap().has_refresh_token);
    clock.advance(Duration::seconds(3600));
    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.access_token.expose(), "a2");
    assert_eq!(
        token.source,
        TokenSource::Refreshed,
        "with a refresh token in hand the session must refresh, not run the grant again"
    );

    let requests = emulator.requests_to(TOKEN_PATH);
    assert_eq!(requests.len(), 2);
    let refresh = &requests[1];
    assert_eq!(grant_type(refresh), "refresh_token");
    assert_eq!(field(refresh, "refresh_token").as_deref(), Some("r1"));
    assert_eq!(field(refresh, "client_id").as_deref(), Some("client-1"));
    assert_eq!(
        field(refresh, "client_secret").as_deref(),
        Some(SECRET),
        "a confidential client authenticates on refresh too (RFC 6749 6)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_refresh_token_falls_back_to_the_grant() {
    let emulator = Emulator::start(|req: &Recorded| match grant_type(req).as_str() {
        "client_credentials" => Reply::json(
            200,
            json!({"access_token": format!("a{}", req.seq + 1), "refresh_token": "r-old", "expires_in": 3600}),
        ),
        "refresh_token" => Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
        ),
        _ => Reply::json(400, json!({"error": "unsupported_grant_type"})),
    })
    .await;
    let profile = profile(&emulator);
    let (session, clock) = session(&profile).await;

    session.token(&profile).await.unwrap();
    clock.advance(Duration::seconds(3600));
    let token = session.token(&profile).await.unwrap_or_else(|e| {
        panic!("a revoked refresh token must not fail the call when the grant can run again: {e}")
    });
    assert_eq!(token.source, TokenSource::Fetched);
    assert_eq!(token.access_token.expose(), "a3");
    let grants: Vec<String> = emulator
        .requests_to(TOKEN_PATH)
        .iter()
        .map(grant_type)
        .collect();
    assert_eq!(
        grants,
        ["client_credentials", "refresh_token", "client_credentials"],
        "one refresh attempt, then the grant: no loop on a dead refresh token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_concurrent_callers_at_expiry_make_one_token_request() {
    let emulator = Emulator::start(|req: &Recorded| {
        let reply = numbered_token(req);
        if req.seq == 0 {
            reply
        } else {
            // Keep the renewal on the wire long enough for every caller to pile up behind it.
            reply.delay(StdDuration::from_millis(200))
        }
    })
    .await;
    let profile = Arc::new(profile(&emulator));
    let (session, clock) = session(&profile).await;
    session.token(&profile).await.unwrap();
    clock.advance(Duration::seconds(3600));

    let callers: Vec<_> = (0..100)
        .map(|_| {
            let (session, profile) = (session.clone(), profile.clone());
            tokio::spawn(async move { session.token(&profile).await })
        })
        .collect();
    let mut fetched = 0;
    for caller in callers {
        let token = caller.await.unwrap().unwrap();
        assert_eq!(
            token.access_token.expose(),
            "t2",
            "every caller must get the one renewed token"
        );
        if token.source == TokenSource::Fetched {
            fetched += 1;
        }
    }
    assert_eq!(
        emulator.count(TOKEN_PATH) - 1,
        1,
        "100 callers at expiry must cause ONE token request (single flight), not a stampede that \
         trips the provider's rate limit"
    );
    assert_eq!(
        fetched, 1,
        "exactly one caller did the fetch; the rest shared it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_renews_once_and_retries_once() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        TOKEN_PATH => numbered_token(req),
        // The provider revoked t1 before its expiry.
        _ if req.bearer() == Some("t2") => Reply::json(200, json!({"ok": true})),
        _ => Reply::json(401, json!({"error": "invalid_token"}))
            .header("www-authenticate", "Bearer error=\"invalid_token\""),
    })
    .await;
    let profile = profile(&emulator);
    let (session, _clock) = session(&profile).await;

    let response =
        waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/shipments"))
            .await
            .unwrap();
    assert_eq!(
        response.status, 200,
        "a revoked token must be replaced transparently"
    );
    assert!(
        response.retried_after_401,
        "the response says it was retried"
    );
    let api = emulator.requests_to("/api/shipments");
    assert_eq!(api.len(), 2, "one rejected call, one retry");
    assert_eq!(
        (api[0].bearer(), api[1].bearer()),
        (Some("t1"), Some("t2")),
        "the retry must carry the new token"
    );
    assert_eq!(emulator.count(TOKEN_PATH), 2, "one token, one renewal");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_401_goes_back_to_the_caller_instead_of_looping() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        TOKEN_PATH => numbered_token(req),
        // Wrong audience, say: no token will ever do.
        _ => Reply::json(401, json!({"error": "invalid_token"})),
    })
    .await;
    let profile = profile(&emulator);
    let (session, _clock) = session(&profile).await;

    let response =
        waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/shipments"))
            .await
            .unwrap();
    assert_eq!(
        response.status, 401,
        "the user must see the API's 401 when a fresh token is refused too"
    );
    assert!(response.retried_after_401);
    assert_eq!(
        emulator.count("/api/shipments"),
        2,
        "exactly one retry: retrying forever would hammer the API and the token endpoint"
    );
    assert_eq!(emulator.count(TOKEN_PATH), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_concurrent_401s_for_the_same_stale_token_cause_one_renewal() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        TOKEN_PATH if req.seq == 0 => numbered_token(req),
        TOKEN_PATH => numbered_token(req).delay(StdDuration::from_millis(200)),
        // t1 is revoked; the 401 is slow so all 100 calls are sent with t1 before any renewal.
        _ if req.bearer() == Some("t1") => {
            Reply::json(401, json!({"error": "invalid_token"})).delay(StdDuration::from_millis(300))
        }
        _ => Reply::json(200, json!({"ok": true})),
    })
    .await;
    let profile = Arc::new(profile(&emulator));
    let (session, _clock) = session(&profile).await;
    session.token(&profile).await.unwrap();

    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (session, profile) = (session.clone(), profile.clone());
            tokio::spawn(async move {
                waybill_core::request::send(
                    &session,
                    &profile,
                    &ApiRequest::new("GET", "/shipments"),
                )
                .await
            })
        })
        .collect();
    for call in calls {
        let response = call.await.unwrap().unwrap();
        assert_eq!(response.status, 200);
        assert!(response.retried_after_401);
    }
    assert_eq!(
        api_requests_with(&emulator, "/api/shipments", "t1"),
        100,
        "all 100 calls went out with the stale token (the scenario under test)"
    );
    assert_eq!(api_requests_with(&emulator, "/api/shipments", "t2"), 100);
    assert_eq!(
        emulator.count(TOKEN_PATH),
        2,
        "100 calls rejected for one stale token must share ONE renewal, not fetch 100 tokens"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_client_shows_the_provider_error_and_its_description() {
    let emulator = Emulator::start(|_: &Recorded| {
        Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        )
    })
    .await;
    let profile = profile(&emulator);
    let (session, _clock) = session(&profile).await;

    let err = session.token(&profile).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("invalid_client") && text.contains("Client authentication failed"),
        "the user needs the provider's own words to fix their credentials: {text}"
    );
    assert!(
        text.contains("carrier"),
        "the message names the profile: {text}"
    );
    assert_no_secret(&err);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_html_502_page_is_described_not_dumped() {
    let emulator = Emulator::start(|_: &Recorded| {
        Reply::html(
            502,
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
             <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        )
    })
    .await;
    let profile = profile(&emulator);
    let (session, _clock) = session(&profile).await;

    let err = session.token(&profile).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("HTML page") && text.contains("502"),
        "the user must learn the endpoint answered with a 502 error page, not a token: {text}"
    );
    assert!(
        !text.contains('<') && !text.contains('>') && !text.contains("nginx"),
        "HTML markup must not be dumped on the user: {text}"
    );
    assert_no_secret(&err);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_token_endpoint_times_out_with_a_plain_sentence() {
    let emulator =
        Emulator::start(|req: &Recorded| numbered_token(req).delay(StdDuration::from_secs(2)))
            .await;
    let profile = profile(&emulator);
    let (session, _clock) = session_with(&profile, Net::new(StdDuration::from_millis(300))).await;

    let started = Instant::now();
    let err = session.token(&profile).await.unwrap_err();
    let waited = started.elapsed();
    let text = err.to_string();
    assert!(
        text.contains("did not answer within 0.3 s"),
        "the user must be told the endpoint did not answer in time, and the limit: {text}"
    );
    assert!(
        text.contains(&emulator.url(TOKEN_PATH)),
        "and which URL: {text}"
    );
    assert!(
        waited < StdDuration::from_millis(1500),
        "the timeout must cut the wait short (waited {waited:?})"
    );
    assert!(matches!(
        &err,
        SessionError::Grant {
            source: GrantError::Endpoint(EndpointError::Net(NetError::Timeout { .. })),
            ..
        }
    ));
    assert_no_secret(&err);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_says_so() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let token_url = format!("http://127.0.0.1:{port}/token");
    let profile = profile_at(token_url.clone(), format!("http://127.0.0.1:{port}/api"));
    let (session, _clock) = session(&profile).await;

    let err = session.token(&profile).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("could not connect to") && text.contains(&token_url),
        "the user must learn nothing is listening at the token URL: {text}"
    );
    assert!(
        text.to_lowercase().contains("refused"),
        "the OS reason is kept: {text}"
    );
    assert!(matches!(
        &err,
        SessionError::Grant {
            source: GrantError::Endpoint(EndpointError::Net(NetError::Connect { .. })),
            ..
        }
    ));
    assert_no_secret(&err);
}

/// The keyring as one process sees it: shared across `Session`s (processes), counting the reads
/// (each one a D-Bus round trip on Linux), optionally refusing values longer than `max_len` like
/// a credential store with small entries.
#[derive(Clone, Default)]
struct CountingKeyring {
    values: Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
    reads: Arc<std::sync::atomic::AtomicUsize>,
    max_len: Option<usize>,
}

impl CountingKeyring {
    fn reads(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn raw(&self, account: &str) -> Option<String> {
        self.values.lock().unwrap().get(account).cloned()
    }
}

impl SecretStore for CountingKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(self.raw(account))
    }
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
        if self.max_len.is_some_and(|max| value.len() > max) {
            return Err(VaultError::TooLong {
                what: account.into(),
                detail: "too long".into(),
            });
        }
        self.values
            .lock()
            .unwrap()
            .insert(account.into(), value.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.values.lock().unwrap().remove(account);
        Ok(())
    }
    fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
        let values = self.values.lock().unwrap();
        Ok((values.keys())
            .map(|account| StoredAccount {
                account: account.clone(),
                modified: None,
            })
            .collect())
    }
}

/// One Waybill process over `keyring`, with the client secret kept.
async fn process(profile: &Profile, keyring: &CountingKeyring) -> (Session, Arc<ManualClock>) {
    let vault = Vault::new(keyring.clone());
    vault
        .set_client_secret(&profile.keyring_id, &ClientSecret::new(SECRET))
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(at(0)));
    (Session::new(vault, Net::default(), clock.clone()), clock)
}

/// What a caller sees of a token: its value, where it came from, whether it can be refreshed.
fn seen(token: &waybill_core::Token) -> (&str, TokenSource, bool) {
    (
        token.access_token.expose(),
        token.source,
        token.has_refresh_token,
    )
}

fn token_and_refresh(req: &Recorded) -> Reply {
    let n = req.seq + 1;
    Reply::json(
        200,
        json!({"access_token": format!("a{n}"), "refresh_token": format!("r{n}"), "expires_in": 3600, "id_token": "x.y.z"}),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_with_a_cached_token_reads_the_keyring_once_and_the_refresh_token_only_to_renew() {
    let emulator = Emulator::start(token_and_refresh).await;
    let profile = profile(&emulator);
    let keyring = CountingKeyring::default();
    let (first, _) = process(&profile, &keyring).await;
    first.token(&profile).await.unwrap();

    // The next command is a new process: everything comes from the keyring.
    let (next, clock) = process(&profile, &keyring).await;
    let before = keyring.reads();
    let token = next.token(&profile).await.unwrap();
    assert_eq!(seen(&token), ("a1", TokenSource::Cache, true));
    assert_eq!(
        keyring.reads() - before,
        1,
        "a cached token is one keyring round trip: token, expiry and the refresh token's presence in one entry"
    );
    assert_eq!(
        next.status(&profile, false)
            .await
            .unwrap()
            .meta
            .unwrap()
            .extra
            .0
            .len(),
        1,
        "the provider's extra fields (id_token) are kept with the token"
    );

    clock.advance(Duration::seconds(3600));
    let renewed = next.token(&profile).await.unwrap();
    assert_eq!(
        (renewed.access_token.expose(), renewed.source),
        ("a2", TokenSource::Refreshed)
    );
    let refresh = &emulator.requests_to(TOKEN_PATH)[1];
    assert_eq!(
        field(refresh, "refresh_token").as_deref(),
        Some("r1"),
        "the refresh token, not read for the cached call, is read to renew"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_kept_by_the_earlier_layout_are_still_used() {
    let emulator = Emulator::start(token_and_refresh).await;
    let profile = profile(&emulator);
    let id = &profile.keyring_id;
    let keyring = CountingKeyring::default();
    let (first, _) = process(&profile, &keyring).await;
    first.token(&profile).await.unwrap();

    // How the version before kept tokens on a keyring with small entries: the token alone, its
    // metadata beside it.
    let access = format!("{id}/access_token");
    let whole: serde_json::Value = serde_json::from_str(&keyring.raw(&access).unwrap()).unwrap();
    let earlier = [
        (
            access.clone(),
            whole["access_token"].as_str().unwrap().to_string(),
        ),
        (format!("{id}/token_meta"), whole["meta"].to_string()),
    ];
    keyring.values.lock().unwrap().extend(earlier);

    let (next, clock) = process(&profile, &keyring).await;
    let token = next.token(&profile).await.unwrap();
    assert_eq!(seen(&token), ("a1", TokenSource::Cache, true));
    clock.advance(Duration::seconds(3600));
    assert_eq!(
        next.token(&profile).await.unwrap().source,
        TokenSource::Refreshed
    );
    assert_eq!(
        field(&emulator.requests_to(TOKEN_PATH)[1], "refresh_token").as_deref(),
        Some("r1")
    );
    assert_eq!(emulator.count(TOKEN_PATH), 2, "no token was fetched again");
    assert_eq!(
        keyring.raw(&format!("{id}/token_meta")),
        None,
        "the renewed token is kept whole, and the old metadata entry goes"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_too_long_for_a_small_keyrings_entries_is_split_and_read_whole() {
    let emulator = Emulator::start(token_and_refresh).await;
    let profile = profile(&emulator);
    let id = &profile.keyring_id;
    // Entries that cannot hold the token with its metadata (about 150 bytes here, over 200 with
    // the token).
    let small = CountingKeyring {
        max_len: Some(180),
        ..CountingKeyring::default()
    };
    let (first, _) = process(&profile, &small).await;
    first.token(&profile).await.unwrap();
    let head = small.raw(&format!("{id}/access_token")).unwrap();
    assert!(head.starts_with("waybill-chunks:v1:"), "{head}");
    assert!(small.raw(&format!("{id}/access_token#2")).is_some());

    let (next, clock) = process(&profile, &small).await;
    let token = next.token(&profile).await.unwrap();
    assert_eq!(seen(&token), ("a1", TokenSource::Cache, true));
    clock.advance(Duration::seconds(3600));
    assert_eq!(
        (next.token(&profile).await.unwrap()).access_token.expose(),
        "a2"
    );
    assert_eq!(emulator.count(TOKEN_PATH), 2, "no token was fetched again");
}
