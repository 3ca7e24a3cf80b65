//! Reads Graph API reference pages into the graph-ir model.
pub mod blocks;
