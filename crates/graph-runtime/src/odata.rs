//! OData helpers the generated models use: `@odata.type` discrimination, collection pages and
//! single values.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::ser::SerializeMap;
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
pub fn serialize_with_type<T: Serialize + ?Sized, S: Serializer>(
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

/// A type together with the types derived from it: the generated `Any…` enums, whose variant is
/// chosen by the object's `@odata.type`.
///
/// Its one method is provided, so an enum costs nothing to build until a program calls it.
pub trait Polymorphic: Serialize {
    /// The type every variant is or derives from (`DeviceConfiguration` for
    /// `AnyDeviceConfiguration`).
    type Base: DeserializeOwned;

    /// The object read as its base type, whatever its variant: the properties the base type
    /// declares typed, the derived type's others in its `additional_properties`, and its
    /// `@odata.type` kept. What a list of mixed types shares (an `id`, a `displayName`) is read so
    /// without matching every variant.
    ///
    /// Goes through JSON, so it costs what writing and reading the object again costs. Fails only
    /// when the object's JSON does not read as the base type: a property the variant declares with
    /// another type than the base does.
    fn to_base(&self) -> Result<Self::Base, serde_json::Error> {
        serde_json::from_value(serde_json::to_value(self)?)
    }
}

/// The properties of a model `M` that `set` sets, each as `null`: to go in the model's
/// `additional_properties` for an update (`PATCH`) that clears them. The fields are named in Rust, so
/// the compiler checks them, and the wire names come from `M`'s own serialisation.
///
/// `set` gives each field to clear some value, any value: it only marks the field.
///
/// ```
/// # use graph_runtime::odata::nulls;
/// # use serde::{Serialize, Serializer, ser::SerializeMap};
/// # #[derive(Default)]
/// # struct Profile { display_name: Option<String>, description: Option<String>, priority: Option<i32> }
/// # impl Serialize for Profile {
/// #     fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
/// #         let mut map = serializer.serialize_map(None)?;
/// #         if let Some(v) = &self.display_name { map.serialize_entry("displayName", v)?; }
/// #         if let Some(v) = &self.description { map.serialize_entry("description", v)?; }
/// #         if let Some(v) = &self.priority { map.serialize_entry("priority", v)?; }
/// #         map.end()
/// #     }
/// # }
/// let cleared = nulls(|profile: &mut Profile| {
///     profile.description = Some(String::new());
///     profile.priority = Some(0);
/// })?;
/// assert_eq!(serde_json::Value::Object(cleared), serde_json::json!({"description": null, "priority": null}));
/// // With a generated model: `changes.additional_properties.extend(cleared)`, its fields left `None`.
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Leave the cleared fields `None` in the model the `null`s go into: a field both set and cleared
/// makes the update fail with an encode error rather than send its key twice.
///
/// Fails only if `M`'s JSON is not an object, or cannot be written.
pub fn nulls<M: Default + Serialize>(
    set: impl FnOnce(&mut M),
) -> Result<Map<String, Value>, serde_json::Error> {
    let object = |model: &M| match serde_json::to_value(model)? {
        Value::Object(object) => Ok(object),
        _ => {
            Err(<serde_json::Error as serde::ser::Error>::custom("the model is not written as a JSON object"))
        }
    };
    let unset = object(&M::default())?;
    let mut marked = M::default();
    set(&mut marked);
    Ok(object(&marked)?
        .into_iter()
        .filter(|(name, value)| unset.get(name) != Some(value))
        .map(|(name, _)| (name, Value::Null))
        .collect())
}

/// One page of a collection response: `{"value": [...], "@odata.nextLink": "..."}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection<T> {
    /// The items of this page.
    pub value: Vec<T>,
    /// The URL of the next page, if there is one.
    pub next_link: Option<String>,
    /// Any other members (`@odata.context`, `@odata.count`, …), kept as they came.
    pub additional_properties: Map<String, Value>,
}

/// `value` first, then `@odata.nextLink` when there is one, then the other members.
impl<T: Serialize> Serialize for Collection<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut page = ObjectWriter::new(serializer, &self.additional_properties)?;
        page.field("value", &Some(&self.value))?;
        page.field("@odata.nextLink", &self.next_link)?;
        page.end()
    }
}

