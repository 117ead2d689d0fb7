//! `waybill call` (one API request with the profile's bearer token) and `waybill curl-import`.

use super::variables;
use super::*;

pub(super) async fn call(ctx: &mut Context, args: CallArgs) -> Result<i32, Failure> {
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
    let mut scope = variables::store()?.load()?.scope(&profile);
    for pair in &args.vars {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| fail(format!("--var {pair:?} should be NAME=VALUE")))?;
        waybill_core::variables::check_name(name)?;
        scope = scope.with(name, value);
    }
    let request = scope.fill_request(&request)?;
    send_and_print(ctx, &profile, &request, args.json_out).await
}

/// Send with the profile's token and print the answer (body, or JSON); exit 0 on 2xx, else 1.
pub(super) async fn send_and_print(
    ctx: &mut Context,
    profile: &Profile,
    request: &ApiRequest,
    json_out: bool,
) -> Result<i32, Failure> {
    // Refuse a bad method or URL before a token is fetched for nothing.
    request::resolve_url(profile, &request.target)?;
    ctx.seed_session_secrets(profile).await?;
    let result = ctx.session.send(profile, request).await;
    super::history::record(profile, request, &result);
    let response = result.map_err(session_failure)?;
    if json_out {
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

pub(super) async fn curl_import(
    options: &GlobalOptions,
    profile: Option<String>,
    send: bool,
    json_out: bool,
) -> Result<i32, Failure> {
    let mut command = String::new();
    std::io::stdin()
        .read_to_string(&mut command)
        .map_err(|e| fail(format!("could not read the curl command from stdin: {e}")))?;
    let read_file = |path: &str| std::fs::read(path);
    let mut parsed = waybill_core::curl::parse_curl(&command, read_file)?;
    // The customer's credentials are theirs: never echoed, and replaced by the profile's token.
    let authorization = parsed.take_authorization();
    let request = parsed.to_api_request();
    match (send, profile) {
        (true, Some(name)) => {
            let ctx = &mut Context::new(options)?;
            let profile = ctx.profile(&name)?;
            send_and_print(ctx, &profile, &request, json_out).await
        }
        _ => {
            let mut headers = request.headers.clone();
            if let Some((name, scheme)) = authorization {
                headers.push((name, format!("{scheme} [redacted]")));
            }
            print_json(&json!({
                "method": parsed.method,
                "url": parsed.url,
                "headers": headers,
                "body": parsed.body,
            }));
            Ok(0)
        }
    }
}
