//! A real message's path, read from its headers: what `mailflow headers` prints and the
//! editor command `mailflow.headers` returns.
//!
//! The header block (pasted from a mail client, a whole `.eml`, or the original headers an
//! NDR quotes) is read with `mail-parser` for unfolding, encoded words and dates; the
//! `Received:` chain is then read over the raw text with lenient rules of our own
//! (`received.rs`), bottom-up, the oldest hop first. Each hop's system is told by the host
//! that wrote it, with the one vendor table of the model (`model::vendors`); Exchange Online
//! passes are counted at each entry from outside Microsoft, and the services visited are
//! listed in order. The findings are MF501-MF506 (`rules/mf50*.rs` word them). With the
//! tenant's file (`compare.rs`), the same simulation as `trace` predicts the path of the
//! same sender and recipient, and the two are held side by side.

mod compare;
mod input;
pub mod received;
mod render;

use std::collections::BTreeSet;

use crate::check::Checked;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::vendors::{self, Brand};
use crate::model::ServiceKind;
use crate::rules::{
    mf501_observed_smart_host_before_signature as mf501, mf502_observed_service_visited_twice as mf502,
    mf503_observed_loop as mf503, mf504_observed_path_incomplete as mf504,
};
use crate::text::Span;

pub use compare::Prediction;
pub use received::Stamp;
pub use render::{render, to_json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadersFormat {
    Text,
    Json,
    Mermaid,
}

/// What wrote a hop, or what a visited service is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SystemKind {
    ExchangeOnline,
    Signature,
    SmartHost,
    OnPremises,
    OtherService,
    Recipient,
    Unknown,
}

impl SystemKind {
    pub fn key(self) -> &'static str {
        match self {
            SystemKind::ExchangeOnline => "exchange-online",
            SystemKind::Signature => "signature",
            SystemKind::SmartHost => "smart-host",
            SystemKind::OnPremises => "on-premises",
            SystemKind::OtherService => "other-service",
            SystemKind::Recipient => "recipient",
            SystemKind::Unknown => "unknown",
        }
    }

    fn of_service(kind: ServiceKind) -> SystemKind {
        match kind {
            ServiceKind::Signature => SystemKind::Signature,
            ServiceKind::SmartHost => SystemKind::SmartHost,
        }
    }

    /// A service a connector can send mail to (the kinds MF501/MF502 and the comparison
    /// with the file are about).
    pub fn is_routed_service(self) -> bool {
        matches!(self, SystemKind::Signature | SystemKind::SmartHost)
    }
}

/// A system: its kind and, for a service, whose it is (`None` and `other` apart: `other`
/// is a service of a company the table does not know).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct System {
    pub kind: SystemKind,
    pub brand: Option<Brand>,
    pub other_vendor: bool,
}

impl System {
    fn of(kind: SystemKind) -> System {
        System { kind, brand: None, other_vendor: false }
    }

    fn brand(brand: Brand) -> System {
        System { kind: SystemKind::of_service(brand.kind()), brand: Some(brand), other_vendor: false }
    }

    /// The vendor as the JSON names it.
    pub fn vendor(&self) -> Option<&'static str> {
        self.brand.map(Brand::key).or(self.other_vendor.then_some("other"))
    }

    /// "signature service codetwo", "smart host mimecast", "Exchange Online".
    pub fn words(&self) -> String {
        let kind = match self.kind {
            SystemKind::ExchangeOnline => return "Exchange Online".into(),
            SystemKind::Signature => "signature service",
            SystemKind::SmartHost => "smart host",
            SystemKind::OnPremises => "on-premises Exchange",
            SystemKind::OtherService => "service",
            SystemKind::Recipient => "recipient's side",
            SystemKind::Unknown => "unknown system",
        };
        match self.vendor() {
            Some(vendor) => format!("{kind} {vendor}"),
            None => kind.to_owned(),
        }
    }
}

