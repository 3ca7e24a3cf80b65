//! Lowering: one page's blocks → its [`PageModel`] (operation, types, links, diagnostics).
//!
//! The expected grammar of an API page (headings are matched case-insensitively):
//!
//! ```text
//! front matter?  # Title  intro paragraphs (banners, summary, national clouds)
//! ## Permissions | ## Prerequisites   table "Permission type | Permissions (from … privileged)" or [!INCLUDE]
//! ## HTTP Request                     code block: one `METHOD /path` per line
//! ## Optional query parameters        prose naming `$select`, `$filter`, …
//! ## Request headers                  table "Header | Value"
//! ## Request body                     prose "JSON representation of the X object" or "… parameters", table
//! ## Response                         prose "returns a `201 Created` response code and a X object"
//! ## Example(s)                       per example: annotation? http request block, annotation? http response block
//! ```
//!
//! A resource page has `## Properties` (and maybe `## Relationships`) tables; an enum page a members table.
//! Only the blocks are read here, so both front ends lower the same way.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use graph_ir::{
    ApiVersion, Diagnostic, DiagnosticCode, EnumMember, Example, ExampleRequest, ExampleResponse, Header,
    HttpMethod, Operation, OperationKind, Origin, PageFormat, PageKind, PageLink, PageModel, PageSummary,
    PermissionEntry, PermissionKind, PermissionScopes, Permissions, Primitive, PrivilegeOrder, Property,
    QueryOption, RequestBody, Response, Severity, Span, TypeDef, TypeKind, TypeRef,
};
use regex::Regex;
use serde_json::Value;

use crate::blocks::{Block, Cell, Document, Link, Row};
use crate::paths::parse_path;

/// The national clouds as the docs name them, in the docs' order.
pub const NATIONAL_CLOUDS: [&str; 4] =
    ["Global service", "US Government L4", "US Government L5 (DOD)", "China operated by 21Vianet"];

/// Lowers one page. `notes` from the front end become diagnostics too.
pub fn lower(file: &str, format: PageFormat, doc: &Document) -> PageModel {
    let mut page = Lowering { file: Arc::from(file), diagnostics: Vec::new(), links: Vec::new() };
    for note in &doc.notes {
        page.diag(note.line, note.severity, note.code, note.message.clone());
    }
    let outline = Outline::new(&doc.blocks);
    page.collect_links(&doc.blocks);

    let front_matter = outline.front_matter();
    for (key, value) in front_matter {
        if is_placeholder(value) {
            let line = outline.front_matter_line();
            page.diag(
                line,
                Severity::Warning,
                DiagnosticCode::TodoPlaceholder,
                format!("front matter `{key}` is a TODO placeholder"),
            );
        }
    }
    let title = outline
        .title()
        .map(|(text, _)| text.to_owned())
        .or_else(|| field(front_matter, "title").map(str::to_owned));
    let kind = page_kind(&outline, front_matter);
    let version = page.version(file, &outline);

    let mut model = PageModel {
        summary: PageSummary { file: file.to_owned(), format, kind, version, title: title.clone() },
        operation: None,
        types: Vec::new(),
        links: Vec::new(),
        diagnostics: Vec::new(),
    };
    match (kind, version) {
        (PageKind::Api, Some(version)) => {
            let (operation, types) = page.operation(version, title.as_deref().unwrap_or_default(), &outline);
            model.operation = operation;
            model.types = types;
        }
        (PageKind::Resource, Some(version)) => {
            model.types = page.resource(version, title.as_deref().unwrap_or_default(), &outline);
        }
        (PageKind::Unknown, _) => {
            let line = outline.title().map_or(1, |(_, line)| line);
            // Prose and links alone (a conceptual page, an include's banner) hold nothing the model
            // could take: a note. A table or code block that no section claims might be lost data.
            let holds_data = doc
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Table { .. } | Block::Code { .. } | Block::Annotation { .. }));
            if holds_data {
                page.diag(line, Severity::Warning, DiagnosticCode::UnknownPageKind, "page is neither an API page (no HTTP request block) nor a resource page (no properties table); its tables and code blocks are not read".into());
            } else {
                page.diag(line, Severity::Note, DiagnosticCode::UnknownPageKind, "page holds only prose and links (no HTTP request block, table or code block): nothing to generate".into());
            }
        }
        (_, None) => {
            let line = outline.title().map_or(1, |(_, line)| line);
            page.diag(line, Severity::Error, DiagnosticCode::UnknownVersion, "no API version found (no example URL, banner or api-reference/<version>/ folder); page skipped".into());
        }
    }
    model.links = page.links;
    model.diagnostics = page.diagnostics;
    model
}

/// The page's blocks grouped under their level-1/2 headings.
struct Outline<'a> {
    blocks: &'a [Block],
    /// Blocks before the first `##` heading (front matter, title, banners, summary).
    preamble: &'a [Block],
    sections: Vec<Section<'a>>,
}

struct Section<'a> {
    /// Heading text, lower-cased.
    name: String,
    line: u32,
    blocks: &'a [Block],
}

impl<'a> Outline<'a> {
    fn new(blocks: &'a [Block]) -> Outline<'a> {
        let starts: Vec<usize> = blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, Block::Heading { level: 2, .. }))
            .map(|(i, _)| i)
            .collect();
        let preamble = blocks.get(..starts.first().copied().unwrap_or(blocks.len())).unwrap_or_default();
        let mut sections = Vec::new();
        for (n, &start) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(blocks.len());
            if let Some(Block::Heading { text, line, .. }) = blocks.get(start) {
                let body = blocks.get(start + 1..end).unwrap_or_default();
                sections.push(Section { name: label(text.trim()), line: *line, blocks: body });
            }
        }
        Outline { blocks, preamble, sections }
    }

    fn front_matter(&self) -> &'a [(String, String)] {
        self.blocks
            .iter()
            .find_map(|b| match b {
                Block::FrontMatter { fields, .. } => Some(fields.as_slice()),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn front_matter_line(&self) -> u32 {
        self.blocks.iter().find(|b| matches!(b, Block::FrontMatter { .. })).map_or(1, Block::line)
    }

    fn title(&self) -> Option<(&'a str, u32)> {
        self.blocks.iter().find_map(|b| match b {
            Block::Heading { level: 1, text, line } => Some((text.as_str(), *line)),
            _ => None,
        })
    }

    /// The first section whose name satisfies `pred`.
    fn section(&self, pred: impl Fn(&str) -> bool) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| pred(&s.name))
    }
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn page_kind(outline: &Outline<'_>, front_matter: &[(String, String)]) -> PageKind {
    match field(front_matter, "doc_type") {
        Some("apiPageType") => return PageKind::Api,
        Some("resourcePageType" | "enumPageType") => return PageKind::Resource,
        _ => {}
    }
    if outline.section(is_http_section).is_some() {
        PageKind::Api
    } else if outline.section(|n| n == "properties" || n == "members").is_some() {
        PageKind::Resource
    } else {
        PageKind::Unknown
    }
}

