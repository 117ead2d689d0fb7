//! A server checked one step at a time, for `waybill doctor`: does its name resolve, and which
//! certificate does it show under the profile's trust. Each failure is one sentence.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls::pki_types::{CertificateDer, ServerName};

use super::tls::{self, NoCertificate};
use super::Transport;

/// What a server's own (leaf) certificate says.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertificateFacts {
    pub subject: String,
    pub issuer: String,
    /// The DNS names and IP addresses it is for.
    pub names: Vec<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl CertificateFacts {
    /// Whole days until it expires, negative once it has.
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }
}

/// Where a URL points.
struct Target {
    scheme: String,
    /// As URLs write it (an IPv6 address in brackets), for sentences.
    shown: String,
    /// Without brackets, for the resolver and the TLS server name.
    bare: String,
    port: u16,
}

fn target(url: &str) -> Result<Target, String> {
    let invalid = || format!("{url:?} is not a valid URL");
    let parsed = url::Url::parse(url).map_err(|_| invalid())?;
    let shown = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(invalid)?;
    Ok(Target {
        scheme: parsed.scheme().to_string(),
        shown: shown.to_string(),
        bare: shown
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        // A lookup needs a port but its answer does not depend on it: 0 for unknown schemes.
        port: parsed.port_or_known_default().unwrap_or(0),
    })
}

/// The addresses the URL's host resolves to, in the resolver's order. An IP address is its own.
pub async fn resolve(url: &str) -> Result<Vec<IpAddr>, String> {
    let target = target(url)?;
    if let Ok(ip) = target.bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let host = &target.shown;
    let found = tokio::net::lookup_host((target.bare.as_str(), target.port))
        .await
        .map_err(|e| format!("{host} does not resolve ({e})"))?;
    let mut ips: Vec<IpAddr> = Vec::new();
    for ip in found.map(|addr| addr.ip()) {
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    match ips.is_empty() {
        true => Err(format!("{host} does not resolve (no address)")),
        false => Ok(ips),
    }
}

/// The certificate an `https` server shows, checked with the same trust as the profile's HTTP
/// client (its extra CAs, its client certificate). `None` for `http`.
///
/// The connection goes straight to the server, never through the profile's proxy: what is
/// checked is the server's own certificate, and a proxy is a step of its own.
pub async fn server_certificate(
    url: &str,
    transport: &Transport,
    timeout: Duration,
) -> Result<Option<CertificateFacts>, String> {
    let target = target(url)?;
    match target.scheme.as_str() {
        "https" => {}
        "http" => return Ok(None),
        _ => return Err(format!("{url:?} is not an http:// or https:// URL")),
    }
    let no_certificate = Arc::new(NoCertificate::default());
    let config = tls::client_config(
        &transport.extra_ca,
        transport.identity.as_ref(),
        no_certificate.clone(),
    )
    .map_err(|e| format!("the profile's TLS settings cannot be used: {e}"))?;
    let name = ServerName::try_from(target.bare.clone())
        .map_err(|_| format!("{url:?} is not a valid URL"))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let (host, port) = (&target.shown, target.port);
    let has_identity = transport.identity.is_some();
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((target.bare.as_str(), port))
            .await
            .map_err(|e| format!("could not connect to {host}:{port} ({e})"))?;
        let stream = connector
            .connect(name, tcp)
            .await
            .map_err(|e| handshake_failed(&e, host, has_identity, no_certificate.asked()))?;
        let leaf = stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first());
        let leaf = leaf.ok_or_else(|| format!("{host} showed no certificate"))?;
        facts(leaf, host)
    };
    match tokio::time::timeout(timeout, handshake).await {
        Ok(result) => result.map(Some),
        Err(_) => Err(format!(
            "{host}:{port} did not answer within {} s",
            timeout.as_secs_f32()
        )),
    }
}

