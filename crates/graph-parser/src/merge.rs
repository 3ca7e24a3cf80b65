//! Merging: every page's model → one [`Api`].
//!
//! Passes, in order: merge operations that several pages describe (same version, method and path);
//! merge type definitions by (version, name); infer types, properties and enum members from example
//! JSON; link base and derived types; make operation names unique; sort. Beside all of them, links are
//! checked against the set of pages.
//! The result does not depend on the order the pages arrive in, nor on the number of threads: each
//! version merges on its own, and within one, work is split only where the parts are independent
//! (inference walks in order whatever a parallel probe finds; see [`infer_from_examples`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use foldhash::{HashMap, HashSet};
use graph_ir::{
    Api, ApiVersion, Diagnostic, DiagnosticCode, EnumMember, Operation, Origin, PageLink, PageModel,
    PageSummary, PathSegment, PermissionScopes, Permissions, Primitive, Property, RequestBody, Severity,
    Span, TypeDef, TypeKind, TypeRef,
};
use rayon::prelude::*;
use serde_json::Value;

/// One API version's types by name (every pass below works within one version).
type Types = BTreeMap<String, TypeDef>;

pub fn build_api(mut pages: Vec<PageModel>) -> Api {
    pages.sort_by(|a, b| a.summary.file.cmp(&b.summary.file));
    let mut api = Api::default();
    api.pages.reserve(pages.len());
    let mut diagnostics: Vec<Diagnostic> =
        Vec::with_capacity(pages.iter().map(|page| page.diagnostics.len()).sum());
    // Each page's links, beside its summary in `api.pages`.
    let mut links: Vec<Vec<PageLink>> = Vec::with_capacity(pages.len());
    let mut versions: BTreeMap<ApiVersion, VersionInput> = BTreeMap::new();
    for page in pages {
        let placeholders =
            page.diagnostics.iter().filter(|d| d.code == DiagnosticCode::TodoPlaceholder).count();
        api.pages.push(page.summary);
        links.push(page.links);
        diagnostics.extend(page.diagnostics);
        if let Some(operation) = page.operation {
            versions.entry(operation.version).or_default().operations.push((placeholders, operation));
        }
        for def in page.types {
            versions.entry(def.version).or_default().types.push(def);
        }
    }

    // Links are checked beside the merge, which needs no more than one core for most of its time:
    // nothing below crosses versions (operations and types only meet their own version's), so each
    // version is merged on its own thread, and beta's merge is most of the work. In version order,
    // the results are what one pass over all would give.
    let summaries = &api.pages;
    let (link_diagnostics, merged): (Vec<Diagnostic>, Vec<MergedVersion>) = rayon::join(
        move || {
            let files = InputFiles::new(summaries);
            // The links are freed where they are checked, not one by one afterwards.
            summaries
                .par_iter()
                .zip(links)
                .flat_map_iter(|(page, links)| check_links(&page.file, &links, &files))
                .collect()
        },
        || {
            versions
                .into_iter()
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|(version, input)| merge_version(version, input))
                .collect()
        },
    );
    diagnostics.extend(link_diagnostics);
    for version in merged {
        api.operations.extend(version.operations);
        api.types.extend(version.types.into_values());
        diagnostics.extend(version.diagnostics);
    }
    diagnostics.sort();
    diagnostics.dedup();
    api.diagnostics = diagnostics;
    api
}

/// The operations and types of one API version, in page order.
#[derive(Default)]
struct VersionInput {
    /// Each with the number of placeholders on its page, which ranks pages describing one operation.
    operations: Vec<(usize, Operation)>,
    types: Vec<TypeDef>,
}

struct MergedVersion {
    /// Sorted, with distinct names.
    operations: Vec<Operation>,
    types: Types,
    diagnostics: Vec<Diagnostic>,
}

/// Merges, infers, links and names one version's operations and types.
fn merge_version(version: ApiVersion, input: VersionInput) -> MergedVersion {
    // Types and operations merge independently of each other; inference then needs both.
    let ((mut types, mut diagnostics), (mut operations, operation_diagnostics)) = rayon::join(
        || {
            let mut diagnostics = Vec::new();
            let mut types = Types::new();
            for def in input.types {
                merge_type(&mut types, def, &mut diagnostics);
            }
            (types, diagnostics)
        },
        || {
            let mut diagnostics = Vec::new();
            let operations = merge_operations(input.operations, &mut diagnostics);
            (operations, diagnostics)
        },
    );
    diagnostics.extend(operation_diagnostics);
    infer_from_examples(version, &operations, &mut types, &mut diagnostics);
    break_base_type_cycles(&mut types, &mut diagnostics);
    link_derived_types(&mut types);
    drop_inherited_properties(&mut types);
    report_undefined_types(version, &operations, &types, &mut diagnostics);
    // Sorting the types' lists and naming the operations are independent of each other.
    let ((), naming_diagnostics) = rayon::join(
        || {
            for def in types.values_mut() {
                def.properties.sort_by(|a, b| a.name.cmp(&b.name));
                def.sources.sort();
                def.sources.dedup();
            }
        },
        || {
            operations.sort_by(|a, b| operation_order(a).cmp(&operation_order(b)));
            let mut diagnostics = Vec::new();
            make_names_unique(&mut operations, &mut diagnostics);
            diagnostics
        },
    );
    diagnostics.extend(naming_diagnostics);
    crate::narrowing::narrow_gets(&mut operations, &types);
    MergedVersion { operations, types, diagnostics }
}

