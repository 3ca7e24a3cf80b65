//! Counts the request lines of the pages' "HTTP request" sections by a plain line scan, independent of
//! the parser, so the report can say how many of them the parser extracted.
//!
//! Markdown: under a heading `HTTP request(s)` (any level, any case), every line inside a fenced block
//! that starts with an HTTP method, until the next heading. Plain text (a rendered page): the line
//! `HTTP request(s)` itself is the heading; the request lines follow it, and the first other non-blank
//! line after them ends the section.

use graph_ir::{HttpMethod, PageFormat, Span};

/// One `METHOD target` line as written in a page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestLine {
    pub span: Span,
    pub method: HttpMethod,
    /// What follows the method, trimmed: normally `/path`, sometimes prose (`** Entity URI … not found`).
    pub target: String,
}

impl RequestLine {
    /// The path template the line names: the target with any `https://host/version` prefix and query
    /// string removed. `None` when the target is not a path (does not start with `/` after that).
    pub fn path(&self) -> Option<&str> {
        let mut target = self.target.as_str();
        if let Some(rest) = target.strip_prefix("https://").or_else(|| target.strip_prefix("http://")) {
            // host/version/path → /path
            let after_host = rest.find('/').map_or("", |at| rest.get(at..).unwrap_or_default());
            let after_version = after_host.get(1..).and_then(|r| r.find('/').and_then(|at| r.get(at..)));
            target = after_version.unwrap_or_default();
        }
        let path = target.split('?').next().unwrap_or_default().trim();
        path.starts_with('/').then_some(path)
    }
}

/// The request lines of one page. `file` is the page's path as it appears in spans.
pub fn scan(file: &str, text: &str) -> Vec<RequestLine> {
    let format = graph_parser::detect::detect_format(text);
    let mut lines = Vec::new();
    let mut in_section = false;
    let mut in_fence = false;
    let mut seen_request = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if format == PageFormat::Markdown && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            in_fence = !in_fence;
            continue;
        }
        let heading = match format {
            PageFormat::Markdown if !in_fence && trimmed.starts_with('#') => {
                Some(trimmed.trim_start_matches('#'))
            }
            PageFormat::PlainText => Some(trimmed),
            PageFormat::Markdown => None,
        };
        if let Some(heading) = heading {
            let heading = heading.trim().to_ascii_lowercase();
            if heading == "http request" || heading == "http requests" {
                in_section = true;
                seen_request = false;
                continue;
            }
            if format == PageFormat::Markdown {
                in_section = false;
                continue;
            }
        }
        if !in_section || (format == PageFormat::Markdown && !in_fence) {
            continue;
        }
        match request_line(trimmed) {
            Some((method, target)) => {
                seen_request = true;
                lines.push(RequestLine {
                    span: Span::new(file, line_number),
                    method,
                    target: target.to_owned(),
                });
            }
            None if format == PageFormat::PlainText && seen_request && !trimmed.is_empty() => {
                in_section = false
            }
            None => {}
        }
    }
    lines
}

/// `METHOD rest` → the method and the trimmed rest.
fn request_line(line: &str) -> Option<(HttpMethod, &str)> {
    let (word, rest) = line.split_once(char::is_whitespace)?;
    let method = match word {
        "GET" => HttpMethod::GET,
        "POST" => HttpMethod::POST,
        "PATCH" => HttpMethod::PATCH,
        "PUT" => HttpMethod::PUT,
        "DELETE" => HttpMethod::DELETE,
        _ => return None,
    };
    let rest = rest.trim();
    (!rest.is_empty()).then_some((method, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(lines: &[RequestLine]) -> Vec<(u32, &str)> {
        lines.iter().map(|line| (line.span.line, line.target.as_str())).collect()
    }

    #[test]
    fn markdown_counts_method_lines_in_the_fenced_block_under_the_heading_only() {
        let page = "# Get x\n\n## HTTP Request\n<!-- {\n  \"blockType\": \"ignored\"\n}\n-->\n``` http\nGET /a/{id}\nGET /b\n```\n\n## Example\n``` http\nGET https://graph.microsoft.com/beta/a/1\n```\n";
        assert_eq!(targets(&scan("x.md", page)), [(9, "/a/{id}"), (10, "/b")]);
    }

    #[test]
    fn plain_text_counts_the_lines_after_the_heading_until_other_text() {
        let page = "Create x\n\nNamespace: microsoft.graph\n\nHTTP Request\n\nPOST /a/{id}/b\n\nRequest headers\n\nGET /not/a/request/line\n";
        assert_eq!(targets(&scan("x.txt", page)), [(7, "/a/{id}/b")]);
    }

    #[test]
    fn a_line_that_is_not_a_path_is_still_counted_but_has_no_path() {
        let page = "## HTTP Request\n```http\nPOST ** Collection URI for x not found\nGET /a?$top=1\n```\n";
        let lines = scan("x.md", page);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines.first().and_then(RequestLine::path), None);
        assert_eq!(lines.get(1).and_then(RequestLine::path), Some("/a"));
    }

    #[test]
    fn full_urls_are_reduced_to_the_path_after_the_version() {
        let line = RequestLine {
            span: Span::new("x.md", 1),
            method: HttpMethod::GET,
            target: "https://graph.microsoft.com/v1.0/deviceManagement?$select=id".into(),
        };
        assert_eq!(line.path(), Some("/deviceManagement"));
    }
}
