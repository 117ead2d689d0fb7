//! `Profile`: how to get a token from one provider account, and where its API lives.
//!
//! A profile holds no secret. Its client secret, password and tokens live in the vault under
//! `keyring_id`, a name plus a random suffix fixed at creation, so a profile removed and added again
//! under the same name never inherits the old one's tokens.
//!
//! `fields` declares a profile's fields once, for `Profile` and `NewProfile` alike. `new` builds a
//! profile from what a person describes (a preset and the fields they set), for
//! `profile add`, `profile edit` and the window's form alike; `preset` holds the providers' data.

mod fields;
pub mod new;
pub mod preset;
pub mod redirect;
pub mod template;

pub use fields::Profile;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the profile gets its first token. A refresh token, once held, is always tried first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    #[default]
    ClientCredentials,
    Password,
    /// Only a refresh token given by the user: nothing to fall back to when it stops working.
    RefreshToken,
    /// Browser sign-in, token in the redirect (RFC 6749 4.2); no refresh: the user signs in again.
    Implicit,
    /// Browser sign-in with PKCE (RFC 7636), the code exchanged at the token endpoint.
    AuthorizationCode,
    /// RFC 8628: the user confirms a short code on any device's browser while Waybill polls; for
    /// machines where no redirect can come back.
    DeviceCode,
    /// No OAuth at all: an API key from the keyring goes on every call (ShipEngine, Shippo).
    ApiKey,
}

impl Grant {
    /// The user signs in through their browser, which comes back on a loopback redirect.
    pub fn is_browser(self) -> bool {
        matches!(self, Grant::Implicit | Grant::AuthorizationCode)
    }

    /// A user signs in (browser or device code); tokens end when the sign-in does.
    pub fn is_sign_in(self) -> bool {
        self.is_browser() || self == Grant::DeviceCode
    }

    /// Gets tokens at a token endpoint (every grant but implicit and the API key's).
    pub fn needs_token_url(self) -> bool {
        !matches!(self, Grant::Implicit | Grant::ApiKey)
    }

    /// The header a credential goes in when the profile names none.
    pub fn default_auth_header(self) -> &'static str {
        match self {
            Grant::ApiKey => template::API_KEY_BEARER,
            _ => template::BEARER,
        }
    }
}

/// How HTTP Basic carries the client id and secret. RFC 6749 §2.3.1 form-encodes both first;
/// carriers' own SDKs (UPS, eBay, Walmart) send them as they are, which differs whenever a
/// secret holds `+`, `/`, `=`, `%` or a space.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasicEncoding {
    #[default]
    Form,
    Raw,
}

/// How the client authenticates at the token endpoint: the provider's dialect.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in a form-urlencoded body (Parcel2Go).
    #[default]
    Form,
    /// HTTP Basic with a form body (Packly; RFC 6749's preferred way).
    Basic,
    /// Everything in a JSON body (MyParcel.com, Bindeo, OroCommerce).
    Json,
    /// RFC 8705 mutual TLS: the client certificate (issued by a CA the provider trusts)
    /// authenticates; the body carries only `client_id`.
    TlsClientAuth,
    /// RFC 8705 mutual TLS with a self-signed certificate registered with the provider.
    SelfSignedTlsClientAuth,
    /// RFC 7523: a short-lived JWT signed with the client secret (HS256) in the form body; the
    /// secret itself never goes on the wire.
    ClientSecretJwt,
    /// RFC 7523: a short-lived JWT signed with the client's own private key (ES256 or RS256),
    /// whose public half the provider holds; no secret exists.
    PrivateKeyJwt,
}

impl ClientAuth {
    /// The client certificate is the credential: no secret is sent.
    pub fn is_mutual_tls(self) -> bool {
        matches!(
            self,
            ClientAuth::TlsClientAuth | ClientAuth::SelfSignedTlsClientAuth
        )
    }

    /// A signed JWT (client assertion) authenticates the client, not its secret.
    pub fn signs_assertion(self) -> bool {
        matches!(
            self,
            ClientAuth::ClientSecretJwt | ClientAuth::PrivateKeyJwt
        )
    }

    /// The client has a secret: sent, or signing its assertions (not a certificate or a key).
    pub fn uses_secret(self) -> bool {
        !self.is_mutual_tls() && self != ClientAuth::PrivateKeyJwt
    }

    /// The secret itself goes on the wire (body or Basic): not with a certificate or assertion.
    pub fn sends_secret(self) -> bool {
        !self.is_mutual_tls() && !self.signs_assertion()
    }
}

