//! Insomnia exports (v4, `__export_format: 4`, JSON or YAML) -> a `Collection`.
//!
//! An export is a flat `resources` list tied into a tree by `parentId`: a workspace, folders
//! (`request_group`), requests and environments. The file is untrusted: loops, absurd depth and
//! wrong types give notes in `skipped`, never a panic.
//!
//! Here the tree is walked (`Reader`); `requests`: requests with their headers and bodies;
//! `auth`: each request's auth, inherited from the folders above; `variables`: environments;
//! `values`: values as Insomnia writes them (templates, rows, flags).

mod auth;
mod requests;
mod values;
mod variables;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use self::values::{name_of, str_at, text};
use super::collection::{Auth, Collection};
use super::{ImportError, Skipped, SkippedKind};

/// Folders above a request beyond which the file is taken as crafted, not exported.
const MAX_DEPTH: usize = 32;
/// Requests read from one file; the rest are counted in `skipped`.
const MAX_REQUESTS: usize = 5000;
/// Why a value with Nunjucks beyond `{{ name }}` is kept as written.
const TEMPLATE_REASON: &str =
    "uses Insomnia template tags or filters ({% %}, |), kept as written: Waybill fills only {{name}}";

type Object = Map<String, Value>;

/// Read an Insomnia v4 export (`syntax`: `JSON` or `YAML`).
pub fn read(doc: &Value, syntax: &str) -> Result<Collection, ImportError> {
    let resources = doc
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ImportError::Invalid(
                "this Insomnia export has no `resources` list, where its requests, folders and \
                 environments would be"
                    .into(),
            )
        })?;
    let mut reader = Reader::new(resources);
    let requests = reader.requests();
    let auth = reader.collection_auth();
    let variables = reader.variables();
    reader.note_others();
    let version = doc
        .get("__export_format")
        .and_then(Value::as_u64)
        .unwrap_or(4);
    Ok(Collection {
        format: format!("Insomnia export v{version} ({syntax})"),
        title: reader.title(),
        auth,
        requests,
        variables,
        skipped: reader.skipped,
    })
}

struct Reader<'a> {
    /// `resources` by position; `None` for an item that is not an object.
    items: Vec<Option<&'a Object>>,
    /// `_id` -> position (the first of a repeated id wins).
    by_id: HashMap<&'a str, usize>,
    /// Each resource's own auth once read, so a folder's notes come once however many requests
    /// inherit it: `None` when it defers to the folder above; `true` when it uses template tags.
    own_auth: HashMap<usize, Option<(Auth, bool)>>,
    skipped: Vec<Skipped>,
}

impl<'a> Reader<'a> {
    fn new(resources: &'a [Value]) -> Self {
        let items: Vec<Option<&Object>> = resources.iter().map(Value::as_object).collect();
        let mut by_id = HashMap::new();
        for (idx, item) in items.iter().enumerate() {
            if let Some(id) = item.and_then(|o| o.get("_id")).and_then(Value::as_str) {
                by_id.entry(id).or_insert(idx);
            }
        }
        Reader {
            items,
            by_id,
            own_auth: HashMap::new(),
            skipped: Vec::new(),
        }
    }

