//! Redaction: what must never reach a file (history, case files) or a trace is replaced by
//! `[redacted]` first. Sensitive headers keep their name and scheme; secret-looking JSON and form
//! fields (`password`, `client_secret`, `*token`) lose their values; every secret the caller names
//! (the bearer just used) is scrubbed wherever it appears. A body with nothing to redact is kept
//! byte for byte, as it was sent.
//!
//! A sign-in's exchanges (`net::trace`) carry more secrets than an API call: the code, the PKCE
//! verifier, assertions, DPoP proofs, and headers named after tokens and keys. `Strictness::OAuth`
//! hides those too; an API's own `code` field (a country code) stays visible in history.
//!
//! A capture someone hands over (a HAR file from a browser's developer tools) may hold any
//! credential an API takes. `Strictness::Capture` hides what `OAuth` does, plus headers named for
//! auth or credentials and fields named as keys, signatures, sessions and credentials
//! (`key`, `sig`, `X-Amz-Signature`, `subscription-key`, `session_id`...).

/// What stands where a secret was.
pub const REDACTED: &str = "[redacted]";

const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
];

/// Words of OAuth that are secrets in a sign-in's requests and answers (RFC 6749, 7636, 7523,
/// 8628, 8693, 9449).
const OAUTH_FIELDS: &[&str] = &[
    "code",
    "device_code",
    "code_verifier",
    "assertion",
    "client_assertion",
    "dpop",
];

/// Field names a capture's requests carry credentials in, beyond OAuth's (compared without case,
/// `-`, `_` or `.`): equal to one of these...
const CAPTURE_FIELDS: &[&str] = &[
    "key",
    "sig",
    "signature",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "session",
    "sessionid",
    "sid",
    "jwt",
    "otp",
];

/// ... or ending in one of these.
const CAPTURE_FIELD_ENDS: &[&str] = &[
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "subscriptionkey",
    "signature",
    "credential",
    "sessionid",
];

/// How much to hide: what history hides; that and OAuth's own secrets (a trace); that and any
/// credential an API may take (a capture someone hands over).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    History,
    OAuth,
    Capture,
}

impl Strictness {
    /// Is a header of this name secret? `Capture` also takes any name holding `auth` or
    /// `credential` (`X-Auth-User`, `X-Amz-Credential`; not HTTP/2's `:authority`).
    pub fn header(self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        SENSITIVE_HEADERS.contains(&lower.as_str())
            || (self == Strictness::Capture
                && !lower.starts_with(':')
                && ["auth", "credential"].iter().any(|w| lower.contains(w)))
            || (self != Strictness::History
                && (lower == "dpop"
                    || [
                        "token",
                        "secret",
                        "key",
                        "signature",
                        "session",
                        "cookie",
                        "password",
                    ]
                    .iter()
                    .any(|word| lower.contains(word))))
    }

    pub fn field(self, name: &str) -> bool {
        is_sensitive_field(name)
            || (self != Strictness::History
                && OAUTH_FIELDS.contains(&name.to_ascii_lowercase().as_str()))
            || (self == Strictness::Capture && is_capture_field(name))
    }
}

/// Sensitive headers keep their name and scheme (`Bearer`, `Basic`), never their value.
pub fn redact_headers(headers: &[(String, String)], secrets: &[&str]) -> Vec<(String, String)> {
    redact_headers_as(Strictness::History, headers, secrets)
}

pub fn redact_headers_as(
    strictness: Strictness,
    headers: &[(String, String)],
    secrets: &[&str],
) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if strictness.header(name) {
                match value.split_once(' ') {
                    Some((scheme, _)) if name.to_ascii_lowercase().ends_with("authorization") => {
                        format!("{scheme} {REDACTED}")
                    }
                    _ => REDACTED.to_string(),
                }
            } else {
                scrub(value, secrets)
            };
            (name.clone(), value)
        })
        .collect()
}

fn is_sensitive_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("password")
        || lower.contains("secret")
        || lower.ends_with("token")
        || lower == "api_key"
        || lower == "apikey"
}

