//! The I/O boundary: a [`Transport`] sends one fully built request and returns the whole response.
//!
//! Everything before (building URL, headers and body) and after (retries, redirects, errors) is pure
//! code in this crate, so a test or a user can plug in another sender without touching that logic.
//! The default sender is [`HttpTransport`]: hyper's HTTP client connections over the TLS stack the
//! crate's features pick (rustls by default, or `native-tls`), kept in one pool per transport
//! (`pool.rs`), proxies from the environment.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::proxy::matcher::Matcher;

mod connect;
mod pool;
mod socks;

/// One HTTP request, ready to go on the wire.
///
/// `Debug` shows no secret, so a transport may log it: the `Authorization` header and the caller's
/// header values are marked sensitive (printed as `Sensitive`), and the body is shown by its length
/// alone, since a token request's holds the client secret or a refresh token, and an operation's
/// may hold a password or a pre-shared key.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL, path segments already percent-encoded.
    pub url: Uri,
    /// Every header to send.
    pub headers: HeaderMap,
    /// The body bytes; the same bytes on every retry.
    pub body: Option<Bytes>,
    /// How long this exchange may take, from connecting to the last body byte.
    pub timeout: Duration,
}

/// One complete HTTP response.
///
/// `Debug` shows the body by its length alone: a token endpoint's answer holds the tokens.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(|body| BodyLength(body.len())))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &BodyLength(self.body.len()))
            .finish()
    }
}

/// A body in `Debug` output: its length, not its bytes.
struct BodyLength(usize);

impl fmt::Debug for BodyLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", self.0)
    }
}

impl HttpResponse {
    /// A response from its parts (for transports and tests).
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> HttpResponse {
        HttpResponse { status, headers, body: body.into() }
    }
}

/// The future a [`Transport`] returns.
pub type TransportFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>>;

/// Sends one request and reads the whole response; follows no redirects and retries nothing itself.
///
/// [`HttpTransport`] is the one that talks HTTP. Another can stand in for it where no network
/// should be used: in the tests of code that calls Graph through the client, which then sees the
/// requests the client makes and gives the answers the test needs.
///
/// ```
/// use graph_runtime::http::{HeaderMap, StatusCode};
/// use graph_runtime::transport::{HttpRequest, HttpResponse, TransportFuture};
/// use graph_runtime::{Client, Method, Operation, RequestPath, StaticToken, Transport};
///
/// /// Answers each request as the test says.
/// struct Answering(fn(&HttpRequest) -> HttpResponse);
///
/// impl Transport for Answering {
///     fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
///         let response = (self.0)(&request);
///         Box::pin(async move { Ok(response) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), graph_runtime::Error> {
/// let client = Client::builder()
///     .token_provider(StaticToken::new("not-a-real-token"))
///     .transport(Answering(|request| {
///         assert_eq!(request.url.path(), "/beta/deviceManagement/managedDevices/7a1c");
///         let device = r#"{"id": "7a1c", "deviceName": "Kiosk-01"}"#;
///         HttpResponse::new(StatusCode::OK, HeaderMap::new(), device)
///     }))
///     .build()?;
/// // A generated client wraps it as it would any other: `graph_client::beta::Client::new(client)`.
/// const GET_DEVICE: Operation =
///     Operation::new(Method::Get, "beta", "/deviceManagement/managedDevices/{managedDeviceId}");
/// let path = RequestPath::root().literal("deviceManagement").literal("managedDevices").param("7a1c");
/// let device: serde_json::Value = client.send_json::<(), _>(GET_DEVICE, &path, None).await?;
/// assert_eq!(device["deviceName"], "Kiosk-01");
/// # Ok(())
/// # }
/// ```
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
}

/// A transport chosen at run time (`Box<dyn Transport>`) is one too.
impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        (**self).send(request)
    }
}

/// A transport shared (`Arc<HttpTransport>`: one pool of connections for the client and its
/// token provider, or for several clients) is one too.
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        (**self).send(request)
    }
}

/// What kind of I/O failure a [`TransportError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The exchange took longer than the configured timeout.
    Timeout,
    /// No connection could be made.
    Connect,
    /// The connection broke while sending the request or reading the response.
    Body,
    /// Anything else the sender reported.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Body => "connection failed mid-exchange",
            TransportErrorKind::Other => "request failed",
        })
    }
}

