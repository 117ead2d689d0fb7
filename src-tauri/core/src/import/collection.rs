//! Client collections (Postman, Insomnia, Bruno) read into one shape, then mapped onto Waybill
//! once: each reader (`postman`, `insomnia`, `bruno`) only says what its file holds.
//!
//! The mapping:
//! - the profile comes from the collection's OAuth 2.0 settings, else the first folder's or
//!   request's, else a token request (a POST whose body has `grant_type`);
//! - `{{name}}`s in those settings are filled from the file's variables;
//! - secrets (a client secret, a password, a refresh token) are kept aside for the keyring, and
//!   variables holding secrets are never written: their values appear in no saved request;
//! - a request's own bearer (`Authorization: Bearer {{token}}`) gives way to the profile's;
//! - token requests are not saved: Waybill fetches tokens itself.

use std::collections::BTreeMap;

use super::{clip, Imported, Skipped};
use crate::profile::new::NewProfile;
use crate::profile::{ClientAuth, Grant};
use crate::request::{DraftBody, RequestDraft};
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
            secret: marked_secret || secret_named(name) || looks_like_a_jwt(value),
        }
    }
}

/// `client_secret`, `UserPassword`, `apiKey`, `access_token`, `refreshToken`: names of secrets
/// (but not `token_url`: a URL about a token is no secret).
fn secret_named(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace(['-', '_', '.'], "");
    ["secret", "password", "passwd", "apikey"]
        .iter()
        .any(|w| lower.contains(w))
        || lower.ends_with("token")
}

fn looks_like_a_jwt(value: &str) -> bool {
    let value = value.trim();
    value.starts_with("eyJ") && value.split('.').count() == 3 && value.len() > 30
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
        self.named()
            .map(|(name, _)| name.replace('_', " "))
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
    let hidden = every_secret(&auth, &requests, &variables);
    let (token_requests, requests): (Vec<_>, Vec<_>) =
        requests.into_iter().partition(is_token_request);
    let settings = match &auth {
        Auth::OAuth2(oauth) => Some((**oauth).clone()),
        _ => requests.iter().find_map(|r| match &r.auth {
            Auth::OAuth2(oauth) => Some((**oauth).clone()),
            _ => None,
        }),
    };
    let offered = token_requests
        .iter()
        .filter_map(token_offer)
        .min_by_key(|o| grant_rank(o.grant));
    // The settings with a token request filling their gaps, else the token request alone: the
    // first that makes a profile. Only that attempt's notes are kept when one does.
    let mut candidates: Vec<OAuth2> = Vec::new();
    candidates.extend(merge(settings.clone(), offered.clone()));
    candidates.extend(offered.filter(|o| grant_rank(o.grant) < 3));
    let mut secrets = FoundSecrets::default();
    let mut profile = None;
    let mut failures = Vec::new();
    for candidate in &candidates {
        let mut notes = Vec::new();
        let mut found = FoundSecrets::default();
        match self::profile(candidate, &variables, &mut found, &mut notes) {
            Some(made) => {
                (profile, secrets) = (Some(made), found);
                skipped.extend(notes);
                break;
            }
            None => failures.extend(notes),
        }
    }
    if profile.is_none() {
        for failure in failures {
            if !skipped.contains(&failure) {
                skipped.push(failure);
            }
        }
    }
    for token in &token_requests {
        skipped.push(Skipped {
            item: request_label(token),
            reason: "a token request: Waybill gets the profile's tokens itself".into(),
        });
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
        secrets,
    };
    hide(&mut imported, &hidden);
    imported
}

