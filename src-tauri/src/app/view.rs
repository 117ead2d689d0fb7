//! What crosses the IPC boundary between the window and the Rust side, and its conversion to and
//! from the core's types (here, at the edge, so the core never learns the window's shapes).
//! TypeScript types are generated from these (and from the core types they use) by ts-rs into
//! `ui/src/lib/bindings/` when `cargo test -p waybill` runs; CI fails if the committed files
//! differ. ts-rs is a dev-dependency: the app itself does not carry it. Nothing here holds a
//! secret on the way out: tokens stay on the Rust side (copying one goes to the clipboard
//! directly).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use waybill_core::workspace::{
    ApiKey, ApiResponse, CaseFile, CasePlan, ClientAuth, ClientSecret, Connect, DeviceCode,
    Diagnosis, Environment, Filter, Grant, Hop, HopMessage as CoreHopMessage, NewProfile, Password,
    Preset, Presets, Preview, Profile, ProfileFiles, Profiles, ProviderCheck, ProviderKind, Remedy,
    SavedRequest, Secrets, SecretsNeeded, SignatureCheck, Summary, Timeline, TokenSource,
    TokenState, TokenStatus, WorkspaceError,
};

/// About this run of the app, for the window's header and the demo banner.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct AppInfo {
    pub version: String,
    /// Where profiles.toml lives.
    pub profiles_file: String,
    /// Secrets kept in the OS keyring (`false`: in memory for this run only).
    pub keyring: bool,
    pub demo: Option<DemoInfo>,
    /// Where case files are written when the path given is not absolute.
    pub case_dir: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct DemoInfo {
    pub base_url: String,
    pub username: String,
    pub password: String,
}

/// A provider preset as the window shows it: in the "Connect a carrier" list and its form, and
/// in the profile form's provider choice.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct PresetView {
    pub id: String,
    pub name: String,
    pub kind: ProviderKind,
    pub docs: String,
    /// Where a person gets the credentials, in one sentence.
    pub credentials: String,
    pub grants: Vec<Grant>,
    pub client_auth: ClientAuth,
    pub scope: Option<String>,
    pub default_env: Environment,
    pub environments: Vec<PresetEnvView>,
    /// Self-hosted or per-shop: the URLs hold `{base_url}`, filled from the profile's base URL.
    pub needs_base_url: bool,
    /// What a person types beyond a client id and secret (an API-key provider: its key).
    pub inputs: Vec<InputView>,
    /// It has a request that proves a connection works.
    pub has_check: bool,
    /// A user signs in through the browser (or with a device code) to connect it.
    pub signs_in: bool,
    /// An API-key provider: no client id or secret.
    pub api_key: bool,
    /// A team's own preset, from the `presets/` folder.
    pub own: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct PresetEnvView {
    pub env: Environment,
    pub token_url: Option<String>,
    pub api_base: String,
    pub refresh_url: Option<String>,
}

/// A value a preset asks for, in the provider's words.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct InputView {
    pub id: String,
    pub label: String,
    pub help: Option<String>,
    pub required: bool,
    /// Typed into a password field, kept in the keyring.
    pub secret: bool,
}

