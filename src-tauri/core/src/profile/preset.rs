//! Provider presets: data files under `presets/`, one per provider, built into the binary.
//!
//! Adding a provider that fits the known dialects is a new TOML file (and a test), no code. A
//! preset gives the dialect, default scope and headers, and per environment the token URL and API
//! base. `{base_url}` in a URL stands for a user-supplied application URL (OroCommerce-style
//! providers are self-hosted).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::profile::{ClientAuth, Environment, Grant};

const PRESET_FILES: &[(&str, &str)] = &[
    ("bindeo", include_str!("../../presets/bindeo.toml")),
    ("myparcel", include_str!("../../presets/myparcel.toml")),
    ("oro", include_str!("../../presets/oro.toml")),
    ("packly", include_str!("../../presets/packly.toml")),
    ("parcel2go", include_str!("../../presets/parcel2go.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(skip)]
    pub id: String,
    /// Human name, e.g. "MyParcel.com".
    pub name: String,
    /// Where the provider documents its authentication.
    pub docs: String,
    /// Grants the provider offers; the first is the default.
    pub grants: Vec<Grant>,
    pub client_auth: ClientAuth,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The environment used when the user names none.
    pub default_env: Environment,
    pub env: BTreeMap<Environment, PresetEnvironment>,
    /// A sentence shown to the user about this provider's quirks, if any.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetEnvironment {
    pub token_url: String,
    pub api_base: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PresetError {
    #[error("there is no preset {0:?}; known presets: {1}")]
    Unknown(String, String),
    #[error("preset {preset} has no {env} environment; it has: {available}")]
    NoSuchEnvironment {
        preset: String,
        env: Environment,
        available: String,
    },
    #[error("preset {0} needs your application's URL: pass --base-url URL (or --token-url and --api-base)")]
    NeedsBaseUrl(String),
}

/// All built-in presets, sorted by id.
pub fn presets() -> Vec<Preset> {
    PRESET_FILES
        .iter()
        .map(|(id, text)| {
            // Built-in data, checked by the `every_preset_parses` test: a failure is a build defect.
            let mut preset: Preset = toml::from_str(text)
                .unwrap_or_else(|e| panic!("built-in preset {id} is invalid: {e}"));
            preset.id = id.to_string();
            preset
        })
        .collect()
}

pub fn preset(id: &str) -> Result<Preset, PresetError> {
    let all = presets();
    let known = all
        .iter()
        .map(|p| p.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    all.into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| PresetError::Unknown(id.to_string(), known))
}

impl Preset {
    /// The token URL and API base for `env` (the default one when `None`), with `{base_url}` filled.
    pub fn endpoints(
        &self,
        env: Option<Environment>,
        base_url: Option<&str>,
    ) -> Result<(Environment, PresetEnvironment), PresetError> {
        let env = env.unwrap_or(self.default_env);
        let endpoints = self
            .env
            .get(&env)
            .ok_or_else(|| PresetError::NoSuchEnvironment {
                preset: self.id.clone(),
                env,
                available: self
                    .env
                    .keys()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let fill = |template: &str| -> Result<String, PresetError> {
            if !template.contains("{base_url}") {
                return Ok(template.to_string());
            }
            let base = base_url.ok_or_else(|| PresetError::NeedsBaseUrl(self.id.clone()))?;
            Ok(template.replace("{base_url}", base.trim_end_matches('/')))
        };
        Ok((
            env,
            PresetEnvironment {
                token_url: fill(&endpoints.token_url)?,
                api_base: fill(&endpoints.api_base)?,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_has_its_default_environment() {
        let all = presets();
        assert_eq!(all.len(), 5);
        for p in all {
            assert!(
                p.env.contains_key(&p.default_env),
                "{}: default env missing",
                p.id
            );
            assert!(!p.grants.is_empty(), "{}: no grant", p.id);
        }
    }

    #[test]
    fn myparcel_has_sandbox_and_live_hosts() {
        let p = preset("myparcel").unwrap();
        let (env, sandbox) = p.endpoints(None, None).unwrap();
        assert_eq!(env, Environment::Sandbox);
        assert_eq!(
            sandbox.token_url,
            "https://auth.sandbox.myparcel.com/access-token"
        );
        let (_, live) = p.endpoints(Some(Environment::Live), None).unwrap();
        assert_eq!(live.token_url, "https://auth.myparcel.com/access-token");
    }

    #[test]
    fn oro_needs_the_application_url() {
        let p = preset("oro").unwrap();
        assert_eq!(
            p.endpoints(None, None).unwrap_err(),
            PresetError::NeedsBaseUrl("oro".into())
        );
        let (_, e) = p.endpoints(None, Some("https://shop.example/")).unwrap();
        assert_eq!(e.token_url, "https://shop.example/oauth2-token");
    }

    #[test]
    fn unknown_preset_lists_the_known_ones() {
        let err = preset("dhl").unwrap_err().to_string();
        assert_eq!(
            err,
            "there is no preset \"dhl\"; known presets: bindeo, myparcel, oro, packly, parcel2go"
        );
    }
}
