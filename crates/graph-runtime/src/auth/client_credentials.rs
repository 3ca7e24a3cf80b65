//! App-only tokens by the OAuth 2.0 client credentials grant against Microsoft Entra ID: fetched
//! when first needed, cached, and fetched again shortly before they expire.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::Value;

use super::{TokenFuture, TokenProvider};
use crate::absolute_url::AbsoluteUrl;
use crate::client::default_transport;
use crate::config::{self, NationalCloud, DEFAULT_USER_AGENT};
use crate::response::retry_after;
use crate::transport::{HttpRequest, Transport, TransportError, TransportErrorKind};
use crate::Error;

/// How long before its expiry a cached token is replaced (at most half its lifetime), so that a
/// token handed out is still valid when the request carrying it reaches Graph. MSAL uses the same.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The longest a token is cached, whatever `expires_in` says.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How long one token request may take unless [`ClientCredentialsBuilder::timeout`] says otherwise.
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long to wait before trying a failed token request again, unless `Retry-After` says.
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// The longest `Retry-After` a token request waits for before its one retry.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// The environment variables [`ClientCredentials::from_env`] reads: the Azure SDKs' names.
const TENANT_VAR: &str = "AZURE_TENANT_ID";
const CLIENT_ID_VAR: &str = "AZURE_CLIENT_ID";
const CLIENT_SECRET_VAR: &str = "AZURE_CLIENT_SECRET";
const AUTHORITY_HOST_VAR: &str = "AZURE_AUTHORITY_HOST";

/// App-only access tokens for Microsoft Graph by the OAuth 2.0 client credentials grant: an app
/// registration's tenant, client id and client secret are exchanged at
/// `<authority>/<tenant>/oauth2/v2.0/token` for a token carrying the application permissions
/// granted to the app (scope `<Graph root>/.default`).
///
/// A token is fetched when first asked for and reused until five minutes before it expires (half
/// its lifetime, if that is shorter). Concurrent requests wait for one fetch rather than each
/// making their own. If a refresh fails while the cached token is still valid, that token is used
/// and the failure logged; otherwise the Graph request fails with [`Error::Auth`], whose source is
/// a [`TokenError`]. A fetch that fails for want of a connection, by a timeout or with 429 or 5xx
/// is tried once more, a second later (or after `Retry-After`, up to 10 seconds). When Graph answers 401 to a token (revoked, or
/// expired early), the token is dropped and the request sent once more with a new one. Clones share
/// one cache. `Debug` never shows the secret or a token.
///
/// ```no_run
/// # fn main() -> Result<(), graph_runtime::Error> {
/// use graph_runtime::{Client, ClientCredentials, NationalCloud};
///
/// let credentials = ClientCredentials::builder("contoso.onmicrosoft.com", "<client id>", "<secret>")
///     .cloud(NationalCloud::Global) // the default; sets the authority and the scope
///     .build()?;
/// let client = Client::builder().token_provider(credentials).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    shared: Arc<Shared>,
}

struct Shared {
    tenant: String,
    client_id: String,
    token_url: AbsoluteUrl,
    /// The form body, secret included: built once, sent as is.
    form: Bytes,
    user_agent: HeaderValue,
    transport: Arc<dyn Transport>,
    timeout: Duration,
    /// Held across a fetch, so that concurrent callers wait for it instead of fetching too.
    cached: tokio::sync::Mutex<Option<CachedToken>>,
}

struct CachedToken {
    value: String,
    /// When the token is replaced: [`REFRESH_MARGIN`] (or half its lifetime) before `expires_at`.
    refresh_at: Instant,
    expires_at: Instant,
}

