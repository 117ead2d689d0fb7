//! The real Waybill window, driven the way a person uses it: the app binary under Xvfb, WebKit's
//! own WebDriver (`WebKitWebDriver`, Debian's webkit2gtk-driver) behind `tauri-driver`, and a
//! WebDriver client (fantoccini). Each `Window` is one app process with its own profiles directory
//! and environment; screenshots go to `test-output/screenshots/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::harness::waybill_bin;

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Window {
    pub client: Client,
    pub home: tempfile::TempDir,
    driver: Child,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// Everything the window tests need, or a sentence saying what is missing and how to get it.
pub fn require_window_tools() -> (PathBuf, PathBuf) {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "the window tests need an X display: run them under xvfb-run (scripts/test does)"
    );
    let driver = which("tauri-driver")
        .or_else(|| {
            let home = PathBuf::from(std::env::var_os("HOME")?);
            Some(home.join(".cargo/bin/tauri-driver")).filter(|p| p.is_file())
        })
        .expect("tauri-driver is not installed: `cargo install tauri-driver --locked --version '^2'` (scripts/test does)");
    let native = which("WebKitWebDriver").expect(
        "WebKitWebDriver is not installed: `apt-get install webkit2gtk-driver` (scripts/test does)",
    );
    (driver, native)
}

impl Window {
    /// Start the app with `envs` (plus a scratch WAYBILL_HOME and XDG dirs) and wait until its
    /// page has loaded its profiles.
    pub async fn open(envs: &[(&str, String)]) -> Window {
        Self::open_with_args(&[], envs).await
    }

    /// The same, with command-line arguments for the app (e.g. `demo`).
    pub async fn open_with_args(args: &[&str], envs: &[(&str, String)]) -> Window {
        Self::open_with_files(args, envs, &[]).await
    }

    /// The same, with `files` (a path under the window's WAYBILL_HOME, e.g.
    /// `presets/ups-local.toml`, and its text) written before the app starts.
    pub async fn open_with_files(
        args: &[&str],
        envs: &[(&str, String)],
        files: &[(&str, String)],
    ) -> Window {
        Self::open_prepared(args, envs, |config| {
            for (path, text) in files {
                let path = config.join(path);
                std::fs::create_dir_all(path.parent().expect("a file in a folder"))
                    .expect("the folder of a file written before the window opens");
                std::fs::write(&path, text).expect("a file written before the window opens");
            }
        })
        .await
    }

