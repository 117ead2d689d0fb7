//! Failures diagnosed in words: from the hops of the operation that failed (their statuses,
//! content types, `Date`, `WWW-Authenticate`, the provider's own error), the profile and what
//! the provider's discovery document says it supports, the usual cause and what to do about it.
//!
//! The hops are already redacted; the provider's error code and sentence are not secrets, and
//! neither is anything a diagnosis quotes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::discovery::Discovery;
use crate::net::provider_error::ProviderError;
use crate::net::trace::Hop;
use crate::profile::{ClientAuth, Grant, Profile};

/// A cause, and what to do about it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub finding: String,
    pub fix: String,
}

/// What a diagnosis looks at.
pub struct Facts<'a> {
    pub profile: &'a Profile,
    pub hops: &'a [Hop],
    pub discovery: Option<&'a Discovery>,
    pub now: DateTime<Utc>,
    /// The scopes and audience of the token the API refused, when it is known.
    pub token_scopes: Option<Vec<String>>,
    pub token_audience: Option<Vec<String>>,
}

/// A clock this far off the provider's is worth saying (tokens and assertions allow a minute).
const SKEW_SECS: i64 = 60;

const TOKEN_STEPS: &[&str] = &[
    "token",
    "refresh",
    "device authorization",
    "device poll",
    "par",
    "revocation",
    "introspection",
];

/// Every cause the hops show, most specific first (empty when nothing failed or none is known).
pub fn diagnose(facts: &Facts) -> Vec<Diagnosis> {
    let mut found = Vec::new();
    if let Some(hop) = failed_hop(facts.hops) {
        found.extend(not_a_token_endpoint(facts, hop));
        if found.is_empty() {
            found.extend(said_by_provider(facts, hop));
        }
        if hop.step == "call" && matches!(hop.status, Some(401 | 403)) {
            found.push(api_refused(facts, hop));
        }
    } else if browser_never_came_back(facts.hops) {
        found.push(redirect_refused(facts, None));
    }
    let failed = failed_hop(facts.hops).is_some() || browser_never_came_back(facts.hops);
    if failed {
        found.extend(clock_off(facts));
    }
    found
}

/// The last hop that failed: an HTTP error, a web page where a token endpoint answers JSON, no
/// answer, or a redirect back with `error=`.
fn failed_hop(hops: &[Hop]) -> Option<&Hop> {
    hops.iter().rev().find(|hop| match hop.status {
        Some(status) => status >= 400 || (TOKEN_STEPS.contains(&hop.step) && answered_page(hop)),
        None => hop.step == "redirect" && query(&hop.url, "error").is_some(),
    })
}

fn answered_page(hop: &Hop) -> bool {
    let response = hop.response.as_ref();
    let content_type = response.and_then(|r| header(&r.headers, "content-type"));
    content_type.is_some_and(|t| t.contains("html"))
}

/// The browser was sent to the provider and never came back (the sign-in timed out or was
/// cancelled): a provider that refuses the redirect URI shows its error page there, and stops.
fn browser_never_came_back(hops: &[Hop]) -> bool {
    let sent = hops.iter().rposition(|h| h.step == "authorize");
    sent.is_some_and(|at| !hops[at..].iter().any(|h| h.step == "redirect"))
}

fn query(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let found = url.query_pairs().find(|(k, _)| k == name);
    found.map(|(_, v)| v.into_owned())
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    let found = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
    found.map(|(_, v)| v.as_str())
}

/// A token URL that answers 404, 405 or a web page is not a token endpoint.
fn not_a_token_endpoint(facts: &Facts, hop: &Hop) -> Option<Diagnosis> {
    if !TOKEN_STEPS.contains(&hop.step) {
        return None;
    }
    let response = hop.response.as_ref()?;
    let content_type = header(&response.headers, "content-type").unwrap_or_default();
    let page = content_type.contains("html");
    let answered = match hop.status {
        Some(404) => "HTTP 404 (not found)".to_string(),
        Some(405) => "HTTP 405 (method not allowed)".to_string(),
        Some(status) if page => format!("a web page (HTTP {status}, {content_type})"),
        _ => return None,
    };
    let url = hop.url.split('?').next().unwrap_or_default();
    let named = facts.discovery.and_then(|d| d.token_endpoint.as_deref());
    let fix = match named.filter(|named| *named != url) {
        Some(named) => format!(
            "The provider's discovery document names {named} as its token endpoint: set the profile's token URL to it (`--token-url {named}`)."
        ),
        None => "Look up the token URL in the provider's documentation (the address a client POSTs to for tokens, often ending in /token) and set it (`--token-url`).".into(),
    };
    Some(Diagnosis {
        finding: format!("{url} is not a token endpoint: it answered {answered}."),
        fix,
    })
}

