//! Walks a path template's segments through the CSDL, the way the service routes a request URL.
//!
//! The first segment is a singleton or entity set of the container. After it, each segment is a
//! navigation or structural property (looked up on the current type, then its base types, then its
//! derived types, since the docs often leave out the cast), a `{key}` that picks one member of a
//! collection, a `microsoft.graph.<type>` cast, a bound action or function (bound to the current type,
//! a base or a derived type; to the collection when the path is at a collection), or `$value` /
//! `$count` / `$ref`. Names match exactly, or else case-insensitively (Graph routes either way; the
//! result says so).

use std::fmt;

use graph_ir::{HttpMethod, PathSegment};

use crate::csdl::{short_name, Csdl, CsdlOperation, CsdlTypeRef, OperationKind, StructuredKind};

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Entities: a singleton, an entity set, a navigation, or one member of a collection.
    Entity { type_name: String, collection: bool },
    /// A structural property: a complex value, a primitive or an enum (or a collection of them).
    Property { type_ref: CsdlTypeRef },
    /// A bound action or function.
    Operation { kind: OperationKind, name: String, return_type: Option<CsdlTypeRef> },
    /// `$value`, `$count` or `$ref`.
    System { name: String },
}

impl Target {
    /// Whether the service accepts `method` on this target (OData conventions, no capability annotations).
    pub fn accepts(&self, method: HttpMethod) -> bool {
        use HttpMethod::{DELETE, GET, PATCH, POST, PUT};
        match self {
            Target::Entity { collection: true, .. } => matches!(method, GET | POST),
            Target::Entity { collection: false, .. } => matches!(method, GET | PATCH | PUT | DELETE),
            Target::Property { .. } => matches!(method, GET | PATCH | PUT | DELETE | POST),
            Target::Operation { kind: OperationKind::Action, .. } => method == POST,
            Target::Operation { kind: OperationKind::Function, .. } => method == GET,
            Target::System { name } => match name.as_str() {
                "$count" => method == GET,
                "$value" => matches!(method, GET | PUT),
                _ => matches!(method, GET | POST | PUT | DELETE),
            },
        }
    }

    /// The methods [`Target::accepts`] allows, for messages.
    pub fn accepted_methods(&self) -> String {
        let all = [HttpMethod::GET, HttpMethod::POST, HttpMethod::PATCH, HttpMethod::PUT, HttpMethod::DELETE];
        all.into_iter()
            .filter(|method| self.accepts(*method))
            .map(HttpMethod::as_str)
            .collect::<Vec<_>>()
            .join("/")
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Entity { type_name, collection: true } => write!(f, "a collection of {type_name}"),
            Target::Entity { type_name, collection: false } => write!(f, "one {type_name}"),
            Target::Property { type_ref } => write!(f, "a property of type {type_ref}"),
            Target::Operation { kind, name, .. } => write!(f, "the {} {name}", kind.as_str()),
            Target::System { name } => write!(f, "`{name}`"),
        }
    }
}

/// Something the walk accepted but that is worth saying.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Note {
    /// The member exists only on a type derived from the current one: the path leaves out the cast.
    ViaDerivedType { segment: usize, member: String, declared_on: String },
    /// The segment matched only case-insensitively.
    CaseDiffers { segment: usize, written: String, declared: String },
    /// A function call's argument names match no overload's parameter names.
    ArgumentsDiffer { segment: usize, function: String, written: Vec<String>, declared: Vec<String> },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::ViaDerivedType { segment, member, declared_on } => write!(
                f,
                "segment {}: `{member}` is declared only on the derived type {declared_on} (no cast in the path)",
                segment + 1
            ),
            Note::CaseDiffers { segment, written, declared } => {
                write!(f, "segment {}: `{written}` is declared as `{declared}`", segment + 1)
            }
            Note::ArgumentsDiffer { segment, function, written, declared } => write!(
                f,
                "segment {}: {function} is called with ({}) but declares ({})",
                segment + 1,
                written.join(", "),
                declared.join(", ")
            ),
        }
    }
}

