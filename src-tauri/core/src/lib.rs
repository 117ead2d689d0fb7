//! waybill-core: everything Waybill does that is not a window or a terminal.
//!
//! A request needs a valid token (`session`); a token comes from a profile's grant (`auth`); the
//! grant speaks the provider's dialect (`auth::dialect`); the token lives in the keyring
//! (`store::vault`). `workspace` is the one operations layer over all of it: the CLI and the
//! desktop app are two faces that call its functions and word its errors.
//!
//! - `workspace/` one function per user action; errors carry what the user can do about them
//! - `profile/`   what a profile is, presets, a profile built from a person's description
//! - `auth/`      grants, dialects, browser sign-in (loopback), tokens, JWTs, revocation
//! - `store/`     what is kept: profiles, saved requests, variables (locked TOML files),
//!   history (SQLite), secrets (OS keyring)
//! - `request/`   API requests, `{{variables}}`, replay, curl in and out
//! - `net/`       the HTTP transport, TLS, proxies, and the trace of every exchange (`net::trace`)
//! - `import/`    files people bring: case files, specs and collections (a plan first, then apply)
//! - beside them: `secret` (secret types), `redact` (what never reaches a file), `clock`

pub mod auth;
pub mod clock;
pub mod import;
pub mod net;
pub mod profile;
pub mod redact;
pub mod request;
pub mod secret;
pub mod session;
pub mod store;
pub mod workspace;

pub use auth::token::{TokenMeta, TokenSet, TokenSource};
pub use clock::{Clock, ManualClock, SystemClock};
pub use net::Net;
pub use profile::new::NewProfile;
pub use profile::{ClientAuth, Environment, Grant, Profile};
pub use request::{ApiRequest, ApiResponse, DraftBody, RequestDraft};
pub use secret::{
    AccessToken, ClientKey, ClientSecret, Password, ProxyCredentials, RefreshToken, TlsKey,
};
pub use session::{Session, SessionError, Token};
pub use store::profiles::{ProfileStore, Profiles};
pub use store::vault::{Vault, VaultError};
pub use store::StoreError;
pub use workspace::{Workspace, WorkspaceError};
