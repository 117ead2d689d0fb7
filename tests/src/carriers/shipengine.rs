//! ShipEngine / ShipStation API (preset `shipengine`), as ShipEngine/shipengine-openapi
//! openapi.yaml describes it (servers, securitySchemes, /v1/carriers, error_response_body);
//! research notes: providers/shipengine.md.
//!
//! - No OAuth: the key in the `API-Key` header on every call ("include an `API-Key` header in each
//!   API call"). No key, a wrong one, or the key anywhere else (`Authorization: Bearer` included):
//!   401 ("If you don't include a key ..., or if you use an incorrect or expired key, then
//!   ShipEngine will respond with a 401 Unauthorized error") as `{"request_id":...,"errors":[{
//!   "error_source":"shipengine","error_type":"security","error_code":"unauthorized","message":
//!   ...}]}` (the shape and enums of error_response_body; the message ours).
//! - `GET /v1/carriers` answers `{"carriers":[{...,"nickname":...}]}` (the spec's example).

use serde_json::json;

use super::{not_found, serve, uuid, Account, Carrier};
use crate::emulator::{Recorded, Reply};

pub const CARRIERS: &str = "/v1/carriers";
pub const NICKNAME: &str = "ShipEngine Account - Stamps.com";

pub async fn start(account: Account) -> Carrier {
    let key = account.api_key.clone();
    serve(account, Default::default(), move |req: &Recorded| {
        if req.header("api-key") != Some(key.as_str()) {
            return Reply::json(
                401,
                json!({"request_id": uuid(), "errors": [{"error_source": "shipengine", "error_type": "security",
                       "error_code": "unauthorized", "message": "The API key is invalid. Please see https://www.shipengine.com/docs/auth"}]}),
            );
        }
        match req.path.as_str() {
            CARRIERS => Reply::json(
                200,
                json!({"carriers": [{"carrier_id": "se-28529731", "carrier_code": "stamps_com",
                       "account_number": "account_570827", "nickname": NICKNAME}]}),
            ),
            _ => not_found(req),
        }
    })
    .await
}
