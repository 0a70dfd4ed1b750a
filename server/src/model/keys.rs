//! The keys of the format, object by object: what each means, what it takes, and what it is
//! called in Exchange. Lowering checks keys against this table (MF002 with the nearest key);
//! explanations and completion read it too.

/// The kinds of mapping the format has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Object {
    Root,
    Organization,
    OnPremises,
    Connector,
    Service,
    Header,
    Rule,
    Predicates,
    HeaderContains,
    HeaderMatches,
    Actions,
}

impl Object {
    /// Every kind of mapping, in the catalogue's order.
    pub const ALL: [Object; 11] = [
        Object::Root,
        Object::Organization,
        Object::OnPremises,
        Object::Connector,
        Object::Service,
        Object::Header,
        Object::Rule,
        Object::Predicates,
        Object::HeaderContains,
        Object::HeaderMatches,
        Object::Actions,
    ];
}

/// What a key's value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueShape {
    /// `true` or `false`, with what each does.
    Bool {
        when_true: &'static str,
        when_false: &'static str,
    },
    /// A whole number at or above the minimum.
    Integer {
        min: i64,
    },
    Text {
        max_chars: Option<usize>,
    },
    /// One string or a list of strings.
    TextList,
    /// A message size: a number with a unit (B, KB, MB, GB), or a number of bytes
    /// (`model::MessageSize`).
    Size,
    /// One of these values; each with what it means.
    OneOf(&'static [(&'static str, &'static str)]),
    Object(Object),
    ListOf(Object),
    /// Any PowerShell parameter name mapped to a value (string, number, boolean) or a list of them.
    OpenMap,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Key {
    pub name: &'static str,
    pub shape: ValueShape,
    pub required: bool,
    pub default: Option<&'static str>,
    /// Exchange PowerShell's name for it, as hover shows it: its parameter(s), a cmdlet, or a
    /// few words where it stands for many.
    pub powershell: Option<&'static str>,
    /// The PowerShell parameters the key stands for, in order: several when together they
    /// give its value (`SetHeaderName + SetHeaderValue`) or it is written either way
    /// (`State / Enabled`). Empty for a key that is no parameter of its own.
    pub parameters: &'static [&'static str],
    /// The Exchange admin center's wording.
    pub admin_center: Option<&'static str>,
    /// The section of the CodeTwo guide ("How to configure smart host (mail relay) services to
    /// work with CodeTwo software") that explains it.
    pub guide: Option<&'static str>,
    pub doc: &'static str,
}

const fn key(name: &'static str, shape: ValueShape, doc: &'static str) -> Key {
    Key {
        name,
        shape,
        required: false,
        default: None,
        powershell: None,
        parameters: &[],
        admin_center: None,
        guide: None,
        doc,
    }
}

impl Key {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }
    const fn ps(mut self, powershell: &'static str, admin_center: &'static str) -> Self {
        self.powershell = Some(powershell);
        self.admin_center = Some(admin_center);
        self
    }
    const fn parameters(mut self, parameters: &'static [&'static str]) -> Self {
        self.parameters = parameters;
        self
    }
    const fn guide(mut self, section: &'static str) -> Self {
        self.guide = Some(section);
        self
    }

    /// The values the key allows, each with what it does: an enumeration's, or `true` and
    /// `false`. Empty for free-form values.
    pub fn values(&self) -> Vec<(&'static str, &'static str)> {
        match self.shape {
            ValueShape::OneOf(values) => values.to_vec(),
            ValueShape::Bool { when_true, when_false } => vec![("true", when_true), ("false", when_false)],
            _ => Vec::new(),
        }
    }

    /// What `value` does as this key's value, when the key allows only listed values.
    pub fn meaning(&self, value: &str) -> Option<&'static str> {
        self.values().into_iter().find(|(allowed, _)| *allowed == value).map(|(_, meaning)| meaning)
    }
}