/// A page without `value` is an error; everything else but `@odata.nextLink` is kept as it came.
///
/// Streamed member by member rather than buffered like a model (see [`ObjectReader`]): a page can
/// hold hundreds of items, and a decode error keeps its path into them (`value[3].id`).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Collection<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = ValueObjectVisitor { lifts_next_link: true, item: PhantomData };
        let (value, next_link, additional_properties) = deserializer.deserialize_map(visitor)?;
        Ok(Collection { value, next_link, additional_properties })
    }
}

/// A single primitive or enum value as OData sends it, `{"value": …}`: the result of a function
/// that returns a `Boolean`, or of an action that returns a `String` or an enum member.
#[derive(Debug, Clone, PartialEq)]
pub struct Single<T> {
    /// The value.
    pub value: T,
    /// Any other members (`@odata.context`, …), kept as they came.
    pub additional_properties: Map<String, Value>,
}

/// `value` first, then the other members.
impl<T: Serialize> Serialize for Single<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut single = ObjectWriter::new(serializer, &self.additional_properties)?;
        single.field("value", &Some(&self.value))?;
        single.end()
    }
}

/// An object without `value` is an error; everything else is kept as it came.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Single<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = ValueObjectVisitor { lifts_next_link: false, item: PhantomData };
        let (value, _, additional_properties) = deserializer.deserialize_map(visitor)?;
        Ok(Single { value, additional_properties })
    }
}

/// Reads an object whose result is its `value` member: that member as `T`, `@odata.nextLink` apart
/// when `lifts_next_link` (a collection page), the other members as they came.
struct ValueObjectVisitor<T> {
    lifts_next_link: bool,
    item: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> de::Visitor<'de> for ValueObjectVisitor<T> {
    type Value = (T, Option<String>, Map<String, Value>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lifts_next_link {
            true => f.write_str("a collection page (an object with `value`)"),
            false => f.write_str("an object with `value`"),
        }
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut value = None;
        let mut next_link = None;
        let mut additional_properties = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "value" if value.is_none() => value = Some(map.next_value()?),
                "value" => return Err(de::Error::duplicate_field("value")),
                "@odata.nextLink" if self.lifts_next_link => next_link = map.next_value()?,
                _ => {
                    let member = map.next_value()?;
                    additional_properties.insert(key, member);
                }
            }
        }
        let value = value.ok_or_else(|| de::Error::missing_field("value"))?;
        Ok((value, next_link, additional_properties))
    }
}

impl<T> Collection<T> {
    /// `@odata.count`: the number of items in the whole list, when the request asked for it
    /// (`$count=true`) and the service sent it (on the first page).
    pub fn count(&self) -> Option<u64> {
        self.additional_properties.get("@odata.count")?.as_u64()
    }
}

/// Reads a JSON object into a generated model: its `Deserialize` takes each declared property out by
/// wire name and keeps the rest as `additional_properties`.
///
/// One small call per property instead of serde's derived visitor keeps the generated crate quick to
/// compile; the object is buffered as a `serde_json` map first, as `#[serde(flatten)]` would buffer it.
#[derive(Debug)]
pub struct ObjectReader {
    object: Map<String, Value>,
}

impl ObjectReader {
    /// Reads the whole object; anything but a JSON object is an error.
    pub fn new<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ObjectReader, D::Error> {
        Ok(ObjectReader { object: Map::deserialize(deserializer)? })
    }

    /// Takes out the property `name`: `None` when it is absent or `null`; when its value does not fit
    /// `T`, an error naming the property and the path inside it (`assignments[0]: target: …`).
    pub fn take<T: DeserializeOwned, E: de::Error>(&mut self, name: &str) -> Result<Option<T>, E> {
        let Some(value) = self.object.remove(name).filter(|value| !value.is_null()) else { return Ok(None) };
        serde_path_to_error::deserialize(value).map(Some).map_err(|error| {
            let inside = error.path().to_string();
            let error = error.into_inner();
            match inside.as_str() {
                "." => E::custom(format!("{name}: {error}")),
                index if index.starts_with('[') => E::custom(format!("{name}{index}: {error}")),
                path => E::custom(format!("{name}.{path}: {error}")),
            }
        })
    }

