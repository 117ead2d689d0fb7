//! Runs without a person: a profile's saved requests sent as checks (their expectations met,
//! their captures carried to the requests after them), and a case file's requests sent again
//! with a profile and compared with what was recorded.

use std::path::Path;

use futures_util::StreamExt;
use serde::Serialize;

use super::{Workspace, WorkspaceError};
use crate::profile::{Grant, Profile};
use crate::request::expect::{self, ExpectedStatus};
use crate::request::{compare, ApiResponse};
use crate::store::saved::SavedRequest;

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Folders (`tracking`, `a/b`) and requests (`name`, `folder/name`); empty: all of them.
    pub only: Vec<String>,
    /// Values for `{{name}}` over the saved variables, for the whole run.
    pub vars: Vec<(String, String)>,
    /// How many requests may be on the way at once (at least 1).
    pub parallel: usize,
    /// Start no request after the first that failed.
    pub bail: bool,
}

/// One request's outcome.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunResult {
    pub folder: Option<String>,
    pub name: String,
    /// `None` when no answer came (the network, the token).
    pub status: Option<u16>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub elapsed_ms: u64,
    /// Each expectation not met, in words; empty when it passed.
    pub failures: Vec<String>,
    /// No answer came: an error of the run, not a check that failed.
    pub error: bool,
}

impl RunResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunReport {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub passed: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub failed: usize,
    /// In the order the requests are saved (or the case holds them).
    pub results: Vec<RunResult>,
}

impl RunReport {
    fn of(mut results: Vec<(usize, RunResult)>) -> RunReport {
        results.sort_by_key(|(at, _)| *at);
        let results: Vec<RunResult> = results.into_iter().map(|(_, r)| r).collect();
        let passed = results.iter().filter(|r| r.passed()).count();
        RunReport {
            passed,
            failed: results.len() - passed,
            results,
        }
    }

    /// A request got no answer at all.
    pub fn errored(&self) -> bool {
        self.results.iter().any(|r| r.error)
    }
}

/// Without a status of its own, a check wants a 2xx answer.
const ANY_SUCCESS: ExpectedStatus = ExpectedStatus::Class(2);

impl Workspace {
    /// Send `name`'s saved requests (all, or those `options.only` names, in their saved order)
    /// with one token, renewed as needed; `on_result` hears of each as it finishes. A request
    /// that captures values finishes before any after it starts, so they can use them.
    pub async fn run(
        &self,
        name: &str,
        options: &RunOptions,
        on_result: &(dyn Fn(&RunResult) + Sync),
    ) -> Result<RunReport, WorkspaceError> {
        let profile = self.profile(name)?;
        let chosen = self.chosen(&profile, &options.only)?;
        // The token first: a profile that cannot get one fails the run, not each request.
        if profile.grant != Grant::ApiKey {
            self.token(name).await?;
        }
        let (mut vars, mut results) = (options.vars.clone(), Vec::new());
        let mut stopped = false;
        for segment in segments(&chosen) {
            let mut captured = Vec::new();
            // Futures of a named `async fn` (not a closure's async block), gathered first: keeps
            // `run` usable from a Tauri command, whose future must be `Send` for every lifetime.
            let sends: Vec<_> = (segment.iter())
                .map(|&(at, saved)| self.check_at(at, &profile, saved, &vars))
                .collect();
            let mut running =
                futures_util::stream::iter(sends).buffer_unordered(options.parallel.max(1));
            while let Some((at, (result, taken))) = running.next().await {
                on_result(&result);
                stopped |= options.bail && !result.passed();
                captured.extend(taken);
                results.push((at, result));
                if stopped {
                    break;
                }
            }
            drop(running);
            vars.extend(captured);
            if stopped {
                break;
            }
        }
        Ok(RunReport::of(results))
    }

    /// The saved requests `only` names (each a folder, or a request by name or path), in their
    /// saved order; all when it names none.
    fn chosen(
        &self,
        profile: &Profile,
        only: &[String],
    ) -> Result<Vec<SavedRequest>, WorkspaceError> {
        let all = self.saved.list(&profile.keyring_id)?;
        for wanted in only {
            let found = all.iter().any(|s| in_selection(s, wanted));
            if !found {
                return Err(WorkspaceError::NothingToRun {
                    profile: profile.name.clone(),
                    wanted: wanted.clone(),
                });
            }
        }
        let picked = all
            .into_iter()
            .filter(|s| only.is_empty() || only.iter().any(|w| in_selection(s, w)));
        Ok(picked.collect())
    }

