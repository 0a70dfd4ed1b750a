//! The pass simulator: follows a message through Exchange Online as exchange.md models it,
//! pass by pass — rules, then routing, then the service behind the connector — until it is
//! delivered, loops, or cannot be delivered.
//!
//! Conditions the tool cannot evaluate (`other` without a key) are followed both ways; what
//! depends on them is marked uncertain ("may"). Branches that end in the same state are
//! merged, so a file of many rules with unknown conditions stays polynomial.
//!
//! The messages simulated are classes (exchange.md, "Messages to simulate"): an ordinary
//! message, and one for each thing a rule tells apart (a message type, the null sender, a
//! size, a sender group, a sender address). For each, [`Simulator::signature_scope`] says
//! whether the signature rule means to take it, and if not, what keeps it out.

use std::collections::BTreeMap;

use super::other_effects::{self, ActionEffect};
use super::roles::Roles;
use super::understood::{understood, Understood};
use crate::model::{
    Connector, ConnectorUse, HeaderContains, HeaderMatches, MailFlow, MessageType, Pattern, Predicates, Scope,
    ServiceKind, TransportRule,
};

/// Exchange Server's default hop limit; Exchange Online's is not published (exchange.md).
pub const MAX_PASSES: usize = 30;
/// Partial outcomes kept per pass, and paths per message, before branching stops.
const MAX_BRANCHES: usize = 64;

/// The domain of simulated outside senders, and of recipients no rule names.
pub const UNNAMED_DOMAIN: &str = "recipient.example";

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Message {
    pub from_inside: bool,
    /// The recipient's address.
    pub to: String,
    /// What sets it apart from an ordinary message.
    pub class: Class,
}

/// What sets a simulated message apart from an ordinary one: each is something a rule of
/// the file tells apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Ordinary,
    /// Of a type a `messageTypeMatches` names (an Out of Office reply, a calendar item).
    Type(MessageType),
    /// From the null sender `<>`: a non-delivery report or another system message.
    NullSender,
    /// Of this many bytes: at, or just under, a size a `messageSizeOver` names.
    Size(u64),
    /// From a sender in this group (one a `senderIsMemberOf` names).
    MemberOf(String),
    /// From this sender (one a `from` names).
    From(String),
}

/// The size of an ordinary simulated message.
const ORDINARY_SIZE: u64 = 50 * 1024;

impl Message {
    /// An ordinary message.
    pub fn ordinary(from_inside: bool, to: impl Into<String>) -> Message {
        Message { from_inside, to: to.into(), class: Class::Ordinary }
    }

    pub fn recipient_domain(&self) -> &str {
        self.to.rsplit_once('@').map_or(self.to.as_str(), |(_, domain)| domain)
    }

    pub fn size(&self) -> u64 {
        match self.class {
            Class::Size(bytes) => bytes,
            _ => ORDINARY_SIZE,
        }
    }

    pub fn message_type(&self) -> Option<MessageType> {
        match self.class {
            Class::Type(message_type) => Some(message_type),
            _ => None,
        }
    }
}

/// What happened to a rule in one pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// Index into `MailFlow::rules`.
    pub rule: usize,
    /// The rule's conditions or exceptions depend on something the tool cannot evaluate.
    pub uncertain: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A rule redirected the message to a connector.
    Rule { rule: usize, connector: usize },
    /// A rule's action took the message away (redirected it to a mailbox, deleted,
    /// quarantined, rejected or held it): it does not go on as it was.
    TakenAway { rule: usize },
    /// The most specific recipient-domain connector took it.
    RecipientDomains { connector: usize },
    /// To the recipient's MX: delivered.
    Mx,
    /// An inside recipient: delivered to the mailbox.
    Mailbox,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pass {
    /// 1 for the message as sent.
    pub number: usize,
    /// The headers the message carried when it entered Exchange for this pass.
    pub start_headers: Headers,
    /// Rules that applied, in order.
    pub applied: Vec<Applied>,
    /// The rule whose "Stop processing more rules" ended this pass's rule evaluation.
    pub stopped_by: Option<usize>,
    /// Headers that rules set in this pass.
    pub set_headers: Vec<(String, String)>,
    /// The message left this pass encrypted (by a rule of this pass or an earlier one): a
    /// signature service cannot add a signature to it.
    pub encrypted: bool,
    pub route: Route,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    DeliveredToMailbox,
    DeliveredByMx,
    /// A connector without a known service delivered it.
    DeliveredByConnector {
        connector: usize,
    },
    /// A smart host that does not hand mail back delivered it.
    DeliveredBySmartHost {
        connector: usize,
    },
    /// The message came back to a state it was in at the start of pass `first`.
    Loop {
        first: usize,
    },
    /// More than `MAX_PASSES` passes.
    HopCapExceeded,
    /// A rule redirected to a disabled connector.
    DisabledConnector {
        connector: usize,
    },
    /// A rule took the message away.
    TakenAway {
        rule: usize,
    },
}

