//! The desktop app end to end: the real window (WebKitGTK under Xvfb) driven through WebDriver
//! (tauri-driver + WebKitWebDriver), the real OS keyring, the demo provider and oidc-provider, and
//! headless Chromium as the user's browser. Each test is what a person does in the window, checked
//! by what the window then shows; screenshots of each main screen go to test-output/screenshots/.

use waybill_demo::pki::{Ca, Validity};
use waybill_demo::{DemoConfig, DemoServer, ServerTls};
use waybill_tests::emulator::{Emulator, Reply};
use waybill_tests::harness::{
    browser_steps_after, chromium_browser, keyring_access_token, pem_lines, random_secret,
    require_keyring, secret_tool_lookup, Waybill,
};
use waybill_tests::oidc::OidcProvider;
use waybill_tests::picky::{picky_provider, SECRET};
use waybill_tests::proxy::Tinyproxy;
use waybill_tests::window::Window;

/// One window at a time: two WebKit apps at once on a 2-core machine only make both slow.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The keyring id the window gave a profile, read from the profiles file it wrote.
fn keyring_id(window: &Window, profile: &str) -> String {
    let text = std::fs::read_to_string(window.home.path().join("config/profiles.toml"))
        .expect("profiles.toml");
    let block = text
        .split("[[profile]]")
        .find(|b| b.contains(&format!("name = \"{profile}\"")))
        .unwrap_or_else(|| panic!("no profile {profile} in {text}"));
    let line = block
        .lines()
        .find(|l| l.starts_with("keyring_id"))
        .expect("keyring_id line");
    line.split('"').nth(1).expect("quoted id").to_string()
}

/// Files under the window's scratch dirs (profiles, WebKit data and caches) that contain `needle`.
fn files_containing(window: &Window, needle: &str) -> Vec<String> {
    fn walk(dir: &std::path::Path, needle: &[u8], found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, needle, found);
            } else if std::fs::read(&path)
                .map(|b| b.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
            {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(window.home.path(), needle.as_bytes(), &mut found);
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_credentials_profile_from_a_preset_gets_a_token_and_calls_the_api() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let window = Window::open(&[]).await;
    window.screenshot("01-empty").await;
    window.assert_accessible("01-empty").await;

    // From the Packly preset (HTTP Basic, its headers), pointed at the demo provider.
    window.click("#new-profile").await;
    window.select("#f-preset", "packly").await;
    window.fill("#f-name", "packly-demo").await;
    window.fill("#f-client-id", "demo-client").await;
    window.fill("#f-client-secret", "demo-secret").await;
    window.fill("#f-token-url", &demo.token_url()).await;
    window.fill("#f-api-base", &demo.api_base()).await;
    window.screenshot("02-new-profile").await;
    window.assert_accessible("02-new-profile").await;
    window.click("#save-profile").await;
    window
        .find("[data-profile='packly-demo'][data-health='signed_out']")
        .await;
    let id = keyring_id(&window, "packly-demo");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some("demo-secret"),
        "the secret typed in the form is in the OS keyring"
    );

    window.click("#get-token").await;
    window
        .find("[data-profile='packly-demo'][data-health='valid']")
        .await;
    assert!(window.text("#token-state").await.contains("left"));
    assert_eq!(window.text("#token-type").await, "Bearer");
    assert_eq!(window.text("#token-source").await, "fetched");
    assert_eq!(demo.token_requests(), 1);
    window.screenshot("03-token-inspector").await;
    window.assert_accessible("03-token-inspector").await;
    let token = keyring_access_token(&id).expect("token in the keyring");

    // The request builder: a path joined to the API base, the bearer added by the profile.
    window.click("#tab-request").await;
    window.fill("#req-url", "/services").await;
    window
        .wait_for_text("#req-resolved", &format!("{}/services", demo.api_base()))
        .await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "200 OK").await;
    let body = window.text("#resp-body").await;
    assert!(
        body.contains("\"name\": \"Standard Parcel\""),
        "pretty JSON: {body}"
    );
    window.screenshot("04-request-response").await;
    window.assert_accessible("04-request-response").await;

    // A JSON body sent with Ctrl+Enter; an HTML-looking answer would be text, never markup.
    window.fill("#req-url", "/shipments").await;
    window.select("#req-method", "POST").await;
    window.click("#body-json").await;
    window
        .fill("#req-body", r#"{"to": "Berlin", "parcels": 2}"#)
        .await;
    let body = window.find("#req-body").await;
    body.send_keys("\u{e009}\u{e007}").await.unwrap(); // Ctrl+Enter
    window.wait_for_text("#resp-status", "201").await;
    assert!(window.text("#resp-body").await.contains("Berlin"));

    // An API error: the provider's code and message stand above the body.
    window.select("#req-method", "GET").await;
    window.fill("#req-url", "/shipments/shp_nope").await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "404").await;
    assert_eq!(
        window.text("#resp-provider-error").await,
        "not_found: No shipment shp_nope."
    );

    // The smallest size the window allows still fits: nothing scrolls sideways.
    window.client.set_window_size(900, 600).await.unwrap();
    let overflow = window
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow.as_i64(), Some(0), "horizontal overflow at 900x600");
    window.screenshot("07-small-window").await;
    window.assert_accessible("07-small-window").await;

    window.click("#copy-curl").await;
    let curl = window
        .wait_for_text("#curl-text", "Bearer [redacted]")
        .await;
    assert!(curl.starts_with("curl "), "{curl}");
    assert!(
        !curl.contains(&token),
        "the token is redacted unless asked for"
    );

    // Neither the secret nor the token is in any file the app wrote (profiles, WebKit storage).
    for needle in [token.as_str(), "demo-secret"] {
        let leaks = files_containing(&window, needle);
        assert!(leaks.is_empty(), "{needle:.12}… leaked into {leaks:?}");
    }
    window.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_shows_the_providers_error_and_a_corrected_one_works() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let secret = random_secret("oidc-secret");
    let oidc = OidcProvider::start(&secret, 300);
    let window = Window::open(&[]).await;

    window.click("#new-profile").await;
    window.fill("#f-name", "oidc-cc").await;
    window.fill("#f-client-id", "cc-basic").await;
    window.fill("#f-client-secret", "not-the-secret").await;
    window.select("#f-client-auth", "basic").await;
    window.fill("#f-token-url", &oidc.token_endpoint).await;
    window.click("#save-profile").await;
    window.click("#get-token").await;

    let error = window
        .wait_for_text("#error .message", "invalid_client")
        .await;
    assert!(
        error.contains("client authentication failed"),
        "the provider's error_description is shown: {error}"
    );
    window
        .find("[data-profile='oidc-cc'][data-health='error']")
        .await;
    // The state dot stays a dot in the error state (the error banner's style once framed it).
    let sizes = window
        .client
        .execute(
            "return [...document.querySelectorAll('.dot.error')] \
               .map(d => { const r = d.getBoundingClientRect(); return [r.width, r.height]; });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        sizes,
        serde_json::json!([[9, 9], [9, 9]]),
        "sidebar and inspector dots"
    );
    window.screenshot("05-provider-error").await;
    window.assert_accessible("05-provider-error").await;

    // Edit: the right secret replaces the wrong one in the keyring; the token comes.
    window.click("#edit-profile").await;
    window.fill("#f-client-secret", &secret).await;
    window.click("#f-more summary").await;
    window
        .fill("#f-introspection-url", &oidc.introspection_endpoint)
        .await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='oidc-cc'][data-health='valid']")
        .await;
    // The inspector asks the provider about the token (RFC 7662, as the client).
    window.click("#check-at-provider").await;
    window
        .wait_for_text("#introspection-active", "active")
        .await;
    let answer = window.wait_for_text("#introspection", "cc-basic").await;
    assert!(answer.contains("\"active\": true"), "{answer}");
    window.screenshot("12-checked-at-provider").await;
    window.assert_accessible("12-checked-at-provider").await;
    assert_eq!(
        secret_tool_lookup(&format!("{}/client_secret", keyring_id(&window, "oidc-cc"))),
        Some(secret.clone())
    );
    assert!(files_containing(&window, &secret).is_empty());
    window.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_given_in_the_form_is_trusted_and_the_proxy_a_request_took_is_shown() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let ca = Ca::new("Window Test CA");
    let leaf = ca.server_cert(&["127.0.0.1"], Validity::Current).unwrap();
    let tls = ServerTls {
        cert_chain_pem: leaf.cert_pem,
        key_pem: leaf.key_pem,
        client_ca_pem: None,
    };
    let server = DemoServer::start_tls(0, DemoConfig::default(), tls)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.cert_pem()).unwrap();
    let proxy = Tinyproxy::start(None);
    let window = Window::open(&[("HTTPS_PROXY", proxy.url())]).await;

    window.click("#new-profile").await;
    window.fill("#f-name", "tls-cc").await;
    window.fill("#f-client-id", "demo-client").await;
    window.fill("#f-client-secret", "demo-secret").await;
    window.select("#f-client-auth", "basic").await;
    window.fill("#f-token-url", &server.token_url()).await;
    window.fill("#f-api-base", &server.api_base()).await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    // The same sentence as the CLI's.
    window
        .wait_for_text(
            "#error .message",
            "the certificate of 127.0.0.1 is issued by \"Window Test CA\", which is not a trusted CA",
        )
        .await;
    window
        .wait_for_text(
            "#error .hint",
            "give its file in the profile's Network section",
        )
        .await;

    window.click("#edit-profile").await;
    window.click("#f-network summary").await;
    window.fill("#f-ca-file", ca_file.to_str().unwrap()).await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='tls-cc'][data-health='valid']")
        .await;
    window.click("#tab-request").await;
    window.fill("#req-url", "/whoami").await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "200").await;
    window
        .wait_for_text("#resp-proxy", &format!("via proxy {}", proxy.url()))
        .await;
    assert!(
        proxy.log().contains(&format!("CONNECT {}", server.addr())),
        "{}",
        proxy.log()
    );
    window.screenshot("10-private-ca-and-proxy").await;
    window.assert_accessible("10-private-ca-and-proxy").await;
    let profiles =
        std::fs::read_to_string(window.home.path().join("config/profiles.toml")).unwrap();
    assert!(profiles.contains("BEGIN CERTIFICATE") && !profiles.contains("ca.pem"));
    window.close().await;
}

