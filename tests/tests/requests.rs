//! What is kept, sent again: saved requests from the CLI (`requests`, `send`, named by name or
//! folder/name, variables filled, kept in history, `call`'s exit codes) and case files that are
//! never written over by accident. The real binary, the real keyring, the demo provider.

use serde_json::{json, Value};
use waybill_tests::demo::{self, add_client_credentials};
use waybill_tests::harness::{random_secret, require_keyring, Waybill};

/// Saved requests as the window's builder keeps them in `requests.toml`.
fn save_requests(wb: &Waybill, keyring_id: &str) {
    let file = format!(
        r#"version = 1

[[saved]]
profile = "{keyring_id}"
folder = "shipments"
name = "create"
request = {{ method = "POST", url = "/shipments", query = [], headers = [["X-Ref", "{{{{ref}}}}"]], body = {{ kind = "json", value = '{{"to": "{{{{city}}}}", "parcels": 1}}' }} }}

[[saved]]
profile = "{keyring_id}"
folder = "shipments"
name = "get"
request = {{ method = "GET", url = "/shipments/{{{{id}}}}", query = [], headers = [], body = {{ kind = "none" }} }}

[[saved]]
profile = "{keyring_id}"
name = "services"
request = {{ method = "GET", url = "/services", query = [], headers = [], body = {{ kind = "none" }} }}
"#
    );
    std::fs::write(wb.home.path().join("requests.toml"), file).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_requests_are_listed_and_sent_from_the_command_line() {
    require_keyring();
    let secret = random_secret("saved-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "acme", &server, "form", &secret);
    save_requests(&wb, &wb.keyring_id("acme"));
    wb.ok(&["var", "set", "city", "Oslo"], "");

    let listed = wb.json(&["requests", "acme", "--json"]);
    assert_eq!(
        listed,
        json!([
            {"folder": "shipments", "name": "create", "method": "POST", "url": "/shipments", "headers": [["X-Ref", "{{ref}}"]]},
            {"folder": "shipments", "name": "get", "method": "GET", "url": "/shipments/{{id}}", "headers": []},
            {"folder": null, "name": "services", "method": "GET", "url": "/services", "headers": []},
        ]),
        "the list keeps its placeholders: they are filled when sent"
    );
    let text = wb.ok(&["requests", "acme"], "").stdout;
    assert!(
        text.contains("shipments/create") && text.contains("POST"),
        "{text}"
    );

    // By folder/name, a variable from `var set` and one given now.
    let sent = wb.ok(
        &[
            "send",
            "acme",
            "shipments/create",
            "--var",
            "ref=R-7",
            "--json-out",
        ],
        "",
    );
    let sent: Value = serde_json::from_str(&sent.stdout).unwrap();
    assert_eq!(sent["status"], json!(201));
    assert_eq!(sent["body"]["to"], json!("Oslo"));
    let id = sent["body"]["id"].as_str().unwrap().to_string();
    // By its name alone, where it is the only one of that name; the body as the API sent it.
    let got = wb.ok(&["send", "acme", "get", "--var", &format!("id={id}")], "");
    assert!(got.stdout.contains("Oslo"), "{}", got.stdout);
    wb.ok(&["send", "acme", "services"], "");

    // Kept in history as sent: variables filled, the bearer redacted.
    let history = wb.json(&["history", "--json", "--profile", "acme"]);
    let create = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "POST")
        .unwrap();
    assert!(create["request_body"].as_str().unwrap().contains("Oslo"));
    let headers = create["request_headers"].to_string();
    assert!(
        headers.contains("R-7") && headers.contains("Bearer [redacted]"),
        "{headers}"
    );

    // The exit codes of `call`: 1 for an HTTP error, 2 when the request cannot be sent.
    let missing = wb.run(&["send", "acme", "get", "--var", "id=nope"], "");
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("HTTP 404"), "{}", missing.stderr);
    let unknown = wb.run(&["send", "acme", "nothing"], "");
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no saved request \"nothing\""),
        "{}",
        unknown.stderr
    );
    let undefined = wb.run(&["send", "acme", "get"], "");
    assert_eq!(undefined.code, 2);
    assert!(
        undefined.stderr.contains("{{id}} has no value"),
        "{}",
        undefined.stderr
    );
    assert!(wb.find_leaks(&secret).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_export_never_writes_over_a_file_unless_forced() {
    require_keyring();
    let secret = random_secret("case-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "acme", &server, "form", &secret);
    wb.ok(&["call", "acme", "GET", "/services"], "");
    let file = wb.home.path().join("notes.json");
    std::fs::write(&file, "my own notes").unwrap();
    let path = file.to_str().unwrap();

    let refused = wb.run(&["case", "export", path], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("exists already"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--force"),
        "the hint says how: {}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "my own notes",
        "kept as it was"
    );

    wb.ok(&["case", "export", path, "--force"], "");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(case["requests"].as_array().map(Vec::len), Some(1));
}
