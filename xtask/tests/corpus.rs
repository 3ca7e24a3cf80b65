//! The regression floor on the real docs (`../shared/graph-docs`, 5,397 pages): no page panics the
//! parser; the counts of operations, paths, types and their parts stay at or above
//! `xtask/corpus-floors.json`; the fidelity figures stay at or above `crates/graph-verify/floors.json`
//! (the one record of them, also read by `cargo xtask verify --floors`); and codegen writes the same
//! bytes on one thread and on two.
//!
//! Raise a floor when the parser improves (the test prints the counts it reached); never lower one to
//! make a change pass without saying why in the commit. Skipped, with a note, when `../shared` is absent.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use graph_ir::{Api, PermissionScopes};
use xtask::bench::default_input;
use xtask::codegen::{parse_pages, workspace_root, Codegen};
use xtask::pages::read_input_folder;
use xtask::verify::{check_floors, default_metadata};
use xtask::write::Mode;

/// Counts the corpus must reach: name → lowest accepted count.
const COUNT_FLOORS: &str = include_str!("../corpus-floors.json");

/// The corpus folder, or `None` (after a note) when this checkout has no `../shared` beside it.
fn corpus() -> Option<PathBuf> {
    let docs = default_input();
    if docs.is_dir() {
        return Some(docs);
    }
    println!("note: {} is absent; the corpus checks are skipped", docs.display());
    None
}

/// The counts the floors are kept for, by the names `corpus-floors.json` uses: what the pages yield
/// as a whole, and the parts of it that a parser change could lose in part without a fidelity
/// figure noticing (those compare ratios, so losing half of the request bodies is invisible there).
fn counts(pages: usize, api: &Api) -> BTreeMap<&'static str, usize> {
    let operations = &api.operations;
    let paths: BTreeSet<(graph_ir::ApiVersion, &str)> = operations
        .iter()
        .flat_map(|operation| operation.paths.iter().map(|path| (operation.version, path.raw.as_str())))
        .collect();
    let examples = operations.iter().flat_map(|operation| &operation.examples);
    let named_scopes = |operation: &&graph_ir::Operation| {
        operation.permissions.entries.iter().any(|entry| matches!(entry.scopes, PermissionScopes::Scopes(_)))
    };
    BTreeMap::from([
        ("pages", pages),
        ("operations", operations.len()),
        ("paths", paths.len()),
        ("types", api.types.len()),
        ("properties", api.types.iter().map(|ty| ty.properties.len()).sum()),
        ("enum_members", api.types.iter().map(|ty| ty.members.len()).sum()),
        ("request_bodies", operations.iter().filter(|operation| operation.request_body.is_some()).count()),
        ("response_bodies", operations.iter().filter(|operation| operation.response.body.is_some()).count()),
        ("query_options", operations.iter().map(|operation| operation.query_options.len()).sum()),
        ("request_headers", operations.iter().map(|operation| operation.request_headers.len()).sum()),
        ("operations_with_scopes", operations.iter().filter(named_scopes).count()),
        (
            "example_request_bodies",
            examples
                .clone()
                .filter(|example| example.request.as_ref().is_some_and(|r| r.body.is_some()))
                .count(),
        ),
        (
            "example_response_bodies",
            examples.filter(|example| example.response.as_ref().is_some_and(|r| r.body.is_some())).count(),
        ),
    ])
}

/// Every floor in `floors` that `counts` does not reach (or does not have), one message each.
fn below_count_floors(counts: &BTreeMap<&str, usize>, floors: &BTreeMap<String, usize>) -> Vec<String> {
    floors
        .iter()
        .filter_map(|(name, floor)| match counts.get(name.as_str()) {
            Some(count) if count >= floor => None,
            Some(count) => Some(format!("{name}: {count} is below the floor {floor}")),
            None => {
                let known: Vec<&str> = counts.keys().copied().collect();
                Some(format!("{name}: no such count (known: {})", known.join(", ")))
            }
        })
        .collect()
}

