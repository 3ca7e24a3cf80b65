//! The intermediate model (IR) between the page parser and the code emitter: plain data only.
//!
//! Everything here is strings, enums, numbers and spans. There is no parsing and no printing in this
//! crate, and no proc-macro2 type: the parser fills it, passes normalise it, the emitter reads it, and
//! insta snapshots it. Every item that comes from a page carries a [`Span`] (file and 1-based line).
//!
//! Names are kept as the wire names the docs use (`displayName`, `enrollmentConfigurationAssignment`);
//! turning them into Rust identifiers is the emitter's job.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where an item came from: the page (path relative to the input folder, `/`-separated) and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// Shared by every span of the page: a page's model holds hundreds of spans, and the merge
    /// copies many of them, so a clone is a reference count, not an allocation.
    pub file: Arc<str>,
    pub line: u32,
}

impl Span {
    pub fn new(file: impl Into<Arc<str>>, line: u32) -> Span {
        Span { file: file.into(), line }
    }
}

/// The Graph API version a page documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ApiVersion {
    #[serde(rename = "beta")]
    Beta,
    #[serde(rename = "v1.0")]
    V1_0,
}

impl ApiVersion {
    /// The version as it appears in URLs: `beta` or `v1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::Beta => "beta",
            ApiVersion::V1_0 => "v1.0",
        }
    }
}

/// The whole model of a set of pages, after merging, inference and sorting.
///
/// Invariant: `operations` is sorted by (version, first path, method) and `types` by (version, name);
/// every list inside is sorted or kept in documented order, so serialising it is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Api {
    pub pages: Vec<PageSummary>,
    pub operations: Vec<Operation>,
    pub types: Vec<TypeDef>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One input page as the parser saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageSummary {
    pub file: String,
    pub format: PageFormat,
    pub kind: PageKind,
    pub version: Option<ApiVersion>,
    pub title: Option<String>,
}

/// How a page is written, detected from its content (never from its extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageFormat {
    /// Markdown source as kept in the docs repository.
    Markdown,
    /// A plain-text copy of the rendered web page: no markup at all.
    PlainText,
}

/// What a page documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageKind {
    /// An API page: one operation (`doc_type: apiPageType`, or an HTTP request block).
    Api,
    /// A resource page: one type (`doc_type: resourcePageType`, or a properties table and no request).
    Resource,
    /// Neither could be recognised (the page still yields diagnostics).
    Unknown,
}

/// The model of one page before merging: what `graph_parser::parse_page` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageModel {
    pub summary: PageSummary,
    pub operation: Option<Operation>,
    /// Types the page declares (resource pages) or that its examples reveal (marked inferred).
    pub types: Vec<TypeDef>,
    /// Relative links to other pages (`../resources/x.md`), checked against the input when merging.
    pub links: Vec<PageLink>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A relative link from one page to another, as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PageLink {
    pub target: String,
    pub span: Span,
}

/// One HTTP operation. Several paths may reach it (one HTTP block with many request lines), and several
/// pages may describe it (merged: the union of what they say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub version: ApiVersion,
    /// A wire-style name unique within the version, e.g. `createEnrollmentConfigurationAssignment` or
    /// `deviceEnrollmentConfigurationsAssign` (bound actions are prefixed by the segment they bind to).
    pub name: String,
    pub kind: OperationKind,
    /// The page title, e.g. `Create enrollmentConfigurationAssignment`.
    pub title: String,
    /// The page's summary sentence, links reduced to their text. `None` when only a placeholder was given.
    pub description: Option<String>,
    pub method: HttpMethod,
    /// Path templates relative to the version root, in the order the page lists them.
    pub paths: Vec<PathTemplate>,
    pub request_headers: Vec<Header>,
    pub query_options: Vec<QueryOption>,
    pub request_body: Option<RequestBody>,
    pub response: Response,
    pub permissions: Permissions,
    pub examples: Vec<Example>,
    /// National clouds the page says the operation is available in, in page order.
    pub national_clouds: Vec<String>,
    /// Every page that describes this operation (first = the page chosen as primary).
    pub sources: Vec<Span>,
    /// For a `GET` whose path also answers other types: what it reads. `None` for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrowed: Option<Narrowing>,
}

