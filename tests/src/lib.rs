pub mod carriers;
pub mod demo;
pub mod emulator;
pub mod harness;
pub mod oidc;
pub mod picky;
pub mod proxy;
pub mod window;
