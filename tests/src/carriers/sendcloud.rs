//! Sendcloud (preset `sendcloud`), as sendcloud.dev describes it: the v3 auth OpenAPI and its
//! page api/v3/oauth2/token, getting-started/authentication, and the v3 user OpenAPI; research
//! notes: providers/sendcloud.md. The token server is Ory Hydra.
//!
//! - `POST /oauth2/token`: HTTP Basic (`curl -u "$CLIENT_ID:$CLIENT_SECRET"`, i.e. raw) and a form
//!   body `grant_type=client_credentials&scope=api`. A form-encoded Basic or wrong secret: 401
//!   `{"error":"invalid_client","error_description":"Client authentication failed ..."}` (Hydra's
//!   words; Sendcloud shows no error body); a scope other than `api`: 400 `invalid_scope` (Hydra).
//!   Answer: `{"access_token":"ory_at_...","expires_in":N,"scope":"api","token_type":"bearer"}`.
//! - API under `/api/v3`: `Authorization: Bearer` with a valid token, else 401 (body: ours, in
//!   Sendcloud's v3 `errors` list shape). `GET /api/v3/user/auth/metadata` answers
//!   `{"data":{"user_id":...,"integration_id":...}}` (v3 user OpenAPI example).

use std::sync::Arc;

use serde_json::json;

use super::{
    basic_is_raw, fields, hex, is_form, not_found, serve, valid_bearer, Account, Book, Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/oauth2/token";
pub const API_BASE: &str = "/api/v3";
pub const METADATA: &str = "/api/v3/user/auth/metadata";
pub const USER_ID: u64 = 417170;

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| {
        match req.path.as_str() {
            TOKEN => token(req, &a, &b),
            METADATA => {
                if !valid_bearer(req, &b) {
                    return Reply::json(
                        401,
                        json!({"errors": [{"status": "401", "code": "authentication_failed",
                                       "detail": "Invalid or expired access token"}]}),
                    );
                }
                Reply::json(
                    200,
                    json!({"data": {"user_id": USER_ID, "integration_id": 9001}}),
                )
            }
            _ => not_found(req),
        }
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    if req.method != "POST" || !is_form(req) || !basic_is_raw(req, a) {
        return Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}),
        );
    }
    let form = fields(req);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    if form.get("scope").map(String::as_str) != Some("api") {
        return Reply::json(
            400,
            json!({"error": "invalid_scope", "error_description": "The requested scope is invalid, unknown, or malformed."}),
        );
    }
    let token = book.issue(format!("ory_at_{}", hex(24)), a.lifetime);
    Reply::json(
        200,
        json!({"access_token": token, "expires_in": a.lifetime.as_secs(), "scope": "api", "token_type": "bearer"}),
    )
}
