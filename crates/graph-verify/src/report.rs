//! The fidelity report: the model compared with the service CSDL, per version and category, with every
//! disagreement on one line, classified.
//!
//! Classes: `doc-only` (the pages say something the service lacks), `parser-missed` (the page has it,
//! the model does not), `metadata-only` (the service has it, no page says it). Figures are ratios of
//! counts; [`DEFINITIONS`] says what each counts, and the printed report repeats it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use graph_ir::{Api, ApiVersion, HttpMethod, Primitive, RequestBody, Span, TypeDef, TypeKind, TypeRef};
use serde::{Deserialize, Serialize};

use crate::csdl::{short_name, Csdl, CsdlTypeRef, StructuredKind, StructuredType};
use crate::request_lines::{self, RequestLine};
use crate::resolve;
use crate::Metadata;

/// Each figure's name and what its numerator and denominator count, in report order.
pub const DEFINITIONS: [(&str, &str); 20] = [
    ("api_pages.complete", "API pages (a request line in their HTTP request section) with every request line a method and path of the operations they describe / API pages"),
    ("request_lines.recall", "request lines in the pages' HTTP request blocks whose method and path the model has / request lines"),
    ("request_lines.resolved", "request lines whose path resolves against the metadata / request lines"),
    ("paths.precision", "distinct path templates of the model that resolve against the metadata / distinct path templates"),
    ("operations.precision", "(method, path) pairs of the model whose resolved target accepts the method / pairs whose path resolves"),
    ("operations.recall", "bound actions and functions (binding type reached by a path or documented) that a model path calls / those actions and functions"),
    ("responses.precision", "model operations with a response body whose element type is the type the path names (itself, a base or a derived type; an action's or function's return type) / model operations with a response body and a resolving path"),
    ("narrowed.precision", "model `GET`s narrowed to their own types whose path the metadata types as a base of that type (the service answers other types there) / narrowed `GET`s with a resolving path"),
    ("narrowed.recall", "model `GET`s answering a documented object type at a path the metadata types as a base of it that are narrowed / such `GET`s"),
    ("operation_parameters.precision", "parameters a model operation lists (a parameters body) that the action or function its path calls declares (best-fitting overload) / those parameters"),
    ("operation_parameters.recall", "parameters of the actions and functions model operations call (with a parameters body) that the model operation lists / those parameters"),
    ("types.precision", "model types that the metadata has (by name; a differing kind is listed) / model types"),
    ("types.recall", "metadata types next to the documented ones (themselves, their property, base (but `entity`) and derived types, types paths reach) that the model has / those types"),
    ("properties.precision", "properties the model lists on a type that the metadata type (or a base) has / properties of model types found in the metadata"),
    ("properties.recall", "properties and navigations declared on a metadata type that the model type (or a base) lists / those of metadata types the model has"),
    ("property_types.precision", "properties found on both sides whose types agree / properties found on both sides"),
    ("base_types.precision", "model types stating a base whose base agrees with the metadata / model types (found in the metadata) stating a base"),
    ("base_types.recall", "metadata types with a base other than `entity` whose model type states that base / such metadata types the model has"),
    ("enum_members.precision", "members of model enums that the metadata enum has / members of model enums found in the metadata"),
    ("enum_members.recall", "members of metadata enums that the model enum has / members of metadata enums the model has"),
];

/// How a disagreement is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The doc says what the service lacks.
    DocOnly,
    /// The page has it but the model does not.
    ParserMissed,
    /// Only the metadata has it.
    MetadataOnly,
    /// The model says what neither the page's text nor the metadata says: a parser error.
    ParserWrong,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::DocOnly => "doc-only",
            Class::ParserMissed => "parser-missed",
            Class::MetadataOnly => "metadata-only",
            Class::ParserWrong => "parser-wrong",
        }
    }
}

/// One disagreement. `span` points into a page, or into the metadata file for metadata-only items.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Disagreement {
    pub version: ApiVersion,
    /// The category: the part of a figure name before the dot (`request_lines`, `properties`, …).
    pub category: String,
    pub class: Class,
    pub span: Span,
    pub message: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<13} {}:{}: [{} {}] {}",
            self.class.as_str(),
            self.span.file,
            self.span.line,
            self.version.as_str(),
            self.category,
            self.message
        )
    }
}

/// A ratio of two counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub numerator: usize,
    pub denominator: usize,
    /// `numerator / denominator`, or 1 when there is nothing to count.
    pub ratio: f64,
}

impl Figure {
    fn new(numerator: usize, denominator: usize) -> Figure {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let ratio = if denominator == 0 { 1.0 } else { numerator as f64 / denominator as f64 };
        Figure { numerator, denominator, ratio }
    }
}

/// The figures of one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionReport {
    pub version: Option<ApiVersion>,
    pub metadata_file: String,
    /// By name (see [`DEFINITIONS`]).
    pub figures: BTreeMap<String, Figure>,
    /// Request lines that resolve only leniently: through a derived type's member (no cast), or
    /// case-insensitively, or with call arguments the function does not declare.
    pub lenient_resolutions: BTreeMap<String, usize>,
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub versions: Vec<VersionReport>,
    /// Versions that have pages but no metadata file: not checked.
    pub unchecked_versions: Vec<String>,
    /// Sorted by version, category, class, span, message.
    pub disagreements: Vec<Disagreement>,
}

/// The headline figures, for CI floors: scope (`beta`, `v1.0`, `all`) → figure name → figure.
pub type Summary = BTreeMap<String, BTreeMap<String, Figure>>;

impl Report {
    /// The figures per version and summed over versions (`all`), plus disagreement counts per class
    /// (as `disagreements.<class>` with the count in `numerator`).
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::new();
        let mut totals: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for version in &self.versions {
            let scope = version.version.map_or("unknown", ApiVersion::as_str);
            summary.insert(scope.to_owned(), version.figures.clone());
            for (name, figure) in &version.figures {
                let total = totals.entry(name.clone()).or_default();
                total.0 += figure.numerator;
                total.1 += figure.denominator;
            }
        }
        let mut all: BTreeMap<String, Figure> = totals
            .into_iter()
            .map(|(name, (numerator, denominator))| (name, Figure::new(numerator, denominator)))
            .collect();
        for class in [Class::DocOnly, Class::ParserMissed, Class::MetadataOnly, Class::ParserWrong] {
            let count = self.disagreements.iter().filter(|d| d.class == class).count();
            all.insert(
                format!("disagreements.{}", class.as_str()),
                Figure::new(count, self.disagreements.len()),
            );
        }
        summary.insert("all".to_owned(), all);
        summary
    }

    /// The summary as pretty JSON.
    pub fn summary_json(&self) -> String {
        serde_json::to_string_pretty(&self.summary()).unwrap_or_default()
    }
}

