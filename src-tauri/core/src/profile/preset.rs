//! Provider presets: what Waybill knows of a provider's dialect, as data. One TOML file per
//! provider under `presets/`, built into the binary, and a team's own in a `presets/` folder
//! beside the profiles (loaded with them; a built-in id cannot be taken over).
//!
//! A preset gives the grants, the client authentication and how HTTP Basic encodes, the scope,
//! where the token goes on API calls and the headers every call and every token request needs,
//! per environment the URLs, what a person types beyond a client id and secret (in the
//! provider's own words, and where each goes), and one cheap request that proves a connection
//! works. `{base_url}` in a URL stands for the person's own application or shop URL.
//! Adding a provider that fits these is a new file and a test, no code.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::profile::template::HeaderTemplate;
use crate::profile::{BasicEncoding, ClientAuth, Environment, Grant};

const BUILT_IN: &[(&str, &str)] = &[
    (
        "amazon-sp-api",
        include_str!("../../presets/amazon-sp-api.toml"),
    ),
    ("bindeo", include_str!("../../presets/bindeo.toml")),
    (
        "dhl-parcel-de",
        include_str!("../../presets/dhl-parcel-de.toml"),
    ),
    ("easypost", include_str!("../../presets/easypost.toml")),
    ("ebay", include_str!("../../presets/ebay.toml")),
    ("etsy", include_str!("../../presets/etsy.toml")),
    ("fedex", include_str!("../../presets/fedex.toml")),
    ("myparcel", include_str!("../../presets/myparcel.toml")),
    ("oro", include_str!("../../presets/oro.toml")),
    ("packly", include_str!("../../presets/packly.toml")),
    ("parcel2go", include_str!("../../presets/parcel2go.toml")),
    ("sendcloud", include_str!("../../presets/sendcloud.toml")),
    ("shipengine", include_str!("../../presets/shipengine.toml")),
    ("shippo", include_str!("../../presets/shippo.toml")),
    ("shopify", include_str!("../../presets/shopify.toml")),
    ("ups", include_str!("../../presets/ups.toml")),
    ("usps", include_str!("../../presets/usps.toml")),
    ("walmart", include_str!("../../presets/walmart.toml")),
    ("zalando", include_str!("../../presets/zalando.toml")),
];

/// The largest preset file read from a team's folder.
const MAX_FILE_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(skip_deserializing)]
    pub id: String,
    /// Human name, e.g. "MyParcel.com".
    pub name: String,
    pub kind: ProviderKind,
    /// Where the provider documents its authentication.
    pub docs: String,
    /// One sentence: where a person gets the credentials this preset asks for.
    pub credentials: String,
    /// Grants the provider offers; the first is the default.
    pub grants: Vec<Grant>,
    #[serde(default)]
    pub client_auth: ClientAuth,
    #[serde(default)]
    pub basic_encoding: Option<BasicEncoding>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Where the credential goes on API calls (`NAME: TEMPLATE`); `None`: `Authorization: Bearer`.
    #[serde(default)]
    pub auth_header: Option<String>,
    /// Headers on every API call (values may be dynamic: `{{$uuid}}`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers on every token-endpoint request.
    #[serde(default)]
    pub token_request_headers: BTreeMap<String, String>,
    /// The environment used when the person names none.
    pub default_env: Environment,
    pub env: BTreeMap<Environment, PresetEnvironment>,
    /// What the person types beyond a client id and secret, in the provider's words.
    #[serde(default)]
    pub inputs: Vec<Input>,
    /// One cheap request that proves the connection works.
    #[serde(default)]
    pub check: Option<Check>,
    /// A sentence about this provider's quirks, if any.
    #[serde(default)]
    pub note: Option<String>,
    /// Built in, or a team's own from its `presets/` folder.
    #[serde(skip_deserializing)]
    pub built_in: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Carrier,
    Marketplace,
    /// A shipping or commerce platform between the two.
    Platform,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetEnvironment {
    /// `None` for API-key providers.
    #[serde(default)]
    pub token_url: Option<String>,
    pub api_base: String,
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub refresh_url: Option<String>,
    #[serde(default)]
    pub revocation_url: Option<String>,
}

