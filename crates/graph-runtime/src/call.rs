//! [`Request`]: what every generated operation method returns, an operation call prepared but not
//! yet sent. Set the query options its page lists, then `.await` it (or `.send().await`); a list can
//! also be walked page by page with [`Request::pager`] or item by item with [`Request::items`].
//!
//! One generic type serves every operation on purpose: the generated crate then holds no per-operation
//! request structs and no `async fn` bodies, so it compiles quickly, and the serde code for a model is
//! only instantiated in the crate that sends it. Which query options an operation takes is still
//! checked at compile time: the `O` parameter is a marker type the generated crate defines per set of
//! documented options, implementing the [`options`] traits that unlock the setters.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::{decode_object, decode_page};
use crate::odata::Collection;
use crate::paging::{ItemStream, Pager};
use crate::transport::HttpResponse;
use crate::{Client, Error, Operation, QueryOptions, RequestPath};

/// The query options an operation's page lists, as marker traits: a request whose `O` implements
/// [`options::Select`] has [`Request::select`], and so on. [`options::NoOptions`] implements none.
pub mod options {
    /// Unlocks [`Request::select`](crate::Request::select) (`$select`).
    pub trait Select {}
    /// Unlocks [`Request::expand`](crate::Request::expand) (`$expand`).
    pub trait Expand {}
    /// Unlocks [`Request::filter`](crate::Request::filter) (`$filter`).
    pub trait Filter {}
    /// Unlocks [`Request::search`](crate::Request::search) (`$search`).
    pub trait Search {}
    /// Unlocks [`Request::orderby`](crate::Request::orderby) (`$orderby`).
    pub trait OrderBy {}
    /// Unlocks [`Request::top`](crate::Request::top) (`$top`).
    pub trait Top {}
    /// Unlocks [`Request::skip`](crate::Request::skip) (`$skip`).
    pub trait Skip {}
    /// Unlocks [`Request::skip_token`](crate::Request::skip_token) (`$skiptoken`).
    pub trait SkipToken {}
    /// Unlocks [`Request::count`](crate::Request::count) (`$count`).
    pub trait Count {}
    /// Unlocks [`Request::format`](crate::Request::format) (`$format`).
    pub trait Format {}
    /// Unlocks [`Request::param`](crate::Request::param): the page lists query parameters that are
    /// not OData system options (the marker's documentation names them).
    pub trait Params {}

    /// An operation whose page lists no query options.
    #[derive(Debug, Clone, Copy)]
    pub enum NoOptions {}
}

/// What a successful response holds, as a [`Request`]'s `E` parameter: [`Json`], [`JsonOrNoContent`],
/// [`Paged`], [`Raw`] or [`NoContent`].
pub trait Expect {
    /// What `.await` yields on success.
    type Output;

    /// What the request asks for in its `Accept` header.
    const ACCEPT: Accept = Accept::Json;

    /// Reads the success response of `operation`.
    fn read(operation: Operation, response: &HttpResponse) -> Result<Self::Output, Error>;
}

/// What a request asks for in its `Accept` header, by how its response is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// JSON, which the response is decoded from: `application/json`, over any `Accept` header the
    /// request or the client's defaults give.
    Json,
    /// Any body, kept as bytes: `application/octet-stream, application/json` (the stream, or Graph's
    /// JSON error), as Microsoft's own SDKs ask for an `Edm.Stream` result, unless the request or
    /// the client's defaults name another media type.
    Stream,
}

/// A JSON body decoded into `T`.
pub struct Json<T>(PhantomData<fn() -> T>);

/// A JSON body decoded into `T`, or none: `.await` yields `None` for `204 No Content` (or an empty
/// body). An update (`PATCH`) or replacement (`PUT`) is read this way, since OData lets the service
/// answer one with the object or without it, and Intune's services answer `204` although the pages
/// document `200 OK` with the object (`Prefer: return=minimal` asks any service for `204`).
pub struct JsonOrNoContent<T>(PhantomData<fn() -> T>);

/// A list: `.await` yields the first page; [`Request::pager`] and [`Request::items`] follow
/// `@odata.nextLink` through the rest.
pub struct Paged<T>(PhantomData<fn() -> T>);

/// The body as it came, not decoded: an `Edm.Stream` result (a report, a file: any bytes, whatever
/// their media type).
pub enum Raw {}

/// No body to read (`204 No Content`); any 2xx succeeds.
pub enum NoContent {}

impl<T: DeserializeOwned> Expect for Json<T> {
    type Output = T;

    fn read(operation: Operation, response: &HttpResponse) -> Result<T, Error> {
        decode_object(operation, response)
    }
}

