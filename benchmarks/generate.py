#!/usr/bin/env python3
"""Large mail-flow files of the shapes that once made `mailflow check` quadratic (issues 14
and 15): many accepted domains, many recipient domains on a connector, many connectors.

    python3 benchmarks/generate.py SHAPE N [--dsl] > FILE

Shapes (each adds to the usual CodeTwo signature rule and Mimecast smart host rule):

    domains N            N accepted domains and a partner connector listing N recipient
                         domains (2N domains named in all)
    accepted-domains N   N accepted domains
    recipient-domains N  a partner connector listing N recipient domains
    connectors N         N partner connectors, each listing its own recipient domain, and
                         one rule redirecting to each of the first 100 of them
    rules-domains N      the 300 rules of benchmarks/lsp_latency.py (each with a pattern on
                         the recipient's address), N accepted domains and a partner
                         connector listing N recipient domains
    rules-block N        N rules written in block style (each mapping on lines of its own),
                         with no finding
    rules-flow N         the same rules in flow style (`conditions: {senderIs: inside}`),
                         as many examples are written
    rules-block-findings N, rules-flow-findings N
                         the same, each rule with one finding (a header name ending in a
                         colon, MF010) and every 100th rule named as the one before it
                         (MF005, with the first name as related information)
    rules-json-line N, rules-json-line-findings N
                         the file of rules-block (or rules-block-findings) as JSON on one
                         line, as `ConvertTo-Json -Compress` writes it
    rules-in-brackets N  the file of rules-block in block style with its rules in a list in
                         brackets, a rule a line in flow style
    suppressions N       rules-block-findings N with a suppression of its finding above each
                         rule (`# mailflow: ignore[MF010]`)
    same-names N         rules-block-findings N with every rule named alike: each rule's
                         MF005 points back at the first (the human report's snippets)
    stress N             the simulator's stress file: N rules in all, each past the usual
                         two with a condition mailflow cannot evaluate (`other`), stamping
                         a header; every third excepting the header the one before it
                         stamps, every fifth redirecting to a gateway that hands mail back
    header-exceptions N  a rule with an `other` condition redirecting to a gateway that hands
                         mail back, and N rules with an `other` condition, each stamping a
                         header and excepting mail that already has it
    repository N         not a file but a folder (give it with --into FOLDER): N files of
                         30 rules each (rules-block 30), three to a subfolder

`--dsl` prints the same file in the DSL (through `mailflow convert`, so it needs the
binary: $MAILFLOW_BIN or target/release/mailflow).

Measure with a release build, e.g.

    cargo build --release -p mailflow
    python3 benchmarks/generate.py domains 10000 > /tmp/domains.mailflow.yaml
    time target/release/mailflow check /tmp/domains.mailflow.yaml

or run `python3 benchmarks/check_scaling.py`, which times every shape at N and 4N, or
`python3 benchmarks/run.py`, which prints every command-line figure of issue 15 (time,
processor time, peak memory, trace size) with its shape.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

SHAPES = (
    "domains",
    "accepted-domains",
    "recipient-domains",
    "connectors",
    "rules-domains",
    "unknown-headers",
    "domain-exceptions",
    "stress",
    "header-exceptions",
    "rules-block",
    "rules-flow",
    "rules-block-findings",
    "rules-flow-findings",
    "rules-json-line",
    "rules-json-line-findings",
    "rules-in-brackets",
    "suppressions",
    "same-names",
)

HEAD = """mailflow: 1
organization:
  name: Contoso
  domains:
    - contoso.com
{accepted}connectors:
  - name: CodeTwo Email Signatures 365 connector
    type: on-premises
    use: transport-rule
    smartHosts: [1a2b3c.smtp.codetwo.online]
    service: {{kind: signature, vendor: codetwo, domain: 1a2b3c.smtp.codetwo.online}}
  - name: Mimecast outbound
    use: transport-rule
    smartHosts: [eu-smtp-o365-outbound-1.mimecast.com]
    service: {{kind: smart-host, vendor: mimecast, returnsToExchange: false}}
{connectors}transportRules:
  - name: CodeTwo Exchange transport rule
    priority: 0
    conditions: {{senderIs: inside}}
    exceptions:
      headerContains: {{header: X-CodeTwoProcessed, words: ["true"]}}
    actions: {{redirectToConnector: CodeTwo Email Signatures 365 connector}}
    stopProcessingMoreRules: true
  - name: Mimecast smart host
    priority: 1
    conditions: {{senderIs: inside, recipientIs: outside}}
    exceptions:
      headerContains: {{header: X-AntiLoop-Smarthost, words: ["true"]}}
    actions:
      setHeader: {{name: X-AntiLoop-Smarthost, value: "true"}}
      redirectToConnector: Mimecast outbound
    deferOnError: true
{rules}"""


def accepted(n: int) -> str:
    return "".join(f"    - dept{i}.contoso.com\n" for i in range(n))


def partner_connector(n: int) -> str:
    domains = "".join(f"      - partner{i}.example\n" for i in range(n))
    return (
        "  - name: Partners\n    type: partner\n    use: recipient-domains\n"
        "    smartHosts: [relay.partners.example]\n    recipientDomains:\n" + domains
    )


def connectors(n: int) -> tuple[str, str]:
    text = "".join(
        f"  - name: Partner {i}\n    type: partner\n    recipientDomains: [partner{i}.example]\n"
        f"    smartHosts: [relay{i}.partner{i}.example]\n"
        for i in range(n)
    )
    rules = "".join(
        f"  - name: To partner {i}\n    priority: {i + 2}\n    conditions: {{senderDomainIs: [sales.contoso.com], "
        f"recipientDomainIs: [partner{i}.example]}}\n    actions: {{redirectToConnector: Partner {i}}}\n"
        for i in range(min(n, 100))
    )
    return text, rules


GATEWAY = (
    "  - name: Gateway\n    use: transport-rule\n    smartHosts: [gw.gateway.example]\n"
    "    service: {kind: smart-host, returnsToExchange: true}\n"
)


def unknown_rule(name: str, word: str, priority: int, exception: str, actions: str) -> str:
    """A rule whose condition mailflow cannot evaluate (`other`), so that the simulation
    follows both ways: with `exception` (flow-style keys, or none) and `actions`."""
    exceptions = f"    exceptions: {{{exception}}}\n" if exception else ""
    return (
        f"  - name: {name}\n    priority: {priority}\n"
        f"    conditions: {{other: {{SubjectContainsWords: [{word}]}}}}\n{exceptions}    actions: {{{actions}}}\n"
    )


def unknown_headers(n: int, read: bool = False) -> tuple[str, str]:
    """A rule with an `other` condition redirecting to a gateway that hands mail back, and
    `n` rules with an `other` condition stamping a header; with `read`, each excepts mail
    that already has its header, so the branches differ in what later rules read."""
    rules = unknown_rule("To the gateway", "gateway", 2, "", "redirectToConnector: Gateway")
    rules += "".join(
        unknown_rule(
            f"Stamp {i}",
            f"word{i}",
            i + 3,
            f"headerContains: {{header: X-Stamp-{i}, words: ['yes']}}" if read else "",
            f"setHeader: {{name: X-Stamp-{i}, value: 'yes'}}",
        )
        for i in range(n)
    )
    return GATEWAY, rules


def domain_exceptions(n: int) -> str:
    return "".join(
        f"  - name: Except partner {i}\n    priority: {i + 2}\n    conditions: {{senderIs: inside}}\n"
        f"    exceptions: {{recipientDomainIs: [partner{i}.example]}}\n"
        f"    actions: {{setHeader: {{name: X-Partner-{i}, value: 'no'}}}}\n"
        for i in range(n)
    )


def editor_rule(i: int, flow: bool, finding: bool) -> str:
    """Rule `i` of the language server's benchmarks (benchmarks/lsp_latency.py), in block or
    flow style. Its disclaimer reads "Department {i}." in both, where the benchmark types.
    With `finding`, its header name ends in a colon (MF010), and every 100th rule takes the
    name of the one before it (MF005)."""
    header = f"X-Dept-{i}:" if finding else f"X-Dept-{i}"
    number = i - 1 if finding and i % 100 == 0 else i
    pattern = f"'^(?!noreply)[^@]+@partner{i}\\.example$'"
    head = f'  # Department {i}\n  - name: "Department {number} disclaimer"\n    priority: {i}\n    mode: enforce\n'
    if flow:
        return head + (
            f"    conditions: {{senderDomainIs: [dept{i}.contoso.com], recipientAddressMatches: [{pattern}], "
            f'other: {{SubjectContainsWords: ["invoice {i}"]}}}}\n'
            f'    exceptions: {{headerMatches: {{header: "{header}", patterns: [\'^skip\']}}}}\n'
            f'    actions: {{other: {{ApplyHtmlDisclaimerText: "<p>Department {i}.</p>"}}}}\n'
            f'    comments: "Added for department {i}."\n'
        )
    return head + (
        f"    conditions:\n      senderDomainIs:\n        - dept{i}.contoso.com\n"
        f"      recipientAddressMatches:\n        - {pattern}\n"
        f'      other:\n        SubjectContainsWords:\n          - "invoice {i}"\n'
        f'    exceptions:\n      headerMatches:\n        header: "{header}"\n        patterns:\n          - \'^skip\'\n'
        f'    actions:\n      other:\n        ApplyHtmlDisclaimerText: "<p>Department {i}.</p>"\n'
        f"    comments: |\n      Added for department {i}.\n"
    )


def editor_rules(n: int, flow: bool, finding: bool) -> str:
    """The usual two rules and `n - 2` more of [`editor_rule`]: `n` rules in all."""
    return HEAD.format(
        accepted="", connectors="", rules="".join(editor_rule(i, flow, finding) for i in range(2, max(n, 2)))
    )


def editor_document(n: int, finding: bool) -> dict:
    """The file of [`editor_rules`] as data: the same rules, connectors and findings."""
    signature = "CodeTwo Email Signatures 365 connector"
    rules = [
        {"name": "CodeTwo Exchange transport rule", "priority": 0, "conditions": {"senderIs": "inside"},
         "exceptions": {"headerContains": {"header": "X-CodeTwoProcessed", "words": ["true"]}},
         "actions": {"redirectToConnector": signature}, "stopProcessingMoreRules": True},
        {"name": "Mimecast smart host", "priority": 1, "conditions": {"senderIs": "inside", "recipientIs": "outside"},
         "exceptions": {"headerContains": {"header": "X-AntiLoop-Smarthost", "words": ["true"]}},
         "actions": {"setHeader": {"name": "X-AntiLoop-Smarthost", "value": "true"}, "redirectToConnector": "Mimecast outbound"},
         "deferOnError": True},
    ]
    for i in range(2, max(n, 2)):
        rules.append({
            "name": f"Department {i - 1 if finding and i % 100 == 0 else i} disclaimer", "priority": i, "mode": "enforce",
            "conditions": {"senderDomainIs": [f"dept{i}.contoso.com"],
                           "recipientAddressMatches": [f"^(?!noreply)[^@]+@partner{i}\\.example$"],
                           "other": {"SubjectContainsWords": [f"invoice {i}"]}},
            "exceptions": {"headerMatches": {"header": f"X-Dept-{i}:" if finding else f"X-Dept-{i}", "patterns": ["^skip"]}},
            "actions": {"other": {"ApplyHtmlDisclaimerText": f"<p>Department {i}.</p>"}},
            "comments": f"Added for department {i}.",
        })
    document = {
        "mailflow": 1,
        "organization": {"name": "Contoso", "domains": ["contoso.com"]},
        "connectors": [
            {"name": signature, "type": "on-premises", "use": "transport-rule", "smartHosts": ["1a2b3c.smtp.codetwo.online"],
             "service": {"kind": "signature", "vendor": "codetwo", "domain": "1a2b3c.smtp.codetwo.online"}},
            {"name": "Mimecast outbound", "use": "transport-rule", "smartHosts": ["eu-smtp-o365-outbound-1.mimecast.com"],
             "service": {"kind": "smart-host", "vendor": "mimecast", "returnsToExchange": False}},
        ],
        "transportRules": rules,
    }
    return document


def json_line(n: int, finding: bool) -> str:
    """The file of [`editor_rules`] as JSON on one line, as `ConvertTo-Json -Compress` and
    most JSON tools write it."""
    return json.dumps(editor_document(n, finding), separators=(",", ":")) + "\n"


def list_in_brackets(n: int) -> str:
    """The file of [`editor_rules`] in block style with its rules in a list in brackets, a
    rule a line in flow style, as a script writing YAML item by item may."""

    def flow(value) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{key}: {flow(item)}" for key, item in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(flow(item) for item in value) + "]"
        return json.dumps(value)

    document = editor_document(n, finding=False)
    rules = document.pop("transportRules")
    head = "".join(f"{key}: {flow(value)}\n" for key, value in document.items())
    return head + "transportRules: [\n" + ",\n".join(f"  {flow(rule)}" for rule in rules) + "\n]\n"


def stress(n: int) -> str:
    """The simulator's stress file: `n` rules, the usual two and `n - 2` with an `other`
    condition and a header stamped; every third excepts the header the rule before it
    stamps, every fifth redirects to a gateway that hands mail back, unless the message
    carries the gateway's own header."""
    rules = []
    for i in range(2, max(n, 2)):
        stamp = f"setHeader: {{name: X-Stress-{i}, value: 'yes'}}"
        exception = f"headerContains: {{header: X-Stress-{i - 1}, words: ['yes']}}" if i % 3 == 0 else ""
        if i % 5 == 0:
            exception = "headerContains: {header: X-Gateway-Done, words: ['yes']}"
            stamp = "setHeader: {name: X-Gateway-Done, value: 'yes'}, redirectToConnector: Gateway"
        rules.append(unknown_rule(f"Unknown {i}", f"word{i}", i, exception, stamp))
    return HEAD.format(accepted="", connectors=GATEWAY, rules="".join(rules))


