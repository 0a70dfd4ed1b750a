//! How many cases a property runs, in these suites and in the crate's own unit tests (which
//! include this file as `crate::cases`).

/// `default` (CI's count), or `PROPTEST_CASES` when set, to search further locally
/// (`PROPTEST_CASES=20000 cargo test --release -p mailflow --test convert_round_trip`). A
/// count written in a suite's config would override the variable, so every suite asks here.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}
