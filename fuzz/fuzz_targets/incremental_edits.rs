//! An open document edited as the language server edits it: the first byte picks the syntax
//! (bit 0: YAML or the DSL) and the client's encoding (bit 1: UTF-16 or UTF-8 columns); the
//! rest, split at each `FF` byte, is the text opened and then one content change a record
//! (see `Step::from_fuzz`). See `fuzz/properties/incremental_edits.rs` for what it holds. Its CI twin
//! is `server/tests/incremental_edits.rs`.

#![no_main]

#[macro_use]
#[path = "../properties/incremental_edits.rs"]
mod property;

server_paths_for_document!();

use libfuzzer_sys::fuzz_target;
use mailflow::check::Syntax;
use property::{Encoding, Step};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let mut parts = rest.split(|&b| b == 0xFF);
    let Ok(text) = std::str::from_utf8(parts.next().unwrap_or_default()) else { return };
    let syntax = if flags & 1 == 0 { Syntax::Yaml } else { Syntax::Dsl };
    let encoding = if flags & 2 == 0 { Encoding::Utf16 } else { Encoding::Utf8 };
    let records: Vec<&[u8]> = parts.collect();
    property::holds(text, syntax, encoding, &Step::from_fuzz(&records));
});
