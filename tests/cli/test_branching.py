"""Conditions mailflow cannot evaluate make the simulation branch (issue 15): past the branch
cap the ways are counted, not followed. The findings that rest on such a simulation say so in
JSON, and `trace` stays small however many rules branch."""

import json

HEAD = """mailflow: 1
organization: {domains: [contoso.com]}
connectors:
  - name: Gateway
    use: transport-rule
    service: {kind: smart-host, returnsToExchange: true}
transportRules:
  - name: To the gateway
    priority: 0
    conditions: {other: {SubjectContainsWords: [gateway]}}
    actions: {redirectToConnector: Gateway}
"""


def stamps(n: int, excepted: bool = True) -> str:
    """`n` rules with a condition mailflow cannot evaluate, each stamping a header and, when
    `excepted`, excepting mail that has it: then every rule doubles the ways a message can go;
    else no rule reads the headers and the ways do not branch."""
    exception = "    exceptions: {{headerContains: {{header: X-Stamp-{i}, words: ['yes']}}}}\n" if excepted else ""
    return HEAD + "".join(
        f"  - name: Stamp {i}\n    priority: {i + 1}\n    conditions: {{other: {{SubjectContainsWords: [w{i}]}}}}\n"
        + exception.format(i=i)
        + f"    actions: {{setHeader: {{name: X-Stamp-{i}, value: 'yes'}}}}\n"
        for i in range(n)
    )


def test_findings_of_a_cut_simulation_say_so_in_json(mailflow, tmp_path):
    path = tmp_path / "stamps.mailflow.yaml"
    path.write_text(stamps(10))
    diagnostics = json.loads(mailflow("check", "--format", "json", path).stdout)["diagnostics"]
    noted = {d["code"] for d in diagnostics if any("not every way was followed" in r["message"] for r in d["related"])}
    # The routing loop is the simulation's; the missing anti-loop header is the model's.
    assert "MF304" in noted
    assert "MF301" in {d["code"] for d in diagnostics} - noted


def test_nothing_is_noted_where_every_way_was_followed(mailflow, tmp_path):
    path = tmp_path / "stamps.mailflow.yaml"
    path.write_text(stamps(10, excepted=False))
    diagnostics = json.loads(mailflow("check", "--format", "json", path).stdout)["diagnostics"]
    assert "MF304" in {d["code"] for d in diagnostics}
    assert not any("not every way" in r["message"] for d in diagnostics for r in d["related"])


def test_trace_stays_under_a_megabyte_and_says_what_it_cut(mailflow, tmp_path):
    path = tmp_path / "stamps.mailflow.yaml"
    path.write_text(stamps(299))
    for format in ("text", "json", "mermaid"):
        out = mailflow("trace", path, "--format", format).stdout
        assert len(out.encode()) < 1_000_000, format
    document = json.loads(mailflow("trace", path, "--format", "json").stdout)
    assert document["cut"]["ways"] > 0
    assert any(way.get("brief") for way in document["paths"])
