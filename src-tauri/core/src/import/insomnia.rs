//! Insomnia exports (v4, `__export_format: 4`, JSON or YAML) -> a `Collection`.
//!
//! An export is a flat `resources` list tied into a tree by `parentId`: a workspace, folders
//! (`request_group`), requests and environments. The file is untrusted: loops, absurd depth and
//! wrong types give notes in `skipped`, never a panic.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::collection::{grant_named, Auth, Collection, CollectionRequest, OAuth2, Variable};
use super::{ImportError, Skipped};
use crate::profile::{ClientAuth, Grant};
use crate::request::DraftBody;

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

    /// Requests in the order Insomnia shows them: depth first, by `metaSortKey` at each level.
    fn requests(&mut self) -> Vec<CollectionRequest> {
        let all = self.of_kind("request");
        if all.len() > MAX_REQUESTS {
            self.skipped.push(Skipped {
                item: format!("{} requests", all.len() - MAX_REQUESTS),
                reason: format!(
                    "more than {MAX_REQUESTS} requests in one file: the first are read"
                ),
            });
        }
        let mut read = Vec::new();
        for idx in all.into_iter().take(MAX_REQUESTS) {
            let Some(item) = self.item(idx) else { continue };
            match self.ancestors(idx) {
                Ok(above) => {
                    let key: Vec<(f64, usize)> = above
                        .iter()
                        .rev()
                        .chain([&idx])
                        .map(|&i| (self.item(i).map_or(f64::INFINITY, sort_key), i))
                        .collect();
                    let request = self.request(idx, item, &above);
                    read.push((key, request));
                }
                Err(reason) => self.skipped.push(Skipped {
                    item: name_of(item, "request"),
                    reason,
                }),
            }
        }
        read.sort_by(|(a, _), (b, _)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len()))
        });
        read.into_iter().map(|(_, request)| request).collect()
    }

    fn request(&mut self, idx: usize, item: &'a Object, above: &[usize]) -> CollectionRequest {
        let mut odd = false;
        let groups: Vec<&Object> = above
            .iter()
            .rev()
            .filter_map(|&i| self.item(i))
            .filter(|o| str_at(o, "_type") == "request_group")
            .collect();
        let folders: Vec<String> = groups.iter().map(|g| name_of(g, "folder")).collect();
        let name = name_of(item, "request");
        let label = folders
            .iter()
            .chain([&name])
            .cloned()
            .collect::<Vec<_>>()
            .join("/");

        // Folder headers go with the request (Insomnia 9): a nearer one replaces a same-named one.
        let mut headers: Vec<(String, String)> = Vec::new();
        let own = rows(item.get("headers"), &mut odd);
        for row in groups
            .iter()
            .flat_map(|g| rows(g.get("headers"), &mut odd))
            .chain(own)
        {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&row.0));
            headers.push(row);
        }
        let method = text(item.get("method")).trim().to_ascii_uppercase();
        let url = template(&text(item.get("url")), &mut odd);
        let query = rows(item.get("parameters"), &mut odd);
        let body = self.body(item.get("body"), &label, &mut odd);
        let (auth, auth_odd) = self.auth_for(idx, above, &label);
        let path_params = item
            .get("pathParameters")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty());
        if path_params {
            self.skipped.push(Skipped {
                item: format!("{label}: path parameters"),
                reason: "the :names in its URL are kept as written, their values are not".into(),
            });
        }
        if odd || auth_odd {
            self.skipped.push(Skipped {
                item: label,
                reason: TEMPLATE_REASON.into(),
            });
        }
        CollectionRequest {
            folders,
            name,
            method: if method.is_empty() {
                "GET".into()
            } else {
                method
            },
            url,
            query,
            headers,
            body,
            auth,
        }
    }

    fn body(&mut self, body: Option<&Value>, label: &str, odd: &mut bool) -> DraftBody {
        let Some(body) = body.and_then(Value::as_object) else {
            return DraftBody::None;
        };
        let mime = str_at(body, "mimeType");
        let mime = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let unsent = |what: &str, why: &str| Skipped {
            item: format!("{label}: {what}"),
            reason: why.into(),
        };
        if mime == "multipart/form-data" {
            self.skipped.push(unsent(
                "multipart body",
                "multipart bodies (file uploads) are not imported: Waybill sends JSON, form or raw bodies",
            ));
            return DraftBody::None;
        }
        if !str_at(body, "fileName").is_empty() {
            self.skipped.push(unsent(
                "file body",
                "the file it sends is not in the export",
            ));
            return DraftBody::None;
        }
        if mime == "application/x-www-form-urlencoded" {
            let fields = rows(body.get("params"), odd);
            return match fields.is_empty() {
                true => DraftBody::None,
                false => DraftBody::Form(fields),
            };
        }
        let content = template(&text(body.get("text")), odd);
        if content.trim().is_empty() {
            DraftBody::None
        } else if mime == "application/json"
            || mime.ends_with("+json")
            || mime == "application/graphql"
        {
            // Insomnia keeps a GraphQL body as the JSON it sends (`{"query": ...}`).
            DraftBody::Json(content)
        } else {
            DraftBody::Raw(content)
        }
    }

    /// The auth a request uses: its own, else its nearest folder's (Insomnia's
    /// `getOrInheritAuthentication`), else none.
    fn auth_for(&mut self, idx: usize, above: &[usize], label: &str) -> (Auth, bool) {
        if let Some(own) = self.auth_of(idx, label) {
            return own;
        }
        for &parent in above {
            let kind = self.kind(parent);
            if kind == "request_group" || kind == "workspace" {
                let owner = self.owner(parent);
                if let Some(found) = self.auth_of(parent, &owner) {
                    return found;
                }
            }
        }
        (Auth::None, false)
    }

    /// The auth of the workspace, else of the first top-level folder that sets one.
    fn collection_auth(&mut self) -> Auth {
        let workspaces = self.of_kind("workspace");
        let top_folders = self
            .of_kind("request_group")
            .into_iter()
            .filter(|&i| self.parent(i).is_some_and(|p| self.kind(p) == "workspace"));
        let owners: Vec<usize> = workspaces
            .iter()
            .take(1)
            .copied()
            .chain(top_folders)
            .collect();
        for idx in owners {
            let owner = self.owner(idx);
            if let Some((auth, _)) = self.auth_of(idx, &owner) {
                return auth;
            }
        }
        Auth::None
    }

    fn owner(&self, idx: usize) -> String {
        let kind = match self.kind(idx) {
            "workspace" => "workspace",
            _ => "folder",
        };
        format!(
            "{kind} {}",
            self.item(idx).map_or_else(String::new, |o| name_of(o, ""))
        )
    }

    fn auth_of(&mut self, idx: usize, owner: &str) -> Option<(Auth, bool)> {
        if let Some(known) = self.own_auth.get(&idx) {
            return known.clone();
        }
        let found = self
            .item(idx)
            .and_then(|o| o.get("authentication"))
            .and_then(Value::as_object)
            .and_then(|a| self.read_auth(a, owner));
        self.own_auth.insert(idx, found.clone());
        found
    }

    /// `None` when the object defers to the folder above: no `type`, or `disabled` (Insomnia's
    /// `getAuthObjectOrNull` and `isAuthEnabled`). `type: none` is an explicit "No Auth".
    fn read_auth(&mut self, auth: &Object, owner: &str) -> Option<(Auth, bool)> {
        let kind = str_at(auth, "type").trim().to_ascii_lowercase();
        if kind.is_empty() || flag(auth.get("disabled")) == Some(true) {
            return None;
        }
        let mut odd = false;
        let mut get = |key: &str| template(&text(auth.get(key)), &mut odd);
        let found = match kind.as_str() {
            "none" => Auth::None,
            "bearer" => Auth::Bearer(get("token")),
            "basic" => Auth::Basic {
                username: get("username"),
                password: get("password"),
            },
            "oauth2" => {
                let (oauth, note) = oauth2(auth, owner, &mut get);
                self.skipped.extend(note);
                Auth::OAuth2(Box::new(oauth))
            }
            _ => Auth::Other(kind),
        };
        Some((found, odd))
    }

    /// The base environments' values, then the sub-environments' (by `metaSortKey`), then the
    /// folders' own; the first of a name wins, as Waybill keeps one value per name.
    fn variables(&mut self) -> Vec<Variable> {
        let (mut subs, bases): (Vec<usize>, Vec<usize>) =
            self.of_kind("environment").into_iter().partition(|&i| {
                self.parent(i)
                    .is_some_and(|p| self.kind(p) == "environment")
            });
        subs.sort_by(|&a, &b| {
            let key = |i| self.item(i).map_or(f64::INFINITY, sort_key);
            key(a).total_cmp(&key(b)).then(a.cmp(&b))
        });
        let mut vars = Vars::default();
        for idx in bases.into_iter().chain(subs) {
            let Some(env) = self.item(idx) else { continue };
            let private = flag(env.get("isPrivate")) == Some(true);
            let (data, order) = (env.get("data"), env.get("dataPropertyOrder"));
            vars.add(data, order, private, &mut self.skipped);
        }
        for idx in self.of_kind("request_group") {
            let Some(group) = self.item(idx) else {
                continue;
            };
            let (data, order) = (
                group.get("environment"),
                group.get("environmentPropertyOrder"),
            );
            vars.add(data, order, false, &mut self.skipped);
        }
        vars.list
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
            self.skipped.push(Skipped {
                item,
                reason: reason.into(),
            });
        }
        if not_objects > 0 {
            self.skipped.push(Skipped {
                item: format!("{not_objects} × `resources` item"),
                reason: "not an object".into(),
            });
        }
    }
}

