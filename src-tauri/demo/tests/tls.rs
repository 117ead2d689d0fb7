//! End-to-end tests of the demo provider over TLS and mutual TLS (RFC 8705 client auth and
//! certificate-bound tokens), with certificates from `waybill_demo::pki`.

use reqwest::{Certificate, Client, Identity, StatusCode};
use serde_json::Value;
use waybill_demo::pki::{sha256_thumbprint, Ca, Issued, Validity};
use waybill_demo::{generated_tls, DemoConfig, DemoServer, ServerTls};

/// A client trusting `ca`, presenting `identity` if given. No built-in roots (manual roots only).
fn client(ca: &Ca, identity: Option<&Issued>) -> Client {
    let mut b = Client::builder()
        .add_root_certificate(Certificate::from_pem(ca.cert_pem().as_bytes()).expect("CA PEM"));
    if let Some(id) = identity {
        b = b.identity(Identity::from_pem(id.identity_pem().as_bytes()).expect("identity PEM"));
    }
    b.build().expect("client")
}

/// A server whose certificate comes from `ca` and which requires client certificates from it.
async fn start_mtls(ca: &Ca) -> DemoServer {
    let leaf = ca
        .server_cert(&["127.0.0.1", "localhost"], Validity::Current)
        .expect("server cert");
    let tls = ServerTls {
        cert_chain_pem: leaf.cert_pem,
        key_pem: leaf.key_pem,
        client_ca_pem: Some(ca.cert_pem()),
    };
    DemoServer::start_tls(0, DemoConfig::default(), tls)
        .await
        .expect("start mTLS demo server")
}

async fn post_form(c: &Client, url: &str, body: &str) -> reqwest::Response {
    c.post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("send")
}