impl Ending {
    pub fn is_loop(&self) -> bool {
        matches!(self, Ending::Loop { .. } | Ending::HopCapExceeded)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub passes: Vec<Pass>,
    pub ending: Ending,
    /// The path depends on a condition the tool could not evaluate.
    pub uncertain: bool,
}

impl Pass {
    /// The connector the message left through at the end of this pass, if any.
    pub fn connector(&self) -> Option<usize> {
        match self.route {
            Route::Rule { connector, .. } | Route::RecipientDomains { connector } => Some(connector),
            Route::Mx | Route::Mailbox | Route::TakenAway { .. } => None,
        }
    }
}

/// Three-valued truth for conditions the tool may not be able to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    No,
    Maybe,
    Yes,
}

impl Truth {
    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::No, _) | (_, Truth::No) => Truth::No,
            (Truth::Yes, Truth::Yes) => Truth::Yes,
            _ => Truth::Maybe,
        }
    }
    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::Yes, _) | (_, Truth::Yes) => Truth::Yes,
            (Truth::No, Truth::No) => Truth::No,
            _ => Truth::Maybe,
        }
    }
    fn not(self) -> Truth {
        match self {
            Truth::No => Truth::Yes,
            Truth::Maybe => Truth::Maybe,
            Truth::Yes => Truth::No,
        }
    }
    fn from(yes: bool) -> Truth {
        if yes {
            Truth::Yes
        } else {
            Truth::No
        }
    }
}

/// Headers on the message: lower-cased name to value.
pub type Headers = BTreeMap<String, String>;

/// The messages exchange.md says to simulate for a file: from inside and from outside, to
/// a recipient in every accepted domain, in every domain a rule or connector names, and in
/// one domain nothing names.
pub fn messages(flow: &MailFlow) -> Vec<Message> {
    let mut domains: Vec<String> = Vec::new();
    let mut add = |domain: &str| {
        let domain = domain.trim().trim_start_matches("*.").trim_start_matches('*').to_ascii_lowercase();
        if !domain.is_empty() && !domains.contains(&domain) {
            domains.push(domain);
        }
    };
    for domain in flow.organization.iter().flat_map(|o| &o.domains) {
        add(&domain.value);
    }
    for rule in &flow.rules {
        for predicates in [&rule.conditions, &rule.exceptions] {
            for domain in predicates.recipient_domain_is.iter().flat_map(|d| &d.value) {
                add(&domain.value);
            }
        }
    }
    for connector in &flow.connectors {
        for domain in connector.recipient_domains.iter().flat_map(|d| &d.value) {
            add(&domain.value);
        }
    }
    add(UNNAMED_DOMAIN);
    let classes = classes(flow);
    let mut messages = Vec::new();
    for from_inside in [true, false] {
        for class in &classes {
            // A group is one of the tenant's, and a named sender is where its domain says.
            let origin = match class {
                Class::MemberOf(_) => Some(true),
                Class::From(address) => Some(inside_address(flow, address)),
                _ => None,
            };
            if origin.is_some_and(|inside| inside != from_inside) {
                continue;
            }
            for domain in &domains {
                messages.push(Message { from_inside, to: format!("user@{domain}"), class: class.clone() });
            }
        }
    }
    messages
}

/// The classes of message the file's rules tell apart: the ordinary message first, then
/// one for each message type, the null sender (where a rule tests the sender's address),
/// each size at and just under a size named, each group and each address named.
pub fn classes(flow: &MailFlow) -> Vec<Class> {
    let mut classes = vec![Class::Ordinary];
    let mut add = |class: Class| {
        if !classes.contains(&class) {
            classes.push(class);
        }
    };
    for rule in &flow.rules {
        let read = understood(rule);
        for predicates in [&read.conditions, &read.exceptions] {
            if let Some(message_type) = &predicates.message_type_matches {
                add(Class::Type(message_type.value));
            }
            if predicates.sender_address_matches.is_some() {
                add(Class::NullSender);
            }
            if let Some(size) = &predicates.message_size_over {
                add(Class::Size(size.value.bytes));
                add(Class::Size(size.value.bytes.saturating_sub(1)));
            }
            for group in predicates.sender_is_member_of.iter().flat_map(|l| &l.value) {
                add(Class::MemberOf(group.value.to_ascii_lowercase()));
            }
            for address in predicates.from.iter().flat_map(|l| &l.value) {
                add(Class::From(address.value.to_ascii_lowercase()));
            }
        }
    }
    classes
}

/// Whether `address` is in one of the organization's accepted domains.
fn inside_address(flow: &MailFlow, address: &str) -> bool {
    let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
    flow.organization.iter().flat_map(|o| &o.domains).any(|d| domain_matches(domain, &d.value))
}

/// Everything the simulation needs to know about the file, computed once.
pub struct Simulator<'a> {
    flow: &'a MailFlow,
    /// Rule indices in evaluation order; only rules that take actions (enabled, enforce).
    active: Vec<usize>,
    /// Lower-cased accepted domains.
    domains: Vec<String>,
    /// Each rule (by index) as the analysis reads it.
    read: Vec<Understood>,
    /// The signature rules that take actions, in evaluation order.
    signature_rules: Vec<usize>,
}

