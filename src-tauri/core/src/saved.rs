//! Saved requests: the request builder's drafts a person keeps, per profile, in `requests.toml`
//! beside the profiles file (same guarantees: TOML, versioned, atomic writes, an unreadable file
//! moved aside). A draft holds no token: the bearer is added when it is sent.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::request::RequestDraft;
use crate::store::{self, StoreError};

pub const FILE_NAME: &str = "requests.toml";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedRequest {
    pub name: String,
    pub request: RequestDraft,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedFile {
    version: u32,
    #[serde(default, rename = "saved")]
    entries: Vec<Entry>,
}

/// Keyed by the profile's `keyring_id`, which survives a rename.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    profile: String,
    name: String,
    request: RequestDraft,
}

#[derive(Debug, Clone)]
pub struct SavedRequests {
    path: PathBuf,
}

impl SavedRequests {
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            path: dir.into().join(FILE_NAME),
        }
    }

    pub fn list(&self, keyring_id: &str) -> Result<Vec<SavedRequest>, StoreError> {
        Ok(self
            .load()?
            .entries
            .into_iter()
            .filter(|e| e.profile == keyring_id)
            .map(|e| SavedRequest {
                name: e.name,
                request: e.request,
            })
            .collect())
    }

    /// Save under `saved.name`, replacing a request of that name for this profile.
    pub fn put(&self, keyring_id: &str, saved: SavedRequest) -> Result<(), StoreError> {
        let mut file = self.load()?;
        let entry = Entry {
            profile: keyring_id.to_string(),
            name: saved.name,
            request: saved.request,
        };
        match file
            .entries
            .iter_mut()
            .find(|e| e.profile == entry.profile && e.name == entry.name)
        {
            Some(existing) => *existing = entry,
            None => file.entries.push(entry),
        }
        self.save(file)
    }

    pub fn remove(&self, keyring_id: &str, name: &str) -> Result<(), StoreError> {
        let mut file = self.load()?;
        file.entries
            .retain(|e| !(e.profile == keyring_id && e.name == name));
        self.save(file)
    }

    /// Forget every request of a deleted profile.
    pub fn remove_profile(&self, keyring_id: &str) -> Result<(), StoreError> {
        let mut file = self.load()?;
        let before = file.entries.len();
        file.entries.retain(|e| e.profile != keyring_id);
        if file.entries.len() == before {
            return Ok(());
        }
        self.save(file)
    }

    /// Give a copied profile the same saved requests.
    pub fn copy_profile(&self, from: &str, to: &str) -> Result<(), StoreError> {
        let mut file = self.load()?;
        let copies: Vec<Entry> = file
            .entries
            .iter()
            .filter(|e| e.profile == from)
            .map(|e| Entry {
                profile: to.to_string(),
                ..e.clone()
            })
            .collect();
        if copies.is_empty() {
            return Ok(());
        }
        file.entries.extend(copies);
        self.save(file)
    }

    fn load(&self) -> Result<SavedFile, StoreError> {
        let file: SavedFile = store::read_toml(&self.path)?;
        if file.version > FORMAT_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: file.version,
            });
        }
        Ok(file)
    }

    fn save(&self, mut file: SavedFile) -> Result<(), StoreError> {
        file.version = FORMAT_VERSION;
        let header = "# Waybill saved requests. No tokens in here.\n\n";
        store::write_toml(&self.path, header, &file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::DraftBody;

    fn draft(url: &str) -> RequestDraft {
        RequestDraft {
            method: "POST".into(),
            url: url.into(),
            query: vec![("page".into(), "2".into())],
            headers: vec![("Accept".into(), "application/json".into())],
            body: DraftBody::Form(vec![("to".into(), "Berlin".into())]),
        }
    }

    #[test]
    fn requests_are_kept_per_profile_replaced_by_name_and_copied() {
        let dir = tempfile::tempdir().unwrap();
        let saved = SavedRequests::in_dir(dir.path());
        assert!(saved.list("a-1").unwrap().is_empty());
        let one = SavedRequest {
            name: "ship".into(),
            request: draft("/shipments"),
        };
        saved.put("a-1", one.clone()).unwrap();
        saved
            .put(
                "b-2",
                SavedRequest {
                    name: "ship".into(),
                    request: draft("/other"),
                },
            )
            .unwrap();
        let replaced = SavedRequest {
            name: "ship".into(),
            request: draft("/shipments/2"),
        };
        saved.put("a-1", replaced.clone()).unwrap();
        // A fresh reader sees what was written.
        let again = SavedRequests::in_dir(dir.path());
        assert_eq!(again.list("a-1").unwrap(), vec![replaced.clone()]);
        again.copy_profile("a-1", "c-3").unwrap();
        assert_eq!(again.list("c-3").unwrap(), vec![replaced]);
        again.remove("a-1", "ship").unwrap();
        assert!(again.list("a-1").unwrap().is_empty());
        again.remove_profile("b-2").unwrap();
        assert!(again.list("b-2").unwrap().is_empty());
        assert_eq!(again.list("c-3").unwrap().len(), 1);
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