/// private_key_jwt in the window: a profile without a key says how to get one; "Make a key"
/// shows the public JWK, which is registered at oidc-provider; the next token is signed for with
/// it. The private key stays in the keyring.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_in_the_window_authenticates_the_client_at_oidc_provider() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let oidc = OidcProvider::start(&random_secret("oidc-secret"), 60);
    let window = Window::open(&[]).await;

    window.click("#new-profile").await;
    window.fill("#f-name", "keyed").await;
    window.fill("#f-client-id", "registered-later").await;
    window.select("#f-client-auth", "private_key_jwt").await;
    window.fill("#f-token-url", &oidc.token_endpoint).await;
    window.fill("#f-scope", "api:read").await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .wait_for_text("#error .message", "no key is in the keyring")
        .await;
    window
        .wait_for_text("#error .hint", "make a key there")
        .await;

    window.click("#edit-profile").await;
    window.wait_for_text("#f-key-make", "Make a key").await;
    window.click("#f-key-make").await;
    let shown = window.wait_for_text("#f-public-key", "\"kty\"").await;
    let jwk: serde_json::Value = serde_json::from_str(&shown).expect("the public JWK");
    assert_eq!(jwk["crv"], "P-256");
    assert!(
        jwk.get("d").is_none(),
        "only the public half is shown: {jwk}"
    );
    window.wait_for_text("#f-key-make", "Replace the key").await;
    window.screenshot("11-client-key").await;
    window.assert_accessible("11-client-key").await;
    let client_id = oidc.register_key_client(&jwk).await;
    window.fill("#f-client-id", &client_id).await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='keyed'][data-health='valid']")
        .await;

    let pem = secret_tool_lookup(&format!("{}/client_key", keyring_id(&window, "keyed")))
        .expect("the key is in the keyring");
    for line in pem_lines(&pem) {
        let found = files_containing(&window, &line);
        assert!(found.is_empty(), "the private key leaked into {found:?}");
    }
    window.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_in_chromium_turns_the_profile_valid() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let window = Window::open(&[
        ("BROWSER", chromium_browser()),
        // Long enough to see the window waiting.
        ("SIGN_IN_DELAY_MS", "2500".into()),
        ("SIGN_IN_TIMEOUT_MS", "40000".into()),
        ("SIGN_IN_LOG", log.path().display().to_string()),
    ])
    .await;

    // A custom profile whose endpoints come from the provider's OpenID configuration.
    window.click("#new-profile").await;
    window.fill("#f-name", "demo-web").await;
    window.select("#f-grant", "authorization_code").await;
    window.fill("#f-client-id", "demo-browser").await;
    window.fill("#f-issuer", &demo.base_url()).await;
    window.fill("#f-scope", "shipments").await;
    window.fill("#f-api-base", &demo.api_base()).await;
    window.click("#save-profile").await;
    window
        .find("[data-profile='demo-web'][data-health='signed_out']")
        .await;

    window.click("#sign-in").await;
    window.find("#sign-in-waiting").await;
    assert!(window.text("#sign-in-time-left").await.contains("min"));
    window.screenshot("06-sign-in-waiting").await;
    window.assert_accessible("06-sign-in-waiting").await;
    window
        .find("[data-profile='demo-web'][data-health='valid']")
        .await;
    assert_eq!(window.text("#token-source").await, "browser");
    assert!(
        browser_steps_after(log.path(), "done").contains("done"),
        "Chromium reached Waybill's page"
    );

    window.click("#tab-request").await;
    window.fill("#req-url", "/whoami").await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "200").await;
    window.close().await;
}