fn is_http_section(name: &str) -> bool {
    name == "http request" || name == "http requests"
}

/// A lower-case ASCII phrase that gates a case-insensitive regex or a lower-cased copy, with the index
/// of its rarest letter: the search stops only where that letter is (`o` of "optional" is
/// everywhere, its `p` is not).
struct Phrase {
    text: &'static [u8],
    anchor: usize,
}

impl Phrase {
    const fn new(text: &'static str) -> Phrase {
        /// English letters from the most to the least frequent.
        const BY_FREQUENCY: &[u8] = b"etaoinshrdlcumwfgypbvkjxqz";
        let text = text.as_bytes();
        let (mut anchor, mut anchor_rarity, mut at) = (0, 0, 0);
        while at < text.len() {
            let mut rarity = 0;
            while rarity < BY_FREQUENCY.len() && BY_FREQUENCY[rarity] != text[at] {
                rarity += 1;
            }
            // Not a letter (a space): as common as the commonest.
            if rarity == BY_FREQUENCY.len() {
                rarity = 0;
            }
            if rarity > anchor_rarity {
                (anchor, anchor_rarity) = (at, rarity);
            }
            at += 1;
        }
        Phrase { text, anchor }
    }
}

const REQUIRED: Phrase = Phrase::new("required");
const OPTIONAL: Phrase = Phrase::new("optional");
const POSSIBLE_VALUES_PHRASE: Phrase = Phrase::new("possible values");
const INHERITS_FROM: Phrase = Phrase::new("inherits from");

/// Whether a case-insensitive regex for `phrase` could match `text`: a cheap test that spares most
/// table cells and paragraphs the regex. Exact for ASCII text; any other text is let through, since
/// Unicode case folding also matches `ſ` for `s` and the Kelvin sign for `k`.
fn may_contain_ignoring_case(text: &str, phrase: &Phrase) -> bool {
    let (bytes, anchor) = (text.as_bytes(), phrase.text.get(phrase.anchor).copied().unwrap_or_default());
    !text.is_ascii()
        || memchr::memchr2_iter(anchor, anchor.to_ascii_uppercase(), bytes).any(|at| {
            at.checked_sub(phrase.anchor)
                .and_then(|start| bytes.get(start..start + phrase.text.len()))
                .is_some_and(|window| window.eq_ignore_ascii_case(phrase.text))
        })
}

/// `**TODO: …**` and friends: text that stands for text nobody wrote.
pub(crate) fn is_placeholder(text: &str) -> bool {
    // Every `:` is checked for a `TODO` before it, in any case, without copying the text.
    let bytes = text.as_bytes();
    memchr::memchr_iter(b':', bytes).any(|colon| {
        colon
            .checked_sub(4)
            .and_then(|start| bytes.get(start..colon))
            .is_some_and(|word| word.eq_ignore_ascii_case(b"todo"))
    })
}

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([1-5]\d\d)(?:\s+[A-Z][A-Za-z]*)*\s+response code").expect("static regex")
});
static RESPONSE_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"response code and (?:(?:a|an|the)\s+)?(?:(?:updated|new|newly created|created)\s+)?(collection of\s+)?([A-Za-z_][\w.]*)(?:\s+(collection|objects?|object collection))?").expect("static regex")
});
static JSON_REPRESENTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"JSON representation (?:of|for) (?:the |an? )?([A-Za-z_][\w.]*)(?: object)?")
        .expect("static regex")
});
/// Where a list of members starts; [`possible_values`] finds where it ends.
static POSSIBLE_VALUES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)possible values (?:are|include)\s*:?\s*").expect("static regex"));
static QUERY_OPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$(select|filter|expand|top|skip|orderby|count|search|format|skiptoken)\b")
        .expect("static regex")
});
static HEADER_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9-]*:\s*\S").expect("static regex"));
static INHERITS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)inherits from\s+([A-Za-z_]\w*)").expect("static regex"));

/// Per-page lowering state: where diagnostics and links are collected.
struct Lowering {
    /// The page's path, shared by all its spans.
    file: Arc<str>,
    diagnostics: Vec<Diagnostic>,
    links: Vec<PageLink>,
}

impl Lowering {
    fn span(&self, line: u32) -> Span {
        Span { file: Arc::clone(&self.file), line }
    }

    fn diag(&mut self, line: u32, severity: Severity, code: DiagnosticCode, message: String) {
        self.diagnostics.push(Diagnostic { span: self.span(line), severity, code, message });
    }

