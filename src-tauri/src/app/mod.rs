//! The window: Tauri v2 over `waybill_core::Workspace`. `commands/` are the thin commands (and the
//! one list of them); `view` is the typed IPC contract and its conversions; `demo` seeds the
//! built-in demo provider for `waybill demo`.

mod commands;
mod demo;
pub mod view;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use waybill_core::workspace::Workspace;

use tauri::webview::PageLoadEvent;
use tauri::{Manager, Window};
use view::AppInfo;

/// How the window was asked for on the command line.
pub struct Launch {
    /// Start the built-in demo provider with ready profiles (secrets in memory, scratch profiles dir).
    pub demo: bool,
    /// Where the profiles, saved requests, variables and history are (`--home`); `None`: the OS
    /// directories.
    pub home: Option<std::path::PathBuf>,
    /// Keep secrets in memory for this run instead of the keyring.
    pub session_only: bool,
    pub http_timeout: Duration,
}

/// Everything the commands share.
pub struct AppState {
    ws: Workspace,
    info: AppInfo,
    /// For the one "window interactive" log line (bench/app-start.sh reads it).
    started: Instant,
    announced: AtomicBool,
    /// Kept alive for as long as the window runs.
    _demo: Option<demo::Demo>,
}

impl AppState {
    /// The page's script runs: show the window and log the start's time, once. The window is
    /// created hidden (tauri.conf.json) because a window drawn while WebKit's web process is
    /// still starting made GTK wait up to 500 ms for its first frame, in one start of three to
    /// five (bench/results.md); shown now, it appears with the page drawn.
    fn announce_interactive(&self, window: &Window) {
        if !self.announced.swap(true, Ordering::Relaxed) {
            let _ = window.show();
            let elapsed_ms = self.started.elapsed().as_millis() as u64;
            tracing::info!(elapsed_ms, "window interactive");
        }
    }
}

pub fn run(launch: Launch) -> i32 {
    without_gpu_compositing();
    match build_and_run(launch) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("waybill: error: {message}");
            2
        }
    }
}

/// A page of forms and text needs no GPU. Without GPU compositing WebKit's web process idles at
/// about 110 MB PSS instead of 196 MB; without GTK's OpenGL the app process does not start Mesa
/// to choose a visual when it opens the display (`bench/app-start.sh` measures both). WebKit
/// reads its variable in every process it starts; a user who wants the GPU sets it to 0, and then
/// GTK keeps OpenGL too. An idle page paints nothing, which only WebDriver's screenshot notices
/// (tests/src/window.rs).
fn without_gpu_compositing() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Called first thing in `run`, before any thread (Tauri, the demo's runtime) exists.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        if std::env::var_os("GDK_GL").is_none() {
            std::env::set_var("GDK_GL", "disable");
        }
    }
}

fn build_and_run(launch: Launch) -> Result<(), String> {
    let started = Instant::now();
    let demo = match launch.demo {
        true => Some(tauri::async_runtime::block_on(demo::Demo::start())?),
        false => None,
    };
    let ws = match &demo {
        Some(demo) => Workspace::open_scratch(demo.dir(), launch.http_timeout),
        None => Workspace::open_default(
            launch.home.as_deref(),
            launch.session_only,
            launch.http_timeout,
        )
        .map_err(|e| e.to_string())?,
    };
    if let Some(demo) = &demo {
        tauri::async_runtime::block_on(demo.seed(&ws))?;
    }
    let case_dir = match &demo {
        Some(demo) => demo.dir().to_path_buf(),
        None => directories::UserDirs::new()
            .and_then(|d| d.download_dir().or(d.document_dir()).map(Into::into))
            .unwrap_or_else(|| ws.dir().to_path_buf()),
    };
    let info = AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        profiles_file: ws.profiles_path().display().to_string(),
        keyring: !(launch.demo || launch.session_only),
        demo: demo.as_ref().map(demo::Demo::info),
        case_dir: case_dir.display().to_string(),
    };
    let state = AppState {
        ws,
        info,
        started,
        announced: AtomicBool::new(false),
        _demo: demo,
    };
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "state ready"
    );
    tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(state)
        // Where a start's time goes (`WAYBILL_LOG=debug`; bench/results.md has a run).
        .on_page_load(move |webview, page| {
            let elapsed_ms = started.elapsed().as_millis() as u64;
            tracing::debug!(elapsed_ms, event = ?page.event(), "page load");
            // Normally shown already by the page's first call; this covers a page whose script
            // failed, so that the window still appears.
            if page.event() == PageLoadEvent::Finished {
                let _ = webview.window().show();
            }
        })
        // Tauri's setup runs once the window and its web view exist.
        .setup(move |app| {
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "window and web view created"
            );
            // Should WebKit never load the page at all (its web process failed to start), the
            // window still appears, rather than an app running with no window.
            if let Some(window) = app.get_webview_window("main") {
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(5));
                    let _ = window.show();
                });
            }
            Ok(())
        })
        // Every `#[tauri::command]` under commands/, listed by build.rs.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/handler.rs")))
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}

#[cfg(test)]
mod tests {
    /// Every command, as build.rs found them under commands/.
    const COMMANDS: &[&str] = include!(concat!(env!("OUT_DIR"), "/commands.rs"));

    /// `ui/src/lib/api.ts` is the page's side of the list: it must call exactly these commands,
    /// or a command is unreachable (or a call is refused at run time).
    #[test]
    fn the_page_calls_exactly_the_commands_there_are() {
        let api = include_str!("../../../ui/src/lib/api.ts");
        let mut called: Vec<&str> = api
            .split("invoke<")
            .skip(1)
            .filter_map(|call| call.split('"').nth(1))
            .collect();
        called.sort_unstable();
        let mut commands = COMMANDS.to_vec();
        commands.sort_unstable();
        assert_eq!(
            called, commands,
            "api.ts and the commands under src/app/commands/ differ"
        );
    }

    /// Every field of a profile can be set in the window: the profile form edits it as
    /// `profile.<field>` (the rest of `NewProfile` flows through untouched, so a field without a
    /// control would be one the window could never set).
    #[test]
    fn every_profile_field_has_a_form_control() {
        let form = include_str!("../../../ui/src/components/ProfileEditor.svelte");
        let missing: Vec<&str> = waybill_core::workspace::Profile::FIELDS
            .iter()
            .filter(|f| **f != "keyring_id" && !form.contains(&format!("profile.{f}")))
            .copied()
            .collect();
        assert!(
            missing.is_empty(),
            "the profile form (ProfileEditor.svelte) has no control for {missing:?}"
        );
    }
}
