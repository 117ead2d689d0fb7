//! USPS APIs v3 (preset `usps`), as USPS/api-examples' README.md describes them (OAuth section,
//! Addresses) with its Error Inventory; research notes: providers/usps.md.
//!
//! - `POST /oauth2/v3/token`: a JSON body `{client_id, client_secret, grant_type}` with
//!   `Content-Type: application/json`, the only form USPS documents. A form body: refused 415
//!   `{"error":"invalid_request","error_description":"Content-Type must be application/json"}`
//!   (USPS documents no refusal of a form body and third parties report it works: this emulator
//!   holds Waybill to the documented form; the words are ours). A wrong secret: 401
//!   `{"error":"invalid_client","error_description":"..."}` (the code from issue #27; the shape
//!   assumed). Answer as the README's sample: `issued_at` and `expires_in` strings, `status`,
//!   `issuer`, `application_name`, `api_products`; the token a JWT (issue #33's "not a JWT").
//! - `POST /oauth2/v3/revoke`: as the README shows it, `Authorization: Bearer <access token>`
//!   and a JSON body `{"token": ..., "token_type_hint": ...}`, answered 200; the token named is
//!   revoked. Without a valid bearer: 401 `{"error":"invalid_request","error_description":
//!   "Missing or malformed access token."}` (USPS documents no refusal here: ours).
//! - API: `Authorization: Bearer` with a valid token, else 401 `{"error":{"code":"UNAUTHORIZED",
//!   "message":"Missing or malformed access token."}}` (code: Error Inventory; words: issue #33).
//!   `GET /addresses/v3/city-state?ZIPCode=30022` answers `{"city":"ALPHARETTA",...}` (README).

use std::sync::Arc;

use serde_json::json;

use super::{
    exp_after, fields, is_json, jwt, not_found, now_ms, query_param, serve, uuid, valid_bearer,
    Account, Book, Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/oauth2/v3/token";
pub const CITY_STATE: &str = "/addresses/v3/city-state";
pub const REVOKE: &str = "/oauth2/v3/revoke";
pub const APPLICATION: &str = "waybill-emulated-app";

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        REVOKE => revoke(req, &b),
        CITY_STATE => {
            if !valid_bearer(req, &b) {
                return Reply::json(
                    401,
                    json!({"error": {"code": "UNAUTHORIZED", "message": "Missing or malformed access token."}}),
                );
            }
            match query_param(req, "ZIPCode").as_deref() {
                Some("30022") => Reply::json(200, json!({"city": "ALPHARETTA", "state": "GA", "ZIPCode": "30022"})),
                _ => Reply::json(400, json!({"error": {"code": "400", "message": "OASValidation: ZIPCode"}})),
            }
        }
        _ => not_found(req),
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    if req.method != "POST" || !is_json(req) {
        return Reply::json(
            415,
            json!({"error": "invalid_request", "error_description": "Content-Type must be application/json"}),
        );
    }
    let body = fields(req);
    if body.get("client_id") != Some(&a.client_id)
        || body.get("client_secret") != Some(&a.client_secret)
    {
        return Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "The client application credentials provided in the request are missing, invalid, inactive or not approved for access."}),
        );
    }
    if body.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}));
    }
    let token = jwt(
        "RS256",
        json!({"sub": a.client_id, "iss": "https://keyc.usps.com/realms/USPS", "exp": exp_after(a.lifetime), "jti": uuid()}),
    );
    let token = book.issue(token, a.lifetime);
    Reply::json(
        200,
        json!({
            "access_token": token, "token_type": "Bearer", "issued_at": now_ms().to_string(),
            "expires_in": a.lifetime.as_secs().to_string(), "status": "approved",
            "scope": "addresses service-delivery-standards  locations prices tracking labels",
            "issuer": "https://keyc.usps.com/realms/USPS", "client_id": a.client_id,
            "application_name": APPLICATION, "api_products": "[Public Access]",
            "public_key": "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0=",
        }),
    )
}

fn revoke(req: &Recorded, book: &Book) -> Reply {
    if req.method != "POST" || !valid_bearer(req, book) {
        return Reply::json(
            401,
            json!({"error": "invalid_request", "error_description": "Missing or malformed access token."}),
        );
    }
    let body = fields(req);
    if !is_json(req) || !body.contains_key("token") {
        return Reply::json(
            400,
            json!({"error": "invalid_request", "error_description": "JSON {token, token_type_hint} expected"}),
        );
    }
    book.revoke(&body["token"]);
    Reply::status(200)
}
