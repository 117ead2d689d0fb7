//! Emulators of the carriers' and marketplaces' documented dialects, one per built-in preset that
//! Waybill ships for them (`src-tauri/core/presets/*.toml`), each on its own [`Emulator`].
//!
//! Each answers the provider's own paths (the preset's), so a test points a profile at it with
//! `--token-url`/`--refresh-url`/`--api-base` (or `--base-url` for Shopify) and the paths Waybill
//! uses are still the preset's. Each checks what the provider's documentation says it accepts
//! (client authentication, HTTP Basic raw or form-encoded, JSON or form body, required headers,
//! where the token or key goes on API calls) and refuses the rest the way the provider does, in
//! its documented error shape where the documentation gives one. The module doc of each provider
//! names its sources (the research notes behind the presets) and says which refusals are the
//! documentation's and which are this emulator's own choice where the documentation is silent.
//!
//! Tokens are short-lived on purpose ([`Account::lifetime`]) and refused once expired, by the
//! clock of the emulator, so a test can sleep past a lifetime and count the renewals.
//!
//! Test hook shared by every emulator (no provider documents it): a request whose query has
//! `redirect_to=URL` is answered `302 Found` to that URL before anything else, so tests can check
//! which headers follow a redirect to the same origin or to another one.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::emulator::{Emulator, Recorded, Reply};

pub mod amazon;
pub mod dhl;
pub mod easypost;
pub mod ebay;
pub mod etsy;
pub mod fedex;
pub mod sendcloud;
pub mod shipengine;
pub mod shippo;
pub mod shopify;
pub mod ups;
pub mod usps;
pub mod walmart;
pub mod zalando;

/// Characters that RFC 6749's form-encoding of HTTP Basic credentials changes (`+`, `/`, `=`, a
/// space, `%`): a client secret with them tells raw Basic from form-encoded Basic, and a form
/// body or JSON body that mangles them is refused as a wrong secret.
pub const TRICKY: &str = "+/= %";

/// What a provider handed the person who connects it, and how long its tokens live.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: String,
    /// Ends with [`TRICKY`]; [`Account::secret_core`] is the distinctive part to search for.
    pub client_secret: String,
    /// An API key (ShipEngine, EasyPost, Shippo) or Etsy's shared secret.
    pub api_key: String,
    /// A resource owner (DHL's business portal user).
    pub username: String,
    pub password: String,
    /// How long an access token lives here.
    pub lifetime: Duration,
}

impl Account {
    /// Fresh, distinctive credentials for `provider`; tokens live `lifetime_secs`.
    pub fn new(provider: &str, lifetime_secs: u64) -> Account {
        Account {
            client_id: format!("{provider}-client-{}", hex(8)),
            client_secret: format!("{provider}-secret-{}{TRICKY}", hex(16)),
            api_key: format!("{provider}-key-{}", hex(20)),
            username: format!("{provider}-user-{}", hex(4)),
            password: format!("{provider}-pass-{}{TRICKY}", hex(12)),
            lifetime: Duration::from_secs(lifetime_secs),
        }
    }

    /// The client secret without its tricky tail: found in a file whatever encoding put it there.
    pub fn secret_core(&self) -> &str {
        self.client_secret.trim_end_matches(TRICKY)
    }

    pub fn password_core(&self) -> &str {
        self.password.trim_end_matches(TRICKY)
    }
}

/// The tokens an emulator handed out and when each stops working (by the emulator's clock).
#[derive(Debug, Default)]
pub struct Book {
    inner: Mutex<BookInner>,
}

#[derive(Debug, Default)]
struct BookInner {
    access: Vec<(String, Instant)>,
    /// Refresh tokens and whether each was spent (a rotating provider's are single-use).
    refresh: Vec<(String, bool)>,
}

impl Book {
    fn lock(&self) -> std::sync::MutexGuard<'_, BookInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep `token` as valid for `lifetime` from now; returns it.
    pub fn issue(&self, token: String, lifetime: Duration) -> String {
        self.lock()
            .access
            .push((token.clone(), Instant::now() + lifetime));
        token
    }

    /// Handed out here and not expired.
    pub fn is_valid(&self, token: &str) -> bool {
        let now = Instant::now();
        (self.lock().access.iter()).any(|(t, until)| t == token && *until > now)
    }

    /// The token stops working now (revoked).
    pub fn revoke(&self, token: &str) {
        let now = Instant::now();
        let mut inner = self.lock();
        for (t, until) in inner.access.iter_mut() {
            if t == token {
                *until = now;
            }
        }
        for (t, spent) in inner.refresh.iter_mut() {
            if t == token {
                *spent = true;
            }
        }
    }

    /// Every access token handed out, in order.
    pub fn access_tokens(&self) -> Vec<String> {
        self.lock().access.iter().map(|(t, _)| t.clone()).collect()
    }

    /// A refresh token the provider will honour (as if a person had authorized the app).
    pub fn add_refresh(&self, token: String) -> String {
        self.lock().refresh.push((token.clone(), false));
        token
    }

