//! What changed between a recorded answer and a new one: its status, and the shape of its JSON
//! (which fields are there, and of which type; not their values, which change from call to
//! call). For a case replayed after a fix: "is it fixed?".

use std::collections::BTreeMap;

use serde_json::Value;

/// At most this many shape changes are named; the rest are counted.
const MAX_NAMED: usize = 5;

/// The differences, each a sentence; empty when the status and the JSON's shape are the same.
pub fn changes(recorded: (Option<u16>, Option<&str>), now: (u16, &[u8])) -> Vec<String> {
    let mut found = Vec::new();
    match recorded.0 {
        Some(before) if before != now.0 => {
            found.push(format!("status {} (recorded: {before})", now.0))
        }
        None => found.push(format!(
            "status {} (recorded: no answer, the request had failed)",
            now.0
        )),
        Some(_) => {}
    }
    let before = recorded
        .1
        .and_then(|b| serde_json::from_str::<Value>(b).ok());
    let after = serde_json::from_slice::<Value>(now.1).ok();
    match (before, after) {
        (Some(before), Some(after)) => found.extend(shape_changes(&before, &after)),
        (Some(_), None) => found.push("the answer is no longer JSON".into()),
        (None, Some(_)) if recorded.1.is_some_and(|b| !b.trim().is_empty()) => {
            found.push("the answer is JSON now (it was not)".into())
        }
        _ => {}
    }
    found
}

fn shape_changes(before: &Value, after: &Value) -> Vec<String> {
    let (mut was, mut is) = (BTreeMap::new(), BTreeMap::new());
    shape(before, String::new(), &mut was);
    shape(after, String::new(), &mut is);
    let mut found: Vec<String> = Vec::new();
    // A field gone (or new) takes what was inside it along: only the outermost is named.
    let (mut gone, mut new): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let inside =
        |outer: &[&str], pointer: &str| outer.iter().any(|o| pointer.starts_with(&format!("{o}/")));
    for (pointer, kind) in &was {
        match is.get(pointer) {
            None if inside(&gone, pointer) => {}
            None => {
                gone.push(pointer);
                found.push(format!("{} is gone (was {kind})", shown(pointer)))
            }
            Some(now) if now != kind => {
                found.push(format!("{} is {now} now (was {kind})", shown(pointer)))
            }
            Some(_) => {}
        }
    }
    for (pointer, kind) in &is {
        if !was.contains_key(pointer) && !inside(&new, pointer) {
            new.push(pointer);
            found.push(format!("{} is new ({kind})", shown(pointer)));
        }
    }
    if found.len() > MAX_NAMED {
        let more = found.len() - MAX_NAMED;
        found.truncate(MAX_NAMED);
        found.push(format!("and {more} more changes of the JSON's shape"));
    }
    found
}

fn shown(pointer: &str) -> &str {
    match pointer {
        "" => "the body",
        p => p,
    }
}

/// Every pointer with its JSON type; an array's items share `/*` (their count is not shape).
fn shape(value: &Value, at: String, into: &mut BTreeMap<String, &'static str>) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    match value {
        Value::Array(items) => items
            .iter()
            .for_each(|item| shape(item, format!("{at}/*"), into)),
        Value::Object(fields) => fields.iter().for_each(|(name, v)| {
            let name = name.replace('~', "~0").replace('/', "~1");
            shape(v, format!("{at}/{name}"), into)
        }),
        _ => {}
    }
    into.insert(at, kind);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_status_and_shape_with_other_values_is_no_change() {
        let before = r#"{"id": 1, "items": [{"sku": "a", "price": 1.5}], "note": null}"#;
        let after = br#"{"id": 2, "items": [{"sku": "b", "price": 9}, {"sku": "c", "price": 3}], "note": null}"#;
        assert!(changes((Some(200), Some(before)), (200, after)).is_empty());
    }

    #[test]
    fn a_fixed_call_says_what_changed() {
        let before = r#"{"errors": [{"code": "500", "message": "boom"}]}"#;
        let after = br#"{"trackingNumber": "1Z", "events": []}"#;
        let found = changes((Some(500), Some(before)), (200, after));
        assert_eq!(found[0], "status 200 (recorded: 500)");
        assert!(
            found.contains(&"/errors is gone (was a list)".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"/trackingNumber is new (a string)".to_string()),
            "{found:?}"
        );
        let typed = changes(
            (Some(200), Some(r#"{"price": 1}"#)),
            (200, br#"{"price": "1"}"#),
        );
        assert_eq!(
            typed,
            vec!["/price is a string now (was a number)".to_string()]
        );
        let page = changes((Some(200), Some("{}")), (502, b"<html>"));
        assert_eq!(
            page,
            vec!["status 502 (recorded: 200)", "the answer is no longer JSON"]
        );
    }
}
