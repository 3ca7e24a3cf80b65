//! Token streams to source text: syn parses, prettyplease prints, and a failure becomes an
//! [`EmitError`] naming the file and quoting the tokens where syn stopped.
//!
//! Comments are not tokens, so an emitter that wants a `//` comment in the output places a
//! [`comment`] marker item and this module swaps it for the text after printing.

use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::Doc;
use crate::EmitError;

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

/// Prints one Rust file: `header` as the module docs (`//!` lines), then `items`.
pub fn format_file(
    path: &str,
    header: &Doc,
    items: TokenStream,
    comments: &[String],
) -> Result<String, EmitError> {
    let header = header.inner();
    let tokens = quote!(#header #items);
    let file = syn::parse2::<syn::File>(tokens.clone()).map_err(|error| EmitError {
        file: path.to_owned(),
        message: describe_parse_error(&tokens, &error),
    })?;
    let printed = prettyplease::unparse(&file);
    Ok(separate_items(&replace_comment_markers(&printed, comments)))
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
            let after_item = (previous == "}" || previous.ends_with(';'))
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

/// The syn error plus the tokens from the point it names. Tokens built by quote carry no positions,
/// so the tokens are printed and parsed again as text to find the offending column.
fn describe_parse_error(tokens: &TokenStream, error: &syn::Error) -> String {
    let text = tokens.to_string();
    let located = match syn::parse_str::<syn::File>(&text) {
        Err(located) => located,
        Ok(_) => return format!("{error}; tokens start: {}", excerpt(&text, 0, 0)),
    };
    let start = located.span().start();
    format!("{error}; at tokens: {}", excerpt(&text, start.line, start.column))
}

/// Up to 160 characters of `text` from 1-based `line`, 0-based `column` (from the start if `line` is 0).
fn excerpt(text: &str, line: usize, column: usize) -> String {
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or(text);
    line_text.chars().skip(column).take(160).collect()
}

fn replace_comment_markers(printed: &str, comments: &[String]) -> String {
    let mut out = String::with_capacity(printed.len());
    for line in printed.lines() {
        let trimmed = line.trim_start();
        let index = trimmed
            .strip_prefix(COMMENT_MARKER)
            .and_then(|rest| rest.strip_prefix("!("))
            .and_then(|rest| rest.strip_suffix(");"))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| comments.get(index));
        match index {
            Some(text) => {
                let indent = line.get(..line.len() - trimmed.len()).unwrap_or_default();
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
    fn tokens_syn_rejects_become_an_error_quoting_them() {
        let error = format_file("src/broken.rs", &Doc::new("Header."), quote!(struct Good; struct ;), &[])
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("generated src/broken.rs does not parse:"), "{error}");
        assert!(error.contains("at tokens: ;"), "{error}");
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
