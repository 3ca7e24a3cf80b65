//! The errors every generated operation returns, with the typed Microsoft Graph error body.
//!
//! Every message is one line naming the operation, so a log line says what failed and why without
//! the caller adding context. No message contains a token, a request body or a redirect URL's query.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::odata::ObjectReader;
use crate::transport::{HttpResponse, TransportError};
use crate::Operation;

/// How many characters of a body an error keeps for its message.
const BODY_START_CHARS: usize = 200;

/// Why a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is invalid (base URL, header name or value).
    Config(String),
    /// The request path would not reach the resource it names: a parameter equal to `.` or `..`
    /// cannot be one URL segment (URL parsers collapse it even percent-encoded), so nothing was sent.
    InvalidPath {
        /// The operation.
        operation: Operation,
        /// The encoded path that was refused.
        path: String,
    },
    /// A header set on the request with [`crate::Request::header`] has a name or value that cannot
    /// be sent, so nothing was.
    InvalidHeader {
        /// The operation.
        operation: Operation,
        /// The header's name as given (its value is never shown: it may be a credential).
        name: String,
    },
    /// A function's parameters could not be written into its URL (see [`crate::Request::arguments`]),
    /// so nothing was sent.
    InvalidArgument {
        /// The operation.
        operation: Operation,
        /// Why not.
        reason: String,
    },
    /// The token provider failed, or returned a token that cannot be sent in a header.
    Auth {
        /// The operation.
        operation: Operation,
        /// The provider's error.
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The request body could not be serialised.
    Encode {
        /// The operation.
        operation: Operation,
        /// The serialiser's error.
        source: serde_json::Error,
    },
    /// The request could not be sent or the response could not be read (timeout, refused, reset).
    Transport {
        /// The operation.
        operation: Operation,
        /// Attempts made, the failed one included.
        attempts: u32,
        /// What went wrong.
        source: TransportError,
    },
    /// The service answered with an error status (4xx, 5xx, or a 3xx that was not followed).
    Graph(Box<GraphError>),
    /// A success response whose body does not match the expected type.
    Decode(Box<DecodeError>),
    /// A redirect could not be followed: too many, or a `Location` that is missing or not http(s).
    Redirect {
        /// The operation.
        operation: Operation,
        /// The redirect's status (`302`, …), which [`Error::status`] gives too.
        status: StatusCode,
        /// Its `Location` as the service wrote it, if it gave one: a caller who stopped redirects
        /// ([`crate::ClientBuilder::max_redirects`] of 0) can follow it itself.
        location: Option<String>,
        /// Why the redirect was not followed.
        reason: String,
    },
    /// A request added to a [`crate::Batch`] got no answer of its own: the `$batch` request carrying
    /// it failed (`source`, that request's error, shared by every request it carried), or the
    /// batch's answer left it out or could not be read, or it cannot be batched (a stream), or a
    /// request it was to follow ([`crate::Batch::add_after`]) failed, so it was not sent.
    Batch {
        /// The batched request's operation (or `POST /$batch`'s, when the batch's answer is unreadable).
        operation: Operation,
        /// What became of it.
        reason: String,
        /// The `$batch` request's own error.
        source: Option<Arc<Error>>,
    },
    /// A request to Azure Storage by a signed URL ([`crate::BlobUpload`], [`crate::BlobDownload`])
    /// failed: Azure Storage refused it (its status and error code, as `x-ms-error-code` gives it) or
    /// could not be reached within the retry policy, an upload's content could not be read or
    /// renewing its URL failed, a download's blob changed or its bytes could not be written. An
    /// upload's blocks sent before it stay uncommitted, and Azure Storage discards them within a
    /// week; a download's bytes written before it stay written.
    Storage {
        /// The request that failed, as Azure Storage names its operations: `Put Block 3` (the third
        /// block), `Put Block List`, `Get Blob, bytes 0-8388607`, `Get Blob`.
        step: String,
        /// Azure Storage's status, when it answered.
        status: Option<StatusCode>,
        /// Why.
        reason: String,
        /// The error underneath: the transport's, reading the content's, or renewing the URL's.
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    /// A list's `@odata.nextLink` was not followed: it points to another origin than the client's
    /// base URL (the token must not go there), it repeats a page already fetched (a loop), it is not
    /// a URL, or the pager's page limit was reached. The pages before it were delivered.
    Paging {
        /// The list operation.
        operation: Operation,
        /// Pages received before paging stopped.
        pages: u32,
        /// Why the next page was not fetched.
        reason: String,
    },
}

impl Error {
    /// The HTTP status of the response this error came from, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Graph(error) => Some(error.status),
            Error::Decode(error) => Some(error.status),
            Error::Batch { source: Some(source), .. } => source.status(),
            Error::Storage { status, .. } => *status,
            Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the exchange took longer than the configured timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.kind() == crate::transport::TransportErrorKind::Timeout)
    }

    /// The typed Graph error, when the service answered with an error status.
    pub fn as_graph(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(message) => write!(f, "invalid client configuration: {message}"),
            Error::InvalidPath { operation, path } => write!(
                f,
                "{operation}: path {path:?} was not sent: a `.` or `..` parameter would change the resource it names"
            ),
            Error::InvalidHeader { operation, name } => {
                write!(f, "{operation}: header {name:?} was not sent: its name or value is not valid in HTTP")
            }
            Error::InvalidArgument { operation, reason } => {
                write!(f, "{operation}: the function's parameters were not sent: {reason}")
            }
            Error::Auth { operation, source } => write!(f, "{operation}: could not get an access token: {source}"),
            Error::Encode { operation, source } => {
                write!(f, "{operation}: request body could not be serialised: {source}")
            }
            Error::Transport { operation, attempts, source } => {
                write!(f, "{operation}: {source}{}", Attempts(*attempts))
            }
            Error::Graph(error) => error.fmt(f),
            Error::Decode(error) => error.fmt(f),
            Error::Redirect { operation, status, reason, .. } => {
                write!(f, "{operation}: {} redirect not followed: {reason}", status.as_u16())
            }
            Error::Paging { operation, pages, reason } => {
                write!(f, "{operation}: paging stopped after {pages} page(s): {reason}")
            }
            Error::Batch { operation, reason, source } => {
                write!(f, "{operation}: batched: {reason}")?;
                match source {
                    Some(source) => write!(f, ": {source}"),
                    None => Ok(()),
                }
            }
            Error::Storage { step, reason, source, .. } => {
                write!(f, "Azure Storage, {step}: {reason}")?;
                match source {
                    Some(source) => write!(f, ": {source}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Auth { source, .. } => Some(&**source),
            Error::Encode { source, .. } => Some(source),
            Error::Transport { source, .. } => Some(source),
            Error::Batch { source: Some(source), .. } => Some(&**source),
            Error::Storage { source: Some(source), .. } => Some(&**source),
            _ => None,
        }
    }
}

/// Formats `, after N attempts` when there was more than one.
struct Attempts(u32);

impl fmt::Display for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 {
            write!(f, " (gave up after {} attempts)", self.0)
        } else {
            Ok(())
        }
    }
}

