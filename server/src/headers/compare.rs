//! The observed path held against the tenant's file: the sender and recipient are taken
//! from the headers, the same simulation as `trace` predicts their message's path, and the
//! services of both are compared (MF505, MF506), the likely cause named from the file's own
//! findings.

use crate::analysis::simulate::{Ending, Message, Path, Simulator};
use crate::check::Checked;
use crate::model::vendors::Brand;
use crate::model::{MailFlow, ServiceKind, Vendor};
use crate::rules::{mf505_observed_path_differs_from_file as mf505, mf506_observed_signature_missing as mf506};
use crate::text::Span;

use super::{Report, SystemKind};

/// One service the file sends the message to.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicted {
    pub kind: ServiceKind,
    pub vendor: Option<Vendor>,
    pub connector: String,
    /// The pass that sends the message there.
    pub pass: usize,
}

/// What the file predicts for the message the headers describe.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub sender: String,
    pub recipient: String,
    pub from_inside: bool,
    pub services: Vec<Predicted>,
    pub exchange_passes: usize,
    pub ending: String,
    /// More than one way (a condition the tool cannot evaluate): the first is shown.
    pub ways: usize,
    /// The file's finding that most likely explains a difference: code, name, message.
    pub likely_cause: Option<(String, String, String)>,
}

fn kind_words(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Signature => "signature service",
        ServiceKind::SmartHost => "smart host",
    }
}

impl Predicted {
    pub fn words(&self) -> String {
        match self.vendor.filter(|v| *v != Vendor::Other) {
            Some(vendor) => format!("{} {}", kind_words(self.kind), vendor.key()),
            None => format!("{} `{}`", kind_words(self.kind), self.connector),
        }
    }
}

fn predicted(flow: &MailFlow, path: &Path) -> Vec<Predicted> {
    path.passes
        .iter()
        .filter_map(|pass| {
            let connector = &flow.connectors[pass.connector()?];
            let service = connector.service.as_ref()?;
            Some(Predicted {
                kind: service.kind.value,
                vendor: service.vendor.as_ref().map(|v| v.value),
                connector: connector.name().to_owned(),
                pass: pass.number,
            })
        })
        .collect()
}

fn ending_words(ending: &Ending) -> &'static str {
    match ending {
        Ending::DeliveredToMailbox => "delivered to the mailbox",
        Ending::DeliveredByMx => "delivered through the recipient's MX",
        Ending::DeliveredByConnector { .. } => "delivered by a connector",
        Ending::DeliveredBySmartHost { .. } => "delivered by the smart host",
        Ending::Loop { .. } | Ending::HopCapExceeded => "looped (NDR: hop count exceeded)",
        Ending::DisabledConnector { .. } => "not delivered: the connector is disabled",
        Ending::TakenAway { .. } => "taken away by a rule",
    }
}

/// An observed service as the file's terms name it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Observed {
    kind: ServiceKind,
    brand: Option<Brand>,
}

fn agrees(observed: &Observed, predicted: &Predicted) -> bool {
    let vendor = predicted.vendor.filter(|v| *v != Vendor::Other);
    let brand_vendor = observed.brand.map(Brand::vendor).filter(|v| *v != Vendor::Other);
    observed.kind == predicted.kind && (vendor.is_none() || brand_vendor.is_none() || vendor == brand_vendor)
}

/// Whether `part` appears in `whole` in order (items may be missing between).
fn in_order(part: &[Observed], whole: &[Predicted]) -> bool {
    let mut rest = whole.iter();
    part.iter().all(|o| rest.any(|p| agrees(o, p)))
}

/// The file's findings that explain each kind of difference, most likely first.
const SMART_HOST_FIRST: &[&str] = &["MF201", "MF104", "MF101", "MF306", "MF103", "MF205"];
const SIGNATURE_MISSING: &[&str] = &["MF311", "MF101", "MF201", "MF204", "MF404", "MF405", "MF202"];
const VISITED_AGAIN: &[&str] = &["MF305", "MF304", "MF309", "MF301", "MF302", "MF303", "MF313", "MF307"];

fn cause(checked: &Checked, order: &[&str]) -> Option<(String, String, String)> {
    let route_codes = |code: &str| code.starts_with("MF1") || code.starts_with("MF2") || code.starts_with("MF3");
    order
        .iter()
        .find_map(|code| checked.diagnostics.iter().find(|d| d.code() == *code))
        .or_else(|| checked.diagnostics.iter().find(|d| route_codes(d.code())))
        .map(|d| (d.code().to_owned(), d.rule.name.to_owned(), d.message.clone()))
}

