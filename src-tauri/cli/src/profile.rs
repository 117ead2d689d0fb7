//! `waybill profile ...`: profiles made from presets and flags, edited, shown, removed.

use std::collections::BTreeMap;

use serde_json::Value;
use waybill_core::workspace::{
    describe_certificates, parse_header, ClientSecret, Grant, NewProfile, Password, Profile,
    ProfileFiles, Secrets,
};

use super::args::{AddArgs, EditArgs, KeyCommand, ProfileCommand, ProfileFields};
use super::input::StdinLines;
use super::output::{expiry_text, print_json, Failure};
use super::Context;

pub async fn run(ctx: &mut Context, command: ProfileCommand) -> Result<i32, Failure> {
    match command {
        ProfileCommand::Add(args) => add(ctx, *args).await,
        ProfileCommand::Edit(args) => edit(ctx, *args).await,
        ProfileCommand::List { json } => list(ctx, json),
        ProfileCommand::Show { name, json } => show(ctx, &name, json),
        ProfileCommand::Remove { name } => {
            ctx.ws.remove_profile(&name).await?;
            println!("Removed profile {name}, its keyring entries and its saved requests.");
            Ok(0)
        }
        ProfileCommand::SetSecret {
            name,
            client_secret_stdin,
        } => set_secret(ctx, &name, client_secret_stdin).await,
    }
}

async fn add(ctx: &mut Context, args: AddArgs) -> Result<i32, Failure> {
    let new = NewProfile {
        name: args.name,
        ..NewProfile::default()
    };
    let mut new = args.fields.apply(new, args.secrets.refresh_token_stdin)?;
    let needed = ctx.ws.secrets_needed(&new)?;
    let mut secrets = ctx.stdin.profile_secrets(&args.secrets, needed, false)?;
    args.fields
        .read_files(&mut ctx.stdin, &mut new, &mut secrets)?;
    let password = secrets.password.clone();
    let profile = ctx.ws.add_profile(new, secrets).await?;
    print_added(ctx, &profile);
    match password {
        Some(password) => sign_in_now(ctx, &profile, &password).await,
        None => Ok(0),
    }
}

/// The password grant signs in as soon as its profile is added (the password is kept only with
/// --remember-password).
async fn sign_in_now(
    ctx: &Context,
    profile: &Profile,
    password: &Password,
) -> Result<i32, Failure> {
    let signed_in = ctx.ws.sign_in_with_password(&profile.name, password).await;
    let hint = format!(
        "the profile was saved; sign in again with `waybill login {}`",
        profile.name
    );
    let token = signed_in.map_err(|e| Failure::from(e).with_hint(hint))?;
    let user = profile.username.as_deref().unwrap_or_default();
    println!(
        "Signed in as {user}; token valid until {}.",
        expiry_text(&token.meta)
    );
    Ok(0)
}

fn print_added(ctx: &Context, profile: &Profile) {
    println!("Added profile {} ({}).", profile.name, summary(profile));
    if let Some(note) = (profile.preset.as_deref()).and_then(|id| ctx.ws.preset(id).ok()?.note) {
        println!("Note: {note}");
    }
    if ctx.session_only {
        println!("--session-only: no secret was stored; pass --session-only with each command and give the secret again.");
    }
}

fn show(ctx: &Context, name: &str, json: bool) -> Result<i32, Failure> {
    let profile = ctx.ws.profile(name)?;
    match json {
        true => print_json(&profile_json(&profile)),
        false => print!("{}", profile_text(&profile)),
    }
    Ok(0)
}

async fn set_secret(ctx: &mut Context, name: &str, from_stdin: bool) -> Result<i32, Failure> {
    let secret = ctx
        .stdin
        .secret_from(from_stdin, "client secret", "Client secret: ")?;
    ctx.ws
        .set_client_secret(name, ClientSecret::new(secret))
        .await?;
    println!("Stored a new client secret for {name} (its old tokens were forgotten).");
    Ok(0)
}