/// A failed handshake in words: tls.rs' sentences when rustls said why, else a plain one.
fn handshake_failed(e: &std::io::Error, host: &str, has_identity: bool, asked: bool) -> String {
    if let Some((_, sentence)) = tls::failure_in_words(e, host, has_identity) {
        return sentence;
    }
    // A closed connection after the server asked for a certificate we lack (see `NoCertificate`).
    if asked && !has_identity {
        return tls::wants_certificate(host).1;
    }
    format!("the TLS handshake with {host} failed: {e}")
}

fn facts(leaf: &CertificateDer<'_>, host: &str) -> Result<CertificateFacts, String> {
    let unreadable = |detail: String| format!("the certificate of {host} cannot be read: {detail}");
    let (_, cert) =
        x509_parser::parse_x509_certificate(leaf).map_err(|e| unreadable(e.to_string()))?;
    let date = |t: &x509_parser::time::ASN1Time| {
        DateTime::from_timestamp(t.timestamp(), 0)
            .ok_or_else(|| unreadable(format!("its date {t} is out of range")))
    };
    Ok(CertificateFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        names: super::tls::names_of(&cert),
        not_before: date(&cert.validity().not_before)?,
        not_after: date(&cert.validity().not_after)?,
    })
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::PrivateKeyDer;

    use super::*;

    /// A local HTTPS server with a self-signed certificate for 127.0.0.1 and localhost, which
    /// completes each handshake and closes. Returns its URL and certificate.
    async fn https_server() -> (String, CertificateDer<'static>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Waybill probe test");
        let der = params.self_signed(&key).unwrap().der().clone();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![der.clone()],
                PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/oauth/token", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                drop(acceptor.accept(tcp).await);
            }
        });
        (url, der)
    }

    const WAIT: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn a_trusted_server_shows_its_certificate() {
        let (url, der) = https_server().await;
        let transport = Transport {
            extra_ca: vec![der],
            ..Transport::default()
        };
        let facts = server_certificate(&url, &transport, WAIT)
            .await
            .unwrap()
            .unwrap();
        assert!(facts.names.contains(&"127.0.0.1".to_string()), "{facts:?}");
        assert!(facts.names.contains(&"localhost".to_string()), "{facts:?}");
        assert_eq!(facts.subject, "CN=Waybill probe test");
        assert_eq!(facts.issuer, "CN=Waybill probe test");
        let now = Utc::now();
        assert!(
            facts.not_before <= now && facts.not_after > now,
            "{facts:?}"
        );
        assert!(facts.days_left(now) > 0);
    }

    #[tokio::test]
    async fn a_server_outside_the_profiles_trust_is_said_to_be_untrusted() {
        let (url, _) = https_server().await;
        let err = server_certificate(&url, &Transport::default(), WAIT)
            .await
            .unwrap_err();
        // The second sentence is a machine's without system CAs.
        let untrusted =
            "the certificate of 127.0.0.1 is issued by \"Waybill probe test\", which is \
                         not a trusted CA";
        assert!(
            err == untrusted || err.starts_with("no trusted CA certificate was found"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/", listener.local_addr().unwrap());
        let err = server_certificate(&url, &Transport::default(), Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(err.contains("did not answer within 0.2 s"), "{err}");
        drop(listener);
    }

    #[tokio::test]
    async fn http_has_no_certificate() {
        let none = server_certificate("http://127.0.0.1:9/", &Transport::default(), WAIT).await;
        assert!(none.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_address_resolves_to_itself_and_an_invalid_name_not_at_all() {
        let ips = resolve("http://127.0.0.1:9/").await.unwrap();
        assert_eq!(ips, vec![IpAddr::from([127, 0, 0, 1])]);
        let ips = resolve("https://[::1]/").await.unwrap();
        assert_eq!(ips, vec!["::1".parse::<IpAddr>().unwrap()]);
        let err = resolve("https://nonexistent.invalid/").await.unwrap_err();
        assert!(
            err.starts_with("nonexistent.invalid does not resolve"),
            "{err}"
        );
        let err = resolve("not a url").await.unwrap_err();
        assert_eq!(err, "\"not a url\" is not a valid URL");
    }
}