#[test]
fn the_corpus_parses_without_a_panic_and_stays_at_or_above_the_floors() -> anyhow::Result<()> {
    let Some(docs) = corpus() else { return Ok(()) };
    let started = Instant::now();
    let inputs = read_input_folder(&docs)?;
    assert!(inputs.unreadable.is_empty(), "unreadable pages: {:?}", inputs.unreadable);
    // Fails naming every page whose parse panicked.
    let api = parse_pages(&inputs.pages, None)?;
    let counts = counts(inputs.pages.len(), &api);
    println!("parsed in {:.2?}; counts: {counts:?}", started.elapsed());

    let floors: BTreeMap<String, usize> = serde_json::from_str(COUNT_FLOORS)?;
    assert!(!floors.is_empty(), "corpus-floors.json names at least one count");
    let mut failures = below_count_floors(&counts, &floors);

    let metadata = default_metadata();
    if metadata.is_dir() {
        let started = Instant::now();
        let metadata = graph_verify::Metadata::load(&metadata)?;
        let pages = inputs.pages.iter().map(|page| (page.path.as_str(), page.bytes.as_slice()));
        let report = graph_verify::verify(&api, pages, &metadata);
        let fidelity_floors = workspace_root().join("crates/graph-verify/floors.json");
        failures.extend(check_floors(&report, &fidelity_floors)?);
        println!("verified in {:.2?}", started.elapsed());
    } else {
        println!("note: {} is absent; the fidelity floors are not checked", metadata.display());
    }
    assert!(failures.is_empty(), "below the floors:\n{}", failures.join("\n"));
    Ok(())
}

#[test]
fn a_count_below_its_floor_or_unknown_is_reported() {
    let counts = BTreeMap::from([("operations", 10), ("types", 5)]);
    let floors =
        BTreeMap::from([("operations".to_owned(), 10), ("types".to_owned(), 6), ("widgets".to_owned(), 1)]);
    assert_eq!(
        below_count_floors(&counts, &floors),
        ["types: 5 is below the floor 6", "widgets: no such count (known: operations, types)"]
    );
}

/// Every file under `dir` with its bytes, sorted by relative path.
fn tree(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() {
            files.push((entry.path().strip_prefix(dir)?.to_path_buf(), fs::read(entry.path())?));
        }
    }
    Ok(files)
}

#[test]
fn codegen_writes_the_same_bytes_on_one_thread_and_on_two() -> anyhow::Result<()> {
    let Some(docs) = corpus() else { return Ok(()) };
    // The v1.0 half (1,233 pages, a whole API version): the full corpus takes over a minute twice in a
    // debug build, and the threads meet the same code on either.
    let input = docs.join("api-reference/v1.0");
    let outs = tempfile::tempdir()?;
    let run = |threads: usize| -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
        // Sibling folders, so the runtime's relative path is the same for both.
        let out = outs.path().join(format!("threads-{threads}"));
        let codegen = Codegen { input: input.clone(), out: out.clone(), mode: Mode::Write, jobs: None };
        // Every stage, parse and emit alike, runs on a pool of exactly `threads`.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        let report = pool.install(|| codegen.run())?;
        assert!(report.operations > 500, "v1.0 has its operations (found {})", report.operations);
        tree(&out)
    };
    let one_thread = run(1)?;
    let two_threads = run(2)?;
    assert!(one_thread.len() > 10, "the crate has its files (found {})", one_thread.len());
    let paths = |tree: &[(PathBuf, Vec<u8>)]| tree.iter().map(|(path, _)| path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&one_thread), paths(&two_threads), "one thread and two write different files");
    let differing: Vec<_> = one_thread
        .iter()
        .zip(&two_threads)
        .filter(|(one, two)| one != two)
        .map(|((path, _), _)| path.display().to_string())
        .collect();
    assert!(differing.is_empty(), "one thread and two write different bytes in: {differing:?}");
    // Doc comments travel through the formatter as one line with control separators (graph-emit's
    // docs.rs); every one must come out expanded into `///` lines.
    let unexpanded: Vec<_> = one_thread
        .iter()
        .filter(|(_, bytes)| bytes.iter().any(|&byte| byte == 0x1e || byte == 0x1f))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(unexpanded.is_empty(), "doc-block separators left in: {unexpanded:?}");
    Ok(())
}
