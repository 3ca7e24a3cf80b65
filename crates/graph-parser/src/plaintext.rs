//! The plain-text front end: a copy of the rendered web page (no markup at all) → [`Document`] blocks.
//!
//! What a rendering looks like (see `graph-docs-plaintext/SOURCE.md`): markdown went through
//! Python-Markdown (`tables`, `fenced_code`) and each top-level HTML element became one block of text,
//! blocks separated by a blank line. Front matter, comments and includes are gone; links are reduced
//! to their text; inline elements are joined with single spaces (so `[Permissions](…).` reads
//! `Permissions .`); a table is its header row then one line per row, cells joined by single spaces,
//! with no separator and no indentation left; a code block keeps its lines (blank lines included).
//!
//! The page grammar this reader recovers, one rule per block kind:
//! - the first non-empty line is the title (a level-1 heading);
//! - a one-line block equal to a known section name (`SECTIONS`) is a heading; `Request` and
//!   `Response` under `Example(s)` are level 3;
//! - a line equal to a known table header row (`KNOWN_TABLES`) starts a table; its rows are the
//!   following lines up to a blank line, split into cells with per-column rules (`TableKind`);
//! - a request line (`POST /…`, `GET https://…`) or a status line (`HTTP/1.1 201 Created`) starts an
//!   `http` code block: its headers (even after a blank line), then a blank line and a JSON body,
//!   which runs until its brackets balance; a block that starts with `{` or `[` is `json` code;
//! - anything else is a paragraph, with no links (the rendering lost them).
//!
//! Where the rendering is ambiguous the reader picks the reading the real pages need and leaves a
//! [`FrontEndNote`] when it had to recover from something.

use std::sync::LazyLock;

use graph_ir::{DiagnosticCode, Severity};
use regex::Regex;

use crate::blocks::{collapse_spaces, Block, Cell, Document, FrontEndNote, Row};

/// Reads a rendered page into blocks. Never fails: odd input yields notes.
pub fn read(text: &str) -> Document {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader =
        Reader { lines: text.lines().collect(), pos: 0, example_depth: None, doc: Document::default() };
    reader.run();
    reader.doc
}

/// Section names that are level-2 headings, lowercased (the corpus writes `HTTP Request`, newer pages
/// `HTTP request`; the heading text keeps the page's own spelling).
const SECTIONS: &[&str] = &[
    "actions",
    "errors",
    "functions",
    "function parameters",
    "http request",
    "json representation",
    "members",
    "methods",
    "optional query parameters",
    "parameters",
    "path parameters",
    "permissions",
    "prerequisites",
    "properties",
    "query parameters",
    "related content",
    "relationships",
    "request",
    "request body",
    "request headers",
    "response",
    "response headers",
    "see also",
];

/// What a one-line block that names a section is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadingKind {
    /// `Example` / `Examples`: opens the examples, whose `Request`/`Response` are one level down.
    Examples,
    /// `Example 1: Create a thing` under `Examples`: a level-3 heading that pushes `Request` and
    /// `Response` down to level 4.
    NumberedExample,
    /// `Request` or `Response`: level 3 inside the examples, level 2 before them.
    RequestOrResponse,
    /// Any other known section: level 2.
    Section,
}

static NUMBERED_EXAMPLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^example \d+\b").expect("static regex"));
static ATX_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(#{1,6})\s+(.*?)\s*#*$").expect("static regex"));
static REQUEST_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(GET|POST|PATCH|PUT|DELETE|HEAD|OPTIONS) \S").expect("static regex"));
static STATUS_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^HTTP/\d(\.\d)? \d{3}\b").expect("static regex"));
static HEADER_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9-]*):(\s|$)").expect("static regex"));
/// A permission name: `DeviceManagementApps.ReadWrite.All`, `User.Read` (a trailing comma allowed).
static SCOPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+,?$").expect("static regex"));

/// Labels that open prose paragraphs and look like `Header: value` lines; never HTTP headers.
const PROSE_LABELS: &[&str] = &["caution", "example", "important", "namespace", "note", "tip", "warning"];

/// The three permission types a permissions row starts with (or, failing that, a workload name).
const PERMISSION_TYPES: &[&str] =
    &["Delegated (work or school account)", "Delegated (personal Microsoft account)", "Application"];

/// How the cells of a table's rows are told apart once the spaces between them are all alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableKind {
    /// Permission type (or a workload sub-row's name), then the permission list.
    Permissions,
    /// Permission type, then two permission lists (least / higher privileged).
    TieredPermissions,
    /// One token (a header or parameter name), then the rest.
    NameRest,
    /// Name (one token), type (one token, optionally followed by `collection`), description.
    NameTypeDescription,
    /// Method title (two tokens: `Get thing`, `assign action`), return type, description.
    MethodTypeDescription,
    /// Member name, value (one token each), description.
    NameValueDescription,
}

/// A table header row as it reads in a rendering, and how to split its rows.
struct KnownTable {
    columns: &'static [&'static str],
    kind: TableKind,
}

