//! A HAR's credentials taken out, by `redact`'s rules for a capture (`Strictness::Capture`):
//!
//! - headers: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`, and any whose name
//!   holds `token`, `key`, `secret`, `session`, `auth`, `credential`, `signature`, `password` or
//!   `cookie` (`X-Shopify-Access-Token`, `x-amz-access-token`, `WM_SEC.ACCESS_TOKEN`,
//!   `DHL-API-Key`), or whose value is shaped like a JWT: dropped (the profile's own credential
//!   is placed when sending);
//! - cookies (the `Cookie` header, the entry's `cookies`): dropped, each listed by name;
//! - query parameters (of the URL, and of a URL in a header such as `Referer`) and form or JSON
//!   body fields named `access_token`, `token`, `id_token`, `refresh_token` (any name ending in
//!   `token`), `api_key`, `apikey`, `key`, `sig`, `signature`, `code`, `code_verifier`,
//!   `client_secret`, `password` (any holding `secret` or `password`), `assertion`,
//!   `client_assertion`, `session`, `session_id`, `sid`, `auth`, `credential`, `jwt`, `otp`,
//!   names ending in `apikey`, `accesskey`, `secretkey`, `privatekey`, `subscriptionkey`,
//!   `signature` or `credential` (`X-Amz-Signature`, `Ocp-Apim-Subscription-Key`), compared
//!   without case, `-`, `_` or `.`, and any whose value is shaped like a JWT: kept, their value
//!   replaced by `[redacted]` (so a person sees what the request needs);
//! - the URL's user and password, and a fragment holding any of the above: dropped.
//!
//! Every value taken (from any entry, and from responses: a token issued, a cookie set) is
//! learned, and scrubbed wherever else it appears, also percent- or JSON-encoded. Values shorter
//! than 8 characters are taken where they stand but not hunted for elsewhere: they would match
//! ordinary text.
//!
//! A token request (a POST whose body has `grant_type`) is never saved: its secret fields become
//! `{{name}}` placeholders instead, so the mapping sees how the client authenticates without
//! any value.

use std::collections::HashMap;

use base64::Engine;
use serde_json::Value;
use url::Url;

use super::MAX_BODY_BYTES;
use crate::import::collection::Variable;
use crate::import::{clip, scalar_text as text, Removed, RemovedKind};
use crate::redact::{self, Strictness, REDACTED};
use crate::request::DraftBody;

/// Values shorter than this are not looked for elsewhere.
const MIN_HIDDEN: usize = 8;

/// Headers the browser or HTTP client sets itself (besides HTTP/2's `:pseudo` ones and
/// `Sec-Fetch-*`, `Sec-CH-*`).
const TRANSPORT: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
    "accept-encoding",
    "priority",
    "upgrade-insecure-requests",
];

const STRICT: Strictness = Strictness::Capture;

/// A credential by its name or its value (a JWT).
fn is_secret(name: &str, value: &str) -> bool {
    !value.trim().is_empty()
        && (STRICT.field(name.trim()) || Variable::new(name, value, false).secret)
}

fn is_secret_header(name: &str, value: &str) -> bool {
    STRICT.header(name.trim()) || Variable::new(name, value, false).secret
}

/// A header the browser or HTTP client sets itself (`lower`: its name in lower case).
fn is_transport(lower: &str) -> bool {
    lower.starts_with(':')
        || lower.starts_with("sec-fetch-")
        || lower.starts_with("sec-ch-")
        || TRANSPORT.contains(&lower)
}

/// What was taken out, and every value taken.
#[derive(Default)]
pub(super) struct Taken {
    learned: Vec<String>,
    /// Once every entry is learned (`seal`): what is looked for, as `hidden` describes.
    hidden: Hidden,
    removed: Vec<Removed>,
    /// What the request being read had taken: each counted once per request.
    current: Vec<(RemovedKind, String)>,
}

