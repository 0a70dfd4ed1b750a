//! The typed model of one tenant's outbound mail flow, the same whatever syntax it was
//! written in. Every value keeps the span it was read from, so findings and fixes can point
//! at it. Absent optional settings are `None`; their defaults are applied by the accessors.

pub mod dotnet_regex;
pub mod dsl_statements;
pub mod keys;
pub mod lower_dsl;
pub mod lower_yaml;
pub mod problem;
mod shift;
pub mod vendors;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::text::{Span, Spanned};
use keys::{Object, ValueShape};

/// The format versions this tool reads.
pub const SUPPORTED_VERSIONS: &[i64] = &[1];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MailFlow {
    pub version: Option<Spanned<i64>>,
    pub organization: Option<Organization>,
    pub connectors: Vec<Connector>,
    /// Shared: an edit's lowering takes the previous version's rules the edit did not move.
    pub rules: Vec<Arc<TransportRule>>,
    /// Span of the `transportRules` key, or of the whole document when it is absent.
    pub rules_span: Span,
    /// Each rule's index in `rules` by its address, sorted by address, made when first asked
    /// for ([`MailFlow::rule_index`], which the checks and the simulator ask of every rule: a
    /// search made it quadratic). Only a guide: an answer is checked against `rules`, which
    /// may have changed since, and searched for if it is wrong.
    rule_indexes: Unmodelled<Vec<(usize, usize)>>,
}

/// What is worked out from the model and kept beside it, made when first asked for. Not part
/// of the model: a copy starts without it (the copy may then be changed), and two are equal,
/// and print the same, whatever they hold.
struct Unmodelled<T>(OnceLock<T>);

impl<T> Unmodelled<T> {
    fn get(&self) -> Option<&T> {
        self.0.get()
    }

    fn get_or_init(&self, work_out: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(work_out)
    }
}

impl<T> Default for Unmodelled<T> {
    fn default() -> Self {
        Unmodelled(OnceLock::new())
    }
}

impl<T> Clone for Unmodelled<T> {
    fn clone(&self) -> Self {
        Unmodelled::default()
    }
}

