//! Every property of these suites takes its count from `cases/mod.rs`: a count written in a
//! suite's config overrides `PROPTEST_CASES`, and a search of more cases then runs CI's
//! (eight suites did, and their searches of thousands of cases ran 48 to 256).

use std::fs;
use std::path::Path;

#[test]
fn no_suite_writes_its_own_count() {
    let suites = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut written = Vec::new();
    let mut asking = 0;
    for entry in fs::read_dir(&suites).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for opening in ["cases:", "with_cases("] {
                if let Some(at) = code.find(opening) {
                    let after = code[at + opening.len()..].trim_start();
                    if after.starts_with(|c: char| c.is_ascii_digit()) {
                        written.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
                    } else if after.starts_with("crate::cases::cases(") {
                        asking += 1;
                    }
                }
            }
        }
    }
    assert!(written.is_empty(), "counts written in a suite's config:\n{}", written.join("\n"));
    assert!(asking >= 16, "the suites' properties ask `cases` for their count ({asking} found)");
}
