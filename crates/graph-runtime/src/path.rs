//! Request paths built segment by segment, each parameter percent-encoded as exactly one segment
//! (by graph-url, whose encoding the emitter's generated tests expect too).

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
        self.push(&graph_url::literal_segment(segment))
    }

    /// This path with a caller-supplied value appended as exactly one percent-encoded segment.
    pub fn param(&self, value: &str) -> RequestPath {
        self.push(&graph_url::value_segment(value))
    }

    /// A caller's value for an argument of a function call in the path, as the generated builders
    /// write it into the call's segment (see [`graph_url::call_argument`]): inside the template's
    /// quotes a `'` doubled; unquoted, a bare literal as it is and anything else quoted, so that no
    /// value ends its argument or adds another.
    pub fn call_argument(value: &str, quoted: bool) -> std::borrow::Cow<'_, str> {
        graph_url::call_argument(value, quoted)
    }

    /// This path with a function call's arguments (`(a='x',n=2)`, see `arguments.rs`) appended to
    /// its last segment, percent-encoded as that segment's text.
    pub(crate) fn with_call_arguments(&self, arguments: &str) -> RequestPath {
        RequestPath { encoded: format!("{}{}", self.encoded, graph_url::encoded_arguments(arguments)) }
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
