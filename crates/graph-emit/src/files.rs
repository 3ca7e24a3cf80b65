//! Cuts emitted items into files: the header every file opens with, and one file per module or,
//! above the [`Layout`] limit, a folder of area modules named after the leading words of their items.
//!
//! Areas group by words (type-name words for models, path segments for builders and tests), never by
//! position, so adding an item never moves other items between files.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::{code, Doc, DOC_LINE_BREAK};
use crate::format::{token_text, Formatter};
use crate::naming::{self, Scope};
use crate::{examples, Layout};

/// The shared helpers, imported by every module of tests. A module whose examples all became
/// comments (JSON that does not fit the model, say) calls none of them.
const USE_HELPERS: &str = "# [allow (unused_imports)] use super :: * ;";

/// `tests/examples.rs` with one module per version or, above the layout's limit, `tests/examples/main.rs`
/// (the helpers) plus one file per area.
pub fn test_files(tests: examples::Tests, preamble: &str, layout: Layout, formatter: &Formatter) {
    const DESCRIPTION: &str =
        "For every documented example: its JSON bodies round-trip through the typed models, and \
         its request, sent through the request builders to a mock server, arrives as documented and \
         yields the documented response.";
    let examples::Tests { helpers, items, comments } = tests;
    let comments: Arc<[String]> = comments.into();
    let sources: Vec<String> = items.iter().flat_map(|item| item.sources.iter().cloned()).collect();
    // The first word is the version module, so even the split files group by version first.
    let filed: Vec<Filed> = items
        .into_iter()
        .map(|item| {
            let words = std::iter::once(item.version_module).chain(item.words).collect();
            Filed::new(words, item.sources, &item.tokens)
        })
        .collect();
    if filed.iter().map(|item| item.weight()).sum::<usize>() <= layout.max_file_bytes {
        let mut modules: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in filed {
            let version = item.words.first().cloned().unwrap_or_default();
            modules.entry(version).or_default().push(item.text);
        }
        let mut source = format!("{preamble} {}", token_text(&helpers));
        for (name, texts) in modules {
            let ident = naming::ident(&name);
            let open = token_text(&quote!(mod #ident));
            source.push_str(&format!(" {open} {{ {USE_HELPERS} {} }}", texts.join(" ")));
        }
        formatter.submit_with_comments(
            "tests/examples.rs".to_owned(),
            &header(&sources, DESCRIPTION),
            source,
            &comments,
        );
        return;
    }
    let mut declarations = TokenStream::new();
    for (area, area_items) in partition(filed, layout.max_file_bytes) {
        let ident = naming::ident(&area);
        declarations.extend(quote!(mod #ident;));
        let area_sources: Vec<String> =
            area_items.iter().flat_map(|item| item.sources.iter().cloned()).collect();
        let path = format!("tests/examples/{}.rs", naming::unraw(&area));
        let doc = header(&area_sources, &format!("The examples of the {} area.", code(naming::unraw(&area))));
        let first = format!("{preamble} {USE_HELPERS}");
        formatter.submit_with_comments(path, &doc, joined(&first, &area_items), &comments);
    }
    formatter.submit_with_comments(
        "tests/examples/main.rs".to_owned(),
        &header(&sources, DESCRIPTION),
        format!("{preamble} {}", token_text(&quote!(#helpers #declarations))),
        &comments,
    );
}

/// `first` then the text of every item, space-separated.
fn joined(first: &str, items: &[Filed]) -> String {
    let mut out =
        String::with_capacity(first.len() + items.iter().map(|item| item.text.len() + 1).sum::<usize>());
    out.push_str(first);
    for item in items {
        out.push(' ');
        out.push_str(&item.text);
    }
    out
}

/// Above this many pages a header names the count instead of listing them: every item's `Source:`
/// lines still name its pages, and an aggregating file (lib.rs, a `mod.rs` of areas) would otherwise
/// open with thousands of lines of file names.
const PAGE_LIST_LIMIT: usize = 200;

/// A file header: the generated-from line every generated file opens with, a description, and the
/// page list when there are more than three pages (and at most [`PAGE_LIST_LIMIT`]).
pub fn header(sources: &[String], description: &str) -> Doc {
    let pages: Vec<&str> = sources.iter().map(String::as_str).collect::<BTreeSet<_>>().into_iter().collect();
    let from = match pages.as_slice() {
        [] => "no input pages".to_owned(),
        [one] => (*one).to_owned(),
        [one, two] => format!("{one} and {two}"),
        [one, two, three] => format!("{one}, {two} and {three}"),
        many if many.len() <= PAGE_LIST_LIMIT => format!("{} pages (listed below)", many.len()),
        many => format!("{} pages", many.len()),
    };
    let mut doc = Doc::new(format!("Generated by `cargo xtask codegen` from {from}. Do not edit."));
    doc.paragraph(description);
    if pages.len() > 3 && pages.len() <= PAGE_LIST_LIMIT {
        doc.paragraph("Pages:");
        doc.list(pages.into_iter().map(str::to_owned));
    } else if pages.len() > PAGE_LIST_LIMIT {
        doc.paragraph("Each item's `Source:` lines name the pages it comes from.");
    }
    doc
}

/// One item to file into a module, with the words that choose its area module when splitting.
pub struct Filed {
    pub words: Vec<String>,
    pub sources: Vec<String>,
    /// The item's token text (what the formatter parses).
    pub text: String,
    weight: usize,
}

impl Filed {
    pub fn new(words: Vec<String>, sources: Vec<String>, tokens: &TokenStream) -> Filed {
        let text = token_text(tokens);
        // A doc block holds its lines one separator apart; each prints with its indent and `/// `.
        const DOC_LINE_PRINTED_EXTRA: usize = 8;
        let doc_lines = text.matches(DOC_LINE_BREAK).count();
        Filed { words, sources, weight: text.len() + doc_lines * DOC_LINE_PRINTED_EXTRA, text }
    }

    /// The item's token text length, standing in for its printed size.
    pub fn weight(&self) -> usize {
        self.weight
    }
}

/// The lowercase words of an UpperCamel name: `DeviceEnrollmentConfiguration` → device, enrollment, …
pub fn words_of(camel: &str) -> Vec<String> {
    heck::ToSnakeCase::to_snake_case(camel).split('_').filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// Writes items as `<base>.rs`, or, above the layout's limit, as `<base>/mod.rs` plus one file per area.
pub fn module_files(
    base: &str,
    description: &str,
    preamble: &str,
    uses: TokenStream,
    items: Vec<Filed>,
    layout: Layout,
    formatter: &Formatter,
) {
    let all_sources: Vec<String> = items.iter().flat_map(|item| item.sources.iter().cloned()).collect();
    if items.iter().map(Filed::weight).sum::<usize>() <= layout.max_file_bytes {
        let doc = header(&all_sources, description);
        formatter.submit(
            format!("{base}.rs"),
            &doc,
            joined(&format!("{preamble} {}", token_text(&uses)), &items),
        );
        return;
    }
    let areas = partition(items, layout.max_file_bytes);
    let mut declarations = TokenStream::new();
    for (area, area_items) in &areas {
        let ident = naming::ident(area);
        declarations.extend(quote!(mod #ident; pub use #ident::*;));
        let sources: Vec<String> = area_items.iter().flat_map(|item| item.sources.iter().cloned()).collect();
        let path = format!("{base}/{}.rs", naming::unraw(area));
        let doc = header(&sources, &format!("The {} area of the parent module.", code(naming::unraw(area))));
        formatter.submit(path, &doc, joined(&format!("{preamble} use super :: * ;"), area_items));
    }
    let doc = header(&all_sources, description);
    formatter.submit(
        format!("{base}/mod.rs"),
        &doc,
        format!("{preamble} {}", token_text(&quote!(#uses #declarations))),
    );
}

/// Groups items into areas weighing at most `max` by their leading words (one word, then two, …, up
/// to six), so an area's name says what it holds and adding an item never moves others between
/// areas. Areas are named by their words in snake_case, sorted.
fn partition(items: Vec<Filed>, max: usize) -> Vec<(String, Vec<Filed>)> {
    const MAX_DEPTH: usize = 6;
    fn split(
        prefix: Vec<String>,
        items: Vec<Filed>,
        max: usize,
        depth: usize,
        out: &mut BTreeMap<Vec<String>, Vec<Filed>>,
    ) {
        if items.iter().map(Filed::weight).sum::<usize>() <= max || depth >= MAX_DEPTH {
            out.entry(prefix).or_default().extend(items);
            return;
        }
        let mut groups: BTreeMap<Option<String>, Vec<Filed>> = BTreeMap::new();
        for item in items {
            groups.entry(item.words.get(depth).cloned()).or_default().push(item);
        }
        for (word, group) in groups {
            match word {
                None => out.entry(prefix.clone()).or_default().extend(group),
                Some(word) => {
                    let mut next = prefix.clone();
                    next.push(word);
                    split(next, group, max, depth + 1, out);
                }
            }
        }
    }
    let mut grouped = BTreeMap::new();
    split(Vec::new(), items, max, 0, &mut grouped);
    let mut scope = Scope::with_reserved(&["models", "paths"]);
    grouped
        .into_iter()
        .map(|(words, items)| {
            let name = if words.is_empty() { "common".to_owned() } else { words.join("_") };
            (scope.claim(&naming::snake_name(&name)), items)
        })
        .collect()
}
