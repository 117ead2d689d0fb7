//! DHL Parcel Germany (preset `dhl-parcel-de`), as DHL's "Parcel Germany Account Authorization
//! API" OpenAPI v2.0.5 (pp-account-auth-ropc) describes it; research notes:
//! providers/dhl-parcel-de.md.
//!
//! - `POST /parcel/de/account/auth/ropc/v1/token`: a UTF-8 form body with every field REQUIRED:
//!   `grant_type=password`, `client_id`, `client_secret`, `username` (GKP user), `password` (GKP
//!   password); no HTTP Basic. The spec documents 400/401 only as text ("The client could not be
//!   authenticated ... bad or missing credentials"), so the bodies here are RFC 6749's:
//!   a wrong client 401 `invalid_client`, a wrong user or password 400 `invalid_grant`, another
//!   grant 400 `unsupported_grant_type`. Answer as the spec's example: an opaque token of at most
//!   50 characters, `"token_type":"Bearer"`, `expires_in`, no refresh token.
//! - `GET /parcel/de/account/auth/ropc/v1/hello` ("This allows testing of the token"):
//!   `Authorization: Bearer` with a valid token, else 401 (RFC 7807 body: ours); answers
//!   `accesstoken-info` and `gkp-info` with `gkp_user_name` (the spec's example, without its
//!   legacy `gkp_user`/`gkp_pass` values: an emulator never echoes a password).

use std::sync::Arc;

use serde_json::json;

use super::{fields, hex, is_form, not_found, serve, valid_bearer, Account, Book, Carrier};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/parcel/de/account/auth/ropc/v1/token";
pub const HELLO: &str = "/parcel/de/account/auth/ropc/v1/hello";
pub const API_BASE: &str = "/parcel/de";

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        HELLO => {
            if !valid_bearer(req, &b) {
                return Reply::json(
                    401,
                    json!({"title": "Unauthorized", "status": 401,
                           "detail": "Unauthorized - The client could not be authenticated"}),
                );
            }
            Reply::json(
                200,
                json!({
                    "accesstoken-info": {"expires_in_s": a.lifetime.as_secs(), "name_of_registered_app": "account-auth-app",
                                         "name_of_apiproduct": "pp-account-auth-ropc"},
                    "gkp-info": {"gkp_user_email": format!("{}@example.com", a.username),
                                 "gkp_user_name": a.username, "gkp_ekp": "5018717062"},
                }),
            )
        }
        _ => not_found(req),
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    let form = fields(req);
    if req.method != "POST" || !is_form(req) || req.header("authorization").is_some() {
        return Reply::json(400, json!({"error": "invalid_request"}));
    }
    if form.get("client_id") != Some(&a.client_id)
        || form.get("client_secret") != Some(&a.client_secret)
    {
        return Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "The client could not be authenticated"}),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("password") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    if form.get("username") != Some(&a.username) || form.get("password") != Some(&a.password) {
        return Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": "Invalid user credentials"}),
        );
    }
    let token = book.issue(format!("dhl{}", hex(18)), a.lifetime);
    Reply::json(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": a.lifetime.as_secs()}),
    )
}
