//! The pass simulator: follows a message through Exchange Online as exchange.md models it,
//! pass by pass — rules, then routing, then the service behind the connector — until it is
//! delivered, loops, or cannot be delivered.
//!
//! Conditions the tool cannot evaluate (`other` without a key) are followed both ways; what
//! depends on them is marked uncertain ("may"). A rule that may apply and only sets headers
//! nothing reads is one branch; the other branches are followed up to [`MAX_BRANCHES`] ways
//! per message, and the ways past the cap are counted, not followed, so a file of many rules
//! with unknown conditions costs at most the cap's ways per rule and pass.
//!
//! The messages simulated are classes (exchange.md, "Messages to simulate"): an ordinary
//! message, and one for each thing a rule tells apart (a message type, the null sender, a
//! size, a sender group, a sender address). For each, [`Simulator::signature_scope`] says
//! whether the signature rule means to take it, and if not, what keeps it out. Each class
//! goes from inside and from outside to a recipient in each domain the file names, but of
//! recipients the simulation cannot tell apart only the first: a file's size costs look-ups
//! in lists indexed once, not a simulation per domain.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use super::other_effects::{self, ActionEffect, PathChange};
use super::roles::Roles;
use super::understood::understood;
use crate::model::{
    ConnectorUse, MailFlow, MessageType, Pattern, Predicates, Scope, ServiceKind, TextList, TransportRule,
};

/// Exchange Server's default hop limit; Exchange Online's is not published (exchange.md).
pub const MAX_PASSES: usize = 30;
/// Partial outcomes kept per pass, and paths per message, before branching stops.
pub const MAX_BRANCHES: usize = 64;

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
    /// Headers that rules set in this pass, as written.
    pub set_headers: Vec<(Arc<str>, Arc<str>)>,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// A header name as the simulation compares it: its place in the simulator's table of every
/// name a rule or service sets, removes or tests, case aside ([`HeaderNames`]). Two names
/// compare as two numbers, not as two strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct HeaderName(u32);

/// The table behind [`HeaderName`], filled while the rules and services are read: each
/// lower-cased name once.
#[derive(Default)]
struct HeaderNames(HashMap<String, HeaderName>);

impl HeaderNames {
    fn intern(&mut self, name: &str) -> HeaderName {
        let lower = name.to_ascii_lowercase();
        let next = HeaderName(self.0.len() as u32);
        *self.0.entry(lower).or_insert(next)
    }
}

/// A header's value as written, and lower-cased for `headerContains`, which ignores case.
#[derive(Debug, PartialEq, Eq)]
struct HeaderValue {
    written: String,
    lowered: String,
}

impl HeaderValue {
    fn new(written: &str) -> Rc<HeaderValue> {
        Rc::new(HeaderValue { written: written.to_owned(), lowered: written.to_lowercase() })
    }
}

/// Headers on the message, each name once, in the order of their names. A short sorted
/// list of shared values: branches copy their headers as they split, and each pass keeps
/// those it started with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<(HeaderName, Rc<HeaderValue>)>);

impl Headers {
    fn get(&self, name: HeaderName) -> Option<&HeaderValue> {
        let at = self.0.binary_search_by_key(&name, |(held, _)| *held).ok()?;
        Some(&self.0[at].1)
    }

    fn insert(&mut self, name: HeaderName, value: Rc<HeaderValue>) {
        match self.0.binary_search_by_key(&name, |(held, _)| *held) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (name, value)),
        }
    }

    fn remove(&mut self, name: HeaderName) {
        if let Ok(at) = self.0.binary_search_by_key(&name, |(held, _)| *held) {
            self.0.remove(at);
        }
    }
}

/// The messages from each of `senders` to each of `recipients`.
fn messages_to(senders: &[(bool, &Class)], recipients: &[String]) -> Vec<Message> {
    let mut messages = Vec::with_capacity(senders.len() * recipients.len());
    for &(from_inside, class) in senders {
        for to in recipients {
            messages.push(Message { from_inside, to: to.clone(), class: class.clone() });
        }
    }
    messages
}