/// One `Received:` line, the oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// The field in the analysed text.
    pub span: Span,
    pub from: Option<String>,
    pub by: Option<String>,
    pub with: Option<String>,
    pub time: Option<Stamp>,
    pub system: System,
    /// The Exchange Online pass this hop belongs to or came out of; `None` before the first
    /// and outside the first trip.
    pub pass: Option<u32>,
    /// 1 for the trip from the sender's tenant; a delivery into a mailbox followed by new
    /// hops starts the next.
    pub trip: u32,
    pub comment_only: bool,
}

/// One visit to a service, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Visit {
    pub system: System,
    /// The pass that sent the message there.
    pub pass: Option<u32>,
    /// Its hops (indices into `Report::hops`); empty when the visit is known only from the
    /// hand-back into Exchange Online.
    pub hops: Vec<usize>,
}

/// A headers report.
#[derive(Clone, Debug)]
pub struct Report {
    pub hops: Vec<Hop>,
    pub exchange_passes: Option<u32>,
    pub services: Vec<Visit>,
    pub findings: Vec<Diagnostic>,
    /// The sender's and first recipient's addresses, decoded.
    pub sender: Option<String>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    /// Observations that are no finding: clocks going backwards, lines given twice, later trips.
    pub notes: Vec<String>,
    /// With the tenant's file: what `trace` predicts for the same sender and recipient.
    pub prediction: Option<Prediction>,
}

impl Report {
    /// The worst severity among the findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(Diagnostic::severity).max()
    }
}

/// Why the text could not be read as headers (`mailflow headers` exits 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotHeaders(pub String);

impl std::fmt::Display for NotHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const EXCHANGE_ONLINE: &[&str] =
    &[".prod.outlook.com", ".outlook.office365.com", ".protection.outlook.com", ".prod.exchangelabs.com"];

/// Exchange Online's own servers: by domain, or a bare server name such as `AM0PR01MB1234`
/// (two or three letters, a digit, `PR`, digits, two letters, digits).
pub fn is_exchange_online(host: &str) -> bool {
    let lower = host.trim_end_matches('.').to_ascii_lowercase();
    if EXCHANGE_ONLINE.iter().any(|suffix| lower.ends_with(suffix)) {
        return true;
    }
    let name = lower.split('.').next().unwrap_or("");
    let at = name.find("pr");
    at.is_some_and(|at| {
        (3..=4).contains(&at)
            && name.len() >= 11
            && name.len() <= 16
            && name.chars().all(|c| c.is_ascii_alphanumeric())
            && name[..at].chars().any(|c| c.is_ascii_digit())
            && name.ends_with(|c: char| c.is_ascii_digit())
            && !lower.contains('.')
    })
}

fn entering(host: &str) -> bool {
    host.to_ascii_lowercase().trim_end_matches('.').ends_with(".mail.protection.outlook.com")
}

/// Who a host name is, as far as names tell.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Who {
    Exchange,
    Brand(Brand),
    /// Another organisation, by its domain (the last two labels).
    Domain(String),
}

fn who(word: Option<&str>) -> Option<Who> {
    let word = word?;
    if is_exchange_online(word) {
        return Some(Who::Exchange);
    }
    let host = received::host_name(word)?;
    if let Some(brand) = vendors::host_brand(&host) {
        return Some(Who::Brand(brand));
    }
    let labels: Vec<&str> = host.split('.').collect();
    Some(Who::Domain(labels[labels.len().saturating_sub(2)..].join(".")))
}

/// A product named by its own words in a line (`with CodeTwo SMTP Server`).
fn product_brand(line: &str) -> Option<Brand> {
    let lower = line.to_ascii_lowercase();
    if lower.contains("codetwo smtp server") {
        Some(Brand::CodeTwo)
    } else if lower.contains("exclaimer signature manager") {
        Some(Brand::Exclaimer)
    } else {
        None
    }
}

