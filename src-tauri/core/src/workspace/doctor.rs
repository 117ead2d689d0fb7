//! `doctor`: a profile checked step by step, each step passed, failed (with its sentence and what
//! to do) or skipped: the hosts resolve, their TLS certificates, discovery, the token endpoint,
//! a token, the client authentication the provider accepts (when asked), the token's claims, the
//! API with the token.
//!
//! Its report is made to be pasted into a ticket: it holds sentences, hosts, URLs and claims'
//! names, never a secret, token, code or key (a test searches it for each).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Workspace, WorkspaceError};
use crate::auth::{discovery, grant};
use crate::net::{probe, trace};
use crate::profile::{ClientAuth, Grant, Profile};
use crate::request::ApiRequest;
use crate::session::diagnose::Diagnosis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// "dns", "tls", "discovery", "token endpoint", "token", "client authentication", "claims",
    /// "api".
    pub step: &'static str,
    pub outcome: Outcome,
    pub sentence: String,
    /// What to do, when it failed.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub profile: String,
    pub passed: bool,
    pub steps: Vec<Step>,
}

/// The client authentications `--probe-client-auth` tries, one attempt each.
const PROBED: [(ClientAuth, &str); 3] = [
    (ClientAuth::Basic, "HTTP Basic"),
    (ClientAuth::Form, "the form body"),
    (ClientAuth::Json, "a JSON body"),
];

fn step(step: &'static str, outcome: Outcome, sentence: impl Into<String>) -> Step {
    Step {
        step,
        outcome,
        sentence: sentence.into(),
        fix: None,
    }
}

fn failed(name: &'static str, sentence: impl Into<String>, fix: Option<String>) -> Step {
    Step {
        fix,
        ..step(name, Outcome::Failed, sentence)
    }
}

/// A failure's diagnoses as one step's sentence and fix.
fn failed_with(name: &'static str, error: &WorkspaceError) -> Step {
    let diagnoses = error.diagnoses();
    let join = |part: fn(&Diagnosis) -> &str| {
        let parts: Vec<&str> = diagnoses.iter().map(part).collect();
        parts.join(" ")
    };
    match diagnoses.is_empty() {
        true => failed(name, error.to_string(), None),
        false => failed(
            name,
            format!(
                "{}. {}",
                error.to_string().trim_end_matches('.'),
                join(|d| &d.finding)
            ),
            Some(join(|d| &d.fix)),
        ),
    }
}

impl Workspace {
    /// Check `name` step by step. `probe_client_auth` also asks the token endpoint once with
    /// each client authentication (client credentials profiles), to name the one it accepts.
    pub async fn doctor(
        &self,
        name: &str,
        probe_client_auth: bool,
    ) -> Result<DoctorReport, WorkspaceError> {
        let profile = self.profile(name)?;
        let mut steps = self.reach(&profile).await;
        if let Some(issuer) = &profile.issuer {
            steps.push(self.discovery_step(&profile, issuer).await);
        }
        if profile.grant != Grant::ApiKey {
            steps.push(self.token_endpoint_step(&profile).await);
            let token = self.token(name).await;
            steps.push(match &token {
                Ok(_) => step("token", Outcome::Passed, "a token is issued"),
                Err(e) => failed_with("token", e),
            });
            if probe_client_auth {
                steps.push(self.probe_step(&profile).await);
            }
            if token.is_ok() {
                steps.push(self.claims_step(&profile).await);
            }
        }
        let no_token = steps
            .iter()
            .any(|s| s.step == "token" && s.outcome == Outcome::Failed);
        steps.push(match no_token {
            true => step("api", Outcome::Skipped, "not tried without a token"),
            false => self.api_step(&profile).await,
        });
        Ok(DoctorReport {
            profile: profile.name,
            passed: steps.iter().all(|s| s.outcome != Outcome::Failed),
            steps,
        })
    }

    /// Each host the profile talks to resolves; each https one shows a certificate this
    /// profile trusts, for its name, not expired.
    async fn reach(&self, profile: &Profile) -> Vec<Step> {
        let urls = [
            &profile.token_url,
            &profile.authorize_url,
            &profile.api_base,
        ];
        let mut hosts: Vec<(String, String)> = Vec::new();
        for url in urls.into_iter().flatten() {
            let Ok(parsed) = url::Url::parse(url) else {
                continue;
            };
            let host = format!(
                "{}:{}",
                parsed.host_str().unwrap_or_default(),
                parsed.port_or_known_default().unwrap_or(0)
            );
            if !hosts.iter().any(|(h, _)| *h == host) {
                hosts.push((host, url.clone()));
            }
        }
        let mut steps = Vec::new();
        for (host, url) in hosts {
            let resolved = probe::resolve(&url).await;
            steps.push(match resolved {
                Ok(addresses) => {
                    let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                    step("dns", Outcome::Passed, format!("{host} resolves to {}", list.join(", ")))
                }
                Err(sentence) => {
                    let fix = "Check the host name in the profile's URLs, and this machine's network and DNS.";
                    failed("dns", sentence, Some(fix.into()))
                }
            });
            if url.starts_with("https://")
                && steps.last().is_some_and(|s| s.outcome == Outcome::Passed)
            {
                steps.push(self.tls_step(profile, &host, &url).await);
            }
        }
        steps
    }

