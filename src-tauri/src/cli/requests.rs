//! Sending: `call`, `send` (a saved request), `requests` (the saved ones), `curl-import`,
//! `replay`.

use std::io::Read;

use serde_json::{json, Value};
use waybill_core::http::curl::parse_curl;
use waybill_core::http::request::parse_header;
use waybill_core::ApiRequest;

use super::args::{CallArgs, GlobalOptions};
use super::output::{print_json, print_response, Failure};
use super::Context;

pub async fn call(ctx: &mut Context, args: CallArgs) -> Result<i32, Failure> {
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
    ctx.seed_session_secrets(&ctx.ws.profile(&args.name)?)
        .await?;
    let response = ctx
        .ws
        .call(&args.name, &request, &vars(&args.vars)?)
        .await?;
    Ok(print_response(&response, args.json_out))
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
    if json {
        let list = saved.iter().map(|s| {
            json!({
                "folder": s.folder, "name": s.name, "method": s.request.method,
                "url": s.request.url, "headers": s.request.headers,
            })
        });
        print_json(&Value::Array(list.collect()));
        return Ok(0);
    }
    if saved.is_empty() {
        println!("{name} has no saved requests (save them in the window's request builder).");
    }
    for s in &saved {
        println!("{:<40} {:<7} {}", s.path(), s.request.method, s.request.url);
    }
    Ok(0)
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
    let mut parsed = parse_curl(&command, |path| std::fs::read(path))?;
    if let (true, Some(name)) = (send, profile) {
        let ctx = &mut Context::new(options)?;
        ctx.seed_session_secrets(&ctx.ws.profile(&name)?).await?;
        return Ok(print_response(
            &ctx.ws.send_curl(&name, &parsed).await?,
            json_out,
        ));
    }
    // The customer's credentials are theirs: never echoed.
    let authorization = parsed.take_authorization();
    let mut headers = parsed.headers.clone();
    if let Some((name, scheme)) = authorization {
        headers.push((name, format!("{scheme} [redacted]")));
    }
    print_json(&json!({
        "method": parsed.method, "url": parsed.url, "headers": headers, "body": parsed.body,
    }));
    Ok(0)
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
fn vars(given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    given
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => Ok((name.to_string(), value.to_string())),
            None => Err(format!("--var {pair:?} should be NAME=VALUE").into()),
        })
        .collect()
}