/// Every secret value the file holds, wherever it was typed: secret variables, and the client
/// secrets, passwords and refresh tokens of every OAuth 2.0 and Basic setting (those of settings
/// that make no profile too), `{{name}}`s filled. With the name each is replaced by.
fn every_secret(
    auth: &Auth,
    requests: &[CollectionRequest],
    variables: &Variables,
) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = variables
        .secret()
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    let mut add = |name: &str, raw: &str| {
        let value = variables.fill(raw);
        if !value.is_empty() && !unfilled(&value) {
            found.push((name.to_string(), value));
        }
    };
    let offers: Vec<OAuth2> = requests
        .iter()
        .filter(|r| is_token_request(r))
        .filter_map(token_offer)
        .collect();
    let auths = std::iter::once(auth).chain(requests.iter().map(|r| &r.auth));
    for auth in auths {
        match auth {
            Auth::OAuth2(oauth) => {
                add("client_secret", &oauth.client_secret);
                add("password", &oauth.password);
                add("refresh_token", &oauth.refresh_token);
            }
            Auth::Basic { password, .. } => add("password", password),
            _ => {}
        }
    }
    for offer in &offers {
        add("client_secret", &offer.client_secret);
        add("password", &offer.password);
        add("refresh_token", &offer.refresh_token);
    }
    found.retain(|(_, value)| value.trim().chars().count() >= 4);
    // Longest first, so a secret containing another is replaced whole.
    found.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
    found.dedup_by(|a, b| a.1 == b.1);
    found
}

/// Replace every secret value by its `{{name}}` in everything the import writes or shows: the
/// saved requests (names and folders too: a nameless request is named after its URL), the
/// variables (a plain one holding a secret loses its value), the notes and the profile's fields.
fn hide(imported: &mut Imported, hidden: &[(String, String)]) {
    if hidden.is_empty() {
        return;
    }
    let clean = |text: &mut String| scrub_text(text, hidden);
    clean(&mut imported.title);
    clean(&mut imported.format);
    for saved in &mut imported.requests {
        clean(&mut saved.name);
        if let Some(folder) = &mut saved.folder {
            clean(folder);
        }
        scrub(&mut saved.request, hidden);
    }
    for (name, value) in &mut imported.variables {
        if hidden
            .iter()
            .any(|(_, secret)| value.contains(secret.as_str()))
        {
            value.clear();
        }
        clean(name);
    }
    for note in &mut imported.skipped {
        clean(&mut note.item);
        clean(&mut note.reason);
    }
    if let Some(profile) = &mut imported.profile {
        for field in [
            &mut profile.token_url,
            &mut profile.authorize_url,
            &mut profile.client_id,
            &mut profile.scope,
            &mut profile.username,
            &mut profile.redirect_uri,
            &mut profile.api_base,
            &mut profile.issuer,
        ]
        .into_iter()
        .flatten()
        {
            clean(field);
        }
        for value in profile.params.values_mut() {
            clean(value);
        }
    }
}

fn scrub_text(text: &mut String, hidden: &[(String, String)]) {
    for (name, value) in hidden {
        if text.contains(value.as_str()) {
            *text = text.replace(value.as_str(), &format!("{{{{{name}}}}}"));
        }
    }
}

/// The file's variables, first of a name winning; names Waybill cannot take are noted.
struct Variables(Vec<Variable>);

impl Variables {
    fn new(all: Vec<Variable>, skipped: &mut Vec<Skipped>) -> Self {
        let mut kept: Vec<Variable> = Vec::new();
        for variable in all {
            if kept.iter().any(|k| k.name == variable.name) {
                continue;
            }
            if crate::store::variables::check_name(&variable.name).is_err() {
                skipped.push(Skipped {
                    item: format!("variable {}", clip(&variable.name, 80)),
                    reason: "not a name Waybill variables take (letters, digits, - _ . only)"
                        .into(),
                });
                continue;
            }
            kept.push(variable);
        }
        Variables(kept)
    }

    /// `{{name}}`s filled with the file's values (nested ones too); unknown or empty ones stay.
    fn fill(&self, text: &str) -> String {
        let mut text = text.trim().to_string();
        for _ in 0..4 {
            let mut changed = false;
            for variable in self.0.iter().filter(|v| !v.value.trim().is_empty()) {
                let pattern = format!("{{{{{}}}}}", variable.name);
                if text.contains(&pattern) {
                    text = text.replace(&pattern, variable.value.trim());
                    changed = true;
                }
            }
            if !changed || text.len() > 10_000 {
                break;
            }
        }
        text
    }

