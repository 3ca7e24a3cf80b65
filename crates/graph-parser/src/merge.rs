//! Merging: every page's model → one [`Api`].
//!
//! Passes, in order: check links against the set of pages; merge operations that several pages describe
//! (same version, method and path); merge type definitions by (version, name); infer types, properties
//! and enum members from example JSON; link base and derived types; make operation names unique; sort.
//! The result does not depend on the order the pages arrive in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use graph_ir::{
    Api, ApiVersion, Diagnostic, DiagnosticCode, EnumMember, Operation, Origin, PageModel, PathSegment,
    PermissionScopes, Primitive, Property, RequestBody, Severity, Span, TypeDef, TypeKind, TypeRef,
};
use rayon::prelude::*;
use serde_json::Value;

type TypeKey = (ApiVersion, String);

pub fn build_api(mut pages: Vec<PageModel>) -> Api {
    pages.sort_by(|a, b| a.summary.file.cmp(&b.summary.file));
    let files = InputFiles::new(&pages);
    let mut diagnostics: Vec<Diagnostic> =
        pages.par_iter().flat_map_iter(|page| check_links(page, &files)).collect();
    let placeholder_counts: BTreeMap<String, usize> = pages
        .iter()
        .map(|p| {
            let count = p.diagnostics.iter().filter(|d| d.code == DiagnosticCode::TodoPlaceholder).count();
            (p.summary.file.clone(), count)
        })
        .collect();

    let mut api = Api::default();
    api.pages.reserve(pages.len());
    diagnostics.reserve(pages.iter().map(|page| page.diagnostics.len()).sum());
    let mut versions: BTreeMap<ApiVersion, VersionInput> = BTreeMap::new();
    for page in pages {
        api.pages.push(page.summary);
        diagnostics.extend(page.diagnostics);
        if let Some(operation) = page.operation {
            versions.entry(operation.version).or_default().operations.push(operation);
        }
        for def in page.types {
            versions.entry(def.version).or_default().types.push(def);
        }
    }

    // Nothing below crosses versions (every key starts with the version), so each version is merged
    // on its own thread; in version order, the results are what one pass over all would give.
    let merged: Vec<MergedVersion> = versions
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|input| merge_version(input, &placeholder_counts))
        .collect();
    for version in merged {
        api.operations.extend(version.operations);
        api.types.extend(version.types.into_values());
        diagnostics.extend(version.diagnostics);
    }
    for def in &mut api.types {
        def.properties.sort_by(|a, b| a.name.cmp(&b.name));
        def.sources.sort();
        def.sources.dedup();
    }
    diagnostics.sort();
    diagnostics.dedup();
    api.diagnostics = diagnostics;
    api
}

/// The operations and types of one API version, in page order.
#[derive(Default)]
struct VersionInput {
    operations: Vec<Operation>,
    types: Vec<TypeDef>,
}

struct MergedVersion {
    /// Sorted, with distinct names.
    operations: Vec<Operation>,
    types: BTreeMap<TypeKey, TypeDef>,
    diagnostics: Vec<Diagnostic>,
}

/// Merges, infers, links and names one version's operations and types.
fn merge_version(input: VersionInput, placeholder_counts: &BTreeMap<String, usize>) -> MergedVersion {
    // Types and operations merge independently of each other; inference then needs both.
    let ((mut types, mut diagnostics), (mut operations, operation_diagnostics)) = rayon::join(
        || {
            let mut diagnostics = Vec::new();
            let mut types: BTreeMap<TypeKey, TypeDef> = BTreeMap::new();
            for def in input.types {
                merge_type(&mut types, def, &mut diagnostics);
            }
            (types, diagnostics)
        },
        || {
            let mut diagnostics = Vec::new();
            let operations = merge_operations(input.operations, placeholder_counts, &mut diagnostics);
            (operations, diagnostics)
        },
    );
    diagnostics.extend(operation_diagnostics);
    for operation in &operations {
        infer_from_examples(operation, &mut types, &mut diagnostics);
    }
    link_derived_types(&mut types);
    drop_inherited_properties(&mut types);
    report_undefined_types(&operations, &types, &mut diagnostics);
    operations.sort_by(|a, b| operation_order(a).cmp(&operation_order(b)));
    make_names_unique(&mut operations, &mut diagnostics);
    MergedVersion { operations, types, diagnostics }
}

