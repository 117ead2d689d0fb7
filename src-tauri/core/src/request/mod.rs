//! An API request as the user describes it, and how it goes on the wire with the profile's token:
//! `send` gets the token from the session and retries once after a 401.
//!
//! - `variables`: `{{name}}` filled just before sending
//! - `replay`: a history entry sent again
//! - `curl`: copy as curl, and a pasted curl command read back

pub mod curl;
pub mod replay;
pub mod variables;

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use serde::{Deserialize, Serialize};

use crate::auth::dpop::{self, Dpop};
use crate::net::{Net, NetError};
use crate::profile::Profile;
use crate::secret::AccessToken;
use crate::session::{Session, SessionError};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: String,
    /// An absolute URL, or a path joined to the profile's API base.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// The request builder's model: what a person fills in, before it becomes an `ApiRequest`.
/// Saved requests are kept in this shape.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestDraft {
    pub method: String,
    /// An absolute URL, or a path joined to the profile's API base.
    pub url: String,
    /// Added to the URL's own query; rows with an empty name are ignored.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// Rows with an empty name are ignored.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: DraftBody,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DraftBody {
    #[default]
    None,
    /// Checked to be JSON before sending; `Content-Type: application/json` unless one is given.
    Json(String),
    /// URL-encoded; `Content-Type: application/x-www-form-urlencoded` unless one is given.
    Form(Vec<(String, String)>),
    /// Sent as typed.
    Raw(String),
}

#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The first answer was 401: the token was renewed and the request sent once more.
    pub retried_after_401: bool,
    /// The token it was sent with, so whoever records it can scrub it (prints `[redacted]`).
    pub sent_with: AccessToken,
    /// The proxy it went through (without credentials), if any.
    pub proxy: Option<String>,
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
    #[error("the JSON body is not valid JSON: {0}")]
    BadJson(String),
    #[error("could not make the DPoP proof: {0}")]
    Dpop(String),
    #[error(transparent)]
    Net(#[from] NetError),
    /// No token to send it with.
    #[error(transparent)]
    Session(#[from] SessionError),
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

impl RequestDraft {
    /// The request it describes, or what is wrong with it (method, header names, JSON body).
    pub fn to_request(&self) -> Result<ApiRequest, RequestError> {
        let method = self.method.trim().to_ascii_uppercase();
        reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| RequestError::BadMethod(self.method.clone()))?;
        let mut target = self.url.trim().to_string();
        let query: Vec<_> = self.query.iter().filter(|(n, _)| !n.is_empty()).collect();
        if !query.is_empty() {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish();
            target.push(if target.contains('?') { '&' } else { '?' });
            target.push_str(&encoded);
        }
        let mut headers = Vec::new();
        for (name, value) in self.headers.iter().filter(|(n, _)| !n.trim().is_empty()) {
            let name = name.trim();
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| RequestError::BadHeader(format!("{name}: {value}")))?;
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut with_type = |content_type: &str| {
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".into(), content_type.into()));
            }
        };
        let body = match &self.body {
            DraftBody::None => None,
            DraftBody::Json(text) => {
                serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|e| RequestError::BadJson(e.to_string()))?;
                with_type("application/json");
                Some(text.clone().into_bytes())
            }
            DraftBody::Form(fields) => {
                with_type("application/x-www-form-urlencoded");
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter().filter(|(n, _)| !n.is_empty()))
                    .finish();
                Some(encoded.into_bytes())
            }
            DraftBody::Raw(text) => Some(text.clone().into_bytes()),
        };
        Ok(ApiRequest {
            method,
            target,
            headers,
            body,
        })
    }
}

