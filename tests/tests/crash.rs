//! Killed at any moment: each command that writes (profile add, edit with a rename and a new
//! secret, remove, a collection import with a secret, `key generate`, a token renewal, and the
//! window's saves) is started again and again and killed (SIGKILL) after a random delay over its
//! usual run time. After every
//! kill each file still loads and every profile still has its secrets; at the end,
//! `waybill keyring tidy` lists exactly the entries no profile owns (worked out here with
//! `secret-tool`), removes them with `--yes`, and nothing else: every profile still gets a token.
//!
//! Each test has its own keyring (`waybill_tests::keyring`) and its own data folder, so tidying
//! sees only its own entries. `CRASH_RUNS` sets the kills per command (default 100; a soak:
//! `CRASH_RUNS=1000 cargo test -p waybill-tests --test crash`).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use waybill_tests::demo;
use waybill_tests::harness::{random_secret, waybill_bin, Waybill};
use waybill_tests::keyring::PrivateKeyring;
use waybill_tests::window::Window;

struct Setup {
    keyring: PrivateKeyring,
    data: tempfile::TempDir,
    wb: Waybill,
    rng: u64,
    daemon: Option<u32>,
}

fn runs() -> usize {
    std::env::var("CRASH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100)
}

impl Setup {
    fn new() -> Self {
        let keyring = PrivateKeyring::restarting();
        let data = tempfile::tempdir().expect("data dir");
        let wb = keyring.envs().into_iter().fold(
            Waybill::new().env("XDG_DATA_HOME", &data.path().display().to_string()),
            |wb, (key, value)| wb.env(&key, &value),
        );
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1;
        eprintln!("crash test seed {seed}");
        let daemon = keyring.daemon_pid();
        assert!(daemon.is_some(), "the test keyring's daemon runs");
        Setup {
            daemon,
            keyring,
            data,
            wb,
            rng: seed,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(waybill_bin());
        command
            .args(args)
            .env("WAYBILL_HOME", self.wb.home.path())
            .env("XDG_DATA_HOME", self.data.path())
            .envs(self.keyring.envs())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// How long `args` takes when left alone (it may fail: a name taken, say).
    fn time(&self, args: &[&str], stdin: &str) -> Duration {
        let started = Instant::now();
        let mut child = self.command(args).spawn().expect("waybill");
        let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes());
        child.wait().expect("waybill ran");
        started.elapsed()
    }

    /// A delay between none and `within`, from the test's seed.
    fn random_delay(&mut self, within: Duration) -> Duration {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        within.mul_f64((self.rng % 1000) as f64 / 1000.0)
    }

    /// What the window needs to share this test's profiles, data folder and keyring.
    fn window_envs(&self) -> Vec<(&'static str, String)> {
        let path = |dir: &tempfile::TempDir| dir.path().display().to_string();
        let bus = self.keyring.envs().remove(0).1;
        vec![
            ("WAYBILL_HOME", path(&self.wb.home)),
            ("XDG_DATA_HOME", path(&self.data)),
            ("DBUS_SESSION_BUS_ADDRESS", bus),
        ]
    }

    /// Start `args`, kill it after a random delay up to `within`, and check that everything
    /// still loads. Returns whether the kill came before it ended.
    fn kill_at_random(&mut self, args: &[&str], stdin: &str, within: Duration) -> bool {
        let delay = self.random_delay(within);
        let mut child = self.command(args).spawn().expect("waybill");
        let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes());
        std::thread::sleep(delay);
        let killed = child.try_wait().expect("waybill's state").is_none();
        let _ = child.kill();
        child.wait().expect("reap waybill");
        self.note_keyring_restart();
        self.assert_everything_loads();
        killed
    }

    /// Say so when gnome-keyring died and D-Bus started it again (what it kept is checked next).
    fn note_keyring_restart(&mut self) {
        let pid = self.keyring.daemon_pid();
        if pid != self.daemon {
            eprintln!("gnome-keyring restarted: {:?} is now {pid:?}", self.daemon);
            self.daemon = pid;
        }
    }

    fn profiles(&self) -> Vec<Value> {
        let run = self.wb.run(&["profile", "list", "--json"], "");
        assert_eq!(run.code, 0, "the profiles file loads: {}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()["profiles"]
            .as_array()
            .or(serde_json::from_str::<Value>(&run.stdout)
                .unwrap()
                .as_array())
            .cloned()
            .unwrap_or_default()
    }

    /// Every file loads as it is (none moved aside), and every profile has the secrets its
    /// kind needs: they are written before the profile.
    fn assert_everything_loads(&self) {
        let profiles = self.profiles();
        if let Some(name) = profiles.first().and_then(|p| p["name"].as_str()) {
            let run = self.wb.run(&["requests", name, "--json"], "");
            assert_eq!(run.code, 0, "requests.toml loads: {}", run.stderr);
        }
        let accounts: BTreeSet<String> = self.keyring.accounts().into_iter().collect();
        for profile in &profiles {
            let (name, id) = (&profile["name"], profile["keyring_id"].as_str().unwrap());
            let uses_secret = profile["client_auth"] != "private_key_jwt";
            if profile["grant"] == "client_credentials" && uses_secret {
                assert!(
                    accounts.contains(&format!("{id}/client_secret")),
                    "profile {name} is in the file, so its client secret is in the keyring"
                );
            }
        }
        let aside: Vec<_> = std::fs::read_dir(self.wb.home.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".corrupt-"))
            .collect();
        assert!(aside.is_empty(), "no file was unreadable: {aside:?}");
    }

    /// `keyring tidy` finds exactly the entries no profile owns, removes them on `--yes`, and
    /// nothing else.
    fn assert_tidy_removes_exactly_the_orphans(&self) -> usize {
        let owned: BTreeSet<String> = (self.profiles().iter())
            .map(|p| p["keyring_id"].as_str().unwrap().to_string())
            .collect();
        let before = self.keyring.accounts();
        let orphans: BTreeSet<(String, String)> = (before.iter())
            .map(|account| {
                let (id, kind) = account.rsplit_once('/').unwrap();
                (id.to_string(), kind.split('#').next().unwrap().to_string())
            })
            .filter(|(id, _)| !owned.contains(id))
            .collect();
        let listed = |v: &Value| -> BTreeSet<(String, String)> {
            (v["entries"].as_array().unwrap().iter())
                .map(|e| {
                    let field = |k: &str| e[k].as_str().unwrap().to_string();
                    (field("keyring_id"), field("kind"))
                })
                .collect()
        };
        let found = self.wb.json(&["keyring", "tidy", "--json"]);
        assert_eq!(
            listed(&found),
            orphans,
            "tidy lists exactly what no profile owns; homes: {:?}",
            std::fs::read_to_string(self.data.path().join("waybill/homes.toml"))
        );
        assert_eq!(found["removed"], json!(false));
        assert_eq!(self.keyring.accounts(), before, "listing removes nothing");
        let removed = self.wb.json(&["keyring", "tidy", "--yes", "--json"]);
        assert_eq!(listed(&removed), orphans);
        let after = self.keyring.accounts();
        let kept: Vec<String> = (before.iter())
            .filter(|account| {
                let id = account.rsplit_once('/').unwrap().0;
                owned.contains(id)
            })
            .cloned()
            .collect();
        assert_eq!(after, kept, "every owned entry stays, every orphan is gone");
        let again = self.wb.json(&["keyring", "tidy", "--json"]);
        assert!(listed(&again).is_empty(), "nothing is left to tidy");
        orphans.len()
    }
}

fn add_args(name: &str, base: &str) -> Vec<String> {
    demo::add_profile_args(name, base, &["--client-secret-stdin"])
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_add_and_remove_killed_at_random_leave_files_whole_and_tidy_finds_the_rest() {
    let secret = random_secret("crash-secret");
    let server = demo::start(&secret, "unused").await;
    let base = server.base_url();
    tokio::task::spawn_blocking(move || {
        let mut setup = Setup::new();
        let stdin = format!("{secret}\n");
        let usual = setup.time(&strs(&add_args("warmup", &base)), &stdin);
        let mut killed = 0;
        for i in 0..runs() {
            let args = add_args(&format!("p{i}"), &base);
            killed += setup.kill_at_random(&strs(&args), &stdin, usual) as usize;
        }
        let usual = setup.time(&["profile", "remove", "warmup"], "");
        for profile in setup.profiles() {
            let name = profile["name"].as_str().unwrap().to_string();
            killed += setup.kill_at_random(&["profile", "remove", &name], "", usual) as usize;
        }
        eprintln!("{killed} of the runs were killed before they ended");
        assert!(
            killed > 0,
            "no run was killed mid-way: the delays are too long"
        );
        setup.assert_tidy_removes_exactly_the_orphans();
        for profile in setup.profiles() {
            let name = profile["name"].as_str().unwrap();
            setup.wb.ok(&["token", name], "");
        }
        assert!(setup.wb.find_leaks(&secret).is_empty());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_renames_imports_and_key_generation_killed_at_random_lose_nothing() {
    let secret = random_secret("crash-edit");
    let server = demo::start(&secret, "unused").await;
    let base = server.base_url();
    tokio::task::spawn_blocking(move || {
        let mut setup = Setup::new();
        let stdin = format!("{secret}\n");
        setup.wb.ok(&strs(&add_args("ship", &base)), &stdin);

        // Edits that rename the profile and give its secret again.
        let mut name = "ship".to_string();
        let usual = setup.time(&["profile", "edit", "ship", "--rename", "ship"], "");
        for i in 0..runs() {
            let next = format!("ship{i}");
            let args = [
                "profile",
                "edit",
                &name,
                "--rename",
                &next,
                "--client-secret-stdin",
            ];
            setup.kill_at_random(&args, &stdin, usual * 2);
            let names: Vec<String> = (setup.profiles().iter())
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(names.len(), 1, "a rename never makes two profiles: {names:?}");
            name = names[0].clone();
        }
        setup.wb.ok(&["token", &name], "");

        // A collection with a client secret, imported.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carrier.postman_collection.json");
        let collection = json!({
            "info": {"name": "Carrier", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "auth": {"type": "oauth2", "oauth2": [
                {"key": "grant_type", "value": "client_credentials"},
                {"key": "accessTokenUrl", "value": format!("{base}/oauth/token")},
                {"key": "clientId", "value": "demo-client"},
                {"key": "clientSecret", "value": secret}]},
            "item": [{"name": "Services", "request": {"method": "GET", "url": format!("{base}/api/services")}}]
        });
        std::fs::write(&path, collection.to_string()).unwrap();
        let file = path.display().to_string();
        let usual = setup.time(&["import", &file, "--yes"], "");
        for _ in 0..runs() {
            setup.kill_at_random(&["import", &file, "--yes"], "", usual);
        }

        // A client key made again and again for a private_key_jwt profile.
        let key_args = demo::add_profile_args("signer", &base, &["--client-auth", "private_key_jwt"]);
        setup.wb.ok(&strs(&key_args), "");
        setup.wb.ok(&["key", "generate", "signer"], "");
        let usual = setup.time(&["key", "generate", "signer", "--replace"], "");
        for _ in 0..runs() {
            setup.kill_at_random(&["key", "generate", "signer", "--replace"], "", usual);
            let shown = setup.wb.run(&["key", "show", "signer"], "");
            assert_eq!(shown.code, 0, "the profile still has a key: {}", shown.stderr);
        }

        setup.assert_tidy_removes_exactly_the_orphans();
        for profile in setup.profiles() {
            let name = profile["name"].as_str().unwrap();
            if profile["client_auth"] != "private_key_jwt" {
                setup.wb.ok(&["token", name], "");
            }
        }
        assert!(setup.wb.find_leaks(&secret).is_empty());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_renewals_killed_at_random_never_leave_a_profile_without_a_token() {
    let password = random_secret("crash-password");
    let secret = random_secret("crash-renew");
    // Tokens that always need renewing: each `token` uses (and rotates) the refresh token.
    let server = waybill_demo::DemoServer::start(
        0,
        waybill_demo::DemoConfig {
            client_secret: secret.clone(),
            password: password.clone(),
            token_ttl: Duration::from_secs(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let base = server.base_url();
    tokio::task::spawn_blocking(move || {
        let mut setup = Setup::new();
        let (token_url, api_base) = (format!("{base}/oauth/token"), format!("{base}/api"));
        let args = [
            "profile",
            "add",
            "user",
            "--grant",
            "password",
            "--token-url",
            &token_url,
            "--client-id",
            "demo-client",
            "--api-base",
            &api_base,
            "--username",
            "demo",
            "--remember-password",
            "--client-secret-stdin",
            "--password-stdin",
        ];
        let stdin = format!("{secret}\n{password}\n");
        setup.wb.ok(&args, &stdin);
        let usual = setup.time(&["token", "user"], "");
        for _ in 0..runs() {
            setup.kill_at_random(&["token", "user"], "", usual);
            let run = setup.wb.run_printing_token(&["token", "user"], "");
            assert_eq!(run.code, 0, "a token after the kill: {}", run.stderr);
        }
        assert_eq!(setup.assert_tidy_removes_exactly_the_orphans(), 0);
        for leak in [&secret, &password] {
            assert!(setup.wb.find_leaks(leak).is_empty());
        }
    })
    .await
    .unwrap();
}

/// Fill the new-profile form: a client-credentials profile for the demo provider.
async fn fill_new_profile(window: &Window, name: &str, base: &str, secret: &str) {
    window.click("#new-profile").await;
    window.fill("#f-name", name).await;
    window.fill("#f-client-id", "demo-client").await;
    window.fill("#f-client-secret", secret).await;
    window
        .fill("#f-token-url", &format!("{base}/oauth/token"))
        .await;
    window.fill("#f-api-base", &format!("{base}/api")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_saves_killed_at_random_lose_nothing() {
    use tokio::task::block_in_place;
    let secret = random_secret("crash-window");
    let server = demo::start(&secret, "unused").await;
    let base = server.base_url();
    let mut setup = block_in_place(Setup::new);
    let envs = setup.window_envs();
    let envs: Vec<(&str, String)> = envs.iter().map(|(k, v)| (*k, v.clone())).collect();

    // How long a save takes when left alone: Save pressed to the profile in its file.
    let window = Window::open(&envs).await;
    fill_new_profile(&window, "first", &base, &secret).await;
    window.click("#save-profile").await;
    let started = Instant::now();
    let profiles = setup.wb.home.path().join("profiles.toml");
    while !std::fs::read_to_string(&profiles).is_ok_and(|text| text.contains("first")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the first save never landed"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let usual = started.elapsed();
    window.find("[data-profile='first']").await;
    window.close().await;

    // A window opened on the same profiles each time: a new profile, then an edit that renames
    // the newest and gives its secret again; the app killed at a random moment after Save.
    let (mut expected, mut cut_short) = (1, 0);
    for i in 0..(runs() / 10).max(4) {
        let window = Window::open(&envs).await;
        let name = format!("w{i}");
        if i % 2 == 0 {
            fill_new_profile(&window, &name, &base, &secret).await;
            expected += 1;
        } else {
            let profiles = block_in_place(|| setup.profiles());
            let newest = profiles.last().unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string();
            window.click(&format!("[data-profile='{newest}']")).await;
            window.click("#edit-profile").await;
            window.fill("#f-name", &name).await;
            window.fill("#f-client-secret", &secret).await;
        }
        let app = window.app_pids();
        window.click("#save-profile").await;
        tokio::time::sleep(setup.random_delay(usual)).await;
        for pid in app {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        window.close().await;
        block_in_place(|| {
            setup.note_keyring_restart();
            setup.assert_everything_loads();
            let count = setup.profiles().len();
            assert!(
                count == expected || (i % 2 == 0 && count == expected - 1),
                "a save killed adds one profile or none, and an edit never adds one: {count}"
            );
            cut_short += (count < expected) as usize;
            expected = count;
        });
    }
    eprintln!("{cut_short} new profiles were killed before they were saved (a save: {usual:?})");

    block_in_place(|| {
        setup.assert_tidy_removes_exactly_the_orphans();
        for profile in setup.profiles() {
            setup
                .wb
                .ok(&["token", profile["name"].as_str().unwrap()], "");
        }
        assert!(setup.wb.find_leaks(&secret).is_empty());
    });
}
