//! Postman collections (v2.0 and v2.1) and environments -> a `Collection`.
//!
//! v2.1 writes auth settings as `[{key, value}]` lists, v2.0 as objects; URLs are strings or
//! `{raw, host, path, query, variable}` objects; headers are lists or (v2.0) one text block.
//! Both are read the same way.

use serde_json::Value;

use super::collection::{grant_named, Auth, Collection, CollectionRequest, OAuth2, Variable};
use super::{scalar_text as text, ImportError, Skipped, SkippedKind};
use crate::profile::ClientAuth;
use crate::request::DraftBody;

const MAX_DEPTH: usize = 32;
const MAX_REQUESTS: usize = 5000;

/// Is this a Postman collection (`info.schema` on getpostman.com)?
pub fn is_collection(doc: &Value) -> bool {
    schema(doc).contains("getpostman.com") && schema(doc).contains("collection")
}

/// Is this a Postman environment export?
pub fn is_environment(doc: &Value) -> bool {
    doc.get("_postman_variable_scope").is_some()
        || (doc.get("values").is_some_and(Value::is_array) && doc.get("item").is_none())
}

fn schema(doc: &Value) -> &str {
    doc.pointer("/info/schema")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Read a collection, with the variables of an environment file (`environment`) first.
pub fn read(doc: &Value, environment: Option<&Value>) -> Result<Collection, ImportError> {
    let version = match schema(doc) {
        s if s.contains("v2.1") => "v2.1",
        s if s.contains("v2.0") => "v2.0",
        s => {
            return Err(ImportError::Invalid(format!(
                "the Postman collection schema {s:?} is not v2.0 or v2.1 (export it again as v2.1)"
            )))
        }
    };
    let items = doc
        .get("item")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::Invalid("the Postman collection has no `item` list".into()))?;
    let title = doc
        .pointer("/info/name")
        .and_then(Value::as_str)
        .unwrap_or("Postman collection")
        .trim()
        .to_string();
    let mut variables = Vec::new();
    let mut environment_name = None;
    if let Some(env) = environment {
        if !is_environment(env) {
            return Err(ImportError::Invalid(
                "the --environment file is not a Postman environment export".into(),
            ));
        }
        environment_name = env.get("name").and_then(Value::as_str);
        variables.extend(environment_variables(env));
    }
    variables.extend(list_variables(doc.get("variable")));
    let auth = auth(doc.get("auth")).unwrap_or_default();
    let mut reader = Reader::default();
    reader.items(items, &[], &auth, 0);
    Ok(Collection {
        format: match environment_name {
            Some(env) => format!("Postman collection {version} (JSON), environment {env:?}"),
            None => format!("Postman collection {version} (JSON)"),
        },
        title,
        auth,
        requests: reader.requests,
        variables,
        skipped: reader.skipped,
    })
}

/// The variables of a Postman environment export (enabled ones; `type: secret` marked).
pub fn environment_variables(env: &Value) -> Vec<Variable> {
    list_variables(env.get("values"))
}

fn list_variables(list: Option<&Value>) -> Vec<Variable> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("enabled").and_then(Value::as_bool) != Some(false))
        .filter(|v| v.get("disabled").and_then(Value::as_bool) != Some(true))
        .filter_map(|v| {
            let name = text(v.get("key"))?;
            let secret = v.get("type").and_then(Value::as_str) == Some("secret");
            Some(Variable::new(
                &name,
                &text(v.get("value")).unwrap_or_default(),
                secret,
            ))
        })
        .collect()
}

#[derive(Default)]
struct Reader {
    requests: Vec<CollectionRequest>,
    skipped: Vec<Skipped>,
}

impl Reader {
    fn items(&mut self, items: &[Value], folders: &[String], inherited: &Auth, depth: usize) {
        for item in items {
            let name = text(item.get("name")).unwrap_or_default();
            if depth >= MAX_DEPTH {
                let reason = format!("folders nested deeper than {MAX_DEPTH}");
                self.skipped
                    .push(Skipped::new(SkippedKind::Folder, name, reason));
                continue;
            }
            // An item's own auth, else its folder's ("inherit" or none given).
            let own = auth(item.get("auth").or_else(|| item.pointer("/request/auth")));
            let auth = own.unwrap_or_else(|| inherited.clone());
            if let Some(children) = item.get("item").and_then(Value::as_array) {
                let mut path = folders.to_vec();
                path.push(name);
                self.items(children, &path, &auth, depth + 1);
                continue;
            }
            let Some(request) = item.get("request") else {
                continue;
            };
            if self.requests.len() >= MAX_REQUESTS {
                let reason = format!("more than {MAX_REQUESTS} requests");
                self.skipped
                    .push(Skipped::new(SkippedKind::Request, name, reason));
                continue;
            }
            let read = self.request(request, &name, folders, auth);
            self.requests.push(read);
        }
    }

