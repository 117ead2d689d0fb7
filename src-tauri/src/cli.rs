//! The command line: clap definitions, and for each subcommand a few lines that call waybill-core.
//!
//! Public contract (scripts depend on it): command and flag names, `--json` shapes, and exit codes:
//! 0 success; 1 `call` got a non-2xx answer; 2 usage, auth, config, keyring or network error.
//! Errors go to stderr as one sentence (plus a hint line), never a panic or a `Debug` dump.

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
use waybill_core::profile::{self, ClientAuth, Environment, Grant, Profile};
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
        Exit codes: 0 success; 1 `call` got a non-2xx HTTP status; 2 usage, auth, config, keyring or network error.",
    arg_required_else_help = true
)]
struct Cli {
    #[command(flatten)]
    options: GlobalOptions,
    #[command(subcommand)]
    command: Command,
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
    /// A path is joined to the profile's API base. Exit 0 on 2xx, 1 on another HTTP status, 2 on a
    /// usage, auth or network error. On a 401 the token is renewed once and the call retried once.
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
    match runtime.block_on(dispatch(cli)) {
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
        if !(options.http_timeout.is_finite() && options.http_timeout > 0.0) {
            return Err(fail(format!(
                "--http-timeout must be a positive number of seconds, not {}",
                options.http_timeout
            )));
        }
        let net = Net::new(Duration::from_secs_f64(options.http_timeout));
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

async fn dispatch(cli: Cli) -> Result<i32, Failure> {
    let options = &cli.options;
    match cli.command {
        Command::Presets { json } => presets(json),
        Command::DemoServer { port } => demo_server(port).await,
        Command::Profile(command) => profile_command(&mut Context::new(options)?, command).await,
        Command::Token { name, json } => token(&mut Context::new(options)?, &name, json).await,
        Command::Call(args) => call(&mut Context::new(options)?, args).await,
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
    }
}

async fn profile_command(ctx: &mut Context, command: ProfileCommand) -> Result<i32, Failure> {
    match command {
        ProfileCommand::Add(args) => add_profile(ctx, *args).await,
        ProfileCommand::List { json } => {
            let profiles = ctx.profiles()?;
            if json {
                print_json(&Value::Array(profiles.iter().map(profile_json).collect()));
            } else if profiles.iter().next().is_none() {
                println!("No profiles yet. Add one with `waybill profile add NAME --preset PRESET ...` (see `waybill presets`).");
            } else {
                for p in profiles.iter() {
                    let env = p.environment.map(|e| format!(" [{e}]")).unwrap_or_default();
                    println!(
                        "{:<20} {:<18} {}{}",
                        p.name,
                        p.grant.to_string(),
                        endpoint_text(p),
                        env
                    );
                }
            }
            Ok(0)
        }
        ProfileCommand::Show { name, json } => {
            let p = ctx.profile(&name)?;
            if json {
                print_json(&profile_json(&p));
            } else {
                print!("{}", profile_text(&p));
            }
            Ok(0)
        }
        ProfileCommand::Remove { name } => {
            let mut profiles = ctx.profiles()?;
            let removed = profiles.remove(&name)?;
            ctx.session
                .vault()
                .forget_all(&removed.keyring_id)
                .await
                .map_err(vault_failure)?;
            ctx.store.save(&profiles)?;
            println!("Removed profile {name} and its keyring entries.");
            Ok(0)
        }
        ProfileCommand::SetSecret {
            name,
            client_secret_stdin,
        } => {
            let p = ctx.profile(&name)?;
            let secret =
                ctx.stdin
                    .secret_from(client_secret_stdin, "client secret", "Client secret: ")?;
            ctx.session
                .vault()
                .set_client_secret(&p.keyring_id, &ClientSecret::new(secret))
                .await
                .map_err(vault_failure)?;
            ctx.session.forget(&p).await.map_err(session_failure)?;
            println!("Stored a new client secret for {name} (its old tokens were forgotten).");
            Ok(0)
        }
    }
}

async fn add_profile(ctx: &mut Context, args: AddArgs) -> Result<i32, Failure> {
    profile::validate_name(&args.name)?;
    let mut profiles = ctx.profiles()?;
    if profiles.get(&args.name).is_ok() {
        return Err(waybill_core::StoreError::Exists(args.name).into());
    }
    let mut new = new_profile(&args)?;
    new.discover_endpoints(ctx.session.net()).await?;
    let profile = finish_profile(new)?;

    // Secrets, in stdin order: client secret, then password, then refresh token.
    // The implicit flow never meets a token endpoint: there is no secret to ask for.
    let secret = if args.no_client_secret || profile.grant == Grant::Implicit {
        None
    } else {
        Some(ClientSecret::new(ctx.stdin.secret_from(
            args.client_secret_stdin,
            "client secret",
            "Client secret: ",
        )?))
    };
    let password = match profile.grant {
        Grant::Password => Some(Password::new(ctx.stdin.secret_from(
            args.password_stdin,
            "password",
            "Password: ",
        )?)),
        _ => None,
    };
    let refresh = if args.refresh_token_stdin {
        Some(RefreshToken::new(ctx.stdin.secret_from(
            true,
            "refresh token",
            "",
        )?))
    } else {
        None
    };

    // Keyring first: a profile whose secret could not be kept would be a trap.
    let vault = ctx.session.vault();
    if let Some(secret) = &secret {
        vault
            .set_client_secret(&profile.keyring_id, secret)
            .await
            .map_err(vault_failure)?;
    }
    profiles.add(profile.clone())?;
    ctx.store.save(&profiles)?;
    println!(
        "Added profile {} ({}, {} client authentication, {}).",
        profile.name,
        profile.grant,
        profile.client_auth,
        endpoint_text(&profile)
    );
    if let Some(preset) = profile
        .preset
        .as_deref()
        .and_then(|id| preset::preset(id).ok())
    {
        if let Some(note) = preset.note {
            println!("Note: {note}");
        }
    }
    if let Some(refresh) = refresh {
        ctx.session
            .adopt_refresh_token(&profile, &refresh)
            .await
            .map_err(session_failure)?;
    }
    if let Some(password) = password {
        // The password is used now to sign in; it is kept only with --remember-password.
        let token = ctx
            .session
            .sign_in_with_password(&profile, &password)
            .await
            .map_err(|e| Failure {
                hint: Some(format!(
                    "the profile was saved; sign in again with `waybill login {}`",
                    profile.name
                )),
                ..session_failure(e)
            })?;
        println!(
            "Signed in as {}; token valid until {}.",
            profile.username.as_deref().unwrap_or(""),
            expiry_text(&token.meta)
        );
    }
    if ctx.session_only {
        println!("--session-only: no secret was stored; pass --session-only with each command and give the secret again.");
    }
    Ok(0)
}

fn new_profile(args: &AddArgs) -> Result<NewProfile, Failure> {
    let grant = match (args.grant, args.refresh_token_stdin) {
        (Some(Grant::RefreshToken) | None, true) => Some(Grant::RefreshToken),
        (Some(g), true) => {
            return Err(fail(format!(
                "--refresh-token-stdin makes a refresh_token profile; it cannot be combined with --grant {g}"
            )))
        }
        (g, false) => g,
    };
    let params = key_values("--param", &args.params)?;
    let authorize_params = key_values("--authorize-param", &args.authorize_params)?;
    let headers = args
        .headers
        .iter()
        .map(|line| request::parse_header(line))
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewProfile {
        name: args.name.clone(),
        preset: args.preset.clone(),
        environment: args.environment,
        base_url: args.base_url.clone(),
        grant,
        token_url: args.token_url.clone(),
        client_id: args.client_id.clone(),
        client_auth: args.client_auth,
        scope: args.scope.clone(),
        params,
        api_base: args.api_base.clone(),
        headers,
        username: args.username.clone(),
        remember_password: args.remember_password,
        authorize_url: args.authorize_url.clone(),
        redirect_uri: args.redirect_uri.clone(),
        authorize_params,
        issuer: args.issuer.clone(),
        revocation_url: args.revocation_url.clone(),
        jwks_url: args.jwks_url.clone(),
    };
    Ok(new)
}

fn key_values(flag: &str, items: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut map = BTreeMap::new();
    for item in items {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| fail(format!("{flag} expects KEY=VALUE, not {item:?}")))?;
        map.insert(k.trim().to_string(), v.to_string());
    }
    Ok(map)
}

fn finish_profile(new: NewProfile) -> Result<Profile, Failure> {
    new.build().map_err(|e| {
        let hint = match &e {
            NewProfileError::Missing(_) => {
                Some("pass --preset, or --grant, --token-url and --client-id".to_string())
            }
            NewProfileError::Preset(PresetError::NeedsBaseUrl(_)) => {
                Some("pass --base-url https://your.application".to_string())
            }
            _ => None,
        };
        Failure {
            message: e.to_string(),
            hint,
        }
    })
}

async fn token(ctx: &mut Context, name: &str, json: bool) -> Result<i32, Failure> {
    let profile = ctx.profile(name)?;
    ctx.seed_session_secrets(&profile).await?;
    let token = ctx.session.token(&profile).await.map_err(session_failure)?;
    if json {
        print_json(&json!({
            "access_token": token.access_token.expose(),
            "token_type": token.meta.token_type,
            "expires_at": token.meta.expires_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "scope": token.meta.scope,
            "source": token.source,
            "extra": token.meta.extra.0,
        }));
    } else {
        println!("{}", token.access_token.expose());
    }
    Ok(0)
}

async fn inspect(ctx: &Context, name: &str, json: bool, verify: bool) -> Result<i32, Failure> {
    let profile = ctx.profile(name)?;
    let status = ctx
        .session
        .status(&profile, verify)
        .await
        .map_err(session_failure)?;
    let now = chrono::Utc::now();
    let seconds_left = status
        .meta
        .as_ref()
        .and_then(|m| m.expires_at)
        .map(|at| (at - now).num_seconds().max(0));
    if json {
        let mut value = serde_json::to_value(&status).unwrap_or(Value::Null);
        value["profile"] = json!(profile.name);
        value["seconds_left"] = json!(seconds_left);
        print_json(&value);
        return Ok(0);
    }
    let state = serde_json::to_value(status.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    println!("{:<14}{}", "profile:", profile.name);
    println!("{:<14}{}", "state:", state.replace('_', " "));
    if let Some(meta) = &status.meta {
        println!("{:<14}{}", "type:", meta.token_type);
        println!(
            "{:<14}{}",
            "scope:",
            meta.scope.as_deref().unwrap_or("(not stated)")
        );
        let how = meta
            .obtained_by
            .and_then(|s| serde_json::to_value(s).ok())
            .and_then(|v| v.as_str().map(|s| format!(" ({s})")));
        println!(
            "{:<14}{}{}",
            "obtained:",
            meta.obtained_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            how.unwrap_or_default()
        );
        let left = seconds_left
            .map(|s| format!(" ({s} s left)"))
            .unwrap_or_default();
        println!("{:<14}{}{left}", "expires:", expiry_text(meta));
    }
    println!(
        "{:<14}{}",
        "refresh:",
        if status.has_refresh_token {
            "yes"
        } else {
            "no"
        }
    );
    if let Some(jwt) = &status.jwt {
        println!("JWT header:   {}", jwt.header);
        println!(
            "JWT claims:   {}",
            serde_json::to_string_pretty(&jwt.claims).unwrap_or_default()
        );
        let signature = match &status.signature {
            Some(waybill_core::jwt::SignatureCheck::Checked { alg, kid }) => {
                format!("checked ({alg}, key {})", kid.as_deref().unwrap_or("-"))
            }
            Some(waybill_core::jwt::SignatureCheck::Unchecked { reason }) => {
                format!("unchecked: {reason}")
            }
            Some(waybill_core::jwt::SignatureCheck::Invalid { reason }) => {
                format!("INVALID: {reason}")
            }
            None => "not checked (--no-verify)".into(),
        };
        println!("{:<14}{signature}", "signature:");
    }
    Ok(0)
}

async fn call(ctx: &mut Context, args: CallArgs) -> Result<i32, Failure> {
    let profile = ctx.profile(&args.name)?;
    let mut request = ApiRequest::new(&args.method, &args.url_or_path);
    for line in &args.headers {
        request.headers.push(request::parse_header(line)?);
    }
    request.body = match (&args.data, &args.data_file) {
        (Some(data), _) => Some(data.clone().into_bytes()),
        (None, Some(path)) => Some(
            std::fs::read(path)
                .map_err(|e| fail(format!("could not read {}: {e}", path.display())))?,
        ),
        (None, None) => None,
    };
    // Refuse a bad method or URL before a token is fetched for nothing.
    request::resolve_url(&profile, &request.target)?;
    ctx.seed_session_secrets(&profile).await?;
    let response = ctx
        .session
        .send(&profile, &request)
        .await
        .map_err(session_failure)?;
    if args.json_out {
        let body = serde_json::from_slice::<Value>(&response.body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&response.body).into_owned())
        });
        let headers: BTreeMap<_, _> = response.headers.iter().cloned().collect();
        print_json(&json!({
            "status": response.status,
            "url": response.url,
            "headers": headers,
            "body": body,
            "elapsed_ms": response.elapsed.as_millis() as u64,
            "retried_after_401": response.retried_after_401,
        }));
    } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&response.body);
        if !response.body.ends_with(b"\n") && std::io::stdout().is_terminal() {
            let _ = out.write_all(b"\n");
        }
    }
    if response.is_success() {
        Ok(0)
    } else {
        eprintln!("waybill: HTTP {} from {}", response.status, response.url);
        Ok(EXIT_HTTP_STATUS)
    }
}

