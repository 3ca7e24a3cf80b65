//! An app registration's certificate as its credential: the client assertion, a JWT signed with the
//! certificate's private key, that Microsoft Entra ID takes instead of a client secret.
//!
//! The assertion follows Entra ID's "certificate credentials" format: header `alg` PS256, `typ`
//! JWT, the certificate's SHA-256 thumbprint (`x5t#S256`) and, for older authorities, its SHA-1
//! thumbprint (`x5t`); claims `aud` (the token endpoint), `iss` and `sub` (the client id), a random
//! `jti`, and `iat`/`nbf`/`exp` spanning ten minutes. A new one is signed for every token request.
//! ring does the signing and hashing, rustls-pki-types reads the PEM: rustls builds both already.
//! Under the `pkcs12` feature, p12-keystore opens PKCS #12 files and pkcs8 decrypts encrypted keys.

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
/// have them) or two. The first certificate is the app's; any others are its chain. Under the
/// `pkcs12` feature, also from a PKCS #12 (`.pfx`) file ([`Certificate::from_pkcs12`]) or PEM whose
/// key is encrypted ([`Certificate::from_pem_with_password`]). `Debug` never shows the key.
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
        // The forms people most often have instead, each named with what reads or converts it.
        for pem in [certificate_pem.as_ref(), key_pem.as_ref()] {
            if !contains(pem, b"-----BEGIN ") {
                return Err(invalid(
                    "it is not PEM (a PKCS #12 `.pfx` file? `Certificate::from_pkcs12`, under graph-runtime's \
                     `pkcs12` feature, reads one; `openssl pkcs12 -in app.pfx -nodes -out app.pem` converts it)",
                ));
            }
        }
        if contains(key_pem.as_ref(), ENCRYPTED_KEY_BEGIN) {
            return Err(invalid(
                "its private key is encrypted (`Certificate::from_pem_with_password`, under graph-runtime's \
                 `pkcs12` feature, reads it; `openssl pkey -in key.pem -out plain.pem` writes it unencrypted)",
            ));
        }
        if contains(key_pem.as_ref(), b"Proc-Type: 4,ENCRYPTED") {
            return Err(invalid(
                "its private key is encrypted in OpenSSL's legacy PEM format (`openssl pkey -in key.pem -out \
                 plain.pem` writes it unencrypted)",
            ));
        }
        let chain = certificate_chain(certificate_pem.as_ref())?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_ref())
            .map_err(|error| invalid(format!("no private key in its PEM ({error})")))?;
        let key = match &key {
            PrivateKeyDer::Pkcs8(key) => rsa_key(RsaKeyPair::from_pkcs8(key.secret_pkcs8_der())),
            PrivateKeyDer::Pkcs1(key) => rsa_key(RsaKeyPair::from_der(key.secret_pkcs1_der())),
            // SEC 1: an elliptic-curve key.
            _ => Err(not_rsa()),
        }?;
        Ok(Certificate::new(key, chain))
    }

    /// Reads the certificate (and any chain after it) and its private key from one PEM text whose
    /// key is encrypted with `password` (an `ENCRYPTED PRIVATE KEY` block: PKCS #8 with PBES2, as
    /// `openssl pkcs8 -topk8` and Azure Key Vault write it); PEM whose key is not encrypted reads
    /// as [`Certificate::from_pem`] reads it, `password` unused. Under the `pkcs12` feature.
    #[cfg(feature = "pkcs12")]
    pub fn from_pem_with_password(pem: impl AsRef<[u8]>, password: &str) -> Result<Certificate, Error> {
        let pem = pem.as_ref();
        let Some(block) = pem_block(pem, ENCRYPTED_KEY_BEGIN, b"-----END ENCRYPTED PRIVATE KEY-----") else {
            return Certificate::from_pem(pem);
        };
        let chain = certificate_chain(pem)?;
        let unreadable =
            |error: &dyn fmt::Display| invalid(format!("its encrypted private key cannot be read: {error}"));
        // Decoded from DER: der's PEM reader cannot read the encryption's parameters.
        let (_, der) = pkcs8::der::pem::decode_vec(block).map_err(|error| unreadable(&error))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
            .map_err(|error| unreadable(&error))?;
        let key = encrypted.decrypt(password).map_err(|error| {
            invalid(format!(
                "its private key cannot be decrypted: the password is wrong, or its encryption is not \
                 PBES2 with AES ({error})"
            ))
        })?;
        Ok(Certificate::new(rsa_key(RsaKeyPair::from_pkcs8(key.as_bytes()))?, chain))
    }

    /// Reads the certificate, its chain and its private key from a PKCS #12 (`.pfx`, `.p12`) file
    /// protected by `password` (empty for none), as Windows, Azure Key Vault and `openssl pkcs12
    /// -export` write one: its first private key, and the certificates from the one that key
    /// belongs to up its chain. Both the current encryption (PBES2 with AES) and the legacy ones
    /// (3DES, RC2) are read. Under the `pkcs12` feature.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), graph_runtime::Error> {
    /// use graph_runtime::{Certificate, ClientCredentials};
    ///
    /// let pfx = std::fs::read("app.pfx").map_err(|e| graph_runtime::Error::Config(e.to_string()))?;
    /// let certificate = Certificate::from_pkcs12(pfx, "<the file's password>")?;
    /// let credentials =
    ///     ClientCredentials::certificate("contoso.onmicrosoft.com", "<client id>", certificate).build()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "pkcs12")]
    pub fn from_pkcs12(pfx: impl AsRef<[u8]>, password: &str) -> Result<Certificate, Error> {
        use p12_keystore::{KeyStore, Pkcs12ImportPolicy};

        let store =
            KeyStore::from_pkcs12(pfx.as_ref(), password, Pkcs12ImportPolicy::Strict).map_err(|error| {
                invalid(match error {
                    p12_keystore::error::Error::MacError(_) => {
                        "its PKCS #12 file cannot be opened: the password is wrong, or the file is damaged"
                            .to_owned()
                    }
                    other => format!("its PKCS #12 file cannot be read: {other}"),
                })
            })?;
        let Some((_, keychain)) =
            store.private_key_chain().filter(|(_, keychain)| !keychain.certs().is_empty())
        else {
            return Err(invalid("its PKCS #12 file holds no private key with its certificate"));
        };
        let chain =
            keychain.certs().iter().map(|certificate| CertificateDer::from(certificate.as_der().to_vec()));
        let key = rsa_key(RsaKeyPair::from_pkcs8(keychain.key().as_der()))?;
        Ok(Certificate::new(key, chain.collect()))
    }

    /// The certificate in a file such as `AZURE_CLIENT_CERTIFICATE_PATH` names: PEM, its key
    /// encrypted with `password` if one is given, or under the `pkcs12` feature a PKCS #12 file.
    pub(super) fn from_file(contents: &[u8], password: Option<&str>) -> Result<Certificate, Error> {
        #[cfg(feature = "pkcs12")]
        match password {
            _ if !contains(contents, b"-----BEGIN ") => {
                return Certificate::from_pkcs12(contents, password.unwrap_or_default())
            }
            Some(password) => return Certificate::from_pem_with_password(contents, password),
            None => {}
        }
        // Without the feature only PEM is read, whose unencrypted key needs no password.
        let _ = password;
        Certificate::from_pem(contents)
    }

    /// Whether a certificate file may need a password to be read: a PKCS #12 file (not PEM), or PEM
    /// with an encrypted key.
    pub(super) fn may_need_password(contents: &[u8]) -> bool {
        !contains(contents, b"-----BEGIN ") || contains(contents, ENCRYPTED_KEY_BEGIN)
    }

    /// The certificate `chain` (the app's first; its callers check there is one) with its private
    /// key.
    fn new(key: RsaKeyPair, chain: Vec<CertificateDer<'static>>) -> Certificate {
        let app = chain.first().map(|certificate| certificate.as_ref()).unwrap_or_default();
        let sha256 = ring::digest::digest(&ring::digest::SHA256, app);
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, app);
        Certificate {
            key,
            x5t: URL_SAFE_NO_PAD.encode(sha1),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256),
            chain,
            send_chain: false,
            rng: SystemRandom::new(),
        }
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

