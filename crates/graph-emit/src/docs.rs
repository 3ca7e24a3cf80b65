//! Rustdoc text for generated items: descriptions, paths, permissions, request headers, national
//! clouds, responses and source spans, carried as one `#[doc]` attribute per item that the formatter
//! expands into `///` lines (module docs: one `#![doc]` attribute per line).
//!
//! Page text is flattened to one line per paragraph and lightly escaped, so nothing a page says can turn
//! into a doctest, an HTML tag, a broken intra-doc link or a list that clippy's doc lints reject.

use graph_ir::{
    HttpMethod, Operation, Origin, PermissionScopes, PrivilegeOrder, Property, Span, TypeDef, TypeKind,
};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::catalog::Catalog;
use crate::format::raw_str;

/// Opens the value of a `#[doc]` attribute that holds a whole doc comment (see [`Doc::outer`]).
pub const DOC_BLOCK: char = '\u{1e}';

/// Separates the lines inside such a value.
pub const DOC_LINE_BREAK: char = '\u{1f}';

/// A doc comment under construction: paragraphs separated by blank lines.
#[derive(Debug, Default, Clone)]
pub struct Doc {
    lines: Vec<String>,
}

impl Doc {
    /// A doc comment starting with `text` (already markdown; not escaped).
    pub fn new(text: impl Into<String>) -> Doc {
        let mut doc = Doc::default();
        doc.paragraph(text);
        doc
    }

    /// Adds a paragraph of markdown (not escaped) after a blank line. Text with line breaks becomes
    /// several lines: one `#[doc]` attribute must never hold a newline (prettyplease would print it as
    /// a `/** */` block).
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Doc {
        if !self.lines.is_empty() {
            self.lines.push(String::new());
        }
        let text = text.into();
        self.lines.extend(text.lines().map(|line| line.trim_end().to_owned()));
        if text.is_empty() {
            self.lines.push(String::new());
        }
        self
    }

    /// Adds a bulleted list after a blank line (followed by nothing, or by a paragraph's blank line).
    pub fn list<I: IntoIterator<Item = String>>(&mut self, items: I) -> &mut Doc {
        let mut first = true;
        for item in items {
            if first && !self.lines.is_empty() {
                self.lines.push(String::new());
            }
            first = false;
            self.lines.push(format!("- {}", item.replace(['\n', '\r'], " ")));
        }
        self
    }

    /// Adds `Source: file:line` lines, one per span, as one paragraph.
    pub fn sources<'s, I: IntoIterator<Item = &'s Span>>(&mut self, spans: I) -> &mut Doc {
        let mut first = true;
        for span in spans {
            if first && !self.lines.is_empty() {
                self.lines.push(String::new());
            }
            first = false;
            // One line per source: easy to grep in the source, one short paragraph in rustdoc.
            self.lines.push(format!("Source: {}", source(span)));
        }
        self
    }

