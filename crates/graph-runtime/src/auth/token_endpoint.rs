//! What the providers that fetch their tokens share: one token request with its retries, the
//! answer read into a token or an error, and the cache (one fetch at a time, a token still valid
//! serving the other callers meanwhile; a token replaced before it expires, and kept while still
//! valid if its replacement cannot be had).

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::Value;

use crate::absolute_url::AbsoluteUrl;
use crate::config;
use crate::response::retry_after;
use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use crate::Error;

/// How long before its expiry a cached token is replaced (at most half its lifetime), so that a
/// token handed out is still valid when the request carrying it reaches Graph. MSAL uses the same.
pub(super) const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long a cached token whose refresh failed is handed out before another refresh is tried (at
/// most until it expires): the next callers do not each wait through a fetch that is failing. The
/// Azure SDKs wait as long.
pub(super) const REFRESH_RETRY: Duration = Duration::from_secs(30);

/// The longest a token is cached, whatever the endpoint says.
pub(super) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest `Retry-After` waited for before a retry, unless the source's own next wait is longer.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Where a provider's tokens come from: an Entra ID tenant's token endpoint, a managed identity's.
pub(super) trait TokenSource: Send + Sync {
    /// The token endpoint, as errors and logs name it: no query, which may carry an identity.
    fn endpoint(&self) -> &str;

    /// One attempt's request for a token to replace `previous` (the one cached, if any: a refresh
    /// grant sends the refresh token that came with it), which satisfies `claims` (those of a claims
    /// challenge Graph made for `previous`, a JSON object, for a source that can ask for them).
    /// Built anew for each attempt, so that a credential kept in a file that is rotated (a federated
    /// token) is read again, and one the application gives (a client assertion) asked for again.
    /// `transport` carries any request the credential needs first (GitHub Actions' OIDC token).
    fn request<'a>(
        &'a self,
        previous: Option<&'a CachedToken>,
        claims: Option<&'a str>,
        transport: &'a dyn Transport,
    ) -> RequestFuture<'a>;

    /// Whether an error status may pass if the request is tried again.
    fn may_pass(&self, status: StatusCode) -> bool;

    /// The waits before each further try of a request that failed with a status that may pass
    /// (unless `Retry-After` asks for another); a failed connection or a timeout is tried once more,
    /// after the first.
    fn retry_delays(&self) -> &'static [Duration];

    /// `request` again with the proof that the challenge of a `401` asks for (`challenge` holds that
    /// answer's headers), for a source whose endpoint challenges every first request: Azure Arc's
    /// asks for the contents of a file only a trusted user can read. `None`, as for every other
    /// source, leaves the `401` the attempt's error.
    fn answer_challenge(
        &self,
        _request: HttpRequest,
        _challenge: &HeaderMap,
    ) -> Option<Result<HttpRequest, Reason>> {
        None
    }
}

/// A future returned by [`TokenSource::request`].
pub(super) type RequestFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpRequest, Reason>> + Send + 'a>>;

/// A source's tokens, cached. Shared by a provider's clones.
pub(super) struct TokenCache<S> {
    pub(super) source: S,
    pub(super) transport: Arc<dyn Transport>,
    /// Held across a fetch, so that concurrent callers wait for it instead of fetching too.
    pub(super) cached: tokio::sync::Mutex<Option<CachedToken>>,
    /// The tokens Graph refused since the last [`TokenCache::current`], kept apart from `cached`
    /// (whose lock a fetch or a reader may hold) so that no refusal is lost: the next
    /// [`TokenCache::current`] replaces the cached token if it is one of them. Each token once: a
    /// refusal of an older token, from a request still under way, must not hide the cached one's.
    refused: std::sync::Mutex<Vec<Refusal>>,
    /// The cached token and when it expires, readable while a fetch holds `cached`: a token still
    /// valid serves the callers that come meanwhile, so a slow or failing refresh (a minute, with
    /// its retries) stalls only the caller that started it, as Azure.Core's token cache does.
    serving: std::sync::Mutex<Option<Serving>>,
}

/// A copy of the cached token, for [`TokenCache::serving`].
struct Serving {
    value: String,
    expires_at: Instant,
}

/// A token Graph refused, and the claims its challenge asked the next one for.
struct Refusal {
    token: String,
    claims: Option<String>,
}

pub(super) struct CachedToken {
    pub(super) value: String,
    /// When the token is replaced: [`REFRESH_MARGIN`] (or half its lifetime) before `expires_at`.
    pub(super) refresh_at: Instant,
    pub(super) expires_at: Instant,
    /// The refresh token granted with it (a user's sign-in), which gets its replacement.
    pub(super) refresh_token: Option<String>,
}

