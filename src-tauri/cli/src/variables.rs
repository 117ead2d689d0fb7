//! `waybill var`: the user's `{{name}}` variables.

use serde_json::Value;
use waybill_core::workspace::UserVariables;

use super::args::VarCommand;
use super::output::{print_json, Failure};
use super::Context;

pub fn var(ctx: &Context, command: VarCommand) -> Result<i32, Failure> {
    match command {
        VarCommand::List { json: true } => {
            print_json(&serde_json::to_value(ctx.ws.variables()?).unwrap_or(Value::Null));
        }
        VarCommand::List { json: false } => print_table(&ctx.ws.variables()?),
        VarCommand::Set {
            name,
            value,
            environment,
        } => ctx.ws.set_variable(&name, &value, environment)?,
        VarCommand::Unset { name, environment } => ctx.ws.unset_variable(&name, environment)?,
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
