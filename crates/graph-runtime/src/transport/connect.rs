//! How [`super::HttpTransport`] opens a connection: TCP, then through a proxy when the proxy rules
//! say so, then TLS for `https` with the stack the crate's features pick, then the HTTP handshake.
//!
//! An `https` destination behind a proxy is reached through a `CONNECT` tunnel (sent with hyper's
//! own HTTP/1 client and taken over as an upgrade) and TLS is spoken to the destination inside it; a
//! plain `http` one is sent to the proxy itself, and the connection's [`Route`] makes its requests
//! absolute-form with the proxy's credentials. The proxy may itself be `https://`: the connection to
//! it is made like any direct one. Through a SOCKS proxy ([`super::socks`]) the tunnel is the proxy's
//! own, and what goes through it is what would go to the destination directly.

use std::error::Error as StdError;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::uri::{PathAndQuery, Scheme, Uri};
use http::{HeaderValue, Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::{http1, TrySendError};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;

use super::socks;
use crate::absolute_url::default_port;

pub(super) type BoxError = Box<dyn StdError + Send + Sync>;

/// The request type every connection sends: the body is always complete before sending.
pub(super) type OutgoingRequest = Request<Full<Bytes>>;

/// Which server certificates TLS accepts.
#[derive(Clone)]
pub(super) enum Trust {
    /// Those the TLS stack's roots vouch for, or these PEM texts' certificates, for the host asked
    /// for.
    Roots(Vec<Vec<u8>>),
    /// Only the certificate whose SHA-1 thumbprint this is, whoever issued it and whatever host it
    /// names: how Service Fabric's managed identity endpoint, with its self-signed certificate at
    /// an address, is trusted.
    Thumbprint([u8; 20]),
}

/// The refusal of a server certificate that is not the one a thumbprint names.
const NOT_THE_PINNED_CERTIFICATE: &str = "the server's certificate is not the one its thumbprint names";

/// Opens connections: TCP, proxy, TLS, HTTP handshake.
pub(super) struct Connector {
    /// TLS to the destination, offering HTTP/2 when this build speaks it.
    tls: Tls,
    /// TLS to an `https://` proxy: HTTP/1.1 only, the protocol `CONNECT` and forwarding are sent in.
    proxy_tls: Tls,
    proxies: Matcher,
}

impl Connector {
    /// `trust` says which server certificates TLS accepts.
    pub(super) fn new(trust: &Trust, proxies: Matcher) -> Result<Connector, BoxError> {
        let tls = Tls::new(trust, ALPN)?;
        let proxy_tls = if ALPN == HTTP1_ONLY { tls.clone() } else { Tls::new(trust, HTTP1_ONLY)? };
        Ok(Connector { tls, proxy_tls, proxies })
    }

    /// A new connection to `destination`'s origin, ready for requests.
    pub(super) async fn connect(&self, destination: &Uri) -> Result<Sender, BoxError> {
        Sender::handshake(self.open(destination).await?).await
    }

    async fn open(&self, destination: &Uri) -> Result<Conn, BoxError> {
        let Some(proxy) = self.proxies.intercept(destination) else {
            return self.direct(destination, &self.tls).await;
        };
        let scheme = proxy.uri().scheme_str().unwrap_or_default();
        if socks::is_socks(scheme) {
            let tunnel = socks::connect(&proxy, host(destination)?, port(destination)).await?;
            return over(tunnel, destination, &self.tls).await;
        }
        if !matches!(scheme, "http" | "https") {
            return Err(format!("the proxy's scheme {scheme}:// is none of http, https and SOCKS").into());
        }
        // The connection to the proxy itself never goes through a proxy.
        let to_proxy = self.direct(proxy.uri(), &self.proxy_tls).await?;
        if is_https(destination) {
            let tunnel = tunnel(to_proxy, destination, proxy.basic_auth()).await?;
            self.tls.handshake(tunnel, host(destination)?).await
        } else {
            // Forwarded by the proxy: its credentials go with every request instead of a CONNECT.
            let route = Route::Proxy { authorization: proxy.basic_auth().cloned() };
            Ok(Conn { route, ..to_proxy })
        }
    }

    /// A connection to `destination` itself: TCP, and `tls` over it for `https`.
    async fn direct(&self, destination: &Uri, tls: &Tls) -> Result<Conn, BoxError> {
        let tcp = tcp(host(destination)?, port(destination)).await?;
        over(tcp, destination, tls).await
    }
}

/// A connection to `destination` over `stream` (TCP to it, or a SOCKS tunnel): `tls` over it for
/// `https`.
async fn over(stream: impl Io + 'static, destination: &Uri, tls: &Tls) -> Result<Conn, BoxError> {
    if is_https(destination) {
        tls.handshake(stream, host(destination)?).await
    } else {
        Ok(Conn::new(stream, false))
    }
}

/// A TCP connection to `host:port`.
pub(super) async fn tcp(host: &str, port: u16) -> io::Result<TokioIo<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect((host, port)).await?;
    // Requests are written whole: waiting to coalesce small writes only adds latency.
    tcp.set_nodelay(true)?;
    Ok(TokioIo::new(tcp))
}