def repository(n: int, into: pathlib.Path) -> None:
    """`n` files of 30 rules each under `into`, three to a subfolder."""
    text = generate("rules-block", 30)
    for i in range(n):
        folder = into / f"team{i // 3:04}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"tenant{i:04}.mailflow.yaml").write_text(text.replace("name: Contoso", f"name: Contoso {i}", 1))


def generate(shape: str, n: int) -> str:
    if shape == "stress":
        return stress(n)
    if shape == "header-exceptions":
        text, rules = unknown_headers(n, read=True)
        return HEAD.format(accepted="", connectors=text, rules=rules)
    if shape == "suppressions":
        text = editor_rules(n, flow=False, finding=True)
        return re.sub(r"  # Department \d+\n", "  # mailflow: ignore[MF010]\n", text)
    if shape == "same-names":
        return re.sub(r'name: "Department \d+ disclaimer"', 'name: "Department disclaimer"', editor_rules(n, False, True))
    if shape == "rules-in-brackets":
        return list_in_brackets(n)
    if shape.startswith("rules-json-line"):
        return json_line(n, finding=shape.endswith("-findings"))
    if shape.startswith("rules-block") or shape.startswith("rules-flow"):
        return editor_rules(n, flow=shape.startswith("rules-flow"), finding=shape.endswith("-findings"))
    if shape == "unknown-headers":
        text, rules = unknown_headers(n)
        return HEAD.format(accepted="", connectors=text, rules=rules)
    if shape == "domain-exceptions":
        return HEAD.format(accepted="", connectors="", rules=domain_exceptions(n))
    if shape == "domains":
        return HEAD.format(accepted=accepted(n), connectors=partner_connector(n), rules="")
    if shape == "accepted-domains":
        return HEAD.format(accepted=accepted(n), connectors="", rules="")
    if shape == "recipient-domains":
        return HEAD.format(accepted="", connectors=partner_connector(n), rules="")
    if shape == "connectors":
        text, rules = connectors(n)
        return HEAD.format(accepted="", connectors=text, rules=rules)
    if shape == "rules-domains":
        from lsp_latency import three_hundred_rules

        text = three_hundred_rules()
        domains = "  domains: [contoso.com, contoso.onmicrosoft.com]\n"
        text = text.replace(domains, "  domains:\n    - contoso.com\n    - contoso.onmicrosoft.com\n" + accepted(n), 1)
        return text.replace("transportRules:\n", partner_connector(n) + "transportRules:\n", 1)
    raise SystemExit(f"unknown shape {shape!r}: one of {', '.join(SHAPES)}")