/// An error response from Microsoft Graph: the status, the headers, the parsed error body when it
/// is one, and always the raw body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GraphError {
    /// The operation that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The parsed `error` object, when the body is a Graph error body.
    pub body: Option<GraphErrorBody>,
    /// The raw body as text (lossy UTF-8), kept whether or not it parsed.
    pub raw_body: String,
    /// Attempts made, the last one included.
    pub attempts: u32,
}

/// The `error` object of a Graph error response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GraphErrorBody {
    /// A machine-readable code, e.g. `Request_ResourceNotFound`.
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// The target of the error, when the service names one.
    pub target: Option<String>,
    /// The service's diagnostic details (`innerError`, any casing Graph uses).
    pub inner_error: Option<InnerError>,
    /// Further errors, e.g. one per invalid property.
    pub details: Vec<ErrorDetail>,
}

/// Diagnostic details of a Graph error: what to quote to Microsoft support.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InnerError {
    /// The request id the service assigned.
    pub request_id: Option<String>,
    /// The `client-request-id` the request carried, echoed back.
    pub client_request_id: Option<String>,
    /// When the service handled the request.
    pub date: Option<String>,
    /// Any other members (`code`, nested `innerError`, …), kept as they came.
    pub additional_properties: Map<String, Value>,
}

/// One entry of a Graph error's `details`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// A machine-readable code.
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// The target of this detail, e.g. a property name.
    pub target: Option<String>,
}

// Read by hand through `ObjectReader`, like the generated models: the runtime links no derive macro,
// so a from-scratch build of a client compiles no serde_derive (and its syn) for it. Absent or
// `null` members take their defaults; a member of the wrong type makes the whole body unparsed (kept
// raw in `raw_body`).

