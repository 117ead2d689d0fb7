//! `waybill history` (list, show, clear, keep) and `waybill case` (export, import).

use serde_json::Value;
use waybill_core::workspace::{CasePlan, CaseSelection, Entry, Filter, Summary, BODY_CAP};

use super::args::{CaseCommand, EntryFilter, HistoryAction, HistoryArgs};
use super::output::{print_json, Failure};
use super::Context;

impl EntryFilter {
    fn to_filter(&self) -> Result<Filter, Failure> {
        Ok(Filter {
            profile: self.profile.clone(),
            status: self.status.as_deref().map(str::parse).transpose()?,
            url_contains: self.url.clone(),
            since: self.since.clone(),
            limit: Some(self.limit),
            ..Filter::default()
        })
    }
}

pub async fn history(ctx: &mut Context, args: HistoryArgs) -> Result<i32, Failure> {
    let filter = args.filter.to_filter()?;
    match args.action {
        None if args.json => print_json(&json_of(ctx.ws.history_entries(&filter)?)),
        None => ctx.ws.history(&filter)?.iter().for_each(print_summary),
        Some(HistoryAction::Show {
            id,
            curl: true,
            with_token,
            ..
        }) => {
            println!("{}", entry_as_curl(ctx, id, with_token).await?);
        }
        Some(HistoryAction::Show { id, json: true, .. }) => {
            print_json(&json_of(ctx.ws.history_entry(id)?))
        }
        Some(HistoryAction::Show { id, .. }) => print_entry(&ctx.ws.history_entry(id)?),
        Some(HistoryAction::Clear) => {
            ctx.ws.clear_history()?;
            println!("History cleared.");
        }
        Some(HistoryAction::Keep { entries }) => {
            ctx.ws.set_history_keep(entries)?;
            println!("History keeps the newest {entries} entries.");
        }
    }
    Ok(0)
}

/// With the token, a --session-only run needs the profile's secrets first.
async fn entry_as_curl(ctx: &mut Context, id: i64, with_token: bool) -> Result<String, Failure> {
    if with_token {
        let profile = ctx.ws.profile(&ctx.ws.history_entry(id)?.profile)?;
        ctx.seed_session_secrets(&profile).await?;
    }
    Ok(ctx.ws.history_as_curl(id, with_token).await?.copied)
}

pub fn case(ctx: &Context, command: CaseCommand) -> Result<i32, Failure> {
    match command {
        CaseCommand::Export {
            file,
            filter,
            force,
        } => {
            let selection = CaseSelection::Filter(filter.to_filter()?);
            let wrote = ctx.ws.export_case(&file, selection, force)?;
            let (requests, profiles, path) = (wrote.requests, wrote.profiles, wrote.path.display());
            println!("Wrote {requests} request(s) and {profiles} profile(s) to {path} (no secrets or tokens).");
        }
        CaseCommand::Import { file, yes: false } => {
            print_plan(&ctx.ws.plan_case_import(&file)?.1);
            println!("Nothing changed: run again with --yes to add this.");
        }
        CaseCommand::Import { file, yes: true } => {
            print_plan(&ctx.ws.import_case(&file)?);
            println!("Imported. Client secrets are not in case files: set them with `waybill profile set-secret NAME`.");
        }
    }
    Ok(0)
}

fn json_of(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn print_summary(e: &Summary) {
    let status = e.status.map(|s| s.to_string()).unwrap_or("error".into());
    let ms = e.elapsed_ms.map(|m| format!("{m} ms")).unwrap_or_default();
    let (id, at, profile, method, url) = (e.id, &e.at, &e.profile, &e.method, &e.url);
    println!("{id:>5}  {at}  {profile:<16} {method:<7} {status:<5} {ms:>7}  {url}");
}

fn print_plan(plan: &CasePlan) {
    for profile in &plan.add {
        let (name, grant, client) = (&profile.name, profile.grant, &profile.client_id);
        println!("add profile {name} ({grant}, {client})");
    }
    for (from, to) in &plan.renamed {
        println!("  {from} exists here and differs: the case's comes in as {to}");
    }
    for name in &plan.reused {
        println!("use profile {name} (the same here)");
    }
    for (profile, saved) in &plan.saved {
        println!("add saved request \"{}\" to {profile}", saved.name);
    }
}

fn print_entry(e: &Entry) {
    println!("#{}  {}  profile {}", e.id, e.at, e.profile);
    println!("{} {}", e.method, e.url);
    for (name, value) in &e.request_headers {
        println!("{name}: {value}");
    }
    if let Some(body) = &e.request_body {
        println!("\n{body}");
    }
    println!();
    match (e.status, &e.error) {
        (Some(status), _) => {
            let ms = e.elapsed_ms.unwrap_or_default();
            println!("HTTP {status} ({ms} ms)");
            for (name, value) in &e.response_headers {
                println!("{name}: {value}");
            }
            if let Some(body) = &e.response_body {
                println!("\n{body}");
            }
            if e.truncated {
                println!("[body cut at {} KB]", BODY_CAP / 1024);
            }
        }
        (None, Some(error)) => println!("failed: {error}"),
        (None, None) => println!("(no answer)"),
    }
}
