//! The importers fuzzed: whatever a file holds, reading it and mapping it end in an import or a
//! refusal, never a panic or a hang. Random bytes go through format detection (JSON, YAML, the
//! size check); random OpenAPI-shaped documents (the keywords the mapper follows, nested and
//! cross-referenced at random, `$ref` cycles included) through the OpenAPI mapper; random
//! Postman collections (with environments), Insomnia exports and Bruno folders through their
//! readers and `collection::map`, and through `import_file`, each with a secret the mapping must
//! keep out of what it saves (see the Client collections section); random HAR files, with a
//! credential in a header, cookie, query, body or response, the same way (see the HAR section).
//!
//! `./scripts/test` runs proptest's default 256 cases each; `./scripts/fuzz MINUTES` (or
//! `./scripts/fuzz-import MINUTES`, the importers only) runs each again and again with fresh seeds
//! for MINUTES minutes (its figures are in bench/results.md).

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::{json, Map, Value};
use waybill_core::import::{
    bruno, collection, har, import_file, insomnia, openapi, plan, postman, Imported,
};
use waybill_core::{Profiles, WorkspaceError};

/// Keys the mapper looks at, so random documents reach its branches.
const KEYS: &[&str] = &[
    "$ref",
    "paths",
    "components",
    "schemas",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "servers",
    "url",
    "variables",
    "default",
    "type",
    "flows",
    "clientCredentials",
    "authorizationCode",
    "tokenUrl",
    "authorizationUrl",
    "scopes",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "example",
    "examples",
    "schema",
    "content",
    "application/json",
    "application/x-www-form-urlencoded",
    "requestBody",
    "in",
    "name",
    "required",
    "get",
    "post",
    "operationId",
    "tags",
    "security",
    "format",
    "value",
    "host",
    "basePath",
    "securityDefinitions",
    "flow",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "#/components/schemas/A",
            "#/components/schemas/B",
            "#/paths",
            "#/",
            "#",
            "https://x.example/a.json",
            "oauth2",
            "object",
            "array",
            "string",
            "path",
            "query",
            "header",
            "body",
            "formData",
            "https://api.example/v1",
            "/token",
            "{v}",
            "date",
            "accessCode",
            "application",
            "{{x}}",
            "%7B",
            "~1",
            "",
        ])
        .prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..6).prop_map(
                |pairs| Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>()
                )
            ),
        ]
    })
}

proptest! {
    #![proptest_config(Config { failure_persistence: None, ..Config::default() })]

    #[test]
    fn any_openapi_shaped_document_maps_or_is_refused(
        body in document(),
        v2 in any::<bool>(),
        live in any::<bool>(),
    ) {
        let mut doc = match body {
            Value::Object(map) => map,
            other => Map::from_iter([("paths".to_string(), other)]),
        };
        match v2 {
            true => doc.insert("swagger".into(), json!("2.0")),
            false => doc.insert("openapi".into(), json!("3.1.0")),
        };
        let _ = openapi::import(&Value::Object(doc), "JSON", live);
    }

    #[test]
    fn any_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..2048), yamlish in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        let mut bytes = bytes;
        if yamlish {
            // Past the first check: a YAML document that starts like a spec.
            bytes.splice(0..0, b"openapi: 3.0.0\npaths:\n  ".iter().copied());
        }
        std::fs::write(&path, &bytes).unwrap();
        let _ = import_file(&path, false, None);
    }
}

// ---------------------------------------------------------------------------------------------
// Client collections: Postman, Insomnia, Bruno. Random documents (folders) built from the keys
// the readers follow, each read and then mapped by `collection::map`, and again through
// `import_file` (format detection). Besides "no panic", each case hides a secret (`S3CRET-` and
// random hex) in one place the mapper knows is secret — a variable marked or named secret, or
// the client secret, password or refresh token of OAuth 2.0 settings — and puts it in requests'
// URLs, headers, queries and bodies, literally and as a `{{reference}}`. Whatever maps must
// keep it out of the saved requests and the variables, and out of `Imported`'s Debug: only the
// keyring entries (`Imported.secrets`) hold it.
// ---------------------------------------------------------------------------------------------

/// Stands for the secret's value in generated text (replaced before the file is read).
const SECRET_MARK: &str = "@SECRET@";
/// Stands for a `{{reference}}` to the variable holding the secret.
const SECRET_REF: &str = "@SECREF@";

/// What a request carries that may hold the secret: in a URL, a header, a query, a body.
const CARRIED: &[&str] = &[
    SECRET_MARK,
    SECRET_REF,
    "Bearer @SECRET@",
    "Bearer @SECREF@",
    "https://api.example/v1/items?key=@SECRET@",
    "{{host}}/v1/@SECREF@/items",
    "{\"secret\": \"@SECRET@\", \"n\": 1}",
    "{\"ref\": \"@SECREF@\"}",
    "client_secret=@SECRET@&grant_type=client_credentials",
    "  @SECRET@  ",
    "x@SECRET@@SECRET@y",
    "ünï@SECRET@🐶",
    "{{host}}/items/:id/:key?k=@SECREF@",
];

/// Innocent text: references (to variables that exist, or not), templates, URLs, odd bytes.
const TEXTS: &[&str] = &[
    "",
    " ",
    "x",
    "{{host}}",
    "{{a}}",
    "{{b}}",
    "{{base}}/v1/items",
    "{{ _.host }}/x",
    "{{unknown}}",
    "{% uuid 'v4' %}",
    "{{ a | upper }}",
    "{{",
    "}}",
    "{{}}",
    "https://api.example/v1",
    "http://127.0.0.1:8080/token",
    "ünïcödé 🐶",
    "\u{202e}txt",
    "line\nbreak",
    "a\r\nb",
    "null",
    "42",
    "{\"a\": 1}",
    "<a/>",
    ":id",
    "/items/:id/x",
    "grant_type=client_credentials",
    "'''",
    "~x",
    "}",
];

const URLS: &[&str] = &[
    "https://auth.example/oauth/token",
    "{{host}}/oauth/token",
    "{{base}}/token",
    "http://localhost:8080/authorize",
    "http://127.0.0.1:7777/callback",
    "",
    " ",
    "not a url",
    "ftp://auth.example/token",
    "https://{{unknown}}/token",
    "https://{{a}}/t",
    "javascript:alert(1)",
    "https://ünï.example/t",
    "//auth.example/token",
];

const GRANTS: &[&str] = &[
    "client_credentials",
    "authorization_code",
    "password",
    "implicit",
    "refresh_token",
    "device_code",
    "authorization_code_with_pkce",
    "urn:ietf:params:oauth:grant-type:device_code",
    "password_credentials",
    "resource_owner",
    "CLIENT-CREDENTIALS",
    "saml",
    "",
];

/// Innocent variable names (none named like a secret, some not names Waybill takes).
const VAR_NAMES: &[&str] = &[
    "host", "base", "a", "b", "tenant", "version", "x y", "", "ünï", "api.v1", "a\nb", "{{a}}",
];

/// Variable values: circular references (`a={{b}}`, `b={{a}}`, `host={{base}}`...), URLs.
const VAR_VALUES: &[&str] = &[
    "https://api.example",
    "http://localhost:8080",
    "{{a}}",
    "{{b}}",
    "{{host}}/v2",
    "{{base}}",
    "{{host}}",
    "",
    " ",
    "t-1",
    "ünï🐶",
];

const HEADER_NAMES: &[&str] = &[
    "Authorization",
    "authorization",
    "X-Api-Key",
    "Content-Type",
    "Accept",
    "X-Ünï",
    "",
    " ",
];

const FORM_KEYS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "username",
    "password",
    "refresh_token",
    "q",
    "",
    "ünï",
];

const NAMES: &[&str] = &[
    "Get items",
    "token",
    "Token request",
    "ünï 🐶",
    "a/b",
    "  ",
    "",
    "x\ty",
];

/// Variable names that make a variable secret by themselves (`Variable::new`).
const NAMED_SECRETS: &[&str] = &[
    "clientSecret",
    "client_secret",
    "password",
    "apiKey",
    "access-token",
    "myPasswd",
    "API_KEY",
];

