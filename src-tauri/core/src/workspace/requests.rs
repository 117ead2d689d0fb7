//! Requests: send one (the builder's draft, a command-line call, a saved request, a pasted
//! curl command) with the profile's token and keep it in history; preview it; copy it as curl;
//! keep saved requests; the user's variables.
//!
//! Every send goes through `send_and_record`: the URL is checked before a token is fetched for
//! nothing, `{{variables}}` are already filled, and history keeps the request as it went out
//! (redacted).

use super::timeline::Keep;
use super::{Workspace, WorkspaceError};
use crate::net::trace;
use crate::profile::template::REDACTED;
use crate::profile::{Environment, Grant, Profile};
use crate::request::curl::{self, CurlRequest};
use crate::request::variables::Scope;
use crate::request::{self, wire, ApiRequest, ApiResponse, Credentials, RequestDraft};
use crate::session::diagnose::Diagnosis;
use crate::store::history::{History, HistoryError, NewEntry};
use crate::store::saved::SavedRequest;
use crate::store::variables::{check_name, UserVariables};

/// The request as it will go out: the full URL, and every header with the bearer masked.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// What a profile's check request found: connected (a 2xx answer), and what the answer names.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Connection {
    pub connected: bool,
    pub status: u16,
    pub url: String,
    /// What the answer names at the preset's pointer: a shop, an account.
    pub names: Option<String>,
    /// The API's refusal in its own words, when it refused.
    pub message: Option<String>,
    /// Why it refused, as far as the exchange shows.
    pub diagnoses: Vec<Diagnosis>,
}

/// A request as curl: `shown` has the token redacted; `copied` has it only when asked for.
pub struct CurlCopy {
    pub shown: String,
    pub copied: String,
}

impl Workspace {
    /// The builder's draft for `name`, `{{variables}}` filled (then its JSON checked), sent.
    pub async fn send_draft(
        &self,
        name: &str,
        draft: &RequestDraft,
        vars: &[(String, String)],
    ) -> Result<ApiResponse, WorkspaceError> {
        let profile = self.profile(name)?;
        let request = self
            .scope(&profile, vars)?
            .fill_draft(draft)?
            .to_request()?;
        self.send_and_record(&profile, &request).await
    }

    /// A request from the command line, `{{variables}}` filled (a binary body is sent as it is).
    pub async fn call(
        &self,
        name: &str,
        request: &ApiRequest,
        vars: &[(String, String)],
    ) -> Result<ApiResponse, WorkspaceError> {
        let profile = self.profile(name)?;
        let request = self.scope(&profile, vars)?.fill_request(request)?;
        self.send_and_record(&profile, &request).await
    }

    /// A saved request of `name`, by its name or `folder/name`, sent like the builder's draft.
    pub async fn send_saved(
        &self,
        name: &str,
        reference: &str,
        vars: &[(String, String)],
    ) -> Result<ApiResponse, WorkspaceError> {
        let profile = self.profile(name)?;
        let saved = self.saved.find(&profile.keyring_id, name, reference)?;
        self.send_draft(name, &saved.request, vars).await
    }

    /// A pasted curl command sent with `name`'s token instead of its own `Authorization`; as
    /// given otherwise (no variables: it is a customer's call, already resolved).
    pub async fn send_curl(
        &self,
        name: &str,
        pasted: &CurlRequest,
    ) -> Result<ApiResponse, WorkspaceError> {
        let profile = self.profile(name)?;
        let mut pasted = pasted.clone();
        pasted.take_authorization();
        self.send_and_record(&profile, &pasted.to_api_request())
            .await
    }

