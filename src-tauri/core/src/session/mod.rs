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
//! - `send` adds `Authorization: Bearer`, and on a 401 renews once and retries once. Only the first
//!   caller holding the rejected token renews; the others find the new one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Serialize, Serializer};

use crate::auth::assertion::ClientCredentials;
use crate::auth::dpop::Dpop;
use crate::auth::grant::{self, GrantError};
use crate::auth::introspect;
use crate::auth::jwt::{self, JwtView, SignatureCheck};
use crate::auth::key::SigningKey;
use crate::auth::revoke::{self, TokenKind};
use crate::auth::token::{TokenMeta, TokenSet, TokenSource};
use crate::clock::Clock;
use crate::http::net::{Net, NetError, Networks, Transport};
use crate::http::request::{self, ApiRequest, ApiResponse, RequestError};
use crate::profile::{ClientAuth, Grant, Profile};
use crate::secret::{AccessToken, Password, ProxyCredentials, RefreshToken, TlsKey};
use crate::store::lock::FileLock;
use crate::store::vault::{Vault, VaultError};

/// What the provider says about the token a profile holds (never the token).
#[derive(Debug, Clone, Serialize)]
pub struct ProviderCheck {
    /// The introspection answer: `active`, `scope`, `client_id`, `sub`, `exp`, ...
    pub introspection: Option<serde_json::Map<String, serde_json::Value>>,
    /// The user's claims (OpenID profiles).
    pub userinfo: Option<serde_json::Map<String, serde_json::Value>>,
    /// Why userinfo could not be read, when it was asked.
    pub userinfo_error: Option<String>,
}

/// What a profile holds right now, for display: never the token itself.
#[derive(Debug, Clone, Serialize)]
pub struct TokenStatus {
    pub state: TokenState,
    /// Shown without the values of the provider's extra fields (an `id_token` is a credential).
    #[serde(serialize_with = "meta_without_values")]
    pub meta: Option<TokenMeta>,
    pub has_refresh_token: bool,
    /// Header and claims, when the access token is a JWT.
    pub jwt: Option<JwtView>,
    /// The JWT's signature against the provider's JWKS (when asked for).
    pub signature: Option<SignatureCheck>,
}

