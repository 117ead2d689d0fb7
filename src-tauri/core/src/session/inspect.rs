//! What a profile holds and what the provider says about it, never the token itself: status (with
//! a JWT's claims and signature), introspection and userinfo, and revocation.

use serde::{Serialize, Serializer};

use super::{Session, SessionError, Slot};
use crate::auth::introspect;
use crate::auth::jwt::{self, JwtView, SignatureCheck};
use crate::auth::revoke::{self, TokenKind};
use crate::auth::token::{TokenMeta, TokenSource};
use crate::profile::Profile;
use crate::secret::AccessToken;

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
    /// An API-key profile: no token, its key goes on every call.
    ApiKey,
    /// No token and nothing to renew it with.
    SignedOut,
    /// Usable for longer than the renewal margin.
    Valid,
    /// Within the renewal margin: the next use renews it.
    Expiring,
    /// Past its expiry (renewable when a refresh token or the grant allows).
    Expired,
}

impl Session {
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
            _ if profile.grant == crate::profile::Grant::ApiKey => TokenState::ApiKey,
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
            let answer = introspect::ask_userinfo(
                &net,
                url,
                &AccessToken::new(token.clone()),
                dpop.as_deref(),
            )
            .await
            .map_err(|e| e.to_string());
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
}