impl<'de> Deserialize<'de> for GraphErrorBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut object = ObjectReader::new(deserializer)?;
        let inner_error = match object.take("innerError")? {
            Some(inner) => Some(inner),
            // The casings Graph services use besides `innerError`.
            None => match object.take("innererror")? {
                Some(inner) => Some(inner),
                None => object.take("InnerError")?,
            },
        };
        Ok(GraphErrorBody {
            code: object.take("code")?.unwrap_or_default(),
            message: object.take("message")?.unwrap_or_default(),
            target: object.take("target")?,
            inner_error,
            details: object.take("details")?.unwrap_or_default(),
        })
    }
}

impl<'de> Deserialize<'de> for InnerError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut object = ObjectReader::new(deserializer)?;
        Ok(InnerError {
            request_id: object.take("request-id")?,
            client_request_id: object.take("client-request-id")?,
            date: object.take("date")?,
            additional_properties: object.rest(),
        })
    }
}

impl<'de> Deserialize<'de> for ErrorDetail {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut object = ObjectReader::new(deserializer)?;
        Ok(ErrorDetail {
            code: object.take("code")?.unwrap_or_default(),
            message: object.take("message")?.unwrap_or_default(),
            target: object.take("target")?,
        })
    }
}

/// The `{"error": {…}}` envelope of an error response.
fn error_body(body: &[u8]) -> Option<GraphErrorBody> {
    let mut envelope: Map<String, Value> = serde_json::from_slice(body).ok()?;
    serde_json::from_value(envelope.remove("error")?).ok()
}

impl GraphError {
    /// Interprets an error response; never fails: a body that is not a Graph error is kept raw.
    pub fn from_response(
        operation: Operation,
        status: StatusCode,
        headers: HeaderMap,
        body: &[u8],
        attempts: u32,
    ) -> GraphError {
        let parsed = error_body(body);
        GraphError {
            operation,
            status,
            headers,
            body: parsed,
            raw_body: String::from_utf8_lossy(body).into_owned(),
            attempts,
        }
    }

    /// The Graph error code, when the body had one.
    pub fn code(&self) -> Option<&str> {
        self.body.as_ref().map(|body| body.code.as_str()).filter(|code| !code.is_empty())
    }

    /// The Graph error message, when the body had one.
    pub fn message(&self) -> Option<&str> {
        self.body.as_ref().map(|body| body.message.as_str()).filter(|message| !message.is_empty())
    }

    /// The service's request id: from `innerError`, else from the `request-id` response header.
    pub fn request_id(&self) -> Option<&str> {
        self.inner_error()
            .and_then(|inner| inner.request_id.as_deref())
            .or_else(|| header_text(&self.headers, "request-id"))
    }

    /// The echoed `client-request-id`: from `innerError`, else from the response header.
    pub fn client_request_id(&self) -> Option<&str> {
        self.inner_error()
            .and_then(|inner| inner.client_request_id.as_deref())
            .or_else(|| header_text(&self.headers, "client-request-id"))
    }

    /// When the service handled the request, from `innerError`.
    pub fn date(&self) -> Option<&str> {
        self.inner_error().and_then(|inner| inner.date.as_deref())
    }

    /// The error's `details`, empty when there are none.
    pub fn details(&self) -> &[ErrorDetail] {
        self.body.as_ref().map_or(&[], |body| body.details.as_slice())
    }

    /// The claims a `401`'s claims challenge asks the next token to satisfy (its `WWW-Authenticate:
    /// Bearer error="insufficient_claims", claims="…"`), as a JSON object: for an application whose
    /// [`crate::TokenProvider`] could not answer the challenge itself, to ask its own token
    /// service for a token with them (OAuth's `claims` parameter). `None` for any other error.
    pub fn claims_challenge(&self) -> Option<String> {
        match self.status {
            StatusCode::UNAUTHORIZED => crate::auth::challenge::claims(&self.headers),
            _ => None,
        }
    }

    fn inner_error(&self) -> Option<&InnerError> {
        self.body.as_ref().and_then(|body| body.inner_error.as_ref())
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        match (self.code(), self.message()) {
            (Some(code), Some(message)) => write!(f, ": {code}: {}", OneLine(message))?,
            (Some(code), None) => write!(f, ": {code}")?,
            (None, Some(message)) => write!(f, ": {}", OneLine(message))?,
            (None, None) if self.raw_body.trim().is_empty() => f.write_str(" (empty body)")?,
            (None, None) => write!(f, ": body starts {:?}", body_start(&self.raw_body))?,
        }
        if let Some(request_id) = self.request_id() {
            write!(f, " (request-id {request_id})")?;
        }
        write!(f, "{}", Attempts(self.attempts))
    }
}

