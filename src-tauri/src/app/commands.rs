//! Tauri commands: each takes what the window sends, calls waybill-core, and turns errors into
//! sentences with a hint. No logic of their own beyond that; tokens never come back to the window.

use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use waybill_core::curl::{self, Bearer};
use waybill_core::login::{self, BrowserSignIn};
use waybill_core::new_profile::new_keyring_id;
use waybill_core::preset;
use waybill_core::request::{self, ApiRequest, DraftBody, RequestDraft};
use waybill_core::saved::SavedRequest;
use waybill_core::session::TokenStatus;
use waybill_core::variables::UserVariables;
use waybill_core::{
    ClientSecret, Grant, NewProfile, Password, Profile, SessionError, StoreError, VaultError,
};

use super::view::*;
use super::{AppState, Waiting};

type Reply<T> = Result<T, UiError>;

impl<E: std::fmt::Display> From<E> for UiError {
    fn from(e: E) -> Self {
        UiError {
            message: e.to_string(),
            hint: None,
        }
    }
}

fn with_hint(message: impl ToString, hint: &str) -> UiError {
    UiError {
        message: message.to_string(),
        hint: Some(hint.into()),
    }
}

fn vault_error(e: VaultError) -> UiError {
    match e {
        VaultError::Unavailable(_) => with_hint(e, "Start a Secret Service (gnome-keyring, KeePassXC) and unlock it, or start Waybill with --session-only to keep secrets in memory for this run."),
        VaultError::Locked(_) => with_hint(e, "Unlock the keyring, then try again."),
        other => other.into(),
    }
}

fn session_error(e: SessionError) -> UiError {
    match e {
        SessionError::Vault(v) => vault_error(v),
        SessionError::MissingClientSecret(_) => {
            with_hint(e, "Edit the profile and type its client secret.")
        }
        SessionError::NeedsSignIn { .. } => with_hint(e, "Press Sign in."),
        other => other.into(),
    }
}

async fn status(state: &AppState, profile: &Profile, verify: bool) -> Reply<StatusView> {
    let status: TokenStatus = state
        .session
        .status(profile, verify)
        .await
        .map_err(session_error)?;
    Ok(StatusView::new(profile, status))
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    // The page's first call: its script runs and it is about to show the profiles.
    if !state
        .announced
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        let elapsed_ms = state.started.elapsed().as_millis() as u64;
        tracing::info!(elapsed_ms, "window interactive");
    }
    state.info.clone()
}

#[tauri::command]
pub fn list_presets() -> Vec<PresetView> {
    preset::presets()
        .into_iter()
        .map(PresetView::from)
        .collect()
}

