//! How a token request is put on the wire, around the `oauth2` crate.
//!
//! The crate builds every request as a form body. This module is the HTTP client function the
//! crate calls: for the `json` dialect it re-encodes that form as a JSON object (MyParcel.com,
//! Bindeo, OroCommerce); `form` and `basic` go out as the crate made them, Basic with the id and
//! secret sent as they are when the provider wants them raw (UPS, eBay, Walmart), and the
//! profile's token-request headers added (Walmart's `WM_SVC.NAME`, UPS's `x-merchant-id`). On the way back it
//! normalises what providers send but the crate's strict parser refuses (`expires_in` as a string
//! or a float, a missing `token_type`, a 201, a JSON body labelled `text/plain`, an error in the
//! provider's own JSON shape), and turns answers that are no OAuth JSON at all (an HTML 502 page)
//! into a plain `NotAToken` error.

use std::collections::BTreeMap;

use oauth2::http::{header, HeaderValue, StatusCode};
use oauth2::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

use crate::auth::assertion::{self, Assertions};
use crate::auth::dpop::{self, Dpop};
use crate::net::provider_error::ProviderError;
use crate::net::{Net, NetError};
use crate::profile::template;
use crate::profile::{BasicEncoding, ClientAuth, Profile};

#[derive(Debug, Clone, thiserror::Error)]
pub enum EndpointError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("the token endpoint answered HTTP {status} with {what} instead of a token")]
    NotAToken { status: String, what: String },
    #[error("{0}")]
    Assertion(String),
}

/// How a profile's requests to its token endpoint go on the wire, beyond what the crate does.
#[derive(Debug, Clone, Default)]
pub struct Dialect {
    pub auth: ClientAuth,
    pub basic: BasicEncoding,
    /// Sent with every token-endpoint request; dynamic values (`{{$uuid}}`) drawn afresh.
    pub headers: BTreeMap<String, String>,
}

impl Dialect {
    pub fn of(profile: &Profile) -> Dialect {
        Dialect {
            auth: profile.client_auth,
            basic: profile.basic_encoding.unwrap_or_default(),
            headers: profile.token_request_headers.clone(),
        }
    }

    /// The profile's token-request headers, fresh dynamic values put in.
    pub fn headers(&self) -> Vec<(String, String)> {
        let now = chrono::Utc::now();
        (self.headers.iter())
            .map(|(name, value)| (name.clone(), template::fill_dynamic(value, now)))
            .collect()
    }
}

/// Send one token request the crate built, in the profile's dialect, with a fresh client
/// assertion when the profile signs them and a DPoP proof when its tokens are bound to a key.
/// A server that asks for its DPoP nonce gets the request once more, with new proofs.
pub async fn send(
    net: &Net,
    dialect: &Dialect,
    assertions: Option<&Assertions>,
    dpop: Option<&Dpop>,
    request: HttpRequest,
) -> Result<HttpResponse, EndpointError> {
    let url = request.uri().to_string();
    let mut retried = false;
    loop {
        let mut sent = match (dialect.auth, assertions) {
            (ClientAuth::Json, _) => form_to_json(request.clone()),
            (_, Some(assertions)) => with_assertion(request.clone(), assertions)?,
            (ClientAuth::Basic, _) if dialect.basic == BasicEncoding::Raw => {
                raw_basic(request.clone())
            }
            _ => request.clone(),
        };
        for (name, value) in dialect.headers() {
            let name = header::HeaderName::from_bytes(name.as_bytes());
            let value = HeaderValue::from_str(&value);
            if let (Ok(name), Ok(value)) = (name, value) {
                sent.headers_mut().insert(name, value);
            }
        }
        if let Some(dpop) = dpop {
            let proof = dpop
                .proof("POST", &url, None, chrono::Utc::now())
                .map_err(|e| EndpointError::Assertion(e.to_string()))?;
            let value = HeaderValue::from_str(&proof).map_err(|_| NetError::BadUrl(url.clone()))?;
            sent.headers_mut().insert(dpop::HEADER, value);
        }
        let sent = reqwest::Request::try_from(sent).map_err(|_| NetError::BadUrl(url.clone()))?;
        let step = step_of(&sent);
        let answer = net.exchange(&net.direct, sent, step).await?;
        let status = answer.status;
        let content_type = (answer.header(header::CONTENT_TYPE.as_str()))
            .unwrap_or_default()
            .to_string();
        let nonce = answer.header(dpop::NONCE_HEADER).map(str::to_string);
        let body = answer.body;
        if let Some(dpop) = dpop {
            let fresh = dpop.remember_nonce(&url, nonce.as_deref());
            let asks = ProviderError::from_body(&body)
                .and_then(|e| e.code)
                .is_some_and(|code| code == "use_dpop_nonce");
            if asks && fresh && !retried {
                retried = true;
                continue;
            }
        }
        return normalise(status, &content_type, &body);
    }
}

