//! The window: Tauri v2 over waybill-core. `commands` are thin adapters (a few lines each over the
//! same core functions the CLI calls); `view` is the typed IPC contract; `demo` seeds the built-in
//! demo provider for `waybill demo`.

mod commands;
mod demo;
mod history;
pub mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use waybill_core::login::BrowserSignIn;
use waybill_core::saved::SavedRequests;
use waybill_core::variables::VariableStore;
use waybill_core::{
    ApiRequest, Net, Profile, ProfileStore, RequestDraft, Session, SystemClock, Vault,
};

use view::{AppInfo, UiError};

/// How the window was asked for on the command line.
pub struct Launch {
    /// Start the built-in demo provider with ready profiles (secrets in memory, scratch profiles dir).
    pub demo: bool,
    /// Keep secrets in memory for this run instead of the keyring.
    pub session_only: bool,
    pub http_timeout: Duration,
}

/// Everything the commands share.
pub struct AppState {
    store: ProfileStore,
    saved: SavedRequests,
    variables: VariableStore,
    /// Every request the window sends; `None` when the database could not be opened (said once).
    history: Option<waybill_core::history::History>,
    session: Session,
    info: AppInfo,
    sign_ins: Mutex<SignIns>,
    /// For the one "window interactive" log line (bench/app-start.sh reads it).
    started: std::time::Instant,
    announced: std::sync::atomic::AtomicBool,
    /// Kept alive for as long as the window runs.
    _demo: Option<demo::Demo>,
}

/// Browser sign-ins waiting for their redirect, by attempt number.
#[derive(Default)]
struct SignIns {
    next: u32,
    waiting: HashMap<u32, Waiting>,
    cancels: HashMap<u32, (String, tokio::sync::oneshot::Sender<()>)>,
}

struct Waiting {
    sign_in: BrowserSignIn,
    profile: Profile,
    cancelled: tokio::sync::oneshot::Receiver<()>,
}

pub fn run(launch: Launch) -> i32 {
    match build_and_run(launch) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("waybill: error: {message}");
            2
        }
    }
}

fn build_and_run(launch: Launch) -> Result<(), String> {
    let started = std::time::Instant::now();
    let net = Net::new(launch.http_timeout);
    let (store, vault, demo) = if launch.demo {
        let demo = tauri::async_runtime::block_on(demo::Demo::start())?;
        (demo.store(), Vault::in_memory(), Some(demo))
    } else {
        let dir = ProfileStore::default_dir().map_err(|e| e.to_string())?;
        let vault = match launch.session_only {
            true => Vault::in_memory(),
            false => Vault::keyring(),
        };
        (ProfileStore::new(dir), vault, None)
    };
    let session = Session::new(vault, net, Arc::new(SystemClock));
    if let Some(demo) = &demo {
        tauri::async_runtime::block_on(demo.seed(&store, &session))?;
    }
    let info = AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        profiles_file: store.path().display().to_string(),
        keyring: !(launch.demo || launch.session_only),
        demo: demo.as_ref().map(demo::Demo::info),
        case_dir: match demo {
            Some(_) => store.dir().to_path_buf(),
            None => directories::UserDirs::new()
                .and_then(|d| d.download_dir().or(d.document_dir()).map(Into::into))
                .unwrap_or_else(|| store.dir().to_path_buf()),
        }
        .display()
        .to_string(),
    };
    let history_dir = match demo {
        Some(_) => Some(store.dir().to_path_buf()),
        None => waybill_core::history::History::default_dir(),
    };
    let history = history_dir.and_then(|dir| {
        waybill_core::history::History::open(&dir)
            .map_err(|e| tracing::warn!("requests will not be kept in history: {e}"))
            .ok()
    });
    let state = AppState {
        saved: SavedRequests::in_dir(store.dir()),
        variables: VariableStore::in_dir(store.dir()),
        history,
        store,
        session,
        info,
        sign_ins: Mutex::default(),
        started,
        announced: Default::default(),
        _demo: demo,
    };
    tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_presets,
            commands::list_profiles,
            commands::save_profile,
            commands::duplicate_profile,
            commands::delete_profile,
            commands::profile_status,
            commands::get_token,
            commands::start_sign_in,
            commands::finish_sign_in,
            commands::cancel_sign_in,
            commands::renew_token,
            commands::revoke_tokens,
            commands::forget_tokens,
            commands::copy_token,
            commands::preview_request,
            commands::send_request,
            commands::copy_as_curl,
            commands::list_saved_requests,
            commands::save_request,
            commands::delete_saved_request,
            commands::paste_curl,
            commands::get_variables,
            commands::save_variables,
            history::list_history,
            history::history_entry,
            history::replay_history,
            history::copy_history_as_curl,
            history::clear_history,
            history::history_keep,
            history::set_history_keep,
            history::export_case,
            history::plan_case_import,
            history::import_case,
        ])
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}

impl AppState {
    fn profile(&self, name: &str) -> Result<Profile, UiError> {
        Ok(self.store.load()?.get(name)?.clone())
    }

    /// The builder's draft as it goes out for `profile`: `{{variables}}` filled, then checked.
    fn request(&self, profile: &Profile, draft: &RequestDraft) -> Result<ApiRequest, UiError> {
        let scope = self.variables.load()?.scope(profile);
        Ok(scope.fill_draft(draft)?.to_request()?)
    }
}