fn operation_order(op: &Operation) -> (ApiVersion, &str, graph_ir::HttpMethod) {
    (op.version, op.paths.first().map_or("", |p| p.raw.as_str()), op.method)
}

/// The input's file names, for answering links: exactly, or ignoring ASCII case (the docs site
/// serves either spelling).
struct InputFiles<'a> {
    exact: BTreeSet<&'a str>,
    lowercase: BTreeSet<String>,
}

impl<'a> InputFiles<'a> {
    fn new(pages: &'a [PageModel]) -> InputFiles<'a> {
        let exact: BTreeSet<&str> = pages.iter().map(|p| p.summary.file.as_str()).collect();
        let lowercase = exact.iter().map(|file| file.to_ascii_lowercase()).collect();
        InputFiles { exact, lowercase }
    }

    fn contains(&self, file: &str) -> bool {
        self.exact.contains(file) || self.lowercase.contains(&file.to_ascii_lowercase())
    }
}

/// One diagnostic per page and distinct relative link target that no input page answers.
fn check_links(page: &PageModel, files: &InputFiles<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut reported = BTreeSet::new();
    for link in &page.links {
        let resolved = resolve_relative(&page.summary.file, &link.target);
        let found = resolved.as_deref().is_some_and(|r| files.contains(r));
        if !found && reported.insert(link.target.clone()) {
            diagnostics.push(Diagnostic {
                span: link.span.clone(),
                severity: Severity::Warning,
                code: DiagnosticCode::UnresolvedLink,
                message: format!("link to `{}`, which is not in the input", link.target),
            });
        }
    }
    diagnostics
}

/// `api/x.md` + `../resources/y.md` → `resources/y.md`; `None` when the link climbs out of the input.
fn resolve_relative(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Groups operations that share (version, method, path, subject type) and merges each group into its primary page's
/// operation: the page with the fewest placeholders (ties: file order).
fn merge_operations(
    operations: Vec<Operation>,
    placeholder_counts: &BTreeMap<String, usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Operation> {
    let rank = |op: &Operation| {
        let file = op.sources.first().map_or_else(|| Arc::from(""), |s| s.file.clone());
        (placeholder_counts.get(&*file).copied().unwrap_or(0), file)
    };
    let mut ordered = operations;
    // Cached: the key clones a file name and looks it up, and a sort asks for keys n log n times.
    ordered.sort_by_cached_key(|op| rank(op));
    let mut merged: Vec<Operation> = Vec::new();
    let mut by_key: BTreeMap<(ApiVersion, graph_ir::HttpMethod, String, String), usize> = BTreeMap::new();
    for op in ordered {
        let subject = subject_type(&op);
        let keys: Vec<_> = op
            .paths
            .iter()
            .map(|p| (op.version, op.method, path_key(&p.segments), subject.clone()))
            .collect();
        match keys.iter().find_map(|k| by_key.get(k).copied()) {
            Some(index) => {
                if let Some(into) = merged.get_mut(index) {
                    merge_operation(into, op, diagnostics);
                }
                for key in keys {
                    by_key.entry(key).or_insert(index);
                }
            }
            None => {
                for key in keys {
                    by_key.insert(key, merged.len());
                }
                merged.push(op);
            }
        }
    }
    merged
}

/// The type an operation is about: its request resource, else its response type. Pages for derived
/// types share one path (`/deviceConfigurations/{id}` for 130 kinds of configuration) yet document
/// different operations; pages about the same type and path are the same operation.
fn subject_type(op: &Operation) -> String {
    let type_ref = match &op.request_body {
        Some(RequestBody::Resource { type_ref, .. }) => Some(type_ref),
        _ => op.response.body.as_ref(),
    };
    match type_ref.map(crate::lower::innermost) {
        Some(TypeRef::Named(name)) => name.to_lowercase(),
        _ => String::new(),
    }
}

/// A path with parameter names erased and literals lower-cased: two pages naming the key differently
/// still describe the same path.
fn path_key(segments: &[PathSegment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            PathSegment::Literal { name } | PathSegment::Call { name, .. } => name.to_lowercase(),
            PathSegment::Parameter { .. } => "{}".into(),
            PathSegment::Cast { type_name, .. } => format!("cast:{}", type_name.to_lowercase()),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn merge_operation(into: &mut Operation, other: Operation, diagnostics: &mut Vec<Diagnostic>) {
    let other_span = other.sources.first().cloned().unwrap_or_else(|| Span::new("", 0));
    if into.description.is_none() {
        into.description = other.description;
    }
    for path in other.paths {
        if !into.paths.iter().any(|p| path_key(&p.segments) == path_key(&path.segments)) {
            into.paths.push(path);
        }
    }
    for header in other.request_headers {
        if !into.request_headers.iter().any(|h| h.name.eq_ignore_ascii_case(&header.name)) {
            into.request_headers.push(header);
        }
    }
    for option in other.query_options {
        if !into.query_options.iter().any(|o| o.name == option.name) {
            into.query_options.push(option);
        }
    }
    match (&mut into.request_body, other.request_body) {
        (None, body) => into.request_body = body,
        (
            Some(RequestBody::Resource { properties, .. }),
            Some(RequestBody::Resource { properties: more, .. }),
        )
        | (
            Some(RequestBody::Parameters { parameters: properties, .. }),
            Some(RequestBody::Parameters { parameters: more, .. }),
        ) => {
            for property in more {
                merge_property(properties, property, diagnostics);
            }
        }
        (Some(_), Some(_)) => diagnostics.push(conflict(
            &other_span,
            "pages disagree on whether the request body is a resource or parameters; kept the primary page's",
        )),
        (Some(_), None) => {}
    }
    if into.response.status != other.response.status {
        diagnostics.push(conflict(
            &other_span,
            &format!(
                "pages disagree on the response status ({} vs {}); kept {}",
                into.response.status, other.response.status, into.response.status
            ),
        ));
    } else if into.response.body.is_none() {
        into.response.body = other.response.body;
    }
    let known = |scopes: &PermissionScopes| !matches!(scopes, PermissionScopes::Unknown);
    let into_known = into.permissions.entries.iter().any(|e| known(&e.scopes));
    let other_known = other.permissions.entries.iter().any(|e| known(&e.scopes));
    if !into_known && other_known {
        into.permissions = other.permissions;
    }
    for example in other.examples {
        if !into.examples.contains(&example) {
            into.examples.push(example);
        }
    }
    for cloud in other.national_clouds {
        if !into.national_clouds.contains(&cloud) {
            into.national_clouds.push(cloud);
        }
    }
    into.sources.extend(other.sources);
}

fn conflict(span: &Span, message: &str) -> Diagnostic {
    Diagnostic {
        span: span.clone(),
        severity: Severity::Warning,
        code: DiagnosticCode::Conflict,
        message: message.to_owned(),
    }
}

/// Adds `property` to `properties`, or fills what the existing one lacks (a real description over none).
fn merge_property(properties: &mut Vec<Property>, property: Property, diagnostics: &mut Vec<Diagnostic>) {
    let Some(existing) = properties.iter_mut().find(|p| p.name == property.name) else {
        properties.push(property);
        return;
    };
    if existing.type_ref != property.type_ref {
        // A documented type beats one inferred from an example; otherwise the first source wins.
        if existing.origin == Origin::Inferred && property.origin == Origin::Documented {
            existing.type_ref = property.type_ref.clone();
        } else if property.origin == Origin::Documented {
            diagnostics.push(conflict(
                &property.span,
                &format!(
                    "`{}` is documented as {:?} here but as {:?} at {}:{}",
                    property.name,
                    property.type_ref,
                    existing.type_ref,
                    existing.span.file,
                    existing.span.line
                ),
            ));
        }
    }
    if existing.description.is_none() {
        existing.description = property.description;
    }
    for value in property.possible_values {
        if !existing.possible_values.contains(&value) {
            existing.possible_values.push(value);
        }
    }
    existing.read_only |= property.read_only;
    existing.required = existing.required.or(property.required);
    if property.origin == Origin::Documented && existing.origin == Origin::Inferred {
        existing.origin = Origin::Documented;
        existing.span = property.span;
    }
}

fn merge_type(types: &mut BTreeMap<TypeKey, TypeDef>, def: TypeDef, diagnostics: &mut Vec<Diagnostic>) {
    let key = (def.version, def.name.clone());
    let Some(existing) = types.get_mut(&key) else {
        types.insert(key, def);
        return;
    };
    if (existing.kind == TypeKind::Enum) != (def.kind == TypeKind::Enum) {
        if let Some(span) = def.sources.first() {
            diagnostics.push(conflict(
                span,
                &format!("`{}` is an enum in one place and an object in another; kept the first", def.name),
            ));
        }
        return;
    }
    if existing.kind == TypeKind::Object && def.kind != TypeKind::Object {
        existing.kind = def.kind;
    }
    if existing.description.is_none() {
        existing.description = def.description;
    }
    if existing.base_type.is_none() {
        existing.base_type = def.base_type;
    }
    existing.is_abstract |= def.is_abstract;
    for property in def.properties {
        merge_property(&mut existing.properties, property, diagnostics);
    }
    for member in def.members {
        if !existing.members.iter().any(|m| m.name == member.name) {
            existing.members.push(member);
        }
    }
    if def.origin == Origin::Documented {
        existing.origin = Origin::Documented;
    }
    existing.sources.extend(def.sources);
}

/// Walks every example body against the type the operation says it has, recording types, derived
/// types, properties and enum members that only the examples show.
fn infer_from_examples(
    operation: &Operation,
    types: &mut BTreeMap<TypeKey, TypeDef>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut inference = Inference { version: operation.version, types, diagnostics };
    for example in &operation.examples {
        if let Some(request) = &example.request {
            if let Some(body) = &request.body {
                match &operation.request_body {
                    Some(RequestBody::Resource { type_ref, .. }) => {
                        inference.walk(body, type_ref, &request.span)
                    }
                    Some(RequestBody::Parameters { parameters, .. }) => {
                        if let Value::Object(members) = body {
                            for (name, value) in members {
                                if let Some(parameter) = parameters.iter().find(|p| &p.name == name) {
                                    inference.walk(value, &parameter.type_ref, &request.span);
                                }
                            }
                        }
                    }
                    None => {}
                }
            }
        }
        if let (Some(response), Some(type_ref)) = (&example.response, &operation.response.body) {
            if let Some(body) = &response.body {
                // Collections, and values that are not entities, arrive wrapped: `{"value": …}`.
                let wrapped = body.as_object().is_some_and(|members| {
                    members.contains_key("value")
                        && members.keys().all(|k| k == "value" || k.starts_with('@'))
                });
                match (wrapped, body.get("value")) {
                    (true, Some(inner)) => inference.walk(inner, type_ref, &response.span),
                    _ => inference.walk(body, type_ref, &response.span),
                }
            }
        }
    }
}

/// Base chains in the docs are a few types long; the bound only stops a cycle of base types.
const MAX_BASE_DEPTH: usize = 64;

struct Inference<'a> {
    version: ApiVersion,
    types: &'a mut BTreeMap<TypeKey, TypeDef>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Inference<'_> {
    fn walk(&mut self, value: &Value, expected: &TypeRef, span: &Span) {
        match (expected, value) {
            (TypeRef::Collection(inner), Value::Array(items)) => {
                for item in items {
                    self.walk(item, inner, span);
                }
            }
            (TypeRef::Named(name), Value::Object(members)) => {
                let actual = odata_type(value).unwrap_or(name.as_str());
                self.ensure_object(name, None, span);
                if actual != name {
                    self.ensure_object(actual, Some(name), span);
                }
                let mut declared = self.declared_types(actual, members);
                for ((member, member_value), declared) in members.iter().zip(&mut declared) {
                    if member.starts_with('@') || member.contains("@odata.") {
                        continue;
                    }
                    // A member the type did not declare when the walk began may have been inferred
                    // since, by the walk of an earlier member: look again.
                    match declared.take().or_else(|| self.find_property(actual, member)) {
                        Some(type_ref) => self.walk(member_value, &type_ref, span),
                        None => self.infer_property(actual, member, member_value, span),
                    }
                }
            }
            (TypeRef::Named(name), Value::String(member)) => self.enum_member(name, member, span),
            _ => {}
        }
    }

    /// Makes sure an object type exists; an inferred derived type gets `base` as its base type.
    fn ensure_object(&mut self, name: &str, base: Option<&str>, span: &Span) {
        let key = (self.version, name.to_owned());
        if let Some(existing) = self.types.get_mut(&key) {
            if existing.base_type.is_none() && existing.kind != TypeKind::Enum {
                if let Some(base) = base.filter(|b| *b != name) {
                    existing.base_type = Some(base.to_owned());
                }
            }
            return;
        }
        self.note(
            span,
            format!(
                "type `{name}` inferred from the example{}",
                base.map(|b| format!(" as derived from `{b}`")).unwrap_or_default()
            ),
        );
        self.types.insert(key, inferred_type(self.version, name, TypeKind::Object, base, span));
    }

    /// [`Self::find_property`] for every member of an object at once, in the members' order: one pass
    /// over the properties of the type and its bases instead of one per member (types declare up to
    /// a few hundred properties, and their examples set most of them).
    fn declared_types(
        &self,
        type_name: &str,
        members: &serde_json::Map<String, Value>,
    ) -> Vec<Option<TypeRef>> {
        let mut declared = vec![None; members.len()];
        let mut by_name: Vec<(&str, usize)> = members.keys().map(String::as_str).zip(0..).collect();
        by_name.sort_unstable();
        let mut key = (self.version, type_name.to_owned());
        for _ in 0..MAX_BASE_DEPTH {
            let Some(def) = self.types.get(&key) else { break };
            for property in &def.properties {
                if let Ok(at) = by_name.binary_search_by(|(name, _)| (*name).cmp(property.name.as_str())) {
                    // The first declaration found wins, as in `find_property`: the type's own, then
                    // its base's, and so on.
                    if let Some(slot @ None) = by_name.get(at).and_then(|(_, index)| declared.get_mut(*index))
                    {
                        *slot = Some(property.type_ref.clone());
                    }
                }
            }
            let Some(base) = def.base_type.as_ref() else { break };
            key.1.clone_from(base);
        }
        declared
    }

    /// The declared type of `property` on `type_name` or one of its base types.
    fn find_property(&self, type_name: &str, property: &str) -> Option<TypeRef> {
        let mut key = (self.version, type_name.to_owned());
        for _ in 0..MAX_BASE_DEPTH {
            let def = self.types.get(&key)?;
            if let Some(p) = def.properties.iter().find(|p| p.name == property) {
                return Some(p.type_ref.clone());
            }
            key.1.clone_from(def.base_type.as_ref()?);
        }
        None
    }

    fn infer_property(&mut self, type_name: &str, name: &str, value: &Value, span: &Span) {
        let type_ref = self.infer_type(value, span);
        if let Some(def) = self.types.get_mut(&(self.version, type_name.to_owned())) {
            def.properties.push(Property {
                name: name.to_owned(),
                type_ref,
                description: None,
                read_only: false,
                required: None,
                possible_values: Vec::new(),
                origin: Origin::Inferred,
                span: span.clone(),
            });
            self.note(span, format!("property `{name}` of `{type_name}` inferred from the example"));
        }
    }

    /// The type a JSON value shows: primitives from the JSON kind, objects by their `@odata.type`.
    fn infer_type(&mut self, value: &Value, span: &Span) -> TypeRef {
        match value {
            Value::String(_) => TypeRef::Primitive(Primitive::String),
            Value::Bool(_) => TypeRef::Primitive(Primitive::Boolean),
            Value::Number(n) if n.is_i64() || n.is_u64() => match n.as_i64().map(i32::try_from) {
                Some(Ok(_)) => TypeRef::Primitive(Primitive::Int32),
                _ => TypeRef::Primitive(Primitive::Int64),
            },
            Value::Number(_) => TypeRef::Primitive(Primitive::Double),
            Value::Array(items) => {
                let inner = items
                    .first()
                    .map_or(TypeRef::Primitive(Primitive::Json), |first| self.infer_type(first, span));
                for item in items.iter().skip(1) {
                    self.walk(item, &inner, span);
                }
                TypeRef::Collection(Box::new(inner))
            }
            Value::Object(_) => match odata_type(value) {
                Some(name) => {
                    let type_ref = TypeRef::Named(name.to_owned());
                    self.walk(value, &type_ref, span);
                    type_ref
                }
                None => TypeRef::Primitive(Primitive::Json),
            },
            Value::Null => TypeRef::Primitive(Primitive::Json),
        }
    }

    fn enum_member(&mut self, name: &str, member: &str, span: &Span) {
        let key = (self.version, name.to_owned());
        let def = match self.types.get_mut(&key) {
            Some(def) => def,
            None => {
                self.note(span, format!("enum `{name}` inferred from the example"));
                self.types
                    .entry(key)
                    .or_insert_with(|| inferred_type(self.version, name, TypeKind::Enum, None, span))
            }
        };
        if def.kind != TypeKind::Enum || def.members.iter().any(|m| m.name == member) {
            return;
        }
        def.members.push(EnumMember {
            name: member.to_owned(),
            description: None,
            origin: Origin::Inferred,
            span: span.clone(),
        });
        let type_name = def.name.clone();
        self.note(span, format!("member `{member}` of enum `{type_name}` inferred from the example"));
    }

    fn note(&mut self, span: &Span, message: String) {
        self.diagnostics.push(Diagnostic {
            span: span.clone(),
            severity: Severity::Note,
            code: DiagnosticCode::Inferred,
            message,
        });
    }
}

/// `@odata.type` without `#` and namespace: `#microsoft.graph.x` → `x`.
fn odata_type(value: &Value) -> Option<&str> {
    let raw = value.get("@odata.type")?.as_str()?;
    let raw = raw.strip_prefix('#').unwrap_or(raw);
    let name = raw.strip_prefix("microsoft.graph.").unwrap_or(raw);
    (!name.is_empty()).then_some(name)
}

fn inferred_type(
    version: ApiVersion,
    name: &str,
    kind: TypeKind,
    base: Option<&str>,
    span: &Span,
) -> TypeDef {
    TypeDef {
        version,
        name: name.to_owned(),
        namespace: "microsoft.graph".into(),
        kind,
        description: None,
        base_type: base.map(str::to_owned),
        derived_types: Vec::new(),
        is_abstract: false,
        properties: Vec::new(),
        members: Vec::new(),
        origin: Origin::Inferred,
        sources: vec![span.clone()],
    }
}

fn link_derived_types(types: &mut BTreeMap<TypeKey, TypeDef>) {
    let pairs: Vec<(TypeKey, String)> = types
        .values()
        .filter_map(|def| Some(((def.version, def.base_type.clone()?), def.name.clone())))
        .collect();
    for (base_key, derived) in pairs {
        if let Some(base) = types.get_mut(&base_key) {
            if !base.derived_types.contains(&derived) {
                base.derived_types.push(derived);
            }
        }
    }
    for def in types.values_mut() {
        def.derived_types.sort();
    }
}

/// Resource pages list inherited properties again ("Inherited from [entity]"); a type keeps only the
/// properties that no ancestor in the model already has, so each property is defined once.
fn drop_inherited_properties(types: &mut BTreeMap<TypeKey, TypeDef>) {
    let mut inherited: BTreeMap<TypeKey, BTreeSet<String>> = BTreeMap::new();
    for (key, def) in types.iter() {
        let mut names = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut current = def.base_type.clone();
        while let Some(base) = current {
            if !seen.insert(base.clone()) {
                break;
            }
            let Some(base_def) = types.get(&(key.0, base)) else { break };
            names.extend(base_def.properties.iter().map(|p| p.name.clone()));
            current = base_def.base_type.clone();
        }
        if !names.is_empty() {
            inherited.insert(key.clone(), names);
        }
    }
    for (key, names) in inherited {
        if let Some(def) = types.get_mut(&key) {
            def.properties.retain(|p| !names.contains(&p.name));
        }
    }
}

/// A note for each named type that operations or properties use but no page defines or shows.
fn report_undefined_types(
    operations: &[Operation],
    types: &BTreeMap<TypeKey, TypeDef>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut uses: BTreeMap<TypeKey, Span> = BTreeMap::new();
    let mut add = |version: ApiVersion, type_ref: &TypeRef, span: &Span| {
        if let TypeRef::Named(name) = crate::lower::innermost(type_ref) {
            uses.entry((version, name.clone())).or_insert_with(|| span.clone());
        }
    };
    for op in operations {
        if let Some(body) = &op.response.body {
            add(op.version, body, &op.response.span);
        }
        match &op.request_body {
            Some(RequestBody::Resource { type_ref, span, .. }) => add(op.version, type_ref, span),
            Some(RequestBody::Parameters { parameters, .. }) => {
                parameters.iter().for_each(|p| add(op.version, &p.type_ref, &p.span))
            }
            None => {}
        }
    }
    for def in types.values() {
        for p in &def.properties {
            add(def.version, &p.type_ref, &p.span);
        }
    }
    for (key, span) in uses {
        if !types.contains_key(&key) {
            diagnostics.push(Diagnostic {
                span,
                severity: Severity::Note,
                code: DiagnosticCode::UnknownType,
                message: format!(
                    "type `{}` ({}) is used but no page defines it; generated as untyped JSON",
                    key.1,
                    key.0.as_str()
                ),
            });
        }
    }
}

/// Gives every operation of a version a distinct name, suffixing later ones (`…2`) in sorted order.
fn make_names_unique(operations: &mut [Operation], diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<(ApiVersion, String), usize> = BTreeMap::new();
    for op in operations.iter_mut() {
        let count = seen.entry((op.version, op.name.clone())).or_insert(0);
        *count += 1;
        if *count > 1 {
            let renamed = format!("{}{}", op.name, count);
            if let Some(span) = op.sources.first() {
                diagnostics.push(Diagnostic {
                    span: span.clone(),
                    severity: Severity::Note,
                    code: DiagnosticCode::NameCollision,
                    message: format!("operation name `{}` is taken; this one is `{renamed}`", op.name),
                });
            }
            op.name = renamed;
        }
    }
}
