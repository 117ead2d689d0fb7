//! Profiles: add, edit, duplicate, remove, and the secrets that go with them.
//!
//! Secrets go to the keyring before the profile is written, so a profile whose secret could not
//! be kept never appears; a process killed between the two leaves entries no profile owns, which
//! `keyring tidy` finds (`workspace::keyring`). Every change of `profiles.toml` re-reads it under its lock, so adds and
//! edits from several Waybills at once are all kept.

use super::{Workspace, WorkspaceError};
use std::path::PathBuf;

use crate::net::tls::{self, ClientIdentity, PemError};
use crate::profile::new::NewProfile;
use crate::profile::ProfileError;
use crate::profile::{validate_name, ClientAuth, Grant, Profile, SecretsNeeded};
use crate::secret::{
    ApiKey, ClientKey, ClientSecret, Password, ProxyCredentials, RefreshToken, TlsKey,
};
use crate::session::SessionError;
use crate::store::vault::SecretKind;
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
    /// The client certificate's private key (PEM), checked against the certificate.
    pub tls_key: Option<TlsKey>,
    /// The proxy was given anew: its credentials are the new URL's, or none.
    pub replace_proxy_credentials: bool,
    /// The client's signing key (`private_key_jwt`), read with `auth::key::read`.
    pub client_key: Option<ClientKey>,
    /// An API key, for `{api_key}` in what the profile sends.
    pub api_key: Option<ApiKey>,
}

/// Files a person names for a profile (the CLI's `--...-file` flags, the window's file fields),
/// read here for both faces: certificates go into the description (they are public), keys into
/// the secrets; no path is kept.
#[derive(Debug, Default)]
pub struct ProfileFiles {
    /// CA certificates (PEM) to trust beside the system's.
    pub ca_file: Option<PathBuf>,
    /// The client certificate: PEM, or PKCS#12 (which may hold its key too).
    pub tls_cert_file: Option<PathBuf>,
    /// Opens a PKCS#12 file, then is dropped.
    pub tls_passphrase: Option<Password>,
    /// The client certificate's private key (PEM).
    pub tls_key_file: Option<PathBuf>,
    /// `private_key_jwt`: the client's signing key (PEM).
    pub client_key_file: Option<PathBuf>,
}

impl ProfileFiles {
    /// Read every file named into `new` and `secrets`. A PKCS#12 file that needs a passphrase
    /// not given fails with `PemError::NeedsPassphrase`, so a face can ask for it and try again.
    pub fn read_into(
        &self,
        new: &mut NewProfile,
        secrets: &mut Secrets,
    ) -> Result<(), WorkspaceError> {
        if let Some(path) = &self.ca_file {
            new.ca_certs = Some(tls::read_pem(path)?);
        }
        if let Some(path) = &self.tls_cert_file {
            let passphrase = self.tls_passphrase.as_ref().map(|p| p.expose());
            let (cert, key) = tls::read_client_certificate(path, passphrase)?;
            new.tls_client_cert = Some(cert);
            secrets.tls_key = key;
        }
        if let Some(path) = &self.tls_key_file {
            secrets.tls_key = Some(tls::key_only(&tls::read_pem(path)?)?);
        }
        if let Some(path) = &self.client_key_file {
            secrets.client_key = Some(crate::auth::key::read(&tls::read_pem(path)?)?);
        }
        Ok(())
    }
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
        let new = new.tidied();
        validate_name(&new.name)?;
        if self.profiles.load()?.contains(&new.name) {
            return Err(StoreError::Exists(new.name).into());
        }
        let mut new = new;
        let proxy_credentials = new.take_proxy_credentials()?;
        let profile = self
            .discover(new, None, &secrets, proxy_credentials.clone())
            .await?
            .build_with(&self.presets())?;
        // A key for `private_key_jwt` may come later (`waybill key generate`).
        if profile.grant == Grant::ClientCredentials
            && secrets.client_secret.is_none()
            && profile.client_auth.uses_secret()
        {
            return Err(WorkspaceError::NeedsClientSecret(profile.name));
        }
        if profile.grant == Grant::ApiKey && secrets.api_key.is_none() {
            return Err(WorkspaceError::NeedsApiKey(profile.name));
        }
        check_client_key(&profile, secrets.tls_key.as_ref(), false)?;
        let _making = self.making_profile().await?;
        self.put_secrets(&profile, &secrets).await?;
        if let Some(credentials) = &proxy_credentials {
            let vault = self.session.vault();
            vault
                .set_proxy_credentials(&profile.keyring_id, credentials)
                .await?;
        }
        let added = self.profiles.update(|all| all.add(profile.clone()));
        if let Err(e) = added {
            // Another Waybill took the name meanwhile: its keyring entries are not ours to keep.
            self.session.vault().forget_all(&profile.keyring_id).await?;
            return Err(e.into());
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
        let (before, mut after) = (before.tidied(), after.tidied());
        // A key brought anew is known to the provider by the id given with it, or by none.
        if secrets.client_key.is_some() && after.client_key_id == before.client_key_id {
            after.client_key_id = None;
        }
        let proxy_credentials = after.take_proxy_credentials()?;
        let after = self
            .discover(after, Some(&before), &secrets, proxy_credentials.clone())
            .await?;
        let current = self.profile(name)?;
        let has_key = match &secrets.tls_key {
            Some(_) => false,
            None => self
                .session
                .vault()
                .tls_key(&current.keyring_id)
                .await?
                .is_some(),
        };
        let presets = self.presets();
        let (old, profile) = self.profiles.update(|all| {
            let old = all.get(name)?.clone();
            let current = NewProfile::describe(&old, &presets);
            let merged = NewProfile::merge(&current, &before, &after);
            let profile = Profile {
                keyring_id: old.keyring_id.clone(),
                ..merged.build_with(&presets)?
            };
            check_client_key(&profile, secrets.tls_key.as_ref(), has_key)?;
            all.replace(name, profile.clone())?;
            Ok::<_, WorkspaceError>((old, profile))
        })?;
        let vault = self.session.vault();
        let id = &profile.keyring_id;
        if old.remember_password && !profile.remember_password {
            vault.forget_password(id).await?;
        }
        if profile.tls_client_cert.is_none() {
            vault.forget(id, SecretKind::TlsKey).await?;
        }
        if profile.client_auth != ClientAuth::PrivateKeyJwt {
            vault.forget(id, SecretKind::ClientKey).await?;
        }
        if !profile.dpop {
            vault.forget(id, SecretKind::DpopKey).await?;
        }
        // A new proxy comes with its own credentials, or none.
        match &proxy_credentials {
            Some(credentials) => vault.set_proxy_credentials(id, credentials).await?,
            None if old.proxy != profile.proxy || secrets.replace_proxy_credentials => {
                vault.forget(id, SecretKind::ProxyCredentials).await?
            }
            None => {}
        }
        // A refresh token given is adopted by `put_secrets`, in place of the tokens held; else
        // tokens that no longer fit the profile are forgotten.
        self.put_secrets(&profile, &secrets).await?;
        let changed = token_shape(&old) != token_shape(&profile)
            || secrets.client_secret.is_some()
            || secrets.client_key.is_some()
            || secrets.forget_client_secret;
        if changed && secrets.refresh_token.is_none() {
            self.session.forget(&profile).await?;
        }
        Ok(profile)
    }

