//! The vault: client secrets and keys, remembered passwords, tokens, TLS keys and proxy
//! credentials, in the OS keyring.
//!
//! Each value is its own keyring entry (service `waybill`, user `<keyring_id>/<kind>`), so one
//! token never crowds another out of the Windows Credential Manager's 2,560-byte entries, and a
//! value longer than one entry is split across several (`chunked`). The only other place a secret
//! may live is memory (`MemoryStore`, for `--session-only` runs): there is no plaintext fallback,
//! and a missing keyring is an error that says so.
//!
//! The OS keyring is the Secret Service on Linux (`keyring`), and the Keychain or
//! the Credential Manager elsewhere, through the `keyring` crate. Keyring calls block (D-Bus
//! round trips), so the async API runs them on tokio's blocking pool.

mod chunked;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;

pub use super::keyring::{
    CappedStore, MemoryStore, OsKeyring, SecretStore, StoredAccount, VaultError, KEYRING_SERVICE,
};
use crate::auth::token::{TokenMeta, TokenSet};
use crate::secret::{
    AccessToken, ApiKey, ClientKey, ClientSecret, Password, ProxyCredentials, RefreshToken, TlsKey,
};

/// The kinds and their names in account names, declared once: `SecretKind`, `ALL`, `as_str`.
macro_rules! secret_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident = $name:literal,)*) => {
        /// What is kept per profile.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SecretKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl SecretKind {
            /// Every kind.
            pub const ALL: &'static [SecretKind] = &[$(SecretKind::$kind,)*];

            /// Its part of the keyring account name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SecretKind::$kind => $name,)*
                }
            }
        }
    };
}

secret_kinds! {
    ClientSecret = "client_secret",
    Password = "password",
    AccessToken = "access_token",
    RefreshToken = "refresh_token",
    /// Expiry, type and scope of the access token: not secret. Kept apart from the token by
    /// earlier versions when one entry could not hold both; read, no longer written.
    TokenMeta = "token_meta",
    /// The client certificate's private key (PEM).
    TlsKey = "tls_key",
    /// The profile's proxy `user:password`.
    ProxyCredentials = "proxy_credentials",
    /// The client's signing key (`private_key_jwt`), PKCS#8 PEM.
    ClientKey = "client_key",
    /// The key DPoP tokens are bound to, PKCS#8 PEM.
    DpopKey = "dpop_key",
    /// An API key, sent where the profile's templates say.
    ApiKey = "api_key",
}

impl SecretKind {
    /// The kind an account name ends with; `None` for one this version does not know.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == name)
    }
}

/// Typed access to a profile's secrets, over any `SecretStore`.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
    /// Outlives this process (the OS keyring), unlike memory.
    persistent: bool,
    /// How long one keyring call may take, an unlock prompt answered included.
    wait: Duration,
}

/// A person typing the keyring's password into its prompt takes seconds; a keyring that answers
/// nobody (a prompt on a screen no one watches, a hung daemon) must not hang a script forever.
pub const KEYRING_WAIT: Duration = Duration::from_secs(120);

impl Vault {
    pub fn new(store: impl SecretStore) -> Self {
        Self {
            store: Arc::new(store),
            persistent: true,
            wait: KEYRING_WAIT,
        }
    }

    /// The same vault, each keyring call given at most `wait`.
    pub fn waiting_at_most(self, wait: Duration) -> Self {
        Self { wait, ..self }
    }

