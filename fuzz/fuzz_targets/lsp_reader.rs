//! Any bytes as the language server's standard input, through its message reader
//! (`server/src/lsp/transport.rs`), cut into reads of the sizes the first four bytes say:
//! see `fuzz/properties/lsp_reader.rs` for the input's form and what it holds. Its CI twin is
//! `server/tests/lsp_reader.rs`.

#![no_main]

#[path = "../properties/lsp_reader.rs"]
mod property;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    property::holds(&property::Stream::from_fuzz(data));
});