async fn login(ctx: &mut Context, profile: &Profile, password_stdin: bool) -> Result<i32, Failure> {
    let name = &profile.name;
    if profile.grant != Grant::Password {
        return Err(fail(format!(
            "profile {name} uses the {} grant, which needs no sign-in: `waybill token {name}` gets its token",
            profile.grant
        )));
    }
    if ctx.session_only {
        let secret = ctx.stdin.secret("client secret", "Client secret: ")?;
        ctx.session
            .vault()
            .set_client_secret(&profile.keyring_id, &ClientSecret::new(secret))
            .await
            .map_err(vault_failure)?;
    }
    let password = Password::new(ctx.stdin.secret_from(
        password_stdin || ctx.session_only,
        "password",
        "Password: ",
    )?);
    let token = ctx
        .session
        .sign_in_with_password(profile, &password)
        .await
        .map_err(session_failure)?;
    println!(
        "Signed in to {name}; token valid until {}.",
        expiry_text(&token.meta)
    );
    Ok(0)
}

async fn logout(ctx: &Context, name: &str, revoke: bool) -> Result<i32, Failure> {
    let profile = ctx.profile(name)?;
    if revoke {
        ctx.session
            .revoke_and_forget(&profile)
            .await
            .map_err(session_failure)?;
        println!("Revoked the tokens of {name} at the provider and forgot them.");
    } else {
        ctx.session
            .forget(&profile)
            .await
            .map_err(session_failure)?;
        println!("Forgot the tokens of {name}.");
    }
    Ok(0)
}

