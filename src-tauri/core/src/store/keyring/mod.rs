//! The OS keyring beneath the vault: one `SecretStore` per platform (the Secret Service on Linux,
//! the Keychain or the Credential Manager elsewhere) and memory for `--session-only` runs. The
//! stores know accounts and strings only; what each entry means is the vault's.

#[cfg(not(target_os = "linux"))]
mod keychain;
#[cfg(target_os = "linux")]
mod secret_service;

use std::collections::HashMap;
use std::sync::Mutex;

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
}

/// A place secrets can be kept: the OS keyring, or memory for one run.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError>;
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError>;
    /// Removing what is not there is not an error.
    fn delete(&self, account: &str) -> Result<(), VaultError>;
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

/// Secrets kept in memory for one run (`--session-only`), gone when the process ends.
#[derive(Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(account)
            .cloned())
    }
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account.to_string(), value.to_string());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account);
        Ok(())
    }
}
