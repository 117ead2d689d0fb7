//! How the CLI says things: failures as one sentence plus a hint in the CLI's own words, JSON,
//! and API responses with their exit codes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use serde_json::{json, Value};
use waybill_core::workspace::{ApiResponse, Diagnosis, Remedy, TokenMeta, WorkspaceError};

pub const EXIT_HTTP_STATUS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// A failure as the user reads it: the sentence, and what to do about it.
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
    /// The likely causes, each with what to do.
    pub diagnoses: Vec<Diagnosis>,
}

impl Failure {
    /// Print it to stderr; returns the exit code.
    pub fn report(self) -> i32 {
        eprintln!("waybill: error: {}", self.message);
        print_diagnoses(&self.diagnoses);
        if let Some(hint) = self.hint {
            eprintln!("hint: {hint}");
        }
        EXIT_ERROR
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }
}

impl From<WorkspaceError> for Failure {
    fn from(e: WorkspaceError) -> Self {
        Failure {
            hint: e.remedy().map(|r| hint(&r)),
            message: e.to_string(),
            diagnoses: e.diagnoses().to_vec(),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            hint: None,
            diagnoses: Vec::new(),
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::from(message.to_string())
    }
}

/// Each cause and its fix, on stderr under the error.
pub fn print_diagnoses(diagnoses: &[Diagnosis]) {
    for diagnosis in diagnoses {
        eprintln!("why: {}\nfix: {}", diagnosis.finding, diagnosis.fix);
    }
}

/// A remedy in the CLI's words.
fn hint(remedy: &Remedy) -> String {
    match remedy {
        Remedy::StartKeyring => "start a Secret Service (e.g. gnome-keyring, KeePassXC) and unlock it, or pass --session-only to keep secrets in memory for this one run".into(),
        Remedy::UnlockKeyring => "unlock the keyring (log in to the desktop session) and try again".into(),
        Remedy::SetClientSecret { profile } => format!("store it with `waybill profile set-secret {profile}`"),
        Remedy::SetApiKey { profile } => format!("store it: `waybill profile edit {profile} --api-key-stdin` (the key on stdin)"),
        Remedy::GiveClientKey { profile } => format!("make one with `waybill key generate {profile}` and register its public key with the provider, or give yours: `waybill profile edit {profile} --client-key-file KEY.pem`"),
        Remedy::ReplaceClientKey { profile } => format!("`waybill key generate {profile} --replace` makes a new one anyway"),
        Remedy::NewRefreshToken { profile } => format!("give it a new refresh token: `waybill profile edit {profile} --refresh-token-stdin`"),
        Remedy::SignIn { profile } => format!("sign in with `waybill login {profile}`"),
        Remedy::CompleteProfile => "pass --preset, or --grant, --token-url and --client-id".into(),
        Remedy::GiveBaseUrl => "pass --base-url https://your.application".into(),
        Remedy::PickAnotherName => "pick another name, or `waybill profile remove` that one first".into(),
        Remedy::PickAnotherFile => "pick another file name, or pass --force to write over it".into(),
        Remedy::OpenBrowserByHand => "set BROWSER to your browser's command, or pass --no-browser and open the address yourself".into(),
        Remedy::StartAgain => "start it again".into(),
        Remedy::TrustCa { profile } => format!(
            "if that CA is one to trust (your company's proxy, the provider's private CA), add it: `waybill profile edit {} --ca-file CA.pem`",
            profile.as_deref().unwrap_or("NAME")
        ),
        Remedy::GiveClientCertificate { profile } => format!(
            "give the profile its certificate: `waybill profile edit {} --tls-cert-file CERT.pem --tls-key-file KEY.pem`",
            profile.as_deref().unwrap_or("NAME")
        ),
    }
}

pub fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

pub fn expiry_text(meta: &TokenMeta) -> String {
    meta.expires_at
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "the API refuses it (no expiry given)".into())
}

/// The body (or, with `json_out`, everything as JSON); exit 0 on 2xx, else 1.
pub fn print_response(response: &ApiResponse, json_out: bool) -> i32 {
    if json_out {
        let body = serde_json::from_slice::<Value>(&response.body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&response.body).into_owned())
        });
        let headers: BTreeMap<_, _> = response.headers.iter().cloned().collect();
        print_json(&json!({
            "status": response.status,
            "url": response.url,
            "headers": headers,
            "body": body,
            "elapsed_ms": response.elapsed.as_millis() as u64,
            "retried_after_401": response.retried_after_401,
            "proxy": response.proxy,
            "provider_error": response.provider_error().map(|e| json!({
                "code": e.code,
                "message": e.message,
            })),
            "diagnoses": response.diagnoses,
        }));
    } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&response.body);
        if !response.body.ends_with(b"\n") && std::io::stdout().is_terminal() {
            let _ = out.write_all(b"\n");
        }
    }
    if response.is_success() {
        0
    } else {
        match response.provider_error() {
            Some(said) => eprintln!(
                "waybill: HTTP {} from {}: {said}",
                response.status, response.url
            ),
            None => eprintln!("waybill: HTTP {} from {}", response.status, response.url),
        }
        print_diagnoses(&response.diagnoses);
        EXIT_HTTP_STATUS
    }
}

/// Core errors met outside a workspace call (parsing input) read the same as inside one.
macro_rules! worded_like_the_workspace {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for Failure {
            fn from(e: $error) -> Self {
                WorkspaceError::from(e).into()
            }
        })*
    };
}

worded_like_the_workspace!(
    waybill_core::workspace::RequestError,
    waybill_core::workspace::CurlError,
    waybill_core::workspace::HistoryError,
    waybill_core::workspace::VariableError,
    waybill_core::workspace::NewProfileError,
    waybill_core::workspace::ProfileError,
    waybill_core::workspace::KeyError,
    waybill_core::workspace::PemError,
    waybill_core::workspace::PresetError,
);
