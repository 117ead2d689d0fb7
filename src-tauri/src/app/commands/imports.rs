//! Importing an API: a spec's path typed in the window, its plan shown, then imported.

use std::path::PathBuf;

use tauri::State;
use waybill_core::workspace::ImportOptions;

use super::Reply;
use crate::app::view::{not_blank, ApiImportView, UiError};
use crate::app::AppState;

/// What importing an API spec (OpenAPI 3, Swagger 2.0) would do, or with `apply` does (planned
/// again then: a profile added meanwhile is not replaced).
#[tauri::command]
pub async fn import_api(
    state: State<'_, AppState>,
    path: String,
    profile: Option<String>,
    live: bool,
    apply: bool,
) -> Reply<ApiImportView> {
    let (path, options) = (spec_path(&path)?, import_options(profile, live));
    let plan = match apply {
        true => state.ws.import(&path, &options)?,
        false => state.ws.plan_import(&path, &options)?,
    };
    Ok(ApiImportView {
        plan,
        applied: apply,
    })
}

fn import_options(profile: Option<String>, live: bool) -> ImportOptions {
    ImportOptions {
        profile: not_blank(&profile),
        live,
    }
}

fn spec_path(path: &str) -> Result<PathBuf, UiError> {
    match path.trim() {
        "" => Err(UiError {
            code: "import".into(),
            message: "give the spec's file path".into(),
            hint: None,
        }),
        path => Ok(PathBuf::from(path)),
    }
}
