//! The HTTP parts of an API page: the request lines of `## HTTP request`, and each example's request
//! and response messages (method, URL, headers, JSON body) with their annotations.

use std::borrow::Cow;

use graph_ir::{ApiVersion, DiagnosticCode, Example, ExampleRequest, ExampleResponse, HttpMethod, Severity};
use serde_json::Value;

use super::{is_http_section, Lowering, Outline, HEADER_LINE};
use crate::blocks::Block;
use crate::paths::parse_path;

impl Lowering {
    pub(super) fn http_request(
        &mut self,
        outline: &Outline<'_>,
    ) -> Option<(HttpMethod, Vec<graph_ir::PathTemplate>)> {
        let section = outline.section(is_http_section);
        // Some pages split the request lines over several blocks (one per workload label).
        let blocks: Vec<(&str, u32)> = section
            .into_iter()
            .flat_map(|s| s.blocks)
            .filter_map(|b| match b {
                Block::Code { text, line, .. } => Some((text.as_str(), *line)),
                _ => None,
            })
            .collect();
        let Some(&(_, line)) = blocks.first() else {
            let line = section.map_or_else(|| outline.title().map_or(1, |(_, l)| l), |s| s.line);
            self.diag(
                line,
                Severity::Error,
                DiagnosticCode::NoHttpBlock,
                "API page has no HTTP request block; no operation generated".into(),
            );
            return None;
        };
        let mut method = None;
        let mut paths = Vec::new();
        let lines = blocks.iter().flat_map(|&(text, first)| {
            text.lines().enumerate().map(move |(offset, raw)| (first + offset as u32, raw))
        });
        for (at, raw) in lines {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let mut words = raw.split_whitespace();
            let (Some(verb), Some(target), None) = (words.next(), words.next(), words.next()) else {
                self.diag(
                    at,
                    Severity::Warning,
                    DiagnosticCode::BadRequestLine,
                    format!("request line `{raw}` is not `METHOD /path`; skipped"),
                );
                continue;
            };
            let Some(this_method) = method_of(verb) else {
                self.diag(
                    at,
                    Severity::Warning,
                    DiagnosticCode::BadRequestLine,
                    format!("request line `{raw}` does not start with an HTTP method; skipped"),
                );
                continue;
            };
            match method {
                None => method = Some(this_method),
                Some(m) if m != this_method => {
                    self.diag(
                        at,
                        Severity::Warning,
                        DiagnosticCode::Conflict,
                        format!(
                            "request line `{raw}` uses {} but the page's first line uses {}; skipped",
                            this_method.as_str(),
                            m.as_str()
                        ),
                    );
                    continue;
                }
                Some(_) => {}
            }
            let target = example_url(target).and_then(|u| u.path).unwrap_or(target);
            let (path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
            if query.is_some() {
                self.diag(
                    at,
                    Severity::Note,
                    DiagnosticCode::BadRequestLine,
                    format!("query string dropped from request line `{raw}`"),
                );
            }
            match parse_path(path) {
                Ok(segments) => {
                    let raw_path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
                    if !paths.iter().any(|p: &graph_ir::PathTemplate| p.raw == raw_path) {
                        paths.push(graph_ir::PathTemplate { raw: raw_path, segments, span: self.span(at) });
                    }
                }
                Err(reason) => self.diag(
                    at,
                    Severity::Warning,
                    DiagnosticCode::BadRequestLine,
                    format!("path `{path}` {reason}; skipped"),
                ),
            }
        }
        match method {
            Some(method) if !paths.is_empty() => Some((method, paths)),
            _ => {
                self.diag(
                    line,
                    Severity::Error,
                    DiagnosticCode::NoHttpBlock,
                    "HTTP request block has no readable request line; no operation generated".into(),
                );
                None
            }
        }
    }

    pub(super) fn examples(
        &mut self,
        outline: &Outline<'_>,
        paths: &[graph_ir::PathTemplate],
    ) -> Vec<Example> {
        let mut examples: Vec<Example> = Vec::new();
        // Where the last code block holding requests put them among `examples`.
        let mut request_block = 0..0;
        for section in outline.sections.iter().filter(|s| s.name.starts_with("example")) {
            let mut annotation: Option<Value> = None;
            for block in section.blocks {
                match block {
                    Block::Annotation { json, line } => annotation = self.annotation(json, *line),
                    Block::Code { info, text, line } if is_http_fence(info) => {
                        let name = annotation
                            .as_ref()
                            .and_then(|a| a.get("name"))
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        let truncated = annotation
                            .as_ref()
                            .and_then(|a| a.get("truncated"))
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        let mut next = Some((*line, text.as_str()));
                        let mut first = true;
                        let mut in_this_block = false;
                        while let Some((message_line, message)) = next.take() {
                            let (read, rest) = self.http_message(message, message_line, truncated);
                            next = rest;
                            // A second request in one block is an example of its own, under no name.
                            let name = if first { name.clone() } else { None };
                            first = false;
                            match read {
                                Some(Message::Request(request)) => {
                                    // A function's example may give its arguments in the URL.
                                    let function = request.method == HttpMethod::GET;
                                    if !paths.iter().any(|p| {
                                        crate::paths::matches(&p.segments, &request.path)
                                            || function
                                                && crate::paths::matches_function_call(
                                                    &p.segments,
                                                    &request.path,
                                                )
                                    }) {
                                        self.diag(
                                            request.span.line,
                                            Severity::Warning,
                                            DiagnosticCode::ExamplePathMismatch,
                                            format!(
                                                "example path `{}` matches none of the operation's paths",
                                                request.path
                                            ),
                                        );
                                    }
                                    if !in_this_block {
                                        request_block = examples.len()..examples.len();
                                        in_this_block = true;
                                    }
                                    examples.push(Example { name, request: Some(request), response: None });
                                    request_block.end = examples.len();
                                }
                                Some(Message::Response(response)) => {
                                    match answered_example(&mut examples, request_block.clone()) {
                                        Some(example) => example.response = Some(response),
                                        None => examples.push(Example {
                                            name,
                                            request: None,
                                            response: Some(response),
                                        }),
                                    }
                                }
                                None => {}
                            }
                        }
                        annotation = None;
                    }
                    Block::Code { .. } => annotation = None,
                    _ => {}
                }
            }
        }
        examples
    }

    fn annotation(&mut self, json: &str, line: u32) -> Option<Value> {
        match serde_json::from_str(json) {
            Ok(value) => Some(value),
            Err(error) => {
                self.diag(
                    line,
                    Severity::Warning,
                    DiagnosticCode::InvalidJson,
                    format!("annotation is not valid JSON: {error}"),
                );
                None
            }
        }
    }

    /// Reads an example HTTP block: a request line or status line, headers, a blank line, a body.
    /// The rest of the block, when [`http_parts`] finds a second message in it, is returned beside.
    fn http_message<'t>(
        &mut self,
        text: &'t str,
        line: u32,
        truncated: bool,
    ) -> (Option<Message>, Option<(u32, &'t str)>) {
        let Some(parts) = http_parts(text, line) else { return (None, None) };
        let rest = parts.rest;
        (self.message(parts, truncated), rest)
    }

    /// [`Self::http_message`]'s message from the block's parts.
    fn message(&mut self, parts: HttpParts<'_>, truncated: bool) -> Option<Message> {
        let HttpParts {
            start_line,
            start,
            continued_over,
            headers,
            blank_before_headers,
            body_lines,
            body_line,
            ..
        } = parts;
        if continued_over > 0 {
            self.diag(
                start_line,
                Severity::Note,
                DiagnosticCode::BadRequestLine,
                format!(
                    "the request's URL goes on over {continued_over} more lines; read as one line: `{start}`"
                ),
            );
        }
        if let (Some(at), false) = (blank_before_headers, headers.is_empty()) {
            self.diag(
                at,
                Severity::Note,
                DiagnosticCode::BadRequestLine,
                "blank line between the request line and its headers; headers read anyway".into(),
            );
        }
        let body_text = body_lines.join("\n");
        let body_text = body_text.trim();
        let body = if body_text.is_empty() {
            None
        } else {
            self.json_body(body_text, body_line.unwrap_or(start_line))
        };
        if let Some(declared) =
            headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).map(|(_, v)| v)
        {
            // The docs count the body with CRLF line ends; accept either convention.
            let actual = body_text.len();
            let with_crlf = actual + body_text.matches('\n').count();
            if !declared.parse::<usize>().is_ok_and(|d| d == actual || d == with_crlf) {
                self.diag(start_line, Severity::Warning, DiagnosticCode::ContentLengthMismatch, format!("Content-Length says {declared} but the example body is {actual} bytes ({with_crlf} with CRLF line ends)"));
            }
        }
        let span = self.span(start_line);
        if let Some(rest) = start.strip_prefix("HTTP/") {
            let status = rest.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok());
            let Some(status) = status else {
                self.diag(
                    start_line,
                    Severity::Warning,
                    DiagnosticCode::NoResponseStatus,
                    format!("response line `{start}` has no status code"),
                );
                return None;
            };
            return Some(Message::Response(ExampleResponse { status, headers, body, truncated, span }));
        }
        let mut words = start.split_whitespace();
        let (Some(method), Some(url)) = (words.next().and_then(method_of), words.next()) else {
            self.diag(
                start_line,
                Severity::Warning,
                DiagnosticCode::BadRequestLine,
                format!("example `{start}` is neither a request nor a response; skipped"),
            );
            return None;
        };
        let (version, path, query) = match example_url(url) {
            Some(u) => (Some(u.version), u.path.unwrap_or("/").to_owned(), u.query.map(str::to_owned)),
            None => {
                let (path, query) = url.split_once('?').map_or((url, None), |(p, q)| (p, Some(q.to_owned())));
                let path = path
                    .split_once("://")
                    .map_or(path, |(_, rest)| rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/"));
                (None, path.to_owned(), query)
            }
        };
        Some(Message::Request(ExampleRequest {
            method,
            url: url.to_owned(),
            version,
            path,
            query,
            headers,
            body,
            span,
        }))
    }

