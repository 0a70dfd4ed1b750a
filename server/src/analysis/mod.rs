//! The analysis: what the checks share, pure functions of the model, whatever syntax it was
//! written in. `roles` classifies rules and connectors; `simulate` follows messages pass by
//! pass. The checks themselves live in their rules' modules under `rules/`.

pub mod roles;
pub mod simulate;