    /// Text for the model, trimmed: `None` (with a diagnostic naming `what`, which is only formatted
    /// then) when the text is a TODO placeholder or empty.
    fn text(&mut self, text: &str, line: u32, what: &dyn std::fmt::Display) -> Option<String> {
        let text = text.trim();
        if is_placeholder(text) {
            self.diag(
                line,
                Severity::Warning,
                DiagnosticCode::TodoPlaceholder,
                format!("{what} is a TODO placeholder: `{text}`"),
            );
            return None;
        }
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn collect_links(&mut self, blocks: &[Block]) {
        let add = |links: &[Link], line: u32, out: &mut Vec<PageLink>| {
            for link in links {
                let target = link.target.split('#').next().unwrap_or_default();
                let relative =
                    !target.starts_with('/') && !target.contains("://") && !target.starts_with("mailto:");
                if relative && target.ends_with(".md") {
                    out.push(PageLink { target: target.to_owned(), span: self.span(line) });
                }
            }
        };
        let mut out = Vec::new();
        for block in blocks {
            match block {
                Block::Paragraph { links, line, .. } => add(links, *line, &mut out),
                Block::Table { header, rows, line } => {
                    header.iter().for_each(|c| add(&c.links, *line, &mut out));
                    for row in rows {
                        row.cells.iter().for_each(|c| add(&c.links, row.line, &mut out));
                    }
                }
                _ => {}
            }
        }
        self.links = out;
    }

    /// The version from the folder, the example URLs and the banner, with a diagnostic when they disagree.
    fn version(&mut self, file: &str, outline: &Outline<'_>) -> Option<ApiVersion> {
        let folder = if file.contains("api-reference/beta/") {
            Some(ApiVersion::Beta)
        } else if file.contains("api-reference/v1.0/") {
            Some(ApiVersion::V1_0)
        } else {
            None
        };
        // The first request line with a versioned URL speaks for the page: the search stops there
        // rather than walking every response body's lines.
        let from_urls: Option<(ApiVersion, u32)> = outline.blocks.iter().find_map(|block| {
            let Block::Code { text, line, .. } = block else { return None };
            text.lines().find_map(|l| {
                let mut words = l.split_whitespace();
                let (Some(method), Some(url)) = (words.next(), words.next()) else { return None };
                method_of(method)?;
                example_url(url).map(|u| (u.version, *line))
            })
        });
        let banner = outline.preamble.iter().find_map(|b| match b {
            Block::Paragraph { text, line, .. }
                if text.contains("/beta")
                    && (text.contains("subject to change") || text.contains("Important")) =>
            {
                Some(*line)
            }
            _ => None,
        });
        let chosen = folder.or(from_urls.map(|(v, _)| v)).or(banner.map(|_| ApiVersion::Beta));
        if let (Some(chosen), Some((url_version, line))) = (chosen, from_urls) {
            if chosen != url_version {
                self.diag(
                    line,
                    Severity::Warning,
                    DiagnosticCode::Conflict,
                    format!("example URL says {} but the page is {}", url_version.as_str(), chosen.as_str()),
                );
            }
        }
        if let (Some(ApiVersion::V1_0), Some(line)) = (chosen, banner) {
            self.diag(
                line,
                Severity::Warning,
                DiagnosticCode::Conflict,
                "a v1.0 page carries the /beta banner".into(),
            );
        }
        chosen
    }

    fn operation(
        &mut self,
        version: ApiVersion,
        title: &str,
        outline: &Outline<'_>,
    ) -> (Option<Operation>, Vec<TypeDef>) {
        let Some((method, paths)) = self.http_request(outline) else {
            return (None, Vec::new());
        };
        let title_line = outline.title().map_or(1, |(_, l)| l);
        let title_text = self.text(title, title_line, &"title").unwrap_or_default();
        let description = self.summary(outline);
        let (kind, name) = classify(&title_text, method, &paths);
        let mut types = Vec::new();
        let request_body = self.request_body(version, outline, &mut types);
        let examples = self.examples(outline, &paths);
        let response = self.response(outline, &examples);
        let operation = Operation {
            version,
            name,
            kind,
            title: title_text,
            description,
            method,
            paths,
            request_headers: self.request_headers(outline),
            query_options: self.query_options(outline, method, &response),
            request_body,
            response,
            permissions: self.permissions(outline),
            examples,
            national_clouds: self.national_clouds(outline),
            sources: vec![self.span(title_line)],
        };
        (Some(operation), types)
    }

    /// The first paragraph after the title that is not a banner or a namespace line.
    fn summary(&mut self, outline: &Outline<'_>) -> Option<String> {
        let (text, line) = outline.preamble.iter().find_map(|b| match b {
            Block::Paragraph { text, line, .. } if !is_boilerplate(text) => Some((text.clone(), *line)),
            _ => None,
        })?;
        self.text(&text, line, &"summary")
    }

    fn http_request(&mut self, outline: &Outline<'_>) -> Option<(HttpMethod, Vec<graph_ir::PathTemplate>)> {
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
            text.lines().enumerate().map(move |(offset, raw)| (first + 1 + offset as u32, raw))
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

    fn request_headers(&mut self, outline: &Outline<'_>) -> Vec<Header> {
        let Some(section) = outline.section(|n| n == "request headers") else { return Vec::new() };
        let mut headers = Vec::new();
        for (_, rows, _) in tables(section.blocks) {
            for row in rows {
                let (Some(name), description) = (row.cells.first(), row.cells.get(1)) else { continue };
                let description = description.map(|c| c.text.clone()).unwrap_or_default();
                if name.text.is_empty() {
                    continue;
                }
                let required = description.to_ascii_lowercase().contains("required");
                headers.push(Header {
                    name: name.text.clone(),
                    description,
                    required,
                    span: self.span(row.line),
                });
            }
        }
        headers
    }

    /// The `$…` options the section names. Pages that only say the method "supports the OData Query
    /// Parameters" get the standard set for what the method returns: a collection takes all of them,
    /// a single object `$select` and `$expand`.
    fn query_options(
        &mut self,
        outline: &Outline<'_>,
        method: HttpMethod,
        response: &Response,
    ) -> Vec<QueryOption> {
        let Some(section) = outline.section(|n| n.contains("query parameters")) else { return Vec::new() };
        let mut options: Vec<QueryOption> = Vec::new();
        let generic = section.blocks.iter().find_map(|b| match b {
            Block::Paragraph { text, line, .. } if text.to_lowercase().contains("odata query parameters") => {
                Some(*line)
            }
            _ => None,
        });
        for block in section.blocks {
            let (texts, line): (Vec<&str>, u32) = match block {
                Block::Paragraph { text, line, .. } => (vec![text.as_str()], *line),
                Block::Table { rows, line, .. } => {
                    (rows.iter().flat_map(|r| r.cells.iter().map(|c| c.text.as_str())).collect(), *line)
                }
                _ => continue,
            };
            for text in texts {
                for m in QUERY_OPTION.find_iter(text) {
                    if !options.iter().any(|o| o.name == m.as_str()) {
                        options.push(QueryOption { name: m.as_str().to_owned(), span: self.span(line) });
                    }
                }
            }
        }
        if let (true, Some(line), HttpMethod::GET) = (options.is_empty(), generic, method) {
            let standard: &[&str] = match response.body {
                Some(TypeRef::Collection(_)) => {
                    &["$select", "$expand", "$filter", "$orderby", "$top", "$skip", "$count", "$search"]
                }
                _ => &["$select", "$expand"],
            };
            options = standard
                .iter()
                .map(|name| QueryOption { name: (*name).to_owned(), span: self.span(line) })
                .collect();
        }
        options
    }

    fn request_body(
        &mut self,
        version: ApiVersion,
        outline: &Outline<'_>,
        types: &mut Vec<TypeDef>,
    ) -> Option<RequestBody> {
        let section = outline.section(|n| n == "request body")?;
        let prose: Vec<(&str, u32)> = section
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph { text, line, .. } => Some((text.as_str(), *line)),
                _ => None,
            })
            .collect();
        let mut properties = Vec::new();
        for (header, rows, _) in tables(section.blocks) {
            properties.extend(self.property_rows(header, rows, types, version));
        }
        let says_parameters = prose.iter().any(|(t, _)| t.contains("parameters"));
        let resource = prose
            .iter()
            .filter_map(|(t, _)| {
                Some(JSON_REPRESENTATION.captures(t)?.get(1)?.as_str().trim_end_matches('.'))
            })
            .find(|name| !name.eq_ignore_ascii_case("parameters"));
        match resource {
            Some(type_name) => {
                let type_name = strip_namespace(type_name).to_owned();
                types.push(object_type(version, &type_name, properties.clone(), self.span(section.line)));
                Some(RequestBody::Resource {
                    type_ref: TypeRef::Named(type_name),
                    properties,
                    span: self.span(section.line),
                })
            }
            _ if !properties.is_empty() || says_parameters => {
                Some(RequestBody::Parameters { parameters: properties, span: self.span(section.line) })
            }
            _ => None,
        }
    }

