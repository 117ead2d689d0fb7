//! Request parameters: form (`application/x-www-form-urlencoded`) and JSON bodies parsed
//! into one string map, strictly enough that garbage is a 400 `invalid_request`.

use std::collections::HashMap;

use axum::http::{header, HeaderMap};

use crate::OAuthError;

pub(crate) type Params = HashMap<String, String>;

/// Parses a form or JSON body (chosen by Content-Type; none means form) into string parameters.
pub(crate) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let mime = match headers.get(header::CONTENT_TYPE) {
        None => String::from("application/x-www-form-urlencoded"),
        Some(v) => v
            .to_str()
            .map_err(|_| OAuthError::invalid_request("The Content-Type header is not valid text."))?
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    };
    match mime.as_str() {
        "application/x-www-form-urlencoded" => parse_form(body),
        "application/json" => parse_json(body),
        other => Err(OAuthError::invalid_request(format!(
            "Unsupported Content-Type \"{}\": send application/x-www-form-urlencoded or application/json.",
            other.escape_debug()
        ))),
    }
}

/// Parses an application/x-www-form-urlencoded body or query string; a parameter may appear once.
pub(crate) fn parse_form(body: &[u8]) -> Result<Params, OAuthError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| OAuthError::invalid_request("The form body is not valid UTF-8."))?;
    let mut params = Params::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (form_decode(k), form_decode(v)) else {
            return Err(OAuthError::invalid_request(
                "The form body is not valid application/x-www-form-urlencoded (bad %-escape).",
            ));
        };
        if params.insert(k.clone(), v).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "Parameter {} appears more than once.",
                k.escape_debug()
            )));
        }
    }
    Ok(params)
}

fn parse_json(body: &[u8]) -> Result<Params, OAuthError> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| OAuthError::invalid_request(format!("The body is not a JSON object: {e}.")))?;
    object
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            _ => Err(OAuthError::invalid_request(format!(
                "JSON parameter {} must be a string.",
                k.escape_debug()
            ))),
        })
        .collect()
}

/// Decodes one application/x-www-form-urlencoded component (`+` is a space); `None` if malformed.
pub(crate) fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Encodes one application/x-www-form-urlencoded component: unreserved characters stay,
/// space becomes `+`, everything else is %-escaped (the output is plain ASCII).
pub(crate) fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `k1=v1&k2=v2`, each part form-encoded.
pub(crate) fn form_serialize(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decode_handles_escapes_and_garbage() {
        assert_eq!(form_decode("a+b%3Ac%25").as_deref(), Some("a b:c%"));
        assert_eq!(form_decode("%"), None);
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%+1"), None);
        assert_eq!(form_decode("%ff"), None); // not UTF-8
    }

    #[test]
    fn form_encode_round_trips() {
        let raw = "a b&c=d/é\"><script>#%+";
        let enc = form_encode(raw);
        assert!(enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+%".contains(&b)));
        assert_eq!(form_decode(&enc).as_deref(), Some(raw));
        assert_eq!(form_serialize(&[("a", "1 2"), ("b", "&")]), "a=1+2&b=%26");
    }

    #[test]
    fn form_rejects_duplicates() {
        assert!(parse_form(b"a=1&a=2").is_err());
        assert_eq!(
            parse_form(b"a=1&&b")
                .ok()
                .and_then(|p| p.get("b").cloned())
                .as_deref(),
            Some("")
        );
    }
}
