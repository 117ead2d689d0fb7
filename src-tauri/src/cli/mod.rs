//! The command line: clap definitions, and for each subcommand a few lines that call waybill-core.
//!
//! Public contract (scripts depend on it): command and flag names, `--json` shapes, and exit codes:
//! 0 success; 1 `call` got a non-2xx answer; 2 usage, auth, config, keyring or network error.
//! Errors go to stderr as one sentence (plus a hint line), never a panic or a `Debug` dump.

mod call;
mod history;
mod input;
mod profile;
mod tokens;
mod variables;

use call::{call, curl_import};
use input::StdinLines;
use profile::{presets, profile_command};
use tokens::{browser_login, inspect, login, logout, token};

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};
use waybill_core::login::BrowserSignIn;
use waybill_core::new_profile::NewProfileError;
use waybill_core::preset::{self, PresetError};
use waybill_core::profile::{ClientAuth, Environment, Grant, Profile};
use waybill_core::request::{self, ApiRequest};
use waybill_core::store::{ProfileStore, Profiles};
use waybill_core::vault::VaultError;
use waybill_core::{
    ClientSecret, Net, NewProfile, Password, RefreshToken, Session, SessionError, SystemClock,
    Vault,
};

#[derive(Parser)]
#[command(
    name = "waybill",
    version,
    about = "Get OAuth 2.0 access tokens from carrier and commerce APIs, and call those APIs with them.",
    long_about = "Get OAuth 2.0 access tokens from carrier and commerce APIs, and call those APIs with them.\n\n\
        Profiles live in profiles.toml in the OS config directory (WAYBILL_HOME overrides it); \
        client secrets, passwords and tokens live in the OS keyring, never in a file.\n\n\
        Without a command, `waybill` opens the window.\n\n\
        Exit codes: 0 success; 1 `call` got a non-2xx HTTP status; 2 usage, auth, config, keyring or network error."
)]
struct Cli {
    #[command(flatten)]
    options: GlobalOptions,
    /// None: open the window.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct GlobalOptions {
    /// Keep secrets in memory for this run only: nothing is read from or written to the keyring;
    /// the secrets a command needs are read from stdin (client secret on the first line, password
    /// on the second) or asked for on a terminal.
    #[arg(long, global = true)]
    session_only: bool,
    /// Seconds to wait for a token endpoint or API before giving up.
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        default_value_t = 30.0,
        env = "WAYBILL_HTTP_TIMEOUT"
    )]
    http_timeout: f64,
    /// Log what happens (to stderr; never secrets). Same as WAYBILL_LOG=info.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create, list, show and remove profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// List the built-in provider presets.
    Presets {
        #[arg(long)]
        json: bool,
    },
    /// Print a valid access token for a profile, renewing it if needed.
    Token {
        name: String,
        /// Print {access_token, token_type, expires_at, scope, source, extra} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what a profile holds, without renewing or printing the token: state, type, scope,
    /// expiry and time left, refresh token or not, and for a JWT its header and claims with the
    /// signature checked against the provider's JWKS.
    Inspect {
        name: String,
        #[arg(long)]
        json: bool,
        /// Do not fetch the provider's JWKS to check a JWT's signature.
        #[arg(long)]
        no_verify: bool,
    },
    /// Call the profile's API with `Authorization: Bearer`; prints the response body.
    ///
    /// A path is joined to the profile's API base; `{{name}}` in the URL, headers and body is filled
    /// from `waybill var` (and --var). Exit 0 on 2xx, 1 on another HTTP status, 2 on a usage, auth
    /// or network error. On a 401 the token is renewed once and the call retried once.
    Call(CallArgs),
    /// Sign in as the profile's user: in the browser (implicit, authorization_code), or with a
    /// password (password grant; read from stdin or asked for).
    Login {
        name: String,
        /// Read the password from stdin instead of asking (password grant).
        #[arg(long)]
        password_stdin: bool,
        /// Print the sign-in URL instead of opening the browser (browser grants).
        #[arg(long)]
        no_browser: bool,
        /// Seconds to wait for the browser to come back (browser grants).
        #[arg(long = "timeout", value_name = "SECS", default_value_t = 300)]
        sign_in_timeout: u64,
    },
    /// Forget the profile's tokens (their keyring entries are removed).
    Logout {
        name: String,
        /// First revoke them at the provider (RFC 7009), when it has a revocation endpoint.
        #[arg(long)]
        revoke: bool,
    },
    /// Open the window on the built-in demo provider, with one ready profile per kind (client
    /// credentials, password, browser sign-in). Profiles and secrets last for this run only.
    Demo,
    /// Read a curl command on stdin (multi-line, quoted, as pasted) and print the request it
    /// describes as JSON {method, url, headers, body}, its Authorization redacted; or, with
    /// --send, send it with the profile's token in place of any Authorization it had.
    ///
    /// Options that change the request but are not understood are refused by name. Exit codes
    /// with --send are those of `call`.
    CurlImport {
        /// The profile whose token replaces the command's Authorization (needed for --send).
        #[arg(long, value_name = "P")]
        profile: Option<String>,
        /// Send it instead of printing it.
        #[arg(long, requires = "profile")]
        send: bool,
        /// With --send: print {status, url, headers, body, elapsed_ms, retried_after_401} as JSON.
        #[arg(long, requires = "send")]
        json_out: bool,
    },
    /// The requests sent so far (newest first) with their answers; secrets are never kept.
    /// `history show ID` shows one; `--curl` prints it as curl (token redacted unless
    /// --with-token); `clear` empties it; `keep N` keeps only the newest N (default 1000).
    History(HistoryArgs),
    /// Case files: `case export FILE` writes history entries (the same filters as `history`) with
    /// their responses and the profiles' shapes (never secrets or tokens) as JSON; `case import
    /// FILE` shows what it would add, and adds it with --yes (a profile is never replaced: a
    /// clashing name comes in renamed; requests become saved requests).
    #[command(subcommand)]
    Case(CaseCommand),
    /// Send a history entry again, with the current token of its profile (or --profile's; a call
    /// made under its profile's API base goes to --profile's base). Exit codes are those of `call`.
    Replay {
        id: i64,
        #[arg(long, value_name = "P")]
        profile: Option<String>,
        /// Print {status, url, headers, body, elapsed_ms, retried_after_401} as JSON.
        #[arg(long)]
        json_out: bool,
    },
    /// Variables: `{{name}}` in `call`'s URL, headers and body (and the window's requests) takes
    /// the value set for the profile's environment, else the shared one, else the profile's own
    /// (`profile`, `environment`, `api_base`, `client_id`). Kept in variables.toml beside the
    /// profiles, as plain text: not for secrets.
    #[command(subcommand)]
    Var(VarCommand),
    /// Run the built-in demo OAuth provider and carrier API on 127.0.0.1.
    DemoServer {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8765)]
        port: u16,
    },
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Add a profile. The client secret is read from stdin with --client-secret-stdin, or asked for.
    Add(Box<AddArgs>),
    /// List profiles.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one profile (never its secrets).
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its keyring entries.
    Remove { name: String },
    /// Replace a profile's client secret in the keyring (read from stdin or asked for).
    SetSecret {
        name: String,
        #[arg(long)]
        client_secret_stdin: bool,
    },
}

