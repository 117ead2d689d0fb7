//! Browser sign-in: `GET /oauth/authorize` validates the request and shows a sign-in page;
//! `POST /oauth/authorize/decision` (the page's form) approves or denies and redirects back to
//! the app's loopback `redirect_uri` with a token (implicit), a code (authorization code +
//! PKCE) or an error.
//!
//! Rules:
//! - `client_id` and `redirect_uri` are checked before anything else; if either is wrong the
//!   answer is a 400 page and never a redirect (no open redirector). Redirect URIs must be
//!   RFC 8252 7.3 loopback URIs: `http://127.0.0.1`, `http://[::1]` or `http://localhost`,
//!   any port, any path, no fragment, no user info.
//! - All other errors go back to the app as `error` / `error_description` / `state`.
//! - The page's form carries the request's parameters in hidden fields for display and for
//!   scripts, plus a random single-use `request_id` (10 min). The server acts on the
//!   parameters it validated and stored under that id, not on the hidden fields, so a form
//!   cannot be forged by another site (it cannot know the id) nor altered in the browser.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::page::html_escape;
use crate::params::{form_serialize, parse_form, Params};
use crate::store::{random_token, Grant};
use crate::token::is_pkce_value;
use crate::{lock, AppState, Shared};

/// The authorization request parameters this server understands, in page order. Others are
/// ignored (RFC 6749 3.1).
const PARAMS: [&str; 9] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
];

/// How long a shown sign-in page can still be answered.
const PENDING_TTL: Duration = Duration::from_secs(600);
/// At most this many unanswered sign-in pages are remembered (the oldest is forgotten first).
const PENDING_MAX: usize = 1024;

/// Sign-in requests shown but not yet answered, by `request_id`.
#[derive(Default)]
pub(crate) struct Pending(Mutex<HashMap<String, (Instant, Params)>>);

impl Pending {
    fn insert(&self, params: Params) -> String {
        let id = random_token("req_");
        let now = Instant::now();
        let mut map = lock(&self.0);
        map.retain(|_, (at, _)| now.duration_since(*at) < PENDING_TTL);
        if map.len() >= PENDING_MAX {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(id.clone(), (now, params));
        id
    }

    fn take(&self, id: &str) -> Option<Params> {
        let (at, params) = lock(&self.0).remove(id)?;
        (at.elapsed() < PENDING_TTL).then_some(params)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Query,
    Fragment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    Code,
    Token,
}

/// A validated authorization request.
struct AuthRequest<'a> {
    response_type: ResponseType,
    client_id: &'a str,
    redirect_uri: &'a str,
    scope: Option<&'a str>,
    state: Option<&'a str>,
    code_challenge: Option<&'a str>,
    mode: Mode,
}

/// Why a request is refused: before the redirect URI is trusted, a page; after, a redirect.
enum Refusal {
    Page(String),
    Redirect(Box<Response>),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(reason) => error_page(&reason),
            Refusal::Redirect(res) => *res,
        }
    }
}

/// `GET /oauth/authorize`.
pub(crate) async fn authorize(State(state): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = match parse_form(query.as_deref().unwrap_or("").as_bytes()) {
        Ok(p) => p,
        Err(e) => {
            return error_page(&format!(
                "The authorization request's query string is malformed: {}",
                e.description
            ))
        }
    };
    let params: Params = params
        .into_iter()
        .filter(|(k, _)| PARAMS.contains(&k.as_str()))
        .collect();
    let request = match validate(&state, &params) {
        Ok(r) => r,
        Err(refusal) => return refusal.into_response(),
    };
    let request_id = state.pending.insert(params.clone());
    html_response(
        StatusCode::OK,
        sign_in_page(&state, &request, &params, &request_id),
    )
}

