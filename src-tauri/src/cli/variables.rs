//! `waybill var`: the user's `{{name}}` variables.

use super::*;
use waybill_core::variables::{check_name, UserVariables, VariableStore};

pub(super) fn store() -> Result<VariableStore, Failure> {
    Ok(VariableStore::in_dir(ProfileStore::default_dir()?))
}

pub(super) fn var(command: VarCommand) -> Result<i32, Failure> {
    let store = store()?;
    match command {
        VarCommand::List { json } => {
            let variables = store.load()?;
            if json {
                print_json(&serde_json::to_value(&variables).unwrap_or(Value::Null));
            } else {
                print_table(&variables);
            }
        }
        VarCommand::Set {
            name,
            value,
            environment,
        } => {
            check_name(&name)?;
            let mut variables = store.load()?;
            variables.table_mut(environment).insert(name, value);
            store.save(variables)?;
        }
        VarCommand::Unset { name, environment } => {
            let mut variables = store.load()?;
            if variables.table_mut(environment).remove(&name).is_none() {
                let place = environment
                    .map(|e| e.to_string())
                    .unwrap_or("shared".into());
                return Err(fail(format!("there is no {place} variable {name:?}")));
            }
            store.save(variables)?;
        }
    }
    Ok(0)
}

fn print_table(variables: &UserVariables) {
    let tables = [
        ("shared", &variables.shared),
        ("sandbox", &variables.sandbox),
        ("live", &variables.live),
    ];
    for (place, table) in tables {
        for (name, value) in table {
            println!("{place:<8} {name} = {value}");
        }
    }
}
