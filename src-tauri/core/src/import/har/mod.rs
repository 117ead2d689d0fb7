//! HAR files (HTTP Archive 1.2: what a browser's developer tools, Playwright or a debugging
//! proxy export; what customers attach to support tickets) -> a `Collection`, mapped onto Waybill
//! like any collection (`collection::map`).
//!
//! - Each entry's request becomes a request in a folder named after its host (`api.ups.com`;
//!   `127.0.0.1:8080` with a port), named by its method and path (`GET /track/v1/details/1Z999`;
//!   the next of that name in the folder gets ` (2)`), its URL absolute, as it went out.
//! - Entries no person would replay are left out, counted by reason in `skipped`: URLs that are
//!   not http(s) (`data:`, `blob:`, `chrome-extension:`, `ws:`), static assets (by the
//!   response's type: images, fonts, media, CSS, JavaScript, WebAssembly; by the browser's
//!   resource type; by the URL's extension: `.css`, `.js`, `.png`, `.woff2`...), pages the
//!   browser loaded (HTML for a document), CORS preflights.
//! - Credentials are taken out (`taken`) and listed by kind and name in `Imported::removed`,
//!   never by value: credential headers and cookies are dropped, credential query parameters
//!   and body fields keep their name with `[redacted]` as value, and each value taken is then
//!   scrubbed wherever else it appears (a `Referer`, a path, a raw body).
//! - Headers the browser or HTTP client sets itself (`Host`, `Content-Length`, HTTP/2's
//!   `:authority`, `Accept-Encoding`, `Sec-Fetch-*`...) are not saved, said once.
//! - Bodies over 1 MB, multipart bodies (uploads) and binary bodies are not saved, said per
//!   request. Request bodies are text (HAR 1.2); one marked `encoding: base64` anyway (some
//!   tools write it) is decoded.
//! - A HAR holds no OAuth 2.0 settings: as for any collection, a token request in it (a POST
//!   with `grant_type`) gives the profile (its endpoint, grant and client authentication; not
//!   its secrets, which are taken out like every other: the profile's client secret is set by
//!   hand), else the requests go to a profile given with `--profile`. A created profile's API
//!   base is the origin most requests went to.

mod taken;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use url::Url;

use self::taken::{pairs, scrub, Hidden, Taken};
use super::collection::{self, Auth, Collection, CollectionRequest, FoundSecrets};
use super::{clip, scalar_text as text, ImportError, Imported, Skipped, SkippedKind};
use crate::request::DraftBody;

/// The most entries read as requests; the rest are said to be left out.
const MAX_REQUESTS: usize = 5000;
/// The largest request body saved (and response body looked into for credentials).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const NOT_HTTP: &str = "not an http(s) URL (data:, blob:, a browser extension's, a websocket): \
                        nothing to replay";
const STATIC: &str = "a static asset (a style sheet, script, image, font or media file): not an \
                      API call";
const PAGE: &str = "a web page the browser loaded: not an API call";
const PREFLIGHT: &str = "a CORS preflight the browser sent by itself";
const NO_REQUEST: &str = "not a request HAR describes (no request with a URL)";

/// Response types of static assets (before any `;`).
const STATIC_TYPES: &[&str] = &[
    "text/css",
    "application/wasm",
    "application/vnd.ms-fontobject",
    "application/font-woff",
    "application/x-font-woff",
    "application/x-font-ttf",
    "application/manifest+json",
];

/// The browser's resource types (Chromium's `_resourceType`) of static assets.
const STATIC_RESOURCES: &[&str] = &[
    "image",
    "font",
    "stylesheet",
    "script",
    "media",
    "manifest",
    "texttrack",
];

/// URL endings of static assets.
const STATIC_EXTENSIONS: &[&str] = &[
    ".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp",
    ".avif", ".bmp", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp4", ".webm", ".mp3", ".ogg",
    ".wav", ".wasm",
];

/// Is this a HAR file (a `log` object)? Whether it has its entries is `import`'s to say.
pub fn is_har(doc: &Value) -> bool {
    doc.get("log").is_some_and(Value::is_object)
}

