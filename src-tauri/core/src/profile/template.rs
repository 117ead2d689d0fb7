//! Where a credential goes, as a person writes it: a header template such as
//! `X-Shopify-Access-Token: {token}`, `API-Key: {api_key}` or
//! `Authorization: Basic {base64:{api_key}:}`, and the dynamic values that are fresh on every
//! request (`{{$uuid}}`, `{{$timestamp}}`, ...).
//!
//! Placeholders in single braces are the profile's credentials: `{token}` (the access token),
//! `{api_key}` (from the keyring) and `{client_id}`; `{base64:...}` encodes what it holds, as HTTP
//! Basic does. A value rendered from `{token}` or `{api_key}` is a secret wherever it goes: the
//! caller shows its header as `NAME: [redacted]`.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use chrono::{DateTime, Utc};

/// The header a token goes in when the profile names none (RFC 6750).
pub const BEARER: &str = "Authorization: Bearer {token}";
/// An API-key profile that names none: the key as a bearer token.
pub const API_KEY_BEARER: &str = "Authorization: Bearer {api_key}";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("{0:?} is not \"Name: value\" with a valid header name")]
    NotAHeader(String),
    #[error("{template:?}: {problem}")]
    Bad { template: String, problem: String },
}

/// The values a template may use. `None`: the profile has none (an error if the template asks).
#[derive(Clone, Copy, Default)]
pub struct Values<'a> {
    pub token: Option<&'a str>,
    pub api_key: Option<&'a str>,
    pub client_id: &'a str,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Token,
    ApiKey,
    ClientId,
    Base64(Vec<Part>),
}

/// A parsed header template: `Name: value with {placeholders}`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderTemplate {
    pub name: String,
    parts: Vec<Part>,
}

impl FromStr for HeaderTemplate {
    type Err = TemplateError;
    fn from_str(line: &str) -> Result<Self, TemplateError> {
        let not_a_header = || TemplateError::NotAHeader(line.to_string());
        let (name, value) = line.split_once(':').ok_or_else(not_a_header)?;
        let name = name.trim();
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(not_a_header());
        }
        let parts = parse(value.trim()).map_err(|problem| TemplateError::Bad {
            template: line.to_string(),
            problem,
        })?;
        Ok(HeaderTemplate {
            name: name.to_string(),
            parts,
        })
    }
}

impl HeaderTemplate {
    /// The header's value with `values` put in. Fails when the template asks for one the
    /// profile does not have.
    pub fn render(&self, values: Values<'_>) -> Result<String, TemplateError> {
        render(&self.parts, values).map_err(|problem| TemplateError::Bad {
            template: format!("{}: ...", self.name),
            problem,
        })
    }

    /// The value as a record shows it: each credential `[redacted]` (the scheme around it kept).
    pub fn redacted(&self, client_id: &str) -> String {
        redacted(&self.parts, client_id)
    }

    /// The value carries the token or the API key: show it as `[redacted]`.
    pub fn is_secret(&self) -> bool {
        self.uses_token() || self.uses_api_key()
    }

    pub fn uses_token(&self) -> bool {
        any(&self.parts, &|p| *p == Part::Token)
    }

    pub fn uses_api_key(&self) -> bool {
        any(&self.parts, &|p| *p == Part::ApiKey)
    }
}

/// A text's `{token}`, `{api_key}` and `{client_id}` put in (a default header's value, say).
/// Text without placeholders comes back as it is; so does a brace that starts none.
pub fn fill(text: &str, values: Values<'_>) -> Result<String, TemplateError> {
    if !text.contains('{') {
        return Ok(text.to_string());
    }
    let parts = parse(text).unwrap_or_else(|_| vec![Part::Text(text.to_string())]);
    render(&parts, values).map_err(|problem| TemplateError::Bad {
        template: text.to_string(),
        problem,
    })
}

/// A text's credentials as `[redacted]` (a record of what was sent).
pub fn fill_redacted(text: &str, client_id: &str) -> String {
    match parse(text) {
        Ok(parts) => redacted(&parts, client_id),
        Err(_) => text.to_string(),
    }
}

fn redacted(parts: &[Part], client_id: &str) -> String {
    let hidden = Values {
        token: Some(REDACTED),
        api_key: Some(REDACTED),
        client_id,
    };
    let parts: Vec<Part> = (parts.iter())
        .map(|p| match p {
            // Base64 of a credential would be the credential: hide it whole.
            Part::Base64(inner) if any(inner, &|p| matches!(p, Part::Token | Part::ApiKey)) => {
                Part::Text(REDACTED.into())
            }
            p => p.clone(),
        })
        .collect();
    render(&parts, hidden).unwrap_or_else(|_| REDACTED.into())
}

