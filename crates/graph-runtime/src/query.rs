//! Typed OData query options (`$select`, `$filter`, `$top`, …) and their encoding into a query string.
//!
//! Generated operation builders expose only the options their page lists and forward each to one
//! setter here, so the encoding rules live in one place:
//!
//! - options are written in a fixed order (`$select`, `$expand`, `$filter`, `$search`, `$orderby`,
//!   `$top`, `$skip`, `$skiptoken`, `$count`, `$format`, then [`QueryOptions::param`]s in the order
//!   they were first set), so the same options always give the same URL;
//! - names keep `$` literal, as the Graph docs write them;
//! - every value is percent-encoded down to the RFC 3986 unreserved characters (a space is `%20`,
//!   never `+`), so `&`, `=`, `#`, `+` or quotes inside a filter cannot end the value or the query;
//! - the items of a list option are joined with a literal `,`, the separator OData reads.

use std::fmt::{self, Write as _};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded in a value.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A name is encoded like a value, except that the `$` of a system query option and the `@` of a
/// parameter alias stay literal.
const NAME: &AsciiSet = &VALUE.remove(b'$').remove(b'@');

/// The OData system query options of one request, plus any other query parameters the page lists.
///
/// Built by value, starting from [`QueryOptions::new`] (or `Default`); the default sends no query
/// string at all. A list option (`select`, `expand`, `orderby`) adds to what earlier calls gave; a
/// single-valued option replaces the earlier value. Empty lists and empty strings are not sent.
///
/// ```
/// use graph_runtime::QueryOptions;
///
/// let query = QueryOptions::new()
///     .select(["id", "displayName"])
///     .filter("startswith(displayName,'Contoso')")
///     .top(10);
/// assert_eq!(
///     query.to_query_string(),
///     "$select=id,displayName&$filter=startswith%28displayName%2C%27Contoso%27%29&$top=10"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    select: Vec<String>,
    expand: Vec<String>,
    filter: Option<String>,
    search: Option<String>,
    orderby: Vec<String>,
    top: Option<u32>,
    skip: Option<u32>,
    skip_token: Option<String>,
    count: Option<bool>,
    format: Option<String>,
    params: Vec<(String, String)>,
}

impl QueryOptions {
    /// No options: the request is sent without a query string.
    pub fn new() -> QueryOptions {
        QueryOptions::default()
    }

    /// `$select`: the properties to return, e.g. `["id", "displayName"]`.
    pub fn select<I, S>(mut self, properties: I) -> QueryOptions
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        extend(&mut self.select, properties);
        self
    }

    /// `$expand`: the navigation properties to include inline, e.g. `["members($select=id)"]`.
    pub fn expand<I, S>(mut self, properties: I) -> QueryOptions
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        extend(&mut self.expand, properties);
        self
    }

    /// `$filter`: an OData filter expression, e.g. `startswith(displayName,'A')`. Quote string
    /// literals with `'` and double any `'` inside them, as OData requires.
    pub fn filter(mut self, expression: impl Into<String>) -> QueryOptions {
        self.filter = Some(expression.into());
        self
    }

    /// `$search`: a search expression. Graph expects it in double quotes, e.g. `"displayName:Contoso"`;
    /// it is sent exactly as given. (Directory objects also need the `ConsistencyLevel: eventual`
    /// header for `$search`: `.header("ConsistencyLevel", "eventual")` on the request.)
    pub fn search(mut self, expression: impl Into<String>) -> QueryOptions {
        self.search = Some(expression.into());
        self
    }

    /// `$orderby`: sort keys, each a property optionally followed by ` asc` or ` desc`,
    /// e.g. `["displayName desc"]`.
    pub fn orderby<I, S>(mut self, keys: I) -> QueryOptions
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        extend(&mut self.orderby, keys);
        self
    }

    /// `$top`: the page size (the service may return fewer items per page, never more).
    pub fn top(mut self, count: u32) -> QueryOptions {
        self.top = Some(count);
        self
    }

    /// `$skip`: how many items to skip before the first one returned.
    pub fn skip(mut self, count: u32) -> QueryOptions {
        self.skip = Some(count);
        self
    }

    /// `$skiptoken`: a paging token. Paging normally follows `@odata.nextLink`, which carries it already.
    pub fn skip_token(mut self, token: impl Into<String>) -> QueryOptions {
        self.skip_token = Some(token.into());
        self
    }

    /// `$count`: whether the response includes the total count (`@odata.count`).
    pub fn count(mut self, include: bool) -> QueryOptions {
        self.count = Some(include);
        self
    }

    /// `$format`: the media type of the response, e.g. `json`.
    pub fn format(mut self, format: impl Into<String>) -> QueryOptions {
        self.format = Some(format.into());
        self
    }

    /// Any other query parameter the page lists (e.g. `startDateTime` of a calendar view), sent after
    /// the system options. Setting a name again replaces its value in place; an empty name is ignored.
    /// Use the typed setters for `$`-options rather than naming them here.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> QueryOptions {
        let name = name.into();
        let value = value.into();
        if name.is_empty() {
            return self;
        }
        match self.params.iter_mut().find(|(existing, _)| *existing == name) {
            Some((_, existing)) => *existing = value,
            None => self.params.push((name, value)),
        }
        self
    }

    /// True when no option would be sent.
    pub fn is_empty(&self) -> bool {
        self.pairs().next().is_none()
    }

    /// The encoded query string, without the leading `?` (empty when there are no options).
    pub fn to_query_string(&self) -> String {
        let mut query = String::new();
        for (name, value) in self.pairs() {
            if !query.is_empty() {
                query.push('&');
            }
            // Writing into a String cannot fail.
            let _ = write!(query, "{}=", utf8_percent_encode(name, NAME));
            match value {
                Value::Text(text) => {
                    let _ = write!(query, "{}", utf8_percent_encode(text, VALUE));
                }
                Value::List(items) => {
                    for (index, item) in items.iter().enumerate() {
                        if index > 0 {
                            query.push(',');
                        }
                        let _ = write!(query, "{}", utf8_percent_encode(item, VALUE));
                    }
                }
                Value::Number(number) => {
                    let _ = write!(query, "{number}");
                }
                Value::Bool(flag) => query.push_str(if flag { "true" } else { "false" }),
            }
        }
        query
    }

    /// Every option that will be sent, in the order it is written.
    fn pairs(&self) -> impl Iterator<Item = (&str, Value<'_>)> {
        fn text<'a>(name: &'a str, value: &'a Option<String>) -> Option<(&'a str, Value<'a>)> {
            value.as_deref().filter(|text| !text.is_empty()).map(|text| (name, Value::Text(text)))
        }
        fn list<'a>(name: &'a str, items: &'a [String]) -> Option<(&'a str, Value<'a>)> {
            (!items.is_empty()).then_some((name, Value::List(items)))
        }
        fn number(name: &str, value: Option<u32>) -> Option<(&str, Value<'_>)> {
            value.map(|number| (name, Value::Number(number)))
        }
        [
            list("$select", &self.select),
            list("$expand", &self.expand),
            text("$filter", &self.filter),
            text("$search", &self.search),
            list("$orderby", &self.orderby),
            number("$top", self.top),
            number("$skip", self.skip),
            text("$skiptoken", &self.skip_token),
            self.count.map(|flag| ("$count", Value::Bool(flag))),
            text("$format", &self.format),
        ]
        .into_iter()
        .flatten()
        .chain(self.params.iter().map(|(name, value)| (name.as_str(), Value::Text(value))))
    }
}

