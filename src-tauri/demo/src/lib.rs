//! Waybill's built-in demo provider: a small OAuth 2.0 token server and a tiny
//! carrier API, served on `127.0.0.1` only.
//!
//! Guarantees:
//! - it binds nothing but `127.0.0.1` (loopback), on the given port or an ephemeral one;
//! - `POST /oauth/token` accepts the same client through all three client-authentication
//!   dialects Waybill speaks (`form`, `basic`, `json`) and the `client_credentials`,
//!   `password` and `refresh_token` grants (refresh tokens rotate: each is single-use);
//! - every error is JSON `{"error", "error_description"}` (RFC 6749 5.2 shapes), and garbage
//!   input gets a 4xx answer, never a panic;
//! - tokens are random, URL-safe, prefixed `demo_at_` / `demo_rt_`, held in memory only and
//!   never logged; `POST /demo/expire-tokens` expires every access token at once so a caller
//!   can watch a client renew after a 401;
//! - browser sign-in for the public client `demo-browser` (no secret): `GET /oauth/authorize`
//!   with `response_type=token` (implicit) or `code` (PKCE S256 mandatory), redirecting only
//!   to RFC 8252 loopback URIs (`http://127.0.0.1`, `http://[::1]`, `http://localhost`, any
//!   port); anything else is a 400 page, never a redirect. Codes are single-use and live 60 s;
//!   `POST /oauth/revoke` implements RFC 7009 and `GET /.well-known/openid-configuration`
//!   describes the endpoints;
//! - [`DemoServer::start_tls`] serves the same routes over TLS 1.2/1.3 (rustls) at
//!   `https://127.0.0.1:PORT`; [`pki::Ca`] makes the certificates (current, expired or not yet
//!   valid) and [`generated_tls`] a ready CA and server certificate. A failed handshake (a client
//!   that does not trust the CA, a missing client certificate) drops that connection only;
//! - with a client CA ([`ServerTls::client_ca_pem`]) every client must present a certificate
//!   from it (mutual TLS). The confidential client may then authenticate at the token endpoint
//!   by that certificate alone (RFC 8705 `tls_client_auth`: `client_id`, no secret), and the
//!   tokens it gets are bound to the certificate's SHA-256 thumbprint: the API refuses them
//!   (401 `invalid_token`) on a connection without that certificate, and the refresh token
//!   only works with it.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let server = waybill_demo::DemoServer::start(0, waybill_demo::DemoConfig::default()).await?;
//! println!("{}", server.credentials_text());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod authorize;
mod page;
mod params;
pub mod pki;
mod store;
mod tls;
mod token;

pub use tls::{generated_tls, ServerTls};

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::store::TokenStore;

/// The demo provider's one client and one user, and how long access tokens live.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// The OAuth client id (default `demo-client`).
    pub client_id: String,
    /// The OAuth client secret (default `demo-secret`).
    pub client_secret: String,
    /// The resource owner's username for the password grant (default `demo`).
    pub username: String,
    /// The resource owner's password for the password grant (default `demo-password`).
    pub password: String,
    /// Lifetime of access tokens (default 3600 s).
    pub token_ttl: Duration,
    /// The public (secret-less) client for browser sign-in (default `demo-browser`): implicit
    /// flow, or authorization code with mandatory PKCE S256.
    pub browser_client_id: String,
    /// The "switch for query": deliver implicit-flow tokens in the redirect's query string (as
    /// Parcel2Go's docs show) instead of the fragment (default `false`). A request's own
    /// `response_mode=query|fragment` still wins.
    pub implicit_in_query: bool,
}

impl Default for DemoConfig {
    /// The documented demo credentials: `demo-client` / `demo-secret`, user `demo` / `demo-password`,
    /// 1 h tokens, public browser client `demo-browser`, implicit tokens in the fragment.
    fn default() -> Self {
        DemoConfig {
            client_id: "demo-client".into(),
            client_secret: "demo-secret".into(),
            username: "demo".into(),
            password: "demo-password".into(),
            token_ttl: Duration::from_secs(3600),
            browser_client_id: "demo-browser".into(),
            implicit_in_query: false,
        }
    }
}

/// State shared by all request handlers.
pub(crate) struct AppState {
    pub(crate) config: DemoConfig,
    pub(crate) base_url: String,
    pub(crate) tokens: TokenStore,
    pub(crate) token_requests: AtomicU64,
    pub(crate) shipments: api::Shipments,
    pub(crate) pending: authorize::Pending,
    /// Served with a client CA: clients present certificates (RFC 8705 is on offer).
    pub(crate) client_certs: bool,
}

pub(crate) type Shared = Arc<AppState>;