/// Read a HAR file (`path`, for its refusal) and map it: its requests by host, credentials
/// taken out (`Imported::removed`), no secret kept for a keyring.
pub fn import(doc: &Value, syntax: &str, path: &str) -> Result<Imported, ImportError> {
    let (collection, removed, origin) = read(doc, syntax, path)?;
    let mut imported = collection::map(collection);
    // Every secret in a HAR is someone's credential, taken out: none goes to a keyring.
    imported.secrets = FoundSecrets::default();
    imported.removed = removed;
    if let Some(profile) = imported.profile.as_mut() {
        profile.remember_password = false;
        if profile.api_base.is_none() {
            profile.api_base = origin;
        }
    }
    Ok(imported)
}

/// The file as a collection with its credentials taken out; what was taken; the origin most
/// requests went to.
fn read(
    doc: &Value,
    syntax: &str,
    path: &str,
) -> Result<(Collection, Vec<super::Removed>, Option<String>), ImportError> {
    let refuse = |why: &str| ImportError::NotHar {
        path: path.to_string(),
        why: why.to_string(),
    };
    let log = doc
        .get("log")
        .filter(|log| log.is_object())
        .ok_or_else(|| refuse("it has no log object"))?;
    let entries = match log.get("entries") {
        None | Some(Value::Null) => return Err(refuse("log.entries is missing")),
        Some(entries) => entries
            .as_array()
            .ok_or_else(|| refuse("log.entries is not a list"))?,
    };
    let mut reader = Reader::default();
    // Learned from every entry first (responses too), so a value taken from one request is
    // scrubbed from all.
    entries.iter().for_each(|entry| reader.taken.learn(entry));
    reader.taken.seal();
    for entry in entries {
        reader.entry(entry);
    }
    let hidden = reader.taken.hidden().clone();
    let (host, origin) = most_common(&reader.hosts);
    let mut collection = Collection {
        format: format_of(log, syntax, &hidden),
        title: host.unwrap_or_else(|| "HAR".into()),
        auth: Auth::None,
        requests: reader.requests,
        variables: Vec::new(),
        skipped: reader.notes.into_skipped(reader.transport),
    };
    scrub_collection(&mut collection, &hidden);
    Ok((
        collection,
        reader.taken.removed(),
        origin.map(|o| scrub(&o, &hidden)),
    ))
}

/// `HAR 1.2 from Playwright 1.65.1 (JSON)`.
fn format_of(log: &Value, syntax: &str, hidden: &Hidden) -> String {
    let version = clip(&text(log.get("version")).unwrap_or_default(), 10);
    let creator = [
        text(log.pointer("/creator/name")),
        text(log.pointer("/creator/version")),
    ]
    .into_iter()
    .flatten()
    .map(|part| clip(scrub(&part, hidden).trim(), 40))
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let version = match version.trim() {
        "" => String::new(),
        v => format!(" {v}"),
    };
    match creator.is_empty() {
        true => format!("HAR{version} ({syntax})"),
        false => format!("HAR{version} from {creator} ({syntax})"),
    }
}

#[derive(Default)]
struct Reader {
    taken: Taken,
    requests: Vec<CollectionRequest>,
    notes: Notes,
    /// Headers the client sets itself, as first spelled, that were left out.
    transport: BTreeSet<String>,
    /// Each saved (not token) request's folder and origin, in order.
    hosts: Vec<(String, String)>,
}

