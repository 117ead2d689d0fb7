//! The loopback redirect listener (RFC 8252, section 7.3) against real sockets: a real `Listener`
//! waits in a spawned task while raw `TcpStream`s (and reqwest, where a browser-like client is
//! handier) play the browser, a stale tab, a forger, a slow or speculative connection, and random
//! bytes. What a user relies on: only the redirect of *this* attempt signs them in, nothing else
//! ends or blocks the wait, it gives up on time or on Cancel, and it listens on loopback only.

use std::future::Future;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use waybill_core::auth::loopback::{
    parse_params, Listener, LoopbackError, LoopbackHost, Redirect, RedirectUri,
};

/// The `state` of the attempt under test (what login.rs makes with `CsrfToken::new_random`).
const STATE: &str = "Zq8wK3vN-5tYp_Lr2Xc9";
/// A wait that should only end because of what the test sends.
const LONG: Duration = Duration::from_secs(15);
/// How long the listener may take to answer or finish: far under its 10 s per-connection read
/// timeout, so "it answered in time" can never mean "it gave up on a slow connection first".
const PROMPT: Duration = Duration::from_secs(3);

type Outcome = Result<Redirect, LoopbackError>;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Panics on tokio worker threads: that is where the listener serves connections (every test
/// runs the multi-thread runtime and keeps its own assertions on the test thread). A connection
/// handler that panics leaves that browser tab with no answer and no message.
static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);

fn watch_server_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some("tokio-runtime-worker") {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
    });
}

fn assert_no_server_panic() {
    assert_eq!(
        SERVER_PANICS.load(Ordering::SeqCst),
        0,
        "a connection handler of the listener panicked: that browser tab got no answer at all"
    );
}

/// One sign-in attempt: a bound listener whose `wait(STATE, ..)` runs in a spawned task.
struct Attempt {
    addr: SocketAddr,
    wait: JoinHandle<Outcome>,
}

async fn start(timeout: Duration) -> Attempt {
    start_on(&RedirectUri::default(), timeout, std::future::pending()).await
}

async fn start_on(
    uri: &RedirectUri,
    timeout: Duration,
    cancel: impl Future<Output = ()> + Send + 'static,
) -> Attempt {
    watch_server_panics();
    let listener = Listener::bind(uri)
        .await
        .expect("the loopback listener must bind: without it no browser sign-in can start");
    let bound = listener.redirect_uri().clone();
    assert_ne!(
        bound.port, 0,
        "the redirect URI sent to the provider must carry the real port, not 0"
    );
    let ip: IpAddr = match bound.host {
        LoopbackHost::V6 => Ipv6Addr::LOCALHOST.into(),
        LoopbackHost::V4 | LoopbackHost::Localhost => Ipv4Addr::LOCALHOST.into(),
    };
    let addr = SocketAddr::new(ip, bound.port);
    let wait = tokio::spawn(async move { listener.wait(STATE, timeout, cancel).await });
    Attempt { addr, wait }
}

impl Attempt {
    fn url(&self, target: &str) -> String {
        format!("http://{}{target}", self.addr)
    }

    /// The wait's result, which must now come promptly.
    async fn outcome(self) -> Outcome {
        tokio::time::timeout(PROMPT, self.wait)
            .await
            .expect("the wait did not end: the user would be left staring at a spinner")
            .expect("the wait task panicked")
    }

    /// Give a wrongly ended wait a moment to show itself, then check it is still running.
    async fn assert_still_waiting(&self, why: &str) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!self.wait.is_finished(), "the wait ended early: {why}");
    }
}

/// What came back on one connection.
#[derive(Debug)]
struct Reply {
    status: Option<u16>,
    head: String,
    body: String,
    /// The connection was reset rather than closed cleanly.
    reset: bool,
}

impl Reply {
    fn signed_in(&self) -> bool {
        self.status == Some(200) && self.body.contains("Signed in")
    }
}

fn browser_get(addr: SocketAddr, target: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n\
         Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-GB\r\nConnection: keep-alive\r\n\r\n"
    )
    .into_bytes()
}

fn right_redirect(addr: SocketAddr, code: &str) -> Vec<u8> {
    browser_get(addr, &format!("/callback?code={code}&state={STATE}"))
}

/// Send `request` on a new connection and read until the listener closes it. `half_close`: also
/// shut our writing side, as a client that has nothing more to say.
async fn exchange(addr: SocketAddr, request: &[u8], half_close: bool) -> Reply {
    let mut stream = tokio::time::timeout(PROMPT, TcpStream::connect(addr))
        .await
        .expect("connecting to the listener hung")
        .expect("the listener must accept connections while it waits");
    send_on(&mut stream, request, half_close).await
}

