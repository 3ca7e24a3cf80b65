//! The TLS cryptography an application installs as rustls's process default is the one the transport
//! uses (aws-lc-rs's for post-quantum key exchange, say). A test binary of its own: the provider is
//! installed for the whole process, and the loopback tests must keep ring's.
#![cfg(feature = "rustls")]

use std::sync::Arc;

use graph_runtime::{Client, HttpTransport, Method, Operation, RequestPath, StaticToken};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::NamedGroup;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CERT: &[u8] = include_bytes!("fixtures/loopback-cert.pem");
const KEY: &[u8] = include_bytes!("fixtures/loopback-key.pem");
const ME: Operation = Operation::new(Method::Get, "v1.0", "/me");

/// ring's provider, which the transport uses when none is installed. Its deprecation is for the lack
/// of a post-quantum key exchange group, which does not matter here.
#[allow(deprecated)]
fn ring() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// A TLS server on loopback offering every group ring has, answering one request with `{}`; yields
/// the key exchange group the handshake agreed.
async fn server() -> (u16, tokio::task::JoinHandle<Option<NamedGroup>>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(ring()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).unwrap()],
            PrivateKeyDer::from_pem_slice(KEY).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let group = tls.get_ref().1.negotiated_key_exchange_group().map(|kx| kx.name());
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if tls.read(&mut byte).await.unwrap_or(0) == 0 {
                break;
            }
            head.push(byte[0]);
        }
        let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        tls.write_all(answer).await.unwrap();
        tls.shutdown().await.unwrap();
        group
    });
    (port, server)
}

#[tokio::test]
async fn the_transport_uses_the_provider_the_application_installed() {
    // A client offers its first group first, and the server has them all: without the installed
    // provider, the handshake would agree ring's first group, never its last.
    let mut installed = ring();
    let last = installed.kx_groups.last().map(|kx| kx.name()).unwrap();
    assert_ne!(Some(last), ring().kx_groups.first().map(|kx| kx.name()));
    installed.kx_groups.retain(|kx| kx.name() == last);
    installed.install_default().unwrap();
    let (port, server) = server().await;
    let transport = HttpTransport::builder().root_certificate_pem(CERT).no_proxy().build().unwrap();
    let client = Client::builder()
        .base_url(format!("https://localhost:{port}"))
        .token_provider(StaticToken::new("token"))
        .transport(transport)
        .build()
        .unwrap();

    let answer: Value = client.send_json(ME, &RequestPath::root().literal("me"), None::<&()>).await.unwrap();

    assert_eq!(answer, serde_json::json!({}));
    assert_eq!(server.await.unwrap(), Some(last));
}
