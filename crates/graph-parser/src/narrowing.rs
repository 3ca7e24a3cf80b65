//! Which `GET`s answer more types than their pages say ([`Narrowing`]), from what the other pages
//! document at the same path, or at the list or item path beside it.
//!
//! Each kind of device configuration has a page documenting `GET /deviceManagement/deviceConfigurations`
//! as a list of that kind, and one documenting `GET …/{deviceConfigurationId}` as one of them, beside
//! the pages answering any `deviceConfiguration` there. The service answers every kind to all of them,
//! so the kind's operations are marked to read only that kind (and the kinds derived from it).

use std::collections::{BTreeMap, BTreeSet};

use graph_ir::{HttpMethod, Narrowing, Operation, PathSegment, PathTemplate, TypeDef, TypeKind, TypeRef};

/// One `GET` path answering an object or a list of them.
struct Get<'a> {
    /// The operation's index.
    index: usize,
    /// The type it answers (or a list of which it answers).
    answers: &'a str,
    path: &'a PathTemplate,
}

/// Sets `narrowed` on each `GET` of one version whose path also answers other types. `operations`
/// are in their final order with their final names, `types` linked (each lists its derived types).
pub(crate) fn narrow_gets(operations: &mut [Operation], types: &BTreeMap<String, TypeDef>) {
    let mut at: BTreeMap<&[PathSegment], Vec<Get<'_>>> = BTreeMap::new();
    for (index, op) in operations.iter().enumerate() {
        let Some(answers) = answered_object(op, types) else { continue };
        for path in &op.paths {
            at.entry(path.segments.as_slice()).or_default().push(Get { index, answers, path });
        }
    }
    let answered: BTreeSet<&str> = at.values().flatten().map(|get| get.answers).collect();
    let derived = graph_ir::derived_closure(types.values());
    let derived_of = |name: &str| derived.get(name).map(Vec::as_slice).unwrap_or_default();
    // The item paths of each list path: `{list}/{id}`.
    let mut items: BTreeMap<&[PathSegment], Vec<&[PathSegment]>> = BTreeMap::new();
    for key in at.keys() {
        if let Some((PathSegment::Parameter { .. }, list)) = key.split_last() {
            items.entry(list).or_default().push(key);
        }
    }

    // For each answered type, the answered types it derives from.
    let mut bases: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &base in &answered {
        for &name in derived_of(base) {
            bases.entry(name).or_default().push(base);
        }
    }

    let mut found: BTreeMap<usize, (&Get<'_>, &Get<'_>)> = BTreeMap::new();
    for (key, here) in &at {
        // What else answers at this path, by type (the first GET of each): the GETs here, its items'
        // GETs, its list's GETs.
        let item_gets = items.get(key).into_iter().flatten().filter_map(|item| at.get(item)).flatten();
        let list_gets = match key.split_last() {
            Some((PathSegment::Parameter { .. }, list)) => at.get(list),
            _ => None,
        };
        let mut by_type: BTreeMap<&str, &Get<'_>> = BTreeMap::new();
        for other in here.iter().chain(item_gets).chain(list_gets.into_iter().flatten()) {
            by_type.entry(other.answers).or_insert(other);
        }
        for get in here {
            for &base in bases.get(get.answers).into_iter().flatten() {
                let Some(&other) = by_type.get(base) else { continue };
                // The widest such type names the narrowing; ties go to the first name.
                let breadth = derived_of(base).len();
                let known_is_wider = |(_, known): &(&Get<'_>, &Get<'_>)| {
                    (derived_of(known.answers).len(), std::cmp::Reverse(known.answers))
                        >= (breadth, std::cmp::Reverse(base))
                };
                if found.get(&get.index).is_some_and(known_is_wider) {
                    continue;
                }
                found.insert(get.index, (get, other));
            }
        }
    }

    let narrowings: Vec<(usize, Narrowing)> = found
        .into_values()
        .map(|(get, other)| {
            let kept = std::iter::once(get.answers).chain(derived_of(get.answers).iter().copied());
            let wider_operation = operations.get(other.index).map(|op| op.name.clone()).unwrap_or_default();
            let narrowing = Narrowing {
                kept: kept.map(str::to_owned).collect(),
                wider_type: other.answers.to_owned(),
                wider_operation,
                wider_path: other.path.clone(),
            };
            (get.index, narrowing)
        })
        .collect();
    for (index, narrowing) in narrowings {
        if let Some(op) = operations.get_mut(index) {
            op.narrowed = Some(narrowing);
        }
    }
}

/// The object type a `GET` answers, alone or as a list; `None` for another method, no body, or a
/// body that is not a documented object type.
fn answered_object<'o>(op: &'o Operation, types: &BTreeMap<String, TypeDef>) -> Option<&'o str> {
    if op.method != HttpMethod::GET || op.response.status == 204 {
        return None;
    }
    let name = match op.response.body.as_ref()? {
        TypeRef::Named(name) => name,
        TypeRef::Collection(item) => match item.as_ref() {
            TypeRef::Named(name) => name,
            _ => return None,
        },
        TypeRef::Primitive(_) => return None,
    };
    types.get(name).filter(|def| def.kind != TypeKind::Enum).map(|_| name.as_str())
}
