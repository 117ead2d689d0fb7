//! A provider emulated to fail in each usual way, for the diagnoses' tests (CLI and window).

use serde_json::json;

use crate::emulator::{Emulator, Recorded, Reply};

/// The one client secret it takes, in the form body.
pub const SECRET: &str = "form-only-s3cret";

/// A provider whose discovery document says it wants the client in the form body, offers scopes
/// `orders shipping` and the client credentials grant only, and whose API wants the token in
/// `X-Token` (a Bearer gets a 403 asking for `orders:write`). Client `skewed` meets a clock ten
/// minutes slow. `/authorize` sends an implicit request back refused (it wants PKCE), sends
/// `public-app` back with a code whose exchange without a secret it refuses, and answers any
/// other with its own error page (an unregistered redirect URI), never sending the browser back.
/// `/login`, `/missing` and `/get-only` are no token endpoints.
pub async fn picky_provider() -> Emulator {
    Emulator::start(|r: &Recorded| {
        let base = format!("http://{}", r.header("host").unwrap_or_default());
        let form: std::collections::HashMap<String, String> = r.form().into_iter().collect();
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
        let refuse = |status, error: &str, description: &str| {
            Reply::json(status, json!({"error": error, "error_description": description}))
        };
        match r.path.as_str() {
            "/.well-known/openid-configuration" => Reply::json(200, json!({
                "issuer": base,
                "token_endpoint": format!("{base}/oauth2/token"),
                "authorization_endpoint": format!("{base}/authorize"),
                "scopes_supported": ["orders", "shipping"],
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            })),
            "/login" => Reply::html(200, "<html><form>Sign in</form></html>"),
            "/missing" => Reply::html(404, "<h1>Not Found</h1>"),
            "/get-only" => Reply::status(405).header("allow", "GET"),
            "/oauth2/token" if r.header("authorization").is_some() => {
                refuse(401, "invalid_client", "client authentication failed")
            }
            "/oauth2/token" if field("grant_type") == "authorization_code" => {
                refuse(401, "invalid_client", "client authentication is required")
            }
            "/oauth2/token" if field("grant_type") != "client_credentials" => {
                refuse(400, "unsupported_grant_type", "grant not supported")
            }
            "/oauth2/token" if field("client_id") == "skewed" => {
                let slow = chrono::Utc::now() - chrono::Duration::seconds(600);
                refuse(400, "invalid_grant", "token request is not yet valid")
                    .header("date", &slow.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
            }
            "/oauth2/token" if field("client_secret") != SECRET => {
                refuse(401, "invalid_client", "client authentication failed")
            }
            "/oauth2/token" if field("scope").split(' ').any(|s| s == "admin") => {
                refuse(400, "invalid_scope", "scope not allowed")
            }
            "/oauth2/token" => Reply::json(200, json!({
                "access_token": "picky-access-token-123456", "token_type": "Bearer", "expires_in": 3600, "scope": "orders"
            })),
            "/authorize" if r.query.as_deref().unwrap_or_default().contains("response_type=token") => {
                let query: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(r.query.as_deref().unwrap_or_default().as_bytes()).into_owned().collect();
                let back = format!(
                    "{}?error=invalid_request&error_description=PKCE+is+required+for+public+clients&state={}",
                    query["redirect_uri"], query["state"]
                );
                Reply::status(302).header("location", &back)
            }
            "/authorize" if r.query.as_deref().unwrap_or_default().contains("client_id=public-app") => {
                let query: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(r.query.as_deref().unwrap_or_default().as_bytes()).into_owned().collect();
                let back = format!("{}?code=picky-code-0123456789&state={}", query["redirect_uri"], query["state"]);
                Reply::status(302).header("location", &back)
            }
            "/authorize" => Reply::html(400, "<h1>redirect_uri is not registered for this client</h1>"),
            "/api/orders" if r.header("x-token").is_some() => Reply::json(200, json!({"orders": []})),
            "/api/orders" => Reply::json(403, json!({"message": "Forbidden"})).header(
                "www-authenticate",
                r#"Bearer error="insufficient_scope", error_description="needs orders:write", scope="orders:write""#,
            ),
            _ => Reply::status(404),
        }
    })
    .await
}