/// A `GET` whose path answers more types than its page says. Another page documents a `GET` at one
/// of its paths (or at the list or item path beside it) answering a type this operation's type
/// derives from: each kind of device configuration's pages document
/// `GET /deviceManagement/deviceConfigurations(/{id})` answering that kind, beside the pages
/// answering any `deviceConfiguration` there, and the service answers every kind to all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrowing {
    /// The types the answer is read as: the operation's own type, then the types derived from it,
    /// by name. An object of another type is left out of a list, or refused.
    pub kept: Vec<String>,
    /// The type the other page's operation answers: a base of the operation's own.
    pub wider_type: String,
    /// That operation's name, and the path at which it answers the wider type.
    pub wider_operation: String,
    pub wider_path: PathTemplate,
}

/// What an operation does, from its title and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperationKind {
    Create,
    Get,
    List,
    Update,
    Delete,
    Action,
    Function,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HttpMethod {
    GET,
    POST,
    PATCH,
    PUT,
    DELETE,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::GET => "GET",
            HttpMethod::POST => "POST",
            HttpMethod::PATCH => "PATCH",
            HttpMethod::PUT => "PUT",
            HttpMethod::DELETE => "DELETE",
        }
    }
}

/// A path template such as `/deviceManagement/deviceConfigurations/{deviceConfigurationId}/assignments`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PathTemplate {
    /// The template exactly as written after the version root, starting with `/`.
    pub raw: String,
    pub segments: Vec<PathSegment>,
    pub span: Span,
}

/// One `/`-separated piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PathSegment {
    /// A navigation property, entity set, singleton, action or function name: `deviceManagement`.
    Literal { name: String },
    /// A key or other parameter: `{deviceConfigurationId}` has name `deviceConfigurationId`.
    Parameter { name: String },
    /// A type cast: `microsoft.graph.iosScepCertificateProfile` has type_name `iosScepCertificateProfile`.
    Cast { namespace: String, type_name: String },
    /// A function call with arguments in the segment: `getReport(period='{period}')`.
    Call { name: String, arguments: Vec<CallArgument> },
}

/// One `name='{parameter}'` or `name=literal` argument inside a function-call segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CallArgument {
    pub name: String,
    /// The parameter name when the value is `{parameter}` (quoted or not), else `None`.
    pub parameter: Option<String>,
    /// The value as written (without quotes).
    pub raw: String,
}

/// A request header row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub span: Span,
}

/// An OData system query option the page says the operation supports (`$select`, `$filter`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryOption {
    pub name: String,
    pub span: Span,
}

/// What the request sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RequestBody {
    /// "supply a JSON representation of the X object": the body is an instance of a type. `properties`
    /// are the rows the page's table lists (also merged into the type itself).
    Resource { type_ref: TypeRef, properties: Vec<Property>, span: Span },
    /// "the parameters of the action": a JSON object whose members are the named parameters.
    Parameters { parameters: Vec<Property>, span: Span },
}

/// What a successful response returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The documented success status (`200`, `201`, `204`, …).
    pub status: u16,
    /// The body type; `None` for 204 and for responses that document no body.
    pub body: Option<TypeRef>,
    pub span: Span,
}

/// A reference to a type: a primitive, a named Graph type, or a collection of either.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "of", rename_all = "kebab-case")]
pub enum TypeRef {
    Primitive(Primitive),
    /// A Graph type by its wire name without namespace: `deviceAndAppManagementAssignmentTarget`.
    Named(String),
    Collection(Box<TypeRef>),
}

/// The Edm primitive types the docs use (as written in type columns: `String`, `Int32`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Primitive {
    String,
    Boolean,
    Byte,
    SByte,
    Int16,
    Int32,
    Int64,
    Single,
    Double,
    Decimal,
    Guid,
    DateTimeOffset,
    Date,
    TimeOfDay,
    Duration,
    Binary,
    Stream,
    /// Any JSON value (an untyped `Json`/`Edm.Untyped` property, or a type the docs leave unsaid).
    Json,
}