/// Where a case keeps its secret.
#[derive(Debug, Clone, Copy)]
enum Home {
    /// A variable marked secret (Postman `type: secret`, an Insomnia private environment,
    /// Bruno `vars:secret` or `.env`), with an innocent name.
    Marked,
    /// A variable named like a secret.
    Named(&'static str),
    /// OAuth 2.0 settings' client secret.
    ClientSecret,
    /// OAuth 2.0 settings' password (a password grant when the settings are good).
    Password,
    /// OAuth 2.0 settings' refresh token (Postman; the client secret elsewhere).
    RefreshToken,
}

impl Home {
    fn in_variable(self) -> bool {
        matches!(self, Home::Marked | Home::Named(_))
    }
}

fn home() -> impl Strategy<Value = Home> {
    prop_oneof![
        2 => Just(Home::Marked),
        2 => prop::sample::select(NAMED_SECRETS).prop_map(Home::Named),
        1 => Just(Home::ClientSecret),
        1 => Just(Home::Password),
        1 => Just(Home::RefreshToken),
    ]
}

fn secret() -> impl Strategy<Value = String> {
    any::<u64>().prop_map(|n| format!("S3CRET-{n:016x}"))
}

type Boxed<T> = BoxedStrategy<T>;

fn pick(options: &[&'static str]) -> Boxed<String> {
    prop::sample::select(options.to_vec())
        .prop_map(str::to_string)
        .boxed()
}

fn string(text: Boxed<String>) -> Boxed<Value> {
    text.prop_map(Value::String).boxed()
}

/// An object whose keys are each there with their probability.
fn object(fields: Vec<(&'static str, f64, Boxed<Value>)>) -> Boxed<Value> {
    let (keys, values): (Vec<&'static str>, Vec<_>) = fields
        .into_iter()
        .map(|(key, p, value)| (key, prop::option::weighted(p, value).boxed()))
        .unzip();
    values
        .prop_map(move |values| {
            Value::Object(
                keys.iter()
                    .zip(values)
                    .filter_map(|(key, value)| Some((key.to_string(), value?)))
                    .collect(),
            )
        })
        .boxed()
}

fn list(item: Boxed<Value>, max: usize) -> Boxed<Value> {
    prop::collection::vec(item, 0..max)
        .prop_map(Value::Array)
        .boxed()
}

fn huge() -> Boxed<String> {
    prop_oneof![
        Just("y".repeat(20_000)),
        Just("{{a}}".repeat(3_000)),
        Just("ü".repeat(5_000)),
    ]
    .boxed()
}

/// Not the type expected: null, booleans, numbers, arrays, objects, short random text.
fn junk() -> Boxed<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["x", 1, null])),
        Just(json!({"a": {"b": null}})),
        ".{0,12}".prop_map(Value::String),
    ]
    .boxed()
}

fn plain_text() -> Boxed<String> {
    prop_oneof![
        12 => pick(TEXTS),
        4 => ".{0,12}".boxed(),
        1 => huge(),
    ]
    .boxed()
}

fn plain() -> Boxed<Value> {
    prop_oneof![5 => string(plain_text()), 1 => junk()].boxed()
}

fn carried_text() -> Boxed<String> {
    prop_oneof![1 => pick(CARRIED), 1 => plain_text()].boxed()
}

fn carried() -> Boxed<Value> {
    prop_oneof![6 => string(carried_text()), 1 => junk()].boxed()
}

fn url() -> Boxed<Value> {
    prop_oneof![5 => string(pick(URLS)), 1 => plain()].boxed()
}

fn grant() -> Boxed<Value> {
    prop_oneof![5 => string(pick(GRANTS)), 1 => junk()].boxed()
}

fn name() -> Boxed<Value> {
    prop_oneof![6 => string(pick(NAMES)), 1 => plain()].boxed()
}

fn var_value() -> Boxed<Value> {
    prop_oneof![8 => string(pick(VAR_VALUES)), 2 => junk(), 1 => string(huge())].boxed()
}

/// A boolean as exports write it, or not.
fn flag() -> Boxed<Value> {
    prop_oneof![
        4 => any::<bool>().prop_map(Value::Bool),
        2 => string(pick(&["true", "false", "yes"])),
        1 => junk(),
    ]
    .boxed()
}

/// `@SECRET@` and `@SECREF@` in every string of `value` replaced.
fn fill_marks(value: &mut Value, secret: &str, reference: &str) {
    match value {
        Value::String(s) if s.contains('@') => {
            *s = s
                .replace(SECRET_MARK, secret)
                .replace(SECRET_REF, reference)
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| fill_marks(v, secret, reference)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| fill_marks(v, secret, reference)),
        _ => {}
    }
}

/// A mapped case keeps its secret aside: in no saved request, no variable, nothing `Debug`
/// shows; a variable holding it is listed with no value.
fn keeps_secret_aside(
    imported: &Imported,
    secret: &str,
    home: Home,
    variable: &str,
) -> Result<(), TestCaseError> {
    let found = &imported.secrets;
    let kept = [
        found.client_secret.as_ref().map(|s| s.expose()),
        found.password.as_ref().map(|s| s.expose()),
        found.refresh_token.as_ref().map(|s| s.expose()),
    ]
    .contains(&Some(secret));
    if home.in_variable() {
        prop_assert!(
            imported
                .variables
                .contains(&(variable.to_string(), String::new())),
            "the secret variable {variable:?} is not listed with no value: {:?}",
            imported.variables
        );
    }
    for (name, value) in &imported.variables {
        prop_assert!(
            !value.contains(secret) && !name.contains(secret),
            "the secret ({home:?}) is in the variable {name:?}: {}",
            clipped(value, secret)
        );
    }
    for saved in &imported.requests {
        let json = serde_json::to_string(saved).unwrap();
        prop_assert!(
            !json.contains(secret),
            "the secret ({home:?}, kept aside: {kept}) is in a saved request: {}",
            clipped(&json, secret)
        );
    }
    let shown = imported.clone();
    let shown = format!("{shown:?}");
    prop_assert!(
        !shown.contains(secret),
        "Debug shows the secret ({home:?}): {}",
        clipped(&shown, secret)
    );
    Ok(())
}

/// `text` around `needle`, short enough to read in a failure.
fn clipped(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let chars: Vec<char> = text.chars().collect();
    let at = text[..at].chars().count();
    chars[at.saturating_sub(300)..(at + 300).min(chars.len())]
        .iter()
        .collect()
}

// --- Postman --------------------------------------------------------------------------------

const PM_SCHEMAS: &[&str] = &[
    "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    "https://schema.getpostman.com/json/collection/v2.0.0/collection.json",
];
const PM_ODD_SCHEMAS: &[&str] = &[
    "https://schema.getpostman.com/json/collection/v1.0.0/collection.json",
    "https://schema.getpostman.com/json/collection/v3/collection.json",
    "https://example.com/collection/v2.1",
    "getpostman.com collection",
    "",
];

fn pm_oauth_settings() -> Boxed<Value> {
    let param = object(vec![
        (
            "key",
            0.9,
            string(pick(&["audience", "resource", "", "ünï"])),
        ),
        ("value", 0.9, plain()),
        ("enabled", 0.3, flag()),
        (
            "send_as",
            0.5,
            string(pick(&["request_body", "request_header", "request_url"])),
        ),
    ]);
    object(vec![
        ("grant_type", 0.8, grant()),
        ("accessTokenUrl", 0.8, url()),
        ("authUrl", 0.5, url()),
        ("clientId", 0.7, plain()),
        ("clientSecret", 0.5, plain()),
        (
            "client_authentication",
            0.4,
            string(pick(&["body", "header", "x"])),
        ),
        ("scope", 0.5, plain()),
        ("tokenRequestParams", 0.2, list(param, 3)),
        ("username", 0.3, plain()),
        ("password", 0.3, plain()),
        ("refreshToken", 0.2, plain()),
        ("redirect_uri", 0.3, url()),
        ("addTokenTo", 0.2, string(pick(&["header", "queryParams"]))),
    ])
}

/// v2.1's `[{key, value}]` rows for a v2.0 settings object.
fn pm_rows(settings: Value) -> Value {
    match settings {
        Value::Object(map) => Value::Array(
            map.into_iter()
                .map(|(key, value)| json!({"key": key, "value": value, "type": "string"}))
                .collect(),
        ),
        other => other,
    }
}

fn pm_auth() -> Boxed<Value> {
    let kind = prop_oneof![
        8 => string(pick(&["oauth2", "bearer", "basic", "apikey", "inherit", "noauth", "digest", ""])),
        1 => junk(),
    ];
    let bearer = object(vec![("token", 0.9, plain())]);
    let basic = object(vec![("username", 0.9, plain()), ("password", 0.9, plain())]);
    let auth = (
        prop::option::weighted(0.95, kind),
        pm_oauth_settings(),
        bearer,
        basic,
        any::<bool>(),
    )
        .prop_map(|(kind, oauth2, bearer, basic, rows)| {
            let shape = |v: Value| if rows { pm_rows(v) } else { v };
            let mut auth =
                json!({"oauth2": shape(oauth2), "bearer": shape(bearer), "basic": shape(basic)});
            if let Some(kind) = kind {
                auth["type"] = kind;
            }
            auth
        });
    prop_oneof![8 => auth, 1 => junk()].boxed()
}

