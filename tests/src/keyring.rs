//! A test's own OS keyring: a D-Bus session bus and a gnome-keyring daemon that only this test
//! talks to, so it can lock the keyring, kill the daemon and start it again, or have none at all,
//! without touching the keyring every other test shares (`scripts/test`'s).
//!
//! The bus activates nothing unless asked: a daemon killed stays gone until `start_daemon` (with
//! the system's activation, a call would start a fresh daemon with the keyring locked).
//! Activation is what shows gnome-keyring's unlock prompt (gcr-prompter, on the test's X display
//! under Xvfb); `restarting` gives the bus its own way to start the daemon, unlocked.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of the test keyring's `login` collection.
pub const KEYRING_PASSWORD: &str = "waybill-test-keyring";

pub struct PrivateKeyring {
    dir: tempfile::TempDir,
    bus: Child,
    address: String,
    daemon: Option<Child>,
}

impl PrivateKeyring {
    /// A bus with a running, unlocked keyring.
    pub fn start() -> Self {
        let mut keyring = Self::bus_only(false);
        keyring.start_daemon();
        keyring
    }

    /// A bus that starts D-Bus services on demand (gnome-keyring's unlock prompt), with a
    /// running, unlocked keyring. `display`: whether prompts can be shown (the test's X display).
    pub fn with_prompts(display: bool) -> Self {
        let mut keyring = Self::bus_only_env(true, display);
        keyring.start_daemon();
        keyring
    }

