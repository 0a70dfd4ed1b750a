//! `mailflow import` on the exports other than the cmdlets' JSON, run as the binary
//! (`SOURCE_DATE_EPOCH` pins the date in the header): Microsoft365DSC configurations, a
//! Microsoft Graph configuration snapshot and an `Export-TransportRuleCollection` XML file, all
//! in `tests/import/` (each fixture says in a comment whose format it follows). Each case's
//! exit code, file written and notes and findings are an insta snapshot; what cannot be read is
//! refused with exit 2 and a message naming the file, the place, the object and the field.

use std::path::Path;
use std::process::Command;

/// One run of `mailflow import` and what it must end with.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    exit: i32,
}

const CASES: &[Case] = &[
    // CodeTwo in front of Mimecast, with a rule marked absent, one without `Enabled`, the
    // tenant's name learnt from the accepted domains, another resource skipped.
    Case { name: "m365dsc_tenant", args: &["m365dsc/tenant.ps1"], exit: 0 },
    Case {
        name: "m365dsc_tenant_named",
        args: &["m365dsc/tenant.ps1", "--organization-name", "contoso.onmicrosoft.com"],
        exit: 0,
    },
    // Rules made in a loop: refused, where the loop is.
    Case { name: "m365dsc_loop", args: &["m365dsc/loop.ps1"], exit: 2 },
    // A smart host from `$ConfigurationData` and `$OrganizationName` with nothing to resolve it.
    Case { name: "m365dsc_unresolved", args: &["m365dsc/unresolved.ps1"], exit: 2 },
    // The snapshot's accepted domains name the tenant; the smart host is still unknown.
    Case { name: "m365dsc_unresolved_with_domains", args: &["m365dsc/unresolved.ps1", "graph/snapshot.json"], exit: 2 },
    // The configuration data beside the configuration names the tenant.
    Case {
        name: "m365dsc_unresolved_with_configuration_data",
        args: &["m365dsc/unresolved.ps1", "m365dsc/ConfigurationData.psd1"],
        exit: 2,
    },
    Case { name: "graph_snapshot", args: &["graph/snapshot.json"], exit: 0 },
    Case { name: "rule_xml", args: &["xml/rules.xml", "--to", "dsl"], exit: 0 },
];

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/import"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_mailflow"))
        .arg("import")
        .args(args)
        .current_dir(dir())
        .env("SOURCE_DATE_EPOCH", "0")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
}

#[test]
fn each_fixture_imports_as_its_snapshot() {
    for case in CASES {
        let (exit, stdout, stderr) = run(case.args);
        assert_eq!(exit, case.exit, "{}:\n{stdout}\n{stderr}", case.name);
        if exit == 2 {
            assert_eq!(stdout, "", "{}: nothing is written when the import is refused", case.name);
        }
        let shown = format!(
            "$ mailflow import {}\nexit: {exit}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            case.args.join(" ")
        );
        insta::assert_snapshot!(case.name, shown);
    }
}

#[test]
fn refusals_name_the_file_the_place_the_object_and_the_field() {
    let (_, _, stderr) = run(&["m365dsc/unresolved.ps1"]);
    let relay_host = stderr.lines().find(|line| line.contains("$ConfigurationData.NonNodeData.RelayHost")).unwrap();
    assert!(
        relay_host.starts_with(
            "mailflow: error: m365dsc/unresolved.ps1:17:39, EXOOutboundConnector `EXOOutboundConnector-Relay`: `SmartHosts`: "
        ),
        "{relay_host}"
    );
    let (_, _, stderr) = run(&["m365dsc/loop.ps1"]);
    assert!(
        stderr.starts_with("mailflow: error: m365dsc/loop.ps1:19:9: a loop (`foreach`) in Node `localhost`"),
        "{stderr}"
    );
}

#[test]
fn the_rule_collection_fixture_is_utf16_with_a_byte_order_mark_and_crlf() {
    let bytes = std::fs::read(dir().join("xml/rules.xml")).unwrap();
    assert_eq!(&bytes[..2], [0xFF, 0xFE]);
    let units: Vec<u16> = bytes[2..].chunks_exact(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]])).collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"utf-16\""));
    assert_eq!(text.matches("\r\n").count(), text.matches('\n').count());
}
