//! The HTTP client generated request builders send through.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Error, RequestPath, StaticToken, TokenProvider};

/// The global Microsoft Graph endpoint.
pub const GLOBAL_BASE_URL: &str = "https://graph.microsoft.com";

/// HTTP methods the generated operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// The static description of an operation a generated method sends: method, version and path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// API version segment: `beta` or `v1.0`.
    pub version: &'static str,
    /// The documented path template, for tracing and errors (never contains caller data).
    pub template: &'static str,
}

/// A Microsoft Graph client: cheap to clone, `Send + Sync`, one connection pool shared by all clones.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    tokens: Arc<dyn TokenProvider>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    tokens: Arc<dyn TokenProvider>,
}

impl Client {
    /// A builder for the global cloud with an empty static token.
    pub fn builder() -> ClientBuilder {
        ClientBuilder { base_url: GLOBAL_BASE_URL.to_owned(), tokens: Arc::new(StaticToken::new("")) }
    }

    /// Sends a request and decodes a JSON response body into `R`.
    pub async fn send_json<B, R>(
        &self,
        operation: Operation,
        path: &RequestPath,
        body: Option<&B>,
    ) -> Result<R, Error>
    where
        B: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let bytes = self.send(operation, path, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            type_name: std::any::type_name::<R>(),
            message: e.to_string(),
            body_start: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
        })
    }

    /// Sends a request whose success response has no body (`204 No Content`).
    pub async fn send_no_content<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        body: Option<&B>,
    ) -> Result<(), Error>
    where
        B: Serialize + ?Sized,
    {
        self.send(operation, path, body).await.map(drop)
    }

    async fn send<B>(
        &self,
        operation: Operation,
        path: &RequestPath,
        body: Option<&B>,
    ) -> Result<Vec<u8>, Error>
    where
        B: Serialize + ?Sized,
    {
        let url = format!("{}/{}{}", self.inner.base_url, operation.version, path.as_str());
        let token = self.inner.tokens.token().await.map_err(Error::Auth)?;
        let mut request = self
            .inner
            .http
            .request(operation.method.to_reqwest(), url)
            .bearer_auth(token)
            .header("Accept", "application/json");
        if let Some(body) = body {
            let json = serde_json::to_vec(body).map_err(Error::Encode)?;
            request = request.header("Content-Type", "application/json").body(json);
        }
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(Error::Transport)?.to_vec();
        if !(200..300).contains(&status) {
            return Err(Error::Status { status, body: String::from_utf8_lossy(&bytes).into_owned() });
        }
        Ok(bytes)
    }
}

impl ClientBuilder {
    /// Sends requests to this base URL instead of the global cloud (tests, proxies, national clouds).
    pub fn base_url(mut self, base_url: impl Into<String>) -> ClientBuilder {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// The bearer-token provider asked before every attempt.
    pub fn token_provider(mut self, tokens: impl TokenProvider + 'static) -> ClientBuilder {
        self.tokens = Arc::new(tokens);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let http = reqwest::Client::builder().build().map_err(Error::Transport)?;
        Ok(Client { inner: Arc::new(Inner { http, base_url: self.base_url, tokens: self.tokens }) })
    }
}
