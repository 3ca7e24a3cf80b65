//! App-only tokens by the OAuth 2.0 client credentials grant against Microsoft Entra ID, the app
//! proving itself with a client secret, a federated token (workload identity) or, under the
//! `certificate` feature, an assertion signed with its certificate (`certificate.rs`).

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, StatusCode};

use super::token_endpoint::{
    form_post, tenant_endpoint, CachedToken, Reason, RequestFuture, TokenCache, TokenSource,
};
use super::{challenge, TokenFuture, TokenProvider};
use crate::absolute_url::AbsoluteUrl;
use crate::client::default_transport;
use crate::config::{NationalCloud, DEFAULT_USER_AGENT};
use crate::transport::Transport;
use crate::Error;

/// How long one token request may take unless [`ClientCredentialsBuilder::timeout`] says otherwise.
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A failed token request that may pass (no connection, a timeout, 429 or 5xx) is tried once
/// more, a second later unless `Retry-After` says otherwise. MSAL, too, tries once more.
const RETRY_DELAYS: &[Duration] = &[Duration::from_secs(1)];

/// The OAuth `client_assertion_type` of a JWT sent instead of a secret (RFC 7523).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The on-behalf-of grant's type: a JWT (the user's token) exchanged for another (RFC 7523).
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The environment variables [`ClientCredentials::from_env`] reads: the Azure SDKs' names.
const TENANT_VAR: &str = "AZURE_TENANT_ID";
const CLIENT_ID_VAR: &str = "AZURE_CLIENT_ID";
const CLIENT_SECRET_VAR: &str = "AZURE_CLIENT_SECRET";
const FEDERATED_TOKEN_FILE_VAR: &str = "AZURE_FEDERATED_TOKEN_FILE";
const CERTIFICATE_PATH_VAR: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
#[cfg(feature = "certificate")]
const SEND_CERTIFICATE_CHAIN_VAR: &str = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";
#[cfg(feature = "certificate")]
const CERTIFICATE_PASSWORD_VAR: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
const AUTHORITY_HOST_VAR: &str = "AZURE_AUTHORITY_HOST";
/// What a GitHub Actions job with the `id-token: write` permission has, to ask GitHub for a token
/// that says which repository and workflow it runs for.
const GITHUB_OIDC_URL_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
const GITHUB_OIDC_TOKEN_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// Where an Azure Pipelines job asks for an OIDC token for one of its service connections.
const AZURE_PIPELINES_OIDC_URL_VAR: &str = "SYSTEM_OIDCREQUESTURI";
/// The version of Azure DevOps' OIDC token API asked for.
const AZURE_PIPELINES_OIDC_API_VERSION: &str = "7.1";
/// The audience Entra ID's federated identity credentials expect of an external token.
const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";

/// App-only access tokens for Microsoft Graph by the OAuth 2.0 client credentials grant: an app
/// registration's tenant, client id and credential are exchanged at
/// `<authority>/<tenant>/oauth2/v2.0/token` for a token carrying the application permissions
/// granted to the app (scope `<Graph root>/.default`). The credential is a client secret
/// ([`ClientCredentials::builder`]) or a token another identity provider issued, which the app
/// registration trusts by a federated identity credential: read from a file
/// ([`ClientCredentials::federated`]; this is Azure Kubernetes Service's workload identity) or
/// given by the application ([`ClientCredentials::assertion`]), or a CI job's OIDC token
/// ([`ClientCredentials::github_actions`], [`ClientCredentials::azure_pipelines`]).
/// Under the `certificate` feature, it can be one of the app's certificates
/// (`ClientCredentials::certificate`). With [`ClientCredentialsBuilder::on_behalf_of`], the same
/// credential gets a user's tokens instead, for an API that calls Graph as its caller.
///
/// A token is fetched when first asked for and reused until five minutes before it expires (half
/// its lifetime, if that is shorter). Concurrent requests wait for one fetch rather than each
/// making their own. If a refresh fails while the cached token is still valid, that token is used
/// and the failure logged; otherwise the Graph request fails with [`Error::Auth`], whose source is
/// a [`TokenError`](crate::TokenError). A fetch that fails for want of a connection, by a timeout
/// or with 429 or 5xx is tried once more, a second later (or after `Retry-After`, up to 10
/// seconds). When Graph answers 401 to a token (revoked, or expired early), the token is dropped
/// and the request sent once more with a new one. Clones share one cache. `Debug` never shows the
/// secret or a token.
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
    tokens: Arc<TokenCache<Grant>>,
}

/// The grant's token requests.
struct Grant {
    client_id: String,
    token_url: AbsoluteUrl,
    /// The form's fields but the credential's, encoded: the credential is added per request.
    form_start: String,
    credential: Credential,
    /// Whether the app declares that it handles claims challenges (continuous access evaluation).
    claims_capable: bool,
    user_agent: HeaderValue,
    timeout: Duration,
}

/// What the app proves itself with.
enum Credential {
    Secret(String),
    /// A file holding a JWT, read again for each token request: the platform that writes it
    /// (Kubernetes, for a workload identity) replaces it before it expires.
    FederatedTokenFile(PathBuf),
    /// A certificate whose key signs a new assertion for each token request.
    #[cfg(feature = "certificate")]
    Certificate(Arc<super::Certificate>),
    /// The application's callback, asked for a new assertion for each token request.
    Assertion(Assertion),
    /// A CI job's OIDC token, asked of the CI service anew for each token request.
    CiJob(CiJobOidc),
}

/// A CI job's request for an OIDC token that says what it runs for (a repository's workflow, a
/// pipeline's service connection), which the app registration trusts.
struct CiJobOidc {
    service: CiService,
    url: AbsoluteUrl,
    /// `Bearer` and the job's own token, marked sensitive.
    authorization: HeaderValue,
}

/// The CI services whose jobs' OIDC tokens are asked for.
#[derive(Debug, Clone, Copy)]
enum CiService {
    /// A `GET` of `ACTIONS_ID_TOKEN_REQUEST_URL` with Entra ID's audience, answered `{"value": ..}`.
    GitHubActions,
    /// A `POST` of `SYSTEM_OIDCREQUESTURI` naming a service connection, answered `{"oidcToken": ..}`.
    AzurePipelines,
}

impl CiService {
    /// Its name in errors and `Debug`.
    fn name(self) -> &'static str {
        match self {
            CiService::GitHubActions => "GitHub Actions",
            CiService::AzurePipelines => "Azure Pipelines",
        }
    }
}

impl CiJobOidc {
    /// The job's request: `url` (the value of `url_var`) with `query` added, sent with `token`.
    fn new(
        service: CiService,
        (url_var, url): (&str, &str),
        query: &[(&str, &str)],
        (token_name, token): (&str, &str),
    ) -> Result<CiJobOidc, Error> {
        let refused = |why: String| Error::Config(format!("{}' OIDC token request: {why}", service.name()));
        let parsed = AbsoluteUrl::parse(url.trim())
            .map_err(|why| refused(format!("{url_var} is not a URL: {why}")))?;
        let mut serializer = form_urlencoded::Serializer::new(parsed.query().unwrap_or_default().to_owned());
        serializer.extend_pairs(query);
        let url = parsed
            .with_path_and_query(parsed.path(), Some(&serializer.finish()))
            .map_err(|why| refused(format!("no URL from {url_var}: {why}")))?;
        let token = token.trim();
        if token.is_empty() {
            return Err(refused(format!("{token_name} is empty")));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| refused(format!("{token_name} is not a header value")))?;
        authorization.set_sensitive(true);
        Ok(CiJobOidc { service, url, authorization })
    }

