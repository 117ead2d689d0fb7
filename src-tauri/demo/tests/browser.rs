//! Browser sign-in end to end over real HTTP: the authorize page, the implicit flow, the
//! authorization code flow with PKCE, revocation and discovery. Redirects are never followed,
//! so every `Location` can be inspected.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, Url};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use waybill_demo::{DemoConfig, DemoServer};

const CB: &str = "http://127.0.0.1:53682/callback";
const VERIFIER: &str = "a-very-long-code-verifier_with.all~the-allowed-characters-0123456789";

async fn start() -> DemoServer {
    start_with(DemoConfig::default()).await
}

async fn start_with(config: DemoConfig) -> DemoServer {
    DemoServer::start(0, config)
        .await
        .expect("start demo server")
}

fn client() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_url(s: &DemoServer, pairs: &[(&str, &str)]) -> Url {
    Url::parse_with_params(&s.authorize_url(), pairs).expect("url")
}

/// The PKCE code request of a well-behaved public client.
fn code_request<'a>(ch: &'a str, state: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "demo-browser"),
        ("redirect_uri", CB),
        ("scope", "shipments track"),
        ("state", state),
        ("code_challenge", ch),
        ("code_challenge_method", "S256"),
    ]
}

fn token_request(state: &str) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "token"),
        ("client_id", "demo-browser"),
        ("redirect_uri", CB),
        ("scope", "shipments"),
        ("state", state),
        ("nonce", "n-0S6_WzA2Mj"),
    ]
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#13;", "\r")
        .replace("&#10;", "\n")
        .replace("&amp;", "&")
}

/// The hidden fields of the sign-in form, as a browser would submit them.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|rest| {
            let name = rest
                .strip_prefix("name=\"")
                .and_then(|r| r.split_once('"'))
                .expect("name")
                .0;
            let value = rest
                .split_once("value=\"")
                .and_then(|(_, r)| r.split_once('"'))
                .expect("value")
                .0;
            (name.to_owned(), html_unescape(value))
        })
        .collect()
}

async fn page(c: &Client, url: Url) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = c.get(url).send().await.expect("send");
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("text"))
}

/// Submits the sign-in form like a browser clicking `button` ("approve" or "deny").
async fn click(c: &Client, s: &DemoServer, html: &str, button: &str) -> reqwest::Response {
    let mut fields = hidden_fields(html);
    fields.push(("decision".into(), button.into()));
    c.post(format!("{}/oauth/authorize/decision", s.base_url()))
        .form(&fields)
        .send()
        .await
        .expect("send")
}

