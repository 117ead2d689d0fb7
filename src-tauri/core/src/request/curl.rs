//! curl in and out. Out: a request as the shell command that sends it, the bearer token redacted
//! unless the person asks for it. In: a customer's curl command (multi-line, quoted) read back
//! into a request; an option it does not understand is refused by name, never guessed at.

use serde::Serialize;

use crate::profile::Profile;
use crate::redact::REDACTED;
use crate::request::{
    self, wire_headers, ApiRequest, Credentials, DraftBody, RequestDraft, RequestError,
};

/// The command, one option per line, every value single-quoted for a POSIX shell. A credential
/// `credentials` does not hold (the usual case: none) reads `[redacted]`, whatever its header.
pub fn to_curl(
    profile: &Profile,
    request: &ApiRequest,
    credentials: Credentials<'_>,
) -> Result<String, RequestError> {
    let url = request::resolve_url(profile, &request.target)?;
    let method = request.method.to_ascii_uppercase();
    let implied = if request.body.is_some() {
        "POST"
    } else {
        "GET"
    };
    // Any HTTP token is a method, and a token may hold `|`, `&`, `'`, `` ` `` or `$`, which a
    // shell acts on: only a plain one goes unquoted.
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
    let shown_method = match !method.is_empty() && method.bytes().all(plain) {
        true => method.clone(),
        false => quote(&method),
    };
    let first = match method == implied {
        true => format!("curl {}", quote(url.as_str())),
        false => format!("curl -X {shown_method} {}", quote(url.as_str())),
    };
    let mut parts = vec![first];
    // A DPoP token goes with a proof made for each request: the command shows where it goes.
    let credentials = Credentials {
        dpop: None,
        ..credentials
    };
    let mut headers = wire_headers(profile, request, credentials);
    if profile.dpop {
        if let Some(auth) = headers.last_mut() {
            auth.name = "Authorization".into();
            auth.value = match credentials.token {
                Some(token) => format!("DPoP {}", token.expose()),
                None => format!("DPoP {REDACTED}"),
            };
        }
    }
    for header in &headers {
        parts.push(format!(
            "-H {}",
            quote(&format!("{}: {}", header.name, header.value))
        ));
    }
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
    // Shown escaped, as the quoted values above: a word of a pasted command may hold a line end.
    #[error(
        "curl option {} is not understood here; remove it or send the request another way",
        .0.escape_debug()
    )]
    Unknown(String),
    #[error("the header {0:?} is not \"Name: value\"")]
    BadHeader(String),
    #[error(
        "could not read {path} for {1}: {detail}",
        path = .0.escape_debug(),
        detail = .2.escape_debug()
    )]
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
    let mut words = words_of(command)?.into_iter().peekable();
    let mut read = Reading::default();
    while let Some(word) = words.next() {
        let Some((option, attached)) = read.split(word)? else {
            continue;
        };
        let mut value = || {
            attached
                .clone()
                .or_else(|| words.next())
                .ok_or_else(|| CurlError::MissingValue(option.clone()))
        };
        read.option(&option, &mut value, &read_file)?;
    }
    read.finish()
}

/// The command's words after `curl`, as a shell splits them: line continuations joined (also
/// Windows line ends), a pasted "$ " prompt dropped.
fn words_of(command: &str) -> Result<Vec<String>, CurlError> {
    let joined = command
        .replace("\\\r\n", " ")
        .replace("\\\n", " ")
        .replace("\r\n", "\n");
    let joined = joined.trim().trim_start_matches("$ ");
    let mut words = shlex::split(joined).ok_or(CurlError::Unbalanced)?;
    if words.first().map(String::as_str) != Some("curl") {
        return Err(CurlError::NotCurl);
    }
    words.remove(0);
    Ok(words)
}

/// What the options read so far say.
#[derive(Default)]
struct Reading {
    method: Option<String>,
    url: Option<String>,
    headers: Vec<(String, String)>,
    data: Vec<String>,
    get: bool,
    head: bool,
}