/// Locks a mutex, recovering the data if a previous holder panicked (the maps stay usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running demo provider; stops when [`DemoServer::shutdown`] is awaited or when dropped.
pub struct DemoServer {
    addr: SocketAddr,
    state: Shared,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Binds 127.0.0.1:port (0 = ephemeral) and starts serving on the current tokio runtime.
    pub async fn start(port: u16, config: DemoConfig) -> std::io::Result<DemoServer> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let state = new_state(config, format!("http://{addr}"), false);
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("demo server stopped with an error: {e}");
            }
        });
        tracing::debug!("demo provider listening on {addr}");
        Ok(DemoServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Like [`DemoServer::start`], over TLS: `base_url` is `https://127.0.0.1:PORT`. With
    /// `tls.client_ca_pem` every client must present a certificate from that CA. Unreadable
    /// PEM is an `InvalidInput` error before anything is bound.
    pub async fn start_tls(
        port: u16,
        config: DemoConfig,
        tls: ServerTls,
    ) -> std::io::Result<DemoServer> {
        let rustls_config = tls::server_config(&tls)?;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let listener = tls::TlsListener::new(listener, rustls_config)?;
        let state = new_state(
            config,
            format!("https://{addr}"),
            tls.client_ca_pem.is_some(),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        // Each connection's verified client certificate reaches handlers as ConnectInfo.
        let app = router(state.clone()).into_make_service_with_connect_info::<tls::ClientCert>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("demo server stopped with an error: {e}");
            }
        });
        tracing::debug!("demo provider listening on https://{addr}");
        Ok(DemoServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` when started with TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The token endpoint: base URL + `/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.base_url())
    }

    /// The browser sign-in endpoint: base URL + `/oauth/authorize`.
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth/authorize", self.base_url())
    }

    /// The RFC 7009 revocation endpoint: base URL + `/oauth/revoke`.
    pub fn revocation_url(&self) -> String {
        format!("{}/oauth/revoke", self.base_url())
    }

    /// The carrier API base: base URL + `/api`.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.base_url())
    }

    /// How many `POST /oauth/token` requests were received, whatever their outcome.
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Human text: URLs, credentials, and example `waybill profile add` commands for each dialect and grant.
    pub fn credentials_text(&self) -> String {
        page::credentials_text(
            &self.state.config,
            &self.base_url(),
            self.state.client_certs,
        )
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for DemoServer {
    /// Signals the server to stop if `shutdown` was never awaited.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn new_state(config: DemoConfig, base_url: String, client_certs: bool) -> Shared {
    Arc::new(AppState {
        tokens: TokenStore::new(config.token_ttl),
        config,
        base_url,
        token_requests: AtomicU64::new(0),
        shipments: api::Shipments::default(),
        pending: authorize::Pending::default(),
        client_certs,
    })
}

/// All routes. Browser sign-in lives in `authorize.rs`; the grants and revocation in `token.rs`.
fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(page::home))
        .route("/oauth/token", post(token::token_endpoint))
        .route("/oauth/revoke", post(token::revoke_endpoint))
        .route("/oauth/authorize", get(authorize::authorize))
        .route("/oauth/authorize/decision", post(authorize::decision))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/.well-known/oauth-authorization-server", get(discovery))
        .route("/demo/expire-tokens", post(expire_tokens))
        .route("/openapi.json", get(api::openapi))
        .nest("/api", api::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Logs method, path (never the query) and status at debug level.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    tracing::debug!(%method, %path, status = res.status().as_u16(), "demo request");
    res
}

async fn expire_tokens(State(state): State<Shared>) -> StatusCode {
    state.tokens.expire_all_access();
    StatusCode::NO_CONTENT
}

/// Authorization server metadata (the OpenID discovery path and RFC 8414's). This is not an
/// OpenID provider (no ID tokens), only the OAuth fields clients use to find the endpoints.
async fn discovery(State(state): State<Shared>) -> Json<serde_json::Value> {
    let b = &state.base_url;
    let mut auth_methods = vec!["client_secret_post", "client_secret_basic", "none"];
    if state.client_certs {
        // Only CA-issued client certificates get through the handshake, so not the
        // self-signed variant.
        auth_methods.push("tls_client_auth");
    }
    let mut meta = serde_json::json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/oauth/authorize"),
        "token_endpoint": format!("{b}/oauth/token"),
        "revocation_endpoint": format!("{b}/oauth/revoke"),
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": [
            "authorization_code", "implicit", "refresh_token", "client_credentials", "password"
        ],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
    });
    if state.client_certs {
        meta["tls_client_certificate_bound_access_tokens"] = true.into();
    }
    Json(meta)
}

async fn not_found() -> OAuthError {
    OAuthError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is nothing at this path; see GET / for the endpoints.",
    )
}

/// An RFC 6749 5.2-shaped JSON error (also used by the API for 401/400/404).
#[derive(Debug)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    www_authenticate: Option<&'static str>,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<String>,
    ) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            www_authenticate: None,
        }
    }
    /// 400 `invalid_request`.
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
    /// 400 `invalid_grant`.
    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }
    pub(crate) fn with_www_authenticate(mut self, value: &'static str) -> Self {
        self.www_authenticate = Some(value);
        self
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body =
            serde_json::json!({ "error": self.error, "error_description": self.description });
        let mut res = (self.status, Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(v) = self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
        }
        res
    }
}
