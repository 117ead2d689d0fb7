//! A provider's own error, read from whatever JSON shape it answers in.
//!
//! OAuth says `{"error": "...", "error_description": "..."}`; carriers and commerce APIs say
//! `{"response": {"errors": [{"code": "...", "message": "..."}]}}`, RFC 7807's `title`/`detail`,
//! `{"error": {"code": ..., "message": ...}}`, `{"errors": [...]}` (Amazon's, ShipEngine's),
//! Shopify's `{"errors": "..."}` and `{"errors": {"field": ["..."]}}`, `{"message": ...}` or an
//! API gateway's `{"fault": {"faultstring": ..., "detail": {"errorcode": ...}}}`. People need the
//! code and the sentence, not "not an OAuth error".

use serde_json::{Map, Value};

/// What a provider said went wrong: a code, a sentence, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub code: Option<String>,
    pub message: Option<String>,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, "{code}: {message}"),
            (Some(text), None) | (None, Some(text)) => f.write_str(text),
            (None, None) => Ok(()),
        }
    }
}

/// Keys that hold the sentence, best first.
const MESSAGE_KEYS: &[&str] = &[
    "error_description",
    "detail",
    "message",
    "faultstring",
    "description",
    "error_message",
    "errorMessage",
    "title",
    // Shopify: `{"errors": "[API] Invalid API key or access token ..."}`.
    "errors",
];
/// Keys that hold the code, best first.
const CODE_KEYS: &[&str] = &[
    "code",
    "error",
    "errorcode",
    "errorCode",
    "error_code",
    "errorId",
    "title",
];
/// Where the error object sits when it is not at the top: wrappers and lists providers use.
const NESTED_KEYS: &[&str] = &["response", "error", "errors", "fault", "detail", "Fault"];
/// Deep enough for every shape above; bounded because the body is the provider's, not ours.
const MAX_DEPTH: usize = 4;
/// A code or sentence longer than this is some other field's value, not an error message.
const MAX_LEN: usize = 500;

impl ProviderError {
    /// The error in a response body, when the body is JSON and says one.
    pub fn from_body(body: &[u8]) -> Option<ProviderError> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Self::from_json(&value)
    }

    pub fn from_json(value: &Value) -> Option<ProviderError> {
        find(value, 0)
    }
}

fn find(value: &Value, depth: usize) -> Option<ProviderError> {
    if depth > MAX_DEPTH {
        return None;
    }
    match value {
        Value::Array(items) => items.iter().find_map(|item| find(item, depth + 1)),
        Value::Object(fields) => {
            // A wrapper's inner error (`{"response": {"errors": [...]}}`, `{"error": {...}}`) is
            // more specific than what sits beside it; what it lacks, the outer object may give
            // (a gateway's `faultstring` beside `detail.errorcode`).
            let nested = NESTED_KEYS
                .iter()
                .filter_map(|key| fields.get(*key))
                .filter(|v| v.is_object() || v.is_array())
                .find_map(|v| find(v, depth + 1));
            match (nested, here(fields)) {
                (Some(inner), Some(outer)) => Some(ProviderError {
                    code: inner.code.or(outer.code),
                    message: inner.message.or(outer.message),
                }),
                (None, None) => by_field(fields.get("errors")?),
                (inner, outer) => inner.or(outer),
            }
        }
        _ => None,
    }
}

