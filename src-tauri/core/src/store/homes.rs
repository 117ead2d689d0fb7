//! The folders whose profiles keep their secrets in this user's OS keyring, and the lock that
//! keeps tidying the keyring from racing a profile being made.
//!
//! The keyring is one per user, shared by every home (`--home`, a team's folder, the OS config
//! directory), and its entries say which profile they are for (its keyring id) but not which home
//! that profile lives in. So each Waybill notes the home it opens here (`homes.toml`, in the OS
//! data directory), and `waybill keyring tidy` counts an entry as no profile's only when no home
//! listed has a profile with its keyring id.
//!
//! A profile's secrets reach the keyring before the profile reaches its file, so for a moment
//! they belong to no profile. Making one holds `keyring.lock` shared over that moment; tidying
//! holds it exclusive, so it never sees those entries half made.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::TomlFile;
use super::lock::FileLock;
use super::StoreError;

const HEADER: &str =
    "# The folders whose Waybill profiles keep their secrets in this user's OS keyring:\n\
# `waybill keyring tidy` removes only entries that no profile of these folders owns.\n\n";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct HomeList {
    #[serde(default)]
    homes: Vec<PathBuf>,
}

/// `homes.toml` and `keyring.lock` in one folder (the OS data directory).
#[derive(Debug, Clone)]
pub struct Homes {
    file: TomlFile<HomeList>,
    lock: PathBuf,
}

impl Homes {
    pub fn in_dir(dir: &Path) -> Self {
        Homes {
            file: TomlFile::new(dir.join("homes.toml"), HEADER, 1, |_| Ok(())),
            lock: dir.join("keyring.lock"),
        }
    }

    /// The OS data directory's: `~/.local/share/waybill` on Linux.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "waybill").map(|dirs| dirs.data_dir().to_path_buf())
    }

    /// Note `home` (once: a read when it is known already, as it almost always is).
    pub fn register(&self, home: &Path) -> Result<(), StoreError> {
        let home = std::path::absolute(home).unwrap_or_else(|_| home.to_path_buf());
        if self.file.load()?.homes.contains(&home) {
            return Ok(());
        }
        self.file.update(|list: &mut HomeList| {
            if !list.homes.contains(&home) {
                list.homes.push(home.clone());
            }
            Ok::<_, StoreError>(())
        })
    }

    pub fn list(&self) -> Result<Vec<PathBuf>, StoreError> {
        Ok(self.file.load()?.homes)
    }

    /// Forget folders that are gone: their profiles, and so their secrets, are no one's now.
    pub fn forget(&self, gone: &[PathBuf]) -> Result<(), StoreError> {
        self.file.update(|list: &mut HomeList| {
            list.homes.retain(|home| !gone.contains(home));
            Ok::<_, StoreError>(())
        })
    }

    /// Held while a profile's secrets are in the keyring and the profile not yet in its file.
    pub async fn making_profile(&self) -> Result<FileLock, StoreError> {
        self.locked(FileLock::acquire_shared_async(self.lock.clone()).await)
    }

    /// Held while the keyring is tidied: no profile is half made meanwhile.
    pub async fn tidying(&self) -> Result<FileLock, StoreError> {
        self.locked(FileLock::acquire_async(self.lock.clone()).await)
    }

    fn locked(&self, lock: std::io::Result<FileLock>) -> Result<FileLock, StoreError> {
        lock.map_err(|source| StoreError::Io {
            action: "lock",
            path: self.lock.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_is_noted_once_and_forgotten_when_gone() {
        let data = tempfile::tempdir().unwrap();
        let homes = Homes::in_dir(data.path());
        let (a, b) = (data.path().join("a"), data.path().join("b"));
        for home in [&a, &b, &a] {
            homes.register(home).unwrap();
        }
        assert_eq!(homes.list().unwrap(), [a.clone(), b.clone()]);
        homes.forget(std::slice::from_ref(&a)).unwrap();
        assert_eq!(homes.list().unwrap(), [b]);
    }
}
