//! The markdown front end: pulldown-cmark's event stream → [`Document`] blocks.
//!
//! A small stateful walker over `into_offset_iter()`: one method per block kind, each consuming the
//! events up to its matching end. Quirks recovered here (each leaves a [`FrontEndNote`]):
//! - a heading indented four or more spaces, which CommonMark reads as an indented code block;
//! - `<!-- { … } -->` annotations, which arrive as several HTML pieces and are joined;
//! - `[!INCLUDE [label](target)]`, which is a paragraph to CommonMark;
//! - YAML front matter that does not parse;
//! - a table row with more cells than its header, whose excess GFM drops without a word;
//! - a list item holding blocks (a request's code block, its annotation), read as blocks beside the
//!   item's text rather than run into it.

use std::iter::Peekable;
use std::ops::Range;

use graph_ir::{DiagnosticCode, Severity};
use pulldown_cmark::{CodeBlockKind, Event, MetadataBlockKind, OffsetIter, Options, Parser, Tag, TagEnd};
use regex::Regex;
use std::sync::LazyLock;

use crate::blocks::{Block, Cell, CollapsedText, Document, FrontEndNote, Link, Row};

/// The one set of options this tool parses markdown with.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_STRIKETHROUGH
}

/// Reads a markdown page into blocks. Never fails: odd input yields notes.
pub fn read(text: &str) -> Document {
    let mut walker = Walker {
        text,
        lines: LineIndex::new(text),
        events: Parser::new_ext(text, options()).into_offset_iter().peekable(),
        doc: Document::default(),
        inline_text: CollapsedText::default(),
    };
    walker.run();
    walker.doc
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    pub(crate) fn line(&self, offset: usize) -> u32 {
        let index = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(index.max(1)).unwrap_or(u32::MAX)
    }
}

/// What [`Walker::inline`] saw besides the text, which it leaves in [`Walker::inline_text`].
#[derive(Default)]
struct Inline {
    links: Vec<Link>,
    /// Non-whitespace text seen outside `**strong**`.
    plain_outside_strong: bool,
    /// Non-whitespace text seen inside `**strong**`.
    any_strong: bool,
}

struct Walker<'a> {
    text: &'a str,
    lines: LineIndex,
    /// Peekable: a list item's own text ends where a block inside it (a code block, a table)
    /// begins, which the walker reads as a block of its own.
    events: Peekable<OffsetIter<'a, pulldown_cmark::DefaultBrokenLinkCallback>>,
    doc: Document,
    /// The text of the paragraph, heading or cell being read. One buffer for the whole page, so each
    /// block's text is allocated once, at its final length.
    inline_text: CollapsedText,
}

static INCLUDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[!INCLUDE\s*\[([^\]]*)\]\(([^)\s]*)\)\s*\]").expect("static regex"));
static ATX_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(#{1,6})\s+(.*?)\s*#*\s*$").expect("static regex"));

impl Walker<'_> {
    fn run(&mut self) {
        while let Some((event, range)) = self.events.next() {
            let line = self.lines.line(range.start);
            match event {
                Event::Start(Tag::MetadataBlock(kind)) => self.front_matter(kind, line),
                Event::Start(Tag::Heading { level, .. }) => {
                    self.inline();
                    // `&nbsp;` at either end (two overview pages' titles) is no part of the name;
                    // the plain-text rendering drops it too.
                    let text = self.inline_text.as_str().trim().to_owned();
                    self.doc.blocks.push(Block::Heading { level: level as u8, text, line });
                }
                Event::Start(Tag::Paragraph) => self.paragraph(range, line),
                // A tight list item has its text directly inside: up to a block inside it (a nested
                // list, a code block), that text is one paragraph. A loose item's text comes in
                // paragraphs, and its code blocks, tables and annotations as they would outside a
                // list: the walk reads them as blocks.
                Event::Start(Tag::Item) if !self.next_is_block() => {
                    let inline = self.read_inline(true, None);
                    self.push_paragraph(inline, line);
                }
                // Inline content outside a block: a tight item's text after a block inside it.
                Event::Text(_)
                | Event::Code(_)
                | Event::Start(
                    Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. },
                ) => {
                    let inline = self.read_inline(true, Some(event));
                    self.push_paragraph(inline, line);
                }
                Event::Start(Tag::Table(_)) => self.table(line),
                Event::Start(Tag::CodeBlock(kind)) => self.code_block(kind, range.len(), line),
                Event::Start(Tag::HtmlBlock) => self.html_block(range.len()),
                Event::Html(html) | Event::InlineHtml(html) => self.annotations(&html, range.start),
                // Block quotes and lists are transparent: their paragraphs become blocks.
                _ => {}
            }
        }
    }

    fn front_matter(&mut self, kind: MetadataBlockKind, line: u32) {
        let mut yaml = String::new();
        for (event, _) in self.events.by_ref() {
            match event {
                Event::Text(text) => yaml.push_str(&text),
                Event::End(TagEnd::MetadataBlock(_)) => break,
                _ => {}
            }
        }
        if kind != MetadataBlockKind::YamlStyle {
            return;
        }
        let fields = match crate::front_matter::fields(&yaml) {
            Ok(fields) => fields,
            Err(error) => {
                self.note(
                    line,
                    DiagnosticCode::Skipped,
                    Severity::Warning,
                    format!("front matter is not valid YAML: {error}"),
                );
                Vec::new()
            }
        };
        self.doc.blocks.push(Block::FrontMatter { fields, line });
    }

    /// A paragraph, or the includes it is made of: `[!INCLUDE …]` lines (a page's code-sample tabs
    /// write two in a row), each a block of its own. A paragraph with any other text beside its
    /// includes is kept as a paragraph as well, so that text is not lost.
    fn paragraph(&mut self, range: Range<usize>, line: u32) {
        let inline = self.inline();
        let source = self.text.get(range).unwrap_or_default();
        // The test spares the other paragraphs the capture search.
        if !source.trim_start().starts_with("[!INCLUDE") {
            self.push_paragraph(inline, line);
            return;
        }
        let mut only_includes = true;
        for (at, text) in (line..).zip(source.lines()) {
            // A block quote's later lines keep their `>` in the source.
            let text = text.trim_start().trim_start_matches('>');
            let include = INCLUDE
                .captures(text)
                .and_then(|c| Some((c.get(0)?.end(), c.get(1)?.as_str(), c.get(2)?.as_str())));
            let Some((end, label, target)) = include else {
                only_includes &= text.trim().is_empty();
                continue;
            };
            self.doc.blocks.push(Block::Include {
                label: label.to_owned(),
                target: target.to_owned(),
                line: at,
            });
            only_includes &= text.get(end..).is_none_or(|rest| rest.trim().is_empty());
        }
        if !only_includes {
            self.push_paragraph(inline, line);
        }
    }

    fn push_paragraph(&mut self, inline: Inline, line: u32) {
        let text = self.inline_text.as_str();
        if !text.is_empty() {
            self.doc.blocks.push(Block::Paragraph { text: text.to_owned(), links: inline.links, line });
        }
    }

    /// Collects inline content up to the end of the element whose start was just consumed: the text,
    /// with whitespace collapsed, into [`Walker::inline_text`]; links and emphasis into the result.
    fn inline(&mut self) -> Inline {
        self.read_inline(false, None)
    }

    /// Whether the next event starts a block of the kinds a list item may hold.
    fn next_is_block(&mut self) -> bool {
        matches!(
            self.events.peek(),
            Some((
                Event::Start(
                    Tag::Paragraph
                        | Tag::CodeBlock(_)
                        | Tag::Table(_)
                        | Tag::HtmlBlock
                        | Tag::List(_)
                        | Tag::BlockQuote(_)
                        | Tag::Heading { .. }
                ),
                _
            ))
        )
    }

    /// [`Self::inline`], from `first` when the walk has already taken the first event; with
    /// `stop_at_a_block` (a list item's text), stopping before a block inside the item, which the
    /// walk then reads as a block of its own.
    fn read_inline(&mut self, stop_at_a_block: bool, mut first: Option<Event<'_>>) -> Inline {
        let mut inline = Inline::default();
        self.inline_text.clear();
        let mut depth = 1usize;
        let mut strong = 0usize;
        let mut link: Option<(String, usize)> = None;
        loop {
            let event = match first.take() {
                Some(event) => event,
                None if stop_at_a_block && depth == 1 && self.next_is_block() => break,
                None => match self.events.next() {
                    Some((event, _)) => event,
                    None => break,
                },
            };
            let text = &mut self.inline_text;
            let piece: Option<&str> = match &event {
                Event::Start(tag) => {
                    depth += 1;
                    match tag {
                        Tag::Strong => strong += 1,
                        Tag::Link { dest_url, .. } => {
                            link = Some((dest_url.as_ref().to_owned(), text.as_str().len()))
                        }
                        Tag::Paragraph | Tag::Item => text.push_break(),
                        _ => {}
                    }
                    None
                }
                Event::End(tag) => {
                    depth -= 1;
                    match tag {
                        TagEnd::Strong => strong = strong.saturating_sub(1),
                        TagEnd::Link => {
                            if let Some((target, start)) = link.take() {
                                let text = text.as_str().get(start..).unwrap_or_default().trim().to_owned();
                                inline.links.push(Link { text, target });
                            }
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    None
                }
                Event::Text(text) | Event::Code(text) => Some(text),
                Event::SoftBreak | Event::HardBreak => Some(" "),
                Event::InlineHtml(html) | Event::Html(html) => match inline_tag(html) {
                    InlineTag::Break => Some(" "),
                    InlineTag::Markup => None,
                    InlineTag::Text => Some(html.as_ref()),
                },
                _ => None,
            };
            if let Some(piece) = piece {
                if !piece.trim().is_empty() {
                    if strong > 0 {
                        inline.any_strong = true;
                    } else {
                        inline.plain_outside_strong = true;
                    }
                }
                text.push(piece);
            }
        }
        inline
    }

    fn table(&mut self, line: u32) {
        let mut header = Vec::new();
        let mut rows = Vec::new();
        let mut current: Option<Row> = None;
        let mut row_source = 0..0;
        let mut in_head = false;
        while let Some((event, range)) = self.events.next() {
            match event {
                Event::Start(Tag::TableHead) => in_head = true,
                Event::End(TagEnd::TableHead) => in_head = false,
                Event::Start(Tag::TableRow) => {
                    current = Some(Row { cells: Vec::new(), line: self.lines.line(range.start) });
                    row_source = range;
                }
                Event::End(TagEnd::TableRow) => {
                    if let Some(mut row) = current.take() {
                        let source = self.text.get(row_source.clone()).unwrap_or_default();
                        self.keep_excess_cells(&mut row, source, header.len());
                        rows.push(row);
                    }
                }
                Event::Start(Tag::TableCell) => {
                    let cell = self.cell();
                    match (&mut current, in_head) {
                        (_, true) => header.push(cell),
                        (Some(row), false) => row.cells.push(cell),
                        (None, false) => {}
                    }
                }
                Event::End(TagEnd::Table) => break,
                _ => {}
            }
        }
        self.doc.blocks.push(Block::Table { header, rows, line });
    }

    /// GFM drops the cells of a row past its header's count: an unescaped `|` inside a description
    /// (`(*.plist | *.xml)`, even inside backticks) or a stray empty cell (a permissions sub-row's
    /// scopes one column too far right) would lose text without a word. The excess is read from the
    /// row's source and kept, `|`-joined, in the row's last cell, with a note.
    fn keep_excess_cells(&mut self, row: &mut Row, source: &str, columns: usize) {
        // Only a row with more pipes than a full row needs is split again: `columns - 1` between
        // its cells, and its outer ones, which GFM lets a row leave out.
        let trimmed = source.trim();
        let outer = usize::from(trimmed.starts_with('|'))
            + usize::from(trimmed.len() > 1 && trimmed.ends_with('|') && !trimmed.ends_with("\\|"));
        let pipes = memchr::memchr_iter(b'|', source.as_bytes()).count();
        if columns == 0 || pipes < columns + outer {
            return;
        }
        let sources = row_cells(source);
        let excess: Vec<String> = sources
            .iter()
            .skip(columns)
            .map(|cell| inline_text(cell))
            .filter(|text| !text.is_empty())
            .collect();
        let Some(last) = row.cells.last_mut() else { return };
        if excess.is_empty() {
            return;
        }
        let mut pieces: Vec<&str> = Vec::with_capacity(excess.len() + 1);
        if !last.text.is_empty() {
            pieces.push(&last.text);
        }
        pieces.extend(excess.iter().map(String::as_str));
        last.text = pieces.join(" | ");
        let message = format!(
            "table row has {} cells but its header {columns}; kept the rest in the last cell: `{}`",
            sources.len(),
            excess.join(" | ")
        );
        self.note(row.line, DiagnosticCode::BadTableRow, Severity::Note, message);
    }

    fn cell(&mut self) -> Cell {
        let inline = self.inline();
        let text = self.inline_text.as_str();
        // `&nbsp;` arrives as U+00A0; a workload sub-row is indented with it and written in bold.
        let indented = text.starts_with('\u{a0}');
        let text = text.trim_matches(|c: char| c.is_whitespace()).to_owned();
        Cell { bold: inline.any_strong && !inline.plain_outside_strong, indented, text, links: inline.links }
    }

    /// `source_len`, the block's length in the page, sizes its text: that is the source less the
    /// fences and indentation, so it rarely has to grow.
    fn code_block(&mut self, kind: CodeBlockKind<'_>, source_len: usize, line: u32) {
        let mut text = String::with_capacity(source_len);
        for (event, _) in self.events.by_ref() {
            match event {
                Event::Text(piece) => text.push_str(&piece),
                Event::End(TagEnd::CodeBlock) => break,
                _ => {}
            }
        }
        match kind {
            CodeBlockKind::Fenced(info) => {
                let info = info.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
                // The text starts on the line after the fence.
                self.doc.blocks.push(Block::Code { info, text, line: line + 1 });
            }
            CodeBlockKind::Indented => self.indented_code(text, line),
        }
    }

    /// An indented code block whose lines are all ATX headings is a heading indented by mistake
    /// (seen in real pages: `        ## Permissions`). Anything else stays code.
    fn indented_code(&mut self, text: String, line: u32) {
        let lines: Vec<(u32, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (line + i as u32, l))
            .collect();
        let headings: Vec<(u32, usize, String)> = lines
            .iter()
            .filter_map(|&(at, l)| {
                let captures = ATX_HEADING.captures(l.trim())?;
                Some((at, captures.get(1)?.as_str().len(), captures.get(2)?.as_str().to_owned()))
            })
            .collect();
        if headings.is_empty() || headings.len() != lines.len() {
            self.doc.blocks.push(Block::Code { info: String::new(), text, line });
            return;
        }
        for (at, level, heading) in headings {
            self.note(
                at,
                DiagnosticCode::IndentedHeading,
                Severity::Warning,
                format!("heading `{heading}` is indented into a code block; read as a level-{level} heading"),
            );
            self.doc.blocks.push(Block::Heading { level: level as u8, text: heading, line: at });
        }
    }

    /// `source_len` sizes the block's text as in [`Walker::code_block`].
    fn html_block(&mut self, source_len: usize) {
        let mut html = String::with_capacity(source_len);
        let mut start = None;
        for (event, range) in self.events.by_ref() {
            match event {
                Event::Html(piece) | Event::Text(piece) => {
                    start.get_or_insert(range.start);
                    html.push_str(&piece);
                }
                Event::End(TagEnd::HtmlBlock) => break,
                _ => {}
            }
        }
        self.annotations(&html, start.unwrap_or(0));
    }

    /// Every `<!-- { … } -->` comment in `html` (which starts at byte `offset`) becomes an annotation.
    fn annotations(&mut self, html: &str, offset: usize) {
        for (start, body) in comments(html) {
            let json = body.trim();
            if json.starts_with('{') {
                let line = self.lines.line(offset + start);
                self.doc.blocks.push(Block::Annotation { json: json.to_owned(), line });
            }
        }
    }

    fn note(&mut self, line: u32, code: DiagnosticCode, severity: Severity, message: String) {
        self.doc.notes.push(FrontEndNote { line, code, severity, message });
    }
}

/// A table row's cells as GFM splits its source: at every `|` not escaped by `\`, even inside a
/// code span, less the one that opens the row and the one that closes it.
fn row_cells(source: &str) -> Vec<&str> {
    let row = source.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let mut cells = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (at, c) in row.char_indices() {
        match c {
            '|' if !escaped => {
                cells.push(row.get(start..at).unwrap_or_default());
                start = at + 1;
            }
            _ => {}
        }
        escaped = c == '\\' && !escaped;
    }
    let last = row.get(start..).unwrap_or_default();
    if !last.trim().is_empty() {
        cells.push(last);
    }
    cells
}

/// The text of a piece of inline markdown, as a cell's would read: links reduced to their text,
/// code to its content, whitespace collapsed.
fn inline_text(markdown: &str) -> String {
    let mut text = CollapsedText::default();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(piece) | Event::Code(piece) => text.push(&piece),
            Event::SoftBreak | Event::HardBreak => text.push(" "),
            // As a cell's own text reads them: `<br>` a space, a `<server>` placeholder kept.
            Event::InlineHtml(html) | Event::Html(html) => match inline_tag(&html) {
                InlineTag::Break => text.push(" "),
                InlineTag::Markup => {}
                InlineTag::Text => text.push(&html),
            },
            _ => {}
        }
    }
    text.as_str().trim().to_owned()
}

