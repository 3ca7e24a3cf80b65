//! The per-version index the emitters read: every type by wire name, its Rust name, its transitive
//! derived types, its fields (inherited ones included) and which fields need a `Box`.
//!
//! Built once per version in linear-ish time (BTreeMap lookups, one SCC pass), so thousands of types
//! cost no quadratic scans later. All maps are BTreeMaps: iterating them is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use graph_ir::{
    Api, ApiVersion, HttpMethod, Operation, Primitive, Property, RequestBody, TypeDef, TypeKind, TypeRef,
};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use proc_macro2::TokenStream;
use quote::quote;

use crate::naming::{self, Scope};

/// A function whose page lists its parameters as a request body: a `GET` has none, so they go in the
/// URL as OData functions take them (`getReport(period='D7')`).
pub fn sends_arguments(op: &Operation) -> bool {
    op.method == HttpMethod::GET && matches!(op.request_body, Some(RequestBody::Parameters { .. }))
}

/// An update (`PATCH`) or a replacement (`PUT`): OData lets the service answer either with the
/// object or with `204 No Content`, and Intune's services answer `204` where the pages document the
/// object, so the documented body is only what may come.
pub fn may_answer_without_body(op: &Operation) -> bool {
    matches!(op.method, HttpMethod::PATCH | HttpMethod::PUT)
}

/// The `@odata.type` an operation's body is sent with (`#microsoft.graph.windows10GeneralConfiguration`)
/// when the page's body type derives from another type than `entity`: the URL then addresses its
/// base (`deviceConfigurations`), which the service reads the body as unless the body names its type.
/// A type whose base is `entity` is the URL's own type: it needs no annotation.
pub fn body_odata_type(op: &Operation, catalog: &Catalog<'_>) -> Option<String> {
    let Some(RequestBody::Resource { type_ref: TypeRef::Named(name), .. }) = &op.request_body else {
        return None;
    };
    let def = catalog.get(name)?;
    let base = def.base_type.as_deref()?;
    (base != "entity").then(|| format!("#{}.{}", def.namespace, def.name))
}

/// Names the models module uses unqualified (imports, prelude types, the `Unknown` variant every
/// `Any…` enum has beside its types' variants, and the generic parameters `D` and `S` of the serde
/// impls, which a type's name would be read as inside them); a Graph type that would take one of them
/// gets a suffix instead.
pub const MODEL_RESERVED: &[&str] = &[
    "Box",
    "D",
    "Deserialize",
    "Deserializer",
    "Err",
    "Map",
    "None",
    "ObjectReader",
    "ObjectWriter",
    "Ok",
    "Option",
    "Result",
    "S",
    "Serialize",
    "Serializer",
    "Some",
    "String",
    "Unknown",
    "Value",
    "Vec",
];

/// One field of an emitted struct.
#[derive(Debug)]
pub struct Field<'a> {
    pub property: &'a Property,
    pub rust_name: String,
    /// Wrapped in `Box` because the field's type contains the struct again.
    pub boxed: bool,
    /// The base type the property was inherited from, if it is not the struct's own.
    pub inherited_from: Option<&'a str>,
}

/// Everything the emitters need to know about one version's types.
pub struct Catalog<'a> {
    pub version: ApiVersion,
    types: BTreeMap<&'a str, &'a TypeDef>,
    names: BTreeMap<&'a str, String>,
    any_names: BTreeMap<&'a str, String>,
    variants: BTreeMap<&'a str, Vec<&'a str>>,
    fields: BTreeMap<&'a str, Vec<Field<'a>>>,
    request_names: BTreeMap<&'a str, String>,
    request_fields: BTreeMap<&'a str, Vec<Field<'a>>>,
    /// The operations among `request_names` whose parameters go in the URL ([`sends_arguments`]).
    requests_in_url: BTreeSet<&'a str>,
}