    /// Variables with no secret in them, as Waybill keeps them (secret ones are listed with
    /// no value: the person sets them, or the profile's keyring entries cover them).
    fn plain(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|v| match v.secret {
                true => (v.name.clone(), String::new()),
                false => (v.name.clone(), v.value.clone()),
            })
            .collect()
    }

    fn secret(&self) -> impl Iterator<Item = (String, &str)> {
        self.0
            .iter()
            .filter(|v| v.secret)
            .map(|v| (v.name.clone(), v.value.trim()))
    }
}

impl FoundSecrets {
    fn named(&self) -> impl Iterator<Item = (String, &str)> {
        [
            (
                self.client_secret.as_ref().map(ClientSecret::expose),
                "client_secret",
            ),
            (self.password.as_ref().map(Password::expose), "password"),
            (
                self.refresh_token.as_ref().map(RefreshToken::expose),
                "refresh_token",
            ),
        ]
        .into_iter()
        .filter_map(|(value, name)| Some((name.to_string(), value?)))
    }
}

/// Still holds a `{{name}}` the file gave no value for.
fn unfilled(text: &str) -> bool {
    text.contains("{{") || text.contains("}}")
}

/// The `{{name}}`s left in `text`.
fn unfilled_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(format!("{{{{{}}}}}", &after[..end]));
        rest = &after[end + 2..];
    }
    names
}

/// The profile the settings describe; `None` (and a note) when they name no usable endpoint.
fn profile(
    settings: &OAuth2,
    variables: &Variables,
    secrets: &mut FoundSecrets,
    skipped: &mut Vec<Skipped>,
) -> Option<NewProfile> {
    let mut note = |reason: String| {
        skipped.push(Skipped {
            item: "OAuth 2.0 settings".into(),
            reason,
        })
    };
    let Some(grant) = settings.grant else {
        note("their grant is not one Waybill has".into());
        return None;
    };
    let url = |raw: &str, what: &str, note: &mut dyn FnMut(String)| -> Option<String> {
        let filled = variables.fill(raw);
        if filled.is_empty() {
            return None;
        }
        match url::Url::parse(&filled) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && !unfilled(&filled) => Some(filled),
            _ if unfilled(&filled) => {
                note(format!(
                    "the {what} {raw:?} uses {}, which the file gives no value for: give the \
                     environment file that does (--environment FILE)",
                    unfilled_names(&filled).join(", ")
                ));
                None
            }
            _ => {
                note(format!("the {what} {raw:?} is not an http(s) URL"));
                None
            }
        }
    };
    let token_url = url(&settings.token_url, "token URL", &mut note);
    let authorize_url = url(&settings.authorize_url, "authorization URL", &mut note);
    if grant != Grant::Implicit && settings.token_url.trim().is_empty() {
        note(format!("the {grant} grant needs a token URL"));
        return None;
    }
    if grant.is_browser() && settings.authorize_url.trim().is_empty() {
        note(format!("the {grant} grant needs an authorization URL"));
        return None;
    }
    if (grant != Grant::Implicit && token_url.is_none())
        || (grant.is_browser() && authorize_url.is_none())
    {
        return None;
    }
    let value = |raw: &str| {
        let filled = variables.fill(raw);
        (!filled.is_empty() && !unfilled(&filled)).then_some(filled)
    };
    secrets.client_secret = value(&settings.client_secret).map(ClientSecret::new);
    secrets.refresh_token = value(&settings.refresh_token).map(RefreshToken::new);
    if grant == Grant::Password {
        secrets.password = value(&settings.password).map(Password::new);
    }
    if grant == Grant::RefreshToken && secrets.refresh_token.is_none() {
        note("the refresh_token grant needs a refresh token, and the file gives none".into());
        return None;
    }
    let redirect_uri = value(&settings.redirect_uri).filter(|uri| {
        url::Url::parse(uri).is_ok_and(|u| {
            u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        })
    });
    let params = settings
        .params
        .iter()
        .filter_map(|(name, raw)| Some((name.clone(), value(raw)?)))
        .collect();
    // A public client (no secret, not even a `{{name}}` for one) sends its id in the body.
    let public = settings.client_secret.trim().is_empty();
    let client_auth = match settings.client_auth {
        Some(ClientAuth::Json) => Some(ClientAuth::Json),
        _ if public => Some(ClientAuth::Form),
        auth => auth,
    };
    Some(NewProfile {
        grant: Some(grant),
        token_url,
        authorize_url,
        client_id: Some(value(&settings.client_id).unwrap_or_default()),
        client_auth,
        scope: value(&settings.scope),
        params,
        redirect_uri,
        username: (grant == Grant::Password).then(|| value(&settings.username).unwrap_or_default()),
        remember_password: grant == Grant::Password && secrets.password.is_some(),
        ..NewProfile::default()
    })
}