impl From<Preset> for PresetView {
    fn from(p: Preset) -> Self {
        let environments = (p.env.iter())
            .map(|(env, e)| PresetEnvView {
                env: *env,
                token_url: e.token_url.clone(),
                api_base: e.api_base.clone(),
                refresh_url: e.refresh_url.clone(),
            })
            .collect();
        let inputs = (p.inputs.iter())
            .map(|i| InputView {
                id: i.id.clone(),
                label: i.label.clone(),
                help: i.help.clone(),
                required: i.required,
                secret: i.is_secret(),
            })
            .collect();
        let first = p.grants.first().copied().unwrap_or_default();
        PresetView {
            needs_base_url: p.needs_base_url(),
            has_check: p.check.is_some(),
            signs_in: first.is_sign_in(),
            api_key: first == Grant::ApiKey,
            own: !p.built_in,
            id: p.id,
            name: p.name,
            kind: p.kind,
            docs: p.docs,
            credentials: p.credentials,
            grants: p.grants,
            client_auth: p.client_auth,
            scope: p.scope,
            default_env: p.default_env,
            environments,
            inputs,
            note: p.note,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ProfileList {
    pub profiles: Vec<ProfileView>,
    /// Something the person must know about the profiles file (it was unreadable and moved aside).
    pub notice: Option<String>,
}

/// A profile and what the window needs to know of it from the core's rules.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: Profile,
    /// A user signs in (browser or device code): Sign in rather than Get token.
    pub signs_in: bool,
}

impl From<Profile> for ProfileView {
    fn from(profile: Profile) -> Self {
        ProfileView {
            signs_in: profile.grant.is_sign_in(),
            profile,
        }
    }
}

impl From<Result<Profiles, WorkspaceError>> for ProfileList {
    fn from(loaded: Result<Profiles, WorkspaceError>) -> Self {
        match loaded {
            Ok(profiles) => ProfileList {
                profiles: profiles.iter().cloned().map(ProfileView::from).collect(),
                notice: None,
            },
            // Moved aside and reported once; the window starts with no profiles and says why.
            Err(e) => ProfileList {
                profiles: Vec::new(),
                notice: Some(e.to_string()),
            },
        }
    }
}

/// What the profile form holds besides the profile's own fields (those are a `NewProfile`):
/// secrets typed, which go straight to the keyring, and files named, which the core reads.
/// Blank means none given (editing keeps what is stored).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct FormInputs {
    pub client_secret: Option<String>,
    /// Password grant with "remember".
    pub password: Option<String>,
    /// For `{api_key}` in what the profile sends (an API-key carrier's key).
    pub api_key: Option<String>,
    /// CA certificates (PEM) to trust too.
    pub ca_file: Option<String>,
    /// The client certificate: PEM or PKCS#12.
    pub tls_cert_file: Option<String>,
    /// A PKCS#12 file's passphrase: opens the file, then is dropped.
    pub tls_passphrase: Option<String>,
    /// The client certificate's key, read straight into the keyring.
    pub tls_key_file: Option<String>,
    /// private_key_jwt: the client's signing key, read straight into the keyring.
    pub client_key_file: Option<String>,
}

impl FormInputs {
    /// The secrets typed, with the files named read into them and into `profile`.
    pub fn read(self, profile: &mut NewProfile) -> Result<Secrets, WorkspaceError> {
        let path = |text: &Option<String>| not_blank(text).map(PathBuf::from);
        let files = ProfileFiles {
            ca_file: path(&self.ca_file),
            tls_cert_file: path(&self.tls_cert_file),
            tls_passphrase: not_blank(&self.tls_passphrase).map(Password::new),
            tls_key_file: path(&self.tls_key_file),
            client_key_file: path(&self.client_key_file),
        };
        let mut secrets = Secrets {
            client_secret: not_blank(&self.client_secret).map(ClientSecret::new),
            password: not_blank(&self.password).map(Password::new),
            api_key: not_blank(&self.api_key).map(ApiKey::new),
            ..Secrets::default()
        };
        files.read_into(profile, &mut secrets)?;
        Ok(secrets)
    }
}

/// "Connect a carrier": the provider, the credentials it handed out and the values it asks for,
/// in its own words (secret ones go straight to the keyring). Blank: not given.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ConnectForm {
    pub preset: String,
    pub name: Option<String>,
    pub environment: Option<Environment>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// By the preset's input ids.
    pub inputs: std::collections::BTreeMap<String, String>,
}

impl From<ConnectForm> for Connect {
    fn from(form: ConnectForm) -> Self {
        Connect {
            name: not_blank(&form.name),
            environment: form.environment,
            client_id: not_blank(&form.client_id),
            client_secret: not_blank(&form.client_secret).map(ClientSecret::new),
            inputs: form.inputs,
            preset: form.preset,
        }
    }
}

/// What the form shows for the profile as described so far, by the core's rules.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct FormFacts {
    pub grant: Grant,
    pub client_auth: ClientAuth,
    /// Which secret fields to show, and whether they are needed.
    pub secrets: SecretsNeeded,
    pub signs_in: bool,
    /// Signs in through the browser (a redirect comes back): the browser's fields.
    pub browser: bool,
    /// The preset's URLs for the chosen environment: what a blank URL field stands for.
    pub preset_urls: Option<PresetEnvView>,
    /// Where the credential goes when the field is blank: the preset's, else the default.
    pub auth_header: String,
}

