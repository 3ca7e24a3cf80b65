//! The plain-text front end on whole pages: the seed rendering as a snapshot, resource and enum pages
//! beside their markdown, and arbitrary input (random text and shuffled pieces of real renderings)
//! read without panicking.

use graph_ir::{PageFormat, PageModel, Primitive, TypeDef, TypeKind, TypeRef};
use graph_parser::blocks::Block;
use graph_parser::{parse_page, plaintext};
use proptest::prelude::*;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs-input/002-v1.0-enrollmentconfigurationassignment-create-plaintext.txt"
);

fn read_seed() -> String {
    std::fs::read_to_string(SEED).unwrap_or_else(|error| panic!("{SEED}: {error}"))
}

#[test]
fn seed_002_document() {
    let document = plaintext::read(&read_seed());
    insta::assert_debug_snapshot!("seed_002_document", document);
}

#[test]
fn seed_002_has_the_sections_tables_and_code_of_its_original() {
    let document = plaintext::read(&read_seed());
    let headings: Vec<(u8, &str)> = document
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Heading { level, text, .. } => Some((*level, text.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        headings,
        [
            (1, "Create enrollmentConfigurationAssignment"),
            (2, "Permissions"),
            (2, "HTTP Request"),
            (2, "Request headers"),
            (2, "Request body"),
            (2, "Response"),
            (2, "Example"),
            (3, "Request"),
            (3, "Response"),
        ]
    );
    let tables = document.blocks.iter().filter(|block| matches!(block, Block::Table { .. })).count();
    let code: Vec<&str> = document
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Code { info, text, .. } if info == "http" => text.lines().next(),
            _ => None,
        })
        .collect();
    assert_eq!(tables, 3);
    assert_eq!(
        code,
        [
            "POST /deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments",
            "POST https://graph.microsoft.com/v1.0/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments",
            "HTTP/1.1 201 Created",
        ]
    );
    assert!(document.notes.is_empty(), "{:?}", document.notes);
}

/// Lines that exercise every rule of the reader, to be shuffled into arbitrary pages.
const PIECES: &[&str] = &[
    "",
    "",
    "Create thing",
    "Permissions",
    "Example",
    "Example 1: x",
    "Request",
    "Response",
    "Permission type Permissions (from least to most privileged)",
    "Permission type Least privileged permissions Higher privileged permissions",
    "Delegated (work or school account)",
    "Application X.Read.All, Y.Read.All Z.All",
    "Device management Not supported.",
    "Property Type Description",
    "Method Return Type Description",
    "Member Value Description",
    "Header Value",
    "id",
    "Group label",
    "x y collection",
    "## HTTP Request",
    "# Title",
    "POST /things",
    "GET https://graph.microsoft.com/beta/x",
    "HTTP/1.1 200 OK",
    "Content-Type: application/json",
    "Note: prose",
    "{",
    "}",
    "[",
    "]",
    "  \"a\": \"}\\\"\",",
    "\"unclosed",
    "a , b . ( c )",
    " ",
    "\u{a0}",
    "é ü 漢字 \u{a0}Permissions",
];

/// A page from `tests/fixtures/` as if it were in the corpus's beta resources folder.
/// A rendered `## Example 1: …` with no `## Examples` above it holds the example, as its markdown
/// does.
#[test]
fn a_numbered_example_without_an_examples_heading_is_a_section_of_its_own() {
    let page = "Get widget\n\nNamespace: microsoft.graph\n\nHTTP request\n\nGET /widgets/{id}\n\nResponse\n\n\
                If successful, this method returns a 200 OK response code and a widget object in the response body.\n\n\
                Example 1: Get a widget\n\nRequest\n\nGET https://graph.microsoft.com/v1.0/widgets/1\n\n\
                Response\n\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{\n  \"id\": \"1\"\n}\n";
    let model = parse_page("api-reference/v1.0/api/widget-get.txt", page.as_bytes());
    assert_eq!(model.summary.format, PageFormat::PlainText);
    let examples = model.operation.map(|op| op.examples).unwrap_or_default();
    let read: Vec<(Option<&str>, Option<u16>)> = examples
        .iter()
        .map(|e| (e.request.as_ref().map(|r| r.path.as_str()), e.response.as_ref().map(|r| r.status)))
        .collect();
    assert_eq!(read, [(Some("/widgets/1"), Some(200))]);

    // So with a sentence between the title and the request, and with the title left as a markdown
    // heading.
    for title in
        ["Example 1: Get a widget\n\nThe following example gets a widget.", "## Example 1: Get a widget"]
    {
        let page = page.replace("Example 1: Get a widget", title);
        let model = parse_page("api-reference/v1.0/api/widget-get.txt", page.as_bytes());
        let examples = model.operation.map(|op| op.examples).unwrap_or_default();
        let read: Vec<(Option<&str>, Option<u16>)> = examples
            .iter()
            .map(|e| (e.request.as_ref().map(|r| r.path.as_str()), e.response.as_ref().map(|r| r.status)))
            .collect();
        assert_eq!(read, [(Some("/widgets/1"), Some(200))], "{title}");
    }

    // A sentence that starts so, with no example after it, stays a sentence of its section.
    let page = "Create widget\n\nNamespace: microsoft.graph\n\nHTTP request\n\nPOST /widgets\n\nRequest body\n\n\
                Example 2 below sets only the required properties.\n\n\
                Property Type Description\nsize Int32 The size.\n\nResponse\n\n\
                If successful, this method returns a 201 Created response code and a widget object in the response body.\n";
    let model = parse_page("api-reference/v1.0/api/widget-create.txt", page.as_bytes());
    let parameters = match model.operation.and_then(|op| op.request_body) {
        Some(graph_ir::RequestBody::Parameters { parameters, .. }) => parameters,
        Some(graph_ir::RequestBody::Resource { properties, .. }) => properties,
        None => Vec::new(),
    };
    assert_eq!(parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["size"]);
}