/// OAuth 2.0 settings (`get` reads a field with its templates normalised), and a note when the
/// grant is not one Waybill has.
fn oauth2(
    auth: &Object,
    owner: &str,
    get: &mut impl FnMut(&str) -> String,
) -> (OAuth2, Option<Skipped>) {
    let grant_name = text(auth.get("grantType"));
    // Insomnia's default grant, for a file that omits it.
    let grant = match grant_name.trim() {
        "" => Some(Grant::AuthorizationCode),
        name => grant_named(name),
    };
    let note = grant.is_none().then(|| Skipped {
        item: format!("{owner}: the {} grant", grant_name.trim()),
        reason: "not a grant Waybill has: choose one for the profile".into(),
    });
    let client_auth = flag(auth.get("credentialsInBody")).map(|in_body| match in_body {
        true => ClientAuth::Form,
        false => ClientAuth::Basic,
    });
    let params = ["audience", "resource"]
        .into_iter()
        .map(|key| (key.to_string(), get(key)))
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    let oauth = OAuth2 {
        grant,
        token_url: get("accessTokenUrl"),
        authorize_url: get("authorizationUrl"),
        client_id: get("clientId"),
        client_secret: get("clientSecret"),
        client_auth,
        scope: get("scope"),
        username: get("username"),
        password: get("password"),
        refresh_token: String::new(),
        redirect_uri: get("redirectUrl"),
        params,
    };
    (oauth, note)
}

