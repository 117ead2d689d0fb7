//! Hops: every exchange with a provider or an API (discovery, JWKS, PAR, token, refresh, device
//! polls, revocation, introspection, userinfo, the call itself), kept for whoever runs the
//! operation: `--trace` prints them as they happen, the window shows the last sign-in's, and a
//! failure is diagnosed from them.
//!
//! A trace is task-local: the operation runs inside `Trace::scope`, and each request of `Net`
//! adds its hop to the trace of the task it runs in, if there is one. So nothing deep in a grant
//! takes a trace argument, and an operation nobody traces records nothing.
//!
//! A hop is redacted when it is recorded, never after: the OAuth secrets (`Strictness::OAuth`),
//! and every value redacted once is learned and scrubbed from the hops after it (the token just
//! issued, in the API call's own header). What a hop holds may be printed, pasted or shown.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::redact::{self, Strictness};

/// One exchange: what was sent, what came back, how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// What the exchange was: "discovery", "token", "call", ...
    pub step: &'static str,
    pub method: String,
    pub url: String,
    /// None when nothing answered (a network failure, the browser hand-off).
    pub status: Option<u16>,
    pub elapsed_ms: u64,
    pub request: Message,
    pub response: Option<Message>,
    /// A failure in one sentence, or what the hop was ("handed to the browser").
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Message {
    #[serde(serialize_with = "as_object")]
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// Who a step talks to, for the window's timeline.
pub fn actor(step: &str) -> &'static str {
    match step {
        "authorize" | "redirect" => "browser",
        "call" => "api",
        _ => "provider",
    }
}

type OnHop = Arc<dyn Fn(&Hop) + Send + Sync>;

/// The hops of one operation, in the order they happened.
#[derive(Clone, Default)]
pub struct Trace {
    hops: Arc<Mutex<Recorded>>,
    on_hop: Option<OnHop>,
}

#[derive(Default)]
struct Recorded {
    hops: Vec<Hop>,
    learned: Vec<String>,
}

tokio::task_local! {
    static CURRENT: Trace;
}

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    /// A trace that also hands each hop to `on_hop` as it is recorded (`--trace` prints it).
    pub fn printing(on_hop: impl Fn(&Hop) + Send + Sync + 'static) -> Trace {
        Trace {
            on_hop: Some(Arc::new(on_hop)),
            ..Trace::default()
        }
    }

    /// Run `operation` with its requests recorded here.
    pub async fn scope<F: Future>(&self, operation: F) -> F::Output {
        CURRENT.scope(self.clone(), operation).await
    }

    pub fn hops(&self) -> Vec<Hop> {
        self.lock().hops.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.hops.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, hop: Hop) {
        if let Some(on_hop) = &self.on_hop {
            on_hop(&hop);
        }
        self.lock().hops.push(hop);
    }
}

/// The trace this task records into, if any.
pub fn current() -> Option<Trace> {
    CURRENT.try_with(Trace::clone).ok()
}

/// Run `operation` inside the task's trace, or a new one; its result and the hops it added.
pub async fn recorded<F: Future>(operation: F) -> (F::Output, Vec<Hop>) {
    let trace = current().unwrap_or_default();
    let before = trace.lock().hops.len();
    let output = trace.scope(operation).await;
    let hops = trace.lock().hops.get(before..).unwrap_or_default().to_vec();
    (output, hops)
}

/// A hop as it is about to be recorded: raw, redacted by `record`.
pub(crate) struct Exchange<'a> {
    pub step: &'static str,
    pub method: &'a str,
    pub url: &'a str,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<&'a [u8]>,
    pub status: Option<u16>,
    pub response_headers: Option<Vec<(String, String)>>,
    pub response_body: Option<&'a [u8]>,
    pub elapsed: Duration,
    pub note: Option<String>,
}

/// Add an exchange to the task's trace (nothing when none is running), redacted.
pub(crate) fn record(exchange: Exchange<'_>) {
    let Some(trace) = current() else { return };
    let mut recorded = trace.lock();
    let hop = redacted(exchange, &mut recorded.learned);
    drop(recorded);
    trace.push(hop);
}

/// A step that is no HTTP exchange of ours: the browser sent to the provider, the redirect that
/// came back.
pub(crate) fn browser(step: &'static str, url: &str, elapsed: Duration, note: &str) {
    record(Exchange {
        step,
        method: "GET",
        url,
        request_headers: Vec::new(),
        request_body: None,
        status: None,
        response_headers: None,
        response_body: None,
        elapsed,
        note: Some(note.to_string()),
    });
}

/// Secrets this operation knows (the stored client secret, the API key) are scrubbed from every
/// hop recorded after this.
pub fn learn(secret: &str) {
    if let Some(trace) = current() {
        learn_into(&mut trace.lock().learned, secret);
    }
}

fn learn_into(learned: &mut Vec<String>, secret: &str) {
    // Short values would scrub ordinary text ("ok", "3600"): they are hidden by name only.
    if secret.len() >= 8 && !learned.iter().any(|s| s == secret) {
        learned.push(secret.to_string());
    }
}

