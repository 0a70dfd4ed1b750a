"""`mailflow check` as a user runs it: formats, exit codes, selection, suppression, discovery."""

import hashlib
import json
import pathlib
import re

import pytest

from conftest import EXAMPLES, ROOT

CORRECT = EXAMPLES / "codetwo-mimecast.mailflow.yaml"

BROKEN_SCHEMA = """mailflow: 1
transportRules:
  - name: Mimecast smart host
    priorty: 0
    enabled: yes
"""

ONLY_HINT = """mailflow: 1
transportRules:
  - name: Disclaimer
    priority: 3
"""


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def codes(result) -> list[str]:
    return [d["code"] for d in json.loads(result.stdout)["diagnostics"]]


def test_human_format_points_at_the_line(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    result = mailflow("check", path)
    assert result.returncode == 1
    # file:line:col, the code, the message and the source line with the key underlined.
    assert re.search(r"--> \S*bad\.mailflow\.yaml:4:5$", result.stdout, re.MULTILINE), result.stdout
    assert "error[MF002]: unknown key `priorty` in a transport rule: did you mean `priority`?" in result.stdout
    assert "    priorty: 0" in result.stdout
    assert "^^^^^^^" in result.stdout
    assert "see `mailflow explain MF002`" in result.stdout
    assert "Found 3 errors" in result.stdout


def test_concise_format_is_one_line_each(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    result = mailflow("check", "--format", "concise", path)
    lines = result.stdout.splitlines()
    assert any(re.fullmatch(r".*bad\.mailflow\.yaml:5:14: error MF003 \[invalid-value\] `yes` is not a valid value.*", l) for l in lines)
    assert lines[-1].startswith("Found ")


def test_json_format_has_the_documented_shape(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    result = mailflow("check", "--format", "json", path)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["version"] == 1
    # Sorted by position: the missing priority (on the rule's first line), then the keys.
    assert [d["code"] for d in document["diagnostics"]] == ["MF004", "MF002", "MF003"]
    first = document["diagnostics"][1]
    assert set(first) == {"code", "name", "severity", "message", "file", "range", "related", "fixable"}
    assert first["code"] == "MF002" and first["name"] == "unknown-key" and first["severity"] == "error"
    assert first["range"] == {"start": {"line": 4, "column": 5}, "end": {"line": 4, "column": 12}}
    assert first["fixable"] is True
    assert document["summary"]["errors"] == 3


def test_every_format_runs_on_the_examples(mailflow):
    for fmt in ["human", "concise", "json", "sarif", "github"]:
        result = mailflow("check", "--format", fmt, EXAMPLES)
        assert result.returncode in (0, 1), result.stderr
        assert result.stderr == ""
        if fmt in ("json", "sarif"):
            json.loads(result.stdout)


def test_sarif_names_rules_and_regions(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    sarif = json.loads(mailflow("check", "--format", "sarif", path).stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"id": "MF002", "name": "unknown-key"}.items() <= rules[1].items()
    result = run["results"][1]
    assert result["ruleId"] == "MF002" and result["level"] == "error"
    assert rules[result["ruleIndex"]]["id"] == "MF002"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_github_format_writes_workflow_commands(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    lines = mailflow("check", "--format", "github", path).stdout.splitlines()
    assert any(
        re.fullmatch(r"::error file=.*bad\.mailflow\.yaml,line=4,col=5,endLine=4,endColumn=12,title=MF002 unknown-key::unknown key `priorty`.*", l)
        for l in lines
    ), lines


def test_exit_codes(mailflow, tmp_path):
    assert mailflow("check", CORRECT).returncode == 0
    hint = write(tmp_path / "hint.mailflow.yaml", ONLY_HINT)
    assert mailflow("check", hint).returncode == 0
    assert mailflow("check", "--fail-on", "hint", hint).returncode == 1
    bad = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    assert mailflow("check", bad).returncode == 1
    assert mailflow("check", "--fail-on", "error", bad).returncode == 1
    missing = mailflow("check", tmp_path / "nope.mailflow.yaml")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr and "nope.mailflow.yaml" in missing.stderr
    assert mailflow("check", "--format", "xml", CORRECT).returncode == 2
    assert mailflow("check", "--select", "XY1", CORRECT).returncode == 2
    latin1 = tmp_path / "latin1.mailflow.yaml"
    latin1.write_bytes("mailflow: 1\norganization: {name: Caf\u00e9}\n".encode("latin-1"))
    invalid = mailflow("check", latin1)
    assert invalid.returncode == 2
    assert "not valid UTF-8" in invalid.stderr


def test_warnings_fail_by_default_but_not_with_fail_on_error(mailflow, tmp_path):
    long_name = "x" * 70
    warn = write(tmp_path / "warn.mailflow.yaml", f"mailflow: 1\ntransportRules:\n  - name: {long_name}\n    priority: 0\n")
    assert codes(mailflow("check", "--format", "json", warn)) == ["MF009"]
    assert mailflow("check", warn).returncode == 1
    assert mailflow("check", "--fail-on", "error", warn).returncode == 0


SMART_HOST_WITHOUT_MARK = """mailflow: 1
connectors:
  - name: Barracuda outbound
    use: transport-rule
    smartHosts: [d123456a.ess.barracudanetworks.com]
    service: {{kind: smart-host, vendor: barracuda, returnsToExchange: {returns}}}
transportRules:
  - name: Barracuda smart host
    priority: 0
    conditions: {{senderIs: inside, recipientIs: outside}}
    actions: {{redirectToConnector: Barracuda outbound}}
    deferOnError: true
"""


def test_each_finding_carries_its_own_severity(mailflow, tmp_path):
    """MF301 is a warning for a smart host that delivers mail itself and an error for one that
    hands it back: every format and --fail-on read the finding's severity."""
    delivers = write(tmp_path / "delivers.mailflow.yaml", SMART_HOST_WITHOUT_MARK.format(returns="false"))
    hands_back = write(tmp_path / "hands-back.mailflow.yaml", SMART_HOST_WITHOUT_MARK.format(returns="true"))
    severity = lambda path: {d["code"]: d["severity"] for d in json.loads(mailflow("check", "--format", "json", path).stdout)["diagnostics"]}
    assert severity(delivers)["MF301"] == "warning"
    assert severity(hands_back)["MF301"] == "error"
    concise = mailflow("check", "--format", "concise", delivers).stdout
    assert re.search(r"delivers\.mailflow\.yaml:\d+:\d+: warning MF301 ", concise), concise
    assert "::warning file=" in mailflow("check", "--format", "github", delivers).stdout
    sarif = json.loads(mailflow("check", "--format", "sarif", delivers).stdout)["runs"][0]
    result = next(r for r in sarif["results"] if r["ruleId"] == "MF301")
    assert result["level"] == "warning"
    assert sarif["tool"]["driver"]["rules"][result["ruleIndex"]]["defaultConfiguration"]["level"] == "error"
    assert mailflow("check", "--fail-on", "error", delivers).returncode == 0
    assert mailflow("check", "--fail-on", "error", hands_back).returncode == 1


def test_select_and_ignore_take_codes_and_prefixes(mailflow, tmp_path):
    bad = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    assert codes(mailflow("check", "--format", "json", bad)) == ["MF004", "MF002", "MF003"]
    assert codes(mailflow("check", "--format", "json", "--select", "MF002", bad)) == ["MF002"]
    assert codes(mailflow("check", "--format", "json", "--ignore", "MF00", bad)) == []
    assert codes(mailflow("check", "--format", "json", "--select", "MF0", "--ignore", "MF003,MF004", bad)) == ["MF002"]
    assert mailflow("check", "--ignore", "MF0", bad).returncode == 0


def test_suppression_comments(mailflow, tmp_path):
    text = """mailflow: 1
# mailflow: ignore-file[MF013]
transportRules:
  - name: Disclaimer  # mailflow: ignore[MF009]
    priority: 4
    comments: "%s"
  # mailflow: ignore[MF007]
  - name: Legal footer
    priority: 4
  - name: Archive  # mailflow: ignore[MF005]
    priority: 5
""" % ("x" * 1100)
    path = write(tmp_path / "s.mailflow.yaml", text)
    result = json.loads(mailflow("check", "--format", "json", path).stdout)
    # MF009, MF007 and MF013 are silenced; the unused MF005 suppression is a hint.
    assert [(d["code"], d["range"]["start"]["line"]) for d in result["diagnostics"]] == [("MF014", 10)]


def test_discovery_honours_gitignore_in_nested_folders(mailflow, tmp_path):
    write(tmp_path / ".gitignore", "build/\n")
    write(tmp_path / "tenants" / "contoso" / "flow.mailflow.yaml", ONLY_HINT)
    write(tmp_path / "tenants" / "fabrikam" / "deep" / "rules.yml", "# exported\nmailflow: 1\ntransportRules: []\n")
    write(tmp_path / "tenants" / "other.yaml", "name: not a mail-flow file\nmailflow: 1\n")
    write(tmp_path / "build" / "copy.mailflow.yaml", BROKEN_SCHEMA)
    result = json.loads(mailflow("check", "--format", "json", cwd=tmp_path).stdout)
    assert result["summary"]["files"] == 2
    assert {d["file"] for d in result["diagnostics"]} == {"tenants/contoso/flow.mailflow.yaml"}
    # A file named on the command line is checked even where .gitignore would skip it.
    named = json.loads(mailflow("check", "--format", "json", "build/copy.mailflow.yaml", cwd=tmp_path).stdout)
    assert named["summary"]["errors"] == 3


def test_check_never_modifies_the_files(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow.yaml", BROKEN_SCHEMA)
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(EXAMPLES.iterdir())] + [path.read_text()]
    for fmt in ["human", "json", "sarif"]:
        mailflow("check", "--format", fmt, EXAMPLES, path)
    after = [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(EXAMPLES.iterdir())] + [path.read_text()]
    assert before == after


def test_rules_and_explain(mailflow):
    listing = mailflow("rules")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    # One line a code, in code order.
    listed = [line.split()[0] for line in lines]
    assert listed == sorted(set(listed)) and all(re.fullmatch(r"MF\d{3}", code) for code in listed)
    assert any(re.match(r"MF102  signature-rule-without-stop\s+warning\s+\S", line) for line in lines)
    # A code whose findings are errors or warnings, as fits each, is listed with the higher.
    assert any(re.match(r"MF301  smart-host-rule-without-anti-loop-header\s+error\s+\S", line) for line in lines)
    page = mailflow("explain", "mf002")
    assert page.returncode == 0
    assert page.stdout.startswith("# MF002 unknown-key")
    for heading in ["## What it finds", "## Why it breaks mail", "## Example", "## Fixed", "## Fix safety"]:
        assert heading in page.stdout
    unknown = mailflow("explain", "MF999")
    assert unknown.returncode == 2 and "not a mailflow code" in unknown.stderr
