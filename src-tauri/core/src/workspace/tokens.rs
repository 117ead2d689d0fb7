//! Tokens: get one (cached, renewed or fetched), renew now, inspect, forget, revoke; sign in
//! with a password, or in the user's own browser over a loopback redirect.
//!
//! Sign-in is two steps, so a face can show the address (and a device code), the time left and a
//! Cancel button in between: `start_sign_in` binds the listener and opens the browser (or, for the
//! device grant, asks for a device code and opens its address), `finish_sign_in` waits for the
//! redirect (or polls). One attempt per profile: a new one ends the one before and waits until
//! its listener is closed, so a provider's fixed redirect port is free again when the new one binds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, OwnedMutexGuard};

use super::timeline::Keep;
use super::{Workspace, WorkspaceError};
use crate::auth::browser::{self, BrowserError};
use crate::auth::grant::{DeviceCode, DeviceSignIn};
use crate::auth::sign_in::{BrowserSignIn, SignInError};
use crate::auth::token::TokenSource;
use crate::net::trace;
use crate::profile::{Grant, Profile};
use crate::secret::Password;
use crate::session::{ProviderCheck, SessionError, Token, TokenStatus};

/// A sign-in waiting for the user: a browser's redirect, or a device code's confirmation.
#[derive(Debug)]
pub struct SignInStarted {
    pub attempt: u32,
    /// Where the user goes: the provider's sign-in page, or the device code's address.
    pub authorize_url: String,
    /// Browser grants: where the browser comes back.
    pub redirect_uri: Option<String>,
    /// The device grant: the code to confirm, and where.
    pub device: Option<DeviceCode>,
    pub timeout: Duration,
    /// `None` when the browser was not to be opened; an error when it could not be (the address
    /// can still be opened by hand).
    pub browser: Option<Result<(), BrowserError>>,
}

/// A browser sign-in that came back.
#[derive(Debug)]
pub struct SignedIn {
    pub profile: String,
    pub token: Token,
}

/// The attempts under way, by number.
#[derive(Default)]
pub(super) struct SignIns {
    attempts: Mutex<Attempts>,
    /// One per profile (by keyring id), held by its attempt until its listener is closed.
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Attempts {
    next: u32,
    by_number: HashMap<u32, Attempt>,
}

struct Attempt {
    profile: Profile,
    timeout: Duration,
    cancel: Option<oneshot::Sender<()>>,
    /// Taken by `finish_sign_in`; dropping it (on a new attempt or a cancel) closes the listener.
    waiting: Option<Waiting>,
}

struct Waiting {
    sign_in: Pending,
    cancelled: oneshot::Receiver<()>,
    /// Declared last: let go only after the listener above is closed.
    _turn: OwnedMutexGuard<()>,
}

enum Pending {
    Browser(BrowserSignIn),
    Device(DeviceSignIn),
}

impl SignIns {
    fn lock(&self) -> std::sync::MutexGuard<'_, Attempts> {
        self.attempts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// End every attempt of `profile`, then wait until their listeners are closed. Ending them
    /// again while waiting: an attempt started meanwhile (a double click) is ended too.
    async fn take_turn(&self, profile: &Profile) -> OwnedMutexGuard<()> {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
            turns.entry(profile.keyring_id.clone()).or_default().clone()
        };
        loop {
            self.end_attempts(profile);
            let wait = tokio::time::timeout(Duration::from_millis(100), turn.clone().lock_owned());
            if let Ok(guard) = wait.await {
                return guard;
            }
        }
    }

    /// Cancel the waits under way for `profile`; drop the attempts nobody waits on yet.
    fn end_attempts(&self, profile: &Profile) {
        self.lock().by_number.retain(|_, a| {
            let theirs = a.profile.keyring_id == profile.keyring_id;
            if let (true, Some(cancel)) = (theirs, a.cancel.take()) {
                let _ = cancel.send(());
            }
            !theirs || a.waiting.is_none()
        });
    }
}

