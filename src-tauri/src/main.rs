//! The `waybill` binary. Without a subcommand (or with `demo`) it opens the window; with one it is
//! the CLI, which never touches GTK or WebKit, so it runs on servers and in CI without a display.

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod app;
mod browser;
mod cli;

fn main() {
    std::process::exit(cli::run());
}
