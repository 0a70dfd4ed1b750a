//! mailflow: checks Exchange Online outbound mail flow (transport rules and outbound
//! connectors) kept as code, for the ordering and loop mistakes that lose signatures,
//! duplicate mail or loop it.
//!
//! Layers, each knowing only the one below: `syntax` (trees with byte spans) → `model` (one
//! typed model with spans) → `analysis` and `rules` (pure checks) → front doors (`cli`).

pub mod analysis;
pub mod check;
pub mod cli;
pub mod convert;
pub mod diagnostic;
pub mod discover;
pub mod fixes;
pub mod format;
pub mod ide;
pub mod lsp;
pub mod model;
pub mod rules;
pub mod suppression;
pub mod syntax;
pub mod text;
pub mod trace;
