//! A signed-in user's tokens by the OAuth 2.0 authorization code flow with PKCE (RFC 7636) against
//! Microsoft Entra ID, for a program on the user's desktop: the user signs in in a browser, and
//! Entra ID sends the browser back to a listener on the loopback interface (RFC 8252) with the code
//! the program redeems. The tokens are kept and refreshed as the device code flow's are
//! (`device_code.rs`), which this flow shares but for its sign-in.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::StatusCode;
use tokio::net::{TcpListener, TcpStream};

use super::device_code::{form, may_pass, DeviceCodeBuilder, RefreshGrant, SignIn};
use super::token_endpoint::{
    form_post, redeem_with_retries, tenant_endpoint, CachedToken, Reason, TokenError,
};
use super::{TokenFuture, TokenProvider};
use crate::absolute_url::AbsoluteUrl;
use crate::config::NationalCloud;
use crate::transport::Transport;
use crate::{DeviceCode, Error};

/// How long the user has to sign in unless [`InteractiveBrowserBuilder::sign_in_timeout`] says
/// otherwise.
const DEFAULT_SIGN_IN_WAIT: Duration = Duration::from_secs(5 * 60);
/// The most of a request to the listener that is read: a redirect's URL holds a code of 1–2 KB.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long one connection to the listener may take to send its request or read the answer, so
/// that a connection that sends nothing does not hold up the redirect behind it.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait before the code's redemption is tried again (unless Entra ID's `Retry-After` asks for
/// less), once: the user is waiting.
const REDEEM_RETRY_DELAYS: &[Duration] = &[Duration::from_secs(1)];

/// Shows the user the sign-in page's URL.
type Open = Arc<dyn Fn(&str) + Send + Sync>;

/// A signed-in user's access tokens for Microsoft Graph by the authorization code flow with PKCE:
/// for a program on the user's own desktop, whose delegated permissions the tokens carry. Needs the
/// crate's `interactive` feature.
///
/// When the first request needs a token, the program listens on the loopback interface (a port
/// the system picks, unless [`InteractiveBrowserBuilder::port`]), and the `open` callback is given
/// Entra ID's sign-in page, with `http://localhost:<port>` as where to send the browser back. By
/// default the page is opened in the user's browser where one can be (a desktop session: Windows,
/// macOS, WSL, or a Linux display), and its URL is written to standard error either way, for when
/// none comes up (as over SSH). When the user has signed in (or declined), Entra ID sends the
/// browser to the listener with a code, which the program redeems, with the PKCE verifier only it
/// holds, for the user's tokens. That request waits the while, five minutes at most unless
/// [`InteractiveBrowserBuilder::sign_in_timeout`]; concurrent ones wait for the same sign-in.
///
/// Tokens are cached and replaced by the refresh token that came with them, and the refresh token
/// can be kept for the next run, as [`DeviceCode`]'s are. The app registration lists
/// `http://localhost` as a redirect URI of its "Mobile and desktop applications" platform (any port
/// matches it). `Debug` never shows a token.
///
/// ```no_run
/// # fn main() -> Result<(), graph_runtime::Error> {
/// use graph_runtime::{Client, InteractiveBrowser};
///
/// let user = InteractiveBrowser::builder("contoso.onmicrosoft.com", "<client id>")
///     .scopes(["DeviceManagementConfiguration.ReadWrite.All"])
///     .open(|url| eprintln!("Sign in at {url}")) // instead of opening a browser
///     .build()?;
/// let client = Client::builder().token_provider(user).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct InteractiveBrowser {
    /// The device code flow's cache and refreshes, signing in by [`BrowserSignIn`].
    user: DeviceCode,
}

impl InteractiveBrowser {
    /// A builder for a public client app registration: the tenant the users sign in to (a GUID, a
    /// domain such as `contoso.onmicrosoft.com`, or `organizations`) and its application (client)
    /// id.
    pub fn builder(tenant: impl Into<String>, client_id: impl Into<String>) -> InteractiveBrowserBuilder {
        InteractiveBrowserBuilder {
            user: DeviceCode::builder(tenant, client_id),
            open: None,
            port: 0,
            wait: DEFAULT_SIGN_IN_WAIT,
            login_hint: None,
        }
    }

