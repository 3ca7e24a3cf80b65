//! The tables of a page: properties and parameters (name, type, description, required, possible
//! values), permissions, and the type names their cells use.

use std::borrow::Cow;

use graph_ir::{
    ApiVersion, DiagnosticCode, Origin, PermissionEntry, PermissionKind, PermissionScopes, Permissions,
    Primitive, PrivilegeOrder, Property, Severity, TypeDef, TypeRef,
};

use super::{
    enum_type, is_placeholder, label, may_contain_ignoring_case, strip_namespace, Lowering, Outline,
    OPTIONAL, POSSIBLE_VALUES, POSSIBLE_VALUES_PHRASE, REQUIRED,
};
use crate::blocks::{Block, Cell, Row};

impl Lowering {
    /// Joins rows that continue the previous row's last cell: a description with a line break inside
    /// ends the markdown row early, and its next line arrives as a one-cell row of prose.
    fn logical_rows<'r>(&mut self, rows: &'r [Row]) -> Cow<'r, [Row]> {
        // Most tables have no broken row: they are read in place.
        if !rows.iter().skip(1).any(is_continuation) {
            return Cow::Borrowed(rows);
        }
        let mut joined: Vec<Row> = Vec::new();
        for row in rows {
            match joined.last_mut().and_then(|previous| previous.cells.last_mut()) {
                Some(cell) if is_continuation(row) => {
                    cell.text.push(' ');
                    cell.text.push_str(row.cells.first().map_or("", |c| c.text.trim()));
                    self.diag(
                        row.line,
                        Severity::Note,
                        DiagnosticCode::BadTableRow,
                        "line break inside a table cell; joined to the row above".into(),
                    );
                }
                _ => joined.push(row.clone()),
            }
        }
        Cow::Owned(joined)
    }

    /// Rows of a `Property | Type | Description` (or `Parameter | …`, `Name | …`) table as properties.
    /// Enum types named in a type column with "Possible values" become enum type definitions.
    pub(super) fn property_rows(
        &mut self,
        header: &[Cell],
        rows: &[Row],
        types: &mut Vec<TypeDef>,
        version: ApiVersion,
    ) -> Vec<Property> {
        let columns: Vec<String> = header.iter().map(|c| label(&c.text)).collect();
        let type_column = columns.iter().position(|c| c == "type" || c == "return type");
        let description_column = columns.iter().position(|c| c == "description");
        let Some(type_column) = type_column else { return Vec::new() };
        let mut properties = Vec::new();
        for row in self.logical_rows(rows).iter() {
            let Some(name) = row.cells.first().map(|c| c.text.trim()) else { continue };
            let rest_empty = row.cells.iter().skip(1).all(|c| c.text.trim().is_empty());
            if row.cells.first().is_some_and(|c| c.bold) && rest_empty {
                // `|**Device configuration**|`: a label grouping the rows below it, not a property.
                continue;
            }
            if name.is_empty() || name.contains(char::is_whitespace) {
                self.diag(
                    row.line,
                    Severity::Warning,
                    DiagnosticCode::BadTableRow,
                    format!("table row `{name}` does not name a property; skipped"),
                );
                continue;
            }
            let type_text = row.cells.get(type_column).map_or("", |c| c.text.as_str());
            let type_ref = match parse_type(type_text) {
                Some(t) => t,
                None => {
                    self.diag(
                        row.line,
                        Severity::Warning,
                        DiagnosticCode::UnknownType,
                        format!("type `{type_text}` of `{name}` is not a type; read as any JSON"),
                    );
                    TypeRef::Primitive(Primitive::Json)
                }
            };
            let raw_description =
                description_column.and_then(|i| row.cells.get(i)).map_or("", |c| c.text.as_str());
            let description = self.text(raw_description, row.line, &format_args!("description of `{name}`"));
            let text = description.as_deref().unwrap_or_default();
            let possible_values = possible_values(text);
            if let (TypeRef::Named(enum_name), false) = (innermost(&type_ref), possible_values.is_empty()) {
                types.push(enum_type(version, enum_name, &possible_values, self.span(row.line)));
            }
            properties.push(Property {
                name: name.to_owned(),
                type_ref,
                read_only: text.contains("read-only") || text.contains("Read-only"),
                required: required_flag(text),
                description,
                possible_values,
                origin: Origin::Documented,
                span: self.span(row.line),
            });
        }
        properties
    }

    pub(super) fn permissions(&mut self, outline: &Outline<'_>) -> Permissions {
        let mut permissions =
            Permissions { order: PrivilegeOrder::Unstated, entries: Vec::new(), include: None, span: None };
        let Some(section) = outline.section(|n| n == "permissions" || n == "prerequisites") else {
            let line = outline.title().map_or(1, |(_, l)| l);
            self.diag(
                line,
                Severity::Warning,
                DiagnosticCode::NoPermissions,
                "page has no permissions section".into(),
            );
            return permissions;
        };
        permissions.span = Some(self.span(section.line));
        for block in section.blocks {
            match block {
                Block::Include { label, target, line } if label.contains("permissions") => {
                    permissions.include = Some(target.clone());
                    self.diag(*line, Severity::Warning, DiagnosticCode::PermissionsInclude, format!("permissions are in include `{target}`, which is not in the input; permissions unknown"));
                }
                Block::Table { header, rows, .. }
                    if header.first().is_some_and(|c| label(&c.text).starts_with("permission type")) =>
                {
                    let order_text: Vec<String> = header.iter().skip(1).map(|c| label(&c.text)).collect();
                    permissions.order = privilege_order(&order_text);
                    // A page may have a table per case ("for a user", "for a group"): all count.
                    let entries = self.permission_rows(rows);
                    permissions.entries.extend(entries);
                }
                _ => {}
            }
        }
        if permissions.include.is_none() && permissions.entries.is_empty() {
            self.diag(
                section.line,
                Severity::Warning,
                DiagnosticCode::NoPermissions,
                "permissions section has no permissions table".into(),
            );
        }
        permissions
    }

    fn permission_rows(&mut self, rows: &[Row]) -> Vec<PermissionEntry> {
        let mut entries: Vec<PermissionEntry> = Vec::new();
        let mut current_kind: Option<PermissionKind> = None;
        for (index, row) in rows.iter().enumerate() {
            let Some(first) = row.cells.first() else { continue };
            // One cell of scopes, or (the newer layout) the least privileged then the higher ones.
            let cells: Vec<&str> = row.cells.iter().skip(1).map(|c| c.text.trim()).collect();
            let unavailable = |text: &str| {
                let lower = text.to_lowercase();
                ["not supported", "not available", "not applicable", "n/a"]
                    .iter()
                    .any(|no| lower.starts_with(no))
            };
            let listed: Vec<&str> =
                cells.iter().copied().filter(|text| !text.is_empty() && !unavailable(text)).collect();
            let scopes_text = match listed.as_slice() {
                [] => cells.iter().copied().find(|text| !text.is_empty()).unwrap_or_default(),
                _ => &listed.join(", "),
            };
            let workload_row = first.indented || (first.bold && permission_kind(&first.text).is_none());
            let (kind, workload) = if workload_row {
                let Some(kind) = current_kind else {
                    self.diag(
                        row.line,
                        Severity::Warning,
                        DiagnosticCode::BadTableRow,
                        format!("workload row `{}` has no permission type above it; skipped", first.text),
                    );
                    continue;
                };
                (kind, Some(first.text.clone()))
            } else {
                let Some(kind) = permission_kind(&first.text) else {
                    self.diag(
                        row.line,
                        Severity::Warning,
                        DiagnosticCode::BadTableRow,
                        format!("unknown permission type `{}`; skipped", first.text),
                    );
                    continue;
                };
                current_kind = Some(kind);
                (kind, None)
            };
            let next_is_workload = rows
                .get(index + 1)
                .and_then(|r| r.cells.first())
                .is_some_and(|c| c.indented || (c.bold && permission_kind(&c.text).is_none()));
            let scopes = if is_placeholder(scopes_text) {
                self.diag(
                    row.line,
                    Severity::Warning,
                    DiagnosticCode::TodoPlaceholder,
                    format!("permissions for `{}` are a TODO placeholder", first.text),
                );
                PermissionScopes::Unknown
            } else if unavailable(scopes_text) {
                PermissionScopes::NotSupported
            } else if scopes_text.is_empty() {
                if next_is_workload && workload.is_none() {
                    PermissionScopes::SeeWorkloads
                } else {
                    PermissionScopes::Unknown
                }
            } else {
                // A permission's name holds no space: some pages list theirs apart by spaces alone.
                PermissionScopes::Scopes(
                    scopes_text
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .map(|s| s.trim().trim_end_matches('.').to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            };
            entries.push(PermissionEntry { kind, workload, scopes, span: self.span(row.line) });
        }
        entries
    }
}

/// A row that is the rest of the row above: prose in its first cell and nothing in the others.
fn is_continuation(row: &Row) -> bool {
    let first = row.cells.first().map_or("", |c| c.text.trim());
    first.contains(' ')
        && !row.cells.first().is_some_and(|c| c.bold)
        && row.cells.iter().skip(1).all(|c| c.text.trim().is_empty())
}

/// Every table in `blocks` as (header, rows, line).
pub(super) fn each_table(blocks: &[Block]) -> impl Iterator<Item = (&[Cell], &[Row], u32)> {
    blocks.iter().filter_map(|b| match b {
        Block::Table { header, rows, line } => Some((header.as_slice(), rows.as_slice(), *line)),
        _ => None,
    })
}

/// The order the permissions columns' labels state: "(from least to most privileged)", or the newer
/// "Least privileged permissions" and "Higher privileged permissions" columns.
fn privilege_order(labels: &[String]) -> PrivilegeOrder {
    let first = labels.first().map_or("", String::as_str);
    let second = labels.get(1).map_or("", String::as_str);
    if first.contains("least to most")
        || (first.starts_with("least privileged") && second.starts_with("higher privileged"))
    {
        PrivilegeOrder::LeastToMost
    } else if first.contains("most to least") {
        PrivilegeOrder::MostToLeast
    } else {
        PrivilegeOrder::Unstated
    }
}

fn permission_kind(text: &str) -> Option<PermissionKind> {
    let lower = text.to_lowercase();
    if lower.starts_with("delegated") && lower.contains("personal") {
        Some(PermissionKind::DelegatedPersonal)
    } else if lower.starts_with("delegated") {
        Some(PermissionKind::DelegatedWorkOrSchool)
    } else if lower.starts_with("application") {
        Some(PermissionKind::Application)
    } else {
        None
    }
}

/// Whether a description says its property is required: a sentence of its own, `Required.` (or
/// `This property is required.`), or `Optional.`. Prose that merely uses the word ("Indicates
/// whether device compliance is required.", "Required if FileVault is enabled") says nothing of
/// the property itself.
fn required_flag(description: &str) -> Option<bool> {
    if !may_contain_ignoring_case(description, &REQUIRED)
        && !may_contain_ignoring_case(description, &OPTIONAL)
    {
        return None;
    }
    let is = |sentence: &str, flag: &str| sentence.trim().eq_ignore_ascii_case(flag);
    description.split('.').find_map(|sentence| {
        if is(sentence, "required") || is(sentence, "this property is required") {
            Some(true)
        } else if is(sentence, "optional") {
            Some(false)
        } else {
            None
        }
    })
}

/// Members from "Possible values are: `a`, `b`, `c`." (the backticks are already gone).
pub(super) fn possible_values(description: &str) -> Vec<String> {
    if !may_contain_ignoring_case(description, &POSSIBLE_VALUES_PHRASE) {
        return Vec::new();
    }
    let list = POSSIBLE_VALUES.find_iter(description).find_map(|m| member_list(description.get(m.end()..)?));
    let Some(list) = list else { return Vec::new() };
    list.split(',')
        .flat_map(|part| part.split(" and ").flat_map(|p| p.split(" or ")))
        .map(|m| m.trim().trim_matches(|c: char| c == '`' || c == '"' || c == '\'' || c == '.'))
        .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// The text after "Possible values are:" up to the first `.` that ends a sentence, or to the end;
/// `None` when a line break comes first. (A regex with the list as a capture group said the same at
/// several times the cost: its capture search ran over the whole list.)
fn member_list(rest: &str) -> Option<&str> {
    let mut chars = rest.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' => return None,
            '.' if chars.peek().is_none_or(|(_, next)| next.is_whitespace()) => return rest.get(..at),
            _ => {}
        }
    }
    Some(rest)
}

