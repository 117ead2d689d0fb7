//! Implicit grant (RFC 6749 4.2): the token arrives in the redirect itself, in the fragment (the
//! RFC) or the query (as Parcel2Go documents it). There is no refresh token: when it expires, the
//! user signs in again.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{finish, GrantError, Response};
use crate::auth::dialect::fix_token_fields;
use crate::auth::loopback::Redirect;
use crate::auth::token::TokenSet;

/// The token carried by an accepted redirect (`state` already checked by the listener). When a
/// `nonce` was sent, an `id_token` that came back must carry it (OpenID Connect, implicit flow).
pub fn token_from_redirect(
    redirect: &Redirect,
    expected_nonce: Option<&str>,
    now: DateTime<Utc>,
) -> Result<TokenSet, GrantError> {
    let mut fields: Map<String, Value> = redirect
        .params
        .iter()
        .filter(|(name, _)| name != "state")
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    fix_token_fields(&mut fields);
    if let (Some(nonce), Some(Value::String(id_token))) = (expected_nonce, fields.get("id_token")) {
        check_nonce(id_token, nonce)?;
    }
    let response: Response = serde_json::from_value(Value::Object(fields)).map_err(|_| {
        GrantError::BadResponse("the redirect carried no usable access_token".into())
    })?;
    finish(Ok(response), now)
}

fn check_nonce(id_token: &str, expected: &str) -> Result<(), GrantError> {
    #[derive(serde::Deserialize)]
    struct Claims {
        nonce: Option<String>,
    }
    let claims: Claims = jsonwebtoken::dangerous::insecure_decode_claims(id_token)
        .map_err(|_| GrantError::BadResponse("the id_token is not a readable JWT".into()))?;
    if claims.nonce.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(GrantError::BadResponse(
            "the id_token's nonce does not match this sign-in (a replayed response?)".into(),
        ))
    }
}
