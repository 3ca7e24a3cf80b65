//! The command line: parses arguments (clap), runs the command, prints its report and picks the exit
//! code: 0 ok, 1 a check found stale files or the run failed, 2 a usage error (clap's own).

use std::ffi::OsString;
use std::io::{self, IsTerminal as _, Write as _};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::bench::{self, Bench};
use crate::codegen::{self, Codegen, CodegenReport};
use crate::diagnostics::{self, SeverityCounts};
use crate::list;
use crate::pages::read_input_folder;
use crate::verify;
use crate::write::{plural, Mode};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Generates the Microsoft Graph client from reference pages."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the client crate from the pages (the only thing that writes generated files).
    Codegen(CodegenArgs),
    /// Print every operation as `version METHOD /path -> status type`, sorted.
    List(ListArgs),
    /// Compare the model with the service CSDL: recall, precision and every disagreement.
    Verify(VerifyArgs),
    /// Time the whole pipeline on a folder of pages beside a bare pulldown-cmark pass (build with --release).
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// Folder of pages, read recursively [default: docs-input/ in the workspace]
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
    /// Folder of the generated crate [default: generated/ in the workspace]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write nothing; fail, naming each file, when the output is not up to date
    #[arg(long)]
    pub check: bool,
    /// Parser threads [default: one per core]
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// Print diagnostic counts by code instead of each diagnostic (for large inputs)
    #[arg(short, long = "quiet-diagnostics")]
    pub quiet_diagnostics: bool,
    /// How each diagnostic is printed on stderr: rendered with its source line, or as one line of
    /// JSON (span, severity, code, message) for tools
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value_t = MessageFormat::Human,
        conflicts_with = "quiet_diagnostics"
    )]
    pub message_format: MessageFormat,
}

/// How `codegen` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// rustc style: code, severity, `file:line` and the source line.
    Human,
    /// one JSON object per line.
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Folder of pages, read recursively [default: docs-input/ in the workspace]
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Folder of pages, read recursively [default: docs-input/ in the workspace]
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
    /// Folder holding beta_metadata.xml and/or v1.0_metadata.xml [default: ../shared/graph-metadata]
    #[arg(long, value_name = "DIR")]
    pub metadata: Option<PathBuf>,
    /// Also write the headline figures as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Fail when a figure is below its floor in FILE (JSON: scope → figure → ratio)
    #[arg(long, value_name = "FILE")]
    pub floors: Option<PathBuf>,
    /// Parser threads [default: one per core]
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Folder of pages, read recursively [default: ../shared/graph-docs beside the workspace]
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
    /// Threads for every stage [default: one per core]
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// Times to run each stage; the table shows the minimum and the median
    #[arg(long, value_name = "N", default_value = "5")]
    pub runs: NonZeroUsize,
}

/// Runs the command line `args` (program name first) and returns the process's exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // Prints usage (exit 2) or help/version (exit 0), as clap does.
        Err(error) => error.exit(),
    };
    let outcome = match cli.command {
        Command::Codegen(args) => run_codegen(&args),
        Command::List(args) => run_list(&args),
        Command::Verify(args) => run_verify(&args),
        Command::Bench(args) => run_bench(&args),
    };
    match outcome {
        Ok(code) => code,
        // The reader of the output stopped (`cargo xtask list | head`): nothing is wrong, and
        // nobody is left to read a message.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `word` as a POSIX shell reads it back: as it is when it holds only characters no shell
/// treats specially, else in single quotes (a `'` written `'\''`).
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | ':' | '@' | '+' | ','));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

impl CodegenArgs {
    /// The run these arguments ask for, with workspace defaults for the folders.
    pub fn to_codegen(&self) -> Codegen {
        let mode = if self.check { Mode::Check } else { Mode::Write };
        let defaults = Codegen::workspace_default(mode);
        Codegen {
            input: self.input.clone().unwrap_or(defaults.input),
            out: self.out.clone().unwrap_or(defaults.out),
            mode,
            jobs: self.jobs,
        }
    }

    /// The command that brings the output up to date: this one without `--check`, its folders
    /// quoted for a POSIX shell where they need it, so that it can be pasted back.
    pub fn fix_command(&self) -> String {
        let mut command = "cargo xtask codegen".to_owned();
        if let Some(input) = &self.input {
            command.push_str(&format!(" --input {}", shell_word(&input.display().to_string())));
        }
        if let Some(out) = &self.out {
            command.push_str(&format!(" --out {}", shell_word(&out.display().to_string())));
        }
        command
    }
}