/// The primitive types by the names type columns give them, matched ignoring ASCII case. (No other
/// character lower-cases to a letter of these names, so Unicode case folding would match the same.)
const PRIMITIVE_NAMES: [(&str, Primitive); 25] = [
    ("string", Primitive::String),
    ("boolean", Primitive::Boolean),
    ("bool", Primitive::Boolean),
    ("byte", Primitive::Byte),
    ("sbyte", Primitive::SByte),
    ("int16", Primitive::Int16),
    ("int32", Primitive::Int32),
    ("int", Primitive::Int32),
    ("integer", Primitive::Int32),
    ("int64", Primitive::Int64),
    ("long", Primitive::Int64),
    ("single", Primitive::Single),
    ("double", Primitive::Double),
    ("decimal", Primitive::Decimal),
    ("guid", Primitive::Guid),
    ("datetimeoffset", Primitive::DateTimeOffset),
    ("datetime", Primitive::DateTimeOffset),
    ("date", Primitive::Date),
    ("timeofday", Primitive::TimeOfDay),
    ("duration", Primitive::Duration),
    ("timespan", Primitive::Duration),
    ("binary", Primitive::Binary),
    ("stream", Primitive::Stream),
    ("json", Primitive::Json),
    ("untyped", Primitive::Json),
];

