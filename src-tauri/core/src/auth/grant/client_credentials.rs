//! Client credentials (RFC 6749 4.4): the application is the resource owner.

use chrono::{DateTime, Utc};

use super::{client, finish, http, scopes, GrantError};
use crate::auth::assertion::ClientCredentials;
use crate::auth::token::TokenSet;
use crate::net::Net;
use crate::profile::Profile;

pub async fn client_credentials(
    net: &Net,
    profile: &Profile,
    credentials: &ClientCredentials,
    now: DateTime<Utc>,
) -> Result<TokenSet, GrantError> {
    let client = client(profile, credentials)?;
    let mut request = client
        .exchange_client_credentials()
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