impl Primitive {
    /// The Edm name without the `Edm.` namespace (`String`, `DateTimeOffset`); `Untyped` for [`Primitive::Json`].
    pub fn edm_name(self) -> &'static str {
        match self {
            Primitive::String => "String",
            Primitive::Boolean => "Boolean",
            Primitive::Byte => "Byte",
            Primitive::SByte => "SByte",
            Primitive::Int16 => "Int16",
            Primitive::Int32 => "Int32",
            Primitive::Int64 => "Int64",
            Primitive::Single => "Single",
            Primitive::Double => "Double",
            Primitive::Decimal => "Decimal",
            Primitive::Guid => "Guid",
            Primitive::DateTimeOffset => "DateTimeOffset",
            Primitive::Date => "Date",
            Primitive::TimeOfDay => "TimeOfDay",
            Primitive::Duration => "Duration",
            Primitive::Binary => "Binary",
            Primitive::Stream => "Stream",
            Primitive::Json => "Untyped",
        }
    }

    /// The name the generated docs give the type: the Edm name, but `Json` for any JSON, which
    /// reads better in a sentence than `Untyped`.
    pub fn docs_name(self) -> &'static str {
        match self {
            Primitive::Json => "Json",
            other => other.edm_name(),
        }
    }
}

/// A type as the docs write it: `deviceConfiguration`, `String`, `Collection(Collection(Int32))`.
impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Primitive(primitive) => f.write_str(primitive.edm_name()),
            TypeRef::Named(name) => f.write_str(name),
            TypeRef::Collection(item) => write!(f, "Collection({item})"),
        }
    }
}

/// A property of a type, or a parameter of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    /// Wire name: `deviceAndAppManagementAssignmentFilterId`, `@odata.type` never appears here.
    pub name: String,
    pub type_ref: TypeRef,
    /// Description with links reduced to their text; `None` when the page gives only a placeholder.
    pub description: Option<String>,
    /// "This property is read-only."
    pub read_only: bool,
    /// `Some(true)` where the page says "Required", `Some(false)` where it says "Optional", else `None`.
    pub required: Option<bool>,
    /// Members listed in "Possible values are: `a`, `b`." in the description.
    pub possible_values: Vec<String>,
    pub origin: Origin,
    pub span: Span,
}

/// Whether an item was documented or only inferred from example JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Documented,
    Inferred,
}

/// A named type: an object type (entity or complex) or an enum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    pub version: ApiVersion,
    /// Wire name without namespace: `enrollmentConfigurationAssignment`.
    pub name: String,
    pub namespace: String,
    pub kind: TypeKind,
    pub description: Option<String>,
    /// Base type's wire name (`entity` for entities), if known.
    pub base_type: Option<String>,
    /// Types known to derive from this one (directly), sorted.
    pub derived_types: Vec<String>,
    pub is_abstract: bool,
    /// Own properties (not the inherited ones), sorted by name.
    pub properties: Vec<Property>,
    /// Enum members in documented order (only for `TypeKind::Enum`).
    pub members: Vec<EnumMember>,
    pub origin: Origin,
    /// Every place that declared or revealed this type, sorted.
    pub sources: Vec<Span>,
}

impl TypeDef {
    /// A type of the `microsoft.graph` namespace, known so far only by its name and where it was
    /// seen: no description, base, derived types, properties or members yet.
    pub fn new(version: ApiVersion, name: &str, kind: TypeKind, origin: Origin, span: Span) -> TypeDef {
        TypeDef {
            version,
            name: name.to_owned(),
            namespace: "microsoft.graph".to_owned(),
            kind,
            description: None,
            base_type: None,
            derived_types: Vec::new(),
            is_abstract: false,
            properties: Vec::new(),
            members: Vec::new(),
            origin,
            sources: vec![span],
        }
    }
}

