//! Token revocation (RFC 7009). Not through the `oauth2` crate: it refuses a plain-http endpoint,
//! which loopback providers are. The client authenticates in the profile's dialect.

use reqwest::header::CONTENT_TYPE;

use crate::auth::assertion::{self, Assertions, ClientCredentials};
use crate::auth::grant::GrantError;
use crate::http::net::Net;
use crate::http::provider_error::ProviderError;
use crate::profile::{ClientAuth, Profile};

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
    let mut fields = vec![("token", token), ("token_type_hint", hint)];
    let assertion = Assertions::for_profile(profile, credentials)
        .map(|a| a.sign(url, chrono::Utc::now()))
        .transpose()
        .map_err(GrantError::BadResponse)?;
    if let Some(assertion) = &assertion {
        fields.push(("client_assertion_type", assertion::ASSERTION_TYPE));
        fields.push(("client_assertion", assertion));
    }
    let mut request = net.token.post(url);
    // Mutual TLS or an assertion: the body names the client only.
    let secret = credentials.secret_on_wire(profile.client_auth);
    match (profile.client_auth, secret) {
        (ClientAuth::Basic, Some(secret)) => {
            let encode =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request = request.basic_auth(encode(&profile.client_id), Some(encode(secret.expose())));
        }
        (_, secret) => {
            fields.push(("client_id", &profile.client_id));
            if let Some(secret) = secret {
                fields.push(("client_secret", secret.expose()));
            }
        }
    }
    request = match profile.client_auth {
        ClientAuth::Json => {
            let object: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
                .collect();
            request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::Value::Object(object).to_string())
        }
        _ => request.form(&fields),
    };
    let response = request
        .send()
        .await
        .map_err(|e| GrantError::Endpoint(net.error(url, e).into()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.bytes().await.unwrap_or_default();
    Err(match ProviderError::from_body(&body) {
        Some(said) => GrantError::Provider {
            error: said.code.unwrap_or_else(|| format!("HTTP {status}")),
            description: said.message,
        },
        None => GrantError::BadResponse(format!("the revocation endpoint answered HTTP {status}")),
    })
}
