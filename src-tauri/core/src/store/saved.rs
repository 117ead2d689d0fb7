//! Saved requests: the request builder's drafts a person keeps, per profile and optionally in a
//! folder, in `requests.toml` beside the profiles file (see `store::file`). A draft holds no
//! token: the bearer is added when it is sent, and `{{variables}}` stay as typed.
//!
//! A saved request may say what its answer must show (`expect`) and which of its values become
//! variables (`capture`); `request::expect` checks them against an answer. Written by hand:
//!
//! ```toml
//! [[saved]]
//! profile = "ups-sandbox-4f2a"
//! folder = "tracking"
//! name = "track a parcel"
//!
//! [saved.request]
//! method = "GET"
//! url = "/track/v1/details/{{tracking_number}}"
//!
//! [saved.expect]
//! status = "2xx"            # a class, or a code: status = 200
//! max_ms = 2000             # the longest the answer may take
//! headers = ["x-request-id"]  # names it must have, in any case
//! json = [                  # RFC 6901 pointers into the JSON body, checked in this order
//!   { pointer = "/trackResponse/shipment/0/package/0/trackingNumber", matches = "^1Z[0-9A-Z]{16}$" },
//!   { pointer = "/trackResponse/shipment/0/package/0/activity", exists = true },
//!   { pointer = "/trackResponse/shipment/0/package/0/currentStatus/code", equals = "011" },
//! ]
//!
//! [[saved.capture]]         # sets {{tracking_number}} for the requests after it
//! name = "tracking_number"
//! json = "/trackResponse/shipment/0/package/0/trackingNumber"
//!
//! [[saved.capture]]
//! name = "request_id"
//! header = "x-request-id"
//! ```
//!
//! Waybill writes the `json` checks back as `[[saved.expect.json]]` tables, each with its
//! `pointer` and one of `exists`, `equals` or `matches`. A file that breaks these rules (a capture
//! with both `json` and `header`, a key misspelt in `expect`) is refused in words, like any file
//! that does not read.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::file::TomlFile;
use super::variables::check_name;
use super::StoreError;

pub const FILE_NAME: &str = "requests.toml";
const FORMAT_VERSION: u32 = 1;
const HEADER: &str = "# Waybill saved requests. No tokens in here.\n\n";

/// The request builder's model: what a person fills in, before it becomes an `ApiRequest`.
/// Saved requests are kept in this shape.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestDraft {
    pub method: String,
    /// An absolute URL, or a path joined to the profile's API base.
    pub url: String,
    /// Added to the URL's own query; rows with an empty name are ignored.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// Rows with an empty name are ignored.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: DraftBody,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DraftBody {
    #[default]
    None,
    /// Checked to be JSON before sending; `Content-Type: application/json` unless one is given.
    Json(String),
    /// URL-encoded; `Content-Type: application/x-www-form-urlencoded` unless one is given.
    Form(Vec<(String, String)>),
    /// Sent as typed.
    Raw(String),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedRequest {
    /// `None`: at the top level. Nested folders are written `a/b`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    pub name: String,
    pub request: RequestDraft,
    /// The parameters an imported API operation declares, for the window's form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// What the answer must show (`waybill run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// Values of the answer kept as variables, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capture: Vec<Capture>,
}

/// What a saved request's answer must show; every part is optional. Checked by
/// `request::expect::check`: the status first, then the rest in the order Waybill writes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// A code (`200`) or a class (`"2xx"`), written back as it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ExpectedStatus>,
    /// The longest the answer may take, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u32>,
    /// Header names the answer must have, in any case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Checks of the answer's JSON body, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonCheck>,
}

/// `status = 200` (that code) or `status = "2xx"` (any code of that hundred).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number | string"))]
pub enum ExpectedStatus {
    Code(u16),
    /// The hundred's digit, 1 to 5: `"2xx"` is `Class(2)`.
    Class(u8),
}

