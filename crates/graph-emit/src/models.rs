//! Emits a version's models: one struct per object type, one enum per enum type, one `AnyT` enum per
//! polymorphic type, and one request struct per action whose body is a parameter list.
//!
//! Each item is emitted on its own, tagged with the name it is filed under, so the caller can put all
//! of them in one file or split them into area modules.

use graph_ir::TypeDef;
use proc_macro2::TokenStream;
use quote::quote;

use crate::catalog::{is_object, Catalog, Field, ODATA_TYPE_MEMBER};
use crate::docs::{self, code, Doc};
use crate::naming;

/// One emitted model item: what it is grouped by, the pages it came from, and its tokens.
pub struct ModelItem {
    /// The wire name of the type this item belongs to (the base type for an `AnyT`), for grouping.
    pub group_key: String,
    /// Whether the item is an action's parameter struct (`group_key` is then the operation's name).
    pub is_request: bool,
    pub sources: Vec<String>,
    pub tokens: TokenStream,
}

/// What model items are built from: a type (its struct or enum, and its `AnyT` when it has derived
/// types) or an action's parameter list.
pub enum ModelSource<'c, 'a> {
    Type(&'a TypeDef),
    Request { op_name: &'c str, rust_name: &'c str, fields: &'c [Field<'a>] },
}

/// What the catalog's version has models for, in a stable order (types by wire name, then requests).
/// Each source builds on its own ([`model_items`]), so the caller can build them on several threads.
pub fn model_sources<'c, 'a>(catalog: &'c Catalog<'a>) -> Vec<ModelSource<'c, 'a>> {
    let types = catalog.types().filter(|def| catalog.rust_name(&def.name).is_some()).map(ModelSource::Type);
    let requests = catalog.requests().map(|(op_name, rust_name, fields)| ModelSource::Request {
        op_name,
        rust_name,
        fields,
    });
    types.chain(requests).collect()
}

/// The model items of one source, in order.
pub fn model_items(catalog: &Catalog<'_>, source: &ModelSource<'_, '_>) -> Vec<ModelItem> {
    match *source {
        ModelSource::Type(def) => {
            let Some(rust_name) = catalog.rust_name(&def.name) else { return Vec::new() };
            let sources: Vec<String> = def.sources.iter().map(|span| span.file.to_string()).collect();
            let tokens = if is_object(def) {
                let doc = docs::type_doc(def);
                object_struct(catalog, rust_name, &doc, catalog.fields(&def.name), "property")
            } else {
                enum_type(def, rust_name)
            };
            let item = |sources, tokens| ModelItem {
                group_key: def.name.clone(),
                is_request: false,
                sources,
                tokens,
            };
            let any = catalog.any_name(&def.name).map(|any_name| any_enum(catalog, &def.name, any_name));
            match any {
                Some(any) => vec![item(sources.clone(), tokens), item(sources, any)],
                None => vec![item(sources, tokens)],
            }
        }
        ModelSource::Request { op_name, rust_name, fields } => {
            let sources: Vec<String> =
                fields.iter().map(|field| field.property.span.file.to_string()).collect();
            let mut doc = Doc::new(if catalog.request_in_url(op_name) {
                format!("The parameters of the {} function, written into its URL.", code(op_name))
            } else {
                format!("The parameters of the {} action, sent as its JSON body.", code(op_name))
            });
            if let Some(first) = fields.first() {
                doc.sources([&first.property.span]);
            }
            vec![ModelItem {
                group_key: op_name.to_owned(),
                is_request: true,
                sources,
                tokens: object_struct(catalog, rust_name, &doc, fields, "parameter"),
            }]
        }
    }
}

/// A struct with every field optional, the `@odata.type` annotation, and a catch-all map so unknown
/// properties survive a round trip.
///
/// Its `Serialize` and `Deserialize` are one graph-runtime `ObjectWriter`/`ObjectReader` call per
/// property rather than serde's derives: the derived visitors are most of what a model costs to
/// compile, and a Graph crate has thousands of models with hundreds of properties.
fn object_struct(
    catalog: &Catalog<'_>,
    rust_name: &str,
    doc: &Doc,
    fields: &[Field<'_>],
    noun: &str,
) -> TokenStream {
    let ident = naming::ident(rust_name);
    let doc = doc.outer();
    let empty = TokenStream::new();
    let names: Vec<proc_macro2::Ident> = fields.iter().map(|field| naming::ident(&field.rust_name)).collect();
    let wires: Vec<&str> = fields.iter().map(|field| field.property.name.as_str()).collect();
    let definitions = fields.iter().zip(&names).map(|(field, name)| {
        let ty = catalog.type_tokens(&field.property.type_ref, &empty, field.boxed);
        let field_doc = docs::field_doc(field.property, field.inherited_from, noun, catalog).outer();
        quote! {
            #field_doc
            pub #name: Option<#ty>,
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #ident {
            /// The `@odata.type` annotation (`#microsoft.graph.…`), naming the object's exact type.
            pub odata_type: Option<String>,
            #(#definitions)*
            /// Properties this model does not declare, kept as they came so they round-trip.
            ///
            /// A declared property left `None` is not sent at all. To send one as `null` (an update
            /// that clears it), leave it `None` and add it here, as `graph_runtime::odata::nulls`
            /// gives it from its field.
            pub additional_properties: Map<String, Value>,
        }

        impl Serialize for #ident {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut object = ObjectWriter::new(serializer, &self.additional_properties)?;
                object.field(#ODATA_TYPE_MEMBER, &self.odata_type)?;
                #(object.field(#wires, &self.#names)?;)*
                object.end()
            }
        }

        impl<'de> Deserialize<'de> for #ident {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut object = ObjectReader::new(deserializer)?;
                Ok(#ident {
                    odata_type: object.take(#ODATA_TYPE_MEMBER)?,
                    #(#names: object.take(#wires)?,)*
                    additional_properties: object.rest(),
                })
            }
        }
    }
}