fn run_codegen(args: &CodegenArgs) -> anyhow::Result<ExitCode> {
    let codegen = args.to_codegen();
    let report = codegen.run()?;
    // The verdict stands whoever stops reading the output (`… --check 2>&1 | head`).
    let printed = print_diagnostics(&report, args).and_then(|()| {
        let mut stdout = io::stdout().lock();
        if codegen.mode == Mode::Write && !args.quiet_diagnostics {
            write!(stdout, "{}", report.sync)?;
        }
        writeln!(stdout, "{}", summary(&report))?;
        stdout.flush()?;
        Ok(())
    });
    unless_nobody_reads(printed)?;
    if report.sync.is_up_to_date() {
        Ok(ExitCode::SUCCESS)
    } else {
        let message = report.sync.stale_message(&codegen.out, &args.fix_command());
        let _ = writeln!(io::stderr(), "error: {message}");
        Ok(ExitCode::FAILURE)
    }
}

/// `result`, with a reader gone (a broken pipe) counted as success: what was to be printed has no
/// one to read it, and the command's verdict, its exit code, still stands.
fn unless_nobody_reads(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(error) if is_broken_pipe(&error) => Ok(()),
        other => other,
    }
}

/// Every diagnostic on stderr, rendered rustc-style (coloured on a terminal) or as JSON lines, or only
/// counts by code.
fn print_diagnostics(report: &CodegenReport, args: &CodegenArgs) -> anyhow::Result<()> {
    if args.quiet_diagnostics {
        let mut stderr = io::stderr().lock();
        for (code, count) in diagnostics::counts_by_code(&report.diagnostics) {
            writeln!(stderr, "{count:>7} {code}")?;
        }
        return Ok(());
    }
    if args.message_format == MessageFormat::Json {
        let mut stderr = io::BufWriter::new(io::stderr().lock());
        diagnostics::write_json_lines(&mut stderr, &report.diagnostics)?;
        stderr.flush()?;
        return Ok(());
    }
    let color = if io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
    let stderr = StandardStream::stderr(color);
    let mut stderr = stderr.lock();
    for diagnostic in &report.diagnostics {
        diagnostics::emit(&mut stderr, diagnostic, &report.sources)?;
    }
    Ok(())
}

/// `codegen: 5 pages, 4 operations, 9 types; 7 diagnostics (0 errors, 3 warnings, 4 notes); 2 files changed in 0.31s`.
pub fn summary(report: &CodegenReport) -> String {
    let counts = SeverityCounts::of(&report.diagnostics);
    let files = match report.sync.mode {
        Mode::Write => format!("{} changed", plural(report.sync.changes.len(), "file")),
        Mode::Check => format!("{} out of date", plural(report.sync.changes.len(), "file")),
    };
    format!(
        "codegen: {}, {}, {}; {} ({}, {}, {}); {} in {:.2}s",
        plural(report.pages, "page"),
        plural(report.operations, "operation"),
        plural(report.types, "type"),
        plural(report.diagnostics.len(), "diagnostic"),
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
        plural(counts.notes, "note"),
        files,
        report.elapsed.as_secs_f64(),
    )
}

fn run_list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let input = args.input.clone().unwrap_or_else(|| Codegen::workspace_default(Mode::Check).input);
    let inputs = read_input_folder(&input)?;
    inputs.require_complete(&input)?;
    let api = codegen::parse_pages(&inputs.pages, None)?;
    let mut stdout = io::stdout().lock();
    for line in list::operation_lines(&api) {
        writeln!(stdout, "{line}")?;
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let input = args.input.clone().unwrap_or_else(|| Codegen::workspace_default(Mode::Check).input);
    let metadata = args.metadata.clone().unwrap_or_else(verify::default_metadata);
    let report = verify::run(&input, &metadata, args.jobs)?;
    // The summary and the floors' verdict stand whoever stops reading the report.
    unless_nobody_reads((|| {
        let mut stdout = io::stdout().lock();
        write!(stdout, "{report}")?;
        stdout.flush()?;
        Ok(())
    })())?;
    if let Some(summary) = &args.summary {
        std::fs::write(summary, report.summary_json() + "\n")
            .with_context(|| format!("writing the summary to {}", summary.display()))?;
    }
    let Some(floors) = &args.floors else { return Ok(ExitCode::SUCCESS) };
    let failures = verify::check_floors(&report, floors)?;
    if failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: figures below their floors in {}:", floors.display());
    for failure in failures {
        let _ = writeln!(stderr, "  {failure}");
    }
    Ok(ExitCode::FAILURE)
}