    /// One `#[doc]` attribute holding every line, which the formatter prints as `///` lines.
    ///
    /// Doc lines are a third of the generated code. One attribute per item instead of one per line
    /// saves syn and prettyplease the bulk of their work on them; the value is one line to
    /// prettyplease ([`DOC_BLOCK`], then the lines joined by [`DOC_LINE_BREAK`]), so it prints as one
    /// `///` line, ending the line as every doc comment does, and the layout around it is unchanged.
    pub fn outer(&self) -> TokenStream {
        if self.lines.is_empty() {
            return TokenStream::new();
        }
        let mut value =
            String::with_capacity(self.lines.iter().map(|line| line.len() + 1).sum::<usize>() + 1);
        value.push(DOC_BLOCK);
        for (index, line) in self.lines.iter().enumerate() {
            if index > 0 {
                value.push(DOC_LINE_BREAK);
            }
            // Page text never holds these controls; were one there, it must not split or open a block.
            value.extend(line.chars().map(|c| if c == DOC_BLOCK || c == DOC_LINE_BREAK { ' ' } else { c }));
        }
        let value = raw_str(&value);
        quote!(#[doc = #value])
    }

    /// `#![doc = r#" line"#]` attributes, one per line (module docs: a few lines per file).
    pub fn inner(&self) -> TokenStream {
        let lines = self.lines.iter().map(|line| doc_string(line));
        quote!(#(#![doc = #lines])*)
    }
}

/// A doc line as prettyplease prints it after `///`: one leading space, unless the line is empty.
fn doc_string(line: &str) -> Literal {
    if line.is_empty() {
        raw_str("")
    } else {
        raw_str(&format!(" {line}"))
    }
}

/// `file:line`.
pub fn source(span: &Span) -> String {
    format!("{}:{}", span.file, span.line)
}

/// Page text made safe for rustdoc: one line per paragraph, no code fences, no HTML tags, no
/// accidental links. Paragraphs are separated by a blank line.
pub fn escape(text: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join(" "));
    }
    paragraphs
        .iter()
        .map(|paragraph| {
            paragraph
                .replace("```", "`")
                .replace('\\', "\\\\")
                .replace('<', "\\<")
                .replace('>', "\\>")
                .replace('[', "\\[")
                .replace(']', "\\]")
                .replace('\t', " ")
        })
        .map(|paragraph| link_bare_urls(&paragraph))
        .map(|paragraph| {
            // A paragraph must not start as a heading, quote, list or table in rustdoc's eyes.
            match paragraph.chars().next() {
                Some('#' | '>' | '|' | '-' | '*' | '+' | '=') => format!("\\{paragraph}"),
                _ => paragraph,
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Every bare `http://` or `https://` URL in escaped text wrapped as an autolink (`<…>`): rustdoc
/// warns about bare URLs. A URL ends before whitespace, an escape or a quote, and trailing
/// punctuation (`.` `,` `)` …) stays outside it.
fn link_bare_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|scheme| rest.find(scheme)).min() {
        let (before, from_url) = rest.split_at(start);
        out.push_str(before);
        let end = from_url
            .find(|c: char| c.is_whitespace() || matches!(c, '\\' | '<' | '>' | '"' | '`'))
            .unwrap_or(from_url.len());
        let (candidate, after) = from_url.split_at(end);
        let url = url_without_trailing_punctuation(candidate);
        let scheme_only = !url.contains("://") || url.ends_with("://");
        match scheme_only {
            true => out.push_str(candidate),
            false => {
                out.push('<');
                out.push_str(url);
                out.push('>');
                out.push_str(candidate.get(url.len()..).unwrap_or_default());
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A URL candidate without the punctuation that ends the sentence around it; a closing parenthesis
/// stays when the URL opened one (`…/wiki/Name_(disambiguation)`).
fn url_without_trailing_punctuation(candidate: &str) -> &str {
    let mut url = candidate;
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '*', '_']);
        let unbalanced =
            trimmed.ends_with(')') && trimmed.matches(')').count() > trimmed.matches('(').count();
        url = match unbalanced {
            true => trimmed.strip_suffix(')').unwrap_or(trimmed),
            false => return trimmed,
        };
    }
}

/// Text for an inline code span: backticks removed so the span cannot end early.
pub fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace(['\n', '\r'], " "))
}

/// Appends a (possibly multi-paragraph) escaped description.
fn push_text(doc: &mut Doc, text: &str) {
    for paragraph in escape(text).split("\n\n") {
        doc.paragraph(paragraph);
    }
}

/// The opening text for an item: its description, or a generated sentence when the page gives none.
fn described(description: Option<&str>, fallback: String) -> Doc {
    let mut doc = Doc::default();
    match description.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => push_text(&mut doc, text),
        None => {
            doc.paragraph(fallback);
        }
    }
    doc
}

/// Docs for a struct or enum generated from a type definition.
pub fn type_doc(def: &TypeDef) -> Doc {
    let mut doc = described(def.description.as_deref(), format!("The {} type.", code(&def.name)));
    let kind = match def.kind {
        TypeKind::Entity => "entity type",
        TypeKind::Complex => "complex type",
        TypeKind::Object => "type (entity or complex: the pages do not say)",
        TypeKind::Enum => "enum type",
    };
    let mut facts = format!("Graph {kind} {}", code(&format!("{}.{}", def.namespace, def.name)));
    if let Some(base) = &def.base_type {
        facts.push_str(&format!(", derived from {}", code(base)));
    }
    facts.push('.');
    if def.is_abstract {
        facts.push_str(" Abstract: the service only sends its derived types.");
    }
    if def.origin == Origin::Inferred {
        facts.push_str(" Known only from example JSON, not from a resource page.");
    }
    doc.paragraph(facts);
    doc.sources(&def.sources);
    doc
}

