//! The user's variables, for `{{name}}` in requests (see `request::variables` for how they are
//! filled): some shared by every environment, some for sandbox or live only. They live in
//! `variables.toml` beside the profiles file (see `store::file`). They are plain text, not a
//! place for secrets: the keyring keeps those.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::file::TomlFile;
use super::StoreError;
use crate::profile::Environment;

pub const FILE_NAME: &str = "variables.toml";
const FORMAT_VERSION: u32 = 1;
const HEADER: &str =
    "# Waybill variables: {{name}} in requests. Plain text: no secrets in here.\n\n";

/// The user's variables: some for every environment, some for one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserVariables {
    /// Used in every environment (and by profiles with none).
    #[serde(default)]
    pub shared: BTreeMap<String, String>,
    #[serde(default)]
    pub sandbox: BTreeMap<String, String>,
    #[serde(default)]
    pub live: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    #[error("{{{{{name}}}}} has no value{}; define it under Variables or with `waybill var set {name} VALUE`", .environment.map(|e| format!(" for {e}")).unwrap_or_default())]
    Undefined {
        name: String,
        environment: Option<Environment>,
    },
    #[error("{0:?} is not a variable name (letters, digits, '_', '-' or '.')")]
    BadName(String),
    #[error("there is no {} variable {name:?}", .environment.map(|e| e.to_string()).unwrap_or("shared".into()))]
    NotSet {
        name: String,
        environment: Option<Environment>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct VariableStore {
    file: TomlFile<UserVariables>,
}

impl VariableStore {
    pub fn in_dir(dir: &Path) -> Self {
        let check = |v: &UserVariables| v.check().map_err(|e| e.to_string());
        let file = TomlFile::new(dir.join(FILE_NAME), HEADER, FORMAT_VERSION, check);
        Self { file }
    }

    pub fn load(&self) -> Result<UserVariables, StoreError> {
        self.file.load()
    }

    /// Set one variable, for every environment (`None`) or one.
    pub fn set(
        &self,
        name: &str,
        value: &str,
        environment: Option<Environment>,
    ) -> Result<(), VariableError> {
        check_name(name)?;
        self.file.update(|all| {
            all.table_mut(environment).insert(name.into(), value.into());
            Ok(())
        })
    }

    pub fn unset(&self, name: &str, environment: Option<Environment>) -> Result<(), VariableError> {
        self.file
            .update(|all| match all.table_mut(environment).remove(name) {
                Some(_) => Ok(()),
                None => Err(VariableError::NotSet {
                    name: name.into(),
                    environment,
                }),
            })
    }

    /// Apply what a person changed in an editor that showed `before` and now shows `after`:
    /// only their changes, so a variable another Waybill set meanwhile is kept.
    pub fn edit(&self, before: &UserVariables, after: &UserVariables) -> Result<(), VariableError> {
        after.check()?;
        self.file.update(|now| {
            for env in [None, Some(Environment::Sandbox), Some(Environment::Live)] {
                let (was, is) = (before.table(env), after.table(env));
                let table = now.table_mut(env);
                for name in was.keys().filter(|n| !is.contains_key(*n)) {
                    table.remove(name);
                }
                for (name, value) in is.iter().filter(|(n, v)| was.get(*n) != Some(v)) {
                    table.insert(name.clone(), value.clone());
                }
            }
            Ok(())
        })
    }
}

impl UserVariables {
    /// The table for `environment` (`None`: the shared one).
    pub fn table(&self, environment: Option<Environment>) -> &BTreeMap<String, String> {
        match environment {
            None => &self.shared,
            Some(Environment::Sandbox) => &self.sandbox,
            Some(Environment::Live) => &self.live,
        }
    }

    pub fn table_mut(&mut self, environment: Option<Environment>) -> &mut BTreeMap<String, String> {
        match environment {
            None => &mut self.shared,
            Some(Environment::Sandbox) => &mut self.sandbox,
            Some(Environment::Live) => &mut self.live,
        }
    }

    fn check(&self) -> Result<(), VariableError> {
        let names = self.shared.keys().chain(self.sandbox.keys());
        names
            .chain(self.live.keys())
            .try_for_each(|n| check_name(n))
    }
}

pub fn check_name(name: &str) -> Result<(), VariableError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    match ok {
        true => Ok(()),
        false => Err(VariableError::BadName(name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserVariables {
        UserVariables {
            shared: [
                ("shipment".into(), "S-1".into()),
                ("tenant".into(), "t".into()),
            ]
            .into(),
            sandbox: [("shipment".into(), "SBX-9".into())].into(),
            live: [("shipment".into(), "LIVE-7".into())].into(),
        }
    }

    #[test]
    fn variables_round_trip_through_their_file_and_bad_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = VariableStore::in_dir(dir.path());
        assert_eq!(store.load().unwrap(), UserVariables::default());
        store.edit(&UserVariables::default(), &user()).unwrap();
        assert_eq!(store.load().unwrap(), user());
        let mut bad = user();
        bad.live.insert("no spaces".into(), "x".into());
        assert!(matches!(
            store.edit(&user(), &bad),
            Err(VariableError::BadName(_))
        ));
        assert!(matches!(
            store.set("a b", "x", None),
            Err(VariableError::BadName(_))
        ));
        assert_eq!(store.load().unwrap(), user());
        assert!(matches!(
            store.unset("nope", Some(Environment::Live)),
            Err(VariableError::NotSet { .. })
        ));

        std::fs::write(dir.path().join(FILE_NAME), "version = [").unwrap();
        assert!(matches!(store.load(), Err(StoreError::Corrupt { .. })));
        assert_eq!(store.load().unwrap(), UserVariables::default());
    }

    #[test]
    fn an_editor_applies_only_its_own_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = VariableStore::in_dir(dir.path());
        store.edit(&UserVariables::default(), &user()).unwrap();
        let shown = store.load().unwrap();
        // Meanwhile another Waybill sets one and changes another.
        store.set("order", "O-1", Some(Environment::Live)).unwrap();
        store.set("tenant", "t2", None).unwrap();
        let mut edited = shown.clone();
        edited.sandbox.insert("shipment".into(), "SBX-10".into());
        edited.shared.remove("shipment");
        store.edit(&shown, &edited).unwrap();
        let now = store.load().unwrap();
        assert_eq!(
            now.live.get("order").map(String::as_str),
            Some("O-1"),
            "kept"
        );
        assert_eq!(
            now.shared.get("tenant").map(String::as_str),
            Some("t2"),
            "kept"
        );
        assert_eq!(now.sandbox["shipment"], "SBX-10");
        assert!(!now.shared.contains_key("shipment"));
    }
}
