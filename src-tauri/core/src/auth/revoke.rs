//! Token revocation (RFC 7009), as the profile's client.

use crate::auth::assertion::ClientCredentials;
use crate::auth::client_request;
use crate::auth::grant::GrantError;
use crate::net::Net;
use crate::profile::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// Ask the provider to revoke `token`. RFC 7009 answers 200 even for a token it does not know.
pub async fn revoke(
    net: &Net,
    profile: &Profile,
    url: &str,
    credentials: &ClientCredentials,
    token: &str,
    kind: TokenKind,
) -> Result<(), GrantError> {
    let hint = match kind {
        TokenKind::Access => "access_token",
        TokenKind::Refresh => "refresh_token",
    };
    let fields = [("token", token), ("token_type_hint", hint)];
    client_request::post(net, profile, url, credentials, &fields, "revocation")
        .await
        .map(drop)
}
