//! The command line's definition: commands, flags and their help. This is a public contract:
//! scripts depend on these names, so add freely and rename none.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use waybill_core::workspace::{BasicEncoding, ClientAuth, Environment, Grant};

#[derive(Parser)]
#[command(
    name = "waybill",
    version,
    about = "Get OAuth 2.0 access tokens from carrier and commerce APIs, and call those APIs with them.",
    long_about = "Get OAuth 2.0 access tokens from carrier and commerce APIs, and call those APIs with them.\n\n\
        Profiles, saved requests and variables live in the OS config directory (--home DIR or WAYBILL_HOME overrides it); \
        client secrets, passwords and tokens live in the OS keyring, never in a file. The window and any \
        number of commands may use them at once.\n\n\
        Without a command, `waybill` opens the window.\n\n\
        Exit codes: 0 success; 1 `call`, `send` or `replay` got a non-2xx HTTP status; 2 usage, auth, config, keyring or network error."
)]
pub struct Cli {
    #[command(flatten)]
    pub options: GlobalOptions,
    /// None: open the window.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args)]
pub struct GlobalOptions {
    /// The folder that holds the profiles, saved requests, variables and history (a team's
    /// repository, say: nothing secret is written there; secrets stay in each person's keyring).
    /// Default: the OS config and data directories.
    #[arg(long, global = true, value_name = "DIR", env = "WAYBILL_HOME")]
    pub home: Option<PathBuf>,
    /// Keep secrets in memory for this run only: nothing is read from or written to the keyring;
    /// the secrets a command needs are read from stdin (client secret on the first line, password
    /// on the second) or asked for on a terminal.
    #[arg(long, global = true)]
    pub session_only: bool,
    /// Seconds to wait for a token endpoint or API before giving up.
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        default_value_t = 30.0,
        env = "WAYBILL_HTTP_TIMEOUT"
    )]
    pub http_timeout: f64,
    /// Log what happens (to stderr; never secrets). Same as WAYBILL_LOG=info.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create, edit, list, show and remove profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// List the provider presets (built in, and your own from the `presets/` folder beside the
    /// profiles); `presets check FILE` validates a preset file of your own.
    Presets(PresetsArgs),
    /// Prove a profile's connection works: send its preset's check request (with the token or
    /// API key, fetched as needed) and say "connected" with what the answer names (a shop, an
    /// account), or what is wrong, in words. Exit 0 when connected, 1 when the API refused, 2 on a
    /// usage, auth or network error.
    Check {
        name: String,
        /// Print {connected, status, names, url, message} as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        trace: TraceArgs,
    },
    /// Check a profile step by step and say what is wrong: its hosts resolve, their TLS
    /// certificates (issuer, expiry, names), discovery, the token endpoint answers JSON, a token
    /// is issued, its claims (expiry, scopes, audience, clock), the API with the token (the
    /// preset's check request when it has one). Exit 0 when every step passed, 1 when one
    /// failed, 2 on a usage or keyring error. Nothing secret is printed: the JSON is safe to
    /// paste into a ticket.
    Doctor {
        name: String,
        /// Print {profile, passed, steps: [{step, outcome, sentence, fix}]} as JSON.
        #[arg(long)]
        json: bool,
        /// Also ask the token endpoint once with each client authentication (HTTP Basic, form
        /// body, JSON body; client credentials profiles) and name the one it accepts.
        #[arg(long)]
        probe_client_auth: bool,
    },
    /// Print a valid access token for a profile, renewing it if needed.
    Token {
        name: String,
        /// Print {access_token, token_type, expires_at, scope, source, extra} as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        trace: TraceArgs,
    },
    /// Show what a profile holds, without renewing or printing the token: state, type, scope,
    /// expiry and time left, refresh token or not, the names of the provider's other fields, and
    /// for a JWT its header and claims with the signature checked against the provider's JWKS.
    Inspect {
        name: String,
        #[arg(long)]
        json: bool,
        /// Do not fetch the provider's JWKS to check a JWT's signature.
        #[arg(long)]
        no_verify: bool,
        /// Also ask the provider about the token: introspection (RFC 7662, as the profile's
        /// client; JSON `introspection`: active, scope, client_id, sub, exp, ...) and, for OpenID
        /// profiles, userinfo (JSON `userinfo`). The token itself is never printed.
        #[arg(long)]
        introspect: bool,
    },
    /// Call the profile's API with `Authorization: Bearer`; prints the response body.
    ///
    /// A path is joined to the profile's API base; `{{name}}` in the URL, headers and body is filled
    /// from `waybill var` (and --var). Exit 0 on 2xx, 1 on another HTTP status, 2 on a usage, auth
    /// or network error. On a 401 the token is renewed once and the call retried once.
    Call(CallArgs),
    /// A profile's saved requests (made in the window, or imported): folder, name, method, URL.
    Requests {
        name: String,
        /// Print a list of {folder, name, method, url, headers} as JSON (folder null when none).
        #[arg(long)]
        json: bool,
    },
    /// Send a saved request with the profile's token, named by its name or by folder/name.
    ///
    /// `{{variables}}` are filled as in `call`; the send is kept in history; exit codes are those
    /// of `call`.
    Send {
        name: String,
        request: String,
        /// A value for `{{NAME}}` in this request only, over the saved variables (repeatable).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// Print {status, url, headers, body, elapsed_ms, retried_after_401, proxy} as JSON.
        #[arg(long)]
        json_out: bool,
        #[command(flatten)]
        trace: TraceArgs,
    },
    /// Run a profile's saved requests as checks: each sent with one token (renewed as needed),
    /// its `expect` checked (status, JSON pointers, headers, time; without a status of its own, a
    /// 2xx answer) and its `capture`s kept as variables for the requests after it. A line per
    /// request as it finishes, and a summary. Or, with --case FILE --profile P, send each request
    /// of a case file again with P's token and API base and say whether its status and the shape
    /// of its JSON answer are the ones recorded, or what changed.
    ///
    /// Exit 0 when every request passed (with --case: nothing changed), 1 when one failed, 2 on
    /// a usage, auth or network error (a request that got no answer).
    Run(RunArgs),
    /// Sign in as the profile's user: in the browser (implicit, authorization_code), with a device
    /// code (device_code: the address and code are printed, with a QR code on a terminal, and the
    /// browser opens it; Waybill polls until it is confirmed), or with a password (password
    /// grant; read from stdin or asked for).
    Login {
        name: String,
        /// Read the password from stdin instead of asking (password grant).
        #[arg(long)]
        password_stdin: bool,
        /// Print the sign-in URL instead of opening the browser (browser and device grants).
        #[arg(long)]
        no_browser: bool,
        /// Seconds to wait for the browser to come back (browser grants; a device code waits
        /// as long as the provider says it lives).
        #[arg(long = "timeout", value_name = "SECS", default_value_t = 300)]
        sign_in_timeout: u64,
        #[command(flatten)]
        trace: TraceArgs,
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
        /// With --send: print {status, url, headers, body, elapsed_ms, retried_after_401, proxy} as JSON.
        #[arg(long, requires = "send")]
        json_out: bool,
    },
    /// The requests sent so far (newest first) with their answers; secrets are never kept.
    /// `history show ID` shows one; `--curl` prints it as curl (token redacted unless
    /// --with-token); `clear` empties it; `keep N` keeps only the newest N (default 1000).
    History(HistoryArgs),
    /// Case files: `case export FILE` writes history entries (the same filters as `history`) with
    /// their responses and the profiles' shapes (never secrets or tokens) as JSON, never over an
    /// existing file unless --force; `case import FILE` shows what it would add, and adds it with
    /// --yes (a profile is never replaced: a clashing name comes in renamed; requests become
    /// saved requests).
    #[command(subcommand)]
    Case(CaseCommand),
    /// Send a history entry again, with the current token of its profile (or --profile's; a call
    /// made under its profile's API base goes to --profile's base). Exit codes are those of `call`.
    Replay {
        id: i64,
        #[arg(long, value_name = "P")]
        profile: Option<String>,
        /// Print {status, url, headers, body, elapsed_ms, retried_after_401, proxy} as JSON.
        #[arg(long)]
        json_out: bool,
    },
    /// Variables: `{{name}}` in `call`'s URL, headers and body (and the window's requests) takes
    /// the value set for the profile's environment, else the shared one, else the profile's own
    /// (`profile`, `environment`, `api_base`, `client_id`). Kept in variables.toml beside the
    /// profiles, as plain text: not for secrets.
    #[command(subcommand)]
    Var(VarCommand),
    /// Print the manual page (roff, for `man -l -`), made from these definitions.
    Man,
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions { shell: clap_complete::Shell },
    /// Import an API: an OpenAPI 3 or Swagger 2.0 spec, a Postman collection (v2.0, v2.1), an
    /// Insomnia export (v4; JSON or YAML, recognised by content), a Bruno collection folder, or a
    /// HAR file (a browser's developer tools' export: each API call a saved request, by host).
    /// The profile comes from its OAuth 2.0 settings (or a token request in a collection), the
    /// requests become saved requests by folder (tag for a spec). Secrets in the file (client
    /// secret, password, refresh token) go to the keyring, never to a file; a HAR's credentials
    /// (Authorization, cookies, key and token headers, token parameters and fields) are taken
    /// out and listed by name, and kept nowhere. Without --yes it prints the plan (the profile
    /// it creates or reuses, the requests by folder, the variables, the secrets found, what was
    /// taken out, what it could not map) and changes nothing. A profile is never
    /// replaced: a new one whose name is taken comes in as NAME-2. Files over 20 MB are refused;
    /// nothing a file points to is fetched, except an openIdConnect issuer's endpoints (its
    /// discovery document, as `profile add --issuer` does).
    Import {
        #[arg(value_name = "FILE_OR_DIR")]
        file: PathBuf,
        /// The requests' profile: reused when it exists, else created under this name (default:
        /// named from the file's title).
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// The server to use: the file's first (sandbox, the default) or the one that reads as
        /// production (live).
        #[arg(long = "env", value_name = "sandbox|live")]
        env: Option<Environment>,
        /// A Postman environment file whose variables the collection uses.
        #[arg(long, value_name = "FILE")]
        environment: Option<PathBuf>,
        /// Apply the plan.
        #[arg(long)]
        yes: bool,
        /// Print the plan as JSON {format, title, profile, requests, variables, other_servers,
        /// secrets, skipped, applied}.
        #[arg(long)]
        json: bool,
    },
    /// The client's signing key for private_key_jwt: `key generate NAME` makes one in the keyring
    /// and prints its public JWK (to register with the provider); `key show NAME` prints it again.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Waybill's entries in the OS keyring: `keyring tidy` finds those no profile owns.
    #[command(subcommand)]
    Keyring(KeyringCommand),
    /// Run the built-in demo OAuth provider and carrier API on 127.0.0.1.
    DemoServer {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8765)]
        port: u16,
        /// Serve HTTPS with a CA made at start; its certificate's path is printed (for --ca-file).
        #[arg(long)]
        tls: bool,
        /// HTTPS that requires a client certificate (RFC 8705): a client certificate and key are
        /// written beside the CA, for --tls-cert-file, --tls-key-file and
        /// --client-auth tls_client_auth. Implies --tls.
        #[arg(long)]
        mtls: bool,
    },
}

