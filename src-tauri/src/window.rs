//! `waybill-window`, the window: Tauri v2 over `waybill_core::Workspace`, like the CLI. `waybill`
//! with no command starts it; given a command it is the CLI too, so either name does everything.

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod app;

fn main() {
    let code = match waybill_cli::parse() {
        waybill_cli::Parsed::Window {
            demo,
            home,
            session_only,
            http_timeout,
        } => app::run(app::Launch {
            demo,
            home,
            session_only,
            http_timeout,
        }),
        waybill_cli::Parsed::Command(command) => waybill_cli::run(command),
        waybill_cli::Parsed::Exit(code) => code,
    };
    std::process::exit(code);
}
