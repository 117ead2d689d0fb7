//! The profiles file: `profiles.toml` in the OS config directory (`WAYBILL_HOME` overrides it).
//!
//! Guarantees: human-readable TOML with a format version; written atomically (temporary file in
//! the same directory, fsync, rename), so a crash leaves the old file or the new one, never half of
//! one; a file that cannot be read is moved aside, never overwritten, and reported with where it
//! went. It never holds a secret: `Profile` has no field for one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::profile::Profile;

pub const FILE_NAME: &str = "profiles.toml";
const FORMAT_VERSION: u32 = 1;
const HEADER: &str = "# Waybill profiles. No secrets in here: they live in the OS keyring.\n\n";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no config directory could be found for this user; set WAYBILL_HOME to a directory")]
    NoHome,
    #[error("{path} could not be read ({detail}); it was moved to {backup} and Waybill starts without it. Fix that file and move it back, or add what it held again")]
    Corrupt {
        path: PathBuf,
        backup: PathBuf,
        detail: String,
    },
    #[error("{path} was written by a newer Waybill (format {found}, this one reads {FORMAT_VERSION}); upgrade Waybill")]
    TooNew { path: PathBuf, found: u32 },
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("there is no profile named {0:?} (see `waybill profile list`)")]
    NotFound(String),
    #[error("a profile named {0:?} exists already; remove it first or pick another name")]
    Exists(String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ProfilesFile {
    version: u32,
    #[serde(default, rename = "profile")]
    profiles: Vec<Profile>,
}

/// The profiles, in the order they were added.
#[derive(Debug, Default, Clone)]
pub struct Profiles(Vec<Profile>);

impl Profiles {
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.0.iter()
    }
    pub fn get(&self, name: &str) -> Result<&Profile, StoreError> {
        self.0
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))
    }
    pub fn add(&mut self, profile: Profile) -> Result<(), StoreError> {
        if self.0.iter().any(|p| p.name == profile.name) {
            return Err(StoreError::Exists(profile.name));
        }
        self.0.push(profile);
        Ok(())
    }
    /// Put `profile` where `old_name` was (an edit, maybe a rename).
    pub fn replace(&mut self, old_name: &str, profile: Profile) -> Result<(), StoreError> {
        if profile.name != old_name && self.0.iter().any(|p| p.name == profile.name) {
            return Err(StoreError::Exists(profile.name));
        }
        let index = self
            .0
            .iter()
            .position(|p| p.name == old_name)
            .ok_or_else(|| StoreError::NotFound(old_name.to_string()))?;
        self.0[index] = profile;
        Ok(())
    }
    pub fn remove(&mut self, name: &str) -> Result<Profile, StoreError> {
        let index = self
            .0
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        Ok(self.0.remove(index))
    }
}

#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `WAYBILL_HOME` if set, else the OS config directory (`~/.config/waybill` on Linux).
    pub fn default_dir() -> Result<PathBuf, StoreError> {
        if let Some(home) = std::env::var_os("WAYBILL_HOME").filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(home));
        }
        directories::ProjectDirs::from("", "", "waybill")
            .map(|dirs| dirs.config_dir().to_path_buf())
            .ok_or(StoreError::NoHome)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    pub fn load(&self) -> Result<Profiles, StoreError> {
        let path = self.path();
        let text = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profiles::default()),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path,
                    source,
                })
            }
        };
        let parsed = std::str::from_utf8(&text)
            .map_err(|e| format!("not UTF-8 text: {e}"))
            .and_then(|text| {
                toml::from_str::<ProfilesFile>(text).map_err(|e| one_line(&e.to_string()))
            });
        match parsed {
            Ok(file) if file.version > FORMAT_VERSION => Err(StoreError::TooNew {
                path,
                found: file.version,
            }),
            Ok(file) => match check_profiles(&file.profiles) {
                Ok(()) => Ok(Profiles(file.profiles)),
                Err(detail) => Err(self.move_aside(detail)),
            },
            Err(detail) => Err(self.move_aside(detail)),
        }
    }

    pub fn save(&self, profiles: &Profiles) -> Result<(), StoreError> {
        let file = ProfilesFile {
            version: FORMAT_VERSION,
            profiles: profiles.0.clone(),
        };
        let body = toml::to_string_pretty(&file).map_err(|e| StoreError::Io {
            action: "encode",
            path: self.path(),
            source: std::io::Error::other(e),
        })?;
        self.write_atomically(format!("{HEADER}{body}").as_bytes())
    }

    fn write_atomically(&self, bytes: &[u8]) -> Result<(), StoreError> {
        write_atomically(&self.path(), bytes)
    }

    fn move_aside(&self, detail: String) -> StoreError {
        move_aside(&self.path(), detail)
    }
}

/// Temporary file in the same directory, fsync, rename: a crash leaves the old file or the new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |action, source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io("write", e))?;
    temp.write_all(bytes).map_err(|e| io("write", e))?;
    temp.as_file().sync_all().map_err(|e| io("write", e))?;
    temp.persist(path).map_err(|e| io("replace", e.error))?;
    Ok(())
}

/// A TOML file beside the profiles (saved requests, variables): missing is empty; unreadable is
/// moved aside and reported, like the profiles file.
pub(crate) fn read_toml<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
) -> Result<T, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(source) => {
            return Err(StoreError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    std::str::from_utf8(&bytes)
        .map_err(|e| format!("not UTF-8 text: {e}"))
        .and_then(|text| toml::from_str::<T>(text).map_err(|e| one_line(&e.to_string())))
        .map_err(|detail| move_aside(path, detail))
}

/// `header` (a comment saying what the file holds) then `value` as TOML, written atomically.
pub(crate) fn write_toml<T: Serialize>(
    path: &Path,
    header: &str,
    value: &T,
) -> Result<(), StoreError> {
    let body = toml::to_string_pretty(value).map_err(|e| StoreError::Io {
        action: "encode",
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    write_atomically(path, format!("{header}{body}").as_bytes())
}

/// Keep an unreadable file, under a name that says when, instead of overwriting it.
pub(crate) fn move_aside(path: &Path, detail: String) -> StoreError {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut backup = path.as_os_str().to_owned();
    backup.push(format!(".corrupt-{stamp}"));
    let backup = PathBuf::from(backup);
    match std::fs::rename(path, &backup) {
        Ok(()) => StoreError::Corrupt {
            path: path.to_path_buf(),
            backup,
            detail,
        },
        Err(source) => StoreError::Io {
            action: "move aside the unreadable",
            path: path.to_path_buf(),
            source,
        },
    }
}

fn check_profiles(profiles: &[Profile]) -> Result<(), String> {
    for (i, p) in profiles.iter().enumerate() {
        p.validate()
            .map_err(|e| format!("profile {:?}: {e}", p.name))?;
        if profiles[..i].iter().any(|q| q.name == p.name) {
            return Err(format!("profile {:?} appears twice", p.name));
        }
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
            username: None,
            remember_password: false,
            preset: None,
            environment: None,
            ..Profile::default()
        }
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
        let mut profiles = Profiles::default();
        profiles.add(profile("a")).unwrap();
        profiles.add(profile("b")).unwrap();
        assert!(matches!(
            profiles.add(profile("a")),
            Err(StoreError::Exists(_))
        ));
        store.save(&profiles).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.get("b").unwrap(), &profile("b"));
        let text = std::fs::read_to_string(store.path()).unwrap();
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
}
