//! UPS (preset `ups`), as UPS-API/api-documentation describes it (OAuthClientCredentials.yaml
//! [CC], OAuthAuthCode.yaml [AC], Tracking.yaml [TRK], Shipping.yaml [SHP], Forwarding.yaml [FWD])
//! and its SDKs (UPS-SDKs Go/PHP branches); research notes: providers/ups.md.
//!
//! - `POST /security/v1/oauth/token`: HTTP Basic with the id and secret **raw** ([CC]
//!   `security: BasicAuth`; the SDKs' `SetBasicAuth` / `base64_encode("$clientId:$clientSecret")`),
//!   a form body with `grant_type=client_credentials` ([CC]). A form-encoded Basic or a wrong
//!   secret: 401 `{"response":{"errors":[{"code":"10401","message":"ClientId is Invalid"}]}}`
//!   (code and words from a third-party log, karrio #503; the shape is [CC]'s
//!   tokenErrorResponse). `grant_type=refresh_token` here: refused with 400 in the same shape
//!   (code 10400; UPS documents refresh only at /refresh, [AC], and no refusal text: ours). The
//!   optional `x-merchant-id` ("6-digit UPS account number", [CC]) is recorded; one that is not
//!   six digits is refused 400 (ours). Answers have every field a string and `issued_at` in
//!   milliseconds ([CC]/[AC] schemas).
//! - `POST /security/v1/oauth/refresh`: Basic raw, form `grant_type=refresh_token&refresh_token=`
//!   ([AC]); a refresh token works once and each answer carries a new one (UPS staff,
//!   api-documentation #90); a spent or unknown one: 401 `{"response":{"errors":[{"code":"10401",
//!   "message":"Invalid Refresh Token"}]}}` (words ours).
//! - API under `/api`: `Authorization: Bearer` with a valid token, else 401
//!   `{"response":{"errors":[{"code":"250002","message":"Invalid Authentication Information."}]}}`
//!   ([FWD] examples); `transId` of length 32 ([SHP] "Length 32"), unique to the request ([TRK]),
//!   and `transactionSrc` ([TRK], required) — else 400 in UPS's shape (code and words ours).
//!   `GET /api/track/v1/details/{number}` answers a tracking response.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::{
    basic_is_raw, fields, hex, is_form, not_found, now_ms, serve, valid_bearer, Account, Book,
    Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/security/v1/oauth/token";
pub const REFRESH: &str = "/security/v1/oauth/refresh";
pub const API: &str = "/api";
pub const TRACK: &str = "/api/track/v1/details/1Z12345E0205271688";

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"response": {"errors": [{"code": code, "message": message}]}}),
    )
}

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let trans_ids: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| {
        match req.path.as_str() {
            TOKEN | REFRESH => token(req, &a, &b),
            p if p.starts_with("/api/") => api(req, &b, &trans_ids),
            _ => not_found(req),
        }
    })
    .await
}

/// Every field a string, as UPS's schemas type them; `issued_at` in milliseconds.
fn answer(a: &Account, book: &Book, refresh: bool) -> Reply {
    let token = book.issue(format!("ups-at-{}", hex(24)), a.lifetime);
    let now = now_ms().to_string();
    let mut body = json!({
        "token_type": "Bearer", "issued_at": now, "client_id": a.client_id,
        "access_token": token, "scope": "", "expires_in": a.lifetime.as_secs().to_string(),
        "refresh_count": "0", "status": "approved",
    });
    if refresh {
        let rt = book.add_refresh(format!("ups-rt-{}", hex(24)));
        body["refresh_token"] = json!(rt);
        body["refresh_token_expires_in"] = json!("5183999");
        body["refresh_token_status"] = json!("approved");
        body["refresh_token_issued_at"] = json!(now);
    }
    Reply::json(200, body)
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    if req.method != "POST" || !is_form(req) {
        return error(400, "10400", "Invalid request: POST a form body");
    }
    if !basic_is_raw(req, a) {
        return error(401, "10401", "ClientId is Invalid");
    }
    if let Some(merchant) = req.header("x-merchant-id") {
        if merchant.len() != 6 || !merchant.chars().all(|c| c.is_ascii_digit()) {
            return error(
                400,
                "10400",
                "x-merchant-id must be the 6-digit UPS account number",
            );
        }
    }
    let form = fields(req);
    let grant = form.get("grant_type").map(String::as_str);
    match (req.path.as_str(), grant) {
        (TOKEN, Some("client_credentials")) => answer(a, book, false),
        (REFRESH, Some("refresh_token")) => {
            let given = form.get("refresh_token").map(String::as_str).unwrap_or("");
            match book.use_refresh(given, true) {
                true => answer(a, book, true),
                false => error(401, "10401", "Invalid Refresh Token"),
            }
        }
        _ => error(400, "10400", "Invalid/Unsupported grant_type"),
    }
}

fn api(req: &Recorded, book: &Book, trans_ids: &Mutex<HashSet<String>>) -> Reply {
    if !valid_bearer(req, book) {
        return error(401, "250002", "Invalid Authentication Information.");
    }
    let trans_id = req.header("transid").unwrap_or("");
    if trans_id.len() != 32 {
        return error(400, "250003", "transId must be 32 characters");
    }
    if !trans_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(trans_id.to_string())
    {
        return error(400, "250003", "transId must be unique to the request");
    }
    if req.header("transactionsrc").is_none_or(str::is_empty) {
        return error(400, "250003", "Missing transactionSrc");
    }
    let number = req.path.rsplit('/').next().unwrap_or_default();
    Reply::json(
        200,
        json!({"trackResponse": {"shipment": [{"package": [{"trackingNumber": number,
            "activity": [{"status": {"type": "D", "description": "DELIVERED"}}]}]}]}}),
    )
}
