//! The client's own signing key, for `private_key_jwt` client assertions (RFC 7523): read from
//! the PEM file a person has (PKCS#8, SEC1 or PKCS#1; EC P-256 or RSA), or made here (P-256).
//! The keyring keeps it as PKCS#8 PEM; only its public JWK leaves, to be registered with the
//! provider.

use std::fmt;

use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rand::Rng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use serde::Serialize;

use crate::secret::ClientKey;

/// Below this, RSA signatures are refused by providers (and by RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KeyError {
    #[error("the client key is not a PEM private key (PKCS#8, SEC1 or PKCS#1)")]
    NotPem,
    #[error("the client key is encrypted: decrypt it first (openssl pkey -in KEY -out PLAIN.pem) and give that file")]
    Encrypted,
    #[error("the client key is neither EC P-256 nor RSA: only those sign client assertions (ES256, RS256)")]
    Unsupported,
    #[error("the RSA client key has {0} bits: at least 2048 are needed")]
    WeakRsa(usize),
    #[error("could not sign with the client key: {0}")]
    Sign(String),
}

/// A client key as a person gives it, checked and re-encoded as PKCS#8 PEM for the keyring.
pub fn read(pem: &str) -> Result<ClientKey, KeyError> {
    if pem.contains("ENCRYPTED") {
        return Err(KeyError::Encrypted);
    }
    let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| KeyError::NotPem)?;
    let pkcs8 = match &der {
        PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der().to_vec(),
        PrivateKeyDer::Sec1(k) => p256::SecretKey::from_sec1_der(k.secret_sec1_der())
            .map_err(|_| KeyError::Unsupported)?
            .to_pkcs8_der()
            .map_err(|e| KeyError::Sign(e.to_string()))?
            .as_bytes()
            .to_vec(),
        PrivateKeyDer::Pkcs1(k) => rsa::RsaPrivateKey::from_pkcs1_der(k.secret_pkcs1_der())
            .map_err(|_| KeyError::NotPem)?
            .to_pkcs8_der()
            .map_err(|e| KeyError::Sign(e.to_string()))?
            .as_bytes()
            .to_vec(),
        _ => return Err(KeyError::NotPem),
    };
    let key = ClientKey::new(pkcs8_pem(&pkcs8));
    SigningKey::open(&key)?;
    Ok(key)
}

/// A new P-256 key: small, fast, and accepted wherever `private_key_jwt` is.
pub fn generate() -> ClientKey {
    loop {
        // One 32-byte string in 2^32 is not a valid scalar; draw again.
        let bytes: [u8; 32] = rand::rng().random();
        if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
            let der = secret
                .to_pkcs8_der()
                .expect("a P-256 key encodes as PKCS#8");
            return ClientKey::new(pkcs8_pem(der.as_bytes()));
        }
    }
}

fn pkcs8_pem(der: &[u8]) -> String {
    p256::pkcs8::der::pem::encode_string("PRIVATE KEY", LineEnding::LF, der)
        .expect("PEM encoding of bytes cannot fail")
}

/// A client key opened for signing, with its public half as a JWK (`kid` its RFC 7638
/// thumbprint).
pub struct SigningKey {
    alg: Algorithm,
    encoding: EncodingKey,
    public: Jwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?}, kid {})", self.alg, self.kid())
    }
}

