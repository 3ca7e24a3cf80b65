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
        let http = tls_backend(reqwest::Client::builder())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(TransportError::from_reqwest)?;
        Ok(ReqwestTransport { http })
    }

    /// A transport over a reqwest client configured elsewhere (proxy, certificates, …).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: otherwise reqwest follows
    /// redirects itself and the client's redirect limit and credential rules do not apply.
    pub fn from_client(http: reqwest::Client) -> ReqwestTransport {
        ReqwestTransport { http }
    }
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