impl Workspace {
    /// A valid access token: cached, renewed or fetched as needed.
    pub async fn token(&self, name: &str) -> Result<Token, WorkspaceError> {
        let profile = self.profile(name)?;
        let fetch = async { Ok(self.session.token(&profile).await?) };
        self.traced(&profile, Keep::Fresh, fetch).await
    }

    /// Renew now: with the refresh token if there is one, else by running the grant again.
    pub async fn renew(&self, name: &str) -> Result<Token, WorkspaceError> {
        let profile = self.profile(name)?;
        let renew = async { Ok(self.session.renew_now(&profile).await?) };
        self.traced(&profile, Keep::Fresh, renew).await
    }

    /// What the profile holds (never the token); with `verify`, a JWT's signature is checked
    /// against the provider's JWKS.
    pub async fn status(&self, name: &str, verify: bool) -> Result<TokenStatus, WorkspaceError> {
        let profile = self.profile(name)?;
        Ok(self.session.status(&profile, verify).await?)
    }

    /// Ask the provider about the token the profile holds (introspection; userinfo for OpenID
    /// profiles), without renewing it.
    pub async fn check_at_provider(&self, name: &str) -> Result<ProviderCheck, WorkspaceError> {
        let profile = self.profile(name)?;
        Ok(self.session.check_at_provider(&profile).await?)
    }

    /// Forget the profile's tokens (their keyring entries are removed).
    pub async fn forget_tokens(&self, name: &str) -> Result<(), WorkspaceError> {
        let profile = self.profile(name)?;
        Ok(self.session.forget(&profile).await?)
    }

    /// Revoke the tokens at the provider (RFC 7009), then forget them (also when revoking fails).
    /// Returns how many were revoked: 0 when none was kept.
    pub async fn revoke_tokens(&self, name: &str) -> Result<usize, WorkspaceError> {
        let profile = self.profile(name)?;
        Ok(self.session.revoke_and_forget(&profile).await?)
    }

    /// Password grant with a password typed now (kept only if the profile remembers it).
    pub async fn sign_in_with_password(
        &self,
        name: &str,
        password: &Password,
    ) -> Result<Token, WorkspaceError> {
        let profile = self.profile(name)?;
        let sign_in = async {
            Ok(self
                .session
                .sign_in_with_password(&profile, password)
                .await?)
        };
        self.traced(&profile, Keep::Fresh, sign_in).await
    }

    /// Client credentials, password or refresh token: a valid token; a password typed now signs
    /// in with it (the window's Get token).
    pub async fn get_token(
        &self,
        name: &str,
        password: Option<Password>,
    ) -> Result<Token, WorkspaceError> {
        match password {
            Some(password) if self.profile(name)?.grant == Grant::Password => {
                self.sign_in_with_password(name, &password).await
            }
            _ => self.token(name).await,
        }
    }

    /// Bind the loopback listener for `name` and (with `open_browser`) send the user's browser to
    /// the provider's sign-in page. Ends an earlier attempt for the same profile.
    pub async fn start_sign_in(
        &self,
        name: &str,
        open_browser: bool,
        timeout: Duration,
    ) -> Result<SignInStarted, WorkspaceError> {
        let profile = self.profile(name)?;
        let start = self.start_attempt(profile.clone(), open_browser, timeout);
        self.traced(&profile, Keep::Fresh, start).await
    }

