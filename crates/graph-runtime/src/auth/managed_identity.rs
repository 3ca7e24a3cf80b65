//! Tokens for the managed identity of the Azure resource the program runs on, from the instance
//! metadata service (virtual machines, scale sets, Kubernetes nodes), from App Service's local
//! identity endpoint (App Service, Functions, Container Apps), from Azure Machine Learning's, from
//! Azure Cloud Shell's (the signed-in user's tokens), from Service Fabric's (trusted by its
//! certificate's thumbprint), or from the agent of an Azure Arc-enabled server (a machine outside
//! Azure).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, ACCEPT, AUTHORIZATION, USER_AGENT, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use super::token_endpoint::{form_post, CachedToken, Reason, RequestFuture, TokenCache, TokenSource};
use super::{TokenFuture, TokenProvider};
use crate::absolute_url::AbsoluteUrl;
use crate::client::start_transport;
use crate::config::{NationalCloud, DEFAULT_USER_AGENT};
use crate::transport::{HttpRequest, HttpTransport, Transport};
use crate::Error;

/// The instance metadata service's token endpoint: link-local, on every Azure virtual machine.
const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
const IMDS_API_VERSION: &str = "2018-02-01";
/// The version of App Service's identity protocol that `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`
/// belong to.
const APP_SERVICE_API_VERSION: &str = "2019-08-01";
/// The version of Azure Machine Learning's identity protocol (App Service's first), that
/// `MSI_ENDPOINT` and `MSI_SECRET` belong to.
const MACHINE_LEARNING_API_VERSION: &str = "2017-09-01";
/// The version of Service Fabric's identity protocol that `IDENTITY_ENDPOINT`, `IDENTITY_HEADER`
/// and `IDENTITY_SERVER_THUMBPRINT` belong to.
const SERVICE_FABRIC_API_VERSION: &str = "2019-07-01-preview";
/// The version of Azure Arc's identity protocol: each request challenged for a key file's contents.
const AZURE_ARC_API_VERSION: &str = "2019-11-01";
/// Where an Azure Arc-enabled server's agent (its `himds` service) takes token requests, when the
/// environment does not say.
const AZURE_ARC_ENDPOINT: &str = "http://127.0.0.1:40342/metadata/identity/oauth2/token";
/// The largest key file Azure Arc's challenge is answered with: its agent's are far smaller, and a
/// larger one is not one of them.
const AZURE_ARC_KEY_MAX_BYTES: u64 = 4096;

/// How long one token request may take unless [`ManagedIdentityBuilder::timeout`] says otherwise:
/// shorter than for Entra ID, since the endpoint is on the machine or beside it, and off Azure a
/// request to the metadata service's address only times out.
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The waits before each retry of a request answered 404, 408, 410, 429 or 5xx. The metadata
/// service answers 410 while it is updated, which can take 70 seconds; Microsoft asks for
/// exponential backoff over that long, so the last try comes 79 seconds after the first.
const RETRY_DELAYS: &[Duration] = &[
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
    Duration::from_secs(16),
    Duration::from_secs(16),
    Duration::from_secs(16),
];

/// The environment variables [`ManagedIdentity::from_env`] reads: App Service's, Azure Machine
/// Learning's, Cloud Shell's, Azure Arc's, Service Fabric's, and the Azure SDKs' name for a
/// user-assigned identity's client id.
const IDENTITY_ENDPOINT_VAR: &str = "IDENTITY_ENDPOINT";
const IDENTITY_HEADER_VAR: &str = "IDENTITY_HEADER";
const MSI_ENDPOINT_VAR: &str = "MSI_ENDPOINT";
const MSI_SECRET_VAR: &str = "MSI_SECRET";
/// The client id of the identity an Azure Machine Learning compute uses unless told otherwise.
const DEFAULT_IDENTITY_CLIENT_ID_VAR: &str = "DEFAULT_IDENTITY_CLIENT_ID";
const IMDS_ENDPOINT_VAR: &str = "IMDS_ENDPOINT";
const IDENTITY_SERVER_THUMBPRINT_VAR: &str = "IDENTITY_SERVER_THUMBPRINT";
const CLIENT_ID_VAR: &str = "AZURE_CLIENT_ID";

/// Access tokens for Microsoft Graph as the managed identity of the Azure resource the program runs
/// on: no secret to keep, since Azure issues the tokens to the resource itself. The app permissions
/// (app roles) the identity has been granted on Microsoft Graph are in the token.
///
/// Tokens come from the instance metadata service (`http://169.254.169.254`, on virtual machines,
/// scale sets and Kubernetes nodes); where `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set, from
/// App Service's endpoint (App Service, Functions, Container Apps); where `MSI_ENDPOINT` and
/// `MSI_SECRET` are, from Azure Machine Learning's; where `MSI_ENDPOINT` alone is, from Azure Cloud
/// Shell's, whose tokens are the signed-in user's (with the delegated permissions the user has
/// consented to, not app roles); where `IDENTITY_SERVER_THUMBPRINT` is set beside App Service's two,
/// from Service Fabric's, whose self-signed certificate is trusted by that thumbprint alone; on an
/// Azure Arc-enabled server, from its agent, which answers a
/// first request with a challenge: the name of a key file that only administrators (and, on Linux,
/// the `himds` group) can read, whose contents prove the program runs with their rights. See
/// [`ManagedIdentity::from_env`]. Tokens are requested directly, never through a proxy.
///
/// A token is cached and replaced as [`ClientCredentials`](crate::ClientCredentials)' are: five
/// minutes before it expires, one fetch at a time (the cached token serving other callers
/// meanwhile), the cached token kept while still valid if a refresh fails, dropped when Graph
/// answers 401. A request answered 404, 408, 410, 429 or 5xx is
/// tried again after 1, 2, 4, 8, then 16 seconds four times (the metadata service answers 410 for
/// up to 70 seconds while it is updated); one that could not connect or timed out (after 10
/// seconds), once.
/// Errors are [`TokenError`](crate::TokenError)s, as the source of [`Error::Auth`].
///
/// ```no_run
/// # fn main() -> Result<(), graph_runtime::Error> {
/// use graph_runtime::{Client, ManagedIdentity};
///
/// let identity = ManagedIdentity::from_env().build()?;
/// let client = Client::builder().token_provider(identity).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ManagedIdentity {
    tokens: Arc<TokenCache<IdentityEndpoint>>,
}

