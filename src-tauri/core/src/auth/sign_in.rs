//! Browser sign-in, the RFC 8252 way: bind the loopback listener first, then send the user's own
//! browser to the provider's authorize URL with a fresh `state` (and `nonce` when `openid` is
//! asked; a PKCE challenge for the code flow), wait for the one matching redirect, and turn it into
//! tokens: from the redirect itself (implicit) or by exchanging the code with the verifier.
//!
//! Two steps, so the caller opens the browser (system opener, `BROWSER`, or just printing the URL)
//! and can show the URL, the time left, and a Cancel button in between.

use std::future::Future;
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, ResponseType,
    Scope,
};

use crate::auth::assertion::ClientCredentials;
use crate::auth::client_request;
use crate::auth::grant::{self, GrantError};
use crate::auth::loopback::{Listener, LoopbackError, Redirect};
use crate::auth::token::TokenSet;
use crate::net::{trace, Net};
use crate::profile::redirect::{RedirectUri, RedirectUriError};
use crate::profile::{Grant, Profile};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A sign-in attempt whose listener is bound and whose authorize URL is ready to open.
pub struct BrowserSignIn {
    listener: Listener,
    authorize_url: String,
    state: String,
    nonce: Option<String>,
    verifier: Option<PkceCodeVerifier>,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("profile {0} does not sign in through the browser (its grant is {1})")]
    NotABrowserGrant(String, Grant),
    #[error(transparent)]
    Loopback(#[from] LoopbackError),
    #[error(transparent)]
    BadRedirect(#[from] RedirectUriError),
    #[error("the authorize URL {0:?} is not valid")]
    BadAuthorizeUrl(String),
    /// The provider's answer (the redirect or the code exchange) gave no token.
    #[error(transparent)]
    Grant(#[from] GrantError),
}

/// The redirect that came back, a refusal included, as a step of the trace.
fn trace_redirect(
    redirect_uri: &str,
    redirect: &Result<Redirect, LoopbackError>,
    waited: Duration,
) {
    let params = match redirect {
        Ok(redirect) => redirect.params.clone(),
        Err(LoopbackError::Refused { error, description }) => {
            let mut params = vec![("error".to_string(), error.clone())];
            params.extend(
                description
                    .clone()
                    .map(|d| ("error_description".to_string(), d)),
            );
            params
        }
        Err(_) => return,
    };
    let Ok(mut came_back) = url::Url::parse(redirect_uri) else {
        return;
    };
    came_back.query_pairs_mut().extend_pairs(&params);
    let note = "the browser came back to Waybill";
    trace::browser("redirect", came_back.as_str(), waited, note);
}

impl BrowserSignIn {
    /// Bind the listener and build the authorize URL for `profile`.
    pub async fn start(profile: &Profile) -> Result<BrowserSignIn, SignInError> {
        let not_browser = || SignInError::NotABrowserGrant(profile.name.clone(), profile.grant);
        if !profile.grant.is_browser() {
            return Err(not_browser());
        }
        let authorize = profile.authorize_url.clone().ok_or_else(not_browser)?;
        let redirect: RedirectUri = match &profile.redirect_uri {
            Some(uri) => uri.parse()?,
            None => RedirectUri::default(),
        };
        let listener = Listener::bind(&redirect).await?;
        let redirect_uri = listener.redirect_uri().to_string();

        let client = BasicClient::new(ClientId::new(profile.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(authorize.clone())
                    .map_err(|_| SignInError::BadAuthorizeUrl(authorize.clone()))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri)
                    .map_err(|_| SignInError::BadAuthorizeUrl(authorize))?,
            );
        let state = CsrfToken::new_random();
        let scopes: Vec<Scope> = profile
            .scope
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(|s| Scope::new(s.into()))
            .collect();
        let wants_openid = scopes.iter().any(|s| s.as_str() == "openid");
        let state_secret = state.secret().clone();
        let mut request = client.authorize_url(move || state).add_scopes(scopes);
        let mut verifier = None;
        match profile.grant {
            Grant::AuthorizationCode => {
                let (challenge, v) = PkceCodeChallenge::new_random_sha256();
                request = request.set_pkce_challenge(challenge);
                verifier = Some(v);
            }
            _ => request = request.use_implicit_flow(),
        }
        let nonce = wants_openid.then(|| CsrfToken::new_random().secret().clone());
        if let Some(nonce) = &nonce {
            request = request.add_extra_param("nonce", nonce.clone());
        }
        let mut response_type = None;
        for (name, value) in &profile.authorize_params {
            if name == "response_type" {
                response_type = Some(ResponseType::new(value.clone()));
            } else {
                request = request.add_extra_param(name.clone(), value.clone());
            }
        }
        if let Some(response_type) = &response_type {
            request = request.set_response_type(response_type);
        }
        let (url, _) = request.url();
        Ok(BrowserSignIn {
            listener,
            authorize_url: url.to_string(),
            state: state_secret,
            nonce,
            verifier,
        })
    }

    /// RFC 9126, for profiles with a PAR endpoint: push the authorization request there as the
    /// client, so the browser's URL carries only `client_id` and the `request_uri` the server
    /// gave for it (nothing to read or alter on the way).
    pub async fn push(
        &mut self,
        net: &Net,
        profile: &Profile,
        credentials: &ClientCredentials,
    ) -> Result<(), GrantError> {
        let Some(par_url) = &profile.par_url else {
            return Ok(());
        };
        let full = url::Url::parse(&self.authorize_url)
            .map_err(|_| GrantError::BadResponse("the authorize URL is not valid".into()))?;
        // `client_id` goes with the client's authentication.
        let params: Vec<(String, String)> = full
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != "client_id")
            .collect();
        let fields: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let what = "pushed authorization request";
        let body = client_request::post(net, profile, par_url, credentials, &fields, what).await?;
        #[derive(serde::Deserialize)]
        struct Pushed {
            request_uri: String,
        }
        let pushed: Pushed = serde_json::from_slice(&body).map_err(|_| {
            GrantError::BadResponse("the PAR endpoint's answer has no request_uri".into())
        })?;
        let mut short = url::Url::parse(profile.authorize_url.as_deref().unwrap_or_default())
            .map_err(|_| GrantError::BadResponse("the authorize URL is not valid".into()))?;
        short
            .query_pairs_mut()
            .append_pair("client_id", &profile.client_id)
            .append_pair("request_uri", &pushed.request_uri);
        self.authorize_url = short.to_string();
        Ok(())
    }

    /// Where to send the browser.
    pub fn authorize_url(&self) -> &str {
        &self.authorize_url
    }

    /// The redirect URI the listener answers on (with its real port).
    pub fn redirect_uri(&self) -> String {
        self.listener.redirect_uri().to_string()
    }

    /// Wait for the redirect and turn it into tokens: from the redirect itself (implicit), or
    /// by exchanging the code with the verifier as the profile's client. The caller keeps them.
    pub async fn finish(
        self,
        net: &Net,
        profile: &Profile,
        credentials: &ClientCredentials,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
        now: impl Fn() -> chrono::DateTime<chrono::Utc>,
    ) -> Result<TokenSet, SignInError> {
        let redirect_uri = self.listener.redirect_uri().to_string();
        let waited = std::time::Instant::now();
        let redirect = self.listener.wait(&self.state, timeout, cancel).await;
        trace_redirect(&redirect_uri, &redirect, waited.elapsed());
        let redirect = redirect?;
        let now = now();
        // RFC 9207: a response naming another issuer is a mix-up attack, or a misconfiguration.
        if let (Some(iss), Some(expected)) = (redirect.get("iss"), &profile.issuer) {
            if iss.trim_end_matches('/') != expected.trim_end_matches('/') {
                return Err(SignInError::Grant(GrantError::BadResponse(format!(
                    "the sign-in response came from issuer {iss:?}, not this profile's {expected:?}"
                ))));
            }
        }
        let tokens = match (self.verifier, redirect.get("code")) {
            (Some(verifier), Some(code)) => {
                let code = code.to_string();
                grant::exchange_code(
                    net,
                    profile,
                    credentials,
                    code,
                    verifier,
                    &redirect_uri,
                    now,
                )
                .await?
            }
            // A code flow takes a code only: a token in its redirect was put there by someone
            // else (RFC 9700 §4.5, access token injection).
            (Some(_), None) => {
                return Err(SignInError::Grant(GrantError::BadResponse(
                    "the sign-in came back with a token where a code was asked for; refused".into(),
                )))
            }
            (None, _) => grant::token_from_redirect(&redirect, self.nonce.as_deref(), now)?,
        };
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code sign-in whose redirect brings an access token instead of a code (with the right
    /// state: someone who saw the authorize URL) is refused, not taken as an implicit answer.
    #[tokio::test]
    async fn a_code_flow_refuses_a_token_in_its_redirect() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let profile = Profile {
            name: "web".into(),
            grant: Grant::AuthorizationCode,
            client_id: "app".into(),
            authorize_url: Some("https://id.example/authorize".into()),
            token_url: Some("https://id.example/token".into()),
            redirect_uri: Some(format!("http://127.0.0.1:{port}/callback")),
            ..Profile::default()
        };
        let sign_in = BrowserSignIn::start(&profile).await.unwrap();
        let state = url::Url::parse(sign_in.authorize_url())
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let injected = format!(
            "http://127.0.0.1:{port}/callback?access_token=injected-token-1&token_type=Bearer&state={state}"
        );
        tokio::spawn(async move { reqwest::get(injected).await.map(drop) });
        let finished = sign_in
            .finish(
                &Net::default(),
                &profile,
                &ClientCredentials::secret(None),
                Duration::from_secs(5),
                std::future::pending(),
                chrono::Utc::now,
            )
            .await;
        let refused = finished.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            refused.contains("a token where a code was asked for"),
            "{refused}"
        );
    }
}