async fn send_on(stream: &mut TcpStream, request: &[u8], half_close: bool) -> Reply {
    match tokio::time::timeout(PROMPT, stream.write_all(request)).await {
        Err(_) => panic!("the listener stopped reading but kept the connection open"),
        Ok(Err(_)) => {} // it may close on us mid-request (an oversized one): read what it said
        Ok(Ok(())) => {
            if half_close {
                let _ = stream.shutdown().await;
            }
        }
    }
    read_reply(stream).await
}

async fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    let mut reset = false;
    let mut chunk = [0u8; 8192];
    loop {
        match tokio::time::timeout(PROMPT, stream.read(&mut chunk)).await {
            Err(_) => panic!(
                "the listener neither answered nor closed the connection within {PROMPT:?} \
                 (got {} bytes): a browser tab would hang",
                raw.len()
            ),
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => raw.extend_from_slice(&chunk[..n]),
            Ok(Err(_)) => {
                reset = true;
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = match text.split_once("\r\n\r\n") {
        Some((h, b)) => (h.to_string(), b.to_string()),
        None => (text.clone(), String::new()),
    };
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    Reply {
        status,
        head,
        body,
        reset,
    }
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr)
        .await
        .expect("the listener must accept connections while it waits")
}

async fn assert_refused(addr: SocketAddr, why: &str) {
    match tokio::time::timeout(PROMPT, TcpStream::connect(addr)).await {
        Ok(Err(e)) => assert_eq!(
            e.kind(),
            ErrorKind::ConnectionRefused,
            "{why} (connect failed, but not with 'refused': {e})"
        ),
        Ok(Ok(_)) => panic!("{addr} still accepts connections: {why}"),
        Err(_) => panic!("connecting to {addr} hung instead of being refused: {why}"),
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(PROMPT)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. State
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_with_the_wrong_state_gets_400_and_the_right_one_still_signs_in() {
    let attempt = start(LONG).await;
    let client = http();
    let near_misses = [
        "/callback?code=forged&state=WRONG".to_string(),
        "/callback?code=forged".to_string(),
        "/callback?code=forged&state=".to_string(),
        format!("/callback?code=forged&state={}", &STATE[..STATE.len() - 1]),
        format!("/callback?code=forged&state={STATE}x"),
        format!("/callback?code=forged&state={}", STATE.to_lowercase()),
        format!("/callback?code=forged&State={STATE}"),
        format!("/callback?state={STATE}"),
    ];
    for target in &near_misses {
        let reply = client.get(attempt.url(target)).send().await.unwrap();
        assert_eq!(
            reply.status(),
            400,
            "{target}: a redirect not carrying this attempt's exact state (a stale tab, a forged \
             link) must be refused, or an attacker could sign the user in to their account"
        );
        let text = reply.text().await.unwrap();
        assert!(
            text.contains("does not belong") && !text.contains("Signed in"),
            "{target}: the refused tab must say it was ignored, not 'Signed in': {text}"
        );
    }
    attempt
        .assert_still_waiting("a wrong-state redirect must not end the sign-in")
        .await;

    let right = client
        .get(attempt.url(&format!("/callback?code=good&state={STATE}")))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200, "the real redirect must be accepted");
    assert!(
        right.text().await.unwrap().contains("Signed in"),
        "the browser tab must tell the user they can go back to Waybill"
    );
    let redirect = attempt
        .outcome()
        .await
        .expect("the right redirect must sign in");
    assert_eq!(
        redirect.get("code"),
        Some("good"),
        "the code exchanged must be the one from the right redirect, never a forged one"
    );
    assert_eq!(redirect.get("state"), Some(STATE));
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 2. Refused consent
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_consent_ends_the_wait_with_the_providers_words() {
    let attempt = start(LONG).await;
    // A forged or stale error must not abort this attempt.
    let forged = exchange(
        attempt.addr,
        &browser_get(
            attempt.addr,
            "/callback?error=access_denied&error_description=forged&state=WRONG",
        ),
        false,
    )
    .await;
    assert_eq!(
        forged.status,
        Some(400),
        "an error redirect with another state must be ignored, or any page could cancel the user's sign-in"
    );
    attempt
        .assert_still_waiting("an error with the wrong state must not end the sign-in")
        .await;

    let target = format!(
        "/callback?error=access_denied&error_description=The+user+said+no%2C+twice&state={STATE}"
    );
    let reply = exchange(attempt.addr, &browser_get(attempt.addr, &target), false).await;
    assert_eq!(reply.status, Some(200), "{reply:?}");
    assert!(
        reply.body.contains("Sign-in failed") && reply.body.contains("The user said no, twice"),
        "the browser tab must say the sign-in failed, in the provider's words: {}",
        reply.body
    );
    let error = attempt
        .outcome()
        .await
        .expect_err("a denied consent must not look like a sign-in");
    assert_eq!(
        error,
        LoopbackError::Refused {
            error: "access_denied".into(),
            description: Some("The user said no, twice".into()),
        },
        "Waybill must show the user why the provider refused, in the provider's words"
    );
    assert!(error.to_string().contains("The user said no, twice"));
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 3. Timeout and cancel
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nothing_arriving_the_wait_times_out_and_closes_the_port() {
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let attempt = start(timeout).await;
    let addr = attempt.addr;
    let result = attempt.outcome().await;
    let elapsed = started.elapsed();
    assert_eq!(
        result.expect_err("nothing arrived, so nothing can have signed in"),
        LoopbackError::TimedOut(timeout),
        "a sign-in nobody completes must end with 'timed out', not hang"
    );
    assert!(
        elapsed >= timeout && elapsed < Duration::from_secs(2),
        "the timeout must be the one asked for: took {elapsed:?} for {timeout:?}"
    );
    assert_refused(addr, "a timed-out attempt must stop listening").await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_ends_the_wait_at_once_and_closes_the_port() {
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    let attempt = start_on(&RedirectUri::default(), LONG, async move {
        let _ = cancelled.await;
    })
    .await;
    let addr = attempt.addr;
    attempt
        .assert_still_waiting("nothing arrived and nobody pressed Cancel yet")
        .await;
    let pressed = Instant::now();
    cancel.send(()).unwrap();
    assert_eq!(
        attempt
            .outcome()
            .await
            .expect_err("a cancelled sign-in must not sign in"),
        LoopbackError::Cancelled,
        "pressing Cancel must end the sign-in as cancelled"
    );
    assert!(
        pressed.elapsed() < Duration::from_secs(1),
        "Cancel must act at once, not at the timeout: took {:?}",
        pressed.elapsed()
    );
    assert_refused(addr, "a cancelled attempt must stop listening").await;

    // A cancel future that is already complete.
    let attempt = start_on(&RedirectUri::default(), LONG, std::future::ready(())).await;
    assert_eq!(
        attempt
            .outcome()
            .await
            .expect_err("cancelled before anything arrived"),
        LoopbackError::Cancelled
    );
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 4. After success
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_redirect_is_taken_the_port_is_closed() {
    let attempt = start(LONG).await;
    let addr = attempt.addr;
    let reply = exchange(addr, &right_redirect(addr, "first"), false).await;
    assert!(reply.signed_in(), "{reply:?}");
    let redirect = attempt
        .outcome()
        .await
        .expect("the first redirect signs in");
    assert_eq!(redirect.get("code"), Some("first"));
    assert_refused(
        addr,
        "once the sign-in is done, a second (replayed) redirect must find nobody listening",
    )
    .await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_still_open_when_the_attempt_ends_is_not_told_signed_in() {
    // A browser's speculative socket, opened before Waybill gave up and used just after.
    for ending in ["cancelled", "timed out"] {
        let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
        let timeout = if ending == "timed out" {
            Duration::from_millis(300)
        } else {
            LONG
        };
        let attempt = start_on(&RedirectUri::default(), timeout, async move {
            let _ = cancelled.await;
        })
        .await;
        let addr = attempt.addr;
        let mut early = connect(addr).await;
        tokio::time::sleep(Duration::from_millis(50)).await; // accepted, waiting for its request
        if ending == "cancelled" {
            cancel.send(()).unwrap();
        }
        assert!(
            attempt.outcome().await.is_err(),
            "{ending}: nothing was sent yet"
        );
        let late = send_on(&mut early, &right_redirect(addr, "late"), false).await;
        assert!(
            !late.signed_in(),
            "{ending}: Waybill gave up on this sign-in, yet the browser tab would tell the user \
             'Signed in': {late:?}"
        );
    }
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 5. Other paths
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_paths_get_404_and_the_wait_goes_on() {
    let attempt = start(LONG).await;
    let addr = attempt.addr;
    for target in [
        "/favicon.ico".to_string(),
        "/other".to_string(),
        "/".to_string(),
        format!("/other?code=forged&state={STATE}"),
        format!("/callback/extra?code=forged&state={STATE}"),
        format!("/callbackx?code=forged&state={STATE}"),
        format!("/CALLBACK?code=forged&state={STATE}"),
    ] {
        let reply = exchange(addr, &browser_get(addr, &target), false).await;
        assert_eq!(
            reply.status,
            Some(404),
            "{target}: only the registered redirect path may be answered (browsers ask for \
             /favicon.ico on their own): {reply:?}"
        );
    }
    attempt
        .assert_still_waiting("a request on another path must not end the sign-in")
        .await;
    let reply = exchange(addr, &right_redirect(addr, "good"), false).await;
    assert!(reply.signed_in(), "{reply:?}");
    assert_eq!(
        attempt.outcome().await.unwrap().get("code"),
        Some("good"),
        "the right redirect must still sign in after the browser asked for other paths"
    );
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 6. Oversized requests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_is_refused_without_a_token_and_the_wait_goes_on() {
    let attempt = start(LONG).await;
    let addr = attempt.addr;
    let pad = "a".repeat(100 * 1024);
    // The right state, in a request line of 100 KB.
    let long_line = browser_get(
        addr,
        &format!("/callback?code=oversized&state={STATE}&pad={pad}"),
    );
    // The right state in a short request line, then a 100 KB header.
    let long_header = format!(
        "GET /callback?code=oversized&state={STATE} HTTP/1.1\r\nHost: {addr}\r\nX-Pad: {pad}\r\n\r\n"
    )
    .into_bytes();
    for (what, request) in [
        ("a 100 KB request line", long_line),
        ("a 100 KB header", long_header),
    ] {
        let reply = exchange(addr, &request, false).await;
        assert!(
            reply.status == Some(431) || reply.status.is_none(),
            "{what} must be refused with 431 or a closed connection, not served: {:?} {} \
             (reset: {})",
            reply.status,
            reply.head,
            reply.reset
        );
        assert!(!reply.signed_in(), "{what} must not sign in");
    }
    attempt
        .assert_still_waiting("an oversized request must not end the sign-in")
        .await;
    let reply = exchange(addr, &right_redirect(addr, "good"), false).await;
    assert!(reply.signed_in(), "{reply:?}");
    assert_eq!(
        attempt.outcome().await.unwrap().get("code"),
        Some("good"),
        "the code must come from the normal redirect, never from the refused oversized one"
    );
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 7. Slow and idle connections
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_do_not_block_the_real_redirect() {
    let attempt = start(LONG).await;
    let addr = attempt.addr;
    // Browsers open speculative sockets and never use them.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(connect(addr).await);
    }
    // Half a request line, half a head, half a body: each with the right state, never finished.
    let mut slow = Vec::new();
    for partial in [
        format!("GET /callback?code=stale&state={STATE}"),
        format!("GET /callback?code=stale&state={STATE} HTTP/1.1\r\nHost: {addr}\r\n"),
        format!(
            "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 500\r\n\r\naccess_token=stale&state={STATE}"
        ),
    ] {
        let mut stream = connect(addr).await;
        stream.write_all(partial.as_bytes()).await.unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(100)).await; // let the listener pick them all up
    let mut chunk = [0u8; 256];
    for (i, stream) in slow.iter_mut().chain(idle.iter_mut()).enumerate() {
        match tokio::time::timeout(Duration::from_millis(20), stream.read(&mut chunk)).await {
            Err(_) => {} // open, nothing said: as expected
            Ok(other) => panic!(
                "slow connection {i} was answered or closed before the real redirect came: {other:?}"
            ),
        }
    }

    // The real redirect, while all of them are open and unfinished.
    let sent = Instant::now();
    let reply = exchange(addr, &right_redirect(addr, "good"), false).await;
    assert!(reply.signed_in(), "{reply:?}");
    let redirect = attempt.outcome().await.expect("the real redirect signs in");
    assert_eq!(
        redirect.get("code"),
        Some("good"),
        "the code must be the real one, never from an unfinished request"
    );
    assert!(
        sent.elapsed() < PROMPT,
        "the real redirect waited {:?} behind idle connections: the user would wait for nothing",
        sent.elapsed()
    );

    // None of the unfinished ones was ever answered (they may be closed now that it is over).
    for (i, stream) in slow.iter_mut().chain(idle.iter_mut()).enumerate() {
        if let Ok(Ok(n @ 1..)) =
            tokio::time::timeout(Duration::from_millis(20), stream.read(&mut chunk)).await
        {
            panic!(
                "slow connection {i} got an answer to an unfinished request: {:?}",
                String::from_utf8_lossy(&chunk[..n])
            );
        }
    }
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 8. Garbage
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bytes_are_dropped_and_the_wait_goes_on() {
    let attempt = start(LONG).await;
    let addr = attempt.addr;
    let mut tls_client_hello = vec![
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];
    tls_client_hello.extend((0u8..=255).rev());
    let garbage: Vec<(&str, Vec<u8>)> = vec![
        ("a TLS ClientHello (https:// typed by hand)", tls_client_hello),
        ("binary", b"\x00\xff\xfe\x80\x01garbage\r\n\r\n".to_vec()),
        ("blank lines", b"\r\n\r\n\r\n".to_vec()),
        ("one word", b"HELLO\r\n\r\n".to_vec()),
        ("the HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec()),
        (
            "control characters in the target",
            b"GET /callback?code=\x00&state=\x7f HTTP/1.1\r\n\r\n".to_vec(),
        ),
        (
            "non-UTF-8 in the target",
            b"GET /callback?code=\xff\xfe&state=\xc3 HTTP/1.1\r\n\r\n".to_vec(),
        ),
        ("a bad Content-Length", format!(
            "POST /callback HTTP/1.1\r\nContent-Length: -1\r\n\r\naccess_token=t&state={STATE}"
        ).into_bytes()),
        ("a huge Content-Length", format!(
            "POST /callback HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\naccess_token=t&state={STATE}"
        ).into_bytes()),
        ("nothing at all", Vec::new()),
    ];
    for (what, bytes) in &garbage {
        let reply = exchange(addr, bytes, true).await;
        assert!(
            !reply.signed_in(),
            "{what}: garbage must never sign in: {reply:?}"
        );
        assert!(
            reply.status.is_none() || reply.status.is_some_and(|s| s >= 400),
            "{what}: garbage must be refused: {reply:?}"
        );
    }
    attempt
        .assert_still_waiting("garbage must not end the sign-in")
        .await;
    let reply = exchange(addr, &right_redirect(addr, "good"), false).await;
    assert!(reply.signed_in(), "after garbage: {reply:?}");
    assert_eq!(attempt.outcome().await.unwrap().get("code"), Some("good"));
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 9. The fragment flow (RFC 6749 implicit)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fragment_page_posts_the_token_back_and_only_the_right_state_counts() {
    let attempt = start(LONG).await;
    let addr = attempt.addr;
    // What the browser requests for http://127.0.0.1:PORT/callback#access_token=...: no fragment.
    for target in ["/callback", "/callback?"] {
        let page = exchange(addr, &browser_get(addr, target), false).await;
        assert_eq!(page.status, Some(200), "{target}: {page:?}");
        let head = page.head.to_ascii_lowercase();
        assert!(
            head.contains("content-type: text/html"),
            "{target}: the landing page must be HTML for the browser to run it: {}",
            page.head
        );
        assert!(
            head.contains("script-src 'unsafe-inline'") && head.contains("connect-src 'self'"),
            "{target}: the page's own CSP must let its inline script post back, or the sign-in \
             hangs in the tab: {}",
            page.head
        );
        assert!(
            page.body.contains("<script>")
                && page.body.contains("location.hash")
                && page.body.contains(r#"fetch("/callback""#),
            "{target}: the page must carry the script that posts the fragment back to /callback: {}",
            page.body
        );
        assert!(
            !page.body.contains("access_token") && !page.body.contains(STATE),
            "{target}: the landing page must not carry any token or the state"
        );
    }
    attempt
        .assert_still_waiting("the landing page must not end the sign-in")
        .await;

    let client = http();
    let post = |body: String| {
        client
            .post(format!("http://{addr}/callback"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", format!("http://{addr}"))
            .body(body)
            .send()
    };
    for body in [
        "access_token=forged&token_type=Bearer&state=WRONG".to_string(),
        "access_token=forged&token_type=Bearer".to_string(),
        format!("token_type=Bearer&state={STATE}"),
    ] {
        let reply = post(body.clone()).await.unwrap();
        assert_eq!(
            reply.status(),
            400,
            "{body}: a posted fragment without this attempt's state and a token must be refused"
        );
    }
    attempt
        .assert_still_waiting("a posted fragment with the wrong state must not end the sign-in")
        .await;

    let reply = post(format!("access_token=t&token_type=Bearer&state={STATE}"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert!(
        reply.text().await.unwrap().contains("Signed in"),
        "the script shows this text in the tab: it must tell the user they are signed in"
    );
    let redirect = attempt
        .outcome()
        .await
        .expect("the posted fragment signs in");
    assert_eq!(
        redirect.get("access_token"),
        Some("t"),
        "the token must be the posted one"
    );
    assert_eq!(redirect.get("token_type"), Some("Bearer"));
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 10. Loopback only
// ---------------------------------------------------------------------------------------------

/// Addresses listening on TCP `port`, from the kernel's own tables (no traffic sent anywhere).
/// `None` where /proc/net is not readable.
fn listening_addresses(port: u16) -> Option<Vec<IpAddr>> {
    let mut found = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(table) = std::fs::read_to_string(file) else {
            return None;
        };
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(st)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((ip_hex, port_hex)) = local.split_once(':') else {
                continue;
            };
            if *st != "0A" || u16::from_str_radix(port_hex, 16).ok() != Some(port) {
                continue; // not LISTEN, or another port
            }
            // The kernel prints each 32-bit word of the address in host byte order.
            let words: Vec<[u8; 4]> = (0..ip_hex.len() / 8)
                .map(|i| {
                    u32::from_str_radix(&ip_hex[i * 8..i * 8 + 8], 16)
                        .unwrap()
                        .to_ne_bytes()
                })
                .collect();
            let bytes: Vec<u8> = words.concat();
            found.push(if v6 {
                IpAddr::from(<[u8; 16]>::try_from(bytes).unwrap())
            } else {
                IpAddr::from(<[u8; 4]>::try_from(bytes).unwrap())
            });
        }
    }
    Some(found)
}

async fn assert_listens_only_on(attempt: &Attempt, ip: IpAddr, uri: &str) {
    let stream = connect(attempt.addr).await;
    assert_eq!(
        stream.peer_addr().unwrap().ip(),
        ip,
        "{uri}: the listener must answer on {ip}"
    );
    drop(stream);
    match listening_addresses(attempt.addr.port()) {
        Some(addresses) => assert_eq!(
            addresses,
            vec![ip],
            "{uri}: the kernel must show one listening socket on port {}, bound to {ip} only: \
             a wildcard bind would let anyone on the network deliver (or steal) the sign-in",
            attempt.addr.port()
        ),
        None => eprintln!("/proc/net/tcp not readable: bound address checked by connecting only"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_binds_loopback_only() {
    // The default redirect URI, and `localhost` (which binds 127.0.0.1 too).
    for uri in ["http://127.0.0.1:0/callback", "http://localhost:0/callback"] {
        let parsed: RedirectUri = uri.parse().unwrap();
        let attempt = start_on(&parsed, LONG, std::future::pending()).await;
        assert_eq!(attempt.addr.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_listens_only_on(&attempt, Ipv4Addr::LOCALHOST.into(), uri).await;
        let reply = exchange(attempt.addr, &right_redirect(attempt.addr, "v4"), false).await;
        assert!(reply.signed_in(), "{uri}: {reply:?}");
        assert_eq!(attempt.outcome().await.unwrap().get("code"), Some("v4"));
    }
    let default = Listener::bind(&RedirectUri::default()).await.unwrap();
    let bound = default.redirect_uri();
    assert_eq!(
        bound.to_string(),
        format!("http://127.0.0.1:{}/callback", bound.port),
        "the default redirect URI given to the provider must be the 127.0.0.1 one"
    );
    drop(default);

    // ::1 when asked.
    if std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_err() {
        eprintln!("SKIPPED the ::1 half: this machine has no IPv6 loopback");
        return;
    }
    let uri = "http://[::1]:0/cb";
    let attempt = start_on(&uri.parse().unwrap(), LONG, std::future::pending()).await;
    assert_eq!(attempt.addr.ip(), IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_listens_only_on(&attempt, Ipv6Addr::LOCALHOST.into(), uri).await;
    assert_refused(
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), attempt.addr.port()),
        "a ::1 listener must not also answer on 127.0.0.1 (it was asked for ::1 only)",
    )
    .await;
    let target = format!("/cb?code=v6&state={STATE}");
    let reply = exchange(attempt.addr, &browser_get(attempt.addr, &target), false).await;
    assert!(reply.signed_in(), "{uri}: {reply:?}");
    assert_eq!(
        attempt.outcome().await.unwrap().get("code"),
        Some("v6"),
        "a sign-in through http://[::1]:PORT/cb must work end to end"
    );
    assert_no_server_panic();
}

// ---------------------------------------------------------------------------------------------
// 11a. parse_params, fuzzed
// ---------------------------------------------------------------------------------------------

fn form_encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

proptest! {
    #![proptest_config(Config { cases: 512, failure_persistence: None, ..Config::default() })]

    #[test]
    fn parse_params_never_panics(text in any::<String>()) {
        let _ = parse_params(&text);
    }

    #[test]
    fn parse_params_reads_back_what_a_provider_form_encodes(
        pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..8),
        prefix in prop_oneof![Just(""), Just("?"), Just("#")],
    ) {
        // Providers put the redirect parameters in a query (`?`) or a fragment (`#`).
        let text = format!("{prefix}{}", form_encode(&pairs));
        prop_assert_eq!(
            parse_params(&text),
            pairs,
            "a code, token or state must arrive exactly as the provider sent it"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 11b. A live listener, fuzzed
// ---------------------------------------------------------------------------------------------

/// Could `bytes` carry `state=STATE` as a whole value? (Nothing in the strategies percent-encodes
/// the state, so a literal match is the only way.) Random input that could not must never sign in.
fn could_carry_state(bytes: &[u8]) -> bool {
    let needle = format!("state={STATE}");
    let needle = needle.as_bytes();
    bytes.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle
            && bytes
                .get(i + needle.len())
                .is_none_or(|&next| !(next.is_ascii_alphanumeric() || b"-._~%+*".contains(&next)))
    })
}

fn near_miss_state() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..STATE.len()).prop_map(|n| STATE[..n].to_string()),
        "[a-zA-Z0-9]{1,3}".prop_map(|s| format!("{STATE}{s}")),
        "[a-zA-Z0-9]{1,3}".prop_map(|s| format!("{s}{STATE}")),
        (0..STATE.len(), "[a-zA-Z0-9]").prop_map(|(i, c)| {
            let mut s = STATE.as_bytes().to_vec();
            s[i] = if s[i] == c.as_bytes()[0] {
                b'#'
            } else {
                c.as_bytes()[0]
            };
            String::from_utf8(s).unwrap()
        }),
        Just(STATE.to_lowercase()),
        "[a-zA-Z0-9_-]{0,40}",
    ]
}

fn query_params() -> impl Strategy<Value = String> {
    let param = prop_oneof![
        near_miss_state().prop_map(|s| format!("state={s}")),
        "[a-zA-Z0-9._~-]{0,30}".prop_map(|v| format!("code={v}")),
        "[a-zA-Z0-9._~-]{0,30}".prop_map(|v| format!("access_token={v}")),
        Just("error=access_denied".to_string()),
        "[a-z_]{1,10}=[a-zA-Z0-9+%._-]{0,20}",
    ];
    proptest::collection::vec(param, 0..6).prop_map(|p| p.join("&"))
}

fn header_lines() -> impl Strategy<Value = String> {
    proptest::collection::vec("[A-Za-z-]{1,20}: [ -~]{0,40}", 0..5)
        .prop_map(|h| h.iter().map(|line| format!("{line}\r\n")).collect())
}

/// Requests with random parameters and near-miss states: well-formed ones to /callback (which
/// reach the state check), and free-form ones (other methods, paths, versions, lengths).
fn http_like() -> impl Strategy<Value = Vec<u8>> {
    let method = prop_oneof![
        Just("GET".to_string()),
        Just("POST".to_string()),
        Just("HEAD".to_string()),
        Just("get".to_string()),
        "[A-Z]{1,8}",
    ];
    let path = prop_oneof![
        Just("/callback".to_string()),
        Just("/".to_string()),
        Just("/favicon.ico".to_string()),
        Just("/callback/".to_string()),
        "/[a-z/]{0,20}",
    ];
    let version = prop_oneof![
        Just("HTTP/1.1".to_string()),
        Just("HTTP/1.0".to_string()),
        Just("HTTP/2.0".to_string()),
        "[ -~]{0,10}",
    ];
    let free_form = (
        method,
        path,
        query_params(),
        version,
        header_lines(),
        any::<bool>(),
        prop_oneof![Just(None), (0usize..200).prop_map(Some)],
    )
        .prop_map(
            |(method, path, params, version, headers, in_query, length)| {
                let (target, body) = if in_query {
                    (format!("{path}?{params}"), String::new())
                } else {
                    (path, params)
                };
                let length = length.map_or(String::new(), |n| format!("Content-Length: {n}\r\n"));
                format!("{method} {target} {version}\r\n{headers}{length}\r\n{body}").into_bytes()
            },
        );
    prop_oneof![
        3 => (query_params(), header_lines()).prop_map(|(query, headers)| {
            format!("GET /callback?{query} HTTP/1.1\r\n{headers}\r\n").into_bytes()
        }),
        2 => (query_params(), header_lines()).prop_map(|(body, headers)| {
            format!(
                "POST /callback HTTP/1.1\r\n{headers}Content-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }),
        3 => free_form,
    ]
}

/// The two ways a right-state redirect arrives: in the query, or as a posted fragment.
fn valid_redirects() -> [Vec<u8>; 2] {
    let body = format!("access_token=fuzz&token_type=Bearer&state={STATE}");
    [
        format!("GET /callback?code=fuzz&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .into_bytes(),
        format!(
            "POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    ]
}

/// A valid right-state redirect, then up to 3 byte-level mutations: untouched ones must sign in,
/// some mutated ones still do, most no longer can.
fn mutated_redirect() -> impl Strategy<Value = Vec<u8>> {
    let [get, post] = valid_redirects();
    let valid = prop_oneof![Just(get), Just(post)];
    let edits = proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 0..4);
    (valid, edits).prop_map(|(mut bytes, edits)| {
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at % bytes.len();
            match kind {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
        }
        bytes
    })
}

/// Request bytes, shown as escaped text when a case fails.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// One case: random bytes to a fresh listener, then the real redirect. The wait must end with the
/// real redirect, unless the random bytes could carry the right state and got there first.
/// `valid`: the bytes are an untouched right-state redirect, which must sign in by itself.
/// Returns whether the random bytes themselves signed in.
async fn fuzz_case(bytes: Vec<u8>, valid: bool) -> Result<bool, TestCaseError> {
    let attempt = start(Duration::from_secs(10)).await;
    let addr = attempt.addr;
    let carries = could_carry_state(&bytes);
    let reply = exchange(addr, &bytes, true).await; // panics (fails the case) if it hangs
    prop_assert!(
        carries || !reply.signed_in(),
        "random bytes without the right state were answered 'Signed in': {:?}",
        reply
    );
    // The real redirect; the port is closed if the random bytes already ended the wait.
    let follow_up = match valid {
        true => None,
        false => match TcpStream::connect(addr).await {
            Ok(mut stream) => {
                Some(send_on(&mut stream, &right_redirect(addr, "real"), false).await)
            }
            Err(_) => None,
        },
    };
    let outcome = attempt.outcome().await; // panics (fails the case) if the wait hangs
    assert_no_server_panic();
    match outcome {
        Ok(redirect) if redirect.get("code") == Some("real") => {
            prop_assert!(
                follow_up.as_ref().is_some_and(Reply::signed_in),
                "the real redirect ended the wait but its tab was not told: {:?}",
                follow_up
            );
            Ok(false)
        }
        Ok(redirect) => {
            prop_assert!(
                carries,
                "random bytes without the right state signed in (params {:?})",
                redirect
            );
            prop_assert!(
                redirect.get("code").is_some() || redirect.get("access_token").is_some(),
                "a sign-in must carry a code or a token: {:?}",
                redirect
            );
            Ok(true)
        }
        Err(LoopbackError::Refused { .. }) if carries => Ok(true),
        Err(e) => Err(TestCaseError::fail(format!(
            "after random bytes the wait ended with '{e}' instead of taking the real redirect \
             (reply to the random bytes: {reply:?})"
        ))),
    }
}

#[test]
fn random_requests_never_sign_in_crash_or_hang_a_live_listener() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The harness must be able to see a sign-in at all, or the property below proves nothing.
    for valid in valid_redirects() {
        assert!(could_carry_state(&valid));
        assert!(
            matches!(runtime.block_on(fuzz_case(valid, true)), Ok(true)),
            "the fuzz harness must see a valid redirect sign in"
        );
    }
    let near_miss = format!("GET /callback?code=fuzz&state={STATE}x HTTP/1.1\r\n\r\n");
    assert!(!could_carry_state(near_miss.as_bytes()));

    let strategy = prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..2048),
        3 => http_like(),
        2 => mutated_redirect(),
    ]
    .prop_map(Bytes);
    let config = Config {
        cases: 64,
        failure_persistence: None,
        max_shrink_iters: 200,
        max_shrink_time: 20_000,
        ..Config::default()
    };
    let signed_in = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(config);
    let valid = valid_redirects();
    let result = runner.run(&strategy, |Bytes(bytes)| {
        let must_sign_in = valid.contains(&bytes);
        if runtime.block_on(fuzz_case(bytes, must_sign_in))? {
            signed_in.set(signed_in.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "{} of 64 random requests signed in, all carrying the right state; none without it did",
        signed_in.get()
    );
}
