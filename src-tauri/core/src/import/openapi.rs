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

use serde_json::{json, Map, Value};

use super::{clip, dedupe_names, ImportError, Imported, Skipped};
use crate::profile::new::NewProfile;
use crate::profile::{ClientAuth, Grant};
use crate::request::{DraftBody, RequestDraft};
use crate::store::saved::{Param, SavedRequest};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// More than any real API has; a hostile file stops here.
const MAX_OPERATIONS: usize = 5000;
const MAX_EXAMPLE_DEPTH: usize = 8;
/// Parameters kept for an operation's form (real operations declare a few dozen at most).
const MAX_PARAMS: usize = 200;
const MAX_EXAMPLE_NODES: usize = 5000;
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
    })
}

/// An `openIdConnect` scheme: a browser sign-in (code + PKCE) at the issuer its URL names, whose
/// endpoints are discovered when the import is planned.
fn oidc_profile(
    name: &str,
    scheme: &Value,
    server: Option<&str>,
    required: &[(&String, Vec<String>)],
) -> Option<NewProfile> {
    let raw = scheme.get("openIdConnectUrl").and_then(Value::as_str)?;
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let issuer = raw
        .trim_end_matches('/')
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string();
    let mut scopes = required
        .iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, s)| s.clone())
        .unwrap_or_default();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    Some(NewProfile {
        grant: Some(Grant::AuthorizationCode),
        issuer: Some(issuer),
        client_id: Some(String::new()),
        scope: Some(scopes.join(" ")),
        api_base: server.map(str::to_string),
        ..NewProfile::default()
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
                _ => skipped.push(Skipped {
                    item: format!("server {url}"),
                    reason: "not an absolute http(s) URL".into(),
                }),
            }
        }
        found
    }

    /// The profile from the first usable OAuth 2.0 scheme; `None` when there is none.
    fn profile(&self, server: Option<&str>, skipped: &mut Vec<Skipped>) -> Option<NewProfile> {
        let schemes = match self.v2 {
            true => self.doc.get("securityDefinitions"),
            false => self.doc.pointer("/components/securitySchemes"),
        };
        let schemes = schemes.and_then(Value::as_object)?;
        // The spec's own requirement first, then declaration order.
        let required: Vec<(&String, Vec<String>)> = self
            .doc
            .get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|req| req.iter())
            .map(|(name, scopes)| (name, strings(scopes)))
            .collect();
        let mut order: Vec<&String> = required.iter().map(|(n, _)| *n).collect();
        let rest: Vec<&String> = schemes.keys().filter(|k| !order.contains(k)).collect();
        order.extend(rest);
        let mut chosen = None;
        for name in order {
            let Some(scheme) = schemes.get(name).and_then(|s| self.resolve(s).ok()) else {
                continue;
            };
            let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
            if kind == "oauth2" && chosen.is_none() {
                if let Some(profile) = self.oauth_profile(name, scheme, server, &required, skipped)
                {
                    chosen = Some(profile);
                    continue;
                }
            }
            if kind == "openIdConnect" && chosen.is_none() {
                if let Some(profile) = oidc_profile(name, scheme, server, &required) {
                    chosen = Some(profile);
                    continue;
                }
            }
            let reason = match kind {
                "oauth2" if chosen.is_some() => "another OAuth 2.0 scheme is used".to_string(),
                "openIdConnect" if chosen.is_some() => "another scheme is used".into(),
                "openIdConnect" => "no openIdConnectUrl, or not an http(s) URL".into(),
                "oauth2" => "no flow with the URLs it needs".into(),
                other => format!("{other} authentication: Waybill gets OAuth 2.0 tokens"),
            };
            skipped.push(Skipped {
                item: format!("security scheme {name}"),
                reason,
            });
        }
        chosen
    }

    fn oauth_profile(
        &self,
        name: &str,
        scheme: &Value,
        server: Option<&str>,
        required: &[(&String, Vec<String>)],
        skipped: &mut Vec<Skipped>,
    ) -> Option<NewProfile> {
        let flows: Vec<(Grant, &Value)> = match self.v2 {
            true => {
                let grant = match scheme.get("flow").and_then(Value::as_str)? {
                    "application" => Grant::ClientCredentials,
                    "accessCode" => Grant::AuthorizationCode,
                    "implicit" => Grant::Implicit,
                    "password" => Grant::Password,
                    _ => return None,
                };
                vec![(grant, scheme)]
            }
            false => {
                let flows = scheme.get("flows")?;
                [
                    ("clientCredentials", Grant::ClientCredentials),
                    ("authorizationCode", Grant::AuthorizationCode),
                    ("implicit", Grant::Implicit),
                    ("password", Grant::Password),
                ]
                .into_iter()
                .filter_map(|(key, grant)| Some((grant, flows.get(key)?)))
                .collect()
            }
        };
        let (grant, flow) = flows.first().copied()?;
        for (other, _) in flows.iter().skip(1) {
            skipped.push(Skipped {
                item: format!("{name}: the {other} flow"),
                reason: format!("the profile uses the {grant} flow"),
            });
        }
        let url = |key: &str| {
            let raw = flow.get(key).and_then(Value::as_str)?;
            let joined = match (url::Url::parse(raw), server) {
                (Ok(u), _) => Some(u),
                (Err(_), Some(base)) => url::Url::parse(&format!("{base}/"))
                    .ok()
                    .and_then(|b| b.join(raw).ok()),
                (Err(_), None) => None,
            };
            joined.map(|u| u.to_string())
        };
        let token_url = url("tokenUrl");
        let authorize_url = url("authorizationUrl");
        if (grant != Grant::Implicit && token_url.is_none())
            || (grant.is_browser() && authorize_url.is_none())
        {
            return None;
        }
        let method = scheme
            .get("x-tokenEndpointAuthMethod")
            .or_else(|| flow.get("x-tokenEndpointAuthMethod"))
            .and_then(Value::as_str);
        let client_auth = match method {
            Some("client_secret_basic") => Some(ClientAuth::Basic),
            Some("client_secret_post") => Some(ClientAuth::Form),
            Some("client_secret_jwt") => Some(ClientAuth::ClientSecretJwt),
            Some("private_key_jwt") => Some(ClientAuth::PrivateKeyJwt),
            Some("tls_client_auth") => Some(ClientAuth::TlsClientAuth),
            Some("self_signed_tls_client_auth") => Some(ClientAuth::SelfSignedTlsClientAuth),
            _ => None,
        };
        let declared: Vec<String> = flow
            .get("scopes")
            .and_then(Value::as_object)
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        let asked = required
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        // The spec's own requirement, else every scope when they are few.
        let scope = match (asked.is_empty(), declared.len()) {
            (false, _) => Some(asked.join(" ")),
            (true, 1..=5) => Some(declared.join(" ")),
            (true, 0) => None,
            (true, n) => {
                skipped.push(Skipped {
                    item: format!("{name}: {n} scopes"),
                    reason: "too many to ask for all: give the ones you need with --scope".into(),
                });
                None
            }
        };
        Some(NewProfile {
            grant: Some(grant),
            token_url,
            authorize_url,
            client_id: Some(String::new()),
            client_auth,
            scope,
            api_base: server.map(str::to_string),
            // A password profile needs a user: one to fill in.
            username: (grant == Grant::Password).then(String::new),
            ..NewProfile::default()
        })
    }

    /// Every operation as a saved request, and the variables they use.
    fn operations(&self, skipped: &mut Vec<Skipped>) -> (Vec<SavedRequest>, Vec<(String, String)>) {
        let (mut requests, mut variables) = (Vec::new(), Vec::<(String, String)>::new());
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return (requests, variables);
        };
        for (path, item) in paths {
            let item = match self.resolve(item) {
                Ok(item) => item,
                Err(reason) => {
                    skipped.push(Skipped {
                        item: format!("path {path}"),
                        reason,
                    });
                    continue;
                }
            };
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let label = format!("{} {path}", method.to_ascii_uppercase());
                if requests.len() >= MAX_OPERATIONS {
                    skipped.push(Skipped {
                        item: label,
                        reason: format!("more than {MAX_OPERATIONS} operations"),
                    });
                    continue;
                }
                match self.operation(path, method, item, op, &mut variables) {
                    Ok(saved) => requests.push(saved),
                    Err(reason) => skipped.push(Skipped {
                        item: label,
                        reason,
                    }),
                }
            }
        }
        dedupe_names(&mut requests);
        (requests, variables)
    }

    fn operation(
        &self,
        path: &str,
        method: &str,
        item: &Value,
        op: &Value,
        variables: &mut Vec<(String, String)>,
    ) -> Result<SavedRequest, String> {
        let mut params: Vec<&Value> = Vec::new();
        for list in [item.get("parameters"), op.get("parameters")] {
            for param in list.and_then(Value::as_array).into_iter().flatten() {
                let param = self.resolve(param)?;
                let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
                params.retain(|p| key(p) != key(param));
                params.push(param);
            }
        }
        let mut url = path.to_string();
        let (mut query, mut headers, mut form) = (Vec::new(), Vec::new(), Vec::new());
        let mut body = DraftBody::None;
        let mut declared = Vec::new();
        for param in &params {
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let place = param.get("in").and_then(Value::as_str).unwrap_or_default();
            let required = param.get("required").and_then(Value::as_bool) == Some(true);
            let value = self
                .param_value(param)
                .unwrap_or_else(|| format!("{{{{{name}}}}}"));
            if matches!(place, "path" | "query" | "header")
                && !name.eq_ignore_ascii_case("authorization")
                && declared.len() < MAX_PARAMS
            {
                declared.push(self.declared(param, name, place, required));
            }
            match place {
                "path" => {
                    url = url.replace(&format!("{{{name}}}"), &format!("{{{{{name}}}}}"));
                    let given = self.param_value(param).unwrap_or_default();
                    if !variables.iter().any(|(n, _)| n == name) {
                        variables.push((name.to_string(), given));
                    }
                }
                "query" if required => query.push((name.to_string(), value)),
                "header" if required && !name.eq_ignore_ascii_case("authorization") => {
                    headers.push((name.to_string(), value))
                }
                "body" => {
                    let schema = param.get("schema").unwrap_or(&Value::Null);
                    body = DraftBody::Json(pretty(&self.example(schema)));
                }
                "formData" => form.push((name.to_string(), value)),
                _ => {}
            }
        }
        if !form.is_empty() {
            body = DraftBody::Form(form);
        }
        if let Some(request_body) = op.get("requestBody") {
            body = self.request_body(self.resolve(request_body)?, &mut headers);
        }
        let name = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("{} {path}", method.to_ascii_uppercase()));
        let folder = op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|tags| tags.first())
            .and_then(Value::as_str)
            .map(|tag| tag.replace('/', "-").trim().to_string())
            .filter(|tag| !tag.is_empty());
        Ok(SavedRequest {
            folder,
            name: clip(&name, 200),
            request: RequestDraft {
                method: method.to_ascii_uppercase(),
                url,
                query,
                headers,
                body,
            },
            params: declared,
        })
    }

    /// A parameter as the window's form shows it.
    fn declared(&self, param: &Value, name: &str, place: &str, required: bool) -> Param {
        let schema = param
            .get("schema")
            .and_then(|s| self.resolve(s).ok())
            .unwrap_or(param);
        let choices = schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(100)
            .filter_map(|v| match v {
                Value::String(s) => Some(clip(s, 200)),
                Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
                _ => None,
            })
            .collect();
        Param {
            name: clip(name, 200),
            place: place.to_string(),
            required: required || place == "path",
            description: param
                .get("description")
                .and_then(Value::as_str)
                .map(|d| clip(d.trim(), 500))
                .filter(|d| !d.is_empty()),
            default: self.param_value(param).map(|v| clip(&v, 500)),
            choices,
        }
    }

    /// A parameter's value from the spec: its example, default or first enum value.
    fn param_value(&self, param: &Value) -> Option<String> {
        let schema = param
            .get("schema")
            .and_then(|s| self.resolve(s).ok())
            .unwrap_or(param);
        [
            param.get("example"),
            schema.get("example"),
            schema.get("default"),
        ]
        .into_iter()
        .flatten()
        .chain(
            schema
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|e| e.first()),
        )
        .find_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null | Value::Object(_) | Value::Array(_) => None,
            other => Some(other.to_string()),
        })
    }

    /// OpenAPI 3's request body: JSON (built from its example or schema), a form, or raw text.
    fn request_body(&self, body: &Value, headers: &mut Vec<(String, String)>) -> DraftBody {
        let Some(content) = body.get("content").and_then(Value::as_object) else {
            return DraftBody::None;
        };
        let json = content
            .iter()
            .find(|(t, _)| *t == "application/json" || t.ends_with("+json"));
        if let Some((media, content)) = json {
            if media != "application/json" {
                headers.push(("Content-Type".into(), media.clone()));
            }
            return DraftBody::Json(pretty(&self.media_example(content)));
        }
        if let Some(content) = content.get("application/x-www-form-urlencoded") {
            let example = self.media_example(content);
            let rows = example
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            return DraftBody::Form(rows);
        }
        match content.iter().next() {
            Some((media, content)) => {
                headers.push(("Content-Type".into(), media.clone()));
                let example = self.media_example(content);
                DraftBody::Raw(example.as_str().map(str::to_string).unwrap_or_default())
            }
            None => DraftBody::None,
        }
    }

    /// A media type's example: its own, its first named one, or one built from its schema.
    fn media_example(&self, content: &Value) -> Value {
        if let Some(example) = content.get("example") {
            return example.clone();
        }
        let named = content
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .and_then(|e| self.resolve(e).ok())
            .and_then(|e| e.get("value"));
        if let Some(value) = named {
            return value.clone();
        }
        self.example(content.get("schema").unwrap_or(&Value::Null))
    }

    /// An example value for `schema`: its own example, default or first enum value, else one
    /// made from its type and properties. Bounded: cycles end, depth and size are capped.
    fn example(&self, schema: &Value) -> Value {
        let mut budget = MAX_EXAMPLE_NODES;
        self.example_at(schema, 0, &mut Vec::new(), &mut budget)
    }

    fn example_at(
        &self,
        schema: &'a Value,
        depth: usize,
        seen: &mut Vec<&'a str>,
        budget: &mut usize,
    ) -> Value {
        if depth > MAX_EXAMPLE_DEPTH || *budget == 0 {
            return Value::Null;
        }
        *budget -= 1;
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if seen.contains(&reference) {
                return Value::Null;
            }
            let Ok(target) = self.resolve(schema) else {
                return Value::Null;
            };
            seen.push(reference);
            let value = self.example_at(target, depth, seen, budget);
            seen.pop();
            return value;
        }
        for key in ["example", "default", "const"] {
            if let Some(value) = schema.get(key) {
                return value.clone();
            }
        }
        let first = |key: &str| {
            schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
        };
        if let Some(value) = first("examples").or_else(|| first("enum")) {
            return value.clone();
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in all {
                if let Value::Object(o) = self.example_at(part, depth + 1, seen, budget) {
                    merged.extend(o);
                }
            }
            return Value::Object(merged);
        }
        if let Some(choice) = first("oneOf").or_else(|| first("anyOf")) {
            return self.example_at(choice, depth + 1, seen, budget);
        }
        let kind = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ if schema.get("properties").is_some() => "object",
            _ => "",
        };
        match kind {
            "object" => {
                let mut object = Map::new();
                for (name, property) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .take(100)
                {
                    object.insert(
                        name.clone(),
                        self.example_at(property, depth + 1, seen, budget),
                    );
                }
                Value::Object(object)
            }
            "array" => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                match self.example_at(items, depth + 1, seen, budget) {
                    Value::Null => json!([]),
                    item => json!([item]),
                }
            }
            "string" => json!(match schema.get("format").and_then(Value::as_str) {
                Some("date") => "2026-01-01",
                Some("date-time") => "2026-01-01T00:00:00Z",
                Some("email") => "user@example.com",
                Some("uuid") => "00000000-0000-0000-0000-000000000000",
                Some("uri" | "url") => "https://example.com",
                _ => "string",
            }),
            "integer" | "number" => json!(0),
            "boolean" => json!(false),
            _ => Value::Null,
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
