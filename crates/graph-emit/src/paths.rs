//! Request builders: a tree of path nodes built from every path of every operation of a version, one
//! struct per node, one method per child segment and one method per operation ending there, returning
//! a `graph_runtime::Request` (query options typed by an [`options`] marker) that is sent on `.await`.
//!
//! The tree is planned first ([`PathPlan`]: node names, method names) and emitted second, so the
//! generated example tests walk exactly the method chain the builders offer.

use std::collections::{BTreeMap, BTreeSet};

use graph_ir::{
    ApiVersion, HttpMethod, Narrowing, Operation, PathSegment, PathTemplate, Primitive, RequestBody, TypeRef,
};
use proc_macro2::TokenStream;
use quote::quote;

use crate::areas::{AreaSet, Areas};
use crate::catalog::{self, Catalog};
use crate::docs::{self, code, Doc};
use crate::naming::{self, Scope};
use crate::options;

/// Names the paths module imports; a builder that would shadow one gets a suffix.
pub const PATHS_RESERVED: &[&str] =
    &["Box", "Client", "Method", "Operation", "Option", "RequestPath", "Result", "String", "Vec"];

/// Method names clippy's `should_implement_trait` reserves for std traits (`clone`, `next`, …): a path
/// segment with one of these names gets a numeric suffix (`clone2`) instead.
const TRAIT_METHODS: &[&str] = &[
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "clone",
    "cmp",
    "default",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "eq",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "partial_cmp",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// Methods of the version's `Client` itself (`Client::new`, `Client::runtime`): a first path segment
/// with one of these names gets a numeric suffix instead (`/new/…` → `new2`).
const CLIENT_METHODS: &[&str] = &["new", "runtime"];

/// The scope of a node's methods: what clippy reserves everywhere, and at the root, the client's own.
fn method_scope(node: &[SegKey]) -> Scope {
    if node.is_empty() {
        Scope::with_reserved(&[TRAIT_METHODS, CLIENT_METHODS].concat())
    } else {
        Scope::with_reserved(TRAIT_METHODS)
    }
}

/// One segment of a node's key: what distinguishes two children of a node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SegKey {
    Literal(String),
    Param(String),
    Cast(String),
    /// A function call: the segment as written (`getReport(period='{period}')`), its function name and
    /// the parameters in its arguments, in order.
    Call {
        raw: String,
        name: String,
        params: Vec<String>,
    },
}

/// A child edge: the method on the parent that reaches the child.
#[derive(Debug, Clone)]
pub struct Child {
    pub method: String,
    /// The method's `&str` arguments (a key for `by_id`, function parameters for a call).
    pub args: Vec<String>,
}

/// An operation method on a node.
#[derive(Debug, Clone)]
pub struct Leaf<'a> {
    pub op: &'a Operation,
    pub path: &'a PathTemplate,
    pub method: String,
}

/// One node of the tree: the root (the version's `Client`) or a builder struct.
#[derive(Debug, Default)]
pub struct Node<'a> {
    /// The builder struct's name (empty for the root).
    pub struct_name: String,
    pub children: BTreeMap<SegKey, Child>,
    pub leaves: Vec<Leaf<'a>>,
}

/// The whole tree of one version, keyed by the segment keys from the root.
pub struct PathPlan<'a> {
    pub version: ApiVersion,
    pub nodes: BTreeMap<Vec<SegKey>, Node<'a>>,
    /// The `Operation` const of each operation that has at least one path, by operation name.
    pub consts: BTreeMap<&'a str, String>,
    /// `Builder::method` for each operation's first path, by operation name.
    first_path_methods: BTreeMap<&'a str, String>,
    /// The areas of the input, and of each node (the areas of the operations at or below it).
    areas: Areas,
    node_areas: BTreeMap<Vec<SegKey>, AreaSet>,
}