/// Environment variables gathered across environments, the first of a name winning.
#[derive(Default)]
struct Vars {
    list: Vec<Variable>,
    seen: HashSet<String>,
}

impl Vars {
    /// Text, numbers and booleans become variables; an object's are flattened one level as
    /// `parent.child` (Insomnia's `{{ _.parent.child }}`).
    fn add(
        &mut self,
        data: Option<&Value>,
        order: Option<&Value>,
        private: bool,
        skipped: &mut Vec<Skipped>,
    ) {
        let Some(data) = data.and_then(Value::as_object) else {
            return;
        };
        for key in ordered(data, order.and_then(|o| o.get("&"))) {
            match data.get(key) {
                Some(Value::Object(inner)) => {
                    let inner_order = order.and_then(|o| o.get(format!("&~|{key}")));
                    for child in ordered(inner, inner_order) {
                        let name = format!("{key}.{child}");
                        self.add_one(&name, inner.get(child), private, skipped);
                    }
                }
                value => self.add_one(key, value, private, skipped),
            }
        }
    }

    fn add_one(
        &mut self,
        name: &str,
        value: Option<&Value>,
        private: bool,
        skipped: &mut Vec<Skipped>,
    ) {
        match value {
            None | Some(Value::Null) => {}
            Some(Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
                let mut odd = false;
                let variable = Variable::new(name, &template(&text(value), &mut odd), private);
                if variable.name.is_empty() || !self.seen.insert(variable.name.clone()) {
                    return;
                }
                if odd {
                    skipped.push(Skipped {
                        item: format!("variable {}", variable.name),
                        reason: TEMPLATE_REASON.into(),
                    });
                }
                self.list.push(variable);
            }
            Some(_) => skipped.push(Skipped {
                item: format!("variable {name}"),
                reason: "a list or a deeper object: only text, numbers and true/false are \
                         imported, one level of nesting deep"
                    .into(),
            }),
        }
    }
}

