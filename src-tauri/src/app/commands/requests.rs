//! The request builder: preview, send, copy as curl, saved requests, pasted curl, variables.

use tauri::{AppHandle, State};
use waybill_core::workspace::{
    parse_curl, Capture, Expect, RequestDraft, RunOptions, RunReport, SavedRequest, UserVariables,
    WorkspaceError,
};

use super::{copy, Reply};
use crate::app::view::{CurlPasted, RequestPreview, ResponseView, SavedView};
use crate::app::AppState;

/// The request as it will go out: its full URL and headers, the bearer shown masked.
#[tauri::command]
pub async fn preview_request(
    state: State<'_, AppState>,
    name: String,
    request: RequestDraft,
) -> Reply<RequestPreview> {
    Ok(state.ws.preview(&name, &request)?.into())
}

/// Send with the profile's token (variables filled); kept in history as sent, redacted.
#[tauri::command]
pub async fn send_request(
    state: State<'_, AppState>,
    name: String,
    request: RequestDraft,
) -> Reply<ResponseView> {
    Ok(state.ws.send_draft(&name, &request, &[]).await?.into())
}

/// Copy the request as curl (the token only when asked); returns it redacted, to show.
#[tauri::command]
pub async fn copy_as_curl(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    request: RequestDraft,
    with_token: bool,
) -> Reply<String> {
    let curl = state.ws.draft_as_curl(&name, &request, with_token).await?;
    copy(&app, &curl.copied)?;
    Ok(curl.shown)
}

/// A customer's curl command as a draft. Their `Authorization` is dropped (the profile's token
/// goes instead); `@file` bodies are refused, since the file is on their machine.
#[tauri::command]
pub async fn paste_curl(command: String) -> Reply<CurlPasted> {
    let no_files = |path: &str| {
        let why = format!("the window does not read files named in a curl command; paste the body of {path} instead");
        Err(std::io::Error::other(why))
    };
    let mut parsed = parse_curl(&command, no_files).map_err(WorkspaceError::from)?;
    let authorization_dropped = parsed.take_authorization().map(|(_, scheme)| scheme);
    Ok(CurlPasted {
        draft: parsed.to_draft(),
        authorization_dropped,
    })
}

fn views(saved: Vec<SavedRequest>) -> Vec<SavedView> {
    saved.into_iter().map(SavedView::from).collect()
}

#[tauri::command]
pub async fn list_saved_requests(
    state: State<'_, AppState>,
    name: String,
) -> Reply<Vec<SavedView>> {
    Ok(views(state.ws.saved_requests(&name)?))
}

/// Save `request` as `path` (`folder/name`, or a name), with what its answer must show and the
/// values it captures, replacing the one of that path.
#[tauri::command]
pub async fn save_request(
    state: State<'_, AppState>,
    name: String,
    path: String,
    request: RequestDraft,
    expect: Option<Expect>,
    capture: Vec<Capture>,
) -> Reply<Vec<SavedView>> {
    let saved = SavedRequest {
        expect,
        capture,
        ..SavedRequest::at(&path, request)
    };
    Ok(views(state.ws.save_request(&name, saved)?))
}

/// Run the profile's saved requests (those `only` names, folders or requests; all when empty)
/// as checks, one after another.
#[tauri::command]
pub async fn run_saved(
    state: State<'_, AppState>,
    name: String,
    only: Vec<String>,
) -> Reply<RunReport> {
    let options = RunOptions {
        only,
        parallel: 1,
        ..RunOptions::default()
    };
    Ok(state.ws.run(&name, &options, &|_| {}).await?)
}

#[tauri::command]
pub async fn delete_saved_request(
    state: State<'_, AppState>,
    name: String,
    folder: Option<String>,
    saved_name: String,
) -> Reply<Vec<SavedView>> {
    let left = state
        .ws
        .delete_saved_request(&name, folder.as_deref(), &saved_name)?;
    Ok(views(left))
}

#[tauri::command]
pub async fn get_variables(state: State<'_, AppState>) -> Reply<UserVariables> {
    Ok(state.ws.variables()?)
}

/// The Variables editor's changes (it showed `before`); returns them as they are now, with
/// another Waybill's changes meanwhile kept.
#[tauri::command]
pub async fn save_variables(
    state: State<'_, AppState>,
    before: UserVariables,
    variables: UserVariables,
) -> Reply<UserVariables> {
    Ok(state.ws.edit_variables(&before, &variables)?)
}