/// The provider's own error code, from the answer's body or the redirect's query.
fn provider_said(hop: &Hop) -> Option<(String, String)> {
    if hop.step == "redirect" {
        let code = query(&hop.url, "error")?;
        return Some((
            code,
            query(&hop.url, "error_description").unwrap_or_default(),
        ));
    }
    let body = hop.response.as_ref()?.body.as_deref()?;
    let said = ProviderError::from_body(body.as_bytes())?;
    Some((
        said.code.unwrap_or_default(),
        said.message.unwrap_or_default(),
    ))
}

fn said_by_provider(facts: &Facts, hop: &Hop) -> Option<Diagnosis> {
    let (code, description) = provider_said(hop)?;
    let lower = description.to_ascii_lowercase();
    let profile = facts.profile;
    if lower.contains("redirect") {
        return Some(redirect_refused(facts, Some(&description)));
    }
    if lower.contains("pkce")
        || lower.contains("code_challenge")
        || lower.contains("code challenge")
    {
        return Some(pkce_required(profile, &description));
    }
    match code.as_str() {
        "invalid_client" => Some(client_refused(facts, hop)),
        "invalid_scope" => Some(scope_refused(facts)),
        "unsupported_grant_type" | "unauthorized_client" => Some(grant_refused(facts, &code)),
        _ => None,
    }
}

fn quoted(description: &str) -> String {
    match description.is_empty() {
        true => String::new(),
        false => format!(" (it said: {description})"),
    }
}

fn supported(list: Option<&Vec<String>>, what: &str) -> String {
    match list.filter(|l| !l.is_empty()) {
        Some(list) => format!(
            " Its discovery document lists these {what}: {}.",
            list.join(", ")
        ),
        None => String::new(),
    }
}

/// Whether the failing request carried a client secret or assertion at all.
fn client_credential_sent(hop: &Hop) -> bool {
    let body = hop.request.body.as_deref().unwrap_or_default();
    header(&hop.request.headers, "authorization").is_some()
        || body.contains("client_secret")
        || body.contains("client_assertion")
}

/// The names OAuth's registry gives each client authentication (RFC 7591 §2, RFC 8705).
fn registered_name(auth: ClientAuth) -> Option<&'static str> {
    match auth {
        ClientAuth::Form => Some("client_secret_post"),
        ClientAuth::Basic => Some("client_secret_basic"),
        ClientAuth::Json => None,
        ClientAuth::TlsClientAuth => Some("tls_client_auth"),
        ClientAuth::SelfSignedTlsClientAuth => Some("self_signed_tls_client_auth"),
        ClientAuth::ClientSecretJwt => Some("client_secret_jwt"),
        ClientAuth::PrivateKeyJwt => Some("private_key_jwt"),
    }
}

fn how_sent(auth: ClientAuth) -> &'static str {
    match auth {
        ClientAuth::Form => "in the form body (client_secret_post)",
        ClientAuth::Basic => "in HTTP Basic (client_secret_basic)",
        ClientAuth::Json => "in a JSON body",
        ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth => {
            "by its TLS client certificate"
        }
        ClientAuth::ClientSecretJwt | ClientAuth::PrivateKeyJwt => "as a signed client assertion",
    }
}

fn client_refused(facts: &Facts, hop: &Hop) -> Diagnosis {
    let profile = facts.profile;
    let name = &profile.name;
    if !client_credential_sent(hop) && !profile.client_auth.is_mutual_tls() {
        return Diagnosis {
            finding: format!(
                "The provider refused client {}, sent without a secret as a public client.",
                profile.client_id,
            ),
            fix: format!("The provider has this client registered as confidential: give the profile the client secret it issued (`waybill profile set-secret {name}`), or register the client as public."),
        };
    }
    let methods = facts
        .discovery
        .and_then(|d| d.token_endpoint_auth_methods_supported.as_ref());
    let ours = registered_name(profile.client_auth);
    let unlisted = methods.is_some_and(|m| !ours.is_some_and(|o| m.iter().any(|x| x == o)));
    let mut finding = format!(
        "The provider refused client {}, sent {}.",
        profile.client_id,
        how_sent(profile.client_auth)
    );
    if unlisted {
        finding.push_str(&supported(methods, "client authentications"));
    }
    Diagnosis {
        finding,
        fix: format!("Check the client ID and secret the provider issued. If they are right, the provider wants them sent another way: `waybill doctor {name} --probe-client-auth` tries HTTP Basic, the form body and a JSON body once each and names the one it accepts (`--client-auth`)."),
    }
}