fn operation_order(op: &Operation) -> (ApiVersion, &str, graph_ir::HttpMethod) {
    (op.version, op.paths.first().map_or("", |p| p.raw.as_str()), op.method)
}

/// The input's file names, for answering links: exactly, or ignoring ASCII case (the docs site
/// serves either spelling). Hashed: the names share long prefixes (`api-reference/beta/api/intune-`),
/// which an ordered set compares again at every step of every lookup.
struct InputFiles<'a> {
    exact: HashSet<&'a str>,
    lowercase: HashSet<String>,
}

impl<'a> InputFiles<'a> {
    fn new(pages: &'a [PageSummary]) -> InputFiles<'a> {
        let exact: HashSet<&str> = pages.iter().map(|p| p.file.as_str()).collect();
        let lowercase = exact.iter().map(|file| file.to_ascii_lowercase()).collect();
        InputFiles { exact, lowercase }
    }

    fn contains(&self, file: &str) -> bool {
        self.exact.contains(file) || self.lowercase.contains(&file.to_ascii_lowercase())
    }
}

/// One diagnostic per page and distinct relative link target that no input page answers.
fn check_links(page: &str, links: &[PageLink], files: &InputFiles<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut reported = BTreeSet::new();
    for link in links {
        let resolved = resolve_relative(page, &link.target);
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
/// Built in one string, `depth` counting its `/`-separated parts (an empty part counts too), since
/// the corpus's pages hold tens of thousands of links.
fn resolve_relative(from: &str, target: &str) -> Option<String> {
    let mut resolved = String::with_capacity(from.len() + target.len());
    let mut depth = 0;
    if let Some((folder, _)) = from.rsplit_once('/') {
        resolved.push_str(folder);
        depth = folder.split('/').count();
    }
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                depth = usize::checked_sub(depth, 1)?;
                resolved.truncate(resolved.rfind('/').unwrap_or(0));
            }
            other => {
                if depth > 0 {
                    resolved.push('/');
                }
                resolved.push_str(other);
                depth += 1;
            }
        }
    }
    Some(resolved)
}