impl FormFacts {
    pub fn of(profile: &NewProfile, presets: &Presets) -> Result<Self, WorkspaceError> {
        let (grant, client_auth) = (profile.grant(presets)?, profile.client_auth(presets)?);
        let preset = profile
            .preset
            .as_deref()
            .and_then(|id| presets.get(id).ok());
        let secrets = profile.secrets_needed(presets)?;
        let preset_urls = preset.and_then(|p| {
            let (env, urls) = p
                .endpoints(profile.environment, profile.base_url.as_deref())
                .ok()?;
            Some(PresetEnvView {
                env,
                token_url: urls.token_url,
                api_base: urls.api_base,
                refresh_url: urls.refresh_url,
            })
        });
        Ok(FormFacts {
            grant,
            client_auth,
            secrets,
            signs_in: grant.is_sign_in(),
            browser: grant.is_browser(),
            preset_urls,
            auth_header: (preset.and_then(|p| p.auth_header.clone()))
                .unwrap_or_else(|| grant.default_auth_header().to_string()),
        })
    }
}

/// A saved request and the name `waybill send` knows it by (`folder/name`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct SavedView {
    #[serde(flatten)]
    pub saved: SavedRequest,
    pub path: String,
}

impl From<SavedRequest> for SavedView {
    fn from(saved: SavedRequest) -> Self {
        SavedView {
            path: saved.path(),
            saved,
        }
    }
}

/// What a profile holds, for the sidebar and the token inspector. Never the token.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct StatusView {
    pub profile: String,
    pub state: TokenState,
    pub token_type: Option<String>,
    pub scope: Option<String>,
    /// RFC 3339.
    pub obtained_at: Option<String>,
    /// RFC 3339; `None` when the provider gave no expiry.
    pub expires_at: Option<String>,
    /// RFC 3339: from then on the next use renews it (the core's renewal margin).
    pub renews_at: Option<String>,
    pub source: Option<TokenSource>,
    pub has_refresh_token: bool,
    pub jwt_header: Option<Value>,
    pub jwt_claims: Option<Value>,
    /// `None` when not asked for, or not a JWT.
    pub signature: Option<SignatureCheck>,
    /// Names of the other fields the provider sent with the token (`id_token`, ...); values stay in the keyring.
    pub extra_fields: Vec<String>,
}