    fn json_body(&mut self, text: &str, line: u32) -> Option<Value> {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => Some(value),
            Err(error) => match serde_json::from_str::<Value>(&crate::json_repair::repair(text)) {
                Ok(value) => {
                    self.diag(line, Severity::Warning, DiagnosticCode::RepairedJson, format!("example JSON is not strict JSON ({error}); read after removing comments and trailing commas"));
                    Some(value)
                }
                Err(_) => {
                    let at = line + error.line().saturating_sub(1) as u32;
                    self.diag(
                        at,
                        Severity::Warning,
                        DiagnosticCode::InvalidJson,
                        format!("example body is not valid JSON: {error}"),
                    );
                    None
                }
            },
        }
    }
}

/// One message of an example block: the request or the response.
enum Message {
    Request(ExampleRequest),
    Response(ExampleResponse),
}

/// An example block's lines sorted into one HTTP message's parts.
struct HttpParts<'t> {
    /// The request or status line, and its line number.
    start: Cow<'t, str>,
    start_line: u32,
    /// How many lines after the start line a request's URL went on over (a call's arguments open
    /// on the request line and close lines later, `getByIds(ids=[` … `])`).
    continued_over: usize,
    headers: Vec<(String, String)>,
    /// A blank line between the start line and the headers, which pages sometimes leave.
    blank_before_headers: Option<u32>,
    body_lines: Vec<&'t str>,
    body_line: Option<u32>,
    /// The rest of the block from a second message on, with the line number before it.
    rest: Option<(u32, &'t str)>,
}

