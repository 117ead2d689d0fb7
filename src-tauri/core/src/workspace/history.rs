//! History and case files: the list, one entry, replay, curl out, retention; a case file
//! exported from chosen entries (never over an existing file unless asked), and imported after
//! its plan was shown (never replacing a profile).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{CurlCopy, Workspace, WorkspaceError};
use crate::import::case::CaseFile;
use crate::import::plan::{self, CasePlan};
use crate::profile::{template, Profile};
use crate::request::ApiResponse;
use crate::store::history::{Entry, Filter, Page, Summary};

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
    /// Newest first, without headers and bodies; each under its profile's current name.
    pub fn history(&self, filter: &Filter) -> Result<Vec<Summary>, WorkspaceError> {
        let mut found = self.history_db()?.list(&self.by_identity(filter))?;
        let names = self.current_names();
        for entry in &mut found {
            rename(&names, entry.profile_id.as_deref(), &mut entry.profile);
        }
        Ok(found)
    }

    /// A page of the list (newest first, each under its profile's current name), with how many
    /// entries the filter finds and how many there are.
    pub fn history_page(&self, filter: &Filter) -> Result<Page, WorkspaceError> {
        let mut page = self.history_db()?.page(&self.by_identity(filter))?;
        let names = self.current_names();
        for entry in &mut page.rows {
            rename(&names, entry.profile_id.as_deref(), &mut entry.profile);
        }
        Ok(page)
    }

    /// Newest first, whole (redacted as kept).
    pub fn history_entries(&self, filter: &Filter) -> Result<Vec<Entry>, WorkspaceError> {
        let mut found = self.history_db()?.entries(&self.by_identity(filter))?;
        let names = self.current_names();
        for entry in &mut found {
            rename(&names, entry.profile_id.as_deref(), &mut entry.profile);
        }
        Ok(found)
    }

    pub fn history_entry(&self, id: i64) -> Result<Entry, WorkspaceError> {
        let mut entry = self.history_db()?.get(id)?;
        rename(
            &self.current_names(),
            entry.profile_id.as_deref(),
            &mut entry.profile,
        );
        Ok(entry)
    }

    /// A filter by profile name finds what that profile sent under any of its names.
    fn by_identity(&self, filter: &Filter) -> Filter {
        let id = (filter.profile.as_deref())
            .and_then(|name| self.profile(name).ok())
            .map(|p| p.keyring_id);
        Filter {
            profile_id: id,
            ..filter.clone()
        }
    }

    /// Keyring id -> the name the profile has now.
    fn current_names(&self) -> HashMap<String, String> {
        let profiles = self.profiles.load().unwrap_or_default();
        profiles
            .iter()
            .map(|p| (p.keyring_id.clone(), p.name.clone()))
            .collect()
    }

    /// Send entry `id` again with the current token of its profile (or `profile`'s: a call made
    /// under its profile's API base moves to that profile's base); kept as a new entry.
    pub async fn replay(
        &self,
        id: i64,
        profile: Option<&str>,
    ) -> Result<ApiResponse, WorkspaceError> {
        let entry = self.history_entry(id)?;
        // The entry's name is its profile's current one (see `history_entry`).
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
        // The entry's headers already hold the profile's defaults, less those that carried a
        // credential (kept redacted, so not sent again as they are): those and the credential's
        // own header come from the profile, in the header and scheme the profile sends them in.
        let profile = match with_token {
            true => Some(self.profile(&entry.profile)?),
            false => self.profile(&entry.profile).ok(),
        };
        let tokens = match with_token {
            true => profile.clone().unwrap_or_default(),
            false => Profile::default(),
        };
        let profile = profile.unwrap_or_default();
        let defaults = Profile {
            headers: (profile.headers.iter())
                .filter(|(_, value)| template::has_credential(value))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            ..profile
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
    pub fn plan_case_import(&self, path: &Path) -> Result<(CaseFile, CasePlan), WorkspaceError> {
        let case = read_case(path)?;
        let plan = plan::case(&case, &self.profiles()?)?;
        Ok((case, plan))
    }

    /// Add what the plan shows, planned again under the profiles file's lock (a profile added
    /// meanwhile is not replaced either); requests become saved requests.
    pub fn import_case(&self, path: &Path) -> Result<CasePlan, WorkspaceError> {
        let case = read_case(path)?;
        let (plan, profiles) = self.profiles.update(|all| {
            let plan = plan::case(&case, all)?;
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

/// An entry's profile under its current name, when it still exists.
fn rename(names: &HashMap<String, String>, id: Option<&str>, profile: &mut String) {
    if let Some(name) = id.and_then(|id| names.get(id)) {
        profile.clone_from(name);
    }
}

pub(super) fn read_case(path: &Path) -> Result<CaseFile, WorkspaceError> {
    let text = std::fs::read_to_string(path).map_err(|source| WorkspaceError::File {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(CaseFile::from_json(&text)?)
}
