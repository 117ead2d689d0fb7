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
//! - `doctor`:   a profile checked step by step, for a person or a ticket
//! - `runs`:     saved requests run as checks (expectations, captures), a case replayed and
//!   compared
//! - `timeline`: the hops of each profile's last sign-in, and failures diagnosed from them
//!
//! Several Waybills may share one directory and keyring at once (the window and scripts): the
//! files are changed under OS locks and token renewal is single-flight across processes.

mod connect;
mod doctor;
mod error;
mod history;
mod imports;
mod keyring;
mod profiles;
mod requests;
mod runs;
mod timeline;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use connect::Connect;
pub use doctor::{DoctorReport, Outcome as DoctorOutcome, Step as DoctorStep};
pub use error::{Remedy, WorkspaceError};
pub use history::{CaseExport, CaseSelection};
pub use imports::{ImportOptions, ImportPlan};
pub use profiles::{ProfileFiles, Secrets};
pub use requests::{Connection, CurlCopy, Preview};
pub use runs::{RunOptions, RunReport, RunResult};
pub use timeline::Timeline;
pub use tokens::{SignInStarted, SignedIn};

// What the faces use of the floors below, named here: they reach the core only through the
// workspace (a test in core/tests/architecture.rs holds them to it).
pub use crate::auth::grant::DeviceCode;
pub use crate::auth::jwt::SignatureCheck;
pub use crate::auth::key::KeyError;
pub use crate::auth::sign_in::DEFAULT_TIMEOUT as SIGN_IN_TIMEOUT;
pub use crate::auth::token::{TokenMeta, TokenSource};
pub use crate::import::case::CaseFile;
pub use crate::import::plan::CasePlan;
pub use crate::net::tls::{describe_certificates, PemError};
pub use crate::net::trace::{actor as hop_actor, Hop, Message as HopMessage, Trace};
pub use crate::profile::new::{NewProfile, NewProfileError};
pub use crate::profile::preset::{
    check_file as check_preset_file, Check, Input, InputTarget, Preset, PresetEnvironment,
    PresetError, Presets, ProviderKind,
};
pub use crate::profile::{
    BasicEncoding, ClientAuth, Environment, Grant, Need, Profile, ProfileError, SecretsNeeded,
};
pub use crate::request::curl::{parse_curl, CurlError, CurlRequest};
pub use crate::request::expect::{
    Capture, Expect, ExpectedStatus, Failure as ExpectationFailure, JsonCheck, JsonTest,
};
pub use crate::request::{
    parse_header, ApiRequest, ApiResponse, DraftBody, RequestDraft, RequestError,
};
pub use crate::secret::{ApiKey, ClientSecret, Password, RefreshToken};
pub use crate::session::diagnose::Diagnosis;
pub use crate::session::{ProviderCheck, Token, TokenState, TokenStatus};
pub use crate::store::history::{
    Entry, Filter, HistoryError, Page as HistoryPage, Summary, BODY_CAP,
};
pub use crate::store::profiles::Profiles;
pub use crate::store::saved::SavedRequest;
pub use crate::store::variables::{UserVariables, VariableError};
pub use keyring::Orphan;

use crate::clock::SystemClock;
use crate::net::Net;
use crate::session::Session;
use crate::store::history::History;
use crate::store::homes::Homes;
use crate::store::profiles::ProfileStore;
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
    /// Where the homes sharing the OS keyring are noted (`None`: secrets in memory).
    pub homes: Option<Homes>,
}

pub struct Workspace {
    profiles: ProfileStore,
    saved: SavedRequests,
    variables: VariableStore,
    history_dir: Option<PathBuf>,
    /// Opened on first use: most commands never touch it.
    history: OnceLock<Result<History, String>>,
    session: Session,
    homes: Option<Homes>,
    sign_ins: tokens::SignIns,
    timelines: timeline::Timelines,
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
            homes: options.homes,
            sign_ins: tokens::SignIns::default(),
            timelines: Default::default(),
        }
    }

    /// The user's workspace: `home` (profiles, saved requests, variables and history in one
    /// folder, a team's repository say) or the OS config and data directories; secrets in the OS
    /// keyring, or in memory for this run only with `session_only`.
    pub fn open_default(
        home: Option<&Path>,
        session_only: bool,
        timeout: Duration,
    ) -> Result<Workspace, WorkspaceError> {
        let (dir, history_dir) = match home {
            Some(home) => (home.to_path_buf(), Some(home.to_path_buf())),
            None => (crate::store::default_dir()?, History::default_dir()),
        };
        let homes = match session_only {
            true => None,
            false => Homes::default_dir().map(|data| Homes::in_dir(&data)),
        };
        if let Some(homes) = &homes {
            // Unnoted, this home's secrets would look like no one's to `keyring tidy`: say so.
            if let Err(e) = homes.register(&dir) {
                tracing::warn!("{e}; `waybill keyring tidy` will not know this folder's profiles");
            }
        }
        Ok(Workspace::open(Options {
            dir,
            history_dir,
            vault: match session_only {
                true => Vault::in_memory(),
                false => Vault::keyring(),
            },
            net: Net::new(timeout),
            homes,
        }))
    }

    /// A workspace in `dir` (history too) with secrets in memory, gone with the process: the
    /// demo's, and anything else that must leave no trace.
    pub fn open_scratch(dir: &Path, timeout: Duration) -> Workspace {
        Workspace::open(Options {
            dir: dir.to_path_buf(),
            history_dir: Some(dir.to_path_buf()),
            vault: Vault::in_memory(),
            net: Net::new(timeout),
            homes: None,
        })
    }

    /// The provider presets: the built-in ones and the team's own in `presets/` beside the
    /// profiles (read each time, so a file added while the window runs is there).
    pub fn presets(&self) -> Presets {
        Presets::with_folder(&self.dir().join("presets"))
    }

    pub fn preset(&self, id: &str) -> Result<Preset, WorkspaceError> {
        Ok(self.presets().get(id)?.clone())
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

    /// History, with the entries kept before it knew profiles' identities tied to them.
    fn open_history(&self, dir: &Path) -> Result<History, WorkspaceError> {
        let history = History::open(dir)?;
        let profiles = self.profiles.load().unwrap_or_default();
        let known: Vec<(&str, &str)> = profiles
            .iter()
            .map(|p| (p.name.as_str(), p.keyring_id.as_str()))
            .collect();
        history.adopt_profile_ids(&known)?;
        Ok(history)
    }

    fn history_db(&self) -> Result<&History, WorkspaceError> {
        let opened = self.history.get_or_init(|| match &self.history_dir {
            None => Err("no data directory could be found for this user; pass --home DIR (or set WAYBILL_HOME)".into()),
            Some(dir) => self.open_history(dir).map_err(|e| e.to_string()),
        });
        opened
            .as_ref()
            .map_err(|reason| WorkspaceError::NoHistory(reason.clone()))
    }
}
