//! The networks people work behind, end to end through the `waybill` binary: a private CA,
//! TLS failures in words, client certificates (RFC 8705) and a real proxy (Debian's tinyproxy).
//! Servers are the demo provider over HTTPS with certificates made here (good, expired, not yet
//! valid, for another name) and one that requires a client certificate and binds tokens to it.

use std::path::PathBuf;
use std::time::SystemTime;

use waybill_demo::pki::{Ca, Issued, Validity};
use waybill_demo::{DemoConfig, DemoServer, ServerTls};
use waybill_tests::demo::{add_profile, add_profile_args};
use waybill_tests::harness::{random_secret, require_keyring, secret_tool_lookup, Waybill};
use waybill_tests::proxy::{free_port, Dante, Tinyproxy};

const LOCAL: &[&str] = &["127.0.0.1", "localhost"];

fn config(secret: &str) -> DemoConfig {
    DemoConfig {
        client_secret: secret.to_string(),
        ..DemoConfig::default()
    }
}

/// The demo provider over HTTPS with `leaf` as its certificate; with `client_ca`, it requires a
/// client certificate that CA issued.
async fn https(secret: &str, leaf: &Issued, client_ca: Option<&Ca>) -> DemoServer {
    let tls = ServerTls {
        cert_chain_pem: leaf.cert_pem.clone(),
        key_pem: leaf.key_pem.clone(),
        client_ca_pem: client_ca.map(Ca::cert_pem),
    };
    DemoServer::start_tls(0, config(secret), tls)
        .await
        .expect("demo provider over TLS")
}

/// A file in the test's own directory (a CA, a certificate, a key as a person would have them).
fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, text).expect("write file");
    path.display().to_string()
}

/// `waybill profile add NAME` for the demo's client at `server`, with `extra` flags; insists it
/// worked.
fn add(wb: &Waybill, name: &str, server: &DemoServer, extra: &[&str], stdin: &str) {
    add_profile(wb, name, &server.base_url(), extra, stdin);
}

/// `waybill token NAME` fails with exit 2 and one sentence (no "caused by" chains, no Debug).
fn token_fails(wb: &Waybill, name: &str) -> String {
    let run = wb.run_printing_token(&["token", name], "");
    assert_eq!(run.code, 2, "token {name} should fail: {}", run.stdout);
    assert!(run.stdout.is_empty(), "no token printed");
    let first = run.stderr.lines().next().unwrap_or_default().to_string();
    assert!(
        !first.contains("Custom {") && !first.contains("kind:"),
        "{first}"
    );
    first
}

