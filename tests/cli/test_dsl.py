"""`mailflow check` on mail-flow DSL files (`*.mailflow`): the reports, formats and exit codes
a YAML file gets, for the same findings."""

import json
import pathlib
import re

from conftest import ROOT

EXAMPLE = ROOT / "grammar" / "examples" / "codetwo-mimecast.mailflow"

BROKEN = """mailflow 1

rule "Mimecast smart host" {
  priorty 0
  enabled yes
}
"""

# The same mistakes in YAML.
BROKEN_YAML = """mailflow: 1
transportRules:
  - name: Mimecast smart host
    priorty: 0
    enabled: yes
"""

ONLY_HINT = """mailflow 1

rule "Disclaimer" priority 3 {
}
"""

# A rule being typed at the end, below a rule with a finding of its own.
HALF_TYPED = """mailflow 1

rule "Disclaimer" priority 0 {
  mode test
}

rule "Footer" priority 1 {
  if sender is inside
  set header
"""


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def diagnostics(result) -> list[dict]:
    return json.loads(result.stdout)["diagnostics"]


def test_the_dsl_example_is_clean(mailflow):
    result = mailflow("check", EXAMPLE)
    assert result.returncode == 0, result.stdout
    assert "All good: 1 file checked, nothing found." in result.stdout


def test_human_format_points_at_the_dsl_line(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow", BROKEN)
    result = mailflow("check", path)
    assert result.returncode == 1
    assert re.search(r"bad\.mailflow:4:3", result.stdout)
    assert "error[MF002]: `priorty` belongs in the rule's first line" in result.stdout
    assert "  priorty 0" in result.stdout
    assert "^^^^^^^" in result.stdout
    assert "error[MF003]: `yes` is not a valid value for `enabled`; allowed: true, false" in result.stdout
    assert "YAML" not in result.stdout
    assert "Found 3 errors" in result.stdout


def test_json_format_on_a_dsl_file(mailflow, tmp_path):
    path = write(tmp_path / "bad.mailflow", BROKEN)
    result = mailflow("check", "--format", "json", path)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    found = document["diagnostics"]
    # Sorted by position: the missing priority (on the rule's first line), then the block.
    assert [d["code"] for d in found] == ["MF004", "MF002", "MF003"]
    assert found[0]["message"].startswith("this rule has no `priority`")
    assert found[1]["range"] == {"start": {"line": 4, "column": 3}, "end": {"line": 4, "column": 10}}
    assert found[2]["range"] == {"start": {"line": 5, "column": 11}, "end": {"line": 5, "column": 14}}
    assert all(d["file"].endswith("bad.mailflow") for d in found)
    assert document["summary"]["errors"] == 3 and document["summary"]["files"] == 1


def test_a_dsl_file_and_its_yaml_twin_get_the_same_codes(mailflow, tmp_path):
    dsl = diagnostics(mailflow("check", "--format", "json", write(tmp_path / "flow.mailflow", BROKEN)))
    yaml = diagnostics(mailflow("check", "--format", "json", write(tmp_path / "flow.mailflow.yaml", BROKEN_YAML)))
    assert sorted(d["code"] for d in dsl) == sorted(d["code"] for d in yaml)


def test_exit_codes_on_dsl_files(mailflow, tmp_path):
    assert mailflow("check", EXAMPLE).returncode == 0
    hint = write(tmp_path / "hint.mailflow", ONLY_HINT)
    assert [d["code"] for d in diagnostics(mailflow("check", "--format", "json", hint))] == ["MF013"]
    assert mailflow("check", hint).returncode == 0
    assert mailflow("check", "--fail-on", "hint", hint).returncode == 1
    assert mailflow("check", write(tmp_path / "bad.mailflow", BROKEN)).returncode == 1
    assert mailflow("check", "--ignore", "MF0", tmp_path / "bad.mailflow").returncode == 0
    missing = mailflow("check", tmp_path / "nope.mailflow")
    assert missing.returncode == 2 and "nope.mailflow" in missing.stderr
    latin1 = tmp_path / "latin1.mailflow"
    latin1.write_bytes('mailflow 1\norganization "Caf\u00e9" {}\n'.encode("latin-1"))
    assert mailflow("check", latin1).returncode == 2


def test_a_half_typed_rule_leaves_the_rest_checked(mailflow, tmp_path):
    path = write(tmp_path / "typing.mailflow", HALF_TYPED)
    result = mailflow("check", "--format", "json", path)
    assert result.returncode == 1
    found = [(d["code"], d["range"]["start"]["line"], d["range"]["end"]["line"]) for d in diagnostics(result)]
    # The finding above the rule being typed stays; the syntax error covers the broken rule only.
    assert found == [("MF003", 4, 4), ("MF001", 7, 9)]


def test_suppression_comments_in_dsl(mailflow, tmp_path):
    text = """mailflow 1
# mailflow: ignore-file[MF013]

rule "Disclaimer" priority 4 {  # mailflow: ignore[MF009]
  comments "%s"
}

# mailflow: ignore[MF007]
rule "Legal footer" priority 4 {
}

rule "Archive" priority 5 {  # mailflow: ignore[MF005]
}
""" % ("x" * 1100)
    path = write(tmp_path / "s.mailflow", text)
    result = diagnostics(mailflow("check", "--format", "json", path))
    # MF009, MF007 and MF013 are silenced; the unused MF005 suppression is a hint.
    assert [(d["code"], d["range"]["start"]["line"]) for d in result] == [("MF014", 12)]


def test_discovery_finds_dsl_files(mailflow, tmp_path):
    write(tmp_path / "tenants" / "contoso.mailflow", ONLY_HINT)
    write(tmp_path / "tenants" / "fabrikam.mailflow.yaml", "mailflow: 1\ntransportRules: []\n")
    write(tmp_path / "notes.txt", "rule \"x\" {\n")
    result = json.loads(mailflow("check", "--format", "json", cwd=tmp_path).stdout)
    assert result["summary"]["files"] == 2
    assert {d["file"] for d in result["diagnostics"]} == {"tenants/contoso.mailflow"}
