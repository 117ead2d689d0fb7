//! The workspace: Waybill's operations, one function per thing a person does, for both faces.
//!
//! It owns what one profile directory holds (profiles, saved requests, variables, history) and
//! the session over the keyring. The window's commands and the CLI's handlers only translate
//! their input, call one of these, and word the result or the error (`WorkspaceError::remedy`):
//! if the window can do it, the CLI can, the same way, and both say the same when it fails.
//!
//! - `profiles`: add, edit, duplicate, remove, secrets
//! - `tokens`:   get, renew, inspect, forget, revoke; sign in with a password or the browser
//! - `requests`: send (a draft, a call, a saved request, a pasted curl), preview, curl out,
//!   saved requests, variables
//! - `history`:  the list, an entry, replay, retention, case files
//! - `imports`:  OpenAPI specs (and, to come, collections) into a profile and saved requests
//!
//! Several Waybills may share one directory and keyring at once (the window and scripts): the
//! files are changed under OS locks and token renewal is single-flight across processes.

mod error;
mod history;
mod imports;
mod profiles;
mod requests;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use error::{Remedy, WorkspaceError};
pub use history::{CaseExport, CaseSelection};
pub use imports::{ImportOptions, ImportPlan};
pub use profiles::Secrets;
pub use requests::{CurlCopy, Preview};
pub use tokens::{SignInStarted, SignedIn};

use crate::clock::SystemClock;
use crate::net::Net;
use crate::profile::Profile;
use crate::session::Session;
use crate::store::history::History;
use crate::store::profiles::{ProfileStore, Profiles};
use crate::store::saved::SavedRequests;
use crate::store::variables::VariableStore;
use crate::store::vault::Vault;

/// Where a workspace keeps things, and how it reaches the network and the keyring.
pub struct Options {
    /// The profile directory: profiles, saved requests, variables, and the renewal locks.
    pub dir: PathBuf,
    /// Where `history.sqlite3` lives; `None`: history is not kept (said when asked for).
    pub history_dir: Option<PathBuf>,
    pub vault: Vault,
    pub net: Net,
}

pub struct Workspace {
    profiles: ProfileStore,
    saved: SavedRequests,
    variables: VariableStore,
    history_dir: Option<PathBuf>,
    /// Opened on first use: most commands never touch it.
    history: OnceLock<Result<History, String>>,
    session: Session,
    sign_ins: tokens::SignIns,
}

impl Workspace {
    pub fn open(options: Options) -> Workspace {
        let shared = options.vault.is_persistent();
        let mut session = Session::new(options.vault, options.net, Arc::new(SystemClock));
        // Secrets in memory are this process's own: no other Waybill renews its tokens.
        if shared {
            session = session.with_lock_dir(&options.dir);
        }
        Workspace {
            profiles: ProfileStore::new(&options.dir),
            saved: SavedRequests::in_dir(&options.dir),
            variables: VariableStore::in_dir(&options.dir),
            history_dir: options.history_dir,
            history: OnceLock::new(),
            session,
            sign_ins: tokens::SignIns::default(),
        }
    }

    /// The user's workspace: `WAYBILL_HOME` (or the OS config and data directories), secrets in
    /// the OS keyring, or in memory for this run only with `session_only`.
    pub fn open_default(
        session_only: bool,
        timeout: Duration,
    ) -> Result<Workspace, WorkspaceError> {
        Ok(Workspace::open(Options {
            dir: crate::store::default_dir()?,
            history_dir: History::default_dir(),
            vault: match session_only {
                true => Vault::in_memory(),
                false => Vault::keyring(),
            },
            net: Net::new(timeout),
        }))
    }

    /// The profile directory.
    pub fn dir(&self) -> &Path {
        self.profiles.dir()
    }

    pub fn profiles_path(&self) -> &Path {
        self.profiles.path()
    }

    /// Every profile, in the order they were added.
    pub fn profiles(&self) -> Result<Profiles, WorkspaceError> {
        Ok(self.profiles.load()?)
    }

    pub fn profile(&self, name: &str) -> Result<Profile, WorkspaceError> {
        Ok(self.profiles.load()?.get(name)?.clone())
    }

    /// Changes whenever another Waybill (or this one) changes the profiles, saved requests or
    /// variables, so a window can pick them up without a restart by asking now and then.
    pub fn revision(&self) -> String {
        let stamp = |path: &Path| {
            std::fs::metadata(path)
                .and_then(|m| Ok((m.modified()?, m.len())))
                .map(|(at, len)| {
                    let nanos = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                    format!("{}.{}:{len}", nanos.as_secs(), nanos.subsec_nanos())
                })
                .unwrap_or_default()
        };
        let dir = self.dir();
        [
            crate::store::profiles::FILE_NAME,
            crate::store::saved::FILE_NAME,
            crate::store::variables::FILE_NAME,
        ]
        .map(|file| stamp(&dir.join(file)))
        .join("/")
    }

    fn history_db(&self) -> Result<&History, WorkspaceError> {
        let opened = self.history.get_or_init(|| match &self.history_dir {
            None => Err("no data directory could be found for this user; set WAYBILL_HOME".into()),
            Some(dir) => History::open(dir).map_err(|e| e.to_string()),
        });
        opened
            .as_ref()
            .map_err(|reason| WorkspaceError::NoHistory(reason.clone()))
    }
}
