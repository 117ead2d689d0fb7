//! The loopback redirect listener for browser sign-in (RFC 8252, section 7.3).
//!
//! Guarantees:
//! - it binds only a loopback address (127.0.0.1, or ::1 when asked), on an ephemeral port unless
//!   the provider needs a registered fixed one, before the browser is opened;
//! - it accepts exactly one redirect whose `state` matches the attempt, from the query (auth code,
//!   Parcel2Go's implicit) or from the fragment (RFC 6749 implicit: a few lines of inline script
//!   post it back to the same origin);
//! - anything else (a favicon, another path, a wrong or missing state, garbage, a request head over
//!   16 KiB, a client that never finishes) is answered harmlessly or dropped, and it keeps waiting;
//! - an `error` redirect with the right state ends the attempt with the provider's words;
//! - it gives up after the timeout or when cancelled, and closes the socket when it returns.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

pub use crate::profile::redirect::{LoopbackHost, RedirectUri};

/// Largest request head accepted (browsers send a few KiB; a 100 KB request line is refused).
const MAX_HEAD: usize = 16 * 1024;
/// Largest body accepted (the fragment of an implicit redirect).
const MAX_BODY: usize = 64 * 1024;
/// How long one connection may take to send its request: browsers open idle speculative sockets.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoopbackError {
    #[error("could not listen on {addr} for the sign-in redirect: {detail}")]
    Bind { addr: String, detail: String },
    #[error("the sign-in was not completed within {}", seconds(.0))]
    TimedOut(Duration),
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error("the provider refused the sign-in: {}", describe(.error, .description.as_deref()))]
    Refused {
        error: String,
        description: Option<String>,
    },
}

