//! Getting tokens: the grants, each provider's dialect at the token endpoint, browser sign-in
//! over a loopback redirect, what a token is and when it expires, JWTs, revocation.

pub mod assertion;
pub mod browser;
pub mod client_request;
pub mod dialect;
pub mod discovery;
pub mod dpop;
pub mod grant;
pub mod introspect;
pub mod jwt;
pub mod key;
pub mod loopback;
pub mod revoke;
pub mod sign_in;
pub mod token;
