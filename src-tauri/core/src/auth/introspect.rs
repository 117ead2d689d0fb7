//! What the provider says about a token: introspection (RFC 7662), asked as the profile's client,
//! and OpenID Connect userinfo, asked with the token (as an API call). For the inspector's "check at provider":
//! the token never comes back out, only what the provider says about it.

use serde_json::{Map, Value};

use reqwest::header::AUTHORIZATION;

use crate::auth::assertion::ClientCredentials;
use crate::auth::client_request;
use crate::auth::dialect::EndpointError;
use crate::auth::dpop::{self, Dpop};
use crate::auth::grant::GrantError;
use crate::auth::jwt;
use crate::net::Net;
use crate::profile::Profile;
use crate::secret::AccessToken;

/// The introspection answer (`active`, `scope`, `client_id`, `sub`, `exp`, ...). An inactive
/// token is an answer, not an error.
pub async fn introspect(
    net: &Net,
    profile: &Profile,
    url: &str,
    credentials: &ClientCredentials,
    token: &str,
) -> Result<Map<String, Value>, GrantError> {
    let fields = [("token", token), ("token_type_hint", "access_token")];
    let body =
        client_request::post(net, profile, url, credentials, &fields, "introspection").await?;
    let answer = json_object(&body).ok_or_else(|| {
        GrantError::BadResponse("the introspection answer is not a JSON object".into())
    })?;
    if !answer.get("active").is_some_and(Value::is_boolean) {
        return Err(GrantError::BadResponse(
            "the introspection answer has no `active` (RFC 7662)".into(),
        ));
    }
    Ok(without(answer, token))
}

/// Ask the userinfo endpoint with the token, as OpenID Connect says: `Authorization: Bearer`, or
/// `DPoP` with a fresh proof for a DPoP-bound token (once more with the server's nonce when it
/// asks for one, RFC 9449 §9).
pub async fn ask_userinfo(
    net: &Net,
    url: &str,
    token: &AccessToken,
    dpop: Option<&Dpop>,
) -> Result<Map<String, Value>, GrantError> {
    let net_error = |e| GrantError::Endpoint(EndpointError::Net(e));
    let scheme = if dpop.is_some() { "DPoP" } else { "Bearer" };
    let mut retried = false;
    loop {
        let mut request = net
            .following
            .get(url)
            .header(AUTHORIZATION, format!("{scheme} {}", token.expose()));
        if let Some(dpop) = dpop {
            let proof = dpop
                .proof("GET", url, Some(token.expose()), chrono::Utc::now())
                .map_err(|e| GrantError::BadResponse(e.to_string()))?;
            request = request.header(dpop::HEADER, proof);
        }
        let answer = net.send(request, "userinfo").await.map_err(net_error)?;
        let status = answer.status.as_u16();
        let fresh = dpop.is_some_and(|d| d.remember_nonce(url, answer.header(dpop::NONCE_HEADER)));
        if status == 401 && fresh && !retried {
            retried = true;
            continue;
        }
        return userinfo(status, &answer.body, token.expose());
    }
}

/// The user's claims from the userinfo endpoint's answer (JSON, or a JWT whose claims are
/// shown).
fn userinfo(status: u16, body: &[u8], token: &str) -> Result<Map<String, Value>, GrantError> {
    if !(200..300).contains(&status) {
        return Err(
            match crate::net::provider_error::ProviderError::from_body(body) {
                Some(said) => GrantError::Refused {
                    what: "userinfo request",
                    error: said.code.unwrap_or_else(|| format!("HTTP {status}")),
                    description: said.message,
                },
                None => {
                    GrantError::BadResponse(format!("the userinfo endpoint answered HTTP {status}"))
                }
            },
        );
    }
    let claims = json_object(body).or_else(|| {
        let text = std::str::from_utf8(body).ok()?.trim();
        jwt::decode(text)?.claims.as_object().cloned()
    });
    claims.map(|c| without(c, token)).ok_or_else(|| {
        GrantError::BadResponse("the userinfo answer is neither JSON nor a JWT".into())
    })
}

fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A provider that echoes the token back does not get it shown.
fn without(mut answer: Map<String, Value>, token: &str) -> Map<String, Value> {
    answer.retain(|_, v| !v.as_str().is_some_and(|s| s.contains(token)));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echoed_token_is_dropped_from_the_answer() {
        let answer = json_object(br#"{"active":true,"token":"tok-123456","sub":"u1"}"#).unwrap();
        let shown = without(answer, "tok-123456");
        assert_eq!(
            Value::Object(shown),
            serde_json::json!({"active": true, "sub": "u1"})
        );
    }
}