/// Floors for [`Report::summary`] ratios: scope → figure name → lowest accepted ratio.
pub type Floors = BTreeMap<String, BTreeMap<String, f64>>;

/// Every floor the summary does not reach (or lacks), one message each.
pub fn below_floors(summary: &Summary, floors: &Floors) -> Vec<String> {
    let mut failures = Vec::new();
    for (scope, figures) in floors {
        for (name, floor) in figures {
            match summary.get(scope).and_then(|figures| figures.get(name)) {
                // A figure with nothing to count reads 1, but on the corpus it means that what it
                // counts (response bodies, parameter tables) is no longer extracted at all.
                Some(figure) if figure.denominator == 0 => failures.push(format!(
                    "{scope} {name}: counted nothing (0 / 0): what it counts is no longer found"
                )),
                Some(figure) if figure.ratio + 1e-9 >= *floor => {}
                Some(figure) => failures.push(format!(
                    "{scope} {name}: {:.4} ({} / {}) is below the floor {floor:.4}",
                    figure.ratio, figure.numerator, figure.denominator
                )),
                None => failures.push(format!("{scope} {name}: no such figure in the summary")),
            }
        }
    }
    failures
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Fidelity of the model against the service metadata")?;
        let summary = self.summary();
        let mut scopes: Vec<(&str, &str)> = self
            .versions
            .iter()
            .map(|v| (v.version.map_or("unknown", ApiVersion::as_str), v.metadata_file.as_str()))
            .collect();
        scopes.push(("all", "all versions"));
        for (scope, file) in scopes {
            writeln!(f, "\n{scope} ({file})")?;
            let Some(figures) = summary.get(scope) else { continue };
            for (name, _) in DEFINITIONS {
                if let Some(figure) = figures.get(name) {
                    writeln!(
                        f,
                        "  {name:<30} {:>7} / {:<7} {:>7.2}%",
                        figure.numerator,
                        figure.denominator,
                        figure.ratio * 100.0
                    )?;
                }
            }
        }
        for version in &self.versions {
            for (kind, count) in &version.lenient_resolutions {
                let scope = version.version.map_or("unknown", ApiVersion::as_str);
                writeln!(f, "\n{scope}: {count} request lines resolve only {kind}")?;
            }
        }
        for scope in &self.unchecked_versions {
            writeln!(f, "\n{scope}: no metadata file; not checked")?;
        }
        writeln!(f, "\nDefinitions (numerator / denominator):")?;
        for (name, definition) in DEFINITIONS {
            writeln!(f, "  {name}: {definition}")?;
        }
        let count = |class| self.disagreements.iter().filter(|d| d.class == class).count();
        writeln!(
            f,
            "\nDisagreements: {} ({} doc-only, {} parser-missed, {} metadata-only, {} parser-wrong)",
            self.disagreements.len(),
            count(Class::DocOnly),
            count(Class::ParserMissed),
            count(Class::MetadataOnly),
            count(Class::ParserWrong)
        )?;
        writeln!(
            f,
            "  doc-only: the pages say what the service lacks; parser-missed: the page says it, the model lacks it;\n  \
             metadata-only: only the service has it; parser-wrong: the model says what neither says"
        )?;
        for disagreement in &self.disagreements {
            writeln!(f, "{disagreement}")?;
        }
        Ok(())
    }
}

