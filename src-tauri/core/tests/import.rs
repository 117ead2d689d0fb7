//! Importing real specs that no one here wrote (`tests/fixtures/import/`, each with its licence
//! and source): the profile's auth settings and a sample of requests, checked against the file.

use std::path::PathBuf;

use waybill_core::http::request::DraftBody;
use waybill_core::import::{import_file, ImportError, Imported};
use waybill_core::{ClientAuth, Grant};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/import")
        .join(path)
}

fn read(path: &str, live: bool) -> Imported {
    import_file(&fixture(path), live).unwrap_or_else(|e| panic!("{path}: {e}"))
}

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
}

#[test]
fn collections_are_recognised_and_other_files_refused_in_words() {
    let not_yet = |path: &str| match import_file(&fixture(path), false) {
        Err(ImportError::NotYet { format, .. }) => format,
        other => panic!("{path}: {other:?}"),
    };
    assert_eq!(
        not_yet("postman-xero/Xero OAuth 2.0.postman_collection.json"),
        "a Postman collection"
    );
    assert_eq!(
        not_yet("insomnia-kong/insomnia_v4.json"),
        "an Insomnia export"
    );
    assert_eq!(
        not_yet("bruno-usebruno/collection_oauth2"),
        "a Bruno collection"
    );
    assert!(matches!(
        import_file(&fixture("README.md"), false),
        Err(ImportError::NotJsonOrYaml { .. } | ImportError::Unknown { .. })
    ));
}
