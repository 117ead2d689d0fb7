//! History and case files: the list, one entry, replay, curl out, retention; a case file
//! exported from chosen entries (never over an existing file unless asked), and imported after
//! its plan was shown (never replacing a profile).

use std::path::{Path, PathBuf};

use super::{CurlCopy, Workspace, WorkspaceError};
use crate::import::case::{CaseFile, ImportPlan};
use crate::profile::Profile;
use crate::request::ApiResponse;
use crate::store::history::{Entry, Filter, Summary};

/// Which entries go into a case file.
pub enum CaseSelection {
    /// The ones a person ticked (the window).
    Ids(Vec<i64>),
    /// The ones a filter finds (the CLI's `case export --profile ... --since ...`).
    Filter(Filter),
}

/// What `export_case` wrote.
#[derive(Debug)]
pub struct CaseExport {
    pub path: PathBuf,
    pub requests: usize,
    pub profiles: usize,
}

impl Workspace {
    /// Newest first, without headers and bodies.
    pub fn history(&self, filter: &Filter) -> Result<Vec<Summary>, WorkspaceError> {
        Ok(self.history_db()?.list(filter)?)
    }

    /// Newest first, whole (redacted as kept).
    pub fn history_entries(&self, filter: &Filter) -> Result<Vec<Entry>, WorkspaceError> {
        Ok(self.history_db()?.entries(filter)?)
    }

    pub fn history_entry(&self, id: i64) -> Result<Entry, WorkspaceError> {
        Ok(self.history_db()?.get(id)?)
    }

    /// Send entry `id` again with the current token of its profile (or `profile`'s: a call made
    /// under its profile's API base moves to that profile's base); kept as a new entry.
    pub async fn replay(
        &self,
        id: i64,
        profile: Option<&str>,
    ) -> Result<ApiResponse, WorkspaceError> {
        let entry = self.history_entry(id)?;
        let target = self.profile(profile.unwrap_or(&entry.profile))?;
        let original = self.profile(&entry.profile).ok();
        let request = entry.to_request_for(original.as_ref(), &target);
        self.send_and_record(&target, &request).await
    }

    /// Entry `id` as curl; the token of its profile goes in only `with_token`.
    pub async fn history_as_curl(
        &self,
        id: i64,
        with_token: bool,
    ) -> Result<CurlCopy, WorkspaceError> {
        let entry = self.history_entry(id)?;
        // The entry's headers already hold the profile's defaults: only the token comes from it.
        let tokens = match with_token {
            true => self.profile(&entry.profile)?,
            false => Profile::default(),
        };
        // Its token scheme (Bearer, or DPoP with a proof) is the profile's.
        let defaults = Profile {
            dpop: self.profile(&entry.profile).is_ok_and(|p| p.dpop),
            ..Profile::default()
        };
        self.as_curl(&defaults, &tokens, &entry.to_request(), with_token)
            .await
    }

    pub fn clear_history(&self) -> Result<(), WorkspaceError> {
        Ok(self.history_db()?.clear()?)
    }

    /// How many entries history keeps (the newest).
    pub fn history_keep(&self) -> Result<u32, WorkspaceError> {
        Ok(self.history_db()?.keep()?)
    }

    /// Keep only the newest `entries` from now on (older ones go now).
    pub fn set_history_keep(&self, entries: u32) -> Result<u32, WorkspaceError> {
        if entries == 0 {
            return Err(WorkspaceError::KeepAtLeastOne);
        }
        let history = self.history_db()?;
        history.set_keep(entries)?;
        Ok(history.keep()?)
    }

    /// Write the selected entries (requests, responses, the shapes of their profiles; never
    /// secrets or tokens) to `path`. An existing file is replaced only with `overwrite`.
    pub fn export_case(
        &self,
        path: &Path,
        selection: CaseSelection,
        overwrite: bool,
    ) -> Result<CaseExport, WorkspaceError> {
        let history = self.history_db()?;
        let entries = match selection {
            CaseSelection::Ids(ids) if ids.is_empty() => {
                return Err(WorkspaceError::NothingToExport)
            }
            CaseSelection::Ids(ids) => ids
                .iter()
                .map(|id| history.get(*id))
                .collect::<Result<Vec<_>, _>>()?,
            CaseSelection::Filter(filter) => history.entries(&filter)?,
        };
        let case = CaseFile::export(&entries, &self.profiles()?);
        let file = |action, source| WorkspaceError::File {
            action,
            path: path.to_path_buf(),
            source,
        };
        let written = match overwrite {
            true => crate::store::file::write_atomically(path, case.to_json().as_bytes())
                .map_err(|e| file("write", std::io::Error::other(e.to_string()))),
            false => std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, case.to_json().as_bytes()))
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => WorkspaceError::FileExists(path.into()),
                    _ => file("write", e),
                }),
        };
        written?;
        Ok(CaseExport {
            path: path.to_path_buf(),
            requests: case.requests.len(),
            profiles: case.profiles.len(),
        })
    }

    /// What importing the case file at `path` would add; nothing changes yet.
    pub fn plan_case_import(&self, path: &Path) -> Result<(CaseFile, ImportPlan), WorkspaceError> {
        let case = read_case(path)?;
        let plan = case.plan(&self.profiles()?)?;
        Ok((case, plan))
    }

    /// Add what the plan shows, planned again under the profiles file's lock (a profile added
    /// meanwhile is not replaced either); requests become saved requests.
    pub fn import_case(&self, path: &Path) -> Result<ImportPlan, WorkspaceError> {
        let case = read_case(path)?;
        let (plan, profiles) = self.profiles.update(|all| {
            let plan = case.plan(all)?;
            plan.add_to(all)?;
            Ok::<_, WorkspaceError>((plan, all.clone()))
        })?;
        for (name, request) in &plan.saved {
            self.saved
                .put(&profiles.get(name)?.keyring_id, request.clone())?;
        }
        Ok(plan)
    }
}

fn read_case(path: &Path) -> Result<CaseFile, WorkspaceError> {
    let text = std::fs::read_to_string(path).map_err(|source| WorkspaceError::File {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(CaseFile::from_json(&text)?)
}
