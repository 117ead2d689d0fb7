//! Importing a spec or collection: `plan_import` reads the file and says what it would do (the
//! profile it creates or reuses, the requests by folder, the variables, what it could not map);
//! `import` does it, planned again under the profiles file's lock. A profile is never replaced:
//! a new one whose name is taken comes in as `name-2`.

use std::path::Path;

use serde::Serialize;

use super::{Workspace, WorkspaceError};
use crate::import::collection::FoundSecrets;
use crate::import::{self, ImportError, Imported, Skipped};
use crate::profile::{ClientAuth, Grant, Profile, MAX_NAME};
use crate::store::profiles::Profiles;

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

/// What an import does (or would do). The `--json` of `waybill import`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPlan {
    /// What was read: `OpenAPI 3.0.3 (YAML)`.
    pub format: String,
    pub title: String,
    pub profile: PlannedProfile,
    pub requests: Vec<PlannedRequest>,
    /// `{{name}}`s the requests use; `value` is what the file gives (set as a shared variable
    /// when none of that name exists).
    pub variables: Vec<PlannedVariable>,
    /// The file's other servers (`--env live` picks its production one).
    pub other_servers: Vec<String>,
    /// Secrets the file holds, by what they are (their values go to the keyring, never shown).
    pub secrets: Vec<String>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedProfile {
    pub name: String,
    /// `create` or `reuse`.
    #[cfg_attr(feature = "ts", ts(type = "\"create\" | \"reuse\""))]
    pub action: &'static str,
    /// The name the file's title gave, when another profile has it.
    pub renamed_from: Option<String>,
    pub grant: Option<Grant>,
    /// The OpenID Connect issuer its endpoints were discovered from.
    pub issuer: Option<String>,
    pub token_url: Option<String>,
    pub authorize_url: Option<String>,
    pub client_auth: Option<ClientAuth>,
    pub scope: Option<String>,
    pub api_base: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedRequest {
    pub folder: Option<String>,
    pub name: String,
    pub method: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedVariable {
    pub name: String,
    pub value: String,
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
        plan(&imported, options, &self.profiles()?).map(|(plan, _)| plan)
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
    /// entries) or reused (its secrets left as they are), the requests saved to it, and
    /// variables the file gives values for set where none of that name exists.
    pub async fn import(
        &self,
        path: &Path,
        options: &ImportOptions,
    ) -> Result<ImportPlan, WorkspaceError> {
        let imported = self.read_import(path, options).await?;
        let (plan, profile) = self.profiles.update(|all| {
            let (plan, new) = plan(&imported, options, all)?;
            if let Some(new) = &new {
                all.add(new.clone())?;
            }
            let profile = all.get(&plan.profile.name)?.clone();
            Ok::<_, WorkspaceError>((plan, profile))
        })?;
        if plan.profile.action == "create" {
            self.keep_found_secrets(&profile, &imported.secrets).await?;
        }
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

/// The plan against the profiles there are, and the profile to add (if one is created).
fn plan(
    imported: &Imported,
    options: &ImportOptions,
    profiles: &Profiles,
) -> Result<(ImportPlan, Option<Profile>), WorkspaceError> {
    let reuse = options
        .profile
        .as_deref()
        .and_then(|name| profiles.get(name).ok());
    let (planned, new) = match reuse {
        Some(existing) => (
            PlannedProfile {
                name: existing.name.clone(),
                action: "reuse",
                renamed_from: None,
                grant: Some(existing.grant),
                issuer: existing.issuer.clone(),
                token_url: existing.token_url.clone(),
                authorize_url: existing.authorize_url.clone(),
                client_auth: Some(existing.client_auth),
                scope: existing.scope.clone(),
                api_base: existing.api_base.clone(),
            },
            None,
        ),
        None => {
            let skipped = || {
                let schemes: Vec<&str> = imported
                    .skipped
                    .iter()
                    .filter(|s| {
                        s.item.starts_with("security scheme") || s.item == "OAuth 2.0 settings"
                    })
                    .map(|s| match s.item == "OAuth 2.0 settings" {
                        true => s.reason.as_str(),
                        false => s.item.as_str(),
                    })
                    .collect();
                match schemes.is_empty() {
                    true => "it names none".to_string(),
                    false => schemes.join(", "),
                }
            };
            let mut new = imported
                .profile
                .clone()
                .ok_or_else(|| ImportError::NoOAuth(skipped()))?;
            let wanted = options
                .profile
                .clone()
                .unwrap_or_else(|| name_from_title(&imported.title));
            let name = free_name(&wanted, profiles);
            new.name = name.clone();
            let profile = new.build()?;
            (
                PlannedProfile {
                    name: name.clone(),
                    action: "create",
                    renamed_from: (name != wanted).then_some(wanted),
                    grant: Some(profile.grant),
                    issuer: profile.issuer.clone(),
                    token_url: profile.token_url.clone(),
                    authorize_url: profile.authorize_url.clone(),
                    client_auth: Some(profile.client_auth),
                    scope: profile.scope.clone(),
                    api_base: profile.api_base.clone(),
                },
                Some(profile),
            )
        }
    };
    let plan = ImportPlan {
        format: imported.format.clone(),
        title: imported.title.clone(),
        profile: planned,
        requests: imported
            .requests
            .iter()
            .map(|r| PlannedRequest {
                folder: r.folder.clone(),
                name: r.name.clone(),
                method: r.request.method.clone(),
                url: r.request.url.clone(),
            })
            .collect(),
        variables: imported
            .variables
            .iter()
            .map(|(name, value)| PlannedVariable {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        other_servers: imported.other_servers.clone(),
        secrets: match &reuse {
            // A profile's own secrets are not replaced by a file's.
            Some(_) => Vec::new(),
            None => imported.secrets.kinds(),
        },
        skipped: imported.skipped.clone(),
    };
    Ok((plan, new))
}

/// A profile name from a title: `Time In Transit` -> `time-in-transit`.
fn name_from_title(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars() {
        match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '.') => name.push(c),
            _ if !name.ends_with('-') => name.push('-'),
            _ => {}
        }
    }
    let name: String = name
        .trim_matches(['-', '.'])
        .chars()
        .take(MAX_NAME - 4)
        .collect();
    match name.trim_end_matches('-') {
        "" => "imported".into(),
        name => name.into(),
    }
}

/// `wanted`, or `wanted-2`, `wanted-3`... when taken.
fn free_name(wanted: &str, profiles: &Profiles) -> String {
    let mut name = wanted.to_string();
    let mut n = 1;
    while profiles.contains(&name) {
        n += 1;
        name = format!("{wanted}-{n}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_profile_names() {
        assert_eq!(name_from_title("Time In Transit"), "time-in-transit");
        assert_eq!(
            name_from_title("  PayPal: Shipping (v1) "),
            "paypal-shipping-v1"
        );
        assert_eq!(name_from_title("Ünïcode ☃"), "n-code");
        assert_eq!(name_from_title("☃"), "imported");
        assert!(name_from_title(&"x".repeat(500)).len() <= MAX_NAME - 4);
    }
}
