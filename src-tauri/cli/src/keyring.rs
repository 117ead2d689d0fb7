//! `waybill keyring tidy`: the keyring's entries no profile owns, listed, and removed on `--yes`.

use serde_json::json;

use super::args::KeyringCommand;
use super::output::{print_json, Failure};
use super::Context;

pub async fn run(ctx: &Context, command: KeyringCommand) -> Result<i32, Failure> {
    let KeyringCommand::Tidy { yes, json } = command;
    let orphans = match yes {
        true => ctx.ws.tidy_keyring().await?,
        false => ctx.ws.keyring_orphans().await?,
    };
    if json {
        print_json(&json!({ "entries": orphans, "removed": yes && !orphans.is_empty() }));
        return Ok(0);
    }
    if orphans.is_empty() {
        println!("Every Waybill entry in the keyring belongs to a profile.");
        return Ok(0);
    }
    let width = orphans
        .iter()
        .map(|o| o.keyring_id.len())
        .max()
        .unwrap_or(0);
    for orphan in &orphans {
        println!("{:width$}  {}", orphan.keyring_id, orphan.kind);
    }
    let count = match orphans.len() {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    };
    match yes {
        true => println!("Removed {count} that no profile owned."),
        false => println!("{count} no profile owns; `waybill keyring tidy --yes` removes them."),
    }
    Ok(0)
}
