//! In-memory token store: issues random access/refresh tokens, looks them up, rotates
//! refresh tokens and expires access tokens on demand.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

use crate::lock;

/// Refresh tokens live this long (or until used once).
pub(crate) const REFRESH_TTL: Duration = Duration::from_secs(24 * 3600);

/// What a token was issued for: the grant, the client, the user (if any) and the scope.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) grant_type: &'static str,
    pub(crate) client_id: String,
    pub(crate) username: Option<String>,
    pub(crate) scope: Option<String>,
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
}

/// 32 random bytes, base64url without padding (43 chars), after `prefix`.
fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

impl TokenStore {
    pub(crate) fn new(ttl: Duration) -> Self {
        TokenStore {
            ttl,
            maps: Mutex::new(Maps::default()),
        }
    }

    /// Issues an access token (and a refresh token if asked) for `grant`.
    pub(crate) fn issue(&self, grant: Grant, with_refresh: bool) -> Issued {
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

    /// Marks every current access token expired; refresh tokens stay valid.
    pub(crate) fn expire_all_access(&self) {
        let now = Instant::now();
        for entry in lock(&self.maps).access.values_mut() {
            entry.expires_at = now;
        }
    }
}
