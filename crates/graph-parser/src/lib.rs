//! Reads Graph API reference pages (markdown or rendered plain text) into the graph-ir model. No I/O.
//!
//! Stages: detect the format → front end (`markdown` or `plaintext`) → [`blocks::Document`] →
//! `lower` (one page → [`PageModel`]) → `merge` (all pages → [`Api`]: merge, infer, resolve, sort).

pub mod blocks;
pub mod detect;
pub mod front_matter;
mod json_repair;
mod lower;
pub mod markdown;
mod merge;
mod narrowing;
pub mod paths;
pub mod plaintext;

use std::borrow::Cow;
use std::str::Utf8Error;

use graph_ir::{
    Api, Diagnostic, DiagnosticCode, PageFormat, PageKind, PageModel, PageSummary, Severity, Span,
};

/// Reads one page. `path` is the page's path relative to the input folder, `/`-separated (it appears in
/// every span); `bytes` is the file's content in any encoding (invalid UTF-8 is read lossily, with a
/// diagnostic). Never panics and never fails: problems become diagnostics in the returned model.
pub fn parse_page(path: &str, bytes: &[u8]) -> PageModel {
    let (text, invalid_utf8) = decode(bytes);
    // A byte-order mark is not content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut model = if text.trim().is_empty() {
        empty_page(path, detect::detect_format(text))
    } else {
        let (format, document) = read_blocks(text);
        lower::lower(path, format, &document)
    };
    if let Some(error) = invalid_utf8 {
        let line = bytes
            .get(..error.valid_up_to())
            .map_or(1, |valid| valid.iter().filter(|&&b| b == b'\n').count() + 1);
        model.diagnostics.insert(
            0,
            Diagnostic {
                span: Span::new(path, u32::try_from(line).unwrap_or(u32::MAX)),
                severity: Severity::Warning,
                code: DiagnosticCode::InvalidUtf8,
                message: format!("file is not valid UTF-8 ({error}); invalid bytes read as U+FFFD"),
            },
        );
    }
    model
}

/// The front end alone: the page's format, told from its content, and its blocks as that format's
/// reader finds them. [`parse_page`] lowers them into the model; `cargo xtask bench` times this part
/// on its own.
pub fn read_blocks(text: &str) -> (PageFormat, blocks::Document) {
    let format = detect::detect_format(text);
    let document = match format {
        PageFormat::Markdown => markdown::read(text),
        PageFormat::PlainText => plaintext::read(text),
    };
    (format, document)
}

/// A page's bytes as the parser reads them: borrowed when they are UTF-8 (checked by the standard
/// library's fast validation); otherwise read lossily, invalid bytes as U+FFFD, with the error that
/// says where the first one is.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Option<Utf8Error>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), None),
        Err(error) => (String::from_utf8_lossy(bytes), Some(error)),
    }
}

fn empty_page(path: &str, format: PageFormat) -> PageModel {
    PageModel {
        summary: PageSummary {
            file: path.to_owned(),
            format,
            kind: PageKind::Unknown,
            version: None,
            title: None,
        },
        operation: None,
        types: Vec::new(),
        links: Vec::new(),
        diagnostics: vec![Diagnostic {
            span: Span::new(path, 1),
            severity: Severity::Error,
            code: DiagnosticCode::EmptyPage,
            message: "page is empty".into(),
        }],
    }
}

/// Merges the pages into one model: operations described by several pages become one, types are
/// merged and inferred from examples, links are resolved against the set of pages, everything sorted.
/// The result does not depend on the order of `pages`.
pub fn build_api(pages: Vec<PageModel>) -> Api {
    merge::build_api(pages)
}
