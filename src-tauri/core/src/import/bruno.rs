//! Bruno collections (a folder with `bruno.json` and `.bru` files) -> a `Collection`.
//!
//! Bruno keeps one request per `.bru` file, folders as folders (`folder.bru` names them and
//! gives their auth and headers), collection settings in `collection.bru` and environments in
//! `environments/*.bru`. The folder is walked without following symbolic links, within limits
//! of depth, file count and size: it is untrusted like any file brought in.

use std::path::Path;

use serde_json::Value;

use super::bru::Bru;
use super::collection::{grant_named, Auth, Collection, CollectionRequest, OAuth2, Variable};
use super::{ImportError, Skipped, SkippedKind, MAX_FILE_BYTES};
use crate::profile::ClientAuth;
use crate::request::DraftBody;

/// Folders deeper than this are not read (real collections nest 3 or 4).
const MAX_DEPTH: usize = 16;
/// `.bru` files read at most, so a huge folder picked by mistake does not stall the import.
const MAX_FILES: usize = 5000;
/// Sort key of whatever has no `seq`: after the numbered ones.
const NO_SEQ: u64 = u64::MAX;
const METHODS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect",
];

/// Read the Bruno collection in `dir` (the folder holding `bruno.json`).
pub fn read(dir: &Path) -> Result<Collection, ImportError> {
    let (title, ignore) = manifest(&dir.join("bruno.json"))?;
    let mut walk = Walk {
        ignore,
        ..Walk::default()
    };
    let mut variables = Vec::new();
    let top = walk.bru_file(&dir.join("collection.bru"), "collection.bru");
    let top = top.unwrap_or_default();
    let auth = walk
        .auth(&top, top.value("auth", "mode"), "collection.bru")
        .unwrap_or_default();
    for (name, value) in top.pairs("vars:pre-request") {
        add_variable(&mut variables, Variable::new(name, value, false));
    }
    let environments = walk.environments(&dir.join("environments"), &mut variables);
    read_dotenv(&dir.join(".env"), &mut variables, &mut walk.skipped);

    let scope = Scope {
        headers: top.pairs("headers").to_vec(),
        auth: auth.clone(),
        ..Scope::default()
    };
    walk.folder(dir, &scope, 0);
    if walk.scripted > 0 {
        let item = format!(
            "scripts, tests or runtime variables in {} files",
            walk.scripted
        );
        let reason = "Waybill does not run them: variables they would set stay to be filled in";
        walk.skipped
            .push(Skipped::new(SkippedKind::Script, item, reason));
    }
    walk.requests
        .sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
    for variable in walk.path_variables {
        add_variable(&mut variables, variable);
    }
    Ok(Collection {
        format: match environments {
            0 => "Bruno collection".to_string(),
            1 => "Bruno collection (1 environment)".to_string(),
            n => format!("Bruno collection ({n} environments)"),
        },
        title,
        auth,
        requests: walk.requests.into_iter().map(|(_, r)| r).collect(),
        variables,
        skipped: walk.skipped,
    })
}

/// `bruno.json`: the collection's name, and the folders it says to leave out.
fn manifest(path: &Path) -> Result<(String, Vec<String>), ImportError> {
    let manifest = read_text(path).map_err(|e| e.into_error(path))?;
    let manifest: Value = serde_json::from_str(&manifest).map_err(|e| {
        ImportError::Invalid(format!(
            "{} is not a Bruno collection file: it is not JSON ({e})",
            path.display()
        ))
    })?;
    let title = manifest
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            ImportError::Invalid(format!(
                "{} gives no collection name, so it is not a Bruno collection file",
                path.display()
            ))
        })?
        .to_string();
    let ignore = manifest
        .get("ignore")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok((title, ignore))
}

/// What a folder passes down: where it is, and the headers and auth its requests inherit.
#[derive(Default)]
struct Scope {
    folders: Vec<String>,
    /// Each folder's (`seq`, name), the requests' sort key.
    order: Vec<(u64, String)>,
    headers: Vec<(String, String)>,
    auth: Auth,
}

