//! The vault: client secrets and keys, remembered passwords, tokens, TLS keys and proxy
//! credentials, in the OS keyring.
//!
//! Each value is its own keyring entry (service `waybill`, user `<keyring_id>/<kind>`), so one
//! token never crowds another out of the Windows Credential Manager's 2,560-byte entries. The only
//! other place a secret may live is memory (`MemoryStore`, for `--session-only` runs): there is no
//! plaintext fallback, and a missing keyring is an error that says so.
//!
//! The OS keyring is the Secret Service on Linux (`keyring`), and the Keychain or
//! the Credential Manager elsewhere, through the `keyring` crate. Keyring calls block (D-Bus
//! round trips), so the async API runs them on tokio's blocking pool.

use std::sync::Arc;

pub use super::keyring::{MemoryStore, OsKeyring, SecretStore, VaultError, KEYRING_SERVICE};
use crate::auth::token::{TokenMeta, TokenSet};
use crate::secret::{
    AccessToken, ApiKey, ClientKey, ClientSecret, Password, ProxyCredentials, RefreshToken, TlsKey,
};

/// What is kept per profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    ClientSecret,
    Password,
    AccessToken,
    RefreshToken,
    /// Expiry, type and scope of the access token: not secret, kept beside it so they agree.
    TokenMeta,
    /// The client certificate's private key (PEM).
    TlsKey,
    /// The profile's proxy `user:password`.
    ProxyCredentials,
    /// The client's signing key (`private_key_jwt`), PKCS#8 PEM.
    ClientKey,
    /// The key DPoP tokens are bound to, PKCS#8 PEM.
    DpopKey,
    /// An API key, sent where the profile's templates say.
    ApiKey,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::Password => "password",
            SecretKind::AccessToken => "access_token",
            SecretKind::RefreshToken => "refresh_token",
            SecretKind::TokenMeta => "token_meta",
            SecretKind::TlsKey => "tls_key",
            SecretKind::ProxyCredentials => "proxy_credentials",
            SecretKind::ClientKey => "client_key",
            SecretKind::DpopKey => "dpop_key",
            SecretKind::ApiKey => "api_key",
        }
    }
}

/// Typed access to a profile's secrets, over any `SecretStore`.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
    /// Outlives this process (the OS keyring), unlike memory.
    persistent: bool,
}

impl Vault {
    pub fn new(store: impl SecretStore) -> Self {
        Self {
            store: Arc::new(store),
            persistent: true,
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

    /// The keyring account name of one secret of a profile.
    pub fn account(keyring_id: &str, kind: SecretKind) -> String {
        format!("{keyring_id}/{}", kind.as_str())
    }

    async fn get(&self, id: &str, kind: SecretKind) -> Result<Option<String>, VaultError> {
        let (store, account) = (self.store.clone(), Self::account(id, kind));
        blocking(move || store.get(&account)).await
    }

    async fn set(&self, id: &str, kind: SecretKind, value: String) -> Result<(), VaultError> {
        let (store, account) = (self.store.clone(), Self::account(id, kind));
        blocking(move || store.set(&account, &value)).await
    }

    async fn delete(&self, id: &str, kinds: &[SecretKind]) -> Result<(), VaultError> {
        let store = self.store.clone();
        let accounts: Vec<String> = kinds.iter().map(|k| Self::account(id, *k)).collect();
        blocking(move || accounts.iter().try_for_each(|a| store.delete(a))).await
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
            .get(id, SecretKind::RefreshToken)
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
        let Some(text) = self.get(id, SecretKind::AccessToken).await? else {
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
        // The token alone with its metadata beside it: kept by an earlier version, or too long for
        // one entry of this keyring. Metadata that does not parse only costs a renewal.
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
        match self.set(id, SecretKind::AccessToken, to_json(&kept)?).await {
            Ok(()) => {}
            // Credential stores with small entries (Windows: 2,560 bytes) keep them apart.
            Err(VaultError::TooLong { .. }) => {
                self.set(id, SecretKind::AccessToken, kept.access_token.clone())
                    .await?;
                self.set(id, SecretKind::TokenMeta, to_json(&kept.meta)?)
                    .await?;
            }
            Err(e) => return Err(e),
        }
        match &tokens.refresh_token {
            Some(refresh) => self.set_refresh_token(id, refresh).await,
            None => self.delete(id, &[SecretKind::RefreshToken]).await,
        }
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
        self.forget_tokens(id).await?;
        self.delete(
            id,
            &[
                SecretKind::ClientSecret,
                SecretKind::Password,
                SecretKind::TlsKey,
                SecretKind::ProxyCredentials,
                SecretKind::ClientKey,
                SecretKind::ApiKey,
                SecretKind::DpopKey,
            ],
        )
        .await
    }
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

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(VaultError::Failed(format!("keyring task failed: {e}"))))
}
