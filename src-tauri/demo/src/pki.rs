//! A throwaway certificate authority (rcgen) for the demo server's TLS and for tests: server
//! certificates that are current, expired or not yet valid, and client certificates for
//! mutual TLS (RFC 8705). Keys are ECDSA P-256, held in memory; PEM keys are PKCS#8.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use sha2::{Digest as _, Sha256};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Key generation and signing only fail if the system random number generator does.
const RNG_FAILED: &str = "demo PKI: the system random number generator failed";

/// A self-signed CA that issues server and client certificates.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// When an issued certificate is valid, relative to the moment it is issued (whole days, so a
/// test can tell which date a verifier should quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From 1 day ago to 30 days from now.
    Current,
    /// From 60 days ago to 30 days ago.
    Expired,
    /// From 30 days from now to 60 days from now.
    NotYetValid,
}

impl Validity {
    /// `(not_before, not_after)` for a certificate issued at `now`, truncated to whole seconds
    /// (what X.509 can hold).
    pub fn window(self, now: SystemTime) -> (SystemTime, SystemTime) {
        let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let now = UNIX_EPOCH + Duration::from_secs(secs);
        let before = |days: u32| now.checked_sub(DAY * days).unwrap_or(UNIX_EPOCH);
        let after = |days: u32| now + DAY * days;
        match self {
            Validity::Current => (before(1), after(30)),
            Validity::Expired => (before(60), before(30)),
            Validity::NotYetValid => (after(30), after(60)),
        }
    }
}

/// A certificate issued by a [`Ca`], with its private key.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The leaf certificate only (PEM); the CA is [`Ca::cert_pem`].
    pub cert_pem: String,
    /// The leaf's private key, PKCS#8 PEM.
    pub key_pem: String,
    /// The leaf certificate, DER (for [`sha256_thumbprint`]).
    pub cert_der: Vec<u8>,
    /// Start of validity, as written in the certificate.
    pub not_before: SystemTime,
    /// End of validity, as written in the certificate.
    pub not_after: SystemTime,
}

impl Issued {
    /// Certificate then key, one PEM text: what `reqwest::Identity::from_pem` takes.
    pub fn identity_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }
}

impl Ca {
    /// A new self-signed CA whose subject CN (and O) is `name`, valid from 90 days ago for 10
    /// years (so it outlives every [`Validity`] of the certificates it issues).
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(name, Some(name));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = SystemTime::now();
        params.not_before = now.checked_sub(DAY * 90).unwrap_or(UNIX_EPOCH).into();
        params.not_after = (now + DAY * 3650).into();
        let key = KeyPair::generate().expect(RNG_FAILED);
        let cert = params.self_signed(&key).expect(RNG_FAILED);
        Ca { cert, key }
    }

    /// The CA certificate, PEM: what a client must trust.
    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    /// A server certificate for `names` (DNS names or IP literals, e.g. `127.0.0.1`,
    /// `localhost`, `::1`), valid as `valid` says, signed by this CA. Fails (`InvalidInput`)
    /// on a name that is neither an IP address nor an ASCII DNS name.
    pub fn server_cert(&self, names: &[&str], valid: Validity) -> std::io::Result<Issued> {
        for name in names {
            let ok = name.parse::<IpAddr>().is_ok()
                || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()));
            if !ok {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "\"{}\" is neither an IP address nor an ASCII DNS name",
                        name.escape_debug()
                    ),
                ));
            }
        }
        let cn = names.first().copied().unwrap_or("waybill demo server");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        params.distinguished_name = dn(cn, None);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        Ok(self.issue(params, valid))
    }

    /// A client certificate with subject CN `cn` (extended key usage clientAuth), current.
    pub fn client_cert(&self, cn: &str) -> Issued {
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(cn, None);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, Validity::Current)
    }

    fn issue(&self, mut params: CertificateParams, valid: Validity) -> Issued {
        let (not_before, not_after) = valid.window(SystemTime::now());
        params.not_before = not_before.into();
        params.not_after = not_after.into();
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().expect(RNG_FAILED);
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect(RNG_FAILED);
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().to_vec(),
            not_before,
            not_after,
        }
    }
}

/// A subject with CN `cn` and, if given, O `org`.
fn dn(cn: &str, org: Option<&str>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    if let Some(org) = org {
        dn.push(DnType::OrganizationName, org);
    }
    dn
}

/// RFC 8705 3.1 `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's DER.
pub fn sha256_thumbprint(cert_der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(cert_der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_windows_are_whole_days() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000_000) + Duration::from_millis(700);
        let base = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(
            Validity::Expired.window(now),
            (base - DAY * 60, base - DAY * 30)
        );
        assert_eq!(
            Validity::NotYetValid.window(now),
            (base + DAY * 30, base + DAY * 60)
        );
        assert_eq!(Validity::Current.window(now), (base - DAY, base + DAY * 30));
    }

    #[test]
    fn bad_server_names_are_errors_not_panics() {
        let ca = Ca::new("test CA");
        for bad in ["", "bad name", "exämple.test"] {
            let e = ca
                .server_cert(&[bad], Validity::Current)
                .expect_err("bad name");
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
        let ok = ca
            .server_cert(&["127.0.0.1", "localhost", "::1"], Validity::Current)
            .expect("good names");
        assert!(ok.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(ok.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(sha256_thumbprint(&ok.cert_der).len(), 43);
    }
}
