//! A signed-in user's tokens by the OAuth 2.0 device authorization grant (RFC 8628) against
//! Microsoft Entra ID: the user signs in once in a browser, anywhere, with the code the program
//! shows, and the refresh token that comes with each token gets the next one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, StatusCode};
use serde_json::Value;

use super::token_endpoint::{
    answer, form_post, redeem, tenant_endpoint, with_retries, CachedToken, Passing, Reason, RequestFuture,
    TokenCache, TokenError, TokenSource,
};
use super::{challenge, TokenFuture, TokenProvider};
use crate::absolute_url::AbsoluteUrl;
use crate::client::default_transport;
use crate::config::{NationalCloud, DEFAULT_USER_AGENT};
use crate::transport::Transport;
use crate::Error;

/// How long one request to Entra ID may take unless [`DeviceCodeBuilder::timeout`] says otherwise.
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A request for a device code or a refresh that fails and may pass (no connection, a timeout, 429
/// or 5xx) is tried once more, a second later, as the client credentials grant's are.
const RETRY_DELAYS: &[Duration] = &[Duration::from_secs(1)];

/// The OAuth `grant_type` of a poll for the signed-in user's token (RFC 8628 section 3.4).
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The wait between polls when Entra ID names none (RFC 8628 section 3.2), and the bounds put on
/// the one it names, so that no answer makes the program poll in a busy loop or never.
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);
/// What a `slow_down` answer adds to the wait between polls (RFC 8628 section 3.5).
const SLOW_DOWN: Duration = Duration::from_secs(5);
/// The longest a device code is waited for, whatever Entra ID says (it says 15 minutes).
const MAX_SIGN_IN_WAIT: Duration = Duration::from_secs(60 * 60);

/// Scopes that are not a resource's permission: OpenID Connect's, which are not qualified with the
/// Graph root.
const OPENID_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// A signed-in user's access tokens for Microsoft Graph by the device code flow: for a command-line
/// tool or a script run by an administrator, whose delegated permissions (the pages' "Delegated
/// (work or school account)" rows) the tokens carry, as the user's own rights allow.
///
/// When the first request needs a token, Entra ID issues a code; the prompt (by default, a line on
/// standard error) tells the user to open `https://microsoft.com/devicelogin` (or the cloud's
/// page) and enter it, and the token endpoint is polled, at the interval Entra ID asks for, until
/// the user has signed in, declined or let the code expire (15 minutes). That request waits the
/// while; concurrent ones wait for the same sign-in.
///
/// The token is cached and replaced as [`ClientCredentials`](crate::ClientCredentials)' are, five
/// minutes before it expires, here by the refresh token that came with it (`offline_access` is
/// always asked for), so the user signs in once for as long as Entra ID keeps the refresh token
/// valid (90 days of disuse, or until revoked). When it refuses the refresh token (`invalid_grant`:
/// expired, revoked, or multi-factor authentication now asked for), the user is prompted again.
/// [`DeviceCode::refresh_token`] gives the current refresh token, for the application to keep
/// (as securely as a password) and hand to [`DeviceCodeBuilder::refresh_token`] next time, so that
/// the next run need not prompt. Clones share one cache and one sign-in. `Debug` never shows a
/// token.
///
/// ```no_run
/// # fn main() -> Result<(), graph_runtime::Error> {
/// use graph_runtime::{Client, DeviceCode};
///
/// // A public client app registration ("Allow public client flows") with the delegated
/// // permissions the program needs, consented in the tenant.
/// let user = DeviceCode::builder("contoso.onmicrosoft.com", "<client id>")
///     .scopes(["DeviceManagementConfiguration.ReadWrite.All"])
///     .prompt(|prompt| eprintln!("{}", prompt.message()))
///     .build()?;
/// let client = Client::builder().token_provider(user).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct DeviceCode {
    flow: Arc<Flow>,
}

struct Flow {
    /// The user's tokens, each replaced with the refresh token that came with it.
    pub(super) tokens: TokenCache<RefreshGrant>,
    sign_in: SignIn,
    /// Held across a sign-in, so that concurrent requests wait for one prompt.
    signing_in: tokio::sync::Mutex<()>,
}

/// The refresh token grant's requests.
pub(super) struct RefreshGrant {
    pub(super) token_url: AbsoluteUrl,
    /// `client_id` and `scope`, encoded; the refresh token is added per request.
    form_start: String,
    /// Whether the app declares that it handles claims challenges (continuous access evaluation).
    claims_capable: bool,
    pub(super) user_agent: HeaderValue,
    pub(super) timeout: Duration,
}

impl RefreshGrant {
    /// The `claims` parameter of a request for the user's token (a sign-in's too): a challenge's
    /// claims, and the client capabilities if the app declared them.
    pub(super) fn claims(&self, challenge: Option<&str>) -> Option<String> {
        challenge::request_parameter(challenge, self.claims_capable)
    }
}