/// Browser sign-in: bind the listener, open the browser (or print the URL), wait for the redirect.
async fn browser_login(
    ctx: &mut Context,
    profile: &Profile,
    no_browser: bool,
    timeout: Duration,
) -> Result<i32, Failure> {
    let sign_in = BrowserSignIn::start(profile).await?;
    if no_browser {
        eprintln!(
            "Open this address in your browser to sign in to {}:",
            profile.name
        );
        println!("{}", sign_in.authorize_url());
    } else {
        open_browser(sign_in.authorize_url())?;
        eprintln!("Opened your browser to sign in to {}.", profile.name);
    }
    eprintln!(
        "Waiting up to {} s for it to come back to {} (Ctrl-C cancels)...",
        timeout.as_secs(),
        sign_in.redirect_uri()
    );
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let token = sign_in
        .finish(&ctx.session, profile, timeout, cancel)
        .await
        .map_err(session_failure)?;
    println!(
        "Signed in to {}; token valid until {}.",
        profile.name,
        expiry_text(&token.meta)
    );
    Ok(0)
}

/// The user's browser: `BROWSER` if set (the first of its `:`-separated commands; `%s` is the URL,
/// else the URL is appended), else the desktop's opener.
fn open_browser(url: &str) -> Result<(), Failure> {
    let browser = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(|c| c.trim().to_string()));
    let mut words: Vec<String> = match browser.filter(|b| !b.is_empty()) {
        Some(command) => command.split_whitespace().map(str::to_string).collect(),
        None if cfg!(target_os = "macos") => vec!["open".into()],
        None if cfg!(windows) => vec!["explorer".into()],
        None => vec!["xdg-open".into()],
    };
    if words.iter().any(|w| w.contains("%s")) {
        words.iter_mut().for_each(|w| *w = w.replace("%s", url));
    } else {
        words.push(url.to_string());
    }
    std::process::Command::new(&words[0])
        .args(&words[1..])
                // Detached from our terminal: the browser outlives this command and its chatter is not ours.
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| Failure {
            message: format!("could not start the browser ({}): {e}", words[0]),
            hint: Some("set BROWSER to your browser's command, or pass --no-browser and open the address yourself".into()),
        })
}

