//! Importing real specs that no one here wrote (`tests/fixtures/import/`, each with its licence
//! and source): the profile's auth settings and a sample of requests, checked against the file.

use std::path::PathBuf;

use waybill_core::import::{
    import_file, plan, ImportError, Imported, Removed, RemovedKind, SkippedKind,
};
use waybill_core::request::DraftBody;
use waybill_core::{ClientAuth, Grant, Profiles, WorkspaceError};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/import")
        .join(path)
}

fn read(path: &str, live: bool) -> Imported {
    import_file(&fixture(path), live, None).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const WISE: &str = "postman-wise/TransferWise for Banks API flow.postman_collection.json";
const WISE_ENV: &str = "postman-wise/TransferWise For Banks (Sandbox).postman_environment.json";
const GRAPH: &str = "postman-msgraph/Microsoft Graph.postman_collection.json";

fn request<'a>(imported: &'a Imported, name: &str) -> &'a waybill_core::store::saved::SavedRequest {
    imported
        .requests
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no request {name} in {:?}",
                imported
                    .requests
                    .iter()
                    .map(|r| &r.name)
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn ups_time_in_transit_yaml_gives_a_basic_client_credentials_profile_and_its_operation() {
    let imported = read("openapi-ups/TimeInTransit.yaml", false);
    assert_eq!(imported.format, "OpenAPI 3.0.3 (YAML)");
    assert_eq!(imported.title, "Time In Transit");
    let profile = imported.profile.as_ref().unwrap();
    assert_eq!(profile.grant, Some(Grant::ClientCredentials));
    // `x-tokenEndpointAuthMethod: client_secret_basic` in the file.
    assert_eq!(profile.client_auth, Some(ClientAuth::Basic));
    assert_eq!(
        profile.token_url.as_deref(),
        Some("https://wwwcie.ups.com/security/v1/oauth/token")
    );
    assert_eq!(
        profile.api_base.as_deref(),
        Some("https://wwwcie.ups.com/api")
    );
    assert_eq!(imported.other_servers, ["https://onlinetools.ups.com/api"]);
    let live = read("openapi-ups/TimeInTransit.yaml", true);
    let live_base = live.profile.unwrap().api_base;
    assert_eq!(
        live_base.as_deref(),
        Some("https://onlinetools.ups.com/api")
    );

    let op = request(&imported, "TimeInTransit");
    assert_eq!(op.folder.as_deref(), Some("Time in Transit"));
    assert_eq!(op.request.method, "POST");
    assert_eq!(op.request.url, "/shipments/{{version}}/transittimes");
    // Required headers: one with a default, one without.
    assert!(op
        .request
        .headers
        .contains(&("transactionSrc".into(), "testing".into())));
    assert!(op
        .request
        .headers
        .contains(&("transId".into(), "{{transId}}".into())));
    let DraftBody::Json(body) = &op.request.body else {
        panic!("{:?}", op.request.body)
    };
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(
        body.is_object() && !body.as_object().unwrap().is_empty(),
        "{body}"
    );
    assert_eq!(
        imported.variables,
        [("version".to_string(), "v1".to_string())]
    );
}

#[test]
fn ups_tracking_has_three_lookups_and_delivery_defense_is_openapi_3_1() {
    let tracking = read("openapi-ups/Tracking.yaml", false);
    assert_eq!(tracking.requests.len(), 3);
    let single = request(&tracking, "getSingleTrackResponseUsingGET");
    assert_eq!(single.request.url, "/track/v1/details/{{inquiryNumber}}");
    // Its declared parameters, for the window's form: required marks, descriptions, defaults.
    let param = |name: &str| single.params.iter().find(|p| p.name == name).unwrap();
    let inquiry = param("inquiryNumber");
    assert_eq!((inquiry.place.as_str(), inquiry.required), ("path", true));
    assert!(inquiry
        .description
        .as_deref()
        .unwrap()
        .contains("between 7 and 34 characters"));
    let locale = param("locale");
    assert_eq!((locale.place.as_str(), locale.required), ("query", false));
    assert_eq!(locale.default.as_deref(), Some("en_US"));
    assert_eq!(param("transId").place, "header");
    assert_eq!(single.params.len(), 7);
    let defense = read("openapi-ups/DeliveryDefense.yaml", false);
    assert!(
        defense.format.starts_with("OpenAPI 3.1"),
        "{}",
        defense.format
    );
    assert_eq!(request(&defense, "score").request.method, "POST");
}

