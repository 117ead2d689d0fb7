//! Amazon Selling Partner API (preset `amazon-sp-api`): Login with Amazon tokens and the Sellers
//! API, as amzn/selling-partner-api-models describes them (LWAClient.java / .cs, LwaRequest.py,
//! LwaAuthClient.mjs, LWAAuthorizationSigner.java, LWAExceptionErrorCode.java, sellers.json) and
//! developer.amazon.com's LWA access-token page; research notes: providers/amazon-sp-api.md. One
//! emulator stands for both hosts (api.amazon.com and sellingpartnerapi-*.amazon.com).
//!
//! - `POST /auth/o2/token`: `grant_type=refresh_token`, `refresh_token`, `client_id`,
//!   `client_secret` as JSON (Java and C# SDKs) or as a form (Python and JavaScript SDKs): both
//!   taken. A wrong client: 401 `{"error":"invalid_client","error_description":"Client
//!   authentication failed"}` (LWA's codes; words commonly seen); an unknown refresh token: 400
//!   `invalid_grant` (LWA's code; words ours). Answer: `{"access_token":"Atza|...","token_type":
//!   "bearer","expires_in":N,"refresh_token":"Atzr|..."}` (the LWA page's example); the refresh
//!   token is not rotated (SP-API's are reused).
//! - API: the token in `x-amz-access-token` (LWAAuthorizationSigner). Anything else — no token,
//!   `Authorization: Bearer`, an expired one — is **403**, not 401 (sellers.json: "403 can be
//!   caused for reasons like Access Denied, Unauthorized, Expired Token"), with
//!   `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.",
//!   "details":""}]}`. `GET /sellers/v1/marketplaceParticipations` answers sellers.json's example
//!   (`payload[0].storeName`).

use std::sync::Arc;

use serde_json::json;

use super::{fields, hex, is_form, is_json, not_found, serve, valid_in, Account, Book, Carrier};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/auth/o2/token";
pub const PARTICIPATIONS: &str = "/sellers/v1/marketplaceParticipations";
pub const STORE: &str = "BestSellerStore";

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        PARTICIPATIONS => {
            if !valid_in(req, "x-amz-access-token", &b) {
                return Reply::json(
                    403,
                    json!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}]}),
                );
            }
            Reply::json(
                200,
                json!({"payload": [{
                    "marketplace": {"id": "ATVPDKIKX0DER", "countryCode": "US", "name": "Amazon.com",
                                    "defaultCurrencyCode": "USD", "defaultLanguageCode": "en_US", "domainName": "www.amazon.com"},
                    "storeName": STORE,
                    "participation": {"isParticipating": true, "hasSuspendedListings": false}}]}),
            )
        }
        _ => not_found(req),
    })
    .await
}

/// A refresh token as a seller's self-authorization hands it out.
pub fn authorize(carrier: &Carrier) -> String {
    carrier.book.add_refresh(format!("Atzr|IwEB{}", hex(24)))
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    let body = fields(req);
    let authenticated = req.method == "POST"
        && (is_json(req) || is_form(req))
        && body.get("client_id") == Some(&a.client_id)
        && body.get("client_secret") == Some(&a.client_secret);
    if !authenticated {
        return Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        );
    }
    if body.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    let refresh = body.get("refresh_token").cloned().unwrap_or_default();
    if !book.use_refresh(&refresh, false) {
        return Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"}),
        );
    }
    let token = book.issue(format!("Atza|IwEB{}", hex(24)), a.lifetime);
    Reply::json(
        200,
        json!({"access_token": token, "token_type": "bearer", "expires_in": a.lifetime.as_secs(), "refresh_token": refresh}),
    )
}
