//! The built-in demo provider as the CLI tests use it: its own client secret and password, tokens
//! valid for an hour, and a client-credentials profile pointed at it.

use std::time::Duration;

use waybill_demo::{DemoConfig, DemoServer};

use crate::harness::Waybill;

/// The demo provider on a free port of 127.0.0.1, with this client secret and user password.
pub async fn start(secret: &str, password: &str) -> DemoServer {
    let config = DemoConfig {
        client_secret: secret.to_string(),
        password: password.to_string(),
        token_ttl: Duration::from_secs(3600),
        ..DemoConfig::default()
    };
    DemoServer::start(0, config).await.expect("demo provider")
}

/// `waybill profile add NAME` for the demo's client, in `dialect` (form, basic, json), the secret
/// on stdin; insists it worked.
pub fn add_client_credentials(
    wb: &Waybill,
    name: &str,
    server: &DemoServer,
    dialect: &str,
    secret: &str,
) {
    let (token_url, api_base) = (server.token_url(), server.api_base());
    wb.ok(
        &[
            "profile",
            "add",
            name,
            "--grant",
            "client_credentials",
            "--token-url",
            &token_url,
            "--client-id",
            "demo-client",
            "--client-auth",
            dialect,
            "--api-base",
            &api_base,
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
}