/// Shows the sign-in page for `pairs`, clicks `button`, and returns the redirect target.
async fn sign_in(c: &Client, s: &DemoServer, pairs: &[(&str, &str)], button: &str) -> Url {
    let (status, _, html) = page(c, authorize_url(s, pairs)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let res = click(c, s, &html, button).await;
    location(&res)
}

fn location(res: &reqwest::Response) -> Url {
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let loc = res.headers()["location"].to_str().expect("ascii");
    Url::parse(loc).expect("absolute Location")
}

fn pairs_of(encoded: &str) -> HashMap<String, String> {
    let url = Url::parse(&format!("http://x/?{encoded}")).expect("url");
    let map: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(map.len(), url.query_pairs().count(), "duplicate parameters");
    map
}

fn query(url: &Url) -> HashMap<String, String> {
    pairs_of(url.query().unwrap_or(""))
}

fn fragment(url: &Url) -> HashMap<String, String> {
    pairs_of(url.fragment().unwrap_or(""))
}

/// The callback without its query and fragment.
fn target(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

async fn whoami(c: &Client, s: &DemoServer, token: &str) -> reqwest::Response {
    c.get(format!("{}/whoami", s.api_base()))
        .bearer_auth(token)
        .send()
        .await
        .expect("send")
}

async fn exchange(c: &Client, s: &DemoServer, code: &str, verifier: &str) -> reqwest::Response {
    c.post(s.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CB),
            ("client_id", "demo-browser"),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("send")
}

async fn error_of(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: Value = res.json().await.expect("json");
    assert!(
        v["error_description"]
            .as_str()
            .is_some_and(|d| d.len() > 10),
        "{v}"
    );
    v["error"].as_str().expect("error").to_owned()
}

async fn get_code(c: &Client, s: &DemoServer, ch: &str) -> String {
    let url = sign_in(c, s, &code_request(ch, "st"), "approve").await;
    query(&url)["code"].clone()
}

#[tokio::test]
async fn authorize_page_renders_both_buttons_and_escapes_reflected_values() {
    let s = start().await;
    let c = client();
    let evil = "\"><script>alert(1)</script>'&";
    let mut pairs = token_request(evil);
    pairs[3] = ("scope", "shipments <b>track</b>");
    let (status, headers, html) = page(&c, authorize_url(&s, &pairs)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(html.contains("<button id=\"approve\""), "{html}");
    assert!(html.contains(">Sign in as demo</button>"), "{html}");
    assert!(html.contains("<button id=\"deny\""), "{html}");
    assert!(html.contains(">Deny</button>"), "{html}");
    assert!(html.contains("action=\"/oauth/authorize/decision\""));
    assert!(
        html.contains("demo-browser wants: shipments &lt;b&gt;track&lt;/b&gt;"),
        "{html}"
    );
    assert!(
        html.contains("value=\"demo\""),
        "demo user prefilled: {html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;"));
    // No external resources: inline CSS only.
    for needle in ["src=", "href=", "<link", "@import", "url("] {
        assert!(!html.contains(needle), "{needle} in {html}");
    }
    // Every request parameter is in a hidden field, exactly as sent.
    let fields: HashMap<String, String> = hidden_fields(&html).into_iter().collect();
    for (k, v) in &pairs {
        assert_eq!(fields.get(*k).map(String::as_str), Some(*v), "{k}");
    }
    assert!(fields.contains_key("request_id"));
    // ...and the state comes back unharmed.
    let res = click(&c, &s, &html, "approve").await;
    assert_eq!(fragment(&location(&res))["state"], evil);
    s.shutdown().await;
}

#[tokio::test]
async fn implicit_approve_puts_the_token_in_the_fragment() {
    let s = start().await;
    let c = client();
    let url = sign_in(&c, &s, &token_request("xyz"), "approve").await;
    assert_eq!(target(&url), CB);
    assert_eq!(url.query(), None, "{url}");
    let f = fragment(&url);
    let token = &f["access_token"];
    assert!(token.starts_with("demo_at_"), "{token}");
    assert_eq!(f["token_type"], "Bearer");
    assert_eq!(f["expires_in"], "3600");
    assert_eq!(f["scope"], "shipments");
    assert_eq!(f["state"], "xyz");
    assert!(
        !f.contains_key("refresh_token"),
        "no refresh token for implicit"
    );
    let res = whoami(&c, &s, token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["grant_type"], "implicit");
    assert_eq!(me["client_id"], "demo-browser");
    assert_eq!(me["username"], "demo");
    assert_eq!(me["scope"], "shipments");
    s.shutdown().await;
}

#[tokio::test]
async fn implicit_token_in_the_query_with_the_switch_or_response_mode() {
    // The switch (Parcel2Go style).
    let s = start_with(DemoConfig {
        implicit_in_query: true,
        ..DemoConfig::default()
    })
    .await;
    let c = client();
    let url = sign_in(&c, &s, &token_request("q1"), "approve").await;
    assert_eq!(url.fragment(), None, "{url}");
    let q = query(&url);
    assert_eq!(q["state"], "q1");
    assert_eq!(q["token_type"], "Bearer");
    assert_eq!(
        whoami(&c, &s, &q["access_token"]).await.status(),
        StatusCode::OK
    );
    // A request's response_mode=fragment still wins over the switch.
    let mut pairs = token_request("f1");
    pairs.push(("response_mode", "fragment"));
    let url = sign_in(&c, &s, &pairs, "approve").await;
    assert_eq!(url.query(), None);
    assert_eq!(fragment(&url)["state"], "f1");
    s.shutdown().await;

    // response_mode=query on the default config; a redirect URI with its own query keeps it.
    let s = start().await;
    let cb = format!("{CB}?session=7");
    let mut pairs = token_request("q2");
    pairs[2] = ("redirect_uri", &cb);
    pairs.push(("response_mode", "query"));
    let url = sign_in(&c, &s, &pairs, "approve").await;
    assert_eq!(url.fragment(), None);
    let q = query(&url);
    assert_eq!(q["session"], "7");
    assert_eq!(q["state"], "q2");
    assert_eq!(q["expires_in"], "3600");
    assert_eq!(
        whoami(&c, &s, &q["access_token"]).await.status(),
        StatusCode::OK
    );
    s.shutdown().await;
}

#[tokio::test]
async fn code_with_pkce_exchanges_and_refreshes() {
    let s = start().await;
    let c = client();
    let ch = challenge(VERIFIER);
    let url = sign_in(&c, &s, &code_request(&ch, "abc"), "approve").await;
    assert_eq!(target(&url), CB);
    assert_eq!(url.fragment(), None);
    let q = query(&url);
    assert_eq!(q["state"], "abc");
    assert_eq!(q.len(), 2, "{q:?}");
    let code = &q["code"];
    assert!(code.starts_with("demo_ac_"), "{code}");

    let res = exchange(&c, &s, code, VERIFIER).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let v: Value = res.json().await.unwrap();
    let at = v["access_token"].as_str().unwrap();
    let rt = v["refresh_token"].as_str().unwrap();
    assert!(
        at.starts_with("demo_at_") && rt.starts_with("demo_rt_"),
        "{v}"
    );
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], "shipments track");
    let me: Value = whoami(&c, &s, at).await.json().await.unwrap();
    assert_eq!(me["grant_type"], "authorization_code");
    assert_eq!(me["client_id"], "demo-browser");
    assert_eq!(me["username"], "demo");

    // Refresh with the public client: client_id, no secret.
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "demo-browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v2: Value = res.json().await.unwrap();
    let at2 = v2["access_token"].as_str().unwrap();
    assert_ne!(at2, at);
    assert_ne!(v2["refresh_token"], v["refresh_token"]);
    assert_eq!(whoami(&c, &s, at2).await.status(), StatusCode::OK);
    // Refresh tokens stay single-use.
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "demo-browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "invalid_grant");
    s.shutdown().await;
}

