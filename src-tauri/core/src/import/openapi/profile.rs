//! A spec's security schemes -> the profile: the first usable OAuth 2.0 scheme (the spec's own
//! `security` requirement first, then declaration order) or `openIdConnect` issuer. Every other
//! scheme, flow and scope left out is noted in `skipped`.

use serde_json::Value;

use super::Spec;
use crate::import::{Skipped, SkippedKind};
use crate::profile::new::NewProfile;
use crate::profile::{ClientAuth, Grant};

/// The schemes the spec's `security` names, each with the scopes it asks for.
type Required<'a> = [(&'a String, Vec<String>)];

impl<'a> Spec<'a> {
    /// The profile from the first usable OAuth 2.0 scheme; `None` when there is none.
    pub(super) fn profile(
        &self,
        server: Option<&str>,
        skipped: &mut Vec<Skipped>,
    ) -> Option<NewProfile> {
        let schemes = match self.v2 {
            true => self.doc.get("securityDefinitions"),
            false => self.doc.pointer("/components/securitySchemes"),
        };
        let schemes = schemes.and_then(Value::as_object)?;
        // The spec's own requirement first, then declaration order.
        let required: Vec<(&String, Vec<String>)> = self
            .doc
            .get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|req| req.iter())
            .map(|(name, scopes)| (name, strings(scopes)))
            .collect();
        let mut order: Vec<&String> = required.iter().map(|(n, _)| *n).collect();
        let rest: Vec<&String> = schemes.keys().filter(|k| !order.contains(k)).collect();
        order.extend(rest);
        let mut chosen = None;
        for name in order {
            let Some(scheme) = schemes.get(name).and_then(|s| self.resolve(s).ok()) else {
                continue;
            };
            let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
            if kind == "oauth2" && chosen.is_none() {
                if let Some(profile) = self.oauth_profile(name, scheme, server, &required, skipped)
                {
                    chosen = Some(profile);
                    continue;
                }
            }
            if kind == "openIdConnect" && chosen.is_none() {
                if let Some(profile) = oidc_profile(name, scheme, server, &required) {
                    chosen = Some(profile);
                    continue;
                }
            }
            let reason = match kind {
                "oauth2" if chosen.is_some() => "another OAuth 2.0 scheme is used".to_string(),
                "openIdConnect" if chosen.is_some() => "another scheme is used".into(),
                "openIdConnect" => "no openIdConnectUrl, or not an http(s) URL".into(),
                "oauth2" => "no flow with the URLs it needs".into(),
                other => format!("{other} authentication: Waybill gets OAuth 2.0 tokens"),
            };
            let item = format!("security scheme {name}");
            skipped.push(Skipped::new(SkippedKind::SecurityScheme, item, reason));
        }
        chosen
    }

    /// An `oauth2` scheme's first flow as a profile; `None` when it lacks the URLs it needs.
    fn oauth_profile(
        &self,
        name: &str,
        scheme: &Value,
        server: Option<&str>,
        required: &Required,
        skipped: &mut Vec<Skipped>,
    ) -> Option<NewProfile> {
        let flows = flows(scheme, self.v2)?;
        let (grant, flow) = flows.first().copied()?;
        for (other, _) in flows.iter().skip(1) {
            skipped.push(Skipped::new(
                SkippedKind::Grant,
                format!("{name}: the {other} flow"),
                format!("the profile uses the {grant} flow"),
            ));
        }
        let token_url = endpoint(flow, "tokenUrl", server);
        let authorize_url = endpoint(flow, "authorizationUrl", server);
        if (grant != Grant::Implicit && token_url.is_none())
            || (grant.is_browser() && authorize_url.is_none())
        {
            return None;
        }
        Some(NewProfile {
            grant: Some(grant),
            token_url,
            authorize_url,
            client_id: Some(String::new()),
            client_auth: client_auth(scheme, flow),
            scope: scope(name, flow, required, skipped),
            api_base: server.map(str::to_string),
            // A password profile needs a user: one to fill in.
            username: (grant == Grant::Password).then(String::new),
            ..NewProfile::default()
        })
    }
}

