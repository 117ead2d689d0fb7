//! FedEx (preset `fedex`), as developer.fedex.com's API Authorization page and its OpenAPI
//! (APIAuthorization-Resource.json) describe it; research notes: providers/fedex.md.
//!
//! - `POST /oauth/token`: `content-type: application/x-www-form-urlencoded` (marked required) and a
//!   form body `grant_type=client_credentials&client_id=...&client_secret=...`; no HTTP Basic. A
//!   wrong or missing secret, or another body: 401 `{"transactionId":...,"errors":[{"code":
//!   "NOT.AUTHORIZED.ERROR","message":"The given client credentials were not valid. Please modify
//!   your request and try again."}]}` (code and words: the page's Error Codes; the envelope from
//!   FedEx-derived models). Answer: `{"access_token": <HS256 JWT>, "token_type": "bearer",
//!   "expires_in": N, "scope": "CXS"}` (the page's sample; the JWT's `exp` matches `expires_in`).
//! - API: `Authorization: Bearer` with a valid token, else 401 `{"errors":[{"code":
//!   "NOT.AUTHORIZED.ERROR","message":"Access token expired. Please modify your request and try
//!   again."}]}` (words from third-party code). `POST /address/v1/addresses/resolve` answers a
//!   resolved address (FedEx has no identity endpoint, hence no [check]).

use std::sync::Arc;

use serde_json::json;

use super::{
    exp_after, fields, is_form, jwt, not_found, serve, uuid, valid_bearer, Account, Book, Carrier,
};
use crate::emulator::{Recorded, Reply};

pub const TOKEN: &str = "/oauth/token";
pub const RESOLVE: &str = "/address/v1/addresses/resolve";

pub async fn start(account: Account) -> Carrier {
    let book = Arc::new(Book::default());
    let (a, b) = (account.clone(), book.clone());
    serve(account, book, move |req: &Recorded| match req.path.as_str() {
        TOKEN => token(req, &a, &b),
        RESOLVE => {
            if !valid_bearer(req, &b) {
                return Reply::json(
                    401,
                    json!({"transactionId": uuid(), "errors": [{"code": "NOT.AUTHORIZED.ERROR",
                        "message": "Access token expired. Please modify your request and try again."}]}),
                );
            }
            Reply::json(
                200,
                json!({"transactionId": uuid(), "output": {"resolvedAddresses": [
                    {"city": "MEMPHIS", "stateOrProvinceCode": "TN", "postalCode": "38125"}]}}),
            )
        }
        _ => not_found(req),
    })
    .await
}

fn token(req: &Recorded, a: &Account, book: &Book) -> Reply {
    let form = fields(req);
    let ok = req.method == "POST"
        && is_form(req)
        && req.header("authorization").is_none()
        && form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id") == Some(&a.client_id)
        && form.get("client_secret") == Some(&a.client_secret);
    if !ok {
        return Reply::json(
            401,
            json!({"transactionId": uuid(), "errors": [{"code": "NOT.AUTHORIZED.ERROR",
                "message": "The given client credentials were not valid. Please modify your request and try again."}]}),
        );
    }
    let token = jwt(
        "HS256",
        json!({"scope": ["CXS"], "Payload": {"clientIdentity": {"clientKey": a.client_id}},
               "exp": exp_after(a.lifetime), "jti": uuid()}),
    );
    let token = book.issue(token, a.lifetime);
    Reply::json(
        200,
        json!({"access_token": token, "token_type": "bearer",
               "expires_in": a.lifetime.as_secs(), "scope": "CXS"}),
    )
}
