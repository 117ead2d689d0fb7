//! JWT inspection for the token inspector: header and claims decoded, and the signature checked
//! against the provider's JWKS when it publishes one. This tells the user what they hold; it
//! decides nothing about trust (the API does), so an unverifiable token is shown, not refused.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{errors::ErrorKind, DecodingKey, Validation};
use serde::Serialize;
use serde_json::Value;

use crate::net::{Net, NetError};

/// A JWT's two readable parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JwtView {
    pub header: Value,
    pub claims: Value,
}

/// What the signature check found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureCheck {
    /// Verified with a key from the provider's JWKS.
    Checked { alg: String, kid: Option<String> },
    /// Not checked: no JWKS known, or no key in it for this token.
    Unchecked { reason: String },
    /// Checked, and it does not hold.
    Invalid { reason: String },
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum JwksError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("the JWKS at {0} answered HTTP {1}")]
    Status(String, u16),
    #[error("the JWKS at {0} is not a valid key set")]
    Invalid(String),
}

/// The header and claims, if `token` is a JWT (three dot-separated parts, JSON objects).
pub fn decode(token: &str) -> Option<JwtView> {
    let mut parts = token.split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let part = |text: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
    };
    Some(JwtView {
        header: part(header)?,
        claims: part(claims)?,
    })
}

/// Check the signature with the key the header names (`kid`), or the only key of the set.
/// Expiry, audience and issuer are the inspector's to show, not reasons to fail here.
pub fn check_signature(token: &str, jwks: &JwkSet) -> SignatureCheck {
    let header = match jsonwebtoken::decode_header(token) {
        Ok(header) => header,
        Err(e) => {
            return SignatureCheck::Invalid {
                reason: format!("the header cannot be read ({e})"),
            }
        }
    };
    let key = match (&header.kid, jwks.keys.as_slice()) {
        (Some(kid), keys) => keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        (None, [only]) => Some(only),
        (None, _) => None,
    };
    let Some(jwk) = key else {
        return SignatureCheck::Unchecked {
            reason: format!(
                "the provider's key set has no key {}",
                header.kid.as_deref().unwrap_or("for a token without kid")
            ),
        };
    };
    let key = match DecodingKey::from_jwk(jwk) {
        Ok(key) => key,
        Err(e) => {
            return SignatureCheck::Unchecked {
                reason: format!("the provider's key cannot be used ({e})"),
            }
        }
    };
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    match jsonwebtoken::decode::<Value>(token, &key, &validation) {
        Ok(_) => SignatureCheck::Checked {
            alg: format!("{:?}", header.alg),
            kid: header.kid,
        },
        Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => SignatureCheck::Invalid {
            reason: "the signature does not match the provider's key".into(),
        },
        Err(e) => SignatureCheck::Invalid {
            reason: e.to_string(),
        },
    }
}

pub async fn fetch_jwks(net: &Net, url: &str) -> Result<JwkSet, JwksError> {
    let answer = net.send(net.following.get(url), "jwks").await?;
    let status = answer.status.as_u16();
    if status != 200 {
        return Err(JwksError::Status(url.to_string(), status));
    }
    serde_json::from_slice(&answer.body).map_err(|_| JwksError::Invalid(url.to_string()))
}

/// Fetch the provider's JWKS (when known) and check `token` against it.
pub async fn check_with_provider(net: &Net, token: &str, jwks_url: Option<&str>) -> SignatureCheck {
    let Some(url) = jwks_url else {
        return SignatureCheck::Unchecked {
            reason: "the provider publishes no JWKS for this profile".into(),
        };
    };
    match fetch_jwks(net, url).await {
        Ok(jwks) => check_signature(token, &jwks),
        Err(e) => SignatureCheck::Unchecked {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"a-shared-key-of-enough-length-for-hs256";

    fn token(kid: Option<&str>, key: &[u8]) -> String {
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = kid.map(str::to_string);
        encode(
            &header,
            &json!({"sub": "ada", "exp": 1}),
            &EncodingKey::from_secret(key),
        )
        .unwrap()
    }

    fn jwks(kid: &str, key: &[u8]) -> JwkSet {
        serde_json::from_value(json!({"keys": [{"kty": "oct", "kid": kid, "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(key)}]}))
            .unwrap()
    }

    #[test]
    fn header_and_claims_are_decoded_and_opaque_tokens_are_not_jwts() {
        let view = decode(&token(Some("k1"), SECRET)).unwrap();
        assert_eq!(view.header["alg"], "HS256");
        assert_eq!(view.claims["sub"], "ada");
        assert_eq!(decode("demo_at_opaque"), None);
        assert_eq!(decode("AAAA%2FAAA%3DAAAAAAAA"), None);
        assert_eq!(
            decode("a.b.c"),
            None,
            "three parts that are not JSON are no JWT"
        );
    }

    #[test]
    fn a_signature_is_checked_with_the_named_key_even_when_expired() {
        let check = check_signature(&token(Some("k1"), SECRET), &jwks("k1", SECRET));
        assert_eq!(
            check,
            SignatureCheck::Checked {
                alg: "HS256".into(),
                kid: Some("k1".into())
            }
        );
    }

    #[test]
    fn a_forged_signature_is_invalid_and_an_unknown_key_is_unchecked() {
        let forged = token(Some("k1"), b"someone-elses-key-of-enough-length-too");
        assert!(matches!(
            check_signature(&forged, &jwks("k1", SECRET)),
            SignatureCheck::Invalid { .. }
        ));
        assert!(matches!(
            check_signature(&token(Some("k9"), SECRET), &jwks("k1", SECRET)),
            SignatureCheck::Unchecked { .. }
        ));
    }
}
