//! Saved requests: the request builder's drafts a person keeps, per profile and optionally in a
//! folder, in `requests.toml` beside the profiles file (see `store::file`). A draft holds no
//! token: the bearer is added when it is sent, and `{{variables}}` stay as typed.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::file::TomlFile;
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
            params: Vec::new(),
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
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    #[serde(default, rename = "saved")]
    entries: Vec<Entry>,
}

/// Keyed by the profile's `keyring_id`, which survives a rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    profile: String,
    #[serde(flatten)]
    saved: SavedRequest,
}

#[derive(Debug, Clone)]
pub struct SavedRequests {
    file: TomlFile<Saved>,
}

impl SavedRequests {
    pub fn in_dir(dir: &Path) -> Self {
        let file = TomlFile::new(dir.join(FILE_NAME), HEADER, FORMAT_VERSION, |_| Ok(()));
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
            params: Vec::new(),
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
}