/// A POST whose body has `grant_type`: the collection fetches tokens by hand.
fn is_token_request(request: &CollectionRequest) -> bool {
    request.method.eq_ignore_ascii_case("POST") && body_field(&request.body, "grant_type").is_some()
}

/// A field of a form, JSON or raw urlencoded body.
fn body_field(body: &DraftBody, name: &str) -> Option<String> {
    match body {
        DraftBody::Form(rows) => rows.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()),
        DraftBody::Json(text) => serde_json::from_str::<serde_json::Value>(text)
            .ok()?
            .get(name)?
            .as_str()
            .map(str::to_string),
        DraftBody::Raw(text) => url::form_urlencoded::parse(text.trim().as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned()),
        DraftBody::None => None,
    }
}

/// The settings a token request shows: its endpoint, grant, and how it sends the client's
/// credentials (the dialect).
fn token_offer(request: &CollectionRequest) -> Option<OAuth2> {
    let field = |name: &str| body_field(&request.body, name).unwrap_or_default();
    let basic = match &request.auth {
        Auth::Basic { username, password } => Some((username.clone(), password.clone())),
        _ => None,
    };
    let basic_header = request
        .headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("authorization") && v.trim().starts_with("Basic"));
    let client_auth = if matches!(request.body, DraftBody::Json(_)) {
        Some(ClientAuth::Json)
    } else if basic.is_some() || basic_header {
        Some(ClientAuth::Basic)
    } else if !field("client_secret").is_empty() {
        Some(ClientAuth::Form)
    } else {
        None
    };
    let (client_id, client_secret) = match basic {
        Some(pair) => pair,
        None => (field("client_id"), field("client_secret")),
    };
    Some(OAuth2 {
        grant: Some(grant_named(&field("grant_type"))?),
        token_url: request.url.clone(),
        client_id,
        client_secret,
        client_auth,
        scope: field("scope"),
        username: field("username"),
        password: field("password"),
        refresh_token: field("refresh_token"),
        ..OAuth2::default()
    })
}

/// Which token request to take the profile from: the grants that need nothing else first.
fn grant_rank(grant: Option<Grant>) -> u8 {
    match grant {
        Some(Grant::ClientCredentials) => 0,
        Some(Grant::Password) => 1,
        Some(Grant::RefreshToken) => 2,
        _ => 3,
    }
}

/// The collection's OAuth settings, with what a token request shows filling their gaps.
fn merge(settings: Option<OAuth2>, offered: Option<OAuth2>) -> Option<OAuth2> {
    let mut settings = settings?;
    if let Some(offered) = offered {
        let fill = |mine: &mut String, theirs: String| {
            if mine.trim().is_empty() {
                *mine = theirs;
            }
        };
        fill(&mut settings.token_url, offered.token_url);
        fill(&mut settings.client_id, offered.client_id);
        fill(&mut settings.client_secret, offered.client_secret);
        if settings.client_auth.is_none() {
            settings.client_auth = offered.client_auth;
        }
    }
    Some(settings)
}

/// Notes gathered over all requests, one per kind rather than one per request.
#[derive(Default)]
struct Notes(BTreeMap<String, Vec<String>>);

impl Notes {
    fn add(&mut self, reason: String, request: &CollectionRequest) {
        self.0
            .entry(reason)
            .or_default()
            .push(request_label(request));
    }

    fn into_skipped(self) -> impl Iterator<Item = Skipped> {
        self.0.into_iter().map(|(reason, items)| Skipped {
            item: match items.len() {
                1 => items[0].clone(),
                n => format!("{n} requests ({}, ...)", items[0]),
            },
            reason,
        })
    }
}