fn utc(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_trusted_by_the_profile_that_adds_it_or_through_ssl_cert_file() {
    require_keyring();
    let secret = random_secret("tls");
    let ca = Ca::new("Acme Inspecting Proxy CA");
    let server = https(
        &secret,
        &ca.server_cert(LOCAL, Validity::Current).unwrap(),
        None,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = file(&dir, "acme-ca.pem", &ca.cert_pem());
    let wb = Waybill::new();
    add(
        &wb,
        "carrier",
        &server,
        &["--client-secret-stdin"],
        &format!("{secret}\n"),
    );

    let said = token_fails(&wb, "carrier");
    assert!(
        said.contains("the certificate of 127.0.0.1 is issued by \"Acme Inspecting Proxy CA\", which is not a trusted CA"),
        "{said}"
    );
    assert_eq!(server.token_requests(), 0);
    let hint = wb.run_printing_token(&["token", "carrier"], "").stderr;
    assert!(
        hint.contains("hint: if that CA is one to trust")
            && hint.contains("`waybill profile edit carrier --ca-file CA.pem`"),
        "{hint}"
    );

    // The usual override of the system store works for every profile.
    let with_env = Waybill::new().env("SSL_CERT_FILE", &ca_file);
    add(
        &with_env,
        "carrier",
        &server,
        &["--client-secret-stdin"],
        &format!("{secret}\n"),
    );
    with_env.ok(&["token", "carrier"], "");

    // A CA on the profile: token, API call and revocation all trust it.
    wb.ok(&["profile", "edit", "carrier", "--ca-file", &ca_file], "");
    let shown = wb.ok(&["profile", "show", "carrier"], "").stdout;
    assert!(
        shown.contains("extra CA:     Acme Inspecting Proxy CA, valid until"),
        "{shown}"
    );
    let whoami = wb.json(&["call", "carrier", "GET", "/whoami", "--json-out"]);
    assert_eq!(whoami["status"], 200, "{whoami}");
    assert_eq!(whoami["proxy"], serde_json::Value::Null);
    let revocation = format!("{}/oauth/revoke", server.base_url());
    wb.ok(
        &[
            "profile",
            "edit",
            "carrier",
            "--revocation-url",
            &revocation,
        ],
        "",
    );
    wb.ok(&["logout", "carrier", "--revoke"], "");

    // Discovery at add goes through the profile's CA too.
    wb.ok(
        &[
            "profile",
            "add",
            "discovered",
            "--grant",
            "client_credentials",
            "--issuer",
            &server.base_url(),
            "--client-id",
            "demo-client",
            "--ca-file",
            &ca_file,
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let discovered = wb.json(&["profile", "show", "discovered", "--json"]);
    assert_eq!(discovered["token_url"], server.token_url().as_str());
    wb.ok(&["token", "discovered"], "");

    // Back to the system's CAs only: refused again.
    wb.ok(&["profile", "edit", "carrier", "--no-ca-file"], "");
    assert!(token_fails(&wb, "carrier").contains("not a trusted CA"));
    assert!(wb.find_leaks(&secret).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tls_failure_is_one_sentence_with_what_to_check() {
    require_keyring();
    let secret = random_secret("tls");
    let ca = Ca::new("Waybill Test CA");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = file(&dir, "ca.pem", &ca.cert_pem());
    let expired = ca.server_cert(LOCAL, Validity::Expired).unwrap();
    let not_yet = ca.server_cert(LOCAL, Validity::NotYetValid).unwrap();
    let elsewhere = ca
        .server_cert(&["api.other.example", "10.9.8.7"], Validity::Current)
        .unwrap();
    let good = ca.server_cert(LOCAL, Validity::Current).unwrap();
    let client_ca = Ca::new("Partner Client CA");
    let servers = [
        https(&secret, &expired, None).await,
        https(&secret, &not_yet, None).await,
        https(&secret, &elsewhere, None).await,
        https(&secret, &good, Some(&client_ca)).await,
    ];
    let plain = DemoServer::start(0, config(&secret)).await.unwrap();
    let wb = Waybill::new();
    let stdin = format!("{secret}\n");
    for (name, server) in ["expired", "not-yet", "elsewhere", "wants-cert"]
        .iter()
        .zip(&servers)
    {
        add(
            &wb,
            name,
            server,
            &["--client-secret-stdin", "--ca-file", &ca_file],
            &stdin,
        );
    }
    let https_to_plain = plain.token_url().replace("http://", "https://");
    wb.ok(
        &[
            "profile",
            "add",
            "not-tls",
            "--grant",
            "client_credentials",
            "--token-url",
            &https_to_plain,
            "--client-id",
            "demo-client",
            "--client-secret-stdin",
        ],
        &stdin,
    );

    let said = token_fails(&wb, "expired");
    assert!(
        said.contains(&format!(
            "the certificate of 127.0.0.1 expired on {}",
            utc(expired.not_after)
        )),
        "{said}"
    );
    let said = token_fails(&wb, "not-yet");
    assert!(
        said.contains(&format!(
            "the certificate of 127.0.0.1 is not valid before {}",
            utc(not_yet.not_before)
        )),
        "{said}"
    );
    let said = token_fails(&wb, "elsewhere");
    assert!(
        said.contains(
            "the certificate of 127.0.0.1 is for api.other.example, 10.9.8.7, not for 127.0.0.1"
        ),
        "{said}"
    );
    let said = token_fails(&wb, "wants-cert");
    assert!(
        said.contains("127.0.0.1 asks for a client certificate, and this profile has none"),
        "{said}"
    );
    let hint = wb.run_printing_token(&["token", "wants-cert"], "").stderr;
    assert!(
        hint.contains("waybill profile edit wants-cert --tls-cert-file"),
        "{hint}"
    );
    let said = token_fails(&wb, "not-tls");
    assert!(
        said.contains("the TLS handshake with 127.0.0.1 failed: its answer is not TLS"),
        "{said}"
    );
    for server in &servers {
        assert_eq!(
            server.token_requests(),
            0,
            "nothing reached a refused server"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_authenticates_binds_the_token_and_its_key_stays_in_the_keyring() {
    require_keyring();
    let ca = Ca::new("Carrier Server CA");
    let client_ca = Ca::new("Carrier Client CA");
    let server = https(
        &random_secret("unused"),
        &ca.server_cert(LOCAL, Validity::Current).unwrap(),
        Some(&client_ca),
    )
    .await;
    let client = client_ca.client_cert("demo-client");
    let dir = tempfile::tempdir().unwrap();
    let (ca_file, cert_file, key_file) = (
        file(&dir, "ca.pem", &ca.cert_pem()),
        file(&dir, "client.pem", &client.cert_pem),
        file(&dir, "client-key.pem", &client.key_pem),
    );
    let wb = Waybill::new();
    let mtls = [
        "--client-auth",
        "tls_client_auth",
        "--ca-file",
        &ca_file,
        "--tls-cert-file",
        &cert_file,
        "--tls-key-file",
        &key_file,
    ];
    // No secret is asked for: the certificate is the credential.
    add(&wb, "mtls", &server, &mtls, "");
    let whoami = wb.json(&["call", "mtls", "GET", "/whoami", "--json-out"]);
    assert_eq!(whoami["status"], 200, "{whoami}");
    assert_eq!(
        whoami["body"]["cert_bound"], true,
        "the token is bound to the certificate"
    );
    assert_eq!(server.token_requests(), 1);

    // The key is in the keyring and nowhere else: no line of it in any file or output.
    let id = wb.keyring_id("mtls");
    let kept = secret_tool_lookup(&format!("{id}/tls_key")).expect("the key is in the keyring");
    assert!(kept.contains("PRIVATE KEY"));
    for line in client.key_pem.lines().filter(|l| l.len() >= 40) {
        assert!(
            wb.find_leaks(line).is_empty(),
            "a line of the key leaked: {:?}",
            wb.find_leaks(line)
        );
    }
    let profile = wb.json(&["profile", "show", "mtls", "--json"]);
    assert!(profile["tls_client_cert"]
        .as_str()
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
    assert!(
        !profile.to_string().contains(&*key_file) && !profile.to_string().contains("client-key")
    );

    // With --session-only the secrets a command needs are read from stdin: a certificate
    // profile needs none, so nothing is asked (its key, kept only in memory, is what is missing).
    let session = wb.run(&["--session-only", "token", "mtls"], "");
    assert_eq!(session.code, 2);
    assert!(
        !session.stderr.contains("client secret"),
        "a certificate profile is never asked for a client secret: {}",
        session.stderr
    );
    assert!(
        session.stderr.contains("its key is not in the keyring"),
        "{}",
        session.stderr
    );

    // A key that is not the certificate's is refused before anything is kept.
    let other = client_ca.client_cert("someone-else");
    let wrong_key = file(&dir, "wrong-key.pem", &other.key_pem);
    let run = wb.run(
        &[
            "profile",
            "edit",
            "mtls",
            "--tls-cert-file",
            &cert_file,
            "--tls-key-file",
            &wrong_key,
        ],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("the client certificate and its key do not belong together"),
        "{}",
        run.stderr
    );
    assert_eq!(
        secret_tool_lookup(&format!("{id}/tls_key")).as_deref(),
        Some(kept.as_str())
    );

    // The same certificate as a PKCS#12 file, as Windows and browsers export them (modern
    // AES and legacy 3DES encryption, made by OpenSSL): the key goes to the keyring, the
    // passphrase is kept nowhere.
    let passphrase = random_secret("p12pass");
    for (name, legacy) in [("mtls-p12", false), ("mtls-p12-3des", true)] {
        let p12 = dir.path().join(format!("{name}.p12"));
        let mut openssl = std::process::Command::new("openssl");
        openssl.args([
            "pkcs12", "-export", "-in", &cert_file, "-inkey", &key_file, "-out",
        ]);
        openssl
            .arg(&p12)
            .arg("-passout")
            .arg(format!("pass:{passphrase}"));
        if legacy {
            openssl.args([
                "-certpbe",
                "PBE-SHA1-3DES",
                "-keypbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ]);
        }
        assert!(openssl.status().expect("openssl").success());
        let p12 = p12.display().to_string();
        let flags = [
            "--client-auth",
            "tls_client_auth",
            "--ca-file",
            &ca_file,
            "--tls-cert-file",
            &p12,
            "--tls-passphrase-stdin",
        ];
        let args = add_profile_args(name, &server.base_url(), &flags);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let refused = wb.run(&args, "not-the-passphrase\n");
        assert_eq!(refused.code, 2);
        assert!(
            refused
                .stderr
                .contains("could not be opened (a wrong passphrase?)"),
            "{}",
            refused.stderr
        );
        wb.ok(&args, &format!("{passphrase}\n"));
        let whoami = wb.json(&["call", name, "GET", "/whoami", "--json-out"]);
        assert_eq!(whoami["body"]["cert_bound"], true, "{whoami}");
    }
    assert!(
        wb.find_leaks(&passphrase).is_empty(),
        "{:?}",
        wb.find_leaks(&passphrase)
    );
    for line in client.key_pem.lines().filter(|l| l.len() >= 40) {
        assert!(wb.find_leaks(line).is_empty());
    }

    // Without the certificate, the provider's own mTLS client cannot even connect.
    wb.ok(
        &[
            "profile",
            "edit",
            "mtls",
            "--no-tls-cert",
            "--client-auth",
            "form",
            "--client-secret-stdin",
        ],
        "x\n",
    );
    assert_eq!(
        secret_tool_lookup(&format!("{id}/tls_key")),
        None,
        "its key left the keyring"
    );
    assert!(token_fails(&wb, "mtls").contains("asks for a client certificate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_go_through_the_environments_proxy_plain_and_by_connect_unless_no_proxy() {
    require_keyring();
    let secret = random_secret("proxy");
    let ca = Ca::new("Proxy Test CA");
    let tls = https(
        &secret,
        &ca.server_cert(LOCAL, Validity::Current).unwrap(),
        None,
    )
    .await;
    let plain = DemoServer::start(0, config(&secret)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = file(&dir, "ca.pem", &ca.cert_pem());
    let proxy = Tinyproxy::start(None);
    let stdin = format!("{secret}\n");
    let setup = Waybill::new();
    add(&setup, "plain", &plain, &["--client-secret-stdin"], &stdin);
    add(
        &setup,
        "tls",
        &tls,
        &["--client-secret-stdin", "--ca-file", &ca_file],
        &stdin,
    );
    let home = setup.home.path().to_str().unwrap().to_string();
    let behind = |vars: &[(&str, &str)]| {
        let mut wb = Waybill::new().env("WAYBILL_HOME", &home);
        for (k, v) in vars {
            wb = wb.env(k, v);
        }
        wb
    };

    // Plain HTTP through the proxy (lower-case variable, as curl reads it too).
    let wb = behind(&[("http_proxy", &proxy.url())]);
    let answer = wb.json(&["call", "plain", "GET", "/whoami", "--json-out"]);
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["proxy"], proxy.url().as_str());
    let whoami = format!("GET {}/whoami", plain.api_base());
    let token = format!("POST {}", plain.token_url());
    assert!(
        proxy.log().contains(&whoami) && proxy.log().contains(&token),
        "{}",
        proxy.log()
    );

    // HTTPS by CONNECT (upper-case variable).
    let wb = behind(&[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(
        wb.json(&["call", "tls", "GET", "/whoami", "--json-out"])["status"],
        200
    );
    let connect = format!("CONNECT {}", tls.addr());
    assert!(proxy.log().contains(&connect), "{}", proxy.log());

    // NO_PROXY wins: straight there, and the answer says so.
    let before = proxy.log().lines().count();
    let wb = behind(&[("HTTP_PROXY", &proxy.url()), ("NO_PROXY", "127.0.0.1")]);
    let answer = wb.json(&["call", "plain", "GET", "/whoami", "--json-out"]);
    assert_eq!(answer["proxy"], serde_json::Value::Null);
    assert_eq!(proxy.log().lines().count(), before, "{}", proxy.log());

    // A profile's --no-proxy ignores a proxy that is not even there.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let wb = behind(&[("HTTP_PROXY", &dead), ("HTTPS_PROXY", &dead)]);
    let run = wb.run(&["call", "plain", "GET", "/whoami"], "");
    assert_eq!(
        run.code, 2,
        "the environment's dead proxy is used: {}",
        run.stderr
    );
    wb.ok(&["profile", "edit", "plain", "--no-proxy"], "");
    wb.ok(&["call", "plain", "GET", "/whoami"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profiles_own_proxy_keeps_its_credentials_in_the_keyring() {
    require_keyring();
    let secret = random_secret("proxy");
    let password = random_secret("proxypw");
    let plain = DemoServer::start(0, config(&secret)).await.unwrap();
    let proxy = Tinyproxy::start(Some(("ann", &password)));
    let with_credentials = format!("http://ann:{password}@127.0.0.1:{}", proxy.port);
    let wb = Waybill::new();
    add(
        &wb,
        "carrier",
        &plain,
        &["--client-secret-stdin", "--proxy", &with_credentials],
        &format!("{secret}\n"),
    );
    let answer = wb.json(&["call", "carrier", "GET", "/whoami", "--json-out"]);
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(
        answer["proxy"],
        proxy.url().as_str(),
        "shown without its credentials"
    );
    assert!(
        proxy
            .log()
            .contains(&format!("GET {}/whoami", plain.api_base())),
        "{}",
        proxy.log()
    );
    let profile = wb.json(&["profile", "show", "carrier", "--json"]);
    assert_eq!(profile["proxy"], proxy.url().as_str());
    let id = wb.keyring_id("carrier");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/proxy_credentials")),
        Some(format!("ann:{password}"))
    );
    assert!(
        wb.find_leaks(&password).is_empty(),
        "{:?}",
        wb.find_leaks(&password)
    );
    assert!(wb.find_leaks(&secret).is_empty());

    // The proxy given again without credentials: the old ones are forgotten, and the proxy
    // answers 407 (Proxy Authentication Required) in the API's place.
    wb.ok(&["profile", "edit", "carrier", "--proxy", &proxy.url()], "");
    assert_eq!(secret_tool_lookup(&format!("{id}/proxy_credentials")), None);
    let run = wb.run(&["call", "carrier", "GET", "/whoami"], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("HTTP 407"), "{}", run.stderr);
}

/// `waybill demo-server` running until the test ends (killed by its PID), and what it printed.
struct DemoProcess {
    child: std::process::Child,
    printed: String,
}

impl DemoProcess {
    fn start(args: &[&str]) -> DemoProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(waybill_tests::harness::waybill_bin())
            .arg("demo-server")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("waybill demo-server");
        let mut printed = String::new();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        while !printed.contains("until Ctrl-C") {
            let line = lines.next().expect("demo-server stopped").unwrap();
            printed.push_str(&line);
            printed.push('\n');
        }
        DemoProcess { child, printed }
    }

    /// The path printed after `label`, up to the end of its line.
    fn path_after(&self, label: &str) -> String {
        let line = self
            .printed
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} in {}", self.printed));
        let path = line[label.len()..]
            .trim()
            .split(' ')
            .next()
            .unwrap()
            .to_string();
        assert!(
            std::path::Path::new(&path).exists(),
            "{path} does not exist"
        );
        path
    }

    fn base_url(&self) -> String {
        let line = self
            .printed
            .lines()
            .find(|l| l.starts_with("Serving on "))
            .unwrap();
        line["Serving on ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_server_tls_and_mtls_let_a_newcomer_try_a_private_ca_and_a_client_certificate() {
    require_keyring();
    let tls = DemoProcess::start(&["--tls", "--port", "0"]);
    let base = tls.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{}", tls.printed);
    let ca =
        tls.path_after("CA certificate (a private CA made for this run, removed when it stops):");
    let wb = Waybill::new();
    add_profile(
        &wb,
        "demo-tls",
        &base,
        &["--ca-file", &ca, "--client-secret-stdin"],
        "demo-secret\n",
    );
    assert_eq!(
        wb.json(&["call", "demo-tls", "GET", "/whoami", "--json-out"])["status"],
        200
    );
    let _ = std::fs::remove_dir_all(std::path::Path::new(&ca).parent().unwrap());
    drop(tls);

    let mtls = DemoProcess::start(&["--mtls", "--port", "0"]);
    let base = mtls.base_url();
    let ca =
        mtls.path_after("CA certificate (a private CA made for this run, removed when it stops):");
    let cert = mtls.path_after("Client certificate:");
    let key = mtls.path_after("Client key:");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the client key is readable by its owner only");
    }
    let mtls_flags = [
        "--ca-file",
        &ca,
        "--client-auth",
        "tls_client_auth",
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
    ];
    add_profile(&wb, "demo-mtls", &base, &mtls_flags, "");
    let whoami = wb.json(&["call", "demo-mtls", "GET", "/whoami", "--json-out"]);
    assert_eq!(whoami["body"]["cert_bound"], true, "{whoami}");
    for path in [&ca, &cert] {
        let _ = std::fs::remove_dir_all(std::path::Path::new(path).parent().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_can_go_through_a_socks5_proxy() {
    require_keyring();
    let secret = random_secret("socks");
    let server = DemoServer::start(0, config(&secret)).await.unwrap();
    let socks = Dante::start();
    let wb = Waybill::new();
    add(
        &wb,
        "carrier",
        &server,
        &["--client-secret-stdin", "--proxy", &socks.url()],
        &format!("{secret}\n"),
    );
    let answer = wb.json(&["call", "carrier", "GET", "/whoami", "--json-out"]);
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["proxy"], socks.url().as_str());
    // Dante logs each connection it made: client -> proxy -> the demo provider's port.
    let target = format!("127.0.0.1.{}", server.addr().port());
    let connects = socks
        .log()
        .lines()
        .filter(|l| l.contains("tcp/connect") && l.contains(&target))
        .count();
    assert!(connects >= 1, "nothing went through Dante: {}", socks.log());
}
