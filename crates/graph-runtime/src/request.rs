//! Building requests, free of I/O: the URL of an operation and the headers of each attempt.

use bytes::Bytes;
use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, PROXY_AUTHORIZATION,
    USER_AGENT,
};

use crate::absolute_url::{is_dot_segment, AbsoluteUrl};
use crate::config::Config;
use crate::transport::HttpRequest;
use crate::{Accept, Error, Operation, QueryOptions, RequestPath};

/// The header that tells the service which retry this is (1 for the first retry), as the Graph SDKs send it.
pub const RETRY_ATTEMPT: HeaderName = HeaderName::from_static("retry-attempt");

/// Headers that carry credentials: never sent to a host other than the one the request was meant for.
const CREDENTIAL_HEADERS: [HeaderName; 3] = [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION];

/// Headers a request in a `$batch` does not carry from its own headers or the client's defaults. The
/// runtime's own are always its own, as in a request sent alone: the `$batch` request carries the
/// token, the user agent and what it accepts, and a body's `Content-Type` is set with the body.
/// `Proxy-Authorization` is for the proxy, which a batched request's headers never reach.
pub(crate) const NOT_BATCHED: [HeaderName; 6] =
    [AUTHORIZATION, ACCEPT, CONTENT_TYPE, USER_AGENT, RETRY_ATTEMPT, PROXY_AUTHORIZATION];

/// The URL of `operation` at `path` with `query`: `<base URL>/<version><path>[?<query>]`.
///
/// Fails without sending anything when a segment is `.` or `..`, even percent-encoded: servers and
/// proxies collapse those, so a caller-supplied id could address another resource.
pub(crate) fn operation_url(
    base_url: &AbsoluteUrl,
    operation: Operation,
    path: &RequestPath,
    query: &QueryOptions,
) -> Result<AbsoluteUrl, Error> {
    let invalid = || Error::InvalidPath { operation, path: path.as_str().to_owned() };
    check_path(operation, path)?;
    let base_path = base_url.path().trim_end_matches('/');
    let full_path = format!("{base_path}/{}{}", operation.version, path.as_str());
    // The query is encoded down to unreserved characters, so it goes on the wire byte for byte.
    let query = (!query.is_empty()).then(|| query.to_query_string());
    base_url.with_path_and_query(&full_path, query.as_deref()).map_err(|_| invalid())
}

/// A version's JSON batch endpoint, `<base>/<version>/$batch`: written here rather than as a
/// [`RequestPath`], which encodes `$` in a segment.
pub(crate) fn batch_url(base_url: &AbsoluteUrl, version: &str) -> Result<AbsoluteUrl, Error> {
    version_url(base_url, version, "/$batch")
}

/// `relative`, a URL below a version's root as a JSON batch names it (a path, and maybe a query),
/// made absolute: `<base>/<version><relative>`.
pub(crate) fn version_url(
    base_url: &AbsoluteUrl,
    version: &str,
    relative: &str,
) -> Result<AbsoluteUrl, Error> {
    let (path, query) = match relative.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (relative, None),
    };
    let path = format!("{}/{version}{path}", base_url.path().trim_end_matches('/'));
    base_url
        .with_path_and_query(&path, query)
        .map_err(|reason| Error::Config(format!("no URL for {relative:?} under the base URL: {reason}")))
}

/// An operation's URL relative to its version root, as a JSON batch names it:
/// `/deviceManagement/deviceConfigurations?$top=5`.
pub(crate) fn version_relative_url(
    operation: Operation,
    path: &RequestPath,
    query: &QueryOptions,
) -> Result<String, Error> {
    check_path(operation, path)?;
    Ok(match query.is_empty() {
        true => path.as_str().to_owned(),
        false => format!("{}?{}", path.as_str(), query.to_query_string()),
    })
}

/// Refuses a path with a `.` or `..` segment, which URL parsers collapse even percent-encoded.
fn check_path(operation: Operation, path: &RequestPath) -> Result<(), Error> {
    match path.as_str().split('/').any(is_dot_segment) {
        true => Err(Error::InvalidPath { operation, path: path.as_str().to_owned() }),
        false => Ok(()),
    }
}

/// Everything that varies between the hops and attempts of one request.
#[derive(Debug, Clone)]
pub(crate) struct Attempt<'a> {
    pub(crate) method: http::Method,
    pub(crate) url: AbsoluteUrl,
    /// `None` once a redirect has left the original origin.
    pub(crate) token: Option<&'a str>,
    pub(crate) body: Option<Bytes>,
    /// 0 for the first attempt, then the retry number.
    pub(crate) retry: u32,
}

