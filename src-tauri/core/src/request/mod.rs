//! An API request as the user describes it, and how it goes on the wire with the profile's
//! credentials: `send` gets the token from the session (and retries once after a 401) and the API
//! key from the keyring.
//!
//! - `wire`: the headers as they go out, the credential where the provider wants it, redirects
//! - `variables`: `{{name}}` filled just before sending
//! - `replay`: a history entry sent again
//! - `curl`: copy as curl, and a pasted curl command read back

pub mod compare;
pub mod curl;
pub mod expect;
pub mod replay;
pub mod variables;
pub mod wire;

use std::time::Duration;

use reqwest::header::HeaderName;

use crate::net::NetError;
use crate::profile::{Grant, Profile};
use crate::session::diagnose::Diagnosis;
use crate::session::{Session, SessionError};
pub use crate::store::saved::{DraftBody, RequestDraft};
pub use wire::{wire_headers, Credentials, WireHeader};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: String,
    /// An absolute URL, or a path joined to the profile's API base.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
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
    /// The headers as they went out, credentials `[redacted]` and dynamic values as drawn.
    pub sent_headers: Vec<(String, String)>,
    /// The credentials it was sent with, so whoever records it can scrub them wherever they
    /// appear (a token echoed in a body).
    pub scrub: Scrub,
    /// The proxy it went through (without credentials), if any.
    pub proxy: Option<String>,
    /// Why the API refused the credential (a 401 or 403), as far as the exchange shows.
    pub diagnoses: Vec<Diagnosis>,
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

/// Values to scrub from whatever is kept. No `Debug` of them: they are credentials.
#[derive(Clone, Default)]
pub struct Scrub(Vec<String>);

impl Scrub {
    pub fn values(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

impl FromIterator<String> for Scrub {
    fn from_iter<I: IntoIterator<Item = String>>(values: I) -> Self {
        Scrub(values.into_iter().collect())
    }
}

impl std::fmt::Debug for Scrub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrub({} values)", self.0.len())
    }
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

/// Send `request` with the profile's credentials: its token (on a 401, renewed once and sent once
/// more) and, when something it sends uses `{api_key}`, its API key.
pub async fn send(
    session: &Session,
    profile: &Profile,
    request: &ApiRequest,
) -> Result<ApiResponse, RequestError> {
    let net = session.net_for(profile).await?;
    let api_key = match profile.uses_api_key() {
        true => Some(session.api_key(profile).await?),
        false => None,
    };
    if profile.grant == Grant::ApiKey {
        let credentials = Credentials {
            api_key: api_key.as_ref(),
            ..Credentials::default()
        };
        return wire::execute(&net, profile, request, credentials).await;
    }
    let token = session.token(profile).await?;
    let dpop = session.dpop_bound(profile, &token).await?;
    let credentials = Credentials {
        token: Some(&token.access_token),
        api_key: api_key.as_ref(),
        dpop: dpop.as_deref(),
    };
    let response = wire::execute(&net, profile, request, credentials).await?;
    if response.status != 401 {
        return Ok(response);
    }
    tracing::info!(profile = %profile.name, "API answered 401: renewing the token and retrying once");
    let renewed = session
        .token_after_401(profile, &token.access_token)
        .await?;
    let dpop = session.dpop_bound(profile, &renewed).await?;
    let credentials = Credentials {
        token: Some(&renewed.access_token),
        dpop: dpop.as_deref(),
        ..credentials
    };
    let mut retried = wire::execute(&net, profile, request, credentials).await?;
    retried.retried_after_401 = true;
    Ok(retried)
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
