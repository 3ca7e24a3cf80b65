//! How [`super::HttpTransport`] opens a connection: TCP, then through a proxy when the proxy rules
//! say so, then TLS for `https` with the stack the crate's features pick.
//!
//! hyper-util's pooled client calls [`Connector`] once per new connection. An `https` destination
//! behind a proxy is reached through a `CONNECT` tunnel and TLS is spoken to the destination inside
//! it; a plain `http` one is sent to the proxy itself, marked proxied so the client writes
//! absolute-form request targets. The proxy may itself be `https://` (the connection to it is made by
//! this same connector, without proxy rules).

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::{Scheme, Uri};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tower_service::Service;

pub(super) type BoxError = Box<dyn StdError + Send + Sync>;

/// Opens connections for the pooled client: TCP, proxy, TLS.
#[derive(Clone)]
pub(super) struct Connector {
    tcp: HttpConnector,
    tls: Tls,
    /// `None` for the connection to a proxy itself.
    proxies: Option<Arc<Matcher>>,
}

impl Connector {
    pub(super) fn new(tls: Tls, proxies: Arc<Matcher>) -> Connector {
        let mut tcp = HttpConnector::new();
        // `https` URLs reach this connector too: TLS is layered on here, after any proxy tunnel.
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        Connector { tcp, tls, proxies: Some(proxies) }
    }

    async fn connect(self, destination: Uri) -> Result<Conn, BoxError> {
        let Some(proxy) = self.proxies.as_ref().and_then(|proxies| proxies.intercept(&destination)) else {
            return self.direct(destination).await;
        };
        if !matches!(proxy.uri().scheme_str(), Some("http" | "https")) {
            return Err("the proxy is not an http:// or https:// proxy (SOCKS is not supported)".into());
        }
        let to_proxy = Connector { proxies: None, ..self.clone() };
        if is_https(&destination) {
            let mut tunnel = Tunnel::new(proxy.uri().clone(), to_proxy);
            if let Some(credentials) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(credentials.clone());
            }
            let tunnelled = tunnel.call(destination.clone()).await?;
            self.tls.handshake(tunnelled, host(&destination)?).await
        } else {
            let mut connection = to_proxy.direct(proxy.uri().clone()).await?;
            connection.proxied = true;
            Ok(connection)
        }
    }

    /// A connection to `destination` itself: TCP, and TLS over it for `https`.
    async fn direct(mut self, destination: Uri) -> Result<Conn, BoxError> {
        let tcp = self.tcp.call(destination.clone()).await?;
        if is_https(&destination) {
            self.tls.handshake(tcp, host(&destination)?).await
        } else {
            Ok(Conn::new(tcp, false))
        }
    }
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        Box::pin(self.clone().connect(destination))
    }
}

fn is_https(uri: &Uri) -> bool {
    uri.scheme() == Some(&Scheme::HTTPS)
}

/// The name TLS checks the certificate against: the URL's host, an IPv6 literal without brackets.
fn host(uri: &Uri) -> Result<&str, BoxError> {
    let host = uri.host().ok_or("the URL has no host")?;
    Ok(host.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')).unwrap_or(host))
}

/// hyper's I/O traits together, for the boxed stream of one connection.
trait Io: Read + Write + Send + Unpin {}

impl<T: Read + Write + Send + Unpin> Io for T {}

/// One open connection, whatever it is made of (TCP, a tunnel, TLS over either).
pub(super) struct Conn {
    io: Box<dyn Io>,
    /// TLS agreed HTTP/2 by ALPN.
    h2: bool,
    /// Requests go to a proxy that forwards them (plain `http` through a proxy).
    proxied: bool,
}

impl Conn {
    fn new(io: impl Io + 'static, h2: bool) -> Conn {
        Conn { io: Box::new(io), h2, proxied: false }
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        let connected = Connected::new().proxy(self.proxied);
        if self.h2 {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

impl Read for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_read(cx, buf)
    }
}

impl Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// The ALPN protocols offered: HTTP/2 only when this build can speak it.
#[cfg(feature = "http2")]
const ALPN: &[&str] = &["h2", "http/1.1"];
#[cfg(not(feature = "http2"))]
const ALPN: &[&str] = &["http/1.1"];

/// rustls with Mozilla's root certificates (webpki-roots) and any the builder added. Chosen whenever
/// its feature is on, even beside `native-tls`.
#[cfg(feature = "rustls")]
#[derive(Clone)]
pub(super) struct Tls(tokio_rustls::TlsConnector);

#[cfg(feature = "rustls")]
impl Tls {
    /// `extra_roots` are PEM texts, each holding one or more certificates.
    pub(super) fn new(extra_roots: &[Vec<u8>]) -> Result<Tls, BoxError> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::CertificateDer;

        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for pem in extra_roots {
            for certificate in CertificateDer::pem_slice_iter(pem) {
                roots.add(certificate?)?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = ALPN.iter().map(|protocol| protocol.as_bytes().to_vec()).collect();
        Ok(Tls(tokio_rustls::TlsConnector::from(Arc::new(config))))
    }

    async fn handshake(&self, io: impl Io + 'static, host: &str) -> Result<Conn, BoxError> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())?;
        let stream = self.0.connect(name, TokioIo::new(io)).await?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok(Conn::new(TokioIo::new(stream), h2))
    }
}

/// The platform's TLS (OpenSSL on Linux) and its trust store, plus any roots the builder added.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
#[derive(Clone)]
pub(super) struct Tls(tokio_native_tls::TlsConnector);

#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
impl Tls {
    /// `extra_roots` are PEM texts, each holding one certificate.
    pub(super) fn new(extra_roots: &[Vec<u8>]) -> Result<Tls, BoxError> {
        let mut builder = native_tls::TlsConnector::builder();
        for pem in extra_roots {
            builder.add_root_certificate(native_tls::Certificate::from_pem(pem)?);
        }
        builder.request_alpns(ALPN);
        Ok(Tls(builder.build()?.into()))
    }

    async fn handshake(&self, io: impl Io + 'static, host: &str) -> Result<Conn, BoxError> {
        let stream = self.0.connect(host, TokioIo::new(io)).await?;
        let h2 = stream.get_ref().negotiated_alpn()?.as_deref() == Some(b"h2");
        Ok(Conn::new(TokioIo::new(stream), h2))
    }
}

// Graph is HTTPS only: a build without a TLS stack could not send a single request.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!("graph-runtime needs a TLS stack: enable its `rustls` (default) or `native-tls` feature");