#[derive(Args)]
pub struct PresetsArgs {
    #[command(subcommand)]
    pub action: Option<PresetsAction>,
    /// Print every preset as JSON: id, name, kind, grants, environments and their URLs, the
    /// inputs it asks for, its check request and its documentation link.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum PresetsAction {
    /// Read a preset file as Waybill would (the same format as the built-in ones) and say what
    /// is wrong with it, in words. Exit 0 when it is usable.
    Check { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum KeyringCommand {
    /// List the keyring entries that no profile owns, by keyring id and kind (never a value):
    /// left by a Waybill killed while it made a profile, or by a --home folder since deleted.
    /// Profiles of every folder Waybill has opened count; a folder that is gone (a disk
    /// unplugged too) counts as gone. Nothing is removed without --yes.
    Tidy {
        /// Remove them.
        #[arg(long)]
        yes: bool,
        /// Print {"entries": [{"keyring_id", "kind"}], "removed": true|false}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new P-256 key in the keyring for the profile's client (private_key_jwt) and print
    /// its public JWK on stdout. Its tokens are forgotten.
    Generate {
        name: String,
        /// Replace the key it has (the provider then needs the new public key).
        #[arg(long)]
        replace: bool,
    },
    /// Print the public JWK of the profile's client key.
    Show { name: String },
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Add a profile. A client-credentials or password profile's client secret is read from stdin
    /// with --client-secret-stdin, or asked for; browser sign-in profiles are public clients
    /// (no secret) unless --client-secret-stdin is given.
    Add(Box<AddArgs>),
    /// Change a profile: only the flags given change (any flag of `profile add`); its keyring
    /// entries stay, and a secret is replaced only by a --...-stdin flag. Tokens are forgotten
    /// when the client, its URLs or scope change.
    Edit(Box<EditArgs>),
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
    /// Remove a profile, its keyring entries and its saved requests.
    Remove { name: String },
    /// Replace a profile's client secret in the keyring (read from stdin or asked for).
    SetSecret {
        name: String,
        #[arg(long)]
        client_secret_stdin: bool,
    },
}

#[derive(Args)]
pub struct AddArgs {
    pub name: String,
    #[command(flatten)]
    pub fields: ProfileFields,
    #[command(flatten)]
    pub secrets: SecretFlags,
}

#[derive(Args)]
pub struct EditArgs {
    pub name: String,
    /// A new name for the profile (its keyring entries and saved requests follow it).
    #[arg(long, value_name = "NEW_NAME")]
    pub rename: Option<String>,
    #[command(flatten)]
    pub fields: ProfileFields,
    #[command(flatten)]
    pub secrets: SecretFlags,
}

/// What a profile is made of: `profile add` and `profile edit` take the same flags. A flag named as
/// a profile field (`--token-url` for `token_url`) sets that field as given (see
/// `ProfileFields::apply`); the `#[serde(skip)]` ones are read or combined first.
#[derive(Args, serde::Serialize)]
pub struct ProfileFields {
    /// Start from a provider preset (see `waybill presets`); any flag below overrides it.
    #[arg(long)]
    pub preset: Option<String>,
    /// The preset's environment.
    #[arg(long = "env", value_name = "sandbox|live")]
    pub environment: Option<Environment>,
    /// Your application's URL, for self-hosted presets (oro).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    #[arg(
        long,
        value_name = "client_credentials|password|refresh_token|implicit|authorization_code|device_code|api_key"
    )]
    pub grant: Option<Grant>,
    /// The device grant (RFC 8628): where device codes are asked for (default: the issuer's
    /// `device_authorization_endpoint`).
    #[arg(long, value_name = "URL")]
    pub device_authorization_url: Option<String>,
    /// Browser grants: the provider's authorize URL.
    #[arg(long, value_name = "URL")]
    pub authorize_url: Option<String>,
    /// An OpenID issuer: authorize, token, revocation, introspection, userinfo and JWKS URLs are
    /// discovered from it.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Browser grants: the loopback redirect URI (default http://127.0.0.1:<free port>/callback);
    /// a fixed port and path for providers that accept only registered return URLs.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Browser grants: extra authorize parameter, e.g. "response_type=id_token token" (repeatable).
    #[arg(long = "authorize-param", value_name = "KEY=VALUE")]
    #[serde(skip)]
    pub authorize_params: Vec<String>,
    /// Browser grants: push the authorization request first (RFC 9126, PAR), so the browser
    /// gets only client_id and a request_uri. Automatic when the issuer requires it.
    #[arg(long)]
    pub par: bool,
    /// The PAR endpoint (default: the issuer's `pushed_authorization_request_endpoint`).
    #[arg(long, value_name = "URL")]
    pub par_url: Option<String>,
    /// Edit: send authorization requests in the browser's URL again.
    #[arg(long, conflicts_with_all = ["par", "par_url"])]
    #[serde(skip)]
    pub no_par: bool,
    /// RFC 7009 revocation endpoint, for `logout --revoke`.
    #[arg(long, value_name = "URL")]
    pub revocation_url: Option<String>,
    /// The provider's JSON Web Key Set, to check JWT signatures (`waybill inspect`).
    #[arg(long, value_name = "URL")]
    pub jwks_url: Option<String>,
    /// RFC 7662 introspection endpoint, for `waybill inspect --introspect`.
    #[arg(long, value_name = "URL")]
    pub introspection_url: Option<String>,
    /// OpenID Connect userinfo endpoint, for `waybill inspect --introspect`.
    #[arg(long, value_name = "URL")]
    pub userinfo_url: Option<String>,
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Where refresh requests go, when not to the token URL (UPS: .../oauth/refresh).
    #[arg(long, value_name = "URL")]
    pub refresh_url: Option<String>,
    /// A header on every token-endpoint request (token, refresh, revocation), e.g.
    /// "WM_SVC.NAME: Walmart Marketplace"; `{{$uuid}}` in it is fresh each time (repeatable).
    #[arg(long = "token-request-header", value_name = "K: V")]
    #[serde(skip)]
    pub token_request_headers: Vec<String>,
    /// HTTP Basic client authentication: the id and secret form-encoded first (form, RFC 6749,
    /// the default) or sent as they are (raw, what UPS's, eBay's and Walmart's SDKs do).
    #[arg(long, value_name = "form|raw")]
    pub basic_encoding: Option<BasicEncoding>,
    /// Where the credential goes on API calls, "NAME: TEMPLATE": `{token}` is the access token,
    /// `{api_key}` the API key, `{base64:...}` base64 of what it holds. Default
    /// "Authorization: Bearer {token}" ("... {api_key}" for --grant api_key); e.g.
    /// "X-Shopify-Access-Token: {token}", "API-Key: {api_key}".
    #[arg(long, value_name = "NAME: TEMPLATE")]
    pub auth_header: Option<String>,
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// How the client authenticates: form body, HTTP Basic, JSON body, a client certificate
    /// (RFC 8705; only client_id is sent), or a short-lived JWT (RFC 7523) signed with the
    /// secret (client_secret_jwt; the secret is not sent) or with the client's own key
    /// (private_key_jwt: --client-key-file, or `waybill key generate`).
    #[arg(
        long,
        value_name = "form|basic|json|tls_client_auth|self_signed_tls_client_auth|client_secret_jwt|private_key_jwt"
    )]
    pub client_auth: Option<ClientAuth>,
    /// private_key_jwt: the client's private key (PEM: EC P-256 or RSA; PKCS#8, SEC1 or PKCS#1).
    /// It goes to the keyring; neither the path nor the key is kept anywhere else.
    #[arg(long, value_name = "PATH")]
    #[serde(skip)]
    pub client_key_file: Option<std::path::PathBuf>,
    /// private_key_jwt: the key id (`kid`) the provider registered the client's key under, sent
    /// in each assertion. A key made with `waybill key generate` has its own; a key file has
    /// none unless given here (a provider may refuse an assertion whose `kid` it does not know).
    #[arg(long, value_name = "KID")]
    pub client_key_id: Option<String>,
    /// Client assertions' audience (`aud`), e.g. the issuer; default: the endpoint each
    /// assertion is sent to.
    #[arg(long, value_name = "URL")]
    pub assertion_audience: Option<String>,
    /// Space-separated scopes.
    #[arg(long)]
    pub scope: Option<String>,
    /// Extra token-request parameter, e.g. audience=api (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    #[serde(skip)]
    pub params: Vec<String>,
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// Default header for API calls, e.g. "Accept: application/json"; `{api_key}` and dynamic
    /// values such as `{{$uuid}}` in it are filled on each call (repeatable).
    #[arg(long = "header", value_name = "K: V")]
    #[serde(skip)]
    pub headers: Vec<String>,
    /// The resource owner, for the password grant.
    #[arg(long)]
    pub username: Option<String>,
    /// Keep the password in the keyring so tokens can be renewed without asking again.
    #[arg(long)]
    pub remember_password: bool,
    /// Trust the CA certificates in this PEM file for the profile's servers, beside the system's
    /// (its content is kept with the profile).
    #[arg(long, value_name = "PATH")]
    #[serde(skip)]
    pub ca_file: Option<std::path::PathBuf>,
    /// Edit: trust the system's CAs only again.
    #[arg(long, conflicts_with = "ca_file")]
    #[serde(skip)]
    pub no_ca_file: bool,
    /// A client certificate presented to the profile's servers (mutual TLS): PEM, or PKCS#12
    /// (.p12/.pfx, whose key goes to the keyring; its passphrase is kept nowhere).
    #[arg(long, value_name = "PATH")]
    #[serde(skip)]
    pub tls_cert_file: Option<std::path::PathBuf>,
    /// Read the PKCS#12 file's passphrase from stdin (the line after any secret); without it,
    /// it is asked for on a terminal.
    #[arg(long, requires = "tls_cert_file")]
    #[serde(skip)]
    pub tls_passphrase_stdin: bool,
    /// The client certificate's private key (PEM: PKCS#8, SEC1 or PKCS#1). It goes to the
    /// keyring; neither the path nor the key is kept anywhere else.
    #[arg(long, value_name = "PATH")]
    #[serde(skip)]
    pub tls_key_file: Option<std::path::PathBuf>,
    /// Edit: present no client certificate any more (its key leaves the keyring).
    #[arg(long, conflicts_with_all = ["tls_cert_file", "tls_key_file"])]
    #[serde(skip)]
    pub no_tls_cert: bool,
    /// The profile's proxy: http://, https:// or socks5:// (credentials in it go to the keyring).
    /// Without it, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured.
    #[arg(long, value_name = "URL")]
    #[serde(skip)]
    pub proxy: Option<String>,
    /// Go straight to the servers, whatever the proxy variables say.
    #[arg(long, conflicts_with = "proxy")]
    #[serde(skip)]
    pub no_proxy: bool,
    /// DPoP (RFC 9449): bind tokens to a key made for the profile (kept in the keyring); token
    /// requests and API calls carry a proof, `Authorization: DPoP`.
    #[arg(long)]
    pub dpop: bool,
    /// Edit: plain bearer tokens again (the DPoP key leaves the keyring).
    #[arg(long, conflicts_with = "dpop")]
    #[serde(skip)]
    pub no_dpop: bool,
    /// Edit: back to the proxy variables of the environment (the default).
    #[arg(long, conflicts_with_all = ["proxy", "no_proxy"])]
    #[serde(skip)]
    pub proxy_from_env: bool,
}