    /// The refresh token that gets the next access token, as [`DeviceCode::refresh_token`] gives it.
    pub async fn refresh_token(&self) -> Option<String> {
        self.user.refresh_token().await
    }
}

impl TokenProvider for InteractiveBrowser {
    fn token(&self) -> TokenFuture<'_> {
        self.user.token()
    }

    fn token_rejected(&self, token: &str) -> bool {
        self.user.token_rejected(token)
    }

    fn claims_challenged(&self, token: &str, claims: &str) -> bool {
        self.user.claims_challenged(token, claims)
    }
}

impl fmt::Debug for InteractiveBrowser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InteractiveBrowser")
            .field("token_url", &self.user.token_url())
            .finish_non_exhaustive()
    }
}

/// How the user signs in in a browser.
pub(super) struct BrowserSignIn {
    authorize_url: AbsoluteUrl,
    /// The sign-in page's query but the redirect URI, state and challenge: `client_id`,
    /// `response_type`, `response_mode`, `scope` (and `login_hint`), encoded.
    authorize_query_start: String,
    /// The code's redemption but the code, redirect URI and verifier: `grant_type`, `client_id`
    /// and `scope`, encoded.
    redeem_form_start: String,
    port: u16,
    open: Open,
    wait: Duration,
}

impl BrowserSignIn {
    /// Listens on the loopback interface, shows the user the sign-in page, waits for the browser
    /// to come back with a code, and redeems it for the user's token, one that satisfies `claims`
    /// (a challenge's) if given.
    pub(super) async fn sign_in(
        &self,
        transport: &dyn Transport,
        grant: &RefreshGrant,
        claims: Option<&str>,
    ) -> Result<CachedToken, TokenError> {
        let endpoint = self.authorize_url.as_str();
        let failed = |reason: Reason| TokenError::new(endpoint, reason);
        let pkce = Pkce::new().ok_or_else(|| failed(Reason::Random))?;
        let listener = Loopback::bind(self.port).await.map_err(|error| failed(Reason::Listener(error)))?;
        let redirect_uri = format!("http://localhost:{}", listener.port);
        let claims = grant.claims(claims);
        // In a block of its own: the serializer is not `Send`.
        let query = {
            let mut query = form_urlencoded::Serializer::new(self.authorize_query_start.clone());
            query
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("state", &pkce.state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(claims) = &claims {
                query.append_pair("claims", claims);
            }
            query.finish()
        };
        tracing::info!(redirect_uri, "waiting for the user to sign in in a browser");
        (self.open)(&format!("{endpoint}?{query}"));
        let code = match tokio::time::timeout(self.wait, listener.code(&pkce.state)).await {
            Ok(Ok(code)) => code,
            Ok(Err(reason)) => return Err(failed(reason)),
            Err(_) => return Err(failed(Reason::BrowserSignInTimedOut(self.wait))),
        };
        drop(listener);
        let form = {
            let mut form = form_urlencoded::Serializer::new(self.redeem_form_start.clone());
            form.append_pair("code", &code)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("code_verifier", &pkce.verifier);
            if let Some(claims) = &claims {
                form.append_pair("claims", claims);
            }
            form.finish()
        };
        // A code is good for one redemption, but an attempt that did not reach Entra ID, or that it
        // answered 429 or 5xx, did not spend it, and a second attempt after one that did only fails
        // as the first did: tried once more, so that a lost connection does not cost the sign-in.
        let request = form_post(&grant.token_url, form, &grant.user_agent, grant.timeout);
        let token =
            redeem_with_retries(transport, grant.token_url.as_str(), request, REDEEM_RETRY_DELAYS, &may_pass)
                .await?;
        tracing::info!("the user signed in");
        Ok(token)
    }
}

/// One sign-in's secrets: the PKCE verifier the code is redeemed with, the challenge derived from
/// it that the sign-in page is given (S256), and the state that tells this sign-in's redirect from
/// any other request to the listener.
struct Pkce {
    verifier: String,
    challenge: String,
    state: String,
}

impl Pkce {
    /// New secrets from the system's random generator, or `None` if it failed.
    fn new() -> Option<Pkce> {
        use ring::rand::SecureRandom as _;
        let random = ring::rand::SystemRandom::new();
        let (mut verifier, mut state) = ([0u8; 32], [0u8; 16]);
        random.fill(&mut verifier).ok()?;
        random.fill(&mut state).ok()?;
        // 43 characters of base64url: within RFC 7636's unreserved set and lengths.
        let verifier = URL_SAFE_NO_PAD.encode(verifier);
        Some(Pkce { challenge: challenge(&verifier), verifier, state: URL_SAFE_NO_PAD.encode(state) })
    }
}

/// The S256 code challenge of a verifier: base64url of its SHA-256.
fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()))
}