/// Every recipient domain the file names, lower-cased, each once, in the order first named:
/// the accepted domains, the domains of the rules' `recipientDomainIs`, those of the
/// connectors' `recipientDomains`; then one that nothing names.
fn recipient_domains(flow: &MailFlow) -> Vec<String> {
    let mut domains: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |domain: &str| {
        let domain = domain.trim().trim_start_matches("*.").trim_start_matches('*').to_ascii_lowercase();
        if !domain.is_empty() && seen.insert(domain.clone()) {
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
    domains
}

/// The classes of message the rules (as the analysis reads them) tell apart, each once:
/// see [`Simulator::classes`].
fn classes(read: &[ReadRule]) -> Vec<Class> {
    let mut classes = vec![Class::Ordinary];
    let mut seen = BTreeSet::from([Class::Ordinary]);
    let mut add = |class: Class| {
        if seen.insert(class.clone()) {
            classes.push(class);
        }
    };
    for rule in read {
        for predicates in [&rule.conditions.predicates, &rule.exceptions.predicates] {
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

/// Domain patterns, indexed by the domain they name. A domain matches a pattern that names
/// it or a domain it is below (as RecipientDomainIs and SenderDomainIs match), without
/// regard to ASCII case; `*` matches every domain and `*.x.com` the subdomains of x.com
/// (and x.com itself). Which patterns a domain matches takes one look-up per label of the
/// domain, however many patterns there are.
#[derive(Debug)]
struct DomainIndex<T> {
    /// What the patterns `*` carry: they match every domain.
    everywhere: Vec<T>,
    /// What the other patterns carry, by the domain they name (lower-cased, without `*.`).
    named: HashMap<String, Vec<T>>,
}

impl<T> DomainIndex<T> {
    fn new() -> Self {
        DomainIndex { everywhere: Vec::new(), named: HashMap::new() }
    }

    fn insert(&mut self, pattern: &str, value: T) {
        // `*` and `*.` have no letters: they are found before lower-casing, which copies
        // only what is kept.
        let pattern = pattern.trim();
        if pattern == "*" {
            self.everywhere.push(value);
        } else {
            self.named.entry(pattern.trim_start_matches("*.").to_ascii_lowercase()).or_default().push(value);
        }
    }

    /// Calls `each` with what every pattern `domain` matches carries; returns the number of
    /// look-ups it took. A pattern matches the domain it names and the domains that end
    /// with it after a dot, so the look-ups are of the domain and of what follows each dot.
    fn each_match(&self, domain: &str, mut each: impl FnMut(&T)) -> u64 {
        self.everywhere.iter().for_each(&mut each);
        let domain = lower(domain);
        let mut rest: &str = &domain;
        let mut lookups = 1;
        loop {
            if let Some(values) = self.named.get(rest) {
                values.iter().for_each(&mut each);
            }
            let Some(dot) = rest.find('.') else { return lookups };
            rest = &rest[dot + 1..];
            lookups += 1;
        }
    }
}

/// `text` with its ASCII letters lower-cased, copied only when it has capitals.
fn lower(text: &str) -> Cow<'_, str> {
    match text.bytes().any(|b| b.is_ascii_uppercase()) {
        true => Cow::Owned(text.to_ascii_lowercase()),
        false => Cow::Borrowed(text),
    }
}

/// A rule's conditions or exceptions as the simulation reads them on their own
/// ([`understood`]), with their lists indexed so that testing a message takes the same time
/// however long they are. Part of a [`RuleReading`]: nothing in it depends on where the rule
/// is written.
struct TestedReading {
    /// The predicates with an `other` entry that has a key read as that key, where one has
    /// (most rules have none, and are read as written). Read for their values only: their
    /// spans are those of the rule this was worked out from, which may since have moved.
    understood: Option<Box<Predicates>>,
    /// The keys it gives, in the order they are tested ([`TESTED`]).
    given: Vec<Test>,
    sender_domains: Option<DomainIndex<()>>,
    recipient_domains: Option<DomainIndex<()>>,
    /// `senderIsMemberOf`, lower-cased.
    groups: Option<HashSet<String>>,
    /// `from`, lower-cased.
    senders: Option<HashSet<String>>,
    /// `headerContains`: its words, lower-cased.
    header_words: Option<Vec<String>>,
}

impl TestedReading {
    fn of(predicates: Cow<'_, Predicates>) -> TestedReading {
        let domains = |list: &TextList| {
            list.as_ref().map(|list| {
                let mut index = DomainIndex::new();
                list.value.iter().for_each(|domain| index.insert(&domain.value, ()));
                index
            })
        };
        let set = |list: &TextList| {
            list.as_ref().map(|list| list.value.iter().map(|item| item.value.to_ascii_lowercase()).collect())
        };
        TestedReading {
            given: TESTED.into_iter().filter(|test| test.given(&predicates)).collect(),
            sender_domains: domains(&predicates.sender_domain_is),
            recipient_domains: domains(&predicates.recipient_domain_is),
            groups: set(&predicates.sender_is_member_of),
            senders: set(&predicates.from),
            header_words: predicates
                .header_contains
                .as_ref()
                .map(|test| test.words.iter().map(|word| word.value.to_lowercase()).collect()),
            understood: match predicates {
                Cow::Borrowed(_) => None,
                Cow::Owned(predicates) => Some(Box::new(predicates)),
            },
        }
    }
}

/// What the simulation reads of a rule on its own: what it tests, and what its actions do.
/// Worked out once per rule and kept with it ([`crate::model::Derived`]), so that a version
/// of the file an edit made reads again only the rules the edit changed.
struct RuleReading {
    conditions: TestedReading,
    exceptions: TestedReading,
    /// The headers its actions remove, lower-cased.
    removed_headers: Vec<String>,
    /// The headers its actions set, as written.
    sets: Vec<(Arc<str>, Arc<str>)>,
    /// None of its actions changes the message's path (`other_effects::path_changes`).
    leaves_path_alone: bool,
    /// Applying it can change where the message goes or what later rules see.
    has_effect: bool,
    /// An action takes the message away.
    takes_away: bool,
    /// An action encrypts the message.
    encrypts: bool,
}

impl RuleReading {
    fn of(rule: &TransportRule) -> RuleReading {
        let read = understood(rule);
        let sets: Vec<(Arc<str>, Arc<str>)> =
            other_effects::headers_set(rule).into_iter().map(|(name, value)| (name.into(), value.into())).collect();
        let path_changes = other_effects::path_changes(rule);
        let leaves_path_alone = path_changes.is_empty();
        // Taking the message away and encrypting it change its path: `path_changes` lists
        // every `other` action that does, with its effect.
        let an_action_does = |wanted: ActionEffect| {
            path_changes.iter().any(|change| matches!(change, PathChange::Other(_, effect) if *effect == wanted))
        };
        RuleReading {
            conditions: TestedReading::of(read.conditions),
            exceptions: TestedReading::of(read.exceptions),
            removed_headers: read.removed_headers,
            has_effect: !sets.is_empty() || rule.actions.remove_header.is_some() || !leaves_path_alone,
            sets,
            leaves_path_alone,
            takes_away: an_action_does(ActionEffect::TakesAway),
            encrypts: an_action_does(ActionEffect::Encrypts),
        }
    }
}

/// A rule's conditions or exceptions as one simulator tests them: its [`TestedReading`],
/// with the header names it tests in the simulator's table.
struct Tested<'a> {
    /// What they test: the rule's own, or the reading's understood copy.
    predicates: &'a Predicates,
    reading: &'a TestedReading,
    /// `headerContains`: the header's name.
    header_contains: Option<HeaderName>,
    /// `headerMatches`: the header's name.
    header_matches: Option<HeaderName>,
}

impl<'a> Tested<'a> {
    fn new(written: &'a Predicates, reading: &'a TestedReading, names: &mut HeaderNames) -> Tested<'a> {
        let predicates = reading.understood.as_deref().unwrap_or(written);
        Tested {
            header_contains: predicates.header_contains.as_ref().map(|test| names.intern(&test.header.value)),
            header_matches: predicates.header_matches.as_ref().map(|test| names.intern(&test.header.value)),
            predicates,
            reading,
        }
    }
}

/// A rule as one simulator reads it: its [`RuleReading`], with the header names it sets,
/// removes and tests in the simulator's table.
struct ReadRule<'a> {
    reading: &'a RuleReading,
    conditions: Tested<'a>,
    exceptions: Tested<'a>,
    /// The headers its actions remove.
    removed_headers: Vec<HeaderName>,
    /// The headers its actions set, as [`Headers`] holds them.
    set_keys: Vec<(HeaderName, Rc<HeaderValue>)>,
    /// Applying it changes only headers that no rule tests (nor a service reads): a branch
    /// where it applies and one where it does not differ in nothing later read, so a rule
    /// that may apply is followed as one branch where it "may" apply, not two.
    /// Set by [`Simulator::new`], which knows every rule.
    unread_effect: bool,
}

impl<'a> ReadRule<'a> {
    /// The rule as this simulator reads it; counts in `worked_out` a rule whose
    /// [`RuleReading`] was not kept with it.
    fn new(rule: &'a TransportRule, names: &mut HeaderNames, worked_out: &mut u64) -> ReadRule<'a> {
        let reading: &RuleReading = rule.derived.get_or_init(|| {
            *worked_out += 1;
            RuleReading::of(rule)
        });
        ReadRule {
            conditions: Tested::new(&rule.conditions, &reading.conditions, names),
            exceptions: Tested::new(&rule.exceptions, &reading.exceptions, names),
            removed_headers: reading.removed_headers.iter().map(|name| names.intern(name)).collect(),
            set_keys: reading.sets.iter().map(|(name, value)| (names.intern(name), HeaderValue::new(value))).collect(),
            unread_effect: false,
            reading,
        }
    }
}

/// How much a simulator has done: counts that grow with the work, so that tests can hold
/// it linear in the size of a file without timing it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Messages followed to their ends ([`Simulator::run`]).
    pub messages: u64,
    /// Rules whose conditions and exceptions were evaluated for a message.
    pub rule_evaluations: u64,
    /// Conditions and exceptions tested.
    pub predicate_tests: u64,
    /// Look-ups of a domain, a group or an address in an indexed list.
    pub lookups: u64,
    /// Ways of a message the branch cap kept the simulator from following.
    pub cut: u64,
    /// Rules whose reading ([`RuleReading`]) the simulator worked out, not finding it kept
    /// with the rule by an earlier version's simulation.
    pub rules_read: u64,
}

/// Where a message comes from: from inside or not, and its class.
type Sender = (bool, Class);

/// Everything the simulation needs to know about the file, computed once.
pub struct Simulator<'a> {
    flow: &'a MailFlow,
    /// Rule indices in evaluation order; only rules that take actions (enabled, enforce).
    active: Vec<usize>,
    /// The accepted domains.
    accepted: DomainIndex<()>,
    /// The address of a sender inside whom no rule names.
    inside_sender: String,
    /// Each rule (by index) as the analysis reads it.
    read: Vec<ReadRule<'a>>,
    /// The signature rules that take actions, in evaluation order.
    signature_rules: Vec<usize>,
    /// The classes of message the rules tell apart ([`Simulator::classes`]).
    classes: Vec<Class>,
    /// Connectors by lower-cased name: the first of each name.
    connectors_by_name: HashMap<String, usize>,
    /// The header each connector's service stamps on what it hands back (by index).
    processed_headers: Vec<Option<(HeaderName, Rc<HeaderValue>)>>,
    /// The domains of the enabled recipient-domain connectors, each with how specifically
    /// it names them ([`specificity`]) and its connector, the first winning a tie.
    recipient_connectors: DomainIndex<(usize, Reverse<usize>)>,
    /// The domains of the rules' `recipientDomainIs`, each with its list: twice the rule's
    /// index, plus one for an exception.
    recipient_lists: DomainIndex<usize>,
    /// [`Simulator::rules_for`] each origin and class asked about.
    rules_for: RefCell<BTreeMap<Sender, Rc<[usize]>>>,
    work: Cell<Work>,
}