impl<T> PartialEq for Unmodelled<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> std::fmt::Debug for Unmodelled<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unmodelled")
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Organization {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub domains: Vec<Spanned<String>>,
    pub on_premises: Option<OnPremises>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OnPremises {
    pub span: Span,
    pub relays_through: Option<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectorType {
    Partner,
    OnPremises,
}

impl ConnectorType {
    pub const ALL: [ConnectorType; 2] = [ConnectorType::Partner, ConnectorType::OnPremises];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            ConnectorType::Partner => "partner",
            ConnectorType::OnPremises => "on-premises",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectorUse {
    TransportRule,
    RecipientDomains,
}

impl ConnectorUse {
    pub const ALL: [ConnectorUse; 2] = [ConnectorUse::TransportRule, ConnectorUse::RecipientDomains];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            ConnectorUse::TransportRule => "transport-rule",
            ConnectorUse::RecipientDomains => "recipient-domains",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Connector {
    /// The whole list item.
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub enabled: Option<Spanned<bool>>,
    pub connector_type: Option<Spanned<ConnectorType>>,
    pub use_: Option<Spanned<ConnectorUse>>,
    /// The `recipientDomains` key and its values.
    pub recipient_domains: Option<Spanned<Vec<Spanned<String>>>>,
    pub smart_hosts: Option<Spanned<Vec<Spanned<String>>>>,
    pub service: Option<Service>,
}

impl Connector {
    pub fn is_enabled(&self) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.value)
    }

    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }

    /// Exchange's default is a connector used for the recipient domains it lists.
    pub fn usage(&self) -> ConnectorUse {
        self.use_.as_ref().map_or(ConnectorUse::RecipientDomains, |u| u.value)
    }

    /// The span that names this connector: its name, or the item when it has none.
    pub fn name_span(&self) -> Span {
        self.name.as_ref().map_or(self.span, |n| n.span)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceKind {
    Signature,
    SmartHost,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 2] = [ServiceKind::Signature, ServiceKind::SmartHost];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            ServiceKind::Signature => "signature",
            ServiceKind::SmartHost => "smart-host",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vendor {
    CodeTwo,
    Exclaimer,
    Mimecast,
    Proofpoint,
    Barracuda,
    Reflexion,
    Symantec,
    Other,
}

impl Vendor {
    pub const ALL: [Vendor; 8] = [
        Vendor::CodeTwo,
        Vendor::Exclaimer,
        Vendor::Mimecast,
        Vendor::Proofpoint,
        Vendor::Barracuda,
        Vendor::Reflexion,
        Vendor::Symantec,
        Vendor::Other,
    ];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            Vendor::CodeTwo => "codetwo",
            Vendor::Exclaimer => "exclaimer",
            Vendor::Mimecast => "mimecast",
            Vendor::Proofpoint => "proofpoint",
            Vendor::Barracuda => "barracuda",
            Vendor::Reflexion => "reflexion",
            Vendor::Symantec => "symantec",
            Vendor::Other => "other",
        }
    }

    /// What this vendor's service does, for vendors whose product is one thing.
    pub fn kind(self) -> Option<ServiceKind> {
        match self {
            Vendor::CodeTwo | Vendor::Exclaimer => Some(ServiceKind::Signature),
            Vendor::Other => None,
            _ => Some(ServiceKind::SmartHost),
        }
    }

    /// The header a signature service stamps on mail it has processed.
    pub fn default_processed_header(self) -> Option<(&'static str, &'static str)> {
        match self {
            Vendor::CodeTwo => Some(("X-CodeTwoProcessed", "true")),
            Vendor::Exclaimer => Some(("X-ExclaimerHostedSignatures-MessageProcessed", "true")),
            _ => None,
        }
    }

    /// The vendor whose host names `host` belongs to, if it is a known one: a smart host
    /// a connector names, by the one table of vendors (`vendors::VENDORS`).
    pub fn from_host(host: &str) -> Option<Vendor> {
        vendors::connector_brand(host).map(vendors::Brand::vendor)
    }
}

/// The value of an enumeration whose file-format name is `word`.
fn from_key<T: Copy>(all: &[T], key: fn(T) -> &'static str, word: &str) -> Option<T> {
    all.iter().copied().find(|&value| key(value) == word)
}

/// Reads an enumerated value for either syntax: `word` must be one of the values the key
/// table allows for `key` of `object` (`senderIs` allows fewer scopes than `recipientIs`
/// although both are a `Scope`). `Err` holds the allowed values, for MF003.
pub(crate) fn enumerated<T>(
    object: Object,
    key: &str,
    word: &str,
    read: fn(&str) -> Option<T>,
) -> Result<T, Vec<&'static str>> {
    let Some(ValueShape::OneOf(allowed)) = keys::lookup(object, key).map(|k| k.shape) else {
        unreachable!("`{key}` is an enumeration in the key table");
    };
    allowed
        .iter()
        .any(|(value, _)| *value == word)
        .then(|| read(word))
        .flatten()
        .ok_or_else(|| allowed.iter().map(|(value, _)| *value).collect())
}

#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub span: Span,
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub span: Span,
    pub kind: Spanned<ServiceKind>,
    pub vendor: Option<Spanned<Vendor>>,
    pub domain: Option<Spanned<String>>,
    pub processed_header: Option<Header>,
    pub returns_to_exchange: Option<Spanned<bool>>,
    pub relay_domains: Option<Spanned<Vec<Spanned<String>>>>,
}

impl Service {
    /// Signature services always hand mail back; smart hosts deliver unless told otherwise.
    pub fn returns_to_exchange(&self) -> bool {
        self.returns_to_exchange.as_ref().map_or(self.kind.value == ServiceKind::Signature, |r| r.value)
    }