impl CachedToken {
    /// A granted token, its lifetime measured from when the request left: the service counted from
    /// no earlier. Capped, so that no answer can overflow the clock (Entra ID's tokens live an hour
    /// or so).
    fn new(granted: Granted, sent_at: Instant) -> CachedToken {
        let lifetime = granted.lifetime.unwrap_or_default().min(MAX_LIFETIME);
        let expires_at = sent_at + lifetime;
        CachedToken {
            value: granted.token,
            refresh_at: expires_at - REFRESH_MARGIN.min(lifetime / 2),
            expires_at,
            refresh_token: granted.refresh_token,
        }
    }
}

impl<S: TokenSource> TokenCache<S> {
    pub(super) fn new(source: S, transport: Arc<dyn Transport>) -> TokenCache<S> {
        TokenCache {
            source,
            transport,
            cached: tokio::sync::Mutex::new(None),
            refused: Default::default(),
            serving: Default::default(),
        }
    }

    /// The token, from the cache or fetched now.
    pub(super) async fn current(&self) -> Result<String, TokenError> {
        current(&self.source, &*self.transport, &self.cached, &self.refused, &self.serving).await
    }

    /// The cached token, if still valid and not refused, without waiting for a fetch under way.
    pub(super) fn still_serving(&self) -> Option<String> {
        still_serving(&self.refused, &self.serving)
    }

    /// Caches `token`, got other than by [`TokenCache::current`] (a user's sign-in).
    pub(super) async fn store(&self, token: CachedToken) {
        let mut cached = self.cached.lock().await;
        let serving = Serving { value: token.value.clone(), expires_at: token.expires_at };
        *self.serving.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(serving);
        *cached = Some(token);
    }

    /// Graph refused `token`: the next [`TokenCache::current`] replaces it, unless a newer one has
    /// replaced it already, keeping the refresh token that came with it.
    pub(super) fn rejected(&self, token: &str) {
        self.refuse(token, None);
    }

    /// Graph challenged `token` for `claims`: the next [`TokenCache::current`] replaces it (unless
    /// a newer one has replaced it already) with a token asked for with those claims.
    pub(super) fn challenged(&self, token: &str, claims: &str) {
        self.refuse(token, Some(claims));
    }

    fn refuse(&self, token: &str, claims: Option<&str>) {
        // Poisoned only by a panic while the slot was written, which leaves it whole.
        let mut refused = self.refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match refused.iter_mut().find(|earlier| earlier.token == token) {
            // A plain refusal of a token already challenged (two requests answered differently)
            // keeps the challenge's claims.
            Some(earlier) => earlier.claims = claims.map(str::to_owned).or(earlier.claims.take()),
            None => refused.push(Refusal { token: token.to_owned(), claims: claims.map(str::to_owned) }),
        }
    }

    /// The claims a challenge asked for the cached token, which its replacement must satisfy
    /// (kept for the next [`TokenCache::current`] as well): for a user who must sign in again when
    /// the refresh token cannot get a token with them.
    pub(super) async fn claims_asked(&self) -> Option<String> {
        let cached = self.cached.lock().await;
        let refused = self.refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let cached = cached.as_ref()?;
        refused
            .iter()
            .find(|refusal| refusal.token == cached.value)
            .and_then(|refusal| refusal.claims.clone())
    }
}

