//! `check --fix` on any text: fixing with the safe fixes, then with every fix, adds no
//! MF001-MF004 finding (the file still parses and reads as the format), and fixing again
//! changes nothing. The first byte picks the syntax (even: YAML, odd: DSL); the rest is the
//! text. Its CI twin is `mutated` in `server/tests/fix_runs.rs`.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use mailflow::check::{check, fix, Checked, Selection, Syntax};

/// The MF001-MF004 findings of a check, counted by code and message.
fn broken(checked: &Checked) -> BTreeMap<(&'static str, String), usize> {
    let mut found = BTreeMap::new();
    for d in checked.diagnostics.iter().filter(|d| ["MF001", "MF002", "MF003", "MF004"].contains(&d.code())) {
        *found.entry((d.code(), d.message.clone())).or_default() += 1;
    }
    found
}

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let syntax = if flag % 2 == 0 { Syntax::Yaml } else { Syntax::Dsl };
    let everything = Selection::default();
    let before = broken(&check(text, syntax, &everything));
    let safe = fix(text, syntax, &everything, false);
    let all = fix(&safe.text, syntax, &everything, true);
    for fixed in [&safe, &all] {
        for (finding, count) in broken(&fixed.checked) {
            assert!(count <= before.get(&finding).copied().unwrap_or(0), "fixing added {finding:?}");
        }
    }
    let again = fix(&all.text, syntax, &everything, true);
    assert_eq!(again.text, all.text, "a second run changed the text");
});
