//! Each built-in provider preset against an emulator of that provider's documented dialect
//! (their docs, kept in the steering repository's shared/providers/): the token request Waybill puts on the wire must be the one the doc
//! shows (method, path, content type, client authentication, body fields), the doc's own sample
//! response must be understood, and the API call that follows must carry `Authorization: Bearer`
//! with the token verbatim plus the preset's default headers.
//!
//! Profiles are built from the real preset; only scheme and host of its token URL and API base
//! are moved to the emulator (what a user does with `--token-url`/`--api-base`), so the paths the
//! emulator sees are the preset's own and are checked against the doc too.

use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use waybill_core::profile::preset::Presets;
use waybill_core::{
    ApiRequest, ClientSecret, Grant, ManualClock, Net, Password, Profile, RefreshToken, Session,
    TokenSource, Vault,
};
use waybill_tests::emulator::{Emulator, Recorded, Reply};

/// A fixed start for the manual clock (2030-03-17): expiries are asserted to the second.
const T0: i64 = 1_900_000_000;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(T0 + secs, 0).unwrap()
}

/// `https://host/some/path` -> the emulator's `http://127.0.0.1:PORT/some/path`.
fn rehost(real: &str, emulator: &Emulator) -> String {
    let url = url::Url::parse(real).unwrap();
    emulator.url(url.path())
}

/// The profile `waybill profile add NAME --preset ID --token-url ... --api-base ...` makes.
fn profile_from_preset(id: &str, emulator: &Emulator, client_id: &str) -> Profile {
    let presets = Presets::built_in();
    let preset = presets.get(id).unwrap();
    // Self-hosted presets (oro) need an application URL; the host is replaced below anyway.
    let (env, endpoints) = preset
        .endpoints(None, Some("https://shop.example"))
        .unwrap();
    let profile = Profile {
        name: format!("{id}-test"),
        keyring_id: format!("{id}-test-0001"),
        grant: preset.grants[0],
        token_url: endpoints.token_url.map(|url| rehost(&url, emulator)),
        client_id: client_id.to_string(),
        client_auth: preset.client_auth,
        scope: preset.scope.clone(),
        params: Default::default(),
        api_base: Some(rehost(&endpoints.api_base, emulator)),
        headers: preset.headers.clone(),
        username: None,
        remember_password: false,
        preset: Some(preset.id.clone()),
        environment: Some(env),
        ..Profile::default()
    };
    profile.validate().unwrap();
    profile
}

async fn session_for(profile: &Profile, secret: &str) -> (Session, Arc<ManualClock>) {
    let vault = Vault::in_memory();
    vault
        .set_client_secret(&profile.keyring_id, &ClientSecret::new(secret))
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(at(0)));
    (Session::new(vault, Net::default(), clock.clone()), clock)
}

/// An unsigned-looking JWT with the given claims (only `exp` matters to Waybill).
fn jwt(claims: serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk")
}

/// The single token request; a second one would mean the token was not reused.
fn only(requests: Vec<Recorded>, what: &str) -> Recorded {
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one {what}, got {}: one grant per token, no retries behind the user's back",
        requests.len()
    );
    requests.into_iter().next().unwrap()
}

fn assert_post_no_query(req: &Recorded, path: &str) {
    assert_eq!(
        req.method, "POST",
        "the doc's token endpoint only takes POST"
    );
    assert_eq!(
        req.path, path,
        "the token request must go to the doc's path"
    );
    assert_eq!(
        req.query, None,
        "credentials must never travel in the URL query (it ends up in server logs)"
    );
}