/// Secrets come on stdin (one per line, in this order: client secret, password, refresh token,
/// API key) or, on a terminal, at a prompt; never as flags, which other users can see.
#[derive(Args)]
pub struct SecretFlags {
    /// Read the client secret from the first line of stdin.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Read the password from stdin (the second line when --client-secret-stdin is also given).
    #[arg(long)]
    pub password_stdin: bool,
    /// Start from a refresh token read from stdin (the line after any secret); implies --grant
    /// refresh_token unless the profile's preset starts from one anyway.
    #[arg(long)]
    pub refresh_token_stdin: bool,
    /// Read an API key from stdin (after the client secret, password and refresh token): kept
    /// in the keyring, sent where `{api_key}` stands (--grant api_key, or beside a token).
    #[arg(long)]
    pub api_key_stdin: bool,
    /// A public client: no client secret (with `edit`, the stored one is forgotten). Browser
    /// grants are public clients unless --client-secret-stdin is given.
    #[arg(long)]
    pub no_client_secret: bool,
}

#[derive(Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    #[command(flatten)]
    pub filter: EntryFilter,
    #[arg(long)]
    pub json: bool,
}

/// Which history entries: shared by `history` and `case export`.
#[derive(Args)]
pub struct EntryFilter {
    /// Only this profile's requests.
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// Only this status (404) or class (4xx).
    #[arg(long, value_name = "404|4xx")]
    pub status: Option<String>,
    /// Only URLs containing this text.
    #[arg(long, value_name = "TEXT")]
    pub url: Option<String>,
    /// Only entries at or after this time (RFC 3339 in UTC, or a date: 2026-11-22).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Subcommand)]
pub enum VarCommand {
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
pub enum CaseCommand {
    Export {
        file: PathBuf,
        #[command(flatten)]
        filter: EntryFilter,
        /// Write over FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    Import {
        file: PathBuf,
        /// Add what the plan shows (without it, only show the plan).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum HistoryAction {
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
pub struct CallArgs {
    pub name: String,
    pub method: String,
    pub url_or_path: String,
    /// Request header "K: V" (repeatable); replaces a profile default of the same name.
    #[arg(short = 'H', long = "header", value_name = "K: V")]
    pub headers: Vec<String>,
    /// Request body.
    #[arg(short = 'd', long = "data", conflicts_with = "data_file")]
    pub data: Option<String>,
    /// Request body from a file.
    #[arg(long, value_name = "F")]
    pub data_file: Option<PathBuf>,
    /// Print {status, url, headers, body, elapsed_ms, retried_after_401, proxy} as JSON instead of the body.
    #[arg(long)]
    pub json_out: bool,
    /// A value for `{{NAME}}` in this request only, over the saved variables (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    #[command(flatten)]
    pub trace: TraceArgs,
}

#[derive(Args)]
pub struct RunArgs {
    /// The profile whose saved requests run.
    #[arg(required_unless_present = "case", conflicts_with = "case")]
    pub profile: Option<String>,
    /// Folders and requests (by name or folder/name) to run, in their saved order; all when none.
    #[arg(value_name = "FOLDER_OR_REQUEST")]
    pub only: Vec<String>,
    /// A value for `{{NAME}}` in every request of the run, over the saved variables (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// How many requests may be on the way at once (a request that captures values finishes
    /// before those after it start).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Start no request after the first that failed.
    #[arg(long)]
    pub bail: bool,
    /// Also write the results as JUnit XML (the format CI systems read) to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print {passed, failed, results: [{folder, name, status, elapsed_ms, failures}]} as JSON
    /// (the lines go to stderr).
    #[arg(long)]
    pub json: bool,
    /// A case file (`waybill case export`) whose requests are sent again and compared with
    /// their recorded answers.
    #[arg(long, value_name = "FILE", requires = "case_profile")]
    pub case: Option<PathBuf>,
    /// With --case: the profile whose token and API base the case's requests go with.
    #[arg(long = "profile", value_name = "P", requires = "case")]
    pub case_profile: Option<String>,
}

/// Every exchange with the provider and the API, as it happens: for a sign-in that fails, and
/// for a ticket (secrets, tokens, codes, verifiers, assertions and keys are redacted).
#[derive(Args, Clone, Default)]
pub struct TraceArgs {
    /// Print each exchange (step, method, URL, status, time, headers and bodies, redacted) to
    /// stderr as it happens.
    #[arg(long)]
    pub trace: bool,
    /// Write the exchanges to FILE as a JSON list of {step, method, url, status, elapsed_ms,
    /// request: {headers, body}, response: {headers, body}, note}, redacted; written also when the
    /// command fails.
    #[arg(long, value_name = "FILE")]
    pub trace_json: Option<PathBuf>,
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

    /// Every field of a profile can be set from the command line, by a flag of its own name
    /// (`token_url`: `--token-url`) or, for the two read from files, by the file's flag.
    #[test]
    fn every_profile_field_has_a_flag() {
        let command = Cli::command();
        let profile = command.find_subcommand("profile").unwrap();
        for action in ["add", "edit"] {
            let sub = profile.find_subcommand(action).unwrap();
            let ids: Vec<&str> = sub.get_arguments().map(|a| a.get_id().as_str()).collect();
            let missing: Vec<&str> = waybill_core::workspace::Profile::FIELDS
                .iter()
                .map(|field| match *field {
                    "ca_certs" => "ca_file",
                    "tls_client_cert" => "tls_cert_file",
                    "name" if action == "edit" => "rename",
                    other => other,
                })
                .filter(|flag| *flag != "keyring_id" && !ids.contains(flag))
                .collect();
            assert!(
                missing.is_empty(),
                "`profile {action}` has no flag for the profile field(s) {missing:?}: add one to \
                 ProfileFields (args.rs), named as the field"
            );
        }
    }
}