/// Groups operations that share (version, method, path, subject type) and merges each group into its primary page's
/// operation: the page with the fewest placeholders (ties: file order).
fn merge_operations(
    operations: Vec<(usize, Operation)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Operation> {
    let mut ordered = operations;
    // Cached: the key clones a file name, and a sort asks for keys n log n times.
    ordered.sort_by_cached_key(|(placeholders, op)| {
        (*placeholders, op.sources.first().map_or_else(|| Arc::from(""), |s| s.file.clone()))
    });
    let mut merged: Vec<Operation> = Vec::new();
    let mut by_key: BTreeMap<(ApiVersion, graph_ir::HttpMethod, String, String), usize> = BTreeMap::new();
    for (_, op) in ordered {
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
    merge_permissions(&mut into.permissions, other.permissions, &other_span, diagnostics);
    // Every example carries the span of its request or response, so another page's examples are
    // never equal to these: comparing them (whole JSON bodies) would only cost time.
    into.examples.extend(other.examples);
    for cloud in other.national_clouds {
        if !into.national_clouds.contains(&cloud) {
            into.national_clouds.push(cloud);
        }
    }
    into.sources.extend(other.sources);
}

/// Another page's permissions for the same operation. Each page names the scopes its own part of
/// the operation needs (`GET /deviceManagement` has a page per area, each with its area's scopes),
/// so a kind of permission (and workload) lists the scopes of every page, the primary page's first,
/// as one entry at the primary page's row; a workload's sub-row is an entry of its own. A page that
/// states none gives way to one that does; a kind one page lists and another says is not supported
/// keeps the primary page's, diagnosed.
fn merge_permissions(
    into: &mut Permissions,
    other: Permissions,
    other_span: &Span,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let known = |scopes: &PermissionScopes| !matches!(scopes, PermissionScopes::Unknown);
    if !into.entries.iter().any(|e| known(&e.scopes)) {
        if other.entries.iter().any(|e| known(&e.scopes)) {
            *into = other;
        }
        return;
    }
    for entry in other.entries {
        let same = into.entries.iter_mut().find(|e| e.kind == entry.kind && e.workload == entry.workload);
        let Some(existing) = same else {
            if known(&entry.scopes) {
                into.entries.push(entry);
            }
            continue;
        };
        match (&mut existing.scopes, entry.scopes) {
            (PermissionScopes::Scopes(scopes), PermissionScopes::Scopes(more)) => {
                for scope in more {
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
            }
            // Workload sub-rows carry the scopes, and merge as entries of their own.
            (_, PermissionScopes::Unknown | PermissionScopes::SeeWorkloads) => {}
            (scopes @ PermissionScopes::Unknown, more)
            | (scopes @ PermissionScopes::SeeWorkloads, more @ PermissionScopes::Scopes(_)) => *scopes = more,
            (scopes, more) if *scopes != more => diagnostics.push(conflict(
                other_span,
                &format!(
                    "pages disagree on the {} permissions ({} vs {}); kept the primary page's",
                    entry.kind.label().to_lowercase(),
                    scopes_text(scopes),
                    scopes_text(&more)
                ),
            )),
            _ => {}
        }
    }
}

fn scopes_text(scopes: &PermissionScopes) -> String {
    match scopes {
        PermissionScopes::Scopes(scopes) => scopes.join(", "),
        PermissionScopes::NotSupported => "not supported".to_owned(),
        PermissionScopes::SeeWorkloads => "by workload".to_owned(),
        PermissionScopes::Unknown => "not stated".to_owned(),
    }
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
                    "`{}` is documented as `{}` here but as `{}` at {}:{}",
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

fn merge_type(types: &mut Types, def: TypeDef, diagnostics: &mut Vec<Diagnostic>) {
    let Some(existing) = types.get_mut(&def.name) else {
        types.insert(def.name.clone(), def);
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
        match existing.members.iter_mut().find(|m| m.name == member.name) {
            // A member an API page's "Possible values" named first (`api/` sorts before
            // `resources/`) takes its description, and its line, from the enum's own page.
            Some(named) if named.description.is_none() && member.description.is_some() => {
                (named.description, named.span) = (member.description, member.span);
                if member.origin == Origin::Documented {
                    named.origin = Origin::Documented;
                }
            }
            Some(_) => {}
            None => existing.members.push(member),
        }
    }
    if def.origin == Origin::Documented {
        existing.origin = Origin::Documented;
    }
    existing.sources.extend(def.sources);
}

/// Walks every example body against the type its operation says it has, recording types, derived
/// types, properties and enum members that only the examples show.
///
/// Inference only ever adds (a type, a property, an enum member, a base type where there was none),
/// so an example that adds nothing to the types as the pages declare them adds nothing to whatever the
/// examples walked before it have added either. (It also widens a property that an earlier example
/// inferred, but a value of such a property is one the pages do not declare: the probe counts it as
/// adding, so its example is walked.) Most examples show only what is declared: a read-only
/// [`Probe`] finds, on every thread, the operations whose examples would add something, and only
/// those are walked again, in order, to add it. The result is what walking every operation in order
/// gives.
fn infer_from_examples(
    version: ApiVersion,
    operations: &[Operation],
    types: &mut Types,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let adding: Vec<&Operation> = {
        let probe = Probe::new(types);
        operations
            .par_iter()
            .filter(|operation| {
                example_bodies(operation).iter().any(|body| probe.adds(body.value, body.expected))
            })
            .collect()
    };
    let mut inference = Inference { version, types, diagnostics };
    for operation in adding {
        for body in example_bodies(operation) {
            inference.walk(body.value, body.expected, body.span);
        }
    }
}

/// An example's JSON and the type the operation says it has.
struct ExampleBody<'a> {
    value: &'a Value,
    expected: &'a TypeRef,
    span: &'a Span,
}

/// An operation's example bodies in order, each with its expected type: a request body against the
/// resource type, or each named member against the action parameter of that name; a response body,
/// unwrapped from `{"value": …}`, against the response type.
fn example_bodies(operation: &Operation) -> Vec<ExampleBody<'_>> {
    let mut bodies = Vec::new();
    for example in &operation.examples {
        if let Some(request) = &example.request {
            if let Some(body) = &request.body {
                let span = &request.span;
                match &operation.request_body {
                    Some(RequestBody::Resource { type_ref, .. }) => {
                        bodies.push(ExampleBody { value: body, expected: type_ref, span })
                    }
                    Some(RequestBody::Parameters { parameters, .. }) => {
                        if let Value::Object(members) = body {
                            for (name, value) in members {
                                if let Some(parameter) = parameters.iter().find(|p| &p.name == name) {
                                    bodies.push(ExampleBody { value, expected: &parameter.type_ref, span });
                                }
                            }
                        }
                    }
                    None => {}
                }
            }
        }
        if let (Some(response), Some(expected)) = (&example.response, &operation.response.body) {
            if let Some(body) = &response.body {
                // Collections, and values that are not entities, arrive wrapped: `{"value": …}`.
                let wrapped = body.as_object().is_some_and(|members| {
                    members.contains_key("value")
                        && members.keys().all(|k| k == "value" || k.starts_with('@'))
                });
                let value = match (wrapped, body.get("value")) {
                    (true, Some(inner)) => inner,
                    _ => body,
                };
                bodies.push(ExampleBody { value, expected, span: &response.span });
            }
        }
    }
    bodies
}

/// Members that are annotations, not properties: `@odata.type`, `owner@odata.bind`, …
fn is_annotation(member: &str) -> bool {
    // Most members have no `@`: one byte search settles them, before a substring search is set up.
    member.contains('@') && (member.starts_with('@') || member.contains("@odata."))
}

/// Base chains in the docs are a few types long; the bound only stops a cycle of base types.
const MAX_BASE_DEPTH: usize = 64;

/// Tells, without changing anything, whether walking a value with [`Inference::walk`] would add to
/// the types: it answers `false` only when the walk would find every type, base type, property and
/// enum member it looks for already there.
struct Probe<'a> {
    /// Only looked up, never iterated, so hashed: no order to keep.
    types: HashMap<&'a str, Reach<'a>>,
}

/// A type and every property it declares or inherits.
struct Reach<'a> {
    def: &'a TypeDef,
    /// Sorted by name; of two properties with one name, the one [`Inference::find_property`] finds.
    properties: Vec<(&'a str, &'a TypeRef)>,
}

