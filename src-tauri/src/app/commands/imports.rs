//! Importing an API: a spec's or collection's path typed (or dropped) in the window, its plan
//! shown, then imported.

use std::path::PathBuf;

use tauri::State;
use waybill_core::workspace::ImportOptions;

use super::Reply;
use crate::app::view::{not_blank, ApiImportView, UiError};
use crate::app::AppState;

/// What importing a spec or collection would do, or with `apply` does (planned again then: a
/// profile added meanwhile is not replaced). `environment`: a Postman environment file.
#[tauri::command]
pub async fn import_api(
    state: State<'_, AppState>,
    path: String,
    profile: Option<String>,
    live: bool,
    environment: Option<String>,
    apply: bool,
) -> Reply<ApiImportView> {
    let path = spec_path(&path)?;
    let options = ImportOptions {
        profile: not_blank(&profile),
        live,
        environment: not_blank(&environment).map(PathBuf::from),
    };
    let plan = match apply {
        true => state.ws.import(&path, &options).await?,
        false => state.ws.plan_import(&path, &options).await?,
    };
    Ok(ApiImportView {
        plan,
        applied: apply,
    })
}

fn spec_path(path: &str) -> Result<PathBuf, UiError> {
    match path.trim() {
        "" => Err(UiError::plain(
            "import",
            "give the path of the spec, collection file or Bruno folder",
        )),
        path => Ok(PathBuf::from(path)),
    }
}