/// `POST /oauth/authorize/decision`: `request_id` and `decision=approve|deny` (the buttons).
pub(crate) async fn decision(State(state): State<Shared>, body: Bytes) -> Response {
    let form = match parse_form(&body) {
        Ok(p) => p,
        Err(e) => return error_page(&format!("The sign-in form is malformed: {}", e.description)),
    };
    let approve =
        match form.get("decision").map(String::as_str) {
            Some("approve") => true,
            Some("deny") => false,
            _ => return error_page(
                "The sign-in form must say decision=approve or decision=deny (the two buttons).",
            ),
        };
    let Some(params) = form.get("request_id").and_then(|id| state.pending.take(id)) else {
        return error_page(
            "This sign-in request is unknown, expired (10 minutes) or already answered. \
             Start the sign-in again from the app.",
        );
    };
    let request = match validate(&state, &params) {
        Ok(r) => r,
        Err(refusal) => return refusal.into_response(),
    };
    if !approve {
        return error_redirect(&request, "access_denied", "The user denied the request");
    }
    let cfg = &state.config;
    let grant = Grant {
        grant_type: match request.response_type {
            ResponseType::Token => "implicit",
            ResponseType::Code => "authorization_code",
        },
        client_id: request.client_id.to_owned(),
        username: Some(cfg.username.clone()),
        scope: request.scope.map(str::to_owned),
        family: None,
        // A browser sign-in presents no client certificate.
        cnf_x5t: None,
    };
    match request.response_type {
        ResponseType::Token => {
            let issued = state.tokens.issue(grant, false);
            let expires_in = issued.expires_in.to_string();
            let mut pairs = vec![
                ("access_token", issued.access_token.as_str()),
                ("token_type", "Bearer"),
                ("expires_in", expires_in.as_str()),
            ];
            if let Some(scope) = &issued.scope {
                pairs.push(("scope", scope));
            }
            if let Some(s) = request.state {
                pairs.push(("state", s));
            }
            redirect(request.redirect_uri, request.mode, &pairs)
        }
        ResponseType::Code => {
            let code = state.tokens.issue_code(
                grant,
                request.redirect_uri.to_owned(),
                request.code_challenge.map(str::to_owned),
            );
            let mut pairs = vec![("code", code.as_str())];
            if let Some(s) = request.state {
                pairs.push(("state", s));
            }
            redirect(request.redirect_uri, request.mode, &pairs)
        }
    }
}