    /// A bus whose keyring D-Bus starts on demand, and starts again should it die, unlocked with
    /// its password and with every secret kept. For tests that kill clients hundreds of times:
    /// gnome-keyring 42 now and then dies on an assertion in GLib when clients come and go, which
    /// is not what they test. (Its plain-text keyrings are no way out: they write a secret's line
    /// ends raw, and cannot read the file back.)
    pub fn restarting() -> Self {
        let keyring = Self::bus_only_env(true, false);
        // The bus's own XDG_DATA_HOME comes first among the folders it starts services from.
        let services = keyring.dir.path().join("data/dbus-1/services");
        let script = keyring.dir.path().join("keyring-daemon");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf %s '{KEYRING_PASSWORD}' | \
                 exec gnome-keyring-daemon --foreground --unlock --components=secrets\n"
            ),
        )
        .expect("keyring start script");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        std::fs::write(
            services.join("org.freedesktop.secrets.service"),
            format!(
                "[D-BUS Service]\nName=org.freedesktop.secrets\nExec={}\n",
                script.display()
            ),
        )
        .expect("keyring service file");
        let reload = ["org.freedesktop.DBus.ReloadConfig"];
        let reloaded = keyring.gdbus("org.freedesktop.DBus", "/org/freedesktop/DBus", &reload);
        assert!(
            reloaded.is_some(),
            "the test's bus did not read its service files again"
        );
        keyring.wait_until_it_answers();
        keyring
    }

    /// The process id of whichever daemon owns the Secret Service name now.
    pub fn daemon_pid(&self) -> Option<u32> {
        let answer = self.gdbus(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            &[
                "org.freedesktop.DBus.GetConnectionUnixProcessID",
                "org.freedesktop.secrets",
            ],
        )?;
        // `(uint32 12345,)`
        let pid = answer.split_whitespace().last()?;
        pid.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok()
    }

    /// A session bus with no Secret Service on it (and none that could be started).
    pub fn bus_only(activation: bool) -> Self {
        Self::bus_only_env(activation, false)
    }

    fn bus_only_env(activation: bool, display: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["data/dbus-1/services", "run"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("keyring dirs");
        }
        set_private(&dir.path().join("run"));
        let config = dir.path().join("bus.conf");
        let services = if activation {
            "<standard_session_servicedirs/>"
        } else {
            ""
        };
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir={}</listen>{services}
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
<allow own="*"/></policy></busconfig>"#,
                dir.path().join("run").display()
            ),
        )
        .expect("bus config");
        let mut command = Command::new("dbus-daemon");
        command
            .arg(format!("--config-file={}", config.display()))
            .args(["--print-address=1", "--nofork"])
            .envs(Self::dirs(dir.path()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if !display {
            command.env_remove("DISPLAY");
        }
        let mut bus = command
            .spawn()
            .expect("dbus-daemon could not be started (package dbus)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the bus's address");
        PrivateKeyring {
            dir,
            bus,
            address: address.trim().to_string(),
            daemon: None,
        }
    }

    fn dirs(dir: &Path) -> [(&'static str, std::path::PathBuf); 2] {
        [
            ("XDG_DATA_HOME", dir.join("data")),
            ("XDG_RUNTIME_DIR", dir.join("run")),
        ]
    }

    /// What a process needs to use this keyring.
    pub fn envs(&self) -> Vec<(String, String)> {
        vec![("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone())]
    }

    /// Start gnome-keyring (again), its `login` collection unlocked with the password, and wait
    /// until it answers.
    pub fn start_daemon(&mut self) {
        assert!(self.daemon.is_none(), "the keyring daemon runs already");
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .envs(Self::dirs(self.dir.path()))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon could not be started (package gnome-keyring)");
        let mut stdin = daemon.stdin.take().expect("stdin");
        stdin
            .write_all(KEYRING_PASSWORD.as_bytes())
            .expect("the keyring password");
        drop(stdin);
        self.daemon = Some(daemon);
        self.wait_until_it_answers();
    }

    /// Kill the daemon (the one this test started, by its PID), as a crash would.
    pub fn kill_daemon(&mut self) {
        let mut daemon = self.daemon.take().expect("a daemon to kill");
        daemon.kill().expect("kill gnome-keyring-daemon");
        daemon.wait().expect("reap gnome-keyring-daemon");
    }

    /// Lock the `login` collection, as the desktop does when the screen locks.
    pub fn lock(&self) {
        let status = self.gdbus(
            "org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            &[
                "org.freedesktop.Secret.Service.Lock",
                "['/org/freedesktop/secrets/collection/login']",
            ],
        );
        assert!(status.is_some(), "the keyring could not be locked");
    }

    /// A command run against this keyring (`secret-tool`, `gdbus`).
    pub fn tool(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stderr(Stdio::null());
        command
    }

    /// `gdbus call` of `method_and_args` on `object` of `dest` on this bus: its answer, or `None`
    /// when the call failed.
    fn gdbus(&self, dest: &str, object: &str, method_and_args: &[&str]) -> Option<String> {
        let output = (self.tool("gdbus"))
            .args([
                "call",
                "--session",
                "--dest",
                dest,
                "--object-path",
                object,
                "--method",
            ])
            .args(method_and_args)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The value kept for `account` of service `waybill`, read with `secret-tool`.
    pub fn lookup(&self, account: &str) -> Option<String> {
        let output = self
            .tool("secret-tool")
            .args(["lookup", "service", "waybill", "username", account])
            .output()
            .expect("secret-tool could not be started");
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Every account of service `waybill` in this keyring. A `secret-tool` that fails (a D-Bus
    /// call timed out on a loaded machine) is asked again, and never read as "no entries".
    pub fn accounts(&self) -> Vec<String> {
        for _ in 0..5 {
            let output = self
                .tool("secret-tool")
                .args(["search", "--all", "service", "waybill"])
                // secret-tool prints the attributes on stderr, and its own errors.
                .stderr(Stdio::piped())
                .output()
                .expect("secret-tool could not be started");
            let errors = String::from_utf8_lossy(&output.stderr).into_owned();
            if errors.contains("secret-tool:") {
                std::thread::sleep(Duration::from_millis(300));
                continue;
            }
            let mut accounts: Vec<String> = errors
                .lines()
                .filter_map(|line| line.strip_prefix("attribute.username = "))
                .map(str::to_string)
                .collect();
            accounts.sort();
            return accounts;
        }
        panic!("secret-tool could not list the test keyring's entries");
    }

    /// Wait (20 s at most) until the keyring answers on this bus.
    fn wait_until_it_answers(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "gnome-keyring did not answer on the test's bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The daemon owns its name, answers searches, and has opened the `login` collection
    /// unlocked (which `--unlock` does a moment after it starts).
    fn answers(&self) -> bool {
        let unlocked = self
            .gdbus(
                "org.freedesktop.secrets",
                "/org/freedesktop/secrets/collection/login",
                &[
                    "org.freedesktop.DBus.Properties.Get",
                    "org.freedesktop.Secret.Collection",
                    "Locked",
                ],
            )
            .is_some_and(|answer| answer.contains("false"));
        unlocked
            && self
                .tool("secret-tool")
                .args(["search", "service", "waybill-probe"])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success() || s.code() == Some(1))
            && self
                .gdbus(
                    "org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    &[
                        "org.freedesktop.DBus.NameHasOwner",
                        "org.freedesktop.secrets",
                    ],
                )
                .is_some_and(|answer| answer.contains("true"))
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        if let Some(mut daemon) = self.daemon.take() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
}

/// Answer gnome-keyring's unlock prompt on the test's X display as a person would: wait for its
/// window, type the password and Enter (or press Escape to refuse), and see it close. Needs
/// `xdotool`. Keys pressed before the prompt has drawn its field are lost: then try again.
pub fn answer_unlock_prompt(password: Option<&str>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while prompt_window().is_none() {
        assert!(
            Instant::now() < deadline,
            "gnome-keyring's unlock prompt did not open"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for _ in 0..5 {
        std::thread::sleep(Duration::from_secs(1));
        // No window manager under Xvfb: keys go to the window under the pointer, so move it there.
        let Some(window) = prompt_window() else {
            return;
        };
        xdotool(&["mousemove", "--window", &window, "100", "50"]);
        xdotool(&["windowfocus", &window]);
        let keys: &[&str] = match password {
            Some(password) => &["type", "--delay", "30", password],
            None => &["key", "Escape"],
        };
        xdotool(keys);
        if password.is_some() {
            xdotool(&["key", "Return"]);
        }
        let closing = Instant::now() + Duration::from_secs(5);
        while Instant::now() < closing {
            if prompt_window().is_none() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Not taken: clear what was typed, if anything, and try again.
        xdotool(&["key", "ctrl+a", "BackSpace"]);
    }
    panic!("gnome-keyring's unlock prompt did not take the answer");
}

fn prompt_window() -> Option<String> {
    let found = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "Unlock Login Keyring"])
        .output()
        .expect("xdotool could not be started (package xdotool)");
    let text = String::from_utf8_lossy(&found.stdout);
    text.lines().next().map(|w| w.trim().to_string())
}

fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool").args(args).status();
    assert!(status.is_ok_and(|s| s.success()), "xdotool {args:?} failed");
}
