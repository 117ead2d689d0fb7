//! A saved request's expectations checked against its answer, and its captures taken from it.
//! Pure: the answer is given, nothing is sent. Each failure is a sentence a person reads in a CI
//! log. Values of the answer's body are data and may be quoted (cut to 80 characters), except
//! what history would hide (a value named like `access_token`, the credential the request was
//! sent with); header values never are, since a header may carry a credential.

use serde::Serialize;
use serde_json::Value;

use super::ApiResponse;
use crate::redact::{self, Strictness, REDACTED};
pub use crate::store::saved::{Capture, Expect, ExpectedStatus, JsonCheck, JsonTest};

/// The longest quoted value (a body's value, an expression) in a sentence, in characters.
const QUOTE_LIMIT: usize = 80;

/// One expectation not met, or one capture that found nothing: a plain sentence, such as
/// `status 404, expected 2xx`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// What of `expect` the answer does not show, in order: the status first, then the time limit,
/// the headers and the JSON checks as written. Empty when it passes.
pub fn check(expect: &Expect, answer: &ApiResponse) -> Vec<Failure> {
    let mut failures = Vec::new();
    if let Some(status) = expect.status {
        if !status.admits(answer.status) {
            failures.push(Failure(format!(
                "status {}, expected {status}",
                answer.status
            )));
        }
    }
    if let Some(limit) = expect.max_ms {
        let took = answer.elapsed.as_millis();
        if took > u128::from(limit) {
            failures.push(Failure(format!(
                "took {took} ms, over the {limit} ms limit"
            )));
        }
    }
    for name in &expect.headers {
        if header(answer, name).is_none() {
            failures.push(Failure(format!("header {} is missing", name.trim())));
        }
    }
    if !expect.json.is_empty() {
        let body = Body::of(answer);
        let secrets = answer.scrub.values();
        let checked = expect.json.iter().map(|c| check_json(c, &body, &secrets));
        failures.extend(checked.flatten());
    }
    failures
}

/// The variables `captures` take from the answer, in order: a JSON string gives its text, any
/// other value its compact JSON (`42`, `true`, `{"a":1}`), a header its value. The first capture
/// that finds nothing fails them all.
pub fn captured(
    captures: &[Capture],
    answer: &ApiResponse,
) -> Result<Vec<(String, String)>, Failure> {
    let mut body = None;
    let mut taken = Vec::with_capacity(captures.len());
    for capture in captures {
        let name = &capture.name;
        let fail = |why: String| Failure(format!("capture {name}: {why}"));
        let value = match (&capture.json, &capture.header) {
            (Some(pointer), None) => {
                let body = body.get_or_insert_with(|| Body::of(answer));
                match body.find(pointer) {
                    Found::Value(value) => text(value),
                    Found::Missing => {
                        return Err(fail(format!("{} is missing in the answer", label(pointer))))
                    }
                    Found::NoJson(why) => {
                        return Err(fail(format!("{why}, so {} cannot be read", label(pointer))))
                    }
                }
            }
            (None, Some(header_name)) => match header(answer, header_name) {
                Some(value) => value.to_string(),
                None => {
                    let header_name = header_name.trim();
                    return Err(fail(format!(
                        "header {header_name} is missing in the answer"
                    )));
                }
            },
            _ => return Err(fail("give it json or header, one of the two".into())),
        };
        taken.push((name.clone(), value));
    }
    Ok(taken)
}

/// The answer's body read as JSON once, or why it is not.
enum Body {
    Json(Value),
    /// `the body is empty` or `the body is not JSON`.
    Not(&'static str),
}

enum Found<'a> {
    Value(&'a Value),
    Missing,
    NoJson(&'static str),
}

impl Body {
    fn of(answer: &ApiResponse) -> Body {
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Body::Not("the body is empty");
        }
        match serde_json::from_slice(&answer.body) {
            Ok(value) => Body::Json(value),
            Err(_) => Body::Not("the body is not JSON"),
        }
    }

    fn find(&self, pointer: &str) -> Found<'_> {
        match self {
            Body::Json(value) => match value.pointer(pointer) {
                Some(found) => Found::Value(found),
                None => Found::Missing,
            },
            Body::Not(why) => Found::NoJson(why),
        }
    }
}