    pub(super) async fn send_and_record(
        &self,
        profile: &Profile,
        request: &ApiRequest,
    ) -> Result<ApiResponse, WorkspaceError> {
        request::resolve_url(profile, &request.target)?;
        let send = async { Ok(request::send(&self.session, profile, request).await?) };
        let traced = self.traced(profile, Keep::IfTokenFetched, send);
        let (mut response, hops) = trace::recorded(traced).await;
        let refused = response
            .as_mut()
            .ok()
            .filter(|a| matches!(a.status, 401 | 403));
        if let Some(answer) = refused {
            answer.diagnoses = self.diagnoses(profile, &hops).await;
        }
        let error = response.as_ref().err().map(ToString::to_string);
        let outcome = response
            .as_ref()
            .map_err(|_| error.as_deref().unwrap_or_default());
        let recorded = self
            .history_db()
            .and_then(|h| Ok(record_sent(h, profile, request, outcome)?));
        if let Err(e) = recorded {
            tracing::warn!("the request was not kept in history: {e}");
        }
        response
    }

    /// Send the profile's check request (its preset's): does the connection work, and what
    /// account does it reach? The token or API key is fetched as for any call.
    pub async fn check_connection(&self, name: &str) -> Result<Connection, WorkspaceError> {
        let profile = self.profile(name)?;
        let presets = self.presets();
        let check = (profile.preset.as_deref())
            .and_then(|id| presets.get(id).ok()?.check.clone())
            .ok_or_else(|| WorkspaceError::NoCheck(profile.name.clone()))?;
        let request = ApiRequest::new(check.method.as_str(), check.path.as_str());
        let response = self.send_and_record(&profile, &request).await?;
        let names = (check.names.as_deref()).and_then(|pointer| {
            let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
            match body.pointer(pointer)? {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            }
        });
        Ok(Connection {
            connected: response.is_success(),
            status: response.status,
            url: response.url.clone(),
            names,
            message: response.provider_error().map(|e| e.to_string()),
            diagnoses: response.diagnoses,
        })
    }

    /// The draft as it will go out for `name`: variables filled, full URL, headers with the
    /// bearer masked.
    pub fn preview(&self, name: &str, draft: &RequestDraft) -> Result<Preview, WorkspaceError> {
        let profile = self.profile(name)?;
        let request = self.scope(&profile, &[])?.fill_draft(draft)?.to_request()?;
        let url = request::resolve_url(&profile, &request.target)?;
        let headers = (request::wire_headers(&profile, &request, Credentials::default()))
            .into_iter()
            .map(|h| match h.shown {
                Some(shown) => (h.name, shown.replace(REDACTED, "••••••••")),
                None => (h.name, h.value),
            })
            .collect();
        Ok(Preview {
            url: url.to_string(),
            headers,
        })
    }

    /// The draft as a curl command (variables filled); the token goes in only `with_token`.
    pub async fn draft_as_curl(
        &self,
        name: &str,
        draft: &RequestDraft,
        with_token: bool,
    ) -> Result<CurlCopy, WorkspaceError> {
        let profile = self.profile(name)?;
        let request = self.scope(&profile, &[])?.fill_draft(draft)?.to_request()?;
        self.as_curl(&profile, &profile, &request, with_token).await
    }

    /// `request` as curl with `defaults`' headers; the credentials (of `tokens`) only
    /// `with_token`.
    pub(super) async fn as_curl(
        &self,
        defaults: &Profile,
        tokens: &Profile,
        request: &ApiRequest,
        with_token: bool,
    ) -> Result<CurlCopy, WorkspaceError> {
        let shown = curl::to_curl(defaults, request, Credentials::default())?;
        if !with_token {
            return Ok(CurlCopy {
                copied: shown.clone(),
                shown,
            });
        }
        let token = match tokens.grant {
            Grant::ApiKey => None,
            _ => Some(self.session.token(tokens).await?.access_token),
        };
        let api_key = match tokens.uses_api_key() {
            true => Some(self.session.api_key(tokens).await?),
            false => None,
        };
        let credentials = Credentials {
            token: token.as_ref(),
            api_key: api_key.as_ref(),
            dpop: None,
        };
        let copied = curl::to_curl(defaults, request, credentials)?;
        Ok(CurlCopy { shown, copied })
    }

