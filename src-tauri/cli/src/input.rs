//! Secrets from stdin (one per line, in the order the command asks) or a no-echo prompt; never
//! from flags, which other users of the machine can see.

use std::io::{IsTerminal, Read};

use waybill_core::workspace::{
    ApiKey, ClientSecret, Need, Password, Profile, RefreshToken, Secrets, SecretsNeeded,
};

use super::args::SecretFlags;
use super::output::Failure;
use super::Context;

/// Secrets from stdin, one per line, in the order the command asks for them; or a prompt without
/// echo when stdin is a terminal and the flag was not given.
#[derive(Default)]
pub struct StdinLines {
    lines: Option<std::vec::IntoIter<String>>,
}

impl StdinLines {
    pub fn next_line(&mut self, what: &str) -> Result<String, Failure> {
        if self.lines.is_none() {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut text)
                .map_err(|e| format!("could not read stdin: {e}"))?;
            let lines: Vec<String> = text
                .lines()
                .map(|l| l.trim_end_matches('\r').to_string())
                .collect();
            self.lines = Some(lines.into_iter());
        }
        match self.lines.as_mut().and_then(Iterator::next) {
            Some(line) if !line.is_empty() => Ok(line),
            _ => Err(format!("expected the {what} on its own line on stdin, found nothing").into()),
        }
    }

    pub fn secret_from(
        &mut self,
        from_stdin: bool,
        what: &str,
        prompt: &str,
    ) -> Result<String, Failure> {
        if from_stdin {
            return self.next_line(what);
        }
        if !std::io::stdin().is_terminal() {
            return Err(format!("no {what} given: pass it on stdin with the matching --...-stdin flag, or run in a terminal to be asked").into());
        }
        let value = rpassword::prompt_password(prompt)
            .map_err(|e| format!("could not read the {what}: {e}"))?;
        if value.is_empty() {
            return Err(format!("the {what} is empty").into());
        }
        Ok(value)
    }

    /// For --session-only: stdin if piped, else a prompt.
    fn secret(&mut self, what: &str, prompt: &str) -> Result<String, Failure> {
        let piped = !std::io::stdin().is_terminal();
        self.secret_from(piped, what, prompt)
    }

    /// The secrets `profile add` (or, `editing`, `profile edit`) was asked to take, in stdin
    /// order: client secret, password, refresh token, API key. Adding asks for what the profile
    /// needs (`Workspace::secrets_needed`); editing replaces only what a flag names.
    pub fn profile_secrets(
        &mut self,
        flags: &SecretFlags,
        needed: SecretsNeeded,
        editing: bool,
    ) -> Result<Secrets, Failure> {
        let asked = |need| !editing && need == Need::Asked;
        let client_secret = match flags.client_secret_stdin
            || (asked(needed.client_secret) && !flags.no_client_secret)
        {
            true => Some(ClientSecret::new(self.secret_from(
                flags.client_secret_stdin,
                "client secret",
                "Client secret: ",
            )?)),
            false => None,
        };
        let password = match flags.password_stdin || asked(needed.password) {
            true => Some(Password::new(self.secret_from(
                flags.password_stdin,
                "password",
                "Password: ",
            )?)),
            false => None,
        };
        let refresh_token = match flags.refresh_token_stdin {
            true => Some(RefreshToken::new(self.next_line("refresh token")?)),
            false => None,
        };
        let api_key = match flags.api_key_stdin || asked(needed.api_key) {
            true => Some(ApiKey::new(self.secret_from(
                flags.api_key_stdin,
                "API key",
                "API key: ",
            )?)),
            false => None,
        };
        Ok(Secrets {
            client_secret,
            password,
            refresh_token,
            api_key,
            forget_client_secret: editing && flags.no_client_secret,
            ..Secrets::default()
        })
    }
}

/// The environment variable a CI job sets for one of a profile's secrets (a public name):
/// `WAYBILL_<PROFILE>_<KIND>`, the profile's name upper-cased and any other character than a
/// letter or digit as `_` (`ups-live`: `WAYBILL_UPS_LIVE_CLIENT_SECRET`).
pub fn secret_variable(profile: &str, kind: &str) -> String {
    let name: String = (profile.chars())
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_uppercase(),
            false => '_',
        })
        .collect();
    format!("WAYBILL_{name}_{kind}")
}

impl Context {
    /// With --session-only the keyring is not used, so the secrets this profile needs come in
    /// now: exactly those it asks for when it is made (none for a certificate or a key), from
    /// the environment (`secret_variable`, for CI) or else stdin or a prompt. A refresh token
    /// comes from the environment only.
    pub async fn seed_session_secrets(&mut self, profile: &Profile) -> Result<(), Failure> {
        if !self.session_only {
            return Ok(());
        }
        let needed = profile.secrets_needed();
        let secrets = Secrets {
            client_secret: (self.session_secret(
                profile,
                needed.client_secret,
                "CLIENT_SECRET",
                "client secret",
            ))?
            .map(ClientSecret::new),
            password: (self.session_secret(profile, needed.password, "PASSWORD", "password"))?
                .map(Password::new),
            api_key: (self.session_secret(profile, needed.api_key, "API_KEY", "API key"))?
                .map(ApiKey::new),
            refresh_token: from_environment(profile, "REFRESH_TOKEN").map(RefreshToken::new),
            ..Secrets::default()
        };
        Ok(self.ws.put_secrets(profile, &secrets).await?)
    }

    /// One secret: the environment's, else (when the profile asks for it) stdin or a prompt.
    fn session_secret(
        &mut self,
        profile: &Profile,
        need: Need,
        kind: &str,
        what: &str,
    ) -> Result<Option<String>, Failure> {
        if need == Need::Unused {
            return Ok(None);
        }
        match (from_environment(profile, kind), need) {
            (Some(value), _) => Ok(Some(value)),
            (None, Need::Asked) => {
                let prompt = format!("{}: ", capitalised(what));
                let variable = secret_variable(&profile.name, kind);
                let asked = self.stdin.secret(what, &prompt);
                Ok(Some(asked.map_err(|f| {
                    f.with_hint(format!("or set {variable} (with --session-only, as in CI)"))
                })?))
            }
            (None, _) => Ok(None),
        }
    }
}

fn from_environment(profile: &Profile, kind: &str) -> Option<String> {
    let value = std::env::var(secret_variable(&profile.name, kind)).ok()?;
    Some(value.trim_end_matches(['\r', '\n']).to_string()).filter(|v| !v.is_empty())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
