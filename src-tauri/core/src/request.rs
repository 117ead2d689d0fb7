//! An API request as the user describes it, and how it goes on the wire with a bearer token.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde::Serialize;

use crate::net::{Net, NetError};
use crate::profile::Profile;
use crate::secret::AccessToken;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: String,
    /// An absolute URL, or a path joined to the profile's API base.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiResponse {
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The first answer was 401: the token was renewed and the request sent once more.
    pub retried_after_401: bool,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RequestError {
    #[error("{0:?} is not an HTTP method")]
    BadMethod(String),
    #[error("{0:?} is a path, but this profile has no API base URL to join it to; give a full URL or set --api-base")]
    NoApiBase(String),
    #[error("{0:?} is not a valid URL")]
    BadUrl(String),
    #[error("the header {0:?} is not valid (expected \"Name: value\")")]
    BadHeader(String),
    #[error(transparent)]
    Net(#[from] NetError),
}

impl ApiRequest {
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

impl ApiResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// `https://api.example/v1` + `/shipments` = `https://api.example/v1/shipments`: a path extends the
/// base (unlike RFC 3986 resolution, which would drop `/v1`).
pub fn resolve_url(profile: &Profile, target: &str) -> Result<url::Url, RequestError> {
    let is_absolute = target.starts_with("http://") || target.starts_with("https://");
    let full = if is_absolute {
        target.to_string()
    } else {
        let base = profile
            .api_base
            .as_deref()
            .ok_or_else(|| RequestError::NoApiBase(target.to_string()))?;
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            target.trim_start_matches('/')
        )
    };
    url::Url::parse(&full).map_err(|_| RequestError::BadUrl(full))
}

/// Parse "Name: value" as typed on a command line.
pub fn parse_header(line: &str) -> Result<(String, String), RequestError> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| RequestError::BadHeader(line.to_string()))?;
    let name = name.trim();
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| RequestError::BadHeader(line.to_string()))?;
    Ok((name.to_string(), value.trim().to_string()))
}

/// Send once: the profile's default headers, then the request's own (same name replaces), then
/// `Authorization: Bearer`, which always comes from the session.
pub(crate) async fn execute(
    net: &Net,
    profile: &Profile,
    request: &ApiRequest,
    token: &AccessToken,
) -> Result<ApiResponse, RequestError> {
    let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| RequestError::BadMethod(request.method.clone()))?;
    let url = resolve_url(profile, &request.target)?;
    let mut headers = HeaderMap::new();
    for (name, value) in profile
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(
            request
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
    {
        let bad = || RequestError::BadHeader(format!("{name}: {value}"));
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(value).map_err(|_| bad())?;
        headers.insert(name, value);
    }
    if let Some(body) = &request.body {
        if !headers.contains_key(CONTENT_TYPE)
            && serde_json::from_slice::<serde_json::Value>(body).is_ok()
        {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
    }
    let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| RequestError::BadHeader("Authorization: Bearer [redacted]".into()))?;
    bearer.set_sensitive(true);
    headers.insert(AUTHORIZATION, bearer);

    let mut builder = net.api.request(method, url.clone()).headers(headers);
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let response = builder
        .send()
        .await
        .map_err(|e| net.error(url.as_str(), e))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .bytes()
        .await
        .map_err(|e| net.error(url.as_str(), e))?
        .to_vec();
    Ok(ApiResponse {
        url: url.to_string(),
        status,
        headers,
        body,
        elapsed: started.elapsed(),
        retried_after_401: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(api_base: Option<&str>) -> Profile {
        toml::from_str(&format!(
            "name='p'\nkeyring_id='p-1'\ngrant='client_credentials'\ntoken_url='https://a/t'\nclient_id='c'\n{}",
            api_base.map(|b| format!("api_base='{b}'")).unwrap_or_default()
        ))
        .unwrap()
    }

    #[test]
    fn paths_extend_the_api_base() {
        let p = profile(Some("https://api.example/v1/"));
        assert_eq!(
            resolve_url(&p, "/shipments?x=1").unwrap().as_str(),
            "https://api.example/v1/shipments?x=1"
        );
        assert_eq!(
            resolve_url(&p, "services").unwrap().as_str(),
            "https://api.example/v1/services"
        );
        assert_eq!(
            resolve_url(&p, "http://other/x").unwrap().as_str(),
            "http://other/x"
        );
        assert!(matches!(
            resolve_url(&profile(None), "/x"),
            Err(RequestError::NoApiBase(_))
        ));
    }

    #[test]
    fn headers_parse_as_typed() {
        assert_eq!(
            parse_header("Accept:  application/json ").unwrap(),
            ("Accept".into(), "application/json".into())
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
    }
}
