//! Client configuration: national-cloud endpoints, timeouts, user agent, default headers and the retry policy.

use std::time::Duration;

use crate::absolute_url::AbsoluteUrl;
use http::HeaderMap;

/// The API version segment of the general-availability endpoint.
pub const V1: &str = "v1.0";
/// The API version segment of the preview endpoint.
pub const BETA: &str = "beta";

/// The user agent sent unless [`ClientBuilder::user_agent`](crate::ClientBuilder::user_agent) replaces it.
pub const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// How long one HTTP exchange may take unless configured otherwise: the default of the .NET
/// `HttpClient` the official Graph SDK uses.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

/// How many redirects one request follows unless configured otherwise (the Graph SDKs use 5).
pub const DEFAULT_MAX_REDIRECTS: u32 = 5;

/// The Microsoft Graph deployments, each with its own root endpoint.
///
/// A request goes to `<cloud base URL>/<operation version>/<path>`, e.g.
/// `https://graph.microsoft.us/beta/deviceManagement/...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NationalCloud {
    /// The global service.
    Global,
    /// Microsoft Graph for US Government L4.
    UsGovernmentL4,
    /// Microsoft Graph for US Government L5 (DoD).
    UsGovernmentL5Dod,
    /// Microsoft Graph China operated by 21Vianet.
    China,
}

impl NationalCloud {
    /// The root endpoint of this cloud, without a version or trailing slash.
    pub fn base_url(self) -> &'static str {
        match self {
            NationalCloud::Global => "https://graph.microsoft.com",
            NationalCloud::UsGovernmentL4 => "https://graph.microsoft.us",
            NationalCloud::UsGovernmentL5Dod => "https://dod-graph.microsoft.us",
            NationalCloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The root of one API version in this cloud, e.g. `https://graph.microsoft.com/v1.0`.
    pub fn version_root(self, version: &str) -> String {
        format!("{}/{version}", self.base_url())
    }

    /// The Microsoft Entra ID (Azure AD) host that issues this cloud's tokens, without a trailing
    /// slash; both US Government clouds sign in at the same host.
    pub fn authority_host(self) -> &'static str {
        match self {
            NationalCloud::Global => "https://login.microsoftonline.com",
            NationalCloud::UsGovernmentL4 | NationalCloud::UsGovernmentL5Dod => {
                "https://login.microsoftonline.us"
            }
            NationalCloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The scope an app asks for to get app-only tokens for this cloud's Graph: every application
    /// permission granted to it, e.g. `https://graph.microsoft.com/.default`.
    pub fn default_scope(self) -> String {
        format!("{}/.default", self.base_url())
    }
}

/// When and how often a throttled or unavailable request (429, 503, 504) is sent again.
///
/// A `Retry-After` header (seconds or an HTTP date) is honoured as given; without one the delay is
/// exponential backoff with jitter: retry `n` waits between half and all of
/// `min(initial_backoff * 2^(n-1), max_backoff)`. A retry whose wait would push the total wait of the
/// request past `max_total_wait` is not made: the last response is returned as the error instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// At most 3 retries, backoff from 1 s up to 30 s, at most 60 s of waiting in all.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry: every response is final.
    pub fn none() -> RetryPolicy {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// At most `max_retries` retries after the first attempt.
    pub fn with_max_retries(self, max_retries: u32) -> RetryPolicy {
        RetryPolicy { max_retries, ..self }
    }

    /// The backoff before the first retry when the server sends no `Retry-After`.
    pub fn with_initial_backoff(self, initial_backoff: Duration) -> RetryPolicy {
        RetryPolicy { initial_backoff, ..self }
    }

    /// The largest backoff between two attempts when the server sends no `Retry-After`.
    pub fn with_max_backoff(self, max_backoff: Duration) -> RetryPolicy {
        RetryPolicy { max_backoff, ..self }
    }

    /// The most time one request may spend waiting between attempts, `Retry-After` included.
    pub fn with_max_total_wait(self, max_total_wait: Duration) -> RetryPolicy {
        RetryPolicy { max_total_wait, ..self }
    }

    /// How many retries are allowed after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The most time one request may spend waiting between attempts.
    pub fn max_total_wait(&self) -> Duration {
        self.max_total_wait
    }

    /// The wait before retry number `retry` (1 for the first): as long as `answer`'s `Retry-After`
    /// asks, else the backoff with its random spread.
    pub(crate) fn wait_before(&self, retry: u32, answer: Option<&http::HeaderMap>) -> Duration {
        answer
            .and_then(|headers| crate::response::retry_after(headers, std::time::SystemTime::now()))
            .unwrap_or_else(|| self.backoff(retry, fastrand::f64()))
    }

    /// Whether retry number `retry` may be made after waiting `delay`, by a request that has waited
    /// `waited` between its attempts already.
    pub(crate) fn allows(&self, retry: u32, waited: Duration, delay: Duration) -> bool {
        retry <= self.max_retries && waited.saturating_add(delay) <= self.max_total_wait
    }

    /// The backoff before retry number `retry` (1 for the first retry) when there is no `Retry-After`.
    ///
    /// `unit` is a random number in `0.0..1.0` (clamped); it picks the point between half and all of
    /// the exponential delay, so clients throttled together do not come back together.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
        let full = self.initial_backoff.saturating_mul(doubling).min(self.max_backoff);
        let half = full / 2;
        let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 0.0 };
        // `as` from f64 to an integer saturates, so this cannot overflow or panic.
        let extra_nanos = (half.as_nanos() as f64 * unit) as u64;
        half.saturating_add(Duration::from_nanos(extra_nanos)).min(full)
    }
}