    /// The properties not taken.
    pub fn rest(self) -> Map<String, Value> {
        self.object
    }
}

/// Writes a generated model as a JSON object: each property that is set, then the additional ones.
#[derive(Debug)]
pub struct ObjectWriter<'rest, M> {
    object: M,
    /// The additional properties, written last by [`ObjectWriter::end`].
    rest: &'rest Map<String, Value>,
}

impl<'rest, M: SerializeMap> ObjectWriter<'rest, M> {
    /// Starts the object whose additional properties are `rest`.
    pub fn new<S: Serializer<SerializeMap = M>>(
        serializer: S,
        rest: &'rest Map<String, Value>,
    ) -> Result<ObjectWriter<'rest, M>, S::Error> {
        Ok(ObjectWriter { object: serializer.serialize_map(None)?, rest })
    }

    /// Writes the property `name` when it is set; a `None` is left out, not sent as `null` (a model
    /// sends an explicit `null` through its additional properties: see [`nulls`]).
    ///
    /// A set property that is among the additional properties too is an error: JSON with the key
    /// twice leaves the service to pick one, so which value lands would be a guess (a `null` from
    /// [`nulls`] beside the same field set to `Some` is the usual way to get here).
    pub fn field<T: Serialize>(&mut self, name: &str, value: &Option<T>) -> Result<(), M::Error> {
        match value {
            Some(_) if self.rest.contains_key(name) => Err(<M::Error as serde::ser::Error>::custom(
                format_args!("`{name}` is both a set property and an additional property; set only one"),
            )),
            Some(value) => self.object.serialize_entry(name, value),
            None => Ok(()),
        }
    }

    /// Writes the additional properties and ends the object. A `null` among them for a declared
    /// property that is `None` is how a model clears that property in an update.
    pub fn end(mut self) -> Result<M::Ok, M::Error> {
        for (name, value) in self.rest {
            self.object.serialize_entry(name, value)?;
        }
        self.object.end()
    }
}

#[cfg(test)]
mod tests {
    use super::{Collection, ObjectReader, ObjectWriter, Single};
    use serde_json::{json, Map, Value};

    /// A model as the generator writes one: two declared properties and the rest.
    #[derive(Debug, Default, PartialEq)]
    struct Model {
        display_name: Option<String>,
        count: Option<u32>,
        additional_properties: Map<String, Value>,
    }