fn presets(json: bool) -> Result<i32, Failure> {
    let all = preset::presets();
    if json {
        print_json(&Value::Array(
            all.iter()
                .map(|p| {
                    json!({
                        "id": p.id, "name": p.name, "grants": p.grants.iter().map(|g| g.to_string()).collect::<Vec<_>>(),
                        "client_auth": p.client_auth.to_string(), "scope": p.scope, "default_env": p.default_env.to_string(),
                        "environments": p.env.iter().map(|(e, urls)| (e.to_string(), json!({"token_url": urls.token_url, "api_base": urls.api_base}))).collect::<serde_json::Map<_, _>>(),
                        "docs": p.docs,
                    })
                })
                .collect(),
        ));
    } else {
        for p in &all {
            let envs = p
                .env
                .keys()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            println!(
                "{:<10} {:<28} {} body/auth, envs: {}",
                p.id, p.name, p.client_auth, envs
            );
        }
    }
    Ok(0)
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

fn profile_json(p: &Profile) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

fn profile_text(p: &Profile) -> String {
    let mut out = format!("{:<14}{}\n{:<14}{}\n", "name:", p.name, "grant:", p.grant);
    let mut line = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            out.push_str(&format!("{label:<14}{v}\n"));
        }
    };
    line("token URL:", p.token_url.clone());
    line("authorize URL:", p.authorize_url.clone());
    line(
        "redirect URI:",
        p.redirect_uri.clone().or_else(|| {
            p.grant
                .is_browser()
                .then(|| "http://127.0.0.1:<free port>/callback".into())
        }),
    );
    line("issuer:", p.issuer.clone());
    line("revocation:", p.revocation_url.clone());
    line("client id:", Some(p.client_id.clone()));
    line("client auth:", Some(p.client_auth.to_string()));
    line("scope:", p.scope.clone());
    line("API base:", p.api_base.clone());
    line("username:", p.username.clone());
    line(
        "preset:",
        p.preset.clone().map(|id| {
            format!(
                "{id} ({})",
                p.environment.map(|e| e.to_string()).unwrap_or_default()
            )
        }),
    );
    for (k, v) in &p.params {
        line("param:", Some(format!("{k}={v}")));
    }
    for (k, v) in &p.authorize_params {
        line("authorize:", Some(format!("{k}={v}")));
    }
    for (k, v) in &p.headers {
        line("header:", Some(format!("{k}: {v}")));
    }
    line("keyring id:", Some(p.keyring_id.clone()));
    out
}

