//! Loopback tests: the runtime client against real HTTP servers on 127.0.0.1 (wiremock, or a tiny
//! tokio server where a server must misbehave in ways wiremock cannot).
//!
//! One test binary with one module per concern, so the workspace links it once.

mod any_response;
mod batch;
mod blobs;
mod claims;
mod concurrency;
mod credentials;
mod failures;
mod narrowed;
mod paging;
mod paths;
mod query;
mod redirects;
mod requests;
mod responses;
mod retries;
mod support;
mod transport;
