//! Staleness is a test: plain `cargo test` fails when generated/ is not exactly what
//! `cargo xtask codegen` would write from docs-input/.

use xtask::codegen::Codegen;
use xtask::write::Mode;

#[test]
fn generated_crate_matches_docs_input() {
    let codegen = Codegen::workspace_default(Mode::Check);
    let report = match codegen.run() {
        Ok(report) => report,
        Err(error) => panic!("`cargo xtask codegen --check` failed: {error:#}"),
    };
    assert!(
        report.sync.is_up_to_date(),
        "{}",
        report.sync.stale_message(&codegen.out, "cargo xtask codegen")
    );
}
