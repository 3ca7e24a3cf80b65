//! A function's parameters written into its URL, as OData functions take them: `name(a='x',n=2)`
//! in the last path segment, and a collection or an object by a parameter alias in the query
//! (`ids=@ids` with `@ids=["1","2"]`). How each value is written is graph-url's; this serialises the
//! caller's parameters for it.

use graph_url::FunctionCall;
use serde::Serialize;
use serde_json::Value;

/// Writes `parameters`, serialised to a JSON object with one member per parameter (members left
/// out are parameters not given), as a function call's arguments: see [`graph_url::function_call`].
pub(crate) fn function_call<P: Serialize + ?Sized>(
    parameters: &P,
    bare: &[&str],
) -> Result<FunctionCall, String> {
    match serde_json::to_value(parameters) {
        Ok(Value::Object(members)) => {
            graph_url::function_call(&members, bare).map_err(|error| error.to_string())
        }
        Ok(other) => Err(format!("the parameters are not a JSON object but {other}")),
        Err(error) => Err(format!("the parameters could not be serialised: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Parameters {
        period: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        top: Option<u32>,
        ids: Vec<&'static str>,
    }

    #[test]
    fn a_struct_is_written_member_by_member_and_one_left_out_is_not_given() {
        let call = function_call(&Parameters { period: "D7", top: None, ids: vec!["1"] }, &[]).unwrap();
        assert_eq!(call.arguments, "(ids=@ids,period='D7')");
        assert_eq!(call.aliases, vec![("@ids".to_owned(), "[\"1\"]".to_owned())]);
        let call = function_call(&Parameters { period: "D7", top: Some(5), ids: vec![] }, &[]).unwrap();
        assert_eq!(call.arguments, "(ids=@ids,period='D7',top=5)");
    }

    #[test]
    fn parameters_that_cannot_be_written_say_why() {
        let refused = function_call(&json!({"since": "2021-03-01,top=1"}), &["since"]).unwrap_err();
        assert_eq!(refused, "parameter `since` is not a GUID, date, time or duration: \"2021-03-01,top=1\"");
        assert!(function_call(&json!(["not", "an", "object"]), &[])
            .unwrap_err()
            .contains("not a JSON object"));
        assert!(function_call(&json!({"a)": 1}), &[]).unwrap_err().contains("is not a parameter name"));
    }
}