/// Where a request sorts: its folders' (`seq`, name)s, then its own `seq`.
type Place = (Vec<(u64, String)>, u64);

#[derive(Default)]
struct Walk {
    /// Folder names `bruno.json` says to leave out.
    ignore: Vec<String>,
    files: usize,
    requests: Vec<(Place, CollectionRequest)>,
    path_variables: Vec<Variable>,
    skipped: Vec<Skipped>,
    /// Files with scripts, tests or post-response variables (reported once, not per file).
    scripted: usize,
}

impl Walk {
    /// A `.bru` file parsed, or `None` (and a note) when it is absent, too large or unreadable.
    fn bru_file(&mut self, path: &Path, label: &str) -> Option<Bru> {
        if std::fs::symlink_metadata(path).is_err() {
            return None;
        }
        if self.files >= MAX_FILES {
            if self.files == MAX_FILES {
                let item = format!("{label} and the files after it");
                let reason = format!("the collection has more than {MAX_FILES} .bru files");
                self.skipped
                    .push(Skipped::new(SkippedKind::File, item, reason));
            }
            self.files = MAX_FILES + 1;
            return None;
        }
        self.files += 1;
        match read_text(path) {
            Ok(text) => {
                let bru = Bru::parse(&text);
                if bru.has_scripts() {
                    self.scripted += 1;
                }
                Some(bru)
            }
            Err(e) => {
                self.skipped
                    .push(Skipped::new(SkippedKind::File, label, e.to_string()));
                None
            }
        }
    }

