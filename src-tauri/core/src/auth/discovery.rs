//! OpenID Connect discovery: a profile may name an issuer instead of endpoints; its
//! `/.well-known/openid-configuration` gives the authorize, token, revocation, introspection,
//! userinfo and JWKS URLs.

use serde::Deserialize;

use crate::http::net::{Net, NetError};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub pushed_authorization_request_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum DiscoveryError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{url} answered HTTP {status}, not an OpenID configuration")]
    Status { url: String, status: u16 },
    #[error("{url} is not a valid OpenID configuration ({detail})")]
    Invalid { url: String, detail: String },
    #[error("{url} describes issuer {found:?}, not {expected:?}; refusing endpoints from another issuer")]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
}

pub async fn discover(net: &Net, issuer: &str) -> Result<Discovery, DiscoveryError> {
    let issuer = issuer.trim_end_matches('/');
    let url = format!("{issuer}/.well-known/openid-configuration");
    let response = net
        .api
        .get(&url)
        .send()
        .await
        .map_err(|e| net.error(&url, e))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(DiscoveryError::Status { url, status });
    }
    let body = response.bytes().await.map_err(|e| net.error(&url, e))?;
    let discovery: Discovery =
        serde_json::from_slice(&body).map_err(|e| DiscoveryError::Invalid {
            url: url.clone(),
            detail: format!("line {}, column {}", e.line(), e.column()),
        })?;
    // OpenID Connect Discovery 1.0, section 4.3: the issuer must be the one asked for.
    if discovery.issuer.trim_end_matches('/') != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            url,
            expected: issuer.to_string(),
            found: discovery.issuer,
        });
    }
    Ok(discovery)
}
