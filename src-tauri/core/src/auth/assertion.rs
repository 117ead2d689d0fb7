//! How a client proves who it is at the provider's endpoints, from what the keyring holds for it:
//! its secret on the wire (form, Basic, JSON), or a short-lived JWT it signs (RFC 7523 §2.2:
//! `client_secret_jwt` with the secret, HS256; `private_key_jwt` with its own key, ES256/RS256).
//! An assertion goes on every request the client authenticates: token, refresh, revocation.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rand::Rng;
use serde::Serialize;

use crate::auth::dpop::Dpop;
use crate::auth::key::SigningKey;
use crate::profile::{ClientAuth, Profile};
use crate::secret::ClientSecret;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Long enough for a slow network, short enough that a captured assertion is soon useless.
const LIFETIME_SECS: i64 = 60;

/// What the keyring holds for a client: its secret, its signing key (`private_key_jwt`), both or
/// neither (a public client, or mutual TLS); and its DPoP key, which every token request proves.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    pub secret: Option<ClientSecret>,
    pub key: Option<Arc<SigningKey>>,
    pub dpop: Option<Arc<Dpop>>,
}

impl ClientCredentials {
    pub fn secret(secret: Option<ClientSecret>) -> Self {
        Self {
            secret,
            ..Self::default()
        }
    }

    /// The secret to send as such (body or Basic): not with a certificate or an assertion.
    pub fn secret_on_wire(&self, auth: ClientAuth) -> Option<&ClientSecret> {
        self.secret.as_ref().filter(|_| auth.sends_secret())
    }

    /// Whether `auth` can authenticate with what is held: a certificate needs nothing here, an
    /// assertion needs its secret or key, the others a secret.
    pub fn can_authenticate(&self, auth: ClientAuth) -> bool {
        match auth {
            ClientAuth::PrivateKeyJwt => self.key.is_some(),
            auth if auth.is_mutual_tls() => true,
            _ => self.secret.is_some(),
        }
    }
}

/// Signs `profile`'s client assertions, when its client authentication is a signed JWT.
#[derive(Debug, Clone)]
pub struct Assertions {
    client_id: String,
    /// `aud` when set on the profile (e.g. the issuer); else the endpoint each one is sent to.
    audience: Option<String>,
    /// The `kid` the provider knows the client's key by, when it knows one.
    key_id: Option<String>,
    key: AssertionKey,
}

#[derive(Debug, Clone)]
enum AssertionKey {
    Secret(ClientSecret),
    Key(Arc<SigningKey>),
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: i64,
    exp: i64,
}

impl Assertions {
    /// None when the profile does not sign assertions, or holds nothing to sign them with (the
    /// provider then refuses the request in its own words).
    pub fn for_profile(profile: &Profile, client: &ClientCredentials) -> Option<Self> {
        let key = match profile.client_auth {
            ClientAuth::ClientSecretJwt => AssertionKey::Secret(client.secret.clone()?),
            ClientAuth::PrivateKeyJwt => AssertionKey::Key(client.key.clone()?),
            _ => return None,
        };
        Some(Self {
            client_id: profile.client_id.clone(),
            audience: profile.assertion_audience.clone(),
            key_id: profile.client_key_id.clone(),
            key,
        })
    }