impl Taken {
    /// Learn the credentials an entry holds, in its request and its response.
    pub(super) fn learn(&mut self, entry: &Value) {
        let request = entry.get("request");
        let response = entry.get("response");
        for side in [request, response].into_iter().flatten() {
            for (name, value) in pairs(side.get("headers")) {
                self.learn_header(&name, &value);
            }
            for (_, value) in pairs(side.get("cookies")) {
                self.learn_value(&value);
            }
        }
        if let Some(request) = request {
            if let Some(url) = text(request.get("url")) {
                self.learn_url(&url);
            }
            for (name, value) in pairs(request.get("queryString")) {
                if is_secret(&name, &value) {
                    self.learn_value(&value);
                }
            }
            if let Some(post) = request.get("postData") {
                for (name, value) in pairs(post.get("params")) {
                    if is_secret(&name, &value) {
                        self.learn_value(&value);
                    }
                }
                self.learn_body(content_text(post));
            }
        }
        self.learn_body(
            response
                .and_then(|r| r.get("content"))
                .and_then(content_text),
        );
    }

    fn learn_body(&mut self, text: Option<String>) {
        for (_, value) in redact::sensitive_fields(STRICT, &text.unwrap_or_default()) {
            self.learn_value(&value.unwrap_or_default());
        }
    }

    fn learn_header(&mut self, name: &str, value: &str) {
        let lower = name.trim().to_ascii_lowercase();
        if is_transport(&lower) {
            return;
        }
        if lower == "cookie" || lower == "set-cookie" {
            for (_, value) in cookie_pairs(&lower, value) {
                self.learn_value(&value);
            }
        }
        if is_secret_header(name, value) {
            self.learn_value(value);
            if let Some((user_and_password, password)) = basic_credentials(value) {
                self.learn_value(&user_and_password);
                self.learn_value(&password);
            }
        } else if looks_like_a_url(value) {
            self.learn_url(value);
        }
    }

    fn learn_url(&mut self, text: &str) {
        let Ok(url) = Url::parse(text.trim()) else {
            return;
        };
        if let Some(password) = url.password() {
            self.learn_value(password);
            self.learn_value(&decode(password));
        }
        let query = url.query_pairs().chain(
            url.fragment()
                .map(|f| url::form_urlencoded::parse(f.as_bytes()))
                .into_iter()
                .flatten(),
        );
        let found: Vec<String> = query
            .filter(|(name, value)| is_secret(name, value))
            .map(|(_, value)| value.into_owned())
            .collect();
        found.iter().for_each(|value| self.learn_value(value));
    }

    /// The value, each of its words, and each word's value after `=` (`Bearer abc` gives
    /// `abc`; `AWS4-HMAC-SHA256 Credential=c, Signature=s` gives `c` and `s`).
    fn learn_value(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.learned.push(value.to_string());
        for word in value.split(|c: char| c.is_whitespace() || c == ',') {
            let word = word.trim();
            if word.is_empty() || word == value {
                continue;
            }
            self.learned.push(word.to_string());
            if let Some((_, after)) = word.split_once('=') {
                self.learned.push(after.trim_matches('"').to_string());
            }
        }
    }

    /// Every entry is learned: from here on, what is looked for is known.
    pub(super) fn seal(&mut self) {
        self.hidden = Hidden::new(self.looked_for());
    }

    /// What `seal` found to look for.
    pub(super) fn hidden(&self) -> &Hidden {
        &self.hidden
    }

    /// Every value learned that is long enough to look for, as written, in lower case (a host
    /// is), and as URLs and JSON encode it; longest first, so a value holding another is
    /// replaced whole.
    fn looked_for(&self) -> Vec<String> {
        let mut hidden = Vec::new();
        for value in &self.learned {
            if value.chars().count() < MIN_HIDDEN || REDACTED.contains(value.as_str()) {
                continue;
            }
            let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            let json = serde_json::to_string(value).unwrap_or_default();
            hidden.push(form.replace('+', "%20"));
            hidden.push(form);
            hidden.push(json.trim_matches('"').to_string());
            hidden.push(value.to_ascii_lowercase());
            hidden.push(value.clone());
        }
        hidden.retain(|v| v.chars().count() >= MIN_HIDDEN);
        hidden.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        hidden.dedup();
        hidden
    }

