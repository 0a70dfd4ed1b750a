//! A headers report as text, JSON (the pinned shape, version 1) or a Mermaid flow diagram
//! drawn like `trace`'s.

use serde_json::{json, Value};

use super::{HeadersFormat, Report, Visit};

pub fn render(report: &Report, format: HeadersFormat) -> String {
    match format {
        HeadersFormat::Text => text(report),
        HeadersFormat::Json => {
            let mut out = serde_json::to_string_pretty(&json_document(report)).expect("JSON serializes");
            out.push('\n');
            out
        }
        HeadersFormat::Mermaid => mermaid(report),
    }
}

/// The report as a JSON value with its text and diagram, for the editor command.
pub fn to_json(report: &Report) -> Value {
    let mut document = json_document(report);
    document["text"] = Value::String(text(report));
    document["mermaid"] = Value::String(mermaid(report));
    document
}

fn visit_json(visit: &Visit) -> Value {
    json!({"kind": visit.system.kind.key(), "vendor": visit.system.vendor(), "pass": visit.pass})
}

fn json_document(report: &Report) -> Value {
    let hops: Vec<Value> = report
        .hops
        .iter()
        .map(|hop| {
            json!({
                "from": hop.from,
                "by": hop.by,
                "with": hop.with,
                "time": hop.time.as_ref().map(|t| t.rfc3339.clone()),
                "system": {"kind": hop.system.kind.key(), "vendor": hop.system.vendor()},
                "pass": hop.pass,
            })
        })
        .collect();
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|d| json!({"code": d.code(), "severity": d.severity().as_str(), "message": d.message}))
        .collect();
    let mut document = json!({
        "version": 1,
        "hops": hops,
        "exchangePasses": report.exchange_passes,
        "services": report.services.iter().map(visit_json).collect::<Vec<_>>(),
        "findings": findings,
    });
    if let Some(prediction) = &report.prediction {
        document["prediction"] = json!({
            "sender": prediction.sender,
            "recipient": prediction.recipient,
            "services": prediction.services.iter().map(|p| json!({
                "kind": p.kind.key(),
                "vendor": p.vendor.map(|v| v.key()),
                "connector": p.connector,
                "pass": p.pass,
            })).collect::<Vec<_>>(),
            "exchangePasses": prediction.exchange_passes,
            "ending": prediction.ending,
            "likelyCause": prediction.likely_cause.as_ref().map(|(code, name, message)| json!({
                "code": code, "name": name, "message": message,
            })),
        });
    }
    document
}