/// The listener the browser comes back to: on 127.0.0.1 and, where the machine has it, on ::1 at
/// the same port, as `localhost` may resolve to either.
struct Loopback {
    listeners: Vec<TcpListener>,
    port: u16,
}

impl Loopback {
    async fn bind(port: u16) -> io::Result<Loopback> {
        let ipv4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let port = ipv4.local_addr()?.port();
        let mut listeners = vec![ipv4];
        if let Ok(ipv6) = TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
            listeners.push(ipv6);
        }
        Ok(Loopback { listeners, port })
    }

    /// Answers requests until one is this sign-in's redirect: its code, or Entra ID's error. Each
    /// connection is read on a task of its own, so that one a browser opened ahead and left idle
    /// does not hold up the redirect.
    async fn code(&self, state: &str) -> Result<String, Reason> {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let event = std::future::poll_fn(|cx| {
                if let Poll::Ready(Some(answered)) = connections.poll_join_next(cx) {
                    return Poll::Ready(Event::Answered(answered.unwrap_or(Redirect::Other)));
                }
                for listener in &self.listeners {
                    if let Poll::Ready(accepted) = listener.poll_accept(cx) {
                        return Poll::Ready(Event::Accepted(accepted.map(|(stream, _)| stream)));
                    }
                }
                Poll::Pending
            })
            .await;
            match event {
                Event::Accepted(Ok(stream)) => {
                    connections.spawn(answer(stream, state.to_owned()));
                }
                Event::Accepted(Err(error)) => return Err(Reason::Listener(error)),
                Event::Answered(Redirect::Code(code)) => return Ok(code),
                Event::Answered(Redirect::Refused { code, description }) => {
                    return Err(Reason::SignInRefused { code, description })
                }
                Event::Answered(Redirect::Other) => {}
            }
        }
    }
}

/// What the listener waited for.
enum Event {
    Accepted(io::Result<TcpStream>),
    /// A connection's request, answered.
    Answered(Redirect),
}

/// Reads one connection's request and answers it with the page its kind shows.
async fn answer(stream: TcpStream, state: String) -> Redirect {
    let Ok(Ok(head)) = tokio::time::timeout(CONNECTION_TIMEOUT, read_head(&stream)).await else {
        return Redirect::Other;
    };
    let redirect = Redirect::read(&head, &state);
    // The page is a courtesy: the sign-in's outcome does not depend on the browser reading it.
    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, write_all(&stream, redirect.page().as_bytes())).await;
    redirect
}

