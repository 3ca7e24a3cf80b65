//! The cases of `tests/fixtures/function-calls.json`, one by one: how a function's parameters are
//! written into its URL.

use graph_url::{function_call, FunctionCall};
use serde_json::Value;

/// One case of the fixture.
struct Case {
    why: String,
    parameters: serde_json::Map<String, Value>,
    bare: Vec<String>,
    /// The arguments and aliases written, or `None` when the parameters are refused.
    written: Option<FunctionCall>,
}

fn cases() -> Vec<Case> {
    let cases: Value = serde_json::from_str(include_str!("fixtures/function-calls.json")).unwrap();
    let text = |value: &Value| value.as_str().unwrap().to_owned();
    let case = |case: &Value| Case {
        why: text(&case["why"]),
        parameters: case["parameters"].as_object().unwrap().clone(),
        bare: case["bare"].as_array().unwrap().iter().map(text).collect(),
        written: (case.get("refused") != Some(&Value::Bool(true))).then(|| FunctionCall {
            arguments: text(&case["arguments"]),
            aliases: case["aliases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| (text(&pair[0]), text(&pair[1])))
                .collect(),
        }),
    };
    cases.as_array().unwrap().iter().map(case).collect()
}

#[test]
fn each_kind_of_value_is_written_as_odata_writes_it() {
    let cases = cases();
    assert!(cases.len() >= 6);
    for Case { why, parameters, bare, written } in cases {
        let bare: Vec<&str> = bare.iter().map(String::as_str).collect();
        let call = function_call(&parameters, &bare);
        assert_eq!(call.ok(), written, "{why}");
    }
}
