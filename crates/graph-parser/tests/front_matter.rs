//! The front matter's direct reading against yaml-rust2 on every page of the corpus and docs-input:
//! wherever the direct reading takes a page, both give the same fields, and it takes all but a few.

mod common;

use std::path::Path;

use graph_parser::front_matter::{simple_fields, yaml_fields};

const CORPUS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/graph-docs");
const DOCS_INPUT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs-input");

/// The lines between a page's opening `---` and the next `---`, as pulldown-cmark hands them over.
fn front_matter(text: &str) -> Option<String> {
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    let mut yaml = String::new();
    for line in lines {
        if line.trim_end() == "---" {
            return Some(yaml);
        }
        yaml.push_str(line);
        yaml.push('\n');
    }
    None
}

#[test]
fn the_direct_reading_agrees_with_yaml_rust2_and_takes_almost_every_page() {
    let mut paths = Vec::new();
    common::files_with_extension(Path::new(CORPUS_DIR), "md", &mut paths);
    if paths.is_empty() {
        println!("note: {CORPUS_DIR} is absent; only docs-input checked");
    }
    common::files_with_extension(Path::new(DOCS_INPUT_DIR), "md", &mut paths);
    let mut with_front_matter = 0;
    let mut read_directly = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let Some(yaml) = front_matter(&text) else { continue };
        with_front_matter += 1;
        if let Some(direct) = simple_fields(&yaml) {
            read_directly += 1;
            assert_eq!(Ok(direct), yaml_fields(&yaml), "{}", path.display());
        }
    }
    println!("front matter read directly on {read_directly} of {with_front_matter} pages");
    assert!(with_front_matter > 0, "no page with front matter in {DOCS_INPUT_DIR}");
    assert!(read_directly * 100 >= with_front_matter * 99, "{read_directly} of {with_front_matter}");
}

/// A key given twice goes to yaml-rust2, which refuses it, even when its first value is one the
/// model leaves out (a null); many distinct keys are all read.
#[test]
fn a_duplicated_key_goes_to_yaml_rust2_and_many_keys_are_read() {
    for yaml in ["title: a\ntitle: b\n", "author:\ntitle: a\nauthor: b\n", "author: ~\nauthor: b\n"] {
        assert_eq!(simple_fields(yaml), None, "{yaml:?}");
        assert!(yaml_fields(yaml).is_err(), "{yaml:?}");
    }
    let many: String = (0..10_000).map(|n| format!("k{n}: v{n}\n")).collect();
    assert_eq!(simple_fields(&many).map(|fields| fields.len()), Some(10_000));
}
