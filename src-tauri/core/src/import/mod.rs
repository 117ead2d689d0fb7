//! Files people bring: each is read into a plan (what it would add, what clashes, what it could
//! not map) that is shown first and applied only when asked. Everything in them is untrusted: a
//! file is size-limited and read locally (nothing it points to is fetched), and what it would
//! make is validated like anything typed in.
//!
//! - `openapi`: OpenAPI 3.x and Swagger 2.0 specs (JSON or YAML) -> a profile and saved requests;
//! - `postman`, `insomnia`, `bruno`: client collections, read into one shape (`collection`) and
//!   mapped onto Waybill there;
//! - `har`: HAR files (what browsers' developer tools export), read into that shape too, with
//!   every credential taken out and listed by name (`Removed`), never by value;
//! - `case`: Waybill's own case files;
//! - `plan`: what any of them would do here (profiles created or reused, under which names),
//!   the one place that decides it.

mod bru;
pub mod bruno;
pub mod case;
pub mod collection;
pub mod har;
pub mod insomnia;
pub mod openapi;
pub mod plan;
pub mod postman;

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::profile::new::NewProfile;
use crate::store::saved::SavedRequest;

/// The largest file read: real specs are a few MB (Square's, 2.5 MB).
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("could not read {path}: {detail}")]
    Unreadable { path: String, detail: String },
    #[error("{path} is {size} bytes: files over 20 MB are not imported")]
    TooLarge { path: String, size: u64 },
    #[error("{path} is neither JSON nor YAML ({detail})")]
    NotJsonOrYaml { path: String, detail: String },
    #[error(
        "{path} is not a file Waybill imports: an OpenAPI 3 or Swagger 2.0 spec, a Postman \
         collection, an Insomnia export (JSON or YAML), a HAR file or a Bruno collection folder"
    )]
    Unknown { path: String },
    #[error("{path} is not a HAR file: {why}")]
    NotHar { path: String, why: String },
    #[error("the file is not valid: {0}")]
    Invalid(String),
    #[error("the file gives no OAuth 2.0 settings Waybill can use ({0}): give --profile NAME to add its requests to a profile you have")]
    NoOAuth(String),
}

/// What a file holds, mapped onto Waybill: one profile and its saved requests.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// What was read, in words: `OpenAPI 3.0.3 (YAML)`.
    pub format: String,
    pub title: String,
    /// `None` when the file names no OAuth 2.0 way to get a token (its requests can still go to
    /// a profile given with `--profile`).
    #[serde(skip)]
    pub profile: Option<NewProfile>,
    pub requests: Vec<SavedRequest>,
    /// `{{name}}`s the requests use, with the value the file gives (empty when none).
    pub variables: Vec<(String, String)>,
    /// Servers the file names beside the one the profile uses (`--env` picks another).
    pub other_servers: Vec<String>,
    /// What could not be mapped, and why.
    pub skipped: Vec<Skipped>,
    /// Secrets the file holds, for the created profile's keyring entries.
    #[serde(skip)]
    pub secrets: collection::FoundSecrets,
    /// What was taken out of the requests because it carries a credential (a HAR's), by kind
    /// and name.
    pub removed: Vec<Removed>,
}

/// Something taken out of a file's requests because it carries a credential: what kind of
/// thing, its name, and from how many requests. Never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Removed {
    pub kind: RemovedKind,
    /// As the file spells it: `Authorization`, `session_id`, `access_token`.
    pub name: String,
    /// How many of the requests it was taken from.
    pub count: u32,
}

/// Where a removed credential was in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RemovedKind {
    /// A header, dropped: `Authorization`, `Cookie`, `X-Shopify-Access-Token`, `DHL-API-Key`.
    Header,
    /// A cookie the request carried (its `Cookie` header is dropped).
    Cookie,
    /// A query parameter (of the URL, or of a URL in a header such as `Referer`), its value
    /// replaced by `[redacted]`.
    Query,
    /// A form or JSON body field, its value replaced by `[redacted]`.
    Body,
    /// The URL's user and password, or a fragment holding a credential: dropped.
    Url,
}

/// Something a file holds that was not mapped: what kind of thing it is, which one (`item`), and
/// why (`reason`), the last two in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skipped {
    pub kind: SkippedKind,
    pub item: String,
    pub reason: String,
}

