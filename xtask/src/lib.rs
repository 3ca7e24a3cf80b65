//! The project's command-line tasks (`cargo xtask codegen`, `cargo xtask list`) as a library, so the
//! tests drive exactly the code the command runs.

pub mod cli;
pub mod codegen;
pub mod diagnostics;
pub mod list;
pub mod pages;
pub mod write;
