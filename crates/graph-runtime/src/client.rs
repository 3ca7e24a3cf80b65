//! The client generated operations send through: one request = up to a few attempts and redirect
//! hops, each built by `request`, sent by a [`Transport`] and judged by `response`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tracing::field::Empty;
use tracing::Instrument;

use crate::absolute_url::AbsoluteUrl;
use crate::auth::challenge;
use crate::config::{self, Config, NationalCloud, RetryPolicy};
use crate::error::{DecodeError, GraphError};
use crate::odata::{self, Collection};
use crate::request::{self, Attempt};
use crate::response::{self, Outcome};
use crate::transport::{
    HttpRequest, HttpResponse, HttpTransport, HttpTransportBuilder, Transport, TransportError,
};
use crate::{Accept, Error, Pager, QueryOptions, RequestPath, StaticToken, TokenProvider};

/// The global Microsoft Graph endpoint.
pub const GLOBAL_BASE_URL: &str = "https://graph.microsoft.com";

/// HTTP methods the generated operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// The `http` crate's equivalent.
    pub fn to_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Patch => http::Method::PATCH,
            Method::Put => http::Method::PUT,
            Method::Delete => http::Method::DELETE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The static description of an operation a generated method sends: method, version and path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// API version segment: `beta` or `v1.0`.
    pub version: &'static str,
    /// The documented path template, for tracing and errors (never contains caller data).
    pub template: &'static str,
    /// The `@odata.type`s (without `#microsoft.graph.`) the answer is read as, when its path also
    /// answers other types; empty (the usual case) reads any.
    ///
    /// Another page documents the same path answering a type this operation's type derives from, as
    /// `GET /deviceManagement/deviceConfigurations` answers every kind of device configuration while
    /// each kind's page documents it answering that kind. Then a list's items of another type are
    /// left out, and a single object of another type is an [`Error::Decode`] rather than a value of
    /// the wrong type. An object without `@odata.type` is read. The first name is the type the page
    /// documents, the others the types derived from it.
    pub narrowed_to: &'static [&'static str],
}

impl Operation {
    /// An operation that reads whatever type its answer has.
    pub const fn new(method: Method, version: &'static str, template: &'static str) -> Operation {
        Operation { method, version, template, narrowed_to: &[] }
    }

    /// The same operation reading only these `@odata.type`s (see [`Operation::narrowed_to`]).
    pub const fn narrowed_to(self, types: &'static [&'static str]) -> Operation {
        Operation { narrowed_to: types, ..self }
    }

    /// Whether the operation reads `object`: any object when it is not narrowed, else one without
    /// `@odata.type` or with one it names.
    pub(crate) fn reads(&self, object: &Value) -> bool {
        self.narrowed_to.is_empty()
            || odata::type_name(object).is_none_or(|found| self.narrowed_to.contains(&found))
    }
}

impl fmt::Display for Operation {
    /// `POST /beta/deviceManagement/.../{id}/assign`: what an error message names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} /{}{}", self.method, self.version, self.template)
    }
}

