//! The window's commands: each takes what the page sends, calls one `Workspace` function, and
//! converts the answer (`super::view`). No logic of their own; tokens never go back to the page.
//!
//! This folder is the one list of commands: `build.rs` reads every `#[tauri::command]` here and
//! generates the handler list, the permissions and `capabilities/main.json` from it, and a test
//! checks that `ui/src/lib/api.ts` calls exactly these.

pub mod history;
pub mod imports;
pub mod keyring;
pub mod profiles;
pub mod requests;
pub mod tokens;

use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;

use super::view::UiError;

pub type Reply<T> = Result<T, UiError>;

/// Put `text` on the clipboard from here: a token copied never passes through the page.
fn copy(app: &AppHandle, text: &str) -> Reply<()> {
    (app.clipboard().write_text(text))
        .map_err(|e| UiError::plain("clipboard", format!("could not copy to the clipboard: {e}")))
}