/// Shows the user a device code.
type Prompt = Arc<dyn Fn(&DeviceCodePrompt) + Send + Sync>;

/// How the user is asked to sign in.
pub(super) enum SignIn {
    DeviceCode(DeviceCodeSignIn),
    /// In a browser, the answer coming to a loopback listener (`browser.rs`).
    #[cfg(feature = "interactive")]
    Browser(super::browser::BrowserSignIn),
}

/// The device code flow's requests, and its prompt.
pub(super) struct DeviceCodeSignIn {
    device_code_url: AbsoluteUrl,
    /// The device code request's form: `client_id` and `scope`, encoded.
    form: String,
    /// The device code poll's form but the code: `grant_type` and `client_id`, encoded.
    poll_form_start: String,
    prompt: Prompt,
}

/// What the user is asked to do to sign in: open [`verification_uri`](Self::verification_uri) in a
/// browser and enter [`user_code`](Self::user_code) there, before
/// [`expires_in`](Self::expires_in) has passed. `Display` shows Entra ID's
/// [`message`](Self::message).
#[derive(Clone, Debug)]
pub struct DeviceCodePrompt {
    user_code: String,
    verification_uri: String,
    message: String,
    expires_in: Duration,
}

impl DeviceCodePrompt {
    /// The code the user enters, e.g. `FJ7K2LQMX`.
    pub fn user_code(&self) -> &str {
        &self.user_code
    }

    /// The page where the user enters the code, e.g. `https://microsoft.com/devicelogin`.
    pub fn verification_uri(&self) -> &str {
        &self.verification_uri
    }

    /// Entra ID's instructions, in the language it chose: "To sign in, use a web browser to open
    /// the page … and enter the code … to authenticate."
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How long the code stays valid from when it was issued.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }
}

impl fmt::Display for DeviceCodePrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The device code endpoint's answer (RFC 8628 section 3.2).
struct DeviceAuthorization {
    device_code: String,
    interval: Duration,
    prompt: DeviceCodePrompt,
}

impl DeviceAuthorization {
    fn read(body: &Value) -> Result<DeviceAuthorization, &'static str> {
        let text = |name: &str| match body.get(name) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            _ => None,
        };
        let seconds = |name: &str| match body.get(name) {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let device_code = text("device_code").ok_or("it has no `device_code`")?;
        let user_code = text("user_code").ok_or("it has no `user_code`")?;
        // Entra ID's v1.0 endpoint, and some documents, say `verification_url`.
        let verification_uri = text("verification_uri")
            .or_else(|| text("verification_url"))
            .ok_or("it has no `verification_uri`")?;
        let expires_in = seconds("expires_in").ok_or("it has no `expires_in`")?;
        let expires_in = Duration::from_secs(expires_in).min(MAX_SIGN_IN_WAIT);
        let interval = seconds("interval")
            .map_or(DEFAULT_POLL_INTERVAL, Duration::from_secs)
            .clamp(MIN_POLL_INTERVAL, MAX_POLL_INTERVAL);
        let message = text("message").unwrap_or_else(|| {
            format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate.")
        });
        let prompt = DeviceCodePrompt { user_code, verification_uri, message, expires_in };
        Ok(DeviceAuthorization { device_code, interval, prompt })
    }
}

impl DeviceCode {
    /// A builder for a public client app registration: the tenant the users sign in to (a GUID, a
    /// domain such as `contoso.onmicrosoft.com`, or `organizations` for any work or school
    /// account's) and its application (client) id. The registration allows public client flows.
    pub fn builder(tenant: impl Into<String>, client_id: impl Into<String>) -> DeviceCodeBuilder {
        DeviceCodeBuilder {
            tenant: tenant.into(),
            client_id: client_id.into(),
            cloud: NationalCloud::Global,
            authority_host: None,
            scopes: None,
            prompt: None,
            refresh_token: None,
            claims_capable: false,
            transport: None,
            timeout: DEFAULT_TOKEN_TIMEOUT,
        }
    }

    /// The refresh token that gets the next access token, once the user has signed in (or the one
    /// given to [`DeviceCodeBuilder::refresh_token`]). Entra ID replaces it with each token, so ask
    /// again before keeping it. It grants the user's access: store it as a password would be.
    pub async fn refresh_token(&self) -> Option<String> {
        self.flow.tokens.cached.lock().await.as_ref().and_then(|token| token.refresh_token.clone())
    }

    /// Where the user's tokens come from, for `Debug`.
    #[cfg(feature = "interactive")]
    pub(super) fn token_url(&self) -> &str {
        self.flow.tokens.source.token_url.as_str()
    }

