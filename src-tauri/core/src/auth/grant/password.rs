//! Resource owner password credentials (RFC 6749 4.3), as Bindeo offers it.

use chrono::{DateTime, Utc};
use oauth2::{ResourceOwnerPassword, ResourceOwnerUsername};

use super::{client, finish, http, scopes, GrantError};
use crate::auth::assertion::ClientCredentials;
use crate::auth::token::TokenSet;
use crate::net::Net;
use crate::profile::Profile;
use crate::secret::Password;

pub async fn password(
    net: &Net,
    profile: &Profile,
    credentials: &ClientCredentials,
    username: &str,
    password: &Password,
    now: DateTime<Utc>,
) -> Result<TokenSet, GrantError> {
    let client = client(profile, credentials)?;
    let username = ResourceOwnerUsername::new(username.to_string());
    let password = ResourceOwnerPassword::new(password.expose().to_string());
    let mut request = client
        .exchange_password(&username, &password)
        .add_scopes(scopes(profile));
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
