//! The client's requests to the provider's endpoints other than the token endpoint: revocation
//! (RFC 7009) and introspection (RFC 7662). A form body, with the client authenticated in its
//! profile's dialect (Basic, form, JSON, a certificate, or an assertion) as at the token endpoint.
//! Not through the `oauth2` crate: it refuses plain-http endpoints, which loopback providers are.

use reqwest::header::CONTENT_TYPE;

use crate::auth::assertion::{self, Assertions, ClientCredentials};
use crate::auth::dialect::Dialect;
use crate::auth::grant::GrantError;
use crate::net::provider_error::ProviderError;
use crate::net::Net;
use crate::profile::{BasicEncoding, ClientAuth, Profile};

/// POST `fields` to `url` as `profile`'s client; the body of a 2xx answer. `what` names the
/// request in errors ("revocation").
pub async fn post(
    net: &Net,
    profile: &Profile,
    url: &str,
    credentials: &ClientCredentials,
    fields: &[(&str, &str)],
    what: &'static str,
) -> Result<Vec<u8>, GrantError> {
    let mut fields = fields.to_vec();
    let assertion = Assertions::for_profile(profile, credentials)
        .map(|a| a.sign(url, chrono::Utc::now()))
        .transpose()
        .map_err(GrantError::BadResponse)?;
    if let Some(assertion) = &assertion {
        fields.push(("client_assertion_type", assertion::ASSERTION_TYPE));
        fields.push(("client_assertion", assertion));
    }
    let mut request = net.direct.post(url);
    let dialect = Dialect::of(profile);
    for (name, value) in dialect.headers() {
        request = request.header(name, value);
    }
    // Mutual TLS or an assertion: the body names the client only.
    let secret = credentials.secret_on_wire(profile.client_auth);
    match (profile.client_auth, secret) {
        (ClientAuth::Basic, Some(secret)) => {
            let encode = |s: &str| match dialect.basic {
                BasicEncoding::Form => url::form_urlencoded::byte_serialize(s.as_bytes()).collect(),
                BasicEncoding::Raw => s.to_string(),
            };
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
    let step = match what {
        "pushed authorization request" => "par",
        other => other,
    };
    let answer = (net.send(request, step).await).map_err(|e| GrantError::Endpoint(e.into()))?;
    let (status, body) = (answer.status, answer.body);
    if status.is_success() {
        return Ok(body);
    }
    Err(match ProviderError::from_body(&body) {
        Some(said) => GrantError::Refused {
            what,
            error: said.code.unwrap_or_else(|| format!("HTTP {status}")),
            description: said.message,
        },
        None => GrantError::BadResponse(format!("the {what} endpoint answered HTTP {status}")),
    })
}