/// An encrypted PKCS #8 key's PEM block starts so.
const ENCRYPTED_KEY_BEGIN: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";

/// The error for a certificate that cannot be read or used, saying why.
fn invalid(why: impl fmt::Display) -> Error {
    Error::Config(format!("the client certificate: {why}"))
}

fn not_rsa() -> Error {
    invalid("its private key is not an RSA key, which Entra ID requires")
}

/// An RSA key pair ring read, or why the key cannot sign assertions.
fn rsa_key(read: Result<RsaKeyPair, ring::error::KeyRejected>) -> Result<RsaKeyPair, Error> {
    read.map_err(|rejected| match rejected.to_string().as_str() {
        // A PKCS #8 key of another algorithm (an elliptic curve's, Ed25519's).
        "WrongAlgorithm" => not_rsa(),
        why => invalid(format!("its private key is not a usable RSA key: {why}")),
    })
}

/// The `CERTIFICATE` blocks of a PEM text, as DER: at least one, the app's.
fn certificate_chain(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid(format!("its PEM cannot be read: {error}")))?;
    match chain.is_empty() {
        true => Err(invalid("no CERTIFICATE block in its PEM")),
        false => Ok(chain),
    }
}

/// The first PEM block of a text from its `begin` line through its `end` line.
#[cfg(feature = "pkcs12")]
fn pem_block<'a>(pem: &'a [u8], begin: &[u8], end: &[u8]) -> Option<&'a [u8]> {
    let start = position(pem, begin)?;
    let rest = pem.get(start..)?;
    rest.get(..position(rest, end)? + end.len())
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    position(haystack, needle).is_some()
}