/// Sorts a block's lines (its first one on line `line`) into a message's parts. A block holds one
/// message, but a page may write a second request after the first one's body (`PATCH /…` after
/// `{…}` and a blank line), or straight after the first request line (two `GET` lines), which would
/// be read as a body that is no JSON: a request line after a blank line or among the headers ends
/// the message, and the block's rest is kept for the next.
fn http_parts(text: &str, line: u32) -> Option<HttpParts<'_>> {
    let mut lines =
        text.lines().enumerate().map(|(i, l)| (line + i as u32, l)).skip_while(|(_, l)| l.trim().is_empty());
    let (start_line, start) = lines.next()?;
    let mut start_text = Cow::Borrowed(start.trim());
    let mut continued_over = 0;
    while is_request_line(start) && unclosed_parentheses(&start_text) {
        let mut peek = lines.clone();
        match peek.next() {
            Some((_, next)) if !next.trim().is_empty() && continued_over < MAX_URL_LINES => {
                // A URL holds no spaces: one inside the arguments (a string's) is sent encoded.
                start_text.to_mut().push_str(&next.trim().replace(' ', "%20"));
                continued_over += 1;
                lines = peek;
            }
            _ => break,
        }
    }
    let mut parts = HttpParts {
        start: start_text,
        start_line,
        continued_over,
        headers: Vec::new(),
        blank_before_headers: None,
        body_lines: Vec::new(),
        body_line: None,
        rest: None,
    };
    let mut in_headers = true;
    let mut previous = start;
    for (at, l) in lines {
        // Request line first: most lines are rejected by their first byte.
        if is_request_line(l) && (in_headers || previous.trim().is_empty()) {
            // `l` is a slice of `text`, so its distance from the start is where it starts.
            let offset = (l.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            parts.rest = text.get(offset..).map(|rest| (at, rest));
            break;
        }
        previous = l;
        if in_headers {
            if l.trim().is_empty() {
                if parts.headers.is_empty() {
                    parts.blank_before_headers.get_or_insert(at);
                }
                continue;
            }
            if HEADER_LINE.is_match(l) && !l.trim_start().starts_with('{') {
                if let Some((name, value)) = l.split_once(':') {
                    parts.headers.push((name.trim().to_owned(), value.trim().to_owned()));
                }
                continue;
            }
            in_headers = false;
        }
        parts.body_line.get_or_insert(at);
        parts.body_lines.push(l);
    }
    Some(parts)
}

