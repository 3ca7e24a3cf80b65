//! `cargo xtask`: the entry point; everything it does lives in the library's [`xtask::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    xtask::cli::main(std::env::args_os())
}