pub const SCOPES: &[(&str, &str)] = &[
    ("inside", "inside the organization: the address is in one of the tenant's accepted domains"),
    ("outside", "outside the organization: any other address"),
    ("external-partner", "a partner domain (Exchange Server on-premises only; Exchange Online rejects it)"),
    (
        "external-non-partner",
        "outside and not a partner (Exchange Server on-premises only; Exchange Online rejects it)",
    ),
];
pub const SENDER_SCOPES: &[(&str, &str)] = &[
    ("inside", "the sender is inside the organization (FromScope InOrganization)"),
    ("outside", "the sender is outside the organization (FromScope NotInOrganization)"),
];
pub const MESSAGE_TYPES: &[(&str, &str)] = &[
    ("oof", "automatic replies (out of office)"),
    ("auto-forward", "messages forwarded automatically"),
    ("encrypted", "encrypted messages"),
    ("calendaring", "meeting requests and responses"),
    ("permission-controlled", "messages with rights management"),
    ("voicemail", "voice mail forwarded by Unified Messaging"),
    ("signed", "digitally signed messages"),
    ("approval-request", "moderation requests"),
    ("read-receipt", "read receipts"),
];
pub const MODES: &[(&str, &str)] = &[
    ("enforce", "the rule takes its actions"),
    ("audit", "the rule only records in message traces that it would have applied; it acts on nothing"),
    ("audit-and-notify", "like audit, and shows policy tips; it acts on nothing"),
];
pub const CONNECTOR_TYPES: &[(&str, &str)] = &[
    ("partner", "mail to a partner organization or a service provider (ConnectorType Partner)"),
    (
        "on-premises",
        "mail to your own servers or a service acting for you, as add-on services use (ConnectorType OnPremises)",
    ),
];
pub const CONNECTOR_USES: &[(&str, &str)] = &[
    ("transport-rule", "used only for mail a transport rule redirects to it (IsTransportRuleScoped $true)"),
    ("recipient-domains", "used by itself for mail to the domains in recipientDomains"),
];
pub const SERVICE_KINDS: &[(&str, &str)] = &[
    (
        "signature",
        "a signature service: adds signatures, stamps its processed header and hands mail back to Exchange Online",
    ),
    ("smart-host", "a smart host (mail relay): filters mail, then delivers it or hands it back"),
];
pub const VENDORS: &[(&str, &str)] = &[
    ("codetwo", "CodeTwo Email Signatures 365 (signature service)"),
    ("exclaimer", "Exclaimer (signature service)"),
    ("mimecast", "Mimecast (smart host)"),
    ("proofpoint", "Proofpoint (smart host)"),
    ("barracuda", "Barracuda Email Protection (smart host)"),
    ("reflexion", "Reflexion (smart host)"),
    ("symantec", "Symantec / Broadcom Email Security.cloud (smart host)"),
    ("other", "another vendor"),
];

/// The title of the guide, and the sections of it that keys cite.
pub const GUIDE_TITLE: &str = "How to configure smart host (mail relay) services to work with CodeTwo software";
pub const GUIDE_ENSURING: &str = "Ensuring that messages are always routed to the CodeTwo cloud service first";
pub const GUIDE_RECONFIGURING: &str = "Reconfiguring a smart host's outbound connector";
pub const GUIDE_CREATING: &str = "Creating a transport rule to forward messages through a smart host";
pub const GUIDE_MODIFYING: &str = "Modifying the CodeTwo transport rule";
pub const GUIDE_PROOFPOINT: &str = "Additional steps for Proofpoint";

static ROOT: &[Key] = &[
    key(
        "mailflow",
        ValueShape::Integer { min: 1 },
        "The version of the format the file is written in. This tool reads version 1.",
    )
    .required(),
    key("organization", ValueShape::Object(Object::Organization), "The tenant: its name and its accepted domains."),
    key(
        "connectors",
        ValueShape::ListOf(Object::Connector),
        "The tenant's outbound connectors, and what sits behind each one.",
    ),
    key("transportRules", ValueShape::ListOf(Object::Rule), "The tenant's transport (mail flow) rules.")
        .ps("New-TransportRule", "Mail flow > Rules"),
];