impl ClientCredentials {
    /// A builder for an app registration: its tenant (a GUID or a domain such as
    /// `contoso.onmicrosoft.com`), its application (client) id and one of its client secrets.
    pub fn builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            tenant: tenant.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            cloud: NationalCloud::Global,
            authority_host: None,
            scope: None,
            transport: None,
            timeout: DEFAULT_TOKEN_TIMEOUT,
        }
    }

    /// A builder from the environment variables the Azure SDKs read: `AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and, when set, `AZURE_AUTHORITY_HOST`. Fails naming
    /// the variables that are unset or not Unicode.
    pub fn from_env() -> Result<ClientCredentialsBuilder, Error> {
        ClientCredentials::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientCredentialsBuilder, Error> {
        let [tenant, client_id, client_secret] = [TENANT_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR].map(&var);
        match (tenant, client_id, client_secret) {
            (Some(tenant), Some(client_id), Some(client_secret)) => {
                let mut builder = ClientCredentials::builder(tenant, client_id, client_secret);
                builder.authority_host = var(AUTHORITY_HOST_VAR);
                Ok(builder)
            }
            _ => {
                let missing: Vec<&str> = [TENANT_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR]
                    .into_iter()
                    .filter(|name| var(name).is_none())
                    .collect();
                Err(Error::Config(format!(
                    "client credentials from the environment need {} (unset or not Unicode)",
                    missing.join(", ")
                )))
            }
        }
    }

    /// The token, from the cache or fetched now.
    async fn current(&self) -> Result<String, TokenError> {
        let mut cached = self.shared.cached.lock().await;
        let now = Instant::now();
        if let Some(token) = cached.as_ref().filter(|token| now < token.refresh_at) {
            return Ok(token.value.clone());
        }
        match self.shared.fetch().await {
            Ok(fresh) => {
                let value = fresh.value.clone();
                *cached = Some(fresh);
                Ok(value)
            }
            Err(error) => match cached.as_ref().filter(|token| Instant::now() < token.expires_at) {
                Some(still_valid) => {
                    tracing::warn!(tenant = %self.shared.tenant, %error, "token refresh failed; the cached token is still valid");
                    Ok(still_valid.value.clone())
                }
                None => Err(error),
            },
        }
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.current().await.map_err(Into::into) })
    }

    fn token_rejected(&self, token: &str) -> bool {
        // Locked means a fetch is under way, which the next `token()` waits for; a cached token
        // other than `token` is one already fetched again.
        if let Ok(mut cached) = self.shared.cached.try_lock() {
            if cached.as_ref().is_some_and(|cached| cached.value == token) {
                *cached = None;
            }
        }
        true
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("tenant", &self.shared.tenant)
            .field("client_id", &self.shared.client_id)
            .field("token_url", &self.shared.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Fetches a token, trying once more after a failure that may pass: no connection, a timeout,
    /// or 429/500/502/503/504 (MSAL, too, tries once more).
    async fn fetch(&self) -> Result<CachedToken, TokenError> {
        match self.fetch_once().await {
            Err(Failed { error, retry_after: Some(wait) }) => {
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                tracing::info!(tenant = %self.tenant, %error, wait_ms, "token request failed; trying once more");
                tokio::time::sleep(wait).await;
                self.fetch_once().await.map_err(|failed| failed.error)
            }
            done => done.map_err(|failed| failed.error),
        }
    }

    async fn fetch_once(&self) -> Result<CachedToken, Failed> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.user_agent.clone());
        let request = HttpRequest {
            method: Method::POST,
            url: self.token_url.clone().into_uri(),
            headers,
            body: Some(self.form.clone()),
            timeout: self.timeout,
        };
        let sent_at = Instant::now();
        let failure = |reason| TokenError { token_url: self.token_url.to_string(), reason };
        let response = match self.transport.send(request).await {
            Ok(response) => response,
            Err(source) => {
                let passing = matches!(
                    source.kind(),
                    TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Body
                );
                let retry_after = passing.then_some(RETRY_DELAY);
                return Err(Failed { error: failure(Reason::Transport(source)), retry_after });
            }
        };
        let body: Option<Value> = serde_json::from_slice(&response.body).ok();
        if !response.status.is_success() {
            let passing = matches!(response.status.as_u16(), 429 | 500 | 502 | 503 | 504);
            // A longer wait than the service asks for is not made: the request fails instead.
            let retry_after = passing
                .then(|| retry_after(&response.headers, SystemTime::now()).unwrap_or(RETRY_DELAY))
                .filter(|wait| *wait <= MAX_RETRY_WAIT);
            let rejection = Rejection::read(response.status, body.as_ref());
            return Err(Failed { error: failure(Reason::Rejected(rejection)), retry_after });
        }
        let granted = body.as_ref().ok_or(Reason::Unreadable("the body is not JSON")).and_then(Granted::read);
        let granted = granted.map_err(|reason| Failed { error: failure(reason), retry_after: None })?;
        tracing::debug!(tenant = %self.tenant, expires_in = ?granted.lifetime, "access token fetched");
        // Measured from when the request left: the service counted from no earlier. Capped, so
        // that no answer can overflow the clock (Entra ID's tokens live an hour or so).
        let lifetime = granted.lifetime.unwrap_or_default().min(MAX_LIFETIME);
        let expires_at = sent_at + lifetime;
        Ok(CachedToken {
            value: granted.token,
            refresh_at: expires_at - REFRESH_MARGIN.min(lifetime / 2),
            expires_at,
        })
    }
}