/// A request that could not be sent or whose response could not be read.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Box<dyn StdError + Send + Sync>,
}

impl TransportError {
    /// An error of `kind` caused by `source`.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> TransportError {
        TransportError { kind, source: source.into() }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.source)?;
        // hyper's top-level messages are generic ("client error (Connect)"); the causes say what happened.
        let mut cause = self.source.source();
        while let Some(inner) = cause {
            write!(f, ": {inner}")?;
            cause = inner.source();
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// The default [`Transport`]: hyper's HTTP client over rustls (or the platform's TLS when only the
/// `native-tls` feature is on), HTTP/1.1 unless the `http2` feature is on, proxies from the
/// environment. It follows no redirects (the client does, so it can drop credentials on a host
/// change), and one connection pool serves every clone: connections to an origin are reused, one
/// idle for 90 seconds is not (it is closed when the pool is next used, or by the server before),
/// and at most 32 idle ones are kept per origin.
#[derive(Clone)]
pub struct HttpTransport {
    shared: Arc<Shared>,
}

/// What every clone of one [`HttpTransport`] shares.
struct Shared {
    connector: connect::Connector,
    pool: Arc<pool::Pool>,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport").finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport with its own connection pool, trusting the TLS stack's usual roots and using the
    /// proxies the environment names.
    pub fn new() -> Result<HttpTransport, TransportError> {
        HttpTransport::builder().build()
    }

    /// A builder, for extra trusted certificates or another proxy.
    pub fn builder() -> HttpTransportBuilder {
        HttpTransportBuilder { extra_roots: Vec::new(), pinned: None, proxy: ProxyRule::Environment }
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let uri = request.url;
        let body = request.body.unwrap_or_default();
        let mut headers = request.headers;
        // hyper writes no length for an empty body, and Graph's front end answers a `POST` without
        // one `411 Length Required` (a body-less action such as `rebootNow`): RFC 9110 has a client
        // send `Content-Length: 0` where the method gives content a meaning.
        if body.is_empty() && matches!(request.method, Method::POST | Method::PUT | Method::PATCH) {
            headers.entry(http::header::CONTENT_LENGTH).or_insert(HeaderValue::from_static("0"));
        }
        let mut outgoing = http::Request::new(Full::new(body));
        *outgoing.method_mut() = request.method;
        *outgoing.uri_mut() = uri.clone();
        *outgoing.headers_mut() = headers;
        let origin = pool::Origin::of(&uri)
            .ok_or_else(|| TransportError::new(TransportErrorKind::Other, "the URL is not absolute"))?;
        let (sender, response) = self.send_on_some_connection(&origin, &uri, outgoing).await?;
        let (head, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|error| TransportError::new(TransportErrorKind::Body, error))?
            .to_bytes();
        // Read to the end, so the connection can carry the next request.
        pool::Pool::release(&self.shared.pool, origin, sender);
        Ok(HttpResponse { status: head.status, headers: head.headers, body })
    }

    /// Sends on a pooled connection when there is one, else on a new one. A pooled connection may
    /// have been closed by the server just before the request went out: the request is then sent
    /// again on a new connection, which is safe whatever the method, as none of it was written.
    async fn send_on_some_connection(
        &self,
        origin: &pool::Origin,
        absolute: &Uri,
        request: connect::OutgoingRequest,
    ) -> Result<(connect::Sender, http::Response<hyper::body::Incoming>), TransportError> {
        let mut pooled = None;
        // Bounded, though a connection found closed here has already left the pool (or, shared
        // over HTTP/2, is dropped by the next checkout's sweep).
        for _ in 0..=pool::MAX_IDLE_PER_ORIGIN {
            let Some(mut sender) = self.shared.pool.checkout(origin) else { break };
            if sender.ready().await {
                pooled = Some(sender);
                break;
            }
        }
        let request = match pooled {
            Some(mut sender) => match sender.send(request).await {
                Ok(response) => return Ok((sender, response)),
                Err(mut error) => match error.take_message() {
                    Some(mut unsent) => {
                        *unsent.uri_mut() = absolute.clone();
                        unsent
                    }
                    None => return Err(TransportError::new(TransportErrorKind::Body, error.into_error())),
                },
            },
            None => request,
        };
        let mut sender = self
            .shared
            .connector
            .connect(absolute)
            .await
            .map_err(|error| TransportError::new(TransportErrorKind::Connect, error))?;
        self.shared.pool.opened(origin, &sender);
        let response = sender
            .send(request)
            .await
            .map_err(|error| TransportError::new(TransportErrorKind::Body, error.into_error()))?;
        Ok((sender, response))
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            let timeout = request.timeout;
            tokio::time::timeout(timeout, self.exchange(request)).await.unwrap_or_else(|_| {
                Err(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("no complete response within {} ms", timeout.as_millis()),
                ))
            })
        })
    }
}