/// Whether a profile needs a secret from the person making it: the policy both faces follow
/// (the CLI asks for exactly these, the window shows exactly these fields).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// This profile never uses it.
    Unused,
    /// Used when given: a browser or device sign-in is a public client unless it has a secret
    /// (RFC 8252).
    Optional,
    /// Asked for when the profile is made.
    Asked,
}

/// The secrets a profile of a grant and client authentication needs from a person.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SecretsNeeded {
    pub client_secret: Need,
    /// The password grant signs in as soon as it is made.
    pub password: Need,
    /// Something the profile sends uses `{api_key}`.
    pub api_key: Need,
}

impl SecretsNeeded {
    /// What a profile of `grant` and `client_auth` needs; `uses_api_key`: something it sends
    /// (its auth header, a default header) holds `{api_key}`.
    pub fn of(grant: Grant, client_auth: ClientAuth, uses_api_key: bool) -> SecretsNeeded {
        SecretsNeeded {
            client_secret: match (client_auth.uses_secret(), grant) {
                (_, Grant::ApiKey) => Need::Unused,
                // A client certificate or a key authenticates the client instead.
                (false, _) => Need::Unused,
                (true, g) if g.is_sign_in() => Need::Optional,
                (true, _) => Need::Asked,
            },
            api_key: match uses_api_key || grant == Grant::ApiKey {
                true => Need::Asked,
                false => Need::Optional,
            },
            password: match grant {
                Grant::Password => Need::Asked,
                _ => Need::Unused,
            },
        }
    }
}

impl Profile {
    pub fn secrets_needed(&self) -> SecretsNeeded {
        SecretsNeeded::of(self.grant, self.client_auth, self.uses_api_key())
    }

    /// The header its credential goes in on API calls.
    pub fn auth_header(&self) -> template::HeaderTemplate {
        let line = self.auth_header.as_deref();
        // Checked when the profile was made (`validate`); the default always parses.
        (line.and_then(|l| l.parse().ok())).unwrap_or_else(|| {
            self.grant
                .default_auth_header()
                .parse()
                .expect("a valid default")
        })
    }