impl Reader {
    fn entry(&mut self, entry: &Value) {
        let request = entry.get("request").filter(|r| r.is_object());
        let raw_url = request.and_then(|r| text(r.get("url"))).unwrap_or_default();
        let Some(request) = request.filter(|_| !raw_url.trim().is_empty()) else {
            self.notes
                .add(SkippedKind::Request, NO_REQUEST, "an entry".into());
            return;
        };
        let method = match text(request.get("method")).unwrap_or_default().trim() {
            "" => "GET".to_string(),
            method => clip(&scrub(method, self.taken.hidden()), 20).to_ascii_uppercase(),
        };
        let url = Url::parse(raw_url.trim()).ok();
        let headers = pairs(request.get("headers"));
        let label = label(&method, url.as_ref(), &raw_url, self.taken.hidden());
        if let Some(reason) = skip_reason(entry, &method, url.as_ref(), &headers) {
            self.notes.add(SkippedKind::Request, reason, label);
            return;
        }
        let Some(url) = url else { return };
        if self.requests.len() >= MAX_REQUESTS {
            let reason = format!("more than {MAX_REQUESTS} requests");
            self.notes.add(SkippedKind::Request, &reason, label);
            return;
        }
        let token = taken::is_token_request(&method, request.get("postData"));
        let folder = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let name = format!("{method} {}", url.path());
        let (headers, basic_user) = self.taken.headers(headers, &mut self.transport);
        self.taken.cookies(request.get("cookies"));
        let url_text = self.taken.url(url.clone());
        let (body, body_note) = self.taken.body(request.get("postData"), token);
        if let Some(reason) = body_note {
            self.notes.add(SkippedKind::Body, reason, label);
        }
        self.taken.end_request();
        if !token {
            let origin = url.origin().ascii_serialization();
            self.hosts.push((folder.clone(), origin));
        }
        self.requests.push(CollectionRequest {
            folders: vec![folder],
            name,
            method,
            url: url_text,
            query: Vec::new(),
            headers,
            body,
            // A token request's Basic client authentication, for the profile's dialect; the
            // secret itself is only a `{{placeholder}}`, never a value.
            auth: match (token, basic_user) {
                (true, Some(username)) => Auth::Basic {
                    username,
                    password: "{{client_secret}}".into(),
                },
                _ => Auth::None,
            },
        });
    }
}