    /// The job's OIDC token, asked of the CI service now.
    async fn token(
        &self,
        transport: &dyn Transport,
        user_agent: &HeaderValue,
        timeout: Duration,
    ) -> Result<String, Reason> {
        let service = self.service.name();
        let failed = |why: String| Reason::Assertion(format!("{service}' OIDC token {why}").into());
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, self.authorization.clone());
        headers.insert(http::header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(http::header::USER_AGENT, user_agent.clone());
        let (method, body, field) = match self.service {
            CiService::GitHubActions => (http::Method::GET, None, "value"),
            CiService::AzurePipelines => {
                headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                // A refused job token is answered 401, not with a redirect to a sign-in page (as
                // Azure DevOps' own clients and the Azure SDKs ask), so the refusal's hint is given.
                headers.insert("x-tfs-fedauthredirect", HeaderValue::from_static("Suppress"));
                (http::Method::POST, Some(bytes::Bytes::new()), "oidcToken")
            }
        };
        let request = crate::transport::HttpRequest {
            method,
            url: self.url.clone().into_uri(),
            headers,
            body,
            timeout,
        };
        let response =
            transport.send(request).await.map_err(|error| failed(format!("request failed: {error}")))?;
        if !response.status.is_success() {
            let hint = match (self.service, response.status.as_u16()) {
                (CiService::AzurePipelines, 401 | 403) => {
                    " (the job's System.AccessToken refused, or the service connection is not this \
                     pipeline's to use)"
                }
                _ => "",
            };
            return Err(failed(format!("request was answered {}{hint}", response.status)));
        }
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
        match body.get(field).and_then(serde_json::Value::as_str).map(str::trim) {
            Some(token) if !token.is_empty() => Ok(token.to_owned()),
            _ => Err(failed(format!("request's answer has no `{field}`"))),
        }
    }
}

/// What one token request proves the app with.
enum Proof<'a> {
    Secret(&'a str),
    /// A JWT: from the federated token file, the certificate's signature, GitHub Actions or the
    /// application.
    Assertion(String),
}

/// Gives a client assertion (see [`ClientCredentials::assertion`]).
type Assertion = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, Box<dyn StdError + Send + Sync>>> + Send>>
        + Send
        + Sync,
>;

impl Credential {
    /// Adds what `Debug` may show of the credential: never a secret or a key.
    fn describe(&self, debug: &mut fmt::DebugStruct<'_, '_>) {
        match self {
            Credential::Secret(_) => {}
            Credential::FederatedTokenFile(file) => {
                debug.field("federated_token_file", file);
            }
            #[cfg(feature = "certificate")]
            Credential::Certificate(certificate) => {
                debug.field("certificate", certificate);
            }
            Credential::Assertion(_) => {
                debug.field("client_assertion", &"the application's");
            }
            Credential::CiJob(oidc) => {
                let field = match oidc.service {
                    CiService::GitHubActions => "github_actions_oidc",
                    CiService::AzurePipelines => "azure_pipelines_oidc",
                };
                debug.field(field, &oidc.url.without_query());
            }
        }
    }
}