    /// Joins rows that continue the previous row's last cell: a description with a line break inside
    /// ends the markdown row early, and its next line arrives as a one-cell row of prose.
    fn logical_rows<'r>(&mut self, rows: &'r [Row]) -> Cow<'r, [Row]> {
        // Most tables have no broken row: they are read in place.
        if !rows.iter().skip(1).any(is_continuation) {
            return Cow::Borrowed(rows);
        }
        let mut joined: Vec<Row> = Vec::new();
        for row in rows {
            match joined.last_mut().and_then(|previous| previous.cells.last_mut()) {
                Some(cell) if is_continuation(row) => {
                    cell.text.push(' ');
                    cell.text.push_str(row.cells.first().map_or("", |c| c.text.trim()));
                    self.diag(
                        row.line,
                        Severity::Note,
                        DiagnosticCode::BadTableRow,
                        "line break inside a table cell; joined to the row above".into(),
                    );
                }
                _ => joined.push(row.clone()),
            }
        }
        Cow::Owned(joined)
    }

    /// Rows of a `Property | Type | Description` (or `Parameter | …`, `Name | …`) table as properties.
    /// Enum types named in a type column with "Possible values" become enum type definitions.
    fn property_rows(
        &mut self,
        header: &[Cell],
        rows: &[Row],
        types: &mut Vec<TypeDef>,
        version: ApiVersion,
    ) -> Vec<Property> {
        let columns: Vec<String> = header.iter().map(|c| label(&c.text)).collect();
        let type_column = columns.iter().position(|c| c == "type" || c == "return type");
        let description_column = columns.iter().position(|c| c == "description");
        let Some(type_column) = type_column else { return Vec::new() };
        let mut properties = Vec::new();
        for row in self.logical_rows(rows).iter() {
            let Some(name) = row.cells.first().map(|c| c.text.trim()) else { continue };
            let rest_empty = row.cells.iter().skip(1).all(|c| c.text.trim().is_empty());
            if row.cells.first().is_some_and(|c| c.bold) && rest_empty {
                // `|**Device configuration**|`: a label grouping the rows below it, not a property.
                continue;
            }
            if name.is_empty() || name.contains(char::is_whitespace) {
                self.diag(
                    row.line,
                    Severity::Warning,
                    DiagnosticCode::BadTableRow,
                    format!("table row `{name}` does not name a property; skipped"),
                );
                continue;
            }
            let type_text = row.cells.get(type_column).map_or("", |c| c.text.as_str());
            let type_ref = match parse_type(type_text) {
                Some(t) => t,
                None => {
                    self.diag(
                        row.line,
                        Severity::Warning,
                        DiagnosticCode::UnknownType,
                        format!("type `{type_text}` of `{name}` is not a type; read as any JSON"),
                    );
                    TypeRef::Primitive(Primitive::Json)
                }
            };
            let raw_description =
                description_column.and_then(|i| row.cells.get(i)).map_or("", |c| c.text.as_str());
            let description = self.text(raw_description, row.line, &format_args!("description of `{name}`"));
            let text = description.as_deref().unwrap_or_default();
            let possible_values = possible_values(text);
            if let (TypeRef::Named(enum_name), false) = (innermost(&type_ref), possible_values.is_empty()) {
                types.push(enum_type(version, enum_name, &possible_values, self.span(row.line)));
            }
            properties.push(Property {
                name: name.to_owned(),
                type_ref,
                read_only: text.contains("read-only") || text.contains("Read-only"),
                required: required_flag(text),
                description,
                possible_values,
                origin: Origin::Documented,
                span: self.span(row.line),
            });
        }
        properties
    }

    fn response(&mut self, outline: &Outline<'_>, examples: &[Example]) -> Response {
        let section = outline.section(|n| n == "response");
        let line = section.map_or(1, |s| s.line);
        let prose = section.into_iter().flat_map(|s| s.blocks).find_map(|b| match b {
            Block::Paragraph { text, line, .. } if STATUS.is_match(text) => Some((text.as_str(), *line)),
            _ => None,
        });
        let example_status = examples.iter().find_map(|e| e.response.as_ref().map(|r| r.status));
        // The match starts with the three digits: no capture search needed.
        let status = prose.and_then(|(t, _)| STATUS.find(t)?.as_str().get(..3)?.parse::<u16>().ok());
        let status = match (status, example_status) {
            (Some(s), _) => s,
            (None, Some(s)) => s,
            (None, None) => {
                self.diag(
                    line,
                    Severity::Warning,
                    DiagnosticCode::NoResponseStatus,
                    "no response status documented; assuming 200".into(),
                );
                200
            }
        };
        let body = if status == 204 {
            None
        } else {
            prose.and_then(|(t, _)| {
                let captures = RESPONSE_BODY.captures(t)?;
                let name = strip_namespace(captures.get(2)?.as_str());
                let collection =
                    captures.get(1).is_some() || captures.get(3).is_some_and(|m| m.as_str() == "collection");
                let inner = parse_type(name)?;
                Some(if collection { TypeRef::Collection(Box::new(inner)) } else { inner })
            })
        };
        Response { status, body, span: self.span(prose.map_or(line, |(_, l)| l)) }
    }

    fn permissions(&mut self, outline: &Outline<'_>) -> Permissions {
        let mut permissions =
            Permissions { order: PrivilegeOrder::Unstated, entries: Vec::new(), include: None, span: None };
        let Some(section) = outline.section(|n| n == "permissions" || n == "prerequisites") else {
            let line = outline.title().map_or(1, |(_, l)| l);
            self.diag(
                line,
                Severity::Warning,
                DiagnosticCode::NoPermissions,
                "page has no permissions section".into(),
            );
            return permissions;
        };
        permissions.span = Some(self.span(section.line));
        for block in section.blocks {
            match block {
                Block::Include { label, target, line } if label.contains("permissions") => {
                    permissions.include = Some(target.clone());
                    self.diag(*line, Severity::Warning, DiagnosticCode::PermissionsInclude, format!("permissions are in include `{target}`, which is not in the input; permissions unknown"));
                }
                Block::Table { header, rows, .. }
                    if header.first().is_some_and(|c| label(&c.text).starts_with("permission type")) =>
                {
                    let order_text = header.get(1).map_or(String::new(), |c| label(&c.text));
                    permissions.order = privilege_order(&order_text);
                    permissions.entries = self.permission_rows(rows);
                }
                _ => {}
            }
        }
        if permissions.include.is_none() && permissions.entries.is_empty() {
            self.diag(
                section.line,
                Severity::Warning,
                DiagnosticCode::NoPermissions,
                "permissions section has no permissions table".into(),
            );
        }
        permissions
    }

    fn permission_rows(&mut self, rows: &[Row]) -> Vec<PermissionEntry> {
        let mut entries: Vec<PermissionEntry> = Vec::new();
        let mut current_kind: Option<PermissionKind> = None;
        for (index, row) in rows.iter().enumerate() {
            let (Some(first), scopes_cell) = (row.cells.first(), row.cells.get(1)) else { continue };
            let scopes_text = scopes_cell.map_or("", |c| c.text.as_str()).trim();
            let workload_row = first.indented || (first.bold && permission_kind(&first.text).is_none());
            let (kind, workload) = if workload_row {
                let Some(kind) = current_kind else {
                    self.diag(
                        row.line,
                        Severity::Warning,
                        DiagnosticCode::BadTableRow,
                        format!("workload row `{}` has no permission type above it; skipped", first.text),
                    );
                    continue;
                };
                (kind, Some(first.text.clone()))
            } else {
                let Some(kind) = permission_kind(&first.text) else {
                    self.diag(
                        row.line,
                        Severity::Warning,
                        DiagnosticCode::BadTableRow,
                        format!("unknown permission type `{}`; skipped", first.text),
                    );
                    continue;
                };
                current_kind = Some(kind);
                (kind, None)
            };
            let next_is_workload = rows
                .get(index + 1)
                .and_then(|r| r.cells.first())
                .is_some_and(|c| c.indented || (c.bold && permission_kind(&c.text).is_none()));
            let scopes = if is_placeholder(scopes_text) {
                self.diag(
                    row.line,
                    Severity::Warning,
                    DiagnosticCode::TodoPlaceholder,
                    format!("permissions for `{}` are a TODO placeholder", first.text),
                );
                PermissionScopes::Unknown
            } else if scopes_text.to_lowercase().starts_with("not supported") {
                PermissionScopes::NotSupported
            } else if scopes_text.is_empty() {
                if next_is_workload && workload.is_none() {
                    PermissionScopes::SeeWorkloads
                } else {
                    PermissionScopes::Unknown
                }
            } else {
                PermissionScopes::Scopes(
                    scopes_text
                        .split(',')
                        .map(|s| s.trim().trim_end_matches('.').to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            };
            entries.push(PermissionEntry { kind, workload, scopes, span: self.span(row.line) });
        }
        entries
    }

    fn national_clouds(&mut self, outline: &Outline<'_>) -> Vec<String> {
        let mut clouds = Vec::new();
        let mut after_intro = false;
        for block in outline.blocks {
            match block {
                Block::Include { target, line, .. }
                    if target.contains("national-cloud") || target.contains("clouds") =>
                {
                    if target.ends_with("all-clouds.md") {
                        clouds = NATIONAL_CLOUDS.iter().map(|c| (*c).to_owned()).collect();
                    } else {
                        self.diag(
                            *line,
                            Severity::Warning,
                            DiagnosticCode::UnresolvedInclude,
                            format!("national-cloud include `{target}` is not known; clouds unknown"),
                        );
                    }
                }
                Block::Paragraph { text, .. } if text.contains("national cloud deployments") => {
                    after_intro = true
                }
                Block::Paragraph { text, .. } if after_intro => {
                    clouds = NATIONAL_CLOUDS
                        .iter()
                        .filter(|c| text.contains(*c))
                        .map(|c| (*c).to_owned())
                        .collect();
                    after_intro = false;
                }
                _ => after_intro = false,
            }
        }
        clouds
    }

    fn examples(&mut self, outline: &Outline<'_>, paths: &[graph_ir::PathTemplate]) -> Vec<Example> {
        let mut examples: Vec<Example> = Vec::new();
        for section in outline.sections.iter().filter(|s| s.name.starts_with("example")) {
            let mut annotation: Option<Value> = None;
            for block in section.blocks {
                match block {
                    Block::Annotation { json, line } => annotation = self.annotation(json, *line),
                    Block::Code { info, text, line } if info == "http" || info.is_empty() => {
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
                                    examples.push(Example { name, request: Some(request), response: None });
                                }
                                Some(Message::Response(response)) => match examples.last_mut() {
                                    Some(example) if example.response.is_none() => {
                                        example.response = Some(response)
                                    }
                                    _ => examples.push(Example {
                                        name,
                                        request: None,
                                        response: Some(response),
                                    }),
                                },
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

    /// The `## JSON Representation` block lists the same members as the tables; each one missing on either
    /// side is a diagnostic (navigation properties are not in the JSON, so only the JSON side is checked
    /// against the tables, and the properties table against the JSON).
    fn check_json_representation(&mut self, outline: &Outline<'_>, type_name: &str, properties: &[Property]) {
        let Some(section) = outline.section(|n| n == "json representation") else { return };
        let Some((text, line)) = section.blocks.iter().find_map(|b| match b {
            Block::Code { text, line, .. } => Some((text.as_str(), *line)),
            _ => None,
        }) else {
            return;
        };
        // Only the names are checked: the values are skipped, not built.
        type Members = BTreeMap<String, serde::de::IgnoredAny>;
        let members = serde_json::from_str::<Members>(text)
            .or_else(|_| serde_json::from_str::<Members>(&crate::json_repair::repair(text)));
        let Ok(members) = members else {
            self.diag(
                line,
                Severity::Note,
                DiagnosticCode::InvalidJson,
                format!("JSON representation of `{type_name}` is not a JSON object; not checked"),
            );
            return;
        };
        for member in members.keys().filter(|k| !k.starts_with('@')) {
            if !properties.iter().any(|p| &p.name == member) {
                self.diag(line, Severity::Warning, DiagnosticCode::Conflict, format!("`{member}` is in the JSON representation of `{type_name}` but not in its properties table"));
            }
        }
    }

    /// A resource page: `## Properties` (+ `## Relationships`) → an object type; a members table → an enum.
    fn resource(&mut self, version: ApiVersion, title: &str, outline: &Outline<'_>) -> Vec<TypeDef> {
        let title_line = outline.title().map_or(1, |(_, l)| l);
        let name = title.split_whitespace().next().unwrap_or_default();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            self.diag(
                title_line,
                Severity::Warning,
                DiagnosticCode::UnknownPageKind,
                format!("resource page title `{title}` does not name a type; skipped"),
            );
            return Vec::new();
        }
        let mut types = Vec::new();
        let description = self.summary(outline);
        let base_type = outline.preamble.iter().find_map(|b| match b {
            Block::Paragraph { text, .. } if may_contain_ignoring_case(text, &INHERITS_FROM) => {
                INHERITS.captures(text).and_then(|c| Some(c.get(1)?.as_str().to_owned()))
            }
            _ => None,
        });
        let enum_page = title.to_lowercase().ends_with("enum type")
            || field(outline.front_matter(), "doc_type") == Some("enumPageType")
            || outline.section(|n| n == "members").is_some();
        if enum_page {
            let mut members = Vec::new();
            for section in outline.sections.iter().filter(|s| s.name == "members") {
                for (_, rows, _) in tables(section.blocks) {
                    for row in rows {
                        let Some(member) =
                            row.cells.first().map(|c| c.text.clone()).filter(|m| !m.is_empty())
                        else {
                            continue;
                        };
                        let description = row
                            .cells
                            .last()
                            .and_then(|c| self.text(&c.text.clone(), row.line, &"member description"));
                        members.push(EnumMember {
                            name: member,
                            description,
                            origin: Origin::Documented,
                            span: self.span(row.line),
                        });
                    }
                }
            }
            types.push(TypeDef {
                version,
                name: name.to_owned(),
                namespace: "microsoft.graph".into(),
                kind: TypeKind::Enum,
                description,
                base_type: None,
                derived_types: Vec::new(),
                is_abstract: false,
                properties: Vec::new(),
                members,
                origin: Origin::Documented,
                sources: vec![self.span(title_line)],
            });
            return types;
        }
        let mut properties = Vec::new();
        for section in outline.sections.iter().filter(|s| s.name == "properties" || s.name == "relationships")
        {
            for (header, rows, _) in tables(section.blocks) {
                properties.extend(self.property_rows(header, rows, &mut types, version));
            }
        }
        self.check_json_representation(outline, name, &properties);
        let mut object = object_type(version, name, properties, self.span(title_line));
        object.description = description;
        object.base_type = base_type.filter(|b| b != name);
        if object.base_type.as_deref() == Some("entity") {
            object.kind = TypeKind::Entity;
        }
        types.push(object);
        types
    }
}

enum Message {
    Request(ExampleRequest),
    Response(ExampleResponse),
}

/// Every table in `blocks` as (header, rows, line).
/// A row that is the rest of the row above: prose in its first cell and nothing in the others.
fn is_continuation(row: &Row) -> bool {
    let first = row.cells.first().map_or("", |c| c.text.trim());
    first.contains(' ')
        && !row.cells.first().is_some_and(|c| c.bold)
        && row.cells.iter().skip(1).all(|c| c.text.trim().is_empty())
}

fn tables(blocks: &[Block]) -> impl Iterator<Item = (&[Cell], &[Row], u32)> {
    blocks.iter().filter_map(|b| match b {
        Block::Table { header, rows, line } => Some((header.as_slice(), rows.as_slice(), *line)),
        _ => None,
    })
}

fn is_boilerplate(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.starts_with("namespace:")
        || lower.starts_with("important:")
        || lower.starts_with("note:")
        || lower.contains("national cloud deployments")
        || NATIONAL_CLOUDS.iter().all(|c| text.contains(c))
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

/// Sorts a block's lines (its first one after line `line`) into a message's parts. A block holds one
/// message, but a page may write a second request after the first one's body (`PATCH /…` after
/// `{…}` and a blank line), or straight after the first request line (two `GET` lines), which would
/// be read as a body that is no JSON: a request line after a blank line or among the headers ends
/// the message, and the block's rest is kept for the next.
fn http_parts(text: &str, line: u32) -> Option<HttpParts<'_>> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (line + 1 + i as u32, l))
        .skip_while(|(_, l)| l.trim().is_empty());
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
            parts.rest = text.get(offset..).map(|rest| (at.saturating_sub(1), rest));
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

pub(crate) fn method_of(word: &str) -> Option<HttpMethod> {
    [HttpMethod::GET, HttpMethod::POST, HttpMethod::PATCH, HttpMethod::PUT, HttpMethod::DELETE]
        .into_iter()
        .find(|method| method.as_str().eq_ignore_ascii_case(word))
}

/// A Graph URL as the examples write it: `[https://host]/{beta|v1.0}[/path][?query]`, no whitespace.
struct ExampleUrl<'a> {
    version: ApiVersion,
    /// From the `/` after the version up to the `?`.
    path: Option<&'a str>,
    /// After the `?`.
    query: Option<&'a str>,
}

/// Splits an example URL; `None` when it is not one. Called for every request line of every page,
/// so it is a few string splits rather than a regex with captures (which cost as much as all of them).
fn example_url(url: &str) -> Option<ExampleUrl<'_>> {
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

/// A heading or column header as lowering compares it: lower case, a no-break space (`&nbsp;`, which
/// the text keeps: it marks a workload sub-row) read as a space, as in `Permission&nbsp;type`.
fn label(text: &str) -> String {
    text.to_lowercase().replace('\u{a0}', " ")
}

fn strip_namespace(name: &str) -> &str {
    name.strip_prefix("microsoft.graph.").unwrap_or(name)
}

fn privilege_order(text: &str) -> PrivilegeOrder {
    if text.contains("least to most") {
        PrivilegeOrder::LeastToMost
    } else if text.contains("most to least") {
        PrivilegeOrder::MostToLeast
    } else {
        PrivilegeOrder::Unstated
    }
}

fn permission_kind(text: &str) -> Option<PermissionKind> {
    let lower = text.to_lowercase();
    if lower.starts_with("delegated") && lower.contains("personal") {
        Some(PermissionKind::DelegatedPersonal)
    } else if lower.starts_with("delegated") {
        Some(PermissionKind::DelegatedWorkOrSchool)
    } else if lower.starts_with("application") {
        Some(PermissionKind::Application)
    } else {
        None
    }
}

fn required_flag(description: &str) -> Option<bool> {
    if !may_contain_ignoring_case(description, &REQUIRED)
        && !may_contain_ignoring_case(description, &OPTIONAL)
    {
        return None;
    }
    let lower = description.to_lowercase();
    if lower.starts_with("required")
        || lower.contains(" required.")
        || lower.contains("this property is required")
    {
        Some(true)
    } else if lower.starts_with("optional") {
        Some(false)
    } else {
        None
    }
}

/// Members from "Possible values are: `a`, `b`, `c`." (the backticks are already gone).
pub(crate) fn possible_values(description: &str) -> Vec<String> {
    if !may_contain_ignoring_case(description, &POSSIBLE_VALUES_PHRASE) {
        return Vec::new();
    }
    let list = POSSIBLE_VALUES.find_iter(description).find_map(|m| member_list(description.get(m.end()..)?));
    let Some(list) = list else { return Vec::new() };
    list.split(',')
        .flat_map(|part| part.split(" and ").flat_map(|p| p.split(" or ")))
        .map(|m| m.trim().trim_matches(|c: char| c == '`' || c == '"' || c == '\'' || c == '.'))
        .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// The text after "Possible values are:" up to the first `.` that ends a sentence, or to the end;
/// `None` when a line break comes first. (A regex with the list as a capture group said the same at
/// several times the cost: its capture search ran over the whole list.)
fn member_list(rest: &str) -> Option<&str> {
    let mut chars = rest.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' => return None,
            '.' if chars.peek().is_none_or(|(_, next)| next.is_whitespace()) => return rest.get(..at),
            _ => {}
        }
    }
    Some(rest)
}

/// The primitive types by the names type columns give them, matched ignoring ASCII case. (No other
/// character lower-cases to a letter of these names, so Unicode case folding would match the same.)
const PRIMITIVE_NAMES: [(&str, Primitive); 25] = [
    ("string", Primitive::String),
    ("boolean", Primitive::Boolean),
    ("bool", Primitive::Boolean),
    ("byte", Primitive::Byte),
    ("sbyte", Primitive::SByte),
    ("int16", Primitive::Int16),
    ("int32", Primitive::Int32),
    ("int", Primitive::Int32),
    ("integer", Primitive::Int32),
    ("int64", Primitive::Int64),
    ("long", Primitive::Int64),
    ("single", Primitive::Single),
    ("double", Primitive::Double),
    ("decimal", Primitive::Decimal),
    ("guid", Primitive::Guid),
    ("datetimeoffset", Primitive::DateTimeOffset),
    ("datetime", Primitive::DateTimeOffset),
    ("date", Primitive::Date),
    ("timeofday", Primitive::TimeOfDay),
    ("duration", Primitive::Duration),
    ("timespan", Primitive::Duration),
    ("binary", Primitive::Binary),
    ("stream", Primitive::Stream),
    ("json", Primitive::Json),
    ("untyped", Primitive::Json),
];

/// A type column: `String`, `Int32`, `String collection`, `Collection(x)`, `x`, `x collection`.
pub(crate) fn parse_type(text: &str) -> Option<TypeRef> {
    const COLLECTION_OF: &str = "collection(";
    let text = text.trim();
    let collection_of =
        text.get(..COLLECTION_OF.len()).is_some_and(|p| p.eq_ignore_ascii_case(COLLECTION_OF));
    let inner = collection_of.then(|| text.get(COLLECTION_OF.len()..text.len().saturating_sub(1)));
    if let Some(inner) = inner.flatten() {
        return parse_type(inner).map(|t| TypeRef::Collection(Box::new(t)));
    }
    if let Some(inner) = text.strip_suffix(" collection").or_else(|| text.strip_suffix(" Collection")) {
        return parse_type(inner).map(|t| TypeRef::Collection(Box::new(t)));
    }
    let name = text.strip_prefix("Edm.").unwrap_or(text);
    let name = strip_namespace(name);
    if let Some((_, primitive)) = PRIMITIVE_NAMES.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)) {
        return Some(TypeRef::Primitive(*primitive));
    }
    let identifier = !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier.then(|| TypeRef::Named(name.to_owned()))
}

pub(crate) fn innermost(type_ref: &TypeRef) -> &TypeRef {
    match type_ref {
        TypeRef::Collection(inner) => innermost(inner),
        other => other,
    }
}

/// The operation's kind and wire name from its title (`Create x`, `assign action`) and first path.
fn classify(title: &str, method: HttpMethod, paths: &[graph_ir::PathTemplate]) -> (OperationKind, String) {
    use graph_ir::PathSegment;
    let words: Vec<&str> = title.split_whitespace().collect();
    let first = words.first().map(|w| w.to_lowercase()).unwrap_or_default();
    let last = words.last().map(|w| w.to_lowercase()).unwrap_or_default();
    let segments = paths.first().map(|p| p.segments.as_slice()).unwrap_or_default();
    let segment_name = |s: &PathSegment| match s {
        PathSegment::Literal { name } | PathSegment::Call { name, .. } => Some(name.clone()),
        PathSegment::Cast { type_name, .. } => Some(type_name.clone()),
        PathSegment::Parameter { .. } => None,
    };
    let kind = match (first.as_str(), last.as_str()) {
        (_, "action") => OperationKind::Action,
        (_, "function") => OperationKind::Function,
        ("create", _) => OperationKind::Create,
        ("get", _) => OperationKind::Get,
        ("list", _) => OperationKind::List,
        ("update", _) => OperationKind::Update,
        ("delete", _) => OperationKind::Delete,
        _ => OperationKind::Other,
    };
    let name = match kind {
        OperationKind::Action | OperationKind::Function => {
            let mut named = segments.iter().rev().filter_map(segment_name);
            let action =
                named.next().unwrap_or_else(|| words.first().map(|w| (*w).to_owned()).unwrap_or_default());
            let binding = named.next().unwrap_or_default();
            camel_join(&[&binding, &action])
        }
        OperationKind::Other => {
            let target = segments.iter().rev().find_map(segment_name).unwrap_or_default();
            camel_join(&[&method.as_str().to_lowercase(), &target])
        }
        _ => {
            let rest: Vec<&str> = words.iter().skip(1).copied().collect();
            let mut parts = vec![first.clone()];
            parts.extend(rest.iter().map(|w| (*w).to_owned()));
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            camel_join(&refs)
        }
    };
    (kind, name)
}

/// Joins words into one lowerCamel identifier, dropping punctuation: `["device", "assign"]` → `deviceAssign`.
fn camel_join(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        let clean: String = part.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let mut chars = clean.chars();
        let Some(head) = chars.next() else { continue };
        if out.is_empty() {
            out.push(head.to_ascii_lowercase());
        } else {
            out.push(head.to_ascii_uppercase());
        }
        out.extend(chars);
    }
    if out.is_empty() {
        out.push_str("operation");
    }
    out
}

