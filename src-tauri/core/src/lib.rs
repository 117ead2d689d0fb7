//! waybill-core: everything Waybill does that is not a window or a terminal.
//!
//! A request needs a valid token (`session`); a token comes from a profile's grant (`grant`); the
//! grant speaks the provider's dialect (`dialect`); the token lives in the keyring (`vault`).
//! The CLI and the desktop app are two faces over these same functions.

pub mod case;
pub mod clock;
pub mod curl;
pub mod dialect;
pub mod discovery;
pub mod grant;
pub mod history;
pub mod jwt;
pub mod login;
pub mod loopback;
pub mod net;
pub mod new_profile;
pub mod preset;
pub mod profile;
pub mod request;
pub mod revoke;
pub mod saved;
pub mod secret;
pub mod session;
pub mod store;
pub mod token;
pub mod variables;
pub mod vault;

pub use clock::{Clock, ManualClock, SystemClock};
pub use net::Net;
pub use new_profile::NewProfile;
pub use profile::{ClientAuth, Environment, Grant, Profile};
pub use request::{ApiRequest, ApiResponse, DraftBody, RequestDraft};
pub use secret::{AccessToken, ClientSecret, Password, RefreshToken};
pub use session::{Session, SessionError, Token};
pub use store::{ProfileStore, Profiles, StoreError};
pub use token::{TokenMeta, TokenSet, TokenSource};
pub use vault::{Vault, VaultError};
