//! Profiles: add, edit, duplicate, remove, and the secrets that go with them.
//!
//! Secrets go to the keyring before the profile is written, so a profile whose secret could not
//! be kept never appears. Every change of `profiles.toml` re-reads it under its lock, so adds and
//! edits from several Waybills at once are all kept.

use super::{Workspace, WorkspaceError};
use crate::profile::new::NewProfile;
use crate::profile::{validate_name, Grant, Profile};
use crate::secret::{ClientSecret, Password, RefreshToken};
use crate::store::StoreError;

/// Secrets typed or piped in for a profile: each goes straight to the keyring.
#[derive(Debug, Default)]
pub struct Secrets {
    pub client_secret: Option<ClientSecret>,
    /// Kept only when the profile remembers its password.
    pub password: Option<Password>,
    /// A refresh token to start from (`refresh_token` grant).
    pub refresh_token: Option<RefreshToken>,
    /// Forget the stored client secret: a public client from now on.
    pub forget_client_secret: bool,
}

impl Workspace {
    /// Add a profile described by `new` (endpoints discovered from its issuer, if any).
    ///
    /// A client-credentials profile needs a client secret. Browser grants are public clients
    /// (RFC 8252) unless a secret is given.
    pub async fn add_profile(
        &self,
        new: NewProfile,
        secrets: Secrets,
    ) -> Result<Profile, WorkspaceError> {
        validate_name(&new.name)?;
        if self.profiles.load()?.contains(&new.name) {
            return Err(StoreError::Exists(new.name).into());
        }
        let profile = self.discover(new, None).await?.build()?;
        if profile.grant == Grant::ClientCredentials && secrets.client_secret.is_none() {
            return Err(WorkspaceError::NeedsClientSecret(profile.name));
        }
        self.put_secrets(&profile, &secrets).await?;
        let added = self.profiles.update(|all| all.add(profile.clone()));
        if let Err(e) = added {
            // Another Waybill took the name meanwhile: its keyring entries are not ours to keep.
            self.session.vault().forget_all(&profile.keyring_id).await?;
            return Err(e.into());
        }
        if let Some(refresh) = &secrets.refresh_token {
            self.session.adopt_refresh_token(&profile, refresh).await?;
        }
        Ok(profile)
    }

    /// Edit profile `name`: the fields the person changed from `before` to `after` are applied to
    /// the profile as it is now (another Waybill may have changed others meanwhile). Its keyring
    /// entries stay; a secret is replaced only when given. Tokens are forgotten when what decides
    /// them changed (client, URLs, scope).
    pub async fn edit_profile(
        &self,
        name: &str,
        before: NewProfile,
        after: NewProfile,
        secrets: Secrets,
    ) -> Result<Profile, WorkspaceError> {
        let after = self.discover(after, Some(&before)).await?;
        let (old, profile) = self.profiles.update(|all| {
            let old = all.get(name)?.clone();
            let merged = NewProfile::merge(&NewProfile::describe(&old), &before, &after);
            let profile = Profile {
                keyring_id: old.keyring_id.clone(),
                ..merged.build()?
            };
            all.replace(name, profile.clone())?;
            Ok::<_, WorkspaceError>((old, profile))
        })?;
        let vault = self.session.vault();
        if old.remember_password && !profile.remember_password {
            vault.forget_password(&profile.keyring_id).await?;
        }
        self.put_secrets(&profile, &secrets).await?;
        if let Some(refresh) = &secrets.refresh_token {
            self.session.adopt_refresh_token(&profile, refresh).await?;
        } else if token_shape(&old) != token_shape(&profile)
            || secrets.client_secret.is_some()
            || secrets.forget_client_secret
        {
            self.session.forget(&profile).await?;
        }
        Ok(profile)
    }

    /// A copy under `new_name` with its own keyring entries (the client secret and a remembered
    /// password copied; tokens not) and the same saved requests.
    pub async fn duplicate_profile(
        &self,
        name: &str,
        new_name: &str,
    ) -> Result<Profile, WorkspaceError> {
        let original = self.profile(name)?;
        let copy = Profile {
            name: new_name.trim().to_string(),
            keyring_id: crate::profile::new::new_keyring_id(new_name.trim()),
            ..original.clone()
        };
        copy.validate()?;
        let vault = self.session.vault();
        let (from, to) = (&original.keyring_id, &copy.keyring_id);
        if let Some(secret) = vault.client_secret(from).await? {
            vault.set_client_secret(to, &secret).await?;
        }
        if let Some(password) = vault.password(from).await? {
            vault.set_password(to, &password).await?;
        }
        if let Err(e) = self.profiles.update(|all| all.add(copy.clone())) {
            vault.forget_all(to).await?;
            return Err(e.into());
        }
        self.saved.copy_profile(from, to)?;
        Ok(copy)
    }

    /// Remove the profile, its keyring entries and its saved requests.
    pub async fn remove_profile(&self, name: &str) -> Result<Profile, WorkspaceError> {
        let removed = self.profiles.update(|all| all.remove(name))?;
        self.session.vault().forget_all(&removed.keyring_id).await?;
        self.saved.remove_profile(&removed.keyring_id)?;
        Ok(removed)
    }

    /// Replace the profile's client secret; its tokens (from the old one) are forgotten.
    pub async fn set_client_secret(
        &self,
        name: &str,
        secret: ClientSecret,
    ) -> Result<(), WorkspaceError> {
        let profile = self.profile(name)?;
        let secrets = Secrets {
            client_secret: Some(secret),
            ..Secrets::default()
        };
        self.put_secrets(&profile, &secrets).await?;
        Ok(self.session.forget(&profile).await?)
    }

    /// Put `secrets` in the vault for `profile` (a password only if the profile remembers it).
    /// With a memory vault (`--session-only`) this is how a run gets the secrets it needs.
    pub async fn put_secrets(
        &self,
        profile: &Profile,
        secrets: &Secrets,
    ) -> Result<(), WorkspaceError> {
        let (vault, id) = (self.session.vault(), &profile.keyring_id);
        if secrets.forget_client_secret {
            vault.forget_client_secret(id).await?;
        }
        if let Some(secret) = &secrets.client_secret {
            vault.set_client_secret(id, secret).await?;
        }
        match &secrets.password {
            Some(password) if profile.remember_password || !vault.is_persistent() => {
                vault.set_password(id, password).await?
            }
            _ => {}
        }
        Ok(())
    }

    /// With an issuer whose endpoints were not given (or that changed since `before`), fill
    /// them from its OpenID configuration.
    async fn discover(
        &self,
        mut new: NewProfile,
        before: Option<&NewProfile>,
    ) -> Result<NewProfile, WorkspaceError> {
        if let Some(before) = before.filter(|b| b.issuer != new.issuer) {
            // The old issuer's endpoints are not the new one's.
            let stale = |now: &mut Option<String>, was: &Option<String>| {
                if now == was {
                    *now = None;
                }
            };
            stale(&mut new.token_url, &before.token_url);
            stale(&mut new.authorize_url, &before.authorize_url);
            stale(&mut new.revocation_url, &before.revocation_url);
            stale(&mut new.jwks_url, &before.jwks_url);
        } else if before.is_some() {
            return Ok(new);
        }
        new.discover_endpoints(self.session.net()).await?;
        Ok(new)
    }
}

/// The fields that decide which tokens a profile gets (not its name, API base or headers).
fn token_shape(profile: &Profile) -> Profile {
    Profile {
        name: String::new(),
        api_base: None,
        headers: Default::default(),
        environment: None,
        ..profile.clone()
    }
}