impl StdError for GraphError {}

/// A success response whose body does not match the expected type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation.
    pub operation: Operation,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The Rust type that was expected.
    pub type_name: &'static str,
    /// The JSON path where decoding failed, e.g. `target.groupId` (`.` for the top level).
    pub path: String,
    /// The decoder's message.
    pub message: String,
    /// The first characters of the body.
    pub body_start: String,
    /// The service's request id, from the `request-id` response header.
    pub request_id: Option<String>,
}

/// Why a response without a body fails to decode, and what takes one: a generated method's request
/// (`Request`) and a caller of `Client::send_json` have different ways, so both are named.
const NO_BODY: &str = "the response has no body (a request's `.allow_no_content()` reads that as `None`; \
                       `Client::send_no_content` sends a call whose success has none)";

impl DecodeError {
    /// Decodes `body` as `R`, or says which type and JSON path failed and how the body starts.
    pub fn decode<R: serde::de::DeserializeOwned>(
        operation: Operation,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<R, Box<DecodeError>> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let decoded = serde_path_to_error::deserialize::<_, R>(&mut deserializer)
            .map_err(|error| (error.path().to_string(), error.into_inner()))
            // Trailing characters after a complete value are an error at the top level.
            .and_then(|value| deserializer.end().map(|()| value).map_err(|error| (".".to_owned(), error)));
        decoded.map_err(|(path, error)| {
            // serde_json's "EOF while parsing a value at line 1 column 0" says less, and not what to do.
            let message = match body.trim_ascii().is_empty() {
                true => NO_BODY.to_owned(),
                false => error.to_string(),
            };
            DecodeError::at::<R>(operation, status, headers, body, path, message)
        })
    }

    /// Decodes `value`, the JSON of `response`'s body, as `R`.
    pub(crate) fn decode_value<R: serde::de::DeserializeOwned>(
        operation: Operation,
        response: &HttpResponse,
        value: Value,
    ) -> Result<R, Box<DecodeError>> {
        serde_path_to_error::deserialize::<_, R>(value).map_err(|error| {
            let path = error.path().to_string();
            let (status, headers, body) = (response.status, &response.headers, &response.body);
            DecodeError::at::<R>(operation, status, headers, body, path, error.into_inner().to_string())
        })
    }

    /// An object of type `found` that `operation`, narrowed to other types, does not read.
    pub(crate) fn other_type<R>(
        operation: Operation,
        response: &HttpResponse,
        found: &str,
    ) -> Box<DecodeError> {
        let read = operation.narrowed_to.first().copied().unwrap_or_default();
        let message = format!(
            "the object's type is `{found}`, which this operation does not read: its path answers other \
             types too, and the operation reads `{read}` and the types derived from it"
        );
        let (status, headers, body) = (response.status, &response.headers, &response.body);
        DecodeError::at::<R>(operation, status, headers, body, "@odata.type".to_owned(), message)
    }

    fn at<R>(
        operation: Operation,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        path: String,
        message: String,
    ) -> Box<DecodeError> {
        Box::new(DecodeError {
            operation,
            status,
            type_name: std::any::type_name::<R>(),
            path,
            message,
            body_start: body_start(&String::from_utf8_lossy(body)),
            request_id: header_text(headers, "request-id").map(str::to_owned),
        })
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} response is not a valid `{}`: at `{}`: {}; body starts {:?}",
            self.operation, self.status, self.type_name, self.path, self.message, self.body_start
        )?;
        if let Some(request_id) = &self.request_id {
            write!(f, " (request-id {request_id})")?;
        }
        Ok(())
    }
}

impl StdError for DecodeError {}

/// The value of header `name` when it is visible ASCII.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok()).filter(|value| !value.is_empty())
}

/// The first characters of a body, marked with `…` when cut.
fn body_start(text: &str) -> String {
    let mut start: String = text.chars().take(BODY_START_CHARS).collect();
    if text.chars().nth(BODY_START_CHARS).is_some() {
        start.push('…');
    }
    start
}

