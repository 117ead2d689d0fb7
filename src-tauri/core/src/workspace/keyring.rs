//! The keyring's entries that no profile owns: left by a Waybill killed between writing a
//! profile's secrets and writing the profile, by a home folder deleted, by older versions. Listed
//! by keyring id and kind, never by value, and removed only when asked.

use serde::Serialize;

use super::{Workspace, WorkspaceError};
use crate::store::profiles::ProfileStore;

/// One keyring entry that no profile of any home owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Orphan {
    /// The profile it was for (its keyring id: the name it had, and a random suffix).
    pub keyring_id: String,
    /// What it held: `client_secret`, `access_token`, ... (a newer Waybill's kinds as named).
    pub kind: String,
}

impl Workspace {
    /// The entries of Waybill's keyring service that no profile owns, in any home that shares
    /// this keyring (`store::homes`).
    pub async fn keyring_orphans(&self) -> Result<Vec<Orphan>, WorkspaceError> {
        self.orphans(false).await
    }

    /// Whether the OS keyring answers now (the window asks every few seconds, to say when it
    /// went away and when it is back). Memory always does.
    pub async fn check_keyring(&self) -> Result<(), WorkspaceError> {
        Ok(self.session.vault().reachable().await?)
    }

    /// Remove them; returns what was removed.
    pub async fn tidy_keyring(&self) -> Result<Vec<Orphan>, WorkspaceError> {
        self.orphans(true).await
    }

    async fn orphans(&self, remove: bool) -> Result<Vec<Orphan>, WorkspaceError> {
        let homes = self.homes.as_ref().ok_or(WorkspaceError::NoKeyring)?;
        // No profile is half made (its secrets kept, itself not yet) while this holds.
        let _tidying = homes.tidying().await?;
        let mut owned = std::collections::HashSet::new();
        let mut gone = Vec::new();
        let mut folders = homes.list()?;
        folders.push(self.dir().to_path_buf());
        for home in folders {
            if !home.is_dir() {
                gone.push(home);
                continue;
            }
            // A profiles file that cannot be read stops the tidying: its secrets are not orphans.
            let profiles = ProfileStore::new(&home).load()?;
            owned.extend(profiles.iter().map(|p| p.keyring_id.clone()));
        }
        let vault = self.session.vault();
        let orphans: Vec<Orphan> = (vault.entries().await?.into_iter())
            .filter(|entry| entry.orphaned || !owned.contains(&entry.keyring_id))
            .map(|entry| Orphan {
                keyring_id: entry.keyring_id,
                kind: entry.kind_name,
            })
            .collect();
        if remove {
            homes.forget(&gone)?;
            for orphan in &orphans {
                vault.forget_entry(&orphan.keyring_id, &orphan.kind).await?;
            }
        }
        Ok(orphans)
    }
}

impl Workspace {
    /// Held from a new profile's first secret until the profile is in its file, so tidying never
    /// takes those secrets for orphans (`store::homes`). Memory needs no tidying.
    pub(super) async fn making_profile(
        &self,
    ) -> Result<Option<crate::store::lock::FileLock>, WorkspaceError> {
        match &self.homes {
            Some(homes) => Ok(Some(homes.making_profile().await?)),
            None => Ok(None),
        }
    }
}
