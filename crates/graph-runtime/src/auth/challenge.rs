//! Claims challenges: a `401` whose `WWW-Authenticate: Bearer` challenge says
//! `error="insufficient_claims"` with `claims="<base64 JSON>"`, as Graph answers a token that
//! continuous access evaluation revoked (the user disabled, a password reset, a new location) or
//! that lacks a Conditional Access authentication context. The next token request sends those
//! claims (`claims=` in OAuth's form), together with the client capability `cp1` when the app
//! declared it can be challenged so.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine as _};
use http::header::WWW_AUTHENTICATE;
use http::HeaderMap;
use serde_json::{Map, Value};

/// The claims asked of an access token by a client that handles claims challenges (continuous
/// access evaluation's client capability `cp1`): Graph then issues it a long-lived token, and
/// answers with a claims challenge, rather than going on serving the token, once it is revoked.
const CLIENT_CAPABILITIES: &str = r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#;

/// Base64 with padding or without: Entra ID's challenges are padded, some proxies strip it.
const STANDARD_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The claims a `401`'s headers challenge the token to satisfy: the JSON object of the `Bearer`
/// challenge's `claims` when its `error` is `insufficient_claims`, decoded. `None` for any other
/// `401` (an expired or malformed token), or a challenge whose claims are no base64 of a JSON object.
pub(crate) fn claims(headers: &HeaderMap) -> Option<String> {
    headers.get_all(WWW_AUTHENTICATE).iter().find_map(|value| {
        let challenge = value.to_str().ok()?;
        let params = bearer_params(challenge);
        let param =
            |name: &str| params.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        if !param("error")?.eq_ignore_ascii_case("insufficient_claims") {
            return None;
        }
        let encoded = param("claims")?.trim();
        let bytes =
            STANDARD_ANY_PADDING.decode(encoded).or_else(|_| URL_SAFE_ANY_PADDING.decode(encoded)).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(_)) => Some(text),
            _ => None,
        }
    })
}

/// The `claims` parameter of a token request: `challenge`'s claims (a JSON object, as [`claims`]
/// gives them), merged with the client capabilities when `capable`; `None` when neither.
pub(crate) fn request_parameter(challenge: Option<&str>, capable: bool) -> Option<String> {
    let challenge = challenge.and_then(|text| match serde_json::from_str(text) {
        Ok(Value::Object(claims)) => Some(claims),
        _ => None,
    });
    match (challenge, capable) {
        (None, false) => None,
        (None, true) => Some(CLIENT_CAPABILITIES.to_owned()),
        (Some(claims), false) => Some(Value::Object(claims).to_string()),
        (Some(mut claims), true) => {
            if let Ok(Value::Object(capabilities)) = serde_json::from_str(CLIENT_CAPABILITIES) {
                merge(&mut claims, capabilities);
            }
            Some(Value::Object(claims).to_string())
        }
    }
}

/// `extra`'s members added to `claims`, objects under the same name merged member by member (the
/// challenge's `access_token` requests beside the capabilities' `xms_cc`), `claims`'s own kept.
fn merge(claims: &mut Map<String, Value>, extra: Map<String, Value>) {
    for (name, value) in extra {
        match (claims.get_mut(&name), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => merge(mine, theirs),
            (Some(_), _) => {}
            (None, value) => {
                claims.insert(name, value);
            }
        }
    }
}

/// The parameters of the `Bearer` challenges in one `WWW-Authenticate` value (RFC 9110 section
/// 11.6.1: challenges separated by commas, each a scheme and then a token68 or `name=value`
/// parameters, a value a token or a quoted string), names as sent and values unquoted. Anything
/// else in the value is skipped over, never an error: a challenge is read as far as it can be.
fn bearer_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut in_bearer = false;
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        let Some(first) = rest.chars().next() else { return params };
        let word_len = rest.find(|c: char| !is_token_char(c)).unwrap_or(rest.len());
        if word_len == 0 {
            // Not where a scheme or parameter name can start: skip the character.
            rest = &rest[first.len_utf8()..];
            continue;
        }
        let (word, after) = rest.split_at(word_len);
        let after_space = after.trim_start_matches([' ', '\t']);
        let Some(after_equals) = after_space.strip_prefix('=') else {
            // A word without `=`: the next challenge's scheme.
            in_bearer = word.eq_ignore_ascii_case("bearer");
            rest = after;
            continue;
        };
        let value_start = after_equals.trim_start_matches([' ', '\t']);
        let (param_value, after_value) = match value_start.strip_prefix('"') {
            Some(quoted) => unquote(quoted),
            None => {
                let len = value_start.find(|c: char| !is_token_char(c)).unwrap_or(value_start.len());
                if len == 0 {
                    // A token68 (`abc==`) rather than a parameter: its padding skipped.
                    rest = after_space.trim_start_matches('=');
                    continue;
                }
                (value_start[..len].to_owned(), &value_start[len..])
            }
        };
        if in_bearer {
            params.push((word.to_owned(), param_value));
        }
        rest = after_value;
    }
}

/// A quoted string's text after its opening quote, backslash escapes undone, and what follows its
/// closing quote (nothing, when it is never closed).
fn unquote(quoted: &str) -> (String, &str) {
    let mut text = String::new();
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (text, &quoted[at + 1..]),
            '\\' => text.extend(chars.next().map(|(_, escaped)| escaped)),
            c => text.push(c),
        }
    }
    (text, "")
}

