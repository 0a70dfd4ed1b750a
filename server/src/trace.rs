//! The simulated path of one message, pass by pass, as text, JSON or a Mermaid flow
//! diagram: what `mailflow trace` prints and the editor command `mailflow.trace` returns.
//! Beside the ordinary message, the text and JSON follow each class of message the file's
//! rules tell apart (an Out of Office reply, the null sender, a size, a group), and say for
//! each that leaves unsigned why: out of the signature scope by the signature rule's own
//! conditions and exceptions, or not.

use serde_json::{json, Value};

use crate::analysis::simulate::{
    Class, Ending, Message, Path, Route, SignatureScope, Simulator, MAX_BRANCHES, UNNAMED_DOMAIN,
};
use crate::model::{Compilation, MailFlow, ServiceKind};
use crate::rules::simulation_wording::{describe_message, out_of_scope_words};
use crate::syntax::Syntax;
use crate::text::visible;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    Text,
    Json,
    Mermaid,
}

/// How many bytes of a trace show ways in full: past it, each further way is summed up in
/// a line (its passes and its end), so that a file whose unknown conditions branch into
/// [`MAX_BRANCHES`] ways of hundreds of rules each still has a trace one can read and send.
const FULL_WAYS_BYTES: usize = 256 * 1024;

pub fn default_recipient() -> String {
    format!("user@{UNNAMED_DOMAIN}")
}

/// One class of the message traced: the message, whether the signature rule means to take
/// it, and its paths.
struct Followed {
    message: Message,
    scope: SignatureScope,
    paths: Vec<Path>,
    /// Ways the simulator's branch cap kept it from following (0: every way is shown).
    cut: usize,
}

/// `message` (an ordinary one) and every other class of it the rules tell apart, from the
/// same origin to the same recipient.
fn follow(flow: &MailFlow, message: &Message) -> Vec<Followed> {
    let simulator = Simulator::new(flow);
    simulator
        .classes()
        .iter()
        .filter(|class| match class {
            Class::MemberOf(_) => message.from_inside,
            Class::From(address) => simulator.inside_address(address) == message.from_inside,
            _ => true,
        })
        .map(|class| {
            let message = Message { class: class.clone(), ..message.clone() };
            let (paths, cut) = simulator.run_counted(&message);
            Followed { scope: simulator.signature_scope(&message), paths, cut, message }
        })
        .collect()
}

pub fn render(flow: &MailFlow, message: &Message, format: TraceFormat, syntax: Syntax) -> String {
    let followed = follow(flow, message);
    match format {
        TraceFormat::Text => text_of_all(flow, &followed, syntax),
        TraceFormat::Json => {
            let document = json_of_all(flow, &followed, syntax);
            let mut out = serde_json::to_string_pretty(&document).expect("JSON serializes");
            out.push('\n');
            out
        }
        TraceFormat::Mermaid => mermaid(flow, message, &followed[0].paths),
    }
}

/// The trace as a JSON value, for the editor command.
pub fn to_json(flow: &MailFlow, message: &Message, syntax: Syntax) -> Value {
    let followed = follow(flow, message);
    let mut document = json_of_all(flow, &followed, syntax);
    document["text"] = Value::String(text_of_all(flow, &followed, syntax));
    document["mermaid"] = Value::String(mermaid(flow, message, &followed[0].paths));
    document
}

/// Whether a path took the message through a signature service it could sign.
fn signed(flow: &MailFlow, path: &Path) -> bool {
    path.passes.iter().any(|pass| {
        !pass.encrypted
            && pass.connector().is_some_and(|c| {
                flow.connectors[c].service.as_ref().is_some_and(|s| s.kind.value == ServiceKind::Signature)
            })
    })
}