#[test]
fn paypal_json_joins_its_relative_token_url_to_the_server_and_asks_its_scopes() {
    let imported = read("openapi-paypal/shipping_shipment_tracking_v1.json", false);
    let profile = imported.profile.as_ref().unwrap();
    assert_eq!(
        profile.token_url.as_deref(),
        Some("https://api-m.sandbox.paypal.com/v1/oauth2/token")
    );
    let scope = profile.scope.as_deref().unwrap();
    assert!(scope.contains("https://uri.paypal.com/services/shipping/trackers/readwrite"));
    assert_eq!(imported.requests.len(), 5);
    let get = request(&imported, "trackers.get");
    assert_eq!(get.request.url, "/v1/shipping/trackers/{{id}}");
    let live = read("openapi-paypal/shipping_shipment_tracking_v1.json", true);
    let profile = live.profile.unwrap();
    assert_eq!(
        profile.api_base.as_deref(),
        Some("https://api-m.paypal.com")
    );
    assert_eq!(
        profile.token_url.as_deref(),
        Some("https://api-m.paypal.com/v1/oauth2/token")
    );
}

#[test]
fn square_swagger_2_gives_an_authorization_code_profile_and_all_297_operations() {
    let imported = read("swagger2-square/api.json", false);
    assert_eq!(imported.format, "Swagger 2.0 (JSON)");
    let profile = imported.profile.as_ref().unwrap();
    assert_eq!(profile.grant, Some(Grant::AuthorizationCode));
    assert_eq!(
        profile.authorize_url.as_deref(),
        Some("https://connect.squareup.com/oauth2/authorize")
    );
    assert_eq!(
        profile.api_base.as_deref(),
        Some("https://connect.squareup.com")
    );
    // 57 scopes are not all asked for; the apiKey scheme is not mapped: both said.
    assert_eq!(profile.scope, None);
    let reasons: Vec<String> = imported
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.item, s.reason))
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("57 scopes")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("oauth2ClientSecret")),
        "{reasons:?}"
    );
    assert_eq!(
        imported.requests.len(),
        297,
        "one per operation in the file"
    );
    let create = request(&imported, "CreatePayment");
    assert_eq!(create.request.url, "/v2/payments");
    assert!(matches!(create.request.body, DraftBody::Json(_)));
}

#[test]
fn adyen_has_no_oauth_scheme_so_its_requests_need_a_profile() {
    let imported = read("openapi-adyen/CheckoutService-v71.json", false);
    assert!(imported.profile.is_none());
    assert_eq!(imported.requests.len(), 28);
    let schemes: Vec<&str> = imported.skipped.iter().map(|s| s.item.as_str()).collect();
    assert!(
        schemes.contains(&"security scheme ApiKeyAuth"),
        "{schemes:?}"
    );
    let scheme = (imported.skipped.iter())
        .find(|s| s.item == "security scheme ApiKeyAuth")
        .unwrap();
    assert_eq!(scheme.kind, SkippedKind::SecurityScheme);
    assert_eq!(
        serde_json::to_value(scheme).unwrap()["kind"],
        "security_scheme",
        "`waybill import --json` says what kind each skipped thing is"
    );
    // Planned without a profile to add the requests to: the error names the scheme it skipped.
    let error =
        plan::imported::<WorkspaceError>(&imported, None, &Profiles::default()).unwrap_err();
    assert!(
        matches!(&error, WorkspaceError::Import(ImportError::NoOAuth(why)) if why.contains("security scheme ApiKeyAuth")),
        "{error}"
    );
}

