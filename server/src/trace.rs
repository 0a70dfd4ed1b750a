//! The simulated path of one message, pass by pass, as text, JSON or a Mermaid flow
//! diagram: what `mailflow trace` prints and the editor command `mailflow.trace` returns.

use serde_json::{json, Value};

use crate::analysis::simulate::{Ending, Message, Path, Route, Simulator, UNNAMED_DOMAIN};
use crate::model::{MailFlow, ServiceKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    Text,
    Json,
    Mermaid,
}

pub fn default_recipient() -> String {
    format!("user@{UNNAMED_DOMAIN}")
}

pub fn render(flow: &MailFlow, message: &Message, format: TraceFormat) -> String {
    let paths = Simulator::new(flow).run(message);
    match format {
        TraceFormat::Text => text(flow, message, &paths),
        TraceFormat::Json => {
            let mut out = serde_json::to_string_pretty(&json_document(flow, message, &paths)).expect("JSON serializes");
            out.push('\n');
            out
        }
        TraceFormat::Mermaid => mermaid(flow, message, &paths),
    }
}

/// The trace as a JSON value, for the editor command.
pub fn to_json(flow: &MailFlow, message: &Message) -> Value {
    let paths = Simulator::new(flow).run(message);
    let mut document = json_document(flow, message, &paths);
    document["text"] = Value::String(text(flow, message, &paths));
    document["mermaid"] = Value::String(mermaid(flow, message, &paths));
    document
}

fn origin(message: &Message) -> &'static str {
    if message.from_inside {
        "inside"
    } else {
        "outside"
    }
}

/// What the service behind a connector did with the message.
fn service_words(flow: &MailFlow, connector: usize, ending: Option<&Ending>) -> String {
    let c = &flow.connectors[connector];
    if !c.is_enabled() {
        return "the connector is disabled".into();
    }
    match &c.service {
        None => "no service declared: the connector delivers".into(),
        Some(s) if s.kind.value == ServiceKind::Signature => match s.processed_header() {
            Some((name, value)) => {
                format!("signature service adds the signature, stamps {name}: {value}, hands the message back")
            }
            None => "signature service adds the signature and hands the message back".into(),
        },
        Some(_) if matches!(ending, Some(Ending::DeliveredBySmartHost { .. })) => {
            "smart host delivers to the recipient".into()
        }
        Some(_) => "smart host hands the message back to Exchange Online".into(),
    }
}

fn ending_words(flow: &MailFlow, ending: &Ending) -> String {
    match ending {
        Ending::DeliveredToMailbox => "delivered to the mailbox".into(),
        Ending::DeliveredByMx => "delivered through the recipient's MX".into(),
        Ending::DeliveredByConnector { connector } => {
            format!("delivered by connector `{}`", flow.connectors[*connector].name())
        }
        Ending::DeliveredBySmartHost { connector } => {
            format!("delivered by smart host `{}`", flow.connectors[*connector].name())
        }
        Ending::Loop { first } => {
            format!("looped: back in the state of pass {first}; Exchange returns an NDR (hop count exceeded)")
        }
        Ending::HopCapExceeded => {
            "looped: the hop limit was reached; Exchange returns an NDR (hop count exceeded)".into()
        }
        Ending::DisabledConnector { connector } => {
            format!("not delivered: connector `{}` is disabled", flow.connectors[*connector].name())
        }
    }
}

fn text(flow: &MailFlow, message: &Message, paths: &[Path]) -> String {
    let mut out = format!("A message from {} to {}\n", origin(message), message.to);
    for (index, path) in paths.iter().enumerate() {
        if paths.len() > 1 {
            out += &format!(
                "\nWay {} of {}{}\n",
                index + 1,
                paths.len(),
                if path.uncertain { " (depends on a condition mailflow cannot evaluate)" } else { "" }
            );
        }
        for pass in &path.passes {
            out += &format!("Pass {} through Exchange Online:\n", pass.number);
            if pass.applied.is_empty() {
                out += "  no rule applies\n";
            }
            for applied in &pass.applied {
                let rule = &flow.rules[applied.rule];
                let priority = rule.priority.as_ref().map_or("?".into(), |p| p.value.to_string());
                out += &format!(
                    "  rule `{}` (priority {priority}) {}\n",
                    rule.name(),
                    if applied.uncertain { "may apply" } else { "applies" }
                );
            }
            for (name, value) in &pass.set_headers {
                out += &format!("  sets {name}: {value}\n");
            }
            if let Some(stopper) = pass.stopped_by {
                out += &format!("  `{}` stops processing more rules\n", flow.rules[stopper].name());
            }
            match pass.route {
                Route::Rule { rule, connector } => {
                    out += &format!(
                        "  -> connector `{}` (redirected by `{}`): {}\n",
                        flow.connectors[connector].name(),
                        flow.rules[rule].name(),
                        service_words(flow, connector, Some(&path.ending))
                    )
                }
                Route::RecipientDomains { connector } => {
                    out += &format!(
                        "  -> connector `{}` (its recipient domains match): {}\n",
                        flow.connectors[connector].name(),
                        service_words(flow, connector, Some(&path.ending))
                    )
                }
                Route::Mx => out += "  -> the recipient's MX\n",
                Route::Mailbox => out += "  -> the recipient's mailbox\n",
            }
        }
        out += &format!("Ends: {}\n", ending_words(flow, &path.ending));
    }
    out
}