pub use crate::redact::REDACTED;

/// Whether `text` has a credential placeholder in it (so its header is a secret).
pub fn has_credential(text: &str) -> bool {
    parse(text).is_ok_and(|parts| any(&parts, &|p| matches!(p, Part::Token | Part::ApiKey)))
}

fn any(parts: &[Part], test: &dyn Fn(&Part) -> bool) -> bool {
    parts.iter().any(|p| match p {
        Part::Base64(inner) => any(inner, test),
        p => test(p),
    })
}

fn parse(text: &str) -> Result<Vec<Part>, String> {
    let (parts, rest) = parse_until(text, false)?;
    match rest.is_empty() {
        true => Ok(parts),
        false => Err("a `}` closes nothing".into()),
    }
}

/// Parts up to the end, or (inside `{base64:...}`) up to its closing brace; returns what is left
/// after it. `{{...}}` (a request variable) is text here.
fn parse_until(mut text: &str, inside: bool) -> Result<(Vec<Part>, &str), String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut closed = false;
    loop {
        let Some(at) = text.find(['{', '}']) else {
            literal.push_str(text);
            text = "";
            break;
        };
        literal.push_str(&text[..at]);
        let rest = &text[at..];
        if let Some(after) = rest.strip_prefix('}') {
            if inside {
                text = after;
                closed = true;
                break;
            }
            return Err("a `}` closes nothing".into());
        }
        if let Some(end) = rest.strip_prefix("{{").and_then(|r| r.find("}}")) {
            literal.push_str(&rest[..end + 4]);
            text = &rest[end + 4..];
            continue;
        }
        let part = [
            ("{token}", Part::Token),
            ("{api_key}", Part::ApiKey),
            ("{client_id}", Part::ClientId),
        ]
        .into_iter()
        .find(|(word, _)| rest.starts_with(word));
        if !literal.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut literal)));
        }
        if let Some((word, part)) = part {
            parts.push(part);
            text = &rest[word.len()..];
        } else if let Some(inner) = rest.strip_prefix("{base64:") {
            let (encoded, after) = parse_until(inner, true)?;
            parts.push(Part::Base64(encoded));
            text = after;
        } else {
            let word: String = rest.chars().take_while(|c| *c != '}').take(40).collect();
            return Err(format!(
                "{word}}} is not a placeholder (use {{token}}, {{api_key}}, {{client_id}} or {{base64:...}})"
            ));
        }
    }
    if inside && !closed {
        return Err("`{base64:` is not closed".into());
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok((parts, text))
}

fn render(parts: &[Part], values: Values<'_>) -> Result<String, String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Token => out.push_str(
                values
                    .token
                    .ok_or("this profile has no token for {token}")?,
            ),
            Part::ApiKey => out.push_str(
                values
                    .api_key
                    .ok_or("this profile has no API key for {api_key}")?,
            ),
            Part::ClientId => out.push_str(values.client_id),
            Part::Base64(inner) => {
                let plain = render(inner, values)?;
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(plain));
            }
        }
    }
    Ok(out)
}

impl fmt::Display for HeaderTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write(parts: &[Part], f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for part in parts {
                match part {
                    Part::Text(t) => f.write_str(t)?,
                    Part::Token => f.write_str("{token}")?,
                    Part::ApiKey => f.write_str("{api_key}")?,
                    Part::ClientId => f.write_str("{client_id}")?,
                    Part::Base64(inner) => {
                        f.write_str("{base64:")?;
                        write(inner, f)?;
                        f.write_str("}")?;
                    }
                }
            }
            Ok(())
        }
        write!(f, "{}: ", self.name)?;
        write(&self.parts, f)
    }
}