/// The form body as sorted pairs, so duplicates and extra fields show up in the comparison.
fn sorted_form(req: &Recorded) -> Vec<(String, String)> {
    let mut form = req.form();
    form.sort();
    form
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

/// The JSON body of a JSON-dialect token request, after checking it is labelled as JSON.
fn json_body(req: &Recorded) -> serde_json::Value {
    assert_eq!(
        req.media_type(),
        Some("application/json"),
        "JSON providers (MyParcel.com, Bindeo, Oro) reject a form body: the doc says Content-Type: application/json"
    );
    req.json().unwrap_or_else(|e| {
        panic!(
            "the token request body is not JSON ({e}): {}",
            req.body_text()
        )
    })
}

fn assert_no_client_auth_header(req: &Recorded) {
    assert_eq!(
        req.header("authorization"),
        None,
        "this provider authenticates the client in the body; an extra Authorization header is not in its doc"
    );
}

fn assert_bearer(api: &Recorded, token: &str) {
    assert_eq!(
        api.header_all("authorization"),
        vec![format!("Bearer {token}").as_str()],
        "every API call must carry the token verbatim as `Authorization: Bearer <token>`, once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parcel2go_client_credentials_in_a_form_body() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        // parcel2go.md, "Example Response".
        "/auth/connect/token" => Reply::json(
            200,
            json!({"access_token": "abef.....", "expires_in": 7200, "token_type": "Bearer"}),
        ),
        _ => Reply::json(200, json!([{"Slug": "royal-mail"}])),
    })
    .await;
    let profile = profile_from_preset("parcel2go", &emulator, "p2g-client");
    // Characters that mean something in a form body: each must arrive as itself.
    let secret = "p2g&secret=+/x y%";
    let (session, _clock) = session_for(&profile, secret).await;

    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.access_token.expose(), "abef.....");
    assert_eq!(token.source, TokenSource::Fetched);
    assert_eq!(
        token.meta.expires_at,
        Some(at(7200)),
        "expires_in 7200 decides when Waybill renews"
    );

    let req = only(emulator.requests_to("/auth/connect/token"), "token request");
    assert_post_no_query(&req, "/auth/connect/token");
    assert_eq!(
        req.media_type(),
        Some("application/x-www-form-urlencoded"),
        "parcel2go.md sends content-type: application/x-www-form-urlencoded"
    );
    assert_no_client_auth_header(&req);
    assert_eq!(
        sorted_form(&req),
        pairs(&[
            ("grant_type", "client_credentials"),
            ("scope", "public-api"),
            ("client_id", "p2g-client"),
            ("client_secret", secret),
        ]),
        "Parcel2Go wants exactly grant_type, scope=public-api, client_id and client_secret in the form; \
         a mis-encoded secret would be refused as invalid_client"
    );

    let response =
        waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/services"))
            .await
            .unwrap();
    assert_eq!(response.status, 200);
    let api = only(emulator.requests_to("/api/services"), "API request");
    assert_eq!(api.method, "GET");
    assert_bearer(&api, "abef.....");
    assert_eq!(
        api.header("accept"),
        Some("application/json"),
        "the preset's Accept header must be sent, as in parcel2go.md's example"
    );
    assert_eq!(
        emulator.count("/auth/connect/token"),
        1,
        "the API call must reuse the cached token, not fetch another"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn myparcel_client_credentials_in_json_and_jwt_exp_wins() {
    // The JWT says it dies in 10 minutes; `expires_in` claims a day. MyParcel.com's doc says to
    // read `exp`: a client trusting expires_in would send a dead token for 23 h 50 min.
    let access = jwt(json!({"sub": "b4460113", "exp": at(600).timestamp(), "scopes": ["*"]}));
    let answer = access.clone();
    let emulator = Emulator::start(move |req: &Recorded| match req.path.as_str() {
        "/access-token" => Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 86400, "access_token": answer}),
        ),
        _ => Reply::json(201, json!({"data": {"type": "shipments", "id": "1"}}))
            .header("content-type", "application/vnd.api+json"),
    })
    .await;
    let profile = profile_from_preset(
        "myparcel",
        &emulator,
        "b4460113-f097-49ae-9225-f741a7bf07ed",
    );
    let secret = "QgKgOXOwCvffUbMJKD4Lu21sZAmvw1pHGpKv1Zb6OdXBn2rkDLcyKz0JYSsFitIw";
    let (session, _clock) = session_for(&profile, secret).await;

    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.access_token.expose(), access);
    assert_eq!(
        token.meta.expires_at,
        Some(at(600)),
        "the session's expiry must follow the JWT's exp (10 min), not expires_in (24 h)"
    );

    let req = only(emulator.requests_to("/access-token"), "token request");
    assert_post_no_query(&req, "/access-token");
    assert_no_client_auth_header(&req);
    assert_eq!(
        json_body(&req),
        json!({
            "grant_type": "client_credentials",
            "client_id": "b4460113-f097-49ae-9225-f741a7bf07ed",
            "client_secret": secret,
            "scope": "*",
        }),
        "MyParcel.com wants exactly grant_type, client_id, client_secret and scope (`*` for all) as JSON strings"
    );

    let body = br#"{"data":{"type":"shipments","attributes":{}}}"#.to_vec();
    let mut request = ApiRequest::new("POST", "/shipments");
    request.body = Some(body.clone());
    let response = waybill_core::request::send(&session, &profile, &request)
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    let api = only(emulator.requests_to("/shipments"), "API request");
    assert_eq!(api.method, "POST");
    assert_bearer(&api, &access);
    assert_eq!(
        api.header_all("content-type"),
        vec!["application/vnd.api+json"],
        "the MyParcel.com API speaks JSON:API: a JSON body must not be relabelled application/json"
    );
    assert_eq!(api.header("accept"), Some("application/vnd.api+json"));
    assert_eq!(api.body, body, "the API body must arrive unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn myparcel_doc_sample_jwt_without_exp_falls_back_to_expires_in() {
    // The doc's own sample token is a JWT with no `exp` claim: expires_in is all there is.
    const SAMPLE: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1lIjoiSm9obiBEb2UiLCJhZG1pbiI6dHJ1ZX0.OLvs36KmqB9cmsUrMpUutfhV52_iSz4bQMYJjkI_TLQ";
    let emulator = Emulator::start(|_: &Recorded| {
        Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 86400, "access_token": SAMPLE}),
        )
    })
    .await;
    let profile = profile_from_preset(
        "myparcel",
        &emulator,
        "b4460113-f097-49ae-9225-f741a7bf07ed",
    );
    let (session, _clock) = session_for(&profile, "secret").await;
    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.access_token.expose(), SAMPLE);
    assert_eq!(
        token.meta.expires_at,
        Some(at(86_400)),
        "a JWT without exp must not be treated as never expiring or as already expired"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn packly_basic_auth_with_form_encoded_credentials_and_a_verbatim_lowercase_bearer() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        // packly.txt, "Authentication response", byte for byte.
        "/v1/oauth2/token" => Reply::status(200)
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"token_type":"bearer","access_token":"AAAA%2FAAA%3DAAAAAAAA","expires_in": 3600}"#),
        _ => Reply::json(200, json!({"items": []})),
    })
    .await;
    // An id and a secret with characters that RFC 6749 2.3.1 says to form-urlencode before Basic.
    let client_id = "pk_sandbox/01";
    let secret = "s3cr:t/+ &é=%";
    let profile = profile_from_preset("packly", &emulator, client_id);
    let (session, _clock) = session_for(&profile, secret).await;

    let token = session.token(&profile).await.unwrap();
    // token_type is case-insensitive (RFC 6749 5.1): Packly's lower-case `bearer` is a Bearer token.
    assert_eq!(
        token.meta.token_type, "Bearer",
        "a lower-case `bearer` token type must be accepted as Bearer"
    );
    assert_eq!(token.meta.expires_at, Some(at(3600)));

    let req = only(emulator.requests_to("/v1/oauth2/token"), "token request");
    assert_post_no_query(&req, "/v1/oauth2/token");
    assert_eq!(
        req.media_type(),
        Some("application/x-www-form-urlencoded"),
        "packly.txt sends a form body"
    );
    // What the crate sends (oauth2 5, AuthType::BasicAuth): base64 of
    // form_urlencode(id) ":" form_urlencode(secret), i.e. of
    //   pk_sandbox%2F01:s3cr%3At%2F%2B+%26%C3%A9%3D%25
    // (space as '+', as RFC 6749 appendix B's form encoding says). A server that decodes Basic
    // without url-decoding would see the encoded secret: only a secret of letters, digits and
    // `*-._` is the same both ways.
    assert_eq!(
        req.header_all("authorization"),
        vec!["Basic cGtfc2FuZGJveCUyRjAxOnMzY3IlM0F0JTJGJTJCKyUyNiVDMyVBOSUzRCUyNQ=="],
        "Packly authenticates the client with HTTP Basic, id and secret form-urlencoded first (RFC 6749 2.3.1)"
    );
    let decoded = STANDARD
        .decode(
            req.header("authorization")
                .unwrap()
                .trim_start_matches("Basic "),
        )
        .unwrap();
    let decoded = String::from_utf8(decoded).unwrap();
    let (id_part, secret_part) = decoded.split_once(':').unwrap();
    let undo = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned()
    };
    assert_eq!(
        (undo(id_part).as_str(), undo(secret_part).as_str()),
        (client_id, secret),
        "a server that url-decodes the Basic credentials (as RFC 6749 says) must get id and secret back exactly"
    );
    assert_eq!(
        sorted_form(&req),
        pairs(&[("grant_type", "client_credentials"), ("scope", "external")]),
        "with Basic auth the body carries only grant_type and scope=external: the secret must not be sent twice"
    );

    let response =
        waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/shipments"))
            .await
            .unwrap();
    assert_eq!(response.status, 200);
    let api = only(emulator.requests_to("/v1/shipments"), "API request");
    assert_bearer(&api, "AAAA%2FAAA%3DAAAAAAAA");
    assert_eq!(
        api.header("authorization"),
        Some("Bearer AAAA%2FAAA%3DAAAAAAAA"),
        "the token is opaque: it must be neither percent-decoded nor re-encoded, and the scheme is `Bearer` \
         whatever case token_type had"
    );
    assert_eq!(api.header("accept"), Some("application/json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bindeo_client_credentials_in_json() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        "/access_token" => Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "TOKEN"}),
        ),
        _ => Reply::json(200, json!({"ok": true})),
    })
    .await;
    let profile = profile_from_preset("bindeo", &emulator, "YOUR CLIENT ID");
    assert_eq!(profile.grant, Grant::ClientCredentials);
    let (session, _clock) = session_for(&profile, "YOUR CLIENT SECRET \"quoted\"").await;

    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.access_token.expose(), "TOKEN");
    assert_eq!(token.meta.expires_at, Some(at(3600)));
    assert!(!token.has_refresh_token);

    let req = only(emulator.requests_to("/access_token"), "token request");
    assert_post_no_query(&req, "/access_token");
    assert_no_client_auth_header(&req);
    assert_eq!(
        json_body(&req),
        json!({
            "grant_type": "client_credentials",
            "client_id": "YOUR CLIENT ID",
            "client_secret": "YOUR CLIENT SECRET \"quoted\"",
        }),
        "Bindeo wants exactly grant_type, client_id and client_secret (no scope) as JSON"
    );

    waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/documents"))
        .await
        .unwrap();
    let api = only(emulator.requests_to("/documents"), "API request");
    assert_bearer(&api, "TOKEN");
    assert_eq!(api.header("accept"), Some("application/json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bindeo_password_grant_then_refresh_token_grant() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        "/access_token" => {
            let grant = req
                .json()
                .ok()
                .and_then(|b| b["grant_type"].as_str().map(str::to_string));
            match grant.as_deref() {
                Some("password") => Reply::json(
                    200,
                    json!({"token_type": "Bearer", "expires_in": 3600,
                           "access_token": "PW-TOKEN", "refresh_token": "REFRESH-1"}),
                ),
                Some("refresh_token") => Reply::json(
                    200,
                    json!({"token_type": "Bearer", "expires_in": 3600,
                           "access_token": "REFRESHED-TOKEN", "refresh_token": "REFRESH-2"}),
                ),
                _ => Reply::json(400, json!({"error": "unsupported_grant_type"})),
            }
        }
        _ => Reply::json(200, json!({"ok": true})),
    })
    .await;
    let mut profile = profile_from_preset("bindeo", &emulator, "YOUR CLIENT ID");
    profile.grant = Grant::Password;
    profile.username = Some("USERNAME".into());
    profile.validate().unwrap();
    let (session, clock) = session_for(&profile, "YOUR CLIENT SECRET").await;

    let token = session
        .sign_in_with_password(&profile, &Password::new("USER PASSWORD & more"))
        .await
        .unwrap();
    assert_eq!(token.access_token.expose(), "PW-TOKEN");
    assert!(
        token.has_refresh_token,
        "Bindeo's password grant returns a refresh token: it must be kept"
    );
    let requests = emulator.requests_to("/access_token");
    let req = only(requests, "password grant request");
    assert_post_no_query(&req, "/access_token");
    assert_no_client_auth_header(&req);
    assert_eq!(
        json_body(&req),
        json!({
            "grant_type": "password",
            "client_id": "YOUR CLIENT ID",
            "client_secret": "YOUR CLIENT SECRET",
            "username": "USERNAME",
            "password": "USER PASSWORD & more",
        }),
        "Bindeo's password grant wants exactly these five JSON fields"
    );

    // Past expiry (minus the renewal margin) the refresh token is used, not the password again.
    clock.advance(Duration::seconds(3600));
    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.source, TokenSource::Refreshed);
    assert_eq!(token.access_token.expose(), "REFRESHED-TOKEN");
    assert_eq!(token.meta.expires_at, Some(at(7200)));
    let requests = emulator.requests_to("/access_token");
    assert_eq!(requests.len(), 2, "one password grant, then one refresh");
    let req = &requests[1];
    assert_post_no_query(req, "/access_token");
    assert_no_client_auth_header(req);
    assert_eq!(
        json_body(req),
        json!({
            "grant_type": "refresh_token",
            "client_id": "YOUR CLIENT ID",
            "client_secret": "YOUR CLIENT SECRET",
            "refresh_token": "REFRESH-1",
        }),
        "Bindeo's refresh grant wants exactly these four JSON fields"
    );

    waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/documents"))
        .await
        .unwrap();
    let api = only(emulator.requests_to("/documents"), "API request");
    assert_bearer(&api, "REFRESHED-TOKEN");

    // The rotated refresh token replaces the old one.
    clock.advance(Duration::seconds(3600));
    session.token(&profile).await.unwrap();
    let requests = emulator.requests_to("/access_token");
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].json().unwrap()["refresh_token"],
        "REFRESH-2",
        "a rotated refresh token must replace the old one (providers revoke the old one)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bindeo_refresh_token_grant_from_a_refresh_token_the_user_brought() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        "/access_token" => Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "FROM-REFRESH"}),
        ),
        _ => Reply::json(200, json!({})),
    })
    .await;
    let mut profile = profile_from_preset("bindeo", &emulator, "YOUR CLIENT ID");
    profile.grant = Grant::RefreshToken;
    let (session, _clock) = session_for(&profile, "YOUR CLIENT SECRET").await;
    session
        .adopt_refresh_token(&profile, &RefreshToken::new("YOUR VALID REFRESH TOKEN"))
        .await
        .unwrap();

    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.source, TokenSource::Refreshed);
    assert_eq!(token.access_token.expose(), "FROM-REFRESH");
    assert!(
        token.has_refresh_token,
        "an answer without a new refresh token keeps the old one usable"
    );
    let req = only(emulator.requests_to("/access_token"), "refresh request");
    assert_post_no_query(&req, "/access_token");
    assert_eq!(
        json_body(&req),
        json!({
            "grant_type": "refresh_token",
            "client_id": "YOUR CLIENT ID",
            "client_secret": "YOUR CLIENT SECRET",
            "refresh_token": "YOUR VALID REFRESH TOKEN",
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn oro_client_credentials_in_json_under_the_application_url() {
    let access = jwt(json!({"aud": "backoffice-app", "exp": at(3600).timestamp(), "sub": "api"}));
    let answer = access.clone();
    let emulator = Emulator::start(move |req: &Recorded| match req.path.as_str() {
        "/oauth2-token" => Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3600, "access_token": answer}),
        ),
        _ => {
            Reply::json(200, json!({"data": []})).header("content-type", "application/vnd.api+json")
        }
    })
    .await;
    // Oro is self-hosted: here the user's application URL is the emulator itself.
    let presets = Presets::built_in();
    let preset = presets.get("oro").unwrap();
    let (_, endpoints) = preset.endpoints(None, Some(&emulator.url("/"))).unwrap();
    let profile = profile_from_preset("oro", &emulator, "your client identifier");
    assert_eq!(
        (
            profile.token_url.as_deref().unwrap(),
            profile.api_base.as_deref()
        ),
        (
            endpoints.token_url.as_deref().unwrap(),
            Some(endpoints.api_base.as_str())
        ),
        "--base-url and --token-url/--api-base must lead to the same profile"
    );
    let (session, _clock) = session_for(&profile, "your client secret").await;

    let token = session.token(&profile).await.unwrap();
    assert_eq!(token.access_token.expose(), access);
    assert_eq!(token.meta.expires_at, Some(at(3600)));

    let req = only(emulator.requests_to("/oauth2-token"), "token request");
    assert_post_no_query(&req, "/oauth2-token");
    assert_no_client_auth_header(&req);
    assert_eq!(
        json_body(&req),
        json!({
            "grant_type": "client_credentials",
            "client_id": "your client identifier",
            "client_secret": "your client secret",
        }),
        "Oro wants exactly grant_type, client_id and client_secret (no scope) as JSON"
    );

    let response =
        waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/users"))
            .await
            .unwrap();
    assert_eq!(response.status, 200);
    let api = only(emulator.requests_to("/api/users"), "API request");
    assert_eq!(api.method, "GET");
    assert_bearer(&api, &access);
    assert_eq!(
        api.header("content-type"),
        Some("application/vnd.api+json"),
        "Oro's API example sends Content-Type: application/vnd.api+json"
    );
    assert_eq!(api.header("accept"), Some("application/vnd.api+json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn expires_in_as_a_string_and_a_missing_token_type_are_accepted() {
    let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
        "/auth/connect/token" => Reply::json(
            200,
            json!({"access_token": "lenient", "expires_in": "3600"}),
        ),
        _ => Reply::json(200, json!({})),
    })
    .await;
    let profile = profile_from_preset("parcel2go", &emulator, "p2g-client");
    let (session, clock) = session_for(&profile, "secret").await;

    let token = session.token(&profile).await.unwrap_or_else(|e| {
        panic!(
            "real providers send expires_in as a string and omit token_type; this must work: {e}"
        )
    });
    assert_eq!(token.access_token.expose(), "lenient");
    assert_eq!(
        token.meta.expires_at,
        Some(at(3600)),
        "\"3600\" must count as 3600 s, not be ignored (a token without expiry is never renewed ahead)"
    );
    assert_eq!(
        token.meta.token_type.to_ascii_lowercase(),
        "bearer",
        "a missing token_type defaults to Bearer (the oauth2 crate stores it lower-cased)"
    );

    // And the expiry is acted on: fresh before the margin, renewed after it.
    clock.advance(Duration::seconds(3500));
    session.token(&profile).await.unwrap();
    assert_eq!(emulator.count("/auth/connect/token"), 1);
    clock.advance(Duration::seconds(60));
    session.token(&profile).await.unwrap();
    assert_eq!(emulator.count("/auth/connect/token"), 2);

    waybill_core::request::send(&session, &profile, &ApiRequest::new("GET", "/services"))
        .await
        .unwrap();
    assert_bearer(
        &only(emulator.requests_to("/api/services"), "API request"),
        "lenient",
    );
}
