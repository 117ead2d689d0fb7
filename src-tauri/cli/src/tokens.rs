//! Tokens and signing in: `token`, `inspect`, `login` (password or browser), `logout`.

use std::io::IsTerminal;
use std::time::Duration;

use serde_json::{json, Value};
use waybill_core::workspace::{
    DeviceCode, DoctorOutcome, Grant, Password, ProviderCheck, SignatureCheck, Token, TokenStatus,
    WorkspaceError,
};

use super::output::{expiry_text, print_json, Failure, EXIT_HTTP_STATUS};
use super::Context;

pub async fn token(ctx: &mut Context, name: &str, json: bool) -> Result<i32, Failure> {
    ctx.seed_session_secrets(&ctx.ws.profile(name)?).await?;
    let token = ctx.ws.token(name).await?;
    match json {
        true => print_json(&token_json(&token)),
        false => println!("{}", token.access_token.expose()),
    }
    Ok(0)
}

/// `{access_token, token_type, expires_at, scope, source, extra}`: `token --json`'s contract.
fn token_json(token: &Token) -> Value {
    let meta = &token.meta;
    let expires_at = meta
        .expires_at
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    json!({
        "access_token": token.access_token.expose(), "token_type": meta.token_type,
        "expires_at": expires_at, "scope": meta.scope, "source": token.source, "extra": meta.extra.0,
    })
}

pub async fn inspect(
    ctx: &Context,
    name: &str,
    json: bool,
    verify: bool,
    introspect: bool,
) -> Result<i32, Failure> {
    let status = ctx.ws.status(name, verify).await?;
    let check = match introspect {
        true => Some(ctx.ws.check_at_provider(name).await?),
        false => None,
    };
    let now = chrono::Utc::now();
    let expires = status.meta.as_ref().and_then(|m| m.expires_at);
    let seconds_left = expires.map(|at| (at - now).num_seconds().max(0));
    match json {
        true => {
            let mut value = serde_json::to_value(&status).unwrap_or(Value::Null);
            value["profile"] = json!(name);
            value["seconds_left"] = json!(seconds_left);
            if let Some(check) = &check {
                value["introspection"] = json!(check.introspection);
                value["userinfo"] = json!(check.userinfo);
                if let Some(error) = &check.userinfo_error {
                    value["userinfo_error"] = json!(error);
                }
            }
            print_json(&value);
        }
        false => {
            print_status(name, &status, seconds_left);
            if let Some(check) = &check {
                print_check(check);
            }
        }
    }
    Ok(0)
}