/// Reads a request's head (up to its blank line, the connection's end, or [`MAX_REQUEST_HEAD`]).
async fn read_head(stream: &TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while head.len() < MAX_REQUEST_HEAD && !head.windows(4).any(|window| window == b"\r\n\r\n") {
        stream.readable().await?;
        match stream.try_read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => head.extend_from_slice(buffer.get(..read).unwrap_or_default()),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
    Ok(head)
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(written) => bytes = bytes.get(written..).unwrap_or_default(),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// What a request to the listener is.
#[derive(Debug, PartialEq)]
enum Redirect {
    /// This sign-in's code: the user signed in.
    Code(String),
    /// Entra ID's error for this sign-in: the user declined, or the app may not sign users in.
    Refused { code: String, description: Option<String> },
    /// Not this sign-in's redirect (another path or state, not a `GET`, not HTTP): answered 404 and
    /// otherwise ignored, as a browser's request for `/favicon.ico` or a stale tab's is.
    Other,
}

impl Redirect {
    fn read(head: &[u8], state: &str) -> Redirect {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        // A head cut short still has its request line, which is all that is read.
        let _ = request.parse(head);
        let (Some("GET"), Some(target)) = (request.method, request.path) else { return Redirect::Other };
        let Some(("/", query)) = target.split_once('?') else { return Redirect::Other };
        let (mut code, mut answered_state, mut error, mut description) = (None, None, None, None);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "code" => code = Some(value.into_owned()),
                "state" => answered_state = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                "error_description" => description = Some(value.into_owned()),
                _ => {}
            }
        }
        if answered_state.as_deref() != Some(state) {
            return Redirect::Other;
        }
        match (error, code) {
            (Some(code), _) => Redirect::Refused {
                code,
                description: description
                    .and_then(|text| text.lines().next().map(|line| line.trim().to_owned())),
            },
            (None, Some(code)) if !code.is_empty() => Redirect::Code(code),
            _ => Redirect::Other,
        }
    }

    /// The HTTP answer the browser shows: fixed text, nothing of the request's echoed.
    fn page(&self) -> String {
        let (status, text) = match self {
            Redirect::Code(_) => {
                (StatusCode::OK, "Signed in. You can close this page and go back to the program.")
            }
            Redirect::Refused { .. } => (
                StatusCode::OK,
                "The sign-in did not complete. You can close this page; the program says why.",
            ),
            Redirect::Other => (StatusCode::NOT_FOUND, "Not found."),
        };
        let body = format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{text}</title></head><body><p>{text}</p></body></html>");
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }
}

/// The default `open`: the user's browser where one can be opened, on a thread of its own (the
/// platform's opener may take a moment), and the URL on a line of standard error either way (not
/// `eprintln!`, which panics when standard error is closed).
fn open_in_browser(url: &str) {
    use std::io::Write as _;
    let opening = browser_may_open(|name| std::env::var_os(name));
    let line = match opening {
        true => format!("Opening the sign-in page in a browser; if none opens, go to: {url}"),
        false => format!("To sign in, open this page in a browser: {url}"),
    };
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    if opening {
        let url = url.to_owned();
        std::thread::spawn(move || {
            if let Err(error) = open::that(&url) {
                tracing::info!(%error, "the sign-in page could not be opened in a browser");
            }
        });
    }
}

/// Whether a browser can be opened from this session. On Linux and the other Unixes, only with a
/// display (X11's or Wayland's), or under WSL, whose opener starts Windows' browser: without one,
/// `xdg-open` may start a text browser in this very terminal, over the program's own output.
fn browser_may_open(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
    cfg!(any(windows, target_os = "macos"))
        || ["DISPLAY", "WAYLAND_DISPLAY", "WSL_DISTRO_NAME"].into_iter().any(set)
}

/// Configures [`InteractiveBrowser`]; from [`InteractiveBrowser::builder`].
pub struct InteractiveBrowserBuilder {
    /// What the device code flow's builder configures too: cloud, scopes, refresh token, transport.
    user: DeviceCodeBuilder,
    open: Option<Open>,
    port: u16,
    wait: Duration,
    login_hint: Option<String>,
}

impl fmt::Debug for InteractiveBrowserBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InteractiveBrowserBuilder")
            .field("user", &self.user)
            .field("open", &self.open.as_ref().map(|_| "…"))
            .field("port", &self.port)
            .field("sign_in_timeout", &self.wait)
            .field("login_hint", &self.login_hint)
            .finish()
    }
}

impl InteractiveBrowserBuilder {
    /// The national cloud, as [`DeviceCodeBuilder::cloud`].
    pub fn cloud(mut self, cloud: NationalCloud) -> InteractiveBrowserBuilder {
        self.user = self.user.cloud(cloud);
        self
    }

    /// Another sign-in authority than the cloud's, as [`DeviceCodeBuilder::authority_host`]; the
    /// sign-in page is `<authority>/<tenant>/oauth2/v2.0/authorize`.
    pub fn authority_host(mut self, authority_host: impl Into<String>) -> InteractiveBrowserBuilder {
        self.user = self.user.authority_host(authority_host);
        self
    }