/// A `tchar` of RFC 9110 section 5.6.2, or `/` (which a token68 may hold).
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~/".contains(c)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    /// Graph's challenge for a revoked session (its documentation's example): a token issued after
    /// the revocation.
    const REVOKED: &str = r#"Bearer authorization_uri="https://login.windows.net/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=""#;

    fn headers<'a>(values: impl IntoIterator<Item = &'a str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_claims_challenge_gives_its_claims_decoded() {
        assert_eq!(
            claims(&headers([REVOKED])).as_deref(),
            Some(r#"{"access_token":{"nbf":{"essential":true, "value":"1604106651"}}}"#)
        );
    }

    #[test]
    fn the_challenge_is_found_among_others_whatever_the_spelling() {
        // Another scheme before it, in the same value or another, with a token68 and parameters;
        // names and the scheme in any case; the claims unpadded, URL-safe or padded, with spaces
        // around `=` and escapes in quoted strings.
        let acrs = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;
        let unpadded = STANDARD_ANY_PADDING.encode(acrs).trim_end_matches('=').to_owned();
        let url_safe = URL_SAFE_ANY_PADDING.encode(r#"{"id_token":{"a":"???>>>"}}"#);
        assert!(url_safe.contains(['-', '_']), "{url_safe} differs from standard base64");
        let cases = [
            (
                vec![format!("Negotiate abc==, BEARER Error = insufficient_claims, CLAIMS=\"{unpadded}\"")],
                acrs,
            ),
            (
                vec![
                    "Basic realm=\"a \\\"b\\\", c\"".to_owned(),
                    format!("Bearer error=\"insufficient_claims\", claims={unpadded}"),
                ],
                acrs,
            ),
            (
                vec![format!("Bearer realm=\"\", error=\"insufficient_claims\", claims=\"{url_safe}\"")],
                r#"{"id_token":{"a":"???>>>"}}"#,
            ),
        ];
        for (values, expected) in cases {
            let got = claims(&headers(values.iter().map(String::as_str)));
            assert_eq!(got.as_deref(), Some(expected), "{values:?}");
        }
    }

    #[test]
    fn other_401s_and_unreadable_claims_are_no_claims_challenge() {
        let json = |text: &str| STANDARD_ANY_PADDING.encode(text);
        for value in [
            r#"Bearer error="invalid_token", error_description="The access token expired""#.to_owned(),
            // Claims without the error, the error without claims, or claims given to another scheme.
            format!(r#"Bearer claims="{}""#, json("{}")),
            r#"Bearer error="insufficient_claims""#.to_owned(),
            format!(r#"Bearer realm="x", PoP error="insufficient_claims", claims="{}""#, json("{}")),
            // Claims that are not base64, not UTF-8, not JSON, or JSON but no object.
            r#"Bearer error="insufficient_claims", claims="not base64!""#.to_owned(),
            format!(
                r#"Bearer error="insufficient_claims", claims="{}""#,
                STANDARD_ANY_PADDING.encode([0xff, 0xfe])
            ),
            format!(r#"Bearer error="insufficient_claims", claims="{}""#, json("{\"a\":")),
            format!(r#"Bearer error="insufficient_claims", claims="{}""#, json("[1]")),
            // Broken syntax: an unclosed quote, stray characters.
            r#"Bearer error="insufficient_claims, claims="e30=""#.to_owned(),
            "Bearer ;;; ===, @".to_owned(),
        ] {
            assert_eq!(claims(&headers([value.as_str()])), None, "{value}");
        }
        assert_eq!(claims(&HeaderMap::new()), None);
    }

    proptest::proptest! {
        #[test]
        fn any_value_is_read_without_panicking(value in "\\PC{0,200}") {
            let _ = bearer_params(&value);
        }

        #[test]
        fn quoted_and_token_parameters_read_back_as_written(
            params in proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_.-]{0,8}", "[ -~]{0,30}", proptest::bool::ANY), 0..6),
        ) {
            // `[ -~]`: any visible ASCII character or space, quotes and backslashes among them.
            let written: Vec<String> = params
                .iter()
                .map(|(name, value, quoted)| {
                    let is_token = !value.is_empty() && value.chars().all(is_token_char);
                    if *quoted || !is_token {
                        format!("{name}=\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
                    } else {
                        format!("{name}={value}")
                    }
                })
                .collect();
            let header = format!("Basic realm=\"x\", Bearer {}, Negotiate abc==", written.join(", "));
            let expected: Vec<(String, String)> =
                params.into_iter().map(|(name, value, _)| (name, value)).collect();
            proptest::prop_assert_eq!(bearer_params(&header), expected, "{}", header);
        }
    }

    #[test]
    fn the_request_parameter_merges_the_challenge_with_the_client_capabilities() {
        let challenge =
            r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}},"id_token":{"x":1}}"#;
        assert_eq!(request_parameter(None, false), None);
        assert_eq!(request_parameter(None, true).as_deref(), Some(CLIENT_CAPABILITIES));
        let alone: Value = serde_json::from_str(&request_parameter(Some(challenge), false).unwrap()).unwrap();
        assert_eq!(alone, serde_json::from_str::<Value>(challenge).unwrap());
        let merged: Value = serde_json::from_str(&request_parameter(Some(challenge), true).unwrap()).unwrap();
        assert_eq!(
            merged,
            serde_json::json!({
                "access_token": {
                    "nbf": {"essential": true, "value": "1604106651"},
                    "xms_cc": {"values": ["cp1"]}
                },
                "id_token": {"x": 1}
            })
        );
        // The challenge's own member of the same name wins over the capabilities'.
        let own = r#"{"access_token":{"xms_cc":{"values":["cp1","cp2"]}}}"#;
        assert_eq!(request_parameter(Some(own), true).as_deref(), Some(own));
    }
}
