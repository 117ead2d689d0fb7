//! curl in and out over a corpus of real-world commands (tests/curl_corpus.txt): each is read,
//! checked against the method and URL curl would use, written back with "copy as curl" and read
//! again, and must come back the same (the bearer aside, which Waybill always supplies itself).

use waybill_core::request::curl::{parse_curl, to_curl, CurlError, CurlRequest};
use waybill_core::request::Credentials;
use waybill_core::Profile;

fn files(path: &str) -> std::io::Result<Vec<u8>> {
    match path {
        "body.json" => Ok(b"{\"from\":\n\"file\"}\n".to_vec()),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file",
        )),
    }
}

fn corpus() -> Vec<(String, String, String)> {
    let text = include_str!("curl_corpus.txt");
    text.split("\n### ")
        .skip(1)
        .map(|entry| {
            let (head, command) = entry.split_once('\n').unwrap();
            let (method, url) = head.split_once(' ').unwrap();
            (
                method.to_string(),
                url.to_string(),
                command.trim().to_string(),
            )
        })
        .collect()
}

fn url(text: &str) -> url::Url {
    url::Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The headers as sent: a later header replaces an earlier one of the same name; no Authorization.
fn sent_headers(request: &CurlRequest) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in &request.headers {
        out.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        out.push((name.clone(), value.clone()));
    }
    out.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    out
}

#[test]
fn the_corpus_reads_as_curl_would_send_it_and_survives_a_round_trip() {
    let corpus = corpus();
    assert!(corpus.len() >= 30, "only {} commands", corpus.len());
    let profile = Profile::default();
    for (method, expected_url, command) in corpus {
        let first = parse_curl(&command, files).unwrap_or_else(|e| panic!("{command}\n{e}"));
        assert_eq!(first.method, method, "{command}");
        assert_eq!(url(&first.url), url(&expected_url), "{command}");

        let written = to_curl(&profile, &first.to_api_request(), Credentials::default())
            .unwrap_or_else(|e| panic!("{command}\n{e}"));
        let again = parse_curl(&written, files).unwrap_or_else(|e| panic!("{written}\n{e}"));
        assert_eq!(again.method, first.method, "{written}");
        assert_eq!(url(&again.url), url(&first.url), "{written}");
        assert_eq!(sent_headers(&again), sent_headers(&first), "{written}");
        assert_eq!(again.body, first.body, "{written}");
        let bearer: Vec<_> = again
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .collect();
        assert_eq!(
            bearer,
            [&("Authorization".to_string(), "Bearer [redacted]".to_string())],
            "{written}"
        );
    }
}

#[test]
fn bodies_headers_and_credentials_read_as_curl_sends_them() {
    let r = parse_curl(
        "curl -u 'my-client:s3cr3t+/=' -d grant_type=client_credentials https://a.example/t",
        files,
    )
    .unwrap();
    assert_eq!(
        r.headers,
        [
            (
                "Authorization".to_string(),
                "Basic bXktY2xpZW50OnMzY3IzdCsvPQ==".to_string()
            ),
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string()
            ),
        ]
    );
    assert_eq!(r.body.as_deref(), Some("grant_type=client_credentials"));

    let multi = "curl https://a.example/x \\\n  -H \"Content-Type: application/json\" \\\r\n  -d '{\n  \"a\": 1\n}'";
    let r = parse_curl(multi, files).unwrap();
    assert_eq!(
        r.body.as_deref(),
        Some("{\n  \"a\": 1\n}"),
        "quoted newlines stay"
    );

    let at_file = parse_curl("curl -d @body.json https://a.example/x", files).unwrap();
    assert_eq!(
        at_file.body.as_deref(),
        Some("{\"from\":\"file\"}"),
        "-d @file drops newlines"
    );
    let binary = parse_curl("curl --data-binary @body.json https://a.example/x", files).unwrap();
    assert_eq!(binary.body.as_deref(), Some("{\"from\":\n\"file\"}\n"));
    let raw = parse_curl("curl --data-raw @body.json https://a.example/x", files).unwrap();
    assert_eq!(
        raw.body.as_deref(),
        Some("@body.json"),
        "--data-raw takes @ literally"
    );

    let joined = parse_curl(
        "curl -d a=1 --data-urlencode 'b=x y&z' https://a.example/x",
        files,
    )
    .unwrap();
    assert_eq!(joined.body.as_deref(), Some("a=1&b=x+y%26z"));
}

#[test]
fn what_is_not_understood_is_refused_with_a_reason() {
    let err = |c: &str| parse_curl(c, files).unwrap_err();
    // Parcel2Go's own doc example forgets a -H: curl would take the header as a second URL.
    assert_eq!(
        err("curl -X GET --header 'Accept: application/json' 'Authorization: Bearer abef..' 'https://www.parcel2go.com/api/services'"),
        CurlError::TwoUrls(
            "Authorization: Bearer abef..".into(),
            "https://www.parcel2go.com/api/services".into()
        )
    );
    assert_eq!(
        err("curl --proxy http://p:3128 https://a.example"),
        CurlError::Unknown("--proxy".into())
    );
    assert_eq!(
        err("curl -sZ https://a.example"),
        CurlError::Unknown("-Z".into())
    );
    assert_eq!(err("curl 'https://a.example"), CurlError::Unbalanced);
    assert_eq!(err("wget https://a.example"), CurlError::NotCurl);
    assert_eq!(err("curl -H 'Accept: x'"), CurlError::NoUrl);
    assert_eq!(
        err("curl https://a.example -H"),
        CurlError::MissingValue("-H".into())
    );
    assert_eq!(
        err("curl https://a.example -H 'no colon'"),
        CurlError::BadHeader("no colon".into())
    );
    assert!(matches!(
        err("curl -d @missing.json https://a.example"),
        CurlError::File(..)
    ));
    assert!(err("curl --proxy x https://a.example")
        .to_string()
        .contains("--proxy"));
}
