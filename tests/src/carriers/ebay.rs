//! eBay REST APIs (preset `ebay`), as developer.ebay.com's client credentials grant, its quick
//! reference and error codes, and eBay/ebay-oauth-python-client (util.py, model.py) describe
//! them; research notes: providers/ebay.md.
//!
//! - `POST /identity/v1/oauth2/token`: HTTP Basic, "Base64-encoded OAuth credentials
//!   (<client_id>:<client_secret>)", raw as the SDK encodes it; a form body with
//!   `grant_type=client_credentials` and `scope` a space-separated list of scope URLs. A
//!   form-encoded Basic or wrong secret: 401 `{"error":"invalid_client","error_description":
//!   "client authentication failed"}` (the shape the SDK reads; words unverified); no scope or one
//!   that is not a scope URL: 400 `invalid_scope` (ours). Answer: `{"access_token":"v^1.1#i^1...",
//!   "expires_in":N,"token_type":"Application Access Token"}` (the quick reference's type).
//! - API: `Authorization: Bearer` — another scheme is 400 errorId 1003 "Token type in the
//!   Authorization header is invalid: <scheme>", none is 400 errorId 1002 "Missing access token",
//!   an unknown or expired token 401 errorId 1001 "Invalid access token" (eBay's error codes;
//!   1001's words unverified), each as `{"errors":[{"errorId":...,"domain":"OAuth","category":
//!   "REQUEST","message":...,"longMessage":...}]}`. `GET /buy/browse/v1/item_summary/search`
//!   answers a search result (eBay has no identity call for an application token: no [check]).

use std::sync::Arc;

use serde_json::json;

use super::{basic_is_raw, fields, hex, is_form, not_found, serve, Account, Book, Carrier};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/identity/v1/oauth2/token";
pub const SEARCH: &str = "/buy/browse/v1/item_summary/search";
pub const SCOPE: &str = "https://api.ebay.com/oauth/api_scope";

fn oauth_error(status: u16, id: u32, message: &str, long: &str) -> Reply {
    Reply::json(
        status,
        json!({"errors": [{"errorId": id, "domain": "OAuth", "category": "REQUEST",
                           "message": message, "longMessage": long}]}),
    )
}

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        SEARCH => {
            let header = req.header("authorization").unwrap_or("");
            let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
            if header.is_empty() {
                return oauth_error(400, 1002, "Missing access token",
                    "Access token is missing in the Authorization HTTP request header.");
            }
            if scheme != "Bearer" {
                return oauth_error(400, 1003, &format!("Token type in the Authorization header is invalid: {scheme}"),
                    "Token type in the Authorization header is invalid.");
            }
            if !b.is_valid(token) {
                return oauth_error(401, 1001, "Invalid access token",
                    "Invalid access token. Check the value of the Authorization HTTP request header.");
            }
            Reply::json(200, json!({"total": 1, "itemSummaries": [{"itemId": "v1|110000000|0", "title": "Drone"}]}))
        }
        _ => not_found(req),
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    if req.method != "POST" || !is_form(req) || !basic_is_raw(req, a) {
        return Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        );
    }
    let form = fields(req);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    let scopes = form.get("scope").map(String::as_str).unwrap_or("");
    if scopes.is_empty()
        || !scopes
            .split(' ')
            .all(|s| s.starts_with("https://api.ebay.com/oauth/api_scope"))
    {
        return Reply::json(
            400,
            json!({"error": "invalid_scope", "error_description": "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client"}),
        );
    }
    let token = book.issue(
        format!("v^1.1#i^1#p^1#r^0#I^3#f^0#t^H4sI{}", hex(20)),
        a.lifetime,
    );
    Reply::json(
        200,
        json!({"access_token": token, "expires_in": a.lifetime.as_secs(), "token_type": "Application Access Token"}),
    )
}
