//! Shippo (preset `shippo`), as docs.goshippo.com/docs/guides_general/authentication and
//! goshippo/shippo-python-sdk (_hooks/registration.py, sdkconfiguration.py) describe it; research
//! notes: providers/shippo.md.
//!
//! - No OAuth: `Authorization: ShippoToken <token>` on every call (the SDK's hook). No
//!   `ShippoToken` credential (none, or another scheme such as `Bearer`): 401 `{"detail":
//!   "Authentication credentials were not provided."}`; an unknown token: 401 `{"detail":"Token
//!   does not exist"}` (both the docs' bodies).
//! - `GET /carrier_accounts` answers a page of carrier accounts (Shippo has no endpoint that names
//!   the account: the preset's [check] names nothing).

use serde_json::json;

use super::{not_found, serve, Account, Carrier};
use crate::emulator::{Recorded, Reply};

pub const CARRIER_ACCOUNTS: &str = "/carrier_accounts";

pub async fn start(account: Account) -> Carrier {
    let key = account.api_key.clone();
    serve(account, Default::default(), move |req: &Recorded| {
        let given = (req.header("authorization")).and_then(|v| v.strip_prefix("ShippoToken "));
        match given {
            None => {
                return Reply::json(401, json!({"detail": "Authentication credentials were not provided."}))
            }
            Some(token) if token != key => {
                return Reply::json(401, json!({"detail": "Token does not exist"}))
            }
            Some(_) => {}
        }
        match req.path.as_str() {
            CARRIER_ACCOUNTS => Reply::json(
                200,
                json!({"next": null, "previous": null, "results": [
                    {"object_id": "b741b99f95e841639b54272834bc478c", "carrier": "usps", "active": true}]}),
            ),
            _ => not_found(req),
        }
    })
    .await
}
