"""`check --fix` and `--diff` on the files of issue 14, items 6-8, through the binary: lone
CR line breaks, anchors shared between rules, fixes that clash or break the file. A run
never adds a syntax or schema error (MF001-MF004), and a second run changes nothing."""

import json
import pathlib
import re

import pytest

from conftest import EXAMPLES, ROOT
from mailflow_process import run

RUNS = ROOT / "server" / "tests" / "fix_runs"
WITH_FIXES = [
    "broken-missing-anti-loop.mailflow.yaml",
    "broken-rule-order.mailflow.yaml",
    "broken-signature-loop.mailflow.yaml",
    "broken-smart-host-not-rule-scoped.mailflow.yaml",
    "hint-undeclared-service.mailflow.yaml",
    "broken-rule-order.mailflow",
]


def fix(path: pathlib.Path, *flags: str):
    result = run("check", "--fix", *flags, path)
    assert result.returncode in (0, 1), result.stderr
    return result


def broken_codes(path: pathlib.Path) -> list[str]:
    result = run("check", "--format", "concise", path, text=True)
    return re.findall(r"\b(MF00[1-4])\b", result.stdout)


@pytest.mark.parametrize("name", WITH_FIXES)
def test_a_file_with_lone_crs_is_fixed_as_its_lf_twin(tmp_path, name):
    text = (EXAMPLES / name).read_bytes()
    lf, cr = tmp_path / "lf" / name, tmp_path / "cr" / name
    lf.parent.mkdir()
    cr.parent.mkdir()
    lf.write_bytes(text)
    cr.write_bytes(text.replace(b"\n", b"\r"))
    fix(lf, "--unsafe-fixes")
    fix(cr, "--unsafe-fixes")
    assert lf.read_bytes() != text
    assert cr.read_bytes() == lf.read_bytes().replace(b"\n", b"\r")
    assert broken_codes(cr) == []
    again = fix(cr, "--unsafe-fixes")
    assert b"Applied 0 fixes (0 files changed)." in again.stdout
    assert cr.read_bytes() == lf.read_bytes().replace(b"\n", b"\r")


def test_the_diff_of_a_file_with_lone_crs_counts_its_lines(tmp_path):
    name = "broken-missing-anti-loop.mailflow.yaml"
    text = (EXAMPLES / name).read_bytes()
    (tmp_path / "lf").mkdir()
    (tmp_path / "cr").mkdir()
    (tmp_path / "lf" / name).write_bytes(text)
    (tmp_path / "cr" / name).write_bytes(text.replace(b"\n", b"\r"))
    lf = run("check", "--diff", "--unsafe-fixes", name, cwd=tmp_path / "lf").stdout
    cr = run("check", "--diff", "--unsafe-fixes", name, cwd=tmp_path / "cr").stdout
    assert b"@@ -67,4 +67,7 @@" in lf
    # The same hunks and lines; the diff's own lines end with LF.
    assert cr == lf
    assert b"\r" not in cr


def test_a_safe_fix_leaves_an_anchor_other_rules_use(tmp_path):
    for name in ["shared-anchor.mailflow.yaml", "shared-merge-block.mailflow.yaml", "alias-on-target.mailflow.yaml"]:
        path = tmp_path / name
        text = (RUNS / name).read_bytes()
        path.write_bytes(text)
        fix(path)
        fixed = path.read_bytes()
        # The anchors and what they hold are as they were.
        for anchor in re.findall(rb"&\w+[^\n]*", text):
            assert anchor in fixed, (name, anchor)
        if name == "shared-anchor.mailflow.yaml":
            assert fixed == text
        else:
            assert fixed.count(b"stopProcessingMoreRules: true") == 1, fixed.decode()


def test_unsafe_fixes_that_clash_or_break_the_file_are_not_applied(tmp_path):
    for name in ["misspelt-transport-rules.mailflow.yaml", "two-connectors-one-name.mailflow.yaml", "dsl-keyword-renames.mailflow"]:
        path = tmp_path / name
        path.write_bytes((RUNS / name).read_bytes())
        before = broken_codes(path)
        fix(path, "--unsafe-fixes")
        fixed = path.read_bytes()
        assert len(broken_codes(path)) <= len(before), fixed.decode()
        assert len(re.findall(rb"^transportRules:", fixed, re.MULTILINE)) <= 1, fixed.decode()
        again = fix(path, "--unsafe-fixes")
        assert b"Applied 0 fixes (0 files changed)." in again.stdout, again.stdout.decode()
        assert path.read_bytes() == fixed


# Two misspellings of one key: each rename alone is fine, both would make the key twice.
TWO_MISSPELLINGS = b"mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n    prioriti: 0\n"
# Renaming `sethead` to `set header` leaves `"X-A" "true"`, which `set header` does not take.
BROKEN_RENAME = b'mailflow 1\nrule "R" priority 0 {\n  sethead "X-A" "true"\n}\n'


def test_fixes_held_back_are_said_file_by_file(tmp_path):
    """Issue 14, item 3: a fix held back (it clashes with one applied, or it would break the
    file) used to be dropped without a word."""
    clash = tmp_path / "clash.mailflow.yaml"
    clash.write_bytes(TWO_MISSPELLINGS)
    broken = tmp_path / "broken.mailflow"
    broken.write_bytes(BROKEN_RENAME)
    done = run("check", "--fix", "--unsafe-fixes", clash, broken)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert (
        f'{clash}:5:5: MF002: fix "Rename `prioriti` to `priority`" held back: it clashes with '
        '"Rename `priorty` to `priority`", applied first\n'
    ) in err, err
    assert re.search(rf'^{re.escape(str(broken))}:3:3: MF002: fix "Rename `sethead` to `set header`" held back: it would add MF001 \(.+\)$', err, re.MULTILINE), err
    # The report itself is on standard output, as before.
    assert "held back" not in done.stdout.decode()
    assert clash.read_bytes() == TWO_MISSPELLINGS.replace(b"priorty", b"priority")
    assert broken.read_bytes() == BROKEN_RENAME
    # --diff says the same, and writes nothing.
    clash.write_bytes(TWO_MISSPELLINGS)
    diff = run("check", "--diff", "--unsafe-fixes", clash)
    assert 'MF002: fix "Rename `prioriti` to `priority`" held back' in diff.stderr.decode()
    assert clash.read_bytes() == TWO_MISSPELLINGS


def test_json_carries_the_fixes_held_back(tmp_path):
    clash = tmp_path / "clash.mailflow.yaml"
    clash.write_bytes(TWO_MISSPELLINGS)
    done = run("check", "--fix", "--unsafe-fixes", "--format", "json", clash)
    document = json.loads(done.stdout)
    assert document["fixesHeldBack"] == [{
        "file": str(clash),
        "code": "MF002",
        "message": document["diagnostics"][0]["message"],
        "fix": "Rename `prioriti` to `priority`",
        "line": 5,
        "column": 5,
        "reason": 'it clashes with "Rename `priorty` to `priority`", applied first',
    }]
    assert "held back" in done.stderr.decode()
    # Nothing held back: an empty list; without --fix the document is as it was.
    clash.write_bytes(ONE_MISSPELLING)
    assert json.loads(run("check", "--fix", "--unsafe-fixes", "--format", "json", clash).stdout)["fixesHeldBack"] == []
    assert "fixesHeldBack" not in json.loads(run("check", "--format", "json", clash).stdout)


ONE_MISSPELLING = b"mailflow: 1\ntransportRules:\n  - name: A\n    priorty: 0\n"
