//! `cargo xtask bench`: times the whole pipeline on a folder of pages (read → model → formatted code)
//! beside a bare pulldown-cmark pass over the same bytes, and reports the peak memory.
//!
//! A second stage times the one part of the model's work that no parser design can skip: building
//! the examples' JSON bodies into values, as the model holds them. The bare pass plus that is the
//! floor for any reader; what read → model takes beyond it is the parser's own walk and lowering,
//! and the merge.
//!
//! Run it on an optimised build: `cargo run --release -p xtask -- bench` (debug timings say little).
//! Every page is read into memory first, so the timed stages never touch the disk; each stage runs on
//! the same rayon pool of `--jobs` threads, `--runs` times, and the table gives the minimum and median.

use std::borrow::Cow;
use std::fmt;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use graph_emit::GeneratedFile;
use pulldown_cmark::Parser;
use rayon::prelude::*;

use crate::codegen::{emit_options, parse_each, workspace_root};
use crate::pages::{read_input_folder, PageFile};
use crate::write::plural;

/// The goal for read → formatted code on the whole corpus (issue 4), shown beside the figure.
const TOTAL_TARGET: Duration = Duration::from_secs(2);
/// The goal for read → model, as a multiple of the bare pulldown-cmark pass (issue 4).
const PARSE_TO_BARE_TARGET: f64 = 2.0;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Bench {
    pub input: PathBuf,
    /// Threads for every stage; `None` lets rayon choose (one per core).
    pub jobs: Option<NonZeroUsize>,
    pub runs: NonZeroUsize,
}

/// The durations one stage took, one per run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Samples(Vec<Duration>);

impl Samples {
    /// The fastest run (the least disturbed by other work on the machine).
    pub fn min(&self) -> Duration {
        self.0.iter().min().copied().unwrap_or_default()
    }

    /// The middle run; for an even count, the faster of the two middle runs.
    pub fn median(&self) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted.get(sorted.len().saturating_sub(1) / 2).copied().unwrap_or_default()
    }

    fn push(&mut self, duration: Duration) {
        self.0.push(duration);
    }
}

/// The measurements of one bench run.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub pages: usize,
    pub input_bytes: usize,
    pub threads: usize,
    /// Reading every page from disk, once, before anything is timed.
    pub read: Duration,
    /// pulldown-cmark alone: every page decoded and all its events consumed, with the parser's options.
    pub bare: Samples,
    /// The pages' front ends alone (`graph_parser::read_blocks`): every page decoded and read into
    /// blocks, nothing lowered. Beyond the bare pass, this is the walk from events to blocks.
    pub front_ends: Samples,
    /// Every `http` block's JSON body built into a `serde_json::Value`, from its text.
    pub example_json: Samples,
    /// How many JSON bodies that stage built (per run).
    pub json_bodies: usize,
    /// Pages → one model: `parse_page` per page on the pool, then `build_api`.
    pub parse: Samples,
    /// The first part of `parse`: every page parsed on its own, on every thread of the pool.
    pub parse_pages: Samples,
    /// The rest of `parse`: `build_api` merging the pages' models, one thread per API version.
    pub merge: Samples,
    /// Model → formatted files in memory: `graph_emit::emit_crate`.
    pub emit: Samples,
    /// Parse and emit as one span.
    pub total: Samples,
    pub operations: usize,
    pub types: usize,
    pub output_files: usize,
    pub output_bytes: usize,
    /// The process's peak resident memory (`VmHWM`), where the platform tells it.
    pub peak_memory: Option<u64>,
}

impl BenchReport {
    /// read → model over the bare pulldown-cmark pass, on medians.
    pub fn parse_to_bare(&self) -> f64 {
        ratio(self.parse.median(), self.bare.median())
    }

    /// The pages' front ends (events walked into blocks) over the bare pass, on medians.
    pub fn front_ends_to_bare(&self) -> f64 {
        ratio(self.front_ends.median(), self.bare.median())
    }

    /// The bare pass and the example JSON together over the bare pass alone, on medians: the floor
    /// for read → model.
    pub fn floor_to_bare(&self) -> f64 {
        ratio(self.bare.median() + self.example_json.median(), self.bare.median())
    }

