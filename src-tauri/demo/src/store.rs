//! In-memory token store: issues random access/refresh tokens, looks them up, rotates
//! refresh tokens, expires access tokens on demand, revokes tokens (RFC 7009) and holds
//! single-use authorization codes.
//!
//! Every token belongs to a *family*: the tokens issued from one authorization (one grant
//! request, one code) plus all the tokens later rotated from its refresh tokens. Revoking a
//! refresh token, or replaying a used authorization code, revokes the whole family.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

use crate::lock;

/// Refresh tokens live this long (or until used once).
pub(crate) const REFRESH_TTL: Duration = Duration::from_secs(24 * 3600);

/// Authorization codes are valid this long (and once).
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);

/// A used code is remembered this long after it was issued, so a replay is recognised (and
/// the tokens issued from it revoked) rather than answered as merely "unknown".
const USED_CODE_MEMORY: Duration = Duration::from_secs(600);

/// What a token was issued for: the grant, the client, the user (if any) and the scope.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) grant_type: &'static str,
    pub(crate) client_id: String,
    pub(crate) username: Option<String>,
    pub(crate) scope: Option<String>,
    /// The token family; `None` for a fresh grant ([`TokenStore::issue`] assigns one).
    pub(crate) family: Option<u64>,
    /// RFC 8705 `x5t#S256` of the client certificate the tokens are bound to; `None` if unbound.
    pub(crate) cnf_x5t: Option<String>,
}

/// What an authorization code is bound to (RFC 6749 4.1.3, RFC 7636 4.6).
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    /// The client, user and scope the code stands for (its family already assigned).
    pub(crate) grant: Grant,
    /// The exact `redirect_uri` of the authorization request.
    pub(crate) redirect_uri: String,
    /// The S256 `code_challenge`, if the request had one.
    pub(crate) code_challenge: Option<String>,
}

/// Why an authorization code was not redeemed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CodeError {
    /// Never issued, forgotten, or older than [`CODE_TTL`].
    Unknown,
    /// Redeemed before; the tokens issued from it have now been revoked.
    Used,
}

struct CodeEntry {
    /// `None` once redeemed.
    grant: Option<CodeGrant>,
    family: u64,
    issued_at: Instant,
}

/// Why a token was not revoked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RevokeError {
    /// The token is live but belongs to another client.
    OtherClient,
}

struct Entry {
    grant: Grant,
    expires_at: Instant,
}

impl Entry {
    fn left(&self, now: Instant) -> Option<Duration> {
        let left = self.expires_at.checked_duration_since(now)?;
        (!left.is_zero()).then_some(left)
    }
}

#[derive(Default)]
struct Maps {
    access: HashMap<String, Entry>,
    refresh: HashMap<String, Entry>,
    codes: HashMap<String, CodeEntry>,
}

impl Maps {
    /// Drops every access and refresh token of `family`.
    fn revoke_family(&mut self, family: u64) {
        self.access.retain(|_, e| e.grant.family != Some(family));
        self.refresh.retain(|_, e| e.grant.family != Some(family));
    }
}

/// Tokens just issued, ready for the token response.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: u64,
    pub(crate) scope: Option<String>,
}

/// All live tokens, behind one lock.
pub(crate) struct TokenStore {
    ttl: Duration,
    maps: Mutex<Maps>,
    next_family: AtomicU64,
}

/// 32 random bytes, base64url without padding (43 chars), after `prefix`.
pub(crate) fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

impl TokenStore {
    pub(crate) fn new(ttl: Duration) -> Self {
        TokenStore {
            ttl,
            maps: Mutex::new(Maps::default()),
            next_family: AtomicU64::new(1),
        }
    }

    fn new_family(&self) -> u64 {
        self.next_family.fetch_add(1, Ordering::Relaxed)
    }

    /// Issues an access token (and a refresh token if asked) for `grant`, in its family
    /// (a new family if it has none yet).
    pub(crate) fn issue(&self, mut grant: Grant, with_refresh: bool) -> Issued {
        if grant.family.is_none() {
            grant.family = Some(self.new_family());
        }
        let now = Instant::now();
        let access_token = random_token("demo_at_");
        let refresh_token = with_refresh.then(|| random_token("demo_rt_"));
        let scope = grant.scope.clone();
        let mut maps = lock(&self.maps);
        // Forget dead tokens so a long-running demo does not grow without bound.
        maps.access.retain(|_, e| e.left(now).is_some());
        maps.refresh.retain(|_, e| e.left(now).is_some());
        if let Some(rt) = &refresh_token {
            let entry = Entry {
                grant: grant.clone(),
                expires_at: now + REFRESH_TTL,
            };
            maps.refresh.insert(rt.clone(), entry);
        }
        maps.access.insert(
            access_token.clone(),
            Entry {
                grant,
                expires_at: now + self.ttl,
            },
        );
        Issued {
            access_token,
            refresh_token,
            expires_in: self.ttl.as_secs(),
            scope,
        }
    }

    /// The grant behind a live access token and the time it has left; `None` if unknown or expired.
    pub(crate) fn access(&self, token: &str) -> Option<(Grant, Duration)> {
        let maps = lock(&self.maps);
        let entry = maps.access.get(token)?;
        let left = entry.left(Instant::now())?;
        Some((entry.grant.clone(), left))
    }

    /// Removes a refresh token (single use) and returns its grant if it was live.
    pub(crate) fn take_refresh(&self, token: &str) -> Option<Grant> {
        let entry = lock(&self.maps).refresh.remove(token)?;
        entry.left(Instant::now())?;
        Some(entry.grant)
    }

