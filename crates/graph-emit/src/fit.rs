//! Whether an example's JSON fits the Rust types the crate gives it, so that an example the docs
//! contradict (an object where a page documents a string, `"yes"` for a Boolean) gets a comment
//! saying so instead of a generated test that fails.
//!
//! The check is conservative: it reports only what the generated models' deserialisation would
//! certainly reject. A member the model does not declare is kept in `additional_properties`, a type
//! the input does not describe is any JSON, and `null` fits every optional field.

use graph_ir::{Primitive, TypeKind, TypeRef};
use serde_json::Value;

use crate::catalog::{rust_primitive, Catalog, Field, RustPrimitive};

/// Where in a body the first misfit is (`.assignments[1].target`) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    pub at: String,
    pub problem: String,
}

/// The first place `value` does not fit `expected`, read as the model reads it.
pub fn misfit(catalog: &Catalog<'_>, value: &Value, expected: &TypeRef) -> Option<Misfit> {
    Checker { catalog }.check(value, expected, &mut String::new())
}

/// The first member of a parameters body (an object) that does not fit the action's request struct.
pub fn parameters_misfit(catalog: &Catalog<'_>, value: &Value, fields: &[Field<'_>]) -> Option<Misfit> {
    let checker = Checker { catalog };
    let Value::Object(members) = value else { return checker.wrong(value, "an object", "") };
    checker.members(members, fields, &mut String::new())
}

struct Checker<'c, 'a> {
    catalog: &'c Catalog<'a>,
}

impl Checker<'_, '_> {
    fn check(&self, value: &Value, expected: &TypeRef, at: &mut String) -> Option<Misfit> {
        match expected {
            TypeRef::Primitive(primitive) => self.primitive(value, *primitive, at),
            TypeRef::Collection(item_type) => {
                let Value::Array(items) = value else { return self.wrong(value, "an array", at) };
                items.iter().enumerate().find_map(|(index, item)| {
                    let length = at.len();
                    at.push_str(&format!("[{index}]"));
                    // A list's items are not optional: only a list of any JSON holds a null.
                    let found = match item {
                        Value::Null if !self.is_any_json(item_type) => self.wrong(item, "an item", at),
                        _ => self.check(item, item_type, at),
                    };
                    at.truncate(length);
                    found
                })
            }
            TypeRef::Named(name) => match self.catalog.get(name) {
                None => None,
                Some(def) if def.kind == TypeKind::Enum => match value {
                    Value::String(_) => None,
                    _ => self.wrong(value, "a string (an enum member)", at),
                },
                Some(_) => {
                    let Value::Object(members) = value else { return self.wrong(value, "an object", at) };
                    self.members(members, self.catalog.fields(self.actual_type(name, value)), at)
                }
            },
        }
    }

    /// Each member the fields declare, against its field's type; `null` fits any (optional) field.
    /// Every model and request struct reads `@odata.type` as a string.
    fn members(
        &self,
        members: &serde_json::Map<String, Value>,
        fields: &[Field<'_>],
        at: &mut String,
    ) -> Option<Misfit> {
        if let Some(odata_type) = members.get("@odata.type").filter(|v| !v.is_null() && !v.is_string()) {
            at.push_str(".@odata.type");
            return self.wrong(odata_type, "a string", at);
        }
        members.iter().filter(|(_, member)| !member.is_null()).find_map(|(name, member)| {
            let field = fields.iter().find(|field| field.property.name == *name)?;
            let length = at.len();
            at.push('.');
            at.push_str(name);
            let found = self.check(member, &field.property.type_ref, at);
            at.truncate(length);
            found
        })
    }

    /// The type an object's `@odata.type` names, when it is one of `name`'s derived types (as the
    /// polymorphic `Any…` enum chooses, reading the name as `graph_runtime::odata::type_name` does:
    /// one `#` and the namespace dropped); otherwise `name`.
    fn actual_type<'n>(&'n self, name: &'n str, value: &'n Value) -> &'n str {
        let named = value
            .get("@odata.type")
            .and_then(Value::as_str)
            .map(|raw| raw.strip_prefix('#').unwrap_or(raw))
            .map(|raw| raw.strip_prefix("microsoft.graph.").unwrap_or(raw));
        match named {
            Some(derived) if self.catalog.variants(name).contains(&derived) => derived,
            _ => name,
        }
    }

    fn primitive(&self, value: &Value, primitive: Primitive, at: &str) -> Option<Misfit> {
        let fits = match rust_primitive(primitive) {
            RustPrimitive::Json => true,
            RustPrimitive::Bool => value.is_boolean(),
            RustPrimitive::U8 => value.as_u64().is_some_and(|n| u8::try_from(n).is_ok()),
            RustPrimitive::I8 => value.as_i64().is_some_and(|n| i8::try_from(n).is_ok()),
            RustPrimitive::I16 => value.as_i64().is_some_and(|n| i16::try_from(n).is_ok()),
            RustPrimitive::I32 => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            RustPrimitive::I64 => value.is_i64(),
            RustPrimitive::F64 => value.is_number(),
            RustPrimitive::String => value.is_string(),
        };
        if fits {
            return None;
        }
        self.wrong(value, primitive.docs_name(), at)
    }

    /// Whether `type_ref` is read as any JSON (so it holds a null).
    fn is_any_json(&self, type_ref: &TypeRef) -> bool {
        match type_ref {
            TypeRef::Primitive(Primitive::Json) => true,
            TypeRef::Named(name) => self.catalog.get(name).is_none(),
            _ => false,
        }
    }

    fn wrong(&self, value: &Value, expected: &str, at: &str) -> Option<Misfit> {
        let at = if at.is_empty() { ".".to_owned() } else { at.to_owned() };
        Some(Misfit { at, problem: format!("{} where the model expects {expected}", kind(value)) })
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use graph_ir::{Api, ApiVersion};
    use serde_json::json;

    use super::*;

    fn problem(value: Value, expected: TypeRef) -> Option<String> {
        let api = Api::default();
        let catalog = Catalog::new(&api, ApiVersion::Beta);
        misfit(&catalog, &value, &expected).map(|misfit| format!("{} {}", misfit.at, misfit.problem))
    }

    fn list(item: TypeRef) -> TypeRef {
        TypeRef::Collection(Box::new(item))
    }

    #[test]
    fn numbers_fit_only_the_types_that_hold_them() {
        let int32 = TypeRef::Primitive(Primitive::Int32);
        assert_eq!(problem(json!(7), int32.clone()), None);
        assert_eq!(
            problem(json!(3_000_000_000_u64), int32.clone()),
            Some(". a number where the model expects Int32".into())
        );
        assert_eq!(problem(json!(1.5), int32), Some(". a number where the model expects Int32".into()));
        assert_eq!(problem(json!(7), TypeRef::Primitive(Primitive::Double)), None);
        assert_eq!(
            problem(json!("7"), TypeRef::Primitive(Primitive::Int64)),
            Some(". a string where the model expects Int64".into())
        );
    }

    #[test]
    fn a_null_fits_a_field_but_not_a_list_item_unless_the_items_are_any_json() {
        assert_eq!(
            problem(json!(["a", null]), list(TypeRef::Primitive(Primitive::String))),
            Some("[1] null where the model expects an item".into())
        );
        assert_eq!(problem(json!(["a", null]), list(TypeRef::Primitive(Primitive::Json))), None);
        // A type the input does not describe is read as any JSON.
        assert_eq!(problem(json!([null, {"a": 1}]), list(TypeRef::Named("undescribed".into()))), None);
    }
}
