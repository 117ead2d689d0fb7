//! A small recording HTTP server for tests: a stand-in provider on `127.0.0.1:0`.
//!
//! It keeps every request exactly as it arrived (method, path, query, headers with lowercase
//! names, raw body bytes) and answers with whatever the test's script returns for it. Tests use it
//! to emulate one provider's *documented* dialect (token endpoint and API) and then assert what
//! Waybill put on the wire against that provider's doc. It sits beside the real servers
//! (`waybill-demo`, oidc-provider), not instead of them: it proves we speak each doc's dialect, they
//! prove we interoperate with real implementations.
//!
//! ```ignore
//! let emulator = Emulator::start(|req: &Recorded| match req.path.as_str() {
//!     "/token" => Reply::json(200, json!({"access_token": "t", "expires_in": 3600})),
//!     _ => Reply::html(502, "<h1>Bad Gateway</h1>").delay(Duration::from_millis(200)),
//! })
//! .await;
//! let token_url = emulator.url("/token");
//! // ... run the code under test ...
//! assert_eq!(emulator.count("/token"), 1);
//! ```
//!
//! A request is recorded when it arrives, before the script runs and before any delay, so counts
//! include requests whose answer is still pending (or that the client gave up on).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;

/// One request as the emulator received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// In arrival order; names lowercase, values as sent (lossy UTF-8).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How many requests to the same path arrived before this one (0 for the first).
    pub seq: usize,
}

impl Recorded {
    /// The first value of a header (the name is matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, for checking that it was sent exactly once.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The media type of `Content-Type`, without parameters (`application/json`).
    pub fn media_type(&self) -> Option<&str> {
        self.header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim())
    }

    /// The credentials of `Authorization: Bearer <token>`, verbatim.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// The body decoded as `application/x-www-form-urlencoded` pairs, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the emulator answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    /// A status with an empty body.
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// `application/json`.
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Reply::status(status)
            .header("content-type", "application/json")
            .body(value.to_string())
    }

    /// `text/html` (an error page from a proxy, say).
    pub fn html(status: u16, text: impl Into<String>) -> Self {
        Reply::status(status)
            .header("content-type", "text/html; charset=utf-8")
            .body(text.into())
    }

    /// Add a header; a `content-type` replaces the one set by `json`/`html`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if name.eq_ignore_ascii_case("content-type") {
            self.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        }
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Wait this long (real time) before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    log: Mutex<Vec<Recorded>>,
}

/// The running server. Dropping it stops it.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Listen on a free port of 127.0.0.1 and answer every request with `script(request)`.
    pub async fn start<F>(script: F) -> Emulator
    where
        F: Fn(&Recorded) -> Reply + Send + Sync + 'static,
    {
        let shared = Arc::new(Shared {
            script: Box::new(script),
            log: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the emulator could not bind a port on 127.0.0.1");
        let addr = listener.local_addr().expect("the emulator's address");
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the emulator stopped serving");
        });
        Emulator { addr, shared, task }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` + `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log().clone()
    }

    /// The requests to one path (query not included), in arrival order.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.log()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// How many requests arrived for `path`.
    pub fn count(&self, path: &str) -> usize {
        self.log().iter().filter(|r| r.path == path).count()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let recorded = {
        let mut log = shared.log.lock().unwrap_or_else(|e| e.into_inner());
        let recorded = Recorded {
            method: parts.method.as_str().to_string(),
            seq: log.iter().filter(|r| r.path == path).count(),
            path,
            query: parts.uri.query().map(str::to_string),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
        };
        log.push(recorded.clone());
        recorded
    };
    let reply = (shared.script)(&recorded);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).expect("the script gave an invalid HTTP status");
    for (name, value) in &reply.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("the script gave a bad header name"),
            HeaderValue::from_str(value).expect("the script gave a bad header value"),
        );
    }
    response
}