/// The request for one attempt: default headers, replaced by the request's own headers of the same
/// name, then user agent, `Accept` as `accept` says, `Content-Type` when there is a body,
/// `Authorization` (marked sensitive) while the origin is unchanged, and `Retry-Attempt` on retries.
/// Credential headers, whoever set them, stay behind once a redirect has left the origin.
pub(crate) fn build(
    config: &Config,
    operation: Operation,
    request_headers: &HeaderMap,
    accept: Accept,
    attempt: Attempt<'_>,
) -> Result<HttpRequest, Error> {
    let mut headers = config.default_headers.clone();
    for name in request_headers.keys() {
        headers.remove(name);
    }
    for (name, value) in request_headers {
        headers.append(name, value.clone());
    }
    headers.insert(USER_AGENT, config.user_agent.clone());
    #[cfg(feature = "gzip")]
    headers.entry(http::header::ACCEPT_ENCODING).or_insert(crate::gzip::ACCEPTED);
    match accept {
        Accept::Json => {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        Accept::Stream => {
            headers
                .entry(ACCEPT)
                .or_insert(HeaderValue::from_static("application/octet-stream, application/json"));
        }
    }
    if attempt.body.is_some() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    } else {
        headers.remove(CONTENT_TYPE);
    }
    match attempt.token {
        Some(token) => {
            let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| Error::Auth {
                operation,
                // Deliberately says nothing about the token's content.
                source: "the token provider returned a token with characters not allowed in a header".into(),
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        None => {
            for name in CREDENTIAL_HEADERS {
                headers.remove(name);
            }
        }
    }
    if attempt.retry > 0 {
        headers.insert(RETRY_ATTEMPT, HeaderValue::from(attempt.retry));
    }
    Ok(HttpRequest {
        method: attempt.method,
        url: attempt.url.into_uri(),
        headers,
        body: attempt.body,
        timeout: config.timeout,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderMap;

    use super::*;
    use crate::config::{parse_base_url, RetryPolicy};
    use crate::Method;

    const CREATE: Operation =
        Operation::new(Method::Post, "beta", "/deviceManagement/items/{id}/assignments");

    fn config(base: &str) -> Config {
        let mut default_headers = HeaderMap::new();
        default_headers.insert("x-tenant-hint", HeaderValue::from_static("contoso"));
        default_headers.insert(COOKIE, HeaderValue::from_static("session=1"));
        Config {
            base_url: parse_base_url(base).unwrap(),
            timeout: Duration::from_secs(7),
            user_agent: HeaderValue::from_static("graph-runtime/test"),
            default_headers,
            retry: RetryPolicy::default(),
            max_redirects: 5,
        }
    }

    fn no_query() -> QueryOptions {
        QueryOptions::new()
    }

    fn item_path(id: &str) -> RequestPath {
        RequestPath::root().literal("deviceManagement").literal("items").param(id).literal("assignments")
    }

    #[test]
    fn the_url_is_base_then_version_then_encoded_path() {
        let url =
            operation_url(&config("http://127.0.0.1:9/").base_url, CREATE, &item_path("a/b?c"), &no_query())
                .unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/beta/deviceManagement/items/a%2Fb%3Fc/assignments");
        let proxied = operation_url(
            &config("https://proxy.example/graph/").base_url,
            CREATE,
            &RequestPath::root(),
            &no_query(),
        )
        .unwrap();
        assert_eq!(proxied.as_str(), "https://proxy.example/graph/beta");
    }

    #[test]
    fn query_options_follow_the_path_exactly_as_encoded() {
        let query = QueryOptions::new().select(["id", "displayName"]).filter("name eq 'a b'").top(3);
        let url =
            operation_url(&config("http://127.0.0.1:9").base_url, CREATE, &item_path("1"), &query).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/beta/deviceManagement/items/1/assignments\
             ?$select=id,displayName&$filter=name%20eq%20%27a%20b%27&$top=3"
        );
    }

    #[test]
    fn dot_segments_are_refused_instead_of_escaping_the_resource() {
        let base = config("http://127.0.0.1:9").base_url;
        for id in ["..", "."] {
            let error = operation_url(&base, CREATE, &item_path(id), &no_query()).unwrap_err();
            assert!(matches!(error, Error::InvalidPath { .. }), "{id}: {error}");
        }
        assert!(operation_url(&base, CREATE, &item_path("..."), &no_query()).is_ok());
    }

    #[test]
    fn a_first_attempt_carries_auth_json_headers_and_defaults_but_no_retry_attempt() {
        let config = config("http://127.0.0.1:9");
        let url = operation_url(&config.base_url, CREATE, &item_path("1"), &no_query()).unwrap();
        let body = Bytes::from_static(b"{\"a\":1}");
        let request = build(
            &config,
            CREATE,
            &HeaderMap::new(),
            Accept::Json,
            Attempt {
                method: http::Method::POST,
                url,
                token: Some("t0k"),
                body: Some(body.clone()),
                retry: 0,
            },
        )
        .unwrap();
        assert_eq!(request.headers[AUTHORIZATION], "Bearer t0k");
        assert_eq!(request.headers[CONTENT_TYPE], "application/json");
        assert_eq!(request.headers[ACCEPT], "application/json");
        assert_eq!(request.headers[USER_AGENT], "graph-runtime/test");
        assert_eq!(request.headers["x-tenant-hint"], "contoso");
        assert!(request.headers.get(RETRY_ATTEMPT).is_none());
        assert_eq!(request.body, Some(body));
        assert_eq!(request.timeout, Duration::from_secs(7));
        let debug = format!("{request:?}");
        assert!(!debug.contains("t0k"), "{debug}");
    }

    #[test]
    fn a_cross_origin_retry_has_no_credentials_and_says_which_retry_it_is() {
        let config = config("http://127.0.0.1:9");
        let url = AbsoluteUrl::parse("http://other.example/x").unwrap();
        let request = build(
            &config,
            CREATE,
            &HeaderMap::new(),
            Accept::Json,
            Attempt { method: http::Method::GET, url, token: None, body: None, retry: 2 },
        )
        .unwrap();
        assert!(request.headers.get(AUTHORIZATION).is_none());
        assert!(request.headers.get(COOKIE).is_none());
        assert!(request.headers.get(CONTENT_TYPE).is_none());
        assert_eq!(request.headers[RETRY_ATTEMPT], "2");
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_an_auth_error_that_does_not_quote_it() {
        let config = config("http://127.0.0.1:9");
        let url = AbsoluteUrl::parse("http://127.0.0.1:9/x").unwrap();
        let attempt =
            Attempt { method: http::Method::GET, url, token: Some("secret\nvalue"), body: None, retry: 0 };
        let error = build(&config, CREATE, &HeaderMap::new(), Accept::Json, attempt).unwrap_err();
        assert!(matches!(error, Error::Auth { .. }));
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    fn request_headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn request_headers_replace_defaults_of_the_same_name_but_not_the_runtimes_own() {
        let config = config("http://127.0.0.1:9");
        let url = AbsoluteUrl::parse("http://127.0.0.1:9/x").unwrap();
        let headers = request_headers(&[
            ("x-tenant-hint", "fabrikam"),
            ("prefer", "return=minimal"),
            ("prefer", "respond-async"),
            ("consistencylevel", "eventual"),
            ("accept", "text/plain"),
            ("authorization", "Bearer not-this-one"),
        ]);
        let attempt = Attempt { method: http::Method::GET, url, token: Some("t0k"), body: None, retry: 0 };
        let request = build(&config, CREATE, &headers, Accept::Json, attempt).unwrap();
        let values = |name: &str| -> Vec<&str> {
            request.headers.get_all(name).iter().map(|value| value.to_str().unwrap()).collect()
        };
        assert_eq!(values("x-tenant-hint"), ["fabrikam"]);
        assert_eq!(values("prefer"), ["return=minimal", "respond-async"]);
        assert_eq!(values("consistencylevel"), ["eventual"]);
        assert_eq!(values("accept"), ["application/json"]);
        assert_eq!(values("authorization"), ["Bearer t0k"]);
        // Defaults no request header names are still sent.
        assert_eq!(values("cookie"), ["session=1"]);
    }

    #[test]
    fn a_stream_asks_for_bytes_or_a_json_error_unless_the_request_names_a_media_type() {
        let config = config("http://127.0.0.1:9");
        let accept = |pairs: &[(&'static str, &'static str)]| {
            let url = AbsoluteUrl::parse("http://127.0.0.1:9/x").unwrap();
            let attempt = Attempt { method: http::Method::POST, url, token: None, body: None, retry: 0 };
            let request = build(&config, CREATE, &request_headers(pairs), Accept::Stream, attempt).unwrap();
            let values: Vec<String> = request
                .headers
                .get_all(ACCEPT)
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            values
        };
        assert_eq!(accept(&[]), ["application/octet-stream, application/json"]);
        assert_eq!(accept(&[("accept", "text/csv")]), ["text/csv"]);
    }

    #[test]
    fn credential_headers_set_on_the_request_stay_behind_on_another_origin() {
        let config = config("http://127.0.0.1:9");
        let url = AbsoluteUrl::parse("http://other.example/x").unwrap();
        let headers = request_headers(&[("cookie", "mine=1"), ("if-match", "W/\"1\"")]);
        let attempt = Attempt { method: http::Method::GET, url, token: None, body: None, retry: 0 };
        let request = build(&config, CREATE, &headers, Accept::Json, attempt).unwrap();
        assert!(request.headers.get(COOKIE).is_none());
        assert_eq!(request.headers["if-match"], "W/\"1\"");
    }
}