    /// The user's token, from the cache, by the refresh token, or after the user signs in.
    async fn current(&self) -> Result<String, TokenError> {
        let flow = &*self.flow;
        let _one_sign_in = match flow.signing_in.try_lock() {
            Ok(one_sign_in) => one_sign_in,
            // Another caller is refreshing the token or signing the user in: a token still valid
            // serves meanwhile.
            Err(_) => match flow.tokens.still_serving() {
                Some(token) => return Ok(token),
                None => flow.signing_in.lock().await,
            },
        };
        let has_token = flow.tokens.cached.lock().await.is_some();
        // Asked of the sign-in too, when the refresh token cannot satisfy them (a stronger
        // authentication, say).
        let claims = flow.tokens.claims_asked().await;
        if has_token {
            match flow.tokens.current().await {
                Err(error) if error.asks_for_sign_in() => {
                    tracing::info!(%error, "the user's token cannot be refreshed; the user signs in again");
                }
                done => return done,
            }
        }
        let (transport, grant) = (&*flow.tokens.transport, &flow.tokens.source);
        let signed_in = match &flow.sign_in {
            SignIn::DeviceCode(sign_in) => sign_in.sign_in(transport, grant, claims.as_deref()).await?,
            #[cfg(feature = "interactive")]
            SignIn::Browser(sign_in) => sign_in.sign_in(transport, grant, claims.as_deref()).await?,
        };
        let value = signed_in.value.clone();
        flow.tokens.store(signed_in).await;
        Ok(value)
    }
}

impl DeviceCodeSignIn {
    /// Asks Entra ID for a device code, prompts the user with it, and polls the token endpoint
    /// until the user has signed in (or declined, or the code expired), for a token that satisfies
    /// `claims` (a challenge's) if given.
    async fn sign_in(
        &self,
        transport: &dyn Transport,
        grant: &RefreshGrant,
        claims: Option<&str>,
    ) -> Result<CachedToken, TokenError> {
        let may_pass = |status: StatusCode| may_pass(status);
        let (sign_in, endpoint) = (self, self.device_code_url.as_str());
        let claims = grant.claims(claims);
        let with_claims = |form: &str| {
            let mut form = form_urlencoded::Serializer::new(form.to_owned());
            if let Some(claims) = &claims {
                form.append_pair("claims", claims);
            }
            form.finish()
        };
        let device_code_form = with_claims(&sign_in.form);
        let body = with_retries(endpoint, RETRY_DELAYS, &mut || {
            let request = form_post(
                &sign_in.device_code_url,
                device_code_form.clone(),
                &grant.user_agent,
                grant.timeout,
            );
            Box::pin(answer(transport, endpoint, request, &may_pass))
        })
        .await?;
        let authorization = DeviceAuthorization::read(&body)
            .map_err(|why| TokenError::new(endpoint, Reason::NoDeviceCode(why)))?;
        let prompt = &authorization.prompt;
        let (verification_uri, expires_in_s) = (prompt.verification_uri(), prompt.expires_in().as_secs());
        tracing::info!(verification_uri, expires_in_s, "waiting for the user to sign in with a device code");
        (sign_in.prompt)(prompt);

        let token_endpoint = grant.token_url.as_str();
        let poll_form = form_urlencoded::Serializer::new(with_claims(&sign_in.poll_form_start))
            .append_pair("device_code", &authorization.device_code)
            .finish();
        // Tokio's clock, which tests can pause and advance.
        let deadline = tokio::time::Instant::now() + prompt.expires_in();
        let mut interval = authorization.interval;
        let mut wait = interval;
        loop {
            tokio::time::sleep(wait).await;
            if tokio::time::Instant::now() >= deadline {
                return Err(TokenError::new(token_endpoint, Reason::SignInExpired(prompt.expires_in())));
            }
            let poll = form_post(&grant.token_url, poll_form.clone(), &grant.user_agent, grant.timeout);
            let failed = match redeem(transport, token_endpoint, poll, &may_pass).await {
                Ok(token) => {
                    tracing::info!("the user signed in");
                    return Ok(token);
                }
                Err(failed) => failed,
            };
            wait = match (failed.error.code(), &failed.passing) {
                (Some("authorization_pending"), _) => interval,
                (Some("slow_down"), _) => {
                    interval = (interval + SLOW_DOWN).min(MAX_POLL_INTERVAL);
                    interval
                }
                // A lost connection or a busy service does not end the user's sign-in: the next
                // poll may pass. But polling slows down (RFC 8628 §3.5: a client MUST after a
                // timeout; doubling the interval is what it recommends), or waits as long as the
                // service asked.
                (_, Passing::Transport | Passing::Status(_)) => {
                    let error = &failed.error;
                    tracing::info!(%error, "a poll for the user's token failed; polling on, more slowly");
                    match failed.passing {
                        Passing::Status(Some(retry_after)) => retry_after.clamp(interval, MAX_POLL_INTERVAL),
                        _ => {
                            interval = interval.saturating_mul(2).min(MAX_POLL_INTERVAL);
                            interval
                        }
                    }
                }
                // `authorization_declined`, `expired_token`, `bad_verification_code`, …
                (_, Passing::No) => return Err(failed.error),
            };
        }
    }
}