def binary() -> str:
    return os.environ.get("MAILFLOW_BIN", str(ROOT / "target" / "release" / "mailflow"))


def binary_argument(args: list[str], usage: str) -> str:
    """The binary a benchmark runs: what is left of its arguments once its options are taken,
    at most one path, or `binary()`. `-h` or `--help` prints `usage`; an option it does not
    know, or a second path, is refused with it (a mistyped option is not a binary's path)."""
    if "-h" in args or "--help" in args:
        print(usage)
        raise SystemExit(0)
    unknown = [arg for arg in args if arg.startswith("-")]
    if unknown or len(args) > 1:
        raise SystemExit(f"unexpected {' '.join(unknown or args[1:])}\n{usage}")
    return args[0] if args else binary()


def to_dsl(yaml: str, mailflow: str | None = None) -> str:
    """`yaml` written in the DSL by `mailflow convert` (`mailflow`, else `binary()`)."""
    with tempfile.TemporaryDirectory() as folder:
        source = pathlib.Path(folder) / "generated.mailflow.yaml"
        source.write_text(yaml)
        return subprocess.run(
            [mailflow or binary(), "convert", str(source), "--to", "dsl"], check=True, capture_output=True, text=True
        ).stdout


def main(argv: list[str]) -> None:
    args = [a for a in argv if a != "--dsl"]
    if len(args) == 4 and args[0] == "repository" and args[1].isdigit() and args[2] == "--into":
        repository(int(args[1]), pathlib.Path(args[3]))
        return
    if len(args) != 2 or not args[1].isdigit():
        raise SystemExit(__doc__)
    text = generate(args[0], int(args[1]))
    sys.stdout.write(to_dsl(text) if "--dsl" in argv else text)


if __name__ == "__main__":
    main(sys.argv[1:])