    /// A fresh assertion for one request to `endpoint` (RFC 7523 §3: `iss` and `sub` the client,
    /// `aud` the endpoint or the profile's audience, a new `jti`, a short `exp`).
    pub fn sign(&self, endpoint: &str, now: DateTime<Utc>) -> Result<String, String> {
        let jti: [u8; 16] = rand::rng().random();
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: self.audience.as_deref().unwrap_or(endpoint),
            jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
            iat: now.timestamp(),
            exp: now.timestamp() + LIFETIME_SECS,
        };
        // Neither library's errors quote the key: they name the failure.
        let failed = |e: String| format!("could not sign the client assertion: {e}");
        match &self.key {
            AssertionKey::Secret(secret) => encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(secret.expose().as_bytes()),
            )
            .map_err(|e| failed(e.to_string())),
            AssertionKey::Key(key) => {
                // Only a `kid` the provider registered: one it does not know fails the match.
                let header = Header {
                    kid: self.key_id.clone(),
                    ..Header::default()
                };
                key.sign(header, &claims).map_err(|e| failed(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::key;
    use jsonwebtoken::{decode, DecodingKey, Validation};

    fn profile(auth: ClientAuth, audience: Option<&str>) -> Profile {
        Profile {
            client_id: "shop".into(),
            client_auth: auth,
            assertion_audience: audience.map(str::to_string),
            ..Profile::default()
        }
    }

    fn claims(jwt: &str, key: &DecodingKey, alg: Algorithm, aud: &str) -> serde_json::Value {
        let mut validation = Validation::new(alg);
        validation.set_audience(&[aud]);
        decode::<serde_json::Value>(jwt, key, &validation)
            .unwrap()
            .claims
    }

    #[test]
    fn a_secret_signed_assertion_names_the_client_and_endpoint_and_verifies_with_the_secret() {
        let secret = ClientSecret::new("a-secret-of-at-least-thirty-two-bytes!");
        let client = ClientCredentials::secret(Some(secret.clone()));
        let assertions =
            Assertions::for_profile(&profile(ClientAuth::ClientSecretJwt, None), &client).unwrap();
        let now = Utc::now();
        let jwt = assertions.sign("https://auth.example/token", now).unwrap();
        let key = DecodingKey::from_secret(secret.expose().as_bytes());
        let claims = claims(&jwt, &key, Algorithm::HS256, "https://auth.example/token");
        assert_eq!(claims["iss"], "shop");
        assert_eq!(claims["sub"], "shop");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            60
        );
        assert!(!jwt.contains(secret.expose()));
        let again = assertions.sign("https://auth.example/token", now).unwrap();
        assert_ne!(jwt, again, "each assertion has its own jti");
    }

    #[test]
    fn a_key_signed_assertion_carries_the_known_kid_and_the_profiles_audience() {
        let key = Arc::new(SigningKey::open(&key::generate()).unwrap());
        let client = ClientCredentials {
            key: Some(key.clone()),
            ..ClientCredentials::default()
        };
        let brought = profile(ClientAuth::PrivateKeyJwt, Some("https://auth.example"));
        let sign = |profile: &Profile| {
            Assertions::for_profile(profile, &client)
                .unwrap()
                .sign("https://auth.example/token", Utc::now())
                .unwrap()
        };
        let header = jsonwebtoken::decode_header(sign(&brought)).unwrap();
        assert_eq!(
            header.kid, None,
            "a key file's id is unknown: a kid the provider never registered fails its key match"
        );
        let registered = Profile {
            client_key_id: Some("key-2026".into()),
            ..brought
        };
        let jwt = sign(&registered);
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("key-2026"));
        let decoding = DecodingKey::from_jwk(key.public_jwk()).unwrap();
        let claims = claims(&jwt, &decoding, Algorithm::ES256, "https://auth.example");
        assert_eq!(claims["sub"], "shop");
    }

    #[test]
    fn only_signing_methods_with_something_to_sign_with_make_assertions() {
        let client = ClientCredentials::secret(Some(ClientSecret::new("s")));
        assert!(Assertions::for_profile(&profile(ClientAuth::Form, None), &client).is_none());
        assert!(
            Assertions::for_profile(&profile(ClientAuth::PrivateKeyJwt, None), &client).is_none()
        );
        assert!(!client.can_authenticate(ClientAuth::PrivateKeyJwt));
        assert!(client.can_authenticate(ClientAuth::Basic));
        assert!(client.secret_on_wire(ClientAuth::ClientSecretJwt).is_none());
        assert!(client.secret_on_wire(ClientAuth::Form).is_some());
    }
}