/// A Microsoft Graph client: cheap to clone, `Send + Sync`, one connection pool shared by all clones.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    transport: Arc<dyn Transport>,
    tokens: Arc<dyn TokenProvider>,
    /// One permit per request in flight, when [`ClientBuilder::max_concurrent_requests`] limits them.
    in_flight: Option<tokio::sync::Semaphore>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token provider is left out on purpose: it may hold a secret.
        f.debug_struct("Client").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// Builds a [`Client`]; invalid settings are reported by [`ClientBuilder::build`].
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    user_agent: String,
    default_headers: Vec<(String, String)>,
    retry: RetryPolicy,
    max_redirects: u32,
    max_concurrent_requests: Option<usize>,
    tokens: Arc<dyn TokenProvider>,
    transport: Option<Arc<dyn Transport>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.default_headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("default_headers", &header_names)
            .field("retry", &self.retry)
            .field("max_redirects", &self.max_redirects)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("custom_transport", &self.transport.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for the global cloud with an empty static token.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: GLOBAL_BASE_URL.to_owned(),
            timeout: config::DEFAULT_TIMEOUT,
            user_agent: config::DEFAULT_USER_AGENT.to_owned(),
            default_headers: Vec::new(),
            retry: RetryPolicy::default(),
            max_redirects: config::DEFAULT_MAX_REDIRECTS,
            max_concurrent_requests: None,
            tokens: Arc::new(StaticToken::new("")),
            transport: None,
        }
    }

    /// The base URL requests go to, before the version segment.
    pub fn base_url(&self) -> &str {
        self.inner.config.base_url.as_str()
    }

    /// Sends a request and decodes a JSON response body into `R` (a 200 or 201 with a body), whatever
    /// types the operation is narrowed to ([`Operation::narrowed_to`]): a [`crate::Request`] and a
    /// [`Pager`] apply that, knowing a list from a single object.
    pub async fn send_json<B, R>(
        &self,
        operation: Operation,
        path: &RequestPath,
        body: Option<&B>,
    ) -> Result<R, Error>
    where
        B: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.send_json_with(operation, path, &QueryOptions::new(), body).await
    }

    /// [`Client::send_json`] with query options: `GET …?$select=…` and the like.
    ///
    /// For a list operation this returns the first page only; [`Client::pager`] follows the others.
    pub async fn send_json_with<B, R>(
        &self,
        operation: Operation,
        path: &RequestPath,
        query: &QueryOptions,
        body: Option<&B>,
    ) -> Result<R, Error>
    where
        B: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let response = self.send_with(operation, path, query, body).await?;
        decode(operation, &response)
    }

    /// Sends a request whose success response has no body to read (`204 No Content`); any 2xx succeeds.
    pub async fn send_no_content<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        body: Option<&B>,
    ) -> Result<(), Error>
    where
        B: Serialize + ?Sized,
    {
        self.send_no_content_with(operation, path, &QueryOptions::new(), body).await
    }

    /// [`Client::send_no_content`] with query options.
    pub async fn send_no_content_with<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        query: &QueryOptions,
        body: Option<&B>,
    ) -> Result<(), Error>
    where
        B: Serialize + ?Sized,
    {
        self.send_with(operation, path, query, body).await.map(drop)
    }

    /// Sends a request through retries and redirects and returns the final 2xx response.
    pub async fn send<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        body: Option<&B>,
    ) -> Result<HttpResponse, Error>
    where
        B: Serialize + ?Sized,
    {
        self.send_with(operation, path, &QueryOptions::new(), body).await
    }

    /// [`Client::send`] with query options.
    pub async fn send_with<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        query: &QueryOptions,
        body: Option<&B>,
    ) -> Result<HttpResponse, Error>
    where
        B: Serialize + ?Sized,
    {
        self.send_request(operation, path, query, &HeaderMap::new(), Accept::Json, body).await
    }

    /// [`Client::send_with`] with headers for this request alone (see [`crate::Request::header`]).
    pub(crate) async fn send_request<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        query: &QueryOptions,
        headers: &HeaderMap,
        accept: Accept,
        body: Option<&B>,
    ) -> Result<HttpResponse, Error>
    where
        B: Serialize + ?Sized,
    {
        // Serialised once, so every retry and redirect resends exactly these bytes.
        let body = match body {
            Some(body) => Some(Bytes::from(
                serde_json::to_vec(body).map_err(|source| Error::Encode { operation, source })?,
            )),
            None => None,
        };
        let url = request::operation_url(&self.inner.config.base_url, operation, path, query)?;
        self.send_url(operation, url, headers, accept, body).await
    }

    /// A lazy pager over a list operation (response `Collection<T>`): nothing is sent until the first
    /// page is asked for; each later page is the previous page's `@odata.nextLink`, sent through this
    /// client (same token provider, retries, redirects and tracing) when it has the base URL's origin.
    pub fn pager<T>(&self, operation: Operation, path: &RequestPath, query: &QueryOptions) -> Pager<T> {
        self.pager_with_headers(operation, path, query, HeaderMap::new())
    }

    /// [`Client::pager`] sending `headers` with every page.
    pub(crate) fn pager_with_headers<T>(
        &self,
        operation: Operation,
        path: &RequestPath,
        query: &QueryOptions,
        headers: HeaderMap,
    ) -> Pager<T> {
        let first = request::operation_url(&self.inner.config.base_url, operation, path, query);
        Pager::new(self.clone(), operation, first, headers)
    }

    /// Sends to an absolute URL (the operation's own, or a next link already checked by the caller)
    /// inside one `graph_request` span.
    pub(crate) async fn send_url(
        &self,
        operation: Operation,
        url: AbsoluteUrl,
        headers: &HeaderMap,
        accept: Accept,
        body: Option<Bytes>,
    ) -> Result<HttpResponse, Error> {
        let span = tracing::info_span!(
            "graph_request",
            method = operation.method.as_str(),
            template = operation.template,
            version = operation.version,
            attempt = Empty,
            status = Empty,
            request_id = Empty,
        );
        self.send_bytes(operation, url, headers, accept, body).instrument(span).await
    }

    /// Sends a request that is not Graph's (an upload to Azure Storage by its signed URL) through
    /// the client's transport and within its limit of requests in flight, without its token.
    pub(crate) async fn send_outside(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let _place = match &self.inner.in_flight {
            Some(places) => places.acquire().await.ok(),
            None => None,
        };
        self.inner.transport.send(request).await
    }

    /// The `User-Agent` every request carries.
    pub(crate) fn user_agent(&self) -> &HeaderValue {
        &self.inner.config.user_agent
    }

    /// How long one exchange may take.
    pub(crate) fn timeout(&self) -> Duration {
        self.inner.config.timeout
    }

    /// The retry policy, which a batch applies to the requests in it too.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.config.retry
    }

    /// The headers every request carries unless it sets its own, which a batch gives each request.
    pub(crate) fn default_headers(&self) -> &HeaderMap {
        &self.inner.config.default_headers
    }

    /// The base URL as configured, parsed: the origin next links must share.
    pub(crate) fn parsed_base_url(&self) -> &AbsoluteUrl {
        &self.inner.config.base_url
    }

    async fn send_bytes(
        &self,
        operation: Operation,
        url: AbsoluteUrl,
        request_headers: &HeaderMap,
        accept: Accept,
        body: Option<Bytes>,
    ) -> Result<HttpResponse, Error> {
        let Inner { config, transport, tokens, in_flight } = &*self.inner;
        let span = tracing::Span::current();
        let mut hop = Attempt { method: operation.method.to_http(), url, token: None, body, retry: 0 };
        let mut same_origin = true;
        let mut redirects = 0u32;
        let mut waited = Duration::ZERO;
        // Whether a token Graph refused has been replaced: once per call.
        let mut renewed = false;
        // The token Graph refused, and its answer: what the call fails with if the provider gives
        // that token again (a managed identity endpoint serves the token it cached), since sending
        // it again would only be refused again.
        let mut refusal: Option<(String, HttpResponse)> = None;
        // Bounded: each pass either returns, uses up one of `max_retries` retries (the retry number
        // only grows), one of `max_redirects` redirects, or the one token renewal.
        loop {
            let attempts = hop.retry + 1 + u32::from(renewed);
            span.record("attempt", attempts);
            // Fetched for every attempt, so a provider that refreshes tokens is asked again on retry.
            let token = if same_origin {
                Some(tokens.token().await.map_err(|source| Error::Auth { operation, source })?)
            } else {
                None
            };
            if let Some((refused, answer)) = refusal.take() {
                if token.as_deref() == Some(refused.as_str()) {
                    tracing::info!("the token provider gave the refused token again");
                    return Err(graph_error(operation, answer, attempts.saturating_sub(1)));
                }
            }
            let request = request::build(
                config,
                operation,
                request_headers,
                accept,
                Attempt { token: token.as_deref(), ..hop.clone() },
            )?;
            // A place among the requests in flight, held until the response has been read.
            let place = match in_flight {
                Some(places) => places.acquire().await.ok(),
                None => None,
            };
            tracing::debug!(attempt = attempts, "sending");
            let response = transport.send(request).await;
            #[cfg(feature = "gzip")]
            let response = response.and_then(crate::gzip::decompressed);
            let response = response.map_err(|source| Error::Transport { operation, attempts, source })?;
            drop(place);
            span.record("status", response.status.as_u16());
            if let Some(request_id) = response.headers.get("request-id").and_then(|value| value.to_str().ok())
            {
                span.record("request_id", request_id);
            }
            match response::classify(response.status) {
                Outcome::Success => return Ok(response),
                Outcome::Failure => {
                    // A 401 means the request was not processed, so sending it again is safe
                    // whatever the method.
                    let refused = match &token {
                        Some(token) if response.status == StatusCode::UNAUTHORIZED && !renewed => {
                            match challenge::claims(&response.headers) {
                                Some(claims) => {
                                    tracing::info!("the token was challenged for claims");
                                    tokens.claims_challenged(token, &claims)
                                }
                                None => tokens.token_rejected(token),
                            }
                        }
                        _ => false,
                    };
                    if !refused {
                        return Err(graph_error(operation, response, attempts));
                    }
                    tracing::info!("the token was refused; sending again with a new one");
                    renewed = true;
                    refusal = token.map(|token| (token, response));
                }
                Outcome::Retry => {
                    let retry = hop.retry.saturating_add(1);
                    let delay = config.retry.wait_before(retry, Some(&response.headers));
                    if !config.retry.allows(retry, waited, delay) {
                        return Err(graph_error(operation, response, attempts));
                    }
                    tracing::info!(
                        status = response.status.as_u16(),
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        retry,
                        "service asked to retry later"
                    );
                    tokio::time::sleep(delay).await;
                    waited = waited.saturating_add(delay);
                    hop.retry = retry;
                }
                Outcome::Redirect => {
                    let not_followed = |reason: String| Error::Redirect {
                        operation,
                        status: response.status,
                        location: response
                            .headers
                            .get(http::header::LOCATION)
                            .map(|location| String::from_utf8_lossy(location.as_bytes()).into_owned()),
                        reason,
                    };
                    if redirects >= config.max_redirects {
                        let limit = config.max_redirects;
                        return Err(not_followed(format!("the limit of {limit} redirects was reached")));
                    }
                    let next =
                        response::redirect_hop(&hop.url, &hop.method, response.status, &response.headers)
                            .map_err(not_followed)?;
                    tracing::debug!(
                        status = response.status.as_u16(),
                        location = %next.url.without_query(),
                        cross_origin = next.cross_origin,
                        "following redirect"
                    );
                    // Once the request has left its origin, credentials stay behind for every later hop.
                    same_origin &= !next.cross_origin;
                    redirects += 1;
                    hop.url = next.url;
                    hop.method = next.method;
                    if !next.keep_body {
                        hop.body = None;
                    }
                }
            }
        }
    }
}