impl ApiResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// What the API said went wrong, in its own JSON shape, when it did not succeed.
    pub fn provider_error(&self) -> Option<crate::net::provider_error::ProviderError> {
        match self.is_success() {
            true => None,
            false => crate::net::provider_error::ProviderError::from_body(&self.body),
        }
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

/// The headers a request goes out with, `Authorization` aside: the profile's defaults, then the
/// request's own (a header of the same name, in any case, replaces the earlier one), then a JSON
/// content type for a JSON body that names none.
pub fn outgoing_headers(profile: &Profile, request: &ApiRequest) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let defaults = profile.headers.iter();
    for (name, value) in defaults.chain(request.headers.iter().map(|(n, v)| (n, v))) {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
    if let Some(body) = &request.body {
        let typed = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        if !typed && serde_json::from_slice::<serde_json::Value>(body).is_ok() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
    }
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    headers
}

/// Send `request` with the profile's token; on 401, renew once and send once more.
pub async fn send(
    session: &Session,
    profile: &Profile,
    request: &ApiRequest,
) -> Result<ApiResponse, RequestError> {
    let token = session.token(profile).await?;
    let net = session.net_for(profile).await?;
    let dpop = session.dpop_bound(profile, &token).await?;
    let response = execute(&net, profile, request, &token.access_token, dpop.as_deref()).await?;
    if response.status != 401 {
        return Ok(response);
    }
    tracing::info!(profile = %profile.name, "API answered 401: renewing the token and retrying once");
    let renewed = session
        .token_after_401(profile, &token.access_token)
        .await?;
    let dpop = session.dpop_bound(profile, &renewed).await?;
    let mut retried = execute(
        &net,
        profile,
        request,
        &renewed.access_token,
        dpop.as_deref(),
    )
    .await?;
    retried.retried_after_401 = true;
    Ok(retried)
}

/// Send with `outgoing_headers` and `Authorization: Bearer`, which always comes from the
/// session; for a DPoP-bound token, `Authorization: DPoP` and a fresh proof, and once more with
/// the server's nonce when it asks for one (RFC 9449 §9).
pub(crate) async fn execute(
    net: &Net,
    profile: &Profile,
    request: &ApiRequest,
    token: &AccessToken,
    dpop: Option<&Dpop>,
) -> Result<ApiResponse, RequestError> {
    let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| RequestError::BadMethod(request.method.clone()))?;
    let url = resolve_url(profile, &request.target)?;
    let mut headers = HeaderMap::new();
    for (name, value) in outgoing_headers(profile, request) {
        let bad = || RequestError::BadHeader(format!("{name}: {value}"));
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(&value).map_err(|_| bad())?;
        headers.append(name, value);
    }
    let scheme = if dpop.is_some() { "DPoP" } else { "Bearer" };
    let mut authorization = HeaderValue::from_str(&format!("{scheme} {}", token.expose()))
        .map_err(|_| RequestError::BadHeader(format!("Authorization: {scheme} [redacted]")))?;
    authorization.set_sensitive(true);
    headers.insert(AUTHORIZATION, authorization);

    let started = Instant::now();
    let mut retried = false;
    let response = loop {
        if let Some(dpop) = dpop {
            let proof = dpop
                .proof(
                    method.as_str(),
                    url.as_str(),
                    Some(token.expose()),
                    chrono::Utc::now(),
                )
                .map_err(|e| RequestError::Dpop(e.to_string()))?;
            let mut value = HeaderValue::from_str(&proof)
                .map_err(|_| RequestError::Dpop("the proof is not a header value".into()))?;
            value.set_sensitive(true);
            headers.insert(dpop::HEADER, value);
        }
        let mut builder = net
            .api
            .request(method.clone(), url.clone())
            .headers(headers.clone());
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| net.error(url.as_str(), e))?;
        let nonce = response
            .headers()
            .get(dpop::NONCE_HEADER)
            .and_then(|v| v.to_str().ok());
        let fresh = dpop.is_some_and(|d| d.remember_nonce(url.as_str(), nonce));
        if response.status() == 401 && fresh && !retried {
            retried = true;
            continue;
        }
        break response;
    };
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
        sent_with: token.clone(),
        proxy: net.proxy_for(url.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only if sending's futures can run in `tokio::spawn` (and so in Tauri commands).
    #[allow(dead_code)]
    fn sending_can_be_spawned(
        session: std::sync::Arc<Session>,
        profile: Profile,
        request: ApiRequest,
    ) {
        let (s, p) = (session.clone(), profile.clone());
        tokio::spawn(async move { s.token(&p).await });
        let (s, p) = (session.clone(), profile.clone());
        tokio::spawn(async move {
            s.sign_in_with_password(&p, &crate::Password::new("x"))
                .await
        });
        tokio::spawn(async move { send(&session, &profile, &request).await });
    }

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
