//! The real parser on every page of `../shared/graph-docs`, checked against the service CSDL in
//! `../shared/graph-metadata`: the headline figures must stay at or above `floors.json`.
//!
//! Raise a floor when the parser improves (the failure message prints the figure reached); never lower
//! one to make a change pass without saying why in the commit.

use std::path::{Path, PathBuf};

use graph_verify::{below_floors, Floors, Metadata};

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/graph-docs");
const METADATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/graph-metadata");
const FLOORS: &str = include_str!("../floors.json");

fn page_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            page_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "md") {
            out.push(path);
        }
    }
}

/// Every page as (path relative to `dir`, bytes), in path order; SOURCE.md describes the folder.
fn read_pages(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut paths = Vec::new();
    page_files(dir, &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(dir).ok()?.to_string_lossy().replace('\\', "/");
            (relative != "SOURCE.md").then_some(())?;
            Some((relative, std::fs::read(path).ok()?))
        })
        .collect()
}

/// Parses the pages on every core (the parser is pure; this keeps the debug-build test quick).
fn parse_all(pages: &[(String, Vec<u8>)]) -> Vec<graph_ir::PageModel> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = pages.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pages
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(path, bytes)| graph_parser::parse_page(path, bytes))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_default()).collect()
    })
}

#[test]
fn the_corpus_stays_at_or_above_the_recorded_floors() {
    let (docs, metadata_dir) = (Path::new(DOCS), Path::new(METADATA));
    if !docs.is_dir() || !metadata_dir.is_dir() {
        println!("note: {DOCS} or {METADATA} is absent; the corpus fidelity check is skipped");
        return;
    }
    let started = std::time::Instant::now();
    let pages = read_pages(docs);
    assert!(pages.len() > 5000, "the corpus has its 5,397 pages (found {})", pages.len());
    let api = graph_parser::build_api(parse_all(&pages));
    let parsed = started.elapsed();
    let metadata = Metadata::load(metadata_dir);
    assert!(metadata.is_ok(), "the metadata loads: {:?}", metadata.err());
    let metadata = metadata.unwrap_or_default();
    let report = graph_verify::verify(
        &api,
        pages.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice())),
        &metadata,
    );
    println!("parsed in {parsed:?}, verified in {:?}", started.elapsed() - parsed);
    println!("{}", report.summary_json());

    let floors: Result<Floors, _> = serde_json::from_str(FLOORS);
    assert!(floors.is_ok(), "floors.json is a map of scope → figure → ratio: {:?}", floors.err());
    let failures = below_floors(&report.summary(), &floors.unwrap_or_default());
    assert!(failures.is_empty(), "figures below their floors:\n{}", failures.join("\n"));
}

#[test]
fn every_request_line_that_does_not_resolve_is_explained() {
    let (docs, metadata_dir) = (Path::new(DOCS), Path::new(METADATA));
    if !docs.is_dir() || !metadata_dir.is_dir() {
        println!("note: {DOCS} or {METADATA} is absent; the corpus fidelity check is skipped");
        return;
    }
    // Only the request lines matter here, so the model can be empty: every line is then parser-missed,
    // and every line that does not resolve must still have a doc-only line saying why.
    let pages = read_pages(docs);
    let metadata = Metadata::load(metadata_dir).unwrap_or_default();
    let report = graph_verify::verify(
        &graph_ir::Api::default(),
        pages.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice())),
        &metadata,
    );
    let summary = report.summary();
    let resolved = summary
        .get("all")
        .and_then(|figures| figures.get("request_lines.resolved"))
        .copied()
        .unwrap_or_default();
    let explained = report
        .disagreements
        .iter()
        .filter(|d| d.category == "request_lines" && d.class == graph_verify::Class::DocOnly)
        .count();
    assert_eq!(explained, resolved.denominator - resolved.numerator);
    assert!(resolved.denominator >= 6081, "the pages hold at least the 6,081 request lines SOURCE.md counts");
    assert!(resolved.numerator >= 5989, "at least the 5,989 SOURCE.md resolves: {resolved:?}");
}

/// The merge must not depend on the order pages arrive in, on the whole corpus too: there, examples
/// infer properties (in an order the merge fixes itself), several pages describe one operation, and
/// type names meet from both API versions.
#[test]
fn the_corpus_model_is_the_same_from_pages_in_reverse_order() {
    let docs = Path::new(DOCS);
    if !docs.is_dir() {
        println!("note: {DOCS} is absent; the order check is skipped");
        return;
    }
    let pages = parse_all(&read_pages(docs));
    let mut reversed = pages.clone();
    reversed.reverse();
    let (forward, backward) = (graph_parser::build_api(pages), graph_parser::build_api(reversed));
    assert!(forward.operations.len() > 3000, "the corpus has its operations ({})", forward.operations.len());
    // Compared item by item first, so a failure names what differs rather than printing two models.
    for (one, two) in forward.operations.iter().zip(&backward.operations) {
        assert!(one == two, "{:?} operation {} differs with the pages reversed", one.version, one.name);
    }
    for (one, two) in forward.types.iter().zip(&backward.types) {
        assert!(one == two, "{:?} type {} differs with the pages reversed", one.version, one.name);
    }
    assert!(forward == backward, "the model differs with the pages reversed (diagnostics or counts)");
}