    /// read → formatted code over the bare pulldown-cmark pass, on medians.
    pub fn total_to_bare(&self) -> f64 {
        ratio(self.total.median(), self.bare.median())
    }
}

impl Bench {
    /// Reads the input folder once, then measures every stage `runs` times on a pool of `jobs` threads.
    ///
    /// Fails when the folder cannot be read, a page panics the parser, the emitter fails, or two runs
    /// produce different files (the output must depend on nothing but the pages).
    pub fn run(&self) -> anyhow::Result<BenchReport> {
        let started = Instant::now();
        let inputs = read_input_folder(&self.input)?;
        let read = started.elapsed();
        if inputs.pages.is_empty() {
            bail!("no pages under {}", self.input.display());
        }
        let mut pool = rayon::ThreadPoolBuilder::new();
        if let Some(jobs) = self.jobs {
            pool = pool.num_threads(jobs.get());
        }
        let pool = pool.build().context("starting the bench threads")?;
        let mut report = pool.install(|| measure(&inputs.pages, self.runs))?;
        report.read = read;
        report.threads = pool.current_num_threads();
        report.peak_memory = peak_memory();
        Ok(report)
    }
}

/// The folder `cargo xtask bench` reads by default: the full docs beside the workspace.
pub fn default_input() -> PathBuf {
    workspace_root().join("../shared/graph-docs")
}

/// Every stage `runs` times on the current rayon pool.
fn measure(pages: &[PageFile], runs: NonZeroUsize) -> anyhow::Result<BenchReport> {
    // The options only name the runtime's path in Cargo.toml; nothing is written.
    let options = emit_options(&workspace_root(), &workspace_root().join("target/bench-client"))?;
    let mut report = BenchReport {
        pages: pages.len(),
        input_bytes: pages.iter().map(|page| page.bytes.len()).sum(),
        threads: 0,
        read: Duration::ZERO,
        bare: Samples::default(),
        front_ends: Samples::default(),
        example_json: Samples::default(),
        json_bodies: 0,
        parse: Samples::default(),
        parse_pages: Samples::default(),
        merge: Samples::default(),
        emit: Samples::default(),
        total: Samples::default(),
        operations: 0,
        types: 0,
        output_files: 0,
        output_bytes: 0,
        peak_memory: None,
    };
    // Found before any timing, line by line: a second pulldown-cmark caller would change how the
    // compiler inlines the bare pass's (it ran a tenth slower beside one).
    let bodies: Vec<Cow<'_, str>> = pages.par_iter().flat_map_iter(example_json_bodies).collect();
    let mut first_fingerprint = None;
    for _ in 0..runs.get() {
        let started = Instant::now();
        std::hint::black_box(bare_pulldown_cmark(pages));
        report.bare.push(started.elapsed());

        let started = Instant::now();
        std::hint::black_box(front_ends(pages));
        report.front_ends.push(started.elapsed());

        let started = Instant::now();
        let models = parse_each(pages)?;
        let pages_parsed = Instant::now();
        let api = graph_parser::build_api(models);
        let parsed = Instant::now();
        let files = graph_emit::emit_crate(&api, &options).context("the emitter failed")?;
        let emitted = Instant::now();
        report.parse_pages.push(pages_parsed - started);
        report.merge.push(parsed - pages_parsed);
        report.parse.push(parsed - started);
        report.emit.push(emitted - parsed);
        report.total.push(emitted - started);

        let fingerprint = fingerprint(&files);
        if *first_fingerprint.get_or_insert(fingerprint) != fingerprint {
            bail!("two runs on the same pages emitted different files: the output is not deterministic");
        }
        report.operations = api.operations.len();
        report.types = api.types.len();
        report.output_files = files.len();
        report.output_bytes = files.iter().map(|file| file.contents.len()).sum();
        drop((api, files));

        // Last, once the pipeline's memory is free: the values it builds and drops must not raise
        // the peak the report gives for the pipeline.
        let started = Instant::now();
        report.json_bodies = std::hint::black_box(build_json(&bodies));
        report.example_json.push(started.elapsed());
    }
    Ok(report)
}