/// The device grant in the window: Sign in shows the code large, a QR code of the address that
/// holds it, the time left and Cancel; Chromium, playing the user on "another device", confirms
/// the code at oidc-provider; the profile turns valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_code_shown_in_the_window_is_confirmed_and_the_profile_turns_valid() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let oidc = OidcProvider::start("unused-secret-value", 300);
    let log = tempfile::NamedTempFile::new().unwrap();
    let window = Window::open(&[
        ("BROWSER", chromium_browser()),
        // Long enough to see the window waiting.
        ("SIGN_IN_DELAY_MS", "2500".into()),
        ("SIGN_IN_TIMEOUT_MS", "40000".into()),
        ("SIGN_IN_LOG", log.path().display().to_string()),
    ])
    .await;

    window.click("#new-profile").await;
    window.fill("#f-name", "tv").await;
    window.select("#f-grant", "device_code").await;
    window.fill("#f-client-id", "device-public").await;
    window.fill("#f-issuer", &oidc.issuer).await;
    window.fill("#f-scope", "openid api:read").await;
    window.click("#save-profile").await;
    window
        .find("[data-profile='tv'][data-health='signed_out']")
        .await;

    window.click("#sign-in").await;
    let code = window.find("#device-user-code").await.text().await.unwrap();
    assert_eq!(code.len(), 9, "oidc-provider's XXXX-XXXX code: {code}");
    assert_eq!(
        window.text("#device-uri").await,
        format!("{}/device", oidc.issuer)
    );
    assert!(window.text("#sign-in-time-left").await.contains("min"));
    let modules = window
        .client
        .execute(
            "return document.querySelector('#device-qr path').getAttribute('d').split('M').length - 1;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        modules.as_u64().unwrap() > 200,
        "a QR code is drawn: {modules} dark modules"
    );
    window.screenshot("13-device-code").await;
    window.assert_accessible("13-device-code").await;
    window
        .find("[data-profile='tv'][data-health='valid']")
        .await;
    assert_eq!(window.text("#token-source").await, "device");
    assert!(browser_steps_after(log.path(), "open").contains("device-confirm"));
    window.close().await;
}

/// Importing a carrier's real OpenAPI spec (UPS Time in Transit, YAML) in the window: the plan
/// first (the profile it creates, the request by folder, what it reads), nothing added until
/// Import; then the profile is there with the operation among its saved requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openapi_spec_imported_in_the_window_shows_its_plan_then_adds_the_profile() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import/openapi-ups/TimeInTransit.yaml");
    let window = Window::open(&[]).await;
    window.click("#import-api").await;
    window
        .fill("#import-spec-path", spec.to_str().unwrap())
        .await;
    window.click("#import-show-plan").await;
    window
        .wait_for_text("#import-plan-profile", "Creates profile time-in-transit")
        .await;
    let requests = window.text("#import-plan-requests").await;
    assert!(
        requests.contains("Time in Transit")
            && requests.contains("/shipments/{{version}}/transittimes"),
        "{requests}"
    );
    assert!(window
        .text("#import-plan")
        .await
        .contains("OpenAPI 3.0.3 (YAML)"));
    window.screenshot("14-import-plan").await;
    window.assert_accessible("14-import-plan").await;
    assert!(
        !window.home.path().join("config/profiles.toml").exists(),
        "the plan adds nothing"
    );
    window.click("#import-apply").await;
    window.find("[data-profile='time-in-transit']").await;
    let saved = window
        .wait_for_text("#saved-requests", "Time in Transit/TimeInTransit")
        .await;
    assert!(saved.contains("Saved (1)"), "{saved}");
    // The saved requests' tree, by folder, with search; a click opens one in the builder.
    window.wait_for_text("#saved-tree", "Time in Transit").await;
    window.fill("#saved-search", "nothing like it").await;
    window.find("#saved-none").await;
    window.fill("#saved-search", "transit post").await;
    window
        .click("[data-saved='Time in Transit/TimeInTransit']")
        .await;
    let url = window.find("#req-url").await.prop("value").await.unwrap();
    assert_eq!(url.as_deref(), Some("/shipments/{{version}}/transittimes"));

    // A Postman collection with its environment file: the token request's endpoint, from the
    // environment's host.
    let wise = spec.parent().unwrap().join("../postman-wise");
    window.click("#import-api").await;
    window
        .fill(
            "#import-spec-path",
            wise.join("TransferWise for Banks API flow.postman_collection.json")
                .to_str()
                .unwrap(),
        )
        .await;
    window
        .fill(
            "#import-environment",
            wise.join("TransferWise For Banks (Sandbox).postman_environment.json")
                .to_str()
                .unwrap(),
        )
        .await;
    window.click("#import-show-plan").await;
    let plan = window
        .wait_for_text(
            "#import-plan-profile",
            "Creates profile transferwise-for-banks-api",
        )
        .await;
    assert!(
        plan.contains("token URL https://api.sandbox.transferwise.tech/oauth/token")
            && plan.contains("basic client authentication"),
        "{plan}"
    );
    assert!(window
        .text("#import-plan")
        .await
        .contains("Postman collection v2.1"));
    window.close().await;
}