/// Why a class of message leaves without a signature, when some way of it does and the file
/// has a signature rule.
fn unsigned_words(flow: &MailFlow, followed: &Followed, syntax: Syntax) -> Option<String> {
    let leaves_unsigned = followed.paths.iter().any(|path| !signed(flow, path) && !path.ending.is_loop());
    let outside_recipient = !matches!(followed.paths.first()?.passes.last()?.route, Route::Mailbox);
    if !leaves_unsigned || !followed.message.from_inside || !outside_recipient {
        return None;
    }
    match &followed.scope {
        SignatureScope::NoSignatureRule => None,
        SignatureScope::Out(out) => {
            Some(format!("out of the signature scope: {}", out_of_scope_words(flow, out, syntax)))
        }
        SignatureScope::In => Some("in the signature scope, but it never reaches the signature service".to_owned()),
    }
}

/// A text pattern of a rule the tool cannot evaluate: the simulation follows the rule's
/// test of it both ways.
struct NotEvaluated<'f> {
    rule: &'f str,
    pattern: &'f str,
    /// Whether .NET (and so Exchange) accepts the pattern.
    valid: bool,
    why: &'f str,
}

/// The patterns of the file's rules the tool cannot evaluate: valid .NET the engine has no
/// equivalent of, and patterns .NET rejects (MF011).
fn not_evaluated(flow: &MailFlow) -> Vec<NotEvaluated<'_>> {
    let mut found = Vec::new();
    for rule in &flow.rules {
        for pattern in rule.conditions.patterns().chain(rule.exceptions.patterns()) {
            let (valid, why) = match pattern.compilation() {
                Compilation::Evaluated { .. } => continue,
                Compilation::NotEvaluated { why } => (true, why),
                Compilation::Invalid { error } => (false, error),
            };
            found.push(NotEvaluated { rule: rule.name(), pattern: &pattern.source.value, valid, why });
        }
    }
    found
}

fn not_evaluated_text(flow: &MailFlow, out: &mut Lines) {
    let patterns = not_evaluated(flow);
    if patterns.is_empty() {
        return;
    }
    out.blank();
    out.line("Patterns mailflow cannot evaluate, followed both ways (a rule that tests one may apply):");
    for p in patterns {
        let what = if p.valid { "valid .NET, but" } else { "not a valid .NET regular expression (MF011):" };
        out.line(format!("  rule `{}`: `{}`: {what} {}", p.rule, p.pattern, p.why));
    }
}

fn text_of_all(flow: &MailFlow, followed: &[Followed], syntax: Syntax) -> String {
    let mut out = Lines::default();
    for (index, class) in followed.iter().enumerate() {
        if index == 1 {
            out.blank();
            out.line("The rules tell these messages apart too:");
        }
        if index > 0 {
            out.blank();
        }
        text(flow, &class.message, &class.paths, &mut out);
        if let Some(words) = cut_words(class.cut) {
            out.blank();
            out.line(words);
        }
        if let Some(why) = unsigned_words(flow, class, syntax) {
            out.line(format!("Leaves unsigned: {why}"));
        }
    }
    not_evaluated_text(flow, &mut out);
    out.0
}

/// The text of a trace, written line by line. Each line is escaped whole ([`shown`]): its
/// own words have no control character, so the escapes are of the names and values in it,
/// and the trace's line feeds are the only ones it prints, whatever a name holds.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, line: impl AsRef<str>) {
        self.0 += &visible(line.as_ref());
        self.0.push('\n');
    }

    fn blank(&mut self) {
        self.0.push('\n');
    }
}

