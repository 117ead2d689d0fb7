//! The parsers that `import_fuzz.rs` does not reach, fuzzed: the curl parser, case files, the Bru
//! language (through Bruno folders of real `.bru` files), real import files, and the loopback
//! listener's request reading. Each gets arbitrary input and structure-aware input: real inputs
//! (the curl corpus, case files as Waybill exports them, the vendored Bruno collections and
//! import fixtures, valid redirects) mutated by bit flips, insertions of the format's own
//! tokens, removals, truncations, huge repetitions and deep nesting. Whatever they get: no
//! panic and no hang; a refusal is one sentence (the CLI prints errors as one line); and a
//! secret planted where a secret belongs stays where each parser promises to keep it:
//!
//! - curl: a pasted command's `Authorization` (`-H`, `-u`) is taken out whole, only its scheme
//!   named (`take_authorization`); "copy as curl" of what was read reads back the same method;
//! - case files: a request's `Authorization` (and any header already `[redacted]`) never
//!   becomes part of a saved request; every profile added validates, within the name limit,
//!   without the sender's network settings, and no profile here is replaced;
//! - Bruno: a secret variable's value reaches no saved request, variable, `Debug` or plan;
//! - the loopback listener: every connection is answered or closed promptly, nothing without
//!   this attempt's `state` signs in, no reply echoes a code or token, and the real redirect
//!   still signs in afterwards.
//!
//! `./scripts/test` runs each at its small default count (a few seconds each, debug);
//! `./scripts/fuzz MINUTES` runs each target again and again with fresh seeds (`PROPTEST_CASES`
//! sets the count; a failing case's input is written to `$FUZZ_OUT`, default
//! `test-output/fuzz/`, as `TARGET.failing`).

use std::net::SocketAddr;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use waybill_core::auth::loopback::{parse_params, Listener, LoopbackError, RedirectUri};
use waybill_core::import::case::CaseFile;
use waybill_core::import::{bruno, collection, import_file, plan, Imported};
use waybill_core::request::curl::{parse_curl, to_curl};
use waybill_core::request::Credentials;
use waybill_core::store::history::Entry;
use waybill_core::{Grant, Profile, Profiles, WorkspaceError};

// ---------------------------------------------------------------------------------------------
// Harness: case counts, failing inputs kept, mutations.
// ---------------------------------------------------------------------------------------------

/// `PROPTEST_CASES` when set (scripts/fuzz sets it), else `cases`: small enough that the normal
/// suite stays fast.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        // A failing case is shrunk for at most two minutes (a hanging one takes seconds each).
        max_shrink_time: 120_000,
        ..Config::default()
    }
}

/// Where failing inputs go: `$FUZZ_OUT`, else `test-output/fuzz/` at the workspace's root.
fn failing_dir() -> PathBuf {
    match std::env::var_os("FUZZ_OUT") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-output/fuzz"),
    }
}

/// Run `check` on one case; when it fails (or panics), write `input` to `TARGET.failing`. The
/// last case written is the smallest: proptest keeps shrinking from every case that fails.
fn kept_if_failing(
    target: &str,
    input: &[u8],
    check: impl FnOnce() -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let outcome = catch_unwind(AssertUnwindSafe(check));
    if !matches!(outcome, Ok(Ok(()))) {
        let dir = failing_dir();
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{target}.failing")), input);
    }
    match outcome {
        Ok(result) => result,
        Err(panic) => resume_unwind(panic),
    }
}

/// A refusal as the CLI prints it: one sentence, one line.
fn one_sentence(what: &str, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!text.trim().is_empty(), "{what}: an empty error");
    prop_assert!(
        !text.contains(['\n', '\r']),
        "{what}: the error is not one line: {text:?}"
    );
    Ok(())
}

/// A secret, distinct each case.
fn secret() -> impl Strategy<Value = String> {
    any::<u64>().prop_map(|n| format!("S3CRET-{n:016x}"))
}

/// `text` around `needle`, short enough to read in a failure.
fn clipped(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let at = text[..at].chars().count();
    text.chars()
        .skip(at.saturating_sub(200))
        .take(400)
        .collect()
}

/// One change to an input's bytes. Positions are taken modulo the length, so they shrink well.
#[derive(Debug, Clone)]
enum Edit {
    /// Flip one bit.
    Flip(usize, u8),
    /// Put a random byte in.
    Insert(usize, u8),
    /// Put one of the format's tokens in (a quote, a brace, a keyword...).
    Token(usize, usize),
    /// Take up to `len` bytes out.
    Remove(usize, usize),
    Truncate(usize),
    /// Repeat `len` bytes `times` times in place: huge lines, values and lists.
    Repeat(usize, usize, usize),
    /// A token repeated `times` times: deep nesting.
    Nest(usize, usize, usize),
}

/// The largest input a mutation makes (beyond it, a repetition is left out).
const MAX_MUTATED: usize = 1 << 20;

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip(at, bit)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        5 => (any::<usize>(), any::<usize>()).prop_map(|(at, t)| Edit::Token(at, t)),
        2 => (any::<usize>(), 1usize..24).prop_map(|(at, len)| Edit::Remove(at, len)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        1 => (any::<usize>(), 1usize..64, 2usize..3000)
            .prop_map(|(at, len, times)| Edit::Repeat(at, len, times)),
        1 => (any::<usize>(), any::<usize>(), 2usize..5000)
            .prop_map(|(at, t, times)| Edit::Nest(at, t, times)),
    ]
}

/// Up to `max` edits; none a third of the time, so real inputs also go through untouched.
fn edits(max: usize) -> impl Strategy<Value = Vec<Edit>> {
    prop_oneof![
        1 => Just(Vec::new()),
        2 => prop::collection::vec(edit(), 1..=max),
    ]
}

fn mutate(bytes: &mut Vec<u8>, edits: &[Edit], tokens: &[&str]) {
    for edit in edits {
        let at = |at: usize, len: usize| at % (len + 1);
        match *edit {
            Edit::Flip(i, bit) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            Edit::Flip(..) => {}
            Edit::Insert(i, b) => bytes.insert(at(i, bytes.len()), b),
            Edit::Token(i, t) => {
                let i = at(i, bytes.len());
                let token = tokens[t % tokens.len()].as_bytes();
                bytes.splice(i..i, token.iter().copied());
            }
            Edit::Remove(i, len) => {
                let i = at(i, bytes.len());
                let end = (i + len).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Truncate(i) => bytes.truncate(at(i, bytes.len())),
            Edit::Repeat(i, len, times) => {
                let i = at(i, bytes.len());
                let end = (i + len).min(bytes.len());
                let piece = bytes[i..end].to_vec();
                if bytes.len() + piece.len() * times <= MAX_MUTATED {
                    let copies = piece.repeat(times);
                    bytes.splice(i..i, copies);
                }
            }
            Edit::Nest(i, t, times) => {
                let i = at(i, bytes.len());
                let token = tokens[t % tokens.len()].as_bytes();
                if bytes.len() + token.len() * times <= MAX_MUTATED {
                    bytes.splice(i..i, token.repeat(times));
                }
            }
        }
    }
}

/// Bytes shown as escaped text when a case fails.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<u8> = self.0.iter().copied().take(4000).collect();
        write!(f, "b\"{}\" ({} bytes)", shown.escape_ascii(), self.0.len())
    }
}

// ---------------------------------------------------------------------------------------------
// 1. curl: the corpus of real commands (tests/curl_corpus.txt), a customer's credentials put in
// (`-H 'Authorization: ...'`, `-u`), more options, then mutated; and random words and text.
// ---------------------------------------------------------------------------------------------