    /// Issues a single-use authorization code (`demo_ac_...`) valid for [`CODE_TTL`].
    pub(crate) fn issue_code(
        &self,
        mut grant: Grant,
        redirect_uri: String,
        code_challenge: Option<String>,
    ) -> String {
        let family = self.new_family();
        grant.family = Some(family);
        let code = random_token("demo_ac_");
        let now = Instant::now();
        let mut maps = lock(&self.maps);
        maps.codes
            .retain(|_, e| now.duration_since(e.issued_at) < USED_CODE_MEMORY);
        maps.codes.insert(
            code.clone(),
            CodeEntry {
                grant: Some(CodeGrant {
                    grant,
                    redirect_uri,
                    code_challenge,
                }),
                family,
                issued_at: now,
            },
        );
        code
    }

    /// Redeems a code: returns what it is bound to and marks it used. Whatever the caller then
    /// decides, the code cannot be redeemed again; a second attempt revokes the tokens of its
    /// family (RFC 6749 4.1.2: "the authorization server ... SHOULD revoke ... all tokens
    /// previously issued based on that authorization code").
    pub(crate) fn take_code(&self, code: &str) -> Result<CodeGrant, CodeError> {
        self.take_code_at(code, Instant::now())
    }

    fn take_code_at(&self, code: &str, now: Instant) -> Result<CodeGrant, CodeError> {
        let mut maps = lock(&self.maps);
        let entry = maps.codes.get_mut(code).ok_or(CodeError::Unknown)?;
        if now.duration_since(entry.issued_at) >= CODE_TTL && entry.grant.is_some() {
            maps.codes.remove(code);
            return Err(CodeError::Unknown);
        }
        match entry.grant.take() {
            Some(grant) => Ok(grant),
            None => {
                let family = entry.family;
                maps.revoke_family(family);
                Err(CodeError::Used)
            }
        }
    }

    /// RFC 7009 revocation by `client_id`. A refresh token takes its whole family (the access
    /// tokens issued with it and after it) along; an access token goes alone. Unknown or
    /// expired tokens are fine (`Ok`): there is nothing left to revoke.
    pub(crate) fn revoke(&self, token: &str, client_id: &str) -> Result<(), RevokeError> {
        let mut maps = lock(&self.maps);
        // Access and refresh tokens have distinct prefixes, so no hint is needed to tell them apart.
        let found = match maps.access.get(token) {
            Some(e) => Some((e.grant.clone(), false)),
            None => maps.refresh.get(token).map(|e| (e.grant.clone(), true)),
        };
        let Some((grant, is_refresh)) = found else {
            return Ok(());
        };
        if grant.client_id != client_id {
            return Err(RevokeError::OtherClient);
        }
        if is_refresh {
            maps.refresh.remove(token);
            if let Some(family) = grant.family {
                maps.revoke_family(family);
            }
        } else {
            maps.access.remove(token);
        }
        Ok(())
    }

    /// Marks every current access token expired; refresh tokens stay valid.
    pub(crate) fn expire_all_access(&self) {
        let now = Instant::now();
        for entry in lock(&self.maps).access.values_mut() {
            entry.expires_at = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(client: &str) -> Grant {
        Grant {
            grant_type: "authorization_code",
            client_id: client.into(),
            username: Some("demo".into()),
            scope: None,
            family: None,
            cnf_x5t: None,
        }
    }

    #[test]
    fn codes_expire_after_a_minute() {
        let store = TokenStore::new(Duration::from_secs(60));
        let code = store.issue_code(grant("c"), "http://127.0.0.1/cb".into(), None);
        let later = Instant::now() + CODE_TTL + Duration::from_secs(1);
        assert_eq!(
            store.take_code_at(&code, later).err(),
            Some(CodeError::Unknown)
        );
        assert_eq!(store.take_code(&code).err(), Some(CodeError::Unknown));
    }

    #[test]
    fn code_replay_revokes_its_family() {
        let store = TokenStore::new(Duration::from_secs(60));
        let code = store.issue_code(grant("c"), "http://127.0.0.1/cb".into(), None);
        let bound = store.take_code(&code).expect("first use");
        let issued = store.issue(bound.grant.clone(), true);
        let rt = issued.refresh_token.clone().expect("refresh token");
        let rotated = store.issue(store.take_refresh(&rt).expect("refresh"), true);
        assert!(store.access(&rotated.access_token).is_some());
        assert_eq!(store.take_code(&code).err(), Some(CodeError::Used));
        assert!(store.access(&issued.access_token).is_none());
        assert!(store.access(&rotated.access_token).is_none());
        let rt2 = rotated.refresh_token.expect("refresh token");
        assert!(store.take_refresh(&rt2).is_none());
    }

    #[test]
    fn revoke_checks_the_client_and_takes_the_family_for_refresh_tokens() {
        let store = TokenStore::new(Duration::from_secs(60));
        let a = store.issue(grant("c"), true);
        let b = store.issue(grant("c"), true);
        assert_eq!(
            store.revoke(&a.access_token, "other"),
            Err(RevokeError::OtherClient)
        );
        assert_eq!(store.revoke("nope", "c"), Ok(()));
        assert_eq!(store.revoke(&a.access_token, "c"), Ok(()));
        assert!(store.access(&a.access_token).is_none());
        let rt_b = b.refresh_token.expect("rt");
        assert_eq!(store.revoke(&rt_b, "c"), Ok(()));
        assert!(store.access(&b.access_token).is_none());
        assert!(store.take_refresh(&rt_b).is_none());
        // a's refresh token is a different family and survives its access token's revocation.
        assert!(store.take_refresh(&a.refresh_token.expect("rt")).is_some());
    }
}