/// Header rows of the tables in the Graph reference pages (learned from the markdown corpus and the
/// seeds), matched case-insensitively against whole lines.
const KNOWN_TABLES: &[KnownTable] = &[
    KnownTable {
        columns: &["Permission type", "Permissions (from least to most privileged)"],
        kind: TableKind::Permissions,
    },
    KnownTable {
        columns: &["Permission type", "Permissions (from most to least privileged)"],
        kind: TableKind::Permissions,
    },
    KnownTable {
        columns: &["Permission type (by workflow)", "Permissions (from most to least privileged)"],
        kind: TableKind::Permissions,
    },
    KnownTable {
        columns: &["Permission type (by workflow)", "Permissions (from least to most privileged)"],
        kind: TableKind::Permissions,
    },
    KnownTable { columns: &["Permission type", "Permissions"], kind: TableKind::Permissions },
    KnownTable {
        columns: &["Permission type", "Least privileged permissions", "Higher privileged permissions"],
        kind: TableKind::TieredPermissions,
    },
    KnownTable { columns: &["Header", "Value"], kind: TableKind::NameRest },
    KnownTable { columns: &["Header", "Description"], kind: TableKind::NameRest },
    KnownTable { columns: &["Name", "Description"], kind: TableKind::NameRest },
    KnownTable { columns: &["Name", "Value"], kind: TableKind::NameRest },
    KnownTable { columns: &["Property", "Type", "Description"], kind: TableKind::NameTypeDescription },
    KnownTable { columns: &["Parameter", "Type", "Description"], kind: TableKind::NameTypeDescription },
    KnownTable { columns: &["Name", "Type", "Description"], kind: TableKind::NameTypeDescription },
    KnownTable { columns: &["Relationship", "Type", "Description"], kind: TableKind::NameTypeDescription },
    KnownTable { columns: &["Method", "Return Type", "Description"], kind: TableKind::MethodTypeDescription },
    KnownTable { columns: &["Member", "Value", "Description"], kind: TableKind::NameValueDescription },
    KnownTable { columns: &["Name", "Value", "Description"], kind: TableKind::NameValueDescription },
];

struct Reader<'a> {
    lines: Vec<&'a str>,
    /// Index of the next unread line.
    pos: usize,
    /// Inside the examples: the level `Request`/`Response` headings take there.
    example_depth: Option<u8>,
    doc: Document,
}

impl<'a> Reader<'a> {
    fn run(&mut self) {
        self.pos = self.next_non_blank(0);
        if let Some(title) = self.line(self.pos) {
            let line = line_number(self.pos);
            self.doc.blocks.push(Block::Heading { level: 1, text: collapse_spaces(title), line });
            self.pos += 1;
        }
        loop {
            self.pos = self.next_non_blank(self.pos);
            let Some(first) = self.line(self.pos) else { break };
            let first = first.trim();
            if let Some((level, text)) = atx_section_heading(first) {
                self.heading_level(&text, true);
                self.doc.blocks.push(Block::Heading { level, text, line: line_number(self.pos) });
                self.pos += 1;
            } else if let Some(level) = self.single_line_heading(first) {
                self.doc.blocks.push(Block::Heading {
                    level,
                    text: collapse_spaces(first),
                    line: line_number(self.pos),
                });
                self.pos += 1;
            } else if let Some((table, header)) = known_table(first) {
                self.table(table, header);
            } else if REQUEST_LINE.is_match(first) || STATUS_LINE.is_match(first) {
                self.code("http");
            } else if starts_json(first) {
                self.code("json");
            } else {
                self.paragraph();
            }
        }
    }