/// A type column: `String`, `Int32`, `String collection`, `Collection(x)`, `x`, `x collection`.
/// `None` for anything else, and for collections nested deeper than [`MAX_COLLECTION_DEPTH`].
pub(super) fn parse_type(text: &str) -> Option<TypeRef> {
    parse_type_within(text, MAX_COLLECTION_DEPTH)
}

/// How deep `Collection(…)`s may nest in a type column. OData has no collection of collections; a
/// page's mistake may write one, but a cell of thousands (hostile input) must not recurse that deep
/// here, nor in everything that later walks the type.
const MAX_COLLECTION_DEPTH: usize = 4;

fn parse_type_within(text: &str, depth: usize) -> Option<TypeRef> {
    const COLLECTION_OF: &str = "collection(";
    let text = text.trim();
    let collection_of =
        text.get(..COLLECTION_OF.len()).is_some_and(|p| p.eq_ignore_ascii_case(COLLECTION_OF));
    let inner = collection_of.then(|| text.get(COLLECTION_OF.len()..text.len().saturating_sub(1)));
    let inner = inner
        .flatten()
        .or_else(|| text.strip_suffix(" collection"))
        .or_else(|| text.strip_suffix(" Collection"));
    if let Some(inner) = inner {
        let within = depth.checked_sub(1)?;
        return parse_type_within(inner, within).map(|t| TypeRef::Collection(Box::new(t)));
    }
    let name = text.strip_prefix("Edm.").unwrap_or(text);
    let name = strip_namespace(name);
    if let Some((_, primitive)) = PRIMITIVE_NAMES.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)) {
        return Some(TypeRef::Primitive(*primitive));
    }
    let identifier = !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier.then(|| TypeRef::Named(name.to_owned()))
}