/// `map`'s keys in the order Insomnia lists them (`dataPropertyOrder`), then any others.
fn ordered<'m>(map: &'m Object, order: Option<&Value>) -> Vec<&'m String> {
    let listed = order
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| map.get_key_value(k.as_str()?).map(|(k, _)| k));
    let mut seen = HashSet::new();
    listed
        .chain(map.keys())
        .filter(|k| seen.insert(*k))
        .collect()
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

/// Enabled `{name, value}` rows with a name (Insomnia leaves blank ones), templates normalised.
fn rows(list: Option<&Value>, odd: &mut bool) -> Vec<(String, String)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|row| flag(row.get("disabled")) != Some(true))
        .map(|row| (text(row.get("name")), text(row.get("value"))))
        .filter(|(name, _)| !name.trim().is_empty())
        .map(|(name, value)| (template(&name, odd), template(&value, odd)))
        .collect()
}

/// Insomnia's `{{ _.name }}` and `{{ name }}` -> Waybill's `{{name}}`. Other Nunjucks
/// (`{% tag %}`, `{{ a | filter }}`) is kept as written and sets `odd`.
fn template(input: &str, odd: &mut bool) -> String {
    if input.contains("{%") {
        *odd = true;
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        let name = inner.strip_prefix("_.").unwrap_or(inner);
        if is_name(name) {
            out.push_str("{{");
            out.push_str(name);
            out.push_str("}}");
        } else {
            *odd = true;
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A plain variable path (`host`, `parent.child`), nothing for Nunjucks to compute.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

fn str_at<'o>(object: &'o Object, key: &str) -> &'o str {
    object.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A value as text: strings as they are, numbers and booleans written out, anything else empty.
fn text(value: Option<&Value>) -> String {
    super::scalar_text(value).unwrap_or_default()
}

/// A boolean as Insomnia writes it: `true` or, in some exports, `"true"`.
fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn sort_key(object: &Object) -> f64 {
    object
        .get("metaSortKey")
        .and_then(Value::as_f64)
        .unwrap_or(f64::INFINITY)
}

/// A resource's name, else its URL (for a request), else `fallback` or its kind.
fn name_of(object: &Object, fallback: &str) -> String {
    [text(object.get("name")), text(object.get("url"))]
        .into_iter()
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| match fallback {
            "" => "(unnamed)".into(),
            kind => format!("unnamed {kind}"),
        })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

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
