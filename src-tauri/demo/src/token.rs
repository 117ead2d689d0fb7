//! `POST /oauth/token`: client authentication (form, Basic, JSON dialects) and the grants
//! (body parsing is in `params.rs`). Each grant is its own function returning an [`Issued`]
//! set of tokens, so new grants (e.g. `authorization_code`) slot into [`token_endpoint`].

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;

use crate::params::{form_decode, parse_body, Params};
use crate::store::{Grant, Issued};
use crate::{AppState, OAuthError, Shared};

const BASIC_CHALLENGE: &str = "Basic realm=\"waybill-demo\"";

/// The token endpoint handler.
pub(crate) async fn token_endpoint(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    match handle(&state, &headers, &body) {
        Ok(issued) => token_response(issued),
        Err(e) => e.into_response(),
    }
}

fn handle(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Issued, OAuthError> {
    let params = parse_body(headers, body)?;
    let client_id = authenticate_client(state, headers, &params)?;
    let grant_type = params.get("grant_type").ok_or_else(|| {
        OAuthError::invalid_request(
            "Missing grant_type: use client_credentials, password or refresh_token.",
        )
    })?;
    match grant_type.as_str() {
        "client_credentials" => Ok(client_credentials(state, client_id, &params)),
        "password" => password(state, client_id, &params),
        "refresh_token" => refresh_token(state, client_id, &params),
        other => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!(
                "The grant_type \"{}\" is not supported here; use client_credentials, password or refresh_token.",
                other.escape_debug()
            ),
        )),
    }
}

/// 200 with the RFC 6749 5.1 JSON body and `Cache-Control: no-store`.
fn token_response(issued: Issued) -> Response {
    let mut body = serde_json::json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    });
    if let Some(rt) = issued.refresh_token {
        body["refresh_token"] = rt.into();
    }
    if let Some(scope) = issued.scope {
        body["scope"] = scope.into();
    }
    let mut res = (StatusCode::OK, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

// ---------- grants ----------

fn client_credentials(state: &AppState, client_id: String, params: &Params) -> Issued {
    let grant = Grant {
        grant_type: "client_credentials",
        client_id,
        username: None,
        scope: params.get("scope").cloned(),
    };
    state.tokens.issue(grant, false)
}

fn password(state: &AppState, client_id: String, params: &Params) -> Result<Issued, OAuthError> {
    let username = required(params, "username", "the password grant")?;
    let password = required(params, "password", "the password grant")?;
    // Evaluate both comparisons so timing does not tell which one failed.
    let user_ok = ct_eq(username, &state.config.username);
    let pass_ok = ct_eq(password, &state.config.password);
    if !(user_ok & pass_ok) {
        return Err(OAuthError::invalid_grant(
            "The username or password is wrong.",
        ));
    }
    let grant = Grant {
        grant_type: "password",
        client_id,
        username: Some(username.to_owned()),
        scope: params.get("scope").cloned(),
    };
    Ok(state.tokens.issue(grant, true))
}

fn refresh_token(
    state: &AppState,
    client_id: String,
    params: &Params,
) -> Result<Issued, OAuthError> {
    let token = required(params, "refresh_token", "the refresh_token grant")?;
    let mut grant = state.tokens.take_refresh(token).ok_or_else(|| {
        OAuthError::invalid_grant(
            "The refresh token is unknown, expired or already used (refresh tokens are single-use: keep the newest one).",
        )
    })?;
    if grant.client_id != client_id {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    if let Some(requested) = params.get("scope") {
        let granted: Vec<&str> = grant
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if !requested.split_whitespace().all(|s| granted.contains(&s)) {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "A refresh may only narrow the scope originally granted, not widen it.",
            ));
        }
        grant.scope = Some(requested.clone());
    }
    Ok(state.tokens.issue(grant, true))
}

fn required<'a>(params: &'a Params, name: &str, what: &str) -> Result<&'a str, OAuthError> {
    params.get(name).map(String::as_str).ok_or_else(|| {
        OAuthError::invalid_request(format!("Missing parameter {name}, required by {what}."))
    })
}

// ---------- client authentication ----------

/// Checks the client's credentials from HTTP Basic or from the body, and returns its id.
fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<String, OAuthError> {
    let cfg = &state.config;
    if let Some((raw_id, raw_secret)) = basic_credentials(headers)? {
        if params.contains_key("client_secret") {
            return Err(OAuthError::invalid_request(
                "The client authenticated twice (HTTP Basic and client_secret in the body); use one method only.",
            ));
        }
        // RFC 6749 2.3.1: id and secret are form-urlencoded before base64. Accept raw values too.
        let decoded = form_decode(&raw_id).zip(form_decode(&raw_secret));
        let ok_decoded = decoded
            .as_ref()
            .is_some_and(|(i, s)| client_matches(cfg, i, s));
        if ok_decoded || client_matches(cfg, &raw_id, &raw_secret) {
            return Ok(cfg.client_id.clone());
        }
        let id = decoded.map(|(i, _)| i).unwrap_or(raw_id);
        return Err(
            bad_client(cfg, &id, "sent with HTTP Basic").with_www_authenticate(BASIC_CHALLENGE)
        );
    }
    match (params.get("client_id"), params.get("client_secret")) {
        (Some(id), Some(secret)) => {
            if client_matches(cfg, id, secret) {
                Ok(cfg.client_id.clone())
            } else {
                Err(bad_client(cfg, id, "sent in the request body"))
            }
        }
        (Some(_), None) => Err(invalid_client(
            "Client authentication failed: client_id was sent without client_secret. \
             This client is confidential; send the secret in the body or with HTTP Basic.",
        )),
        (None, _) => Err(invalid_client(
            "Client authentication failed: no client credentials. Send client_id and client_secret \
             in the body (form or JSON) or with HTTP Basic.",
        )),
    }
}

fn client_matches(cfg: &crate::DemoConfig, id: &str, secret: &str) -> bool {
    let id_ok = ct_eq(id, &cfg.client_id);
    let secret_ok = ct_eq(secret, &cfg.client_secret);
    id_ok & secret_ok
}

fn invalid_client(description: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

/// The helpful 401: says whether the id or the secret was wrong (this is a demo, not a real provider).
fn bad_client(cfg: &crate::DemoConfig, id: &str, how: &str) -> OAuthError {
    if ct_eq(id, &cfg.client_id) {
        invalid_client(format!(
            "Client authentication failed: wrong client_secret for client \"{id}\" ({how})."
        ))
    } else {
        invalid_client(format!(
            "Client authentication failed: unknown client_id \"{}\" ({how}).",
            id.escape_debug()
        ))
    }
}

/// `Some((id, secret))` (still form-encoded) if an `Authorization: Basic` header was sent;
/// other schemes are ignored. A malformed Basic header is a 401.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        invalid_client(
            "Client authentication failed: the HTTP Basic Authorization header is malformed.",
        )
        .with_www_authenticate(BASIC_CHALLENGE)
    };
    let value = value.to_str().map_err(|_| malformed())?.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let rest = rest.trim();
    let bytes = STANDARD
        .decode(rest)
        .or_else(|_| STANDARD_NO_PAD.decode(rest))
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    Ok(Some((id.to_owned(), secret.to_owned())))
}

/// Compares without stopping at the first differing byte.
fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "ab"));
    }
}
