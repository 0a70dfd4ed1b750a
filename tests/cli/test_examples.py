"""Each bundled example says in an `# expect:` line which error and warning codes it must
produce; the checker must produce exactly those."""

import json
import re

import pytest

from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.mailflow.yaml"))


def expected_codes(path) -> set[str]:
    match = re.search(r"^# expect: (.+)$", path.read_text(), re.MULTILINE)
    assert match, f"{path.name} has no `# expect:` line"
    words = match.group(1).split()
    return set() if words == ["none"] else set(words)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_produces_what_its_comment_promises(mailflow, path):
    result = mailflow("check", "--format", "json", path)
    found = {d["code"] for d in json.loads(result.stdout)["diagnostics"] if d["severity"] in ("error", "warning")}
    assert found == expected_codes(path)
    assert result.returncode == (1 if found else 0)


def test_there_are_correct_and_broken_examples():
    expectations = [expected_codes(p) for p in EXAMPLE_FILES]
    assert sum(1 for e in expectations if not e) >= 4
    assert sum(1 for e in expectations if e) >= 4