/// Trimmed text, or `None` when blank.
pub fn not_blank(text: &Option<String>) -> Option<String> {
    let trimmed = text.as_deref()?.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

impl StatusView {
    pub fn new(profile: &str, status: TokenStatus) -> Self {
        let meta = status.meta.as_ref();
        let rfc3339 =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        StatusView {
            profile: profile.to_string(),
            state: status.state,
            token_type: meta.map(|m| m.token_type.clone()),
            scope: meta.and_then(|m| m.scope.clone()),
            obtained_at: meta.map(|m| rfc3339(m.obtained_at)),
            expires_at: meta.and_then(|m| m.expires_at).map(rfc3339),
            renews_at: meta.and_then(|m| m.renews_at()).map(rfc3339),
            source: meta.and_then(|m| m.obtained_by),
            has_refresh_token: status.has_refresh_token,
            jwt_header: status.jwt.as_ref().map(|j| j.header.clone()),
            jwt_claims: status.jwt.as_ref().map(|j| j.claims.clone()),
            signature: status.signature,
            extra_fields: meta
                .map(|m| m.extra.0.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }
}

/// What the provider says about the token held (the inspector's "Check at provider").
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ProviderCheckView {
    /// The introspection answer (`active`, `scope`, `client_id`, `sub`, `exp`, ...).
    pub introspection: Option<Value>,
    /// The user's claims, for OpenID profiles.
    pub userinfo: Option<Value>,
    pub userinfo_error: Option<String>,
}

impl From<ProviderCheck> for ProviderCheckView {
    fn from(check: ProviderCheck) -> Self {
        ProviderCheckView {
            introspection: check.introspection.map(Value::Object),
            userinfo: check.userinfo.map(Value::Object),
            userinfo_error: check.userinfo_error,
        }
    }
}

/// A browser sign-in waiting for the redirect.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct SignInStarted {
    pub attempt: u32,
    pub authorize_url: String,
    /// Browser grants: where the browser comes back.
    pub redirect_uri: Option<String>,
    pub timeout_secs: u32,
    /// `false` when the browser could not be started: the window shows the URL to open by hand.
    pub browser_opened: bool,
    pub browser_error: Option<String>,
    /// The device grant: the code to confirm, where, and a QR code of the address.
    pub device: Option<DeviceCodeView>,
}

/// A device code as the window shows it: large, with a QR code for a phone.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct DeviceCodeView {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// The QR code of the address (the complete one when there is one): `size` modules square,
    /// quiet zone included, the dark ones as one SVG path.
    pub qr_size: u32,
    pub qr_path: String,
}

impl From<&DeviceCode> for DeviceCodeView {
    fn from(code: &DeviceCode) -> Self {
        const QUIET: usize = 4;
        let (mut qr_size, mut qr_path) = (0, String::new());
        if let Ok(qr) = qrcode::QrCode::new(code.url().as_bytes()) {
            let width = qr.width();
            for (i, color) in qr.to_colors().iter().enumerate() {
                if *color == qrcode::Color::Dark {
                    let (x, y) = (i % width + QUIET, i / width + QUIET);
                    qr_path.push_str(&format!("M{x} {y}h1v1h-1z"));
                }
            }
            qr_size = (width + 2 * QUIET) as u32;
        }
        DeviceCodeView {
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.clone(),
            verification_uri_complete: code.verification_uri_complete.clone(),
            qr_size,
            qr_path,
        }
    }
}

impl From<waybill_core::workspace::SignInStarted> for SignInStarted {
    fn from(started: waybill_core::workspace::SignInStarted) -> Self {
        let browser_error = started.browser.and_then(Result::err).map(|e| e.to_string());
        SignInStarted {
            attempt: started.attempt,
            authorize_url: started.authorize_url,
            redirect_uri: started.redirect_uri,
            timeout_secs: started.timeout.as_secs().min(u32::MAX as u64) as u32,
            browser_opened: browser_error.is_none(),
            browser_error,
            device: started.device.as_ref().map(DeviceCodeView::from),
        }
    }
}

/// The request as it will go out: full URL, and every header with the bearer masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct RequestPreview {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl From<Preview> for RequestPreview {
    fn from(preview: Preview) -> Self {
        RequestPreview {
            url: preview.url,
            headers: preview.headers,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ResponseView {
    pub status: u16,
    pub status_text: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8); the window shows it as text, never as HTML.
    pub body: String,
    pub size: u32,
    /// The body is not text (an image, a PDF): `body` is empty.
    pub binary: bool,
    pub elapsed_ms: u32,
    pub retried_after_401: bool,
    /// The proxy the request went through, if any.
    pub proxy: Option<String>,
    /// What the API said went wrong ("code: message"), read from its own JSON shape.
    pub provider_error: Option<String>,
    /// Why the API refused the credential (a 401 or 403), as far as the exchange shows.
    pub diagnoses: Vec<Diagnosis>,
}

impl From<ApiResponse> for ResponseView {
    fn from(response: ApiResponse) -> Self {
        let content_type = response
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let size = response.body.len().min(u32::MAX as usize) as u32;
        let provider_error = response.provider_error().map(|e| e.to_string());
        let (body, binary) = match String::from_utf8(response.body) {
            Ok(text) => (text, false),
            Err(e) if is_textual(&content_type) => {
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), false)
            }
            Err(_) => (String::new(), true),
        };
        ResponseView {
            status: response.status,
            status_text: tauri::http::StatusCode::from_u16(response.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
                .to_string(),
            url: response.url,
            headers: response.headers,
            body,
            size,
            binary,
            elapsed_ms: response.elapsed.as_millis().min(u32::MAX as u128) as u32,
            retried_after_401: response.retried_after_401,
            proxy: response.proxy.clone(),
            provider_error,
            diagnoses: response.diagnoses,
        }
    }
}

/// What was sent or received in one step of a sign-in (already redacted by the core).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct HopMessage {
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// One step of a sign-in or token fetch: an exchange between Waybill and the browser, the
/// provider or the API.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct HopView {
    /// "discovery", "authorize", "redirect", "token", "device poll", "call", ...
    pub step: String,
    /// Who the step talks to: "browser", "provider" or "api".
    pub actor: String,
    pub method: String,
    pub url: String,
    /// None when nothing answered (the browser hand-off, a network failure).
    pub status: Option<u16>,
    pub elapsed_ms: u32,
    pub request: HopMessage,
    pub response: Option<HopMessage>,
    /// What the step was, or its failure in one sentence.
    pub note: Option<String>,
    pub failed: bool,
}

/// The last sign-in or token fetch of a profile in this window, step by step.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct TimelineView {
    pub profile: String,
    /// RFC 3339.
    pub started_at: String,
    pub hops: Vec<HopView>,
    /// What went wrong, when the last step failed.
    pub diagnoses: Vec<Diagnosis>,
}

impl From<CoreHopMessage> for HopMessage {
    fn from(message: CoreHopMessage) -> Self {
        HopMessage {
            headers: message.headers,
            body: message.body,
        }
    }
}