static ORGANIZATION: &[Key] = &[
    key("name", ValueShape::Text { max_chars: None }, "The tenant's name; informational."),
    key("domains", ValueShape::TextList, "The accepted domains. An address in one of them (or a subdomain) is inside the organization; any other is outside.")
        .ps("Get-AcceptedDomain", "Settings > Domains"),
    key("onPremises", ValueShape::Object(Object::OnPremises), "A hybrid deployment's on-premises Exchange servers.").guide(GUIDE_ENSURING),
];

static ON_PREMISES: &[Key] = &[key(
    "relaysThrough",
    ValueShape::Text { max_chars: None },
    "The smart host (a connector name or a host name) the on-premises servers relay outbound mail through. Mail relayed there never passes the tenant's rules first, so the guide advises moving that relay to Exchange Online.",
)
.guide(GUIDE_ENSURING)];

static CONNECTOR: &[Key] = &[
    key("name", ValueShape::Text { max_chars: None }, "The connector's name, unique in the tenant. Rules redirect to it by this name.")
        .required()
        .ps("Name", "Name")
        .parameters(&["Name"]),
    key("enabled", ValueShape::Bool { when_true: "The connector carries mail.", when_false: "The connector is off: mail a rule redirects to it is not delivered." }, "Whether the connector carries mail. A rule redirecting to a disabled connector cannot deliver.")
        .default("true")
        .ps("Enabled", "Turn it on")
        .parameters(&["Enabled"]),
    key("type", ValueShape::OneOf(CONNECTOR_TYPES), "Where the connector sends mail: a partner, or servers acting for your organization.")
        .default("partner")
        .ps("ConnectorType", "Connection from / to")
        .parameters(&["ConnectorType"]),
    key("use", ValueShape::OneOf(CONNECTOR_USES), "When Exchange uses the connector: only when a transport rule redirects mail to it, or by itself for mail to recipientDomains. The guide has every smart host connector scoped to a transport rule when a signature service is.")
        .default("recipient-domains")
        .ps("IsTransportRuleScoped / RecipientDomains", "Only when I have a transport rule set up that redirects messages to this connector / Only when email messages are sent to these domains")
        .parameters(&["IsTransportRuleScoped", "RecipientDomains"])
        .guide(GUIDE_RECONFIGURING),
    key("recipientDomains", ValueShape::TextList, "The recipient domains a `use: recipient-domains` connector serves: `*` for all, `*.contoso.com` for subdomains. With `use: transport-rule` they do nothing; put them in the rule as recipientDomainIs.")
        .ps("RecipientDomains", "Only when email messages are sent to these domains")
        .parameters(&["RecipientDomains"])
        .guide(GUIDE_RECONFIGURING),
    key("smartHosts", ValueShape::TextList, "The hosts the connector hands mail to. Without it the connector delivers through the recipients' MX records.")
        .ps("SmartHosts (UseMXRecord $false)", "Route email through these smart hosts")
        .parameters(&["SmartHosts"]),
    key("service", ValueShape::Object(Object::Service), "What sits behind the connector: a signature service or a smart host, and how it treats mail. Without it the connector is unclassified and the signature and smart-host checks skip it."),
];

static SERVICE: &[Key] = &[
    key("kind", ValueShape::OneOf(SERVICE_KINDS), "Whether the service adds signatures or relays mail. May be left out when the vendor does only one of the two."),
    key("vendor", ValueShape::OneOf(VENDORS), "Who runs the service; sets defaults such as the processed header."),
    key("domain", ValueShape::Text { max_chars: None }, "A signature service's unique domain for the tenant (CodeTwo: <id>.smtp.codetwo.online).")
        .guide(GUIDE_PROOFPOINT),
    key("processedHeader", ValueShape::Object(Object::Header), "The header a signature service stamps on mail it has processed; its rule must except mail carrying it. Defaults: CodeTwo X-CodeTwoProcessed: true, Exclaimer X-ExclaimerHostedSignatures-MessageProcessed: true.")
        .guide(GUIDE_MODIFYING),
    key("returnsToExchange", ValueShape::Bool { when_true: "The service hands mail back to Exchange Online, which runs the rules again in a new pass (the guide's Fig. 1b).", when_false: "The service delivers mail to the recipients itself (the guide's Fig. 1a)." }, "Whether the service hands mail back to Exchange Online (a new pass through the rules) or delivers it to the recipients itself. Signature services always hand it back; smart hosts do in the guide's Fig. 1b.")
        .default("true for a signature service, false for a smart host")
        .guide(GUIDE_ENSURING),
    key("relayDomains", ValueShape::TextList, "Proofpoint only: the domains listed as Relay domains in Proofpoint. The signature service's domain belongs here.")
        .guide(GUIDE_PROOFPOINT),
];