/// Where the profile's tokens come from, in a few words.
fn endpoint_text(p: &Profile) -> String {
    match (&p.token_url, &p.authorize_url) {
        (Some(token), _) if !p.grant.is_browser() => format!("token URL {token}"),
        (_, Some(authorize)) => format!("signs in at {authorize}"),
        (Some(token), None) => format!("token URL {token}"),
        (None, None) => "no endpoint".into(),
    }
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

/// Secrets from stdin, one per line, in the order the command asks for them; or a prompt without
/// echo when stdin is a terminal and the flag was not given.
#[derive(Default)]
struct StdinLines {
    lines: Option<std::vec::IntoIter<String>>,
}

impl StdinLines {
    fn next_line(&mut self, what: &str) -> Result<String, Failure> {
        if self.lines.is_none() {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut text)
                .map_err(|e| fail(format!("could not read stdin: {e}")))?;
            let lines: Vec<String> = text
                .lines()
                .map(|l| l.trim_end_matches('\r').to_string())
                .collect();
            self.lines = Some(lines.into_iter());
        }
        match self.lines.as_mut().and_then(Iterator::next) {
            Some(line) if !line.is_empty() => Ok(line),
            _ => Err(fail(format!(
                "expected the {what} on its own line on stdin, found nothing"
            ))),
        }
    }

    fn secret_from(
        &mut self,
        from_stdin: bool,
        what: &str,
        prompt: &str,
    ) -> Result<String, Failure> {
        if from_stdin {
            return self.next_line(what);
        }
        if !std::io::stdin().is_terminal() {
            return Err(fail(format!("no {what} given: pass it on stdin with the matching --...-stdin flag, or run in a terminal to be asked")));
        }
        let value = rpassword::prompt_password(prompt)
            .map_err(|e| fail(format!("could not read the {what}: {e}")))?;
        if value.is_empty() {
            return Err(fail(format!("the {what} is empty")));
        }
        Ok(value)
    }

    /// For --session-only: stdin if piped, else a prompt.
    fn secret(&mut self, what: &str, prompt: &str) -> Result<String, Failure> {
        let piped = !std::io::stdin().is_terminal();
        self.secret_from(piped, what, prompt)
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
