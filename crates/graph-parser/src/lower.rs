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
//! Only the blocks are read here, so both front ends lower the same way. The sections live here; the
//! HTTP request lines and example messages in `http`, the property and permission tables and type
//! names in `tables`, and a resource page in `resource`.

use std::sync::{Arc, LazyLock};

use graph_ir::{
    ApiVersion, Diagnostic, DiagnosticCode, Example, Header, HttpMethod, Operation, OperationKind,
    PageFormat, PageKind, PageLink, PageModel, PageSummary, QueryOption, RequestBody, Response, Severity,
    Span, TypeDef, TypeRef,
};
use regex::Regex;

use crate::blocks::{Block, Document, Link};

mod http;
mod resource;
mod tables;

use http::{example_url, method_of};
use resource::{enum_type, object_type};
pub(crate) use tables::innermost;
use tables::{each_table, parse_type};

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

/// `200 OK response code`: the status, then its reason phrase, capitalised as pages write it or in
/// lower case (`201 created`); a lower-case word outside the phrases (`200 or 204 response code`)
/// is no part of it.
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b([1-5]\d\d)(?:\s+(?:[A-Z][A-Za-z]*|ok|created|accepted|no|content|partial|found|not|modified))*\s+response code",
    )
    .expect("static regex")
});
static RESPONSE_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"response code and (?:(?:a|an|the)\s+)?(?:(?:updated|new|newly created|created)\s+)?(collection of\s+)?([A-Za-z_][\w.]*)(?:\s+(object collection|collection|objects?))?").expect("static regex")
});
static JSON_REPRESENTATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"JSON representation (?:of|for) (?:the |an? )?([A-Za-z_][\w.]*)(?: object)?")
        .expect("static regex")
});
/// Where a list of members starts; [`possible_values`] finds where it ends.
static POSSIBLE_VALUES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)possible values (?:are|include)\s*:?\s*").expect("static regex"));
/// A `$` query option named in prose or a table, any of OData's or Graph's (`$orderBy`, `$deltatoken`,
/// `$levels`), as the page spells it.
static QUERY_OPTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\$[A-Za-z]+\b").expect("static regex"));
/// A query parameter's name as a table's first cell: a `$` option or a function's own parameter
/// (`startDateTime`).
static QUERY_PARAMETER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\$?[A-Za-z_][A-Za-z0-9_]*$").expect("static regex"));
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
            narrowed: None,
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

    fn request_headers(&mut self, outline: &Outline<'_>) -> Vec<Header> {
        let Some(section) = outline.section(|n| n == "request headers") else { return Vec::new() };
        let mut headers = Vec::new();
        for (_, rows, _) in each_table(section.blocks) {
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
        let mut add = |name: &str, line: u32| {
            if !options.iter().any(|o| o.name.eq_ignore_ascii_case(name)) {
                options.push(QueryOption { name: name.to_owned(), span: self.span(line) });
            }
        };
        // A page that names `$` options says which the operation supports, instead of the standard
        // set; a parameter of its own (`startDateTime`) does not.
        let mut named_options = false;
        for block in section.blocks {
            match block {
                Block::Paragraph { text, line, .. } => {
                    for m in QUERY_OPTION.find_iter(text) {
                        named_options = true;
                        add(m.as_str(), *line);
                    }
                }
                // A table of parameters: each row's first cell names one; the others may mention more.
                Block::Table { rows, .. } => {
                    for row in rows {
                        let mut cells = row.cells.iter().map(|c| c.text.as_str());
                        if let Some(name) =
                            cells.next().map(str::trim).filter(|n| QUERY_PARAMETER.is_match(n))
                        {
                            named_options |= name.starts_with('$');
                            add(name, row.line);
                        }
                        for m in cells.flat_map(|text| QUERY_OPTION.find_iter(text)) {
                            named_options = true;
                            add(m.as_str(), row.line);
                        }
                    }
                }
                _ => {}
            }
        }
        if let (false, Some(line), HttpMethod::GET) = (named_options, generic, method) {
            let standard: &[&str] = match response.body {
                Some(TypeRef::Collection(_)) => {
                    &["$select", "$expand", "$filter", "$orderby", "$top", "$skip", "$count", "$search"]
                }
                _ => &["$select", "$expand"],
            };
            let listed = std::mem::take(&mut options);
            options = standard
                .iter()
                .map(|name| QueryOption { name: (*name).to_owned(), span: self.span(line) })
                .collect();
            options.extend(
                listed.into_iter().filter(|o| !standard.iter().any(|s| s.eq_ignore_ascii_case(&o.name))),
            );
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
        for (header, rows, _) in each_table(section.blocks) {
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
            (Some(s), Some(answered)) if s != answered => {
                let at = prose.map_or(line, |(_, l)| l);
                self.diag(
                    at,
                    Severity::Warning,
                    DiagnosticCode::Conflict,
                    format!(
                        "the response sentence says {s} but the first example answers {answered}; kept {s}"
                    ),
                );
                s
            }
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
                let collection = captures.get(1).is_some()
                    || captures.get(3).is_some_and(|m| m.as_str().ends_with("collection"));
                let inner = parse_type(name)?;
                Some(if collection { TypeRef::Collection(Box::new(inner)) } else { inner })
            })
        };
        Response { status, body, span: self.span(prose.map_or(line, |(_, l)| l)) }
    }

    fn national_clouds(&mut self, outline: &Outline<'_>) -> Vec<String> {
        let mut clouds = Vec::new();
        let mut after_intro = false;
        for block in outline.blocks {
            match block {
                Block::Include { label, target, line }
                    if label.contains("national-cloud")
                        || target.contains("national-cloud")
                        || target.contains("clouds") =>
                {
                    // The include files Graph's pages name, each a table of the clouds that serve
                    // the API: all four, or the global service with some of the others.
                    let [global, l4, l5, china] = NATIONAL_CLOUDS;
                    let file = target.rsplit('/').next().unwrap_or(target);
                    let served: Option<&[&str]> = match file {
                        "all-clouds.md" => Some(&NATIONAL_CLOUDS),
                        "global-us.md" => Some(&[global, l4, l5]),
                        "global-china.md" => Some(&[global, china]),
                        "global-only.md" => Some(&[global]),
                        _ => None,
                    };
                    if let Some(served) = served {
                        clouds = served.iter().map(|c| (*c).to_owned()).collect();
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
}

fn is_boilerplate(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.starts_with("namespace:")
        || lower.starts_with("important:")
        || lower.starts_with("note:")
        || lower.contains("national cloud deployments")
        || NATIONAL_CLOUDS.iter().all(|c| text.contains(c))
}

/// A heading or column header as lowering compares it: lower case, a no-break space (`&nbsp;`, which
/// the text keeps: it marks a workload sub-row) read as a space, as in `Permission&nbsp;type`.
fn label(text: &str) -> String {
    text.to_lowercase().replace('\u{a0}', " ")
}

fn strip_namespace(name: &str) -> &str {
    name.strip_prefix("microsoft.graph.").unwrap_or(name)
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

#[cfg(test)]
mod tests {
    use super::tables::possible_values;
    use super::*;

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
        // The v1.0 URL comes first: a beta page is told so, at that block's text; the later beta URL
        // neither adds a warning nor spares a v1.0 page one.
        assert_eq!(
            conflicts("api-reference/beta/api/widget-get.md"),
            [(12, "example URL says v1.0 but the page is beta".to_owned())]
        );
        assert_eq!(conflicts("api-reference/v1.0/api/widget-get.md"), []);
        // With no folder to say otherwise, the first URL sets the version: nothing conflicts.
        assert_eq!(conflicts("widget-get.md"), []);
    }

    #[test]
    fn the_response_sentence_says_whether_a_collection_is_answered() {
        let answered = |sentence: &str| {
            let page = format!(
                "# List widgets\n\n## HTTP request\n\n```http\nGET /widgets\n```\n\n\
                 ## Response\n\nIf successful, this method returns a `200 OK` {sentence} in the response body.\n"
            );
            let model = lower(
                "api-reference/v1.0/api/widget-list.md",
                PageFormat::Markdown,
                &crate::markdown::read(&page),
            );
            model.operation.and_then(|op| op.response.body).map(|body| body.to_string())
        };
        let widgets = Some("Collection(widget)".to_owned());
        assert_eq!(
            answered("response code and a collection of [widget](../resources/widget.md) objects"),
            widgets
        );
        assert_eq!(answered("response code and a [widget](../resources/widget.md) collection"), widgets);
        assert_eq!(
            answered("response code and a [widget](../resources/widget.md) object collection"),
            widgets
        );
        assert_eq!(
            answered("response code and a [widget](../resources/widget.md) object"),
            Some("widget".to_owned())
        );
    }

    #[test]
    fn the_status_is_read_whatever_the_case_of_its_reason_phrase() {
        let response = |sentence: &str| {
            let page = format!(
                "# Create widget\n\n## HTTP request\n\n```http\nPOST /widgets\n```\n\n\
                 ## Response\n\nIf successful, this method returns {sentence} in the response body.\n"
            );
            let model = lower(
                "api-reference/v1.0/api/widget-create.md",
                PageFormat::Markdown,
                &crate::markdown::read(&page),
            );
            model.operation.map(|op| (op.response.status, op.response.body.map(|body| body.to_string())))
        };
        let created = Some((201, Some("widget".to_owned())));
        assert_eq!(response("a `201 Created` response code and a [widget](widget.md) object"), created);
        assert_eq!(response("a `201 created` response code and a [widget](widget.md) object"), created);
        assert_eq!(response("a `204 no content` response code"), Some((204, None)));
        // Two statuses: the one the words `response code` follow.
        assert_eq!(
            response("a `200 or 201` response code and a [widget](widget.md) object").map(|r| r.0),
            Some(201)
        );
    }

    #[test]
    fn an_example_request_fenced_for_graph_explorer_is_read() {
        let page = "# Get widget\n\n## HTTP request\n\n```http\nGET /widgets/{id}\n```\n\n## Example\n\n\
                    <!-- {\"blockType\": \"request\", \"name\": \"get_widget\"} -->\n\
                    ```msgraph-interactive\nGET https://graph.microsoft.com/v1.0/widgets/1\n```\n\n\
                    ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{\"id\": \"1\"}\n```\n";
        let model =
            lower("api-reference/v1.0/api/widget-get.md", PageFormat::Markdown, &crate::markdown::read(page));
        let examples = model.operation.map(|op| op.examples).unwrap_or_default();
        let [example] = &examples[..] else { panic!("{examples:?}") };
        assert_eq!(example.name.as_deref(), Some("get_widget"));
        assert_eq!(example.request.as_ref().map(|request| request.path.as_str()), Some("/widgets/1"));
        assert_eq!(example.response.as_ref().map(|response| response.status), Some(200));
    }

    #[test]
    fn a_response_answers_the_real_request_of_its_block_not_a_template_listed_after_it() {
        let examples = |requests: &str| {
            let page = format!(
                "# Update widget\n\n## HTTP request\n\n```http\nPATCH /widgets/{{id}}\nPATCH /things/{{id}}/widget\n```\n\n\
                 ## Example\n\n{requests}\n\n```http\nHTTP/1.1 200 OK\n\n{{\"id\": \"1\"}}\n```\n"
            );
            let model = lower(
                "api-reference/beta/api/widget-update.md",
                PageFormat::Markdown,
                &crate::markdown::read(&page),
            );
            let examples = model.operation.map(|op| op.examples).unwrap_or_default();
            examples
                .iter()
                .map(|e| (e.request.as_ref().map(|r| r.path.clone()), e.response.is_some()))
                .collect::<Vec<_>>()
        };
        let real = || Some("/widgets/1".to_owned());
        let template = || Some("/things/{id}/widget".to_owned());
        // As intune-shared-devicecategory-update.md has it: the real request, then a template.
        assert_eq!(
            examples(
                "```http\nPATCH https://graph.microsoft.com/beta/widgets/1\n\n{\"a\": 1}\n\nPATCH /things/{id}/widget\n```"
            ),
            [(real(), true), (template(), false)]
        );
        // A template in a block of its own is the one answered.
        assert_eq!(
            examples("```http\nPATCH https://graph.microsoft.com/beta/widgets/1\n```\n\n```http\nPATCH /things/{id}/widget\n```"),
            [(real(), false), (template(), true)]
        );
    }

    #[test]
    fn query_options_are_read_from_prose_and_from_tables_of_parameters() {
        let options = |section: &str| {
            let page = format!(
                "# List widgets\n\n## HTTP request\n\n```http\nGET /widgets\n```\n\n\
                 ## Optional query parameters\n\n{section}\n\n## Response\n\n\
                 If successful, this method returns a `200 OK` response code and a collection of \
                 [widget](../resources/widget.md) objects in the response body.\n"
            );
            let model = lower(
                "api-reference/v1.0/api/widget-list.md",
                PageFormat::Markdown,
                &crate::markdown::read(&page),
            );
            let options = model.operation.map(|op| op.query_options).unwrap_or_default();
            options.into_iter().map(|o| (o.name, o.span.line)).collect::<Vec<_>>()
        };
        // Prose names the options it supports, as spelled, each once.
        assert_eq!(
            options("This method supports the `$filter`, `$orderBy` and `$levels` query parameters; `$ORDERBY` sorts."),
            [("$filter".to_owned(), 11), ("$orderBy".to_owned(), 11), ("$levels".to_owned(), 11)]
        );
        // A table names one parameter a row, `$` or not; with a `$` option named, the page says
        // which it supports, and the generic sentence adds no standard set.
        let listed = options(
            "This method supports the [OData query parameters](/graph/query-parameters) to help customize the response.\n\n\
             | Name | Description |\n|:--|:--|\n\
             | $deltatoken | From the `@odata.deltaLink` of the last round, with its `$skiptoken`. |\n\
             | startDateTime | The start of the range. |\n\
             | A sentence, not a name | No. |\n",
        );
        let names: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["$deltatoken", "$skiptoken", "startDateTime"]);
        // Parameters of the operation's own only: the standard set, and them.
        let own = options(
            "This method supports the [OData query parameters](/graph/query-parameters) to help customize the response.\n\n\
             | Parameter | Type | Description |\n|:--|:--|:--|\n| startDateTime | DateTimeOffset | The start. |\n",
        );
        let names: Vec<&str> = own.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "$select",
                "$expand",
                "$filter",
                "$orderby",
                "$top",
                "$skip",
                "$count",
                "$search",
                "startDateTime"
            ]
        );
        assert_eq!(listed.last().map(|(_, line)| *line), Some(16), "a row's option has the row's line");
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