impl<'a> Catalog<'a> {
    /// Indexes the types and operations of `version`.
    pub fn new(api: &'a Api, version: ApiVersion) -> Catalog<'a> {
        let mut types: BTreeMap<&str, &TypeDef> = BTreeMap::new();
        for def in api.types.iter().filter(|def| def.version == version) {
            // The IR merges duplicates; if some slip through, the first (sorted) one wins.
            types.entry(def.name.as_str()).or_insert(def);
        }
        let operations: Vec<&Operation> = api.operations.iter().filter(|op| op.version == version).collect();

        let mut scope = Scope::with_reserved(MODEL_RESERVED);
        let names: BTreeMap<&str, String> =
            types.keys().map(|wire| (*wire, scope.claim(&naming::type_name(wire)))).collect();

        let variants = graph_ir::derived_closure(types.values().copied());
        let any_names: BTreeMap<&str, String> = variants
            .keys()
            .filter_map(|wire| Some((*wire, scope.claim(&format!("Any{}", names.get(wire)?)))))
            .collect();

        let mut request_names = BTreeMap::new();
        let mut request_fields = BTreeMap::new();
        let mut parameter_ops: Vec<(&str, &Vec<Property>)> = operations
            .iter()
            .filter_map(|op| match &op.request_body {
                Some(RequestBody::Parameters { parameters, .. }) => Some((op.name.as_str(), parameters)),
                _ => None,
            })
            .collect();
        let requests_in_url: BTreeSet<&str> =
            operations.iter().filter(|op| sends_arguments(op)).map(|op| op.name.as_str()).collect();
        parameter_ops.sort_by_key(|(name, _)| *name);
        parameter_ops.dedup_by_key(|(name, _)| *name);
        for (op_name, parameters) in parameter_ops {
            let rust = scope.claim(&format!("{}Request", naming::type_name(op_name)));
            request_names.insert(op_name, rust);
            let props: Vec<(&Property, Option<&str>)> = parameters.iter().map(|p| (p, None)).collect();
            request_fields.insert(op_name, name_fields(props));
        }

        let mut catalog = Catalog {
            version,
            types,
            names,
            any_names,
            variants,
            fields: BTreeMap::new(),
            request_names,
            request_fields,
            requests_in_url,
        };
        catalog.fields = catalog.object_fields();
        catalog
    }

    /// All types of this version, sorted by wire name.
    pub fn types(&self) -> impl Iterator<Item = &'a TypeDef> + '_ {
        self.types.values().copied()
    }

    /// The Rust name of a type in the model.
    pub fn rust_name(&self, wire: &str) -> Option<&str> {
        self.names.get(wire).map(String::as_str)
    }

    /// The `AnyT` name of a polymorphic type.
    pub fn any_name(&self, wire: &str) -> Option<&str> {
        self.any_names.get(wire).map(String::as_str)
    }

    /// The transitive derived types of a polymorphic type, sorted by wire name.
    pub fn variants(&self, wire: &str) -> &[&'a str] {
        self.variants.get(wire).map(Vec::as_slice).unwrap_or_default()
    }

    /// The fields of an object type: inherited ones first (from the root base down), then its own.
    pub fn fields(&self, wire: &str) -> &[Field<'a>] {
        self.fields.get(wire).map(Vec::as_slice).unwrap_or_default()
    }

    /// The request struct of an operation whose body is a parameter list.
    pub fn request(&self, op_name: &str) -> Option<(&str, &[Field<'a>])> {
        let name = self.request_names.get(op_name)?;
        let fields = self.request_fields.get(op_name).map(Vec::as_slice).unwrap_or_default();
        Some((name, fields))
    }

    /// Whether the parameters of the operation named `op_name` go in its URL, not in a body.
    pub fn request_in_url(&self, op_name: &str) -> bool {
        self.requests_in_url.contains(op_name)
    }

    /// Every request struct, sorted by operation name.
    pub fn requests(&self) -> impl Iterator<Item = (&str, &str, &[Field<'a>])> + '_ {
        self.request_names.iter().map(|(op, name)| {
            (*op, name.as_str(), self.request_fields.get(op).map(Vec::as_slice).unwrap_or_default())
        })
    }

    /// The type definition for a wire name, if the model has it.
    pub fn get(&self, wire: &str) -> Option<&'a TypeDef> {
        self.types.get(wire).copied()
    }

    /// The Rust type of a property or body (without the `Option`), with model types prefixed by
    /// `models` (empty inside the models module). `boxed` wraps a named object type in `Box`.
    pub fn type_tokens(&self, type_ref: &TypeRef, models: &TokenStream, boxed: bool) -> TokenStream {
        match type_ref {
            TypeRef::Primitive(primitive) => primitive_tokens(*primitive),
            TypeRef::Collection(item) => {
                let item = self.type_tokens(item, models, false);
                quote!(Vec<#item>)
            }
            TypeRef::Named(wire) => {
                let Some(def) = self.get(wire) else {
                    return quote!(serde_json::Value);
                };
                let name = match self.any_name(wire) {
                    Some(any) => any,
                    None => self.rust_name(&def.name).unwrap_or("Unnamed"),
                };
                let ident = naming::ident(name);
                if boxed {
                    quote!(Box<#models #ident>)
                } else {
                    quote!(#models #ident)
                }
            }
        }
    }

    /// A sentence for docs when the Rust type loses something the wire type says (a GUID kept as a
    /// string, a type the input does not describe), else `None`.
    pub fn type_note(&self, type_ref: &TypeRef) -> Option<String> {
        match type_ref {
            TypeRef::Primitive(primitive) => primitive_note(*primitive).map(str::to_owned),
            TypeRef::Collection(item) => self.type_note(item),
            TypeRef::Named(wire) if self.get(wire).is_none() => Some(format!(
                "The type `{wire}` is not described by the input pages, so the value is kept as raw JSON."
            )),
            TypeRef::Named(_) => None,
        }
    }

    /// Names fields of every object type, then decides which fields need a `Box` to break a cycle of
    /// by-value containment (a strongly connected component of the containment graph).
    fn object_fields(&self) -> BTreeMap<&'a str, Vec<Field<'a>>> {
        let mut fields: BTreeMap<&'a str, Vec<Field<'a>>> = BTreeMap::new();
        for def in self.types.values().filter(|def| is_object(def)) {
            fields.insert(def.name.as_str(), name_fields(self.inherited_properties(def)));
        }

        // Nodes: one per struct and one per `AnyT` enum (which holds every variant struct by value).
        let mut graph: DiGraph<(), ()> = DiGraph::new();
        let structs: BTreeMap<&str, NodeIndex> =
            fields.keys().map(|wire| (*wire, graph.add_node(()))).collect();
        let anys: BTreeMap<&str, NodeIndex> =
            self.variants.keys().map(|wire| (*wire, graph.add_node(()))).collect();
        let node_of = |wire: &str| anys.get(wire).or_else(|| structs.get(wire)).copied();
        let mut field_targets: Vec<(NodeIndex, NodeIndex, &str, usize)> = Vec::new();
        for (owner, owner_fields) in &fields {
            let Some(&from) = structs.get(owner) else { continue };
            for (index, field) in owner_fields.iter().enumerate() {
                if let TypeRef::Named(target) = &field.property.type_ref {
                    if let Some(to) = node_of(target) {
                        graph.add_edge(from, to, ());
                        field_targets.push((from, to, owner, index));
                    }
                }
            }
        }
        for (base, derived) in &self.variants {
            let Some(&from) = anys.get(base) else { continue };
            for wire in std::iter::once(base).chain(derived.iter()) {
                if let Some(&to) = structs.get(wire) {
                    graph.add_edge(from, to, ());
                }
            }
        }
        let mut component = vec![usize::MAX; graph.node_count()];
        for (id, scc) in tarjan_scc(&graph).into_iter().enumerate() {
            for node in scc {
                if let Some(slot) = component.get_mut(node.index()) {
                    *slot = id;
                }
            }
        }
        for (from, to, owner, index) in field_targets {
            let same = component.get(from.index()) == component.get(to.index());
            if let Some(field) = fields.get_mut(owner).and_then(|list| list.get_mut(index)) {
                field.boxed = same;
            }
        }
        fields
    }

    /// The properties of `def` and of its base types, root base first; a property redeclared lower in
    /// the chain replaces the inherited one in place. A cycle of base types stops the walk.
    fn inherited_properties(&self, def: &'a TypeDef) -> Vec<(&'a Property, Option<&'a str>)> {
        let mut chain = vec![def];
        let mut seen = BTreeSet::from([def.name.as_str()]);
        let mut current = def;
        while let Some(base) = current.base_type.as_deref().and_then(|base| self.get(base)) {
            if !seen.insert(base.name.as_str()) {
                break;
            }
            chain.push(base);
            current = base;
        }
        let mut out: Vec<(&Property, Option<&str>)> = Vec::new();
        let mut index_of: BTreeMap<&str, usize> = BTreeMap::new();
        for ancestor in chain.iter().rev() {
            let from = (ancestor.name != def.name).then_some(ancestor.name.as_str());
            for property in &ancestor.properties {
                match index_of.get(property.name.as_str()) {
                    Some(&index) => {
                        if let Some(slot) = out.get_mut(index) {
                            *slot = (property, from);
                        }
                    }
                    None => {
                        index_of.insert(property.name.as_str(), out.len());
                        out.push((property, from));
                    }
                }
            }
        }
        out
    }
}

/// The member naming an object's type on the wire, which every struct reads into its `odata_type`.
pub const ODATA_TYPE_MEMBER: &str = "@odata.type";

/// Whether a type becomes a struct (entity, complex or unknown object) rather than an enum.
pub fn is_object(def: &TypeDef) -> bool {
    def.kind != TypeKind::Enum
}

/// Gives each property a unique snake_case field name, in order, next to the two fields every struct
/// has (`odata_type`, `additional_properties`). A property a page lists as `@odata.type` is the
/// first of those: a field of its own would write the member twice and never be read.
fn name_fields<'a>(properties: Vec<(&'a Property, Option<&'a str>)>) -> Vec<Field<'a>> {
    let mut scope = Scope::with_reserved(&["odata_type", "additional_properties"]);
    properties
        .into_iter()
        .filter(|(property, _)| property.name != ODATA_TYPE_MEMBER)
        .map(|(property, inherited_from)| Field {
            rust_name: scope.claim(&naming::snake_name(&property.name)),
            property,
            boxed: false,
            inherited_from,
        })
        .collect()
}

/// The Rust type a primitive is read into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RustPrimitive {
    Bool,
    U8,
    I8,
    I16,
    I32,
    I64,
    F64,
    String,
    Json,
}

/// The one mapping of wire primitives to Rust types: the models' tokens and the check of what JSON
/// they read (`fit.rs`) both follow it.
pub fn rust_primitive(primitive: Primitive) -> RustPrimitive {
    match primitive {
        Primitive::Boolean => RustPrimitive::Bool,
        Primitive::Byte => RustPrimitive::U8,
        Primitive::SByte => RustPrimitive::I8,
        Primitive::Int16 => RustPrimitive::I16,
        Primitive::Int32 => RustPrimitive::I32,
        Primitive::Int64 => RustPrimitive::I64,
        Primitive::Single | Primitive::Double | Primitive::Decimal => RustPrimitive::F64,
        Primitive::Json => RustPrimitive::Json,
        Primitive::String
        | Primitive::Guid
        | Primitive::DateTimeOffset
        | Primitive::Date
        | Primitive::TimeOfDay
        | Primitive::Duration
        | Primitive::Binary
        | Primitive::Stream => RustPrimitive::String,
    }
}

fn primitive_tokens(primitive: Primitive) -> TokenStream {
    match rust_primitive(primitive) {
        RustPrimitive::Bool => quote!(bool),
        RustPrimitive::U8 => quote!(u8),
        RustPrimitive::I8 => quote!(i8),
        RustPrimitive::I16 => quote!(i16),
        RustPrimitive::I32 => quote!(i32),
        RustPrimitive::I64 => quote!(i64),
        RustPrimitive::F64 => quote!(f64),
        RustPrimitive::Json => quote!(serde_json::Value),
        RustPrimitive::String => quote!(String),
    }
}

fn primitive_note(primitive: Primitive) -> Option<&'static str> {
    match primitive {
        Primitive::Guid => Some("A GUID, kept as its string form."),
        Primitive::DateTimeOffset => Some("An ISO 8601 timestamp (`DateTimeOffset`), kept as a string."),
        Primitive::Date => Some("A date (`Date`, `YYYY-MM-DD`), kept as a string."),
        Primitive::TimeOfDay => Some("A time of day (`TimeOfDay`, `hh:mm:ss`), kept as a string."),
        Primitive::Duration => Some("An ISO 8601 duration (`Duration`), kept as a string."),
        Primitive::Binary => Some("Base64-encoded binary data (`Binary`), kept as a string."),
        Primitive::Stream => Some("Stream content (`Stream`), kept as a string."),
        Primitive::Decimal => Some("A decimal (`Decimal`), read as a 64-bit float."),
        Primitive::Single => Some("A 32-bit float (`Single`), read as a 64-bit float."),
        Primitive::Json => Some("Any JSON value."),
        _ => None,
    }
}