/// An `openIdConnect` scheme: a browser sign-in (code + PKCE) at the issuer its URL names, whose
/// endpoints are discovered when the import is planned.
fn oidc_profile(
    name: &str,
    scheme: &Value,
    server: Option<&str>,
    required: &Required,
) -> Option<NewProfile> {
    let raw = scheme.get("openIdConnectUrl").and_then(Value::as_str)?;
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let issuer = raw
        .trim_end_matches('/')
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string();
    let mut scopes = asked(required, name);
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    Some(NewProfile {
        grant: Some(Grant::AuthorizationCode),
        issuer: Some(issuer),
        client_id: Some(String::new()),
        scope: Some(scopes.join(" ")),
        api_base: server.map(str::to_string),
        ..NewProfile::default()
    })
}

/// A scheme's flows Waybill has, in the order it prefers them (client credentials, then
/// authorization code, implicit, password); Swagger 2.0 names one.
fn flows(scheme: &Value, v2: bool) -> Option<Vec<(Grant, &Value)>> {
    if v2 {
        let grant = match scheme.get("flow").and_then(Value::as_str)? {
            "application" => Grant::ClientCredentials,
            "accessCode" => Grant::AuthorizationCode,
            "implicit" => Grant::Implicit,
            "password" => Grant::Password,
            _ => return None,
        };
        return Some(vec![(grant, scheme)]);
    }
    let flows = scheme.get("flows")?;
    let found = [
        ("clientCredentials", Grant::ClientCredentials),
        ("authorizationCode", Grant::AuthorizationCode),
        ("implicit", Grant::Implicit),
        ("password", Grant::Password),
    ]
    .into_iter()
    .filter_map(|(key, grant)| Some((grant, flows.get(key)?)))
    .collect();
    Some(found)
}

/// A flow's URL (`key`), a relative one joined to the server.
fn endpoint(flow: &Value, key: &str, server: Option<&str>) -> Option<String> {
    let raw = flow.get(key).and_then(Value::as_str)?;
    let joined = match (url::Url::parse(raw), server) {
        (Ok(u), _) => Some(u),
        (Err(_), Some(base)) => url::Url::parse(&format!("{base}/"))
            .ok()
            .and_then(|b| b.join(raw).ok()),
        (Err(_), None) => None,
    };
    joined.map(|u| u.to_string())
}

/// The client authentication `x-tokenEndpointAuthMethod` names, on the scheme or its flow.
fn client_auth(scheme: &Value, flow: &Value) -> Option<ClientAuth> {
    let method = scheme
        .get("x-tokenEndpointAuthMethod")
        .or_else(|| flow.get("x-tokenEndpointAuthMethod"))
        .and_then(Value::as_str);
    match method? {
        "client_secret_basic" => Some(ClientAuth::Basic),
        "client_secret_post" => Some(ClientAuth::Form),
        "client_secret_jwt" => Some(ClientAuth::ClientSecretJwt),
        "private_key_jwt" => Some(ClientAuth::PrivateKeyJwt),
        "tls_client_auth" => Some(ClientAuth::TlsClientAuth),
        "self_signed_tls_client_auth" => Some(ClientAuth::SelfSignedTlsClientAuth),
        _ => None,
    }
}

/// The spec's own requirement, else every scope the flow declares when they are few.
fn scope(
    name: &str,
    flow: &Value,
    required: &Required,
    skipped: &mut Vec<Skipped>,
) -> Option<String> {
    let declared: Vec<String> = flow
        .get("scopes")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    let asked = asked(required, name);
    match (asked.is_empty(), declared.len()) {
        (false, _) => Some(asked.join(" ")),
        (true, 1..=5) => Some(declared.join(" ")),
        (true, 0) => None,
        (true, n) => {
            skipped.push(Skipped::new(
                SkippedKind::Scopes,
                format!("{name}: {n} scopes"),
                "too many to ask for all: give the ones you need with --scope",
            ));
            None
        }
    }
}

/// The scopes the spec's `security` asks of the scheme `name`.
fn asked(required: &Required, name: &str) -> Vec<String> {
    required
        .iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
