//! The command line: `args` is the clap contract; each other module is a few handlers, each a
//! few lines over `waybill_core::Workspace`, plus how their results are printed (`output`).
//! No window here: both binaries parse with [`parse`], and only `waybill-window` links Tauri.
//!
//! Public contract (scripts depend on it): command and flag names, `--json` shapes, and exit codes:
//! 0 success; 1 `call`/`send`/`replay` got a non-2xx answer; 2 usage, auth, config, keyring or
//! network error. Errors go to stderr as one sentence (plus a hint line), never a panic or a
//! `Debug` dump.

mod args;
mod history;
mod imports;
mod input;
mod keyring;
mod output;
mod presets;
mod profile;
mod requests;
mod runs;
mod tokens;
mod trace;
mod variables;

use std::time::Duration;

use clap::Parser;
use waybill_core::workspace::{Environment, ImportOptions, Workspace};

pub use args::Cli;
use args::{Command, GlobalOptions};
use input::StdinLines;
use output::{Failure, EXIT_ERROR};

/// What the command line asked for.
pub enum Parsed {
    /// No command (or `demo`): the window.
    Window {
        demo: bool,
        home: Option<std::path::PathBuf>,
        session_only: bool,
        http_timeout: Duration,
    },
    Command(Box<Cli>),
    /// Help, version or a usage error was printed: exit with this code.
    Exit(i32),
}

/// Read the command line (and set up logging as it asks).
pub fn parse() -> Parsed {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Parsed::Exit(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    init_logging(cli.options.verbose);
    match &cli.command {
        None | Some(Command::Demo) => match http_timeout(&cli.options) {
            Ok(http_timeout) => Parsed::Window {
                demo: cli.command.is_some(),
                home: home(&cli.options),
                session_only: cli.options.session_only,
                http_timeout,
            },
            Err(failure) => Parsed::Exit(failure.report()),
        },
        Some(_) => Parsed::Command(Box::new(cli)),
    }
}

/// Run a command; returns the exit code.
/// `waybill history | head`: when the reader goes away, end quietly as other Unix tools do,
/// instead of a panic report. Only stdout's broken pipe: SIGPIPE stays ignored, so a peer that
/// closes a socket is an error in words, never a killed process.
fn quiet_on_closed_stdout() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        report(info);
    }));
}

pub fn run(cli: Box<Cli>) -> i32 {
    quiet_on_closed_stdout();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => return Failure::from(format!("could not start the async runtime: {e}")).report(),
    };
    let Some(command) = cli.command else {
        return 0;
    };
    let asked = trace::asked(&command);
    let trace = trace::for_args(&asked);
    let code = match runtime.block_on(trace.scope(dispatch(&cli.options, command))) {
        Ok(code) => code,
        Err(failure) => failure.report(),
    };
    // A keyring call given up on (`KEYRING_WAIT`) may still wait on its thread: do not wait too.
    runtime.shutdown_background();
    match trace::write_json(&asked, &trace) {
        Ok(()) => code,
        Err(failure) => failure.report(),
    }
}

/// `WAYBILL_LOG` takes a level (`debug`) or per-module levels (`waybill_core=debug,warn`).
/// `Targets` rather than `EnvFilter`: the same syntax for this use, without a regex engine.
fn init_logging(verbose: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = if verbose { "info" } else { "warn" };
    let filter = std::env::var("WAYBILL_LOG")
        .ok()
        .and_then(|text| text.parse::<tracing_subscriber::filter::Targets>().ok())
        .unwrap_or_else(|| default.parse().expect("a level parses"));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false),
        )
        .with(filter)
        .init();
}

/// What a command that touches profiles or secrets works with.
pub(crate) struct Context {
    ws: Workspace,
    session_only: bool,
    stdin: StdinLines,
}

impl Context {
    fn new(options: &GlobalOptions) -> Result<Context, Failure> {
        Ok(Context {
            ws: Workspace::open_default(
                home(options).as_deref(),
                options.session_only,
                http_timeout(options)?,
            )?,
            session_only: options.session_only,
            stdin: StdinLines::default(),
        })
    }
}

/// `--home` (or `WAYBILL_HOME`); an empty value is no home.
fn home(options: &GlobalOptions) -> Option<std::path::PathBuf> {
    options.home.clone().filter(|h| !h.as_os_str().is_empty())
}

