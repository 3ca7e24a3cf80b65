//! The error every generated operation returns.

use std::fmt;

/// Why a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response could not be read.
    Transport(reqwest::Error),
    /// The token provider failed.
    Auth(Box<dyn std::error::Error + Send + Sync>),
    /// The service answered with a status outside 2xx.
    Status {
        /// HTTP status code.
        status: u16,
        /// The response body as text.
        body: String,
    },
    /// The response body did not match the expected type.
    Decode {
        /// The Rust type that was expected.
        type_name: &'static str,
        /// The decoder's message.
        message: String,
        /// The start of the body.
        body_start: String,
    },
    /// The request body could not be serialised.
    Encode(serde_json::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Auth(e) => write!(f, "could not get an access token: {e}"),
            Error::Status { status, body } => write!(f, "HTTP {status}: {body}"),
            Error::Decode { type_name, message, body_start } => {
                write!(f, "response is not a valid {type_name}: {message}; body starts {body_start:?}")
            }
            Error::Encode(e) => write!(f, "request body could not be serialised: {e}"),
        }
    }
}

impl std::error::Error for Error {}
