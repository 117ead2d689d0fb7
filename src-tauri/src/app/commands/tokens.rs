//! Tokens and sign-in: what a profile holds, getting and renewing a token, browser sign-in,
//! revoke, forget, copy.

use tauri::{AppHandle, State};
use waybill_core::workspace::{Connection, Password, SIGN_IN_TIMEOUT};

use super::{copy, Reply};
use crate::app::view::{not_blank, ProviderCheckView, SignInStarted, StatusView, TimelineView};
use crate::app::AppState;

/// What the profile holds; with `verify`, a JWT's signature is checked against the provider's JWKS.
#[tauri::command]
pub async fn profile_status(
    state: State<'_, AppState>,
    name: String,
    verify: bool,
) -> Reply<StatusView> {
    Ok(StatusView::new(
        &name,
        state.ws.status(&name, verify).await?,
    ))
}

/// What the provider says about the token held: introspection, and userinfo for OpenID profiles.
#[tauri::command]
pub async fn check_at_provider(
    state: State<'_, AppState>,
    name: String,
) -> Reply<ProviderCheckView> {
    Ok(state.ws.check_at_provider(&name).await?.into())
}

/// A valid token, fetched or renewed if needed; a password typed now signs in with it.
#[tauri::command]
pub async fn get_token(
    state: State<'_, AppState>,
    name: String,
    password: Option<String>,
) -> Reply<StatusView> {
    let password = not_blank(&password).map(Password::new);
    state.ws.get_token(&name, password).await?;
    profile_status(state, name, true).await
}

/// The profile's last sign-in or token fetch in this window, step by step (none yet: null).
#[tauri::command]
pub async fn timeline(state: State<'_, AppState>, name: String) -> Reply<Option<TimelineView>> {
    Ok(state.ws.timeline(&name)?.map(Into::into))
}

/// Bind the loopback listener and open the user's browser on the provider's sign-in page.
#[tauri::command]
pub async fn start_sign_in(state: State<'_, AppState>, name: String) -> Reply<SignInStarted> {
    let started = state.ws.start_sign_in(&name, true, SIGN_IN_TIMEOUT).await?;
    Ok(started.into())
}

/// Wait for the browser to come back (or the timeout, or Cancel), then keep the tokens.
#[tauri::command]
pub async fn finish_sign_in(state: State<'_, AppState>, attempt: u32) -> Reply<StatusView> {
    let signed_in = state.ws.finish_sign_in(attempt).await?;
    profile_status(state, signed_in.profile, true).await
}

#[tauri::command]
pub async fn cancel_sign_in(state: State<'_, AppState>, attempt: u32) -> Reply<()> {
    state.ws.cancel_sign_in(attempt);
    Ok(())
}

/// Renew now: with the refresh token if there is one, else by running the grant again.
#[tauri::command]
pub async fn renew_token(state: State<'_, AppState>, name: String) -> Reply<StatusView> {
    state.ws.renew(&name).await?;
    profile_status(state, name, true).await
}

/// Revoke the tokens at the provider (RFC 7009), then forget them.
#[tauri::command]
pub async fn revoke_tokens(state: State<'_, AppState>, name: String) -> Reply<StatusView> {
    state.ws.revoke_tokens(&name).await?;
    profile_status(state, name, false).await
}

#[tauri::command]
pub async fn forget_tokens(state: State<'_, AppState>, name: String) -> Reply<StatusView> {
    state.ws.forget_tokens(&name).await?;
    profile_status(state, name, false).await
}

/// Put a valid access token on the clipboard (from here: it never passes through the window).
#[tauri::command]
pub async fn copy_token(app: AppHandle, state: State<'_, AppState>, name: String) -> Reply<()> {
    let token = state.ws.token(&name).await?;
    copy(&app, token.access_token.expose())
}

/// Prove the connection: send the preset's check request (the token or key fetched as needed);
/// connected, and what the answer names (a shop, an account), or the API's refusal in words.
#[tauri::command]
pub async fn check_connection(state: State<'_, AppState>, name: String) -> Reply<Connection> {
    Ok(state.ws.check_connection(&name).await?)
}
