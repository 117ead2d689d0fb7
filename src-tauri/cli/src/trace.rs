//! `--trace` and `--trace-json`: the exchanges of a command, as the core recorded them (already
//! redacted), printed to stderr one block each as they happen, or written as JSON.

use std::io::Write;

use waybill_core::workspace::{Hop, Trace};

use crate::args::{Command, TraceArgs};
use crate::output::Failure;

/// A printed body stops here: the JSON file has it whole.
const SHOWN_BODY: usize = 2000;

/// What the command asked for (nothing for commands without the flags).
pub fn asked(command: &Command) -> TraceArgs {
    match command {
        Command::Token { trace, .. }
        | Command::Login { trace, .. }
        | Command::Send { trace, .. }
        | Command::Check { trace, .. } => trace.clone(),
        Command::Call(args) => args.trace.clone(),
        _ => TraceArgs::default(),
    }
}

/// The trace the command runs in: printing with `--trace`; recorded either way, for the
/// diagnosis of a failure and for `--trace-json`.
pub fn for_args(args: &TraceArgs) -> Trace {
    match args.trace {
        true => Trace::printing(|hop| {
            // One write per block, so blocks from parallel requests do not interleave.
            let _ = std::io::stderr().lock().write_all(block(hop).as_bytes());
        }),
        false => Trace::new(),
    }
}

pub fn write_json(args: &TraceArgs, trace: &Trace) -> Result<(), Failure> {
    let Some(path) = &args.trace_json else {
        return Ok(());
    };
    let text = serde_json::to_string_pretty(&trace.hops())
        .map_err(|e| Failure::from(format!("could not write the trace: {e}")))?;
    std::fs::write(path, text + "\n")
        .map_err(|e| Failure::from(format!("could not write {}: {e}", path.display())))
}

fn block(hop: &Hop) -> String {
    let status = match hop.status {
        Some(status) => status.to_string(),
        None => "no answer".into(),
    };
    let mut text = format!(
        "* {} {} {} -> {status} ({} ms)\n",
        hop.step, hop.method, hop.url, hop.elapsed_ms
    );
    for (name, value) in &hop.request.headers {
        text.push_str(&format!("> {name}: {value}\n"));
    }
    push_body(&mut text, '>', hop.request.body.as_deref());
    if let Some(response) = &hop.response {
        for (name, value) in &response.headers {
            text.push_str(&format!("< {name}: {value}\n"));
        }
        push_body(&mut text, '<', response.body.as_deref());
    }
    if let Some(note) = &hop.note {
        text.push_str(&format!("  {note}\n"));
    }
    text.push('\n');
    text
}

fn push_body(text: &mut String, mark: char, body: Option<&str>) {
    let Some(body) = body else { return };
    let shown: String = body.chars().take(SHOWN_BODY).collect();
    for line in shown.lines() {
        text.push_str(&format!("{mark} {line}\n"));
    }
    if shown.len() < body.len() {
        text.push_str(&format!(
            "{mark} [... {} more bytes]\n",
            body.len() - shown.len()
        ));
    }
}