/// Compares `api` (built from `pages`) with `metadata`. `pages` are the input pages (path as in the
/// model's spans, bytes as read): their HTTP blocks are scanned for the request-line figures, and their
/// text is searched to tell a parser miss from a metadata-only item.
pub fn verify<'a>(
    api: &Api,
    pages: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    metadata: &Metadata,
) -> Report {
    let texts: BTreeMap<String, String> = pages
        .into_iter()
        .map(|(path, bytes)| (path.to_owned(), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let page_versions: BTreeMap<&str, ApiVersion> =
        api.pages.iter().filter_map(|page| Some((page.file.as_str(), page.version?))).collect();
    let mut lines_by_version: BTreeMap<ApiVersion, Vec<RequestLine>> = BTreeMap::new();
    for (path, text) in &texts {
        let Some(version) = page_versions.get(path.as_str()).copied().or_else(|| version_from_path(path))
        else {
            continue;
        };
        lines_by_version.entry(version).or_default().extend(request_lines::scan(path, text));
    }
    let mut report = Report::default();
    let versions: BTreeSet<ApiVersion> = lines_by_version
        .keys()
        .copied()
        .chain(api.operations.iter().map(|o| o.version))
        .chain(api.types.iter().map(|t| t.version))
        .collect();
    for version in versions {
        let Some(csdl) = metadata.versions.get(&version) else {
            report.unchecked_versions.push(version.as_str().to_owned());
            continue;
        };
        let other = metadata.versions.iter().find(|(v, _)| **v != version);
        let mut check = VersionCheck {
            version,
            csdl,
            other: other.map(|(v, csdl)| (*v, csdl)),
            api,
            texts: &texts,
            figures: BTreeMap::new(),
            lenient: BTreeMap::new(),
            disagreements: Vec::new(),
            written_paths: BTreeSet::new(),
            reached: BTreeSet::new(),
            called: BTreeSet::new(),
            written_calls: BTreeSet::new(),
        };
        check.request_lines(lines_by_version.get(&version).map_or(&[], Vec::as_slice));
        check.paths_and_operations();
        check.types();
        report.disagreements.append(&mut check.disagreements);
        report.versions.push(VersionReport {
            version: Some(version),
            metadata_file: csdl.file.clone(),
            figures: check.figures,
            lenient_resolutions: check.lenient,
        });
    }
    let category_order = |category: &str| DEFINITIONS.iter().position(|(name, _)| name.starts_with(category));
    report.disagreements.sort_by(|a, b| {
        (a.version, category_order(&a.category), a.class, &a.span, &a.message).cmp(&(
            b.version,
            category_order(&b.category),
            b.class,
            &b.span,
            &b.message,
        ))
    });
    report.disagreements.dedup();
    report
}

fn version_from_path(path: &str) -> Option<ApiVersion> {
    let parts: Vec<&str> = path.split(['/', '-']).collect();
    if parts.contains(&"beta") {
        Some(ApiVersion::Beta)
    } else if parts.contains(&"v1.0") {
        Some(ApiVersion::V1_0)
    } else {
        None
    }
}

/// The comparison of one version.
struct VersionCheck<'a> {
    version: ApiVersion,
    csdl: &'a Csdl,
    /// The other version's metadata, to say "resolves in beta" about a v1.0 line.
    other: Option<(ApiVersion, &'a Csdl)>,
    api: &'a Api,
    texts: &'a BTreeMap<String, String>,
    figures: BTreeMap<String, Figure>,
    lenient: BTreeMap<String, usize>,
    disagreements: Vec<Disagreement>,
    /// Paths written in the version's request lines (to tell a model path the pages never write).
    written_paths: BTreeSet<String>,
    /// Qualified entity types that resolved model paths go through.
    reached: BTreeSet<String>,
    /// Actions and functions that resolved model paths call: (qualified name, binding type, collection).
    called: BTreeSet<(String, String, bool)>,
    /// The same for the pages' own request lines: one of them the model does not call is the
    /// parser's miss, not the metadata's alone.
    written_calls: BTreeSet<(String, String, bool)>,
}

impl VersionCheck<'_> {
    fn figure(&mut self, name: &str, numerator: usize, denominator: usize) {
        self.figures.insert(name.to_owned(), Figure::new(numerator, denominator));
    }

    fn disagree(&mut self, category: &str, class: Class, span: Span, message: String) {
        self.disagreements.push(Disagreement {
            version: self.version,
            category: category.to_owned(),
            class,
            span,
            message,
        });
    }

    /// Whether one of `sources` names the type `name`: is its resource page, links to it (`[name]`),
    /// writes `microsoft.graph.name`, or puts it in backticks or a table cell.
    fn pages_name_type(&self, sources: &[Span], name: &str) -> bool {
        let needles = [
            format!("[{name}]"),
            format!("microsoft.graph.{name}"),
            format!("`{name}`"),
            format!("|{name}|"),
        ];
        sources.iter().any(|source| {
            let stem = source.file.rsplit('/').next().unwrap_or_default();
            let stem = stem.rsplit_once('.').map_or(stem, |(stem, _)| stem);
            stem.rsplit('-').next().is_some_and(|last| last.eq_ignore_ascii_case(name))
                || self
                    .texts
                    .get(&*source.file)
                    .is_some_and(|text| needles.iter().any(|needle| text.contains(needle.as_str())))
        })
    }

    fn metadata_span(&self, line: u32) -> Span {
        Span::new(self.csdl.file.clone(), line)
    }

    /// Request lines of the pages: extracted by the parser? resolved by the metadata? Each unresolved
    /// line is reported with the first segment that fails and why.
    fn request_lines(&mut self, lines: &[RequestLine]) {
        let extracted_paths: BTreeSet<(HttpMethod, &str)> = self
            .api
            .operations
            .iter()
            .filter(|operation| operation.version == self.version)
            .flat_map(|operation| {
                operation.paths.iter().map(move |path| (operation.method, path.raw.as_str()))
            })
            .collect();
        let (mut extracted, mut resolved) = (0, 0);
        for line in lines {
            let written = format!("{} {}", line.method.as_str(), line.target);
            let Some(path) = line.path() else {
                let message = format!("`{written}`: the request line names no path");
                self.disagree("request_lines", Class::DocOnly, line.span.clone(), message);
                continue;
            };
            if extracted_paths.contains(&(line.method, path)) {
                extracted += 1;
            }
            self.written_paths.insert(path.to_owned());
            let segments = match graph_parser::paths::parse_path(path) {
                Ok(segments) => segments,
                Err(error) => {
                    let message = format!("`{written}`: not a path template: the path {error}");
                    self.disagree("request_lines", Class::DocOnly, line.span.clone(), message);
                    continue;
                }
            };
            if !extracted_paths.contains(&(line.method, path)) {
                let message = format!("`{written}`: the model has no operation with this method and path");
                self.disagree("request_lines", Class::ParserMissed, line.span.clone(), message);
            }
            match resolve::resolve(self.csdl, &segments) {
                Ok(found) => {
                    resolved += 1;
                    self.written_calls.extend(found.operations.iter().cloned());
                    let kinds: BTreeSet<&str> = found
                        .notes
                        .iter()
                        .map(|note| match note {
                            resolve::Note::ViaDerivedType { .. } => {
                                "through a derived type's member (no cast)"
                            }
                            resolve::Note::CaseDiffers { .. } => "case-insensitively",
                            resolve::Note::ArgumentsDiffer { .. } => {
                                "with call arguments the function does not declare"
                            }
                        })
                        .collect();
                    for kind in kinds {
                        *self.lenient.entry(kind.to_owned()).or_default() += 1;
                    }
                }
                Err(unresolved) => {
                    let elsewhere = match self.other {
                        Some((other, csdl)) if resolve::resolve(csdl, &segments).is_ok() => {
                            format!(
                                " (resolves in {}: the page describes a {}-only path)",
                                other.as_str(),
                                other.as_str()
                            )
                        }
                        _ => String::new(),
                    };
                    let message = format!("`{written}` does not resolve: {unresolved}{elsewhere}");
                    self.disagree("request_lines", Class::DocOnly, line.span.clone(), message);
                }
            }
        }
        self.figure("request_lines.recall", extracted, lines.len());
        self.figure("request_lines.resolved", resolved, lines.len());
        self.api_pages(lines);
    }

    /// Whether each API page yields its operation with every path its request lines write: each line
    /// must be the method and a path of an operation the page is a source of (an operation two pages
    /// describe has both as sources), not merely of some operation elsewhere in the model.
    fn api_pages(&mut self, lines: &[RequestLine]) {
        let mut described: BTreeMap<&str, BTreeSet<(HttpMethod, &str)>> = BTreeMap::new();
        for operation in self.api.operations.iter().filter(|operation| operation.version == self.version) {
            let files: BTreeSet<&str> = operation.sources.iter().map(|span| &*span.file).collect();
            for file in files {
                let pairs = described.entry(file).or_default();
                pairs.extend(operation.paths.iter().map(|path| (operation.method, path.raw.as_str())));
            }
        }
        let mut by_page: BTreeMap<&str, Vec<&RequestLine>> = BTreeMap::new();
        for line in lines {
            by_page.entry(&*line.span.file).or_default().push(line);
        }
        let mut complete = 0;
        for (file, page_lines) in &by_page {
            let pairs = described.get(file);
            let missing: Vec<&RequestLine> = page_lines
                .iter()
                .copied()
                .filter(|line| {
                    !line
                        .path()
                        .is_some_and(|path| pairs.is_some_and(|pairs| pairs.contains(&(line.method, path))))
                })
                .collect();
            let Some(first) = missing.first() else {
                complete += 1;
                continue;
            };
            // A line naming no path template documents nothing to extract; any other is a miss.
            let documents_a_path = |line: &&RequestLine| {
                line.path().is_some_and(|path| graph_parser::paths::parse_path(path).is_ok())
            };
            let class =
                if missing.iter().any(documents_a_path) { Class::ParserMissed } else { Class::DocOnly };
            let written: Vec<String> =
                missing.iter().map(|line| format!("`{} {}`", line.method.as_str(), line.target)).collect();
            let message = format!(
                "{} of the page's {} request lines {} not the method and a path of an operation from this page: {}",
                missing.len(),
                page_lines.len(),
                if missing.len() == 1 { "is" } else { "are" },
                written.join(", ")
            );
            self.disagree("api_pages", class, first.span.clone(), message);
        }
        self.figure("api_pages.complete", complete, by_page.len());
    }

    /// The model's paths and (method, path) pairs, and the bound operations no path calls.
    fn paths_and_operations(&mut self) {
        let mut outcomes: BTreeMap<&str, (Result<resolve::Resolved, resolve::Unresolved>, &Span)> =
            BTreeMap::new();
        let mut pairs: Vec<(HttpMethod, &str, &Span)> = Vec::new();
        for operation in self.api.operations.iter().filter(|o| o.version == self.version) {
            for path in &operation.paths {
                outcomes
                    .entry(path.raw.as_str())
                    .or_insert_with(|| (resolve::resolve(self.csdl, &path.segments), &path.span));
                pairs.push((operation.method, path.raw.as_str(), &path.span));
            }
        }
        let resolved_paths = outcomes.values().filter(|(outcome, _)| outcome.is_ok()).count();
        self.figure("paths.precision", resolved_paths, outcomes.len());
        for (raw, (outcome, span)) in &outcomes {
            let found = match outcome {
                Ok(found) => found,
                // A path some request line writes is already explained under request_lines.
                Err(unresolved) if !self.written_paths.contains(*raw) => {
                    let message =
                        format!("`{raw}` is in no page's request lines, and does not resolve: {unresolved}");
                    self.disagree("paths", Class::ParserWrong, (*span).clone(), message);
                    continue;
                }
                Err(_) => continue,
            };
            self.reached.extend(found.visited.iter().cloned());
            for (name, binding, collection) in &found.operations {
                self.called.insert((name.clone(), binding.clone(), *collection));
            }
        }
        let (mut accepted, mut resolving) = (0, 0);
        for (method, raw, span) in pairs {
            let Some((Ok(found), _)) = outcomes.get(raw) else { continue };
            resolving += 1;
            if found.target.accepts(method) {
                accepted += 1;
            } else {
                let message = format!(
                    "`{} {raw}`: the path names {}, which takes {}",
                    method.as_str(),
                    found.target,
                    found.target.accepted_methods()
                );
                self.disagree("operations", Class::DocOnly, span.clone(), message);
            }
        }
        self.figure("operations.precision", accepted, resolving);
        self.operation_parameters(&outcomes);
        self.responses(&outcomes);
        self.narrowed(&outcomes);

        let documented: BTreeSet<String> = self
            .api
            .types
            .iter()
            .filter(|t| t.version == self.version)
            .filter_map(|t| self.csdl.qualified_name(&t.namespace, &t.name).map(str::to_owned))
            .collect();
        // An operation is a name bound to a type: its overloads count once, as a call does not
        // say which of them a page documents when it writes no arguments.
        let (mut called, mut universe) = (0, 0);
        let mut counted: BTreeSet<(&str, &str, bool)> = BTreeSet::new();
        for operation in &self.csdl.operations {
            let Some(binding) = &operation.binding else { continue };
            if !self.reached.contains(&binding.name) && !documented.contains(&binding.name) {
                continue;
            }
            if !counted.insert((&operation.name, &binding.name, binding.collection)) {
                continue;
            }
            universe += 1;
            let call = (operation.name.clone(), binding.name.clone(), binding.collection);
            if self.called.contains(&call) {
                called += 1;
            } else if self.written_calls.contains(&call) {
                let message = format!(
                    "{} {} bound to {binding}: a page's request line calls it, but no path of the model does",
                    operation.kind.as_str(),
                    short_name(&operation.name)
                );
                self.disagree("operations", Class::ParserMissed, self.metadata_span(operation.line), message);
            } else {
                let message = format!(
                    "{} {} bound to {binding}: no page's path calls it",
                    operation.kind.as_str(),
                    short_name(&operation.name)
                );
                self.disagree("operations", Class::MetadataOnly, self.metadata_span(operation.line), message);
            }
        }
        self.figure("operations.recall", called, universe);
    }

    /// The parameters of each model operation whose body is "the parameters of the action", against
    /// the action or function its first resolving path calls.
    fn operation_parameters(
        &mut self,
        outcomes: &BTreeMap<&str, (Result<resolve::Resolved, resolve::Unresolved>, &Span)>,
    ) {
        let (mut listed, mut declared_listed, mut declared, mut documented) = (0, 0, 0, 0);
        let (api, csdl, version) = (self.api, self.csdl, self.version);
        for operation in api.operations.iter().filter(|o| o.version == version) {
            let Some(RequestBody::Parameters { parameters, span }) = &operation.request_body else {
                continue;
            };
            let called = operation.paths.iter().find_map(|path| match outcomes.get(path.raw.as_str()) {
                Some((Ok(found), _)) if matches!(found.target, resolve::Target::Operation { .. }) => {
                    found.operations.last().cloned()
                }
                _ => None,
            });
            let Some((name, binding, collection)) = called else { continue };
            // Of the overloads, the one declaring most of the parameters the page lists.
            let Some(action) = csdl
                .operations
                .iter()
                .filter(|candidate| {
                    candidate.name == name
                        && candidate
                            .binding
                            .as_ref()
                            .is_some_and(|b| b.name == binding && b.collection == collection)
                })
                .max_by_key(|candidate| {
                    let declared =
                        parameters.iter().filter(|p| candidate.parameters.iter().any(|c| c.name == p.name));
                    (declared.count(), std::cmp::Reverse(candidate.line))
                })
            else {
                continue;
            };
            for parameter in parameters {
                listed += 1;
                if action.parameters.iter().any(|p| p.name == parameter.name) {
                    declared_listed += 1;
                } else {
                    let message = format!(
                        "`{}` parameter `{}`: the {} {} declares ({})",
                        operation.name,
                        parameter.name,
                        action.kind.as_str(),
                        short_name(&action.name),
                        action.parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                    );
                    self.disagree("operation_parameters", Class::DocOnly, parameter.span.clone(), message);
                }
            }
            for parameter in &action.parameters {
                declared += 1;
                if parameters.iter().any(|p| p.name == parameter.name) {
                    documented += 1;
                    continue;
                }
                let listed_at = operation.sources.iter().find_map(|source| {
                    let line = table_row_line(self.texts.get(&*source.file)?, &parameter.name)?;
                    Some(Span::new(source.file.clone(), line))
                });
                let (class, at, message) = match listed_at {
                    Some(at) => (
                        Class::ParserMissed,
                        at,
                        format!(
                            "`{}` parameter `{}`: the page lists it, the model lacks it",
                            operation.name, parameter.name
                        ),
                    ),
                    None => (
                        Class::MetadataOnly,
                        self.metadata_span(action.line),
                        format!(
                            "{} {} parameter `{}`: the page of `{}` does not list it ({}:{})",
                            action.kind.as_str(),
                            short_name(&action.name),
                            parameter.name,
                            operation.name,
                            span.file,
                            span.line
                        ),
                    ),
                };
                self.disagree("operation_parameters", class, at, message);
            }
        }
        self.figure("operation_parameters.precision", declared_listed, listed);
        self.figure("operation_parameters.recall", documented, declared);
    }

    /// Each model operation's response body type against what its first resolving path names.
    fn responses(
        &mut self,
        outcomes: &BTreeMap<&str, (Result<resolve::Resolved, resolve::Unresolved>, &Span)>,
    ) {
        let (mut compared, mut agreeing) = (0, 0);
        let (api, csdl, version) = (self.api, self.csdl, self.version);
        for operation in api.operations.iter().filter(|o| o.version == version) {
            let Some(body) = &operation.response.body else { continue };
            let Some(found) = operation.paths.iter().find_map(|path| match outcomes.get(path.raw.as_str()) {
                Some((Ok(found), _)) => Some(found),
                _ => None,
            }) else {
                continue;
            };
            // What each possible target returns; `None` inside for an operation returning nothing.
            let mut expected: Vec<Option<CsdlTypeRef>> = Vec::new();
            for target in std::iter::once(&found.target).chain(&found.alternatives) {
                expected.push(match target {
                    resolve::Target::Entity { type_name, collection } => {
                        Some(CsdlTypeRef { name: type_name.clone(), collection: *collection })
                    }
                    resolve::Target::Property { type_ref } => Some(type_ref.clone()),
                    resolve::Target::Operation { return_type, .. } => return_type.clone(),
                    resolve::Target::System { .. } => continue,
                });
            }
            if expected.is_empty() {
                continue;
            }
            compared += 1;
            let doc_element = element(body);
            let agrees = expected.iter().flatten().any(|expected| match doc_element {
                TypeRef::Named(name) => {
                    let family =
                        csdl.base_chain(&expected.name).into_iter().chain(csdl.all_derived(&expected.name));
                    short_name(&expected.name) == name
                        || family.into_iter().any(|t| short_name(&t.name) == name)
                }
                other => types_agree(other, &CsdlTypeRef { name: expected.name.clone(), collection: false }),
            });
            if agrees {
                agreeing += 1;
                continue;
            }
            let expected_text = expected
                .iter()
                .map(|e| e.as_ref().map_or_else(|| "no body".to_owned(), ToString::to_string))
                .collect::<Vec<_>>()
                .join(" or ");
            let written = body.to_string();
            let message = match doc_element {
                TypeRef::Named(name) if !self.pages_name_type(&operation.sources, name) => (
                    Class::ParserWrong,
                    format!(
                        "`{}`: the model's response is {written}, a type its page never names; the path names {expected_text}",
                        operation.name
                    ),
                ),
                _ => (
                    Class::DocOnly,
                    format!("`{}`: the page's response is {written}; the path names {expected_text}", operation.name),
                ),
            };
            let (class, message) = message;
            self.disagree("responses", class, operation.response.span.clone(), message);
        }
        self.figure("responses.precision", agreeing, compared);
    }

    /// The `GET`s narrowed to their own types (`Operation::narrowed`, found from the pages) against
    /// the `GET`s at a path whose metadata type is a base of the type the page documents, where the
    /// service answers other types too.
    fn narrowed(
        &mut self,
        outcomes: &BTreeMap<&str, (Result<resolve::Resolved, resolve::Unresolved>, &Span)>,
    ) {
        let (api, csdl, version) = (self.api, self.csdl, self.version);
        let objects: BTreeMap<&str, &TypeDef> = api
            .types
            .iter()
            .filter(|def| def.version == version && def.kind != TypeKind::Enum)
            .map(|def| (def.name.as_str(), def))
            .collect();
        let (mut narrowed, mut wider, mut both) = (0, 0, 0);
        for operation in api.operations.iter().filter(|o| o.version == version && o.method == HttpMethod::GET)
        {
            let Some(TypeRef::Named(own)) = operation.response.body.as_ref().map(element) else { continue };
            let Some(def) = objects.get(own.as_str()) else { continue };
            // The first path naming entities or a property, and their type there.
            let Some((raw, path_type)) =
                operation.paths.iter().find_map(|path| match outcomes.get(path.raw.as_str()) {
                    Some((Ok(found), _)) => match &found.target {
                        resolve::Target::Entity { type_name, .. } => {
                            Some((path.raw.as_str(), type_name.as_str()))
                        }
                        resolve::Target::Property { type_ref } => {
                            Some((path.raw.as_str(), type_ref.name.as_str()))
                        }
                        _ => None,
                    },
                    _ => None,
                })
            else {
                continue;
            };
            let qualified = csdl.qualified_name(&def.namespace, own);
            let answers_wider =
                qualified.is_some_and(|name| name != path_type && csdl.derives_from(name, path_type));
            wider += usize::from(answers_wider);
            match (&operation.narrowed, answers_wider) {
                (Some(_), true) => {
                    narrowed += 1;
                    both += 1;
                }
                (Some(narrowing), false) => {
                    narrowed += 1;
                    let service = match qualified {
                        Some(_) => format!("the metadata types `{raw}` as {path_type}"),
                        None => format!("the metadata lacks `{own}`"),
                    };
                    let message = format!(
                        "`{}` reads only `{own}`: `{}` answers `{}` at `{}`, but {service}",
                        operation.name,
                        narrowing.wider_operation,
                        narrowing.wider_type,
                        narrowing.wider_path.raw
                    );
                    self.disagree("narrowed", Class::DocOnly, operation.response.span.clone(), message);
                }
                (None, true) => {
                    // Another GET at one of its paths answering one of its type's bases.
                    let documented = api.operations.iter().find(|other| {
                        let same_path =
                            || other.paths.iter().any(|p| operation.paths.iter().any(|q| q.raw == p.raw));
                        let Some(TypeRef::Named(wider)) = other.response.body.as_ref().map(element) else {
                            return false;
                        };
                        let ancestor = objects
                            .get(wider.as_str())
                            .and_then(|def| csdl.qualified_name(&def.namespace, wider))
                            .is_some_and(|wider| {
                                qualified.is_some_and(|own| own != wider && csdl.derives_from(own, wider))
                            });
                        other.version == version && other.method == HttpMethod::GET && ancestor && same_path()
                    });
                    let (class, message) = match documented {
                        Some(other) => (
                            Class::ParserMissed,
                            format!(
                                "`{}` answers `{own}` at `{raw}`, where `{}` answers a base of it, but reads every \
                                 object there as `{own}`",
                                operation.name, other.name
                            ),
                        ),
                        None => (
                            Class::MetadataOnly,
                            format!(
                                "`{}` answers `{own}` at `{raw}`, which the metadata types as its base {path_type}; \
                                 no page documents a base there, so every object there is read as `{own}`",
                                operation.name
                            ),
                        ),
                    };
                    self.disagree("narrowed", class, operation.response.span.clone(), message);
                }
                (None, false) => {}
            }
        }
        self.figure("narrowed.precision", both, narrowed);
        self.figure("narrowed.recall", both, wider);
    }

    /// Types, properties, property types, base types and enum members.
    fn types(&mut self) {
        let model: Vec<&TypeDef> = self.api.types.iter().filter(|t| t.version == self.version).collect();
        let by_name: BTreeMap<&str, &TypeDef> = model.iter().map(|t| (t.name.as_str(), *t)).collect();
        let mut matched: Vec<(&TypeDef, String)> = Vec::new();
        let mut found = 0;
        for def in &model {
            let span = first_span(def);
            let inferred =
                if def.origin == graph_ir::Origin::Inferred { " (inferred from example JSON)" } else { "" };
            let Some(qualified) = self.csdl.qualified_name(&def.namespace, &def.name).map(str::to_owned)
            else {
                let differently_cased =
                    self.csdl.by_short_name.keys().find(|name| name.eq_ignore_ascii_case(&def.name));
                let (class, message) = match differently_cased {
                    Some(name) => (
                        Class::DocOnly,
                        format!("type `{}`{inferred}: the metadata spells it `{name}`", def.name),
                    ),
                    None if !self.pages_name_type(&def.sources, &def.name) => (
                        Class::ParserWrong,
                        format!(
                            "type `{}`{inferred}: neither the metadata nor its pages name such a type",
                            def.name
                        ),
                    ),
                    None => (
                        Class::DocOnly,
                        format!("type `{}`{inferred}: the metadata has no such type", def.name),
                    ),
                };
                self.disagree("types", class, span, message);
                continue;
            };
            found += 1;
            let metadata_kind = match self.csdl.types.get(&qualified).map(|t| t.kind) {
                Some(StructuredKind::Entity) => TypeKind::Entity,
                Some(StructuredKind::Complex) => TypeKind::Complex,
                None => TypeKind::Enum,
            };
            let same_kind = def.kind == metadata_kind
                || (def.kind == TypeKind::Object && metadata_kind != TypeKind::Enum);
            if !same_kind {
                let message = format!(
                    "type `{}`{inferred}: the model makes it {}, the metadata {}",
                    def.name,
                    kind_name(def.kind),
                    kind_name(metadata_kind)
                );
                self.disagree("types", Class::DocOnly, span, message);
            }
            matched.push((def, qualified));
        }
        self.figure("types.precision", found, model.len());
        self.type_recall(&matched);
        self.properties(&matched, &by_name);
        self.base_types(&matched);
        self.enum_members(&matched);
    }

    /// Metadata types next to the documented ones that the model lacks.
    fn type_recall(&mut self, matched: &[(&TypeDef, String)]) {
        // Each neighbour with the first reason it is a neighbour.
        let mut neighbours: BTreeMap<String, String> = BTreeMap::new();
        let mut add = |name: &str, why: String| {
            if !name.starts_with("Edm.") {
                neighbours.entry(name.to_owned()).or_insert(why);
            }
        };
        for reached in &self.reached {
            add(reached, "a documented path reaches it".to_owned());
        }
        for (_, qualified) in matched {
            add(qualified, "documented".to_owned());
            let Some(structured) = self.csdl.types.get(qualified) else { continue };
            let owner = short_name(qualified);
            for property in &structured.properties {
                add(&property.type_ref.name, format!("the type of {owner}.{}", property.name));
            }
            for navigation in &structured.navigations {
                add(&navigation.type_ref.name, format!("the type of {owner}.{}", navigation.name));
            }
            // `entity`, the root of every entity type, has no page of its own.
            if let Some(base) = structured.base.as_deref().filter(|base| short_name(base) != "entity") {
                add(base, format!("the base type of {owner}"));
            }
            for derived in self.csdl.derived.get(qualified).into_iter().flatten() {
                add(derived, format!("derived from {owner}"));
            }
        }
        let documented: BTreeSet<&str> = matched.iter().map(|(_, qualified)| qualified.as_str()).collect();
        let model_names: BTreeSet<&str> =
            self.api.types.iter().filter(|t| t.version == self.version).map(|t| t.name.as_str()).collect();
        let resource_pages: BTreeMap<String, &str> = self
            .api
            .pages
            .iter()
            .filter(|page| page.version == Some(self.version))
            .filter_map(|page| {
                let stem = page
                    .file
                    .rsplit('/')
                    .next()?
                    .rsplit_once('.')
                    .map_or(page.file.as_str(), |(stem, _)| stem);
                Some((stem.rsplit('-').next()?.to_ascii_lowercase(), page.file.as_str()))
            })
            .collect();
        let mut found = 0;
        let mut total = 0;
        for (name, why) in &neighbours {
            let line = match (self.csdl.types.get(name), self.csdl.enums.get(name)) {
                (Some(structured), _) => structured.line,
                (None, Some(enumeration)) => enumeration.line,
                (None, None) => continue,
            };
            total += 1;
            if documented.contains(name.as_str()) {
                found += 1;
                continue;
            }
            let short = short_name(name);
            if model_names.contains(short) {
                // The model has it under another namespace or kind; already reported.
                continue;
            }
            match resource_pages.get(&short.to_ascii_lowercase()) {
                Some(page) => {
                    let message =
                        format!("type `{short}` ({why}): the page documents it, the model has no such type");
                    self.disagree("types", Class::ParserMissed, Span::new(*page, 1), message);
                }
                None => {
                    let message = format!("type `{short}` ({why}): no page documents it");
                    self.disagree("types", Class::MetadataOnly, self.metadata_span(line), message);
                }
            }
        }
        self.figure("types.recall", found, total);
    }

    fn properties(&mut self, matched: &[(&TypeDef, String)], by_name: &BTreeMap<&str, &TypeDef>) {
        let (mut listed, mut confirmed, mut declared, mut documented) = (0, 0, 0, 0);
        let (mut compared, mut agreeing) = (0, 0);
        for (def, qualified) in matched {
            let Some(structured) = self.csdl.types.get(qualified) else { continue };
            // The metadata type's members with those of its bases.
            let mut metadata_members: BTreeMap<&str, &CsdlTypeRef> = BTreeMap::new();
            for ancestor in self.csdl.base_chain(qualified) {
                for property in &ancestor.properties {
                    metadata_members.entry(&property.name).or_insert(&property.type_ref);
                }
                for navigation in &ancestor.navigations {
                    metadata_members.entry(&navigation.name).or_insert(&navigation.type_ref);
                }
            }
            for property in &def.properties {
                listed += 1;
                let Some(metadata_type) = metadata_members.get(property.name.as_str()) else {
                    let (class, message) = if property.origin == graph_ir::Origin::Inferred
                        && property.name == "value"
                    {
                        // `{"value": …}` wraps a response body (OData); it is not a member of the type.
                        let message = format!(
                            "`{}.value` (inferred from example JSON): `value` is the OData response wrapper, not a property",
                            def.name
                        );
                        (Class::ParserWrong, message)
                    } else {
                        let inferred = if property.origin == graph_ir::Origin::Inferred {
                            " (inferred from example JSON)"
                        } else {
                            ""
                        };
                        let message = format!(
                            "`{}.{}`{inferred}: the metadata type has no such property",
                            def.name, property.name
                        );
                        (Class::DocOnly, message)
                    };
                    self.disagree("properties", class, property.span.clone(), message);
                    continue;
                };
                confirmed += 1;
                compared += 1;
                if types_agree(&property.type_ref, metadata_type) {
                    agreeing += 1;
                } else {
                    let message = format!(
                        "`{}.{}`: the page says {}, the metadata {metadata_type}",
                        def.name, property.name, property.type_ref
                    );
                    self.disagree("property_types", Class::DocOnly, property.span.clone(), message);
                }
            }
            // The model type's properties with those of its bases (the model keeps each on its declarer).
            let mut model_members: BTreeSet<&str> = BTreeSet::new();
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut next = Some(*def);
            while let Some(current) = next {
                if !seen.insert(current.name.as_str()) {
                    break;
                }
                model_members.extend(current.properties.iter().map(|p| p.name.as_str()));
                next = current.base_type.as_deref().and_then(|base| by_name.get(base).copied());
            }
            let own_members = structured
                .properties
                .iter()
                .map(|p| (p.name.as_str(), p.line))
                .chain(structured.navigations.iter().map(|n| (n.name.as_str(), n.line)));
            for (name, line) in own_members {
                declared += 1;
                if model_members.contains(name) {
                    documented += 1;
                    continue;
                }
                self.missing_member("properties", def, name, line, "property");
            }
        }
        self.figure("properties.precision", confirmed, listed);
        self.figure("properties.recall", documented, declared);
        self.figure("property_types.precision", agreeing, compared);
    }

    /// Reports a metadata member (property or enum member) the model type lacks: parser-missed when one
    /// of the type's pages lists it in a table, else metadata-only.
    fn missing_member(&mut self, category: &str, def: &TypeDef, name: &str, line: u32, what: &str) {
        let listed_at = def.sources.iter().find_map(|source| {
            let text = self.texts.get(&*source.file)?;
            let line = table_row_line(text, name)?;
            Some(Span::new(source.file.clone(), line))
        });
        match listed_at {
            Some(span) => {
                let message =
                    format!("`{}.{name}`: the page lists this {what}, the model lacks it", def.name);
                self.disagree(category, Class::ParserMissed, span, message);
            }
            None => {
                let page = first_span(def).file;
                let message = format!("`{}.{name}`: no page lists this {what} ({page})", def.name);
                self.disagree(category, Class::MetadataOnly, self.metadata_span(line), message);
            }
        }
    }

    fn base_types(&mut self, matched: &[(&TypeDef, String)]) {
        let (mut stated, mut stated_right, mut expected, mut expected_found) = (0, 0, 0, 0);
        for (def, qualified) in matched {
            let Some(structured) = self.csdl.types.get(qualified) else { continue };
            let metadata_base = structured.base.as_deref().map(short_name);
            if let Some(base) = &def.base_type {
                stated += 1;
                if Some(base.as_str()) == metadata_base {
                    stated_right += 1;
                } else {
                    let metadata_base = metadata_base.map_or_else(|| "none".to_owned(), |b| format!("`{b}`"));
                    let (class, said) = if self.pages_name_type(&def.sources, base) {
                        (Class::DocOnly, "the pages give")
                    } else {
                        (Class::ParserWrong, "the model has (its pages never name it)")
                    };
                    let message = format!(
                        "`{}`: {said} the base type `{base}`, the metadata {metadata_base}",
                        def.name
                    );
                    self.disagree("base_types", class, first_span(def), message);
                }
            }
            let Some(metadata_base) = metadata_base.filter(|base| *base != "entity") else { continue };
            expected += 1;
            if def.base_type.as_deref() == Some(metadata_base) {
                expected_found += 1;
            } else if def.base_type.is_none() {
                self.missing_base(def, structured, metadata_base);
            }
        }
        self.figure("base_types.precision", stated_right, stated);
        self.figure("base_types.recall", expected_found, expected);
    }

    fn missing_base(&mut self, def: &TypeDef, structured: &StructuredType, base: &str) {
        let said_at = def.sources.iter().find_map(|source| {
            let text = self.texts.get(&*source.file)?;
            let index =
                text.lines().position(|line| line.contains("Inherits from") && line.contains(base))?;
            Some(Span::new(source.file.clone(), u32::try_from(index + 1).unwrap_or(u32::MAX)))
        });
        match said_at {
            Some(span) => {
                let message =
                    format!("`{}`: the page says it inherits from `{base}`, the model has no base", def.name);
                self.disagree("base_types", Class::ParserMissed, span, message);
            }
            None => {
                let message = format!("`{}`: base type `{base}`, which no page states", def.name);
                self.disagree(
                    "base_types",
                    Class::MetadataOnly,
                    self.metadata_span(structured.line),
                    message,
                );
            }
        }
    }

    fn enum_members(&mut self, matched: &[(&TypeDef, String)]) {
        let (mut listed, mut confirmed, mut declared, mut documented) = (0, 0, 0, 0);
        for (def, qualified) in matched {
            let Some(enumeration) = self.csdl.enums.get(qualified) else { continue };
            for member in &def.members {
                listed += 1;
                if enumeration.members.iter().any(|m| m.name == member.name) {
                    confirmed += 1;
                } else {
                    let message =
                        format!("`{}.{}`: the metadata enum has no such member", def.name, member.name);
                    self.disagree("enum_members", Class::DocOnly, member.span.clone(), message);
                }
            }
            for member in &enumeration.members {
                declared += 1;
                if def.members.iter().any(|m| m.name == member.name) {
                    documented += 1;
                } else {
                    self.missing_member("enum_members", def, &member.name, member.line, "member");
                }
            }
        }
        self.figure("enum_members.precision", confirmed, listed);
        self.figure("enum_members.recall", documented, declared);
    }
}

/// A response's element type: the item type of a collection, else the type itself.
fn element(body: &TypeRef) -> &TypeRef {
    match body {
        TypeRef::Collection(inner) => inner.as_ref(),
        other => other,
    }
}

fn first_span(def: &TypeDef) -> Span {
    def.sources.first().cloned().unwrap_or_else(|| Span::new("", 0))
}

fn kind_name(kind: TypeKind) -> &'static str {
    match kind {
        TypeKind::Entity => "an entity type",
        TypeKind::Complex => "a complex type",
        TypeKind::Object => "an object type",
        TypeKind::Enum => "an enum",
    }
}