/// Asks the proxy on `to_proxy` for a tunnel to `destination` and returns the tunnel once granted.
async fn tunnel(
    to_proxy: Conn,
    destination: &Uri,
    credentials: Option<&HeaderValue>,
) -> Result<hyper::upgrade::Upgraded, BoxError> {
    // Authority form, port always given: `CONNECT graph.microsoft.com:443 HTTP/1.1`.
    let authority = format!("{}:{}", destination.host().ok_or("the URL has no host")?, port(destination));
    let (mut sender, connection) = http1::handshake(to_proxy).await?;
    tokio::spawn(async move {
        // Ends when the tunnel is handed over (or the proxy hangs up, which the request then reports).
        let _ = connection.with_upgrades().await;
    });
    let mut connect = Request::new(Full::new(Bytes::new()));
    *connect.method_mut() = Method::CONNECT;
    *connect.uri_mut() = Uri::try_from(authority.as_str())?;
    connect.headers_mut().insert(http::header::HOST, HeaderValue::try_from(authority.as_str())?);
    if let Some(credentials) = credentials {
        connect.headers_mut().insert(http::header::PROXY_AUTHORIZATION, credentials.clone());
    }
    let response = sender.send_request(connect).await?;
    if !response.status().is_success() {
        return Err(format!("the proxy refused the tunnel to {authority}: {}", response.status()).into());
    }
    Ok(hyper::upgrade::on(response).await?)
}

/// The sending half of one open connection; its other half runs as a task until the connection ends.
pub(super) enum Sender {
    Http1 {
        sender: http1::SendRequest<Full<Bytes>>,
        route: Route,
    },
    #[cfg(feature = "http2")]
    Http2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl Sender {
    async fn handshake(conn: Conn) -> Result<Sender, BoxError> {
        #[cfg(feature = "http2")]
        if conn.h2 {
            use hyper_util::rt::{TokioExecutor, TokioTimer};
            let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .handshake(conn)
                .await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            return Ok(Sender::Http2(sender));
        }
        #[cfg(not(feature = "http2"))]
        if conn.h2 {
            return Err("the server chose HTTP/2, which was not offered".into());
        }
        let route = conn.route.clone();
        let (sender, connection) = http1::handshake(conn).await?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or every `Sender` for it is dropped.
            let _ = connection.await;
        });
        Ok(Sender::Http1 { sender, route })
    }

    /// Waits until the connection can take a request; false when it has closed.
    pub(super) async fn ready(&mut self) -> bool {
        match self {
            Sender::Http1 { sender, .. } => sender.ready().await.is_ok(),
            #[cfg(feature = "http2")]
            Sender::Http2(sender) => sender.ready().await.is_ok(),
        }
    }

    /// Whether the connection can take a request now.
    pub(super) fn is_ready(&self) -> bool {
        match self {
            Sender::Http1 { sender, .. } => sender.is_ready(),
            #[cfg(feature = "http2")]
            Sender::Http2(sender) => sender.is_ready(),
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        match self {
            Sender::Http1 { sender, .. } => sender.is_closed(),
            #[cfg(feature = "http2")]
            Sender::Http2(sender) => sender.is_closed(),
        }
    }

    /// Whether the connection's protocol carries many requests at once (HTTP/2).
    pub(super) fn is_multiplexed(&self) -> bool {
        match self {
            Sender::Http1 { .. } => false,
            #[cfg(feature = "http2")]
            Sender::Http2(_) => true,
        }
    }

    /// Another handle on the same connection, when its protocol carries many requests at once.
    pub(super) fn share(&self) -> Option<Sender> {
        match self {
            Sender::Http1 { .. } => None,
            #[cfg(feature = "http2")]
            Sender::Http2(sender) => Some(Sender::Http2(sender.clone())),
        }
    }

    /// Sends `request`, whose URI is absolute, in the form this connection needs. On failure the
    /// request comes back with the error when none of it reached the connection (its URI then in
    /// the form it had on this connection).
    pub(super) async fn send(
        &mut self,
        mut request: OutgoingRequest,
    ) -> Result<Response<Incoming>, TrySendError<OutgoingRequest>> {
        match self {
            Sender::Http1 { sender, route } => {
                let absolute = request.uri().clone();
                if let Some(host) = host_header(&absolute) {
                    request.headers_mut().entry(http::header::HOST).or_insert(host);
                }
                match route {
                    // A server gets only the path and query; a proxy the whole URL.
                    Route::Direct => {
                        let target = absolute.path_and_query().cloned();
                        *request.uri_mut() =
                            Uri::from(target.unwrap_or_else(|| PathAndQuery::from_static("/")));
                    }
                    Route::Proxy { authorization: Some(credentials) } => {
                        request.headers_mut().insert(http::header::PROXY_AUTHORIZATION, credentials.clone());
                    }
                    Route::Proxy { authorization: None } => {}
                }
                sender.try_send_request(request).await
            }
            // HTTP/2 takes the scheme and authority from the absolute URI.
            #[cfg(feature = "http2")]
            Sender::Http2(sender) => sender.try_send_request(request).await,
        }
    }
}