impl<'a> PathPlan<'a> {
    /// Plans the tree for the operations of one version (in the IR's sorted order).
    pub fn new(version: ApiVersion, operations: &[&'a Operation]) -> PathPlan<'a> {
        let mut nodes: BTreeMap<Vec<SegKey>, Node<'a>> = BTreeMap::new();
        nodes.insert(Vec::new(), Node::default());
        let mut leaves: BTreeMap<Vec<SegKey>, Vec<(&'a Operation, &'a PathTemplate)>> = BTreeMap::new();
        for op in operations {
            for path in &op.paths {
                let key = segment_keys(path);
                for depth in 1..=key.len() {
                    let prefix = key.get(..depth).unwrap_or_default();
                    nodes.entry(prefix.to_vec()).or_default();
                }
                let here = leaves.entry(key).or_default();
                if !here.iter().any(|(seen, _)| seen.name == op.name && seen.method == op.method) {
                    here.push((op, path));
                }
            }
        }

        // Struct names, in key order so collisions resolve the same way every time.
        let mut types = Scope::with_reserved(PATHS_RESERVED);
        for (key, node) in nodes.iter_mut() {
            if !key.is_empty() {
                node.struct_name = types.claim(&struct_name(key));
            }
        }

        // Children: for every non-root key, register the edge on its parent.
        let edges: Vec<(Vec<SegKey>, SegKey)> = nodes
            .keys()
            .filter_map(|key| {
                let (last, parent) = key.split_last()?;
                Some((parent.to_vec(), last.clone()))
            })
            .collect();
        let mut by_parent: BTreeMap<Vec<SegKey>, Vec<SegKey>> = BTreeMap::new();
        for (parent, segment) in edges {
            by_parent.entry(parent).or_default().push(segment);
        }
        for (parent, segments) in by_parent {
            let Some(node) = nodes.get_mut(&parent) else { continue };
            let params = segments.iter().filter(|segment| matches!(segment, SegKey::Param(_))).count();
            let mut methods = method_scope(&parent);
            for segment in segments {
                let child = child_method(&segment, params, &mut methods);
                node.children.insert(segment, child);
            }
            // Leaf methods are claimed after the children, in the same scope.
            if let Some(list) = leaves.remove(&parent) {
                node.leaves = leaf_methods(list, &mut methods);
            }
        }
        for (key, list) in leaves {
            if let Some(node) = nodes.get_mut(&key) {
                node.leaves = leaf_methods(list, &mut method_scope(&key));
            }
        }

        let mut const_scope = Scope::default();
        let consts = operations
            .iter()
            .filter(|op| !op.paths.is_empty())
            .map(|op| (op.name.as_str(), const_scope.claim(&const_name(&op.name))))
            .collect();
        let mut first_path_methods = BTreeMap::new();
        for node in nodes.values() {
            for leaf in &node.leaves {
                let is_first = leaf.op.paths.first().is_some_and(|first| first.raw == leaf.path.raw);
                if is_first && !node.struct_name.is_empty() {
                    let target = format!("{}::{}", node.struct_name, naming::unraw(&leaf.method));
                    first_path_methods.entry(leaf.op.name.as_str()).or_insert(target);
                }
            }
        }
        PathPlan {
            version,
            nodes,
            consts,
            first_path_methods,
            areas: Areas::default(),
            node_areas: BTreeMap::new(),
        }
    }

    /// The method sending the operation named `op_name` at the node of `template`.
    fn leaf_named(&self, template: &PathTemplate, op_name: &str) -> Option<&Leaf<'a>> {
        let node = self.nodes.get(&segment_keys(template))?;
        node.leaves.iter().find(|leaf| leaf.op.name == op_name)
    }

    /// Gates nodes and operations by the areas of `areas` (nothing is gated when it has none).
    pub fn with_areas(mut self, areas: &Areas) -> PathPlan<'a> {
        self.areas = areas.clone();
        if areas.gated() {
            for (key, node) in &self.nodes {
                for leaf in &node.leaves {
                    let op_areas = areas.of(leaf.op);
                    for depth in 0..=key.len() {
                        let prefix = key.get(..depth).unwrap_or_default().to_vec();
                        self.node_areas.entry(prefix).or_default().extend(op_areas.iter().cloned());
                    }
                }
            }
        }
        self
    }

    /// `#[cfg(…)]` for the builder of `key` and the methods reaching it.
    pub fn node_attribute(&self, key: &[SegKey]) -> TokenStream {
        self.areas.attribute(self.node_areas.get(key).unwrap_or(&AreaSet::new()))
    }