/// The 1-based line of a table row whose first cell is `name` (markdown `|name|…`, or a plain-text
/// rendering's `name<whitespace>…` row).
fn table_row_line(text: &str, name: &str) -> Option<u32> {
    let index = text.lines().position(|line| {
        let line = line.trim();
        let first_cell = match line.strip_prefix('|') {
            Some(rest) => rest.split('|').next().unwrap_or_default().trim(),
            None => line.split(char::is_whitespace).next().unwrap_or_default(),
        };
        first_cell.trim_matches(['*', '`']) == name
    })?;
    u32::try_from(index + 1).ok()
}

/// Whether a page's type and the metadata's agree: same collection-ness, same primitive or same
/// named type (namespaces aside).
fn types_agree(doc: &TypeRef, metadata: &CsdlTypeRef) -> bool {
    let (element, collection) = match doc {
        TypeRef::Collection(inner) => (inner.as_ref(), true),
        other => (other, false),
    };
    if collection != metadata.collection {
        return false;
    }
    match element {
        TypeRef::Primitive(Primitive::Json) => {
            metadata.name == "Edm.Untyped" || metadata.name == "microsoft.graph.Json"
        }
        TypeRef::Primitive(primitive) => metadata.name.strip_prefix("Edm.") == Some(primitive.edm_name()),
        TypeRef::Named(name) => short_name(&metadata.name) == name && !metadata.name.starts_with("Edm."),
        TypeRef::Collection(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_fail_below_the_ratio_or_when_the_figure_is_missing() {
        let summary: Summary =
            [("beta".to_owned(), [("paths.precision".to_owned(), Figure::new(9, 10))].into())].into();
        let floors = |ratio: f64| -> Floors {
            [("beta".to_owned(), [("paths.precision".to_owned(), ratio)].into())].into()
        };
        assert!(below_floors(&summary, &floors(0.9)).is_empty());
        assert_eq!(
            below_floors(&summary, &floors(0.95)),
            ["beta paths.precision: 0.9000 (9 / 10) is below the floor 0.9500"]
        );
        let missing: Floors = [("v1.0".to_owned(), [("paths.precision".to_owned(), 0.5)].into())].into();
        assert_eq!(below_floors(&summary, &missing), ["v1.0 paths.precision: no such figure in the summary"]);
        // Nothing to count reads 1 (a small input may have nothing), but meets no floor.
        assert_eq!(Figure::new(0, 0).ratio, 1.0);
        let empty: Summary =
            [("beta".to_owned(), [("paths.precision".to_owned(), Figure::new(0, 0))].into())].into();
        assert_eq!(
            below_floors(&empty, &floors(0.5)),
            ["beta paths.precision: counted nothing (0 / 0): what it counts is no longer found"]
        );
    }

    #[test]
    fn table_rows_are_found_by_their_first_cell_in_markdown_and_plain_text() {
        let markdown = "|Property|Type|\n|:---|:---|\n|sourceId|String|\n";
        assert_eq!(table_row_line(markdown, "sourceId"), Some(3));
        assert_eq!(table_row_line(markdown, "String"), None);
        assert_eq!(table_row_line("Property Type\nsourceId String Its id\n", "sourceId"), Some(2));
    }

    #[test]
    fn page_types_agree_with_metadata_types_by_primitive_name_short_name_and_collection() {
        let metadata = |name: &str, collection| CsdlTypeRef { name: name.to_owned(), collection };
        let string = TypeRef::Primitive(Primitive::String);
        assert!(types_agree(&string, &metadata("Edm.String", false)));
        assert!(!types_agree(&string, &metadata("Edm.Int32", false)));
        assert!(!types_agree(&TypeRef::Collection(Box::new(string)), &metadata("Edm.String", false)));
        let named = TypeRef::Named("assignmentTarget".to_owned());
        assert!(types_agree(&named, &metadata("microsoft.graph.assignmentTarget", false)));
        assert!(!types_agree(&named, &metadata("microsoft.graph.other", false)));
    }
}