fn curl_corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        include_str!("curl_corpus.txt")
            .split("\n### ")
            .skip(1)
            .map(|entry| entry.split_once('\n').unwrap().1.trim().to_string())
            .collect()
    })
}

/// The body file `-d @body.json` names; every other file is missing.
fn curl_files(path: &str) -> std::io::Result<Vec<u8>> {
    match path {
        "body.json" => Ok(b"{\"from\":\n\"file\"}\n".to_vec()),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file",
        )),
    }
}

/// Words a curl command is made of: options known and not, attached values, quotes, URLs.
const CURL_WORDS: &[&str] = &[
    "-X",
    "-XPOST",
    "--request",
    "--request=PATCH",
    "--url",
    "-H",
    "--header",
    "-HAccept:x",
    "-d",
    "-d@body.json",
    "--data",
    "--data=a=1",
    "--data-ascii",
    "--data-binary",
    "--data-raw",
    "--data-urlencode",
    "--json",
    "-u",
    "--user",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-b",
    "--cookie",
    "-G",
    "--get",
    "-I",
    "--head",
    "-s",
    "-sSL",
    "-vk",
    "-ikfgN",
    "--compressed",
    "-o",
    "--output",
    "-m",
    "--max-time",
    "-w",
    "--retry",
    "--proxy",
    "-Z",
    "-sZ",
    "-",
    "--",
    "---",
    "--=",
    "-é",
    "-😀x",
    "-Hé",
    "-sé",
    "https://api.example/v1/items?a=1&b=2",
    "'https://api.example/v1/a b'",
    "http://[::1]:8080/x",
    "{{host}}/v1",
    "'Accept: application/json'",
    "\"Content-Type: application/json\"",
    "'no colon'",
    "': empty name'",
    "' '",
    "''",
    "\"\"",
    "'{\"a\": 1}'",
    "a=1",
    "'b=x y&z'",
    "@body.json",
    "@missing.json",
    "'unclosed",
    "\"unclosed",
    "\\",
    "\\\n",
    "\\\r\n",
    "$",
    "GET",
    "post",
    "'PO ST'",
    "'GET`id`'",
    "GET|id",
    "ünï",
    "'it'\\''s'",
    "\t",
    "#",
    ";",
    "&&",
];

/// Tokens mutations put into a command.
const CURL_TOKENS: &[&str] = &[
    "'", "\"", "\\", "\\\n", "\\\r\n", "\r\n", "\n", " ", "\t", "-", "--", "-H ", "-d ", "-u ",
    "-X ", "=", ":", "@", "$ ", "curl ", "é", "😀", "\u{0}", "\u{feff}", "%", "?", "&", "`", "$(",
];

/// Where a case puts the customer's credential, and how the option carrying it is written.
#[derive(Debug, Clone, Copy)]
enum CurlHome {
    Bearer,
    /// `Authorization: SECRET`, no scheme: an API key as some APIs take it.
    Bare,
    /// `-u client:SECRET`, in one of its spellings.
    User(u8),
    /// `--header 'authorization: Basic SECRET'`.
    Lowercase,
}

impl CurlHome {
    fn option(self, secret: &str) -> String {
        match self {
            CurlHome::Bearer => format!("-H 'Authorization: Bearer {secret}'"),
            CurlHome::Bare => format!("-H \"Authorization: {secret}\""),
            CurlHome::User(0) => format!("-u 'client:{secret}'"),
            CurlHome::User(1) => format!("--user=client:{secret}"),
            CurlHome::User(_) => format!("-uclient:{secret}"),
            CurlHome::Lowercase => format!("--header 'authorization:  Basic {secret} '"),
        }
    }

    /// How the secret may show once read: as given, or inside `Basic` credentials.
    fn forms(self, secret: &str) -> Vec<String> {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("client:{secret}"));
        vec![secret.to_string(), basic]
    }
}

#[derive(Debug, Clone)]
struct CurlCase {
    command: Bytes,
    /// The credential and its home, when the command still carries it as written (no mutation
    /// touched it: the secret is where it belongs, in the `Authorization` option only).
    secret: Option<(String, CurlHome)>,
    /// The command was mutated after the credential went in.
    mutated: bool,
}

fn curl_home() -> impl Strategy<Value = CurlHome> {
    prop_oneof![
        3 => Just(CurlHome::Bearer),
        1 => Just(CurlHome::Bare),
        2 => (0u8..3).prop_map(CurlHome::User),
        1 => Just(CurlHome::Lowercase),
    ]
}

fn curl_words(max: usize) -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(CURL_WORDS), 0..max)
}

/// A corpus command with a credential (first or last), more options, maybe mutated.
fn curl_from_corpus() -> impl Strategy<Value = CurlCase> {
    let corpus = curl_corpus().len();
    (
        0..corpus,
        prop::option::weighted(0.8, (curl_home(), secret(), any::<bool>())),
        curl_words(4),
        any::<bool>(),
        edits(4),
    )
        .prop_map(|(i, credential, extra, continued, edits)| {
            let mut command = curl_corpus()[i].clone();
            let separator = if continued { " \\\n  " } else { " " };
            let mut credential = credential;
            if let Some((home, secret, first)) = &credential {
                let option = home.option(secret);
                command = match first {
                    true => command.replacen("curl ", &format!("curl {option}{separator}"), 1),
                    false => format!("{command}{separator}{option}"),
                };
                if !command.contains(&option) {
                    credential = None;
                }
            }
            for word in extra {
                command = format!("{command}{separator}{word}");
            }
            let mut bytes = command.into_bytes();
            mutate(&mut bytes, &edits, CURL_TOKENS);
            CurlCase {
                command: Bytes(bytes),
                secret: credential.map(|(home, secret, _)| (secret, home)),
                mutated: !edits.is_empty(),
            }
        })
}

/// Random words after `curl` (or a prompt, or no `curl`), and random text.
fn curl_random() -> impl Strategy<Value = CurlCase> {
    let start =
        prop::sample::select(&["curl ", "$ curl ", "curl\t", "CURL ", "", "  curl \\\n"][..]);
    let words = (start, curl_words(12), any::<bool>()).prop_map(|(start, words, continued)| {
        let separator = if continued { " \\\n " } else { " " };
        format!("{start}{}", words.join(separator)).into_bytes()
    });
    let text = prop_oneof![
        any::<String>().prop_map(|s| format!("curl {s}").into_bytes()),
        any::<String>().prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..512),
    ];
    (prop_oneof![3 => words, 1 => text], edits(3)).prop_map(|(mut bytes, edits)| {
        mutate(&mut bytes, &edits, CURL_TOKENS);
        CurlCase {
            command: Bytes(bytes),
            secret: None,
            mutated: true,
        }
    })
}