fn object_type(version: ApiVersion, name: &str, properties: Vec<Property>, span: Span) -> TypeDef {
    let kind = if properties.iter().any(|p| p.name == "id") { TypeKind::Entity } else { TypeKind::Object };
    TypeDef {
        version,
        name: name.to_owned(),
        namespace: "microsoft.graph".into(),
        kind,
        description: None,
        base_type: None,
        derived_types: Vec::new(),
        is_abstract: false,
        properties,
        members: Vec::new(),
        origin: Origin::Documented,
        sources: vec![span],
    }
}

fn enum_type(version: ApiVersion, name: &str, members: &[String], span: Span) -> TypeDef {
    TypeDef {
        version,
        name: name.to_owned(),
        namespace: "microsoft.graph".into(),
        kind: TypeKind::Enum,
        description: None,
        base_type: None,
        derived_types: Vec::new(),
        is_abstract: false,
        properties: Vec::new(),
        members: members
            .iter()
            .map(|m| EnumMember {
                name: m.clone(),
                description: None,
                origin: Origin::Documented,
                span: span.clone(),
            })
            .collect(),
        origin: Origin::Documented,
        sources: vec![span],
    }
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
        let Some(parts) = http_parts(block, 10) else { panic!("no message") };
        assert_eq!(
            (parts.start.as_ref(), parts.start_line),
            ("PATCH https://graph.microsoft.com/beta/a/{id}", 11)
        );
        assert_eq!(parts.body_lines, ["{", "  \"b\": 1", "}", ""]);
        assert_eq!(parts.rest, Some((17, "PATCH /c/a\n")));
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
        let Some(parts) = http_parts(block, 10) else { panic!("no message") };
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
    fn the_first_versioned_request_line_is_checked_against_the_pages_folder() {
        let page = "# Get widget\n\n## HTTP request\n\n```http\nGET /widgets/{id}\n```\n\n\
                    ## Example\n\n```http\nGET https://graph.microsoft.com/v1.0/widgets/1\n```\n\n\
                    ```http\nGET https://graph.microsoft.com/beta/widgets/2\n```\n";
        let conflicts = |file: &str| -> Vec<(u32, String)> {
            let model = lower(file, PageFormat::Markdown, &crate::markdown::read(page));
            model
                .diagnostics
                .into_iter()
                .filter(|d| d.message.starts_with("example URL says"))
                .map(|d| (d.span.line, d.message))
                .collect()
        };
        // The v1.0 URL comes first: a beta page is told so, at that block; the later beta URL
        // neither adds a warning nor spares a v1.0 page one.
        assert_eq!(
            conflicts("api-reference/beta/api/widget-get.md"),
            [(11, "example URL says v1.0 but the page is beta".to_owned())]
        );
        assert_eq!(conflicts("api-reference/v1.0/api/widget-get.md"), []);
        // With no folder to say otherwise, the first URL sets the version: nothing conflicts.
        assert_eq!(conflicts("widget-get.md"), []);
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

    #[test]
    fn placeholders_are_todo_colon_in_any_case() {
        assert!(is_placeholder("**TODO: Add description**"));
        assert!(is_placeholder("see todo: later"));
        assert!(is_placeholder("ToDo:"));
        assert!(!is_placeholder("TODO later"));
        assert!(!is_placeholder(":TODO"));
        assert!(!is_placeholder("ODO:"));
    }

    #[test]
    fn the_prefilter_lets_through_every_text_the_regex_could_match() {
        assert!(may_contain_ignoring_case("The Possible VALUES are: a", &POSSIBLE_VALUES_PHRASE));
        assert!(may_contain_ignoring_case("possible values", &POSSIBLE_VALUES_PHRASE));
        assert!(!may_contain_ignoring_case("possible value", &POSSIBLE_VALUES_PHRASE));
        assert!(!may_contain_ignoring_case("Inherits frm x", &INHERITS_FROM));
        // The rarest letter anchors the search, wherever it is in the phrase.
        assert_eq!((REQUIRED.anchor, OPTIONAL.anchor, INHERITS_FROM.anchor), (2, 1, 9));
        assert!(may_contain_ignoring_case("Optional. The name", &OPTIONAL));
        assert!(may_contain_ignoring_case("qrequired", &REQUIRED));
        assert!(!may_contain_ignoring_case("equired", &REQUIRED));
        assert!(!may_contain_ignoring_case("requ", &REQUIRED));
        // Unicode case folding: the regex matches `ſ` for `s`, so non-ASCII text is let through.
        assert!(may_contain_ignoring_case("poſſible values are: a", &POSSIBLE_VALUES_PHRASE));
        assert_eq!(possible_values("Poſſible values are: `a`, `b`."), vec!["a", "b"]);
        assert_eq!(possible_values("POSSIBLE VALUES INCLUDE: x or y"), vec!["x", "y"]);
        assert!(possible_values("No list here.").is_empty());
    }

    #[test]
    fn type_columns() {
        assert_eq!(parse_type("String"), Some(TypeRef::Primitive(Primitive::String)));
        assert_eq!(
            parse_type("String collection"),
            Some(TypeRef::Collection(Box::new(TypeRef::Primitive(Primitive::String))))
        );
        assert_eq!(
            parse_type("thing collection"),
            Some(TypeRef::Collection(Box::new(TypeRef::Named("thing".into()))))
        );
        assert_eq!(
            parse_type("Collection(microsoft.graph.thing)"),
            Some(TypeRef::Collection(Box::new(TypeRef::Named("thing".into()))))
        );
        assert_eq!(parse_type("Edm.Int64"), Some(TypeRef::Primitive(Primitive::Int64)));
        assert_eq!(parse_type("two words"), None);
        assert_eq!(parse_type(""), None);
    }

    #[test]
    fn possible_values_are_read_from_descriptions() {
        assert_eq!(
            possible_values("Type of resource. Possible values are: direct, policySets."),
            vec!["direct", "policySets"]
        );
        assert_eq!(possible_values("Possible values are: a, b and c"), vec!["a", "b", "c"]);
        assert!(possible_values("No list here.").is_empty());
        // A `.` inside a word does not end the list; one before a space or the end does.
        assert_eq!(possible_values("Possible values are: a, b.c, d. Later: e, f."), vec!["a", "d"]);
        assert_eq!(possible_values("Possible values are: a, d.\u{2003}e, f."), vec!["a", "d"]);
        // A list never runs across a line break: the next one that ends first counts.
        assert_eq!(
            possible_values("Possible values are: a,\nb. Possible values include x or y."),
            vec!["x", "y"]
        );
    }

    #[test]
    fn actions_are_named_after_the_segment_they_bind_to() {
        let path = graph_ir::PathTemplate {
            raw: "/a/things/{id}/assign".into(),
            segments: crate::paths::parse_path("/a/things/{id}/assign").unwrap_or_default(),
            span: Span::new("f", 1),
        };
        assert_eq!(
            classify("assign action", HttpMethod::POST, std::slice::from_ref(&path)),
            (OperationKind::Action, "thingsAssign".into())
        );
        assert_eq!(
            classify("Create thing", HttpMethod::POST, &[path]),
            (OperationKind::Create, "createThing".into())
        );
    }
}