    fn line(&self, index: usize) -> Option<&'a str> {
        self.lines.get(index).copied()
    }

    fn is_blank(&self, index: usize) -> bool {
        self.line(index).is_none_or(|line| line.trim().is_empty())
    }

    /// The first non-blank line at or after `index` (or the end).
    fn next_non_blank(&self, index: usize) -> usize {
        (index..self.lines.len()).find(|&i| !self.is_blank(i)).unwrap_or(self.lines.len())
    }

    /// One past the last line of the block (run of non-blank lines) starting at `start`.
    fn block_end(&self, start: usize) -> usize {
        (start..self.lines.len()).find(|&i| self.is_blank(i)).unwrap_or(self.lines.len())
    }

    /// The level of a one-line block that names a section, updating the examples state.
    fn single_line_heading(&mut self, text: &str) -> Option<u8> {
        if !self.is_blank(self.pos + 1) {
            return None;
        }
        self.heading_level(text, false)
    }

    /// The level of a heading named `text` (`certain`: a markdown heading left in the text, a
    /// heading whatever it says), updating the examples state.
    fn heading_level(&mut self, text: &str, certain: bool) -> Option<u8> {
        let level = match heading_kind(text)? {
            HeadingKind::Examples => {
                self.example_depth = Some(3);
                2
            }
            HeadingKind::NumberedExample if self.example_depth.is_some() => {
                self.example_depth = Some(4);
                3
            }
            // `## Example 1: …` with no `## Examples` above it: a section of its own, as markdown
            // reads it, when it reads as a title and its request or response comes after it, past
            // any sentences (a sentence of a description, "Example 2 below sets …", stays one).
            HeadingKind::NumberedExample
                if certain || (!text.trim_end().ends_with('.') && self.example_follows()) =>
            {
                self.example_depth = Some(3);
                2
            }
            HeadingKind::NumberedExample => return None,
            HeadingKind::RequestOrResponse => self.example_depth.unwrap_or(2),
            HeadingKind::Section => {
                self.example_depth = None;
                2
            }
        };
        Some(level)
    }

    /// Whether an example's request or response (a `Request` or `Response` heading, a request or
    /// status line) comes after the line at `self.pos`, past paragraphs only: a table or another
    /// heading comes first in a section's text.
    fn example_follows(&self) -> bool {
        let mut index = self.next_non_blank(self.pos + 1);
        while let Some(first) = self.line(index).map(str::trim) {
            if matches!(heading_kind(first), Some(HeadingKind::RequestOrResponse))
                || REQUEST_LINE.is_match(first)
                || STATUS_LINE.is_match(first)
            {
                return true;
            }
            if heading_kind(first).is_some() || known_table(first).is_some() {
                return false;
            }
            // A paragraph: the next block.
            let end = (index..self.lines.len()).find(|&i| self.is_blank(i)).unwrap_or(self.lines.len());
            index = self.next_non_blank(end);
        }
        false
    }

    /// A table: the header row at `self.pos`, then one row per line up to a blank line. A markdown
    /// heading the renderer swallowed into the table ends it (the main loop then reads the heading).
    fn table(&mut self, table: &KnownTable, header: Vec<Cell>) {
        let start = self.pos;
        let mut rows = Vec::new();
        let mut index = start + 1;
        while !self.is_blank(index) {
            let Some(text) = self.line(index).map(str::trim) else { break };
            if let Some((level, _)) = atx_section_heading(text) {
                let message = format!(
                    "row `{text}` is a markdown heading the renderer swallowed into the table; \
                     read as a level-{level} heading"
                );
                self.note(index, DiagnosticCode::BadTableRow, Severity::Warning, message);
                break;
            }
            let (mut cells, problem) = split_row(table.kind, text);
            if let Some(problem) = problem {
                self.note(index, DiagnosticCode::BadTableRow, Severity::Warning, problem);
            }
            cells.resize_with(table.columns.len(), Cell::default);
            rows.push(Row { cells, line: line_number(index) });
            index += 1;
        }
        self.doc.blocks.push(Block::Table { header, rows, line: line_number(start) });
        self.pos = index;
    }

    /// A code block starting at `self.pos`. `http` blocks take in headers set off by a blank line and
    /// the JSON body after them; any JSON body runs until its brackets balance, blank lines included.
    fn code(&mut self, info: &str) {
        let start = self.pos;
        let mut body = JsonBody::default();
        let mut has_headers = false;
        let mut last = self.take_block(start, &mut body, &mut has_headers);
        if info == "http" && !body.started {
            let next = self.next_non_blank(last + 1);
            if !has_headers && self.is_header_block(next) {
                last = self.take_block(next, &mut body, &mut has_headers);
            }
            let next = self.next_non_blank(last + 1);
            if !body.started && self.line(next).is_some_and(|line| starts_json(line.trim())) {
                last = self.take_block(next, &mut body, &mut has_headers);
            }
        }
        while body.is_open() {
            let next = self.next_non_blank(last + 1);
            let Some(text) = self.line(next).map(str::trim) else {
                self.note(start, DiagnosticCode::InvalidJson, Severity::Warning, unclosed(start, "the page"));
                break;
            };
            if self.block_end(next) == next + 1 && heading_kind(text).is_some() {
                let message = unclosed(start, &format!("the `{text}` heading on line {}", line_number(next)));
                self.note(start, DiagnosticCode::InvalidJson, Severity::Warning, message);
                break;
            }
            last = self.take_block(next, &mut body, &mut has_headers);
        }
        let mut text = String::new();
        for index in start..=last {
            text.push_str(self.line(index).unwrap_or_default());
            text.push('\n');
        }
        self.doc.blocks.push(Block::Code { info: info.to_owned(), text, line: line_number(start) });
        self.pos = last + 1;
    }

    /// Feeds the block starting at `start` to `body`; returns the index of its last line.
    fn take_block(&self, start: usize, body: &mut JsonBody, has_headers: &mut bool) -> usize {
        let end = self.block_end(start);
        for index in start..end {
            let text = self.line(index).unwrap_or_default();
            body.feed(text);
            if !body.started && HEADER_LINE.is_match(text.trim()) {
                *has_headers = true;
            }
        }
        end.saturating_sub(1).max(start)
    }

    /// A block of `Name: value` lines only, the first not a prose label such as `Note:`.
    fn is_header_block(&self, start: usize) -> bool {
        let end = self.block_end(start);
        let first_name = self
            .line(start)
            .and_then(|line| HEADER_LINE.captures(line.trim()))
            .and_then(|captures| captures.get(1))
            .map(|name| name.as_str().to_ascii_lowercase());
        first_name.is_some_and(|name| !PROSE_LABELS.contains(&name.as_str()))
            && (start..end).all(|i| self.line(i).is_some_and(|line| HEADER_LINE.is_match(line.trim())))
    }

    fn paragraph(&mut self) {
        let end = self.block_end(self.pos);
        let joined: Vec<&str> = (self.pos..end).filter_map(|i| self.line(i)).map(str::trim).collect();
        let text = undo_inline_spacing(&collapse_spaces(&joined.join(" ")));
        self.doc.blocks.push(Block::Paragraph { text, links: Vec::new(), line: line_number(self.pos) });
        self.pos = end;
    }

    fn note(&mut self, index: usize, code: DiagnosticCode, severity: Severity, message: String) {
        self.doc.notes.push(FrontEndNote { line: line_number(index), code, severity, message });
    }
}