impl From<Hop> for HopView {
    fn from(hop: Hop) -> Self {
        let browser = matches!(hop.step, "authorize" | "redirect");
        let refused = hop.step == "redirect" && hop.url.contains("error=");
        HopView {
            failed: hop.status.is_some_and(|s| s >= 400)
                || (hop.status.is_none() && !browser)
                || refused,
            actor: waybill_core::workspace::hop_actor(hop.step).into(),
            step: hop.step.into(),
            method: hop.method,
            url: hop.url,
            status: hop.status,
            elapsed_ms: hop.elapsed_ms.min(u32::MAX as u64) as u32,
            request: hop.request.into(),
            response: hop.response.map(Into::into),
            note: hop.note,
        }
    }
}

impl From<Timeline> for TimelineView {
    fn from(timeline: Timeline) -> Self {
        TimelineView {
            profile: timeline.profile,
            started_at: timeline
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            hops: timeline.hops.into_iter().map(Into::into).collect(),
            diagnoses: timeline.diagnoses,
        }
    }
}

fn is_textual(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || ["json", "xml", "javascript", "x-www-form-urlencoded"]
            .iter()
            .any(|t| content_type.contains(t))
}

/// A pasted curl command, as a draft for the request builder.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct CurlPasted {
    pub draft: waybill_core::workspace::RequestDraft,
    /// The command's own `Authorization` scheme (`Bearer`, `Basic`), dropped: the profile's token
    /// is sent instead. Its value never reaches the window.
    pub authorization_dropped: Option<String>,
}

/// The history list's filters; blank means any.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct HistoryQuery {
    pub profile: Option<String>,
    /// `404` or a class such as `4xx`.
    pub status: Option<String>,
    pub url: Option<String>,
    /// Only entries from the last this many minutes.
    pub within_minutes: Option<u32>,
    pub limit: Option<u32>,
    /// Skip this many of the newest matches (a later page).
    pub offset: Option<u32>,
    /// Only entries up to this id (the first page's newest), so later pages stay in step with it.
    #[cfg_attr(test, ts(type = "number | null"))]
    pub until_id: Option<i64>,
}

impl TryFrom<HistoryQuery> for Filter {
    type Error = UiError;
    fn try_from(query: HistoryQuery) -> Result<Filter, UiError> {
        let since = query.within_minutes.map(|minutes| {
            let since = chrono::Utc::now() - chrono::Duration::minutes(minutes.into());
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        });
        let status = not_blank(&query.status)
            .as_deref()
            .map(str::parse)
            .transpose();
        Ok(Filter {
            profile: not_blank(&query.profile),
            status: status.map_err(WorkspaceError::from)?,
            url_contains: not_blank(&query.url),
            since,
            limit: Some(query.limit.unwrap_or(200)),
            offset: query.offset,
            until_id: query.until_id,
            ..Filter::default()
        })
    }
}

/// One line of the history list (the entry's bodies stay on the Rust side until it is opened).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct HistoryRow {
    #[cfg_attr(test, ts(type = "number"))]
    pub id: i64,
    pub at: String,
    pub profile: String,
    pub environment: Option<String>,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed_ms: Option<u32>,
    pub error: Option<String>,
}

impl From<Summary> for HistoryRow {
    fn from(e: Summary) -> Self {
        HistoryRow {
            id: e.id,
            at: e.at,
            profile: e.profile,
            environment: e.environment,
            method: e.method,
            url: e.url,
            status: e.status,
            elapsed_ms: e.elapsed_ms.map(|ms| ms.min(u32::MAX as u64) as u32),
            error: e.error,
        }
    }
}

/// A page of the history list, and how many entries the filters find and history keeps.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    pub matching: u32,
    pub total: u32,
}

impl From<waybill_core::workspace::HistoryPage> for HistoryPage {
    fn from(page: waybill_core::workspace::HistoryPage) -> Self {
        let count = |n: u64| n.min(u32::MAX.into()) as u32;
        HistoryPage {
            rows: page.rows.into_iter().map(HistoryRow::from).collect(),
            matching: count(page.matching),
            total: count(page.total),
        }
    }
}

/// What importing a case file would do (nothing is changed until `import_case`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct CasePlanView {
    pub path: String,
    pub exported_at: String,
    /// Profiles to add, under the names they will have.
    pub add: Vec<String>,
    /// (name in the file, name it comes in under): a profile of that name exists and differs.
    pub renamed: Vec<(String, String)>,
    /// Identical to a profile here: reused.
    pub reused: Vec<String>,
    /// (profile, saved request name).
    pub saved: Vec<(String, String)>,
}

