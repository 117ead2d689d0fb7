//! Secrets in a collection: which variables hold one (marked, named or shaped like one), every
//! secret value the file holds, and those values replaced by their `{{name}}` in everything the
//! import writes or shows, so none reaches a saved request, a variable, a note or the profile.

use super::profile::{is_token_request, token_offer};
use super::variables::{unfilled, Variables};
use super::{Auth, CollectionRequest, OAuth2};
use crate::import::Imported;
use crate::request::{DraftBody, RequestDraft};

/// `client_secret`, `UserPassword`, `apiKey`, `access_token`, `refreshToken`: names of secrets
/// (but not `token_url`: a URL about a token is no secret).
pub(super) fn named_like_one(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace(['-', '_', '.'], "");
    ["secret", "password", "passwd", "apikey"]
        .iter()
        .any(|w| lower.contains(w))
        || lower.ends_with("token")
}

/// Shaped like a JWT: three dot-separated parts, the first a JSON object's start (`eyJ` is `{"`).
pub(super) fn looks_like_a_jwt(value: &str) -> bool {
    let value = value.trim();
    value.starts_with("eyJ") && value.split('.').count() == 3 && value.len() > 30
}

/// Every secret value the file holds, wherever it was typed: secret variables, and the client
/// secrets, passwords and refresh tokens of every OAuth 2.0 and Basic setting (those of settings
/// that make no profile too), `{{name}}`s filled. With the name each is replaced by.
pub(super) fn every_secret(
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
pub(super) fn hide(imported: &mut Imported, hidden: &[(String, String)]) {
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
    use crate::import::collection::Variable;

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
