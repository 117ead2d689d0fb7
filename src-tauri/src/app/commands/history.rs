//! History, replay, curl out and case files. Case files go through paths typed in the window
//! (a bare name goes to the case directory), not file dialogs.

use std::path::PathBuf;

use tauri::{AppHandle, State};
use waybill_core::workspace::{CaseSelection, Entry, Filter};

use super::{copy, Reply};
use crate::app::view::{
    CasePlanView, HistoryPage, HistoryQuery, HistoryRow, ProfileList, ResponseView, UiError,
};
use crate::app::AppState;

#[tauri::command]
pub async fn list_history(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> Reply<Vec<HistoryRow>> {
    let rows = state.ws.history(&Filter::try_from(query)?)?;
    Ok(rows.into_iter().map(HistoryRow::from).collect())
}

/// A page of the list (`query.limit` rows from `query.offset`), with how many entries the filters
/// find and how many there are: the window shows a long history a screenful at a time.
#[tauri::command]
pub async fn history_page(state: State<'_, AppState>, query: HistoryQuery) -> Reply<HistoryPage> {
    Ok(state.ws.history_page(&Filter::try_from(query)?)?.into())
}

/// One entry with its (redacted) request and response.
#[tauri::command]
pub async fn history_entry(state: State<'_, AppState>, id: i64) -> Reply<Entry> {
    Ok(state.ws.history_entry(id)?)
}

/// Send the entry again with the current token of its profile (or `name`'s); kept as a new entry.
#[tauri::command]
pub async fn replay_history(
    state: State<'_, AppState>,
    id: i64,
    name: Option<String>,
) -> Reply<ResponseView> {
    Ok(state.ws.replay(id, name.as_deref()).await?.into())
}

/// The entry as curl on the clipboard (the token only when asked); returns it redacted.
#[tauri::command]
pub async fn copy_history_as_curl(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    with_token: bool,
) -> Reply<String> {
    let curl = state.ws.history_as_curl(id, with_token).await?;
    copy(&app, &curl.copied)?;
    Ok(curl.shown)
}

/// How many entries history keeps (the newest).
#[tauri::command]
pub async fn history_keep(state: State<'_, AppState>) -> Reply<u32> {
    Ok(state.ws.history_keep()?)
}

/// Keep only the newest `entries` from now on (older ones go now).
#[tauri::command]
pub async fn set_history_keep(state: State<'_, AppState>, entries: u32) -> Reply<u32> {
    Ok(state.ws.set_history_keep(entries)?)
}

#[tauri::command]
pub async fn clear_history(state: State<'_, AppState>) -> Reply<()> {
    Ok(state.ws.clear_history()?)
}

/// Write the entries `ids` to a new file (never over an existing one); returns its path.
#[tauri::command]
pub async fn export_case(state: State<'_, AppState>, path: String, ids: Vec<i64>) -> Reply<String> {
    let path = case_path(&state, &path)?;
    let wrote = state
        .ws
        .export_case(&path, CaseSelection::Ids(ids), false)?;
    Ok(wrote.path.display().to_string())
}

/// What importing the file would add; nothing changes yet.
#[tauri::command]
pub async fn plan_case_import(state: State<'_, AppState>, path: String) -> Reply<CasePlanView> {
    let path = case_path(&state, &path)?;
    let (case, plan) = state.ws.plan_case_import(&path)?;
    Ok(CasePlanView::new(&path, &case, plan))
}

/// Add what `plan_case_import` showed: new profiles (never replacing one) and saved requests.
#[tauri::command]
pub async fn import_case(state: State<'_, AppState>, path: String) -> Reply<ProfileList> {
    state.ws.import_case(&case_path(&state, &path)?)?;
    let mut list = ProfileList::from(state.ws.profiles());
    list.notice = Some(
        "Imported. Case files carry no secrets: edit each new profile to type its client secret."
            .into(),
    );
    Ok(list)
}

/// A path as typed: relative ones are under the window's case directory.
fn case_path(state: &AppState, path: &str) -> Result<PathBuf, UiError> {
    match path.trim() {
        "" => Err(UiError::plain("file", "type a file name for the case file")),
        path => Ok(PathBuf::from(&state.info.case_dir).join(path)),
    }
}