/// An [`HttpTransport`] with its own pool, for a builder given no transport.
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    start_transport(HttpTransport::builder())
}

/// The transport `builder` configures, started; a failure is a configuration error.
pub(crate) fn start_transport(builder: HttpTransportBuilder) -> Result<Arc<dyn Transport>, Error> {
    match builder.build() {
        Ok(transport) => Ok(Arc::new(transport)),
        Err(e) => Err(Error::Config(format!("could not start the HTTP client: {e}"))),
    }
}

// Compile-time promises the generated client and its users rely on.
const _: () = {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn error_like<T: std::error::Error + Send + Sync + 'static>() {}
    let _ = shareable::<Client>;
    let _ = error_like::<Error>;
    // Chosen at run time, or shared by several clients.
    fn provider<T: TokenProvider + 'static>() {}
    fn transport<T: Transport + 'static>() {}
    let _ = provider::<Box<dyn TokenProvider>>;
    let _ = provider::<Arc<dyn TokenProvider>>;
    let _ = transport::<Box<dyn Transport>>;
    let _ = transport::<Arc<HttpTransport>>;
};

/// Decodes a success response's JSON body as `R`.
pub(crate) fn decode<R: DeserializeOwned>(operation: Operation, response: &HttpResponse) -> Result<R, Error> {
    DecodeError::decode(operation, response.status, &response.headers, &response.body).map_err(Error::Decode)
}