#[test]
fn other_files_are_refused_in_words() {
    assert!(matches!(
        import_file(&fixture("README.md"), false, None),
        Err(ImportError::NotJsonOrYaml { .. } | ImportError::Unknown { .. })
    ));
    let environment = import_file(&fixture(WISE_ENV), false, None).unwrap_err();
    assert!(
        environment
            .to_string()
            .contains("is a Postman environment: import the collection, with --environment"),
        "{environment}"
    );
    let not_env = import_file(&fixture(WISE), false, Some(&fixture(WISE))).unwrap_err();
    assert!(
        not_env.to_string().contains("not a Postman environment"),
        "{not_env}"
    );
}

/// Wise's collection fetches its tokens by hand: POSTs with `grant_type` and a Basic header of
/// `{{client-id}}:{{client-secret}}`; its API requests carry `Authorization: Bearer {{token}}`.
/// Its host is only in the environment file.
#[test]
fn wise_postman_collection_takes_its_token_endpoint_and_host_from_the_environment() {
    let imported = import_file(&fixture(WISE), false, Some(&fixture(WISE_ENV))).unwrap();
    assert_eq!(
        imported.format,
        "Postman collection v2.1 (JSON), environment \"TransferWise For Banks (Sandbox)\""
    );
    assert_eq!(imported.title, "TransferWise for Banks API");
    let profile = imported.profile.as_ref().unwrap();
    assert_eq!(profile.grant, Some(Grant::ClientCredentials));
    assert_eq!(
        profile.token_url.as_deref(),
        Some("https://api.sandbox.transferwise.tech/oauth/token")
    );
    assert_eq!(profile.client_auth, Some(ClientAuth::Basic));
    // The file gives no values for its secrets: nothing to keep.
    assert!(imported.secrets.kinds().is_empty());
    // 50 items: the 5 token requests are not saved requests.
    assert_eq!(imported.requests.len(), 45);
    let tokens: Vec<_> = imported
        .skipped
        .iter()
        .filter(|s| s.reason.starts_with("a token request"))
        .collect();
    assert_eq!(tokens.len(), 5, "{:?}", imported.skipped);
    assert!(tokens.iter().all(|s| s.kind == SkippedKind::TokenRequest));
    let quote = request(&imported, "1. Create Quote");
    assert_eq!(
        quote.folder.as_deref(),
        Some("3. Transfer Flow/1. Create quote")
    );
    assert_eq!(quote.request.method, "POST");
    assert_eq!(quote.request.url, "{{host}}/v2/quotes");
    // Its own `Authorization: Bearer {{token}}` gives way to the profile's token.
    assert!(
        !quote
            .request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization")),
        "{:?}",
        quote.request.headers
    );
    // Its body is not JSON (`"profile": <owning profile id>`): kept as written.
    assert!(
        matches!(&quote.request.body, DraftBody::Raw(body) if body.contains("<owning profile id>"))
    );
    let host = imported
        .variables
        .iter()
        .find(|(n, _)| n == "host")
        .unwrap();
    assert_eq!(host.1, "https://api.sandbox.transferwise.tech");
}

/// Microsoft Graph's token URL needs the tenant, which its published environments leave empty:
/// no profile can be made, and the error names the variable.
#[test]
fn graph_postman_collection_without_a_tenant_says_which_variable_it_needs() {
    let env = fixture("postman-msgraph/Microsoft Graph.postman_environment.json");
    let error = import_file(&fixture(GRAPH), false, Some(&env))
        .map(|i| i.profile.is_none())
        .unwrap();
    assert!(error);
    let imported = import_file(&fixture(GRAPH), false, None).unwrap();
    let reasons: Vec<&str> = imported.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("uses {{TenantID}}, which the file gives no value for")),
        "{reasons:?}"
    );
    // Its OAuth 2.0 settings, skipped as such, explain why a plan has no profile to create.
    let settings = (imported.skipped.iter())
        .find(|s| s.reason.contains("{{TenantID}}"))
        .unwrap();
    assert_eq!(settings.kind, SkippedKind::OAuthSettings);
    let error =
        plan::imported::<WorkspaceError>(&imported, None, &Profiles::default()).unwrap_err();
    assert!(error.to_string().contains("{{TenantID}}"), "{error}");
    // Nested folders, up to four levels, kept as paths.
    assert!(imported.requests.len() > 150, "{}", imported.requests.len());
    assert!(imported.requests.iter().any(|r| r
        .folder
        .as_deref()
        .is_some_and(|f| f.matches('/').count() >= 2)));
    // No request keeps its own bearer header.
    assert!(imported.requests.iter().all(|r| !r
        .request
        .headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("authorization") && v.starts_with("Bearer"))));
}