    /// Keyring calls block (D-Bus round trips, a prompt): on tokio's blocking pool, for at most
    /// `wait`. A call still waiting then is left to finish on its own thread.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, VaultError> {
        match tokio::time::timeout(self.wait, tokio::task::spawn_blocking(work)).await {
            Ok(done) => done
                .unwrap_or_else(|e| Err(VaultError::Failed(format!("keyring task failed: {e}")))),
            Err(_) => Err(VaultError::Locked(format!(
                "no answer from the keyring within {} s (was its unlock prompt left open?)",
                self.wait.as_secs()
            ))),
        }
    }

    pub fn keyring() -> Self {
        Self::new(OsKeyring::new())
    }

    pub fn in_memory() -> Self {
        Self {
            persistent: false,
            ..Self::new(MemoryStore::default())
        }
    }

    /// Secrets kept here outlive this run (the OS keyring); `false` for memory.
    pub fn is_persistent(&self) -> bool {
        self.persistent
    }

    /// Whether the keyring answers: one lookup of an account no one has (no prompt, no value).
    pub async fn reachable(&self) -> Result<(), VaultError> {
        let store = self.store.clone();
        self.blocking(move || store.get("waybill/reachable").map(drop))
            .await
    }

    /// The keyring account name of one secret of a profile.
    pub fn account(keyring_id: &str, kind: SecretKind) -> String {
        format!("{keyring_id}/{}", kind.as_str())
    }

    async fn get(&self, id: &str, kind: SecretKind) -> Result<Option<String>, VaultError> {
        let (store, account) = (self.store.clone(), Self::account(id, kind));
        self.blocking(move || chunked::get(&*store, &account)).await
    }

    /// A token that cannot be read whole is as good as none: a fresh one replaces it, where an
    /// error would stop every call until the person removed it.
    async fn get_token(&self, id: &str, kind: SecretKind) -> Result<Option<String>, VaultError> {
        match self.get(id, kind).await {
            Err(e @ VaultError::Incomplete(_)) => {
                tracing::warn!("{e}; it is taken as no token");
                Ok(None)
            }
            other => other,
        }
    }

    async fn set(&self, id: &str, kind: SecretKind, value: String) -> Result<(), VaultError> {
        let (store, account) = (self.store.clone(), Self::account(id, kind));
        self.blocking(move || chunked::set(&*store, &account, &value))
            .await
    }

    async fn delete(&self, id: &str, kinds: &[SecretKind]) -> Result<(), VaultError> {
        let store = self.store.clone();
        let accounts: Vec<String> = kinds.iter().map(|k| Self::account(id, *k)).collect();
        self.blocking(move || {
            (accounts.iter()).try_for_each(|account| chunked::delete(&*store, account))
        })
        .await
    }

    pub async fn client_secret(&self, id: &str) -> Result<Option<ClientSecret>, VaultError> {
        Ok(self
            .get(id, SecretKind::ClientSecret)
            .await?
            .map(ClientSecret::new))
    }

    pub async fn set_client_secret(
        &self,
        id: &str,
        secret: &ClientSecret,
    ) -> Result<(), VaultError> {
        self.set(id, SecretKind::ClientSecret, secret.expose().to_string())
            .await
    }

    pub async fn password(&self, id: &str) -> Result<Option<Password>, VaultError> {
        Ok(self.get(id, SecretKind::Password).await?.map(Password::new))
    }

    pub async fn set_password(&self, id: &str, password: &Password) -> Result<(), VaultError> {
        self.set(id, SecretKind::Password, password.expose().to_string())
            .await
    }

    pub async fn refresh_token(&self, id: &str) -> Result<Option<RefreshToken>, VaultError> {
        Ok(self
            .get_token(id, SecretKind::RefreshToken)
            .await?
            .map(RefreshToken::new))
    }

    pub async fn set_refresh_token(
        &self,
        id: &str,
        token: &RefreshToken,
    ) -> Result<(), VaultError> {
        self.set(id, SecretKind::RefreshToken, token.expose().to_string())
            .await
    }

    /// The stored access token and what is known about it. A call with a cached token reads the
    /// keyring once: the token, its metadata and whether a refresh token is kept share one entry,
    /// and the refresh token itself is read only to renew (`KeptTokens::refresh_unread`).
    pub async fn tokens(&self, id: &str) -> Result<Option<KeptTokens>, VaultError> {
        let Some(text) = self.get_token(id, SecretKind::AccessToken).await? else {
            return Ok(None);
        };
        if let Ok(kept) = serde_json::from_str::<KeptAccess>(&text) {
            return Ok(Some(KeptTokens {
                tokens: TokenSet {
                    access_token: AccessToken::new(kept.access_token),
                    refresh_token: None,
                    meta: kept.meta,
                },
                refresh_unread: kept.has_refresh_token,
            }));
        }
        // The token alone with its metadata beside it: kept by an earlier version (the first
        // without the metadata in the token's entry, or one on a keyring with small entries).
        // Metadata that does not parse only costs a renewal.
        let Some(meta) = self
            .get(id, SecretKind::TokenMeta)
            .await?
            .and_then(|text| serde_json::from_str::<TokenMeta>(&text).ok())
        else {
            return Ok(None);
        };
        Ok(Some(KeptTokens {
            tokens: TokenSet {
                access_token: AccessToken::new(text),
                refresh_token: self.refresh_token(id).await?,
                meta,
            },
            refresh_unread: false,
        }))
    }

    pub async fn save_tokens(&self, id: &str, tokens: &TokenSet) -> Result<(), VaultError> {
        let kept = KeptAccess {
            access_token: tokens.access_token.expose().to_string(),
            meta: tokens.meta.clone(),
            has_refresh_token: tokens.refresh_token.is_some(),
        };
        // The refresh token first: a provider that rotates it has just made the kept one
        // useless, and a process killed between the two writes then keeps the old access token
        // (good until it expires) with the new refresh token, not the other way round.
        match &tokens.refresh_token {
            Some(refresh) => self.set_refresh_token(id, refresh).await?,
            None => self.delete(id, &[SecretKind::RefreshToken]).await?,
        }
        // However long, in one logical entry (chunks on small keyrings): one read when cached.
        self.set(id, SecretKind::AccessToken, to_json(&kept)?)
            .await?;
        // What an earlier version kept apart is stale beside it.
        self.delete(id, &[SecretKind::TokenMeta]).await
    }

    pub async fn tls_key(&self, id: &str) -> Result<Option<TlsKey>, VaultError> {
        Ok(self.get(id, SecretKind::TlsKey).await?.map(TlsKey::new))
    }

    pub async fn set_tls_key(&self, id: &str, key: &TlsKey) -> Result<(), VaultError> {
        self.set(id, SecretKind::TlsKey, key.expose().to_string())
            .await
    }

    pub async fn client_key(&self, id: &str) -> Result<Option<ClientKey>, VaultError> {
        Ok(self
            .get(id, SecretKind::ClientKey)
            .await?
            .map(ClientKey::new))
    }

    pub async fn set_client_key(&self, id: &str, key: &ClientKey) -> Result<(), VaultError> {
        self.set(id, SecretKind::ClientKey, key.expose().to_string())
            .await
    }

    pub async fn dpop_key(&self, id: &str) -> Result<Option<ClientKey>, VaultError> {
        Ok(self.get(id, SecretKind::DpopKey).await?.map(ClientKey::new))
    }

    pub async fn set_dpop_key(&self, id: &str, key: &ClientKey) -> Result<(), VaultError> {
        self.set(id, SecretKind::DpopKey, key.expose().to_string())
            .await
    }

    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKey>, VaultError> {
        Ok(self.get(id, SecretKind::ApiKey).await?.map(ApiKey::new))
    }

    pub async fn set_api_key(&self, id: &str, key: &ApiKey) -> Result<(), VaultError> {
        self.set(id, SecretKind::ApiKey, key.expose().to_string())
            .await
    }

    pub async fn proxy_credentials(
        &self,
        id: &str,
    ) -> Result<Option<ProxyCredentials>, VaultError> {
        Ok(self
            .get(id, SecretKind::ProxyCredentials)
            .await?
            .map(ProxyCredentials::new))
    }

    pub async fn set_proxy_credentials(
        &self,
        id: &str,
        credentials: &ProxyCredentials,
    ) -> Result<(), VaultError> {
        self.set(
            id,
            SecretKind::ProxyCredentials,
            credentials.expose().to_string(),
        )
        .await
    }

    /// Forget one kind of secret (a client key or proxy credentials the profile no longer uses).
    pub async fn forget(&self, id: &str, kind: SecretKind) -> Result<(), VaultError> {
        self.delete(id, &[kind]).await
    }

    /// Forget access and refresh tokens (logout); the client secret stays.
    pub async fn forget_tokens(&self, id: &str) -> Result<(), VaultError> {
        self.delete(
            id,
            &[
                SecretKind::AccessToken,
                SecretKind::TokenMeta,
                SecretKind::RefreshToken,
            ],
        )
        .await
    }

    /// Forget the client secret (the profile is a public client now).
    pub async fn forget_client_secret(&self, id: &str) -> Result<(), VaultError> {
        self.delete(id, &[SecretKind::ClientSecret]).await
    }

    /// Forget a remembered password (the profile no longer remembers it).
    pub async fn forget_password(&self, id: &str) -> Result<(), VaultError> {
        self.delete(id, &[SecretKind::Password]).await
    }

    /// Forget everything of a profile (it is being removed).
    pub async fn forget_all(&self, id: &str) -> Result<(), VaultError> {
        self.delete(id, SecretKind::ALL).await
    }

    /// Every secret kept in this keyring, of any profile, without its value (for tidying: what
    /// no profile uses any more). The chunks of a long value are one entry with it.
    pub async fn entries(&self) -> Result<Vec<VaultEntry>, VaultError> {
        let store = self.store.clone();
        Ok(entries_of(self.blocking(move || store.accounts()).await?))
    }

    /// Forget one entry `entries` listed, with its chunks: also one of a kind this version does
    /// not know, or chunks without their head.
    pub async fn forget_entry(&self, keyring_id: &str, kind_name: &str) -> Result<(), VaultError> {
        let (store, head) = (self.store.clone(), format!("{keyring_id}/{kind_name}"));
        self.blocking(move || {
            chunked::delete(&*store, &head)?;
            // Chunks not in a run from `#1` (another program removed some), where the store lists.
            let accounts = store.accounts().unwrap_or_default();
            let mut strays = accounts.iter().filter(|stored| {
                chunked::chunk_of(&stored.account).is_some_and(|(of, _)| of == head)
            });
            strays.try_for_each(|stored| store.delete(&stored.account))
        })
        .await
    }
}