    async fn start_attempt(
        &self,
        profile: Profile,
        open_browser: bool,
        timeout: Duration,
    ) -> Result<SignInStarted, WorkspaceError> {
        let turn = self.sign_ins.take_turn(&profile).await;
        let at_provider = |source| SessionError::AtProvider {
            profile: profile.name.clone(),
            source,
        };
        let (sign_in, authorize_url, redirect_uri, device, timeout) = match profile.grant {
            Grant::DeviceCode => {
                let net = self.session.net_for(&profile).await?;
                let credentials = self.session.client_credentials(&profile).await?;
                let device = DeviceSignIn::start(&net, &profile, &credentials)
                    .await
                    .map_err(at_provider)?;
                let code = device.code().clone();
                let expires = Duration::from_secs(code.expires_in);
                let url = code.url().to_string();
                (Pending::Device(device), url, None, Some(code), expires)
            }
            _ => {
                let mut sign_in = BrowserSignIn::start(&profile).await?;
                if profile.par_url.is_some() {
                    let net = self.session.net_for(&profile).await?;
                    let credentials = self.session.client_credentials(&profile).await?;
                    sign_in
                        .push(&net, &profile, &credentials)
                        .await
                        .map_err(at_provider)?;
                }
                let url = sign_in.authorize_url().to_string();
                let redirect = Some(sign_in.redirect_uri());
                (Pending::Browser(sign_in), url, redirect, None, timeout)
            }
        };
        let browser = open_browser.then(|| browser::open(&authorize_url));
        if device.is_none() {
            let note = match &browser {
                Some(Ok(_)) => "handed to the browser",
                _ => "to open in a browser by hand",
            };
            trace::browser("authorize", &authorize_url, Duration::ZERO, note);
        }
        let (cancel, cancelled) = oneshot::channel();
        let mut attempts = self.sign_ins.lock();
        attempts.next += 1;
        let attempt = attempts.next;
        let waiting = Waiting {
            sign_in,
            cancelled,
            _turn: turn,
        };
        attempts.by_number.insert(
            attempt,
            Attempt {
                profile,
                timeout,
                cancel: Some(cancel),
                waiting: Some(waiting),
            },
        );
        Ok(SignInStarted {
            attempt,
            authorize_url,
            redirect_uri,
            device,
            timeout,
            browser,
        })
    }

    /// Wait for the browser to come back (or the timeout, or `cancel_sign_in`), then keep the
    /// tokens.
    pub async fn finish_sign_in(&self, attempt: u32) -> Result<SignedIn, WorkspaceError> {
        let (profile, timeout, waiting) = {
            let mut attempts = self.sign_ins.lock();
            let found = attempts.by_number.get_mut(&attempt);
            let found = found.and_then(|a| Some((a.profile.clone(), a.timeout, a.waiting.take()?)));
            found.ok_or(WorkspaceError::SignInOver)?
        };
        let Waiting {
            sign_in,
            cancelled,
            _turn,
        } = waiting;
        let cancel = async {
            let _ = cancelled.await;
        };
        let finish = async {
            match sign_in {
                Pending::Browser(sign_in) => {
                    self.finish_browser(&profile, sign_in, timeout, cancel)
                        .await
                }
                Pending::Device(device) => self.finish_device(&profile, &device, cancel).await,
            }
        };
        let result = self.traced(&profile, Keep::Append, finish).await;
        self.sign_ins.lock().by_number.remove(&attempt);
        Ok(SignedIn {
            profile: profile.name,
            token: result?,
        })
    }

    /// Wait for the browser's redirect, then keep the tokens it brought.
    async fn finish_browser(
        &self,
        profile: &Profile,
        sign_in: BrowserSignIn,
        timeout: Duration,
        cancel: impl std::future::Future<Output = ()>,
    ) -> Result<Token, WorkspaceError> {
        let net = self.session.net_for(profile).await?;
        let credentials = self.session.client_credentials(profile).await?;
        let now = || self.session.now();
        let tokens = match sign_in
            .finish(&net, profile, &credentials, timeout, cancel, now)
            .await
        {
            Ok(tokens) => tokens,
            Err(SignInError::Grant(source)) => {
                return Err(SessionError::Grant {
                    profile: profile.name.clone(),
                    source,
                }
                .into())
            }
            Err(e) => return Err(e.into()),
        };
        Ok(self
            .session
            .keep_signed_in(profile, tokens, TokenSource::Browser)
            .await?)
    }

