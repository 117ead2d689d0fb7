//! OpenAPI 3.x and Swagger 2.0 -> a profile and its saved requests.
//!
//! - The profile: the first OAuth 2.0 security scheme (the one the spec's own `security` names
//!   first, else the first declared), its flow (client credentials, then authorization code,
//!   implicit, password), token and authorize URLs (relative ones joined to the server), client
//!   authentication from `x-tokenEndpointAuthMethod`, its scopes; the API base is the first
//!   server, or with `live` the first that does not read as a test one.
//! - Each operation: a saved request named by `operationId` (else `METHOD /path`) in a folder
//!   named by its first tag; path parameters as `{{name}}`; required query and header parameters
//!   with their default or a `{{name}}` placeholder; a JSON body built from the schema's examples.
//!
//! The spec is untrusted: only local `$ref`s are followed (a remote one is reported, never
//! fetched), cycles end, and examples are bounded in depth and size.
//!
//! Here the spec is read (`Spec`: versions, `$ref`s, servers); `profile`: its security schemes
//! -> the profile; `operations`: its operations -> saved requests; `example`: a body's example
//! built from its schema.

mod example;
mod operations;
mod profile;

use serde_json::Value;

use super::{ImportError, Imported, Skipped, SkippedKind};

/// Words that mark a test server (`--env live` skips them).
const TEST_WORDS: [&str; 11] = [
    "sandbox",
    "test",
    "staging",
    "stage",
    "cie",
    "dev",
    "uat",
    "qa",
    "integration",
    "demo",
    "preprod",
];

/// Map a spec (`syntax`: what it was written in, JSON or YAML) onto Waybill; `live`: the API
/// base is its production server rather than its first.
pub fn import(doc: &Value, syntax: &str, live: bool) -> Result<Imported, ImportError> {
    let spec = Spec::new(doc)?;
    let version = doc
        .get("openapi")
        .or_else(|| doc.get("swagger"))
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_default();
    let name = if spec.v2 { "Swagger" } else { "OpenAPI" };
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API")
        .trim()
        .to_string();
    let mut skipped = Vec::new();
    let servers = spec.servers(&mut skipped);
    let chosen = match live {
        true => servers
            .iter()
            .find(|(url, description)| !reads_as_test(url, description))
            .or(servers.first()),
        false => servers.first(),
    }
    .map(|(url, _)| url.clone());
    let other_servers = servers
        .iter()
        .map(|(url, _)| url.clone())
        .filter(|url| Some(url) != chosen.as_ref())
        .collect();
    let profile = spec.profile(chosen.as_deref(), &mut skipped);
    let (requests, variables) = spec.operations(&mut skipped);
    Ok(Imported {
        format: format!("{name} {version} ({syntax})"),
        title,
        profile,
        requests,
        variables,
        other_servers,
        skipped,
        secrets: Default::default(),
        removed: Vec::new(),
    })
}

fn reads_as_test(url: &str, description: &str) -> bool {
    let text = format!("{url} {description}").to_ascii_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    TEST_WORDS.iter().any(|t| words.contains(t))
}

struct Spec<'a> {
    doc: &'a Value,
    v2: bool,
}

impl<'a> Spec<'a> {
    fn new(doc: &'a Value) -> Result<Self, ImportError> {
        let v2 = doc.get("swagger").is_some();
        let version = doc.get(if v2 { "swagger" } else { "openapi" });
        let version = version.and_then(Value::as_str).unwrap_or_default();
        let known = if v2 {
            version == "2.0"
        } else {
            version.starts_with("3.")
        };
        if !known {
            return Err(ImportError::Invalid(format!(
                "version {version:?} is neither OpenAPI 3.x nor Swagger 2.0"
            )));
        }
        if !doc.get("paths").is_none_or(Value::is_object) {
            return Err(ImportError::Invalid("`paths` is not an object".into()));
        }
        Ok(Spec { doc, v2 })
    }

