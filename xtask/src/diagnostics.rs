//! Renders the parser's diagnostics like rustc does (code, severity, `file:line`, the source line) with
//! codespan-reporting, or as JSON lines for tools, and counts them for the summary line.

use std::collections::BTreeMap;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as ReportSeverity};
use codespan_reporting::files::{Files as _, SimpleFiles};
use codespan_reporting::term::{self, termcolor::WriteColor, Chars, Config};
use graph_ir::{Diagnostic, DiagnosticCode, Severity};

/// The text of every input page, by the path diagnostics use, so a diagnostic can quote its line.
#[derive(Default)]
pub struct Sources {
    files: SimpleFiles<String, String>,
    ids: BTreeMap<String, usize>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a page's text (read lossily when it is not UTF-8, as the parser reads it), its control
    /// characters shown as symbols: a line quoted to the terminal must not move its cursor or set
    /// its title (an image in the docs folder, or a crafted page).
    pub fn add(&mut self, path: &str, bytes: &[u8]) {
        let text = visible(&String::from_utf8_lossy(bytes));
        let id = self.files.add(path.to_owned(), text);
        self.ids.insert(path.to_owned(), id);
    }

    /// The file id and byte range of `line` (1-based) in `path`, without its line break or indentation.
    fn line_range(&self, path: &str, line: u32) -> Option<(usize, Range<usize>)> {
        let id = *self.ids.get(path)?;
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let range = self.files.line_range(id, index).ok()?;
        let source = self.files.source(id).ok()?;
        // The break first: trimming a blank line's indentation must not step onto the next line.
        let text = source.get(range.clone())?.trim_end_matches(['\n', '\r']);
        let start = range.start + (text.len() - text.trim_start().len());
        let end = range.start + text.trim_end().len();
        Some((id, start..end.max(start)))
    }
}

/// `text` with each control character but tab and the line breaks replaced by its visible symbol
/// (`␛` for escape, as rustc shows them), and C1 controls by `�`.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' => {
                char::from_u32(0x2400 + u32::from(c)).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            '\u{7f}' => '\u{2421}',
            '\u{80}'..='\u{9f}' => char::REPLACEMENT_CHARACTER,
            _ => c,
        })
        .collect()
}

