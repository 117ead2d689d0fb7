//! The profile a collection makes: from its OAuth 2.0 settings (the collection's, else the first
//! request's) with what a token request shows filling their gaps, else from the token request
//! alone. `{{name}}`s in them are filled from the file's variables; the client secret, password
//! and refresh token go aside for the keyring (`FoundSecrets`). Settings that make no profile
//! say why in `skipped` (`SkippedKind::OAuthSettings`).

use super::variables::{unfilled, unfilled_names, Variables};
use super::{grant_named, Auth, CollectionRequest, FoundSecrets, OAuth2};
use crate::import::{Skipped, SkippedKind};
use crate::profile::new::NewProfile;
use crate::profile::{ClientAuth, Grant};
use crate::request::DraftBody;
use crate::secret::{ClientSecret, Password, RefreshToken};

/// The profile and the secrets for its keyring entries: the settings with the best token
/// request filling their gaps, else that token request alone; the first that makes a profile.
/// Only that attempt's notes are kept when one does; when none does, every attempt's.
pub(super) fn choose(
    settings: Option<&OAuth2>,
    token_requests: &[CollectionRequest],
    variables: &Variables,
    skipped: &mut Vec<Skipped>,
) -> (Option<NewProfile>, FoundSecrets) {
    let offered = token_requests
        .iter()
        .filter_map(token_offer)
        .min_by_key(|o| grant_rank(o.grant));
    let mut candidates: Vec<OAuth2> = Vec::new();
    candidates.extend(merge(settings.cloned(), offered.clone()));
    candidates.extend(offered.filter(|o| grant_rank(o.grant) < 3));
    let mut failures = Vec::new();
    for candidate in &candidates {
        let mut notes = Vec::new();
        let mut found = FoundSecrets::default();
        match profile(candidate, variables, &mut found, &mut notes) {
            Some(made) => {
                skipped.extend(notes);
                return (Some(made), found);
            }
            None => failures.extend(notes),
        }
    }
    for failure in failures {
        if !skipped.contains(&failure) {
            skipped.push(failure);
        }
    }
    (None, FoundSecrets::default())
}

/// The profile the settings describe; `None` (and a note) when they name no usable endpoint.
fn profile(
    settings: &OAuth2,
    variables: &Variables,
    secrets: &mut FoundSecrets,
    skipped: &mut Vec<Skipped>,
) -> Option<NewProfile> {
    let mut note = |reason: String| {
        skipped.push(Skipped::new(
            SkippedKind::OAuthSettings,
            "OAuth 2.0 settings",
            reason,
        ))
    };
    let Some(grant) = settings.grant else {
        note("their grant is not one Waybill has".into());
        return None;
    };
    let token_url = endpoint(&settings.token_url, "token URL", variables, &mut note);
    let authorize_url = endpoint(
        &settings.authorize_url,
        "authorization URL",
        variables,
        &mut note,
    );
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
    Some(NewProfile {
        grant: Some(grant),
        token_url,
        authorize_url,
        client_id: Some(value(&settings.client_id).unwrap_or_default()),
        client_auth: client_auth(settings),
        scope: value(&settings.scope),
        params,
        redirect_uri,
        username: (grant == Grant::Password).then(|| value(&settings.username).unwrap_or_default()),
        remember_password: grant == Grant::Password && secrets.password.is_some(),
        ..NewProfile::default()
    })
}

/// One of the settings' URLs (`what`), `{{name}}`s filled; `None` when it is empty, and with a
/// note when it is not an http(s) URL or uses a variable the file gives no value for.
fn endpoint(
    raw: &str,
    what: &str,
    variables: &Variables,
    note: &mut dyn FnMut(String),
) -> Option<String> {
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
}

/// How the client authenticates: as the settings say, but a public client (no secret, not even
/// a `{{name}}` for one) sends its id in the body.
fn client_auth(settings: &OAuth2) -> Option<ClientAuth> {
    let public = settings.client_secret.trim().is_empty();
    match settings.client_auth {
        Some(ClientAuth::Json) => Some(ClientAuth::Json),
        _ if public => Some(ClientAuth::Form),
        auth => auth,
    }
}

/// A POST whose body has `grant_type`: the collection fetches tokens by hand.
pub(super) fn is_token_request(request: &CollectionRequest) -> bool {
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
pub(super) fn token_offer(request: &CollectionRequest) -> Option<OAuth2> {
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
