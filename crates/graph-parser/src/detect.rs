//! Format detection: is a page markdown source or a plain-text copy of the rendered page?
//!
//! Decided from the content alone, never from the file name. A rendered page has no markup at all, so
//! any unambiguous markdown construct (front matter, a code fence, a table separator row, an HTML
//! comment, an `[!INCLUDE`) settles it. ATX headings are weaker evidence: a renderer can leave a stray
//! `## Heading` line behind (one real page does, where Python-Markdown swallowed a heading into a
//! table), so a heading counts only when it opens the page (the title) or when there are two or more.

use graph_ir::PageFormat;

/// How a page is written, judged from its text.
pub fn detect_format(text: &str) -> PageFormat {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty()).peekable();
    if lines.peek().is_some_and(|first| *first == "---" || is_atx_heading(first)) {
        return PageFormat::Markdown;
    }
    let mut headings = 0usize;
    for line in lines {
        if is_strong_markdown_line(line) {
            return PageFormat::Markdown;
        }
        if is_atx_heading(line) {
            headings += 1;
            if headings >= 2 {
                return PageFormat::Markdown;
            }
        }
    }
    PageFormat::PlainText
}

/// A trimmed line that only markdown source contains.
fn is_strong_markdown_line(line: &str) -> bool {
    line.starts_with("```")
        || line.starts_with("~~~")
        || line.starts_with("<!--")
        || line.contains("[!INCLUDE")
        || is_table_separator(line)
}

/// `#` to `######` followed by a space or the end of the line.
fn is_atx_heading(line: &str) -> bool {
    let rest = line.trim_start_matches('#');
    let hashes = line.len() - rest.len();
    (1..=6).contains(&hashes) && rest.chars().next().is_none_or(char::is_whitespace)
}

/// A table's delimiter row: `|---|:---:|`, `---|---` (cells of dashes and colons, at least one `|`).
fn is_table_separator(line: &str) -> bool {
    if !line.contains('|') {
        return false;
    }
    let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
    cells.iter().all(|cell| {
        let dashes = cell.trim_start_matches(':').trim_end_matches(':');
        dashes.len() >= 3 && dashes.chars().all(|c| c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs-input");

    fn markdown(text: &str) -> bool {
        detect_format(text) == PageFormat::Markdown
    }

    #[test]
    fn the_seeds_are_told_apart_by_content() {
        let Ok(entries) = std::fs::read_dir(SEEDS) else {
            println!("note: {SEEDS} is absent; seed detection not checked");
            return;
        };
        let mut seen = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            // Every seed ends in `.txt` (whatever its format); only the `-plaintext` one is a rendering.
            if !name.ends_with(".txt") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let expected =
                if name.contains("-plaintext") { PageFormat::PlainText } else { PageFormat::Markdown };
            assert_eq!(detect_format(&text), expected, "{name}");
            seen += 1;
        }
        assert_eq!(seen, 5, "expected the five seed pages in {SEEDS}");
    }

    #[test]
    fn front_matter_at_the_top_is_markdown() {
        assert!(markdown("---\ntitle: x\n---\nText.\n"));
        assert!(markdown("\u{feff}\n---\ntitle: x\n---\n"));
    }

    #[test]
    fn a_heading_that_opens_the_page_is_markdown() {
        assert!(markdown("# Create thing\n\nText.\n"));
        assert!(markdown("    # Create thing\n"));
    }

    #[test]
    fn two_headings_anywhere_are_markdown() {
        assert!(markdown("Title\n\n## Permissions\n\nText.\n\n        ## HTTP Request\n"));
    }

    #[test]
    fn one_stray_heading_in_a_rendering_stays_plain_text() {
        assert!(!markdown(
            "Create thing\n\nPermission type Permissions\nApplication X.All\n## HTTP Request\n"
        ));
    }

    #[test]
    fn a_hash_without_a_space_is_not_a_heading() {
        assert!(!markdown("#hashtag\n\n##nope\n"));
        assert!(!markdown("Title\n\n\"@odata.type\": \"#microsoft.graph.x\"\n"));
    }

    #[test]
    fn a_table_separator_row_is_markdown() {
        assert!(markdown("Title\n\n|Header|Value|\n|:---|:---|\n"));
        assert!(markdown("Title\n\nA | B\n--- | ---\n"));
        assert!(!markdown("Title\n\nA | B is not a table\n"));
        assert!(!markdown("Title\n\n---\n"));
    }

    #[test]
    fn fences_comments_and_includes_are_markdown() {
        assert!(markdown("Title\n\n``` http\nGET /me\n```\n"));
        assert!(markdown("Title\n\n~~~\ncode\n~~~\n"));
        assert!(markdown("Title\n\n<!-- { \"blockType\": \"ignored\" } -->\n"));
        assert!(markdown("Title\n\n[!INCLUDE [x](../includes/x.md)]\n"));
    }

    #[test]
    fn plain_prose_and_empty_input_are_plain_text() {
        assert!(!markdown("Create thing\n\nNamespace: microsoft.graph\n\nGET /me\n"));
        assert!(!markdown(""));
        assert!(!markdown("\n \n"));
    }
}