/// Errors by field (Shopify, Rails): `{"errors": {"shop": ["is invalid"]}}` -> "shop is invalid".
fn by_field(errors: &Value) -> Option<ProviderError> {
    let sentences: Vec<String> = (errors.as_object()?.iter())
        .flat_map(|(field, said)| {
            let said: Vec<&Value> = match said {
                Value::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            said.into_iter()
                .filter_map(|s| text(Some(s)))
                .map(move |s| format!("{field} {s}"))
        })
        .take(5)
        .collect();
    let message = sentences.join("; ");
    (!message.is_empty() && message.len() <= MAX_LEN).then_some(ProviderError {
        code: None,
        message: Some(message),
    })
}

/// This object's own code and sentence, if it has a sentence or a code.
fn here(fields: &Map<String, Value>) -> Option<ProviderError> {
    let message_key = MESSAGE_KEYS
        .iter()
        .find(|key| text(fields.get(**key)).is_some());
    let message = message_key.and_then(|key| text(fields.get(*key)));
    let code = CODE_KEYS
        .iter()
        .filter(|key| Some(*key) != message_key)
        .find_map(|key| text(fields.get(*key)));
    if code.is_none() && message.is_none() {
        return None;
    }
    Some(ProviderError { code, message })
}

/// A string, or a number as a code (`"code": 250002`), trimmed and not empty.
fn text(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty() && text.len() <= MAX_LEN).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> String {
        ProviderError::from_body(body.as_bytes())
            .map(|e| e.to_string())
            .unwrap_or_else(|| "(none)".into())
    }

    #[test]
    fn oauth_errors() {
        assert_eq!(
            read(r#"{"error":"invalid_client","error_description":"bad secret"}"#),
            "invalid_client: bad secret"
        );
        assert_eq!(read(r#"{"error":"invalid_grant"}"#), "invalid_grant");
    }

    #[test]
    fn carrier_shapes() {
        // UPS-style wrapper and list.
        assert_eq!(
            read(
                r#"{"response":{"errors":[{"code":"250002","message":"Invalid Authentication Information."}]}}"#
            ),
            "250002: Invalid Authentication Information."
        );
        // FedEx-style list with a transaction id beside it.
        assert_eq!(
            read(
                r#"{"transactionId":"624deea6","errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"Access token expired."}]}"#
            ),
            "NOT.AUTHORIZED.ERROR: Access token expired."
        );
        // RFC 7807 problem details (DHL and others).
        assert_eq!(
            read(
                r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Invalid credentials"}"#
            ),
            "Unauthorized: Invalid credentials"
        );
        // An error object (Azure, Google).
        assert_eq!(
            read(
                r#"{"error":{"code":401,"message":"Request had invalid credentials.","status":"UNAUTHENTICATED"}}"#
            ),
            "401: Request had invalid credentials."
        );
        // An API gateway's fault (Apigee).
        assert_eq!(
            read(
                r#"{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}"#
            ),
            "oauth.v2.InvalidApiKey: Invalid ApiKey"
        );
        // A bare message.
        assert_eq!(read(r#"{"message":"Forbidden"}"#), "Forbidden");
        // Shopify: the errors as a string, or by field.
        assert_eq!(
            read(
                r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#
            ),
            "[API] Invalid API key or access token (unrecognized login or wrong password)"
        );
        assert_eq!(
            read(r#"{"errors":{"shop":["is invalid","is closed"]}}"#),
            "shop is invalid; shop is closed"
        );
        // Amazon SP-API.
        assert_eq!(
            read(
                r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}"#
            ),
            "Unauthorized: Access to requested resource is denied."
        );
        // eBay: a numeric id.
        assert_eq!(
            read(
                r#"{"errors":[{"errorId":1001,"domain":"OAuth","category":"REQUEST","message":"Invalid access token"}]}"#
            ),
            "1001: Invalid access token"
        );
    }

    #[test]
    fn bodies_that_say_no_error() {
        assert_eq!(read(r#"{"access_token":"a","expires_in":3600}"#), "(none)");
        assert_eq!(read(r#"[1,2,3]"#), "(none)");
        assert_eq!(read("<html>502</html>"), "(none)");
        assert_eq!(read(r#"{"message":""}"#), "(none)");
    }

    #[test]
    fn deep_or_huge_bodies_end() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(read(&deep), "(none)");
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(10_000));
        assert_eq!(read(&long), "(none)");
    }
}
