//! A profile's fields, declared once. `Profile` (what `profiles.toml` keeps) and `NewProfile` (what
//! a person describes: the CLI's flags, the window's form, an imported file) are both made from
//! the list below, so a field added here is in both, with the same name, type and meaning; the
//! CLI flag and the form control that set it are its only other places (a test in each face
//! fails when one is missing).
//!
//! Five fields are the profile's own and differ between the two: `name`; `keyring_id` (a
//! profile's only, fixed at creation); and `grant`, `client_id`, `client_auth`, which a description
//! may leave to its preset. A description also has `base_url` (a self-hosted preset's application
//! URL) and `par` (push authorization requests, to the endpoint discovery finds).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{BasicEncoding, ClientAuth, Environment, Grant};

/// Nothing given: left out of `profiles.toml`.
fn is_unset<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

macro_rules! profile_fields {
    ($( $(#[doc = $doc:literal])* $field:ident: $ty:ty, )*) => {
        /// How to get a token from one provider account, and where its API lives. No secret: those
        /// are in the vault under `keyring_id`.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub struct Profile {
            pub name: String,
            /// The name at creation plus a random suffix: its keyring entries, its saved requests
            /// and its history follow it through renames.
            pub keyring_id: String,
            pub grant: Grant,
            pub client_id: String,
            #[serde(default)]
            pub client_auth: ClientAuth,
            $( $(#[doc = $doc])* #[serde(default, skip_serializing_if = "is_unset")] pub $field: $ty, )*
        }

        /// A profile as a person describes it: every field optional but the name; what is missing
        /// comes from the preset, if any (see `NewProfile::build`).
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(default)]
        pub struct NewProfile {
            pub name: String,
            /// The application URL of a self-hosted provider (fills a preset's `{base_url}`).
            pub base_url: Option<String>,
            pub grant: Option<Grant>,
            pub client_id: Option<String>,
            pub client_auth: Option<ClientAuth>,
            /// Push authorization requests (RFC 9126) to `par_url`, or to the issuer's PAR endpoint.
            pub par: bool,
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Profile {
            /// Every field's name, as in `profiles.toml`, the CLI's flags and the window's form.
            pub const FIELDS: &[&str] = &[
                "name", "keyring_id", "grant", "client_id", "client_auth",
                $( stringify!($field), )*
            ];
        }

        impl NewProfile {
            /// `profile` described field for field (its preset's URLs are `describe`'s business).
            pub(super) fn copy_of(profile: &Profile) -> NewProfile {
                NewProfile {
                    name: profile.name.clone(),
                    base_url: None,
                    grant: Some(profile.grant),
                    client_id: Some(profile.client_id.clone()),
                    client_auth: Some(profile.client_auth),
                    par: profile.par_url.is_some(),
                    $( $field: profile.$field.clone(), )*
                }
            }

            /// The profile these fields make, with what `build` decided for the others.
            pub(super) fn into_profile(
                self,
                keyring_id: String,
                grant: Grant,
                client_id: String,
                client_auth: ClientAuth,
            ) -> Profile {
                Profile {
                    name: self.name,
                    keyring_id,
                    grant,
                    client_id,
                    client_auth,
                    $( $field: self.$field, )*
                }
            }
        }
    };
}

profile_fields! {
    /// Every grant but `implicit` and `api_key` needs one.
    token_url: Option<String>,
    /// Where refresh requests go, when not to the token URL (UPS: `/security/v1/oauth/refresh`).
    refresh_url: Option<String>,
    /// Headers on every request to the token endpoint (token, refresh, revocation,
    /// introspection): Walmart's `WM_SVC.NAME`, UPS's `x-merchant-id`. Values may hold dynamic
    /// values (`{{$uuid}}`), fresh each time.
    token_request_headers: BTreeMap<String, String>,
    /// HTTP Basic client authentication: the id and secret form-encoded first (RFC 6749), or as
    /// they are (what carriers' own SDKs send).
    basic_encoding: Option<BasicEncoding>,
    /// Client assertions' `aud` (e.g. the issuer), for providers that want one value; `None`:
    /// the endpoint each assertion is sent to.
    assertion_audience: Option<String>,
    /// `private_key_jwt`: the `kid` the provider knows the client's key by. Sent in each
    /// assertion only when known: a key Waybill made has its thumbprint here; a key file brought
    /// from elsewhere has none unless given (providers refuse a `kid` they did not register).
    client_key_id: Option<String>,
    /// Space-separated, as sent on the wire (`*` is a valid scope for MyParcel.com).
    scope: Option<String>,
    /// Extra token-request parameters, e.g. `audience`.
    params: BTreeMap<String, String>,
    api_base: Option<String>,
    /// Where the credential goes on API calls: `NAME: TEMPLATE`, `{token}` the access token and
    /// `{api_key}` the API key (`X-Shopify-Access-Token: {token}`). `None`: `Authorization:
    /// Bearer {token}` (the API key's for an `api_key` profile); DPoP tokens go as
    /// `Authorization: DPoP`.
    auth_header: Option<String>,
    /// Default headers for API calls, e.g. `Accept: application/vnd.api+json`; values may use
    /// `{api_key}` and dynamic values (`{{$uuid}}`). Described, they are added to the preset's; a
    /// header of the same name (any case) replaces the preset's.
    headers: BTreeMap<String, String>,
    /// Password grant: the resource owner.
    username: Option<String>,
    /// Password grant: keep the password in the keyring (only when the user asked).
    remember_password: bool,
    /// Browser grants: where the user signs in.
    authorize_url: Option<String>,
    /// Browser grants: the loopback redirect URI; `None` is `http://127.0.0.1:<free port>/callback`.
    /// Providers that accept only registered return URLs (Parcel2Go) need a fixed port and path.
    redirect_uri: Option<String>,
    /// Browser grants: extra authorize parameters (e.g. `response_type=id_token token`, `prompt`).
    authorize_params: BTreeMap<String, String>,
    /// The OpenID issuer the endpoints were discovered from, if any.
    issuer: Option<String>,
    /// RFC 7009 token revocation endpoint, for `logout --revoke`.
    revocation_url: Option<String>,
    /// The provider's JSON Web Key Set, to check JWT signatures.
    jwks_url: Option<String>,
    /// RFC 7662 introspection endpoint, for the inspector's check at the provider.
    introspection_url: Option<String>,
    /// OpenID Connect userinfo endpoint: who signed in, for the inspector.
    userinfo_url: Option<String>,
    /// The device grant: where the device code is asked for (RFC 8628).
    device_authorization_url: Option<String>,
    /// Browser grants: push the authorization request here first (RFC 9126, PAR); the browser
    /// then gets only `client_id` and the `request_uri`.
    par_url: Option<String>,
    /// The preset this profile was made from.
    preset: Option<String>,
    /// Which of the preset's environments.
    environment: Option<Environment>,
    /// CA certificates (PEM) trusted for this profile's servers, beside the system's. Public, so
    /// kept here rather than in the keyring.
    ca_certs: Option<String>,
    /// The client certificate (PEM chain) presented to this profile's servers; its key is in the
    /// keyring.
    tls_client_cert: Option<String>,
    /// The profile's proxy (http or socks5), without credentials (those are in the keyring).
    /// `None`: the environment's proxy variables.
    proxy: Option<String>,
    /// Straight to the servers, whatever the environment's proxy variables say.
    no_proxy: bool,
    /// DPoP (RFC 9449): tokens bound to a key in the keyring, proved on every token request and
    /// API call.
    dpop: bool,
}
