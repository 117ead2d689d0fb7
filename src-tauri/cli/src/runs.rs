//! `waybill run`: saved requests as checks, or a case file replayed and compared. A line per
//! request as it finishes (with a progress count on a terminal), a summary, and on request JUnit
//! XML for CI or JSON.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use waybill_core::workspace::{RunOptions, RunReport, RunResult};

use crate::args::RunArgs;
use crate::output::{print_json, Failure, EXIT_ERROR, EXIT_HTTP_STATUS};
use crate::requests::vars;
use crate::Context;

pub async fn run(ctx: &mut Context, args: RunArgs) -> Result<i32, Failure> {
    let name = match (&args.profile, &args.case_profile) {
        (Some(name), _) | (None, Some(name)) => name.clone(),
        (None, None) => return Err("name the profile to run".into()),
    };
    ctx.seed_session_secrets(&ctx.ws.profile(&name)?).await?;
    let started = Instant::now();
    let lines = Lines::new(args.json);
    let on_result = |result: &RunResult| lines.print(result);
    let report = match &args.case {
        Some(case) => ctx.ws.run_case(case, &name, &on_result).await?,
        None => {
            let options = RunOptions {
                only: args.only.clone(),
                vars: vars(&args.vars)?,
                parallel: args.parallel.into(),
                bail: args.bail,
            };
            ctx.ws.run(&name, &options, &on_result).await?
        }
    };
    lines.summary(&report, started);
    if let Some(path) = &args.junit {
        let suite = args
            .case
            .as_ref()
            .map_or(name.clone(), |c| c.display().to_string());
        std::fs::write(
            path,
            junit(&suite, &report, started.elapsed().as_secs_f64()),
        )
        .map_err(|e| Failure::from(format!("could not write {}: {e}", path.display())))?;
    }
    if args.json {
        print_json(&serde_json::to_value(&report).unwrap_or_default());
    }
    Ok(match (report.errored(), report.failed) {
        (true, _) => EXIT_ERROR,
        (false, 0) => 0,
        (false, _) => EXIT_HTTP_STATUS,
    })
}

/// Where the lines go (stdout, or stderr when stdout is JSON) and whether to count progress.
struct Lines {
    to_stderr: bool,
    progress: bool,
    done: std::sync::atomic::AtomicUsize,
}

impl Lines {
    fn new(json: bool) -> Lines {
        Lines {
            to_stderr: json,
            progress: std::io::stderr().is_terminal(),
            done: Default::default(),
        }
    }

    fn print(&self, result: &RunResult) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let mark = match (result.passed(), result.error) {
            (true, _) => "pass",
            (false, false) => "FAIL",
            (false, true) => "ERROR",
        };
        let status = result.status.map_or("---".into(), |s| s.to_string());
        let mut line = format!(
            "{mark:<5} {:<40} {status} {:>6} ms",
            path(result),
            result.elapsed_ms
        );
        if let Some(first) = result.failures.first() {
            line.push_str(&format!("  {first}"));
        }
        let clear = if self.progress { "\r\x1b[2K" } else { "" };
        match self.to_stderr {
            true => eprintln!("{clear}{line}"),
            false => {
                eprint!("{clear}");
                println!("{line}");
            }
        }
        if self.progress {
            eprint!("[{done} done]");
            let _ = std::io::stderr().flush();
        }
    }

    fn summary(&self, report: &RunReport, started: Instant) {
        let clear = if self.progress { "\r\x1b[2K" } else { "" };
        let line = format!(
            "{} passed, {} failed ({} requests, {:.1} s)",
            report.passed,
            report.failed,
            report.results.len(),
            started.elapsed().as_secs_f64()
        );
        match self.to_stderr {
            true => eprintln!("{clear}{line}"),
            false => {
                eprint!("{clear}");
                println!("{line}");
            }
        }
    }
}

fn path(result: &RunResult) -> String {
    match &result.folder {
        Some(folder) => format!("{folder}/{}", result.name),
        None => result.name.clone(),
    }
}

/// The report as JUnit XML (the Surefire/Ant form CI systems read): one suite per folder, a
/// testcase per request, `failure` for expectations not met, `error` for no answer.
fn junit(run: &str, report: &RunReport, seconds: f64) -> String {
    let mut folders: Vec<Option<&str>> = Vec::new();
    for result in &report.results {
        if !folders.contains(&result.folder.as_deref()) {
            folders.push(result.folder.as_deref());
        }
    }
    let errors = report.results.iter().filter(|r| r.error).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{errors}\" time=\"{seconds:.3}\">\n",
        escape(&format!("waybill run {run}")),
        report.results.len(),
        report.failed - errors,
    );
    for folder in folders {
        let cases: Vec<&RunResult> = (report.results.iter())
            .filter(|r| r.folder.as_deref() == folder)
            .collect();
        xml.push_str(&suite(run, folder, &cases));
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn suite(run: &str, folder: Option<&str>, cases: &[&RunResult]) -> String {
    let name = match folder {
        Some(folder) => format!("{run}/{folder}"),
        None => run.to_string(),
    };
    let errors = cases.iter().filter(|r| r.error).count();
    let failures = cases.iter().filter(|r| !r.passed() && !r.error).count();
    let time: u64 = cases.iter().map(|r| r.elapsed_ms).sum();
    let mut xml = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{:.3}\">\n",
        escape(&name),
        cases.len(),
        time as f64 / 1000.0
    );
    for case in cases {
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&name),
            escape(&case.name),
            case.elapsed_ms as f64 / 1000.0
        ));
        match (case.failures.first(), case.error) {
            (None, _) => xml.push_str("/>\n"),
            (Some(first), error) => {
                let (tag, kind) = if error {
                    ("error", "no answer")
                } else {
                    ("failure", "expectation")
                };
                xml.push_str(&format!(
                    ">\n      <{tag} type=\"{kind}\" message=\"{}\">{}</{tag}>\n    </testcase>\n",
                    escape(first),
                    escape(&case.failures.join("\n"))
                ));
            }
        }
    }
    xml.push_str("  </testsuite>\n");
    xml
}

/// Text for XML: the five special characters, and no character XML 1.0 cannot hold.
fn escape(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r') || *c >= ' ')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