impl<T: DeserializeOwned> Expect for JsonOrNoContent<T> {
    type Output = Option<T>;

    fn read(operation: Operation, response: &HttpResponse) -> Result<Option<T>, Error> {
        if response.status == StatusCode::NO_CONTENT || response.body.trim_ascii().is_empty() {
            return Ok(None);
        }
        decode_object(operation, response).map(Some)
    }
}

impl<T: DeserializeOwned> Expect for Paged<T> {
    type Output = Collection<T>;

    fn read(operation: Operation, response: &HttpResponse) -> Result<Collection<T>, Error> {
        decode_page(operation, response)
    }
}

impl Expect for Raw {
    type Output = Bytes;

    const ACCEPT: Accept = Accept::Stream;

    fn read(_: Operation, response: &HttpResponse) -> Result<Bytes, Error> {
        // A reference count, not a copy.
        Ok(response.body.clone())
    }
}

impl Expect for NoContent {
    type Output = ();

    fn read(_: Operation, _: &HttpResponse) -> Result<(), Error> {
        Ok(())
    }
}

/// One operation call, prepared: its operation, path, query options, headers and borrowed body.
///
/// - `E`: what the response holds ([`Json`], [`JsonOrNoContent`], [`Paged`], [`Raw`] or
///   [`NoContent`]);
/// - `O`: which query options the operation takes (a marker implementing [`options`] traits);
/// - `B`: the request body's type (`()` when the operation sends none).
///
/// Nothing is sent until the request is awaited; a request can be cloned and sent again.
///
/// A setter compiles only when the operation's marker allows it:
///
/// ```
/// use graph_runtime::{options, Client, Json, Method, Operation, Request, RequestPath};
///
/// enum SelectOnly {}
/// impl options::Select for SelectOnly {}
///
/// const GET_ME: Operation = Operation::new(Method::Get, "v1.0", "/me");
/// let client = Client::builder().build()?;
/// let request: Request<'static, Json<serde_json::Value>, SelectOnly> =
///     Request::new(&client, GET_ME, RequestPath::root().literal("me"));
/// assert_eq!(request.select(["id"]).query().to_query_string(), "$select=id");
/// # Ok::<(), graph_runtime::Error>(())
/// ```
///
/// ```compile_fail
/// # use graph_runtime::{options, Client, Json, Method, Operation, Request, RequestPath};
/// # enum SelectOnly {}
/// # impl options::Select for SelectOnly {}
/// # const GET_ME: Operation = Operation::new(Method::Get, "v1.0", "/me");
/// # let client = Client::builder().build()?;
/// let request: Request<'static, Json<serde_json::Value>, SelectOnly> =
///     Request::new(&client, GET_ME, RequestPath::root().literal("me"));
/// request.filter("id eq '1'"); // the page lists no `$filter`: error[E0277]
/// # Ok::<(), graph_runtime::Error>(())
/// ```
#[must_use = "a request does nothing until it is awaited"]
pub struct Request<'b, E, O = options::NoOptions, B: ?Sized = ()> {
    client: Client,
    operation: Operation,
    path: RequestPath,
    query: QueryOptions,
    headers: Headers,
    body: Option<&'b B>,
    /// The `@odata.type` the body is sent with unless its object names one ([`Request::body_type`]).
    body_type: Option<&'static str>,
    /// Why the function's parameters could not be written into the URL ([`Request::arguments`]):
    /// the request then fails with [`Error::InvalidArgument`] when sent, and nothing is sent.
    refused_arguments: Option<String>,
    /// `fn() -> (E, O)`: the request holds neither, so it is `Send` and `Sync` whatever they are.
    marker: PhantomData<fn() -> (E, O)>,
}

/// The headers set on one request: the valid ones, and the name of the first that was not.
#[derive(Debug, Clone, Default)]
struct Headers {
    valid: HeaderMap,
    invalid: Option<String>,
}

impl Headers {
    /// The headers to send, or the error for the first invalid one.
    fn checked(&self, operation: Operation) -> Result<&HeaderMap, Error> {
        match &self.invalid {
            Some(name) => Err(Error::InvalidHeader { operation, name: name.clone() }),
            None => Ok(&self.valid),
        }
    }
}

