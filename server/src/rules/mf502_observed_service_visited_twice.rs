//! MF502 observed-service-visited-twice: a real message's headers show one service visited twice in one trip.

use super::{Check, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF502",
    name: "observed-service-visited-twice",
    severity: Severity::Error,
    summary: "A real message's headers show a signature service or smart host visited twice in one trip",
    doc: r#"# MF502 observed-service-visited-twice

## What it finds
Reported by `mailflow headers`. The `Received:` lines of one trip of the message (from
the sender's tenant until its delivery) show the same signature service or the same smart
host in two separate visits, Exchange Online in between. The finding points at the first
line of the second visit.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Ensuring that messages are always routed to the CodeTwo cloud service
first", names "your messages reach your smart host(s) several times (e.g. you are getting
duplicated messages)" among the signs of a broken mail flow. A second visit means a rule
or connector sent the message back although the service had handled it: the anti-loop
header or the processed-header exception is missing or does not match, and the next
step is often a loop (MF503).

## Example
```text
Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70F.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:09 +0000
Received: from EUR05-DB8-obe.outbound.protection.outlook.com (192.0.2.12) by
 eu-emailsignatures-cloud.codetwo.com with CodeTwo SMTP Server id c2-51a1;
 Tue, 1 Jul 2025 10:00:08 +0000
Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70E.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:06 +0000
Received: from EUR05-DB8-obe.outbound.protection.outlook.com (192.0.2.10) by
 eu-emailsignatures-cloud.codetwo.com with CodeTwo SMTP Server id c2-51a0;
 Tue, 1 Jul 2025 10:00:04 +0000
Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1%5]) with mapi id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:01 +0000
From: sender@contoso.com
To: recipient@fabrikam.com
```

## Fixed
```text
Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70E.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:06 +0000
Received: from EUR05-DB8-obe.outbound.protection.outlook.com (192.0.2.10) by
 eu-emailsignatures-cloud.codetwo.com with CodeTwo SMTP Server id c2-51a0;
 Tue, 1 Jul 2025 10:00:04 +0000
Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1%5]) with mapi id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:01 +0000
From: sender@contoso.com
To: recipient@fabrikam.com
```

## Fix safety
Nothing in the headers can be edited: the fix is in the tenant. With `--config`, the
file's own findings name the likely cause (MF309 for a signature rule without its
processed-header exception, MF301-MF303 for a smart host rule's anti-loop header, MF305).
"#,
    fix: None,
    check: Check::Headers,
};

/// `service` appears `times` times in one trip; `span` is the first line of its second visit.
pub fn diagnostic(span: Span, service: &str, times: usize) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!(
            "{service} was visited {times} times in one trip: every visit after the first handles the message again \
             (duplicated messages, signatures added twice)"
        ),
    )
}
