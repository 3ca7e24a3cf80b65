//! Token streams to source text: syn parses, prettyplease prints, and a failure becomes an
//! [`EmitError`] naming the file and quoting the first item syn rejects.
//!
//! Comments are not tokens, so an emitter that wants a `//` comment in the output places a
//! [`comment`] marker item and this module swaps it for the text after printing. Likewise an item's doc
//! comment arrives as one doc block ([`Doc::outer`]) and leaves as its `///` lines.
//!
//! Printing dominates emitting, and files print independently: a [`Formatter`] takes each file as
//! token text (token streams cannot cross threads) and parses and prints it on worker threads while
//! the caller builds the next file. Results are sorted by path, so the output never depends on
//! which thread finished first. Before the first file is ready there is nothing to print, so a
//! module's items are built on every core ([`build_on_all_cores`], on rayon's pool, in order) as text.

use std::sync::{mpsc, Arc, Mutex};

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use rayon::prelude::*;

use crate::docs::{Doc, DOC_BLOCK, DOC_LINE_BREAK};
use crate::{EmitError, GeneratedFile};

/// The marker macro name; no generated item is ever called this.
const COMMENT_MARKER: &str = "__graph_emit_comment";

/// An item that [`format_file`] replaces by `// <text>` (the text is kept in `comments`).
pub fn comment(comments: &mut Vec<String>, text: String) -> TokenStream {
    let index = comments.len();
    comments.push(text);
    let marker = proc_macro2::Ident::new(COMMENT_MARKER, proc_macro2::Span::call_site());
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    quote!(#marker!(#index);)
}

/// One file waiting to be parsed and printed.
struct Job {
    path: String,
    text: String,
    comments: Arc<[String]>,
}

/// Prints files on worker threads as they are submitted; [`Formatter::finish`] gathers them.
pub struct Formatter {
    jobs: mpsc::Sender<Job>,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    results: mpsc::Receiver<Result<GeneratedFile, EmitError>>,
    results_sender: mpsc::Sender<Result<GeneratedFile, EmitError>>,
}

impl Formatter {
    /// Starts one worker per core but one inside `scope`: the caller's thread is busy building the
    /// files meanwhile, and joins the workers in [`Formatter::finish`].
    pub fn start<'scope>(scope: &'scope std::thread::Scope<'scope, '_>) -> Formatter {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let (results_sender, results) = mpsc::channel();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        for _ in 1..cores {
            let queue = Arc::clone(&queue);
            let results = results_sender.clone();
            scope.spawn(move || work(&queue, &results));
        }
        Formatter { jobs, queue, results, results_sender }
    }

    /// Queues one Rust file: `header` as the module docs, then `source` (token text, see
    /// [`token_text`]).
    pub fn submit(&self, path: String, header: &Doc, source: String) {
        self.submit_with_comments(path, header, source, &Arc::from(Vec::new()));
    }

    /// [`Formatter::submit`] with `comments` for the [`comment`] markers in `source`.
    pub fn submit_with_comments(&self, path: String, header: &Doc, source: String, comments: &Arc<[String]>) {
        let mut text = header.inner().to_string();
        text.push(' ');
        text.push_str(&source);
        // The queue lives as long as `self`, so sending cannot fail.
        let _ = self.jobs.send(Job { path, text, comments: Arc::clone(comments) });
    }

    /// Formats what is left on this thread too, then returns the files sorted by path, or the error
    /// of the first failing path.
    pub fn finish(self) -> Result<Vec<GeneratedFile>, EmitError> {
        let Formatter { jobs, queue, results, results_sender } = self;
        drop(jobs);
        work(&queue, &results_sender);
        drop(results_sender);
        let mut files = Vec::new();
        let mut errors = Vec::new();
        // Ends when every worker has finished (each holds a results sender until then).
        for result in results {
            match result {
                Ok(file) => files.push(file),
                Err(error) => errors.push(error),
            }
        }
        if let Some(error) = errors.into_iter().min_by(|a, b| a.file.cmp(&b.file)) {
            return Err(error);
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}

/// Formats queued files until the queue is closed and empty.
fn work(queue: &Mutex<mpsc::Receiver<Job>>, results: &mpsc::Sender<Result<GeneratedFile, EmitError>>) {
    loop {
        // A poisoned lock means another worker panicked; the queue itself is still sound.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(Job { path, text, comments }) = job else { return };
        let result = format_text(&path, &text, &comments).map(|contents| GeneratedFile { path, contents });
        // The receiver lives until `finish` has collected every result.
        let _ = results.send(result);
    }
}

/// A string literal written raw (`r#"…"#`), with enough `#`s that no `"#…` inside can end it.
///
/// Most generated bytes are doc lines and example JSON. A raw literal is copied, never escaped or
/// unescaped, on each of its trips: into token text, through syn's lexer, and out as the value
/// prettyplease prints (a doc attribute prints as the same `///` line either way). Text a raw literal
/// cannot hold (a lone carriage return) becomes an escaped literal.
pub fn raw_str(text: &str) -> Literal {
    let mut longest = 0;
    let mut run: Option<usize> = None;
    for c in text.chars() {
        run = match (c, run) {
            ('"', _) => Some(0),
            ('#', Some(count)) => Some(count + 1),
            _ => None,
        };
        if let Some(count) = run {
            longest = longest.max(count);
        }
    }
    let hashes = "#".repeat(longest + 1);
    format!("r{hashes}\"{text}\"{hashes}").parse().unwrap_or_else(|_| Literal::string(text))
}

/// `build` applied to every item on every core (rayon's pool), results in the items' order (the same
/// as a sequential map whatever the thread count or timing).
///
/// For building a module's items before any of its files can be submitted (the file cut needs every
/// item's size), while the [`Formatter`]'s workers have nothing to do yet. `build` returns what can
/// cross threads: item text, not token streams.
pub fn build_on_all_cores<T: Sync, R: Send>(items: &[T], build: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    // Small tasks: items cost very differently (a configuration type with hundreds of properties
    // beside a two-member enum), and rayon splits a slice into only a few pieces per thread unless
    // told otherwise, which left a core idle.
    const ITEMS_PER_TASK: usize = 8;
    items.par_iter().with_max_len(ITEMS_PER_TASK).map(build).collect()
}

/// The text of tokens, as [`Formatter::submit`] takes it; texts join with a space.
pub fn token_text(tokens: &TokenStream) -> String {
    tokens.to_string()
}

/// Prints one Rust file: `header` as the module docs (`//!` lines), then `items`.
#[cfg(test)]
pub fn format_file(
    path: &str,
    header: &Doc,
    items: TokenStream,
    comments: &[String],
) -> Result<String, EmitError> {
    let header = header.inner();
    format_text(path, &quote!(#header #items).to_string(), comments)
}

/// Parses token text as a file and prints it.
fn format_text(path: &str, text: &str, comments: &[String]) -> Result<String, EmitError> {
    let mut file = syn::parse_file(text)
        .map_err(|error| EmitError { file: path.to_owned(), message: describe_parse_error(text, &error) })?;
    apply_cfg_markers(&mut file.items);
    let printed = prettyplease::unparse(&file);
    Ok(separate_items(&expand_markers(&printed, comments)))
}

/// Replaces each [`crate::areas`] marker by a `#[cfg(…)]` on the items after it (up to the next
/// marker), after their doc comments; inline modules are walked too. Comment markers stay ungated.
fn apply_cfg_markers(items: &mut Vec<syn::Item>) {
    let mut current: Option<syn::Attribute> = None;
    let mut kept = Vec::with_capacity(items.len());
    for mut item in items.drain(..) {
        if let syn::Item::Macro(syn::ItemMacro { mac, .. }) = &item {
            if mac.path.is_ident(crate::areas::CFG_MARKER) {
                let predicate = &mac.tokens;
                current = (!predicate.is_empty()).then(|| syn::parse_quote!(#[cfg(#predicate)]));
                continue;
            }
            if mac.path.is_ident(COMMENT_MARKER) {
                kept.push(item);
                continue;
            }
        }
        if let syn::Item::Mod(syn::ItemMod { content: Some((_, inner)), .. }) = &mut item {
            apply_cfg_markers(inner);
        }
        if let (Some(attribute), Some(attrs)) = (&current, item_attrs(&mut item)) {
            let after_docs = attrs.iter().take_while(|attr| attr.path().is_ident("doc")).count();
            attrs.insert(after_docs, attribute.clone());
        }
        kept.push(item);
    }
    *items = kept;
}

/// The attributes of the item kinds the emitter gates.
fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        syn::Item::Const(item) => Some(&mut item.attrs),
        syn::Item::Enum(item) => Some(&mut item.attrs),
        syn::Item::Fn(item) => Some(&mut item.attrs),
        syn::Item::Impl(item) => Some(&mut item.attrs),
        syn::Item::Mod(item) => Some(&mut item.attrs),
        syn::Item::Static(item) => Some(&mut item.attrs),
        syn::Item::Struct(item) => Some(&mut item.attrs),
        syn::Item::Type(item) => Some(&mut item.attrs),
        syn::Item::Use(item) => Some(&mut item.attrs),
        _ => None,
    }
}

/// Line starts that open an item (or an item's docs and attributes).
const ITEM_STARTS: &[&str] = &[
    "///",
    "//",
    "#[",
    "pub ",
    "pub(crate) ",
    "impl ",
    "impl<",
    "mod ",
    "fn ",
    "async fn ",
    "const ",
    "struct ",
    "enum ",
];

/// prettyplease prints items back to back; a blank line after the module docs and between items (at any
/// depth: an item ends with `}` or `;`) makes the files readable.
fn separate_items(printed: &str) -> String {
    let mut out = String::with_capacity(printed.len() + printed.len() / 16);
    let mut previous: Option<&str> = None;
    for line in printed.lines() {
        let trimmed = line.trim_start();
        if let Some(previous) = previous {
            let after_header = previous.starts_with("//!") && !trimmed.starts_with("//!");
            // A comment or doc line ending with `;` (a doctest's `use …;`) ends no item.
            let after_item = (previous == "}" || (previous.ends_with(';') && !previous.starts_with("//")))
                && ITEM_STARTS.iter().any(|start| trimmed.starts_with(start));
            let use_after_block = previous == "}" && trimmed.starts_with("use ");
            if after_header || after_item || use_after_block {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(trimmed);
    }
    out
}

/// The syn error plus the tokens of the first top-level item syn rejects. Spans carry no positions
/// (proc-macro2's `span-locations` would make every parse pay for a source map), so the item is found
/// by parsing the items one at a time, which only a failed file pays for.
fn describe_parse_error(text: &str, error: &syn::Error) -> String {
    let first_rejected_item = |input: syn::parse::ParseStream<'_>| -> syn::Result<Option<String>> {
        input.call(syn::Attribute::parse_inner)?;
        while !input.is_empty() {
            if input.fork().parse::<syn::Item>().is_err() {
                // The rest is consumed, or parse_str would report it as unexpected instead.
                return Ok(Some(input.parse::<TokenStream>()?.to_string()));
            }
            input.parse::<syn::Item>()?;
        }
        Ok(None)
    };
    match syn::parse::Parser::parse_str(first_rejected_item, text) {
        Ok(Some(rest)) => format!("{error}; at tokens: {}", excerpt(&rest)),
        _ => format!("{error}; tokens start: {}", excerpt(text)),
    }
}

/// The first 160 characters of `text`.
fn excerpt(text: &str) -> String {
    text.chars().take(160).collect()
}

/// Expands what prettyplease printed as one line: a [`comment`] marker into `//` lines, a doc block
/// ([`Doc::outer`]) into `///` lines as prettyplease prints single-line doc attributes (no trailing
/// spaces, a bare `///` for a blank line).
fn expand_markers(printed: &str, comments: &[String]) -> String {
    let mut out = String::with_capacity(printed.len() + printed.len() / 8);
    for line in printed.lines() {
        let trimmed = line.trim_start();
        let indent = line.get(..line.len() - trimmed.len()).unwrap_or_default();
        if let Some(block) = trimmed.strip_prefix("///").and_then(|rest| rest.strip_prefix(DOC_BLOCK)) {
            for doc_line in block.split(DOC_LINE_BREAK) {
                let doc_line = doc_line.trim_end_matches(' ');
                out.push_str(indent);
                out.push_str("///");
                if !doc_line.is_empty() {
                    out.push(' ');
                    out.push_str(doc_line);
                }
                out.push('\n');
            }
            continue;
        }
        let comment = trimmed
            .strip_prefix(COMMENT_MARKER)
            .and_then(|rest| rest.strip_prefix("!("))
            .and_then(|rest| rest.strip_suffix(");"))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| comments.get(index));
        match comment {
            Some(text) => {
                for comment_line in text.lines() {
                    out.push_str(indent);
                    out.push_str("// ");
                    out.push_str(comment_line);
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_on_all_cores_keeps_the_items_order() {
        // Uneven costs, so tasks finish out of order on several cores.
        let items: Vec<u64> = (0..1000).collect();
        let built = build_on_all_cores(&items, |&n| (0..(n % 7) * 1000).fold(n, |acc, i| acc ^ i) ^ n);
        let expected: Vec<u64> =
            items.iter().map(|&n| (0..(n % 7) * 1000).fold(n, |acc, i| acc ^ i) ^ n).collect();
        assert_eq!(built, expected);
        assert_eq!(build_on_all_cores(&items[..3], |n| n + 1), [1, 2, 3]);
        assert!(build_on_all_cores(&[] as &[u8], |n| *n).is_empty());
    }

    #[test]
    #[should_panic(expected = "item 500")]
    fn a_panic_while_building_on_all_cores_reaches_the_caller() {
        let items: Vec<usize> = (0..1000).collect();
        build_on_all_cores(&items, |&n| if n == 500 { panic!("item {n}") } else { n });
    }

    #[test]
    fn tokens_syn_rejects_become_an_error_quoting_them() {
        let error = format_file("src/broken.rs", &Doc::new("Header."), quote!(struct Good; struct ;), &[])
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("generated src/broken.rs does not parse:"), "{error}");
        assert!(error.contains("at tokens: struct ;"), "{error}");
    }

    #[test]
    fn raw_strings_outlast_quote_hash_runs_in_the_text() {
        assert_eq!(raw_str("{\"a\": 1}").to_string(), "r#\"{\"a\": 1}\"#");
        assert_eq!(raw_str("\"## x").to_string(), "r###\"\"## x\"###");
        assert_eq!(raw_str("a\rb").to_string(), "\"a\\rb\"");
    }

    #[test]
    fn a_doc_block_prints_as_doc_lines_at_its_items_depth() {
        let mut doc = Doc::new("First.");
        doc.paragraph("Second:");
        doc.list(["a  ".to_owned()]);
        let docs = doc.outer();
        let printed = format_file("x.rs", &Doc::new("Header."), quote!(mod m { #docs pub struct S; }), &[]);
        let expected =
            "//! Header.\n\nmod m {\n    /// First.\n    ///\n    /// Second:\n    ///\n    /// - a\n    pub struct S;\n}\n";
        assert_eq!(printed.ok().as_deref(), Some(expected));
    }

    #[test]
    fn doc_lines_ending_like_a_statement_stay_together() {
        let header = Doc::new("Header:\n\n```\nuse a::b;\nlet c = 1;\n```");
        let mut doc = Doc::new("Sends `x;`");
        doc.paragraph("then `y;`");
        let docs = doc.outer();
        let printed = format_file("x.rs", &header, quote!(#docs pub struct S; pub struct T;), &[]);
        let expected = "//! Header:\n//!\n//! ```\n//! use a::b;\n//! let c = 1;\n//! ```\n\n\
                        /// Sends `x;`\n///\n/// then `y;`\npub struct S;\n\npub struct T;\n";
        assert_eq!(printed.ok().as_deref(), Some(expected));
    }

    #[test]
    fn comment_markers_become_indented_comments() {
        let mut comments = Vec::new();
        let marker = comment(&mut comments, "Skipped: no body.".to_owned());
        let printed =
            format_file("x.rs", &Doc::new("Header."), quote!(mod m { #marker fn f() {} }), &comments);
        let expected = "//! Header.\n\nmod m {\n    // Skipped: no body.\n    fn f() {}\n}\n";
        assert_eq!(printed.ok().as_deref(), Some(expected));
    }
}
