//! The syntax layer: lossless, error-recovering trees with byte spans.

pub mod scalar;
pub mod yaml;
