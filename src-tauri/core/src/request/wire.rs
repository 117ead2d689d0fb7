//! A request on the wire: every header it carries, the profile's credential put where the
//! provider wants it (its auth header template: `Authorization: Bearer`, Shopify's
//! `X-Shopify-Access-Token`, ShipEngine's `API-Key`), dynamic values drawn afresh, and redirects
//! followed by hand so that no credential, in whatever header, leaves its origin.

use std::time::Instant;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::{resolve_url, ApiRequest, ApiResponse, RequestError};
use crate::auth::dpop::{self, Dpop};
use crate::net::{trace, Answer, Net};
use crate::profile::template::REDACTED;
use crate::profile::template::{self, Values};
use crate::profile::Profile;
use crate::secret::{AccessToken, ApiKey};

/// How many redirects an API call follows.
const MAX_REDIRECTS: usize = 5;

/// What a request carries of the profile's credentials.
#[derive(Clone, Copy, Default)]
pub struct Credentials<'a> {
    pub token: Option<&'a AccessToken>,
    pub api_key: Option<&'a ApiKey>,
    /// The token is bound to this key (RFC 9449): `Authorization: DPoP` and a proof.
    pub dpop: Option<&'a Dpop>,
}

/// One header as it goes out. `shown`: its value carries a credential, and this is how it
/// reads anywhere but on the wire (the credential `[redacted]`, the scheme kept).
#[derive(Debug, Clone, PartialEq)]
pub struct WireHeader {
    pub name: String,
    pub value: String,
    pub shown: Option<String>,
}

impl WireHeader {
    pub fn is_secret(&self) -> bool {
        self.shown.is_some()
    }
}

/// Every header `request` goes out with for `profile`: its defaults, then the request's own (a
/// header of the same name, in any case, replaces the earlier one), a JSON content type for a
/// JSON body that names none, and last the credential's header. Dynamic values are drawn
/// afresh; a credential `credentials` does not hold reads `[redacted]` (a preview, a record).
pub fn wire_headers(
    profile: &Profile,
    request: &ApiRequest,
    credentials: Credentials<'_>,
) -> Vec<WireHeader> {
    let now = chrono::Utc::now();
    let values = Values {
        token: credentials.token.map(AccessToken::expose),
        api_key: credentials.api_key.map(ApiKey::expose),
        client_id: &profile.client_id,
    };
    let auth = profile.auth_header();
    let mut headers: Vec<WireHeader> = Vec::new();
    for (name, value) in profile
        .headers
        .iter()
        .chain(request.headers.iter().map(|(n, v)| (n, v)))
    {
        headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
        let value = template::fill_dynamic(value, now);
        let shown = (template::has_credential(&value))
            .then(|| template::fill_redacted(&value, &profile.client_id));
        let value = template::fill(&value, values).unwrap_or_else(|_| REDACTED.to_string());
        headers.push(WireHeader {
            name: name.clone(),
            value,
            shown,
        });
    }
    if let Some(body) = &request.body {
        let typed = headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-type"));
        if !typed && serde_json::from_slice::<serde_json::Value>(body).is_ok() {
            headers.push(WireHeader {
                name: "Content-Type".into(),
                value: "application/json".into(),
                shown: None,
            });
        }
    }
    // The credential always comes from the profile: never a pasted or recorded one.
    headers.retain(|h| {
        !h.name.eq_ignore_ascii_case("authorization") && !h.name.eq_ignore_ascii_case(&auth.name)
    });
    let (name, value, shown) = match credentials.dpop {
        Some(_) => (
            "Authorization".to_string(),
            values.token.map(|t| format!("DPoP {t}")),
            format!("DPoP {REDACTED}"),
        ),
        None => (
            auth.name.clone(),
            auth.render(values).ok(),
            auth.redacted(&profile.client_id),
        ),
    };
    headers.push(WireHeader {
        name,
        value: value.unwrap_or_else(|| shown.clone()),
        shown: Some(shown),
    });
    headers
}

/// The headers as a record keeps them: credentials `[redacted]`, everything else as sent.
pub fn shown(headers: &[WireHeader]) -> Vec<(String, String)> {
    (headers.iter())
        .map(|h| {
            (
                h.name.clone(),
                h.shown.clone().unwrap_or_else(|| h.value.clone()),
            )
        })
        .collect()
}

