//! What Waybill keeps, and the guarantees it keeps it with.
//!
//! - `profiles`, `saved`, `variables`: TOML files in one directory (`WAYBILL_HOME`, else the OS
//!   config directory), through `file`: versioned, written atomically, changed only under an OS
//!   lock with a fresh read inside it, an unreadable file moved aside and reported. Several
//!   Waybills (the window and scripts) share them, and nothing is lost when they write at once.
//! - `history`: SQLite, redacted (`crate::redact`) before anything is written.
//! - `vault`: secrets and tokens, in the OS keyring only, beneath it in `keyring/`: the Secret
//!   Service on Linux, the Keychain or the Credential Manager elsewhere.
//! - `homes`: the folders whose profiles keep secrets in the user's keyring, for tidying it.
//! - `lock`: the OS file locks the above and the session's cross-process renewal take.

pub mod file;
pub mod history;
pub mod homes;
pub mod keyring;
pub mod lock;
pub mod profiles;
pub mod saved;
pub mod variables;
pub mod vault;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no config directory could be found for this user; pass --home DIR (or set WAYBILL_HOME)"
    )]
    NoHome,
    #[error("{path} could not be read ({detail}); it was moved to {backup} and Waybill starts without it. Fix that file and move it back, or add what it held again")]
    Corrupt {
        path: PathBuf,
        backup: PathBuf,
        detail: String,
    },
    #[error("{path} was written by a newer Waybill (format {found}, this one reads {supported}); upgrade Waybill")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The temporary file the change went to could not be written: the file itself is untouched.
    #[error("could not save {path}: the disk is full; it is as it was before, so free some space and try again")]
    Full { path: PathBuf },
    /// A write that could not be read back was refused (a defect upstream: callers validate).
    #[error("refused to write {path}: {detail}")]
    Unloadable { path: PathBuf, detail: String },
    #[error("there is no profile named {0:?} (see `waybill profile list`)")]
    NotFound(String),
    #[error("a profile named {0:?} exists already; remove it first or pick another name")]
    Exists(String),
}

/// The OS config directory (`~/.config/waybill` on Linux), where profiles live unless the person
/// names a home (`--home`, `WAYBILL_HOME`).
pub fn default_dir() -> Result<PathBuf, StoreError> {
    directories::ProjectDirs::from("", "", "waybill")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or(StoreError::NoHome)
}
