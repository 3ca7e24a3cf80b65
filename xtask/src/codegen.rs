//! `cargo xtask codegen`: pages → `graph_parser` (in parallel) → `graph_emit` → the one writer.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use graph_emit::{EmitOptions, GeneratedFile};
use graph_ir::{Api, Diagnostic, PageModel};
use rayon::prelude::*;

use crate::diagnostics::Sources;
use crate::pages::{read_input_folder, Inputs, PageFile};
use crate::write::{self, Mode, SyncReport};

/// The package name of the generated client, wherever it is written.
pub const CRATE_NAME: &str = "graph-client";

/// The workspace root: the folder above this crate's manifest (never the current directory).
pub fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// What one codegen run reads, where it writes, and how.
#[derive(Debug, Clone)]
pub struct Codegen {
    pub input: PathBuf,
    pub out: PathBuf,
    pub mode: Mode,
    /// Parser threads; `None` lets rayon choose (one per core).
    pub jobs: Option<NonZeroUsize>,
}

/// What a run did: counts for the summary line, the diagnostics (sorted) with the page texts to quote
/// them from, and the files that differed.
pub struct CodegenReport {
    pub pages: usize,
    pub operations: usize,
    pub types: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    pub sync: SyncReport,
    pub elapsed: Duration,
}

impl Codegen {
    /// The checked-in crate: docs-input/ → generated/ under the workspace root.
    pub fn workspace_default(mode: Mode) -> Codegen {
        let root = workspace_root();
        Codegen { input: root.join("docs-input"), out: root.join("generated"), mode, jobs: None }
    }

    /// Reads the input folder and runs the pipeline on what it holds.
    pub fn run(&self) -> anyhow::Result<CodegenReport> {
        let started = Instant::now();
        let inputs = read_input_folder(&self.input)?;
        self.run_on(inputs, started)
    }

    /// Runs the pipeline on pages already read, in the order given (the output must not depend on
    /// it). Input with a file that could not be read, or with no page that describes anything (a
    /// mistyped `--input` naming a folder of notes), is an error, and nothing is written: the
    /// crate generated would lose those pages' code, or be empty and replace the one there.
    pub fn run_on(&self, inputs: Inputs, started: Instant) -> anyhow::Result<CodegenReport> {
        inputs.require_complete(&self.input)?;
        let api = parse_pages(&inputs.pages, self.jobs)?;
        if api.operations.is_empty() && api.types.is_empty() {
            // Why, if the pages say: each page's first error or warning, for the first few pages.
            let mut why: Vec<String> = Vec::new();
            for diagnostic in api.diagnostics.iter().filter(|d| d.severity != graph_ir::Severity::Note) {
                let place = format!("{}:{}", diagnostic.span.file, diagnostic.span.line);
                if why.len() < 3 && !why.iter().any(|seen| seen.starts_with(&*diagnostic.span.file)) {
                    why.push(format!("{place}: {}", diagnostic.message));
                }
            }
            let why = match why.is_empty() {
                true => String::new(),
                false => format!(" ({})", why.join("; ")),
            };
            bail!(
                "the {} under {} describe no operation and no type (no API or resource page){why}; nothing \
                 was generated or written",
                write::plural(inputs.pages.len(), "page"),
                self.input.display()
            );
        }
        let options = emit_options(&workspace_root(), &self.out)?;
        let files = emit(&api, &options)?;
        let sync = write::sync(&self.out, &files, self.mode)?;

        let mut diagnostics = api.diagnostics.clone();
        diagnostics.sort();
        diagnostics.dedup();
        let mut sources = Sources::new();
        for page in &inputs.pages {
            sources.add(&page.path, &page.bytes);
        }
        Ok(CodegenReport {
            pages: inputs.pages.len(),
            operations: api.operations.len(),
            types: api.types.len(),
            diagnostics,
            sources,
            sync,
            elapsed: started.elapsed(),
        })
    }
}

/// The most pages one parallel task takes. Left to itself, rayon cuts a slice into a few pieces per
/// thread and splits one further only when another thread steals from it: with 2 threads, one
/// thread was left parsing the last quarter of the corpus alone while the other idled (seen in a
/// profile). Pages sorted by path put an area's similar pages together, so two pieces can cost very
/// differently; small tasks keep both threads busy to the end.
pub const PAGES_PER_TASK: usize = 8;

/// Parses every page and merges them into one model, both in parallel (on `jobs` threads when given).
///
/// A parser panic is a parser bug, not a fact about the input: every page that panics is named, and
/// the run fails without writing anything.
pub fn parse_pages(pages: &[PageFile], jobs: Option<NonZeroUsize>) -> anyhow::Result<Api> {
    let parse_and_merge = || parse_each(pages).map(graph_parser::build_api);
    match jobs {
        Some(jobs) => rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.get())
            .build()
            .context("starting the parser threads")?
            .install(parse_and_merge),
        None => parse_and_merge(),
    }
}