pub(crate) fn innermost(type_ref: &TypeRef) -> &TypeRef {
    match type_ref {
        TypeRef::Collection(inner) => innermost(inner),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_columns() {
        assert_eq!(parse_type("String"), Some(TypeRef::Primitive(Primitive::String)));
        assert_eq!(
            parse_type("String collection"),
            Some(TypeRef::Collection(Box::new(TypeRef::Primitive(Primitive::String))))
        );
        assert_eq!(
            parse_type("thing collection"),
            Some(TypeRef::Collection(Box::new(TypeRef::Named("thing".into()))))
        );
        assert_eq!(
            parse_type("Collection(microsoft.graph.thing)"),
            Some(TypeRef::Collection(Box::new(TypeRef::Named("thing".into()))))
        );
        assert_eq!(parse_type("Edm.Int64"), Some(TypeRef::Primitive(Primitive::Int64)));
        assert_eq!(parse_type("two words"), None);
        let nested = |depth: usize| format!("x{}", " collection".repeat(depth));
        assert!(parse_type(&nested(MAX_COLLECTION_DEPTH)).is_some());
        assert_eq!(parse_type(&nested(MAX_COLLECTION_DEPTH + 1)), None);
        // Hostile input: read in constant stack, not one frame per word.
        assert_eq!(parse_type(&nested(200_000)), None);
        assert_eq!(parse_type(""), None);
    }

    #[test]
    fn only_a_sentence_of_its_own_says_a_property_is_required_or_optional() {
        let cases = [
            ("The display name. Required.", Some(true)),
            ("Required. The display name.", Some(true)),
            ("The id. This property is required.", Some(true)),
            ("Optional. A note", Some(false)),
            ("A note. optional", Some(false)),
            // The corpus's prose about other things that are required.
            ("Indicates whether device compliance is required.", None),
            ("Minutes of inactivity before a password is required.", None),
            ("Disable storage of previous PINs. This setting is not required.", None),
            ("Required if FileVault is enabled, determines the type of recovery key.", None),
            ("Required AzureAD trust type. Possible values are: azureAdJoined.", None),
            ("An optional note.", None),
            ("The name.", None),
        ];
        for (description, flag) in cases {
            assert_eq!(required_flag(description), flag, "{description}");
        }
    }

    #[test]
    fn possible_values_are_read_from_descriptions() {
        assert_eq!(
            possible_values("Type of resource. Possible values are: direct, policySets."),
            vec!["direct", "policySets"]
        );
        assert_eq!(possible_values("Possible values are: a, b and c"), vec!["a", "b", "c"]);
        assert!(possible_values("No list here.").is_empty());
        // A `.` inside a word does not end the list; one before a space or the end does.
        assert_eq!(possible_values("Possible values are: a, b.c, d. Later: e, f."), vec!["a", "d"]);
        assert_eq!(possible_values("Possible values are: a, d.\u{2003}e, f."), vec!["a", "d"]);
        // A list never runs across a line break: the next one that ends first counts.
        assert_eq!(
            possible_values("Possible values are: a,\nb. Possible values include x or y."),
            vec!["x", "y"]
        );
    }
}
