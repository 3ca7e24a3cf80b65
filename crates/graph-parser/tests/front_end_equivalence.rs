//! Both front ends on the same pages: each rendering in `graph-docs-plaintext` read as plain text, its
//! markdown original in `graph-docs` read as markdown, and the results compared twice:
//! - the blocks that matter: section headings, tables (header and cell texts), HTTP code blocks;
//! - the lowered page: its operation's method, paths, request body properties, permissions, response,
//!   examples, headers, query options and the types it declares.
//!
//! Every page must agree. The only exceptions are the description cells in [`DESCRIPTION_DIFFERENCES`],
//! each with the reason the two cannot agree; those cells (and what lowering derives from them) are
//! set aside on both sides and the rest of the page must still agree. The list is checked both ways:
//! an entry whose cells start to agree fails the test, so the list never outlives its reasons.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use graph_ir::{PageFormat, PageModel, Property, RequestBody, TypeRef};
use graph_parser::blocks::{Block, Document};
use graph_parser::{detect, markdown, parse_page, plaintext};

const PLAINTEXT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/graph-docs-plaintext");
const MARKDOWN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/graph-docs");

/// A space before closing punctuation is what the renderer writes after every inline element
/// (`` `a`, `b`. `` reads `a , b .`), so the plain-text reader removes it; where the original itself
/// has such a space, the rendering cannot show it.
const SPACE_IN_ORIGINAL: &str = "the original has a space before punctuation, which the rendering \
                                 cannot tell from the spaces it adds after inline elements";

/// A `|` in a description (`(*.mobileconfig | *.xml)`) ends the cell, and the row then has more cells
/// than its header: the renderer drops the excess, which the markdown front end keeps in the last cell.
const PIPE_IN_DESCRIPTION: &str =
    "the description has a `|`, which ends the cell: the renderer dropped the text \
                                   after it, which the markdown front end keeps";

/// Description cells that cannot agree: (page without extension, property name, reason).
const DESCRIPTION_DIFFERENCES: &[(&str, &str, &str)] = &[
    ("api-reference/beta/api/intune-deviceconfig-iosgeneraldeviceconfiguration-create", "definitionLookupBlocked", SPACE_IN_ORIGINAL),
    ("api-reference/beta/api/intune-deviceconfig-iosgeneraldeviceconfiguration-create", "wallpaperBlockModification", SPACE_IN_ORIGINAL),
    ("api-reference/beta/api/intune-deviceconfig-macosendpointprotectionconfiguration-create", "fileVaultSelectedRecoveryKeyTypes", SPACE_IN_ORIGINAL),
    (
        "api-reference/beta/api/intune-mam-windowsinformationprotectionpolicy-create",
        "pinSpecialCharacters",
        "the description lists punctuation after an unclosed backtick: the renderer (Python-Markdown) made the rest \
         code, and the plain text cannot tell its spaces before punctuation from those it adds after inline elements",
    ),
    ("api-reference/beta/api/intune-deviceconfig-ioscustomconfiguration-create", "payloadFileName", PIPE_IN_DESCRIPTION),
    ("api-reference/beta/api/intune-troubleshooting-devicemanagementtroubleshootingevent-create", "eventDateTime", SPACE_IN_ORIGINAL),
    ("api-reference/v1.0/api/intune-deviceconfig-ioscompliancepolicy-update", "deviceThreatProtectionEnabled", SPACE_IN_ORIGINAL),
];

/// Pages with no operation from either front end, and why.
const NO_OPERATION: &[(&str, &str)] = &[
    (
        "api-reference/beta/api/intune-partnerintegration-appvulnerabilitymanageddevice-delete",
        ENTITY_URI_NOT_FOUND,
    ),
    (
        "api-reference/beta/api/intune-partnerintegration-appvulnerabilitymobileapp-update",
        ENTITY_URI_NOT_FOUND,
    ),
    ("api-reference/beta/api/intune-partnerintegration-vulnerablemanageddevice-update", ENTITY_URI_NOT_FOUND),
];

const ENTITY_URI_NOT_FOUND: &str =
    "the original's HTTP block reads `** Entity URI for … not found`: there is no path to read";

/// One rendering with its original.
struct Pair {
    /// Path relative to the corpus, without extension.
    name: String,
    plain: String,
    markdown: String,
}

impl Pair {
    /// The property names whose description cells are known to differ on this page.
    fn differing_descriptions(&self) -> BTreeSet<&'static str> {
        DESCRIPTION_DIFFERENCES
            .iter()
            .filter(|(page, ..)| *page == self.name)
            .map(|(_, property, _)| *property)
            .collect()
    }
}

