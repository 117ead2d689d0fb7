//! Profiles, presets, and what the window shows about itself.

use tauri::{State, Window};
use waybill_core::profile::preset;
use waybill_core::Profile;

use super::Reply;
use crate::app::view::{AppInfo, PresetView, ProfileForm, ProfileList};
use crate::app::AppState;

/// The page's first call: its script runs and it is about to show the profiles.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>, window: Window) -> Reply<AppInfo> {
    state.announce_interactive(&window);
    Ok(state.info.clone())
}

#[tauri::command]
pub async fn list_presets() -> Reply<Vec<PresetView>> {
    Ok(preset::presets()
        .into_iter()
        .map(PresetView::from)
        .collect())
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> Reply<ProfileList> {
    Ok(ProfileList::from(state.ws.profiles()))
}

/// Changes when another Waybill (or this one) changed profiles, saved requests or variables.
#[tauri::command]
pub async fn workspace_revision(state: State<'_, AppState>) -> Reply<String> {
    Ok(state.ws.revision())
}

/// Add a profile, or edit one (`form.original_name`): the fields changed since `initial` are
/// applied to the profile as it is now. Secrets go straight to the keyring.
#[tauri::command]
pub async fn save_profile(
    state: State<'_, AppState>,
    form: ProfileForm,
    initial: Option<ProfileForm>,
) -> Reply<Profile> {
    let (ws, original) = (&state.ws, form.original_name.clone());
    let (new, secrets) = form.read()?;
    let saved = match (original, initial) {
        (Some(name), Some(initial)) => ws.edit_profile(&name, initial.into(), new, secrets).await,
        _ => ws.add_profile(new, secrets).await,
    };
    Ok(saved?)
}

/// A copy under a new name with its own keyring entries and the same saved requests.
#[tauri::command]
pub async fn duplicate_profile(
    state: State<'_, AppState>,
    name: String,
    new_name: String,
) -> Reply<Profile> {
    Ok(state.ws.duplicate_profile(&name, &new_name).await?)
}

/// Remove the profile, its keyring entries and its saved requests.
#[tauri::command]
pub async fn delete_profile(state: State<'_, AppState>, name: String) -> Reply<()> {
    state.ws.remove_profile(&name).await?;
    Ok(())
}

/// Make the profile's client a new signing key (private_key_jwt) and return its public JWK, to
/// register with the provider. `replace`: over the key it has.
#[tauri::command]
pub async fn generate_client_key(
    state: State<'_, AppState>,
    name: String,
    replace: bool,
) -> Reply<serde_json::Value> {
    Ok(state.ws.generate_client_key(&name, replace).await?)
}

/// The public JWK of the profile's client key, or `null`.
#[tauri::command]
pub async fn client_public_key(
    state: State<'_, AppState>,
    name: String,
) -> Reply<Option<serde_json::Value>> {
    Ok(state.ws.client_public_key(&name).await?)
}
