//! A profile as a person describes it (maybe a preset and one of its environments, and the
//! fields they set), made into a complete, validated `Profile`. The CLI's `profile add` and
//! `profile edit` and the window's form all come through here, so a preset means the same in each.
//!
//! An edit is three descriptions: the profile as the editor started from it, as the person left
//! it, and as it is in the file now (another Waybill may have changed it meanwhile). `merge`
//! takes the person's changes onto the current one, field by field, so neither side's changes
//! are lost.

use std::collections::BTreeMap;

pub use super::fields::NewProfile;
use crate::net::tls::certificates_only;
use crate::profile::preset::{Preset, PresetError, Presets};
use crate::profile::{validate_name, ClientAuth, Grant, Profile, ProfileError, SecretsNeeded};

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
    pub fn grant(&self, presets: &Presets) -> Result<Grant, NewProfileError> {
        match (self.grant, &self.preset) {
            (Some(grant), _) => Ok(grant),
            (None, Some(id)) => Ok(presets.get(id)?.grants[0]),
            (None, None) => Err(NewProfileError::Missing("a grant")),
        }
    }

    /// A new profile from `preset`: its default grant, dialect, scope and environment, which the
    /// person can then change; its URLs are left to it (so they follow the environment).
    pub fn from_preset(preset: &Preset) -> NewProfile {
        NewProfile {
            preset: Some(preset.id.clone()),
            environment: Some(preset.default_env),
            grant: preset.grants.first().copied(),
            client_auth: Some(preset.client_auth),
            scope: preset.scope.clone(),
            ..NewProfile::default()
        }
    }

    /// As typed into a form: text trimmed, blank text is "not given", rows without a name dropped.
    pub fn tidied(self) -> NewProfile {
        use serde_json::Value;
        let Ok(Value::Object(mut fields)) = serde_json::to_value(&self) else {
            return self;
        };
        for (field, value) in fields.iter_mut() {
            match value {
                Value::String(text) if field == "name" => *text = text.trim().to_string(),
                Value::String(text) if text.trim().is_empty() => *value = Value::Null,
                Value::String(text) => *text = text.trim().to_string(),
                Value::Object(rows) => {
                    *rows = std::mem::take(rows)
                        .into_iter()
                        .filter(|(name, _)| !name.trim().is_empty())
                        .map(|(name, v)| match v {
                            Value::String(v) => (name.trim().to_string(), v.trim().into()),
                            v => (name.trim().to_string(), v),
                        })
                        .collect();
                }
                _ => {}
            }
        }
        serde_json::from_value(Value::Object(fields)).unwrap_or(self)
    }

    /// The client authentication the profile will have (its own, else its preset's).
    pub fn client_auth(&self, presets: &Presets) -> Result<ClientAuth, NewProfileError> {
        match (self.client_auth, &self.preset) {
            (Some(auth), _) => Ok(auth),
            (None, Some(id)) => Ok(presets.get(id)?.client_auth),
            (None, None) => Ok(ClientAuth::default()),
        }
    }

    /// The secrets the profile this describes needs from the person making it.
    pub fn secrets_needed(&self, presets: &Presets) -> Result<SecretsNeeded, NewProfileError> {
        let preset = self
            .preset
            .as_deref()
            .map(|id| presets.get(id))
            .transpose()?;
        let in_headers = (self.headers.values())
            .chain(preset.iter().flat_map(|p| p.headers.values()))
            .any(|v| v.contains("{api_key}"));
        let auth_header =
            (self.auth_header.as_deref()).or(preset.and_then(|p| p.auth_header.as_deref()));
        let uses_api_key = in_headers || auth_header.is_some_and(|h| h.contains("{api_key}"));
        let (grant, auth) = (self.grant(presets)?, self.client_auth(presets)?);
        Ok(SecretsNeeded::of(grant, auth, uses_api_key))
    }

    /// How `profile` would be described to build it again. URLs that are its preset's own for
    /// its environment are left to the preset, so a change of environment moves them too.
    pub fn describe(profile: &Profile, presets: &Presets) -> NewProfile {
        let mut new = NewProfile::copy_of(profile);
        let preset = (profile.preset.as_deref()).and_then(|id| presets.get(id).ok());
        let (Some(preset), Some(env)) = (preset, profile.environment) else {
            return new;
        };
        let template = preset.env.get(&env);
        let base_url = template.and_then(|t| {
            base_url_in(&t.api_base, profile.api_base.as_deref()?)
                .or_else(|| base_url_in(t.token_url.as_deref()?, profile.token_url.as_deref()?))
        });
        let Ok((_, urls)) = preset.endpoints(Some(env), base_url.as_deref()) else {
            return new;
        };
        if new.token_url == urls.token_url && new.api_base.as_deref() == Some(&urls.api_base) {
            new.token_url = None;
            new.api_base = None;
            new.base_url = base_url;
            for (url, own) in [
                (&mut new.authorize_url, &urls.authorize_url),
                (&mut new.refresh_url, &urls.refresh_url),
                (&mut new.revocation_url, &urls.revocation_url),
            ] {
                if url == own {
                    *url = None;
                }
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

    /// The profile this describes, with only the built-in presets to draw on.
    pub fn build(self) -> Result<Profile, NewProfileError> {
        self.build_with(&Presets::built_in())
    }

    /// The profile this describes: what it does not give comes from its preset, if any; then
    /// the whole is validated.
    pub fn build_with(self, presets: &Presets) -> Result<Profile, NewProfileError> {
        validate_name(&self.name)?;
        let mut new = self;
        let preset = new
            .preset
            .as_deref()
            .map(|id| presets.get(id))
            .transpose()?;
        match preset {
            // Both URLs given: the preset's environment is a label only (and needs no --base-url).
            Some(p) if new.token_url.is_some() && new.api_base.is_some() => {
                new.environment = Some(new.environment.unwrap_or(p.default_env));
            }
            Some(p) => {
                let (env, urls) = p.endpoints(new.environment, new.base_url.as_deref())?;
                new.environment = Some(env);
                new.token_url = new.token_url.or(urls.token_url);
                new.api_base = new.api_base.or(Some(urls.api_base));
                new.authorize_url = new.authorize_url.or(urls.authorize_url);
                new.refresh_url = new.refresh_url.or(urls.refresh_url);
                new.revocation_url = new.revocation_url.or(urls.revocation_url);
            }
            None if new.environment.is_some() => {
                return Err(NewProfileError::EnvironmentWithoutPreset)
            }
            None => {}
        }
        let grant = (new.grant)
            .or(preset.map(|p| p.grants[0]))
            .ok_or(NewProfileError::Missing("a grant"))?;
        if new.remember_password && grant != Grant::Password {
            return Err(NewProfileError::RememberWithoutPassword);
        }
        if new.token_url.is_none() && grant.needs_token_url() {
            return Err(NewProfileError::Missing("a token URL"));
        }
        if new.par && new.par_url.is_none() {
            return Err(NewProfileError::Missing(
                "the PAR endpoint (--par-url, or an --issuer that publishes one)",
            ));
        }
        if !new.par {
            new.par_url = None;
        }
        if let Some(p) = preset {
            new.scope = new.scope.or_else(|| p.scope.clone());
            new.auth_header = new.auth_header.or_else(|| p.auth_header.clone());
            new.basic_encoding = new.basic_encoding.or(p.basic_encoding);
            new.headers = with_defaults(&p.headers, new.headers);
            new.token_request_headers =
                with_defaults(&p.token_request_headers, new.token_request_headers);
        }
        new.ca_certs = (new
            .ca_certs
            .map(|pem| certificates_only(&pem, "the CA file")))
        .transpose()?;
        new.tls_client_cert = (new.tls_client_cert)
            .map(|pem| certificates_only(&pem, "the client certificate"))
            .transpose()?;
        // An API-key carrier has no OAuth client.
        let client_id = match (new.client_id.take(), grant) {
            (Some(id), _) => id,
            (None, Grant::ApiKey) => String::new(),
            (None, _) => return Err(NewProfileError::Missing("a client id")),
        };
        let client_auth = (new.client_auth)
            .or(preset.map(|p| p.client_auth))
            .unwrap_or_default();
        let keyring_id = new_keyring_id(&new.name);
        let profile = new.into_profile(keyring_id, grant, client_id, client_auth);
        profile.validate()?;
        Ok(profile)
    }
}

/// The preset's headers with the person's on top: a header of the same name, in any case, replaces
/// the preset's.
fn with_defaults(
    defaults: &BTreeMap<String, String>,
    given: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut headers = defaults.clone();
    for (name, value) in given {
        headers.retain(|existing, _| !existing.eq_ignore_ascii_case(&name));
        headers.insert(name, value);
    }
    headers
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
    use crate::profile::Environment;

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
            headers: [("content-type".into(), "application/json".into())].into(),
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
    fn a_new_profile_from_a_preset_starts_with_its_defaults_and_leaves_urls_to_it() {
        let presets = Presets::built_in();
        let packly = presets.get("packly").unwrap();
        let new = NewProfile::from_preset(packly);
        assert_eq!(new.preset.as_deref(), Some("packly"));
        assert_eq!(new.environment, Some(Environment::Sandbox));
        assert_eq!(new.grant, Some(Grant::ClientCredentials));
        assert_eq!(new.client_auth, Some(ClientAuth::Basic));
        assert_eq!(new.scope.as_deref(), Some("external"));
        assert_eq!(
            new.token_url, None,
            "a blank URL follows the preset's environment"
        );
    }

    #[test]
    fn a_form_is_tidied_blank_text_is_not_given() {
        let typed = NewProfile {
            name: " acme ".into(),
            client_id: Some(" id ".into()),
            scope: Some("   ".into()),
            headers: [
                (" Accept ".into(), " application/json ".into()),
                ("  ".into(), "lost".into()),
            ]
            .into(),
            ..NewProfile::default()
        };
        let tidy = typed.tidied();
        assert_eq!(tidy.name, "acme");
        assert_eq!(tidy.client_id.as_deref(), Some("id"));
        assert_eq!(
            tidy.scope, None,
            "a blank scope is the preset's, not an empty one"
        );
        assert_eq!(
            tidy.headers,
            [("Accept".to_string(), "application/json".to_string())].into()
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
        let described = NewProfile::describe(&p, &Presets::built_in());
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
        let described = NewProfile::describe(&oro, &Presets::built_in());
        assert_eq!(described.base_url.as_deref(), Some("https://shop.example"));
        assert_eq!(described.build().unwrap().token_url, oro.token_url);
    }

    #[test]
    fn a_merge_keeps_both_sides_changes() {
        let start = NewProfile::describe(
            &from_preset("myparcel").build().unwrap(),
            &Presets::built_in(),
        );
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
