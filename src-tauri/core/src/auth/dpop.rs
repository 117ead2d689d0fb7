//! DPoP (RFC 9449): tokens bound to a key the profile holds, so a stolen token is useless without
//! it. Each token request and each API call carries a fresh proof, a JWT signed with the key
//! (`typ: dpop+jwt`, the public key in its header) naming the request's method and URL, and at
//! the API the token's hash (`ath`). A server may ask for its nonce (`DPoP-Nonce`): the request
//! is sent once more with it, and the nonce kept for that server's next requests.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::Header;
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::key::{KeyError, SigningKey};

pub const HEADER: &str = "DPoP";
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// A profile's DPoP key, with the nonces its servers gave (by origin).
pub struct Dpop {
    key: SigningKey,
    nonces: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Dpop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dpop({:?})", self.key)
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    jti: String,
    htm: &'a str,
    htu: String,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
}

impl Dpop {
    pub fn new(key: SigningKey) -> Self {
        Dpop {
            key,
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// A proof for one request: `method` and `url` (its query and fragment left out, RFC 9449
    /// §4.2), and for an API call the access token it goes with (`ath`).
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<String, KeyError> {
        let (htu, origin) = match url::Url::parse(url) {
            Ok(mut u) => {
                u.set_query(None);
                u.set_fragment(None);
                (u.to_string(), u.origin().ascii_serialization())
            }
            Err(_) => (url.to_string(), url.to_string()),
        };
        let jti: [u8; 16] = rand::rng().random();
        let claims = Claims {
            jti: URL_SAFE_NO_PAD.encode(jti),
            htm: method,
            htu,
            iat: now.timestamp(),
            ath: access_token.map(|t| URL_SAFE_NO_PAD.encode(Sha256::digest(t.as_bytes()))),
            nonce: self.nonces().get(&origin).cloned(),
        };
        let header = Header {
            typ: Some("dpop+jwt".into()),
            jwk: Some(self.public_jwk()),
            ..Header::default()
        };
        self.key.sign(header, &claims)
    }

    /// Keep a server's nonce from a response's `DPoP-Nonce`; true when it is new (worth one more
    /// try of the request it came with).
    pub fn remember_nonce(&self, url: &str, nonce: Option<&str>) -> bool {
        let (Some(nonce), Ok(url)) = (nonce, url::Url::parse(url)) else {
            return false;
        };
        let origin = url.origin().ascii_serialization();
        let previous = self.nonces().insert(origin, nonce.to_string());
        previous.as_deref() != Some(nonce)
    }

    /// The public key the proofs carry (its RFC 7638 thumbprint is what tokens are bound to).
    fn public_jwk(&self) -> jsonwebtoken::jwk::Jwk {
        let mut jwk = self.key.public_jwk().clone();
        // Only the key itself: RFC 9449 §4.2 wants the public key, and nothing private.
        jwk.common = Default::default();
        jwk
    }

    pub fn thumbprint(&self) -> &str {
        self.key.kid()
    }

    fn nonces(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.nonces.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::key;

    #[test]
    fn a_proof_names_the_request_and_the_token_and_carries_the_public_key_only() {
        let dpop = Dpop::new(SigningKey::open(&key::generate()).unwrap());
        let now = Utc::now();
        let proof = dpop
            .proof("GET", "https://api.example/v1/x?y=1#z", Some("tok"), now)
            .unwrap();
        let view = crate::auth::jwt::decode(&proof).unwrap();
        assert_eq!(view.header["typ"], "dpop+jwt");
        assert_eq!(view.header["alg"], "ES256");
        assert_eq!(view.header["jwk"]["kty"], "EC");
        assert!(view.header["jwk"].get("d").is_none());
        assert_eq!(view.claims["htm"], "GET");
        assert_eq!(view.claims["htu"], "https://api.example/v1/x");
        // RFC 9449 §4.2's example: ath of "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU".
        let example = dpop
            .proof(
                "GET",
                "https://x",
                Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
                now,
            )
            .unwrap();
        let claims = crate::auth::jwt::decode(&example).unwrap().claims;
        assert_eq!(claims["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
        assert!(claims.get("nonce").is_none());
        assert!(dpop.remember_nonce("https://x/token", Some("n-1")));
        assert!(
            !dpop.remember_nonce("https://x/other", Some("n-1")),
            "the same nonce again"
        );
        let with_nonce = dpop.proof("POST", "https://x/token", None, now).unwrap();
        assert_eq!(
            crate::auth::jwt::decode(&with_nonce).unwrap().claims["nonce"],
            "n-1"
        );
        let elsewhere = dpop.proof("POST", "https://y/token", None, now).unwrap();
        assert!(crate::auth::jwt::decode(&elsewhere)
            .unwrap()
            .claims
            .get("nonce")
            .is_none());
    }
}
