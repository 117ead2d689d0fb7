//! `Profile`: how to get a token from one provider account, and where its API lives.
//!
//! A profile holds no secret. Its client secret, password and tokens live in the vault under
//! `keyring_id`, a name plus a random suffix fixed at creation, so a profile removed and added again
//! under the same name never inherits the old one's tokens.
//!
//! `new` builds a profile from what a person describes (a preset and the fields they set), for
//! `profile add`, `profile edit` and the window's form alike; `preset` holds the providers' data.

pub mod new;
pub mod preset;
pub mod redirect;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Profile {
    pub name: String,
    pub keyring_id: String,
    pub grant: Grant,
    /// Every grant but `implicit` needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    pub client_id: String,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Client assertions' `aud` (e.g. the issuer), for providers that want one value; `None`:
    /// the endpoint each assertion is sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion_audience: Option<String>,
    /// Space-separated, as sent on the wire (`*` is a valid scope for MyParcel.com).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Extra token-request parameters, e.g. `audience`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    /// Default headers for API calls, e.g. `Accept: application/vnd.api+json`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Password grant: the resource owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Password grant: keep the password in the keyring (only when the user asked).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remember_password: bool,
    /// Browser grants: where the user signs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_url: Option<String>,
    /// Browser grants: the loopback redirect URI; `None` is `http://127.0.0.1:<free port>/callback`.
    /// Providers that accept only registered return URLs (Parcel2Go) need a fixed port and path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Browser grants: extra authorize parameters (e.g. `response_type=id_token token`, `prompt`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub authorize_params: BTreeMap<String, String>,
    /// The OpenID issuer the endpoints were discovered from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// RFC 7009 token revocation endpoint, for `logout --revoke`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_url: Option<String>,
    /// The provider's JSON Web Key Set, to check JWT signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// RFC 7662 introspection endpoint, for the inspector's check at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_url: Option<String>,
    /// OpenID Connect userinfo endpoint: who signed in, for the inspector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_url: Option<String>,
    /// The device grant: where the device code is asked for (RFC 8628).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_url: Option<String>,
    /// Browser grants: push the authorization request here first (RFC 9126, PAR); the browser
    /// then gets only `client_id` and the `request_uri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub par_url: Option<String>,
    /// The preset this profile was made from, and which of its environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// CA certificates (PEM) trusted for this profile's servers, beside the system's. Public, so
    /// kept here rather than in the keyring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certs: Option<String>,
    /// The client certificate (PEM chain) presented to this profile's servers; its key is in the
    /// keyring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_cert: Option<String>,
    /// The profile's proxy (http or socks5), without credentials (those are in the keyring).
    /// `None`: the environment's proxy variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Straight to the servers, whatever the environment's proxy variables say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_proxy: bool,
    /// DPoP (RFC 9449): tokens bound to a key in the keyring, proved on every token request and
    /// API call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dpop: bool,
}

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
}

impl Profile {
    pub fn validate(&self) -> Result<(), ProfileError> {
        validate_name(&self.name)?;
        match &self.token_url {
            Some(url) => check_url("the token URL", url)?,
            None if self.grant != Grant::Implicit => {
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
        if self.grant == Grant::Password && self.username.is_none() {
            return Err(ProfileError::MissingUsername);
        }
        check_text("the client id", &self.client_id)?;
        for (what, text) in [
            ("the scope", &self.scope),
            ("the username", &self.username),
            ("the preset", &self.preset),
            ("the assertion audience", &self.assertion_audience),
        ] {
            if let Some(text) = text {
                check_text(what, text)?;
            }
        }
        for (name, value) in self.params.iter().chain(&self.authorize_params) {
            check_text("a parameter", name)?;
            check_text("a parameter", value)?;
        }
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
        for (name, value) in &self.headers {
            let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && reqwest::header::HeaderValue::from_str(value).is_ok();
            if !valid {
                return Err(ProfileError::BadHeader(format!("{name}: {value}")));
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

text_enum!(Grant, "client_credentials, password, refresh_token, implicit, authorization_code, device_code", {
    "client_credentials" => ClientCredentials,
    "password" => Password,
    "refresh_token" => RefreshToken,
    "implicit" => Implicit,
    "authorization_code" => AuthorizationCode,
    "device_code" => DeviceCode,
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