/// Displays text with every run of whitespace (newlines included) as one space.
struct OneLine<'a>(&'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words = self.0.split_whitespace();
        if let Some(first) = words.next() {
            f.write_str(first)?;
        }
        for word in words {
            write!(f, " {word}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;

    const OPERATION: Operation = Operation::new(Method::Post, "beta", "/items/{id}/assign");

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, http::HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_graph_error_body_is_parsed_with_inner_error_and_details() {
        let body = br#"{"error":{"code":"Request_BadRequest","message":"Invalid value\nfor property.",
            "innerError":{"request-id":"rid-1","client-request-id":"cid-1","date":"2024-01-01T00:00:00"},
            "details":[{"code":"InvalidValue","message":"groupId is not a GUID","target":"groupId"}]}}"#;
        let error = GraphError::from_response(OPERATION, StatusCode::BAD_REQUEST, HeaderMap::new(), body, 1);
        assert_eq!(error.code(), Some("Request_BadRequest"));
        assert_eq!(error.request_id(), Some("rid-1"));
        assert_eq!(error.client_request_id(), Some("cid-1"));
        assert_eq!(error.date(), Some("2024-01-01T00:00:00"));
        assert_eq!(error.details().len(), 1);
        assert_eq!(error.details()[0].target.as_deref(), Some("groupId"));
        assert_eq!(
            error.to_string(),
            "POST /beta/items/{id}/assign: HTTP 400 Bad Request: Request_BadRequest: Invalid value for property. \
             (request-id rid-1)"
        );
    }

    #[test]
    fn lowercase_innererror_is_accepted_and_the_header_request_id_is_the_fallback() {
        let body = br#"{"error":{"code":"x","message":"y","innererror":{"date":"d"}}}"#;
        let error = GraphError::from_response(
            OPERATION,
            StatusCode::NOT_FOUND,
            headers(&[("request-id", "from-header")]),
            body,
            2,
        );
        assert_eq!(error.date(), Some("d"));
        assert_eq!(error.request_id(), Some("from-header"));
        assert!(error.to_string().ends_with("(request-id from-header) (gave up after 2 attempts)"));
    }

    #[test]
    fn a_body_that_is_not_a_graph_error_is_kept_raw_and_quoted() {
        let error = GraphError::from_response(
            OPERATION,
            StatusCode::BAD_GATEWAY,
            HeaderMap::new(),
            b"<html>upstream died</html>",
            1,
        );
        assert!(error.body.is_none());
        assert_eq!(error.raw_body, "<html>upstream died</html>");
        assert_eq!(
            error.to_string(),
            "POST /beta/items/{id}/assign: HTTP 502 Bad Gateway: body starts \"<html>upstream died</html>\""
        );
        let empty =
            GraphError::from_response(OPERATION, StatusCode::SERVICE_UNAVAILABLE, HeaderMap::new(), b"", 4);
        assert_eq!(
            empty.to_string(),
            "POST /beta/items/{id}/assign: HTTP 503 Service Unavailable (empty body) (gave up after 4 attempts)"
        );
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Assignment {
        id: String,
        target: Target,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Target {
        #[serde(rename = "groupId")]
        group_id: String,
    }

    #[test]
    fn a_decode_error_names_the_type_the_json_path_and_the_body_start() {
        let body = br#"{"id":"a","target":{"groupId":5}}"#;
        let error =
            DecodeError::decode::<Assignment>(OPERATION, StatusCode::CREATED, &HeaderMap::new(), body)
                .unwrap_err();
        assert_eq!(error.path, "target.groupId");
        assert!(error.type_name.ends_with("Assignment"), "{}", error.type_name);
        let message = error.to_string();
        assert!(message.contains("at `target.groupId`: invalid type: integer `5`"), "{message}");
        assert!(message.contains(r#"body starts "{\"id\":\"a\""#), "{message}");
    }

    #[test]
    fn a_missing_body_is_reported_as_missing() {
        for body in [&b""[..], b" \r\n"] {
            let error =
                DecodeError::decode::<Value>(OPERATION, StatusCode::NO_CONTENT, &HeaderMap::new(), body)
                    .unwrap_err();
            assert_eq!(error.message, NO_BODY);
            assert!(error.to_string().contains("`.allow_no_content()`"), "{error}");
            assert!(error.to_string().contains("HTTP 204 No Content response is not a valid"), "{error}");
        }
    }

    #[test]
    fn trailing_garbage_and_long_bodies_are_reported_without_panicking() {
        let trailing = DecodeError::decode::<Value>(OPERATION, StatusCode::OK, &HeaderMap::new(), b"{} x");
        assert!(trailing.unwrap_err().message.contains("trailing characters"));
        let long = format!("[{}", "é".repeat(500));
        let error =
            DecodeError::decode::<Value>(OPERATION, StatusCode::OK, &HeaderMap::new(), long.as_bytes())
                .unwrap_err();
        assert_eq!(error.body_start.chars().count(), BODY_START_CHARS + 1);
        assert!(error.body_start.ends_with('…'));
    }
}