fn pm_form_row() -> Boxed<Value> {
    object(vec![
        (
            "key",
            0.9,
            prop_oneof![6 => string(pick(FORM_KEYS)), 1 => junk()].boxed(),
        ),
        (
            "value",
            0.8,
            prop_oneof![2 => carried(), 1 => grant()].boxed(),
        ),
        ("disabled", 0.2, flag()),
        ("type", 0.2, string(pick(&["text", "file"]))),
    ])
}

fn pm_url() -> Boxed<Value> {
    let part = prop_oneof![3 => carried(), 1 => object(vec![("value", 0.9, carried())])].boxed();
    let parsed = object(vec![
        ("raw", 0.6, carried()),
        ("protocol", 0.4, string(pick(&["https", "http", ""]))),
        (
            "host",
            0.7,
            prop_oneof![list(string(carried_text()), 3), carried()].boxed(),
        ),
        ("path", 0.7, prop_oneof![list(part, 4), carried()].boxed()),
        (
            "query",
            0.5,
            list(
                object(vec![
                    ("key", 0.9, string(pick(FORM_KEYS))),
                    ("value", 0.8, carried()),
                    ("disabled", 0.2, flag()),
                ]),
                3,
            ),
        ),
        (
            "variable",
            0.4,
            list(
                object(vec![
                    ("key", 0.9, string(pick(&["id", "key", "", "x"]))),
                    ("value", 0.7, plain()),
                ]),
                2,
            ),
        ),
    ]);
    prop_oneof![3 => carried(), 3 => parsed, 1 => junk()].boxed()
}

fn pm_headers() -> Boxed<Value> {
    let rows = list(
        object(vec![
            (
                "key",
                0.95,
                prop_oneof![6 => string(pick(HEADER_NAMES)), 1 => junk()].boxed(),
            ),
            ("value", 0.9, carried()),
            ("disabled", 0.2, flag()),
        ]),
        4,
    );
    // v2.0's text block, some lines without a colon.
    let block = prop::collection::vec((pick(HEADER_NAMES), carried_text(), any::<bool>()), 0..4)
        .prop_map(|lines| {
            let lines: Vec<String> = lines
                .into_iter()
                .map(|(name, value, colon)| match colon {
                    true => format!("{name}: {value}"),
                    false => format!("{name} {value}"),
                })
                .collect();
            Value::String(lines.join("\n"))
        });
    prop_oneof![4 => rows, 2 => block, 1 => junk()].boxed()
}

fn pm_body() -> Boxed<Value> {
    let mode = prop_oneof![
        8 => string(pick(&["raw", "urlencoded", "formdata", "graphql", "file", "binary", ""])),
        1 => junk(),
    ];
    let graphql = object(vec![
        ("query", 0.9, carried()),
        (
            "variables",
            0.5,
            prop_oneof![
                3 => string(pick(&["{\"a\": 1}", "{", "null", "[1]", "{\"s\": \"@SECRET@\"}", "{\"r\": \"@SECREF@\"}"])),
                1 => junk(),
            ]
            .boxed(),
        ),
    ]);
    object(vec![
        ("mode", 0.9, mode.boxed()),
        ("raw", 0.6, carried()),
        (
            "options",
            0.3,
            string(pick(&["json", "text", "xml"]))
                .prop_map(|language| json!({"raw": {"language": language}}))
                .boxed(),
        ),
        ("urlencoded", 0.4, list(pm_form_row(), 4)),
        ("formdata", 0.3, list(pm_form_row(), 4)),
        ("graphql", 0.3, graphql),
        ("file", 0.1, Just(json!({"src": "/etc/passwd"})).boxed()),
        ("disabled", 0.1, flag()),
    ])
}

fn pm_request() -> Boxed<Value> {
    object(vec![
        (
            "method",
            0.8,
            prop_oneof![
                6 => string(pick(&["GET", "POST", "post", "PUT", "DELETE", "PATCH", ""])),
                1 => junk(),
            ]
            .boxed(),
        ),
        ("url", 0.9, pm_url()),
        ("header", 0.6, pm_headers()),
        ("body", 0.6, pm_body()),
        ("auth", 0.2, pm_auth()),
        ("description", 0.1, plain()),
    ])
}

fn pm_item() -> Boxed<Value> {
    let request = object(vec![
        ("name", 0.85, name()),
        (
            "request",
            0.95,
            prop_oneof![1 => carried(), 4 => pm_request()].boxed(),
        ),
        ("auth", 0.15, pm_auth()),
    ]);
    request
        .prop_recursive(4, 24, 4, |inner| {
            object(vec![
                ("name", 0.85, name()),
                (
                    "item",
                    0.95,
                    prop_oneof![6 => list(inner, 4), 1 => junk()].boxed(),
                ),
                ("auth", 0.3, pm_auth()),
            ])
        })
        .boxed()
}

fn pm_variable() -> Boxed<Value> {
    object(vec![
        (
            "key",
            0.95,
            prop_oneof![6 => string(pick(VAR_NAMES)), 1 => junk()].boxed(),
        ),
        ("value", 0.9, var_value()),
        (
            "type",
            0.4,
            string(pick(&["default", "string", "secret", "any"])),
        ),
        ("enabled", 0.2, flag()),
        ("disabled", 0.1, flag()),
    ])
}

fn pm_collection() -> Boxed<Value> {
    let schema = prop_oneof![
        10 => string(pick(PM_SCHEMAS)),
        1 => string(pick(PM_ODD_SCHEMAS)),
        1 => junk(),
    ];
    let info = object(vec![
        ("name", 0.8, name()),
        ("schema", 0.97, schema.boxed()),
        ("_postman_id", 0.3, plain()),
    ]);
    object(vec![
        ("info", 0.98, info),
        (
            "item",
            0.97,
            prop_oneof![10 => list(pm_item(), 7), 1 => junk()].boxed(),
        ),
        ("variable", 0.5, list(pm_variable(), 5)),
        ("auth", 0.4, pm_auth()),
    ])
}

fn pm_environment() -> Boxed<Option<Value>> {
    let environment = object(vec![
        ("name", 0.8, name()),
        ("values", 0.95, list(pm_variable(), 5)),
        (
            "_postman_variable_scope",
            0.5,
            Just(json!("environment")).boxed(),
        ),
    ]);
    prop::option::weighted(
        0.5,
        prop_oneof![6 => environment, 1 => junk(), 1 => Just(json!({"item": [], "values": []})).boxed()],
    )
    .boxed()
}

/// The OAuth 2.0 settings field a case fills, and whether with the secret itself: its home, or
/// (`good` cases with the secret in a variable) a `{{reference}}` to that variable, so profiles
/// take secrets through variables too. `None`: no settings placed.
fn oauth_field(home: Home, good: bool, spot: u8) -> Option<(Home, bool)> {
    match home {
        Home::Marked | Home::Named(_) if good => match spot % 3 {
            0 => Some((Home::Password, false)),
            _ => Some((Home::ClientSecret, false)),
        },
        Home::Marked | Home::Named(_) => None,
        field => Some((field, true)),
    }
}

/// Put the secret in its home; the name `{{references}}` to it use.
fn pm_place(
    doc: &mut Value,
    environment: &mut Option<Value>,
    settings: Value,
    (home, secret, good, spot): (Home, &str, bool, u8),
) -> String {
    let insert = |list: &mut Value, row: Value| {
        if !list.is_array() {
            *list = json!([]);
        }
        let list = list.as_array_mut().unwrap();
        list.insert(spot as usize % (list.len() + 1), row);
    };
    let variable = match home {
        Home::Marked => Some((
            "vault",
            json!({"key": "vault", "value": secret, "type": "secret"}),
        )),
        Home::Named(name) => Some((name, json!({"key": name, "value": secret}))),
        _ => None,
    };
    let mut name = "clientSecret";
    if let Some((variable, row)) = variable {
        name = variable;
        if spot % 2 == 0 {
            let env = environment.get_or_insert_with(|| json!({"name": "Env", "values": []}));
            if !env.is_object() || env.get("item").is_some() {
                *env = json!({"name": "Env", "values": []});
            }
            insert(&mut env["values"], row);
        } else {
            insert(&mut doc["variable"], row);
        }
    }
    let Some((field, literal)) = oauth_field(home, good, spot) else {
        return name.into();
    };
    let (key, grant) = match field {
        Home::Password => ("password", "password"),
        Home::RefreshToken => ("refreshToken", "client_credentials"),
        _ => ("clientSecret", "client_credentials"),
    };
    let mut settings = match settings {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    match literal {
        true => settings.insert(key.into(), json!(secret)),
        false => settings.insert(key.into(), json!(format!("{{{{{name}}}}}"))),
    };
    if good {
        settings.insert("grant_type".into(), json!(grant));
        settings.insert(
            "accessTokenUrl".into(),
            json!("https://auth.example/oauth/token"),
        );
    }
    let settings = match spot % 2 {
        0 => Value::Object(settings),
        _ => pm_rows(Value::Object(settings)),
    };
    doc["auth"] = json!({"type": "oauth2", "oauth2": settings});
    name.into()
}

// --- Insomnia -------------------------------------------------------------------------------

const INS_IDS: &[&str] = &[
    "wrk_1", "fld_1", "fld_2", "fld_3", "req_1", "req_2", "env_1", "env_2", "jar_1", "",
];
const INS_TYPES: &[&str] = &[
    "workspace",
    "request_group",
    "request",
    "request",
    "request",
    "request",
    "request",
    "request_group",
    "environment",
    "cookie_jar",
    "api_spec",
    "grpc_request",
    "websocket_request",
    "unit_test",
    "proto_file",
    "",
    "ünï_request",
];
const INS_MIMES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "application/graphql",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "",
];

