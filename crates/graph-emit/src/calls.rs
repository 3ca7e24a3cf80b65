//! A function's example call read from the page's URL (`getReport(period='D7',top=5)`) and written
//! back by graph-url, as graph-runtime's `Request::arguments` writes it, so that the generated test of
//! the example expects exactly the URL the runtime sends.

use graph_url::FunctionCall;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// An example request of a function whose parameters go in its URL.
#[derive(Debug, PartialEq)]
pub struct ExampleCall<'r> {
    /// The example's path without the call's arguments: `/reports/getReport`.
    pub path: &'r str,
    /// The parameters its call gives, or (when its URL has no call) its JSON body does.
    pub parameters: Map<String, Value>,
}

/// Splits an example's `path` into the function's path and its call's parameters. An argument may be
/// an alias (`ids=@ids`) whose JSON value is in the example's `query` (`@ids=["1"]`). Without a call
/// in the URL, the parameters are the example's JSON `body`, or none.
pub fn example_call<'r>(
    path: &'r str,
    query: Option<&str>,
    body: Option<&Value>,
) -> Result<ExampleCall<'r>, String> {
    let last = last_segment_start(path);
    let segment = path.get(last..).unwrap_or_default();
    let Some(open) = segment.find('(') else {
        let parameters = match body {
            Some(Value::Object(members)) => members.clone(),
            Some(_) => return Err("its JSON body is not an object of parameters".to_owned()),
            None => Map::new(),
        };
        return Ok(ExampleCall { path, parameters });
    };
    let written = segment
        .get(open + 1..)
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| format!("its call `{segment}` does not end with `)`"))?;
    let arguments = percent_decode_str(written)
        .decode_utf8()
        .map_err(|_| format!("its call `{segment}` is not UTF-8"))?;
    let parameters =
        parse_arguments(&arguments, query).map_err(|problem| format!("its call `{segment}`: {problem}"))?;
    Ok(ExampleCall { path: path.get(..last + open).unwrap_or(path), parameters })
}

/// Where the path's last segment starts: after its last `/` outside a call's parentheses and quotes,
/// since an argument may hold a `/` (`getIt(path='a/b')`).
fn last_segment_start(path: &str) -> usize {
    let (mut depth, mut quoted, mut start) = (0_u32, false, 0);
    for (at, byte) in path.bytes().enumerate() {
        match byte {
            // `''` inside a literal toggles twice: still quoted.
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth = depth.saturating_sub(1),
            b'/' if !quoted && depth == 0 => start = at + 1,
            _ => {}
        }
    }
    start
}

/// Reads `a='x',n=2,flag=true,id=0b1c…,ids=["1"],more=@alias` into parameters: a quoted literal is a
/// string (`''` inside is one `'`), `true`, `false`, `null` and numbers are JSON, a collection or an
/// object is JSON, an alias is looked up in `query`, and any other word is a string written bare (a
/// GUID, date, time or duration).
fn parse_arguments(text: &str, query: Option<&str>) -> Result<Map<String, Value>, String> {
    let mut parameters = Map::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or_else(|| format!("`{rest}` is not `name=value`"))?;
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("`{name}` is not a parameter name"));
        }
        let (value, after) = literal(after.trim_start(), query)?;
        if parameters.insert(name.to_owned(), value).is_some() {
            return Err(format!("parameter `{name}` is given twice"));
        }
        rest = after.trim_start();
        if let Some(next) = rest.strip_prefix(',') {
            rest = next.trim_start();
            if rest.is_empty() {
                return Err("it ends with a comma".to_owned());
            }
        } else if !rest.is_empty() {
            return Err(format!("`{rest}` follows parameter `{name}`"));
        }
    }
    Ok(parameters)
}

/// The value at the start of `text` and what follows it.
fn literal<'t>(text: &'t str, query: Option<&str>) -> Result<(Value, &'t str), String> {
    // A duration's literal, `duration'PT1H'`, holds the duration as a quoted string.
    const DURATION: &str = "duration'";
    let text = match text.get(..DURATION.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(DURATION) => {
            text.get(DURATION.len() - 1..).unwrap_or(text)
        }
        _ => text,
    };
    if let Some(quoted) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut rest = quoted;
        loop {
            let end = rest.find('\'').ok_or_else(|| format!("`{text}` has no closing quote"))?;
            value.push_str(rest.get(..end).unwrap_or_default());
            let after = rest.get(end + 1..).unwrap_or_default();
            match after.strip_prefix('\'') {
                Some(more) => {
                    value.push('\'');
                    rest = more;
                }
                None => return Ok((Value::String(value), after)),
            }
        }
    }
    if text.starts_with(['[', '{']) {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        return match values.next() {
            Some(Ok(value)) => Ok((value, text.get(values.byte_offset()..).unwrap_or_default())),
            _ => Err(format!("`{text}` is not JSON")),
        };
    }
    let end = text.find(',').unwrap_or(text.len());
    let (word, rest) = text.split_at(end);
    let word = word.trim_end();
    let value = match word {
        "" => return Err("a parameter has no value".to_owned()),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        alias if alias.starts_with('@') => alias_value(alias, query)?,
        _ => match serde_json::from_str::<serde_json::Number>(word) {
            Ok(number) => Value::Number(number),
            Err(_) => Value::String(word.to_owned()),
        },
    };
    Ok((value, rest))
}