/// The token in `cached`, or one fetched now to replace it (with the claims a challenge asked for,
/// if Graph refused it so). Not generic: one copy for every provider, since each generic copy of an
/// `async fn` is a state machine of its own to compile.
async fn current(
    source: &dyn TokenSource,
    transport: &dyn Transport,
    cached: &tokio::sync::Mutex<Option<CachedToken>>,
    refused: &std::sync::Mutex<Vec<Refusal>>,
    serving: &std::sync::Mutex<Option<Serving>>,
) -> Result<String, TokenError> {
    // Poisoned only by a panic while a slot was written, which leaves it whole.
    let serving_slot = || serving.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let refused_slot = || refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut cached = match cached.try_lock() {
        Ok(cached) => cached,
        // Another caller holds the cache, most likely fetching.
        Err(_) => match still_serving(refused, serving) {
            Some(token) => return Ok(token),
            None => cached.lock().await,
        },
    };
    let mut claims = None;
    {
        // Held while the refusals are taken and the copy dropped, as `still_serving` holds it while
        // it looks at both: no caller sees the copy of a refused token and an empty list.
        let mut serving = serving_slot();
        // All taken: those of older tokens are past.
        let refusals = std::mem::take(&mut *refused_slot());
        if let Some(token) = cached.as_mut() {
            if let Some(refusal) = refusals.into_iter().find(|refusal| refusal.token == token.value) {
                // Never handed out again, nor kept if its replacement cannot be had.
                let now = Instant::now();
                (token.refresh_at, token.expires_at) = (now, now);
                *serving = None;
                claims = refusal.claims;
            }
        }
    }
    let now = Instant::now();
    if let Some(token) = cached.as_ref().filter(|token| now < token.refresh_at) {
        return Ok(token.value.clone());
    }
    match fetch(source, transport, cached.as_ref(), claims.as_deref()).await {
        Ok(mut fresh) => {
            // A refresh answered without a new refresh token leaves the old one valid (RFC 6749
            // section 6); one answered with a new one retires the old.
            if fresh.refresh_token.is_none() {
                fresh.refresh_token = cached.as_mut().and_then(|previous| previous.refresh_token.take());
            }
            let value = fresh.value.clone();
            *serving_slot() = Some(Serving { value: value.clone(), expires_at: fresh.expires_at });
            *cached = Some(fresh);
            Ok(value)
        }
        Err(error) => match cached.as_mut().filter(|token| Instant::now() < token.expires_at) {
            Some(still_valid) => {
                let endpoint = source.endpoint();
                tracing::warn!(endpoint, %error, "token refresh failed; the cached token is still valid");
                still_valid.refresh_at = (Instant::now() + REFRESH_RETRY).min(still_valid.expires_at);
                Ok(still_valid.value.clone())
            }
            None => Err(error),
        },
    }
}

/// The cached token's copy in `serving`, if it is still valid and Graph has not refused it: what a
/// caller gets while another fetches.
fn still_serving(
    refused: &std::sync::Mutex<Vec<Refusal>>,
    serving: &std::sync::Mutex<Option<Serving>>,
) -> Option<String> {
    let serving = serving.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let token = serving.as_ref().filter(|token| Instant::now() < token.expires_at)?;
    let refused = refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    (!refused.iter().any(|refusal| refusal.token == token.value)).then(|| token.value.clone())
}

/// Fetches a token to replace `previous`, trying again after a failure that may pass, as the
/// source says. Its lifetime is counted from the first attempt: the service counted from no
/// earlier.
async fn fetch(
    source: &dyn TokenSource,
    transport: &dyn Transport,
    previous: Option<&CachedToken>,
    claims: Option<&str>,
) -> Result<CachedToken, TokenError> {
    let endpoint = source.endpoint();
    let may_pass = |status| source.may_pass(status);
    let sent_at = Instant::now();
    let body = with_retries(endpoint, source.retry_delays(), &mut || {
        Box::pin(async move {
            let request = source
                .request(previous, claims, transport)
                .await
                .map_err(|reason| Failed::new(endpoint, reason, Passing::No))?;
            answer_or_challenge(source, transport, endpoint, request, &may_pass).await
        })
    })
    .await?;
    read_token(endpoint, &body, sent_at).map_err(|failed| failed.error)
}

/// One attempt of a request to Entra ID or a managed identity endpoint: its JSON answer.
pub(super) type AttemptFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, Failed>> + Send + 'a>>;

/// Makes an attempt, and another after each failure that may pass, as long as `delays` last
/// (a failed connection or a timeout only once more): the wait is the next delay, or what the
/// service asked for, unless that is longer than allowed.
pub(super) async fn with_retries<'a>(
    endpoint: &str,
    delays: &[Duration],
    attempt: &mut (dyn FnMut() -> AttemptFuture<'a> + Send + 'a),
) -> Result<Value, TokenError> {
    let mut tries = 0;
    loop {
        let failed = match attempt().await {
            Ok(done) => return Ok(done),
            Err(failed) => failed,
        };
        let wait = match (failed.passing, delays.get(tries)) {
            (Passing::Transport, Some(delay)) if tries == 0 => *delay,
            // A longer wait than the service asks for is not made: the request fails instead.
            (Passing::Status(asked), Some(delay)) => match asked {
                Some(asked) if asked > MAX_RETRY_WAIT.max(*delay) => return Err(failed.error),
                Some(asked) => asked,
                None => *delay,
            },
            _ => return Err(failed.error),
        };
        tries += 1;
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        let (error, attempt) = (&failed.error, tries);
        tracing::info!(endpoint, %error, wait_ms, attempt, "token request failed; trying again");
        tokio::time::sleep(wait).await;
    }
}

