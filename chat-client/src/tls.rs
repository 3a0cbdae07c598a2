//! TLS for `https` and `wss`: one rustls configuration, shared by the REST client (reqwest)
//! and the gateway (tokio-tungstenite), so both trust the same roots and there is one TLS
//! stack. The crypto is aws-lc-rs (reqwest's default provider, so that other reqwest clients
//! in the same program keep working); the roots are Mozilla's (webpki-roots, built in, so nothing
//! is read from the machine) plus any the caller adds, such as a private CA's.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::{Error, ErrorKind, Result};

/// A root certificate to trust besides the built-in ones.
#[derive(Debug, Clone)]
pub struct Certificate(CertificateDer<'static>);

impl Certificate {
    /// The first certificate of a PEM text (`-----BEGIN CERTIFICATE-----`).
    ///
    /// # Errors
    ///
    /// A validation error when the text holds no PEM certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        CertificateDer::from_pem_slice(pem)
            .map(Self)
            .map_err(|e| Error::validation("certificate", e.to_string()))
    }

    /// A certificate in DER form.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Self {
        Self(CertificateDer::from(der.into()))
    }
}

/// The TLS settings of a client: which roots it trusts. Cheap to clone. The default trusts
/// the built-in roots only.
#[derive(Clone, Default)]
pub struct TlsConfig(Option<Arc<rustls::ClientConfig>>);

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig(..)")
    }
}

impl TlsConfig {
    /// Trusts the built-in roots and these.
    ///
    /// # Errors
    ///
    /// A validation error when a certificate cannot be a root (it does not parse).
    pub fn with_roots(extra: &[Certificate]) -> Result<Self> {
        client_config(extra).map(|config| Self(Some(config)))
    }

    /// The rustls configuration, for reqwest and tokio-tungstenite. The default one (built-in
    /// roots only) is built once per process, on first use.
    pub(crate) fn rustls(&self) -> Result<Arc<rustls::ClientConfig>> {
        static BUILT_IN: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
        if let Some(config) = self.0.as_ref().or_else(|| BUILT_IN.get()) {
            return Ok(config.clone());
        }
        let config = client_config(&[])?;
        Ok(BUILT_IN.get_or_init(|| config).clone())
    }
}

/// A rustls configuration trusting the built-in roots and these.
fn client_config(extra: &[Certificate]) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for certificate in extra {
        roots
            .add(certificate.0.clone())
            .map_err(|e| Error::validation("certificate", e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::with_source(ErrorKind::Transport, e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
