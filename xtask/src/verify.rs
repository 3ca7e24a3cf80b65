//! `cargo xtask verify`: the fidelity report of the model against the service CSDL (see graph-verify):
//! pages → `graph_parser` → `graph_verify::verify` → the report on stdout, optionally the summary as
//! JSON and a check against recorded floors.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use graph_verify::{Floors, Metadata, Report};

use crate::codegen::{parse_pages, workspace_root};
use crate::pages::read_input_folder;

/// The CSDL folder beside the workspace (`../shared/graph-metadata`), where CI and developers have it.
pub fn default_metadata() -> PathBuf {
    workspace_root().join("../shared/graph-metadata")
}

/// Parses the pages under `input` and compares the model with the CSDL files in `metadata`.
pub fn run(input: &Path, metadata: &Path, jobs: Option<NonZeroUsize>) -> anyhow::Result<Report> {
    if !metadata.is_dir() {
        bail!("the metadata folder {} does not exist or is not a folder", metadata.display());
    }
    let inputs = read_input_folder(input)?;
    inputs.require_complete(input)?;
    let api = parse_pages(&inputs.pages, jobs)?;
    let metadata = Metadata::load(metadata).context("reading the metadata")?;
    let pages = inputs.pages.iter().map(|page| (page.path.as_str(), page.bytes.as_slice()));
    Ok(graph_verify::verify(&api, pages, &metadata))
}

/// Every floor in the JSON file `floors` that `report` does not reach, one message each.
pub fn check_floors(report: &Report, floors: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(floors).with_context(|| format!("reading {}", floors.display()))?;
    let floors: Floors = serde_json::from_str(&text)
        .with_context(|| format!("{} is not scope → figure → ratio", floors.display()))?;
    Ok(graph_verify::below_floors(&report.summary(), &floors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_pages_resolve_against_the_shared_metadata() -> anyhow::Result<()> {
        let metadata = default_metadata();
        if !metadata.is_dir() {
            println!("note: {} is absent; verify not checked", metadata.display());
            return Ok(());
        }
        let report = run(&workspace_root().join("docs-input"), &metadata, None)?;
        let resolved =
            report.summary().get("all").and_then(|figures| figures.get("request_lines.resolved")).copied();
        // Every request line of the five seeds is a real Intune path the 2021 service routes.
        assert!(
            resolved.is_some_and(|figure| figure.denominator > 0 && figure.numerator == figure.denominator)
        );
        Ok(())
    }

    #[test]
    fn floors_above_the_figures_are_reported() -> anyhow::Result<()> {
        let metadata = default_metadata();
        if !metadata.is_dir() {
            println!("note: {} is absent; verify not checked", metadata.display());
            return Ok(());
        }
        let report = run(&workspace_root().join("docs-input"), &metadata, None)?;
        let dir = tempfile::tempdir()?;
        let floors = dir.path().join("floors.json");
        std::fs::write(
            &floors,
            r#"{"all": {"request_lines.resolved": 1.0, "types.recall": 1.0, "no.such": 0.5}}"#,
        )?;
        let failures = check_floors(&report, &floors)?;
        assert!(failures.iter().any(|failure| failure.starts_with("all types.recall: ")), "{failures:?}");
        assert!(
            failures.iter().any(|failure| failure.starts_with("all no.such: no such figure")),
            "{failures:?}"
        );
        assert!(!failures.iter().any(|failure| failure.contains("request_lines.resolved")), "{failures:?}");
        Ok(())
    }
}