/// Parses every page on its own, in parallel on the current rayon pool, in the pages' order;
/// [`parse_pages`] then merges them.
pub fn parse_each(pages: &[PageFile]) -> anyhow::Result<Vec<PageModel>> {
    let results: Vec<Result<PageModel, String>> =
        pages.par_iter().with_max_len(PAGES_PER_TASK).map(parse_one).collect();
    let mut models = Vec::with_capacity(results.len());
    let mut panics = Vec::new();
    for (page, result) in pages.iter().zip(results) {
        match result {
            Ok(model) => models.push(model),
            Err(message) => panics.push(format!("  {}: {message}", page.path)),
        }
    }
    if !panics.is_empty() {
        bail!(
            "the parser panicked on {} (a parser bug; nothing was written):\n{}",
            write::plural(panics.len(), "page"),
            panics.join("\n")
        );
    }
    Ok(models)
}

/// Parses one page, turning a panic into its message.
fn parse_one(page: &PageFile) -> Result<PageModel, String> {
    // The closure only reads `page`; a panic leaves nothing half-modified behind.
    panic::catch_unwind(AssertUnwindSafe(|| graph_parser::parse_page(&page.path, &page.bytes))).map_err(
        |payload| {
            payload
                .downcast_ref::<&str>()
                .map(|message| (*message).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned())
        },
    )
}

/// Emits the crate, checking that the emitter's file list is what the writer expects.
fn emit(api: &Api, options: &EmitOptions) -> anyhow::Result<Vec<GeneratedFile>> {
    let files = graph_emit::emit_crate(api, options).context("the emitter failed")?;
    let distinct: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    if distinct.len() != files.len() {
        bail!("the emitter produced the same path twice");
    }
    Ok(files)
}

/// How to emit for an output folder: the checked-in generated/ is a workspace member that reaches the
/// runtime at `../crates/graph-runtime`; any other folder gets the runtime's path relative to it (or
/// absolute when there is none) and an empty `[workspace]` table, so that `cargo check` works inside
/// it: cargo takes any folder below the workspace's root (generated/'s own subfolders too) for a
/// would-be member of that workspace, and refuses to build it.
pub fn emit_options(root: &Path, out: &Path) -> anyhow::Result<EmitOptions> {
    let root = resolve(root)?;
    let out = resolve(out)?;
    let generated = root.join("generated");
    let runtime = root.join("crates").join("graph-runtime");
    if out == generated {
        return Ok(EmitOptions {
            crate_name: CRATE_NAME.to_owned(),
            runtime_path: "../crates/graph-runtime".to_owned(),
            standalone: false,
        });
    }
    let runtime_path = match pathdiff::diff_paths(&runtime, &out) {
        Some(relative) if relative.components().next().is_some() => write::slash_path(&relative),
        _ => runtime.to_string_lossy().replace('\\', "/"),
    };
    Ok(EmitOptions { crate_name: CRATE_NAME.to_owned(), runtime_path, standalone: true })
}

/// `path` made absolute with symlinks and `..` resolved, even when its last parts do not exist yet:
/// the longest existing ancestor is canonicalised and the rest appended.
fn resolve(path: &Path) -> anyhow::Result<PathBuf> {
    let mut existing = std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?;
    let mut missing = Vec::new();
    let mut base = loop {
        if let Ok(canonical) = existing.canonicalize() {
            break canonical;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent.to_path_buf();
            }
            // The path ends in `..` below a folder that does not exist: only lexical resolution is left.
            _ => {
                let lexical = resolve_lexically(&existing);
                if lexical == existing {
                    break lexical;
                }
                existing = lexical;
            }
        }
    };
    for name in missing.into_iter().rev() {
        base.push(name);
    }
    Ok(base)
}

/// Drops `.` and resolves `..` against the preceding name, without looking at the disk.
fn resolve_lexically(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_crate_is_a_workspace_member_beside_the_runtime() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let options = emit_options(root.path(), &root.path().join("generated"))?;
        assert_eq!(options.crate_name, "graph-client");
        assert_eq!(options.runtime_path, "../crates/graph-runtime");
        assert!(!options.standalone);
        Ok(())
    }

    #[test]
    fn a_folder_elsewhere_is_standalone_and_reaches_the_runtime_by_a_relative_path() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let elsewhere = tempfile::tempdir()?;
        let out = elsewhere.path().join("new/client");
        let options = emit_options(root.path(), &out)?;
        assert!(options.standalone);
        let expected = pathdiff::diff_paths(
            root.path().canonicalize()?.join("crates/graph-runtime"),
            elsewhere.path().canonicalize()?.join("new/client"),
        )
        .map(|path| write::slash_path(&path));
        assert_eq!(Some(options.runtime_path.clone()), expected);
        assert!(options.runtime_path.starts_with("../../../"), "{}", options.runtime_path);
        Ok(())
    }

    #[test]
    fn a_folder_inside_generated_is_standalone_too() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let options = emit_options(root.path(), &root.path().join("generated/variant"))?;
        assert!(options.standalone);
        assert_eq!(options.runtime_path, "../../crates/graph-runtime");
        Ok(())
    }

    #[test]
    fn a_folder_elsewhere_in_the_workspace_is_standalone() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let options = emit_options(root.path(), &root.path().join("target/try"))?;
        assert!(options.standalone);
        assert_eq!(options.runtime_path, "../../crates/graph-runtime");
        Ok(())
    }

    #[test]
    fn dot_dot_in_a_path_that_does_not_exist_yet_is_resolved() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let options = emit_options(root.path(), &root.path().join("not-yet/../generated"))?;
        assert!(!options.standalone);
        assert_eq!(options.runtime_path, "../crates/graph-runtime");
        Ok(())
    }
}