impl fmt::Display for QueryOptions {
    /// The encoded query string, as [`QueryOptions::to_query_string`] returns it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_query_string())
    }
}

/// One option's value before encoding.
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    List(&'a [String]),
    Number(u32),
    Bool(bool),
}

/// Appends the non-empty items to a list option.
fn extend<I, S>(list: &mut Vec<String>, items: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    list.extend(items.into_iter().map(|item| item.as_ref().to_owned()).filter(|item| !item.is_empty()));
}

#[cfg(test)]
mod tests {
    use super::QueryOptions;

    #[test]
    fn no_options_is_an_empty_query() {
        assert!(QueryOptions::new().is_empty());
        assert_eq!(QueryOptions::new().to_query_string(), "");
        let only_empty = QueryOptions::new().select(Vec::<String>::new()).filter("").orderby([""]);
        assert!(only_empty.is_empty(), "{only_empty:?}");
    }

    #[test]
    fn every_system_option_is_written_in_a_fixed_order_whatever_the_call_order() {
        let query = QueryOptions::new()
            .format("json")
            .count(true)
            .skip_token("X'Y")
            .skip(20)
            .top(5)
            .orderby(["displayName desc", "id"])
            .search("\"displayName:Con\"")
            .filter("id eq '1'")
            .expand(["members($select=id)"])
            .select(["id", "displayName"]);
        assert_eq!(
            query.to_query_string(),
            "$select=id,displayName\
             &$expand=members%28%24select%3Did%29\
             &$filter=id%20eq%20%271%27\
             &$search=%22displayName%3ACon%22\
             &$orderby=displayName%20desc,id\
             &$top=5&$skip=20&$skiptoken=X%27Y&$count=true&$format=json"
        );
    }

    #[test]
    fn values_cannot_break_out_of_their_parameter() {
        let query = QueryOptions::new().filter("a&b=c#d+e%f?g/h é");
        assert_eq!(query.to_query_string(), "$filter=a%26b%3Dc%23d%2Be%25f%3Fg%2Fh%20%C3%A9");
    }

    #[test]
    fn lists_add_up_and_single_values_replace() {
        let borrowed: &[&str] = &["mail"];
        let query = QueryOptions::new()
            .select(["id"])
            .select(vec![String::from("displayName")])
            .select(borrowed)
            .top(1)
            .top(2)
            .count(true)
            .count(false);
        assert_eq!(query.to_query_string(), "$select=id,displayName,mail&$top=2&$count=false");
    }

    #[test]
    fn other_parameters_follow_in_first_set_order_and_are_encoded_too() {
        let query = QueryOptions::new()
            .param("startDateTime", "2024-01-01T00:00:00+01:00")
            .top(3)
            .param("endDateTime", "2024-01-02")
            .param("startDateTime", "2024-01-01")
            .param("", "ignored")
            .param("odd name&", "");
        assert_eq!(
            query.to_query_string(),
            "$top=3&startDateTime=2024-01-01&endDateTime=2024-01-02&odd%20name%26="
        );
        assert_eq!(query.to_string(), query.to_query_string());
    }

    #[test]
    fn debug_shows_the_options() {
        let debug = format!("{:?}", QueryOptions::new().select(["id"]).top(4));
        assert!(debug.starts_with("QueryOptions {"), "{debug}");
        assert!(debug.contains("select: [\"id\"]"), "{debug}");
        assert!(debug.contains("top: Some(4)"), "{debug}");
    }
}
