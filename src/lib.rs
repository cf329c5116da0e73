//! hedge: finds single-vendor traps in infrastructure, AI gateway and contract files.
//!
//! Data flows one way, one module per stage:
//! `discover` (which files, which format) → `load` (bytes → checked text) → `parse` (one
//! lowering per format into the one spanned tree of `model`) → evaluate → `diag` → `report`.
//! `pipeline` wires the stages together and runs the per-file part on a rayon pool, so a file's
//! tree lives only while that file is being worked on.

// Input never panics the tool: outside tests, fallible values are handled, not unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod baseline;
pub mod cache;
pub mod cli;
pub mod config;
pub mod contracts;
pub mod diag;
pub mod discover;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod intern;
pub mod load;
pub mod lsp;
pub mod memory;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod report;
pub mod source;
pub mod suppress;
pub mod timings;