fn check_json(check: &JsonCheck, body: &Body, secrets: &[&str]) -> Option<Failure> {
    let at = label(&check.pointer);
    let quote = |value: &Value| shown(value, &check.pointer, secrets);
    let found = match body.find(&check.pointer) {
        Found::NoJson(why) => return Some(Failure(format!("{why}, so {at} cannot be checked"))),
        Found::Missing => None,
        Found::Value(value) => Some(value),
    };
    let sentence = match (&check.test, found) {
        (JsonTest::Exists(true), Some(_)) | (JsonTest::Exists(false), None) => return None,
        (JsonTest::Exists(true), None) => format!("{at} is missing"),
        (JsonTest::Exists(false), Some(value)) => {
            format!("{at} is {}, expected it to be missing", quote(value))
        }
        (JsonTest::Equals(expected), None) => {
            format!("{at} is missing, expected {}", cut(&expected.to_string()))
        }
        (JsonTest::Equals(expected), Some(value)) if same(value, expected) => return None,
        (JsonTest::Equals(expected), Some(value)) => {
            let expected = cut(&expected.to_string());
            format!("{at} is {}, expected {expected}", quote(value))
        }
        (JsonTest::Matches(pattern), found) => {
            return matches(&at, pattern, found.map(|v| (v, quote(v))))
        }
    };
    Some(Failure(sentence))
}

/// `found`: the value and how a sentence may show it.
fn matches(at: &str, pattern: &str, found: Option<(&Value, String)>) -> Option<Failure> {
    let shown = cut(pattern);
    let regex = match regex::Regex::new(pattern) {
        Ok(regex) => regex,
        Err(_) => {
            return Some(Failure(format!(
                "{at} cannot be checked: {shown} is not a regular expression"
            )))
        }
    };
    let sentence = match found {
        None => format!("{at} is missing, expected a match of {shown}"),
        Some((value, _)) if regex.is_match(&text(value)) => return None,
        Some((_, quoted)) => format!("{at} is {quoted}, which does not match {shown}"),
    };
    Some(Failure(sentence))
}

/// Equal as JSON, numbers by value (`1` and `1.0` are one number).
fn same(value: &Value, expected: &Value) -> bool {
    match (value, expected) {
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => value == expected,
    }
}