    /// Open a preset's documentation (where its provider hands out credentials) in the user's
    /// browser: only that web address, never one a page could pass in.
    pub fn open_preset_docs(&self, id: &str) -> Result<String, WorkspaceError> {
        let docs = self.preset(id)?.docs;
        crate::auth::browser::open(&docs)?;
        Ok(docs)
    }

    /// How profile `name` is described, to edit it: its preset's URLs left to the preset.
    pub fn describe_profile(&self, name: &str) -> Result<NewProfile, WorkspaceError> {
        Ok(NewProfile::describe(&self.profile(name)?, &self.presets()))
    }

    /// The secrets the profile `new` describes needs from the person making it.
    pub fn secrets_needed(&self, new: &NewProfile) -> Result<SecretsNeeded, WorkspaceError> {
        Ok(new.secrets_needed(&self.presets())?)
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
        let _making = self.making_profile().await?;
        let vault = self.session.vault();
        let (from, to) = (&original.keyring_id, &copy.keyring_id);
        if let Some(secret) = vault.client_secret(from).await? {
            vault.set_client_secret(to, &secret).await?;
        }
        if let Some(password) = vault.password(from).await? {
            vault.set_password(to, &password).await?;
        }
        if let Some(key) = vault.tls_key(from).await? {
            vault.set_tls_key(to, &key).await?;
        }
        if let Some(key) = vault.client_key(from).await? {
            vault.set_client_key(to, &key).await?;
        }
        if let Some(key) = vault.dpop_key(from).await? {
            vault.set_dpop_key(to, &key).await?;
        }
        if let Some(key) = vault.api_key(from).await? {
            vault.set_api_key(to, &key).await?;
        }
        if let Some(credentials) = vault.proxy_credentials(from).await? {
            vault.set_proxy_credentials(to, &credentials).await?;
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

    /// Make the profile's client a new signing key (P-256) in the keyring and return its public
    /// JWK, to register with the provider. An existing key is replaced only with `replace`: the
    /// provider knows only the old one.
    pub async fn generate_client_key(
        &self,
        name: &str,
        replace: bool,
    ) -> Result<serde_json::Value, WorkspaceError> {
        let profile = self.profile(name)?;
        if profile.client_auth != ClientAuth::PrivateKeyJwt {
            return Err(WorkspaceError::NoKeyAuth {
                profile: profile.name,
                auth: profile.client_auth,
            });
        }
        let vault = self.session.vault();
        if !replace && vault.client_key(&profile.keyring_id).await?.is_some() {
            return Err(WorkspaceError::KeyExists(profile.name));
        }
        let key = crate::auth::key::generate();
        let kid = crate::auth::key::SigningKey::open(&key)?.kid().to_string();
        vault.set_client_key(&profile.keyring_id, &key).await?;
        // The provider will know this key by its thumbprint, the `kid` of the JWK printed.
        let profile = self.profiles.update(|all| {
            let mut profile = all.get(name)?.clone();
            profile.client_key_id = Some(kid);
            all.replace(name, profile.clone())?;
            Ok::<_, WorkspaceError>(profile)
        })?;
        // Tokens got with the old key stay valid at the provider; they are the old key's.
        self.session.forget(&profile).await?;
        public_jwk(&key, profile.client_key_id.as_deref())
    }

    /// The public JWK of the profile's client key, if it has one.
    pub async fn client_public_key(
        &self,
        name: &str,
    ) -> Result<Option<serde_json::Value>, WorkspaceError> {
        let profile = self.profile(name)?;
        match self.session.vault().client_key(&profile.keyring_id).await? {
            Some(key) => Ok(Some(public_jwk(&key, profile.client_key_id.as_deref())?)),
            None => Ok(None),
        }
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
        if let Some(key) = &secrets.tls_key {
            vault.set_tls_key(id, key).await?;
        }
        if let Some(key) = &secrets.api_key {
            vault.set_api_key(id, key).await?;
        }
        // The DPoP key is made with the profile, so two Waybills never make one each.
        if profile.dpop && vault.dpop_key(id).await?.is_none() {
            vault
                .set_dpop_key(id, &crate::auth::key::generate())
                .await?;
        }
        if let Some(key) = &secrets.client_key {
            if profile.client_auth != ClientAuth::PrivateKeyJwt {
                return Err(WorkspaceError::NoKeyAuth {
                    profile: profile.name.clone(),
                    auth: profile.client_auth,
                });
            }
            vault.set_client_key(id, key).await?;
        }
        if let Some(refresh) = &secrets.refresh_token {
            self.session.adopt_refresh_token(profile, refresh).await?;
        }
        Ok(())
    }

    /// With an issuer whose endpoints were not given (or that changed since `before`), fill
    /// them from its OpenID configuration.
    /// Discovery goes through the profile's own CA, certificate and proxy.
    pub(super) async fn discover(
        &self,
        mut new: NewProfile,
        before: Option<&NewProfile>,
        secrets: &Secrets,
        proxy_credentials: Option<ProxyCredentials>,
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
            stale(&mut new.introspection_url, &before.introspection_url);
            stale(&mut new.userinfo_url, &before.userinfo_url);
            stale(&mut new.par_url, &before.par_url);
            stale(
                &mut new.device_authorization_url,
                &before.device_authorization_url,
            );
        } else if before.is_some() && !(new.par && new.par_url.is_none()) {
            return Ok(new);
        }
        if new.issuer.is_none() {
            return Ok(new);
        }
        let net = self
            .session
            .transport(
                new.ca_certs.as_deref(),
                new.tls_client_cert.as_deref().zip(secrets.tls_key.as_ref()),
                new.proxy.as_deref(),
                new.no_proxy,
                proxy_credentials,
            )
            .map_err(SessionError::from)?;
        let issuer = new.issuer.clone().unwrap_or_default();
        crate::auth::discovery::discover(&net, &issuer)
            .await?
            .fill(&mut new);
        Ok(new)
    }
}

/// A client certificate needs its key (given now, or already in the keyring), and a key its
/// certificate; the two must belong together.
fn check_client_key(
    profile: &Profile,
    key: Option<&TlsKey>,
    key_in_keyring: bool,
) -> Result<(), WorkspaceError> {
    let error = |e: PemError| WorkspaceError::from(ProfileError::from(e));
    match (&profile.tls_client_cert, key) {
        (Some(cert), Some(key)) => ClientIdentity::new(cert, key).map(drop).map_err(error),
        (Some(_), None) if !key_in_keyring => Err(error(PemError::CertificateWithoutKey)),
        (None, Some(_)) => Err(error(PemError::KeyWithoutCertificate)),
        _ => Ok(()),
    }
}

/// The key's public half, with the `kid` the provider knows it by (none when that is unknown).
fn public_jwk(key: &ClientKey, kid: Option<&str>) -> Result<serde_json::Value, WorkspaceError> {
    let opened = crate::auth::key::SigningKey::open(key)?;
    let mut jwk = serde_json::to_value(opened.public_jwk()).unwrap_or_default();
    if let Some(fields) = jwk.as_object_mut() {
        match kid {
            Some(kid) => fields.insert("kid".into(), kid.into()),
            None => fields.remove("kid"),
        };
    }
    Ok(jwk)
}

/// The fields that decide which tokens a profile gets (not its name, API base, headers, or the
/// header its credential goes in on API calls).
fn token_shape(profile: &Profile) -> Profile {
    Profile {
        name: String::new(),
        api_base: None,
        headers: Default::default(),
        auth_header: None,
        environment: None,
        ..profile.clone()
    }
}
