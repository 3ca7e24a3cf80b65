//! `cargo xtask codegen` and `list` end to end: bad pages cost only themselves, the output does not
//! depend on threads or input order, and the command's exit codes and messages are what CI relies on.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use graph_ir::DiagnosticCode;
use xtask::codegen::{workspace_root, Codegen};
use xtask::diagnostics;
use xtask::pages::read_input_folder;
use xtask::write::Mode;

/// The seed page every test builds on: a markdown API page for one beta operation.
const SEED: &str = "000-beta-enrollmentconfigurationassignment-create.txt";

fn docs_input() -> PathBuf {
    workspace_root().join("docs-input")
}

fn seed_page() -> anyhow::Result<String> {
    Ok(fs::read_to_string(docs_input().join(SEED))?)
}

/// Every file under `dir` with its bytes, sorted by relative path.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap_or_default();
            (path.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(path), bytes)
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn xtask(args: &[&str]) -> anyhow::Result<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn bad_pages_are_reported_with_their_file_and_the_good_page_still_generates() -> anyhow::Result<()> {
    let input = tempfile::tempdir()?;
    let out = tempfile::tempdir()?;
    let seed = seed_page()?;
    fs::write(input.path().join("good.md"), &seed)?;
    fs::write(input.path().join("empty.md"), "")?;
    let mut latin1 = seed.clone().into_bytes();
    latin1.extend_from_slice(b"\nCaf\xe9 au lait: this line is Latin-1, not UTF-8.\n");
    fs::write(input.path().join("latin1.md"), &latin1)?;
    let broken_json = seed.replace("\"source\": \"policySets\",", "\"source\": [\"policySets\",,}");
    fs::write(input.path().join("invalid-json.md"), broken_json)?;
    fs::write(
        input.path().join("no-http-block.md"),
        "---\ntitle: \"Get widget\"\ndoc_type: apiPageType\n---\n\n# Get widget\n\nNamespace: microsoft.graph\n\n\
         > **Important:** Microsoft Graph APIs under the /beta version are subject to change.\n\n\
         Get a widget.\n\n## HTTP request\n\nThe request is not shown here.\n\n## Response\n\n\
         If successful, this method returns a `200 OK` response code.\n",
    )?;

    let codegen =
        Codegen { input: input.path().into(), out: out.path().into(), mode: Mode::Write, jobs: None };
    let report = codegen.run()?;

    assert_eq!(report.pages, 5);
    assert!(report.operations >= 1, "the good page's operation is generated");
    let has = |file: &str, code: DiagnosticCode| {
        report.diagnostics.iter().any(|diagnostic| &*diagnostic.span.file == file && diagnostic.code == code)
    };
    let rendered: Vec<_> = report
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostics::render(diagnostic, &report.sources))
        .collect();
    let all = rendered.concat();
    assert!(has("empty.md", DiagnosticCode::EmptyPage), "{all}");
    assert!(has("latin1.md", DiagnosticCode::InvalidUtf8), "{all}");
    assert!(has("invalid-json.md", DiagnosticCode::InvalidJson), "{all}");
    assert!(has("no-http-block.md", DiagnosticCode::NoHttpBlock), "{all}");
    assert!(all.contains("invalid-json.md:"), "the rendering names file:line: {all}");

    assert!(out.path().join("Cargo.toml").is_file());
    let sources = tree(&out.path().join("src"));
    assert!(
        sources.iter().any(|(_, bytes)| text(bytes).contains("deviceEnrollmentConfigurations")),
        "the good page's path is in the generated client"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn an_unreadable_page_stops_the_run_before_anything_is_written() -> anyhow::Result<()> {
    let input = tempfile::tempdir()?;
    let out = tempfile::tempdir()?;
    fs::write(input.path().join("good.md"), seed_page()?)?;
    let codegen =
        Codegen { input: input.path().into(), out: out.path().into(), mode: Mode::Write, jobs: None };
    codegen.run()?;
    let before = tree(out.path());
    // The page's code would be removed by a run that could not read it.
    fs::remove_file(input.path().join("good.md"))?;
    std::os::unix::fs::symlink(input.path().join("nowhere.md"), input.path().join("good.md"))?;
    fs::write(input.path().join("other.md"), seed_page()?)?;

    let error = codegen.run().err().map(|error| error.to_string()).unwrap_or_default();

    assert!(
        error.starts_with("1 file under") && error.contains("could not be read (the first, good.md:"),
        "{error}"
    );
    assert_eq!(tree(out.path()), before, "nothing written");
    Ok(())
}

#[test]
fn a_relative_output_folder_that_does_not_exist_yet_is_created() -> anyhow::Result<()> {
    let cwd = tempfile::tempdir()?;
    let input = docs_input();
    let input = input.to_str().unwrap_or_default();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--input", input, "--out", "client"])
        .current_dir(cwd.path())
        .output()?;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(cwd.path().join("client/src/lib.rs").is_file());
    Ok(())
}

#[test]
fn a_stale_check_fails_even_when_nobody_reads_its_output() -> anyhow::Result<()> {
    let out = tempfile::tempdir()?;
    let input = docs_input();
    let (reader, writer) = std::io::pipe()?;
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(out.path())
        .stdout(writer)
        .stderr(std::process::Stdio::null())
        .status()?;
    assert_eq!(status.code(), Some(1), "an empty folder is out of date, whoever reads the summary");
    Ok(())
}

#[test]
fn list_refuses_a_folder_without_pages() -> anyhow::Result<()> {
    let empty = tempfile::tempdir()?;
    let output = xtask(&["list", "--input", empty.path().to_str().unwrap_or_default()])?;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("holds no page"), "{}", text(&output.stderr));
    Ok(())
}