/// The most lines a request's URL is read on over ([`HttpParts::continued_over`]).
const MAX_URL_LINES: usize = 20;

/// Whether a request line's URL opens more parentheses than it closes.
fn unclosed_parentheses(request_line: &str) -> bool {
    let url = request_line.split_whitespace().nth(1).unwrap_or_default();
    url.matches('(').count() > url.matches(')').count()
}

/// `PATCH /deviceManagement/…` or `GET https://graph.microsoft.com/…`.
/// The example a response answers: the last one, if it has no response yet; but when that came
/// from a block of requests whose last real request (a URL with its version) is unanswered and
/// only bare templates follow it (`PATCH /a/{id}/b`: another path of the operation, listed after
/// the example's request), that request. `block` is where the last block of requests put its
/// examples.
fn answered_example(examples: &mut [Example], block: std::ops::Range<usize>) -> Option<&mut Example> {
    if examples.last().is_none_or(|example| example.response.is_some()) {
        return None;
    }
    let is_real = |example: &Example| {
        example.response.is_none()
            && example.request.as_ref().is_some_and(|request| request.version.is_some())
    };
    let real = match examples.get(block.clone()) {
        // Only while the last example is that block's.
        Some(from_block) if block.end == examples.len() => {
            from_block.iter().rposition(is_real).map(|at| block.start + at)
        }
        _ => None,
    };
    match real {
        Some(at) => examples.get_mut(at),
        None => examples.last_mut(),
    }
}

/// Whether a code block's info string marks an HTTP message: `http`, none, or the
/// `msgraph-interactive` newer pages fence their example requests with (Graph Explorer's).
fn is_http_fence(info: &str) -> bool {
    info.is_empty() || info.eq_ignore_ascii_case("http") || info.eq_ignore_ascii_case("msgraph-interactive")
}

fn is_request_line(line: &str) -> bool {
    // JSON lines start with a space, a quote or a brace: most are rejected by their first byte.
    if !matches!(line.as_bytes().first(), Some(b'G' | b'P' | b'D' | b'g' | b'p' | b'd')) {
        return false;
    }
    let mut words = line.split_whitespace();
    let method = words.next().and_then(method_of);
    let target = words.next().unwrap_or_default();
    method.is_some() && (target.starts_with('/') || target.starts_with("http"))
}

pub(super) fn method_of(word: &str) -> Option<HttpMethod> {
    [HttpMethod::GET, HttpMethod::POST, HttpMethod::PATCH, HttpMethod::PUT, HttpMethod::DELETE]
        .into_iter()
        .find(|method| method.as_str().eq_ignore_ascii_case(word))
}

/// A Graph URL as the examples write it: `[https://host]/{beta|v1.0}[/path][?query]`, no whitespace.
pub(super) struct ExampleUrl<'a> {
    pub(super) version: ApiVersion,
    /// From the `/` after the version up to the `?`.
    path: Option<&'a str>,
    /// After the `?`.
    query: Option<&'a str>,
}

