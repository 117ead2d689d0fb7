//! Calling APIs: requests as people describe them and as they go on the wire, `{{variables}}`
//! filled just before sending, replaying a kept request, curl in and out, and the transport.

pub mod curl;
pub mod net;
pub mod replay;
pub mod request;
pub mod variables;