impl ClientCredentials {
    /// A builder for an app registration: its tenant (a GUID or a domain such as
    /// `contoso.onmicrosoft.com`), its application (client) id and one of its client secrets.
    pub fn builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder::new(
            tenant.into(),
            client_id.into(),
            Credential::Secret(client_secret.into()),
        )
    }

    /// A builder for an app registration that trusts tokens from another identity provider (a
    /// federated identity credential): each token request sends the JWT in `token_file` as the
    /// client assertion, read afresh every time, since the platform that writes the file rotates
    /// it. On Azure Kubernetes Service with workload identity, the pod's
    /// `AZURE_FEDERATED_TOKEN_FILE` names that file ([`ClientCredentials::from_env`] reads it).
    pub fn federated(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> ClientCredentialsBuilder {
        let credential = Credential::FederatedTokenFile(token_file.into());
        ClientCredentialsBuilder::new(tenant.into(), client_id.into(), credential)
    }

    /// A builder for an app registration that trusts tokens from another identity provider (a
    /// federated identity credential), given by the application: before each token request,
    /// `assertion` is called for the JWT to send as the client assertion, so it can fetch a fresh
    /// one (GitHub Actions' OIDC token, with the audience `api://AzureADTokenExchange`; one a key
    /// in Azure Key Vault signs). An error it returns fails that token request, not retried.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), graph_runtime::Error> {
    /// use graph_runtime::ClientCredentials;
    ///
    /// let credentials = ClientCredentials::assertion("contoso.onmicrosoft.com", "<client id>", || async {
    ///     // For example, ask the CI system for its OIDC token.
    ///     std::env::var("CI_OIDC_TOKEN")
    /// })
    /// .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn assertion<F, R, E>(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        assertion: F,
    ) -> ClientCredentialsBuilder
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: Future<Output = Result<String, E>> + Send + 'static,
        E: Into<Box<dyn StdError + Send + Sync>>,
    {
        let assertion: Assertion = Arc::new(move || {
            let fetched = assertion();
            Box::pin(async move { fetched.await.map_err(Into::into) })
        });
        ClientCredentialsBuilder::new(tenant.into(), client_id.into(), Credential::Assertion(assertion))
    }

    /// A builder for an app registration that trusts the GitHub Actions workflow the program runs
    /// in, by a federated identity credential for its repository (and branch, environment or pull
    /// request): each token request sends the job's OIDC token, asked of GitHub then, as the client
    /// assertion. The job needs the `id-token: write` permission, which gives it the
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` this reads; without them
    /// it fails, saying so. [`ClientCredentials::from_env`] picks it up too.
    pub fn github_actions(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Result<ClientCredentialsBuilder, Error> {
        let var = |name: &str| std::env::var(name).ok();
        let Some(credential) = ClientCredentials::github_actions_from_vars(&var)? else {
            return Err(Error::Config(format!(
                "GitHub Actions' OIDC token: {GITHUB_OIDC_URL_VAR} and {GITHUB_OIDC_TOKEN_VAR} are unset (not \
                 in a GitHub Actions job, or one without the `id-token: write` permission)"
            )));
        };
        Ok(ClientCredentialsBuilder::new(tenant.into(), client_id.into(), credential))
    }

    /// A builder for an app registration that trusts an Azure Pipelines service connection (one of
    /// the workload identity federation kind), for a job of a pipeline allowed to use it: each token
    /// request sends an OIDC token for the connection, asked of Azure DevOps then at the job's
    /// `SYSTEM_OIDCREQUESTURI`, as the client assertion. `tenant` and `client_id` are the
    /// connection's (the `AzureCLI@2` task gives them as `AZURESUBSCRIPTION_TENANT_ID` and
    /// `AZURESUBSCRIPTION_CLIENT_ID`), `service_connection_id` its id
    /// (`AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`), and `system_access_token` the job's
    /// `System.AccessToken`, which a pipeline passes to a step only by mapping it:
    /// `env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) }`. Fails outside an Azure Pipelines job
    /// (`SYSTEM_OIDCREQUESTURI` unset), saying so.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), graph_runtime::Error> {
    /// use graph_runtime::ClientCredentials;
    ///
    /// let var = |name: &str| std::env::var(name).map_err(|e| graph_runtime::Error::Config(format!("{name}: {e}")));
    /// let credentials = ClientCredentials::azure_pipelines(
    ///     var("AZURESUBSCRIPTION_TENANT_ID")?,
    ///     var("AZURESUBSCRIPTION_CLIENT_ID")?,
    ///     &var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")?,
    ///     &var("SYSTEM_ACCESSTOKEN")?,
    /// )?
    /// .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn azure_pipelines(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        service_connection_id: &str,
        system_access_token: &str,
    ) -> Result<ClientCredentialsBuilder, Error> {
        let var = |name: &str| std::env::var(name).ok();
        let credential =
            ClientCredentials::azure_pipelines_from_vars(&var, service_connection_id, system_access_token)?;
        Ok(ClientCredentialsBuilder::new(tenant.into(), client_id.into(), credential))
    }

    fn azure_pipelines_from_vars(
        var: &impl Fn(&str) -> Option<String>,
        service_connection_id: &str,
        system_access_token: &str,
    ) -> Result<Credential, Error> {
        let Some(url) = var(AZURE_PIPELINES_OIDC_URL_VAR) else {
            return Err(Error::Config(format!(
                "Azure Pipelines' OIDC token: {AZURE_PIPELINES_OIDC_URL_VAR} is unset (not in an Azure \
                 Pipelines job)"
            )));
        };
        let service_connection_id = service_connection_id.trim();
        if service_connection_id.is_empty() {
            return Err(Error::Config(
                "Azure Pipelines' OIDC token: the service connection id is empty".to_owned(),
            ));
        }
        let oidc = CiJobOidc::new(
            CiService::AzurePipelines,
            (AZURE_PIPELINES_OIDC_URL_VAR, &url),
            &[
                ("api-version", AZURE_PIPELINES_OIDC_API_VERSION),
                ("serviceConnectionId", service_connection_id),
            ],
            ("the system access token", system_access_token),
        )?;
        Ok(Credential::CiJob(oidc))
    }

    /// The GitHub Actions job's OIDC token request, when its two variables are set.
    fn github_actions_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Credential>, Error> {
        match (var(GITHUB_OIDC_URL_VAR), var(GITHUB_OIDC_TOKEN_VAR)) {
            (Some(url), Some(token)) => Ok(Some(Credential::CiJob(CiJobOidc::new(
                CiService::GitHubActions,
                (GITHUB_OIDC_URL_VAR, &url),
                &[("audience", FEDERATION_AUDIENCE)],
                (GITHUB_OIDC_TOKEN_VAR, &token),
            )?))),
            _ => Ok(None),
        }
    }

    /// A builder for an app registration that proves itself with one of its certificates: each
    /// token request sends a client assertion newly signed with the certificate's private key
    /// (see [`Certificate`](super::Certificate) for the assertion and the PEM it reads).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), graph_runtime::Error> {
    /// use graph_runtime::{Certificate, ClientCredentials};
    ///
    /// let pem = std::fs::read("app.pem").map_err(|e| graph_runtime::Error::Config(e.to_string()))?;
    /// let credentials =
    ///     ClientCredentials::certificate("contoso.onmicrosoft.com", "<client id>", Certificate::from_pem(pem)?)
    ///         .build()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "certificate")]
    pub fn certificate(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        certificate: super::Certificate,
    ) -> ClientCredentialsBuilder {
        let credential = Credential::Certificate(Arc::new(certificate));
        ClientCredentialsBuilder::new(tenant.into(), client_id.into(), credential)
    }

    /// A builder from the environment variables the Azure SDKs read: `AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`, and the first credential set of `AZURE_CLIENT_SECRET`,
    /// `AZURE_CLIENT_CERTIFICATE_PATH` (under the `certificate` feature: a PEM file, read now, with
    /// `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN` = `true` or `1` to send its chain; under the `pkcs12`
    /// feature also a PKCS #12 file or an encrypted key, whose password is
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`) and `AZURE_FEDERATED_TOKEN_FILE` (which workload
    /// identity sets), or else, in a GitHub Actions job with `id-token: write`, the job's OIDC token
    /// ([`ClientCredentials::github_actions`]); and `AZURE_AUTHORITY_HOST` when set. Fails naming the
    /// variables that are unset, empty or not Unicode, or the certificate file that cannot be read.
    pub fn from_env() -> Result<ClientCredentialsBuilder, Error> {
        ClientCredentials::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientCredentialsBuilder, Error> {
        // An empty variable is an unset one, as the Azure SDKs read them: a compose file's
        // `AZURE_CLIENT_SECRET=${AZURE_CLIENT_SECRET}` with the secret missing must not hide the
        // federated token file (and an empty certificate password is no password either way).
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let credential = match var(CLIENT_SECRET_VAR) {
            Some(secret) => Some(Credential::Secret(secret)),
            None => ClientCredentials::certificate_from_vars(&var)?,
        };
        let credential = credential.or_else(|| {
            var(FEDERATED_TOKEN_FILE_VAR).map(|file| Credential::FederatedTokenFile(file.into()))
        });
        let credential = match credential {
            Some(credential) => Some(credential),
            None => ClientCredentials::github_actions_from_vars(&var)?,
        };
        match (var(TENANT_VAR), var(CLIENT_ID_VAR), credential) {
            (Some(tenant), Some(client_id), Some(credential)) => {
                let mut builder = ClientCredentialsBuilder::new(tenant, client_id, credential);
                builder.authority_host = var(AUTHORITY_HOST_VAR);
                Ok(builder)
            }
            (tenant, client_id, credential) => {
                let mut missing: Vec<&str> = Vec::new();
                missing.extend(tenant.is_none().then_some(TENANT_VAR));
                missing.extend(client_id.is_none().then_some(CLIENT_ID_VAR));
                let either = match cfg!(feature = "certificate") {
                    true => {
                        format!("{CLIENT_SECRET_VAR}, {CERTIFICATE_PATH_VAR} or {FEDERATED_TOKEN_FILE_VAR}")
                    }
                    false => format!("{CLIENT_SECRET_VAR} or {FEDERATED_TOKEN_FILE_VAR}"),
                };
                missing.extend(credential.is_none().then_some(either.as_str()));
                let mut message = format!(
                    "client credentials from the environment need {} (unset, empty or not Unicode)",
                    missing.join(", ")
                );
                if credential.is_none()
                    && !cfg!(feature = "certificate")
                    && var(CERTIFICATE_PATH_VAR).is_some()
                {
                    message.push_str(&format!(
                        "; {CERTIFICATE_PATH_VAR} is set, but a certificate needs graph-runtime's `certificate` feature"
                    ));
                }
                Err(Error::Config(message))
            }
        }
    }

    /// The certificate `AZURE_CLIENT_CERTIFICATE_PATH` names, read now, if the variable is set.
    #[cfg(feature = "certificate")]
    fn certificate_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Credential>, Error> {
        let Some(path) = var(CERTIFICATE_PATH_VAR) else { return Ok(None) };
        let contents = std::fs::read(&path).map_err(|error| {
            Error::Config(format!("{CERTIFICATE_PATH_VAR} names {path:?}, which cannot be read: {error}"))
        })?;
        let password = var(CERTIFICATE_PASSWORD_VAR);
        let certificate = super::Certificate::from_file(&contents, password.as_deref());
        let mut certificate = certificate.map_err(|error| match error {
            // A file that may need a password, read without one (where the password would be used):
            // the likely reason, named.
            Error::Config(why)
                if cfg!(feature = "pkcs12")
                    && password.is_none()
                    && super::Certificate::may_need_password(&contents) =>
            {
                Error::Config(format!(
                    "{CERTIFICATE_PATH_VAR} names {path:?}: {why} ({CERTIFICATE_PASSWORD_VAR} is unset)"
                ))
            }
            Error::Config(why) => Error::Config(format!("{CERTIFICATE_PATH_VAR} names {path:?}: {why}")),
            other => other,
        })?;
        if var(SEND_CERTIFICATE_CHAIN_VAR)
            .is_some_and(|send| matches!(send.trim(), "1" | "true" | "True" | "TRUE"))
        {
            certificate = certificate.send_chain();
        }
        Ok(Some(Credential::Certificate(Arc::new(certificate))))
    }

    /// Without the `certificate` feature, `AZURE_CLIENT_CERTIFICATE_PATH` gives no credential
    /// (and the error for a missing one says why).
    #[cfg(not(feature = "certificate"))]
    fn certificate_from_vars(_: &impl Fn(&str) -> Option<String>) -> Result<Option<Credential>, Error> {
        Ok(None)
    }

    /// The token, from the cache or fetched now.
    async fn current(&self) -> Result<String, super::TokenError> {
        self.tokens.current().await
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.current().await.map_err(Into::into) })
    }

    fn token_rejected(&self, token: &str) -> bool {
        self.tokens.rejected(token);
        true
    }

    fn claims_challenged(&self, token: &str, claims: &str) -> bool {
        self.tokens.challenged(token, claims);
        true
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grant = &self.tokens.source;
        let mut debug = f.debug_struct("ClientCredentials");
        debug.field("client_id", &grant.client_id).field("token_url", &grant.token_url.as_str());
        grant.credential.describe(&mut debug);
        debug.finish_non_exhaustive()
    }
}