/// The requests for one identity's tokens.
struct IdentityEndpoint {
    /// Every attempt's request, the same each time: a `GET` whose query names the API version,
    /// resource and identity, with the proof the endpoint asks for (`Metadata: true`, or a secret
    /// header: App Service's `X-IDENTITY-HEADER`, Azure Machine Learning's and Service Fabric's
    /// `secret`); for Cloud Shell, a `POST` of the resource as a form.
    request: HttpRequest,
    /// Without the query, for errors and logs.
    endpoint: String,
    challenge: Challenge,
}

/// What hosts the program, as it gives the identity's tokens.
enum Host {
    /// The instance metadata service, at another address than its own if given (a test's).
    Imds(Option<String>),
    AppService {
        endpoint: String,
        identity_header: String,
    },
    /// An Azure Arc-enabled server's agent. It serves only the system-assigned identity.
    AzureArc {
        endpoint: String,
    },
    /// Azure Machine Learning's endpoint, with the identity its compute uses unless told otherwise.
    MachineLearning {
        endpoint: String,
        secret: String,
        default_client_id: Option<String>,
    },
    /// Azure Cloud Shell's endpoint: the signed-in user's tokens, no identity to choose.
    CloudShell {
        endpoint: String,
    },
    /// Service Fabric's endpoint, whose TLS certificate is trusted by the SHA-1 thumbprint the
    /// environment gives, not by a certificate authority (nor for a host name: it is an address).
    ServiceFabric {
        endpoint: String,
        identity_header: String,
        thumbprint: String,
    },
}

/// How the identity endpoint's challenge is answered.
enum Challenge {
    /// It sends none: a `401` is an error.
    Never,
    /// Azure Arc's: with the contents of a key file in this folder (`None` on a system Azure Arc
    /// does not run on).
    AzureArcKey(Option<PathBuf>),
}

impl ManagedIdentity {
    /// The resource's system-assigned identity.
    pub fn system_assigned() -> ManagedIdentityBuilder {
        ManagedIdentityBuilder::new(None, Host::Imds(None))
    }

    /// One of the user-assigned identities attached to the resource, by its client id.
    pub fn user_assigned(client_id: impl Into<String>) -> ManagedIdentityBuilder {
        ManagedIdentityBuilder::new(Some(client_id.into()), Host::Imds(None))
    }

    /// The identity the environment describes, as the Azure SDKs read it: App Service's endpoint
    /// when both `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set; Azure Machine Learning's at
    /// `MSI_ENDPOINT` when `MSI_SECRET` is set too; Cloud Shell's at `MSI_ENDPOINT` alone; Azure
    /// Arc's agent at `IDENTITY_ENDPOINT` when `IMDS_ENDPOINT` is set too, or at its usual address
    /// when its `himds` program is installed; the instance metadata service otherwise. The
    /// user-assigned identity whose client id is `AZURE_CLIENT_ID` when that is set; otherwise the
    /// system-assigned one, or on Azure Machine Learning the one `DEFAULT_IDENTITY_CLIENT_ID`
    /// names. Service Fabric's endpoint when `IDENTITY_SERVER_THUMBPRINT` is set beside App
    /// Service's two. A variable set to nothing counts as unset.
    pub fn from_env() -> ManagedIdentityBuilder {
        ManagedIdentity::from_vars(|name| std::env::var(name).ok(), azure_arc_agent_installed)
    }

    fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        azure_arc_agent_installed: impl FnOnce() -> bool,
    ) -> ManagedIdentityBuilder {
        // An empty variable is an unset one, as the Azure SDKs read them: `AZURE_CLIENT_ID=` means
        // the system-assigned identity, not a user-assigned one without an id.
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let host = match (var(IDENTITY_ENDPOINT_VAR), var(IDENTITY_HEADER_VAR), var(MSI_ENDPOINT_VAR)) {
            (Some(endpoint), Some(identity_header), _) => match var(IDENTITY_SERVER_THUMBPRINT_VAR) {
                Some(thumbprint) => Host::ServiceFabric { endpoint, identity_header, thumbprint },
                None => Host::AppService { endpoint, identity_header },
            },
            (_, _, Some(endpoint)) => match var(MSI_SECRET_VAR) {
                Some(secret) => Host::MachineLearning {
                    endpoint,
                    secret,
                    default_client_id: var(DEFAULT_IDENTITY_CLIENT_ID_VAR),
                },
                None => Host::CloudShell { endpoint },
            },
            (Some(endpoint), None, None) if var(IMDS_ENDPOINT_VAR).is_some() => Host::AzureArc { endpoint },
            _ if azure_arc_agent_installed() => Host::AzureArc { endpoint: AZURE_ARC_ENDPOINT.to_owned() },
            _ => Host::Imds(None),
        };
        ManagedIdentityBuilder::new(var(CLIENT_ID_VAR), host)
    }
}

impl TokenProvider for ManagedIdentity {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.tokens.current().await.map_err(Into::into) })
    }

    fn token_rejected(&self, token: &str) -> bool {
        self.tokens.rejected(token);
        true
    }
}

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL's query names the identity and the resource; App Service's header, a secret, is
        // not shown.
        f.debug_struct("ManagedIdentity")
            .field("url", &self.tokens.source.request.url.to_string())
            .finish_non_exhaustive()
    }
}

impl TokenSource for IdentityEndpoint {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Managed identity endpoints take no claims: a challenged token is replaced by the endpoint's
    /// next, which satisfies a challenge for a token issued after a revocation once the endpoint
    /// has one (until then it gives the refused token again, and the client does not resend it).
    fn request<'a>(
        &'a self,
        _previous: Option<&'a CachedToken>,
        _claims: Option<&'a str>,
        _transport: &'a dyn Transport,
    ) -> RequestFuture<'a> {
        Box::pin(std::future::ready(Ok(self.request.clone())))
    }

    fn may_pass(&self, status: StatusCode) -> bool {
        matches!(status.as_u16(), 404 | 408 | 410 | 429) || status.is_server_error()
    }

    fn retry_delays(&self) -> &'static [Duration] {
        RETRY_DELAYS
    }

    fn answer_challenge(
        &self,
        mut request: HttpRequest,
        challenge: &HeaderMap,
    ) -> Option<Result<HttpRequest, Reason>> {
        let Challenge::AzureArcKey(directory) = &self.challenge else { return None };
        // A 401 without a challenge is a refusal, and reads as one.
        let challenge = challenge.get(WWW_AUTHENTICATE)?;
        Some(azure_arc_key(challenge, directory.as_deref()).map(|key| {
            request.headers.insert(AUTHORIZATION, key);
            request
        }))
    }
}