#[derive(Args)]
struct AddArgs {
    name: String,
    /// Start from a provider preset (see `waybill presets`); any flag below overrides it.
    #[arg(long)]
    preset: Option<String>,
    /// The preset's environment.
    #[arg(long = "env", value_name = "sandbox|live")]
    environment: Option<Environment>,
    /// Your application's URL, for self-hosted presets (oro).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    #[arg(
        long,
        value_name = "client_credentials|password|refresh_token|implicit|authorization_code"
    )]
    grant: Option<Grant>,
    /// Browser grants: the provider's authorize URL.
    #[arg(long, value_name = "URL")]
    authorize_url: Option<String>,
    /// An OpenID issuer: authorize, token, revocation and JWKS URLs are discovered from it.
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Browser grants: the loopback redirect URI (default http://127.0.0.1:<free port>/callback);
    /// a fixed port and path for providers that accept only registered return URLs.
    #[arg(long, value_name = "URI")]
    redirect_uri: Option<String>,
    /// Browser grants: extra authorize parameter, e.g. "response_type=id_token token" (repeatable).
    #[arg(long = "authorize-param", value_name = "KEY=VALUE")]
    authorize_params: Vec<String>,
    /// RFC 7009 revocation endpoint, for `logout --revoke`.
    #[arg(long, value_name = "URL")]
    revocation_url: Option<String>,
    /// The provider's JSON Web Key Set, to check JWT signatures (`waybill inspect`).
    #[arg(long, value_name = "URL")]
    jwks_url: Option<String>,
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// How the client authenticates: form body, HTTP Basic, or JSON body.
    #[arg(long, value_name = "form|basic|json")]
    client_auth: Option<ClientAuth>,
    /// Space-separated scopes.
    #[arg(long)]
    scope: Option<String>,
    /// Extra token-request parameter, e.g. audience=api (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    #[arg(long, value_name = "URL")]
    api_base: Option<String>,
    /// Default header for API calls, e.g. "Accept: application/json" (repeatable).
    #[arg(long = "header", value_name = "K: V")]
    headers: Vec<String>,
    /// The resource owner, for the password grant.
    #[arg(long)]
    username: Option<String>,
    /// Read the client secret from the first line of stdin.
    #[arg(long)]
    client_secret_stdin: bool,
    /// Read the password from stdin (the second line when --client-secret-stdin is also given).
    #[arg(long)]
    password_stdin: bool,
    /// Keep the password in the keyring so tokens can be renewed without asking again.
    #[arg(long)]
    remember_password: bool,
    /// Start from a refresh token read from stdin (the line after any secret); implies --grant refresh_token.
    #[arg(long)]
    refresh_token_stdin: bool,
    /// A public client (browser sign-in from a desktop app): no client secret. Implied by --grant implicit.
    #[arg(long)]
    no_client_secret: bool,
}

