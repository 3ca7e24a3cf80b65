//! Absolute `http`/`https` URLs over [`http::Uri`]: parsing the base URL, resolving `Location` and
//! `@odata.nextLink` references against the URL they came with (RFC 3986 §5.2), origins, and a form
//! without the query for messages.
//!
//! `http::Uri` is already what hyper sends; this adds only what it lacks. Compared with a WHATWG URL
//! parser (the url crate, whose IDNA tables were a tenth of a one-area build from scratch) host
//! names must be ASCII (punycode), as they are in a `Location` header anyway, and dot segments are
//! removed only while resolving a reference, never from a URL built for a request.

use std::fmt;

use http::uri::{Scheme, Uri};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// What a WHATWG parser percent-encodes in a URL's path and query rather than refuse: controls,
/// space, non-ASCII and the characters RFC 3986 leaves out. `%` stays, so escapes are kept as sent.
const NOT_IN_URLS: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// An absolute `http` or `https` URL with a host; no fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AbsoluteUrl {
    uri: Uri,
    /// `uri` as text, kept for `as_str`.
    text: String,
}

/// Scheme, host and port: two URLs share credentials (and pooled connections) only when these are
/// equal. Scheme and host are compared in lower case, and a missing port is the scheme's default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    /// `https://host`, with the port only when it is not the scheme's default.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        if Some(self.port) != default_port(&self.scheme) {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

impl Origin {
    /// The host, lower-cased (an IPv6 address in brackets).
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The origin of a URI with a scheme and a host; `None` for any other.
    pub(crate) fn of(uri: &Uri) -> Option<Origin> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let port = uri.port_u16().or_else(|| default_port(&scheme)).unwrap_or_default();
        Some(Origin { host: uri.host()?.to_ascii_lowercase(), port, scheme })
    }
}

impl AbsoluteUrl {
    /// Parses an absolute URL; characters a URL cannot hold are percent-encoded first, and a
    /// fragment is dropped (it never goes on the wire).
    pub(crate) fn parse(text: &str) -> Result<AbsoluteUrl, String> {
        let text = text.trim();
        let without_fragment = text.split_once('#').map_or(text, |(url, _)| url);
        let scheme = match without_fragment.split_once(':') {
            Some((scheme, _)) if has_scheme(without_fragment) => scheme.to_ascii_lowercase(),
            _ => return Err("it is not absolute".to_owned()),
        };
        if !matches!(scheme.as_str(), "http" | "https") {
            return Err(format!("it is a {scheme} URL, not http or https"));
        }
        let encoded = utf8_percent_encode(without_fragment, NOT_IN_URLS).to_string();
        let uri = Uri::try_from(encoded).map_err(|error| error.to_string())?;
        if uri.host().is_none_or(str::is_empty) {
            return Err("it has no host".to_owned());
        }
        Ok(AbsoluteUrl::checked(uri))
    }

    /// The URL with this path (already encoded) and query, on the same scheme and host.
    pub(crate) fn with_path_and_query(&self, path: &str, query: Option<&str>) -> Result<AbsoluteUrl, String> {
        let path_and_query = match query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        };
        let mut parts = self.uri.clone().into_parts();
        parts.path_and_query =
            Some(path_and_query.try_into().map_err(|error: http::uri::InvalidUri| error.to_string())?);
        let uri = Uri::from_parts(parts).map_err(|error| error.to_string())?;
        Ok(AbsoluteUrl::checked(uri))
    }

    pub(crate) fn scheme(&self) -> &str {
        self.uri.scheme_str().unwrap_or_default()
    }

    /// Whether what is sent here stays private on the way: over TLS, or to this machine
    /// (`localhost`, `127.x.x.x`, `[::1]`), where no network carries it. Secrets (a token, a client
    /// secret, a signature) go nowhere else.
    pub(crate) fn is_private_channel(&self) -> bool {
        let origin = self.origin();
        let host = origin.host();
        let loopback_v6 = || {
            let inside = host.strip_prefix('[').and_then(|host| host.strip_suffix(']'));
            inside
                .and_then(|address| address.parse::<std::net::Ipv6Addr>().ok())
                .is_some_and(|ip| ip.is_loopback())
        };
        self.scheme() == "https"
            || host == "localhost"
            || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
            || loopback_v6()
    }

    /// The path, `/` when the URL has none.
    pub(crate) fn path(&self) -> &str {
        match self.uri.path() {
            "" => "/",
            path => path,
        }
    }

    pub(crate) fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    pub(crate) fn origin(&self) -> Origin {
        Origin::of(&self.uri).unwrap_or_else(|| Origin {
            scheme: self.scheme().to_ascii_lowercase(),
            host: String::new(),
            port: 0,
        })
    }

    /// `reference` (a `Location` or a next link: absolute, `//host…`, `/path…`, `?query` or a
    /// relative path) resolved against this URL as RFC 3986 §5.2 says.
    pub(crate) fn join(&self, reference: &str) -> Result<AbsoluteUrl, String> {
        let reference = reference.trim();
        let reference = reference.split_once('#').map_or(reference, |(url, _)| url);
        if reference.starts_with("//") {
            // A network-path reference: this URL's scheme, everything else from the reference.
            return self.join(&format!("{}:{reference}", self.scheme()));
        }
        if has_scheme(reference) {
            let url = AbsoluteUrl::parse(reference)?;
            let path = remove_dot_segments(url.path());
            return url.with_path_and_query(&path, url.query());
        }
        let encoded = utf8_percent_encode(reference, NOT_IN_URLS).to_string();
        let (path, query) = match encoded.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (encoded.as_str(), None),
        };
        if path.is_empty() {
            return self.with_path_and_query(self.path(), query.or(self.query()));
        }
        let merged = if path.starts_with('/') {
            path.to_owned()
        } else {
            // Everything up to the base path's last `/`, then the reference.
            let base = self.path();
            format!("{}{path}", base.get(..=base.rfind('/').unwrap_or_default()).unwrap_or("/"))
        };
        self.with_path_and_query(&remove_dot_segments(&merged), query)
    }

    /// Scheme, host and path: where a URL goes without its query, which may carry a pre-authenticated
    /// signature or a skip token.
    pub(crate) fn without_query(&self) -> String {
        format!("{}://{}{}", self.scheme(), self.uri.host().unwrap_or_default(), self.path())
    }

    /// For a URI already checked to be absolute `http(s)` with a host (by `parse`, or built from
    /// such a URL's parts).
    fn checked(uri: Uri) -> AbsoluteUrl {
        AbsoluteUrl { text: uri.to_string(), uri }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn into_uri(self) -> Uri {
        self.uri
    }
}