/// Sends one token request and reads the token it grants.
pub(super) async fn redeem(
    transport: &dyn Transport,
    endpoint: &str,
    request: HttpRequest,
    may_pass: &(dyn Fn(StatusCode) -> bool + Sync),
) -> Result<CachedToken, Failed> {
    let sent_at = Instant::now();
    let body = answer(transport, endpoint, request, may_pass).await?;
    read_token(endpoint, &body, sent_at)
}

/// [`redeem`], tried again as [`with_retries`] says, for a grant that an attempt which failed in a
/// way that may pass did not spend.
#[cfg(feature = "interactive")]
pub(super) async fn redeem_with_retries(
    transport: &dyn Transport,
    endpoint: &str,
    request: HttpRequest,
    delays: &[Duration],
    may_pass: &(dyn Fn(StatusCode) -> bool + Sync),
) -> Result<CachedToken, TokenError> {
    let sent_at = Instant::now();
    let body = with_retries(endpoint, delays, &mut || {
        Box::pin(answer(transport, endpoint, request.clone(), may_pass))
    })
    .await?;
    read_token(endpoint, &body, sent_at).map_err(|failed| failed.error)
}

/// The token a token endpoint's answer grants, requested at `sent_at`.
fn read_token(endpoint: &str, body: &Value, sent_at: Instant) -> Result<CachedToken, Failed> {
    let granted = Granted::read(body).map_err(|reason| Failed::new(endpoint, reason, Passing::No))?;
    tracing::debug!(endpoint, expires_in = ?granted.lifetime, "access token fetched");
    Ok(CachedToken::new(granted, sent_at))
}

/// Sends one request to a token endpoint (or to Entra ID's device code endpoint beside it) and
/// reads the JSON of its success, or why it failed and whether that may pass.
pub(super) async fn answer(
    transport: &dyn Transport,
    endpoint: &str,
    request: HttpRequest,
    may_pass: &(dyn Fn(StatusCode) -> bool + Sync),
) -> Result<Value, Failed> {
    let response = send(transport, endpoint, request).await?;
    read_answer(endpoint, response, may_pass)
}

/// [`answer`], but a `401` whose challenge `source` answers is sent again with that answer, once.
async fn answer_or_challenge(
    source: &dyn TokenSource,
    transport: &dyn Transport,
    endpoint: &str,
    request: HttpRequest,
    may_pass: &(dyn Fn(StatusCode) -> bool + Sync),
) -> Result<Value, Failed> {
    let response = send(transport, endpoint, request.clone()).await?;
    if response.status == StatusCode::UNAUTHORIZED {
        match source.answer_challenge(request, &response.headers) {
            Some(Ok(answered)) => return answer(transport, endpoint, answered, may_pass).await,
            Some(Err(reason)) => return Err(Failed::new(endpoint, reason, Passing::No)),
            None => {}
        }
    }
    read_answer(endpoint, response, may_pass)
}

/// Sends one request to a token endpoint: its response, whatever the status.
async fn send(
    transport: &dyn Transport,
    endpoint: &str,
    request: HttpRequest,
) -> Result<HttpResponse, Failed> {
    transport.send(request).await.map_err(|source| {
        let passing = match source.kind() {
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Body => {
                Passing::Transport
            }
            _ => Passing::No,
        };
        Failed::new(endpoint, Reason::Transport(source), passing)
    })
}

/// The JSON of a token endpoint's success, or why it failed and whether that may pass.
fn read_answer(
    endpoint: &str,
    response: HttpResponse,
    may_pass: &(dyn Fn(StatusCode) -> bool + Sync),
) -> Result<Value, Failed> {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    if !response.status.is_success() {
        let passing = match may_pass(response.status) {
            true => Passing::Status(retry_after(&response.headers, SystemTime::now())),
            false => Passing::No,
        };
        let rejection = Rejection::read(response.status, body.as_ref());
        return Err(Failed::new(endpoint, Reason::Rejected(rejection), passing));
    }
    body.ok_or_else(|| Failed::new(endpoint, Reason::Unreadable("the body is not JSON"), Passing::No))
}

/// A `POST` of an OAuth form (`application/x-www-form-urlencoded`) to an Entra ID endpoint.
pub(super) fn form_post(
    url: &AbsoluteUrl,
    form: String,
    user_agent: &HeaderValue,
    timeout: Duration,
) -> HttpRequest {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, user_agent.clone());
    HttpRequest {
        method: Method::POST,
        url: url.clone().into_uri(),
        headers,
        body: Some(Bytes::from(form)),
        timeout,
    }
}