static HEADER: &[Key] = &[
    key("name", ValueShape::Text { max_chars: None }, "The header's name: printable ASCII without `:`.").required(),
    key("value", ValueShape::Text { max_chars: None }, "The header's value.").required(),
];

static RULE: &[Key] = &[
    key("name", ValueShape::Text { max_chars: Some(64) }, "The rule's name, unique in the tenant, at most 64 characters.")
        .required()
        .ps("Name", "Name")
        .parameters(&["Name"]),
    key("priority", ValueShape::Integer { min: 0 }, "The order of evaluation: 0 runs first. Priorities are unique; Exchange numbers them 0 to n-1.")
        .required()
        .ps("Priority", "Priority")
        .parameters(&["Priority"])
        .guide(GUIDE_CREATING),
    key("enabled", ValueShape::Bool { when_true: "The rule runs.", when_false: "The rule is off: it takes no action, as a rule the admin center has just created." }, "Whether the rule runs. The admin center creates new rules disabled.")
        .default("true")
        .ps("State / Enabled", "the rule's toggle")
        .parameters(&["State", "Enabled"])
        .guide(GUIDE_CREATING),
    key("mode", ValueShape::OneOf(MODES), "Whether the rule acts (enforce) or only records what it would do (audit, audit-and-notify).")
        .default("enforce")
        .ps("Mode", "Rule mode")
        .parameters(&["Mode"]),
    key("conditions", ValueShape::Object(Object::Predicates), "When the rule applies: every condition present must match; the values inside one condition are alternatives.")
        .ps("the condition parameters", "Apply this rule if"),
    key("exceptions", ValueShape::Object(Object::Predicates), "When the rule does not apply: any exception that matches keeps it from acting.")
        .ps("ExceptIf...", "Except if")
        .guide(GUIDE_CREATING),
    key("actions", ValueShape::Object(Object::Actions), "What the rule does when it applies; all actions run.").ps("the action parameters", "Do the following"),
    key("stopProcessingMoreRules", ValueShape::Bool { when_true: "When the rule applies, no rule below it runs in this pass; all rules run again when the message comes back for a new pass.", when_false: "The rules below it run in this pass as usual." }, "When the rule applies, no rule below it runs in this pass. The signature rule needs it so that the first pass goes straight to the signature service.")
        .default("false")
        .ps("StopRuleProcessing", "Stop processing more rules")
        .parameters(&["StopRuleProcessing"])
        .guide(GUIDE_MODIFYING),
    key("deferOnError", ValueShape::Bool { when_true: "When rule processing fails, the message is deferred and retried (RuleErrorAction Defer).", when_false: "When rule processing fails, the message goes on without the rule (RuleErrorAction Ignore)." }, "When rule processing fails, defer the message and retry instead of sending it on without the rule.")
        .default("false (Ignore)")
        .ps("RuleErrorAction Defer", "Defer the message if rule processing doesn't complete")
        .parameters(&["RuleErrorAction"])
        .guide(GUIDE_CREATING),
    key("comments", ValueShape::Text { max_chars: Some(1024) }, "Free text about the rule, at most 1024 characters.").ps("Comments", "Comments").parameters(&["Comments"]),
];