/// Everything the simulation reads of a message's recipient: whether it is inside, the
/// connector its domain routes it to, the `recipientDomainIs` lists that name its domain,
/// and what each `recipientAddressMatches` says of its address. Messages to two recipients
/// alike in all of it go the same ways.
#[derive(PartialEq, Eq, Hash)]
struct Recipient {
    inside: bool,
    connector: Option<usize>,
    lists: Vec<usize>,
    patterns: Vec<Truth>,
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

/// A key of a rule's conditions or exceptions, as the simulator tests it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Test {
    SenderIs,
    RecipientIs,
    SenderDomainIs,
    RecipientDomainIs,
    MessageTypeMatches,
    MessageSizeOver,
    SenderIsMemberOf,
    From,
    HeaderContains,
    Other,
    RecipientAddressMatches,
    SenderAddressMatches,
    HeaderMatches,
}

/// The keys of a rule's conditions as they are tested, cheapest first.
const TESTED: [Test; 13] = [
    Test::SenderIs,
    Test::RecipientIs,
    Test::SenderDomainIs,
    Test::RecipientDomainIs,
    Test::MessageTypeMatches,
    Test::MessageSizeOver,
    Test::SenderIsMemberOf,
    Test::From,
    Test::HeaderContains,
    Test::Other,
    Test::RecipientAddressMatches,
    Test::SenderAddressMatches,
    Test::HeaderMatches,
];

impl Test {
    /// The key as the format writes it.
    fn key(self) -> &'static str {
        match self {
            Test::SenderIs => "senderIs",
            Test::RecipientIs => "recipientIs",
            Test::SenderDomainIs => "senderDomainIs",
            Test::RecipientDomainIs => "recipientDomainIs",
            Test::MessageTypeMatches => "messageTypeMatches",
            Test::MessageSizeOver => "messageSizeOver",
            Test::SenderIsMemberOf => "senderIsMemberOf",
            Test::From => "from",
            Test::HeaderContains => "headerContains",
            Test::Other => "other",
            Test::RecipientAddressMatches => "recipientAddressMatches",
            Test::SenderAddressMatches => "senderAddressMatches",
            Test::HeaderMatches => "headerMatches",
        }
    }

    /// Whether testing this key reads only the sender and the message as sent: not the
    /// recipient, nor the headers (which rules and services change).
    fn reads_the_sender_only(self) -> bool {
        !matches!(
            self,
            Test::RecipientIs
                | Test::RecipientDomainIs
                | Test::RecipientAddressMatches
                | Test::HeaderContains
                | Test::HeaderMatches
                | Test::Other
        )
    }

    /// Whether `predicates` give this key: [`Simulator::test`] answers only then.
    fn given(self, predicates: &Predicates) -> bool {
        match self {
            Test::SenderIs => predicates.sender_is.is_some(),
            Test::RecipientIs => predicates.recipient_is.is_some(),
            Test::SenderDomainIs => predicates.sender_domain_is.is_some(),
            Test::RecipientDomainIs => predicates.recipient_domain_is.is_some(),
            Test::MessageTypeMatches => predicates.message_type_matches.is_some(),
            Test::MessageSizeOver => predicates.message_size_over.is_some(),
            Test::SenderIsMemberOf => predicates.sender_is_member_of.is_some(),
            Test::From => predicates.from.is_some(),
            Test::HeaderContains => predicates.header_contains.is_some(),
            Test::Other => !predicates.other.is_empty(),
            Test::RecipientAddressMatches => predicates.recipient_address_matches.is_some(),
            Test::SenderAddressMatches => predicates.sender_address_matches.is_some(),
            Test::HeaderMatches => predicates.header_matches.is_some(),
        }
    }
}

/// One branch of a pass while its rules are evaluated.
#[derive(Clone, Debug)]
struct Partial {
    headers: Headers,
    applied: Vec<Applied>,
    redirect: Option<usize>,
    stopped_by: Option<usize>,
    taken_away: Option<usize>,
    encrypted: bool,
    uncertain: bool,
}