#[tauri::command]
pub fn list_profiles(state: State<'_, AppState>) -> Reply<ProfileList> {
    match state.store.load() {
        Ok(profiles) => Ok(ProfileList {
            profiles: profiles.iter().cloned().collect(),
            notice: None,
        }),
        // Moved aside and reported once; the window starts with no profiles and says why.
        Err(e @ StoreError::Corrupt { .. }) => Ok(ProfileList {
            profiles: Vec::new(),
            notice: Some(e.to_string()),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Create or edit a profile; the secret goes straight to the keyring.
#[tauri::command]
pub async fn save_profile(state: State<'_, AppState>, form: ProfileForm) -> Reply<Profile> {
    let secret = form.client_secret.clone().and_then(not_blank);
    let password = form.password.clone().and_then(not_blank);
    let original = form.original_name.clone().and_then(not_blank);
    let mut new = new_profile(form);
    new.discover_endpoints(state.session.net()).await?;
    let mut profile = new.build()?;
    let mut profiles = state.store.load()?;
    let vault = state.session.vault();
    let mut changed_how_tokens_come = false;
    match &original {
        Some(old_name) => {
            let old = profiles.get(old_name)?.clone();
            profile.keyring_id = old.keyring_id.clone();
            changed_how_tokens_come = token_shape(&old) != token_shape(&profile);
            profiles.replace(old_name, profile.clone())?;
        }
        None => profiles.add(profile.clone())?,
    }
    let id = &profile.keyring_id;
    if let Some(secret) = secret {
        let stored = vault
            .set_client_secret(id, &ClientSecret::new(secret))
            .await;
        stored.map_err(vault_error)?;
    } else if original.is_none() && needs_client_secret(&profile) {
        return Err(with_hint(
            "this profile needs a client secret",
            "Type it in the Client secret field: it goes to the OS keyring, never to a file.",
        ));
    }
    if let (Some(password), true) = (password, profile.remember_password) {
        let stored = vault.set_password(id, &Password::new(password)).await;
        stored.map_err(vault_error)?;
    }
    state.store.save(&profiles)?;
    // Tokens from another client, URL or scope would be the wrong ones now.
    if changed_how_tokens_come {
        state
            .session
            .forget(&profile)
            .await
            .map_err(session_error)?;
    }
    Ok(profile)
}

fn needs_client_secret(profile: &Profile) -> bool {
    matches!(profile.grant, Grant::ClientCredentials)
}

/// The fields that decide which tokens a profile gets (not its name, API base or headers).
fn token_shape(profile: &Profile) -> Profile {
    Profile {
        name: String::new(),
        api_base: None,
        headers: Default::default(),
        environment: None,
        ..profile.clone()
    }
}

fn not_blank(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn new_profile(form: ProfileForm) -> NewProfile {
    let text = |t: Option<String>| t.and_then(not_blank);
    let pairs = |rows: Vec<(String, String)>| {
        rows.into_iter()
            .filter(|(k, _)| !k.trim().is_empty())
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
    };
    NewProfile {
        name: form.name.trim().to_string(),
        preset: text(form.preset),
        environment: form.environment,
        base_url: text(form.base_url),
        grant: form.grant,
        token_url: text(form.token_url),
        client_id: text(form.client_id),
        client_auth: form.client_auth,
        scope: text(form.scope),
        params: pairs(form.params).collect(),
        api_base: text(form.api_base),
        headers: pairs(form.headers).collect(),
        username: text(form.username),
        remember_password: form.remember_password,
        authorize_url: text(form.authorize_url),
        redirect_uri: text(form.redirect_uri),
        authorize_params: pairs(form.authorize_params).collect(),
        issuer: text(form.issuer),
        revocation_url: text(form.revocation_url),
        jwks_url: text(form.jwks_url),
    }
}

/// A copy under a new name, with its own keyring entries (the client secret and remembered
/// password copied; tokens not) and the same saved requests.
#[tauri::command]
pub async fn duplicate_profile(
    state: State<'_, AppState>,
    name: String,
    new_name: String,
) -> Reply<Profile> {
    let mut profiles = state.store.load()?;
    let original = profiles.get(&name)?.clone();
    let copy = Profile {
        name: new_name.trim().to_string(),
        keyring_id: new_keyring_id(new_name.trim()),
        ..original.clone()
    };
    copy.validate()?;
    profiles.add(copy.clone())?;
    let vault = state.session.vault();
    let (from, to) = (&original.keyring_id, &copy.keyring_id);
    if let Some(secret) = vault.client_secret(from).await.map_err(vault_error)? {
        vault
            .set_client_secret(to, &secret)
            .await
            .map_err(vault_error)?;
    }
    if let Some(password) = vault.password(from).await.map_err(vault_error)? {
        vault
            .set_password(to, &password)
            .await
            .map_err(vault_error)?;
    }
    state.store.save(&profiles)?;
    state.saved.copy_profile(from, to)?;
    Ok(copy)
}

/// Remove the profile, its keyring entries and its saved requests.
#[tauri::command]
pub async fn delete_profile(state: State<'_, AppState>, name: String) -> Reply<()> {
    let mut profiles = state.store.load()?;
    let profile = profiles.remove(&name)?;
    state.store.save(&profiles)?;
    state
        .session
        .vault()
        .forget_all(&profile.keyring_id)
        .await
        .map_err(vault_error)?;
    state.saved.remove_profile(&profile.keyring_id)?;
    Ok(())
}

/// What the profile holds; with `verify`, a JWT's signature is checked against the provider's JWKS.
#[tauri::command]
pub async fn profile_status(
    state: State<'_, AppState>,
    name: String,
    verify: bool,
) -> Reply<StatusView> {
    let profile = state.profile(&name)?;
    status(&state, &profile, verify).await
}

/// Client credentials, password or refresh token: a valid token, fetched or renewed if needed.
/// A password typed now signs in with it (and is kept only if the profile remembers it).
#[tauri::command]
pub async fn get_token(
    state: State<'_, AppState>,
    name: String,
    password: Option<String>,
) -> Reply<StatusView> {
    let profile = state.profile(&name)?;
    let session = &state.session;
    match password.and_then(not_blank) {
        Some(password) if profile.grant == Grant::Password => session
            .sign_in_with_password(&profile, &Password::new(password))
            .await
            .map(drop),
        _ => session.token(&profile).await.map(drop),
    }
    .map_err(session_error)?;
    status(&state, &profile, true).await
}

/// Bind the loopback listener and open the user's browser on the provider's sign-in page.
#[tauri::command]
pub async fn start_sign_in(state: State<'_, AppState>, name: String) -> Reply<SignInStarted> {
    let profile = state.profile(&name)?;
    let sign_in = BrowserSignIn::start(&profile).await?;
    let authorize_url = sign_in.authorize_url().to_string();
    let redirect_uri = sign_in.redirect_uri();
    let opened = crate::browser::open(&authorize_url);
    let (cancel, cancelled) = tokio::sync::oneshot::channel();
    let mut sign_ins = state.sign_ins.lock().unwrap_or_else(|e| e.into_inner());
    // One attempt per profile: a new one ends the one before (and frees its listener).
    sign_ins
        .cancels
        .retain(|_, (profile_name, _)| profile_name != &name);
    sign_ins.waiting.retain(|_, w| w.profile.name != name);
    sign_ins.next += 1;
    let attempt = sign_ins.next;
    sign_ins.cancels.insert(attempt, (name, cancel));
    sign_ins.waiting.insert(
        attempt,
        Waiting {
            sign_in,
            profile,
            cancelled,
        },
    );
    Ok(SignInStarted {
        attempt,
        authorize_url,
        redirect_uri,
        timeout_secs: login::DEFAULT_TIMEOUT.as_secs() as u32,
        browser_opened: opened.is_ok(),
        browser_error: opened.err(),
    })
}

/// Wait for the browser to come back (or the timeout, or Cancel), then keep the tokens.
#[tauri::command]
pub async fn finish_sign_in(state: State<'_, AppState>, attempt: u32) -> Reply<StatusView> {
    let waiting = {
        let mut sign_ins = state.sign_ins.lock().unwrap_or_else(|e| e.into_inner());
        sign_ins.waiting.remove(&attempt)
    }
    .ok_or_else(|| UiError::from("this sign-in attempt is over; press Sign in again"))?;
    let Waiting {
        sign_in,
        profile,
        cancelled,
    } = waiting;
    let cancel = async {
        let _ = cancelled.await;
    };
    let result = sign_in
        .finish(&state.session, &profile, login::DEFAULT_TIMEOUT, cancel)
        .await;
    state
        .sign_ins
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .cancels
        .remove(&attempt);
    result.map_err(session_error)?;
    status(&state, &profile, true).await
}

#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>, attempt: u32) {
    let mut sign_ins = state.sign_ins.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, cancel)) = sign_ins.cancels.remove(&attempt) {
        let _ = cancel.send(());
    }
}

/// Renew now: with the refresh token if there is one, else by running the grant again.
#[tauri::command]
pub async fn renew_token(state: State<'_, AppState>, name: String) -> Reply<StatusView> {
    let profile = state.profile(&name)?;
    let renewed = state.session.renew_now(&profile).await;
    renewed.map_err(session_error)?;
    status(&state, &profile, true).await
}

/// Revoke the tokens at the provider (RFC 7009), then forget them.
#[tauri::command]
pub async fn revoke_tokens(state: State<'_, AppState>, name: String) -> Reply<StatusView> {
    let profile = state.profile(&name)?;
    let revoked = state.session.revoke_and_forget(&profile).await;
    revoked.map_err(session_error)?;
    status(&state, &profile, false).await
}

#[tauri::command]
pub async fn forget_tokens(state: State<'_, AppState>, name: String) -> Reply<StatusView> {
    let profile = state.profile(&name)?;
    state
        .session
        .forget(&profile)
        .await
        .map_err(session_error)?;
    status(&state, &profile, false).await
}

/// Put a valid access token on the clipboard (from here: it never passes through the window).
#[tauri::command]
pub async fn copy_token(app: AppHandle, state: State<'_, AppState>, name: String) -> Reply<()> {
    let profile = state.profile(&name)?;
    let token = state.session.token(&profile).await.map_err(session_error)?;
    app.clipboard()
        .write_text(token.access_token.expose())
        .map_err(|e| UiError::from(format!("could not copy to the clipboard: {e}")))
}

/// The request as it will go out: its full URL and headers, the bearer shown masked.
#[tauri::command]
pub fn preview_request(
    state: State<'_, AppState>,
    name: String,
    request: RequestDraft,
) -> Reply<RequestPreview> {
    let profile = state.profile(&name)?;
    let request = state.request(&profile, &request)?;
    let url = request::resolve_url(&profile, &request.target)?;
    let mut headers = request::outgoing_headers(&profile, &request);
    headers.push(("Authorization".into(), "Bearer ••••••••".into()));
    Ok(RequestPreview {
        url: url.to_string(),
        headers,
    })
}

#[tauri::command]
pub async fn send_request(
    state: State<'_, AppState>,
    name: String,
    request: RequestDraft,
) -> Reply<ResponseView> {
    let profile = state.profile(&name)?;
    let request = state.request(&profile, &request)?;
    send_and_record(&state, &profile, &request).await
}

/// Send with the profile's token, keep it in history (as sent: variables filled, secrets
/// redacted), and show the answer.
pub(super) async fn send_and_record(
    state: &AppState,
    profile: &Profile,
    request: &ApiRequest,
) -> Reply<ResponseView> {
    request::resolve_url(profile, &request.target)?;
    let response = state.session.send(profile, request).await;
    if let Some(history) = &state.history {
        let error = response.as_ref().err().map(ToString::to_string);
        let outcome = response
            .as_ref()
            .map_err(|_| error.as_deref().unwrap_or_default());
        if let Err(e) = history.record_sent(profile, request, outcome) {
            tracing::warn!("the request was not kept in history: {e}");
        }
    }
    let response = response.map_err(session_error)?;
    let content_type = response
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let size = response.body.len() as u32;
    let (body, binary) = match String::from_utf8(response.body) {
        Ok(text) => (text, false),
        Err(e) if is_textual(&content_type) => {
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), false)
        }
        Err(_) => (String::new(), true),
    };
    Ok(ResponseView {
        status: response.status,
        status_text: reqwest_reason(response.status),
        url: response.url,
        headers: response.headers,
        body,
        size,
        binary,
        elapsed_ms: response.elapsed.as_millis().min(u32::MAX as u128) as u32,
        retried_after_401: response.retried_after_401,
    })
}