impl CasePlanView {
    pub fn new(path: &std::path::Path, case: &CaseFile, plan: CasePlan) -> Self {
        CasePlanView {
            path: path.display().to_string(),
            exported_at: case.exported_at.clone(),
            add: plan.add.iter().map(|p| p.name.clone()).collect(),
            renamed: plan.renamed,
            reused: plan.reused,
            saved: plan.saved.into_iter().map(|(p, s)| (p, s.name)).collect(),
        }
    }
}

/// What importing an API spec does or would do (`applied`: done).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ApiImportView {
    pub plan: waybill_core::workspace::ImportPlan,
    pub applied: bool,
}

/// A failure as the window shows it: a sentence, what to do about it, and a stable code for
/// the page to switch on (never the words).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct UiError {
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
    /// The likely causes, each with what to do, worked out from what was sent and answered.
    pub diagnoses: Vec<Diagnosis>,
}

impl UiError {
    /// A failure of the window's own, with nothing more to say.
    pub fn plain(code: &str, message: impl Into<String>) -> UiError {
        UiError {
            code: code.into(),
            message: message.into(),
            hint: None,
            diagnoses: Vec::new(),
        }
    }
}

impl From<WorkspaceError> for UiError {
    fn from(e: WorkspaceError) -> Self {
        UiError {
            code: e.code().into(),
            hint: e.remedy().map(|r| hint(&r)),
            message: e.to_string(),
            diagnoses: e.diagnoses().to_vec(),
        }
    }
}

/// A remedy in the window's words.
fn hint(remedy: &Remedy) -> String {
    match remedy {
        Remedy::StartKeyring => "Start a Secret Service (gnome-keyring, KeePassXC) and unlock it, or start Waybill with --session-only to keep secrets in memory for this run.".into(),
        Remedy::UnlockKeyring => "Unlock the keyring, then try again.".into(),
        Remedy::SetClientSecret { .. } => "Type it in the profile's Client secret field (Edit): it goes to the OS keyring, never to a file.".into(),
        Remedy::SetApiKey { .. } => "Type the API key in the profile's API key field (Edit): it goes to the OS keyring, never to a file.".into(),
        Remedy::GiveClientKey { .. } => "Edit the profile: make a key there (and register its public key with the provider), or give your key file.".into(),
        Remedy::ReplaceClientKey { .. } => "Press Replace the key to make a new one anyway.".into(),
        Remedy::SignIn { .. } => "Press Sign in.".into(),
        Remedy::NewRefreshToken { profile } => format!("Give it a new refresh token: waybill profile edit {profile} --refresh-token-stdin"),
        Remedy::CompleteProfile => "Pick a provider, or fill in the grant, token URL and client id.".into(),
        Remedy::GiveBaseUrl => "Fill in your application's URL.".into(),
        Remedy::PickAnotherName => "Pick another name.".into(),
        Remedy::PickAnotherFile => "Pick another file name: a case file is never written over.".into(),
        Remedy::OpenBrowserByHand => "Open the address shown in your browser.".into(),
        Remedy::StartAgain => "Press Sign in again.".into(),
        Remedy::TrustCa { .. } => "If that CA is one to trust (your company's proxy, the provider's private CA), give its file in the profile's Network section (Edit).".into(),
        Remedy::GiveClientCertificate { .. } => "Give the profile its client certificate and key in its Network section (Edit).".into(),
    }
}

#[cfg(test)]
mod tests {
    use ts_rs::TS;

    /// Core types the window uses directly; the view types above bring in the rest.
    #[test]
    fn export_core_bindings() {
        use waybill_core::workspace::{Entry, NewProfile, Profile, SavedRequest, UserVariables};
        SavedRequest::export_all().expect("write the TypeScript bindings");
        Entry::export_all().expect("write the TypeScript bindings");
        UserVariables::export_all().expect("write the TypeScript bindings");
        NewProfile::export_all().expect("write the TypeScript bindings");
        waybill_core::workspace::Connection::export_all().expect("write the TypeScript bindings");
        Profile::export_all().expect("write the TypeScript bindings");
        waybill_core::workspace::RunReport::export_all().expect("write the TypeScript bindings");
    }
}

/// The keyring's entries that no profile owns (`waybill keyring tidy`'s list), by keyring id and
/// kind, never a value; `removed` once they are gone.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct KeyringTidy {
    pub entries: Vec<waybill_core::workspace::Orphan>,
    pub removed: bool,
}
