//! Walmart Marketplace US (preset `walmart`), as developer.walmart.com describes it: get-an-access-
//! token, the token API reference (required headers), retrieve-your-api-access_token (Basic),
//! retrieve-access-token-details, error-codes, and Walmart's auth OpenAPI (servers, JSON and XML
//! answers); research notes: providers/walmart.md.
//!
//! - `POST /v3/token`: HTTP Basic raw (Walmart's own snippet `base64.b64encode("<client-ID>:
//!   <client-secret>")`), a form body `grant_type=client_credentials`, and the headers the
//!   reference marks required: `WM_SVC.NAME` and `WM_QOS.CORRELATION_ID` ("a random generated
//!   GUID"). A missing one: 400 `MISSING_REQUEST_HEADER`, a correlation id that is no GUID: 400
//!   `INVALID_REQUEST_HEADER` (codes from error-codes); a form-encoded Basic or wrong secret: 401
//!   `UNAUTHORIZED` (its body unverified), all as `{"errors":[{"code":...,"field":...,"message":
//!   ...,"category":"DATA","severity":"ERROR"}]}`. Without `Accept: application/json` the answer
//!   is XML (`<OAuthTokenDTO>...`, the OpenAPI's other content type); with it, `{"access_token":
//!   <JWE-shaped>, "token_type":"Bearer","expires_in":N}`.
//! - API: the token in `WM_SEC.ACCESS_TOKEN` ("on every Marketplace API call"), with
//!   `WM_SVC.NAME` and a GUID `WM_QOS.CORRELATION_ID` (400 as above without them), else 401
//!   `UNAUTHORIZED` "The access token is missing, malformed, expired, or was created for a
//!   different environment" (the FAQ's words); XML without `Accept: application/json`.
//!   `GET /v3/token/detail` answers `{"expire_at",...,"is_valid":true,...}`; `GET /v3/orders`
//!   answers an empty order list.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use super::{
    basic_is_raw, fields, hex, is_form, is_guid, not_found, serve, valid_in, Account, Book, Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/v3/token";
pub const DETAIL: &str = "/v3/token/detail";
pub const ORDERS: &str = "/v3/orders";

fn error(status: u16, code: &str, field: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"errors": [{"code": code, "field": field, "message": message,
                           "category": "DATA", "severity": "ERROR"}]}),
    )
}

fn wants_json(req: &Recorded) -> bool {
    req.header("accept").is_some_and(|a| {
        a.split(',')
            .any(|t| t.trim().starts_with("application/json"))
    })
}

/// The headers Walmart requires on the token request and every call; also that every
/// correlation id is new.
fn required_headers(req: &Recorded, seen: &Mutex<HashSet<String>>) -> Option<Reply> {
    if req
        .header("wm_svc.name")
        .is_none_or(|v| v.trim().is_empty())
    {
        return Some(error(
            400,
            "MISSING_REQUEST_HEADER",
            "WM_SVC.NAME",
            "WM_SVC.NAME set null or invalid",
        ));
    }
    let Some(correlation) = req.header("wm_qos.correlation_id") else {
        return Some(error(
            400,
            "MISSING_REQUEST_HEADER",
            "WM_QOS.CORRELATION_ID",
            "WM_QOS.CORRELATION_ID set null or invalid",
        ));
    };
    if !is_guid(correlation) {
        return Some(error(
            400,
            "INVALID_REQUEST_HEADER",
            "WM_QOS.CORRELATION_ID",
            "WM_QOS.CORRELATION_ID must be a GUID",
        ));
    }
    if !seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(correlation.to_string())
    {
        return Some(error(
            400,
            "INVALID_REQUEST_HEADER",
            "WM_QOS.CORRELATION_ID",
            "WM_QOS.CORRELATION_ID was used before",
        ));
    }
    None
}

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| {
        if req.path != TOKEN && req.path != DETAIL && req.path != ORDERS {
            return not_found(req);
        }
        if let Some(refused) = required_headers(req, &seen) {
            return refused;
        }
        if req.path == TOKEN {
            return token(req, &a, &b);
        }
        if !valid_in(req, "wm_sec.access_token", &b) {
            return error(401, "UNAUTHORIZED", "WM_SEC.ACCESS_TOKEN",
                "The access token is missing, malformed, expired, or was created for a different environment");
        }
        match (req.path.as_str(), wants_json(req)) {
            (_, false) => Reply::status(200)
                .header("content-type", "application/xml")
                .body("<list><elements/></list>"),
            (DETAIL, true) => Reply::json(
                200,
                json!({"expire_at": "2030-01-01T00:15:00Z", "issued_at": "2030-01-01T00:00:00Z",
                       "is_valid": true, "is_channel_match": false,
                       "scopes": {"orders": "full_access", "items": "full_access"}}),
            ),
            _ => Reply::json(200, json!({"list": {"meta": {"totalCount": 0}, "elements": {"order": []}}})),
        }
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    if req.method != "POST" || !is_form(req) || !basic_is_raw(req, a) {
        return error(401, "UNAUTHORIZED", "Authorization", "Unauthorized");
    }
    if fields(req).get("grant_type").map(String::as_str) != Some("client_credentials") {
        return error(
            400,
            "INVALID_REQUEST_PARAM",
            "grant_type",
            "grant_type is invalid",
        );
    }
    // A JWE, as the OpenAPI's sample token is (five parts, `alg: dir`).
    let header = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"kid":"{}","enc":"A256GCM","alg":"dir"}}"#,
        super::uuid()
    ));
    let token = format!("{header}..{}.{}.{}", hex(12), hex(40), hex(16));
    let token = book.issue(token, a.lifetime);
    let seconds = a.lifetime.as_secs();
    if !wants_json(req) {
        return Reply::status(200).header("content-type", "application/xml").body(format!(
            "<OAuthTokenDTO><accessToken>{token}</accessToken><tokenType>Bearer</tokenType><expiresIn>{seconds}</expiresIn></OAuthTokenDTO>"
        ));
    }
    Reply::json(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": seconds}),
    )
}
