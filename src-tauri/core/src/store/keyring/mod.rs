//! The OS keyring beneath the vault: one `SecretStore` per platform (the Secret Service on Linux,
//! the Keychain or the Credential Manager elsewhere), memory for `--session-only` runs, and memory
//! with the Credential Manager's limit for tests. The stores know accounts and strings only; what
//! each entry means (and how a long value is split) is the vault's.

#[cfg(not(target_os = "linux"))]
mod keychain;
#[cfg(target_os = "linux")]
mod secret_service;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

pub const KEYRING_SERVICE: &str = "waybill";

#[derive(Debug, Clone, thiserror::Error)]
pub enum VaultError {
    #[error("no OS keyring is reachable ({0})")]
    Unavailable(String),
    #[error("the OS keyring is locked or refused access ({0}); unlock it and try again")]
    Locked(String),
    #[error("the OS keyring cannot hold this {what}: {detail}")]
    TooLong { what: String, detail: String },
    #[error("the OS keyring failed: {0}")]
    Failed(String),
    /// A value split across entries whose parts do not make it whole: a write interrupted between
    /// them, or another program changed one. Never read as a (wrong) secret.
    #[error("the keyring entry {0} is incomplete or damaged (a write was interrupted, or another program changed it); set that secret again")]
    Incomplete(String),
}

/// One entry of Waybill's service in the keyring, without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub account: String,
    /// When it was last written, where the store says.
    pub modified: Option<SystemTime>,
}

/// A place secrets can be kept: the OS keyring, or memory for one run.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError>;
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError>;
    /// Removing what is not there is not an error.
    fn delete(&self, account: &str) -> Result<(), VaultError>;
    /// Every entry of `KEYRING_SERVICE`, without reading (or unlocking) a value where the store
    /// allows.
    fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError>;
}

/// The OS keyring of this platform.
#[cfg(target_os = "linux")]
pub type OsKeyring = self::secret_service::SecretServiceStore;
#[cfg(not(target_os = "linux"))]
pub type OsKeyring = self::keychain::KeyringStore;

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.len() > 300 {
        // `str::floor_char_boundary` would do, but is newer than the workspace's rust-version.
        let end = (0..=300)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}...", &line[..end])
    } else {
        line
    }
}

/// Secrets kept in memory for one run (`--session-only`), gone when the process ends. Clones share
/// their entries.
#[derive(Default, Clone)]
pub struct MemoryStore(Arc<Mutex<HashMap<String, (String, SystemTime)>>>);

impl MemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, SystemTime)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        Ok(self.entries().get(account).map(|(value, _)| value.clone()))
    }
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
        self.entries()
            .insert(account.to_string(), (value.to_string(), SystemTime::now()));
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.entries().remove(account);
        Ok(())
    }
    fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
        let mut accounts: Vec<_> = (self.entries().iter())
            .map(|(account, (_, modified))| StoredAccount {
                account: account.clone(),
                modified: Some(*modified),
            })
            .collect();
        accounts.sort_by(|a, b| a.account.cmp(&b.account));
        Ok(accounts)
    }
}

/// The most a Windows credential holds: `CRED_MAX_CREDENTIAL_BLOB_SIZE` (5 * 512 bytes, windows-sys
/// `Win32::Security::Credentials`), which the `keyring` crate's Windows store
/// (windows-native-keyring-store 1.1, `utils::validate_password`) checks against the password
/// encoded as UTF-16: 1,280 UTF-16 code units.
pub const WINDOWS_CREDENTIAL_BLOB_MAX: usize = 2560;

/// Memory with the Windows Credential Manager's limit, for tests: refuses what Windows refuses, as
/// the `keyring` crate does there (`VaultError::TooLong`). Clones share their entries.
#[derive(Default, Clone)]
pub struct CappedStore(pub MemoryStore);

impl SecretStore for CappedStore {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        self.0.get(account)
    }
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
        if value.encode_utf16().count() * 2 > WINDOWS_CREDENTIAL_BLOB_MAX {
            return Err(VaultError::TooLong {
                what: account.to_string(),
                detail: format!(
                    "password encoded as UTF-16 is longer than {WINDOWS_CREDENTIAL_BLOB_MAX} bytes"
                ),
            });
        }
        self.0.set(account, value)
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.0.delete(account)
    }
    fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
        self.0.accounts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fits(value: &str) -> bool {
        let store = CappedStore::default();
        let kept = store.set("p/kind", value);
        assert_eq!(kept.is_ok(), store.get("p/kind").unwrap().is_some());
        match kept {
            Ok(()) => true,
            Err(VaultError::TooLong { what, .. }) => {
                assert_eq!(what, "p/kind");
                false
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_capped_store_refuses_what_windows_refuses() {
        // 2,560 bytes of UTF-16: 1,280 units, whatever the UTF-8 length.
        assert!(fits(&"a".repeat(1280)));
        assert!(!fits(&"a".repeat(1281)));
        assert!(fits(&"é".repeat(1280)));
        assert!(!fits(&"é".repeat(1281)));
        assert!(fits(&"😀".repeat(640)));
        assert!(!fits(&("😀".repeat(640) + "a")));
    }

    #[test]
    fn memory_lists_its_accounts_without_values() {
        let store = MemoryStore::default();
        let shared = store.clone();
        store.set("b/api_key", "secret-b").unwrap();
        store.set("a/api_key", "secret-a").unwrap();
        store.delete("b/api_key").unwrap();
        store.set("c/api_key", "secret-c").unwrap();
        let listed = shared.accounts().unwrap();
        let names: Vec<_> = listed.iter().map(|a| a.account.as_str()).collect();
        assert_eq!(names, ["a/api_key", "c/api_key"]);
        assert!(listed.iter().all(|a| a.modified.is_some()));
        assert!(!format!("{listed:?}").contains("secret"));
    }
}
