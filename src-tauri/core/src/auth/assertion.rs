//! Client authentication with a signed JWT instead of a secret on the wire (RFC 7523 §2.2,
//! OpenID Connect's `client_secret_jwt`): the token request carries `client_assertion_type` and
//! a short-lived assertion signed with the client secret (HS256), never the secret itself.

use chrono::{DateTime, Utc};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rand::Rng;
use serde::Serialize;

use crate::secret::ClientSecret;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Long enough for a slow network, short enough that a captured assertion is soon useless.
const LIFETIME_SECS: i64 = 60;

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: i64,
    exp: i64,
}

/// A fresh assertion for one request to `audience` (the endpoint it is sent to, RFC 7523 §3).
pub fn client_secret_jwt(
    client_id: &str,
    secret: &ClientSecret,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let jti: [u8; 16] = rand::rng().random();
    let claims = Claims {
        iss: client_id,
        sub: client_id,
        aud: audience,
        jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
        iat: now.timestamp(),
        exp: now.timestamp() + LIFETIME_SECS,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )
    // jsonwebtoken's errors name the failure, never the key.
    .map_err(|e| format!("could not sign the client assertion: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, DecodingKey, Validation};

    #[test]
    fn the_assertion_names_the_client_and_endpoint_and_verifies_with_the_secret() {
        let secret = ClientSecret::new("a-secret-of-at-least-thirty-two-bytes!");
        let now = Utc::now();
        let jwt = client_secret_jwt("shop", &secret, "https://auth.example/token", now).unwrap();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["https://auth.example/token"]);
        let claims = decode::<serde_json::Value>(
            &jwt,
            &DecodingKey::from_secret(secret.expose().as_bytes()),
            &validation,
        )
        .unwrap()
        .claims;
        assert_eq!(claims["iss"], "shop");
        assert_eq!(claims["sub"], "shop");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            60
        );
        assert!(!jwt.contains(secret.expose()));
        let again = client_secret_jwt("shop", &secret, "https://auth.example/token", now).unwrap();
        assert_ne!(jwt, again, "each assertion has its own jti");
    }
}
