//! `waybill presets` (list, `check FILE`) and `waybill check NAME`: what Waybill knows of each
//! provider, a team's own preset file checked, and a profile's connection proved.

use serde_json::{json, Value};
use waybill_core::workspace::{check_preset_file, Preset};

use super::args::{PresetsAction, PresetsArgs};
use super::output::{print_json, Failure, EXIT_HTTP_STATUS};
use super::Context;

pub fn presets(ctx: &Context, args: PresetsArgs) -> Result<i32, Failure> {
    if let Some(PresetsAction::Check { file }) = args.action {
        let preset = check_preset_file(&file)?;
        println!(
            "{} is a usable preset: {:?} ({}), {} environment(s).",
            file.display(),
            preset.id,
            preset.name,
            preset.env.len()
        );
        return Ok(0);
    }
    let presets = ctx.ws.presets();
    for problem in &presets.problems {
        eprintln!("waybill: warning: {problem}");
    }
    match args.json {
        true => print_json(&Value::Array(
            presets.all().iter().map(preset_json).collect(),
        )),
        false => presets.all().iter().for_each(print_line),
    }
    Ok(0)
}

fn print_line(p: &Preset) {
    let envs: Vec<String> = p.env.keys().map(|e| e.to_string()).collect();
    let grants: Vec<String> = p.grants.iter().map(|g| g.to_string()).collect();
    let own = if p.built_in { "" } else { " (your own)" };
    println!(
        "{:<14} {:<30} {:<12} {:<34} {}{own}",
        p.id,
        p.name,
        format!("{:?}", p.kind).to_lowercase(),
        grants.join(", "),
        envs.join(", ")
    );
}

/// A preset as `presets --json` shows it (`environments`: its URLs by environment).
fn preset_json(p: &Preset) -> Value {
    let mut value = serde_json::to_value(p).unwrap_or(Value::Null);
    if let Some(fields) = value.as_object_mut() {
        if let Some(env) = fields.remove("env") {
            fields.insert("environments".into(), env);
        }
        let inputs: Vec<Value> = (p.inputs.iter())
            .map(|i| {
                json!({"id": i.id, "label": i.label, "help": i.help, "required": i.required,
                       "secret": i.is_secret(), "into": i.into})
            })
            .collect();
        fields.insert("inputs".into(), Value::Array(inputs));
        fields.insert("needs_base_url".into(), p.needs_base_url().into());
    }
    value
}

/// `waybill check NAME`: connected to what, or refused in words.
pub async fn check(ctx: &Context, name: &str, json: bool) -> Result<i32, Failure> {
    let found = ctx.ws.check_connection(name).await?;
    if json {
        print_json(&serde_json::to_value(&found).unwrap_or(Value::Null));
    } else if found.connected {
        match &found.names {
            Some(names) => println!("Connected to {names}."),
            None => println!("Connected (HTTP {} from {}).", found.status, found.url),
        }
    } else {
        let said = found
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        eprintln!(
            "waybill: not connected: HTTP {} from {}{said}",
            found.status, found.url
        );
        crate::output::print_diagnoses(&found.diagnoses);
    }
    Ok(if found.connected { 0 } else { EXIT_HTTP_STATUS })
}