impl<'a> Simulator<'a> {
    pub fn new(flow: &'a MailFlow) -> Self {
        let active: Vec<usize> = flow.order().into_iter().filter(|&index| flow.rules[index].is_active()).collect();
        let mut accepted = DomainIndex::new();
        let domains = flow.organization.iter().flat_map(|o| &o.domains);
        domains.clone().for_each(|domain| accepted.insert(&domain.value, ()));
        let inside_sender = match domains.map(|d| d.value.trim().to_ascii_lowercase()).next() {
            Some(domain) => format!("sender@{domain}"),
            None => "sender@inside.example".to_owned(),
        };
        let mut header_names = HeaderNames::default();
        let mut rules_read = 0;
        let mut read: Vec<ReadRule> =
            flow.rules.iter().map(|rule| ReadRule::new(rule, &mut header_names, &mut rules_read)).collect();
        let processed_headers: Vec<_> = flow
            .connectors
            .iter()
            .map(|connector| {
                let (name, value) = connector.service.as_ref()?.processed_header()?;
                Some((header_names.intern(&name), HeaderValue::new(&value)))
            })
            .collect();
        mark_unread_effects(flow, &processed_headers, &mut read);
        let signature_rules = {
            let roles = Roles::of(flow);
            let signature: HashSet<usize> =
                roles.signature_rules().map(|routing| flow.rule_index(routing.rule)).collect();
            active.iter().copied().filter(|index| signature.contains(index)).collect()
        };
        let mut connectors_by_name = HashMap::new();
        let mut recipient_connectors = DomainIndex::new();
        for (index, connector) in flow.connectors.iter().enumerate() {
            if let Some(name) = &connector.name {
                connectors_by_name.entry(name.value.to_ascii_lowercase()).or_insert(index);
            }
            if !connector.is_enabled() || connector.usage() != ConnectorUse::RecipientDomains {
                continue;
            }
            for domain in connector.recipient_domains.iter().flat_map(|d| &d.value) {
                recipient_connectors.insert(&domain.value, (specificity(&domain.value), Reverse(index)));
            }
        }
        let mut recipient_lists = DomainIndex::new();
        for (index, rule) in read.iter().enumerate() {
            for (side, tested) in [&rule.conditions, &rule.exceptions].into_iter().enumerate() {
                for domain in tested.predicates.recipient_domain_is.iter().flat_map(|d| &d.value) {
                    recipient_lists.insert(&domain.value, 2 * index + side);
                }
            }
        }
        let classes = classes(&read);
        Simulator {
            flow,
            active,
            accepted,
            inside_sender,
            read,
            signature_rules,
            classes,
            connectors_by_name,
            processed_headers,
            recipient_connectors,
            recipient_lists,
            rules_for: RefCell::new(BTreeMap::new()),
            work: Cell::new(Work { rules_read, ..Work::default() }),
        }
    }

    /// What this simulator has done so far.
    pub fn work(&self) -> Work {
        self.work.get()
    }

    fn count(&self, add: impl FnOnce(&mut Work)) {
        let mut work = self.work.get();
        add(&mut work);
        self.work.set(work);
    }

    /// The messages exchange.md says to simulate for a file: from inside and from outside,
    /// of each class ([`Simulator::classes`]), to a recipient in every accepted domain, in
    /// every domain a rule or connector names, and in one domain nothing names.
    ///
    /// Of recipients the simulation cannot tell apart ([`Recipient`]), only the first is
    /// taken: a message to another would go every way the same message to the first goes,
    /// and the checks, which report the first message that shows a problem, would report
    /// the first's. A file naming thousands of domains alike has a few messages to follow.
    pub fn messages(&self) -> Vec<Message> {
        let senders = self.senders();
        let patterns = self.recipient_patterns(&senders);
        let mut recipients: Vec<String> = Vec::new();
        let mut seen: HashSet<Recipient> = HashSet::new();
        for domain in recipient_domains(self.flow) {
            let to = format!("user@{domain}");
            if seen.insert(self.recipient(&to, &patterns)) {
                recipients.push(to);
            }
        }
        messages_to(&senders, &recipients)
    }

    /// The origins and classes of the messages simulated: each class from inside and from
    /// outside, but a group's members from inside and a named sender from where its domain
    /// says.
    fn senders(&self) -> Vec<(bool, &Class)> {
        let mut senders = Vec::new();
        for from_inside in [true, false] {
            for class in &self.classes {
                let origin = match class {
                    Class::MemberOf(_) => Some(true),
                    Class::From(address) => Some(self.inside_address(address)),
                    _ => None,
                };
                if origin.is_none_or(|inside| inside == from_inside) {
                    senders.push((from_inside, class));
                }
            }
        }
        senders
    }

    /// The `recipientAddressMatches` that can tell the recipients of messages from
    /// `senders` apart: those of the rules that take actions and may apply to one of them,
    /// and the conditions of the signature rules, whose order says why a message is out of their
    /// scope ([`Simulator::signature_scope`]). A rule that one of its conditions on the
    /// sender or the message rules out for every sender applies to no message whatever
    /// its recipient, and its patterns are not matched against every recipient.
    fn recipient_patterns(&self, senders: &[(bool, &Class)]) -> Vec<&[Pattern]> {
        let mut may_apply = vec![false; self.read.len()];
        for &(from_inside, class) in senders {
            for &index in self.rules_for(from_inside, class).iter() {
                may_apply[index] = true;
            }
        }
        let mut patterns = Vec::new();
        for (index, rule) in self.read.iter().enumerate() {
            let signature = self.signature_rules.contains(&index);
            let sides = [(&rule.conditions, may_apply[index] || signature), (&rule.exceptions, may_apply[index])];
            for (tested, read) in sides {
                if let Some(list) = tested.predicates.recipient_address_matches.as_ref().filter(|_| read) {
                    patterns.push(list.value.as_slice());
                }
            }
        }
        patterns
    }

    /// The active rules, in evaluation order, that may apply to a message from `from_inside`
    /// of `class`: those none of whose conditions on the sender or the message as sent,
    /// which read neither the recipient nor the headers, fails for it. The others apply to
    /// no such message in any pass. Worked out once per origin and class.
    fn rules_for(&self, from_inside: bool, class: &Class) -> Rc<[usize]> {
        let key = (from_inside, class.clone());
        if let Some(rules) = self.rules_for.borrow().get(&key) {
            return rules.clone();
        }
        let message = Message { from_inside, to: String::new(), class: class.clone() };
        let ruled_out = |index: usize| {
            let conditions = &self.read[index].conditions;
            let mut sender_only = conditions.reading.given.iter().filter(|test| test.reads_the_sender_only());
            sender_only.any(|&test| self.test(test, conditions, &message, &Headers::default()) == Some(Truth::No))
        };
        let rules: Rc<[usize]> = self.active.iter().copied().filter(|&index| !ruled_out(index)).collect();
        self.rules_for.borrow_mut().insert(key, rules.clone());
        rules
    }

