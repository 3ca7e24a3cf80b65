//! Emits Rust from the model.