    /// Environments' variables, in file-name order; how many environments were read.
    fn environments(&mut self, dir: &Path, variables: &mut Vec<Variable>) -> usize {
        let mut count = 0;
        // A link is not followed here either.
        if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
            return 0;
        }
        for (name, path, kind) in entries(dir) {
            if !kind.is_file() || !is_bru(&name) {
                continue;
            }
            let label = format!("environments/{name}");
            let Some(env) = self.bru_file(&path, &label) else {
                continue;
            };
            count += 1;
            let secret = env.list("vars:secret");
            for (name, value) in env.pairs("vars") {
                let marked = secret.iter().any(|s| s == name);
                add_variable(variables, Variable::new(name, value, marked));
            }
            for name in secret {
                add_variable(variables, Variable::new(name, "", true));
            }
        }
        count
    }

    /// Read the requests in `dir` and its subfolders.
    fn folder(&mut self, dir: &Path, scope: &Scope, depth: usize) {
        for (name, path, kind) in entries(dir) {
            let label = scope
                .folders
                .iter()
                .map(String::as_str)
                .chain([name.as_str()])
                .collect::<Vec<_>>()
                .join("/");
            if name.starts_with('.') {
                continue;
            }
            if kind.is_symlink() {
                let reason = "a symbolic link: not followed";
                self.skipped
                    .push(Skipped::new(SkippedKind::File, label, reason));
            } else if kind.is_dir() {
                let left_out = name == "node_modules"
                    || self.ignore.contains(&name)
                    || (depth == 0 && name == "environments");
                if left_out {
                    continue;
                }
                if depth + 1 > MAX_DEPTH {
                    let reason = format!("nested more than {MAX_DEPTH} folders deep");
                    self.skipped
                        .push(Skipped::new(SkippedKind::Folder, label, reason));
                    continue;
                }
                let inner = self.subfolder(&path, &name, &label, scope);
                self.folder(&path, &inner, depth + 1);
            } else if kind.is_file()
                && is_bru(&name)
                && name != "folder.bru"
                && name != "collection.bru"
            {
                if let Some(bru) = self.bru_file(&path, &label) {
                    let stem = Path::new(&name).file_stem().map(|s| s.to_string_lossy());
                    self.request(&bru, stem.as_deref().unwrap_or(&name), &label, scope);
                }
            }
        }
    }

    /// A subfolder's scope: its `folder.bru` names it and may set its own auth and headers.
    fn subfolder(&mut self, dir: &Path, name: &str, label: &str, scope: &Scope) -> Scope {
        let meta = self
            .bru_file(&dir.join("folder.bru"), &format!("{label}/folder.bru"))
            .unwrap_or_default();
        let shown = meta
            .value("meta", "name")
            .filter(|n| !n.is_empty())
            .unwrap_or(name)
            .to_string();
        let mut inner = Scope {
            folders: scope.folders.clone(),
            order: scope.order.clone(),
            headers: scope.headers.clone(),
            auth: self
                .auth(&meta, meta.value("auth", "mode"), label)
                .unwrap_or_else(|| scope.auth.clone()),
        };
        merge_headers(&mut inner.headers, meta.pairs("headers"));
        inner.order.push((seq(&meta), shown.clone()));
        inner.folders.push(shown);
        inner
    }

    fn request(&mut self, bru: &Bru, stem: &str, label: &str, scope: &Scope) {
        let kind = bru.value("meta", "type").unwrap_or("http");
        // GraphQL requests are POSTs of `{"query": ...}`: imported as such (see `body`).
        if !kind.eq_ignore_ascii_case("http") && !kind.eq_ignore_ascii_case("graphql") {
            let reason = format!("a {kind} request: Waybill sends HTTP requests");
            self.skipped
                .push(Skipped::new(SkippedKind::Request, label, reason));
            return;
        }
        let Some(method) = METHODS.iter().find(|m| bru.block(m).is_some()) else {
            let reason = "no method block (get, post...): not a request file";
            self.skipped
                .push(Skipped::new(SkippedKind::File, label, reason));
            return;
        };
        let name = bru
            .value("meta", "name")
            .filter(|n| !n.is_empty())
            .unwrap_or(stem)
            .to_string();
        let mut url = bru.value(method, "url").unwrap_or_default().to_string();
        let path_params = bru.pairs("params:path");
        if !path_params.is_empty() {
            let (filled, used) = fill_path_params(&url, path_params);
            url = filled;
            for (name, value) in used {
                self.path_variables.push(Variable::new(name, value, false));
            }
        }
        // Bruno writes the query in the URL and again as rows: the URL is kept as written.
        let query = match url.contains('?') {
            true => Vec::new(),
            false => match bru.block("params:query") {
                Some(_) => bru.pairs("params:query").to_vec(),
                None => bru.pairs("query").to_vec(),
            },
        };
        let mut headers = scope.headers.clone();
        merge_headers(&mut headers, bru.pairs("headers"));
        let body = self.body(
            bru,
            bru.value(method, "body").unwrap_or("none"),
            label,
            &mut headers,
        );
        let auth = self
            .auth(bru, bru.value(method, "auth"), label)
            .unwrap_or_else(|| scope.auth.clone());
        self.requests.push((
            (scope.order.clone(), seq(bru)),
            CollectionRequest {
                folders: scope.folders.clone(),
                name,
                method: method.to_ascii_uppercase(),
                url,
                query,
                headers,
                body,
                auth,
            },
        ));
    }

    /// The body the method block's `body:` mode names. Text kinds get the Content-Type Bruno
    /// would send, unless the request gives one.
    fn body(
        &mut self,
        bru: &Bru,
        mode: &str,
        label: &str,
        headers: &mut Vec<(String, String)>,
    ) -> DraftBody {
        let text = |block: &str| bru.text(block).filter(|t| !t.trim().is_empty());
        let (block, content_type) = match mode {
            "none" | "" => return DraftBody::None,
            "json" => {
                return text("body:json").map_or(DraftBody::None, |t| DraftBody::Json(t.into()))
            }
            "formUrlEncoded" => {
                return DraftBody::Form(bru.pairs("body:form-urlencoded").to_vec());
            }
            "graphql" => {
                let Some(query) = text("body:graphql") else {
                    return DraftBody::None;
                };
                let mut body = serde_json::json!({ "query": query });
                if let Some(vars) =
                    text("body:graphql:vars").and_then(|v| serde_json::from_str::<Value>(v).ok())
                {
                    body["variables"] = vars;
                }
                return DraftBody::Json(serde_json::to_string_pretty(&body).unwrap_or_default());
            }
            "text" => ("body:text", "text/plain"),
            "xml" => ("body:xml", "application/xml"),
            "sparql" => ("body:sparql", "application/sparql-query"),
            other => {
                let item = format!("{label}: its {other} body");
                let reason = "Waybill sends JSON, form-urlencoded and text bodies";
                self.skipped
                    .push(Skipped::new(SkippedKind::Body, item, reason));
                return DraftBody::None;
            }
        };
        let Some(text) = text(block) else {
            return DraftBody::None;
        };
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), content_type.into()));
        }
        DraftBody::Raw(text.into())
    }

    /// The auth `mode` names, from the file's `auth:*` blocks; `None`: inherited.
    fn auth(&mut self, bru: &Bru, mode: Option<&str>, label: &str) -> Option<Auth> {
        let mode = mode.unwrap_or("inherit");
        Some(match mode.to_ascii_lowercase().as_str() {
            "inherit" | "" => return None,
            "none" => Auth::None,
            "bearer" => Auth::Bearer(bru.value("auth:bearer", "token").unwrap_or_default().into()),
            "basic" => Auth::Basic {
                username: bru
                    .value("auth:basic", "username")
                    .unwrap_or_default()
                    .into(),
                password: bru
                    .value("auth:basic", "password")
                    .unwrap_or_default()
                    .into(),
            },
            "oauth2" => Auth::OAuth2(Box::new(self.oauth2(bru, label))),
            _ => Auth::Other(mode.to_string()),
        })
    }

    fn oauth2(&mut self, bru: &Bru, label: &str) -> OAuth2 {
        let get = |key: &str| {
            bru.value("auth:oauth2", key)
                .unwrap_or_default()
                .to_string()
        };
        let grant_type = get("grant_type");
        let grant = grant_named(&grant_type);
        if grant.is_none() {
            let item = format!("{label}: OAuth 2.0 grant {grant_type:?}");
            let reason = "not a grant Waybill has";
            self.skipped
                .push(Skipped::new(SkippedKind::Grant, item, reason));
        }
        if get("token_placement") == "url" {
            let item = format!("{label}: the token in the URL");
            let reason = "Waybill sends the token in the Authorization header";
            self.skipped
                .push(Skipped::new(SkippedKind::Auth, item, reason));
        }
        OAuth2 {
            grant,
            token_url: get("access_token_url"),
            authorize_url: get("authorization_url"),
            client_id: get("client_id"),
            client_secret: get("client_secret"),
            client_auth: match get("credentials_placement").as_str() {
                "basic_auth_header" => Some(ClientAuth::Basic),
                "body" => Some(ClientAuth::Form),
                _ => None,
            },
            scope: get("scope"),
            username: get("username"),
            password: get("password"),
            redirect_uri: get("callback_url"),
            ..OAuth2::default()
        }
    }
}

