//! The loopback redirect URI a browser sign-in comes back to (RFC 8252 §7.3): checked when a
//! profile is made, bound by `auth::loopback` when a sign-in starts.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0:?} is not a loopback redirect URI: use http://127.0.0.1:PORT/PATH, http://[::1]:PORT/PATH or http://localhost:PORT/PATH")]
pub struct RedirectUriError(pub String);

/// Where the provider sends the browser back: `http://127.0.0.1:PORT/PATH`, `http://[::1]:...` or
/// `http://localhost:...`. Port 0 means "any free port", chosen when the listener binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    pub host: LoopbackHost,
    pub port: u16,
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopbackHost {
    V4,
    V6,
    /// The name `localhost` in the URI; the listener binds 127.0.0.1.
    Localhost,
}

impl Default for RedirectUri {
    fn default() -> Self {
        RedirectUri {
            host: LoopbackHost::V4,
            port: 0,
            path: "/callback".into(),
        }
    }
}

impl FromStr for RedirectUri {
    type Err = RedirectUriError;
    fn from_str(s: &str) -> Result<Self, RedirectUriError> {
        let bad = || RedirectUriError(s.to_string());
        let url = url::Url::parse(s).map_err(|_| bad())?;
        if url.scheme() != "http"
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(bad());
        }
        let host = match url.host() {
            Some(url::Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => LoopbackHost::V4,
            Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => LoopbackHost::V6,
            Some(url::Host::Domain("localhost")) => LoopbackHost::Localhost,
            _ => return Err(bad()),
        };
        Ok(RedirectUri {
            host,
            port: url.port().unwrap_or(80),
            path: url.path().to_string(),
        })
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match self.host {
            LoopbackHost::V4 => "127.0.0.1",
            LoopbackHost::V6 => "[::1]",
            LoopbackHost::Localhost => "localhost",
        };
        write!(f, "http://{host}:{}{}", self.port, self.path)
    }
}