async fn edit(ctx: &mut Context, args: EditArgs) -> Result<i32, Failure> {
    let before = ctx.ws.describe_profile(&args.name)?;
    let mut after = args
        .fields
        .apply(before.clone(), args.secrets.refresh_token_stdin)?;
    after.name = args.rename.unwrap_or(after.name);
    let needed = ctx.ws.secrets_needed(&after)?;
    let mut secrets = ctx.stdin.profile_secrets(&args.secrets, needed, true)?;
    args.fields
        .read_files(&mut ctx.stdin, &mut after, &mut secrets)?;
    let fields = &args.fields;
    secrets.replace_proxy_credentials =
        fields.proxy.is_some() || fields.no_proxy || fields.proxy_from_env;
    let profile = ctx
        .ws
        .edit_profile(&args.name, before, after, secrets)
        .await?;
    println!("Changed profile {} ({}).", profile.name, summary(&profile));
    Ok(0)
}

fn list(ctx: &Context, json: bool) -> Result<i32, Failure> {
    let profiles = ctx.ws.profiles()?;
    if json {
        print_json(&Value::Array(profiles.iter().map(profile_json).collect()));
        return Ok(0);
    }
    if profiles.iter().next().is_none() {
        println!("No profiles yet. Add one with `waybill profile add NAME --preset PRESET ...` (see `waybill presets`).");
    }
    for p in profiles.iter() {
        let env = p.environment.map(|e| format!(" [{e}]")).unwrap_or_default();
        let grant = p.grant.to_string();
        println!("{:<20} {grant:<18} {}{env}", p.name, endpoint_text(p));
    }
    Ok(0)
}

impl ProfileFields {
    /// `new` with every field given on the command line set (lists: a key given replaces it).
    fn apply(&self, new: NewProfile, refresh_token_stdin: bool) -> Result<NewProfile, Failure> {
        let mut new = with_given(new, self)?;
        new.grant = match (self.grant, refresh_token_stdin) {
            (Some(Grant::RefreshToken) | None, true) => Some(Grant::RefreshToken),
            (Some(g), true) => {
                return Err(format!("--refresh-token-stdin makes a refresh_token profile; it cannot be combined with --grant {g}").into())
            }
            (_, false) => new.grant,
        };
        new.par = (new.par || self.par_url.is_some()) && !self.no_par;
        if self.no_par {
            new.par_url = None;
        }
        new.dpop &= !self.no_dpop;
        if self.no_ca_file {
            new.ca_certs = None;
        }
        if self.no_tls_cert {
            new.tls_client_cert = None;
        }
        if self.proxy.is_some() || self.no_proxy || self.proxy_from_env {
            new.proxy.clone_from(&self.proxy);
            new.no_proxy = self.no_proxy;
        }
        new.params.extend(key_values("--param", &self.params)?);
        new.authorize_params
            .extend(key_values("--authorize-param", &self.authorize_params)?);
        for (lines, headers) in [
            (&self.headers, &mut new.headers),
            (&self.token_request_headers, &mut new.token_request_headers),
        ] {
            for line in lines {
                let (name, value) = parse_header(line)?;
                headers.retain(|n, _| !n.eq_ignore_ascii_case(&name));
                headers.insert(name, value);
            }
        }
        Ok(new)
    }
}

/// `new` with each flag that names a profile field and was given (not absent, not false) set.
fn with_given(new: NewProfile, flags: &ProfileFields) -> Result<NewProfile, Failure> {
    let bad = |e: serde_json::Error| Failure::from(format!("could not apply the flags: {e}"));
    let (Value::Object(mut fields), Value::Object(given)) = (
        serde_json::to_value(new).map_err(bad)?,
        serde_json::to_value(flags).map_err(bad)?,
    ) else {
        return Err("could not apply the flags".into());
    };
    for (field, value) in given {
        if !matches!(value, Value::Null | Value::Bool(false)) {
            fields.insert(field, value);
        }
    }
    serde_json::from_value(Value::Object(fields)).map_err(bad)
}