    /// The same, with `prepare` given the window's WAYBILL_HOME (not made yet) before the app
    /// starts: to write files there (a history of 100,000 entries, say).
    pub async fn open_prepared(
        args: &[&str],
        envs: &[(&str, String)],
        prepare: impl FnOnce(&Path),
    ) -> Window {
        let (driver_bin, native) = require_window_tools();
        let home = tempfile::tempdir().expect("temp dir");
        prepare(&home.path().join("config"));
        let (port, native_port) = (free_port(), free_port());
        let mut command = Command::new(driver_bin);
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .arg("--native-driver")
            .arg(native)
            .env("WAYBILL_HOME", home.path().join("config"))
            // WebKit writes caches and its own data under these.
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_CONFIG_HOME", home.path().join("xdg-config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in envs {
            command.env(key, value);
        }
        let driver = command.spawn().expect("tauri-driver could not be started");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": waybill_bin(), "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < WAIT => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session with the app through tauri-driver: {e}"),
            }
        };
        let window = Window {
            client,
            home,
            driver,
        };
        window.find("body[data-ready='true']").await;
        window
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear within {WAIT:?}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// Replace the text of an input.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("could not type into {css}: {e}"));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("could not choose {value} in {css}: {e}"));
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// Wait until the element's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                started.elapsed() < WAIT,
                "{css} never said {needle:?}; it says {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text a person sees (`document.body.innerText`: closed disclosures and hidden
    /// elements left out).
    pub async fn visible_text(&self) -> String {
        let text = self
            .client
            .execute("return document.body.innerText;", vec![])
            .await
            .expect("the page's visible text");
        text.as_str().unwrap_or_default().to_string()
    }

    /// A PNG of the window, saved as test-output/screenshots/NAME.png.
    ///
    /// WebKit captures on the page's next paint. The window runs without GPU compositing
    /// (app/mod.rs), and then an idle page never paints again, so the capture would wait forever:
    /// while it is taken, a transparent pixel changes colour on every animation frame.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.client
            .execute(
                "const dot = document.createElement('div'); dot.id = 'wb-test-repaint'; \
                 dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none'; \
                 document.body.append(dot); let n = 0; \
                 (function tick() { if (!dot.isConnected) return; \
                   dot.style.background = n++ % 2 ? 'rgba(0,0,0,0)' : 'rgba(0,0,1,0)'; \
                   requestAnimationFrame(tick); })();",
                vec![],
            )
            .await
            .expect("start repainting");
        let png = self.client.screenshot().await.expect("screenshot");
        self.client
            .execute(
                "document.getElementById('wb-test-repaint')?.remove();",
                vec![],
            )
            .await
            .expect("stop repainting");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// axe-core (from npm, `tests/browser/node_modules`) run on the screen as it is now, in the
    /// real WebKit: panics naming every violation of impact serious or critical. Each screen's
    /// findings (all impacts) go to test-output/a11y/NAME.json.
    pub async fn assert_accessible(&self, name: &str) {
        let loaded = self
            .client
            .execute("return typeof window.axe;", vec![])
            .await;
        if loaded
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .as_deref()
            != Some("object")
        {
            let source = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("browser/node_modules/axe-core/axe.min.js"),
            )
            .expect("axe-core: `npm ci --ignore-scripts` in tests/browser (scripts/test does)");
            self.client
                .execute(&format!("{source}\nreturn true;"), vec![])
                .await
                .expect("inject axe-core");
        }
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, { resultTypes: ['violations'] }).then( \
                   r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, \
                     nodes: v.nodes.map(n => n.target.join(' ')) }))), \
                   e => done([{ id: 'axe-failed', impact: 'critical', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        let dir = screenshot_dir().join("../a11y");
        std::fs::create_dir_all(&dir).expect("a11y dir");
        let text = serde_json::to_string_pretty(&found).unwrap_or_default();
        std::fs::write(dir.join(format!("{name}.json")), text).expect("write axe results");
        let serious: Vec<String> = (found.as_array().into_iter().flatten())
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                format!(
                    "{} ({}): {} at {}",
                    v["id"], v["impact"], v["help"], v["nodes"]
                )
            })
            .collect();
        assert!(serious.is_empty(), "{name}: axe-core finds {serious:#?}");
    }

    /// Keys pressed on whatever has focus now, as a keyboard-only person presses them
    /// (WebDriver key codes: `\u{e004}` Tab, `\u{e007}` Enter, `\u{e00c}` Escape).
    pub async fn press(&self, keys: &str) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        focused.send_keys(keys).await.expect("press keys");
    }

    /// What has focus: `#id`, else its tag and text (`body` when focus was lost to the page).
    pub async fn focused(&self) -> String {
        let found = self
            .client
            .execute(
                "const e = document.activeElement; if (!e) return 'none'; \
                 return e.id ? '#' + e.id : e.tagName.toLowerCase() + ' ' + (e.textContent || '').trim().slice(0, 40);",
                vec![],
            )
            .await
            .expect("the focused element");
        found.as_str().unwrap_or_default().to_string()
    }

    /// Tab (forwards) until `css` has focus; panics after 80 presses.
    pub async fn tab_to(&self, css: &str) {
        let script = format!("return document.activeElement?.matches({css:?}) ?? false;");
        for _ in 0..80 {
            let here = self
                .client
                .execute(&script, vec![])
                .await
                .expect("check focus");
            if here.as_bool() == Some(true) {
                return;
            }
            self.press("\u{e004}").await;
        }
        panic!(
            "Tab never reached {css}; focus is on {}",
            self.focused().await
        );
    }

    /// The app's processes (every `waybill*` one under this window's driver).
    pub fn app_pids(&self) -> Vec<u32> {
        let mut family = vec![self.driver.id()];
        let mut app = Vec::new();
        // Parents come before their children in no guaranteed order: look until none is new.
        loop {
            let before = family.len();
            for (pid, ppid, name) in processes() {
                if family.contains(&ppid) && !family.contains(&pid) {
                    family.push(pid);
                    if name.starts_with("waybill") {
                        app.push(pid);
                    }
                }
            }
            if family.len() == before {
                break;
            }
        }
        assert!(!app.is_empty(), "no app process under the window's driver");
        app
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Every process now: its id, its parent's, and its name.
fn processes() -> Vec<(u32, u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    (entries.filter_map(|e| e.ok()))
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (name) state ppid ...`; the name may hold spaces and parentheses.
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, name.to_string()))
        })
        .collect()
}

pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-output/screenshots")
}