    fn item(&self, idx: usize) -> Option<&'a Object> {
        self.items.get(idx).copied().flatten()
    }

    fn kind(&self, idx: usize) -> &'a str {
        self.item(idx).map_or("", |o| str_at(o, "_type"))
    }

    fn parent(&self, idx: usize) -> Option<usize> {
        let id = self.item(idx)?.get("parentId")?.as_str()?;
        self.by_id.get(id).copied()
    }

    fn of_kind(&self, kind: &str) -> Vec<usize> {
        (0..self.items.len())
            .filter(|&i| self.kind(i) == kind)
            .collect()
    }

    fn title(&self) -> String {
        self.of_kind("workspace")
            .into_iter()
            .filter_map(|i| self.item(i))
            .map(|w| text(w.get("name")).trim().to_string())
            .find(|name| !name.is_empty())
            .unwrap_or_else(|| "Insomnia export".into())
    }

    /// The resources above `idx`, nearest first; an error when the `parentId`s loop or go
    /// deeper than `MAX_DEPTH` folders, so a crafted file cannot make the walk endless.
    fn ancestors(&self, idx: usize) -> Result<Vec<usize>, String> {
        let mut chain = Vec::new();
        let mut at = idx;
        while let Some(parent) = self.parent(at) {
            if parent == idx || chain.contains(&parent) {
                return Err("its parentId chain loops back on itself".into());
            }
            // The workspace sits above the top folder.
            if chain.len() > MAX_DEPTH {
                return Err(format!("more than {MAX_DEPTH} folders deep"));
            }
            chain.push(parent);
            at = parent;
        }
        Ok(chain)
    }

    /// Resources other than workspaces, folders, requests and environments, summed per kind.
    fn note_others(&mut self) {
        let mut counts: BTreeMap<&str, (usize, String)> = BTreeMap::new();
        let mut not_objects = 0;
        for item in &self.items {
            let Some(item) = item else {
                not_objects += 1;
                continue;
            };
            let kind = str_at(item, "_type");
            if !matches!(
                kind,
                "workspace" | "request_group" | "request" | "environment"
            ) {
                let entry = counts.entry(kind).or_insert((0, name_of(item, "")));
                entry.0 += 1;
            }
        }
        for (kind, (count, first)) in counts {
            let (label, reason) = described(kind);
            let item = match count {
                1 if kind.ends_with("_request") => format!("{label} {first}"),
                1 => label,
                n => format!("{n} × {label}"),
            };
            self.skipped
                .push(Skipped::new(SkippedKind::Resource, item, reason));
        }
        if not_objects > 0 {
            let item = format!("{not_objects} × `resources` item");
            self.skipped
                .push(Skipped::new(SkippedKind::Resource, item, "not an object"));
        }
    }
}