    /// The areas of the builder of `key`.
    fn node_set(&self, key: &[SegKey]) -> AreaSet {
        self.node_areas.get(key).cloned().unwrap_or_default()
    }

    /// The area set of one operation (empty when ungated).
    pub fn op_set(&self, op: &Operation) -> AreaSet {
        match self.areas.gated() {
            true => self.areas.of(op),
            false => AreaSet::new(),
        }
    }

    /// `#[cfg(…)]` for an operation's method.
    fn op_attribute(&self, op: &Operation) -> TokenStream {
        self.areas.attribute(&self.op_set(op))
    }

    /// A marker gating the top-level items after it to an operation's area.
    pub fn op_marker(&self, op: &Operation) -> TokenStream {
        self.areas.marker(&self.op_set(op))
    }

    /// For a leaf that is not at its operation's first path: `Builder::method` of the leaf that is.
    pub fn first_path_method(&self, leaf: &Leaf<'_>) -> Option<&str> {
        let first = leaf.op.paths.first()?;
        if first.raw == leaf.path.raw {
            return None;
        }
        self.first_path_methods.get(leaf.op.name.as_str()).map(String::as_str)
    }

    /// The method that sends `op` at the node of `template`.
    pub fn leaf(&self, template: &PathTemplate, op: &Operation) -> Option<&Leaf<'a>> {
        self.leaf_named(template, &op.name).filter(|leaf| leaf.op.method == op.method)
    }

    /// The method calls from the version's `Client` to the node of `template`, with `values` (one per
    /// parameter segment or call parameter, in order) as arguments. `None` if the tree lacks the path.
    pub fn chain(&self, template: &PathTemplate, values: &[String]) -> Option<TokenStream> {
        let key = segment_keys(template);
        let mut values = values.iter();
        let mut calls = TokenStream::new();
        for depth in 0..key.len() {
            let parent = self.nodes.get(key.get(..depth)?)?;
            let child = parent.children.get(key.get(depth)?)?;
            let method = naming::ident(&child.method);
            let args: Vec<&String> = child.args.iter().map(|_| values.next()).collect::<Option<_>>()?;
            calls.extend(quote!(.#method(#(#args),*)));
        }
        Some(calls)
    }
}

/// The segment keys of a template; call segments keep their text from the raw template when the raw
/// text splits into the same number of segments.
pub fn segment_keys(path: &PathTemplate) -> Vec<SegKey> {
    let pieces: Vec<&str> = path.raw.trim_start_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    let raw_matches = pieces.len() == path.segments.len();
    path.segments
        .iter()
        .enumerate()
        .map(|(index, segment)| match segment {
            PathSegment::Literal { name } => SegKey::Literal(name.clone()),
            PathSegment::Parameter { name } => SegKey::Param(name.clone()),
            PathSegment::Cast { namespace, type_name } => SegKey::Cast(format!("{namespace}.{type_name}")),
            PathSegment::Call { name, arguments } => {
                let raw = match pieces.get(index) {
                    Some(piece) if raw_matches => (*piece).to_owned(),
                    _ => synthesized_call(name, arguments),
                };
                let params = arguments.iter().filter_map(|argument| argument.parameter.clone()).collect();
                SegKey::Call { raw, name: name.clone(), params }
            }
        })
        .collect()
}

/// `name(a='{a}',b=raw)` for a call segment whose raw text is unavailable.
fn synthesized_call(name: &str, arguments: &[graph_ir::CallArgument]) -> String {
    let arguments: Vec<String> = arguments
        .iter()
        .map(|argument| match &argument.parameter {
            Some(parameter) => format!("{}='{{{parameter}}}'", argument.name),
            None => format!("{}={}", argument.name, argument.raw),
        })
        .collect();
    format!("{name}({})", arguments.join(","))
}

/// The builder struct name for a key: UpperCamel of the segments, parameters as `Item`, casts as
/// `As<Type>`.
fn struct_name(key: &[SegKey]) -> String {
    key.iter()
        .map(|segment| match segment {
            SegKey::Literal(name) => naming::type_name(name),
            SegKey::Param(_) => "Item".to_owned(),
            SegKey::Cast(name) => format!("As{}", naming::type_name(short_name(name))),
            SegKey::Call { name, .. } => naming::type_name(short_name(name)),
        })
        .collect()
}

/// `microsoft.graph.delta` → `delta`: the namespace adds nothing to a method or struct name.
fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn child_method(segment: &SegKey, params_here: usize, scope: &mut Scope) -> Child {
    match segment {
        SegKey::Literal(name) => Child { method: scope.claim(&naming::snake_name(name)), args: Vec::new() },
        SegKey::Param(_) if params_here <= 1 => {
            Child { method: scope.claim("by_id"), args: vec!["id".to_owned()] }
        }
        SegKey::Param(name) => {
            let arg = naming::snake_name(name);
            Child { method: scope.claim(&format!("by_{}", naming::unraw(&arg))), args: vec![arg] }
        }
        SegKey::Cast(name) => Child {
            method: scope.claim(&format!("as_{}", naming::unraw(&naming::snake_name(short_name(name))))),
            args: Vec::new(),
        },
        SegKey::Call { name, params, .. } => {
            let mut arg_scope = Scope::default();
            let args = params.iter().map(|param| arg_scope.claim(&naming::snake_name(param))).collect();
            Child { method: scope.claim(&naming::snake_name(short_name(name))), args }
        }
    }
}

/// Names the operation methods of one node: `post`, `get`, … or, when two operations share an HTTP
/// method here, each operation's own name.
fn leaf_methods<'a>(list: Vec<(&'a Operation, &'a PathTemplate)>, scope: &mut Scope) -> Vec<Leaf<'a>> {
    let mut per_method: BTreeMap<HttpMethod, usize> = BTreeMap::new();
    for (op, _) in &list {
        *per_method.entry(op.method).or_default() += 1;
    }
    list.into_iter()
        .map(|(op, path)| {
            let shared = per_method.get(&op.method).copied().unwrap_or_default() > 1;
            let candidate =
                if shared { naming::snake_name(&op.name) } else { docs::method_word(op.method).to_owned() };
            Leaf { op, path, method: scope.claim(&candidate) }
        })
        .collect()
}

/// SCREAMING_SNAKE_CASE const name for an operation.
fn const_name(op_name: &str) -> String {
    naming::unraw(&naming::snake_name(op_name)).trim_end_matches('_').to_ascii_uppercase()
}

/// The body type an operation sends, with model types under `models`.
pub fn body_type(op: &Operation, catalog: &Catalog<'_>, models: &TokenStream) -> Option<TokenStream> {
    match &op.request_body {
        Some(RequestBody::Resource { type_ref, .. }) => Some(catalog.type_tokens(type_ref, models, false)),
        Some(RequestBody::Parameters { .. }) => {
            let (name, _) = catalog.request(&op.name)?;
            let ident = naming::ident(name);
            Some(quote!(#models #ident))
        }
        None => None,
    }
}

/// What an operation's success response decodes into.
pub enum ResponseShape<'o> {
    /// `{"value": [...]}`, read as `graph_runtime::odata::Collection` of this item type.
    Collection(&'o TypeRef),
    /// A primitive or enum result, which OData sends as `{"value": …}`: read as
    /// `graph_runtime::odata::Single` of its type.
    Single(&'o TypeRef),
    /// An `Edm.Stream` result: the body's bytes as they came (`graph_runtime::Raw`). The pages'
    /// examples show a `{"value": "<base64>"}` object; no shape is assumed.
    Raw,
    /// An object (or a type the input does not describe), read as its model.
    Model(&'o TypeRef),
}

/// The shape of an operation's success response; `None` when it has no body (204 or none documented).
pub fn response_shape<'o>(op: &'o Operation, catalog: &Catalog<'_>) -> Option<ResponseShape<'o>> {
    if op.response.status == 204 {
        return None;
    }
    let body = op.response.body.as_ref()?;
    Some(match body {
        TypeRef::Collection(item) => ResponseShape::Collection(item),
        TypeRef::Primitive(Primitive::Stream) => ResponseShape::Raw,
        single @ TypeRef::Primitive(_) => ResponseShape::Single(single),
        TypeRef::Named(name) if catalog.get(name).is_some_and(|def| def.kind == graph_ir::TypeKind::Enum) => {
            ResponseShape::Single(body)
        }
        named @ TypeRef::Named(_) => ResponseShape::Model(named),
    })
}

/// The type an operation's success response decodes into (see [`response_shape`]).
pub fn response_type(op: &Operation, catalog: &Catalog<'_>, models: &TokenStream) -> Option<TokenStream> {
    Some(match response_shape(op, catalog)? {
        ResponseShape::Collection(item) => {
            let item = catalog.type_tokens(item, models, false);
            quote!(graph_runtime::odata::Collection<#item>)
        }
        ResponseShape::Single(type_ref) => {
            let value = catalog.type_tokens(type_ref, models, false);
            quote!(graph_runtime::odata::Single<#value>)
        }
        ResponseShape::Raw => quote!(graph_runtime::Bytes),
        ResponseShape::Model(type_ref) => catalog.type_tokens(type_ref, models, false),
    })
}

/// The `E` of an operation's `graph_runtime::Request`: `Paged<T>` for a list, `Raw` for a stream,
/// `JsonOrNoContent<T>` for an update's body, `Json<T>` for another body, `NoContent` for none.
fn expect_type(op: &Operation, catalog: &Catalog<'_>, models: &TokenStream) -> TokenStream {
    match (&op.response.body, is_paged(op)) {
        (Some(TypeRef::Collection(item)), true) => {
            let item = catalog.type_tokens(item, models, false);
            quote!(graph_runtime::Paged<#item>)
        }
        _ if matches!(response_shape(op, catalog), Some(ResponseShape::Raw)) => quote!(graph_runtime::Raw),
        _ => match response_type(op, catalog, models) {
            Some(response) if catalog::may_answer_without_body(op) => {
                quote!(graph_runtime::JsonOrNoContent<#response>)
            }
            Some(response) => quote!(graph_runtime::Json<#response>),
            None => quote!(graph_runtime::NoContent),
        },
    }
}

/// A word for grouping builders and tests by path: the segment's name, `item` for a parameter.
pub fn key_word(segment: &SegKey) -> String {
    match segment {
        SegKey::Literal(name) => name.clone(),
        SegKey::Cast(name) => short_name(name).to_owned(),
        SegKey::Param(_) => "item".to_owned(),
        SegKey::Call { name, .. } => short_name(name).to_owned(),
    }
}

/// The text of a node's path: `/deviceManagement/deviceConfigurations/{deviceConfigurationId}`.
pub fn key_text(key: &[SegKey]) -> String {
    if key.is_empty() {
        return "/".to_owned();
    }
    key.iter()
        .map(|segment| match segment {
            SegKey::Literal(name) | SegKey::Cast(name) => format!("/{name}"),
            SegKey::Param(name) => format!("/{{{name}}}"),
            SegKey::Call { raw, .. } => format!("/{raw}"),
        })
        .collect()
}

/// How a node's methods reach the runtime client and the node's path (differs for the root `Client`).
pub struct Receiver {
    pub client: TokenStream,
    /// The node's path, borrowed for `literal`/`param` (`self.path`).
    pub path: TokenStream,
    /// The node's path as an owned value for an operation's request (`self.path.clone()`).
    pub owned_path: TokenStream,
    /// Prefix for builder struct names (`paths::` from the version module, empty inside paths).
    pub builders: TokenStream,
    /// Prefix for model names (`models::` from paths and from the version module).
    pub models: TokenStream,
    /// Prefix for the `Operation` consts (`paths::` from the version module, empty inside paths).
    pub consts: TokenStream,
}

/// The `impl` body of a node: child methods then operation methods.
pub fn node_methods(
    plan: &PathPlan<'_>,
    key: &[SegKey],
    catalog: &Catalog<'_>,
    receiver: &Receiver,
) -> TokenStream {
    let Some(node) = plan.nodes.get(key) else { return TokenStream::new() };
    let Receiver { client, path, owned_path, builders, models, consts } = receiver;
    let mut out = TokenStream::new();
    for (segment, child) in &node.children {
        let mut child_key = key.to_vec();
        child_key.push(segment.clone());
        let Some(child_node) = plan.nodes.get(&child_key) else { continue };
        let child_type = naming::ident(&child_node.struct_name);
        let method = naming::ident(&child.method);
        let args: Vec<proc_macro2::Ident> = child.args.iter().map(|arg| naming::ident(arg)).collect();
        let new_path = match segment {
            SegKey::Literal(name) | SegKey::Cast(name) => quote!(#path.literal(#name)),
            SegKey::Param(_) => quote!(#path.param(#(#args)*)),
            SegKey::Call { raw, params, .. } => {
                let (format, quoted) = call_format(raw, params);
                let values = args
                    .iter()
                    .zip(quoted)
                    .map(|(arg, quoted)| quote!(graph_runtime::RequestPath::call_argument(#arg, #quoted)));
                quote!(#path.param(&format!(#format, #(#values),*)))
            }
        };
        let mut doc = Doc::new(format!("The {} path.", code(&key_text(&child_key))));
        if !args.is_empty() {
            doc.paragraph("Arguments are sent percent-encoded, each inside its own path segment.");
        }
        let doc = doc.outer();
        let cfg = plan.node_attribute(&child_key);
        out.extend(quote! {
            #doc
            #cfg
            #[inline]
            pub fn #method(&self #(, #args: &str)*) -> #builders #child_type {
                #builders #child_type { client: #client.clone(), path: #new_path }
            }
        });
    }
    for leaf in &node.leaves {
        let Some(const_name) = plan.consts.get(leaf.op.name.as_str()) else { continue };
        let op_const = naming::ident(const_name);
        let method = naming::ident(&leaf.method);
        let mut doc = docs::operation_doc(leaf.op, &leaf.path.raw, plan.first_path_method(leaf));
        let takes_options = !leaf.op.query_options.is_empty();
        if takes_options || is_paged(leaf.op) {
            doc.paragraph(format!(
                "Returns a request: {}{}.",
                if takes_options {
                    "set its query options, then `.await` it"
                } else {
                    "`.await` it for the first page"
                },
                if is_paged(leaf.op) { ", or walk the whole list with `.pager()` or `.items()`" } else { "" }
            ));
        }
        if let Some(ResponseShape::Single(_)) = response_shape(leaf.op, catalog) {
            doc.paragraph(
                "OData sends the result as `{\"value\": …}`: `.await` yields a `graph_runtime::odata::Single`, \
                 whose `.value` is the result.",
            );
        }
        if let Some(narrowing) = &leaf.op.narrowed {
            doc.paragraph(narrowing_doc(leaf.op, narrowing, plan));
        }
        if catalog::sends_arguments(leaf.op) {
            doc.paragraph(
                "The page lists the parameters as a request body, but a `GET` sends none: they go in the \
                 URL, as a function takes them (`name(a='x',n=2)`, a collection or an object by an alias in \
                 the query).",
            );
        }
        let doc = doc.outer();
        let cfg = plan.op_attribute(leaf.op);
        let expect = expect_type(leaf.op, catalog, models);
        let options = options::options_type(leaf.op);
        let new_request = quote!(graph_runtime::Request::new(&#client, #consts #op_const, #owned_path));
        // A body or arguments go on in a second statement: prettyplease indents a method called on a
        // call that breaks over lines one level too deep.
        // `#[inline]`: each method only builds a value, so its code is generated where it is called.
        out.extend(match body_type(leaf.op, catalog, models) {
            Some(parameters) if catalog::sends_arguments(leaf.op) => {
                let bare = bare_arguments(leaf.op);
                quote! {
                    #doc
                    #cfg
                    #[inline]
                    pub fn #method(&self, parameters: &#parameters) -> graph_runtime::Request<'static, #expect, #options> {
                        let request = #new_request;
                        request.arguments(parameters, &[#(#bare),*])
                    }
                }
            }
            Some(body) => {
                let with_body = match catalog::body_odata_type(leaf.op, catalog) {
                    Some(odata_type) => quote!(request.body(body).body_type(#odata_type)),
                    None => quote!(request.body(body)),
                };
                quote! {
                    #doc
                    #cfg
                    #[inline]
                    pub fn #method<'body>(&self, body: &'body #body) -> graph_runtime::Request<'body, #expect, #options, #body> {
                        let request = #new_request;
                        #with_body
                    }
                }
            }
            None => quote! {
                #doc
                #cfg
                #[inline]
                pub fn #method(&self) -> graph_runtime::Request<'static, #expect, #options> {
                    #new_request
                }
            },
        });
    }
    out
}

/// What a `GET` whose path also answers other types does with them.
fn narrowing_doc(op: &Operation, narrowing: &Narrowing, plan: &PathPlan<'_>) -> String {
    let own = code(narrowing.kept.first().map(String::as_str).unwrap_or_default());
    let derived = match narrowing.kept.len() {
        1 => "",
        _ => " (or of a type derived from it)",
    };
    let what = match is_paged(op) {
        true => format!(
            "`.await`, `.pager()` and `.items()` keep the items of type {own}{derived} and leave the others \
             out, so a page may hold fewer items than `$top` asks for, or none, and `@odata.count` counts \
             them all; an item without `@odata.type` is kept."
        ),
        false => format!(
            "An object of another type is a `graph_runtime::Error::Decode` at `@odata.type`, not an object of \
             type {own} with the wrong fields; an object without `@odata.type` is read."
        ),
    };
    let wider = plan.leaf_named(&narrowing.wider_path, &narrowing.wider_operation);
    let every = match wider.map(|leaf| is_paged(leaf.op)) {
        Some(true) => "every",
        _ => "any",
    };
    let method = wider.map(|leaf| format!(" (`{}`)", naming::unraw(&leaf.method))).unwrap_or_default();
    format!(
        "The service answers other types here too: another page documents {} answering {every} {}{method}. {what}",
        code(&format!("GET {}", narrowing.wider_path.raw)),
        code(&narrowing.wider_type),
    )
}

/// The parameters of such a function whose values OData writes unquoted: GUIDs, dates, times and
/// durations (the models hold them as strings).
pub fn bare_arguments(op: &Operation) -> Vec<&str> {
    let Some(RequestBody::Parameters { parameters, .. }) = &op.request_body else { return Vec::new() };
    parameters
        .iter()
        .filter(|parameter| {
            matches!(
                parameter.type_ref,
                TypeRef::Primitive(
                    Primitive::Guid
                        | Primitive::DateTimeOffset
                        | Primitive::Date
                        | Primitive::TimeOfDay
                        | Primitive::Duration
                )
            )
        })
        .map(|parameter| parameter.name.as_str())
        .collect()
}

/// A `GET` whose success response is a collection: the list pages.
fn is_paged(op: &Operation) -> bool {
    op.method == HttpMethod::GET
        && op.response.status != 204
        && matches!(op.response.body, Some(TypeRef::Collection(_)))
}

/// A `format!` string for a call segment (`getReport(period='{}')`, literal braces doubled) and, per
/// parameter, whether it sits inside quotes (then a `'` in the value is doubled, as OData escapes it).
pub fn call_format(raw: &str, params: &[String]) -> (String, Vec<bool>) {
    let mut format = String::new();
    let mut quoted = Vec::new();
    let mut rest = raw;
    'outer: while !rest.is_empty() {
        for param in params {
            let placeholder = format!("{{{param}}}");
            if let Some(after) = rest.strip_prefix(placeholder.as_str()) {
                quoted.push(format.ends_with('\''));
                format.push_str("{}");
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        match chars.next() {
            Some('{') => format.push_str("{{"),
            Some('}') => format.push_str("}}"),
            Some(c) => format.push(c),
            None => break,
        }
        rest = chars.as_str();
    }
    // A parameter named in the arguments but missing from the text is appended, so every method
    // argument is used.
    while quoted.len() < params.len() {
        format.push_str("{}");
        quoted.push(false);
    }
    (format, quoted)
}

fn method_tokens(method: HttpMethod) -> TokenStream {
    match method {
        HttpMethod::GET => quote!(Method::Get),
        HttpMethod::POST => quote!(Method::Post),
        HttpMethod::PATCH => quote!(Method::Patch),
        HttpMethod::PUT => quote!(Method::Put),
        HttpMethod::DELETE => quote!(Method::Delete),
    }
}

/// `.narrowed_to(&[…])` for an operation whose path also answers other types, else nothing.
fn narrowed_to(op: &Operation) -> TokenStream {
    match &op.narrowed {
        Some(narrowing) => {
            let kept = &narrowing.kept;
            quote!(.narrowed_to(&[#(#kept),*]))
        }
        None => TokenStream::new(),
    }
}

/// The items of a version's paths module.
pub struct PathItems {
    /// Items for the module's top: the consts of operations at the root path.
    pub top: TokenStream,
    /// One item per builder (with the consts of operations whose first path ends there), by key.
    pub builders: Vec<(Vec<SegKey>, TokenStream)>,
    /// Whether any `Operation` const was emitted (the module then imports `Method` and `Operation`).
    pub has_consts: bool,
}

/// The module-level items of the paths module: the `Operation` consts and every builder struct.
pub fn path_items(plan: &PathPlan<'_>, catalog: &Catalog<'_>) -> PathItems {
    let version = plan.version.as_str();
    // Each operation's const sits beside the builder of its first path (or at the top for the root),
    // so splitting builders into areas splits the consts with them.
    let mut consts_at: BTreeMap<Vec<SegKey>, TokenStream> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (key, node) in &plan.nodes {
        for leaf in &node.leaves {
            let op = leaf.op;
            let is_first = op.paths.first().is_some_and(|first| first.raw == leaf.path.raw);
            if !is_first || !seen.insert(op.name.as_str()) {
                continue;
            }
            let Some(name) = plan.consts.get(op.name.as_str()) else { continue };
            let ident = naming::ident(name);
            let method = method_tokens(op.method);
            let template = &leaf.path.raw;
            let doc = Doc::new(format!("The {} operation.", code(&op.name))).outer();
            let marker = plan.op_marker(op);
            let narrowed = narrowed_to(op);
            consts_at.entry(key.clone()).or_default().extend(quote! {
                #marker
                #doc
                pub(crate) const #ident: Operation = Operation::new(#method, #version, #template) #narrowed;
            });
        }
    }
    let mut consts = consts_at.remove(&Vec::new()).unwrap_or_default();
    // Not expected (every first path has its leaf), but an operation must never lose its const.
    for (op_name, name) in &plan.consts {
        let Some(op) = plan
            .nodes
            .values()
            .flat_map(|node| &node.leaves)
            .map(|leaf| leaf.op)
            .find(|op| op.name == *op_name)
        else {
            continue;
        };
        if seen.insert(op.name.as_str()) {
            let ident = naming::ident(name);
            let method = method_tokens(op.method);
            let template = op.paths.first().map(|path| path.raw.as_str()).unwrap_or("/");
            let marker = plan.op_marker(op);
            let narrowed = narrowed_to(op);
            consts.extend(quote! {
                #marker
                pub(crate) const #ident: Operation = Operation::new(#method, #version, #template) #narrowed;
            });
        }
    }
    let has_consts = !seen.is_empty();

    let receiver = Receiver {
        client: quote!(self.client),
        path: quote!(self.path),
        owned_path: quote!(self.path.clone()),
        builders: TokenStream::new(),
        models: quote!(models::),
        consts: TokenStream::new(),
    };
    let mut builders = Vec::new();
    for (key, node) in &plan.nodes {
        if key.is_empty() {
            continue;
        }
        let ident = naming::ident(&node.struct_name);
        let mut doc = Doc::new(format!("Request builder for {}.", code(&key_text(key))));
        let operations: Vec<String> = node
            .leaves
            .iter()
            .map(|leaf| {
                format!(
                    "{} ({})",
                    code(&format!("{} {}", leaf.op.method.as_str(), leaf.path.raw)),
                    code(&leaf.method)
                )
            })
            .collect();
        if !operations.is_empty() {
            doc.paragraph("Operations here:");
            doc.list(operations);
        }
        let doc = doc.outer();
        let methods = node_methods(plan, key, catalog, &receiver);
        let consts_here = consts_at.remove(key).unwrap_or_default();
        let node_marker = plan.areas.marker(&plan.node_set(key));
        builders.push((
            key.clone(),
            quote! {
                #consts_here
                #node_marker

                #doc
                #[derive(Debug, Clone)]
                pub struct #ident {
                    pub(crate) client: Client,
                    pub(crate) path: RequestPath,
                }

                impl #ident {
                    #methods
                }
            },
        ));
    }
    PathItems { top: consts, builders, has_consts }
}