fn is_textual(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || ["json", "xml", "javascript", "x-www-form-urlencoded"]
            .iter()
            .any(|t| content_type.contains(t))
}

fn reqwest_reason(status: u16) -> String {
    tauri::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
        .to_string()
}

/// Copy the request as a curl command; the token is put in only when asked. Returns the command
/// with the token redacted, to show.
#[tauri::command]
pub async fn copy_as_curl(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    request: RequestDraft,
    with_token: bool,
) -> Reply<String> {
    let profile = state.profile(&name)?;
    let request = state.request(&profile, &request)?;
    copy_curl(&app, &state, &profile, &request, with_token).await
}

/// Put `request` on the clipboard as curl (the token only when asked); return it redacted, to
/// show. `profile` gives the default headers and the token.
pub(super) async fn copy_curl(
    app: &AppHandle,
    state: &AppState,
    profile: &Profile,
    request: &ApiRequest,
    with_token: bool,
) -> Reply<String> {
    let shown = curl::to_curl(profile, request, Bearer::Redacted)?;
    let copied = match with_token {
        true => {
            let token = state.session.token(profile).await.map_err(session_error)?;
            curl::to_curl(profile, request, Bearer::Shown(&token.access_token))?
        }
        false => shown.clone(),
    };
    app.clipboard()
        .write_text(copied)
        .map_err(|e| UiError::from(format!("could not copy to the clipboard: {e}")))?;
    Ok(shown)
}