fn curl_check(case: &CurlCase) -> Result<(), TestCaseError> {
    let command = String::from_utf8_lossy(&case.command.0);
    // Only an untouched command is sure to hold the secret where it belongs.
    let pristine = case.secret.as_ref().filter(|_| !case.mutated);
    let forms = |shown: &str| match pristine {
        Some((secret, home)) => home.forms(secret).into_iter().find(|f| shown.contains(f)),
        None => None,
    };
    let mut request = match parse_curl(&command, curl_files) {
        Err(e) => {
            let text = e.to_string();
            one_sentence("a curl refusal", &text)?;
            prop_assert!(
                forms(&text).is_none(),
                "the refusal shows the customer's credential: {text}"
            );
            return Ok(());
        }
        Ok(request) => request,
    };
    let first = (request.headers.iter())
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_string());
    let taken = request.take_authorization();
    prop_assert!(
        !request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization")),
        "an Authorization header is left: {:?}",
        request.headers
    );
    if let (Some((name, scheme)), Some(value)) = (&taken, &first) {
        // The scheme is the word before the credential, never the credential alone.
        let before = |rest: &str| rest.starts_with(char::is_whitespace);
        prop_assert!(
            scheme.is_empty() || value.strip_prefix(scheme.as_str()).is_some_and(before),
            "take_authorization named {scheme:?} the scheme of {value:?}"
        );
        if let Some((secret, _)) = pristine {
            prop_assert!(
                !scheme.contains(secret.as_str()) && !name.contains(secret.as_str()),
                "take_authorization returned the credential itself: {name:?}, {scheme:?}"
            );
        }
    }
    if pristine.is_some() {
        prop_assert!(taken.is_some(), "the command's Authorization was not found");
        let shown = format!(
            "{request:?} {} {}",
            serde_json::to_string(&request).unwrap(),
            serde_json::to_string(&request.to_draft()).unwrap()
        );
        prop_assert!(
            forms(&shown).is_none(),
            "the customer's credential is left in the request: {}",
            clipped(&shown, &forms(&shown).unwrap_or_default())
        );
    }
    // "Copy as curl" of what was read reads back, the same method.
    let written = to_curl(
        &Profile::default(),
        &request.to_api_request(),
        Credentials::default(),
    );
    if let Ok(written) = written {
        match parse_curl(&written, curl_files) {
            Ok(again) => prop_assert_eq!(
                &again.method,
                &request.method,
                "copy as curl changed the method: {}",
                written
            ),
            Err(e) => prop_assert!(false, "copy as curl does not read back ({e}): {written}"),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn curl_commands_are_read_or_refused_and_the_customers_authorization_stays_theirs(
        case in prop_oneof![3 => curl_from_corpus(), 2 => curl_random()],
    ) {
        kept_if_failing("curl", &case.command.0, || curl_check(&case))?;
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Case files: made as Waybill exports them (`CaseFile::export` of history entries and the
// profiles they used), a request's `Authorization` holding a secret, some profiles hostile or
// clashing with the ones here; then mutated as JSON, or random text. Read back as an import
// reads one (`CaseFile::from_json`, then `plan::case`).
// ---------------------------------------------------------------------------------------------

/// Profile names: free, taken here, the longest allowed, not allowed.
const CASE_NAMES: &[&str] = &[
    "acme",
    "beta",
    "acme-case",
    "ups-sandbox",
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
    "x.y_z-1",
    "",
    "tab\there",
    "ünï",
    "a b",
];

const CASE_URLS: &[&str] = &[
    "https://auth.example/oauth/token",
    "https://api.example/v1",
    "http://127.0.0.1:8080/token",
    "javascript:alert(1)",
    "ftp://x.example/",
    "",
    "not a url",
];

/// The profiles here when the case is planned: `acme` as in the file, `beta` different, a name
/// of 64 characters, and `acme-case` (the name a clashing `acme` would take first).
fn case_here() -> Profiles {
    let mut here = Profiles::default();
    for (name, client) in [
        ("acme", "cid"),
        ("beta", "mine"),
        ("acme-case", "taken"),
        (CASE_NAMES[4], "long"),
    ] {
        here.add(case_profile(name, client, 0, 0, Grant::ClientCredentials))
            .unwrap();
    }
    here
}

fn case_profile(
    name: &str,
    client: &str,
    token_url: usize,
    api_base: usize,
    grant: Grant,
) -> Profile {
    Profile {
        name: name.into(),
        keyring_id: format!("{name}-k1"),
        grant,
        token_url: Some(CASE_URLS[token_url % CASE_URLS.len()].into()),
        authorize_url: grant
            .is_browser()
            .then(|| "https://auth.example/authorize".into()),
        username: (grant == Grant::Password).then(|| "ops".into()),
        client_id: client.into(),
        api_base: Some(CASE_URLS[api_base % CASE_URLS.len()].into()),
        ..Profile::default()
    }
}

/// A profile as a case file carries it, sometimes hostile (a CA, a proxy, a control character).
fn case_profile_made() -> impl Strategy<Value = Profile> {
    let grant = prop::sample::select(vec![
        Grant::ClientCredentials,
        Grant::AuthorizationCode,
        Grant::Password,
        Grant::ApiKey,
        Grant::DeviceCode,
        Grant::Implicit,
    ]);
    let client = prop_oneof![
        6 => Just("cid"),
        3 => Just("other"),
        1 => prop::sample::select(&["id\r\nX-Evil: 1", "", "ünï"][..]),
    ];
    (
        prop::sample::select(CASE_NAMES),
        client,
        (0usize..3, 0usize..10),
        (0usize..3, 0usize..10),
        grant,
        0u8..16,
    )
        .prop_map(
            |(name, client, (good_t, any_t), (good_a, any_a), grant, hostile)| {
                let token_url = if any_t < 8 { good_t } else { any_t };
                let api_base = if any_a < 8 { good_a } else { any_a };
                let mut profile = case_profile(name, client, token_url, api_base, grant);
                match hostile {
                    0 => profile.proxy = Some("http://proxy.corp:3128".into()),
                    1 => profile.ca_certs = Some("-----BEGIN CERTIFICATE-----\nnot one\n".into()),
                    2 => profile.no_proxy = true,
                    3 => {
                        profile.headers.insert("X-Env".into(), "sandbox".into());
                    }
                    _ => {}
                }
                profile
            },
        )
}

/// A profile as a case file carries it; now and then one exactly as it is here (reused).
fn case_profile_strategy() -> impl Strategy<Value = Profile> {
    let here: Vec<Profile> = case_here()
        .iter()
        .map(|p| Profile {
            keyring_id: String::new(),
            ..p.clone()
        })
        .collect();
    prop_oneof![5 => case_profile_made(), 1 => prop::sample::select(here)]
}

/// How a request's `Authorization` carries the secret.
fn case_authorization(secret: &str, how: u8) -> (String, String) {
    use base64::Engine;
    let name = ["Authorization", "authorization", "AUTHORIZATION"][how as usize % 3];
    let value = match how / 3 % 4 {
        0 => format!("Bearer {secret}"),
        1 => secret.to_string(),
        2 => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("client:{secret}"))
        ),
        _ => format!("DPoP {secret}"),
    };
    (name.to_string(), value)
}

fn case_entry(
    profile: &str,
    method: &'static str,
    url: &'static str,
    secret: Option<(String, u8)>,
    partner: bool,
) -> Entry {
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some((secret, how)) = secret {
        headers.insert(how as usize % 2, case_authorization(&secret, how));
        if partner {
            // A credential already redacted by history: the profile puts its own back.
            headers.push((
                "X-Partner-Key".into(),
                format!("partner-app:[redacted] {secret}"),
            ));
        }
    }
    Entry {
        id: 7,
        at: "2026-12-05T10:00:00.000Z".into(),
        profile: profile.into(),
        profile_id: None,
        environment: None,
        method: method.into(),
        url: url.into(),
        request_headers: headers,
        request_body: Some("{\"to\":\"Rome\",\"weight\":1.5}".into()),
        status: Some(422),
        response_headers: vec![("Content-Type".into(), "application/json".into())],
        response_body: Some("{\"error\":\"zip\"}".into()),
        truncated: false,
        elapsed_ms: Some(5),
        error: None,
    }
}

/// Tokens mutations put into a case file: JSON's own, odd numbers, versions, deep nesting.
const JSON_TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-1",
    "1e400",
    "18446744073709551616",
    "0.5",
    "\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\\",
    "\"waybill_case\": 2,",
    "\"waybill_case\": 1,",
    "{\"a\":",
    "[[",
    "\"Authorization\"",
    "\"[redacted]\"",
    "\"client_credentials\"",
    "\"grant\": \"x\\ny\",",
    "é",
    "\n",
];

#[derive(Debug, Clone)]
struct CaseCase {
    text: Bytes,
    secret: String,
}

/// One change to a case file's JSON tree (a node picked by its place in a walk of the tree).
#[derive(Debug, Clone)]
enum TreeEdit {
    /// The node replaced by a value of another type, an odd one, a huge or deep one.
    Replace(usize, usize),
    /// A key of an object taken out.
    Remove(usize),
    /// An array's item repeated many times.
    Repeat(usize, usize),
    /// A key renamed as a careless hand would (another case, a space).
    Rename(usize, usize),
}

fn tree_edit() -> impl Strategy<Value = TreeEdit> {
    prop_oneof![
        4 => (any::<usize>(), any::<usize>()).prop_map(|(at, v)| TreeEdit::Replace(at, v)),
        2 => any::<usize>().prop_map(TreeEdit::Remove),
        1 => (any::<usize>(), 2usize..5000).prop_map(|(at, n)| TreeEdit::Repeat(at, n)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(at, k)| TreeEdit::Rename(at, k)),
    ]
}

/// What a replaced node becomes.
fn odd_value(pick: usize) -> serde_json::Value {
    use serde_json::json;
    let deep = (0..200).fold(json!(1), |inner, _| json!([inner]));
    let values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(u64::MAX),
        json!(1.5e300),
        json!(""),
        json!("x\ny"),
        json!("\u{0}"),
        json!("ünï 😀"),
        json!("client_credentials"),
        json!("authorization_code"),
        json!("Authorization"),
        json!("[redacted]"),
        json!(["Authorization", "Bearer [redacted]"]),
        json!([["Authorization", "x"], ["Accept"]]),
        json!([]),
        json!({}),
        json!({"a": {"b": null}}),
        json!("y".repeat(100_000)),
        json!(2),
        json!(65536),
        deep,
    ];
    values[pick % values.len()].clone()
}