impl<'a> Probe<'a> {
    fn new(types: &'a Types) -> Probe<'a> {
        let types = types
            .par_iter()
            .map(|(name, def)| (name.as_str(), Reach { def, properties: properties_in_reach(types, def) }))
            .collect();
        Probe { types }
    }

    fn adds(&self, value: &Value, expected: &TypeRef) -> bool {
        match (expected, value) {
            (TypeRef::Collection(inner), Value::Array(items)) => {
                items.iter().any(|item| self.adds(item, inner))
            }
            (TypeRef::Named(name), Value::Object(members)) => {
                let actual = odata_type(value).unwrap_or(name.as_str());
                if !self.types.contains_key(name.as_str()) {
                    return true;
                }
                // `Inference::ensure_object` would add the derived type, or its base type.
                let Some(reach) = self.types.get(actual) else { return true };
                if actual != name && reach.def.base_type.is_none() && reach.def.kind != TypeKind::Enum {
                    return true;
                }
                members.iter().any(|(member, member_value)| {
                    if is_annotation(member) {
                        return false;
                    }
                    let declared =
                        reach.properties.binary_search_by(|(name, _)| (*name).cmp(member.as_str()));
                    match declared.ok().and_then(|at| reach.properties.get(at)) {
                        Some((_, type_ref)) => self.adds(member_value, type_ref),
                        None => true,
                    }
                })
            }
            (TypeRef::Named(name), Value::String(member)) => match self.types.get(name.as_str()) {
                Some(reach) => {
                    reach.def.kind == TypeKind::Enum && !reach.def.members.iter().any(|m| &m.name == member)
                }
                None => true,
            },
            _ => false,
        }
    }
}

/// Every property `def` declares or inherits, sorted by name; of two with one name, the first found
/// along the base chain (and then in declaration order), as [`Inference::find_property`] finds it.
fn properties_in_reach<'a>(types: &'a Types, def: &'a TypeDef) -> Vec<(&'a str, &'a TypeRef)> {
    let mut properties = Vec::new();
    let mut current = Some(def);
    for _ in 0..MAX_BASE_DEPTH {
        let Some(def) = current else { break };
        properties.extend(def.properties.iter().map(|p| (p.name.as_str(), &p.type_ref)));
        current = def.base_type.as_deref().and_then(|base| types.get(base));
    }
    // Stable, so each name's first-found property comes first and `dedup_by` keeps it.
    properties.sort_by(|a, b| a.0.cmp(b.0));
    properties.dedup_by(|later, earlier| later.0 == earlier.0);
    properties
}

