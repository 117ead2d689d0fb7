//! `waybill history` (list, show, clear, keep) and `waybill replay`.

use super::*;
use waybill_core::curl::{self, Bearer};
use waybill_core::history::{Entry, Filter, History};

pub(super) fn open_history() -> Result<History, Failure> {
    let dir = History::default_dir()
        .ok_or_else(|| fail("no data directory could be found for this user; set WAYBILL_HOME"))?;
    Ok(History::open(&dir)?)
}

/// Keep what was sent and what came back; a history that cannot be written is a warning only.
pub(super) fn record(
    profile: &Profile,
    request: &ApiRequest,
    result: &Result<waybill_core::ApiResponse, SessionError>,
) {
    let error = result.as_ref().err().map(ToString::to_string);
    let outcome = match result {
        Ok(response) => Ok(response),
        Err(_) => Err(error.as_deref().unwrap_or_default()),
    };
    if let Err(e) = open_history().and_then(|h| Ok(h.record_sent(profile, request, outcome)?)) {
        eprintln!(
            "waybill: warning: the request was not kept in history: {}",
            e.message
        );
    }
}

impl EntryFilter {
    fn to_filter(&self) -> Result<Filter, Failure> {
        Ok(Filter {
            profile: self.profile.clone(),
            status: self.status.as_deref().map(str::parse).transpose()?,
            url_contains: self.url.clone(),
            since: self.since.clone(),
            limit: Some(self.limit),
        })
    }
}

pub(super) async fn history(options: &GlobalOptions, args: HistoryArgs) -> Result<i32, Failure> {
    let history = open_history()?;
    match args.action {
        None => {
            let entries = history.list(&args.filter.to_filter()?)?;
            if args.json {
                print_json(&serde_json::to_value(&entries).unwrap_or(Value::Null));
            } else {
                for e in &entries {
                    let status = e
                        .status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "error".into());
                    let ms = e.elapsed_ms.map(|m| format!("{m} ms")).unwrap_or_default();
                    println!(
                        "{:>5}  {}  {:<16} {:<7} {:<5} {:>7}  {}",
                        e.id, e.at, e.profile, e.method, status, ms, e.url
                    );
                }
            }
            Ok(0)
        }
        Some(HistoryAction::Show {
            id,
            json,
            curl,
            with_token,
        }) => {
            let entry = history.get(id)?;
            if curl {
                println!("{}", entry_as_curl(options, &entry, with_token).await?);
            } else if json {
                print_json(&serde_json::to_value(&entry).unwrap_or(Value::Null));
            } else {
                print_entry(&entry);
            }
            Ok(0)
        }
        Some(HistoryAction::Clear) => {
            history.clear()?;
            println!("History cleared.");
            Ok(0)
        }
        Some(HistoryAction::Keep { entries }) => {
            history.set_keep(entries)?;
            println!("History keeps the newest {entries} entries.");
            Ok(0)
        }
    }
}

async fn entry_as_curl(
    options: &GlobalOptions,
    entry: &Entry,
    with_token: bool,
) -> Result<String, Failure> {
    let request = entry.to_request();
    if !with_token {
        return Ok(curl::to_curl(
            &Profile::default(),
            &request,
            Bearer::Redacted,
        )?);
    }
    let ctx = &mut Context::new(options)?;
    let profile = ctx.profile(&entry.profile)?;
    ctx.seed_session_secrets(&profile).await?;
    let token = ctx.session.token(&profile).await.map_err(session_failure)?;
    // The entry's headers already hold the profile's defaults: don't add them twice.
    let bare = Profile::default();
    Ok(curl::to_curl(
        &bare,
        &request,
        Bearer::Shown(&token.access_token),
    )?)
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
                println!(
                    "[body cut at {} KB]",
                    waybill_core::history::BODY_CAP / 1024
                );
            }
        }
        (None, Some(error)) => println!("failed: {error}"),
        (None, None) => println!("(no answer)"),
    }
}

pub(super) async fn replay(
    options: &GlobalOptions,
    id: i64,
    profile: Option<String>,
    json_out: bool,
) -> Result<i32, Failure> {
    let entry = open_history()?.get(id)?;
    let ctx = &mut Context::new(options)?;
    let profile = ctx.profile(profile.as_deref().unwrap_or(&entry.profile))?;
    let original = ctx.profile(&entry.profile).ok();
    let request = entry.to_request_for(original.as_ref(), &profile);
    super::call::send_and_print(ctx, &profile, &request, json_out).await
}

pub(super) fn case(command: CaseCommand) -> Result<i32, Failure> {
    use waybill_core::case::CaseFile;
    let store = ProfileStore::new(ProfileStore::default_dir()?);
    match command {
        CaseCommand::Export { file, filter } => {
            let entries = open_history()?.list(&filter.to_filter()?)?;
            let case = CaseFile::export(&entries, &store.load()?);
            std::fs::write(&file, case.to_json())
                .map_err(|e| fail(format!("could not write {}: {e}", file.display())))?;
            println!(
                "Wrote {} request(s) and {} profile(s) to {} (no secrets or tokens).",
                case.requests.len(),
                case.profiles.len(),
                file.display()
            );
            Ok(0)
        }
        CaseCommand::Import { file, yes } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| fail(format!("could not read {}: {e}", file.display())))?;
            let case = CaseFile::from_json(&text)?;
            let plan = case.plan(&store.load()?);
            for profile in &plan.add {
                println!(
                    "add profile {} ({}, {})",
                    profile.name, profile.grant, profile.client_id
                );
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
            if !yes {
                println!("Nothing changed: run again with --yes to add this.");
                return Ok(0);
            }
            plan.apply(&store)?;
            println!("Imported. Client secrets are not in case files: set them with `waybill profile set-secret NAME`.");
            Ok(0)
        }
    }
}
