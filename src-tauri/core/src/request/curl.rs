//! curl in and out. Out: a request as the shell command that sends it, the bearer token redacted
//! unless the person asks for it. In: a customer's curl command (multi-line, quoted) read back
//! into a request; an option it does not understand is refused by name, never guessed at.

use serde::Serialize;

use crate::profile::Profile;
use crate::request::{self, ApiRequest, DraftBody, RequestDraft, RequestError};
use crate::secret::AccessToken;

/// What goes after `Authorization: Bearer` in the command.
#[derive(Debug, Clone, Copy)]
pub enum Bearer<'a> {
    Redacted,
    Shown(&'a AccessToken),
}

pub const REDACTED: &str = "[redacted]";

/// The command, one option per line, every value single-quoted for a POSIX shell.
pub fn to_curl(
    profile: &Profile,
    request: &ApiRequest,
    bearer: Bearer<'_>,
) -> Result<String, RequestError> {
    let url = request::resolve_url(profile, &request.target)?;
    let method = request.method.to_ascii_uppercase();
    let implied = if request.body.is_some() {
        "POST"
    } else {
        "GET"
    };
    let first = match method == implied {
        true => format!("curl {}", quote(url.as_str())),
        false => format!("curl -X {method} {}", quote(url.as_str())),
    };
    let mut parts = vec![first];
    for (name, value) in request::outgoing_headers(profile, request) {
        parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    let token = match bearer {
        Bearer::Redacted => REDACTED,
        Bearer::Shown(token) => token.expose(),
    };
    // A DPoP token goes with a proof made for each request: the command shows where it goes.
    let scheme = if profile.dpop { "DPoP" } else { "Bearer" };
    parts.push(format!(
        "-H {}",
        quote(&format!("Authorization: {scheme} {token}"))
    ));
    if profile.dpop {
        parts.push(format!("-H {}", quote(&format!("DPoP: {REDACTED}"))));
    }
    if let Some(body) = &request.body {
        parts.push(format!(
            "--data-raw {}",
            quote(&String::from_utf8_lossy(body))
        ));
    }
    Ok(parts.join(" \\\n  "))
}

/// `'...'`, with each `'` written as `'\''`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A request read from a curl command: what curl would send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurlRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurlError {
    #[error("this is not a curl command (it should start with `curl`)")]
    NotCurl,
    #[error("the command's quotes do not close")]
    Unbalanced,
    #[error("the curl command names no URL")]
    NoUrl,
    #[error(
        "the curl command names two URLs ({0:?} and {1:?}); is a -H missing before one of them?"
    )]
    TwoUrls(String, String),
    #[error("curl option {0} needs a value")]
    MissingValue(String),
    #[error("curl option {0} is not understood here; remove it or send the request another way")]
    Unknown(String),
    #[error("the header {0:?} is not \"Name: value\"")]
    BadHeader(String),
    #[error("could not read {0} for {1}: {2}")]
    File(String, String, String),
}

/// Options that change nothing about the request sent (output, progress, TLS checks, redirects).
const IGNORED_FLAGS: &[&str] = &[
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-v",
    "--verbose",
    "-i",
    "--include",
    "-L",
    "--location",
    "-k",
    "--insecure",
    "--compressed",
    "-f",
    "--fail",
    "-g",
    "--globoff",
    "--http1.1",
    "--http2",
    "-N",
    "--no-buffer",
];
const IGNORED_WITH_VALUE: &[&str] = &[
    "-o",
    "--output",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-w",
    "--write-out",
    "--retry",
];

