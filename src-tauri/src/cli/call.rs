//! `waybill call`: one API request with the profile's bearer token.

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
