//! Values as Insomnia writes them: `{{ _.name }}` templates, `{name, value}` rows, booleans
//! as `true` or `"true"`, names of resources.

use serde_json::Value;

use super::Object;

/// Enabled `{name, value}` rows with a name (Insomnia leaves blank ones), templates normalised.
pub(super) fn rows(list: Option<&Value>, odd: &mut bool) -> Vec<(String, String)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|row| flag(row.get("disabled")) != Some(true))
        .map(|row| (text(row.get("name")), text(row.get("value"))))
        .filter(|(name, _)| !name.trim().is_empty())
        .map(|(name, value)| (template(&name, odd), template(&value, odd)))
        .collect()
}

/// Insomnia's `{{ _.name }}` and `{{ name }}` -> Waybill's `{{name}}`. Other Nunjucks
/// (`{% tag %}`, `{{ a | filter }}`) is kept as written and sets `odd`.
pub(super) fn template(input: &str, odd: &mut bool) -> String {
    if input.contains("{%") {
        *odd = true;
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        let name = inner.strip_prefix("_.").unwrap_or(inner);
        if is_name(name) {
            out.push_str("{{");
            out.push_str(name);
            out.push_str("}}");
        } else {
            *odd = true;
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A plain variable path (`host`, `parent.child`), nothing for Nunjucks to compute.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

pub(super) fn str_at<'o>(object: &'o Object, key: &str) -> &'o str {
    object.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A value as text: strings as they are, numbers and booleans written out, anything else empty.
pub(super) fn text(value: Option<&Value>) -> String {
    crate::import::scalar_text(value).unwrap_or_default()
}

/// A boolean as Insomnia writes it: `true` or, in some exports, `"true"`.
pub(super) fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub(super) fn sort_key(object: &Object) -> f64 {
    object
        .get("metaSortKey")
        .and_then(Value::as_f64)
        .unwrap_or(f64::INFINITY)
}

/// A resource's name, else its URL (for a request), else `fallback` or its kind.
pub(super) fn name_of(object: &Object, fallback: &str) -> String {
    [text(object.get("name")), text(object.get("url"))]
        .into_iter()
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| match fallback {
            "" => "(unnamed)".into(),
            kind => format!("unnamed {kind}"),
        })
}
