//! The OS keyring: whether it answers (asked every few seconds, so the window says when it went
//! away and when it is back), and its entries that no profile owns, found and removed.

use tauri::State;

use super::Reply;
use crate::app::view::KeyringTidy;
use crate::app::AppState;

#[tauri::command]
pub async fn check_keyring(state: State<'_, AppState>) -> Reply<()> {
    Ok(state.ws.check_keyring().await?)
}

/// What `waybill keyring tidy` lists; nothing is removed.
#[tauri::command]
pub async fn keyring_orphans(state: State<'_, AppState>) -> Reply<KeyringTidy> {
    let entries = state.ws.keyring_orphans().await?;
    Ok(KeyringTidy {
        entries,
        removed: false,
    })
}

/// What `waybill keyring tidy --yes` does: those entries removed.
#[tauri::command]
pub async fn tidy_keyring(state: State<'_, AppState>) -> Reply<KeyringTidy> {
    let entries = state.ws.tidy_keyring().await?;
    Ok(KeyringTidy {
        removed: !entries.is_empty(),
        entries,
    })
}