/// Exploring an API in the window from its spec (the demo carrier's own, as a carrier publishes
/// one): imported; an operation picked in the tree; its parameter form filled, the URL and query
/// following; sent; the answer highlighted; the call found in history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_api_is_explored_by_its_operations_form_and_sent() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let spec = reqwest::get(format!("{}/openapi.json", demo.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("demo-carrier.json");
    std::fs::write(&spec_path, spec).unwrap();
    let window = Window::open(&[]).await;
    window.click("#import-api").await;
    window
        .fill("#import-spec-path", spec_path.to_str().unwrap())
        .await;
    window.click("#import-show-plan").await;
    window
        .wait_for_text(
            "#import-plan-profile",
            "Creates profile waybill-demo-carrier",
        )
        .await;
    window.click("#import-apply").await;
    window.find("[data-profile='waybill-demo-carrier']").await;
    // The client is the person's to give (a spec holds none): a script on the same machine.
    let cli = Waybill::new().env(
        "WAYBILL_HOME",
        window.home.path().join("config").to_str().unwrap(),
    );
    cli.ok(
        &[
            "profile",
            "edit",
            "waybill-demo-carrier",
            "--client-id",
            "demo-client",
            "--client-secret-stdin",
        ],
        "demo-secret\n",
    );

    window.wait_for_text("#saved-tree", "Shipments").await;
    window
        .click("[data-saved='Shipments/createShipment']")
        .await;
    assert!(window.text("#req-body").await.contains("Berlin"));
    window.click("#send").await;
    window.wait_for_text("#resp-status", "201").await;

    window.fill("#saved-search", "getShip").await;
    window.click("[data-saved='Shipments/getShipment']").await;
    let form = window.text("#req-params").await;
    assert!(
        form.contains("id*") && form.contains("createShipment answered"),
        "{form}"
    );
    window.fill("#param-id", "shp_1").await;
    window.select("#param-fields", "status").await;
    let url = window.find("#req-url").await.prop("value").await.unwrap();
    assert_eq!(url.as_deref(), Some("/shipments/shp_1"));
    window
        .wait_for_text("#req-resolved", "/api/shipments/shp_1?fields=status")
        .await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "200").await;
    assert!(window.text("#resp-body").await.contains("Berlin"));
    // Highlighted: the editor marks the JSON's keys and strings with their own classes.
    let highlighted = window
        .client
        .find_all(fantoccini::Locator::Css(
            "#response .cm-editor .cm-line span[class]",
        ))
        .await
        .unwrap()
        .len();
    assert!(highlighted >= 3, "{highlighted} highlighted tokens");
    window.screenshot("15-explore-api").await;
    window.assert_accessible("15-explore-api").await;

    // A saved request deleted from the tree (asked once more first) is gone for the CLI too.
    let saved = |cli: &Waybill| cli.json(&["requests", "waybill-demo-carrier", "--json"]);
    let before = saved(&cli).as_array().unwrap().len();
    window
        .click(".saved-delete[data-saved='Shipments/getShipment']")
        .await;
    window
        .click(".saved-delete-confirm[data-saved='Shipments/getShipment']")
        .await;
    wait_for_count(
        &window,
        ".saved-item[data-saved='Shipments/getShipment']",
        0,
    )
    .await;
    let after = saved(&cli);
    assert_eq!(after.as_array().unwrap().len(), before - 1, "{after}");
    assert!(!after.to_string().contains("getShipment"), "{after}");

    window.click("#tab-history").await;
    window
        .wait_for_text("#history-list", "/api/shipments/shp_1?fields=status")
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_window_has_ready_profiles_that_get_tokens() {
    let _one = ONE_WINDOW.lock().await;
    // `waybill demo` (what ./scripts/demo opens): its own provider, profiles and in-memory secrets.
    let window = Window::open_with_args(&["demo"], &[]).await;
    assert!(window.text("#demo-banner").await.contains("demo-password"));
    for name in [
        "demo-basic",
        "demo-json",
        "demo-user",
        "demo-web",
        "demo-tls",
    ] {
        window
            .find(&format!(
                "[data-profile='{name}'][data-health='signed_out']"
            ))
            .await;
    }
    window.click("[data-profile='demo-user']").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='demo-user'][data-health='valid']")
        .await;
    assert_eq!(window.text("#token-source").await, "fetched");
    // Over HTTPS, trusting the demo's private CA (and only through the profile's CA file).
    window.click("[data-profile='demo-tls']").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='demo-tls'][data-health='valid']")
        .await;
    window.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_and_the_cli_share_profiles_without_losing_each_others_changes() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let window = Window::open(&[]).await;
    // A script on the same machine: the same profile directory, the same keyring.
    let cli = Waybill::new().env(
        "WAYBILL_HOME",
        window.home.path().join("config").to_str().unwrap(),
    );
    cli.ok(
        &[
            "profile",
            "add",
            "from-cli",
            "--grant",
            "client_credentials",
            "--token-url",
            "https://auth.example/token",
            "--client-id",
            "cid",
            "--client-secret-stdin",
        ],
        "cli-secret\n",
    );
    // Shown without a restart.
    window
        .find("[data-profile='from-cli'][data-health='signed_out']")
        .await;

    // The window edits the scope while the script changes the API base: both are kept.
    window.click("[data-profile='from-cli']").await;
    window.click("#edit-profile").await;
    window.fill("#f-scope", "shipments").await;
    cli.ok(
        &[
            "profile",
            "edit",
            "from-cli",
            "--api-base",
            "https://api.example/v2",
        ],
        "",
    );
    window.click("#save-profile").await;
    window.find("#profile-title").await;
    let shown = cli.json(&["profile", "show", "from-cli", "--json"]);
    assert_eq!(shown["scope"], "shipments", "the window's change: {shown}");
    assert_eq!(
        shown["api_base"], "https://api.example/v2",
        "the script's change: {shown}"
    );
    let id = shown["keyring_id"].as_str().unwrap();
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some("cli-secret"),
        "a blank secret field in the form keeps the stored secret"
    );
    window.close().await;
}

