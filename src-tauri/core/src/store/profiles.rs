//! The profiles file: `profiles.toml` in the profile directory (see `store::file` for how it is
//! written, locked and checked). It never holds a secret: `Profile` has no field for one. Every
//! profile in it passes `Profile::validate`, so nothing in it can make the next load fail.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::TomlFile;
use super::StoreError;
use crate::profile::Profile;

pub const FILE_NAME: &str = "profiles.toml";
const FORMAT_VERSION: u32 = 1;
const HEADER: &str = "# Waybill profiles. No secrets in here: they live in the OS keyring.\n\n";

/// The profiles, in the order they were added.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profiles {
    #[serde(default, rename = "profile")]
    list: Vec<Profile>,
}

impl Profiles {
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.list.iter()
    }
    pub fn get(&self, name: &str) -> Result<&Profile, StoreError> {
        self.list
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))
    }
    pub fn contains(&self, name: &str) -> bool {
        self.list.iter().any(|p| p.name == name)
    }
    pub fn add(&mut self, profile: Profile) -> Result<(), StoreError> {
        if self.contains(&profile.name) {
            return Err(StoreError::Exists(profile.name));
        }
        self.list.push(profile);
        Ok(())
    }
    /// Put `profile` where `old_name` was (an edit, maybe a rename).
    pub fn replace(&mut self, old_name: &str, profile: Profile) -> Result<(), StoreError> {
        if profile.name != old_name && self.contains(&profile.name) {
            return Err(StoreError::Exists(profile.name));
        }
        let index = self.index(old_name)?;
        self.list[index] = profile;
        Ok(())
    }
    pub fn remove(&mut self, name: &str) -> Result<Profile, StoreError> {
        let index = self.index(name)?;
        Ok(self.list.remove(index))
    }
    fn index(&self, name: &str) -> Result<usize, StoreError> {
        self.list
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))
    }
}

#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
    file: TomlFile<Profiles>,
}

impl ProfileStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let file = TomlFile::new(dir.join(FILE_NAME), HEADER, FORMAT_VERSION, check_profiles);
        Self { dir, file }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    pub fn load(&self) -> Result<Profiles, StoreError> {
        self.file.load()
    }

    /// Change the profiles under the file's lock, reading them again first.
    pub fn update<R, E: From<StoreError>>(
        &self,
        change: impl FnOnce(&mut Profiles) -> Result<R, E>,
    ) -> Result<R, E> {
        self.file.update(change)
    }
}

fn check_profiles(profiles: &Profiles) -> Result<(), String> {
    for (i, p) in profiles.list.iter().enumerate() {
        p.validate()
            .map_err(|e| format!("profile {:?}: {e}", p.name))?;
        crate::profile::validate_keyring_id(&p.keyring_id)
            .map_err(|e| format!("profile {:?}: {e}", p.name))?;
        let earlier = &profiles.list[..i];
        if earlier.iter().any(|q| q.name == p.name) {
            return Err(format!("profile {:?} appears twice", p.name));
        }
        if earlier.iter().any(|q| q.keyring_id == p.keyring_id) {
            return Err(format!("profile {:?} shares another's keyring id", p.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{ClientAuth, Grant};

    fn profile(name: &str) -> Profile {
        Profile {
            name: name.into(),
            keyring_id: format!("{name}-0001"),
            grant: Grant::ClientCredentials,
            token_url: Some("https://auth.example/token".into()),
            client_id: "id".into(),
            client_auth: ClientAuth::Json,
            scope: Some("*".into()),
            params: [("audience".to_string(), "api".to_string())].into(),
            api_base: Some("https://api.example".into()),
            headers: [("Accept".to_string(), "application/json".to_string())].into(),
            ..Profile::default()
        }
    }

    fn add(store: &ProfileStore, p: Profile) -> Result<(), StoreError> {
        store.update(|all| all.add(p))
    }

    #[test]
    fn profiles_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        assert_eq!(
            store.load().unwrap().iter().count(),
            0,
            "no file means no profiles"
        );
        add(&store, profile("a")).unwrap();
        add(&store, profile("b")).unwrap();
        assert!(matches!(
            add(&store, profile("a")),
            Err(StoreError::Exists(_))
        ));
        let loaded = store.load().unwrap();
        assert_eq!(loaded.get("b").unwrap(), &profile("b"));
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert!(
            text.contains("version = 1") && text.contains("[[profile]]"),
            "{text}"
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), "version = 1\n[[profile]\nname=").unwrap();
        let err = store.load().unwrap_err();
        let StoreError::Corrupt { backup, .. } = &err else {
            panic!("expected Corrupt, got {err:?}")
        };
        assert_eq!(
            std::fs::read_to_string(backup).unwrap(),
            "version = 1\n[[profile]\nname=",
            "kept as it was"
        );
        assert!(!store.path().exists());
        assert!(err.to_string().contains("moved to"), "{err}");
        assert_eq!(
            store.load().unwrap().iter().count(),
            0,
            "the next run starts clean"
        );
    }

    #[test]
    fn a_newer_format_is_refused_and_left_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        std::fs::write(store.path(), "version = 9\n").unwrap();
        assert!(matches!(
            store.load(),
            Err(StoreError::TooNew { found: 9, .. })
        ));
        assert!(store.path().exists());
    }

    #[test]
    fn a_profile_that_would_not_load_back_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        add(&store, profile("kept")).unwrap();
        let hostile = [
            Profile {
                name: "x".repeat(300),
                ..profile("a")
            },
            Profile {
                name: "bell\u{7}".into(),
                ..profile("b")
            },
            Profile {
                token_url: Some("javascript:alert(1)".into()),
                ..profile("c")
            },
            Profile {
                keyring_id: "../../etc/passwd".into(),
                ..profile("d")
            },
            Profile {
                keyring_id: "kept-0001".into(),
                ..profile("e")
            },
        ];
        for p in hostile {
            let refused = add(&store, p.clone());
            assert!(
                matches!(refused, Err(StoreError::Unloadable { .. })),
                "{p:?} was written: {refused:?}"
            );
        }
        let names: Vec<_> = store
            .load()
            .unwrap()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        assert_eq!(names, ["kept"], "the file still loads, with what it had");
    }
}
