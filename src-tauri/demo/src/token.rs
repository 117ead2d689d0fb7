//! `POST /oauth/token`: client authentication (form, Basic, JSON dialects; none for the
//! public browser client) and the grants (body parsing is in `params.rs`). Each grant is its
//! own function returning an [`Issued`] set of tokens. Also `POST /oauth/revoke` (RFC 7009),
//! which authenticates clients the same way.
//!
//! Over mutual TLS the confidential client may authenticate by its certificate alone (RFC 8705
//! `tls_client_auth`); the tokens it then gets are bound to that certificate (`cnf_x5t`).

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::params::{form_decode, parse_body, Params};
use crate::store::{CodeError, Grant, Issued, RevokeError};
use crate::tls::ClientCert;
use crate::{AppState, OAuthError, Shared};

const BASIC_CHALLENGE: &str = "Basic realm=\"waybill-demo\"";

/// The token endpoint handler.
pub(crate) async fn token_endpoint(
    State(state): State<Shared>,
    cert: ClientCert,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    match handle(&state, &cert, &headers, &body) {
        Ok(issued) => token_response(issued),
        Err(e) => e.into_response(),
    }
}

fn handle(
    state: &AppState,
    cert: &ClientCert,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Issued, OAuthError> {
    let params = parse_body(headers, body)?;
    let client = authenticate_client(state, cert, headers, &params)?;
    let client_id = client.id.as_str();
    let grant_type = params.get("grant_type").ok_or_else(|| {
        OAuthError::invalid_request(
            "Missing grant_type: use client_credentials, password, authorization_code or refresh_token.",
        )
    })?;
    let public = is_public(state, client_id);
    match grant_type.as_str() {
        "client_credentials" | "password" if public => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!(
                "\"{client_id}\" is a public client (no secret): it may only use authorization_code \
                 (with PKCE) and refresh_token. Use the confidential client for {grant_type}."
            ),
        )),
        "client_credentials" => Ok(client_credentials(state, &client, &params)),
        "password" => password(state, &client, &params),
        "authorization_code" => authorization_code(state, &client, &params),
        "refresh_token" => refresh_token(state, &client, &params),
        other => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!(
                "The grant_type \"{}\" is not supported here; use client_credentials, password, \
                 authorization_code or refresh_token.",
                other.escape_debug()
            ),
        )),
    }
}

/// The browser client has no secret: its requests carry only `client_id`.
fn is_public(state: &AppState, client_id: &str) -> bool {
    client_id == state.config.browser_client_id && client_id != state.config.client_id
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

fn client_credentials(state: &AppState, client: &Client, params: &Params) -> Issued {
    let grant = Grant {
        grant_type: "client_credentials",
        client_id: client.id.clone(),
        username: None,
        scope: params.get("scope").cloned(),
        family: None,
        cnf_x5t: client.binding(),
    };
    state.tokens.issue(grant, false)
}

fn password(state: &AppState, client: &Client, params: &Params) -> Result<Issued, OAuthError> {
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
        client_id: client.id.clone(),
        username: Some(username.to_owned()),
        scope: params.get("scope").cloned(),
        family: None,
        cnf_x5t: client.binding(),
    };
    Ok(state.tokens.issue(grant, true))
}

/// RFC 6749 4.1.3 with RFC 7636 (PKCE S256): the code is single-use and bound to the client,
/// the exact `redirect_uri` and the `code_challenge` of the authorization request.
fn authorization_code(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Issued, OAuthError> {
    let code = required(params, "code", "the authorization_code grant")?;
    let redirect_uri = required(params, "redirect_uri", "the authorization_code grant")?;
    let bound = state.tokens.take_code(code).map_err(|e| match e {
        CodeError::Unknown => OAuthError::invalid_grant(
            "The authorization code is unknown or expired (codes are valid for 60 s); sign in again.",
        ),
        CodeError::Used => OAuthError::invalid_grant(
            "The authorization code was already used; codes are single-use, and the tokens issued \
             from it have been revoked. Sign in again.",
        ),
    })?;
    if bound.grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if redirect_uri != bound.redirect_uri {
        return Err(OAuthError::invalid_grant(
            "The redirect_uri does not match the one of the authorization request.",
        ));
    }
    match (&bound.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            if !pkce_s256_matches(verifier, challenge) {
                return Err(OAuthError::invalid_grant(
                    "PKCE verification failed: BASE64URL(SHA256(code_verifier)) does not match the code_challenge.",
                ));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "Missing code_verifier: this code was issued with a PKCE code_challenge.",
            ))
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "A code_verifier was sent, but the authorization request had no code_challenge.",
            ))
        }
        (None, None) => {}
    }
    let mut grant = bound.grant;
    grant.cnf_x5t = client.binding();
    Ok(state.tokens.issue(grant, true))
}

/// RFC 7636 4.6, S256: `BASE64URL-NO-PAD(SHA256(ASCII(code_verifier))) == code_challenge`,
/// with the verifier 43..=128 unreserved characters.
pub(crate) fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    if !is_pkce_value(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    ct_eq(&computed, challenge)
}

