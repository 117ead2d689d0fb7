//! `waybill profile ...` and `waybill presets`: profiles made from presets and flags, shown, removed.

use super::*;

pub(super) async fn profile_command(
    ctx: &mut Context,
    command: ProfileCommand,
) -> Result<i32, Failure> {
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
    waybill_core::profile::validate_name(&args.name)?;
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

pub(super) fn presets(json: bool) -> Result<i32, Failure> {
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