    /// What was taken: headers, cookies, query parameters, body fields, URL parts, each kind
    /// in the order first taken.
    pub(super) fn removed(&self) -> Vec<Removed> {
        let mut removed = self.removed.clone();
        removed.sort_by_key(|r| r.kind);
        removed
    }

    fn take(&mut self, kind: RemovedKind, name: &str) {
        let name = clip(&scrub(name.trim(), &self.hidden), 100);
        let seen = self
            .current
            .iter()
            .any(|(k, n)| *k == kind && n.eq_ignore_ascii_case(&name));
        if !seen && !name.is_empty() {
            self.current.push((kind, name));
        }
    }

    /// The request read is done: what it had taken is counted.
    pub(super) fn end_request(&mut self) {
        for (kind, name) in std::mem::take(&mut self.current) {
            match self
                .removed
                .iter_mut()
                .find(|r| r.kind == kind && r.name.eq_ignore_ascii_case(&name))
            {
                Some(removed) => removed.count += 1,
                None => self.removed.push(Removed {
                    kind,
                    name,
                    count: 1,
                }),
            }
        }
    }

    /// The headers kept: credentials and cookies taken, those the client sets itself left
    /// (named in `transport`), URLs in the rest without their credentials. With the user of a
    /// Basic `Authorization`, for a token request's client id.
    pub(super) fn headers(
        &mut self,
        headers: Vec<(String, String)>,
        transport: &mut std::collections::BTreeSet<String>,
    ) -> (Vec<(String, String)>, Option<String>) {
        let mut kept = Vec::new();
        let mut basic_user = None;
        for (name, value) in headers {
            let name = name.trim().to_string();
            let lower = name.to_ascii_lowercase();
            if lower.is_empty() {
                continue;
            }
            if is_transport(&lower) {
                if !transport.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
                    transport.insert(clip(&scrub(&name, &self.hidden), 40));
                }
                continue;
            }
            if lower == "cookie" || lower == "set-cookie" {
                self.take(RemovedKind::Header, &name);
                for (cookie, _) in cookie_pairs(&lower, &value) {
                    self.take(RemovedKind::Cookie, &cookie);
                }
                continue;
            }
            if is_secret_header(&name, &value) {
                if lower == "authorization" {
                    basic_user = basic_credentials(&value)
                        .and_then(|(pair, _)| Some(pair.split_once(':')?.0.to_string()));
                }
                self.take(RemovedKind::Header, &name);
                continue;
            }
            // A URL (`Referer`) loses its credentials; one with none stays as written.
            let url = Url::parse(value.trim()).ok().filter(|url| {
                looks_like_a_url(&value)
                    && (url.query().is_some()
                        || url.fragment().is_some()
                        || !url.username().is_empty()
                        || url.password().is_some())
            });
            let value = match url {
                Some(url) => self.url(url),
                None => value,
            };
            kept.push((name, value));
        }
        (kept, basic_user)
    }

    /// The entry's own list of cookies, taken by name.
    pub(super) fn cookies(&mut self, cookies: Option<&Value>) {
        for (name, _) in pairs(cookies) {
            self.take(RemovedKind::Cookie, &name);
        }
    }

    /// The URL without its user and password or fragment, credential query parameters'
    /// values `[redacted]`; otherwise as the file wrote it.
    pub(super) fn url(&mut self, mut url: Url) -> String {
        if !url.username().is_empty() || url.password().is_some() {
            self.take(RemovedKind::Url, "user and password");
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        if let Some(fragment) = url.fragment() {
            let secret = url::form_urlencoded::parse(fragment.as_bytes())
                .any(|(name, value)| is_secret(&name, &value));
            if secret {
                self.take(RemovedKind::Url, "fragment");
            }
            url.set_fragment(None);
        }
        if let Some(query) = url.query().map(str::to_string) {
            let query = self.query(&query);
            url.set_query(Some(&query));
        }
        url.to_string()
    }

    /// The query with credential parameters' values replaced, the rest byte for byte.
    fn query(&mut self, query: &str) -> String {
        let mut pieces = Vec::new();
        for piece in query.split('&') {
            let (raw_name, _) = piece.split_once('=').unwrap_or((piece, ""));
            let (name, value) = url::form_urlencoded::parse(piece.as_bytes())
                .next()
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .unwrap_or_default();
            match is_secret(&name, &value) {
                true => {
                    self.take(RemovedKind::Query, &name);
                    pieces.push(format!("{raw_name}={REDACTED}"));
                }
                false => pieces.push(piece.to_string()),
            }
        }
        pieces.join("&")
    }

    /// The request's body with its credential fields' values replaced (a token request's by
    /// `{{name}}`), or none with the reason it is not saved.
    pub(super) fn body(
        &mut self,
        post: Option<&Value>,
        token: bool,
    ) -> (DraftBody, Option<&'static str>) {
        let Some(post) = post.filter(|p| p.is_object()) else {
            return (DraftBody::None, None);
        };
        let mime = text(post.get("mimeType"))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let raw = text(post.get("text")).unwrap_or_default();
        if raw.len() > MAX_BODY_BYTES * 4 / 3 + 4 {
            return (DraftBody::None, Some("its body is over 1 MB: not saved"));
        }
        let body = match post.get("text") {
            None | Some(Value::Null) => Some(String::new()),
            Some(_) => content_text(post),
        };
        let Some(body) = body else {
            return (DraftBody::None, Some("its body is binary: not saved"));
        };
        if body.len() > MAX_BODY_BYTES {
            return (DraftBody::None, Some("its body is over 1 MB: not saved"));
        }
        if mime.starts_with("multipart/") {
            let reason = "a multipart body (an upload): not saved; Waybill sends JSON, form or \
                          raw bodies";
            return (DraftBody::None, Some(reason));
        }
        let params = pairs(post.get("params"));
        // A token request's body is read as a form unless it is JSON, whatever its type says,
        // so that its secrets become placeholders.
        let form = mime.contains("x-www-form-urlencoded")
            || (token && serde_json::from_str::<Value>(&body).is_err());
        let rows = match (body.trim().is_empty(), form) {
            (true, _) if !params.is_empty() => Some(params),
            (false, true) => Some(
                url::form_urlencoded::parse(body.trim().as_bytes())
                    .map(|(n, v)| (n.into_owned(), v.into_owned()))
                    .collect(),
            ),
            _ => None,
        };
        if let Some(rows) = rows {
            return (DraftBody::Form(self.form(rows, token)), None);
        }
        if body.trim().is_empty() {
            return (DraftBody::None, None);
        }
        for (name, _) in redact::sensitive_fields(STRICT, &body) {
            self.take(RemovedKind::Body, &name);
        }
        let redacted = redact::redact_body_as(STRICT, &body, &[]);
        match serde_json::from_str::<Value>(&redacted) {
            Ok(json) if token => (DraftBody::Json(placeholders(json, &self.hidden)), None),
            Ok(_) => (DraftBody::Json(redacted), None),
            Err(_) => (DraftBody::Raw(redacted), None),
        }
    }

    fn form(&mut self, rows: Vec<(String, String)>, token: bool) -> Vec<(String, String)> {
        rows.into_iter()
            .map(|(name, value)| match is_secret(&name, &value) {
                true => {
                    self.take(RemovedKind::Body, &name);
                    let value = match token {
                        true => format!("{{{{{}}}}}", clip(&scrub(&name, &self.hidden), 60)),
                        false => REDACTED.to_string(),
                    };
                    (name, value)
                }
                false => (name, value),
            })
            .collect()
    }
}