/// Configures an [`HttpTransport`]: certificates to trust besides the usual ones, and the proxy.
#[derive(Clone)]
pub struct HttpTransportBuilder {
    extra_roots: Vec<Vec<u8>>,
    /// The SHA-1 thumbprint of the only server certificate accepted, instead of any root's.
    pinned: Option<[u8; 20]>,
    proxy: ProxyRule,
}

impl fmt::Debug for HttpTransportBuilder {
    /// Says which proxy rule, never the proxy URL: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = match self.proxy {
            ProxyRule::Environment => "from the environment",
            ProxyRule::All(_) => "fixed",
            ProxyRule::None => "none",
        };
        f.debug_struct("HttpTransportBuilder")
            .field("extra_roots", &self.extra_roots.len())
            .field("pinned", &self.pinned.is_some())
            .field("proxy", &proxy)
            .finish()
    }
}

/// Where the proxy settings come from.
#[derive(Clone)]
enum ProxyRule {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lower-case forms), as curl
    /// reads them.
    Environment,
    /// Every request through this proxy.
    All(String),
    /// No proxy.
    None,
}

impl HttpTransportBuilder {
    /// Trusts the certificates of this PEM text too (a company proxy's CA, a test server's own).
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> HttpTransportBuilder {
        self.extra_roots.push(pem.into());
        self
    }

    /// Sends every request through this proxy, whatever the environment says: `http://` or
    /// `https://`, with `user:password@` for Basic credentials; or, with the crate's `socks` feature,
    /// `socks5h://` (the proxy resolves names), `socks5://` (names resolved here), `socks4a://` or
    /// `socks4://`, with `user:password@` for SOCKS5's username and password (without the feature,
    /// [`build`](HttpTransportBuilder::build) refuses a SOCKS URL).
    pub fn proxy(mut self, url: impl Into<String>) -> HttpTransportBuilder {
        self.proxy = ProxyRule::All(url.into());
        self
    }

    /// Trusts only the server certificate whose SHA-1 thumbprint this is, whoever issued it and
    /// whatever host it names, instead of the roots: Service Fabric's managed identity endpoint.
    pub(crate) fn server_certificate_sha1(mut self, thumbprint: [u8; 20]) -> HttpTransportBuilder {
        self.pinned = Some(thumbprint);
        self
    }

    /// Connects directly, whatever the environment says.
    pub fn no_proxy(mut self) -> HttpTransportBuilder {
        self.proxy = ProxyRule::None;
        self
    }