/// A folder's entries sorted by name, each with its own kind (a link is not followed).
fn entries(dir: &Path) -> Vec<(String, std::path::PathBuf, std::fs::FileType)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<_> = read
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let kind = std::fs::symlink_metadata(&path).ok()?.file_type();
            Some((entry.file_name().to_string_lossy().into_owned(), path, kind))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn is_bru(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bru"))
}

fn seq(bru: &Bru) -> u64 {
    bru.value("meta", "seq")
        .and_then(|s| s.parse().ok())
        .unwrap_or(NO_SEQ)
}

/// Why a file was not read.
enum ReadError {
    Io(std::io::Error),
    NotAFile,
    TooLarge(u64),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "could not be read: {e}"),
            ReadError::NotAFile => f.write_str("not a regular file (links are not followed)"),
            ReadError::TooLarge(size) => write!(f, "{size} bytes: files over 20 MB are not read"),
        }
    }
}

impl ReadError {
    fn into_error(self, path: &Path) -> ImportError {
        let path = path.display().to_string();
        match self {
            ReadError::TooLarge(size) => ImportError::TooLarge { path, size },
            other => ImportError::Unreadable {
                path,
                detail: other.to_string(),
            },
        }
    }
}

/// A file's text (invalid UTF-8 replaced), if it is a regular file within the size limit.
fn read_text(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::symlink_metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.trim_start_matches('\u{feff}').to_string())
}