/// `Host` for HTTP/1: the host, and the port when the URL names one other than its scheme's own.
fn host_header(uri: &Uri) -> Option<HeaderValue> {
    let host = uri.host()?;
    let value = match uri.port_u16() {
        Some(port) if Some(port) != default_port(uri.scheme_str().unwrap_or_default()) => {
            format!("{host}:{port}")
        }
        _ => host.to_owned(),
    };
    HeaderValue::try_from(value).ok()
}

fn is_https(uri: &Uri) -> bool {
    uri.scheme() == Some(&Scheme::HTTPS)
}

/// The port to connect to: the URL's, else its scheme's default (only `http` and `https` get here).
fn port(uri: &Uri) -> u16 {
    uri.port_u16().or_else(|| default_port(uri.scheme_str().unwrap_or_default())).unwrap_or(80)
}

/// The name TLS checks the certificate against: the URL's host, an IPv6 literal without brackets.
pub(super) fn host(uri: &Uri) -> Result<&str, BoxError> {
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
    route: Route,
}

/// Where the requests on an HTTP/1 connection go.
#[derive(Clone)]
pub(super) enum Route {
    /// To the destination itself (directly or through a tunnel): origin-form targets.
    Direct,
    /// To a proxy that forwards them (plain `http` through a proxy): absolute-form targets, and
    /// the proxy's credentials in `Proxy-Authorization`.
    Proxy { authorization: Option<HeaderValue> },
}

impl Conn {
    fn new(io: impl Io + 'static, h2: bool) -> Conn {
        Conn { io: Box::new(io), h2, route: Route::Direct }
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

/// The ALPN protocols offered to a destination: HTTP/2 only when this build can speak it.
#[cfg(feature = "http2")]
const ALPN: &[&str] = &["h2", "http/1.1"];
#[cfg(not(feature = "http2"))]
const ALPN: &[&str] = HTTP1_ONLY;

const HTTP1_ONLY: &[&str] = &["http/1.1"];

/// rustls with Mozilla's root certificates (webpki-roots) and any the builder added. Chosen whenever
/// its feature is on, even beside `native-tls`.
#[cfg(feature = "rustls")]
#[derive(Clone)]
struct Tls(tokio_rustls::TlsConnector);

#[cfg(feature = "rustls")]
impl Tls {
    /// `trust`'s extra roots are PEM texts, each holding one or more certificates; `alpn` the
    /// protocols offered.
    fn new(trust: &Trust, alpn: &[&str]) -> Result<Tls, BoxError> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::CertificateDer;

        let provider = crypto_provider();
        let builder = rustls::ClientConfig::builder_with_provider(std::sync::Arc::clone(&provider))
            .with_safe_default_protocol_versions()?;
        let mut config = match trust {
            Trust::Roots(extra_roots) => {
                let mut roots = rustls::RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                for pem in extra_roots {
                    for certificate in CertificateDer::pem_slice_iter(pem) {
                        roots.add(certificate?)?;
                    }
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            Trust::Thumbprint(thumbprint) => {
                let verifier = pinned::Thumbprint {
                    thumbprint: *thumbprint,
                    algorithms: provider.signature_verification_algorithms,
                };
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
                    .with_no_client_auth()
            }
        };
        config.alpn_protocols = alpn.iter().map(|protocol| protocol.as_bytes().to_vec()).collect();
        Ok(Tls(tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))))
    }

    async fn handshake(&self, io: impl Io + 'static, host: &str) -> Result<Conn, BoxError> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())?;
        let stream = self.0.connect(name, TokioIo::new(io)).await?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok(Conn::new(TokioIo::new(stream), h2))
    }
}

/// A server certificate trusted by its thumbprint alone, under rustls.
#[cfg(feature = "rustls")]
mod pinned {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::WebPkiSupportedAlgorithms;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    /// Accepts the certificate whose SHA-1 thumbprint is `thumbprint`, and checks the handshake's
    /// signatures with its key as for any other: the server must hold that certificate's key.
    #[derive(Debug)]
    pub(super) struct Thumbprint {
        pub(super) thumbprint: [u8; 20],
        pub(super) algorithms: WebPkiSupportedAlgorithms,
    }

