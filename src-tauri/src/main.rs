//! The `waybill` binary, two faces over one core: without a command (or with `demo`) it opens the
//! window; with one it is the CLI, which never touches GTK or WebKit, so it runs on servers and in
//! CI without a display. Neither face imports the other: both call `waybill_core::Workspace`.

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod app;
mod cli;

fn main() {
    let code = match cli::parse() {
        cli::Parsed::Window {
            demo,
            session_only,
            http_timeout,
        } => app::run(app::Launch {
            demo,
            session_only,
            http_timeout,
        }),
        cli::Parsed::Command(command) => cli::run(command),
        cli::Parsed::Exit(code) => code,
    };
    std::process::exit(code);
}