    /// Follow `$ref`s within the file (a chain of at most 32).
    fn resolve(&self, mut value: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok(value);
            };
            let Some(pointer) = reference.strip_prefix('#') else {
                return Err(format!(
                    "the $ref {reference:?} is in another file, which is not fetched"
                ));
            };
            let pointer = percent_decode(pointer);
            value = self
                .doc
                .pointer(&pointer)
                .ok_or_else(|| format!("the $ref {reference:?} points to nothing"))?;
        }
        Err("a $ref chain does not end".into())
    }

    /// (URL, description) of each server, variables filled with their defaults.
    fn servers(&self, skipped: &mut Vec<Skipped>) -> Vec<(String, String)> {
        if self.v2 {
            let Some(host) = self.doc.get("host").and_then(Value::as_str) else {
                return Vec::new();
            };
            let base = self
                .doc
                .get("basePath")
                .and_then(Value::as_str)
                .unwrap_or("");
            let schemes: Vec<&str> = self
                .doc
                .get("schemes")
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let scheme = match schemes.contains(&"https") || schemes.is_empty() {
                true => "https",
                false => schemes[0],
            };
            return vec![(format!("{scheme}://{host}{base}"), String::new())];
        }
        let mut found = Vec::new();
        for server in self
            .doc
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(mut url) = server
                .get("url")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                continue;
            };
            if let Some(vars) = server.get("variables").and_then(Value::as_object) {
                for (name, var) in vars {
                    let default = var.get("default").and_then(Value::as_str).unwrap_or("");
                    url = url.replace(&format!("{{{name}}}"), default);
                }
            }
            let description = server
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match url::Url::parse(&url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {
                    found.push((url.trim_end_matches('/').to_string(), description))
                }
                _ => skipped.push(Skipped::new(
                    SkippedKind::Server,
                    format!("server {url}"),
                    "not an absolute http(s) URL",
                )),
            }
        }
        found
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::profile::{ClientAuth, Grant};
    use crate::request::DraftBody;

    fn spec(extra: Value) -> Value {
        let mut doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "Parcels"},
            "servers": [
                {"url": "https://sandbox.parcels.example/v1", "description": "Sandbox"},
                {"url": "https://api.parcels.example/v1", "description": "Production"}
            ],
            "components": {"securitySchemes": {"oauth": {"type": "oauth2",
                "x-tokenEndpointAuthMethod": "client_secret_basic",
                "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {"parcels": "all"}}}}}},
            "paths": {}
        });
        if let (Value::Object(doc), Value::Object(extra)) = (&mut doc, extra) {
            doc.extend(extra);
        }
        doc
    }

    #[test]
    fn the_profile_comes_from_the_oauth_scheme_and_the_server_the_env_picks() {
        let sandbox = import(&spec(json!({})), "JSON", false).unwrap();
        let profile = sandbox.profile.unwrap();
        assert_eq!(profile.grant, Some(Grant::ClientCredentials));
        assert_eq!(profile.client_auth, Some(ClientAuth::Basic));
        assert_eq!(
            profile.api_base.as_deref(),
            Some("https://sandbox.parcels.example/v1")
        );
        assert_eq!(
            profile.token_url.as_deref(),
            Some("https://sandbox.parcels.example/oauth/token"),
            "a relative token URL is the server's"
        );
        assert_eq!(profile.scope.as_deref(), Some("parcels"));
        assert_eq!(sandbox.other_servers, ["https://api.parcels.example/v1"]);
        let live = import(&spec(json!({})), "JSON", true).unwrap();
        assert_eq!(
            live.profile.unwrap().api_base.as_deref(),
            Some("https://api.parcels.example/v1")
        );
    }

    #[test]
    fn operations_become_requests_with_variables_parameters_and_a_body() {
        let doc = spec(json!({
            "paths": {"/parcels/{id}/labels": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "example": "p-1"}}],
                "post": {
                    "operationId": "createLabel", "tags": ["Labels"],
                    "parameters": [
                        {"name": "format", "in": "query", "required": true, "schema": {"type": "string", "enum": ["pdf", "zpl"]}},
                        {"name": "X-Trace", "in": "header", "required": true, "schema": {"type": "string"}},
                        {"name": "lang", "in": "query", "schema": {"type": "string"}}
                    ],
                    "requestBody": {"$ref": "#/components/requestBodies/Label"}
                },
                "get": {}
            }},
            "components": {
                "securitySchemes": {},
                "requestBodies": {"Label": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Label"}}}}},
                "schemas": {
                    "Label": {"type": "object", "properties": {
                        "size": {"type": "string", "default": "A6"},
                        "copies": {"type": "integer"},
                        "parent": {"$ref": "#/components/schemas/Label"}
                    }}
                }
            }
        }));
        let imported = import(&doc, "JSON", false).unwrap();
        let post = imported
            .requests
            .iter()
            .find(|r| r.name == "createLabel")
            .unwrap();
        assert_eq!(post.folder.as_deref(), Some("Labels"));
        assert_eq!(post.request.url, "/parcels/{{id}}/labels");
        assert_eq!(
            post.request.query,
            [("format".to_string(), "pdf".to_string())]
        );
        assert_eq!(
            post.request.headers,
            [("X-Trace".to_string(), "{{X-Trace}}".to_string())]
        );
        let DraftBody::Json(body) = &post.request.body else {
            panic!("{:?}", post.request.body)
        };
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body,
            json!({"size": "A6", "copies": 0, "parent": null}),
            "the cycle ends"
        );
        let get = imported
            .requests
            .iter()
            .find(|r| r.name == "GET /parcels/{id}/labels")
            .unwrap();
        assert_eq!(get.folder, None);
        assert_eq!(imported.variables, [("id".to_string(), "p-1".to_string())]);
    }

    #[test]
    fn hostile_and_unknown_parts_are_reported_not_followed() {
        let doc = spec(json!({
            "paths": {
                "/remote": {"$ref": "https://evil.example/paths.json#/x"},
                "/loop": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}]}}
            },
            "components": {
                "securitySchemes": {"key": {"type": "apiKey", "name": "X-Key", "in": "header"}},
                "parameters": {"A": {"$ref": "#/components/parameters/B"}, "B": {"$ref": "#/components/parameters/A"}}
            }
        }));
        let imported = import(&doc, "JSON", false).unwrap();
        assert!(imported.profile.is_none());
        assert!(imported.requests.is_empty());
        let reasons: Vec<&str> = imported.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("another file, which is not fetched")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("does not end")),
            "{reasons:?}"
        );
        assert!(reasons.iter().any(|r| r.contains("apiKey")), "{reasons:?}");
        assert!(matches!(
            import(&json!({"openapi": "4.0", "paths": {}}), "JSON", false),
            Err(ImportError::Invalid(_))
        ));
    }

    #[test]
    fn swagger_2_flows_and_bodies_map_too() {
        let doc = json!({
            "swagger": "2.0", "info": {"title": "Old"}, "host": "api.old.example", "basePath": "/v2",
            "securityDefinitions": {"o": {"type": "oauth2", "flow": "accessCode",
                "authorizationUrl": "https://auth.old.example/authorize", "tokenUrl": "https://auth.old.example/token",
                "scopes": {"read": "", "write": ""}}},
            "paths": {"/things": {"post": {"operationId": "make",
                "parameters": [{"in": "body", "name": "b", "schema": {"type": "object", "properties": {"n": {"type": "string", "format": "date"}}}}]}}}
        });
        let imported = import(&doc, "JSON", false).unwrap();
        assert_eq!(imported.format, "Swagger 2.0 (JSON)");
        let profile = imported.profile.unwrap();
        assert_eq!(profile.grant, Some(Grant::AuthorizationCode));
        assert_eq!(
            profile.api_base.as_deref(),
            Some("https://api.old.example/v2")
        );
        assert_eq!(profile.scope.as_deref(), Some("read write"));
        let DraftBody::Json(body) = &imported.requests[0].request.body else {
            panic!()
        };
        assert!(body.contains("2026-01-01"), "{body}");
    }
}
