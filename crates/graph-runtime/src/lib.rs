//! Hand-written runtime that the generated Microsoft Graph client links: the HTTP client, auth,
//! request paths, errors and the OData helpers the generated models use.
//!
//! Generated code only calls into this crate; everything that is not derived from the docs lives here.
#![deny(missing_docs)]

mod auth;
mod client;
mod error;
pub mod odata;
mod path;

pub use auth::{StaticToken, TokenProvider};
pub use client::{Client, ClientBuilder, Method, Operation};
pub use error::Error;
pub use path::RequestPath;
