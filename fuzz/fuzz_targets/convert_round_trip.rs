//! `mailflow convert` there and back on any text: the first byte picks the syntax (even:
//! YAML, odd: the DSL), the rest is the text. See `fuzz/properties/convert_round_trip.rs` for
//! what it holds. Its CI twin is `server/tests/convert_round_trip.rs`.

#![no_main]

#[path = "../properties/convert_round_trip.rs"]
mod property;

use libfuzzer_sys::fuzz_target;
use mailflow::check::Syntax;

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    property::holds(text, if flag % 2 == 0 { Syntax::Yaml } else { Syntax::Dsl });
});
