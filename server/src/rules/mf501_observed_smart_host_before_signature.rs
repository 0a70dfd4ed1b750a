//! MF501 observed-smart-host-before-signature: a real message's headers show a smart host before the signature service.

use super::{Check, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::text::Span;

pub static RULE: RuleMeta = RuleMeta {
    code: "MF501",
    name: "observed-smart-host-before-signature",
    severity: Severity::Error,
    summary: "A real message's headers show it reached a smart host before the signature service",
    doc: r#"# MF501 observed-smart-host-before-signature

## What it finds
Reported by `mailflow headers`, which reads the headers of a real message rather than a
mail-flow file. Its `Received:` lines, read from the bottom (the oldest) up, show the
message leaving Exchange Online for a smart host (a gateway such as Mimecast, Proofpoint
or SEPPmail, told by its host names and headers) before it ever reached the signature
service (CodeTwo, Exclaimer). The finding points at the smart host's first line.

## Why it breaks mail
The CodeTwo guide "How to configure smart host (mail relay) services to work with CodeTwo
software" asks, in section "Solution", that a message leaving Exchange Online go to the
signature service before any other smart host; when a smart host comes first, signatures
go missing (the body arrives changed or encrypted) or land in the wrong place. Its last
troubleshooting step is exactly this reading of a real message's headers: "directly
after leaving EOP servers, your messages are not relayed to the CodeTwo Email Signatures
365 services". Below, Mimecast has the message in the first pass and CodeTwo only in
the second.

## Example
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
The message after the fix, CodeTwo first, then Mimecast, which delivers (the guide's Fig. 1a):
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
Nothing in the headers can be edited: the fix is in the tenant. Run `mailflow headers
--config FILE` with the tenant's mail-flow file to see what the file predicts for the
same message and which of the file's findings (MF101, MF104, MF201, MF306) is the likely
cause.
"#,
    fix: None,
    check: Check::Headers,
};

/// `smart` was visited before `signature`; `span` is the smart host's first line.
pub fn diagnostic(span: Span, smart: &str, signature: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        span,
        format!(
            "the message reached {smart} before {signature}: the signature is missing or misplaced when the smart \
             host changes or encrypts the body"
        ),
    )
}