/// What a request the crate built is for, by its `grant_type` (the device authorization request
/// has none): each is its own step of a trace.
fn step_of(request: &reqwest::Request) -> &'static str {
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(body);
    let grant = url::form_urlencoded::parse(text.as_bytes())
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned())
        .or_else(|| {
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            Some(json.get("grant_type")?.as_str()?.to_string())
        });
    match grant.as_deref() {
        Some("refresh_token") => "refresh",
        Some("urn:ietf:params:oauth:grant-type:device_code") => "device poll",
        Some(_) => "token",
        None => "device authorization",
    }
}

/// The crate's form body plus a fresh assertion for this endpoint (RFC 7523 §2.2).
fn with_assertion(
    request: HttpRequest,
    assertions: &Assertions,
) -> Result<HttpRequest, EndpointError> {
    let (mut parts, body) = request.into_parts();
    let assertion = assertions
        .sign(&parts.uri.to_string(), chrono::Utc::now())
        .map_err(EndpointError::Assertion)?;
    let body = url::form_urlencoded::Serializer::new(String::from_utf8_lossy(&body).into_owned())
        .append_pair("client_assertion_type", assertion::ASSERTION_TYPE)
        .append_pair("client_assertion", &assertion)
        .finish();
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(HttpRequest::from_parts(parts, body.into_bytes()))
}

/// The crate's Basic header (id and secret form-encoded, RFC 6749 §2.3.1) with both as they are:
/// what UPS's, eBay's and Walmart's own SDKs send.
fn raw_basic(request: HttpRequest) -> HttpRequest {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let (mut parts, body) = request.into_parts();
    let raw = (parts.headers.get(header::AUTHORIZATION))
        .and_then(|v| v.to_str().ok()?.strip_prefix("Basic "))
        .and_then(|b64| String::from_utf8(engine.decode(b64).ok()?).ok())
        .and_then(|pair| {
            // Form-encoded, neither half holds a raw `:`.
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some(format!("{}:{}", decode(id)?, decode(secret)?))
        });
    if let Some(value) =
        raw.and_then(|r| HeaderValue::from_str(&format!("Basic {}", engine.encode(r))).ok())
    {
        parts.headers.insert(header::AUTHORIZATION, value);
    }
    HttpRequest::from_parts(parts, body)
}

/// The crate's form body, as a JSON object of strings.
fn form_to_json(request: HttpRequest) -> HttpRequest {
    let (mut parts, body) = request.into_parts();
    let object: Map<String, Value> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    HttpRequest::from_parts(parts, Value::Object(object).to_string().into_bytes())
}