/// A customer's curl command as a draft for the builder. Their `Authorization` is dropped (the
/// profile's token goes instead); `@file` bodies are refused, since the file is on their machine.
#[tauri::command]
pub fn paste_curl(command: String) -> Reply<CurlPasted> {
    let no_files = |path: &str| {
        Err(std::io::Error::other(format!(
            "the window does not read files named in a curl command; paste the body of {path} instead"
        )))
    };
    let mut parsed = curl::parse_curl(&command, no_files)?;
    let authorization_dropped = parsed.take_authorization().map(|(_, scheme)| scheme);
    let body = match parsed.body {
        None => DraftBody::None,
        Some(text) if serde_json::from_str::<serde_json::Value>(&text).is_ok() => {
            DraftBody::Json(text)
        }
        Some(text) => DraftBody::Raw(text),
    };
    Ok(CurlPasted {
        draft: RequestDraft {
            method: parsed.method,
            url: parsed.url,
            query: Vec::new(),
            headers: parsed.headers,
            body,
        },
        authorization_dropped,
    })
}

#[tauri::command]
pub fn get_variables(state: State<'_, AppState>) -> Reply<UserVariables> {
    Ok(state.variables.load()?)
}

#[tauri::command]
pub fn save_variables(
    state: State<'_, AppState>,
    variables: UserVariables,
) -> Reply<UserVariables> {
    state.variables.save(variables)?;
    Ok(state.variables.load()?)
}

#[tauri::command]
pub fn list_saved_requests(state: State<'_, AppState>, name: String) -> Reply<Vec<SavedRequest>> {
    let profile = state.profile(&name)?;
    Ok(state.saved.list(&profile.keyring_id)?)
}

#[tauri::command]
pub fn save_request(
    state: State<'_, AppState>,
    name: String,
    saved: SavedRequest,
) -> Reply<Vec<SavedRequest>> {
    let profile = state.profile(&name)?;
    if saved.name.trim().is_empty() {
        return Err("give the request a name to save it".into());
    }
    state.saved.put(&profile.keyring_id, saved)?;
    Ok(state.saved.list(&profile.keyring_id)?)
}

#[tauri::command]
pub fn delete_saved_request(
    state: State<'_, AppState>,
    name: String,
    saved_name: String,
) -> Reply<Vec<SavedRequest>> {
    let profile = state.profile(&name)?;
    state.saved.remove(&profile.keyring_id, &saved_name)?;
    Ok(state.saved.list(&profile.keyring_id)?)
}
