//! Session benchmarks: the cached-token hot path, the per-request overhead of `Session::send`
//! over a bare reqwest GET, and single-flight renewal under 100 concurrent callers.
//!
//! Everything runs against axum servers on 127.0.0.1 (port 0), with `Vault::in_memory()` and a
//! `ManualClock`, on one multi-thread tokio runtime. See bench/README.md.
//!
//! Run: `cargo bench -p waybill-core --bench session`

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tokio::runtime::Runtime;

use waybill_core::{
    ApiRequest, ClientAuth, ClientSecret, Grant, ManualClock, Net, Profile, Session, TokenSource,
    Vault,
};

/// Lifetime of every token the bench server hands out.
const TOKEN_LIFETIME_SECS: i64 = 3600;
/// Concurrent callers in the single-flight bench.
const CALLERS: usize = 100;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A token endpoint (`POST /token`, answers at once, counts requests) and an API (`GET /ping`,
/// 200 with a 4-byte body), on one random port of 127.0.0.1.
struct Server {
    base: String,
    token_requests: Arc<AtomicUsize>,
}

impl Server {
    async fn start() -> Self {
        let token_requests = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/token", post(token))
            .route("/ping", get(|| async { "pong" }))
            .with_state(token_requests.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server {
            base,
            token_requests,
        }
    }

    fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }
}

async fn token(State(count): State<Arc<AtomicUsize>>) -> Json<serde_json::Value> {
    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
    Json(serde_json::json!({
        "access_token": format!("bench-token-{n}"),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
    }))
}

fn profile(server: &Server, name: &str) -> Profile {
    Profile {
        name: name.into(),
        keyring_id: format!("{name}-bench"),
        grant: Grant::ClientCredentials,
        token_url: Some(format!("{}/token", server.base)),
        client_id: "bench-client".into(),
        client_auth: ClientAuth::Form,
        scope: None,
        params: BTreeMap::new(),
        api_base: Some(server.base.clone()),
        headers: BTreeMap::new(),
        username: None,
        remember_password: false,
        preset: None,
        environment: None,
        ..Profile::default()
    }
}

fn clock() -> Arc<ManualClock> {
    let start: DateTime<Utc> = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    Arc::new(ManualClock::new(start))
}

/// A session over an in-memory vault holding the profile's client secret.
async fn session(profile: &Profile, clock: Arc<ManualClock>) -> Session {
    let vault = Vault::in_memory();
    vault
        .set_client_secret(&profile.keyring_id, &ClientSecret::new("bench-secret"))
        .await
        .unwrap();
    Session::new(vault, Net::default(), clock)
}

/// A server, a profile and a session whose token is fetched once and now cached.
async fn warm_session(name: &str, clock: Arc<ManualClock>) -> (Server, Profile, Session) {
    let server = Server::start().await;
    let profile = profile(&server, name);
    let session = session(&profile, clock).await;
    let first = session.token(&profile).await.unwrap();
    assert_eq!(first.source, TokenSource::Fetched);
    let again = session.token(&profile).await.unwrap();
    assert_eq!(
        again.source,
        TokenSource::Cache,
        "the warm-up token must be cached"
    );
    assert_eq!(server.token_requests(), 1);
    (server, profile, session)
}

fn token_cached(c: &mut Criterion) {
    let rt = runtime();
    let (server, profile, session) = rt.block_on(warm_session("cached", clock()));
    let (session, profile) = (&session, &profile);
    c.bench_function("token_cached", |b| {
        b.to_async(&rt).iter(|| async move {
            let token = session.token(profile).await.unwrap();
            black_box(token)
        })
    });
    assert_eq!(
        server.token_requests(),
        1,
        "a fresh cached token must never cause a token request"
    );
}

fn send_overhead(c: &mut Criterion) {
    let rt = runtime();
    let (server, profile, session) = rt.block_on(warm_session("send", clock()));
    let request = ApiRequest::new("GET", "/ping");
    let url = format!("{}/ping", server.base);
    let bare = reqwest::Client::new();

    // Both paths must work, and do the same work on the wire, before they are timed.
    rt.block_on(async {
        let response = waybill_core::request::send(&session, &profile, &request)
            .await
            .unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"pong"[..])
        );
        let response = bare.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(&response.bytes().await.unwrap()[..], b"pong");
    });

    if std::env::var_os("WAYBILL_BENCH_PAIRED").is_some() {
        rt.block_on(paired_send_vs_reqwest(
            &session, &profile, &request, &bare, &url,
        ));
    }

    let mut group = c.benchmark_group("send");
    {
        let (session, profile, request) = (&session, &profile, &request);
        group.bench_function("send_overhead", |b| {
            b.to_async(&rt).iter(|| async move {
                let response = waybill_core::request::send(session, profile, request)
                    .await
                    .unwrap();
                black_box(response)
            })
        });
    }
    {
        let (bare, url) = (&bare, url.as_str());
        group.bench_function("reqwest_baseline", |b| {
            b.to_async(&rt).iter(|| async move {
                let response = bare.get(url).send().await.unwrap();
                let status = response.status();
                let body = response.bytes().await.unwrap();
                black_box((status, body))
            })
        });
    }
    group.finish();
    assert_eq!(
        server.token_requests(),
        1,
        "send must reuse the cached token"
    );
}