fn json_document(flow: &MailFlow, message: &Message, paths: &[Path]) -> Value {
    let paths: Vec<Value> = paths
        .iter()
        .map(|path| {
            let passes: Vec<Value> = path
                .passes
                .iter()
                .map(|pass| {
                    let route = match pass.route {
                        Route::Rule { rule, connector } => json!({"kind": "rule", "rule": flow.rules[rule].name(), "connector": flow.connectors[connector].name()}),
                        Route::RecipientDomains { connector } => json!({"kind": "recipient-domains", "connector": flow.connectors[connector].name()}),
                        Route::Mx => json!({"kind": "mx"}),
                        Route::Mailbox => json!({"kind": "mailbox"}),
                    };
                    json!({
                        "number": pass.number,
                        "rulesApplied": pass.applied.iter().map(|a| json!({
                            "name": flow.rules[a.rule].name(),
                            "priority": flow.rules[a.rule].priority.as_ref().map(|p| p.value),
                            "uncertain": a.uncertain,
                        })).collect::<Vec<_>>(),
                        "headersSet": pass.set_headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                        "stoppedBy": pass.stopped_by.map(|r| flow.rules[r].name()),
                        "route": route,
                    })
                })
                .collect();
            let (kind, connector) = match &path.ending {
                Ending::DeliveredToMailbox => ("delivered-to-mailbox", None),
                Ending::DeliveredByMx => ("delivered-by-mx", None),
                Ending::DeliveredByConnector { connector } => ("delivered-by-connector", Some(*connector)),
                Ending::DeliveredBySmartHost { connector } => ("delivered-by-smart-host", Some(*connector)),
                Ending::Loop { .. } => ("loop", None),
                Ending::HopCapExceeded => ("hop-cap-exceeded", None),
                Ending::DisabledConnector { connector } => ("disabled-connector", Some(*connector)),
            };
            json!({
                "uncertain": path.uncertain,
                "passes": passes,
                "ending": {
                    "kind": kind,
                    "connector": connector.map(|c| flow.connectors[c].name()),
                    "description": ending_words(flow, &path.ending),
                },
            })
        })
        .collect();
    json!({"message": {"from": origin(message), "to": message.to}, "paths": paths})
}

/// Escapes text for a Mermaid node label.
fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// A left-to-right flow diagram like the guide's Fig. 1: Exchange passes and the services
/// between them, one chain per way the message can go.
fn mermaid(flow: &MailFlow, message: &Message, paths: &[Path]) -> String {
    let mut out = String::from("flowchart LR\n");
    out += &format!("  sender([\"Sender ({})\"])\n", origin(message));
    for (w, path) in paths.iter().enumerate() {
        let mut previous = "sender".to_owned();
        for pass in &path.passes {
            let node = format!("w{w}p{}", pass.number);
            out += &format!("  {node}[\"Exchange Online, pass {}\"]\n", pass.number);
            out += &format!("  {previous} --> {node}\n");
            previous = node;
            if let Some(connector) = pass.connector() {
                let service = format!("w{w}c{}", pass.number);
                out += &format!("  {service}[\"{}\"]\n", label(flow.connectors[connector].name()));
                let via = match pass.route {
                    Route::Rule { rule, .. } => label(flow.rules[rule].name()),
                    _ => "recipient domains".into(),
                };
                out += &format!("  {previous} -- \"{via}\" --> {service}\n");
                previous = service;
            }
        }
        let end = format!("w{w}end");
        let shape = if path.ending.is_loop() {
            format!("{end}{{{{\"{}\"}}}}", label(&ending_words(flow, &path.ending)))
        } else {
            format!("{end}([\"{}\"])", label(&ending_words(flow, &path.ending)))
        };
        out += &format!("  {shape}\n  {previous} --> {end}\n");
    }
    out
}
