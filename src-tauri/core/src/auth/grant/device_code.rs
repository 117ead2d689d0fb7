//! The device authorization grant (RFC 8628): Waybill asks for a device code and shows the user a
//! short code and an address; the user confirms it in any browser (a phone will do) while Waybill
//! polls the token endpoint, honouring `interval` and `slow_down`. For machines where no redirect
//! can come back. Both requests go through the profile's dialect, as the profile's client.

use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::{DeviceAuthorizationUrl, RequestTokenError, StandardDeviceAuthorizationResponse};
use serde::Serialize;

use super::{client, finish, http, scopes, GrantError, RequestResult};
use crate::auth::assertion::ClientCredentials;
use crate::auth::token::TokenSet;
use crate::net::Net;
use crate::profile::Profile;

/// What the user is shown. The device code itself stays inside `DeviceSignIn`.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    /// The address with the code in it, when the provider gives one: what the browser opens and
    /// the QR code holds.
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
}

impl DeviceCode {
    /// Where to send the user: the complete address when there is one.
    pub fn url(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }
}

/// A device code asked for and not yet confirmed.
pub struct DeviceSignIn {
    details: StandardDeviceAuthorizationResponse,
    shown: DeviceCode,
}

impl DeviceSignIn {
    /// Ask the provider for a device code (the profile's scope and extra parameters go with it).
    pub async fn start(
        net: &Net,
        profile: &Profile,
        credentials: &ClientCredentials,
    ) -> Result<DeviceSignIn, GrantError> {
        let url = profile.device_authorization_url.clone().unwrap_or_default();
        let device_url =
            DeviceAuthorizationUrl::new(url.clone()).map_err(|_| GrantError::BadTokenUrl(url))?;
        let client = client(profile, credentials)?.set_device_authorization_url(device_url);
        let mut request = client.exchange_device_code().add_scopes(scopes(profile));
        for (name, value) in &profile.params {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let details: StandardDeviceAuthorizationResponse = request
            .request_async(&http(net, profile, credentials))
            .await
            .map_err(|e| refusal(e, "device authorization request"))?;
        let shown = DeviceCode {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            verification_uri_complete: details
                .verification_uri_complete()
                .map(|u| u.secret().clone()),
            expires_in: details.expires_in().as_secs(),
        };
        Ok(DeviceSignIn { details, shown })
    }

    pub fn code(&self) -> &DeviceCode {
        &self.shown
    }

    /// Poll until the user confirms (tokens), denies, or the code expires.
    pub async fn finish(
        &self,
        net: &Net,
        profile: &Profile,
        credentials: &ClientCredentials,
        now: impl Fn() -> DateTime<Utc>,
    ) -> Result<TokenSet, GrantError> {
        let client = client(profile, credentials)?;
        let polled = client
            .exchange_device_access_token(&self.details)
            .request_async(
                &http(net, profile, credentials),
                tokio::time::sleep,
                Some(self.details.expires_in() + Duration::from_secs(1)),
            )
            .await;
        let result: RequestResult = match polled {
            Ok(response) => Ok(response),
            Err(RequestTokenError::ServerResponse(e)) => {
                let description = e.error_description().cloned();
                return Err(match e.error().to_string().as_str() {
                    "access_denied" => GrantError::SignInDenied(description),
                    "expired_token" => GrantError::CodeExpired,
                    other => GrantError::Provider {
                        error: other.to_string(),
                        description,
                    },
                });
            }
            Err(e) => return Err(refusal(e, "token request")),
        };
        finish(result, now())
    }
}

/// A failed request's error in words; the provider's `error` when it gave one.
fn refusal<T: oauth2::ErrorResponse + 'static>(
    e: RequestTokenError<crate::auth::dialect::EndpointError, T>,
    what: &'static str,
) -> GrantError {
    match e {
        RequestTokenError::ServerResponse(e) => {
            let said = serde_json::to_value(&e).unwrap_or_default();
            GrantError::Refused {
                what,
                error: said["error"].as_str().unwrap_or("error").to_string(),
                description: said["error_description"].as_str().map(str::to_string),
            }
        }
        RequestTokenError::Request(e) => GrantError::Endpoint(e),
        RequestTokenError::Parse(e, _) => {
            GrantError::BadResponse(format!("the field `{}` is missing or malformed", e.path()))
        }
        RequestTokenError::Other(e) => GrantError::BadResponse(e),
    }
}
