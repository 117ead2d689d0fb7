//! Secret newtypes: client secrets, passwords, access and refresh tokens, TLS and client keys,
//! proxy credentials, API keys.
//!
//! Guarantee: none of them prints its value through `Debug` or `Display`, and none implements
//! `Serialize`, so a secret cannot slip into a log, a panic message, a config file or JSON by
//! accident. Reading the value takes an explicit `.expose()`; only the vault and the HTTP layer
//! call it.

use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            /// The value itself: for the vault and the HTTP request only.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
    };
}

secret_type!(
    /// An OAuth client secret.
    ClientSecret
);
secret_type!(
    /// A resource owner's password (password grant).
    Password
);
secret_type!(
    /// An access token, as sent in `Authorization: Bearer`.
    AccessToken
);
secret_type!(
    /// A refresh token.
    RefreshToken
);
secret_type!(
    /// A client certificate's private key, as PEM.
    TlsKey
);
secret_type!(
    /// The client's own private key (PKCS#8 PEM): signs `private_key_jwt` client assertions.
    ClientKey
);
secret_type!(
    /// A proxy's `user:password`, percent-encoded as in a URL.
    ProxyCredentials
);
secret_type!(
    /// An API key: carriers without OAuth take it on every call (`API-Key: <key>`), and some
    /// OAuth providers beside the token (Etsy's `x-api-key`).
    ApiKey
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = ClientSecret::new("hunter2-very-secret");
        let shown = format!(
            "{s:?} {s} {:?}",
            Some(AccessToken::new("hunter2-very-secret"))
        );
        assert!(
            !shown.contains("hunter2"),
            "a secret leaked through formatting: {shown}"
        );
        assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }
}
