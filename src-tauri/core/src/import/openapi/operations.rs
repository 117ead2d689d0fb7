//! A spec's operations -> saved requests: each named by its `operationId` (else `METHOD /path`)
//! in a folder named by its first tag; path parameters as `{{name}}` variables; required query
//! and header parameters with their example or default, else a `{{name}}` placeholder; the body
//! from its example or schema. The parameters it declares go with it for the window's form.

use serde_json::Value;

use super::Spec;
use crate::import::{clip, dedupe_names, Skipped, SkippedKind};
use crate::request::{DraftBody, RequestDraft};
use crate::store::saved::{Param, SavedRequest};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// More than any real API has; a hostile file stops here.
const MAX_OPERATIONS: usize = 5000;
/// Parameters kept for an operation's form (real operations declare a few dozen at most).
const MAX_PARAMS: usize = 200;
impl<'a> Spec<'a> {
    /// Every operation as a saved request, and the variables they use.
    pub(super) fn operations(
        &self,
        skipped: &mut Vec<Skipped>,
    ) -> (Vec<SavedRequest>, Vec<(String, String)>) {
        let (mut requests, mut variables) = (Vec::new(), Vec::<(String, String)>::new());
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return (requests, variables);
        };
        for (path, item) in paths {
            let item = match self.resolve(item) {
                Ok(item) => item,
                Err(reason) => {
                    let item = format!("path {path}");
                    skipped.push(Skipped::new(SkippedKind::Request, item, reason));
                    continue;
                }
            };
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let label = format!("{} {path}", method.to_ascii_uppercase());
                if requests.len() >= MAX_OPERATIONS {
                    let reason = format!("more than {MAX_OPERATIONS} operations");
                    skipped.push(Skipped::new(SkippedKind::Request, label, reason));
                    continue;
                }
                match self.operation(path, method, item, op, &mut variables) {
                    Ok(saved) => requests.push(saved),
                    Err(reason) => skipped.push(Skipped::new(SkippedKind::Request, label, reason)),
                }
            }
        }
        dedupe_names(&mut requests);
        (requests, variables)
    }

    /// One operation (`op`, of the path `item`) as a saved request; the variables its path
    /// parameters make are added to `variables`.
    fn operation(
        &self,
        path: &str,
        method: &str,
        item: &Value,
        op: &Value,
        variables: &mut Vec<(String, String)>,
    ) -> Result<SavedRequest, String> {
        let params = self.parameters(item, op)?;
        let mut url = path.to_string();
        let (mut query, mut headers, mut form) = (Vec::new(), Vec::new(), Vec::new());
        let mut body = DraftBody::None;
        let mut declared = Vec::new();
        for param in &params {
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let place = param.get("in").and_then(Value::as_str).unwrap_or_default();
            let required = param.get("required").and_then(Value::as_bool) == Some(true);
            let value = self
                .param_value(param)
                .unwrap_or_else(|| format!("{{{{{name}}}}}"));
            if matches!(place, "path" | "query" | "header")
                && !name.eq_ignore_ascii_case("authorization")
                && declared.len() < MAX_PARAMS
            {
                declared.push(self.declared(param, name, place, required));
            }
            match place {
                "path" => {
                    url = url.replace(&format!("{{{name}}}"), &format!("{{{{{name}}}}}"));
                    let given = self.param_value(param).unwrap_or_default();
                    if !variables.iter().any(|(n, _)| n == name) {
                        variables.push((name.to_string(), given));
                    }
                }
                "query" if required => query.push((name.to_string(), value)),
                "header" if required && !name.eq_ignore_ascii_case("authorization") => {
                    headers.push((name.to_string(), value))
                }
                "body" => {
                    let schema = param.get("schema").unwrap_or(&Value::Null);
                    body = DraftBody::Json(pretty(&self.example(schema)));
                }
                "formData" => form.push((name.to_string(), value)),
                _ => {}
            }
        }
        if !form.is_empty() {
            body = DraftBody::Form(form);
        }
        if let Some(request_body) = op.get("requestBody") {
            body = self.request_body(self.resolve(request_body)?, &mut headers);
        }
        Ok(SavedRequest {
            folder: folder(op),
            name: clip(&request_name(op, method, path), 200),
            request: RequestDraft {
                method: method.to_ascii_uppercase(),
                url,
                query,
                headers,
                body,
            },
            params: declared,
            expect: None,
            capture: Vec::new(),
        })
    }

    /// The path's parameters, then the operation's: one of the same name and place replaces
    /// the path's.
    fn parameters(&self, item: &'a Value, op: &'a Value) -> Result<Vec<&'a Value>, String> {
        let mut params: Vec<&Value> = Vec::new();
        for list in [item.get("parameters"), op.get("parameters")] {
            for param in list.and_then(Value::as_array).into_iter().flatten() {
                let param = self.resolve(param)?;
                let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
                params.retain(|p| key(p) != key(param));
                params.push(param);
            }
        }
        Ok(params)
    }

    /// A parameter as the window's form shows it.
    fn declared(&self, param: &Value, name: &str, place: &str, required: bool) -> Param {
        let schema = param
            .get("schema")
            .and_then(|s| self.resolve(s).ok())
            .unwrap_or(param);
        let choices = schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(100)
            .filter_map(|v| match v {
                Value::String(s) => Some(clip(s, 200)),
                Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
                _ => None,
            })
            .collect();
        Param {
            name: clip(name, 200),
            place: place.to_string(),
            required: required || place == "path",
            description: param
                .get("description")
                .and_then(Value::as_str)
                .map(|d| clip(d.trim(), 500))
                .filter(|d| !d.is_empty()),
            default: self.param_value(param).map(|v| clip(&v, 500)),
            choices,
        }
    }

    /// A parameter's value from the spec: its example, default or first enum value.
    fn param_value(&self, param: &Value) -> Option<String> {
        let schema = param
            .get("schema")
            .and_then(|s| self.resolve(s).ok())
            .unwrap_or(param);
        [
            param.get("example"),
            schema.get("example"),
            schema.get("default"),
        ]
        .into_iter()
        .flatten()
        .chain(
            schema
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|e| e.first()),
        )
        .find_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null | Value::Object(_) | Value::Array(_) => None,
            other => Some(other.to_string()),
        })
    }

    /// OpenAPI 3's request body: JSON (built from its example or schema), a form, or raw text.
    fn request_body(&self, body: &Value, headers: &mut Vec<(String, String)>) -> DraftBody {
        let Some(content) = body.get("content").and_then(Value::as_object) else {
            return DraftBody::None;
        };
        let json = content
            .iter()
            .find(|(t, _)| *t == "application/json" || t.ends_with("+json"));
        if let Some((media, content)) = json {
            if media != "application/json" {
                headers.push(("Content-Type".into(), media.clone()));
            }
            return DraftBody::Json(pretty(&self.media_example(content)));
        }
        if let Some(content) = content.get("application/x-www-form-urlencoded") {
            let example = self.media_example(content);
            let rows = example
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            return DraftBody::Form(rows);
        }
        match content.iter().next() {
            Some((media, content)) => {
                headers.push(("Content-Type".into(), media.clone()));
                let example = self.media_example(content);
                DraftBody::Raw(example.as_str().map(str::to_string).unwrap_or_default())
            }
            None => DraftBody::None,
        }
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The operation's `operationId`, else `METHOD /path`.
fn request_name(op: &Value, method: &str, path: &str) -> String {
    op.get("operationId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} {path}", method.to_ascii_uppercase()))
}

/// The folder its first tag names.
fn folder(op: &Value) -> Option<String> {
    op.get("tags")
        .and_then(Value::as_array)
        .and_then(|tags| tags.first())
        .and_then(Value::as_str)
        .map(|tag| tag.replace('/', "-").trim().to_string())
        .filter(|tag| !tag.is_empty())
}