fn cause_words(cause: &Option<(String, String, String)>) -> Option<String> {
    cause.as_ref().map(|(code, name, message)| format!("{code} {name} in the file ({message})"))
}

pub fn compare(report: &mut Report, checked: &Checked, stamped: &[Brand]) {
    let flow = &checked.flow;
    let simulator = Simulator::new(flow);
    let sender = report.sender.clone().unwrap_or_else(|| "unknown sender".into());
    let recipient = report.recipient.clone().unwrap_or_else(crate::trace::default_recipient);
    let sender_domain = sender.rsplit_once('@').map_or("", |(_, d)| d).to_ascii_lowercase();
    let from_inside = report.sender.is_none() || simulator.is_inside(&sender_domain);
    let message = Message::ordinary(from_inside, recipient.clone());
    let paths = simulator.run(&message);
    let Some(first) = paths.first() else { return };
    let ways: Vec<Vec<Predicted>> = paths.iter().map(|p| predicted(flow, p)).collect();
    let observed: Vec<Observed> = report
        .services
        .iter()
        .filter_map(|v| {
            let kind = match v.system.kind {
                SystemKind::Signature => ServiceKind::Signature,
                SystemKind::SmartHost => ServiceKind::SmartHost,
                _ => return None,
            };
            Some(Observed { kind, brand: v.system.brand })
        })
        .collect();
    let incomplete = report.findings.iter().any(|d| d.code() == "MF504");
    let matches_a_way = ways.iter().any(|way| {
        (way.len() == observed.len() && observed.iter().zip(way).all(|(o, p)| agrees(o, p)))
            || (incomplete && in_order(&observed, way))
    });
    let mut prediction = Prediction {
        sender: sender.clone(),
        recipient: recipient.clone(),
        from_inside,
        services: ways[0].clone(),
        exchange_passes: first.passes.len(),
        ending: ending_words(&first.ending).to_owned(),
        ways: paths.len(),
        likely_cause: None,
    };
    let span = report.hops.first().map_or(Span::new(0, 0), |h| h.span);
    let described = format!("a message from {sender} to {recipient}");
    let services_words = |items: Vec<String>| {
        if items.is_empty() {
            "no service".to_owned()
        } else {
            items.join(", then ")
        }
    };
    if !matches_a_way {
        let first_smart = observed.iter().position(|o| o.kind == ServiceKind::SmartHost);
        let first_signature = observed.iter().position(|o| o.kind == ServiceKind::Signature);
        let twice = observed.iter().enumerate().any(|(i, o)| observed[..i].contains(o));
        let order = match (first_smart, first_signature) {
            _ if twice => VISITED_AGAIN,
            (Some(s), Some(g)) if s < g => SMART_HOST_FIRST,
            (Some(_), None) => SMART_HOST_FIRST,
            (_, None) => SIGNATURE_MISSING,
            _ => SMART_HOST_FIRST,
        };
        prediction.likely_cause = cause(checked, order);
        let predicted_words = services_words(ways[0].iter().map(Predicted::words).collect());
        let observed_words = services_words(
            report.services.iter().filter(|v| v.system.kind.is_routed_service()).map(|v| v.system.words()).collect(),
        );
        report.findings.push(mf505::diagnostic(
            span,
            &described,
            &predicted_words,
            &observed_words,
            cause_words(&prediction.likely_cause).as_deref(),
        ));
    }
    let signature_predicted = ways[0].iter().find(|p| p.kind == ServiceKind::Signature);
    let signature_seen = observed.iter().any(|o| o.kind == ServiceKind::Signature)
        || stamped.iter().any(|b| b.kind() == ServiceKind::Signature);
    if let (Some(signature), false, false) = (signature_predicted, signature_seen, incomplete) {
        if prediction.likely_cause.is_none() {
            prediction.likely_cause = cause(checked, SIGNATURE_MISSING);
        }
        report.findings.push(mf506::diagnostic(
            span,
            &described,
            &signature.words(),
            &signature.connector,
            cause_words(&prediction.likely_cause).as_deref(),
        ));
    }
    report.prediction = Some(prediction);
}