/// One check of the JSON body: a pointer and what must be there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(try_from = "RawJsonCheck")]
pub struct JsonCheck {
    /// RFC 6901: `/shipment/0/status` (`~1` for a `/` in a name, `~0` for `~`); `""` is the
    /// whole body.
    pub pointer: String,
    #[serde(flatten)]
    pub test: JsonTest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JsonTest {
    /// `exists = true`: a value is there (`null` counts); `false`: none is.
    Exists(bool),
    /// `equals = "delivered"`: the value is this one (a string, number, boolean, array or table;
    /// `1` equals `1.0`).
    Equals(serde_json::Value),
    /// `matches = "^1Z"`: a regular expression found in the value's text (a string's own text,
    /// anything else as compact JSON).
    Matches(String),
}

/// A value of the answer kept as the variable `name`: from the JSON body (`json`, a pointer) or
/// a header (`header`, its name in any case); exactly one of the two.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Capture {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// One declared parameter of an API operation (OpenAPI): filled in through a form, it sets
/// `{{name}}` in the URL (`path`), a query row or a header.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Param {
    pub name: String,
    /// `path`, `query` or `header`.
    pub place: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The spec's example or default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The allowed values (`enum`), offered as a choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

impl SavedRequest {
    /// `request` saved as `path`, as a person types it: `folder/name` puts it in a folder (the
    /// last `/` divides them), a name alone in none.
    pub fn at(path: &str, request: RequestDraft) -> SavedRequest {
        let path = path.trim();
        let (folder, name) = match path.rsplit_once('/') {
            Some((folder, name)) if !folder.trim().is_empty() && !name.trim().is_empty() => {
                (Some(folder.trim().to_string()), name.trim().to_string())
            }
            _ => (None, path.to_string()),
        };
        SavedRequest {
            folder,
            name,
            request,
            ..SavedRequest::default()
        }
    }

    /// `folder/name`, or the name alone: how a person names it to `waybill send`.
    pub fn path(&self) -> String {
        match &self.folder {
            Some(folder) => format!("{folder}/{}", self.name),
            None => self.name.clone(),
        }
    }

    fn is(&self, folder: Option<&str>, name: &str) -> bool {
        self.folder.as_deref() == folder && self.name == name
    }

    /// Why its expectations or captures cannot be kept, in words (`Ok` when they can).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(expect) = &self.expect {
            expect.validate()?;
        }
        self.capture.iter().try_for_each(Capture::validate)
    }
}