/// One secret in the keyring, as `Vault::entries` lists it. No value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultEntry {
    pub keyring_id: String,
    /// `None`: a kind this version does not know (a newer Waybill's).
    pub kind: Option<SecretKind>,
    /// The kind as the account names it, known or not.
    pub kind_name: String,
    /// The latest write to it or its chunks, where the store says.
    pub modified: Option<SystemTime>,
    /// How many chunk entries (`#1`, `#2`, ...) it has: a value too long for one entry.
    pub chunks: usize,
    /// Chunks without their head entry (an interrupted write or removal): nothing reads them, and
    /// `Vault::forget_entry` removes them.
    pub orphaned: bool,
}

/// The entries of Waybill's accounts, chunks folded into their heads. Accounts not named
/// `<keyring_id>/<kind>` are not Waybill's and are left out.
fn entries_of(accounts: Vec<StoredAccount>) -> Vec<VaultEntry> {
    let mut entries = BTreeMap::<(String, String), VaultEntry>::new();
    for stored in accounts {
        let (head, is_chunk) = match chunked::chunk_of(&stored.account) {
            Some((head, _)) => (head, true),
            None => (stored.account.as_str(), false),
        };
        let Some((keyring_id, kind_name)) = head.split_once('/') else {
            continue;
        };
        let key = (keyring_id.to_string(), kind_name.to_string());
        let entry = entries.entry(key).or_insert_with(|| VaultEntry {
            keyring_id: keyring_id.to_string(),
            kind: SecretKind::from_name(kind_name),
            kind_name: kind_name.to_string(),
            modified: None,
            chunks: 0,
            orphaned: true,
        });
        match is_chunk {
            true => entry.chunks += 1,
            false => entry.orphaned = false,
        }
        entry.modified = entry.modified.max(stored.modified);
    }
    entries.into_values().collect()
}

