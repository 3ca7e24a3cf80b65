//! Hand-written runtime that the generated Microsoft Graph client links: the HTTP client, auth,
//! request paths, errors, retries, redirects and the OData helpers the generated models use.
//!
//! Generated code only calls into this crate; everything that is not derived from the docs lives here.
//! Every generated operation method returns a [`Request`]: query options are set on it (only those
//! its page lists, by the [`options`] marker traits) and `.await` sends it; a list also offers
//! [`Request::pager`] and [`Request::items`]. Generated models read and write JSON through
//! [`odata::ObjectReader`] and [`odata::ObjectWriter`].
//!
//! One call of [`Client::send_json`] or [`Client::send_no_content`] (or one awaited [`Request`]) is
//! one `graph_request` tracing span (method, path template, version, attempt, status, request-id;
//! never the token, the path's ids or a body) around up to `1 + max_retries` attempts and
//! `max_redirects` redirect hops. Each hop is built by pure code, sent by a [`Transport`]
//! ([`HttpTransport`]: hyper with rustls by default, the platform's TLS with the `native-tls`
//! feature, proxies from the environment) and judged by pure code: 2xx succeeds, 429/503/504 is
//! retried (honouring `Retry-After`), 301/302/303/307/308 is followed (dropping credentials when the
//! origin changes), a 401 is sent once more if the token provider replaces the refused token
//! with another ([`TokenProvider::token_rejected`], or [`TokenProvider::claims_challenged`] with
//! the claims of a continuous access evaluation challenge), anything else is a [`GraphError`]. With
//! [`ClientBuilder::max_concurrent_requests`], a hop waits for a place among the client's requests
//! in flight.
//!
//! Each attempt asks a [`TokenProvider`] for its bearer token: a [`StaticToken`];
//! [`ClientCredentials`], an app registration's own tokens from Microsoft Entra ID for a client
//! secret, a federated token (workload identity) or, under the `certificate` feature, a
//! `Certificate`; [`ManagedIdentity`], the tokens Azure issues to the resource (or the Azure
//! Arc-enabled machine) the program runs on; or [`DeviceCode`], a user's, who signs in with a code
//! the program shows. All three cache their tokens and refresh them before they expire.
//!
//! The `*_with` variants ([`Client::send_json_with`], …) add typed OData [`QueryOptions`] to the
//! URL. A list operation (`Collection<T>` response) can be walked with a [`Pager`] from
//! [`Client::pager`], which follows `@odata.nextLink` only within the base URL's origin; each page
//! is one `graph_request` span of its own. [`Client::batch`] sends prepared requests twenty to a JSON
//! `$batch`, and reads each answer as the request's own `.await` would have. [`Client::blob_upload`]
//! and [`Client::blob_download`] send and fetch files at the Azure Storage URLs Graph signs for them
//! (an Intune app's content file, an exported report).
#![deny(missing_docs)]

mod absolute_url;
mod arguments;
mod auth;
mod batch;
mod blob;
mod call;
mod client;
pub mod config;
mod error;
#[cfg(feature = "gzip")]
mod gzip;
pub mod odata;
pub mod paging;
mod path;
mod query;
mod request;
mod response;
pub mod transport;

#[cfg(feature = "certificate")]
pub use auth::Certificate;
pub use auth::{
    ClientCredentials, ClientCredentialsBuilder, DeviceCode, DeviceCodeBuilder, DeviceCodePrompt,
    ManagedIdentity, ManagedIdentityBuilder, StaticToken, TokenError, TokenFuture, TokenProvider,
};
#[cfg(feature = "interactive")]
pub use auth::{InteractiveBrowser, InteractiveBrowserBuilder};
pub use batch::{Answers, Batch, Ticket, TicketId, MAX_BATCH_REQUESTS};
pub use blob::{
    BlobDownload, BlobUpload, DEFAULT_BLOCK_SIZE, DEFAULT_PARALLEL_BLOCKS, DEFAULT_PARALLEL_RANGES,
    DEFAULT_RANGE_SIZE,
};
pub use bytes::Bytes;
pub use call::{options, Accept, Expect, Json, JsonOrNoContent, NoContent, Paged, Raw, Request};
pub use client::{Client, ClientBuilder, Method, Operation, GLOBAL_BASE_URL};
pub use config::{NationalCloud, RetryPolicy};
pub use error::{DecodeError, Error, ErrorDetail, GraphError, GraphErrorBody, InnerError};
/// The `http` crate, whose types the runtime's API uses: [`Request::response`] yields an
/// [`http::Response`], and [`GraphError::headers`] is an [`http::HeaderMap`].
pub use http;
pub use paging::{ItemStream, PageStream, Pager};
pub use path::RequestPath;
pub use query::QueryOptions;
pub use request::RETRY_ATTEMPT;
pub use transport::{HttpTransport, Transport, TransportError, TransportErrorKind};