/// Why an entry is no request a person would replay, if it is not.
fn skip_reason(
    entry: &Value,
    method: &str,
    url: Option<&Url>,
    headers: &[(String, String)],
) -> Option<&'static str> {
    let Some(url) = url.filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) else {
        return Some(NOT_HTTP);
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    let mime = text(entry.pointer("/response/content/mimeType"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mime = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let resource = text(entry.get("_resourceType"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let path = url.path().to_ascii_lowercase();
    let static_mime = ["image/", "font/", "audio/", "video/"]
        .iter()
        .any(|p| mime.starts_with(p))
        || STATIC_TYPES.contains(&mime.as_str())
        || mime.contains("javascript")
        || mime.contains("ecmascript");
    if static_mime
        || STATIC_RESOURCES.contains(&resource.as_str())
        || STATIC_EXTENSIONS.iter().any(|e| path.ends_with(e))
    {
        return Some(STATIC);
    }
    if resource == "preflight"
        || (method == "OPTIONS" && header("access-control-request-method").is_some())
    {
        return Some(PREFLIGHT);
    }
    let document = resource == "document"
        || matches!(
            header("sec-fetch-dest").as_deref(),
            Some("document" | "iframe")
        )
        || header("accept").is_some_and(|a| a.starts_with("text/html"));
    if document && (mime == "text/html" || mime.is_empty()) {
        return Some(PAGE);
    }
    None
}

/// How an entry is named in a note: its method and URL without query or fragment.
fn label(method: &str, url: Option<&Url>, raw: &str, hidden: &Hidden) -> String {
    let shown = match url {
        Some(url) if url.has_host() => format!(
            "{}://{}{}{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port().map(|p| format!(":{p}")).unwrap_or_default(),
            url.path()
        ),
        _ => raw.split(['?', '#', ',']).next().unwrap_or_default().into(),
    };
    clip(&scrub(&format!("{method} {shown}"), hidden), 120)
}

/// The folder most saved requests are in (the first of equals), and its origin.
fn most_common(hosts: &[(String, String)]) -> (Option<String>, Option<String>) {
    let mut counts: Vec<(&(String, String), usize)> = Vec::new();
    for host in hosts {
        match counts.iter_mut().find(|(h, _)| *h == host) {
            Some((_, n)) => *n += 1,
            None => counts.push((host, 1)),
        }
    }
    let best = counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map(|(h, _)| (*h).clone());
    match best {
        Some((folder, origin)) => (Some(folder), Some(origin)),
        None => (None, None),
    }
}

/// Notes over all entries, one per reason (how many, and the first).
#[derive(Default)]
struct Notes(BTreeMap<String, (SkippedKind, usize, String)>);

impl Notes {
    fn add(&mut self, kind: SkippedKind, reason: &str, label: String) {
        let (_, count, _) = self.0.entry(reason.to_string()).or_insert((kind, 0, label));
        *count += 1;
    }

    fn into_skipped(self, transport: BTreeSet<String>) -> Vec<Skipped> {
        let mut skipped: Vec<Skipped> = self
            .0
            .into_iter()
            .map(|(reason, (kind, count, first))| {
                let item = match count {
                    1 => first,
                    n => format!("{n} requests ({first}, ...)"),
                };
                Skipped::new(kind, item, reason)
            })
            .collect();
        if !transport.is_empty() {
            let names = transport.into_iter().collect::<Vec<_>>().join(", ");
            skipped.push(Skipped::new(
                SkippedKind::Resource,
                clip(&format!("headers {names}"), 300),
                "set by the browser or the HTTP client itself when sending: not saved",
            ));
        }
        skipped
    }
}

/// Every value taken out, replaced wherever else it is in what the mapping reads.
fn scrub_collection(collection: &mut Collection, hidden: &Hidden) {
    if hidden.is_empty() {
        return;
    }
    let clean = |text: &mut String| *text = scrub(text, hidden);
    clean(&mut collection.title);
    clean(&mut collection.format);
    for note in &mut collection.skipped {
        clean(&mut note.item);
        clean(&mut note.reason);
    }
    for request in &mut collection.requests {
        request.folders.iter_mut().for_each(clean);
        clean(&mut request.name);
        clean(&mut request.url);
        for (name, value) in request.headers.iter_mut() {
            clean(name);
            clean(value);
        }
        if let Auth::Basic { username, .. } = &mut request.auth {
            clean(username);
        }
        match &mut request.body {
            DraftBody::Json(text) | DraftBody::Raw(text) => clean(text),
            DraftBody::Form(rows) => rows.iter_mut().for_each(|(n, v)| {
                clean(n);
                clean(v);
            }),
            DraftBody::None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use serde_json::json;

    use super::*;
    use crate::import::{Removed, RemovedKind};
    use crate::profile::{ClientAuth, Grant};

    fn har(entries: Value) -> Value {
        json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                       "entries": entries}})
    }

    fn entry(method: &str, url: &str, headers: Value, mime: &str) -> Value {
        json!({
            "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                        "headers": headers, "queryString": [], "cookies": []},
            "response": {"status": 200, "headers": [], "cookies": [],
                         "content": {"size": 2, "mimeType": mime, "text": "{}"}}
        })
    }

    fn with_post(mut entry: Value, post: Value) -> Value {
        entry["request"]["postData"] = post;
        entry
    }

    fn read(doc: &Value) -> Imported {
        import(doc, "JSON", "support.har").unwrap()
    }

    fn removed(imported: &Imported, kind: RemovedKind, name: &str) -> Option<u32> {
        imported
            .removed
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .map(|r| r.count)
    }

    /// The secret is in no saved request, name, folder, variable, note or removed name.
    fn nowhere(imported: &Imported, secret: &str) {
        let shown = serde_json::to_string(imported).unwrap();
        assert!(!shown.contains(secret), "{secret} in {shown}");
        let debug = format!("{imported:?}");
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }

    #[test]
    fn a_har_is_told_by_its_log_and_a_broken_one_refused_in_one_sentence() {
        assert!(is_har(&json!({"log": {"entries": []}})));
        assert!(!is_har(&json!({"log": "x"})));
        assert!(!is_har(&json!({"openapi": "3.0.0"})));
        let refused = |doc: Value| import(&doc, "JSON", "ticket.json").unwrap_err().to_string();
        assert_eq!(
            refused(json!({"log": {"version": "1.2"}})),
            "ticket.json is not a HAR file: log.entries is missing"
        );
        assert_eq!(
            refused(json!({"log": {"entries": {"a": 1}}})),
            "ticket.json is not a HAR file: log.entries is not a list"
        );
        let empty = read(&har(json!([])));
        assert!(empty.requests.is_empty() && empty.profile.is_none());
        assert_eq!(empty.format, "HAR 1.2 from WebInspector 537.36 (JSON)");
        // Entries that are no request are said, not a panic.
        let odd = read(&har(
            json!([1, null, {"request": {"method": "GET"}}, {"request": "x"}]),
        ));
        assert!(odd.requests.is_empty());
        assert_eq!(odd.skipped[0].item, "4 requests (an entry, ...)");
    }

    #[test]
    fn requests_are_saved_by_host_named_by_method_and_path_and_assets_left_out() {
        let doc = har(json!([
            entry(
                "GET",
                "https://onlinetools.ups.com/track/v1/details/1Z999?locale=en_US",
                json!([{"name": "Accept", "value": "application/json"},
                         {"name": ":authority", "value": "onlinetools.ups.com"},
                         {"name": "Accept-Encoding", "value": "gzip, br"},
                         {"name": "sec-fetch-mode", "value": "cors"}]),
                "application/json"
            ),
            entry(
                "GET",
                "https://onlinetools.ups.com/track/v1/details/1Z999?locale=fr_FR",
                json!([]),
                "application/json"
            ),
            entry(
                "POST",
                "http://127.0.0.1:8080/api/rates",
                json!([]),
                "application/json"
            ),
            entry(
                "GET",
                "https://onlinetools.ups.com/assets/app.js?v=3",
                json!([]),
                ""
            ),
            entry(
                "GET",
                "https://onlinetools.ups.com/logo",
                json!([]),
                "image/png"
            ),
            entry(
                "GET",
                "https://onlinetools.ups.com/fonts/a",
                json!([]),
                "font/woff2"
            ),
            entry(
                "GET",
                "https://onlinetools.ups.com/style",
                json!([]),
                "text/css; charset=utf-8"
            ),
            entry(
                "GET",
                "data:image/png;base64,iVBORw0KGgo=",
                json!([]),
                "image/png"
            ),
            entry(
                "GET",
                "chrome-extension://abc/page.json",
                json!([]),
                "application/json"
            ),
            entry(
                "GET",
                "blob:https://onlinetools.ups.com/1-2",
                json!([]),
                "application/json"
            ),
            entry(
                "OPTIONS",
                "https://onlinetools.ups.com/track/v1/details/1Z999",
                json!([{"name": "Access-Control-Request-Method", "value": "GET"}]),
                ""
            ),
            entry(
                "GET",
                "https://onlinetools.ups.com/",
                json!([{"name": "Accept", "value": "text/html,application/xhtml+xml"}]),
                "text/html"
            ),
        ]));
        let imported = read(&doc);
        let saved: Vec<(Option<&str>, &str, &str)> = imported
            .requests
            .iter()
            .map(|r| (r.folder.as_deref(), r.name.as_str(), r.request.url.as_str()))
            .collect();
        assert_eq!(
            saved,
            [
                (
                    Some("onlinetools.ups.com"),
                    "GET /track/v1/details/1Z999",
                    "https://onlinetools.ups.com/track/v1/details/1Z999?locale=en_US"
                ),
                (
                    Some("onlinetools.ups.com"),
                    "GET /track/v1/details/1Z999 (2)",
                    "https://onlinetools.ups.com/track/v1/details/1Z999?locale=fr_FR"
                ),
                (
                    Some("127.0.0.1:8080"),
                    "POST /api/rates",
                    "http://127.0.0.1:8080/api/rates"
                ),
            ]
        );
        assert_eq!(imported.title, "onlinetools.ups.com");
        assert_eq!(
            imported.requests[0].request.headers,
            [("Accept".to_string(), "application/json".to_string())]
        );
        let why = |reason: &str| {
            imported
                .skipped
                .iter()
                .find(|s| s.reason == reason)
                .map(|s| (s.kind, s.item.as_str()))
        };
        assert_eq!(
            why(STATIC),
            Some((
                SkippedKind::Request,
                "4 requests (GET https://onlinetools.ups.com/assets/app.js, ...)"
            ))
        );
        assert_eq!(
            why(NOT_HTTP).unwrap().1,
            "3 requests (GET data:image/png;base64, ...)"
        );
        assert_eq!(why(PREFLIGHT).unwrap().0, SkippedKind::Request);
        assert_eq!(why(PAGE).unwrap().1, "GET https://onlinetools.ups.com/");
        let transport = imported.skipped.last().unwrap();
        assert_eq!(
            transport.item,
            "headers :authority, Accept-Encoding, sec-fetch-mode"
        );
        assert!(imported.removed.is_empty());
    }

    #[test]
    fn credentials_are_taken_out_by_name_and_their_values_are_nowhere() {
        let api = "https://api.example.com";
        let mut track = entry(
            "GET",
            &format!(
                "{api}/v1/orders/ORDER-77?access_token=QTOKEN-1234567&key=KEY-12345678&page=2"
            ),
            json!([
                {"name": "Authorization", "value": "Bearer BEARER-abcdefgh"},
                {"name": "Cookie", "value": "session_id=COOKIE-SESSION-1; theme=dark"},
                {"name": "X-Shopify-Access-Token", "value": "shpat_SHOPIFY-0001"},
                {"name": "x-amz-access-token", "value": "Atza|AMAZON-0001"},
                {"name": "WM_SEC.ACCESS_TOKEN", "value": "WALMART-0001"},
                {"name": "DHL-API-Key", "value": "DHL-KEY-0001"},
                {"name": "Proxy-Authorization", "value": "Basic dXNlcjpQUk9YWS1QQVNTLTE="},
                {"name": "X-Context", "value": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLTE"},
                {"name": "Referer", "value": format!("{api}/app?access_token=QTOKEN-1234567#x")},
                {"name": "X-Trace", "value": "BEARER-abcdefgh"},
                {"name": "Accept", "value": "application/json"},
            ]),
            "application/json",
        );
        track["request"]["cookies"] = json!([{"name": "session_id", "value": "COOKIE-SESSION-1"},
                                             {"name": "theme", "value": "dark"}]);
        let order = with_post(
            entry(
                "POST",
                &format!("{api}/v1/orders"),
                json!([]),
                "application/json",
            ),
            json!({"mimeType": "application/json",
                   "text": "{\"item\": \"box\", \"password\": \"BODY-PASSWORD-1\", \"nested\": {\"api_key\": \"BODY-KEY-0001\"}, \"note\": \"QTOKEN-1234567\"}"}),
        );
        let form = with_post(
            entry(
                "POST",
                &format!("{api}/v1/login"),
                json!([]),
                "application/json",
            ),
            json!({"mimeType": "application/x-www-form-urlencoded",
                   "text": "user=ann&password=FORM-PASSWORD-1&remember=1"}),
        );
        // A token the API issued, used later in a field not named for one.
        let mut issued = entry(
            "GET",
            &format!("{api}/v1/session"),
            json!([]),
            "application/json",
        );
        issued["response"]["content"]["text"] = json!("{\"access_token\": \"ISSUED-TOKEN-0001\"}");
        issued["response"]["headers"] =
            json!([{"name": "Set-Cookie", "value": "refresh=SET-COOKIE-0001; HttpOnly"}]);
        // A signed request's signature, repeated in a header not named for one.
        let signed = entry(
            "GET",
            &format!("{api}/v1/signed"),
            json!([
                {"name": "Authorization",
                 "value": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/x/aws4_request, SignedHeaders=host, Signature=SIGNATURE-0001"},
                {"name": "X-Echo", "value": "sig SIGNATURE-0001 cred AKIDEXAMPLE/20260101/us-east-1/x/aws4_request"},
            ]),
            "application/json",
        );
        let echo = with_post(
            entry(
                "PUT",
                &format!("{api}/v1/ISSUED-TOKEN-0001/echo"),
                json!([]),
                "text/plain",
            ),
            json!({"mimeType": "text/plain", "text": "t=ISSUED-TOKEN-0001 r=SET-COOKIE-0001"}),
        );
        let doc = har(json!([track, order, form, issued, echo, signed]));
        let imported = read(&doc);
        let first = &imported.requests[0].request;
        assert_eq!(
            first.url,
            format!("{api}/v1/orders/ORDER-77?access_token=[redacted]&key=[redacted]&page=2")
        );
        assert_eq!(
            first.headers,
            [
                (
                    "Referer".to_string(),
                    format!("{api}/app?access_token=[redacted]")
                ),
                ("X-Trace".to_string(), "[redacted]".to_string()),
                ("Accept".to_string(), "application/json".to_string()),
            ]
        );
        let DraftBody::Json(body) = &imported.requests[1].request.body else {
            panic!("{:?}", imported.requests[1].request.body)
        };
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body,
            json!({"item": "box", "password": "[redacted]", "nested": {"api_key": "[redacted]"},
                   "note": "[redacted]"})
        );
        assert_eq!(
            imported.requests[2].request.body,
            DraftBody::Form(vec![
                ("user".into(), "ann".into()),
                ("password".into(), "[redacted]".into()),
                ("remember".into(), "1".into()),
            ])
        );
        assert_eq!(imported.requests[4].name, "PUT /v1/[redacted]/echo");
        assert_eq!(
            imported.requests[5].request.headers,
            [(
                "X-Echo".to_string(),
                "sig [redacted] cred [redacted]".to_string()
            )]
        );
        assert_eq!(
            imported.requests[4].request.body,
            DraftBody::Raw("t=[redacted] r=[redacted]".into())
        );
        for (kind, name, count) in [
            (RemovedKind::Header, "Authorization", 2),
            (RemovedKind::Header, "Cookie", 1),
            (RemovedKind::Cookie, "session_id", 1),
            (RemovedKind::Cookie, "theme", 1),
            (RemovedKind::Header, "X-Shopify-Access-Token", 1),
            (RemovedKind::Header, "x-amz-access-token", 1),
            (RemovedKind::Header, "WM_SEC.ACCESS_TOKEN", 1),
            (RemovedKind::Header, "DHL-API-Key", 1),
            (RemovedKind::Header, "Proxy-Authorization", 1),
            (RemovedKind::Header, "X-Context", 1),
            (RemovedKind::Query, "access_token", 1),
            (RemovedKind::Query, "key", 1),
            (RemovedKind::Body, "password", 2),
            (RemovedKind::Body, "api_key", 1),
        ] {
            assert_eq!(
                removed(&imported, kind, name),
                Some(count),
                "{kind:?} {name}"
            );
        }
        assert_eq!(
            serde_json::to_value(&imported.removed[0]).unwrap(),
            json!({"kind": "header", "name": "Authorization", "count": 2})
        );
        for secret in [
            "QTOKEN-1234567",
            "KEY-12345678",
            "BEARER-abcdefgh",
            "COOKIE-SESSION-1",
            "SHOPIFY-0001",
            "AMAZON-0001",
            "WALMART-0001",
            "DHL-KEY-0001",
            "PROXY-PASS-1",
            "dXNlcjpQUk9YWS1QQVNTLTE",
            "c2lnbmF0dXJlLTE",
            "BODY-PASSWORD-1",
            "BODY-KEY-0001",
            "FORM-PASSWORD-1",
            "ISSUED-TOKEN-0001",
            "SET-COOKIE-0001",
            "SIGNATURE-0001",
            "AKIDEXAMPLE",
        ] {
            nowhere(&imported, secret);
        }
        assert!(imported.profile.is_none(), "a HAR names no OAuth settings");
    }

    #[test]
    fn a_token_request_gives_the_profile_without_its_secret() {
        let basic = base64::engine::general_purpose::STANDARD.encode("carrier-app:CLIENT-SECRET-1");
        let token = with_post(
            entry(
                "POST",
                "https://auth.example.com/oauth/token",
                json!([{"name": "Authorization", "value": format!("Basic {basic}")}]),
                "application/json",
            ),
            json!({"mimeType": "application/x-www-form-urlencoded",
                   "params": [{"name": "grant_type", "value": "client_credentials"},
                              {"name": "scope", "value": "track"}]}),
        );
        let form_token = with_post(
            entry(
                "POST",
                "https://auth.example.com/token2",
                json!([]),
                "application/json",
            ),
            json!({"mimeType": "text/plain;charset=UTF-8",
                   "text": "grant_type=password&client_id=app&client_secret=CLIENT-SECRET-2&username=ann&password=USER-PASSWORD-2"}),
        );
        let call = |path: &str| {
            entry(
                "GET",
                &format!("https://api.example.com{path}"),
                json!([]),
                "application/json",
            )
        };
        let doc = har(json!([
            token,
            form_token,
            call("/a"),
            call("/b?access_token=QUERY-TOKEN-9"),
            entry(
                "GET",
                "https://other.example.com/c",
                json!([]),
                "application/json"
            )
        ]));
        let imported = read(&doc);
        let profile = imported.profile.as_ref().unwrap();
        assert_eq!(profile.grant, Some(Grant::ClientCredentials));
        assert_eq!(
            profile.token_url.as_deref(),
            Some("https://auth.example.com/oauth/token")
        );
        assert_eq!(profile.client_auth, Some(ClientAuth::Basic));
        assert_eq!(profile.client_id.as_deref(), Some("carrier-app"));
        assert_eq!(profile.scope.as_deref(), Some("track"));
        assert_eq!(profile.api_base.as_deref(), Some("https://api.example.com"));
        assert!(!profile.remember_password);
        assert_eq!(imported.title, "api.example.com");
        assert!(
            imported.secrets.kinds().is_empty(),
            "nothing goes to a keyring"
        );
        assert_eq!(imported.requests.len(), 3, "token requests are not saved");
        assert_eq!(
            removed(&imported, RemovedKind::Body, "client_secret"),
            Some(1)
        );
        assert_eq!(
            removed(&imported, RemovedKind::Header, "Authorization"),
            Some(1)
        );
        for secret in [
            "CLIENT-SECRET-1",
            "CLIENT-SECRET-2",
            "USER-PASSWORD-2",
            &basic,
        ] {
            nowhere(&imported, secret);
        }
        let saved = serde_json::to_string(&imported.requests).unwrap();
        assert!(!saved.contains("{{"), "{saved}");
        assert!(
            !format!("{:?}", imported.profile).contains("{{"),
            "{:?}",
            imported.profile
        );
    }

    #[test]
    fn large_multipart_and_binary_bodies_are_left_out_with_a_note_and_base64_text_read() {
        let big = "x".repeat(MAX_BODY_BYTES + 1);
        let post = |mime: &str, body: Value| {
            with_post(
                entry(
                    "POST",
                    "https://api.example.com/upload",
                    json!([]),
                    "application/json",
                ),
                body.as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .chain([("mimeType".to_string(), json!(mime))])
                    .collect(),
            )
        };
        let doc = har(json!([
            post("text/plain", json!({"text": big})),
            post(
                "multipart/form-data; boundary=x",
                json!({"text": "--x\r\n", "params": [{"name": "file", "fileName": "a.pdf"}]})
            ),
            post(
                "application/octet-stream",
                json!({"text": "//79/A==", "encoding": "base64"})
            ),
            post(
                "application/json",
                json!({"text": "eyJ0b2tlbiI6ICJCNjQtVE9LRU4tMSIsICJuIjogMX0=", "encoding": "base64"})
            ),
        ]));
        let imported = read(&doc);
        let bodies: Vec<&DraftBody> = imported.requests.iter().map(|r| &r.request.body).collect();
        assert_eq!(
            bodies[..3],
            [&DraftBody::None, &DraftBody::None, &DraftBody::None]
        );
        let DraftBody::Json(decoded) = bodies[3] else {
            panic!("{:?}", bodies[3])
        };
        assert!(
            decoded.contains("\"n\":1") && decoded.contains(crate::redact::REDACTED),
            "{decoded}"
        );
        let reasons: Vec<&str> = imported.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            reasons.contains(&"its body is over 1 MB: not saved"),
            "{reasons:?}"
        );
        assert!(
            reasons.contains(&"its body is binary: not saved"),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.starts_with("a multipart body")),
            "{reasons:?}"
        );
        nowhere(&imported, "B64-TOKEN-1");
        let _ = Removed {
            kind: RemovedKind::Body,
            name: String::new(),
            count: 0,
        };
    }
}
