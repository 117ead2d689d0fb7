//! Calling APIs: requests as people describe them and as they go on the wire, `{{variables}}`
//! filled just before sending, replaying a kept request, curl in and out, and the transport
//! (TLS trust and client certificates, proxies).

pub mod curl;
pub mod net;
pub mod provider_error;
pub mod proxy;
pub mod replay;
pub mod request;
pub mod tls;
pub mod variables;
