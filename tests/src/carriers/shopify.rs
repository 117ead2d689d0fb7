//! Shopify Admin API (preset `shopify`), as Shopify/shopify-app-js (client-credentials.ts and its
//! test, admin-api-client constants.ts, rest/admin/.../shop.ts) and shopify.dev's client
//! credentials and client secrets pages describe it; research notes: providers/shopify.md.
//! Every URL hangs off the shop: a test gives `--base-url` this emulator's base.
//!
//! - `POST /admin/oauth/access_token`: `{client_id, client_secret, grant_type:
//!   "client_credentials"}` as JSON (the SDK) or as a form (shopify.dev's page shows one): both
//!   are taken, as both are Shopify's. A wrong secret: 400 `{"error":"invalid_client",
//!   "error_description":"Client authentication failed"}` (the SDK test's mock). Answer:
//!   `{"access_token":"shpat_...","scope":"...","expires_in":N}`, no `token_type` (no Shopify
//!   answer has one).
//! - API under `/admin/api/2026-10`: the token in `X-Shopify-Access-Token`, no scheme (SDK
//!   `ACCESS_TOKEN_HEADER`). Anything else — `Authorization: Bearer` included — or an expired
//!   token: 401 `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong
//!   password)"}` (forum and third-party logs, consistent across reports).
//!   `GET /admin/api/2026-10/shop.json` answers `{"shop":{"name":...}}` (shop.ts).

use std::sync::Arc;

use serde_json::json;

use super::{fields, hex, is_form, is_json, not_found, serve, valid_in, Account, Book, Carrier};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/admin/oauth/access_token";
pub const API_BASE: &str = "/admin/api/2026-10";
pub const SHOP: &str = "/admin/api/2026-10/shop.json";
pub const SHOP_NAME: &str = "Waybill Test Outfitters";
pub const REFUSAL: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        p if p.starts_with("/admin/api/2026-10/") => {
            if !valid_in(req, "x-shopify-access-token", &b) {
                return Reply::json(401, json!({"errors": REFUSAL}));
            }
            match p {
                SHOP => Reply::json(
                    200,
                    json!({"shop": {"id": 548380009, "name": SHOP_NAME, "myshopify_domain": "waybill-test.myshopify.com"}}),
                ),
                "/admin/api/2026-10/products/count.json" => Reply::json(200, json!({"count": 7})),
                _ => Reply::json(404, json!({"errors": "Not Found"})),
            }
        }
        _ => not_found(req),
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    let body = fields(req);
    let authenticated = req.method == "POST"
        && (is_json(req) || is_form(req))
        && body.get("client_id") == Some(&a.client_id)
        && body.get("client_secret") == Some(&a.client_secret);
    if !authenticated {
        return Reply::json(
            400,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        );
    }
    if body.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    let token = book.issue(format!("shpat_{}", hex(16)), a.lifetime);
    Reply::json(
        200,
        json!({"access_token": token, "scope": "read_products,write_products", "expires_in": a.lifetime.as_secs()}),
    )
}
