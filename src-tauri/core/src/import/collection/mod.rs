//! Client collections (Postman, Insomnia, Bruno) read into one shape, then mapped onto Waybill
//! once: each reader (`postman`, `insomnia`, `bruno`) only says what its file holds.
//!
//! The mapping:
//! - the profile comes from the collection's OAuth 2.0 settings, else the first folder's or
//!   request's, else a token request (a POST whose body has `grant_type`) (`profile`);
//! - `{{name}}`s in those settings are filled from the file's variables (`variables`);
//! - secrets (a client secret, a password, a refresh token) are kept aside for the keyring, and
//!   variables holding secrets are never written: their values appear in no saved request
//!   (`secrets`);
//! - a request's own bearer (`Authorization: Bearer {{token}}`) gives way to the profile's
//!   (`requests`);
//! - token requests are not saved: Waybill fetches tokens itself.
//!
//! Here: the shape the readers fill, and `map`.

mod profile;
mod requests;
mod secrets;
mod variables;

use self::requests::{request_label, saved_request, Notes};
use self::variables::Variables;
use super::{Imported, Skipped, SkippedKind};
use crate::profile::{ClientAuth, Grant};
use crate::request::DraftBody;
use crate::secret::{ClientSecret, Password, RefreshToken};
use crate::store::saved::SavedRequest;

/// What a collection file holds, in the readers' common shape.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    /// What was read, in words: `Postman collection v2.1 (JSON)`.
    pub format: String,
    pub title: String,
    /// The collection's own auth (`Auth::None` when it has none).
    pub auth: Auth,
    pub requests: Vec<CollectionRequest>,
    /// Collection and environment variables, in the order found (the first of a name wins).
    pub variables: Vec<Variable>,
    /// What the reader could not map, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Default)]
pub struct CollectionRequest {
    /// Folder names from the top, joined with `/` when saved.
    pub folders: Vec<String>,
    pub name: String,
    pub method: String,
    /// As written, `{{name}}`s left in.
    pub url: String,
    /// Query rows beside the URL's own (readers may leave them in the URL instead).
    pub query: Vec<(String, String)>,
    /// Enabled headers only.
    pub headers: Vec<(String, String)>,
    pub body: DraftBody,
    /// The auth this request uses once folder and collection inheritance is followed.
    pub auth: Auth,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Auth {
    #[default]
    None,
    OAuth2(Box<OAuth2>),
    /// A bearer token, as written (a `{{name}}` or a literal).
    Bearer(String),
    Basic {
        username: String,
        password: String,
    },
    /// Another kind (API key, digest, AWS...), by name.
    Other(String),
}

/// OAuth 2.0 settings as a client collection gives them; every value as written (`{{name}}`s
/// are filled by the mapping).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OAuth2 {
    /// `None`: a grant Waybill has not (the reader puts its name in `skipped`).
    pub grant: Option<Grant>,
    pub token_url: String,
    pub authorize_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// `Some(Basic)` for credentials in a Basic header, `Some(Form)` in the body.
    pub client_auth: Option<ClientAuth>,
    pub scope: String,
    pub username: String,
    pub password: String,
    pub refresh_token: String,
    pub redirect_uri: String,
    /// Extra parameters for the token request (`audience`, `resource`...).
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variable {
    pub name: String,
    pub value: String,
    /// Marked secret in the file (Postman `type: secret`, Bruno `vars:secret`), named like one
    /// (`secret`, `password`, `apikey`, `...token`), or holding a JWT.
    pub secret: bool,
}

impl Variable {
    pub fn new(name: &str, value: &str, marked_secret: bool) -> Self {
        Variable {
            name: name.trim().to_string(),
            value: value.to_string(),
            secret: marked_secret
                || secrets::named_like_one(name)
                || secrets::looks_like_a_jwt(value),
        }
    }
}

/// The secrets a file holds, for the profile's keyring entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoundSecrets {
    pub client_secret: Option<ClientSecret>,
    pub password: Option<Password>,
    pub refresh_token: Option<RefreshToken>,
}

impl FoundSecrets {
    /// What they are, never their values: `client secret`, `password`, `refresh token`.
    pub fn kinds(&self) -> Vec<String> {
        [
            (self.client_secret.is_some(), "client secret"),
            (self.password.is_some(), "password"),
            (self.refresh_token.is_some(), "refresh token"),
        ]
        .into_iter()
        .filter(|(held, _)| *held)
        .map(|(_, kind)| kind.to_string())
        .collect()
    }
}

/// A grant's name as collections write it.
pub fn grant_named(name: &str) -> Option<Grant> {
    match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "client_credentials" | "clientcredentials" => Some(Grant::ClientCredentials),
        "authorization_code" | "authorizationcode" | "authorization_code_with_pkce" => {
            Some(Grant::AuthorizationCode)
        }
        "implicit" => Some(Grant::Implicit),
        "password" | "password_credentials" | "passwordcredentials" => Some(Grant::Password),
        "refresh_token" => Some(Grant::RefreshToken),
        "urn:ietf:params:oauth:grant_type:device_code" | "device_code" => Some(Grant::DeviceCode),
        _ => None,
    }
}

/// Map a collection onto Waybill: a profile (with the secrets for its keyring entries), saved
/// requests and variables.
pub fn map(collection: Collection) -> Imported {
    let Collection {
        format,
        title,
        auth,
        requests,
        variables,
        mut skipped,
    } = collection;
    let variables = Variables::new(variables, &mut skipped);
    let hidden = secrets::every_secret(&auth, &requests, &variables);
    let (token_requests, requests): (Vec<_>, Vec<_>) =
        requests.into_iter().partition(profile::is_token_request);
    let settings = match &auth {
        Auth::OAuth2(oauth) => Some((**oauth).clone()),
        _ => requests.iter().find_map(|r| match &r.auth {
            Auth::OAuth2(oauth) => Some((**oauth).clone()),
            _ => None,
        }),
    };
    let (profile, found) =
        profile::choose(settings.as_ref(), &token_requests, &variables, &mut skipped);
    for token in &token_requests {
        skipped.push(Skipped::new(
            SkippedKind::TokenRequest,
            request_label(token),
            "a token request: Waybill gets the profile's tokens itself",
        ));
    }
    let mut notes = Notes::default();
    let mut saved: Vec<SavedRequest> = requests
        .into_iter()
        .map(|r| saved_request(r, settings.as_ref(), &mut notes))
        .collect();
    skipped.extend(notes.into_skipped());
    super::dedupe_names(&mut saved);
    let mut imported = Imported {
        format,
        title,
        profile,
        requests: saved,
        variables: variables.plain(),
        other_servers: Vec::new(),
        skipped,
        secrets: found,
        removed: Vec::new(),
    };
    secrets::hide(&mut imported, &hidden);
    imported
}