/// Whether the signature rule means to take a message, and if not, what keeps it out
/// (exchange.md, "Deliberate scope versus an accident").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureScope {
    /// The file has no signature rule that takes actions.
    NoSignatureRule,
    /// A signature rule's conditions match the message as sent (after the exclusion rules
    /// above it stamped their headers), and none of its exceptions does.
    In,
    /// Kept out by the signature rule's own conditions or exceptions: by design.
    Out(OutOfScope),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfScope {
    /// The signature rule, by index into `MailFlow::rules`.
    pub rule: usize,
    pub cause: ScopeCause,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeCause {
    /// This condition of the signature rule does not match.
    Condition(&'static str),
    /// This exception of the signature rule matches.
    Exception(&'static str),
    /// The exception on this header matches, and the header was stamped by the rule `by`
    /// above the signature rule (an exclusion rule, as Exclaimer's for Out of Office replies).
    Stamped { header: String, by: usize },
}

/// The keys of a rule's conditions as they are tested, cheapest first.
const TESTED: [&str; 13] = [
    "senderIs",
    "recipientIs",
    "senderDomainIs",
    "recipientDomainIs",
    "messageTypeMatches",
    "messageSizeOver",
    "senderIsMemberOf",
    "from",
    "headerContains",
    "other",
    "recipientAddressMatches",
    "senderAddressMatches",
    "headerMatches",
];

/// One branch of a pass while its rules are evaluated.
#[derive(Clone, Debug)]
struct Partial {
    headers: Headers,
    applied: Vec<Applied>,
    set_headers: Vec<(String, String)>,
    redirect: Option<usize>,
    stopped_by: Option<usize>,
    taken_away: Option<usize>,
    encrypted: bool,
    uncertain: bool,
}

impl<'a> Simulator<'a> {
    pub fn new(flow: &'a MailFlow) -> Self {
        let active: Vec<usize> =
            flow.rules_in_order().into_iter().filter(|r| r.is_active()).map(|r| flow.rule_index(r)).collect();
        let domains =
            flow.organization.iter().flat_map(|o| &o.domains).map(|d| d.value.trim().to_ascii_lowercase()).collect();
        let read = flow.rules.iter().map(understood).collect();
        let signature_rules = {
            let roles = Roles::of(flow);
            let signature: Vec<usize> = roles.signature_rules().map(|routing| flow.rule_index(routing.rule)).collect();
            active.iter().copied().filter(|index| signature.contains(index)).collect()
        };
        Simulator { flow, active, domains, read, signature_rules }
    }

    /// Whether a signature rule means to take `message` as sent, and if not, why.
    pub fn signature_scope(&self, message: &Message) -> SignatureScope {
        let Some(&first) = self.signature_rules.first() else { return SignatureScope::NoSignatureRule };
        let mut kept_out = None;
        for &signature in &self.signature_rules {
            let (headers, stamped_by) = self.after_exclusions(signature, message);
            match self.keeps_out(signature, message, &headers, &stamped_by) {
                None => return SignatureScope::In,
                Some(cause) => {
                    kept_out.get_or_insert(OutOfScope { rule: signature, cause });
                }
            }
        }
        SignatureScope::Out(kept_out.unwrap_or(OutOfScope { rule: first, cause: ScopeCause::Condition("") }))
    }

    /// The headers a message carries when the rule `until` is evaluated in the first pass,
    /// after the rules above it that only stamp or remove headers applied; and which rule
    /// stamped each.
    fn after_exclusions(&self, until: usize, message: &Message) -> (Headers, BTreeMap<String, usize>) {
        let mut headers = Headers::new();
        let mut stamped_by = BTreeMap::new();
        for &index in self.active.iter().take_while(|&&index| index != until) {
            let rule = &self.flow.rules[index];
            if !other_effects::path_changes(rule).is_empty() || self.applies(index, message, &headers) != Truth::Yes {
                continue;
            }
            for (name, value) in other_effects::headers_set(rule) {
                headers.insert(name.to_ascii_lowercase(), value.to_owned());
                stamped_by.insert(name.to_ascii_lowercase(), index);
            }
            for name in &self.read[index].removed_headers {
                headers.remove(name);
            }
        }
        (headers, stamped_by)
    }

    /// What keeps the rule from taking the message, if something surely does.
    fn keeps_out(
        &self,
        index: usize,
        message: &Message,
        headers: &Headers,
        stamped_by: &BTreeMap<String, usize>,
    ) -> Option<ScopeCause> {
        let read = &self.read[index];
        if let Some(&key) =
            TESTED.iter().find(|key| self.test(key, &read.conditions, message, headers) == Some(Truth::No))
        {
            return Some(ScopeCause::Condition(key));
        }
        let key = *TESTED.iter().find(|key| self.test(key, &read.exceptions, message, headers) == Some(Truth::Yes))?;
        let header = match key {
            "headerContains" => read.exceptions.header_contains.as_ref().map(|t| &t.header.value),
            "headerMatches" => read.exceptions.header_matches.as_ref().map(|t| &t.header.value),
            _ => None,
        };
        match header.and_then(|h| Some((h, *stamped_by.get(&h.to_ascii_lowercase())?))) {
            Some((header, by)) => Some(ScopeCause::Stamped { header: header.clone(), by }),
            None => Some(ScopeCause::Exception(key)),
        }
    }

    fn is_inside(&self, domain: &str) -> bool {
        self.domains.iter().any(|d| domain_matches(domain, d))
    }

    /// The sender's address: the null sender's `<>`, a named sender's, else one no rule
    /// names, inside or outside.
    fn sender_address(&self, message: &Message) -> String {
        match (&message.class, message.from_inside, self.domains.first()) {
            (Class::NullSender, _, _) => "<>".to_owned(),
            (Class::From(address), _, _) => address.clone(),
            (_, true, Some(domain)) => format!("sender@{domain}"),
            (_, true, None) => "sender@inside.example".to_owned(),
            (_, false, _) => "sender@sender.example".to_owned(),
        }
    }

    /// Every way `message` can go, each to its end.
    pub fn run(&self, message: &Message) -> Vec<Path> {
        let mut finished = Vec::new();
        // (path so far, headers at the start of the next pass, states seen at each pass start)
        let mut pending = vec![(Vec::<Pass>::new(), Headers::new(), Vec::<Headers>::new(), false)];
        while let Some((passes, headers, seen, uncertain)) = pending.pop() {
            if let Some(first) = seen.iter().position(|h| *h == headers) {
                finished.push(Path { passes, ending: Ending::Loop { first: first + 1 }, uncertain });
                continue;
            }
            if passes.len() >= MAX_PASSES {
                finished.push(Path { passes, ending: Ending::HopCapExceeded, uncertain });
                continue;
            }
            let number = passes.len() + 1;
            for outcome in self.pass(message, &headers) {
                let mut passes = passes.clone();
                let mut seen = seen.clone();
                seen.push(headers.clone());
                let mut next_headers = outcome.headers.clone();
                let uncertain = uncertain || outcome.uncertain;
                let route = match outcome.taken_away {
                    Some(rule) => Route::TakenAway { rule },
                    None => self.route(message, outcome.redirect),
                };
                let ending = match &route {
                    Route::Mailbox => Some(Ending::DeliveredToMailbox),
                    Route::Mx => Some(Ending::DeliveredByMx),
                    Route::TakenAway { rule } => Some(Ending::TakenAway { rule: *rule }),
                    Route::Rule { connector, .. } | Route::RecipientDomains { connector } => {
                        self.through_connector(*connector, &mut next_headers)
                    }
                };
                passes.push(Pass {
                    number,
                    start_headers: headers.clone(),
                    applied: outcome.applied,
                    stopped_by: outcome.stopped_by,
                    set_headers: outcome.set_headers,
                    encrypted: outcome.encrypted,
                    route,
                });
                match ending {
                    Some(ending) => finished.push(Path { passes, ending, uncertain }),
                    None if finished.len() + pending.len() < MAX_BRANCHES => {
                        pending.push((passes, next_headers, seen, uncertain))
                    }
                    // Too many branches: stop following this one rather than blow up.
                    None => finished.push(Path { passes, ending: Ending::HopCapExceeded, uncertain: true }),
                }
            }
        }
        finished
    }

    /// What the service behind a connector does; `None` when the message comes back for
    /// another pass (with the service's header added to `headers`).
    fn through_connector(&self, index: usize, headers: &mut Headers) -> Option<Ending> {
        let connector = &self.flow.connectors[index];
        if !connector.is_enabled() {
            return Some(Ending::DisabledConnector { connector: index });
        }
        let Some(service) = &connector.service else {
            return Some(Ending::DeliveredByConnector { connector: index });
        };
        if !service.returns_to_exchange() {
            return Some(Ending::DeliveredBySmartHost { connector: index });
        }
        // What the service hands back carries its processed header: a signature service's,
        // or a gateway's own (SEPPmail's `X-SM-outgoing: yes`).
        if let Some((name, value)) = service.processed_header() {
            headers.insert(name.to_ascii_lowercase(), value);
        }
        None
    }

    /// Where the message goes after the rules: a rule's redirect, else the most specific
    /// recipient-domain connector, else the mailbox or the MX.
    fn route(&self, message: &Message, redirect: Option<usize>) -> Route {
        if let Some(rule) = redirect {
            let target = &self.flow.rules[rule].actions.redirect_to_connector;
            if let Some(connector) = target.as_ref().and_then(|t| connector_index(self.flow, &t.value)) {
                return Route::Rule { rule, connector };
            }
        }
        let domain = message.recipient_domain();
        if self.is_inside(domain) {
            return Route::Mailbox;
        }
        let best = self
            .flow
            .connectors
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_enabled() && c.usage() == ConnectorUse::RecipientDomains)
            .filter_map(|(i, c)| Some((specificity(c, domain)?, i)))
            .max_by_key(|(score, i)| (*score, std::cmp::Reverse(*i)));
        match best {
            Some((_, connector)) => Route::RecipientDomains { connector },
            None => Route::Mx,
        }
    }

    /// The rules of one pass over every branch of the unknown conditions.
    fn pass(&self, message: &Message, headers: &Headers) -> Vec<Partial> {
        let mut partials = vec![Partial {
            headers: headers.clone(),
            applied: Vec::new(),
            set_headers: Vec::new(),
            redirect: None,
            stopped_by: None,
            taken_away: None,
            encrypted: false,
            uncertain: false,
        }];
        for &index in &self.active {
            let rule = &self.flow.rules[index];
            let mut next = Vec::with_capacity(partials.len());
            for partial in partials {
                if partial.stopped_by.is_some() || partial.taken_away.is_some() {
                    next.push(partial);
                    continue;
                }
                let removed = &self.read[index].removed_headers;
                match self.applies(index, message, &partial.headers) {
                    Truth::No => next.push(partial),
                    Truth::Yes => next.push(apply(rule, index, removed, partial, false)),
                    Truth::Maybe if !has_effect(rule) => next.push(partial),
                    Truth::Maybe => {
                        let mut skipped = partial.clone();
                        skipped.uncertain = true;
                        next.push(apply(rule, index, removed, partial, true));
                        next.push(skipped);
                    }
                }
            }
            merge(&mut next);
            next.truncate(MAX_BRANCHES);
            partials = next;
        }
        partials
    }

    fn applies(&self, index: usize, message: &Message, headers: &Headers) -> Truth {
        let read = &self.read[index];
        let conditions = self.predicates(&read.conditions, message, headers, Truth::and, Truth::Yes);
        if conditions == Truth::No {
            return Truth::No;
        }
        let exceptions = self.predicates(&read.exceptions, message, headers, Truth::or, Truth::No);
        conditions.and(exceptions.not())
    }

    /// Whether a rule's conditions would let it apply: for MF308, which asks about rules a
    /// stop kept from being evaluated.
    pub fn would_apply(&self, rule: &TransportRule, message: &Message, headers: &Headers) -> bool {
        self.applies(self.flow.rule_index(rule), message, headers) == Truth::Yes
    }

    /// Conditions combine with AND (empty: true); exceptions with OR (empty: false). Tests
    /// run cheapest first and stop once the answer is settled, so patterns are matched only
    /// when they can still change it.
    fn predicates(
        &self,
        predicates: &Predicates,
        message: &Message,
        headers: &Headers,
        combine: fn(Truth, Truth) -> Truth,
        empty: Truth,
    ) -> Truth {
        // The value that settles the answer: a failed condition, or a matching exception.
        let settled = empty.not();
        let mut result: Option<Truth> = None;
        for key in TESTED {
            let Some(truth) = self.test(key, predicates, message, headers) else { continue };
            let combined = result.map_or(truth, |so_far| combine(so_far, truth));
            if combined == settled {
                return settled;
            }
            result = Some(combined);
        }
        result.unwrap_or(empty)
    }

    /// Whether the condition `key` of `predicates` matches the message; `None` when it is
    /// not given.
    fn test(&self, key: &str, predicates: &Predicates, message: &Message, headers: &Headers) -> Option<Truth> {
        let listed = |list: &Option<crate::text::Spanned<Vec<crate::text::Spanned<String>>>>, value: &str| {
            list.as_ref().map(|list| Truth::from(list.value.iter().any(|item| item.value.eq_ignore_ascii_case(value))))
        };
        let recipient_domain = message.recipient_domain();
        match key {
            "senderIs" => predicates.sender_is.as_ref().map(|scope| scope_truth(scope.value, message.from_inside)),
            "recipientIs" => {
                predicates.recipient_is.as_ref().map(|scope| scope_truth(scope.value, self.is_inside(recipient_domain)))
            }
            "senderDomainIs" => {
                let domains = predicates.sender_domain_is.as_ref()?;
                let sender = self.sender_address(message);
                let sender_domain = sender.rsplit_once('@').map_or("", |(_, d)| d);
                Some(Truth::from(
                    !sender_domain.is_empty() && domains.value.iter().any(|d| domain_matches(sender_domain, &d.value)),
                ))
            }
            "recipientDomainIs" => {
                let domains = predicates.recipient_domain_is.as_ref()?;
                Some(Truth::from(domains.value.iter().any(|d| domain_matches(recipient_domain, &d.value))))
            }
            "messageTypeMatches" => {
                predicates.message_type_matches.as_ref().map(|m| Truth::from(message.message_type() == Some(m.value)))
            }
            "messageSizeOver" => {
                predicates.message_size_over.as_ref().map(|s| Truth::from(message.size() >= s.value.bytes))
            }
            "senderIsMemberOf" => match &message.class {
                Class::MemberOf(group) => listed(&predicates.sender_is_member_of, group),
                // A sender no rule names is in no group a rule names.
                _ => predicates.sender_is_member_of.as_ref().map(|_| Truth::No),
            },
            "from" => listed(&predicates.from, &self.sender_address(message)),
            "headerContains" => predicates.header_contains.as_ref().map(|test| header_contains(test, headers)),
            "other" => (!predicates.other.is_empty()).then_some(Truth::Maybe),
            "recipientAddressMatches" => {
                predicates.recipient_address_matches.as_ref().map(|patterns| any_pattern(&patterns.value, &message.to))
            }
            "senderAddressMatches" => predicates
                .sender_address_matches
                .as_ref()
                .map(|patterns| any_pattern(&patterns.value, &self.sender_address(message))),
            "headerMatches" => predicates.header_matches.as_ref().map(|test| header_matches(test, headers)),
            _ => None,
        }
    }
}

/// The rule's actions on one branch: its headers set and `removed`, its redirect, its stop,
/// and what its `other` actions do (exchange.md, "What other conditions and actions do").
fn apply(rule: &TransportRule, index: usize, removed: &[String], mut partial: Partial, uncertain: bool) -> Partial {
    partial.applied.push(Applied { rule: index, uncertain });
    partial.uncertain |= uncertain;
    for (name, value) in other_effects::headers_set(rule) {
        partial.headers.insert(name.to_ascii_lowercase(), value.to_owned());
        partial.set_headers.push((name.to_owned(), value.to_owned()));
    }
    for name in removed {
        partial.headers.remove(name);
    }
    for parameter in &rule.actions.other {
        match other_effects::action(&parameter.name.value) {
            ActionEffect::TakesAway => partial.taken_away = partial.taken_away.or(Some(index)),
            ActionEffect::Encrypts => partial.encrypted = true,
            _ => {}
        }
    }
    if rule.actions.redirect_to_connector.is_some() && partial.redirect.is_none() {
        // Which of two redirects wins is unconfirmed (exchange.md); the first is followed and
        // MF310 reports the conflict.
        partial.redirect = Some(index);
    }
    if rule.stops_processing() {
        partial.stopped_by = Some(index);
    }
    partial
}

/// Whether applying the rule can change where the message goes or what later rules see.
fn has_effect(rule: &TransportRule) -> bool {
    !other_effects::headers_set(rule).is_empty()
        || rule.actions.remove_header.is_some()
        || !other_effects::path_changes(rule).is_empty()
}

/// Keeps one branch per distinct state (headers, redirect, stop, rules applied).
fn merge(partials: &mut Vec<Partial>) {
    let mut kept: Vec<Partial> = Vec::with_capacity(partials.len());
    for partial in partials.drain(..) {
        let same = kept.iter_mut().find(|k| {
            k.headers == partial.headers
                && k.redirect == partial.redirect
                && k.stopped_by == partial.stopped_by
                && k.taken_away == partial.taken_away
                && k.encrypted == partial.encrypted
                && k.applied.iter().map(|a| a.rule).eq(partial.applied.iter().map(|a| a.rule))
        });
        match same {
            Some(existing) => existing.uncertain &= partial.uncertain,
            None => kept.push(partial),
        }
    }
    *partials = kept;
}

fn scope_truth(scope: Scope, inside: bool) -> Truth {
    match scope {
        Scope::Inside => Truth::from(inside),
        Scope::Outside => Truth::from(!inside),
        // Exchange Online rejects these (MF012); whether they match is unknown.
        Scope::ExternalPartner | Scope::ExternalNonPartner => Truth::Maybe,
    }
}

fn any_pattern(patterns: &[Pattern], text: &str) -> Truth {
    patterns.iter().map(|p| pattern_truth(p, text)).fold(Truth::No, Truth::or)
}

/// A pattern the tool cannot evaluate (valid .NET the engine has no equivalent of, or one
/// .NET rejects, MF011) may match or not: both outcomes are followed.
fn pattern_truth(pattern: &Pattern, text: &str) -> Truth {
    pattern.matches(text).map_or(Truth::Maybe, Truth::from)
}

fn header_contains(test: &HeaderContains, headers: &Headers) -> Truth {
    let Some(value) = headers.get(&test.header.value.to_ascii_lowercase()) else { return Truth::No };
    let value = value.to_lowercase();
    Truth::from(test.words.iter().any(|w| value.contains(&w.value.to_lowercase())))
}

fn header_matches(test: &HeaderMatches, headers: &Headers) -> Truth {
    let Some(value) = headers.get(&test.header.value.to_ascii_lowercase()) else { return Truth::No };
    any_pattern(&test.patterns, value)
}

/// `domain` is `pattern` or a subdomain of it (as RecipientDomainIs and SenderDomainIs
/// match); `*` matches every domain and `*.x.com` the subdomains of x.com.
pub fn domain_matches(domain: &str, pattern: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    let pattern = pattern.trim().to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    let bare = pattern.trim_start_matches("*.");
    domain == bare || domain.ends_with(&format!(".{bare}"))
}

/// How specifically a recipient-domain connector names `domain`: an exact domain beats
/// `*.domain`, which beats `*`; `None` when it does not match.
fn specificity(connector: &Connector, domain: &str) -> Option<usize> {
    let domains = connector.recipient_domains.as_ref()?;
    domains
        .value
        .iter()
        .filter(|d| domain_matches(domain, &d.value))
        .map(|d| {
            let pattern = d.value.trim();
            match pattern {
                "*" => 0,
                p if p.starts_with("*.") => 1 + p.len(),
                p => 1_000 + p.len(),
            }
        })
        .max()
}

pub fn connector_index(flow: &MailFlow, name: &str) -> Option<usize> {
    flow.connectors.iter().position(|c| c.name.as_ref().is_some_and(|n| n.value.eq_ignore_ascii_case(name)))
}

/// Every simulated message of a file and the ways each can go.
pub struct Simulation<'a> {
    pub flow: &'a MailFlow,
    pub simulator: Simulator<'a>,
    /// Each simulated message, whether the signature rule means to take it, and its paths.
    pub runs: Vec<(Message, SignatureScope, Vec<Path>)>,
}

impl<'a> Simulation<'a> {
    pub fn of(flow: &'a MailFlow) -> Self {
        let simulator = Simulator::new(flow);
        let runs = messages(flow)
            .into_iter()
            .map(|m| {
                let scope = simulator.signature_scope(&m);
                let paths = simulator.run(&m);
                (m, scope, paths)
            })
            .collect();
        Simulation { flow, simulator, runs }
    }

    /// Every path with its message.
    pub fn paths(&self) -> impl Iterator<Item = (&Message, &Path)> {
        self.runs.iter().flat_map(|(message, _, paths)| paths.iter().map(move |p| (message, p)))
    }

    /// Every path of a message the signature rule means to take (or of every message, when
    /// no signature rule takes actions: then nothing keeps a message out on purpose).
    pub fn paths_in_signature_scope(&self) -> impl Iterator<Item = (&Message, &Path)> {
        self.runs
            .iter()
            .filter(|(_, scope, _)| !matches!(scope, SignatureScope::Out(_)))
            .flat_map(|(message, _, paths)| paths.iter().map(move |p| (message, p)))
    }

    pub fn is_inside(&self, domain: &str) -> bool {
        self.simulator.is_inside(domain)
    }

    pub fn kind_of(&self, connector: usize) -> Option<ServiceKind> {
        self.flow.connectors[connector].service.as_ref().map(|s| s.kind.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lower_yaml::lower;
    use crate::syntax::yaml::parse;

    fn flow(text: &str) -> MailFlow {
        let (flow, diagnostics) = lower(&parse(text), text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        flow
    }

    fn run(flow: &MailFlow, from_inside: bool, to: &str) -> Vec<Path> {
        Simulator::new(flow).run(&Message::ordinary(from_inside, to))
    }

    const HEAD: &str = "mailflow: 1\norganization: {domains: [contoso.com]}\n";

    const SIGNATURE: &str = "  - name: CodeTwo
    use: transport-rule
    smartHosts: [1a2b.smtp.codetwo.online]
    service: {kind: signature, vendor: codetwo}
";

    const SIGNATURE_RULE: &str = "  - name: CodeTwo rule
    priority: 0
    conditions: {senderIs: inside}
    exceptions:
      headerContains: {header: X-CodeTwoProcessed, words: ['true']}
    actions: {redirectToConnector: CodeTwo}
    stopProcessingMoreRules: true
";

    #[test]
    fn inside_recipient_is_delivered_to_the_mailbox() {
        let flow = flow(HEAD);
        let paths = run(&flow, true, "user@contoso.com");
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].ending, Ending::DeliveredToMailbox);
    }

    #[test]
    fn outside_recipient_without_connectors_goes_through_mx() {
        let flow = flow(HEAD);
        let paths = run(&flow, true, "user@fabrikam.com");
        assert_eq!(paths[0].ending, Ending::DeliveredByMx);
        assert_eq!(paths[0].passes.len(), 1);
    }

    #[test]
    fn most_specific_recipient_domain_connector_delivers() {
        let text = format!(
            "{HEAD}connectors:\n  - name: All\n    recipientDomains: ['*']\n  - name: Fabrikam\n    recipientDomains: [fabrikam.com]\n"
        );
        let flow = flow(&text);
        assert_eq!(run(&flow, true, "user@fabrikam.com")[0].ending, Ending::DeliveredByConnector { connector: 1 });
        assert_eq!(run(&flow, true, "user@litware.com")[0].ending, Ending::DeliveredByConnector { connector: 0 });
    }

    #[test]
    fn signature_then_smart_host_that_delivers() {
        let text = format!(
            "{HEAD}connectors:\n{SIGNATURE}  - name: Mimecast
    use: transport-rule
    service: {{kind: smart-host, vendor: mimecast, returnsToExchange: false}}
transportRules:\n{SIGNATURE_RULE}  - name: Mimecast rule
    priority: 1
    conditions: {{senderIs: inside, recipientIs: outside}}
    exceptions:
      headerContains: {{header: X-AntiLoop-Smarthost, words: ['true']}}
    actions:
      setHeader: {{name: X-AntiLoop-Smarthost, value: 'true'}}
      redirectToConnector: Mimecast
"
        );
        let flow = flow(&text);
        let paths = run(&flow, true, "user@fabrikam.com");
        assert_eq!(paths.len(), 1);
        let path = &paths[0];
        assert_eq!(path.ending, Ending::DeliveredBySmartHost { connector: 1 });
        // Pass 1 to CodeTwo (which stamps its header), pass 2 to Mimecast.
        assert_eq!(path.passes.iter().filter_map(Pass::connector).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(path.passes[0].stopped_by, Some(0));
        assert_eq!(path.passes[1].start_headers.get("x-codetwoprocessed").map(String::as_str), Some("true"));
        assert!(!path.uncertain);
    }

    #[test]
    fn signature_rule_without_exception_loops_by_repeated_state() {
        let text = format!(
            "{HEAD}connectors:\n{SIGNATURE}transportRules:\n  - name: CodeTwo rule
    priority: 0
    conditions: {{senderIs: inside}}
    actions: {{redirectToConnector: CodeTwo}}
"
        );
        let flow = flow(&text);
        let paths = run(&flow, true, "user@fabrikam.com");
        // Pass 2 starts with the processed header, and so would pass 3: a repeated state.
        assert_eq!(paths[0].ending, Ending::Loop { first: 2 });
        assert_eq!(paths[0].passes.len(), 2);
    }

    #[test]
    fn a_chain_of_ever_new_headers_hits_the_hop_cap() {
        // Each service stamps a header of its own, so no state repeats; the cap ends it.
        let mut text = format!("{HEAD}connectors:\n");
        for i in 0..=MAX_PASSES {
            text += &format!(
                "  - name: S{i}\n    use: transport-rule\n    service: {{kind: signature, processedHeader: {{name: X-S{i}, value: 'y'}}}}\n"
            );
        }
        text += "transportRules:\n";
        for i in 0..=MAX_PASSES {
            text += &format!(
                "  - name: R{i}\n    priority: {i}\n    exceptions: {{headerContains: {{header: X-S{i}, words: ['y']}}}}\n    actions: {{redirectToConnector: S{i}}}\n    stopProcessingMoreRules: true\n"
            );
        }
        let flow = flow(&text);
        let paths = run(&flow, true, "user@fabrikam.com");
        assert_eq!(paths[0].ending, Ending::HopCapExceeded);
        assert_eq!(paths[0].passes.len(), MAX_PASSES);
    }

    #[test]
    fn unknown_conditions_are_followed_both_ways() {
        let text = format!(
            "{HEAD}connectors:\n{SIGNATURE}transportRules:\n  - name: CodeTwo rule
    priority: 0
    conditions: {{other: {{SubjectContainsWords: [invoice]}}}}
    exceptions:
      headerContains: {{header: X-CodeTwoProcessed, words: ['true']}}
    actions: {{redirectToConnector: CodeTwo}}
"
        );
        let flow = flow(&text);
        let paths = run(&flow, true, "user@fabrikam.com");
        let mut endings: Vec<_> = paths.iter().map(|p| (p.passes.len(), p.uncertain)).collect();
        endings.sort();
        // Not applied: straight to MX. Applied: CodeTwo, then MX on the way back.
        assert_eq!(endings, [(1, true), (2, true)]);
    }

    #[test]
    fn three_hundred_unknown_conditions_stay_polynomial() {
        let mut text = format!("{HEAD}connectors:\n{SIGNATURE}transportRules:\n");
        for i in 0..300 {
            text += &format!(
                "  - name: R{i}\n    priority: {i}\n    conditions: {{other: {{SubjectContainsWords: [w{i}]}}}}\n    actions:\n      setHeader: {{name: X-Dept, value: 'd{}'}}\n",
                i % 3
            );
        }
        let flow = flow(&text);
        let paths = run(&flow, true, "user@fabrikam.com");
        // Four outcomes for the header (unset, d0, d1, d2), merged however the rules branch.
        assert!(paths.len() <= 4 * 300, "{} paths", paths.len());
        assert!(paths.iter().all(|p| p.ending == Ending::DeliveredByMx));
    }

    #[test]
    fn messages_cover_accepted_named_and_unnamed_domains() {
        let text = format!(
            "{HEAD}connectors:\n  - name: P\n    recipientDomains: ['*.litware.com']\ntransportRules:\n  - name: R\n    priority: 0\n    conditions: {{recipientDomainIs: [fabrikam.com]}}\n"
        );
        let flow = flow(&text);
        let recipients: Vec<String> = messages(&flow).into_iter().filter(|m| m.from_inside).map(|m| m.to).collect();
        assert_eq!(recipients, ["user@contoso.com", "user@fabrikam.com", "user@litware.com", "user@recipient.example"]);
    }
}