/// Docs for a struct field generated from a property or action parameter (`noun` says which).
pub fn field_doc(
    property: &Property,
    inherited_from: Option<&str>,
    noun: &str,
    catalog: &Catalog<'_>,
) -> Doc {
    let mut doc = described(property.description.as_deref(), format!("The {} {noun}.", code(&property.name)));
    let mut facts: Vec<String> = Vec::new();
    match property.required {
        Some(true) => facts.push("Required.".to_owned()),
        Some(false) => facts.push("Optional.".to_owned()),
        None => {}
    }
    if property.read_only {
        facts.push("Read-only: the service ignores it in requests.".to_owned());
    }
    if let Some(note) = catalog.type_note(&property.type_ref) {
        facts.push(note);
    }
    if let Some(base) = inherited_from {
        facts.push(format!("Inherited from {}.", code(base)));
    }
    if property.origin == Origin::Inferred {
        facts.push("Known only from example JSON.".to_owned());
    }
    if !facts.is_empty() {
        doc.paragraph(facts.join(" "));
    }
    doc.sources([&property.span]);
    doc
}

/// Docs for a request builder method: what the operation does, the path this method sends to,
/// permissions, response and sources. Every path of the operation is listed on the method for its
/// first path; the methods for its other paths point there (`first_path_method`, an intra-doc link
/// target), so an operation with many paths costs lines linear in its paths.
pub fn operation_doc(op: &Operation, this_path: &str, first_path_method: Option<&str>) -> Doc {
    let mut doc = described(op.description.as_deref(), format!("{}.", escape(&op.title)));
    doc.paragraph(format!("Sends {}.", code(&format!("{} {}", op.method.as_str(), this_path))));
    match first_path_method {
        _ if op.paths.len() < 2 => {}
        None => {
            doc.paragraph("The operation has these paths (each has a method like this one):");
            doc.list(op.paths.iter().map(|path| code(&format!("{} {}", op.method.as_str(), path.raw))));
        }
        Some(target) => {
            doc.paragraph(format!(
                "This is one of the operation's {} paths; [{}]({target}) lists them all.",
                op.paths.len(),
                code(target)
            ));
        }
    }
    permissions_doc(&mut doc, op);
    headers_doc(&mut doc, op);
    if !op.national_clouds.is_empty() {
        let clouds: Vec<String> = op.national_clouds.iter().map(|cloud| escape(cloud)).collect();
        doc.paragraph(format!("Available in: {}.", clouds.join(", ")));
    }
    doc.paragraph(response_sentence(op));
    doc.sources(&op.sources);
    doc
}

/// The request headers the page documents beyond those the runtime sends itself (`Authorization`,
/// `Accept`, `Content-Type`), which a caller sets with `.header(name, value)`.
fn headers_doc(doc: &mut Doc, op: &Operation) {
    const SENT_BY_THE_RUNTIME: [&str; 3] = ["Authorization", "Accept", "Content-Type"];
    let others: Vec<&graph_ir::Header> = op
        .request_headers
        .iter()
        .filter(|header| !SENT_BY_THE_RUNTIME.iter().any(|sent| header.name.eq_ignore_ascii_case(sent)))
        .collect();
    if others.is_empty() {
        return;
    }
    doc.paragraph("Request headers the page documents (`.header(name, value)` sets one):");
    doc.list(others.iter().map(|header| match header.description.trim() {
        // The description says whether it is required, when it does.
        "" if header.required => format!("{}: required.", code(&header.name)),
        "" => code(&header.name),
        description => format!("{}: {}", code(&header.name), escape(description)),
    }));
}

fn permissions_doc(doc: &mut Doc, op: &Operation) {
    let permissions = &op.permissions;
    if permissions.entries.is_empty() {
        match &permissions.include {
            Some(include) => doc.paragraph(format!(
                "Permissions: listed in {}, which is not part of the input.",
                code(include)
            )),
            None => doc.paragraph("Permissions: the page does not state them."),
        };
        return;
    }
    let order = match permissions.order {
        PrivilegeOrder::LeastToMost => "from least to most privileged",
        PrivilegeOrder::MostToLeast => "from most to least privileged",
        PrivilegeOrder::Unstated => "privilege order not stated",
    };
    doc.paragraph(format!("Permissions ({order}):"));
    doc.list(permissions.entries.iter().map(|entry| {
        let kind = entry.kind.label();
        let who = match &entry.workload {
            Some(workload) => format!("{kind}, {}", escape(workload)),
            None => kind.to_owned(),
        };
        let scopes = match &entry.scopes {
            PermissionScopes::Scopes(scopes) if scopes.is_empty() => "none listed".to_owned(),
            PermissionScopes::Scopes(scopes) => {
                scopes.iter().map(|scope| code(scope)).collect::<Vec<_>>().join(", ")
            }
            PermissionScopes::NotSupported => "not supported".to_owned(),
            PermissionScopes::SeeWorkloads => "see the workload entries".to_owned(),
            PermissionScopes::Unknown => "not stated in the docs".to_owned(),
        };
        format!("{who}: {scopes}")
    }));
}

