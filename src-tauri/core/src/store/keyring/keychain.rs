//! The OS keyring off Linux: the macOS Keychain and the Windows Credential Manager, through the
//! `keyring` crate.

use super::{one_line, SecretStore, StoredAccount, VaultError, KEYRING_SERVICE};

/// The OS keyring through the `keyring` crate: the Keychain, the Credential Manager.
#[derive(Debug)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new() -> Self {
        Self {
            service: KEYRING_SERVICE.to_string(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, account).map_err(|e| match e {
            keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
                Err(cause) => VaultError::Unavailable(one_line(&cause.to_string())),
                Ok(()) => VaultError::Unavailable("no credential store".into()),
            },
            other => keyring_error(other, account),
        })
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        match self.entry(account)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e, account)),
        }
    }
    fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
        self.entry(account)?
            .set_password(value)
            .map_err(|e| keyring_error(e, account))
    }
    fn delete(&self, account: &str) -> Result<(), VaultError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e, account)),
        }
    }
    /// The `keyring` crate reads and writes entries it is named; it does not list a service's.
    fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
        Err(VaultError::Failed(
            "listing the keyring's entries is not supported on this platform yet".into(),
        ))
    }
}

fn keyring_error(e: keyring::Error, account: &str) -> VaultError {
    let text = one_line(&e.to_string());
    match e {
        keyring::Error::NoStorageAccess(_) => VaultError::Locked(text),
        keyring::Error::TooLong(..) => VaultError::TooLong {
            what: account.to_string(),
            detail: text,
        },
        keyring::Error::NoDefaultStore => VaultError::Unavailable(text),
        _ => VaultError::Failed(text),
    }
}
