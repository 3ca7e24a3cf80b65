//! Bad input costs a diagnostic, never a panic: hand-made pages, random bytes, and mutated seeds and
//! corpus pages.

mod common;

use graph_ir::{DiagnosticCode, PageModel, Severity};
use proptest::prelude::*;

fn codes(model: &PageModel) -> Vec<DiagnosticCode> {
    model.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn an_empty_file_is_an_error_diagnostic() {
    let model = graph_parser::parse_page("empty.md", b"  \n");
    assert_eq!(codes(&model), vec![DiagnosticCode::EmptyPage]);
    assert_eq!(model.diagnostics[0].severity, Severity::Error);
}

#[test]
fn non_utf8_bytes_are_read_lossily_with_a_diagnostic() {
    let mut bytes = b"# Get thing\n\n## HTTP request\n``` http\nGET /things/{id}\n```\n\xff\xfe\n".to_vec();
    bytes.extend_from_slice(b"More text.\n");
    let model = graph_parser::parse_page("beta/bad.md", &bytes);
    assert!(codes(&model).contains(&DiagnosticCode::InvalidUtf8));
    assert_eq!(model.diagnostics[0].span.line, 7);
}

#[test]
fn decoding_borrows_utf8_and_reads_other_bytes_lossily_saying_where() {
    let (text, error) = graph_parser::decode("é ok".as_bytes());
    assert!(matches!(text, std::borrow::Cow::Borrowed("é ok")));
    assert!(error.is_none());
    let (text, error) = graph_parser::decode(b"ab\xffc");
    assert_eq!(text, "ab\u{fffd}c");
    assert_eq!(error.map(|e| e.valid_up_to()), Some(2));
}

#[test]
fn a_page_without_an_http_block_is_diagnosed() {
    let page =
        "---\ndoc_type: apiPageType\n---\n# Get thing\n\nGets it. /beta is subject to change, Important.\n";
    let model = graph_parser::parse_page("api-reference/beta/api/x.md", page.as_bytes());
    assert!(model.operation.is_none());
    assert!(codes(&model).contains(&DiagnosticCode::NoHttpBlock));
}

#[test]
fn a_page_of_prose_is_a_note_and_an_unread_table_a_warning() {
    let severity = |page: &str| {
        let model = graph_parser::parse_page("api-reference/v1.0/resources/x.md", page.as_bytes());
        let unknown: Vec<Severity> = model
            .diagnostics
            .iter()
            .filter(|d| d.code == DiagnosticCode::UnknownPageKind)
            .map(|d| d.severity)
            .collect();
        assert!(model.operation.is_none() && model.types.is_empty());
        unknown
    };
    // The shape of the corpus's conceptual pages: a list of links to resource pages.
    let conceptual = "---\ndoc_type: conceptualPageType\n---\n# Manage apps\n\nNamespace: microsoft.graph\n\n- [Mobile app](intune-apps-mobileapp.md)\n";
    assert_eq!(severity(conceptual), vec![Severity::Note]);
    let table = "# Manage apps\n\n## Settings\n\n|Name|Type|\n|:--|:--|\n|id|String|\n";
    assert_eq!(severity(table), vec![Severity::Warning]);
}

#[test]
fn invalid_example_json_is_diagnosed_and_the_operation_survives() {
    let page = "# Create thing\n\n## HTTP request\n``` http\nPOST /things\n```\n\n## Example\n### Request\n``` http\nPOST https://graph.microsoft.com/beta/things\nContent-type: application/json\n\n{ \"a\": [1, 2 }\n```\n";
    let model = graph_parser::parse_page("x.md", page.as_bytes());
    assert!(codes(&model).contains(&DiagnosticCode::InvalidJson), "{:?}", model.diagnostics);
    let op = model.operation.as_ref();
    assert_eq!(op.map(|o| o.examples.len()), Some(1));
    assert_eq!(op.and_then(|o| o.examples[0].request.as_ref()).map(|r| r.body.is_none()), Some(true));
}

#[test]
fn an_example_path_is_diagnosed_only_when_it_is_no_call_of_the_operation() {
    let page = |method: &str, example: &str| {
        let page = format!(
            "# Get top\n\n## HTTP request\n``` http\n{method} /things/{{id}}/getTop\n```\n\n## Example\n\
             ### Request\n``` http\n{method} https://graph.microsoft.com/beta{example}\n```\n"
        );
        codes(&graph_parser::parse_page("x.md", page.as_bytes()))
    };
    let mismatch = DiagnosticCode::ExamplePathMismatch;
    // As getTopMobileApps's page has it: the request line names the function, the example calls it.
    assert!(!page("GET", "/things/7/getTop(status='a/b',count=5)").contains(&mismatch));
    assert!(!page("GET", "/things/7/getTop").contains(&mismatch));
    assert!(page("GET", "/things/7/getOther(count=5)").contains(&mismatch));
    // An action takes its parameters in the body: arguments in its URL are no call of it.
    assert!(page("POST", "/things/7/getTop(count=5)").contains(&mismatch));
}

fn seeds() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs-input");
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// Every page of the corpus, when `../shared/graph-docs` is present, as (path, text) in path order.
fn corpus_pages() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/graph-docs");
    let mut paths = Vec::new();
    common::files_with_extension(&dir, "md", &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&dir).ok()?.to_string_lossy().replace('\\', "/");
            Some((relative, std::fs::read_to_string(path).ok()?))
        })
        .collect()
}