/// For each object type among `types` that has derived object types there: all of them, all the way
/// down, sorted by name. A derivation counts whether the base lists it in `derived_types` or the
/// derived type names its `base_type`, so that a model linked one way only still gives every kind.
/// Of two types with one name, the first counts; enums take no part.
pub fn derived_closure<'a>(types: impl IntoIterator<Item = &'a TypeDef>) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut by_name: BTreeMap<&str, &TypeDef> = BTreeMap::new();
    for def in types {
        by_name.entry(def.name.as_str()).or_insert(def);
    }
    let object = |name: &str| by_name.get(name).copied().filter(|def| def.kind != TypeKind::Enum);
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for def in by_name.values().filter(|def| def.kind != TypeKind::Enum) {
        for child in def.derived_types.iter().filter_map(|derived| object(derived)) {
            children.entry(def.name.as_str()).or_default().insert(child.name.as_str());
        }
        if let Some(base) = def.base_type.as_deref().and_then(object) {
            children.entry(base.name.as_str()).or_default().insert(def.name.as_str());
        }
    }
    let mut closure = BTreeMap::new();
    for &root in children.keys() {
        let mut found: BTreeSet<&str> = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(name) = stack.pop() {
            for &child in children.get(name).into_iter().flatten() {
                if child != root && found.insert(child) {
                    stack.push(child);
                }
            }
        }
        if !found.is_empty() {
            closure.insert(root, found.into_iter().collect());
        }
    }
    closure
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TypeKind {
    /// An entity type (has an `id` key).
    Entity,
    /// A complex type (a structured value without identity).
    Complex,
    /// An object whose entity/complex nature the pages don't say.
    Object,
    Enum,
}

/// One member of an enum type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumMember {
    pub name: String,
    pub description: Option<String>,
    pub origin: Origin,
    pub span: Span,
}

/// The permissions an operation needs, as the page states them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    pub order: PrivilegeOrder,
    /// One entry per table row (or workload sub-row), in page order.
    pub entries: Vec<PermissionEntry>,
    /// Set when the page points to an include file instead of a table (`[!INCLUDE [permissions-table](…)]`).
    pub include: Option<String>,
    pub span: Option<Span>,
}

/// The order the page says its permission lists are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrivilegeOrder {
    LeastToMost,
    MostToLeast,
    /// "marked as least privileged", or no order stated.
    Unstated,
}

/// One permission-table row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionEntry {
    pub kind: PermissionKind,
    /// A workload sub-row's name (`Onboarding` in `| &nbsp; &nbsp; **Onboarding** | … |`).
    pub workload: Option<String>,
    pub scopes: PermissionScopes,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PermissionKind {
    DelegatedWorkOrSchool,
    DelegatedPersonal,
    Application,
}

impl PermissionKind {
    /// The kind as the pages' permissions tables name it.
    pub fn label(self) -> &'static str {
        match self {
            PermissionKind::DelegatedWorkOrSchool => "Delegated (work or school account)",
            PermissionKind::DelegatedPersonal => "Delegated (personal Microsoft account)",
            PermissionKind::Application => "Application",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "scopes", rename_all = "kebab-case")]
pub enum PermissionScopes {
    /// The permission names in the page's order.
    Scopes(Vec<String>),
    /// "Not supported."
    NotSupported,
    /// The cell is empty because sub-rows follow (workload sub-rows carry the scopes).
    SeeWorkloads,
    /// A `TODO` placeholder or an empty cell: the page doesn't say.
    Unknown,
}

/// One documented example: a request and the response to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The example's `name` from its annotation, when it has one.
    pub name: Option<String>,
    pub request: Option<ExampleRequest>,
    pub response: Option<ExampleResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleRequest {
    pub method: HttpMethod,
    /// The URL as written: `https://graph.microsoft.com/beta/deviceManagement/…`.
    pub url: String,
    /// The version segment of the URL, when it has one.
    pub version: Option<ApiVersion>,
    /// The path after the version root, query string removed: `/deviceManagement/…`.
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The parsed JSON body; `None` when there is none or it is not JSON (then a diagnostic says so).
    pub body: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The annotation says the body is truncated for brevity.
    pub truncated: bool,
    pub span: Span,
}

/// A finding about the input: a recovered quirk, a gap, or bad input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub span: Span,
    pub severity: Severity,
    pub code: DiagnosticCode,
    /// One line of text.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// Stable diagnostic codes. The serialised (kebab-case) form is the code users see and may filter on;
