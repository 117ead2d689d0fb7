//! Which proxy a request goes through: the environment's (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, in either case), the profile's own, or none.
//!
//! reqwest routes the requests; `Route::for_url` answers with the same matcher (hyper-util's, which
//! reqwest uses) so what the window shows is where the request went.

use hyper_util::client::proxy::matcher::Matcher;

use crate::secret::ProxyCredentials;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Route {
    /// The environment's proxy variables.
    #[default]
    Env,
    /// Straight to the server, whatever the environment says.
    Direct,
    /// The profile's proxy (http or socks5); `NO_PROXY` still applies.
    Via {
        url: url::Url,
        credentials: Option<ProxyCredentials>,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProxyError {
    #[error("the proxy {0:?} is not an http://, https:// or socks5:// URL with a host")]
    BadUrl(String),
}

/// A proxy URL as a profile keeps it: checked, without its credentials (those go to the keyring).
pub fn split_credentials(text: &str) -> Result<(String, Option<ProxyCredentials>), ProxyError> {
    let bad = || ProxyError::BadUrl(without_credentials_text(text));
    let mut url = url::Url::parse(text.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") || !url.has_host() {
        return Err(bad());
    }
    let credentials = match (url.username(), url.password()) {
        ("", None) => None,
        (user, password) => Some(ProxyCredentials::new(format!(
            "{user}:{}",
            password.unwrap_or_default()
        ))),
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok((
        url.to_string().trim_end_matches('/').to_string(),
        credentials,
    ))
}

/// For error messages: a URL that would not parse may still hold a password.
fn without_credentials_text(text: &str) -> String {
    match text.split_once('@') {
        Some((before, after)) => match before.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://[credentials omitted]@{after}"),
            None => format!("[credentials omitted]@{after}"),
        },
        None => text.to_string(),
    }
}

impl Route {
    /// The profile's route: its proxy (with the keyring's credentials), none, or the environment's.
    pub fn new(
        proxy: Option<&str>,
        direct: bool,
        credentials: Option<ProxyCredentials>,
    ) -> Result<Route, ProxyError> {
        Ok(match (proxy, direct) {
            (_, true) => Route::Direct,
            (None, false) => Route::Env,
            (Some(text), false) => {
                let (clean, _) = split_credentials(text)?;
                Route::Via {
                    url: url::Url::parse(&clean).map_err(|_| ProxyError::BadUrl(clean))?,
                    credentials,
                }
            }
        })
    }

    pub(crate) fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, reqwest::Error> {
        Ok(match self {
            // reqwest reads the environment itself.
            Route::Env => builder,
            Route::Direct => builder.no_proxy(),
            Route::Via { url, credentials } => {
                let mut url = url.clone();
                if let Some((user, password)) = credentials
                    .as_ref()
                    .and_then(|c| c.expose().split_once(':'))
                {
                    let _ = url.set_username(user);
                    let _ = url.set_password(Some(password));
                }
                let proxy = reqwest::Proxy::all(url.as_str())?;
                builder.proxy(proxy.no_proxy(reqwest::NoProxy::from_env()))
            }
        })
    }

    /// The proxy a request to `url` goes through, without credentials; `None`: straight there.
    pub fn for_url(&self, url: &str) -> Option<String> {
        let uri: http::Uri = url.parse().ok()?;
        let matcher = match self {
            Route::Direct => return None,
            Route::Env => Matcher::from_env(),
            Route::Via { url, .. } => {
                let no_proxy = ["NO_PROXY", "no_proxy"]
                    .iter()
                    .find_map(|name| std::env::var(name).ok())
                    .unwrap_or_default();
                Matcher::builder().all(url.to_string()).no(no_proxy).build()
            }
        };
        let proxy = matcher.intercept(&uri)?;
        let proxy = proxy.uri();
        let port = proxy
            .port_u16()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        Some(format!(
            "{}://{}{port}",
            proxy.scheme_str().unwrap_or("http"),
            proxy.host().unwrap_or_default()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url_for_the_keyring() {
        let (url, creds) = split_credentials("http://ann:s%40cret@proxy.corp:3128").unwrap();
        assert_eq!(url, "http://proxy.corp:3128");
        assert_eq!(creds.unwrap().expose(), "ann:s%40cret");
        assert_eq!(
            split_credentials("socks5://127.0.0.1:1080").unwrap().1,
            None
        );
        let err = split_credentials("ftp://ann:hunter2@proxy").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn a_profile_proxy_is_reported_for_its_requests() {
        let route = Route::new(Some("http://127.0.0.1:3128"), false, None).unwrap();
        assert_eq!(
            route.for_url("https://api.example/v1").as_deref(),
            Some("http://127.0.0.1:3128")
        );
        assert_eq!(Route::Direct.for_url("https://api.example/v1"), None);
    }
}
