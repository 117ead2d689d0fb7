//! The session: a valid token for a profile, whenever asked, with as few token requests as possible.
//!
//! - `token` hands out the cached token while it is fresh (see `TokenSet::is_fresh`), else renews:
//!   with the refresh token when there is one, else by running the profile's grant again.
//! - Single flight: each profile has one async lock held across renewal, so callers that arrive
//!   while a renewal is on the wire wait for it and share its result: a hundred concurrent calls at
//!   expiry make one token request.
//! - Across processes too: the window and scripts share one keyring. Before renewing, a session
//!   takes the profile's OS file lock (in the profile directory) and reads the keyring again; a
//!   token another Waybill stored meanwhile is used instead of fetching one more. So twelve
//!   `waybill call`s started at once with nothing cached make one token request, and a rotating
//!   refresh token is never spent twice.
//! - `token_after_401`: the API refused a token; only the first caller holding it renews, the
//!   others find the new one (`request::send` retries once with it).
//!
//! `client` holds the profile's client credentials, keys and connection; `inspect` what a
//! profile holds and what the provider says about it, and revocation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

mod client;
pub mod diagnose;
mod inspect;

pub use inspect::{ProviderCheck, TokenState, TokenStatus};

use crate::auth::dpop::Dpop;
use crate::auth::grant::{self, GrantError};
use crate::auth::token::{TokenMeta, TokenSet, TokenSource};
use crate::clock::Clock;
use crate::net::{Net, NetError, Networks};
use crate::profile::{Grant, Profile};
use crate::secret::{AccessToken, Password, RefreshToken};
use crate::store::lock::FileLock;
use crate::store::vault::{Vault, VaultError};

/// A token handed out by the session.
#[derive(Debug, Clone)]
pub struct Token {
    pub access_token: AccessToken,
    pub meta: TokenMeta,
    pub source: TokenSource,
    pub has_refresh_token: bool,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("could not get a token for profile {profile}: {source}")]
    Grant { profile: String, source: GrantError },
    #[error("profile {0} has no client secret in the keyring")]
    MissingClientSecret(String),
    #[error("profile {0} has a client certificate but its key is not in the keyring")]
    MissingClientKey(String),
    #[error("profile {0} signs its client assertions with a key, but no key is in the keyring")]
    MissingSigningKey(String),
    #[error("profile {profile}'s client key in the keyring cannot be used: {reason}")]
    BadSigningKey { profile: String, reason: String },
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("profile {profile} needs its user to sign in again: {reason}")]
    NeedsSignIn {
        profile: String,
        /// How it signs in again: the browser or a password, or a new refresh token.
        grant: Grant,
        reason: String,
    },
    #[error("profile {profile}: {source}")]
    AtProvider { profile: String, source: GrantError },
    #[error("profile {0} has neither an introspection nor a userinfo endpoint to ask")]
    NoIntrospectionEndpoint(String),
    #[error("profile {0} holds no token to check")]
    NoTokenToCheck(String),
    #[error("profile {0} has no revocation endpoint; its tokens were forgotten here but stay valid at the provider until they expire")]
    NoRevocationEndpoint(String),
    #[error("profile {0} has no API key in the keyring")]
    MissingApiKey(String),
    #[error("profile {0} calls its API with an API key: it has no token")]
    ApiKeyOnly(String),
}

#[derive(Default)]
struct Slot {
    /// The vault was read once; from then on memory and vault agree.
    loaded: bool,
    current: Option<TokenSet>,
    /// Kept apart from `current`: a profile may hold a refresh token and no access token yet.
    refresh: Option<RefreshToken>,
    /// The keyring holds a refresh token not read yet: a call with a valid token never needs it.
    refresh_unread: bool,
}

impl Slot {
    fn has_refresh_token(&self) -> bool {
        self.refresh.is_some() || self.refresh_unread
    }
}

pub struct Session {
    vault: Vault,
    nets: Networks,
    clock: Arc<dyn Clock>,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
    /// Where the per-profile renewal locks live; `None`: this process shares its vault with no one.
    lock_dir: Option<std::path::PathBuf>,
    /// DPoP keys read so far, by keyring id, with the nonces their servers gave.
    dpop: Mutex<HashMap<String, Arc<Dpop>>>,
}

impl Session {
    pub fn new(vault: Vault, net: Net, clock: Arc<dyn Clock>) -> Self {
        Self {
            vault,
            nets: Networks::new(net),
            clock,
            slots: Mutex::new(HashMap::new()),
            lock_dir: None,
            dpop: Mutex::new(HashMap::new()),
        }
    }