fn unclosed(start: usize, until: &str) -> String {
    format!(
        "the JSON body of the code block on line {} never closes its brackets; the block runs to {until}",
        line_number(start)
    )
}

/// 1-based line number of a 0-based line index.
fn line_number(index: usize) -> u32 {
    u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX)
}

/// Which kind of section heading `text` names, if any.
fn heading_kind(text: &str) -> Option<HeadingKind> {
    let key = collapse_spaces(text).to_lowercase();
    match key.as_str() {
        "example" | "examples" => Some(HeadingKind::Examples),
        "request" | "response" => Some(HeadingKind::RequestOrResponse),
        _ if SECTIONS.contains(&key.as_str()) => Some(HeadingKind::Section),
        _ if NUMBERED_EXAMPLE.is_match(&key) => Some(HeadingKind::NumberedExample),
        _ => None,
    }
}

/// `## HTTP Request`: a markdown heading of a known section that the renderer left as text (it happens
/// when a heading follows a table with no blank line: Python-Markdown reads it as one more row).
fn atx_section_heading(line: &str) -> Option<(u8, String)> {
    let captures = ATX_HEADING.captures(line)?;
    let level = u8::try_from(captures.get(1)?.as_str().len()).ok()?;
    let text = captures.get(2)?.as_str();
    heading_kind(text).map(|_| (level, text.to_owned()))
}

/// The known table whose header row `line` is, and the header cells as the page spells them.
fn known_table(line: &str) -> Option<(&'static KnownTable, Vec<Cell>)> {
    let line = collapse_spaces(line);
    let key = line.replace('\u{a0}', " ").to_lowercase();
    let table = KNOWN_TABLES.iter().find(|table| table.columns.join(" ").to_lowercase() == key)?;
    // The match is ASCII-only and case-insensitive, so the page's spelling splits at the same places.
    let mut chars = line.chars();
    let header = table
        .columns
        .iter()
        .map(|column| {
            let text: String = chars.by_ref().take(column.chars().count()).collect();
            chars.next(); // the space between two columns
            plain(&text)
        })
        .collect();
    Some((table, header))
}

/// A trimmed line that opens a JSON value.
fn starts_json(line: &str) -> bool {
    line.starts_with('{') || line.starts_with('[')
}

/// Tracks bracket depth through a JSON body, outside strings, line by line.
#[derive(Default)]
struct JsonBody {
    started: bool,
    depth: i64,
}

impl JsonBody {
    fn feed(&mut self, line: &str) {
        if !self.started {
            if !starts_json(line.trim()) {
                return;
            }
            self.started = true;
        }
        // A string never spans lines in JSON, so a stray quote cannot swallow the rest of the body.
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '{' | '[' => self.depth += 1,
                '}' | ']' => self.depth -= 1,
                _ => {}
            }
        }
    }

    fn is_open(&self) -> bool {
        self.started && self.depth > 0
    }
}

/// Splits one rendered table row into cells; the second value explains a row that did not fit.
fn split_row(kind: TableKind, text: &str) -> (Vec<Cell>, Option<String>) {
    let text = collapse_spaces(text);
    let tokens = tokens(&text);
    match kind {
        TableKind::Permissions => permission_row(&text, 1),
        TableKind::TieredPermissions => permission_row(&text, 2),
        TableKind::NameRest => (leading_tokens(&text, &tokens, &[1]), None),
        TableKind::NameTypeDescription => typed_row(&text, &tokens, 1),
        TableKind::MethodTypeDescription => typed_row(&text, &tokens, 2),
        TableKind::NameValueDescription => {
            let problem = (tokens.len() < 2).then(|| format!("row `{text}` has no value column"));
            (leading_tokens(&text, &tokens, &[1, 1]), problem)
        }
    }
}

/// `(byte offset, token)` for each space-separated token of a collapsed line.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split(' ')
        .map(|token| {
            let at = offset;
            offset += token.len() + 1;
            (at, token)
        })
        .filter(|(_, token)| !token.is_empty())
        .collect()
}

/// The text from token `index` to the end (empty past the last token).
fn rest_from<'t>(text: &'t str, tokens: &[(usize, &str)], index: usize) -> &'t str {
    tokens.get(index).and_then(|&(at, _)| text.get(at..)).unwrap_or_default()
}

/// The text of tokens `from..to`.
fn token_span<'t>(text: &'t str, tokens: &[(usize, &str)], from: usize, to: usize) -> &'t str {
    let start = tokens.get(from).map_or(text.len(), |&(at, _)| at);
    let end = tokens.get(to).map_or(text.len(), |&(at, _)| at);
    text.get(start..end).unwrap_or_default().trim_end()
}

/// Cells of `widths[i]` tokens each, then one cell with the rest.
fn leading_tokens(text: &str, tokens: &[(usize, &str)], widths: &[usize]) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut from = 0;
    for width in widths {
        cells.push(plain(token_span(text, tokens, from, from + width)));
        from += width;
    }
    cells.push(plain(rest_from(text, tokens, from)));
    cells
}