impl Expect {
    /// Header names that are names, pointers that are pointers, expressions that compile.
    pub fn validate(&self) -> Result<(), String> {
        for name in &self.headers {
            check_header_name(name).map_err(|e| format!("expect.headers: {e}"))?;
        }
        for check in &self.json {
            check_pointer(&check.pointer).map_err(|e| format!("expect.json: {e}"))?;
            match &check.test {
                JsonTest::Matches(pattern) => check_regex(pattern).map_err(|why| {
                    let at = &check.pointer;
                    format!("expect.json: matches {pattern:?} of {at:?} is not a regular expression ({why})")
                })?,
                JsonTest::Equals(value) if holds_null(value) => {
                    return Err(format!(
                        "expect.json: equals of {:?} holds a null, which TOML cannot write",
                        check.pointer
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Capture {
    /// A variable's name, and exactly one place to take the value from.
    pub fn validate(&self) -> Result<(), String> {
        check_name(&self.name).map_err(|e| format!("capture {e}"))?;
        let name = &self.name;
        match (&self.json, &self.header) {
            (Some(pointer), None) => {
                check_pointer(pointer).map_err(|e| format!("capture {name:?}: {e}"))
            }
            (None, Some(header)) => {
                check_header_name(header).map_err(|e| format!("capture {name:?}: {e}"))
            }
            (Some(_), Some(_)) => Err(format!(
                "capture {name:?} names both json and header; give one"
            )),
            (None, None) => Err(format!(
                "capture {name:?} needs json (a pointer into the body) or header (a header's name)"
            )),
        }
    }
}

impl ExpectedStatus {
    /// Whether an answer with this status passes.
    pub fn admits(self, status: u16) -> bool {
        match self {
            ExpectedStatus::Code(code) => status == code,
            ExpectedStatus::Class(hundred) => status / 100 == u16::from(hundred),
        }
    }

    fn code(code: i128) -> Result<Self, String> {
        match u16::try_from(code) {
            Ok(code @ 100..=599) => Ok(ExpectedStatus::Code(code)),
            _ => Err(format!("status {code} is not an HTTP status (100 to 599)")),
        }
    }
}

impl std::fmt::Display for ExpectedStatus {
    /// `200` or `2xx`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedStatus::Code(code) => write!(f, "{code}"),
            ExpectedStatus::Class(hundred) => write!(f, "{hundred}xx"),
        }
    }
}

impl std::str::FromStr for ExpectedStatus {
    type Err = String;

    /// A class: `2xx` (or `2XX`).
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().as_bytes() {
            [digit @ b'1'..=b'5', x, y]
                if x.eq_ignore_ascii_case(&b'x') && y.eq_ignore_ascii_case(&b'x') =>
            {
                Ok(ExpectedStatus::Class(digit - b'0'))
            }
            _ => Err(format!(
                "status {text:?} is neither a code (status = 200, no quotes) nor a class (\"2xx\")"
            )),
        }
    }
}

impl Serialize for ExpectedStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExpectedStatus::Code(code) => serializer.serialize_u16(*code),
            ExpectedStatus::Class(_) => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for ExpectedStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ExpectedStatus;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a status code (200) or a class (\"2xx\")")
            }
            fn visit_i64<E: serde::de::Error>(self, code: i64) -> Result<Self::Value, E> {
                ExpectedStatus::code(code.into()).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, code: u64) -> Result<Self::Value, E> {
                ExpectedStatus::code(code.into()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A JSON check as written: its pointer and one of three tests.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJsonCheck {
    pointer: String,
    exists: Option<bool>,
    equals: Option<serde_json::Value>,
    matches: Option<String>,
}

impl TryFrom<RawJsonCheck> for JsonCheck {
    type Error = String;

    fn try_from(raw: RawJsonCheck) -> Result<Self, String> {
        let mut tests = [
            raw.exists.map(JsonTest::Exists),
            raw.equals.map(JsonTest::Equals),
            raw.matches.map(JsonTest::Matches),
        ]
        .into_iter()
        .flatten();
        let pointer = raw.pointer;
        match (tests.next(), tests.next()) {
            (Some(test), None) => Ok(JsonCheck { pointer, test }),
            (None, _) => Err(format!(
                "the check of {pointer:?} needs one of exists, equals or matches"
            )),
            (Some(_), Some(_)) => Err(format!(
                "the check of {pointer:?} gives more than one of exists, equals and matches; keep one"
            )),
        }
    }
}

/// RFC 6901: empty (the whole document), or `/` before each name, with `~` only as `~0` or `~1`.
pub fn check_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "{pointer:?} is not a JSON pointer: it starts with \"/\" (\"/{pointer}\")"
        ));
    }
    let mut after_tilde = pointer.split('~').skip(1);
    match after_tilde.all(|rest| rest.starts_with(['0', '1'])) {
        true => Ok(()),
        false => Err(format!(
            "{pointer:?} is not a JSON pointer: \"~\" is written \"~0\" and a \"/\" in a name \"~1\""
        )),
    }
}

/// What is wrong with a regular expression, in the last line of the `regex` crate's words.
fn check_regex(pattern: &str) -> Result<(), String> {
    match regex::Regex::new(pattern) {
        Ok(_) => Ok(()),
        Err(e) => {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or_default();
            Err(why.trim_start_matches("error: ").to_string())
        }
    }
}

fn check_header_name(name: &str) -> Result<(), String> {
    match http::HeaderName::from_bytes(name.as_bytes()) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{name:?} is not a header name")),
    }
}