/// The JSON value the query gives `alias` (`@ids=["1"]`).
fn alias_value(alias: &str, query: Option<&str>) -> Result<Value, String> {
    let decode = |text: &str| percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned();
    let value = query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| decode(name) == alias)
        .map(|(_, value)| decode(value))
        .ok_or_else(|| format!("alias `{alias}` has no value in the query"))?;
    serde_json::from_str(&value).map_err(|_| format!("alias `{alias}` is not JSON in the query: `{value}`"))
}

/// Writes `parameters` as graph-runtime sends them (both by [`graph_url::function_call`]); the error
/// says why the runtime would refuse them.
pub fn written_call(parameters: &Map<String, Value>, bare: &[&str]) -> Result<FunctionCall, String> {
    graph_url::function_call(parameters, bare)
        .map_err(|error| format!("the runtime refuses its arguments: {error}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parameters(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(members) => members,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_call_in_the_url_gives_the_parameters_and_the_path_without_it() {
        let call = example_call(
            "/reports/getReport(period='D''7', top=5,on=true,id=0b1c-2d,none=null,ids=[\"a\",\"b\"],at=@t,for=duration'PT1H')",
            Some("%40t=%7B%22x%22%3A1%7D&$top=2"),
            None,
        );
        assert_eq!(
            call,
            Ok(ExampleCall {
                path: "/reports/getReport",
                parameters: parameters(json!({
                    "period": "D'7", "top": 5, "on": true, "id": "0b1c-2d", "none": null,
                    "ids": ["a", "b"], "at": {"x": 1}, "for": "PT1H"
                })),
            })
        );
    }

    #[test]
    fn an_argument_may_hold_a_slash_and_a_key_may_come_before_the_call() {
        let call = example_call("/users('a/b')/getIt(path='c/d',n=1)", None, None);
        assert_eq!(
            call,
            Ok(ExampleCall {
                path: "/users('a/b')/getIt",
                parameters: parameters(json!({"path": "c/d", "n": 1}))
            })
        );
        let body = json!({"n": 2});
        let call = example_call("/users('a/b')/getIt", None, Some(&body));
        assert_eq!(call, Ok(ExampleCall { path: "/users('a/b')/getIt", parameters: parameters(body) }));
    }

    #[test]
    fn without_a_call_the_parameters_are_the_json_body() {
        let body = json!({"scope": "all"});
        let call = example_call("/deviceManagement/getEffectivePermissions", None, Some(&body));
        assert_eq!(call.map(|call| call.parameters), Ok(parameters(body)));
        assert_eq!(example_call("/a/f", None, None).map(|call| call.parameters.len()), Ok(0));
        assert!(example_call("/a/f", None, Some(&json!([1]))).is_err());
    }

    #[test]
    fn a_call_that_does_not_read_says_where() {
        let problem = |path: &str| example_call(path, None, None).err().unwrap_or_default();
        // A page whose example splits a collection over lines leaves the request line cut at `[`.
        assert_eq!(
            problem("/a/getRoleScopeTagsByIds(ids=["),
            "its call `getRoleScopeTagsByIds(ids=[` does not end with `)`"
        );
        assert_eq!(problem("/a/f(a='x)"), "its call `f(a='x)`: `'x` has no closing quote");
        assert_eq!(problem("/a/f(a=1,a=2)"), "its call `f(a=1,a=2)`: parameter `a` is given twice");
        assert_eq!(problem("/a/f(a=1,)"), "its call `f(a=1,)`: it ends with a comma");
        assert_eq!(problem("/a/f(a)"), "its call `f(a)`: `a` is not `name=value`");
        assert_eq!(problem("/a/f(a='x'b)"), "its call `f(a='x'b)`: `b` follows parameter `a`");
        assert_eq!(problem("/a/f(a=@p)"), "its call `f(a=@p)`: alias `@p` has no value in the query");
        assert_eq!(problem("/a/f(a=[1)"), "its call `f(a=[1)`: `[1` is not JSON");
    }

    /// The parameters of a call, as a test generates them: every kind of value, strings with any
    /// character a URL must escape or a call's syntax uses.
    fn any_parameters() -> impl proptest::strategy::Strategy<Value = Map<String, Value>> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            any::<String>().prop_map(Value::String),
            "[',()=@%/?#& +a-z]{0,12}".prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            // Fractions a double holds exactly: serde_json (without `float_roundtrip`) may read the
            // last digit of an extreme double back one ulp off, which says nothing about calls.
            any::<i32>().prop_map(|x| Value::from(f64::from(x) / 64.0)),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        let value = scalar.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        });
        prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9_]{0,8}", value, 0..5)
            .prop_map(|parameters| parameters.into_iter().collect())
    }

    proptest::proptest! {
        /// What the runtime writes (graph-url) is what an example's URL is read as: the emitter
        /// finds in the URL of a function's example exactly the parameters the call was written from.
        #[test]
        fn a_written_call_reads_back_as_its_parameters(parameters in any_parameters()) {
            let written = written_call(&parameters, &[]).map_err(proptest::test_runner::TestCaseError::fail)?;
            let path = format!("/reports/getReport{}", graph_url::encoded_arguments(&written.arguments));
            let encode = |text: &str| {
                percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
            };
            let query: Vec<String> =
                written.aliases.iter().map(|(alias, json)| format!("{}={}", encode(alias), encode(json))).collect();
            let read = example_call(&path, Some(&query.join("&")), None);
            proptest::prop_assert_eq!(
                read,
                Ok(ExampleCall { path: "/reports/getReport", parameters: parameters.clone() }),
                "written as {} with {:?}", written.arguments, written.aliases
            );
        }
    }
}