    async fn tls_step(&self, profile: &Profile, host: &str, url: &str) -> Step {
        let transport = match self.session.transport_for(profile).await {
            Ok(transport) => transport,
            Err(e) => return failed("tls", e.to_string(), None),
        };
        let timeout = std::time::Duration::from_secs(10);
        match probe::server_certificate(url, &transport, timeout).await {
            Ok(Some(facts)) => {
                let days = facts.days_left(self.session.now());
                let sentence = format!(
                    "{host}: a trusted certificate for {} issued by {}, valid until {} ({days} days)",
                    facts.names.join(", "),
                    facts.issuer,
                    facts.not_after.format("%Y-%m-%d")
                );
                match days {
                    d if d < 0 => failed("tls", sentence, Some("The server's certificate has expired: tell the provider.".into())),
                    _ => step("tls", Outcome::Passed, sentence),
                }
            }
            Ok(None) => step("tls", Outcome::Skipped, format!("{host} is not https")),
            Err(sentence) => failed(
                "tls",
                sentence,
                Some("If the CA is one to trust (a company proxy, the provider's private CA), give it to the profile (`--ca-file`).".into()),
            ),
        }
    }

    async fn discovery_step(&self, profile: &Profile, issuer: &str) -> Step {
        let net = match self.session.net_for(profile).await {
            Ok(net) => net,
            Err(e) => return failed("discovery", e.to_string(), None),
        };
        match discovery::discover(&net, issuer).await {
            Ok(found) => {
                let named = found
                    .token_endpoint
                    .as_deref()
                    .unwrap_or("no token endpoint");
                let mut sentence =
                    format!("{issuer} publishes its configuration; token endpoint: {named}");
                if found.token_endpoint.is_some() && found.token_endpoint != profile.token_url {
                    sentence.push_str(&format!(
                        " (the profile's is {})",
                        profile.token_url.as_deref().unwrap_or("unset")
                    ));
                }
                step("discovery", Outcome::Passed, sentence)
            }
            Err(e) => failed(
                "discovery",
                e.to_string(),
                Some("Check the profile's issuer URL (`--issuer`).".into()),
            ),
        }
    }

    /// The token URL answers an OAuth request in JSON: a client-less request, which it refuses
    /// in its own words (nothing secret is sent).
    async fn token_endpoint_step(&self, profile: &Profile) -> Step {
        let Some(url) = profile.token_url.as_deref() else {
            return failed(
                "token endpoint",
                "the profile has no token URL",
                Some("Set it (`--token-url`).".into()),
            );
        };
        let net = match self.session.net_for(profile).await {
            Ok(net) => net,
            Err(e) => return failed("token endpoint", e.to_string(), None),
        };
        let (answer, hops) = trace::recorded(grant::probe_token_endpoint(&net, url)).await;
        match answer {
            Ok(true) => step(
                "token endpoint",
                Outcome::Passed,
                format!("{url} answers in JSON"),
            ),
            Ok(false) => {
                let diagnoses = self.diagnoses(profile, &hops).await;
                let first = diagnoses.first();
                failed(
                    "token endpoint",
                    first.map_or(
                        format!("{url} does not answer in JSON: it is not a token endpoint"),
                        |d| d.finding.clone(),
                    ),
                    first.map(|d| d.fix.clone()),
                )
            }
            Err(e) => failed("token endpoint", e.to_string(), None),
        }
    }

