//! Refresh token (RFC 6749 6), at the profile's refresh URL when it has its own (UPS's token
//! endpoint refuses refresh grants). A response without a new refresh token keeps the old one
//! usable (the RFC lets the provider choose); a new one replaces it (rotation).

use chrono::{DateTime, Utc};

use super::{client_at, finish, http, GrantError};
use crate::auth::assertion::ClientCredentials;
use crate::auth::token::TokenSet;
use crate::net::Net;
use crate::profile::Profile;
use crate::secret::RefreshToken;

pub async fn refresh(
    net: &Net,
    profile: &Profile,
    credentials: &ClientCredentials,
    refresh_token: &RefreshToken,
    now: DateTime<Utc>,
) -> Result<TokenSet, GrantError> {
    let url = profile
        .refresh_url
        .as_deref()
        .or(profile.token_url.as_deref());
    let client = client_at(profile, credentials, url)?;
    let token = oauth2::RefreshToken::new(refresh_token.expose().to_string());
    let mut request = client.exchange_refresh_token(&token);
    for (name, value) in &profile.params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    let mut tokens = finish(
        request
            .request_async(&http(net, profile, credentials))
            .await,
        now,
    )?;
    if tokens.refresh_token.is_none() {
        tokens.refresh_token = Some(refresh_token.clone());
    }
    Ok(tokens)
}
