//! `mailflow export`: every example, in both syntaxes, becomes an apply script and a
//! Microsoft365DSC configuration that a PowerShell grammar (tree-sitter-powershell) parses
//! without an error; every text of the file comes back out of the parsed strings exactly as
//! PowerShell reads them, and nothing in them is expanded, whatever quotes, backticks, `$`
//! or non-ASCII characters names and values hold; Exchange's limits are enforced before a
//! script is written.

use std::path::{Path, PathBuf};

use mailflow::check::{check, Selection, Syntax};
use mailflow::convert::blockers;
use mailflow::tenant::{m365dsc_write, powershell_script, to_tenant, Kind, TenantObject, Value};
use tree_sitter::{Node, Parser, Tree};

fn examples() -> Vec<PathBuf> {
    let files = mail_flow_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"));
    assert!(files.len() >= 20, "the examples: {files:?}");
    files
}

/// The examples, and the setups translated from vendors' scripts and articles.
fn examples_and_real_world() -> Vec<PathBuf> {
    let mut files = examples();
    files.extend(mail_flow_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_world")));
    files
}

fn mail_flow_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".mailflow") || name.ends_with(".mailflow.yaml")
        })
        .collect();
    files.sort();
    files
}

/// The objects `text` describes (named `file`), after making sure it has no error that
/// export refuses.
fn objects(text: &str, syntax: Syntax, file: &str) -> Vec<TenantObject> {
    let checked = check(text, syntax, &Selection::default());
    assert_eq!(blockers(&checked), [], "{file} has errors");
    let objects = to_tenant::objects(&checked.flow, file);
    let problems: Vec<String> = powershell_script::problems(&objects).iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{file}: {problems:#?}");
    objects
}

fn example_objects(path: &Path) -> Vec<TenantObject> {
    let text = std::fs::read_to_string(path).unwrap();
    let folder = path.parent().unwrap().file_name().unwrap().to_string_lossy();
    let file = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
    objects(&text, Syntax::of_path(path), &file)
}

/// `script` parsed by tree-sitter-powershell, which must find no ERROR and no MISSING node.
fn parse(script: &str, what: &str) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(&tree_sitter_powershell::LANGUAGE.into()).unwrap();
    let tree = parser.parse(script, None).unwrap();
    let mut bad = Vec::new();
    walk(tree.root_node(), &mut |node| {
        if node.is_error() || node.is_missing() {
            let line = script.lines().nth(node.start_position().row).unwrap_or("");
            bad.push(format!("{} at {}: {line}", node.kind(), node.start_position()));
        }
    });
    assert!(bad.is_empty(), "{what} does not parse as PowerShell:\n{}\n\n{script}", bad.join("\n"));
    tree
}

fn walk<'t>(node: Node<'t>, visit: &mut impl FnMut(Node<'t>)) {
    visit(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, visit);
    }
}

/// Whether PowerShell reads `c` as a single quote (its language specification, 2.3.5.2).
fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// A single-quoted string as PowerShell reads it: a quote followed by a quote is the second.
fn read_single_quoted(literal: &str) -> String {
    let inner: Vec<char> = literal.chars().collect();
    assert!(inner.len() >= 2 && is_single_quote(inner[0]) && is_single_quote(inner[inner.len() - 1]), "{literal}");
    let mut text = String::new();
    let mut chars = inner[1..inner.len() - 1].iter().copied().peekable();
    while let Some(c) = chars.next() {
        if is_single_quote(c) {
            let next = chars.next().unwrap_or_else(|| panic!("a lone quote ends {literal} early"));
            assert!(is_single_quote(next), "a lone quote ends {literal} early");
            text.push(next);
        } else {
            text.push(c);
        }
    }
    text
}

/// A double-quoted string as PowerShell reads it, for one whose only escapes are a
/// backtick before the character it keeps; it must expand nothing.
fn read_double_quoted(literal: &str) -> String {
    let inner = literal.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap();
    let mut text = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '`' => text.push(chars.next().unwrap()),
            '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '$' => panic!("`{c}` unescaped in {literal}"),
            c => text.push(c),
        }
    }
    text
}

