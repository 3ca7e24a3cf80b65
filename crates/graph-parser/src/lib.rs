//! Reads Graph API reference pages (markdown or rendered plain text) into the graph-ir model. No I/O.
//!
//! Stages: detect the format → front end (`markdown` or `plaintext`) → [`blocks::Document`] →
//! `lower` (one page → [`PageModel`]) → `merge` (all pages → [`Api`]: merge, infer, resolve, sort).

pub mod blocks;
pub mod markdown;

use graph_ir::{Api, PageModel};

/// Reads one page. `path` is the page's path relative to the input folder, `/`-separated (it appears in
/// every span); `bytes` is the file's content in any encoding (invalid UTF-8 is read lossily, with a
/// diagnostic). Never panics and never fails: problems become diagnostics in the returned model.
pub fn parse_page(path: &str, bytes: &[u8]) -> PageModel {
    let _ = (path, bytes);
    unimplemented!("stub: being written")
}

/// Merges the pages into one model: operations described by several pages become one, types are
/// merged and inferred from examples, links are resolved against the set of pages, everything sorted.
/// The result does not depend on the order of `pages`.
pub fn build_api(pages: Vec<PageModel>) -> Api {
    let _ = pages;
    unimplemented!("stub: being written")
}
