//! The transport: connections (reqwest over rustls) and their failures as sentences a user can act
//! on. It knows no profile, grant or store: it takes its settings as plain values.
//!
//! - `tls`: trust (the system's CAs and extra ones), client certificates, failures in words
//! - `proxy`: which proxy a request takes
//! - `provider_error`: a provider's own error, from whatever JSON shape it answers in
//! - `trace`: every exchange recorded as a hop, redacted, for `--trace` and the window's timeline
//! - `probe`: a server checked step by step (its name, its certificate), for `waybill doctor`

pub mod probe;
pub mod provider_error;
pub mod proxy;
pub mod tls;
pub mod trace;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::secret::{ProxyCredentials, TlsKey};
use proxy::Route;
use tls::{ClientIdentity, NoCertificate};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How a profile reaches its servers: extra CAs, a client certificate, a proxy route.
/// The default is the system's CAs, no certificate, the environment's proxy.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    pub extra_ca: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub identity: Option<ClientIdentity>,
    pub route: Route,
}

/// Two clients over one configuration. `direct` never follows a redirect: token requests (a
/// redirected POST could carry the client secret somewhere else) and API calls, whose redirects
/// `request` follows itself so that a credential in any header stays with its origin (reqwest
/// drops only the headers it knows, `Authorization` and cookies). `following` follows a few, for
/// what carries no credential of ours but `Authorization` (discovery, JWKS, userinfo).
#[derive(Debug, Clone)]
pub struct Net {
    pub(crate) direct: reqwest::Client,
    pub(crate) following: reqwest::Client,
    timeout: Duration,
    route: Route,
    has_identity: bool,
    /// Set once a server asked for a client certificate this profile does not have.
    no_certificate: Arc<NoCertificate>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum NetError {
    #[error("{url} did not answer within {secs} s", secs = .timeout.as_secs_f32())]
    Timeout { url: String, timeout: Duration },
    #[error("could not connect to {url} ({detail})")]
    Connect { url: String, detail: String },
    /// A TLS failure, already one sentence (see `tls::failure_in_words`).
    #[error("{sentence}")]
    Tls {
        url: String,
        sentence: String,
        kind: tls::TlsFailure,
    },
    #[error("the request to {url} failed ({detail})")]
    Other { url: String, detail: String },
    #[error("{0:?} is not a valid URL")]
    BadUrl(String),
    #[error("the profile's TLS settings cannot be used: {0}")]
    Setup(String),
}

/// An answer read to its end.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Net {
    /// Send what `builder` built (on `direct` or `following`) and read the answer to its end,
    /// recorded as a `step` hop of the task's trace (`trace`).
    pub(crate) async fn send(
        &self,
        builder: reqwest::RequestBuilder,
        step: &'static str,
    ) -> Result<Answer, NetError> {
        let (client, request) = builder.build_split();
        let request = request.map_err(|e| self.error("", e))?;
        self.exchange(&client, request, step).await
    }

    /// `send` for a request already built.
    pub(crate) async fn exchange(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        step: &'static str,
    ) -> Result<Answer, NetError> {
        let started = Instant::now();
        let (method, url) = (request.method().to_string(), request.url().to_string());
        let request_headers = pairs(request.headers());
        let request_body = (request.body().and_then(|b| b.as_bytes())).map(<[u8]>::to_vec);
        let answer = async {
            let response = client.execute(request).await?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.bytes().await?.to_vec();
            Ok(Answer {
                status,
                headers,
                body,
            })
        }
        .await
        .map_err(|e| self.error(&url, e));
        trace::record(trace::Exchange {
            step,
            method: &method,
            url: &url,
            request_headers,
            request_body: request_body.as_deref(),
            status: answer.as_ref().ok().map(|a| a.status.as_u16()),
            response_headers: answer.as_ref().ok().map(|a| pairs(&a.headers)),
            response_body: answer.as_ref().ok().map(|a| a.body.as_slice()),
            elapsed: started.elapsed(),
            note: answer.as_ref().err().map(ToString::to_string),
        });
        answer
    }

    pub fn new(timeout: Duration) -> Self {
        Net::with_transport(timeout, &Transport::default())
            // Only fails when the TLS backend cannot initialise: nothing works without it.
            .expect("the HTTP client could not be built (TLS backend)")
    }

    /// Clients for a profile's transport.
    pub fn with_transport(timeout: Duration, transport: &Transport) -> Result<Self, NetError> {
        let no_certificate = Arc::new(NoCertificate::default());
        let tls = tls::client_config(
            &transport.extra_ca,
            transport.identity.as_ref(),
            no_certificate.clone(),
        )
        .map_err(|e| NetError::Setup(e.to_string()))?;
        let build = |redirects| {
            let builder = reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .redirect(redirects)
                .user_agent(concat!("Waybill/", env!("CARGO_PKG_VERSION")))
                .use_preconfigured_tls(tls.clone());
            transport
                .route
                .apply(builder)
                .and_then(|builder| builder.build())
                .map_err(|e| NetError::Setup(root_cause(&e)))
        };
        Ok(Net {
            direct: build(reqwest::redirect::Policy::none())?,
            following: build(reqwest::redirect::Policy::limited(5))?,
            timeout,
            route: transport.route.clone(),
            has_identity: transport.identity.is_some(),
            no_certificate,
        })
    }