/// Send `request` with `credentials`; a DPoP-bound token gets a fresh proof, and once more with
/// the server's nonce when it asks for one (RFC 9449 §9). Redirects are followed here, at most
/// five: to another origin without any header that carries a credential.
pub(crate) async fn execute(
    net: &Net,
    profile: &Profile,
    request: &ApiRequest,
    credentials: Credentials<'_>,
) -> Result<ApiResponse, RequestError> {
    let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| RequestError::BadMethod(request.method.clone()))?;
    let first = resolve_url(profile, &request.target)?;
    let sent = wire_headers(profile, request, credentials);
    // Wherever the request puts them, the trace hides them.
    let secrets = [
        credentials.token.map(|t| t.expose()),
        credentials.api_key.map(|k| k.expose()),
    ];
    secrets.into_iter().flatten().for_each(trace::learn);
    let mut hop = Hop {
        method,
        url: first.clone(),
        body: request.body.clone(),
        headers: header_map(&sent)?,
    };
    let started = Instant::now();
    let (mut nonce_retried, mut redirects) = (false, 0);
    let response = loop {
        if hop.url.origin() == first.origin() {
            hop.prove(credentials)?;
        }
        let response = hop.send(net).await?;
        let nonce = response.header(dpop::NONCE_HEADER);
        let fresh = (credentials.dpop).is_some_and(|d| d.remember_nonce(hop.url.as_str(), nonce));
        if response.status == 401 && fresh && !nonce_retried {
            nonce_retried = true;
            continue;
        }
        if redirects < MAX_REDIRECTS && hop.follow(&response, &first, &sent)? {
            redirects += 1;
            continue;
        }
        break response;
    };
    let status = response.status.as_u16();
    let received = (response.headers.iter())
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let scrub = [
        credentials.token.map(|t| t.expose().to_string()),
        credentials.api_key.map(|k| k.expose().to_string()),
    ];
    Ok(ApiResponse {
        url: hop.url.to_string(),
        status,
        headers: received,
        body: response.body,
        elapsed: started.elapsed(),
        retried_after_401: false,
        sent_headers: shown(&sent),
        scrub: scrub.into_iter().flatten().collect(),
        proxy: net.proxy_for(hop.url.as_str()),
        diagnoses: Vec::new(),
    })
}

/// One request of a call: the first, or one a redirect asked for.
struct Hop {
    method: reqwest::Method,
    url: url::Url,
    body: Option<Vec<u8>>,
    headers: HeaderMap,
}

impl Hop {
    /// A fresh DPoP proof for this method and URL.
    fn prove(&mut self, credentials: Credentials<'_>) -> Result<(), RequestError> {
        let Some(dpop) = credentials.dpop else {
            return Ok(());
        };
        let token = credentials.token.map(AccessToken::expose);
        let proof = dpop
            .proof(
                self.method.as_str(),
                self.url.as_str(),
                token,
                chrono::Utc::now(),
            )
            .map_err(|e| RequestError::Dpop(e.to_string()))?;
        let mut value = HeaderValue::from_str(&proof)
            .map_err(|_| RequestError::Dpop("the proof is not a header value".into()))?;
        value.set_sensitive(true);
        self.headers.insert(dpop::HEADER, value);
        Ok(())
    }

    async fn send(&self, net: &Net) -> Result<Answer, RequestError> {
        let mut builder = (net.direct.request(self.method.clone(), self.url.clone()))
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        Ok(net.send(builder, "call").await?)
    }

    /// Where a redirect sends the next request, if `response` is one: 301, 302 and 303 turn a
    /// request with a body into a GET without one, as browsers and curl -L do (307 and 308 keep
    /// both); to another origin than `first`, no header that carries a credential goes along.
    fn follow(
        &mut self,
        response: &Answer,
        first: &url::Url,
        sent: &[WireHeader],
    ) -> Result<bool, RequestError> {
        let location = response.header(reqwest::header::LOCATION.as_str());
        let next = location.and_then(|l| self.url.join(l).ok());
        let Some(next) = next.filter(|_| response.status.is_redirection()) else {
            return Ok(false);
        };
        let status = response.status.as_u16();
        let becomes_get =
            matches!(status, 301..=303) && (status == 303 || self.method == reqwest::Method::POST);
        if becomes_get && self.method != reqwest::Method::HEAD {
            self.method = reqwest::Method::GET;
            self.body = None;
            self.headers.remove(reqwest::header::CONTENT_TYPE);
        }
        if next.origin() != first.origin() {
            self.headers = without_credentials(sent)?;
        }
        self.url = next;
        Ok(true)
    }
}

