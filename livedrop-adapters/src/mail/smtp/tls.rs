//! The TLS parameters for STARTTLS and implicit TLS: the relay's certificate must chain to
//! the configured root certificate, or else to Mozilla's roots.

use lettre::transport::smtp::client::{Certificate, CertificateStore, TlsParameters};

/// How a PEM certificate starts.
const CERTIFICATE_PEM: &[u8] = b"-----BEGIN CERTIFICATE-----";

/// TLS for `host`, trusting `root_cert` alone when given, else Mozilla's roots.
pub(super) fn tls_parameters(
    host: &str,
    root_cert: Option<&[u8]>,
) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(pem) = root_cert {
        // lettre reads text without a certificate as none at all, which would trust
        // nothing and fail only at the first send.
        if !pem
            .windows(CERTIFICATE_PEM.len())
            .any(|window| window == CERTIFICATE_PEM)
        {
            return Err("the TLS root certificate: no PEM certificate in it".to_owned());
        }
        let cert =
            Certificate::from_pem(pem).map_err(|e| format!("the TLS root certificate: {e}"))?;
        builder = builder
            .certificate_store(CertificateStore::None)
            .add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| format!("TLS for {host}: {e}"))
}
