//! Grants: each asks the token endpoint for a `TokenSet` through the `oauth2` crate, in the
//! profile's dialect (see `dialect`), and fails with a typed `GrantError` that keeps the provider's
//! `error` and `error_description`.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
};
use oauth2::{
    AsyncHttpClient, AuthType, ClientId, EndpointNotSet, EndpointSet, ExtraTokenFields,
    HttpRequest, HttpResponse, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse as _, TokenType, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::auth::assertion::{Assertions, ClientCredentials};
use crate::auth::dialect::{self, Dialect, EndpointError};
use crate::auth::token::{ExtraFields, TokenResponse, TokenSet};
use crate::net::Net;
use crate::profile::{ClientAuth, Profile};
use crate::secret;

mod authorization_code;
mod client_credentials;
mod device_code;
mod implicit;
mod password;
mod refresh;

pub use authorization_code::exchange_code;
pub use client_credentials::client_credentials;
pub use device_code::{DeviceCode, DeviceSignIn};
pub use implicit::token_from_redirect;
pub use password::password;
pub use refresh::refresh;

#[derive(Debug, Clone, thiserror::Error)]
pub enum GrantError {
    /// The provider said no, in OAuth's words (`invalid_client`, `invalid_grant`, ...).
    #[error("{}", provider_sentence(.error, .description.as_deref()))]
    Provider {
        error: String,
        description: Option<String>,
    },
    /// The provider refused another request of the client (revocation, introspection).
    #[error("the provider refused the {what}: {}", said(.error, .description.as_deref()))]
    Refused {
        what: &'static str,
        error: String,
        description: Option<String>,
    },
    #[error("the sign-in was denied at the provider{}", .0.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    SignInDenied(Option<String>),
    #[error("the code expired before the sign-in was confirmed: sign in again for a new one")]
    CodeExpired,
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error("the token endpoint's answer could not be used: {0}")]
    BadResponse(String),
    #[error("the token URL {0:?} is not a valid URL")]
    BadTokenUrl(String),
}

fn provider_sentence(error: &str, description: Option<&str>) -> String {
    format!(
        "the provider refused the token request: {}",
        said(error, description)
    )
}

/// `invalid_grant: Refresh token is invalid`, or the code alone.
fn said(error: &str, description: Option<&str>) -> String {
    match description {
        Some(d) => format!("{error}: {d}"),
        None => error.to_string(),
    }
}

/// Whether `url` answers an OAuth request in JSON, as a token endpoint does even when it refuses
/// (here a request that names no client, so nothing secret goes out).
pub async fn probe_token_endpoint(net: &Net, url: &str) -> Result<bool, crate::net::NetError> {
    let request = net
        .direct
        .post(url)
        .form(&[("grant_type", "client_credentials")]);
    let answer = net.send(request, "token").await?;
    let typed = (answer.header("content-type")).is_some_and(|t| t.contains("json"));
    let json =
        serde_json::from_slice::<serde_json::Value>(&answer.body).is_ok_and(|v| v.is_object());
    Ok((typed || json) && !matches!(answer.status.as_u16(), 404 | 405))
}

/// `token_type` as any string: the crate's own type knows only `bearer` and `mac`. (The crate
/// lower-cases it while parsing; `finish` reports a bearer token as `Bearer`.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProviderTokenType(String);
impl TokenType for ProviderTokenType {}

impl ExtraTokenFields for ExtraFields {}

type Response = StandardTokenResponse<ExtraFields, ProviderTokenType>;
type Client = oauth2::Client<
    BasicErrorResponse,
    Response,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;
type RequestResult = Result<Response, RequestTokenError<EndpointError, BasicErrorResponse>>;

fn client(profile: &Profile, credentials: &ClientCredentials) -> Result<Client, GrantError> {
    client_at(profile, credentials, profile.token_url.as_deref())
}