/// A path that the CSDL routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// What the path names (the first alternative, derived types in name order).
    pub target: Target,
    /// What else it may name, when a member found only on derived types leads to different types.
    pub alternatives: Vec<Target>,
    /// Every entity type the walk went through, in order (for "which types do the docs reach").
    pub visited: Vec<String>,
    pub notes: Vec<Note>,
    /// Every action or function the path calls: (qualified name, binding type, bound to a collection).
    pub operations: Vec<(String, String, bool)>,
}

/// What a walk records on the way.
#[derive(Clone, Default)]
struct Trail {
    visited: Vec<String>,
    notes: Vec<Note>,
    operations: Vec<(String, String, bool)>,
    /// What the path's last segment may name besides the walk's own target: the other actions or
    /// functions its name may call (overloads the written arguments do not tell apart, or the same
    /// action on several derived types).
    also_named: Vec<Target>,
}

/// Why a path does not resolve: the 0-based index of the first segment that fails, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub segment: usize,
    pub reason: String,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {}: {}", self.segment + 1, self.reason)
    }
}

/// Where the walk is between segments.
#[derive(Clone, PartialEq)]
enum Cursor {
    Entity { type_name: String, collection: bool },
    Property { type_ref: CsdlTypeRef },
    Done(Target),
}