impl SigningKey {
    pub fn open(key: &ClientKey) -> Result<Self, KeyError> {
        let der = match PrivateKeyDer::from_pem_slice(key.expose().as_bytes()) {
            Ok(PrivateKeyDer::Pkcs8(k)) => k.secret_pkcs8_der().to_vec(),
            _ => return Err(KeyError::NotPem),
        };
        let (alg, encoding) = if p256::SecretKey::from_pkcs8_der(&der).is_ok() {
            (Algorithm::ES256, EncodingKey::from_ec_der(&der))
        } else if let Ok(rsa) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            let bits = rsa.size() * 8;
            if bits < MIN_RSA_BITS {
                return Err(KeyError::WeakRsa(bits));
            }
            let pkcs1 = rsa
                .to_pkcs1_der()
                .map_err(|e| KeyError::Sign(e.to_string()))?;
            (
                Algorithm::RS256,
                EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            )
        } else {
            return Err(KeyError::Unsupported);
        };
        let sign_error = |e: jsonwebtoken::errors::Error| KeyError::Sign(e.to_string());
        let mut public = Jwk::from_encoding_key(&encoding, alg).map_err(sign_error)?;
        public.common.key_id = Some(
            public
                .thumbprint(ThumbprintHash::SHA256)
                .map_err(sign_error)?,
        );
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self {
            alg,
            encoding,
            public,
        })
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The RFC 7638 thumbprint of the public key: its `kid`.
    pub fn kid(&self) -> &str {
        self.public.common.key_id.as_deref().unwrap_or_default()
    }

    /// The public half, to register with the provider (a JWK: `kty`, `crv`/`x`/`y` or `n`/`e`,
    /// `kid`, `use`, `alg`). Nothing private is in it.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// A JWS of `claims` with this key; `header`'s `alg` is set to the key's.
    pub fn sign<T: Serialize>(&self, mut header: Header, claims: &T) -> Result<String, KeyError> {
        header.alg = self.alg;
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| KeyError::Sign(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, DecodingKey, Validation};

    fn verifies(key: &SigningKey) -> bool {
        let jwt = key
            .sign(Header::default(), &serde_json::json!({"sub": "shop"}))
            .unwrap();
        let decoding = DecodingKey::from_jwk(key.public_jwk()).unwrap();
        let mut validation = Validation::new(key.alg());
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        decode::<serde_json::Value>(&jwt, &decoding, &validation).is_ok()
    }

    #[test]
    fn a_generated_key_signs_what_its_public_jwk_verifies() {
        let key = generate();
        let opened = SigningKey::open(&key).unwrap();
        assert_eq!(opened.alg(), Algorithm::ES256);
        assert!(verifies(&opened));
        let jwk = serde_json::to_value(opened.public_jwk()).unwrap();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["alg"], "ES256");
        assert_eq!(jwk["kid"], opened.kid());
        assert!(
            jwk.get("d").is_none(),
            "the private scalar stays out: {jwk}"
        );
        assert_ne!(generate(), key, "each key is new");
    }

    #[test]
    fn sec1_and_pkcs1_keys_are_read_and_kept_as_pkcs8() {
        let ec = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let sec1 = ec.to_sec1_pem(LineEnding::LF).unwrap();
        let kept = read(&sec1).unwrap();
        assert!(kept.expose().starts_with("-----BEGIN PRIVATE KEY-----"));
        let opened = SigningKey::open(&kept).unwrap();
        assert!(verifies(&opened));
        // The same key in PKCS#8 has the same thumbprint.
        let pkcs8 = ec.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(
            SigningKey::open(&read(&pkcs8).unwrap()).unwrap().kid(),
            opened.kid()
        );

        let rsa = rsa_key(2048);
        let pkcs1 = rsa.to_pkcs1_pem(LineEnding::LF).unwrap();
        let opened = SigningKey::open(&read(&pkcs1).unwrap()).unwrap();
        assert_eq!(opened.alg(), Algorithm::RS256);
        assert!(verifies(&opened));
        let jwk = serde_json::to_value(opened.public_jwk()).unwrap();
        assert_eq!(jwk["kty"], "RSA");
        assert!(jwk.get("d").is_none() && jwk.get("p").is_none());
    }

    #[test]
    fn keys_that_cannot_sign_are_refused_in_words() {
        assert_eq!(read("not a key"), Err(KeyError::NotPem));
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(read(encrypted), Err(KeyError::Encrypted));
        let weak = rsa_key(1024).to_pkcs1_pem(LineEnding::LF).unwrap();
        assert_eq!(read(&weak), Err(KeyError::WeakRsa(1024)));
        // An Ed25519 key (RFC 8410's example): valid PKCS#8, not a key we sign with.
        let ed25519 = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        assert_eq!(read(ed25519), Err(KeyError::Unsupported));
    }

    fn rsa_key(bits: usize) -> rsa::RsaPrivateKey {
        let pem = match bits {
            2048 => include_str!("../../tests/keys/rsa-2048-pkcs1.pem"),
            _ => include_str!("../../tests/keys/rsa-1024-pkcs1.pem"),
        };
        rsa::RsaPrivateKey::from_pkcs1_pem(pem).unwrap()
    }
}