fn seconds(d: &Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn describe(error: &str, description: Option<&str>) -> String {
    match description {
        Some(d) => format!("{error}: {d}"),
        None => error.to_string(),
    }
}

/// The parameters of the one accepted redirect (query or fragment), `state` already checked.
#[derive(Clone, PartialEq)]
pub struct Redirect {
    pub params: Vec<(String, String)>,
}

impl Redirect {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for Redirect {
    // Parameter names only: the values are codes and tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.params.iter().map(|(k, _)| k))
            .finish()
    }
}

/// A bound listener, ready for the browser to come back to.
pub struct Listener {
    socket: TcpListener,
    redirect_uri: RedirectUri,
}

impl Listener {
    pub async fn bind(redirect: &RedirectUri) -> Result<Listener, LoopbackError> {
        let ip = match redirect.host {
            LoopbackHost::V4 | LoopbackHost::Localhost => IpAddr::V4(Ipv4Addr::LOCALHOST),
            LoopbackHost::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
        };
        let addr = SocketAddr::new(ip, redirect.port);
        let socket = TcpListener::bind(addr)
            .await
            .map_err(|e| LoopbackError::Bind {
                addr: addr.to_string(),
                detail: e.to_string(),
            })?;
        let port = socket
            .local_addr()
            .map_err(|e| LoopbackError::Bind {
                addr: addr.to_string(),
                detail: e.to_string(),
            })?
            .port();
        Ok(Listener {
            socket,
            redirect_uri: RedirectUri {
                port,
                ..redirect.clone()
            },
        })
    }

    /// The redirect URI with the real port: what goes into the authorize request.
    pub fn redirect_uri(&self) -> &RedirectUri {
        &self.redirect_uri
    }

    /// Wait for the one redirect whose `state` is `state`, until `timeout` or `cancel` completes.
    pub async fn wait(
        self,
        state: &str,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<Redirect, LoopbackError> {
        let (results, mut result) = mpsc::channel::<Result<Redirect, LoopbackError>>(1);
        let path = self.redirect_uri.path.clone();
        let accept = async {
            // Connection tasks die with the attempt: one still open when it ends (cancelled, timed
            // out) must not tell the browser "Signed in" for a redirect nobody takes any more.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = self.socket.accept().await else {
                    // Out of file handles, say: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                while connections.try_join_next().is_some() {}
                let (results, path, state) = (results.clone(), path.clone(), state.to_string());
                // Each connection on its own task: an idle speculative socket must not block the real one.
                connections.spawn(async move {
                    if let Some(outcome) = serve(stream, &path, &state).await {
                        let _ = results.try_send(outcome);
                    }
                });
            }
        };
        tokio::select! {
            _ = accept => unreachable_accept(),
            outcome = result.recv() => outcome.unwrap_or(Err(LoopbackError::Cancelled)),
            _ = tokio::time::sleep(timeout) => Err(LoopbackError::TimedOut(timeout)),
            _ = cancel => Err(LoopbackError::Cancelled),
        }
        // `self.socket` is dropped here: the port is closed as soon as the attempt ends, and the
        // connections still being served are dropped with `accept`.
    }
}

/// The accept loop only ends with the select that owns it.
fn unreachable_accept() -> Result<Redirect, LoopbackError> {
    Err(LoopbackError::Cancelled)
}

/// One connection: read one request, answer it, and say whether it ended the attempt.
async fn serve(
    mut stream: TcpStream,
    path: &str,
    state: &str,
) -> Option<Result<Redirect, LoopbackError>> {
    let request = match tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await {
        Ok(Ok(request)) => request,
        Ok(Err(status)) => {
            respond(
                &mut stream,
                status,
                "text/plain; charset=utf-8",
                status_text(status),
            )
            .await;
            return None;
        }
        Err(_) => return None, // too slow: drop it
    };
    let (target_path, query) = match request.target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (request.target.as_str(), None),
    };
    if target_path != path {
        respond(&mut stream, 404, "text/plain; charset=utf-8", "Not found").await;
        return None;
    }
    let params: Vec<(String, String)> = match (request.method.as_str(), query) {
        ("GET", Some(q)) if !q.is_empty() => parse_params(q),
        // The landing page of an implicit redirect: its script posts the fragment back here.
        ("GET", _) => {
            respond(
                &mut stream,
                200,
                "text/html; charset=utf-8",
                &fragment_page(path),
            )
            .await;
            return None;
        }
        ("POST", _) => parse_params(&String::from_utf8_lossy(&request.body)),
        _ => {
            respond(
                &mut stream,
                405,
                "text/plain; charset=utf-8",
                "Method not allowed",
            )
            .await;
            return None;
        }
    };
    let outcome = judge(params, state);
    let (status, message) = match &outcome {
        None => (400, "This sign-in response does not belong to Waybill's current sign-in attempt. It was ignored.".to_string()),
        Some(Ok(_)) => (200, "Signed in. You can close this tab and return to Waybill.".to_string()),
        Some(Err(e)) => (200, format!("Sign-in failed: {e}. You can close this tab and return to Waybill.")),
    };
    let body = if request.method == "POST" {
        message
    } else {
        result_page(&message)
    };
    let content_type = if request.method == "POST" {
        "text/plain; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    };
    respond(&mut stream, status, content_type, &body).await;
    outcome
}

/// `None`: not for us (no or wrong state, nothing in it), keep waiting.
fn judge(params: Vec<(String, String)>, state: &str) -> Option<Result<Redirect, LoopbackError>> {
    let redirect = Redirect { params };
    if !constant_time_eq(redirect.get("state")?.as_bytes(), state.as_bytes()) {
        return None;
    }
    if let Some(error) = redirect.get("error") {
        return Some(Err(LoopbackError::Refused {
            error: error.to_string(),
            description: redirect.get("error_description").map(str::to_string),
        }));
    }
    if redirect.get("access_token").is_some() || redirect.get("code").is_some() {
        Some(Ok(redirect))
    } else {
        None
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Query or fragment parameters (`application/x-www-form-urlencoded`).
pub fn parse_params(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.trim_start_matches(['?', '#']).as_bytes())
        .into_owned()
        .collect()
}

struct Request {
    method: String,
    target: String,
    body: Vec<u8>,
}

/// Read one HTTP/1.x request; `Err(status)` for what must be refused.
async fn read_request(stream: &mut TcpStream) -> Result<Request, u16> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(head_len)) => {
                let method = parsed.method.unwrap_or_default().to_string();
                let target = parsed.path.unwrap_or_default().to_string();
                let length = parsed
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| {
                        std::str::from_utf8(h.value)
                            .ok()?
                            .trim()
                            .parse::<usize>()
                            .ok()
                    })
                    .unwrap_or(0);
                if length > MAX_BODY {
                    return Err(413);
                }
                let mut body = buf[head_len..].to_vec();
                while body.len() < length {
                    let n = stream.read(&mut chunk).await.map_err(|_| 400u16)?;
                    if n == 0 {
                        return Err(400);
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                body.truncate(length);
                return Ok(Request {
                    method,
                    target,
                    body,
                });
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => return Err(431),
            Ok(httparse::Status::Partial) => continue,
            Err(_) => return Err(400),
        }
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        200 => "OK",
        _ => "Bad Request",
    }
}

async fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; \
         style-src 'unsafe-inline'; connect-src 'self'\r\nConnection: close\r\n\r\n",
        status_text(status),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

const STYLE: &str =
    "body{font:16px system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}\
@media(prefers-color-scheme:dark){body{background:#1b1b1b;color:#ddd}}";

/// The page an implicit redirect lands on: its script hands the fragment to the listener (same
/// origin, POST body: not in any URL or log), removes it from the address bar, shows the result.
fn fragment_page(path: &str) -> String {
    let path_json = serde_json::to_string(path).unwrap_or_else(|_| "\"/\"".into());
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Waybill sign-in</title><style>{STYLE}</style></head>
<body><h1>Waybill</h1><p id="waybill-status">Finishing sign-in…</p>
<script>
(function () {{
  var fragment = location.hash.slice(1);
  history.replaceState(null, "", location.pathname);
  function done(text) {{
    var p = document.createElement("p"); p.id = "waybill-result"; p.textContent = text;
    document.getElementById("waybill-status").replaceWith(p);
  }}
  if (!fragment) {{ done("No sign-in response in this address. You can close this tab."); return; }}
  fetch({path_json}, {{ method: "POST", headers: {{ "Content-Type": "application/x-www-form-urlencoded" }}, body: fragment }})
    .then(function (r) {{ return r.text(); }})
    .then(done, function () {{ done("Waybill is no longer waiting for this sign-in. You can close this tab."); }});
}})();
</script></body></html>"#
    )
}

fn result_page(message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Waybill sign-in</title><style>{STYLE}</style></head>
<body><h1>Waybill</h1><p id="waybill-result">{escaped}</p></body></html>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_redirect_uris_are_accepted() {
        let ok = "http://127.0.0.1:8123/return"
            .parse::<RedirectUri>()
            .unwrap();
        assert_eq!(
            (ok.host, ok.port, ok.path.as_str()),
            (LoopbackHost::V4, 8123, "/return")
        );
        assert_eq!(
            "http://[::1]:0/cb".parse::<RedirectUri>().unwrap().host,
            LoopbackHost::V6
        );
        assert_eq!(
            "http://localhost:9/cb".parse::<RedirectUri>().unwrap().host,
            LoopbackHost::Localhost
        );
        for bad in [
            "https://127.0.0.1/cb",
            "http://127.0.0.2/cb",
            "http://example.com/cb",
            "http://0.0.0.0:1/cb",
            "http://127.0.0.1/cb?x=1",
            "garbage",
        ] {
            assert!(bad.parse::<RedirectUri>().is_err(), "{bad} must be refused");
        }
        assert_eq!(ok.to_string(), "http://127.0.0.1:8123/return");
    }

    #[test]
    fn judge_takes_only_the_matching_state() {
        let p = |s: &str| parse_params(s);
        assert!(judge(p("access_token=t&state=wrong"), "right").is_none());
        assert!(
            judge(p("access_token=t"), "right").is_none(),
            "no state, no token"
        );
        assert!(judge(p("state=right"), "right").is_none(), "nothing in it");
        assert_eq!(
            judge(p("#access_token=t&state=right"), "right")
                .unwrap()
                .unwrap()
                .get("access_token"),
            Some("t")
        );
        let refused = judge(
            p("error=access_denied&error_description=The+user+said+no&state=right"),
            "right",
        );
        assert_eq!(
            refused.unwrap().unwrap_err().to_string(),
            "the provider refused the sign-in: access_denied: The user said no"
        );
    }

    #[test]
    fn debug_of_a_redirect_shows_no_values() {
        let r = Redirect {
            params: parse_params("access_token=secret-token-value&state=s"),
        };
        assert!(!format!("{r:?}").contains("secret-token-value"));
    }
}