/// Every string of the parsed script, as PowerShell reads it; `expandable` strings (double
/// quoted) must not expand a variable or a subexpression, but in the `allowed` lines.
fn strings(script: &str, tree: &Tree, allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    walk(tree.root_node(), &mut |node| {
        let text = &script[node.byte_range()];
        match node.kind() {
            "verbatim_string_characters" => found.push(read_single_quoted(text)),
            "expandable_string_literal" => {
                let mut cursor = node.walk();
                let expands = node.children(&mut cursor).any(|c| matches!(c.kind(), "variable" | "sub_expression"));
                if expands {
                    let line = script.lines().nth(node.start_position().row).unwrap();
                    assert!(allowed.iter().any(|a| line.contains(a)), "a string expands something: {line}");
                } else {
                    found.push(read_double_quoted(text));
                }
            }
            _ => {}
        }
    });
    found
}

/// Every text among the objects' values.
fn texts(objects: &[TenantObject]) -> Vec<String> {
    fn of(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Text(text) if !text.is_empty() => out.push(text.clone()),
            Value::List(items) => items.iter().for_each(|item| of(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for object in objects.iter().filter(|o| o.kind != Kind::AcceptedDomain) {
        for (_, value) in &object.properties {
            of(value, &mut out);
        }
    }
    out
}

/// Where `needle` starts in `script`, which must hold it.
fn at(script: &str, needle: &str) -> usize {
    script.find(needle).unwrap_or_else(|| panic!("`{needle}` is not in the script"))
}

#[test]
fn every_example_exports_to_both_formats_and_parses() {
    for path in examples_and_real_world() {
        let objects = example_objects(&path);
        let name = path.display().to_string();
        for prune in [false, true] {
            let script = powershell_script::script(&objects, prune);
            let tree = parse(&script, &format!("the apply script of {name} (prune: {prune})"));
            let strings = strings(
                &script,
                &tree,
                &["Write-Warning \"Transport rule '$name'", "Write-Warning \"Outbound connector '$name'"],
            );
            for text in texts(&objects) {
                assert!(strings.contains(&text), "{name}: `{text}` is not among the script's strings");
            }
            assert!(script.contains("[CmdletBinding(SupportsShouldProcess)]\nparam()\n"), "{name}");
            assert!(script.contains("$ErrorActionPreference = 'Stop'\n"), "{name}");
            assert_eq!(script.contains("Remove-TransportRule"), prune, "{name}");
            assert_eq!(script.contains("Remove-OutboundConnector"), prune, "{name}");
            // Every change is asked about first, and done only then.
            for line in script.lines().filter(|line| {
                ["New-", "Set-", "Enable-", "Disable-", "Remove-"]
                    .iter()
                    .any(|verb| line.trim_start().starts_with(verb))
            }) {
                assert!(line.starts_with("        ") || line.starts_with("    "), "{name}: not guarded: {line}");
            }
            assert_eq!(
                script.matches("$PSCmdlet.ShouldProcess(").count(),
                script
                    .lines()
                    .filter(|line| {
                        let line = line.trim_start();
                        ["New-", "Set-", "Enable-", "Disable-", "Remove-"].iter().any(|verb| line.starts_with(verb))
                    })
                    .count(),
                "{name}: one ShouldProcess per change"
            );
        }
        let configuration = m365dsc_write::configuration(&objects);
        let tree = parse(&configuration, &format!("the Microsoft365DSC configuration of {name}"));
        let strings = strings(&configuration, &tree, &[]);
        for text in texts(&objects) {
            assert!(strings.contains(&text), "{name}: `{text}` is not among the configuration's strings");
        }
        for object in objects.iter().filter(|o| o.kind != Kind::AcceptedDomain) {
            let resource = match object.kind {
                Kind::OutboundConnector => "EXOOutboundConnector",
                _ => "EXOTransportRule",
            };
            let title = format!(
                "{resource} {}",
                m365dsc_write::double_quoted(&format!("{resource}-{}", object.name().unwrap()))
            );
            assert!(configuration.contains(&title), "{name}: no block `{title}`");
        }
    }
}

#[test]
fn connectors_come_first_then_rules_by_priority_then_their_states() {
    for path in examples_and_real_world() {
        let objects = example_objects(&path);
        let script = powershell_script::script(&objects, false);
        let mut last = 0;
        let connectors = objects.iter().filter(|o| o.kind == Kind::OutboundConnector);
        let rules = objects.iter().filter(|o| o.kind == Kind::TransportRule);
        for object in connectors.chain(rules.clone()) {
            let kind = if object.kind == Kind::OutboundConnector { "Outbound connector" } else { "Transport rule" };
            let place =
                at(&script, &format!("\n# {kind} {}", powershell_script::single_quoted(object.name().unwrap())));
            assert!(place > last, "{}: {kind} {:?} is out of order", path.display(), object.name());
            last = place;
        }
        for rule in rules {
            let name = powershell_script::single_quoted(rule.name().unwrap());
            let state = at(&script, &format!("$rule = Get-TransportRule -Identity {name}"));
            assert!(state > last, "{}: the state of {name} is not set last", path.display());
            let enabled = rule.get("Enabled") != Some(&Value::Bool(false));
            let verb = if enabled { "Enable-TransportRule" } else { "Disable-TransportRule" };
            assert!(script[state..].contains(&format!("{verb} -Identity {name}")), "{}: {verb} {name}", path.display());
        }
    }
}

#[test]
fn yaml_and_dsl_twins_export_the_same_script() {
    for path in examples_and_real_world().into_iter().filter(|p| p.to_string_lossy().ends_with(".mailflow.yaml")) {
        let twin = path.with_extension("");
        let (yaml, dsl) = (example_objects(&path), example_objects(&twin));
        let file = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        let same = |text: String, p: &Path| text.replace(&file(p), "FILE");
        assert_eq!(
            same(powershell_script::script(&yaml, true), &path),
            same(powershell_script::script(&dsl, true), &twin),
            "{}",
            path.display()
        );
        assert_eq!(
            same(m365dsc_write::configuration(&yaml), &path),
            same(m365dsc_write::configuration(&dsl), &twin),
            "{}",
            path.display()
        );
    }
}

#[test]
fn snapshots_of_the_scripts() {
    let example = |name: &str| example_objects(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name));
    let codetwo = example("codetwo-mimecast.mailflow.yaml");
    insta::assert_snapshot!("codetwo-mimecast.ps1", powershell_script::script(&codetwo, false));
    insta::assert_snapshot!("codetwo-mimecast.m365dsc.ps1", m365dsc_write::configuration(&codetwo));
    let two = example("two-smart-hosts.mailflow");
    insta::assert_snapshot!("two-smart-hosts.prune.ps1", powershell_script::script(&two, true));
}

/// `text` as a YAML double-quoted scalar.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `start` padded with `-` to exactly 64 characters.
fn sixty_four(start: &str) -> String {
    let mut name = start.to_owned();
    while name.chars().count() < 64 {
        name.push('-');
    }
    assert_eq!(name.chars().count(), 64);
    name
}

/// A file whose names and values hold every character PowerShell might read otherwise.
fn hostile(rule_name: &str) -> String {
    let connector = sixty_four("Relay 'single' \"double\" `tick` $env:USERNAME ’curly’ “dq” é 日本");
    let value = "a'b\"c`d$e’f“g”h $(Get-Date) ${x} @(1) #not a comment";
    let comments = "line one\nline two with 'quotes', $(Get-Date), `backticks` and “curly” ‘ones’\r\n\u{2028}é 😀";
    format!(
        "mailflow: 1\n\
         organization: {{domains: [contoso.com]}}\n\
         connectors:\n  - name: {connector}\n    type: on-premises\n    use: transport-rule\n    smartHosts: [relay.example.com]\n\
         transportRules:\n  - name: {rule}\n    priority: 0\n    conditions:\n      senderIs: inside\n      senderDomainIs: [{d1}, {d2}]\n\
         \x20   exceptions:\n      headerContains: {{header: X-Loop, words: [{w1}, {w2}, {w3}]}}\n\
         \x20   actions:\n      setHeader: {{name: X-Loop, value: {value}}}\n      redirectToConnector: {connector}\n\
         \x20   comments: {comments}\n",
        connector = yaml_quoted(&connector),
        rule = yaml_quoted(rule_name),
        d1 = yaml_quoted("o'brien.example"),
        d2 = yaml_quoted("$x.example"),
        w1 = yaml_quoted("it's"),
        w2 = yaml_quoted("`$"),
        w3 = yaml_quoted("\"é\""),
        value = yaml_quoted(value),
        comments = yaml_quoted(comments),
    )
}

#[test]
fn quotes_backticks_dollars_and_non_ascii_are_written_as_powershell_reads_them() {
    let rule_name = sixty_four("It's $(Get-Date) `n \"q\" ‘x’ ünïcødé 😀");
    let objects = objects(&hostile(&rule_name), Syntax::Yaml, "hostile 'file' `$x`\nname.mailflow.yaml");
    let texts = texts(&objects);
    assert!(texts.contains(&rule_name) && texts.iter().any(|t| t.contains("line two")), "{texts:#?}");
    for prune in [false, true] {
        let script = powershell_script::script(&objects, prune);
        let tree = parse(&script, "the apply script of the hostile file");
        let strings = strings(
            &script,
            &tree,
            &["Write-Warning \"Transport rule '$name'", "Write-Warning \"Outbound connector '$name'"],
        );
        for text in &texts {
            assert!(strings.contains(text), "`{text}` does not come back out of the script:\n{script}");
        }
        // The file's name and the comments' line breaks stay inside the header's comments.
        assert!(script.contains("`$x`\\u{A}name.mailflow.yaml"), "{script}");
        assert!(script.contains("line one\\u{A}line two"), "{script}");
    }
    let configuration = m365dsc_write::configuration(&objects);
    let tree = parse(&configuration, "the Microsoft365DSC configuration of the hostile file");
    let strings = strings(&configuration, &tree, &[]);
    for text in &texts {
        assert!(strings.contains(text), "`{text}` does not come back out of the configuration:\n{configuration}");
    }
    assert!(strings.contains(&format!("EXOTransportRule-{rule_name}")), "{configuration}");
}

#[test]
fn names_past_64_characters_are_refused_naming_the_object() {
    let name = format!("{}x", sixty_four("Too long"));
    let checked = check(&hostile(&name), Syntax::Yaml, &Selection::default());
    assert_eq!(blockers(&checked), []);
    let objects = to_tenant::objects(&checked.flow, "long.mailflow.yaml");
    let problems: Vec<String> = powershell_script::problems(&objects).iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains(&format!("`{name}`")), "{}", problems[0]);
    assert!(problems[0].contains("`Name`: has 65 characters; Exchange allows at most 64"), "{}", problems[0]);
}

#[test]
fn prune_lists_what_it_removes_before_changing_anything() {
    let objects =
        example_objects(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/codetwo-mimecast.mailflow.yaml"));
    let script = powershell_script::script(&objects, true);
    let listed = at(&script, "Write-Warning \"Transport rule '$name' is not in the file");
    let first_change = at(&script, "New-OutboundConnector @parameters");
    assert!(listed < first_change);
    let removed = at(&script, "Remove-TransportRule -Identity $name");
    assert!(removed > at(&script, "Enable-TransportRule -Identity"));
    assert!(at(&script, "Remove-OutboundConnector -Identity $name") > removed);
    assert!(
        script.contains("$fileRules = @('CodeTwo Exchange transport rule', 'Route outbound mail through Mimecast')")
    );
    let plain = powershell_script::script(&objects, false);
    assert!(!plain.contains("Remove-") && !plain.contains("$extraRules"));
}
