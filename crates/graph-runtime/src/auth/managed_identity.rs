//! Tokens for the managed identity of the Azure resource the program runs on, from the instance
//! metadata service (virtual machines, scale sets, Kubernetes nodes) or from App Service's local
//! identity endpoint (App Service, Functions, Container Apps).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, ACCEPT, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use super::token_endpoint::{CachedToken, Reason, TokenCache, TokenSource};
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

/// How long one token request may take unless [`ManagedIdentityBuilder::timeout`] says otherwise:
/// shorter than for Entra ID, since the endpoint is on the machine or beside it, and off Azure a
/// request to the metadata service's address only times out.
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The waits before each retry of a request answered 404, 408, 410, 429 or 5xx. The metadata
/// service answers 410 while it is updated, which can take 70 seconds; Microsoft asks for
/// exponential backoff over that long.
const RETRY_DELAYS: &[Duration] = &[
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
    Duration::from_secs(32),
];

/// The environment variables [`ManagedIdentity::from_env`] reads: App Service's, and the Azure
/// SDKs' name for a user-assigned identity's client id.
const IDENTITY_ENDPOINT_VAR: &str = "IDENTITY_ENDPOINT";
const IDENTITY_HEADER_VAR: &str = "IDENTITY_HEADER";
const CLIENT_ID_VAR: &str = "AZURE_CLIENT_ID";

/// Access tokens for Microsoft Graph as the managed identity of the Azure resource the program runs
/// on: no secret to keep, since Azure issues the tokens to the resource itself. The app permissions
/// (app roles) the identity has been granted on Microsoft Graph are in the token.
///
/// Tokens come from the instance metadata service (`http://169.254.169.254`, on virtual machines,
/// scale sets and Kubernetes nodes) or, where `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set,
/// from App Service's endpoint (App Service, Functions, Container Apps); see
/// [`ManagedIdentity::from_env`]. They are requested directly, never through a proxy.
///
/// A token is cached and replaced as [`ClientCredentials`](crate::ClientCredentials)' are: five
/// minutes before it expires, one fetch at a time, the cached token kept while still valid if a
/// refresh fails, dropped when Graph answers 401. A request answered 404, 408, 410, 429 or 5xx is
/// tried again after 1, 2, 4, 8, 16 and 32 seconds (the metadata service answers 410 for up to 70
/// seconds while it is updated); one that could not connect or timed out (after 10 seconds), once.
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
    /// With the query: API version, resource and identity.
    url: AbsoluteUrl,
    /// Without the query, for errors and logs.
    endpoint: String,
    /// `Metadata: true` for the metadata service, the secret `X-IDENTITY-HEADER` for App Service.
    proof: (HeaderName, HeaderValue),
    user_agent: HeaderValue,
    timeout: Duration,
}

/// Where the identity's tokens come from.
enum Service {
    /// The instance metadata service, at another address than its own if given (a test's).
    Imds(Option<String>),
    AppService {
        endpoint: String,
        identity_header: String,
    },
}

impl ManagedIdentity {
    /// The resource's system-assigned identity.
    pub fn system_assigned() -> ManagedIdentityBuilder {
        ManagedIdentityBuilder::new(None, Service::Imds(None))
    }

    /// One of the user-assigned identities attached to the resource, by its client id.
    pub fn user_assigned(client_id: impl Into<String>) -> ManagedIdentityBuilder {
        ManagedIdentityBuilder::new(Some(client_id.into()), Service::Imds(None))
    }

    /// The identity the environment describes, as the Azure SDKs read it: App Service's endpoint
    /// when both `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set, the instance metadata service
    /// otherwise; the user-assigned identity whose client id is `AZURE_CLIENT_ID` when that is set,
    /// the system-assigned one otherwise.
    pub fn from_env() -> ManagedIdentityBuilder {
        ManagedIdentity::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> ManagedIdentityBuilder {
        let service = match (var(IDENTITY_ENDPOINT_VAR), var(IDENTITY_HEADER_VAR)) {
            (Some(endpoint), Some(identity_header)) => Service::AppService { endpoint, identity_header },
            _ => Service::Imds(None),
        };
        ManagedIdentityBuilder::new(var(CLIENT_ID_VAR), service)
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
            .field("url", &self.tokens.source.url.as_str())
            .finish_non_exhaustive()
    }
}

impl TokenSource for IdentityEndpoint {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn request(&self, _previous: Option<&CachedToken>) -> Result<HttpRequest, Reason> {
        let mut headers = HeaderMap::new();
        headers.insert(self.proof.0.clone(), self.proof.1.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.user_agent.clone());
        Ok(HttpRequest {
            method: Method::GET,
            url: self.url.clone().into_uri(),
            headers,
            body: None,
            timeout: self.timeout,
        })
    }

    fn may_pass(&self, status: StatusCode) -> bool {
        matches!(status.as_u16(), 404 | 408 | 410 | 429) || status.is_server_error()
    }

    fn retry_delays(&self) -> &'static [Duration] {
        RETRY_DELAYS
    }
}

/// Configures [`ManagedIdentity`]; from [`ManagedIdentity::system_assigned`],
/// [`ManagedIdentity::user_assigned`] or [`ManagedIdentity::from_env`].
pub struct ManagedIdentityBuilder {
    client_id: Option<String>,
    service: Service,
    cloud: NationalCloud,
    resource: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    timeout: Duration,
}