fn count_nodes(value: &serde_json::Value) -> usize {
    1 + match value {
        serde_json::Value::Array(items) => items.iter().map(count_nodes).sum(),
        serde_json::Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// `change` applied to the `index`th node of a pre-order walk of `value`.
fn at_node(
    value: &mut serde_json::Value,
    index: &mut usize,
    change: &mut dyn FnMut(&mut serde_json::Value),
) -> bool {
    if *index == 0 {
        change(value);
        return true;
    }
    *index -= 1;
    match value {
        serde_json::Value::Array(items) => items.iter_mut().any(|v| at_node(v, index, change)),
        serde_json::Value::Object(map) => map.values_mut().any(|v| at_node(v, index, change)),
        _ => false,
    }
}

type Change = Box<dyn FnMut(&mut serde_json::Value)>;

fn edit_tree(value: &mut serde_json::Value, edits: &[TreeEdit]) {
    const RENAMED: &[&str] = &[
        "Request_headers",
        "waybill_case ",
        "",
        "profile\u{0}",
        "url",
    ];
    for edit in edits {
        let count = count_nodes(value);
        let (at, mut change): (usize, Change) = match *edit {
            TreeEdit::Replace(at, v) => (at, Box::new(move |node| *node = odd_value(v))),
            TreeEdit::Remove(at) => (
                at,
                Box::new(move |node| {
                    if let serde_json::Value::Object(map) = node {
                        if let Some(key) = map.keys().nth(at / count % map.len().max(1)).cloned() {
                            map.remove(&key);
                        }
                    }
                }),
            ),
            TreeEdit::Repeat(at, times) => (
                at,
                Box::new(move |node| {
                    if let serde_json::Value::Array(items) = node {
                        if let Some(first) = items.first().cloned() {
                            items.extend(std::iter::repeat_n(first, times));
                        }
                    }
                }),
            ),
            TreeEdit::Rename(at, k) => (
                at,
                Box::new(move |node| {
                    if let serde_json::Value::Object(map) = node {
                        if let Some(key) = map.keys().nth(k % map.len().max(1)).cloned() {
                            let moved = map.remove(&key).unwrap();
                            map.insert(RENAMED[k % RENAMED.len()].to_string(), moved);
                        }
                    }
                }),
            ),
        };
        at_node(value, &mut (at % count), &mut change);
    }
}

/// How a case file is changed after it is written: not at all, as a tree, as bytes.
#[derive(Debug, Clone)]
enum CaseEdits {
    None,
    Tree(Vec<TreeEdit>),
    Bytes(Vec<Edit>),
}

fn case_file() -> impl Strategy<Value = CaseCase> {
    let entry = (
        prop_oneof![
            5 => any::<usize>().prop_map(Some),
            1 => Just(None),
        ],
        prop::sample::select(CASE_NAMES),
        prop::sample::select(&["GET", "POST", "put", "", "GET`id`"][..]),
        prop::sample::select(
            &[
                "https://api.example/shipments?dry=1",
                "https://api.example/v1/a b",
                "",
                "{{host}}/x",
            ][..],
        ),
        prop::option::weighted(0.85, any::<u8>()),
        any::<bool>(),
    );
    let changes = prop_oneof![
        2 => Just(CaseEdits::None),
        3 => prop::collection::vec(tree_edit(), 1..4).prop_map(CaseEdits::Tree),
        2 => prop::collection::vec(edit(), 1..5).prop_map(CaseEdits::Bytes),
    ];
    (
        prop::collection::vec(case_profile_strategy(), 0..4),
        prop::collection::vec(entry, 0..5),
        secret(),
        any::<bool>(),
        changes,
    )
        .prop_map(|(profiles, entries, secret, pretty, changes)| {
            let names: Vec<String> = profiles.iter().map(|p| p.name.clone()).collect();
            let mut file_profiles = Profiles::default();
            for profile in profiles {
                let _ = file_profiles.add(profile);
            }
            let entries: Vec<Entry> = entries
                .into_iter()
                .map(|(used, stray, method, url, how, partner)| {
                    // Mostly a profile the file carries; sometimes one it does not.
                    let profile = match used {
                        Some(i) if !names.is_empty() => names[i % names.len()].as_str(),
                        _ => stray,
                    };
                    let how = how.map(|h| (secret.clone(), h));
                    case_entry(profile, method, url, how, partner)
                })
                .collect();
            let case = CaseFile::export(&entries, &file_profiles);
            let mut tree = serde_json::to_value(&case).unwrap();
            if let CaseEdits::Tree(edits) = &changes {
                edit_tree(&mut tree, edits);
            }
            let text = match pretty {
                true => serde_json::to_string_pretty(&tree).unwrap(),
                false => serde_json::to_string(&tree).unwrap(),
            };
            let mut bytes = text.into_bytes();
            if let CaseEdits::Bytes(edits) = &changes {
                mutate(&mut bytes, edits, JSON_TOKENS);
            }
            CaseCase {
                text: Bytes(bytes),
                secret,
            }
        })
}

fn case_random() -> impl Strategy<Value = CaseCase> {
    let text = prop_oneof![
        any::<String>().prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..1024),
        ".{0,64}".prop_map(|s| format!("{{\"waybill_case\": 1, {s}").into_bytes()),
    ];
    (text, secret()).prop_map(|(text, secret)| CaseCase {
        text: Bytes(text),
        secret,
    })
}

/// Where the secret may be in a case file: anything but its requests' `Authorization` headers
/// and the headers history already redacted (which a saved request never takes).
fn case_outside_authorization(case: &CaseFile) -> String {
    let mut rest = case.clone();
    for entry in &mut rest.requests {
        entry
            .request_headers
            .retain(|(n, v)| !n.eq_ignore_ascii_case("authorization") && !v.contains("[redacted]"));
    }
    format!("{rest:?}")
}

fn case_check(case: &CaseCase) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(&case.text.0);
    let secret = case.secret.as_str();
    let read = match CaseFile::from_json(&text) {
        Err(e) => {
            let shown = e.to_string();
            one_sentence("a case file refused", &shown)?;
            prop_assert!(
                !shown.contains(secret),
                "the refusal shows the secret: {shown}"
            );
            return Ok(());
        }
        Ok(read) => read,
    };
    let here = case_here();
    let planned = match plan::case(&read, &here) {
        Err(e) => {
            let shown = e.to_string();
            one_sentence("a case file's profile refused", &shown)?;
            prop_assert!(
                !shown.contains(secret),
                "the refusal shows the secret: {shown}"
            );
            return Ok(());
        }
        Ok(planned) => planned,
    };
    let mut after = here.clone();
    let added = planned.add_to(&mut after);
    prop_assert!(added.is_ok(), "the plan cannot be applied: {added:?}");
    for profile in here.iter() {
        prop_assert_eq!(
            after.get(&profile.name).ok(),
            Some(profile),
            "a profile here was replaced"
        );
    }
    for profile in &planned.add {
        prop_assert!(
            profile.validate().is_ok() && profile.name.len() <= 64,
            "a profile added cannot be loaded back: {:?}",
            profile.validate()
        );
        prop_assert!(
            profile.ca_certs.is_none() && profile.proxy.is_none() && !profile.no_proxy,
            "a case file brought its sender's network settings: {profile:?}"
        );
        prop_assert!(
            !profile.keyring_id.is_empty()
                && here.iter().all(|p| p.keyring_id != profile.keyring_id),
            "a profile added shares a keyring id: {}",
            profile.keyring_id
        );
    }
    let names: Vec<&str> = (planned.add.iter().map(|p| p.name.as_str()))
        .chain(planned.reused.iter().map(String::as_str))
        .collect();
    for (profile, saved) in &planned.saved {
        prop_assert!(
            names.contains(&profile.as_str()),
            "{profile} is neither added nor reused"
        );
        for (name, value) in &saved.request.headers {
            prop_assert!(
                !name.eq_ignore_ascii_case("authorization") && !value.contains("[redacted]"),
                "a saved request took the sender's credential header {name}"
            );
        }
    }
    if !case_outside_authorization(&read).contains(secret) {
        let shown = format!(
            "{planned:?} {}",
            serde_json::to_string(&planned.saved).unwrap()
        );
        prop_assert!(
            !shown.contains(secret),
            "the sender's Authorization reached the plan: {}",
            clipped(&shown, secret)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn case_files_are_read_or_refused_and_bring_no_authorization(
        case in prop_oneof![4 => case_file(), 1 => case_random()],
    ) {
        kept_if_failing("case", &case.text.0, || case_check(&case))?;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. The Bru language, through Bruno folders: the vendored collections (DEFRA's, Bruno's own
// OAuth 2.0 tests) written out whole, up to three of their files mutated (`{{vault}}` references
// among the tokens put in), sometimes a file of random bytes, a huge or deeply nested one beside
// them, and a secret in an environment's `vars:secret` variable and in `.env`. Read by
// `bruno::read` (every `.bru` file goes through the Bru parser), mapped, planned.
// ---------------------------------------------------------------------------------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import")
}

/// Every file under `dir`, as (path relative to `dir`, bytes), in name order.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                found.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    found.sort();
    found
}

type Files = Vec<(PathBuf, Vec<u8>)>;

/// The vendored Bruno collections, each as its files.
fn bruno_collections() -> &'static [Files] {
    static COLLECTIONS: OnceLock<Vec<Files>> = OnceLock::new();
    COLLECTIONS.get_or_init(|| {
        [
            "bruno-defra-waste-tracking/digitalWasteTrackingExternalAPI",
            "bruno-usebruno/collection_oauth2",
            "bruno-usebruno/keycloak-client-credentials",
        ]
        .iter()
        .map(|root| {
            let files = files_under(&fixtures().join(root));
            assert!(
                files.len() > 3,
                "{root}: the vendored collection is missing"
            );
            files
        })
        .collect()
    })
}

/// Tokens mutations put into `.bru` files: the language's own, blocks, references to the secret.
const BRU_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "'''",
    "~",
    ":",
    "\n",
    "\r\n",
    " {\n",
    "\n}\n",
    "  ",
    "\n  ",
    ",",
    "vars:secret [",
    "vars {\n",
    "vars:pre-request {\n",
    "auth:oauth2 {\n",
    "auth {\n  mode: oauth2\n}\n",
    "body:json {\n",
    "body:form-urlencoded {\n",
    "meta {\n",
    "headers {\n",
    "get {\n  url: ",
    "post {\n",
    "script:pre-request {\n",
    "docs {\n",
    "tests {\n",
    "{{vault}}",
    "{{process.env.VAULT}}",
    "{{",
    "}}",
    "\u{feff}",
    "é",
    "😀",
    "\u{0}",
    "seq: 99999999999999999999999\n",
    "mode: oauth2\n",
    "grant_type: password\n",
    "grant_type: client_credentials\n",
    "client_secret: {{vault}}\n",
    "access_token_url: https://auth.example/token\n",
    "Authorization: Bearer {{vault}}\n",
    "name: ",
    "url: ",
    "x {}",
    "a [b, ~c]",
];

/// An extra file beside the collection's: random bytes, a huge one, a deeply nested one.
fn bru_extra() -> impl Strategy<Value = Option<(String, Vec<u8>)>> {
    let name = prop::sample::select(
        &[
            "extra.bru",
            "folder.bru",
            "collection.bru",
            "environments/extra.bru",
            "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/deep.bru",
            ".env",
        ][..],
    );
    let content = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        any::<String>().prop_map(String::into_bytes),
        (1usize..20_000).prop_map(|n| "x {\n".repeat(n).into_bytes()),
        (1usize..20_000).prop_map(|n| "vars:secret [\n".repeat(n).into_bytes()),
        (1usize..200_000)
            .prop_map(|n| format!("get {{\n  url: {}\n}}\n", "{{a}}".repeat(n)).into_bytes()),
        (1usize..5_000)
            .prop_map(|n| format!("body:json {{\n{}\n}}\n", "[{".repeat(n)).into_bytes()),
    ];
    prop::option::weighted(0.3, (name, content).prop_map(|(n, c)| (n.to_string(), c)))
}