impl<E, O> Request<'static, E, O, ()> {
    /// A request without a body; generated methods call this, then [`Request::body`] if they send one.
    pub fn new(client: &Client, operation: Operation, path: RequestPath) -> Self {
        Request {
            client: client.clone(),
            operation,
            path,
            query: QueryOptions::new(),
            headers: Headers::default(),
            body: None,
            body_type: None,
            refused_arguments: None,
            marker: PhantomData,
        }
    }

    /// The same request with `parameters` sent in the URL, as OData functions take them:
    /// `…/getReport(period='D7',top=10)`, and a collection or an object by an alias in the query
    /// (`ids=@ids` with `@ids=["1","2"]`). Each member of the JSON object `parameters` serialises
    /// to is one parameter (a member left out is a parameter not given). A string is quoted, unless
    /// `bare` names it: a GUID, date, time or duration, which OData writes unquoted. Generated
    /// methods call this for a function whose page lists its parameters as a request body: a `GET`
    /// sends none. If the parameters cannot be written, sending fails with
    /// [`Error::InvalidArgument`] and nothing is sent.
    pub fn arguments<P: Serialize + ?Sized>(self, parameters: &P, bare: &[&str]) -> Self {
        match crate::arguments::function_call(parameters, bare) {
            Ok(call) => {
                let path = self.path.with_call_arguments(&call.arguments);
                let query = call
                    .aliases
                    .into_iter()
                    .fold(self.query, |query, (alias, json)| query.param(alias, json));
                Request { path, query, ..self }
            }
            Err(reason) => Request { refused_arguments: Some(reason), ..self },
        }
    }

    /// The same request with a JSON body, serialised when the request is sent.
    pub fn body<B: ?Sized>(self, body: &B) -> Request<'_, E, O, B> {
        self.retyped(Some(body))
    }
}

impl<'b, E, O, B: ?Sized> Request<'b, E, O, B> {
    /// The same request with its body's type named (`#microsoft.graph.windows10GeneralConfiguration`):
    /// sent as the body's `@odata.type` unless the body's JSON object names one. Generated methods
    /// call this where the page's body is of a type derived from the one the URL addresses (a
    /// `windows10GeneralConfiguration` sent to `deviceConfigurations`): OData reads a body as the
    /// URL's type, which lacks the derived type's properties, unless the body names its own.
    pub fn body_type(self, odata_type: &'static str) -> Self {
        Request { body_type: Some(odata_type), ..self }
    }

    /// The operation this request sends.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The path it sends to, percent-encoded, below the version segment.
    pub fn path(&self) -> &RequestPath {
        &self.path
    }

    /// The query options set so far.
    pub fn query(&self) -> &QueryOptions {
        &self.query
    }