/// Every `<!-- … -->` comment in `html`, left to right: where it starts and the text inside. Each
/// ends at the first `-->` after its start, and the next is looked for after that end; a comment left
/// open ends the search, since no later one could close.
fn comments(html: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = html.get(from..)?;
        let start = from + memchr::memmem::find(rest.as_bytes(), b"<!--")?;
        let body_start = start + "<!--".len();
        let body_len = memchr::memmem::find(html.get(body_start..)?.as_bytes(), b"-->")?;
        let body = html.get(body_start..body_start + body_len)?;
        from = body_start + body_len + "-->".len();
        Some((start, body))
    })
}

/// What an inline HTML tag (or comment) is to the text around it.
#[derive(Debug, PartialEq)]
enum InlineTag {
    /// A `<br>`, or a list, list item or paragraph tag (`include:<ul><li>"*" is any</li><li>A
    /// subnet`): it breaks the line, so the words on either side must not run together.
    Break,
    /// Other HTML (`<b>`, `</span>`, a comment): it adds no text.
    Markup,
    /// No HTML element: a placeholder the page means as text (`<server>[":"<port>]`), which a
    /// browser would show too and pulldown-cmark reads as a tag.
    Text,
}

/// HTML's element names that may appear in running text, sorted: any other "tag" is text.
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "big",
    "blockquote",
    "br",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