static PREDICATES: &[Key] = &[
    key("senderIs", ValueShape::OneOf(SENDER_SCOPES), "Where the sender is.")
        .ps("FromScope", "The sender is external/internal")
        .parameters(&["FromScope"])
        .guide(GUIDE_CREATING),
    key("recipientIs", ValueShape::OneOf(SCOPES), "Where a recipient is.")
        .ps("SentToScope", "The recipient is external/internal")
        .parameters(&["SentToScope"])
        .guide(GUIDE_CREATING),
    key("senderDomainIs", ValueShape::TextList, "The sender's domain is one of these (subdomains match too).")
        .ps("SenderDomainIs", "The sender domain is")
        .parameters(&["SenderDomainIs"]),
    key("recipientDomainIs", ValueShape::TextList, "A recipient's domain is one of these (subdomains match too).")
        .ps("RecipientDomainIs", "The recipient domain is")
        .parameters(&["RecipientDomainIs"])
        .guide(GUIDE_CREATING),
    key("recipientAddressMatches", ValueShape::TextList, "A recipient's address matches one of these regular expressions (.NET syntax).")
        .ps("RecipientAddressMatchesPatterns", "The recipient address matches any of these text patterns")
        .parameters(&["RecipientAddressMatchesPatterns"])
        .guide(GUIDE_CREATING),
    key("headerContains", ValueShape::Object(Object::HeaderContains), "A header contains one of these words.")
        .ps("HeaderContainsMessageHeader + HeaderContainsWords", "The message headers include any of these words")
        .parameters(&["HeaderContainsMessageHeader", "HeaderContainsWords"])
        .guide(GUIDE_CREATING),
    key("headerMatches", ValueShape::Object(Object::HeaderMatches), "A header matches one of these regular expressions.")
        .ps("HeaderMatchesMessageHeader + HeaderMatchesPatterns", "The message headers match these text patterns")
        .parameters(&["HeaderMatchesMessageHeader", "HeaderMatchesPatterns"]),
    key("messageTypeMatches", ValueShape::OneOf(MESSAGE_TYPES), "The message is of this type.")
        .ps("MessageTypeMatches", "The message type is")
        .parameters(&["MessageTypeMatches"]),
    key("senderIsMemberOf", ValueShape::TextList, "The sender is a member of one of these groups (by address). Signature services billed per sender are often limited to a licensed-users group this way; mail from other senders is out of their scope by design.")
        .ps("FromMemberOf", "The sender is a member of this group")
        .parameters(&["FromMemberOf"]),
    key("from", ValueShape::TextList, "The sender is one of these people (by address).")
        .ps("From", "The sender is this person")
        .parameters(&["From"]),
    key("senderAddressMatches", ValueShape::TextList, "The sender's address matches one of these regular expressions (.NET syntax). The null sender of non-delivery reports and other system messages is the address `<>`, which vendors except this way.")
        .ps("FromAddressMatchesPatterns", "The sender address matches any of these text patterns")
        .parameters(&["FromAddressMatchesPatterns"]),
    key("messageSizeOver", ValueShape::Size, "The message is at least this large: a number with a unit (B, KB, MB or GB; 1 KB is 1024 bytes), such as `22.5 MB`, or a number of bytes. Signature services often except very large messages.")
        .ps("MessageSizeOver", "The message size is greater than or equal to")
        .parameters(&["MessageSizeOver"]),
    key("other", ValueShape::OpenMap, "Any other Exchange condition by its PowerShell name. The analysis cannot tell whether it matches, so it follows both outcomes."),
];

static HEADER_CONTAINS: &[Key] = &[
    key("header", ValueShape::Text { max_chars: None }, "The header to look in.").required(),
    key("words", ValueShape::TextList, "The words to look for; any one matches.").required(),
];

static HEADER_MATCHES: &[Key] = &[
    key("header", ValueShape::Text { max_chars: None }, "The header to look in.").required(),
    key("patterns", ValueShape::TextList, "Regular expressions (.NET syntax); any one matches.").required(),
];