    /// The proxy a request to `url` goes through (without credentials), if any.
    pub fn proxy_for(&self, url: &str) -> Option<String> {
        self.route.for_url(url)
    }

    pub(crate) fn error(&self, url: &str, e: reqwest::Error) -> NetError {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let url = redact_query(url);
        let refused = tls::failure_in_words(&e, &host, self.has_identity).or_else(|| {
            // The refusal was not read (see `NoCertificate`), but the connection closed after a
            // server asked for a certificate: that is why.
            let closed = e.is_request() && !e.is_timeout() && !e.is_connect();
            (closed && self.no_certificate.asked()).then(|| tls::wants_certificate(&host))
        });
        if let Some((kind, sentence)) = refused {
            return NetError::Tls {
                url,
                sentence,
                kind,
            };
        }
        if e.is_timeout() {
            NetError::Timeout {
                url,
                timeout: self.timeout,
            }
        } else if e.is_connect() {
            NetError::Connect {
                url,
                detail: root_cause(&e),
            }
        } else if e.is_builder() {
            NetError::BadUrl(url)
        } else {
            NetError::Other {
                url,
                detail: root_cause(&e),
            }
        }
    }
}

impl Default for Net {
    fn default() -> Self {
        Net::new(DEFAULT_TIMEOUT)
    }
}

fn pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    (headers.iter())
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The innermost cause, e.g. "Connection refused (os error 111)".
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    match text.strip_prefix("tcp connect error: ") {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// URLs in messages lose their query: it may carry a token (`?access_token=`).
fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        Some((path, _)) => format!("{path}?[query omitted]"),
        None => url.to_string(),
    }
}

impl Transport {
    /// The transport a profile's settings describe: its CA file, its client certificate with the
    /// key from the keyring, its proxy (credentials from the keyring) or none.
    pub fn new(
        ca_certs: Option<&str>,
        client_cert: Option<(&str, &TlsKey)>,
        proxy: Option<&str>,
        no_proxy: bool,
        proxy_credentials: Option<ProxyCredentials>,
    ) -> Result<Transport, NetError> {
        let setup = |e: &dyn std::fmt::Display| NetError::Setup(e.to_string());
        Ok(Transport {
            extra_ca: match ca_certs {
                Some(pem) => tls::parse_certificates(pem, "the CA file").map_err(|e| setup(&e))?,
                None => Vec::new(),
            },
            identity: client_cert
                .map(|(cert, key)| ClientIdentity::new(cert, key))
                .transpose()
                .map_err(|e| setup(&e))?,
            route: Route::new(proxy, no_proxy, proxy_credentials).map_err(|e| setup(&e))?,
        })
    }
}

/// One `Net` per transport, built once per process: building reads CA files and keys, and a kept
/// client keeps its connections open for the next request.
#[derive(Debug)]
pub struct Networks {
    timeout: Duration,
    plain: Net,
    built: std::sync::Mutex<HashMap<u64, Net>>,
}

impl Networks {
    pub fn new(plain: Net) -> Self {
        Networks {
            timeout: plain.timeout,
            plain,
            built: Default::default(),
        }
    }

    /// The system's CAs, no client certificate, the environment's proxy.
    pub fn plain(&self) -> &Net {
        &self.plain
    }

    /// The `Net` for the settings `key` identifies (a hash of them), built by `transport` once.
    pub fn get(
        &self,
        key: u64,
        transport: impl FnOnce() -> Result<Transport, NetError>,
    ) -> Result<Net, NetError> {
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(net) = built.get(&key) {
            return Ok(net.clone());
        }
        let net = Net::with_transport(self.timeout, &transport()?)?;
        built.insert(key, net.clone());
        Ok(net)
    }
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::server::WebPkiClientVerifier;

    use super::*;

    /// A local HTTPS server that completes the handshake, asking for a client certificate when
    /// `asks` (without requiring one), then closes the connection without reading the request:
    /// what a client sees when a TLS 1.3 server's refusal comes after its request went out.
    async fn closing_server(asks: bool) -> (String, rustls::pki_types::CertificateDer<'static>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = cert.der().clone();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if asks {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(der.clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let config = builder
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

    async fn failure(asks: bool) -> NetError {
        let (url, der) = closing_server(asks).await;
        let transport = Transport {
            extra_ca: vec![der],
            ..Transport::default()
        };
        let net = Net::with_transport(Duration::from_secs(5), &transport).unwrap();
        let e = net.direct.post(&url).send().await.unwrap_err();
        net.error(&url, e)
    }

    #[tokio::test]
    async fn a_connection_closed_after_a_certificate_request_says_a_certificate_is_wanted() {
        let asked = failure(true).await;
        assert!(
            matches!(
                asked,
                NetError::Tls {
                    kind: tls::TlsFailure::WantsClientCertificate,
                    ..
                }
            ),
            "{asked}"
        );
        assert_eq!(
            asked.to_string(),
            "127.0.0.1 asks for a client certificate, and this profile has none"
        );
        // The same closed connection from a server that asked for nothing stays a closed
        // connection.
        let not_asked = failure(false).await;
        assert!(matches!(not_asked, NetError::Other { .. }), "{not_asked}");
    }
}
