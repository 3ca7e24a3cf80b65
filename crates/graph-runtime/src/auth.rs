//! Bearer-token providers: asked for a token before every attempt, so a refreshed token is used on
//! retry. A fixed token here; tokens fetched and refreshed (`token_endpoint.rs`) for an app
//! registration in `client_credentials.rs` (its certificate's signed assertion in `certificate.rs`),
//! for an Azure resource's identity in `managed_identity.rs`, for a signed-in user in
//! `device_code.rs` (signing in in a browser instead in `browser.rs`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

#[cfg(feature = "interactive")]
mod browser;
#[cfg(feature = "certificate")]
mod certificate;
pub(crate) mod challenge;
mod client_credentials;
mod device_code;
mod managed_identity;
mod token_endpoint;

#[cfg(feature = "interactive")]
pub use browser::{InteractiveBrowser, InteractiveBrowserBuilder};
#[cfg(feature = "certificate")]
pub use certificate::Certificate;
pub use client_credentials::{ClientCredentials, ClientCredentialsBuilder};
pub use device_code::{DeviceCode, DeviceCodeBuilder, DeviceCodePrompt};
pub use managed_identity::{ManagedIdentity, ManagedIdentityBuilder};
pub use token_endpoint::TokenError;

/// A future returned by [`TokenProvider::token`].
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<String, Box<dyn std::error::Error + Send + Sync>>> + Send + 'a>>;

/// Supplies the bearer token for each request attempt.
pub trait TokenProvider: Send + Sync {
    /// The access token to send as `Authorization: Bearer <token>`.
    fn token(&self) -> TokenFuture<'_>;

    /// Graph answered `401 Unauthorized` to a request carrying `token`: it was revoked, or expired
    /// sooner than the provider thought. A provider that can get another token forgets this one and
    /// returns `true`, and the request is sent once more with the next [`TokenProvider::token`]
    /// (unless that is the refused token again: then the 401 is the request's error). The default,
    /// for a fixed token, returns `false`: the 401 is the request's error.
    fn token_rejected(&self, token: &str) -> bool {
        let _ = token;
        false
    }

    /// Graph answered `401 Unauthorized` to a request carrying `token` with a claims challenge
    /// (`WWW-Authenticate: Bearer error="insufficient_claims", claims="…"`): continuous access
    /// evaluation revoked the token (the user was disabled, their password reset, their location
    /// changed), or the request needs a Conditional Access authentication context the token lacks.
    /// `claims` is the challenge's JSON object, decoded, which the next token must satisfy: a
    /// provider that can ask its token endpoint for a token with those claims (OAuth's `claims`
    /// parameter) forgets `token`, asks with them on the next [`TokenProvider::token`], and returns
    /// `true`; the request is then sent once more. A token endpoint may need the user to sign in
    /// again to satisfy them.
    ///
    /// The default is [`TokenProvider::token_rejected`]: a new token, asked for without the claims,
    /// which satisfies a challenge for a token issued after a revocation, but not one for a stronger
    /// sign-in. When the request fails all the same, its [`crate::GraphError::claims_challenge`]
    /// gives the claims.
    fn claims_challenged(&self, token: &str, claims: &str) -> bool {
        let _ = claims;
        self.token_rejected(token)
    }
}

/// A provider chosen at run time (`Box<dyn TokenProvider>`: a secret where one is set, a managed
/// identity otherwise) is one too.
impl<T: TokenProvider + ?Sized> TokenProvider for Box<T> {
    fn token(&self) -> TokenFuture<'_> {
        (**self).token()
    }

    fn token_rejected(&self, token: &str) -> bool {
        (**self).token_rejected(token)
    }

    fn claims_challenged(&self, token: &str, claims: &str) -> bool {
        (**self).claims_challenged(token, claims)
    }
}

/// A provider shared by several clients (`Arc<dyn TokenProvider>`, or a provider of one's own
/// that has no cheap `Clone`) is one too: they share its cache.
impl<T: TokenProvider + ?Sized> TokenProvider for std::sync::Arc<T> {
    fn token(&self) -> TokenFuture<'_> {
        (**self).token()
    }

    fn token_rejected(&self, token: &str) -> bool {
        (**self).token_rejected(token)
    }

    fn claims_challenged(&self, token: &str, claims: &str) -> bool {
        (**self).claims_challenged(token, claims)
    }
}

/// A fixed token. Its `Debug` output never shows the token.
#[derive(Clone)]
pub struct StaticToken(String);

impl StaticToken {
    /// Wraps a token obtained elsewhere.
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken(token.into())
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// Counts the tokens Graph refused, and can always get another.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl TokenProvider for Counting {
        fn token(&self) -> TokenFuture<'_> {
            let refused = self.0.load(Ordering::SeqCst);
            Box::pin(async move { Ok(format!("token-{refused}")) })
        }

        fn token_rejected(&self, _token: &str) -> bool {
            self.0.fetch_add(1, Ordering::SeqCst);
            true
        }
    }

    #[tokio::test]
    async fn a_boxed_or_shared_provider_is_the_provider_it_holds() {
        let chosen: Box<dyn TokenProvider> = match std::env::var_os("GRAPH_RUNTIME_TEST_NO_SUCH_VARIABLE") {
            Some(_) => Box::new(StaticToken::new("fixed")),
            None => Box::new(Counting::default()),
        };
        assert_eq!(chosen.token().await.unwrap(), "token-0");
        assert!(chosen.token_rejected("token-0"), "the boxed provider's answer, not the default");
        assert_eq!(chosen.token().await.unwrap(), "token-1");
        // A provider that does not ask for claims answers a challenge as a refusal.
        assert!(chosen.claims_challenged("token-1", r#"{"access_token":{}}"#));
        assert_eq!(chosen.token().await.unwrap(), "token-2");

        let shared: Arc<dyn TokenProvider> = Arc::new(Counting::default());
        let (first, second) = (Arc::clone(&shared), Arc::clone(&shared));
        assert!(first.token_rejected("token-0") && second.claims_challenged("token-1", "{}"));
        assert_eq!(shared.token().await.unwrap(), "token-2", "one provider behind both");
        let fixed = Box::new(StaticToken::new("fixed"));
        assert!(!fixed.token_rejected("fixed") && !fixed.claims_challenged("fixed", "{}"));

        // Both go where a provider goes.
        let client = crate::Client::builder().token_provider(chosen).build();
        assert!(client.is_ok());
    }
}
