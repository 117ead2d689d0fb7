//! OpenID Connect discovery: a profile may name an issuer instead of endpoints; its
//! `/.well-known/openid-configuration` gives the authorize, token, revocation, introspection,
//! userinfo and JWKS URLs.

use serde::Deserialize;

use crate::net::{Net, NetError};
use crate::profile::new::NewProfile;

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
    /// What the provider says it supports, for telling a person what it will accept.
    pub scopes_supported: Option<Vec<String>>,
    pub grant_types_supported: Option<Vec<String>>,
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
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

impl Discovery {
    /// The endpoints `new` does not give yet, from this configuration.
    pub fn fill(self, new: &mut NewProfile) {
        new.authorize_url = new.authorize_url.take().or(self.authorization_endpoint);
        new.token_url = new.token_url.take().or(self.token_endpoint);
        new.revocation_url = new.revocation_url.take().or(self.revocation_endpoint);
        new.jwks_url = new.jwks_url.take().or(self.jwks_uri);
        new.introspection_url = (new.introspection_url.take()).or(self.introspection_endpoint);
        new.userinfo_url = new.userinfo_url.take().or(self.userinfo_endpoint);
        new.device_authorization_url =
            (new.device_authorization_url.take()).or(self.device_authorization_endpoint);
        // A server that requires PAR gets it without being asked (RFC 9126 §5).
        if new.par || self.require_pushed_authorization_requests {
            new.par = true;
            new.par_url = new
                .par_url
                .take()
                .or(self.pushed_authorization_request_endpoint);
        }
    }
}

pub async fn discover(net: &Net, issuer: &str) -> Result<Discovery, DiscoveryError> {
    let issuer = issuer.trim_end_matches('/');
    let url = format!("{issuer}/.well-known/openid-configuration");
    let answer = net.send(net.following.get(&url), "discovery").await?;
    let status = answer.status.as_u16();
    if status != 200 {
        return Err(DiscoveryError::Status { url, status });
    }
    let discovery: Discovery =
        serde_json::from_slice(&answer.body).map_err(|e| DiscoveryError::Invalid {
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
