//! `cargo xtask`: the entry point; everything it does lives in the library's [`xtask::cli`].

use std::process::ExitCode;

/// The pipeline allocates many small strings and token trees; mimalloc cuts the whole-corpus codegen's
/// CPU time by about a third against the system allocator (measured with `cargo xtask bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    xtask::cli::main(std::env::args_os())
}