/// The `Authorization` header that answers Azure Arc's challenge, `Basic realm=<key file>`: the
/// file's contents, once the file is known to be one the agent writes. The endpoint's answer names
/// the file to send, so a file anywhere else is refused: sending it would hand its contents to
/// whatever answered.
fn azure_arc_key(challenge: &HeaderValue, directory: Option<&Path>) -> Result<HeaderValue, Reason> {
    let refused = |why: String| Err(Reason::Challenge(why));
    let realm = challenge.to_str().ok().and_then(|challenge| {
        let (scheme, rest) = challenge.trim().split_once(' ')?;
        let (name, value) = rest.trim().split_once('=')?;
        let is_realm = scheme.eq_ignore_ascii_case("basic") && name.trim().eq_ignore_ascii_case("realm");
        is_realm.then(|| value.trim().trim_matches('"'))
    });
    let Some(file) = realm.map(Path::new) else {
        return refused(format!(
            "it answered 401 with a challenge that is not Azure Arc's `Basic realm=<key file>`: {challenge:?}"
        ));
    };
    let Some(directory) = directory else {
        return refused(format!(
            "it asks for the key file {}, and Azure Arc keeps its key files only on Linux and Windows",
            file.display()
        ));
    };
    let is_a_key = file.extension().is_some_and(|extension| extension == "key");
    if file.parent() != Some(directory) || !is_a_key {
        return refused(format!(
            "it asks for the file {}, which is not a `.key` file in {}, where Azure Arc's agent keeps its \
             keys",
            file.display(),
            directory.display()
        ));
    }
    let unreadable = |error| Reason::ChallengeKey(file.to_owned(), error);
    let size = std::fs::metadata(file).map_err(unreadable)?.len();
    if size > AZURE_ARC_KEY_MAX_BYTES {
        return refused(format!(
            "it asks for the key file {}, of {size} bytes: larger than an Azure Arc key ({AZURE_ARC_KEY_MAX_BYTES} \
             bytes at most)",
            file.display()
        ));
    }
    let key = std::fs::read_to_string(file).map_err(unreadable)?;
    let mut value = HeaderValue::from_str(&format!("Basic {}", key.trim())).or_else(|_| {
        refused(format!(
            "the key file {} it asks for does not hold a key (not one line of text)",
            file.display()
        ))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Whether Azure Arc's agent is installed, by its `himds` program where the agent installs it.
fn azure_arc_agent_installed() -> bool {
    azure_arc_path("/opt/azcmagent/bin/himds", "ProgramFiles", r"AzureConnectedMachineAgent\himds.exe")
        .is_some_and(|himds| himds.is_file())
}

/// The folder Azure Arc's agent writes the key files of its challenges to, readable only by
/// administrators (and the `himds` group on Linux); `None` on a system the agent does not run on.
fn azure_arc_key_directory() -> Option<PathBuf> {
    azure_arc_path("/var/opt/azcmagent/tokens", "ProgramData", r"AzureConnectedMachineAgent\Tokens")
}

/// Where Azure Arc's agent keeps a file: `linux` on Linux; on Windows, `windows` under the folder
/// the environment variable `windows_folder` names; nowhere on other systems.
fn azure_arc_path(linux: &str, windows_folder: &str, windows: &str) -> Option<PathBuf> {
    if cfg!(target_os = "linux") {
        Some(PathBuf::from(linux))
    } else if cfg!(windows) {
        std::env::var_os(windows_folder).map(|folder| Path::new(&folder).join(windows))
    } else {
        None
    }
}

/// Configures [`ManagedIdentity`]; from [`ManagedIdentity::system_assigned`],
/// [`ManagedIdentity::user_assigned`] or [`ManagedIdentity::from_env`].
pub struct ManagedIdentityBuilder {
    client_id: Option<String>,
    host: Host,
    cloud: NationalCloud,
    resource: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    timeout: Duration,
    /// Where Azure Arc's key files are: the agent's folder unless a test says otherwise.
    azure_arc_keys: Option<PathBuf>,
}

impl fmt::Debug for ManagedIdentityBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.host {
            Host::Imds(endpoint) => endpoint.as_deref().unwrap_or(IMDS_ENDPOINT),
            Host::AppService { endpoint, .. }
            | Host::AzureArc { endpoint }
            | Host::MachineLearning { endpoint, .. }
            | Host::CloudShell { endpoint }
            | Host::ServiceFabric { endpoint, .. } => endpoint,
        };
        f.debug_struct("ManagedIdentityBuilder")
            .field("client_id", &self.client_id)
            .field("endpoint", &host)
            .field("cloud", &self.cloud)
            .field("resource", &self.resource)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentityBuilder {
    fn new(client_id: Option<String>, host: Host) -> ManagedIdentityBuilder {
        ManagedIdentityBuilder {
            client_id,
            host,
            cloud: NationalCloud::Global,
            resource: None,
            transport: None,
            timeout: DEFAULT_TOKEN_TIMEOUT,
            azure_arc_keys: None,
        }
    }

    /// The national cloud whose Graph root the tokens are for ([`NationalCloud::Global`] unless
    /// set). Use the same cloud as the [`crate::Client`].
    pub fn cloud(mut self, cloud: NationalCloud) -> ManagedIdentityBuilder {
        self.cloud = cloud;
        self
    }

    /// Another resource than the cloud's Graph root (`https://graph.microsoft.com`): the audience
    /// of the tokens, without `/.default`.
    pub fn resource(mut self, resource: impl Into<String>) -> ManagedIdentityBuilder {
        self.resource = Some(resource.into());
        self
    }

    /// Tokens from App Service's identity endpoint, as its `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`
    /// give them, rather than from the instance metadata service.
    pub fn app_service(
        mut self,
        endpoint: impl Into<String>,
        identity_header: impl Into<String>,
    ) -> ManagedIdentityBuilder {
        self.host = Host::AppService { endpoint: endpoint.into(), identity_header: identity_header.into() };
        self
    }

    /// Tokens from an Azure Arc-enabled server's agent, at the endpoint its `IDENTITY_ENDPOINT`
    /// gives (usually `http://127.0.0.1:40342/metadata/identity/oauth2/token`), rather than from the
    /// instance metadata service. The agent serves only the machine's system-assigned identity.
    pub fn azure_arc(mut self, endpoint: impl Into<String>) -> ManagedIdentityBuilder {
        self.host = Host::AzureArc { endpoint: endpoint.into() };
        self
    }

    /// Tokens from Azure Machine Learning's identity endpoint, as its `MSI_ENDPOINT` and `MSI_SECRET`
    /// give them, rather than from the instance metadata service. Without a user-assigned identity,
    /// the endpoint picks the compute's own.
    pub fn azure_ml(
        mut self,
        endpoint: impl Into<String>,
        secret: impl Into<String>,
    ) -> ManagedIdentityBuilder {
        self.host = Host::MachineLearning {
            endpoint: endpoint.into(),
            secret: secret.into(),
            default_client_id: None,
        };
        self
    }

    /// Tokens from Azure Cloud Shell's endpoint, as its `MSI_ENDPOINT` gives it (usually
    /// `http://localhost:50342/oauth2/token`), rather than from the instance metadata service: the
    /// tokens of the user signed in to Cloud Shell, with the delegated permissions the user has
    /// consented to. There is no identity to choose.
    pub fn cloud_shell(mut self, endpoint: impl Into<String>) -> ManagedIdentityBuilder {
        self.host = Host::CloudShell { endpoint: endpoint.into() };
        self
    }

    /// Tokens from Service Fabric's identity endpoint, as its `IDENTITY_ENDPOINT`,
    /// `IDENTITY_HEADER` and `IDENTITY_SERVER_THUMBPRINT` give them, rather than from the instance
    /// metadata service. The endpoint's certificate is trusted by its SHA-1 thumbprint (40
    /// hexadecimal digits) alone, unless a [`transport`](ManagedIdentityBuilder::transport) of the
    /// caller's is given, which is used as it is. The endpoint serves the identity the
    /// application's manifest gives the service, and no other.
    pub fn service_fabric(
        mut self,
        endpoint: impl Into<String>,
        identity_header: impl Into<String>,
        thumbprint: impl Into<String>,
    ) -> ManagedIdentityBuilder {
        self.host = Host::ServiceFabric {
            endpoint: endpoint.into(),
            identity_header: identity_header.into(),
            thumbprint: thumbprint.into(),
        };
        self
    }

    /// The instance metadata service's token endpoint at another address than
    /// `http://169.254.169.254/metadata/identity/oauth2/token`: a test's, or a node's proxy of it.
    pub fn imds_endpoint(mut self, endpoint: impl Into<String>) -> ManagedIdentityBuilder {
        self.host = Host::Imds(Some(endpoint.into()));
        self
    }

    /// The transport token requests go through; by default an [`HttpTransport`] of their own that
    /// ignores the proxy settings of the environment (the endpoints are local).
    pub fn transport(mut self, transport: impl Transport + 'static) -> ManagedIdentityBuilder {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// How long one token request may take (10 seconds unless set).
    pub fn timeout(mut self, timeout: Duration) -> ManagedIdentityBuilder {
        self.timeout = timeout;
        self
    }

    /// Checks the endpoint and the identity, and starts the transport if none was given. Nothing is
    /// requested until a token is needed. Fails for a user-assigned identity on Azure Arc, Cloud
    /// Shell or Service Fabric, which serve none, and for a Service Fabric thumbprint that is not
    /// one.
    pub fn build(self) -> Result<ManagedIdentity, Error> {
        let resource = self.resource.unwrap_or_else(|| self.cloud.base_url().to_owned());
        let client_id = match self.client_id.as_deref().map(str::trim) {
            Some("") => {
                return Err(Error::Config("the user-assigned identity's client id is empty".to_owned()))
            }
            client_id => client_id,
        };
        let azure_arc_keys = || self.azure_arc_keys.clone().or_else(azure_arc_key_directory);
        let Protocol { endpoint, api_version, proof, identity, challenge, pinned } =
            self.host.protocol(client_id, azure_arc_keys)?;
        let parsed = AbsoluteUrl::parse(endpoint).map_err(|e| {
            Error::Config(format!("managed identity endpoint {endpoint:?} is not a URL: {e}"))
        })?;
        let user_agent = HeaderValue::from_static(DEFAULT_USER_AGENT);
        let mut request = match api_version {
            Some(api_version) => {
                let mut query =
                    form_urlencoded::Serializer::new(parsed.query().unwrap_or_default().to_owned());
                query.append_pair("api-version", api_version).append_pair("resource", &resource);
                if let Some((name, id)) = identity {
                    query.append_pair(name, id);
                }
                let url = parsed.with_path_and_query(parsed.path(), Some(&query.finish())).map_err(|e| {
                    Error::Config(format!("no token URL from managed identity endpoint {endpoint:?}: {e}"))
                })?;
                let mut headers = HeaderMap::new();
                headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
                headers.insert(USER_AGENT, user_agent);
                HttpRequest {
                    method: Method::GET,
                    url: url.into_uri(),
                    headers,
                    body: None,
                    timeout: self.timeout,
                }
            }
            None => {
                let form = form_urlencoded::Serializer::new(String::new())
                    .append_pair("resource", &resource)
                    .finish();
                form_post(&parsed, form, &user_agent, self.timeout)
            }
        };
        request.headers.extend(proof);
        let transport = match self.transport {
            Some(transport) => transport,
            None => match pinned {
                Some(thumbprint) => {
                    start_transport(HttpTransport::builder().no_proxy().server_certificate_sha1(thumbprint))?
                }
                None => start_transport(HttpTransport::builder().no_proxy())?,
            },
        };
        let source = IdentityEndpoint {
            endpoint: parsed.as_str().split('?').next().unwrap_or_default().to_owned(),
            request,
            challenge,
        };
        Ok(ManagedIdentity { tokens: Arc::new(TokenCache::new(source, transport)) })
    }
}

/// How one host's endpoint is asked for a token.
struct Protocol<'a> {
    endpoint: &'a str,
    /// The query's `api-version`; `None` for Cloud Shell, which takes a form instead of a query.
    api_version: Option<&'static str>,
    /// What proves the request comes from the resource: `Metadata: true` (a browser's request
    /// cannot carry it), a secret the platform gives, or both.
    proof: HeaderMap,
    /// The identity's client id as the query names it, when one is chosen.
    identity: Option<(&'static str, &'a str)>,
    challenge: Challenge,
    /// The SHA-1 thumbprint of the one certificate the endpoint's TLS is trusted by.
    pinned: Option<[u8; 20]>,
}

impl Host {
    /// How this host is asked for the tokens of `client_id`'s identity (the default one when
    /// `None`); `azure_arc_keys` gives the folder of Azure Arc's key files. Fails for an identity
    /// the host does not serve, or a secret or thumbprint that cannot be sent or read.
    fn protocol<'a>(
        &'a self,
        client_id: Option<&'a str>,
        azure_arc_keys: impl FnOnce() -> Option<PathBuf>,
    ) -> Result<Protocol<'a>, Error> {
        let no_user_assigned_identity = |what_it_serves: &str| match client_id {
            Some(_) => Err(Error::Config(format!(
                "{what_it_serves}, and a user-assigned identity was asked for (`from_env` reads it from \
                 AZURE_CLIENT_ID)"
            ))),
            None => Ok(()),
        };
        let metadata = || {
            let mut proof = HeaderMap::new();
            proof.insert(HeaderName::from_static("metadata"), HeaderValue::from_static("true"));
            proof
        };
        let secret_header = |name: &'static str, value: &str, what: &str| -> Result<HeaderMap, Error> {
            let mut proof = HeaderMap::new();
            proof.insert(HeaderName::from_static(name), secret(value, what)?);
            Ok(proof)
        };
        let plain = |endpoint, api_version, proof, identity| Protocol {
            endpoint,
            api_version,
            proof,
            identity,
            challenge: Challenge::Never,
            pinned: None,
        };
        Ok(match self {
            Host::Imds(endpoint) => plain(
                endpoint.as_deref().unwrap_or(IMDS_ENDPOINT),
                Some(IMDS_API_VERSION),
                metadata(),
                client_id.map(|id| ("client_id", id)),
            ),
            Host::AppService { endpoint, identity_header } => plain(
                endpoint,
                Some(APP_SERVICE_API_VERSION),
                secret_header("x-identity-header", identity_header, "App Service's identity header")?,
                client_id.map(|id| ("client_id", id)),
            ),
            Host::MachineLearning { endpoint, secret, default_client_id } => {
                let mut proof = metadata();
                proof.extend(secret_header("secret", secret, "Azure Machine Learning's identity secret")?);
                // The 2017 protocol's name for it.
                let identity = client_id
                    .or(default_client_id.as_deref().map(str::trim).filter(|id| !id.is_empty()))
                    .map(|id| ("clientid", id));
                plain(endpoint, Some(MACHINE_LEARNING_API_VERSION), proof, identity)
            }
            Host::CloudShell { endpoint } => {
                no_user_assigned_identity(
                    "Azure Cloud Shell's endpoint serves only the signed-in user's tokens",
                )?;
                plain(endpoint, None, metadata(), None)
            }
            Host::AzureArc { endpoint } => {
                no_user_assigned_identity(
                    "Azure Arc's agent serves only the machine's system-assigned identity",
                )?;
                Protocol {
                    challenge: Challenge::AzureArcKey(azure_arc_keys()),
                    ..plain(endpoint, Some(AZURE_ARC_API_VERSION), metadata(), None)
                }
            }
            Host::ServiceFabric { endpoint, identity_header, thumbprint } => {
                no_user_assigned_identity(
                    "Service Fabric's endpoint serves only the identity the application's manifest gives \
                     the service",
                )?;
                let proof = secret_header("secret", identity_header, "Service Fabric's identity header")?;
                Protocol {
                    pinned: Some(sha1_thumbprint(thumbprint)?),
                    ..plain(endpoint, Some(SERVICE_FABRIC_API_VERSION), proof, None)
                }
            }
        })
    }
}

