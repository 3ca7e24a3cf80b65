//! An app registration's certificate as its credential: the client assertion, a JWT signed with the
//! certificate's private key, that Microsoft Entra ID takes instead of a client secret.
//!
//! The assertion follows Entra ID's "certificate credentials" format: header `alg` PS256, `typ`
//! JWT, the certificate's SHA-256 thumbprint (`x5t#S256`) and, for older authorities, its SHA-1
//! thumbprint (`x5t`); claims `aud` (the token endpoint), `iss` and `sub` (the client id), a random
//! `jti`, and `iat`/`nbf`/`exp` spanning ten minutes. A new one is signed for every token request.
//! ring does the signing and hashing, rustls-pki-types reads the PEM: rustls builds both already.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RsaKeyPair, RSA_PSS_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;

use crate::Error;

/// How long an assertion is valid: Entra ID asks for "5-10 minutes after nbf at most".
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// An app registration's certificate and its RSA private key, to sign client assertions with (see
/// [`ClientCredentials::certificate`](crate::ClientCredentials::certificate)). Read from PEM: the
/// `CERTIFICATE` block(s) and a `PRIVATE KEY` (PKCS #8) or `RSA PRIVATE KEY` (PKCS #1) block,
/// unencrypted, in one file (as Azure Key Vault and the Azure SDKs' `AZURE_CLIENT_CERTIFICATE_PATH`
/// have them) or two. The first certificate is the app's; any others are its chain. `Debug` never
/// shows the key.
pub struct Certificate {
    key: RsaKeyPair,
    /// The certificates' DER, the app's first.
    chain: Vec<CertificateDer<'static>>,
    /// The app's certificate's SHA-1 and SHA-256 thumbprints, base64url-encoded.
    x5t: String,
    x5t_s256: String,
    send_chain: bool,
    rng: SystemRandom,
}