/// What the `access_token` entry holds. No `Debug`: it holds the token.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptAccess {
    access_token: String,
    meta: TokenMeta,
    has_refresh_token: bool,
}

/// Tokens as the vault keeps them.
#[derive(Debug)]
pub struct KeptTokens {
    /// `refresh_token` is filled only when it was read on the way.
    pub tokens: TokenSet,
    /// A refresh token is kept that was not read: `Vault::refresh_token` reads it when needed.
    pub refresh_unread: bool,
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, VaultError> {
    serde_json::to_string(value).map_err(|e| VaultError::Failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token::ExtraFields;
    use chrono::DateTime;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ID: &str = "carrier-x1y2";

    /// Text that does not repeat (so chunks in the wrong order could not read right), from `alphabet`.
    fn text(len: usize, alphabet: &str, seed: u64) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                chars[(state >> 33) as usize % chars.len()]
            })
            .collect()
    }

    const BASE64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// A PEM block of about `len` bytes, lines of 64.
    fn pem(len: usize, seed: u64) -> String {
        let body = text(len, BASE64URL, seed);
        let lines: Vec<&str> = (0..body.len())
            .step_by(64)
            .map(|at| &body[at..(at + 64).min(body.len())])
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    fn meta() -> TokenMeta {
        let extra = [(
            "id_token".to_string(),
            serde_json::json!(text(900, BASE64URL, 7)),
        )];
        TokenMeta {
            token_type: "Bearer".into(),
            scope: Some("https://graph.microsoft.com/.default offline_access".into()),
            obtained_at: DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
            expires_at: DateTime::from_timestamp(1_900_003_600, 0),
            extra: ExtraFields(extra.into_iter().collect()),
            obtained_by: None,
        }
    }

    fn windows() -> (Vault, CappedStore) {
        let store = CappedStore::default();
        (Vault::new(store.clone()), store)
    }

    fn accounts(store: &impl SecretStore) -> Vec<String> {
        let listed = store.accounts().unwrap();
        listed.into_iter().map(|stored| stored.account).collect()
    }

    #[test]
    fn each_kind_is_named_once_and_read_back_from_its_name() {
        let names: std::collections::HashSet<_> =
            SecretKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), SecretKind::ALL.len());
        for kind in SecretKind::ALL {
            assert_eq!(SecretKind::from_name(kind.as_str()), Some(*kind));
        }
        assert_eq!(SecretKind::from_name("access_token#1"), None);
    }

    #[tokio::test]
    async fn an_8_kb_access_token_and_refresh_token_round_trip_on_windows_sized_entries() {
        let (vault, store) = windows();
        let tokens = TokenSet {
            access_token: AccessToken::new(text(8192, BASE64URL, 1)),
            refresh_token: Some(RefreshToken::new(text(8192, BASE64URL, 2))),
            meta: meta(),
        };
        vault.save_tokens(ID, &tokens).await.unwrap();

        let kept = vault.tokens(ID).await.unwrap().expect("the token is kept");
        assert_eq!(kept.tokens.access_token, tokens.access_token);
        assert_eq!(kept.tokens.meta, tokens.meta);
        assert!(kept.refresh_unread, "the refresh token is known to be kept");
        assert_eq!(vault.refresh_token(ID).await.unwrap(), tokens.refresh_token);
        // 8 KB plus the metadata, at most 1,280 characters an entry.
        let names = accounts(&store);
        assert!(names.contains(&format!("{ID}/access_token#8")), "{names:?}");
        assert!(
            names.contains(&format!("{ID}/refresh_token#7")),
            "{names:?}"
        );
        assert!(!names.contains(&format!("{ID}/token_meta")), "{names:?}");
    }

    #[tokio::test]
    async fn long_keys_and_secrets_round_trip_on_windows_sized_entries() {
        let (vault, _) = windows();
        let client_key = ClientKey::new(pem(6000, 3));
        let tls_key = TlsKey::new(pem(4000, 4));
        let dpop_key = ClientKey::new(pem(3000, 5));
        // Characters of two UTF-16 units and of two or three UTF-8 bytes, cut nowhere inside.
        let api_key = ApiKey::new(text(5000, "aé€😀🔑z", 6));
        let password = Password::new(text(1281, "x", 0));
        vault.set_client_key(ID, &client_key).await.unwrap();
        vault.set_tls_key(ID, &tls_key).await.unwrap();
        vault.set_dpop_key(ID, &dpop_key).await.unwrap();
        vault.set_api_key(ID, &api_key).await.unwrap();
        vault.set_password(ID, &password).await.unwrap();
        assert_eq!(vault.client_key(ID).await.unwrap(), Some(client_key));
        assert_eq!(vault.tls_key(ID).await.unwrap(), Some(tls_key));
        assert_eq!(vault.dpop_key(ID).await.unwrap(), Some(dpop_key));
        assert_eq!(vault.api_key(ID).await.unwrap(), Some(api_key));
        assert_eq!(vault.password(ID).await.unwrap(), Some(password));
    }

    #[tokio::test]
    async fn a_value_that_shrinks_leaves_no_chunks_behind() {
        let (vault, store) = windows();
        vault
            .set_client_key(ID, &ClientKey::new(pem(8000, 8)))
            .await
            .unwrap();
        let shorter = ClientKey::new(pem(3000, 9));
        vault.set_client_key(ID, &shorter).await.unwrap();
        assert_eq!(vault.client_key(ID).await.unwrap(), Some(shorter));
        let chunks = [1, 2, 3].map(|n| format!("{ID}/client_key#{n}"));
        assert_eq!(
            accounts(&store)[1..],
            chunks[..],
            "the run from #4 on is gone"
        );

        let short = ClientKey::new(pem(500, 10));
        vault.set_client_key(ID, &short).await.unwrap();
        assert_eq!(vault.client_key(ID).await.unwrap(), Some(short));
        assert_eq!(accounts(&store), [format!("{ID}/client_key")]);
        assert!(!store
            .get(&format!("{ID}/client_key"))
            .unwrap()
            .unwrap()
            .starts_with("waybill-chunks"));
    }

    #[tokio::test]
    async fn forget_all_leaves_nothing_of_the_profile_and_all_of_the_others() {
        let (vault, store) = windows();
        for id in [ID, "other-0001"] {
            let tokens = TokenSet {
                access_token: AccessToken::new(text(8192, BASE64URL, 11)),
                refresh_token: Some(RefreshToken::new("short refresh")),
                meta: meta(),
            };
            vault.save_tokens(id, &tokens).await.unwrap();
            vault
                .set_client_key(id, &ClientKey::new(pem(6000, 12)))
                .await
                .unwrap();
            vault
                .set_client_secret(id, &ClientSecret::new("s"))
                .await
                .unwrap();
            vault.set_api_key(id, &ApiKey::new("k")).await.unwrap();
        }
        // And what the version before kept apart.
        store.set(&format!("{ID}/token_meta"), "{}").unwrap();
        let others = accounts(&store)
            .into_iter()
            .filter(|a| a.starts_with("other-0001/"));
        let others: Vec<_> = others.collect();

        vault.forget_all(ID).await.unwrap();
        assert_eq!(accounts(&store), others);
        assert!(vault.client_key("other-0001").await.unwrap().is_some());
        vault.forget_all("other-0001").await.unwrap();
        assert_eq!(accounts(&store), Vec::<String>::new());
    }

    #[tokio::test]
    async fn entries_as_earlier_versions_kept_them_still_read() {
        let (vault, store) = windows();
        let meta = meta();
        // One entry each, the token alone with its metadata beside it (too long together).
        store
            .set(&format!("{ID}/client_secret"), "plain secret")
            .unwrap();
        store
            .set(&format!("{ID}/access_token"), "eyJ.old.token")
            .unwrap();
        store
            .set(&format!("{ID}/token_meta"), &to_json(&meta).unwrap())
            .unwrap();
        store
            .set(&format!("{ID}/refresh_token"), "old refresh")
            .unwrap();

        let secret = vault
            .client_secret(ID)
            .await
            .unwrap()
            .map(|s| s.expose().to_string());
        assert_eq!(secret.as_deref(), Some("plain secret"));
        let kept = vault
            .tokens(ID)
            .await
            .unwrap()
            .expect("the old token is used");
        assert_eq!(kept.tokens.access_token.expose(), "eyJ.old.token");
        assert_eq!(kept.tokens.meta, meta);
        let refresh = kept
            .tokens
            .refresh_token
            .expect("read on the way, as before");
        assert_eq!(refresh.expose(), "old refresh");

        // Token and metadata in one entry.
        let whole = KeptAccess {
            access_token: "eyJ.whole".into(),
            meta: meta.clone(),
            has_refresh_token: false,
        };
        store
            .set(&format!("{ID}/access_token"), &to_json(&whole).unwrap())
            .unwrap();
        let kept = vault.tokens(ID).await.unwrap().unwrap();
        assert_eq!(kept.tokens.access_token.expose(), "eyJ.whole");
        assert!(!kept.refresh_unread);
    }

    /// The capped store, killed after `writes` more writes (an interrupted process).
    struct Killed {
        store: CappedStore,
        writes: AtomicUsize,
    }

    impl Killed {
        fn write(&self) -> Result<(), VaultError> {
            let left = self
                .writes
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            left.map(drop)
                .map_err(|_| VaultError::Failed("killed".into()))
        }
    }

    impl SecretStore for Killed {
        fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
            self.store.get(account)
        }
        fn set(&self, account: &str, value: &str) -> Result<(), VaultError> {
            self.write()?;
            self.store.set(account, value)
        }
        fn delete(&self, account: &str) -> Result<(), VaultError> {
            self.write()?;
            self.store.delete(account)
        }
        fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
            self.store.accounts()
        }
    }

    fn killed_after(store: &CappedStore, writes: usize) -> Vault {
        Vault::new(Killed {
            store: store.clone(),
            writes: AtomicUsize::new(writes),
        })
    }

    #[tokio::test]
    async fn a_write_interrupted_between_chunks_never_reads_as_a_wrong_secret() {
        let (vault, store) = windows();
        let (old, new) = (ClientKey::new(pem(6000, 13)), ClientKey::new(pem(6000, 14)));
        vault.set_client_key(ID, &old).await.unwrap();
        // Killed after two of the new value's five chunks: the old head, chunks of both.
        let killed = killed_after(&store, 2);
        assert!(killed.set_client_key(ID, &new).await.is_err());

        let err = vault.client_key(ID).await.unwrap_err();
        assert!(matches!(err, VaultError::Incomplete(_)), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&format!("{ID}/client_key")), "{message}");
        assert!(message.contains("set that secret again"), "{message}");
        assert!(!message.contains(&old.expose()[30..60]), "{message}");

        // Setting it again mends it.
        vault.set_client_key(ID, &new).await.unwrap();
        assert_eq!(vault.client_key(ID).await.unwrap(), Some(new));
    }

    #[tokio::test]
    async fn a_first_long_write_interrupted_keeps_the_value_before_it() {
        let (vault, store) = windows();
        let short = ClientKey::new("short key");
        vault.set_client_key(ID, &short).await.unwrap();
        let killed = killed_after(&store, 3);
        assert!(killed
            .set_client_key(ID, &ClientKey::new(pem(6000, 15)))
            .await
            .is_err());
        assert_eq!(vault.client_key(ID).await.unwrap(), Some(short));
        // Its two chunks are never read, are listed with the entry, and go with the next write.
        let entries = vault.entries().await.unwrap();
        assert_eq!((entries.len(), entries[0].chunks), (1, 2));
        vault
            .set_client_key(ID, &ClientKey::new("shorter"))
            .await
            .unwrap();
        assert_eq!(accounts(&store), [format!("{ID}/client_key")]);
    }

    #[tokio::test]
    async fn a_removal_interrupted_leaves_no_secret_and_the_rest_for_tidying() {
        let (vault, store) = windows();
        vault
            .set_client_key(ID, &ClientKey::new(pem(6000, 19)))
            .await
            .unwrap();
        // Killed after the head and the last of five chunks.
        let killed = killed_after(&store, 2);
        assert!(killed.forget(ID, SecretKind::ClientKey).await.is_err());
        assert_eq!(vault.client_key(ID).await.unwrap(), None);
        let entries = vault.entries().await.unwrap();
        assert_eq!((entries[0].chunks, entries[0].orphaned), (4, true));
        vault.forget(ID, SecretKind::ClientKey).await.unwrap();
        assert_eq!(accounts(&store), Vec::<String>::new());
    }

    #[tokio::test]
    async fn incomplete_tokens_are_no_tokens_so_fresh_ones_replace_them() {
        let (vault, store) = windows();
        let tokens = TokenSet {
            access_token: AccessToken::new(text(4000, BASE64URL, 16)),
            refresh_token: Some(RefreshToken::new(text(4000, BASE64URL, 17))),
            meta: meta(),
        };
        vault.save_tokens(ID, &tokens).await.unwrap();
        store.delete(&format!("{ID}/access_token#2")).unwrap();
        store
            .set(&format!("{ID}/refresh_token#1"), "changed")
            .unwrap();
        assert!(vault.tokens(ID).await.unwrap().is_none());
        assert!(vault.refresh_token(ID).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_damaged_head_is_an_error_not_a_panic_nor_a_value() {
        let (vault, store) = windows();
        let digest = "ab".repeat(32);
        let heads = [
            "waybill-chunks:v1:".to_string(),
            "waybill-chunks:v1:x:y".to_string(),
            "waybill-chunks:v1:0:".to_string() + &digest,
            "waybill-chunks:v1:-1:".to_string() + &digest,
            "waybill-chunks:v1:99999999999999999999999:".to_string() + &digest,
            "waybill-chunks:v1:2:".to_string() + &digest[1..],
            "waybill-chunks:v1:2:".to_string() + &digest + "\u{e9}",
            "waybill-chunks:v1:1:".to_string() + &digest,
        ];
        store.set(&format!("{ID}/client_key#1"), "a chunk").unwrap();
        for head in heads {
            store.set(&format!("{ID}/client_key"), &head).unwrap();
            let read = vault.client_key(ID).await;
            assert!(
                matches!(read, Err(VaultError::Incomplete(_))),
                "{head}: {read:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_value_that_looks_like_a_head_is_kept_as_itself() {
        let (vault, store) = windows();
        let looks = format!("waybill-chunks:v1:1:{}", "0".repeat(64));
        vault
            .set_password(ID, &Password::new(looks.clone()))
            .await
            .unwrap();
        let read = vault.password(ID).await.unwrap().unwrap();
        assert_eq!(read.expose(), looks);
        assert_ne!(store.get(&format!("{ID}/password")).unwrap(), Some(looks));
    }

    #[tokio::test]
    async fn entries_fold_chunks_into_their_secret_and_forget_entry_removes_each() {
        let (vault, store) = windows();
        vault
            .set_client_key(ID, &ClientKey::new(pem(6000, 18)))
            .await
            .unwrap();
        vault
            .set_client_secret("other-0001", &ClientSecret::new("s"))
            .await
            .unwrap();
        store.set("other-0001/a_newer_kind", "?").unwrap();
        store
            .set("gone-0002/tls_key#1", "left by a removal")
            .unwrap();
        store
            .set("gone-0002/tls_key#3", "and another program")
            .unwrap();
        store.set("not waybill's", "x").unwrap();

        let entries = vault.entries().await.unwrap();
        let seen: Vec<_> = (entries.iter())
            .map(|e| {
                (
                    e.keyring_id.as_str(),
                    e.kind,
                    e.kind_name.as_str(),
                    e.chunks,
                    e.orphaned,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (ID, Some(SecretKind::ClientKey), "client_key", 5, false),
                ("gone-0002", Some(SecretKind::TlsKey), "tls_key", 2, true),
                ("other-0001", None, "a_newer_kind", 0, false),
                (
                    "other-0001",
                    Some(SecretKind::ClientSecret),
                    "client_secret",
                    0,
                    false
                ),
            ]
        );
        assert!(entries.iter().all(|e| e.modified.is_some()));
        for entry in &entries {
            vault
                .forget_entry(&entry.keyring_id, &entry.kind_name)
                .await
                .unwrap();
        }
        assert_eq!(accounts(&store), ["not waybill's"]);
    }

    /// A keyring that never answers: a prompt on a screen nobody watches.
    struct Unanswered;

    impl SecretStore for Unanswered {
        fn get(&self, _: &str) -> Result<Option<String>, VaultError> {
            std::thread::sleep(std::time::Duration::from_secs(3));
            Ok(Some("too late".into()))
        }
        fn set(&self, _: &str, _: &str) -> Result<(), VaultError> {
            Ok(())
        }
        fn delete(&self, _: &str) -> Result<(), VaultError> {
            Ok(())
        }
        fn accounts(&self) -> Result<Vec<StoredAccount>, VaultError> {
            Ok(Vec::new())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_keyring_that_never_answers_is_given_up_on_in_words() {
        let vault = Vault::new(Unanswered).waiting_at_most(Duration::from_millis(200));
        let started = std::time::Instant::now();
        let err = vault.client_secret(ID).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "it did not wait for the answer"
        );
        assert!(matches!(err, VaultError::Locked(_)), "{err:?}");
        assert!(
            err.to_string().contains("no answer from the keyring"),
            "{err}"
        );
    }
}