/// The code as users see and filter on it: the kebab-case serialised form (`no-http-block`).
pub fn code_name(code: DiagnosticCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

/// The codespan form of a diagnostic: `error[empty-page]: message`, pointing at the source line when
/// the page and line are known, else naming `file:line` in a note.
fn to_report(diagnostic: &Diagnostic, sources: &Sources) -> Report<usize> {
    let severity = match diagnostic.severity {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
        Severity::Note => ReportSeverity::Note,
    };
    let report = Report::new(severity)
        .with_code(code_name(diagnostic.code))
        .with_message(visible(&diagnostic.message));
    let span = &diagnostic.span;
    match sources.line_range(&span.file, span.line) {
        Some((id, range)) => report.with_labels(vec![Label::primary(id, range)]),
        None if span.line == 0 => report.with_notes(vec![format!("in {}", span.file)]),
        None => report.with_notes(vec![format!("at {}:{}", span.file, span.line)]),
    }
}

/// The rendering style: rustc's ASCII arrows and bars.
fn config() -> Config {
    Config { chars: Chars::ascii(), ..Config::default() }
}

/// Writes one diagnostic, rustc style, to a terminal or buffer.
pub fn emit(
    writer: &mut dyn WriteColor,
    diagnostic: &Diagnostic,
    sources: &Sources,
) -> Result<(), codespan_reporting::files::Error> {
    term::emit(writer, &config(), &sources.files, &to_report(diagnostic, sources))
}

/// One diagnostic rendered without colour.
pub fn render(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let mut buffer = term::termcolor::NoColor::new(Vec::new());
    match emit(&mut buffer, diagnostic, sources) {
        Ok(()) => String::from_utf8_lossy(&buffer.into_inner()).into_owned(),
        // Only I/O on the buffer or a file missing from `sources` can fail; fall back to one line.
        Err(_) => format!(
            "{}[{}]: {} at {}:{}\n",
            severity_name(diagnostic.severity),
            code_name(diagnostic.code),
            diagnostic.message,
            diagnostic.span.file,
            diagnostic.span.line
        ),
    }
}

/// Writes each diagnostic as one line of JSON, its model's serialised form (the same names as the
/// rendered form: `{"span":{"file":…,"line":…},"severity":"warning","code":"bad-request-line",
/// "message":…}`), for tools that compare or filter them.
pub fn write_json_lines(out: &mut impl std::io::Write, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    for diagnostic in diagnostics {
        serde_json::to_writer(&mut *out, diagnostic)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// How many diagnostics there are of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityCounts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl SeverityCounts {
    pub fn of(diagnostics: &[Diagnostic]) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for diagnostic in diagnostics {
            match diagnostic.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        counts
    }
}

/// How many diagnostics there are of each code, keyed by the code's name (sorted).
pub fn counts_by_code(diagnostics: &[Diagnostic]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for diagnostic in diagnostics {
        *counts.entry(code_name(diagnostic.code)).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph_ir::Span;

    const PAGE: &str = "# Create thing\n\n## HTTP request\n    POST /things\n\n## Response\n";

    fn diagnostic(file: &str, line: u32, code: DiagnosticCode, message: &str) -> Diagnostic {
        Diagnostic {
            span: Span::new(file, line),
            severity: Severity::Warning,
            code,
            message: message.to_owned(),
        }
    }

    fn sources() -> Sources {
        let mut sources = Sources::new();
        sources.add("api/create-thing.md", PAGE.as_bytes());
        sources
    }

    #[test]
    fn a_rendered_diagnostic_shows_code_severity_file_line_and_the_source_line() {
        let rendered = render(
            &diagnostic(
                "api/create-thing.md",
                4,
                DiagnosticCode::BadRequestLine,
                "cannot read the request line",
            ),
            &sources(),
        );
        assert!(
            rendered.starts_with("warning[bad-request-line]: cannot read the request line\n"),
            "{rendered}"
        );
        assert!(rendered.contains("--> api/create-thing.md:4:5"), "{rendered}");
        assert!(rendered.contains("4 |     POST /things"), "{rendered}");
        assert!(rendered.contains("^^^^^^^^^^^"), "the underline covers the line's text: {rendered}");
    }

    #[test]
    fn json_lines_hold_one_diagnostic_each_with_the_names_the_rendered_form_shows() {
        let diagnostics = [
            diagnostic("api/create-thing.md", 4, DiagnosticCode::BadRequestLine, "a \"quoted\"\nmessage"),
            diagnostic("api/empty.md", 0, DiagnosticCode::EmptyPage, "the page is empty"),
        ];
        let mut out = Vec::new();
        assert!(write_json_lines(&mut out, &diagnostics).is_ok());
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(
            lines[1],
            r#"{"span":{"file":"api/empty.md","line":0},"severity":"warning","code":"empty-page","message":"the page is empty"}"#
        );
        let read: Vec<Diagnostic> = lines.iter().filter_map(|line| serde_json::from_str(line).ok()).collect();
        assert_eq!(read, diagnostics, "every line reads back as its diagnostic");
    }

    #[test]
    fn a_diagnostic_about_a_whole_file_names_the_file() {
        let rendered = render(
            &diagnostic("api/empty.md", 0, DiagnosticCode::EmptyPage, "the page is empty"),
            &sources(),
        );
        assert_eq!(rendered, "warning[empty-page]: the page is empty\n = in api/empty.md\n\n");
    }

    #[test]
    fn a_line_past_the_end_or_an_unknown_file_still_names_file_and_line() {
        let past_end =
            render(&diagnostic("api/create-thing.md", 99, DiagnosticCode::Conflict, "x"), &sources());
        assert!(past_end.contains("= at api/create-thing.md:99"), "{past_end}");
        let unknown = render(&diagnostic("nowhere.md", 3, DiagnosticCode::Conflict, "x"), &sources());
        assert!(unknown.contains("= at nowhere.md:3"), "{unknown}");
    }

    #[test]
    fn non_utf8_pages_are_quoted_lossily() {
        let mut sources = Sources::new();
        sources.add("latin1.txt", b"caf\xe9 au lait\n");
        let rendered =
            render(&diagnostic("latin1.txt", 1, DiagnosticCode::InvalidUtf8, "not UTF-8"), &sources);
        assert!(rendered.contains("1 | caf\u{fffd} au lait"), "{rendered}");
    }

    #[test]
    fn a_blank_line_is_shown_as_itself_not_as_the_next_one() {
        let mut sources = Sources::new();
        sources.add("empty.md", b"\n");
        sources.add("gap.md", b"a\n   \r\nb\n");
        let blank = render(&diagnostic("empty.md", 1, DiagnosticCode::EmptyPage, "x"), &sources);
        assert!(blank.contains("--> empty.md:1:1"), "{blank}");
        let gap = render(&diagnostic("gap.md", 2, DiagnosticCode::EmptyPage, "x"), &sources);
        assert!(gap.contains("--> gap.md:2:"), "{gap}");
        assert!(!gap.contains("3 | b"), "{gap}");
    }

    #[test]
    fn control_characters_reach_the_terminal_as_symbols() {
        let mut sources = Sources::new();
        sources.add("page.md", b"GET /x \x1b]0;title\x07 \x9b\n");
        let rendered =
            render(&diagnostic("page.md", 1, DiagnosticCode::BadRequestLine, "bad \x1b[2J line"), &sources);
        assert!(!rendered.contains('\x1b') && !rendered.contains('\x07'), "{rendered:?}");
        assert!(rendered.contains("GET /x \u{241b}]0;title\u{2407}"), "{rendered}");
        assert!(rendered.contains("bad \u{241b}[2J line"), "{rendered}");
    }

    #[test]
    fn codes_are_named_by_their_serialised_form() {
        assert_eq!(code_name(DiagnosticCode::NoHttpBlock), "no-http-block");
        assert_eq!(code_name(DiagnosticCode::InvalidUtf8), "invalid-utf8");
    }

    #[test]
    fn counts_group_by_severity_and_by_code() {
        let mut error = diagnostic("a.md", 1, DiagnosticCode::EmptyPage, "");
        error.severity = Severity::Error;
        let diagnostics = vec![
            error,
            diagnostic("a.md", 2, DiagnosticCode::Inferred, ""),
            diagnostic("b.md", 2, DiagnosticCode::Inferred, ""),
        ];
        assert_eq!(SeverityCounts::of(&diagnostics), SeverityCounts { errors: 1, warnings: 2, notes: 0 });
        let by_code: Vec<_> = counts_by_code(&diagnostics).into_iter().collect();
        assert_eq!(by_code, [("empty-page".to_owned(), 1), ("inferred".to_owned(), 2)]);
    }
}