impl Skipped {
    pub fn new(kind: SkippedKind, item: impl Into<String>, reason: impl Into<String>) -> Self {
        Skipped {
            kind,
            item: item.into(),
            reason: reason.into(),
        }
    }
}

/// What kind of thing was not mapped, so that deciding on it never reads the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SkippedKind {
    /// A spec's security scheme the profile does not come from (another kind, or not usable).
    SecurityScheme,
    /// A collection's OAuth 2.0 settings that make no profile.
    // Not `o_auth_settings`, as `snake_case` would spell it.
    #[serde(rename = "oauth_settings")]
    OAuthSettings,
    /// An OAuth 2.0 flow or grant: beside the profile's, or not one Waybill has.
    Grant,
    /// Scopes not asked for.
    Scopes,
    /// A server that cannot be the API base.
    Server,
    /// A request (or an operation, or a path of them) not saved.
    Request,
    /// A request that fetches a token: Waybill fetches the profile's tokens itself.
    TokenRequest,
    /// A request's or folder's own authentication, not carried over as it is.
    Auth,
    /// A body, or a part of one, Waybill does not send.
    Body,
    /// A variable, or a parameter's value, not taken.
    Variable,
    /// A value its tool computes (template tags, dynamic variables): kept as written.
    Template,
    /// Scripts and tests, which Waybill does not run.
    Script,
    /// A folder nested too deep to be read.
    Folder,
    /// A file of a collection folder not read.
    File,
    /// Another kind of thing the file holds (a gRPC request, a cookie jar, a test suite...).
    Resource,
}

/// Read `path` (a file) as JSON or YAML, within the size limit.
pub fn read_document(path: &Path) -> Result<(Value, &'static str), ImportError> {
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| ImportError::Unreadable {
        path: shown.clone(),
        detail: e.to_string(),
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge { path: shown, size });
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}');
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok((value, "JSON"));
    }
    match yaml_serde::from_str::<Value>(text) {
        Ok(value) => Ok((value, "YAML")),
        Err(e) => Err(ImportError::NotJsonOrYaml {
            path: shown,
            detail: e.to_string().lines().next().unwrap_or_default().to_string(),
        }),
    }
}

/// Read and map a file, recognised by its content. `live`: the spec's production server;
/// `environment`: a Postman environment file whose variables a collection uses.
pub fn import_file(
    path: &Path,
    live: bool,
    environment: Option<&Path>,
) -> Result<Imported, ImportError> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return match path.join("bruno.json").is_file() {
            true => Ok(collection::map(bruno::read(path)?)),
            false => Err(ImportError::Unknown { path: shown }),
        };
    }
    let (doc, syntax) = read_document(path)?;
    if doc.get("openapi").is_some() || doc.get("swagger").is_some() {
        return openapi::import(&doc, syntax, live);
    }
    if postman::is_collection(&doc) {
        let environment = match environment {
            Some(env) => Some(read_document(env)?.0),
            None => None,
        };
        return Ok(collection::map(postman::read(&doc, environment.as_ref())?));
    }
    if doc.get("__export_format").is_some() {
        return Ok(collection::map(insomnia::read(&doc, syntax)?));
    }
    if har::is_har(&doc) {
        return har::import(&doc, syntax, &shown);
    }
    if postman::is_environment(&doc) {
        return Err(ImportError::Invalid(format!(
            "{shown} is a Postman environment: import the collection, with --environment {shown}"
        )));
    }
    Err(ImportError::Unknown { path: shown })
}

/// A string, number or boolean as text (collections write settings as any of them).
pub(crate) fn scalar_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Without control characters, at most `max` characters.
pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Two operations with one name (a duplicated `operationId`) in one folder: the later ones get
/// ` (2)`, ` (3)`...
pub(crate) fn dedupe_names(requests: &mut [SavedRequest]) {
    let mut seen: Vec<(Option<String>, String)> = Vec::new();
    for saved in requests.iter_mut() {
        let mut n = 1;
        let base = saved.name.clone();
        while seen.contains(&(saved.folder.clone(), saved.name.clone())) {
            n += 1;
            saved.name = format!("{base} ({n})");
        }
        seen.push((saved.folder.clone(), saved.name.clone()));
    }
}