/// Whether a failed request to Entra ID may pass if tried again: 429 or a server error.
pub(super) fn may_pass(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

impl TokenProvider for DeviceCode {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.current().await.map_err(Into::into) })
    }

    fn token_rejected(&self, token: &str) -> bool {
        self.flow.tokens.rejected(token);
        true
    }

    fn claims_challenged(&self, token: &str, claims: &str) -> bool {
        self.flow.tokens.challenged(token, claims);
        true
    }
}

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grant = &self.flow.tokens.source;
        f.debug_struct("DeviceCode")
            .field("token_url", &grant.token_url.as_str())
            .field("form", &grant.form_start)
            .finish_non_exhaustive()
    }
}

impl TokenSource for RefreshGrant {
    fn endpoint(&self) -> &str {
        self.token_url.as_str()
    }

    fn request<'a>(
        &'a self,
        previous: Option<&'a CachedToken>,
        claims: Option<&'a str>,
        _transport: &'a dyn Transport,
    ) -> RequestFuture<'a> {
        let refresh_token = previous.and_then(|token| token.refresh_token.as_deref());
        let request = refresh_token.ok_or(Reason::NoRefreshToken).map(|refresh_token| {
            let mut form = form_urlencoded::Serializer::new(self.form_start.clone());
            form.append_pair("refresh_token", refresh_token);
            if let Some(claims) = self.claims(claims) {
                form.append_pair("claims", &claims);
            }
            let form = form.finish();
            form_post(&self.token_url, form, &self.user_agent, self.timeout)
        });
        Box::pin(std::future::ready(request))
    }

    fn may_pass(&self, status: StatusCode) -> bool {
        may_pass(status)
    }

    fn retry_delays(&self) -> &'static [Duration] {
        RETRY_DELAYS
    }
}

/// Configures [`DeviceCode`]; from [`DeviceCode::builder`].
pub struct DeviceCodeBuilder {
    tenant: String,
    client_id: String,
    cloud: NationalCloud,
    authority_host: Option<String>,
    scopes: Option<Vec<String>>,
    prompt: Option<Prompt>,
    refresh_token: Option<String>,
    claims_capable: bool,
    transport: Option<Arc<dyn Transport>>,
    timeout: Duration,
}

