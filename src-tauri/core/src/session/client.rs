//! The profile's client as the provider knows it: its secret and signing key, its DPoP key, and
//! how it reaches the provider's servers (CA, client certificate, proxy), built once per process.

use std::sync::Arc;

use super::{Session, SessionError, Token};
use crate::auth::assertion::ClientCredentials;
use crate::auth::dpop::Dpop;
use crate::auth::key::SigningKey;
use crate::net::{Net, NetError, Transport};
use crate::profile::{ClientAuth, Profile};
use crate::secret::{ApiKey, ProxyCredentials, TlsKey};

impl Session {
    /// The profile's API key, for `{api_key}` in what it sends.
    pub async fn api_key(&self, profile: &Profile) -> Result<ApiKey, SessionError> {
        (self.vault.api_key(&profile.keyring_id).await?)
            .ok_or_else(|| SessionError::MissingApiKey(profile.name.clone()))
    }

    /// What the profile's client authenticates with: its secret, and for `private_key_jwt` its
    /// key (opened here, so a key that cannot sign is named before any request).
    pub async fn client_credentials(
        &self,
        profile: &Profile,
    ) -> Result<ClientCredentials, SessionError> {
        let id = &profile.keyring_id;
        let secret = self.vault.client_secret(id).await?;
        let key = match profile.client_auth {
            ClientAuth::PrivateKeyJwt => {
                let key = self
                    .vault
                    .client_key(id)
                    .await?
                    .ok_or_else(|| SessionError::MissingSigningKey(profile.name.clone()))?;
                let opened = SigningKey::open(&key).map_err(|e| SessionError::BadSigningKey {
                    profile: profile.name.clone(),
                    reason: e.to_string(),
                })?;
                Some(Arc::new(opened))
            }
            _ => None,
        };
        let dpop = self.dpop_for(profile).await?;
        Ok(ClientCredentials { secret, key, dpop })
    }

    /// The profile's DPoP key (read once per process; made and kept in the keyring if it has
    /// none yet), or `None` when its tokens are plain bearer tokens.
    pub async fn dpop_for(&self, profile: &Profile) -> Result<Option<Arc<Dpop>>, SessionError> {
        if !profile.dpop {
            return Ok(None);
        }
        let cached = self
            .dpop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&profile.keyring_id)
            .cloned();
        if let Some(dpop) = cached {
            return Ok(Some(dpop));
        }
        let id = &profile.keyring_id;
        let key = match self.vault.dpop_key(id).await? {
            Some(key) => key,
            None => {
                let key = crate::auth::key::generate();
                self.vault.set_dpop_key(id, &key).await?;
                key
            }
        };
        let opened = SigningKey::open(&key).map_err(|e| SessionError::BadSigningKey {
            profile: profile.name.clone(),
            reason: e.to_string(),
        })?;
        let dpop = Arc::new(Dpop::new(opened));
        self.dpop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), dpop.clone());
        Ok(Some(dpop))
    }

    /// The DPoP key a token is bound to: the profile's, when the provider issued a DPoP token
    /// (a provider that ignores the proof issues a plain bearer token, sent as such).
    pub async fn dpop_bound(
        &self,
        profile: &Profile,
        token: &Token,
    ) -> Result<Option<Arc<Dpop>>, SessionError> {
        match token.meta.token_type.eq_ignore_ascii_case("DPoP") {
            true => self.dpop_for(profile).await,
            false => Ok(None),
        }
    }

    /// The transport of requests that belong to no profile yet.
    pub fn plain_net(&self) -> &Net {
        self.nets.plain()
    }

    /// How `profile` reaches its servers: its CA, its client certificate (the key read from the
    /// keyring), its proxy. Every request of the profile goes through this.
    pub async fn net_for(&self, profile: &Profile) -> Result<Net, SessionError> {
        let (key, credentials) = self.transport_secrets(profile).await?;
        Ok(self.transport(
            profile.ca_certs.as_deref(),
            profile.tls_client_cert.as_deref().zip(key.as_ref()),
            profile.proxy.as_deref(),
            profile.no_proxy,
            credentials,
        )?)
    }

    /// `net_for`'s settings themselves, for what speaks TLS without HTTP (`doctor`'s look at a
    /// server's certificate).
    pub async fn transport_for(&self, profile: &Profile) -> Result<Transport, SessionError> {
        let (key, credentials) = self.transport_secrets(profile).await?;
        Ok(Transport::new(
            profile.ca_certs.as_deref(),
            profile.tls_client_cert.as_deref().zip(key.as_ref()),
            profile.proxy.as_deref(),
            profile.no_proxy,
            credentials,
        )?)
    }

    /// The client certificate's key and the proxy's credentials, from the keyring.
    async fn transport_secrets(
        &self,
        profile: &Profile,
    ) -> Result<(Option<TlsKey>, Option<ProxyCredentials>), SessionError> {
        let id = &profile.keyring_id;
        let key = match &profile.tls_client_cert {
            None => None,
            Some(_) => Some(
                self.vault
                    .tls_key(id)
                    .await?
                    .ok_or_else(|| SessionError::MissingClientKey(profile.name.clone()))?,
            ),
        };
        let credentials = match &profile.proxy {
            Some(_) => self.vault.proxy_credentials(id).await?,
            None => None,
        };
        Ok((key, credentials))
    }

    /// The `Net` for these transport settings (built once per process).
    pub fn transport(
        &self,
        ca_certs: Option<&str>,
        client_cert: Option<(&str, &TlsKey)>,
        proxy: Option<&str>,
        no_proxy: bool,
        credentials: Option<ProxyCredentials>,
    ) -> Result<Net, NetError> {
        if ca_certs.is_none() && client_cert.is_none() && proxy.is_none() && !no_proxy {
            return Ok(self.nets.plain().clone());
        }
        let key = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (
                ca_certs,
                client_cert.map(|(c, k)| (c, k.expose())),
                proxy,
                no_proxy,
            )
                .hash(&mut hasher);
            credentials.as_ref().map(|c| c.expose()).hash(&mut hasher);
            hasher.finish()
        };
        self.nets.get(key, || {
            Transport::new(ca_certs, client_cert, proxy, no_proxy, credentials)
        })
    }
}
