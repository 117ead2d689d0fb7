//! What the provider says about a token: introspection (RFC 7662), asked as the profile's client,
//! and OpenID Connect userinfo, asked with the token (as an API call). For the inspector's "check at provider":
//! the token never comes back out, only what the provider says about it.

use serde_json::{Map, Value};

use crate::auth::assertion::ClientCredentials;
use crate::auth::client_request;
use crate::auth::grant::GrantError;
use crate::auth::jwt;
use crate::http::net::Net;
use crate::profile::Profile;

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

/// The user's claims from the userinfo endpoint's answer (JSON, or a JWT whose claims are
/// shown). The request is an API call with the token (`http::request::execute`: a DPoP-bound
/// token goes with its proof).
pub fn userinfo(status: u16, body: &[u8], token: &str) -> Result<Map<String, Value>, GrantError> {
    if !(200..300).contains(&status) {
        return Err(
            match crate::http::provider_error::ProviderError::from_body(body) {
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
