//! `waybill demo`: the window over the built-in demo provider, with one ready profile per kind.
//! Profiles go to a scratch directory and secrets to memory, so trying Waybill leaves nothing
//! behind (no file, no keyring entry).

use waybill_core::workspace::{
    ClientAuth, ClientSecret, Grant, NewProfile, Password, Secrets, Workspace,
};
use waybill_demo::{DemoConfig, DemoServer};

use super::view::DemoInfo;

pub struct Demo {
    server: DemoServer,
    /// The same provider over HTTPS, behind a private CA made at start.
    tls_server: DemoServer,
    ca_pem: String,
    config: DemoConfig,
    dir: tempfile::TempDir,
}

impl Demo {
    pub async fn start() -> Result<Demo, String> {
        let config = DemoConfig::default();
        let failed =
            |e: std::io::Error| format!("could not start the demo provider on 127.0.0.1: {e}");
        let server = DemoServer::start(0, config.clone()).await.map_err(failed)?;
        let (ca, tls) = waybill_demo::generated_tls();
        let tls_server = DemoServer::start_tls(0, config.clone(), tls)
            .await
            .map_err(failed)?;
        let dir = tempfile::Builder::new()
            .prefix("waybill-demo-")
            .tempdir()
            .map_err(|e| format!("could not create a scratch directory for the demo: {e}"))?;
        Ok(Demo {
            server,
            tls_server,
            ca_pem: ca.cert_pem(),
            config,
            dir,
        })
    }

    /// Where the demo's profiles, saved requests and history live for this run.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn info(&self) -> DemoInfo {
        DemoInfo {
            base_url: self.server.base_url(),
            username: self.config.username.clone(),
            password: self.config.password.clone(),
        }
    }

    /// Client credentials in two dialects, a password profile, a browser sign-in profile, and one
    /// over HTTPS that trusts the demo's private CA.
    pub async fn seed(&self, ws: &Workspace) -> Result<(), String> {
        let server = &self.server;
        let machine = |name: &str, auth| NewProfile {
            name: name.into(),
            grant: Some(Grant::ClientCredentials),
            token_url: Some(server.token_url()),
            client_id: Some(self.config.client_id.clone()),
            client_auth: Some(auth),
            scope: Some("shipments".into()),
            api_base: Some(server.api_base()),
            revocation_url: Some(server.revocation_url()),
            ..NewProfile::default()
        };
        let drafts = [
            machine("demo-basic", ClientAuth::Basic),
            machine("demo-json", ClientAuth::Json),
            NewProfile {
                grant: Some(Grant::Password),
                username: Some(self.config.username.clone()),
                remember_password: true,
                ..machine("demo-user", ClientAuth::Json)
            },
            NewProfile {
                name: "demo-web".into(),
                grant: Some(Grant::AuthorizationCode),
                authorize_url: Some(server.authorize_url()),
                token_url: Some(server.token_url()),
                client_id: Some(self.config.browser_client_id.clone()),
                scope: Some("shipments".into()),
                api_base: Some(server.api_base()),
                revocation_url: Some(server.revocation_url()),
                ..NewProfile::default()
            },
            NewProfile {
                token_url: Some(self.tls_server.token_url()),
                api_base: Some(self.tls_server.api_base()),
                revocation_url: Some(self.tls_server.revocation_url()),
                ca_certs: Some(self.ca_pem.clone()),
                ..machine("demo-tls", ClientAuth::Basic)
            },
        ];
        for draft in drafts {
            let secrets = Secrets {
                client_secret: (draft.grant != Some(Grant::AuthorizationCode))
                    .then(|| ClientSecret::new(self.config.client_secret.clone())),
                password: draft
                    .remember_password
                    .then(|| Password::new(self.config.password.clone())),
                ..Secrets::default()
            };
            ws.add_profile(draft, secrets)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