/// A token request that failed, and how long to wait before trying again if it may pass.
struct Failed {
    error: TokenError,
    retry_after: Option<Duration>,
}

/// A token response's useful part.
struct Granted {
    token: String,
    /// `expires_in`; a response without it gives a token used for one request only.
    lifetime: Option<Duration>,
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
        // A number from v2.0 endpoints; a string of digits from v1.0 ones and some proxies.
        let seconds = match body.get("expires_in") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok(Granted { token, lifetime: seconds.map(Duration::from_secs) })
    }
}

/// Configures [`ClientCredentials`]; from [`ClientCredentials::builder`] or [`ClientCredentials::from_env`].
pub struct ClientCredentialsBuilder {
    tenant: String,
    client_id: String,
    client_secret: String,
    cloud: NationalCloud,
    authority_host: Option<String>,
    scope: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    timeout: Duration,
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("cloud", &self.cloud)
            .field("authority_host", &self.authority_host)
            .field("scope", &self.scope)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    /// The national cloud: its sign-in authority and its Graph root's `/.default` scope
    /// ([`NationalCloud::Global`] unless set). Use the same cloud as the [`crate::Client`].
    pub fn cloud(mut self, cloud: NationalCloud) -> ClientCredentialsBuilder {
        self.cloud = cloud;
        self
    }

    /// Another sign-in authority than the cloud's, e.g. `https://login.microsoftonline.us`; the
    /// token endpoint is `<authority>/<tenant>/oauth2/v2.0/token`.
    pub fn authority_host(mut self, authority_host: impl Into<String>) -> ClientCredentialsBuilder {
        self.authority_host = Some(authority_host.into());
        self
    }

    /// Another scope than the cloud's `<Graph root>/.default`.
    pub fn scope(mut self, scope: impl Into<String>) -> ClientCredentialsBuilder {
        self.scope = Some(scope.into());
        self
    }