/// A property, parameter, relationship or method row: `name_tokens` tokens of name, a type (one token,
/// plus `collection` when it follows), the description. A row whose name starts with a capital is a
/// group label (`**Device configuration**` alone in its row): one bold cell, like markdown gives;
/// unless it is prose, with a full stop no label has: the rest of the row above, whose description
/// the page broke across two lines. That is one plain cell, which lowering joins to the row above,
/// as it does the one-cell row markdown gives for it.
/// The docs' placeholder for a type they could not name (`** Unknown Type `x` **`, rendered with or
/// without its asterisks) is one type cell, which no type parses, as in markdown; read one token at a
/// time it would name a type `Unknown` (or `**`) and leave the rest in the description.
fn typed_row(text: &str, tokens: &[(usize, &str)], name_tokens: usize) -> (Vec<Cell>, Option<String>) {
    let is_label = name_tokens == 1
        && tokens
            .first()
            .is_some_and(|&(_, name)| name.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
    if is_label {
        let prose = text.contains('.');
        return (vec![Cell { text: undo_inline_spacing(text), bold: !prose, ..Cell::default() }], None);
    }
    let type_tokens = unknown_type_tokens(tokens, name_tokens).unwrap_or(1);
    let type_end = match tokens.get(name_tokens + type_tokens) {
        Some((_, word)) if word.eq_ignore_ascii_case("collection") => name_tokens + type_tokens + 1,
        _ => name_tokens + type_tokens,
    };
    let problem = (tokens.len() <= name_tokens).then(|| format!("row `{text}` has no type column"));
    let cells = vec![
        plain(token_span(text, tokens, 0, name_tokens)),
        plain(token_span(text, tokens, name_tokens, type_end)),
        plain(rest_from(text, tokens, type_end)),
    ];
    (cells, problem)
}

/// How many tokens from `at` the docs' placeholder for an unnamed type takes: `Unknown Type x`, or
/// `** Unknown Type x **` where the renderer kept the asterisks (a space inside them is no emphasis).
fn unknown_type_tokens(tokens: &[(usize, &str)], at: usize) -> Option<usize> {
    let word = |offset: usize| tokens.get(at + offset).map(|&(_, word)| word);
    match (word(0), word(1), word(2), word(3), word(4)) {
        (Some("**"), Some("Unknown"), Some("Type"), Some(_), Some("**")) => Some(5),
        (Some("Unknown"), Some("Type"), Some(_), ..) => Some(3),
        _ => None,
    }
}

/// A permissions row: a permission type then `lists` permission lists, or a workload sub-row (its
/// name, which the rendering no longer marks, then the lists).
fn permission_row(text: &str, lists: usize) -> (Vec<Cell>, Option<String>) {
    let typed = PERMISSION_TYPES.iter().find_map(|kind| {
        let head = text.get(..kind.len())?;
        let rest = text.get(kind.len()..)?;
        let fits = head.eq_ignore_ascii_case(kind) && (rest.is_empty() || rest.starts_with(' '));
        // A workload could be called "Application …"; the real type is followed by scopes or nothing.
        let rest = rest.trim();
        let scoped = *kind != "Application" || rest.is_empty() || scopes_start(rest) == Some(0);
        (fits && scoped).then_some((head, rest))
    });
    let (first, scopes) = match typed {
        Some((head, rest)) => (plain(head), rest),
        None => match scopes_start(text) {
            Some(at) if at > 0 => {
                let name = text.get(..at).unwrap_or_default();
                let rest = text.get(at..).unwrap_or_default();
                (
                    Cell {
                        text: undo_inline_spacing(name.trim()),
                        bold: true,
                        indented: true,
                        ..Cell::default()
                    },
                    rest,
                )
            }
            _ => {
                let problem = format!("permissions row `{text}` names no permission type and no permissions");
                return (vec![plain(text)], Some(problem));
            }
        },
    };
    let mut cells = vec![first];
    if lists == 1 {
        cells.push(plain(scopes));
        return (cells, None);
    }
    let columns = permission_lists(scopes);
    if columns.len() == lists || (scopes.is_empty() && columns.is_empty()) {
        cells.extend(columns.iter().map(|column| plain(column)));
        return (cells, None);
    }
    cells.push(plain(scopes));
    (cells, Some(format!("cannot tell the {lists} permission lists apart in `{scopes}`")))
}

/// Byte offset of the first permission-like token: a scope name, `Not supported.`, or a `TODO`.
fn scopes_start(text: &str) -> Option<usize> {
    let tokens = tokens(text);
    tokens.iter().enumerate().find_map(|(i, &(at, token))| {
        let next = tokens.get(i + 1).map(|&(_, next)| next.trim_end_matches('.'));
        let not_x = token == "Not" && matches!(next, Some("supported" | "available" | "applicable"));
        (SCOPE.is_match(token) || not_x || token.trim_start_matches('*').starts_with("TODO")).then_some(at)
    })
}

/// Splits `A.Read, B.Read C.ReadWrite` into its comma lists (`A.Read, B.Read` and `C.ReadWrite`): a
/// list ends at an item with no trailing comma.
fn permission_lists(text: &str) -> Vec<String> {
    let mut lists = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for token in text.split_whitespace() {
        current.push(token);
        let ends_item = SCOPE.is_match(token) || token.ends_with('.');
        if ends_item && !token.ends_with(',') {
            lists.push(current.join(" "));
            current.clear();
        }
    }
    if !current.is_empty() {
        lists.push(current.join(" "));
    }
    lists
}

/// An ordinary cell: its text, the renderer's spacing around punctuation undone.
fn plain(text: &str) -> Cell {
    Cell { text: undo_inline_spacing(text.trim_matches(char::is_whitespace)), ..Cell::default() }
}

/// Closing punctuation the renderer sets off with a space when an inline element precedes it.
const CLOSERS: &[char] = &[',', '.', ';', ':', ')', '!', '?'];

/// Undoes the renderer's joining of inline pieces with spaces: `Permissions .` → `Permissions.`,
/// `a , b` → `a, b`, `( see )` → `(see)`. A space is dropped only between a word and punctuation that
/// ends a phrase (followed by a space or the end), or right after an opening parenthesis.
fn undo_inline_spacing(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let next = chars.get(i + 1).copied();
            let after = chars.get(i + 2).copied();
            let before_closer = before.is_some_and(|b| !b.is_whitespace())
                && next.is_some_and(|n| CLOSERS.contains(&n))
                && after.is_none_or(|a| a.is_whitespace() || CLOSERS.contains(&a));
            let after_opener = before == Some('(') && next.is_some_and(|n| !n.is_whitespace());
            if before_closer || after_opener {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        read(text).blocks
    }

    fn cells(row: &Row) -> Vec<&str> {
        row.cells.iter().map(|cell| cell.text.as_str()).collect()
    }

    fn only_table(text: &str) -> (Vec<Cell>, Vec<Row>) {
        match blocks(text).into_iter().nth(1) {
            Some(Block::Table { header, rows, .. }) => (header, rows),
            other => panic!("expected a table after the title, got {other:?}"),
        }
    }

    #[test]
    fn the_first_line_is_the_title() {
        let found = blocks("\n\nCreate thing\n\nNamespace: microsoft.graph\n");
        assert_eq!(found[0], Block::Heading { level: 1, text: "Create thing".into(), line: 3 });
        assert_eq!(
            found[1],
            Block::Paragraph { text: "Namespace: microsoft.graph".into(), links: vec![], line: 5 }
        );
    }

    #[test]
    fn request_and_response_under_example_are_level_3() {
        let found = blocks("T\n\nResponse\n\nExample\n\nRequest\n\nResponse\n\nProperties\n\nResponse\n");
        let levels: Vec<(u8, &str)> = found
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text, .. } => Some((*level, text.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            levels,
            vec![
                (1, "T"),
                (2, "Response"),
                (2, "Example"),
                (3, "Request"),
                (3, "Response"),
                (2, "Properties"),
                (2, "Response")
            ]
        );
    }

    #[test]
    fn numbered_examples_push_request_and_response_down() {
        let found = blocks("T\n\nExamples\n\nExample 1: Get a thing\n\nRequest\n");
        assert_eq!(found[2], Block::Heading { level: 3, text: "Example 1: Get a thing".into(), line: 5 });
        assert_eq!(found[3], Block::Heading { level: 4, text: "Request".into(), line: 7 });
    }

    #[test]
    fn a_section_name_inside_a_longer_block_is_not_a_heading() {
        let found = blocks("T\n\nResponse\nis what comes back.\n");
        assert!(matches!(&found[1], Block::Paragraph { text, .. } if text == "Response is what comes back."));
    }

    #[test]
    fn heading_text_keeps_the_page_spelling() {
        let found = blocks("T\n\nHTTP request\n");
        assert_eq!(found[1], Block::Heading { level: 2, text: "HTTP request".into(), line: 3 });
    }

    #[test]
    fn a_permissions_row_splits_after_the_permission_type() {
        let (header, rows) = only_table(
            "T\n\nPermission type Permissions (from least to most privileged)\n\
             Delegated (work or school account) A.Read.All, B.ReadWrite.All\n\
             Delegated (personal Microsoft account) Not supported.\n\
             Application A.Read.All\n",
        );
        let header: Vec<&str> = header.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(header, ["Permission type", "Permissions (from least to most privileged)"]);
        assert_eq!(cells(&rows[0]), ["Delegated (work or school account)", "A.Read.All, B.ReadWrite.All"]);
        assert_eq!(cells(&rows[1]), ["Delegated (personal Microsoft account)", "Not supported."]);
        assert_eq!(cells(&rows[2]), ["Application", "A.Read.All"]);
        assert_eq!(rows[2].line, 6);
    }

    #[test]
    fn a_workload_sub_row_is_bold_indented_and_named() {
        let (_, rows) = only_table(
            "T\n\nPermission type Permissions (from most to least privileged)\n\
             Delegated (work or school account)\n\
             Device management DeviceManagementManagedDevices.ReadWrite.All\n\
             Apps , books , or Policy Set DeviceManagementApps.ReadWrite.All\n",
        );
        assert_eq!(cells(&rows[0]), ["Delegated (work or school account)", ""]);
        let workload = &rows[1].cells[0];
        assert_eq!(
            (workload.text.as_str(), workload.bold, workload.indented),
            ("Device management", true, true)
        );
        assert_eq!(cells(&rows[2]), ["Apps, books, or Policy Set", "DeviceManagementApps.ReadWrite.All"]);
    }

    #[test]
    fn a_workload_called_application_is_still_a_workload() {
        let (_, rows) = only_table(
            "T\n\nPermission type Permissions (from most to least privileged)\n\
             Application\n\
             Application management X.ReadWrite.All\n",
        );
        assert_eq!(cells(&rows[0]), ["Application", ""]);
        assert_eq!(cells(&rows[1]), ["Application management", "X.ReadWrite.All"]);
        assert!(rows[1].cells[0].indented);
    }

    #[test]
    fn a_permissions_row_without_type_or_scopes_is_noted() {
        let doc = read("T\n\nPermission type Permissions\nsomething odd here\n");
        let Some(Block::Table { rows, .. }) = doc.blocks.get(1) else { panic!("{:?}", doc.blocks) };
        assert_eq!(cells(&rows[0]), ["something odd here", ""]);
        assert_eq!(doc.notes.len(), 1);
        assert_eq!((doc.notes[0].code, doc.notes[0].line), (DiagnosticCode::BadTableRow, 4));
    }

    #[test]
    fn tiered_permission_lists_split_where_a_list_ends() {
        let (_, rows) = only_table(
            "T\n\nPermission type Least privileged permissions Higher privileged permissions\n\
             Delegated (work or school account) A.Read.All B.Read.All, B.ReadWrite.All\n\
             Delegated (personal Microsoft account) Not supported. Not supported.\n",
        );
        assert_eq!(
            cells(&rows[0]),
            ["Delegated (work or school account)", "A.Read.All", "B.Read.All, B.ReadWrite.All"]
        );
        assert_eq!(
            cells(&rows[1]),
            ["Delegated (personal Microsoft account)", "Not supported.", "Not supported."]
        );
    }

    #[test]
    fn the_unknown_type_placeholder_is_one_type_cell() {
        let (_, rows) = only_table(
            "T\n\nProperty Type Description\n\
             item2 Unknown Type microsoft.management.models.operation collection Not yet documented\n\
             item3 ** Unknown Type microsoft.management.models.operation ** collection Not yet documented\n",
        );
        assert_eq!(
            cells(&rows[0]),
            ["item2", "Unknown Type microsoft.management.models.operation collection", "Not yet documented"]
        );
        assert_eq!(
            cells(&rows[1]),
            [
                "item3",
                "** Unknown Type microsoft.management.models.operation ** collection",
                "Not yet documented"
            ]
        );
    }

    #[test]
    fn a_property_type_may_be_a_collection_and_the_description_may_be_empty() {
        let (_, rows) = only_table(
            "T\n\nProperty Type Description\n\
             id String Key of the entity.\n\
             assignments enrollmentConfigurationAssignment collection\n\
             payload Binary Payload. (UTF8 encoded byte array)\n",
        );
        assert_eq!(cells(&rows[0]), ["id", "String", "Key of the entity."]);
        assert_eq!(cells(&rows[1]), ["assignments", "enrollmentConfigurationAssignment collection", ""]);
        assert_eq!(cells(&rows[2]), ["payload", "Binary", "Payload. (UTF8 encoded byte array)"]);
    }

    #[test]
    fn a_capitalised_row_in_a_property_table_is_a_group_label() {
        let (_, rows) = only_table(
            "T\n\nRelationship Type Description\nMobile app management (MAM)\napps app collection Apps.\n",
        );
        assert_eq!(cells(&rows[0]), ["Mobile app management (MAM)", "", ""]);
        assert!(rows[0].cells[0].bold && !rows[0].cells[0].indented);
        assert_eq!(cells(&rows[1]), ["apps", "app collection", "Apps."]);
    }

    #[test]
    fn a_capitalised_row_of_prose_continues_the_row_above() {
        let (_, rows) = only_table(
            "T\n\nProperty Type Description\n\
             restrictPeerSelectionBy restrictOptions Restricts peer selection.\n\
             Option 1 (Subnet mask) applies to LAN. Possible values are: notConfigured , subnetMask .\n",
        );
        assert_eq!(
            cells(&rows[1]),
            [
                "Option 1 (Subnet mask) applies to LAN. Possible values are: notConfigured, subnetMask.",
                "",
                ""
            ]
        );
        assert!(!rows[1].cells[0].bold);
    }

    #[test]
    fn a_property_row_with_only_a_name_is_noted() {
        let doc = read("T\n\nProperty Type Description\nlonely\n");
        assert_eq!(doc.notes.len(), 1);
        assert_eq!(doc.notes[0].code, DiagnosticCode::BadTableRow);
    }

    #[test]
    fn method_and_member_tables_split_by_their_columns() {
        let (_, rows) = only_table(
            "T\n\nMethod Return Type Description\n\
             Get deviceManagement deviceManagement Read properties.\n\
             assign action None Not yet documented\n\
             List things thing collection List them.\n",
        );
        assert_eq!(cells(&rows[0]), ["Get deviceManagement", "deviceManagement", "Read properties."]);
        assert_eq!(cells(&rows[1]), ["assign action", "None", "Not yet documented"]);
        assert_eq!(cells(&rows[2]), ["List things", "thing collection", "List them."]);
        let (_, rows) = only_table("T\n\nMember Value Description\nnotConfigured 0 Not configured.\n");
        assert_eq!(cells(&rows[0]), ["notConfigured", "0", "Not configured."]);
    }

    #[test]
    fn header_rows_match_case_insensitively_and_keep_the_page_spelling() {
        let (header, rows) = only_table("T\n\nheader   VALUE\nAuthorization Bearer <token> Required.\n");
        assert_eq!(header.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["header", "VALUE"]);
        assert_eq!(cells(&rows[0]), ["Authorization", "Bearer <token> Required."]);
    }

    #[test]
    fn a_header_row_with_no_rows_is_an_empty_table() {
        let found = blocks("T\n\nHeader Value\n\nResponse\n");
        assert!(matches!(&found[1], Block::Table { rows, .. } if rows.is_empty()));
        assert!(matches!(&found[2], Block::Heading { level: 2, .. }));
    }

    #[test]
    fn a_heading_swallowed_into_a_table_ends_it_with_a_note() {
        let doc = read("T\n\nPermission type Permissions\nApplication X.All\n## HTTP Request\n\nPOST /x\n");
        assert!(matches!(&doc.blocks[1], Block::Table { rows, .. } if rows.len() == 1));
        assert_eq!(doc.blocks[2], Block::Heading { level: 2, text: "HTTP Request".into(), line: 5 });
        assert!(matches!(&doc.blocks[3], Block::Code { text, .. } if text == "POST /x\n"));
        assert_eq!(doc.notes.len(), 1);
        assert_eq!((doc.notes[0].code, doc.notes[0].line), (DiagnosticCode::BadTableRow, 5));
    }

    #[test]
    fn an_http_block_keeps_headers_blank_line_and_json_body() {
        let text = "T\n\nPOST https://graph.microsoft.com/beta/things\nContent-type: application/json\n\n\
                    {\n  \"a\": {\n    \"b\": \"}\"\n  }\n}\n\nResponse\n";
        let found = blocks(text);
        assert_eq!(
            found[1],
            Block::Code {
                info: "http".into(),
                text: "POST https://graph.microsoft.com/beta/things\nContent-type: application/json\n\n\
                       {\n  \"a\": {\n    \"b\": \"}\"\n  }\n}\n"
                    .into(),
                line: 3
            }
        );
        assert!(matches!(&found[2], Block::Heading { text, .. } if text == "Response"));
    }

    #[test]
    fn headers_set_off_by_a_blank_line_stay_in_the_request() {
        let found = blocks("T\n\nPOST /things/assign\n\nContent-type: application/json\n\n[\n  1\n]\n");
        assert_eq!(
            found[1],
            Block::Code {
                info: "http".into(),
                text: "POST /things/assign\n\nContent-type: application/json\n\n[\n  1\n]\n".into(),
                line: 3
            }
        );
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_note_after_a_request_line_stays_a_paragraph() {
        let found = blocks("T\n\nGET /me\n\nNote: this is prose.\n");
        assert!(matches!(&found[1], Block::Code { text, .. } if text == "GET /me\n"));
        assert!(matches!(&found[2], Block::Paragraph { .. }));
    }

    #[test]
    fn a_status_line_with_no_body_is_a_one_line_block() {
        let found = blocks("T\n\nHTTP/1.1 204 No Content\n");
        assert_eq!(
            found[1],
            Block::Code { info: "http".into(), text: "HTTP/1.1 204 No Content\n".into(), line: 3 }
        );
    }

    #[test]
    fn a_json_body_spans_blank_lines_until_it_balances() {
        let found = blocks("T\n\n{\n  \"a\": [\n\n    1\n  ]\n}\n\nafter\n");
        assert_eq!(
            found[1],
            Block::Code { info: "json".into(), text: "{\n  \"a\": [\n\n    1\n  ]\n}\n".into(), line: 3 }
        );
        assert!(matches!(&found[2], Block::Paragraph { text, .. } if text == "after"));
    }

    #[test]
    fn an_unbalanced_body_stops_at_the_next_heading_with_a_note() {
        let doc = read("T\n\nHTTP/1.1 200 OK\n\n{\n  \"a\": 1\n\nResponse\n");
        assert!(
            matches!(&doc.blocks[1], Block::Code { text, .. } if text == "HTTP/1.1 200 OK\n\n{\n  \"a\": 1\n")
        );
        assert!(matches!(&doc.blocks[2], Block::Heading { .. }));
        assert_eq!((doc.notes.len(), doc.notes[0].code), (1, DiagnosticCode::InvalidJson));
        let doc = read("T\n\n{ {\n");
        assert_eq!(doc.blocks.len(), 2);
        assert_eq!(doc.notes.len(), 1);
    }

    #[test]
    fn a_mangled_request_line_is_still_code() {
        let found = blocks("T\n\nDELETE ** Entity URI for x not found\n");
        assert!(matches!(&found[1], Block::Code { info, .. } if info == "http"));
    }

    #[test]
    fn paragraph_spacing_around_links_is_undone() {
        let found = blocks("T\n\nTo learn more, see Permissions .  Note ( see x ) values: a , b .\n");
        assert!(matches!(
            &found[1],
            Block::Paragraph { text, links, .. } if text == "To learn more, see Permissions. Note (see x) values: a, b." && links.is_empty()
        ));
    }

    #[test]
    fn carriage_returns_and_a_byte_order_mark_are_ignored() {
        let found = blocks("\u{feff}Title\r\n\r\nGET /me\r\n");
        assert_eq!(found[0], Block::Heading { level: 1, text: "Title".into(), line: 1 });
        assert_eq!(found[1], Block::Code { info: "http".into(), text: "GET /me\n".into(), line: 3 });
    }

    #[test]
    fn empty_input_gives_no_blocks() {
        assert_eq!(read(""), Document::default());
        assert_eq!(read("\n  \n"), Document::default());
    }
}