/// An Entra ID tenant's OAuth 2.0 endpoint `<authority>/<tenant>/oauth2/v2.0/<endpoint>`, the
/// tenant checked to be a GUID or a domain (or `organizations`): one path segment.
pub(super) fn tenant_endpoint(authority: &str, tenant: &str, endpoint: &str) -> Result<AbsoluteUrl, Error> {
    let tenant = tenant.trim();
    let tenant_is_a_segment = tenant.bytes().any(|b| b.is_ascii_alphanumeric())
        && tenant.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !tenant_is_a_segment {
        return Err(Error::Config(format!(
            "tenant {tenant:?} is not a tenant id or domain (letters, digits, `-`, `.`, `_`)"
        )));
    }
    let authority_url = config::parse_root_url("authority host", authority).map_err(Error::Config)?;
    let path = format!("{}/{tenant}/oauth2/v2.0/{endpoint}", authority_url.path().trim_end_matches('/'));
    authority_url
        .with_path_and_query(&path, None)
        .map_err(|e| Error::Config(format!("no {endpoint} URL under authority host {authority:?}: {e}")))
}

/// A token request that failed, and whether it may pass if tried again.
pub(super) struct Failed {
    pub(super) error: TokenError,
    pub(super) passing: Passing,
}

impl Failed {
    fn new(endpoint: &str, reason: Reason, passing: Passing) -> Failed {
        Failed { error: TokenError::new(endpoint, reason), passing }
    }
}

pub(super) enum Passing {
    No,
    /// No connection, a timeout, a broken body.
    Transport,
    /// A status the source retries, with the `Retry-After` the service gave, if any.
    Status(Option<Duration>),
}

/// A token response's useful part.
struct Granted {
    token: String,
    /// From `expires_in` or `expires_on`; a response with neither gives a token used for one request.
    lifetime: Option<Duration>,
    refresh_token: Option<String>,
}

impl Granted {
    fn read(body: &Value) -> Result<Granted, Reason> {
        let token = match body.get("access_token") {
            Some(Value::String(token)) if !token.is_empty() => token.clone(),
            _ => return Err(Reason::Unreadable("it has no `access_token`")),
        };
        // Entra ID sends `Bearer`; anything else would not be accepted as a bearer token.
        match body.get("token_type").and_then(Value::as_str) {
            Some(kind) if kind.eq_ignore_ascii_case("bearer") => {}
            _ => return Err(Reason::Unreadable("its `token_type` is not `Bearer`")),
        }
        // Seconds to live: a number from v2.0 endpoints, a string of digits from v1.0 ones, the
        // instance metadata service and some proxies. App Service's managed identity endpoint gives
        // only `expires_on`, the expiry in seconds since the Unix epoch, or (its 2017 protocol,
        // which Azure Machine Learning's endpoint speaks too) as a date.
        let seconds = |name: &str| match body.get(name) {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let expires_on = seconds("expires_on")
            .or_else(|| body.get("expires_on").and_then(Value::as_str).and_then(unix_seconds_of_date));
        let lifetime = match (seconds("expires_in"), expires_on) {
            (Some(expires_in), _) => Some(Duration::from_secs(expires_in)),
            (None, Some(expires_on)) => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                Some(Duration::from_secs(expires_on).saturating_sub(now))
            }
            (None, None) => None,
        };
        let refresh_token = match body.get("refresh_token") {
            Some(Value::String(token)) if !token.is_empty() => Some(token.clone()),
            _ => None,
        };
        Ok(Granted { token, lifetime, refresh_token })
    }
}

