//! Dev aid: parses a folder of pages and prints the fidelity report against a metadata folder
//! (`cargo run --release -p graph-verify --example report -- PAGES METADATA [--json]`). The project's
//! entry point is `cargo xtask verify`; this skips its CLI for quick iteration.
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.file_name().is_some_and(|name| name != "SOURCE.md" && name != "README.md") {
            out.push(path);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(metadata)) = (args.next(), args.next()) else {
        eprintln!("usage: report PAGES METADATA [--json]");
        std::process::exit(2);
    };
    let json = args.any(|arg| arg == "--json");
    let input = PathBuf::from(input);
    let mut paths = Vec::new();
    files(&input, &mut paths);
    paths.sort();
    let pages: Vec<(String, Vec<u8>)> = paths
        .iter()
        .filter_map(|path| {
            let name = path.strip_prefix(&input).ok()?.to_string_lossy().replace('\\', "/");
            Some((name, std::fs::read(path).ok()?))
        })
        .collect();
    let started = std::time::Instant::now();
    let api = graph_parser::build_api(
        pages.iter().map(|(name, bytes)| graph_parser::parse_page(name, bytes)).collect(),
    );
    let parsed = started.elapsed();
    let metadata = match graph_verify::Metadata::load(Path::new(&metadata)) {
        Ok(metadata) => metadata,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    };
    let loaded = started.elapsed();
    let report = graph_verify::verify(
        &api,
        pages.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
        &metadata,
    );
    eprintln!("parse {parsed:?}, metadata {:?}, verify {:?}", loaded - parsed, started.elapsed() - loaded);
    if json {
        println!("{}", report.summary_json());
    } else {
        print!("{report}");
    }
}