    async fn check_at(
        &self,
        at: usize,
        profile: &Profile,
        saved: &SavedRequest,
        vars: &[(String, String)],
    ) -> (usize, (RunResult, Vec<(String, String)>)) {
        (at, self.check_one(profile, saved, vars).await)
    }

    /// Send one saved request and check its answer; the values it captures.
    async fn check_one(
        &self,
        profile: &Profile,
        saved: &SavedRequest,
        vars: &[(String, String)],
    ) -> (RunResult, Vec<(String, String)>) {
        let mut result = RunResult {
            folder: saved.folder.clone(),
            name: saved.name.clone(),
            status: None,
            elapsed_ms: 0,
            failures: Vec::new(),
            error: false,
        };
        let answer = match self.send_draft(&profile.name, &saved.request, vars).await {
            Ok(answer) => answer,
            Err(e) => {
                result.failures.push(e.to_string());
                result.error = true;
                return (result, Vec::new());
            }
        };
        result.status = Some(answer.status);
        result.elapsed_ms = answer.elapsed.as_millis().min(u64::MAX as u128) as u64;
        let mut expect = saved.expect.clone().unwrap_or_default();
        expect.status = expect.status.or(Some(ANY_SUCCESS));
        result.failures = expect::check(&expect, &answer)
            .into_iter()
            .map(|f| f.0)
            .collect();
        let taken = match expect::captured(&saved.capture, &answer) {
            Ok(taken) => taken,
            Err(failure) => {
                result.failures.push(failure.0);
                Vec::new()
            }
        };
        (result, taken)
    }

    /// Send each request of the case file at `path` again with `name`'s token and API base, and
    /// say for each whether its status and the shape of its JSON answer are the ones recorded.
    pub async fn run_case(
        &self,
        path: &Path,
        name: &str,
        on_result: &(dyn Fn(&RunResult) + Sync),
    ) -> Result<RunReport, WorkspaceError> {
        let case = super::history::read_case(path)?;
        let target = self.profile(name)?;
        if target.grant != Grant::ApiKey {
            self.token(name).await?;
        }
        let mut results = Vec::new();
        for (at, entry) in case.requests.iter().enumerate() {
            let original = case.profiles.iter().find(|p| p.name == entry.profile);
            let request = entry.to_request_for(original, &target);
            let answer = self.send_and_record(&target, &request).await;
            let result = compared(entry, answer);
            on_result(&result);
            results.push((at, result));
        }
        Ok(RunReport::of(results))
    }
}

/// A case's request: its answer now against the one recorded.
fn compared(
    entry: &crate::store::history::Entry,
    answer: Result<ApiResponse, WorkspaceError>,
) -> RunResult {
    let path = url::Url::parse(&entry.url).map_or(entry.url.clone(), |u| u.path().to_string());
    let mut result = RunResult {
        folder: None,
        name: format!("#{} {} {path}", entry.id, entry.method),
        status: None,
        elapsed_ms: 0,
        failures: Vec::new(),
        error: false,
    };
    match answer {
        Ok(answer) => {
            result.status = Some(answer.status);
            result.elapsed_ms = answer.elapsed.as_millis().min(u64::MAX as u128) as u64;
            let recorded = (entry.status, entry.response_body.as_deref());
            result.failures = compare::changes(recorded, (answer.status, &answer.body));
        }
        Err(e) => {
            result.failures.push(e.to_string());
            result.error = true;
        }
    }
    result
}

/// `wanted` names this request (by name or path) or a folder it is in.
fn in_selection(saved: &SavedRequest, wanted: &str) -> bool {
    let wanted = wanted.trim_matches('/');
    let folder = saved.folder.as_deref().unwrap_or_default();
    saved.name == wanted
        || saved.path() == wanted
        || folder == wanted
        || folder.starts_with(&format!("{wanted}/"))
}

/// The requests in runs that may go at once: each ends after a request that captures values.
fn segments(chosen: &[SavedRequest]) -> Vec<Vec<(usize, &SavedRequest)>> {
    let mut segments = vec![Vec::new()];
    for (at, saved) in chosen.iter().enumerate() {
        if let Some(last) = segments.last_mut() {
            last.push((at, saved));
        }
        if !saved.capture.is_empty() {
            segments.push(Vec::new());
        }
    }
    segments.retain(|s| !s.is_empty());
    segments
}
