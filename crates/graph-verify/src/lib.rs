//! Checks the model extracted from the pages against the Graph service CSDL (the fidelity report).
//!
//! Stages: [`csdl`] reads `beta_metadata.xml` / `v1.0_metadata.xml` into plain structs; [`resolve`]
//! walks a path template through them the way the service routes a URL; [`request_lines`] counts the
//! pages' own request lines by a plain scan; [`report`] compares everything and prints recall,
//! precision and each disagreement, classified. The only I/O is [`Metadata::load`].

pub mod csdl;
pub mod report;
pub mod request_lines;
pub mod resolve;

use std::collections::BTreeMap;
use std::path::Path;

use graph_ir::ApiVersion;

pub use csdl::{Csdl, CsdlError};
pub use report::{below_floors, verify, Class, Disagreement, Figure, Floors, Report, Summary};

/// The metadata of each version found in a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub versions: BTreeMap<ApiVersion, Csdl>,
}

impl Metadata {
    /// Reads `beta_metadata.xml` and `v1.0_metadata.xml` from `dir`; a version whose file is absent is
    /// left out (the report says it was not checked). Fails when neither file exists or one is malformed.
    pub fn load(dir: &Path) -> Result<Metadata, CsdlError> {
        let mut metadata = Metadata::default();
        for version in [ApiVersion::Beta, ApiVersion::V1_0] {
            let file = format!("{}_metadata.xml", version.as_str());
            let path = dir.join(&file);
            if !path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|error| CsdlError {
                file: path.display().to_string(),
                message: error.to_string(),
            })?;
            metadata.versions.insert(version, Csdl::parse(&file, &text)?);
        }
        if metadata.versions.is_empty() {
            return Err(CsdlError {
                file: dir.display().to_string(),
                message: "has neither beta_metadata.xml nor v1.0_metadata.xml".into(),
            });
        }
        Ok(metadata)
    }
}
