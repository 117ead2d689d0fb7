//! The auth a request uses: its own, else its nearest folder's, else the workspace's (as
//! Insomnia inherits it); OAuth 2.0 settings read as they are written.

use serde_json::Value;

use super::values::{flag, name_of, str_at, template, text};
use super::{Object, Reader};
use crate::import::collection::{grant_named, Auth, OAuth2};
use crate::import::{Skipped, SkippedKind};
use crate::profile::{ClientAuth, Grant};

impl<'a> Reader<'a> {
    /// The auth a request uses: its own, else its nearest folder's (Insomnia's
    /// `getOrInheritAuthentication`), else none.
    pub(super) fn auth_for(&mut self, idx: usize, above: &[usize], label: &str) -> (Auth, bool) {
        if let Some(own) = self.auth_of(idx, label) {
            return own;
        }
        for &parent in above {
            let kind = self.kind(parent);
            if kind == "request_group" || kind == "workspace" {
                let owner = self.owner(parent);
                if let Some(found) = self.auth_of(parent, &owner) {
                    return found;
                }
            }
        }
        (Auth::None, false)
    }

    /// The auth of the workspace, else of the first top-level folder that sets one.
    pub(super) fn collection_auth(&mut self) -> Auth {
        let workspaces = self.of_kind("workspace");
        let top_folders = self
            .of_kind("request_group")
            .into_iter()
            .filter(|&i| self.parent(i).is_some_and(|p| self.kind(p) == "workspace"));
        let owners: Vec<usize> = workspaces
            .iter()
            .take(1)
            .copied()
            .chain(top_folders)
            .collect();
        for idx in owners {
            let owner = self.owner(idx);
            if let Some((auth, _)) = self.auth_of(idx, &owner) {
                return auth;
            }
        }
        Auth::None
    }

    fn owner(&self, idx: usize) -> String {
        let kind = match self.kind(idx) {
            "workspace" => "workspace",
            _ => "folder",
        };
        format!(
            "{kind} {}",
            self.item(idx).map_or_else(String::new, |o| name_of(o, ""))
        )
    }

    fn auth_of(&mut self, idx: usize, owner: &str) -> Option<(Auth, bool)> {
        if let Some(known) = self.own_auth.get(&idx) {
            return known.clone();
        }
        let found = self
            .item(idx)
            .and_then(|o| o.get("authentication"))
            .and_then(Value::as_object)
            .and_then(|a| self.read_auth(a, owner));
        self.own_auth.insert(idx, found.clone());
        found
    }

    /// `None` when the object defers to the folder above: no `type`, or `disabled` (Insomnia's
    /// `getAuthObjectOrNull` and `isAuthEnabled`). `type: none` is an explicit "No Auth".
    fn read_auth(&mut self, auth: &Object, owner: &str) -> Option<(Auth, bool)> {
        let kind = str_at(auth, "type").trim().to_ascii_lowercase();
        if kind.is_empty() || flag(auth.get("disabled")) == Some(true) {
            return None;
        }
        let mut odd = false;
        let mut get = |key: &str| template(&text(auth.get(key)), &mut odd);
        let found = match kind.as_str() {
            "none" => Auth::None,
            "bearer" => Auth::Bearer(get("token")),
            "basic" => Auth::Basic {
                username: get("username"),
                password: get("password"),
            },
            "oauth2" => {
                let (oauth, note) = oauth2(auth, owner, &mut get);
                self.skipped.extend(note);
                Auth::OAuth2(Box::new(oauth))
            }
            _ => Auth::Other(kind),
        };
        Some((found, odd))
    }
}

/// OAuth 2.0 settings (`get` reads a field with its templates normalised), and a note when the
/// grant is not one Waybill has.
fn oauth2(
    auth: &Object,
    owner: &str,
    get: &mut impl FnMut(&str) -> String,
) -> (OAuth2, Option<Skipped>) {
    let grant_name = text(auth.get("grantType"));
    // Insomnia's default grant, for a file that omits it.
    let grant = match grant_name.trim() {
        "" => Some(Grant::AuthorizationCode),
        name => grant_named(name),
    };
    let note = grant.is_none().then(|| {
        Skipped::new(
            SkippedKind::Grant,
            format!("{owner}: the {} grant", grant_name.trim()),
            "not a grant Waybill has: choose one for the profile",
        )
    });
    let client_auth = flag(auth.get("credentialsInBody")).map(|in_body| match in_body {
        true => ClientAuth::Form,
        false => ClientAuth::Basic,
    });
    let params = ["audience", "resource"]
        .into_iter()
        .map(|key| (key.to_string(), get(key)))
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    let oauth = OAuth2 {
        grant,
        token_url: get("accessTokenUrl"),
        authorize_url: get("authorizationUrl"),
        client_id: get("clientId"),
        client_secret: get("clientSecret"),
        client_auth,
        scope: get("scope"),
        username: get("username"),
        password: get("password"),
        refresh_token: String::new(),
        redirect_uri: get("redirectUrl"),
        params,
    };
    (oauth, note)
}