fn scope_refused(facts: &Facts) -> Diagnosis {
    let asked = facts.profile.scope.as_deref().unwrap_or("(none)");
    let listed = facts.discovery.and_then(|d| d.scopes_supported.as_ref());
    Diagnosis {
        finding: format!(
            "The provider refused the scopes asked for: {asked}.{}",
            supported(listed, "scopes")
        ),
        fix: "Ask only for scopes the provider documents for this client (`--scope`), or have them granted to the client at the provider.".into(),
    }
}

fn grant_refused(facts: &Facts, code: &str) -> Diagnosis {
    let grant = facts.profile.grant;
    let listed = facts
        .discovery
        .and_then(|d| d.grant_types_supported.as_ref());
    let whom = match code {
        "unauthorized_client" => " for this client",
        _ => "",
    };
    Diagnosis {
        finding: format!(
            "The provider does not allow the {grant} grant{whom}.{}",
            supported(listed, "grants")
        ),
        fix: "Use a grant the provider offers this client (`--grant`), or enable this one for the client in the provider's console.".into(),
    }
}

/// The redirect URI Waybill sent: the one in the authorize URL, else the profile's.
fn sent_redirect_uri(facts: &Facts) -> String {
    let authorize = facts.hops.iter().rev().find(|h| h.step == "authorize");
    let sent = authorize.and_then(|h| query(&h.url, "redirect_uri"));
    let fallback = || facts.profile.redirect_uri.clone();
    sent.or_else(fallback)
        .unwrap_or_else(|| "http://127.0.0.1:<a free port>/callback".into())
}

fn redirect_refused(facts: &Facts, description: Option<&str>) -> Diagnosis {
    let uri = sent_redirect_uri(facts);
    let finding = match description {
        Some(said) => format!("The provider does not accept the redirect URI Waybill sent, {uri}{}.", quoted(said)),
        None => format!("The browser never came back to {uri}. If the provider showed an error page, it most likely does not accept this redirect URI."),
    };
    let fixed = url::Url::parse(&uri)
        .is_ok_and(|u| u.port().is_some() && facts.profile.redirect_uri.is_some());
    let fix = match fixed {
        true => format!("Register exactly {uri} as a redirect URI of the client at the provider."),
        false => "Register the redirect URI at the provider. Waybill picks a free port each time unless the profile fixes one: set `--redirect-uri http://127.0.0.1:PORT/callback` and register exactly that.".into(),
    };
    Diagnosis { finding, fix }
}

fn pkce_required(profile: &Profile, description: &str) -> Diagnosis {
    let fix = match profile.grant {
        Grant::Implicit => "The implicit grant cannot use PKCE: switch the profile to the authorization code grant (`--grant authorization_code`), which always sends it.".into(),
        _ => "Waybill sends PKCE (S256) with every code sign-in: sign in again from the start, in the browser window Waybill opens (a sign-in page left over from an earlier attempt carries another challenge).".to_string(),
    };
    Diagnosis {
        finding: format!("The provider's PKCE check failed{}.", quoted(description)),
        fix,
    }
}

