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

impl<T> Collection<T> {
    /// `@odata.count`: the number of items in the whole list, when the request asked for it
    /// (`$count=true`) and the service sent it (on the first page).
    pub fn count(&self) -> Option<u64> {
        self.additional_properties.get("@odata.count")?.as_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::Collection;

    #[test]
    fn a_page_reads_its_items_next_link_and_count() {
        let page: Collection<u8> = serde_json::from_str(
            r#"{"@odata.context":"ctx","@odata.count":7,"value":[1,2],"@odata.nextLink":"https://x/y"}"#,
        )
        .unwrap();
        assert_eq!(page.value, [1, 2]);
        assert_eq!(page.next_link.as_deref(), Some("https://x/y"));
        assert_eq!(page.count(), Some(7));
        let last: Collection<u8> = serde_json::from_str(r#"{"value":[]}"#).unwrap();
        assert_eq!((last.count(), last.next_link), (None, None));
    }
}