/// Splits an example URL; `None` when it is not one. Called for every request line of every page,
/// so it is a few string splits rather than a regex with captures (which cost as much as all of them).
pub(super) fn example_url(url: &str) -> Option<ExampleUrl<'_>> {
    if url.contains(char::is_whitespace) {
        return None;
    }
    let rooted = match url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
        // A host of at least one character, then the path.
        Some(after_scheme) => after_scheme.get(after_scheme.find('/').filter(|&at| at > 0)?..)?,
        None => url,
    };
    let (version, rest) = if let Some(rest) = rooted.strip_prefix("/beta") {
        (ApiVersion::Beta, rest)
    } else {
        (ApiVersion::V1_0, rooted.strip_prefix("/v1.0")?)
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let path = match path {
        "" => None,
        path if path.starts_with('/') => Some(path),
        _ => return None,
    };
    Some(ExampleUrl { version, path, query })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_read_in_any_case() {
        assert_eq!(method_of("GET"), Some(HttpMethod::GET));
        assert_eq!(method_of("patch"), Some(HttpMethod::PATCH));
        assert_eq!(method_of("Delete"), Some(HttpMethod::DELETE));
        assert_eq!(method_of("GETS"), None);
        assert_eq!(method_of(""), None);
    }

    #[test]
    fn a_request_line_after_a_blank_line_or_among_the_headers_starts_another_message() {
        let block = "PATCH https://graph.microsoft.com/beta/a/{id}\nContent-type: application/json\n\n\
                     {\n  \"b\": 1\n}\n\nPATCH /c/a\n";
        let Some(parts) = http_parts(block, 11) else { panic!("no message") };
        assert_eq!(
            (parts.start.as_ref(), parts.start_line),
            ("PATCH https://graph.microsoft.com/beta/a/{id}", 11)
        );
        assert_eq!(parts.body_lines, ["{", "  \"b\": 1", "}", ""]);
        assert_eq!(parts.rest, Some((18, "PATCH /c/a\n")), "the rest, with the line it starts on");
        fn rest(block: &str) -> Option<&str> {
            http_parts(block, 0).and_then(|parts| parts.rest).map(|(_, rest)| rest)
        }
        assert_eq!(rest("GET /a\n\nGET /b\n"), Some("GET /b\n"));
        // Requests line after line (devicecategory-get, beta, one for each of its paths), or after
        // the first one's headers, are messages of their own: read as a body, they are no JSON.
        assert_eq!(rest("GET /a\nGET /b\n"), Some("GET /b\n"));
        assert_eq!(rest("GET /a\nAccept: application/json\nGET /b\n"), Some("GET /b\n"));
        // A request line inside JSON, and a response, stay one message.
        assert_eq!(rest("\nGET /a\n\n{\"x\": \"GET /b\"}\n"), None);
        assert_eq!(rest("HTTP/1.1 200 OK\n\n{}\n\nGET\n"), None);
    }

    #[test]
    fn a_call_whose_arguments_go_on_over_lines_is_one_request_line() {
        // As getRoleScopeTagsByIds's page writes it.
        let block = "GET https://graph.microsoft.com/beta/a/f(ids=[\n  \"Ids value\"\n])\n";
        let Some(parts) = http_parts(block, 11) else { panic!("no message") };
        assert_eq!(parts.start, r#"GET https://graph.microsoft.com/beta/a/f(ids=["Ids%20value"])"#);
        assert_eq!((parts.start_line, parts.continued_over), (11, 2));
        assert!(parts.body_lines.is_empty() && parts.headers.is_empty(), "{:?}", parts.body_lines);
        // Never past a blank line, nor for a response or a closed call.
        let start =
            |block: &'static str| http_parts(block, 0).map(|parts| (parts.start, parts.continued_over));
        assert_eq!(start("GET /a/f(x=1\n\n{}\n"), Some(("GET /a/f(x=1".into(), 0)));
        assert_eq!(start("GET /a/f(x=1)\nA: b\n"), Some(("GET /a/f(x=1)".into(), 0)));
        assert_eq!(start("HTTP/1.1 200 (\nA: b\n"), Some(("HTTP/1.1 200 (".into(), 0)));
    }

    #[test]
    fn example_urls_split_into_version_path_and_query() {
        let split = |url| example_url(url).map(|u| (u.version, u.path, u.query));
        assert_eq!(split("/beta"), Some((ApiVersion::Beta, None, None)));
        assert_eq!(split("/v1.0/"), Some((ApiVersion::V1_0, Some("/"), None)));
        assert_eq!(
            split("https://graph.microsoft.com/beta/a/{id}?$top=1?x"),
            Some((ApiVersion::Beta, Some("/a/{id}"), Some("$top=1?x")))
        );
        assert_eq!(split("http://h/v1.0?"), Some((ApiVersion::V1_0, None, Some(""))));
        assert_eq!(split("/beta?$select=id"), Some((ApiVersion::Beta, None, Some("$select=id"))));
        for not_one in [
            "https:///beta/a",
            "https://graph.microsoft.com",
            "https:/beta/a",
            "/betas/a",
            "/v2.0/a",
            "beta/a",
            "/beta/a b",
            "/beta/a?x\u{2003}y",
            "",
        ] {
            assert!(split(not_one).is_none(), "{not_one:?}");
        }
    }
}
