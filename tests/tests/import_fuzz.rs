//! The importers fuzzed: whatever a file holds, reading it and mapping it end in an import or a
//! refusal, never a panic or a hang. Random bytes go through format detection (JSON, YAML, the
//! size check); random OpenAPI-shaped documents (the keywords the mapper follows, nested and
//! cross-referenced at random, `$ref` cycles included) through the OpenAPI mapper.
//!
//! `./scripts/test` runs proptest's default 256 cases each; `./scripts/fuzz-import MINUTES` runs
//! them again and again with fresh seeds (its figure is in the README).

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use waybill_core::import::{import_file, openapi};

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