/// Seconds since the Unix epoch of a date as App Service's 2017 protocol writes `expires_on`:
/// `06/20/2019 02:57:58 +00:00` (month first, 24-hour time, the offset from UTC), or on Windows
/// `1/16/2020 5:24:12 PM +00:00` (12-hour time). `None` for anything else, which leaves the token
/// without a known lifetime (used for one request). Read by hand: one fixed format, not worth a
/// date crate in the runtime.
fn unix_seconds_of_date(text: &str) -> Option<u64> {
    let mut fields = text.split_whitespace();
    let (date, time) = (fields.next()?, fields.next()?);
    let mut next = fields.next();
    let half_day = match next.map(str::to_ascii_uppercase).as_deref() {
        Some("AM") => Some(0),
        Some("PM") => Some(12),
        _ => None,
    };
    if half_day.is_some() {
        next = fields.next();
    }
    let offset = next.unwrap_or("+00:00");
    if fields.next().is_some() {
        return None;
    }
    let numbers = |text: &str, separator: char| -> Option<Vec<i64>> {
        text.split(separator).map(|part| part.parse::<u16>().ok().map(i64::from)).collect()
    };
    let (month, day, year) = match numbers(date, '/')?[..] {
        [month, day, year] if (1..=12).contains(&month) && (1..=31).contains(&day) => (month, day, year),
        _ => return None,
    };
    let (hour, minute, second) = match numbers(time, ':')?[..] {
        [hour, minute, second] if minute < 60 && second < 61 => (hour, minute, second),
        _ => return None,
    };
    let hour = match half_day {
        None if hour < 24 => hour,
        // 12 AM is midnight, 12 PM noon.
        Some(half) if (1..=12).contains(&hour) => hour % 12 + half,
        _ => return None,
    };
    let seconds_of_day = hour * 3600 + minute * 60 + second;
    let (sign, offset) = match offset.split_at_checked(1)? {
        ("+", offset) => (1, offset),
        ("-", offset) => (-1, offset),
        _ => return None,
    };
    let offset_seconds = match numbers(offset, ':')?[..] {
        [hours, minutes] if hours < 24 && minutes < 60 => sign * (hours * 3600 + minutes * 60),
        _ => return None,
    };
    // Days since 1970-01-01 of a date of the proleptic Gregorian calendar, counted from March so
    // that the leap day comes last (Howard Hinnant's `days_from_civil`).
    let year_from_march = if month <= 2 { year - 1 } else { year };
    let era = year_from_march.div_euclid(400);
    let year_of_era = year_from_march - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    u64::try_from(days * 86_400 + seconds_of_day - offset_seconds).ok()
}

/// A token could not be fetched: the token endpoint could not be reached, refused the request, or
/// answered with something that is not a token, the credential to send could not be read, or the
/// user did not sign in. The
/// source of [`Error::Auth`](crate::Error::Auth) for [`ClientCredentials`](crate::ClientCredentials),
/// [`ManagedIdentity`](crate::ManagedIdentity) and [`DeviceCode`](crate::DeviceCode); never holds a
/// secret or a token.
#[derive(Debug)]
pub struct TokenError {
    endpoint: String,
    reason: Reason,
}

#[derive(Debug)]
pub(super) enum Reason {
    Transport(TransportError),
    Rejected(Rejection),
    Unreadable(&'static str),
    /// The federated token file to send as the client assertion.
    AssertionFile(PathBuf, io::Error),
    /// No client assertion from the application's callback, or from GitHub Actions.
    Assertion(Box<dyn StdError + Send + Sync>),
    /// The endpoint's challenge is not answered: why.
    Challenge(String),
    /// The key file Azure Arc's challenge names could not be read.
    ChallengeKey(PathBuf, io::Error),
    /// The certificate's key could not sign the client assertion (the system's random generator
    /// failed).
    #[cfg(feature = "certificate")]
    Signing,
    /// The device code endpoint's answer lacks what the user needs to sign in.
    NoDeviceCode(&'static str),
    /// The user's access token expired and came with no refresh token to replace it.
    NoRefreshToken,
    /// No one signed in with the device code before it expired, after this long.
    SignInExpired(Duration),
    /// The system's random generator failed: no PKCE verifier.
    #[cfg(feature = "interactive")]
    Random,
    /// The loopback listener the browser comes back to could not start or accept.
    #[cfg(feature = "interactive")]
    Listener(io::Error),
    /// The browser came back with Entra ID's error: the user declined, or the app may not sign
    /// users in so.
    #[cfg(feature = "interactive")]
    SignInRefused {
        code: String,
        description: Option<String>,
    },
    /// No one signed in in the browser within this long.
    #[cfg(feature = "interactive")]
    BrowserSignInTimedOut(Duration),
}

/// An error response of the token endpoint, as Entra ID or a managed identity endpoint words it.
#[derive(Debug)]
pub(super) struct Rejection {
    status: StatusCode,
    /// The OAuth error code, e.g. `invalid_client`.
    code: Option<String>,
    /// The first line of `error_description` (the others repeat the trace and correlation ids), or
    /// App Service's `message`.
    description: Option<String>,
    correlation_id: Option<String>,
}

impl Rejection {
    fn read(status: StatusCode, body: Option<&Value>) -> Rejection {
        let text = |name: &str| body.and_then(|body| body.get(name)).and_then(Value::as_str);
        Rejection {
            status,
            code: text("error").map(str::to_owned),
            description: text("error_description")
                .or_else(|| text("message"))
                .and_then(|description| description.lines().next())
                .map(|line| line.trim().to_owned()),
            correlation_id: text("correlation_id").or_else(|| text("correlationId")).map(str::to_owned),
        }
    }
}

impl TokenError {
    pub(super) fn new(endpoint: &str, reason: Reason) -> TokenError {
        TokenError { endpoint: endpoint.to_owned(), reason }
    }

    /// The token endpoint's status, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.reason {
            Reason::Rejected(rejection) => Some(rejection.status),
            _ => None,
        }
    }