/// What the provider said, one line per source.
fn print_check(check: &ProviderCheck) {
    let fields = |map: &serde_json::Map<String, Value>| {
        map.iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(answer) = &check.introspection {
        let verdict = match answer.get("active") {
            Some(Value::Bool(true)) => "active",
            _ => "NOT active",
        };
        let rest: serde_json::Map<_, _> = answer
            .iter()
            .filter(|(k, _)| *k != "active")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        println!("{:<14}{verdict} ({})", "at provider:", fields(&rest));
    }
    if let Some(claims) = &check.userinfo {
        println!("{:<14}{}", "userinfo:", fields(claims));
    }
    if let Some(error) = &check.userinfo_error {
        println!("{:<14}could not be read: {error}", "userinfo:");
    }
}

/// Sign in: in the browser for browser grants, else with a password.
pub async fn login(
    ctx: &mut Context,
    name: &str,
    password_stdin: bool,
    no_browser: bool,
    timeout: Duration,
) -> Result<i32, Failure> {
    let grant = ctx.ws.profile(name)?.grant;
    let token = match grant {
        grant if grant.is_sign_in() => browser_login(ctx, name, no_browser, timeout).await?,
        Grant::ClientCredentials => {
            return Err(Failure::from(format!(
                "profile {name} gets its tokens with its client's credentials: no user signs in"
            ))
            .with_hint(format!("`waybill token {name}` gets a token")))
        }
        Grant::RefreshToken => {
            return Err(Failure::from(format!(
            "profile {name} starts from a refresh token it was given: it has no sign-in of its own"
        ))
            .with_hint(format!(
                "give it a new refresh token: `waybill profile edit {name} --refresh-token-stdin`"
            )))
        }
        _ => {
            let from_stdin = password_stdin || ctx.session_only;
            let typed = ctx
                .stdin
                .secret_from(from_stdin, "password", "Password: ")?;
            ctx.ws
                .sign_in_with_password(name, &Password::new(typed))
                .await?
        }
    };
    println!(
        "Signed in to {name}; token valid until {}.",
        expiry_text(&token.meta)
    );
    Ok(0)
}

/// Bind the listener, open the browser (or print the address), wait for the redirect or Ctrl-C.
/// For the device grant: show the code and its address (and a QR code on a terminal), open the
/// address, and wait while the provider is polled.
async fn browser_login(
    ctx: &Context,
    name: &str,
    no_browser: bool,
    timeout: Duration,
) -> Result<Token, Failure> {
    let started = ctx.ws.start_sign_in(name, !no_browser, timeout).await?;
    let waiting_for = match &started.device {
        Some(code) => {
            show_device_code(name, code);
            match &started.browser {
                Some(Ok(())) => eprintln!("Opened your browser at that address."),
                Some(Err(e)) => {
                    eprintln!("Could not open a browser ({e}): open the address on any device.")
                }
                None => {}
            }
            "the code to be confirmed".to_string()
        }
        None => {
            match started.browser {
                None => {
                    eprintln!("Open this address in your browser to sign in to {name}:");
                    println!("{}", started.authorize_url);
                }
                Some(Err(e)) => return Err(WorkspaceError::from(e).into()),
                Some(Ok(())) => eprintln!("Opened your browser to sign in to {name}."),
            }
            let uri = started.redirect_uri.as_deref().unwrap_or_default();
            format!("it to come back to {uri}")
        }
    };
    let secs = started.timeout.as_secs();
    eprintln!("Waiting up to {secs} s for {waiting_for} (Ctrl-C cancels)...");
    tokio::select! {
        signed_in = ctx.ws.finish_sign_in(started.attempt) => Ok(signed_in?.token),
        _ = tokio::signal::ctrl_c() => Err(WorkspaceError::SignInCancelled.into()),
    }
}

/// The device code and where to confirm it, on stdout; on a terminal, a QR code of the address
/// that holds the code, for a phone.
fn show_device_code(name: &str, code: &DeviceCode) {
    println!(
        "To sign in to {name}, open {} and enter the code {}",
        code.verification_uri, code.user_code
    );
    if let Some(complete) = &code.verification_uri_complete {
        println!("(or open {complete}, which holds the code)");
    }
    if std::io::stdout().is_terminal() {
        if let Ok(qr) = qrcode::QrCode::new(code.url().as_bytes()) {
            let text = qr
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build();
            println!("{text}");
        }
    }
}

pub async fn logout(ctx: &Context, name: &str, revoke: bool) -> Result<i32, Failure> {
    if revoke {
        match ctx.ws.revoke_tokens(name).await? {
            0 => println!("{name} kept no tokens: nothing to revoke."),
            _ => println!("Revoked the tokens of {name} at the provider and forgot them."),
        }
    } else {
        ctx.ws.forget_tokens(name).await?;
        println!("Forgot the tokens of {name}.");
    }
    Ok(0)
}

fn print_status(name: &str, status: &TokenStatus, seconds_left: Option<i64>) {
    let state = serde_json::to_value(status.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    println!("{:<14}{name}", "profile:");
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
        let obtained = meta
            .obtained_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        println!("{:<14}{obtained}{}", "obtained:", how.unwrap_or_default());
        let left = seconds_left
            .map(|s| format!(" ({s} s left)"))
            .unwrap_or_default();
        println!("{:<14}{}{left}", "expires:", expiry_text(meta));
        if !meta.extra.0.is_empty() {
            let names: Vec<&str> = meta.extra.0.keys().map(String::as_str).collect();
            println!(
                "{:<14}{} (values stay in the keyring)",
                "also sent:",
                names.join(", ")
            );
        }
    }
    let refresh = if status.has_refresh_token {
        "yes"
    } else {
        "no"
    };
    println!("{:<14}{refresh}", "refresh:");
    if let Some(jwt) = &status.jwt {
        println!("JWT header:   {}", jwt.header);
        let claims = serde_json::to_string_pretty(&jwt.claims).unwrap_or_default();
        println!("JWT claims:   {claims}");
        let signature = match &status.signature {
            Some(SignatureCheck::Checked { alg, kid }) => {
                format!("checked ({alg}, key {})", kid.as_deref().unwrap_or("-"))
            }
            Some(SignatureCheck::Unchecked { reason }) => format!("unchecked: {reason}"),
            Some(SignatureCheck::Invalid { reason }) => format!("INVALID: {reason}"),
            None => "not checked (--no-verify)".into(),
        };
        println!("{:<14}{signature}", "signature:");
    }
}

/// `waybill doctor NAME`: a line per step, passed, failed (with what to do) or skipped.
pub async fn doctor(
    ctx: &mut Context,
    name: &str,
    json: bool,
    probe: bool,
) -> Result<i32, Failure> {
    ctx.seed_session_secrets(&ctx.ws.profile(name)?).await?;
    let report = ctx.ws.doctor(name, probe).await?;
    if json {
        print_json(&serde_json::to_value(&report).unwrap_or(Value::Null));
    } else {
        for step in &report.steps {
            let mark = match step.outcome {
                DoctorOutcome::Passed => "pass",
                DoctorOutcome::Failed => "FAIL",
                DoctorOutcome::Skipped => "skip",
            };
            println!("{mark}  {:<22} {}", step.step, step.sentence);
            if let Some(fix) = &step.fix {
                println!("      {:<22} fix: {fix}", "");
            }
        }
    }
    Ok(if report.passed { 0 } else { EXIT_HTTP_STATUS })
}
