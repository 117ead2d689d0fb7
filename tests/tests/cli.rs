//! End to end through the real `waybill` binary, the real OS keyring (read back with
//! `secret-tool`), the built-in demo provider and oidc-provider. After each full flow the test
//! searches every output and every file Waybill wrote for the secrets and tokens it used.

use std::time::Duration;

use serde_json::Value;
use waybill_tests::demo::{self, add_client_credentials};
use waybill_tests::emulator::{Emulator, Recorded, Reply};
use waybill_tests::harness::{
    keyring_access_token, pem_lines, random_secret, require_keyring, secret_tool_lookup, Waybill,
};
use waybill_tests::oidc::OidcProvider;

fn token_json(wb: &Waybill, name: &str) -> Value {
    let run = wb.run_printing_token(&["token", name, "--json"], "");
    assert_eq!(run.code, 0, "token {name} failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("token --json prints JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_provider_full_flow_keeps_secrets_in_the_keyring_only() {
    require_keyring();
    let secret = random_secret("client-secret");
    let password = random_secret("user-password");
    let server = demo::start(&secret, &password).await;
    let wb = Waybill::new();
    let mut tokens_seen = Vec::new();

    for dialect in ["form", "basic", "json"] {
        let name = format!("demo-{dialect}");
        add_client_credentials(&wb, &name, &server, dialect, &secret);
        let first = token_json(&wb, &name);
        assert_eq!(
            first["source"], "fetched",
            "{dialect}: the first token is fetched"
        );
        assert!(
            first["expires_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "expires_at is RFC 3339: {first}"
        );
        let second = token_json(&wb, &name);
        assert_eq!(
            second["source"], "cache",
            "{dialect}: a valid token is reused, not fetched again"
        );
        assert_eq!(first["access_token"], second["access_token"]);

        // The OS's own tool sees what Waybill stored.
        let id = wb.keyring_id(&name);
        assert_eq!(
            secret_tool_lookup(&format!("{id}/client_secret")).as_deref(),
            Some(secret.as_str())
        );
        let access = first["access_token"].as_str().unwrap().to_string();
        assert_eq!(keyring_access_token(&id), Some(access.clone()));
        tokens_seen.push(access);
    }
    assert_eq!(
        server.token_requests(),
        3,
        "one token request per profile, however often asked"
    );

    // Call the API: body on stdout, exit code from the HTTP status.
    let services = wb.ok(&["call", "demo-json", "GET", "/services"], "");
    assert!(
        services.stdout.contains("Standard Parcel"),
        "{}",
        services.stdout
    );
    let created = wb.run(
        &[
            "call",
            "demo-form",
            "POST",
            "/shipments",
            "-d",
            r#"{"to":"Berlin"}"#,
            "--json-out",
        ],
        "",
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let created: Value = serde_json::from_str(&created.stdout).unwrap();
    assert_eq!(created["status"], 201);
    assert_eq!(created["body"]["to"], "Berlin");
    let missing = wb.run(&["call", "demo-basic", "GET", "/shipments/nope"], "");
    assert_eq!(
        missing.code, 1,
        "a non-2xx answer exits 1 so scripts can tell it from an error"
    );

    // Password grant: the password signs in once and is not kept (not asked to remember it).
    let token_url = server.token_url();
    let api_base = server.api_base();
    wb.ok(
        &[
            "profile",
            "add",
            "user",
            "--grant",
            "password",
            "--token-url",
            &token_url,
            "--client-id",
            "demo-client",
            "--client-auth",
            "json",
            "--username",
            "demo",
            "--api-base",
            &api_base,
            "--client-secret-stdin",
            "--password-stdin",
        ],
        &format!("{secret}\n{password}\n"),
    );
    let user_id = wb.keyring_id("user");
    assert_eq!(
        secret_tool_lookup(&format!("{user_id}/password")),
        None,
        "the password is kept only when asked"
    );
    let first_refresh =
        secret_tool_lookup(&format!("{user_id}/refresh_token")).expect("a refresh token is kept");
    tokens_seen.push(first_refresh.clone());
    tokens_seen.push(keyring_access_token(&user_id).unwrap());

    // The provider expires every token: the next call gets a 401, renews once with the refresh
    // token, retries once, and succeeds.
    let expired = reqwest::Client::new()
        .post(format!("{}/demo/expire-tokens", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 204);
    let whoami = wb.run(&["call", "user", "GET", "/whoami", "--json-out"], "");
    assert_eq!(whoami.code, 0, "{}", whoami.stderr);
    let whoami: Value = serde_json::from_str(&whoami.stdout).unwrap();
    assert_eq!(
        whoami["retried_after_401"], true,
        "the 401 was answered by renewing: {whoami}"
    );
    assert_eq!(whoami["body"]["grant_type"], "password");
    let second_refresh = secret_tool_lookup(&format!("{user_id}/refresh_token")).unwrap();
    assert_ne!(
        first_refresh, second_refresh,
        "the rotated refresh token replaced the used one"
    );
    tokens_seen.push(second_refresh);
    tokens_seen.push(keyring_access_token(&user_id).unwrap());

    // Logout forgets tokens; remove forgets the client secret too.
    let json_id = wb.keyring_id("demo-json");
    wb.ok(&["logout", "demo-json"], "");
    assert_eq!(
        keyring_access_token(&json_id),
        None,
        "logout removes the token"
    );
    assert!(
        secret_tool_lookup(&format!("{json_id}/client_secret")).is_some(),
        "logout keeps the client secret"
    );
    wb.ok(&["profile", "remove", "demo-json"], "");
    assert_eq!(
        secret_tool_lookup(&format!("{json_id}/client_secret")),
        None,
        "remove deletes every entry"
    );

    for needle in [secret.as_str(), password.as_str()]
        .into_iter()
        .chain(tokens_seen.iter().map(String::as_str))
    {
        let leaks = wb.find_leaks(needle);
        assert!(
            leaks.is_empty(),
            "a secret or token leaked outside the keyring into: {leaks:?}"
        );
    }
    server.shutdown().await;
}

/// `secret-tool` run with `args`, `stdin` on its standard input; insists it worked.
fn secret_tool(args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("secret-tool")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool could not be started");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "secret-tool {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waybill's entries are the keyring's ordinary ones: an entry another tool wrote (libsecret's
/// `secret-tool`, or the `keyring` crate of earlier versions) is read, and changed in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyring_entries_written_by_other_tools_are_read_and_changed_in_place() {
    require_keyring();
    let secret = random_secret("client-secret");
    let server = demo::start(&secret, "unused").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "kept", &server, "form", "not-the-secret");
    let account = format!("{}/client_secret", wb.keyring_id("kept"));
    let attributes = ["service", "waybill", "username", account.as_str()];

    secret_tool(&[&["clear"][..], &attributes].concat(), "");
    let label = format!("keyring:{account}@waybill");
    secret_tool(
        &[&["store", "--label", &label][..], &attributes].concat(),
        &secret,
    );
    assert_eq!(token_json(&wb, "kept")["source"], "fetched");

    let newer = random_secret("client-secret");
    wb.ok(
        &["profile", "edit", "kept", "--client-secret-stdin"],
        &format!("{newer}\n"),
    );
    let found = secret_tool(&[&["search", "--all"][..], &attributes].concat(), "");
    assert_eq!(
        found.matches("[/").count(),
        1,
        "one entry, changed in place: {found}"
    );
    assert!(found.contains(&label), "the entry keeps its label: {found}");
    assert_eq!(secret_tool_lookup(&account), Some(newer));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_client_credentials_with_basic_and_post() {
    require_keyring();
    let secret = random_secret("oidc-secret");
    let oidc = OidcProvider::start(&secret, 60);
    let wb = Waybill::new();
    for (name, client, dialect) in [
        ("op-basic", "cc-basic", "basic"),
        ("op-post", "cc-post", "form"),
        ("op-jwt", "cc-jwt", "client_secret_jwt"),
    ] {
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--grant",
                "client_credentials",
                "--token-url",
                &oidc.token_endpoint,
                "--client-id",
                client,
                "--client-auth",
                dialect,
                "--scope",
                "api:read",
                "--revocation-url",
                &oidc.revocation_endpoint,
                "--client-secret-stdin",
            ],
            &format!("{secret}\n"),
        );
        let token = token_json(&wb, name);
        assert_eq!(token["source"], "fetched");
        assert_eq!(token["scope"], "api:read", "the granted scope is reported");
        let access = token["access_token"].as_str().unwrap();
        // cc-jwt's token is proof enough: oidc-provider issues it only for a valid assertion
        // (and would want one again to introspect as that client).
        assert!(
            client == "cc-jwt" || oidc.is_active(client, access).await,
            "{name}: oidc-provider must consider the token active"
        );
        let leaks = wb.find_leaks(access);
        assert!(leaks.is_empty(), "token leaked into {leaks:?}");
    }
    // The inspector asks the provider (RFC 7662, as the client): active, then revoked behind
    // Waybill's back (at the provider directly), not active. The token is never printed.
    wb.ok(
        &[
            "profile",
            "edit",
            "op-basic",
            "--introspection-url",
            &oidc.introspection_endpoint,
        ],
        "",
    );
    let access = token_json(&wb, "op-basic")["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let checked = wb.json(&["inspect", "op-basic", "--introspect", "--json"]);
    assert_eq!(checked["introspection"]["active"], true, "{checked}");
    assert_eq!(checked["introspection"]["client_id"], "cc-basic");
    assert_eq!(checked["introspection"]["scope"], "api:read");
    let revoked = reqwest::Client::new()
        .post(&oidc.revocation_endpoint)
        .basic_auth("cc-basic", Some(&secret))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    let text = wb.ok(&["inspect", "op-basic", "--introspect"], "").stdout;
    assert!(text.contains("at provider:  NOT active"), "{text}");
    assert!(wb.find_leaks(&access).is_empty());

    // A wrong secret: the provider's own words, exit 2, and the wrong secret is not echoed.
    let wrong = random_secret("wrong-secret");
    wb.ok(
        &[
            "profile",
            "add",
            "op-wrong",
            "--grant",
            "client_credentials",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "cc-basic",
            "--client-auth",
            "basic",
            "--client-secret-stdin",
        ],
        &format!("{wrong}\n"),
    );
    let refused = wb.run(&["token", "op-wrong"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("invalid_client"),
        "the provider's error code is shown: {}",
        refused.stderr
    );
    // One sentence, then its diagnosis (why, and what to do): no dump.
    let lines: Vec<&str> = refused.stderr.lines().collect();
    assert!(
        lines[0].starts_with("waybill: error: "),
        "{}",
        refused.stderr
    );
    assert!(
        lines[1].starts_with("why: The provider refused client cc-basic, sent in HTTP Basic")
            && lines[2].starts_with("fix: "),
        "{}",
        refused.stderr
    );
    assert_eq!(lines.len(), 3, "no dump: {}", refused.stderr);
    // An assertion signed with the wrong secret is refused in the provider's words too.
    wb.ok(
        &[
            "profile",
            "add",
            "op-jwt-wrong",
            "--grant",
            "client_credentials",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "cc-jwt",
            "--client-auth",
            "client_secret_jwt",
            "--client-secret-stdin",
        ],
        &format!("{wrong}\n"),
    );
    // Revocation authenticates with an assertion too; oidc-provider refuses it otherwise.
    let revoked = wb.run(&["logout", "op-jwt", "--revoke"], "");
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    assert!(revoked.stdout.starts_with("Revoked the tokens of op-jwt"));
    let again = wb.ok(&["logout", "op-jwt", "--revoke"], "");
    assert_eq!(again.stdout, "op-jwt kept no tokens: nothing to revoke.\n");
    let refused = wb.run(&["token", "op-jwt-wrong"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    for needle in [&secret, &wrong] {
        assert!(
            wb.find_leaks(needle).is_empty(),
            "client secret leaked: {:?}",
            wb.find_leaks(needle)
        );
    }
}

/// `private_key_jwt` against oidc-provider: a key Waybill makes (its public JWK registered at the
/// provider, as a person would in its console) and a key file made by openssl; each signs the
/// token request and the revocation. A key the provider does not know is refused in its words.
/// No line of either private key, and no token, is in any file or output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_with_a_generated_key_and_with_a_key_file() {
    require_keyring();
    let oidc = OidcProvider::start(&random_secret("oidc-secret"), 60);
    let wb = Waybill::new();
    let add = |name: &str, client_id: &str, extra: &[&str]| {
        let mut args = vec![
            "profile",
            "add",
            name,
            "--grant",
            "client_credentials",
            "--token-url",
            &oidc.token_endpoint,
            "--revocation-url",
            &oidc.revocation_endpoint,
            "--client-id",
            client_id,
            "--client-auth",
            "private_key_jwt",
            "--scope",
            "api:read",
        ];
        args.extend_from_slice(extra);
        wb.ok(&args, "");
    };

    // A profile without a key yet says how to get one.
    add("pk", "not-registered-yet", &[]);
    let no_key = wb.run(&["token", "pk"], "");
    assert_eq!(no_key.code, 2);
    assert!(
        no_key.stderr.contains("no key is in the keyring")
            && no_key.stderr.contains("waybill key generate pk"),
        "{}",
        no_key.stderr
    );
    let made = wb.ok(&["key", "generate", "pk"], "");
    let jwk: Value = serde_json::from_str(&made.stdout).expect("the public JWK on stdout");
    assert!(
        jwk["kid"].as_str().is_some_and(|kid| !kid.is_empty()),
        "a key Waybill makes is known by its thumbprint: {jwk}"
    );
    assert_eq!(
        wb.json(&["profile", "show", "pk", "--json"])["client_key_id"],
        jwk["kid"],
        "and its assertions carry that kid"
    );
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert!(
        jwk.get("d").is_none(),
        "the private part stays in the keyring: {jwk}"
    );
    assert_eq!(wb.json(&["key", "show", "pk"]), jwk);
    let again = wb.run(&["key", "generate", "pk"], "");
    assert_eq!(again.code, 2, "an existing key is not replaced by accident");
    assert!(again.stderr.contains("--replace"), "{}", again.stderr);
    let client_id = oidc.register_key_client(&jwk).await;
    wb.ok(&["profile", "edit", "pk", "--client-id", &client_id], "");
    let token = token_json(&wb, "pk");
    assert_eq!(token["source"], "fetched");
    assert_eq!(token["scope"], "api:read");
    // Introspection authenticates the client with an assertion too (the endpoint discovered).
    wb.ok(&["profile", "edit", "pk", "--issuer", &oidc.issuer], "");
    let token = token_json(&wb, "pk");
    let checked = wb.json(&["inspect", "pk", "--introspect", "--json"]);
    assert_eq!(checked["introspection"]["active"], true, "{checked}");
    assert_eq!(checked["introspection"]["client_id"], client_id.as_str());
    let generated_pem = secret_tool_lookup(&format!("{}/client_key", wb.keyring_id("pk")))
        .expect("the generated key is in the keyring");

    // A key file made by openssl (RSA, PKCS#1), aud the issuer; it revokes with an assertion too.
    let dir = tempfile::tempdir().unwrap();
    let rsa = dir.path().join("client.pem");
    let openssl = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&rsa)
        .arg("2048")
        .output()
        .expect("openssl");
    assert!(openssl.status.success());
    let rsa_path = rsa.to_str().unwrap();
    add(
        "pkf",
        "not-registered-yet",
        &[
            "--client-key-file",
            rsa_path,
            "--assertion-audience",
            &oidc.issuer,
        ],
    );
    let rsa_jwk = wb.json(&["key", "show", "pkf"]);
    assert_eq!(rsa_jwk["kty"], "RSA");
    assert!(
        rsa_jwk.get("kid").is_none(),
        "a key file's id is the provider's or its owner's, not a thumbprint Waybill makes up: {rsa_jwk}"
    );
    // Registered as people register their own keys, without a `kid`: an assertion naming one the
    // provider does not know would fail its key match (`invalid_client`).
    let rsa_client = oidc.register_key_client(&rsa_jwk).await;
    wb.ok(&["profile", "edit", "pkf", "--client-id", &rsa_client], "");
    let rsa_token = token_json(&wb, "pkf");
    let revoked = wb.run(&["logout", "pkf", "--revoke"], "");
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    assert!(revoked.stdout.starts_with("Revoked the tokens of pkf"));

    // The same key registered under an id of its owner's choosing: given with --client-key-id,
    // it is the `kid` of every assertion.
    let mut named_jwk = rsa_jwk.clone();
    named_jwk["kid"] = "acme-2026".into();
    let named_client = oidc.register_key_client(&named_jwk).await;
    add(
        "pkn",
        &named_client,
        &[
            "--client-key-file",
            rsa_path,
            "--client-key-id",
            "acme-2026",
        ],
    );
    assert_eq!(wb.json(&["key", "show", "pkn"])["kid"], "acme-2026");
    assert_eq!(token_json(&wb, "pkn")["source"], "fetched");

    // The right client, the wrong key (an EC key in SEC1 form): the provider's words, one line.
    let wrong = dir.path().join("wrong.pem");
    let openssl = std::process::Command::new("openssl")
        .args([
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
        ])
        .arg(&wrong)
        .output()
        .expect("openssl");
    assert!(openssl.status.success());
    add(
        "pkw",
        &client_id,
        &["--client-key-file", wrong.to_str().unwrap()],
    );
    let refused = wb.run(&["token", "pkw"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    let lines: Vec<&str> = refused.stderr.lines().collect();
    assert!(
        lines[1].contains("sent as a signed client assertion"),
        "{}",
        refused.stderr
    );
    assert_eq!(lines.len(), 3, "{}", refused.stderr);

    let mut needles = pem_lines(&generated_pem);
    needles.extend(pem_lines(&std::fs::read_to_string(&rsa).unwrap()));
    needles.extend(pem_lines(&std::fs::read_to_string(&wrong).unwrap()));
    needles.push(token["access_token"].as_str().unwrap().to_string());
    needles.push(rsa_token["access_token"].as_str().unwrap().to_string());
    // A private key's PEM holds its public half too: a line that is also in the public JWKs
    // printed on purpose is no leak there.
    let public = format!("{jwk}{rsa_jwk}");
    for needle in &needles {
        let mut leaks = wb.find_leaks(needle);
        leaks.retain(|place| place != "the command output" || !public.contains(needle.as_str()));
        assert!(
            leaks.is_empty(),
            "key or token material {needle:?} leaked into {leaks:?}"
        );
    }
    // Nor does the key file's path stay anywhere.
    assert!(wb.find_leaks(rsa_path).is_empty());
}

/// Real time, real provider: tokens that live 4 s are reused while valid and replaced by
/// themselves once expired, without the user doing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_renewed_by_themselves() {
    require_keyring();
    let secret = random_secret("oidc-secret");
    let oidc = OidcProvider::start(&secret, 4);
    let wb = Waybill::new();
    wb.ok(
        &[
            "profile",
            "add",
            "short",
            "--grant",
            "client_credentials",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "cc-post",
            "--client-auth",
            "form",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let first = token_json(&wb, "short");
    assert_eq!(first["source"], "fetched");
    assert_eq!(
        token_json(&wb, "short")["source"],
        "cache",
        "a 4 s token is reused within its lifetime"
    );
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let first_token = first["access_token"].as_str().unwrap();
    assert!(
        !oidc.is_active("cc-post", first_token).await,
        "the provider has expired the first token"
    );
    let second = token_json(&wb, "short");
    assert_eq!(
        second["source"], "fetched",
        "an expired token is replaced without being asked"
    );
    assert_ne!(second["access_token"], first["access_token"]);
    assert!(
        oidc.is_active("cc-post", second["access_token"].as_str().unwrap())
            .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_refresh_token_is_used_and_rotated() {
    require_keyring();
    let secret = random_secret("oidc-secret");
    let oidc = OidcProvider::start(&secret, 60);
    let minted = oidc.mint_refresh_token().await;
    let wb = Waybill::new();
    wb.ok(
        &[
            "profile",
            "add",
            "op-user",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "rt-client",
            "--client-auth",
            "form",
            "--client-secret-stdin",
            "--refresh-token-stdin",
        ],
        &format!("{secret}\n{minted}\n"),
    );
    let shown = wb.json(&["profile", "show", "op-user", "--json"]);
    assert_eq!(
        shown["grant"], "refresh_token",
        "a refresh token given implies the refresh_token grant"
    );

    let token = token_json(&wb, "op-user");
    assert_eq!(
        token["source"], "refreshed",
        "the only way to a token here is the refresh grant"
    );
    let access = token["access_token"].as_str().unwrap().to_string();
    assert!(
        oidc.is_active("rt-client", &access).await,
        "oidc-provider must accept the refreshed token"
    );
    let id = wb.keyring_id("op-user");
    let kept = secret_tool_lookup(&format!("{id}/refresh_token")).expect("a refresh token is kept");
    assert_ne!(
        kept, minted,
        "oidc-provider rotates refresh tokens: the new one must replace the used one"
    );
    assert_eq!(token_json(&wb, "op-user")["source"], "cache");

    wb.ok(&["logout", "op-user"], "");
    let after = wb.run(&["token", "op-user"], "");
    assert_eq!(after.code, 2);
    assert!(after.stderr.contains("sign in again"), "{}", after.stderr);
    for needle in [&secret, &minted, &kept, &access] {
        assert!(
            wb.find_leaks(needle).is_empty(),
            "leaked into {:?}",
            wb.find_leaks(needle)
        );
    }
}

/// DPoP (RFC 9449) at oidc-provider, which here wants its nonce in every proof: the refresh
/// grant and the client-credentials grant return DPoP-bound tokens (a nonce retry at the token
/// endpoint), and userinfo, which checks the proof, answers a `waybill call` (a nonce retry at
/// the resource). The token alone, as a bearer, is refused; so is a proof for another URL. Curl
/// out shows both headers redacted; neither the token nor the key is in any file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_bound_tokens_need_their_proof_at_oidc_provider() {
    require_keyring();
    let secret = random_secret("oidc-secret");
    let oidc = OidcProvider::start_with(&secret, 60, &[("OIDC_DPOP_NONCE", "1")]);
    let minted = oidc.mint_refresh_token().await;
    let wb = Waybill::new();
    wb.ok(
        &[
            "profile",
            "add",
            "bound",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "rt-client",
            "--api-base",
            &oidc.issuer,
            "--userinfo-url",
            &format!("{}/me", oidc.issuer),
            "--scope",
            "openid",
            "--dpop",
            "--client-secret-stdin",
            "--refresh-token-stdin",
        ],
        &format!("{secret}\n{minted}\n"),
    );
    let token = token_json(&wb, "bound");
    assert_eq!(token["token_type"], "DPoP", "{token}");
    let access = token["access_token"].as_str().unwrap().to_string();
    let me = wb.run(&["call", "bound", "GET", "/me", "--json-out"], "");
    assert_eq!(me.code, 0, "{}\n{}", me.stdout, me.stderr);
    let me: Value = serde_json::from_str(&me.stdout).unwrap();
    assert_eq!(me["status"], 200, "{me}");
    assert_eq!(me["body"]["sub"], "test-user");
    let checked = wb.json(&["inspect", "bound", "--introspect", "--json"]);
    assert_eq!(checked["userinfo"]["sub"], "test-user", "{checked}");

    // Stolen, the token is useless: as a bearer, and with a proof made for another URL.
    let http = reqwest::Client::new();
    let me_url = format!("{}/me", oidc.issuer);
    let as_bearer = http.get(&me_url).bearer_auth(&access).send().await.unwrap();
    assert_eq!(as_bearer.status(), 401);
    let pem = secret_tool_lookup(&format!("{}/dpop_key", wb.keyring_id("bound")))
        .expect("the DPoP key is in the keyring");
    let key = waybill_core::auth::key::SigningKey::open(&waybill_core::ClientKey::new(pem.clone()))
        .unwrap();
    let dpop = waybill_core::auth::dpop::Dpop::new(key);
    let mut refusal = String::new();
    for _ in 0..2 {
        let proof = dpop
            .proof(
                "GET",
                &format!("{}/wrong", oidc.issuer),
                Some(&access),
                chrono::Utc::now(),
            )
            .unwrap();
        let response = http
            .get(&me_url)
            .header("Authorization", format!("DPoP {access}"))
            .header("DPoP", proof)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let nonce = response
            .headers()
            .get("DPoP-Nonce")
            .and_then(|v| v.to_str().ok());
        dpop.remember_nonce(&me_url, nonce);
        refusal = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
    }
    assert!(refusal.contains("invalid_dpop_proof"), "{refusal}");

    // A client whose tokens must be DPoP-bound gets one through client credentials.
    wb.ok(
        &[
            "profile",
            "add",
            "bound-cc",
            "--grant",
            "client_credentials",
            "--token-url",
            &oidc.token_endpoint,
            "--client-id",
            "cc-dpop",
            "--scope",
            "api:read",
            "--dpop",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let cc = token_json(&wb, "bound-cc");
    assert_eq!(cc["token_type"], "DPoP", "{cc}");

    let listed = wb.json(&["history", "--profile", "bound", "--json"]);
    let id = listed[0]["id"].as_i64().unwrap().to_string();
    let curl = wb.ok(&["history", "show", &id, "--curl"], "").stdout;
    assert!(
        curl.contains("Authorization: DPoP [redacted]") && curl.contains("DPoP: [redacted]"),
        "{curl}"
    );
    let mut needles = vec![access, cc["access_token"].as_str().unwrap().to_string()];
    needles.extend(pem_lines(&pem));
    for needle in &needles {
        let leaks = wb.find_leaks(needle);
        assert!(leaks.is_empty(), "{needle:?} leaked into {leaks:?}");
    }
}

/// RFC 8628 §3.5 at a provider that says `slow_down` (oidc-provider never does): the next poll
/// waits 5 s longer than the interval. (`authorization_pending` is met at oidc-provider.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_code_poll_slows_down_when_the_provider_says_so() {
    require_keyring();
    let polls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = polls.clone();
    let emulator = Emulator::start(move |r: &Recorded| match r.path.as_str() {
        "/device" => Reply::json(
            200,
            serde_json::json!({"device_code": "dev-code-123", "user_code": "ABCD-EFGH",
                "verification_uri": "https://example.test/device", "expires_in": 60, "interval": 1}),
        ),
        _ => {
            seen.lock().unwrap().push(std::time::Instant::now());
            match r.seq {
                0 => Reply::json(400, serde_json::json!({"error": "slow_down"})),
                _ => Reply::json(
                    200,
                    serde_json::json!({"access_token": "device-token-1", "token_type": "Bearer", "expires_in": 300}),
                ),
            }
        }
    })
    .await;
    let wb = Waybill::new();
    wb.ok(
        &[
            "profile",
            "add",
            "slow",
            "--grant",
            "device_code",
            "--device-authorization-url",
            &emulator.url("/device"),
            "--token-url",
            &emulator.url("/token"),
            "--client-id",
            "tv",
        ],
        "",
    );
    let login = wb.run(&["login", "slow", "--no-browser"], "");
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(
        login.stdout.contains("enter the code ABCD-EFGH"),
        "{}",
        login.stdout
    );
    let polls = polls.lock().unwrap().clone();
    assert_eq!(polls.len(), 2);
    let after_slow_down = polls[1] - polls[0];
    assert!(
        after_slow_down >= Duration::from_secs(6),
        "interval 1 s + 5 s after slow_down, not {after_slow_down:?}"
    );
    let token = emulator.requests_to("/token")[0].form();
    assert!(token.contains(&(
        "grant_type".into(),
        "urn:ietf:params:oauth:grant-type:device_code".into()
    )));
    assert!(token.contains(&("device_code".into(), "dev-code-123".into())));
}

/// A refresh token the provider no longer accepts (here: spent by another client copy, so
/// oidc-provider's reuse detection refuses it with `invalid_grant`): `token` and `call` exit 2
/// saying so, with what to do; the stale refresh token is forgotten, not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_the_provider_refuses_is_forgotten_and_the_user_told_to_sign_in_again() {
    require_keyring();
    let secret = random_secret("oidc-secret");
    let oidc = OidcProvider::start(&secret, 60);
    let minted = oidc.mint_refresh_token().await;
    let wb = Waybill::new();
    for name in ["first", "second"] {
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--token-url",
                &oidc.token_endpoint,
                "--client-id",
                "rt-client",
                "--api-base",
                &oidc.issuer,
                "--client-secret-stdin",
                "--refresh-token-stdin",
            ],
            &format!("{secret}\n{minted}\n"),
        );
    }
    // The first use rotates the refresh token: the copy the second profile holds is spent.
    assert_eq!(token_json(&wb, "first")["source"], "refreshed");
    let refused = wb.run(&["token", "second"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("profile second needs its user to sign in again: the provider no longer accepts its sign-in (invalid_grant"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("waybill profile edit second --refresh-token-stdin"),
        "{}",
        refused.stderr
    );
    let id = wb.keyring_id("second");
    assert_eq!(
        secret_tool_lookup(&format!("{id}/refresh_token")),
        None,
        "the refused refresh token is forgotten"
    );
    // Nothing stale is sent again: `call` says there is nothing to renew with.
    let call = wb.run(&["call", "second", "GET", "/me"], "");
    assert_eq!(call.code, 2);
    assert!(
        call.stderr
            .contains("there is no valid token and no refresh token"),
        "{}",
        call.stderr
    );
    // `login` on a profile that has no sign-in of its own says what to do instead.
    let login = wb.run(&["login", "second"], "");
    assert_eq!(login.code, 2);
    assert!(
        login.stderr.contains("--refresh-token-stdin"),
        "{}",
        login.stderr
    );
}

/// `waybill import` on real specs: the plan changes nothing; `--yes` makes the profile (its
/// auth from the spec, no secret) and its saved requests, which `send` can find; a second import
/// never replaces it; a spec with no OAuth scheme needs `--profile`; a malformed or huge file is
/// refused with a sentence and nothing written.
#[test]
fn importing_an_openapi_spec_plans_then_adds_a_profile_and_its_requests() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import");
    let paypal = fixtures.join("openapi-paypal/shipping_shipment_tracking_v1.json");
    let paypal = paypal.to_str().unwrap();
    let wb = Waybill::new();
    let plan = wb.ok(&["import", paypal], "").stdout;
    assert!(
        plan.starts_with("Read OpenAPI 3.0.3 (JSON): \"Shipment Tracking\""),
        "{plan}"
    );
    assert!(
        plan.contains("Profile: create shipment-tracking (client_credentials"),
        "{plan}"
    );
    assert!(plan.contains("Nothing changed"), "{plan}");
    assert!(
        !wb.home.path().join("profiles.toml").exists(),
        "the plan wrote nothing"
    );

    let json = wb.json(&["import", paypal, "--env", "live", "--yes", "--json"]);
    assert_eq!(json["applied"], true);
    assert_eq!(json["profile"]["action"], "create");
    assert_eq!(json["requests"].as_array().unwrap().len(), 5);
    let profile = wb.json(&["profile", "show", "shipment-tracking", "--json"]);
    assert_eq!(
        profile["token_url"],
        "https://api-m.paypal.com/v1/oauth2/token"
    );
    assert_eq!(profile["api_base"], "https://api-m.paypal.com");
    let saved = wb.json(&["requests", "shipment-tracking", "--json"]);
    let get = saved
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "trackers.get")
        .expect("trackers.get saved");
    assert_eq!(get["folder"], "trackers");
    assert_eq!(get["url"], "/v1/shipping/trackers/{{id}}");

    // Again: a new profile beside it, never over it; or, with --profile, into it.
    let again = wb.json(&["import", paypal, "--yes", "--json"]);
    assert_eq!(again["profile"]["name"], "shipment-tracking-2");
    assert_eq!(again["profile"]["renamed_from"], "shipment-tracking");
    assert_eq!(
        wb.json(&["profile", "show", "shipment-tracking", "--json"])["api_base"],
        "https://api-m.paypal.com"
    );
    let adyen = fixtures.join("openapi-adyen/CheckoutService-v71.json");
    let adyen = adyen.to_str().unwrap();
    let refused = wb.run(&["import", adyen, "--yes"], "");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("no OAuth 2.0 settings") && refused.stderr.contains("--profile"),
        "{}",
        refused.stderr
    );
    let into = wb.json(&[
        "import",
        adyen,
        "--profile",
        "shipment-tracking",
        "--yes",
        "--json",
    ]);
    assert_eq!(into["profile"]["action"], "reuse");
    assert_eq!(
        wb.json(&["requests", "shipment-tracking", "--json"])
            .as_array()
            .unwrap()
            .len(),
        5 + 28
    );

    // Untrusted input: refused in one sentence, nothing written.
    let before = std::fs::read(wb.home.path().join("profiles.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "openapi: 3.0.0\npaths: [\n").unwrap();
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(21 * 1024 * 1024)
        .unwrap();
    for (file, words) in [(&broken, "neither JSON nor YAML"), (&huge, "over 20 MB")] {
        let run = wb.run(&["import", file.to_str().unwrap(), "--yes"], "");
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(words), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    assert_eq!(
        std::fs::read(wb.home.path().join("profiles.toml")).unwrap(),
        before
    );
}

#[test]
fn a_corrupt_profiles_file_is_kept_aside_and_reported() {
    let wb = Waybill::new();
    let path = wb.home.path().join("profiles.toml");
    let garbage = "version = 1\n[[profile]\nname = \"half-written";
    std::fs::write(&path, garbage).unwrap();
    let run = wb.run(&["profile", "list"], "");
    assert_eq!(run.code, 2, "a corrupt file is an error, not an empty list");
    assert!(
        run.stderr.contains("could not be read") && run.stderr.contains("moved to"),
        "{}",
        run.stderr
    );
    let backups: Vec<_> = std::fs::read_dir(wb.home.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("profiles.toml.corrupt-")
        })
        .collect();
    assert_eq!(backups.len(), 1, "exactly one backup");
    assert_eq!(
        std::fs::read_to_string(backups[0].path()).unwrap(),
        garbage,
        "the user's file is kept byte for byte"
    );
    let again = wb.ok(&["profile", "list"], "");
    assert!(again.stdout.contains("No profiles yet"), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_commands_say_so_and_session_only_works() {
    let secret = random_secret("client-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new().env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/waybill-test-bus",
    );
    let token_url = server.token_url();
    let args = [
        "profile",
        "add",
        "p",
        "--grant",
        "client_credentials",
        "--token-url",
        &token_url,
        "--client-id",
        "demo-client",
        "--client-secret-stdin",
    ];
    let refused = wb.run(&args, &format!("{secret}\n"));
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("no OS keyring is reachable"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--session-only"),
        "the way out is named: {}",
        refused.stderr
    );
    assert!(
        !wb.home.path().join("profiles.toml").exists(),
        "no profile without a place for its secret"
    );

    let mut session_args = args.to_vec();
    session_args.insert(0, "--session-only");
    wb.ok(&session_args, &format!("{secret}\n"));
    let run = wb.run_printing_token(
        &["--session-only", "token", "p", "--json"],
        &format!("{secret}\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(token["source"], "fetched");
    let access = token["access_token"].as_str().unwrap();
    for needle in [secret.as_str(), access] {
        assert!(
            wb.find_leaks(needle).is_empty(),
            "--session-only must not write secrets anywhere: {:?}",
            wb.find_leaks(needle)
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_fill_the_profile_and_flags_override_them() {
    require_keyring();
    let secret = random_secret("client-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    let (token_url, api_base) = (server.token_url(), server.api_base());
    wb.ok(
        &[
            "profile",
            "add",
            "mp",
            "--preset",
            "myparcel",
            "--env",
            "live",
            "--client-id",
            "demo-client",
            "--token-url",
            &token_url,
            "--api-base",
            &api_base,
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    let p = wb.json(&["profile", "show", "mp", "--json"]);
    assert_eq!(p["client_auth"], "json", "MyParcel.com takes a JSON body");
    assert_eq!(p["scope"], "*");
    assert_eq!(p["environment"], "live");
    assert_eq!(p["headers"]["Content-Type"], "application/vnd.api+json");
    assert_eq!(
        p["token_url"],
        token_url.as_str(),
        "an explicit flag overrides the preset"
    );
    assert_eq!(token_json(&wb, "mp")["source"], "fetched");

    let plain = wb.json(&["profile", "show", "mp", "--json"]);
    assert_eq!(plain, p, "getting a token does not rewrite the profile");

    let oro = wb.run(
        &[
            "profile",
            "add",
            "shop",
            "--preset",
            "oro",
            "--client-id",
            "x",
            "--client-secret-stdin",
        ],
        "s3cret-value\n",
    );
    assert_eq!(oro.code, 2);
    assert!(oro.stderr.contains("--base-url"), "{}", oro.stderr);
    let unknown = wb.run(
        &["profile", "add", "x", "--preset", "dhl", "--client-id", "x"],
        "",
    );
    assert!(
        unknown
            .stderr
            .contains("known presets: amazon-sp-api, bindeo, dhl-parcel-de, easypost,"),
        "{}",
        unknown.stderr
    );
    server.shutdown().await;
}

#[test]
fn network_failures_and_usage_errors_are_sentences_with_exit_2() {
    let wb = Waybill::new();
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/token");
    wb.ok(
        &[
            "--session-only",
            "profile",
            "add",
            "gone",
            "--grant",
            "client_credentials",
            "--token-url",
            &url,
            "--client-id",
            "c",
            "--client-secret-stdin",
        ],
        "s3cret-value\n",
    );
    let refused = wb.run(&["--session-only", "token", "gone"], "s3cret-value\n");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("could not connect") && refused.stderr.contains("refused"),
        "{}",
        refused.stderr
    );

    let usage = wb.run(&["call", "gone"], "");
    assert_eq!(usage.code, 2, "a usage error exits 2");
    let bad_method = wb.run(&["call", "nope", "GET", "/x"], "");
    assert!(
        bad_method.stderr.contains("no profile named \"nope\""),
        "{}",
        bad_method.stderr
    );
}

/// Carriers answer errors in their own JSON, not OAuth's: the token refusal and the API's error
/// are shown as the provider's code and message, on stderr and in `call --json-out`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_providers_own_error_shape_is_shown_as_its_code_and_message() {
    let emulator = Emulator::start(|r: &Recorded| match r.path.as_str() {
        "/token" if r.body_text().contains("client_id=wrong") => Reply::json(
            401,
            serde_json::json!({"response": {"errors": [
                {"code": "250002", "message": "Invalid Authentication Information."}]}}),
        ),
        "/token" => Reply::json(
            200,
            serde_json::json!({"access_token": "carrier-token", "token_type": "Bearer", "expires_in": "14399"}),
        ),
        _ => Reply::json(
            403,
            serde_json::json!({"type": "about:blank", "title": "Forbidden", "status": 403,
                "detail": "The account is not enabled for this service."}),
        )
        .header("content-type", "application/problem+json"),
    })
    .await;
    let wb = Waybill::new();
    for client in ["wrong", "right"] {
        wb.ok(
            &[
                "--session-only",
                "profile",
                "add",
                client,
                "--grant",
                "client_credentials",
                "--token-url",
                &emulator.url("/token"),
                "--api-base",
                &emulator.url("/api"),
                "--client-id",
                client,
                "--client-secret-stdin",
            ],
            "s3cret-value\n",
        );
    }

    let refused = wb.run(&["--session-only", "token", "wrong"], "s3cret-value\n");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("250002: Invalid Authentication Information."),
        "the carrier's code and message: {}",
        refused.stderr
    );

    let call = wb.run(
        &[
            "--session-only",
            "call",
            "right",
            "GET",
            "/rates",
            "--json-out",
        ],
        "s3cret-value\n",
    );
    assert_eq!(
        call.code, 1,
        "an HTTP error status exits 1: {}",
        call.stderr
    );
    assert!(
        call.stderr.contains("HTTP 403 from ")
            && call
                .stderr
                .contains("Forbidden: The account is not enabled for this service."),
        "{}",
        call.stderr
    );
    let out: Value = serde_json::from_str(&call.stdout).unwrap();
    assert_eq!(
        out["provider_error"],
        serde_json::json!({"code": "Forbidden", "message": "The account is not enabled for this service."})
    );
    assert_eq!(out["body"]["status"], 403, "the body itself is kept whole");
}

/// A provider whose access tokens are JWTs (MyParcel.com, OroCommerce) and that publishes a JWKS:
/// `waybill inspect` shows header and claims, checks the signature, and never prints the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_shows_a_jwt_and_checks_its_signature_without_printing_the_token() {
    use base64::Engine;

    require_keyring();
    const PROVIDER_KEY: &[u8] = b"the-provider-signing-key-0123456789";
    // A credential of its own, sent beside the access token: shown by name only.
    const ID_TOKEN: &str = "eyJpZC10b2tlbi1zZWNyZXQ.id-token-value-9c1e";
    fn provider(
        signing_key: &'static [u8],
    ) -> impl Fn(&waybill_tests::emulator::Recorded) -> Reply {
        move |request| match request.path.as_str() {
            "/token" => {
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
                header.kid = Some("key-1".into());
                let exp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
                    + 600;
                let claims =
                    serde_json::json!({"sub": "shop-42", "scope": "shipments", "exp": exp});
                let jwt = jsonwebtoken::encode(
                    &header,
                    &claims,
                    &jsonwebtoken::EncodingKey::from_secret(signing_key),
                )
                .unwrap();
                Reply::json(
                    200,
                    serde_json::json!({"access_token": jwt, "token_type": "Bearer", "expires_in": 86400, "id_token": ID_TOKEN}),
                )
            }
            "/jwks" => Reply::json(
                200,
                serde_json::json!({"keys": [{"kty": "oct", "kid": "key-1", "alg": "HS256",
                    "k": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(PROVIDER_KEY)}]}),
            ),
            _ => Reply::json(404, serde_json::json!({"error": "not_found"})),
        }
    }
    let genuine = Emulator::start(provider(PROVIDER_KEY)).await;
    let forger = Emulator::start(provider(b"not-the-providers-key-0123456789ab")).await;
    let wb = Waybill::new();
    for (name, emulator) in [("genuine", &genuine), ("forged", &forger)] {
        let (token_url, jwks_url) = (emulator.url("/token"), emulator.url("/jwks"));
        wb.ok(
            &[
                "profile",
                "add",
                name,
                "--grant",
                "client_credentials",
                "--token-url",
                &token_url,
                "--jwks-url",
                &jwks_url,
                "--client-id",
                "shop",
                "--client-auth",
                "json",
                "--client-secret-stdin",
            ],
            "s3cret-value-for-jwt\n",
        );
    }
    let signed_out = wb.json(&["inspect", "genuine", "--json"]);
    assert_eq!(signed_out["state"], "signed_out", "no token yet");

    let token = token_json(&wb, "genuine");
    let access = token["access_token"].as_str().unwrap().to_string();
    let shown = wb.json(&["inspect", "genuine", "--json"]);
    assert_eq!(shown["state"], "valid");
    assert_eq!(
        shown["meta"]["obtained_by"], "fetched",
        "how the token was obtained is kept with it"
    );
    assert_eq!(shown["jwt"]["claims"]["sub"], "shop-42");
    assert_eq!(shown["jwt"]["header"]["kid"], "key-1");
    assert_eq!(
        shown["signature"]["status"], "checked",
        "signed with the key the provider publishes: {shown}"
    );
    assert_eq!(
        shown["meta"]["extra_fields"],
        serde_json::json!(["id_token"])
    );
    let left = shown["seconds_left"].as_i64().unwrap();
    assert!(
        (590..=600).contains(&left),
        "the JWT's exp (10 min), not expires_in (1 day), is the real expiry: {left}"
    );

    token_json(&wb, "forged");
    let forged = wb.json(&["inspect", "forged", "--json"]);
    assert_eq!(
        forged["signature"]["status"], "invalid",
        "a signature the provider's key does not verify: {forged}"
    );
    assert!(wb.json(&["inspect", "forged", "--json", "--no-verify"])["signature"].is_null());
    let text = wb.ok(&["inspect", "genuine"], "");
    assert!(
        text.stdout.contains("signature:    checked"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("id_token"), "named: {}", text.stdout);
    assert!(
        wb.find_leaks(ID_TOKEN).is_empty(),
        "inspect names the id_token but never prints it: {:?}",
        wb.find_leaks(ID_TOKEN)
    );

    assert!(
        wb.find_leaks(&access).is_empty(),
        "inspect never prints the token: {:?}",
        wb.find_leaks(&access)
    );
    assert!(wb.find_leaks("s3cret-value-for-jwt").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_import_prints_the_request_and_sends_it_with_the_profiles_token() {
    require_keyring();
    let secret = random_secret("client-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "carrier", &server, "basic", &secret);
    let customer_token = random_secret("customer-token");
    let pasted = format!(
        "curl -X POST '{}/shipments' \\\n  -H 'Authorization: Bearer {customer_token}' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{{\"to\": \"Lyon\", \"parcels\": 3}}'\n",
        server.api_base()
    );

    let printed = wb.ok(&["curl-import"], &pasted);
    let request: Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(request["method"], "POST");
    assert_eq!(request["url"], format!("{}/shipments", server.api_base()));
    assert_eq!(request["body"], "{\"to\": \"Lyon\", \"parcels\": 3}");
    assert!(request["headers"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["Authorization", "Bearer [redacted]"])));

    // Sent with the profile's token: the demo API knows it (the customer's would get a 401).
    let sent = wb.run(
        &[
            "curl-import",
            "--profile",
            "carrier",
            "--send",
            "--json-out",
        ],
        &pasted,
    );
    assert_eq!(sent.code, 0, "{}\n{}", sent.stdout, sent.stderr);
    let answer: Value = serde_json::from_str(&sent.stdout).unwrap();
    assert_eq!(answer["status"], 201);
    assert_eq!(answer["body"]["to"], "Lyon");
    assert_eq!(answer["retried_after_401"], false);
    assert!(
        wb.find_leaks(&customer_token).is_empty(),
        "the customer's token is never echoed"
    );

    let refused = wb.run(
        &["curl-import"],
        "curl --proxy http://p:3128 https://a.example\n",
    );
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--proxy"), "{}", refused.stderr);
    let no_profile = wb.run(&["curl-import", "--send"], &pasted);
    assert_eq!(no_profile.code, 2, "--send needs --profile");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_keeps_calls_without_secrets_and_replays_them() {
    require_keyring();
    let secret = random_secret("client-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    add_client_credentials(&wb, "carrier", &server, "form", &secret);
    let token = token_json(&wb, "carrier")["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let password = random_secret("body-password");
    let body = format!("{{\"to\": \"Oslo\", \"password\": \"{password}\"}}");
    wb.ok(&["call", "carrier", "POST", "/shipments", "-d", &body], "");
    assert_eq!(wb.run(&["call", "carrier", "GET", "/nowhere"], "").code, 1);

    let all = wb.json(&["history", "--json"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["status"], 404, "newest first");
    assert_eq!(all[1]["method"], "POST");
    assert_eq!(all[1]["url"], format!("{}/shipments", server.api_base()));
    assert!(all[1]["request_body"].as_str().unwrap().contains("Oslo"));
    assert!(all[1]["response_body"].as_str().unwrap().contains("Oslo"));
    let failed = wb.json(&["history", "--status", "4xx", "--json"]);
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let shipments = wb.json(&[
        "history",
        "--url",
        "shipments",
        "--profile",
        "carrier",
        "--json",
    ]);
    let id = shipments[0]["id"].as_i64().unwrap().to_string();

    let curl = wb.ok(&["history", "show", &id, "--curl"], "").stdout;
    assert!(curl.contains("Authorization: Bearer [redacted]"), "{curl}");
    assert!(
        curl.contains("Oslo") && curl.contains("[redacted]"),
        "{curl}"
    );
    let with_token = wb.run_printing_token(&["history", "show", &id, "--curl", "--with-token"], "");
    assert!(with_token.stdout.contains(&format!("Bearer {token}")));

    // Replay: the same request again with the profile's current token, kept as a new entry.
    let replayed = wb.run(&["replay", &id, "--json-out"], "");
    assert_eq!(replayed.code, 0, "{}", replayed.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&replayed.stdout).unwrap()["status"],
        201
    );
    assert_eq!(wb.json(&["history", "--json"]).as_array().unwrap().len(), 3);

    // The outputs and every file (the history database among them) hold no secret or token.
    for needle in [&token, &secret] {
        assert!(
            wb.find_leaks(needle).is_empty(),
            "{needle:.10}… leaked: {:?}",
            wb.find_leaks(needle)
        );
    }
    // The password in the body was printed back by the API's answer (that is the call's output),
    // but history keeps it redacted, in its files and in what it shows.
    for entry in std::fs::read_dir(wb.home.path()).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes()),
            "the body's password reached {}",
            entry.path().display()
        );
    }
    assert!(!wb
        .ok(&["history", "show", &id], "")
        .stdout
        .contains(&password));
    // A case file and a history dump: no secret or token in either.
    let case_path = wb.home.path().join("case.json");
    let case_file = case_path.display().to_string();
    wb.ok(&["case", "export", &case_file, "--profile", "carrier"], "");
    let dump = wb.ok(&["history", "--json"], "").stdout;
    let case_text = std::fs::read_to_string(&case_path).unwrap();
    assert!(case_text.contains("Oslo") && case_text.contains("\"carrier\""));
    for needle in [&token, &secret, &password] {
        assert!(
            !case_text.contains(needle.as_str()),
            "{needle:.10}… in the case file"
        );
        assert!(
            !dump.contains(needle.as_str()),
            "{needle:.10}… in the history dump"
        );
    }
    // A colleague imports it: the plan first, then the profile (renamed, as one exists) and its
    // requests as saved requests.
    let colleague = Waybill::new();
    let plan = colleague.ok(&["case", "import", &case_file], "").stdout;
    assert!(
        plan.contains("add profile carrier") && plan.contains("--yes"),
        "{plan}"
    );
    assert!(
        colleague.run(&["profile", "show", "carrier"], "").code == 2,
        "nothing added yet"
    );
    colleague.ok(&["case", "import", &case_file, "--yes"], "");
    colleague.ok(&["profile", "show", "carrier"], "");
    let again = wb.ok(&["case", "import", &case_file], "").stdout;
    assert!(
        again.contains("use profile carrier"),
        "an identical profile is reused: {again}"
    );

    wb.ok(&["history", "keep", "1"], "");
    assert_eq!(wb.json(&["history", "--json"]).as_array().unwrap().len(), 1);
    wb.ok(&["history", "clear"], "");
    assert!(wb
        .json(&["history", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_follow_the_profiles_environment_and_history_keeps_the_resolved_call() {
    require_keyring();
    let secret = random_secret("client-secret");
    let server = demo::start(&secret, "unused-password").await;
    let wb = Waybill::new();
    let (token_url, api_base) = (server.token_url(), server.api_base());
    for (name, env) in [("packly-sbx", "sandbox"), ("packly-live", "live")] {
        let args = [
            "profile",
            "add",
            name,
            "--preset",
            "packly",
            "--env",
            env,
            "--token-url",
            &token_url,
            "--api-base",
            &api_base,
            "--client-id",
            "demo-client",
            "--client-secret-stdin",
        ];
        wb.ok(&args, &format!("{secret}\n"));
    }
    let created = wb.ok(
        &[
            "call",
            "packly-sbx",
            "POST",
            "/shipments",
            "-d",
            r#"{"to":"{{city}}"}"#,
            "--var",
            "city=Oslo",
        ],
        "",
    );
    let id = serde_json::from_str::<Value>(&created.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    wb.ok(&["var", "set", "shipment", &id, "--env", "sandbox"], "");
    wb.ok(
        &["var", "set", "shipment", "shp_missing", "--env", "live"],
        "",
    );
    wb.ok(&["var", "set", "tenant", "acme"], "");
    let listed = wb.json(&["var", "list", "--json"]);
    assert_eq!(listed["sandbox"]["shipment"], id.as_str());
    assert_eq!(listed["shared"]["tenant"], "acme");

    // The same call means a different shipment in each environment.
    let path = "/shipments/{{shipment}}?t={{tenant}}&p={{profile}}";
    let sandbox = wb.ok(&["call", "packly-sbx", "GET", path], "");
    assert!(sandbox.stdout.contains("Oslo"), "{}", sandbox.stdout);
    assert_eq!(
        wb.run(&["call", "packly-live", "GET", path], "").code,
        1,
        "live has no such shipment"
    );

    // History keeps what went out, not the template.
    let history = wb.json(&["history", "--json"]);
    assert_eq!(
        history[0]["url"],
        format!("{api_base}/shipments/shp_missing?t=acme&p=packly-live")
    );
    assert_eq!(history[0]["environment"], "live");
    assert_eq!(
        history[1]["url"],
        format!("{api_base}/shipments/{id}?t=acme&p=packly-sbx")
    );
    assert_eq!(history[2]["request_body"], r#"{"to":"Oslo"}"#);

    // A name with no value is refused before anything is sent.
    let undefined = wb.run(&["call", "packly-live", "GET", "/shipments/{{order}}"], "");
    assert_eq!(undefined.code, 2);
    assert!(
        undefined.stderr.contains("{{order}} has no value for live"),
        "{}",
        undefined.stderr
    );
    assert_eq!(wb.json(&["history", "--json"]).as_array().unwrap().len(), 3);
    let bad = wb.run(&["var", "set", "two words", "x"], "");
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("is not a variable name"),
        "{}",
        bad.stderr
    );

    wb.ok(&["var", "unset", "shipment", "--env", "live"], "");
    assert_eq!(
        wb.run(&["var", "unset", "shipment", "--env", "live"], "")
            .code,
        2
    );
    assert!(wb.json(&["var", "list", "--json"])["live"]
        .as_object()
        .unwrap()
        .is_empty());

    // Replayed with a profile on another API base, the call goes there, with that one's token.
    let other = demo::start(&secret, "unused-password").await;
    add_client_credentials(&wb, "elsewhere", &other, "form", &secret);
    wb.ok(&["call", "packly-sbx", "GET", "/services"], "");
    let id = wb.json(&["history", "--json"])[0]["id"].to_string();
    let replayed = wb.run(&["replay", &id, "--profile", "elsewhere", "--json-out"], "");
    assert_eq!(replayed.code, 0, "{}", replayed.stderr);
    let replayed: Value = serde_json::from_str(&replayed.stdout).unwrap();
    assert_eq!(replayed["url"], format!("{}/services", other.api_base()));
}

#[test]
fn the_manual_page_and_shell_completions_come_from_the_command_definitions() {
    let wb = Waybill::new();
    let page = wb.ok(&["man"], "").stdout;
    assert!(page.contains(".TH waybill 1"), "{page}");
    for command in ["profile", "token", "call", "demo\\-server"] {
        assert!(page.contains(command), "the page names {command}");
    }
    let bash = wb.ok(&["completions", "bash"], "").stdout;
    assert!(bash.contains("_waybill()") && bash.contains("--tls-cert-file"));
    // The script is valid bash (parsed, not run).
    let script = wb.home.path().join("waybill.bash");
    std::fs::write(&script, &bash).unwrap();
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(parsed.success(), "bash -n refused the completion script");
    assert!(wb
        .ok(&["completions", "zsh"], "")
        .stdout
        .starts_with("#compdef waybill"));
    assert!(wb
        .ok(&["completions", "fish"], "")
        .stdout
        .contains("complete -c waybill"));
    assert_eq!(wb.run(&["completions", "tcsh"], "").code, 2);
}

/// The emulated carrier behind the collections below: a token for `client:secret` in a Basic
/// header (their dialect), and an API that answers that token only.
async fn carrier(client: &'static str, secret: String) -> Emulator {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client}:{secret}"));
    Emulator::start(move |r: &Recorded| {
        let authorized = r.header("authorization") == Some(&format!("Basic {basic}"));
        match (r.path.as_str(), r.bearer()) {
            (p, _) if p.ends_with("/token") && authorized => Reply::json(
                200,
                serde_json::json!({"access_token": "carrier-token-1", "token_type": "Bearer", "expires_in": 3600}),
            ),
            (p, _) if p.ends_with("/token") => {
                Reply::json(401, serde_json::json!({"error": "invalid_client"}))
            }
            (_, Some("carrier-token-1")) => {
                Reply::json(200, serde_json::json!({"path": r.path, "ok": true}))
            }
            _ => Reply::json(401, serde_json::json!({"error": "invalid_token"})),
        }
    })
    .await
}

/// A real collection (Wise's, as Postman exports it) with an environment in Postman's export
/// format giving the host, the client id and the secret: the profile takes the collection's
/// token request (Basic, client_credentials), the secret goes to the keyring and nowhere else, and
/// a saved request is sent with the imported auth, its own `Bearer {{token}}` giving way.
#[tokio::test(flavor = "multi_thread")]
async fn a_postman_collection_and_its_environment_import_and_send_with_their_auth() {
    require_keyring();
    let secret = random_secret("wise-secret");
    let emulator = carrier("wise-app", secret.clone()).await;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import");
    let collection =
        fixtures.join("postman-wise/TransferWise for Banks API flow.postman_collection.json");
    let dir = tempfile::tempdir().unwrap();
    let environment = dir.path().join("local.postman_environment.json");
    let values = serde_json::json!({
        "id": "5f0c3d2e-0000-4000-8000-000000000001",
        "name": "Wise on this machine",
        "values": [
            {"key": "host", "value": emulator.url(""), "type": "default", "enabled": true},
            {"key": "client-id", "value": "wise-app", "type": "default", "enabled": true},
            {"key": "client-secret", "value": secret, "type": "secret", "enabled": true}
        ],
        "_postman_variable_scope": "environment",
        "_postman_exported_using": "Postman/11.2.0"
    });
    std::fs::write(&environment, values.to_string()).unwrap();
    let (collection, environment) = (collection.to_str().unwrap(), environment.to_str().unwrap());
    let wb = Waybill::new();

    let plan = wb
        .ok(&["import", collection, "--environment", environment], "")
        .stdout;
    assert!(
        plan.contains("Secret found: client secret (present; it goes to the keyring)"),
        "{plan}"
    );
    assert!(
        !wb.home.path().join("profiles.toml").exists(),
        "the plan wrote nothing"
    );
    let applied = wb.json(&[
        "import",
        collection,
        "--environment",
        environment,
        "--yes",
        "--json",
    ]);
    assert_eq!(applied["secrets"], serde_json::json!(["client secret"]));
    let name = applied["profile"]["name"].as_str().unwrap().to_string();
    let profile = wb.json(&["profile", "show", &name, "--json"]);
    assert_eq!(profile["token_url"], emulator.url("/oauth/token"));
    assert_eq!(profile["client_auth"], "basic");
    assert_eq!(profile["client_id"], "wise-app");

    let sent = wb.json(&["send", &name, "1. Get profile list", "--json-out"]);
    assert_eq!(sent["status"], 200, "{sent}");
    assert_eq!(sent["url"], emulator.url("/v1/profiles"));
    let call = &emulator.requests_to("/v1/profiles")[0];
    assert_eq!(call.header_all("authorization"), ["Bearer carrier-token-1"]);
    let token = emulator.requests_to("/oauth/token")[0].form();
    assert!(token.contains(&("grant_type".into(), "client_credentials".into())));
    assert_eq!(wb.find_leaks(&secret), Vec::<String>::new());
}

/// Insomnia's export format (v4 YAML, as Insomnia writes it) for the demo provider, its client
/// secret typed in the OAuth settings: imported, the token fetched from the demo provider, a
/// request sent, and the secret nowhere in Waybill's files.
#[tokio::test(flavor = "multi_thread")]
async fn an_insomnia_export_signs_in_at_the_demo_provider_with_its_secret_kept_in_the_keyring() {
    require_keyring();
    let secret = random_secret("insomnia-secret");
    let server = demo::start(&secret, "unused-password").await;
    let base = server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("Insomnia_2026-11-30.yaml");
    std::fs::write(
        &export,
        format!(
            r#"_type: export
__export_format: 4
__export_date: 2026-11-30T09:00:00.000Z
__export_source: insomnia.desktop.app:v2023.5.8
resources:
  - _id: req_1
    parentId: fld_1
    modified: 1701334800000
    created: 1701334800000
    url: "{{{{ _.base }}}}/api/services"
    name: Services
    description: ""
    method: GET
    body: {{}}
    parameters: []
    headers:
      - name: Accept
        value: application/json
    authentication: {{}}
    metaSortKey: -1701334800000
    _type: request
  - _id: fld_1
    parentId: wrk_1
    modified: 1701334800000
    created: 1701334800000
    name: Demo carrier
    description: ""
    environment: {{}}
    environmentPropertyOrder: null
    metaSortKey: -1701334800000
    authentication:
      type: oauth2
      grantType: client_credentials
      accessTokenUrl: "{{{{ _.base }}}}/oauth/token"
      clientId: demo-client
      clientSecret: {secret}
      credentialsInBody: true
      scope: ""
    _type: request_group
  - _id: wrk_1
    parentId: null
    modified: 1701334800000
    created: 1701334800000
    name: Demo workspace
    description: ""
    scope: collection
    _type: workspace
  - _id: env_1
    parentId: wrk_1
    modified: 1701334800000
    created: 1701334800000
    name: Base Environment
    data:
      base: {base}
    dataPropertyOrder:
      "&":
        - base
    color: null
    isPrivate: false
    metaSortKey: 1701334800000
    _type: environment
"#
        ),
    )
    .unwrap();
    let wb = Waybill::new();
    let export = export.to_str().unwrap();
    let applied = wb.json(&["import", export, "--yes", "--json"]);
    assert_eq!(applied["format"], "Insomnia export v4 (YAML)");
    assert_eq!(applied["profile"]["name"], "demo-workspace");
    assert_eq!(applied["secrets"], serde_json::json!(["client secret"]));
    let profile = wb.json(&["profile", "show", "demo-workspace", "--json"]);
    assert_eq!(profile["token_url"], format!("{base}/oauth/token"));
    assert_eq!(profile["client_auth"], "form");
    let sent = wb.json(&[
        "send",
        "demo-workspace",
        "Demo carrier/Services",
        "--json-out",
    ]);
    assert_eq!(sent["status"], 200, "{sent}");
    assert!(sent["body"].to_string().contains("express"), "{sent}");
    assert_eq!(wb.find_leaks(&secret), Vec::<String>::new());
}

/// A real Bruno collection (DEFRA's waste tracking API) pointed at an emulated carrier by an
/// environment of its own, as a person would add one: Bruno keeps `vars:secret` values out of
/// the files, so the secret is given after the import; the collection's OAuth settings (client
/// credentials in a Basic header) are the profile's dialect.
#[tokio::test(flavor = "multi_thread")]
async fn a_bruno_collection_imports_with_its_collection_oauth_and_sends() {
    require_keyring();
    let secret = random_secret("bruno-secret");
    let emulator = carrier("defra-app", secret.clone()).await;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import");
    let source = fixtures.join("bruno-defra-waste-tracking/digitalWasteTrackingExternalAPI");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("defra");
    copy_dir(&source, &copy);
    std::fs::remove_dir_all(copy.join("environments")).unwrap();
    std::fs::create_dir(copy.join("environments")).unwrap();
    std::fs::write(
        copy.join("environments/local.bru"),
        format!(
            "vars {{\n  baseUrl: {base}\n  authBaseUrl: {base}\n  clientId: defra-app\n}}\nvars:secret [\n  clientSecret,\n  apiCode\n]\n",
            base = emulator.url("")
        ),
    )
    .unwrap();
    let wb = Waybill::new();
    let applied = wb.json(&["import", copy.to_str().unwrap(), "--yes", "--json"]);
    assert_eq!(applied["format"], "Bruno collection (1 environment)");
    let name = applied["profile"]["name"].as_str().unwrap().to_string();
    assert_eq!(applied["profile"]["client_auth"], "basic");
    assert_eq!(applied["profile"]["grant"], "client_credentials");
    wb.ok(
        &["profile", "edit", &name, "--client-secret-stdin"],
        &format!("{secret}\n"),
    );
    let sent = wb.json(&["send", &name, "Get pop-names", "--json-out"]);
    assert_eq!(sent["status"], 200, "{sent}");
    let token = emulator.requests_to("/oauth2/token")[0].form();
    assert!(token.contains(&("grant_type".into(), "client_credentials".into())));
    assert_eq!(wb.find_leaks(&secret), Vec::<String>::new());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        match entry.file_type().unwrap().is_dir() {
            true => copy_dir(&entry.path(), &target),
            false => {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
}

/// An OpenAPI `openIdConnect` scheme: the plan asks the issuer (the demo provider) for its
/// endpoints, and the profile signs in with code + PKCE there; an issuer that does not answer is
/// one sentence, nothing written.
#[tokio::test(flavor = "multi_thread")]
async fn an_openid_connect_scheme_is_discovered_when_the_import_is_planned() {
    let server = demo::start("unused-secret", "unused-password").await;
    let base = server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let spec = |discovery: &str| {
        serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "Carrier with OIDC", "version": "1"},
            "servers": [{"url": format!("{base}/api")}],
            "components": {"securitySchemes": {"oidc": {
                "type": "openIdConnect", "openIdConnectUrl": discovery}}},
            "security": [{"oidc": ["shipments"]}],
            "paths": {"/services": {"get": {"operationId": "listServices"}}}
        })
        .to_string()
    };
    let good = dir.path().join("oidc.json");
    std::fs::write(
        &good,
        spec(&format!("{base}/.well-known/openid-configuration")),
    )
    .unwrap();
    let wb = Waybill::new();
    let plan = wb.json(&["import", good.to_str().unwrap(), "--json"]);
    assert_eq!(plan["profile"]["issuer"], base);
    assert_eq!(plan["profile"]["grant"], "authorization_code");
    assert_eq!(plan["profile"]["token_url"], format!("{base}/oauth/token"));
    assert_eq!(
        plan["profile"]["authorize_url"],
        format!("{base}/oauth/authorize")
    );
    assert_eq!(plan["profile"]["scope"], "openid shipments");
    wb.ok(&["import", good.to_str().unwrap(), "--yes"], "");
    let profile = wb.json(&["profile", "show", "carrier-with-oidc", "--json"]);
    assert_eq!(profile["authorize_url"], format!("{base}/oauth/authorize"));

    let silent = dir.path().join("silent.json");
    let port = waybill_tests::proxy::free_port();
    std::fs::write(
        &silent,
        spec(&format!(
            "http://127.0.0.1:{port}/.well-known/openid-configuration"
        )),
    )
    .unwrap();
    let before = std::fs::read(wb.home.path().join("profiles.toml")).unwrap();
    let refused = wb.run(&["import", silent.to_str().unwrap(), "--yes"], "");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert_eq!(
        std::fs::read(wb.home.path().join("profiles.toml")).unwrap(),
        before
    );
}
