//! Request paths built segment by segment, each parameter percent-encoded as exactly one segment.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters that must be encoded inside one path segment: everything but RFC 3986 unreserved
/// characters and the sub-delimiters Graph keys use (`'`, `(`, `)`, `=`, `,`), so `/`, `?`, `#`, `%`
/// and spaces can never change the path or start a query.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'&')
    .add(b'+')
    .add(b':')
    .add(b';')
    .add(b'@')
    .add(b'$');

/// A function call's arguments (`(ids=@ids,name='x')`): a segment's characters, but `@` stays
/// literal, since it starts a parameter alias.
const CALL_ARGUMENTS: &AsciiSet = &SEGMENT.remove(b'@');

/// A request path below the version root, e.g. `/deviceManagement/deviceConfigurations/abc`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestPath {
    encoded: String,
}

impl RequestPath {
    /// The empty path (the version root).
    pub fn root() -> RequestPath {
        RequestPath::default()
    }

    /// This path with a literal segment from the docs appended (a navigation, action or cast name).
    pub fn literal(&self, segment: &'static str) -> RequestPath {
        self.push(&utf8_percent_encode(segment, SEGMENT).to_string())
    }

    /// This path with a caller-supplied value appended as exactly one percent-encoded segment.
    pub fn param(&self, value: &str) -> RequestPath {
        let encoded = match value {
            // `.` and `..` would be collapsed by URL normalisation; encode them so they stay a segment.
            "." => "%2E".to_owned(),
            ".." => "%2E%2E".to_owned(),
            _ => utf8_percent_encode(value, SEGMENT).to_string(),
        };
        self.push(&encoded)
    }

    /// This path with a function call's arguments (`(a='x',n=2)`, see `arguments.rs`) appended to
    /// its last segment, percent-encoded as that segment's text.
    pub(crate) fn with_call_arguments(&self, arguments: &str) -> RequestPath {
        RequestPath { encoded: format!("{}{}", self.encoded, utf8_percent_encode(arguments, CALL_ARGUMENTS)) }
    }

    fn push(&self, encoded_segment: &str) -> RequestPath {
        let mut encoded = String::with_capacity(self.encoded.len() + encoded_segment.len() + 1);
        encoded.push_str(&self.encoded);
        encoded.push('/');
        encoded.push_str(encoded_segment);
        RequestPath { encoded }
    }

    /// The encoded path, starting with `/` (empty for the root).
    pub fn as_str(&self) -> &str {
        &self.encoded
    }
}

#[cfg(test)]
mod tests {
    use super::RequestPath;

    #[test]
    fn a_parameter_stays_one_segment_whatever_it_contains() {
        let path = RequestPath::root().literal("items");
        assert_eq!(path.param("a/b?c#d%e f").as_str(), "/items/a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(path.param("..").as_str(), "/items/%2E%2E");
        assert_eq!(path.param("ok-id_1.2~x").as_str(), "/items/ok-id_1.2~x");
    }

    #[test]
    fn call_arguments_stay_in_the_last_segment() {
        let path = RequestPath::root().literal("getReport");
        assert_eq!(
            path.with_call_arguments("(a='x/y?z',ids=@ids)").as_str(),
            "/getReport(a='x%2Fy%3Fz',ids=@ids)"
        );
    }
}