fn json_of_all(flow: &MailFlow, followed: &[Followed], syntax: Syntax) -> Value {
    let mut full_bytes = 0;
    let mut with_scope = |class: &Followed| {
        let mut document = json_document(flow, &class.message, &class.paths, &mut full_bytes);
        document["signatureScope"] = match &class.scope {
            SignatureScope::NoSignatureRule => Value::Null,
            SignatureScope::In => json!({"in": true}),
            SignatureScope::Out(out) => json!({"in": false, "why": out_of_scope_words(flow, out, syntax)}),
        };
        document["unsigned"] = unsigned_words(flow, class, syntax).map_or(Value::Null, Value::String);
        if class.cut > 0 {
            document["cut"] = json!({"ways": class.cut, "description": cut_words(class.cut)});
        }
        document
    };
    let mut document = with_scope(&followed[0]);
    let others: Vec<Value> = followed[1..].iter().map(&mut with_scope).collect();
    if !others.is_empty() {
        document["classes"] = Value::Array(others);
    }
    let patterns: Vec<Value> = not_evaluated(flow)
        .into_iter()
        .map(|p| json!({"rule": p.rule, "pattern": p.pattern, "validDotnet": p.valid, "why": p.why}))
        .collect();
    if !patterns.is_empty() {
        document["patternsNotEvaluated"] = Value::Array(patterns);
    }
    document
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
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
        Ending::TakenAway { rule } => format!("taken away by rule `{}`", flow.rules[*rule].name()),
    }
}

/// What the branch cap left out of a message's ways, if it cut any.
fn cut_words(cut: usize) -> Option<String> {
    (cut > 0).then(|| {
        format!(
            "Not followed: at least {cut} more way{} (conditions mailflow cannot evaluate branch more than the {MAX_BRANCHES} ways it follows per message)",
            if cut == 1 { "" } else { "s" }
        )
    })
}

fn text(flow: &MailFlow, message: &Message, paths: &[Path], out: &mut Lines) {
    match message.class {
        Class::Ordinary => out.line(format!("A message from {} to {}", origin(message), message.to)),
        _ => out.line(capitalised(&describe_message(message))),
    }
    for (index, path) in paths.iter().enumerate() {
        if out.0.len() > FULL_WAYS_BYTES {
            let passes = path.passes.len();
            out.line(format!(
                "Way {} of {}: {passes} pass{}, ends: {} (shown in brief: the trace is past its size for ways in full)",
                index + 1,
                paths.len(),
                if passes == 1 { "" } else { "es" },
                ending_words(flow, &path.ending)
            ));
            continue;
        }
        if paths.len() > 1 {
            out.blank();
            out.line(format!(
                "Way {} of {}{}",
                index + 1,
                paths.len(),
                if path.uncertain { " (depends on a condition mailflow cannot evaluate)" } else { "" }
            ));
        }
        for pass in &path.passes {
            out.line(format!("Pass {} through Exchange Online:", pass.number));
            if pass.applied.is_empty() {
                out.line("  no rule applies");
            }
            for applied in &pass.applied {
                let rule = &flow.rules[applied.rule];
                let priority = rule.priority.as_ref().map_or("?".into(), |p| p.value.to_string());
                out.line(format!(
                    "  rule `{}` (priority {priority}) {}",
                    rule.name(),
                    if applied.uncertain { "may apply" } else { "applies" }
                ));
            }
            for (name, value) in &pass.set_headers {
                out.line(format!("  sets {name}: {value}"));
            }
            if let Some(stopper) = pass.stopped_by {
                out.line(format!("  `{}` stops processing more rules", flow.rules[stopper].name()));
            }
            out.line(match pass.route {
                Route::Rule { rule, connector } => format!(
                    "  -> connector `{}` (redirected by `{}`): {}",
                    flow.connectors[connector].name(),
                    flow.rules[rule].name(),
                    service_words(flow, connector, Some(&path.ending))
                ),
                Route::RecipientDomains { connector } => format!(
                    "  -> connector `{}` (its recipient domains match): {}",
                    flow.connectors[connector].name(),
                    service_words(flow, connector, Some(&path.ending))
                ),
                Route::Mx => "  -> the recipient's MX".to_owned(),
                Route::Mailbox => "  -> the recipient's mailbox".to_owned(),
                Route::TakenAway { rule } => {
                    format!("  -> taken away by `{}` (it does not go on as it was)", flow.rules[rule].name())
                }
            });
        }
        out.line(format!("Ends: {}", ending_words(flow, &path.ending)));
    }
}

