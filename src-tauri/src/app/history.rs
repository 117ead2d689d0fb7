//! Tauri commands for reproducing a customer's call: the history list, replay, copy as curl, and
//! case files. Thin, like `commands`: the core does the work.

use std::path::PathBuf;

use tauri::{AppHandle, State};
use waybill_core::case::CaseFile;
use waybill_core::history::{Entry, Filter, History};
use waybill_core::Profile;

use super::commands::{copy_curl, send_and_record};
use super::view::*;
use super::AppState;

type Reply<T> = Result<T, UiError>;

fn history(state: &AppState) -> Reply<&History> {
    state.history.as_ref().ok_or_else(|| UiError {
        message: "history is not kept in this run: its database could not be opened".into(),
        hint: Some("See the log for why; requests are still sent.".into()),
    })
}

fn filter(query: HistoryQuery) -> Reply<Filter> {
    let blank = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let since = query.within_minutes.map(|minutes| {
        let since = chrono::Utc::now() - chrono::Duration::minutes(minutes.into());
        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    Ok(Filter {
        profile: blank(query.profile),
        status: blank(query.status).as_deref().map(str::parse).transpose()?,
        url_contains: blank(query.url),
        since,
        limit: Some(query.limit.unwrap_or(200)),
    })
}

#[tauri::command]
pub fn list_history(state: State<'_, AppState>, query: HistoryQuery) -> Reply<Vec<HistoryRow>> {
    let entries = history(&state)?.list(&filter(query)?)?;
    Ok(entries.into_iter().map(HistoryRow::from).collect())
}

/// One entry with its (redacted) request and response.
#[tauri::command]
pub fn history_entry(state: State<'_, AppState>, id: i64) -> Reply<Entry> {
    Ok(history(&state)?.get(id)?)
}

/// The entry's profile, or `name` when the person picked another.
fn replay_profile(state: &AppState, entry: &Entry, name: Option<String>) -> Reply<Profile> {
    state.profile(name.as_deref().unwrap_or(&entry.profile))
}

/// Send the entry again with the current token of its profile (or `name`'s); kept as a new entry.
#[tauri::command]
pub async fn replay_history(
    state: State<'_, AppState>,
    id: i64,
    name: Option<String>,
) -> Reply<ResponseView> {
    let entry = history(&state)?.get(id)?;
    let profile = replay_profile(&state, &entry, name)?;
    let original = state.profile(&entry.profile).ok();
    let request = entry.to_request_for(original.as_ref(), &profile);
    send_and_record(&state, &profile, &request).await
}

/// The entry as curl on the clipboard (the token only when asked); returns it redacted.
#[tauri::command]
pub async fn copy_history_as_curl(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    with_token: bool,
) -> Reply<String> {
    let entry = history(&state)?.get(id)?;
    let request = entry.to_request();
    // The entry's headers already hold the profile's defaults: only the token comes from it.
    let bare = match with_token {
        true => Profile {
            headers: Default::default(),
            ..replay_profile(&state, &entry, None)?
        },
        false => Profile::default(),
    };
    copy_curl(&app, &state, &bare, &request, with_token).await
}

/// How many entries history keeps (the newest).
#[tauri::command]
pub fn history_keep(state: State<'_, AppState>) -> Reply<u32> {
    Ok(history(&state)?.keep()?)
}

/// Keep only the newest `entries` from now on (older ones go now).
#[tauri::command]
pub fn set_history_keep(state: State<'_, AppState>, entries: u32) -> Reply<u32> {
    if entries == 0 {
        return Err("keep at least 1 entry (Clear history empties it)".into());
    }
    let history = history(&state)?;
    history.set_keep(entries)?;
    Ok(history.keep()?)
}

#[tauri::command]
pub fn clear_history(state: State<'_, AppState>) -> Reply<()> {
    Ok(history(&state)?.clear()?)
}

/// A path as typed: relative ones are under the app's case directory.
fn case_path(state: &AppState, path: &str) -> Reply<PathBuf> {
    let path = path.trim();
    if path.is_empty() {
        return Err("type a file name for the case file".into());
    }
    Ok(PathBuf::from(&state.info.case_dir).join(path))
}

/// Write the entries `ids` (their requests, responses and profiles' shapes; never secrets or
/// tokens) to a new file. An existing file is never replaced.
#[tauri::command]
pub fn export_case(state: State<'_, AppState>, path: String, ids: Vec<i64>) -> Reply<String> {
    if ids.is_empty() {
        return Err("pick the history entries to put in the case file".into());
    }
    let history = history(&state)?;
    let entries = ids
        .iter()
        .map(|id| history.get(*id))
        .collect::<Result<Vec<_>, _>>()?;
    let case = CaseFile::export(&entries, &state.store.load()?);
    let path = case_path(&state, &path)?;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, case.to_json().as_bytes()));
    written.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => UiError {
            message: format!("{} exists already", path.display()),
            hint: Some("Pick another file name: a case file is never written over.".into()),
        },
        _ => format!("could not write {}: {e}", path.display()).into(),
    })?;
    Ok(path.display().to_string())
}

fn read_case(state: &AppState, path: &str) -> Reply<(PathBuf, CaseFile)> {
    let path = case_path(state, path)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| UiError::from(format!("could not read {}: {e}", path.display())))?;
    Ok((path, CaseFile::from_json(&text)?))
}

/// What importing the file would add; nothing changes yet.
#[tauri::command]
pub fn plan_case_import(state: State<'_, AppState>, path: String) -> Reply<CasePlanView> {
    let (path, case) = read_case(&state, &path)?;
    let plan = case.plan(&state.store.load()?);
    Ok(CasePlanView {
        path: path.display().to_string(),
        exported_at: case.exported_at,
        add: plan.add.iter().map(|p| p.name.clone()).collect(),
        renamed: plan.renamed,
        reused: plan.reused,
        saved: plan
            .saved
            .into_iter()
            .map(|(profile, saved)| (profile, saved.name))
            .collect(),
    })
}

/// Add what `plan_case_import` showed: new profiles (never replacing one) and saved requests.
#[tauri::command]
pub fn import_case(state: State<'_, AppState>, path: String) -> Reply<ProfileList> {
    let (_, case) = read_case(&state, &path)?;
    let plan = case.plan(&state.store.load()?);
    let profiles = plan.apply(&state.store)?;
    Ok(ProfileList {
        profiles: profiles.iter().cloned().collect(),
        notice: Some(
            "Imported. Case files carry no secrets: edit each new profile to type its client secret."
                .into(),
        ),
    })
}