#[tokio::test]
async fn code_exchange_rejects_wrong_verifier_reuse_and_mismatches() {
    let s = start().await;
    let c = client();
    let ch = challenge(VERIFIER);

    // Wrong verifier: invalid_grant, and the code is spent.
    let code = get_code(&c, &s, &ch).await;
    let wrong = "another-verifier-that-is-long-enough-0123456789-abcdef";
    assert_eq!(
        error_of(exchange(&c, &s, &code, wrong).await).await,
        "invalid_grant"
    );
    assert_eq!(
        error_of(exchange(&c, &s, &code, VERIFIER).await).await,
        "invalid_grant"
    );

    // Reuse: the second exchange fails and the tokens of the first are revoked.
    let code = get_code(&c, &s, &ch).await;
    let res = exchange(&c, &s, &code, VERIFIER).await;
    assert_eq!(res.status(), StatusCode::OK);
    let at = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(whoami(&c, &s, &at).await.status(), StatusCode::OK);
    assert_eq!(
        error_of(exchange(&c, &s, &code, VERIFIER).await).await,
        "invalid_grant"
    );
    assert_eq!(whoami(&c, &s, &at).await.status(), StatusCode::UNAUTHORIZED);

    // Missing verifier, other redirect_uri, unknown code, other client.
    let code = get_code(&c, &s, &ch).await;
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("client_id", "demo-browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "invalid_grant");
    let code = get_code(&c, &s, &ch).await;
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:53682/other"),
            ("client_id", "demo-browser"),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "invalid_grant");
    assert_eq!(
        error_of(exchange(&c, &s, "demo_ac_nonsense", VERIFIER).await).await,
        "invalid_grant"
    );
    let code = get_code(&c, &s, &ch).await;
    let res = c
        .post(s.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "invalid_grant");
    // A missing code is a malformed request rather than a bad grant.
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("redirect_uri", CB),
            ("client_id", "demo-browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "invalid_request");
    s.shutdown().await;
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_state() {
    let s = start().await;
    let c = client();
    let url = sign_in(&c, &s, &token_request("d1"), "deny").await;
    assert_eq!(target(&url), CB);
    assert_eq!(url.query(), None);
    let f = fragment(&url);
    assert_eq!(f["error"], "access_denied");
    assert_eq!(f["error_description"], "The user denied the request");
    assert_eq!(f["state"], "d1");
    assert!(!f.contains_key("access_token"));
    assert!(url
        .as_str()
        .contains("error_description=The+user+denied+the+request"));

    let ch = challenge(VERIFIER);
    let url = sign_in(&c, &s, &code_request(&ch, "d2"), "deny").await;
    assert_eq!(url.fragment(), None);
    let q = query(&url);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "d2");
    assert!(!q.contains_key("code"));
    s.shutdown().await;
}

#[tokio::test]
async fn bad_client_or_redirect_uri_is_a_page_never_a_redirect() {
    let s = start().await;
    let c = client();
    let ch = challenge(VERIFIER);
    let bad_uris = [
        "http://evil.example/cb",
        "https://127.0.0.1/cb",
        "http://127.0.0.2/cb",
        "http://127.0.0.1@evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://127.0.0.1/cb#x",
        "myapp://callback",
    ];
    for uri in bad_uris {
        for mut pairs in [token_request("s"), code_request(&ch, "s")] {
            pairs[2] = ("redirect_uri", uri);
            let (status, headers, html) = page(&c, authorize_url(&s, &pairs)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(headers.get("location").is_none(), "{uri}");
            assert!(headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"));
            assert!(html.contains("redirect_uri"), "{html}");
            assert!(!html.contains("id=\"approve\""), "{html}");
        }
    }
    let cases: [&[(&str, &str)]; 4] = [
        &[
            ("response_type", "token"),
            ("client_id", "evil-app"),
            ("redirect_uri", CB),
        ],
        &[("response_type", "token"), ("redirect_uri", CB)],
        &[("response_type", "token"), ("client_id", "demo-browser")],
        // Malformed query: a duplicated parameter.
        &[
            ("response_type", "token"),
            ("client_id", "demo-browser"),
            ("redirect_uri", CB),
            ("redirect_uri", "http://evil.example/"),
        ],
    ];
    for pairs in cases {
        let (status, headers, html) = page(&c, authorize_url(&s, pairs)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pairs:?}");
        assert!(headers.get("location").is_none(), "{pairs:?}");
        assert!(html.contains("Sign-in request rejected"), "{html}");
    }
    let (_, _, html) = page(&c, authorize_url(&s, cases[0])).await;
    assert!(html.contains("Unknown client_id"), "{html}");

    // A forged decision (no request shown by this server) is refused the same way.
    let res = c
        .post(format!("{}/oauth/authorize/decision", s.base_url()))
        .form(&[
            ("request_id", "req_forged"),
            ("decision", "approve"),
            ("response_type", "token"),
            ("client_id", "demo-browser"),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
    s.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_page_is_answered_once() {
    let s = start().await;
    let c = client();
    let (_, _, html) = page(&c, authorize_url(&s, &token_request("once"))).await;
    let first = click(&c, &s, &html, "approve").await;
    assert_eq!(first.status(), StatusCode::FOUND);
    let again = click(&c, &s, &html, "approve").await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.headers().get("location").is_none());
    s.shutdown().await;
}

#[tokio::test]
async fn other_request_errors_go_back_to_the_app() {
    let s = start().await;
    let c = client();
    let ch = challenge(VERIFIER);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        // PKCE is mandatory for the public client.
        (
            vec![
                ("response_type", "code"),
                ("client_id", "demo-browser"),
                ("redirect_uri", CB),
                ("state", "e"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "demo-browser"),
                ("redirect_uri", CB),
                ("state", "e"),
                ("code_challenge", &ch),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "demo-browser"),
                ("redirect_uri", CB),
                ("state", "e"),
                ("code_challenge", &ch),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "demo-browser"),
                ("redirect_uri", CB),
                ("state", "e"),
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "id_token"),
                ("client_id", "demo-browser"),
                ("redirect_uri", CB),
                ("state", "e"),
            ],
            "unsupported_response_type",
        ),
        (
            vec![
                ("client_id", "demo-browser"),
                ("redirect_uri", CB),
                ("state", "e"),
            ],
            "invalid_request",
        ),
        // The confidential client may not use the implicit flow.
        (
            vec![
                ("response_type", "token"),
                ("client_id", "demo-client"),
                ("redirect_uri", CB),
                ("state", "e"),
            ],
            "unauthorized_client",
        ),
    ];
    for (pairs, error) in cases {
        let res = c.get(authorize_url(&s, &pairs)).send().await.unwrap();
        let url = location(&res);
        assert_eq!(target(&url), CB, "{pairs:?}");
        let params = if pairs.contains(&("response_type", "token")) {
            fragment(&url)
        } else {
            query(&url)
        };
        assert_eq!(params["error"], error, "{pairs:?}");
        assert_eq!(params["state"], "e", "{pairs:?}");
        assert!(params["error_description"].len() > 10);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn confidential_client_may_use_code_with_its_secret() {
    let s = start().await;
    let c = client();
    let pairs = [
        ("response_type", "code"),
        ("client_id", "demo-client"),
        ("redirect_uri", CB),
        ("state", "cc"),
    ];
    let url = sign_in(&c, &s, &pairs, "approve").await;
    let code = query(&url)["code"].clone();
    // Without the secret it is not authenticated.
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("client_id", "demo-client"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let url = sign_in(&c, &s, &pairs, "approve").await;
    let code = query(&url)["code"].clone();
    let res = c
        .post(s.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert!(v["refresh_token"].is_string());
    s.shutdown().await;
}

#[tokio::test]
async fn public_client_limits() {
    let s = start().await;
    let c = client();
    // The public client cannot use the grants that need a confidential client.
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "unauthorized_client");
    // It has no secret, so sending one is an authentication failure.
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", "demo-browser"),
            ("client_secret", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    s.shutdown().await;
}

async fn revoke(c: &Client, s: &DemoServer, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(s.revocation_url())
        .form(form)
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn revocation_makes_the_api_answer_401() {
    let s = start().await;
    let c = client();
    assert_eq!(s.revocation_url(), format!("{}/oauth/revoke", s.base_url()));

    // An implicit token, revoked by the public client.
    let url = sign_in(&c, &s, &token_request("r"), "approve").await;
    let at = fragment(&url)["access_token"].clone();
    assert_eq!(whoami(&c, &s, &at).await.status(), StatusCode::OK);
    let res = revoke(
        &c,
        &s,
        &[
            ("token", &at),
            ("token_type_hint", "access_token"),
            ("client_id", "demo-browser"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "");
    assert_eq!(whoami(&c, &s, &at).await.status(), StatusCode::UNAUTHORIZED);

    // Unknown tokens (and a second revocation) are fine: 200, empty.
    for token in ["demo_at_unknown", at.as_str()] {
        let res = revoke(&c, &s, &[("token", token), ("client_id", "demo-browser")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text().await.unwrap(), "");
    }

    // A refresh token from the code flow: revoking it also revokes its access token.
    let code = get_code(&c, &s, &challenge(VERIFIER)).await;
    let v: Value = exchange(&c, &s, &code, VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let (at, rt) = (
        v["access_token"].as_str().unwrap(),
        v["refresh_token"].as_str().unwrap(),
    );
    let res = revoke(
        &c,
        &s,
        &[
            ("token", rt),
            ("token_type_hint", "refresh_token"),
            ("client_id", "demo-browser"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(whoami(&c, &s, at).await.status(), StatusCode::UNAUTHORIZED);
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "demo-browser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await, "invalid_grant");

    // The confidential client authenticates as at the token endpoint (Basic or body).
    let res = c
        .post(s.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let at = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not without credentials, and not by another client.
    let res = revoke(&c, &s, &[("token", &at)]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = revoke(
        &c,
        &s,
        &[
            ("token", &at),
            ("client_id", "demo-client"),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = revoke(&c, &s, &[("token", &at), ("client_id", "demo-browser")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(whoami(&c, &s, &at).await.status(), StatusCode::OK);
    let res = c
        .post(s.revocation_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("token", at.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(whoami(&c, &s, &at).await.status(), StatusCode::UNAUTHORIZED);
    // A missing token parameter is a malformed request.
    let res = revoke(&c, &s, &[("client_id", "demo-browser")]).await;
    assert_eq!(error_of(res).await, "invalid_request");
    s.shutdown().await;
}

#[tokio::test]
async fn discovery_document() {
    let s = start().await;
    let base = s.base_url();
    let res = reqwest::get(format!("{base}/.well-known/openid-configuration"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["issuer"], base.as_str());
    assert!(!base.ends_with('/'));
    assert_eq!(d["authorization_endpoint"], s.authorize_url().as_str());
    assert_eq!(s.authorize_url(), format!("{base}/oauth/authorize"));
    assert_eq!(d["token_endpoint"], s.token_url().as_str());
    assert_eq!(d["revocation_endpoint"], s.revocation_url().as_str());
    assert_eq!(
        d["response_types_supported"],
        serde_json::json!(["code", "token"])
    );
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post", "client_secret_basic", "none"])
    );
    let grants: Vec<&str> = d["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for g in [
        "authorization_code",
        "implicit",
        "refresh_token",
        "client_credentials",
        "password",
    ] {
        assert!(grants.contains(&g), "{g}");
    }
    let rfc8414: Value = reqwest::get(format!("{base}/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rfc8414, d);
    s.shutdown().await;
}

#[tokio::test]
async fn credentials_text_and_home_page_show_the_browser_client() {
    let s = start().await;
    let base = s.base_url();
    let text = s.credentials_text();
    for needle in [
        "demo-browser".to_owned(),
        s.authorize_url(),
        s.revocation_url(),
        format!("waybill profile add demo-browser --grant authorization_code --issuer {base} --client-id demo-browser"),
        "waybill login demo-browser".to_owned(),
        format!(
            "waybill profile add demo-implicit --grant implicit --authorize-url {base}/oauth/authorize --client-id demo-browser --scope \"shipments\""
        ),
        "waybill login demo-implicit".to_owned(),
    ] {
        assert!(text.contains(&needle), "{needle} missing from:\n{text}");
    }
    let html = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("demo-browser") && html.contains("/oauth/authorize"),
        "{html}"
    );
    assert!(html.contains("/oauth/revoke") && html.contains("/.well-known/openid-configuration"));
    s.shutdown().await;
}
