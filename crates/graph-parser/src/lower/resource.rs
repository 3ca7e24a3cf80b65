//! A resource page: its type (properties, relationships, base type, `JSON representation`) or enum
//! (members table).

use std::collections::BTreeMap;

use graph_ir::{ApiVersion, DiagnosticCode, EnumMember, Origin, Property, Severity, Span, TypeDef, TypeKind};

use super::{each_table, field, may_contain_ignoring_case, Lowering, Outline, INHERITS, INHERITS_FROM};
use crate::blocks::Block;

impl Lowering {
    /// The `## JSON Representation` block lists the same members as the tables; each one missing on either
    /// side is a diagnostic (navigation properties are not in the JSON, so only the JSON side is checked
    /// against the tables, and the properties table against the JSON).
    fn check_json_representation(&mut self, outline: &Outline<'_>, type_name: &str, properties: &[Property]) {
        let Some(section) = outline.section(|n| n == "json representation") else { return };
        let Some((text, line)) = section.blocks.iter().find_map(|b| match b {
            Block::Code { text, line, .. } => Some((text.as_str(), *line)),
            _ => None,
        }) else {
            return;
        };
        // Only the names are checked: the values are skipped, not built.
        type Members = BTreeMap<String, serde::de::IgnoredAny>;
        let members = serde_json::from_str::<Members>(text)
            .or_else(|_| serde_json::from_str::<Members>(&crate::json_repair::repair(text)));
        let Ok(members) = members else {
            self.diag(
                line,
                Severity::Note,
                DiagnosticCode::InvalidJson,
                format!("JSON representation of `{type_name}` is not a JSON object; not checked"),
            );
            return;
        };
        for member in members.keys().filter(|k| !k.starts_with('@')) {
            if !properties.iter().any(|p| &p.name == member) {
                self.diag(line, Severity::Warning, DiagnosticCode::Conflict, format!("`{member}` is in the JSON representation of `{type_name}` but not in its properties table"));
            }
        }
    }

    /// A resource page: `## Properties` (+ `## Relationships`) → an object type; a members table → an enum.
    pub(super) fn resource(
        &mut self,
        version: ApiVersion,
        title: &str,
        outline: &Outline<'_>,
    ) -> Vec<TypeDef> {
        let title_line = outline.title().map_or(1, |(_, l)| l);
        let name = title.split_whitespace().next().unwrap_or_default();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            self.diag(
                title_line,
                Severity::Warning,
                DiagnosticCode::UnknownPageKind,
                format!("resource page title `{title}` does not name a type; skipped"),
            );
            return Vec::new();
        }
        let mut types = Vec::new();
        let description = self.summary(outline);
        let base_type = outline.preamble.iter().find_map(|b| match b {
            Block::Paragraph { text, .. } if may_contain_ignoring_case(text, &INHERITS_FROM) => {
                INHERITS.captures(text).and_then(|c| Some(c.get(1)?.as_str().to_owned()))
            }
            _ => None,
        });
        let enum_page = title.to_lowercase().ends_with("enum type")
            || field(outline.front_matter(), "doc_type") == Some("enumPageType")
            || outline.section(|n| n == "members").is_some();
        if enum_page {
            let mut members = Vec::new();
            for section in outline.sections.iter().filter(|s| s.name == "members") {
                for (_, rows, _) in each_table(section.blocks) {
                    for row in rows {
                        let Some(member) =
                            row.cells.first().map(|c| c.text.clone()).filter(|m| !m.is_empty())
                        else {
                            continue;
                        };
                        let description = row
                            .cells
                            .last()
                            .and_then(|c| self.text(&c.text.clone(), row.line, &"member description"));
                        members.push(EnumMember {
                            name: member,
                            description,
                            origin: Origin::Documented,
                            span: self.span(row.line),
                        });
                    }
                }
            }
            let span = self.span(title_line);
            types.push(TypeDef {
                description,
                members,
                ..TypeDef::new(version, name, TypeKind::Enum, Origin::Documented, span)
            });
            return types;
        }
        let mut properties = Vec::new();
        for section in outline.sections.iter().filter(|s| s.name == "properties" || s.name == "relationships")
        {
            for (header, rows, _) in each_table(section.blocks) {
                properties.extend(self.property_rows(header, rows, &mut types, version));
            }
        }
        self.check_json_representation(outline, name, &properties);
        let mut object = object_type(version, name, properties, self.span(title_line));
        object.description = description;
        object.base_type = base_type.filter(|b| b != name);
        if object.base_type.as_deref() == Some("entity") {
            object.kind = TypeKind::Entity;
        }
        types.push(object);
        types
    }
}

pub(super) fn object_type(version: ApiVersion, name: &str, properties: Vec<Property>, span: Span) -> TypeDef {
    let kind = if properties.iter().any(|p| p.name == "id") { TypeKind::Entity } else { TypeKind::Object };
    TypeDef { properties, ..TypeDef::new(version, name, kind, Origin::Documented, span) }
}

pub(super) fn enum_type(version: ApiVersion, name: &str, members: &[String], span: Span) -> TypeDef {
    let members = members
        .iter()
        .map(|m| EnumMember {
            name: m.clone(),
            description: None,
            origin: Origin::Documented,
            span: span.clone(),
        })
        .collect();
    TypeDef { members, ..TypeDef::new(version, name, TypeKind::Enum, Origin::Documented, span) }
}