/// Decodes the body as JSON, to be read as `R` next: an error names `R`, not the JSON value.
fn decode_json<R>(operation: Operation, response: &HttpResponse) -> Result<Value, Error> {
    decode(operation, response).map_err(|error| match error {
        Error::Decode(mut error) => {
            error.type_name = std::any::type_name::<R>();
            Error::Decode(error)
        }
        other => other,
    })
}

/// Decodes one object, refusing one whose `@odata.type` a narrowed operation does not read.
pub(crate) fn decode_object<R: DeserializeOwned>(
    operation: Operation,
    response: &HttpResponse,
) -> Result<R, Error> {
    if operation.narrowed_to.is_empty() {
        return decode(operation, response);
    }
    let object = decode_json::<R>(operation, response)?;
    if !operation.reads(&object) {
        let found = odata::type_name(&object).unwrap_or_default();
        return Err(Error::Decode(DecodeError::other_type::<R>(operation, response, found)));
    }
    DecodeError::decode_value(operation, response, object).map_err(Error::Decode)
}

/// Decodes one page of a list, leaving out the items whose `@odata.type` a narrowed operation does
/// not read.
pub(crate) fn decode_page<T: DeserializeOwned>(
    operation: Operation,
    response: &HttpResponse,
) -> Result<Collection<T>, Error> {
    if operation.narrowed_to.is_empty() {
        return decode(operation, response);
    }
    let mut page = decode_json::<Collection<T>>(operation, response)?;
    if let Some(Value::Array(items)) = page.get_mut("value") {
        let before = items.len();
        items.retain(|item| operation.reads(item));
        let left_out = before - items.len();
        if left_out > 0 {
            tracing::debug!(%operation, left_out, "list items of other types left out");
        }
    }
    DecodeError::decode_value(operation, response, page).map_err(Error::Decode)
}