impl Reading {
    /// An option and the value attached to it (`-XPOST`, `--data=x`); `None` when the word was
    /// the URL or flags taken whole (`-sSL`).
    fn split(&mut self, word: String) -> Result<Option<(String, Option<String>)>, CurlError> {
        Ok(Some(match word.as_str() {
            w if w.starts_with("--") => match w.split_once('=') {
                Some((o, v)) => (o.to_string(), Some(v.to_string())),
                None => (w.to_string(), None),
            },
            // The option's letter is checked as a byte: `-é` has no character boundary at 2.
            w if w.starts_with('-') && w.len() > 2 && b"XHdubeAo".contains(&w.as_bytes()[1]) => {
                (w[..2].to_string(), Some(w[2..].to_string()))
            }
            // `-sSL`: several flags in one word.
            w if w.starts_with('-') && w.len() > 2 => {
                for flag in w[1..].chars() {
                    match flag {
                        'G' => self.get = true,
                        'I' => self.head = true,
                        f if IGNORED_FLAGS.contains(&format!("-{f}").as_str()) => {}
                        f => return Err(CurlError::Unknown(format!("-{f}"))),
                    }
                }
                return Ok(None);
            }
            w if w.starts_with('-') && w.len() > 1 => (w.to_string(), None),
            _ => return self.set_url(word).map(|()| None),
        }))
    }

    fn set_url(&mut self, given: String) -> Result<(), CurlError> {
        match self.url.replace(given.clone()) {
            Some(first) => Err(CurlError::TwoUrls(first, given)),
            None => Ok(()),
        }
    }