fn hop_line(number: usize, hop: &super::Hop) -> String {
    let by = hop.by.as_deref().unwrap_or(if hop.comment_only { "(a line of comments only)" } else { "(no `by`)" });
    let mut line = format!("  {number:>2}. {by}  [{}]", hop.system.words());
    if let Some(from) = &hop.from {
        line += &format!("\n      from {from}");
    }
    if let Some(with) = &hop.with {
        line += &format!(" with {with}");
    }
    if let Some(time) = &hop.time {
        line += &format!("\n      at {}", time.rfc3339);
    }
    line.push('\n');
    line
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    if let (Some(from), Some(to)) = (&report.sender, &report.recipient) {
        out += &format!("A message from {from} to {to}\n");
    }
    out += "\nHops, oldest first:\n";
    let mut group: Option<(u32, Option<u32>)> = None;
    for (index, hop) in report.hops.iter().enumerate() {
        let this = (hop.trip, hop.pass);
        if group != Some(this) {
            out += &match this {
                (1, Some(pass)) => format!("Pass {pass} through Exchange Online and where it sent the message:\n"),
                (1, None) => "Before Exchange Online:\n".to_owned(),
                (trip, _) => format!("Later trip {trip} (not analysed):\n"),
            };
            group = Some(this);
        }
        out += &hop_line(index + 1, hop);
    }
    out += &format!(
        "\nExchange Online passes: {}\n",
        report.exchange_passes.map_or("unknown (the headers do not allow counting them)".to_owned(), |p| p.to_string())
    );
    out += "Services, in order:\n";
    if report.services.is_empty() {
        out += "  none seen\n";
    }
    for (index, visit) in report.services.iter().enumerate() {
        let pass = visit.pass.map_or(String::new(), |p| format!(" (after pass {p})"));
        let inferred = if visit.hops.is_empty() { ", known only from its hand-back" } else { "" };
        out += &format!("  {}. {}{pass}{inferred}\n", index + 1, visit.system.words());
    }
    if let Some(prediction) = &report.prediction {
        out += &format!(
            "\nThe file's prediction beside the headers (a message from {} {} to {}):\n",
            if prediction.from_inside { "inside" } else { "outside" },
            prediction.sender,
            prediction.recipient
        );
        let left: Vec<String> =
            prediction.services.iter().map(|p| format!("{} (pass {})", p.words(), p.pass)).collect();
        let right: Vec<String> = report
            .services
            .iter()
            .filter(|v| v.system.kind.is_routed_service())
            .map(|v| v.system.words() + &v.pass.map_or(String::new(), |p| format!(" (pass {p})")))
            .collect();
        let width = left.iter().map(|l| l.chars().count()).chain(["predicted by the file".len()]).max().unwrap_or(0);
        out += &format!("  {:<width$}  | {}\n", "predicted by the file", "observed in the headers");
        for row in 0..left.len().max(right.len()) {
            let l = left.get(row).map_or("", String::as_str);
            let r = right.get(row).map_or("", String::as_str);
            out += &format!("  {l:<width$}  | {r}\n");
        }
        let observed_passes = report.exchange_passes.map_or("unknown".to_owned(), |p| p.to_string());
        let passes = format!("Exchange Online passes: {}", prediction.exchange_passes);
        out += &format!("  {passes:<width$}  | Exchange Online passes: {observed_passes}\n");
        out += &format!("  {:<width$}  |\n", format!("ends: {}", prediction.ending));
        if prediction.ways > 1 {
            out += &format!("  (the file allows {} ways; the first is shown)\n", prediction.ways);
        }
        if let Some((code, name, message)) = &prediction.likely_cause {
            out += &format!("Likely cause in the file: {code} {name}: {message}\n");
        }
    }
    for note in &report.notes {
        out += &format!("Note: {note}\n");
    }
    out += "\n";
    if report.findings.is_empty() {
        out += "No findings.\n";
    } else {
        out += "Findings:\n";
        for finding in &report.findings {
            out += &format!(
                "  {} {} {}: {}\n",
                finding.code(),
                finding.severity().as_str(),
                finding.rule.name,
                finding.message
            );
        }
    }
    out
}

fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// The first trip as a left-to-right flow: the sender, each Exchange Online pass and the
/// services between them, then the end.
fn mermaid(report: &Report) -> String {
    let mut out = String::from("flowchart LR\n");
    let sender = report.sender.as_deref().map_or("Sender".to_owned(), |s| format!("Sender {s}"));
    out += &format!("  sender([\"{}\"])\n", label(&sender));
    let mut previous = "sender".to_owned();
    let passes = report.exchange_passes.unwrap_or(0);
    for pass in 1..=passes {
        let node = format!("p{pass}");
        out += &format!("  {node}[\"Exchange Online, pass {pass}\"]\n  {previous} --> {node}\n");
        previous = node;
        for (index, visit) in report.services.iter().enumerate().filter(|(_, v)| v.pass == Some(pass)) {
            let node = format!("s{index}");
            let shape = if visit.hops.is_empty() { ("[/\"", "\"/]") } else { ("[\"", "\"]") };
            out +=
                &format!("  {node}{}{}{}\n  {previous} --> {node}\n", shape.0, label(&visit.system.words()), shape.1);
            previous = node;
        }
    }
    let looped = report.findings.iter().any(|d| d.code() == "MF503");
    let end = if looped { "finish{{\"looped: NDR\"}}" } else { "finish([\"Recipient\"])" };
    out += &format!("  {end}\n  {previous} --> finish\n");
    out
}