fn is_capture_field(name: &str) -> bool {
    let squashed = name.to_ascii_lowercase().replace(['-', '_', '.'], "");
    CAPTURE_FIELDS.contains(&squashed.as_str())
        || CAPTURE_FIELD_ENDS.iter().any(|end| squashed.ends_with(end))
}

/// JSON: sensitive fields' values replaced; form bodies: the same by field name; then every
/// named secret scrubbed wherever it is.
pub fn redact_body(text: &str, secrets: &[&str]) -> String {
    redact_body_as(Strictness::History, text, secrets)
}

pub fn redact_body_as(strictness: Strictness, text: &str, secrets: &[&str]) -> String {
    // A body with nothing to redact is kept as it was sent (key order, spacing).
    if let Some(json) = json_of(text) {
        let mut redacted = json.clone();
        redact_json(strictness, &mut redacted, &mut |_, _| {});
        if redacted == json {
            return scrub(text, secrets);
        }
        return scrub(&redacted.to_string(), secrets);
    }
    if looks_form(text) && form_pairs(text).any(|(k, _)| strictness.field(&k)) {
        return scrub(&redact_form(strictness, text), secrets);
    }
    scrub(text, secrets)
}

/// A form or query string with its sensitive fields' values replaced.
pub fn redact_form(strictness: Strictness, text: &str) -> String {
    let pairs = form_pairs(text).map(|(k, v)| {
        let v = if strictness.field(&k) {
            REDACTED.into()
        } else {
            v
        };
        (k, v)
    });
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The values `redact_body_as` would hide in `text`: a trace learns them, to scrub them from
/// wherever else they turn up (the token just issued, in the API call's own header).
pub fn sensitive_values(strictness: Strictness, text: &str) -> Vec<String> {
    sensitive_fields(strictness, text)
        .into_iter()
        .filter_map(|(_, value)| value)
        .collect()
}

/// The fields `redact_body_as` would hide in `text`, by name, each with its value when that is
/// text (a number or `true` is hidden too, but is no value to look for elsewhere).
pub fn sensitive_fields(strictness: Strictness, text: &str) -> Vec<(String, Option<String>)> {
    let mut found = Vec::new();
    if let Some(mut json) = json_of(text) {
        redact_json(strictness, &mut json, &mut |k, v| {
            found.push((k.to_string(), v.as_str().map(str::to_string)))
        });
    } else if looks_form(text) {
        found.extend(
            form_pairs(text)
                .filter(|(k, _)| strictness.field(k))
                .map(|(k, v)| (k, Some(v))),
        );
    }
    found
}

fn json_of(text: &str) -> Option<serde_json::Value> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    (json.is_object() || json.is_array()).then_some(json)
}

fn looks_form(text: &str) -> bool {
    !text.is_empty()
        && text.contains('=')
        && !text.contains(char::is_whitespace)
        && text.split('&').all(|pair| pair.contains('='))
}

fn form_pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(text.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn redact_json(
    strictness: Strictness,
    value: &mut serde_json::Value,
    hidden: &mut dyn FnMut(&str, &serde_json::Value),
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if strictness.field(key) && !v.is_object() && !v.is_array() {
                    hidden(key, v);
                    *v = serde_json::Value::String(REDACTED.into());
                } else {
                    redact_json(strictness, v, hidden);
                }
            }
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|item| redact_json(strictness, item, hidden)),
        _ => {}
    }
}

pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_string(), |t, s| t.replace(s, REDACTED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_kept_as_sent_unless_something_in_them_is_redacted() {
        let plain = "{\"to\": \"Oslo\",  \"a\": [1, 2]}";
        assert_eq!(redact_body(plain, &[]), plain);
        let form = "to=Oslo&parcels=2";
        assert_eq!(redact_body(form, &[]), form);

        let json = r#"{"user": "ann", "password": "hunter2", "nested": {"refresh_token": "r"}}"#;
        let kept = redact_body(json, &[]);
        assert!(
            !kept.contains("hunter2") && !kept.contains("\"r\""),
            "{kept}"
        );
        assert!(kept.contains("ann") && kept.contains(REDACTED), "{kept}");
        let form = redact_body("grant_type=password&password=hunter2", &[]);
        assert_eq!(form, "grant_type=password&password=%5Bredacted%5D");
        assert_eq!(
            redact_body("id is tok-123", &["tok-123"]),
            "id is [redacted]"
        );
    }

    #[test]
    fn a_trace_hides_oauth_secrets_that_history_keeps_as_data() {
        let exchange =
            "grant_type=authorization_code&code=abc123&code_verifier=v3r1f1er&client_id=app";
        let kept = redact_body(exchange, &[]);
        assert!(
            kept.contains("abc123"),
            "an API's `code` field is data: {kept}"
        );
        let traced = redact_body_as(Strictness::OAuth, exchange, &[]);
        assert!(
            !traced.contains("abc123") && !traced.contains("v3r1f1er"),
            "{traced}"
        );
        assert!(traced.contains("client_id=app"), "{traced}");
        assert_eq!(
            sensitive_values(Strictness::OAuth, exchange),
            vec!["abc123".to_string(), "v3r1f1er".to_string()]
        );
        let answer = r#"{"access_token": "at-1", "expires_in": 3600, "device_code": "dc-9"}"#;
        let mut found = sensitive_values(Strictness::OAuth, answer);
        found.sort();
        assert_eq!(found, vec!["at-1".to_string(), "dc-9".to_string()]);

        let headers = [
            ("X-Shopify-Access-Token".to_string(), "shpat_1".to_string()),
            ("DPoP".to_string(), "eyJ.proof".to_string()),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        let history = redact_headers(&headers, &[]);
        assert_eq!(
            history[0].1, "shpat_1",
            "history relies on the secrets it is named"
        );
        let traced = redact_headers_as(Strictness::OAuth, &headers, &[]);
        assert_eq!(traced[0].1, REDACTED);
        assert_eq!(traced[1].1, REDACTED);
        assert_eq!(traced[2].1, "application/json");
    }

    #[test]
    fn a_capture_hides_any_credential_an_api_takes_by_its_name() {
        for header in [
            "Authorization",
            "X-Shopify-Access-Token",
            "x-amz-access-token",
            "WM_SEC.ACCESS_TOKEN",
            "DHL-API-Key",
            "X-Auth-User",
            "X-Amz-Credential",
            "X-Session",
            "Set-Cookie",
        ] {
            assert!(Strictness::Capture.header(header), "{header}");
        }
        for header in [
            "Accept",
            ":authority",
            "Content-Type",
            "Referer",
            "User-Agent",
        ] {
            assert!(!Strictness::Capture.header(header), "{header}");
        }
        assert!(
            !Strictness::OAuth.header("X-Auth-User"),
            "traces keep their rules"
        );
        for field in [
            "access_token",
            "token",
            "api_key",
            "apikey",
            "key",
            "sig",
            "signature",
            "X-Amz-Signature",
            "code",
            "client_secret",
            "password",
            "refresh_token",
            "id_token",
            "session_id",
            "Ocp-Apim-Subscription-Key",
        ] {
            assert!(Strictness::Capture.field(field), "{field}");
        }
        for field in [
            "page",
            "locale",
            "keyword",
            "country_code",
            "state",
            "client_id",
        ] {
            assert!(!Strictness::Capture.field(field), "{field}");
        }
        assert!(!Strictness::OAuth.field("key"), "traces keep their rules");
        let body = r#"{"sig": "s1", "n": {"pin": 1, "api-key": "k1"}, "apiKey": 7}"#;
        let mut found = sensitive_fields(Strictness::Capture, body);
        found.sort();
        assert_eq!(
            found,
            [
                ("api-key".to_string(), Some("k1".to_string())),
                ("apiKey".to_string(), None),
                ("sig".to_string(), Some("s1".to_string())),
            ]
        );
    }
}