    impl serde::Serialize for Model {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut object = ObjectWriter::new(serializer, &self.additional_properties)?;
            object.field("displayName", &self.display_name)?;
            object.field("count", &self.count)?;
            object.end()
        }
    }

    impl<'de> serde::Deserialize<'de> for Model {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut object = ObjectReader::new(deserializer)?;
            Ok(Model {
                display_name: object.take("displayName")?,
                count: object.take("count")?,
                additional_properties: object.rest(),
            })
        }
    }

    /// A model whose one property is a list of models.
    #[derive(Debug)]
    struct Listing {
        #[allow(dead_code)] // Read only through Debug when a test fails.
        models: Option<Vec<Model>>,
    }

    impl<'de> serde::Deserialize<'de> for Listing {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut object = ObjectReader::new(deserializer)?;
            Ok(Listing { models: object.take("models")? })
        }
    }

    #[test]
    fn a_model_reads_its_properties_keeps_the_rest_and_writes_only_what_is_set() {
        let model: Model =
            serde_json::from_value(json!({"displayName": "a", "count": null, "extra": [1]})).unwrap();
        assert_eq!(model.display_name.as_deref(), Some("a"));
        assert_eq!(model.count, None);
        assert_eq!(model.additional_properties.get("extra"), Some(&json!([1])));
        assert_eq!(serde_json::to_value(&model).unwrap(), json!({"displayName": "a", "extra": [1]}));
    }

    #[test]
    fn an_unset_property_is_sent_as_null_only_through_the_additional_properties() {
        let mut update = Model { display_name: Some("b".into()), ..Model::default() };
        assert_eq!(serde_json::to_value(&update).unwrap(), json!({"displayName": "b"}));
        update.additional_properties.insert("count".into(), Value::Null);
        assert_eq!(serde_json::to_value(&update).unwrap(), json!({"displayName": "b", "count": null}));
    }

    #[test]
    fn a_set_property_that_is_also_an_additional_property_is_an_error_not_a_key_sent_twice() {
        let mut update = Model { count: Some(3), ..Model::default() };
        update.additional_properties.insert("count".into(), Value::Null);
        // Written out, the key would be there twice; into a `Value`, the `null` would silently win.
        let error = serde_json::to_string(&update).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`count` is both a set property and an additional property; set only one"
        );
        assert!(serde_json::to_value(&update).is_err());
        // The same name with the property unset is the clearing `null`, and fine.
        update.count = None;
        assert_eq!(serde_json::to_string(&update).unwrap(), r#"{"count":null}"#);
    }

    #[test]
    fn a_property_of_the_wrong_type_is_an_error_naming_it_and_a_non_object_is_refused() {
        let error = serde_json::from_value::<Model>(json!({"count": "seven"})).unwrap_err();
        assert!(error.to_string().starts_with("count: invalid type: string"), "{error}");
        // Inside a property, the path to the value that failed is kept, array indexes included.
        let error = serde_json::from_value::<Listing>(json!({"models": [{}, {"count": -1}]})).unwrap_err();
        assert!(error.to_string().starts_with("models[1]: count: invalid value: integer `-1`"), "{error}");
        let error = serde_json::from_str::<Model>("[1, 2]").unwrap_err();
        assert!(error.to_string().contains("expected a map"), "{error}");
    }

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
        // Items may borrow from the input, as with a derived impl.
        let borrowed: Collection<&str> = serde_json::from_str(r#"{"value":["a","b"]}"#).unwrap();
        assert_eq!(borrowed.value, ["a", "b"]);
        let error = serde_json::from_str::<Collection<u8>>(r#"{"values":[]}"#).unwrap_err();
        assert!(error.to_string().starts_with("missing field `value`"), "{error}");
        let error = serde_json::from_str::<Collection<u8>>(r#"{"value":[1,"x"]}"#).unwrap_err();
        assert!(error.to_string().starts_with("invalid type: string"), "{error}");
    }

    #[test]
    fn a_page_writes_value_then_next_link_then_the_rest() {
        let page: Collection<u8> =
            serde_json::from_str(r#"{"@odata.context":"ctx","value":[1],"@odata.nextLink":"n"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"value":[1],"@odata.nextLink":"n","@odata.context":"ctx"}"#
        );
        let last = Collection::<u8> { value: vec![], next_link: None, additional_properties: Map::new() };
        assert_eq!(serde_json::to_string(&last).unwrap(), r#"{"value":[]}"#);
        // The members it writes itself are not written twice from the rest.
        let mut twice = last;
        twice.additional_properties.insert("value".into(), json!([2]));
        assert!(serde_json::to_string(&twice).is_err());
    }

    #[test]
    fn a_single_value_is_read_from_value_and_written_back_with_the_rest() {
        let single: Single<bool> =
            serde_json::from_str(r#"{"@odata.context":"ctx#Edm.Boolean","value":true}"#).unwrap();
        assert!(single.value);
        assert_eq!(
            serde_json::to_string(&single).unwrap(),
            r#"{"value":true,"@odata.context":"ctx#Edm.Boolean"}"#
        );
        // Only a page's next link is lifted out of the other members.
        let single: Single<u8> = serde_json::from_str(r#"{"value":2,"@odata.nextLink":"n"}"#).unwrap();
        assert_eq!(single.additional_properties.get("@odata.nextLink"), Some(&json!("n")));
        let error = serde_json::from_str::<Single<String>>(r#""bare""#).unwrap_err();
        assert!(error.to_string().contains("expected an object with `value`"), "{error}");
        let error = serde_json::from_str::<Single<String>>(r#"{"@odata.null":true}"#).unwrap_err();
        assert!(error.to_string().starts_with("missing field `value`"), "{error}");
        let error = serde_json::from_str::<Single<String>>(r#"{"value":"x","value":"y"}"#).unwrap_err();
        assert!(error.to_string().starts_with("duplicate field `value`"), "{error}");
    }
}
