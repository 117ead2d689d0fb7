//! Importing a spec or collection: `plan_import` reads the file and says what it would do (the
//! profile it creates or reuses, the requests by folder, the variables, what it could not map);
//! `import` does it, planned again under the profiles file's lock. The planning is
//! `import::plan`'s: a profile is never replaced, a new one whose name is taken comes in as
//! `name-2`.

use std::path::Path;

use super::{Workspace, WorkspaceError};
use crate::import::collection::FoundSecrets;
pub use crate::import::plan::ImportPlan;
use crate::import::{self, plan, Imported};
use crate::profile::Profile;

/// Where the requests go.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Their profile: reused when it exists, else created under this name.
    pub profile: Option<String>,
    /// The spec's production server rather than its first.
    pub live: bool,
    /// A Postman environment file whose variables the collection uses.
    pub environment: Option<std::path::PathBuf>,
}

impl Workspace {
    /// Read `path` and say what importing it would do; nothing changes (an OpenID Connect
    /// issuer is asked for its endpoints).
    pub async fn plan_import(
        &self,
        path: &Path,
        options: &ImportOptions,
    ) -> Result<ImportPlan, WorkspaceError> {
        let imported = self.read_import(path, options).await?;
        plan::imported(&imported, options.profile.as_deref(), &self.profiles()?)
    }

    /// The file mapped, its profile's endpoints discovered when it names an issuer.
    async fn read_import(
        &self,
        path: &Path,
        options: &ImportOptions,
    ) -> Result<Imported, WorkspaceError> {
        let mut imported = import::import_file(path, options.live, options.environment.as_deref())?;
        // Only a profile that will be created needs its issuer's endpoints.
        let reused = || {
            options
                .profile
                .as_deref()
                .is_some_and(|p| self.profile(p).is_ok())
        };
        if let Some(new) = imported.profile.take() {
            imported.profile = Some(match new.issuer.is_some() && !reused() {
                true => self.discover(new, None, &Default::default(), None).await?,
                false => new,
            });
        }
        Ok(imported)
    }

    /// Import `path`: the profile created (the secrets the file holds going to its keyring
    /// entries first) or reused (its secrets left as they are), the requests saved to it, and
    /// variables the file gives values for set where none of that name exists.
    pub async fn import(
        &self,
        path: &Path,
        options: &ImportOptions,
    ) -> Result<ImportPlan, WorkspaceError> {
        let imported = self.read_import(path, options).await?;
        let wanted = options.profile.as_deref();
        // As with `add_profile`: a new profile's secrets go to the keyring before the profile is
        // written, so a kill between leaves entries `keyring tidy` finds, never a profile
        // without the secret the file gave.
        let _making = self.making_profile().await?;
        let first = plan::imported::<WorkspaceError>(&imported, wanted, &self.profiles()?)?;
        if let Some(new) = &first.add {
            self.keep_found_secrets(new, &imported.secrets).await?;
        }
        let added = self.profiles.update(|all| {
            let mut plan = plan::imported::<WorkspaceError>(&imported, wanted, all)?;
            // Planned again under the lock (a name taken meanwhile); the secrets' id stays.
            if let (Some(add), Some(new)) = (&mut plan.add, &first.add) {
                add.keyring_id = new.keyring_id.clone();
            }
            plan.add_to(all)?;
            let profile = all.get(&plan.profile.name)?.clone();
            Ok::<_, WorkspaceError>((plan, profile))
        });
        let kept_for_nothing = match &added {
            Ok((plan, _)) => plan.add.is_none(),
            Err(_) => true,
        };
        if let (Some(new), true) = (&first.add, kept_for_nothing) {
            self.session.vault().forget_all(&new.keyring_id).await?;
        }
        let (plan, profile) = added?;
        for saved in &imported.requests {
            self.saved.put(&profile.keyring_id, saved.clone())?;
        }
        let defined = self.variables.load()?;
        for variable in &plan.variables {
            if !variable.value.is_empty() && defined.table(None).get(&variable.name).is_none() {
                self.variables.set(&variable.name, &variable.value, None)?;
            }
        }
        Ok(plan)
    }

    /// A file's client secret, password and refresh token, into the new profile's keyring
    /// entries (the password only when the profile remembers it).
    async fn keep_found_secrets(
        &self,
        profile: &Profile,
        found: &FoundSecrets,
    ) -> Result<(), WorkspaceError> {
        let vault = self.session.vault();
        let id = &profile.keyring_id;
        if let Some(secret) = &found.client_secret {
            vault.set_client_secret(id, secret).await?;
        }
        if let (Some(password), true) = (&found.password, profile.remember_password) {
            vault.set_password(id, password).await?;
        }
        if let Some(refresh) = &found.refresh_token {
            self.session.adopt_refresh_token(profile, refresh).await?;
        }
        Ok(())
    }
}