/// The floor any markdown reader pays: each page decoded as the parser decodes it and every
/// pulldown-cmark event (with offsets, as the parser asks for them) pulled, in parallel per page,
/// cut into tasks as the parser's are. Returns the event count so the work cannot be optimised away.
fn bare_pulldown_cmark(pages: &[PageFile]) -> usize {
    pages
        .par_iter()
        .with_max_len(crate::codegen::PAGES_PER_TASK)
        .map(|page| {
            let (text, _) = graph_parser::decode(&page.bytes);
            Parser::new_ext(&text, graph_parser::markdown::options()).into_offset_iter().count()
        })
        .sum()
}

/// Every page read into blocks and nothing more, cut into tasks as the parser's are. Returns the
/// block count so the work cannot be optimised away.
fn front_ends(pages: &[PageFile]) -> usize {
    pages
        .par_iter()
        .with_max_len(crate::codegen::PAGES_PER_TASK)
        .map(|page| {
            let (text, _) = graph_parser::decode(&page.bytes);
            graph_parser::read_blocks(&text).1.blocks.len()
        })
        .sum()
}

/// The JSON bodies of a page's fenced `http` blocks (the examples' requests and responses, which
/// the model holds as values; a resource page's `json` representation is only read for its member
/// names, so it is left out). The fences are found line by line, which is enough for a timing.
fn example_json_bodies(page: &PageFile) -> Vec<Cow<'_, str>> {
    let (text, _) = graph_parser::decode(&page.bytes);
    let mut bodies = Vec::new();
    // Where the open block's text starts.
    let mut block: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_start().strip_prefix("```");
        match (block, fence) {
            (None, Some(info)) if info.trim().eq_ignore_ascii_case("http") => {
                block = Some(offset + line.len())
            }
            (Some(start), Some(_)) => {
                block = None;
                let body = text.get(start..offset).and_then(json_start).map(|at| start + at..offset);
                // Borrowed from the page unless its bytes were not UTF-8.
                bodies.extend(body.and_then(|body| match &text {
                    Cow::Borrowed(page) => page.get(body).map(Cow::Borrowed),
                    Cow::Owned(page) => page.get(body).map(|body| Cow::Owned(body.to_owned())),
                }));
            }
            _ => {}
        }
        offset += line.len();
    }
    bodies
}

/// Builds each body into a `serde_json::Value`; returns how many were JSON. Each value is dropped
/// at once, so memory is reused hot: a lower bound for a model that keeps them all.
fn build_json(bodies: &[Cow<'_, str>]) -> usize {
    bodies.par_iter().filter(|body| serde_json::from_str::<serde_json::Value>(body).is_ok()).count()
}

/// Where the body of an HTTP block starts: at the first line after the request or status line that
/// starts like JSON (pages often leave out the blank line after the headers).
fn json_start(block: &str) -> Option<usize> {
    let mut offset = 0;
    for (index, line) in block.split_inclusive('\n').enumerate() {
        let body = line.trim_start();
        if index > 0 && body.starts_with(['{', '[']) {
            return Some(offset + line.len() - body.len());
        }
        offset += line.len();
    }
    None
}

/// A digest of the emitted files, to tell whether two runs agree without keeping both in memory.
fn fingerprint(files: &[GeneratedFile]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.path.hash(&mut hasher);
        file.contents.hash(&mut hasher);
    }
    hasher.finish()
}

/// The peak resident set size of this process in bytes, from `VmHWM` in `/proc/self/status`.
#[cfg(target_os = "linux")]
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    vm_hwm(&status)
}

/// The peak resident set size: not available on this platform without a dependency.
#[cfg(not(target_os = "linux"))]
pub fn peak_memory() -> Option<u64> {
    None
}

/// Bytes from the `VmHWM:  123456 kB` line of a `/proc/<pid>/status` text.
pub fn vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    let kilobytes = line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
    kilobytes.checked_mul(1024)
}

fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    if denominator.is_zero() {
        return f64::NAN;
    }
    numerator.as_secs_f64() / denominator.as_secs_f64()
}

fn megabytes(bytes: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)] // sizes far below 2^52
    let bytes = bytes as f64;
    bytes / 1_000_000.0
}

fn seconds(duration: Duration) -> String {
    format!("{:.3}s", duration.as_secs_f64())
}

