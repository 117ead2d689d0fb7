//! Tokens and signing in: `token`, `inspect`, `login` (password or browser), `logout`.

use super::*;

pub(super) async fn token(ctx: &mut Context, name: &str, json: bool) -> Result<i32, Failure> {
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

pub(super) async fn inspect(
    ctx: &Context,
    name: &str,
    json: bool,
    verify: bool,
) -> Result<i32, Failure> {
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

pub(super) async fn login(
    ctx: &mut Context,
    profile: &Profile,
    password_stdin: bool,
) -> Result<i32, Failure> {
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

pub(super) async fn logout(ctx: &Context, name: &str, revoke: bool) -> Result<i32, Failure> {
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
pub(super) async fn browser_login(
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

fn open_browser(url: &str) -> Result<(), Failure> {
    crate::browser::open(url).map_err(|message| Failure {
        message,
        hint: Some("set BROWSER to your browser's command, or pass --no-browser and open the address yourself".into()),
    })
}