    /// Its auth header or a default header carries `{api_key}`.
    pub fn uses_api_key(&self) -> bool {
        self.auth_header().uses_api_key() || self.headers.values().any(|v| v.contains("{api_key}"))
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Sandbox,
    Live,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("a profile name must be 1 to 64 letters, digits, '-', '_' or '.', not {0:?}")]
    BadName(String),
    #[error("{what} {value:?} is not a valid http(s) URL")]
    BadUrl { what: &'static str, value: String },
    #[error("{0:?} is not one of: {1}")]
    UnknownValue(String, &'static str),
    #[error("the password grant needs a username (--username)")]
    MissingUsername,
    #[error("the device_code grant needs the device authorization URL (--device-authorization-url, or an --issuer that publishes one)")]
    MissingDeviceUrl,
    #[error("the {0} grant needs a token URL (--token-url or --issuer)")]
    MissingTokenUrl(Grant),
    #[error("the {0} grant signs in through the browser and needs an authorize URL (--authorize-url or --issuer)")]
    MissingAuthorizeUrl(Grant),
    #[error(transparent)]
    BadRedirect(#[from] redirect::RedirectUriError),
    #[error("{what} {value:?} has a control character or is too long")]
    BadText { what: &'static str, value: String },
    #[error("the header {0:?} is not a valid HTTP header")]
    BadHeader(String),
    #[error("the keyring id {0:?} is not the name of a keyring entry Waybill makes")]
    BadKeyringId(String),
    #[error(transparent)]
    Pem(#[from] crate::net::tls::PemError),
    #[error(transparent)]
    Proxy(#[from] crate::net::proxy::ProxyError),
    #[error("the proxy URL holds credentials, which belong in the keyring, not in a profile")]
    ProxyCredentials,
    #[error("a profile either has its own proxy (--proxy) or none (--no-proxy), not both")]
    ProxyAndNoProxy,
    #[error("--client-auth {0} authenticates with a client certificate: give --tls-cert-file and --tls-key-file")]
    MutualTlsWithoutCertificate(ClientAuth),
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    #[error("the auth header {0:?} uses {{token}}, but an api_key profile gets no token: use {{api_key}}")]
    TokenWithoutGrant(String),
}

impl Profile {
    /// Everything a profile holds can be used: URLs are http(s), text has no control
    /// characters, headers and templates parse, the network settings belong together.
    pub fn validate(&self) -> Result<(), ProfileError> {
        validate_name(&self.name)?;
        self.validate_endpoints()?;
        self.validate_text()?;
        self.validate_headers()?;
        self.validate_network()
    }

    fn validate_endpoints(&self) -> Result<(), ProfileError> {
        match &self.token_url {
            Some(url) => check_url("the token URL", url)?,
            None if self.grant.needs_token_url() => {
                return Err(ProfileError::MissingTokenUrl(self.grant))
            }
            None => {}
        }
        match &self.authorize_url {
            Some(url) => check_url("the authorize URL", url)?,
            None if self.grant.is_browser() => {
                return Err(ProfileError::MissingAuthorizeUrl(self.grant))
            }
            None => {}
        }
        if let Some(uri) = &self.redirect_uri {
            uri.parse::<redirect::RedirectUri>()?;
        }
        for (what, url) in [
            ("the API base", &self.api_base),
            ("the issuer", &self.issuer),
            ("the refresh URL", &self.refresh_url),
            ("the revocation URL", &self.revocation_url),
            ("the JWKS URL", &self.jwks_url),
            ("the introspection URL", &self.introspection_url),
            ("the userinfo URL", &self.userinfo_url),
            ("the PAR endpoint", &self.par_url),
            (
                "the device authorization URL",
                &self.device_authorization_url,
            ),
        ] {
            if let Some(url) = url {
                check_url(what, url)?;
            }
        }
        if self.grant == Grant::DeviceCode && self.device_authorization_url.is_none() {
            return Err(ProfileError::MissingDeviceUrl);
        }
        Ok(())
    }

    fn validate_text(&self) -> Result<(), ProfileError> {
        if self.grant == Grant::Password && self.username.is_none() {
            return Err(ProfileError::MissingUsername);
        }
        check_text("the client id", &self.client_id)?;
        for (what, text) in [
            ("the scope", &self.scope),
            ("the username", &self.username),
            ("the preset", &self.preset),
            ("the assertion audience", &self.assertion_audience),
            ("the client key id", &self.client_key_id),
        ] {
            if let Some(text) = text {
                check_text(what, text)?;
            }
        }
        for (name, value) in self.params.iter().chain(&self.authorize_params) {
            check_text("a parameter", name)?;
            check_text("a parameter", value)?;
        }
        Ok(())
    }

    /// Default headers, headers on token requests, and where the credential goes.
    fn validate_headers(&self) -> Result<(), ProfileError> {
        for (name, value) in self.headers.iter().chain(&self.token_request_headers) {
            let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && reqwest::header::HeaderValue::from_str(value).is_ok();
            if !valid {
                return Err(ProfileError::BadHeader(format!("{name}: {value}")));
            }
        }
        if let Some(line) = &self.auth_header {
            let parsed = line.parse::<template::HeaderTemplate>()?;
            check_text("the auth header", line)?;
            if self.grant == Grant::ApiKey && parsed.uses_token() {
                return Err(ProfileError::TokenWithoutGrant(line.clone()));
            }
        }
        Ok(())
    }

    fn validate_network(&self) -> Result<(), ProfileError> {
        if let Some(pem) = &self.ca_certs {
            crate::net::tls::parse_certificates(pem, "the CA file")?;
        }
        if let Some(pem) = &self.tls_client_cert {
            crate::net::tls::parse_certificates(pem, "the client certificate")?;
        }
        if self.client_auth.is_mutual_tls() && self.tls_client_cert.is_none() {
            return Err(ProfileError::MutualTlsWithoutCertificate(self.client_auth));
        }
        if self.proxy.is_some() && self.no_proxy {
            return Err(ProfileError::ProxyAndNoProxy);
        }
        if let Some(proxy) = &self.proxy {
            // Credentials belong in the keyring: a profile never keeps them.
            if crate::net::proxy::split_credentials(proxy)?.1.is_some() {
                return Err(ProfileError::ProxyCredentials);
            }
        }
        Ok(())
    }
}

/// Text that goes into requests and files: no control characters (a newline in a client id
/// would end up in a header or a form body), and a sane length.
fn check_text(what: &'static str, value: &str) -> Result<(), ProfileError> {
    match value.len() <= 4096 && !value.chars().any(char::is_control) {
        true => Ok(()),
        false => Err(ProfileError::BadText {
            what,
            value: value.chars().take(80).collect(),
        }),
    }
}

/// A keyring id names keyring entries and lock files: the characters of a profile name, and a
/// bounded length (a name of 64 plus its random suffix).
pub fn validate_keyring_id(id: &str) -> Result<(), ProfileError> {
    let ok = (1..=96).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !id.starts_with('.');
    match ok {
        true => Ok(()),
        false => Err(ProfileError::BadKeyringId(id.to_string())),
    }
}

/// The longest profile name, in characters (names are ASCII).
pub const MAX_NAME: usize = 64;

pub fn validate_name(name: &str) -> Result<(), ProfileError> {
    let ok = (1..=MAX_NAME).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadName(name.to_string()))
    }
}

fn check_url(what: &'static str, value: &str) -> Result<(), ProfileError> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(ProfileError::BadUrl {
            what,
            value: value.to_string(),
        }),
    }
}

macro_rules! text_enum {
    ($ty:ident, $choices:literal, { $($text:literal => $variant:ident),+ $(,)? }) => {
        impl FromStr for $ty {
            type Err = ProfileError;
            fn from_str(s: &str) -> Result<Self, ProfileError> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    _ => Err(ProfileError::UnknownValue(s.to_string(), $choices)),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $($ty::$variant => $text,)+ })
            }
        }
    };
}

