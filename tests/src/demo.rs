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
    let flags = ["--client-auth", dialect, "--client-secret-stdin"];
    add_profile(wb, name, &server.base_url(), &flags, &format!("{secret}\n"));
}

/// `waybill profile add NAME`: the client credentials grant for the demo's client at `base`
/// (`http(s)://127.0.0.1:PORT`), with `extra` flags and `stdin`; insists it worked.
pub fn add_profile(wb: &Waybill, name: &str, base: &str, extra: &[&str], stdin: &str) {
    let args = add_profile_args(name, base, extra);
    wb.ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), stdin);
}

/// The arguments of `add_profile`, for a test that expects the add to fail.
pub fn add_profile_args(name: &str, base: &str, extra: &[&str]) -> Vec<String> {
    let (token_url, api_base) = (format!("{base}/oauth/token"), format!("{base}/api"));
    let mut args = vec![
        "profile",
        "add",
        name,
        "--grant",
        "client_credentials",
        "--token-url",
        &token_url,
        "--client-id",
        "demo-client",
        "--api-base",
        &api_base,
    ];
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_string).collect()
}
