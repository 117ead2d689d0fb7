//! A profile as a person describes it (maybe a preset and one of its environments, and the
//! fields they set), made into a complete, validated `Profile`. The CLI's `profile add` and
//! `profile edit` and the window's form all come through here, so a preset means the same in each.
//!
//! An edit is three descriptions: the profile as the editor started from it, as the person left
//! it, and as it is in the file now (another Waybill may have changed it meanwhile). `merge`
//! takes the person's changes onto the current one, field by field, so neither side's changes
//! are lost.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::net::tls::certificates_only;
use crate::profile::preset::{self, PresetError};
use crate::profile::{validate_name, ClientAuth, Environment, Grant, Profile, ProfileError};

/// Every field optional but the name: what is missing comes from the preset, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    pub assertion_audience: Option<String>,
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
    pub introspection_url: Option<String>,
    pub userinfo_url: Option<String>,
    pub device_authorization_url: Option<String>,
    /// Push authorization requests (RFC 9126) to `par_url`, or to the issuer's PAR endpoint.
    pub par: bool,
    pub par_url: Option<String>,
    /// CA certificates (PEM) to trust for this profile, beside the system's.
    pub ca_certs: Option<String>,
    /// The client certificate (PEM); its key is one of the `Secrets`.
    pub tls_client_cert: Option<String>,
    /// The profile's proxy URL; credentials in it are taken out for the keyring
    /// (`take_proxy_credentials`) before it is built.
    pub proxy: Option<String>,
    pub no_proxy: bool,
    pub dpop: bool,
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
    #[error(transparent)]
    Pem(#[from] crate::net::tls::PemError),
}

impl NewProfile {
    /// The grant the profile will have (its own, else its preset's first).
    pub fn grant(&self) -> Result<Grant, NewProfileError> {
        match (self.grant, &self.preset) {
            (Some(grant), _) => Ok(grant),
            (None, Some(id)) => Ok(preset::preset(id)?.grants[0]),
            (None, None) => Err(NewProfileError::Missing("a grant")),
        }
    }

    /// How `profile` would be described to build it again. URLs that are its preset's own for
    /// its environment are left to the preset, so a change of environment moves them too.
    pub fn describe(profile: &Profile) -> NewProfile {
        let mut new = NewProfile {
            name: profile.name.clone(),
            preset: profile.preset.clone(),
            environment: profile.environment,
            base_url: None,
            grant: Some(profile.grant),
            token_url: profile.token_url.clone(),
            client_id: Some(profile.client_id.clone()),
            client_auth: Some(profile.client_auth),
            assertion_audience: profile.assertion_audience.clone(),
            scope: profile.scope.clone(),
            params: profile.params.clone(),
            api_base: profile.api_base.clone(),
            headers: profile.headers.clone().into_iter().collect(),
            username: profile.username.clone(),
            remember_password: profile.remember_password,
            authorize_url: profile.authorize_url.clone(),
            redirect_uri: profile.redirect_uri.clone(),
            authorize_params: profile.authorize_params.clone(),
            issuer: profile.issuer.clone(),
            revocation_url: profile.revocation_url.clone(),
            jwks_url: profile.jwks_url.clone(),
            introspection_url: profile.introspection_url.clone(),
            userinfo_url: profile.userinfo_url.clone(),
            device_authorization_url: profile.device_authorization_url.clone(),
            par: profile.par_url.is_some(),
            par_url: profile.par_url.clone(),
            ca_certs: profile.ca_certs.clone(),
            tls_client_cert: profile.tls_client_cert.clone(),
            proxy: profile.proxy.clone(),
            no_proxy: profile.no_proxy,
            dpop: profile.dpop,
        };
        let preset = profile
            .preset
            .as_deref()
            .and_then(|id| preset::preset(id).ok());
        let (Some(preset), Some(env)) = (preset, profile.environment) else {
            return new;
        };
        let base_url = preset
            .env
            .get(&env)
            .and_then(|template| base_url_in(&template.token_url, profile.token_url.as_deref()?));
        if let Ok((_, urls)) = preset.endpoints(Some(env), base_url.as_deref()) {
            let own = |url: &Option<String>, preset_url: &str| url.as_deref() == Some(preset_url);
            if own(&new.token_url, &urls.token_url) && own(&new.api_base, &urls.api_base) {
                new.token_url = None;
                new.api_base = None;
                new.base_url = base_url;
            }
        }
        new
    }

