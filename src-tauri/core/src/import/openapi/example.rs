//! A body's example from the spec: the media type's own, else one built from its schema (the
//! schema's example, default or first enum value, else one made from its type and properties).
//! The schema is untrusted: `$ref` cycles end, and depth and size are capped.

use serde_json::{json, Map, Value};

use super::Spec;

const MAX_EXAMPLE_DEPTH: usize = 8;
const MAX_EXAMPLE_NODES: usize = 5000;

impl<'a> Spec<'a> {
    /// A media type's example: its own, its first named one, or one built from its schema.
    pub(super) fn media_example(&self, content: &Value) -> Value {
        if let Some(example) = content.get("example") {
            return example.clone();
        }
        let named = content
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .and_then(|e| self.resolve(e).ok())
            .and_then(|e| e.get("value"));
        if let Some(value) = named {
            return value.clone();
        }
        self.example(content.get("schema").unwrap_or(&Value::Null))
    }

    /// An example value for `schema`: its own example, default or first enum value, else one
    /// made from its type and properties. Bounded: cycles end, depth and size are capped.
    pub(super) fn example(&self, schema: &Value) -> Value {
        let mut budget = MAX_EXAMPLE_NODES;
        self.example_at(schema, 0, &mut Vec::new(), &mut budget)
    }

    /// `depth`: schemas above this one; `seen`: the `$ref`s it is inside (one met again ends
    /// the cycle); `budget`: how many more values may be made.
    fn example_at(
        &self,
        schema: &'a Value,
        depth: usize,
        seen: &mut Vec<&'a str>,
        budget: &mut usize,
    ) -> Value {
        if depth > MAX_EXAMPLE_DEPTH || *budget == 0 {
            return Value::Null;
        }
        *budget -= 1;
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if seen.contains(&reference) {
                return Value::Null;
            }
            let Ok(target) = self.resolve(schema) else {
                return Value::Null;
            };
            seen.push(reference);
            let value = self.example_at(target, depth, seen, budget);
            seen.pop();
            return value;
        }
        if let Some(value) = given(schema) {
            return value.clone();
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in all {
                if let Value::Object(o) = self.example_at(part, depth + 1, seen, budget) {
                    merged.extend(o);
                }
            }
            return Value::Object(merged);
        }
        if let Some(choice) = first(schema, "oneOf").or_else(|| first(schema, "anyOf")) {
            return self.example_at(choice, depth + 1, seen, budget);
        }
        self.typed_example(schema, depth, seen, budget)
    }

    /// One made from the schema's type: an object of its properties' examples, a list of one
    /// of its items', a placeholder of the type otherwise.
    fn typed_example(
        &self,
        schema: &'a Value,
        depth: usize,
        seen: &mut Vec<&'a str>,
        budget: &mut usize,
    ) -> Value {
        match schema_type(schema) {
            "object" => {
                let mut object = Map::new();
                for (name, property) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .take(100)
                {
                    object.insert(
                        name.clone(),
                        self.example_at(property, depth + 1, seen, budget),
                    );
                }
                Value::Object(object)
            }
            "array" => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                match self.example_at(items, depth + 1, seen, budget) {
                    Value::Null => json!([]),
                    item => json!([item]),
                }
            }
            "string" => json!(match schema.get("format").and_then(Value::as_str) {
                Some("date") => "2026-01-01",
                Some("date-time") => "2026-01-01T00:00:00Z",
                Some("email") => "user@example.com",
                Some("uuid") => "00000000-0000-0000-0000-000000000000",
                Some("uri" | "url") => "https://example.com",
                _ => "string",
            }),
            "integer" | "number" => json!(0),
            "boolean" => json!(false),
            _ => Value::Null,
        }
    }
}

/// The value the schema gives itself: its example, default, const, first of its examples or
/// first enum value.
fn given(schema: &Value) -> Option<&Value> {
    ["example", "default", "const"]
        .into_iter()
        .find_map(|key| schema.get(key))
        .or_else(|| first(schema, "examples"))
        .or_else(|| first(schema, "enum"))
}

/// The first item of the schema's list `key`.
fn first<'s>(schema: &'s Value, key: &str) -> Option<&'s Value> {
    schema
        .get(key)
        .and_then(Value::as_array)
        .and_then(|a| a.first())
}

/// Its `type` (the first not `null` of a list of them), `object` when it has properties.
fn schema_type(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "",
    }
}
