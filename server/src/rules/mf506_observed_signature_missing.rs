//! MF506 observed-signature-missing: the file sends the message to a signature service, the headers show none.

use super::{Check, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF506",
    name: "observed-signature-missing",
    severity: Severity::Warning,
    summary: "With --config: the file sends this message to a signature service, its headers show none",
    doc: r#"# MF506 observed-signature-missing

## What it finds
Reported by `mailflow headers --config FILE`. For the message's sender and first
recipient, the file's simulation (as `mailflow trace` shows it) sends the message to a
signature service, but the headers show no visit to any signature service: none of its
`Received:` lines and none of the headers it stamps (`X-CodeTwoProcessed`,
`X-ExclaimerHostedSignatures-MessageProcessed`). When hops are missing (MF504), nothing
is concluded: a missing line is not a missing service.

## Why it breaks mail
A message that should carry a signature left without one. The CodeTwo guide "How to
configure smart host (mail relay) services to work with CodeTwo software", section
"Solution", gives "your signatures are missing because messages are never received by
our service" as the first sign of a mail flow that sends mail elsewhere first.

## Example
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
```text
Received: from EUR05-AM6-obe.outbound.protection.outlook.com (192.0.2.11) by
 mx.fabrikam.example (Postfix) with ESMTPS id 4Xk9; Tue, 1 Jul 2025 10:00:04 +0000
Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1%5]) with mapi id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:01 +0000
From: sender@contoso.com
To: recipient@fabrikam.com
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
```text
Received: from EUR05-AM6-obe.outbound.protection.outlook.com (192.0.2.11) by
 mx.fabrikam.example (Postfix) with ESMTPS id 4Xk9; Tue, 1 Jul 2025 10:00:09 +0000
Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70F.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:05 +0000
Received: from EUR05-DB8-obe.outbound.protection.outlook.com (192.0.2.10) by
 eu-emailsignatures-cloud.codetwo.com with CodeTwo SMTP Server id c2-51a0;
 Tue, 1 Jul 2025 10:00:03 +0000
Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1%5]) with mapi id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:01 +0000
From: sender@contoso.com
To: recipient@fabrikam.com
```

## Fix safety
Nothing in the headers can be edited. Check that the tenant's signature rule is enabled
and first (`mailflow check` on the file, then `mailflow import` to compare it with the
tenant), and that the message was not kept out of the signature scope on purpose (`trace`
says why a message leaves unsigned).
"#,
    fix: None,
    check: Check::Headers,
};

/// The file sends `message` to `service` (through `connector`); the headers show no signature service.
pub fn diagnostic(span: Span, message: &str, service: &str, connector: &str, cause: Option<&str>) -> Diagnostic {
    let cause = cause.map_or_else(String::new, |cause| format!("; likely cause: {cause}"));
    Diagnostic::new(
        &RULE,
        span,
        format!(
            "the file sends {message} to {service} (connector `{connector}`), but the headers show no signature \
             service: the message left unsigned{cause}"
        ),
    )
}
