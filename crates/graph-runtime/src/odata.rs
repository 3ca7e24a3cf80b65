//! OData helpers the generated models use: `@odata.type` discrimination and collection pages.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// The `@odata.type` of a JSON object, without a leading `#` and without the `microsoft.graph.` namespace.
pub fn type_name(value: &Value) -> Option<&str> {
    let raw = value.get("@odata.type")?.as_str()?;
    let raw = raw.strip_prefix('#').unwrap_or(raw);
    Some(raw.strip_prefix("microsoft.graph.").unwrap_or(raw))
}

/// Serialises `value` as a JSON object that names its derived type: when the object has no
/// `@odata.type`, `odata_type` (e.g. `#microsoft.graph.groupAssignmentTarget`) is added.
pub fn serialize_with_type<T: Serialize, S: Serializer>(
    value: &T,
    odata_type: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let Value::Object(map) = &mut json {
        map.entry("@odata.type").or_insert_with(|| Value::String(odata_type.to_owned()));
    }
    json.serialize(serializer)
}

/// One page of a collection response: `{"value": [...], "@odata.nextLink": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection<T> {
    /// The items of this page.
    pub value: Vec<T>,
    /// The URL of the next page, if there is one.
    #[serde(rename = "@odata.nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// Any other members (`@odata.context`, `@odata.count`, …), kept as they came.
    #[serde(flatten)]
    pub additional_properties: Map<String, Value>,
}