/// A value a person types when connecting, and where it goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub id: String,
    /// In the provider's own words: "Account number", "Shop".
    pub label: String,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Where it goes: `base_url`, `username`, `password`, `api_key`, `refresh_token`,
    /// `headers.NAME`, `token_request_headers.NAME` or `params.NAME`.
    pub into: String,
    /// For `base_url`: a bare name (no dot) becomes this URL, `{}` the name
    /// (`https://{}.myshopify.com`).
    #[serde(default)]
    pub format: Option<String>,
}

/// Where an input goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputTarget {
    BaseUrl,
    Username,
    Password,
    ApiKey,
    RefreshToken,
    Header(String),
    TokenRequestHeader(String),
    Param(String),
}

impl InputTarget {
    /// Kept in the keyring, never in a file.
    pub fn is_secret(&self) -> bool {
        matches!(
            self,
            InputTarget::Password | InputTarget::ApiKey | InputTarget::RefreshToken
        )
    }
}

impl Input {
    pub fn target(&self) -> Result<InputTarget, String> {
        let named = |field: &str| self.into.strip_prefix(field).map(str::to_string);
        Ok(match self.into.as_str() {
            "base_url" => InputTarget::BaseUrl,
            "username" => InputTarget::Username,
            "password" => InputTarget::Password,
            "api_key" => InputTarget::ApiKey,
            "refresh_token" => InputTarget::RefreshToken,
            _ => match (
                named("headers."),
                named("token_request_headers."),
                named("params."),
            ) {
                (Some(h), _, _) => InputTarget::Header(h),
                (_, Some(h), _) => InputTarget::TokenRequestHeader(h),
                (_, _, Some(p)) => InputTarget::Param(p),
                _ => return Err(format!("input {:?} goes into {:?}, which is not a place Waybill knows (base_url, username, password, api_key, refresh_token, headers.NAME, token_request_headers.NAME, params.NAME)", self.id, self.into)),
            },
        })
    }

    pub fn is_secret(&self) -> bool {
        self.target().is_ok_and(|t| t.is_secret())
    }

    /// A typed value as it goes into its place (a shop's bare name made its URL).
    pub fn value(&self, typed: &str) -> String {
        let typed = typed.trim();
        match (&self.format, self.target()) {
            (Some(format), Ok(InputTarget::BaseUrl)) if !typed.contains(['.', '/']) => {
                format.replace("{}", typed)
            }
            (_, Ok(InputTarget::BaseUrl)) if !typed.contains("://") => format!("https://{typed}"),
            _ => typed.to_string(),
        }
    }
}

/// The request that proves a connection works, and where its answer names the account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Check {
    #[serde(default = "get")]
    pub method: String,
    /// Joined to the API base.
    pub path: String,
    /// A JSON pointer into the answer to what names the account (`/shop/name`).
    #[serde(default)]
    pub names: Option<String>,
}

fn get() -> String {
    "GET".into()
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
    #[error("the preset {path} cannot be used: {reason}")]
    Invalid { path: String, reason: String },
}

/// Every preset a workspace knows: the built-in ones, then a team's own.
#[derive(Debug, Clone)]
pub struct Presets {
    all: Vec<Preset>,
    /// A team's preset files that could not be used, each in a sentence.
    pub problems: Vec<String>,
}

impl Presets {
    pub fn built_in() -> Presets {
        let all = BUILT_IN
            .iter()
            .map(|(id, text)| {
                // Built-in data, checked by `every_built_in_preset_is_valid`: a defect if not.
                let mut preset = parse(id, text)
                    .unwrap_or_else(|e| panic!("built-in preset {id} is invalid: {e}"));
                preset.built_in = true;
                preset
            })
            .collect();
        Presets {
            all,
            problems: Vec::new(),
        }
    }

    /// The built-in presets and the `*.toml` files in `dir` (a missing folder has none). A file
    /// that cannot be used, or that takes a built-in preset's id, is left out and said why.
    pub fn with_folder(dir: &Path) -> Presets {
        let mut presets = Presets::built_in();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return presets;
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for file in files {
            match check_file(&file) {
                Ok(preset) if presets.all.iter().any(|p| p.id == preset.id) => {
                    presets.problems.push(format!(
                        "{} is not used: {:?} is the id of a built-in preset; rename the file",
                        file.display(),
                        preset.id
                    ))
                }
                Ok(preset) => presets.all.push(preset),
                Err(e) => presets.problems.push(e.to_string()),
            }
        }
        presets
    }

    pub fn all(&self) -> &[Preset] {
        &self.all
    }