    /// Poll until the device code is confirmed (or denied, or expired, or cancelled).
    async fn finish_device(
        &self,
        profile: &Profile,
        device: &DeviceSignIn,
        cancel: impl std::future::Future<Output = ()>,
    ) -> Result<Token, WorkspaceError> {
        let net = self.session.net_for(profile).await?;
        let credentials = self.session.client_credentials(profile).await?;
        let polled = tokio::select! {
            polled = device.finish(&net, profile, &credentials, || self.session.now()) => polled,
            () = cancel => return Err(WorkspaceError::SignInCancelled),
        };
        let tokens = polled.map_err(|source| SessionError::Grant {
            profile: profile.name.clone(),
            source,
        })?;
        Ok(self
            .session
            .keep_signed_in(profile, tokens, TokenSource::Device)
            .await?)
    }

    /// End a waiting attempt (its `finish_sign_in` returns a cancellation).
    pub fn cancel_sign_in(&self, attempt: u32) {
        let mut attempts = self.sign_ins.lock();
        if let Some(a) = attempts.by_number.get_mut(&attempt) {
            if let Some(cancel) = a.cancel.take() {
                let _ = cancel.send(());
            }
            if a.waiting.is_some() {
                attempts.by_number.remove(&attempt);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Options;
    use crate::{Net, NewProfile, Vault};

    /// A provider that accepts only a registered return URL: a fixed port.
    async fn workspace_with_fixed_port() -> (tempfile::TempDir, Workspace, u16) {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let ws = Workspace::open(Options {
            dir: dir.path().to_path_buf(),
            history_dir: None,
            vault: Vault::in_memory(),
            net: Net::default(),
            homes: None,
        });
        let new = NewProfile {
            name: "web".into(),
            grant: Some(Grant::AuthorizationCode),
            authorize_url: Some("https://auth.example/authorize".into()),
            token_url: Some("https://auth.example/token".into()),
            client_id: Some("app".into()),
            redirect_uri: Some(format!("http://127.0.0.1:{port}/callback")),
            ..NewProfile::default()
        };
        ws.add_profile(new, Default::default()).await.unwrap();
        (dir, ws, port)
    }

    #[tokio::test]
    async fn signing_in_again_on_a_fixed_port_ends_the_wait_before_binding() {
        let (_dir, ws, _port) = workspace_with_fixed_port().await;
        let ws = Arc::new(ws);
        let first = ws
            .start_sign_in("web", false, Duration::from_secs(30))
            .await
            .unwrap();
        let waiting = {
            let ws = ws.clone();
            tokio::spawn(async move { ws.finish_sign_in(first.attempt).await })
        };
        tokio::task::yield_now().await;
        let second = ws
            .start_sign_in("web", false, Duration::from_secs(30))
            .await;
        let second = second.expect("the retry binds the same port once the first attempt let go");
        assert_eq!(second.redirect_uri, first.redirect_uri);
        let first_result = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(
            matches!(first_result, Ok(Ok(Err(_)))),
            "the first attempt ends (cancelled), it does not wait on"
        );
        // And an attempt never finished (no wait under way) is ended too.
        let third = ws
            .start_sign_in("web", false, Duration::from_secs(30))
            .await;
        assert!(third.is_ok(), "{third:?}");
        assert!(matches!(
            ws.finish_sign_in(second.attempt).await,
            Err(WorkspaceError::SignInOver)
        ));
        ws.cancel_sign_in(third.unwrap().attempt);

        // Two at once (a double click): the later one wins, neither waits for the other's timeout.
        let started = tokio::time::timeout(Duration::from_secs(5), async {
            tokio::join!(
                ws.start_sign_in("web", false, Duration::from_secs(30)),
                ws.start_sign_in("web", false, Duration::from_secs(30))
            )
        });
        let (a, b) = started
            .await
            .expect("neither start waits for the other to time out");
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    }
}