#[derive(Debug, Clone)]
struct BruCase {
    collection: usize,
    /// (index of a file of the collection, its edits).
    mutated: Vec<(usize, Vec<Edit>)>,
    extra: Option<(String, Bytes)>,
    secret: String,
}

fn bru_case() -> impl Strategy<Value = BruCase> {
    let count = bruno_collections().len();
    (
        0..count,
        prop::collection::vec((any::<usize>(), prop::collection::vec(edit(), 1..6)), 0..4),
        bru_extra(),
        secret(),
    )
        .prop_map(|(collection, mutated, extra, secret)| BruCase {
            collection,
            mutated,
            extra: extra.map(|(name, bytes)| (name, Bytes(bytes))),
            secret,
        })
}

/// Write the case's folder: the collection, its mutations, the extra file, the secret's homes.
/// Returns the mutated files' bytes (what a failure keeps).
fn bru_write(root: &Path, case: &BruCase) -> Vec<u8> {
    let files = &bruno_collections()[case.collection];
    let mut contents: Vec<(PathBuf, Vec<u8>)> = files.clone();
    let mut kept = Vec::new();
    for (index, edits) in &case.mutated {
        let (path, bytes) = &mut contents[index % files.len()];
        mutate(bytes, edits, BRU_TOKENS);
        kept.extend_from_slice(format!("\n=== {} ===\n", path.display()).as_bytes());
        kept.extend_from_slice(bytes);
    }
    if let Some((name, Bytes(bytes))) = &case.extra {
        contents.push((PathBuf::from(name), bytes.clone()));
        kept.extend_from_slice(format!("\n=== extra {name} ===\n").as_bytes());
        kept.extend_from_slice(bytes);
    }
    let secret = &case.secret;
    let home = format!(
        "vars {{\n  host: https://api.example\n  vault: {secret}\n}}\nvars:secret [\n  vault\n]\n"
    );
    contents.push(("environments/zz-home.bru".into(), home.into_bytes()));
    match contents.iter_mut().find(|(p, _)| p == Path::new(".env")) {
        Some((_, env)) => env.extend_from_slice(format!("\nVAULT={secret}\n").as_bytes()),
        None => contents.push((".env".into(), format!("VAULT={secret}\n").into_bytes())),
    }
    for (path, bytes) in contents {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    kept
}

/// A mapped collection keeps the secret out of everything it saves or shows, and of its plan.
fn keeps_secret_out(imported: &Imported, secret: &str) -> Result<(), TestCaseError> {
    let shown = [
        serde_json::to_string(imported).unwrap(),
        format!("{imported:?}"),
    ];
    for text in &shown {
        prop_assert!(
            !text.contains(secret),
            "the secret is in what the import shows: {}",
            clipped(text, secret)
        );
    }
    for (name, value) in &imported.variables {
        prop_assert!(
            !value.contains(secret) && !name.contains(secret),
            "the secret is in the variable {name:?}"
        );
    }
    if let Ok(plan) = plan::imported::<WorkspaceError>(imported, None, &Profiles::default()) {
        let text = format!("{} {:?}", serde_json::to_string(&plan).unwrap(), plan.add);
        prop_assert!(
            !text.contains(secret),
            "the secret is in the plan: {}",
            clipped(&text, secret)
        );
    }
    Ok(())
}

fn bru_check(root: &Path, case: &BruCase) -> Result<(), TestCaseError> {
    let secret = case.secret.as_str();
    match bruno::read(root) {
        Ok(read) => keeps_secret_out(&collection::map(read), secret)?,
        Err(e) => {
            let shown = e.to_string();
            one_sentence("a Bruno folder refused", &shown)?;
            prop_assert!(
                !shown.contains(secret),
                "the refusal shows the secret: {shown}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn bruno_folders_of_real_bru_files_mutated_are_read_and_keep_their_secret_aside(
        case in bru_case(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("collection");
        let kept = bru_write(&root, &case);
        kept_if_failing("bru", &kept, || bru_check(&root, &case))?;
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Every importer on real files: the vendored OpenAPI, Postman (with their environments),
// Insomnia and HAR files of up to 64 KB, mutated as JSON and YAML, through `import_file`
// (format detection, then the importer) and the plan.
// ---------------------------------------------------------------------------------------------

/// The vendored import files small enough to mutate many times a second.
fn import_fixtures() -> &'static [(String, Vec<u8>)] {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut found: Vec<(String, Vec<u8>)> = files_under(&fixtures())
            .into_iter()
            .chain(files_under(
                &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/har"),
            ))
            .filter(|(path, bytes)| {
                let name = path.to_string_lossy();
                bytes.len() <= 64 * 1024
                    && !name.starts_with("bruno-")
                    && [".json", ".yaml", ".yml", ".har"]
                        .iter()
                        .any(|ext| name.ends_with(ext))
            })
            .map(|(path, bytes)| {
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    bytes,
                )
            })
            .collect();
        found.sort();
        assert!(found.len() >= 10, "the vendored import files are missing");
        found
    })
}

const YAML_TOKENS: &[&str] = &[
    "- ",
    ": ",
    "&a ",
    "*a",
    "&a [*a, *a, *a, *a]\n",
    "!!binary ",
    "<<: *a\n",
    "---\n",
    "...\n",
    "? ",
    "|\n",
    ">-\n",
    "\t",
    "'",
    "\"",
    "#",
    "  ",
    "\n",
    "{",
    "}",
    "[",
    "]",
    "openapi: 3.0.0\n",
    "swagger: '2.0'\n",
    "$ref: '#/components/schemas/A'\n",
    "~",
    "!!int 1e99999",
    "%YAML 1.2\n",
];

#[derive(Debug, Clone)]
struct ImportCase {
    file: usize,
    edits: Vec<Edit>,
    yaml: bool,
    /// A Postman environment file beside it, maybe mutated too.
    environment: Option<(usize, Vec<Edit>)>,
    live: bool,
}

fn import_case() -> impl Strategy<Value = ImportCase> {
    let count = import_fixtures().len();
    (
        0..count,
        edits(6),
        any::<bool>(),
        prop::option::weighted(0.3, (0..count, edits(2))),
        any::<bool>(),
    )
        .prop_map(|(file, edits, yaml, environment, live)| ImportCase {
            file,
            edits,
            yaml,
            environment,
            live,
        })
}

/// Write the case's file (and environment) into `dir`: (the file, the environment, its bytes).
fn import_write(dir: &Path, case: &ImportCase) -> (PathBuf, Option<PathBuf>, Vec<u8>) {
    let write = |index: usize, edits: &[Edit], yaml: bool, as_name: Option<&str>| {
        let (name, bytes) = &import_fixtures()[index];
        let mut bytes = bytes.clone();
        let tokens = if yaml { YAML_TOKENS } else { JSON_TOKENS };
        mutate(&mut bytes, edits, tokens);
        let path = dir.join(as_name.unwrap_or(name));
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes)
    };
    let (path, bytes) = write(case.file, &case.edits, case.yaml, None);
    let environment = (case.environment.as_ref())
        .map(|(index, edits)| write(*index, edits, false, Some("environment.json")).0);
    (path, environment, bytes)
}

fn import_check(path: &Path, environment: Option<&Path>, live: bool) -> Result<(), TestCaseError> {
    match import_file(path, live, environment) {
        Ok(imported) => {
            let _ = plan::imported::<WorkspaceError>(&imported, None, &Profiles::default());
            let _ = format!("{imported:?}");
        }
        Err(e) => one_sentence("an import refused", &e.to_string())?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn real_import_files_mutated_are_read_or_refused(case in import_case()) {
        let dir = tempfile::tempdir().unwrap();
        let (path, environment, bytes) = import_write(dir.path(), &case);
        kept_if_failing("import-files", &bytes, || {
            import_check(&path, environment.as_deref(), case.live)
        })?;
    }
}

// ---------------------------------------------------------------------------------------------
// 5. The loopback listener's request reading, over real sockets: a bound `Listener` waits for
// this attempt's state while up to four connections bring it well-formed requests with near-miss
// states (percent-encoded, repeated, in the body), pipelined requests, oversized heads and
// bodies, lying `Content-Length`s, valid redirects mutated, random bytes, each written in random
// pieces; then the real redirect. A code or token in them is a secret the reply must not echo.
// ---------------------------------------------------------------------------------------------

const STATE: &str = "Fz7pQ2-xN9_wL4kV8mB3";
/// How long the listener may take to answer or close: far under its 10 s read timeout, so "it
/// answered" never means "it gave up on a slow connection".
const PROMPT: Duration = Duration::from_secs(8);
/// Put in error descriptions: echoed, it must be escaped in an HTML reply.
const INJECTED: &str = "<b id=inj>";

/// Panics on tokio's worker threads, where the listener serves connections (its tasks' panics
/// are swallowed: the browser tab just gets no answer).
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

/// Could the listener read `state=STATE` from these bytes? Any stretch between whitespace,
/// `?`, `#` and `&` that decodes to it, in the bytes or in a body as a `Content-Length` cuts it
/// (from any line start, for any length given): more than the listener reads (the target's
/// query, the body up to its length), never less. Nothing else may sign in.
fn could_carry_state(bytes: &[u8]) -> bool {
    let carries = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .split(|c: char| c.is_whitespace() || matches!(c, '?' | '#' | '&'))
            .any(|piece| {
                parse_params(piece)
                    .iter()
                    .any(|(k, v)| k == "state" && v == STATE)
            })
    };
    if carries(bytes) {
        return true;
    }
    let text = String::from_utf8_lossy(bytes);
    let lengths: std::collections::BTreeSet<usize> = (text.lines())
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .filter_map(|(_, value)| value.trim().parse().ok())
        .collect();
    let starts = (1..bytes.len()).filter(|&i| bytes[i - 1] == b'\n');
    starts
        .flat_map(|start| lengths.iter().map(move |&len| (start, len)))
        .any(|(start, len)| carries(&bytes[start..(start + len).min(bytes.len())]))
}

/// A `state` near this attempt's: a prefix, longer, one character off, another case, encoded
/// (the right one, which counts), empty, random.
fn near_state() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..STATE.len()).prop_map(|n| STATE[..n].to_string()),
        "[a-zA-Z0-9]{1,3}".prop_map(|s| format!("{STATE}{s}")),
        (0..STATE.len(), "[a-zA-Z0-9]").prop_map(|(i, c)| {
            let mut s = STATE.as_bytes().to_vec();
            s[i] = if s[i] == c.as_bytes()[0] {
                b'#'
            } else {
                c.as_bytes()[0]
            };
            String::from_utf8_lossy(&s).into_owned()
        }),
        Just(STATE.to_lowercase()),
        Just(
            STATE
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        ),
        Just(STATE.replace('-', "%2d")),
        Just(format!("{STATE}%00")),
        Just(format!("{STATE}+")),
        Just(STATE.to_string()),
        "[a-zA-Z0-9_%+-]{0,24}",
    ]
}