    impl ServerCertVerifier for Thumbprint {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            match super::sha1(end_entity) == self.thumbprint {
                true => Ok(ServerCertVerified::assertion()),
                false => Err(rustls::Error::General(super::NOT_THE_PINNED_CERTIFICATE.to_owned())),
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            certificate: &CertificateDer<'_>,
            signed: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, certificate, signed, &self.algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            certificate: &CertificateDer<'_>,
            signed: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, certificate, signed, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    }
}

/// A certificate's SHA-1 thumbprint: the digest of its DER.
fn sha1(der: &[u8]) -> [u8; 20] {
    sha1_smol::Sha1::from(der).digest().bytes()
}

/// The cryptography rustls uses: the process's default when the application installed one (as
/// rustls's own `ClientConfig::builder` would), such as aws-lc-rs's for its post-quantum key exchange
/// or a FIPS provider; ring's otherwise, never a panic for want of one.
#[cfg(feature = "rustls")]
fn crypto_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    if let Some(installed) = rustls::crypto::CryptoProvider::get_default() {
        return std::sync::Arc::clone(installed);
    }
    // rustls 0.23.48 deprecates ring's provider for its lack of a post-quantum key exchange (its
    // groups are X25519, P-256 and P-384). The one rustls offers instead, aws-lc-rs, builds a C
    // library on top of every from-scratch build, so ring stays the default, and an application
    // that wants post-quantum key exchange installs aws-lc-rs's provider (README).
    #[allow(deprecated)]
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

/// The platform's TLS (OpenSSL on Linux) and its trust store, plus any roots the builder added.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
#[derive(Clone)]
struct Tls {
    connector: tokio_native_tls::TlsConnector,
    /// The SHA-1 thumbprint of the one certificate accepted, checked once the handshake is done.
    thumbprint: Option<[u8; 20]>,
}

#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
impl Tls {
    /// `trust`'s extra roots are PEM texts, each holding one certificate; `alpn` the protocols
    /// offered.
    fn new(trust: &Trust, alpn: &[&str]) -> Result<Tls, BoxError> {
        let mut builder = native_tls::TlsConnector::builder();
        let thumbprint = match trust {
            Trust::Roots(extra_roots) => {
                for pem in extra_roots {
                    builder.add_root_certificate(native_tls::Certificate::from_pem(pem)?);
                }
                None
            }
            Trust::Thumbprint(thumbprint) => {
                // The platform checks the handshake's signatures with the certificate's key still;
                // which certificate it is, is checked against the thumbprint before any request.
                builder.danger_accept_invalid_certs(true).danger_accept_invalid_hostnames(true);
                Some(*thumbprint)
            }
        };
        builder.request_alpns(alpn);
        Ok(Tls { connector: builder.build()?.into(), thumbprint })
    }

    async fn handshake(&self, io: impl Io + 'static, host: &str) -> Result<Conn, BoxError> {
        let stream = self.connector.connect(host, TokioIo::new(io)).await?;
        if let Some(thumbprint) = self.thumbprint {
            let certificate = stream.get_ref().peer_certificate()?.ok_or("the server sent no certificate")?;
            if sha1(&certificate.to_der()?) != thumbprint {
                return Err(NOT_THE_PINNED_CERTIFICATE.into());
            }
        }
        let h2 = stream.get_ref().negotiated_alpn()?.as_deref() == Some(b"h2");
        Ok(Conn::new(TokioIo::new(stream), h2))
    }
}

// Graph is HTTPS only: a build without a TLS stack could not send a single request.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!("graph-runtime needs a TLS stack: enable its `rustls` (default) or `native-tls` feature");