impl fmt::Debug for ManagedIdentityBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let service = match &self.service {
            Service::Imds(endpoint) => endpoint.as_deref().unwrap_or(IMDS_ENDPOINT),
            Service::AppService { endpoint, .. } => endpoint,
        };
        f.debug_struct("ManagedIdentityBuilder")
            .field("client_id", &self.client_id)
            .field("endpoint", &service)
            .field("cloud", &self.cloud)
            .field("resource", &self.resource)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentityBuilder {
    fn new(client_id: Option<String>, service: Service) -> ManagedIdentityBuilder {
        ManagedIdentityBuilder {
            client_id,
            service,
            cloud: NationalCloud::Global,
            resource: None,
            transport: None,
            timeout: DEFAULT_TOKEN_TIMEOUT,
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
        self.service =
            Service::AppService { endpoint: endpoint.into(), identity_header: identity_header.into() };
        self
    }

    /// The instance metadata service's token endpoint at another address than
    /// `http://169.254.169.254/metadata/identity/oauth2/token`: a test's, or a node's proxy of it.
    pub fn imds_endpoint(mut self, endpoint: impl Into<String>) -> ManagedIdentityBuilder {
        self.service = Service::Imds(Some(endpoint.into()));
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
    /// requested until a token is needed.
    pub fn build(self) -> Result<ManagedIdentity, Error> {
        let resource = self.resource.unwrap_or_else(|| self.cloud.base_url().to_owned());
        let (endpoint, api_version, proof) = match &self.service {
            Service::Imds(endpoint) => {
                let proof = (HeaderName::from_static("metadata"), HeaderValue::from_static("true"));
                (endpoint.as_deref().unwrap_or(IMDS_ENDPOINT), IMDS_API_VERSION, proof)
            }
            Service::AppService { endpoint, identity_header } => {
                let mut secret = HeaderValue::from_str(identity_header.trim()).map_err(|_| {
                    Error::Config("App Service's identity header is not a valid header value".to_owned())
                })?;
                secret.set_sensitive(true);
                (
                    endpoint.as_str(),
                    APP_SERVICE_API_VERSION,
                    (HeaderName::from_static("x-identity-header"), secret),
                )
            }
        };
        let parsed = AbsoluteUrl::parse(endpoint).map_err(|e| {
            Error::Config(format!("managed identity endpoint {endpoint:?} is not a URL: {e}"))
        })?;
        let mut query = form_urlencoded::Serializer::new(parsed.query().unwrap_or_default().to_owned());
        query.append_pair("api-version", api_version).append_pair("resource", &resource);
        if let Some(client_id) = &self.client_id {
            let client_id = client_id.trim();
            if client_id.is_empty() {
                return Err(Error::Config("the user-assigned identity's client id is empty".to_owned()));
            }
            query.append_pair("client_id", client_id);
        }
        let url = parsed.with_path_and_query(parsed.path(), Some(&query.finish())).map_err(|e| {
            Error::Config(format!("no token URL from managed identity endpoint {endpoint:?}: {e}"))
        })?;
        let transport = match self.transport {
            Some(transport) => transport,
            None => start_transport(HttpTransport::builder().no_proxy())?,
        };
        let source = IdentityEndpoint {
            endpoint: parsed.as_str().split('?').next().unwrap_or_default().to_owned(),
            url,
            proof,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            timeout: self.timeout,
        };
        Ok(ManagedIdentity { tokens: Arc::new(TokenCache::new(source, transport)) })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    use serde_json::json;

    use super::super::token_endpoint::script::{answer, granted, script, Script};
    use super::*;
    use crate::transport::{TransportError, TransportErrorKind};

    fn identity(builder: ManagedIdentityBuilder, transport: &Arc<Script>) -> ManagedIdentity {
        builder.transport(Arc::clone(transport)).build().unwrap()
    }

    async fn token(identity: &ManagedIdentity) -> Result<String, String> {
        identity.tokens.current().await.map_err(|error| error.to_string())
    }

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
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
        let builder = ManagedIdentity::from_vars(vars(&[
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"),
            ("IDENTITY_HEADER", "identity-header-secret"),
            ("AZURE_CLIENT_ID", "5e0f-client"),
        ]));
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

    #[test]
    fn without_both_app_service_variables_the_metadata_service_and_the_system_identity_are_used() {
        let shown =
            format!("{:?}", ManagedIdentity::from_vars(vars(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:1")])));
        assert!(shown.contains(IMDS_ENDPOINT) && shown.contains("client_id: None"), "{shown}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_metadata_service_is_asked_again_with_a_growing_wait_while_it_is_updated() {
        let transport =
            script((0..6).map(|_| answer(410, json!({}))).chain([granted("after-update", json!(3599))]));
        let identity = identity(ManagedIdentity::system_assigned(), &transport);
        let started = tokio::time::Instant::now();
        assert_eq!(token(&identity).await.unwrap(), "after-update");
        assert_eq!(started.elapsed(), Duration::from_secs(1 + 2 + 4 + 8 + 16 + 32));
        assert_eq!(transport.requests.lock().unwrap().len(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn an_identity_that_is_not_there_fails_at_once_and_a_lasting_outage_after_the_last_retry() {
        let not_found =
            answer(400, json!({"error": "invalid_request", "error_description": "Identity not found"}));
        let transport = script(
            [not_found]
                .into_iter()
                .chain((0..7).map(|_| answer(500, json!({}))))
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
        assert_eq!(transport.requests.lock().unwrap().len(), 8, "the first try and six retries");
        // Off Azure, the address only times out: tried once more, not for a minute.
        let started = tokio::time::Instant::now();
        assert!(token(&identity).await.unwrap_err().contains("timed out"));
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(transport.requests.lock().unwrap().len(), 10);
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
    }
}