/// Redirect parameters: states, a code or token (the case's secret), errors, others.
fn redirect_params(secret: String) -> impl Strategy<Value = String> {
    let param = prop_oneof![
        3 => near_state().prop_map(|s| format!("state={s}")),
        2 => Just(format!("code={secret}")),
        1 => Just(format!("access_token={secret}&token_type=Bearer")),
        1 => Just(format!("error=access_denied&error_description={INJECTED}+no")),
        1 => "[a-z_]{1,10}=[a-zA-Z0-9+%._-]{0,20}",
        1 => Just("State=x&STATE=y&state%00=z".to_string()),
    ];
    prop::collection::vec(param, 0..6).prop_map(|p| p.join("&"))
}

fn headers() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => "[A-Za-z-]{1,20}: [ -~]{0,40}",
        1 => Just("Transfer-Encoding: chunked".to_string()),
        1 => Just("Content-Length: 99999999999999999999999".to_string()),
        1 => Just("Content-Length: -1".to_string()),
        1 => Just("Content-Length: 70000".to_string()),
        1 => Just("Content-Length:  12 ".to_string()),
        1 => Just("Expect: 100-continue".to_string()),
        1 => Just(format!("X-Huge: {}", "h".repeat(17 * 1024))),
        1 => Just("Bad Header Line".to_string()),
    ];
    prop::collection::vec(line, 0..5)
        .prop_map(|h| h.iter().map(|line| format!("{line}\r\n")).collect())
}

