//! The I/O boundary: a [`Transport`] sends one fully built request and returns the whole response.
//!
//! Everything before (building URL, headers and body) and after (retries, redirects, errors) is pure
//! code in this crate, so a test or a user can plug in another sender without touching that logic.
//! The default sender is [`ReqwestTransport`]: reqwest over the TLS stack the crate's features pick
//! (rustls by default, or `native-tls`), one connection pool per client.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderValue, Method, StatusCode};
pub use url::Url;

/// One HTTP request, ready to go on the wire.
///
/// The `Authorization` header value is marked sensitive, so `Debug` prints it as `Sensitive`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL, path segments already percent-encoded.
    pub url: Url,
    /// Every header to send.
    pub headers: HeaderMap,
    /// The body bytes; the same bytes on every retry.
    pub body: Option<Bytes>,
    /// How long this exchange may take, from connecting to the last body byte.
    pub timeout: Duration,
}

/// One complete HTTP response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
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
pub trait Transport: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
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

    fn from_reqwest(error: reqwest::Error) -> TransportError {
        let kind = if error.is_timeout() {
            TransportErrorKind::Timeout
        } else if error.is_connect() {
            TransportErrorKind::Connect
        } else if error.is_body() || error.is_decode() || error.is_request() {
            TransportErrorKind::Body
        } else {
            TransportErrorKind::Other
        };
        // The URL can carry a pre-authenticated query after a redirect; the caller's error names the
        // operation instead.
        TransportError::new(kind, error.without_url())
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.source)?;
        // reqwest's top-level message is generic ("error sending request"); the cause says what happened.
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

/// The default [`Transport`]: reqwest over rustls (or the platform's TLS when only the `native-tls`
/// feature is on), redirects off (the client follows them itself so it can drop credentials on a
/// host change), one connection pool shared by every clone.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Result<ReqwestTransport, TransportError> {
        let http = client_builder().build().map_err(TransportError::from_reqwest)?;
        Ok(ReqwestTransport { http })
    }

    /// A transport over a reqwest client configured elsewhere (proxy, certificates, …).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: otherwise reqwest follows
    /// redirects itself and the client's redirect limit and credential rules do not apply. Without
    /// reqwest's `http2` feature, also `http1_only()`: reqwest's native-tls would otherwise offer
    /// HTTP/2 to the server and fail when it accepts.
    pub fn from_client(http: reqwest::Client) -> ReqwestTransport {
        ReqwestTransport { http }
    }
}

/// How [`ReqwestTransport::new`] configures reqwest: the TLS stack of the crate's features,
/// redirects left to the client, and HTTP/1.1 only unless the `http2` feature is on.
fn client_builder() -> reqwest::ClientBuilder {
    let builder = tls_backend(reqwest::Client::builder()).redirect(reqwest::redirect::Policy::none());
    // Said explicitly: reqwest's native-tls offers `h2` by ALPN even when it cannot speak HTTP/2,
    // and a server that accepts it (Graph does) made hyper panic ("http2 feature is not enabled").
    #[cfg(not(feature = "http2"))]
    let builder = builder.http1_only();
    builder
}

/// rustls whenever its feature is on, even beside `native-tls` (reqwest would pick native-tls).
#[cfg(feature = "rustls")]
fn tls_backend(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.use_rustls_tls()
}

#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn tls_backend(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.use_native_tls()
}

// Graph is HTTPS only: a build without a TLS stack could not send a single request.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!("graph-runtime needs a TLS stack: enable its `rustls` (default) or `native-tls` feature");

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            let mut builder = self
                .http
                .request(request.method, request.url)
                .headers(request.headers)
                .timeout(request.timeout);
            if let Some(body) = request.body {
                builder = builder.body(body);
            }
            let response = builder.send().await.map_err(TransportError::from_reqwest)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(TransportError::from_reqwest)?;
            Ok(HttpResponse { status, headers, body })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A TLS server on loopback that prefers HTTP/2 (as Graph's servers do) and returns the protocol
    /// it agreed by ALPN, after answering one request when that is HTTP/1.1.
    async fn tls_server_preferring_h2() -> (String, tokio::task::JoinHandle<Option<Vec<u8>>>) {
        let cert = CertificateDer::from_pem_slice(include_bytes!("../tests/fixtures/loopback-cert.pem"));
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tests/fixtures/loopback-key.pem"));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.unwrap()], key.unwrap())
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://localhost:{}/v1.0/me", listener.local_addr().unwrap().port());
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let agreed = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            if agreed.as_deref() != Some(b"http/1.1") {
                return agreed;
            }
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                match tls.read(&mut buffer).await {
                    Ok(0) | Err(_) => return agreed,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
            let _ = tls.write_all(answer).await;
            let _ = tls.shutdown().await;
            agreed
        });
        (url, server)
    }

    /// The transport's reqwest client, trusting the test certificate.
    fn client() -> reqwest::Client {
        let cert =
            reqwest::Certificate::from_pem(include_bytes!("../tests/fixtures/loopback-cert.pem")).unwrap();
        // Bounded: with `h2` agreed but not spoken, the connection task panicked and the request
        // never finished.
        super::client_builder()
            .add_root_certificate(cert)
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap()
    }

    #[cfg(not(feature = "http2"))]
    #[tokio::test]
    async fn without_http2_the_transport_offers_only_http_1_1_to_a_server_preferring_h2() {
        let (url, server) = tls_server_preferring_h2().await;
        let response = client().get(url).send().await.unwrap();
        assert_eq!((response.status().as_u16(), response.version()), (200, http::Version::HTTP_11));
        assert_eq!(response.bytes().await.unwrap(), "{}");
        assert_eq!(server.await.unwrap().as_deref(), Some(&b"http/1.1"[..]));
    }

    #[cfg(feature = "http2")]
    #[tokio::test]
    async fn with_http2_the_transport_agrees_h2_with_a_server_preferring_it() {
        let (url, server) = tls_server_preferring_h2().await;
        // The server only agrees the protocol (it speaks no HTTP/2): ALPN is what is checked.
        let request = tokio::spawn(client().get(url).send());
        assert_eq!(server.await.unwrap().as_deref(), Some(&b"h2"[..]));
        request.abort();
    }
}
