//! Sending: `call`, `send` (a saved request), `requests` (the saved ones), `curl-import`,
//! `replay`.

use std::io::Read;

use serde_json::{json, Value};
use waybill_core::workspace::{parse_curl, parse_header, ApiRequest, CurlRequest, SavedRequest};

use super::args::{CallArgs, GlobalOptions};
use super::output::{print_json, print_response, Failure};
use super::Context;

pub async fn call(ctx: &mut Context, args: CallArgs) -> Result<i32, Failure> {
    let request = request_of(&args)?;
    ctx.seed_session_secrets(&ctx.ws.profile(&args.name)?)
        .await?;
    let response = ctx
        .ws
        .call(&args.name, &request, &vars(&args.vars)?)
        .await?;
    Ok(print_response(&response, args.json_out))
}

/// The request `call`'s arguments describe (its body from -d or a file).
fn request_of(args: &CallArgs) -> Result<ApiRequest, Failure> {
    let mut request = ApiRequest::new(&args.method, &args.url_or_path);
    for line in &args.headers {
        request.headers.push(parse_header(line)?);
    }
    request.body = match (&args.data, &args.data_file) {
        (Some(data), _) => Some(data.clone().into_bytes()),
        (None, Some(path)) => Some(
            std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?,
        ),
        (None, None) => None,
    };
    Ok(request)
}

pub async fn send(
    ctx: &mut Context,
    name: &str,
    request: &str,
    vars_given: &[String],
    json_out: bool,
) -> Result<i32, Failure> {
    ctx.seed_session_secrets(&ctx.ws.profile(name)?).await?;
    let response = ctx.ws.send_saved(name, request, &vars(vars_given)?).await?;
    Ok(print_response(&response, json_out))
}

/// The profile's saved requests: `folder/name  METHOD url`, or JSON.
pub fn list(ctx: &Context, name: &str, json: bool) -> Result<i32, Failure> {
    let saved = ctx.ws.saved_requests(name)?;
    match json {
        true => print_json(&Value::Array(saved.iter().map(saved_json).collect())),
        false if saved.is_empty() => {
            println!("{name} has no saved requests (save them in the window's request builder).")
        }
        false => saved
            .iter()
            .for_each(|s| println!("{:<40} {:<7} {}", s.path(), s.request.method, s.request.url)),
    }
    Ok(0)
}

/// `{folder, name, method, url, headers}`: the shape scripts read (`folder` null when none).
fn saved_json(saved: &SavedRequest) -> Value {
    let (folder, name, request) = (&saved.folder, &saved.name, &saved.request);
    json!({"folder": folder, "name": name, "method": request.method, "url": request.url, "headers": request.headers})
}

/// A curl command from stdin: printed as JSON (its Authorization redacted), or sent with the
/// profile's token instead.
pub async fn curl_import(
    options: &GlobalOptions,
    profile: Option<String>,
    send: bool,
    json_out: bool,
) -> Result<i32, Failure> {
    let mut command = String::new();
    std::io::stdin()
        .read_to_string(&mut command)
        .map_err(|e| format!("could not read the curl command from stdin: {e}"))?;
    let parsed = parse_curl(&command, |path| std::fs::read(path))?;
    let Some(name) = profile.filter(|_| send) else {
        print_json(&pasted_json(parsed));
        return Ok(0);
    };
    let ctx = &mut Context::new(options)?;
    ctx.seed_session_secrets(&ctx.ws.profile(&name)?).await?;
    Ok(print_response(
        &ctx.ws.send_curl(&name, &parsed).await?,
        json_out,
    ))
}

/// `{method, url, headers, body}`, the command's own Authorization redacted: the customer's
/// credentials are theirs, never echoed.
fn pasted_json(mut parsed: CurlRequest) -> Value {
    let authorization = parsed.take_authorization();
    let mut headers = parsed.headers.clone();
    if let Some((name, scheme)) = authorization {
        // A bare key has no scheme to show.
        let shown = [scheme.as_str(), "[redacted]"].join(" ");
        headers.push((name, shown.trim_start().to_string()));
    }
    json!({"method": parsed.method, "url": parsed.url, "headers": headers, "body": parsed.body})
}

pub async fn replay(
    ctx: &mut Context,
    id: i64,
    profile: Option<String>,
    json_out: bool,
) -> Result<i32, Failure> {
    let name = match profile {
        Some(name) => name,
        None => ctx.ws.history_entry(id)?.profile,
    };
    ctx.seed_session_secrets(&ctx.ws.profile(&name)?).await?;
    let response = ctx.ws.replay(id, Some(&name)).await?;
    Ok(print_response(&response, json_out))
}

/// `--var NAME=VALUE` pairs.
pub fn vars(given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    given
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => Ok((name.to_string(), value.to_string())),
            None => Err(format!("--var {pair:?} should be NAME=VALUE").into()),
        })
        .collect()
}