/// A member of a structured type found by name.
enum Member<'a> {
    Navigation(&'a crate::csdl::Navigation),
    Property(&'a crate::csdl::CsdlProperty),
}

/// Resolves `segments` (relative to the version root) against `csdl`.
///
/// A member found only on derived types may be declared on several of them with different target
/// types (`identityCertificate` is an iOS, Android or macOS certificate profile), so the walk keeps every
/// alternative and the path resolves if any of them does; a later cast usually picks one.
pub fn resolve(csdl: &Csdl, segments: &[PathSegment]) -> Result<Resolved, Unresolved> {
    let mut trail = Trail::default();
    let Some(first) = segments.first() else {
        return Err(Unresolved { segment: 0, reason: "the path is empty".into() });
    };
    let PathSegment::Literal { name } = first else {
        return Err(Unresolved {
            segment: 0,
            reason: format!("a path starts with a singleton or entity set, not {}", describe(first)),
        });
    };
    let member = match find_by_name(csdl.container.values(), name, |member| &member.name) {
        Some((member, exact)) => {
            if !exact {
                trail.notes.push(Note::CaseDiffers {
                    segment: 0,
                    written: name.clone(),
                    declared: member.name.clone(),
                });
            }
            member
        }
        None => {
            return Err(Unresolved { segment: 0, reason: format!("no singleton or entity set `{name}`") });
        }
    };
    trail.visited.push(member.type_name.clone());
    let mut frontier =
        vec![(Cursor::Entity { type_name: member.type_name.clone(), collection: member.is_set }, trail)];
    for (index, segment) in segments.iter().enumerate().skip(1) {
        let mut next: Vec<(Cursor, Trail)> = Vec::new();
        let mut first_error = None;
        for (cursor, trail) in &frontier {
            match step(csdl, cursor, trail, segment, index) {
                Ok(steps) => {
                    for (cursor, mut trail) in steps {
                        if let Cursor::Entity { type_name, .. } = &cursor {
                            if trail.visited.last() != Some(type_name) {
                                trail.visited.push(type_name.clone());
                            }
                        }
                        if !next.iter().any(|(seen, _)| *seen == cursor) {
                            next.push((cursor, trail));
                        }
                    }
                }
                Err(reason) => {
                    first_error.get_or_insert(reason);
                }
            }
        }
        if next.is_empty() {
            return Err(Unresolved { segment: index, reason: first_error.unwrap_or_default() });
        }
        frontier = next;
    }
    let mut walks = frontier.into_iter();
    let Some((cursor, trail)) = walks.next() else {
        return Err(Unresolved { segment: 0, reason: "the path is empty".into() });
    };
    // Every walk's calls count, and each may name more than its own target.
    let mut operations = trail.operations;
    let mut alternatives = trail.also_named;
    for (cursor, other) in walks {
        alternatives.push(cursor.into_target());
        alternatives.extend(other.also_named);
        for call in other.operations {
            if !operations.contains(&call) {
                operations.push(call);
            }
        }
    }
    Ok(Resolved {
        target: cursor.into_target(),
        alternatives,
        visited: trail.visited,
        notes: trail.notes,
        operations,
    })
}

impl Cursor {
    fn into_target(self) -> Target {
        match self {
            Cursor::Entity { type_name, collection } => Target::Entity { type_name, collection },
            Cursor::Property { type_ref } => Target::Property { type_ref },
            Cursor::Done(target) => target,
        }
    }
}

/// Every way `segment` continues the walk from `cursor`.
fn step(
    csdl: &Csdl,
    cursor: &Cursor,
    trail: &Trail,
    segment: &PathSegment,
    index: usize,
) -> Result<Vec<(Cursor, Trail)>, String> {
    let mut trail = trail.clone();
    // What an earlier segment may have named is not what the path names.
    trail.also_named.clear();
    let cursor = match cursor {
        Cursor::Done(target) => {
            return Err(format!("nothing can follow {target}, but {} does", describe(segment)));
        }
        Cursor::Property { type_ref } => step_property(csdl, type_ref, segment, index, &mut trail)?,
        Cursor::Entity { type_name, collection } => {
            // One entity's member: maybe several alternatives (see `resolve`).
            if let (false, PathSegment::Literal { name }) = (*collection, segment) {
                let members = if name.starts_with('$') {
                    Vec::new()
                } else {
                    find_members(csdl, type_name, name, index)
                };
                if !members.is_empty() {
                    return Ok(members
                        .into_iter()
                        .map(|(member, notes)| {
                            let mut trail = trail.clone();
                            trail.notes.extend(notes);
                            (member_cursor(member), trail)
                        })
                        .collect());
                }
            }
            step_entity(csdl, type_name, *collection, segment, index, &mut trail)?
        }
    };
    Ok(vec![(cursor, trail)])
}

fn step_entity(
    csdl: &Csdl,
    type_name: &str,
    collection: bool,
    segment: &PathSegment,
    index: usize,
    trail: &mut Trail,
) -> Result<Cursor, String> {
    match segment {
        PathSegment::Parameter { name } => {
            if collection {
                Ok(Cursor::Entity { type_name: type_name.to_owned(), collection: false })
            } else {
                Err(format!("`{{{name}}}` is a key, but the path is at one {type_name}, not a collection"))
            }
        }
        PathSegment::Literal { name } if name.starts_with('$') => system(name, collection),
        PathSegment::Literal { name } => {
            if let Some(cursor) = bound_operation(csdl, type_name, collection, name, None, &[], index, trail)
            {
                return Ok(cursor);
            }
            if collection && !find_members(csdl, type_name, name, index).is_empty() {
                return Err(format!(
                    "`{name}` is a member of {type_name}, but the path is at a collection of it (a `{{key}}` is missing)"
                ));
            }
            let nowhere =
                if declared_anywhere(csdl, name) { "" } else { "; nothing in the metadata has that name" };
            Err(format!(
                "{type_name}{} has no navigation, property, action or function `{name}` (nor its base or derived types){nowhere}",
                if collection { " (collection)" } else { "" }
            ))
        }
        PathSegment::Cast { namespace, type_name: cast } => {
            if let Some(qualified) = find_type(csdl, namespace, cast) {
                if csdl.derives_from(&qualified, type_name) || csdl.derives_from(type_name, &qualified) {
                    return Ok(Cursor::Entity { type_name: qualified, collection });
                }
                return Err(format!(
                    "cast to {qualified}, which is neither derived from nor a base of {type_name}"
                ));
            }
            let qualified = format!("{namespace}.{cast}");
            bound_operation(csdl, type_name, collection, cast, Some(&qualified), &[], index, trail)
                .ok_or_else(|| format!("no type, action or function {qualified}"))
        }
        PathSegment::Call { name, arguments } => {
            let written: Vec<String> = arguments.iter().map(|argument| argument.name.clone()).collect();
            let (short, qualified) = match name.rsplit_once('.') {
                Some((_, short)) => (short, Some(name.as_str())),
                None => (name.as_str(), None),
            };
            bound_operation(csdl, type_name, collection, short, qualified, &written, index, trail).ok_or_else(
                || {
                    format!(
                        "no function `{name}` bound to {}{type_name} (nor its base or derived types)",
                        if collection { "a collection of " } else { "" }
                    )
                },
            )
        }
    }
}

fn step_property(
    csdl: &Csdl,
    type_ref: &CsdlTypeRef,
    segment: &PathSegment,
    index: usize,
    trail: &mut Trail,
) -> Result<Cursor, String> {
    let complex =
        csdl.types.get(&type_ref.name).filter(|t| t.kind == StructuredKind::Complex && !type_ref.collection);
    match (segment, complex) {
        (PathSegment::Literal { name }, _) if name == "$value" || name == "$count" => {
            system(name, type_ref.collection)
        }
        (PathSegment::Literal { name }, Some(complex)) => {
            let (member, notes) = find_members(csdl, &complex.name, name, index)
                .into_iter()
                .next()
                .ok_or_else(|| format!("the complex type {} has no property `{name}`", complex.name))?;
            trail.notes.extend(notes);
            Ok(member_cursor(member))
        }
        (PathSegment::Cast { namespace, type_name }, Some(complex)) => {
            let qualified = find_type(csdl, namespace, type_name)
                .filter(|qualified| csdl.derives_from(qualified, &complex.name))
                .ok_or_else(|| format!("{namespace}.{type_name} does not derive from {}", complex.name))?;
            Ok(Cursor::Property { type_ref: CsdlTypeRef { name: qualified, collection: false } })
        }
        _ => Err(format!("{} cannot follow a property of type {type_ref}", describe(segment))),
    }
}

fn system(name: &str, collection: bool) -> Result<Cursor, String> {
    match name {
        "$count" if !collection => Err("`$count` needs a collection".into()),
        "$value" | "$count" | "$ref" => Ok(Cursor::Done(Target::System { name: name.to_owned() })),
        _ => Err(format!("unknown system segment `{name}`")),
    }
}

fn member_cursor(member: Member) -> Cursor {
    match member {
        Member::Navigation(navigation) => Cursor::Entity {
            type_name: navigation.type_ref.name.clone(),
            collection: navigation.type_ref.collection,
        },
        Member::Property(property) => Cursor::Property { type_ref: property.type_ref.clone() },
    }
}

/// Finds a navigation or structural property named `name` on `type_name` or its bases; failing that,
/// on its derived types, where several may declare it (one result per distinct target, each with the
/// note saying where it was found). Exact names first, then case-insensitive ones.
fn find_members<'a>(
    csdl: &'a Csdl,
    type_name: &str,
    name: &str,
    index: usize,
) -> Vec<(Member<'a>, Vec<Note>)> {
    let bases = csdl.base_chain(type_name);
    let derived = csdl.all_derived(type_name);
    for exact in [true, false] {
        for (family, through_derived) in [(&bases, false), (&derived, true)] {
            let mut found: Vec<(Member, Vec<Note>)> = Vec::new();
            let mut targets: Vec<&CsdlTypeRef> = Vec::new();
            for structured in family.iter() {
                let member = structured
                    .navigations
                    .iter()
                    .find(|n| same_name(&n.name, name, exact))
                    .map(|n| (Member::Navigation(n), n.name.as_str(), &n.type_ref))
                    .or_else(|| {
                        structured
                            .properties
                            .iter()
                            .find(|p| same_name(&p.name, name, exact))
                            .map(|p| (Member::Property(p), p.name.as_str(), &p.type_ref))
                    });
                let Some((member, declared, target)) = member else { continue };
                if targets.contains(&target) {
                    continue;
                }
                targets.push(target);
                let mut notes = Vec::new();
                if !exact {
                    notes.push(Note::CaseDiffers {
                        segment: index,
                        written: name.to_owned(),
                        declared: declared.to_owned(),
                    });
                }
                if through_derived {
                    notes.push(Note::ViaDerivedType {
                        segment: index,
                        member: name.to_owned(),
                        declared_on: structured.name.clone(),
                    });
                }
                found.push((member, notes));
                if !through_derived {
                    // The nearest declaration wins on the type's own chain.
                    break;
                }
            }
            if !found.is_empty() {
                return found;
            }
        }
    }
    Vec::new()
}

