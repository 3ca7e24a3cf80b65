//! How a Microsoft Graph request URL is written: one path segment percent-encoded, and a function
//! call's arguments (`getReport(period='D7',ids=@ids)`).
//!
//! The one place for it: graph-runtime sends these URLs, and graph-emit writes the same ones into
//! the generated tests' expected requests, so the two cannot drift apart.
#![deny(missing_docs)]

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{Map, Value};

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

/// A segment the docs name (a navigation, action or cast), percent-encoded.
pub fn literal_segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// A caller's value as exactly one percent-encoded segment, whatever it contains.
pub fn value_segment(value: &str) -> String {
    match value {
        // `.` and `..` would be collapsed by URL normalisation; encoded, they stay a segment.
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => literal_segment(value),
    }
}

/// A caller's value for an argument that a path's function call (`getReport(period='{period}',
/// top={top})`) writes in place, before the segment is percent-encoded. Inside the template's
/// quotes, a `'` is doubled. Unquoted, the value is written as it is when it is a bare literal (a
/// number, GUID, date, time or duration: letters, digits and `-:.+`), and otherwise as a string
/// literal: no value can end its argument or add another (`1,top=5`). A duration is written
/// `duration'PT1H'`.
pub fn call_argument(value: &str, quoted: bool) -> Cow<'_, str> {
    if quoted {
        return Cow::Owned(value.replace('\'', "''"));
    }
    if is_bare(value) {
        bare_literal(value)
    } else {
        Cow::Owned(format!("'{}'", value.replace('\'', "''")))
    }
}

/// A bare value as OData writes it: as it is, but a duration (`PT1H`, `-P1DT2H`) quoted after its
/// type's name, `duration'PT1H'`, which OData 4.0 requires and 4.01 allows (neither reads it bare).
fn bare_literal(value: &str) -> Cow<'_, str> {
    if is_duration(value) {
        Cow::Owned(format!("duration'{value}'"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Whether `value` is an ISO 8601 duration: `P`, then numbers each followed by its unit, in order
/// and once each (`Y`, `M`, `W`, `D`, and after `T`: `H`, `M`, `S`, the seconds maybe a fraction),
/// at least one, and one after any `T`; signed or not. No GUID, date or time is one.
fn is_duration(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("-P").or_else(|| value.strip_prefix('P')) else { return false };
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    match (duration_parts(date, "YMWD", false), time.map(|time| duration_parts(time, "HMS", true))) {
        (Some(date), None) => date > 0,
        (Some(_), Some(Some(time))) => time > 0,
        _ => false,
    }
}

/// How many `<number><unit>` parts `text` is, each unit one of `units` after the one before; `None`
/// when it is anything else. Only the seconds (`fraction`) may have a fraction.
fn duration_parts(text: &str, units: &str, fraction: bool) -> Option<usize> {
    let mut parts = 0;
    let mut rest = text;
    let mut allowed = units;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        let unit = after.chars().next()?;
        let position = allowed.find(unit)?;
        let integer = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
        let decimal = fraction
            && unit == 'S'
            && number.split_once('.').is_some_and(|(whole, part)| {
                !whole.is_empty()
                    && !part.is_empty()
                    && whole.bytes().all(|b| b.is_ascii_digit())
                    && part.bytes().all(|b| b.is_ascii_digit())
            });
        if !integer && !decimal {
            return None;
        }
        allowed = allowed.get(position + 1..)?;
        rest = after.get(unit.len_utf8()..)?;
        parts += 1;
    }
    Some(parts)
}

/// Whether `value` can stand unquoted in a function call: nothing that could end it or start
/// another argument.
fn is_bare(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-:.+".contains(&b))
}

/// A function call's written arguments (`(a='x/y',ids=@ids)`), percent-encoded as the text of the
/// segment they end.
pub fn encoded_arguments(arguments: &str) -> String {
    utf8_percent_encode(arguments, CALL_ARGUMENTS).to_string()
}

/// The parameters of one function call, written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCall {
    /// `(a='x',n=2,ids=@ids)`, not yet percent-encoded: appended to the function's segment.
    pub arguments: String,
    /// `(@ids, ["1","2"])`: query parameters for the arguments written as aliases.
    pub aliases: Vec<(String, String)>,
}

/// Why a function's parameters cannot be written into its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// A name that could end the call or start another argument.
    NotAName(String),
    /// A bare value (see [`function_call`]) holding more than a GUID, date, time or duration does.
    NotBare {
        /// The parameter.
        name: String,
        /// What it was given.
        value: String,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::NotAName(name) => write!(f, "{name:?} is not a parameter name"),
            CallError::NotBare { name, value } => {
                write!(f, "parameter `{name}` is not a GUID, date, time or duration: {value:?}")
            }
        }
    }
}

impl std::error::Error for CallError {}