fn header_map(headers: &[WireHeader]) -> Result<HeaderMap, RequestError> {
    let mut map = HeaderMap::new();
    for header in headers {
        let shown = || {
            let value = header.shown.as_ref().unwrap_or(&header.value);
            format!("{}: {value}", header.name)
        };
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| RequestError::BadHeader(shown()))?;
        let mut value =
            HeaderValue::from_str(&header.value).map_err(|_| RequestError::BadHeader(shown()))?;
        value.set_sensitive(header.is_secret());
        map.append(name, value);
    }
    Ok(map)
}

/// What goes to another origin: no credential, and no cookie.
fn without_credentials(headers: &[WireHeader]) -> Result<HeaderMap, RequestError> {
    let kept: Vec<WireHeader> = (headers.iter())
        .filter(|h| !h.is_secret() && !h.name.eq_ignore_ascii_case("cookie"))
        .cloned()
        .collect();
    header_map(&kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(auth_header: Option<&str>, headers: &[(&str, &str)]) -> Profile {
        Profile {
            name: "p".into(),
            client_id: "app".into(),
            auth_header: auth_header.map(str::to_string),
            headers: (headers.iter())
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..Profile::default()
        }
    }

    #[test]
    fn the_token_goes_where_the_profile_says_and_reads_redacted_in_the_record() {
        let shopify = profile(
            Some("X-Shopify-Access-Token: {token}"),
            &[("Accept", "application/json")],
        );
        let mut request = ApiRequest::new("GET", "/shop.json");
        // A pasted request's own credential never goes out.
        request
            .headers
            .push(("x-shopify-access-token".into(), "theirs".into()));
        request
            .headers
            .push(("Authorization".into(), "Bearer theirs".into()));
        let token = AccessToken::new("tok-123");
        let credentials = Credentials {
            token: Some(&token),
            ..Credentials::default()
        };
        let sent = wire_headers(&shopify, &request, credentials);
        let pairs: Vec<(&str, &str)> = sent
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("Accept", "application/json"),
                ("X-Shopify-Access-Token", "tok-123")
            ]
        );
        assert_eq!(
            shown(&sent)[1],
            (
                "X-Shopify-Access-Token".to_string(),
                "[redacted]".to_string()
            )
        );
    }

    #[test]
    fn an_api_key_goes_in_its_header_and_any_default_header_that_names_it() {
        let etsy = profile(
            None,
            &[
                ("x-api-key", "{client_id}:{api_key}"),
                ("transId", "{{$hex32}}"),
            ],
        );
        let (token, key) = (AccessToken::new("t"), ApiKey::new("shh"));
        let credentials = Credentials {
            token: Some(&token),
            api_key: Some(&key),
            dpop: None,
        };
        let sent = wire_headers(&etsy, &ApiRequest::new("GET", "/x"), credentials);
        let find = |name: &str| sent.iter().find(|h| h.name == name).unwrap();
        assert_eq!(find("x-api-key").value, "app:shh");
        assert!(
            find("x-api-key").is_secret(),
            "a header holding the key is a secret"
        );
        assert_eq!(
            find("transId").value.len(),
            32,
            "a dynamic value, drawn afresh"
        );
        assert!(!find("transId").is_secret());
        assert_eq!(find("Authorization").value, "Bearer t");
        // Without the credentials (a preview, a failed send's record), each reads redacted.
        let preview = wire_headers(&etsy, &ApiRequest::new("GET", "/x"), Credentials::default());
        assert!(preview
            .iter()
            .filter(|h| h.is_secret())
            .all(|h| h.value.contains(REDACTED) && !h.value.contains("shh")));
    }
}