    /// The delegated permissions to ask for, as [`DeviceCodeBuilder::scopes`].
    pub fn scopes<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> InteractiveBrowserBuilder {
        self.user = self.user.scopes(scopes);
        self
    }

    /// Shows the user the sign-in page: called with its URL once per sign-in, on the task that
    /// awaits the request needing the token. It should return at once (open a browser, show the
    /// URL), not wait for the user. By default the page is opened in the user's browser where one
    /// can be, and the URL written to standard error.
    pub fn open(mut self, open: impl Fn(&str) + Send + Sync + 'static) -> InteractiveBrowserBuilder {
        self.open = Some(Arc::new(open));
        self
    }

    /// The loopback port to listen on; by default one the system picks for each sign-in.
    pub fn port(mut self, port: u16) -> InteractiveBrowserBuilder {
        self.port = port;
        self
    }

    /// How long the user has to sign in (five minutes unless set); then the request fails.
    pub fn sign_in_timeout(mut self, wait: Duration) -> InteractiveBrowserBuilder {
        self.wait = wait;
        self
    }

    /// The account to sign in with, filled in on the sign-in page: `alice@contoso.com`.
    pub fn login_hint(mut self, login_hint: impl Into<String>) -> InteractiveBrowserBuilder {
        self.login_hint = Some(login_hint.into());
        self
    }

    /// A refresh token kept from an earlier run, as [`DeviceCodeBuilder::refresh_token`].
    pub fn refresh_token(mut self, refresh_token: impl Into<String>) -> InteractiveBrowserBuilder {
        self.user = self.user.refresh_token(refresh_token);
        self
    }

    /// Declares that the app handles claims challenges, as
    /// [`DeviceCodeBuilder::continuous_access_evaluation`]; a sign-in a challenge needs is made in
    /// the browser, with the challenge's claims.
    pub fn continuous_access_evaluation(mut self) -> InteractiveBrowserBuilder {
        self.user = self.user.continuous_access_evaluation();
        self
    }

    /// The transport the requests to Entra ID go through, as [`DeviceCodeBuilder::transport`].
    pub fn transport(mut self, transport: impl Transport + 'static) -> InteractiveBrowserBuilder {
        self.user = self.user.transport(transport);
        self
    }