/// Writes `parameters` (one member per parameter; a parameter left out is one not given) as a
/// function call's arguments, sorted by name so that one set of parameters is always one URL. A
/// string is an OData string literal (a `'` doubled) unless `bare` names it: a GUID, date, time or
/// duration, which OData writes unquoted (a duration as `duration'PT1H'`), and which may then hold
/// only what those do. Numbers,
/// booleans and `null` are written as they are; a collection or an object goes by an alias holding
/// its JSON. Annotations (`@odata.type`) are not parameters and are left out.
pub fn function_call(parameters: &Map<String, Value>, bare: &[&str]) -> Result<FunctionCall, CallError> {
    let mut members: Vec<(&str, &Value)> = parameters
        .iter()
        .map(|(name, value)| (name.as_str(), value))
        .filter(|(name, _)| !name.contains('@'))
        .collect();
    members.sort_by_key(|&(name, _)| name);
    let mut written = Vec::with_capacity(members.len());
    let mut aliases = Vec::new();
    for (name, value) in members {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(CallError::NotAName(name.to_owned()));
        }
        let literal = match value {
            Value::String(text) if bare.contains(&name) => {
                if !is_bare(text) {
                    return Err(CallError::NotBare { name: name.to_owned(), value: text.clone() });
                }
                bare_literal(text).into_owned()
            }
            Value::String(text) => format!("'{}'", text.replace('\'', "''")),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Null => "null".to_owned(),
            json @ (Value::Array(_) | Value::Object(_)) => {
                let alias = format!("@{name}");
                aliases.push((alias.clone(), json.to_string()));
                alias
            }
        };
        written.push(format!("{name}={literal}"));
    }
    Ok(FunctionCall { arguments: format!("({})", written.join(",")), aliases })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_value_stays_one_segment_whatever_it_contains() {
        assert_eq!(value_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(value_segment(".."), "%2E%2E");
        assert_eq!(value_segment("."), "%2E");
        assert_eq!(value_segment("ok-id_1.2~x"), "ok-id_1.2~x");
        assert_eq!(value_segment("key='a b'"), "key='a%20b'");
        assert_eq!(literal_segment("microsoft.graph.assign"), "microsoft.graph.assign");
    }

    #[test]
    fn a_path_calls_argument_cannot_end_itself_or_add_another() {
        assert_eq!(call_argument("D'7", true), "D''7");
        assert_eq!(call_argument("5", false), "5");
        assert_eq!(call_argument("2021-03-01T00:00:00Z", false), "2021-03-01T00:00:00Z");
        assert_eq!(call_argument("5,top=6", false), "'5,top=6'");
        assert_eq!(call_argument("x')", false), "'x'')'");
        assert_eq!(call_argument("", false), "''");
        assert_eq!(call_argument("PT1H", false), "duration'PT1H'");
        assert_eq!(call_argument("Pending", false), "Pending", "a word, not a duration");
        for duration in ["PT1H30M", "P1DT2H", "PT0.5S", "-P1D", "P1Y2M3W4DT5H6M7S"] {
            assert_eq!(call_argument(duration, false), format!("duration'{duration}'"), "{duration}");
        }
        for not_one in ["P", "PT", "P1", "P1H", "PT1D", "P1DT", "P1..2D", "P1D2", "P1.5D", "P2D1Y", "PT1.S"] {
            assert_eq!(call_argument(not_one, false), not_one, "{not_one}");
        }
    }

    #[test]
    fn call_arguments_keep_their_aliases_and_stay_in_the_segment() {
        assert_eq!(encoded_arguments("(a='x/y?z',ids=@ids)"), "(a='x%2Fy%3Fz',ids=@ids)");
    }

    #[test]
    fn bare_values_are_written_unquoted_and_durations_after_their_type() {
        let object = |value: Value| value.as_object().cloned().unwrap_or_default();
        let parameters =
            object(json!({"day": "2021-03-01", "id": "5f3b-1", "window": "PT1H", "back": "-P1D"}));
        let call = function_call(&parameters, &["day", "id", "window", "back"]);
        assert_eq!(
            call.map(|call| call.arguments),
            Ok("(back=duration'-P1D',day=2021-03-01,id=5f3b-1,window=duration'PT1H')".to_owned())
        );
    }

    #[test]
    fn a_refused_call_says_which_parameter_and_why() {
        let object = |value: Value| value.as_object().cloned().unwrap_or_default();
        let refused = function_call(&object(json!({"since": "2021-03-01,top=1"})), &["since"]).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "parameter `since` is not a GUID, date, time or duration: \"2021-03-01,top=1\""
        );
        let refused = function_call(&object(json!({"a)": 1})), &[]).unwrap_err();
        assert_eq!(refused.to_string(), "\"a)\" is not a parameter name");
    }
}
