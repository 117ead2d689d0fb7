//! Redaction: what must never reach a file (history, case files) is replaced by `[redacted]`
//! before anything is written. Sensitive headers keep their name and scheme; secret-looking JSON
//! and form fields (`password`, `client_secret`, `*token`) lose their values; every secret the
//! caller names (the bearer just used) is scrubbed wherever it appears. A body with nothing to
//! redact is kept byte for byte, as it was sent.

pub use crate::profile::template::REDACTED;

const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
];

/// Sensitive headers keep their name and scheme (`Bearer`, `Basic`), never their value.
pub fn redact_headers(headers: &[(String, String)], secrets: &[&str]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let value = if SENSITIVE_HEADERS.contains(&lower.as_str()) {
                match value.split_once(' ') {
                    Some((scheme, _)) if lower.ends_with("authorization") => {
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

/// JSON: sensitive fields' values replaced; form bodies: the same by field name; then every
/// named secret scrubbed wherever it is.
pub fn redact_body(text: &str, secrets: &[&str]) -> String {
    // A body with nothing to redact is kept as it was sent (key order, spacing).
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        if json.is_object() || json.is_array() {
            let mut redacted = json.clone();
            redact_json(&mut redacted);
            if redacted == json {
                return scrub(text, secrets);
            }
            return scrub(&redacted.to_string(), secrets);
        }
    }
    let looks_form = !text.is_empty()
        && text.contains('=')
        && !text.contains(char::is_whitespace)
        && text.split('&').all(|pair| pair.contains('='));
    let has_sensitive_field =
        || url::form_urlencoded::parse(text.as_bytes()).any(|(k, _)| is_sensitive_field(&k));
    if looks_form && has_sensitive_field() {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| {
                let v = if is_sensitive_field(&k) {
                    REDACTED.into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        return scrub(&encoded, secrets);
    }
    scrub(text, secrets)
}

fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_sensitive_field(key) && !v.is_object() && !v.is_array() {
                    *v = serde_json::Value::String(REDACTED.into());
                } else {
                    redact_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
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
}
