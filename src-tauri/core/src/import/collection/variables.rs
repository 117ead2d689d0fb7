//! A collection's variables as the mapping uses them: the first of a name winning, names
//! Waybill cannot take noted; `{{name}}`s filled with their values; what is written without
//! a value because it holds a secret.

use super::Variable;
use crate::import::{clip, Skipped, SkippedKind};

/// The file's variables, first of a name winning; names Waybill cannot take are noted.
pub(super) struct Variables(Vec<Variable>);

impl Variables {
    pub(super) fn new(all: Vec<Variable>, skipped: &mut Vec<Skipped>) -> Self {
        let mut kept: Vec<Variable> = Vec::new();
        for variable in all {
            if kept.iter().any(|k| k.name == variable.name) {
                continue;
            }
            if crate::store::variables::check_name(&variable.name).is_err() {
                skipped.push(Skipped::new(
                    SkippedKind::Variable,
                    format!("variable {}", clip(&variable.name, 80)),
                    "not a name Waybill variables take (letters, digits, - _ . only)",
                ));
                continue;
            }
            kept.push(variable);
        }
        Variables(kept)
    }

    /// `{{name}}`s filled with the file's values (nested ones too); unknown or empty ones stay.
    pub(super) fn fill(&self, text: &str) -> String {
        let mut text = text.trim().to_string();
        for _ in 0..4 {
            let mut changed = false;
            for variable in self.0.iter().filter(|v| !v.value.trim().is_empty()) {
                let pattern = format!("{{{{{}}}}}", variable.name);
                if text.contains(&pattern) {
                    text = text.replace(&pattern, variable.value.trim());
                    changed = true;
                }
            }
            if !changed || text.len() > 10_000 {
                break;
            }
        }
        text
    }

    /// Variables with no secret in them, as Waybill keeps them (secret ones are listed with
    /// no value: the person sets them, or the profile's keyring entries cover them).
    pub(super) fn plain(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|v| match v.secret {
                true => (v.name.clone(), String::new()),
                false => (v.name.clone(), v.value.clone()),
            })
            .collect()
    }

    pub(super) fn secret(&self) -> impl Iterator<Item = (String, &str)> {
        self.0
            .iter()
            .filter(|v| v.secret)
            .map(|v| (v.name.clone(), v.value.trim()))
    }
}

/// Still holds a `{{name}}` the file gave no value for.
pub(super) fn unfilled(text: &str) -> bool {
    text.contains("{{") || text.contains("}}")
}

/// The `{{name}}`s left in `text`.
pub(super) fn unfilled_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(format!("{{{{{}}}}}", &after[..end]));
        rest = &after[end + 2..];
    }
    names
}
