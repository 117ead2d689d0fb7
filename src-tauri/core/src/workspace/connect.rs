//! Connecting a carrier or marketplace as a person who knows only that provider: its preset, the
//! credentials it handed them and the values it asks for in its own words (an account number, a
//! shop). Nothing about grants, client authentication or token URLs: the preset knows those.

use std::collections::BTreeMap;

use super::{Secrets, Workspace, WorkspaceError};
use crate::profile::new::NewProfile;
use crate::profile::preset::{InputTarget, Preset};
use crate::profile::{validate_name, Environment, Grant, Profile, MAX_NAME};
use crate::secret::{ApiKey, ClientSecret, Password, RefreshToken};

/// What a person types to connect a provider.
#[derive(Debug, Default)]
pub struct Connect {
    pub preset: String,
    /// The profile's name; `None`: the preset's id (`ups`, then `ups-2` when taken).
    pub name: Option<String>,
    pub environment: Option<Environment>,
    pub client_id: Option<String>,
    pub client_secret: Option<ClientSecret>,
    /// The preset's inputs by id, as typed; secret ones go to the keyring.
    pub inputs: BTreeMap<String, String>,
}

impl Workspace {
    /// Make the profile a person connects: the preset's dialect, their credentials, each input
    /// where the preset says it goes (secret ones in the keyring). It is added like any
    /// profile; getting its token (or signing in) and checking it are the next steps.
    pub async fn connect(&self, connect: Connect) -> Result<Profile, WorkspaceError> {
        let preset = self.preset(&connect.preset)?;
        let mut new = NewProfile::from_preset(&preset);
        new.environment = connect.environment.or(new.environment);
        new.name = match &connect.name {
            Some(name) => name.trim().to_string(),
            None => self.free_name(&preset.id)?,
        };
        validate_name(&new.name)?;
        new.client_id = connect.client_id.map(|id| id.trim().to_string());
        let mut secrets = Secrets {
            client_secret: connect.client_secret,
            ..Secrets::default()
        };
        apply_inputs(&preset, &connect.inputs, &mut new, &mut secrets)?;
        self.add_profile(new, secrets).await
    }

    /// `wanted`, or `wanted-2`, `wanted-3`, ... when a profile has that name.
    fn free_name(&self, wanted: &str) -> Result<String, WorkspaceError> {
        let profiles = self.profiles()?;
        let wanted: String = wanted.chars().take(MAX_NAME - 4).collect();
        let mut name = wanted.clone();
        for n in 2.. {
            if !profiles.contains(&name) {
                break;
            }
            name = format!("{wanted}-{n}");
        }
        Ok(name)
    }
}

/// Each typed input into its place; a required one left blank is named in the provider's words.
fn apply_inputs(
    preset: &Preset,
    typed: &BTreeMap<String, String>,
    new: &mut NewProfile,
    secrets: &mut Secrets,
) -> Result<(), WorkspaceError> {
    for input in &preset.inputs {
        let value = typed.get(&input.id).map(|v| v.trim()).unwrap_or_default();
        if value.is_empty() {
            if input.required {
                return Err(WorkspaceError::InputMissing(input.label.clone()));
            }
            continue;
        }
        let value = input.value(value);
        match input.target().map_err(WorkspaceError::BadPreset)? {
            InputTarget::BaseUrl => new.base_url = Some(value),
            InputTarget::Username => new.username = Some(value),
            InputTarget::Header(name) => drop(new.headers.insert(name, value)),
            InputTarget::TokenRequestHeader(name) => {
                drop(new.token_request_headers.insert(name, value))
            }
            InputTarget::Param(name) => drop(new.params.insert(name, value)),
            // A person connecting expects it to keep working: the password is remembered.
            InputTarget::Password => {
                new.remember_password = new.grant == Some(Grant::Password);
                secrets.password = Some(Password::new(value));
            }
            InputTarget::ApiKey => secrets.api_key = Some(ApiKey::new(value)),
            InputTarget::RefreshToken => {
                new.grant = Some(Grant::RefreshToken);
                secrets.refresh_token = Some(RefreshToken::new(value));
            }
        }
    }
    Ok(())
}