    /// The transport token requests go through; by default an [`HttpTransport`](crate::HttpTransport)
    /// of their own.
    /// Pass a clone of the client's transport to share its connections, proxy and trusted roots.
    pub fn transport(mut self, transport: impl Transport + 'static) -> ClientCredentialsBuilder {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// How long one token request may take (30 seconds unless set).
    pub fn timeout(mut self, timeout: Duration) -> ClientCredentialsBuilder {
        self.timeout = timeout;
        self
    }

    /// Checks the tenant, client id, secret and authority, and starts the transport if none was
    /// given. Nothing is fetched until a token is needed.
    pub fn build(self) -> Result<ClientCredentials, Error> {
        // A tenant is a GUID or a domain: it must stay one path segment of the token URL.
        let tenant = self.tenant.trim();
        let tenant_is_a_segment = tenant.bytes().any(|b| b.is_ascii_alphanumeric())
            && tenant.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !tenant_is_a_segment {
            return Err(Error::Config(format!(
                "tenant {tenant:?} is not a tenant id or domain (letters, digits, `-`, `.`, `_`)"
            )));
        }
        let client_id = self.client_id.trim();
        if client_id.is_empty() {
            return Err(Error::Config("the client id is empty".to_owned()));
        }
        if self.client_secret.is_empty() {
            return Err(Error::Config("the client secret is empty".to_owned()));
        }
        let authority = self.authority_host.as_deref().unwrap_or(self.cloud.authority_host());
        let authority_url = config::parse_root_url("authority host", authority).map_err(Error::Config)?;
        let token_path = format!("{}/{tenant}/oauth2/v2.0/token", authority_url.path().trim_end_matches('/'));
        let token_url = authority_url
            .with_path_and_query(&token_path, None)
            .map_err(|e| Error::Config(format!("no token URL under authority host {authority:?}: {e}")))?;
        let scope = self.scope.unwrap_or_else(|| self.cloud.default_scope());
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", &self.client_secret)
            .append_pair("scope", &scope)
            .finish();
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport()?,
        };
        Ok(ClientCredentials {
            shared: Arc::new(Shared {
                tenant: tenant.to_owned(),
                client_id: client_id.to_owned(),
                token_url,
                form: Bytes::from(form),
                user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
                transport,
                timeout: self.timeout,
                cached: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

/// A token could not be fetched: the token endpoint could not be reached, refused the request, or
/// answered with something that is not a token. The source of [`Error::Auth`] for
/// [`ClientCredentials`]; never holds the secret.
#[derive(Debug)]
pub struct TokenError {
    token_url: String,
    reason: Reason,
}

#[derive(Debug)]
enum Reason {
    Transport(TransportError),
    Rejected(Rejection),
    Unreadable(&'static str),
}

/// An error response of the token endpoint, as Entra ID words it.
#[derive(Debug)]
struct Rejection {
    status: StatusCode,
    /// The OAuth error code, e.g. `invalid_client`.
    code: Option<String>,
    /// The first line of `error_description` (the others repeat the trace and correlation ids).
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
                .and_then(|description| description.lines().next())
                .map(|line| line.trim().to_owned()),
            correlation_id: text("correlation_id").map(str::to_owned),
        }
    }
}

impl TokenError {
    /// The token endpoint's status, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.reason {
            Reason::Rejected(rejection) => Some(rejection.status),
            _ => None,
        }
    }

    /// The OAuth error code the token endpoint gave, e.g. `invalid_client` or `unauthorized_client`.
    pub fn code(&self) -> Option<&str> {
        match &self.reason {
            Reason::Rejected(rejection) => rejection.code.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Reason::Transport(error) => write!(f, "token request to {} failed: {error}", self.token_url),
            Reason::Unreadable(why) => {
                write!(f, "the token endpoint {} answered with no usable token: {why}", self.token_url)
            }
            Reason::Rejected(rejection) => {
                write!(f, "the token endpoint {} answered {}", self.token_url, rejection.status)?;
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
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;
    use crate::transport::{HttpResponse, TransportFuture};

    const SECRET: &str = "s3cr&t=+ é~";

    /// Answers token requests from a script, records them, and can make each answer wait a little.
    #[derive(Default)]
    struct Script {
        answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
        requests: Mutex<Vec<HttpRequest>>,
        delay: Option<Duration>,
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

    fn script(answers: impl IntoIterator<Item = Result<HttpResponse, TransportError>>) -> Arc<Script> {
        Arc::new(Script { answers: Mutex::new(answers.into_iter().collect()), ..Script::default() })
    }

    fn answer(status: u16, body: Value) -> Result<HttpResponse, TransportError> {
        let status = StatusCode::from_u16(status).unwrap();
        Ok(HttpResponse::new(status, HeaderMap::new(), serde_json::to_vec(&body).unwrap()))
    }

    fn granted(token: &str, expires_in: Value) -> Result<HttpResponse, TransportError> {
        answer(
            200,
            json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": 3599, "access_token": token}),
        )
    }

    fn credentials(transport: &Arc<Script>) -> ClientCredentials {
        ClientCredentials::builder("contoso.onmicrosoft.com", "app-id", SECRET)
            .transport(Arc::clone(transport))
            .build()
            .unwrap()
    }

    fn form_of(request: &HttpRequest) -> Vec<(String, String)> {
        form_urlencoded::parse(request.body.as_deref().unwrap_or_default()).into_owned().collect()
    }

    async fn token(credentials: &ClientCredentials) -> Result<String, String> {
        credentials.token().await.map_err(|error| error.to_string())
    }

    #[tokio::test]
    async fn the_grant_is_posted_as_a_form_to_the_tenants_token_endpoint() {
        let transport = script([granted("tok-1", json!(3599))]);
        assert_eq!(token(&credentials(&transport)).await.unwrap(), "tok-1");
        let requests = transport.requests.lock().unwrap();
        let [request] = requests.as_slice() else { panic!("{} requests", requests.len()) };
        assert_eq!(request.method, Method::POST);
        assert_eq!(
            request.url,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(request.headers[CONTENT_TYPE], "application/x-www-form-urlencoded");
        assert_eq!(request.headers[ACCEPT], "application/json");
        assert_eq!(request.timeout, DEFAULT_TOKEN_TIMEOUT);
        let expected = [
            ("grant_type", "client_credentials"),
            ("client_id", "app-id"),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(form_of(request), expected);
    }

    #[tokio::test]
    async fn a_national_cloud_has_its_own_authority_and_scope_unless_both_are_set() {
        let transport = script([granted("tok-us", json!(3599)), granted("tok-custom", json!(3599))]);
        let builder = || ClientCredentials::builder("00000000-0000-0000-0000-000000000001", "app-id", SECRET);
        let dod = builder().cloud(NationalCloud::UsGovernmentL5Dod).transport(Arc::clone(&transport));
        assert_eq!(token(&dod.build().unwrap()).await.unwrap(), "tok-us");
        let custom = builder()
            .cloud(NationalCloud::China)
            .authority_host("http://127.0.0.1:8400/adfs/")
            .scope("api://custom/.default")
            .transport(Arc::clone(&transport));
        assert_eq!(token(&custom.build().unwrap()).await.unwrap(), "tok-custom");
        let requests = transport.requests.lock().unwrap();
        let urls: Vec<String> = requests.iter().map(|request| request.url.to_string()).collect();
        assert_eq!(
            urls,
            [
                "https://login.microsoftonline.us/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token",
                "http://127.0.0.1:8400/adfs/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token",
            ]
        );
        let scopes: Vec<String> = requests
            .iter()
            .filter_map(|request| form_of(request).into_iter().find(|(name, _)| name == "scope"))
            .map(|(_, scope)| scope)
            .collect();
        assert_eq!(scopes, ["https://dod-graph.microsoft.us/.default", "api://custom/.default"]);
    }

    #[tokio::test]
    async fn a_token_is_reused_until_it_nears_expiry() {
        // 3,599 s: reused. 0 s, or no `expires_in`: fetched again for the next request.
        let transport = script([
            granted("long", json!(3599)),
            granted("short", json!("0")),
            answer(200, json!({"token_type": "bearer", "access_token": "no-lifetime"})),
            granted("next", json!(3599)),
        ]);
        let credentials = credentials(&transport);
        assert_eq!(token(&credentials).await.unwrap(), "long");
        assert_eq!(token(&credentials.clone()).await.unwrap(), "long");
        assert_eq!(transport.requests.lock().unwrap().len(), 1);

        credentials.shared.cached.lock().await.take();
        assert_eq!(token(&credentials).await.unwrap(), "short");
        assert_eq!(token(&credentials).await.unwrap(), "no-lifetime");
        assert_eq!(token(&credentials).await.unwrap(), "next");
        assert_eq!(transport.requests.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn a_token_is_replaced_five_minutes_before_it_expires_or_at_half_its_lifetime() {
        let transport = script([granted("hour", json!(3599)), granted("minute", json!(60))]);
        let credentials = credentials(&transport);
        let mut margins = Vec::new();
        for _ in 0..2 {
            token(&credentials).await.unwrap();
            let mut cached = credentials.shared.cached.lock().await;
            let token = cached.take().unwrap();
            margins.push(token.expires_at - token.refresh_at);
        }
        assert_eq!(margins, [REFRESH_MARGIN, Duration::from_secs(30)]);
    }

    #[tokio::test]
    async fn a_huge_lifetime_is_capped_instead_of_overflowing_the_clock() {
        let transport = script([granted("forever", json!(u64::MAX))]);
        let credentials = credentials(&transport);
        assert_eq!(token(&credentials).await.unwrap(), "forever");
        let cached = credentials.shared.cached.lock().await;
        let lifetime = cached.as_ref().unwrap().expires_at - Instant::now();
        assert!(lifetime <= MAX_LIFETIME, "{lifetime:?}");
    }

    #[tokio::test]
    async fn concurrent_requests_wait_for_one_fetch() {
        let transport = Arc::new(Script {
            answers: Mutex::new([granted("shared", json!(3599))].into_iter().collect()),
            delay: Some(Duration::from_millis(50)),
            ..Script::default()
        });
        let credentials = credentials(&transport);
        let (a, b, c) = tokio::join!(token(&credentials), token(&credentials), token(&credentials));
        assert_eq!([a.unwrap(), b.unwrap(), c.unwrap()], ["shared", "shared", "shared"]);
        assert_eq!(transport.requests.lock().unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_refresh_falls_back_on_a_token_that_is_still_valid() {
        let transport = script((0..4).map(|_| answer(503, json!({}))));
        let credentials = credentials(&transport);
        let now = Instant::now();
        *credentials.shared.cached.lock().await = Some(CachedToken {
            value: "old".to_owned(),
            refresh_at: now,
            expires_at: now + Duration::from_secs(60),
        });
        assert_eq!(token(&credentials).await.unwrap(), "old");
        credentials.shared.cached.lock().await.as_mut().unwrap().expires_at = Instant::now();
        let error = token(&credentials).await.unwrap_err();
        assert!(error.contains("answered 503 Service Unavailable"), "{error}");
        assert_eq!(transport.requests.lock().unwrap().len(), 4, "each refresh tried twice");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_that_may_pass_is_tried_once_more_after_the_wait_asked_for() {
        let retry_after = |status: u16, seconds: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_str(seconds).unwrap());
            Ok(HttpResponse::new(StatusCode::from_u16(status).unwrap(), headers, "{}"))
        };
        let transport = script([
            retry_after(503, "2"),
            granted("after-503", json!(0)),
            Err(TransportError::new(TransportErrorKind::Timeout, "no answer")),
            granted("after-timeout", json!(0)),
            // Longer than the wait allowed, a client error, and a second failure: no more tries.
            retry_after(429, "60"),
            answer(400, json!({"error": "invalid_request"})),
            answer(500, json!({})),
            answer(502, json!({})),
        ]);
        let credentials = credentials(&transport);
        let started = tokio::time::Instant::now();
        assert_eq!(token(&credentials).await.unwrap(), "after-503");
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(token(&credentials).await.unwrap(), "after-timeout");
        assert_eq!(started.elapsed(), Duration::from_secs(2) + RETRY_DELAY);
        let mut failures = Vec::new();
        for _ in 0..3 {
            failures.push(credentials.current().await.unwrap_err().status().map(|status| status.as_u16()));
        }
        assert_eq!(failures, [Some(429), Some(400), Some(502)]);
        assert_eq!(transport.requests.lock().unwrap().len(), 8);
    }

    #[tokio::test]
    async fn a_token_graph_refused_is_forgotten_but_a_newer_one_is_kept() {
        let transport = script([granted("refused", json!(3599)), granted("newer", json!(3599))]);
        let credentials = credentials(&transport);
        assert_eq!(token(&credentials).await.unwrap(), "refused");
        assert!(credentials.token_rejected("refused"));
        assert_eq!(token(&credentials).await.unwrap(), "newer");
        // A late refusal of the old token (another request's) leaves the newer one cached.
        assert!(credentials.token_rejected("refused"));
        assert_eq!(token(&credentials).await.unwrap(), "newer");
        assert_eq!(transport.requests.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_refusal_says_what_entra_id_said_and_never_the_secret() {
        let description =
            "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c";
        let transport = script([answer(
            401,
            json!({"error": "invalid_client", "error_description": description, "error_codes": [7000215],
                   "correlation_id": "4f1c-corr"}),
        )]);
        let credentials = credentials(&transport);
        let error = credentials.current().await.unwrap_err();
        assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(error.code(), Some("invalid_client"));
        assert_eq!(
            error.to_string(),
            "the token endpoint https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token \
             answered 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided. \
             (correlation id 4f1c-corr)"
        );
        assert!(!format!("{error:?}{credentials:?}").contains("s3cr"), "{error:?} {credentials:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unusable_answer_or_a_broken_connection_is_an_error_naming_the_endpoint() {
        let transport = script([
            answer(200, json!({"token_type": "Bearer", "expires_in": 3599})),
            answer(200, json!({"token_type": "pop", "access_token": "t"})),
            Ok(HttpResponse::new(StatusCode::OK, HeaderMap::new(), "<html>sign in</html>")),
            Err(TransportError::new(TransportErrorKind::Connect, "connection refused")),
            Err(TransportError::new(TransportErrorKind::Connect, "connection refused")),
        ]);
        let credentials = credentials(&transport);
        let mut errors = Vec::new();
        for _ in 0..4 {
            errors.push(credentials.current().await.unwrap_err());
        }
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
        assert_eq!(
            messages,
            [
                format!("the token endpoint {url} answered with no usable token: it has no `access_token`"),
                format!("the token endpoint {url} answered with no usable token: its `token_type` is not `Bearer`"),
                format!("the token endpoint {url} answered with no usable token: the body is not JSON"),
                format!("token request to {url} failed: could not connect: connection refused"),
            ]
        );
        assert!(errors.iter().all(|error| error.status().is_none() && error.code().is_none()));
        assert!(errors[3].source().is_some());
    }

    #[test]
    fn the_builder_refuses_what_cannot_make_a_token_request() {
        let refusal = |builder: ClientCredentialsBuilder| match builder.build() {
            Err(Error::Config(message)) => message,
            other => panic!("{other:?}"),
        };
        let builder = |tenant: &str, client_id: &str, secret: &str| {
            ClientCredentials::builder(tenant, client_id, secret).transport(script([]))
        };
        assert!(refusal(builder("../common", "id", "s")).contains("is not a tenant id or domain"));
        assert!(refusal(builder("..", "id", "s")).contains("is not a tenant id or domain"));
        assert!(refusal(builder("", "id", "s")).contains("is not a tenant id or domain"));
        assert_eq!(refusal(builder("contoso", " ", "s")), "the client id is empty");
        assert_eq!(refusal(builder("contoso", "id", "")), "the client secret is empty");
        assert!(
            refusal(builder("contoso", "id", "s").authority_host("login.example")).contains("is not a URL")
        );
        assert!(
            refusal(builder("contoso", "id", "s").authority_host("https://a.example/?x=1")).contains("query")
        );
    }

    #[test]
    fn the_environment_gives_the_azure_sdks_variables_and_names_the_missing_ones() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        };
        let builder = ClientCredentials::from_vars(vars(&[
            ("AZURE_TENANT_ID", "contoso"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_CLIENT_SECRET", "secret"),
            ("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us"),
        ]))
        .unwrap();
        let shown = format!("{builder:?}");
        assert!(shown.contains("\"contoso\"") && shown.contains("login.microsoftonline.us"), "{shown}");
        assert!(!shown.contains("secret\""), "{shown}");
        match ClientCredentials::from_vars(vars(&[("AZURE_CLIENT_ID", "app")])) {
            Err(Error::Config(message)) => assert_eq!(
                message,
                "client credentials from the environment need AZURE_TENANT_ID, AZURE_CLIENT_SECRET (unset or \
                 not Unicode)"
            ),
            other => panic!("{other:?}"),
        }
    }
}