/// A kind Waybill does not import, in words, and why.
fn described(kind: &str) -> (String, &'static str) {
    const NOT_HTTP: &str = "Waybill sends HTTP requests only";
    const TESTS: &str = "Insomnia tests are scripts Waybill does not run";
    let (label, reason) = match kind {
        "grpc_request" => ("gRPC request", NOT_HTTP),
        "websocket_request" => ("WebSocket request", NOT_HTTP),
        "cookie_jar" => ("cookie jar", "cookies are not imported"),
        "api_spec" => (
            "API spec",
            "the design document is not imported: import it on its own as an OpenAPI file",
        ),
        "unit_test_suite" => ("test suite", TESTS),
        "unit_test" => ("unit test", TESTS),
        "proto_file" | "proto_directory" => ("proto file", NOT_HTTP),
        "" => ("resource without a `_type`", "not something Waybill knows"),
        other => {
            let shown: String = other.chars().take(40).collect();
            let reason = match other.ends_with("_request") {
                true => NOT_HTTP,
                false => "not something Waybill imports",
            };
            return (format!("`{shown}` resource"), reason);
        }
    };
    (label.into(), reason)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::import::collection::{CollectionRequest, OAuth2, Variable};
    use crate::profile::{ClientAuth, Grant};
    use crate::request::DraftBody;
    use values::template;

    fn fixture(name: &str) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/import/insomnia-kong")
            .join(name);
        super::super::read_document(&path).unwrap().0
    }

    fn request<'c>(c: &'c Collection, name: &str) -> &'c CollectionRequest {
        c.requests.iter().find(|r| r.name == name).unwrap()
    }

    fn oauth(auth: &Auth) -> &OAuth2 {
        match auth {
            Auth::OAuth2(o) => o,
            other => panic!("not OAuth 2.0: {other:?}"),
        }
    }

    fn value<'c>(c: &'c Collection, name: &str) -> &'c Variable {
        c.variables.iter().find(|v| v.name == name).unwrap()
    }

    fn noted(c: &Collection, item: &str) -> bool {
        c.skipped.iter().any(|s| s.item.contains(item))
    }

    #[test]
    fn oauth_yaml_maps_every_grant_and_folder_auth() {
        let (doc, syntax) = {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/import/insomnia-kong/oauth.yaml");
            super::super::read_document(&path).unwrap()
        };
        let c = read(&doc, syntax).unwrap();
        assert_eq!(c.format, "Insomnia export v4 (YAML)");
        assert_eq!(c.title, "OAuth Testing");
        let names: Vec<&str> = c.requests.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Request with Inherited Auth",
                "No PKCE",
                "PKCE SHA256",
                "PKCE Plain",
                "ID Token",
                "ID and Access Token",
                "Client Credentials",
                "Resource Owner Password Credentials",
            ]
        );
        let grants = [
            ("No PKCE", Grant::AuthorizationCode, "authorization_code"),
            (
                "PKCE SHA256",
                Grant::AuthorizationCode,
                "authorization_code_pkce",
            ),
            ("ID Token", Grant::Implicit, "implicit"),
            (
                "Client Credentials",
                Grant::ClientCredentials,
                "client_credentials",
            ),
            (
                "Resource Owner Password Credentials",
                Grant::Password,
                "resource_owner",
            ),
        ];
        for (name, grant, client_id) in grants {
            let o = oauth(&request(&c, name).auth);
            assert_eq!(o.grant, Some(grant), "{name}");
            assert_eq!(o.client_id, client_id);
            assert_eq!(o.token_url, "http://127.0.0.1:4010/oidc/token");
            assert_eq!(o.authorize_url, "http://127.0.0.1:4010/oidc/auth");
            assert_eq!(o.redirect_uri, "http://127.0.0.1:4010/callback");
            assert_eq!(o.client_secret, "secret");
        }
        let ropc = oauth(&request(&c, "Resource Owner Password Credentials").auth);
        assert_eq!(
            (ropc.username.as_str(), ropc.password.as_str()),
            ("foo", "bar")
        );
        assert_eq!(ropc.scope, "openid");
        // `credentialsInBody: "false"` (a string) means a Basic header; PKCE SHA256 has none.
        assert_eq!(
            oauth(&request(&c, "No PKCE").auth).client_auth,
            Some(ClientAuth::Basic)
        );
        assert_eq!(oauth(&request(&c, "PKCE SHA256").auth).client_auth, None);

        let inherited = request(&c, "Request with Inherited Auth");
        assert_eq!(
            inherited.folders,
            ["Folder Level Auth Code", "Inherit Auth Folder"]
        );
        let o = oauth(&inherited.auth);
        assert_eq!(o.grant, Some(Grant::AuthorizationCode));
        assert_eq!(o.client_id, "authorization_code");
        assert_eq!(o.scope, "openid offline_access");
        assert_eq!(
            inherited.headers,
            [("User-Agent".into(), "insomnia/9.2.0".into())]
        );
        assert_eq!(c.auth, inherited.auth, "the top-level folder's auth");
        assert_eq!(request(&c, "ID Token").folders, ["Implicit"]);
        assert!(request(&c, "Client Credentials").folders.is_empty());

        assert!(c.variables.is_empty());
        assert!(noted(&c, "cookie jar") && noted(&c, "API spec"));
        assert_eq!(c.skipped.len(), 2, "{:?}", c.skipped);
    }

    #[test]
    fn insomnia_v4_json_reads_requests_and_environments() {
        let c = read(&fixture("insomnia_v4.json"), "JSON").unwrap();
        assert_eq!(c.format, "Insomnia export v4 (JSON)");
        assert_eq!(c.title, "Swagger Petstore 1.0.0");
        assert_eq!(c.requests.len(), 13);
        assert_eq!(request(&c, "Example 2").folders, ["Example Folder"]);
        assert_eq!(c.auth, Auth::None);
        assert!(c.requests.iter().all(|r| r.auth == Auth::None));

        let order = request(&c, "Find purchase order by ID");
        assert_eq!(order.url, "{{base_url}}/store/order/{{orderId}}");
        let inventory = request(&c, "Returns pet inventories by status");
        assert_eq!(inventory.headers, [("api_key".into(), "{{apiKey}}".into())]);
        let login = request(&c, "Logs user into the system");
        assert_eq!(
            login.query,
            [
                ("username".into(), "string".into()),
                ("password".into(), "string".into())
            ]
        );
        let add = request(&c, "Add a new pet to the store");
        assert_eq!(add.method, "POST");
        assert!(matches!(&add.body, DraftBody::Json(t) if t.contains("\"doggie\"")));
        assert_eq!(
            request(&c, "Place an order for a pet").body,
            DraftBody::None
        );

        assert_eq!(
            c.variables[0].name, "base_url",
            "the base environment first"
        );
        assert_eq!(c.variables[0].value, "{{scheme}}://{{host}}{{base_path}}");
        assert_eq!(value(&c, "scheme").value, "http");
        assert_eq!(value(&c, "host").value, "petstore.swagger.io");
        assert_eq!(value(&c, "base_path").value, "/v2");
        assert!(value(&c, "apiKey").secret, "named like a secret");
        assert!(!value(&c, "host").secret);

        for item in ["cookie jar", "API spec", "test suite", "2 × unit test"] {
            assert!(noted(&c, item), "{item}: {:?}", c.skipped);
        }
        assert!(!c.skipped.iter().any(|s| s.reason == TEMPLATE_REASON));
    }

    fn rich() -> Value {
        json!({"_type": "export", "__export_format": 4, "resources": [
            {"_id": "wrk", "_type": "workspace", "name": "Shop", "parentId": null},
            {"_id": "env", "_type": "environment", "parentId": "wrk", "data": {
                "host": "api.example.com", "port": 8443, "debug": true,
                "nested": {"id": "abc", "deep": {"x": 1}}, "list": [1]}},
            {"_id": "prod", "_type": "environment", "parentId": "env", "isPrivate": true,
             "metaSortKey": 2, "data": {"host": "prod.example.com", "client_key": "k1"}},
            {"_id": "dev", "_type": "environment", "parentId": "env", "metaSortKey": 1,
             "data": {"dev_only": "{{ _.host }}"}},
            {"_id": "fld", "_type": "request_group", "parentId": "wrk", "name": "Orders",
             "headers": [{"name": "Accept", "value": "application/xml"},
                         {"name": "X-Team", "value": "a"}],
             "authentication": {"type": "bearer", "token": "{{ _.token }}"}},
            {"_id": "r1", "_type": "request", "parentId": "fld", "name": "Create",
             "method": "post", "url": "https://{{ _.host }}/orders",
             "parameters": [{"name": "a", "value": "1"},
                            {"name": "b", "value": "2", "disabled": true}],
             "headers": [{"name": "Accept", "value": "application/json"},
                         {"name": "X-Off", "value": "x", "disabled": true},
                         {"name": "", "value": ""}],
             "body": {"mimeType": "application/x-www-form-urlencoded", "params": [
                 {"name": "q", "value": "{{ _.nested.id }}"},
                 {"name": "off", "value": "x", "disabled": true}]},
             "authentication": {}},
            {"_id": "r2", "_type": "request", "parentId": "fld", "name": "Upload",
             "body": {"mimeType": "multipart/form-data",
                      "params": [{"name": "f", "type": "file", "fileName": "/tmp/x"}]},
             "authentication": {"type": "none"}},
            {"_id": "r3", "_type": "request", "parentId": "fld", "name": "Disabled",
             "body": {"mimeType": "text/plain", "text": "hello"},
             "authentication": {"type": "basic", "username": "u", "disabled": true}},
            {"_id": "r4", "_type": "request", "parentId": "wrk", "name": "Tagged",
             "url": "{{ host }}/{% uuid 'v4' %}",
             "headers": [{"name": "X-Up", "value": "{{ _.name | upper }}"}],
             "authentication": {"type": "digest", "username": "u"}},
            {"_id": "r5", "_type": "request", "parentId": "wrk", "name": "Custom grant",
             "authentication": {"type": "oauth2", "grantType": "urn:custom",
                                "accessTokenUrl": "https://id.example.com/token",
                                "credentialsInBody": true, "audience": "api://x",
                                "resource": ""}},
            {"_id": "r6", "_type": "request", "parentId": "wrk", "name": "Basic",
             "body": {"mimeType": "application/json", "text": ""},
             "authentication": {"type": "basic", "username": "u", "password": "{{ pw }}"}},
            {"_id": "g1", "_type": "grpc_request", "parentId": "wrk", "name": "Ping"},
            {"_id": "w1", "_type": "websocket_request", "parentId": "wrk", "name": "Feed"},
            "not an object"
        ]})
    }

    #[test]
    fn maps_bodies_headers_auth_and_inheritance() {
        let c = read(&rich(), "JSON").unwrap();
        let create = request(&c, "Create");
        assert_eq!(create.folders, ["Orders"]);
        assert_eq!(create.method, "POST");
        assert_eq!(create.url, "https://{{host}}/orders");
        assert_eq!(create.query, [("a".into(), "1".into())]);
        assert_eq!(
            create.headers,
            [
                ("X-Team".into(), "a".into()),
                ("Accept".into(), "application/json".into())
            ]
        );
        assert_eq!(
            create.body,
            DraftBody::Form(vec![("q".into(), "{{nested.id}}".into())])
        );
        assert_eq!(
            create.auth,
            Auth::Bearer("{{token}}".into()),
            "inherited from the folder"
        );
        assert_eq!(c.auth, create.auth);

        let upload = request(&c, "Upload");
        assert_eq!(
            (&upload.body, &upload.auth),
            (&DraftBody::None, &Auth::None)
        );
        assert!(noted(&c, "Orders/Upload: multipart body"));
        let disabled = request(&c, "Disabled");
        assert_eq!(disabled.body, DraftBody::Raw("hello".into()));
        assert_eq!(
            disabled.auth,
            Auth::Bearer("{{token}}".into()),
            "disabled auth inherits"
        );

        let tagged = request(&c, "Tagged");
        assert_eq!(tagged.url, "{{host}}/{% uuid 'v4' %}");
        assert_eq!(
            tagged.headers,
            [("X-Up".into(), "{{ _.name | upper }}".into())]
        );
        assert_eq!(tagged.auth, Auth::Other("digest".into()));
        let notes = c.skipped.iter().filter(|s| s.item == "Tagged").count();
        assert_eq!(notes, 1, "one note per request");

        let custom = oauth(&request(&c, "Custom grant").auth);
        assert_eq!(custom.grant, None);
        assert_eq!(custom.token_url, "https://id.example.com/token");
        assert_eq!(custom.client_auth, Some(ClientAuth::Form));
        assert_eq!(custom.params, [("audience".into(), "api://x".into())]);
        assert!(noted(&c, "the urn:custom grant"));

        let basic = request(&c, "Basic");
        assert_eq!(
            basic.auth,
            Auth::Basic {
                username: "u".into(),
                password: "{{pw}}".into()
            }
        );
        assert_eq!(basic.body, DraftBody::None);
        assert_eq!(basic.method, "GET");

        assert!(noted(&c, "gRPC request Ping") && noted(&c, "WebSocket request Feed"));
        assert!(noted(&c, "1 × `resources` item"));
    }

    #[test]
    fn environments_base_then_subs_first_name_wins() {
        let c = read(&rich(), "JSON").unwrap();
        assert_eq!(value(&c, "host").value, "api.example.com");
        assert_eq!(value(&c, "port").value, "8443");
        assert_eq!(value(&c, "debug").value, "true");
        assert_eq!(value(&c, "nested.id").value, "abc");
        assert_eq!(value(&c, "dev_only").value, "{{host}}");
        assert!(value(&c, "client_key").secret, "from a private environment");
        assert!(!value(&c, "dev_only").secret);
        let at = |name: &str| c.variables.iter().position(|v| v.name == name);
        assert!(
            at("dev_only") < at("client_key"),
            "sub-environments by metaSortKey"
        );
        assert!(noted(&c, "variable nested.deep") && noted(&c, "variable list"));
    }

    #[test]
    fn missing_resources_is_an_error() {
        for doc in [
            json!({}),
            json!({"resources": "x"}),
            json!("resources"),
            json!(null),
        ] {
            assert!(matches!(read(&doc, "JSON"), Err(ImportError::Invalid(_))));
        }
        let empty = read(&json!({"resources": []}), "YAML").unwrap();
        assert_eq!(empty.title, "Insomnia export");
        assert!(empty.requests.is_empty());
    }

    #[test]
    fn parent_loops_are_skipped() {
        let doc = json!({"resources": [
            "a string",
            {"_id": "a", "_type": "request_group", "parentId": "b", "name": "A"},
            {"_id": "b", "_type": "request_group", "parentId": "a", "name": "B",
             "authentication": {"type": "bearer", "token": "t"}},
            {"_id": "r", "_type": "request", "parentId": "a", "name": "Looped"},
            {"_id": "s", "_type": "request", "parentId": "s", "name": "Own parent"},
            {"_id": "ok", "_type": "request", "name": "Free"}
        ]});
        let c = read(&doc, "JSON").unwrap();
        assert_eq!(c.requests.len(), 1);
        assert!(noted(&c, "Looped") && noted(&c, "Own parent"));
        assert!(c.skipped.iter().any(|s| s.reason.contains("loops")));
    }

    #[test]
    fn ten_thousand_nested_folders() {
        let mut resources = vec![json!({"_id": "wrk", "_type": "workspace", "name": "W"})];
        for i in 0..10_000 {
            let parent = if i == 0 {
                "wrk".to_string()
            } else {
                format!("g{}", i - 1)
            };
            resources.push(json!({"_id": format!("g{i}"), "_type": "request_group",
                                  "parentId": parent, "name": format!("G{i}")}));
        }
        resources.push(
            json!({"_id": "deep", "_type": "request", "parentId": "g9999",
                              "name": "Deep"}),
        );
        resources.push(json!({"_id": "ok", "_type": "request", "parentId": "g31",
                              "name": "Shallow"}));
        let c = read(&json!({ "resources": resources }), "JSON").unwrap();
        assert_eq!(c.requests.len(), 1);
        assert_eq!(c.requests[0].folders.len(), 32);
        assert!(c
            .skipped
            .iter()
            .any(|s| s.item == "Deep" && s.reason.contains("32")));
    }

    #[test]
    fn requests_beyond_the_limit_are_counted() {
        let resources: Vec<Value> = (0..MAX_REQUESTS + 3)
            .map(|i| json!({"_id": format!("r{i}"), "_type": "request", "name": format!("R{i}")}))
            .collect();
        let c = read(&json!({ "resources": resources }), "JSON").unwrap();
        assert_eq!(c.requests.len(), MAX_REQUESTS);
        assert!(noted(&c, "3 requests"));
    }

    /// Every JSON pointer in `value`, the root excepted.
    fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return,
        };
        for (key, child) in children {
            let path = format!("{at}/{key}");
            out.push(path.clone());
            pointers(child, &path, out);
        }
    }

    #[test]
    fn wrong_types_anywhere_never_panic() {
        let weird = [
            json!(null),
            json!(7.5),
            json!("x"),
            json!([]),
            json!({}),
            json!(true),
            json!([{"name": 1}, "y"]),
        ];
        for doc in [rich(), fixture("oauth.yaml"), fixture("insomnia_v4.json")] {
            let mut paths = Vec::new();
            pointers(&doc, "", &mut paths);
            for path in paths {
                for w in &weird {
                    let mut changed = doc.clone();
                    if let Some(slot) = changed.pointer_mut(&path) {
                        *slot = w.clone();
                    }
                    let _ = read(&changed, "JSON");
                }
            }
        }
    }

    #[test]
    fn templates_are_normalised_or_flagged() {
        let mut odd = false;
        assert_eq!(
            template("{{ _.a.b }}-{{c}}-{{ d }}", &mut odd),
            "{{a.b}}-{{c}}-{{d}}"
        );
        assert!(!odd);
        assert_eq!(
            template("{{ a | b }} {{ open", &mut odd),
            "{{ a | b }} {{ open"
        );
        assert!(odd);
        let mut odd = false;
        assert_eq!(template("é{{ _['x'] }}ü", &mut odd), "é{{ _['x'] }}ü");
        assert!(odd);
    }
}