/// A Postman v2.0 collection (the older schema, auth settings as objects, headers as a text
/// block, a request that is only its URL) with a client secret in it.
#[test]
fn postman_v2_0_collection_with_its_secret_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("carrier.postman_collection.json");
    std::fs::write(
        &path,
        r#"{
          "info": {"name": "Carrier v2.0", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
          "auth": {"type": "oauth2", "oauth2": {"grant_type": "client_credentials",
                   "accessTokenUrl": "{{auth}}/oauth/token", "clientId": "carrier-app",
                   "clientSecret": "{{secret}}", "client_authentication": "body", "scope": "track"}},
          "variable": [{"key": "auth", "value": "http://127.0.0.1:9"},
                       {"key": "secret", "value": "s3cr3t-from-the-file"}],
          "item": [
            {"name": "Track", "request": {"method": "GET", "url": "http://127.0.0.1:9/track/:id",
             "header": "Accept: application/json\nX-Echo: s3cr3t-from-the-file"}},
            {"name": "Ping", "request": "http://127.0.0.1:9/ping?t={{$timestamp}}"}
          ]
        }"#,
    )
    .unwrap();
    let imported = import_file(&path, false, None).unwrap();
    assert_eq!(imported.format, "Postman collection v2.0 (JSON)");
    let profile = imported.profile.as_ref().unwrap();
    assert_eq!(
        profile.token_url.as_deref(),
        Some("http://127.0.0.1:9/oauth/token")
    );
    assert_eq!(profile.client_id.as_deref(), Some("carrier-app"));
    assert_eq!(profile.client_auth, Some(ClientAuth::Form));
    assert_eq!(profile.scope.as_deref(), Some("track"));
    assert_eq!(imported.secrets.kinds(), ["client secret"]);
    assert_eq!(
        imported.secrets.client_secret.as_ref().unwrap().expose(),
        "s3cr3t-from-the-file"
    );
    let track = request(&imported, "Track");
    assert_eq!(
        track.request.headers,
        [
            ("Accept".to_string(), "application/json".to_string()),
            ("X-Echo".to_string(), "{{secret}}".to_string())
        ]
    );
    assert_eq!(request(&imported, "Ping").request.method, "GET");
    // Postman's dynamic variables are Postman's: said, not silently sent as typed.
    assert!(imported
        .skipped
        .iter()
        .any(|s| s.item == "Ping" && s.reason.contains("dynamic variables ({{$...}})")));
    // The secret variable is listed without its value; its value is nowhere in the mapping.
    assert!(imported
        .variables
        .contains(&("secret".to_string(), String::new())));
    assert!(!format!("{:?}", imported).contains("s3cr3t"));
}

/// An enum parameter is offered as a choice; an `Authorization` header parameter is not a form
/// field (the profile's token is sent).
#[test]
fn enum_parameters_become_choices_and_authorization_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.yaml");
    std::fs::write(
        &path,
        "openapi: 3.0.3\ninfo: {title: Rates, version: '1'}\npaths:\n  /rates:\n    get:\n      operationId: listRates\n      parameters:\n        - {name: service, in: query, required: true, schema: {type: string, enum: [express, economy]}}\n        - {name: Authorization, in: header, required: true, schema: {type: string}}\n",
    )
    .unwrap();
    let imported = import_file(&path, false, None).unwrap();
    let rates = request(&imported, "listRates");
    assert_eq!(rates.params.len(), 1);
    assert_eq!(rates.params[0].choices, ["express", "economy"]);
    assert_eq!(
        rates.request.query,
        [("service".to_string(), "express".to_string())]
    );
}