/// `.env` at the root: what `{{process.env.KEY}}` refers to; secrets by nature.
fn read_dotenv(path: &Path, variables: &mut Vec<Variable>, skipped: &mut Vec<Skipped>) {
    if std::fs::symlink_metadata(path).is_err() {
        return;
    }
    let text = match read_text(path) {
        Ok(text) => text,
        Err(e) => {
            skipped.push(Skipped::new(SkippedKind::File, ".env", e.to_string()));
            return;
        }
    };
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let value = value.trim();
        let value = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
            .unwrap_or(value);
        let name = format!("process.env.{key}");
        add_variable(variables, Variable::new(&name, value, true));
    }
}

/// The first of a name wins; marked secret anywhere, it stays secret.
fn add_variable(variables: &mut Vec<Variable>, variable: Variable) {
    match variables.iter_mut().find(|v| v.name == variable.name) {
        Some(found) => found.secret |= variable.secret,
        None => variables.push(variable),
    }
}

/// Headers of an inner level replace the outer level's of the same name (any case).
fn merge_headers(headers: &mut Vec<(String, String)>, inner: &[(String, String)]) {
    headers.retain(|(name, _)| !inner.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
    headers.extend(inner.iter().cloned());
}

/// The URL's `:name` path segments as `{{name}}`, and the rows that were used.
fn fill_path_params<'a>(
    url: &str,
    params: &'a [(String, String)],
) -> (String, Vec<&'a (String, String)>) {
    let split = url.find(['?', '#']).unwrap_or(url.len());
    let (path, rest) = url.split_at(split);
    let mut used = Vec::new();
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            let found = segment
                .strip_prefix(':')
                .and_then(|name| params.iter().find(|(n, _)| n == name));
            match found {
                Some(row) => {
                    if !used.contains(&row) {
                        used.push(row);
                    }
                    format!("{{{{{}}}}}", row.0)
                }
                None => segment.to_string(),
            }
        })
        .collect();
    (format!("{}{rest}", segments.join("/")), used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Grant;
    use std::path::PathBuf;

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/import")
            .join(path)
    }

    fn named<'a>(c: &'a Collection, folders: &[&str], name: &str) -> &'a CollectionRequest {
        c.requests
            .iter()
            .find(|r| r.name == name && r.folders == folders)
            .unwrap_or_else(|| panic!("no request {folders:?} {name}"))
    }

    fn variable<'a>(c: &'a Collection, name: &str) -> &'a Variable {
        c.variables
            .iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("no variable {name}"))
    }

    fn oauth(auth: &Auth) -> &OAuth2 {
        match auth {
            Auth::OAuth2(o) => o,
            other => panic!("not OAuth 2.0: {other:?}"),
        }
    }

    #[test]
    fn defra_collection_auth_folders_bodies_and_secrets() {
        let c = read(&fixture(
            "bruno-defra-waste-tracking/digitalWasteTrackingExternalAPI",
        ))
        .unwrap();
        assert_eq!(c.title, "Digital Waste Tracking External API");
        assert_eq!(c.format, "Bruno collection (1 environment)");
        let o = oauth(&c.auth);
        assert_eq!(o.grant, Some(Grant::ClientCredentials));
        assert_eq!(o.token_url, "{{authBaseUrl}}/oauth2/token");
        assert_eq!(o.client_id, "{{clientId}}");
        assert_eq!(o.client_secret, "{{clientSecret}}");
        assert_eq!(o.client_auth, Some(ClientAuth::Basic));
        assert_eq!(c.requests.len(), 20);

        // Folders in `seq` order, named by folder.bru ("Receive", not the folder's "Recieve").
        let first = &c.requests[0];
        assert_eq!(first.name, "Auth Token - Valid Credentials");
        assert_eq!(
            first.folders,
            ["Authentication (Manual)", "Auth Token Created Successfully"]
        );
        assert_eq!(first.method, "POST");
        assert_eq!(first.auth, Auth::None);
        assert_eq!(
            first.body,
            DraftBody::Form(vec![("grant_type".into(), "client_credentials".into())])
        );
        assert!(first
            .headers
            .contains(&("Authorization".into(), "Basic {{base64Credentials}}".into())));

        let receive = named(
            &c,
            &["Receive Movement", "Waste Movement Created Successfully"],
            "Receive Movement - Basic Required Fields Only",
        );
        assert_eq!(receive.method, "POST");
        assert_eq!(receive.url, "{{baseUrl}}/movements/receive");
        assert_eq!(receive.auth, c.auth, "auth: inherit, through folder.bru");
        let DraftBody::Json(json) = &receive.body else {
            panic!("{:?}", receive.body)
        };
        assert!(json.starts_with("{\n  \"apiCode\": \"{{apiCode}}\","));
        assert!(serde_json::from_str::<Value>(json).is_ok());
        // `~Authorization` is disabled in every request file.
        assert!(c.requests[1..]
            .iter()
            .all(|r| !r.headers.iter().any(|(n, _)| n == "Authorization")));

        let get = named(
            &c,
            &["Retrieve reference data", "EWC-codes"],
            "Get ewc-codes",
        );
        assert_eq!((get.method.as_str(), &get.body), ("GET", &DraftBody::None));
        assert_eq!(get.url, "{{baseUrl}}/reference-data/ewc-codes");

        assert_eq!(
            variable(&c, "baseUrl").value,
            "https://waste-tracking.integration.api.defra.gov.uk"
        );
        for name in ["clientId", "clientSecret", "apiCode"] {
            assert!(variable(&c, name).secret, "{name}");
        }
        assert!(!variable(&c, "authBaseUrl").secret);
        assert!(c.skipped.iter().any(|s| s.item.starts_with("scripts")));
    }

    #[test]
    fn usebruno_request_level_oauth2_grants_and_env_files() {
        let c = read(&fixture("bruno-usebruno/collection_oauth2")).unwrap();
        assert_eq!(c.title, "OAuth2 Demo");
        assert_eq!(c.format, "Bruno collection (2 environments)");
        assert_eq!(c.auth, Auth::None);
        assert_eq!(c.requests.len(), 8);
        assert!(c
            .requests
            .iter()
            .all(|r| r.headers.contains(&("check".into(), "again".into()))));

        let code = &["auth", "oauth2", "authorization_code"];
        let names: Vec<_> = c
            .requests
            .iter()
            .filter(|r| r.folders == code)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "github token with authorize",
                "resource",
                "google token with authorize",
                "token with authorize"
            ]
        );
        let o = oauth(&named(&c, code, "token with authorize").auth);
        assert_eq!(o.grant, Some(Grant::AuthorizationCode));
        assert_eq!(o.authorize_url, "{{authorization_code_authorize_url}}");
        assert_eq!(o.token_url, "{{authorization_code_access_token_url}}");
        assert_eq!(o.redirect_uri, "{{authorization_code_callback_url}}");
        assert_eq!(o.client_auth, None);

        let password = &["auth", "oauth2", "password_credentials"];
        let o = oauth(&named(&c, password, "token").auth);
        assert_eq!(o.grant, Some(Grant::Password));
        assert_eq!(o.username, "{{password_credentials_username}}");
        assert_eq!(
            named(&c, password, "resource").auth,
            Auth::Bearer("{{passwordCredentials_access_token}}".into())
        );

        // The query stays in the URL, not repeated as rows; `body: json` with no block: none.
        let resource = named(&c, code, "resource");
        assert!(resource
            .url
            .ends_with("/resource?token={{authorization_code_access_token}}"));
        assert!(resource.query.is_empty());
        assert_eq!(resource.body, DraftBody::None);

        // Local.bru comes first; Prod.bru adds what Local has not.
        assert_eq!(variable(&c, "host").value, "http://localhost:8080");
        assert_eq!(variable(&c, "env.var1").value, "envVar1");
        assert!(variable(&c, "authorization_code_github_client_id").secret);
        assert!(variable(&c, "client_secret").secret);
        let env = variable(&c, "process.env.PROC_ENV_VAR");
        assert_eq!((env.value.as_str(), env.secret), ("woof", true));
    }

    #[test]
    fn keycloak_inherits_collection_oauth2_in_the_body() {
        let c = read(&fixture("bruno-usebruno/keycloak-client-credentials")).unwrap();
        assert_eq!(c.requests.len(), 3);
        let o = oauth(&c.auth);
        assert_eq!(o.grant, Some(Grant::ClientCredentials));
        assert_eq!(o.client_auth, Some(ClientAuth::Form));
        assert_eq!(
            (o.client_id.as_str(), o.scope.as_str()),
            ("account", "openid")
        );
        assert_eq!(named(&c, &[], "user_info_coll-auth").auth, c.auth);
        assert_eq!(
            named(&c, &[], "user_info_custom").auth,
            Auth::Bearer("{{$oauth2.credentials.access_token}}".into())
        );
        let own = oauth(&named(&c, &[], "user_info_request-auth").auth);
        assert_eq!(own.client_secret, "{{client_secret}}a");
        assert!(variable(&c, "client_secret").secret);
        assert_eq!(variable(&c, "key-host").value, "http://localhost:8080");
    }

    #[test]
    fn path_parameters_fill_their_segments_only() {
        assert_eq!(
            fill_path_params("{{h}}/:id/é/:id?:id", &[("id".into(), "7".into())]).0,
            "{{h}}/{{id}}/é/{{id}}?:id"
        );
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_folder_without_a_named_bruno_json_is_refused_with_a_sentence() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("bruno.json"), r#"{"version": "1"}"#);
        let err = read(dir.path()).unwrap_err();
        assert!(matches!(err, ImportError::Invalid(_)));
        assert!(
            err.to_string().contains("gives no collection name"),
            "{err}"
        );
        write(&dir.path().join("bruno.json"), "not json \u{0}");
        let err = read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is not JSON"), "{err}");
        std::fs::remove_file(dir.path().join("bruno.json")).unwrap();
        assert!(matches!(
            read(dir.path()),
            Err(ImportError::Unreadable { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_followed_and_odd_files_do_not_stop_the_walk() {
        let outside = tempfile::tempdir().unwrap();
        write(
            &outside.path().join("secret.bru"),
            "get {\n  url: https://elsewhere\n}\n",
        );
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("bruno.json"), r#"{"name": "T"}"#);
        write(
            &root.join("api/users.bru"),
            concat!(
                "meta {\n  name: Users\n}\n",
                "get {\n  url: {{h}}/users/:id\n  body: multipartForm\n  auth: apikey\n}\n",
                "params:path {\n  id: 42\n}\n",
                "body:multipart-form {\n  f: 1\n}\n",
            ),
        );
        write(&root.join("api/garbage.bru"), "\u{0}\u{1}}{[]:~\n\u{ffff}");
        write(&root.join("api/ws.bru"), "meta {\n  type: ws\n}\n");
        write(&root.join("node_modules/x.bru"), "get {\n  url: nm\n}\n");
        let deep: PathBuf = (0..MAX_DEPTH + 1).map(|i| format!("d{i}")).collect();
        write(&root.join(deep).join("deep.bru"), "get {\n  url: deep\n}\n");
        std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.bru"), root.join("api/l.bru"))
            .unwrap();

        let c = read(root).unwrap();
        let urls: Vec<_> = c.requests.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["{{h}}/users/{{id}}"]);
        let users = &c.requests[0];
        assert_eq!(users.folders, ["api"]);
        assert_eq!(users.auth, Auth::Other("apikey".into()));
        assert_eq!(users.body, DraftBody::None);
        assert_eq!(variable(&c, "id").value, "42");
        let reasons: Vec<_> = c
            .skipped
            .iter()
            .map(|s| (s.item.as_str(), s.reason.as_str()))
            .collect();
        for item in [
            "linked",
            "api/l.bru",
            "api/garbage.bru",
            "api/ws.bru",
            "api/users.bru: its multipartForm body",
        ] {
            assert!(
                reasons.iter().any(|(i, _)| *i == item),
                "{item}: {reasons:?}"
            );
        }
        assert!(
            reasons.iter().any(|(_, r)| r.contains("folders deep")),
            "{reasons:?}"
        );
    }
}