/// Wait until `css` matches exactly `n` elements.
async fn wait_for_count(window: &Window, css: &str, n: usize) {
    let started = std::time::Instant::now();
    loop {
        let found = window
            .client
            .find_all(fantoccini::Locator::Css(css))
            .await
            .map(|all| all.len())
            .unwrap_or(0);
        if found == n {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{css}: {found} elements, expected {n}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_curl_is_sent_kept_in_history_replayed_and_shared_as_a_case() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let secret = random_secret("support-secret");
    let config = DemoConfig {
        client_secret: secret.clone(),
        ..DemoConfig::default()
    };
    let demo = DemoServer::start(0, config).await.unwrap();
    let customer_token = random_secret("customer-token");
    let window = Window::open(&[]).await;

    // A support profile (Packly preset, sandbox) against the demo provider.
    window.click("#new-profile").await;
    window.select("#f-preset", "packly").await;
    window.fill("#f-name", "support").await;
    window.fill("#f-client-id", "demo-client").await;
    window.fill("#f-client-secret", &secret).await;
    window.fill("#f-token-url", &demo.token_url()).await;
    window.fill("#f-api-base", &demo.api_base()).await;
    window.click("#save-profile").await;
    window
        .find("[data-profile='support'][data-health='signed_out']")
        .await;

    // A sandbox variable, used by the customer's request below.
    window.click("#tab-variables").await;
    window.click("#vars-sandbox .add-row").await;
    window
        .fill("#vars-sandbox input[aria-label='Sandbox name 1']", "city")
        .await;
    window
        .fill("#vars-sandbox input[aria-label='Sandbox value 1']", "Oslo")
        .await;
    window.click("#save-variables").await;
    window.wait_for_text("#variables-saved", "Saved").await;
    window.assert_accessible("variables").await;

    // The customer's curl, pasted as they sent it (their own token in it).
    window.click("#tab-request").await;
    window.click("#paste-curl").await;
    let curl = format!(
        "curl -X POST '{}/shipments' \\\n  -H 'Authorization: Bearer {customer_token}' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{{\"to\": \"{{{{city}}}}\", \"ref\": \"case-42\"}}'",
        demo.api_base()
    );
    // WebDriver types a line break as the Enter key.
    window
        .fill("#curl-paste", &curl.replace('\n', "\u{e007}"))
        .await;
    window.screenshot("08-paste-curl").await;
    window.assert_accessible("08-paste-curl").await;
    window.click("#curl-import").await;
    window
        .wait_for_text("#curl-note", "Bearer authorization was left out")
        .await;
    let url = window.find("#req-url").await.prop("value").await.unwrap();
    assert_eq!(
        url.as_deref(),
        Some(format!("{}/shipments", demo.api_base()).as_str())
    );
    window.click("#send").await;
    window.wait_for_text("#resp-status", "201").await;
    let body = window.text("#resp-body").await;
    assert!(
        body.contains("\"to\": \"Oslo\""),
        "{{{{city}}}} filled in: {body}"
    );

    // History: the request as sent (variable filled, bearer redacted), then replayed.
    window.click("#tab-history").await;
    wait_for_count(&window, "#history-list tr[data-entry]", 1).await;
    window
        .click("#history-list tr[data-entry] button.url")
        .await;
    window.wait_for_text("#entry-request-body", "Oslo").await;
    assert!(!window
        .text("#entry-request-body")
        .await
        .contains("{{city}}"));
    window.click("#replay").await;
    window.wait_for_text("#replay-status", "201").await;
    wait_for_count(&window, "#history-list tr[data-entry]", 2).await;
    window.screenshot("09-history-replay").await;
    window.assert_accessible("09-history-replay").await;
    window.click("#hist-copy-curl").await;
    let copied = window
        .wait_for_text("#hist-curl-text", "Bearer [redacted]")
        .await;
    assert!(
        copied.contains("case-42") && copied.contains("/shipments"),
        "{copied}"
    );

    // Filters: both are from the last 15 minutes; neither is a 4xx.
    window.select("#hist-since", "1").await;
    window.click("#hist-refresh").await;
    wait_for_count(&window, "#history-list tr[data-entry]", 2).await;
    window.fill("#hist-status", "4xx").await;
    window.click("#hist-refresh").await;
    window.find("#history-empty").await;
    window.fill("#hist-status", "201").await;
    window.click("#hist-refresh").await;
    wait_for_count(&window, "#history-list tr[data-entry]", 2).await;

    // Both entries to a case file; a second export never writes over it.
    let out = tempfile::tempdir().unwrap();
    let case_path = out.path().join("case.json").display().to_string();
    for row in window
        .client
        .find_all(fantoccini::Locator::Css(
            "#history-list input[type=checkbox]",
        ))
        .await
        .unwrap()
    {
        row.click().await.unwrap();
    }
    window.fill("#case-path", &case_path).await;
    window.click("#export-case").await;
    window.wait_for_text("#case-message", &case_path).await;
    let case = std::fs::read_to_string(&case_path).unwrap();
    assert!(
        case.contains("case-42") && case.contains("\"support\""),
        "{case}"
    );
    window.fill("#case-path", &case_path).await;
    window.click("#export-case").await;
    window
        .wait_for_text("#error .message", "exists already")
        .await;

    // Importing it back here: the same profile is reused, the requests become saved requests.
    window.fill("#import-path", &case_path).await;
    window.click("#plan-import").await;
    let plan = window
        .wait_for_text("#import-plan", "use profile support")
        .await;
    assert!(plan.contains("add saved request"), "{plan}");
    window.click("#confirm-import").await;
    window.wait_for_text("#error .message", "Imported").await;

    // Retention: keep only the newest entry; then clear it all.
    window.fill("#history-keep", "1").await;
    window.click("#set-history-keep").await;
    window.wait_for_text("#history-keep-note", "newest 1").await;
    wait_for_count(&window, "#history-list tr[data-entry]", 1).await;
    window.click("#clear-history").await;
    window.click("#confirm-clear-history").await;
    window.find("#history-empty").await;

    // The customer's token, the client secret and the profile's token are in no file: not the
    // history database, not the case file, not WebKit's storage.
    let id = keyring_id(&window, "support");
    let token = keyring_access_token(&id).expect("token in the keyring");
    for needle in [customer_token.as_str(), secret.as_str(), token.as_str()] {
        let mut leaks = files_containing(&window, needle);
        if case.contains(needle) {
            leaks.push(case_path.clone());
        }
        assert!(leaks.is_empty(), "{needle:.14}… leaked into {leaks:?}");
    }
    window.close().await;
}

/// A team's preset as a team would make one: the built-in preset `id` copied into the window's
/// presets/ folder (by the caller), named `name`, with the provider's addresses rewritten to
/// local servers (real hosts are unreachable from the tests).
fn team_preset(id: &str, name: &str, rewrites: &[(&str, String)]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../src-tauri/core/presets/{id}.toml"));
    let mut text = std::fs::read_to_string(&path).expect("a built-in preset");
    for (from, to) in rewrites {
        assert!(text.contains(from), "{id}.toml has no {from}");
        text = text.replace(from, to);
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("name = "))
        .expect("a name line")
        .to_string();
    text.replace(&line, &format!("name = {name:?}"))
}

/// What a person does, counted: each field typed into and each click.
struct Person<'a> {
    window: &'a Window,
    typed: usize,
    clicks: usize,
}

impl<'a> Person<'a> {
    fn new(window: &'a Window) -> Self {
        Person {
            window,
            typed: 0,
            clicks: 0,
        }
    }

    async fn type_into(&mut self, css: &str, text: &str) {
        self.window.fill(css, text).await;
        self.typed += 1;
    }

    async fn click(&mut self, css: &str) {
        self.window.click(css).await;
        self.clicks += 1;
    }
}

/// None of OAuth's machinery is in the text a person sees on a Connect screen.
async fn assert_plain_words(window: &Window, screen: &str) {
    let text = window.visible_text().await;
    let lower = text.to_lowercase();
    for word in ["grant", "scope", "token url", "client authentication"] {
        assert!(!lower.contains(word), "{screen} shows {word:?}:\n{text}");
    }
}

/// Nothing matches `css`.
async fn assert_absent(window: &Window, css: &str) {
    let found = window
        .client
        .find_all(fantoccini::Locator::Css(css))
        .await
        .map(|all| all.len())
        .unwrap_or(0);
    assert_eq!(found, 0, "{css} is on screen");
}

/// "Connect a carrier" from an empty Waybill, as a person who knows only FedEx: the list is the
/// first screen, the form asks for the Client ID and Client Secret, Connect gets the token. At
/// most 4 typed fields and 6 clicks, and no OAuth words on any of the three screens. FedEx's
/// preset (a team's copy, pointed at an emulator) has no check request: Connected once the
/// token came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_a_client_credentials_carrier_from_an_empty_waybill() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let secret = random_secret("fedex-secret");
    let emulator = Emulator::start(|req| match req.path.as_str() {
        "/oauth/token" => Reply::json(
            200,
            serde_json::json!({"access_token": "fedex-token-4b1d", "token_type": "bearer",
                "expires_in": 3599, "scope": "CXS-TP"}),
        ),
        _ => Reply::json(
            404,
            serde_json::json!({"errors": [{"code": "NOT.FOUND.ERROR", "message": "Not found"}]}),
        ),
    })
    .await;
    let preset = team_preset(
        "fedex",
        "FedEx (local)",
        &[
            ("https://apis-sandbox.fedex.com", emulator.base()),
            ("https://apis.fedex.com", emulator.url("/live")),
        ],
    );
    let window = Window::open_with_files(&[], &[], &[("presets/fedex-local.toml", preset)]).await;
    let mut person = Person::new(&window);

    // The first screen of an empty Waybill: the providers.
    let entry = window
        .text("#connect-list [data-preset='fedex-local']")
        .await;
    assert!(
        entry.contains("carrier") && entry.contains("sandbox and live") && entry.contains("team"),
        "{entry}"
    );
    assert_plain_words(&window, "the provider list").await;
    window.screenshot("16-connect-list").await;
    window.assert_accessible("16-connect-list").await;

    person.type_into("#connect-search", "fedex").await;
    wait_for_count(&window, "#connect-list button.provider", 2).await;
    person.click("[data-preset='fedex-local']").await;

    // Only what FedEx hands out, in its words, and where it hands them out.
    let form = window.text("#connect-form").await;
    assert!(
        form.contains("Client ID")
            && form.contains("Client Secret")
            && form.contains("FedEx Developer Portal")
            && form.contains("developer.fedex.com"),
        "{form}"
    );
    for css in [
        "#f-grant",
        "#f-client-auth",
        "#f-token-url",
        "#f-scope",
        "#c-advanced[open]",
    ] {
        assert_absent(&window, css).await;
    }
    assert_plain_words(&window, "the form").await;
    person.type_into("#c-client-id", "l7fedex-client").await;
    person.type_into("#c-client-secret", &secret).await;
    window.screenshot("17-connect-form").await;
    window.assert_accessible("17-connect-form").await;
    person.click("#connect-submit").await;

    let status = window.wait_for_text("#connect-status", "Connected").await;
    assert_eq!(
        status.trim(),
        "Connected: FedEx (local) gave a token, valid for 1 h"
    );
    window
        .find("[data-profile='fedex-local'][data-health='valid']")
        .await;
    assert!(window
        .text("#connect-profile")
        .await
        .contains("fedex-local (sandbox)"));
    assert_plain_words(&window, "the connected state").await;
    window.screenshot("18-connected").await;
    window.assert_accessible("18-connected").await;
    eprintln!(
        "from an empty Waybill to Connected: {} typed fields, {} clicks",
        person.typed, person.clicks
    );
    assert!(person.typed <= 4, "{} typed fields", person.typed);
    assert!(person.clicks <= 6, "{} clicks", person.clicks);

    // As FedEx documents it: the id and secret in a form body, no Basic header.
    let token = emulator.requests_to("/oauth/token");
    assert_eq!(token.len(), 1, "one token request");
    assert_eq!(
        token[0].media_type(),
        Some("application/x-www-form-urlencoded")
    );
    let body = token[0].form();
    for (key, value) in [
        ("grant_type", "client_credentials"),
        ("client_id", "l7fedex-client"),
        ("client_secret", secret.as_str()),
    ] {
        assert!(
            body.iter().any(|(k, v)| k == key && v == value),
            "{key} in {body:?}"
        );
    }
    assert!(token[0].header("authorization").is_none());
    let id = keyring_id(&window, "fedex-local");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
        Some(secret.as_str())
    );
    assert!(files_containing(&window, &secret).is_empty());

    // On to the profile, ready to call FedEx's API.
    window.click("#connect-request").await;
    window.find("#req-url").await;
    assert_eq!(window.text("#profile-title").await, "fedex-local");

    // Connect from the sidebar: a provider on the customer's own server (Oro) asks for its
    // address in its own words, beside the client's id and secret.
    window.click("#connect-provider").await;
    window.click("[data-preset='oro']").await;
    window
        .wait_for_text("#connect-form", "Application URL")
        .await;
    window.find("#connect-submit").await;
    window.close().await;
}

