//! The OS keyring on Linux: the Secret Service (GNOME Keyring, KWallet, KeePassXC) over D-Bus.
//!
//! Entries are the ones the `keyring` crate made for earlier versions (attributes `service` and
//! `username`), so they stay readable, and `secret-tool lookup service waybill username <account>`
//! finds them.
//!
//! The session is `plain`: secrets cross the session bus unencrypted, as with `go-keyring` (the
//! GitHub CLI's). The `dh-ietf1024` session protects them on a socket that only the user's own
//! processes can reach, and any of those can ask the unlocked keyring for the same secret. It cost
//! 7.8 ms of a 20 ms cached call (two 1024-bit exponentiations on each side, bench/results.md). A
//! service that refuses `plain` gets the encrypted session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use secret_service::blocking::{Item, SecretService};
use secret_service::{EncryptionType, Error};

use super::{one_line, SecretStore, StoredAccount, VaultError, KEYRING_SERVICE};

/// One D-Bus connection and session per process, opened at the first secret it reads or writes.
pub struct SecretServiceStore {
    connection: Mutex<Option<SecretService<'static>>>,
}

impl std::fmt::Debug for SecretServiceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretServiceStore")
    }
}

impl SecretServiceStore {
    pub fn new() -> Self {
        Self {
            connection: Mutex::new(None),
        }
    }

    /// Runs `work` on the connection, opening it first if needed. A connection that failed is
    /// dropped, so a keyring daemon restarted under a long-running window is found again.
    fn with<T>(
        &self,
        account: &str,
        work: impl FnOnce(&SecretService<'static>) -> Result<T, Error>,
    ) -> Result<T, VaultError> {
        let mut connection = self.connection.lock().unwrap_or_else(|e| e.into_inner());
        if connection.is_none() {
            let opened = SecretService::connect(EncryptionType::Plain)
                .or_else(|_| SecretService::connect(EncryptionType::Dh))
                .map_err(|e| vault_error(e, account))?;
            *connection = Some(opened);
        }
        let service = connection.as_ref().expect("opened above");
        work(service).map_err(|e| {
            if matches!(e, Error::Zbus(_) | Error::ZbusFdo(_)) {
                *connection = None;
            }
            vault_error(e, account)
        })
    }
}

impl Default for SecretServiceStore {
    fn default() -> Self {
        Self::new()
    }
}

fn attributes(account: &str) -> HashMap<&str, &str> {
    HashMap::from([("service", KEYRING_SERVICE), ("username", account)])
}

/// The items kept for `account`, unlocked (which may prompt). There is one unless another tool
/// added more; reads and writes take the first, as `secret-tool lookup` does.
fn find<'a>(service: &'a SecretService<'a>, account: &str) -> Result<Vec<Item<'a>>, Error> {
    let found = service.search_items(attributes(account))?;
    if !found.locked.is_empty() {
        service.unlock_all(&found.locked.iter().collect::<Vec<_>>())?;
    }
    Ok(found.unlocked.into_iter().chain(found.locked).collect())
}

impl SecretStore for SecretServiceStore {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        let secret = self.with(account, |service| {
            find(service, account)?
                .first()
                .map(Item::get_secret)
                .transpose()
        })?;
        secret
            .map(|bytes| {
                String::from_utf8(bytes).map_err(|_| {
                    VaultError::Failed(format!("the keyring entry {account} is not text"))
                })
            })
            .transpose()
    }

    fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
        self.with(account, |service| match find(service, account)?.first() {
            Some(item) => item.set_secret(value.as_bytes(), "text/plain"),
            None => {
                let collection = service.get_default_collection()?;
                // `ensure_unlocked` only reports; a locked collection (the screen was locked)
                // is unlocked through the keyring's own prompt, as reads are.
                if collection.is_locked()? {
                    collection.unlock()?;
                }
                collection
                    .create_item(
                        &format!("Waybill: {account}"),
                        attributes(account),
                        value.as_bytes(),
                        true,
                        "text/plain",
                    )
                    .map(drop)
            }
        })
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.with(account, |service| {
            find(service, account)?.iter().try_for_each(Item::delete)
        })
    }

    /// Attributes and dates only: nothing is unlocked, so listing never prompts. A locked item
    /// whose attributes the service will not show makes the listing `VaultError::Locked`.
    fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
        self.with("listing the entries", |service| {
            let found = service.search_items(HashMap::from([("service", KEYRING_SERVICE)]))?;
            let unlocked = found.unlocked.iter().map(|item| (item, false));
            let locked = found.locked.iter().map(|item| (item, true));
            let mut accounts = Vec::new();
            for (item, is_locked) in unlocked.chain(locked) {
                let attributes =
                    item.get_attributes()
                        .map_err(|e| if is_locked { Error::Locked } else { e })?;
                // Items of the service another tool made without a `username` are not Waybill's.
                let Some(account) = attributes.get("username") else {
                    continue;
                };
                accounts.push(StoredAccount {
                    account: account.clone(),
                    modified: item
                        .get_modified()
                        .ok()
                        .map(|seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)),
                });
            }
            accounts.sort_by(|a, b| a.account.cmp(&b.account));
            Ok(accounts)
        })
    }
}

fn vault_error(e: Error, account: &str) -> VaultError {
    let text = one_line(&e.to_string());
    match e {
        Error::Locked | Error::Prompt | Error::PromptDisconnected | Error::NoResult => {
            VaultError::Locked(text)
        }
        Error::Unavailable => VaultError::Unavailable(text),
        Error::Zbus(_) | Error::ZbusFdo(_) if looks_unreachable(&text) => {
            VaultError::Unavailable(text)
        }
        _ => VaultError::Failed(format!("{account}: {text}")),
    }
}

/// D-Bus errors that mean "there is no Secret Service to talk to" rather than a failed operation.
fn looks_unreachable(text: &str) -> bool {
    [
        "ServiceUnknown",
        "org.freedesktop.secrets",
        "Failed to connect",
        "DBUS_SESSION_BUS_ADDRESS",
        "No such file",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the session's Secret Service: `scripts/test` runs the suite under a private
    /// gnome-keyring. (Locked items list too: gnome-keyring shows their attributes.)
    #[test]
    fn the_secret_service_lists_waybills_accounts_with_their_dates() {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            eprintln!("skipped: no D-Bus session; scripts/test runs this with a private keyring");
            return;
        }
        let store = SecretServiceStore::new();
        let id = format!("listing-{}", uuid::Uuid::new_v4().simple());
        let mine = |store: &SecretServiceStore| {
            let listed = store.accounts().unwrap();
            (listed.into_iter())
                .filter(|stored| stored.account.starts_with(&id))
                .collect::<Vec<_>>()
        };
        let accounts = [format!("{id}/client_key"), format!("{id}/client_key#1")];
        let before = SystemTime::now() - Duration::from_secs(2);
        for account in &accounts {
            store.set(account, "a value").unwrap();
        }

        let listed = mine(&store);
        let names: Vec<_> = listed.iter().map(|stored| &stored.account).collect();
        assert_eq!(names, accounts.iter().collect::<Vec<_>>());
        let recent = |stored: &StoredAccount| stored.modified.is_some_and(|at| at >= before);
        assert!(listed.iter().all(recent), "{listed:?}");
        for account in &accounts {
            store.delete(account).unwrap();
        }
        assert_eq!(mine(&store), []);
    }
}
