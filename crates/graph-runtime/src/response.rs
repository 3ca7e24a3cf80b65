//! Interpreting responses, free of I/O: success, retry (and how long to wait), redirect (and where), or failure.

use std::time::{Duration, SystemTime};

use http::header::{LOCATION, RETRY_AFTER};
use http::{HeaderMap, StatusCode};

use crate::absolute_url::AbsoluteUrl;

/// What the client does with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// 2xx: hand the body to the caller.
    Success,
    /// 429, 503, 504: the service asks to come back later.
    Retry,
    /// 301, 302, 303, 307, 308: look at `Location`.
    Redirect,
    /// Anything else: an error for the caller.
    Failure,
}

/// Sorts a status into what the client does next.
pub(crate) fn classify(status: StatusCode) -> Outcome {
    match status.as_u16() {
        200..=299 => Outcome::Success,
        429 | 503 | 504 => Outcome::Retry,
        301 | 302 | 303 | 307 | 308 => Outcome::Redirect,
        _ => Outcome::Failure,
    }
}

/// The wait a `Retry-After` header asks for: whole seconds, or an HTTP date (a date in the past means
/// now). `None` when the header is absent or unreadable, so backoff applies instead. Seconds too many
/// for a `u64` are the longest wait there is (RFC 9111 §1.2.2 reads an overflowing delta so), which
/// no retry budget allows: a server asking for a very long wait is not asked again at once.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Some(text.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Where and how a redirect continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RedirectHop {
    pub(crate) url: AbsoluteUrl,
    pub(crate) method: http::Method,
    /// 303 turns the request into a body-less GET; the others resend method and body unchanged.
    pub(crate) keep_body: bool,
    /// The scheme, host or port differs from the URL that was redirected: credentials must be dropped.
    pub(crate) cross_origin: bool,
}

/// The next hop of a redirect from `from`, or why it cannot be followed.
pub(crate) fn redirect_hop(
    from: &AbsoluteUrl,
    method: &http::Method,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<RedirectHop, String> {
    let location = headers
        .get(LOCATION)
        .ok_or_else(|| format!("HTTP {status} without a Location header"))?
        .to_str()
        .map_err(|_| format!("HTTP {status} with a Location that is not text"))?;
    let url = from.join(location).map_err(|e| format!("HTTP {status} with an unusable Location: {e}"))?;
    let see_other = status == StatusCode::SEE_OTHER && *method != http::Method::HEAD;
    Ok(RedirectHop {
        cross_origin: url.origin() != from.origin(),
        method: if see_other { http::Method::GET } else { method.clone() },
        keep_body: !see_other,
        url,
    })
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(name: http::header::HeaderName, value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, HeaderValue::from_static(value));
        map
    }

    #[test]
    fn statuses_sort_into_success_retry_redirect_and_failure() {
        assert_eq!(classify(StatusCode::CREATED), Outcome::Success);
        assert_eq!(classify(StatusCode::NO_CONTENT), Outcome::Success);
        assert_eq!(classify(StatusCode::TOO_MANY_REQUESTS), Outcome::Retry);
        assert_eq!(classify(StatusCode::SERVICE_UNAVAILABLE), Outcome::Retry);
        assert_eq!(classify(StatusCode::GATEWAY_TIMEOUT), Outcome::Retry);
        assert_eq!(classify(StatusCode::INTERNAL_SERVER_ERROR), Outcome::Failure);
        assert_eq!(classify(StatusCode::TEMPORARY_REDIRECT), Outcome::Redirect);
        assert_eq!(classify(StatusCode::NOT_MODIFIED), Outcome::Failure);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(retry_after(&headers(RETRY_AFTER, " 7 "), now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(&headers(RETRY_AFTER, "Sun, 06 Nov 1994 08:49:40 GMT"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(RETRY_AFTER, "Sun, 06 Nov 1994 08:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(RETRY_AFTER, "soon"), now), None);
        assert_eq!(retry_after(&headers(RETRY_AFTER, "-1"), now), None);
        assert_eq!(retry_after(&headers(RETRY_AFTER, "99999999999999999999"), now), Some(Duration::MAX));
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn a_relative_redirect_stays_same_origin_and_keeps_method_and_body() {
        let from = AbsoluteUrl::parse("https://graph.example/v1.0/a/b").unwrap();
        let hop = redirect_hop(
            &from,
            &http::Method::POST,
            StatusCode::TEMPORARY_REDIRECT,
            &headers(LOCATION, "../c"),
        )
        .unwrap();
        assert_eq!(hop.url.to_string(), "https://graph.example/v1.0/c");
        assert_eq!(hop.method, http::Method::POST);
        assert!(hop.keep_body);
        assert!(!hop.cross_origin);
    }

    #[test]
    fn another_host_port_or_scheme_is_cross_origin() {
        let from = AbsoluteUrl::parse("https://graph.example/x").unwrap();
        for location in ["https://files.example/x", "https://graph.example:8443/x", "http://graph.example/x"]
        {
            let hop =
                redirect_hop(&from, &http::Method::GET, StatusCode::FOUND, &headers(LOCATION, location))
                    .unwrap();
            assert!(hop.cross_origin, "{location}");
        }
    }

    #[test]
    fn see_other_becomes_a_get_without_body() {
        let from = AbsoluteUrl::parse("https://graph.example/x").unwrap();
        let hop =
            redirect_hop(&from, &http::Method::POST, StatusCode::SEE_OTHER, &headers(LOCATION, "/done"))
                .unwrap();
        assert_eq!(hop.method, http::Method::GET);
        assert!(!hop.keep_body);
    }

    #[test]
    fn unusable_locations_are_reported() {
        let from = AbsoluteUrl::parse("https://graph.example/x").unwrap();
        let missing =
            redirect_hop(&from, &http::Method::GET, StatusCode::FOUND, &HeaderMap::new()).unwrap_err();
        assert!(missing.contains("without a Location"), "{missing}");
        let file = redirect_hop(
            &from,
            &http::Method::GET,
            StatusCode::FOUND,
            &headers(LOCATION, "file:///etc/passwd"),
        )
        .unwrap_err();
        assert!(file.contains("file URL"), "{file}");
    }

    #[test]
    fn a_location_is_described_without_its_query() {
        let url = AbsoluteUrl::parse("https://files.example/blob?sig=SECRET").unwrap();
        assert_eq!(url.without_query(), "https://files.example/blob");
    }
}