    /// What `{{name}}` means for `profile`'s requests, with `vars` for this one request on top.
    fn scope(&self, profile: &Profile, vars: &[(String, String)]) -> Result<Scope, WorkspaceError> {
        let mut scope = Scope::new(&self.variables.load()?, profile);
        for (name, value) in vars {
            check_name(name)?;
            scope = scope.with(name, value);
        }
        Ok(scope)
    }

    pub fn saved_requests(&self, name: &str) -> Result<Vec<SavedRequest>, WorkspaceError> {
        let profile = self.profile(name)?;
        Ok(self.saved.list(&profile.keyring_id)?)
    }

    /// Save `saved` for `name` (replacing the one of the same folder and name); returns them all.
    pub fn save_request(
        &self,
        name: &str,
        saved: SavedRequest,
    ) -> Result<Vec<SavedRequest>, WorkspaceError> {
        let profile = self.profile(name)?;
        self.saved.put(&profile.keyring_id, saved)?;
        Ok(self.saved.list(&profile.keyring_id)?)
    }

    pub fn delete_saved_request(
        &self,
        name: &str,
        folder: Option<&str>,
        saved_name: &str,
    ) -> Result<Vec<SavedRequest>, WorkspaceError> {
        let profile = self.profile(name)?;
        self.saved.remove(&profile.keyring_id, folder, saved_name)?;
        Ok(self.saved.list(&profile.keyring_id)?)
    }

    pub fn variables(&self) -> Result<UserVariables, WorkspaceError> {
        Ok(self.variables.load()?)
    }

    /// Set a variable for every environment (`None`) or one.
    pub fn set_variable(
        &self,
        name: &str,
        value: &str,
        environment: Option<Environment>,
    ) -> Result<(), WorkspaceError> {
        Ok(self.variables.set(name, value, environment)?)
    }

    pub fn unset_variable(
        &self,
        name: &str,
        environment: Option<Environment>,
    ) -> Result<(), WorkspaceError> {
        Ok(self.variables.unset(name, environment)?)
    }

    /// Apply an editor's changes (it showed `before`, the person made it `after`); returns the
    /// variables as they are now, with other Waybills' changes meanwhile kept.
    pub fn edit_variables(
        &self,
        before: &UserVariables,
        after: &UserVariables,
    ) -> Result<UserVariables, WorkspaceError> {
        self.variables.edit(before, after)?;
        self.variables()
    }
}

/// Keep what was sent for `profile` in history: the answer, or the error.
fn record_sent(
    history: &History,
    profile: &Profile,
    request: &ApiRequest,
    outcome: Result<&ApiResponse, &str>,
) -> Result<i64, HistoryError> {
    let url = request::resolve_url(profile, &request.target)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| request.target.clone());
    let response = outcome.ok();
    // What went out; a send that failed before, what would have (credentials redacted either way).
    let sent = match response {
        Some(r) => r.sent_headers.clone(),
        None => wire::shown(&request::wire_headers(
            profile,
            request,
            Credentials::default(),
        )),
    };
    let environment = profile.environment.map(|e| e.to_string());
    let secrets = response.map(|r| r.scrub.values()).unwrap_or_default();
    history.record(NewEntry {
        profile: &profile.name,
        profile_id: &profile.keyring_id,
        environment: environment.as_deref(),
        method: &request.method.to_ascii_uppercase(),
        url: response.map(|r| r.url.as_str()).unwrap_or(&url),
        request_headers: &sent,
        request_body: request.body.as_deref(),
        status: response.map(|r| r.status),
        response_headers: response.map(|r| r.headers.as_slice()).unwrap_or_default(),
        response_body: response.map(|r| r.body.as_slice()),
        elapsed_ms: response.map(|r| r.elapsed.as_millis() as u64),
        error: outcome.err(),
        secrets: &secrets,
    })
}
