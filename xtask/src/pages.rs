//! Finds and reads the input pages: every regular file under the input folder, whatever its extension
//! (the parser detects the format from the content), sorted by `/`-separated relative path.
//!
//! Skipped: dotfiles and dot-folders, and the folder's own `README.md` / `SOURCE.md` notes at any depth.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context as _};

use crate::write::slash_path;

/// Files that describe a folder of pages rather than being pages.
const NOT_PAGES: [&str; 2] = ["README.md", "SOURCE.md"];

/// One input page: its path relative to the input folder (`/`-separated) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A file that was found but could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub path: String,
    pub error: String,
}

/// What the input folder holds, in path order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub pages: Vec<PageFile>,
    pub unreadable: Vec<Unreadable>,
}

impl Inputs {
    /// Fails unless the folder held pages and every file in it could be read: a run on part of the
    /// docs would drop the code (or the figures) of the pages it could not read, and a mistyped
    /// `--input` must not replace a crate with an empty one. Nothing has been written then.
    pub fn require_complete(&self, input: &Path) -> anyhow::Result<()> {
        if let Some(first) = self.unreadable.first() {
            bail!(
                "{} under {} could not be read (the first, {}: {}); nothing was generated or written, since \
                 the pages left out would lose their code: fix or remove them",
                crate::write::plural(self.unreadable.len(), "file"),
                input.display(),
                first.path,
                first.error
            );
        }
        if self.pages.is_empty() {
            bail!(
                "the input folder {} holds no page (dotfiles and README.md/SOURCE.md notes are not pages); \
                 nothing was generated or written",
                input.display()
            );
        }
        Ok(())
    }
}

/// Reads every page under `input`. Fails only when `input` itself is not a readable folder; a page
/// that cannot be read is listed in [`Inputs::unreadable`].
pub fn read_input_folder(input: &Path) -> anyhow::Result<Inputs> {
    if !input.is_dir() {
        bail!("the input folder {} does not exist or is not a folder", input.display());
    }
    let mut inputs = Inputs::default();
    let walk = walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name();
    for entry in walk.into_iter().filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name())) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                // A broken link, a loop or an unreadable folder: report it under its path if it has one;
                // a hidden one (an editor's `.#page.md` lock link) is skipped, as hidden files are.
                if error.path().and_then(Path::file_name).is_some_and(is_hidden) && error.depth() > 0 {
                    continue;
                }
                let path = error.path().map(Path::to_path_buf);
                let relative = path.as_deref().and_then(|path| path.strip_prefix(input).ok());
                match relative {
                    Some(relative) if error.depth() > 0 => inputs
                        .unreadable
                        .push(Unreadable { path: slash_path(relative), error: error.to_string() }),
                    _ => return Err(error).with_context(|| format!("listing {}", input.display())),
                }
                continue;
            }
        };
        if !entry.file_type().is_file() || is_folder_note(entry.file_name()) {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(input)
            .with_context(|| format!("{} is not inside {}", entry.path().display(), input.display()))?;
        let path = slash_path(relative);
        match fs::read(entry.path()) {
            Ok(bytes) => inputs.pages.push(PageFile { path, bytes }),
            Err(error) => inputs.unreadable.push(Unreadable { path, error: error.to_string() }),
        }
    }
    inputs.pages.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(inputs)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

fn is_folder_note(name: &std::ffi::OsStr) -> bool {
    NOT_PAGES.iter().any(|note| name == *note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(inputs: &Inputs) -> Vec<&str> {
        inputs.pages.iter().map(|page| page.path.as_str()).collect()
    }

    #[test]
    fn finds_every_page_recursively_sorted_by_relative_path_whatever_its_extension() -> anyhow::Result<()> {
        let input = tempfile::tempdir()?;
        fs::create_dir_all(input.path().join("v1.0/api"))?;
        fs::create_dir_all(input.path().join("beta"))?;
        fs::write(input.path().join("v1.0/api/user-get.md"), "page")?;
        fs::write(input.path().join("beta/z.txt"), "page")?;
        fs::write(input.path().join("beta/no-extension"), "page")?;
        fs::write(input.path().join("a.html"), "page")?;

        let inputs = read_input_folder(input.path())?;

        assert_eq!(paths(&inputs), ["a.html", "beta/no-extension", "beta/z.txt", "v1.0/api/user-get.md"]);
        assert!(inputs.unreadable.is_empty());
        Ok(())
    }

    #[test]
    fn skips_dotfiles_dot_folders_and_folder_notes() -> anyhow::Result<()> {
        let input = tempfile::tempdir()?;
        fs::create_dir_all(input.path().join(".git"))?;
        fs::create_dir_all(input.path().join("sub"))?;
        fs::write(input.path().join(".git/HEAD"), "ref")?;
        fs::write(input.path().join(".DS_Store"), "x")?;
        fs::write(input.path().join("README.md"), "about")?;
        fs::write(input.path().join("sub/SOURCE.md"), "where from")?;
        fs::write(input.path().join("sub/page.md"), "page")?;
        // An editor's lock link, dangling: hidden, so not an unreadable page either.
        #[cfg(unix)]
        std::os::unix::fs::symlink("user@host.1234:1700000000", input.path().join("sub/.#page.md"))?;

        let inputs = read_input_folder(input.path())?;

        assert_eq!(paths(&inputs), ["sub/page.md"]);
        assert_eq!(inputs.unreadable, []);
        Ok(())
    }

    #[test]
    fn keeps_the_bytes_as_they_are() -> anyhow::Result<()> {
        let input = tempfile::tempdir()?;
        fs::write(input.path().join("latin1.txt"), b"caf\xe9")?;
        let inputs = read_input_folder(input.path())?;
        assert_eq!(inputs.pages, [PageFile { path: "latin1.txt".into(), bytes: b"caf\xe9".to_vec() }]);
        Ok(())
    }

    #[test]
    fn a_missing_input_folder_is_an_error() {
        let error = read_input_folder(Path::new("/definitely/not/here")).err().map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some("the input folder /definitely/not/here does not exist or is not a folder")
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_page_is_listed_apart_and_the_others_are_still_read() -> anyhow::Result<()> {
        let input = tempfile::tempdir()?;
        fs::write(input.path().join("good.md"), "page")?;
        std::os::unix::fs::symlink(input.path().join("missing-target.md"), input.path().join("broken.md"))?;

        let inputs = read_input_folder(input.path())?;

        assert_eq!(paths(&inputs), ["good.md"]);
        let unreadable: Vec<_> = inputs.unreadable.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(unreadable, ["broken.md"]);
        let refused = inputs.require_complete(input.path()).err().map(|error| error.to_string());
        assert!(
            refused.as_deref().is_some_and(|message| message.contains("(the first, broken.md:")),
            "{refused:?}"
        );
        Ok(())
    }
}
