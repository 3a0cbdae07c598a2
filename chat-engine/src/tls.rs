//! The TLS client the engine's own connections use (to PostgreSQL and to NATS): rustls on
//! ring, the provider async-nats brings (the server's other TLS uses aws-lc-rs, so neither
//! is the process's default and each client names its own).

use std::path::Path;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::StorageError;

/// A rustls client that trusts the certificates of the PEM file `authority`, or else the
/// public roots (Mozilla's, built in). `named` says what the file is in an error.
pub(crate) fn client_config(
    authority: Option<&Path>,
    named: &str,
) -> Result<ClientConfig, StorageError> {
    let mut roots = rustls::RootCertStore::empty();
    match authority {
        Some(path) => {
            let unreadable = |error: &dyn std::fmt::Display| {
                StorageError::new(format!("{named} {}: {error}", path.display()))
            };
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|e| unreadable(&e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unreadable(&e))?;
            let (added, _) = roots.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(unreadable(&"holds no certificate"));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(StorageError::new)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
