//! The hops of each profile's last sign-in or token fetch, kept in memory for the running
//! process (the window's timeline; nothing is written), and failures diagnosed from them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::{Workspace, WorkspaceError};
use crate::auth::discovery;
use crate::net::trace::{self, Hop};
use crate::profile::Profile;
use crate::session::diagnose::{self, Diagnosis, Facts};

/// A profile's last sign-in or token fetch: its hops, and what went wrong when it failed.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub profile: String,
    pub started_at: DateTime<Utc>,
    pub hops: Vec<Hop>,
    pub diagnoses: Vec<Diagnosis>,
}

/// By keyring id: a renamed profile keeps its timeline.
#[derive(Default)]
pub(super) struct Timelines(Mutex<HashMap<String, Timeline>>);

/// How an operation's hops join the profile's timeline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Keep {
    /// A new sign-in or fetch starts a new timeline.
    Fresh,
    /// The second half of a sign-in (the browser came back, the device code was confirmed).
    Append,
    /// A call: its hops make a new timeline only when it fetched a token first.
    IfTokenFetched,
}

impl Workspace {
    /// The last sign-in or token fetch of `name` in this process, if there was one.
    pub fn timeline(&self, name: &str) -> Result<Option<Timeline>, WorkspaceError> {
        let profile = self.profile(name)?;
        let timelines = self.timelines.0.lock().unwrap_or_else(|e| e.into_inner());
        let found = timelines.get(&profile.keyring_id).cloned();
        Ok(found.map(|t| Timeline {
            profile: profile.name,
            ..t
        }))
    }

    /// Run `operation` for `profile` with its hops recorded into its timeline, and a failure
    /// diagnosed from them.
    pub(super) async fn traced<T>(
        &self,
        profile: &Profile,
        keep: Keep,
        operation: impl Future<Output = Result<T, WorkspaceError>>,
    ) -> Result<T, WorkspaceError> {
        let started_at = self.session.now();
        let (result, hops) = trace::recorded(operation).await;
        // The second half of a sign-in is judged with its first (the browser sent, never back).
        let mut seen = match keep {
            Keep::Append => self.timeline_hops(profile),
            _ => Vec::new(),
        };
        seen.extend(hops.iter().cloned());
        // Diagnoses read the provider's answers, so a failure before anything was sent (a keyring
        // refused, say) has none: looking would ask the keyring, and the person, again.
        let diagnoses = match &result {
            Err(e) if !seen.is_empty() && !matches!(e, WorkspaceError::Diagnosed { .. }) => {
                self.diagnoses(profile, &seen).await
            }
            _ => Vec::new(),
        };
        self.keep(profile, keep, started_at, hops, &diagnoses);
        match result {
            Err(source) if !diagnoses.is_empty() => Err(WorkspaceError::Diagnosed {
                source: Box::new(source),
                diagnoses,
            }),
            other => other,
        }
    }

    /// What the hops of a failed operation show, with what the provider's discovery document
    /// says it supports (fetched now, when the profile has an issuer).
    pub(super) async fn diagnoses(&self, profile: &Profile, hops: &[Hop]) -> Vec<Diagnosis> {
        let net = self.session.net_for(profile).await.ok();
        let found = match (&profile.issuer, net) {
            (Some(issuer), Some(net)) => discovery::discover(&net, issuer).await.ok(),
            _ => None,
        };
        let status = self.session.status(profile, false).await.ok();
        let claims = status
            .as_ref()
            .and_then(|s| Some(s.jwt.as_ref()?.claims.clone()));
        let audience = claims.and_then(|c| match c.get("aud")? {
            serde_json::Value::String(one) => Some(vec![one.clone()]),
            serde_json::Value::Array(many) => Some(
                many.iter()
                    .filter_map(|v| Some(v.as_str()?.to_string()))
                    .collect(),
            ),
            _ => None,
        });
        let scope = status.and_then(|s| s.meta?.scope);
        diagnose::diagnose(&Facts {
            profile,
            hops,
            discovery: found.as_ref(),
            now: self.session.now(),
            token_scopes: scope.map(|s| s.split_whitespace().map(str::to_string).collect()),
            token_audience: audience,
        })
    }

    fn timeline_hops(&self, profile: &Profile) -> Vec<Hop> {
        let timelines = self.timelines.0.lock().unwrap_or_else(|e| e.into_inner());
        let found = timelines.get(&profile.keyring_id);
        found.map(|t| t.hops.clone()).unwrap_or_default()
    }

    fn keep(
        &self,
        profile: &Profile,
        keep: Keep,
        started_at: DateTime<Utc>,
        hops: Vec<Hop>,
        diagnoses: &[Diagnosis],
    ) {
        let fetched = hops.iter().any(|h| h.step != "call");
        if hops.is_empty() || (keep == Keep::IfTokenFetched && !fetched) {
            return;
        }
        let mut timelines = self.timelines.0.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = Timeline {
            profile: profile.name.clone(),
            started_at,
            hops: Vec::new(),
            diagnoses: Vec::new(),
        };
        let timeline = timelines
            .entry(profile.keyring_id.clone())
            .or_insert(fresh.clone());
        if keep != Keep::Append {
            *timeline = fresh;
        }
        timeline.hops.extend(hops);
        timeline.diagnoses = diagnoses.to_vec();
    }
}