/// `enum AnyT { T(T), Derived(Derived), …, Unknown(T) }`, discriminated by `@odata.type`.
fn any_enum(catalog: &Catalog<'_>, base_wire: &str, any_name: &str) -> TokenStream {
    let any = naming::ident(any_name);
    let base_name = catalog.rust_name(base_wire).unwrap_or("Unnamed");
    let base = naming::ident(base_name);
    let mut variants: Vec<(&str, &str)> = vec![(base_wire, base_name)];
    variants.extend(
        catalog.variants(base_wire).iter().filter_map(|wire| Some((*wire, catalog.rust_name(wire)?))),
    );

    let variant_defs = variants.iter().map(|(wire, rust)| {
        let ident = naming::ident(rust);
        let doc = Doc::new(format!(
            "An object whose `@odata.type` is {}.",
            code(&format!("microsoft.graph.{wire}"))
        ));
        let doc = doc.outer();
        quote!(#doc #ident(#ident),)
    });
    let deserialize_arms = variants.iter().map(|(wire, rust)| {
        let ident = naming::ident(rust);
        if *wire == base_wire {
            quote!(None | Some(#wire) => serde_json::from_value(value).map(#any::#ident),)
        } else {
            quote!(Some(#wire) => serde_json::from_value(value).map(#any::#ident),)
        }
    });
    let serialize_arms = variants.iter().map(|(wire, rust)| {
        let ident = naming::ident(rust);
        if *wire == base_wire {
            // No `@odata.type` means the declared type, so the base is sent as it is.
            quote!(#any::#ident(value) => value.serialize(serializer),)
        } else {
            let odata_type = format!("#microsoft.graph.{wire}");
            quote!(#any::#ident(value) => graph_runtime::odata::serialize_with_type(value, #odata_type, serializer),)
        }
    });
    let mut doc = Doc::new(format!(
        "A {} or any type derived from it, chosen by the object's `@odata.type`.",
        code(base_wire)
    ));
    doc.paragraph(format!(
        "An `@odata.type` this crate does not know becomes `Unknown`: the {} properties stay typed \
         and the rest stay in `additional_properties`, so the value round-trips unchanged.",
        code(base_wire)
    ));
    doc.paragraph(format!(
        "[`to_base`](graph_runtime::odata::Polymorphic::to_base) reads any variant as a {}, for \
         what they all share.",
        code(base_wire)
    ));
    let doc = doc.outer();
    // `large_enum_variant` is allowed: variants hold the models by value, as a struct field would;
    // boxing them all to even out their sizes would make every match on a response clumsier.
    quote! {
        #doc
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #any {
            #(#variant_defs)*
            /// An object whose `@odata.type` names a type this crate does not know.
            Unknown(#base),
        }

        impl Serialize for #any {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    #any::Unknown(value) => value.serialize(serializer),
                }
            }
        }

        impl graph_runtime::odata::Polymorphic for #any {
            type Base = #base;
        }

        impl<'de> Deserialize<'de> for #any {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                let type_name = graph_runtime::odata::type_name(&value).map(str::to_owned);
                let parsed = match type_name.as_deref() {
                    #(#deserialize_arms)*
                    Some(_) => serde_json::from_value(value).map(#any::Unknown),
                };
                parsed.map_err(serde::de::Error::custom)
            }
        }
    }
}

/// An enum of the documented members plus `Unknown(String)`, (de)serialised as the wire string.
fn enum_type(def: &graph_ir::TypeDef, rust_name: &str) -> TokenStream {
    let ident = naming::ident(rust_name);
    let mut scope = naming::Scope::with_reserved(&["Unknown"]);
    let mut seen = std::collections::BTreeSet::new();
    let members: Vec<(&graph_ir::EnumMember, proc_macro2::Ident)> = def
        .members
        .iter()
        .filter(|member| seen.insert(member.name.as_str()))
        .map(|member| (member, naming::ident(&scope.claim(&naming::type_name(&member.name)))))
        .collect();
    let variants = members.iter().map(|(member, variant)| {
        let mut doc = match member.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(text) => Doc::new(docs::escape(text)),
            None => Doc::new(format!("The {} value.", code(&member.name))),
        };
        doc.sources([&member.span]);
        let doc = doc.outer();
        quote!(#doc #variant,)
    });
    let as_str_arms = members.iter().map(|(member, variant)| {
        let wire = &member.name;
        quote!(#ident::#variant => #wire,)
    });
    let from_str_arms = members.iter().map(|(member, variant)| {
        let wire = &member.name;
        quote!(#wire => #ident::#variant,)
    });
    let deserialize_body = if members.is_empty() {
        quote!(Ok(#ident::Unknown(value)))
    } else {
        quote! {
            Ok(match value.as_str() {
                #(#from_str_arms)*
                _ => #ident::Unknown(value),
            })
        }
    };
    let doc = docs::type_doc(def).outer();
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #ident {
            #(#variants)*
            /// A value this crate does not know; it serialises back unchanged.
            Unknown(String),
        }

        impl #ident {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str_arms)*
                    #ident::Unknown(value) => value,
                }
            }
        }

        impl Serialize for #ident {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #ident {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                #deserialize_body
            }
        }
    }
}
