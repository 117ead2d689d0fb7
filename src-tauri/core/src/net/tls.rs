//! TLS as a profile needs it: the operating system's CAs (`SSL_CERT_FILE` and `SSL_CERT_DIR`
//! honoured) plus the profile's own, a client certificate, and failures put into one sentence a
//! support person can act on ("issued by X, which is not trusted", "expired on", "is for ...").
//!
//! rustls does the checking (webpki); `Verifier` only wraps it to word its refusals, since
//! rustls' own errors name neither the issuer nor the names a certificate is for.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, CertificateError, DigitallySignedStruct, OtherError, RootCertStore,
    SignatureScheme,
};

use crate::secret::TlsKey;

/// A PEM file a person gave that cannot be used, in words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PemError {
    #[error("{what} has no PEM certificate (\"-----BEGIN CERTIFICATE-----\")")]
    NoCertificate { what: &'static str },
    #[error(
        "{what} holds a private key: give only certificates (a key belongs in --tls-key-file)"
    )]
    KeyInCertificates { what: &'static str },
    #[error("{what} has a certificate that cannot be read: {detail}")]
    BadCertificate { what: &'static str, detail: String },
    #[error("the client key is not a PEM private key (PKCS#8, SEC1 or PKCS#1)")]
    BadKey,
    #[error("the client certificate and its key do not belong together: {0}")]
    Mismatch(String),
    #[error("a client key was given without its certificate (--tls-cert-file)")]
    KeyWithoutCertificate,
    #[error("the client certificate has no key: give --tls-key-file (it goes to the keyring)")]
    CertificateWithoutKey,
    #[error("could not read {path}: {detail}")]
    Unreadable { path: String, detail: String },
    #[error("{0} is a PKCS#12 file: its passphrase is needed to open it")]
    NeedsPassphrase(String),
    #[error("the PKCS#12 file {path} could not be opened (a wrong passphrase?): {detail}")]
    Pkcs12 { path: String, detail: String },
}

/// A client certificate file as a person has it: PEM (the certificate, maybe its key too) or
/// PKCS#12 (`.p12`/`.pfx`, opened with `passphrase`). Returns the certificate chain as PEM and
/// the key if the file holds one. The passphrase only opens the file: it is kept nowhere.
pub fn read_client_certificate(
    path: &std::path::Path,
    passphrase: Option<&str>,
) -> Result<(String, Option<TlsKey>), PemError> {
    let shown = path.display().to_string();
    let bytes = read_bounded(path)?;
    if let Ok(text) = std::str::from_utf8(&bytes) {
        if text.contains("-----BEGIN") {
            return Ok((text.to_string(), key_only(text).ok()));
        }
    }
    let passphrase = passphrase.ok_or_else(|| PemError::NeedsPassphrase(shown.clone()))?;
    let failed = |detail: String| PemError::Pkcs12 {
        path: shown.clone(),
        detail,
    };
    let store = p12_keystore::KeyStore::from_pkcs12(
        &bytes,
        passphrase,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|e| failed(e.to_string()))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| failed("it holds no private key with its certificate".into()))?;
    if chain.certs().is_empty() {
        return Err(failed("it holds a private key but no certificate".into()));
    }
    let certs: String = chain
        .certs()
        .iter()
        .map(|cert| to_pem("CERTIFICATE", cert.as_der()))
        .collect();
    let key = TlsKey::new(to_pem("PRIVATE KEY", chain.key().as_der()));
    Ok((certs, Some(key)))
}

fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, PemError> {
    let unreadable = |detail: String| PemError::Unreadable {
        path: path.display().to_string(),
        detail,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if meta.len() > 1024 * 1024 {
        return Err(unreadable(
            "it is larger than 1 MiB; a certificate or key file is a few KiB".into(),
        ));
    }
    std::fs::read(path).map_err(|e| unreadable(e.to_string()))
}

/// The text of a PEM file a person points at (a CA, a certificate, a key), bounded in size.
pub fn read_pem(path: &std::path::Path) -> Result<String, PemError> {
    String::from_utf8(read_bounded(path)?).map_err(|_| PemError::Unreadable {
        path: path.display().to_string(),
        detail: "it is not a PEM text file".into(),
    })
}

/// Only the `CERTIFICATE` blocks of `pem`, re-encoded: what a profile keeps of a CA or client
/// certificate file. A private key in the file is refused, never copied along.
pub fn certificates_only(pem: &str, what: &'static str) -> Result<String, PemError> {
    if PrivateKeyDer::from_pem_slice(pem.as_bytes()).is_ok() {
        return Err(PemError::KeyInCertificates { what });
    }
    let certs = parse_certificates(pem, what)?;
    Ok(certs.iter().map(|der| to_pem("CERTIFICATE", der)).collect())
}

/// The certificates of a PEM text, each checked to be an X.509 certificate.
pub fn parse_certificates(
    pem: &str,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PemError::BadCertificate {
            what,
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(PemError::NoCertificate { what });
    }
    for cert in &certs {
        x509_parser::parse_x509_certificate(cert).map_err(|e| PemError::BadCertificate {
            what,
            detail: e.to_string(),
        })?;
    }
    Ok(certs)
}

/// The private key of a PEM text, re-encoded alone (a file may hold the certificate too).
pub fn key_only(pem: &str) -> Result<TlsKey, PemError> {
    let key = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| PemError::BadKey)?;
    let label = match &key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    Ok(TlsKey::new(to_pem(label, key.secret_der())))
}

/// A client certificate (chain) and its key, checked to belong together.
#[derive(Clone)]
pub struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ClientIdentity({} certificates, key [redacted])",
            self.chain.len()
        )
    }
}

impl ClientIdentity {
    pub fn new(cert_pem: &str, key: &TlsKey) -> Result<Self, PemError> {
        let chain = parse_certificates(cert_pem, "the client certificate")?;
        let key =
            PrivateKeyDer::from_pem_slice(key.expose().as_bytes()).map_err(|_| PemError::BadKey)?;
        let provider = provider();
        let signing = provider
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|e| PemError::Mismatch(e.to_string()))?;
        rustls::sign::CertifiedKey::new(chain.clone(), signing)
            .keys_match()
            .map_err(|e| PemError::Mismatch(e.to_string()))?;
        Ok(ClientIdentity {
            chain,
            key: Arc::new(key),
        })
    }
}

/// The rustls configuration for a profile: the system's CAs and `extra_ca`, and `identity`
/// presented when a server asks for a client certificate. Without an identity, `NoCertificate`
/// notes when a server asked for one.
pub fn client_config(
    extra_ca: &[CertificateDer<'static>],
    identity: Option<&ClientIdentity>,
    no_certificate: Arc<NoCertificate>,
) -> Result<rustls::ClientConfig, PemError> {
    let verifier = Arc::new(Verifier {
        extra: extra_ca.to_vec(),
        inner: OnceLock::new(),
        provider: provider(),
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous() // only to plug in `Verifier`, which checks with webpki like the default
        .with_custom_certificate_verifier(verifier);
    match identity {
        None => Ok(builder.with_client_cert_resolver(no_certificate)),
        Some(id) => builder
            .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
            .map_err(|e| PemError::Mismatch(e.to_string())),
    }
}

/// A profile without a client certificate: it sends none, but remembers that a server asked.
/// In TLS 1.3 the server's refusal comes after the client's side of the handshake, so the client
/// may already be sending its request; the request then fails as a closed connection ("connection
/// was not ready"), and the refusal itself is never read. Having been asked says why.
#[derive(Debug, Default)]
pub struct NoCertificate {
    asked: AtomicBool,
}

impl NoCertificate {
    pub fn asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }
}

impl ResolvesClientCert for NoCertificate {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

/// The sentence for a server that wants a client certificate the profile does not have.
pub(crate) fn wants_certificate(host: &str) -> (TlsFailure, String) {
    (
        TlsFailure::WantsClientCertificate,
        format!("{host} asks for a client certificate, and this profile has none"),
    )
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The operating system's CAs, read once per process and only when a server is first checked:
/// most commands never open a TLS connection.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!("a system CA certificate could not be read: {e}");
        }
        found.certs
    })
}