fn response_sentence(op: &Operation) -> String {
    let status = status_text(op.response.status);
    match &op.response.body {
        Some(graph_ir::TypeRef::Primitive(graph_ir::Primitive::Stream)) if op.response.status != 204 => {
            format!(
                "Returns {} with a `Stream` in the body, yielded as its bytes (`graph_runtime::Bytes`), \
                 not decoded.",
                code(&status)
            )
        }
        Some(body) if op.response.status != 204 && crate::catalog::may_answer_without_body(op) => format!(
            "Returns {} with {} in the body; the service may answer `204 No Content` instead (Intune's \
             do, and `Prefer: return=minimal` asks for it), so `.await` yields an `Option`.",
            code(&status),
            code(&type_ref_text(body))
        ),
        Some(body) if op.response.status != 204 => {
            format!("Returns {} with {} in the body.", code(&status), code(&type_ref_text(body)))
        }
        _ => format!("Returns {} with no body.", code(&status)),
    }
}

/// `201 Created`, `204 No Content`, or the bare number for statuses the docs rarely use.
pub fn status_text(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        _ => return status.to_string(),
    };
    format!("{status} {reason}")
}

/// A type reference as the docs write it: `deviceAndAppManagementAssignmentTarget collection`.
pub fn type_ref_text(type_ref: &graph_ir::TypeRef) -> String {
    match type_ref {
        graph_ir::TypeRef::Primitive(primitive) => primitive.docs_name().to_owned(),
        graph_ir::TypeRef::Named(name) => name.clone(),
        graph_ir::TypeRef::Collection(item) => format!("{} collection", type_ref_text(item)),
    }
}

/// The HTTP method's name for builder methods and consts.
pub fn method_word(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::GET => "get",
        HttpMethod::POST => "post",
        HttpMethod::PATCH => "patch",
        HttpMethod::PUT => "put",
        HttpMethod::DELETE => "delete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_cannot_become_markup() {
        assert_eq!(escape("Bearer <token>. See [docs]."), "Bearer \\<token\\>. See \\[docs\\].");
        assert_eq!(escape("```rust\nfn x() {}\n```"), "`rust fn x() {} `");
        assert_eq!(escape("- item\nmore\n\n# heading"), "\\- item more\n\n\\# heading");
        assert_eq!(escape("  "), "");
    }

    #[test]
    fn bare_urls_become_autolinks_without_their_trailing_punctuation() {
        assert_eq!(
            escape("See https://docs.microsoft.com/intune/x for more. Or (http://a.b/c?d=1)."),
            "See <https://docs.microsoft.com/intune/x> for more. Or (<http://a.b/c?d=1>)."
        );
        // A link written as markdown keeps its (escaped) text; its target becomes the autolink.
        assert_eq!(escape("[docs](https://a.b/c)"), "\\[docs\\](<https://a.b/c>)");
        assert_eq!(escape("https:// and http://"), "https:// and http://");
        assert_eq!(
            escape("(see https://w.org/wiki/A_(b)), then https://c.d/e)."),
            "(see <https://w.org/wiki/A_(b)>), then <https://c.d/e>)."
        );
        assert_eq!(escape("url: https://a.b/\\c"), "url: <https://a.b/>\\\\c");
    }

    #[test]
    fn doc_lines_start_with_a_space_and_blank_lines_stay_empty() {
        let mut doc = Doc::new("First.");
        doc.paragraph("Second.");
        doc.list(["a".to_owned()]);
        let printed = doc.inner().to_string();
        let expected = r##"# ! [doc = r#" First."#] # ! [doc = r#""#] # ! [doc = r#" Second."#] # ! [doc = r#""#] # ! [doc = r#" - a"#]"##;
        assert_eq!(printed, expected);
        let block = doc.outer().to_string();
        assert_eq!(block, "# [doc = r#\"\u{1e}First.\u{1f}\u{1f}Second.\u{1f}\u{1f}- a\"#]");
        assert!(Doc::default().outer().is_empty());
    }

    #[test]
    fn types_read_as_the_pages_write_them() {
        use graph_ir::{Primitive, TypeRef};
        let collection = |item| TypeRef::Collection(Box::new(item));
        assert_eq!(type_ref_text(&TypeRef::Primitive(Primitive::DateTimeOffset)), "DateTimeOffset");
        assert_eq!(type_ref_text(&collection(TypeRef::Primitive(Primitive::Json))), "Json collection");
        assert_eq!(
            type_ref_text(&collection(TypeRef::Named("deviceAndAppManagementAssignmentTarget".into()))),
            "deviceAndAppManagementAssignmentTarget collection"
        );
    }
}