/// Everything a [`Client`](crate::Client) needs to build requests, resolved and validated.
#[derive(Clone)]
pub(crate) struct Config {
    /// The base URL without a trailing slash, query or fragment.
    pub(crate) base_url: AbsoluteUrl,
    pub(crate) timeout: Duration,
    pub(crate) user_agent: http::HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_redirects: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values can be credentials (API keys, cookies): show the names only.
        let header_names: Vec<&str> = self.default_headers.keys().map(|name| name.as_str()).collect();
        f.debug_struct("Config")
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("default_headers", &header_names)
            .field("retry", &self.retry)
            .field("max_redirects", &self.max_redirects)
            .finish()
    }
}

/// Parses and checks a base URL: http or https, no query or fragment, stored without a trailing slash.
pub(crate) fn parse_base_url(raw: &str) -> Result<AbsoluteUrl, String> {
    parse_root_url("base URL", raw)
}

/// Parses and checks a URL other paths go below (`what` names it in errors): https, or http to
/// this machine (a test's server), since a token or a client secret goes there; no query or
/// fragment. MSAL and the Azure SDKs refuse a plain-http authority alike.
pub(crate) fn parse_root_url(what: &str, raw: &str) -> Result<AbsoluteUrl, String> {
    let url = AbsoluteUrl::parse(raw).map_err(|e| format!("{what} {raw:?} is not a URL: {e}"))?;
    if url.query().is_some() || raw.contains('#') {
        return Err(format!("{what} {raw:?} must not have a query or fragment"));
    }
    if !url.is_private_channel() {
        return Err(format!(
            "{what} {raw:?} is not https: the credentials sent there would travel in the clear \
             (plain http is for a server on this machine only)"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_national_cloud_has_its_documented_root() {
        assert_eq!(NationalCloud::Global.version_root(V1), "https://graph.microsoft.com/v1.0");
        assert_eq!(NationalCloud::UsGovernmentL4.version_root(BETA), "https://graph.microsoft.us/beta");
        assert_eq!(NationalCloud::UsGovernmentL5Dod.base_url(), "https://dod-graph.microsoft.us");
        assert_eq!(NationalCloud::China.base_url(), "https://microsoftgraph.chinacloudapi.cn");
    }

    #[test]
    fn each_national_cloud_signs_in_at_its_documented_authority() {
        assert_eq!(NationalCloud::Global.authority_host(), "https://login.microsoftonline.com");
        assert_eq!(NationalCloud::UsGovernmentL5Dod.authority_host(), "https://login.microsoftonline.us");
        assert_eq!(NationalCloud::China.authority_host(), "https://login.chinacloudapi.cn");
        assert_eq!(NationalCloud::Global.default_scope(), "https://graph.microsoft.com/.default");
        assert_eq!(
            NationalCloud::UsGovernmentL5Dod.default_scope(),
            "https://dod-graph.microsoft.us/.default"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_within_the_upper_half() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(350));
        assert_eq!(policy.backoff(1, 0.0), Duration::from_millis(50));
        assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(policy.backoff(2, 0.5), Duration::from_millis(150));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_millis(350));
        assert_eq!(policy.backoff(60, 1.0), Duration::from_millis(350));
        assert_eq!(policy.backoff(u32::MAX, f64::NAN), Duration::from_millis(175));
    }

    #[test]
    fn a_retry_waits_as_retry_after_asks_and_stays_within_the_count_and_the_budget() {
        let policy = RetryPolicy::default()
            .with_max_retries(2)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_total_wait(Duration::from_secs(10));
        let mut asked = http::HeaderMap::new();
        asked.insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("7"));
        assert_eq!(policy.wait_before(1, Some(&asked)), Duration::from_secs(7));
        let backoff = policy.wait_before(1, Some(&http::HeaderMap::new()));
        assert!(Duration::from_millis(50) <= backoff && backoff <= Duration::from_millis(100), "{backoff:?}");
        assert!(policy.allows(2, Duration::from_secs(3), Duration::from_secs(7)), "the budget, exactly");
        assert!(!policy.allows(2, Duration::from_secs(3), Duration::from_secs(8)), "over the budget");
        assert!(!policy.allows(3, Duration::ZERO, Duration::ZERO), "over the count");
    }

    #[test]
    fn backoff_with_huge_settings_saturates_instead_of_panicking() {
        let policy =
            RetryPolicy::default().with_initial_backoff(Duration::MAX).with_max_backoff(Duration::MAX);
        assert!(policy.backoff(40, 1.0) >= Duration::MAX / 2);
    }

    #[test]
    fn a_base_url_must_be_http_without_query() {
        assert!(parse_base_url("http://127.0.0.1:8080/").is_ok());
        assert!(parse_base_url("http://localhost:8080/").is_ok());
        assert!(parse_base_url("http://[::1]:8080/").is_ok());
        for clear in
            ["http://graph.microsoft.com", "http://10.0.0.1/", "http://[::2]/", "http://localhost.evil/"]
        {
            assert!(parse_base_url(clear).unwrap_err().contains("travel in the clear"), "{clear}");
        }
        assert!(parse_base_url("https://proxy.example/graph").is_ok());
        assert!(parse_base_url("ftp://example.com").unwrap_err().contains("http or https"));
        assert!(parse_base_url("https://example.com/#top").unwrap_err().contains("fragment"));
        assert!(parse_base_url("https:///v1.0").unwrap_err().contains("not a URL"));
        assert!(parse_base_url("https://example.com/?a=b").unwrap_err().contains("query"));
        assert!(parse_base_url("not a url").unwrap_err().contains("not a URL"));
    }
}