struct Inference<'a> {
    version: ApiVersion,
    types: &'a mut Types,
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
                    if is_annotation(member) {
                        continue;
                    }
                    // A member the type did not declare when the walk began may have been inferred
                    // since, by the walk of an earlier member: look again.
                    match declared.take().or_else(|| self.find_property(actual, member)) {
                        Some(type_ref) => {
                            let type_ref = self.widen_inferred(actual, member, &type_ref, member_value, span);
                            self.walk(member_value, &type_ref, span)
                        }
                        None => self.infer_property(actual, member, member_value, span),
                    }
                }
            }
            (TypeRef::Named(name), Value::String(member)) => self.enum_member(name, member, span),
            _ => {}
        }
    }

    /// Makes sure an object type exists; an inferred derived type gets `base` as its base type.
    /// Unless `base` derives from it: an example that shows a base type's object where a derived
    /// type's is expected says nothing of which derives from which.
    fn ensure_object(&mut self, name: &str, base: Option<&str>, span: &Span) {
        let cyclic = base.is_some_and(|base| self.derives_from(base, name));
        if let Some(existing) = self.types.get_mut(name) {
            if existing.base_type.is_none() && existing.kind != TypeKind::Enum && !cyclic {
                if let Some(base) = base.filter(|b| *b != name) {
                    existing.base_type = Some(base.to_owned());
                }
            }
            return;
        }
        let base = base.filter(|_| !cyclic);
        self.note(
            span,
            format!(
                "type `{name}` inferred from the example{}",
                base.map(|b| format!(" as derived from `{b}`")).unwrap_or_default()
            ),
        );
        self.types.insert(name.to_owned(), inferred_type(self.version, name, TypeKind::Object, base, span));
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
        let mut current = type_name;
        for _ in 0..MAX_BASE_DEPTH {
            let Some(def) = self.types.get(current) else { break };
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
            let Some(base) = def.base_type.as_deref() else { break };
            current = base;
        }
        declared
    }

    /// Whether `type_name` is `ancestor` or derives from it, as far as the model knows now.
    fn derives_from(&self, type_name: &str, ancestor: &str) -> bool {
        let mut current = type_name;
        for _ in 0..MAX_BASE_DEPTH {
            if current == ancestor {
                return true;
            }
            match self.types.get(current).and_then(|def| def.base_type.as_deref()) {
                Some(base) => current = base,
                None => return false,
            }
        }
        false
    }

    /// The declared type of `property` on `type_name` or one of its base types.
    fn find_property(&self, type_name: &str, property: &str) -> Option<TypeRef> {
        let mut current = type_name;
        for _ in 0..MAX_BASE_DEPTH {
            let def = self.types.get(current)?;
            if let Some(p) = def.properties.iter().find(|p| p.name == property) {
                return Some(p.type_ref.clone());
            }
            current = def.base_type.as_deref()?;
        }
        None
    }

    fn infer_property(&mut self, type_name: &str, name: &str, value: &Value, span: &Span) {
        let type_ref = self.infer_type(name, value, span);
        if let Some(def) = self.types.get_mut(type_name) {
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

    /// The type an example's `value` needs of the property `name` (of `type_name` or one of its
    /// bases) whose type is `current`. A property an earlier example inferred is widened to hold the
    /// value too, with a note: a later example may show a wider number, or another kind of value,
    /// which the first one's type would fail to read. A property a page declares keeps its type.
    fn widen_inferred(
        &mut self,
        type_name: &str,
        name: &str,
        current: &TypeRef,
        value: &Value,
        span: &Span,
    ) -> TypeRef {
        let Some(wider) = self.widened(current, value) else { return current.clone() };
        let mut owner = type_name.to_owned();
        for _ in 0..MAX_BASE_DEPTH {
            let Some(def) = self.types.get_mut(&owner) else { break };
            if let Some(property) = def.properties.iter_mut().find(|p| p.name == name) {
                if property.origin != Origin::Inferred {
                    break;
                }
                property.type_ref = wider.clone();
                let message = format!(
                    "property `{name}` of `{owner}` widened from {current} to {wider}: an earlier \
                     example inferred the narrower type, which cannot hold this example's value"
                );
                self.note(span, message);
                return wider;
            }
            let Some(base) = &def.base_type else { break };
            owner = base.clone();
        }
        current.clone()
    }

    /// The type that holds both what `current` holds and `value`, when `current` does not hold
    /// `value`; `None` when it does. Only the kinds inference gives are widened: numbers to the
    /// widest number type, anything else that does not fit to any JSON.
    fn widened(&self, current: &TypeRef, value: &Value) -> Option<TypeRef> {
        match (current, value) {
            (_, Value::Null) | (TypeRef::Primitive(Primitive::Json), _) => None,
            (TypeRef::Primitive(Primitive::String), Value::String(_))
            | (TypeRef::Primitive(Primitive::Boolean), Value::Bool(_))
            | (TypeRef::Primitive(Primitive::Double), Value::Number(_)) => None,
            (TypeRef::Primitive(Primitive::Int32 | Primitive::Int64), Value::Number(n)) => {
                let needed = TypeRef::Primitive(match n.as_i64() {
                    Some(small) if i32::try_from(small).is_ok() => Primitive::Int32,
                    Some(_) => Primitive::Int64,
                    None => Primitive::Double,
                });
                (number_width(&needed) > number_width(current)).then_some(needed)
            }
            (TypeRef::Collection(inner), Value::Array(items)) => {
                let mut item_type: Option<TypeRef> = None;
                for item in items {
                    let current_item = item_type.as_ref().unwrap_or(inner);
                    if let Some(wider) = self.widened(current_item, item) {
                        item_type = Some(wider);
                    }
                }
                item_type.map(|item| TypeRef::Collection(Box::new(item)))
            }
            (TypeRef::Named(_), Value::Object(_)) => None,
            (TypeRef::Named(name), Value::String(_))
                if self.types.get(name.as_str()).is_some_and(|def| def.kind == TypeKind::Enum) =>
            {
                None
            }
            // Inference gives no other primitive (dates and GUIDs are strings to it).
            (
                TypeRef::Primitive(
                    Primitive::String
                    | Primitive::Boolean
                    | Primitive::Int32
                    | Primitive::Int64
                    | Primitive::Double,
                ),
                _,
            )
            | (TypeRef::Named(_) | TypeRef::Collection(_), _) => Some(TypeRef::Primitive(Primitive::Json)),
            (TypeRef::Primitive(_), _) => None,
        }
    }

    /// The type a JSON value shows: primitives from the JSON kind, objects by their `@odata.type`.
    /// `property` names the value in notes.
    fn infer_type(&mut self, property: &str, value: &Value, span: &Span) -> TypeRef {
        match value {
            Value::String(_) => TypeRef::Primitive(Primitive::String),
            Value::Bool(_) => TypeRef::Primitive(Primitive::Boolean),
            Value::Number(n) if n.is_i64() || n.is_u64() => match n.as_i64().map(i32::try_from) {
                Some(Ok(_)) => TypeRef::Primitive(Primitive::Int32),
                _ => TypeRef::Primitive(Primitive::Int64),
            },
            Value::Number(_) => TypeRef::Primitive(Primitive::Double),
            Value::Array(items) => {
                let inner = match items.split_first() {
                    None => TypeRef::Primitive(Primitive::Json),
                    Some((first, rest))
                        if first.is_null() || rest.iter().any(|item| !same_kind(first, item)) =>
                    {
                        // No one typed element holds both a string and a boolean, or a null: the
                        // items stay JSON, where the first item's type would reject the others.
                        self.note(
                            span,
                            format!(
                                "the items of `{property}` in the example mix kinds of JSON value (or \
                                 include a null); they are typed as any JSON"
                            ),
                        );
                        TypeRef::Primitive(Primitive::Json)
                    }
                    // Numbers take the type that holds them all: `[1, 2.5]` is a list of doubles.
                    Some((Value::Number(_), _)) => items
                        .iter()
                        .map(|item| self.infer_type(property, item, span))
                        .max_by_key(number_width)
                        .unwrap_or(TypeRef::Primitive(Primitive::Json)),
                    Some((first, rest)) => {
                        let inner = self.infer_type(property, first, span);
                        for item in rest {
                            self.walk(item, &inner, span);
                        }
                        inner
                    }
                };
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
        let def = match self.types.get_mut(name) {
            Some(def) => def,
            None => {
                self.note(span, format!("enum `{name}` inferred from the example"));
                self.types
                    .entry(name.to_owned())
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

/// Whether two JSON values are of one kind (both strings, both numbers, …).
fn same_kind(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// How many numbers a number type holds: Int32 < Int64 < Double.
fn number_width(type_ref: &TypeRef) -> u8 {
    match type_ref {
        TypeRef::Primitive(Primitive::Int32) => 1,
        TypeRef::Primitive(Primitive::Int64) => 2,
        TypeRef::Primitive(Primitive::Double) => 3,
        _ => 0,
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
        base_type: base.map(str::to_owned),
        ..TypeDef::new(version, name, kind, Origin::Inferred, span.clone())
    }
}

/// Pages that contradict each other (A's says it inherits from B, B's that it inherits from A) make
/// a cycle of base types, which would leave every type in it inheriting its own properties and
/// dropping them. Each cycle is broken at its first type by name, which keeps no base, and said so.
fn break_base_type_cycles(types: &mut Types, diagnostics: &mut Vec<Diagnostic>) {
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let mut chain = vec![name.as_str()];
        let mut current = types.get(&name).and_then(|def| def.base_type.as_deref());
        let cyclic = loop {
            match current {
                Some(base) if base == name => break true,
                Some(base) if !chain.contains(&base) && chain.len() < MAX_BASE_DEPTH => {
                    chain.push(base);
                    current = types.get(base).and_then(|def| def.base_type.as_deref());
                }
                _ => break false,
            }
        };
        if !cyclic {
            continue;
        }
        let cycle = chain.join("` → `");
        let message = format!("base types form a cycle (`{cycle}` → `{name}`); `{name}` keeps no base type");
        let Some(def) = types.get_mut(&name) else { continue };
        def.base_type = None;
        let span = def.sources.first().cloned().unwrap_or_else(|| Span::new(String::new(), 0));
        diagnostics.push(Diagnostic {
            span,
            severity: Severity::Warning,
            code: DiagnosticCode::Conflict,
            message,
        });
    }
}

fn link_derived_types(types: &mut Types) {
    let pairs: Vec<(String, String)> =
        types.values().filter_map(|def| Some((def.base_type.clone()?, def.name.clone()))).collect();
    for (base_name, derived) in pairs {
        if let Some(base) = types.get_mut(&base_name) {
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
fn drop_inherited_properties(types: &mut Types) {
    let mut inherited: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, def) in types.iter() {
        let mut names = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut current = def.base_type.clone();
        while let Some(base) = current {
            if !seen.insert(base.clone()) {
                break;
            }
            let Some(base_def) = types.get(&base) else { break };
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
    version: ApiVersion,
    operations: &[Operation],
    types: &Types,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // The first use found (operations in order, then types by name) is the one reported.
    fn add<'a>(uses: &mut BTreeMap<&'a str, &'a Span>, type_ref: &'a TypeRef, span: &'a Span) {
        if let TypeRef::Named(name) = crate::lower::innermost(type_ref) {
            uses.entry(name.as_str()).or_insert(span);
        }
    }
    let mut uses = BTreeMap::new();
    for op in operations {
        if let Some(body) = &op.response.body {
            add(&mut uses, body, &op.response.span);
        }
        match &op.request_body {
            Some(RequestBody::Resource { type_ref, span, .. }) => add(&mut uses, type_ref, span),
            Some(RequestBody::Parameters { parameters, .. }) => {
                parameters.iter().for_each(|p| add(&mut uses, &p.type_ref, &p.span))
            }
            None => {}
        }
    }
    for def in types.values() {
        for p in &def.properties {
            add(&mut uses, &p.type_ref, &p.span);
        }
    }
    for (name, span) in uses {
        if !types.contains_key(name) {
            diagnostics.push(Diagnostic {
                span: span.clone(),
                severity: Severity::Note,
                code: DiagnosticCode::UnknownType,
                message: format!(
                    "type `{name}` ({}) is used but no page defines it; generated as untyped JSON",
                    version.as_str()
                ),
            });
        }
    }
}

/// Gives every operation of a version a distinct name, suffixing later ones (`…2`) in sorted order.
fn make_names_unique(operations: &mut [Operation], diagnostics: &mut Vec<Diagnostic>) {
    // Every name any operation has, so that a renamed one takes none of them (`get2` may be a title).
    let mut taken: BTreeSet<(ApiVersion, String)> =
        operations.iter().map(|op| (op.version, op.name.clone())).collect();
    let mut seen: BTreeSet<(ApiVersion, String)> = BTreeSet::new();
    for op in operations.iter_mut() {
        if !seen.insert((op.version, op.name.clone())) {
            let renamed = (2..)
                .map(|n| format!("{}{n}", op.name))
                .find(|name| !taken.contains(&(op.version, name.clone())))
                .unwrap_or_default();
            taken.insert((op.version, renamed.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relative_links_resolve_against_the_page_folder_and_may_not_climb_out() {
        let resolve = resolve_relative;
        assert_eq!(resolve("api/x.md", "../resources/y.md").as_deref(), Some("resources/y.md"));
        assert_eq!(resolve("api/x.md", "y.md").as_deref(), Some("api/y.md"));
        assert_eq!(resolve("api/x.md", "./sub//y.md").as_deref(), Some("api/sub/y.md"));
        assert_eq!(resolve("a/b/x.md", "../../y.md").as_deref(), Some("y.md"));
        assert_eq!(resolve("x.md", "y.md").as_deref(), Some("y.md"));
        assert_eq!(resolve("api/x.md", "../../y.md"), None);
        assert_eq!(resolve("x.md", "../y.md"), None);
        // A page path's empty parts count as folders, as splitting it on `/` gives them.
        assert_eq!(resolve("/x.md", "y.md").as_deref(), Some("/y.md"));
        assert_eq!(resolve("/x.md", "../y.md").as_deref(), Some("y.md"));
        assert_eq!(resolve("/x.md", "../../y.md"), None);
        assert_eq!(resolve("a//x.md", "../y.md").as_deref(), Some("a/y.md"));
    }

    fn object(name: &str, base: Option<&str>, properties: &[(&str, TypeRef)]) -> TypeDef {
        let span = Span::new("resources/test.md", 1);
        let mut def = inferred_type(ApiVersion::Beta, name, TypeKind::Object, base, &span);
        def.origin = Origin::Documented;
        def.properties = properties
            .iter()
            .map(|(name, type_ref)| Property {
                name: (*name).to_owned(),
                type_ref: type_ref.clone(),
                description: None,
                read_only: false,
                required: None,
                possible_values: Vec::new(),
                origin: Origin::Documented,
                span: span.clone(),
            })
            .collect();
        def
    }

    fn named(name: &str) -> TypeRef {
        TypeRef::Named(name.to_owned())
    }

    const STRING: TypeRef = TypeRef::Primitive(Primitive::String);

    /// `node` (an entity with a name, a kind and a child node), `leaf` derived from it with a name
    /// of its own that is a string where the base's is a node, `orphan` with no base, and the enum
    /// `kind` with one member.
    fn types() -> Types {
        let mut kind = inferred_type(ApiVersion::Beta, "kind", TypeKind::Enum, None, &Span::new("k.md", 1));
        kind.members.push(EnumMember {
            name: "plain".into(),
            description: None,
            origin: Origin::Documented,
            span: Span::new("k.md", 2),
        });
        let defs = [
            object(
                "node",
                None,
                &[("name", named("node")), ("child", named("node")), ("kind", named("kind"))],
            ),
            object("leaf", Some("node"), &[("name", STRING), ("size", TypeRef::Primitive(Primitive::Int32))]),
            object("orphan", None, &[]),
            kind,
        ];
        defs.into_iter().map(|def| (def.name.clone(), def)).collect()
    }

    /// Whether walking `value` as `expected` changes the types, by walking a copy.
    fn walk_changes(value: &Value, expected: &TypeRef) -> bool {
        let before = types();
        let mut after = before.clone();
        let mut diagnostics = Vec::new();
        let mut inference =
            Inference { version: ApiVersion::Beta, types: &mut after, diagnostics: &mut diagnostics };
        inference.walk(value, expected, &Span::new("api/test.md", 1));
        after != before
    }

    #[test]
    fn the_probe_says_a_walk_adds_exactly_when_it_does() {
        let node = named("node");
        let nodes = TypeRef::Collection(Box::new(named("node")));
        let cases = [
            // Declared all the way down, annotations aside.
            (json!({"name": {"kind": "plain"}, "@odata.etag": "1", "owner@odata.bind": "x"}), &node, false),
            // A member of the base type, and the derived type's own `name`, a string, not a node.
            (
                json!({"@odata.type": "#microsoft.graph.leaf", "child": {}, "name": {"unknown": 1}}),
                &node,
                false,
            ),
            (json!({"@odata.type": "microsoft.graph.leaf", "size": 3}), &node, false),
            // Not objects where objects are expected, and strings that are no enum's.
            (json!([1, 2]), &node, false),
            (json!({"child": 7, "name": "text"}), &node, false),
            (json!([{"child": {"child": {}}}]), &nodes, false),
            // An undeclared member, here or deeper.
            (json!({"extra": 1}), &node, true),
            (json!({"child": {"child": {"extra": true}}}), &node, true),
            (json!([{"child": {}}, {"extra": null}]), &nodes, true),
            // A derived type nobody declared, or one without its base type yet.
            (json!({"@odata.type": "#microsoft.graph.twig"}), &node, true),
            (json!({"@odata.type": "#microsoft.graph.orphan"}), &node, true),
            // An object of a type nobody declared.
            (json!({}), &named("stranger"), true),
            // An enum member nobody listed, and an enum nobody declared.
            (json!({"kind": "fancy"}), &node, true),
            (json!("plain"), &named("kind"), false),
            (json!("mood"), &named("feeling"), true),
        ];
        let types = types();
        let probe = Probe::new(&types);
        for (value, expected, adds) in cases {
            assert_eq!(walk_changes(&value, expected), adds, "the walk of {value} as {expected:?}");
            assert_eq!(probe.adds(&value, expected), adds, "the probe of {value} as {expected:?}");
        }
    }

    #[test]
    fn a_property_documented_with_two_types_is_a_conflict_naming_both_as_the_pages_write_them() {
        let mut properties =
            object("node", None, &[("size", TypeRef::Primitive(Primitive::Int32))]).properties;
        let mut again = object("node", None, &[("size", TypeRef::Collection(Box::new(STRING)))]).properties;
        let mut diagnostics = Vec::new();
        if let Some(mut size) = again.pop() {
            size.span = Span::new("resources/other.md", 7);
            merge_property(&mut properties, size, &mut diagnostics);
        }
        let messages: Vec<_> =
            diagnostics.iter().map(|d| (d.span.line, d.code, d.message.as_str())).collect();
        assert_eq!(
            messages,
            [(
                7,
                DiagnosticCode::Conflict,
                "`size` is documented as `Collection(String)` here but as `Int32` at resources/test.md:1"
            )]
        );
        // The first source's type stands.
        assert_eq!(
            properties.iter().map(|p| &p.type_ref).collect::<Vec<_>>(),
            [&TypeRef::Primitive(Primitive::Int32)]
        );
    }

    #[test]
    fn of_two_properties_with_one_name_the_reach_keeps_the_one_found_first() {
        let mut twice = object("twice", Some("node"), &[("child", STRING), ("child", named("node"))]);
        twice.properties.push(twice.properties[0].clone());
        let mut types = types();
        types.insert("twice".into(), twice);
        let reach = properties_in_reach(&types, &types["twice"]);
        let names: Vec<_> = reach.iter().map(|(name, type_ref)| format!("{name}: {type_ref:?}")).collect();
        assert_eq!(names, ["child: Primitive(String)", "kind: Named(\"kind\")", "name: Named(\"node\")",]);
    }
}
