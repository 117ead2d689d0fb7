//! One error type for every workspace operation. Each carries what the user can do about it
//! (`remedy`) and a stable `code` for machines; the faces only put those into words (a CLI hint
//! names a command, the window's names a button).

use std::path::PathBuf;

use crate::auth::browser::BrowserError;
use crate::auth::discovery::DiscoveryError;
use crate::auth::key::KeyError;
use crate::auth::sign_in::SignInError;
use crate::import::case::CaseError;
use crate::profile::new::NewProfileError;
use crate::profile::preset::PresetError;
use crate::profile::ProfileError;
use crate::request::curl::CurlError;
use crate::request::RequestError;
use crate::session::diagnose::Diagnosis;
use crate::session::SessionError;
use crate::store::history::HistoryError;
use crate::store::saved::SavedError;
use crate::store::variables::VariableError;
use crate::store::vault::VaultError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// A failure with its likely causes, worked out from what was sent and answered.
    #[error("{source}")]
    Diagnosed {
        source: Box<WorkspaceError>,
        diagnoses: Vec<Diagnosis>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    NewProfile(#[from] NewProfileError),
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    Request(RequestError),
    #[error(transparent)]
    Variable(#[from] VariableError),
    #[error(transparent)]
    Saved(#[from] SavedError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Curl(#[from] CurlError),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("history is not kept here: {0}")]
    NoHistory(String),
    #[error("profile {0} needs a client secret")]
    NeedsClientSecret(String),
    #[error("profile {0} needs its API key")]
    NeedsApiKey(String),
    #[error("the {0} is needed to connect")]
    InputMissing(String),
    #[error("the preset cannot be used: {0}")]
    BadPreset(String),
    #[error("profile {0} has no check request: its preset names none (custom profiles have none); try a call of your own with `waybill call`")]
    NoCheck(String),
    #[error(transparent)]
    ClientKey(#[from] KeyError),
    #[error("profile {0} has a client key already; a new one signs nothing the provider accepts until its public key is registered there")]
    KeyExists(String),
    #[error("profile {profile} authenticates with {auth}, not a key: switch its client authentication to private_key_jwt first")]
    NoKeyAuth {
        profile: String,
        auth: crate::profile::ClientAuth,
    },
    #[error("this sign-in attempt is over")]
    SignInOver,
    #[error("the sign-in was cancelled")]
    SignInCancelled,
    #[error("profile {profile} has no saved request or folder named {wanted:?} (see `waybill requests {profile}`)")]
    NothingToRun { profile: String, wanted: String },
    #[error("pick the history entries to put in the case file")]
    NothingToExport,
    #[error("keep at least 1 history entry (clearing history empties it)")]
    KeepAtLeastOne,
    #[error("{0} exists already")]
    FileExists(PathBuf),
    #[error(
        "secrets are kept in memory for this run (--session-only): there is no keyring to tidy"
    )]
    NoKeyring,
    #[error("could not {action} {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the person can do about a failure. The faces word it: the CLI names a command, the
/// window a field or button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Start a Secret Service and unlock it, or keep secrets in memory for this run.
    StartKeyring,
    UnlockKeyring,
    /// Store the profile's client secret.
    SetClientSecret {
        profile: String,
    },
    /// Store the profile's API key.
    SetApiKey {
        profile: String,
    },
    /// Make the profile a client key (and register its public half), or give one.
    GiveClientKey {
        profile: String,
    },
    /// Replace the client key on purpose.
    ReplaceClientKey {
        profile: String,
    },
    /// The user signs in again (browser or password).
    SignIn {
        profile: String,
    },
    /// A `refresh_token` profile has no sign-in of its own: it needs a new refresh token.
    NewRefreshToken {
        profile: String,
    },
    /// Give what the profile lacks: a preset, or a grant, token URL and client id.
    CompleteProfile,
    /// A self-hosted preset needs the application's URL.
    GiveBaseUrl,
    /// The name is taken: another one, or remove that profile first.
    PickAnotherName,
    /// The file exists: another name (or, where offered, overwrite it on purpose).
    PickAnotherFile,
    /// Open the sign-in address by hand (or name the browser to use).
    OpenBrowserByHand,
    /// Nothing to do but try again (the attempt ended).
    StartAgain,
    /// The server's certificate comes from a CA this system does not trust: add that CA to the
    /// profile, if it is one to trust (a company's TLS-inspecting proxy, a carrier's private CA).
    TrustCa {
        profile: Option<String>,
    },
    /// The server wants a client certificate: give the profile one (and its key).
    GiveClientCertificate {
        profile: Option<String>,
    },
}

impl WorkspaceError {
    pub fn remedy(&self) -> Option<Remedy> {
        use WorkspaceError as E;
        match self {
            E::Diagnosed { source, .. } => source.remedy(),
            E::Vault(v) | E::Session(SessionError::Vault(v)) => vault_remedy(v),
            E::Session(SessionError::MissingClientSecret(profile))
            | E::NeedsClientSecret(profile) => Some(Remedy::SetClientSecret {
                profile: profile.clone(),
            }),
            E::Session(SessionError::MissingApiKey(profile)) | E::NeedsApiKey(profile) => {
                Some(Remedy::SetApiKey {
                    profile: profile.clone(),
                })
            }
            E::Session(SessionError::MissingSigningKey(profile)) => Some(Remedy::GiveClientKey {
                profile: profile.clone(),
            }),
            E::KeyExists(profile) => Some(Remedy::ReplaceClientKey {
                profile: profile.clone(),
            }),
            E::Session(SessionError::NeedsSignIn {
                profile,
                grant: crate::profile::Grant::RefreshToken,
                ..
            }) => Some(Remedy::NewRefreshToken {
                profile: profile.clone(),
            }),
            E::Session(SessionError::NeedsSignIn { profile, .. }) => Some(Remedy::SignIn {
                profile: profile.clone(),
            }),
            E::NewProfile(NewProfileError::Missing(_)) => Some(Remedy::CompleteProfile),
            E::NewProfile(NewProfileError::Preset(PresetError::NeedsBaseUrl(_))) => {
                Some(Remedy::GiveBaseUrl)
            }
            E::Store(StoreError::Exists(_)) => Some(Remedy::PickAnotherName),
            E::FileExists(_) => Some(Remedy::PickAnotherFile),
            E::SignInOver => Some(Remedy::StartAgain),
            E::Browser(_) => Some(Remedy::OpenBrowserByHand),
            _ => self.tls_remedy(),
        }
    }

    /// A TLS failure somewhere inside, and what can be done about it.
    fn tls_remedy(&self) -> Option<Remedy> {
        use crate::auth::dialect::EndpointError;
        use crate::auth::grant::GrantError;
        use crate::net::tls::TlsFailure;
        use crate::net::NetError;
        let (net, profile) = match self {
            WorkspaceError::Session(SessionError::Grant {
                profile,
                source: GrantError::Endpoint(EndpointError::Net(net)),
            }) => (net, Some(profile.clone())),
            WorkspaceError::Session(SessionError::Net(net))
            | WorkspaceError::Request(RequestError::Net(net))
            | WorkspaceError::Discovery(DiscoveryError::Net(net)) => (net, None),
            _ => return None,
        };
        match net {
            NetError::Tls {
                kind: TlsFailure::UntrustedIssuer,
                ..
            } => Some(Remedy::TrustCa { profile }),
            NetError::Tls {
                kind: TlsFailure::WantsClientCertificate,
                ..
            } => Some(Remedy::GiveClientCertificate { profile }),
            _ => None,
        }
    }

    /// The likely causes of the failure, each with what to do (empty when none is known).
    pub fn diagnoses(&self) -> &[Diagnosis] {
        match self {
            WorkspaceError::Diagnosed { diagnoses, .. } => diagnoses,
            _ => &[],
        }
    }

    /// A PKCS#12 file was given without the passphrase it needs (ask for it and read it again).
    pub fn needs_passphrase(&self) -> bool {
        matches!(
            self,
            WorkspaceError::NewProfile(NewProfileError::Profile(ProfileError::Pem(
                crate::net::tls::PemError::NeedsPassphrase(_)
            )))
        )
    }

    /// A stable name for the kind of failure, for the window to switch on (never its words).
    pub fn code(&self) -> &'static str {
        use WorkspaceError as E;
        match self {
            E::Diagnosed { source, .. } => source.code(),
            E::Store(StoreError::NotFound(_)) => "profile_not_found",
            E::Store(StoreError::Exists(_)) => "profile_exists",
            E::Store(StoreError::Corrupt { .. }) => "file_moved_aside",
            E::Store(StoreError::Full { .. }) => "disk_full",
            E::Store(_) => "store",
            E::Vault(_) | E::Session(SessionError::Vault(_)) | E::NoKeyring => "keyring",
            E::Session(SessionError::NeedsSignIn { .. }) => "needs_sign_in",
            E::Session(SessionError::MissingClientSecret(_)) | E::NeedsClientSecret(_) => {
                "needs_client_secret"
            }
            E::Session(SessionError::MissingSigningKey(_)) => "needs_client_key",
            E::Session(SessionError::MissingApiKey(_)) | E::NeedsApiKey(_) => "needs_api_key",
            E::Session(SessionError::ApiKeyOnly(_)) => "api_key_only",
            E::Session(SessionError::Grant { .. } | SessionError::AtProvider { .. }) => {
                "provider_refused"
            }
            E::Request(_) => "request",
            E::Session(_) => "session",
            E::NewProfile(_) => "invalid_profile",
            E::NoCheck(_) => "no_check",
            E::InputMissing(_) | E::BadPreset(_) => "invalid_profile",
            E::ClientKey(_) | E::KeyExists(_) | E::NoKeyAuth { .. } => "client_key",
            E::Discovery(_) => "discovery",
            E::SignIn(_) | E::SignInOver | E::SignInCancelled | E::Browser(_) => "sign_in",
            E::Variable(_) => "variable",
            E::Saved(_) | E::NothingToRun { .. } => "saved_request",
            E::History(_) | E::NoHistory(_) | E::KeepAtLeastOne | E::NothingToExport => "history",
            E::Case(_) => "case_file",
            E::Import(_) => "import",
            E::Curl(_) => "curl",
            E::FileExists(_) | E::File { .. } => "file",
        }
    }
}

fn vault_remedy(e: &VaultError) -> Option<Remedy> {
    match e {
        VaultError::Unavailable(_) => Some(Remedy::StartKeyring),
        VaultError::Locked(_) => Some(Remedy::UnlockKeyring),
        _ => None,
    }
}

impl From<crate::net::tls::PemError> for WorkspaceError {
    fn from(e: crate::net::tls::PemError) -> Self {
        ProfileError::from(e).into()
    }
}

/// A request that found no token fails as the session did, so it gets the session's remedy.
impl From<RequestError> for WorkspaceError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Session(e) => WorkspaceError::Session(e),
            e => WorkspaceError::Request(e),
        }
    }
}

impl From<crate::profile::preset::PresetError> for WorkspaceError {
    fn from(e: PresetError) -> Self {
        WorkspaceError::NewProfile(e.into())
    }
}

impl From<ProfileError> for WorkspaceError {
    fn from(e: ProfileError) -> Self {
        WorkspaceError::NewProfile(NewProfileError::Profile(e))
    }
}