/// The crate's client for requests to `url` (the token URL, or where refreshes go).
fn client_at(
    profile: &Profile,
    credentials: &ClientCredentials,
    url: Option<&str>,
) -> Result<Client, GrantError> {
    let url = url.unwrap_or_default().to_string();
    let token_url = TokenUrl::new(url.clone()).map_err(|_| GrantError::BadTokenUrl(url))?;
    let auth_type = match profile.client_auth {
        ClientAuth::Basic => AuthType::BasicAuth,
        // The JSON dialect starts as a form body and is re-encoded by `dialect`.
        ClientAuth::Form | ClientAuth::Json => AuthType::RequestBody,
        // RFC 8705: the certificate authenticates; the body carries `client_id` alone.
        ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth => AuthType::RequestBody,
        // RFC 7523: `client_id` in the body, the assertion added by `dialect::send`.
        ClientAuth::ClientSecretJwt | ClientAuth::PrivateKeyJwt => AuthType::RequestBody,
    };
    let secret = credentials.secret_on_wire(profile.client_auth);
    let client = oauth2::Client::new(ClientId::new(profile.client_id.clone()))
        .set_auth_type(auth_type)
        .set_token_uri(token_url);
    Ok(match secret {
        Some(secret) => {
            client.set_client_secret(oauth2::ClientSecret::new(secret.expose().to_string()))
        }
        None => client,
    })
}

/// The HTTP client handed to the crate: the profile's dialect over our transport. A named type
/// rather than a closure, so the crate's higher-ranked bounds still leave our futures `Send`
/// (closures there make `Session::token` unusable in `tokio::spawn` and Tauri commands).
struct Endpoint {
    net: Net,
    dialect: Dialect,
    /// For `client_secret_jwt` and `private_key_jwt`: signs an assertion for each request.
    assertions: Option<Assertions>,
    /// DPoP profiles: proves each request with the profile's key.
    dpop: Option<std::sync::Arc<crate::auth::dpop::Dpop>>,
}

type EndpointFuture<'c> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, EndpointError>> + Send + 'c>>;

impl<'c> AsyncHttpClient<'c> for Endpoint {
    type Error = EndpointError;
    type Future = EndpointFuture<'c>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(dialect::send(
            &self.net,
            &self.dialect,
            self.assertions.as_ref(),
            self.dpop.as_deref(),
            request,
        ))
    }
}

fn http(net: &Net, profile: &Profile, credentials: &ClientCredentials) -> Endpoint {
    Endpoint {
        net: net.clone(),
        dialect: Dialect::of(profile),
        assertions: Assertions::for_profile(profile, credentials),
        dpop: credentials.dpop.clone(),
    }
}

fn scopes(profile: &Profile) -> Vec<Scope> {
    profile
        .scope
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(|s| Scope::new(s.to_string()))
        .collect()
}

fn finish(result: RequestResult, now: DateTime<Utc>) -> Result<TokenSet, GrantError> {
    let response = result.map_err(|e| match e {
        RequestTokenError::ServerResponse(e) => GrantError::Provider {
            error: e.error().to_string(),
            description: e.error_description().cloned(),
        },
        RequestTokenError::Request(e) => GrantError::Endpoint(e),
        // The path only: serde's messages can quote the offending value, which may be a token.
        RequestTokenError::Parse(e, _) => {
            GrantError::BadResponse(format!("the field `{}` is missing or malformed", e.path()))
        }
        RequestTokenError::Other(e) => GrantError::BadResponse(e),
    })?;
    let response = TokenResponse {
        access_token: secret::AccessToken::new(response.access_token().secret().clone()),
        token_type: canonical_token_type(&response.token_type().0),
        expires_in: response.expires_in().map(|d| d.as_secs()),
        refresh_token: response
            .refresh_token()
            .map(|r| secret::RefreshToken::new(r.secret().clone())),
        scope: response
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
        extra: response.extra_fields().clone(),
    };
    if response.access_token.expose().is_empty() {
        return Err(GrantError::BadResponse("the access_token is empty".into()));
    }
    Ok(TokenSet::from_response(response, now))
}

/// `bearer` in any case is `Bearer` (RFC 6750's spelling), `dpop` is `DPoP` (RFC 9449's); other
/// types are kept as given.
fn canonical_token_type(token_type: &str) -> String {
    if token_type.eq_ignore_ascii_case("bearer") {
        "Bearer".into()
    } else if token_type.eq_ignore_ascii_case("dpop") {
        "DPoP".into()
    } else {
        token_type.to_string()
    }
}

impl GrantError {
    /// What the provider said (`invalid_grant: Refresh token is invalid`), or the failure.
    pub fn provider_said(&self) -> String {
        match self {
            GrantError::Provider { error, description } => said(error, description.as_deref()),
            other => other.to_string(),
        }
    }

    /// The provider rejected the refresh token (expired, revoked, already used): fall back to the grant.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, GrantError::Provider { error, .. } if error == "invalid_grant")
    }
}
