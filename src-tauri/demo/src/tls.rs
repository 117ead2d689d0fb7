//! Serving over TLS (tokio-rustls): the rustls server configuration, a listener that does each
//! handshake in its own task (so a slow or failed handshake never holds up the others, and
//! never stops the server), and [`ClientCert`], the verified client certificate of a
//! request's connection, for RFC 8705 client authentication and certificate-bound tokens.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::serve::{IncomingStream, Listener};
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::pki::{sha256_thumbprint, Ca, Validity};

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's certificate and key, and optionally the CA its clients must present a
/// certificate from (mutual TLS).
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The server certificate, then any intermediates (PEM).
    pub cert_chain_pem: String,
    /// The server's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_pem: String,
    /// `Some(ca_pem)`: every client must present a certificate signed by this CA, or its
    /// handshake fails. `None`: no client certificate is asked for.
    pub client_ca_pem: Option<String>,
}

/// A new CA named "Waybill demo CA" and a current server certificate from it for `127.0.0.1`,
/// `localhost` and `::1`, with no client certificates asked for: what `waybill demo-server
/// --tls` serves (clients trust [`Ca::cert_pem`]).
pub fn generated_tls() -> (Ca, ServerTls) {
    let ca = Ca::new("Waybill demo CA");
    let leaf = ca
        .server_cert(&["127.0.0.1", "localhost", "::1"], Validity::Current)
        .expect("fixed, valid names");
    let tls = ServerTls {
        cert_chain_pem: leaf.cert_pem,
        key_pem: leaf.key_pem,
        client_ca_pem: None,
    };
    (ca, tls)
}

fn invalid(what: &str, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

fn certs(pem: &str, what: &str) -> std::io::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(what, e))?;
    if certs.is_empty() {
        return Err(invalid(what, "no PEM certificate found"));
    }
    Ok(certs)
}

/// The rustls configuration: TLS 1.2 and 1.3 (ring), HTTP/1.1 by ALPN, and with a client CA a
/// verifier that requires a client certificate chaining to it. Bad PEM is `InvalidInput`.
pub(crate) fn server_config(tls: &ServerTls) -> std::io::Result<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| invalid("TLS versions", e))?;
    let builder = match &tls.client_ca_pem {
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in certs(pem, "client_ca_pem")? {
                roots.add(cert).map_err(|e| invalid("client_ca_pem", e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| invalid("client_ca_pem", e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let chain = certs(&tls.cert_chain_pem, "cert_chain_pem")?;
    let key =
        PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).map_err(|e| invalid("key_pem", e))?;
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| invalid("server certificate and key", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

type Conn = (TlsStream<TcpStream>, SocketAddr);

/// Hands axum only connections whose handshake succeeded; a background task accepts TCP
/// connections and runs each handshake in a task of its own.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<Conn>,
    accepting: JoinHandle<()>,
    addr: SocketAddr,
}

impl TlsListener {
    pub(crate) fn new(
        listener: TcpListener,
        config: rustls::ServerConfig,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let accepting = tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(TlsListener {
            ready,
            accepting,
            addr,
        })
    }
}

impl Drop for TlsListener {
    /// axum drops the listener when shutting down: stop accepting then too.
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, ready: mpsc::Sender<Conn>) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // E.g. out of file descriptors: wait a little rather than spin.
                tracing::debug!("demo server: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    // Fails only if the server is shutting down: the connection is then dropped.
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, "demo server: TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "demo server: TLS handshake timed out"),
            }
        });
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop is gone (only at shutdown): there will be no more connections.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// The verified client certificate (DER leaf) of the request's TLS connection; `None` over
/// plain HTTP or when the client sent none. Set per connection as axum `ConnectInfo`, so every
/// handler can take it as an extractor.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientCert(pub(crate) Option<Arc<Vec<u8>>>);

impl ClientCert {
    /// RFC 8705 `x5t#S256` of the certificate, if there is one.
    pub(crate) fn thumbprint(&self) -> Option<String> {
        self.0.as_deref().map(|der| sha256_thumbprint(der))
    }

    pub(crate) fn of(parts: &Parts) -> ClientCert {
        parts
            .extensions
            .get::<ConnectInfo<ClientCert>>()
            .map(|ConnectInfo(c)| c.clone())
            .unwrap_or_default()
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, TlsListener>> for ClientCert {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        let (_, session) = stream.io().get_ref();
        // rustls only reports certificates its verifier accepted; the leaf comes first.
        let leaf = session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|der| Arc::new(der.to_vec()));
        ClientCert(leaf)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientCert {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientCert::of(parts))
    }
}