    /// One client-credentials request per client authentication; the tokens are not kept.
    async fn probe_step(&self, profile: &Profile) -> Step {
        let name = "client authentication";
        if profile.grant != Grant::ClientCredentials {
            return step(
                name,
                Outcome::Skipped,
                "probing needs a client credentials profile (the other grants need a person)",
            );
        }
        let credentials = match self.session.client_credentials(profile).await {
            Ok(c) if c.secret.is_some() => c,
            Ok(_) => {
                return step(
                    name,
                    Outcome::Skipped,
                    "the profile has no client secret to send",
                )
            }
            Err(e) => return failed(name, e.to_string(), None),
        };
        let net = match self.session.net_for(profile).await {
            Ok(net) => net,
            Err(e) => return failed(name, e.to_string(), None),
        };
        let mut accepted = Vec::new();
        for (auth, words) in PROBED {
            let tried = Profile {
                client_auth: auth,
                ..profile.clone()
            };
            if grant::client_credentials(&net, &tried, &credentials, self.session.now())
                .await
                .is_ok()
            {
                accepted.push((auth, words));
            }
        }
        let list = |found: &[(ClientAuth, &str)]| {
            found.iter().map(|(_, w)| *w).collect::<Vec<_>>().join(", ")
        };
        match accepted.iter().find(|(auth, _)| *auth == profile.client_auth) {
            Some(_) => step(name, Outcome::Passed, format!("the provider accepts the client in {}", list(&accepted))),
            None if accepted.is_empty() => failed(name, "the provider refused the client every way it was sent (HTTP Basic, the form body, a JSON body)", Some("The client ID or secret is wrong: check them against what the provider issued.".into())),
            None => failed(
                name,
                format!("the provider accepts the client in {}, not the way this profile sends it", list(&accepted)),
                Some(format!("`waybill profile edit {} --client-auth {}`", profile.name, accepted[0].0)),
            ),
        }
    }

    /// What the token says of itself: expiry, scopes, audience, and its `iat` against this
    /// machine's clock.
    async fn claims_step(&self, profile: &Profile) -> Step {
        let status = match self.session.status(profile, false).await {
            Ok(status) => status,
            Err(e) => return failed("claims", e.to_string(), None),
        };
        let now = self.session.now();
        let meta = status.meta.as_ref();
        let mut parts = Vec::new();
        if let Some(at) = meta.and_then(|m| m.expires_at) {
            let left = (at - now).num_seconds();
            parts.push(match left {
                s if s < 120 => format!("expires in {s} s"),
                s => format!("expires in {} min", s / 60),
            });
        }
        parts.push(format!(
            "scope {}",
            meta.and_then(|m| m.scope.clone())
                .unwrap_or_else(|| "not stated".into())
        ));
        let claims = status.jwt.as_ref().map(|j| &j.claims);
        if let Some(aud) = claims.and_then(|c| c.get("aud")) {
            parts.push(format!("audience {aud}"));
        }
        let issued = claims
            .and_then(|c| c.get("iat")?.as_i64())
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
        let skew = issued.map(|iat| (now - iat).num_seconds());
        match skew {
            Some(s) if s < -60 => failed(
                "claims",
                format!("{}; the token was issued {} s in this machine's future: this clock is behind the provider's", parts.join(", "), -s),
                Some("Set this machine's clock right (`timedatectl set-ntp true`).".into()),
            ),
            _ => step("claims", Outcome::Passed, parts.join(", ")),
        }
    }

    /// The preset's check request, or the API base, with the token or key.
    async fn api_step(&self, profile: &Profile) -> Step {
        if profile.api_base.is_none() {
            return step("api", Outcome::Skipped, "the profile has no API base");
        }
        match self.check_connection(&profile.name).await {
            Ok(c) if c.connected => step(
                "api",
                Outcome::Passed,
                format!(
                    "HTTP {} from {}{}",
                    c.status,
                    c.url,
                    c.names
                        .map(|n| format!(": connected to {n}"))
                        .unwrap_or_default()
                ),
            ),
            Ok(c) => {
                let said = c.message.map(|m| format!(": {m}")).unwrap_or_default();
                let fix = c
                    .diagnoses
                    .iter()
                    .map(|d| format!("{} {}", d.finding, d.fix))
                    .collect::<Vec<_>>()
                    .join(" ");
                failed(
                    "api",
                    format!("HTTP {} from {}{said}", c.status, c.url),
                    (!fix.is_empty()).then_some(fix),
                )
            }
            Err(WorkspaceError::NoCheck(_)) => self.api_base_step(profile).await,
            Err(e) => failed_with("api", &e),
        }
    }

    /// Without a check request: the API base itself, which may well be a 404, but not a refusal
    /// of the credential.
    async fn api_base_step(&self, profile: &Profile) -> Step {
        let base = profile.api_base.clone().unwrap_or_default();
        match self
            .send_and_record(profile, &ApiRequest::new("GET", &base))
            .await
        {
            Ok(r) if matches!(r.status, 401 | 403) => {
                let finding = r
                    .diagnoses
                    .iter()
                    .map(|d| d.finding.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                let fix = r
                    .diagnoses
                    .iter()
                    .map(|d| d.fix.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                failed(
                    "api",
                    format!(
                        "HTTP {} from {base}: the API refused the credential. {finding}",
                        r.status
                    ),
                    (!fix.is_empty()).then_some(fix),
                )
            }
            Ok(r) if r.status >= 500 => failed(
                "api",
                format!("HTTP {} from {base}: the API failed", r.status),
                None,
            ),
            Ok(r) => step(
                "api",
                Outcome::Passed,
                format!("HTTP {} from {base}: the API took the credential", r.status),
            ),
            Err(e) => failed_with("api", &e),
        }
    }
}