/// Read a curl command. `read_file` serves `-d @file` and `--data-binary @file`.
pub fn parse_curl(
    command: &str,
    read_file: impl Fn(&str) -> std::io::Result<Vec<u8>>,
) -> Result<CurlRequest, CurlError> {
    // Line continuations as a shell reads them (also Windows line ends), and a pasted "$ " prompt.
    let joined = command
        .replace("\\\r\n", " ")
        .replace("\\\n", " ")
        .replace("\r\n", "\n");
    let joined = joined.trim().trim_start_matches("$ ");
    let words = shlex::split(joined).ok_or(CurlError::Unbalanced)?;
    let mut words = words.into_iter();
    if words.next().as_deref() != Some("curl") {
        return Err(CurlError::NotCurl);
    }
    let mut method = None;
    let mut url: Option<String> = None;
    let mut headers = Vec::new();
    let mut data: Vec<String> = Vec::new();
    let mut get = false;
    let mut head = false;
    let mut words = words.peekable();
    while let Some(word) = words.next() {
        // `-XPOST`, `-H'Accept: x'`: a short option with its value attached.
        let (option, attached) = match word.as_str() {
            w if w.starts_with("--") => match w.split_once('=') {
                Some((o, v)) => (o.to_string(), Some(v.to_string())),
                None => (w.to_string(), None),
            },
            w if w.starts_with('-') && w.len() > 2 && "XHdubeAo".contains(&w[1..2]) => {
                (w[..2].to_string(), Some(w[2..].to_string()))
            }
            // `-sSL`: several flags in one word.
            w if w.starts_with('-') && w.len() > 2 => {
                for flag in w[1..].chars() {
                    match flag {
                        'G' => get = true,
                        'I' => head = true,
                        f if IGNORED_FLAGS.contains(&format!("-{f}").as_str()) => {}
                        f => return Err(CurlError::Unknown(format!("-{f}"))),
                    }
                }
                continue;
            }
            w if w.starts_with('-') && w.len() > 1 => (w.to_string(), None),
            _ => match url.replace(word.clone()) {
                Some(first) => return Err(CurlError::TwoUrls(first, word)),
                None => continue,
            },
        };
        let mut value = || {
            attached
                .clone()
                .or_else(|| words.next())
                .ok_or_else(|| CurlError::MissingValue(option.clone()))
        };
        match option.as_str() {
            "-X" | "--request" => method = Some(value()?.to_ascii_uppercase()),
            "--url" => {
                let given = value()?;
                if let Some(first) = url.replace(given.clone()) {
                    return Err(CurlError::TwoUrls(first, given));
                }
            }
            "-H" | "--header" => {
                let line = value()?;
                let (name, text) = line
                    .split_once(':')
                    .filter(|(n, _)| !n.trim().is_empty() && !n.contains(' '))
                    .ok_or_else(|| CurlError::BadHeader(line.clone()))?;
                headers.push((name.trim().to_string(), text.trim().to_string()));
            }
            "-d" | "--data" | "--data-ascii" | "--data-binary" => {
                let given = value()?;
                let text = match given.strip_prefix('@') {
                    Some(path) => {
                        let bytes = read_file(path).map_err(|e| {
                            CurlError::File(path.into(), option.clone(), e.to_string())
                        })?;
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        // curl drops newlines from -d @file, keeps them for --data-binary.
                        match option.as_str() {
                            "--data-binary" => text,
                            _ => text.replace(['\r', '\n'], ""),
                        }
                    }
                    None => given,
                };
                data.push(text);
            }
            "--data-raw" => data.push(value()?),
            "--data-urlencode" => {
                let given = value()?;
                let encode = |t: &str| {
                    url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
                };
                data.push(match given.split_once('=') {
                    Some((name, text)) => format!("{name}={}", encode(text)),
                    None => encode(&given),
                });
            }
            "--json" => {
                data.push(value()?);
                for (name, text) in [
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json"),
                ] {
                    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                        headers.push((name.into(), text.into()));
                    }
                }
            }
            "-u" | "--user" => {
                use base64::Engine;
                let credentials = value()?;
                let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
                headers.push(("Authorization".into(), format!("Basic {encoded}")));
            }
            "-A" | "--user-agent" => headers.push(("User-Agent".into(), value()?)),
            "-e" | "--referer" => headers.push(("Referer".into(), value()?)),
            "-b" | "--cookie" => headers.push(("Cookie".into(), value()?)),
            "-G" | "--get" => get = true,
            "-I" | "--head" => head = true,
            o if IGNORED_FLAGS.contains(&o) => {}
            o if IGNORED_WITH_VALUE.contains(&o) => {
                value()?;
            }
            other => return Err(CurlError::Unknown(other.to_string())),
        }
    }
    let mut url = url.ok_or(CurlError::NoUrl)?;
    let mut body = (!data.is_empty()).then(|| data.join("&"));
    if get {
        if let Some(query) = body.take() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query);
        }
    }
    let has_form_type = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !has_form_type {
        // What curl itself sends with -d.
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    let method = method.unwrap_or_else(|| {
        match (head, body.is_some()) {
            (true, _) => "HEAD",
            (false, true) => "POST",
            (false, false) => "GET",
        }
        .into()
    });
    Ok(CurlRequest {
        method,
        url,
        headers,
        body,
    })
}

