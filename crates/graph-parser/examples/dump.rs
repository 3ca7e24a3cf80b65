//! Dev aid: parses a folder of pages (recursively) and prints the merged model as JSON, or with
//! `--stats` only counts (`cargo run -p graph-parser --example dump -- DIR [--stats]`).
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs-input".into()));
    let stats = std::env::args().any(|a| a == "--stats");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    let started = std::time::Instant::now();
    let pages: Vec<_> = paths
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).ok()?;
            let name = path.strip_prefix(&dir).ok()?.to_string_lossy().replace('\\', "/");
            Some(graph_parser::parse_page(&name, &bytes))
        })
        .collect();
    let api = graph_parser::build_api(pages);
    if !stats {
        println!("{}", serde_json::to_string_pretty(&api).unwrap_or_default());
        return;
    }
    let mut codes = std::collections::BTreeMap::new();
    for d in &api.diagnostics {
        *codes.entry(format!("{:?} {:?}", d.severity, d.code)).or_insert(0) += 1;
    }
    let paths: usize = api.operations.iter().map(|o| o.paths.len()).sum();
    println!(
        "pages {} operations {} paths {} types {} in {:?}",
        api.pages.len(),
        api.operations.len(),
        paths,
        api.types.len(),
        started.elapsed()
    );
    for (code, count) in codes {
        println!("{count:6} {code}");
    }
}