fn ins_auth() -> Boxed<Value> {
    object(vec![
        (
            "type",
            0.9,
            prop_oneof![
                6 => string(pick(&["oauth2", "bearer", "basic", "none", "apikey", "digest", "", "OAuth2"])),
                1 => junk(),
            ]
            .boxed(),
        ),
        ("grantType", 0.6, grant()),
        ("accessTokenUrl", 0.6, url()),
        ("authorizationUrl", 0.4, url()),
        ("clientId", 0.5, plain()),
        ("clientSecret", 0.4, plain()),
        ("credentialsInBody", 0.4, flag()),
        ("token", 0.3, plain()),
        ("username", 0.3, plain()),
        ("password", 0.3, plain()),
        ("disabled", 0.2, flag()),
        ("audience", 0.2, plain()),
        ("resource", 0.1, plain()),
        ("scope", 0.3, plain()),
        ("redirectUrl", 0.2, url()),
    ])
}

/// Environment data: values, objects one level deep (flattened `a.b`), deeper ones.
fn ins_data() -> Boxed<Value> {
    let inner = prop::collection::vec((pick(VAR_NAMES), var_value()), 0..3)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()));
    let value = prop_oneof![
        6 => var_value(),
        2 => inner.boxed(),
        1 => Just(json!({"deep": {"er": "x"}})).boxed(),
    ];
    prop::collection::vec((pick(VAR_NAMES), value), 0..5)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
        .boxed()
}

fn ins_rows(names: &'static [&'static str]) -> Boxed<Value> {
    list(
        prop_oneof![
            8 => object(vec![
                ("name", 0.95, string(pick(names))),
                ("value", 0.9, carried()),
                ("disabled", 0.2, flag()),
            ]),
            1 => junk(),
        ]
        .boxed(),
        4,
    )
}

fn ins_resource() -> Boxed<Value> {
    let body = object(vec![
        ("mimeType", 0.8, string(pick(INS_MIMES))),
        ("text", 0.7, carried()),
        ("params", 0.4, ins_rows(FORM_KEYS)),
        ("fileName", 0.1, string(pick(&["", "x.bin"]))),
    ]);
    let resource = object(vec![
        ("_id", 0.9, string(pick(INS_IDS))),
        (
            "parentId",
            0.8,
            prop_oneof![6 => string(pick(INS_IDS)), 1 => junk()].boxed(),
        ),
        (
            "_type",
            0.95,
            prop_oneof![10 => string(pick(INS_TYPES)), 1 => junk()].boxed(),
        ),
        ("name", 0.6, name()),
        (
            "method",
            0.6,
            prop_oneof![4 => string(pick(&["GET", "post", "PUT", "", "DELETE"])), 1 => junk()]
                .boxed(),
        ),
        ("url", 0.7, carried()),
        ("headers", 0.5, ins_rows(HEADER_NAMES)),
        ("parameters", 0.3, ins_rows(FORM_KEYS)),
        (
            "pathParameters",
            0.1,
            Just(json!([{"name": "id", "value": "1"}])).boxed(),
        ),
        ("body", 0.5, body),
        ("authentication", 0.4, ins_auth()),
        ("data", 0.3, ins_data()),
        (
            "dataPropertyOrder",
            0.1,
            list(string(pick(VAR_NAMES)), 4)
                .prop_map(|order| json!({"&": order}))
                .boxed(),
        ),
        ("isPrivate", 0.2, flag()),
        (
            "metaSortKey",
            0.5,
            prop_oneof![
                any::<i64>().prop_map(|n| json!(n)),
                any::<f64>().prop_map(|n| json!(n)),
                junk()
            ]
            .boxed(),
        ),
        ("environment", 0.15, ins_data()),
    ]);
    prop_oneof![12 => resource, 1 => junk()].boxed()
}

fn ins_export() -> Boxed<Value> {
    object(vec![
        ("_type", 0.7, Just(json!("export")).boxed()),
        (
            "__export_format",
            0.97,
            prop_oneof![8 => Just(json!(4)), 1 => junk()].boxed(),
        ),
        ("__export_source", 0.3, plain()),
        (
            "resources",
            0.97,
            prop_oneof![10 => list(ins_resource(), 12), 1 => junk()].boxed(),
        ),
    ])
}