/// TOML has no null: such a value could not be written back.
fn holds_null(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.iter().any(holds_null),
        serde_json::Value::Object(fields) => fields.values().any(holds_null),
        _ => false,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error("profile {profile} has no saved request {name:?} (see `waybill requests {profile}`)")]
    NotFound { profile: String, name: String },
    #[error("{name:?} names several saved requests of profile {profile}: {}; give its folder too", .candidates.join(", "))]
    Ambiguous {
        profile: String,
        name: String,
        candidates: Vec<String>,
    },
    #[error("give the request a name to save it")]
    NoName,
    /// Its expectations or captures break a rule (see `SavedRequest::validate`).
    #[error("saved request {path:?}: {detail}")]
    Invalid { path: String, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    #[serde(default, rename = "saved", deserialize_with = "entries")]
    entries: Vec<Entry>,
}

/// Each `[[saved]]` read on its own, so that what is wrong with one is said with its name.
fn entries<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Entry>, D::Error> {
    let entry = |table: toml::Table| {
        let text = |key| table.get(key).and_then(toml::Value::as_str);
        let path = match (text("folder"), text("name").unwrap_or_default()) {
            (Some(folder), name) => format!("{folder}/{name}"),
            (None, name) => name.to_string(),
        };
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| {
                serde::de::Error::custom(format!("saved request {path:?}: {}", e.message()))
            })
    };
    let tables = Vec::<toml::Table>::deserialize(deserializer)?;
    tables.into_iter().map(entry).collect()
}

/// Keyed by the profile's `keyring_id`, which survives a rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    profile: String,
    #[serde(flatten)]
    saved: SavedRequest,
}

impl Saved {
    /// Every request's expectations and captures, checked as the file is read and written.
    fn validate(&self) -> Result<(), String> {
        self.entries.iter().try_for_each(|entry| {
            entry
                .saved
                .validate()
                .map_err(|detail| format!("saved request {:?}: {detail}", entry.saved.path()))
        })
    }
}

#[derive(Debug, Clone)]
pub struct SavedRequests {
    file: TomlFile<Saved>,
}

impl SavedRequests {
    pub fn in_dir(dir: &Path) -> Self {
        let file = TomlFile::new(dir.join(FILE_NAME), HEADER, FORMAT_VERSION, Saved::validate);
        Self { file }
    }

    /// The profile's saved requests, in the order they were first saved.
    pub fn list(&self, keyring_id: &str) -> Result<Vec<SavedRequest>, StoreError> {
        Ok(self
            .file
            .load()?
            .entries
            .into_iter()
            .filter(|e| e.profile == keyring_id)
            .map(|e| e.saved)
            .collect())
    }

