//! Etsy Open API v3 (preset `etsy`), as developers.etsy.com describes it (essentials/
//! authentication, essentials/requests, the documentation's intro) with the authorize URL of
//! Etsy's OpenAPI (as copied in api-evangelist/etsy); research notes: providers/etsy.md. One
//! emulator stands for www.etsy.com (the consent page) and api.etsy.com.
//!
//! - `GET /oauth/connect`: authorization code with PKCE, which Etsy requires: `response_type=code`,
//!   `client_id` (the keystring), `redirect_uri`, `scope`, `state`, `code_challenge` and
//!   `code_challenge_method=S256`; without PKCE, or for another client: an error page (400,
//!   ours). Otherwise a consent page whose `#approve` link goes back to `redirect_uri` with
//!   `code` and `state` (headless Chromium clicks it, as a person would).
//! - `POST /v3/public/oauth/token`: a form body; `grant_type=authorization_code` with `client_id`,
//!   `redirect_uri` (the one authorized), `code` (once) and `code_verifier` (its S256 must be the
//!   challenge); `grant_type=refresh_token` with `client_id` and `refresh_token`, which rotates
//!   (a third-party report; unverified). A public client: a client secret in the body or an
//!   `Authorization` header is refused (`invalid_request`, ours: the shared secret belongs in
//!   x-api-key only). Errors are RFC 6749's (`invalid_grant`, ...; Etsy's bodies unverified).
//!   Answer: `{"access_token":"<user id>.<token>","token_type":"Bearer","expires_in":N,
//!   "refresh_token":"<user id>.<token>"}` (the sample quoted on Stack Overflow).
//! - API under `/v3`: `x-api-key: <keystring>:<shared secret>` on every request ("Your Etsy App
//!   API Key keystring and shared secret, separated by a colon") and `Authorization: Bearer` with
//!   a valid token; else 403 `{"error":"Invalid API key"}` / 401 `{"error":"invalid_token"}`
//!   (shapes ours). `GET /v3/application/users/me` answers `{"user_id":...,"shop_id":...}`
//!   (the Self schema).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::{
    fields, hex, is_form, not_found, query_param, serve, valid_bearer, Account, Book, Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const AUTHORIZE: &str = "/oauth/connect";
pub const TOKEN: &str = "/v3/public/oauth/token";
pub const API_BASE: &str = "/v3";
pub const ME: &str = "/v3/application/users/me";
pub const USER_ID: u64 = 12345678;
pub const SHOP_ID: u64 = 87654321;

/// A code handed to the browser: the PKCE challenge and redirect URI it was asked with.
struct Grant {
    challenge: String,
    redirect_uri: String,
}

fn page(status: u16, text: &str) -> Reply {
    Reply::html(
        status,
        format!("<!DOCTYPE html><html><head><title>Etsy</title></head><body>{text}</body></html>"),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let codes: Arc<Mutex<BTreeMap<String, Grant>>> = Arc::default();
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        AUTHORIZE => authorize(req, &a, &codes),
        TOKEN => token(req, &a, &b, &codes),
        p if p.starts_with("/v3/application/") => {
            if req.header("x-api-key") != Some(format!("{}:{}", a.client_id, a.api_key).as_str()) {
                return Reply::json(403, json!({"error": "Invalid API key: x-api-key must be 'keystring:shared_secret'"}));
            }
            if !valid_bearer(req, &b) {
                return Reply::json(401, json!({"error": "invalid_token", "error_description": "access token is not valid"}));
            }
            match p {
                ME => Reply::json(200, json!({"user_id": USER_ID, "shop_id": SHOP_ID})),
                _ => Reply::json(404, json!({"error": "Resource not found"})),
            }
        }
        _ => not_found(req),
    })
    .await
}

fn authorize(req: &Recorded, a: &Account, codes: &Mutex<BTreeMap<String, Grant>>) -> Reply {
    let q = |name| query_param(req, name).unwrap_or_default();
    let (redirect_uri, state, challenge) = (q("redirect_uri"), q("state"), q("code_challenge"));
    if q("response_type") != "code" || q("client_id") != a.client_id {
        return page(400, "Invalid client or response_type");
    }
    if challenge.len() != 43 || q("code_challenge_method") != "S256" {
        return page(
            400,
            "PKCE is required: code_challenge with code_challenge_method=S256",
        );
    }
    if !q("scope").split(' ').any(|s| s == "shops_r") || state.is_empty() || redirect_uri.is_empty()
    {
        return page(400, "Missing scope, state or redirect_uri");
    }
    let code = hex(16);
    codes.lock().unwrap_or_else(|e| e.into_inner()).insert(
        code.clone(),
        Grant {
            challenge,
            redirect_uri: redirect_uri.clone(),
        },
    );
    let back = url::Url::parse_with_params(
        &redirect_uri,
        [("code", code.as_str()), ("state", state.as_str())],
    )
    .map(|u| u.to_string())
    .unwrap_or_default();
    page(
        200,
        &format!("<p>Waybill test app would like to read your shop.</p><a id=\"approve\" href=\"{}\">Grant access</a>", escape(&back)),
    )
}

fn answer(a: &Account, book: &Book) -> Reply {
    let token = book.issue(format!("{USER_ID}.{}", hex(24)), a.lifetime);
    let refresh = book.add_refresh(format!("{USER_ID}.{}", hex(24)));
    Reply::json(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": a.lifetime.as_secs(), "refresh_token": refresh}),
    )
}

fn token(
    req: &Recorded,
    a: &Account,
    book: &Book,
    codes: &Mutex<BTreeMap<String, Grant>>,
) -> Reply {
    let form = fields(req);
    if req.method != "POST" || !is_form(req) {
        return Reply::json(
            400,
            json!({"error": "invalid_request", "error_description": "POST a form body"}),
        );
    }
    if form.contains_key("client_secret") || req.header("authorization").is_some() {
        return Reply::json(
            400,
            json!({"error": "invalid_request", "error_description": "a public client sends no secret"}),
        );
    }
    if form.get("client_id") != Some(&a.client_id) {
        return Reply::json(401, json!({"error": "invalid_client"}));
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match get("grant_type").as_str() {
        "authorization_code" => {
            let grant = codes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&get("code"));
            let Some(grant) = grant else {
                return Reply::json(
                    400,
                    json!({"error": "invalid_grant", "error_description": "code is unknown or used"}),
                );
            };
            let verified = waybill_demo::pki::sha256_thumbprint(get("code_verifier").as_bytes())
                == grant.challenge;
            if !verified || get("redirect_uri") != grant.redirect_uri {
                return Reply::json(
                    400,
                    json!({"error": "invalid_grant", "error_description": "code_verifier or redirect_uri does not match"}),
                );
            }
            answer(a, book)
        }
        "refresh_token" => match book.use_refresh(&get("refresh_token"), true) {
            true => answer(a, book),
            false => Reply::json(
                400,
                json!({"error": "invalid_grant", "error_description": "refresh token is invalid"}),
            ),
        },
        _ => Reply::json(400, json!({"error": "unsupported_grant_type"})),
    }
}