impl TokenSource for Grant {
    fn endpoint(&self) -> &str {
        self.token_url.as_str()
    }

    fn request<'a>(
        &'a self,
        _previous: Option<&'a CachedToken>,
        claims: Option<&'a str>,
        transport: &'a dyn Transport,
    ) -> RequestFuture<'a> {
        Box::pin(async move {
            let proof = match &self.credential {
                Credential::Secret(secret) => Proof::Secret(secret),
                Credential::FederatedTokenFile(file) => {
                    // A blocking read, but of a small file, once a token: not worth a thread.
                    let read = std::fs::read_to_string(file).and_then(|text| match text.trim() {
                        "" => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "it is empty")),
                        assertion => Ok(assertion.to_owned()),
                    });
                    Proof::Assertion(read.map_err(|error| Reason::AssertionFile(file.clone(), error))?)
                }
                #[cfg(feature = "certificate")]
                Credential::Certificate(certificate) => Proof::Assertion(
                    certificate
                        .assertion(&self.client_id, self.token_url.as_str(), std::time::SystemTime::now())
                        .map_err(|_| Reason::Signing)?,
                ),
                Credential::CiJob(oidc) => {
                    Proof::Assertion(oidc.token(transport, &self.user_agent, self.timeout).await?)
                }
                Credential::Assertion(assertion) => {
                    let given = assertion().await.map_err(Reason::Assertion)?;
                    match given.trim() {
                        "" => return Err(Reason::Assertion("it is empty".into())),
                        given => Proof::Assertion(given.to_owned()),
                    }
                }
            };
            // Built after the awaits: the serializer is not `Send`.
            let mut form = form_urlencoded::Serializer::new(self.form_start.clone());
            match proof {
                Proof::Secret(secret) => form.append_pair("client_secret", secret),
                Proof::Assertion(assertion) => form
                    .append_pair("client_assertion_type", JWT_BEARER)
                    .append_pair("client_assertion", &assertion),
            };
            if let Some(claims) = challenge::request_parameter(claims, self.claims_capable) {
                form.append_pair("claims", &claims);
            }
            Ok(form_post(&self.token_url, form.finish(), &self.user_agent, self.timeout))
        })
    }

    fn may_pass(&self, status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    fn retry_delays(&self) -> &'static [Duration] {
        RETRY_DELAYS
    }
}