/// Finds an action or function `name` bound to `type_name` (or a collection of it), its bases or its
/// derived types. `qualified`, when given, must equal the operation's qualified name. `arguments` are a
/// call's argument names: an overload declaring them all is preferred.
#[allow(clippy::too_many_arguments)]
fn bound_operation(
    csdl: &Csdl,
    type_name: &str,
    collection: bool,
    name: &str,
    qualified: Option<&str>,
    arguments: &[String],
    index: usize,
    trail: &mut Trail,
) -> Option<Cursor> {
    let bases: Vec<&str> = csdl.base_chain(type_name).iter().map(|t| t.name.as_str()).collect();
    let derived: Vec<&str> = csdl.all_derived(type_name).iter().map(|t| t.name.as_str()).collect();
    let bases = if bases.is_empty() { vec![type_name] } else { bases };
    for exact in [true, false] {
        for (family, through_derived) in [(&bases, false), (&derived, true)] {
            let candidates: Vec<&CsdlOperation> = csdl
                .operations
                .iter()
                .filter(|operation| {
                    operation.binding.as_ref().is_some_and(|binding| {
                        binding.collection == collection && family.contains(&binding.name.as_str())
                    }) && same_name(short_name(&operation.name), name, exact)
                        && qualified.is_none_or(|q| same_name(&operation.name, q, exact))
                })
                .collect();
            let Some(first) = candidates.first() else { continue };
            let declares_all = |operation: &CsdlOperation| {
                arguments.iter().all(|argument| operation.parameters.iter().any(|p| p.name == *argument))
            };
            let fitting = candidates.iter().copied().find(|operation| declares_all(operation));
            let operation = fitting.unwrap_or(first);
            if !arguments.is_empty() && fitting.is_none() {
                trail.notes.push(Note::ArgumentsDiffer {
                    segment: index,
                    function: operation.name.clone(),
                    written: arguments.to_vec(),
                    declared: operation.parameters.iter().map(|p| p.name.clone()).collect(),
                });
            }
            if !exact {
                trail.notes.push(Note::CaseDiffers {
                    segment: index,
                    written: name.to_owned(),
                    declared: short_name(&operation.name).to_owned(),
                });
            }
            if through_derived {
                let binding = operation.binding.as_ref().map(|b| b.name.clone()).unwrap_or_default();
                trail.notes.push(Note::ViaDerivedType {
                    segment: index,
                    member: name.to_owned(),
                    declared_on: binding,
                });
            }
            // The path may call any candidate that declares the written arguments (every one, when
            // none are written): each is credited, and each one's result is a possible answer.
            let called: Vec<&CsdlOperation> = match fitting {
                Some(_) => candidates.iter().copied().filter(|candidate| declares_all(candidate)).collect(),
                None => vec![operation],
            };
            for candidate in &called {
                if let Some(binding) = &candidate.binding {
                    let call = (candidate.name.clone(), binding.name.clone(), binding.collection);
                    if !trail.operations.contains(&call) {
                        trail.operations.push(call);
                    }
                }
                if !std::ptr::eq(*candidate, operation) {
                    trail.also_named.push(Target::Operation {
                        kind: candidate.kind,
                        name: candidate.name.clone(),
                        return_type: candidate.return_type.clone(),
                    });
                }
            }
            // A function that returns entities can be composed on; everything else ends the path.
            if let (OperationKind::Function, Some(returns)) = (operation.kind, &operation.return_type) {
                if csdl.types.get(&returns.name).is_some_and(|t| t.kind == StructuredKind::Entity) {
                    return Some(Cursor::Entity {
                        type_name: returns.name.clone(),
                        collection: returns.collection,
                    });
                }
            }
            return Some(Cursor::Done(Target::Operation {
                kind: operation.kind,
                name: operation.name.clone(),
                return_type: operation.return_type.clone(),
            }));
        }
    }
    None
}

