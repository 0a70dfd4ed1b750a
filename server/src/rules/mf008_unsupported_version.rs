//! MF008 unsupported-version: the `mailflow:` key names a format version this tool does not read.

use super::{Check, Findings, RuleMeta};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::model::{MailFlow, SUPPORTED_VERSIONS};

pub static RULE: RuleMeta = RuleMeta {
    code: "MF008",
    name: "unsupported-version",
    severity: Severity::Error,
    summary: "The mailflow: version is not one this tool reads (it reads version 1)",
    doc: r#"# MF008 unsupported-version

## What it finds
A file whose `mailflow:` value (in the DSL, the number after `mailflow`) is not a format
version this build of the tool understands. This version reads format 1 only, written as
the integer `1`.

## Why it breaks mail
The version says how every other key is to be read: the names, the defaults and the
meaning of each setting (which Exchange parameter of New-TransportRule or
New-OutboundConnector it stands for). Reading a file written for another version with the
rules of version 1 could silently take a default where the file meant something else,
for example an absent `stopProcessingMoreRules` on the signature rule, and then report a
mail flow that is not the one the file describes. The tool still checks the file, as
the newest version it reads, but says so: treat every other finding as provisional
until the version is right.

## Example
```yaml
mailflow: 2
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fixed
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```

## Fix safety
There is no automatic fix. If the file is written in the format described by this
tool's documentation, set `mailflow: 1`; if it really is a newer format, use a version of
the tool that reads it.
"#,
    fix: None,
    check: Check::Model(check),
};

pub fn check(flow: &MailFlow, out: &mut Findings) {
    let Some(version) = &flow.version else { return };
    if !SUPPORTED_VERSIONS.contains(&version.value) {
        let supported: Vec<String> = SUPPORTED_VERSIONS.iter().map(i64::to_string).collect();
        out.push(Diagnostic::new(
            &RULE,
            version.span,
            format!(
                "format version {} is not one this mailflow reads (it reads: {}); the file is checked as version {}",
                version.value,
                supported.join(", "),
                SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.len() - 1]
            ),
        ));
    }
}