/// An API-key provider (ShipEngine, a team's copy pointed at an emulator): the form asks only
/// for the API key; "where to get it" opens ShipEngine's page in the browser; a wrong key is
/// refused in ShipEngine's words with what to fix; the right one connects to the account its
/// check request names. The token panel then says the key goes with every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_an_api_key_provider_after_a_refused_key() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let key = random_secret("TEST_shipengine");
    let right = key.clone();
    let emulator = Emulator::start(move |req| match req.path.as_str() {
        "/v1/carriers" if req.header("api-key") == Some(right.as_str()) => Reply::json(
            200,
            serde_json::json!({"carriers": [{"carrier_id": "se-1", "carrier_code": "ups",
                "nickname": "Acme UPS account", "friendly_name": "UPS"}]}),
        ),
        _ => Reply::json(
            401,
            serde_json::json!({"request_id": "5e1c", "errors": [{"error_source": "shipengine",
                "error_type": "security", "error_code": "unauthorized",
                "message": "The API key is invalid. Please see https://www.shipengine.com/docs/auth"}]}),
        ),
    })
    .await;
    let preset = team_preset(
        "shipengine",
        "ShipEngine (local)",
        &[("https://api.shipengine.com", emulator.base())],
    );
    // The browser: a script that notes the address it was asked to open.
    let dir = tempfile::tempdir().unwrap();
    let opened = dir.path().join("opened.txt");
    let browser = dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let window = Window::open_with_files(
        &[],
        &[("BROWSER", browser.display().to_string())],
        &[("presets/shipengine-local.toml", preset)],
    )
    .await;

    // By keyboard: the search, then Enter picks the one provider it finds.
    window.fill("#connect-search", "local ship").await;
    wait_for_count(&window, "#connect-list button.provider", 1).await;
    window
        .find("#connect-search")
        .await
        .send_keys("\u{e007}")
        .await
        .unwrap();
    let form = window.text("#connect-form").await;
    assert!(form.contains("API key") && form.contains("TEST_"), "{form}");
    assert_absent(&window, "#c-client-id").await;
    assert_absent(&window, "#c-client-secret").await;
    assert_plain_words(&window, "the API-key form").await;

    window.click("#connect-docs").await;
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&opened)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no browser opened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap().trim(),
        "https://www.shipengine.com/docs/auth/"
    );

    // A wrong key: refused, in ShipEngine's words, with what to fix.
    window.fill("#c-input-api_key", "TEST_not-the-key").await;
    window.click("#connect-submit").await;
    window
        .wait_for_text("#connect-status", "Not connected")
        .await;
    let detail = window.text("#connect-detail").await;
    assert!(detail.contains("The API key is invalid"), "{detail}");
    let hint = window.text("#connect-hint").await;
    assert!(
        hint.contains("did not accept the API key: check that it was copied whole"),
        "{hint}"
    );
    window.screenshot("19-connect-refused").await;
    window.assert_accessible("19-connect-refused").await;

    // Fixed: the same profile made again, connected to the account the check names.
    window.click("#connect-fix").await;
    window.fill("#c-input-api_key", &key).await;
    window.click("#connect-submit").await;
    let status = window
        .wait_for_text("#connect-status", "Connected to")
        .await;
    assert_eq!(status.trim(), "Connected to Acme UPS account");
    assert_plain_words(&window, "the connected state").await;
    let profiles =
        std::fs::read_to_string(window.home.path().join("config/profiles.toml")).unwrap();
    assert_eq!(
        profiles.matches("[[profile]]").count(),
        1,
        "the refused profile was replaced: {profiles}"
    );
    let checks = emulator.requests_to("/v1/carriers");
    let last = checks.last().expect("a check request");
    assert_eq!(last.header("api-key"), Some(key.as_str()));
    assert!(last.header("authorization").is_none());
    let id = keyring_id(&window, "shipengine-local");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/api_key")).as_deref(),
        Some(key.as_str())
    );
    assert!(files_containing(&window, &key).is_empty());

    // The profile: no token to get; the key goes with every call; the connection checked again.
    window.click("#connect-open").await;
    window
        .find("[data-profile='shipengine-local'][data-health='valid']")
        .await;
    assert!(window
        .text("#api-key-note")
        .await
        .contains("sends its API key with every call"));
    for css in ["#get-token", "#sign-in", "#renew-token", "#copy-token"] {
        assert_absent(&window, css).await;
    }
    window.click("#check-connection").await;
    window
        .wait_for_text("#connection-result", "Connected to Acme UPS account")
        .await;
    window.close().await;
}