/// `waybill key generate|show NAME`: the public JWK on stdout, what to do with it on stderr.
pub async fn key(ctx: &Context, command: KeyCommand) -> Result<i32, Failure> {
    let (name, jwk) = match command {
        KeyCommand::Generate { name, replace } => {
            let jwk = ctx.ws.generate_client_key(&name, replace).await?;
            eprintln!("Made a new client key for {name} in the keyring. Register this public key with the provider for client {}:", ctx.ws.profile(&name)?.client_id);
            (name, Some(jwk))
        }
        KeyCommand::Show { name } => {
            let jwk = ctx.ws.client_public_key(&name).await?;
            (name, jwk)
        }
    };
    match jwk {
        Some(jwk) => {
            print_json(&jwk);
            Ok(0)
        }
        None => Err(Failure::from(format!("profile {name} has no client key"))
            .with_hint(format!("make one with `waybill key generate {name}`"))),
    }
}

impl ProfileFields {
    /// The files named by the flags, read into the profile and its secrets by the core. The
    /// PKCS#12 passphrase comes after the secrets on stdin, or is asked for when the file needs one.
    fn read_files(
        &self,
        stdin: &mut StdinLines,
        new: &mut NewProfile,
        secrets: &mut Secrets,
    ) -> Result<(), Failure> {
        let mut files = ProfileFiles {
            ca_file: self.ca_file.clone(),
            tls_cert_file: self.tls_cert_file.clone(),
            tls_passphrase: None,
            tls_key_file: self.tls_key_file.clone(),
            client_key_file: self.client_key_file.clone(),
        };
        if self.tls_passphrase_stdin {
            files.tls_passphrase = Some(Password::new(stdin.next_line("PKCS#12 passphrase")?));
        }
        loop {
            match files.read_into(new, secrets) {
                Err(e) if e.needs_passphrase() && files.tls_passphrase.is_none() => {
                    let path = self.tls_cert_file.as_deref().unwrap_or_else(|| "".as_ref());
                    let prompt = format!("Passphrase of {}: ", path.display());
                    let typed = stdin.secret_from(false, "PKCS#12 passphrase", &prompt)?;
                    files.tls_passphrase = Some(Password::new(typed));
                }
                read => return Ok(read?),
            }
        }
    }
}

fn key_values(flag: &str, items: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut map = BTreeMap::new();
    for item in items {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| format!("{flag} expects KEY=VALUE, not {item:?}"))?;
        map.insert(k.trim().to_string(), v.to_string());
    }
    Ok(map)
}

/// Grant, client authentication and where its tokens come from, in a few words.
fn summary(p: &Profile) -> String {
    format!(
        "{}, {} client authentication, {}",
        p.grant,
        p.client_auth,
        endpoint_text(p)
    )
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
    line("introspection:", p.introspection_url.clone());
    line("userinfo:", p.userinfo_url.clone());
    line("PAR:", p.par_url.clone());
    line("device auth:", p.device_authorization_url.clone());
    line("client id:", Some(p.client_id.clone()));
    line("client auth:", Some(p.client_auth.to_string()));
    line("assertion aud:", p.assertion_audience.clone());
    line(
        "DPoP:",
        p.dpop
            .then(|| "tokens bound to a key in the keyring".to_string()),
    );
    line("scope:", p.scope.clone());
    line("API base:", p.api_base.clone());
    line("username:", p.username.clone());
    let certificates = |pem: &Option<String>| {
        pem.as_deref()
            .map(|pem| describe_certificates(pem).join("; "))
    };
    line("extra CA:", certificates(&p.ca_certs));
    line("client cert:", certificates(&p.tls_client_cert));
    line(
        "proxy:",
        match (&p.proxy, p.no_proxy) {
            (Some(proxy), _) => Some(proxy.clone()),
            (None, true) => Some("none (--no-proxy)".into()),
            (None, false) => None,
        },
    );
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