/// A request as a browser, a stale tab or a forger sends one (complete: it can be answered
/// without the client closing its side first).
fn http_request(secret: String) -> impl Strategy<Value = (Vec<u8>, bool)> {
    let method = prop_oneof![
        4 => Just("GET"),
        3 => Just("POST"),
        1 => Just("HEAD"),
        1 => Just("get"),
        1 => Just("PUT"),
        1 => Just("OPTIONS"),
    ];
    let path = prop_oneof![
        6 => Just("/callback"),
        1 => Just("/"),
        1 => Just("/favicon.ico"),
        1 => Just("/callback/"),
        1 => Just("/Callback"),
        1 => Just("/callback%2F"),
        1 => Just("http://127.0.0.1/callback"),
    ];
    let version = prop_oneof![8 => Just("HTTP/1.1"), 1 => Just("HTTP/1.0"), 1 => Just("HTTP/2.0")];
    (
        method,
        path,
        redirect_params(secret.clone()),
        redirect_params(secret),
        version,
        headers(),
        prop::option::weighted(0.2, -20i64..20),
        prop_oneof![Just(""), Just("#frag"), Just("?"), Just("??")],
    )
        .prop_map(|(method, path, query, body, version, headers, off, tail)| {
            let target = match query.is_empty() {
                true => format!("{path}{tail}"),
                false => format!("{path}?{query}{tail}"),
            };
            let body = if method == "GET" { String::new() } else { body };
            let length = match off {
                None => body.len(),
                Some(off) => (body.len() as i64 + off).max(0) as usize,
            };
            let complete = length <= body.len() && !headers.contains("Content-Length");
            let head = format!("{method} {target} {version}\r\nHost: 127.0.0.1\r\n{headers}");
            let bytes = format!("{head}Content-Length: {length}\r\n\r\n{body}").into_bytes();
            (bytes, complete)
        })
}