    /// `current` with every field the person changed (from `before` to `after`) taken from
    /// `after`; the fields they left alone keep `current`'s value.
    pub fn merge(current: &NewProfile, before: &NewProfile, after: &NewProfile) -> NewProfile {
        let map = |new: &NewProfile| match serde_json::to_value(new) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let (mut merged, before) = (map(current), map(before));
        for (field, value) in map(after) {
            if before.get(&field) != Some(&value) {
                merged.insert(field, value);
            }
        }
        serde_json::from_value(serde_json::Value::Object(merged)).unwrap_or_else(|_| after.clone())
    }

    /// Take the credentials out of the proxy URL: they go to the keyring, the URL to the profile.
    pub fn take_proxy_credentials(
        &mut self,
    ) -> Result<Option<crate::secret::ProxyCredentials>, ProfileError> {
        let Some(proxy) = &self.proxy else {
            return Ok(None);
        };
        let (clean, credentials) = crate::net::proxy::split_credentials(proxy)?;
        self.proxy = Some(clean);
        Ok(credentials)
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
            assertion_audience: self.assertion_audience,
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
            introspection_url: self.introspection_url,
            userinfo_url: self.userinfo_url,
            device_authorization_url: self.device_authorization_url,
            par_url: match (self.par, self.par_url) {
                (true, None) => {
                    return Err(NewProfileError::Missing(
                        "the PAR endpoint (--par-url, or an --issuer that publishes one)",
                    ))
                }
                (true, url) => url,
                (false, _) => None,
            },
            ca_certs: self
                .ca_certs
                .map(|pem| certificates_only(&pem, "the CA file"))
                .transpose()?,
            tls_client_cert: self
                .tls_client_cert
                .map(|pem| certificates_only(&pem, "the client certificate"))
                .transpose()?,
            proxy: self.proxy,
            no_proxy: self.no_proxy,
            dpop: self.dpop,
        };
        profile.validate()?;
        Ok(profile)
    }
}

/// The application URL in `url`, when `template` is a self-hosted preset's `{base_url}/...`.
fn base_url_in(template: &str, url: &str) -> Option<String> {
    let (prefix, suffix) = template.split_once("{base_url}")?;
    let base = url.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!base.is_empty()).then(|| base.to_string())
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

    #[test]
    fn a_described_profile_builds_back_the_same_and_follows_its_preset() {
        let p = from_preset("myparcel").build().unwrap();
        let described = NewProfile::describe(&p);
        assert_eq!(
            described.token_url, None,
            "the preset's own URL is left to the preset"
        );
        let again = described.clone().build().unwrap();
        assert_eq!(
            Profile {
                keyring_id: p.keyring_id.clone(),
                ..again
            },
            p
        );
        let live = NewProfile {
            environment: Some(Environment::Live),
            ..described
        };
        assert_eq!(
            live.build().unwrap().token_url.as_deref(),
            Some("https://auth.myparcel.com/access-token")
        );

        let oro = NewProfile {
            base_url: Some("https://shop.example".into()),
            ..from_preset("oro")
        }
        .build()
        .unwrap();
        let described = NewProfile::describe(&oro);
        assert_eq!(described.base_url.as_deref(), Some("https://shop.example"));
        assert_eq!(described.build().unwrap().token_url, oro.token_url);
    }

    #[test]
    fn a_merge_keeps_both_sides_changes() {
        let start = NewProfile::describe(&from_preset("myparcel").build().unwrap());
        let mine = NewProfile {
            scope: Some("shipments.manage".into()),
            ..start.clone()
        };
        let theirs = NewProfile {
            api_base: Some("https://api.example/v2".into()),
            client_id: Some("other".into()),
            ..start.clone()
        };
        let merged = NewProfile::merge(&theirs, &start, &mine);
        assert_eq!(merged.scope.as_deref(), Some("shipments.manage"));
        assert_eq!(merged.api_base.as_deref(), Some("https://api.example/v2"));
        assert_eq!(merged.client_id.as_deref(), Some("other"));
        let cleared = NewProfile {
            scope: None,
            ..start.clone()
        };
        assert_eq!(
            NewProfile::merge(&mine, &start, &cleared).scope,
            None,
            "a field cleared is cleared"
        );
    }
}