fn run_bench(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let input = args.input.clone().unwrap_or_else(bench::default_input);
    let report = Bench { input, jobs: args.jobs, runs: args.runs }.run()?;
    let mut stdout = io::stdout().lock();
    write!(stdout, "{report}")?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
    }

    #[test]
    fn a_closed_output_pipe_is_told_from_other_errors_whatever_context_wraps_it() {
        let io = |kind| anyhow::Error::new(std::io::Error::from(kind));
        assert!(is_broken_pipe(&io(std::io::ErrorKind::BrokenPipe).context("writing the list")));
        assert!(!is_broken_pipe(&io(std::io::ErrorKind::NotFound).context("reading a page")));
        assert!(!is_broken_pipe(&anyhow::anyhow!("figures below their floors")));
    }

    #[test]
    fn codegen_defaults_to_the_workspace_folders_whatever_the_current_directory() -> anyhow::Result<()> {
        let Command::Codegen(args) = parse(&["codegen"])?.command else {
            anyhow::bail!("expected codegen");
        };
        let codegen = args.to_codegen();
        let root = codegen::workspace_root();
        assert_eq!(codegen.input, root.join("docs-input"));
        assert_eq!(codegen.out, root.join("generated"));
        assert_eq!(codegen.mode, Mode::Write);
        assert_eq!(codegen.jobs, None);
        assert!(root.join("xtask/Cargo.toml").is_file(), "the root is the folder above xtask/");
        assert_eq!(args.fix_command(), "cargo xtask codegen");
        Ok(())
    }

    #[test]
    fn codegen_takes_folders_check_jobs_and_quiet() -> anyhow::Result<()> {
        let Command::Codegen(args) =
            parse(&["codegen", "--input", "pages", "--out", "/tmp/out", "--check", "--jobs", "2", "-q"])?
                .command
        else {
            anyhow::bail!("expected codegen");
        };
        let codegen = args.to_codegen();
        assert_eq!(codegen.input, PathBuf::from("pages"));
        assert_eq!(codegen.out, PathBuf::from("/tmp/out"));
        assert_eq!(codegen.mode, Mode::Check);
        assert_eq!(codegen.jobs.map(NonZeroUsize::get), Some(2));
        assert!(args.quiet_diagnostics);
        assert_eq!(args.message_format, MessageFormat::Human);
        assert_eq!(args.fix_command(), "cargo xtask codegen --input pages --out /tmp/out");
        Ok(())
    }

    #[test]
    fn the_fix_command_quotes_folders_a_shell_would_split() -> anyhow::Result<()> {
        let Command::Codegen(args) =
            parse(&["codegen", "--input", "my docs", "--out", "it's/out", "--check"])?.command
        else {
            anyhow::bail!("expected codegen");
        };
        assert_eq!(args.fix_command(), r#"cargo xtask codegen --input 'my docs' --out 'it'\''s/out'"#);
        assert_eq!(shell_word("../shared/graph-docs"), "../shared/graph-docs");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        Ok(())
    }

    #[test]
    fn codegen_prints_json_diagnostics_on_request_but_not_with_quiet() -> anyhow::Result<()> {
        let Command::Codegen(args) = parse(&["codegen", "--message-format", "json"])?.command else {
            anyhow::bail!("expected codegen");
        };
        assert_eq!(args.message_format, MessageFormat::Json);
        assert!(parse(&["codegen", "--message-format", "json", "-q"]).is_err(), "json and counts conflict");
        assert!(parse(&["codegen", "--message-format", "xml"]).is_err());
        Ok(())
    }

    #[test]
    fn list_takes_an_input_folder() -> anyhow::Result<()> {
        let Command::List(args) = parse(&["list", "--input", "pages"])?.command else {
            anyhow::bail!("expected list");
        };
        assert_eq!(args.input, Some(PathBuf::from("pages")));
        Ok(())
    }

    #[test]
    fn verify_takes_folders_a_summary_file_and_floors() -> anyhow::Result<()> {
        let command =
            parse(&["verify", "--input", "pages", "--metadata", "csdl", "--floors", "f.json"])?.command;
        let Command::Verify(args) = command else {
            anyhow::bail!("expected verify");
        };
        assert_eq!(args.input, Some(PathBuf::from("pages")));
        assert_eq!(args.metadata, Some(PathBuf::from("csdl")));
        assert_eq!(args.floors, Some(PathBuf::from("f.json")));
        assert_eq!(args.summary, None);
        Ok(())
    }

    #[test]
    fn bench_defaults_to_the_shared_docs_and_five_runs() -> anyhow::Result<()> {
        let Command::Bench(args) = parse(&["bench"])?.command else {
            anyhow::bail!("expected bench");
        };
        assert_eq!(args.input, None);
        assert_eq!(args.jobs, None);
        assert_eq!(args.runs.get(), 5);
        assert!(bench::default_input().ends_with("../shared/graph-docs"));
        let Command::Bench(args) =
            parse(&["bench", "--input", "pages", "--jobs", "1", "--runs", "3"])?.command
        else {
            anyhow::bail!("expected bench");
        };
        assert_eq!(args.input, Some(PathBuf::from("pages")));
        assert_eq!((args.jobs.map(NonZeroUsize::get), args.runs.get()), (Some(1), 3));
        Ok(())
    }

    #[test]
    fn bad_usage_is_a_usage_error() {
        for args in [
            &["codegen", "--jobs", "0"][..],
            &["codegen", "--jobs", "x"],
            &["frobnicate"],
            &[],
            &["list", "--check"],
            &["bench", "--runs", "0"],
        ] {
            let error = parse(args).err();
            assert_eq!(error.as_ref().map(clap::Error::exit_code), Some(2), "{args:?}");
        }
    }
}