fn normalise(
    status: reqwest::StatusCode,
    content_type: &str,
    body: &[u8],
) -> Result<HttpResponse, EndpointError> {
    let status_text = || {
        format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string()
    };
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(EndpointError::NotAToken {
            status: status_text(),
            what: describe_body(content_type, body),
        });
    };
    let is_oauth_error = fields.get("error").is_some_and(Value::is_string);
    let looks_like_token = fields.contains_key("access_token");
    let status = if status.is_success() && !is_oauth_error && looks_like_token {
        fix_token_fields(&mut fields);
        StatusCode::OK
    } else if is_oauth_error {
        // RFC 6749 says 400/401; some providers send 200 or 500. The crate needs a non-200 to read
        // the error, and its kind matters more than the number.
        StatusCode::BAD_REQUEST
    } else if let Some(said) = ProviderError::from_json(&Value::Object(fields.clone())) {
        // The provider's own error shape, put in OAuth's so it reads like any refusal.
        fields = Map::new();
        let code = said.code.unwrap_or_else(status_text);
        fields.insert("error".into(), Value::from(code));
        if let Some(message) = said.message {
            fields.insert("error_description".into(), Value::from(message));
        }
        StatusCode::BAD_REQUEST
    } else if status.is_success() {
        // No token and no error: the crate names the missing field.
        fix_token_fields(&mut fields);
        StatusCode::OK
    } else {
        return Err(EndpointError::NotAToken {
            status: status_text(),
            what: "JSON that is not an OAuth error".into(),
        });
    };
    let mut response = HttpResponse::new(Value::Object(fields).to_string().into_bytes());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Accept what real providers send: `"expires_in": "3600"` or `3600.0`, no `token_type`.
pub(crate) fn fix_token_fields(fields: &mut Map<String, Value>) {
    if let Some(expires_in) = fields.get("expires_in") {
        let seconds = match expires_in {
            Value::String(s) => s.trim().parse::<f64>().ok(),
            Value::Number(n) => n.as_f64(),
            _ => None,
        };
        match seconds.filter(|s| s.is_finite() && *s >= 0.0) {
            Some(s) => fields.insert("expires_in".into(), Value::from(s.round() as u64)),
            None => fields.remove("expires_in"),
        };
    }
    if !fields.get("token_type").is_some_and(Value::is_string) {
        fields.insert("token_type".into(), Value::from("Bearer"));
    }
}