/// RFC 7636 4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
pub(crate) fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn refresh_token(state: &AppState, client: &Client, params: &Params) -> Result<Issued, OAuthError> {
    let token = required(params, "refresh_token", "the refresh_token grant")?;
    let mut grant = state.tokens.take_refresh(token).ok_or_else(|| {
        OAuthError::invalid_grant(
            "The refresh token is unknown, expired or already used (refresh tokens are single-use: keep the newest one).",
        )
    })?;
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    // RFC 8705 4: a refresh token issued over mutual TLS works only with the same certificate,
    // and the tokens it yields stay bound to it.
    if let Some(bound) = &grant.cnf_x5t {
        if !client.presented.as_deref().is_some_and(|t| ct_eq(t, bound)) {
            return Err(OAuthError::invalid_grant(
                "The refresh token is bound to a client certificate that this request did not \
                 present; refresh over mutual TLS with the certificate it was issued to.",
            ));
        }
    } else {
        grant.cnf_x5t = client.binding();
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

/// An authenticated client, and the certificate its connection presented.
struct Client {
    id: String,
    /// Authenticated by that certificate (`tls_client_auth`) rather than by a secret or none.
    by_cert: bool,
    /// `x5t#S256` of the connection's verified client certificate, if any.
    presented: Option<String>,
}

impl Client {
    fn new(id: String, cert: &ClientCert) -> Self {
        Client {
            id,
            by_cert: false,
            presented: cert.thumbprint(),
        }
    }

    /// The thumbprint new tokens are bound to: only a client that authenticated by its
    /// certificate gets certificate-bound tokens.
    fn binding(&self) -> Option<String> {
        self.presented.clone().filter(|_| self.by_cert)
    }
}

/// Checks the client's credentials from HTTP Basic or from the body, and returns who it is.
/// The public browser client authenticates with `none`: its `client_id` alone (an empty
/// secret, as some libraries send, is accepted too). Over mutual TLS the confidential client
/// may send its `client_id` alone: its certificate authenticates it (RFC 8705 2.1; the demo
/// accepts any certificate from the client CA, whatever its subject).
fn authenticate_client(
    state: &AppState,
    cert: &ClientCert,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Client, OAuthError> {
    let client = |id: &str| Client::new(id.to_owned(), cert);
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
            return Ok(client(&cfg.client_id));
        }
        let public_id = decoded
            .as_ref()
            .map_or(raw_id.as_str(), |(i, _)| i.as_str());
        if is_public(state, public_id) && raw_secret.is_empty() {
            return Ok(client(&cfg.browser_client_id));
        }
        let id = decoded.map(|(i, _)| i).unwrap_or(raw_id);
        return Err(
            bad_client(cfg, &id, "sent with HTTP Basic").with_www_authenticate(BASIC_CHALLENGE)
        );
    }
    match (params.get("client_id"), params.get("client_secret")) {
        (Some(id), secret) if is_public(state, id) => match secret {
            None => Ok(client(id)),
            Some(s) if s.is_empty() => Ok(client(id)),
            Some(_) => Err(invalid_client(format!(
                "Client authentication failed: \"{id}\" is a public client and has no secret; \
                 send its client_id alone."
            ))),
        },
        (Some(id), Some(secret)) => {
            if client_matches(cfg, id, secret) {
                Ok(client(&cfg.client_id))
            } else {
                Err(bad_client(cfg, id, "sent in the request body"))
            }
        }
        (Some(id), None) if cert.0.is_some() => {
            if ct_eq(id, &cfg.client_id) {
                Ok(Client {
                    by_cert: true,
                    ..client(&cfg.client_id)
                })
            } else {
                Err(bad_client(cfg, id, "with a TLS client certificate"))
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
    if id == cfg.browser_client_id && id != cfg.client_id {
        invalid_client(format!(
            "Client authentication failed: \"{id}\" is a public client and has no secret ({how}); \
             send its client_id alone."
        ))
    } else if ct_eq(id, &cfg.client_id) {
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

// ---------- revocation ----------

/// `POST /oauth/revoke` (RFC 7009): authenticates the client like the token endpoint, then
/// revokes the access or refresh token in `token`. 200 with an empty body, also for unknown
/// tokens (2.2: "invalid tokens do not cause an error response").
pub(crate) async fn revoke_endpoint(
    State(state): State<Shared>,
    cert: ClientCert,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match revoke(&state, &cert, &headers, &body) {
        Ok(()) => {
            let mut res = StatusCode::OK.into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}

fn revoke(
    state: &AppState,
    cert: &ClientCert,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), OAuthError> {
    let params = parse_body(headers, body)?;
    let client_id = authenticate_client(state, cert, headers, &params)?.id;
    let token = required(&params, "token", "revocation")?;
    // token_type_hint (access_token / refresh_token / anything else) is only a hint (2.1):
    // both kinds are looked up whatever it says.
    state
        .tokens
        .revoke(token, &client_id)
        .map_err(|RevokeError::OtherClient| {
            OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                "The token was issued to another client; a client may only revoke its own tokens.",
            )
        })
}

/// Compares without stopping at the first differing byte.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_s256_matches("short", "x"));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(is_pkce_value(&"a~._-".repeat(9)));
    }

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "ab"));
    }
}
