//! mailflow: checks Exchange Online outbound mail flow (transport rules and outbound
//! connectors) kept as code, for the ordering and loop mistakes that lose signatures,
//! duplicate mail or loop it.
//!
//! Layers, each knowing only its own and those below (ARCHITECTURE.md numbers them, and
//! `tests/layering.rs` holds every module to its layer): `text` → `syntax` (trees with byte
//! spans) → `model` (one typed model with spans, the key catalogue and the DSL's statement
//! table) → `analysis` (pure functions of the model: roles, the simulator) → `fixes` (edit
//! primitives) → `rules` and `diagnostic` (the registry of checks, typed messages) →
//! `check`, `suppression`, `trace`, `headers` → `ide`, `format`, `convert`, `discover` → the front
//! doors, `cli` and `lsp`.

pub mod analysis;
pub mod check;
pub mod cli;
pub mod convert;
pub mod diagnostic;
pub mod discover;
pub mod fixes;
pub mod format;
pub mod headers;
pub mod ide;
pub mod lsp;
pub mod model;
pub mod rules;
pub mod side_by_side;
pub mod suppression;
pub mod syntax;
pub mod tenant;
pub mod text;
pub mod trace;

// The count of cases a property runs, `PROPTEST_CASES` or its default: the same file as the
// integration suites'.
#[cfg(test)]
#[path = "../tests/cases/mod.rs"]
mod cases;
