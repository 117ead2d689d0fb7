//! Running the real `waybill` binary the way a user does: a scratch `WAYBILL_HOME`, secrets on
//! stdin, the real OS keyring (Secret Service on the test's D-Bus session), and every byte the
//! binary printed kept so a test can search it for secrets afterwards.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// The `waybill` binary of this workspace, next to the test binaries. `scripts/test` builds it with
/// `cargo build --workspace --all-targets` first: building it from here would resolve features
/// differently from the test build and recompile half the dependency tree each time.
pub fn waybill_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's own path");
        // target/<profile>/deps/<test> -> target/<profile>/waybill
        let bin = exe.parent().and_then(Path::parent).expect("target dir").join("waybill");
        assert!(
            bin.exists(),
            "no waybill binary at {}: build it first (`cargo build --workspace --all-targets`, as scripts/test does)",
            bin.display()
        );
        bin
    })
    .clone()
}

/// Tests that use the OS keyring need a Secret Service; `scripts/test` starts one headless.
pub fn require_keyring() {
    let ok = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && Command::new("secret-tool").output().is_ok();
    assert!(
        ok,
        "these tests use the real OS keyring: run them through scripts/test, which starts gnome-keyring \
         under dbus-run-session (needs packages dbus, gnome-keyring, libsecret-tools)"
    );
}

/// One user's Waybill: its own config directory, and a transcript of everything it printed.
pub struct Waybill {
    pub home: tempfile::TempDir,
    /// Its OS data folder (`XDG_DATA_HOME`), where Waybill notes the homes sharing the keyring.
    data: tempfile::TempDir,
    transcript: Mutex<Vec<u8>>,
    envs: Vec<(String, String)>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Waybill {
    pub fn new() -> Self {
        Self {
            home: tempfile::tempdir().expect("temp dir"),
            data: tempfile::tempdir().expect("temp dir"),
            transcript: Mutex::new(Vec::new()),
            envs: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Run `waybill ARGS` with `stdin` fed in; the output goes to the transcript.
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        let run = self.run_private(args, stdin);
        let mut transcript = self.transcript.lock().unwrap();
        transcript.extend_from_slice(run.stdout.as_bytes());
        transcript.extend_from_slice(run.stderr.as_bytes());
        run
    }

    /// Like `run`, for the one command whose job is to print a token (`waybill token`): its stdout
    /// is left out of the transcript, its stderr is kept.
    pub fn run_printing_token(&self, args: &[&str], stdin: &str) -> Run {
        let run = self.run_private(args, stdin);
        self.transcript
            .lock()
            .unwrap()
            .extend_from_slice(run.stderr.as_bytes());
        run
    }

    fn run_private(&self, args: &[&str], stdin: &str) -> Run {
        let mut command = Command::new(waybill_bin());
        command
            .args(args)
            .env("WAYBILL_HOME", self.home.path())
            .env("XDG_DATA_HOME", self.data.path())
            .env_remove("WAYBILL_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.envs {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("waybill could not be started");
        let written = (child.stdin.take().expect("stdin")).write_all(stdin.as_bytes());
        // A command refused before it reads its input (a usage error) closes stdin early.
        if let Err(e) = &written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().expect("waybill did not finish");
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
            "waybill {args:?} panicked: {}",
            run.stderr
        );
        run
    }

    /// Run and insist on exit 0.
    pub fn ok(&self, args: &[&str], stdin: &str) -> Run {
        let run = self.run(args, stdin);
        assert_eq!(
            run.code, 0,
            "waybill {args:?} failed:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let run = self.ok(args, "");
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("waybill {args:?} printed no JSON ({e}): {}", run.stdout))
    }

    /// The keyring id of a profile, as `profile show --json` reports it.
    pub fn keyring_id(&self, profile: &str) -> String {
        self.json(&["profile", "show", profile, "--json"])["keyring_id"]
            .as_str()
            .expect("keyring_id")
            .to_string()
    }

    /// Every place a secret could leak to: all output so far and every file under WAYBILL_HOME.
    /// Returns where `needle` was found.
    pub fn find_leaks(&self, needle: &str) -> Vec<String> {
        assert!(
            needle.len() >= 8,
            "search for something distinctive, not {needle:?}"
        );
        let mut found = Vec::new();
        if contains(&self.transcript.lock().unwrap(), needle) {
            found.push("the command output".to_string());
        }
        for file in files_under(self.home.path()) {
            if std::fs::read(&file)
                .map(|bytes| contains(&bytes, needle))
                .unwrap_or(false)
            {
                found.push(file.display().to_string());
            }
        }
        found
    }
}

impl Default for Waybill {
    fn default() -> Self {
        Self::new()
    }
}

/// The value the OS keyring holds for `account` of service `waybill`, read with the OS tool.
pub fn secret_tool_lookup(account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "waybill", "username", account])
        .output()
        .expect("secret-tool could not be started");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The access token a profile keeps in the keyring (one entry holds it with its expiry and
/// metadata, as JSON), or `None`.
pub fn keyring_access_token(keyring_id: &str) -> Option<String> {
    let entry = secret_tool_lookup(&format!("{keyring_id}/access_token"))?;
    let kept: serde_json::Value =
        serde_json::from_str(&entry).expect("the access_token entry is JSON");
    Some(
        kept["access_token"]
            .as_str()
            .expect("the entry holds the token")
            .to_string(),
    )
}

/// The base64 lines of a PEM private key: what a leak search looks for (the armour lines are
/// not secret).
pub fn pem_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_string)
        .collect()
}

/// A value distinctive enough to search for.
pub fn random_secret(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    format!("{prefix}-{:016x}{:08x}", h.finish(), std::process::id())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// `BROWSER` for sign-in tests: headless Chromium driven like a user (`tests/browser/sign-in.mjs`).
pub fn chromium_browser() -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        dir.join("node_modules/playwright-core").exists() && Path::new("/usr/bin/chromium").exists(),
        "browser sign-in tests need Debian's chromium and `npm ci --ignore-scripts` in {} (scripts/test does both)",
        dir.display()
    );
    format!("node {}", dir.join("sign-in.mjs").display())
}

/// The steps `sign-in.mjs` logged, once `step` is among them. Waybill may finish before the
/// browser script writes its last step (the redirect arrives first), so wait a little for it.
pub fn browser_steps_after(log: &Path, step: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let steps = std::fs::read_to_string(log).unwrap_or_default();
        if steps.lines().any(|l| l == step) || std::time::Instant::now() > deadline {
            return steps;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
