//! `waybill`, the command line. It links no Tauri, so a command starts like any small program and
//! runs on servers and in CI without a display. Without a command (or with `demo`) it becomes
//! `waybill-window`, installed beside it, with the same arguments.

fn main() {
    let code = match waybill_cli::parse() {
        waybill_cli::Parsed::Window { .. } => open_window(),
        waybill_cli::Parsed::Command(command) => waybill_cli::run(command),
        waybill_cli::Parsed::Exit(code) => code,
    };
    std::process::exit(code);
}

/// Replace this process with the window binary (same PID, arguments and environment, so whoever
/// started `waybill` is waiting on the window).
fn open_window() -> i32 {
    let name = format!("waybill-window{}", std::env::consts::EXE_SUFFIX);
    let window = match std::env::current_exe() {
        Ok(exe) => exe.with_file_name(name),
        Err(e) => return fail(format!("could not find this program's own path: {e}")),
    };
    let mut command = std::process::Command::new(&window);
    command.args(std::env::args_os().skip(1));
    let failed = |e: std::io::Error| {
        fail(format!(
            "could not start the window ({}): {e}; every command works without it (see `waybill --help`)",
            window.display()
        ))
    };
    #[cfg(unix)]
    {
        failed(std::os::unix::process::CommandExt::exec(&mut command))
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) => status.code().unwrap_or(2),
        Err(e) => failed(e),
    }
}

fn fail(message: String) -> i32 {
    eprintln!("waybill: error: {message}");
    2
}