    /// The request `reference` names: its name, or `folder/name` (`profile` is for messages).
    pub fn find(
        &self,
        keyring_id: &str,
        profile: &str,
        reference: &str,
    ) -> Result<SavedRequest, SavedError> {
        let mut found: Vec<SavedRequest> = self
            .list(keyring_id)?
            .into_iter()
            .filter(|s| s.name == reference || s.path() == reference)
            .collect();
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(SavedError::NotFound {
                profile: profile.into(),
                name: reference.into(),
            }),
            _ => Err(SavedError::Ambiguous {
                profile: profile.into(),
                name: reference.into(),
                candidates: found.iter().map(SavedRequest::path).collect(),
            }),
        }
    }

    /// Save under its folder and name, replacing the request there for this profile.
    pub fn put(&self, keyring_id: &str, saved: SavedRequest) -> Result<(), SavedError> {
        if saved.name.trim().is_empty() {
            return Err(SavedError::NoName);
        }
        saved.validate().map_err(|detail| SavedError::Invalid {
            path: saved.path(),
            detail,
        })?;
        self.file.update(|file| {
            let entry = Entry {
                profile: keyring_id.to_string(),
                saved,
            };
            let (folder, name) = (entry.saved.folder.as_deref(), &entry.saved.name);
            match file
                .entries
                .iter_mut()
                .find(|e| e.profile == keyring_id && e.saved.is(folder, name))
            {
                Some(existing) => *existing = entry,
                None => file.entries.push(entry),
            }
            Ok(())
        })
    }

    pub fn remove(
        &self,
        keyring_id: &str,
        folder: Option<&str>,
        name: &str,
    ) -> Result<(), StoreError> {
        self.file.update(|file| {
            file.entries
                .retain(|e| !(e.profile == keyring_id && e.saved.is(folder, name)));
            Ok(())
        })
    }

    /// Forget every request of a removed profile.
    pub fn remove_profile(&self, keyring_id: &str) -> Result<(), StoreError> {
        self.file.update(|file| {
            file.entries.retain(|e| e.profile != keyring_id);
            Ok(())
        })
    }

    /// Give a copied profile the same saved requests.
    pub fn copy_profile(&self, from: &str, to: &str) -> Result<(), StoreError> {
        self.file.update(|file| {
            let copies: Vec<Entry> = file
                .entries
                .iter()
                .filter(|e| e.profile == from)
                .map(|e| Entry {
                    profile: to.to_string(),
                    ..e.clone()
                })
                .collect();
            file.entries.extend(copies);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_read_as_typed_the_way_send_names_it() {
        let at = |path: &str| {
            let saved = SavedRequest::at(path, RequestDraft::default());
            (saved.folder, saved.name)
        };
        assert_eq!(at(" orders/list "), (Some("orders".into()), "list".into()));
        assert_eq!(at("a/b/GET x"), (Some("a/b".into()), "GET x".into()));
        assert_eq!(at("ping"), (None, "ping".into()));
        assert_eq!(at("/odd"), (None, "/odd".into()), "no empty folder");
        assert_eq!(at("odd/"), (None, "odd/".into()), "no empty name");
        assert_eq!(
            SavedRequest::at("a/b/c", RequestDraft::default()).path(),
            "a/b/c"
        );
    }

    fn draft(url: &str) -> RequestDraft {
        RequestDraft {
            method: "POST".into(),
            url: url.into(),
            query: vec![("page".into(), "2".into())],
            headers: vec![("Accept".into(), "application/json".into())],
            body: DraftBody::Form(vec![("to".into(), "Berlin".into())]),
        }
    }

    fn saved(folder: Option<&str>, name: &str, url: &str) -> SavedRequest {
        SavedRequest {
            folder: folder.map(Into::into),
            name: name.into(),
            request: draft(url),
            ..SavedRequest::default()
        }
    }

    #[test]
    fn requests_are_kept_per_profile_replaced_by_name_and_copied() {
        let dir = tempfile::tempdir().unwrap();
        let store = SavedRequests::in_dir(dir.path());
        assert!(store.list("a-1").unwrap().is_empty());
        store.put("a-1", saved(None, "ship", "/shipments")).unwrap();
        store.put("b-2", saved(None, "ship", "/other")).unwrap();
        let replaced = saved(None, "ship", "/shipments/2");
        store.put("a-1", replaced.clone()).unwrap();
        // A fresh reader sees what was written.
        let again = SavedRequests::in_dir(dir.path());
        assert_eq!(again.list("a-1").unwrap(), vec![replaced.clone()]);
        again.copy_profile("a-1", "c-3").unwrap();
        assert_eq!(again.list("c-3").unwrap(), vec![replaced]);
        again.remove("a-1", None, "ship").unwrap();
        assert!(again.list("a-1").unwrap().is_empty());
        again.remove_profile("b-2").unwrap();
        assert!(again.list("b-2").unwrap().is_empty());
        assert_eq!(again.list("c-3").unwrap().len(), 1);
        assert!(matches!(
            again.put("a-1", saved(None, " ", "/x")),
            Err(SavedError::NoName)
        ));
    }

    #[test]
    fn a_request_is_found_by_its_name_or_its_folder_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = SavedRequests::in_dir(dir.path());
        store
            .put("a-1", saved(Some("orders"), "list", "/orders"))
            .unwrap();
        store
            .put("a-1", saved(Some("shipments"), "list", "/shipments"))
            .unwrap();
        store
            .put(
                "a-1",
                saved(Some("shipments/labels"), "GET /labels/{{id}}", "/l"),
            )
            .unwrap();
        store.put("a-1", saved(None, "ping", "/ping")).unwrap();
        let find = |r: &str| store.find("a-1", "acme", r);
        assert_eq!(find("ping").unwrap().request.url, "/ping");
        assert_eq!(find("orders/list").unwrap().request.url, "/orders");
        assert_eq!(find("GET /labels/{{id}}").unwrap().request.url, "/l");
        assert_eq!(
            find("shipments/labels/GET /labels/{{id}}")
                .unwrap()
                .request
                .url,
            "/l"
        );
        let err = find("list").unwrap_err();
        assert!(
            err.to_string().contains("orders/list, shipments/list"),
            "an ambiguous name lists the candidates: {err}"
        );
        assert!(matches!(find("nope"), Err(SavedError::NotFound { .. })));
    }

    #[test]
    fn an_unreadable_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "version = [").unwrap();
        let err = SavedRequests::in_dir(dir.path()).list("a").unwrap_err();
        assert!(err.to_string().contains("moved to"), "{err}");
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            kept.iter().any(|n| n.starts_with("requests.toml.corrupt-")),
            "{kept:?}"
        );
        assert!(SavedRequests::in_dir(dir.path())
            .list("a")
            .unwrap()
            .is_empty());
    }

    /// What this file looked like before expectations and captures existed.
    const WITHOUT_EXPECT: &str = r#"# Waybill saved requests. No tokens in here.