/// A token request's redacted JSON body with `{{name}}` for each redacted top-level field.
fn placeholders(mut json: Value, hidden: &Hidden) -> String {
    if let Value::Object(map) = &mut json {
        for (name, value) in map.iter_mut() {
            if value.as_str() == Some(REDACTED) {
                *value = Value::String(format!("{{{{{}}}}}", clip(&scrub(name, hidden), 60)));
            }
        }
    }
    json.to_string()
}

/// A POST whose body has `grant_type`: it fetches a token.
pub(super) fn is_token_request(method: &str, post: Option<&Value>) -> bool {
    let Some(post) = post.filter(|_| method == "POST") else {
        return false;
    };
    if pairs(post.get("params"))
        .iter()
        .any(|(n, _)| n == "grant_type")
    {
        return true;
    }
    let body = content_text(post).unwrap_or_default();
    let body = body.trim();
    match serde_json::from_str::<Value>(body) {
        Ok(json) => json.get("grant_type").is_some(),
        Err(_) => url::form_urlencoded::parse(body.as_bytes()).any(|(n, _)| n == "grant_type"),
    }
}

/// `[{name, value}]` as pairs (a value may be a number or missing; an item without a name is
/// left out).
pub(super) fn pairs(list: Option<&Value>) -> Vec<(String, String)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let name = text(item.get("name"))?;
            Some((name, text(item.get("value")).unwrap_or_default()))
        })
        .collect()
}