    /// How long one request to Entra ID may take, as [`DeviceCodeBuilder::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> InteractiveBrowserBuilder {
        self.user = self.user.timeout(timeout);
        self
    }

    /// Checks the tenant, client id, scopes and authority, and starts the transport if none was
    /// given. Nothing is requested, listened on or opened until a token is needed.
    pub fn build(self) -> Result<InteractiveBrowser, Error> {
        let InteractiveBrowserBuilder { user, open, port, wait, login_hint } = self;
        let open = open.unwrap_or_else(|| Arc::new(open_in_browser));
        let user = user.build_signing_in(|app| {
            let mut query = vec![
                ("client_id", app.client_id),
                ("response_type", "code"),
                ("response_mode", "query"),
                ("scope", app.scope),
            ];
            if let Some(login_hint) = login_hint.as_deref() {
                query.push(("login_hint", login_hint));
            }
            Ok(SignIn::Browser(BrowserSignIn {
                authorize_url: tenant_endpoint(app.authority, app.tenant, "authorize")?,
                authorize_query_start: form(&query),
                redeem_form_start: form(&[
                    ("grant_type", "authorization_code"),
                    ("client_id", app.client_id),
                    ("scope", app.scope),
                ]),
                port,
                open,
                wait,
            }))
        })?;
        Ok(InteractiveBrowser { user })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::sync::mpsc;

    use http::{HeaderMap, HeaderValue, StatusCode};

    use super::super::token_endpoint::script::{answer, script, Script};
    use super::*;
    use crate::transport::HttpResponse;

    const AUTHORIZE: &str = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize";
    const TOKEN: &str = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";

    #[test]
    fn the_challenge_is_rfc_7636s_s256_of_the_verifier() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let (first, second) = (Pkce::new().unwrap(), Pkce::new().unwrap());
        assert_eq!((first.verifier.len(), first.state.len()), (43, 22));
        assert_eq!(first.challenge, challenge(&first.verifier));
        assert_ne!((first.verifier, first.state), (second.verifier, second.state), "random each time");
    }

    #[test]
    fn a_browser_is_opened_only_where_one_can_come_up() {
        let may_open = |vars: &'static [(&'static str, &'static str)]| {
            browser_may_open(|name| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.into()))
        };
        let desktop = cfg!(any(windows, target_os = "macos"));
        assert_eq!(may_open(&[]), desktop, "a terminal without a display (SSH): the URL only");
        assert_eq!(may_open(&[("DISPLAY", "")]), desktop);
        assert!(may_open(&[("DISPLAY", ":0")]));
        assert!(may_open(&[("WAYLAND_DISPLAY", "wayland-0")]));
        assert!(may_open(&[("WSL_DISTRO_NAME", "Ubuntu")]));
    }

    #[test]
    fn only_this_sign_ins_redirect_ends_the_wait() {
        let read = |head: &str| Redirect::read(head.as_bytes(), "s1");
        assert_eq!(
            read("GET /?code=c%2B1&state=s1 HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            Redirect::Code("c+1".into())
        );
        // The request line alone, its head cut short, is enough.
        assert_eq!(read("GET /?state=s1&code=c2 HTTP/1.1\r\nHost: loc"), Redirect::Code("c2".into()));
        assert_eq!(
            read("GET /?error=access_denied&error_description=AADSTS65004%3A+User+declined.%0D%0ATrace+ID%3A+1&state=s1 HTTP/1.1\r\n\r\n"),
            Redirect::Refused { code: "access_denied".into(), description: Some("AADSTS65004: User declined.".into()) }
        );
        for other in [
            "GET /?code=c&state=another HTTP/1.1\r\n\r\n",
            "GET /?code=c HTTP/1.1\r\n\r\n",
            "GET /?error=access_denied HTTP/1.1\r\n\r\n",
            "GET /favicon.ico HTTP/1.1\r\n\r\n",
            "GET /callback?code=c&state=s1 HTTP/1.1\r\n\r\n",
            "POST /?code=c&state=s1 HTTP/1.1\r\n\r\n",
            "GET /?code=&state=s1 HTTP/1.1\r\n\r\n",
            "\u{16}\u{3}\u{1} a TLS hello",
            "",
        ] {
            assert_eq!(read(other), Redirect::Other, "{other:?}");
        }
        let page = Redirect::Other.page();
        assert!(page.starts_with("HTTP/1.1 404 Not Found\r\n"), "{page}");
        let body = page.split("\r\n\r\n").nth(1).unwrap();
        assert!(page.contains(&format!("Content-Length: {}\r\n", body.len())), "{page}");
    }

    /// A provider whose sign-in pages are sent down a channel, as a browser would be given them.
    fn browser(
        transport: &Arc<Script>,
        builder: InteractiveBrowserBuilder,
    ) -> (InteractiveBrowser, mpsc::UnboundedReceiver<String>) {
        let (pages, opened) = mpsc::unbounded_channel();
        let user = builder
            .transport(Arc::clone(transport))
            .open(move |url| {
                let _ = pages.send(url.to_owned());
            })
            .build()
            .unwrap();
        (user, opened)
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        let query = url.split_once('?').map_or("", |(_, query)| query);
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
        pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
    }

    /// What a browser sent to `redirect_uri` with this path and query reads.
    async fn visit(redirect_uri: &str, path_and_query: &str) -> String {
        let port = redirect_uri.rsplit(':').next().unwrap();
        let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await.unwrap();
        let request =
            format!("GET {path_and_query} HTTP/1.1\r\nHost: localhost:{port}\r\nAccept: text/html\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).await.unwrap();
        page
    }

    #[tokio::test]
    async fn the_user_signs_in_in_the_browser_and_the_code_is_redeemed_with_the_verifier() {
        let transport = script([answer(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "user-1", "refresh_token": "refresh-1"}),
        )]);
        let builder = InteractiveBrowser::builder("contoso.onmicrosoft.com", "app-id")
            .scopes(["DeviceManagementManagedDevices.Read.All"])
            .login_hint("alice@contoso.com");
        let (user, mut opened) = browser(&transport, builder);
        let the_browser = tokio::spawn(async move {
            let page = opened.recv().await.unwrap();
            let query = query_of(&page);
            let (redirect_uri, state) =
                (value(&query, "redirect_uri").to_owned(), value(&query, "state").to_owned());
            // A connection opened ahead and left idle, as browsers do: it holds nothing up.
            let port = redirect_uri.rsplit(':').next().unwrap();
            let idle = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await.unwrap();
            let favicon = visit(&redirect_uri, "/favicon.ico").await;
            let stale = visit(&redirect_uri, "/?code=old&state=an-old-tab").await;
            let signed_in =
                visit(&redirect_uri, &format!("/?code=the-code&state={state}&session_state=x")).await;
            drop(idle);
            (page, favicon, stale, signed_in)
        });

        // Well within the idle connection's 10 seconds.
        let token = tokio::time::timeout(Duration::from_secs(5), user.token()).await.unwrap();
        assert_eq!(token.unwrap(), "user-1");
        let (page, favicon, stale, signed_in) = the_browser.await.unwrap();
        assert!(page.starts_with(&format!("{AUTHORIZE}?")), "{page}");
        let query = query_of(&page);
        let names: Vec<&str> = query.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "response_type",
                "response_mode",
                "scope",
                "login_hint",
                "redirect_uri",
                "state",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(value(&query, "client_id"), "app-id");
        assert_eq!((value(&query, "response_type"), value(&query, "response_mode")), ("code", "query"));
        assert_eq!(
            value(&query, "scope"),
            "https://graph.microsoft.com/DeviceManagementManagedDevices.Read.All offline_access"
        );
        assert_eq!(value(&query, "code_challenge_method"), "S256");
        let redirect_uri = value(&query, "redirect_uri");
        assert!(redirect_uri.starts_with("http://localhost:"), "{redirect_uri}");
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(stale.starts_with("HTTP/1.1 404"), "{stale}");
        assert!(signed_in.starts_with("HTTP/1.1 200 OK") && signed_in.contains("Signed in."), "{signed_in}");

        let requests = std::mem::take(&mut *transport.requests.lock().unwrap());
        let [redeemed] = requests.as_slice() else { panic!("one token request: {}", requests.len()) };
        assert_eq!(redeemed.url.to_string(), TOKEN);
        let form: Vec<(String, String)> =
            form_urlencoded::parse(redeemed.body.as_deref().unwrap_or_default()).into_owned().collect();
        let names: Vec<&str> = form.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["grant_type", "client_id", "scope", "code", "redirect_uri", "code_verifier"]);
        assert_eq!(value(&form, "grant_type"), "authorization_code");
        assert_eq!(value(&form, "code"), "the-code");
        assert_eq!(value(&form, "redirect_uri"), redirect_uri);
        assert_eq!(challenge(value(&form, "code_verifier")), value(&query, "code_challenge"));
        assert_eq!(user.refresh_token().await.as_deref(), Some("refresh-1"));
        let described = format!("{user:?}");
        assert_eq!(described, format!("InteractiveBrowser {{ token_url: {TOKEN:?}, .. }}"));
    }

    #[tokio::test]
    async fn a_redemption_answered_503_is_tried_again_with_the_same_code() {
        let mut retry_at_once = HeaderMap::new();
        retry_at_once.insert(http::header::RETRY_AFTER, HeaderValue::from_static("0"));
        let transport = script([
            Ok(HttpResponse::new(StatusCode::SERVICE_UNAVAILABLE, retry_at_once, Vec::new())),
            answer(200, json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "user-1"})),
        ]);
        let (user, mut opened) =
            browser(&transport, InteractiveBrowser::builder("contoso.onmicrosoft.com", "app-id"));
        let the_browser = tokio::spawn(async move {
            let query = query_of(&opened.recv().await.unwrap());
            let (redirect_uri, state) = (value(&query, "redirect_uri"), value(&query, "state"));
            visit(redirect_uri, &format!("/?code=the-code&state={state}")).await
        });
        assert_eq!(user.token().await.unwrap(), "user-1");
        assert!(the_browser.await.unwrap().contains("Signed in."));
        let codes: Vec<String> =
            transport.forms().iter().map(|form| value(form, "code").to_owned()).collect();
        assert_eq!(codes, ["the-code", "the-code"]);
    }

    #[tokio::test]
    async fn a_claims_challenge_the_refresh_token_cannot_satisfy_is_a_sign_in_with_the_claims() {
        let granted = |token: &str| {
            answer(
                200,
                json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token, "refresh_token": "r"}),
            )
        };
        let transport = script([
            granted("user-1"),
            answer(400, json!({"error": "interaction_required", "error_description": "AADSTS50076: MFA."})),
            granted("user-2"),
        ]);
        let builder =
            InteractiveBrowser::builder("contoso.onmicrosoft.com", "app-id").continuous_access_evaluation();
        let (user, mut opened) = browser(&transport, builder);
        let the_browser = tokio::spawn(async move {
            let mut asked = Vec::new();
            for code in ["code-1", "code-2"] {
                let query = query_of(&opened.recv().await.unwrap());
                let (redirect_uri, state) = (value(&query, "redirect_uri"), value(&query, "state"));
                visit(redirect_uri, &format!("/?code={code}&state={state}")).await;
                asked.push(value(&query, "claims").to_owned());
            }
            asked
        });

        assert_eq!(user.token().await.unwrap(), "user-1");
        let mfa = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;
        assert!(user.claims_challenged("user-1", mfa));
        assert_eq!(user.token().await.unwrap(), "user-2");

        let capability = json!({"access_token": {"xms_cc": {"values": ["cp1"]}}});
        let challenged = json!({"access_token": {"acrs": {"essential": true, "value": "c1"}, "xms_cc": {"values": ["cp1"]}}});
        let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        let pages: Vec<_> = the_browser.await.unwrap().iter().map(|claims| json(claims)).collect();
        assert_eq!(pages, [capability.clone(), challenged.clone()]);
        let forms: Vec<(String, serde_json::Value)> = transport
            .forms()
            .iter()
            .map(|form| (value(form, "grant_type").to_owned(), json(value(form, "claims"))))
            .collect();
        assert_eq!(
            forms,
            [
                ("authorization_code".to_owned(), capability),
                ("refresh_token".to_owned(), challenged.clone()),
                ("authorization_code".to_owned(), challenged),
            ]
        );
    }

    #[tokio::test]
    async fn a_declined_sign_in_is_the_requests_error_with_entra_ids_code_and_the_next_one_asks_again() {
        let transport = script([]);
        let builder = InteractiveBrowser::builder("contoso.onmicrosoft.com", "app-id");
        let (user, mut opened) = browser(&transport, builder);
        let the_browser = tokio::spawn(async move {
            for _ in 0..2 {
                let query = query_of(&opened.recv().await.unwrap());
                let (redirect_uri, state) = (value(&query, "redirect_uri"), value(&query, "state"));
                let declined = format!(
                    "/?error=access_denied&error_description=AADSTS65004%3A+User+declined.&state={state}"
                );
                let page = visit(redirect_uri, &declined).await;
                assert!(page.contains("did not complete"), "{page}");
            }
        });

        for _ in 0..2 {
            let error = user.token().await.unwrap_err();
            let token_error = error.downcast_ref::<TokenError>().unwrap();
            assert_eq!(token_error.code(), Some("access_denied"));
            assert_eq!(
                error.to_string(),
                format!("the sign-in at {AUTHORIZE} ended with access_denied: AADSTS65004: User declined.")
            );
        }
        the_browser.await.unwrap();
        assert!(transport.requests.lock().unwrap().is_empty(), "nothing redeemed");
    }

    #[tokio::test]
    async fn no_sign_in_within_the_timeout_fails_the_request() {
        let transport = script([]);
        let builder = InteractiveBrowser::builder("contoso.onmicrosoft.com", "app-id")
            .sign_in_timeout(Duration::from_millis(50));
        let (user, _opened) = browser(&transport, builder);
        let error = user.token().await.unwrap_err().to_string();
        assert_eq!(
            error,
            format!("no one signed in in the browser within 50ms; the sign-in page was {AUTHORIZE}")
        );
    }
}
