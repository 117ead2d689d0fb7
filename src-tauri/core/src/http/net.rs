//! The HTTP transport (reqwest) and its failures as sentences a user can act on.

use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Two clients over one configuration: token requests never follow redirects (a redirected POST
/// could carry the client secret somewhere else); API calls follow a few, and reqwest drops
/// `Authorization` when a redirect leaves the host.
#[derive(Debug, Clone)]
pub struct Net {
    pub(crate) token: reqwest::Client,
    pub(crate) api: reqwest::Client,
    timeout: Duration,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum NetError {
    #[error("{url} did not answer within {secs} s", secs = .timeout.as_secs_f32())]
    Timeout { url: String, timeout: Duration },
    #[error("could not connect to {url} ({detail})")]
    Connect { url: String, detail: String },
    #[error("the request to {url} failed ({detail})")]
    Other { url: String, detail: String },
    #[error("{0:?} is not a valid URL")]
    BadUrl(String),
}

impl Net {
    pub fn new(timeout: Duration) -> Self {
        let build = |redirects| {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .redirect(redirects)
                .user_agent(concat!("Waybill/", env!("CARGO_PKG_VERSION")))
                .build()
                // Only fails when the TLS backend cannot initialise: nothing works without it.
                .expect("the HTTP client could not be built (TLS backend)")
        };
        Net {
            token: build(reqwest::redirect::Policy::none()),
            api: build(reqwest::redirect::Policy::limited(5)),
            timeout,
        }
    }

    pub(crate) fn error(&self, url: &str, e: reqwest::Error) -> NetError {
        let url = redact_query(url);
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
