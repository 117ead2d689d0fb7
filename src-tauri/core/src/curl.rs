//! Copy as curl: a request as the shell command that sends it, the bearer token redacted unless
//! the person asks for it.

use crate::profile::Profile;
use crate::request::{self, ApiRequest, RequestError};
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
    parts.push(format!(
        "-H {}",
        quote(&format!("Authorization: Bearer {token}"))
    ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{DraftBody, RequestDraft};

    fn profile() -> Profile {
        Profile {
            name: "p".into(),
            api_base: Some("https://api.example/v1".into()),
            headers: [("Accept".to_string(), "application/json".to_string())].into(),
            ..Profile::default()
        }
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