version = 1

[[saved]]
profile = "acme-1"
folder = "tracking"
name = "track a parcel"

[saved.request]
method = "GET"
url = "/track/{{n}}"
query = [[
    "a",
    "1",
]]
headers = [[
    "Accept",
    "application/json",
]]

[saved.request.body]
kind = "json"
value = "{\"a\": 1}"

[[saved.params]]
name = "n"
place = "path"
required = true

[[saved]]
profile = "acme-1"
name = "ping"

[saved.request]
method = "GET"
url = "/ping"
query = []
headers = []

[saved.request.body]
kind = "none"
"#;

    fn old_requests() -> [SavedRequest; 2] {
        let mut track = SavedRequest::at(
            "tracking/track a parcel",
            RequestDraft {
                method: "GET".into(),
                url: "/track/{{n}}".into(),
                query: vec![("a".into(), "1".into())],
                headers: vec![("Accept".into(), "application/json".into())],
                body: DraftBody::Json("{\"a\": 1}".into()),
            },
        );
        track.params.push(Param {
            name: "n".into(),
            place: "path".into(),
            required: true,
            ..Param::default()
        });
        let ping = RequestDraft {
            method: "GET".into(),
            url: "/ping".into(),
            ..RequestDraft::default()
        };
        [track, SavedRequest::at("ping", ping)]
    }

    #[test]
    fn a_file_without_expectations_reads_and_writes_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let store = SavedRequests::in_dir(dir.path());
        for saved in old_requests() {
            store.put("acme-1", saved).unwrap();
        }
        let written = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(written, WITHOUT_EXPECT, "byte for byte as before");

        std::fs::write(dir.path().join(FILE_NAME), WITHOUT_EXPECT).unwrap();
        let read = store.list("acme-1").unwrap();
        assert_eq!(read, old_requests());
        assert!(read
            .iter()
            .all(|s| s.expect.is_none() && s.capture.is_empty()));
    }

    const HAND_WRITTEN: &str = r#"version = 1

