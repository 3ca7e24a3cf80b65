//! The one writer of generated files: compares what the emitter produced with what is on disk, then
//! writes the difference atomically or, in check mode, only reports it.
//!
//! The writer owns the generated areas of the output folder: `src/`, `tests/` and `Cargo.toml`. A file in
//! those areas that the emitter no longer produces is removed; anything else in the folder (a README,
//! `target/`) is left alone. It owns them only in a folder it generated (whose Cargo.toml bears
//! [`CARGO_TOML_MARK`]) or one without a crate: a mistyped `--out` naming another crate is refused.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context as _};
use graph_emit::{GeneratedFile, CARGO_TOML_MARK};

/// Folders of the output that belong to the generator as a whole.
const GENERATED_DIRS: [&str; 2] = ["src", "tests"];
/// Single files of the output that belong to the generator.
const GENERATED_FILES: [&str; 1] = ["Cargo.toml"];
/// How the temporary file of an atomic write is named, beside the file it replaces.
const TEMP_PREFIX: &str = ".codegen-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether to bring the output up to date or only find out whether it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// How one file on disk differs from what the generator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// The generator produces it and it is not on disk.
    Missing,
    /// On disk with other contents.
    Stale,
    /// On disk in a generated area, and the generator no longer produces it.
    Extra,
}

impl ChangeKind {
    /// What happened (write mode) or what would happen (check mode) to the file.
    fn describe(self, mode: Mode) -> &'static str {
        match (self, mode) {
            (ChangeKind::Missing, Mode::Write) => "created",
            (ChangeKind::Stale, Mode::Write) => "updated",
            (ChangeKind::Extra, Mode::Write) => "removed",
            (ChangeKind::Missing, Mode::Check) => "missing",
            (ChangeKind::Stale, Mode::Check) => "stale",
            (ChangeKind::Extra, Mode::Check) => "extra",
        }
    }
}

/// One differing file, by its path relative to the output folder (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
}

/// The outcome of [`sync`]: every file that differed, sorted by path. In write mode these were fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub mode: Mode,
    pub changes: Vec<Change>,
}

impl SyncReport {
    /// Check mode found nothing to do (write mode is always up to date afterwards).
    pub fn is_up_to_date(&self) -> bool {
        self.mode == Mode::Write || self.changes.is_empty()
    }

    /// The message for a failed check: each differing file, then the command that fixes them.
    pub fn stale_message(&self, out: &Path, command: &str) -> String {
        let mut message = format!(
            "{} in {} {} out of date:\n",
            plural(self.changes.len(), "generated file"),
            out.display(),
            if self.changes.len() == 1 { "is" } else { "are" },
        );
        for change in &self.changes {
            message.push_str(&format!("  {:<8} {}\n", change.kind.describe(self.mode), change.path));
        }
        message.push_str(&format!("run `{command}` to update them"));
        message
    }
}

impl fmt::Display for SyncReport {
    /// One line per differing file: `updated  src/lib.rs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{:<8} {}", change.kind.describe(self.mode), change.path)?;
        }
        Ok(())
    }
}

/// `1 file`, `2 files`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Brings `out` in line with `files` (write mode) or reports how it differs (check mode, writes nothing).
///
/// Errors are I/O failures and emitted paths that would land outside the output folder; a stale output
/// in check mode is not an error but a report with changes.
pub fn sync(out: &Path, files: &[GeneratedFile], mode: Mode) -> anyhow::Result<SyncReport> {
    refuse_another_crate(out)?;
    let mut wanted = BTreeSet::new();
    let mut changes = Vec::new();
    let mut to_write = Vec::new();
    for file in files {
        let relative = checked_relative_path(&file.path)?;
        if !wanted.insert(file.path.as_str()) {
            bail!("the emitter produced {} twice", file.path);
        }
        let target = out.join(&relative);
        let contents = normalise(&file.path, &file.contents);
        let kind = match fs::read(&target) {
            Ok(on_disk) if same_contents(&on_disk, &contents) => continue,
            Ok(_) => ChangeKind::Stale,
            Err(error) if error.kind() == io::ErrorKind::NotFound => ChangeKind::Missing,
            Err(error) => return Err(error).with_context(|| format!("reading {}", target.display())),
        };
        changes.push(Change { path: file.path.clone(), kind });
        to_write.push((target, contents));
    }

    let extras: Vec<FoundFile> = files_in_generated_areas(out)?
        .into_iter()
        .filter(|found| !wanted.contains(found.name.as_str()))
        .collect();
    changes.extend(extras.iter().map(|found| Change { path: found.name.clone(), kind: ChangeKind::Extra }));
    changes.sort();

    if mode == Mode::Write {
        // Every new file is written in full before the first replaces anything: a failure while
        // writing (a full disk, a folder in the way) leaves the old output as it was.
        let mut staging = Staging::default();
        for (target, contents) in &to_write {
            if let Err(error) = staging.stage(target, contents) {
                staging.abandon();
                return Err(error);
            }
        }
        staging.commit()?;
        for found in &extras {
            remove_generated_file(out, &found.path)?;
        }
    }
    Ok(SyncReport { mode, changes })
}