/// "an HTML page (title "502 Bad Gateway")", "an empty body", "text (text/plain)".
fn describe_body(content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return "an empty body".into();
    }
    let lower = trimmed.to_ascii_lowercase();
    if content_type.contains("html")
        || lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
    {
        let title = lower.find("<title>").and_then(|start| {
            let rest = &trimmed[start + 7..];
            rest.find('<')
                .map(|end| rest[..end].split_whitespace().collect::<Vec<_>>().join(" "))
        });
        return match title.filter(|t| !t.is_empty()) {
            Some(t) => format!(
                "an HTML page (\"{}\")",
                t.chars().take(80).collect::<String>()
            ),
            None => "an HTML page".into(),
        };
    }
    let kind = if content_type.is_empty() {
        "no content type".to_string()
    } else {
        content_type.to_string()
    };
    format!("a body that is not JSON ({kind})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Value {
        let response =
            normalise(reqwest::StatusCode::OK, "application/json", body.as_bytes()).unwrap();
        serde_json::from_slice(response.body()).unwrap()
    }

    #[test]
    fn expires_in_as_string_or_float_becomes_an_integer() {
        assert_eq!(
            ok(r#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#)["expires_in"],
            3600
        );
        assert_eq!(
            ok(r#"{"access_token":"a","token_type":"Bearer","expires_in":3600.0}"#)["expires_in"],
            3600
        );
        assert!(ok(r#"{"access_token":"a","expires_in":"soon"}"#)
            .get("expires_in")
            .is_none());
    }

    #[test]
    fn missing_token_type_defaults_to_bearer() {
        assert_eq!(ok(r#"{"access_token":"a"}"#)["token_type"], "Bearer");
        assert_eq!(
            ok(r#"{"access_token":"a","token_type":"bearer"}"#)["token_type"],
            "bearer"
        );
    }

    #[test]
    fn an_html_error_page_is_described_in_plain_words() {
        let page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        let err = normalise(reqwest::StatusCode::BAD_GATEWAY, "text/html", page).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the token endpoint answered HTTP 502 Bad Gateway with an HTML page (\"502 Bad Gateway\") instead of a token"
        );
    }

    #[test]
    fn an_oauth_error_reaches_the_crate_whatever_the_status() {
        let body = br#"{"error":"invalid_client","error_description":"bad secret"}"#;
        for status in [
            reqwest::StatusCode::OK,
            reqwest::StatusCode::UNAUTHORIZED,
            reqwest::StatusCode::INTERNAL_SERVER_ERROR,
        ] {
            assert_eq!(
                normalise(status, "application/json", body)
                    .unwrap()
                    .status(),
                StatusCode::BAD_REQUEST
            );
        }
    }

    #[test]
    fn a_providers_own_error_shape_reads_as_an_oauth_error() {
        let oauth = |status, body: &str| {
            let response = normalise(status, "application/json", body.as_bytes()).unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            serde_json::from_slice::<Value>(response.body()).unwrap()
        };
        assert_eq!(
            oauth(
                reqwest::StatusCode::UNAUTHORIZED,
                r#"{"response":{"errors":[{"code":"250002","message":"Invalid Authentication Information."}]}}"#
            ),
            serde_json::json!({"error": "250002", "error_description": "Invalid Authentication Information."})
        );
        // No code: the HTTP status stands in for it.
        assert_eq!(
            oauth(
                reqwest::StatusCode::FORBIDDEN,
                r#"{"message":"Client is disabled"}"#
            ),
            serde_json::json!({"error": "403 Forbidden", "error_description": "Client is disabled"})
        );
        // A 200 that carries an error and no token is an error too.
        assert_eq!(
            oauth(
                reqwest::StatusCode::OK,
                r#"{"errors":[{"code":"AUTH-01","message":"Unknown client"}]}"#
            )["error"],
            "AUTH-01"
        );
    }

    /// A token request to https://auth.example/token as the crate builds it: a form body.
    fn form_request(body: &[u8]) -> HttpRequest {
        oauth2::http::Request::builder()
            .uri("https://auth.example/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_vec())
            .unwrap()
    }

    #[test]
    fn client_secret_jwt_adds_an_assertion_for_the_endpoint() {
        let request = form_request(b"grant_type=client_credentials&client_id=shop");
        let secret = crate::ClientSecret::new("a-secret-of-at-least-thirty-two-bytes!");
        let profile = crate::profile::Profile {
            client_id: "shop".into(),
            client_auth: ClientAuth::ClientSecretJwt,
            ..Default::default()
        };
        let credentials = assertion::ClientCredentials::secret(Some(secret.clone()));
        let assertions = Assertions::for_profile(&profile, &credentials).unwrap();
        let sent = with_assertion(request, &assertions).unwrap();
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(sent.body())
                .into_owned()
                .collect();
        assert_eq!(form["client_assertion_type"], assertion::ASSERTION_TYPE);
        assert_eq!(form["client_id"], "shop");
        assert!(!form.contains_key("client_secret"));
        assert!(!String::from_utf8_lossy(sent.body()).contains(secret.expose()));
        let jwt = crate::auth::jwt::decode(&form["client_assertion"]).unwrap();
        assert_eq!(jwt.claims["aud"], "https://auth.example/token");
        assert_eq!(jwt.header["alg"], "HS256");
    }

    #[test]
    fn raw_basic_sends_the_id_and_secret_as_they_are() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        // What the crate sends for id `app:1` and secret `a+b/c= d%`: both form-encoded.
        let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let encoded = engine.encode(format!("{}:{}", form("app id"), form("a+b/c= d%")));
        let mut request = form_request(b"grant_type=client_credentials");
        request.headers_mut().insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        let raw = raw_basic(request);
        let sent = raw.headers()[header::AUTHORIZATION].to_str().unwrap();
        assert_eq!(sent, format!("Basic {}", engine.encode("app id:a+b/c= d%")));
    }

    #[test]
    fn json_dialect_reencodes_the_form() {
        let request = form_request(b"grant_type=client_credentials&scope=a+b&client_secret=x%2By");
        let json = form_to_json(request);
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        let body: Value = serde_json::from_slice(json.body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"grant_type":"client_credentials","scope":"a b","client_secret":"x+y"})
        );
    }
}