/// Opt-in (`WAYBILL_BENCH_PAIRED=1`): the two `send` benches alternated request by request, so
/// load drift on a shared machine hits both alike. Criterion runs them one after the other, and a
/// few microseconds of overhead can drown in what changes between the two runs.
async fn paired_send_vs_reqwest(
    session: &Session,
    profile: &Profile,
    request: &ApiRequest,
    bare: &reqwest::Client,
    url: &str,
) {
    const PAIRS: usize = 20_000;
    let (mut waybill, mut baseline) = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    for _ in 0..PAIRS {
        let started = Instant::now();
        black_box(
            waybill_core::request::send(session, profile, request)
                .await
                .unwrap(),
        );
        waybill.push(started.elapsed());
        let started = Instant::now();
        let response = bare.get(url).send().await.unwrap();
        black_box(response.bytes().await.unwrap());
        baseline.push(started.elapsed());
    }
    for (name, mut times) in [("send_overhead", waybill), ("reqwest_baseline", baseline)] {
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        eprintln!(
            "paired {name:<16} p10 {:>10.2?}  p50 {:>10.2?}  p90 {:>10.2?}  ({PAIRS} requests)",
            at(0.1),
            at(0.5),
            at(0.9)
        );
    }
}

/// One round: `CALLERS` concurrent `token()` calls on an expired token. Returns how long until
/// all of them had a token, and how many of them saw it fetched (single flight: exactly one).
async fn expired_round(session: &Arc<Session>, profile: &Arc<Profile>) -> (Duration, usize) {
    let started = Instant::now();
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..CALLERS {
        let (session, profile) = (session.clone(), profile.clone());
        callers.spawn(async move { session.token(&profile).await.unwrap() });
    }
    let mut tokens = Vec::with_capacity(CALLERS);
    while let Some(token) = callers.join_next().await {
        tokens.push(token.unwrap());
    }
    let elapsed = started.elapsed();
    let fetched = tokens
        .iter()
        .filter(|t| t.source != TokenSource::Cache)
        .count();
    let first = tokens[0].access_token.expose();
    assert!(
        tokens.iter().all(|t| t.access_token.expose() == first),
        "all callers of one round must share one token"
    );
    (elapsed, fetched)
}

fn token_single_flight_100(c: &mut Criterion) {
    let rt = runtime();
    let clock = clock();
    let (server, profile, session) = rt.block_on(warm_session("single-flight", clock.clone()));
    let (session, profile) = (Arc::new(session), Arc::new(profile));
    let expire = || clock.advance(chrono::Duration::seconds(TOKEN_LIFETIME_SECS));

    // Setup check, once: a few rounds, each exactly one token request and one fetched token.
    rt.block_on(async {
        for _ in 0..5 {
            let before = server.token_requests();
            expire();
            let (_, fetched) = expired_round(&session, &profile).await;
            assert_eq!(
                server.token_requests() - before,
                1,
                "single flight broken: {CALLERS} callers at expiry must make one token request"
            );
            assert_eq!(fetched, 1, "exactly one caller must see a fetched token");
        }
    });

    let mut group = c.benchmark_group("single_flight");
    group.sample_size(50);
    group.bench_function("token_single_flight_100", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (session, profile, server) = (&session, &profile, &server);
            let expire = &expire;
            async move {
                let before = server.token_requests();
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    expire();
                    let (elapsed, fetched) = expired_round(session, profile).await;
                    total += elapsed;
                    assert_eq!(fetched, 1, "single flight broken during the bench");
                }
                assert_eq!(
                    server.token_requests() - before,
                    iters as usize,
                    "single flight broken during the bench: one token request per round expected"
                );
                total
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = token_cached, send_overhead, token_single_flight_100
}
criterion_main!(benches);