#[test]
fn a_folder_of_pages_that_describe_nothing_replaces_no_crate() -> anyhow::Result<()> {
    let notes = tempfile::tempdir()?;
    fs::write(notes.path().join("notes.md"), "# Notes\n\nProse about the project.\n")?;
    // A page that would describe an operation, but says of no API version: its error says why.
    fs::write(
        notes.path().join("widget-get.md"),
        "# Get widget\n\n## HTTP request\n\n```http\nGET /widgets/{id}\n```\n",
    )?;
    let out = tempfile::tempdir()?;
    let generate =
        |input: &Path| Codegen { input: input.into(), out: out.path().into(), mode: Mode::Write, jobs: None };
    generate(&docs_input()).run()?;
    let before = tree(out.path());

    let error = generate(notes.path()).run().err().map(|error| error.to_string()).unwrap_or_default();

    assert!(
        error.starts_with("the 2 pages under") && error.contains("describe no operation and no type"),
        "{error}"
    );
    assert!(error.contains("widget-get.md:") && error.contains("no API version found"), "{error}");
    assert_eq!(tree(out.path()), before, "the crate there is left as it was");
    Ok(())
}

#[test]
fn output_is_byte_identical_whatever_the_threads_or_input_order() -> anyhow::Result<()> {
    // Sibling folders, so the runtime's relative path is the same for all three.
    let outs = tempfile::tempdir()?;
    let run = |name: &str, jobs: usize, reversed: bool| -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
        let out = outs.path().join(name);
        let codegen =
            Codegen { input: docs_input(), out: out.clone(), mode: Mode::Write, jobs: jobs.try_into().ok() };
        let mut inputs = read_input_folder(&codegen.input)?;
        if reversed {
            inputs.pages.reverse();
        }
        codegen.run_on(inputs, Instant::now())?;
        Ok(tree(&out))
    };
    let one_thread = run("one-thread", 1, false)?;
    let two_threads = run("two-threads", 2, false)?;
    let reversed = run("reversed", 2, true)?;
    assert!(!one_thread.is_empty());
    assert!(one_thread == two_threads, "--jobs 1 and --jobs 2 differ");
    assert!(one_thread == reversed, "reversing the input order changes the output");
    Ok(())
}

#[test]
fn check_fails_naming_each_file_and_the_command_then_passes_after_codegen() -> anyhow::Result<()> {
    let parent = tempfile::tempdir()?;
    let out = parent.path().join("client");
    let out_arg = out.to_string_lossy().into_owned();

    let stale = xtask(&["codegen", "--check", "--out", &out_arg])?;
    let stderr = text(&stale.stderr);
    assert_eq!(stale.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("missing  Cargo.toml"), "{stderr}");
    assert!(
        stderr.contains(&format!("run `cargo xtask codegen --out {out_arg}` to update them")),
        "{stderr}"
    );
    assert!(!out.exists(), "check mode writes nothing");

    let write = xtask(&["codegen", "--out", &out_arg])?;
    assert_eq!(write.status.code(), Some(0), "{}", text(&write.stderr));
    let summary = text(&write.stdout);
    assert!(summary.contains("codegen: 5 pages, "), "{summary}");
    assert!(summary.contains("created  Cargo.toml"), "{summary}");

    let fresh = xtask(&["codegen", "--check", "--out", &out_arg, "-q"])?;
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh.stderr));
    assert!(text(&fresh.stdout).contains("; 0 files out of date in "), "{}", text(&fresh.stdout));
    Ok(())
}

#[test]
fn list_prints_one_sorted_line_per_operation_path() -> anyhow::Result<()> {
    let output = xtask(&["list"])?;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<_> = stdout.lines().collect();
    assert!(lines.contains(
        &"beta POST /deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments -> 201 enrollmentConfigurationAssignment"
    ), "{stdout}");
    let mut sorted = lines.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(lines, sorted);
    Ok(())
}

#[test]
fn usage_errors_exit_2_and_a_missing_input_folder_exits_1() -> anyhow::Result<()> {
    let usage = xtask(&["codegen", "--jobs", "0"])?;
    assert_eq!(usage.status.code(), Some(2));
    let missing = xtask(&["codegen", "--check", "--input", "/definitely/not/here"])?;
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        text(&missing.stderr),
        "error: the input folder /definitely/not/here does not exist or is not a folder\n"
    );
    Ok(())
}

#[test]
fn a_folder_without_pages_is_an_error_and_leaves_the_output_as_it_was() -> anyhow::Result<()> {
    let input = tempfile::tempdir()?;
    fs::write(input.path().join("README.md"), "notes about the pages, which are elsewhere")?;
    fs::create_dir_all(input.path().join(".git"))?;
    fs::write(input.path().join(".git/HEAD"), "ref")?;
    let out = tempfile::tempdir()?;
    fs::create_dir_all(out.path().join("src"))?;
    fs::write(out.path().join("src/lib.rs"), "// an earlier generation\n")?;

    let (input_arg, out_arg) = (input.path().to_string_lossy(), out.path().to_string_lossy());
    let output = xtask(&["codegen", "--input", &input_arg, "--out", &out_arg])?;

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: the input folder {input_arg} holds no page (dotfiles and README.md/SOURCE.md notes are not \
             pages); nothing was generated or written\n"
        )
    );
    assert_eq!(fs::read_to_string(out.path().join("src/lib.rs"))?, "// an earlier generation\n");
    assert_eq!(fs::read_dir(out.path())?.count(), 1, "nothing added beside src/");
    Ok(())
}
