//! What the corpus tests share: finding the pages under a folder.

use std::path::{Path, PathBuf};

/// Every file under `dir` (recursively) whose extension is `extension`, appended to `out`; nothing
/// when `dir` is absent.
pub fn files_with_extension(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_with_extension(&path, extension, out);
        } else if path.extension().is_some_and(|ext| ext == extension) {
            out.push(path);
        }
    }
}