async fn dispatch(options: &GlobalOptions, command: Command) -> Result<i32, Failure> {
    let ctx = || Context::new(options);
    match command {
        Command::Presets(args) => presets::presets(&ctx()?, args),
        Command::Check { name, json, .. } => presets::check(&ctx()?, &name, json).await,
        Command::Man => manual(),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "waybill", &mut script);
            print_bytes(&script)
        }
        Command::DemoServer { port, tls, mtls } => demo_server(port, tls || mtls, mtls).await,
        Command::Demo => Err(Failure::from(
            "`waybill demo` opens the window and runs alone",
        )),
        Command::Profile(command) => profile::run(&mut ctx()?, command).await,
        Command::Key(command) => profile::key(&ctx()?, command).await,
        Command::Keyring(command) => keyring::run(&ctx()?, command).await,
        Command::Import {
            file,
            profile,
            env,
            environment,
            yes,
            json,
        } => {
            let options = ImportOptions {
                profile,
                live: env == Some(Environment::Live),
                environment,
            };
            imports::import(&ctx()?, &file, &options, yes, json).await
        }
        Command::Doctor {
            name,
            json,
            probe_client_auth,
        } => tokens::doctor(&mut ctx()?, &name, json, probe_client_auth).await,
        Command::Token { name, json, .. } => tokens::token(&mut ctx()?, &name, json).await,
        Command::Inspect {
            name,
            json,
            no_verify,
            introspect,
        } => tokens::inspect(&ctx()?, &name, json, !no_verify, introspect).await,
        Command::Login {
            name,
            password_stdin,
            no_browser,
            sign_in_timeout,
            ..
        } => {
            let timeout = Duration::from_secs(sign_in_timeout);
            tokens::login(&mut ctx()?, &name, password_stdin, no_browser, timeout).await
        }
        Command::Logout { name, revoke } => tokens::logout(&ctx()?, &name, revoke).await,
        Command::Call(args) => requests::call(&mut ctx()?, args).await,
        Command::Run(args) => runs::run(&mut ctx()?, args).await,
        Command::Requests { name, json } => requests::list(&ctx()?, &name, json),
        Command::Send {
            name,
            request,
            vars,
            json_out,
            ..
        } => requests::send(&mut ctx()?, &name, &request, &vars, json_out).await,
        Command::CurlImport {
            profile,
            send,
            json_out,
        } => requests::curl_import(options, profile, send, json_out).await,
        Command::Replay {
            id,
            profile,
            json_out,
        } => requests::replay(&mut ctx()?, id, profile, json_out).await,
        Command::History(args) => history::history(&mut ctx()?, args).await,
        Command::Case(command) => history::case(&ctx()?, command),
        Command::Var(command) => variables::var(&ctx()?, command),
    }
}

fn manual() -> Result<i32, Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
        .render(&mut page)
        .map_err(|e| Failure::from(format!("could not make the manual page: {e}")))?;
    print_bytes(&page)
}

/// Generated text to stdout; a reader that stopped early (`| head`) is not an error.
fn print_bytes(bytes: &[u8]) -> Result<i32, Failure> {
    match std::io::Write::write_all(&mut std::io::stdout().lock(), bytes) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Failure::from(format!("could not write to stdout: {e}"))),
    }
}

async fn demo_server(port: u16, tls: bool, mtls: bool) -> Result<i32, Failure> {
    let config = waybill_demo::DemoConfig::default();
    let failed =
        |e: std::io::Error| format!("could not start the demo provider on 127.0.0.1:{port}: {e}");
    let (server, files) = match tls {
        false => (
            waybill_demo::DemoServer::start(port, config)
                .await
                .map_err(failed)?,
            None,
        ),
        true => {
            let files = demo_pki(mtls).map_err(|e| format!("could not write the demo CA: {e}"))?;
            let server = waybill_demo::DemoServer::start_tls(port, config, files.tls.clone())
                .await
                .map_err(failed)?;
            (server, Some(files))
        }
    };
    println!("{}", server.credentials_text());
    if let Some(files) = &files {
        println!("{}", files.text(&server));
    }
    println!("Serving on {} until Ctrl-C.", server.base_url());
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    // This run's CA is of no use to the next one (each makes its own).
    if let Some(dir) = files.as_ref().and_then(|f| f.ca.parent()) {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(0)
}

/// The demo's certificates, written to a fresh directory for the person to point their profile
/// at; removed when the server stops.
struct DemoPki {
    tls: waybill_demo::ServerTls,
    ca: std::path::PathBuf,
    client: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

fn demo_pki(mtls: bool) -> std::io::Result<DemoPki> {
    let (ca, mut tls) = waybill_demo::generated_tls();
    let dir = tempfile::Builder::new()
        .prefix("waybill-demo-ca-")
        .tempdir()?
        .keep();
    let path = dir.join("ca.pem");
    std::fs::write(&path, ca.cert_pem())?;
    let client = match mtls {
        false => None,
        true => {
            let issued = ca.client_cert("demo-client");
            let (cert, key) = (dir.join("client.pem"), dir.join("client-key.pem"));
            std::fs::write(&cert, &issued.cert_pem)?;
            write_private(&key, &issued.key_pem)?;
            tls.client_ca_pem = Some(ca.cert_pem());
            Some((cert, key))
        }
    };
    Ok(DemoPki {
        tls,
        ca: path,
        client,
    })
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())
}

impl DemoPki {
    fn text(&self, server: &waybill_demo::DemoServer) -> String {
        let mut text = format!(
            "CA certificate (a private CA made for this run, removed when it stops): {}\n",
            self.ca.display()
        );
        let mut add = format!(
            "  waybill profile add demo-tls --grant client_credentials --token-url {} --client-id demo-client --api-base {} --ca-file {}",
            server.token_url(),
            server.api_base(),
            self.ca.display()
        );
        match &self.client {
            None => add.push_str(" --client-secret-stdin <<< demo-secret\n"),
            Some((cert, key)) => {
                text.push_str(&format!(
                    "Client certificate: {}\nClient key: {} (delete it when done)\n",
                    cert.display(),
                    key.display()
                ));
                add.push_str(&format!(
                    " --client-auth tls_client_auth --tls-cert-file {} --tls-key-file {}\n",
                    cert.display(),
                    key.display()
                ));
            }
        }
        text.push_str(&format!(
            "\nTry it:\n{add}  waybill call demo-tls GET /whoami\n"
        ));
        text
    }
}

fn http_timeout(options: &GlobalOptions) -> Result<Duration, Failure> {
    if !(options.http_timeout.is_finite() && options.http_timeout > 0.0) {
        return Err(Failure::from(format!(
            "--http-timeout must be a positive number of seconds, not {}",
            options.http_timeout
        )));
    }
    Ok(Duration::from_secs_f64(options.http_timeout))
}