impl fmt::Display for AbsoluteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// 443 for `https`, 80 for `http`.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    if scheme == Scheme::HTTPS.as_str() {
        Some(443)
    } else if scheme == Scheme::HTTP.as_str() {
        Some(80)
    } else {
        None
    }
}

/// Whether `reference` starts with `scheme:` (RFC 3986: a letter, then letters, digits, `+ - .`).
fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A path segment's dots decoded (`%2E` is `.`), to tell `.` and `..` however they are written.
fn with_dots_decoded(segment: &str) -> String {
    segment.to_ascii_lowercase().replace("%2e", ".")
}

/// Whether a path segment is `.` or `..`, also when its dots are percent-encoded.
pub(crate) fn is_dot_segment(segment: &str) -> bool {
    matches!(with_dots_decoded(segment).as_str(), "." | "..")
}

/// RFC 3986 §5.2.4 for an absolute path: `.` segments dropped, `..` removing the one before.
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut ends_in_directory = false;
    for segment in path.strip_prefix('/').unwrap_or(path).split('/') {
        ends_in_directory = true;
        match with_dots_decoded(segment).as_str() {
            "." => {}
            ".." => {
                kept.pop();
            }
            _ => {
                kept.push(segment);
                ends_in_directory = false;
            }
        }
    }
    let mut resolved = format!("/{}", kept.join("/"));
    if ends_in_directory && !resolved.ends_with('/') {
        resolved.push('/');
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> AbsoluteUrl {
        AbsoluteUrl::parse(text).unwrap()
    }

    fn join(base: &str, reference: &str) -> String {
        url(base).join(reference).unwrap().to_string()
    }

    #[test]
    fn references_resolve_as_rfc_3986_section_5_4_says() {
        // The normal examples of RFC 3986 §5.4.1 (those without a fragment or another scheme).
        let base = "http://a/b/c/d;p?q";
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            (";x", "http://a/b/c/;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            ("..g", "http://a/b/c/..g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("https://other.example/x/../y?z", "https://other.example/y?z"),
        ] {
            assert_eq!(join(base, reference), expected, "{reference:?}");
        }
    }

    #[test]
    fn characters_a_url_cannot_hold_are_encoded_not_refused() {
        assert_eq!(
            join("https://graph.example/v1.0/users", "users?$filter=name eq 'é'"),
            "https://graph.example/v1.0/users?$filter=name%20eq%20'%C3%A9'"
        );
        assert_eq!(url("https://graph.example/a%2Fb?x=%27").to_string(), "https://graph.example/a%2Fb?x=%27");
    }

    #[test]
    fn only_absolute_http_urls_with_a_host_are_accepted() {
        for (text, reason) in [
            ("file:///etc/passwd", "file URL"),
            ("ftp://example.com/", "ftp URL"),
            ("/relative", "not absolute"),
            ("https:///path", ""),
        ] {
            let error = AbsoluteUrl::parse(text).unwrap_err();
            assert!(error.contains(reason), "{text}: {error}");
        }
        assert!(url("https://graph.example/x").join("http://[::1").is_err());
    }

    #[test]
    fn origins_compare_scheme_host_and_port_with_default_ports_filled_in() {
        assert_eq!(url("https://Graph.Example/a").origin(), url("https://graph.example:443/b").origin());
        assert_ne!(url("https://graph.example/").origin(), url("http://graph.example/").origin());
        assert_ne!(url("https://graph.example/").origin(), url("https://graph.example:8443/").origin());
        assert_eq!(url("https://graph.example:8443/").origin().to_string(), "https://graph.example:8443");
        assert_eq!(url("http://graph.example:80/").origin().to_string(), "http://graph.example");
    }

    #[test]
    fn dot_segments_are_recognised_encoded_or_not() {
        for segment in [".", "..", "%2E", "%2e%2E", ".%2e"] {
            assert!(is_dot_segment(segment), "{segment}");
        }
        for segment in ["...", "a.", "%2E%2E%2E", ""] {
            assert!(!is_dot_segment(segment), "{segment}");
        }
    }
}
