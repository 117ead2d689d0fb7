//! Zalando zDirect (preset `zalando`), as developers.merchants.zalando.com describes it
//! (requesting-access-token, auth, using-token, api-overview); research notes:
//! providers/zalando.md.
//!
//! - `POST /auth/token`: HTTP Basic (httpie `-a $CLIENT_ID:$CLIENT_SECRET`, raw) and a form body
//!   `grant_type=client_credentials`; `scope=access_token_only` optional since July 2021 (taken or
//!   not). A form-encoded Basic or wrong secret: 401 `{"error":"invalid_client",...}` (Zalando
//!   shows no error body; RFC 6749's). Answer: a JWT (Keycloak, as the docs' sample token
//!   decodes) whose `exp` matches `expires_in`, `"token_type":"Bearer"`, no refresh token.
//! - API: `Authorization: Bearer` with a valid token, else 401 as RFC 7807 problem JSON (ours).
//!   `GET /auth/me` "returns your Merchant Identifier" (`bpids`: field name reported, unverified).

use std::sync::Arc;

use serde_json::json;

use super::{
    basic_is_raw, exp_after, fields, is_form, jwt, not_found, now_secs, serve, uuid, valid_bearer,
    Account, Book, Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/auth/token";
pub const ME: &str = "/auth/me";

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        ME => {
            if !valid_bearer(req, &b) {
                return Reply::json(
                    401,
                    json!({"type": "about:blank", "title": "Unauthorized", "status": 401,
                           "detail": "Bearer token is missing, invalid or expired"}),
                )
                .header("content-type", "application/problem+json");
            }
            Reply::json(200, json!({"bpids": ["ahzb0f8e-0b1e-4aa1-a6f0-7b2f5d8c9e10"], "client_id": a.client_id}))
        }
        _ => not_found(req),
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    if req.method != "POST" || !is_form(req) || !basic_is_raw(req, a) {
        return Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Invalid client credentials"}),
        );
    }
    let form = fields(req);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    if form.get("scope").is_some_and(|s| s != "access_token_only") {
        return Reply::json(400, json!({"error": "invalid_scope"}));
    }
    let token = jwt(
        "RS256",
        json!({"exp": exp_after(a.lifetime), "iat": now_secs(), "jti": uuid(),
               "iss": "https://identity.merchants.zalando.com/auth/realms/merchant-platform",
               "aud": ["zfs", "orders", "articles", "products"], "typ": "Bearer", "azp": a.client_id}),
    );
    let token = book.issue(token, a.lifetime);
    Reply::json(
        200,
        json!({"access_token": token, "expires_in": a.lifetime.as_secs(), "token_type": "Bearer",
               "refresh_expires_in": 0, "not-before-policy": 0, "scope": ""}),
    )
}
