//! A TLS front for a server that cannot serve TLS itself: it accepts TLS on a spare port
//! with a certificate for 127.0.0.1 (from [`certificates`](super::certificates)) and relays
//! each connection's bytes to the server's plain port.
//!
//! The test Kafka broker is such a server: tansu 0.6 takes `--cert` and `--key`, but its
//! command line refuses the two together ("cannot be used with"), so it never serves
//! TLS. Behind this front, advertising the front's address, it is a TLS-only broker to
//! every client: metadata sends them back to the front, never to the plain port.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// The front, relaying until dropped.
pub struct TlsFront {
    port: u16,
    dir: PathBuf,
    /// Its own runtime, so it serves whatever runtime (or none) the test runs on.
    runtime: Option<tokio::runtime::Runtime>,
}

impl TlsFront {
    /// A front on a spare port for the plain server on `127.0.0.1:target`, or `None`
    /// (after saying why) when `openssl` cannot make its certificate.
    pub fn start(target: u16) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("livedrop-tls-front-{}", uuid::Uuid::new_v4()));
        if !super::certificates::make(&dir) {
            return None;
        }
        let acceptor = TlsAcceptor::from(Arc::new(server_config(&dir)));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the front");
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(acceptor.clone(), client, target));
            }
        });
        Some(Self {
            port,
            dir,
            runtime: Some(runtime),
        })
    }

    /// The port it accepts TLS on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The authority its certificate chains to (PEM file).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One connection: the TLS handshake, then bytes both ways until either side closes.
/// A client that fails the handshake (plain text, an unknown authority) just goes.
async fn relay(acceptor: TlsAcceptor, client: TcpStream, target: u16) {
    let Ok(mut tls) = acceptor.accept(client).await else {
        return;
    };
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
}

fn server_config(dir: &Path) -> rustls::ServerConfig {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("cert.pem"))
        .expect("the certificate file")
        .collect::<Result<_, _>>()
        .expect("PEM certificates");
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).expect("the key file");
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the certificate and its key")
}
