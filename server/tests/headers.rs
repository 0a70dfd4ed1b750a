//! `mailflow headers` on header fixtures written for these tests from documented formats
//! (`tests/headers/`, each citing its sources in `Comments:` fields; no real message): each
//! fixture's Exchange Online passes, services and findings, its JSON as an insta snapshot,
//! the comparison with the examples' files (`--config`), and properties: any text gives a
//! report or an error, never a panic, and the order of the fields other than `Received:`
//! changes nothing.

mod cases;

use std::path::{Path, PathBuf};

use mailflow::check::{check, Checked, Selection, Syntax};
use mailflow::headers::{analyse, render, HeadersFormat, Report};
use proptest::prelude::*;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/headers").join(name)).unwrap()
}

fn report(name: &str) -> Report {
    analyse(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(report: &Report) -> Value {
    serde_json::from_str(&render(report, HeadersFormat::Json)).unwrap()
}

/// Services as `kind vendor pass`, findings as codes.
fn summary(report: &Report) -> (Option<u32>, Vec<String>, Vec<&'static str>) {
    let services = report
        .services
        .iter()
        .map(|v| {
            format!(
                "{} {} {}",
                v.system.kind.key(),
                v.system.vendor().unwrap_or("-"),
                v.pass.map_or("-".to_owned(), |p| p.to_string())
            )
        })
        .collect();
    (report.exchange_passes, services, report.findings.iter().map(|d| d.code()).collect())
}

/// A fixture's name, its passes, its services in order (`kind vendor pass`), its findings.
type Expected = (&'static str, Option<u32>, &'static [&'static str], &'static [&'static str]);

const EXPECTED: &[Expected] = &[
    ("plain-exchange-online.txt", Some(1), &[], &[]),
    ("fig1a-signature-then-smart-host-delivers.txt", Some(2), &["signature codetwo 1", "smart-host mimecast 2"], &[]),
    ("fig1a-crlf.eml", Some(2), &["signature codetwo 1", "smart-host mimecast 2"], &[]),
    ("fig1b-smart-host-returns.txt", Some(3), &["signature codetwo 1", "smart-host mimecast 2"], &[]),
    ("exclaimer-then-seppmail-returns.txt", Some(3), &["signature exclaimer 1", "smart-host seppmail 2"], &[]),
    ("smart-host-before-signature.txt", Some(3), &["smart-host mimecast 1", "signature codetwo 2"], &["MF501"]),
    (
        "service-visited-twice.txt",
        Some(4),
        &["signature codetwo 1", "smart-host mimecast 2", "smart-host mimecast 3"],
        &["MF502"],
    ),
    (
        "ndr-5.4.14-attr34.txt",
        Some(4),
        &["signature codetwo 1", "signature codetwo 2", "signature codetwo 3"],
        &["MF502", "MF503"],
    ),
    ("ndr-5.4.6-attr1.txt", Some(3), &["signature exclaimer 1", "signature exclaimer 2"], &["MF502", "MF503"]),
    ("missing-hand-off.txt", Some(2), &["signature codetwo 1"], &["MF504"]),
    ("local-time-and-clock-backwards.txt", Some(2), &["signature codetwo 1", "smart-host mimecast 2"], &[]),
    ("duplicated-lines.txt", Some(2), &["signature codetwo 1", "smart-host mimecast 2"], &[]),
    ("hybrid-on-premises.txt", Some(2), &["signature codetwo 1"], &[]),
    ("comment-only-and-from-less.txt", Some(1), &[], &[]),
    ("folded-and-encoded.txt", Some(2), &["signature codetwo 1", "smart-host mimecast 2"], &[]),
];

#[test]
fn each_fixture_has_its_passes_services_and_findings() {
    let mut wrong = Vec::new();
    for (name, passes, services, codes) in EXPECTED {
        let got = summary(&report(name));
        let want = (*passes, services.iter().map(|s| s.to_string()).collect::<Vec<_>>(), codes.to_vec());
        if got != want {
            wrong.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_fixture_is_in_the_table() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/headers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|e| e.0.to_owned()).collect();
    listed.sort();
    assert_eq!(names, listed);
}

/// Each fixture's JSON as a snapshot (`headers__fixtures_as_json@NAME.snap`). The folder is
/// listed by hand rather than by `insta::glob!`, which walks the whole of `tests/`.
#[test]
fn fixtures_as_json() {
    for (name, ..) in EXPECTED {
        let report = report(name);
        insta::with_settings!({snapshot_suffix => *name, input_file => root().join("tests/headers").join(name)}, {
            insta::assert_snapshot!("fixtures_as_json", render(&report, HeadersFormat::Json));
        });
    }
}

#[test]
fn the_json_has_the_pinned_shape() {
    let document = json(&report("fig1b-smart-host-returns.txt"));
    let keys: Vec<&str> = document.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["exchangePasses", "findings", "hops", "services", "version"]);
    assert_eq!(document["version"], 1);
    for hop in document["hops"].as_array().unwrap() {
        let mut keys: Vec<&str> = hop.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["by", "from", "pass", "system", "time", "with"]);
        let kinds =
            ["exchange-online", "signature", "smart-host", "on-premises", "other-service", "recipient", "unknown"];
        assert!(kinds.contains(&hop["system"]["kind"].as_str().unwrap()), "{hop}");
    }
    assert_eq!(document["services"][0], serde_json::json!({"kind": "signature", "vendor": "codetwo", "pass": 1}));
    assert_eq!(document["hops"][0]["time"], "2025-07-01T10:00:01Z");
    let looped = json(&report("ndr-5.4.14-attr34.txt"));
    let finding = &looped["findings"][1];
    assert_eq!((finding["code"].as_str(), finding["severity"].as_str()), (Some("MF503"), Some("error")));
    assert!(finding["message"].as_str().unwrap().contains("5.4.14 Hop count exceeded"), "{finding}");
}

#[test]
fn crlf_and_lf_read_the_same() {
    let crlf = fixture("fig1a-crlf.eml");
    assert!(crlf.contains("\r\n"));
    assert_eq!(json(&report("fig1a-crlf.eml")), json(&report("fig1a-signature-then-smart-host-delivers.txt")));
    let lf = analyse(&crlf.replace("\r\n", "\n"), None).unwrap();
    assert_eq!(json(&lf), json(&report("fig1a-crlf.eml")));
}

#[test]
fn folded_lines_and_encoded_words_are_read() {
    let report = report("folded-and-encoded.txt");
    assert_eq!(report.sender.as_deref(), Some("sender@contoso.com"));
    assert_eq!(report.subject.as_deref(), Some("Quartalszählen Q2"));
    let recipient_hop = report.hops.last().unwrap();
    assert_eq!(recipient_hop.by.as_deref(), Some("mx.fabrikam.example"));
    // `with` inside the comment `(using TLSv1.2 with cipher …)` is not the hop's `with`.
    assert_eq!(recipient_hop.with.as_deref(), Some("ESMTPS"));
    assert_eq!(recipient_hop.system.kind.key(), "recipient");
}

#[test]
fn local_stamps_keep_their_zone_and_order_is_by_position() {
    let report = report("local-time-and-clock-backwards.txt");
    let times: Vec<&str> = report.hops.iter().map(|h| h.time.as_ref().unwrap().rfc3339.as_str()).collect();
    assert_eq!(times[5], "2025-07-01T11:00:07+01:00");
    assert_eq!(times[6], "2025-07-01T05:00:09-05:00");
    assert_eq!(report.hops[5].time.as_ref().unwrap().unix + 2, report.hops[6].time.as_ref().unwrap().unix);
    assert!(report.notes.iter().any(|n| n.contains("3 s behind")), "{:?}", report.notes);
}

#[test]
fn duplicated_lines_count_once() {
    let report = report("duplicated-lines.txt");
    assert_eq!(report.hops.len(), 7);
    assert!(report.notes.iter().any(|n| n.contains("given twice")), "{:?}", report.notes);
}

#[test]
fn odd_lines_are_kept_as_hops_of_the_recipient() {
    let report = report("comment-only-and-from-less.txt");
    let last = &report.hops[report.hops.len() - 1];
    assert!(last.comment_only && last.by.is_none() && last.from.is_none());
    let from_less = &report.hops[report.hops.len() - 2];
    assert_eq!((from_less.from.as_deref(), from_less.by.as_deref()), (None, Some("mail.fabrikam.example")));
    assert!(report.hops[2..].iter().all(|h| h.system.kind.key() == "recipient"));
}

#[test]
fn a_hybrid_message_starts_on_premises() {
    let report = report("hybrid-on-premises.txt");
    let kinds: Vec<&str> = report.hops.iter().map(|h| h.system.kind.key()).collect();
    assert_eq!(kinds[..3], ["on-premises", "on-premises", "exchange-online"]);
    assert_eq!((report.hops[0].pass, report.hops[2].pass), (None, Some(1)));
}

#[test]
fn an_ndr_is_read_from_the_headers_it_quotes() {
    let report = report("ndr-5.4.6-attr1.txt");
    // The NDR's own From is not the sender: the quoted headers are read.
    assert_eq!(report.sender.as_deref(), Some("sender@contoso.com"));
    assert!(report.findings.iter().any(|d| d.code() == "MF503" && d.message.contains("ATTR1")));
}

#[test]
fn text_without_received_fields_or_binary_is_an_error() {
    for text in ["", "Subject: hello\n\nbody\n", "just some words", "\0\0\0binary"] {
        assert!(analyse(text, None).is_err(), "{text:?}");
    }
}

fn example(name: &str) -> Checked {
    let path = root().join("../examples").join(name);
    check(&std::fs::read_to_string(&path).unwrap(), Syntax::of_path(&path), &Selection::default())
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|d| d.code()).collect()
}

#[test]
fn a_message_that_took_the_predicted_path_has_no_mf505() {
    for file in ["codetwo-mimecast.mailflow.yaml", "codetwo-mimecast.mailflow"] {
        let checked = example(file);
        let report = analyse(&fixture("fig1a-signature-then-smart-host-delivers.txt"), Some(&checked)).unwrap();
        assert_eq!(codes(&report), Vec::<&str>::new(), "{file}");
        let prediction = report.prediction.as_ref().unwrap();
        assert_eq!(prediction.services.len(), 2);
        assert_eq!(prediction.exchange_passes, 2);
        let text = render(&report, HeadersFormat::Text);
        assert!(text.contains("predicted by the file"), "{text}");
    }
}

#[test]
fn a_smart_host_first_differs_from_the_file_and_names_mf201() {
    let checked = example("broken-smart-host-not-rule-scoped.mailflow.yaml");
    assert!(checked.diagnostics.iter().any(|d| d.code() == "MF201"));
    let report = analyse(&fixture("smart-host-before-signature.txt"), Some(&checked)).unwrap();
    assert_eq!(codes(&report), ["MF501", "MF505"]);
    let mf505 = &report.findings[1];
    assert!(mf505.message.contains("likely cause: MF201"), "{}", mf505.message);
    assert_eq!(report.prediction.as_ref().unwrap().likely_cause.as_ref().unwrap().0, "MF201");
    let document = json(&report);
    assert_eq!(document["prediction"]["likelyCause"]["code"], "MF201");
    // The file without MF201 names no such cause.
    let report =
        analyse(&fixture("smart-host-before-signature.txt"), Some(&example("codetwo-mimecast.mailflow.yaml"))).unwrap();
    assert!(report.findings.iter().any(|d| d.code() == "MF505" && !d.message.contains("MF201")));
}

#[test]
fn a_missing_signature_is_mf506_unless_hops_are_missing() {
    let checked = example("codetwo-mimecast.mailflow.yaml");
    let report = analyse(&fixture("plain-exchange-online.txt"), Some(&checked)).unwrap();
    assert_eq!(codes(&report), ["MF505", "MF506"]);
    let report = analyse(&fixture("missing-hand-off.txt"), Some(&checked)).unwrap();
    assert!(!codes(&report).contains(&"MF506"), "{:?}", codes(&report));
}

/// The header block of a fixture split into fields (each with its folded lines).
fn fields(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) && !out.is_empty() {
            let last = out.last_mut().unwrap();
            last.push('\n');
            last.push_str(line);
        } else if !line.is_empty() {
            out.push(line.to_owned());
        }
    }
    out
}

const SHUFFLED: &[&str] = &[
    "fig1b-smart-host-returns.txt",
    "smart-host-before-signature.txt",
    "missing-hand-off.txt",
    "folded-and-encoded.txt",
    "exclaimer-then-seppmail-returns.txt",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases::cases(64), ..ProptestConfig::default() })]

    #[test]
    fn any_text_gives_a_report_or_an_error(text in "\\PC{0,600}") {
        let _ = analyse(&text, None);
        let _ = analyse(&format!("Received: {text}\n"), None).map(|r| render(&r, HeadersFormat::Text));
    }

    #[test]
    fn binary_junk_gives_a_report_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = analyse(&text, None);
        let _ = analyse(&format!("Received: from a.example by b.example; x\n{text}"), None);
    }

    #[test]
    fn shuffling_the_other_fields_changes_nothing(which in 0..SHUFFLED.len(), seed in any::<u64>()) {
        let text = fixture(SHUFFLED[which]);
        let all = fields(&text);
        let (received, mut others): (Vec<String>, Vec<String>) =
            all.into_iter().partition(|f| f.to_ascii_lowercase().starts_with("received:"));
        // A Fisher-Yates shuffle driven by the seed.
        let mut state = seed | 1;
        for i in (1..others.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            others.swap(i, (state % (i as u64 + 1)) as usize);
        }
        // Interleave: the other fields before, between and after the Received fields.
        let mut mixed = Vec::new();
        let mut rest = others.into_iter();
        for field in received {
            mixed.extend(rest.next());
            mixed.push(field);
        }
        mixed.extend(rest);
        let shuffled = mixed.join("\n") + "\n";
        let original = analyse(&text, None).unwrap();
        let again = analyse(&shuffled, None).unwrap();
        prop_assert_eq!(summary(&original), summary(&again));
        let hops = |r: &Report| r.hops.iter().map(|h| (h.by.clone(), h.system, h.pass)).collect::<Vec<_>>();
        prop_assert_eq!(hops(&original), hops(&again));
    }
}

#[test]
fn a_line_of_a_megabyte_gives_a_report_or_an_error() {
    let long = "x".repeat(1 << 20);
    for text in [
        format!("Received: from {long} by b.example; Tue, 1 Jul 2025 10:00:00 +0000\n"),
        format!("Received: ({long}\n"),
        format!("Subject: {long}\nReceived: by a.example; junk\n"),
        long.clone(),
    ] {
        let _ = analyse(&text, None).map(|r| render(&r, HeadersFormat::Json));
    }
}