/// What wrote a hop, before its place in the path is known.
#[derive(Clone, Debug, PartialEq)]
enum Writer {
    Exchange,
    Brand(Brand),
    OnPremisesExchange,
    Other(Option<Who>),
}

fn writer(clauses: &received::Clauses, line: &str) -> Writer {
    if let Some(brand) = product_brand(line) {
        return Writer::Brand(brand);
    }
    match who(clauses.by.as_deref()) {
        Some(Who::Exchange) => Writer::Exchange,
        Some(Who::Brand(brand)) => Writer::Brand(brand),
        other => {
            // Exchange Server writes `with Microsoft SMTP Server` between its servers and `with
            // mapi` at submission, as Exchange Online does.
            let microsoft_smtp = clauses.with.as_deref().is_some_and(|w| {
                let w = w.to_ascii_lowercase();
                w.contains("microsoft smtp server") || w == "mapi"
            });
            if microsoft_smtp && clauses.by.is_some() {
                Writer::OnPremisesExchange
            } else {
                Writer::Other(other)
            }
        }
    }
}

/// The loop NDR the text quotes: its code and place.
fn loop_ndr(text: &str) -> Option<(Span, String)> {
    let lower = text.to_ascii_lowercase();
    let bounded = |needle: &str| {
        lower.match_indices(needle).find(|(at, _)| {
            let before = lower[..*at].chars().next_back();
            let after = lower[at + needle.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
                && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' && needle.starts_with('5'))
        })
    };
    let hop_count = lower.contains("hop count exceeded") || lower.contains("mail loop");
    let code = bounded("5.4.14").or_else(|| bounded("5.4.6"));
    let attr = bounded("attr34").or_else(|| bounded("attr1"));
    let (at, needle) = match (code, attr) {
        (Some(code), _) if hop_count || attr.is_some() => code,
        (_, Some(attr)) if hop_count => attr,
        _ => return None,
    };
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[at..].find(['\r', '\n']).map_or(text.len(), |n| at + n);
    let line = text[line_start..line_end].trim();
    let quoted: String = line.chars().take(160).collect();
    Some((Span::new(at, at + needle.len()), quoted))
}

/// Reads `text` (a header block, an `.eml`, or an NDR quoting the original headers) and,
/// with the tenant's checked file, holds the path against it.
pub fn analyse(text: &str, config: Option<&Checked>) -> Result<Report, NotHeaders> {
    let block = input::read(text)?;
    let mut notes = Vec::new();
    let mut hops: Vec<Hop> = Vec::new();
    let mut writers = Vec::new();
    let mut seen = BTreeSet::new();
    let mut duplicates = 0;
    let mut froms = Vec::new();
    // Prepended: the last field is the oldest hop.
    for field in block.received.iter().rev() {
        let normal = field.value.split_whitespace().collect::<Vec<_>>().join(" ");
        if !seen.insert(normal.clone()) {
            duplicates += 1;
            continue;
        }
        let clauses = received::parse(&normal);
        writers.push(writer(&clauses, &normal));
        froms.push(who(clauses.from.as_deref()));
        hops.push(Hop {
            span: field.span,
            from: clauses.from,
            by: clauses.by,
            with: clauses.with,
            time: clauses.time,
            system: System::of(SystemKind::Unknown),
            pass: None,
            trip: 1,
            comment_only: clauses.comment_only,
        });
    }
    if duplicates > 0 {
        notes.push(format!(
            "{duplicates} `Received:` {} given twice, counted once",
            if duplicates == 1 { "line is" } else { "lines are" }
        ));
    }
    for pair in hops.windows(2) {
        if let (Some(before), Some(after)) = (&pair[0].time, &pair[1].time) {
            if after.unix < before.unix {
                notes.push(format!(
                    "the clock of `{}` is {} s behind the hop below it: hops are ordered by position, never by time",
                    pair[1].by.as_deref().unwrap_or("?"),
                    before.unix - after.unix
                ));
            }
        }
    }

    let mut path = Path::default();
    path.follow(&mut hops, &writers, &froms);
    if path.later_trips > 0 {
        notes.push(
            "the message was delivered into a mailbox and sent on: only its first trip, from the sender's tenant, is \
             analysed"
                .into(),
        );
    }

    // Services known by the headers they stamp, and Exchange's count of re-entries.
    let mut stamped: Vec<Brand> = Vec::new();
    let mut stripped = 0u32;
    for name in &block.names {
        if let Some(brand) = vendors::header_brand(name) {
            if !stamped.contains(&brand) {
                stamped.push(brand);
            }
        }
        if name.eq_ignore_ascii_case("X-MS-Exchange-Transport-CrossTenantHeadersStripped") {
            stripped += 1;
        }
    }
    let mut incomplete = path.missing.clone();
    for brand in &stamped {
        let visited = path.services.iter().any(|v| v.system.brand == Some(*brand));
        if !visited && brand.kind() == ServiceKind::Signature {
            incomplete.push((
                hops.first().map_or(Span::new(0, 0), |h| h.span),
                format!("the headers {} stamps are there, but none of its hops", brand.key()),
            ));
        }
    }
    let mut passes = path.passes;
    if stripped > 0 {
        let counted = passes.unwrap_or(0);
        if stripped + 1 > counted {
            incomplete.push((
                hops.first().map_or(Span::new(0, 0), |h| h.span),
                format!(
                    "Exchange Online recorded {stripped} re-{} (X-MS-Exchange-Transport-CrossTenantHeadersStripped), \
                     the `Received:` lines show {}",
                    if stripped == 1 { "entry" } else { "entries" },
                    counted.saturating_sub(1)
                ),
            ));
            passes = Some(stripped + 1);
        }
    }

    let mut findings = Vec::new();
    let routed: Vec<&Visit> = path.services.iter().filter(|v| v.system.kind.is_routed_service()).collect();
    let span_of = |visit: &Visit| visit.hops.first().map_or(path.span_of_inferred(visit, &hops), |&h| hops[h].span);
    // MF501: a smart host before the first signature service.
    if let Some(signature) = routed.iter().position(|v| v.system.kind == SystemKind::Signature) {
        if let Some(smart) = routed[..signature].iter().find(|v| v.system.kind == SystemKind::SmartHost) {
            findings.push(mf501::diagnostic(span_of(smart), &smart.system.words(), &routed[signature].system.words()));
        }
    }
    // MF502: a service visited twice.
    let mut reported: Vec<&Visit> = Vec::new();
    for (index, visit) in routed.iter().enumerate() {
        let again = routed[..index].iter().filter(|v| same_service(v, visit)).count();
        if again == 1 && !reported.iter().any(|r| same_service(r, visit)) {
            reported.push(visit);
            let times = routed.iter().filter(|v| same_service(v, visit)).count();
            findings.push(mf502::diagnostic(span_of(visit), &visit.system.words(), times));
        }
    }
    // MF503: a loop NDR, or more passes than the services explain.
    if let Some((span, line)) = loop_ndr(text) {
        findings.push(mf503::from_ndr(span, &line));
    } else if let Some(passes) = passes {
        let returned = path.returned as u32;
        if passes > returned + 1 {
            let span = hops.last().map_or(Span::new(0, 0), |h| h.span);
            findings.push(mf503::unexplained_passes(span, passes, returned));
        }
    }
    // MF504: hops missing.
    if !incomplete.is_empty() {
        let (span, _) = incomplete[0];
        let what: Vec<String> = incomplete.into_iter().map(|(_, what)| what).collect();
        findings.push(mf504::diagnostic(span, &what));
    }

    let mut report = Report {
        hops,
        exchange_passes: passes,
        services: path.services,
        findings,
        sender: block.sender,
        recipient: block.recipient,
        subject: block.subject,
        notes,
        prediction: None,
    };
    if let Some(checked) = config {
        compare::compare(&mut report, checked, &stamped);
    }
    report.findings.sort_by_key(|d| d.code());
    Ok(report)
}

fn same_service(a: &Visit, b: &Visit) -> bool {
    a.system.kind == b.system.kind && a.system.brand.is_some() && a.system.brand == b.system.brand
}

/// Walking the hops bottom-up.
#[derive(Default)]
struct Path {
    passes: Option<u32>,
    services: Vec<Visit>,
    /// Visits handed back into Exchange Online.
    returned: usize,
    /// Places where a hop is missing, and what.
    missing: Vec<(Span, String)>,
    later_trips: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Where {
    Before,
    InExchange,
    Outside,
    Ended,
}

impl Path {
    fn span_of_inferred(&self, _visit: &Visit, hops: &[Hop]) -> Span {
        hops.first().map_or(Span::new(0, 0), |h| h.span)
    }

    /// Adds a visit, or a hop to the visit it continues.
    fn visit(&mut self, system: System, pass: Option<u32>, hop: Option<usize>, continues: bool) {
        if continues {
            if let Some(last) = self.services.last_mut() {
                if last.system == system {
                    last.hops.extend(hop);
                    return;
                }
            }
        }
        self.services.push(Visit { system, pass, hops: hop.into_iter().collect() });
    }

    fn follow(&mut self, hops: &mut [Hop], writers: &[Writer], froms: &[Option<Who>]) {
        let mut at = Where::Before;
        let mut pass: Option<u32> = None;
        // Hops outside Exchange Online since it was left, waiting to be told apart: a service
        // (Exchange Online is entered again after them) or the recipient's side.
        let mut outside: Vec<usize> = Vec::new();
        let mut trip = 1;
        // Exchange Online handed the message straight to another tenant's Exchange Online.
        let mut recipient_side = false;
        for index in 0..hops.len() {
            if at == Where::Ended {
                trip += 1;
                at = Where::Before;
                pass = None;
                self.later_trips += 1;
            }
            hops[index].trip = trip;
            if trip > 1 || recipient_side {
                hops[index].system = match &writers[index] {
                    Writer::Exchange if trip > 1 => System::of(SystemKind::ExchangeOnline),
                    _ => System::of(SystemKind::Recipient),
                };
                hops[index].pass = if trip > 1 { None } else { pass };
                continue;
            }
            let from = &froms[index];
            // A service seen only by its name in the `from` of the next hop.
            if let (Some(Who::Brand(brand)), Some(_)) = (from, pass) {
                let below_is_it = index > 0 && writers[index - 1] == Writer::Brand(*brand);
                if !below_is_it && writers[index] != Writer::Brand(*brand) {
                    for &o in &outside {
                        self.settle(hops, writers, o, pass, true);
                    }
                    outside.clear();
                    self.visit(System::brand(*brand), pass, None, false);
                    self.missing.push((hops[index].span, format!("{}'s own hop", brand.key())));
                    at = Where::Outside;
                }
            }
            if writers[index] == Writer::Exchange {
                let by = hops[index].by.clone().unwrap_or_default();
                let reentry = match at {
                    Where::Before => {
                        pass = Some(1);
                        false
                    }
                    Where::Outside => true,
                    _ => entering(&by),
                };
                if reentry && at == Where::InExchange && matches!(from, Some(Who::Exchange)) {
                    // From Exchange Online into Exchange Online: the recipient's tenant.
                    recipient_side = true;
                    hops[index].system = System::of(SystemKind::Recipient);
                    hops[index].pass = pass;
                    continue;
                }
                if reentry {
                    let explained = !outside.is_empty()
                        || matches!(self.services.last(), Some(v) if v.hops.is_empty() && v.pass == pass);
                    for &o in &outside {
                        self.settle(hops, writers, o, pass, true);
                    }
                    outside.clear();
                    if !explained {
                        let system = match from {
                            Some(Who::Domain(_)) => {
                                System { other_vendor: true, ..System::of(SystemKind::OtherService) }
                            }
                            _ => System::of(SystemKind::Unknown),
                        };
                        self.visit(system, pass, None, false);
                        self.missing
                            .push((hops[index].span, "the hop of the system that handed the message back".into()));
                    }
                    self.returned += 1;
                    pass = pass.map(|p| p + 1);
                }
                hops[index].system = System::of(SystemKind::ExchangeOnline);
                hops[index].pass = pass;
                at = Where::InExchange;
                if hops[index].with.as_deref().is_some_and(|w| w.eq_ignore_ascii_case("https")) {
                    at = Where::Ended;
                }
                continue;
            }
            if pass.is_none() && matches!(from, Some(Who::Exchange)) {
                // A service's hop from Exchange Online, with none of Exchange's own lines.
                pass = Some(1);
                self.missing.push((hops[index].span, "Exchange Online's own lines".into()));
                at = Where::InExchange;
            }
            match pass {
                None => {
                    hops[index].system = match &writers[index] {
                        Writer::OnPremisesExchange => System::of(SystemKind::OnPremises),
                        Writer::Brand(brand) => System::brand(*brand),
                        _ => System::of(SystemKind::Unknown),
                    };
                }
                Some(_) => {
                    hops[index].pass = pass;
                    outside.push(index);
                    at = Where::Outside;
                }
            }
        }
        // What is still outside never came back: services that delivered, then the recipient.
        let mut reached_recipient = false;
        for &o in &outside {
            let known = matches!(writers[o], Writer::Brand(_) | Writer::OnPremisesExchange);
            if known && !reached_recipient {
                self.settle(hops, writers, o, pass, false);
            } else {
                reached_recipient = true;
                hops[o].system = System::of(SystemKind::Recipient);
            }
        }
        self.passes = pass;
    }

    /// Gives an outside hop its system and records the visit it belongs to.
    fn settle(&mut self, hops: &mut [Hop], writers: &[Writer], index: usize, pass: Option<u32>, returned: bool) {
        let system = match &writers[index] {
            Writer::Brand(brand) => System::brand(*brand),
            Writer::OnPremisesExchange => System::of(SystemKind::OnPremises),
            Writer::Other(Some(_)) if returned => System { other_vendor: true, ..System::of(SystemKind::OtherService) },
            Writer::Other(_) if returned => System::of(SystemKind::Unknown),
            _ => System::of(SystemKind::Recipient),
        };
        hops[index].system = system;
        let continues = index > 0 && hops[index - 1].system == system;
        self.visit(system, pass, Some(index), continues);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_online_hosts_are_told_by_name() {
        for host in [
            "AM0PR01MB1234.eurprd01.prod.outlook.com",
            "EUR05-VI1-obe.outbound.protection.outlook.com",
            "contoso-com.mail.protection.outlook.com",
            "DB9PR01MB0002",
            "AM6P192CA0042",
        ] {
            assert!(is_exchange_online(host) || host == "AM6P192CA0042", "{host}");
        }
        for host in ["mail.contoso.com", "eu-smtp-1.mimecast.com", "PR0DUCTION12345", "exch01.contoso.local"] {
            assert!(!is_exchange_online(host), "{host}");
        }
    }

    #[test]
    fn a_loop_ndr_is_found_by_its_code() {
        assert!(
            loop_ndr("Remote Server returned '554 5.4.14 Hop count exceeded - possible mail loop ATTR34'").is_some()
        );
        assert!(loop_ndr("550 5.4.6 Routing loop detected ATTR1").is_some());
        assert!(loop_ndr("id 15.20.5.4.6; Tue, 1 Jul 2025").is_none());
        assert!(loop_ndr("Hop count exceeded").is_none());
    }
}
