//! The service CSDL (OData EDMX 4.0, `beta_metadata.xml` / `v1.0_metadata.xml`) read into plain structs.
//!
//! Only what the fidelity check needs is kept: structured types with their properties and navigations,
//! enum types with their members, bound and unbound actions and functions, and the entity container.
//! Every item carries the 1-based line it was declared on, so a disagreement can point into the file.
//! Type names are stored qualified (`microsoft.graph.deviceConfiguration`), schema aliases (`graph.`)
//! already replaced by their namespace.

use std::collections::BTreeMap;
use std::fmt;

/// A reference to a type as the CSDL writes it: `Edm.String`, `microsoft.graph.x`, or a collection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CsdlTypeRef {
    /// Qualified name of the type or of the collection's element type.
    pub name: String,
    pub collection: bool,
}

impl CsdlTypeRef {
    /// Reads `Collection(ns.x)` or `ns.x`.
    fn parse(text: &str) -> CsdlTypeRef {
        match text.strip_prefix("Collection(").and_then(|inner| inner.strip_suffix(')')) {
            Some(inner) => CsdlTypeRef { name: inner.to_owned(), collection: true },
            None => CsdlTypeRef { name: text.to_owned(), collection: false },
        }
    }

    /// The element type's name without its namespace: `deviceConfiguration`, `String`.
    pub fn short_name(&self) -> &str {
        short_name(&self.name)
    }
}

impl fmt::Display for CsdlTypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.collection {
            write!(f, "Collection({})", self.name)
        } else {
            f.write_str(&self.name)
        }
    }
}

/// The part of a qualified name after the last `.`.
pub fn short_name(qualified: &str) -> &str {
    qualified.rsplit_once('.').map_or(qualified, |(_, name)| name)
}

/// Whether a structured type is an entity (has identity) or a complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StructuredKind {
    Entity,
    Complex,
}

/// An `EntityType` or `ComplexType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredType {
    /// Qualified name.
    pub name: String,
    pub kind: StructuredKind,
    /// Qualified name of the base type.
    pub base: Option<String>,
    pub is_abstract: bool,
    /// Names of the key properties (declared on this type; usually only on `entity`).
    pub key: Vec<String>,
    pub properties: Vec<CsdlProperty>,
    pub navigations: Vec<Navigation>,
    pub line: u32,
}

/// A structural `Property`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlProperty {
    pub name: String,
    pub type_ref: CsdlTypeRef,
    pub nullable: bool,
    pub line: u32,
}

/// A `NavigationProperty`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    pub name: String,
    pub type_ref: CsdlTypeRef,
    /// `ContainsTarget="true"`: the targets live under this navigation, so paths continue through it.
    pub contains_target: bool,
    pub line: u32,
}

/// An `EnumType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    /// Qualified name.
    pub name: String,
    pub is_flags: bool,
    pub members: Vec<CsdlEnumMember>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlEnumMember {
    pub name: String,
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OperationKind {
    Action,
    Function,
}

impl OperationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Action => "action",
            OperationKind::Function => "function",
        }
    }
}

/// An `Action` or `Function` (one overload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlOperation {
    pub kind: OperationKind,
    /// Qualified name.
    pub name: String,
    /// The binding parameter's type, for a bound operation (its first parameter).
    pub binding: Option<CsdlTypeRef>,
    /// The parameters after the binding parameter.
    pub parameters: Vec<Parameter>,
    pub return_type: Option<CsdlTypeRef>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub type_ref: CsdlTypeRef,
}

/// A singleton or entity set of the entity container: where paths start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerMember {
    pub name: String,
    /// Qualified name of the entity type.
    pub type_name: String,
    /// `true` for an entity set, `false` for a singleton.
    pub is_set: bool,
    pub line: u32,
}

/// One metadata file, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Csdl {
    /// The file name, for spans (`beta_metadata.xml`).
    pub file: String,
    /// Structured types by qualified name.
    pub types: BTreeMap<String, StructuredType>,
    /// Enum types by qualified name.
    pub enums: BTreeMap<String, EnumType>,
    /// Every action and function overload, in file order.
    pub operations: Vec<CsdlOperation>,
    /// Singletons and entity sets by name.
    pub container: BTreeMap<String, ContainerMember>,
    /// Direct derived types of each structured type (qualified names, sorted).
    pub derived: BTreeMap<String, Vec<String>>,
    /// Qualified names of every structured and enum type by short name (sorted).
    pub by_short_name: BTreeMap<String, Vec<String>>,
}