impl fmt::Debug for DeviceCodeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodeBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("cloud", &self.cloud)
            .field("authority_host", &self.authority_host)
            .field("scopes", &self.scopes)
            .field("prompt", &self.prompt.as_ref().map(|_| "…"))
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("continuous_access_evaluation", &self.claims_capable)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl DeviceCodeBuilder {
    /// The national cloud: its sign-in authority and its Graph root, which qualifies the scopes
    /// ([`NationalCloud::Global`] unless set). Use the same cloud as the [`crate::Client`].
    pub fn cloud(mut self, cloud: NationalCloud) -> DeviceCodeBuilder {
        self.cloud = cloud;
        self
    }

    /// Another sign-in authority than the cloud's, e.g. `https://login.microsoftonline.us`; the
    /// endpoints are `<authority>/<tenant>/oauth2/v2.0/devicecode` and `…/token`.
    pub fn authority_host(mut self, authority_host: impl Into<String>) -> DeviceCodeBuilder {
        self.authority_host = Some(authority_host.into());
        self
    }

    /// The delegated permissions to ask for, e.g. `DeviceManagementManagedDevices.Read.All`: a
    /// name without a resource is one of the cloud's Graph root
    /// (`https://graph.microsoft.com/DeviceManagementManagedDevices.Read.All`). Unless set, the
    /// Graph root's `/.default`: every permission the tenant has consented to for the app.
    /// `offline_access`, for the refresh token, is always asked for.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> DeviceCodeBuilder {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Shows the user the code and where to enter it. By default its message is written to
    /// standard error. Called once per sign-in, on the task that awaits the request needing the
    /// token: it should return at once (show the code, open a browser), not wait for the user.
    pub fn prompt(mut self, prompt: impl Fn(&DeviceCodePrompt) + Send + Sync + 'static) -> DeviceCodeBuilder {
        self.prompt = Some(Arc::new(prompt));
        self
    }

    /// A refresh token kept from an earlier run ([`DeviceCode::refresh_token`]): the first token
    /// is fetched with it, and the user is prompted only if Entra ID refuses it.
    pub fn refresh_token(mut self, refresh_token: impl Into<String>) -> DeviceCodeBuilder {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// Declares that the app handles claims challenges (continuous access evaluation's client
    /// capability `cp1`, sent as the `claims` of each request for the user's tokens). Entra ID then
    /// issues tokens that live longer (up to 28 hours; the client keeps one a day at most), and
    /// Graph, rather than serving a token that was revoked (the user disabled, their password reset,
    /// their session revoked, a location policy), answers `401` with a claims challenge: the client
    /// asks for a token with the challenge's claims by the refresh token, or by signing the user in
    /// again if Entra ID needs that, and sends the request once more
    /// ([`TokenProvider::claims_challenged`]). Off unless set. A claims challenge is answered this
    /// way whether or not this is set.
    pub fn continuous_access_evaluation(mut self) -> DeviceCodeBuilder {
        self.claims_capable = true;
        self
    }

    /// The transport the requests to Entra ID go through; by default an
    /// [`HttpTransport`](crate::HttpTransport) of their own. Pass a clone of the client's transport
    /// to share its connections, proxy and trusted roots.
    pub fn transport(mut self, transport: impl Transport + 'static) -> DeviceCodeBuilder {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// How long one request to Entra ID may take (30 seconds unless set); the user's sign-in may
    /// take longer.
    pub fn timeout(mut self, timeout: Duration) -> DeviceCodeBuilder {
        self.timeout = timeout;
        self
    }

    /// Checks the tenant, client id, scopes and authority, and starts the transport if none was
    /// given. Nothing is requested, and no one prompted, until a token is needed.
    pub fn build(mut self) -> Result<DeviceCode, Error> {
        let prompt = self.prompt.take().unwrap_or_else(|| Arc::new(write_to_stderr));
        self.build_signing_in(|app| {
            Ok(SignIn::DeviceCode(DeviceCodeSignIn {
                device_code_url: tenant_endpoint(app.authority, app.tenant, "devicecode")?,
                form: form(&[("client_id", app.client_id), ("scope", app.scope)]),
                poll_form_start: form(&[("grant_type", DEVICE_CODE_GRANT), ("client_id", app.client_id)]),
                prompt,
            }))
        })
    }

    /// Builds the user's token cache, refreshed by the refresh token grant, around a way to sign in.
    pub(super) fn build_signing_in(
        self,
        sign_in: impl FnOnce(&PublicClient<'_>) -> Result<SignIn, Error>,
    ) -> Result<DeviceCode, Error> {
        let client_id = self.client_id.trim();
        if client_id.is_empty() {
            return Err(Error::Config("the client id is empty".to_owned()));
        }
        let authority = self.authority_host.as_deref().unwrap_or(self.cloud.authority_host());
        let token_url = tenant_endpoint(authority, &self.tenant, "token")?;
        let scope = scope(self.cloud, self.scopes)?;
        let sign_in = sign_in(&PublicClient { authority, tenant: &self.tenant, client_id, scope: &scope })?;
        let grant = RefreshGrant {
            token_url,
            form_start: form(&[("grant_type", "refresh_token"), ("client_id", client_id), ("scope", &scope)]),
            claims_capable: self.claims_capable,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            timeout: self.timeout,
        };
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport()?,
        };
        // A refresh token from an earlier run: held by an access token that is due at once.
        let kept = self.refresh_token.filter(|token| !token.trim().is_empty()).map(|refresh_token| {
            let now = std::time::Instant::now();
            CachedToken {
                value: String::new(),
                refresh_at: now,
                expires_at: now,
                refresh_token: Some(refresh_token),
            }
        });
        let mut tokens = TokenCache::new(grant, transport);
        *tokens.cached.get_mut() = kept;
        let signing_in = tokio::sync::Mutex::new(());
        Ok(DeviceCode { flow: Arc::new(Flow { tokens, sign_in, signing_in }) })
    }
}

/// What every way of signing a user in asks Entra ID with.
pub(super) struct PublicClient<'a> {
    pub(super) authority: &'a str,
    pub(super) tenant: &'a str,
    pub(super) client_id: &'a str,
    /// The `scope` parameter: the permissions, qualified, and `offline_access`.
    pub(super) scope: &'a str,
}

/// An OAuth form (`application/x-www-form-urlencoded`) of these pairs.
pub(super) fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// The default prompt: Entra ID's message on a line of standard error. Not `eprintln!`, which
/// panics when standard error is closed: a prompt nobody sees only lets the code expire.
fn write_to_stderr(prompt: &DeviceCodePrompt) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{}", prompt.message());
}

