//! The OS keyring locked, refused or gone, as people meet it: the screen locked (gnome-keyring
//! asks for the password in its own prompt, and the command waits for it), the prompt refused or
//! impossible to show, no Secret Service at all, and the daemon killed and started again. Each test
//! has its own bus and gnome-keyring (`waybill_tests::keyring`); nothing is lost in any of them.

use waybill_tests::demo;
use waybill_tests::harness::{random_secret, Run, Waybill};
use waybill_tests::keyring::{answer_unlock_prompt, PrivateKeyring, KEYRING_PASSWORD};

fn waybill_on(keyring: &PrivateKeyring) -> Waybill {
    keyring
        .envs()
        .into_iter()
        .fold(Waybill::new(), |wb, (key, value)| wb.env(&key, &value))
}

fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "the unlock prompt needs an X display: run through scripts/test (xvfb-run)"
    );
}

fn profiles_file(wb: &Waybill) -> Vec<u8> {
    std::fs::read(wb.home.path().join("profiles.toml")).expect("profiles.toml")
}

/// `waybill token NAME` on a thread, so the test can answer the prompt it waits on.
fn token_in_background(wb: Waybill, name: &'static str) -> std::thread::JoinHandle<(Waybill, Run)> {
    std::thread::spawn(move || {
        let run = wb.run_printing_token(&["token", name], "");
        (wb, run)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keyring_is_unlocked_through_its_own_prompt_while_the_command_waits() {
    require_display();
    let secret = random_secret("locked-secret");
    let server = demo::start(&secret, "unused").await;
    let keyring = PrivateKeyring::with_prompts(true);
    let wb = waybill_on(&keyring);
    demo::add_client_credentials(&wb, "ship", &server, "basic", &secret);
    let before = profiles_file(&wb);

    // The screen locked: the keyring's `login` collection with it.
    keyring.lock();
    let waiting = token_in_background(wb, "ship");
    answer_unlock_prompt(Some(KEYRING_PASSWORD));
    let (wb, run) = waiting.join().expect("the token command");
    assert_eq!(run.code, 0, "unlocked through the prompt: {}", run.stderr);
    assert!(run.stdout.trim().len() > 20, "a token was printed");
    assert_eq!(profiles_file(&wb), before, "the profiles file is as it was");

    // Refused (Escape): one sentence that says what to do, and nothing lost.
    keyring.lock();
    let waiting = token_in_background(wb, "ship");
    answer_unlock_prompt(None);
    let (wb, run) = waiting.join().expect("the token command");
    assert_ne!(run.code, 0, "a refused keyring cannot give the secret");
    assert!(
        run.stderr.contains("locked or refused access")
            && run.stderr.contains("unlock the keyring"),
        "says the keyring was refused and what to do: {}",
        run.stderr
    );
    assert_eq!(profiles_file(&wb), before, "nothing was changed or lost");

    // Unlocked at the next try, the same profile works with the same secret.
    let waiting = token_in_background(wb, "ship");
    answer_unlock_prompt(Some(KEYRING_PASSWORD));
    let (wb, run) = waiting.join().expect("the token command");
    assert_eq!(run.code, 0, "the secret is still there: {}", run.stderr);

    // A new profile's first secret, while locked, is a new entry in the locked collection: the
    // prompt again (it used to fail with "object locked").
    keyring.lock();
    let args = demo::add_profile_args("more", &server.base_url(), &["--client-secret-stdin"]);
    let adding = std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = wb.run(&args, "another-secret-000\n");
        (wb, run)
    });
    answer_unlock_prompt(Some(KEYRING_PASSWORD));
    let (wb, run) = adding.join().expect("the add command");
    assert_eq!(run.code, 0, "added once unlocked: {}", run.stderr);
    let id = wb.keyring_id("more");
    assert_eq!(
        keyring.lookup(&format!("{id}/client_secret")).as_deref(),
        Some("another-secret-000")
    );
    assert!(
        wb.find_leaks(&secret).is_empty(),
        "the secret is in the keyring only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keyring_whose_prompt_cannot_be_shown_is_said_in_one_sentence() {
    let secret = random_secret("noprompt-secret");
    let server = demo::start(&secret, "unused").await;
    // No display for the prompter: gnome-keyring's prompt fails at once.
    let keyring = PrivateKeyring::with_prompts(false);
    let wb = waybill_on(&keyring);
    demo::add_client_credentials(&wb, "ship", &server, "form", &secret);
    keyring.lock();
    let run = tokio::task::spawn_blocking(move || wb.run_printing_token(&["token", "ship"], ""))
        .await
        .unwrap();
    assert_ne!(run.code, 0);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("the OS keyring is locked or refused access"),
        "one sentence says the keyring is locked: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_service_nothing_is_written_and_the_error_says_what_to_do() {
    let secret = random_secret("absent-secret");
    let server = demo::start(&secret, "unused").await;
    // A session bus with nothing to keep secrets, and then no session bus at all.
    let no_service = PrivateKeyring::bus_only(false);
    let runs = [
        waybill_on(&no_service),
        Waybill::new().env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/waybill-bus",
        ),
    ];
    for wb in runs {
        let args = demo::add_profile_args("ship", &server.base_url(), &["--client-secret-stdin"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = wb.run(&args, &format!("{secret}\n"));
        assert_ne!(run.code, 0, "a secret with nowhere safe to go is refused");
        assert!(
            run.stderr.contains("no OS keyring is reachable")
                && run.stderr.contains("--session-only"),
            "says there is no keyring and what to do: {}",
            run.stderr
        );
        let listed = wb.json(&["profile", "list", "--json"]);
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(0),
            "no half-made profile was left: {listed}"
        );
        assert!(
            wb.find_leaks(&secret).is_empty(),
            "the secret was written nowhere"
        );

        // For this one run, memory does.
        let run = wb.run(
            &[&["--session-only"][..], &args].concat(),
            &format!("{secret}\n"),
        );
        assert_eq!(
            run.code, 0,
            "--session-only works without a keyring: {}",
            run.stderr
        );
        assert!(
            wb.find_leaks(&secret).is_empty(),
            "and keeps the secret in memory only"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyring_killed_and_started_again_loses_nothing() {
    let secret = random_secret("killed-secret");
    let server = demo::start(&secret, "unused").await;
    let mut keyring = PrivateKeyring::start();
    let wb = waybill_on(&keyring);
    demo::add_client_credentials(&wb, "ship", &server, "form", &secret);
    let id = wb.keyring_id("ship");
    let before = profiles_file(&wb);

    keyring.kill_daemon();
    let run = wb.run_printing_token(&["token", "ship"], "");
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("no OS keyring is reachable"),
        "says the keyring is gone: {}",
        run.stderr
    );
    assert_eq!(profiles_file(&wb), before, "the profile is untouched");

    keyring.start_daemon();
    let run = wb.run_printing_token(&["token", "ship"], "");
    assert_eq!(run.code, 0, "back with the keyring: {}", run.stderr);
    assert_eq!(
        keyring.lookup(&format!("{id}/client_secret")).as_deref(),
        Some(secret.as_str()),
        "the secret survived the daemon's death (gnome-keyring keeps it on disk)"
    );
}

/// How many elements match `css` now.
async fn count(window: &waybill_tests::window::Window, css: &str) -> usize {
    (window.client.find_all(fantoccini::Locator::Css(css)).await).map_or(0, |all| all.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_says_when_the_keyring_goes_recovers_when_it_is_back_and_tidies_it() {
    require_display();
    let secret = random_secret("window-keyring");
    let server = demo::start(&secret, "unused").await;
    let mut keyring = PrivateKeyring::start();
    let bus = keyring.envs().remove(0).1;
    let base = server.base_url();
    let window = waybill_tests::window::Window::open_prepared(
        &[],
        &[("DBUS_SESSION_BUS_ADDRESS", bus.clone())],
        |config| {
            // The profile and its token, made by the CLI before the window opens.
            let data = config.parent().unwrap().join("data");
            let wb = Waybill::new()
                .env("WAYBILL_HOME", &config.display().to_string())
                .env("XDG_DATA_HOME", &data.display().to_string())
                .env("DBUS_SESSION_BUS_ADDRESS", &bus);
            let args = demo::add_profile_args("ship", &base, &["--client-secret-stdin"]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            wb.ok(&args, &format!("{secret}\n"));
            wb.run_printing_token(&["token", "ship"], "");
        },
    )
    .await;
    let ship = "[data-profile='ship']";
    window.wait_for_text(ship, "valid").await;

    // The daemon dies under the running window: said in a banner and on the profile.
    keyring.kill_daemon();
    window
        .wait_for_text("#keyring-lost", "The OS keyring stopped answering")
        .await;
    window.wait_for_text(ship, "keyring unavailable").await;
    window.screenshot("24-keyring-gone").await;
    window.assert_accessible("24-keyring-gone").await;

    // It comes back: the banner goes, the profile is valid again, and a token is fetched.
    keyring.start_daemon();
    window.wait_for_text(ship, "valid").await;
    assert_eq!(
        count(&window, "#keyring-lost").await,
        0,
        "the banner is gone"
    );
    window.click(ship).await;
    window.click("#get-token").await;
    window.wait_for_text(ship, "valid").await;

    // An entry no profile owns (a Waybill killed while it made a profile), found and removed
    // under Settings; the profile's own entries stay.
    let status = keyring
        .tool("secret-tool")
        .args([
            "store",
            "--label=orphan",
            "service",
            "waybill",
            "username",
            "gone-0000/client_secret",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"left-behind")?;
            child.wait()
        })
        .expect("secret-tool store");
    assert!(status.success());
    let before = keyring.accounts();
    window.click("#open-settings").await;
    window.click("#keyring-look").await;
    window
        .wait_for_text("#keyring-result", "1 entry no profile owns")
        .await;
    let listed = window.text(".keyring-orphans").await;
    assert!(
        listed.contains("gone-0000") && listed.contains("client secret"),
        "{listed}"
    );
    assert!(!listed.contains("left-behind"), "never a value");
    window.screenshot("25-keyring-tidy").await;
    window.assert_accessible("25-keyring-tidy").await;
    window.click("#tidy-keyring").await;
    window.click("#confirm-tidy").await;
    window
        .wait_for_text("#keyring-result", "Removed 1 entry")
        .await;
    let after = keyring.accounts();
    let expected: Vec<String> = before
        .into_iter()
        .filter(|a| a != "gone-0000/client_secret")
        .collect();
    assert_eq!(after, expected, "only the orphan was removed");
    window.close().await;
}