    /// Renew under an OS lock per profile in `dir`, shared with every Waybill using that
    /// directory (and so the same keyring entries).
    pub fn with_lock_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.lock_dir = Some(dir.into());
        self
    }

    /// Wait until no other process is renewing this profile's token, then read what the keyring
    /// holds now: another process may have just stored a new token (or spent the refresh token).
    async fn lock_and_reload(
        &self,
        profile: &Profile,
        slot: &mut Slot,
    ) -> Result<Option<FileLock>, SessionError> {
        let lock = match &self.lock_dir {
            None => return Ok(None),
            Some(dir) => {
                let path = dir
                    .join(".locks")
                    .join(format!("{}.lock", profile.keyring_id));
                match FileLock::acquire_async(path.clone()).await {
                    Ok(lock) => Some(lock),
                    // Renewing without the lock can cost a second token request, never a wrong token.
                    Err(e) => {
                        tracing::warn!(path = %path.display(), "could not take the renewal lock: {e}");
                        None
                    }
                }
            }
        };
        slot.loaded = false;
        self.load(profile, slot).await?;
        Ok(lock)
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Keep the tokens a sign-in brought (`Browser` or `Device`).
    pub async fn keep_signed_in(
        &self,
        profile: &Profile,
        tokens: TokenSet,
        source: TokenSource,
    ) -> Result<Token, SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        self.keep(profile, &mut slot, tokens, source).await
    }

    fn slot(&self, profile: &Profile) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(profile.keyring_id.clone()).or_default().clone()
    }

    /// A token valid for at least the renewal margin.
    pub async fn token(&self, profile: &Profile) -> Result<Token, SessionError> {
        if profile.grant == Grant::ApiKey {
            return Err(SessionError::ApiKeyOnly(profile.name.clone()));
        }
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        self.load(profile, &mut slot).await?;
        if let Some(current) = slot
            .current
            .as_ref()
            .filter(|t| t.is_fresh(self.clock.now()))
        {
            return Ok(handed_out(
                current,
                TokenSource::Cache,
                slot.has_refresh_token(),
            ));
        }
        let _renewing = self.lock_and_reload(profile, &mut slot).await?;
        if let Some(current) = slot
            .current
            .as_ref()
            .filter(|t| t.is_fresh(self.clock.now()))
        {
            return Ok(handed_out(
                current,
                TokenSource::Cache,
                slot.has_refresh_token(),
            ));
        }
        self.renew(profile, &mut slot).await
    }

    /// Renew now, whatever the cached token's expiry (the window's Refresh button).
    pub async fn renew_now(&self, profile: &Profile) -> Result<Token, SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        let _renewing = self.lock_and_reload(profile, &mut slot).await?;
        // The cached token stays until a new one replaces it: a failed renewal loses nothing.
        self.renew(profile, &mut slot).await
    }

    /// The API said 401 to `rejected`: renew unless another caller already has.
    pub async fn token_after_401(
        &self,
        profile: &Profile,
        rejected: &AccessToken,
    ) -> Result<Token, SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        let _renewing = self.lock_and_reload(profile, &mut slot).await?;
        match &slot.current {
            Some(current) if &current.access_token != rejected => Ok(handed_out(
                current,
                TokenSource::Cache,
                slot.has_refresh_token(),
            )),
            _ => {
                slot.current = None;
                self.renew(profile, &mut slot).await
            }
        }
    }

    /// Run the password grant with a password the user just typed (it is not kept unless the
    /// profile says to remember it).
    pub async fn sign_in_with_password(
        &self,
        profile: &Profile,
        password: &Password,
    ) -> Result<Token, SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        let username = profile.username.as_deref().unwrap_or_default();
        let credentials = self.client_credentials(profile).await?;
        let tokens = grant::password(
            &self.net_for(profile).await?,
            profile,
            &credentials,
            username,
            password,
            self.clock.now(),
        )
        .await
        .map_err(|e| grant_error(profile, e))?;
        if profile.remember_password {
            self.vault
                .set_password(&profile.keyring_id, password)
                .await?;
        }
        self.keep(profile, &mut slot, tokens, TokenSource::Fetched)
            .await
    }

    /// Start from a refresh token the user brought (profiles with the `refresh_token` grant).
    pub async fn adopt_refresh_token(
        &self,
        profile: &Profile,
        refresh: &RefreshToken,
    ) -> Result<(), SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        self.vault.forget_tokens(&profile.keyring_id).await?;
        self.vault
            .set_refresh_token(&profile.keyring_id, refresh)
            .await?;
        *slot = Slot {
            loaded: true,
            current: None,
            refresh: Some(refresh.clone()),
            refresh_unread: false,
        };
        Ok(())
    }

    /// Forget the profile's tokens, in memory and in the keyring.
    pub async fn forget(&self, profile: &Profile) -> Result<(), SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        self.vault.forget_tokens(&profile.keyring_id).await?;
        *slot = Slot {
            loaded: true,
            ..Slot::default()
        };
        Ok(())
    }

    async fn load(&self, profile: &Profile, slot: &mut Slot) -> Result<(), SessionError> {
        if !slot.loaded {
            let kept = self.vault.tokens(&profile.keyring_id).await?;
            (slot.current, slot.refresh, slot.refresh_unread) = match kept {
                Some(mut kept) => {
                    let refresh = kept.tokens.refresh_token.take();
                    (Some(kept.tokens), refresh, kept.refresh_unread)
                }
                None => (
                    None,
                    self.vault.refresh_token(&profile.keyring_id).await?,
                    false,
                ),
            };
            slot.loaded = true;
        }
        Ok(())
    }

    /// Read the refresh token the slot knows is kept, for renewal or revocation.
    async fn read_refresh_token(
        &self,
        profile: &Profile,
        slot: &mut Slot,
    ) -> Result<(), SessionError> {
        if slot.refresh_unread {
            slot.refresh = self.vault.refresh_token(&profile.keyring_id).await?;
            slot.refresh_unread = false;
        }
        Ok(())
    }

    async fn renew(&self, profile: &Profile, slot: &mut Slot) -> Result<Token, SessionError> {
        let now = self.clock.now();
        let credentials = self.client_credentials(profile).await?;
        let net = self.net_for(profile).await?;
        self.read_refresh_token(profile, slot).await?;
        if let Some(refresh) = slot.refresh.clone() {
            match grant::refresh(&net, profile, &credentials, &refresh, now).await {
                Ok(tokens) => {
                    return self
                        .keep(profile, slot, tokens, TokenSource::Refreshed)
                        .await
                }
                // The refresh token is dead: drop it and fall back to the grant below.
                Err(e) if e.is_invalid_grant() => {
                    tracing::info!(profile = %profile.name, "refresh token refused; running the grant again");
                    slot.refresh = None;
                    slot.current = None;
                    self.vault.forget_tokens(&profile.keyring_id).await?;
                    if profile.grant.is_sign_in() || profile.grant == Grant::RefreshToken {
                        return Err(needs_sign_in(
                            profile,
                            format!(
                                "the provider no longer accepts its sign-in ({})",
                                e.provider_said()
                            ),
                        ));
                    }
                }
                Err(e) => return Err(grant_error(profile, e)),
            }
        }
        let tokens = match profile.grant {
            Grant::ClientCredentials => {
                if !credentials.can_authenticate(profile.client_auth) {
                    return Err(SessionError::MissingClientSecret(profile.name.clone()));
                }
                grant::client_credentials(&net, profile, &credentials, now).await
            }
            Grant::Password => {
                let password =
                    self.vault
                        .password(&profile.keyring_id)
                        .await?
                        .ok_or_else(|| {
                            needs_sign_in(
                            profile,
                            "the password is not remembered and there is no valid refresh token"
                                .into(),
                        )
                        })?;
                let username = profile.username.as_deref().unwrap_or_default();
                grant::password(&net, profile, &credentials, username, &password, now).await
            }
            Grant::RefreshToken | Grant::AuthorizationCode | Grant::DeviceCode => {
                return Err(needs_sign_in(
                    profile,
                    "there is no valid token and no refresh token".into(),
                ))
            }
            Grant::ApiKey => return Err(SessionError::ApiKeyOnly(profile.name.clone())),
            Grant::Implicit => {
                return Err(needs_sign_in(
                    profile,
                    "a browser sign-in token cannot be renewed without the user".into(),
                ))
            }
        };
        let tokens = tokens.map_err(|e| grant_error(profile, e))?;
        self.keep(profile, slot, tokens, TokenSource::Fetched).await
    }

    async fn keep(
        &self,
        profile: &Profile,
        slot: &mut Slot,
        tokens: TokenSet,
        source: TokenSource,
    ) -> Result<Token, SessionError> {
        let mut tokens = tokens;
        tokens.meta.obtained_by = Some(source);
        self.vault.save_tokens(&profile.keyring_id, &tokens).await?;
        let token = handed_out(&tokens, source, tokens.refresh_token.is_some());
        slot.refresh = tokens.refresh_token.clone();
        slot.refresh_unread = false;
        slot.current = Some(tokens);
        slot.loaded = true;
        Ok(token)
    }
}

fn handed_out(tokens: &TokenSet, source: TokenSource, has_refresh_token: bool) -> Token {
    Token {
        access_token: tokens.access_token.clone(),
        meta: tokens.meta.clone(),
        source,
        has_refresh_token,
    }
}

fn grant_error(profile: &Profile, source: GrantError) -> SessionError {
    SessionError::Grant {
        profile: profile.name.clone(),
        source,
    }
}

fn needs_sign_in(profile: &Profile, reason: String) -> SessionError {
    SessionError::NeedsSignIn {
        profile: profile.name.clone(),
        grant: profile.grant,
        reason,
    }
}