    /// Spend `token`: true when it was known and unspent. With `single_use` it is spent now.
    pub fn use_refresh(&self, token: &str, single_use: bool) -> bool {
        let mut inner = self.lock();
        match inner.refresh.iter_mut().find(|(t, _)| t == token) {
            Some((_, spent)) if !*spent => {
                *spent = single_use;
                true
            }
            _ => false,
        }
    }

    pub fn refresh_tokens(&self) -> Vec<String> {
        self.lock().refresh.iter().map(|(t, _)| t.clone()).collect()
    }
}

/// A running emulator of one provider, with the account it knows and the tokens it issued.
pub struct Carrier {
    pub emulator: Emulator,
    pub account: Account,
    pub book: Arc<Book>,
}

impl Carrier {
    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        self.emulator.base()
    }

    pub fn url(&self, path: &str) -> String {
        self.emulator.url(path)
    }

    pub fn count(&self, path: &str) -> usize {
        self.emulator.count(path)
    }

    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.emulator.requests_to(path)
    }

    /// Everything that must never be found outside the keyring (and the provider): the client
    /// secret (its distinctive part), the password, the API key, every token handed out.
    pub fn secrets(&self) -> Vec<String> {
        let a = &self.account;
        let mut all = vec![
            a.client_secret.clone(),
            a.secret_core().to_string(),
            a.password_core().to_string(),
            a.api_key.clone(),
            // What HTTP Basic would carry, raw and form-encoded.
            STANDARD.encode(format!("{}:{}", a.client_id, a.client_secret)),
            STANDARD.encode(format!("{}:", a.api_key)),
        ];
        all.extend(self.book.access_tokens());
        all.extend(self.book.refresh_tokens());
        all
    }
}

/// Start an emulator whose requests go to `script`, behind the shared `redirect_to` test hook.
pub(crate) async fn serve<F>(account: Account, book: Arc<Book>, script: F) -> Carrier
where
    F: Fn(&Recorded) -> Reply + Send + Sync + 'static,
{
    let emulator = Emulator::start(
        move |req: &Recorded| match query_param(req, "redirect_to") {
            Some(to) => Reply::status(302).header("location", &to),
            None => script(req),
        },
    )
    .await;
    Carrier {
        emulator,
        account,
        book,
    }
}

/// `n` random bytes as lowercase hex (2n characters), never the same twice in a process.
pub fn hex(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(n * 2);
    while out.len() < n * 2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(since_epoch().as_nanos());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n * 2);
    out
}

/// A fresh version-4-looking UUID.
pub fn uuid() -> String {
    let h = hex(16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Whether `text` is a GUID in the 8-4-4-4-12 hex form.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn since_epoch() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

pub fn now_secs() -> i64 {
    since_epoch().as_secs() as i64
}

pub fn now_ms() -> i64 {
    since_epoch().as_millis() as i64
}

/// A JWT with these claims (signature not meant to be checked): what FedEx, USPS and Zalando
/// hand out. Waybill takes the expiry from its `exp`.
pub fn jwt(alg: &str, claims: serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.{}", URL_SAFE_NO_PAD.encode(hex(32)))
}

/// The `exp` of a token living `lifetime` from now, rounded up to the second.
pub fn exp_after(lifetime: Duration) -> i64 {
    now_secs() + lifetime.as_secs() as i64
}

/// The id and secret of `Authorization: Basic ...` as decoded, split at the first `:` (a raw
/// secret may hold `:` itself; a form-encoded one arrives still encoded).
pub fn basic(req: &Recorded) -> Option<(String, String)> {
    let value = req.header("authorization")?;
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// HTTP Basic with the id and secret as they are (UPS, eBay, Walmart, Zalando, Sendcloud).
pub fn basic_is_raw(req: &Recorded, account: &Account) -> bool {
    basic(req)
        .is_some_and(|(id, secret)| id == account.client_id && secret == account.client_secret)
}

/// The token request's fields: a JSON object of strings, or a form body.
pub fn fields(req: &Recorded) -> BTreeMap<String, String> {
    match req.media_type() {
        Some("application/json") => match req.json() {
            Ok(serde_json::Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
            _ => BTreeMap::new(),
        },
        _ => req.form().into_iter().collect(),
    }
}

pub fn is_form(req: &Recorded) -> bool {
    req.media_type() == Some("application/x-www-form-urlencoded")
}

pub fn is_json(req: &Recorded) -> bool {
    req.media_type() == Some("application/json")
}

/// One query parameter, decoded.
pub fn query_param(req: &Recorded, name: &str) -> Option<String> {
    let query = req.query.as_deref()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `Authorization: Bearer <token>` with a token this emulator handed out and that is still valid.
pub fn valid_bearer(req: &Recorded, book: &Book) -> bool {
    req.bearer().is_some_and(|t| book.is_valid(t))
}

/// A header holding a token this emulator handed out that is still valid.
pub fn valid_in(req: &Recorded, header: &str, book: &Book) -> bool {
    req.header(header).is_some_and(|t| book.is_valid(t))
}

/// Answers for paths this emulator does not serve.
pub fn not_found(req: &Recorded) -> Reply {
    Reply::json(
        404,
        serde_json::json!({"emulator": format!("no such path: {} {}", req.method, req.path)}),
    )
}
