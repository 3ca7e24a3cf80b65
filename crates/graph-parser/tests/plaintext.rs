//! The plain-text front end on whole pages: the seed rendering as a snapshot, and arbitrary input
//! (random text and shuffled pieces of real renderings) read without panicking.

use graph_parser::blocks::Block;
use graph_parser::plaintext;
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
