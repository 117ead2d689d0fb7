//! Insomnia's environments as variables: the base environments' values, then the
//! sub-environments', then the folders' own; the first of a name wins, as Waybill keeps one
//! value per name. Private environments' values are marked secret.

use std::collections::HashSet;

use serde_json::Value;

use super::values::{flag, sort_key, template, text};
use super::{Object, Reader, TEMPLATE_REASON};
use crate::import::collection::Variable;
use crate::import::{Skipped, SkippedKind};

impl<'a> Reader<'a> {
    /// The base environments' values, then the sub-environments' (by `metaSortKey`), then the
    /// folders' own; the first of a name wins, as Waybill keeps one value per name.
    pub(super) fn variables(&mut self) -> Vec<Variable> {
        let (mut subs, bases): (Vec<usize>, Vec<usize>) =
            self.of_kind("environment").into_iter().partition(|&i| {
                self.parent(i)
                    .is_some_and(|p| self.kind(p) == "environment")
            });
        subs.sort_by(|&a, &b| {
            let key = |i| self.item(i).map_or(f64::INFINITY, sort_key);
            key(a).total_cmp(&key(b)).then(a.cmp(&b))
        });
        let mut vars = Vars::default();
        for idx in bases.into_iter().chain(subs) {
            let Some(env) = self.item(idx) else { continue };
            let private = flag(env.get("isPrivate")) == Some(true);
            let (data, order) = (env.get("data"), env.get("dataPropertyOrder"));
            vars.add(data, order, private, &mut self.skipped);
        }
        for idx in self.of_kind("request_group") {
            let Some(group) = self.item(idx) else {
                continue;
            };
            let (data, order) = (
                group.get("environment"),
                group.get("environmentPropertyOrder"),
            );
            vars.add(data, order, false, &mut self.skipped);
        }
        vars.list
    }
}

/// Environment variables gathered across environments, the first of a name winning.
#[derive(Default)]
struct Vars {
    list: Vec<Variable>,
    seen: HashSet<String>,
}

impl Vars {
    /// Text, numbers and booleans become variables; an object's are flattened one level as
    /// `parent.child` (Insomnia's `{{ _.parent.child }}`).
    fn add(
        &mut self,
        data: Option<&Value>,
        order: Option<&Value>,
        private: bool,
        skipped: &mut Vec<Skipped>,
    ) {
        let Some(data) = data.and_then(Value::as_object) else {
            return;
        };
        for key in ordered(data, order.and_then(|o| o.get("&"))) {
            match data.get(key) {
                Some(Value::Object(inner)) => {
                    let inner_order = order.and_then(|o| o.get(format!("&~|{key}")));
                    for child in ordered(inner, inner_order) {
                        let name = format!("{key}.{child}");
                        self.add_one(&name, inner.get(child), private, skipped);
                    }
                }
                value => self.add_one(key, value, private, skipped),
            }
        }
    }

    fn add_one(
        &mut self,
        name: &str,
        value: Option<&Value>,
        private: bool,
        skipped: &mut Vec<Skipped>,
    ) {
        match value {
            None | Some(Value::Null) => {}
            Some(Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
                let mut odd = false;
                let variable = Variable::new(name, &template(&text(value), &mut odd), private);
                if variable.name.is_empty() || !self.seen.insert(variable.name.clone()) {
                    return;
                }
                if odd {
                    let item = format!("variable {}", variable.name);
                    skipped.push(Skipped::new(SkippedKind::Template, item, TEMPLATE_REASON));
                }
                self.list.push(variable);
            }
            Some(_) => skipped.push(Skipped::new(
                SkippedKind::Variable,
                format!("variable {name}"),
                "a list or a deeper object: only text, numbers and true/false are imported, \
                 one level of nesting deep",
            )),
        }
    }
}

/// `map`'s keys in the order Insomnia lists them (`dataPropertyOrder`), then any others.
fn ordered<'m>(map: &'m Object, order: Option<&Value>) -> Vec<&'m String> {
    let listed = order
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| map.get_key_value(k.as_str()?).map(|(k, _)| k));
    let mut seen = HashSet::new();
    listed
        .chain(map.keys())
        .filter(|k| seen.insert(*k))
        .collect()
}