static ACTIONS: &[Key] = &[
    key("setHeader", ValueShape::Object(Object::Header), "Sets a header on the message. A smart host rule sets its anti-loop header here and excepts mail that carries it.")
        .ps("SetHeaderName + SetHeaderValue", "Modify the message properties > set a message header")
        .parameters(&["SetHeaderName", "SetHeaderValue"])
        .guide(GUIDE_CREATING),
    key("redirectToConnector", ValueShape::Text { max_chars: None }, "Sends the message out through this connector (by name) instead of normal routing.")
        .ps("RouteMessageOutboundConnector", "Redirect the message to > the following connector")
        .parameters(&["RouteMessageOutboundConnector"])
        .guide(GUIDE_CREATING),
    key("removeHeader", ValueShape::Text { max_chars: None }, "Removes this header from the message: the rules after it and later passes no longer see it. A rule that removes the header another rule's exception relies on, before that rule runs, lets the message be routed again.")
        .ps("RemoveHeader", "Modify the message properties > remove a message header")
        .parameters(&["RemoveHeader"]),
    key("other", ValueShape::OpenMap, "Any other Exchange action by its PowerShell name; assumed not to change routing."),
];

/// The prefix PowerShell puts before a condition's parameter to make it an exception.
pub const EXCEPT_IF: &str = "ExceptIf";

/// `name` without a leading `ExceptIf` (in any case), or `None` when it has none (or is
/// nothing but the prefix). Exports and `other` entries write exceptions both ways.
pub fn without_except_if(name: &str) -> Option<&str> {
    let head = name.get(..EXCEPT_IF.len())?;
    (head.eq_ignore_ascii_case(EXCEPT_IF) && name.len() > EXCEPT_IF.len()).then(|| &name[EXCEPT_IF.len()..])
}

/// The keys a mapping of this kind may hold.
pub fn keys(object: Object) -> &'static [Key] {
    match object {
        Object::Root => ROOT,
        Object::Organization => ORGANIZATION,
        Object::OnPremises => ON_PREMISES,
        Object::Connector => CONNECTOR,
        Object::Service => SERVICE,
        Object::Header => HEADER,
        Object::Rule => RULE,
        Object::Predicates => PREDICATES,
        Object::HeaderContains => HEADER_CONTAINS,
        Object::HeaderMatches => HEADER_MATCHES,
        Object::Actions => ACTIONS,
    }
}

pub fn lookup(object: Object, name: &str) -> Option<&'static Key> {
    keys(object).iter().find(|k| k.name == name)
}

/// The known key closest to a misspelt one, if any is close enough to be what was meant.
pub fn nearest(object: Object, name: &str) -> Option<&'static str> {
    nearest_of(keys(object).iter().map(|k| k.name), name)
}

/// The candidate closest to a misspelt word (ignoring case), if any is close enough to be
/// what was meant.
pub fn nearest_of(candidates: impl IntoIterator<Item = &'static str>, name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(&lower, &candidate.to_ascii_lowercase()), candidate))
        .filter(|&(distance, candidate)| distance <= (candidate.len() / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_key_tolerates_case_and_typos() {
        assert_eq!(nearest(Object::Rule, "priorty"), Some("priority"));
        assert_eq!(nearest(Object::Rule, "StopProcessingMoreRules"), Some("stopProcessingMoreRules"));
        assert_eq!(nearest(Object::Connector, "smarthost"), Some("smartHosts"));
        assert_eq!(nearest(Object::Rule, "colour"), None);
    }

    /// Hover shows `powershell`; import and export use `parameters`: both name the same
    /// parameters, in the same order.
    #[test]
    fn a_keys_parameters_are_those_its_powershell_text_names() {
        for object in Object::ALL {
            for key in keys(object) {
                let words: Vec<&str> = key
                    .powershell
                    .unwrap_or("")
                    .split(['+', '/', ' ', '(', ')'])
                    .filter(|word| word.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
                    .filter(|word| word.chars().all(|c| c.is_ascii_alphanumeric()))
                    .collect();
                let named: Vec<&str> =
                    words.iter().copied().filter(|word| !matches!(*word, "UseMXRecord" | "Defer")).collect();
                assert_eq!(key.parameters, &named[..], "{object:?}.{}", key.name);
            }
        }
    }
}