    /// The classes of message the file's rules tell apart: the ordinary message first, then
    /// one for each message type, the null sender (where a rule tests the sender's
    /// address), each size at and just under a size named, each group and each address
    /// named.
    pub fn classes(&self) -> &[Class] {
        &self.classes
    }

    /// What the simulation reads of the recipient `to`, testing it against `patterns`.
    fn recipient(&self, to: &str, patterns: &[&[Pattern]]) -> Recipient {
        let message = Message::ordinary(true, to);
        let domain = message.recipient_domain();
        let mut lists = Vec::new();
        let lookups = self.recipient_lists.each_match(domain, |&list| lists.push(list));
        self.count(|work| work.lookups += lookups);
        lists.sort_unstable();
        lists.dedup();
        self.count(|work| work.predicate_tests += patterns.len() as u64);
        let patterns = patterns.iter().map(|patterns| any_pattern(patterns, to)).collect();
        Recipient { inside: self.is_inside(domain), connector: self.recipient_connector(domain), lists, patterns }
    }

    /// Whether `address` is in one of the organization's accepted domains.
    pub(crate) fn inside_address(&self, address: &str) -> bool {
        self.is_inside(address.rsplit_once('@').map_or(address, |(_, d)| d))
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
    fn after_exclusions(&self, until: usize, message: &Message) -> (Headers, HashMap<HeaderName, usize>) {
        let mut headers = Headers::default();
        let mut stamped_by = HashMap::new();
        for &index in self.active.iter().take_while(|&&index| index != until) {
            let read = &self.read[index];
            if !read.reading.leaves_path_alone || self.applies(index, message, &headers) != Truth::Yes {
                continue;
            }
            for (name, value) in &read.set_keys {
                headers.insert(*name, value.clone());
                stamped_by.insert(*name, index);
            }
            for &name in &read.removed_headers {
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
        stamped_by: &HashMap<HeaderName, usize>,
    ) -> Option<ScopeCause> {
        let read = &self.read[index];
        let conditions = &read.conditions;
        if let Some(&test) = conditions
            .reading
            .given
            .iter()
            .find(|&&test| self.test(test, conditions, message, headers) == Some(Truth::No))
        {
            return Some(ScopeCause::Condition(test.key()));
        }
        let exceptions = &read.exceptions;
        let test = *exceptions
            .reading
            .given
            .iter()
            .find(|&&test| self.test(test, exceptions, message, headers) == Some(Truth::Yes))?;
        let header = match test {
            Test::HeaderContains => exceptions
                .predicates
                .header_contains
                .as_ref()
                .zip(exceptions.header_contains.as_ref())
                .map(|(test, name)| (&test.header.value, name)),
            Test::HeaderMatches => exceptions
                .predicates
                .header_matches
                .as_ref()
                .zip(exceptions.header_matches.as_ref())
                .map(|(test, name)| (&test.header.value, name)),
            _ => None,
        };
        match header.and_then(|(h, name)| Some((h, *stamped_by.get(name)?))) {
            Some((header, by)) => Some(ScopeCause::Stamped { header: header.clone(), by }),
            None => Some(ScopeCause::Exception(test.key())),
        }
    }

    /// Whether `domain` is one of the organization's accepted domains or below one.
    pub fn is_inside(&self, domain: &str) -> bool {
        let mut inside = false;
        let lookups = self.accepted.each_match(domain, |()| inside = true);
        self.count(|work| work.lookups += lookups);
        inside
    }

    /// Whether `domains` has a domain that `domain` is or is below.
    fn listed_domain(&self, domains: &DomainIndex<()>, domain: &str) -> bool {
        let mut listed = false;
        let lookups = domains.each_match(domain, |()| listed = true);
        self.count(|work| work.lookups += lookups);
        listed
    }

    /// Whether `set` (lower-cased) holds `value`, without regard to ASCII case.
    fn listed(&self, set: &HashSet<String>, value: &str) -> Truth {
        self.count(|work| work.lookups += 1);
        Truth::from(set.contains(lower(value).as_ref()))
    }

    /// The sender's address: the null sender's `<>`, a named sender's, else one no rule
    /// names, inside or outside.
    fn sender_address<'m>(&'m self, message: &'m Message) -> &'m str {
        match (&message.class, message.from_inside) {
            (Class::NullSender, _) => "<>",
            (Class::From(address), _) => address,
            (_, true) => &self.inside_sender,
            (_, false) => "sender@sender.example",
        }
    }

    /// Every way `message` can go, each to its end, up to [`MAX_BRANCHES`] ways: see
    /// [`Simulator::run_counted`] for how many more the cap cut.
    pub fn run(&self, message: &Message) -> Vec<Path> {
        self.run_counted(message).0
    }

    /// [`Simulator::run`], and the number of ways the branch cap ([`MAX_BRANCHES`]) kept it
    /// from following (0 when every way was followed). A way cut is not a path: it is only
    /// counted, so the paths of a message stay at most [`MAX_BRANCHES`] however much its
    /// unknown conditions branch.
    pub fn run_counted(&self, message: &Message) -> (Vec<Path>, usize) {
        self.count(|work| work.messages += 1);
        let mut cut = 0;
        let rules = self.rules_for(message.from_inside, &message.class);
        let mut finished = Vec::new();
        // (path so far, headers at the start of the next pass): the message loops when they
        // are those a pass of the path started with.
        let mut pending = vec![(Vec::<Pass>::new(), Headers::default(), false)];
        while let Some((passes, headers, uncertain)) = pending.pop() {
            if let Some(first) = passes.iter().position(|pass| pass.start_headers == headers) {
                finished.push(Path { passes, ending: Ending::Loop { first: first + 1 }, uncertain });
                continue;
            }
            if passes.len() >= MAX_PASSES {
                finished.push(Path { passes, ending: Ending::HopCapExceeded, uncertain });
                continue;
            }
            let number = passes.len() + 1;
            // The ways this pass may add: the paths not yet begun. Its branches beyond them
            // would be cut at its end, so they are cut as they arise, before they are
            // followed through the rest of the pass (and their later passes).
            let room = MAX_BRANCHES - finished.len() - pending.len();
            let outcomes = self.pass(message, &rules, &headers, room, &mut cut);
            let last = outcomes.len().saturating_sub(1);
            let mut history = Some(passes);
            for (at, outcome) in outcomes.into_iter().enumerate() {
                // The last outcome takes the path so far; the others copy it.
                let mut passes = match at == last {
                    true => history.take().expect("the last outcome comes once"),
                    false => history.clone().expect("taken only by the last outcome"),
                };
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
                    set_headers: self.headers_set(&outcome.applied),
                    applied: outcome.applied,
                    stopped_by: outcome.stopped_by,
                    encrypted: outcome.encrypted,
                    route,
                });
                match ending {
                    Some(ending) => finished.push(Path { passes, ending, uncertain }),
                    None => pending.push((passes, next_headers, uncertain)),
                }
            }
        }
        if cut > 0 {
            self.count(|work| work.cut += cut as u64);
        }
        (finished, cut)
    }

    /// The headers the message carries once the rules of `pass` set theirs (what it started
    /// the pass with, and what they set; what they remove is left): what the rules below a
    /// stop would have seen, for MF308.
    pub fn headers_with_sets(&self, pass: &Pass) -> Headers {
        let mut headers = pass.start_headers.clone();
        for applied in &pass.applied {
            for (name, value) in &self.read[applied.rule].set_keys {
                headers.insert(*name, value.clone());
            }
        }
        headers
    }

    /// The headers the rules `applied` set, in order, as written.
    fn headers_set(&self, applied: &[Applied]) -> Vec<(Arc<str>, Arc<str>)> {
        applied.iter().flat_map(|applied| self.read[applied.rule].reading.sets.iter().cloned()).collect()
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
        if let Some((name, value)) = &self.processed_headers[index] {
            headers.insert(*name, value.clone());
        }
        None
    }

    /// Where the message goes after the rules: a rule's redirect, else the most specific
    /// recipient-domain connector, else the mailbox or the MX.
    fn route(&self, message: &Message, redirect: Option<usize>) -> Route {
        if let Some(rule) = redirect {
            let target = &self.flow.rules[rule].actions.redirect_to_connector;
            if let Some(&connector) =
                target.as_ref().and_then(|t| self.connectors_by_name.get(lower(&t.value).as_ref()))
            {
                return Route::Rule { rule, connector };
            }
        }
        let domain = message.recipient_domain();
        if self.is_inside(domain) {
            return Route::Mailbox;
        }
        match self.recipient_connector(domain) {
            Some(connector) => Route::RecipientDomains { connector },
            None => Route::Mx,
        }
    }

    /// The recipient-domain connector that names `domain` most specifically, the first of
    /// those that name it alike.
    fn recipient_connector(&self, domain: &str) -> Option<usize> {
        let mut best = None;
        let lookups = self.recipient_connectors.each_match(domain, |&found| best = best.max(Some(found)));
        self.count(|work| work.lookups += lookups);
        best.map(|(_, Reverse(connector))| connector)
    }

    /// The rules of one pass over every branch of the unknown conditions: `rules`, the
    /// active rules that may apply to the message ([`Simulator::rules_for`]); the others
    /// would not apply. At most `room` branches (at least one) are followed: once there are
    /// as many, a rule that may apply to one is followed only as applying, and the way it
    /// does not is counted in `cut`.
    ///
    /// Branches never need merging: each holds a list of the rules applied that no other
    /// holds (a branch splits into one with the rule and one without), and the rules
    /// applied, from the same start, decide its headers, redirect, stop and the rest. So
    /// every branch that arises is a way of its own, and cutting it is counted once.
    fn pass(
        &self,
        message: &Message,
        rules: &[usize],
        headers: &Headers,
        room: usize,
        cut: &mut usize,
    ) -> Vec<Partial> {
        let mut partials = vec![Partial {
            headers: headers.clone(),
            applied: Vec::new(),
            redirect: None,
            stopped_by: None,
            taken_away: None,
            encrypted: false,
            uncertain: false,
        }];
        for &index in rules {
            let rule = &self.flow.rules[index];
            let read = &self.read[index];
            // Every branch goes on; a rule that may apply splits one in two while there is
            // room, the way it applies first.
            let mut next = Vec::with_capacity(partials.len());
            let mut branches = partials.len();
            for partial in partials {
                if partial.stopped_by.is_some() || partial.taken_away.is_some() {
                    next.push(partial);
                    continue;
                }
                match self.applies(index, message, &partial.headers) {
                    Truth::No => next.push(partial),
                    Truth::Yes => next.push(apply(rule, read, index, partial, false)),
                    Truth::Maybe if !read.reading.has_effect => next.push(partial),
                    Truth::Maybe if read.unread_effect => next.push(apply(rule, read, index, partial, true)),
                    Truth::Maybe if branches < room => {
                        branches += 1;
                        let mut skipped = partial.clone();
                        skipped.uncertain = true;
                        next.push(apply(rule, read, index, partial, true));
                        next.push(skipped);
                    }
                    // No room for the way it does not apply: that way is cut.
                    Truth::Maybe => {
                        *cut += 1;
                        next.push(apply(rule, read, index, partial, true));
                    }
                }
            }
            partials = next;
        }
        partials
    }

    fn applies(&self, index: usize, message: &Message, headers: &Headers) -> Truth {
        self.count(|work| work.rule_evaluations += 1);
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
        predicates: &Tested,
        message: &Message,
        headers: &Headers,
        combine: fn(Truth, Truth) -> Truth,
        empty: Truth,
    ) -> Truth {
        // The value that settles the answer: a failed condition, or a matching exception.
        let settled = empty.not();
        let mut result: Option<Truth> = None;
        for &test in &predicates.reading.given {
            let Some(truth) = self.test(test, predicates, message, headers) else { continue };
            let combined = result.map_or(truth, |so_far| combine(so_far, truth));
            if combined == settled {
                return settled;
            }
            result = Some(combined);
        }
        result.unwrap_or(empty)
    }

    /// Whether the condition `test` of `tested` matches the message; `None` when it is not
    /// given.
    fn test(&self, test: Test, tested: &Tested, message: &Message, headers: &Headers) -> Option<Truth> {
        self.count(|work| work.predicate_tests += 1);
        let predicates = &tested.predicates;
        match test {
            Test::SenderIs => predicates.sender_is.as_ref().map(|scope| scope_truth(scope.value, message.from_inside)),
            Test::RecipientIs => predicates
                .recipient_is
                .as_ref()
                .map(|scope| scope_truth(scope.value, self.is_inside(message.recipient_domain()))),
            Test::SenderDomainIs => tested.reading.sender_domains.as_ref().map(|domains| {
                let sender_domain = self.sender_address(message).rsplit_once('@').map_or("", |(_, d)| d);
                Truth::from(!sender_domain.is_empty() && self.listed_domain(domains, sender_domain))
            }),
            Test::RecipientDomainIs => tested
                .reading
                .recipient_domains
                .as_ref()
                .map(|domains| Truth::from(self.listed_domain(domains, message.recipient_domain()))),
            Test::MessageTypeMatches => {
                predicates.message_type_matches.as_ref().map(|m| Truth::from(message.message_type() == Some(m.value)))
            }
            Test::MessageSizeOver => {
                predicates.message_size_over.as_ref().map(|s| Truth::from(message.size() >= s.value.bytes))
            }
            Test::SenderIsMemberOf => tested.reading.groups.as_ref().map(|groups| match &message.class {
                Class::MemberOf(group) => self.listed(groups, group),
                // A sender no rule names is in no group a rule names.
                _ => Truth::No,
            }),
            Test::From => {
                tested.reading.senders.as_ref().map(|senders| self.listed(senders, self.sender_address(message)))
            }
            Test::HeaderContains => {
                let words = tested.reading.header_words.as_ref();
                tested.header_contains.zip(words).map(|(header, words)| header_contains(header, words, headers))
            }
            Test::Other => (!predicates.other.is_empty()).then_some(Truth::Maybe),
            Test::RecipientAddressMatches => {
                predicates.recipient_address_matches.as_ref().map(|patterns| any_pattern(&patterns.value, &message.to))
            }
            Test::SenderAddressMatches => predicates
                .sender_address_matches
                .as_ref()
                .map(|patterns| any_pattern(&patterns.value, self.sender_address(message))),
            Test::HeaderMatches => {
                predicates.header_matches.as_ref().zip(tested.header_matches.as_ref()).map(|(test, header)| {
                    match headers.get(*header) {
                        Some(value) => any_pattern(&test.patterns, &value.written),
                        None => Truth::No,
                    }
                })
            }
        }
    }
}

/// The rule's actions on one branch: its headers set and removed, its redirect, its stop,
/// and what its `other` actions do (exchange.md, "What other conditions and actions do").
fn apply(rule: &TransportRule, read: &ReadRule, index: usize, mut partial: Partial, uncertain: bool) -> Partial {
    partial.applied.push(Applied { rule: index, uncertain });
    partial.uncertain |= uncertain;
    for (name, value) in &read.set_keys {
        partial.headers.insert(*name, value.clone());
    }
    for &name in &read.removed_headers {
        partial.headers.remove(name);
    }
    if read.reading.takes_away {
        partial.taken_away = partial.taken_away.or(Some(index));
    }
    if read.reading.encrypts {
        partial.encrypted = true;
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

/// Marks the rules whose effects only set or remove headers that no rule's conditions or
/// exceptions test and no service reads ([`ReadRule::unread_effect`]).
fn mark_unread_effects(
    flow: &MailFlow,
    processed_headers: &[Option<(HeaderName, Rc<HeaderValue>)>],
    read: &mut [ReadRule],
) {
    // Room for a name per rule: a file whose rules each test a header fills it without
    // rehashing.
    let mut tested: HashSet<HeaderName> = HashSet::with_capacity(read.len());
    for rule in read.iter() {
        for side in [&rule.conditions, &rule.exceptions] {
            tested.extend(side.header_contains);
            tested.extend(side.header_matches);
        }
    }
    tested.extend(processed_headers.iter().flatten().map(|(name, _)| *name));
    for (rule, read) in flow.rules.iter().zip(read.iter_mut()) {
        let headers_only = read.reading.leaves_path_alone
            && rule.actions.redirect_to_connector.is_none()
            && !rule.stops_processing()
            && !read.reading.takes_away
            && !read.reading.encrypts;
        let unread = read.set_keys.iter().all(|(name, _)| !tested.contains(name))
            && read.removed_headers.iter().all(|name| !tested.contains(name));
        read.unread_effect = read.reading.has_effect && headers_only && unread;
    }
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

/// Whether the header `name` holds one of `words` (lower-cased).
fn header_contains(name: HeaderName, words: &[String], headers: &Headers) -> Truth {
    let Some(value) = headers.get(name) else { return Truth::No };
    Truth::from(words.iter().any(|word| value.lowered.contains(word.as_str())))
}

/// How specifically a recipient-domain connector's `pattern` names a domain it matches: an
/// exact domain beats `*.domain`, which beats `*`.
fn specificity(pattern: &str) -> usize {
    match pattern.trim() {
        "*" => 0,
        p if p.starts_with("*.") => 1 + p.len(),
        p => 1_000 + p.len(),
    }
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
        Simulation::of_unless(flow, &|| false).expect("a simulation that is never asked to stop ends")
    }

    /// [`Simulation::of`], asking `stop` before each simulated message: `None` when it said
    /// to stop (a language server dropping the check of a text a newer one overtook).
    pub fn of_unless(flow: &'a MailFlow, stop: &dyn Fn() -> bool) -> Option<Self> {
        let simulator = Simulator::new(flow);
        let messages = simulator.messages();
        Simulation::of_messages(simulator, messages, stop)
    }

    fn of_messages(simulator: Simulator<'a>, messages: Vec<Message>, stop: &dyn Fn() -> bool) -> Option<Self> {
        let flow = simulator.flow;
        let mut runs = Vec::with_capacity(messages.len());
        for message in messages {
            if stop() {
                return None;
            }
            let scope = simulator.signature_scope(&message);
            let paths = simulator.run(&message);
            runs.push((message, scope, paths));
        }
        Some(Simulation { flow, simulator, runs })
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

    /// A domain matches a pattern as the simulator read it before the patterns were indexed.
    fn domain_matches(domain: &str, pattern: &str) -> bool {
        let domain = domain.to_ascii_lowercase();
        let pattern = pattern.trim().to_ascii_lowercase();
        if pattern == "*" {
            return true;
        }
        let bare = pattern.trim_start_matches("*.");
        domain == bare || domain.ends_with(&format!(".{bare}"))
    }

    #[test]
    fn the_domain_index_matches_as_each_pattern_does() {
        let patterns =
            ["contoso.com", " Fabrikam.COM ", "*.litware.com", "*.*.deep.example", "*x.com", "*", "", "a.", "*."];
        let domains = [
            "contoso.com",
            "mail.CONTOSO.com",
            "xcontoso.com",
            "fabrikam.com",
            "litware.com",
            "a.b.litware.com",
            "deep.example",
            "z.deep.example",
            "x.com",
            "a.*x.com",
            "",
            "a.",
            "b.a.",
            ".",
            "ünï.contoso.com",
        ];
        for pattern in patterns {
            let mut index = DomainIndex::new();
            index.insert(pattern, ());
            for domain in domains {
                let mut found = false;
                index.each_match(domain, |()| found = true);
                assert_eq!(found, domain_matches(domain, pattern), "{domain:?} against {pattern:?}");
            }
        }
    }

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
        let simulator = Simulator::new(&flow);
        let paths = simulator.run(&Message::ordinary(true, "user@fabrikam.com"));
        assert_eq!(paths.len(), 1);
        let path = &paths[0];
        assert_eq!(path.ending, Ending::DeliveredBySmartHost { connector: 1 });
        // Pass 1 to CodeTwo (which stamps its header), pass 2 to Mimecast.
        assert_eq!(path.passes.iter().filter_map(Pass::connector).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(path.passes[0].stopped_by, Some(0));
        let (stamped, _) = simulator.processed_headers[0].as_ref().expect("CodeTwo stamps X-CodeTwoProcessed");
        assert_eq!(path.passes[1].start_headers.get(*stamped).map(|value| &*value.written), Some("true"));
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
        let recipients: Vec<String> =
            Simulator::new(&flow).messages().into_iter().filter(|m| m.from_inside).map(|m| m.to).collect();
        assert_eq!(recipients, ["user@contoso.com", "user@fabrikam.com", "user@litware.com", "user@recipient.example"]);
    }

    #[test]
    fn recipients_the_simulation_cannot_tell_apart_are_one_message() {
        let text = "mailflow: 1
organization: {domains: [contoso.com, contoso.onmicrosoft.com, '*.contoso.net']}
connectors:
  - name: Partners
    recipientDomains: [fabrikam.com, litware.com, wingtip.com, woodgrove.com]
  - name: Old partners
    enabled: false
    recipientDomains: [northwind.com]
transportRules:
  - name: To Tailspin
    priority: 0
    conditions: {recipientDomainIs: [tailspin.com, adatum.com]}
    exceptions: {recipientDomainIs: [adatum.com]}
    actions: {setHeader: {name: X-Tailspin, value: 'yes'}}
  - name: W
    priority: 1
    conditions: {recipientAddressMatches: ['@w']}
    actions: {setHeader: {name: X-W, value: 'yes'}}
";
        let flow = flow(text);
        let simulator = Simulator::new(&flow);
        let recipients: Vec<String> =
            simulator.messages().into_iter().filter(|m| m.from_inside).map(|m| m.to).collect();
        // The accepted domains are alike, as are fabrikam.com and litware.com (both to
        // Partners) and wingtip.com and woodgrove.com (to Partners, and matched by `@w`);
        // a disabled connector routes nothing, so northwind.com goes as an unnamed domain.
        assert_eq!(
            recipients,
            [
                "user@contoso.com",
                "user@tailspin.com",
                "user@adatum.com",
                "user@fabrikam.com",
                "user@wingtip.com",
                "user@northwind.com"
            ]
        );
        assert_eq!(recipient_domains(&flow).len(), 11);
    }

    /// A rule that one of its conditions on the sender rules out for every message simulated
    /// does not tell recipients apart by its patterns; one that may apply does, and so does a
    /// signature rule, whose first failing condition says why a message is out of its scope.
    #[test]
    fn only_patterns_that_can_matter_tell_recipients_apart() {
        let recipients = |sender: &str, signature: bool| {
            let target = if signature { "    actions: {redirectToConnector: CodeTwo}\n" } else { "" };
            let text = format!(
                "{HEAD}connectors:\n{SIGNATURE}  - name: P\n    recipientDomains: [fabrikam.com, litware.com]\ntransportRules:\n  - name: R\n    priority: 0\n    conditions: {{{sender}, recipientAddressMatches: [fabrikam]}}\n{target}"
            );
            let flow = flow(&text);
            let messages = Simulator::new(&flow).messages();
            messages.into_iter().filter(|m| m.from_inside).map(|m| m.to).collect::<Vec<_>>()
        };
        let both = ["user@contoso.com", "user@fabrikam.com", "user@litware.com", "user@recipient.example"];
        assert_eq!(
            recipients("senderDomainIs: [nowhere.example]", false),
            ["user@contoso.com", "user@fabrikam.com", "user@recipient.example"]
        );
        assert_eq!(recipients("senderIs: inside", false), both);
        assert_eq!(recipients("senderDomainIs: [nowhere.example]", true), both);
    }

    /// The findings of the checks of the simulation.
    fn simulation_findings(
        simulation: &Simulation,
        syntax: crate::syntax::Syntax,
    ) -> Vec<crate::diagnostic::Diagnostic> {
        let roles = Roles::of(simulation.flow);
        let mut findings = crate::rules::Findings::new(syntax, &roles);
        for rule in crate::rules::ALL {
            if let crate::rules::Check::Simulation(check) = rule.check {
                check(simulation, &mut findings);
            }
        }
        findings.into_vec()
    }

    /// Every example, fixture and real-world file, both syntaxes: following only the first
    /// of the recipients the simulation cannot tell apart finds what following every
    /// recipient finds, word for word.
    #[test]
    fn merging_recipients_changes_no_finding() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut pending: Vec<std::path::PathBuf> =
            ["../examples", "tests/fixtures", "tests/fixtures_dsl", "tests/real_world"]
                .iter()
                .map(|dir| root.join(dir))
                .collect();
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.to_str().is_some_and(|p| p.ends_with(".mailflow") || p.ends_with(".mailflow.yaml")) {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 300, "{} files", files.len());
        let mut merged_away = 0;
        for path in files {
            let syntax = crate::syntax::Syntax::of_path(&path);
            let text = std::fs::read_to_string(&path).unwrap();
            let checked = crate::check::check(&text, syntax, &crate::check::Selection::default());
            let merged = Simulation::of(&checked.flow);
            let simulator = Simulator::new(&checked.flow);
            let recipients: Vec<String> =
                recipient_domains(&checked.flow).iter().map(|domain| format!("user@{domain}")).collect();
            let every_message = messages_to(&simulator.senders(), &recipients);
            let every = Simulation::of_messages(simulator, every_message, &|| false).unwrap();
            merged_away += every.runs.len() - merged.runs.len();
            // Each message followed for every recipient goes as one followed after merging.
            let ways = |simulation: &Simulation| -> BTreeSet<String> {
                let runs = simulation.runs.iter();
                runs.map(|(m, scope, paths)| {
                    let inside = simulation.is_inside(m.recipient_domain());
                    format!("{} {:?} {inside} {scope:?} {paths:?}", m.from_inside, m.class)
                })
                .collect()
            };
            assert_eq!(ways(&merged), ways(&every), "{}", path.display());
            assert_eq!(simulation_findings(&merged, syntax), simulation_findings(&every, syntax), "{}", path.display());
        }
        assert!(merged_away > 0);
    }
}