/// The right redirect, by query and as a posted fragment, the code or token the secret.
fn valid_redirects(secret: &str, code: &str) -> [Vec<u8>; 2] {
    let body = format!("access_token={secret}&token_type=Bearer&state={STATE}&code={code}");
    [
        format!("GET /callback?code={code}&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .into_bytes(),
        format!(
            "POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    ]
}

const HTTP_TOKENS: &[&str] = &[
    "\r\n",
    "\r\n\r\n",
    "\n",
    " ",
    ":",
    "?",
    "&",
    "=",
    "#",
    "%",
    "%00",
    "+",
    "state=",
    "code=",
    "Content-Length: 5\r\n",
    "GET /callback?",
    "HTTP/1.1",
    "\u{0}",
    "é",
];

#[derive(Debug, Clone)]
struct Connection {
    bytes: Bytes,
    /// Where the bytes are cut into separate writes.
    cuts: Vec<usize>,
    /// Keep the writing side open: only for complete requests, which must be answered as they
    /// are (anything else is half-closed, or it would wait for the listener's read timeout).
    keep_open: bool,
}

fn connection(secret: String) -> impl Strategy<Value = Connection> {
    let [get, post] = valid_redirects(&secret, &secret);
    let pipelined = (http_request(secret.clone()), http_request(secret.clone()))
        .prop_map(|((a, _), (b, _))| ([a, b].concat(), false));
    let oversized = (1usize..8).prop_map(|n| {
        let line = format!(
            "GET /callback?state=x&pad={} HTTP/1.1\r\n\r\n",
            "p".repeat(n * 9 * 1024)
        );
        (line.into_bytes(), false)
    });
    let mutated = (
        prop_oneof![Just(get), Just(post)],
        prop::collection::vec(edit(), 1..4),
    )
        .prop_map(|(mut bytes, edits)| {
            mutate(&mut bytes, &edits, HTTP_TOKENS);
            (bytes, false)
        });
    let request = prop_oneof![
        6 => http_request(secret),
        2 => pipelined,
        1 => oversized,
        3 => mutated,
        2 => prop::collection::vec(any::<u8>(), 0..2048).prop_map(|b| (b, false)),
    ];
    (
        request,
        prop::collection::vec(any::<usize>(), 0..4),
        any::<bool>(),
    )
        .prop_map(|((bytes, complete), cuts, keep_open)| Connection {
            bytes: Bytes(bytes),
            cuts,
            keep_open: complete && keep_open,
        })
}

#[derive(Debug, Clone)]
struct LoopbackCase {
    connections: Vec<Connection>,
    secret: String,
    /// The connections go one after the other, or all at once.
    together: bool,
}

fn loopback_case() -> impl Strategy<Value = LoopbackCase> {
    (secret(), any::<bool>()).prop_flat_map(|(secret, together)| {
        prop::collection::vec(connection(secret.clone()), 1..5).prop_map(move |connections| {
            LoopbackCase {
                connections,
                secret: secret.clone(),
                together,
            }
        })
    })
}

/// What came back on one connection.
#[derive(Debug)]
struct Reply {
    status: Option<u16>,
    html: bool,
    body: String,
}

impl Reply {
    fn signed_in(&self) -> bool {
        self.status == Some(200) && self.body.contains("Signed in")
    }
}

/// Write `connection`'s bytes in pieces, then read until the listener closes (or resets) it.
async fn exchange(addr: SocketAddr, connection: &Connection) -> Result<Reply, String> {
    let mut stream = tokio::time::timeout(PROMPT, TcpStream::connect(addr))
        .await
        .map_err(|_| "connecting to the listener hung".to_string())?
        .map_err(|e| format!("the listener refused a connection while waiting: {e}"))?;
    let _ = stream.set_nodelay(true);
    let bytes = &connection.bytes.0;
    let mut cuts: Vec<usize> = connection
        .cuts
        .iter()
        .map(|c| c % (bytes.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut from = 0;
    for to in cuts.into_iter().chain([bytes.len()]) {
        let written = tokio::time::timeout(PROMPT, stream.write_all(&bytes[from..to])).await;
        match written {
            Err(_) => {
                return Err("the listener stopped reading but kept the connection open".into())
            }
            Ok(Err(_)) => break, // it closed on us (an oversized head): read what it said
            Ok(Ok(())) => {}
        }
        from = to;
        tokio::task::yield_now().await;
    }
    if !connection.keep_open {
        let _ = stream.shutdown().await;
    }
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match tokio::time::timeout(PROMPT, stream.read(&mut chunk)).await {
            Err(_) => {
                return Err(format!(
                    "the listener neither answered nor closed within {PROMPT:?} (got {} bytes)",
                    raw.len()
                ))
            }
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => raw.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Ok(Reply {
        status: head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok()),
        html: head.contains("text/html"),
        body: body.to_string(),
    })
}

fn reply_check(carries: bool, reply: &Reply, secret: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        carries || !reply.signed_in(),
        "a request without this attempt's state was answered 'Signed in': {reply:?}"
    );
    prop_assert!(
        !reply.body.contains(secret),
        "the reply echoes the code or token: {reply:?}"
    );
    prop_assert!(
        !(reply.html && reply.body.contains(INJECTED)),
        "an HTML reply shows the request's text unescaped: {reply:?}"
    );
    Ok(())
}

async fn loopback_run(case: &LoopbackCase) -> Result<(), TestCaseError> {
    watch_server_panics();
    // Worked out first: the wait's time is for the listener.
    let carries: Vec<bool> = (case.connections.iter())
        .map(|c| could_carry_state(&c.bytes.0))
        .collect();
    let carried = carries.contains(&true);
    let listener = Listener::bind(&RedirectUri::default())
        .await
        .map_err(|e| TestCaseError::fail(format!("the listener did not bind: {e}")))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], listener.redirect_uri().port));
    let wait = tokio::spawn(async move {
        listener
            .wait(STATE, Duration::from_secs(120), std::future::pending())
            .await
    });
    let secret = case.secret.as_str();
    let replies: Vec<Result<Reply, String>> = match case.together {
        true => {
            let all = case.connections.iter().map(|c| exchange(addr, c));
            futures_util::future::join_all(all).await
        }
        false => {
            let mut replies = Vec::new();
            for connection in &case.connections {
                replies.push(exchange(addr, connection).await);
                if wait.is_finished() {
                    break;
                }
            }
            replies
        }
    };
    for (&carries, reply) in carries.iter().zip(replies) {
        match reply {
            // The wait ended (a carried state signed in) and closed the port.
            Err(e) if e.contains("refused") && carried => {}
            Err(e) => prop_assert!(false, "{e}"),
            Ok(reply) => reply_check(carries, &reply, secret)?,
        }
    }
    // The real redirect: it signs in, unless something carrying the state got there first.
    let real = Connection {
        bytes: Bytes(valid_redirects(secret, "real")[0].clone()),
        cuts: Vec::new(),
        keep_open: true,
    };
    let follow_up = match wait.is_finished() {
        true => None,
        false => exchange(addr, &real).await.ok(),
    };
    let outcome = tokio::time::timeout(PROMPT, wait)
        .await
        .map_err(|_| TestCaseError::fail("the wait did not end after the real redirect"))?
        .map_err(|e| TestCaseError::fail(format!("the wait panicked: {e}")))?;
    prop_assert_eq!(
        SERVER_PANICS.load(Ordering::SeqCst),
        0,
        "a connection handler panicked"
    );
    match outcome {
        Ok(redirect) => {
            let shown = format!("{redirect:?}");
            // Names only (a mutation may have made the secret part of a name: `access_token<S`).
            let in_a_name = redirect.params.iter().any(|(k, _)| k.contains(secret));
            prop_assert!(
                in_a_name || !shown.contains(secret),
                "Debug shows a value: {shown}"
            );
            prop_assert_eq!(redirect.get("state"), Some(STATE));
            if redirect.get("code") == Some("real") {
                prop_assert!(
                    follow_up.as_ref().is_some_and(Reply::signed_in),
                    "the real redirect's tab was not told it signed in: {follow_up:?}"
                );
            } else {
                prop_assert!(carried, "a sign-in without this attempt's state: {shown}");
            }
        }
        Err(LoopbackError::Refused { .. }) if carried => {}
        Err(e) => prop_assert!(
            false,
            "the wait ended with '{e}' instead of taking the real redirect"
        ),
    }
    Ok(())
}

fn loopback_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn loopback_listener_answers_or_closes_and_takes_only_its_own_state(case in loopback_case()) {
        let sent: Vec<u8> = case
            .connections
            .iter()
            .flat_map(|c| [c.bytes.0.as_slice(), b"\n=== next connection ===\n"].concat())
            .collect();
        kept_if_failing("loopback", &sent, || loopback_runtime().block_on(loopback_run(&case)))?;
    }
}