[[saved]]
profile = "ups-1"
folder = "tracking"
name = "track a parcel"
[saved.request]
method = "GET"
url = "/track/v1/details/{{tracking_number}}"
[saved.expect]
status = "2xx"
max_ms = 2000
headers = ["x-request-id"]
json = [
  { pointer = "/trackResponse/shipment/0/package/0/trackingNumber", equals = "1Z999AA10123456784" },
  { pointer = "/trackResponse/shipment/0/package/0/activity", exists = true },
  { pointer = "/trackResponse/shipment/0/package/0/weight", equals = 2.5 },
  { pointer = "/trackResponse/shipment/0/package/0/trackingNumber", matches = "^1Z[0-9A-Z]{16}$" },
]
[[saved.capture]]
name = "tracking_number"
json = "/trackResponse/shipment/0/package/0/trackingNumber"
[[saved.capture]]
name = "request_id"
header = "x-request-id"

[[saved]]
profile = "ups-1"
name = "create"
[saved.request]
method = "POST"
url = "/shipments"
[saved.expect]
status = 201
"#;

    #[test]
    fn hand_written_expectations_and_captures_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), HAND_WRITTEN).unwrap();
        let store = SavedRequests::in_dir(dir.path());
        let track = store
            .find("ups-1", "ups", "tracking/track a parcel")
            .unwrap();
        let pointer = "/trackResponse/shipment/0/package/0";
        let check = |at: &str, test| JsonCheck {
            pointer: format!("{pointer}/{at}"),
            test,
        };
        let expect = Expect {
            status: Some(ExpectedStatus::Class(2)),
            max_ms: Some(2000),
            headers: vec!["x-request-id".into()],
            json: vec![
                check(
                    "trackingNumber",
                    JsonTest::Equals("1Z999AA10123456784".into()),
                ),
                check("activity", JsonTest::Exists(true)),
                check("weight", JsonTest::Equals(2.5.into())),
                check(
                    "trackingNumber",
                    JsonTest::Matches("^1Z[0-9A-Z]{16}$".into()),
                ),
            ],
        };
        assert_eq!(track.expect, Some(expect));
        let captures = vec![
            Capture {
                name: "tracking_number".into(),
                json: Some(format!("{pointer}/trackingNumber")),
                header: None,
            },
            Capture {
                name: "request_id".into(),
                json: None,
                header: Some("x-request-id".into()),
            },
        ];
        assert_eq!(track.capture, captures);
        let create = store.find("ups-1", "ups", "create").unwrap();
        assert_eq!(
            create.expect.unwrap().status,
            Some(ExpectedStatus::Code(201))
        );
    }

    #[test]
    fn expectations_are_written_back_as_given() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), HAND_WRITTEN).unwrap();
        let store = SavedRequests::in_dir(dir.path());
        // Any change writes the whole file again.
        store.copy_profile("ups-1", "ups-2").unwrap();
        store.remove_profile("ups-1").unwrap();
        let written = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        let first = written.split("[[saved]]").nth(1).unwrap();
        assert_eq!(
            first,
            r#"
profile = "ups-2"
folder = "tracking"
name = "track a parcel"

[saved.request]
method = "GET"
url = "/track/v1/details/{{tracking_number}}"
query = []
headers = []

[saved.request.body]
kind = "none"

[saved.expect]
status = "2xx"
max_ms = 2000
headers = ["x-request-id"]

[[saved.expect.json]]
pointer = "/trackResponse/shipment/0/package/0/trackingNumber"
equals = "1Z999AA10123456784"

[[saved.expect.json]]
pointer = "/trackResponse/shipment/0/package/0/activity"
exists = true

[[saved.expect.json]]
pointer = "/trackResponse/shipment/0/package/0/weight"
equals = 2.5

[[saved.expect.json]]
pointer = "/trackResponse/shipment/0/package/0/trackingNumber"
matches = "^1Z[0-9A-Z]{16}$"

[[saved.capture]]
name = "tracking_number"
json = "/trackResponse/shipment/0/package/0/trackingNumber"

[[saved.capture]]
name = "request_id"
header = "x-request-id"

"#
        );
        assert!(
            written.contains("\n[saved.expect]\nstatus = 201\n"),
            "{written}"
        );
        let again = SavedRequests::in_dir(dir.path()).list("ups-2").unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join(FILE_NAME), HAND_WRITTEN).unwrap();
        let before = SavedRequests::in_dir(other.path()).list("ups-1").unwrap();
        assert_eq!(again, before, "what is written reads back the same");
    }

    fn refused_file(saved: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let file = format!("version = 1\n[[saved]]\nprofile = \"p-1\"\nname = \"n\"\n[saved.request]\nmethod = \"GET\"\nurl = \"/x\"\n{saved}");
        std::fs::write(dir.path().join(FILE_NAME), file).unwrap();
        SavedRequests::in_dir(dir.path())
            .list("p-1")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_file_breaking_the_rules_is_refused_in_words() {
        let cases = [
            (
                "[[saved.capture]]\nname = \"id\"\njson = \"/id\"\nheader = \"x-id\"\n",
                "saved request \"n\": capture \"id\" names both json and header; give one",
            ),
            (
                "[[saved.capture]]\nname = \"id\"\n",
                "capture \"id\" needs json (a pointer into the body) or header",
            ),
            (
                "[[saved.capture]]\nname = \"an id\"\njson = \"/id\"\n",
                "capture \"an id\" is not a variable name",
            ),
            (
                "[[saved.capture]]\nname = \"id\"\njson = \"id\"\n",
                "\"id\" is not a JSON pointer: it starts with \"/\" (\"/id\")",
            ),
            (
                "[saved.expect]\nstatus = \"200\"\n",
                "is neither a code (status = 200, no quotes) nor a class",
            ),
            (
                "[saved.expect]\nstatus = \"6xx\"\n",
                "status \"6xx\" is neither a code",
            ),
            (
                "[saved.expect]\nstatus = 42\n",
                "status 42 is not an HTTP status (100 to 599)",
            ),
            ("[saved.expect]\nmax_time = 5\n", "unknown field `max_time`"),
            (
                "[saved.expect]\njson = [{ pointer = \"/a\" }]\n",
                "the check of \"/a\" needs one of exists, equals or matches",
            ),
            (
                "[saved.expect]\njson = [{ pointer = \"/a\", exists = true, equals = 1 }]\n",
                "gives more than one of exists, equals and matches; keep one",
            ),
            (
                "[saved.expect]\njson = [{ pointer = \"/a\", matches = \"1Z(\" }]\n",
                "matches \"1Z(\" of \"/a\" is not a regular expression (unclosed group)",
            ),
            (
                "[saved.expect]\njson = [{ pointer = \"/a~2\", exists = true }]\n",
                "\"/a~2\" is not a JSON pointer",
            ),
            (
                "[saved.expect]\nheaders = [\"x id\"]\n",
                "expect.headers: \"x id\" is not a header name",
            ),
        ];
        for (saved, words) in cases {
            let err = refused_file(saved);
            assert!(err.contains(words), "{saved}: {err}");
            assert!(err.contains("saved request \"n\": "), "{err}");
            assert!(err.contains("could not be read"), "{err}");
        }
    }

    #[test]
    fn a_request_breaking_the_rules_is_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let store = SavedRequests::in_dir(dir.path());
        let mut saved = saved(Some("t"), "track", "/t");
        saved.capture.push(Capture {
            name: "id".into(),
            ..Capture::default()
        });
        let err = store.put("a-1", saved.clone()).unwrap_err();
        assert!(matches!(err, SavedError::Invalid { .. }));
        assert_eq!(
            err.to_string(),
            "saved request \"t/track\": capture \"id\" needs json (a pointer into the body) or header (a header's name)"
        );
        saved.capture[0].header = Some("x-id".into());
        saved.expect = Some(Expect {
            json: vec![JsonCheck {
                pointer: "/a".into(),
                test: JsonTest::Equals(serde_json::json!([1, null])),
            }],
            ..Expect::default()
        });
        let err = store.put("a-1", saved.clone()).unwrap_err().to_string();
        assert!(
            err.contains("holds a null, which TOML cannot write"),
            "{err}"
        );
        saved.expect = None;
        store.put("a-1", saved.clone()).unwrap();
        assert_eq!(store.list("a-1").unwrap(), vec![saved]);
    }
}