/// Where `needle` first occurs in `haystack`.
fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
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
    pub(in crate::auth) const X5T_S256: &str = "9be1xv7WZoqXZIaAN5KyeM2l1BPoYd3mJU3kLj5VscI";
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

    /// A PEM text's certificates as `x5c` holds them: each block's base64 lines, joined.
    fn der_base64(pem: &str) -> String {
        pem.lines().filter(|line| !line.starts_with("-----")).collect()
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
        let jwt = combined().send_chain().assertion("app-id", AUDIENCE, SystemTime::now()).unwrap();
        assert_eq!(verified(&jwt).0["x5c"], json!([der_base64(CERTIFICATE)]));
        let jwt = combined().assertion("app-id", AUDIENCE, SystemTime::now()).unwrap();
        assert_eq!(verified(&jwt).0.get("x5c"), None);
    }

    #[test]
    fn pem_that_cannot_sign_an_assertion_is_refused_saying_why() {
        let refusal = |certificate: &str, key: &str| refusal(Certificate::from_pem_parts(certificate, key));
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

    /// The message of a certificate refused as invalid.
    fn refusal(read: Result<Certificate, Error>) -> String {
        match read {
            Err(Error::Config(message)) => message,
            other => panic!("{other:?}"),
        }
    }

    #[cfg(feature = "pkcs12")]
    mod pkcs12 {
        use super::*;

        /// The certificate and key of `CERTIFICATE` and `KEY` in PKCS #12: the current encryption
        /// (PBES2, AES-256, a SHA-256 MAC) with a password that is not ASCII, and the legacy one
        /// (RC2 and 3DES, a SHA-1 MAC); the same key with a certificate a test CA issued, the CA's
        /// certificate beside it; the certificate alone, without its key. `tests/fixtures/README.md`
        /// says how they were made.
        const PFX: &[u8] = include_bytes!("../../tests/fixtures/certificate-credential.pfx");
        const PFX_PASSWORD: &str = "pässword 1";
        const PFX_LEGACY: &[u8] = include_bytes!("../../tests/fixtures/certificate-credential-legacy.pfx");
        const PFX_CHAINED: &[u8] = include_bytes!("../../tests/fixtures/certificate-credential-chained.pfx");
        const PFX_NO_KEY: &[u8] = include_bytes!("../../tests/fixtures/certificate-credential-no-key.pfx");
        const CA: &str = include_str!("../../tests/fixtures/certificate-credential-ca.pem");
        /// `KEY` encrypted with the password `secret` (PKCS #8, PBES2 with AES-256-CBC).
        const KEY_ENCRYPTED: &str =
            include_str!("../../tests/fixtures/certificate-credential-key-encrypted.pem");

        /// The header of an assertion the certificate signs with its chain, once verified.
        fn signed_header(certificate: Certificate) -> Value {
            let jwt = certificate.send_chain().assertion("app-id", AUDIENCE, SystemTime::now()).unwrap();
            verified(&jwt).0
        }

        #[test]
        fn a_pkcs12_file_signs_as_its_pem_does_whichever_encryption_wrote_it() {
            for (pfx, password) in [(PFX, PFX_PASSWORD), (PFX_LEGACY, "secret")] {
                let header = signed_header(Certificate::from_pkcs12(pfx, password).unwrap());
                assert_eq!(
                    (header["x5t"].as_str(), header["x5t#S256"].as_str()),
                    (Some(X5T), Some(X5T_S256))
                );
                assert_eq!(header["x5c"], json!([der_base64(CERTIFICATE)]));
            }
        }

        #[test]
        fn a_pkcs12_files_chain_is_sent_with_the_apps_certificate_first() {
            let header = signed_header(Certificate::from_pkcs12(PFX_CHAINED, "secret").unwrap());
            let Some([app, ca]) = header["x5c"].as_array().map(Vec::as_slice) else { panic!("{header}") };
            assert_eq!(ca, &json!(der_base64(CA)));
            let app = STANDARD.decode(app.as_str().unwrap()).unwrap();
            let thumbprint = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &app));
            assert_eq!(header["x5t#S256"], json!(thumbprint), "the thumbprint is the app's certificate's");
            assert_ne!(thumbprint, X5T_S256, "the CA-issued certificate, not the self-signed one");
        }

        #[test]
        fn an_encrypted_pem_key_is_read_with_its_password() {
            let certificate =
                Certificate::from_pem_with_password(format!("{CERTIFICATE}{KEY_ENCRYPTED}"), "secret")
                    .unwrap();
            assert_eq!(signed_header(certificate)["x5t#S256"], X5T_S256);
            // PEM whose key is not encrypted needs no password.
            let certificate =
                Certificate::from_pem_with_password(format!("{KEY}{CERTIFICATE}"), "unused").unwrap();
            assert_eq!(signed_header(certificate)["x5t#S256"], X5T_S256);
        }

        #[test]
        fn a_file_is_read_as_pkcs12_or_as_pem_by_its_contents() {
            let encrypted = format!("{KEY_ENCRYPTED}{CERTIFICATE}");
            for read in [
                Certificate::from_file(PFX, Some(PFX_PASSWORD)),
                Certificate::from_file(encrypted.as_bytes(), Some("secret")),
                Certificate::from_file(format!("{KEY}{CERTIFICATE}").as_bytes(), None),
            ] {
                assert_eq!(signed_header(read.unwrap())["x5t#S256"], X5T_S256);
            }
            assert!(refusal(Certificate::from_file(encrypted.as_bytes(), None))
                .starts_with("the client certificate: its private key is encrypted"));
        }

        #[test]
        fn a_wrong_password_or_a_file_without_a_key_is_refused_saying_why() {
            assert_eq!(
                refusal(Certificate::from_pkcs12(PFX, "wrong")),
                "the client certificate: its PKCS #12 file cannot be opened: the password is wrong, or the file \
                 is damaged"
            );
            assert_eq!(
                refusal(Certificate::from_pkcs12(PFX_NO_KEY, "secret")),
                "the client certificate: its PKCS #12 file holds no private key with its certificate"
            );
            assert!(refusal(Certificate::from_pkcs12(b"\x30\x03\x02\x01\x03", ""))
                .starts_with("the client certificate: its PKCS #12 file cannot be read: "));
            let encrypted = format!("{CERTIFICATE}{KEY_ENCRYPTED}");
            assert!(refusal(Certificate::from_pem_with_password(&encrypted, "wrong")).starts_with(
                "the client certificate: its private key cannot be decrypted: the password is wrong"
            ));
            assert_eq!(
                refusal(Certificate::from_pem_with_password(KEY_ENCRYPTED, "secret")),
                "the client certificate: no CERTIFICATE block in its PEM"
            );
        }
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