/// webpki's checks, over the system's CAs and the profile's, with refusals put into words.
#[derive(Debug)]
struct Verifier {
    extra: Vec<CertificateDer<'static>>,
    inner: OnceLock<Result<Arc<WebPkiServerVerifier>, String>>,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    fn inner(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        let built = self.inner.get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(system_roots().iter().cloned());
            roots.add_parsable_certificates(self.extra.iter().cloned());
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                .build()
                .map_err(|_| {
                    "no trusted CA certificate was found (none in the system store, SSL_CERT_FILE \
                     or SSL_CERT_DIR, and the profile has no CA file)"
                        .to_string()
                })
        });
        built
            .as_ref()
            .map_err(|e| problem(TlsFailure::UntrustedIssuer, e.clone()))
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                rustls::Error::InvalidCertificate(refusal) => {
                    let host = server_name.to_str();
                    let top = intermediates.last().unwrap_or(end_entity);
                    let kind = match refusal {
                        CertificateError::UnknownIssuer => TlsFailure::UntrustedIssuer,
                        _ => TlsFailure::BadCertificate,
                    };
                    problem(kind, refused_in_words(&refusal, &host, end_entity, top))
                }
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What went wrong with TLS, for the faces to say what can be done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The issuer is not trusted: adding its CA (if it is trusted) is the way.
    UntrustedIssuer,
    /// Expired, not yet valid, for another name, or otherwise refused: the server's to fix.
    BadCertificate,
    /// The server wants a client certificate the profile does not have.
    WantsClientCertificate,
    /// The server refused the profile's client certificate.
    ClientCertificateRefused,
    Handshake,
}

/// A refusal already in words, carried through rustls and reqwest to `Net::error`.
#[derive(Debug)]
struct Worded {
    kind: TlsFailure,
    sentence: String,
}

impl std::fmt::Display for Worded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sentence)
    }
}

impl std::error::Error for Worded {}

fn problem(kind: TlsFailure, sentence: String) -> rustls::Error {
    let worded = Worded { kind, sentence };
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(worded))))
}

fn refused_in_words(
    refusal: &CertificateError,
    host: &str,
    end_entity: &CertificateDer<'_>,
    top: &CertificateDer<'_>,
) -> String {
    let leaf = x509_parser::parse_x509_certificate(end_entity)
        .ok()
        .map(|(_, c)| c);
    let date = |t: &x509_parser::time::ASN1Time| {
        chrono::DateTime::from_timestamp(t.timestamp(), 0)
            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| t.to_string())
    };
    match (refusal, &leaf) {
        (CertificateError::UnknownIssuer, _) => {
            let issuer = x509_parser::parse_x509_certificate(top)
                .ok()
                .map(|(_, c)| display_name(c.issuer()))
                .unwrap_or_else(|| "an unknown issuer".into());
            format!(
                "the certificate of {host} is issued by \"{issuer}\", which is not a trusted CA"
            )
        }
        (CertificateError::Expired | CertificateError::ExpiredContext { .. }, Some(cert)) => {
            format!(
                "the certificate of {host} expired on {}",
                date(&cert.validity().not_after)
            )
        }
        (
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
            Some(cert),
        ) => format!(
            "the certificate of {host} is not valid before {}",
            date(&cert.validity().not_before)
        ),
        (
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            Some(cert),
        ) => {
            let names = names_of(cert);
            let names = match names.is_empty() {
                true => "no host name".to_string(),
                false => names.join(", "),
            };
            format!("the certificate of {host} is for {names}, not for {host}")
        }
        (other, _) => format!("the certificate of {host} was refused: {other:?}"),
    }
}

/// The DNS names and IP addresses a certificate is for.
pub(super) fn names_of(cert: &x509_parser::certificate::X509Certificate<'_>) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_string()),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).ok()?).to_string()),
                16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).ok()?).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A name's common name, else its whole distinguished name.
fn display_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| name.to_string())
}