impl Certificate {
    /// Reads the certificate and its private key from one PEM text.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Certificate, Error> {
        let pem = pem.as_ref();
        Certificate::from_pem_parts(pem, pem)
    }

    /// Reads the certificate (and any chain after it) from `certificate_pem` and its private key
    /// from `key_pem`.
    pub fn from_pem_parts(
        certificate_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
    ) -> Result<Certificate, Error> {
        let invalid = |what: String| Error::Config(format!("the client certificate: {what}"));
        // The two forms people most often have instead, each named with the command that converts it.
        for pem in [certificate_pem.as_ref(), key_pem.as_ref()] {
            if !contains(pem, b"-----BEGIN ") {
                return Err(invalid(
                    "it is not PEM (a PKCS #12 `.pfx` file? `openssl pkcs12 -in app.pfx -nodes -out app.pem` \
                     converts one)"
                        .to_owned(),
                ));
            }
        }
        if contains(key_pem.as_ref(), b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(invalid(
                "its private key is encrypted (`openssl pkey -in key.pem -out plain.pem` writes it \
                 unencrypted)"
                    .to_owned(),
            ));
        }
        let chain = CertificateDer::pem_slice_iter(certificate_pem.as_ref())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(format!("its PEM cannot be read: {error}")))?;
        let Some(certificate) = chain.first() else {
            return Err(invalid("no CERTIFICATE block in its PEM".to_owned()));
        };
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_ref())
            .map_err(|error| invalid(format!("no private key in its PEM ({error})")))?;
        let not_rsa = || invalid("its private key is not an RSA key, which Entra ID requires".to_owned());
        let key = match &key {
            PrivateKeyDer::Pkcs8(key) => RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der()),
            // SEC 1: an elliptic-curve key.
            _ => return Err(not_rsa()),
        }
        .map_err(|rejected| match rejected.to_string().as_str() {
            // A PKCS #8 key of another algorithm (an elliptic curve's, Ed25519's).
            "WrongAlgorithm" => not_rsa(),
            why => invalid(format!("its private key is not a usable RSA key: {why}")),
        })?;
        let sha256 = ring::digest::digest(&ring::digest::SHA256, certificate.as_ref());
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, certificate.as_ref());
        Ok(Certificate {
            key,
            x5t: URL_SAFE_NO_PAD.encode(sha1),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256),
            chain,
            send_chain: false,
            rng: SystemRandom::new(),
        })
    }

    /// Also sends the certificate chain (`x5c`), which an app registration that trusts
    /// certificates by subject name and issuer (rather than by an uploaded certificate) needs;
    /// the Azure SDKs' `AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`.
    pub fn send_chain(mut self) -> Certificate {
        self.send_chain = true;
        self
    }

    /// A client assertion for `client_id` at the token endpoint `audience`, valid from `now` for
    /// ten minutes. Fails only if the system's random generator does.
    pub(super) fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: SystemTime,
    ) -> Result<String, ring::error::Unspecified> {
        let mut id = [0u8; 16];
        self.rng.fill(&mut id)?;
        let issued = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims = json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid_v4(id),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ASSERTION_LIFETIME.as_secs(),
        });
        let mut header = json!({"alg": "PS256", "typ": "JWT", "x5t": self.x5t, "x5t#S256": self.x5t_s256});
        if self.send_chain {
            let chain: Vec<String> = self.chain.iter().map(|der| STANDARD.encode(der)).collect();
            if let Some(fields) = header.as_object_mut() {
                fields.insert("x5c".to_owned(), chain.into());
            }
        }
        let mut jwt = URL_SAFE_NO_PAD.encode(header.to_string());
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(claims.to_string(), &mut jwt);
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key.sign(&RSA_PSS_SHA256, &self.rng, jwt.as_bytes(), &mut signature)?;
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jwt);
        Ok(jwt)
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Random bytes written as a version 4 UUID, the GUID Entra ID expects as `jti`.
fn uuid_v4(bytes: [u8; 16]) -> String {
    // The version (4) and the variant (0b10) bits, as RFC 9562 places them.
    let n = u128::from_be_bytes(bytes) & !(0xf << 76) & !(0b11 << 62) | (0x4 << 76) | (0b10 << 62);
    let field = |shift: u32, mask: u128| (n >> shift) & mask;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        field(96, 0xffff_ffff),
        field(80, 0xffff),
        field(64, 0xffff),
        field(48, 0xffff),
        field(0, 0xffff_ffff_ffff)
    )
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("x5t#S256", &self.x5t_s256)
            .field("send_chain", &self.send_chain)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use ring::signature::{UnparsedPublicKey, RSA_PSS_2048_8192_SHA256};
    use serde_json::Value;

    use super::*;

    /// A self-signed RSA 2048 certificate and its key (`tests/fixtures/README.md` says how they were
    /// made), the key also in PKCS #1, and its public key as openssl wrote it: the verifier's side.
    pub(in crate::auth) const CERTIFICATE: &str =
        include_str!("../../tests/fixtures/certificate-credential-cert.pem");
    pub(in crate::auth) const KEY: &str = include_str!("../../tests/fixtures/certificate-credential-key.pem");
    const KEY_PKCS1: &str = include_str!("../../tests/fixtures/certificate-credential-key-pkcs1.pem");
    const PUBLIC_KEY: &[u8] = include_bytes!("../../tests/fixtures/certificate-credential-public.der");
    /// The certificate's thumbprints as `openssl x509 -fingerprint -sha1` / `-sha256` print them,
    /// in base64url.
    const X5T: &str = "keMf3ChMxnj4Kr_ZYXQ8MRaxqpc";
    const X5T_S256: &str = "9be1xv7WZoqXZIaAN5KyeM2l1BPoYd3mJU3kLj5VscI";
    const AUDIENCE: &str = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";

    /// Whether a JWT's signature verifies with the certificate's public key.
    fn signature_holds(jwt: &str) -> bool {
        let Some((signed, signature)) = jwt.rsplit_once('.') else { return false };
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else { return false };
        UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, PUBLIC_KEY)
            .verify(signed.as_bytes(), &signature)
            .is_ok()
    }

    /// A signed JWT's header and claims, once its signature is verified with the public key.
    pub(in crate::auth) fn verified(jwt: &str) -> (Value, Value) {
        assert!(signature_holds(jwt), "the signature does not verify: {jwt}");
        let parts: Vec<&str> = jwt.split('.').collect();
        let [header, claims, _] = parts.as_slice() else { panic!("not a JWT: {jwt}") };
        let json =
            |part: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap();
        (json(header), json(claims))
    }

    fn combined() -> Certificate {
        Certificate::from_pem(format!("{KEY}{CERTIFICATE}")).unwrap()
    }

    #[test]
    fn an_assertion_is_a_ps256_jwt_for_the_token_endpoint_that_the_public_key_verifies() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let jwt = combined().assertion("app-id", AUDIENCE, now).unwrap();
        let (header, claims) = verified(&jwt);
        assert_eq!(
            header,
            json!({"alg": "PS256", "typ": "JWT", "x5t": X5T, "x5t#S256": X5T_S256}),
            "Entra ID finds the certificate by its thumbprint"
        );
        let jti = claims["jti"].as_str().unwrap().to_owned();
        assert_eq!(
            claims,
            json!({
                "aud": AUDIENCE, "iss": "app-id", "sub": "app-id", "jti": jti,
                "iat": 1_800_000_000u64, "nbf": 1_800_000_000u64, "exp": 1_800_000_600u64,
            })
        );
        // A GUID, and never the same twice.
        let groups: Vec<usize> = jti.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{jti}");
        let again = combined().assertion("app-id", AUDIENCE, now).unwrap();
        assert_ne!(verified(&again).1["jti"], jti);
        // The check is real: a claim changed after signing fails it.
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({"aud": AUDIENCE, "iss": "other-app"}).to_string());
        let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
        assert!(signature_holds(&jwt) && !signature_holds(&tampered));
    }

    #[test]
    fn a_pkcs1_key_in_a_file_of_its_own_signs_the_same_way() {
        let certificate = Certificate::from_pem_parts(CERTIFICATE, KEY_PKCS1).unwrap();
        let (header, claims) =
            verified(&certificate.assertion("app-id", AUDIENCE, SystemTime::now()).unwrap());
        assert_eq!((header["x5t#S256"].as_str(), claims["iss"].as_str()), (Some(X5T_S256), Some("app-id")));
    }

    #[test]
    fn the_chain_is_sent_as_x5c_only_when_asked() {
        // x5c holds each certificate's DER in standard base64: the PEM block's own lines, joined.
        let der_base64: String = CERTIFICATE.lines().filter(|line| !line.starts_with("-----")).collect();
        let jwt = combined().send_chain().assertion("app-id", AUDIENCE, SystemTime::now()).unwrap();
        assert_eq!(verified(&jwt).0["x5c"], json!([der_base64]));
        let jwt = combined().assertion("app-id", AUDIENCE, SystemTime::now()).unwrap();
        assert_eq!(verified(&jwt).0.get("x5c"), None);
    }

    #[test]
    fn pem_that_cannot_sign_an_assertion_is_refused_saying_why() {
        let refusal = |certificate: &str, key: &str| match Certificate::from_pem_parts(certificate, key) {
            Err(Error::Config(message)) => message,
            other => panic!("{other:?}"),
        };
        let p256_key = include_str!("../../tests/fixtures/loopback-key.pem");
        assert_eq!(
            refusal(CERTIFICATE, p256_key),
            "the client certificate: its private key is not an RSA key, which Entra ID requires"
        );
        assert_eq!(refusal(KEY, KEY), "the client certificate: no CERTIFICATE block in its PEM");
        assert!(refusal(CERTIFICATE, CERTIFICATE)
            .starts_with("the client certificate: no private key in its PEM"));
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(refusal(CERTIFICATE, encrypted)
            .starts_with("the client certificate: its private key is encrypted"));
        // A PKCS #12 file is DER: no PEM block at all.
        let pfx = "\u{30}\u{82}\u{a}\u{1}binary";
        assert!(refusal(pfx, pfx).starts_with("the client certificate: it is not PEM (a PKCS #12"));
        assert!(refusal(CERTIFICATE, "").starts_with("the client certificate: it is not PEM"));
        assert!(refusal(bad_base64, KEY).starts_with("the client certificate: its PEM cannot be read"));
    }

    #[test]
    fn debug_shows_the_thumbprint_and_never_the_key() {
        let shown = format!("{:?}", combined());
        assert_eq!(shown, format!("Certificate {{ x5t#S256: {X5T_S256:?}, send_chain: false, .. }}"));
    }

    #[test]
    fn the_jti_has_a_version_4_uuids_version_and_variant_bits() {
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
