//! Profiles, presets, and what the window shows about itself.

use tauri::{State, Window};
use waybill_core::workspace::{ClientAuth, Grant, NewProfile, Profile};

use super::Reply;
use crate::app::view::{
    AppInfo, ConnectForm, FormFacts, FormInputs, PresetView, ProfileList, ProfileView,
};
use crate::app::AppState;

/// The page's first call: its script runs and it is about to show the profiles.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>, window: Window) -> Reply<AppInfo> {
    state.announce_interactive(&window);
    Ok(state.info.clone())
}

#[tauri::command]
pub async fn list_presets(state: State<'_, AppState>) -> Reply<Vec<PresetView>> {
    let presets = state.ws.presets();
    Ok((presets.all().iter().cloned())
        .map(PresetView::from)
        .collect())
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> Reply<ProfileList> {
    Ok(ProfileList::from(state.ws.profiles()))
}

/// The form that edits profile `name` (its preset's URLs left blank, so they follow it), or a
/// new profile's, from `preset` when one is chosen.
#[tauri::command]
pub async fn profile_form(
    state: State<'_, AppState>,
    name: Option<String>,
    preset: Option<String>,
) -> Reply<NewProfile> {
    Ok(match (name, preset) {
        (Some(name), _) => state.ws.describe_profile(&name)?,
        (None, Some(id)) => NewProfile::from_preset(&state.ws.preset(&id)?),
        // A custom profile starts as client credentials with a form body, the usual dialect.
        (None, None) => NewProfile {
            grant: Some(Grant::default()),
            client_auth: Some(ClientAuth::default()),
            ..NewProfile::default()
        },
    })
}

/// What the form shows for the profile as described so far (which secrets, which grant's
/// fields, the preset's URLs for blank ones).
#[tauri::command]
pub async fn form_facts(state: State<'_, AppState>, profile: NewProfile) -> Reply<FormFacts> {
    Ok(FormFacts::of(&profile, &state.ws.presets())?)
}

/// Changes when another Waybill (or this one) changed profiles, saved requests or variables.
#[tauri::command]
pub async fn workspace_revision(state: State<'_, AppState>) -> Reply<String> {
    Ok(state.ws.revision())
}

/// Add a profile, or edit profile `original_name`: the fields changed since `before` (the form
/// as it was opened) are applied to the profile as it is now. Secrets go straight to the keyring.
#[tauri::command]
pub async fn save_profile(
    state: State<'_, AppState>,
    original_name: Option<String>,
    profile: NewProfile,
    before: Option<NewProfile>,
    inputs: FormInputs,
) -> Reply<Profile> {
    let mut profile = profile;
    let secrets = inputs.read(&mut profile)?;
    let saved = match (original_name, before) {
        (Some(name), Some(before)) => state.ws.edit_profile(&name, before, profile, secrets).await,
        _ => state.ws.add_profile(profile, secrets).await,
    };
    Ok(saved?)
}

/// "Connect a carrier": a profile from the provider's preset, the credentials and the values it
/// asks for (each where the preset says); getting its token and checking it come next.
#[tauri::command]
pub async fn connect_provider(state: State<'_, AppState>, form: ConnectForm) -> Reply<ProfileView> {
    Ok(state.ws.connect(form.into()).await?.into())
}

/// Open the page where a preset's provider hands out credentials (its `docs`) in the user's
/// browser. Only a preset's own address: the page cannot have any other opened.
#[tauri::command]
pub async fn open_preset_docs(state: State<'_, AppState>, preset: String) -> Reply<()> {
    state.ws.open_preset_docs(&preset)?;
    Ok(())
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