    /// The processed header as written, or the vendor's default.
    pub fn processed_header(&self) -> Option<(String, String)> {
        match &self.processed_header {
            Some(header) => Some((header.name.value.clone(), header.value.value.clone())),
            None => self
                .vendor
                .as_ref()
                .and_then(|v| v.value.default_processed_header())
                .map(|(name, value)| (name.to_owned(), value.to_owned())),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleMode {
    Enforce,
    Audit,
    AuditAndNotify,
}

impl RuleMode {
    pub const ALL: [RuleMode; 3] = [RuleMode::Enforce, RuleMode::Audit, RuleMode::AuditAndNotify];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            RuleMode::Enforce => "enforce",
            RuleMode::Audit => "audit",
            RuleMode::AuditAndNotify => "audit-and-notify",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Inside,
    Outside,
    /// Exchange Server only (MF012).
    ExternalPartner,
    /// Exchange Server only (MF012).
    ExternalNonPartner,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Inside, Scope::Outside, Scope::ExternalPartner, Scope::ExternalNonPartner];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            Scope::Inside => "inside",
            Scope::Outside => "outside",
            Scope::ExternalPartner => "external-partner",
            Scope::ExternalNonPartner => "external-non-partner",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageType {
    Oof,
    AutoForward,
    Encrypted,
    Calendaring,
    PermissionControlled,
    Voicemail,
    Signed,
    ApprovalRequest,
    ReadReceipt,
}

impl MessageType {
    pub const ALL: [MessageType; 9] = [
        MessageType::Oof,
        MessageType::AutoForward,
        MessageType::Encrypted,
        MessageType::Calendaring,
        MessageType::PermissionControlled,
        MessageType::Voicemail,
        MessageType::Signed,
        MessageType::ApprovalRequest,
        MessageType::ReadReceipt,
    ];

    pub fn from_key(word: &str) -> Option<Self> {
        from_key(&Self::ALL, Self::key, word)
    }

    /// The name used in the file format.
    pub fn key(self) -> &'static str {
        match self {
            MessageType::Oof => "oof",
            MessageType::AutoForward => "auto-forward",
            MessageType::Encrypted => "encrypted",
            MessageType::Calendaring => "calendaring",
            MessageType::PermissionControlled => "permission-controlled",
            MessageType::Voicemail => "voicemail",
            MessageType::Signed => "signed",
            MessageType::ApprovalRequest => "approval-request",
            MessageType::ReadReceipt => "read-receipt",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HeaderContains {
    pub span: Span,
    pub header: Spanned<String>,
    pub words: Vec<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HeaderMatches {
    pub span: Span,
    pub header: Spanned<String>,
    pub patterns: Vec<Pattern>,
}

/// A message size as Exchange's MessageSizeOver takes it: a number with a unit (B, KB, MB,
/// GB; 1 KB is 1024 bytes, as Exchange counts), or a number of bytes. An export writes it
/// with the bytes after it, `22.5 MB (23,592,960 bytes)`, which reads the same.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageSize {
    pub bytes: u64,
    /// As written, for writing it back.
    pub written: String,
}

/// What a size must look like, in messages.
pub const SIZE: &str = "a size with a unit (B, KB, MB or GB), such as 22.5 MB, or a number of bytes";

impl MessageSize {
    pub fn parse(text: &str) -> Option<MessageSize> {
        let size = text.split('(').next().unwrap_or(text).trim();
        let split = size.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(size.len());
        let (number, unit) = size.split_at(split);
        let number: f64 = number.replace(',', "").parse().ok()?;
        let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => 1,
            "KB" => 1 << 10,
            "MB" => 1 << 20,
            "GB" => 1 << 30,
            _ => return None,
        };
        let bytes = number * scale as f64;
        (number.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64)
            .then(|| MessageSize { bytes: bytes.round() as u64, written: text.trim().to_owned() })
    }
}

/// A text pattern as written, and what the tool makes of it. Exchange's patterns are .NET
/// regular expressions ([`dotnet_regex`]): one .NET accepts is evaluated with an engine of
/// the same syntax (case-insensitive, as Exchange matches), as written or translated, unless
/// the engine has no equivalent of it; one .NET rejects is MF011.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub source: Spanned<String>,
    pub compiled: Compiled,
}

/// What a pattern compiles to. Shared with the cache below: cloning a `Regex` would build it
/// a new matching cache each time.
pub type Compiled = std::sync::Arc<Compiling>;

/// A pattern read as .NET reads it, built for the engine the first time it is needed: most
/// patterns of a large file are never matched (the simulation matches those of the rules
/// that may apply), and building one costs tens of microseconds and kilobytes of memory.
pub struct Compiling {
    /// The pattern as the engine reads it, while it is not built.
    engine: Option<String>,
    /// Set at once when .NET rejects the pattern or the engine has no equivalent of it (so
    /// MF011 asks without building anything); else when first asked for.
    compilation: std::sync::OnceLock<Compilation>,
}

/// The pattern as read, not whether it has been built yet: patterns are shared between
/// models (and threads), so that depends on what else matched it first, and two models of the
/// same text would print differently.
impl std::fmt::Debug for Compiling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.engine {
            Some(engine) => f.debug_tuple("Compiling").field(engine).finish(),
            None => f.debug_tuple("Compiling").field(&self.compilation.get()).finish(),
        }
    }
}

impl Compiling {
    /// Reads `pattern` as .NET does.
    fn of(pattern: &str) -> Compiling {
        let compilation = std::sync::OnceLock::new();
        let settled = match dotnet_regex::read(pattern) {
            dotnet_regex::Reading::Invalid(error) => Compilation::Invalid { error },
            dotnet_regex::Reading::Valid(Err(why)) => Compilation::NotEvaluated { why },
            dotnet_regex::Reading::Valid(Ok(engine)) => return Compiling { engine: Some(engine), compilation },
        };
        compilation.set(settled).expect("a new cell is empty");
        Compiling { engine: None, compilation }
    }
}

#[derive(Debug)]
pub enum Compilation {
    /// Valid .NET the engine evaluates; `translated` is the pattern as the engine reads it
    /// when that is not as written.
    Evaluated { regex: fancy_regex::Regex, translated: Option<String> },
    /// Valid .NET the tool cannot evaluate, and why: the simulator follows both outcomes.
    NotEvaluated { why: String },
    /// Not a .NET regular expression, and why, in .NET's terms (MF011).
    Invalid { error: String },
}

/// Compiled patterns by source, shared by every check in the process: a file re-checked
/// after an edit (the language server, `--fix` rounds) keeps most of its patterns, and
/// compiling a .NET pattern costs tens of microseconds.
static COMPILED: std::sync::LazyLock<std::sync::Mutex<HashMap<String, Compiled>>> =
    std::sync::LazyLock::new(Default::default);
/// Past this many distinct patterns the cache starts again, so memory stays bounded.
const COMPILED_LIMIT: usize = 4096;

impl Pattern {
    pub fn compile(source: Spanned<String>) -> Pattern {
        let cache = || COMPILED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(compiled) = cache().get(&source.value) {
            return Pattern { compiled: compiled.clone(), source };
        }
        // Read outside the lock, so files checked in parallel do not wait for each other.
        let compiled = std::sync::Arc::new(Compiling::of(&source.value));
        let mut cache = cache();
        if cache.len() >= COMPILED_LIMIT {
            cache.clear();
        }
        cache.insert(source.value.clone(), compiled.clone());
        Pattern { source, compiled }
    }

