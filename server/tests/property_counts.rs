//! Every property of these suites and of the crate's unit tests takes its count from
//! `cases/mod.rs`: a count written in a property's config overrides `PROPTEST_CASES`, and a
//! search of more cases then runs CI's (eight suites did, and their searches of thousands of
//! cases ran 48 to 256).

use std::fs;
use std::path::{Path, PathBuf};

/// The Rust files under `folder`, at any depth.
fn sources(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

#[test]
fn no_property_writes_its_own_count() {
    let crate_folder = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut written = Vec::new();
    let mut asking = 0;
    for path in [sources(&crate_folder.join("tests")), sources(&crate_folder.join("src"))].concat() {
        let text = fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for opening in ["cases:", "with_cases("] {
                if let Some(at) = code.find(opening) {
                    let after = code[at + opening.len()..].trim_start();
                    if after.starts_with(|c: char| c.is_ascii_digit()) {
                        written.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
                    } else if after.contains("crate::cases::cases(") {
                        asking += 1;
                    }
                }
            }
        }
    }
    assert!(written.is_empty(), "counts written in a property's config:\n{}", written.join("\n"));
    assert!(asking >= 20, "the properties ask `cases` for their count ({asking} found)");
}