    fn request(
        &mut self,
        request: &Value,
        name: &str,
        folders: &[String],
        auth: Auth,
    ) -> CollectionRequest {
        let label = {
            let mut path = folders.to_vec();
            path.push(name.to_string());
            path.join("/")
        };
        // v2.0 allows a request to be just its URL.
        let (method, url, headers, body) = match request {
            Value::String(url) => ("GET".to_string(), url.clone(), Vec::new(), DraftBody::None),
            _ => (
                text(request.get("method")).unwrap_or_else(|| "GET".into()),
                url(request.get("url")),
                headers(request.get("header")),
                self.body(request.get("body"), &label),
            ),
        };
        CollectionRequest {
            folders: folders.to_vec(),
            name: name.to_string(),
            method: method.to_ascii_uppercase(),
            url,
            query: Vec::new(),
            headers,
            body,
            auth,
        }
    }

    fn body(&mut self, body: Option<&Value>, label: &str) -> DraftBody {
        let Some(body) = body.filter(|b| b.is_object()) else {
            return DraftBody::None;
        };
        if body.get("disabled").and_then(Value::as_bool) == Some(true) {
            return DraftBody::None;
        }
        let mode = body.get("mode").and_then(Value::as_str).unwrap_or("raw");
        let mut skip = |reason: String| {
            self.skipped
                .push(Skipped::new(SkippedKind::Body, label, reason))
        };
        match mode {
            "raw" => {
                let raw = text(body.get("raw")).unwrap_or_default();
                let language = body
                    .pointer("/options/raw/language")
                    .and_then(Value::as_str);
                // JSON when marked so, or when it parses (a `<placeholder>` in it keeps it raw).
                let parses = serde_json::from_str::<Value>(&raw).is_ok_and(|v| !v.is_string());
                match (raw.trim().is_empty(), language) {
                    (true, _) => DraftBody::None,
                    (false, Some("json")) => DraftBody::Json(raw),
                    (false, _) if parses => DraftBody::Json(raw),
                    (false, _) => DraftBody::Raw(raw),
                }
            }
            "urlencoded" | "formdata" => {
                let mut rows = Vec::new();
                for row in body
                    .get(mode)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if row.get("disabled").and_then(Value::as_bool) == Some(true) {
                        continue;
                    }
                    let Some(key) = text(row.get("key")) else {
                        continue;
                    };
                    if row.get("type").and_then(Value::as_str) == Some("file") {
                        skip(format!(
                            "the file field {key:?} of its form is not carried over"
                        ));
                        continue;
                    }
                    rows.push((key, text(row.get("value")).unwrap_or_default()));
                }
                if mode == "formdata" && !rows.is_empty() {
                    skip("its multipart form is sent URL-encoded".into());
                }
                DraftBody::Form(rows)
            }
            "graphql" => {
                let query = text(body.pointer("/graphql/query")).unwrap_or_default();
                let variables = body
                    .pointer("/graphql/variables")
                    .and_then(Value::as_str)
                    .and_then(|v| serde_json::from_str::<Value>(v).ok())
                    .unwrap_or(Value::Null);
                let json = serde_json::json!({"query": query, "variables": variables});
                DraftBody::Json(serde_json::to_string_pretty(&json).unwrap_or_default())
            }
            other => {
                skip(format!("its {other} body is not carried over"));
                DraftBody::None
            }
        }
    }
}

/// A URL as text: the `raw` form, else rebuilt from its parts; `:name` path variables become
/// `{{name}}`.
fn url(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    let (mut url, variables) = match value {
        Value::String(s) => (s.clone(), Vec::new()),
        Value::Object(_) => {
            let raw = text(value.get("raw")).unwrap_or_else(|| rebuilt(value));
            let variables: Vec<String> = value
                .get("variable")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| text(v.get("key")))
                .collect();
            (raw, variables)
        }
        _ => return String::new(),
    };
    for name in variables {
        if name.is_empty() {
            continue;
        }
        for end in ["/", "?", "#", ""] {
            let pattern = format!("/:{name}{end}");
            let wanted = format!("/{{{{{name}}}}}{end}");
            if end.is_empty() {
                if url.ends_with(&pattern) {
                    let cut = url.len() - pattern.len();
                    url = format!("{}{wanted}", &url[..cut]);
                }
            } else {
                url = url.replace(&pattern, &wanted);
            }
        }
    }
    url.trim().to_string()
}