/// never rename a variant's serialised form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticCode {
    /// The file is empty or only whitespace.
    EmptyPage,
    /// The file is not valid UTF-8 (it was read lossily).
    InvalidUtf8,
    /// An API page without an HTTP request block.
    NoHttpBlock,
    /// A request line that could not be read as `METHOD /path`.
    BadRequestLine,
    /// A `**TODO: …**` placeholder where text was expected.
    TodoPlaceholder,
    /// A heading indented into a code block, read as a heading.
    IndentedHeading,
    /// Example JSON that does not parse.
    InvalidJson,
    /// Example JSON that parsed only after repair (comments, trailing commas, …).
    RepairedJson,
    /// A Content-Length header that disagrees with the body's length.
    ContentLengthMismatch,
    /// A link to a resource page that is not in the input.
    UnresolvedLink,
    /// Permissions given only by an include file that is not in the input.
    PermissionsInclude,
    /// The page has no permissions section.
    NoPermissions,
    /// A table row that could not be read (wrong number of cells, unknown permission type, …).
    BadTableRow,
    /// A type column that could not be read as a type.
    UnknownType,
    /// No version could be found for the page.
    UnknownVersion,
    /// Two sources disagree (the version in the URL and the banner, two pages, …).
    Conflict,
    /// An example's request path matches none of the operation's paths, nor calls the function one
    /// names with its arguments in the URL.
    ExamplePathMismatch,
    /// A type, property or enum member was inferred from example JSON only.
    Inferred,
    /// The response status could not be found.
    NoResponseStatus,
    /// An include that was not resolved (the text it stands for is missing).
    UnresolvedInclude,
    /// A page that is neither an API page nor a resource page.
    UnknownPageKind,
    /// Two operations or types whose generated names would collide.
    NameCollision,
    /// Something the generator skipped, with the reason.
    Skipped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_prints_as_the_docs_write_it() {
        let nested = TypeRef::Collection(Box::new(TypeRef::Collection(Box::new(TypeRef::Primitive(
            Primitive::DateTimeOffset,
        )))));
        assert_eq!(nested.to_string(), "Collection(Collection(DateTimeOffset))");
        assert_eq!(TypeRef::Primitive(Primitive::Json).to_string(), "Untyped");
        assert_eq!(TypeRef::Named("deviceConfiguration".into()).to_string(), "deviceConfiguration");
    }

    fn object(name: &str, base: Option<&str>, derived: &[&str]) -> TypeDef {
        let mut def =
            TypeDef::new(ApiVersion::Beta, name, TypeKind::Entity, Origin::Documented, Span::new("t.md", 1));
        def.base_type = base.map(str::to_owned);
        def.derived_types = derived.iter().map(|name| (*name).to_owned()).collect();
        def
    }

    #[test]
    fn the_derived_closure_reads_links_either_way_all_the_way_down() {
        let mut status = object("status", None, &[]);
        status.kind = TypeKind::Enum;
        let types = [
            // Listed by its base only; then by its own base type only; then both.
            object("deviceConfiguration", None, &["windowsConfiguration", "status"]),
            object("windowsConfiguration", None, &[]),
            object("windows10GeneralConfiguration", Some("windowsConfiguration"), &[]),
            object("iosConfiguration", Some("deviceConfiguration"), &[]),
            // A loop in broken docs ends; the root is not its own derived type.
            object("a", Some("b"), &[]),
            object("b", Some("a"), &[]),
            status,
            // The first of two types with one name counts.
            object("iosConfiguration", Some("windowsConfiguration"), &[]),
            object("unknownBase", Some("notAType"), &[]),
        ];
        let closure = derived_closure(&types);
        let expected: BTreeMap<&str, Vec<&str>> = [
            ("a", vec!["b"]),
            ("b", vec!["a"]),
            (
                "deviceConfiguration",
                vec!["iosConfiguration", "windows10GeneralConfiguration", "windowsConfiguration"],
            ),
            ("windowsConfiguration", vec!["windows10GeneralConfiguration"]),
        ]
        .into_iter()
        .collect();
        assert_eq!(closure, expected);
    }
}