/// Checks an authorization request in the order that keeps redirects safe: client, then
/// redirect URI (both answered with a page), then the rest (answered with a redirect).
fn validate<'a>(state: &AppState, p: &'a Params) -> Result<AuthRequest<'a>, Refusal> {
    let cfg = &state.config;
    let get = |k: &str| p.get(k).map(String::as_str);
    let Some(client_id) = get("client_id") else {
        return Err(Refusal::Page(
            "The request has no client_id. Use the public browser client \"demo-browser\".".into(),
        ));
    };
    let public = client_id == cfg.browser_client_id;
    if !public && client_id != cfg.client_id {
        return Err(Refusal::Page(format!(
            "Unknown client_id \"{client_id}\". This demo provider knows \"{}\" (public, for the \
             implicit flow and authorization code + PKCE) and \"{}\" (confidential, authorization \
             code only).",
            cfg.browser_client_id, cfg.client_id
        )));
    }
    let Some(redirect_uri) = get("redirect_uri") else {
        return Err(Refusal::Page(
            "The request has no redirect_uri. Send a loopback redirect URI such as \
             http://127.0.0.1:PORT/callback (RFC 8252)."
                .into(),
        ));
    };
    check_loopback(redirect_uri).map_err(Refusal::Page)?;

    // From here on the redirect URI is trusted: errors go back to the app.
    let raw_type = get("response_type");
    let default_mode = match raw_type {
        Some("token") if !cfg.implicit_in_query => Mode::Fragment,
        _ => Mode::Query,
    };
    let state_param = get("state");
    let refuse = |mode: Mode, error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = state_param {
            pairs.push(("state", s));
        }
        Refusal::Redirect(Box::new(redirect(redirect_uri, mode, &pairs)))
    };
    let mode = match get("response_mode") {
        None => default_mode,
        Some("query") => Mode::Query,
        Some("fragment") => Mode::Fragment,
        Some(_) => {
            return Err(refuse(
                default_mode,
                "invalid_request",
                "Unsupported response_mode: use query or fragment.",
            ))
        }
    };
    let response_type = match raw_type {
        Some("code") => ResponseType::Code,
        Some("token") => ResponseType::Token,
        None => {
            return Err(refuse(
                mode,
                "invalid_request",
                "Missing response_type: use code (with PKCE) or token.",
            ))
        }
        Some(_) => {
            return Err(refuse(
                mode,
                "unsupported_response_type",
                "Only response_type=code and response_type=token are supported.",
            ))
        }
    };
    let code_challenge = get("code_challenge");
    match response_type {
        ResponseType::Token if !public => {
            return Err(refuse(
                mode,
                "unauthorized_client",
                "The confidential client may only use response_type=code; the implicit flow is for the public browser client.",
            ))
        }
        ResponseType::Token => {}
        ResponseType::Code => {
            let method = get("code_challenge_method");
            match (code_challenge, method) {
                (None, None) if !public => {}
                (None, _) if public => {
                    return Err(refuse(
                        mode,
                        "invalid_request",
                        "PKCE is required for public clients: send code_challenge=BASE64URL(SHA256(code_verifier)) and code_challenge_method=S256.",
                    ))
                }
                (None, Some(_)) => {
                    return Err(refuse(
                        mode,
                        "invalid_request",
                        "code_challenge_method was sent without a code_challenge.",
                    ))
                }
                (Some(_), m) if m != Some("S256") => {
                    return Err(refuse(
                        mode,
                        "invalid_request",
                        "code_challenge_method must be S256 (plain is not supported).",
                    ))
                }
                (Some(c), _) if c.len() != 43 || !is_pkce_value(c) => {
                    return Err(refuse(
                        mode,
                        "invalid_request",
                        "The code_challenge must be BASE64URL(SHA256(code_verifier)) without padding: 43 characters.",
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(AuthRequest {
        response_type,
        client_id,
        redirect_uri,
        scope: get("scope").filter(|s| !s.trim().is_empty()),
        state: state_param,
        code_challenge: code_challenge.filter(|_| response_type == ResponseType::Code),
        mode,
    })
}

/// RFC 8252 7.3 loopback redirect URI: `http://` + `127.0.0.1`, `[::1]` or `localhost`, an
/// optional port, then any path and query; printable ASCII only, no fragment, no user info.
/// `Err` says why, for the error page.
fn check_loopback(uri: &str) -> Result<(), String> {
    let allowed = "Allowed are RFC 8252 loopback redirect URIs: http://127.0.0.1:PORT/..., \
                   http://[::1]:PORT/... or http://localhost:PORT/... (any port and path).";
    if !uri.bytes().all(|b| b.is_ascii_graphic()) || uri.contains('\\') {
        return Err(format!(
            "The redirect_uri \"{uri}\" contains spaces, backslashes, control or non-ASCII characters; \
             percent-encode them. {allowed}"
        ));
    }
    let Some(rest) = uri.strip_prefix("http://") else {
        return Err(format!(
            "The redirect_uri \"{uri}\" is not an http:// loopback URI (a loopback redirect uses \
             plain http; https or custom schemes are not accepted here). {allowed}"
        ));
    };
    if uri.contains('#') {
        return Err(format!(
            "The redirect_uri \"{uri}\" has a fragment, which redirect URIs must not have (RFC 6749 3.1.2). {allowed}"
        ));
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(after) => ("[::1]", after),
        None => match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        },
    };
    if !matches!(host, "127.0.0.1" | "[::1]" | "localhost") {
        return Err(format!(
            "The redirect_uri \"{uri}\" does not point at this computer (its host part is \"{authority}\"), \
             so the sign-in will not redirect there. {allowed}"
        ));
    }
    if !port.is_empty() {
        let digits = &port[1..];
        let valid = port.starts_with(':')
            && (1..=5).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits
                .parse::<u32>()
                .is_ok_and(|n| (1..=65535).contains(&n));
        if !valid {
            return Err(format!(
                "The redirect_uri \"{uri}\" has an invalid port \"{port}\" (use :1 to :65535). {allowed}"
            ));
        }
    }
    Ok(())
}

/// 302 to `redirect_uri` with `pairs` form-encoded in the query or the fragment.
fn redirect(redirect_uri: &str, mode: Mode, pairs: &[(&str, &str)]) -> Response {
    let encoded = form_serialize(pairs);
    let location = match mode {
        Mode::Fragment => format!("{redirect_uri}#{encoded}"),
        Mode::Query if redirect_uri.ends_with(['?', '&']) => format!("{redirect_uri}{encoded}"),
        Mode::Query if redirect_uri.contains('?') => format!("{redirect_uri}&{encoded}"),
        Mode::Query => format!("{redirect_uri}?{encoded}"),
    };
    let Ok(location) = HeaderValue::from_str(&location) else {
        // Unreachable: the redirect URI was checked to be printable ASCII and `encoded` is ASCII.
        return error_page("The redirect URI cannot be used in a Location header.");
    };
    let mut res = StatusCode::FOUND.into_response();
    let h = res.headers_mut();
    h.insert(header::LOCATION, location);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

fn error_redirect(request: &AuthRequest<'_>, error: &str, description: &str) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = request.state {
        pairs.push(("state", s));
    }
    redirect(request.redirect_uri, request.mode, &pairs)
}

// ---------- pages ----------

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f3f4f6;\
color:#111827;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}\
main{background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:2rem;max-width:28rem;width:100%}\
h1{font-size:1.25rem;margin:0 0 1rem}p{line-height:1.5}.ask{font-size:1.05rem}\
.muted{color:#6b7280;font-size:.9rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px;word-break:break-all}\
label{display:block;font-size:.9rem;color:#374151;margin:.5rem 0 .25rem}\
input[readonly]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #d1d5db;border-radius:6px;background:#f9fafb}\
.buttons{display:flex;gap:.75rem;margin-top:1.25rem}button{flex:1;padding:.6rem 1rem;border-radius:6px;\
font-size:1rem;cursor:pointer;border:1px solid #d1d5db;background:#fff}\
#approve{background:#2563eb;border-color:#2563eb;color:#fff}.error{border-left:4px solid #dc2626;padding-left:1rem}";

fn sign_in_page(
    state: &AppState,
    r: &AuthRequest<'_>,
    params: &Params,
    request_id: &str,
) -> String {
    let e = html_escape;
    let scopes = match r.scope {
        Some(s) => e(&s.split_whitespace().collect::<Vec<_>>().join(" ")),
        None => "access without a particular scope".into(),
    };
    let what = match r.response_type {
        ResponseType::Token => "an access token, handed straight to the app (implicit flow)",
        ResponseType::Code => {
            "a one-time code the app exchanges for tokens (authorization code with PKCE)"
        }
    };
    let hidden: String = PARAMS
        .iter()
        .filter_map(|k| {
            params
                .get(*k)
                .map(|v| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">\n", e(v)))
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in - Waybill demo provider</title><style>{STYLE}</style></head><body>\n<main>\n\
         <h1>Sign in to the Waybill demo provider</h1>\n\
         <p class=\"ask\">{client} wants: {scopes}</p>\n\
         <p class=\"muted\">It asks for {what}.</p>\n\
         <form method=\"post\" action=\"/oauth/authorize/decision\">\n\
         <label for=\"username\">User</label>\n\
         <input id=\"username\" value=\"{user}\" readonly>\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{rid}\">\n{hidden}\
         <p class=\"muted\">Either way you are sent back to <code>{redirect}</code>.</p>\n\
         <div class=\"buttons\">\
         <button id=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Sign in as {user}</button>\
         <button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </div>\n</form>\n</main></body></html>\n",
        client = e(r.client_id),
        user = e(&state.config.username),
        redirect = e(r.redirect_uri),
        rid = e(request_id),
    )
}

/// The 400 page for requests that cannot safely be redirected (or answered) at all.
fn error_page(reason: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign-in request rejected - Waybill demo provider</title><style>{STYLE}</style></head><body>\n<main>\n\
         <h1>Sign-in request rejected</h1>\n<p class=\"error\">{}</p>\n\
         <p class=\"muted\">You are not sent back to the app: this page only redirects to a checked \
         client and loopback redirect URI. Close this tab and check the app's settings.</p>\n\
         </main></body></html>\n",
        html_escape(reason)
    );
    html_response(StatusCode::BAD_REQUEST, page)
}

/// HTML with headers that keep the page out of caches, frames and referrers and allow no
/// external resources (inline CSS only).
fn html_response(status: StatusCode, page: String) -> Response {
    let mut res = (status, page).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirect_uris() {
        for ok in [
            "http://127.0.0.1/cb",
            "http://127.0.0.1:8080/cb",
            "http://127.0.0.1:65535",
            "http://[::1]:5000/a/b?x=1",
            "http://localhost:49152/callback",
            "http://localhost?x",
        ] {
            assert_eq!(check_loopback(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "http://evil.example/cb",
            "https://127.0.0.1/cb",
            "http://127.0.0.2/cb",
            "HTTP://127.0.0.1/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://127.0.0.1@evil.example/cb",
            "http://evil.example@127.0.0.1/cb",
            "http://127.0.0.1:80@evil.example/",
            "http://127.0.0.1\\@evil.example/",
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:65536/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:8o/cb",
            "http://localhost./cb",
            "http://[::2]:80/cb",
            "http://[::1]x/cb",
            "http://127.0.0.1/cb#frag",
            "http://127.0.0.1/c b",
            "http://127.0.0.1/\u{e9}",
            "//127.0.0.1/cb",
            "javascript:alert(1)",
        ] {
            assert!(check_loopback(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirect_appends_to_an_existing_query() {
        let loc = |uri: &str, mode| {
            redirect(uri, mode, &[("code", "a b"), ("state", "&")]).headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            loc("http://127.0.0.1/cb", Mode::Query),
            "http://127.0.0.1/cb?code=a+b&state=%26"
        );
        assert_eq!(
            loc("http://127.0.0.1/cb?x=1", Mode::Query),
            "http://127.0.0.1/cb?x=1&code=a+b&state=%26"
        );
        assert_eq!(
            loc("http://127.0.0.1/cb?", Mode::Query),
            "http://127.0.0.1/cb?code=a+b&state=%26"
        );
        assert_eq!(
            loc("http://127.0.0.1/cb?x=1", Mode::Fragment),
            "http://127.0.0.1/cb?x=1#code=a+b&state=%26"
        );
    }
}