    /// Builds the transport; fails when a certificate cannot be read or TLS cannot be set up.
    pub fn build(self) -> Result<HttpTransport, TransportError> {
        let proxies = match self.proxy {
            ProxyRule::Environment => Matcher::from_env(),
            ProxyRule::All(url) => {
                let matcher = Matcher::builder().all(url).build();
                // The matcher drops a proxy URL it cannot read; requests would then go direct.
                let Some(proxy) = matcher.intercept(&Uri::from_static("https://graph.microsoft.com/")) else {
                    let error = "the proxy URL is not an http://, https:// or SOCKS URL with a host";
                    return Err(TransportError::new(TransportErrorKind::Other, error));
                };
                // Said now rather than at every request (as it is for a SOCKS proxy from the
                // environment, which is only known to the requests it applies to).
                if !cfg!(feature = "socks") && socks::is_socks(proxy.uri().scheme_str().unwrap_or_default()) {
                    let error = "the proxy is a SOCKS proxy: SOCKS needs graph-runtime's `socks` feature";
                    return Err(TransportError::new(TransportErrorKind::Other, error));
                }
                matcher
            }
            ProxyRule::None => Matcher::builder().build(),
        };
        let trust = match self.pinned {
            Some(thumbprint) => connect::Trust::Thumbprint(thumbprint),
            None => connect::Trust::Roots(self.extra_roots),
        };
        let connector = connect::Connector::new(&trust, proxies)
            .map_err(|error| TransportError::new(TransportErrorKind::Other, error))?;
        Ok(HttpTransport { shared: Arc::new(Shared { connector, pool: Arc::default() }) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    const CERT: &[u8] = include_bytes!("../tests/fixtures/loopback-cert.pem");
    pub(super) const ANSWER: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

    /// Reads one request head (up to the blank line) and returns it as text.
    pub(super) async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> String {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte).await {
                Ok(0) | Err(_) => break,
                Ok(_) => head.push(byte[0]),
            }
        }
        String::from_utf8_lossy(&head).into_owned()
    }

    /// A TLS server on loopback that prefers HTTP/2 (as Graph's servers do), serving one connection:
    /// it returns the protocol agreed by ALPN, after answering one request when that is HTTP/1.1.
    pub(super) async fn tls_server_preferring_h2() -> (u16, tokio::task::JoinHandle<Option<Vec<u8>>>) {
        let acceptor = acceptor_preferring_h2();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let agreed = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            if agreed.as_deref() == Some(b"http/1.1") {
                read_head(&mut tls).await;
                let _ = tls.write_all(ANSWER).await;
                let _ = tls.shutdown().await;
            }
            agreed
        });
        (port, server)
    }

    /// TLS for a loopback server with the test certificate (for `localhost`), agreeing `h2` when
    /// the client offers it.
    fn acceptor_preferring_h2() -> tokio_rustls::TlsAcceptor {
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tests/fixtures/loopback-key.pem"));
        // The test server's cryptography; ring's provider is deprecated only for lacking post-quantum
        // key exchange (see `connect::crypto_provider`).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from_pem_slice(CERT).unwrap()], key.unwrap())
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }

    /// The transport trusting the test certificate, with the given proxy rule.
    pub(super) fn transport(proxy: Option<&str>) -> HttpTransport {
        let builder = HttpTransport::builder().root_certificate_pem(CERT);
        match proxy {
            Some(url) => builder.proxy(url),
            None => builder.no_proxy(),
        }
        .build()
        .unwrap()
    }

    pub(super) fn get(url: &str) -> HttpRequest {
        HttpRequest {
            method: Method::GET,
            url: Uri::try_from(url).unwrap(),
            headers: HeaderMap::new(),
            body: None,
            // Bounded: with `h2` agreed but not spoken, a request never finishes.
            timeout: Duration::from_secs(10),
        }
    }

    #[cfg(not(feature = "http2"))]
    #[tokio::test]
    async fn without_http2_the_transport_offers_only_http_1_1_to_a_server_preferring_h2() {
        let (port, server) = tls_server_preferring_h2().await;
        let response = transport(None).send(get(&format!("https://localhost:{port}/v1.0/me"))).await.unwrap();
        assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
        assert_eq!(server.await.unwrap().as_deref(), Some(&b"http/1.1"[..]));
    }

    #[cfg(feature = "http2")]
    #[tokio::test]
    async fn with_http2_the_transport_agrees_h2_with_a_server_preferring_it() {
        let (port, server) = tls_server_preferring_h2().await;
        // The server only agrees the protocol (it speaks no HTTP/2): ALPN is what is checked.
        let transport = transport(None);
        let request = tokio::spawn(async move {
            let _ = transport.send(get(&format!("https://localhost:{port}/v1.0/me"))).await;
        });
        assert_eq!(server.await.unwrap().as_deref(), Some(&b"h2"[..]));
        request.abort();
    }

    /// An HTTP/2 server on loopback answering `{}` to every request.
    #[cfg(feature = "http2")]
    struct H2Server {
        port: u16,
        /// Connections accepted so far.
        accepted: Arc<std::sync::atomic::AtomicUsize>,
        /// Connections accepted and not yet closed.
        open: Arc<std::sync::atomic::AtomicUsize>,
        /// `version uri` of every request, in arrival order.
        seen: Arc<std::sync::Mutex<Vec<String>>>,
    }

    #[cfg(feature = "http2")]
    async fn h2_server() -> H2Server {
        use std::sync::atomic::Ordering;

        let acceptor = acceptor_preferring_h2();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = H2Server {
            port: listener.local_addr().unwrap().port(),
            accepted: Arc::default(),
            open: Arc::default(),
            seen: Arc::default(),
        };
        let (accepted, open, seen) =
            (Arc::clone(&server.accepted), Arc::clone(&server.open), Arc::clone(&server.seen));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                open.fetch_add(1, Ordering::SeqCst);
                let tls = acceptor.accept(tcp).await.unwrap();
                let seen = Arc::clone(&seen);
                let service =
                    hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                        seen.lock().unwrap().push(format!("{:?} {}", request.version(), request.uri()));
                        async {
                            Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(
                                "{}",
                            ))))
                        }
                    });
                let open = Arc::clone(&open);
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        server
    }

    #[cfg(feature = "http2")]
    #[tokio::test]
    async fn with_http2_requests_share_one_connection_and_send_the_scheme_authority_and_path() {
        use std::sync::atomic::Ordering;

        let server = h2_server().await;
        let transport = transport(None);
        let url = format!("https://localhost:{}/v1.0/me?$top=1", server.port);
        let first = transport.send(get(&url)).await.unwrap();
        // Once a connection is open, requests at the same time share it.
        let (second, third) = tokio::join!(transport.send(get(&url)), transport.send(get(&url)));
        for response in [first, second.unwrap(), third.unwrap()] {
            assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
        }
        assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
        let expected = format!("HTTP/2.0 https://localhost:{}/v1.0/me?$top=1", server.port);
        assert_eq!(*server.seen.lock().unwrap(), vec![expected.clone(), expected.clone(), expected]);
    }

    #[cfg(feature = "http2")]
    #[tokio::test]
    async fn with_http2_connections_opened_by_requests_at_once_close_but_one_which_later_requests_share() {
        use std::sync::atomic::Ordering;

        let server = h2_server().await;
        let transport = transport(None);
        let url = format!("https://localhost:{}/v1.0/me", server.port);
        // No connection is open yet, so each of these opens one.
        let (first, second, third) =
            tokio::join!(transport.send(get(&url)), transport.send(get(&url)), transport.send(get(&url)));
        for response in [first, second, third] {
            assert_eq!(response.unwrap().status, StatusCode::OK);
        }
        let opened = server.accepted.load(Ordering::SeqCst);
        assert!(opened > 1, "the requests were meant to open connections at once; {opened} opened");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while server.open.load(Ordering::SeqCst) > 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(server.open.load(Ordering::SeqCst), 1, "the extra connections are still open");
        let (fourth, fifth) = tokio::join!(transport.send(get(&url)), transport.send(get(&url)));
        assert_eq!((fourth.unwrap().status, fifth.unwrap().status), (StatusCode::OK, StatusCode::OK));
        assert_eq!(server.accepted.load(Ordering::SeqCst), opened, "a later request opened a connection");
        assert_eq!(server.open.load(Ordering::SeqCst), 1);
    }

    /// The SHA-1 thumbprint of `loopback-cert.pem` (`openssl x509 -noout -fingerprint -sha1`).
    const LOOPBACK_CERT_SHA1: [u8; 20] = [
        0xBA, 0x2E, 0x23, 0xE5, 0xD3, 0xB5, 0x9E, 0x1C, 0x3F, 0xA7, 0x43, 0x7D, 0xE6, 0x5F, 0x00, 0xF6, 0x98,
        0xD5, 0x11, 0x3D,
    ];

    #[tokio::test]
    async fn a_pinned_thumbprint_trusts_that_certificate_alone_at_any_address() {
        // Not among the roots, and asked for by an address: trusted by its thumbprint.
        let (port, server) = tls_server_preferring_h2().await;
        let pinned =
            HttpTransport::builder().no_proxy().server_certificate_sha1(LOOPBACK_CERT_SHA1).build().unwrap();
        let url = format!("https://127.0.0.1:{port}/metadata/identity/oauth2/token");
        let request = tokio::spawn(async move { pinned.send(get(&url)).await });
        assert_exchanged_over_tls(server.await.unwrap(), request).await;

        // Any other certificate is refused, even one the roots vouch for.
        let (port, _server) = tls_server_preferring_h2().await;
        let mut other = LOOPBACK_CERT_SHA1;
        other[19] ^= 1;
        let refusing = HttpTransport::builder()
            .root_certificate_pem(CERT)
            .no_proxy()
            .server_certificate_sha1(other)
            .build()
            .unwrap();
        let error = refusing.send(get(&format!("https://localhost:{port}/"))).await.unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
        let chain = std::iter::successors(Some(&error as &dyn StdError), |error| (*error).source())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        assert!(chain.contains("the server's certificate is not the one its thumbprint names"), "{chain}");
    }

    #[tokio::test]
    async fn a_server_with_an_untrusted_certificate_is_a_connect_error() {
        let (port, _server) = tls_server_preferring_h2().await;
        let untrusting = HttpTransport::builder().no_proxy().build().unwrap();
        let error = untrusting.send(get(&format!("https://localhost:{port}/v1.0/me"))).await.unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
    }

    #[tokio::test]
    async fn plain_http_through_a_proxy_sends_the_absolute_url_and_the_proxys_credentials() {
        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://user:secret@{}", proxy.local_addr().unwrap());
        let seen = tokio::spawn(async move {
            let (mut tcp, _) = proxy.accept().await.unwrap();
            let head = read_head(&mut tcp).await;
            tcp.write_all(ANSWER).await.unwrap();
            head
        });
        let response =
            transport(Some(&proxy_url)).send(get("http://graph.invalid/v1.0/me?$top=1")).await.unwrap();
        assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
        let head = seen.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get http://graph.invalid/v1.0/me?$top=1 http/1.1\r\n"), "{head}");
        // Basic base64("user:secret").
        assert!(head.contains("\r\nproxy-authorization: basic dxnlcjpzzwnyzxq=\r\n"), "{head}");
    }

    #[tokio::test]
    async fn https_through_a_proxy_is_tunnelled_with_connect_and_tls_is_spoken_to_the_destination() {
        let (port, server) = tls_server_preferring_h2().await;
        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://user:secret@{}", proxy.local_addr().unwrap());
        let seen = tokio::spawn(async move {
            let (mut client, _) = proxy.accept().await.unwrap();
            let head = read_head(&mut client).await;
            let mut upstream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
            relay(&mut client, &mut upstream).await;
            head
        });
        let transport = transport(Some(&proxy_url));
        let request =
            tokio::spawn(
                async move { transport.send(get(&format!("https://localhost:{port}/v1.0/me"))).await },
            );
        // The destination's certificate was checked through the tunnel, and ALPN agreed with it.
        assert_exchanged_over_tls(server.await.unwrap(), request).await;
        assert_connect_with_credentials(&seen.await.unwrap(), port);
    }

    /// The TLS server (behind a tunnel, or not) agreed the protocol this build offers first and, for
    /// HTTP/1.1 (which the test server speaks), answered the request.
    pub(super) async fn assert_exchanged_over_tls(
        agreed: Option<Vec<u8>>,
        request: tokio::task::JoinHandle<Result<HttpResponse, TransportError>>,
    ) {
        if cfg!(feature = "http2") {
            // The test server speaks no HTTP/2: the agreed protocol is what is checked.
            assert_eq!(agreed.as_deref(), Some(&b"h2"[..]));
            request.abort();
        } else {
            assert_eq!(agreed.as_deref(), Some(&b"http/1.1"[..]));
            let response = request.await.unwrap().unwrap();
            assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
        }
    }

    /// `head` asks for a tunnel to `localhost:port` with Basic credentials `user:secret`.
    fn assert_connect_with_credentials(head: &str, port: u16) {
        let head = head.to_ascii_lowercase();
        assert!(head.starts_with(&format!("connect localhost:{port} http/1.1\r\n")), "{head}");
        assert!(head.contains("\r\nproxy-authorization: basic dxnlcjpzzwnyzxq=\r\n"), "{head}");
    }

    /// A plain HTTP/1.1 server on loopback answering every request with [`ANSWER`]; it closes each
    /// connection after one answer when `close_after_answer`. Returns its port and a count of the
    /// connections it has accepted.
    async fn counting_server(close_after_answer: bool) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    while !read_head(&mut tcp).await.is_empty() {
                        if tcp.write_all(ANSWER).await.is_err() || close_after_answer {
                            break;
                        }
                    }
                });
            }
        });
        (port, accepted)
    }

    /// Sends three requests one after another, and a fourth from a clone of the transport, to a
    /// [`counting_server`]; returns how many connections the server accepted.
    async fn connections_for_four_requests(close_after_answer: bool) -> usize {
        let (port, accepted) = counting_server(close_after_answer).await;
        let transport = transport(None);
        let url = format!("http://127.0.0.1:{port}/v1.0/me");
        for sender in [transport.clone(), transport.clone(), transport.clone(), transport] {
            let response = sender.send(get(&url)).await.unwrap();
            assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
        }
        accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[tokio::test]
    async fn requests_one_after_another_to_one_origin_share_a_connection_across_clones() {
        assert_eq!(connections_for_four_requests(false).await, 1);
    }

    #[tokio::test]
    async fn a_pooled_connection_the_server_has_closed_is_replaced_by_a_new_one() {
        assert_eq!(connections_for_four_requests(true).await, 4);
    }

    #[tokio::test]
    async fn a_request_on_a_pooled_connection_closed_before_it_was_written_is_sent_on_a_new_one() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (hang_up, hung_up) = tokio::sync::oneshot::channel::<()>();
        let (closed, is_closed) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            // The first connection answers once, stays open while idle, then closes when told.
            let (mut first, _) = listener.accept().await.unwrap();
            read_head(&mut first).await;
            first.write_all(ANSWER).await.unwrap();
            hung_up.await.unwrap();
            drop(first);
            closed.send(()).unwrap();
            // The request that was meant for it arrives on a second connection.
            let (mut second, _) = listener.accept().await.unwrap();
            let head = read_head(&mut second).await;
            second.write_all(ANSWER).await.unwrap();
            head
        });
        let transport = transport(None);
        let url = format!("http://127.0.0.1:{port}/v1.0/me");
        transport.send(get(&url)).await.unwrap();
        hang_up.send(()).unwrap();
        is_closed.await.unwrap();
        // A POST too: none of it reached the closed connection, so sending it again is safe.
        let mut post = get(&url);
        post.method = Method::POST;
        post.body = Some(Bytes::from_static(b"{}"));
        let response = transport.send(post).await.unwrap();
        assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
        assert!(server.await.unwrap().starts_with("POST /v1.0/me HTTP/1.1\r\n"));
    }

    /// A plain HTTP/1.1 server on loopback answering one request with [`ANSWER`]; returns its port
    /// and the request's head.
    pub(super) async fn http_server() -> (u16, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let head = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let head = read_head(&mut tcp).await;
            tcp.write_all(ANSWER).await.unwrap();
            head
        });
        (port, head)
    }

    #[tokio::test]
    async fn a_request_to_http_sends_origin_form_with_a_host_header_naming_a_non_default_port() {
        let (port, seen) = http_server().await;
        transport(None).send(get(&format!("http://127.0.0.1:{port}/v1.0/me?$top=1"))).await.unwrap();
        let head = seen.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get /v1.0/me?$top=1 http/1.1\r\n"), "{head}");
        assert!(head.contains(&format!("\r\nhost: 127.0.0.1:{port}\r\n")), "{head}");
        assert!(!head.contains("content-length"), "a GET has no content to measure: {head}");
    }

    #[test]
    fn debug_shows_bodies_by_their_length_alone() {
        let mut request = get("https://login.microsoftonline.com/contoso/oauth2/v2.0/token");
        request.body = Some(Bytes::from_static(b"client_secret=s3cr3t"));
        let response = HttpResponse::new(StatusCode::OK, HeaderMap::new(), r#"{"access_token":"eyJ0"}"#);
        let (request, response) = (format!("{request:?}"), format!("{response:?}"));
        assert!(request.contains("body: Some(20 bytes)") && !request.contains("s3cr3t"), "{request}");
        assert!(response.contains("body: 23 bytes") && !response.contains("eyJ0"), "{response}");
    }

    #[tokio::test]
    async fn a_post_put_or_patch_without_a_body_says_its_length_is_zero() {
        for method in [Method::POST, Method::PUT, Method::PATCH] {
            for body in [None, Some(Bytes::new())] {
                let (port, seen) = http_server().await;
                let mut request = get(&format!("http://127.0.0.1:{port}/v1.0/devices/1/rebootNow"));
                (request.method, request.body) = (method.clone(), body);
                transport(None).send(request).await.unwrap();
                let head = seen.await.unwrap().to_ascii_lowercase();
                assert!(head.contains("\r\ncontent-length: 0\r\n"), "{head}");
                assert!(!head.contains("transfer-encoding"), "{head}");
            }
        }
    }

    #[cfg(not(feature = "socks"))]
    #[tokio::test]
    async fn without_the_socks_feature_a_socks_proxy_is_an_error_naming_the_feature_not_a_direct_connection()
    {
        let built = HttpTransport::builder().proxy("socks5h://127.0.0.1:1080").build();
        let error = built.map(|_| ()).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Other);
        assert!(error.to_string().contains("`socks` feature"), "{error}");
        // A SOCKS proxy from the environment is only met by a request, which fails the same way.
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = server.local_addr().unwrap().port();
        let from_environment = Matcher::builder().all("socks5h://127.0.0.1:1080".to_owned()).build();
        let connector =
            connect::Connector::new(&connect::Trust::Roots(Vec::new()), from_environment).unwrap();
        let transport = HttpTransport { shared: Arc::new(Shared { connector, pool: Arc::default() }) };
        let error = transport.send(get(&format!("http://127.0.0.1:{port}/v1.0/me"))).await.unwrap_err();
        assert!(error.to_string().contains("`socks` feature"), "{error}");
        // Nothing went to the destination directly.
        let accepted = tokio::time::timeout(Duration::from_millis(100), server.accept()).await;
        assert!(accepted.is_err(), "the request was sent without its proxy");
    }

    #[tokio::test]
    async fn a_proxy_refusing_the_tunnel_is_a_connect_error_naming_its_status() {
        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut client, _) = proxy.accept().await.unwrap();
            read_head(&mut client).await;
            let _ = client
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let error = transport(Some(&proxy_url)).send(get("https://graph.invalid/v1.0/me")).await.unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
        assert!(error.to_string().contains("407"), "{error}");
    }

    #[tokio::test]
    async fn an_https_proxy_is_spoken_to_in_tls_and_http_1_1_and_tunnels_tls_to_the_destination() {
        let (port, server) = tls_server_preferring_h2().await;
        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("https://user:secret@localhost:{}", proxy.local_addr().unwrap().port());
        let acceptor = acceptor_preferring_h2();
        let seen = tokio::spawn(async move {
            let (tcp, _) = proxy.accept().await.unwrap();
            let mut client = acceptor.accept(tcp).await.unwrap();
            let agreed = client.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            let head = read_head(&mut client).await;
            let mut upstream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
            relay(&mut client, &mut upstream).await;
            (agreed, head)
        });
        let transport = transport(Some(&proxy_url));
        let request =
            tokio::spawn(
                async move { transport.send(get(&format!("https://localhost:{port}/v1.0/me"))).await },
            );
        assert_exchanged_over_tls(server.await.unwrap(), request).await;
        let (agreed_with_proxy, head) = seen.await.unwrap();
        // Whatever the destination gets offered, the proxy is only offered HTTP/1.1.
        assert_eq!(agreed_with_proxy.as_deref(), Some(&b"http/1.1"[..]));
        assert_connect_with_credentials(&head, port);
    }

    /// Copies both ways until either side closes.
    async fn relay(
        a: &mut (impl AsyncRead + AsyncWrite + Unpin),
        b: &mut (impl AsyncRead + AsyncWrite + Unpin),
    ) {
        let _ = tokio::io::copy_bidirectional(a, b).await;
    }

    #[test]
    fn a_proxy_url_that_cannot_be_used_is_refused_by_build_and_debug_hides_it() {
        let builder = HttpTransport::builder().proxy("http://user:secret@[::1");
        assert!(!format!("{builder:?}").contains("secret"), "{builder:?}");
        let error = builder.build().map(|_| ()).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Other);
        assert!(!error.to_string().contains("secret"), "{error}");
        assert!(HttpTransport::builder().proxy("http://proxy.example:3128").build().is_ok());
    }

    #[test]
    fn a_certificate_that_is_not_pem_is_refused_by_build() {
        let built = HttpTransport::builder()
            .root_certificate_pem(
                &b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"[..],
            )
            .build();
        assert_eq!(built.map(|_| ()).map_err(|error| error.kind()), Err(TransportErrorKind::Other));
    }
}
