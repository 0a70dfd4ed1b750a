//! MF504 observed-path-incomplete: hops are missing from a real message's headers, so part of its path is unknown.

use super::{Check, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF504",
    name: "observed-path-incomplete",
    severity: Severity::Hint,
    summary: "Hops are missing from a real message's headers, so part of its path is unknown",
    doc: r#"# MF504 observed-path-incomplete

## What it finds
Reported by `mailflow headers` when the `Received:` lines leave a gap: a service known
only from the line of the system it handed the message to (its own line is missing), a
hand-back into Exchange Online from a system that wrote no line, a service's first line
coming from Exchange Online with none of Exchange Online's own lines below it, a
signature service's header (`X-CodeTwoProcessed`) with none of its lines, or more
re-entries recorded by Exchange Online
(`X-MS-Exchange-Transport-CrossTenantHeadersStripped`) than the lines show.

## Why it breaks mail
It does not: it says what the report cannot know. Services and gateways do not all write
a `Received:` line, and some strip others' lines; a path with gaps is reported as
unknown in those places, never as "no service there". The CodeTwo guide "How to configure
smart host (mail relay) services to work with CodeTwo software", section "Ensuring that
messages are always routed to the CodeTwo cloud service first", relies on reading the
whole path, so before drawing conclusions from a gappy one, compare it with the message
trace in the Exchange admin center.

## Example
```text
Received: from eu-smtp-1.mimecast.com (192.0.2.40) by
 AM2PEPF0001C70E.mail.protection.outlook.com with Microsoft SMTP Server id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:06 +0000
Received: from AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1]) by
 AM0PR01MB1234.eurprd01.prod.outlook.com ([fe80::1%5]) with mapi id
 15.20.7452.28; Tue, 1 Jul 2025 10:00:01 +0000
From: sender@contoso.com
To: recipient@fabrikam.com
```

## Fixed
The same path with Mimecast's own line:
```text
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

## Fix safety
There is nothing to fix. Copy the whole header block (see `docs/headers.md`); a message
saved from the recipient's side may carry fewer lines than the sender's copy.
"#,
    fix: None,
    check: Check::Headers,
};

/// Hops are missing; `what` says which, each in a few words.
pub fn diagnostic(span: Span, what: &[String]) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!(
            "part of the path is unknown, hops are missing: {}; what is not shown was not seen, and is not taken as \
             absent",
            what.join("; ")
        ),
    )
}