    /// The OAuth error code the token endpoint gave, e.g. `invalid_client` or `unauthorized_client`
    /// (or the sign-in page, e.g. `access_denied`).
    pub fn code(&self) -> Option<&str> {
        match &self.reason {
            Reason::Rejected(rejection) => rejection.code.as_deref(),
            #[cfg(feature = "interactive")]
            Reason::SignInRefused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether only the user's signing in again can get a token: no refresh token, or Entra ID
    /// refused it (`invalid_grant`: expired, revoked, or multi-factor authentication now asked for).
    pub(super) fn asks_for_sign_in(&self) -> bool {
        match &self.reason {
            Reason::NoRefreshToken => true,
            Reason::Rejected(rejection) => {
                matches!(rejection.code.as_deref(), Some("invalid_grant" | "interaction_required"))
            }
            _ => false,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = &self.endpoint;
        match &self.reason {
            Reason::Transport(error) => write!(f, "token request to {endpoint} failed: {error}"),
            Reason::Unreadable(why) => {
                write!(f, "the token endpoint {endpoint} answered with no usable token: {why}")
            }
            Reason::AssertionFile(path, error) => write!(
                f,
                "no token request to {endpoint}: the federated token file {} could not be read: {error}",
                path.display()
            ),
            Reason::Assertion(error) => {
                write!(f, "no token request to {endpoint}: no client assertion: {error}")
            }
            Reason::Challenge(why) => write!(f, "no token from {endpoint}: {why}"),
            Reason::ChallengeKey(path, error) => {
                write!(
                    f,
                    "no token from {endpoint}: the key file {} its challenge names could not be read: {error}",
                    path.display()
                )?;
                if error.kind() == io::ErrorKind::PermissionDenied {
                    // Azure Arc's agent lets only these read its keys.
                    f.write_str(
                        " (the program's user must be in the `himds` group on Linux, or in Administrators or \
                         `Hybrid agent extension applications` on Windows)",
                    )?;
                }
                Ok(())
            }
            #[cfg(feature = "certificate")]
            Reason::Signing => {
                write!(f, "no token request to {endpoint}: the client assertion could not be signed")
            }
            Reason::NoDeviceCode(why) => {
                write!(f, "the device code endpoint {endpoint} answered with no usable device code: {why}")
            }
            Reason::NoRefreshToken => write!(
                f,
                "no token request to {endpoint}: the user's token expired and no refresh token came with it"
            ),
            Reason::SignInExpired(waited) => write!(
                f,
                "no one signed in with the device code before it expired ({} s); polled {endpoint}",
                waited.as_secs()
            ),
            #[cfg(feature = "interactive")]
            Reason::Random => {
                write!(f, "no sign-in at {endpoint}: the system's random generator failed")
            }
            #[cfg(feature = "interactive")]
            Reason::Listener(error) => write!(
                f,
                "no sign-in at {endpoint}: the loopback listener for the browser's answer failed: {error}"
            ),
            #[cfg(feature = "interactive")]
            Reason::SignInRefused { code, description } => {
                write!(f, "the sign-in at {endpoint} ended with {code}")?;
                if let Some(description) = description {
                    write!(f, ": {description}")?;
                }
                Ok(())
            }
            #[cfg(feature = "interactive")]
            Reason::BrowserSignInTimedOut(waited) => write!(
                f,
                "no one signed in in the browser within {waited:?}; the sign-in page was {endpoint}"
            ),
            Reason::Rejected(rejection) => {
                write!(f, "the token endpoint {endpoint} answered {}", rejection.status)?;
                if let Some(code) = &rejection.code {
                    write!(f, ": {code}")?;
                }
                if let Some(description) = &rejection.description {
                    write!(f, ": {description}")?;
                }
                if let Some(correlation_id) = &rejection.correlation_id {
                    write!(f, " (correlation id {correlation_id})")?;
                }
                Ok(())
            }
        }
    }
}

impl StdError for TokenError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.reason {
            Reason::Transport(error) => Some(error),
            Reason::AssertionFile(_, error) | Reason::ChallengeKey(_, error) => Some(error),
            Reason::Assertion(error) => Some(&**error),
            #[cfg(feature = "interactive")]
            Reason::Listener(error) => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_services_dates_are_read_as_unix_seconds() {
        for (date, seconds) in [
            ("01/01/1970 00:00:00 +00:00", 0),
            ("06/20/2019 02:57:58 +00:00", 1_560_999_478),
            // The same moment, written two hours east of UTC, and without an offset (UTC).
            ("06/20/2019 04:57:58 +02:00", 1_560_999_478),
            ("06/20/2019 02:57:58", 1_560_999_478),
            ("02/29/2024 23:59:59 -01:30", 1_709_256_599),
            ("12/31/2099 12:00:00 +00:00", 4_102_401_600),
            // Windows' 12-hour form.
            ("1/16/2020 5:24:12 PM +00:00", 1_579_195_452),
            ("1/16/2020 12:00:00 AM +00:00", 1_579_132_800),
            ("1/16/2020 12:30:00 pm", 1_579_177_800),
        ] {
            assert_eq!(unix_seconds_of_date(date), Some(seconds), "{date}");
        }
        for not_one in [
            "",
            "2019-06-20T02:57:58Z",
            "13/20/2019 02:57:58 +00:00",
            "06/20/2019 24:00:00",
            "06/20/2019 02:57:58 Z",
            "12/31/1969 23:59:59 +00:00",
            "06/20/2019 02:57:58 +00:00 x",
            "０6/20/2019 02:57:58",
        ] {
            assert_eq!(unix_seconds_of_date(not_one), None, "{not_one:?}");
        }
    }

    #[test]
    fn a_date_in_expires_on_gives_the_token_its_lifetime() {
        let lifetime = |expires_on: &str| {
            let body =
                serde_json::json!({"access_token": "a", "token_type": "Bearer", "expires_on": expires_on});
            Granted::read(&body).ok().and_then(|granted| granted.lifetime)
        };
        let far = lifetime("12/31/2099 12:00:00 +00:00");
        assert!(far.is_some_and(|lifetime| lifetime > Duration::from_secs(365 * 86_400)), "{far:?}");
        assert_eq!(lifetime("06/20/2019 02:57:58 +00:00"), Some(Duration::ZERO), "expired");
        assert_eq!(lifetime("tomorrow"), None, "unknown: used for one request");
    }
}

/// A scripted transport for the providers' unit tests.
#[cfg(test)]
pub(super) mod script {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use http::{HeaderMap, StatusCode};
    use serde_json::{json, Value};

    use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError, TransportFuture};

    /// Answers token requests from a script, records them, and can make each answer wait a little.
    #[derive(Default)]
    pub(in crate::auth) struct Script {
        pub(in crate::auth) answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
        pub(in crate::auth) requests: Mutex<Vec<HttpRequest>>,
        pub(in crate::auth) delay: Option<Duration>,
    }

    impl Script {
        /// The forms (`application/x-www-form-urlencoded` bodies) of the requests sent, in order.
        pub(in crate::auth) fn forms(&self) -> Vec<Vec<(String, String)>> {
            let requests = self.requests.lock().unwrap();
            let form = |request: &HttpRequest| {
                form_urlencoded::parse(request.body.as_deref().unwrap_or_default()).into_owned().collect()
            };
            requests.iter().map(form).collect()
        }
    }

    impl Transport for Arc<Script> {
        fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
            Box::pin(async move {
                self.requests.lock().unwrap().push(request);
                if let Some(delay) = self.delay {
                    tokio::time::sleep(delay).await;
                }
                self.answers.lock().unwrap().pop_front().expect("no scripted answer left")
            })
        }
    }

    pub(in crate::auth) fn script(
        answers: impl IntoIterator<Item = Result<HttpResponse, TransportError>>,
    ) -> Arc<Script> {
        Arc::new(Script { answers: Mutex::new(answers.into_iter().collect()), ..Script::default() })
    }

    pub(in crate::auth) fn answer(status: u16, body: Value) -> Result<HttpResponse, TransportError> {
        let status = StatusCode::from_u16(status).unwrap();
        Ok(HttpResponse::new(status, HeaderMap::new(), serde_json::to_vec(&body).unwrap()))
    }

    pub(in crate::auth) fn granted(token: &str, expires_in: Value) -> Result<HttpResponse, TransportError> {
        answer(
            200,
            json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": 3599, "access_token": token}),
        )
    }
}