/// Configures [`ClientCredentials`]; from [`ClientCredentials::builder`],
/// [`ClientCredentials::federated`] or [`ClientCredentials::from_env`].
pub struct ClientCredentialsBuilder {
    tenant: String,
    client_id: String,
    credential: Credential,
    cloud: NationalCloud,
    authority_host: Option<String>,
    scope: Option<String>,
    /// The user's access token, for the on-behalf-of grant instead of the client credentials grant.
    on_behalf_of: Option<String>,
    claims_capable: bool,
    transport: Option<Arc<dyn Transport>>,
    timeout: Duration,
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ClientCredentialsBuilder");
        debug.field("tenant", &self.tenant).field("client_id", &self.client_id);
        self.credential.describe(&mut debug);
        debug
            .field("cloud", &self.cloud)
            .field("authority_host", &self.authority_host)
            .field("scope", &self.scope)
            .field("on_behalf_of", &self.on_behalf_of.as_ref().map(|_| "<a user's token>"))
            .field("continuous_access_evaluation", &self.claims_capable)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    fn new(tenant: String, client_id: String, credential: Credential) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            tenant,
            client_id,
            credential,
            cloud: NationalCloud::Global,
            authority_host: None,
            scope: None,
            on_behalf_of: None,
            claims_capable: false,
            transport: None,
            timeout: DEFAULT_TOKEN_TIMEOUT,
        }
    }

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

    /// Tokens for the user whose access token `user_token` is (one issued to this app, as an API
    /// receives it from its caller), by the on-behalf-of grant: the app proves itself with its
    /// credential as ever, and the tokens carry the delegated permissions the app was granted and
    /// the user consented to, not the app's own. For an API or a web app that calls Graph as its
    /// signed-in user; build one provider per user token, since it lives as long as that token: once
    /// the user's token has expired, Entra ID refuses the grant (`invalid_grant`), and the caller
    /// must come with a new one. A grant that needs the user's consent or a conditional access
    /// prompt fails with Entra ID's code (`interaction_required`, `invalid_grant`) and description.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), graph_runtime::Error> {
    /// # let user_token = String::new();
    /// use graph_runtime::ClientCredentials;
    ///
    /// let as_the_user = ClientCredentials::builder("contoso.onmicrosoft.com", "<api's client id>", "<secret>")
    ///     .on_behalf_of(user_token) // the bearer token the API was called with
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_behalf_of(mut self, user_token: impl Into<String>) -> ClientCredentialsBuilder {
        self.on_behalf_of = Some(user_token.into());
        self
    }

    /// Declares that the app handles claims challenges (continuous access evaluation's client
    /// capability `cp1`, sent as the `claims` of each token request). Entra ID then issues tokens
    /// that live longer (up to 28 hours; the client keeps one a day at most), and Graph, rather than
    /// serving a token that was revoked (the app disabled or its credential removed, a location
    /// policy), answers `401` with a claims challenge: the client asks for a token with the
    /// challenge's claims and sends the request once more ([`TokenProvider::claims_challenged`]).
    /// Off unless set. A claims challenge is answered this way whether or not this is set.
    pub fn continuous_access_evaluation(mut self) -> ClientCredentialsBuilder {
        self.claims_capable = true;
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

    /// Checks the tenant, client id, credential and authority, and starts the transport if none
    /// was given. Nothing is fetched, and no federated token file read, until a token is needed.
    pub fn build(self) -> Result<ClientCredentials, Error> {
        let client_id = self.client_id.trim();
        if client_id.is_empty() {
            return Err(Error::Config("the client id is empty".to_owned()));
        }
        match &self.credential {
            Credential::Secret(secret) if secret.is_empty() => {
                return Err(Error::Config("the client secret is empty".to_owned()));
            }
            Credential::FederatedTokenFile(file) if file.as_os_str().is_empty() => {
                return Err(Error::Config("the federated token file's path is empty".to_owned()));
            }
            _ => {}
        }
        let authority = self.authority_host.as_deref().unwrap_or(self.cloud.authority_host());
        let token_url = tenant_endpoint(authority, &self.tenant, "token")?;
        let scope = self.scope.unwrap_or_else(|| self.cloud.default_scope());
        let mut form_start = form_urlencoded::Serializer::new(String::new());
        match self.on_behalf_of.as_deref().map(str::trim) {
            None => form_start.append_pair("grant_type", "client_credentials"),
            Some("") => {
                return Err(Error::Config("the user's token for the on-behalf-of grant is empty".to_owned()))
            }
            Some(user_token) => form_start
                .append_pair("grant_type", JWT_BEARER_GRANT)
                .append_pair("requested_token_use", "on_behalf_of")
                .append_pair("assertion", user_token),
        };
        let form_start = form_start.append_pair("client_id", client_id).append_pair("scope", &scope).finish();
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport()?,
        };
        let grant = Grant {
            client_id: client_id.to_owned(),
            token_url,
            form_start,
            credential: self.credential,
            claims_capable: self.claims_capable,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            timeout: self.timeout,
        };
        Ok(ClientCredentials { tokens: Arc::new(TokenCache::new(grant, transport)) })
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as StdError;
    use std::sync::Mutex;
    use std::time::Instant;

    use http::header::{ACCEPT, CONTENT_TYPE};
    use http::{HeaderMap, Method};
    use serde_json::json;

    use super::super::token_endpoint::script::{answer, granted, script, Script};
    use super::super::token_endpoint::{CachedToken, MAX_LIFETIME, REFRESH_MARGIN, REFRESH_RETRY};
    use super::*;
    use crate::transport::{HttpResponse, TransportError, TransportErrorKind};

    const SECRET: &str = "s3cr&t=+ é~";
    const RETRY_DELAY: Duration = Duration::from_secs(1);

    fn credentials(transport: &Arc<Script>) -> ClientCredentials {
        ClientCredentials::builder("contoso.onmicrosoft.com", "app-id", SECRET)
            .transport(Arc::clone(transport))
            .build()
            .unwrap()
    }

    fn form_of(request: &crate::transport::HttpRequest) -> Vec<(String, String)> {
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
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", SECRET),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(form_of(request), expected);
    }

    #[tokio::test]
    async fn on_behalf_of_a_user_the_users_token_is_exchanged_with_the_apps_credential() {
        let transport = script([granted("as-alice", json!(3599))]);
        let builder = ClientCredentials::builder("contoso.onmicrosoft.com", "api-id", SECRET)
            .on_behalf_of(" eyJ.alice.sig ")
            .transport(Arc::clone(&transport));
        assert!(!format!("{builder:?}").contains("alice"), "{builder:?}");
        assert_eq!(token(&builder.build().unwrap()).await.unwrap(), "as-alice");
        let requests = transport.requests.lock().unwrap();
        let [request] = requests.as_slice() else { panic!("{} requests", requests.len()) };
        let expected = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("requested_token_use", "on_behalf_of"),
            ("assertion", "eyJ.alice.sig"),
            ("client_id", "api-id"),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", SECRET),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(form_of(request), expected);

        let empty = ClientCredentials::builder("contoso", "api-id", SECRET).on_behalf_of("  ").build();
        assert!(
            matches!(&empty, Err(Error::Config(why)) if why == "the user's token for the on-behalf-of grant is empty"),
            "{empty:?}"
        );
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

        credentials.tokens.cached.lock().await.take();
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
            let mut cached = credentials.tokens.cached.lock().await;
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
        let cached = credentials.tokens.cached.lock().await;
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
    async fn a_failed_refresh_falls_back_on_a_token_that_is_still_valid_for_a_while() {
        let transport = script((0..4).map(|_| answer(503, json!({}))));
        let credentials = credentials(&transport);
        let now = Instant::now();
        *credentials.tokens.cached.lock().await = Some(CachedToken {
            value: "old".to_owned(),
            refresh_at: now,
            expires_at: now + Duration::from_secs(60),
            refresh_token: None,
        });
        assert_eq!(token(&credentials).await.unwrap(), "old");
        // The next requests take it without waiting through another failing fetch, for a while.
        let (a, b) = tokio::join!(token(&credentials), token(&credentials));
        assert_eq!([a.unwrap(), b.unwrap()], ["old", "old"]);
        assert_eq!(transport.requests.lock().unwrap().len(), 2, "one refresh, tried twice");
        let refresh_in = credentials.tokens.cached.lock().await.as_ref().unwrap().refresh_at - now;
        assert!(
            (REFRESH_RETRY..REFRESH_RETRY + Duration::from_secs(1)).contains(&refresh_in),
            "{refresh_in:?}"
        );
        // Once it has expired, a refresh that fails fails the request.
        if let Some(cached) = credentials.tokens.cached.lock().await.as_mut() {
            (cached.refresh_at, cached.expires_at) = (Instant::now(), Instant::now());
        }
        let error = token(&credentials).await.unwrap_err();
        assert!(error.contains("answered 503 Service Unavailable"), "{error}");
        assert_eq!(transport.requests.lock().unwrap().len(), 4, "each refresh tried twice");
    }

    #[tokio::test(start_paused = true)]
    async fn while_a_refresh_is_under_way_a_token_still_valid_serves_the_other_callers() {
        // Entra ID slow and failing: the refresh takes 20 s a try, 41 s in all.
        let transport = Arc::new(Script {
            answers: Mutex::new((0..2).map(|_| answer(503, json!({}))).collect()),
            delay: Some(Duration::from_secs(20)),
            ..Script::default()
        });
        let credentials = credentials(&transport);
        let now = Instant::now();
        let old = |expires_in: u64| CachedToken {
            value: "old".to_owned(),
            refresh_at: now,
            expires_at: now + Duration::from_secs(expires_in),
            refresh_token: None,
        };
        credentials.tokens.store(old(240)).await;
        let refreshing = tokio::spawn({
            let credentials = credentials.clone();
            async move { token(&credentials).await }
        });
        tokio::time::sleep(Duration::from_millis(1)).await;
        let started = tokio::time::Instant::now();
        assert_eq!(token(&credentials).await.unwrap(), "old");
        assert_eq!(started.elapsed(), Duration::ZERO, "served at once, not after the refresh");
        assert_eq!(refreshing.await.unwrap().unwrap(), "old", "the failed refresh falls back on it too");
        assert_eq!(transport.requests.lock().unwrap().len(), 2, "one refresh, tried twice");

        // A token Graph refuses while a refresh is under way is not served meanwhile.
        transport.answers.lock().unwrap().push_back(granted("new", json!(3599)));
        credentials.tokens.store(old(240)).await;
        let fetching = tokio::spawn({
            let credentials = credentials.clone();
            async move { token(&credentials).await }
        });
        tokio::time::sleep(Duration::from_millis(1)).await;
        credentials.tokens.rejected("old");
        assert_eq!(token(&credentials).await.unwrap(), "new", "waited for the refresh");
        assert_eq!(fetching.await.unwrap().unwrap(), "new");

        // Nor one refused before the fetch that replaces it took the refusal.
        transport.answers.lock().unwrap().push_back(granted("newer", json!(3599)));
        credentials.tokens.store(old(240)).await;
        credentials.tokens.rejected("old");
        let fetching = tokio::spawn({
            let credentials = credentials.clone();
            async move { token(&credentials).await }
        });
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(token(&credentials).await.unwrap(), "newer", "waited for the replacement");
        assert_eq!(fetching.await.unwrap().unwrap(), "newer");
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
    async fn a_late_refusal_of_an_older_token_does_not_hide_the_cached_ones() {
        let transport = script([
            granted("old", json!(3599)),
            granted("current", json!(3599)),
            granted("next", json!(3599)),
        ]);
        let credentials = credentials(&transport);
        assert_eq!(token(&credentials).await.unwrap(), "old");
        assert!(credentials.token_rejected("old"));
        assert_eq!(token(&credentials).await.unwrap(), "current");
        // The session revoked: the current token refused, then the old one, by a request that was
        // still under way with it.
        assert!(credentials.token_rejected("current"));
        assert!(credentials.token_rejected("old"));
        assert_eq!(token(&credentials).await.unwrap(), "next");
    }

    #[tokio::test]
    async fn a_refusal_made_while_the_cache_is_in_use_is_not_lost() {
        let transport = script([granted("refused", json!(3599)), granted("newer", json!(3599))]);
        let credentials = credentials(&transport);
        assert_eq!(token(&credentials).await.unwrap(), "refused");
        {
            // Another request reading the cached token, or a fetch under way, holds the cache.
            let _in_use = credentials.tokens.cached.lock().await;
            assert!(credentials.token_rejected("refused"));
        }
        assert_eq!(token(&credentials).await.unwrap(), "newer");
    }

    #[tokio::test]
    async fn a_claims_challenge_is_asked_of_the_next_fetch_only() {
        let transport = script([
            granted("challenged", json!(3599)),
            granted("fresh", json!(3599)),
            granted("later", json!(3599)),
        ]);
        let credentials = credentials(&transport);
        assert_eq!(token(&credentials).await.unwrap(), "challenged");
        let nbf = r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#;
        assert!(credentials.claims_challenged("challenged", nbf));
        // A plain refusal of the same token by another request keeps the challenge's claims.
        assert!(credentials.token_rejected("challenged"));
        assert_eq!(token(&credentials).await.unwrap(), "fresh");
        // A late challenge of the replaced token asks for nothing.
        assert!(credentials.claims_challenged("challenged", nbf));
        assert_eq!(token(&credentials).await.unwrap(), "fresh");
        assert!(credentials.token_rejected("fresh"));
        assert_eq!(token(&credentials).await.unwrap(), "later");
        let claims_sent: Vec<Option<String>> = transport
            .forms()
            .into_iter()
            .map(|form| form.into_iter().find(|(name, _)| name == "claims").map(|(_, claims)| claims))
            .collect();
        assert_eq!(claims_sent, [None, Some(nbf.to_owned()), None]);
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
        assert_eq!(
            refusal(ClientCredentials::federated("contoso", "id", "").transport(script([]))),
            "the federated token file's path is empty"
        );
        assert!(
            refusal(builder("contoso", "id", "s").authority_host("login.example")).contains("is not a URL")
        );
        assert!(
            refusal(builder("contoso", "id", "s").authority_host("https://a.example/?x=1")).contains("query")
        );
        // The secret would be posted in the clear.
        assert!(refusal(builder("contoso", "id", "s").authority_host("http://login.microsoftonline.com"))
            .contains("travel in the clear"));
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
        // An empty variable is unset: the federated token file is the credential, not an empty secret.
        let builder = ClientCredentials::from_vars(vars(&[
            ("AZURE_TENANT_ID", "contoso"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_CLIENT_SECRET", ""),
            ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"),
            ("AZURE_AUTHORITY_HOST", " "),
        ]))
        .unwrap();
        let shown = format!("{builder:?}");
        assert!(shown.contains("azure-identity-token") && !shown.contains("authority_host: Some"), "{shown}");
        match ClientCredentials::from_vars(vars(&[("AZURE_CLIENT_ID", "app")])) {
            Err(Error::Config(message)) => {
                let credentials = match cfg!(feature = "certificate") {
                    true => {
                        "AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE"
                    }
                    false => "AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE",
                };
                assert_eq!(
                    message,
                    format!(
                        "client credentials from the environment need AZURE_TENANT_ID, {credentials} \
                         (unset, empty or not Unicode)"
                    )
                )
            }
            other => panic!("{other:?}"),
        }
    }

    /// A file of this test's own under the temporary folder, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str) -> TempFile {
            TempFile(std::env::temp_dir().join(format!("graph-runtime-{}-{name}", std::process::id())))
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[tokio::test]
    async fn a_federated_token_is_sent_as_the_client_assertion_and_read_again_for_each_request() {
        let file = TempFile::new("federated-token");
        std::fs::write(&file.0, "eyJ.first.sig\n").unwrap();
        let transport = script([granted("tok-1", json!(0)), granted("tok-2", json!(0))]);
        let credentials = ClientCredentials::federated("contoso", "app-id", &file.0)
            .transport(Arc::clone(&transport))
            .build()
            .unwrap();
        assert_eq!(token(&credentials).await.unwrap(), "tok-1");
        // Kubernetes replaces the file before the token in it expires.
        std::fs::write(&file.0, "eyJ.second.sig").unwrap();
        assert_eq!(token(&credentials).await.unwrap(), "tok-2");
        let requests = transport.requests.lock().unwrap();
        let forms: Vec<Vec<(String, String)>> = requests.iter().map(form_of).collect();
        let expected = |assertion: &str| {
            [
                ("grant_type", "client_credentials"),
                ("client_id", "app-id"),
                ("scope", "https://graph.microsoft.com/.default"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .to_vec()
        };
        assert_eq!(forms, [expected("eyJ.first.sig"), expected("eyJ.second.sig")]);
        let shown = format!("{credentials:?}");
        assert!(shown.contains("federated_token_file") && !shown.contains("eyJ"), "{shown}");
    }

    #[tokio::test]
    async fn the_applications_assertion_is_asked_for_before_each_token_request() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let transport = script([granted("tok-1", json!(0)), granted("tok-2", json!(0))]);
        let credentials = ClientCredentials::assertion("contoso", "app-id", move || {
            let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok::<_, std::io::Error>(format!("eyJ.oidc-{call}.sig\n")) }
        })
        .transport(Arc::clone(&transport))
        .build()
        .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "not asked before a token is needed");
        // Each token expires at once, so each request fetches one.
        assert_eq!(token(&credentials).await.unwrap(), "tok-1");
        assert_eq!(token(&credentials).await.unwrap(), "tok-2");
        let requests = transport.requests.lock().unwrap();
        let assertions: Vec<(String, String)> = requests
            .iter()
            .map(form_of)
            .map(|form| {
                let field =
                    |name: &str| form.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
                (
                    field("client_assertion_type").unwrap_or_default(),
                    field("client_assertion").unwrap_or_default(),
                )
            })
            .collect();
        let jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned();
        assert_eq!(
            assertions,
            [(jwt_bearer.clone(), "eyJ.oidc-1.sig".to_owned()), (jwt_bearer, "eyJ.oidc-2.sig".to_owned())]
        );
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("client_assertion: \"the application's\"") && !shown.contains("eyJ"),
            "{shown}"
        );
    }

    /// The environment of a GitHub Actions job with `id-token: write`, and `extra`.
    fn github_job(extra: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| match name {
            "AZURE_TENANT_ID" => Some("contoso".to_owned()),
            "AZURE_CLIENT_ID" => Some("app-id".to_owned()),
            "ACTIONS_ID_TOKEN_REQUEST_URL" => {
                Some("https://pipelines.actions.githubusercontent.com/x/idtoken?api-version=2.0".to_owned())
            }
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("gh-request-token".to_owned()),
            other => extra.iter().find(|(key, _)| *key == other).map(|(_, value)| (*value).to_owned()),
        }
    }

    #[tokio::test]
    async fn a_github_actions_job_sends_its_oidc_token_asked_of_github_for_each_token_request() {
        let github = |jwt: &str| answer(200, json!({"count": 2, "value": jwt}));
        let transport = script([
            github("eyJ.gh-1.sig"),
            granted("tok-1", json!(0)),
            github("eyJ.gh-2.sig"),
            granted("tok-2", json!(0)),
        ]);
        let credentials = ClientCredentials::from_vars(github_job(&[]))
            .unwrap()
            .transport(Arc::clone(&transport))
            .build()
            .unwrap();
        assert_eq!(token(&credentials).await.unwrap(), "tok-1");
        assert_eq!(token(&credentials).await.unwrap(), "tok-2");

        let requests = transport.requests.lock().unwrap();
        let [ask_1, grant_1, ask_2, grant_2] = requests.as_slice() else {
            panic!("{} requests", requests.len())
        };
        for ask in [ask_1, ask_2] {
            assert_eq!(ask.method, Method::GET);
            assert_eq!(
                ask.url,
                "https://pipelines.actions.githubusercontent.com/x/idtoken?api-version=2.0\
                 &audience=api%3A%2F%2FAzureADTokenExchange"
            );
            assert_eq!(ask.headers["authorization"], "Bearer gh-request-token");
            assert!(ask.headers["authorization"].is_sensitive());
        }
        let assertion = |request: &crate::transport::HttpRequest| {
            form_of(request).into_iter().find(|(name, _)| name == "client_assertion").map(|(_, value)| value)
        };
        assert_eq!(assertion(grant_1).as_deref(), Some("eyJ.gh-1.sig"));
        assert_eq!(assertion(grant_2).as_deref(), Some("eyJ.gh-2.sig"));
        let shown = format!("{credentials:?}");
        assert!(shown.contains("github_actions_oidc") && !shown.contains("gh-request-token"), "{shown}");
    }

    #[tokio::test]
    async fn github_refusing_the_job_its_token_fails_the_request_and_other_credentials_come_first() {
        let transport = script([answer(403, json!({"message": "no id-token permission"}))]);
        let credentials = ClientCredentials::from_vars(github_job(&[]))
            .unwrap()
            .transport(Arc::clone(&transport))
            .build()
            .unwrap();
        assert_eq!(
            credentials.current().await.unwrap_err().to_string(),
            "no token request to https://login.microsoftonline.com/contoso/oauth2/v2.0/token: no client assertion: \
             GitHub Actions' OIDC token request was answered 403 Forbidden"
        );
        assert_eq!(transport.requests.lock().unwrap().len(), 1, "Entra ID was not asked");
        // A secret, a certificate or a federated token file the job also has is used instead.
        let shown = |extra| format!("{:?}", ClientCredentials::from_vars(github_job(extra)).unwrap());
        assert!(shown(&[("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token")]).contains("federated_token_file"));
        assert!(!shown(&[("AZURE_CLIENT_SECRET", "s")]).contains("github_actions_oidc"));
    }

    /// An Azure Pipelines job's `SYSTEM_OIDCREQUESTURI`.
    const ADO_OIDC: &str =
        "https://dev.azure.com/contoso/0f1e/_apis/distributedtask/hubs/build/plans/5a2b/jobs/7c3d/oidctoken";

    fn azure_pipelines_job(name: &str) -> Option<String> {
        (name == "SYSTEM_OIDCREQUESTURI").then(|| ADO_OIDC.to_owned())
    }

    /// The credentials of an Azure Pipelines job for `connection`, with `system_access_token`.
    fn pipeline(transport: &Arc<Script>, connection: &str, system_access_token: &str) -> ClientCredentials {
        let credential = ClientCredentials::azure_pipelines_from_vars(
            &azure_pipelines_job,
            connection,
            system_access_token,
        )
        .unwrap();
        ClientCredentialsBuilder::new("contoso".to_owned(), "app-id".to_owned(), credential)
            .transport(Arc::clone(transport))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn an_azure_pipelines_job_sends_an_oidc_token_for_its_service_connection() {
        let transport =
            script([answer(200, json!({"oidcToken": "eyJ.ado-1.sig"})), granted("tok-1", json!(3599))]);
        let credentials = pipeline(&transport, " 9e8d-connection ", "ado-job-token");
        assert_eq!(token(&credentials).await.unwrap(), "tok-1");

        let requests = transport.requests.lock().unwrap();
        let [ask, grant] = requests.as_slice() else { panic!("{} requests", requests.len()) };
        assert_eq!(ask.method, Method::POST);
        assert_eq!(
            ask.url.to_string(),
            format!("{ADO_OIDC}?api-version=7.1&serviceConnectionId=9e8d-connection")
        );
        assert_eq!(ask.headers["authorization"], "Bearer ado-job-token");
        assert!(ask.headers["authorization"].is_sensitive());
        assert_eq!(ask.headers["content-type"], "application/json");
        assert_eq!(ask.headers["x-tfs-fedauthredirect"], "Suppress");
        assert_eq!(ask.body.as_deref(), Some(&b""[..]));
        let form = form_of(grant);
        let field = |name: &str| form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
        assert_eq!(field("client_assertion"), Some("eyJ.ado-1.sig"));
        assert_eq!(field("client_id"), Some("app-id"));
        let shown = format!("{credentials:?}");
        assert!(shown.contains("azure_pipelines_oidc") && !shown.contains("ado-job-token"), "{shown}");
    }

    #[tokio::test]
    async fn azure_pipelines_refusals_say_what_to_check() {
        let refused = |outcome: Result<Credential, Error>| match outcome {
            Err(Error::Config(message)) => message,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        };
        assert_eq!(
            refused(ClientCredentials::azure_pipelines_from_vars(&|_: &str| None, "c", "t")),
            "Azure Pipelines' OIDC token: SYSTEM_OIDCREQUESTURI is unset (not in an Azure Pipelines job)"
        );
        assert_eq!(
            refused(ClientCredentials::azure_pipelines_from_vars(&azure_pipelines_job, "c", " ")),
            "Azure Pipelines' OIDC token request: the system access token is empty"
        );

        let transport = script([answer(401, json!({"message": "TF400813"}))]);
        let credentials = pipeline(&transport, "c", "t");
        assert_eq!(
            credentials.current().await.unwrap_err().to_string(),
            "no token request to https://login.microsoftonline.com/contoso/oauth2/v2.0/token: no client assertion: \
             Azure Pipelines' OIDC token request was answered 401 Unauthorized (the job's System.AccessToken \
             refused, or the service connection is not this pipeline's to use)"
        );
    }

    #[tokio::test]
    async fn an_assertion_the_application_cannot_give_fails_the_token_request_unsent() {
        let transport = script([]);
        let credentials = ClientCredentials::assertion("contoso", "app-id", || async {
            Err::<String, _>(std::io::Error::other("the CI gave no OIDC token"))
        })
        .transport(Arc::clone(&transport))
        .build()
        .unwrap();
        let error = credentials.current().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "no token request to https://login.microsoftonline.com/contoso/oauth2/v2.0/token: no client \
             assertion: the CI gave no OIDC token"
        );
        assert!(error.source().is_some_and(|source| source.to_string() == "the CI gave no OIDC token"));
        let empty = ClientCredentials::assertion("contoso", "app-id", || async {
            Ok::<_, std::io::Error>(" ".into())
        })
        .transport(Arc::clone(&transport))
        .build()
        .unwrap();
        assert!(empty.current().await.unwrap_err().to_string().ends_with("no client assertion: it is empty"));
        assert!(transport.requests.lock().unwrap().is_empty(), "nothing was sent");
    }

    #[tokio::test]
    async fn a_federated_token_file_that_is_missing_or_empty_fails_the_request_naming_the_file() {
        let file = TempFile::new("absent-federated-token");
        let transport = script([]);
        let credentials = ClientCredentials::federated("contoso", "app-id", &file.0)
            .transport(Arc::clone(&transport))
            .build()
            .unwrap();
        let missing = credentials.current().await.unwrap_err();
        let path = file.0.display().to_string();
        let message = missing.to_string();
        assert!(
            message.starts_with(
                "no token request to https://login.microsoftonline.com/contoso/oauth2/v2.0/token: \
                                 the federated token file "
            ) && message.contains(&path),
            "{message}"
        );
        assert!(missing.source().is_some());
        std::fs::write(&file.0, " \n").unwrap();
        let empty = credentials.current().await.unwrap_err().to_string();
        assert!(empty.ends_with(&format!("{path} could not be read: it is empty")), "{empty}");
        assert!(transport.requests.lock().unwrap().is_empty(), "nothing is sent without an assertion");
    }

    #[cfg(feature = "certificate")]
    #[tokio::test]
    async fn a_certificate_signs_a_new_assertion_for_the_token_endpoint_for_each_request() {
        use super::super::certificate::tests::{verified, CERTIFICATE, KEY};
        let certificate = super::super::Certificate::from_pem(format!("{CERTIFICATE}{KEY}")).unwrap();
        let transport = script([granted("tok-1", json!(0)), granted("tok-2", json!(0))]);
        let credentials = ClientCredentials::certificate("contoso", "app-id", certificate)
            .cloud(NationalCloud::UsGovernmentL4)
            .transport(Arc::clone(&transport))
            .build()
            .unwrap();
        assert_eq!(token(&credentials).await.unwrap(), "tok-1");
        assert_eq!(token(&credentials).await.unwrap(), "tok-2");
        let requests = transport.requests.lock().unwrap();
        let mut ids = Vec::new();
        for request in requests.iter() {
            let form = form_of(request);
            let names: Vec<&str> = form.iter().map(|(name, _)| name.as_str()).collect();
            assert_eq!(
                names,
                ["grant_type", "client_id", "scope", "client_assertion_type", "client_assertion"]
            );
            assert_eq!(form[3].1, JWT_BEARER);
            let (_, claims) = verified(&form[4].1);
            // The audience is the token endpoint the assertion goes to, the cloud's.
            assert_eq!(claims["aud"], "https://login.microsoftonline.us/contoso/oauth2/v2.0/token");
            assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("app-id"), Some("app-id")));
            ids.push(claims["jti"].clone());
        }
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1], "each request signs an assertion of its own");
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("certificate: Certificate { x5t#S256:") && !shown.contains("PRIVATE"),
            "{shown}"
        );
    }

    #[cfg(feature = "certificate")]
    #[test]
    fn the_environment_reads_a_certificate_file_after_a_secret_and_before_a_federated_token() {
        use super::super::certificate::tests::{CERTIFICATE, KEY};
        let file = TempFile::new("client-certificate.pem");
        std::fs::write(&file.0, format!("{KEY}{CERTIFICATE}")).unwrap();
        let path = file.0.display().to_string();
        let vars = |extra: &'static [(&'static str, &'static str)], path: String| {
            move |name: &str| match name {
                "AZURE_TENANT_ID" => Some("contoso".to_owned()),
                "AZURE_CLIENT_ID" => Some("app".to_owned()),
                "AZURE_CLIENT_CERTIFICATE_PATH" => Some(path.clone()),
                "AZURE_FEDERATED_TOKEN_FILE" => Some("/var/run/token".to_owned()),
                other => extra.iter().find(|(key, _)| *key == other).map(|(_, value)| (*value).to_owned()),
            }
        };
        let shown = |extra, path| format!("{:?}", ClientCredentials::from_vars(vars(extra, path)).unwrap());
        let certificate = shown(&[], path.clone());
        assert!(
            certificate.contains("certificate: Certificate {") && certificate.contains("send_chain: false")
        );
        assert!(!certificate.contains("federated_token_file"), "the certificate comes first: {certificate}");
        let chain = shown(&[("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true")], path.clone());
        assert!(chain.contains("send_chain: true"), "{chain}");
        let secret = shown(&[("AZURE_CLIENT_SECRET", "s")], path.clone());
        assert!(!secret.contains("certificate"), "a secret comes before a certificate: {secret}");
        // A certificate file that cannot be read is an error now, not at the first request.
        let refusal = |path: String| match ClientCredentials::from_vars(vars(&[], path)) {
            Err(Error::Config(message)) => message,
            other => panic!("{other:?}"),
        };
        let absent = format!("{path}.absent");
        let message = refusal(absent.clone());
        let expected = format!("AZURE_CLIENT_CERTIFICATE_PATH names {absent:?}, which cannot be read");
        assert!(message.starts_with(&expected), "{message}");
        std::fs::write(&file.0, CERTIFICATE).unwrap();
        let message = refusal(path.clone());
        let expected =
            format!("AZURE_CLIENT_CERTIFICATE_PATH names {path:?}: the client certificate: no private key");
        assert!(message.starts_with(&expected), "{message}");
    }

    #[cfg(feature = "pkcs12")]
    #[test]
    fn the_environments_certificate_file_may_be_pkcs12_opened_with_its_password() {
        use super::super::certificate::tests::X5T_S256;
        let file = TempFile::new("client-certificate.pfx");
        std::fs::write(&file.0, include_bytes!("../../tests/fixtures/certificate-credential-legacy.pfx"))
            .unwrap();
        let path = file.0.display().to_string();
        let read = |password: Option<&'static str>| {
            ClientCredentials::from_vars(|name: &str| match name {
                "AZURE_TENANT_ID" => Some("contoso".to_owned()),
                "AZURE_CLIENT_ID" => Some("app".to_owned()),
                "AZURE_CLIENT_CERTIFICATE_PATH" => Some(path.clone()),
                "AZURE_CLIENT_CERTIFICATE_PASSWORD" => password.map(str::to_owned),
                _ => None,
            })
        };
        let shown = format!("{:?}", read(Some("secret")).unwrap());
        assert!(shown.contains(&format!("x5t#S256: {X5T_S256:?}")), "{shown}");
        match read(None) {
            Err(Error::Config(message)) => assert_eq!(
                message,
                format!(
                    "AZURE_CLIENT_CERTIFICATE_PATH names {path:?}: the client certificate: its PKCS #12 file \
                     cannot be opened: the password is wrong, or the file is damaged \
                     (AZURE_CLIENT_CERTIFICATE_PASSWORD is unset)"
                )
            ),
            other => panic!("{other:?}"),
        }
    }

    #[cfg(not(feature = "certificate"))]
    #[test]
    fn without_the_certificate_feature_a_certificate_variable_is_named_as_the_reason() {
        let vars = |name: &str| match name {
            "AZURE_TENANT_ID" => Some("contoso".to_owned()),
            "AZURE_CLIENT_ID" => Some("app".to_owned()),
            "AZURE_CLIENT_CERTIFICATE_PATH" => Some("/etc/app.pem".to_owned()),
            _ => None,
        };
        match ClientCredentials::from_vars(vars) {
            Err(Error::Config(message)) => assert_eq!(
                message,
                "client credentials from the environment need AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE \
                 (unset, empty or not Unicode); AZURE_CLIENT_CERTIFICATE_PATH is set, but a certificate needs \
                 graph-runtime's `certificate` feature"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_environment_falls_back_on_a_federated_token_file_when_no_secret_is_set() {
        let vars = |name: &str| match name {
            "AZURE_TENANT_ID" => Some("contoso".to_owned()),
            "AZURE_CLIENT_ID" => Some("app".to_owned()),
            "AZURE_FEDERATED_TOKEN_FILE" => {
                Some("/var/run/secrets/azure/tokens/azure-identity-token".to_owned())
            }
            _ => None,
        };
        let shown = format!("{:?}", ClientCredentials::from_vars(vars).unwrap());
        assert!(shown.contains("federated_token_file: \"/var/run/secrets/azure/tokens/"), "{shown}");
        let with_secret = |name: &str| match name {
            "AZURE_CLIENT_SECRET" => Some("secret".to_owned()),
            other => vars(other),
        };
        let shown = format!("{:?}", ClientCredentials::from_vars(with_secret).unwrap());
        assert!(!shown.contains("federated_token_file"), "the secret comes first: {shown}");
    }
}