/// A body's (`postData`) or response content's text, decoded when marked base64; `None` when
/// it is binary or larger than looked into.
fn content_text(content: &Value) -> Option<String> {
    let raw = text(content.get("text"))?;
    if raw.len() > MAX_BODY_BYTES * 4 / 3 + 4 {
        return None;
    }
    match text(content.get("encoding")).as_deref() {
        Some("base64") => {
            let compact: String = raw.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?;
            String::from_utf8(bytes).ok()
        }
        _ => Some(raw),
    }
}

/// The cookies a `Cookie` header (`a=1; b=2`) or `Set-Cookie` header (one per line, attributes
/// after the first `;`) holds.
fn cookie_pairs(lower_name: &str, value: &str) -> Vec<(String, String)> {
    let pieces: Vec<&str> = match lower_name {
        "set-cookie" => value
            .lines()
            .filter_map(|line| line.split(';').next())
            .collect(),
        _ => value.split(';').collect(),
    };
    pieces
        .into_iter()
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=')?;
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// `Basic <base64 of user:password>`: the pair and the password.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let pair = String::from_utf8(bytes).ok()?;
    let password = pair.split_once(':')?.1.to_string();
    Some((pair, password))
}

/// The values looked for, longest first, found by their first `MIN_HIDDEN` bytes: a text is
/// read once, not once per value (a HAR of signed requests has thousands).
#[derive(Debug, Clone, Default)]
pub(super) struct Hidden {
    values: Vec<String>,
    by_start: HashMap<[u8; MIN_HIDDEN], Vec<usize>>,
}

impl Hidden {
    fn new(values: Vec<String>) -> Self {
        let mut by_start: HashMap<[u8; MIN_HIDDEN], Vec<usize>> = HashMap::new();
        for (i, value) in values.iter().enumerate() {
            if let Some(start) = value.as_bytes().first_chunk::<MIN_HIDDEN>() {
                by_start.entry(*start).or_default().push(i);
            }
        }
        Hidden { values, by_start }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// `text` with every hidden value in it (longest first) replaced by `[redacted]`.
pub(super) fn scrub(text: &str, hidden: &Hidden) -> String {
    let mut found: Vec<usize> = text
        .as_bytes()
        .windows(MIN_HIDDEN)
        .filter_map(|window| hidden.by_start.get(window))
        .flatten()
        .copied()
        .collect();
    found.sort_unstable();
    found.dedup();
    let mut text = text.to_string();
    for value in found.into_iter().map(|i| &hidden.values[i]) {
        if text.contains(value.as_str()) {
            text = text.replace(value.as_str(), REDACTED);
        }
    }
    text
}

fn looks_like_a_url(value: &str) -> bool {
    let value = value.trim_start().to_ascii_lowercase();
    value.starts_with("http://") || value.starts_with("https://")
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