fn meta_without_values<S: Serializer>(meta: &Option<TokenMeta>, to: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Shown<'a> {
        token_type: &'a str,
        scope: &'a Option<String>,
        obtained_at: chrono::DateTime<chrono::Utc>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        obtained_by: Option<TokenSource>,
        extra_fields: Vec<&'a str>,
    }
    meta.as_ref()
        .map(|m| Shown {
            token_type: &m.token_type,
            scope: &m.scope,
            obtained_at: m.obtained_at,
            expires_at: m.expires_at,
            obtained_by: m.obtained_by,
            extra_fields: m.extra.0.keys().map(String::as_str).collect(),
        })
        .serialize(to)
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// No token and nothing to renew it with.
    SignedOut,
    /// Usable for longer than the renewal margin.
    Valid,
    /// Within the renewal margin: the next use renews it.
    Expiring,
    /// Past its expiry (renewable when a refresh token or the grant allows).
    Expired,
}

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
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    SignIn(crate::auth::loopback::LoopbackError),
    #[error("profile {profile}: {source}")]
    AtProvider { profile: String, source: GrantError },
    #[error("profile {0} has neither an introspection nor a userinfo endpoint to ask")]
    NoIntrospectionEndpoint(String),
    #[error("profile {0} holds no token to check")]
    NoTokenToCheck(String),
    #[error("profile {0} has no revocation endpoint; its tokens were forgotten here but stay valid at the provider until they expire")]
    NoRevocationEndpoint(String),
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

    /// What the profile's client authenticates with: its secret, and for `private_key_jwt` its
    /// key (opened here, so a key that cannot sign is named before any request).
    pub async fn client_credentials(
        &self,
        profile: &Profile,
    ) -> Result<ClientCredentials, SessionError> {
        let id = &profile.keyring_id;
        let secret = self.vault.client_secret(id).await?;
        let key = match profile.client_auth {
            ClientAuth::PrivateKeyJwt => {
                let key = self
                    .vault
                    .client_key(id)
                    .await?
                    .ok_or_else(|| SessionError::MissingSigningKey(profile.name.clone()))?;
                let opened = SigningKey::open(&key).map_err(|e| SessionError::BadSigningKey {
                    profile: profile.name.clone(),
                    reason: e.to_string(),
                })?;
                Some(Arc::new(opened))
            }
            _ => None,
        };
        let dpop = self.dpop_for(profile).await?;
        Ok(ClientCredentials { secret, key, dpop })
    }

    /// The profile's DPoP key (read once per process; made and kept in the keyring if it has
    /// none yet), or `None` when its tokens are plain bearer tokens.
    pub async fn dpop_for(&self, profile: &Profile) -> Result<Option<Arc<Dpop>>, SessionError> {
        if !profile.dpop {
            return Ok(None);
        }
        let cached = self
            .dpop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&profile.keyring_id)
            .cloned();
        if let Some(dpop) = cached {
            return Ok(Some(dpop));
        }
        let id = &profile.keyring_id;
        let key = match self.vault.dpop_key(id).await? {
            Some(key) => key,
            None => {
                let key = crate::auth::key::generate();
                self.vault.set_dpop_key(id, &key).await?;
                key
            }
        };
        let opened = SigningKey::open(&key).map_err(|e| SessionError::BadSigningKey {
            profile: profile.name.clone(),
            reason: e.to_string(),
        })?;
        let dpop = Arc::new(Dpop::new(opened));
        self.dpop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), dpop.clone());
        Ok(Some(dpop))
    }

    /// The DPoP key a token is bound to: the profile's, when the provider issued a DPoP token
    /// (a provider that ignores the proof issues a plain bearer token, sent as such).
    pub async fn dpop_bound(
        &self,
        profile: &Profile,
        token: &Token,
    ) -> Result<Option<Arc<Dpop>>, SessionError> {
        match token.meta.token_type.eq_ignore_ascii_case("DPoP") {
            true => self.dpop_for(profile).await,
            false => Ok(None),
        }
    }

    /// The transport of requests that belong to no profile yet.
    pub fn plain_net(&self) -> &Net {
        self.nets.plain()
    }

    /// How `profile` reaches its servers: its CA, its client certificate (the key read from the
    /// keyring), its proxy. Every request of the profile goes through this.
    pub async fn net_for(&self, profile: &Profile) -> Result<Net, SessionError> {
        let id = &profile.keyring_id;
        let key = match &profile.tls_client_cert {
            None => None,
            Some(_) => Some(
                self.vault
                    .tls_key(id)
                    .await?
                    .ok_or_else(|| SessionError::MissingClientKey(profile.name.clone()))?,
            ),
        };
        let credentials = match &profile.proxy {
            Some(_) => self.vault.proxy_credentials(id).await?,
            None => None,
        };
        Ok(self.transport(
            profile.ca_certs.as_deref(),
            profile.tls_client_cert.as_deref().zip(key.as_ref()),
            profile.proxy.as_deref(),
            profile.no_proxy,
            credentials,
        )?)
    }

    /// The `Net` for these transport settings (built once per process).
    pub fn transport(
        &self,
        ca_certs: Option<&str>,
        client_cert: Option<(&str, &TlsKey)>,
        proxy: Option<&str>,
        no_proxy: bool,
        credentials: Option<ProxyCredentials>,
    ) -> Result<Net, NetError> {
        if ca_certs.is_none() && client_cert.is_none() && proxy.is_none() && !no_proxy {
            return Ok(self.nets.plain().clone());
        }
        let key = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (
                ca_certs,
                client_cert.map(|(c, k)| (c, k.expose())),
                proxy,
                no_proxy,
            )
                .hash(&mut hasher);
            credentials.as_ref().map(|c| c.expose()).hash(&mut hasher);
            hasher.finish()
        };
        self.nets.get(key, || {
            Transport::new(ca_certs, client_cert, proxy, no_proxy, credentials)
        })
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

    /// Revoke the profile's tokens at the provider (RFC 7009; the refresh token first, which ends
    /// the grant), then forget them. Forgets them even when revocation fails, and says so.
    /// Returns how many tokens were revoked (0: none was kept).
    pub async fn revoke_and_forget(&self, profile: &Profile) -> Result<usize, SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        let _renewing = self.lock_and_reload(profile, &mut slot).await?;
        let outcome = match &profile.revocation_url {
            None => Err(SessionError::NoRevocationEndpoint(profile.name.clone())),
            Some(url) => {
                let credentials = self.client_credentials(profile).await?;
                let net = self.net_for(profile).await?;
                self.read_refresh_token(profile, &mut slot).await?;
                let mut result = Ok(0);
                let access = slot
                    .current
                    .as_ref()
                    .map(|t| t.access_token.expose().to_string());
                for (token, kind) in [
                    (
                        slot.refresh.as_ref().map(|r| r.expose().to_string()),
                        TokenKind::Refresh,
                    ),
                    (access, TokenKind::Access),
                ] {
                    if let Some(token) = token {
                        match revoke::revoke(&net, profile, url, &credentials, &token, kind).await {
                            Ok(()) => result = result.map(|n| n + 1),
                            Err(source) => {
                                result = Err(SessionError::AtProvider {
                                    profile: profile.name.clone(),
                                    source,
                                })
                            }
                        }
                    }
                }
                result
            }
        };
        self.vault.forget_tokens(&profile.keyring_id).await?;
        *slot = Slot {
            loaded: true,
            ..Slot::default()
        };
        outcome
    }

    fn slot(&self, profile: &Profile) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(profile.keyring_id.clone()).or_default().clone()
    }

    /// What the profile holds, without renewing anything. With `check_signature`, a JWT access
    /// token's signature is checked against the profile's JWKS (one request to the provider).
    pub async fn status(
        &self,
        profile: &Profile,
        check_signature: bool,
    ) -> Result<TokenStatus, SessionError> {
        let slot = self.slot(profile);
        let mut slot = slot.lock().await;
        // What the keyring holds now: another Waybill may have renewed or forgotten the tokens.
        slot.loaded = false;
        self.load(profile, &mut slot).await?;
        let now = self.clock.now();
        let state = match &slot.current {
            None if slot.has_refresh_token() => TokenState::Expired,
            None => TokenState::SignedOut,
            Some(t) if t.is_fresh(now) => TokenState::Valid,
            Some(t) if t.meta.expires_at.is_some_and(|at| now < at) => TokenState::Expiring,
            Some(_) => TokenState::Expired,
        };
        let token = slot
            .current
            .as_ref()
            .map(|t| t.access_token.expose().to_string());
        let jwt = token.as_deref().and_then(jwt::decode);
        let signature = match (&token, &jwt, check_signature) {
            (Some(token), Some(_), true) => Some(
                jwt::check_with_provider(
                    &self.net_for(profile).await?,
                    token,
                    profile.jwks_url.as_deref(),
                )
                .await,
            ),
            _ => None,
        };
        Ok(TokenStatus {
            state,
            meta: slot.current.as_ref().map(|t| t.meta.clone()),
            has_refresh_token: slot.has_refresh_token(),
            jwt,
            signature,
        })
    }

    /// What the provider says about the token the profile holds: introspection (RFC 7662, as
    /// the profile's client) and, for OpenID profiles, userinfo. Nothing is renewed: the token
    /// checked is the one held.
    pub async fn check_at_provider(
        &self,
        profile: &Profile,
    ) -> Result<ProviderCheck, SessionError> {
        if profile.introspection_url.is_none() && profile.userinfo_url.is_none() {
            return Err(SessionError::NoIntrospectionEndpoint(profile.name.clone()));
        }
        let token = {
            let slot = self.slot(profile);
            let mut slot = slot.lock().await;
            slot.loaded = false;
            self.load(profile, &mut slot).await?;
            slot.current
                .as_ref()
                .map(|t| (t.access_token.expose().to_string(), t.meta.clone()))
        };
        let Some((token, meta)) = token else {
            return Err(SessionError::NoTokenToCheck(profile.name.clone()));
        };
        let net = self.net_for(profile).await?;
        let at_provider = |source| SessionError::AtProvider {
            profile: profile.name.clone(),
            source,
        };
        let introspection = match &profile.introspection_url {
            Some(url) => {
                let credentials = self.client_credentials(profile).await?;
                let answer = introspect::introspect(&net, profile, url, &credentials, &token)
                    .await
                    .map_err(at_provider)?;
                Some(answer)
            }
            None => None,
        };
        // Userinfo answers only for a user's OpenID token (a client's token has no user).
        let openid = meta.extra.0.contains_key("id_token")
            || profile
                .scope
                .as_deref()
                .is_some_and(|s| s.split_whitespace().any(|s| s == "openid"));
        let (mut userinfo, mut userinfo_error) = (None, None);
        if let (Some(url), true) = (&profile.userinfo_url, openid) {
            let dpop = match meta.token_type.eq_ignore_ascii_case("DPoP") {
                true => self.dpop_for(profile).await?,
                false => None,
            };
            let asked = request::execute(
                &net,
                profile,
                &ApiRequest::new("GET", url.as_str()),
                &AccessToken::new(token.clone()),
                dpop.as_deref(),
            )
            .await;
            let answer = asked.map_err(|e| e.to_string()).and_then(|r| {
                introspect::userinfo(r.status, &r.body, &token).map_err(|e| e.to_string())
            });
            match answer {
                Ok(claims) => userinfo = Some(claims),
                Err(e) => userinfo_error = Some(e),
            }
        }
        Ok(ProviderCheck {
            introspection,
            userinfo,
            userinfo_error,
        })
    }

    /// A token valid for at least the renewal margin.
    pub async fn token(&self, profile: &Profile) -> Result<Token, SessionError> {
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

    /// Send `request` with the profile's token; on 401, renew once and send once more.
    pub async fn send(
        &self,
        profile: &Profile,
        request: &ApiRequest,
    ) -> Result<ApiResponse, SessionError> {
        let token = self.token(profile).await?;
        let net = self.net_for(profile).await?;
        let dpop = self.dpop_bound(profile, &token).await?;
        let response =
            request::execute(&net, profile, request, &token.access_token, dpop.as_deref()).await?;
        if response.status != 401 {
            return Ok(response);
        }
        tracing::info!(profile = %profile.name, "API answered 401: renewing the token and retrying once");
        let renewed = self.token_after_401(profile, &token.access_token).await?;
        let dpop = self.dpop_bound(profile, &renewed).await?;
        let mut retried = request::execute(
            &net,
            profile,
            request,
            &renewed.access_token,
            dpop.as_deref(),
        )
        .await?;
        retried.retried_after_401 = true;
        Ok(retried)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only if the session's futures can run in `tokio::spawn` (and so in Tauri commands).
    #[allow(dead_code)]
    fn session_futures_can_be_spawned(
        session: Arc<Session>,
        profile: Profile,
        request: ApiRequest,
    ) {
        let s = session.clone();
        let p = profile.clone();
        tokio::spawn(async move { s.token(&p).await });
        let s = session.clone();
        let p = profile.clone();
        tokio::spawn(async move { s.sign_in_with_password(&p, &Password::new("x")).await });
        tokio::spawn(async move { session.send(&profile, &request).await });
    }
}