impl fmt::Display for BenchReport {
    /// A compact table: one row per stage with min and median, then the ratio, output and memory.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let runs = self.total.0.len();
        writeln!(
            f,
            "bench: {}, {:.1} MB, read in {}; {}, {}",
            plural(self.pages, "page"),
            megabytes(self.input_bytes as u64),
            seconds(self.read),
            plural(self.threads, "thread"),
            plural(runs, "run"),
        )?;
        writeln!(f, "{:<32} {:>8} {:>8}", "stage", "min", "median")?;
        let rows = [
            ("bare pulldown-cmark pass", &self.bare, String::new()),
            (
                "example JSON into values",
                &self.example_json,
                format!(
                    "{} bodies; with the bare pass {:.2}× bare: the floor",
                    self.json_bodies,
                    self.floor_to_bare()
                ),
            ),
            (
                "read → model (parse + merge)",
                &self.parse,
                format!("{:.2}× bare (target ≤ {PARSE_TO_BARE_TARGET:.0}×)", self.parse_to_bare()),
            ),
            ("  pages, on every thread", &self.parse_pages, String::new()),
            (
                "  (their front ends alone)",
                &self.front_ends,
                format!("{:.2}× bare: the rest of the pages is lowering", self.front_ends_to_bare()),
            ),
            ("  merge, a thread per version", &self.merge, String::new()),
            ("model → formatted code", &self.emit, String::new()),
            (
                "total read → code (in memory)",
                &self.total,
                // The ratio tells runs on machines (or moments) of different speed apart.
                format!("{:.1}× bare; target < {}", self.total_to_bare(), seconds(TOTAL_TARGET)),
            ),
        ];
        for (stage, samples, note) in rows {
            let line =
                format!("{stage:<32} {:>8} {:>8}  {note}", seconds(samples.min()), seconds(samples.median()));
            writeln!(f, "{}", line.trim_end())?;
        }
        writeln!(
            f,
            "output: {}, {}, {}, {:.1} MB",
            plural(self.operations, "operation"),
            plural(self.types, "type"),
            plural(self.output_files, "file"),
            megabytes(self.output_bytes as u64),
        )?;
        match self.peak_memory {
            Some(bytes) => writeln!(f, "peak memory: {:.1} MB (VmHWM)", megabytes(bytes)),
            None => writeln!(f, "peak memory: unavailable on this platform"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(millis: &[u64]) -> Samples {
        Samples(millis.iter().map(|&ms| Duration::from_millis(ms)).collect())
    }

    #[test]
    fn min_and_median_ignore_the_order_of_the_runs() {
        let odd = samples(&[30, 10, 20]);
        assert_eq!((odd.min(), odd.median()), (Duration::from_millis(10), Duration::from_millis(20)));
        let even = samples(&[40, 10, 30, 20]);
        assert_eq!((even.min(), even.median()), (Duration::from_millis(10), Duration::from_millis(20)));
        assert_eq!(Samples::default().median(), Duration::ZERO);
    }

    #[test]
    fn peak_memory_is_read_from_the_vm_hwm_line() {
        let status = "Name:\txtask\nVmPeak:\t  999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(vm_hwm(status), Some(2048 * 1024));
        assert_eq!(vm_hwm("VmHWM:\t lots\n"), None);
        assert_eq!(vm_hwm("VmRSS:\t 1 kB\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_peak_memory_on_linux() {
        assert!(peak_memory().is_some_and(|bytes| bytes > 0));
    }

    #[test]
    fn the_seed_pages_bench_with_every_stage_timed_and_the_table_printed() -> anyhow::Result<()> {
        let bench = Bench {
            input: workspace_root().join("docs-input"),
            jobs: NonZeroUsize::new(2),
            runs: NonZeroUsize::MIN.saturating_add(1),
        };
        let report = bench.run()?;
        assert_eq!(report.pages, 5);
        assert_eq!(report.threads, 2);
        for samples in [
            &report.bare,
            &report.front_ends,
            &report.example_json,
            &report.parse,
            &report.parse_pages,
            &report.merge,
            &report.emit,
            &report.total,
        ] {
            assert_eq!(samples.0.len(), 2);
        }
        assert!(report.total.min() >= report.parse.min());
        // Each run's parse is its two parts back to back.
        for run in 0..2 {
            assert_eq!(report.parse.0[run], report.parse_pages.0[run] + report.merge.0[run]);
        }
        assert!(report.operations > 0 && report.output_files > 0);
        // The floor builds the bodies the model holds from the markdown seeds (their JSON is all
        // strict; the plain-text seed has no fences).
        let api = graph_parser::build_api(parse_each(&read_input_folder(&bench.input)?.pages)?);
        let markdown: Vec<&str> = api
            .pages
            .iter()
            .filter(|page| page.format == graph_ir::PageFormat::Markdown)
            .map(|page| page.file.as_str())
            .collect();
        let bodies = |span: &graph_ir::Span, body: bool| body && markdown.contains(&&*span.file);
        let model_bodies: usize = api
            .operations
            .iter()
            .flat_map(|operation| &operation.examples)
            .map(|example| {
                let request = example.request.as_ref().is_some_and(|r| bodies(&r.span, r.body.is_some()));
                let response = example.response.as_ref().is_some_and(|r| bodies(&r.span, r.body.is_some()));
                usize::from(request) + usize::from(response)
            })
            .sum();
        assert_eq!(report.json_bodies, model_bodies);
        assert!(model_bodies > 0);
        let table = report.to_string();
        assert!(table.starts_with("bench: 5 pages, "), "{table}");
        assert!(table.contains("\nexample JSON into values "), "{table}");
        assert!(table.contains("\nread → model (parse + merge) "), "{table}");
        assert!(table.contains("\n  pages, on every thread "), "{table}");
        assert!(table.contains("\n  merge, a thread per version "), "{table}");
        assert!(table.contains("\n  (their front ends alone) "), "{table}");
        assert!(table.contains("× bare (target ≤ 2×)"), "{table}");
        assert!(table.contains("× bare; target < 2.000s"), "{table}");
        assert!(table.contains("\npeak memory: "), "{table}");
        Ok(())
    }

    #[test]
    fn the_json_body_of_an_http_block_starts_at_its_first_line_of_json_after_the_first() {
        let body = |block: &'static str| json_start(block).and_then(|at| block.get(at..));
        let request = "POST https://graph.microsoft.com/beta/things/{id}\nContent-type: application/json\n\n{\"a\": 1}\n";
        assert_eq!(body(request), Some("{\"a\": 1}\n"));
        assert_eq!(body("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n  [1]"), Some("[1]"));
        assert_eq!(body("{\"a\": 1}"), None);
        assert_eq!(body("GET https://graph.microsoft.com/beta/things\n"), None);
        assert_eq!(body("HTTP/1.1 204 No Content\n\n"), None);
        assert_eq!(body("POST /x\n\nnot json"), None);
    }

    #[test]
    fn a_page_s_example_bodies_are_borrowed_from_it_unless_it_is_not_utf8() {
        let page = |bytes: &[u8]| PageFile { path: "p.md".to_owned(), bytes: bytes.to_vec() };
        let markdown = "# T\n``` http\nPOST /x\n\n{\"a\": 1}\n```\n```json\n{\"b\": 2}\n```\n  ```HTTP\nHTTP/1.1 200 OK\n[1]\n  ```\n";
        let valid = page(markdown.as_bytes());
        let bodies = example_json_bodies(&valid);
        assert_eq!(bodies, ["{\"a\": 1}\n", "[1]\n"]);
        assert!(bodies.iter().all(|body| matches!(body, Cow::Borrowed(_))));
        let invalid = page(&[markdown.as_bytes(), b"\xff"].concat());
        let bodies = example_json_bodies(&invalid);
        assert_eq!(bodies, ["{\"a\": 1}\n", "[1]\n"]);
        assert!(bodies.iter().all(|body| matches!(body, Cow::Owned(_))));
        assert_eq!(build_json(&bodies), 2);
    }

    #[test]
    fn an_empty_folder_is_an_error() -> anyhow::Result<()> {
        let input = tempfile::tempdir()?;
        let bench = Bench { input: input.path().to_path_buf(), jobs: None, runs: NonZeroUsize::MIN };
        let error = bench.run().err().map(|error| error.to_string());
        assert_eq!(error, Some(format!("no pages under {}", input.path().display())));
        Ok(())
    }
}