    fn option(
        &mut self,
        option: &str,
        value: &mut dyn FnMut() -> Result<String, CurlError>,
        read_file: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<(), CurlError> {
        match option {
            "-X" | "--request" => self.method = Some(value()?.to_ascii_uppercase()),
            "--url" => self.set_url(value()?)?,
            "-H" | "--header" => {
                let line = value()?;
                let (name, text) = line
                    .split_once(':')
                    .filter(|(n, _)| !n.trim().is_empty() && !n.contains(' '))
                    .ok_or_else(|| CurlError::BadHeader(line.clone()))?;
                self.headers
                    .push((name.trim().to_string(), text.trim().to_string()));
            }
            "-d" | "--data" | "--data-ascii" | "--data-binary" | "--data-raw"
            | "--data-urlencode" | "--json" => self.data(option, value()?, read_file)?,
            "-u" | "--user" => {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD.encode(value()?);
                self.headers
                    .push(("Authorization".into(), format!("Basic {encoded}")));
            }
            "-A" | "--user-agent" => self.headers.push(("User-Agent".into(), value()?)),
            "-e" | "--referer" => self.headers.push(("Referer".into(), value()?)),
            "-b" | "--cookie" => self.headers.push(("Cookie".into(), value()?)),
            "-G" | "--get" => self.get = true,
            "-I" | "--head" => self.head = true,
            o if IGNORED_FLAGS.contains(&o) => {}
            o if IGNORED_WITH_VALUE.contains(&o) => {
                value()?;
            }
            other => return Err(CurlError::Unknown(other.to_string())),
        }
        Ok(())
    }

    /// One of the body's options, as curl reads it.
    fn data(
        &mut self,
        option: &str,
        given: String,
        read_file: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<(), CurlError> {
        let text = match option {
            "--data-raw" => given,
            "--data-urlencode" => {
                let encode = |t: &str| {
                    url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
                };
                match given.split_once('=') {
                    Some((name, text)) => format!("{name}={}", encode(text)),
                    None => encode(&given),
                }
            }
            "--json" => {
                for (name, text) in [
                    ("Content-Type", "application/json"),
                    ("Accept", "application/json"),
                ] {
                    if !self
                        .headers
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case(name))
                    {
                        self.headers.push((name.into(), text.into()));
                    }
                }
                given
            }
            _ => match given.strip_prefix('@') {
                Some(path) => {
                    let bytes = read_file(path)
                        .map_err(|e| CurlError::File(path.into(), option.into(), e.to_string()))?;
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    // curl drops newlines from -d @file, keeps them for --data-binary.
                    match option {
                        "--data-binary" => text,
                        _ => text.replace(['\r', '\n'], ""),
                    }
                }
                None => given,
            },
        };
        self.data.push(text);
        Ok(())
    }

    /// What curl would send: `-G` moves the data to the query, `-d` implies POST and a form type.
    fn finish(self) -> Result<CurlRequest, CurlError> {
        let (mut headers, get, head) = (self.headers, self.get, self.head);
        let mut url = self.url.ok_or(CurlError::NoUrl)?;
        let mut body = (!self.data.is_empty()).then(|| self.data.join("&"));
        if get {
            if let Some(query) = body.take() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&query);
            }
        }
        let typed = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !typed {
            // What curl itself sends with -d.
            headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        let method = self.method.unwrap_or_else(|| {
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
}

impl CurlRequest {
    /// Remove the command's own `Authorization` (the customer's credentials: the profile's token
    /// goes instead). Returns the header's name as written and its scheme (`Bearer`, `Basic`),
    /// never its value: a value of one word (an API key sent bare) has no scheme, and gives "".
    pub fn take_authorization(&mut self) -> Option<(String, String)> {
        let index = self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case("authorization"))?;
        let (name, value) = self.headers.remove(index);
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
        let scheme = match value.trim().split_once(char::is_whitespace) {
            Some((scheme, _)) => scheme,
            None => "",
        };
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
    use crate::secret::AccessToken;

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
        // An API key sent bare has no scheme: the key is never returned as one.
        let bare = "curl https://api.example/x -H 'Authorization: sk_live_123'";
        let mut parsed = parse_curl(bare, |_| unreachable!()).unwrap();
        assert_eq!(
            parsed.take_authorization(),
            Some(("Authorization".into(), String::new()))
        );
    }

    #[test]
    fn odd_words_are_refused_on_one_line_never_with_a_panic() {
        let err = |c: &str| parse_curl(c, |_| unreachable!()).unwrap_err();
        assert_eq!(
            err("curl -é https://a.example"),
            CurlError::Unknown("-é".into())
        );
        let shown = err("curl '--x\ny' https://a.example").to_string();
        assert!(
            !shown.contains('\n') && shown.contains(r"--x\ny"),
            "{shown}"
        );
    }

    #[test]
    fn a_method_goes_into_the_command_as_one_shell_word() {
        let request = ApiRequest::new("get`id`", "https://x.example/a");
        let curl = to_curl(&profile(), &request, Credentials::default()).unwrap();
        assert!(
            curl.starts_with("curl -X 'GET`ID`' 'https://x.example/a'"),
            "{curl}"
        );
        let again = parse_curl(&curl, |_| unreachable!()).unwrap();
        assert_eq!(again.method, "GET`ID`");
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
        let curl = to_curl(
            &profile(),
            &draft.to_request().unwrap(),
            Credentials::default(),
        )
        .unwrap();
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
        let with_token = Credentials {
            token: Some(&token),
            ..Credentials::default()
        };
        let shown = to_curl(&profile(), &request, with_token).unwrap();
        assert!(
            shown.starts_with("curl -X DELETE 'https://x.example/a'"),
            "{shown}"
        );
        assert!(shown.contains("Authorization: Bearer tok-123"), "{shown}");
        let get = to_curl(
            &profile(),
            &ApiRequest::new("GET", "/a"),
            Credentials::default(),
        )
        .unwrap();
        assert!(!get.contains("-X"), "{get}");
        assert!(!get.contains("tok-123"));
    }

    #[test]
    fn a_credential_in_any_header_reads_redacted() {
        let shippo = Profile {
            grant: crate::profile::Grant::ApiKey,
            auth_header: Some("Authorization: ShippoToken {api_key}".into()),
            ..profile()
        };
        let curl = to_curl(
            &shippo,
            &ApiRequest::new("GET", "/x"),
            Credentials::default(),
        )
        .unwrap();
        assert!(
            curl.contains("-H 'Authorization: ShippoToken [redacted]'"),
            "{curl}"
        );
        let walmart = Profile {
            auth_header: Some("WM_SEC.ACCESS_TOKEN: {token}".into()),
            ..profile()
        };
        let curl = to_curl(
            &walmart,
            &ApiRequest::new("GET", "/x"),
            Credentials::default(),
        )
        .unwrap();
        assert!(
            curl.contains("-H 'WM_SEC.ACCESS_TOKEN: [redacted]'"),
            "{curl}"
        );
    }

    #[test]
    fn a_request_header_replaces_the_profile_default_and_never_the_bearer() {
        let mut request = ApiRequest::new("GET", "/a");
        request.headers = vec![
            ("accept".into(), "text/csv".into()),
            ("Authorization".into(), "Bearer customer-token".into()),
        ];
        let curl = to_curl(&profile(), &request, Credentials::default()).unwrap();
        assert!(curl.contains("-H 'accept: text/csv'"), "{curl}");
        assert!(!curl.contains("application/json"), "{curl}");
        assert!(!curl.contains("customer-token"), "{curl}");
    }
}
