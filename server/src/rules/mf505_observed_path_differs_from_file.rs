//! MF505 observed-path-differs-from-file: the services a real message visited, or their order, differ from what the file predicts.

use super::{Check, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF505",
    name: "observed-path-differs-from-file",
    severity: Severity::Warning,
    summary: "With --config: the services a real message visited, or their order, differ from what the file predicts",
    doc: r#"# MF505 observed-path-differs-from-file

## What it finds
Reported by `mailflow headers --config FILE`. The sender and the first recipient are
taken from the headers (`From:`, `To:`), and the same simulation as `mailflow trace`
follows that message through the file's rules and connectors. The signature services and
smart hosts the headers show, in their order, differ from the ones the file predicts
(vendors compared where both are known). A path with gaps (MF504) that shows only part
of the prediction, in order, is not reported. The message names the likely cause among
the file's own findings: MF201 when a smart host connector catches mail by recipient
domain, MF101 or MF104 when a rule above the signature rule routes first, and so on.

## Why it breaks mail
Either the file no longer describes the tenant (a rule or connector was changed in the
admin center), or Exchange Online routes differently than the file's author expected.
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Ensuring that messages are always routed to the CodeTwo cloud service
first", warns that a connector scoped to recipient domains may still take mail before the
signature service's rule does: below, the file sends mail to CodeTwo first, but the real
message went to Mimecast first.

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
  - name: Mimecast outbound
    use: recipient-domains
    recipientDomains: ["*"]
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```
```text
Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70F.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:09 +0000
Received: from EUR05-DB8-obe.outbound.protection.outlook.com (192.0.2.12) by
 eu-emailsignatures-cloud.codetwo.com with CodeTwo SMTP Server id c2-51a0;
 Tue, 1 Jul 2025 10:00:08 +0000
Received: from eu-smtp-1.mimecast.com (192.0.2.40) by
 AM2PEPF0001C70E.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:06 +0000
Received: from EUR05-AM6-obe.outbound.protection.outlook.com (192.0.2.11) by
 eu-smtp-1.mimecast.com with ESMTPS id mc-7f3a; Tue, 1 Jul 2025 10:00:04 +0000
Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1%5]) with mapi id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:01 +0000
From: sender@contoso.com
To: recipient@fabrikam.com
```

## Fixed
A message that took the path the file predicts: CodeTwo, then Mimecast, which delivers
(the guide's Fig. 1a).
```yaml
mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}
  - name: Mimecast outbound
    use: recipient-domains
    recipientDomains: ["*"]
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions: {headerContains: {header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {redirectToConnector: CodeTwo Email Signatures 365 connector}
    stopProcessingMoreRules: true
```
```text
Received: from eu-smtp-1.mimecast.com (192.0.2.40) by mx.fabrikam.example
 (Postfix) with ESMTPS id 4Xk9; Tue, 1 Jul 2025 10:00:09 +0000
Received: from EUR05-AM6-obe.outbound.protection.outlook.com (192.0.2.11) by
 eu-smtp-1.mimecast.com with ESMTPS id mc-7f3a; Tue, 1 Jul 2025 10:00:07 +0000
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
Nothing in the headers can be edited. Fix the finding the message names in the file
(`mailflow check` offers its fix), or, if the tenant was changed on purpose, bring the
file up to date with `mailflow import`.
"#,
    fix: None,
    check: Check::Headers,
};

/// The observed services differ from the predicted ones; `cause` names the file's finding
/// that likely explains it.
pub fn diagnostic(span: Span, message: &str, predicted: &str, observed: &str, cause: Option<&str>) -> Diagnostic {
    let cause = cause.map_or_else(
        || "; the file has no finding that explains it: it may no longer describe the tenant".to_owned(),
        |cause| format!("; likely cause: {cause}"),
    );
    Diagnostic::new(
        &RULE,
        span,
        format!("for {message} the file predicts {predicted}, the headers show {observed}{cause}"),
    )
}