/// Whether any type declares a member `name`, or any action or function is called `name`.
fn declared_anywhere(csdl: &Csdl, name: &str) -> bool {
    csdl.types.values().any(|structured| {
        structured.navigations.iter().any(|n| n.name.eq_ignore_ascii_case(name))
            || structured.properties.iter().any(|p| p.name.eq_ignore_ascii_case(name))
    }) || csdl.operations.iter().any(|operation| short_name(&operation.name).eq_ignore_ascii_case(name))
}

fn find_type(csdl: &Csdl, namespace: &str, name: &str) -> Option<String> {
    let wanted = format!("{namespace}.{name}");
    if csdl.types.contains_key(&wanted) {
        return Some(wanted);
    }
    csdl.types.keys().find(|candidate| candidate.eq_ignore_ascii_case(&wanted)).cloned()
}

fn find_by_name<'a, T>(
    items: impl Iterator<Item = &'a T> + Clone,
    name: &str,
    key: impl Fn(&T) -> &String,
) -> Option<(&'a T, bool)> {
    items.clone().find(|item| key(item) == name).map(|item| (item, true)).or_else(|| {
        items.into_iter().find(|item| key(item).eq_ignore_ascii_case(name)).map(|item| (item, false))
    })
}

fn same_name(declared: &str, written: &str, exact: bool) -> bool {
    if exact {
        declared == written
    } else {
        declared.eq_ignore_ascii_case(written)
    }
}