/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="a b"`: one parameter's value.
fn challenge(value: &str, name: &str) -> Option<String> {
    let at = value.find(&format!("{name}="))? + name.len() + 1;
    let rest = &value[at..];
    let text = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split([',', ' ']).next()?,
    };
    Some(text.to_string())
}

fn api_refused(facts: &Facts, hop: &Hop) -> Diagnosis {
    let sent = hop
        .request
        .headers
        .iter()
        .find(|(_, v)| v.contains(crate::redact::REDACTED));
    let how = match sent {
        Some((name, value)) => format!("`{name}: {value}`"),
        None => "no credential header".into(),
    };
    let response = hop.response.as_ref();
    let asked = response.and_then(|r| header(&r.headers, "www-authenticate"));
    let body = response.and_then(|r| r.body.as_deref()).unwrap_or_default();
    let said = asked
        .and_then(|a| challenge(a, "error_description").or_else(|| challenge(a, "error")))
        .or_else(|| ProviderError::from_body(body.as_bytes()).map(|e| e.to_string()));
    let status = hop.status.unwrap_or_default();
    let mut finding = format!("The API answered HTTP {status} to the token sent as {how}");
    finding.push_str(&match said {
        Some(said) => format!("; it said: {said}."),
        None => ".".into(),
    });
    if let Some(wanted) = asked.and_then(|a| challenge(a, "scope")) {
        let has = facts
            .token_scopes
            .as_ref()
            .map_or("(not known)".into(), |s| s.join(" "));
        finding.push_str(&format!(
            " It asks for scope {wanted}; the token has {has}."
        ));
    }
    if let Some(audience) = &facts.token_audience {
        finding.push_str(&format!(
            " The token is for audience {}.",
            audience.join(", ")
        ));
    }
    Diagnosis {
        finding,
        fix: "If the API wants the token in another header or scheme, set the profile's auth header (`--auth-header 'X-Header: {token}'`); if it wants other scopes or another audience, ask for them (`--scope`, or `--param audience=...`) and get a new token (`waybill logout`, then `waybill token`).".into(),
    }
}

/// The provider's `Date` against this machine's clock, when they are over a minute apart.
fn clock_off(facts: &Facts) -> Option<Diagnosis> {
    let hop = facts.hops.iter().rev().find(|h| h.response.is_some())?;
    let date = header(&hop.response.as_ref()?.headers, "date")?;
    let theirs = DateTime::parse_from_rfc2822(date).ok()?.with_timezone(&Utc);
    let skew = (facts.now - theirs).num_seconds();
    if skew.abs() <= SKEW_SECS {
        return None;
    }
    let way = if skew > 0 { "ahead of" } else { "behind" };
    Some(Diagnosis {
        finding: format!(
            "This machine's clock is {} s {way} the provider's (its Date header says {date}).",
            skew.abs()
        ),
        fix: "Set this machine's clock right (turn on network time: `timedatectl set-ntp true`): providers judge tokens and signed assertions by their own clock.".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trace::Message;

    fn profile() -> Profile {
        let mut profile: Profile = toml::from_str(
            "name = \"shop\"\ngrant = \"client_credentials\"\nclient_id = \"app\"\nclient_auth = \"basic\"\nkeyring_id = \"k\"\n",
        )
        .unwrap();
        profile.scope = Some("read write".into());
        profile
    }

    fn hop(step: &'static str, status: u16, content_type: &str, body: &str) -> Hop {
        Hop {
            step,
            method: "POST".into(),
            url: "https://id.example/oauth/token".into(),
            status: Some(status),
            elapsed_ms: 5,
            request: Message {
                headers: vec![("authorization".into(), "Basic [redacted]".into())],
                body: Some("grant_type=client_credentials".into()),
            },
            response: Some(Message {
                headers: vec![
                    ("content-type".into(), content_type.into()),
                    ("date".into(), "Fri, 04 Dec 2026 12:00:00 GMT".into()),
                ],
                body: Some(body.into()),
            }),
            note: None,
        }
    }

    fn diagnosed(hops: &[Hop], discovery: Option<&Discovery>) -> Vec<Diagnosis> {
        let now = DateTime::parse_from_rfc3339("2026-12-04T12:00:10Z")
            .unwrap()
            .to_utc();
        let profile = profile();
        diagnose(&Facts {
            profile: &profile,
            hops,
            discovery,
            now,
            token_scopes: Some(vec!["read".into()]),
            token_audience: None,
        })
    }

    fn discovery() -> Discovery {
        serde_json::from_value(serde_json::json!({
            "issuer": "https://id.example",
            "token_endpoint": "https://id.example/oauth2/v1/token",
            "scopes_supported": ["openid", "orders"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }))
        .unwrap()
    }

    #[test]
    fn a_token_url_that_answers_a_page_or_404_names_the_one_discovery_gives() {
        let page = hop("token", 200, "text/html; charset=utf-8", "<html>");
        let found = diagnosed(
            &[hop("token", 404, "text/html", "<h1>Not Found</h1>")],
            Some(&discovery()),
        );
        assert!(
            found[0]
                .finding
                .contains("is not a token endpoint: it answered HTTP 404"),
            "{found:?}"
        );
        assert!(
            found[0].fix.contains("https://id.example/oauth2/v1/token"),
            "{found:?}"
        );
        let mut page_error = page.clone();
        page_error.status = Some(400);
        let found = diagnosed(&[page_error], None);
        assert!(found[0].finding.contains("a web page"), "{found:?}");
        let found = diagnosed(&[page], None);
        assert!(
            found[0].finding.contains("a web page (HTTP 200"),
            "a login page is no token: {found:?}"
        );
        let mut json = hop("token", 200, "application/json", "{}");
        json.step = "token";
        assert!(diagnosed(&[json], None).is_empty(), "nothing failed");
    }

    #[test]
    fn oauth_refusals_say_what_the_provider_supports() {
        let body =
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#;
        let found = diagnosed(
            &[hop("token", 401, "application/json", body)],
            Some(&discovery()),
        );
        assert!(found[0].finding.contains("in HTTP Basic"), "{found:?}");
        assert!(found[0].finding.contains("client_secret_post"), "{found:?}");
        assert!(found[0].fix.contains("--probe-client-auth"), "{found:?}");

        let body = r#"{"error":"invalid_scope"}"#;
        let found = diagnosed(
            &[hop("token", 400, "application/json", body)],
            Some(&discovery()),
        );
        assert!(
            found[0].finding.contains("read write") && found[0].finding.contains("openid, orders"),
            "{found:?}"
        );

        let body = r#"{"error":"unsupported_grant_type"}"#;
        let found = diagnosed(
            &[hop("token", 400, "application/json", body)],
            Some(&discovery()),
        );
        assert!(
            found[0].finding.contains("client_credentials grant")
                && found[0].finding.contains("authorization_code"),
            "{found:?}"
        );

        let body =
            r#"{"error":"invalid_request","error_description":"PKCE code_challenge required"}"#;
        let found = diagnosed(&[hop("token", 400, "application/json", body)], None);
        assert!(found[0].finding.contains("PKCE"), "{found:?}");
    }

    #[test]
    fn a_redirect_uri_refused_quotes_the_uri_sent() {
        let mut authorize = hop("authorize", 0, "", "");
        authorize.status = None;
        authorize.response = None;
        authorize.url = "https://id.example/authorize?client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A41234%2Fcallback".into();
        let found = diagnosed(&[authorize.clone()], None);
        assert!(
            found[0]
                .finding
                .contains("never came back to http://127.0.0.1:41234/callback"),
            "{found:?}"
        );
        assert!(found[0].fix.contains("--redirect-uri"), "{found:?}");
        let body = r#"{"error":"invalid_grant","error_description":"redirect_uri does not match"}"#;
        let found = diagnosed(
            &[authorize, hop("token", 400, "application/json", body)],
            None,
        );
        assert!(
            found[0].finding.contains(
                "does not accept the redirect URI Waybill sent, http://127.0.0.1:41234/callback"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn a_clock_off_by_minutes_is_said_with_the_seconds() {
        let mut late = hop(
            "token",
            400,
            "application/json",
            r#"{"error":"invalid_grant"}"#,
        );
        if let Some(r) = late.response.as_mut() {
            r.headers[1].1 = "Fri, 04 Dec 2026 11:55:10 GMT".into();
        }
        let found = diagnosed(&[late], None);
        assert!(
            found
                .iter()
                .any(|d| d.finding.contains("300 s ahead of the provider's")),
            "{found:?}"
        );
        let on_time = hop(
            "token",
            400,
            "application/json",
            r#"{"error":"invalid_grant"}"#,
        );
        assert!(diagnosed(&[on_time], None).is_empty());
    }

    #[test]
    fn an_api_refusal_names_the_header_sent_and_the_scope_asked_for() {
        let mut call = hop(
            "call",
            403,
            "application/json",
            r#"{"errors":[{"code":"403","message":"Forbidden"}]}"#,
        );
        call.request.headers = vec![("X-Shopify-Access-Token".into(), "[redacted]".into())];
        if let Some(r) = call.response.as_mut() {
            r.headers.push((
                "www-authenticate".into(),
                r#"Bearer error="insufficient_scope", scope="orders:read""#.into(),
            ));
        }
        let found = diagnosed(&[call], None);
        let finding = &found[0].finding;
        assert!(
            finding.contains("`X-Shopify-Access-Token: [redacted]`"),
            "{finding}"
        );
        assert!(
            finding.contains("insufficient_scope")
                && finding.contains("It asks for scope orders:read; the token has read"),
            "{finding}"
        );
    }
}