/// Every rendering with its original, in path order; `None` (with a note) when the corpus is absent.
fn page_pairs() -> Option<Vec<Pair>> {
    let root = Path::new(PLAINTEXT_DIR);
    if !root.is_dir() {
        println!("note: {PLAINTEXT_DIR} is absent; front-end equivalence not checked");
        return None;
    }
    let mut paths = Vec::new();
    common::files_with_extension(root, "txt", &mut paths);
    paths.sort();
    let pairs: Vec<Pair> = paths
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap_or(path).with_extension("");
            let original = Path::new(MARKDOWN_DIR).join(&relative).with_extension("md");
            Pair {
                name: relative.to_string_lossy().replace('\\', "/"),
                plain: std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                markdown: std::fs::read_to_string(&original).unwrap_or_else(|e| {
                    panic!("{}: {e} (a rendering without its original)", original.display())
                }),
            }
        })
        .collect();
    assert_eq!(pairs.len(), 400, "the plain-text corpus should hold 400 renderings");
    Some(pairs)
}

/// Runs `compare` on every page (it returns `(agree, agree once the listed descriptions are set
/// aside)`) and checks the outcome against [`DESCRIPTION_DIFFERENCES`].
fn check_every_page(what: &str, compare: impl Fn(&Pair) -> (Result<(), String>, Result<(), String>)) {
    let Some(pairs) = page_pairs() else { return };
    let mut failures = Vec::new();
    let mut agree = 0;
    for pair in &pairs {
        let listed = !pair.differing_descriptions().is_empty();
        match (compare(pair), listed) {
            ((Ok(()), _), false) => agree += 1,
            ((Ok(()), _), true) => {
                failures.push(format!("{}: listed in DESCRIPTION_DIFFERENCES but agrees", pair.name))
            }
            ((Err(_), Ok(())), true) => {}
            ((Err(why), _), false) | ((Err(_), Err(why)), true) => {
                failures.push(format!("{}: {why}", pair.name))
            }
        }
    }
    let listed_pages: BTreeSet<&str> = DESCRIPTION_DIFFERENCES.iter().map(|(page, ..)| *page).collect();
    println!(
        "{what}: {agree} of {} pages agree; the other {} agree once their listed description cells are set aside",
        pairs.len(),
        listed_pages.len()
    );
    assert!(failures.is_empty(), "{what}: {} pages disagree:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(agree + listed_pages.len(), pairs.len(), "{what}: a listed page is missing from the corpus");
}

/// The parts of a page's blocks both front ends must agree on.
#[derive(Debug, PartialEq)]
struct BlockShape {
    /// Section headings (level 2 and below) in page order.
    headings: Vec<(u8, String)>,
    /// Each table's header texts and row texts.
    tables: Vec<(Vec<String>, Vec<Vec<String>>)>,
    /// The text of each `http` code block.
    http: Vec<String>,
}

/// The block shape, with the last cell of the rows named in `set_aside` emptied.
fn block_shape(document: &Document, set_aside: &BTreeSet<&str>) -> BlockShape {
    let mut shape = BlockShape { headings: Vec::new(), tables: Vec::new(), http: Vec::new() };
    for block in &document.blocks {
        match block {
            Block::Heading { level, text, .. } if *level >= 2 => shape.headings.push((*level, text.clone())),
            Block::Table { header, rows, .. } => shape.tables.push((
                header.iter().map(|cell| cell.text.clone()).collect(),
                rows.iter()
                    .map(|row| {
                        let mut texts: Vec<String> = row.cells.iter().map(|cell| cell.text.clone()).collect();
                        if texts.first().is_some_and(|name| set_aside.contains(name.as_str())) {
                            if let Some(description) = texts.last_mut() {
                                *description = "(set aside)".into();
                            }
                        }
                        texts
                    })
                    .collect(),
            )),
            Block::Code { info, text, .. } if info == "http" => shape.http.push(text.clone()),
            _ => {}
        }
    }
    shape
}

/// The first difference between two block shapes, in words.
fn block_difference(plain: &BlockShape, markdown: &BlockShape) -> Result<(), String> {
    if plain == markdown {
        return Ok(());
    }
    if plain.headings != markdown.headings {
        return Err(format!(
            "headings:\n  plain text {:?}\n  markdown   {:?}",
            plain.headings, markdown.headings
        ));
    }
    for (index, (p, m)) in plain.tables.iter().zip(&markdown.tables).enumerate() {
        if p.0 != m.0 {
            return Err(format!("table {index} header:\n  plain text {:?}\n  markdown   {:?}", p.0, m.0));
        }
        let rows: Vec<String> =
            p.1.iter()
                .zip(&m.1)
                .enumerate()
                .filter(|(_, (pr, mr))| pr != mr)
                .map(|(row, (pr, mr))| {
                    format!("table {index} row {row}:\n  plain text {pr:?}\n  markdown   {mr:?}")
                })
                .collect();
        if !rows.is_empty() {
            return Err(rows.join("\n"));
        }
        if p.1.len() != m.1.len() {
            return Err(format!(
                "table {index}: {} rows in plain text, {} in markdown",
                p.1.len(),
                m.1.len()
            ));
        }
    }
    for (index, (p, m)) in plain.http.iter().zip(&markdown.http).enumerate() {
        if p != m {
            return Err(format!("http block {index}:\n  plain text {p:?}\n  markdown   {m:?}"));
        }
    }
    Err(format!(
        "{} tables and {} http blocks in plain text, {} and {} in markdown",
        plain.tables.len(),
        plain.http.len(),
        markdown.tables.len(),
        markdown.http.len()
    ))
}

/// A lowered page as a generator sees it, in comparable form.
#[derive(Debug, PartialEq)]
struct PageShape {
    kind: String,
    version: String,
    title: Option<String>,
    operation: Option<OperationShape>,
    /// (name, property count) of each type the page declares or reveals.
    types: Vec<(String, usize)>,
}

#[derive(Debug, PartialEq)]
struct OperationShape {
    name: String,
    kind: String,
    title: String,
    description: Option<String>,
    method: String,
    paths: Vec<String>,
    request_headers: Vec<(String, String, bool)>,
    query_options: Vec<String>,
    /// The body's kind and its documented properties or parameters.
    request_body: Option<(&'static str, Vec<PropertyShape>)>,
    permission_order: String,
    /// (kind, workload, scopes) per entry.
    permissions: Vec<String>,
    response: (u16, Option<String>),
    /// (request URL and body) → (response status and body), per example.
    examples: Vec<String>,
    national_clouds: Vec<String>,
}

#[derive(Debug, PartialEq)]
struct PropertyShape {
    name: String,
    type_ref: String,
    /// The description and everything lowering reads from it (read-only, required, possible values).
    from_description: String,
}

fn page_shape(model: &PageModel, set_aside: &BTreeSet<&str>) -> PageShape {
    let properties = |list: &[Property]| {
        list.iter()
            .map(|p| PropertyShape {
                name: p.name.clone(),
                type_ref: format!("{:?}", p.type_ref),
                from_description: if set_aside.contains(p.name.as_str()) {
                    "(set aside)".into()
                } else {
                    format!("{:?} {:?} {:?} {:?}", p.description, p.read_only, p.required, p.possible_values)
                },
            })
            .collect::<Vec<_>>()
    };
    let operation = model.operation.as_ref().map(|operation| OperationShape {
        name: operation.name.clone(),
        kind: format!("{:?}", operation.kind),
        title: operation.title.clone(),
        description: operation.description.clone(),
        method: operation.method.as_str().to_owned(),
        paths: operation.paths.iter().map(|path| path.raw.clone()).collect(),
        request_headers: operation
            .request_headers
            .iter()
            .map(|h| (h.name.clone(), h.description.clone(), h.required))
            .collect(),
        query_options: operation.query_options.iter().map(|q| q.name.clone()).collect(),
        request_body: operation.request_body.as_ref().map(|body| match body {
            RequestBody::Resource { properties: list, .. } => ("resource", properties(list)),
            RequestBody::Parameters { parameters, .. } => ("parameters", properties(parameters)),
        }),
        permission_order: format!("{:?}", operation.permissions.order),
        permissions: operation
            .permissions
            .entries
            .iter()
            .map(|e| format!("{:?} {:?} {:?}", e.kind, e.workload, e.scopes))
            .collect(),
        response: (
            operation.response.status,
            operation.response.body.as_ref().map(|body| format!("{body:?}")),
        ),
        examples: operation
            .examples
            .iter()
            .map(|example| {
                let request = example.request.as_ref().map(|r| (&r.url, &r.body));
                let response = example.response.as_ref().map(|r| (r.status, &r.body));
                format!("{request:?} -> {response:?}")
            })
            .collect(),
        national_clouds: operation.national_clouds.clone(),
    });
    // An enum type lowering builds from a set-aside description's "Possible values" is set aside too.
    let derived_from_set_aside: BTreeSet<String> = model
        .operation
        .iter()
        .flat_map(|operation| match &operation.request_body {
            Some(RequestBody::Resource { properties, .. }) => properties.as_slice(),
            Some(RequestBody::Parameters { parameters, .. }) => parameters.as_slice(),
            None => &[],
        })
        .filter(|p| set_aside.contains(p.name.as_str()))
        .filter_map(|p| match &p.type_ref {
            TypeRef::Named(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    PageShape {
        kind: format!("{:?}", model.summary.kind),
        version: format!("{:?}", model.summary.version),
        title: model.summary.title.clone(),
        operation,
        types: model
            .types
            .iter()
            .filter(|t| !derived_from_set_aside.contains(&t.name))
            .map(|t| (t.name.clone(), t.properties.len()))
            .collect(),
    }
}

fn page_difference(plain: &PageShape, markdown: &PageShape) -> Result<(), String> {
    if plain == markdown {
        return Ok(());
    }
    Err(format!("\n  plain text {plain:#?}\n  markdown   {markdown:#?}"))
}

#[test]
fn renderings_and_originals_are_detected_as_what_they_are() {
    let Some(pairs) = page_pairs() else { return };
    for pair in &pairs {
        assert_eq!(detect::detect_format(&pair.plain), PageFormat::PlainText, "{}.txt", pair.name);
        assert_eq!(detect::detect_format(&pair.markdown), PageFormat::Markdown, "{}.md", pair.name);
    }
}

#[test]
fn both_front_ends_give_the_same_headings_tables_and_http_blocks() {
    check_every_page("blocks", |pair| {
        let (from_text, from_markdown) = (plaintext::read(&pair.plain), markdown::read(&pair.markdown));
        let whole = block_difference(
            &block_shape(&from_text, &BTreeSet::new()),
            &block_shape(&from_markdown, &BTreeSet::new()),
        );
        let set_aside = pair.differing_descriptions();
        let rest =
            block_difference(&block_shape(&from_text, &set_aside), &block_shape(&from_markdown, &set_aside));
        (whole, rest)
    });
}

#[test]
fn both_front_ends_lower_to_the_same_operation() {
    check_every_page("lowered pages", |pair| {
        let from_text = parse_page(&format!("{}.txt", pair.name), pair.plain.as_bytes());
        let from_markdown = parse_page(&format!("{}.md", pair.name), pair.markdown.as_bytes());
        assert_eq!(from_text.summary.format, PageFormat::PlainText, "{}", pair.name);
        let whole = page_difference(
            &page_shape(&from_text, &BTreeSet::new()),
            &page_shape(&from_markdown, &BTreeSet::new()),
        );
        let set_aside = pair.differing_descriptions();
        let rest =
            page_difference(&page_shape(&from_text, &set_aside), &page_shape(&from_markdown, &set_aside));
        (whole, rest)
    });
}

#[test]
fn pages_without_an_operation_are_the_listed_ones() {
    let Some(pairs) = page_pairs() else { return };
    let expected: BTreeSet<&str> = NO_OPERATION.iter().map(|(page, _)| *page).collect();
    let mut missing = BTreeSet::new();
    for pair in &pairs {
        for (format, text) in [("txt", &pair.plain), ("md", &pair.markdown)] {
            if parse_page(&format!("{}.{format}", pair.name), text.as_bytes()).operation.is_none() {
                missing.insert(pair.name.as_str());
            }
        }
    }
    assert_eq!(missing, expected);
}

/// In both front ends a path's span is the line of its request line, an example request's is its
/// request line and an example response's its status line: code blocks' lines are counted alike
/// whether a fence opens them or not.
#[test]
fn paths_and_examples_point_at_their_own_lines_in_both_front_ends() {
    let Some(pairs) = page_pairs() else { return };
    let mut wrong = Vec::new();
    let mut checked = 0;
    for pair in &pairs {
        for (format, text) in [("txt", &pair.plain), ("md", &pair.markdown)] {
            let file = format!("{}.{format}", pair.name);
            let Some(op) = parse_page(&file, text.as_bytes()).operation else { continue };
            let line_at = |line: u32| text.lines().nth(line as usize - 1).unwrap_or_default().trim();
            let method = op.method.as_str();
            let requests = op.examples.iter().filter_map(|example| example.request.as_ref());
            let mut spans: Vec<(u32, String)> =
                op.paths.iter().map(|path| (path.span.line, method.to_owned())).collect();
            spans.extend(requests.map(|request| (request.span.line, request.method.as_str().to_owned())));
            let responses = op.examples.iter().filter_map(|example| example.response.as_ref());
            spans.extend(responses.map(|response| (response.span.line, "HTTP/".to_owned())));
            for (line, start) in spans {
                checked += 1;
                if !line_at(line).to_ascii_uppercase().starts_with(&start) {
                    wrong.push(format!("{file}:{line} should start with {start}: {:?}", line_at(line)));
                }
            }
        }
    }
    assert!(checked > 2_000, "only {checked} spans checked");
    assert!(wrong.is_empty(), "{} spans point elsewhere:\n{}", wrong.len(), wrong.join("\n"));
}