    pub fn get(&self, id: &str) -> Result<&Preset, PresetError> {
        self.all.iter().find(|p| p.id == id).ok_or_else(|| {
            let known: Vec<&str> = self.all.iter().map(|p| p.id.as_str()).collect();
            PresetError::Unknown(id.to_string(), known.join(", "))
        })
    }
}

/// A team's preset file read and checked as Waybill would use it; its id is the file's name.
pub fn check_file(path: &Path) -> Result<Preset, PresetError> {
    let invalid = |reason: String| PresetError::Invalid {
        path: path.display().to_string(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| invalid(e.to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(invalid(format!(
            "it is {size} bytes; a preset is a few hundred"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(&id, &text).map_err(invalid)
}

fn parse(id: &str, text: &str) -> Result<Preset, String> {
    super::validate_name(id).map_err(|_| {
        format!("{id:?} is not a preset id: name the file with letters, digits, '-', '_' or '.'")
    })?;
    let mut preset: Preset = toml::from_str(text).map_err(|e| e.message().to_string())?;
    preset.id = id.to_string();
    preset.check()?;
    Ok(preset)
}

impl Preset {
    /// What a preset must hold to make working profiles, each failure in words.
    fn check(&self) -> Result<(), String> {
        if self.grants.is_empty() {
            return Err("it names no grant (grants = [\"client_credentials\"], ...)".into());
        }
        if !url::Url::parse(&self.docs).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            return Err(format!(
                "its docs {:?} is not an http(s) address",
                self.docs
            ));
        }
        if !self.env.contains_key(&self.default_env) {
            return Err(format!(
                "its default_env {} has no [env.{}] table",
                self.default_env, self.default_env
            ));
        }
        let needs_token_url = self.grants.iter().any(|g| g.needs_token_url());
        for (env, urls) in &self.env {
            if needs_token_url && urls.token_url.is_none() {
                return Err(format!(
                    "[env.{env}] has no token_url, which its grants need"
                ));
            }
            for url in [
                &urls.token_url,
                &urls.authorize_url,
                &urls.refresh_url,
                &urls.revocation_url,
            ]
            .into_iter()
            .flatten()
            .chain([&urls.api_base])
            {
                let filled = url.replace("{base_url}", "https://base.example");
                if !url::Url::parse(&filled).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
                    return Err(format!(
                        "[env.{env}] has {url:?}, which is not an http(s) URL"
                    ));
                }
            }
        }
        if let Some(line) = &self.auth_header {
            line.parse::<HeaderTemplate>().map_err(|e| e.to_string())?;
        }
        for (name, value) in self.headers.iter().chain(&self.token_request_headers) {
            let ok = http::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && http::HeaderValue::from_str(value).is_ok();
            if !ok {
                return Err(format!(
                    "the header {name:?}: {value:?} is not a valid header"
                ));
            }
        }
        for input in &self.inputs {
            input.target()?;
        }
        if let Some(check) = &self.check {
            if !check.path.starts_with('/') {
                return Err(format!("the check path {:?} must start with /", check.path));
            }
        }
        Ok(())
    }

    /// Its URLs for `env` (the default one when `None`), with `{base_url}` filled.
    pub fn endpoints(
        &self,
        env: Option<Environment>,
        base_url: Option<&str>,
    ) -> Result<(Environment, PresetEnvironment), PresetError> {
        let env = env.unwrap_or(self.default_env);
        let urls = self
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
        let fill_some = |url: &Option<String>| url.as_deref().map(fill).transpose();
        Ok((
            env,
            PresetEnvironment {
                token_url: fill_some(&urls.token_url)?,
                api_base: fill(&urls.api_base)?,
                authorize_url: fill_some(&urls.authorize_url)?,
                refresh_url: fill_some(&urls.refresh_url)?,
                revocation_url: fill_some(&urls.revocation_url)?,
            },
        ))
    }

    /// Its URLs hang off the person's own application or shop URL.
    pub fn needs_base_url(&self) -> bool {
        self.env.values().any(|e| e.api_base.contains("{base_url}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_preset_is_valid() {
        let all = Presets::built_in();
        assert_eq!(all.all().len(), BUILT_IN.len());
        for p in all.all() {
            assert!(p.env.contains_key(&p.default_env), "{}", p.id);
            assert!(p.docs.starts_with("https://"), "{}: cite its docs", p.id);
            assert!(!p.credentials.is_empty(), "{}", p.id);
        }
    }

    #[test]
    fn myparcel_has_sandbox_and_live_hosts() {
        let presets = Presets::built_in();
        let p = presets.get("myparcel").unwrap();
        let (env, sandbox) = p.endpoints(None, None).unwrap();
        assert_eq!(env, Environment::Sandbox);
        assert_eq!(
            sandbox.token_url.as_deref(),
            Some("https://auth.sandbox.myparcel.com/access-token")
        );
        let (_, live) = p.endpoints(Some(Environment::Live), None).unwrap();
        assert_eq!(
            live.token_url.as_deref(),
            Some("https://auth.myparcel.com/access-token")
        );
    }

    #[test]
    fn oro_needs_the_application_url() {
        let presets = Presets::built_in();
        let p = presets.get("oro").unwrap();
        assert_eq!(
            p.endpoints(None, None).unwrap_err(),
            PresetError::NeedsBaseUrl("oro".into())
        );
        let (_, e) = p.endpoints(None, Some("https://shop.example/")).unwrap();
        assert_eq!(
            e.token_url.as_deref(),
            Some("https://shop.example/oauth2-token")
        );
    }

    #[test]
    fn unknown_preset_lists_the_known_ones() {
        let err = Presets::built_in().get("dhl").unwrap_err().to_string();
        assert!(
            err.starts_with("there is no preset \"dhl\"; known presets: amazon-sp-api, bindeo,"),
            "{err}"
        );
    }

    #[test]
    fn a_shops_bare_name_becomes_its_url() {
        let shop = Input {
            id: "shop".into(),
            label: "Shop".into(),
            help: None,
            required: true,
            into: "base_url".into(),
            format: Some("https://{}.myshopify.com".into()),
        };
        assert_eq!(shop.value(" acme "), "https://acme.myshopify.com");
        assert_eq!(
            shop.value("acme.myshopify.com"),
            "https://acme.myshopify.com"
        );
        assert_eq!(shop.value("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
    }

    #[test]
    fn a_teams_preset_is_loaded_beside_the_built_in_ones_but_takes_none_of_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let own = r#"
name = "Acme Freight"
kind = "carrier"
docs = "https://developer.acme.example/auth"
credentials = "Ask your Acme account manager for an API key."
grants = ["api_key"]
auth_header = "X-Acme-Key: {api_key}"
default_env = "live"
[env.live]
api_base = "https://api.acme.example/v2"
"#;
        std::fs::write(dir.path().join("acme.toml"), own).unwrap();
        std::fs::write(dir.path().join("ups.toml"), own).unwrap();
        std::fs::write(dir.path().join("broken.toml"), "name = 1").unwrap();
        let presets = Presets::with_folder(dir.path());
        assert_eq!(presets.get("acme").unwrap().name, "Acme Freight");
        assert!(!presets.get("acme").unwrap().built_in);
        assert_eq!(
            presets.get("ups").unwrap().name,
            "UPS",
            "a built-in id is not taken over"
        );
        assert_eq!(presets.problems.len(), 2, "{:?}", presets.problems);
        assert!(presets
            .problems
            .iter()
            .any(|p| p.contains("id of a built-in preset")));
        assert!(presets.problems.iter().any(|p| p.contains("broken.toml")));
    }

    #[test]
    fn a_preset_file_is_checked_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            check_file(&path).unwrap_err().to_string()
        };
        let base = "name = \"X\"\nkind = \"carrier\"\ndocs = \"https://x\"\ncredentials = \"c\"\ndefault_env = \"live\"\n";
        assert!(write("a.toml", &format!("{base}grants = [\"client_credentials\"]\n[env.live]\napi_base = \"https://api.x\"\n"))
            .contains("has no token_url"));
        assert!(write("b.toml", &format!("{base}grants = [\"api_key\"]\nauth_header = \"X: {{tokn}}\"\n[env.live]\napi_base = \"https://api.x\"\n"))
            .contains("not a placeholder"));
        assert!(write(
            "c.toml",
            &format!("{base}grants = [\"api_key\"]\n[env.live]\napi_base = \"ftp://x\"\n")
        )
        .contains("not an http(s) URL"));
        assert!(write(
            "d.toml",
            &format!(
                "{base}grants = [\"api_key\"]\nextra = 1\n[env.live]\napi_base = \"https://x\"\n"
            )
        )
        .contains("unknown field"));
    }
}
