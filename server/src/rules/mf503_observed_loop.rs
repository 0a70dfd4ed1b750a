//! MF503 observed-loop: the headers are those of a loop NDR, or show more passes than the services explain.

use super::{Check, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF503",
    name: "observed-loop",
    severity: Severity::Error,
    summary: "A real message looped: an NDR for a loop (5.4.14 / 5.4.6, ATTR34 / ATTR1), or more passes than the services explain",
    doc: r#"# MF503 observed-loop

## What it finds
Reported by `mailflow headers`, in two cases. The text is a non-delivery report for a
loop: Exchange Online's `554 5.4.14 Hop count exceeded - possible mail loop ATTR34`, or
the `5.4.6` / `ATTR1` the guide names (the original headers the NDR quotes are read as
the path). Or the message went through Exchange Online more often than the services it
visited explain: each pass after the first starts when something hands the message back,
so more passes than hand-backs means Exchange Online sent it to itself, and
`X-MS-Exchange-Transport-CrossTenantHeadersStripped` (one per re-entry) is counted too.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software", section "Solution", lists "your messages cannot be delivered due to a routing
loop, and you receive non-delivery reports (NDRs) with the following error code: ATTR1"
among the results of a smart host that intercepts mail before the signature service. A
looping message is never delivered: Exchange Online drops it when its hop count runs out.

## Example
```text
Delivery has failed to these recipients or groups:
recipient@fabrikam.com
Diagnostic information for administrators:
Remote Server returned '554 5.4.14 Hop count exceeded - possible mail loop ATTR34'

Original message headers:

Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70F.mail.protection.outlook.com with Microsoft SMTP Server id
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
The message delivered, its headers with no NDR around them:
```text
Received: from eu-emailsignatures-cloud.codetwo.com (192.0.2.30) by
 AM2PEPF0001C70F.mail.protection.outlook.com with Microsoft SMTP Server id
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
Nothing in the headers can be edited: the fix is in the tenant. `mailflow check` on the
tenant's file reports the loop's cause (MF304, MF309, MF301-MF303, MF313), and `mailflow
headers --config FILE` names the one it finds.
"#,
    fix: None,
    check: Check::Headers,
};

/// The text is an NDR for a loop; `quoted` is its line with the code.
pub fn from_ndr(span: Span, quoted: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!(
            "the message was not delivered: the NDR reports a loop (`{quoted}`); Exchange Online gave up when its hop \
             count ran out"
        ),
    )
}

/// More passes through Exchange Online than the services handing the message back explain.
pub fn unexplained_passes(span: Span, passes: u32, returned: u32) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!(
            "the message went through Exchange Online {passes} times, but only {returned} hand-back{} from a service \
             explain{} that: it was sent round again, as in a loop",
            if returned == 1 { "" } else { "s" },
            if returned == 1 { "s" } else { "" }
        ),
    )
}