async fn token(c: &Client, s: &DemoServer, body: &str) -> Value {
    let res = post_form(c, &s.token_url(), body).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

async fn whoami(c: &Client, s: &DemoServer, at: &str) -> reqwest::Response {
    c.get(format!("{}/whoami", s.api_base()))
        .bearer_auth(at)
        .send()
        .await
        .expect("send")
}

async fn discovery(c: &Client, s: &DemoServer) -> Value {
    c.get(format!("{}/.well-known/openid-configuration", s.base_url()))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

/// Asserts the 401 for a bound token used without its certificate.
async fn assert_refused_as_unbound(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer "));
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"], "invalid_token");
    let d = v["error_description"].as_str().unwrap();
    assert!(
        d.contains("bound to a client certificate that this request did not present"),
        "{d}"
    );
}

#[tokio::test]
async fn https_works_with_the_ca_and_fails_without_it() {
    let (ca, tls) = generated_tls();
    assert!(tls.client_ca_pem.is_none());
    let s = DemoServer::start_tls(0, DemoConfig::default(), tls)
        .await
        .expect("start");
    assert!(s.addr().ip().is_loopback());
    assert_eq!(
        s.base_url(),
        format!("https://127.0.0.1:{}", s.addr().port())
    );
    assert!(s.credentials_text().contains(&s.token_url()));
    assert!(s.token_url().starts_with("https://"));

    // A client that does not trust the CA: its handshake fails, and only its connection drops.
    let untrusting = Client::builder().build().unwrap();
    assert!(untrusting.get(s.base_url()).send().await.is_err());
    let other_ca = Ca::new("Someone else's CA");
    assert!(client(&other_ca, None)
        .get(s.base_url())
        .send()
        .await
        .is_err());

    let c = client(&ca, None);
    let d = discovery(&c, &s).await;
    assert_eq!(d["issuer"], s.base_url().as_str());
    assert!(d
        .get("tls_client_certificate_bound_access_tokens")
        .is_none());
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post", "client_secret_basic", "none"])
    );
    let v = token(
        &c,
        &s,
        "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
    )
    .await;
    let at = v["access_token"].as_str().unwrap();
    let who: Value = whoami(&c, &s, at).await.json().await.unwrap();
    assert_eq!(who["client_id"], "demo-client");
    assert_eq!(who["cert_bound"], false);

    // No client certificate on this server: client_id alone is still not enough.
    let res = post_form(
        &c,
        &s.token_url(),
        "grant_type=client_credentials&client_id=demo-client",
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");

    // "localhost" is in the certificate too.
    let url = format!("https://localhost:{}/", s.addr().port());
    assert_eq!(c.get(url).send().await.unwrap().status(), StatusCode::OK);
    s.shutdown().await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_server_certificates_are_refused_by_clients() {
    let ca = Ca::new("Validity CA");
    for valid in [Validity::Expired, Validity::NotYetValid] {
        let leaf = ca.server_cert(&["127.0.0.1"], valid).unwrap();
        let tls = ServerTls {
            cert_chain_pem: leaf.cert_pem,
            key_pem: leaf.key_pem,
            client_ca_pem: None,
        };
        let s = DemoServer::start_tls(0, DemoConfig::default(), tls)
            .await
            .unwrap();
        let err = client(&ca, None).get(s.base_url()).send().await;
        assert!(err.is_err(), "{valid:?}");
        s.shutdown().await;
    }
}

#[tokio::test]
async fn bad_pem_is_an_error_not_a_panic() {
    let (ca, good) = generated_tls();
    let cases = [
        ServerTls {
            cert_chain_pem: "not a certificate".into(),
            ..good.clone()
        },
        ServerTls {
            key_pem: String::new(),
            ..good.clone()
        },
        ServerTls {
            client_ca_pem: Some(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
            ),
            ..good.clone()
        },
        // A key that does not belong to the certificate.
        ServerTls {
            key_pem: ca.client_cert("x").key_pem,
            ..good
        },
    ];
    for tls in cases {
        let e = DemoServer::start_tls(0, DemoConfig::default(), tls)
            .await
            .err()
            .expect("bad PEM must fail");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
    }
}

#[tokio::test]
async fn a_client_certificate_is_required_when_a_client_ca_is_set() {
    let ca = Ca::new("mTLS CA");
    let s = start_mtls(&ca).await;
    let without = client(&ca, None);
    assert!(without.get(s.base_url()).send().await.is_err());
    // A certificate from another CA is refused as well.
    let stranger = Ca::new("Stranger CA").client_cert("stranger");
    assert!(client(&ca, Some(&stranger))
        .get(s.base_url())
        .send()
        .await
        .is_err());

    let alice = ca.client_cert("alice");
    let c = client(&ca, Some(&alice));
    let res = c.get(s.base_url()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // TLS 1.2 is served too, with and without the client certificate alike.
    let tls12 = |identity: Option<&Issued>| {
        let mut b = Client::builder()
            .add_root_certificate(Certificate::from_pem(ca.cert_pem().as_bytes()).unwrap())
            .max_tls_version(reqwest::tls::Version::TLS_1_2);
        if let Some(id) = identity {
            b = b.identity(Identity::from_pem(id.identity_pem().as_bytes()).unwrap());
        }
        b.build().unwrap()
    };
    let res = tls12(Some(&alice)).get(s.base_url()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(tls12(None).get(s.base_url()).send().await.is_err());
    let d = discovery(&c, &s).await;
    assert_eq!(d["tls_client_certificate_bound_access_tokens"], true);
    let methods = d["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(
        methods.iter().any(|m| m == "tls_client_auth"),
        "{methods:?}"
    );
    assert!(s.credentials_text().contains("tls_client_auth"));

    // The secret still works over mutual TLS, and such tokens are not bound.
    let v = token(
        &c,
        &s,
        "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
    )
    .await;
    let at = v["access_token"].as_str().unwrap();
    let bob = client(&ca, Some(&ca.client_cert("bob")));
    let who: Value = whoami(&bob, &s, at).await.json().await.unwrap();
    assert_eq!(who["cert_bound"], false);
    assert!(who.get("cnf").is_none());
    s.shutdown().await;
}

#[tokio::test]
async fn tls_client_auth_issues_certificate_bound_tokens() {
    let ca = Ca::new("mTLS CA");
    let s = start_mtls(&ca).await;
    let alice_cert = ca.client_cert("alice");
    let alice = client(&ca, Some(&alice_cert));
    let bob = client(&ca, Some(&ca.client_cert("bob")));

    // client_id alone: the certificate authenticates the client.
    let v = token(
        &alice,
        &s,
        "grant_type=client_credentials&client_id=demo-client&scope=ship",
    )
    .await;
    assert_eq!(v["token_type"], "Bearer");
    assert!(v.get("cnf").is_none(), "the token response stays standard");
    let at = v["access_token"].as_str().unwrap().to_owned();

    let res = whoami(&alice, &s, &at).await;
    assert_eq!(res.status(), StatusCode::OK);
    let who: Value = res.json().await.unwrap();
    assert_eq!(who["client_id"], "demo-client");
    assert_eq!(who["cert_bound"], true);
    assert_eq!(
        who["cnf"]["x5t#S256"],
        sha256_thumbprint(&alice_cert.cert_der).as_str()
    );
    // Another certificate from the same CA: refused.
    assert_refused_as_unbound(whoami(&bob, &s, &at).await).await;
    let res = bob
        .get(format!("{}/services", s.api_base()))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_refused_as_unbound(res).await;

    // An unknown client_id with a certificate is still an invalid client.
    let res = post_form(
        &alice,
        &s.token_url(),
        "grant_type=client_credentials&client_id=nobody",
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], "invalid_client");

    // Refresh tokens are bound too: the same certificate refreshes, another one cannot.
    let v = token(
        &alice,
        &s,
        "grant_type=password&client_id=demo-client&username=demo&password=demo-password",
    )
    .await;
    let rt = v["refresh_token"].as_str().unwrap();
    let v = token(
        &alice,
        &s,
        &format!("grant_type=refresh_token&client_id=demo-client&refresh_token={rt}"),
    )
    .await;
    let at2 = v["access_token"].as_str().unwrap();
    assert_eq!(whoami(&alice, &s, at2).await.status(), StatusCode::OK);
    assert_refused_as_unbound(whoami(&bob, &s, at2).await).await;
    let rt2 = v["refresh_token"].as_str().unwrap();
    let res = post_form(
        &bob,
        &s.token_url(),
        &format!("grant_type=refresh_token&client_id=demo-client&refresh_token={rt2}"),
    )
    .await;
    assert_oauth_error(
        res,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "bound to a client certificate",
    )
    .await;
    s.shutdown().await;
}

#[tokio::test]
async fn client_id_alone_over_plain_http_is_still_invalid_client() {
    // Over plain HTTP no certificate is ever presented, so client_id alone stays invalid_client.
    let s = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let res = post_form(
        &Client::new(),
        &s.token_url(),
        "grant_type=client_credentials&client_id=demo-client",
    )
    .await;
    assert_oauth_error(
        res,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client_id was sent without client_secret",
    )
    .await;
    s.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_the_tls_server() {
    let (ca, tls) = generated_tls();
    let s = DemoServer::start_tls(0, DemoConfig::default(), tls)
        .await
        .unwrap();
    let url = s.base_url();
    assert!(client(&ca, None).get(&url).send().await.is_ok());
    s.shutdown().await;
    assert!(client(&ca, None).get(&url).send().await.is_err());
}

/// An RFC 6749 error answer: its status, `error`, and words in its `error_description`.
async fn assert_oauth_error(res: reqwest::Response, status: StatusCode, error: &str, says: &str) {
    assert_eq!(res.status(), status);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"], error);
    let description = e["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(says), "{description}");
}