#[derive(Args)]
struct HistoryArgs {
    #[command(subcommand)]
    action: Option<HistoryAction>,
    #[command(flatten)]
    filter: EntryFilter,
    #[arg(long)]
    json: bool,
}

/// Which history entries: shared by `history` and `case export`.
#[derive(Args)]
struct EntryFilter {
    /// Only this profile's requests.
    #[arg(long, value_name = "P")]
    profile: Option<String>,
    /// Only this status (404) or class (4xx).
    #[arg(long, value_name = "404|4xx")]
    status: Option<String>,
    /// Only URLs containing this text.
    #[arg(long, value_name = "TEXT")]
    url: Option<String>,
    /// Only entries at or after this time (RFC 3339 in UTC, or a date: 2026-11-22).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

#[derive(Subcommand)]
enum VarCommand {
    /// Every user variable, by environment.
    List {
        /// Print {shared, sandbox, live} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set a variable, for every environment or (with --env) for one.
    Set {
        name: String,
        value: String,
        #[arg(long = "env", value_name = "sandbox|live")]
        environment: Option<Environment>,
    },
    /// Remove a variable (from the shared ones, or with --env from that environment's).
    Unset {
        name: String,
        #[arg(long = "env", value_name = "sandbox|live")]
        environment: Option<Environment>,
    },
}

#[derive(Subcommand)]
enum CaseCommand {
    Export {
        file: PathBuf,
        #[command(flatten)]
        filter: EntryFilter,
    },
    Import {
        file: PathBuf,
        /// Add what the plan shows (without it, only show the plan).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum HistoryAction {
    /// One entry: request and response.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
        /// Print it as a curl command (the token redacted).
        #[arg(long)]
        curl: bool,
        /// With --curl: put the profile's current token in the command.
        #[arg(long, requires = "curl")]
        with_token: bool,
    },
    /// Delete every entry.
    Clear,
    /// Keep only the newest N entries from now on.
    Keep { entries: u32 },
}

#[derive(Args)]
struct CallArgs {
    name: String,
    method: String,
    url_or_path: String,
    /// Request header "K: V" (repeatable); replaces a profile default of the same name.
    #[arg(short = 'H', long = "header", value_name = "K: V")]
    headers: Vec<String>,
    /// Request body.
    #[arg(short = 'd', long = "data", conflicts_with = "data_file")]
    data: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "F")]
    data_file: Option<PathBuf>,
    /// Print {status, url, headers, body, elapsed_ms, retried_after_401} as JSON instead of the body.
    #[arg(long)]
    json_out: bool,
    /// A value for `{{NAME}}` in this request only, over the saved variables (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
}

/// A failure as the user reads it: the sentence, and what to do about it.
struct Failure {
    message: String,
    hint: Option<String>,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            message: e.to_string(),
            hint: None,
        }
    }
}

fn fail(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        hint: None,
    }
}

const EXIT_HTTP_STATUS: i32 = 1;

const EXIT_ERROR: i32 = 2;

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { 0 };
        }
    };
    init_logging(cli.options.verbose);
    let command = match cli.command {
        None | Some(Command::Demo) => {
            return crate::app::run(crate::app::Launch {
                demo: matches!(cli.command, Some(Command::Demo)),
                session_only: cli.options.session_only,
                http_timeout: match http_timeout(&cli.options) {
                    Ok(timeout) => timeout,
                    Err(failure) => {
                        eprintln!("waybill: error: {}", failure.message);
                        return EXIT_ERROR;
                    }
                },
            })
        }
        Some(command) => command,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("waybill: error: could not start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    match runtime.block_on(dispatch(&cli.options, command)) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("waybill: error: {}", failure.message);
            if let Some(hint) = failure.hint {
                eprintln!("hint: {hint}");
            }
            EXIT_ERROR
        }
    }
}

