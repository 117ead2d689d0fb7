//! The `waybill` binary. With a subcommand it is the CLI, which never touches GTK or WebKit, so
//! it runs on servers and in CI without a display. Without one it will open the window (a later
//! issue); until then it prints help.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