/// A provider whose API acts for a user (Etsy, a team's copy): Connect signs in through the
/// browser (headless Chromium at the demo provider, authorization code with PKCE), then the
/// check request (at an emulator standing in for Etsy's API) names the shop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_a_provider_that_signs_in_through_the_browser() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let shared = random_secret("etsy-shared");
    let expected_key = format!("demo-browser:{shared}");
    let api = Emulator::start(move |req| {
        let signed_in = req.bearer().is_some_and(|t| t.starts_with("demo_at_"));
        match req.path.as_str() {
            "/v3/application/users/me"
                if signed_in && req.header("x-api-key") == Some(expected_key.as_str()) =>
            {
                Reply::json(
                    200,
                    serde_json::json!({"user_id": 5551212, "shop_id": 424242}),
                )
            }
            _ => Reply::json(
                401,
                serde_json::json!({"error": "invalid_token", "error_description": "who are you?"}),
            ),
        }
    })
    .await;
    let preset = team_preset(
        "etsy",
        "Etsy (local)",
        &[
            (
                "https://api.etsy.com/v3/public/oauth/token",
                demo.token_url(),
            ),
            ("https://www.etsy.com/oauth/connect", demo.authorize_url()),
            ("https://api.etsy.com/v3", api.url("/v3")),
        ],
    );
    let log = tempfile::NamedTempFile::new().unwrap();
    let window = Window::open_with_files(
        &[],
        &[
            ("BROWSER", chromium_browser()),
            ("SIGN_IN_DELAY_MS", "1500".into()),
            ("SIGN_IN_TIMEOUT_MS", "40000".into()),
            ("SIGN_IN_LOG", log.path().display().to_string()),
        ],
        &[("presets/etsy-local.toml", preset)],
    )
    .await;

    window.click("[data-preset='etsy-local']").await;
    let form = window.text("#connect-form").await;
    assert!(
        form.contains("Client ID")
            && form.contains("Client Secret (if you have one)")
            && form.contains("Shared secret"),
        "{form}"
    );
    assert_plain_words(&window, "the sign-in form").await;
    window.fill("#c-client-id", "demo-browser").await;
    window.fill("#c-input-api_key", &shared).await;
    window.click("#connect-submit").await;

    // The window waits for the browser, then checks.
    window.find("#connect-panel #sign-in-waiting").await;
    window.screenshot("20-connect-signing-in").await;
    window.assert_accessible("20-connect-signing-in").await;
    let status = window
        .wait_for_text("#connect-status", "Connected to")
        .await;
    assert_eq!(status.trim(), "Connected to 424242");
    assert!(
        browser_steps_after(log.path(), "done").contains("done"),
        "Chromium reached Waybill's page"
    );
    assert_plain_words(&window, "the connected state").await;
    assert_eq!(api.count("/v3/application/users/me"), 1);

    window.click("#connect-open").await;
    window
        .find("[data-profile='etsy-local'][data-health='valid']")
        .await;
    assert_eq!(window.text("#token-source").await, "browser");
    window.close().await;
}

/// Failures explained in the window: under the error, what is wrong and what to do, for a client
/// sent the wrong way, scopes the provider refuses and a page where the token endpoint should
/// be; the timeline of the last token fetch, each step opening to what was sent and answered
/// (redacted); and an API's refusal of the token explained under the response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_diagnosed_in_the_window_and_the_timeline_shows_each_step() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let picky = picky_provider().await;
    let window = Window::open(&[]).await;
    window.click("#new-profile").await;
    window.fill("#f-name", "picky").await;
    window.fill("#f-client-id", "app").await;
    window.fill("#f-client-secret", SECRET).await;
    window.select("#f-client-auth", "basic").await;
    window
        .fill("#f-token-url", &picky.url("/oauth2/token"))
        .await;
    window.fill("#f-api-base", &picky.url("/api")).await;
    window.fill("#f-scope", "orders admin").await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    let why = window
        .wait_for_text(
            "#error-diagnoses",
            "sent in HTTP Basic (client_secret_basic)",
        )
        .await;
    assert!(why.contains("--probe-client-auth"), "{why}");
    let step = window
        .wait_for_text(".timeline .hop.failed", "Token request")
        .await;
    assert!(step.contains("401") && step.contains("Failed"), "{step}");
    window.click(".timeline .hop.failed summary").await;
    let detail = window
        .wait_for_text(".timeline .hop.failed", "Basic [redacted]")
        .await;
    assert!(
        detail.contains("invalid_client") && !detail.contains(SECRET),
        "{detail}"
    );
    window.screenshot("21-timeline-refused").await;
    window.assert_accessible("21-timeline-refused").await;

    // In the form body now: the scope is what it refuses.
    window.click("#edit-profile").await;
    window.select("#f-client-auth", "form").await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .wait_for_text(
            "#error-diagnoses",
            "refused the scopes asked for: orders admin",
        )
        .await;

    // A sign-in page where the token endpoint should be.
    window.click("#edit-profile").await;
    window.fill("#f-scope", "orders").await;
    window.fill("#f-token-url", &picky.url("/login")).await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .wait_for_text(
            "#error-diagnoses",
            "is not a token endpoint: it answered a web page",
        )
        .await;

    // Put right, the token comes; the API refuses it as a Bearer token, and says why.
    window.click("#edit-profile").await;
    window
        .fill("#f-token-url", &picky.url("/oauth2/token"))
        .await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='picky'][data-health='valid']")
        .await;
    assert_absent(&window, ".timeline .hop.failed").await;
    window.click("#tab-request").await;
    window.fill("#req-url", "/orders").await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "403").await;
    window
        .wait_for_text(
            "#resp-diagnoses",
            "It asks for scope orders:write; the token has orders",
        )
        .await;
    window.screenshot("22-api-refusal-diagnosed").await;
    window.assert_accessible("22-api-refusal-diagnosed").await;
    assert!(files_containing(&window, SECRET).is_empty());
    assert!(files_containing(&window, "picky-access-token-123456").is_empty());
    window.close().await;
}

/// Checks made in the builder, and a folder run from the saved requests' tree: a shipment
/// created with its status and JSON checked and its id captured, then read back by that id; the
/// run shows each request passed, and requests.toml keeps the checks in their written form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_added_in_the_builder_and_a_folder_run_shows_its_results() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let window = Window::open(&[]).await;
    window.click("#new-profile").await;
    window.fill("#f-name", "ship").await;
    window.fill("#f-client-id", "demo-client").await;
    window.fill("#f-client-secret", "demo-secret").await;
    window.fill("#f-token-url", &demo.token_url()).await;
    window.fill("#f-api-base", &demo.api_base()).await;
    window.click("#save-profile").await;
    window.click("#tab-request").await;

    window.select("#req-method", "POST").await;
    window.fill("#req-url", "/shipments").await;
    window.click("#body-json").await;
    window.fill("#req-body", r#"{"to": "Oslo"}"#).await;
    window.click("#checks summary").await;
    window.fill("#expect-status", "201").await;
    window.click("#expect-add-json").await;
    window
        .fill(".expect-json-row input.pointer", "/status")
        .await;
    window
        .select(".expect-json-row select.kind", "equals")
        .await;
    window.fill(".expect-json-row input.value", "created").await;
    window.click("#capture-add").await;
    window.fill(".capture-row input.name", "shipment").await;
    window.select(".capture-row select.from", "json").await;
    window.fill(".capture-row input.source", "/id").await;
    window.fill("#save-name", "checks/create").await;
    window.click("#save-request").await;
    window
        .wait_for_text(".saved-checks", "captures shipment")
        .await;

    window.select("#req-method", "GET").await;
    window.fill("#req-url", "/shipments/{{shipment}}").await;
    window.click("#body-none").await;
    window.fill("#expect-status", "200").await;
    window.fill(".expect-json-row input.pointer", "/to").await;
    window.fill(".expect-json-row input.value", "Oslo").await;
    let remove = window.find(".capture-row button").await;
    remove.click().await.unwrap();
    window.fill("#save-name", "checks/read back").await;
    window.click("#save-request").await;

    window.click("[data-run-folder='checks']").await;
    window
        .wait_for_text("#run-summary", "2 passed, 0 failed")
        .await;
    let rows = window.text("#run-results").await;
    assert!(
        rows.contains("checks/create") && rows.contains("201"),
        "{rows}"
    );
    assert!(
        rows.contains("checks/read back") && rows.contains("200"),
        "{rows}"
    );
    window.screenshot("23-run-results").await;
    window.assert_accessible("23-run-results").await;
    assert!(
        !files_containing(&window, "pointer = \"/status\"").is_empty(),
        "kept in requests.toml"
    );
    assert!(!files_containing(&window, "name = \"shipment\"").is_empty());
    window.close().await;
}