/// The inner attribute that makes `cargo fmt` leave a file alone (`rustfmt::skip` itself is not allowed
/// as an inner attribute on stable Rust; under `cfg_attr(rustfmt, …)` only rustfmt sees it).
pub const RUSTFMT_SKIP: &str = "#![cfg_attr(rustfmt, rustfmt::skip)]";

/// The file as it is written: a Rust file gets [`RUSTFMT_SKIP`] after its leading `//!` lines, unless
/// it has it already.
///
/// Generated Rust is printed by prettyplease (pinned by Cargo.lock), whose layout differs from
/// rustfmt's; without the marker `cargo fmt --all` would rewrite generated/ and `--check` would then
/// call it stale.
pub fn normalise<'a>(path: &str, contents: &'a str) -> Cow<'a, str> {
    if !path.ends_with(".rs") || contents.lines().any(|line| line.trim() == RUSTFMT_SKIP) {
        return Cow::Borrowed(contents);
    }
    let header_len: usize =
        contents.split_inclusive('\n').take_while(|line| line.starts_with("//!")).map(str::len).sum();
    let (header, body) = contents.split_at(header_len);
    let break_after_header = if header.is_empty() || header.ends_with('\n') { "" } else { "\n" };
    Cow::Owned(format!("{header}{break_after_header}{RUSTFMT_SKIP}\n{body}"))
}

/// The emitted path as a relative path that stays inside the output folder: plain names only.
fn checked_relative_path(path: &str) -> anyhow::Result<PathBuf> {
    let relative = PathBuf::from(path);
    let plain = !path.is_empty()
        && !path.contains('\\')
        && relative.components().all(|component| matches!(component, Component::Normal(_)));
    if !plain {
        bail!("the emitter produced a file with a path outside the output folder: {path:?}");
    }
    Ok(relative)
}

/// Equal, or equal once a checkout's CRLF line ends are read as LF (git may convert them on Windows).
fn same_contents(on_disk: &[u8], wanted: &str) -> bool {
    on_disk == wanted.as_bytes()
        || (on_disk.contains(&b'\r') && String::from_utf8_lossy(on_disk).replace("\r\n", "\n") == wanted)
}

/// Fails when `out` holds a crate this writer did not generate: a Cargo.toml without
/// [`CARGO_TOML_MARK`], or files in `src/` or `tests/` beside none at all. Its files would be
/// replaced and removed.
fn refuse_another_crate(out: &Path) -> anyhow::Result<()> {
    let manifest = out.join("Cargo.toml");
    let refuse = |holds: &str| {
        anyhow::anyhow!(
            "{} holds {holds}, not a crate `cargo xtask codegen` wrote; it would replace or remove that \
             crate's files, so it writes nothing there: choose a new or empty folder",
            out.display()
        )
    };
    match fs::read(&manifest) {
        Ok(contents) if contents.starts_with(CARGO_TOML_MARK.as_bytes()) => Ok(()),
        Ok(_) => Err(refuse("a Cargo.toml")),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let areas = GENERATED_DIRS.iter().map(|dir| out.join(dir)).filter(|dir| dir.is_dir());
            let mut files =
                areas.flat_map(|dir| walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok));
            if files.any(|entry| !entry.file_type().is_dir()) {
                return Err(refuse("files in src/ or tests/"));
            }
            Ok(())
        }
        Err(error) => Err(error).with_context(|| format!("reading {}", manifest.display())),
    }
}

/// A file found in a generated area: its name as reported (`/`-separated, relative to the output
/// folder, lossy if the name is not UTF-8) and its real path, which removing it needs.
struct FoundFile {
    name: String,
    path: PathBuf,
}