    /// Adds a header to this request alone (and, for a list, to every page's request), e.g.
    /// `.header("ConsistencyLevel", "eventual")` with `$search` or `$count` on directory objects,
    /// `.header("If-Match", etag)`, or `.header("Prefer", "return=minimal")`; the operation's page
    /// says which headers it takes. A client default header of the same name is replaced for this
    /// request; the runtime's own (`Authorization`, `Accept`, `Content-Type`, `User-Agent`,
    /// `Retry-Attempt`) are always its own. Credential headers (`Authorization`, `Cookie`,
    /// `Proxy-Authorization`) are not sent after a redirect to another host. Values are hidden in
    /// `Debug` output. A name or value HTTP does not allow fails the request with
    /// [`Error::InvalidHeader`] when it is sent, and nothing is sent.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        match (HeaderName::try_from(name), HeaderValue::try_from(value.as_ref())) {
            (Ok(header), Ok(mut value)) => {
                value.set_sensitive(true);
                self.headers.valid.append(header, value);
            }
            _ => {
                self.headers.invalid.get_or_insert_with(|| name.to_owned());
            }
        }
        self
    }

    /// The headers set with [`Request::header`] so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers.valid
    }

    /// The same request with `body`, its response read as `E2`: the one place a request changes type.
    fn retyped<'c, E2, B2: ?Sized>(self, body: Option<&'c B2>) -> Request<'c, E2, O, B2> {
        Request {
            client: self.client,
            operation: self.operation,
            path: self.path,
            query: self.query,
            headers: self.headers,
            body,
            body_type: self.body_type,
            refused_arguments: self.refused_arguments,
            marker: PhantomData,
        }
    }

    fn with_query(mut self, set: impl FnOnce(QueryOptions) -> QueryOptions) -> Self {
        self.query = set(self.query);
        self
    }

    /// `$select`: the properties to return (adds to earlier calls).
    pub fn select<I, S>(self, properties: I) -> Self
    where
        O: options::Select,
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.with_query(|query| query.select(properties))
    }

    /// `$expand`: the navigation properties to include inline (adds to earlier calls).
    pub fn expand<I, S>(self, properties: I) -> Self
    where
        O: options::Expand,
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.with_query(|query| query.expand(properties))
    }

    /// `$filter`: an OData filter expression (see [`QueryOptions::filter`]).
    pub fn filter(self, expression: impl Into<String>) -> Self
    where
        O: options::Filter,
    {
        self.with_query(|query| query.filter(expression))
    }

    /// `$search`: a search expression, sent as given (see [`QueryOptions::search`]).
    pub fn search(self, expression: impl Into<String>) -> Self
    where
        O: options::Search,
    {
        self.with_query(|query| query.search(expression))
    }

    /// `$orderby`: sort keys, each a property optionally followed by ` asc` or ` desc` (adds to
    /// earlier calls).
    pub fn orderby<I, S>(self, keys: I) -> Self
    where
        O: options::OrderBy,
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.with_query(|query| query.orderby(keys))
    }

    /// `$top`: the page size.
    pub fn top(self, count: u32) -> Self
    where
        O: options::Top,
    {
        self.with_query(|query| query.top(count))
    }

    /// `$skip`: how many items to skip.
    pub fn skip(self, count: u32) -> Self
    where
        O: options::Skip,
    {
        self.with_query(|query| query.skip(count))
    }

    /// `$skiptoken`: a paging token (paging normally follows `@odata.nextLink`).
    pub fn skip_token(self, token: impl Into<String>) -> Self
    where
        O: options::SkipToken,
    {
        self.with_query(|query| query.skip_token(token))
    }

    /// `$count`: whether the response includes the total count.
    pub fn count(self, include: bool) -> Self
    where
        O: options::Count,
    {
        self.with_query(|query| query.count(include))
    }

    /// `$format`: the media type of the response.
    pub fn format(self, format: impl Into<String>) -> Self
    where
        O: options::Format,
    {
        self.with_query(|query| query.format(format))
    }

    /// A query parameter the page lists that is not an OData system option, sent by name (see
    /// [`QueryOptions::param`]).
    pub fn param(self, name: impl Into<String>, value: impl Into<String>) -> Self
    where
        O: options::Params,
    {
        self.with_query(|query| query.param(name, value))
    }

    /// The same request, its answer read as `F` instead of as its page documents it:
    /// `.read_as::<Json<serde_json::Value>>()`, or `Paged<serde_json::Value>` for a list, when the
    /// service sends what a model does not fit (an [`Error::Decode`] names the property), to read
    /// the answer anyway; `.read_as::<Raw>()` for its bytes; or a type of the caller's own. An
    /// operation narrowed to some `@odata.type`s ([`Operation::narrowed_to`]) still reads only those.
    pub fn read_as<F>(self) -> Request<'b, F, O, B> {
        let body = self.body;
        self.retyped(body)
    }

    /// Query options the operation's page does not list, set on [`QueryOptions`] itself, whatever
    /// the marker allows: `.unlisted_options(|query| query.filter("displayName eq 'A'").top(50))`.
    ///
    /// The setters above take only what the page documents, and a page may document less than its
    /// service accepts: none of the corpus's Intune list pages has an "Optional query parameters"
    /// section. Here the service decides: an option it does not support, it may refuse
    /// ([`crate::Error::Graph`], usually `400 Bad Request`) or ignore.
    pub fn unlisted_options(self, set: impl FnOnce(QueryOptions) -> QueryOptions) -> Self {
        self.with_query(set)
    }
}

impl<'b, T, O, B: ?Sized> Request<'b, Json<T>, O, B> {
    /// The same request, yielding `None` instead of failing when the service answers without a body
    /// (`204 No Content`, or an empty body), as [`JsonOrNoContent`] reads an update. For a create
    /// sent with `.header("Prefer", "return=minimal")`, or an action whose page documents a
    /// result the service leaves out; [`Request::response`] still gives the status and headers
    /// (a create's `Location`).
    pub fn allow_no_content(self) -> Request<'b, JsonOrNoContent<T>, O, B> {
        let body = self.body;
        self.retyped(body)
    }
}

impl<'b, E: Expect, O, B: Serialize + ?Sized> Request<'b, E, O, B> {
    /// Sends the request (through retries and redirects) and reads the response; for a list, the
    /// first page only. `.await` on the request does the same.
    pub async fn send(self) -> Result<E::Output, Error> {
        let operation = self.operation;
        let response = self.exchange().await?;
        E::read(operation, &response)
    }

