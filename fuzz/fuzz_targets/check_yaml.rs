//! Any bytes as a YAML file through `check::check`, as `mailflow check` reads a
//! `*.mailflow.yaml` file: see `fuzz/properties/check.rs` for what it holds. Its CI twin is
//! `server/tests/robustness.rs`.

#![no_main]

#[path = "../properties/check.rs"]
mod property;

use libfuzzer_sys::fuzz_target;
use mailflow::check::Syntax;

fuzz_target!(|data: &[u8]| property::holds(data, Syntax::Yaml));
