//! Authorization code with PKCE (RFC 6749 4.1, RFC 7636): the browser brings back a code, which is
//! exchanged at the token endpoint with the verifier only this process knows.

use chrono::{DateTime, Utc};
use oauth2::{AuthorizationCode, PkceCodeVerifier, RedirectUrl};

use super::{client, finish, http, GrantError};
use crate::auth::assertion::ClientCredentials;
use crate::auth::token::TokenSet;
use crate::net::Net;
use crate::profile::Profile;

pub async fn exchange_code(
    net: &Net,
    profile: &Profile,
    credentials: &ClientCredentials,
    code: String,
    verifier: PkceCodeVerifier,
    redirect_uri: &str,
    now: DateTime<Utc>,
) -> Result<TokenSet, GrantError> {
    let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|_| {
        GrantError::BadResponse(format!("the redirect URI {redirect_uri:?} is not a URL"))
    })?;
    let client = client(profile, credentials)?.set_redirect_uri(redirect);
    let mut request = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier);
    for (name, value) in &profile.params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    finish(
        request
            .request_async(&http(net, profile, credentials))
            .await,
        now,
    )
}
