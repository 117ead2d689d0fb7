//! `waybill import FILE`: the plan, and with --yes the import.

use std::path::Path;

use serde_json::json;
use waybill_core::workspace::{ImportOptions, ImportPlan};

use super::output::{print_json, Failure};
use super::Context;

pub async fn import(
    ctx: &Context,
    file: &Path,
    options: &ImportOptions,
    yes: bool,
    json: bool,
) -> Result<i32, Failure> {
    let plan = match yes {
        true => ctx.ws.import(file, options).await?,
        false => ctx.ws.plan_import(file, options).await?,
    };
    if json {
        let mut value = serde_json::to_value(&plan).unwrap_or_default();
        value["applied"] = json!(yes);
        print_json(&value);
        return Ok(0);
    }
    print_plan(&plan);
    let name = &plan.profile.name;
    match yes {
        false => println!("Nothing changed: run again with --yes to import this."),
        true if plan.profile.action == "create" && plan.secrets.is_empty() => println!(
            "Imported. Give {name} its client: `waybill profile edit {name} --client-id ID --client-secret-stdin`."
        ),
        true if plan.profile.action == "create" => println!(
            "Imported. The file's {} went to the keyring.",
            plan.secrets.join(" and ")
        ),
        true => println!("Imported into {name}."),
    }
    Ok(0)
}

fn print_plan(plan: &ImportPlan) {
    println!("Read {}: {:?}", plan.format, plan.title);
    let p = &plan.profile;
    let how = [
        p.grant.map(|g| g.to_string()),
        p.issuer.as_ref().map(|i| format!("issuer {i}")),
        p.token_url.as_ref().map(|u| format!("token URL {u}")),
        p.authorize_url
            .as_ref()
            .map(|u| format!("authorize URL {u}")),
        p.client_auth.map(|a| format!("{a} client authentication")),
        p.scope.as_ref().map(|s| format!("scope {s:?}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    println!("Profile: {} {} ({how})", p.action, p.name);
    if let Some(wanted) = &p.renamed_from {
        println!("  {wanted} exists here: this one comes in as {}", p.name);
    }
    if let Some(base) = &p.api_base {
        println!("  API base {base}");
    }
    for other in &plan.other_servers {
        println!("  also in the file: {other} (--env picks sandbox or live)");
    }
    println!("Requests ({}):", plan.requests.len());
    let mut folder: Option<&Option<String>> = None;
    let mut sorted: Vec<_> = plan.requests.iter().collect();
    sorted.sort_by(|a, b| a.folder.cmp(&b.folder));
    for r in sorted {
        if folder != Some(&r.folder) {
            folder = Some(&r.folder);
            println!("  {}/", r.folder.as_deref().unwrap_or(""));
        }
        println!("    {:<7} {:<50} {}", r.method, r.url, r.name);
    }
    if !plan.variables.is_empty() {
        let shown: Vec<String> = plan
            .variables
            .iter()
            .map(|v| match v.value.is_empty() {
                true => v.name.clone(),
                false => format!("{} = {}", v.name, v.value),
            })
            .collect();
        println!("Variables: {}", shown.join(", "));
    }
    // What kind of secret the file holds (e.g. "client secret"), never its value.
    for kind in &plan.secrets {
        println!("Secret found: {kind} (present; it goes to the keyring)");
    }
    // What carried a credential (a browser's HAR: the customer's bearer, cookies): by name only.
    if !plan.removed.is_empty() {
        println!("Taken out (credentials; never kept, never shown):");
        for r in &plan.removed {
            let kind = serde_json::to_value(r.kind).unwrap_or_default();
            let times = if r.count == 1 { "request" } else { "requests" };
            println!(
                "  {} {} (from {} {times})",
                kind.as_str().unwrap_or_default(),
                r.name,
                r.count
            );
        }
    }
    if !plan.skipped.is_empty() {
        println!("Not mapped:");
        for s in &plan.skipped {
            println!("  {}: {}", s.item, s.reason);
        }
    }
}