fn rebuilt(value: &Value) -> String {
    let join = |key: &str, sep: &str| match value.get(key) {
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| text(Some(p)).or_else(|| text(p.get("value"))))
            .collect::<Vec<_>>()
            .join(sep),
        other => text(other).unwrap_or_default(),
    };
    let protocol = text(value.get("protocol"))
        .map(|p| format!("{p}://"))
        .unwrap_or_default();
    let mut url = format!("{protocol}{}", join("host", "."));
    let path = join("path", "/");
    if !path.is_empty() {
        url = format!("{url}/{}", path.trim_start_matches('/'));
    }
    let query: Vec<String> = value
        .get("query")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|q| q.get("disabled").and_then(Value::as_bool) != Some(true))
        .filter_map(|q| {
            let key = text(q.get("key"))?;
            Some(match text(q.get("value")) {
                Some(v) => format!("{key}={v}"),
                None => key,
            })
        })
        .collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    url
}

/// Enabled headers, from a list or (v2.0) a `Name: value` text block.
fn headers(value: Option<&Value>) -> Vec<(String, String)> {
    match value {
        Some(Value::String(block)) => block
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .filter(|(n, _)| !n.is_empty())
            .collect(),
        Some(Value::Array(rows)) => rows
            .iter()
            .filter(|h| h.get("disabled").and_then(Value::as_bool) != Some(true))
            .filter_map(|h| {
                Some((
                    text(h.get("key"))?,
                    text(h.get("value")).unwrap_or_default(),
                ))
            })
            .filter(|(n, _)| !n.trim().is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// An auth object; `None` when absent or `inherit` (the folder's applies).
fn auth(value: Option<&Value>) -> Option<Auth> {
    let value = value.filter(|v| v.is_object())?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("noauth");
    let settings = |key: &str| Settings(value.get(key));
    Some(match kind {
        "inherit" => return None,
        "noauth" => Auth::None,
        "bearer" => Auth::Bearer(settings("bearer").get("token")),
        "basic" => Auth::Basic {
            username: settings("basic").get("username"),
            password: settings("basic").get("password"),
        },
        "oauth2" => Auth::OAuth2(Box::new(oauth2(&settings("oauth2")))),
        other => Auth::Other(other.to_string()),
    })
}

/// Auth settings: a `[{key, value}]` list (v2.1) or an object (v2.0).
struct Settings<'a>(Option<&'a Value>);

impl Settings<'_> {
    fn get(&self, key: &str) -> String {
        text(self.raw(key)).unwrap_or_default()
    }

    fn raw(&self, key: &str) -> Option<&Value> {
        match self.0? {
            Value::Array(rows) => rows
                .iter()
                .find(|r| r.get("key").and_then(Value::as_str) == Some(key))
                .and_then(|r| r.get("value")),
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }
}

fn oauth2(settings: &Settings) -> OAuth2 {
    let grant_type = settings.get("grant_type");
    // Postman's default grant, when the setting was never touched.
    let grant = match grant_type.as_str() {
        "" => grant_named("authorization_code"),
        name => grant_named(name),
    };
    let params = settings
        .raw("tokenRequestParams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("enabled").and_then(Value::as_bool) != Some(false))
        .filter(|p| {
            p.get("send_as")
                .and_then(Value::as_str)
                .unwrap_or("request_body")
                == "request_body"
        })
        .filter_map(|p| {
            Some((
                text(p.get("key"))?,
                text(p.get("value")).unwrap_or_default(),
            ))
        })
        .collect();
    OAuth2 {
        grant,
        token_url: settings.get("accessTokenUrl"),
        authorize_url: settings.get("authUrl"),
        client_id: settings.get("clientId"),
        client_secret: settings.get("clientSecret"),
        client_auth: match settings.get("client_authentication").as_str() {
            "body" => Some(ClientAuth::Form),
            // Postman's default: a Basic header.
            _ => Some(ClientAuth::Basic),
        },
        scope: settings.get("scope"),
        username: settings.get("username"),
        password: settings.get("password"),
        refresh_token: settings.get("refreshToken"),
        redirect_uri: settings.get("redirect_uri"),
        params,
    }
}