    /// Whether the pattern matches `text` (anywhere in it, as Exchange matches): `None` when
    /// the tool cannot tell, for a pattern it cannot evaluate, one .NET rejects, or a match
    /// the engine gave up on.
    pub fn matches(&self, text: &str) -> Option<bool> {
        match self.compilation() {
            Compilation::Evaluated { regex, .. } => regex.is_match(text).ok(),
            Compilation::NotEvaluated { .. } | Compilation::Invalid { .. } => None,
        }
    }

    /// What the tool makes of the pattern, built for the engine if it was not yet.
    pub fn compilation(&self) -> &Compilation {
        let compiled = &*self.compiled;
        compiled.compilation.get_or_init(|| {
            let engine = compiled.engine.as_deref().expect("a pattern not yet built has its engine's reading");
            Compilation::build(&self.source.value, engine)
        })
    }

    /// Why .NET rejects the pattern, when it does (known without building it).
    pub fn error(&self) -> Option<&str> {
        match self.compiled.compilation.get() {
            Some(Compilation::Invalid { error }) => Some(error),
            _ => None,
        }
    }
}

impl Compilation {
    /// Compiles `engine`, the engine's reading of the .NET `pattern`.
    fn build(pattern: &str, engine: &str) -> Compilation {
        // Exchange matches patterns without regard to case.
        match fancy_regex::RegexBuilder::new(engine).case_insensitive(true).build() {
            Ok(regex) => Compilation::Evaluated { regex, translated: (engine != pattern).then(|| engine.to_owned()) },
            Err(error) => Compilation::NotEvaluated { why: engine_limit(&error) },
        }
    }
}

/// Why the engine refused a pattern .NET accepts, in terms of the pattern.
fn engine_limit(error: &fancy_regex::Error) -> String {
    use fancy_regex::{CompileError, Error, ParseError};
    match error {
        Error::ParseError(_, ParseError::TargetNotRepeatable) => {
            "a quantifier on a lookaround or an anchor, which the engine does not repeat".to_owned()
        }
        Error::ParseError(_, ParseError::RecursionExceeded) => {
            "it nests groups deeper than the engine reads".to_owned()
        }
        Error::CompileError(compile) => match compile.as_ref() {
            CompileError::InnerError(inner) if inner.size_limit().is_some() => {
                "its repetitions make it larger than the engine that evaluates patterns can build".to_owned()
            }
            CompileError::LookBehindNotConst | CompileError::VariableLookBehindRequiresFeature => {
                "a lookbehind the engine cannot run".to_owned()
            }
            _ => format!("the engine that evaluates patterns has no equivalent of it ({error})"),
        },
        _ => format!("the engine that evaluates patterns has no equivalent of it ({error})"),
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// An Exchange condition, exception or action the format does not model, by its PowerShell
/// name; the analysis treats its effect as unknown.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherParameter {
    pub name: Spanned<String>,
    /// Its value, kept so that a conversion to the other syntax writes it: one item, or the
    /// items of a list. PowerShell reads a one-item list as that item and the DSL writes a
    /// scalar as one value and a list as several, so the model does not tell the two apart.
    /// Empty for an empty list (or no value) in YAML.
    pub values: Vec<Spanned<ParameterValue>>,
    /// The whole `Name: value` entry or DSL statement.
    pub span: Span,
}

/// One value of an `other` parameter: what a PowerShell argument can be in both syntaxes.
#[derive(Clone, Debug, PartialEq)]
pub enum ParameterValue {
    Text(String),
    Integer(i64),
    Boolean(bool),
}

/// The conditions of a rule, or its exceptions: the same keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Predicates {
    /// The `conditions:`/`exceptions:` entry; `None` when absent.
    pub span: Option<Span>,
    pub sender_is: Option<Spanned<Scope>>,
    pub recipient_is: Option<Spanned<Scope>>,
    pub sender_domain_is: TextList,
    pub recipient_domain_is: TextList,
    pub recipient_address_matches: PatternList,
    pub header_contains: Option<Box<HeaderContains>>,
    pub header_matches: Option<Box<HeaderMatches>>,
    pub message_type_matches: Option<Spanned<MessageType>>,
    /// Group addresses.
    pub sender_is_member_of: TextList,
    pub from: TextList,
    pub sender_address_matches: PatternList,
    pub message_size_over: Option<Spanned<MessageSize>>,
    pub other: Vec<OtherParameter>,
}

/// A condition's list of text (domains, addresses).
pub type TextList = Option<Box<Spanned<Vec<Spanned<String>>>>>;
/// A condition's list of regular expressions.
pub type PatternList = Option<Box<Spanned<Vec<Pattern>>>>;

/// Lists the fields of one value shape by their keys, read-only and writable: the lowerings
/// and `convert` read and write such fields through these lists, so a new key of that
/// shape is its field and its line here.
/// The lists are arrays, not vectors: the checks ask for them for every rule of every version
/// (allocating them took MF011 three times as long as the other checks of each rule).
macro_rules! keyed_fields {
    ($shared:ident, $writable:ident, $shape:ty, $count:literal, [$($key:literal => $field:ident),* $(,)?]) => {
        pub fn $shared(&self) -> [(&'static str, &$shape); $count] {
            [$(($key, &self.$field)),*]
        }
        pub fn $writable(&mut self) -> [(&'static str, &mut $shape); $count] {
            [$(($key, &mut self.$field)),*]
        }
    };
}

impl Predicates {
    keyed_fields!(text_lists, text_lists_mut, TextList, 4, [
        "senderDomainIs" => sender_domain_is,
        "recipientDomainIs" => recipient_domain_is,
        "senderIsMemberOf" => sender_is_member_of,
        "from" => from,
    ]);
    keyed_fields!(pattern_lists, pattern_lists_mut, PatternList, 2, [
        "recipientAddressMatches" => recipient_address_matches,
        "senderAddressMatches" => sender_address_matches,
    ]);

    /// Every text pattern of these conditions or exceptions: the address patterns, then
    /// `headerMatches`'s.
    pub fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        let lists = self.pattern_lists();
        let addresses = lists.into_iter().flat_map(|(_, list)| list.iter().flat_map(|list| &list.value));
        let header = self.header_matches.iter().flat_map(|test| &test.patterns);
        addresses.chain(header)
    }

    pub fn is_empty(&self) -> bool {
        self.sender_is.is_none()
            && self.recipient_is.is_none()
            && self.text_lists().iter().all(|(_, list)| list.is_none())
            && self.pattern_lists().iter().all(|(_, list)| list.is_none())
            && self.header_contains.is_none()
            && self.header_matches.is_none()
            && self.message_type_matches.is_none()
            && self.message_size_over.is_none()
            && self.other.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Actions {
    pub span: Option<Span>,
    pub set_header: Option<Header>,
    pub redirect_to_connector: Option<Spanned<String>>,
    /// A header name.
    pub remove_header: Option<Spanned<String>>,
    pub other: Vec<OtherParameter>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransportRule {
    /// The whole list item.
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub priority: Option<Spanned<i64>>,
    pub enabled: Option<Spanned<bool>>,
    pub mode: Option<Spanned<RuleMode>>,
    pub conditions: Predicates,
    pub exceptions: Predicates,
    pub actions: Actions,
    pub stop_processing: Option<Spanned<bool>>,
    pub defer_on_error: Option<Spanned<bool>>,
    pub comments: Option<Spanned<String>>,
    /// What the analysis works out from this rule alone ([`Derived`]).
    pub derived: Derived,
}

/// What an analysis works out from one rule on its own, kept with the rule so that a later
/// version of the file that reuses the rule (the same, or a copy moved by
/// [`TransportRule::moved`]) does not work it out again: the simulator's reading of the
/// rule, which at 3,000 rules cost an edit more than its parse. It must hold nothing that
/// depends on where the rule is written, since a moved copy carries it. Not part of the
/// model (kept `Unmodelled`): any other copy starts without it, and two rules are equal
/// whatever they hold here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Derived(Unmodelled<Arc<dyn Any + Send + Sync>>);

impl Derived {
    /// What `work_out` gives, worked out on the first call. One type is kept per rule: a
    /// second type would be a programming error, and panics.
    pub fn get_or_init<T: Any + Send + Sync>(&self, work_out: impl FnOnce() -> T) -> &T {
        let kept = self.0.get_or_init(|| Arc::new(work_out()));
        (**kept).downcast_ref::<T>().expect("one type of derived work per rule")
    }

    /// A slot holding what this one holds, for a copy that differs only in its spans.
    fn kept(&self) -> Derived {
        let kept = Derived::default();
        if let Some(work) = self.0.get() {
            kept.0.get_or_init(|| work.clone());
        }
        kept
    }
}

impl TransportRule {
    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }

    pub fn name_span(&self) -> Span {
        self.name.as_ref().map_or(self.span, |n| n.span)
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.value)
    }

    pub fn mode(&self) -> RuleMode {
        self.mode.as_ref().map_or(RuleMode::Enforce, |m| m.value)
    }

    /// Only enabled rules in enforce mode take actions.
    pub fn is_active(&self) -> bool {
        self.is_enabled() && self.mode() == RuleMode::Enforce
    }

    pub fn stops_processing(&self) -> bool {
        self.stop_processing.as_ref().is_some_and(|s| s.value)
    }

    pub fn defers_on_error(&self) -> bool {
        self.defer_on_error.as_ref().is_some_and(|d| d.value)
    }
}

impl MailFlow {
    pub fn connector(&self, name: &str) -> Option<&Connector> {
        self.connectors.iter().find(|c| c.name.as_ref().is_some_and(|n| n.value.eq_ignore_ascii_case(name)))
    }

    /// The index of a rule of this model.
    pub fn rule_index(&self, rule: &TransportRule) -> usize {
        let address = rule as *const TransportRule as usize;
        let is_at = |index: usize| self.rules.get(index).is_some_and(|own| std::ptr::eq(own.as_ref(), rule));
        let indexes = self.rule_indexes.get_or_init(|| {
            let mut indexes: Vec<(usize, usize)> =
                self.rules.iter().enumerate().map(|(index, rule)| (Arc::as_ptr(rule) as usize, index)).collect();
            indexes.sort_unstable();
            indexes
        });
        let found = indexes.binary_search_by_key(&address, |&(address, _)| address).ok();
        found
            .map(|at| indexes[at].1)
            .filter(|&index| is_at(index))
            // `rules` changed since the table was made.
            .or_else(|| (0..self.rules.len()).find(|&index| is_at(index)))
            .expect("the rule belongs to this model")
    }

    /// The index of a connector of this model.
    pub fn connector_index(&self, connector: &Connector) -> usize {
        index_in(&self.connectors, connector).expect("the connector belongs to this model")
    }

    /// The rules, each as itself (`rules` holds them shared).
    pub fn iter_rules(&self) -> impl Iterator<Item = &TransportRule> + Clone {
        self.rules.iter().map(Arc::as_ref)
    }

    /// Rules in the order Exchange evaluates them: by priority, rules without one last.
    pub fn rules_in_order(&self) -> Vec<&TransportRule> {
        self.order().into_iter().map(|index| self.rules[index].as_ref()).collect()
    }

    /// The indexes of the rules in the order Exchange evaluates them ([`Self::rules_in_order`]).
    pub fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.rules.len()).collect();
        order.sort_by_key(|&index| self.rules[index].priority.as_ref().map_or(i64::MAX, |p| p.value));
        order
    }
}

/// Where `item` sits in `items`, worked out from its address rather than searched for: the
/// checks ask it of every connector they report on (the rules, shared between versions, are
/// not in one allocation: [`MailFlow::rule_index`]).
fn index_in<T>(items: &[T], item: &T) -> Option<usize> {
    let offset = (item as *const T as usize).wrapping_sub(items.as_ptr() as usize);
    let index = offset / std::mem::size_of::<T>().max(1);
    items.get(index).filter(|found| std::ptr::eq(*found, item)).map(|_| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule's index comes from a table of the rules' addresses, and is right after the rules
    /// changed too.
    #[test]
    fn a_rules_index_is_found_by_its_address_even_after_the_rules_changed() {
        let rules = (0..5).map(|_| Arc::new(TransportRule::default())).collect();
        let mut flow = MailFlow { rules, ..MailFlow::default() };
        let indexes = |flow: &MailFlow| flow.rules.iter().map(|rule| flow.rule_index(rule)).collect::<Vec<_>>();
        assert_eq!(indexes(&flow), [0, 1, 2, 3, 4]);
        flow.rules.swap(0, 4);
        flow.rules.push(Arc::new(TransportRule::default()));
        assert_eq!(indexes(&flow), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn an_item_is_found_at_its_own_place_and_an_equal_copy_nowhere() {
        let items = vec![String::from("a"), String::from("b"), String::from("b")];
        assert_eq!(index_in(&items, &items[2]), Some(2));
        assert_eq!(index_in(&items, &items[0]), Some(0));
        assert_eq!(index_in(&items, &String::from("b")), None);
        assert_eq!(index_in(&items[1..], &items[0]), None);
    }

    /// Issue 15: a pattern is read when the file is, and built for the engine only when
    /// first matched; whether .NET rejects it is known without building it (MF011).
    #[test]
    fn a_pattern_is_built_when_first_matched() {
        // Patterns no other test compiles, so the process-wide cache holds neither yet.
        let pattern = |text: &str| Pattern::compile(Spanned::new(text.to_owned(), Span::default()));
        let lazy = pattern("^built-when-first-matched-[0-9]+$");
        assert!(lazy.compiled.compilation.get().is_none());
        assert_eq!(lazy.error(), None);
        assert!(lazy.compiled.compilation.get().is_none());
        assert_eq!(lazy.matches("Built-When-First-Matched-42"), Some(true));
        assert!(matches!(lazy.compiled.compilation.get(), Some(Compilation::Evaluated { .. })));
        let rejected = pattern("(unclosed-when-first-matched");
        assert!(rejected.error().is_some());
        assert_eq!(rejected.matches("unclosed-when-first-matched"), None);
    }

    #[test]
    fn sizes_read_as_exchange_counts_them() {
        let bytes = |text: &str| MessageSize::parse(text).map(|size| size.bytes);
        assert_eq!(bytes("22.5 MB"), Some(23_592_960));
        assert_eq!(bytes("22.5MB"), Some(23_592_960));
        assert_eq!(bytes("10 kb"), Some(10_240));
        assert_eq!(bytes("1 GB"), Some(1 << 30));
        assert_eq!(bytes("1048576"), Some(1_048_576));
        // As an export writes it.
        assert_eq!(bytes("22.5 MB (23,592,960 bytes)"), Some(23_592_960));
        assert_eq!(bytes("22.5 MiB"), None);
        assert_eq!(bytes("large"), None);
        assert_eq!(bytes("-1 MB"), None);
    }

    /// Every value the key table allows is a value of the model type the lowerings read it as.
    #[test]
    fn every_enumerated_value_reads_as_its_model_type() {
        fn all<T>(object: Object, key: &str, read: fn(&str) -> Option<T>) {
            let Some(ValueShape::OneOf(allowed)) = keys::lookup(object, key).map(|k| k.shape) else { panic!("{key}") };
            for (word, _) in allowed {
                assert!(enumerated(object, key, word, read).is_ok(), "{key}: {word}");
            }
            assert_eq!(enumerated(object, key, "Partner", read).err().map(|a| a.len()), Some(allowed.len()));
        }
        all(Object::Connector, "type", ConnectorType::from_key);
        all(Object::Connector, "use", ConnectorUse::from_key);
        all(Object::Service, "kind", ServiceKind::from_key);
        all(Object::Service, "vendor", Vendor::from_key);
        all(Object::Rule, "mode", RuleMode::from_key);
        all(Object::Predicates, "senderIs", Scope::from_key);
        all(Object::Predicates, "recipientIs", Scope::from_key);
        all(Object::Predicates, "messageTypeMatches", MessageType::from_key);
        assert_eq!(
            enumerated(Object::Predicates, "senderIs", "external-partner", Scope::from_key),
            Err(vec!["inside", "outside"])
        );
    }
}