fn ins_place(
    doc: &mut Value,
    auth: Value,
    (home, secret, good, spot): (Home, &str, bool, u8),
) -> String {
    let Some(resources) = doc.get_mut("resources").and_then(Value::as_array_mut) else {
        return "vault".into();
    };
    let at = spot as usize % (resources.len() + 1);
    let parent = INS_IDS[spot as usize % INS_IDS.len()];
    let variable = match home {
        Home::Marked if spot % 2 == 0 => Some((
            json!({"_id": "env_s", "_type": "environment", "parentId": parent,
                   "isPrivate": true, "data": {"vault": secret}}),
            "vault",
        )),
        Home::Marked => Some((
            json!({"_id": "env_s", "_type": "environment", "parentId": parent,
                   "isPrivate": "true", "data": {"creds": {"vault": secret}}}),
            "creds.vault",
        )),
        Home::Named(name) if spot % 2 == 0 => Some((
            json!({"_id": "env_s", "_type": "environment", "parentId": parent,
                   "data": {name: secret}}),
            name,
        )),
        Home::Named(name) => Some((
            json!({"_id": "fld_s", "_type": "request_group", "parentId": parent,
                   "name": "Secrets", "environment": {name: secret}}),
            name,
        )),
        _ => None,
    };
    let mut name = "clientSecret";
    if let Some((resource, variable)) = variable {
        resources.insert(at, resource);
        name = variable;
    }
    let Some((field, literal)) = oauth_field(home, good, spot) else {
        return name.into();
    };
    // Insomnia has no refresh token setting: the client secret holds it.
    let (key, grant) = match field {
        Home::Password => ("password", "password"),
        _ => ("clientSecret", "client_credentials"),
    };
    let mut auth = match auth {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    auth.insert("type".into(), json!("oauth2"));
    auth.remove("disabled");
    match literal {
        true => auth.insert(key.into(), json!(secret)),
        false => auth.insert(key.into(), json!(format!("{{{{ _.{name} }}}}"))),
    };
    if good {
        auth.insert("grantType".into(), json!(grant));
        auth.insert(
            "accessTokenUrl".into(),
            json!("https://auth.example/oauth/token"),
        );
    }
    // The workspace's auth goes first: the collection's.
    let workspace = json!({"_id": "wrk_s", "_type": "workspace", "name": "W",
                           "authentication": auth});
    resources.insert(0, workspace);
    name.into()
}

// --- Bruno ----------------------------------------------------------------------------------

/// A row of a `.bru` block as written: fine, disabled (`~`), without its colon, or `'''`
/// multiline.
#[derive(Debug, Clone, Copy)]
enum Row {
    Fine,
    Disabled,
    NoColon,
    Multiline,
}

#[derive(Debug, Clone)]
enum BruBody {
    Pairs(Vec<(String, String, Row)>),
    Text(Vec<String>),
    /// Items, on one line or not.
    List(Vec<String>, bool),
}

#[derive(Debug, Clone)]
struct Block {
    name: String,
    body: BruBody,
    /// Its closing `}` or `]` left out.
    unclosed: bool,
}

#[derive(Debug, Clone)]
enum BruFile {
    Blocks(Vec<Block>, bool),
    Bytes(Vec<u8>),
}

impl BruFile {
    fn render(&self) -> Vec<u8> {
        let (blocks, crlf) = match self {
            BruFile::Bytes(bytes) => return bytes.clone(),
            BruFile::Blocks(blocks, crlf) => (blocks, *crlf),
        };
        let mut out = String::new();
        for block in blocks {
            let name = &block.name;
            match &block.body {
                BruBody::Pairs(rows) => {
                    out += &format!("{name} {{\n");
                    for (key, value, row) in rows {
                        out += &match row {
                            Row::Fine => format!("  {key}: {value}\n"),
                            Row::Disabled => format!("  ~{key}: {value}\n"),
                            Row::NoColon => format!("  {key} {value}\n"),
                            Row::Multiline => {
                                format!("  {key}: '''\n    {value}\n    more\n  '''\n")
                            }
                        };
                    }
                    if !block.unclosed {
                        out += "}\n";
                    }
                }
                BruBody::Text(lines) => {
                    out += &format!("{name} {{\n");
                    for line in lines {
                        out += &format!("  {line}\n");
                    }
                    if !block.unclosed {
                        out += "}\n";
                    }
                }
                BruBody::List(items, true) => {
                    out += &format!("{name} [{}]\n", items.join(", "));
                }
                BruBody::List(items, false) => {
                    out += &format!("{name} [\n  {}\n", items.join(",\n  "));
                    if !block.unclosed {
                        out += "]\n";
                    }
                }
            }
            out += "\n";
        }
        if crlf {
            out = out.replace('\n', "\r\n");
        }
        out.into_bytes()
    }
}

fn row_kind() -> Boxed<Row> {
    prop_oneof![
        12 => Just(Row::Fine),
        1 => Just(Row::Disabled),
        1 => Just(Row::NoColon),
        1 => Just(Row::Multiline),
    ]
    .boxed()
}

fn unclosed() -> Boxed<bool> {
    prop::bool::weighted(0.06).boxed()
}

/// A block of the given keys, each there with its probability.
fn fixed(name: Boxed<String>, keys: Vec<(&'static str, f64, Boxed<String>)>) -> Boxed<Block> {
    let rows: Vec<_> = keys
        .into_iter()
        .map(|(key, p, value)| {
            prop::option::weighted(p, (value, row_kind()))
                .prop_map(move |row| row.map(|(value, kind)| (key.to_string(), value, kind)))
                .boxed()
        })
        .collect();
    (name, rows, unclosed())
        .prop_map(|(name, rows, unclosed)| Block {
            name,
            body: BruBody::Pairs(rows.into_iter().flatten().collect()),
            unclosed,
        })
        .boxed()
}

/// A block of free `key: value` rows.
fn pairs(name: Boxed<String>, keys: Boxed<String>, values: Boxed<String>) -> Boxed<Block> {
    (
        name,
        prop::collection::vec((keys, values, row_kind()), 0..4),
        unclosed(),
    )
        .prop_map(|(name, rows, unclosed)| Block {
            name,
            body: BruBody::Pairs(rows),
            unclosed,
        })
        .boxed()
}

fn text_block(name: Boxed<String>, lines: Boxed<String>) -> Boxed<Block> {
    (name, prop::collection::vec(lines, 0..4), unclosed())
        .prop_map(|(name, lines, unclosed)| Block {
            name,
            body: BruBody::Text(lines),
            unclosed,
        })
        .boxed()
}

fn list_block(name: &'static str) -> Boxed<Block> {
    (
        prop::collection::vec(
            prop_oneof![4 => pick(VAR_NAMES), 1 => Just("~a".to_string())],
            0..4,
        ),
        any::<bool>(),
        unclosed(),
    )
        .prop_map(move |(items, one_line, unclosed)| Block {
            name: name.into(),
            body: BruBody::List(items, one_line),
            unclosed,
        })
        .boxed()
}

/// Names of Bruno path parameters (no other variable has them).
const BRU_PATH_PARAMS: &[&str] = &["id", "key", "itemId", ""];

const BRU_BODIES: &[&str] = &[
    "none",
    "json",
    "formUrlEncoded",
    "graphql",
    "text",
    "xml",
    "sparql",
    "multipartForm",
    "file",
    "",
];
const BRU_AUTHS: &[&str] = &[
    "inherit", "none", "bearer", "basic", "oauth2", "awsv4", "", "OAuth2",
];

fn bru_grant() -> Boxed<String> {
    prop_oneof![5 => pick(GRANTS), 1 => plain_text()].boxed()
}

fn bru_url() -> Boxed<String> {
    prop_oneof![5 => pick(URLS), 1 => plain_text()].boxed()
}

fn bru_oauth2_block() -> Boxed<Block> {
    fixed(
        Just("auth:oauth2".into()).boxed(),
        vec![
            ("grant_type", 0.8, bru_grant()),
            ("access_token_url", 0.8, bru_url()),
            ("authorization_url", 0.4, bru_url()),
            ("client_id", 0.6, plain_text()),
            ("client_secret", 0.5, plain_text()),
            (
                "credentials_placement",
                0.4,
                pick(&["body", "basic_auth_header", "x"]),
            ),
            ("token_placement", 0.3, pick(&["header", "url"])),
            ("scope", 0.4, plain_text()),
            ("username", 0.3, plain_text()),
            ("password", 0.3, plain_text()),
            ("callback_url", 0.3, bru_url()),
        ],
    )
}

fn bru_auth_blocks() -> Boxed<Block> {
    prop_oneof![
        fixed(
            Just("auth".into()).boxed(),
            vec![("mode", 0.9, pick(BRU_AUTHS))]
        ),
        bru_oauth2_block(),
        fixed(
            Just("auth:bearer".into()).boxed(),
            vec![("token", 0.9, plain_text())]
        ),
        fixed(
            Just("auth:basic".into()).boxed(),
            vec![
                ("username", 0.9, plain_text()),
                ("password", 0.9, plain_text())
            ],
        ),
        pairs(pick(&["headers"]), pick(HEADER_NAMES), carried_text()),
    ]
    .boxed()
}

fn bru_other_blocks() -> Boxed<Block> {
    let script = pick(&[
        "bru.setVar('a', 1);",
        "}",
        "  }",
        "{",
        "",
        "# docs 🐶",
        "'''",
    ]);
    prop_oneof![
        pairs(
            pick(&["params:query", "query"]),
            pick(FORM_KEYS),
            carried_text()
        ),
        pairs(
            pick(&["params:path"]),
            pick(BRU_PATH_PARAMS),
            carried_text()
        ),
        text_block(
            pick(&[
                "body:json",
                "body:text",
                "body:xml",
                "body:graphql",
                "body:graphql:vars",
                "body:sparql"
            ]),
            carried_text()
        ),
        pairs(
            pick(&["body:form-urlencoded"]),
            pick(FORM_KEYS),
            prop_oneof![2 => carried_text(), 1 => pick(GRANTS)].boxed()
        ),
        pairs(
            pick(&["vars", "vars:pre-request", "vars:post-response"]),
            pick(VAR_NAMES),
            pick(VAR_VALUES)
        ),
        list_block("vars:secret"),
        text_block(
            pick(&[
                "script:pre-request",
                "script:post-response",
                "tests",
                "docs"
            ]),
            script
        ),
        pairs(
            pick(&[
                "settings",
                "assert",
                "body:multipart-form",
                "x y",
                "",
                "auth:awsv4"
            ]),
            pick(FORM_KEYS),
            plain_text()
        ),
    ]
    .boxed()
}

/// The block a method block's `body:` mode reads (another one for modes without).
fn bru_body_block(mode: &str) -> Boxed<Block> {
    let text = |name: &'static str| text_block(Just(name.to_string()).boxed(), carried_text());
    match mode {
        "json" => text("body:json"),
        "graphql" => prop_oneof![3 => text("body:graphql"), 1 => text("body:graphql:vars")].boxed(),
        "text" => text("body:text"),
        "xml" => text("body:xml"),
        "sparql" => text("body:sparql"),
        "formUrlEncoded" => pairs(
            pick(&["body:form-urlencoded"]),
            pick(FORM_KEYS),
            prop_oneof![2 => carried_text(), 1 => pick(GRANTS)].boxed(),
        ),
        _ => bru_other_blocks(),
    }
}

/// The block a method block's `auth:` mode reads (another one for modes without).
fn bru_auth_block(mode: &str) -> Boxed<Block> {
    match mode {
        "bearer" => fixed(
            Just("auth:bearer".into()).boxed(),
            vec![("token", 0.9, plain_text())],
        ),
        "basic" => fixed(
            Just("auth:basic".into()).boxed(),
            vec![
                ("username", 0.9, plain_text()),
                ("password", 0.9, plain_text()),
            ],
        ),
        "oauth2" | "OAuth2" => bru_oauth2_block(),
        _ => bru_auth_blocks(),
    }
}

/// A request file: a method block whose body and auth modes mostly have their blocks, a meta
/// block, and others at random, in any order.
fn bru_request() -> Boxed<BruFile> {
    let meta = fixed(
        Just("meta".into()).boxed(),
        vec![
            (
                "name",
                0.7,
                prop_oneof![4 => pick(NAMES), 1 => plain_text()].boxed(),
            ),
            (
                "type",
                0.7,
                pick(&["http", "http", "http", "graphql", "grpc", "ws", ""]),
            ),
            (
                "seq",
                0.7,
                pick(&["1", "2", "x", "-1", "99999999999999999999"]),
            ),
        ],
    );
    let shaped = (pick(BRU_BODIES), pick(BRU_AUTHS)).prop_flat_map(|(body, auth)| {
        let method = fixed(
            pick(&[
                "get", "post", "post", "put", "delete", "patch", "head", "options", "GET", "fetch",
            ]),
            vec![
                ("url", 0.9, carried_text()),
                ("body", 0.8, Just(body.clone()).boxed()),
                ("auth", 0.8, Just(auth.clone()).boxed()),
            ],
        );
        (
            prop::option::weighted(0.9, method),
            prop::option::weighted(0.8, bru_body_block(&body)),
            prop::option::weighted(0.8, bru_auth_block(&auth)),
        )
    });
    let others = prop::collection::vec(
        prop_oneof![1 => bru_auth_blocks(), 2 => bru_other_blocks()],
        0..4,
    );
    (prop::option::weighted(0.8, meta), shaped, others)
        .prop_map(|(meta, (method, body, auth), others)| {
            meta.into_iter()
                .chain(method)
                .chain(body)
                .chain(auth)
                .chain(others)
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
        .prop_flat_map(|blocks| (Just(blocks), prop::bool::weighted(0.2)))
        .prop_map(|(blocks, crlf)| BruFile::Blocks(blocks, crlf))
        .boxed()
}

/// `folder.bru` or `collection.bru`: a name and order, auth, headers, variables, docs.
fn bru_settings() -> Boxed<BruFile> {
    let meta = fixed(
        Just("meta".into()).boxed(),
        vec![
            (
                "name",
                0.7,
                prop_oneof![4 => pick(NAMES), 1 => plain_text()].boxed(),
            ),
            ("seq", 0.5, pick(&["1", "2", "x"])),
        ],
    );
    (
        prop::collection::vec(
            prop_oneof![1 => meta, 3 => bru_auth_blocks(), 1 => bru_other_blocks()],
            0..5,
        ),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(blocks, crlf)| BruFile::Blocks(blocks, crlf))
        .boxed()
}

fn bru_bytes() -> Boxed<BruFile> {
    prop::collection::vec(any::<u8>(), 0..512)
        .prop_map(BruFile::Bytes)
        .boxed()
}

fn bru_environment() -> Boxed<BruFile> {
    (
        prop::collection::vec(
            prop_oneof![
                3 => pairs(pick(&["vars"]), pick(VAR_NAMES), pick(VAR_VALUES)),
                1 => list_block("vars:secret"),
            ],
            0..3,
        ),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(blocks, crlf)| BruFile::Blocks(blocks, crlf))
        .boxed()
}

#[derive(Debug, Clone)]
struct BrunoCase {
    manifest: String,
    collection: Option<BruFile>,
    /// (folder, file name, content).
    files: Vec<(&'static str, &'static str, BruFile)>,
    environments: Vec<(&'static str, BruFile)>,
    dotenv: Option<Vec<&'static str>>,
}

fn bruno_case() -> impl Strategy<Value = BrunoCase> {
    let manifest = prop_oneof![
        8 => pick(&["Shipping API", "ünï 🐶", " x "]).prop_map(|name| {
            json!({"version": "1", "name": name, "type": "collection",
                   "ignore": ["node_modules", ".git", "skipped"]})
            .to_string()
        }),
        1 => pick(&["{}", "{\"name\": \"\"}", "{\"name\": 5}", "not json", "", "[]",
                    "{\"name\": \"x\", \"ignore\": \"users\"}", "{\"name\": \"x\", \"ignore\": [1, \"users\"]}"]),
    ];
    let folders = prop::sample::select(vec![
        "",
        "",
        "",
        "users",
        "users",
        "orders",
        "users/admin",
        "users/admin/deep",
        "ünï 🐶",
        "node_modules",
        "environments",
        "skipped",
        ".git",
        "a b/c",
    ]);
    let file_names = prop::sample::select(vec![
        "get items.bru",
        "Token.bru",
        "folder.bru",
        "collection.bru",
        "ünï.bru",
        "x.BRU",
        "notes.txt",
        ".hidden.bru",
        "a.bru",
        "b.bru",
        "c.bru",
        "d.bru",
        "e.bru",
    ]);
    let content = prop_oneof![10 => bru_request(), 2 => bru_settings(), 1 => bru_bytes()];
    let environment_names =
        prop::sample::select(vec!["Local.bru", "Prod.bru", "ünï.bru", "notes.txt"]);
    let dotenv_lines = prop::sample::select(vec![
        "HOST=https://api.example",
        "export A='1'",
        "# comment",
        "=x",
        "NOVALUE",
        "B=\"quoted\"",
        "C = spaced ",
        "ü=🐶",
    ]);
    (
        manifest,
        prop::option::weighted(0.7, prop_oneof![4 => bru_settings(), 1 => bru_bytes()]),
        prop::collection::vec((folders, file_names, content), 0..12),
        prop::collection::vec(
            (
                environment_names,
                prop_oneof![6 => bru_environment(), 1 => bru_bytes()],
            ),
            0..3,
        ),
        prop::option::weighted(0.4, prop::collection::vec(dotenv_lines, 0..5)),
    )
        .prop_map(
            |(manifest, collection, files, environments, dotenv)| BrunoCase {
                manifest,
                collection,
                files,
                environments,
                dotenv,
            },
        )
}

/// Write the case under `root`, the secret in its home; the name references to it use.
fn bruno_write(
    root: &Path,
    case: &BrunoCase,
    (home, secret, good, spot): (Home, &str, bool, u8),
) -> String {
    let mut collection = case
        .collection
        .as_ref()
        .map(BruFile::render)
        .unwrap_or_default();
    let mut environments: Vec<(String, Vec<u8>)> = case
        .environments
        .iter()
        .map(|(name, file)| (name.to_string(), file.render()))
        .collect();
    let mut dotenv = case.dotenv.as_ref().map(|lines| lines.join("\n"));
    let prepend = |text: String, to: &mut Vec<u8>| {
        to.splice(0..0, text.into_bytes());
    };
    let reference: String = match home {
        Home::Marked if spot % 2 == 0 => {
            let file = match spot % 4 {
                0 => format!("vars {{\n  vault: {secret}\n}}\nvars:secret [\n  vault\n]\n"),
                _ => format!("vars:secret [a, vault]\r\nvars {{\r\n  vault: {secret}\r\n}}\r\n"),
            };
            environments.push(("zz-home.bru".into(), file.into_bytes()));
            "vault".into()
        }
        Home::Marked => {
            let line = match spot % 4 {
                1 => format!("VAULT={secret}"),
                _ => format!("export VAULT=\"{secret}\""),
            };
            let text = dotenv.get_or_insert_with(String::new);
            *text = format!("{text}\n{line}\n");
            "process.env.VAULT".into()
        }
        Home::Named(name) if spot % 2 == 0 => {
            let file = format!("vars {{\n  {name}: {secret}\n}}\n");
            environments.push(("zz-home.bru".into(), file.into_bytes()));
            name.into()
        }
        Home::Named(name) => {
            prepend(
                format!("vars:pre-request {{\n  {name}: {secret}\n}}\n\n"),
                &mut collection,
            );
            name.into()
        }
        Home::ClientSecret | Home::Password | Home::RefreshToken => "client_secret".into(),
    };
    if let Some((field, literal)) = oauth_field(home, good, spot) {
        // Bruno has no refresh token setting: the client secret holds it.
        let (key, grant) = match field {
            Home::Password => ("password", "password"),
            _ => ("client_secret", "client_credentials"),
        };
        let (grant, token_url) = match good {
            true => (grant, "https://auth.example/oauth/token"),
            false => (
                GRANTS[spot as usize % GRANTS.len()],
                URLS[spot as usize / 16 % URLS.len()],
            ),
        };
        let value = match literal {
            true => secret.to_string(),
            false => format!("{{{{{reference}}}}}"),
        };
        prepend(
            format!(
                "auth {{\n  mode: oauth2\n}}\n\nauth:oauth2 {{\n  grant_type: {grant}\n  \
                 access_token_url: {token_url}\n  {key}: {value}\n}}\n\n"
            ),
            &mut collection,
        );
    }
    // Request files carry the secret; files read as environments (a request file dropped in
    // `environments/`) do not: they are no request, and a broken one (an unclosed
    // `vars:secret [`) reads the lines after it as secret variables' names.
    let braced = format!("{{{{{reference}}}}}");
    let write = |path: &Path, bytes: Vec<u8>, carries: bool| {
        let (value, braced) = match carries {
            true => (secret, braced.as_str()),
            false => ("not-the-secret", "{{a}}"),
        };
        let bytes = match String::from_utf8(bytes) {
            Ok(text) => text
                .replace(SECRET_MARK, value)
                .replace(SECRET_REF, braced)
                .into_bytes(),
            Err(e) => e.into_bytes(),
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write(
        &root.join("bruno.json"),
        case.manifest.clone().into_bytes(),
        true,
    );
    for (folder, name, file) in &case.files {
        let path = root.join(folder).join(name);
        write(&path, file.render(), *folder != "environments");
    }
    // After the files, which may hold a `collection.bru` of their own.
    if case.collection.is_some() || !collection.is_empty() {
        write(&root.join("collection.bru"), collection, true);
    }
    for (name, bytes) in environments {
        write(&root.join("environments").join(name), bytes, false);
    }
    if let Some(text) = dotenv {
        write(&root.join(".env"), text.into_bytes(), false);
    }
    reference
}

proptest! {
    #![proptest_config(Config { failure_persistence: None, ..Config::default() })]

    #[test]
    fn any_postman_shaped_collection_maps_or_is_refused_and_keeps_its_secret_aside(
        mut doc in pm_collection(),
        mut environment in pm_environment(),
        settings in pm_oauth_settings(),
        home in home(),
        secret in secret(),
        good in any::<bool>(),
        spot in any::<u8>(),
    ) {
        let name = pm_place(&mut doc, &mut environment, settings, (home, &secret, good, spot));
        let reference = format!("{{{{{name}}}}}");
        fill_marks(&mut doc, &secret, &reference);
        if let Some(environment) = environment.as_mut() {
            fill_marks(environment, &secret, &reference);
        }
        if let Ok(read) = postman::read(&doc, environment.as_ref()) {
            keeps_secret_aside(&collection::map(read), &secret, home, &name)?;
        }
        // The same through the file, its format detected.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collection.json");
        let env_path = dir.path().join("environment.json");
        std::fs::write(&path, doc.to_string()).unwrap();
        if let Some(environment) = &environment {
            std::fs::write(&env_path, environment.to_string()).unwrap();
        }
        let env_path = environment.as_ref().map(|_| env_path.as_path());
        if let Ok(imported) = import_file(&path, false, env_path) {
            keeps_secret_aside(&imported, &secret, home, &name)?;
        }
    }

    #[test]
    fn any_insomnia_shaped_export_maps_or_is_refused_and_keeps_its_secret_aside(
        mut doc in ins_export(),
        auth in ins_auth(),
        home in home(),
        secret in secret(),
        good in any::<bool>(),
        spot in any::<u8>(),
    ) {
        let name = ins_place(&mut doc, auth, (home, &secret, good, spot));
        fill_marks(&mut doc, &secret, &format!("{{{{ _.{name} }}}}"));
        if let Ok(read) = insomnia::read(&doc, "JSON") {
            keeps_secret_aside(&collection::map(read), &secret, home, &name)?;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        std::fs::write(&path, doc.to_string()).unwrap();
        if let Ok(imported) = import_file(&path, false, None) {
            keeps_secret_aside(&imported, &secret, home, &name)?;
        }
    }

    #[test]
    fn any_bruno_shaped_folder_maps_or_is_refused_and_keeps_its_secret_aside(
        case in bruno_case(),
        home in home(),
        secret in secret(),
        good in any::<bool>(),
        spot in any::<u8>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("collection");
        let name = bruno_write(&root, &case, (home, &secret, good, spot));
        if let Ok(read) = bruno::read(&root) {
            keeps_secret_aside(&collection::map(read), &secret, home, &name)?;
        }
        if let Ok(imported) = import_file(&root, false, None) {
            keeps_secret_aside(&imported, &secret, home, &name)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HAR files: random `log`s of entries (requests, responses, odd and missing parts, huge and
// base64 bodies), read by `har::import` and through `import_file` (recognised by content, the
// file not named `.har`). Besides "no panic", each case puts a credential (`S3CRET-` and random
// hex) where a HAR carries one — a credential header, `Authorization: Basic`, a cookie, a token
// query parameter or fragment, the URL's password, a form or JSON body field, a token in a
// response or a `Set-Cookie` — in an entry of its own, and the same value in other requests'
// URLs, hosts, headers, queries and bodies. It must be in no saved request, name, folder,
// variable, note, removed name, `Debug` output, or the plan.
// ---------------------------------------------------------------------------------------------

/// Headers a HAR's requests carry, some credentials, some the client's own.
const HAR_HEADER_NAMES: &[&str] = &[
    "Accept",
    "Content-Type",
    "Referer",
    "Origin",
    "User-Agent",
    "X-Trace",
    "Authorization",
    "Cookie",
    "Set-Cookie",
    ":authority",
    ":path",
    "Host",
    "Content-Length",
    "sec-fetch-dest",
    "Access-Control-Request-Method",
    "",
    " ",
    "X-Ünï",
];

/// Credential headers (the home of a case's secret).
const HAR_SECRET_HEADERS: &[&str] = &[
    "Authorization",
    "authorization",
    "X-Shopify-Access-Token",
    "x-amz-access-token",
    "WM_SEC.ACCESS_TOKEN",
    "DHL-API-Key",
    "X-Api-Key",
    "X-Auth-Token",
    "api-key",
    "X-Session-Id",
    "X-Signature",
];

/// Credential query parameters and body fields.
const HAR_SECRET_FIELDS: &[&str] = &[
    "access_token",
    "token",
    "api_key",
    "apikey",
    "key",
    "signature",
    "sig",
    "code",
    "client_secret",
    "password",
    "refresh_token",
    "id_token",
    "X-Amz-Signature",
    "session_id",
];

const HAR_URLS: &[&str] = &[
    "https://api.example/v1/items",
    "https://api.example/v1/@SECRET@/items",
    "https://api.example/v1/items?q=@SECRET@&page=2",
    "https://@SECRET@.example/a",
    "http://127.0.0.1:8080/api/rates?locale=en",
    "http://localhost:8080/x/ünï@SECRET@🐶",
    "https://cdn.example/app.js?v=@SECRET@",
    "https://cdn.example/logo.png",
    "https://api.example/a#x=@SECRET@",
    "data:image/png;base64,@SECRET@",
    "blob:https://api.example/@SECRET@",
    "chrome-extension://abc/@SECRET@.json",
    "ws://api.example/socket",
    "not a url @SECRET@",
    "https://api.example/oauth/token",
    "",
];

const HAR_MIMES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "text/html; charset=utf-8",
    "text/css",
    "application/javascript",
    "image/png",
    "font/woff2",
    "",
];

const HAR_METHODS: &[&str] = &["GET", "POST", "PUT", "OPTIONS", "delete", "", " "];

const HAR_RESOURCES: &[&str] = &[
    "fetch",
    "xhr",
    "document",
    "script",
    "image",
    "preflight",
    "other",
];

/// Where a case keeps its secret in a HAR.
#[derive(Debug, Clone, Copy)]
enum HarHome {
    /// A credential header: `name: SECRET`, or `name: Bearer SECRET`.
    Header(&'static str, bool),
    /// `Proxy-Authorization: Basic` of `user:SECRET`.
    Basic,
    /// `Cookie: a=1; sid=SECRET`.
    CookieHeader,
    /// The entry's `cookies` list.
    CookieList,
    /// `?name=SECRET` in the URL and its `queryString`.
    Query(&'static str),
    /// `#access_token=SECRET`.
    Fragment,
    /// `https://user:SECRET@host/`.
    UserInfo,
    /// A form body field, as text or as `params`.
    Form(&'static str, bool),
    /// A JSON body field.
    Json(&'static str),
    /// A token the API issued, in a response body.
    Response,
    /// A cookie the API set (`Set-Cookie`).
    SetCookie,
}

fn har_home() -> impl Strategy<Value = HarHome> {
    let header = prop::sample::select(HAR_SECRET_HEADERS);
    let field = || prop::sample::select(HAR_SECRET_FIELDS);
    prop_oneof![
        3 => (header, any::<bool>()).prop_map(|(h, bearer)| HarHome::Header(h, bearer)),
        1 => Just(HarHome::Basic),
        1 => Just(HarHome::CookieHeader),
        1 => Just(HarHome::CookieList),
        2 => field().prop_map(HarHome::Query),
        1 => Just(HarHome::Fragment),
        1 => Just(HarHome::UserInfo),
        2 => (field(), any::<bool>()).prop_map(|(f, params)| HarHome::Form(f, params)),
        2 => field().prop_map(HarHome::Json),
        1 => Just(HarHome::Response),
        1 => Just(HarHome::SetCookie),
    ]
}

fn har_pairs(names: &'static [&'static str]) -> Boxed<Value> {
    let name = prop_oneof![8 => string(pick(names)), 1 => junk()].boxed();
    prop_oneof![
        8 => list(object(vec![("name", 0.95, name), ("value", 0.9, carried())]), 5),
        1 => junk(),
    ]
    .boxed()
}

fn har_url() -> Boxed<Value> {
    prop_oneof![6 => string(pick(HAR_URLS)), 2 => carried(), 1 => junk()].boxed()
}

fn har_mime() -> Boxed<Value> {
    prop_oneof![6 => string(pick(HAR_MIMES)), 1 => junk()].boxed()
}

fn har_encoding() -> Boxed<Value> {
    prop_oneof![3 => string(pick(&["base64", ""])), 1 => junk()].boxed()
}

fn har_post_data() -> Boxed<Value> {
    let body = prop_oneof![
        4 => carried(),
        1 => string(pick(&["//79/A==", "eyJhIjogMX0=", "a=1&b=2", "{\"password\": 1}", "--x\r\n"])),
        1 => string(huge()),
    ]
    .boxed();
    object(vec![
        ("mimeType", 0.9, har_mime()),
        ("text", 0.8, body),
        ("params", 0.3, har_pairs(FORM_KEYS)),
        ("encoding", 0.15, har_encoding()),
    ])
}

fn har_entry() -> Boxed<Value> {
    let request = object(vec![
        (
            "method",
            0.9,
            prop_oneof![6 => string(pick(HAR_METHODS)), 1 => junk()].boxed(),
        ),
        ("url", 0.95, har_url()),
        ("httpVersion", 0.5, string(pick(&["HTTP/1.1", "h2", ""]))),
        ("headers", 0.8, har_pairs(HAR_HEADER_NAMES)),
        ("queryString", 0.4, har_pairs(FORM_KEYS)),
        ("cookies", 0.3, har_pairs(&["theme", "lang", ""])),
        (
            "postData",
            0.4,
            prop_oneof![6 => har_post_data(), 1 => junk()].boxed(),
        ),
    ]);
    let content = object(vec![
        ("mimeType", 0.9, har_mime()),
        ("text", 0.6, carried()),
        ("encoding", 0.1, har_encoding()),
    ]);
    let response = object(vec![
        (
            "status",
            0.8,
            prop_oneof![Just(json!(200)), Just(json!(401)), junk()].boxed(),
        ),
        ("headers", 0.5, har_pairs(HAR_HEADER_NAMES)),
        (
            "content",
            0.8,
            prop_oneof![6 => content, 1 => junk()].boxed(),
        ),
    ]);
    let entry = object(vec![
        (
            "request",
            0.95,
            prop_oneof![9 => request, 1 => junk()].boxed(),
        ),
        ("response", 0.8, response),
        ("_resourceType", 0.3, string(pick(HAR_RESOURCES))),
    ]);
    prop_oneof![12 => entry, 1 => junk()].boxed()
}

fn har_doc() -> Boxed<Value> {
    let creator = object(vec![("name", 0.9, carried()), ("version", 0.7, plain())]);
    let log = object(vec![
        (
            "version",
            0.8,
            prop_oneof![string(pick(&["1.2", "1.1", ""])), junk()].boxed(),
        ),
        ("creator", 0.6, creator),
        (
            "entries",
            0.95,
            prop_oneof![12 => list(har_entry(), 8), 1 => junk()].boxed(),
        ),
    ]);
    prop_oneof![12 => log.prop_map(|log| json!({"log": log})), 1 => junk()].boxed()
}

/// The entry that holds the secret (`@SECRET@` filled in later), by its home.
fn har_home_entry(home: HarHome, method: &str, base: &str) -> Value {
    let mut request = json!({"method": method, "url": base, "headers": [], "cookies": []});
    let mut response = json!({"status": 200, "headers": [],
                              "content": {"mimeType": "application/json", "text": "{}"}});
    let header = |name: &str, value: &str| json!([{"name": name, "value": value}]);
    match home {
        HarHome::Header(name, bearer) => {
            let value = if bearer {
                "Bearer @SECRET@"
            } else {
                SECRET_MARK
            };
            request["headers"] = header(name, value);
        }
        HarHome::Basic => {
            // `user:` then the secret, in base64: filled in by `har_fill`.
            request["headers"] = header("Proxy-Authorization", "Basic @BASIC@");
        }
        HarHome::CookieHeader => request["headers"] = header("Cookie", "a=1; sid=@SECRET@"),
        HarHome::CookieList => {
            request["cookies"] = json!([{"name": "session", "value": SECRET_MARK}]);
        }
        HarHome::Query(name) => {
            request["url"] = json!(format!("{base}?page=1&{name}=@SECRET@"));
            request["queryString"] = json!([{"name": name, "value": SECRET_MARK}]);
        }
        HarHome::Fragment => request["url"] = json!(format!("{base}#access_token=@SECRET@")),
        HarHome::UserInfo => {
            let url = base.replacen("://", "://user:@SECRET@@", 1);
            request["url"] = json!(url);
        }
        HarHome::Form(name, false) => {
            request["postData"] = json!({"mimeType": "application/x-www-form-urlencoded",
                                         "text": format!("a=1&{name}=@SECRET@")});
        }
        HarHome::Form(name, true) => {
            request["postData"] = json!({"mimeType": "application/x-www-form-urlencoded",
                                         "params": [{"name": "a", "value": "1"},
                                                    {"name": name, "value": SECRET_MARK}]});
        }
        HarHome::Json(name) => {
            let text = json!({"n": 1, "nested": {name: SECRET_MARK}}).to_string();
            request["postData"] = json!({"mimeType": "application/json", "text": text});
        }
        HarHome::Response => {
            let text = json!({"access_token": SECRET_MARK, "token_type": "Bearer"}).to_string();
            response["content"]["text"] = json!(text);
        }
        HarHome::SetCookie => {
            response["headers"] = header("Set-Cookie", "refresh=@SECRET@; Path=/; HttpOnly");
        }
    }
    json!({"request": request, "response": response})
}

/// Marks filled in: the secret, an innocent `{{reference}}`, Basic credentials holding it.
fn har_fill(value: &mut Value, secret: &str) {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}"));
    match value {
        Value::String(s) if s.contains('@') => {
            *s = s
                .replace("@BASIC@", &basic)
                .replace(SECRET_MARK, secret)
                .replace(SECRET_REF, "{{a}}")
        }
        Value::Array(items) => items.iter_mut().for_each(|v| har_fill(v, secret)),
        Value::Object(map) => map.values_mut().for_each(|v| har_fill(v, secret)),
        _ => {}
    }
}

/// A mapped HAR keeps its credential out of everything it saves or shows, and of its plan.
fn har_keeps_secret_out(
    imported: &Imported,
    secret: &str,
    home: HarHome,
) -> Result<(), TestCaseError> {
    prop_assert!(
        imported.secrets.kinds().is_empty(),
        "a HAR's secrets go to no keyring"
    );
    let shown = [
        serde_json::to_string(&imported.requests).unwrap(),
        serde_json::to_string(imported).unwrap(),
        format!("{imported:?}"),
    ];
    for text in &shown {
        prop_assert!(
            !text.contains(secret),
            "the secret ({home:?}) is in what the import shows: {}",
            clipped(text, secret)
        );
    }
    if let Ok(plan) = plan::imported::<WorkspaceError>(imported, None, &Profiles::default()) {
        let text = format!("{} {:?}", serde_json::to_string(&plan).unwrap(), plan.add);
        prop_assert!(
            !text.contains(secret),
            "the secret ({home:?}) is in the plan: {}",
            clipped(&text, secret)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { failure_persistence: None, ..Config::default() })]

    #[test]
    fn any_har_shaped_file_maps_or_is_refused_and_takes_its_credentials_out(
        mut doc in har_doc(),
        home in har_home(),
        secret in secret(),
        method in prop::sample::select(&["GET", "POST", "PUT", ""][..]),
        base in prop::sample::select(&[
            "https://api.example/v1/items",
            "http://127.0.0.1:8080/api",
            "https://cdn.example/app.js",
            "https://api.example/oauth/token",
        ][..]),
        spot in any::<u8>(),
    ) {
        if let Some(entries) = doc.pointer_mut("/log/entries").and_then(Value::as_array_mut) {
            let at = spot as usize % (entries.len() + 1);
            entries.insert(at, har_home_entry(home, method, base));
        }
        har_fill(&mut doc, &secret);
        if let Ok(imported) = har::import(&doc, "JSON", "case.har") {
            har_keeps_secret_out(&imported, &secret, home)?;
        }
        // The same through a file not named `.har`, recognised by its content.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("attachment.json");
        std::fs::write(&path, doc.to_string()).unwrap();
        match import_file(&path, false, None) {
            Ok(imported) => har_keeps_secret_out(&imported, &secret, home)?,
            Err(error) => prop_assert!(
                !error.to_string().contains(&secret),
                "the refusal shows the secret: {error}"
            ),
        }
    }
}