fn read_fixture(file: &str) -> PageModel {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    parse_page(&format!("api-reference/beta/resources/{file}"), &bytes)
}

/// What a page says of its types, without the lines it says it on (the renderings' lines differ).
fn types_said(page: &PageModel) -> Vec<String> {
    let said = |def: &TypeDef| {
        let properties: Vec<String> = def
            .properties
            .iter()
            .map(|p| {
                format!(
                    "{} {:?} {:?} read-only {} required {:?} values {:?} {:?}",
                    p.name, p.type_ref, p.description, p.read_only, p.required, p.possible_values, p.origin
                )
            })
            .collect();
        let members: Vec<String> =
            def.members.iter().map(|m| format!("{} {:?} {:?}", m.name, m.description, m.origin)).collect();
        format!(
            "{} {:?} {:?} base {:?} abstract {} {:?}\n{properties:#?}\n{members:#?}",
            def.name, def.kind, def.description, def.base_type, def.is_abstract, def.origin
        )
    };
    page.types.iter().map(said).collect()
}

/// The 400 renderings in `graph-docs-plaintext` are all API pages; a resource page and an enum page
/// (hand-made, each beside its rendering in the same style) must read the same from plain text too:
/// properties with their types, descriptions and possible values, relationships, base type, members,
/// and a description the page breaks across two lines of its table.
#[test]
fn resource_and_enum_pages_read_the_same_from_their_plain_text_renderings() {
    for page in ["intune-apps-widget", "intune-apps-widgetstate"] {
        let markdown = read_fixture(&format!("{page}.md"));
        let plain = read_fixture(&format!("{page}.txt"));
        assert_eq!(
            (markdown.summary.format, plain.summary.format),
            (PageFormat::Markdown, PageFormat::PlainText)
        );
        assert_eq!(types_said(&plain), types_said(&markdown), "{page}");
        let codes = |page: &PageModel| page.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        assert_eq!(codes(&plain), codes(&markdown), "{page}");
    }

    // What both read is what the pages say.
    let plain = read_fixture("intune-apps-widget.txt");
    let widget = plain.types.iter().find(|def| def.name == "widget").expect("the page's own type");
    assert_eq!(widget.base_type.as_deref(), Some("mobileApp"));
    let property = |name: &str| {
        widget.properties.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no `{name}`"))
    };
    assert_eq!(widget.properties.len(), 8);
    assert_eq!(
        property("tags").type_ref,
        TypeRef::Collection(Box::new(TypeRef::Primitive(Primitive::String)))
    );
    assert_eq!(
        property("assignments").type_ref,
        TypeRef::Collection(Box::new(TypeRef::Named("mobileAppAssignment".into())))
    );
    assert_eq!(property("state").type_ref, TypeRef::Named("widgetState".into()));
    assert_eq!(property("state").possible_values, ["unknown", "ready", "retired"]);
    assert_eq!(
        property("state").description.as_deref(),
        Some("The widget's state. Possible values are: unknown, ready, retired.")
    );
    assert!(property("displayName").read_only);
    let state = read_fixture("intune-apps-widgetstate.txt");
    let members: Vec<&str> =
        state.types.iter().flat_map(|def| &def.members).map(|m| m.name.as_str()).collect();
    assert_eq!(members, ["unknown", "ready", "retired"]);
    assert_eq!(state.types.first().map(|def| def.kind), Some(TypeKind::Enum));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        let _ = plaintext::read(&text);
    }

    #[test]
    fn shuffled_page_pieces_read_with_lines_inside_the_page(
        picks in proptest::collection::vec(0..PIECES.len(), 0..60)
    ) {
        let text = picks.iter().filter_map(|&i| PIECES.get(i).copied()).collect::<Vec<_>>().join("\n");
        let document = plaintext::read(&text);
        let line_count = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        for block in &document.blocks {
            prop_assert!((1..=line_count).contains(&block.line()), "{block:?} outside 1..={line_count}");
        }
        for note in &document.notes {
            prop_assert!((1..=line_count).contains(&note.line), "{note:?} outside 1..={line_count}");
        }
    }
}