text_enum!(Grant, "client_credentials, password, refresh_token, implicit, authorization_code, device_code, api_key", {
    "client_credentials" => ClientCredentials,
    "password" => Password,
    "refresh_token" => RefreshToken,
    "implicit" => Implicit,
    "authorization_code" => AuthorizationCode,
    "device_code" => DeviceCode,
    "api_key" => ApiKey,
});
text_enum!(BasicEncoding, "form, raw", {
    "form" => Form,
    "raw" => Raw,
});
text_enum!(ClientAuth, "form, basic, json, tls_client_auth, self_signed_tls_client_auth, client_secret_jwt, private_key_jwt", {
    "form" => Form,
    "basic" => Basic,
    "json" => Json,
    "tls_client_auth" => TlsClientAuth,
    "self_signed_tls_client_auth" => SelfSignedTlsClientAuth,
    "client_secret_jwt" => ClientSecretJwt,
    "private_key_jwt" => PrivateKeyJwt,
});
text_enum!(Environment, "sandbox, live", {
    "sandbox" => Sandbox,
    "live" => Live,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_name("myparcel-sandbox_2.b").is_ok());
        for bad in ["", "a b", "../x", ".hidden", "ä", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn the_secrets_a_profile_needs_follow_its_grant_and_client_authentication() {
        use Need::*;
        let needs = |grant, auth| {
            let n = SecretsNeeded::of(grant, auth, false);
            (n.client_secret, n.password)
        };
        assert_eq!(
            needs(Grant::ClientCredentials, ClientAuth::Basic),
            (Asked, Unused)
        );
        assert_eq!(needs(Grant::Password, ClientAuth::Json), (Asked, Asked));
        assert_eq!(
            needs(Grant::RefreshToken, ClientAuth::Form),
            (Asked, Unused)
        );
        assert_eq!(
            needs(Grant::AuthorizationCode, ClientAuth::Form),
            (Optional, Unused),
            "a browser sign-in is a public client unless it has a secret"
        );
        assert_eq!(
            needs(Grant::DeviceCode, ClientAuth::Form),
            (Optional, Unused)
        );
        for auth in [
            ClientAuth::TlsClientAuth,
            ClientAuth::SelfSignedTlsClientAuth,
            ClientAuth::PrivateKeyJwt,
        ] {
            assert_eq!(
                needs(Grant::ClientCredentials, auth),
                (Unused, Unused),
                "{auth}: a certificate or a key authenticates, no secret is asked for"
            );
        }
        assert_eq!(
            needs(Grant::ClientCredentials, ClientAuth::ClientSecretJwt),
            (Asked, Unused),
            "the secret signs the assertions"
        );
        let api_key = SecretsNeeded::of(Grant::ApiKey, ClientAuth::Form, false);
        assert_eq!(
            (api_key.client_secret, api_key.api_key),
            (Unused, Asked),
            "an API-key carrier has no client: its key is all it needs"
        );
        let beside = SecretsNeeded::of(Grant::AuthorizationCode, ClientAuth::Form, true);
        assert_eq!(beside.api_key, Asked, "Etsy: a key beside the sign-in");
    }

    #[test]
    fn enums_read_and_print_their_cli_words() {
        for word in [
            "form",
            "basic",
            "json",
            "client_secret_jwt",
            "private_key_jwt",
        ] {
            assert_eq!(word.parse::<ClientAuth>().unwrap().to_string(), word);
        }
        let err = "Basic-raw".parse::<ClientAuth>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"Basic-raw\" is not one of: form, basic, json, tls_client_auth, self_signed_tls_client_auth, client_secret_jwt, private_key_jwt"
        );
    }
}
