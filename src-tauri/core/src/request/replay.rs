//! A kept request sent again: a history entry back into a request (its redacted
//! `Authorization` dropped: the bearer comes from the profile when it goes out) or into the
//! builder's draft; replayed with another profile, a URL under the original profile's API base
//! moves to the new profile's base, so a sandbox call replayed on live goes to live.

use crate::profile::Profile;
use crate::redact::REDACTED;
use crate::request::{ApiRequest, DraftBody, RequestDraft};
use crate::store::history::Entry;

impl Entry {
    /// The request as it was sent, without its (redacted) `Authorization`: the bearer comes from
    /// the profile when it is sent again. Its headers already hold the profile's defaults.
    pub fn to_request(&self) -> ApiRequest {
        ApiRequest {
            method: self.method.clone(),
            target: self.url.clone(),
            headers: self.replayable_headers(),
            body: self.request_body.clone().map(String::into_bytes),
        }
    }

    /// The request to replay with `profile`. When it was sent under `original`'s API base and
    /// `profile` has another (replaying a sandbox call on live), the URL moves to `profile`'s base.
    pub fn to_request_for(&self, original: Option<&Profile>, profile: &Profile) -> ApiRequest {
        let mut request = self.to_request();
        let bases = original
            .and_then(|o| o.api_base.as_deref())
            .zip(profile.api_base.as_deref());
        if let Some((from, to)) = bases {
            let from = from.trim_end_matches('/');
            let rest = self.url.strip_prefix(from);
            if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with(['/', '?'])) {
                request.target = format!("{}{rest}", to.trim_end_matches('/'));
            }
        }
        request
    }

    /// The same, as the request builder's draft (the body as typed text).
    pub fn to_draft(&self) -> RequestDraft {
        RequestDraft {
            method: self.method.clone(),
            url: self.url.clone(),
            query: Vec::new(),
            headers: self.replayable_headers(),
            body: self
                .request_body
                .clone()
                .map(DraftBody::Raw)
                .unwrap_or_default(),
        }
    }

    /// Its headers without the credentials it was sent with (kept as `[redacted]`, whole or in
    /// part: `Bearer [redacted]`, `{client_id}:[redacted]`): the profile puts its own in when it
    /// goes out again.
    fn replayable_headers(&self) -> Vec<(String, String)> {
        let redacted = |v: &str| v.contains(REDACTED);
        (self.request_headers.iter())
            .filter(|(n, v)| !n.eq_ignore_ascii_case("authorization") && !redacted(v))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_with_another_profile_moves_to_its_api_base() {
        let profile = |name: &str, base: Option<&str>| Profile {
            name: name.into(),
            api_base: base.map(Into::into),
            ..Profile::default()
        };
        let sandbox = profile("sbx", Some("https://sandbox.api.example/v1/"));
        let live = profile("live", Some("https://api.example/v1"));
        let entry = |url: &str| Entry {
            id: 1,
            at: String::new(),
            profile: "sbx".into(),
            profile_id: None,
            environment: None,
            method: "GET".into(),
            url: url.into(),
            request_headers: vec![("Authorization".into(), "Bearer [redacted]".into())],
            request_body: None,
            status: Some(200),
            response_headers: Vec::new(),
            response_body: None,
            truncated: false,
            elapsed_ms: None,
            error: None,
        };
        let sent = entry("https://sandbox.api.example/v1/shipments?page=2");
        let replay = sent.to_request_for(Some(&sandbox), &live);
        assert_eq!(replay.target, "https://api.example/v1/shipments?page=2");
        assert!(
            replay.headers.is_empty(),
            "its Authorization is the new profile's"
        );
        assert_eq!(
            sent.to_request_for(Some(&sandbox), &sandbox).target,
            sent.url
        );
        // Elsewhere than the original base (or the original profile gone): sent where it went.
        let other = entry("https://elsewhere.example/v1/x");
        assert_eq!(
            other.to_request_for(Some(&sandbox), &live).target,
            other.url
        );
        assert_eq!(sent.to_request_for(None, &live).target, sent.url);
        let lookalike = entry("https://sandbox.api.example/v10/x");
        assert_eq!(
            lookalike.to_request_for(Some(&sandbox), &live).target,
            lookalike.url
        );
    }

    #[test]
    fn a_header_whose_credential_was_redacted_is_left_to_the_profile() {
        let entry = Entry {
            id: 1,
            at: String::new(),
            profile: "etsy".into(),
            profile_id: None,
            environment: None,
            method: "GET".into(),
            url: "https://api.example/v3/me".into(),
            request_headers: vec![
                ("Accept".into(), "application/json".into()),
                ("x-api-key".into(), REDACTED.into()),
                ("X-Partner-Key".into(), format!("partner-app:{REDACTED}")),
                ("Authorization".into(), format!("Bearer {REDACTED}")),
            ],
            request_body: None,
            status: Some(200),
            response_headers: Vec::new(),
            response_body: None,
            truncated: false,
            elapsed_ms: None,
            error: None,
        };
        assert_eq!(
            entry.to_request().headers,
            vec![("Accept".to_string(), "application/json".to_string())],
            "a replay never sends a record's [redacted]: the profile's own header goes instead"
        );
    }
}