/// The JSON of `message`'s ways. `full_bytes` counts the bytes of the ways given in full so
/// far in the trace: past [`FULL_WAYS_BYTES`], a way is given in brief (`"brief": true`), its
/// passes with their number and route only.
fn json_document(flow: &MailFlow, message: &Message, paths: &[Path], full_bytes: &mut usize) -> Value {
    let paths: Vec<Value> = paths
        .iter()
        .map(|path| {
            let brief = *full_bytes > FULL_WAYS_BYTES;
            let passes: Vec<Value> = path
                .passes
                .iter()
                .map(|pass| {
                    let route = match pass.route {
                        Route::Rule { rule, connector } => json!({"kind": "rule", "rule": flow.rules[rule].name(), "connector": flow.connectors[connector].name()}),
                        Route::RecipientDomains { connector } => json!({"kind": "recipient-domains", "connector": flow.connectors[connector].name()}),
                        Route::Mx => json!({"kind": "mx"}),
                        Route::Mailbox => json!({"kind": "mailbox"}),
                        Route::TakenAway { rule } => json!({"kind": "taken-away", "rule": flow.rules[rule].name()}),
                    };
                    if brief {
                        return json!({"number": pass.number, "route": route});
                    }
                    json!({
                        "number": pass.number,
                        "rulesApplied": pass.applied.iter().map(|a| json!({
                            "name": flow.rules[a.rule].name(),
                            "priority": flow.rules[a.rule].priority.as_ref().map(|p| p.value),
                            "uncertain": a.uncertain,
                        })).collect::<Vec<_>>(),
                        "headersSet": pass.set_headers.iter().map(|(n, v)| json!({"name": &**n, "value": &**v})).collect::<Vec<_>>(),
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
                Ending::TakenAway { .. } => ("taken-away", None),
            };
            let mut way = json!({
                "uncertain": path.uncertain,
                "passes": passes,
                "ending": {
                    "kind": kind,
                    "connector": connector.map(|c| flow.connectors[c].name()),
                    "description": ending_words(flow, &path.ending),
                },
            });
            match brief {
                true => way["brief"] = Value::Bool(true),
                false => *full_bytes += way.to_string().len(),
            }
            way
        })
        .collect();
    let mut described = json!({"from": origin(message), "to": message.to});
    if message.class != Class::Ordinary {
        described["kind"] = Value::String(describe_message(message));
    }
    json!({"message": described, "paths": paths})
}

/// Escapes text for a Mermaid node label: its control characters as in the text
/// ([`shown`]), so that a name cannot end the label's line, and its quotes as Mermaid's.
fn label(text: &str) -> String {
    visible(text).replace('"', "#quot;")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Selection};

    /// A smart host rule whose exception tests a pattern the tool cannot evaluate (a
    /// balancing group is valid .NET the engine has no equivalent of), and one .NET rejects.
    const FILE: &str = r#"mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {kind: smart-host, vendor: mimecast}
transportRules:
  - name: Mimecast smart host
    priority: 0
    conditions: {senderIs: inside, recipientIs: outside}
    exceptions: {recipientAddressMatches: ['(?<open>x)(?<close-open>y)']}
    actions: {redirectToConnector: Mimecast outbound}
  - name: Partner mail
    priority: 1
    conditions: {recipientAddressMatches: ['@fabrikam\.(com']}
    actions: {setHeader: {name: X-Partner, value: "yes"}}
"#;

    fn traced(format: TraceFormat) -> String {
        let checked = check(FILE, Syntax::Yaml, &Selection::default());
        render(&checked.flow, &Message::ordinary(true, "user@fabrikam.com"), format, Syntax::Yaml)
    }

    #[test]
    fn a_pattern_the_tool_cannot_evaluate_is_followed_both_ways_and_named() {
        let text = traced(TraceFormat::Text);
        assert!(text.contains("rule `Mimecast smart host` (priority 0) may apply"), "{text}");
        assert!(text.contains("Way 1 of 2 (depends on a condition mailflow cannot evaluate)"), "{text}");
        let listed = "\nPatterns mailflow cannot evaluate, followed both ways (a rule that tests one may apply):\n  \
            rule `Mimecast smart host`: `(?<open>x)(?<close-open>y)`: valid .NET, but a balancing group \
            (`(?<name-other>…)`), which the engine has no equivalent of\n  \
            rule `Partner mail`: `@fabrikam\\.(com`: not a valid .NET regular expression (MF011): unterminated group: \
            the `(` at character 12 is never closed\n";
        assert!(text.ends_with(listed), "{text}");
        let json: Value = serde_json::from_str(&traced(TraceFormat::Json)).unwrap();
        assert_eq!(
            json["patternsNotEvaluated"][0],
            json!({
                "rule": "Mimecast smart host",
                "pattern": "(?<open>x)(?<close-open>y)",
                "validDotnet": true,
                "why": "a balancing group (`(?<name-other>…)`), which the engine has no equivalent of",
            })
        );
        assert_eq!(json["patternsNotEvaluated"][1]["validDotnet"], json!(false));
    }

    /// A trace of a file whose rule, connector and header are named `name` (a YAML scalar).
    fn trace_named(name: &str, format: TraceFormat) -> String {
        let file = format!(
            "mailflow: 1
organization: {{domains: [contoso.com]}}
connectors:
  - name: {name}
    use: transport-rule
    service: {{kind: smart-host, vendor: mimecast}}
transportRules:
  - name: {name}
    priority: 0
    conditions: {{senderIs: inside, recipientIs: outside, recipientAddressMatches: ['(?<open>x)(?<close-open>y)']}}
    actions:
      setHeader: {{name: {name}, value: {name}}}
      redirectToConnector: {name}
"
        );
        let checked = check(&file, Syntax::Yaml, &Selection::default());
        render(&checked.flow, &Message::ordinary(true, "user@fabrikam.com"), format, Syntax::Yaml)
    }

    /// Names with control characters (a line feed that would start a line of its own, an
    /// escape sequence, a C1 control, a right-to-left override) read in the text and the
    /// Mermaid diagram as names written with those escapes do: the trace's own line feeds
    /// are the only ones.
    #[test]
    fn control_characters_in_names_are_escaped_in_text_and_mermaid() {
        let crafted = r#""ev\nWay 9\r\t\x1b[2K\x9b\u202e""#;
        let written = r#"'ev\nWay 9\r\t\u{1b}[2K\u{9b}\u{202e}'"#;
        for format in [TraceFormat::Text, TraceFormat::Mermaid] {
            let traced = trace_named(crafted, format);
            assert!(!traced.chars().any(|c| c != '\n' && (c.is_control() || c == '\u{202e}')), "{traced}");
            assert_eq!(traced, trace_named(written, format));
        }
        let text = trace_named(crafted, TraceFormat::Text);
        assert!(
            text.contains("  rule `ev\\nWay 9\\r\\t\\u{1b}[2K\\u{9b}\\u{202e}` (priority 0) may apply\n"),
            "{text}"
        );
        // JSON keeps the names as they are: its strings escape what they must.
        let json: Value = serde_json::from_str(&trace_named(crafted, TraceFormat::Json)).unwrap();
        assert_eq!(json["paths"][0]["passes"][0]["rulesApplied"][0]["name"], "ev\nWay 9\r\t\x1b[2K\u{9b}\u{202e}");
    }

    #[test]
    fn a_file_whose_patterns_are_all_evaluated_says_nothing_of_them() {
        let file = FILE.replace("(?<open>x)(?<close-open>y)", r"^[a-z-[aeiou]]+@").replace(r"\.(com", r"\.com");
        let checked = check(&file, Syntax::Yaml, &Selection::default());
        let message = Message::ordinary(true, "user@fabrikam.com");
        assert!(!render(&checked.flow, &message, TraceFormat::Text, Syntax::Yaml).contains("cannot evaluate"));
        let json: Value =
            serde_json::from_str(&render(&checked.flow, &message, TraceFormat::Json, Syntax::Yaml)).unwrap();
        assert_eq!(json.get("patternsNotEvaluated"), None);
    }
}