fn redacted(exchange: Exchange<'_>, learned: &mut Vec<String>) -> Hop {
    let bodies = [exchange.request_body, exchange.response_body];
    for text in bodies.into_iter().flatten().map(String::from_utf8_lossy) {
        for value in redact::sensitive_values(Strictness::OAuth, &text) {
            learn_into(learned, &value);
        }
    }
    let headers = exchange.request_headers.iter();
    for (name, value) in headers.chain(exchange.response_headers.iter().flatten()) {
        let shown =
            redact::redact_headers_as(Strictness::OAuth, &[(name.clone(), value.clone())], &[]);
        if shown[0].1 != *value {
            // The credential itself, without its scheme ("Bearer ").
            learn_into(learned, value.split_once(' ').map_or(value, |(_, v)| v));
        }
    }
    let secrets: Vec<&str> = learned.iter().map(String::as_str).collect();
    let message = |headers: &[(String, String)], body: Option<&[u8]>| Message {
        headers: redact::redact_headers_as(Strictness::OAuth, headers, &secrets),
        body: body.filter(|b| !b.is_empty()).map(|b| {
            redact::redact_body_as(Strictness::OAuth, &String::from_utf8_lossy(b), &secrets)
        }),
    };
    Hop {
        step: exchange.step,
        method: exchange.method.to_string(),
        url: redact::scrub(&redacted_url(exchange.url), &secrets),
        status: exchange.status,
        elapsed_ms: exchange.elapsed.as_millis().min(u64::MAX as u128) as u64,
        request: message(&exchange.request_headers, exchange.request_body),
        response: (exchange.response_headers.as_deref())
            .map(|headers| message(headers, exchange.response_body)),
        note: exchange.note.map(|n| redact::scrub(&n, &secrets)),
    }
}

/// A URL with its query's and fragment's secrets hidden (`?code=`, `#access_token=`).
fn redacted_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.split(['?', '#']).next().unwrap_or_default().to_string();
    };
    if let Some(query) = parsed.query().map(str::to_string) {
        parsed.set_query(Some(&redact::redact_form(Strictness::OAuth, &query)));
    }
    if let Some(fragment) = parsed.fragment().map(str::to_string) {
        parsed.set_fragment(Some(&redact::redact_form(Strictness::OAuth, &fragment)));
    }
    parsed.to_string()
}

fn as_object<S: serde::Serializer>(
    headers: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(headers.len()))?;
    for (name, value) in headers {
        map.serialize_entry(name, value)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange<'a>(step: &'static str, url: &'a str, body: &'a [u8]) -> Exchange<'a> {
        Exchange {
            step,
            method: "POST",
            url,
            request_headers: vec![("Authorization".into(), "Basic YXBwOnNoaGgtc2VjcmV0".into())],
            request_body: Some(body),
            status: Some(200),
            response_headers: Some(vec![]),
            response_body: Some(br#"{"access_token":"at-0123456789","token_type":"Bearer"}"#),
            elapsed: Duration::from_millis(12),
            note: None,
        }
    }

    #[tokio::test]
    async fn hops_are_recorded_redacted_and_a_token_issued_is_scrubbed_after() {
        let trace = Trace::new();
        trace
            .scope(async {
                learn("stored-api-key-1");
                record(exchange(
                    "token",
                    "https://id.example/token?code=c0de-c0de-c0de",
                    b"grant_type=authorization_code&code=c0de-c0de-c0de&code_verifier=v-verifier-1",
                ));
                let mut call = exchange("call", "https://api.example/x?k=stored-api-key-1", b"");
                call.request_headers =
                    vec![("X-Shopify-Access-Token".into(), "at-0123456789".into())];
                call.response_body = Some(b"echo at-0123456789");
                record(call);
            })
            .await;
        let hops = trace.hops();
        assert_eq!(hops.len(), 2);
        let text = serde_json::to_string(&hops).unwrap();
        for secret in [
            "c0de-c0de-c0de",
            "v-verifier-1",
            "at-0123456789",
            "YXBwOnNoaGgtc2VjcmV0",
            "stored-api-key-1",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(hops[0].request.headers[0].1, "Basic [redacted]");
        assert!(
            hops[1].url.starts_with("https://api.example/x?k="),
            "{}",
            hops[1].url
        );
        let answer = hops[0].response.as_ref().and_then(|r| r.body.clone());
        assert!(
            answer.is_some_and(|b| b.contains(r#""token_type":"Bearer""#)),
            "the rest stays readable: {text}"
        );
    }

    #[tokio::test]
    async fn nothing_is_recorded_outside_a_trace_and_recorded_returns_its_own_hops() {
        record(exchange("token", "https://id.example/token", b""));
        let (_, hops) =
            recorded(async { record(exchange("token", "https://id.example/token", b"")) }).await;
        assert_eq!(hops.len(), 1);
        let outer = Trace::new();
        let inner_hops = outer
            .scope(async {
                record(exchange("discovery", "https://id.example/", b""));
                recorded(async { record(exchange("token", "https://id.example/token", b"")) })
                    .await
                    .1
            })
            .await;
        assert_eq!(inner_hops.len(), 1, "only what the inner operation added");
        assert_eq!(outer.hops().len(), 2, "and the outer trace has both");
    }
}
