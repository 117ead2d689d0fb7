//! `TokenSet`: what a grant returns and the vault keeps, and when it stops being usable.
//!
//! Expiry comes from the JWT `exp` claim when the access token is a JWT that has one (it is the
//! provider's own word: MyParcel.com says to read it), else from `expires_in`. A token counts as
//! fresh until a safety margin before expiry: 60 s, or a tenth of its lifetime when that is shorter,
//! so a 30 s token is not renewed on every call.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::secret::{AccessToken, RefreshToken};

/// Renew this long before expiry at most.
pub const MAX_RENEWAL_MARGIN: Duration = Duration::seconds(60);

#[derive(Clone)]
pub struct TokenSet {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    pub meta: TokenMeta,
}

/// Everything about a token but the token itself: safe to show, to serialise, to keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenMeta {
    /// `Bearer` for a bearer token whatever case the provider used; other types as given.
    /// Requests always send `Authorization: Bearer`.
    pub token_type: String,
    pub scope: Option<String>,
    pub obtained_at: DateTime<Utc>,
    /// `None` when the provider said nothing about expiry: used until the API answers 401.
    pub expires_at: Option<DateTime<Utc>>,
    /// The response fields beyond the standard ones (`id_token`, provider specifics), kept with
    /// the token in the keyring. `Debug` shows their names only: values may be sensitive.
    #[serde(default)]
    pub extra: ExtraFields,
    /// How it was obtained (fetched, refreshed, browser); `None` for tokens kept before this was.
    #[serde(default)]
    pub obtained_by: Option<TokenSource>,
}

/// Response fields beyond the standard ones.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExtraFields(pub BTreeMap<String, serde_json::Value>);

impl fmt::Debug for ExtraFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Where a token handed out by the session came from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    /// Still valid, from memory or the keyring.
    Cache,
    /// A grant was run.
    Fetched,
    /// A refresh token was exchanged.
    Refreshed,
    /// The user signed in through the browser.
    Browser,
    /// The user confirmed a device code (RFC 8628).
    Device,
}

/// The standard token response fields after the dialect layer normalised them.
pub struct TokenResponse {
    pub access_token: AccessToken,
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<RefreshToken>,
    pub scope: Option<String>,
    pub extra: ExtraFields,
}

impl TokenSet {
    pub fn from_response(response: TokenResponse, now: DateTime<Utc>) -> Self {
        let from_expires_in = response
            .expires_in
            .and_then(|secs| i64::try_from(secs).ok())
            .map(|secs| now + Duration::seconds(secs));
        let expires_at = jwt_expiry(response.access_token.expose()).or(from_expires_in);
        TokenSet {
            access_token: response.access_token,
            refresh_token: response.refresh_token,
            meta: TokenMeta {
                token_type: response.token_type,
                scope: response.scope,
                obtained_at: now,
                expires_at,
                extra: response.extra,
                obtained_by: None,
            },
        }
    }

    /// Usable now, with the renewal margin to spare.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.meta.is_fresh(now)
    }
}

impl TokenMeta {
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.renews_at().is_none_or(|at| now < at)
    }

    /// When the next use renews it: the renewal margin before its expiry (`None`: no expiry).
    pub fn renews_at(&self) -> Option<DateTime<Utc>> {
        let expires_at = self.expires_at?;
        let lifetime = expires_at - self.obtained_at;
        Some(expires_at - (lifetime / 10).clamp(Duration::zero(), MAX_RENEWAL_MARGIN))
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("meta", &self.meta)
            .finish()
    }
}

/// The `exp` claim of a JWT access token, read without verifying the signature: it only decides
/// when to renew, never whom to trust.
pub fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    #[derive(Deserialize)]
    struct Exp {
        exp: Option<serde_json::Number>,
    }
    if token.split('.').count() != 3 {
        return None;
    }
    let claims: Exp = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    let exp = claims.exp?.as_f64()?;
    DateTime::from_timestamp(exp as i64, 0)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use super::*;

    fn jwt(claims: serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{header}.{body}.c2lnbmF0dXJl")
    }

    fn response(token: &str, expires_in: Option<u64>) -> TokenResponse {
        TokenResponse {
            access_token: AccessToken::new(token),
            token_type: "Bearer".into(),
            expires_in,
            refresh_token: None,
            scope: None,
            extra: ExtraFields::default(),
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn expiry_comes_from_expires_in_for_an_opaque_token() {
        let set = TokenSet::from_response(response("opaque", Some(3600)), at(0));
        assert_eq!(set.meta.expires_at, Some(at(3600)));
    }

    #[test]
    fn jwt_exp_wins_when_expires_in_disagrees_or_is_absent() {
        // MyParcel.com says 86400 but the JWT says it dies in 10 minutes: believe the JWT.
        let token = jwt(serde_json::json!({"exp": at(600).timestamp(), "sub": "x"}));
        let set = TokenSet::from_response(response(&token, Some(86_400)), at(0));
        assert_eq!(set.meta.expires_at, Some(at(600)));
        let set = TokenSet::from_response(response(&token, None), at(0));
        assert_eq!(set.meta.expires_at, Some(at(600)));
    }

    #[test]
    fn a_jwt_without_exp_falls_back_to_expires_in() {
        let token = jwt(serde_json::json!({"sub": "x"}));
        let set = TokenSet::from_response(response(&token, Some(100)), at(0));
        assert_eq!(set.meta.expires_at, Some(at(100)));
    }

    #[test]
    fn renewal_margin_is_60s_or_a_tenth_of_the_lifetime() {
        let hour = TokenSet::from_response(response("t", Some(3600)), at(0));
        assert_eq!(
            hour.meta.renews_at(),
            Some(at(3540)),
            "what the window counts down to"
        );
        let short = TokenSet::from_response(response("t", Some(100)), at(0));
        assert_eq!(short.meta.renews_at(), Some(at(90)));
        assert!(
            hour.is_fresh(at(3539)),
            "an hour-long token is still good 61 s before expiry"
        );
        assert!(
            !hour.is_fresh(at(3540)),
            "and renewed from 60 s before expiry"
        );

        let short = TokenSet::from_response(response("t", Some(30)), at(0));
        assert!(
            short.is_fresh(at(26)),
            "a 30 s token must not be renewed on every call"
        );
        assert!(!short.is_fresh(at(27)), "but 3 s (a tenth) before its end");
    }

    #[test]
    fn extra_fields_are_kept_but_debug_shows_only_their_names() {
        let mut r = response("t", Some(60));
        r.extra = ExtraFields(
            [(
                "id_token".to_string(),
                serde_json::json!("eyJsecret-id-token"),
            )]
            .into(),
        );
        let set = TokenSet::from_response(r, at(0));
        assert_eq!(
            set.meta.extra.0["id_token"], "eyJsecret-id-token",
            "the value is kept for the user"
        );
        let debug = format!("{set:?}");
        assert!(
            debug.contains("id_token") && !debug.contains("eyJsecret"),
            "{debug}"
        );
    }

    #[test]
    fn a_token_without_expiry_stays_fresh() {
        let set = TokenSet::from_response(response("t", None), at(0));
        assert!(set.is_fresh(at(1_000_000)));
    }
}