/// What a subject says of itself, for the window ("Waybill demo CA, until 2027-01-01").
pub fn describe_certificates(pem: &str) -> Vec<String> {
    let Ok(certs) = parse_certificates(pem, "the certificate") else {
        return Vec::new();
    };
    certs
        .iter()
        .filter_map(|der| {
            let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
            let until = chrono::DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0)?;
            Some(format!(
                "{}, valid until {}",
                display_name(cert.subject()),
                until.format("%Y-%m-%d")
            ))
        })
        .collect()
}

/// A TLS failure found anywhere in an error's chain, in one sentence about `host`.
/// `has_identity`: this client had a certificate to present.
pub(crate) fn failure_in_words(
    error: &(dyn std::error::Error + 'static),
    host: &str,
    has_identity: bool,
) -> Option<(TlsFailure, String)> {
    use TlsFailure as F;
    let tls = find_rustls_error(error)?;
    Some(match tls {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
            match other.0.downcast_ref::<Worded>() {
                Some(worded) => (worded.kind, worded.sentence.clone()),
                None => (F::BadCertificate, other.0.to_string()),
            }
        }
        rustls::Error::InvalidCertificate(refusal) => (
            F::BadCertificate,
            format!("the certificate of {host} was refused: {refusal:?}"),
        ),
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) if !has_identity => {
            wants_certificate(host)
        }
        rustls::Error::AlertReceived(AlertDescription::HandshakeFailure) if !has_identity => (
            F::WantsClientCertificate,
            format!(
                "the TLS handshake with {host} failed: it may want a client certificate, and \
                 this profile has none"
            ),
        ),
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied
            | AlertDescription::CertificateRequired),
        ) => (
            F::ClientCertificateRefused,
            format!("{host} refused this profile's client certificate ({alert:?})"),
        ),
        rustls::Error::InvalidMessage(_) => (
            F::Handshake,
            format!(
                "the TLS handshake with {host} failed: its answer is not TLS (is it an http:// address?)"
            ),
        ),
        other => (
            F::Handshake,
            format!("the TLS handshake with {host} failed: {other}"),
        ),
    })
}

/// rustls' error inside reqwest's, hyper's and io's wrappers. `io::Error::source` skips the
/// error it wraps, so each io layer is looked into by hand.
fn find_rustls_error<'a>(
    mut error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    loop {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                    return Some(tls);
                }
                if let Some(found) = find_rustls_error(inner) {
                    return Some(found);
                }
            }
        }
        error = error.source()?;
    }
}

/// PEM of one DER object, in 64-column lines.
fn to_pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_profile_keeps_certificates_only_and_a_key_goes_apart() {
        let (cert, key) = issued();
        let both = format!("{cert}{key}");
        assert!(matches!(
            certificates_only(&both, "the CA file"),
            Err(PemError::KeyInCertificates { .. })
        ));
        assert_eq!(
            certificates_only(&cert, "the CA file").unwrap(),
            cert.replace("\r\n", "\n")
        );
        let split = key_only(&both).unwrap();
        assert!(split.expose().starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(!split.expose().contains("CERTIFICATE"));
        assert!(ClientIdentity::new(&cert, &split).is_ok());
        assert!(!format!("{:?}", ClientIdentity::new(&cert, &split).unwrap()).contains("KEY-----"));
        assert!(matches!(
            certificates_only("not pem", "the CA file"),
            Err(PemError::NoCertificate { .. })
        ));
    }

    #[test]
    fn a_file_that_is_not_pem_needs_a_passphrase_and_a_wrong_one_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.p12");
        std::fs::write(&path, [0x30, 0x82, 0x01, 0x00, 0x02]).unwrap();
        assert!(matches!(
            read_client_certificate(&path, None),
            Err(PemError::NeedsPassphrase(_))
        ));
        assert!(matches!(
            read_client_certificate(&path, Some("x")),
            Err(PemError::Pkcs12 { .. })
        ));
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let (cert, _) = issued();
        let (_, other_key) = issued();
        let err = ClientIdentity::new(&cert, &key_only(&other_key).unwrap()).unwrap_err();
        assert!(matches!(err, PemError::Mismatch(_)), "{err}");
    }
}