/// The main path with the keyboard alone, no click: a client-credentials profile made in the
/// form, a token, a request sent with Ctrl+Enter, found in History and replayed; and where focus
/// goes when the shortcuts dialog and the paste-curl panel close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_path_works_by_keyboard_alone() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let window = Window::open(&[]).await;
    const ENTER: &str = "\u{e007}";
    const ESCAPE: &str = "\u{e00c}";

    // The shortcuts list opens with ? and gives focus back when it closes.
    window.tab_to("#new-profile").await;
    window.press("?").await;
    window.find("#shortcuts-help").await;
    assert_ne!(
        window.focused().await,
        "#new-profile",
        "focus moves into the dialog"
    );
    window.press(ESCAPE).await;
    assert_absent(&window, "#shortcuts-help").await;
    assert_eq!(window.focused().await, "#new-profile");

    window.press(ENTER).await;
    window.find("#f-name").await;
    assert_eq!(
        window.focused().await,
        "#f-preset",
        "the form takes focus, on its first field"
    );
    window.tab_to("#f-name").await;
    window.press("kb").await;
    for (field, text) in [
        ("#f-client-id", "demo-client".to_string()),
        ("#f-client-secret", "demo-secret".to_string()),
        ("#f-token-url", demo.token_url()),
        ("#f-api-base", demo.api_base()),
    ] {
        window.tab_to(field).await;
        window.press(&text).await;
    }
    window.tab_to("#save-profile").await;
    window.press(ENTER).await;
    window
        .find("[data-profile='kb'][data-health='signed_out']")
        .await;
    assert!(
        !window.focused().await.starts_with("body"),
        "focus is not lost to the page"
    );

    window.tab_to("#get-token").await;
    window.press(ENTER).await;
    window
        .find("[data-profile='kb'][data-health='valid']")
        .await;
    assert_eq!(
        window.focused().await,
        "#get-token",
        "the busy button keeps focus"
    );

    // The tabs: arrow keys move between them.
    window.tab_to("[role=tab][aria-selected=true]").await;
    window.press("\u{e014}").await; // Right
    assert_eq!(window.focused().await, "#tab-request");
    window.tab_to("#req-url").await;
    window.press("/services").await;
    window.press("\u{e009}\u{e007}").await; // Ctrl+Enter
    window.wait_for_text("#resp-status", "200").await;

    // Paste curl opens by Enter and gives focus back on Escape.
    window.tab_to("#paste-curl").await;
    window.press(ENTER).await;
    assert_ne!(
        window.focused().await,
        "#paste-curl",
        "focus moves into the paste area"
    );
    window.press(ESCAPE).await;
    assert_eq!(window.focused().await, "#paste-curl");

    window.tab_to("[role=tab][aria-selected=true]").await;
    window.press("\u{e014}").await;
    assert_eq!(window.focused().await, "#tab-history");
    wait_for_count(&window, "#history-list tr[data-entry]", 1).await;
    window
        .tab_to("#history-list tr[data-entry] button.url")
        .await;
    window.press(ENTER).await;
    window.tab_to("#replay").await;
    window.press(ENTER).await;
    window.wait_for_text("#replay-status", "200").await;
    wait_for_count(&window, "#history-list tr[data-entry]", 2).await;
    window.close().await;
}

/// What a Linux screen reader reads: the window's accessibility tree through AT-SPI (Debian's
/// python3-pyatspi, `tests/a11y/atspi-tree.py`) names every button, field and tab of the token
/// and request screens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_reader_finds_every_control_named_through_at_spi() {
    require_keyring();
    let _one = ONE_WINDOW.lock().await;
    let demo = DemoServer::start(0, DemoConfig::default()).await.unwrap();
    let window = Window::open(&[]).await;
    window.click("#new-profile").await;
    window.fill("#f-name", "reader").await;
    window.fill("#f-client-id", "demo-client").await;
    window.fill("#f-client-secret", "demo-secret").await;
    window.fill("#f-token-url", &demo.token_url()).await;
    window.fill("#f-api-base", &demo.api_base()).await;
    window.click("#save-profile").await;
    window.click("#get-token").await;
    window
        .find("[data-profile='reader'][data-health='valid']")
        .await;
    let token_screen = at_spi_controls();
    window.click("#tab-request").await;
    window.fill("#req-url", "/services").await;
    window.click("#send").await;
    window.wait_for_text("#resp-status", "200").await;
    let request_screen = at_spi_controls();
    for (screen, controls) in [("token", &token_screen), ("request", &request_screen)] {
        let unnamed: Vec<&(String, String)> = controls
            .iter()
            .filter(|(role, name)| {
                name.is_empty()
                    && matches!(
                        role.as_str(),
                        "push button"
                            | "entry"
                            | "password text"
                            | "page tab"
                            | "combo box"
                            | "check box"
                            | "radio button"
                            | "toggle button"
                    )
            })
            .collect();
        assert!(
            unnamed.is_empty(),
            "{screen}: controls a screen reader cannot name: {unnamed:?}\n{controls:?}"
        );
        std::fs::write(
            waybill_tests::window::screenshot_dir().join(format!("../a11y/at-spi-{screen}.json")),
            serde_json::to_string_pretty(controls).unwrap(),
        )
        .unwrap();
    }
    let has = |controls: &[(String, String)], role: &str, name: &str| {
        controls.iter().any(|(r, n)| r == role && n.contains(name))
    };
    for tab in ["Token", "Request", "History", "Variables"] {
        assert!(
            has(&token_screen, "page tab", tab),
            "the {tab} tab: {token_screen:?}"
        );
    }
    assert!(
        has(&token_screen, "push button", "Get token"),
        "{token_screen:?}"
    );
    assert!(
        has(&request_screen, "push button", "Send"),
        "{request_screen:?}"
    );
    assert!(
        has(&request_screen, "push button", "Add a row to Headers"),
        "each Add says what it adds: {request_screen:?}"
    );
    assert!(
        request_screen
            .iter()
            .any(|(r, n)| r == "entry" && n == "URL"),
        "{request_screen:?}"
    );
    window.close().await;
}

/// The window's controls as AT-SPI gives them to a screen reader: (role, name).
fn at_spi_controls() -> Vec<(String, String)> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("a11y/atspi-tree.py");
    let out = std::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .arg("waybill")
        .output()
        .expect("Debian's python3 with python3-pyatspi (scripts/test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    found
        .iter()
        .map(|c| {
            (
                c["role"].as_str().unwrap_or_default().to_string(),
                c["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