/// Every file under the generated areas of `out`, sorted by name; and the temporary files an
/// interrupted write left at the top of `out` (those in the areas are found with the rest).
fn files_in_generated_areas(out: &Path) -> anyhow::Result<Vec<FoundFile>> {
    let mut found = Vec::new();
    for name in GENERATED_FILES {
        let path = out.join(name);
        if path.is_file() {
            found.push(FoundFile { name: name.to_owned(), path });
        }
    }
    if let Ok(entries) = fs::read_dir(out) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) && entry.path().is_file() {
                found.push(FoundFile { name, path: entry.path() });
            }
        }
    }
    for dir in GENERATED_DIRS {
        let root = out.join(dir);
        if !root.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.with_context(|| format!("listing {}", root.display()))?;
            if entry.file_type().is_dir() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(out)
                .with_context(|| format!("{} is not inside {}", entry.path().display(), out.display()))?;
            found.push(FoundFile { name: slash_path(relative), path: entry.path().to_path_buf() });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    Ok(found)
}

/// A relative path written with `/` whatever the platform.
pub fn slash_path(path: &Path) -> String {
    let parts: Vec<_> = path.components().map(|part| part.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

/// New files written beside the ones they will replace, not yet renamed over them.
#[derive(Default)]
struct Staging {
    /// Each written temporary file (removed when dropped) and the file it will replace.
    files: Vec<(tempfile::TempPath, PathBuf)>,
    /// Folders created for new files, parents before their children.
    created_dirs: Vec<PathBuf>,
}

impl Staging {
    /// Writes `contents` to a temporary file beside `target` and flushes it to disk, creating the
    /// folder it needs; the file is closed, so staging many files holds no descriptors open.
    fn stage(&mut self, target: &Path, contents: &str) -> anyhow::Result<()> {
        let dir = target.parent().with_context(|| format!("{} has no parent folder", target.display()))?;
        self.create_dir_all(dir)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
        // A temporary file is private (0600); the generated file should get the permissions a normal
        // write would give, or keep the ones it had.
        #[cfg(unix)]
        let permissions = match fs::metadata(target) {
            Ok(metadata) => metadata.permissions(),
            Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o644),
        };
        #[cfg(unix)]
        builder.permissions(permissions);
        let mut temp = builder
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        temp.write_all(contents.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("writing {}", temp.path().display()))?;
        self.files.push((temp.into_temp_path(), target.to_path_buf()));
        Ok(())
    }

    /// `fs::create_dir_all`, remembering which folders it made so that [`Staging::abandon`] can take
    /// them away again.
    fn create_dir_all(&mut self, dir: &Path) -> anyhow::Result<()> {
        // A relative path's last ancestor is `""`, the current folder: there already.
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.is_dir())
            .collect();
        for ancestor in missing.into_iter().rev() {
            fs::create_dir(ancestor).with_context(|| format!("creating {}", ancestor.display()))?;
            self.created_dirs.push(ancestor.to_path_buf());
        }
        Ok(())
    }

    /// Renames every staged file over the file it replaces. Each rename is atomic, so a reader (or an
    /// interrupted run) sees the old file or the new one, never half of one.
    fn commit(self) -> anyhow::Result<()> {
        for (temp, target) in self.files {
            temp.persist(&target).with_context(|| format!("replacing {}", target.display()))?;
        }
        Ok(())
    }

    /// Removes every staged file and the folders made for them.
    fn abandon(self) {
        drop(self.files);
        for dir in self.created_dirs.iter().rev() {
            // Best effort: the error being reported is the one that made the run stop.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Removes a file the generator no longer produces, then any folders that removal left empty, up to
/// (not including) the generated area itself.
fn remove_generated_file(out: &Path, path: &Path) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        // Gone already (another run into the same folder took its temporary file): as wanted.
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        result => result.with_context(|| format!("removing {}", path.display()))?,
    }
    let mut dir = path.parent();
    while let Some(current) = dir {
        let is_area_or_above = current == out
            || GENERATED_DIRS.iter().any(|area| current == out.join(area))
            || !current.starts_with(out);
        if is_area_or_above {
            break;
        }
        // A folder gone already, or refilled since (another run into the same folder), is left
        // as it is.
        let is_empty = match fs::read_dir(current) {
            Ok(mut entries) => entries.next().is_none(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => false,
            Err(error) => return Err(error).with_context(|| format!("listing {}", current.display())),
        };
        if !is_empty {
            break;
        }
        match fs::remove_dir(current) {
            Ok(()) => {}
            Err(error)
                if matches!(error.kind(), io::ErrorKind::NotFound | io::ErrorKind::DirectoryNotEmpty) =>
            {
                break
            }
            Err(error) => return Err(error).with_context(|| format!("removing {}", current.display())),
        }
        dir = current.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile { path: path.to_owned(), contents: contents.to_owned() }
    }

    fn emitted() -> Vec<GeneratedFile> {
        vec![
            file(
                "Cargo.toml",
                &format!("{CARGO_TOML_MARK} from 1 input page.\n[package]\nname = \"graph-client\"\n"),
            ),
            file("src/lib.rs", "//! lib\npub mod beta;\n"),
            file("src/beta/mod.rs", "//! beta\n"),
            file("tests/smoke.rs", "//! smoke\n"),
        ]
    }

    /// Every file under `dir`, relative and sorted, with its contents.
    fn tree(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                let relative = entry.path().strip_prefix(dir).map(slash_path).unwrap_or_default();
                let contents = fs::read_to_string(entry.path()).unwrap_or_default();
                (relative, contents)
            })
            .collect();
        files.sort();
        files
    }

    fn change(path: &str, kind: ChangeKind) -> Change {
        Change { path: path.to_owned(), kind }
    }

    #[test]
    fn write_mode_creates_every_file_in_an_empty_folder() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        let report = sync(out.path(), &emitted(), Mode::Write)?;
        assert_eq!(report.changes.len(), 4);
        assert!(report.changes.iter().all(|change| change.kind == ChangeKind::Missing));
        let expected: Vec<_> = {
            let mut files: Vec<_> = emitted()
                .into_iter()
                .map(|file| (file.path.clone(), normalise(&file.path, &file.contents).into_owned()))
                .collect();
            files.sort();
            files
        };
        assert_eq!(tree(out.path()), expected);
        Ok(())
    }

    #[test]
    fn write_mode_updates_stale_files_removes_extra_ones_and_leaves_the_rest_alone() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        fs::write(out.path().join("src/lib.rs"), "// edited by hand\n")?;
        fs::create_dir_all(out.path().join("src/old/deeper"))?;
        fs::write(out.path().join("src/old/deeper/gone.rs"), "// no longer generated\n")?;
        fs::write(out.path().join("README.md"), "not generated\n")?;
        fs::create_dir_all(out.path().join("target"))?;
        fs::write(out.path().join("target/build.log"), "not generated\n")?;

        let report = sync(out.path(), &emitted(), Mode::Write)?;

        assert_eq!(
            report.changes,
            vec![
                change("src/lib.rs", ChangeKind::Stale),
                change("src/old/deeper/gone.rs", ChangeKind::Extra)
            ]
        );
        assert_eq!(
            fs::read_to_string(out.path().join("src/lib.rs"))?,
            "//! lib\n#![cfg_attr(rustfmt, rustfmt::skip)]\npub mod beta;\n"
        );
        assert!(!out.path().join("src/old").exists(), "emptied folders are removed");
        assert!(out.path().join("src").is_dir());
        assert_eq!(fs::read_to_string(out.path().join("README.md"))?, "not generated\n");
        assert!(out.path().join("target/build.log").is_file());
        Ok(())
    }

    #[test]
    fn a_cargo_toml_the_generator_no_longer_produces_is_removed() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        let without_manifest: Vec<_> =
            emitted().into_iter().filter(|file| file.path != "Cargo.toml").collect();
        let report = sync(out.path(), &without_manifest, Mode::Write)?;
        assert_eq!(report.changes, vec![change("Cargo.toml", ChangeKind::Extra)]);
        assert!(!out.path().join("Cargo.toml").exists());
        Ok(())
    }

    #[test]
    fn check_mode_writes_nothing_and_reports_exactly_the_differing_files() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        fs::write(out.path().join("src/lib.rs"), "// edited by hand\n")?;
        fs::remove_file(out.path().join("tests/smoke.rs"))?;
        fs::write(out.path().join("src/extra.rs"), "// stray\n")?;
        let before = tree(out.path());

        let report = sync(out.path(), &emitted(), Mode::Check)?;

        assert_eq!(tree(out.path()), before, "check mode must not touch the disk");
        assert_eq!(
            report.changes,
            vec![
                change("src/extra.rs", ChangeKind::Extra),
                change("src/lib.rs", ChangeKind::Stale),
                change("tests/smoke.rs", ChangeKind::Missing),
            ]
        );
        assert!(!report.is_up_to_date());
        let message = report.stale_message(Path::new("generated"), "cargo xtask codegen");
        assert_eq!(
            message,
            "3 generated files in generated are out of date:\n  \
             extra    src/extra.rs\n  \
             stale    src/lib.rs\n  \
             missing  tests/smoke.rs\n\
             run `cargo xtask codegen` to update them"
        );
        Ok(())
    }

    #[test]
    fn check_mode_on_an_up_to_date_folder_reports_nothing() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        let report = sync(out.path(), &emitted(), Mode::Check)?;
        assert!(report.changes.is_empty());
        assert!(report.is_up_to_date());
        Ok(())
    }

    #[test]
    fn a_folder_holding_another_crate_is_refused_and_left_as_it_was() -> anyhow::Result<()> {
        for (manifest, stray) in
            [(Some("[package]\nname = \"mine\"\n"), "src/lib.rs"), (None, "tests/mine.rs")]
        {
            let out = tempfile::tempdir()?;
            if let Some(manifest) = manifest {
                fs::write(out.path().join("Cargo.toml"), manifest)?;
            }
            fs::create_dir_all(out.path().join("src"))?;
            fs::create_dir_all(out.path().join("tests"))?;
            fs::write(out.path().join(stray), "// mine\n")?;
            let before = tree(out.path());
            for mode in [Mode::Write, Mode::Check] {
                let error = sync(out.path(), &emitted(), mode).map(|_| ()).unwrap_err().to_string();
                assert!(error.contains("not a crate `cargo xtask codegen` wrote"), "{error}");
                assert!(
                    error.contains(if manifest.is_some() { "a Cargo.toml" } else { "files in src/" }),
                    "{error}"
                );
                assert_eq!(tree(out.path()), before, "nothing written or removed");
            }
        }
        Ok(())
    }

    #[test]
    fn a_temporary_file_an_interrupted_write_left_is_extra() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        fs::write(out.path().join(".codegen-AbC123.tmp"), "[package]\n")?;
        let check = sync(out.path(), &emitted(), Mode::Check)?;
        assert_eq!(check.changes, vec![change(".codegen-AbC123.tmp", ChangeKind::Extra)]);
        sync(out.path(), &emitted(), Mode::Write)?;
        assert!(!out.path().join(".codegen-AbC123.tmp").exists());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn an_extra_file_whose_name_is_not_utf8_is_reported_and_removed() -> anyhow::Result<()> {
        use std::os::unix::ffi::OsStrExt as _;
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        let stray = out.path().join("src").join(std::ffi::OsStr::from_bytes(b"caf\xe9.rs"));
        fs::write(&stray, "// stray\n")?;
        let report = sync(out.path(), &emitted(), Mode::Write)?;
        assert_eq!(report.changes, vec![change("src/caf\u{fffd}.rs", ChangeKind::Extra)]);
        assert!(!stray.exists());
        Ok(())
    }

    #[test]
    fn check_mode_does_not_create_a_missing_output_folder() -> anyhow::Result<()> {
        let parent = tempfile::tempdir()?;
        let out = parent.path().join("not-yet");
        let report = sync(&out, &emitted(), Mode::Check)?;
        assert_eq!(report.changes.len(), 4);
        assert!(!out.exists());
        Ok(())
    }

    #[test]
    fn crlf_checkouts_count_as_up_to_date() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        fs::write(
            out.path().join("src/lib.rs"),
            "//! lib\r\n#![cfg_attr(rustfmt, rustfmt::skip)]\r\npub mod beta;\r\n",
        )?;
        let report = sync(out.path(), &emitted(), Mode::Check)?;
        assert!(report.changes.is_empty(), "{report}");
        Ok(())
    }

    #[test]
    fn atomic_writes_leave_no_temporary_files_behind() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        let changed: Vec<_> = emitted()
            .into_iter()
            .map(|file| GeneratedFile { contents: format!("{}// v2\n", file.contents), ..file })
            .collect();
        sync(out.path(), &changed, Mode::Write)?;
        let names: Vec<_> = tree(out.path()).into_iter().map(|(path, _)| path).collect();
        assert_eq!(names, ["Cargo.toml", "src/beta/mod.rs", "src/lib.rs", "tests/smoke.rs"]);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_failure_while_writing_leaves_the_old_output_as_it_was() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        // A dangling link where the last new file needs a folder: the file is missing, so it is
        // written, and writing stops there, after the changed files and a new file in new folders.
        std::os::unix::fs::symlink(out.path().join("nowhere"), out.path().join("src/blocked"))?;
        let before = tree(out.path());
        let mut changed: Vec<_> = emitted()
            .into_iter()
            .map(|file| GeneratedFile { contents: format!("{}// v2\n", file.contents), ..file })
            .collect();
        changed.push(file("src/deep/er/x.rs", "//! New.\n"));
        changed.push(file("src/blocked/x.rs", "//! Blocked.\n"));

        let error = sync(out.path(), &changed, Mode::Write).err().map(|error| format!("{error:#}"));
        assert!(error.as_deref().is_some_and(|message| message.contains("src/blocked")), "{error:?}");
        assert_eq!(tree(out.path()), before, "no file replaced, no temporary file left");
        assert!(!out.path().join("src/deep").exists(), "the folders made for new files are gone");
        Ok(())
    }

    #[test]
    fn an_extra_file_gone_before_its_removal_is_no_error() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        fs::create_dir_all(out.path().join("src/area"))?;
        fs::write(out.path().join("src/keep.rs"), "//! Kept.\n")?;
        // Another run into the same folder took it first, and (the second) its folder too.
        remove_generated_file(out.path(), &out.path().join("src/area/.codegen-x.tmp"))?;
        assert!(!out.path().join("src/area").exists(), "the folder it left empty is removed");
        remove_generated_file(out.path(), &out.path().join("src/gone/.codegen-y.tmp"))?;
        assert!(out.path().join("src/keep.rs").exists());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others_like_a_normal_write() -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        let out = tempfile::tempdir()?;
        sync(out.path(), &emitted(), Mode::Write)?;
        let mode = fs::metadata(out.path().join("src/lib.rs"))?.permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        Ok(())
    }

    #[test]
    fn paths_that_escape_the_output_folder_are_refused_before_anything_is_written() -> anyhow::Result<()> {
        for bad in ["../escape.rs", "/etc/passwd", "src/../../x.rs", "", "src\\windows.rs"] {
            let out = tempfile::tempdir()?;
            let mut files = emitted();
            files.push(file(bad, "x"));
            let error = sync(out.path(), &files, Mode::Write).err().map(|error| error.to_string());
            assert!(
                error.as_deref().is_some_and(|message| message.contains("outside the output folder")),
                "{bad:?} gave {error:?}"
            );
            assert!(tree(out.path()).is_empty(), "{bad:?} must not write anything");
        }
        Ok(())
    }

    #[test]
    fn a_path_emitted_twice_is_refused() -> anyhow::Result<()> {
        let out = tempfile::tempdir()?;
        let mut files = emitted();
        files.push(file("src/lib.rs", "again"));
        let error = sync(out.path(), &files, Mode::Write).err().map(|error| error.to_string());
        assert_eq!(error.as_deref(), Some("the emitter produced src/lib.rs twice"));
        Ok(())
    }

    #[test]
    fn rust_files_are_marked_for_rustfmt_to_skip_after_their_inner_docs() {
        assert_eq!(
            normalise("src/lib.rs", "//! Generated.\n//!\n//! More.\n\nuse std::fmt;\n"),
            "//! Generated.\n//!\n//! More.\n#![cfg_attr(rustfmt, rustfmt::skip)]\n\nuse std::fmt;\n"
        );
        assert_eq!(
            normalise("src/a.rs", "pub struct A;\n"),
            "#![cfg_attr(rustfmt, rustfmt::skip)]\npub struct A;\n"
        );
        assert_eq!(
            normalise("src/a.rs", "//! only docs"),
            "//! only docs\n#![cfg_attr(rustfmt, rustfmt::skip)]\n"
        );
    }

    #[test]
    fn the_rustfmt_marker_is_added_once_and_only_to_rust_files() {
        let marked = "//! Generated.\n#![cfg_attr(rustfmt, rustfmt::skip)]\npub struct A;\n";
        assert_eq!(normalise("src/a.rs", marked), marked);
        assert_eq!(normalise("Cargo.toml", "[package]\n"), "[package]\n");
    }
}
