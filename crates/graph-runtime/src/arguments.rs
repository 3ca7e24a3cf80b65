//! A function's parameters written into its URL, as OData functions take them: `name(a='x',n=2)`
//! in the last path segment, and a collection or an object by a parameter alias in the query
//! (`ids=@ids` with `@ids=["1","2"]`).

use serde::Serialize;
use serde_json::Value;

/// The parameters of one function call, written out.
#[derive(Debug, PartialEq)]
pub(crate) struct FunctionCall {
    /// `(a='x',n=2,ids=@ids)`, not yet percent-encoded: appended to the function's segment.
    pub(crate) arguments: String,
    /// `(@ids, ["1","2"])`: query parameters for the arguments written as aliases.
    pub(crate) aliases: Vec<(String, String)>,
}

/// Writes `parameters` (serialised to a JSON object, one member per parameter; members left out are
/// parameters not given) as a function call's arguments, sorted by name. A string is an OData string literal (a
/// `'` doubled) unless `bare` names it: a GUID, date, time or duration, which OData writes
/// unquoted, and which may then hold only what those do. Numbers, booleans and `null` are written
/// as they are; a collection or an object goes by an alias holding its JSON. Annotations
/// (`@odata.type`) are not parameters and are left out.
pub(crate) fn function_call<P: Serialize + ?Sized>(
    parameters: &P,
    bare: &[&str],
) -> Result<FunctionCall, String> {
    let mut members: Vec<(String, Value)> = match serde_json::to_value(parameters) {
        Ok(Value::Object(members)) => members.into_iter().collect(),
        Ok(other) => return Err(format!("the parameters are not a JSON object but {other}")),
        Err(error) => return Err(format!("the parameters could not be serialised: {error}")),
    };
    // Sorted by name whatever order the map keeps (serde_json's `preserve_order` keeps the struct's),
    // so that one set of parameters is always one URL.
    members.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut written = Vec::new();
    let mut aliases = Vec::new();
    for (name, value) in members {
        if name.contains('@') {
            continue;
        }
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') || name.is_empty() {
            return Err(format!("{name:?} is not a parameter name"));
        }
        let literal = match value {
            Value::String(text) if bare.contains(&name.as_str()) => {
                // Nothing that could end the value or start another argument.
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-:.+".contains(&b))
                {
                    return Err(format!(
                        "parameter `{name}` is not a GUID, date, time or duration: {text:?}"
                    ));
                }
                text
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

    /// One case of `tests/fixtures/function-calls.json`, which the emitter's `calls.rs` is tested
    /// against too.
    struct Case {
        why: String,
        parameters: Value,
        bare: Vec<String>,
        /// The arguments and aliases written, or `None` when the parameters are refused.
        written: Option<(String, Vec<(String, String)>)>,
    }

    fn shared_cases() -> Vec<Case> {
        let cases: Value =
            serde_json::from_str(include_str!("../tests/fixtures/function-calls.json")).unwrap();
        let text = |value: &Value| value.as_str().unwrap().to_owned();
        let case = |case: &Value| Case {
            why: text(&case["why"]),
            parameters: case["parameters"].clone(),
            bare: case["bare"].as_array().unwrap().iter().map(text).collect(),
            written: (case.get("refused") != Some(&Value::Bool(true))).then(|| {
                let aliases = case["aliases"].as_array().unwrap();
                (
                    text(&case["arguments"]),
                    aliases.iter().map(|pair| (text(&pair[0]), text(&pair[1]))).collect(),
                )
            }),
        };
        cases.as_array().unwrap().iter().map(case).collect()
    }

    #[test]
    fn each_kind_of_value_is_written_as_odata_writes_it() {
        let cases = shared_cases();
        assert!(cases.len() >= 6);
        for Case { why, parameters, bare, written } in cases {
            let bare: Vec<&str> = bare.iter().map(String::as_str).collect();
            let call = function_call(&parameters, &bare)
                .ok()
                .map(|FunctionCall { arguments, aliases }| (arguments, aliases));
            assert_eq!(call, written, "{why}");
        }
    }

    #[test]
    fn a_bare_value_that_could_add_an_argument_is_refused() {
        let refused = function_call(&json!({"since": "2021-03-01,top=1"}), &["since"]).unwrap_err();
        assert_eq!(refused, "parameter `since` is not a GUID, date, time or duration: \"2021-03-01,top=1\"");
        assert!(function_call(&json!(["not", "an", "object"]), &[])
            .unwrap_err()
            .contains("not a JSON object"));
        assert!(function_call(&json!({"a)": 1}), &[]).unwrap_err().contains("is not a parameter name"));
    }
}
