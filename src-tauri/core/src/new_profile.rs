//! A profile as a person describes it (maybe a preset and one of its environments, and the
//! fields they set), made into a complete, validated `Profile`. The CLI's `profile add` and the
//! window's form both come through here, so a preset means the same in both.

use std::collections::BTreeMap;

use crate::preset::{self, PresetError};
use crate::profile::{validate_name, ClientAuth, Environment, Grant, Profile, ProfileError};

/// Every field optional but the name: what is missing comes from the preset, if any.
#[derive(Debug, Clone, Default)]
pub struct NewProfile {
    pub name: String,
    pub preset: Option<String>,
    pub environment: Option<Environment>,
    /// The application URL of a self-hosted provider (fills a preset's `{base_url}`).
    pub base_url: Option<String>,
    pub grant: Option<Grant>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_auth: Option<ClientAuth>,
    pub scope: Option<String>,
    pub params: BTreeMap<String, String>,
    pub api_base: Option<String>,
    /// Added to the preset's default headers; a header of the same name (any case) replaces it.
    pub headers: Vec<(String, String)>,
    pub username: Option<String>,
    pub remember_password: bool,
    pub authorize_url: Option<String>,
    pub redirect_uri: Option<String>,
    pub authorize_params: BTreeMap<String, String>,
    pub issuer: Option<String>,
    pub revocation_url: Option<String>,
    pub jwks_url: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NewProfileError {
    #[error(transparent)]
    Preset(#[from] PresetError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("{0} is required (no preset gives it)")]
    Missing(&'static str),
    #[error("an environment needs a preset: a custom profile has one set of URLs")]
    EnvironmentWithoutPreset,
    #[error("remembering a password only applies to the password grant")]
    RememberWithoutPassword,
}

impl NewProfile {
    /// With an issuer, fill the endpoints the person did not give from its OpenID configuration.
    pub async fn discover_endpoints(
        &mut self,
        net: &crate::net::Net,
    ) -> Result<(), crate::discovery::DiscoveryError> {
        let Some(issuer) = &self.issuer else {
            return Ok(());
        };
        let found = crate::discovery::discover(net, issuer).await?;
        self.authorize_url = self.authorize_url.take().or(found.authorization_endpoint);
        self.token_url = self.token_url.take().or(found.token_endpoint);
        self.revocation_url = self.revocation_url.take().or(found.revocation_endpoint);
        self.jwks_url = self.jwks_url.take().or(found.jwks_uri);
        Ok(())
    }

    pub fn build(self) -> Result<Profile, NewProfileError> {
        validate_name(&self.name)?;
        let preset = self.preset.as_deref().map(preset::preset).transpose()?;
        let (environment, endpoints) = match &preset {
            // Both URLs given: the preset's environment is a label only (and needs no --base-url).
            Some(p) if self.token_url.is_some() && self.api_base.is_some() => {
                (Some(self.environment.unwrap_or(p.default_env)), None)
            }
            Some(p) => {
                let (env, endpoints) = p.endpoints(self.environment, self.base_url.as_deref())?;
                (Some(env), Some(endpoints))
            }
            None if self.environment.is_some() => {
                return Err(NewProfileError::EnvironmentWithoutPreset)
            }
            None => (None, None),
        };
        let grant = self
            .grant
            .or(preset.as_ref().map(|p| p.grants[0]))
            .ok_or(NewProfileError::Missing("a grant"))?;
        if self.remember_password && grant != Grant::Password {
            return Err(NewProfileError::RememberWithoutPassword);
        }
        let token_url = self
            .token_url
            .or_else(|| endpoints.as_ref().map(|e| e.token_url.clone()));
        if token_url.is_none() && grant != Grant::Implicit {
            return Err(NewProfileError::Missing("a token URL"));
        }
        let mut headers = preset
            .as_ref()
            .map(|p| p.headers.clone())
            .unwrap_or_default();
        for (name, value) in self.headers {
            headers.retain(|existing, _| !existing.eq_ignore_ascii_case(&name));
            headers.insert(name, value);
        }
        let profile = Profile {
            keyring_id: new_keyring_id(&self.name),
            name: self.name,
            grant,
            token_url,
            client_id: self
                .client_id
                .ok_or(NewProfileError::Missing("a client id"))?,
            client_auth: self
                .client_auth
                .or(preset.as_ref().map(|p| p.client_auth))
                .unwrap_or_default(),
            scope: self
                .scope
                .or_else(|| preset.as_ref().and_then(|p| p.scope.clone())),
            params: self.params,
            api_base: self.api_base.or_else(|| endpoints.map(|e| e.api_base)),
            headers,
            username: self.username,
            remember_password: self.remember_password,
            preset: preset.map(|p| p.id),
            environment,
            authorize_url: self.authorize_url,
            redirect_uri: self.redirect_uri,
            authorize_params: self.authorize_params,
            issuer: self.issuer,
            revocation_url: self.revocation_url,
            jwks_url: self.jwks_url,
        };
        profile.validate()?;
        Ok(profile)
    }
}

/// The profile's name plus a random suffix: a profile re-created under the same name never sees
/// its predecessor's keyring entries.
pub fn new_keyring_id(name: &str) -> String {
    format!("{name}-{:08x}", rand::random::<u32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_preset(preset: &str) -> NewProfile {
        NewProfile {
            name: "p".into(),
            preset: Some(preset.into()),
            client_id: Some("id".into()),
            ..NewProfile::default()
        }
    }

    #[test]
    fn a_preset_fills_dialect_scope_headers_and_urls() {
        let p = from_preset("myparcel").build().unwrap();
        assert_eq!(p.client_auth, ClientAuth::Json);
        assert_eq!(p.scope.as_deref(), Some("*"));
        assert_eq!(
            p.environment,
            Some(Environment::Sandbox),
            "sandbox is the safe default"
        );
        assert_eq!(
            p.token_url.as_deref(),
            Some("https://auth.sandbox.myparcel.com/access-token")
        );
        assert_eq!(p.headers["Content-Type"], "application/vnd.api+json");
    }

    #[test]
    fn explicit_fields_override_the_preset() {
        let p = NewProfile {
            environment: Some(Environment::Live),
            scope: Some("shipments.manage".into()),
            client_auth: Some(ClientAuth::Form),
            headers: vec![("content-type".into(), "application/json".into())],
            ..from_preset("myparcel")
        }
        .build()
        .unwrap();
        assert_eq!(
            p.token_url.as_deref(),
            Some("https://auth.myparcel.com/access-token")
        );
        assert_eq!(p.scope.as_deref(), Some("shipments.manage"));
        assert_eq!(p.client_auth, ClientAuth::Form);
        assert_eq!(
            p.headers.get("Content-Type"),
            None,
            "a header of the same name in any case replaces it"
        );
        assert_eq!(p.headers["content-type"], "application/json");
    }

    #[test]
    fn what_is_missing_is_named() {
        let custom = NewProfile {
            name: "c".into(),
            client_id: Some("id".into()),
            ..NewProfile::default()
        };
        assert_eq!(
            custom.clone().build().unwrap_err(),
            NewProfileError::Missing("a grant")
        );
        let with_grant = NewProfile {
            grant: Some(Grant::ClientCredentials),
            ..custom
        };
        assert_eq!(
            with_grant.build().unwrap_err(),
            NewProfileError::Missing("a token URL")
        );
        let env = NewProfile {
            environment: Some(Environment::Live),
            ..NewProfile {
                name: "x".into(),
                ..Default::default()
            }
        };
        assert_eq!(
            env.build().unwrap_err(),
            NewProfileError::EnvironmentWithoutPreset
        );
    }

    #[test]
    fn keyring_ids_differ_for_the_same_name() {
        assert_ne!(new_keyring_id("a"), new_keyring_id("a"));
        assert!(new_keyring_id("demo").starts_with("demo-"));
    }
}