fn init_logging(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("WAYBILL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// What every command that touches profiles or secrets needs.
struct Context {
    store: ProfileStore,
    session: Session,
    session_only: bool,
    stdin: StdinLines,
}

impl Context {
    fn new(options: &GlobalOptions) -> Result<Self, Failure> {
        let store = ProfileStore::new(ProfileStore::default_dir()?);
        let vault = if options.session_only {
            Vault::in_memory()
        } else {
            Vault::keyring()
        };
        let net = Net::new(http_timeout(options)?);
        Ok(Context {
            store,
            session: Session::new(vault, net, Arc::new(SystemClock)),
            session_only: options.session_only,
            stdin: StdinLines::default(),
        })
    }

    fn profiles(&self) -> Result<Profiles, Failure> {
        Ok(self.store.load()?)
    }

    fn profile(&self, name: &str) -> Result<Profile, Failure> {
        Ok(self.profiles()?.get(name)?.clone())
    }

    /// With --session-only the keyring is not used, so the secrets this profile needs come in now.
    async fn seed_session_secrets(&mut self, profile: &Profile) -> Result<(), Failure> {
        if !self.session_only {
            return Ok(());
        }
        let vault = self.session.vault();
        let secret = ClientSecret::new(self.stdin.secret("client secret", "Client secret: ")?);
        vault
            .set_client_secret(&profile.keyring_id, &secret)
            .await
            .map_err(vault_failure)?;
        if profile.grant == Grant::Password {
            let password = Password::new(self.stdin.secret("password", "Password: ")?);
            vault
                .set_password(&profile.keyring_id, &password)
                .await
                .map_err(vault_failure)?;
        }
        Ok(())
    }
}

async fn dispatch(options: &GlobalOptions, command: Command) -> Result<i32, Failure> {
    match command {
        Command::Presets { json } => presets(json),
        Command::DemoServer { port } => demo_server(port).await,
        Command::Profile(command) => profile_command(&mut Context::new(options)?, command).await,
        Command::Token { name, json } => token(&mut Context::new(options)?, &name, json).await,
        Command::Call(args) => call(&mut Context::new(options)?, args).await,
        Command::History(args) => history::history(options, args).await,
        Command::Case(command) => history::case(command),
        Command::Var(command) => variables::var(command),
        Command::Replay {
            id,
            profile,
            json_out,
        } => history::replay(options, id, profile, json_out).await,
        Command::CurlImport {
            profile,
            send,
            json_out,
        } => curl_import(options, profile, send, json_out).await,
        Command::Inspect {
            name,
            json,
            no_verify,
        } => inspect(&Context::new(options)?, &name, json, !no_verify).await,
        Command::Login {
            name,
            password_stdin,
            no_browser,
            sign_in_timeout,
        } => {
            let ctx = &mut Context::new(options)?;
            let profile = ctx.profile(&name)?;
            if profile.grant.is_browser() {
                browser_login(
                    ctx,
                    &profile,
                    no_browser,
                    Duration::from_secs(sign_in_timeout),
                )
                .await
            } else {
                login(ctx, &profile, password_stdin).await
            }
        }
        Command::Logout { name, revoke } => logout(&Context::new(options)?, &name, revoke).await,
        Command::Demo => Err(fail("`waybill demo` opens the window and runs alone")),
    }
}

async fn demo_server(port: u16) -> Result<i32, Failure> {
    let server = waybill_demo::DemoServer::start(port, waybill_demo::DemoConfig::default())
        .await
        .map_err(|e| {
            fail(format!(
                "could not start the demo provider on 127.0.0.1:{port}: {e}"
            ))
        })?;
    println!("{}", server.credentials_text());
    println!("Serving on {} until Ctrl-C.", server.base_url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(0)
}

fn http_timeout(options: &GlobalOptions) -> Result<Duration, Failure> {
    if !(options.http_timeout.is_finite() && options.http_timeout > 0.0) {
        return Err(fail(format!(
            "--http-timeout must be a positive number of seconds, not {}",
            options.http_timeout
        )));
    }
    Ok(Duration::from_secs_f64(options.http_timeout))
}

fn expiry_text(meta: &waybill_core::TokenMeta) -> String {
    meta.expires_at
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "the API refuses it (no expiry given)".into())
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn vault_failure(e: VaultError) -> Failure {
    let hint = match &e {
        VaultError::Unavailable(_) => Some(
            "start a Secret Service (e.g. gnome-keyring, KeePassXC) and unlock it, or pass --session-only to keep secrets in memory for this one run".to_string(),
        ),
        VaultError::Locked(_) => Some("unlock the keyring (log in to the desktop session) and try again".to_string()),
        _ => None,
    };
    Failure {
        message: e.to_string(),
        hint,
    }
}

fn session_failure(e: SessionError) -> Failure {
    match e {
        SessionError::Vault(v) => vault_failure(v),
        SessionError::MissingClientSecret(ref name) => Failure {
            hint: Some(format!("store it with `waybill profile set-secret {name}`")),
            message: e.to_string(),
        },
        SessionError::NeedsSignIn { ref profile, .. } => Failure {
            hint: Some(format!("sign in with `waybill login {profile}`")),
            message: e.to_string(),
        },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Clap checks flag clashes only when a command runs: check them all here instead.
    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