/// `text` with each `{{inner}}` put through `replace`: its value, or `None` to keep it as
/// written. Text that opens no `{{...}}` is kept.
pub fn each_placeholder<E>(
    text: &str,
    mut replace: impl FnMut(&str) -> Result<Option<String>, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        match replace(&after[..end])? {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The dynamic values (`{{$uuid}}`, `{{$guid}}`, `{{$hex32}}`, `{{$timestamp}}`,
/// `{{$isoTimestamp}}`, `{{$randomInt}}`) in `text`, each drawn afresh; other `{{names}}` are
/// left as they are.
pub fn fill_dynamic(text: &str, now: DateTime<Utc>) -> String {
    let filled = each_placeholder(text, |inner| {
        Ok::<_, std::convert::Infallible>(dynamic(inner.trim(), now))
    });
    filled.unwrap_or_else(|never| match never {})
}

/// One dynamic value, by its name (`$uuid`); `None` for any other name.
pub fn dynamic(name: &str, now: DateTime<Utc>) -> Option<String> {
    Some(match name {
        "$uuid" | "$guid" => uuid::Uuid::new_v4().to_string(),
        // 32 hex characters (UPS's `transId` takes at most 32).
        "$hex32" => uuid::Uuid::new_v4().simple().to_string(),
        "$timestamp" => now.timestamp().to_string(),
        "$isoTimestamp" => now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "$randomInt" => rand::random_range(0..1000).to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values<'static> {
        Values {
            token: Some("tok-1"),
            api_key: Some("key-9"),
            client_id: "app",
        }
    }

    #[test]
    fn a_template_puts_each_credential_where_the_provider_wants_it() {
        let render = |line: &str| {
            let template: HeaderTemplate = line.parse().unwrap();
            (template.name.clone(), template.render(values()).unwrap())
        };
        assert_eq!(
            render("X-Shopify-Access-Token: {token}"),
            ("X-Shopify-Access-Token".into(), "tok-1".into())
        );
        assert_eq!(
            render(BEARER),
            ("Authorization".into(), "Bearer tok-1".into())
        );
        assert_eq!(render("x-api-key: {client_id}:{api_key}").1, "app:key-9");
        // EasyPost: the key as Basic's user name, an empty password.
        assert_eq!(
            render("Authorization: Basic {base64:{api_key}:}").1,
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("key-9:")
            )
        );
    }

    #[test]
    fn a_bad_template_is_refused_in_words() {
        for bad in [
            "no colon",
            "bad name: {token}",
            "X: {tokn}",
            "X: {base64:{api_key}",
            "X: }",
        ] {
            assert!(
                bad.parse::<HeaderTemplate>().is_err(),
                "{bad} must be refused"
            );
        }
        let missing = "X: {api_key}"
            .parse::<HeaderTemplate>()
            .unwrap()
            .render(Values::default());
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("no API key for {api_key}"));
    }

    #[test]
    fn secret_headers_are_known_by_their_placeholders() {
        let t = |line: &str| line.parse::<HeaderTemplate>().unwrap();
        assert!(t("API-Key: {api_key}").is_secret());
        assert!(t("WM_SEC.ACCESS_TOKEN: {token}").is_secret());
        assert!(!t("WM_SVC.NAME: Walmart Marketplace").is_secret());
        assert!(has_credential("{client_id}:{api_key}"));
        assert_eq!(
            t(BEARER).redacted("app"),
            "Bearer [redacted]",
            "the scheme stays readable"
        );
        assert_eq!(
            t("x-api-key: {client_id}:{api_key}").redacted("app"),
            "app:[redacted]"
        );
        assert_eq!(
            t("Authorization: Basic {base64:{api_key}:}").redacted("app"),
            "Basic [redacted]"
        );
        assert!(!has_credential("{{$uuid}}"));
        assert_eq!(
            t("A: x {{var}} {token}").to_string(),
            "A: x {{var}} {token}"
        );
    }

    #[test]
    fn dynamic_values_are_fresh_each_time_and_other_variables_stay() {
        let now = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let one = fill_dynamic("id={{$uuid}}", now);
        let two = fill_dynamic("id={{$uuid}}", now);
        assert_ne!(one, two, "a fresh value on every request");
        assert_eq!(one.len(), "id=".len() + 36);
        assert_eq!(fill_dynamic("{{ $timestamp }}", now), "1900000000");
        let hex = fill_dynamic("{{$hex32}}", now);
        assert!(
            hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()),
            "{hex}"
        );
        assert_eq!(
            fill_dynamic("{{$isoTimestamp}}", now),
            "2030-03-17T17:46:40.000Z"
        );
        assert_eq!(fill_dynamic("{{name}} {{$guid", now), "{{name}} {{$guid");
        let n: u32 = fill_dynamic("{{$randomInt}}", now).parse().unwrap();
        assert!(n < 1000);
    }
}