/// One edit of a page: a line (any index, taken modulo the line count), what to do to it (delete,
/// duplicate, swap with another, cut short, append a byte), and a byte for the last two.
type Edit = (usize, u8, u8);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((0usize..10_000, 0u8..5, any::<u8>()), 0..40)
}

/// `text` with `edits` applied line by line.
fn mutate(text: &str, edits: &[Edit]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    for &(at, kind, byte) in edits {
        if lines.is_empty() {
            break;
        }
        let at = at % lines.len();
        match kind {
            0 => {
                lines.remove(at);
            }
            1 => {
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            2 => {
                let other = (at * 7 + 3) % lines.len();
                lines.swap(at, other);
            }
            3 => {
                let keep = usize::from(byte) % (lines[at].len() + 1);
                lines[at].truncate(keep);
            }
            _ => lines[at].push(byte),
        }
    }
    lines.join(&b'\n')
}

/// A seed with some of its lines deleted, duplicated, swapped or cut short.
fn mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds();
    let count = seeds.len().max(1);
    (0..count, edits())
        .prop_map(move |(index, edits)| mutate(seeds.get(index).map_or("", String::as_str), &edits))
}

/// How many neighbouring corpus pages a case merges: pages named alike (one resource's API pages,
/// its resource page, the next resource's) meet in the merge.
const NEIGHBOURHOOD: usize = 12;

/// A run of neighbouring corpus pages, each with its own edits (none for some), as (path, bytes);
/// empty without the corpus.
fn mutated_corpus_neighbourhood() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let pages = corpus_pages();
    let count = pages.len().max(1);
    let page_edits = prop::option::weighted(0.6, edits());
    (0..count, prop::collection::vec(page_edits, NEIGHBOURHOOD)).prop_map(move |(start, edits)| {
        pages
            .iter()
            .skip(start)
            .zip(edits)
            .map(|((path, text), edits)| match edits {
                Some(edits) => (path.clone(), mutate(text, &edits)),
                None => (path.clone(), text.clone().into_bytes()),
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let model = graph_parser::parse_page("random.md", &bytes);
        graph_parser::build_api(vec![model]);
    }

    #[test]
    fn mutated_seeds_never_panic(bytes in mutated_seed()) {
        let model = graph_parser::parse_page("mutated.md", &bytes);
        graph_parser::build_api(vec![model]);
    }

    /// Real pages, API and resource alike, mutated and merged with their neighbours: the merge meets
    /// half-broken tables, examples and links from pages it also sees whole.
    #[test]
    fn mutated_corpus_neighbourhoods_never_panic(pages in mutated_corpus_neighbourhood()) {
        let models = pages.iter().map(|(path, bytes)| graph_parser::parse_page(path, bytes)).collect();
        graph_parser::build_api(models);
    }

    #[test]
    fn markdown_shaped_noise_never_panics(text in "(#{0,3} |\\| |``` http\n|\\{|\\}|\\[!INCLUDE \\[x\\]\\(y\\)\\]|<!-- \\{|-->|POST /a/\\{b\\}|HTTP/1.1 20[0-9] OK|\n| |[a-z]{1,5}){0,200}") {
        let model = graph_parser::parse_page("noise.md", text.as_bytes());
        graph_parser::build_api(vec![model]);
    }
}

#[test]
fn a_json_representation_member_missing_from_the_properties_table_is_diagnosed() {
    let page = "---\ndoc_type: resourcePageType\n---\n# thing resource type\n\nA thing.\n\n## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n|id|String|Key.|\n\n## JSON Representation\n``` json\n{\n  \"@odata.type\": \"#microsoft.graph.thing\",\n  \"id\": \"String\",\n  \"extra\": \"String\"\n}\n```\n";
    let model = graph_parser::parse_page("api-reference/beta/resources/thing.md", page.as_bytes());
    let conflicts: Vec<_> = model.diagnostics.iter().filter(|d| d.code == DiagnosticCode::Conflict).collect();
    assert_eq!(conflicts.len(), 1, "{:?}", model.diagnostics);
    assert!(conflicts[0].message.contains("`extra`"));
    assert_eq!(conflicts[0].span.line, 15, "the JSON's first line");
}

#[test]
fn links_resolve_against_the_input_ignoring_case_and_the_rest_are_diagnosed_once() {
    let page = "# Get thing\n\nReturns a [thing](../resources/Thing.md), a [widget](../resources/widget.md) \
                and [another widget](../resources/widget.md).\n\n## HTTP request\n``` http\nGET /things/{id}\n```\n";
    let thing = "# thing resource type\n\nA thing.\n";
    let api = graph_parser::build_api(vec![
        graph_parser::parse_page("beta/api/thing-get.md", page.as_bytes()),
        graph_parser::parse_page("beta/resources/thing.md", thing.as_bytes()),
    ]);
    let unresolved: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| d.code == DiagnosticCode::UnresolvedLink)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unresolved, ["link to `../resources/widget.md`, which is not in the input"]);
}