/// A SHA-1 thumbprint as Service Fabric gives it: 40 hexadecimal digits, in either case, perhaps
/// in pairs separated by colons or spaces.
fn sha1_thumbprint(text: &str) -> Result<[u8; 20], Error> {
    let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b':' | b' ' | b'-')).collect();
    let refused = || {
        Error::Config(format!(
            "Service Fabric's certificate thumbprint {text:?} is not a SHA-1 thumbprint (40 hexadecimal \
             digits)"
        ))
    };
    let mut thumbprint = [0u8; 20];
    if digits.len() != 2 * thumbprint.len() || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(refused());
    }
    for (byte, pair) in thumbprint.iter_mut().zip(digits.chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| refused())?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| refused())?;
    }
    Ok(thumbprint)
}

/// A secret the endpoint asks for as a header, never logged.
fn secret(value: &str, what: &str) -> Result<HeaderValue, Error> {
    let mut header = HeaderValue::from_str(value.trim())
        .map_err(|_| Error::Config(format!("{what} is not a valid header value")))?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    use serde_json::json;

    use super::super::token_endpoint::script::{answer, granted, script, Script};
    use super::*;
    use crate::transport::{HttpResponse, TransportError, TransportErrorKind};

    fn identity(builder: ManagedIdentityBuilder, transport: &Arc<Script>) -> ManagedIdentity {
        builder.transport(Arc::clone(transport)).build().unwrap()
    }

    async fn token(identity: &ManagedIdentity) -> Result<String, String> {
        identity.tokens.current().await.map_err(|error| error.to_string())
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect();
        move |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
    }

    #[tokio::test]
    async fn the_metadata_service_is_asked_with_its_header_for_the_clouds_graph_root() {
        let transport = script([granted("system", json!("3599")), granted("user", json!("3599"))]);
        let system = identity(ManagedIdentity::system_assigned(), &transport);
        assert_eq!(token(&system).await.unwrap(), "system");
        let user =
            identity(ManagedIdentity::user_assigned(" 5e0f-client ").cloud(NationalCloud::China), &transport);
        assert_eq!(token(&user).await.unwrap(), "user");

        let requests = transport.requests.lock().unwrap();
        let urls: Vec<String> = requests.iter().map(|request| request.url.to_string()).collect();
        assert_eq!(
            urls,
            [
                "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01\
                 &resource=https%3A%2F%2Fgraph.microsoft.com",
                "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01\
                 &resource=https%3A%2F%2Fmicrosoftgraph.chinacloudapi.cn&client_id=5e0f-client",
            ]
        );
        for request in requests.iter() {
            assert_eq!(request.method, Method::GET);
            assert_eq!(request.headers["metadata"], "true");
            assert_eq!(request.body, None);
            assert_eq!(request.timeout, DEFAULT_TOKEN_TIMEOUT);
        }
    }

    #[tokio::test]
    async fn app_services_endpoint_is_used_when_the_environment_names_it_and_its_expiry_is_read() {
        let expires_on = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
        let transport = script([answer(
            200,
            json!({"access_token": "app-service", "expires_on": expires_on.to_string(), "token_type": "Bearer",
                   "resource": "https://graph.microsoft.com", "client_id": "5e0f-client"}),
        )]);
        let vars = vars(&[
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"),
            ("IDENTITY_HEADER", "identity-header-secret"),
            ("AZURE_CLIENT_ID", "5e0f-client"),
        ]);
        // Ahead of Azure Arc's agent, were it installed too.
        let builder = ManagedIdentity::from_vars(vars, || true);
        let identity = identity(builder, &transport);
        assert_eq!(token(&identity).await.unwrap(), "app-service");

        {
            let requests = transport.requests.lock().unwrap();
            let [request] = requests.as_slice() else { panic!("{} requests", requests.len()) };
            assert_eq!(
                request.url,
                "http://127.0.0.1:41741/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com\
                 &client_id=5e0f-client"
            );
            assert_eq!(request.headers["x-identity-header"], "identity-header-secret");
            assert!(request.headers.get("metadata").is_none());
        }
        let cached = identity.tokens.cached.lock().await;
        let lifetime = cached.as_ref().unwrap().expires_at - Instant::now();
        assert!(
            Duration::from_secs(3590) < lifetime && lifetime <= Duration::from_secs(3600),
            "{lifetime:?}"
        );
        assert!(!format!("{identity:?}").contains("identity-header-secret"), "{identity:?}");
    }

    #[tokio::test]
    async fn azure_machine_learnings_endpoint_is_asked_with_its_secret_for_the_computes_identity() {
        let expires_on = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
        let answer = || {
            answer(
                200,
                json!({"access_token": "ml", "expires_on": expires_on.to_string(), "token_type": "Bearer",
                       "resource": "https://graph.microsoft.com"}),
            )
        };
        let transport = script([answer(), answer(), answer()]);
        let compute = [
            ("MSI_ENDPOINT", "http://127.0.0.1:46808/MSI/auth"),
            ("MSI_SECRET", "ml-secret"),
            ("DEFAULT_IDENTITY_CLIENT_ID", "0c4a-compute"),
            // App Service's variables come first, but one alone is not App Service.
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:46808/other"),
        ];
        let default_identity = identity(ManagedIdentity::from_vars(vars(&compute[..]), || true), &transport);
        assert_eq!(token(&default_identity).await.unwrap(), "ml");
        let chosen = [&compute[..3], &[("AZURE_CLIENT_ID", "7d2e-chosen")]].concat();
        let chosen = identity(ManagedIdentity::from_vars(vars(&chosen), || false), &transport);
        assert_eq!(token(&chosen).await.unwrap(), "ml");
        // Set but empty, or not set: the endpoint picks the compute's identity.
        let unnamed = [&compute[..2], &[("DEFAULT_IDENTITY_CLIENT_ID", " ")]].concat();
        let unnamed = identity(ManagedIdentity::from_vars(vars(&unnamed), || false), &transport);
        assert_eq!(token(&unnamed).await.unwrap(), "ml");

        {
            let requests = transport.requests.lock().unwrap();
            let urls: Vec<String> = requests.iter().map(|request| request.url.to_string()).collect();
            assert_eq!(
                urls,
                [
                    "http://127.0.0.1:46808/MSI/auth?api-version=2017-09-01&resource=https%3A%2F%2Fgraph.microsoft.com\
                     &clientid=0c4a-compute",
                    "http://127.0.0.1:46808/MSI/auth?api-version=2017-09-01&resource=https%3A%2F%2Fgraph.microsoft.com\
                     &clientid=7d2e-chosen",
                    "http://127.0.0.1:46808/MSI/auth?api-version=2017-09-01&resource=https%3A%2F%2Fgraph.microsoft.com",
                ]
            );
            for request in requests.iter() {
                assert_eq!(request.method, Method::GET);
                assert_eq!(request.headers["metadata"], "true");
                assert_eq!(request.headers["secret"], "ml-secret");
                assert!(request.headers["secret"].is_sensitive(), "never logged");
            }
        }
        let cached = default_identity.tokens.cached.lock().await;
        let lifetime = cached.as_ref().unwrap().expires_at - Instant::now();
        assert!(Duration::from_secs(3590) < lifetime, "{lifetime:?}");
        assert!(!format!("{default_identity:?}").contains("ml-secret"), "{default_identity:?}");
    }

    #[tokio::test]
    async fn cloud_shells_endpoint_is_sent_the_resource_as_a_form_for_the_users_token() {
        let transport = script([granted("user-in-cloud-shell", json!("3599"))]);
        let cloud_shell = [("MSI_ENDPOINT", "http://localhost:50342/oauth2/token")];
        let builder =
            ManagedIdentity::from_vars(vars(&cloud_shell), || true).cloud(NationalCloud::UsGovernmentL4);
        let identity = identity(builder, &transport);
        assert_eq!(token(&identity).await.unwrap(), "user-in-cloud-shell");

        let requests = transport.requests.lock().unwrap();
        let [request] = requests.as_slice() else { panic!("{} requests", requests.len()) };
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.url, "http://localhost:50342/oauth2/token");
        assert_eq!(request.headers["metadata"], "true");
        assert_eq!(request.headers[http::header::CONTENT_TYPE], "application/x-www-form-urlencoded");
        assert_eq!(request.body.as_deref(), Some(&b"resource=https%3A%2F%2Fgraph.microsoft.us"[..]));

        let user_assigned =
            [("MSI_ENDPOINT", "http://localhost:50342/oauth2/token"), ("AZURE_CLIENT_ID", "c")];
        match ManagedIdentity::from_vars(vars(&user_assigned), || false).transport(script([])).build() {
            Err(Error::Config(message)) => assert_eq!(
                message,
                "Azure Cloud Shell's endpoint serves only the signed-in user's tokens, and a user-assigned \
                 identity was asked for (`from_env` reads it from AZURE_CLIENT_ID)"
            ),
            other => panic!("{other:?}"),
        }
        // An empty AZURE_CLIENT_ID (`AZURE_CLIENT_ID=${AZURE_CLIENT_ID}` in a compose file) is unset:
        // the system-assigned identity, not a refusal.
        let empty_id = [("MSI_ENDPOINT", "http://localhost:50342/oauth2/token"), ("AZURE_CLIENT_ID", "")];
        assert!(ManagedIdentity::from_vars(vars(&empty_id), || false).transport(script([])).build().is_ok());
    }

    #[tokio::test]
    async fn service_fabrics_endpoint_is_asked_with_its_secret_when_the_environment_names_it() {
        let transport = script([granted("fabric", json!("3599"))]);
        let vars = vars(&[
            ("IDENTITY_ENDPOINT", "https://10.0.0.4:2377/metadata/identity/oauth2/token"),
            ("IDENTITY_HEADER", "fabric-secret"),
            ("IDENTITY_SERVER_THUMBPRINT", "ba:2e:23:e5:d3:b5:9e:1c:3f:a7:43:7d:e6:5f:00:f6:98:d5:11:3d"),
            ("MSI_ENDPOINT", "http://localhost:50342/oauth2/token"),
        ]);
        let identity = identity(ManagedIdentity::from_vars(vars, || true), &transport);
        assert_eq!(token(&identity).await.unwrap(), "fabric");
        let requests = transport.requests.lock().unwrap();
        let [request] = requests.as_slice() else { panic!("{} requests", requests.len()) };
        assert_eq!(
            request.url,
            "https://10.0.0.4:2377/metadata/identity/oauth2/token?api-version=2019-07-01-preview\
             &resource=https%3A%2F%2Fgraph.microsoft.com"
        );
        assert_eq!(request.headers["secret"], "fabric-secret");
        assert!(request.headers["secret"].is_sensitive());
        assert_eq!(request.headers.get("metadata"), None);
        assert_eq!(
            sha1_thumbprint("BA2E23E5D3B59E1C3FA7437DE65F00F698D5113D").unwrap(),
            sha1_thumbprint("ba:2e:23:e5:d3:b5:9e:1c:3f:a7:43:7d:e6:5f:00:f6:98:d5:11:3d").unwrap()
        );
    }

    #[test]
    fn without_both_app_service_variables_the_metadata_service_and_the_system_identity_are_used() {
        let shown = format!(
            "{:?}",
            ManagedIdentity::from_vars(vars(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:1")]), || false)
        );
        assert!(shown.contains(IMDS_ENDPOINT) && shown.contains("client_id: None"), "{shown}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_metadata_service_is_asked_again_with_a_growing_wait_while_it_is_updated() {
        let transport =
            script((0..8).map(|_| answer(410, json!({}))).chain([granted("after-update", json!(3599))]));
        let identity = identity(ManagedIdentity::system_assigned(), &transport);
        let started = tokio::time::Instant::now();
        assert_eq!(token(&identity).await.unwrap(), "after-update");
        // Past the 70 seconds an update may take.
        assert_eq!(started.elapsed(), Duration::from_secs(1 + 2 + 4 + 8 + 16 + 16 + 16 + 16));
        assert_eq!(transport.requests.lock().unwrap().len(), 9);
    }

    #[tokio::test(start_paused = true)]
    async fn an_identity_that_is_not_there_fails_at_once_and_a_lasting_outage_after_the_last_retry() {
        let not_found =
            answer(400, json!({"error": "invalid_request", "error_description": "Identity not found"}));
        let transport = script(
            [not_found]
                .into_iter()
                .chain((0..9).map(|_| answer(500, json!({}))))
                .chain((0..2).map(|_| Err(TransportError::new(TransportErrorKind::Timeout, "no answer")))),
        );
        let identity = identity(ManagedIdentity::user_assigned("absent"), &transport);
        assert_eq!(
            token(&identity).await.unwrap_err(),
            "the token endpoint http://169.254.169.254/metadata/identity/oauth2/token answered 400 Bad Request: \
             invalid_request: Identity not found"
        );
        assert_eq!(transport.requests.lock().unwrap().len(), 1);
        let outage = identity.tokens.current().await.unwrap_err();
        assert_eq!(outage.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(transport.requests.lock().unwrap().len(), 10, "the first try and eight retries");
        // Off Azure, the address only times out: tried once more, not for a minute.
        let started = tokio::time::Instant::now();
        assert!(token(&identity).await.unwrap_err().contains("timed out"));
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(transport.requests.lock().unwrap().len(), 12);
    }

    #[tokio::test]
    async fn app_services_error_message_is_the_errors_description() {
        let transport = script([answer(
            400,
            json!({"statusCode": 400, "message": "No MSI found for specified ClientId/ResourceId.",
                   "correlationId": "7f3c-corr"}),
        )]);
        let builder =
            ManagedIdentity::user_assigned("absent").app_service("http://127.0.0.1:41741/msi/token", "h");
        let error = token(&identity(builder, &transport)).await.unwrap_err();
        assert_eq!(
            error,
            "the token endpoint http://127.0.0.1:41741/msi/token answered 400 Bad Request: No MSI found for \
             specified ClientId/ResourceId. (correlation id 7f3c-corr)"
        );
    }

    /// A folder of this test's own under the temporary folder, removed with its files when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let path = std::env::temp_dir().join(format!("graph-runtime-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        fn file(&self, name: &str, contents: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, contents).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Azure Arc's agent's first answer: a 401 whose challenge names a key file.
    fn challenge(www_authenticate: &str) -> Result<HttpResponse, TransportError> {
        let mut headers = HeaderMap::new();
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_str(www_authenticate).unwrap());
        Ok(HttpResponse::new(StatusCode::UNAUTHORIZED, headers, Vec::new()))
    }

    fn azure_arc(keys: &TempDir, transport: &Arc<Script>) -> ManagedIdentity {
        let vars = vars(&[
            ("IDENTITY_ENDPOINT", "http://localhost:40342/metadata/identity/oauth2/token"),
            ("IMDS_ENDPOINT", "http://localhost:40342"),
        ]);
        let mut builder = ManagedIdentity::from_vars(vars, || false);
        builder.azure_arc_keys = Some(keys.0.clone());
        identity(builder, transport)
    }

    #[tokio::test]
    async fn azure_arcs_challenge_is_answered_with_the_key_file_it_names() {
        let keys = TempDir::new("arc-keys");
        let key_file = keys.file("5f1c-request.key", "0a1b2c3d4e5f\n");
        let transport = script([
            challenge(&format!("Basic realm={}", key_file.display())),
            granted("arc", json!("3599")),
        ]);
        let identity = azure_arc(&keys, &transport);
        assert_eq!(token(&identity).await.unwrap(), "arc");
        assert_eq!(token(&identity).await.unwrap(), "arc", "cached");

        let requests = transport.requests.lock().unwrap();
        let [first, second] = requests.as_slice() else { panic!("{} requests", requests.len()) };
        for request in [first, second] {
            assert_eq!(
                request.url,
                "http://localhost:40342/metadata/identity/oauth2/token?api-version=2019-11-01\
                 &resource=https%3A%2F%2Fgraph.microsoft.com"
            );
            assert_eq!(request.method, Method::GET);
            assert_eq!(request.headers["metadata"], "true");
        }
        assert_eq!(first.headers.get(AUTHORIZATION), None);
        let key = &second.headers[AUTHORIZATION];
        assert_eq!(key, "Basic 0a1b2c3d4e5f");
        assert!(key.is_sensitive(), "never logged");
    }

    #[tokio::test]
    async fn a_challenge_for_any_file_but_an_azure_arc_key_is_refused_unread() {
        let keys = TempDir::new("arc-refused");
        let elsewhere = TempDir::new("arc-elsewhere");
        let outside = elsewhere.file("stolen.key", "secret");
        keys.file("stolen.key", "secret");
        let traversal = keys.0.join("..").join(keys.0.file_name().unwrap()).join("stolen.key");
        let not_a_key = keys.file("settings.txt", "secret");
        let too_large = keys.file("large.key", &"k".repeat(4097));
        let absent = keys.0.join("absent.key");
        let two_lines = keys.file("two-lines.key", "a\nb");
        let endpoint = "http://localhost:40342/metadata/identity/oauth2/token";
        let not_its_key = |file: &Path| {
            format!(
                "no token from {endpoint}: it asks for the file {}, which is not a `.key` file in {}, where \
                 Azure Arc's agent keeps its keys",
                file.display(),
                keys.0.display()
            )
        };
        let larger = format!(
            "no token from {endpoint}: it asks for the key file {}, of 4097 bytes: larger than an Azure Arc \
             key (4096 bytes at most)",
            too_large.display()
        );
        for (realm, expected) in [
            (&outside, not_its_key(&outside)),
            (&traversal, not_its_key(&traversal)),
            (&not_a_key, not_its_key(&not_a_key)),
            (&too_large, larger),
        ] {
            let transport = script([challenge(&format!("Basic realm={}", realm.display()))]);
            let error = token(&azure_arc(&keys, &transport)).await.unwrap_err();
            assert_eq!(error, expected);
            assert_eq!(transport.requests.lock().unwrap().len(), 1, "no second request: {error}");
        }

        let transport = script([challenge(&format!("Basic realm=\"{}\"", absent.display()))]);
        let error = azure_arc(&keys, &transport).tokens.current().await.unwrap_err();
        assert!(
            error.to_string().starts_with(&format!(
                "no token from http://localhost:40342/metadata/identity/oauth2/token: the key file {} its \
                 challenge names could not be read: ",
                absent.display()
            )),
            "{error}"
        );
        let source =
            std::error::Error::source(&error).and_then(|source| source.downcast_ref::<std::io::Error>());
        assert_eq!(source.map(std::io::Error::kind), Some(std::io::ErrorKind::NotFound));

        let transport = script([challenge(&format!("Basic realm={}", two_lines.display()))]);
        assert!(token(&azure_arc(&keys, &transport))
            .await
            .unwrap_err()
            .ends_with("does not hold a key (not one line of text)"));
        let transport = script([challenge("Bearer realm=\"https://login.microsoftonline.com\"")]);
        assert!(token(&azure_arc(&keys, &transport)).await.unwrap_err().ends_with(
            "it answered 401 with a challenge that is not Azure Arc's `Basic realm=<key file>`: \
             \"Bearer realm=\\\"https://login.microsoftonline.com\\\"\""
        ));
        // A 401 with no challenge is the agent's refusal.
        let transport = script([answer(401, json!({"error": "unauthorized_client"}))]);
        assert!(token(&azure_arc(&keys, &transport))
            .await
            .unwrap_err()
            .ends_with("answered 401 Unauthorized: unauthorized_client"));
        assert_eq!(transport.requests.lock().unwrap().len(), 1);
        // Where the agent does not run, no file is its key.
        let header = HeaderValue::from_static("Basic realm=/var/opt/azcmagent/tokens/a.key");
        match azure_arc_key(&header, None) {
            Err(Reason::Challenge(why)) => assert!(why.ends_with("only on Linux and Windows"), "{why}"),
            _ => panic!("answered"),
        }
    }

    #[test]
    fn the_environment_names_azure_arc_or_its_agent_is_found_installed() {
        let shown = |vars, installed: bool| format!("{:?}", ManagedIdentity::from_vars(vars, || installed));
        let arc = vars(&[
            ("IDENTITY_ENDPOINT", "http://localhost:40342/token"),
            ("IMDS_ENDPOINT", "http://localhost:40342"),
        ]);
        assert!(shown(arc, false).contains("endpoint: \"http://localhost:40342/token\""));
        assert!(shown(vars(&[]), true).contains(&format!("endpoint: {AZURE_ARC_ENDPOINT:?}")));
        assert!(shown(vars(&[]), false).contains(&format!("endpoint: {IMDS_ENDPOINT:?}")));
    }

    #[test]
    fn the_builder_refuses_what_cannot_make_a_token_request() {
        let refusal = |builder: ManagedIdentityBuilder| match builder.transport(script([])).build() {
            Err(Error::Config(message)) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            refusal(ManagedIdentity::user_assigned(" ")),
            "the user-assigned identity's client id is empty"
        );
        assert!(refusal(ManagedIdentity::system_assigned().imds_endpoint("169.254.169.254/token"))
            .contains("is not a URL"));
        assert_eq!(
            refusal(ManagedIdentity::system_assigned().app_service("http://127.0.0.1:1/msi", "a\nb")),
            "App Service's identity header is not a valid header value"
        );
        assert_eq!(
            refusal(ManagedIdentity::from_vars(
                vars(&[("IDENTITY_ENDPOINT", "http://h/token"), ("IMDS_ENDPOINT", "http://h"), ("AZURE_CLIENT_ID", "c")]),
                || false
            )),
            "Azure Arc's agent serves only the machine's system-assigned identity, and a user-assigned identity \
             was asked for (`from_env` reads it from AZURE_CLIENT_ID)"
        );
        let service_fabric = |thumbprint: &str, client_id: Option<&str>| {
            let mut pairs = vec![
                ("IDENTITY_ENDPOINT", "https://10.0.0.4:2377/metadata/identity/oauth2/token"),
                ("IDENTITY_HEADER", "secret"),
                ("IDENTITY_SERVER_THUMBPRINT", thumbprint),
            ];
            pairs.extend(client_id.map(|id| ("AZURE_CLIENT_ID", id)));
            ManagedIdentity::from_vars(vars(&pairs), || true)
        };
        // (An empty one is unset, as every empty variable is: App Service's endpoint then.)
        for not_a_thumbprint in ["5A1F", "+A:2E:23:E5:D3:B5:9E:1C:3F:A7:43:7D:E6:5F:00:F6:98:D5:11:3D", " 5"]
        {
            assert_eq!(
                refusal(service_fabric(not_a_thumbprint, None)),
                format!(
                    "Service Fabric's certificate thumbprint {not_a_thumbprint:?} is not a SHA-1 thumbprint (40 \
                     hexadecimal digits)"
                )
            );
        }
        assert_eq!(
            refusal(service_fabric("BA2E23E5D3B59E1C3FA7437DE65F00F698D5113D", Some("c"))),
            "Service Fabric's endpoint serves only the identity the application's manifest gives the service, \
             and a user-assigned identity was asked for (`from_env` reads it from AZURE_CLIENT_ID)"
        );
    }
}