/// The `scope` asked for: each permission qualified with the cloud's Graph root unless it names its
/// resource, or the root's `/.default`; then `offline_access`.
fn scope(cloud: NationalCloud, scopes: Option<Vec<String>>) -> Result<String, Error> {
    let scopes = match scopes {
        None => vec![cloud.default_scope()],
        Some(scopes) => {
            let mut qualified = Vec::new();
            for scope in &scopes {
                let scope = scope.trim();
                if scope.is_empty() || scope.contains(char::is_whitespace) {
                    return Err(Error::Config(format!("scope {scope:?} is not one permission")));
                }
                match OPENID_SCOPES.contains(&scope) || scope.contains('/') {
                    true => qualified.push(scope.to_owned()),
                    false => qualified.push(format!("{}/{scope}", cloud.base_url())),
                }
            }
            qualified
        }
    };
    if !scopes.iter().any(|scope| !OPENID_SCOPES.contains(&scope.as_str())) {
        return Err(Error::Config("the scopes name no permission of Graph's".to_owned()));
    }
    let mut scope =
        scopes.into_iter().filter(|scope| scope != "offline_access").collect::<Vec<_>>().join(" ");
    scope.push_str(" offline_access");
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::json;

    use super::super::token_endpoint::script::{answer, script, Script};
    use super::*;
    use crate::transport::{HttpResponse, TransportError, TransportErrorKind};

    const AUTHORITY: &str = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0";

    /// A flow whose prompts are recorded.
    fn device_code(
        builder: DeviceCodeBuilder,
        transport: &Arc<Script>,
    ) -> (DeviceCode, Arc<Mutex<Vec<String>>>) {
        let prompts = Arc::new(Mutex::new(Vec::new()));
        let shown = Arc::clone(&prompts);
        let flow = builder
            .transport(Arc::clone(transport))
            .prompt(move |prompt| shown.lock().unwrap().push(prompt.user_code().to_owned()))
            .build()
            .unwrap();
        (flow, prompts)
    }

    fn builder() -> DeviceCodeBuilder {
        DeviceCode::builder("contoso.onmicrosoft.com", "app-id")
    }

    fn issued(user_code: &str, expires_in: u64, interval: u64) -> Result<HttpResponse, TransportError> {
        answer(
            200,
            json!({
                "device_code": format!("device-{user_code}"),
                "user_code": user_code,
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": expires_in,
                "interval": interval,
                "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {user_code} to authenticate."),
            }),
        )
    }

    fn refused(code: &str) -> Result<HttpResponse, TransportError> {
        answer(400, json!({"error": code, "error_description": format!("AADSTS: {code}")}))
    }

    fn user_token(
        token: &str,
        refresh_token: Option<&str>,
        expires_in: u64,
    ) -> Result<HttpResponse, TransportError> {
        let mut body = json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": token});
        if let Some(refresh_token) = refresh_token {
            body["refresh_token"] = json!(refresh_token);
        }
        answer(200, body)
    }

    fn form_of(request: &crate::transport::HttpRequest) -> Vec<(String, String)> {
        form_urlencoded::parse(request.body.as_deref().unwrap_or_default()).into_owned().collect()
    }

    fn sent(transport: &Script) -> Vec<(String, Vec<(String, String)>)> {
        let requests = transport.requests.lock().unwrap();
        requests.iter().map(|request| (request.url.to_string(), form_of(request))).collect()
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
    }

    async fn token(flow: &DeviceCode) -> Result<String, String> {
        flow.token().await.map_err(|error| error.to_string())
    }

    const SCOPE: &str = "https://graph.microsoft.com/.default offline_access";

    #[tokio::test(start_paused = true)]
    async fn the_user_signs_in_once_with_the_code_shown_while_the_token_endpoint_is_polled() {
        let busy = answer(503, json!({})).map(|mut response| {
            response.headers.insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("45"));
            response
        });
        let transport = script([
            issued("FJ7K2LQMX", 900, 5),
            refused("authorization_pending"),
            refused("slow_down"),
            Err(TransportError::new(TransportErrorKind::Connect, "connection reset")),
            busy,
            refused("authorization_pending"),
            user_token("user-1", Some("refresh-1"), 3599),
        ]);
        let (flow, prompts) = device_code(builder(), &transport);
        let started = tokio::time::Instant::now();
        assert_eq!(token(&flow).await.unwrap(), "user-1");
        // 5 s before each poll, 10 s once Entra ID asked to slow down, twice that after the lost
        // connection (RFC 8628 §3.5), the 45 s the busy service asked for, then 20 s again.
        assert_eq!(started.elapsed(), Duration::from_secs(5 + 5 + 10 + 20 + 45 + 20));
        assert_eq!(*prompts.lock().unwrap(), ["FJ7K2LQMX"]);
        assert_eq!(token(&flow).await.unwrap(), "user-1", "cached");
        assert_eq!(flow.refresh_token().await.as_deref(), Some("refresh-1"));

        let poll = pairs(&[
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", "app-id"),
            ("device_code", "device-FJ7K2LQMX"),
        ]);
        let token_url = format!("{AUTHORITY}/token");
        let expected = [
            (format!("{AUTHORITY}/devicecode"), pairs(&[("client_id", "app-id"), ("scope", SCOPE)])),
            (token_url.clone(), poll.clone()),
            (token_url.clone(), poll.clone()),
            (token_url.clone(), poll.clone()),
            (token_url.clone(), poll.clone()),
            (token_url.clone(), poll.clone()),
            (token_url, poll),
        ];
        assert_eq!(sent(&transport), expected);
    }

    #[tokio::test(start_paused = true)]
    async fn while_the_token_is_refreshed_it_serves_the_other_callers_still() {
        // Every answer takes 20 s; the sign-in's token lives a minute, and its refresh fails,
        // slowly, twice.
        let transport = Arc::new(Script {
            answers: Mutex::new(
                [issued("CODE", 900, 5), user_token("user-1", Some("refresh-1"), 60)]
                    .into_iter()
                    .chain((0..2).map(|_| answer(503, json!({}))))
                    .collect(),
            ),
            delay: Some(Duration::from_secs(20)),
            ..Script::default()
        });
        let (flow, _) = device_code(builder(), &transport);
        assert_eq!(token(&flow).await.unwrap(), "user-1");
        // Due for refresh now (the cache keeps the real clock, which paused time does not move).
        if let Some(cached) = flow.flow.tokens.cached.lock().await.as_mut() {
            cached.refresh_at = std::time::Instant::now();
        }
        let refreshing = tokio::spawn({
            let flow = flow.clone();
            async move { token(&flow).await }
        });
        tokio::time::sleep(Duration::from_millis(1)).await;
        let started = tokio::time::Instant::now();
        assert_eq!(token(&flow).await.unwrap(), "user-1");
        assert_eq!(started.elapsed(), Duration::ZERO, "served at once, not after the refresh");
        assert_eq!(refreshing.await.unwrap().unwrap(), "user-1");
        assert_eq!(transport.requests.lock().unwrap().len(), 4, "the sign-in's two, the refresh's two");
    }

    #[tokio::test(start_paused = true)]
    async fn each_token_is_replaced_with_the_refresh_token_that_came_with_it() {
        let transport = script([
            issued("CODE", 900, 5),
            user_token("user-1", Some("refresh-1"), 0),
            user_token("user-2", Some("refresh-2"), 0),
            // No new refresh token: the last one stays good.
            user_token("user-3", None, 0),
            user_token("user-4", None, 3599),
        ]);
        let (flow, prompts) = device_code(builder(), &transport);
        for expected in ["user-1", "user-2", "user-3", "user-4", "user-4"] {
            assert_eq!(token(&flow).await.unwrap(), expected);
        }
        assert_eq!(prompts.lock().unwrap().len(), 1);
        let refreshes: Vec<_> = sent(&transport).into_iter().skip(2).collect();
        let refresh = |token| {
            let form = pairs(&[
                ("grant_type", "refresh_token"),
                ("client_id", "app-id"),
                ("scope", SCOPE),
                ("refresh_token", token),
            ]);
            (format!("{AUTHORITY}/token"), form)
        };
        assert_eq!(refreshes, [refresh("refresh-1"), refresh("refresh-2"), refresh("refresh-2")]);
        assert_eq!(flow.refresh_token().await.as_deref(), Some("refresh-2"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_kept_refresh_token_spares_the_prompt_until_entra_id_refuses_one() {
        let transport = script([
            user_token("from-kept", Some("refresh-2"), 0),
            refused("invalid_grant"),
            issued("AGAIN", 900, 5),
            user_token("signed-in-again", Some("refresh-3"), 3599),
        ]);
        let (flow, prompts) = device_code(builder().refresh_token("kept"), &transport);
        assert_eq!(token(&flow).await.unwrap(), "from-kept");
        assert!(prompts.lock().unwrap().is_empty());
        assert_eq!(token(&flow).await.unwrap(), "signed-in-again");
        assert_eq!(*prompts.lock().unwrap(), ["AGAIN"]);
        let sent = sent(&transport);
        assert_eq!(sent[0].1.last().unwrap(), &("refresh_token".to_owned(), "kept".to_owned()));
        assert_eq!(sent[1].1.last().unwrap(), &("refresh_token".to_owned(), "refresh-2".to_owned()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_graph_refused_is_replaced_by_the_refresh_token_without_a_prompt() {
        let transport = script([
            issued("CODE", 900, 5),
            user_token("refused", Some("refresh-1"), 3599),
            user_token("newer", Some("refresh-2"), 3599),
        ]);
        let (flow, prompts) = device_code(builder(), &transport);
        assert_eq!(token(&flow).await.unwrap(), "refused");
        assert!(flow.token_rejected("refused"));
        assert_eq!(token(&flow).await.unwrap(), "newer");
        assert_eq!(prompts.lock().unwrap().len(), 1);
        assert_eq!(flow.refresh_token().await.as_deref(), Some("refresh-2"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_declined_or_expired_sign_in_is_the_requests_error_and_the_next_one_prompts_again() {
        let transport = script([
            issued("DECLINED", 900, 5),
            refused("authorization_declined"),
            issued("LATE", 12, 5),
            refused("authorization_pending"),
            refused("authorization_pending"),
        ]);
        let (flow, prompts) = device_code(builder(), &transport);
        let declined = flow.current().await.unwrap_err();
        assert_eq!(declined.code(), Some("authorization_declined"));
        assert!(declined.to_string().contains("AADSTS: authorization_declined"), "{declined}");
        let started = tokio::time::Instant::now();
        let expired = token(&flow).await.unwrap_err();
        assert!(
            expired.contains("no one signed in with the device code before it expired (12 s)"),
            "{expired}"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(15), "polled at 5 and 10 s, given up at 15");
        assert_eq!(*prompts.lock().unwrap(), ["DECLINED", "LATE"]);
        assert_eq!(transport.requests.lock().unwrap().len(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_wait_for_one_sign_in() {
        let transport = script([issued("ONCE", 900, 5), user_token("shared", Some("refresh"), 3599)]);
        let (flow, prompts) = device_code(builder(), &transport);
        let clone = flow.clone();
        let (a, b, c) = tokio::join!(token(&flow), token(&clone), token(&flow));
        assert_eq!([a.unwrap(), b.unwrap(), c.unwrap()], ["shared", "shared", "shared"]);
        assert_eq!(*prompts.lock().unwrap(), ["ONCE"]);
        assert_eq!(transport.requests.lock().unwrap().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_device_code_answer_without_a_code_is_an_error_that_says_so() {
        let transport = script([
            answer(200, json!({"user_code": "X", "verification_uri": "https://microsoft.com/devicelogin"})),
            answer(503, json!({})),
            refused("invalid_client"),
        ]);
        let (flow, prompts) = device_code(builder(), &transport);
        let error = token(&flow).await.unwrap_err();
        assert_eq!(
            error,
            format!("the device code endpoint {AUTHORITY}/devicecode answered with no usable device code: it has no `device_code`")
        );
        // 503, then tried once more.
        let error = flow.current().await.unwrap_err();
        assert_eq!(error.code(), Some("invalid_client"));
        assert!(prompts.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn permissions_are_qualified_with_the_clouds_graph_root() {
        let transport = script([issued("CN", 900, 5), user_token("cn", Some("r"), 3599)]);
        let builder = DeviceCode::builder("organizations", "app-id").cloud(NationalCloud::China).scopes([
            "DeviceManagementApps.Read.All",
            "offline_access",
            "openid",
            "https://microsoftgraph.chinacloudapi.cn/User.Read",
        ]);
        let (flow, _) = device_code(builder, &transport);
        assert_eq!(token(&flow).await.unwrap(), "cn");
        let scope = "https://microsoftgraph.chinacloudapi.cn/DeviceManagementApps.Read.All openid \
                     https://microsoftgraph.chinacloudapi.cn/User.Read offline_access";
        let sent = sent(&transport);
        assert_eq!(
            sent[0],
            (
                "https://login.chinacloudapi.cn/organizations/oauth2/v2.0/devicecode".to_owned(),
                pairs(&[("client_id", "app-id"), ("scope", scope)])
            )
        );
    }

    #[test]
    fn a_builder_without_a_client_a_tenant_or_a_permission_is_refused() {
        let error = |builder: DeviceCodeBuilder| match builder.transport(script([])).build() {
            Ok(_) => panic!("built"),
            Err(error) => error.to_string(),
        };
        assert!(error(DeviceCode::builder("contoso", " ")).contains("the client id is empty"));
        assert!(error(DeviceCode::builder("contoso/x", "app")).contains("is not a tenant id or domain"));
        assert!(error(builder().scopes(["offline_access"])).contains("no permission of Graph's"));
        assert!(error(builder().scopes(["A.Read B.Read"])).contains("is not one permission"));
    }

    #[tokio::test(start_paused = true)]
    async fn debug_output_shows_no_token() {
        let transport = script([user_token("secret-access", Some("secret-refresh"), 3599)]);
        let kept = builder().refresh_token("secret-kept");
        assert!(!format!("{kept:?}").contains("secret"), "{kept:?}");
        let (flow, _) = device_code(kept, &transport);
        assert_eq!(token(&flow).await.unwrap(), "secret-access");
        assert!(!format!("{flow:?}").contains("secret"), "{flow:?}");
    }
}
