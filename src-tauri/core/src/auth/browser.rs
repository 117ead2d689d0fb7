//! Opening the user's own browser (RFC 8252: never an embedded webview), for browser sign-in
//! from the window and the CLI alike.

/// The browser could not be started; the sign-in URL can still be opened by hand.
#[derive(Debug, Clone, thiserror::Error)]
#[error("could not start the browser ({command}): {detail}")]
pub struct BrowserError {
    pub command: String,
    pub detail: String,
}

/// `BROWSER` if set (the first of its `:`-separated commands; `%s` is the URL, else the URL is
/// appended), else the desktop's opener.
pub fn open(url: &str) -> Result<(), BrowserError> {
    let browser = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(|c| c.trim().to_string()));
    let mut words: Vec<String> = match browser.filter(|b| !b.is_empty()) {
        Some(command) => command.split_whitespace().map(str::to_string).collect(),
        None if cfg!(target_os = "macos") => vec!["open".into()],
        None if cfg!(windows) => vec!["explorer".into()],
        None => vec!["xdg-open".into()],
    };
    if words.iter().any(|w| w.contains("%s")) {
        words.iter_mut().for_each(|w| *w = w.replace("%s", url));
    } else {
        words.push(url.to_string());
    }
    std::process::Command::new(&words[0])
        .args(&words[1..])
        // The redirect comes back to our loopback listener: never through a proxy.
        .env("no_proxy", with_loopback("no_proxy"))
        .env("NO_PROXY", with_loopback("NO_PROXY"))
        // Detached from our terminal: the browser outlives this command and its chatter is not ours.
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| BrowserError {
            command: words[0].clone(),
            detail: e.to_string(),
        })
}

/// The variable's hosts plus the loopback ones.
fn with_loopback(variable: &str) -> String {
    let loopback = "127.0.0.1,localhost,::1";
    match std::env::var(variable) {
        Ok(hosts) if !hosts.trim().is_empty() => format!("{hosts},{loopback}"),
        _ => loopback.to_string(),
    }
}