/// Why a metadata file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlError {
    pub file: String,
    pub message: String,
}

impl fmt::Display for CsdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for CsdlError {}

impl Csdl {
    /// Reads the EDMX text of one metadata file. `file` names it in spans and errors.
    pub fn parse(file: &str, text: &str) -> Result<Csdl, CsdlError> {
        let options = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
        let document = roxmltree::Document::parse_with_options(text, options)
            .map_err(|error| CsdlError { file: file.to_owned(), message: error.to_string() })?;
        // roxmltree's own `text_pos_at` scans from the start each time; a table of line starts is
        // O(log n) per lookup, which matters for ~40,000 declarations.
        let line_starts: Vec<usize> =
            std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        let line_of = |node: roxmltree::Node| {
            let line = line_starts.partition_point(|start| *start <= node.range().start);
            u32::try_from(line).unwrap_or(u32::MAX)
        };
        let mut csdl = Csdl { file: file.to_owned(), ..Csdl::default() };
        let schemas: Vec<_> = document.descendants().filter(|node| node.has_tag_name("Schema")).collect();
        if schemas.is_empty() {
            return Err(CsdlError { file: file.to_owned(), message: "no <Schema> element".into() });
        }
        // Aliases are file-wide in EDMX: `graph.x` may be written in any schema.
        let aliases: BTreeMap<&str, &str> = schemas
            .iter()
            .filter_map(|schema| Some((schema.attribute("Alias")?, schema.attribute("Namespace")?)))
            .collect();
        let qualify = |name: &str| -> String {
            match name.split_once('.') {
                Some((alias, rest)) => match aliases.get(alias) {
                    Some(namespace) => format!("{namespace}.{rest}"),
                    None => name.to_owned(),
                },
                None => name.to_owned(),
            }
        };
        let type_ref = |text: &str| {
            let parsed = CsdlTypeRef::parse(text);
            CsdlTypeRef { name: qualify(&parsed.name), collection: parsed.collection }
        };
        for schema in &schemas {
            let namespace = schema.attribute("Namespace").unwrap_or_default();
            for node in schema.children().filter(roxmltree::Node::is_element) {
                let Some(name) = node.attribute("Name") else { continue };
                let qualified = format!("{namespace}.{name}");
                let line = line_of(node);
                match node.tag_name().name() {
                    tag @ ("EntityType" | "ComplexType") => {
                        let kind = if tag == "EntityType" {
                            StructuredKind::Entity
                        } else {
                            StructuredKind::Complex
                        };
                        let mut structured = StructuredType {
                            name: qualified.clone(),
                            kind,
                            base: node.attribute("BaseType").map(&qualify),
                            is_abstract: node.attribute("Abstract") == Some("true"),
                            key: Vec::new(),
                            properties: Vec::new(),
                            navigations: Vec::new(),
                            line,
                        };
                        for child in node.children().filter(roxmltree::Node::is_element) {
                            let (Some(member), Some(of)) = (child.attribute("Name"), child.attribute("Type"))
                            else {
                                if child.has_tag_name("Key") {
                                    structured.key.extend(
                                        child
                                            .children()
                                            .filter(|r| r.has_tag_name("PropertyRef"))
                                            .filter_map(|r| r.attribute("Name"))
                                            .map(str::to_owned),
                                    );
                                }
                                continue;
                            };
                            match child.tag_name().name() {
                                "Property" => structured.properties.push(CsdlProperty {
                                    name: member.to_owned(),
                                    type_ref: type_ref(of),
                                    nullable: child.attribute("Nullable") != Some("false"),
                                    line: line_of(child),
                                }),
                                "NavigationProperty" => structured.navigations.push(Navigation {
                                    name: member.to_owned(),
                                    type_ref: type_ref(of),
                                    contains_target: child.attribute("ContainsTarget") == Some("true"),
                                    line: line_of(child),
                                }),
                                _ => {}
                            }
                        }
                        csdl.types.insert(qualified, structured);
                    }
                    "EnumType" => {
                        let members = node
                            .children()
                            .filter(|child| child.has_tag_name("Member"))
                            .filter_map(|child| {
                                Some(CsdlEnumMember {
                                    name: child.attribute("Name")?.to_owned(),
                                    line: line_of(child),
                                })
                            })
                            .collect();
                        csdl.enums.insert(
                            qualified.clone(),
                            EnumType {
                                name: qualified,
                                is_flags: node.attribute("IsFlags") == Some("true"),
                                members,
                                line,
                            },
                        );
                    }
                    tag @ ("Action" | "Function") => {
                        let kind =
                            if tag == "Action" { OperationKind::Action } else { OperationKind::Function };
                        let mut parameters: Vec<Parameter> = node
                            .children()
                            .filter(|child| child.has_tag_name("Parameter"))
                            .filter_map(|child| {
                                Some(Parameter {
                                    name: child.attribute("Name")?.to_owned(),
                                    type_ref: type_ref(child.attribute("Type")?),
                                })
                            })
                            .collect();
                        let binding = if node.attribute("IsBound") == Some("true") && !parameters.is_empty() {
                            Some(parameters.remove(0).type_ref)
                        } else {
                            None
                        };
                        let return_type = node
                            .children()
                            .find(|child| child.has_tag_name("ReturnType"))
                            .and_then(|child| child.attribute("Type"))
                            .map(&type_ref);
                        csdl.operations.push(CsdlOperation {
                            kind,
                            name: qualified,
                            binding,
                            parameters,
                            return_type,
                            line,
                        });
                    }
                    "EntityContainer" => {
                        for child in node.children().filter(roxmltree::Node::is_element) {
                            let is_set = match child.tag_name().name() {
                                "EntitySet" => true,
                                "Singleton" => false,
                                _ => continue,
                            };
                            let of =
                                if is_set { child.attribute("EntityType") } else { child.attribute("Type") };
                            let (Some(member), Some(of)) = (child.attribute("Name"), of) else { continue };
                            csdl.container.insert(
                                member.to_owned(),
                                ContainerMember {
                                    name: member.to_owned(),
                                    type_name: qualify(of),
                                    is_set,
                                    line: line_of(child),
                                },
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        csdl.index();
        Ok(csdl)
    }

    fn index(&mut self) {
        for structured in self.types.values() {
            if let Some(base) = &structured.base {
                self.derived.entry(base.clone()).or_default().push(structured.name.clone());
            }
        }
        for derived in self.derived.values_mut() {
            derived.sort();
        }
        for name in self.types.keys().chain(self.enums.keys()) {
            self.by_short_name.entry(short_name(name).to_owned()).or_default().push(name.clone());
        }
        for names in self.by_short_name.values_mut() {
            names.sort();
        }
    }

    /// The type and its base types, nearest first (stops on a cycle or an unknown base).
    pub fn base_chain<'a>(&'a self, name: &str) -> Vec<&'a StructuredType> {
        let mut chain: Vec<&StructuredType> = Vec::new();
        let mut next = self.types.get(name);
        while let Some(structured) = next {
            if chain.iter().any(|seen| seen.name == structured.name) {
                break;
            }
            chain.push(structured);
            next = structured.base.as_deref().and_then(|base| self.types.get(base));
        }
        chain
    }

    /// Every type deriving from `name`, directly or not, breadth first (each level sorted).
    pub fn all_derived(&self, name: &str) -> Vec<&StructuredType> {
        let mut found: Vec<&StructuredType> = Vec::new();
        let mut level: Vec<&str> = vec![name];
        while !level.is_empty() {
            let mut next = Vec::new();
            for parent in level {
                for child in self.derived.get(parent).into_iter().flatten() {
                    if let Some(structured) = self.types.get(child) {
                        if structured.name != name && !found.iter().any(|seen| seen.name == structured.name) {
                            found.push(structured);
                            next.push(structured.name.as_str());
                        }
                    }
                }
            }
            level = next;
        }
        found
    }

    /// Whether `name` is `ancestor` or derives from it.
    pub fn derives_from(&self, name: &str, ancestor: &str) -> bool {
        self.base_chain(name).iter().any(|structured| structured.name == ancestor)
    }

    /// Finds a type by its short name, preferring the `microsoft.graph` namespace.
    pub fn qualified_name(&self, namespace: &str, short: &str) -> Option<&str> {
        let candidates = self.by_short_name.get(short)?;
        let wanted = format!("{namespace}.{short}");
        candidates
            .iter()
            .find(|name| **name == wanted)
            .or_else(|| {
                candidates
                    .iter()
                    .find(|name| name.starts_with("microsoft.graph.") && name.matches('.').count() == 2)
            })
            .or_else(|| candidates.first())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNIPPET: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="source">
        <Member Name="direct" Value="0" />
        <Member Name="policySets" Value="1" />
      </EnumType>
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="deviceConfiguration" BaseType="graph.entity" Abstract="true">
        <Property Name="tags" Type="Collection(Edm.String)" />
        <NavigationProperty Name="assignments" Type="Collection(graph.assignment)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="assignment" BaseType="graph.entity">
        <Property Name="source" Type="graph.source" Nullable="false" />
      </EntityType>
      <Action Name="assign" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.deviceConfiguration" />
        <Parameter Name="assignments" Type="Collection(graph.assignment)" />
        <ReturnType Type="Collection(graph.assignment)" />
      </Action>
      <EntityContainer Name="GraphService">
        <Singleton Name="deviceManagement" Type="microsoft.graph.deviceManagement" />
        <EntitySet Name="users" EntityType="microsoft.graph.user" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

    #[test]
    fn reads_types_enums_operations_and_the_container_with_aliases_resolved() {
        let csdl = Csdl::parse("snippet.xml", SNIPPET).unwrap_or_default();
        let configuration = csdl.types.get("microsoft.graph.deviceConfiguration");
        assert_eq!(configuration.and_then(|t| t.base.as_deref()), Some("microsoft.graph.entity"));
        assert_eq!(configuration.map(|t| t.is_abstract), Some(true));
        let navigation = configuration.and_then(|t| t.navigations.first());
        assert_eq!(
            navigation.map(|n| (n.contains_target, n.type_ref.to_string())),
            Some((true, "Collection(microsoft.graph.assignment)".into()))
        );
        assert_eq!(
            csdl.types.get("microsoft.graph.entity").map(|t| t.key.clone()),
            Some(vec!["id".to_owned()])
        );
        let members: Vec<_> = csdl
            .enums
            .get("microsoft.graph.source")
            .into_iter()
            .flat_map(|e| &e.members)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(members, ["direct", "policySets"]);
        let assign = csdl.operations.first();
        assert_eq!(
            assign.and_then(|o| o.binding.as_ref()).map(ToString::to_string),
            Some("microsoft.graph.deviceConfiguration".into())
        );
        assert_eq!(assign.map(|o| o.parameters.len()), Some(1));
        assert_eq!(csdl.container.get("users").map(|m| m.is_set), Some(true));
        assert_eq!(csdl.container.get("deviceManagement").map(|m| m.is_set), Some(false));
        assert_eq!(csdl.derived.get("microsoft.graph.entity").map(Vec::len), Some(2));
    }

    #[test]
    fn remembers_the_line_of_each_declaration() {
        let csdl = Csdl::parse("snippet.xml", SNIPPET).unwrap_or_default();
        assert_eq!(csdl.enums.get("microsoft.graph.source").map(|e| e.line), Some(5));
        assert_eq!(
            csdl.types.get("microsoft.graph.assignment").and_then(|t| t.properties.first()).map(|p| p.line),
            Some(18)
        );
    }

    #[test]
    fn malformed_xml_is_an_error_naming_the_file() {
        let error = Csdl::parse("broken.xml", "<Schema><EntityType").err();
        assert!(error.is_some_and(|e| e.to_string().starts_with("broken.xml: ")));
        assert!(Csdl::parse("empty.xml", "<root/>").is_err());
    }
}
