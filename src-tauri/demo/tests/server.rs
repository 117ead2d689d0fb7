//! End-to-end tests of the demo provider over real HTTP.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use waybill_demo::{DemoConfig, DemoServer};

async fn start() -> DemoServer {
    DemoServer::start(0, DemoConfig::default())
        .await
        .expect("start demo server")
}

fn form(pairs: &[(&str, &str)]) -> String {
    // The demo values need no escaping except what we test explicitly.
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_form(c: &Client, url: &str, body: String) -> reqwest::Response {
    c.post(url)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded;charset=UTF-8",
        )
        .body(body)
        .send()
        .await
        .expect("send")
}

fn assert_token(v: &Value, prefix: &str, field: &str) -> String {
    let t = v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"));
    assert!(t.starts_with(prefix), "{t}");
    assert!(t.len() >= prefix.len() + 32, "{t}");
    assert!(
        t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        "{t}"
    );
    t.to_owned()
}

async fn ok_json(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    res.json().await.expect("json")
}

#[tokio::test]
async fn client_credentials_in_each_dialect() {
    let s = start().await;
    assert!(s.addr().ip().is_loopback());
    assert_eq!(
        s.base_url(),
        format!("http://127.0.0.1:{}", s.addr().port())
    );
    let c = Client::new();

    // form
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
        ("scope", "ship+track"),
    ]);
    let v = ok_json(post_form(&c, &s.token_url(), body).await).await;
    assert_token(&v, "demo_at_", "access_token");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["scope"], "ship track");
    assert!(v.get("refresh_token").is_none());

    // basic (RFC 6749 2.3.1 form-encoded id/secret, here with nothing to encode)
    let res = c
        .post(s.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let v = ok_json(res).await;
    assert_token(&v, "demo_at_", "access_token");
    assert!(v.get("scope").is_none());

    // json
    let res = c
        .post(s.token_url())
        .json(&json!({"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}))
        .send()
        .await
        .unwrap();
    let v = ok_json(res).await;
    let at = assert_token(&v, "demo_at_", "access_token");

    let who: Value = c
        .get(format!("{}/whoami", s.api_base()))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(who["grant_type"], "client_credentials");
    assert_eq!(who["client_id"], "demo-client");
    assert!(who["username"].is_null());
    assert!(who["expires_in"].as_u64().unwrap() > 3500);
    s.shutdown().await;
}

#[tokio::test]
async fn basic_with_urlencoded_credentials() {
    let cfg = DemoConfig {
        client_id: "my client".into(),
        client_secret: "p@ss:w%rd".into(),
        ..DemoConfig::default()
    };
    let s = DemoServer::start(0, cfg).await.unwrap();
    let c = Client::new();
    for (id, secret) in [("my+client", "p%40ss%3Aw%25rd"), ("my client", "p@ss:w%rd")] {
        let header = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
        let res = c
            .post(s.token_url())
            .header("Authorization", header)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{id}:{secret}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn password_then_refresh_rotates() {
    let s = start().await;
    let c = Client::new();
    let body = form(&[
        ("grant_type", "password"),
        ("username", "demo"),
        ("password", "demo-password"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ]);
    let v = ok_json(post_form(&c, &s.token_url(), body).await).await;
    let at1 = assert_token(&v, "demo_at_", "access_token");
    let rt1 = assert_token(&v, "demo_rt_", "refresh_token");

    let who: Value = c
        .get(format!("{}/whoami", s.api_base()))
        .bearer_auth(&at1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(who["grant_type"], "password");
    assert_eq!(who["username"], "demo");
    assert_eq!(who["subject"], "demo");

    let refresh = |rt: &str| {
        c.post(s.token_url())
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)])
            .send()
    };
    let v = ok_json(refresh(&rt1).await.unwrap()).await;
    let at2 = assert_token(&v, "demo_at_", "access_token");
    let rt2 = assert_token(&v, "demo_rt_", "refresh_token");
    assert_ne!(at1, at2);
    assert_ne!(rt1, rt2);

    // The old refresh token is spent.
    let res = refresh(&rt1).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "invalid_grant");
    // The new one works, once.
    ok_json(refresh(&rt2).await.unwrap()).await;

    // Wrong password.
    let body = form(&[
        ("grant_type", "password"),
        ("username", "demo"),
        ("password", "nope"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ]);
    let res = post_form(&c, &s.token_url(), body).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    s.shutdown().await;
}

#[tokio::test]
async fn wrong_or_missing_client_credentials() {
    let s = start().await;
    let c = Client::new();
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "wrong"),
    ]);
    let res = post_form(&c, &s.token_url(), body).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("www-authenticate").is_none());
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "invalid_client");
    assert!(e["error_description"].as_str().unwrap().len() > 10, "{e}");

    let res = c
        .post(s.token_url())
        .basic_auth("demo-client", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Basic realm=\"waybill-demo\""
    );
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let res = c
        .post(s.token_url())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn garbage_is_invalid_request() {
    let s = start().await;
    let c = Client::new();
    let cases: [(&str, &[u8]); 5] = [
        ("application/json", b"{not json"),
        ("application/json; charset=utf-8", b"[1,2]"),
        ("application/json", br#"{"grant_type": 5}"#),
        ("application/x-www-form-urlencoded", b"grant_type=%zz"),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage"),
    ];
    for (ct, body) in cases {
        let res = c
            .post(s.token_url())
            .header("Content-Type", ct)
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{ct} {body:?}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"], "invalid_request", "{ct} {body:?}");
        assert!(e["error_description"].is_string());
    }
    let res = c
        .post(s.token_url())
        .header("Content-Type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = c
        .post(s.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("scope", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    ); // missing grant_type
    let res = c
        .post(s.token_url())
        .header("Authorization", "Basic !!!")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    s.shutdown().await;
}

async fn token(c: &Client, s: &DemoServer) -> String {
    let res = c
        .post(s.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ])
        .send()
        .await
        .unwrap();
    ok_json(res).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn assert_invalid_token(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"waybill-demo\", error=\"invalid_token\""
    );
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "invalid_token");
    assert!(e["error_description"].is_string());
}

#[tokio::test]
async fn api_needs_a_live_bearer() {
    let s = start().await;
    let c = Client::new();
    let services = format!("{}/services", s.api_base());
    assert_invalid_token(c.get(&services).send().await.unwrap()).await;
    assert_invalid_token(
        c.get(&services)
            .bearer_auth("demo_at_nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid_token(
        c.get(&services)
            .basic_auth("a", Some("b"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    let at = token(&c, &s).await;
    let res = c
        .get(&services)
        .header("Authorization", format!("bEaReR {at}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    assert_eq!(list[0]["id"], "standard");

    // Shipments.
    let shipments = format!("{}/shipments", s.api_base());
    let res = c
        .post(&shipments)
        .bearer_auth(&at)
        .json(&json!({"service": "standard", "to": "Berlin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "created");
    assert_eq!(created["to"], "Berlin");
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("shp_"));
    let got: Value = c
        .get(format!("{shipments}/{id}"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, created);
    let res = c
        .get(format!("{shipments}/shp_999"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c
        .post(&shipments)
        .bearer_auth(&at)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    // Expire: the API says 401, a new token works again.
    let res = c
        .post(format!("{}/demo/expire-tokens", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_invalid_token(c.get(&services).bearer_auth(&at).send().await.unwrap()).await;
    let at2 = token(&c, &s).await;
    assert_eq!(
        c.get(&services)
            .bearer_auth(&at2)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    s.shutdown().await;
}

#[tokio::test]
async fn expire_keeps_refresh_tokens() {
    let s = start().await;
    let c = Client::new();
    let v = ok_json(
        c.post(s.token_url())
            .json(&json!({"grant_type": "password", "username": "demo", "password": "demo-password", "client_id": "demo-client", "client_secret": "demo-secret"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rt = v["refresh_token"].as_str().unwrap();
    c.post(format!("{}/demo/expire-tokens", s.base_url()))
        .send()
        .await
        .unwrap();
    let res = c
        .post(s.token_url())
        .json(&json!({"grant_type": "refresh_token", "refresh_token": rt, "client_id": "demo-client", "client_secret": "demo-secret"}))
        .send()
        .await
        .unwrap();
    let at = ok_json(res).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        c.get(format!("{}/whoami", s.api_base()))
            .bearer_auth(at)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    s.shutdown().await;
}

#[tokio::test]
async fn token_requests_are_counted() {
    let s = start().await;
    let c = Client::new();
    assert_eq!(s.token_requests(), 0);
    token(&c, &s).await;
    c.post(s.token_url())
        .body("garbage=%")
        .send()
        .await
        .unwrap();
    c.post(s.token_url())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    // Other endpoints do not count.
    c.get(format!("{}/services", s.api_base()))
        .send()
        .await
        .unwrap();
    c.get(s.base_url()).send().await.unwrap();
    assert_eq!(s.token_requests(), 3);
    s.shutdown().await;
}

#[tokio::test]
async fn home_page_and_credentials_text() {
    let s = start().await;
    let html = reqwest::get(format!("{}/", s.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("demo-client")
            && html.contains("demo-secret")
            && html.contains("/oauth/token")
    );
    let text = s.credentials_text();
    for needle in [
        s.token_url(),
        s.api_base(),
        "demo-client".into(),
        "demo-secret".into(),
        "demo-password".into(),
    ] {
        assert!(text.contains(&needle), "{needle} missing from:\n{text}");
    }
    for dialect in [
        "--client-auth form",
        "--client-auth basic",
        "--client-auth json",
        "--grant password",
    ] {
        assert!(text.contains(dialect), "{dialect}");
    }
    let res = reqwest::get(format!("{}/nowhere", s.base_url()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    s.shutdown().await;
}

#[tokio::test]
async fn shutdown_frees_the_port() {
    let s = start().await;
    let addr = s.addr();
    // Keep a pooled keep-alive connection open across shutdown.
    let c = Client::new();
    token(&c, &s).await;
    let t = std::time::Instant::now();
    s.shutdown().await;
    assert!(
        t.elapsed() < std::time::Duration::from_secs(4),
        "shutdown waited for the idle connection"
    );
    assert!(c.get(format!("http://{addr}/")).send().await.is_err());
    let again = DemoServer::start(addr.port(), DemoConfig::default())
        .await
        .expect("port free again");
    again.shutdown().await;
}