pub(crate) fn graph_error(operation: Operation, response: HttpResponse, attempts: u32) -> Error {
    Error::Graph(Box::new(GraphError::from_response(
        operation,
        response.status,
        response.headers,
        &response.body,
        attempts,
    )))
}

impl ClientBuilder {
    /// Sends requests to this base URL instead of the global cloud (tests, proxies). The operation's
    /// version segment is appended to it; any path it has is kept as a prefix.
    pub fn base_url(mut self, base_url: impl Into<String>) -> ClientBuilder {
        self.base_url = base_url.into();
        self
    }

    /// Sends requests to a national cloud's endpoint.
    pub fn cloud(self, cloud: NationalCloud) -> ClientBuilder {
        self.base_url(cloud.base_url())
    }

    /// The bearer-token provider asked before every attempt.
    pub fn token_provider(mut self, tokens: impl TokenProvider + 'static) -> ClientBuilder {
        self.tokens = Arc::new(tokens);
        self
    }

    /// How long one HTTP exchange may take, from connecting to the last body byte (default 100 s).
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Replaces the `User-Agent` (default `graph-runtime/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// Adds a header to every request. Values are never shown in `Debug` output, and the header is
    /// dropped on a redirect to another host if it is `Cookie` or `Proxy-Authorization`.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> ClientBuilder {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// When to retry throttled or unavailable requests (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> ClientBuilder {
        self.retry = retry;
        self
    }

    /// How many redirects one request follows (default 5; 0 treats every redirect as an error).
    pub fn max_redirects(mut self, max_redirects: u32) -> ClientBuilder {
        self.max_redirects = max_redirects;
        self
    }

    /// At most `limit` requests of this client (and its clones) in flight at once; the others wait
    /// for one to be answered. A request waiting to be retried (after a 429's `Retry-After`) or
    /// between redirects holds no place, nor does a token fetch, and a list's pages take one each
    /// as they are fetched. Unlimited by default: bulk work (many `join`ed or spawned requests)
    /// otherwise opens as many connections at once and meets Graph's throttling sooner. Must be at
    /// least 1.
    pub fn max_concurrent_requests(mut self, limit: usize) -> ClientBuilder {
        self.max_concurrent_requests = Some(limit);
        self
    }

    /// Sends through this transport instead of the default [`HttpTransport`] (built with
    /// [`HttpTransport::builder`] for extra trusted certificates or another proxy, or any other
    /// [`Transport`]).
    pub fn transport(mut self, transport: impl Transport + 'static) -> ClientBuilder {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Builds the client, checking the base URL, user agent and default headers.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = config::parse_base_url(&self.base_url).map_err(Error::Config)?;
        let user_agent = HeaderValue::try_from(self.user_agent.as_str()).map_err(|_| {
            Error::Config(format!("user agent {:?} is not a valid header value", self.user_agent))
        })?;
        let mut default_headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let header_name = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::Config(format!("{name:?} is not a valid header name")))?;
            // The value is not quoted: it may be a credential.
            let mut header_value = HeaderValue::try_from(value.as_str()).map_err(|_| {
                Error::Config(format!("the value of header {name:?} is not a valid header value"))
            })?;
            header_value.set_sensitive(true);
            default_headers.append(header_name, header_value);
        }
        let in_flight = match self.max_concurrent_requests {
            Some(0) => return Err(Error::Config("max_concurrent_requests must be at least 1".to_owned())),
            Some(limit) => Some(tokio::sync::Semaphore::new(limit.min(tokio::sync::Semaphore::MAX_PERMITS))),
            None => None,
        };
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport()?,
        };
        let config = Config {
            base_url,
            timeout: self.timeout,
            user_agent,
            default_headers,
            retry: self.retry,
            max_redirects: self.max_redirects,
        };
        Ok(Client { inner: Arc::new(Inner { config, transport, tokens: self.tokens, in_flight }) })
    }
}