/// A string's own text; anything else as compact JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A value of the answer as a sentence may show it: as JSON (a string in quotes), cut to
/// `QUOTE_LIMIT` characters, with what history hides hidden: a value under a secret-looking name
/// (`/access_token`, `password` fields inside), the credential the request was sent with.
fn shown(value: &Value, pointer: &str, secrets: &[&str]) -> String {
    let name = pointer.rsplit('/').next().unwrap_or_default();
    let name = name.replace("~1", "/").replace("~0", "~");
    let text = match value {
        Value::Object(_) | Value::Array(_) => redact::redact_body(&value.to_string(), secrets),
        _ if Strictness::History.field(&name) => REDACTED.to_string(),
        _ => redact::scrub(&value.to_string(), secrets),
    };
    cut(&text)
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The pointer as a sentence names it; the empty pointer is the whole body.
fn label(pointer: &str) -> String {
    match pointer {
        "" => "the body".into(),
        pointer => cut(pointer),
    }
}

fn header<'a>(answer: &'a ApiResponse, name: &str) -> Option<&'a str> {
    let name = name.trim();
    answer
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Scrub;
    use std::time::Duration;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str, ms: u64) -> ApiResponse {
        ApiResponse {
            url: "https://api.example/track".into(),
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            elapsed: Duration::from_millis(ms),
            retried_after_401: false,
            sent_headers: Vec::new(),
            scrub: Scrub::default(),
            proxy: None,
            diagnoses: Vec::new(),
        }
    }

    const BODY: &str = r#"{"shipment": [{"status": "in transit", "trackingNumber": "1Z999AA10123456784",
        "weight": 2.5, "pieces": 1, "signed": false, "activity": [{"at": "Berlin"}], "note": null}]}"#;

    fn ok() -> ApiResponse {
        answer(200, &[("X-Request-Id", "r-42")], BODY, 120)
    }

    fn json(pointer: &str, test: JsonTest) -> JsonCheck {
        JsonCheck {
            pointer: pointer.into(),
            test,
        }
    }

    fn sentences(expect: &Expect, answer: &ApiResponse) -> Vec<String> {
        check(expect, answer).into_iter().map(|f| f.0).collect()
    }

    #[test]
    fn the_status_passes_by_code_or_class_and_fails_in_words() {
        let by = |status| Expect {
            status: Some(status),
            ..Expect::default()
        };
        assert!(check(&by(ExpectedStatus::Class(2)), &ok()).is_empty());
        assert!(check(&by(ExpectedStatus::Code(200)), &ok()).is_empty());
        let not_found = answer(404, &[], "", 5);
        assert_eq!(
            sentences(&by(ExpectedStatus::Class(2)), &not_found),
            ["status 404, expected 2xx"]
        );
        assert_eq!(
            sentences(&by(ExpectedStatus::Code(201)), &ok()),
            ["status 200, expected 201"]
        );
        assert!(
            check(&Expect::default(), &not_found).is_empty(),
            "nothing asked"
        );
    }

    #[test]
    fn the_time_limit_and_headers_fail_in_words() {
        let expect = Expect {
            max_ms: Some(2000),
            headers: vec!["x-request-id".into(), "Retry-After".into()],
            ..Expect::default()
        };
        assert_eq!(sentences(&expect, &ok()), ["header Retry-After is missing"]);
        let slow = answer(
            200,
            &[("x-request-id", "1"), ("retry-after", "2")],
            "",
            2350,
        );
        assert_eq!(
            sentences(&expect, &slow),
            ["took 2350 ms, over the 2000 ms limit"]
        );
        let on_time = answer(
            200,
            &[("X-REQUEST-ID", "1"), ("retry-after", "2")],
            "",
            2000,
        );
        assert!(check(&expect, &on_time).is_empty(), "at the limit passes");
    }

    #[test]
    fn json_checks_pass() {
        let expect = Expect {
            json: vec![
                json("/shipment/0/activity", JsonTest::Exists(true)),
                json("/shipment/0/note", JsonTest::Exists(true)),
                json("/shipment/0/error", JsonTest::Exists(false)),
                json("/shipment/0/status", JsonTest::Equals("in transit".into())),
                json("/shipment/0/pieces", JsonTest::Equals(1.0.into())),
                json("/shipment/0/weight", JsonTest::Equals(2.5.into())),
                json("/shipment/0/signed", JsonTest::Equals(false.into())),
                json(
                    "/shipment/0/activity",
                    JsonTest::Equals(serde_json::json!([{ "at": "Berlin" }])),
                ),
                json(
                    "/shipment/0/trackingNumber",
                    JsonTest::Matches("^1Z[0-9A-Z]{16}$".into()),
                ),
                json("/shipment/0/pieces", JsonTest::Matches("^1$".into())),
                json("", JsonTest::Exists(true)),
            ],
            ..Expect::default()
        };
        assert_eq!(sentences(&expect, &ok()), Vec::<String>::new());
    }

    #[test]
    fn json_checks_fail_in_words_in_the_order_written() {
        let expect = Expect {
            status: Some(ExpectedStatus::Class(2)),
            json: vec![
                json("/shipment/0/status", JsonTest::Equals("delivered".into())),
                json("/shipment/0/pieces", JsonTest::Equals("1".into())),
                json("/shipment/0/signature", JsonTest::Exists(true)),
                json("/shipment/0/status", JsonTest::Exists(false)),
                json("/shipment/0/status", JsonTest::Matches("^1Z".into())),
                json("/shipment/1/status", JsonTest::Equals("delivered".into())),
                json(
                    "/shipment/1/trackingNumber",
                    JsonTest::Matches("^1Z".into()),
                ),
                json("/shipment/0/status", JsonTest::Matches("(".into())),
            ],
            ..Expect::default()
        };
        assert_eq!(
            sentences(&expect, &answer(500, &[], BODY, 1)),
            [
                "status 500, expected 2xx",
                r#"/shipment/0/status is "in transit", expected "delivered""#,
                r#"/shipment/0/pieces is 1, expected "1""#,
                "/shipment/0/signature is missing",
                r#"/shipment/0/status is "in transit", expected it to be missing"#,
                r#"/shipment/0/status is "in transit", which does not match ^1Z"#,
                r#"/shipment/1/status is missing, expected "delivered""#,
                "/shipment/1/trackingNumber is missing, expected a match of ^1Z",
                "/shipment/0/status cannot be checked: ( is not a regular expression",
            ]
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_said_once_per_check() {
        let expect = Expect {
            json: vec![
                json("/x", JsonTest::Exists(true)),
                json("", JsonTest::Exists(false)),
            ],
            ..Expect::default()
        };
        assert_eq!(
            sentences(&expect, &answer(200, &[], "<html>", 1)),
            [
                "the body is not JSON, so /x cannot be checked",
                "the body is not JSON, so the body cannot be checked",
            ]
        );
        assert_eq!(
            sentences(&expect, &answer(204, &[], " \n", 1))[0],
            "the body is empty, so /x cannot be checked"
        );
    }

    #[test]
    fn quoted_values_are_cut_to_80_characters() {
        let long = "é".repeat(200);
        let body = serde_json::json!({ "note": long }).to_string();
        let expect = Expect {
            json: vec![json("/note", JsonTest::Equals("short".into()))],
            ..Expect::default()
        };
        let failure = &sentences(&expect, &answer(200, &[], &body, 1))[0];
        let quoted = format!("\"{}…", "é".repeat(79));
        assert_eq!(failure, &format!("/note is {quoted}, expected \"short\""));
    }

    #[test]
    fn secrets_in_the_answer_are_not_quoted() {
        let body = r#"{"access_token": "eyJhbGciOi.x.y", "user": {"name": "ann", "password": "hunter2"},
            "echo": "sent with Bearer tok-5551234"}"#;
        let mut answer = answer(200, &[], body, 1);
        answer.scrub = ["tok-5551234".to_string()].into_iter().collect();
        let expect = Expect {
            json: vec![
                json("/access_token", JsonTest::Equals("x".into())),
                json("/user", JsonTest::Exists(false)),
                json("/echo", JsonTest::Matches("^ok$".into())),
            ],
            ..Expect::default()
        };
        assert_eq!(
            sentences(&expect, &answer),
            [
                r#"/access_token is [redacted], expected "x""#,
                r#"/user is {"name":"ann","password":"[redacted]"}, expected it to be missing"#,
                r#"/echo is "sent with Bearer [redacted]", which does not match ^ok$"#,
            ]
        );
    }

    #[test]
    fn captures_take_text_json_and_headers() {
        let captures = [
            Capture {
                name: "tracking_number".into(),
                json: Some("/shipment/0/trackingNumber".into()),
                header: None,
            },
            Capture {
                name: "pieces".into(),
                json: Some("/shipment/0/pieces".into()),
                header: None,
            },
            Capture {
                name: "activity".into(),
                json: Some("/shipment/0/activity".into()),
                header: None,
            },
            Capture {
                name: "request_id".into(),
                header: Some("x-request-id".into()),
                json: None,
            },
        ];
        let taken = captured(&captures, &ok()).unwrap();
        let taken: Vec<(&str, &str)> = taken
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            taken,
            [
                ("tracking_number", "1Z999AA10123456784"),
                ("pieces", "1"),
                ("activity", r#"[{"at":"Berlin"}]"#),
                ("request_id", "r-42"),
            ]
        );
        assert_eq!(captured(&[], &ok()).unwrap(), Vec::new());
    }

    #[test]
    fn a_capture_that_finds_nothing_fails_in_words() {
        let by_pointer = |pointer: &str| Capture {
            name: "tracking_number".into(),
            json: Some(pointer.into()),
            header: None,
        };
        let missing = captured(&[by_pointer("/x")], &ok()).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "capture tracking_number: /x is missing in the answer"
        );
        let not_json = captured(&[by_pointer("/x")], &answer(502, &[], "Bad gateway", 1));
        assert_eq!(
            not_json.unwrap_err().0,
            "capture tracking_number: the body is not JSON, so /x cannot be read"
        );
        let by_header = Capture {
            name: "request_id".into(),
            header: Some("X-Trace".into()),
            json: None,
        };
        assert_eq!(
            captured(&[by_header], &ok()).unwrap_err().0,
            "capture request_id: header X-Trace is missing in the answer"
        );
        let neither = Capture {
            name: "n".into(),
            ..Capture::default()
        };
        assert_eq!(
            captured(&[neither], &ok()).unwrap_err().0,
            "capture n: give it json or header, one of the two"
        );
    }
}