fn request_label(request: &CollectionRequest) -> String {
    let mut path = request.folders.clone();
    path.push(request.name.clone());
    clip(&path.join("/"), 200)
}

/// A request as a saved one: its own bearer gives way to the profile's.
fn saved_request(
    request: CollectionRequest,
    profile: Option<&OAuth2>,
    notes: &mut Notes,
) -> SavedRequest {
    match &request.auth {
        Auth::OAuth2(own) if Some(&**own) != profile => notes.add(
            "its own OAuth 2.0 settings differ from the profile's: it is sent with the \
             profile's token"
                .into(),
            &request,
        ),
        Auth::Basic { .. } | Auth::Other(_) => notes.add(
            format!(
                "its {} authentication is not carried over: Waybill sends the profile's token",
                match &request.auth {
                    Auth::Other(kind) => kind.as_str(),
                    _ => "Basic",
                }
            ),
            &request,
        ),
        _ => {}
    }
    if dynamic_variable(&request).is_some() {
        notes.add(
            "it uses its tool's dynamic variables ({{$...}}), which Waybill does not have: \
             give them a value when sending (--var NAME=VALUE)"
                .into(),
            &request,
        );
    }
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        let bearer = name.trim().eq_ignore_ascii_case("authorization")
            && value.trim().to_ascii_lowercase().starts_with("bearer");
        if !bearer {
            headers.push((name.clone(), value.clone()));
        }
    }
    let folder = request
        .folders
        .iter()
        .map(|f| clip(&f.replace('/', "-"), 100).trim().to_string())
        .filter(|f| !f.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    let name = clip(request.name.trim(), 200);
    SavedRequest {
        folder: (!folder.is_empty()).then_some(folder),
        name: match name.is_empty() {
            true => format!("{} {}", request.method, clip(&request.url, 100)),
            false => name,
        },
        request: RequestDraft {
            method: match request.method.trim() {
                "" => "GET".into(),
                method => method.to_ascii_uppercase(),
            },
            url: request.url.trim().to_string(),
            query: request.query,
            headers,
            body: request.body,
        },
        params: Vec::new(),
    }
}

/// The first `{{$name}}` (Postman's `$guid`, `$timestamp`...) the request uses.
fn dynamic_variable(request: &CollectionRequest) -> Option<&str> {
    let body = match &request.body {
        DraftBody::Json(text) | DraftBody::Raw(text) => vec![text.as_str()],
        DraftBody::Form(rows) => rows.iter().map(|(_, v)| v.as_str()).collect(),
        DraftBody::None => Vec::new(),
    };
    std::iter::once(request.url.as_str())
        .chain(request.query.iter().map(|(_, v)| v.as_str()))
        .chain(request.headers.iter().map(|(_, v)| v.as_str()))
        .chain(body)
        .find(|text| text.contains("{{$"))
}

/// Replace every secret value in the draft by its `{{name}}`.
fn scrub(draft: &mut RequestDraft, hidden: &[(String, String)]) {
    let clean = |text: &mut String| scrub_text(text, hidden);
    clean(&mut draft.url);
    for (name, value) in draft.query.iter_mut().chain(draft.headers.iter_mut()) {
        clean(name);
        clean(value);
    }
    match &mut draft.body {
        DraftBody::Json(text) | DraftBody::Raw(text) => clean(text),
        DraftBody::Form(rows) => rows.iter_mut().for_each(|(n, v)| {
            clean(n);
            clean(v);
        }),
        DraftBody::None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_told_by_their_mark_their_name_or_their_value() {
        let secret = |name: &str, value: &str| Variable::new(name, value, false).secret;
        for name in [
            "client_secret",
            "ClientSecret",
            "UserPassword",
            "apiKey",
            "api-key",
            "access_token",
            "refreshToken",
            "token",
        ] {
            assert!(secret(name, "x"), "{name}");
        }
        for name in [
            "client_credentials_access_token_url",
            "tokenUrl",
            "host",
            "client-id",
            "TenantID",
        ] {
            assert!(!secret(name, "x"), "{name}");
        }
        assert!(secret(
            "anything",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        ));
        assert!(Variable::new("host", "x", true).secret);
    }
}