impl CurlRequest {
    /// Remove the command's own `Authorization` (the customer's credentials: the profile's token
    /// goes instead). Returns the header's name as written and its scheme (`Bearer`, `Basic`),
    /// never its value.
    pub fn take_authorization(&mut self) -> Option<(String, String)> {
        let index = self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case("authorization"))?;
        let (name, value) = self.headers.remove(index);
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
        let scheme = value.split_whitespace().next().unwrap_or_default();
        Some((name, scheme.to_string()))
    }

    /// As the request builder's draft: a body that is JSON is edited as JSON, anything else raw.
    pub fn to_draft(&self) -> RequestDraft {
        let body = match &self.body {
            None => DraftBody::None,
            Some(text) if serde_json::from_str::<serde_json::Value>(text).is_ok() => {
                DraftBody::Json(text.clone())
            }
            Some(text) => DraftBody::Raw(text.clone()),
        };
        RequestDraft {
            method: self.method.clone(),
            url: self.url.clone(),
            query: Vec::new(),
            headers: self.headers.clone(),
            body,
        }
    }

    pub fn to_api_request(&self) -> ApiRequest {
        ApiRequest {
            method: self.method.clone(),
            target: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.clone().map(String::into_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            name: "p".into(),
            api_base: Some("https://api.example/v1".into()),
            headers: [("Accept".to_string(), "application/json".to_string())].into(),
            ..Profile::default()
        }
    }

    #[test]
    fn the_customers_authorization_is_taken_out_and_only_its_scheme_kept() {
        let cmd = "curl https://api.example/x -H 'authorization: Bearer cust-123' -H 'Accept: */*'";
        let mut parsed = parse_curl(cmd, |_| unreachable!()).unwrap();
        assert_eq!(
            parsed.take_authorization(),
            Some(("authorization".into(), "Bearer".into()))
        );
        assert_eq!(parsed.headers, vec![("Accept".into(), "*/*".into())]);
        assert_eq!(parsed.take_authorization(), None);
    }

    #[test]
    fn a_post_reads_as_curl_with_the_token_redacted() {
        let draft = RequestDraft {
            method: "post".into(),
            url: "/shipments".into(),
            query: vec![("dry run".into(), "yes & no".into())],
            headers: vec![("X-Note".into(), "it's".into())],
            body: DraftBody::Json(r#"{"to":"O'Hare"}"#.into()),
        };
        let curl = to_curl(&profile(), &draft.to_request().unwrap(), Bearer::Redacted).unwrap();
        assert_eq!(
            curl,
            "curl 'https://api.example/v1/shipments?dry+run=yes+%26+no' \\\n  \
             -H 'Accept: application/json' \\\n  \
             -H 'X-Note: it'\\''s' \\\n  \
             -H 'Content-Type: application/json' \\\n  \
             -H 'Authorization: Bearer [redacted]' \\\n  \
             --data-raw '{\"to\":\"O'\\''Hare\"}'"
        );
    }

    #[test]
    fn the_token_is_shown_only_when_asked_and_methods_only_when_not_implied() {
        let token = AccessToken::new("tok-123");
        let request = ApiRequest::new("DELETE", "https://x.example/a");
        let shown = to_curl(&profile(), &request, Bearer::Shown(&token)).unwrap();
        assert!(
            shown.starts_with("curl -X DELETE 'https://x.example/a'"),
            "{shown}"
        );
        assert!(shown.contains("Authorization: Bearer tok-123"), "{shown}");
        let get = to_curl(&profile(), &ApiRequest::new("GET", "/a"), Bearer::Redacted).unwrap();
        assert!(!get.contains("-X"), "{get}");
        assert!(!get.contains("tok-123"));
    }

    #[test]
    fn a_request_header_replaces_the_profile_default_and_never_the_bearer() {
        let mut request = ApiRequest::new("GET", "/a");
        request.headers = vec![
            ("accept".into(), "text/csv".into()),
            ("Authorization".into(), "Bearer customer-token".into()),
        ];
        let curl = to_curl(&profile(), &request, Bearer::Redacted).unwrap();
        assert!(curl.contains("-H 'accept: text/csv'"), "{curl}");
        assert!(!curl.contains("application/json"), "{curl}");
        assert!(!curl.contains("customer-token"), "{curl}");
    }
}