    /// Sends the request as [`Request::send`] does and yields what it reads together with the
    /// successful response's status and headers: a create's `Location`, an `ETag`, the service's
    /// `request-id` (which Microsoft's support asks for), `Preference-Applied`.
    ///
    /// ```no_run
    /// # async fn example(request: graph_runtime::Request<'_, graph_runtime::Json<serde_json::Value>>)
    /// # -> Result<(), graph_runtime::Error> {
    /// let response = request.response().await?;
    /// let request_id = response.headers().get("request-id");
    /// let created: serde_json::Value = response.into_body();
    /// # Ok(()) }
    /// ```
    ///
    /// A failure is the same [`Error`] as `send`'s, whose [`GraphError`](crate::GraphError) has
    /// the failed response's headers.
    pub async fn response(self) -> Result<http::Response<E::Output>, Error> {
        let operation = self.operation;
        let answered = self.exchange().await?;
        let value = E::read(operation, &answered)?;
        let mut response = http::Response::new(value);
        *response.status_mut() = answered.status;
        *response.headers_mut() = answered.headers;
        Ok(response)
    }

    /// Sends the request through retries and redirects: the successful response, not yet read.
    async fn exchange(self) -> Result<HttpResponse, Error> {
        let headers = self.headers.checked(self.operation)?;
        if let Some(reason) = self.refused_arguments {
            return Err(Error::InvalidArgument { operation: self.operation, reason });
        }
        let body = self.body.map(|body| TypedBody { body, odata_type: self.body_type });
        self.client
            .send_request(self.operation, &self.path, &self.query, headers, E::ACCEPT, body.as_ref())
            .await
    }
}

impl<E, O, B: Serialize + ?Sized> Request<'_, E, O, B> {
    /// The request as one of a JSON batch's: its URL below the version root, its own headers and
    /// its body as JSON, or the error it would fail with if sent alone.
    pub(crate) fn into_batch_item(self) -> Result<crate::batch::Item, Error> {
        let operation = self.operation;
        let headers = self.headers.checked(operation)?.clone();
        if let Some(reason) = self.refused_arguments {
            return Err(Error::InvalidArgument { operation, reason });
        }
        let url = crate::request::version_relative_url(operation, &self.path, &self.query)?;
        let body = match self.body {
            Some(body) => Some(
                serde_json::to_value(TypedBody { body, odata_type: self.body_type })
                    .map_err(|source| Error::Encode { operation, source })?,
            ),
            None => None,
        };
        Ok(crate::batch::Item { operation, url, headers, body, after: Vec::new() })
    }
}

impl<'b, E, O, B> IntoFuture for Request<'b, E, O, B>
where
    E: Expect + 'b,
    O: 'b,
    B: Serialize + Sync + ?Sized,
{
    type Output = Result<E::Output, Error>;
    // Boxed because the `async fn`'s future has no name; one allocation next to an HTTP round trip.
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'b>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<T, O> Request<'static, Paged<T>, O, ()> {
    /// A lazy pager over the whole list: nothing is sent until the first page is asked for; each later
    /// page follows the previous page's `@odata.nextLink`.
    pub fn pager(self) -> Pager<T> {
        let Request { client, operation, path, query, headers, refused_arguments, .. } = self;
        let refusal = match (headers.invalid, refused_arguments) {
            (Some(name), _) => Error::InvalidHeader { operation, name },
            (None, Some(reason)) => Error::InvalidArgument { operation, reason },
            (None, None) => return client.pager_with_headers(operation, &path, &query, headers.valid),
        };
        Pager::new(client, operation, Err(refusal), HeaderMap::new())
    }
}

impl<T: DeserializeOwned + Send + 'static, O> Request<'static, Paged<T>, O, ()> {
    /// The items of the whole list, page after page, as a stream.
    pub fn items(self) -> ItemStream<T> {
        self.pager().items()
    }
}

/// A request's body as it is sent: with `odata_type` as its `@odata.type` unless it names one.
struct TypedBody<'b, B: ?Sized> {
    body: &'b B,
    odata_type: Option<&'static str>,
}

impl<B: Serialize + ?Sized> Serialize for TypedBody<'_, B> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.odata_type {
            Some(odata_type) => crate::odata::serialize_with_type(self.body, odata_type, serializer),
            None => self.body.serialize(serializer),
        }
    }
}

impl<E, O, B: ?Sized> Clone for Request<'_, E, O, B> {
    fn clone(&self) -> Self {
        Request {
            client: self.client.clone(),
            operation: self.operation,
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body,
            body_type: self.body_type,
            refused_arguments: self.refused_arguments.clone(),
            marker: PhantomData,
        }
    }
}

impl<E, O, B: ?Sized> fmt::Debug for Request<'_, E, O, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path's ids and the body are left out, as the tracing spans leave them out.
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("query", &self.query)
            .field("headers", &self.headers.valid)
            .field("has_body", &self.body.is_some())
            .finish_non_exhaustive()
    }
}
