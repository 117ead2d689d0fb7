//! oidc-provider (npm, OpenID Certified) on 127.0.0.1, as a child process: a real third-party
//! OAuth server. `tests/oidc/server.mjs` configures it; `scripts/test` installs it with `npm ci`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct OidcProvider {
    child: Child,
    pub issuer: String,
    pub token_endpoint: String,
    pub introspection_endpoint: String,
    pub revocation_endpoint: String,
    pub registration_endpoint: String,
    pub secret: String,
}

impl OidcProvider {
    /// Start it with this client secret for its clients (`cc-basic`, `cc-post`, `rt-client`) and
    /// access tokens living `ttl_secs`.
    pub fn start(secret: &str, ttl_secs: u32) -> Self {
        Self::start_with(secret, ttl_secs, &[])
    }

    /// `start`, with more of `server.mjs`'s settings (e.g. `OIDC_DEVICE_TTL`).
    pub fn start_with(secret: &str, ttl_secs: u32, envs: &[(&str, &str)]) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed: run `npm ci --ignore-scripts` in {} (scripts/test does)",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .env("PORT", "0")
            .env("OIDC_SECRET", secret)
            .env("OIDC_AT_TTL", ttl_secs.to_string())
            .envs(envs.iter().copied())
            // Its stdin stays open while we live; when the test process dies, the server exits.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node could not be started (is Node.js installed?)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read oidc-provider's first line");
        let info: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("oidc-provider did not start ({e}): {line:?}"));
        let field = |name: &str| {
            info[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {info}"))
                .to_string()
        };
        OidcProvider {
            issuer: field("issuer"),
            token_endpoint: field("token_endpoint"),
            introspection_endpoint: field("introspection_endpoint"),
            revocation_endpoint: field("revocation_endpoint"),
            registration_endpoint: field("registration_endpoint"),
            secret: secret.to_string(),
            child,
        }
    }

    /// A refresh token for `rt-client`, minted through the provider's own models (the test's
    /// stand-in for a browser sign-in).
    pub async fn mint_refresh_token(&self) -> String {
        let body: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/test/refresh-token", self.issuer))
            .send()
            .await
            .expect("oidc-provider test endpoint")
            .json()
            .await
            .expect("JSON from the test endpoint");
        body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_string()
    }

    /// Register a `private_key_jwt` client-credentials client holding the public key `jwk`
    /// (RFC 7591), as a person would in the provider's console. Returns its client id.
    pub async fn register_key_client(&self, jwk: &serde_json::Value) -> String {
        let response = reqwest::Client::new()
            .post(&self.registration_endpoint)
            .json(&serde_json::json!({
                "grant_types": ["client_credentials"],
                "response_types": [],
                "redirect_uris": [],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [jwk]},
            }))
            .send()
            .await
            .expect("registration request");
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("registration JSON");
        assert!(status.is_success(), "registration refused: {body}");
        body["client_id"].as_str().expect("client_id").to_string()
    }

    /// Ask the provider whether it considers `token` active (RFC 7662), as client `client_id`.
    pub async fn is_active(&self, client_id: &str, token: &str) -> bool {
        let body: serde_json::Value = reqwest::Client::new()
            .post(&self.introspection_endpoint)
            .basic_auth(client_id, Some(&self.secret))
            .form(&[("token", token)])
            .send()
            .await
            .expect("introspection request")
            .json()
            .await
            .expect("introspection JSON");
        body["active"] == serde_json::Value::Bool(true)
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