/// A segment as written, for messages.
pub fn describe(segment: &PathSegment) -> String {
    match segment {
        PathSegment::Literal { name } => format!("`{name}`"),
        PathSegment::Parameter { name } => format!("`{{{name}}}`"),
        PathSegment::Cast { namespace, type_name } => format!("the cast `{namespace}.{type_name}`"),
        PathSegment::Call { name, .. } => format!("the call `{name}(…)`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small service: a singleton with a collection of abstract profiles; two derived profiles that
    /// declare the same navigation with different targets; bound actions on one and on the collection.
    const SERVICE: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="deviceManagement" BaseType="graph.entity">
        <Property Name="settings" Type="graph.settings" />
        <NavigationProperty Name="profiles" Type="Collection(graph.profile)" ContainsTarget="true" />
      </EntityType>
      <ComplexType Name="settings">
        <Property Name="enabled" Type="Edm.Boolean" />
      </ComplexType>
      <EntityType Name="profile" BaseType="graph.entity" Abstract="true">
        <NavigationProperty Name="assignments" Type="Collection(graph.assignment)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="certificateBase" BaseType="graph.profile" Abstract="true" />
      <EntityType Name="iosCertificate" BaseType="graph.certificateBase" />
      <EntityType Name="androidCertificateBase" BaseType="graph.profile" Abstract="true" />
      <EntityType Name="androidPkcsCertificate" BaseType="graph.androidCertificateBase" />
      <EntityType Name="iosScepProfile" BaseType="graph.profile">
        <NavigationProperty Name="rootCertificate" Type="graph.certificateBase" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="androidScepProfile" BaseType="graph.profile">
        <NavigationProperty Name="rootCertificate" Type="graph.androidCertificateBase" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="assignment" BaseType="graph.entity" />
      <Action Name="assign" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.profile" />
        <Parameter Name="assignments" Type="Collection(graph.assignment)" />
      </Action>
      <Action Name="updatePriorities" IsBound="true">
        <Parameter Name="bindingParameter" Type="Collection(graph.profile)" />
      </Action>
      <Function Name="getReport" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.deviceManagement" />
        <Parameter Name="period" Type="Edm.String" />
        <ReturnType Type="Edm.Stream" />
      </Function>
      <Function Name="scepOnly" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.iosScepProfile" />
        <ReturnType Type="Collection(graph.assignment)" />
      </Function>
      <Action Name="renew" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.iosScepProfile" />
      </Action>
      <Action Name="renew" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.androidScepProfile" />
      </Action>
      <Function Name="getStats" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.deviceManagement" />
        <ReturnType Type="Collection(Edm.String)" />
      </Function>
      <Function Name="getStats" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.deviceManagement" />
        <Parameter Name="scope" Type="Edm.String" />
        <ReturnType Type="Collection(graph.assignment)" />
      </Function>
      <EntityContainer Name="GraphService">
        <Singleton Name="deviceManagement" Type="microsoft.graph.deviceManagement" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

    fn check(path: &str) -> Result<Resolved, Unresolved> {
        let csdl = Csdl::parse("service.xml", SERVICE)
            .map_err(|e| Unresolved { segment: 99, reason: e.to_string() })?;
        let segments = graph_parser::paths::parse_path(path)
            .map_err(|reason| Unresolved { segment: 99, reason: format!("test path: {reason}") })?;
        resolve(&csdl, &segments)
    }

    fn target(path: &str) -> String {
        match check(path) {
            Ok(resolved) => resolved.target.to_string(),
            Err(unresolved) => format!("unresolved: {unresolved}"),
        }
    }

    fn entity(type_name: &str, collection: bool) -> String {
        Target::Entity { type_name: format!("microsoft.graph.{type_name}"), collection }.to_string()
    }

    #[test]
    fn singleton_navigation_and_key_reach_one_member_of_a_collection() {
        assert_eq!(target("/deviceManagement"), entity("deviceManagement", false));
        assert_eq!(target("/deviceManagement/profiles"), entity("profile", true));
        assert_eq!(target("/deviceManagement/profiles/{profileId}"), entity("profile", false));
        assert_eq!(
            target("/deviceManagement/profiles/{profileId}/assignments/{id}"),
            entity("assignment", false)
        );
    }

    #[test]
    fn navigation_is_found_on_base_types() {
        let resolved = check("/deviceManagement/profiles/{id}/microsoft.graph.iosScepProfile/assignments");
        assert_eq!(resolved.as_ref().map(|r| r.target.to_string()), Ok(entity("assignment", true)));
        assert_eq!(resolved.map(|r| r.notes), Ok(Vec::new()));
    }

    #[test]
    fn navigation_only_on_a_derived_type_resolves_with_a_note() {
        // Two derived types declare it; the first alternative (derived types in name order) is kept.
        let resolved = check("/deviceManagement/profiles/{id}/rootCertificate");
        let notes = resolved.map(|r| r.notes).unwrap_or_default();
        assert!(matches!(notes.as_slice(), [Note::ViaDerivedType { segment: 3, member, declared_on }]
            if member == "rootCertificate" && declared_on == "microsoft.graph.androidScepProfile"));
    }

    #[test]
    fn a_later_cast_picks_between_derived_types_declaring_the_same_navigation() {
        // `rootCertificate` is a certificateBase on iOS, an androidCertificateBase on Android.
        assert_eq!(
            target("/deviceManagement/profiles/{id}/rootCertificate/microsoft.graph.androidPkcsCertificate"),
            entity("androidPkcsCertificate", false)
        );
        assert_eq!(
            target(
                "/deviceManagement/profiles/{id}/rootCertificate/microsoft.graph.iosCertificate/assignments"
            ),
            entity("assignment", true)
        );
    }

    #[test]
    fn casts_must_stay_within_the_type_family() {
        assert_eq!(
            target("/deviceManagement/profiles/{id}/microsoft.graph.assignment"),
            "unresolved: segment 4: cast to microsoft.graph.assignment, which is neither derived from nor a base of microsoft.graph.profile"
        );
        assert_eq!(
            target("/deviceManagement/profiles/microsoft.graph.iosScepProfile"),
            entity("iosScepProfile", true)
        );
    }

    #[test]
    fn bound_actions_and_functions_on_one_entity_on_a_collection_and_via_derived_types() {
        let action = |name: &str| Target::Operation {
            kind: OperationKind::Action,
            name: format!("microsoft.graph.{name}"),
            return_type: None,
        };
        assert_eq!(target("/deviceManagement/profiles/{id}/assign"), action("assign").to_string());
        assert_eq!(
            target("/deviceManagement/profiles/{id}/microsoft.graph.assign"),
            action("assign").to_string()
        );
        assert_eq!(
            target("/deviceManagement/profiles/updatePriorities"),
            action("updatePriorities").to_string()
        );
        assert_eq!(
            target("/deviceManagement/profiles/assign"),
            "unresolved: segment 3: microsoft.graph.profile (collection) has no navigation, property, action or function `assign` (nor its base or derived types)"
        );
        let called =
            check("/deviceManagement/profiles/{id}/assign").map(|r| r.operations).unwrap_or_default();
        assert_eq!(called, [("microsoft.graph.assign".into(), "microsoft.graph.profile".into(), false)]);
        // A composable function that returns entities can be navigated further.
        assert_eq!(
            target("/deviceManagement/profiles/{id}/scepOnly()/{assignmentId}"),
            entity("assignment", false)
        );
    }

    #[test]
    fn an_action_several_derived_types_declare_is_called_on_each_and_names_each() {
        let resolved = check("/deviceManagement/profiles/{id}/renew").map_err(|e| e.to_string());
        let called = resolved.as_ref().map(|r| r.operations.clone()).unwrap_or_default();
        let renew = |on: &str| ("microsoft.graph.renew".to_owned(), format!("microsoft.graph.{on}"), false);
        assert_eq!(called, [renew("iosScepProfile"), renew("androidScepProfile")]);
        assert_eq!(resolved.map(|r| r.alternatives.len()), Ok(1), "the other derived type's action");
    }

    #[test]
    fn overloads_the_written_arguments_do_not_tell_apart_are_each_a_possible_answer() {
        // What each possible target returns.
        let answers = |path: &str| -> Vec<String> {
            let resolved = check(path).ok();
            let targets = resolved.iter().flat_map(|r| std::iter::once(&r.target).chain(&r.alternatives));
            targets
                .map(|target| match target {
                    Target::Operation { return_type: Some(returns), .. } => returns.to_string(),
                    other => other.to_string(),
                })
                .collect()
        };
        assert_eq!(
            answers("/deviceManagement/getStats"),
            ["Collection(Edm.String)", "Collection(microsoft.graph.assignment)"]
        );
        // The arguments pick one overload; it returns entities, so the path is at them.
        assert_eq!(
            answers("/deviceManagement/getStats(scope='{scope}')"),
            ["a collection of microsoft.graph.assignment"]
        );
        // The called operation is the name bound to the type, whichever overload.
        let called = check("/deviceManagement/getStats").map(|r| r.operations).unwrap_or_default();
        assert_eq!(
            called,
            [("microsoft.graph.getStats".into(), "microsoft.graph.deviceManagement".into(), false)]
        );
    }

    #[test]
    fn function_calls_check_argument_names() {
        let good = check("/deviceManagement/getReport(period='{period}')").map(|r| r.notes);
        assert_eq!(good, Ok(Vec::new()));
        let bad = check("/deviceManagement/getReport(days={days})").map(|r| r.notes).unwrap_or_default();
        assert!(matches!(bad.as_slice(), [Note::ArgumentsDiffer { written, declared, .. }]
            if written == &["days"] && declared == &["period"]));
    }

    #[test]
    fn keys_need_a_collection_and_members_need_a_key() {
        assert_eq!(
            target("/deviceManagement/{id}"),
            "unresolved: segment 2: `{id}` is a key, but the path is at one microsoft.graph.deviceManagement, not a collection"
        );
        assert_eq!(
            target("/deviceManagement/profiles/assignments"),
            "unresolved: segment 3: `assignments` is a member of microsoft.graph.profile, but the path is at a collection of it (a `{key}` is missing)"
        );
    }

    #[test]
    fn structural_properties_and_system_segments() {
        assert_eq!(target("/deviceManagement/settings/enabled"), "a property of type Edm.Boolean");
        assert_eq!(target("/deviceManagement/profiles/$count"), "`$count`");
        assert_eq!(
            target("/deviceManagement/profiles/$count/x"),
            "unresolved: segment 4: nothing can follow `$count`, but `x` does"
        );
    }

    #[test]
    fn unknown_roots_and_names_say_which_segment_fails_and_why() {
        assert_eq!(
            target("/officeConfiguration/clientConfigurations"),
            "unresolved: segment 1: no singleton or entity set `officeConfiguration`"
        );
        assert_eq!(
            target("/deviceManagement/reports"),
            "unresolved: segment 2: microsoft.graph.deviceManagement has no navigation, property, action or function `reports` (nor its base or derived types); nothing in the metadata has that name"
        );
    }

    #[test]
    fn names_match_case_insensitively_with_a_note() {
        let notes = check("/DeviceManagement/Profiles").map(|r| r.notes).unwrap_or_default();
        assert_eq!(notes.len(), 2);
        assert!(notes.iter().all(|note| matches!(note, Note::CaseDiffers { .. })));
    }

    #[test]
    fn methods_fit_targets_by_odata_conventions() {
        let collection = Target::Entity { type_name: "x".into(), collection: true };
        let single = Target::Entity { type_name: "x".into(), collection: false };
        assert!(collection.accepts(HttpMethod::POST) && !collection.accepts(HttpMethod::PATCH));
        assert!(single.accepts(HttpMethod::PATCH) && !single.accepts(HttpMethod::POST));
        let function =
            Target::Operation { kind: OperationKind::Function, name: "f".into(), return_type: None };
        assert_eq!(function.accepted_methods(), "GET");
    }
}
