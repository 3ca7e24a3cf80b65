//! The project's command-line tasks (`cargo xtask codegen`, `list`, `verify`, `bench`) as a library, so the
//! tests drive exactly the code the command runs.

pub mod bench;
pub mod cli;
pub mod codegen;
pub mod diagnostics;
pub mod list;
pub mod pages;
pub mod verify;
pub mod write;