fn inline_tag(html: &str) -> InlineTag {
    let Some(tag) = html.trim().strip_prefix('<').map(|tag| tag.strip_prefix('/').unwrap_or(tag)) else {
        return InlineTag::Markup;
    };
    let name =
        tag.get(..tag.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tag.len())).unwrap_or_default();
    let name = name.to_ascii_lowercase();
    if ["br", "li", "ul", "ol", "p", "div"].contains(&name.as_str()) {
        InlineTag::Break
    } else if name.is_empty() || HTML_ELEMENTS.binary_search(&name.as_str()).is_ok() {
        InlineTag::Markup
    } else {
        InlineTag::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        read(text).blocks
    }

    #[test]
    fn an_indented_heading_is_read_as_a_heading_with_a_note() {
        let doc = read("# Title\n\nIntro.\n\n        ## Permissions\nOne of the following.\n");
        assert!(doc.blocks.contains(&Block::Heading { level: 2, text: "Permissions".into(), line: 5 }));
        assert_eq!(doc.notes.len(), 1);
        assert_eq!(doc.notes[0].code, DiagnosticCode::IndentedHeading);
        assert_eq!(doc.notes[0].line, 5);
    }

    #[test]
    fn a_heading_loses_the_no_break_spaces_at_its_ends() {
        let found = blocks("# Working with Intune&nbsp;&nbsp;\n\n## &nbsp;Permissions\n");
        assert_eq!(found[0], Block::Heading { level: 1, text: "Working with Intune".into(), line: 1 });
        assert_eq!(found[1], Block::Heading { level: 2, text: "Permissions".into(), line: 3 });
    }

    #[test]
    fn indented_code_that_is_not_a_heading_stays_code() {
        let doc = read("Text.\n\n    let x = 1;\n");
        assert!(matches!(&doc.blocks[1], Block::Code { text, .. } if text == "let x = 1;\n"));
        assert!(doc.notes.is_empty());
    }

    #[test]
    fn annotation_pieces_are_joined() {
        let found = blocks("<!-- {\n  \"blockType\": \"ignored\"\n}\n-->\n``` http\nGET /a\n```\n");
        assert_eq!(
            found[0],
            Block::Annotation { json: "{\n  \"blockType\": \"ignored\"\n}".into(), line: 1 }
        );
        assert_eq!(found[1], Block::Code { info: "http".into(), text: "GET /a\n".into(), line: 6 });
    }

    #[test]
    fn a_comment_ends_at_the_first_close_after_its_open() {
        let found: Vec<_> = comments("a<!-- x -->b<!---->c<!--> y --><!-- open").collect();
        assert_eq!(found, vec![(1, " x "), (12, ""), (20, "> y ")]);
        assert_eq!(comments("<!-- open <!-- still open").count(), 0);
        assert_eq!(comments("--> <!-").count(), 0);
    }

    #[test]
    fn each_include_of_a_paragraph_is_a_block_and_text_beside_them_stays_a_paragraph() {
        let found = blocks(
            "[!INCLUDE [sample-code](../includes/snippets/csharp/a.md)]\n\
             [!INCLUDE [sdk-documentation](../includes/snippets/sdk-link.md)]\n\n\
             [!INCLUDE [beta](../includes/beta.md)] Read this first.\n",
        );
        let include = |label: &str, target: &str, line| Block::Include {
            label: label.into(),
            target: target.into(),
            line,
        };
        assert_eq!(
            found.get(..3),
            Some(
                &[
                    include("sample-code", "../includes/snippets/csharp/a.md", 1),
                    include("sdk-documentation", "../includes/snippets/sdk-link.md", 2),
                    include("beta", "../includes/beta.md", 4),
                ][..]
            )
        );
        assert!(
            matches!(found.get(3..), Some([Block::Paragraph { text, line: 4, .. }]) if text.ends_with("] Read this first.")),
            "{found:?}"
        );
    }

    #[test]
    fn a_list_items_code_blocks_and_annotations_are_blocks_of_their_own() {
        // As pages with a numbered walk-through write their requests.
        let found = blocks(
            "1. Get the calendars.\n\n    <!-- { \"blockType\": \"request\", \"name\": \"x\" } -->\n    ```http\n    GET https://graph.microsoft.com/v1.0/me/calendars\n    ```\n\n\
             2. Then one:\n   - tight\n   - items\n",
        );
        let expected = vec![
            Block::Paragraph { text: "Get the calendars.".into(), links: Vec::new(), line: 1 },
            Block::Annotation { json: r#"{ "blockType": "request", "name": "x" }"#.into(), line: 3 },
            Block::Code {
                info: "http".into(),
                text: "GET https://graph.microsoft.com/v1.0/me/calendars\n".into(),
                line: 5,
            },
            Block::Paragraph { text: "Then one:".into(), links: Vec::new(), line: 8 },
            Block::Paragraph { text: "tight".into(), links: Vec::new(), line: 9 },
            Block::Paragraph { text: "items".into(), links: Vec::new(), line: 10 },
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn text_after_a_block_in_a_tight_list_item_is_kept() {
        let found = blocks("- before\n  ```http\n  GET /a\n  ```\n  after\n- next\n");
        let texts: Vec<String> = found
            .iter()
            .map(|block| match block {
                Block::Paragraph { text, line, .. } => format!("{line}: {text}"),
                Block::Code { text, line, .. } => format!("{line}: code {text:?}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(texts, ["1: before", "3: code \"GET /a\\n\"", "5: after", "6: next"]);
    }

    #[test]
    fn include_paragraph_becomes_an_include() {
        let found = blocks("[!INCLUDE [permissions-table](../includes/p.md)]\n");
        assert_eq!(
            found,
            vec![Block::Include {
                label: "permissions-table".into(),
                target: "../includes/p.md".into(),
                line: 1
            }]
        );
    }

    #[test]
    fn cells_past_the_header_are_kept_in_the_last_cell_with_a_note() {
        let page = "|Property|Type|Description|\n|:---|:---|:---|\n\
                    |payloadFileName|String|Payload file name (*.mobileconfig | *.xml).|\n\
                    |n|String|Not `a | b` but code.|\n\
                    |escaped|String|A \\| stays in its cell.|\n\
                    |short|String|\n\
                    |no trailing pipe|String|Either *.plist | *.xml<br>or <none>\n\
                    no outer pipes|String|One | two\n";
        let document = read(page);
        let Some(Block::Table { rows, .. }) = document.blocks.first() else { panic!("{document:?}") };
        let texts: Vec<Vec<&str>> =
            rows.iter().map(|row| row.cells.iter().map(|c| c.text.as_str()).collect()).collect();
        assert_eq!(
            texts,
            [
                vec!["payloadFileName", "String", "Payload file name (*.mobileconfig | *.xml)."],
                vec!["n", "String", "Not `a | b` but code."],
                vec!["escaped", "String", "A | stays in its cell."],
                vec!["short", "String", ""],
                vec!["no trailing pipe", "String", "Either *.plist | *.xml or <none>"],
                vec!["no outer pipes", "String", "One | two"],
            ]
        );
        let lines: Vec<u32> = document.notes.iter().map(|note| note.line).collect();
        assert_eq!(lines, [3, 4, 7, 8]);
        assert!(document.notes.iter().all(|note| note.code == DiagnosticCode::BadTableRow));
    }

    #[test]
    fn list_and_line_break_tags_in_a_cell_keep_its_words_apart() {
        // As windowsFirewallRule's localAddressRanges describes its tokens.
        let found = blocks(
            "|Property|Description|\n|:---|:---|\n\
             |a|Tokens:<ul><li>\"*\" is any.</li><li>A subnet.<BR/>Or a range.</li></ul>Done.|\n\
             |b|Not <b>bold</b>ly apart.|\n",
        );
        let Block::Table { rows, .. } = &found[0] else { panic!("not a table: {found:?}") };
        assert_eq!(rows[0].cells[1].text, "Tokens: \"*\" is any. A subnet. Or a range. Done.");
        assert_eq!(rows[1].cells[1].text, "Not boldly apart.");
    }

    #[test]
    fn a_placeholder_that_is_no_html_element_stays_text() {
        // As windows10NetworkProxyServer's address and deviceAppManagement's language describe them.
        let found = blocks(
            "|a|b|\n|:---|:---|\n|x|In the format <server>\\[“:”<port>\\], or <languagecode2>-<Country>.|\n",
        );
        let Block::Table { rows, .. } = &found[0] else { panic!("not a table: {found:?}") };
        assert_eq!(rows[0].cells[1].text, "In the format <server>[“:”<port>], or <languagecode2>-<Country>.");
        assert_eq!(inline_tag("<!-- note -->"), InlineTag::Markup);
        assert_eq!(inline_tag("<SPAN class=\"x\">"), InlineTag::Markup);
        assert_eq!(inline_tag("</li>"), InlineTag::Break);
        assert_eq!(inline_tag("<br/>"), InlineTag::Break);
        assert_eq!(inline_tag("</port>"), InlineTag::Text);
    }

    #[test]
    fn html_elements_are_sorted_for_their_binary_search() {
        assert!(HTML_ELEMENTS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn a_sub_row_whose_scopes_stray_one_column_right_keeps_them() {
        let found = blocks("|A|B|\n|:---|:---|\n| &nbsp; &nbsp; **Onboarding** | |X.ReadWrite.All|\n");
        let Block::Table { rows, .. } = &found[0] else { panic!("not a table: {found:?}") };
        let cells: Vec<&str> = rows[0].cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(cells, ["Onboarding", "X.ReadWrite.All"]);
    }

    #[test]
    fn workload_sub_rows_are_bold_and_indented() {
        let found = blocks("|A|B|\n|:---|:---|\n|Application||\n| &nbsp; &nbsp; **Onboarding** | X.All|\n");
        let Block::Table { header, rows, .. } = &found[0] else { panic!("not a table: {found:?}") };
        assert_eq!(header.len(), 2);
        assert_eq!(rows[0].cells[1].text, "");
        let workload = &rows[1].cells[0];
        assert_eq!((workload.text.as_str(), workload.bold, workload.indented), ("Onboarding", true, true));
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn links_are_reduced_to_text_and_kept() {
        let found = blocks("Create a new [thing](../resources/thing.md) object.\n");
        assert_eq!(
            found,
            vec![Block::Paragraph {
                text: "Create a new thing object.".into(),
                links: vec![Link { text: "thing".into(), target: "../resources/thing.md".into() }],
                line: 1
            }]
        );
    }

    #[test]
    fn front_matter_fields_are_unquoted() {
        let found = blocks(
            "---\ntitle: \"Create x\"\nauthor: \"**TODO: Provide Github Name**\"\n---\n\n# Create x\n",
        );
        assert_eq!(
            found[0],
            Block::FrontMatter {
                fields: vec![
                    ("title".into(), "Create x".into()),
                    ("author".into(), "**TODO: Provide Github Name**".into())
                ],
                line: 1
            }
        );
    }
}
