//! EasyPost (preset `easypost`), as docs.easypost.com/docs/authentication and EasyPost/easypost-
//! python (constant.py, requestor.py, user_service.py and its cassette) describe it; research
//! notes: providers/easypost.md.
//!
//! - No OAuth: "Each request must be authenticated using an API Key, which serves as the Basic
//!   Authentication username (no password is required)": `Authorization: Basic base64("KEY:")`.
//!   The official Python SDK sends `Authorization: Bearer KEY` instead, so that is taken too (the
//!   tests check which one Waybill sent). Anything else: 401 `{"error":{"code":"UNAUTHORIZED",
//!   "message":"...","errors":[]}}` (the SDK's error shape; code and words from a third-party
//!   fixture).
//! - `GET /v2/users` (retrieve the authenticated user) answers `{"id":"user_...","object":"User",
//!   "name":...}` (the cassette).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::{not_found, serve, Account, Carrier};
use crate::emulator::{Recorded, Reply};

pub const API_BASE: &str = "/v2";
pub const USERS: &str = "/v2/users";
pub const NAME: &str = "Waybill Test Shipping";

pub async fn start(account: Account) -> Carrier {
    let documented = format!("Basic {}", STANDARD.encode(format!("{}:", account.api_key)));
    let sdk = format!("Bearer {}", account.api_key);
    serve(account, Default::default(), move |req: &Recorded| {
        let given = req.header("authorization");
        if given != Some(documented.as_str()) && given != Some(sdk.as_str()) {
            return Reply::json(
                401,
                json!({"error": {"code": "UNAUTHORIZED", "message": "Unable to access the requested resource, authorization failed.", "errors": []}}),
            );
        }
        match req.path.as_str() {
            USERS => Reply::json(
                200,
                json!({"id": "user_060ab38db3c04ffaa60f262e5781a9be", "object": "User", "name": NAME,
                       "email": "shipping@example.com"}),
            ),
            _ => not_found(req),
        }
    })
    .await
}
