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
    /// `line` is the line of the text's first line (after a fence), so that line `line + n` is the
    /// text's line `n` in any front end.
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

/// Whitespace that collapses: all of Unicode's but U+00A0, which marks indented workload cells.
fn collapses(c: char) -> bool {
    c.is_whitespace() && c != '\u{a0}'
}

/// Text built piece by piece with every run of collapsing whitespace turned into one space and none
/// at either end, so inline content is collapsed as it arrives instead of in a second pass.
#[derive(Debug, Default)]
pub(crate) struct CollapsedText {
    text: String,
    /// Whitespace was seen since the last word; it becomes a space if another word follows.
    pending_space: bool,
}

impl CollapsedText {
    pub(crate) fn push(&mut self, piece: &str) {
        if piece.is_ascii() {
            self.push_ascii(piece);
        } else {
            self.push_chars(piece);
        }
    }

    /// [`Self::push`] for any text, a character at a time.
    fn push_chars(&mut self, piece: &str) {
        let mut word_start = 0;
        for (at, c) in piece.char_indices() {
            if collapses(c) {
                self.push_word(piece.get(word_start..at).unwrap_or_default());
                self.pending_space = true;
                word_start = at + c.len_utf8();
            }
        }
        self.push_word(piece.get(word_start..).unwrap_or_default());
    }

    /// [`Self::push`] for ASCII text, most of the docs: whitespace is found byte by byte, and words
    /// already joined by single spaces are copied as one run rather than word by word.
    fn push_ascii(&mut self, piece: &str) {
        let is_space = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        let mut rest = piece;
        loop {
            let spaces = rest.bytes().position(|byte| !is_space(&byte)).unwrap_or(rest.len());
            if spaces > 0 {
                self.pending_space = true;
            }
            rest = rest.get(spaces..).unwrap_or_default();
            if rest.is_empty() {
                return;
            }
            let bytes = rest.as_bytes();
            let mut end = 0;
            loop {
                end += bytes
                    .get(end..)
                    .unwrap_or_default()
                    .iter()
                    .position(is_space)
                    .unwrap_or(bytes.len() - end);
                match (bytes.get(end), bytes.get(end + 1)) {
                    (Some(b' '), Some(next)) if !is_space(next) => end += 1,
                    _ => break,
                }
            }
            self.push_word(rest.get(..end).unwrap_or_default());
            rest = rest.get(end..).unwrap_or_default();
        }
    }

    /// A word break: a space if more text follows.
    pub(crate) fn push_break(&mut self) {
        self.pending_space = true;
    }

    fn push_word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.pending_space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.pending_space = false;
        self.text.push_str(word);
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Empties the text, keeping its buffer for the next use.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.pending_space = false;
    }

    pub(crate) fn into_string(self) -> String {
        self.text
    }
}

/// `text` with whitespace collapsed as [`CollapsedText`] does.
pub(crate) fn collapse_spaces(text: &str) -> String {
    let mut collapsed = CollapsedText::default();
    collapsed.push(text);
    collapsed.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_runs_become_one_space_and_the_ends_are_trimmed() {
        assert_eq!(collapse_spaces("  a \t\n b\r\n\u{b}\u{c}c  "), "a b c");
        // The same outside ASCII, where the characters are decoded: an em space and a line separator.
        assert_eq!(collapse_spaces("\u{2003}é\u{2028}\u{3000}ü "), "é ü");
        assert_eq!(collapse_spaces(" \n "), "");
    }

    #[test]
    fn the_ascii_path_collapses_as_the_character_path_does() {
        // Every string of up to 7 bytes over a word byte and three kinds of space, pushed whole and
        // in two pieces, with and without a break between them.
        let alphabet = [b'a', b' ', b'\t', b'\n'];
        for length in 0..=7u32 {
            for mut code in 0..4usize.pow(length) {
                let mut bytes = Vec::new();
                for _ in 0..length {
                    bytes.push(alphabet[code % 4]);
                    code /= 4;
                }
                let text = String::from_utf8(bytes).unwrap_or_default();
                for split in 0..=text.len() {
                    let (head, tail) = text.split_at(split);
                    for with_break in [false, true] {
                        let mut ascii = CollapsedText::default();
                        let mut chars = CollapsedText::default();
                        ascii.push_ascii(head);
                        chars.push_chars(head);
                        if with_break {
                            ascii.push_break();
                            chars.push_break();
                        }
                        ascii.push_ascii(tail);
                        chars.push_chars(tail);
                        assert_eq!(
                            ascii.as_str(),
                            chars.as_str(),
                            "{head:?} + {tail:?}, break: {with_break}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_no_break_space_is_text() {
        assert_eq!(collapse_spaces("\u{a0} \u{a0}x \u{a0}"), "\u{a0} \u{a0}x \u{a0}");
    }

    #[test]
    fn pieces_join_with_a_space_only_where_whitespace_or_a_break_was() {
        let mut text = CollapsedText::default();
        text.push_break();
        text.push("a");
        text.push("b ");
        text.push(" ");
        text.push_break();
        text.push("\u{2003}c");
        text.push_break();
        assert_eq!(text.as_str(), "ab c");
        text.clear();
        text.push(" d");
        assert_eq!(text.into_string(), "d");
    }
}