/// The HAR Chromium recorded (`src-tauri/core/tests/fixtures/har/`: how it was made, and what it
/// carries): a page calling a carrier API with a bearer token, cookies, a token in the query and
/// in the page's URL, an API key header and a password in a JSON body.
const HAR: &str = "tests/fixtures/har/carrier.har";

/// Every secret in it (`SECRETS` in `make-har.mjs`).
const HAR_SECRETS: &[&str] = &[
    "har-page-token-Tq4Wz8Lm",
    "har-session-cookie-Lp5Tg2Hd",
    "har-client-secret-7Qm2xV9p",
    "har-access-token-Zk81wQ3r",
    "har-query-token-Vb6Nc4Ks",
    "har-body-password-Ry7Ue1Wo",
    "har-dhl-key-Hs3Jd8Fq",
    "shpat_har-shopify-Mn4Bv7Cx",
];

#[test]
fn a_har_from_chromium_is_planned_by_host_with_its_credentials_taken_out_by_name() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(HAR);
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in HAR_SECRETS {
        assert!(text.contains(secret), "the fixture carries {secret}");
    }
    let imported = import_file(&path, false, None).unwrap();
    assert!(
        imported.format.starts_with("HAR 1.2 from Playwright"),
        "{}",
        imported.format
    );
    // The page's own origin, from its first request.
    let page = serde_json::from_str::<serde_json::Value>(&text).unwrap()["log"]["entries"][0]
        ["request"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let port = url::Url::parse(&page).unwrap().port().unwrap();
    let here = format!("127.0.0.1:{port}");
    let other = format!("localhost:{port}");

    let saved: Vec<(&str, &str)> = imported
        .requests
        .iter()
        .map(|r| (r.folder.as_deref().unwrap(), r.name.as_str()))
        .collect();
    assert_eq!(
        saved,
        [
            (
                here.as_str(),
                "GET /api/track/v1/details/1Z999AA10123456784"
            ),
            (
                here.as_str(),
                "GET /api/track/v1/details/1Z999AA10123456784 (2)"
            ),
            (here.as_str(), "GET /api/rates"),
            (here.as_str(), "POST /api/shipments"),
            (other.as_str(), "GET /api/locations"),
        ]
    );
    let rates = &imported.requests[2].request;
    assert_eq!(
        rates.url,
        format!("http://{here}/api/rates?access_token=[redacted]&service=express")
    );
    let shipments = &imported.requests[3].request;
    let DraftBody::Json(body) = &shipments.body else {
        panic!("{:?}", shipments.body)
    };
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["account_password"], "[redacted]");
    assert_eq!(body["weight"], 2.5);
    for request in &imported.requests {
        let names: Vec<String> = (request.request.headers.iter())
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        for gone in [
            "authorization",
            "cookie",
            "dhl-api-key",
            "x-shopify-access-token",
        ] {
            assert!(!names.contains(&gone.to_string()), "{gone} in {names:?}");
        }
        // The page's URL, repeated in `Referer`, without its token.
        if let Some((_, referer)) = (request.request.headers.iter()).find(|(n, _)| n == "Referer") {
            assert!(!referer.contains("har-page-token"), "{referer}");
        }
    }

    // The token request gives the profile (not its secret), the page and assets are left out.
    let profile = imported.profile.as_ref().unwrap();
    assert_eq!(profile.grant, Some(Grant::ClientCredentials));
    assert_eq!(
        profile.token_url.as_deref(),
        Some(format!("http://{here}/oauth/token").as_str())
    );
    assert_eq!(profile.client_id.as_deref(), Some("waybill-har-demo"));
    assert_eq!(profile.client_auth, Some(ClientAuth::Form));
    assert_eq!(
        profile.api_base.as_deref(),
        Some(format!("http://{here}").as_str())
    );
    assert!(
        imported.secrets.kinds().is_empty(),
        "no secret to a keyring"
    );
    let skipped = |kind: SkippedKind| imported.skipped.iter().filter(move |s| s.kind == kind);
    assert_eq!(skipped(SkippedKind::TokenRequest).count(), 1);
    let requests: Vec<&str> = skipped(SkippedKind::Request)
        .map(|s| s.item.as_str())
        .collect();
    assert!(
        requests.contains(&format!("3 requests (GET http://{here}/app.css, ...)").as_str()),
        "{requests:?}"
    );
    assert!(
        requests.contains(&format!("GET http://{here}/").as_str()),
        "{requests:?}"
    );

    // What was taken out, by name.
    let removed = |kind: RemovedKind, name: &str| {
        (imported.removed.iter())
            .find(|r| r.kind == kind && r.name == name)
            .map(|r| r.count)
    };
    assert_eq!(removed(RemovedKind::Header, "Authorization"), Some(3));
    assert_eq!(removed(RemovedKind::Header, "Cookie"), Some(5));
    assert_eq!(removed(RemovedKind::Cookie, "session_id"), Some(5));
    assert_eq!(removed(RemovedKind::Cookie, "theme"), Some(5));
    assert_eq!(removed(RemovedKind::Header, "DHL-API-Key"), Some(1));
    assert_eq!(
        removed(RemovedKind::Header, "X-Shopify-Access-Token"),
        Some(1)
    );
    assert_eq!(removed(RemovedKind::Body, "client_secret"), Some(1));
    assert_eq!(removed(RemovedKind::Body, "account_password"), Some(1));
    // `?access_token=` of /api/rates, and of the page's URL in the others' `Referer`.
    assert_eq!(removed(RemovedKind::Query, "access_token"), Some(5));

    // Planned: the profile created from the token request, the removed list in the plan; then
    // planned into that profile, reused.
    let plan = plan::imported::<WorkspaceError>(&imported, None, &Profiles::default()).unwrap();
    assert_eq!(plan.profile.action, "create");
    assert_eq!(plan.profile.name, format!("127.0.0.1-{port}"));
    assert!(plan.secrets.is_empty());
    assert_eq!(plan.removed, imported.removed);
    let shown = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        shown["removed"][0],
        serde_json::json!({"kind": "header", "name": "Cookie", "count": 5})
    );
    let mut profiles = Profiles::default();
    plan.add_to(&mut profiles).unwrap();
    let reused =
        plan::imported::<WorkspaceError>(&imported, Some(&plan.profile.name), &profiles).unwrap();
    assert_eq!(reused.profile.action, "reuse");
    assert_eq!(reused.requests.len(), 5);

    // No secret in any saved request, name, folder, variable, note or plan.
    let everything = [
        serde_json::to_string(&imported.requests).unwrap(),
        serde_json::to_string(&imported).unwrap(),
        serde_json::to_string(&plan).unwrap(),
        serde_json::to_string(&reused).unwrap(),
        format!("{imported:?}"),
        format!("{:?}", plan.add),
    ];
    for secret in HAR_SECRETS {
        for text in &everything {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let _: Option<&Removed> = plan.removed.first();
}

#[test]
fn a_har_is_told_by_its_content_and_a_broken_one_refused_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("ticket-4711-attachment.json");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(HAR),
        &renamed,
    )
    .unwrap();
    let imported = import_file(&renamed, false, None).unwrap();
    assert_eq!(imported.requests.len(), 5);

    let broken = dir.path().join("broken.har");
    std::fs::write(
        &broken,
        r#"{"log": {"version": "1.2", "creator": {"name": "x"}}}"#,
    )
    .unwrap();
    let error = import_file(&broken, false, None).unwrap_err();
    assert!(matches!(error, ImportError::NotHar { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not a HAR file: log.entries is missing",
            broken.display()
        )
    );
    // Without a token request, a HAR makes no profile: its requests need one given.
    std::fs::write(
        &broken,
        r#"{"log": {"entries": [{"request": {"method": "GET", "url": "https://api.example.com/a"},
                                 "response": {"content": {"mimeType": "application/json"}}}]}}"#,
    )
    .unwrap();
    let imported = import_file(&broken, false, None).unwrap();
    assert!(imported.profile.is_none());
    let error =
        plan::imported::<WorkspaceError>(&imported, None, &Profiles::default()).unwrap_err();
    assert!(error.to_string().contains("give --profile NAME"), "{error}");
}
