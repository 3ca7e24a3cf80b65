//! The front-end-neutral page: a flat list of blocks that both front ends (markdown, plain text) produce.
//!
//! Lowering (`lower.rs`) reads only these blocks, so a page read from markdown and the same page read
//! from its rendered plain text give the same model wherever the blocks agree. Each block carries the
//! 1-based line it starts on.

/// One block of a page, in page order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// YAML front matter (`---` … `---`): the top-level `key: value` pairs, values unquoted.
    FrontMatter { fields: Vec<(String, String)>, line: u32 },
    /// A heading. `level` is 1 for the title, 2 for `##` sections, 3 for `###`. The plain-text front end
    /// infers levels from the known section names.
    Heading { level: u8, text: String, line: u32 },
    /// A paragraph (or block quote, or list item), inline markup removed, links reduced to their text.
    Paragraph { text: String, links: Vec<Link>, line: u32 },
    /// A table: the header cells and the body rows.
    Table { header: Vec<Cell>, rows: Vec<Row>, line: u32 },
    /// A code block (fenced or, in plain text, recognised HTTP / JSON lines). `info` is the fence's
    /// language (`http`, `json`, …) or empty; `text` keeps the lines exactly, blank lines included.
    Code { info: String, text: String, line: u32 },
    /// The JSON inside a `<!-- { … } -->` annotation comment, pieces joined.
    Annotation { json: String, line: u32 },
    /// `[!INCLUDE [label](target)]`.
    Include { label: String, target: String, line: u32 },
}

impl Block {
    /// The line the block starts on.
    pub fn line(&self) -> u32 {
        match self {
            Block::FrontMatter { line, .. }
            | Block::Heading { line, .. }
            | Block::Paragraph { line, .. }
            | Block::Table { line, .. }
            | Block::Code { line, .. }
            | Block::Annotation { line, .. }
            | Block::Include { line, .. } => *line,
        }
    }
}

/// A link inside a paragraph or cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub text: String,
    pub target: String,
}

/// One table cell: its text (markup removed, `&nbsp;` turned into spaces and trimmed), whether the whole
/// cell was bold (workload sub-rows are `**Onboarding**`), whether it was indented with `&nbsp;`, and its
/// links.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    pub text: String,
    pub bold: bool,
    pub indented: bool,
    pub links: Vec<Link>,
}

/// One table body row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<Cell>,
    pub line: u32,
}

/// A quirk a front end recovered from while producing blocks; lowering turns these into diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontEndNote {
    pub line: u32,
    pub code: graph_ir::DiagnosticCode,
    pub severity: graph_ir::Severity,
    pub message: String,
}

/// What a front end returns: the blocks and what it had to recover from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
    pub notes: Vec<FrontEndNote>,
}
